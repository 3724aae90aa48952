//! The NFS root: finished from what the network found when the plan could not fix
//! it (DHCP option 17, a server name, a `%s` path), then mounted with bounded
//! exponential backoff; only errors that cannot heal by waiting end it early.

use std::time::Duration;

use anyhow::{bail, Context, Result};
use osr_core::nfs::NfsMount;
use osr_core::plan::{root_mount, root_source, NetFacts, RootPlan, ServerRef};

use super::DNS_TIMEOUT;
use crate::state::{Key, Record};
use crate::sys::{Errno, Sys};

/// First and largest pause between mount attempts.
const MOUNT_BACKOFF_START: Duration = Duration::from_millis(500);
const MOUNT_BACKOFF_MAX: Duration = Duration::from_secs(8);
/// One mount attempt is abandoned after this long.
const MOUNT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30);

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
    record.set(Key::ROOT_FSTYPE, mount.fstype);
    let ro = if mount.read_only { "ro" } else { "rw" };
    record.set(Key::ROOT_OPTIONS, format!("{ro},{}", mount.data));
    mount_with_retry(&mount, retry, target, sys)?;
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

/// What an NFS mount error means to the admin, and whether waiting can help.
pub fn nfs_error(e: Errno) -> (&'static str, bool) {
    match e {
        Errno::ENOENT => (
            "the server does not export this path (or it does not exist)",
            true,
        ),
        Errno::EACCES | Errno::EPERM => (
            "the server refused access: check the export's client list and root squash",
            true,
        ),
        Errno::ECONNREFUSED => (
            "nothing listens for NFS on the server (service down?)",
            true,
        ),
        Errno::ETIMEDOUT => ("the server did not answer in time", true),
        Errno::EHOSTUNREACH | Errno::ENETUNREACH => {
            ("no route to the server: check ip= and the gateway", true)
        }
        Errno::EIO => ("I/O error talking to the server", true),
        Errno::EPROTONOSUPPORT => (
            "the server does not offer this NFS version or transport",
            true,
        ),
        Errno::ENODEV => (
            "this kernel has no such filesystem type: the NFS modules are not loaded",
            false,
        ),
        Errno::EINVAL => ("the kernel rejected the mount options", false),
        _ => ("unexpected error", true),
    }
}

/// The command line's `syslog=...` or the node's `com_info/syslog`; names resolved
/// through the known nameservers. Best effort: the boot never waits on it.
fn mount_with_retry(m: &NfsMount, budget: Duration, target: &str, sys: &mut dyn Sys) -> Result<()> {
    let start = sys.now();
    let deadline = start + budget;
    let mut delay = MOUNT_BACKOFF_START;
    let mut m = m.clone();
    let mut fallbacks = std::mem::take(&mut m.fallbacks).into_iter();
    for attempt in 1.. {
        let ro = if m.read_only { "ro" } else { "rw" };
        log::info!(
            "mount attempt {attempt}: {} on {target} type {} ({ro},{})",
            m.source,
            m.fstype,
            m.data
        );
        let err = match sys.mount_nfs(&m, target, MOUNT_ATTEMPT_TIMEOUT) {
            Ok(()) => {
                log::info!("mounted {} on {target} (attempt {attempt})", m.source);
                return Ok(());
            }
            Err(Errno::EBUSY) => {
                log::info!("{target} is already mounted: keeping it");
                return Ok(());
            }
            Err(Errno::EPROTONOSUPPORT) if fallbacks.len() > 0 => {
                if let Some(next) = fallbacks.next() {
                    log::info!("the server refuses {}; offering {next}", m.data);
                    m.data = next;
                }
                continue;
            }
            Err(e) => e,
        };
        let (meaning, transient) = nfs_error(err);
        let what = format!(
            "mounting NFS root {} (server {}, path {}) failed: {err}: {meaning}",
            m.source, m.server, m.path
        );
        let now = sys.now();
        if !transient {
            bail!("{what}");
        }
        if now + delay > deadline {
            let elapsed = now.saturating_sub(start).as_secs();
            bail!(
                "{what}; gave up after {attempt} attempts in {elapsed}s (rd.retry={})",
                budget.as_secs()
            );
        }
        log::warn!("{what}; retrying in {} ms", delay.as_millis());
        sys.sleep(delay);
        delay = (delay * 2).min(MOUNT_BACKOFF_MAX);
    }
    Ok(())
}
