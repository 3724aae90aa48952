//! The cluster node's `com_info/filesystems`: each `<filesystem>` planned into one
//! mount inside the new root, with its attempts.
//!
//! The legacy initrd (comoonics-initrd-ng `linuxrc.generic.sh` and `clusterfs_mount`,
//! legacy-sharedroot.md §1c step 10) mounted them in file order after the CDSL bind:
//! `mount -t <fstype> -o <mountopts> <source> <newroot>/<dest>` (`--bind` with
//! `<newroot>/<source>` for bind entries), `mounttimes` tries with `sleep <mountwait>`
//! before each one, and a failure broke to the shell. Here:
//! - `tmpfs` and any other filesystem the kernel knows: one mount(2), the options split
//!   by [`mountopts::parse`] into flags and the filesystem's data (fstab-only words
//!   dropped; options mount(8) acts on itself, like `loop`, refused by name).
//! - `bind` and `rbind`: the source is inside the new root too; `rbind` brings the
//!   mounts below it along. `ro`, `nosuid`... apply to the bind (by a remount of it).
//! - `nfs` and `nfs4` (also a missing `fstype` with a `server:/path` source): the
//!   root's NFS mount ([`nfs_mount`]) and its version negotiation, as mount.nfs: `nfs`
//!   offers NFSv4.2, 4.1, 4.0, then NFSv3 (with `nolock` unless `lock` is given);
//!   `nfs4` the v4 minor versions only; an explicit `vers=` is the one version tried.
//!   `addr=` is the server's address, which the kernel needs: a name is resolved at
//!   boot through the nameservers the network gave.
//! - `mounttimes` attempts (default 1, at most [`MAX_TIMES`]). A given `mountwait` is
//!   slept before every attempt, the first included, as the legacy did (at most
//!   [`MAX_WAIT`]); without one the first attempt is at once and retries wait
//!   [`DEFAULT_WAIT`] (the legacy `clusterfs_mount` default) — the legacy's sleep
//!   before a first tmpfs mount helped nothing.
//! - The destination is resolved inside the new root, as its own processes see it (a
//!   symlink there never leads a mount out of it); `/` itself and any `..` part (in
//!   `dest` and a bind's `source`) are refused.
//!
//! Not done: the legacy fsck and LVM activation of a block device source (it is
//! mounted as it is), and `/etc/cdsltab` lines with `__initrd` (the legacy's fallback
//! when a node has no `<filesystems>`).

use std::net::IpAddr;
use std::time::Duration;

use super::{Node, PlanError, NEW_ROOT, NFS3_MODULES, NFS4_MODULES};
use crate::cluster::Filesystem;
use crate::mountopts::{self, MountFlags, MountOptions};
use crate::nfs::{nfs_mount, NfsAttempt, NfsMount, NfsVersion, NodeFacts};
use crate::root::{parse_nfsroot, NfsSpec};

/// The most attempts per filesystem (as for the command line's `mounttimes=`).
pub const MAX_TIMES: u32 = 100;
/// The longest wait before an attempt. Without `rd.timeout` one filesystem can hold
/// the boot for [`MAX_TIMES`] x (this wait + a name's 15 s DNS lookup + NFS's 4
/// versions x 30 s) = 100 x 195 s = 19 500 s, about 5 h 25 min.
pub const MAX_WAIT: Duration = Duration::from_secs(60);
/// Before each retry when `mountwait` is not given.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(5);

/// One `<filesystem>`, ready to mount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FsMount {
    /// `dest` as written, for messages.
    pub dest: String,
    pub source: FsSource,
    /// Attempts (`mounttimes`).
    pub times: u32,
    /// Slept before each retry (`mountwait`), and before the first attempt too when
    /// `wait_first` (`mountwait` was given).
    pub wait: Duration,
    pub wait_first: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FsSource {
    /// Mounted as it is.
    Ready(FsCall),
    /// NFS from a server given by its address: its versions offered in turn.
    Nfs(NfsFs),
    /// NFS from a server given by name: resolved at boot (each attempt), then
    /// [`NfsByName::mount`].
    NfsByName(NfsByName),
}

/// One mount(2) inside the new root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FsCall {
    /// A device, `server:/path`, `tmpfs`...; for a bind, the directory inside the root.
    pub source: String,
    /// Inside the new root (`/var/x`), resolved there; made if missing.
    pub target: String,
    pub kind: FsKind,
    pub flags: MountFlags,
    pub read_only: bool,
    /// mount(2)'s data argument.
    pub data: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FsKind {
    /// `mount --bind`, or `--rbind` with `recursive`.
    Bind { recursive: bool },
    /// A filesystem type (`tmpfs`, `nfs`, `ext4`...).
    Fs(String),
}

/// An NFS entry: the root's kind of mount ([`NfsMount`], its versions in order),
/// inside the new root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NfsFs {
    pub mount: NfsMount,
    /// Inside the new root, as [`FsCall::target`].
    pub target: String,
}

impl NfsFs {
    /// The mount(2) that offers the server `attempt`'s version.
    pub fn call(&self, attempt: &NfsAttempt) -> FsCall {
        FsCall {
            source: self.mount.source.clone(),
            target: self.target.clone(),
            kind: FsKind::Fs(attempt.fstype.to_string()),
            flags: self.mount.flags,
            read_only: self.mount.read_only,
            data: attempt.data.clone(),
        }
    }
}

/// An NFS entry whose server is a name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NfsByName {
    pub server: String,
    /// The export, with all the entry's options (checked when planning).
    pub spec: NfsSpec,
    pub target: String,
    /// For a `%s` in the path, as for the root.
    pub hostname: String,
    /// The versions that will be offered, in order (as the options make them).
    pub versions: Vec<NfsVersion>,
}

impl NfsByName {
    /// The mount once the server's address is known; `client` is this node's address
    /// on the way to it, when known (NFSv4's `clientaddr=`).
    pub fn mount(&self, server: IpAddr, client: Option<IpAddr>) -> Result<NfsFs, String> {
        nfs_fs(&self.spec, server, client, &self.hostname, &self.target)
    }
}

/// What planning the filesystems needs from the rest of the plan.
pub(super) struct Context {
    /// This node's static address on the first network, if it has one.
    pub client: Option<IpAddr>,
    /// A nameserver is known now, or DHCP may give one: a server name can be resolved.
    pub can_resolve: bool,
}

/// The node's filesystems in order, and a warning for each value capped.
pub(super) fn plan(node: &Node, cx: &Context) -> Result<(Vec<FsMount>, Vec<String>), PlanError> {
    let mut warnings = Vec::new();
    let list = node
        .node
        .com
        .filesystems
        .iter()
        .map(|fs| {
            let at = Entry {
                nodeid: node.node.nodeid,
                dest: &fs.dest,
            };
            let source = entry_source(fs, &at, node, cx, &mut warnings)?;
            let (times, wait, wait_first) = attempts(fs, &at, &mut warnings);
            Ok(FsMount {
                dest: fs.dest.clone(),
                source,
                times,
                wait,
                wait_first,
            })
        })
        .collect::<Result<_, PlanError>>()?;
    Ok((list, warnings))
}

/// The modules the NFS entries need (the others' types are the kernel's own or the
/// image's block filesystems, which the root's step loads when it needs them).
pub(super) fn modules(list: &[FsMount]) -> Vec<&'static str> {
    let mut names: Vec<&'static str> = Vec::new();
    for fs in list {
        let versions: Vec<NfsVersion> = match &fs.source {
            FsSource::Ready(_) => Vec::new(),
            FsSource::Nfs(n) => n.mount.attempts.iter().map(|a| a.version).collect(),
            FsSource::NfsByName(n) => n.versions.clone(),
        };
        let more = versions.iter().flat_map(|v| match v.is_v4() {
            true => NFS4_MODULES,
            false => NFS3_MODULES,
        });
        for m in more {
            if !names.contains(m) {
                names.push(m);
            }
        }
    }
    names
}

/// Which entry an error or warning is about.
struct Entry<'a> {
    nodeid: u32,
    dest: &'a str,
}

impl Entry<'_> {
    fn error(&self, attr: &'static str, value: &str, expected: impl Into<String>) -> PlanError {
        PlanError::Filesystem {
            nodeid: self.nodeid,
            dest: self.dest.to_string(),
            attr,
            value: value.to_string(),
            expected: expected.into(),
        }
    }

    fn warning(&self, attr: &str, value: impl std::fmt::Display, what: &str) -> String {
        format!(
            "cluster.conf: node {}: <filesystem dest=\"{}\"> {attr}=\"{value}\": {what}",
            self.nodeid, self.dest
        )
    }
}

const FSTYPES: &str = "tmpfs, bind, rbind, nfs, nfs4 or another filesystem the kernel knows";

fn entry_source(
    fs: &Filesystem,
    at: &Entry<'_>,
    node: &Node,
    cx: &Context,
    warnings: &mut Vec<String>,
) -> Result<FsSource, PlanError> {
    let target = in_root(&fs.dest).filter(|t| t != "/").ok_or_else(|| {
        at.error(
            "dest",
            &fs.dest,
            "a directory below / without .. parts (e.g. /var/lib/x)",
        )
    })?;
    let written = fs.mountopts.clone().unwrap_or_default();
    let opts = mountopts::parse(&written);
    opts.refuse_unsupported()
        .map_err(|e| at.error("mountopts", &written, e))?;
    let source = fs.source_for(node.node.nodeid);
    let fstype = match fs.fstype.as_deref() {
        Some(t) => t,
        None if looks_like_nfs(&source) => "nfs",
        None => return Err(at.error("fstype", "", FSTYPES)),
    };
    let read_only = opts.read_only.unwrap_or(false);
    match fstype {
        "bind" | "rbind" => {
            if !opts.data.is_empty() {
                warnings.push(at.warning(
                    "mountopts",
                    &written,
                    &format!(
                        "{} ignored: a bind has no filesystem options",
                        opts.data_string()
                    ),
                ));
            }
            let source = in_root(&source).ok_or_else(|| {
                at.error(
                    "source",
                    &source,
                    "a directory inside the root without .. parts (e.g. /srv/x)",
                )
            })?;
            Ok(FsSource::Ready(FsCall {
                source,
                target,
                kind: FsKind::Bind {
                    recursive: fstype == "rbind",
                },
                flags: opts.flags,
                read_only,
                data: String::new(),
            }))
        }
        "nfs" | "nfs4" => {
            let nfs = NfsEntry {
                nfs4: fstype == "nfs4",
                source: &source,
                target,
                written: &written,
                options: opts,
            };
            nfs_source(nfs, at, &node.hostname, cx)
        }
        t if t.is_empty() || t.contains([',', '/', ' ']) => Err(at.error("fstype", t, FSTYPES)),
        t => Ok(FsSource::Ready(FsCall {
            source,
            target,
            kind: FsKind::Fs(t.to_string()),
            flags: opts.flags,
            read_only,
            data: opts.data_string(),
        })),
    }
}

struct NfsEntry<'a> {
    nfs4: bool,
    source: &'a str,
    target: String,
    /// `mountopts` as written, for messages.
    written: &'a str,
    options: MountOptions,
}

const NFS_SOURCE: &str = "server:/path (a name, an address or [IPv6 address])";

fn nfs_source(
    e: NfsEntry<'_>,
    at: &Entry<'_>,
    hostname: &str,
    cx: &Context,
) -> Result<FsSource, PlanError> {
    let mut spec = match parse_nfsroot(e.source) {
        Ok(s) if s.options == MountOptions::default() && s.path.starts_with('/') => s,
        _ => return Err(at.error("source", e.source, NFS_SOURCE)),
    };
    let Some(server) = spec.server.take() else {
        return Err(at.error("source", e.source, NFS_SOURCE));
    };
    spec.nfs4 = e.nfs4;
    spec.options = e.options;
    let ip = server.parse::<IpAddr>().ok();
    // The options checked now, with a stand-in address when the real one comes from DNS.
    let stand_in = IpAddr::from([0, 0, 0, 0]);
    let planned = nfs_fs(
        &spec,
        ip.unwrap_or(stand_in),
        cx.client,
        hostname,
        &e.target,
    )
    .map_err(|expected| at.error("mountopts", e.written, expected))?;
    match ip {
        Some(_) => Ok(FsSource::Nfs(planned)),
        None if !cx.can_resolve => Err(at.error(
            "source",
            e.source,
            "the server's address: no nameserver= is given and no network uses DHCP, so its name cannot be resolved",
        )),
        None => Ok(FsSource::NfsByName(NfsByName {
            server,
            versions: planned.mount.attempts.iter().map(|a| a.version).collect(),
            spec,
            target: e.target,
            hostname: hostname.to_string(),
        })),
    }
}

/// The entry's NFS mount, as the root's ([`nfs_mount`]): read-write unless `ro`, no
/// `rootflags=` (they are the root's).
fn nfs_fs(
    spec: &NfsSpec,
    server: IpAddr,
    client: Option<IpAddr>,
    hostname: &str,
    target: &str,
) -> Result<NfsFs, String> {
    let facts = NodeFacts {
        server,
        client,
        node_name: Some(hostname),
        rootflags: &MountOptions::default(),
        rw: true,
    };
    Ok(NfsFs {
        mount: nfs_mount(spec, &facts)?,
        target: target.to_string(),
    })
}

/// `host:/path` or `[v6]:/path`, as mount(8) tells an NFS source from a device.
fn looks_like_nfs(source: &str) -> bool {
    !source.starts_with('/') && source.contains(":/")
}

/// `p` as a path inside the new root: absolute, without empty or `.` parts (the
/// legacy wrote `<newroot>/<dest>`, so a relative one means the same). `None` if empty
/// or with a `..` part: resolved inside the root, `/tmp/..` is the root itself.
fn in_root(p: &str) -> Option<String> {
    if p.trim().is_empty() || p.split('/').any(|s| s == "..") {
        return None;
    }
    let parts: Vec<&str> = p
        .split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .collect();
    Some(format!("/{}", parts.join("/")))
}

/// `mounttimes` and `mountwait`, capped, with a warning for each value changed.
fn attempts(fs: &Filesystem, at: &Entry<'_>, warnings: &mut Vec<String>) -> (u32, Duration, bool) {
    let times = match fs.mounttimes {
        None => 1,
        Some(0) => {
            warnings.push(at.warning("mounttimes", 0, "expected 1-100 attempts; trying once"));
            1
        }
        Some(n) if n > MAX_TIMES => {
            warnings.push(at.warning(
                "mounttimes",
                n,
                &format!("expected 1-{MAX_TIMES} attempts; trying {MAX_TIMES} times"),
            ));
            MAX_TIMES
        }
        Some(n) => n,
    };
    let max = MAX_WAIT.as_secs();
    match fs.mountwait.map(u64::from) {
        None => (times, DEFAULT_WAIT, false),
        Some(s) if s > max => {
            warnings.push(at.warning(
                "mountwait",
                s,
                &format!("expected 0-{max} seconds; waiting {max}"),
            ));
            (times, MAX_WAIT, true)
        }
        Some(s) => (times, Duration::from_secs(s), true),
    }
}

impl FsCall {
    /// `target` as the initramfs sees it, for messages.
    pub fn shown_target(&self) -> String {
        format!("{NEW_ROOT}{}", self.target)
    }
}

/// `source on /sysroot/target (type, options)`, as mount(8) lists a mount.
impl std::fmt::Display for FsCall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match &self.kind {
            FsKind::Bind { recursive: true } => "rbind",
            FsKind::Bind { recursive: false } => "bind",
            FsKind::Fs(t) => t.as_str(),
        };
        let mut opts = vec![if self.read_only { "ro" } else { "rw" }];
        opts.extend(self.flags.names());
        if !self.data.is_empty() {
            opts.push(&self.data);
        }
        write!(
            f,
            "{} on {} ({kind}, {})",
            self.source,
            self.shown_target(),
            opts.join(",")
        )
    }
}

#[cfg(test)]
mod tests;
