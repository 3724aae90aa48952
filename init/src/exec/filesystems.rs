//! The cluster node's `com_info/filesystems`, mounted in order inside the new root,
//! each tried `times` times with `wait` before the retries (and before the first
//! attempt when `mountwait` was given). An NFS entry's attempt is a negotiation of
//! its version as the root's ([`Negotiation`]: NFSv4.2, 4.1, 4.0, then 3 unless its
//! options fix one), and a server's name is resolved at each attempt, as mount(8)
//! did for the legacy initrd. Only an error waiting can heal is retried (as the
//! root's, [`nfs_error`]); the first entry that fails ends the step (a fatal one: the
//! legacy broke to the shell). `rd.timeout`, when given, bounds the whole step: no
//! wait or try of any entry runs past it.

use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use osr_core::plan::{FsCall, FsMount, FsSource, NetFacts, NEW_ROOT};

use super::nfs::{nfs_error, MountError, Negotiation};
use super::DNS_TIMEOUT;
use crate::sys::{Errno, Sys};

/// One mount attempt is abandoned after this long (a dead NFS server).
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30);

/// The end `rd.timeout` puts to the whole step, if given.
#[derive(Clone, Copy)]
struct Bound {
    end: Option<Duration>,
    given: Duration,
}

impl Bound {
    /// `d`, cut to what is left before the end.
    fn cap(&self, d: Duration, now: Duration) -> Duration {
        self.end.map_or(d, |end| d.min(end.saturating_sub(now)))
    }

    fn ended(&self) -> String {
        format!("rd.timeout={}s ended it", self.given.as_secs())
    }
}

/// Each filesystem in order, all within `timeout` when given; `net` is the network the
/// servers are reached over.
pub(super) fn mount_all(
    timeout: Option<Duration>,
    list: &[FsMount],
    net: Option<&NetFacts>,
    sys: &mut dyn Sys,
) -> Result<()> {
    let bound = Bound {
        end: timeout.map(|t| sys.now() + t),
        given: timeout.unwrap_or_default(),
    };
    for fs in list {
        mount_one(fs, bound, net, sys)
            .with_context(|| format!("cluster.conf <filesystem dest=\"{}\">", fs.dest))?;
    }
    Ok(())
}

fn mount_one(fs: &FsMount, bound: Bound, net: Option<&NetFacts>, sys: &mut dyn Sys) -> Result<()> {
    // An NFS entry's negotiation goes on from try to try, as the root's.
    let mut negotiation = Negotiation::default();
    for attempt in 1..=fs.times {
        if (attempt > 1 || fs.wait_first) && !fs.wait.is_zero() {
            if bound.cap(fs.wait, sys.now()) < fs.wait {
                let wait = fs.wait.as_secs();
                bail!(
                    "{}: the {wait}s wait before attempt {attempt} would pass it",
                    bound.ended()
                );
            }
            sys.sleep(fs.wait);
        }
        let e = match try_mount(fs, bound, net, &mut negotiation, sys) {
            Ok(c) => {
                log::info!("mounted {c} (attempt {attempt})");
                return Ok(());
            }
            Err(e) => e,
        };
        let tries = if attempt == 1 { "attempt" } else { "attempts" };
        if !e.heals || attempt == fs.times {
            return Err(e.context(format!("failed after {attempt} {tries}")));
        }
        // No time left for the wait and another try.
        if bound.cap(Duration::MAX, sys.now()) <= fs.wait {
            return Err(e.context(format!("{} after {attempt} {tries}", bound.ended())));
        }
        log::warn!(
            "filesystem {} (attempt {attempt}/{}): {:#}; retrying in {}s",
            fs.dest,
            fs.times,
            e.error,
            fs.wait.as_secs()
        );
    }
    Ok(())
}

/// A try's error, and whether waiting can heal it (a server down or slow, a name not
/// resolved yet), as for the root ([`nfs_error`]); the rest (EINVAL, ENODEV, ENOTDIR,
/// options that do not fit the server) fails the entry at once.
struct Failed {
    error: anyhow::Error,
    heals: bool,
}

impl Failed {
    fn context(self, c: String) -> anyhow::Error {
        self.error.context(c)
    }
}

/// A mount's error: it heals if its errno does, as for the root.
fn mount_failed(e: anyhow::Error) -> Failed {
    let heals = e.errno().is_some_and(|errno| nfs_error(errno).1);
    Failed { error: e, heals }
}

/// One try: the mount as planned, or an NFS entry's versions in turn (its server's
/// name resolved first), each wait cut to what `bound` leaves. The mount made.
fn try_mount(
    fs: &FsMount,
    bound: Bound,
    net: Option<&NetFacts>,
    negotiation: &mut Negotiation,
    sys: &mut dyn Sys,
) -> Result<FsCall, Failed> {
    let nfs = match &fs.source {
        FsSource::Ready(c) => {
            let timeout = bound.cap(ATTEMPT_TIMEOUT, sys.now());
            sys.mount_filesystem(NEW_ROOT, c, timeout)
                .map_err(mount_failed)?;
            return Ok(c.clone());
        }
        FsSource::Nfs(n) => n.clone(),
        FsSource::NfsByName(n) => {
            let (dns, search) = net.map(|n| (&n.dns[..], &n.search[..])).unwrap_or_default();
            let timeout = bound.cap(DNS_TIMEOUT, sys.now());
            let ip = sys
                .resolve(&n.server, dns, search, timeout)
                .with_context(|| format!("resolving the NFS server {}", n.server))
                .map_err(|error| Failed { error, heals: true })?;
            log::info!("NFS server {} is {ip}", n.server);
            n.mount(ip, net.and_then(|n| n.address))
                .map_err(|expected| Failed {
                    error: anyhow!("NFS options: expected {expected}"),
                    heals: false,
                })?
        }
    };
    let target = format!("{NEW_ROOT}{}", nfs.target);
    let round = negotiation.round(&nfs.mount, &target, |a| {
        match bound.cap(ATTEMPT_TIMEOUT, sys.now()) {
            t if t.is_zero() => Err(anyhow::Error::new(Errno::ETIMEDOUT)),
            t => sys.mount_filesystem(NEW_ROOT, &nfs.call(a), t),
        }
    });
    match round {
        Ok(at) => nfs
            .mount
            .attempts
            .get(at)
            .map(|a| nfs.call(a))
            .ok_or_else(|| Failed {
                error: anyhow!("the NFS mount of {} has no version {at}", nfs.mount.source),
                heals: false,
            }),
        // The mount's own error names the version (its `vers=`).
        Err((_, e)) => Err(mount_failed(match e.errno() {
            Some(errno) => e.context(nfs_error(errno).0),
            None => e,
        })),
    }
}

#[cfg(test)]
mod tests;
