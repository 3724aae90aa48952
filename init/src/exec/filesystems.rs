//! The cluster node's `com_info/filesystems`, mounted in order inside the new root,
//! each tried `times` times with `wait` before the retries (and before the first
//! attempt when `mountwait` was given). An NFS server's name is resolved at each
//! attempt, as mount(8) did for the legacy initrd. The first entry that fails every
//! attempt ends the step (a fatal one: the legacy broke to the shell).

use std::time::Duration;

use anyhow::{Context, Result};
use osr_core::plan::{FsCall, FsMount, FsSource, NetFacts, NEW_ROOT};

use super::root::nfs_error;
use super::DNS_TIMEOUT;
use crate::sys::{Errno, Sys};

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
    for attempt in 1..=fs.times {
        if (attempt > 1 || fs.wait_first) && !fs.wait.is_zero() {
            sys.sleep(fs.wait);
        }
        let res = call(fs, net, sys).and_then(|c| {
            mount_call(&c, sys)?;
            Ok(c)
        });
        match res {
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

/// The mount to make: as planned, or with the NFS server's name resolved now.
fn call(fs: &FsMount, net: Option<&NetFacts>, sys: &mut dyn Sys) -> Result<FsCall> {
    match &fs.source {
        FsSource::Ready(c) => Ok(c.clone()),
        FsSource::NfsByName(n) => {
            let (dns, search) = net.map(|n| (&n.dns[..], &n.search[..])).unwrap_or_default();
            let ip = sys
                .resolve(&n.server, dns, search, DNS_TIMEOUT)
                .with_context(|| format!("resolving the NFS server {}", n.server))?;
            log::info!("NFS server {} is {ip}", n.server);
            n.call(ip, net.and_then(|n| n.address))
                .map_err(|expected| anyhow::anyhow!("NFS options: expected {expected}"))
        }
    }
}

/// One attempt; an NFS server that refuses the version is offered the next one.
fn mount_call(c: &FsCall, sys: &mut dyn Sys) -> Result<()> {
    let mut c = c.clone();
    let mut fallbacks = std::mem::take(&mut c.fallbacks).into_iter();
    loop {
        let err = match sys.mount_filesystem(NEW_ROOT, &c, ATTEMPT_TIMEOUT) {
            Ok(()) => return Ok(()),
            Err(e) => e,
        };
        let errno = err.downcast_ref::<Errno>().copied();
        match (errno, fallbacks.next()) {
            (Some(Errno::EPROTONOSUPPORT), Some(next)) => {
                log::info!("the server refuses {}; offering {next}", c.data);
                c.data = next;
            }
            (Some(e), _) if c.fstype().is_some_and(|t| t.starts_with("nfs")) => {
                return Err(err.context(nfs_error(e).0));
            }
            _ => return Err(err),
        }
    }
}

#[cfg(test)]
mod tests;
