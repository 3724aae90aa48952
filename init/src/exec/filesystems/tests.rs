use std::time::Duration;

use nix::errno::Errno;
use osr_core::mountopts::{self, MountFlags, MountOptions};
use osr_core::nfs::{nfs_mount, NfsVersion, NodeFacts};
use osr_core::plan::{FsCall, FsKind, FsMount, FsSource, NetFacts, NfsByName, NfsFs};
use osr_core::root::NfsSpec;

use super::mount_all;
use crate::sys::fake::{Call, FakeSys};

fn tmpfs(dest: &str, times: u32, wait: u64, wait_first: bool) -> FsMount {
    FsMount {
        dest: dest.into(),
        source: FsSource::Ready(FsCall {
            source: "none".into(),
            target: dest.into(),
            kind: FsKind::Fs("tmpfs".into()),
            flags: MountFlags::NOSUID,
            read_only: false,
            data: "size=1m".into(),
        }),
        times,
        wait: Duration::from_secs(wait),
        wait_first,
    }
}

fn mounts(sys: &FakeSys) -> Vec<String> {
    sys.calls
        .iter()
        .filter_map(|c| match c {
            Call::Filesystem(root, m) => Some(format!("{root}: {m}")),
            _ => None,
        })
        .collect()
}

fn secs(v: &[u64]) -> Vec<Duration> {
    v.iter().map(|s| Duration::from_secs(*s)).collect()
}

/// (label, times, wait, wait before the first, mount results, sleeps, attempts, ok)
#[test]
fn attempts_and_waits() {
    let e = Err(Errno::ETIMEDOUT);
    let cases = [
        ("at once", 1, 5, false, vec![], vec![], 1, true),
        (
            "mountwait given: before the first too",
            1,
            3,
            true,
            vec![],
            vec![3],
            1,
            true,
        ),
        (
            "retried: the wait before each retry",
            3,
            5,
            false,
            vec![e, e],
            vec![5, 5],
            3,
            true,
        ),
        (
            "mountwait 2, three tries",
            3,
            2,
            true,
            vec![e, e],
            vec![2, 2, 2],
            3,
            true,
        ),
        (
            "gives up after mounttimes",
            2,
            5,
            false,
            vec![e, e, e],
            vec![5],
            2,
            false,
        ),
        (
            "mountwait 0: no sleep",
            2,
            0,
            true,
            vec![e],
            vec![],
            2,
            true,
        ),
    ];
    for (label, times, wait, first, results, sleeps, attempts, ok) in cases {
        let mut sys = FakeSys {
            mount_results: results.into(),
            ..FakeSys::default()
        };
        let res = mount_all(None, &[tmpfs("/t", times, wait, first)], None, &mut sys);
        assert_eq!(res.is_ok(), ok, "{label}: {res:?}");
        assert_eq!(sys.sleeps(), secs(&sleeps), "{label}");
        assert_eq!(mounts(&sys).len(), attempts, "{label}");
    }
}

#[test]
fn in_order_inside_the_new_root_and_the_first_failure_ends_it() {
    let mut sys = FakeSys {
        mount_results: [Ok(()), Err(Errno::ENODEV)].into(),
        ..FakeSys::default()
    };
    let list = [
        tmpfs("/a", 1, 5, false),
        tmpfs("/b", 1, 5, false),
        tmpfs("/c", 1, 5, false),
    ];
    let err = mount_all(None, &list, None, &mut sys).unwrap_err();
    assert_eq!(
        mounts(&sys),
        [
            "/sysroot: none on /sysroot/a (tmpfs, rw,nosuid,size=1m)",
            "/sysroot: none on /sysroot/b (tmpfs, rw,nosuid,size=1m)",
        ]
    );
    assert_eq!(
        format!("{err:#}"),
        "cluster.conf <filesystem dest=\"/b\">: failed after 1 attempt: mount none: ENODEV: No such device"
    );
    assert_eq!(
        sys.timeouts,
        [("mount_filesystem", Duration::from_secs(30)); 2]
    );
}

fn by_name() -> FsMount {
    FsMount {
        dest: "/home".into(),
        source: FsSource::NfsByName(NfsByName {
            server: "files.lab".into(),
            spec: NfsSpec {
                server: None,
                path: "/export/home".into(),
                nfs4: false,
                options: mountopts::parse("ro,nodev,vers=3,tcp"),
            },
            target: "/home".into(),
            hostname: "n1".into(),
            versions: vec![NfsVersion::V3],
        }),
        times: 2,
        wait: Duration::from_secs(1),
        wait_first: false,
    }
}

#[test]
fn a_server_name_is_resolved_through_the_networks_nameservers() {
    let mut sys = FakeSys {
        hosts: vec![("files.lab".into(), "10.77.0.1".parse().unwrap())],
        ..FakeSys::default()
    };
    let net = NetFacts {
        dns: vec!["10.77.0.53".parse().unwrap()],
        ..NetFacts::default()
    };
    mount_all(None, &[by_name()], Some(&net), &mut sys).unwrap();
    assert_eq!(
        sys.actions(),
        [
            Call::Resolve("files.lab".into(), vec!["10.77.0.53".parse().unwrap()]),
            Call::Filesystem(
                "/sysroot".into(),
                "10.77.0.1:/export/home on /sysroot/home (nfs, ro,nodev,vers=3,tcp,nolock,addr=10.77.0.1)".into()
            ),
        ]
    );
}

#[test]
fn a_name_that_does_not_resolve_is_retried_then_named() {
    let mut sys = FakeSys::default();
    let err = mount_all(None, &[by_name()], Some(&NetFacts::default()), &mut sys).unwrap_err();
    assert_eq!(sys.sleeps(), secs(&[1]));
    assert!(mounts(&sys).is_empty());
    assert_eq!(
        format!("{err:#}"),
        "cluster.conf <filesystem dest=\"/home\">: failed after 2 attempts: resolving the NFS server files.lab: cannot resolve 'files.lab'"
    );
}

/// An NFS entry from 10.0.0.9:/d with these options (`nfs4`: fstype="nfs4"), as the
/// planner makes it.
fn nfs(options: &str, nfs4: bool, times: u32) -> FsMount {
    let spec = NfsSpec {
        server: None,
        path: "/d".into(),
        nfs4,
        options: mountopts::parse(options),
    };
    let facts = NodeFacts {
        server: "10.0.0.9".parse().unwrap(),
        client: None,
        node_name: Some("n1"),
        rootflags: &MountOptions::default(),
        rw: true,
    };
    FsMount {
        dest: "/d".into(),
        source: FsSource::Nfs(NfsFs {
            mount: nfs_mount(&spec, &facts).unwrap(),
            target: "/d".into(),
        }),
        times,
        wait: Duration::from_secs(1),
        wait_first: false,
    }
}

/// The `vers=` of each mount made.
fn versions(sys: &FakeSys) -> Vec<String> {
    mounts(sys)
        .iter()
        .map(|m| {
            m.split(['(', ','])
                .find(|o| o.starts_with("vers="))
                .unwrap_or("")
                .to_string()
        })
        .collect()
}

const NOPROTO: Result<(), Errno> = Err(Errno::EPROTONOSUPPORT);
const REFUSED: Result<(), Errno> = Err(Errno::ECONNREFUSED);

/// (label, options, fstype nfs4, mounttimes, mount results, versions offered, sleeps, ok)
#[test]
fn nfs_entries_negotiate_the_version_as_the_root() {
    type Case<'a> = (
        &'a str,
        &'a str,
        bool,
        u32,
        Vec<Result<(), Errno>>,
        Vec<&'a str>,
        Vec<u64>,
        bool,
    );
    let cases: Vec<Case> = vec![
        (
            "a v3-only server: each v4 minor, then v3, at once",
            "",
            false,
            1,
            vec![NOPROTO, NOPROTO, NOPROTO],
            vec!["vers=4.2", "vers=4.1", "vers=4.0", "vers=3"],
            vec![],
            true,
        ),
        (
            "no v4 export: straight to v3",
            "",
            false,
            1,
            vec![Err(Errno::ENOENT)],
            vec!["vers=4.2", "vers=3"],
            vec![],
            true,
        ),
        (
            "mounttimes wrap the whole negotiation; an unsupported minor is not offered again",
            "",
            false,
            2,
            vec![NOPROTO, REFUSED, REFUSED],
            vec!["vers=4.2", "vers=4.1", "vers=3", "vers=4.1"],
            vec![1],
            true,
        ),
        (
            "nfs4: never v3",
            "",
            true,
            2,
            vec![Err(Errno::ENOENT), Err(Errno::ENOENT)],
            vec!["vers=4.2", "vers=4.2"],
            vec![1],
            false,
        ),
        (
            "vers=3: exact",
            "vers=3",
            false,
            2,
            vec![NOPROTO, NOPROTO],
            vec!["vers=3", "vers=3"],
            vec![1],
            false,
        ),
    ];
    for (label, options, nfs4, times, results, want, sleeps, ok) in cases {
        let mut sys = FakeSys {
            mount_results: results.into(),
            ..FakeSys::default()
        };
        let res = mount_all(None, &[nfs(options, nfs4, times)], None, &mut sys);
        assert_eq!(res.is_ok(), ok, "{label}: {res:?}");
        assert_eq!(versions(&sys), want, "{label}");
        assert_eq!(sys.sleeps(), secs(&sleeps), "{label}");
    }
    let mut sys = FakeSys {
        mount_results: [NOPROTO, NOPROTO, NOPROTO].into(),
        ..FakeSys::default()
    };
    mount_all(None, &[nfs("", false, 1)], None, &mut sys).unwrap();
    assert_eq!(
        mounts(&sys)[3],
        "/sysroot: 10.0.0.9:/d on /sysroot/d (nfs, rw,vers=3,nolock,addr=10.0.0.9)",
        "nolock for v3 only"
    );
    assert!(!mounts(&sys)[0].contains("nolock"));
}

#[test]
fn an_nfs_error_says_what_it_means() {
    let mut sys = FakeSys {
        mount_results: [Err(Errno::ENOENT)].into(),
        ..FakeSys::default()
    };
    let err = mount_all(None, &[nfs("", true, 1)], None, &mut sys).unwrap_err();
    assert_eq!(
        format!("{err:#}"),
        "cluster.conf <filesystem dest=\"/d\">: failed after 1 attempt: the server does not export this path (or it does not exist): mount 10.0.0.9:/d: ENOENT: No such file or directory"
    );
}

/// (errno, attempts made of 3): only what waiting can heal is retried.
#[test]
fn errors_that_cannot_heal_fail_at_once() {
    let cases = [
        (Errno::EINVAL, 1),
        (Errno::ENODEV, 1),
        (Errno::ENOTDIR, 1),
        (Errno::ETIMEDOUT, 3),
        (Errno::ECONNREFUSED, 3),
        (Errno::EHOSTUNREACH, 3),
        (Errno::EAGAIN, 3),
    ];
    for (errno, attempts) in cases {
        let mut sys = FakeSys {
            mount_results: vec![Err(errno); 3].into(),
            ..FakeSys::default()
        };
        let err = mount_all(None, &[tmpfs("/t", 3, 5, false)], None, &mut sys).unwrap_err();
        assert_eq!(mounts(&sys).len(), attempts, "{errno}: {err:#}");
        assert_eq!(sys.sleeps().len(), attempts - 1, "{errno}");
    }
}

#[test]
fn nfs_options_that_do_not_fit_the_address_fail_at_once() {
    let mut fs = by_name();
    fs.times = 5;
    if let FsSource::NfsByName(n) = &mut fs.source {
        n.spec.options = mountopts::parse("vers=9");
    }
    let mut sys = FakeSys {
        hosts: vec![("files.lab".into(), "10.77.0.1".parse().unwrap())],
        ..FakeSys::default()
    };
    let err = mount_all(None, &[fs], Some(&NetFacts::default()), &mut sys).unwrap_err();
    assert!(sys.sleeps().is_empty(), "{err:#}");
    assert!(
        format!("{err:#}").contains("NFS options: expected"),
        "{err:#}"
    );
}

/// rd.timeout bounds the whole step: no wait or try runs past it, each try's own
/// timeout is cut to what is left, and the error says rd.timeout ended it.
#[test]
fn rd_timeout_ends_the_step() {
    let mut sys = FakeSys {
        mount_results: vec![Err(Errno::ETIMEDOUT); 100].into(),
        ..FakeSys::default()
    };
    let bound = Some(Duration::from_secs(12));
    let err = mount_all(bound, &[tmpfs("/t", 100, 5, false)], None, &mut sys).unwrap_err();
    assert_eq!(sys.sleeps(), secs(&[5, 5]));
    assert_eq!(
        sys.timeouts,
        [
            ("mount_filesystem", Duration::from_secs(12)),
            ("mount_filesystem", Duration::from_secs(7)),
            ("mount_filesystem", Duration::from_secs(2)),
        ]
    );
    assert_eq!(
        format!("{err:#}"),
        "cluster.conf <filesystem dest=\"/t\">: rd.timeout=12s ended it after 3 attempts: mount none: ETIMEDOUT: Connection timed out"
    );
    // over all the entries: the second's wait would pass it
    let mut sys = FakeSys::default();
    let list = [tmpfs("/a", 1, 10, true), tmpfs("/b", 1, 10, true)];
    let err = mount_all(Some(Duration::from_secs(15)), &list, None, &mut sys).unwrap_err();
    assert_eq!(mounts(&sys).len(), 1);
    assert_eq!(sys.sleeps(), secs(&[10]));
    assert_eq!(
        format!("{err:#}"),
        "cluster.conf <filesystem dest=\"/b\">: rd.timeout=15s ended it: the 10s wait before attempt 1 would pass it"
    );
}
