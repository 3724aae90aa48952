//! The cluster node's `com_info/filesystems`, mounted in order inside the new root,
//! each tried `times` times with `wait` before the retries (and before the first
//! attempt when `mountwait` was given). An NFS entry's attempt is a negotiation of
//! its version as the root's ([`Negotiation`]: NFSv4.2, 4.1, 4.0, then 3 unless its
//! options fix one), and a server's name is resolved at each attempt, as mount(8)
//! did for the legacy initrd. The first entry that fails every
//! attempt ends the step (a fatal one: the legacy broke to the shell).

use std::time::Duration;

use anyhow::{anyhow, Context, Result};
use osr_core::plan::{FsCall, FsMount, FsSource, NetFacts, NEW_ROOT};

use super::nfs::{nfs_error, MountError, Negotiation};
use super::DNS_TIMEOUT;
use crate::sys::Sys;

/// One mount attempt is abandoned after this long (a dead NFS server).
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30);

/// Each filesystem in order; `net` is the network the servers are reached over.
pub(super) fn mount_all(list: &[FsMount], net: Option<&NetFacts>, sys: &mut dyn Sys) -> Result<()> {
    for fs in list {
        mount_one(fs, net, sys)
            .with_context(|| format!("cluster.conf <filesystem dest=\"{}\">", fs.dest))?;
    }
    Ok(())
}

fn mount_one(fs: &FsMount, net: Option<&NetFacts>, sys: &mut dyn Sys) -> Result<()> {
    // An NFS entry's negotiation goes on from try to try, as the root's.
    let mut negotiation = Negotiation::default();
    for attempt in 1..=fs.times {
        if (attempt > 1 || fs.wait_first) && !fs.wait.is_zero() {
            sys.sleep(fs.wait);
        }
        match try_mount(fs, net, &mut negotiation, sys) {
            Ok(c) => {
                log::info!("mounted {c} (attempt {attempt})");
                return Ok(());
            }
            Err(e) if attempt < fs.times => log::warn!(
                "filesystem {} (attempt {attempt}/{}): {e:#}; retrying in {}s",
                fs.dest,
                fs.times,
                fs.wait.as_secs()
            ),
            Err(e) => {
                let n = fs.times;
                let tries = if n == 1 { "attempt" } else { "attempts" };
                return Err(e.context(format!("failed after {n} {tries}")));
            }
        }
    }
    Ok(())
}

/// One try: the mount as planned, or an NFS entry's versions in turn (its server's
/// name resolved first). The mount made.
fn try_mount(
    fs: &FsMount,
    net: Option<&NetFacts>,
    negotiation: &mut Negotiation,
    sys: &mut dyn Sys,
) -> Result<FsCall> {
    let nfs = match &fs.source {
        FsSource::Ready(c) => {
            sys.mount_filesystem(NEW_ROOT, c, ATTEMPT_TIMEOUT)?;
            return Ok(c.clone());
        }
        FsSource::Nfs(n) => n.clone(),
        FsSource::NfsByName(n) => {
            let (dns, search) = net.map(|n| (&n.dns[..], &n.search[..])).unwrap_or_default();
            let ip = sys
                .resolve(&n.server, dns, search, DNS_TIMEOUT)
                .with_context(|| format!("resolving the NFS server {}", n.server))?;
            log::info!("NFS server {} is {ip}", n.server);
            n.mount(ip, net.and_then(|n| n.address))
                .map_err(|expected| anyhow!("NFS options: expected {expected}"))?
        }
    };
    let target = format!("{NEW_ROOT}{}", nfs.target);
    let round = negotiation.round(&nfs.mount, &target, |a| {
        sys.mount_filesystem(NEW_ROOT, &nfs.call(a), ATTEMPT_TIMEOUT)
    });
    match round {
        Ok(at) => nfs
            .mount
            .attempts
            .get(at)
            .map(|a| nfs.call(a))
            .ok_or_else(|| anyhow!("the NFS mount of {} has no version {at}", nfs.mount.source)),
        // The mount's own error names the version (its `vers=`).
        Err((_, e)) => match e.errno() {
            Some(errno) => Err(e.context(nfs_error(errno).0)),
            None => Err(e),
        },
    }
}

#[cfg(test)]
mod tests;
