use super::*;
use crate::cmdline::Cmdline;
use crate::config::Config;

/// Node 1 of a one-node cluster with these `<filesystem>` lines.
fn node(filesystems: &str) -> Node {
    let xml = format!(
        r#"<cluster name="c" config_version="1"><clusternodes>
           <clusternode name="n1" nodeid="1"><com_info>
           <rootvolume name="10.0.0.9:/srv/root" fstype="nfs"/>
           <eth name="eth0" mac="52:54:00:00:00:01" ip="10.0.0.1" mask="24"/>
           <filesystems>{filesystems}</filesystems></com_info></clusternode>
           </clusternodes></cluster>"#
    );
    let conf = crate::cluster::parse(&xml).unwrap();
    let config = Config::from_cmdline(&Cmdline::parse("nodeid=1")).unwrap();
    super::super::identify(&config, &conf, &[]).unwrap()
}

const CX: Context = Context {
    client: Some(IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 1))),
    can_resolve: false,
};

fn one(fs: &str, cx: &Context) -> Result<(FsMount, Vec<String>), PlanError> {
    let (mut list, warnings) = plan(&node(fs), cx)?;
    assert_eq!(list.len(), 1, "{fs}");
    Ok((list.remove(0), warnings))
}

fn ready(fs: &str) -> FsCall {
    match one(fs, &CX).unwrap().0.source {
        FsSource::Ready(c) => c,
        other => panic!("{fs}: {other:?}"),
    }
}

/// (label, <filesystem>, the mount as mount(8) would list it)
#[test]
fn each_kind_becomes_one_mount() {
    let cases = [
        (
            "tmpfs: flags apart, fstab words dropped",
            r#"<filesystem dest="/mnt/tmp" source="none" fstype="tmpfs" mountopts="defaults,size=64m,nosuid,mode=1777,nodev"/>"#,
            "none on /sysroot/mnt/tmp (tmpfs, rw,nosuid,nodev,size=64m,mode=1777)",
        ),
        (
            "bind inside the root, %(param0)s is the nodeid, ro",
            r#"<filesystem dest="srv/node" source="/cluster/cdsl/%(param0)s/srv/" fstype="bind" mountopts="ro"/>"#,
            "/cluster/cdsl/1/srv on /sysroot/srv/node (bind, ro)",
        ),
        (
            "rbind",
            r#"<filesystem dest="/a" source="/b" fstype="rbind"/>"#,
            "/b on /sysroot/a (rbind, rw)",
        ),
        (
            "a block filesystem as written",
            r#"<filesystem dest="/scratch" source="/dev/sdb1" fstype="ext4" mountopts="noatime,data=ordered"/>"#,
            "/dev/sdb1 on /sysroot/scratch (ext4, rw,noatime,data=ordered)",
        ),
    ];
    for (label, fs, want) in cases {
        assert_eq!(ready(fs).to_string(), want, "{label}");
    }
}

/// The versions an NFS entry offers, in order: each attempt's mount as mount(8) would
/// list it.
fn nfs_attempts(fs: &str) -> Vec<String> {
    match one(fs, &CX).unwrap().0.source {
        FsSource::Nfs(n) => n
            .mount
            .attempts
            .iter()
            .map(|a| n.call(a).to_string())
            .collect(),
        other => panic!("{fs}: {other:?}"),
    }
}

/// (label, <filesystem>, each attempt's mount): the root's negotiation (mount.nfs).
#[test]
fn nfs_entries_negotiate_the_version_as_the_root() {
    const V4: [&str; 3] = [
        "10.0.0.9:/d on /sysroot/d (nfs4, rw,vers=4.2,clientaddr=10.0.0.1,addr=10.0.0.9)",
        "10.0.0.9:/d on /sysroot/d (nfs4, rw,vers=4.1,clientaddr=10.0.0.1,addr=10.0.0.9)",
        "10.0.0.9:/d on /sysroot/d (nfs4, rw,vers=4.0,clientaddr=10.0.0.1,addr=10.0.0.9)",
    ];
    const V3: &str = "10.0.0.9:/d on /sysroot/d (nfs, rw,vers=3,nolock,addr=10.0.0.9)";
    let all: Vec<&str> = V4.iter().copied().chain([V3]).collect();
    let cases: [(&str, &str, Vec<&str>); 7] = [
        (
            "nfs: 4.2, 4.1, 4.0, then 3 with nolock",
            r#"<filesystem dest="/d" source="10.0.0.9:/d" fstype="nfs"/>"#,
            all.clone(),
        ),
        (
            "no fstype, server:/path: nfs",
            r#"<filesystem dest="/d" source="10.0.0.9:/d"/>"#,
            all,
        ),
        (
            "nfs4: the v4 minor versions",
            r#"<filesystem dest="/d" source="10.0.0.9:/d" fstype="nfs4"/>"#,
            V4.to_vec(),
        ),
        (
            "vers=3 exact, flags and ro apart",
            r#"<filesystem dest="/d" source="10.0.0.9:/d" fstype="nfs" mountopts="ro,nosuid,vers=3"/>"#,
            vec!["10.0.0.9:/d on /sysroot/d (nfs, ro,nosuid,vers=3,nolock,addr=10.0.0.9)"],
        ),
        (
            "lock and tcp kept, no nolock",
            r#"<filesystem dest="/d" source="10.0.0.9:/d" mountopts="nfsvers=3,tcp,lock"/>"#,
            vec!["10.0.0.9:/d on /sysroot/d (nfs, rw,vers=3,tcp,lock,addr=10.0.0.9)"],
        ),
        (
            "nfs with vers=4.1 is NFSv4.1 only",
            r#"<filesystem dest="/d" source="10.0.0.9:/d" fstype="nfs" mountopts="vers=4.1"/>"#,
            vec![V4[1]],
        ),
        (
            "vers=4: the minor versions",
            r#"<filesystem dest="/d" source="10.0.0.9:/d" fstype="nfs" mountopts="vers=4"/>"#,
            V4.to_vec(),
        ),
    ];
    for (label, fs, want) in cases {
        assert_eq!(nfs_attempts(fs), want, "{label}");
    }
}

#[test]
fn a_server_name_is_resolved_at_boot() {
    let fs = r#"<filesystem dest="/home" source="files.lab:/home" fstype="nfs"/>"#;
    let cx = Context {
        client: None,
        can_resolve: true,
    };
    let (m, _) = one(fs, &cx).unwrap();
    let FsSource::NfsByName(n) = &m.source else {
        panic!("{m:?}");
    };
    assert_eq!(n.server, "files.lab");
    let versions: Vec<String> = n.versions.iter().map(|v| v.to_string()).collect();
    assert_eq!(versions, ["4.2", "4.1", "4.0", "3"]);
    let nfs = n.mount("10.77.0.1".parse().unwrap(), None).unwrap();
    let last = nfs.mount.attempts.last().unwrap();
    assert_eq!(
        nfs.call(last).to_string(),
        "10.77.0.1:/home on /sysroot/home (nfs, rw,vers=3,nolock,addr=10.77.0.1)"
    );
    // nothing to ask: a plan error now, not a failed mount later
    let err = one(fs, &CX).unwrap_err().to_string();
    assert!(
        err.contains("source=\"files.lab:/home\"") && err.contains("nameserver="),
        "{err}"
    );
}

/// (label, mounttimes/mountwait attributes, times, wait (s), wait before the first, warned)
#[test]
fn mounttimes_and_mountwait() {
    let cases = [
        ("defaults: once", "", 1, 5, false, None),
        (
            "given: a wait before each",
            r#"mounttimes="3" mountwait="2""#,
            3,
            2,
            true,
            None,
        ),
        (
            "no wait",
            r#"mounttimes="4" mountwait="0""#,
            4,
            0,
            true,
            None,
        ),
        (
            "0 attempts is once",
            r#"mounttimes="0""#,
            1,
            5,
            false,
            Some(r#"mounttimes="0": expected 1-100 attempts; trying once"#),
        ),
        (
            "attempts capped",
            r#"mounttimes="5000""#,
            100,
            5,
            false,
            Some(r#"mounttimes="5000": expected 1-100 attempts; trying 100 times"#),
        ),
        (
            "wait capped",
            r#"mountwait="3600""#,
            1,
            60,
            true,
            Some(r#"mountwait="3600": expected 0-60 seconds; waiting 60"#),
        ),
    ];
    for (label, attrs, times, wait, first, warned) in cases {
        let fs = format!(r#"<filesystem dest="/t" source="none" fstype="tmpfs" {attrs}/>"#);
        let (m, warnings) = one(&fs, &CX).unwrap();
        assert_eq!(
            (m.times, m.wait.as_secs(), m.wait_first),
            (times, wait, first),
            "{label}"
        );
        let want: Vec<String> = warned
            .iter()
            .map(|w| format!("cluster.conf: node 1: <filesystem dest=\"/t\"> {w}"))
            .collect();
        assert_eq!(warnings, want, "{label}");
    }
}

/// (label, <filesystem>, the error)
#[test]
fn bad_entries_are_named() {
    let cases = [
        (
            "the root itself",
            r#"<filesystem dest="/./" source="none" fstype="tmpfs"/>"#,
            r#"<filesystem dest="/./"> dest="/./": expected a directory below / without .. parts (e.g. /var/lib/x)"#,
        ),
        (
            "a .. that climbs to the root (RESOLVE_IN_ROOT stops it there)",
            r#"<filesystem dest="/tmp/.." fstype="tmpfs" source="tmpfs"/>"#,
            r#"<filesystem dest="/tmp/.."> dest="/tmp/..": expected a directory below / without .. parts (e.g. /var/lib/x)"#,
        ),
        (
            "a .. anywhere in dest",
            r#"<filesystem dest="/var/../etc" fstype="tmpfs" source="tmpfs"/>"#,
            r#"<filesystem dest="/var/../etc"> dest="/var/../etc": expected a directory below / without .. parts"#,
        ),
        (
            "a bind's source with ..",
            r#"<filesystem dest="/x" source="/srv/.." fstype="bind"/>"#,
            r#"<filesystem dest="/x"> source="/srv/..": expected a directory inside the root without .. parts (e.g. /srv/x)"#,
        ),
        (
            "no fstype",
            r#"<filesystem dest="/x" source="/dev/sdb1"/>"#,
            r#"<filesystem dest="/x"> fstype="": expected tmpfs, bind, rbind, nfs, nfs4 or another filesystem the kernel knows"#,
        ),
        (
            "an option mount(8) acts on",
            r#"<filesystem dest="/x" source="/img" fstype="ext4" mountopts="loop,ro"/>"#,
            r#"<filesystem dest="/x"> mountopts="loop,ro": expected "#,
        ),
        (
            "nfs without a server",
            r#"<filesystem dest="/x" source="/export/x" fstype="nfs"/>"#,
            r#"<filesystem dest="/x"> source="/export/x": expected server:/path"#,
        ),
        (
            "nfs4 with vers=3",
            r#"<filesystem dest="/x" source="10.0.0.9:/x" fstype="nfs4" mountopts="vers=3"/>"#,
            r#"<filesystem dest="/x"> mountopts="vers=3": expected vers=4"#,
        ),
    ];
    for (label, fs, want) in cases {
        let err = one(fs, &CX).unwrap_err().to_string();
        let want = format!("cluster.conf: node 1: {want}");
        assert!(err.starts_with(&want), "{label}: {err}");
    }
}

#[test]
fn nfs_entries_name_their_modules() {
    let (list, _) = plan(
        &node(concat!(
            r#"<filesystem dest="/a" source="none" fstype="tmpfs"/>"#,
            r#"<filesystem dest="/b" source="10.0.0.9:/b" fstype="nfs4"/>"#,
            r#"<filesystem dest="/c" source="10.0.0.9:/c" fstype="nfs"/>"#,
        )),
        &CX,
    )
    .unwrap();
    assert_eq!(modules(&list), ["nfs", "nfsv4", "nfsv3"]);
    assert!(modules(&list[..1]).is_empty());
    assert_eq!(modules(&list[1..2]), ["nfs", "nfsv4"], "nfs4: v4 only");
    // nfs: the negotiation may end on either
    assert_eq!(modules(&list[2..]), ["nfs", "nfsv4", "nfsv3"]);
    let (v3, _) = plan(
        &node(r#"<filesystem dest="/c" source="10.0.0.9:/c" mountopts="vers=3"/>"#),
        &CX,
    )
    .unwrap();
    assert_eq!(modules(&v3), ["nfs", "nfsv3"]);
}

/// In the whole plan: the NFS modules join the root's, the warnings come just before
/// the step, which is fatal (the legacy broke to the shell) and reads in the dry run.
#[test]
fn in_the_plan() {
    let node = node(concat!(
        r#"<filesystem dest="/t" source="none" fstype="tmpfs" mounttimes="999"/>"#,
        r#"<filesystem dest="/d" source="10.0.0.9:/d" fstype="nfs4" mountwait="3"/>"#,
    ));
    let config = Config::from_cmdline(&Cmdline::parse("nodeid=1 rootfstype=nfs")).unwrap();
    let plan = super::super::plan_for(&config, Some(&node)).unwrap();
    let loads: Vec<&Vec<String>> = plan
        .steps
        .iter()
        .filter_map(|s| match &s.action {
            super::super::Action::LoadModules(m) if !m.devices => Some(&m.names),
            _ => None,
        })
        .collect();
    assert!(
        loads
            .iter()
            .any(|names| *names == &["nfs", "nfsv3", "nfsv4"]),
        "{loads:?}"
    );
    let i = plan
        .steps
        .iter()
        .position(|s| matches!(s.action, super::super::Action::MountFilesystems { .. }))
        .unwrap();
    let step = &plan.steps[i];
    assert_eq!(step.on_error, super::super::OnError::Fatal);
    assert!(
        matches!(&plan.steps[i - 1].action, super::super::Action::Warn(w) if w.contains("mounttimes=\"999\"")),
        "{plan}"
    );
    assert!(
        matches!(
            &step.action,
            super::super::Action::MountFilesystems { timeout: None, .. }
        ),
        "no rd.timeout: no bound"
    );
    let text = plan.to_string();
    assert!(
        text.contains("mount the node's cluster.conf <filesystems> in order: none on /sysroot/t (tmpfs, rw) [100x, 5s before each retry]; 10.0.0.9:/d on /sysroot/d (nfs4, rw,vers=4.2,clientaddr=10.0.0.1,addr=10.0.0.9) NFSv4.2, 4.1, 4.0 in turn (as mount.nfs) [1x, 3s before each];"),
        "{text}"
    );
}

/// rd.timeout bounds the whole step: the action carries it, and the dry run says so.
#[test]
fn rd_timeout_bounds_the_step() {
    let node = node(r#"<filesystem dest="/t" source="none" fstype="tmpfs"/>"#);
    let config =
        Config::from_cmdline(&Cmdline::parse("nodeid=1 rootfstype=nfs rd.timeout=90")).unwrap();
    let plan = super::super::plan_for(&config, Some(&node)).unwrap();
    let timeout = plan.steps.iter().find_map(|s| match &s.action {
        super::super::Action::MountFilesystems { timeout, .. } => Some(*timeout),
        _ => None,
    });
    assert_eq!(timeout, Some(Some(Duration::from_secs(90))));
    let text = plan.to_string();
    assert!(
        text.contains("[1x, 5s before each retry]; all within rd.timeout=90s"),
        "{text}"
    );
}
