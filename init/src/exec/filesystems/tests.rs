use std::time::Duration;

use nix::errno::Errno;
use osr_core::mountopts::MountFlags;
use osr_core::plan::{FsCall, FsKind, FsMount, FsSource, NetFacts, NfsByName};
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
            fallbacks: Vec::new(),
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
    let e = Err(Errno::ENODEV);
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
        let res = mount_all(&[tmpfs("/t", times, wait, first)], None, &mut sys);
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
    let err = mount_all(&list, None, &mut sys).unwrap_err();
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
            fstype: "nfs".into(),
            spec: NfsSpec {
                server: None,
                path: "/export/home".into(),
                nfs4: false,
                options: vec!["tcp".into()],
            },
            target: "/home".into(),
            flags: MountFlags::NODEV,
            read_only: true,
            hostname: "n1".into(),
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
    mount_all(&[by_name()], Some(&net), &mut sys).unwrap();
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
    let err = mount_all(&[by_name()], Some(&NetFacts::default()), &mut sys).unwrap_err();
    assert_eq!(sys.sleeps(), secs(&[1]));
    assert!(mounts(&sys).is_empty());
    assert_eq!(
        format!("{err:#}"),
        "cluster.conf <filesystem dest=\"/home\">: failed after 2 attempts: resolving the NFS server files.lab: cannot resolve 'files.lab'"
    );
}

#[test]
fn nfs4_versions_are_offered_downwards_and_errors_say_what_they_mean() {
    let nfs4 = |data: &str| FsMount {
        dest: "/d".into(),
        source: FsSource::Ready(FsCall {
            source: "10.0.0.9:/d".into(),
            target: "/d".into(),
            kind: FsKind::Fs("nfs4".into()),
            flags: MountFlags::empty(),
            read_only: false,
            data: data.into(),
            fallbacks: vec![
                "vers=4.1,addr=10.0.0.9".into(),
                "vers=4.0,addr=10.0.0.9".into(),
            ],
        }),
        times: 1,
        wait: Duration::from_secs(5),
        wait_first: false,
    };
    let mut sys = FakeSys {
        mount_results: [Err(Errno::EPROTONOSUPPORT), Ok(())].into(),
        ..FakeSys::default()
    };
    mount_all(&[nfs4("vers=4.2,addr=10.0.0.9")], None, &mut sys).unwrap();
    assert_eq!(
        mounts(&sys),
        [
            "/sysroot: 10.0.0.9:/d on /sysroot/d (nfs4, rw,vers=4.2,addr=10.0.0.9)",
            "/sysroot: 10.0.0.9:/d on /sysroot/d (nfs4, rw,vers=4.1,addr=10.0.0.9)",
        ]
    );
    let mut sys = FakeSys {
        mount_results: [Err(Errno::ENOENT)].into(),
        ..FakeSys::default()
    };
    let err = mount_all(&[nfs4("vers=4.2,addr=10.0.0.9")], None, &mut sys).unwrap_err();
    assert_eq!(
        format!("{err:#}"),
        "cluster.conf <filesystem dest=\"/d\">: failed after 1 attempt: the server does not export this path (or it does not exist): mount 10.0.0.9:/d: ENOENT: No such file or directory"
    );
}
