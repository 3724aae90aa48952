//! The NFS root: finished from what the network found when the plan could not fix
//! it (DHCP option 17, a server name, a `%s` path), then mounted with bounded
//! exponential backoff; only errors that cannot heal by waiting end it early.
//!
//! Each round is one negotiation of the NFS version, as mount.nfs
//! ([`Negotiation`]). The version agreed is logged and recorded (`OSR_NFS_VERSION`).

use std::time::Duration;

use anyhow::{bail, Context, Result};
use osr_core::nfs::{NfsAttempt, NfsMount};
use osr_core::plan::{root_mount, root_source, NetFacts, RootPlan, ServerRef};

use super::nfs::{nfs_error, options, Negotiation};
use super::DNS_TIMEOUT;
use crate::state::{Key, Record};
use crate::sys::Sys;

/// First and largest pause between mount attempts.
const MOUNT_BACKOFF_START: Duration = Duration::from_millis(500);
const MOUNT_BACKOFF_MAX: Duration = Duration::from_secs(8);
/// One mount attempt is abandoned after this long.
const MOUNT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30);
/// An attempt started when the budget is all but spent still gets this long.
const MOUNT_ATTEMPT_MIN: Duration = Duration::from_secs(2);

/// Mounts the NFS root on `target`, trying for `retry`; `net` is the network it is
/// reached over. Returns the mount made.
pub(super) fn mount_nfs_root(
    root: &RootPlan,
    retry: Duration,
    target: &str,
    net: Option<&NetFacts>,
    sys: &mut dyn Sys,
    record: &mut Record,
) -> Result<NfsMount> {
    let mount = match &root.mount {
        Some(m) => m.clone(),
        None => finish_root(root, net.cloned().unwrap_or_default(), sys)?,
    };
    record.set(Key::ROOT_SOURCE, &mount.source);
    record.set(Key::NFS_SERVER, mount.server);
    record.set(Key::NFS_PATH, &mount.path);
    let agreed = mount_with_retry(&mount, retry, target, sys)?;
    record.set(Key::ROOT_FSTYPE, agreed.fstype);
    record.set(Key::NFS_VERSION, agreed.version);
    record.set(Key::ROOT_OPTIONS, options(&mount, &agreed));
    Ok(mount)
}

/// The root's mount, now that the network is known: the path from DHCP when the
/// plan has none, the server's name resolved through the nameservers.
fn finish_root(root: &RootPlan, net: NetFacts, sys: &mut dyn Sys) -> Result<NfsMount> {
    let (spec, server) = root_source(root, &net)?;
    if root.spec.is_none() {
        log::info!(
            "root from DHCP option 17: {:?}",
            net.lease
                .as_ref()
                .and_then(|l| l.root_path.as_deref())
                .unwrap_or("")
        );
    }
    let server = match server {
        ServerRef::Ip(ip) => ip,
        ServerRef::Name(name) => {
            let ip = sys
                .resolve(&name, &net.dns, &net.search, DNS_TIMEOUT)
                .with_context(|| format!("resolving the NFS server {name}"))?;
            log::info!("NFS server {name} is {ip}");
            ip
        }
    };
    Ok(root_mount(root, &spec, server, &net)?)
}

/// Rounds of the [`Negotiation`] with bounded, doubling pauses between them until one
/// mounts, an error that waiting cannot heal stands, or `budget` is spent.
fn mount_with_retry(
    m: &NfsMount,
    budget: Duration,
    target: &str,
    sys: &mut dyn Sys,
) -> Result<NfsAttempt> {
    let start = sys.now();
    let deadline = start + budget;
    let mut delay = MOUNT_BACKOFF_START;
    let mut negotiation = Negotiation::default();
    loop {
        let round = negotiation.round(m, target, |a| {
            // Each attempt gets at most what is left of the budget (and a moment even
            // when none is), so one round of versions cannot outlast rd.retry/rd.timeout.
            let left = deadline.saturating_sub(sys.now());
            let timeout = MOUNT_ATTEMPT_TIMEOUT.min(left.max(MOUNT_ATTEMPT_MIN));
            sys.mount_nfs(m, a, target, timeout)
        });
        let attempts = negotiation.attempts;
        let (at, err) = match round {
            Ok(at) => match m.attempts.get(at) {
                Some(a) => {
                    log::info!(
                        "mounted {} on {target} as NFSv{} (attempt {attempts}: {})",
                        m.source,
                        a.version,
                        options(m, a)
                    );
                    return Ok(a.clone());
                }
                None => bail!("the NFS mount of {} has no version {at}", m.source),
            },
            Err(e) => e,
        };
        let (meaning, transient) = nfs_error(err);
        let version = m
            .attempts
            .get(at)
            .map_or(String::new(), |a| format!(" as NFSv{}", a.version));
        let what = format!(
            "mounting NFS root {}{version} (server {}, path {}) failed: {err}: {meaning}",
            m.source, m.server, m.path
        );
        let now = sys.now();
        if !transient {
            bail!("{what}");
        }
        if now + delay > deadline {
            let elapsed = now.saturating_sub(start).as_secs();
            bail!(
                "{what}; gave up after {attempts} attempts in {elapsed}s (rd.retry={})",
                budget.as_secs()
            );
        }
        log::warn!("{what}; retrying in {} ms", delay.as_millis());
        sys.sleep(delay);
        delay = (delay * 2).min(MOUNT_BACKOFF_MAX);
    }
}

#[cfg(test)]
mod tests {
    use osr_core::mountopts;
    use osr_core::nfs::{nfs_mount, NodeFacts};
    use osr_core::plan::RootPlan;
    use osr_core::root::{parse_root, RootSpec};

    use super::*;
    use crate::sys::fake::FakeSys;
    use crate::sys::Errno;

    /// The plan's NFS root for `root` (static network), `rootflags=` as given.
    fn plan(root: &str, rootflags: &str) -> RootPlan {
        let Ok(RootSpec::Nfs(spec)) = parse_root(root) else {
            panic!("{root}")
        };
        let rootflags = mountopts::parse(rootflags);
        let node = NodeFacts {
            server: "10.0.2.2".parse().unwrap(),
            client: Some("10.0.2.15".parse().unwrap()),
            node_name: None,
            rootflags: &rootflags,
            rw: false,
        };
        let mount = nfs_mount(&spec, &node).unwrap();
        RootPlan {
            spec: Some(spec),
            force_nfs4: false,
            rootflags,
            rw: false,
            force_ro: false,
            mount: Some(mount),
            fstype: None,
            via_lease: false,
        }
    }

    /// Mounts `root` against the scripted answers; the versions offered, in order,
    /// and the outcome.
    fn mount(
        root: &str,
        answers: &[Result<(), Errno>],
        sys: &mut FakeSys,
    ) -> (Vec<String>, Result<NfsMount>, Record) {
        mount_with_flags(root, "", answers, sys)
    }

    fn mount_with_flags(
        root: &str,
        rootflags: &str,
        answers: &[Result<(), Errno>],
        sys: &mut FakeSys,
    ) -> (Vec<String>, Result<NfsMount>, Record) {
        sys.mount_results = answers.iter().copied().collect();
        let mut record = Record::default();
        let res = mount_nfs_root(
            &plan(root, rootflags),
            Duration::from_secs(10),
            "/sysroot",
            None,
            sys,
            &mut record,
        );
        let versions = sys
            .mount_data
            .iter()
            .map(|d| d.split(',').next().unwrap_or_default().to_string())
            .collect();
        (versions, res, record)
    }

    const NOPROTO: Result<(), Errno> = Err(Errno::EPROTONOSUPPORT);

    #[test]
    fn a_v3_only_server_gets_v3_with_nolock_after_each_v4_minor() {
        let mut sys = FakeSys::default();
        let (versions, res, record) = mount(
            "10.0.2.2:/srv/root",
            &[NOPROTO, NOPROTO, NOPROTO, Ok(())],
            &mut sys,
        );
        res.unwrap();
        assert_eq!(versions, ["vers=4.2", "vers=4.1", "vers=4.0", "vers=3"]);
        assert_eq!(sys.mount_data[3], "vers=3,nolock,addr=10.0.2.2");
        assert!(sys.sleeps().is_empty(), "a version fallback is immediate");
        let text = record.text();
        assert!(text.contains("OSR_NFS_VERSION='3'\n"), "{text}");
        assert!(text.contains("OSR_ROOT_FSTYPE='nfs'\n"), "{text}");
        assert!(
            text.contains("OSR_ROOT_OPTIONS='ro,vers=3,nolock,addr=10.0.2.2'\n"),
            "{text}"
        );
    }

    #[test]
    fn an_attempt_gets_no_more_than_the_budget_left() {
        // rd.retry=10 (the helper's budget): the first attempt may take 10 s, not 30
        let mut sys = FakeSys::default();
        let (_, res, _) = mount("nfs:10.0.2.2:/export/rootfs", &[Ok(())], &mut sys);
        assert!(res.is_ok());
        assert_eq!(sys.timeouts, [("mount_nfs", Duration::from_secs(10))]);
    }

    #[test]
    fn a_v4_server_agrees_on_4_2_without_nolock() {
        let mut sys = FakeSys::default();
        let (versions, res, record) = mount("nfs:10.0.2.2:/export/rootfs", &[Ok(())], &mut sys);
        res.unwrap();
        assert_eq!(versions, ["vers=4.2"]);
        assert!(
            !sys.mount_data[0].contains("nolock"),
            "{:?}",
            sys.mount_data
        );
        assert!(record.text().contains("OSR_NFS_VERSION='4.2'\n"));
        assert!(record.text().contains("OSR_ROOT_FSTYPE='nfs4'\n"));
    }

    #[test]
    fn no_v4_export_goes_straight_to_v3() {
        for e in [
            Errno::ENOENT,
            Errno::EACCES,
            Errno::EPERM,
            Errno::ECONNREFUSED,
        ] {
            let mut sys = FakeSys::default();
            let (versions, res, _) = mount("10.0.2.2:/srv/root", &[Err(e), Ok(())], &mut sys);
            res.unwrap();
            assert_eq!(versions, ["vers=4.2", "vers=3"], "after {e}");
        }
    }

    #[test]
    fn a_server_not_up_yet_is_retried_from_the_top() {
        let mut sys = FakeSys::default();
        let refused = Err(Errno::ECONNREFUSED);
        let (versions, res, record) =
            mount("10.0.2.2:/srv/root", &[refused, refused, Ok(())], &mut sys);
        res.unwrap();
        assert_eq!(versions, ["vers=4.2", "vers=3", "vers=4.2"]);
        assert_eq!(sys.sleeps(), [Duration::from_millis(500)]);
        assert!(record.text().contains("OSR_NFS_VERSION='4.2'\n"));
    }

    #[test]
    fn an_unsupported_minor_is_not_offered_again() {
        let mut sys = FakeSys::default();
        let refused = Err(Errno::ECONNREFUSED);
        let (versions, res, _) = mount(
            "10.0.2.2:/srv/root",
            &[NOPROTO, refused, refused, Ok(())],
            &mut sys,
        );
        res.unwrap();
        assert_eq!(versions, ["vers=4.2", "vers=4.1", "vers=3", "vers=4.1"]);
    }

    #[test]
    fn v3_not_served_after_a_v4_refusal_reports_the_v4_error() {
        let mut sys = FakeSys::default();
        let answers: Vec<_> = [Err(Errno::ENOENT), NOPROTO].repeat(20);
        let (_, res, _) = mount("10.0.2.2:/srv/wrong", &answers, &mut sys);
        let err = res.unwrap_err().to_string();
        assert!(
            err.starts_with("mounting NFS root 10.0.2.2:/srv/wrong as NFSv4.2 (server 10.0.2.2, path /srv/wrong) failed: ENOENT"),
            "{err}"
        );
        assert!(err.contains("gave up after"), "{err}");
    }

    #[test]
    fn explicit_versions_stay_exact() {
        for (root, want) in [
            ("nfs:10.0.2.2:/srv:vers=3", "vers=3"),
            ("nfs:10.0.2.2:/srv:nfsvers=4.1", "vers=4.1"),
        ] {
            let mut sys = FakeSys::default();
            let (versions, res, _) = mount(root, &[NOPROTO; 40], &mut sys);
            assert!(res.is_err(), "{root}");
            assert!(versions.len() > 1, "{root}: retried");
            assert!(versions.iter().all(|v| v == want), "{root}: {versions:?}");
        }
        // nfs4: negotiates the minor version only, never v3
        let mut sys = FakeSys::default();
        let (versions, res, _) = mount("nfs4:10.0.2.2:/srv", &[Err(Errno::ENOENT); 40], &mut sys);
        assert!(res.is_err());
        assert!(versions.iter().all(|v| v == "vers=4.2"), "{versions:?}");
        let mut sys = FakeSys::default();
        let (versions, _, _) = mount("nfs4:10.0.2.2:/srv", &[NOPROTO; 4], &mut sys);
        assert_eq!(versions[..3], ["vers=4.2", "vers=4.1", "vers=4.0"]);
        assert_eq!(versions[3], "vers=4.0", "then 4.0 again, after a pause");
    }

    #[test]
    fn einval_on_the_last_version_is_permanent() {
        let mut sys = FakeSys::default();
        let (versions, res, _) = mount("10.0.2.2:/srv", &[Err(Errno::EINVAL); 4], &mut sys);
        assert_eq!(versions, ["vers=4.2", "vers=4.1", "vers=4.0", "vers=3"]);
        let err = res.unwrap_err().to_string();
        assert!(
            err.ends_with("the kernel rejected the mount options"),
            "{err}"
        );
    }

    #[test]
    fn rootflags_are_mount_flags_not_data() {
        let mut sys = FakeSys::default();
        let (_, res, record) =
            mount_with_flags("10.0.2.2:/srv", "noatime,nodiratime", &[Ok(())], &mut sys);
        res.unwrap();
        assert_eq!(sys.mount_flags, ["noatime,nodiratime"]);
        assert_eq!(
            sys.mount_data,
            ["vers=4.2,clientaddr=10.0.2.15,addr=10.0.2.2"]
        );
        assert!(record
            .text()
            .contains("OSR_ROOT_OPTIONS='ro,noatime,nodiratime,vers=4.2,"));
    }
}
