//! Turning an NFS root specification into the kernel's text mount data, and the NFS
//! versions to offer in turn.
//!
//! The kernel's NFS client takes text options (Documentation/filesystems/nfs, nfs(5))
//! but does no name resolution: `addr=` must be an address, which we always supply, as
//! does `clientaddr=` for NFSv4. The options are sorted by [`crate::mountopts`]: mount
//! flags (`noatime`, `nosuid`, ...) go to mount(2)'s flags, fstab-only words are
//! dropped, `ro`/`rw` decide read-only; the rest is the NFS client's, passed through
//! untouched (the kernel is the authority on them and says EINVAL if one is wrong).
//!
//! Versions follow mount.nfs (nfs-utils `utils/mount/stropts.c`, `nfs_autonegotiate`):
//! with no `vers=`/`nfsvers=` (dracut's `nfs:` and bare forms, `root=/dev/nfs`, DHCP
//! root paths, `<rootvolume fstype="nfs">`) the server is offered NFSv4.2, 4.1, 4.0,
//! then NFSv3; with `nfs4:`, `rootfstype=nfs4` or `vers=4`, the v4 minor versions only;
//! an explicit `vers=3` or `vers=4.x` is the one version tried. NFSv3 gets `nolock`
//! unless the user asked for `lock` (there is no statd in the initramfs); NFSv4 needs
//! no lock daemon and gets none. Which error moves to which version is the executor's
//! ([`NfsAttempt`] in order, [`next_version`]).

use std::fmt;
use std::net::IpAddr;

use crate::ip::Expected;
use crate::mountopts::{MountFlags, MountOptions};
use crate::root::NfsSpec;

/// An NFS protocol version, as `vers=` writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NfsVersion {
    V2,
    V3,
    /// NFSv4 with this minor version.
    V4(u8),
}

impl NfsVersion {
    pub fn is_v4(self) -> bool {
        matches!(self, NfsVersion::V4(_))
    }

    /// mount(2)'s filesystem type: NFSv4 mounts show as `nfs4` in /proc/mounts.
    pub fn fstype(self) -> &'static str {
        if self.is_v4() {
            "nfs4"
        } else {
            "nfs"
        }
    }
}

impl fmt::Display for NfsVersion {
    /// `3`, `4.2`: the value of `vers=`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NfsVersion::V2 => write!(f, "2"),
            NfsVersion::V3 => write!(f, "3"),
            NfsVersion::V4(minor) => write!(f, "4.{minor}"),
        }
    }
}

/// One version to offer the server: mount(2)'s type and data for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NfsAttempt {
    pub version: NfsVersion,
    /// `nfs` or `nfs4`.
    pub fstype: &'static str,
    /// Comma-separated options for mount(2)'s data argument.
    pub data: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NfsMount {
    pub server: IpAddr,
    pub path: String,
    /// `server:/path`, or `[server]:/path` for IPv6.
    pub source: String,
    /// mount(2)'s flags from the options (`noatime`, `nosuid`, ...), `ro` aside.
    pub flags: MountFlags,
    pub read_only: bool,
    /// The versions to offer, in order (never empty): one when the options fix it.
    pub attempts: Vec<NfsAttempt>,
}

impl NfsMount {
    /// The filesystem type every attempt has, if they agree (the modules to load).
    pub fn fstype(&self) -> Option<&'static str> {
        let first = self.attempts.first()?.fstype;
        self.attempts
            .iter()
            .all(|a| a.fstype == first)
            .then_some(first)
    }
}

/// Why the server refused one version, as far as the choice of the next one goes
/// (the executor maps errno values to these).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// EPROTONOSUPPORT, or EINVAL (the client lacks that minor version): mount.nfs
    /// offers the next lower version.
    Version,
    /// ENOENT (no NFSv4 pseudo root), EACCES and EPERM (a server that refuses NFSv4
    /// to this client), ECONNREFUSED (nothing for NFSv4, maybe a UDP-only v3 server):
    /// mount.nfs tries NFSv3 at once.
    NotV4,
    /// Anything else: no other version would fare better.
    Other,
}

/// The attempt to make after attempt `at` of `attempts` was refused for `why`, as
/// mount.nfs's `nfs_autonegotiate` decides; `None` when no other version is to be
/// tried (the error then stands, and is retried or not as the error says).
pub fn next_version(attempts: &[NfsAttempt], at: usize, why: Refusal) -> Option<usize> {
    let current = attempts.get(at)?.version;
    match why {
        Refusal::Version => (at + 1 < attempts.len()).then_some(at + 1),
        Refusal::NotV4 if current.is_v4() => attempts
            .iter()
            .enumerate()
            .skip(at + 1)
            .find(|(_, a)| !a.version.is_v4())
            .map(|(i, _)| i),
        Refusal::NotV4 | Refusal::Other => None,
    }
}

/// The facts about this node an NFS mount depends on.
pub struct NodeFacts<'a> {
    pub server: IpAddr,
    pub client: Option<IpAddr>,
    /// Replaces `%s` in the path: the hostname, else the client address.
    pub node_name: Option<&'a str>,
    /// `rootflags=`: they come after the root's own options, and win.
    pub rootflags: &'a MountOptions,
    /// Read-write unless the options say `ro` (the planner's rule: the command line's
    /// `ro`/`rw`, else read-write on a cluster node only).
    pub rw: bool,
}

const V4_MINORS: [NfsVersion; 3] = [NfsVersion::V4(2), NfsVersion::V4(1), NfsVersion::V4(0)];

pub fn nfs_mount(spec: &NfsSpec, node: &NodeFacts<'_>) -> Result<NfsMount, Expected> {
    let mut opts = spec.options.clone();
    opts.extend(node.rootflags.clone());
    let read_only = opts.read_only.unwrap_or(!node.rw);
    let given = given_version(&opts.data);
    let versions: Vec<NfsVersion> = match given.as_deref() {
        None if spec.nfs4 => V4_MINORS.to_vec(),
        None => V4_MINORS.iter().copied().chain([NfsVersion::V3]).collect(),
        Some(v) => vec![parse_version(v, spec.nfs4)?],
    };
    let versions = match versions.as_slice() {
        // vers=4 alone: mount.nfs negotiates the minor version (its V_GENERAL mode).
        [NfsVersion::V4(0)] if given.as_deref() == Some("4") => V4_MINORS.to_vec(),
        _ => versions,
    };
    let data: Vec<String> = opts
        .data
        .iter()
        .filter(|o| !is_version(o))
        .cloned()
        .collect();
    let attempts = versions
        .iter()
        .map(|&version| NfsAttempt {
            version,
            fstype: version.fstype(),
            data: attempt_data(version, &data, node),
        })
        .collect();
    let path = expand_path(&spec.path, node)?;
    let source = match node.server {
        IpAddr::V4(a) => format!("{a}:{path}"),
        IpAddr::V6(a) => format!("[{a}]:{path}"),
    };
    Ok(NfsMount {
        server: node.server,
        path,
        source,
        flags: opts.flags,
        read_only,
        attempts,
    })
}

/// `vers=` as given; `nfs4:` takes only 4 and 4.x.
fn parse_version(v: &str, nfs4: bool) -> Result<NfsVersion, Expected> {
    let version = match v.split_once('.') {
        None => match v {
            "2" => Some(NfsVersion::V2),
            "3" => Some(NfsVersion::V3),
            "4" => Some(NfsVersion::V4(0)),
            _ => None,
        },
        Some(("4", minor)) => minor.parse::<u8>().ok().map(NfsVersion::V4),
        Some(_) => None,
    };
    match version {
        Some(v) if v.is_v4() || !nfs4 => Ok(v),
        _ if nfs4 => Err(format!("vers=4 or 4.x with nfs4:, got vers={v}")),
        _ => Err(format!("vers=2, 3, 4 or 4.x, got vers={v}")),
    }
}

/// One version's data: `vers=` first, the user's options, then what this version
/// needs that the user did not give (`nolock` for v2/v3, `clientaddr=` for v4, `addr=`).
fn attempt_data(version: NfsVersion, user: &[String], node: &NodeFacts<'_>) -> String {
    let mut options = vec![format!("vers={version}")];
    options.extend(user.iter().cloned());
    if version.is_v4() {
        push_default(
            &mut options,
            "clientaddr",
            node.client.map(|c| c.to_string()),
        );
    } else if !options.iter().any(|o| o == "lock" || o == "nolock") {
        options.push("nolock".to_string());
    }
    push_default(&mut options, "addr", Some(node.server.to_string()));
    options.join(",")
}

/// `vers=X`, `nfsvers=X` or `vX` (nfs(5)): the last one given.
fn given_version(options: &[String]) -> Option<String> {
    options
        .iter()
        .rev()
        .find_map(|o| version_of(o).map(str::to_string))
}

fn is_version(option: &str) -> bool {
    version_of(option).is_some()
}

fn version_of(option: &str) -> Option<&str> {
    match option.split_once('=') {
        Some(("vers" | "nfsvers", v)) => Some(v),
        Some(_) => None,
        None => option
            .strip_prefix('v')
            .filter(|v| v.starts_with(|c: char| c.is_ascii_digit())),
    }
}

fn push_default(options: &mut Vec<String>, key: &str, value: Option<String>) {
    let present = options
        .iter()
        .any(|o| o.split_once('=').is_some_and(|(k, _)| k == key));
    if let (false, Some(v)) = (present, value) {
        options.push(format!("{key}={v}"));
    }
}

/// dracut's per-host roots: `%s` becomes the hostname, or the client address. The
/// name must be a host name, so `%s` never turns into "..", "" or something with a '/'.
fn expand_path(path: &str, node: &NodeFacts<'_>) -> Result<String, Expected> {
    if !path.contains("%s") {
        return Ok(path.to_string());
    }
    let name = match (node.node_name, node.client) {
        (Some(n), _) => {
            crate::names::host_name(n).map_err(|why| {
                format!("{why} for %s in the root path {path}, got the hostname {n:?}")
            })?;
            n.to_string()
        }
        (None, Some(c)) => c.to_string(),
        (None, None) => {
            return Err(format!(
                "a hostname or an address for %s in the root path {path}, got neither"
            ))
        }
    };
    Ok(path.replace("%s", &name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mountopts;
    use crate::root::{parse_nfsroot, parse_root, RootSpec};

    fn spec(root: &str) -> NfsSpec {
        match parse_root(root) {
            Ok(RootSpec::Nfs(s)) => s,
            other => panic!("{root}: {other:?}"),
        }
    }

    fn facts(rootflags: &MountOptions, rw: bool) -> NodeFacts<'_> {
        NodeFacts {
            server: "10.0.2.2".parse().unwrap(),
            client: Some("10.0.2.15".parse().unwrap()),
            node_name: Some("node1"),
            rootflags,
            rw,
        }
    }

    fn none() -> MountOptions {
        MountOptions::default()
    }

    /// (label, spec, rootflags, rw, expected (source, read_only, [(fstype, data)]))
    type Case<'a> = (
        &'a str,
        NfsSpec,
        &'a str,
        bool,
        (&'a str, bool, &'a [(&'a str, &'a str)]),
    );

    #[test]
    fn mount_data() {
        const V42: &str = "vers=4.2,clientaddr=10.0.2.15,addr=10.0.2.2";
        const V41: &str = "vers=4.1,clientaddr=10.0.2.15,addr=10.0.2.2";
        const V40: &str = "vers=4.0,clientaddr=10.0.2.15,addr=10.0.2.2";
        let cases: Vec<Case> = vec![
            (
                "nfs4: the v4 minor versions",
                spec("nfs4:10.0.2.2:/export/rootfs"),
                "",
                false,
                (
                    "10.0.2.2:/export/rootfs",
                    true,
                    &[("nfs4", V42), ("nfs4", V41), ("nfs4", V40)],
                ),
            ),
            (
                "v3 keeps user options and adds nolock; noatime is a flag",
                spec("nfs:10.0.2.2:/srv/root:vers=3,tcp"),
                "noatime",
                false,
                (
                    "10.0.2.2:/srv/root",
                    true,
                    &[("nfs", "vers=3,tcp,nolock,addr=10.0.2.2")],
                ),
            ),
            (
                "bare form negotiates 4.2, 4.1, 4.0, then 3 with nolock",
                spec("10.0.2.2:/srv/root"),
                "",
                true,
                (
                    "10.0.2.2:/srv/root",
                    false,
                    &[
                        ("nfs4", V42),
                        ("nfs4", V41),
                        ("nfs4", V40),
                        ("nfs", "vers=3,nolock,addr=10.0.2.2"),
                    ],
                ),
            ),
            (
                "explicit lock kept; rw in the options",
                spec("nfs:10.0.2.2:/srv:lock,rw,nfsvers=3"),
                "",
                false,
                (
                    "10.0.2.2:/srv",
                    false,
                    &[("nfs", "vers=3,lock,addr=10.0.2.2")],
                ),
            ),
            (
                "nfsroot with vers=4.2 is exact",
                parse_nfsroot("10.0.2.2:/srv/root,vers=4.2").unwrap(),
                "",
                false,
                ("10.0.2.2:/srv/root", true, &[("nfs4", V42)]),
            ),
            (
                "vers=4 negotiates the minor version only",
                spec("nfs:10.0.2.2:/srv:vers=4"),
                "",
                false,
                (
                    "10.0.2.2:/srv",
                    true,
                    &[("nfs4", V42), ("nfs4", V41), ("nfs4", V40)],
                ),
            ),
            (
                "rootflags win over the root's options; fstab words dropped",
                spec("nfs:10.0.2.2:/srv:vers=4.1,ro,_netdev"),
                "rw,vers=3,defaults,x-systemd.automount",
                false,
                (
                    "10.0.2.2:/srv",
                    false,
                    &[("nfs", "vers=3,nolock,addr=10.0.2.2")],
                ),
            ),
            (
                "v3 option spelling",
                spec("nfs:10.0.2.2:/srv:v3,nolock"),
                "",
                false,
                (
                    "10.0.2.2:/srv",
                    true,
                    &[("nfs", "vers=3,nolock,addr=10.0.2.2")],
                ),
            ),
            (
                "%s per-host path",
                spec("nfs4:10.0.2.2:/roots/%s:vers=4.1"),
                "",
                false,
                ("10.0.2.2:/roots/node1", true, &[("nfs4", V41)]),
            ),
        ];
        for (label, spec, flags, rw, (source, ro, attempts)) in cases {
            let flags = mountopts::parse(flags);
            let m = nfs_mount(&spec, &facts(&flags, rw)).unwrap();
            let got: Vec<(&str, &str)> = m
                .attempts
                .iter()
                .map(|a| (a.fstype, a.data.as_str()))
                .collect();
            assert_eq!(
                (m.source.as_str(), m.read_only, got.as_slice()),
                (source, ro, attempts),
                "case {label}"
            );
        }
    }

    #[test]
    fn flags_from_both_option_lists() {
        let flags = mountopts::parse("noatime,nodiratime");
        let m = nfs_mount(
            &spec("nfs:10.0.2.2:/srv:nosuid,vers=3"),
            &facts(&flags, false),
        )
        .unwrap();
        assert_eq!(m.flags.names(), ["nosuid", "noatime", "nodiratime"]);
        assert_eq!(m.attempts[0].data, "vers=3,nolock,addr=10.0.2.2");
        let flags = mountopts::parse("atime");
        let m = nfs_mount(&spec("nfs:10.0.2.2:/srv:noatime"), &facts(&flags, false)).unwrap();
        assert!(
            m.flags.is_empty(),
            "rootflags' atime clears the root's noatime"
        );
    }

    fn attempts(versions: &[NfsVersion]) -> Vec<NfsAttempt> {
        versions
            .iter()
            .map(|&version| NfsAttempt {
                version,
                fstype: version.fstype(),
                data: String::new(),
            })
            .collect()
    }

    #[test]
    fn negotiation_as_mount_nfs() {
        use NfsVersion::{V3, V4};
        let all = attempts(&[V4(2), V4(1), V4(0), V3]);
        let v4 = attempts(&[V4(2), V4(1), V4(0)]);
        let exact = attempts(&[V3]);
        for (label, list, at, why, want) in [
            ("4.2 unsupported: 4.1", &all, 0, Refusal::Version, Some(1)),
            ("4.0 unsupported: 3", &all, 2, Refusal::Version, Some(3)),
            (
                "no v4 export: straight to 3",
                &all,
                0,
                Refusal::NotV4,
                Some(3),
            ),
            ("v3 refused: nothing left", &all, 3, Refusal::Version, None),
            ("v3 not exported: nothing", &all, 3, Refusal::NotV4, None),
            (
                "other error: no other version",
                &all,
                1,
                Refusal::Other,
                None,
            ),
            (
                "nfs4: never falls back to 3",
                &v4,
                2,
                Refusal::Version,
                None,
            ),
            ("nfs4: minor down", &v4, 1, Refusal::Version, Some(2)),
            ("nfs4: no v4 export: nothing", &v4, 0, Refusal::NotV4, None),
            ("exact: nothing", &exact, 0, Refusal::Version, None),
            ("out of range: nothing", &exact, 5, Refusal::Version, None),
        ] {
            assert_eq!(next_version(list, at, why), want, "case {label}");
        }
    }

    #[test]
    fn percent_s_takes_only_a_host_name() {
        let flags = none();
        for name in ["..", ".", "a/b", "../etc", "a b", "a..b", "-x", ""] {
            let node = NodeFacts {
                node_name: Some(name),
                ..facts(&flags, false)
            };
            match nfs_mount(&spec("nfs:10.0.2.2:/exports/%s"), &node) {
                Err(e) => assert!(e.contains("host name"), "{name:?}: {e}"),
                Ok(m) => panic!("{name:?} gave the path {:?}", m.path),
            }
        }
        let node = NodeFacts {
            node_name: Some("node1.lab.example"),
            ..facts(&flags, false)
        };
        let m = nfs_mount(&spec("nfs:10.0.2.2:/exports/%s"), &node).unwrap();
        assert_eq!(m.path, "/exports/node1.lab.example");
    }

    #[test]
    fn ipv6_source_and_version_conflicts() {
        let flags = none();
        let node = NodeFacts {
            server: "fd00::2".parse().unwrap(),
            client: None,
            node_name: None,
            rootflags: &flags,
            rw: false,
        };
        let m = nfs_mount(&spec("nfs4:[fd00::2]:/export"), &node).unwrap();
        assert_eq!(m.source, "[fd00::2]:/export");
        let data: Vec<&str> = m.attempts.iter().map(|a| a.data.as_str()).collect();
        assert_eq!(
            data,
            [
                "vers=4.2,addr=fd00::2",
                "vers=4.1,addr=fd00::2",
                "vers=4.0,addr=fd00::2"
            ]
        );
        let err = nfs_mount(&spec("nfs4:10.0.2.2:/x:vers=3"), &facts(&flags, false)).unwrap_err();
        assert!(err.contains("vers=4 or 4.x with nfs4:"), "{err}");
        let err = nfs_mount(&spec("nfs:10.0.2.2:/x:vers=5"), &facts(&flags, false)).unwrap_err();
        assert!(err.contains("got vers=5"), "{err}");
        let err = nfs_mount(&spec("nfs:10.0.2.2:/x:vers=4.x"), &facts(&flags, false)).unwrap_err();
        assert!(err.contains("got vers=4.x"), "{err}");
    }
}
