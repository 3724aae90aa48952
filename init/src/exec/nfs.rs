//! NFS version negotiation as mount.nfs does it (nfs-utils `nfs_autonegotiate`), for
//! the root and the node's NFS filesystems alike: each round offers the server the
//! mount's versions in the plan's order ([`NfsMount::attempts`]), moving on as
//! [`next_version`] says. A version the server or client does not support
//! (EPROTONOSUPPORT, EINVAL) is dropped for good; an NFSv4 refusal that says "try
//! NFSv3" (ENOENT, EACCES, EPERM, ECONNREFUSED) goes straight to v3 for this round.
//! How rounds are retried is the caller's (the root's backoff, a filesystem's
//! `mounttimes`).

use std::fmt;

use osr_core::nfs::{next_version, NfsAttempt, NfsMount, Refusal};

use crate::sys::Errno;

/// A mount attempt's error, as far as the negotiation goes: its errno, if mount(2)
/// gave one.
pub(super) trait MountError: From<Errno> + fmt::Display {
    fn errno(&self) -> Option<Errno>;
}

impl MountError for Errno {
    fn errno(&self) -> Option<Errno> {
        Some(*self)
    }
}

impl MountError for anyhow::Error {
    fn errno(&self) -> Option<Errno> {
        self.downcast_ref::<Errno>().copied()
    }
}

/// One mount's negotiation, carried from round to round.
#[derive(Debug, Default)]
pub(super) struct Negotiation {
    /// The version each round starts with: past those refused as unsupported.
    first: usize,
    /// Attempts made, over all rounds.
    pub attempts: u32,
}

impl Negotiation {
    /// One round: the versions from the first still offered on, each refusal leading
    /// to the next as mount.nfs decides; `mount` makes one attempt. `Ok` with the
    /// attempt that mounted, or the attempt and error that stand. A version refused as
    /// unsupported at the head of the round is dropped for the rounds after, as
    /// mount.nfs lowers its minor version.
    pub fn round<E: MountError>(
        &mut self,
        m: &NfsMount,
        target: &str,
        mut mount: impl FnMut(&NfsAttempt) -> Result<(), E>,
    ) -> Result<usize, (usize, E)> {
        let mut at = self.first;
        // An NFSv4 refusal that sent us to v3: reported if v3 is not served either.
        let mut v4_refusal = None;
        while let Some(a) = m.attempts.get(at) {
            self.attempts += 1;
            log::info!(
                "mount attempt {}: {} on {target} type {} ({})",
                self.attempts,
                m.source,
                a.fstype,
                options(m, a)
            );
            let e = match mount(a) {
                Ok(()) => return Ok(at),
                Err(e) if e.errno() == Some(Errno::EBUSY) => {
                    log::info!("{target} is already mounted: keeping it");
                    return Ok(at);
                }
                Err(e) => e,
            };
            let errno = e.errno();
            let why = errno.map_or(Refusal::Other, refusal);
            let (Some(errno), Some(next)) = (errno, next_version(&m.attempts, at, why)) else {
                return Err(match v4_refusal {
                    Some(v4) if errno == Some(Errno::EPROTONOSUPPORT) => v4,
                    _ => (at, e),
                });
            };
            let offer = m
                .attempts
                .get(next)
                .map_or(String::new(), |n| n.version.to_string());
            log::info!(
                "the server refuses NFSv{} ({errno}): offering NFSv{offer}",
                a.version
            );
            match why {
                Refusal::Version if at == self.first => self.first = next,
                Refusal::NotV4 => v4_refusal = Some((at, e)),
                _ => {}
            }
            at = next;
        }
        Err((at, E::from(Errno::EINVAL)))
    }
}

/// `ro,noatime,vers=4.2,...`: what the attempt asks of mount(2).
pub(super) fn options(m: &NfsMount, a: &NfsAttempt) -> String {
    let mut all = vec![if m.read_only { "ro" } else { "rw" }];
    all.extend(m.flags.names());
    all.push(&a.data);
    all.join(",")
}

/// What an NFS mount error means to the admin, and whether waiting can help.
pub(super) fn nfs_error(e: Errno) -> (&'static str, bool) {
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
        Errno::ENOTDIR => ("a part of the mount point is not a directory", false),
        _ => ("unexpected error", true),
    }
}

/// Which way a refused version points the negotiation (nfs-utils `nfs_autonegotiate`).
fn refusal(e: Errno) -> Refusal {
    match e {
        Errno::EPROTONOSUPPORT | Errno::EINVAL => Refusal::Version,
        Errno::ENOENT | Errno::EACCES | Errno::EPERM | Errno::ECONNREFUSED => Refusal::NotV4,
        _ => Refusal::Other,
    }
}
