//! Turning an NFS root specification into the kernel's text mount data.
//!
//! The kernel's NFS client takes text options (Documentation/filesystems/nfs, nfs(5))
//! but does no name resolution: `addr=` must be an address, which we always supply, as
//! does `clientaddr=` for NFSv4. Versions follow dracut: `nfs4:` or `vers=4*` mounts
//! type `nfs4`; everything else is NFSv3 with `nolock` unless the user asked for `lock`
//! (there is no statd in the initramfs). `ro`/`rw` in the options are turned into the
//! read-only mount flag. The user's other options are passed through untouched: the
//! kernel is the authority on them and says EINVAL if one is wrong.

use std::net::IpAddr;

use crate::ip::Expected;
use crate::root::NfsSpec;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NfsMount {
    pub server: IpAddr,
    pub path: String,
    /// `server:/path`, or `[server]:/path` for IPv6.
    pub source: String,
    /// `nfs` or `nfs4`.
    pub fstype: &'static str,
    /// Comma-separated options for mount(2)'s data argument.
    pub data: String,
    pub read_only: bool,
    /// Options to try in turn if the server refuses the version (EPROTONOSUPPORT):
    /// with `nfs4:` and no `vers=`, we offer 4.2, then 4.1, then 4.0, as mount.nfs
    /// negotiates; the kernel alone would settle for 4.0, which has no sessions.
    pub fallbacks: Vec<String>,
}

/// The facts about this node an NFS mount depends on.
pub struct NodeFacts<'a> {
    pub server: IpAddr,
    pub client: Option<IpAddr>,
    /// Replaces `%s` in the path: the hostname, else the client address.
    pub node_name: Option<&'a str>,
    pub rootflags: &'a [String],
    pub rw: bool,
}

pub fn nfs_mount(spec: &NfsSpec, node: &NodeFacts<'_>) -> Result<NfsMount, Expected> {
    let mut read_only = !node.rw;
    let mut options = Vec::new();
    for opt in spec.options.iter().chain(node.rootflags) {
        match opt.as_str() {
            "ro" => read_only = true,
            "rw" => read_only = false,
            _ => options.push(opt.clone()),
        }
    }
    let version = find_option(&options, &["vers", "nfsvers"]);
    let nfs4 = match version.as_deref().map(|v| v.split('.').next().unwrap_or(v)) {
        None => spec.nfs4,
        Some("4") => true,
        Some("2" | "3") if !spec.nfs4 => false,
        Some(v) => {
            let what = if spec.nfs4 {
                "4 or 4.x with nfs4:"
            } else {
                "2, 3, 4 or 4.x"
            };
            return Err(format!("vers={what}, got vers={v}"));
        }
    };
    let negotiate = nfs4 && version.is_none();
    if negotiate {
        options.insert(0, "vers=4.2".to_string());
    }
    if nfs4 {
        push_default(
            &mut options,
            "clientaddr",
            node.client.map(|c| c.to_string()),
        );
    } else {
        if version.is_none() {
            options.insert(0, "vers=3".to_string());
        }
        if !options.iter().any(|o| o == "lock" || o == "nolock") {
            options.push("nolock".to_string());
        }
    }
    push_default(&mut options, "addr", Some(node.server.to_string()));
    let path = expand_path(&spec.path, node)?;
    let source = match node.server {
        IpAddr::V4(a) => format!("{a}:{path}"),
        IpAddr::V6(a) => format!("[{a}]:{path}"),
    };
    Ok(NfsMount {
        server: node.server,
        path,
        source,
        fstype: if nfs4 { "nfs4" } else { "nfs" },
        data: options.join(","),
        read_only,
        fallbacks: if negotiate {
            ["4.1", "4.0"]
                .iter()
                .map(|v| {
                    options
                        .join(",")
                        .replacen("vers=4.2", &format!("vers={v}"), 1)
                })
                .collect()
        } else {
            Vec::new()
        },
    })
}

fn find_option(options: &[String], keys: &[&str]) -> Option<String> {
    options.iter().rev().find_map(|o| {
        let (k, v) = o.split_once('=')?;
        keys.contains(&k).then(|| v.to_string())
    })
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
    use crate::root::{parse_nfsroot, parse_root, RootSpec};

    fn spec(root: &str) -> NfsSpec {
        match parse_root(root) {
            Ok(RootSpec::Nfs(s)) => s,
            other => panic!("{root}: {other:?}"),
        }
    }

    fn facts<'a>(rootflags: &'a [String], rw: bool) -> NodeFacts<'a> {
        NodeFacts {
            server: "10.0.2.2".parse().unwrap(),
            client: Some("10.0.2.15".parse().unwrap()),
            node_name: Some("node1"),
            rootflags,
            rw,
        }
    }

    /// (label, spec, rootflags, rw, expected (fstype, source, data, read_only))
    type Case<'a> = (
        &'a str,
        NfsSpec,
        &'a [String],
        bool,
        (&'a str, &'a str, &'a str, bool),
    );

    #[test]
    fn mount_data() {
        let flags = vec!["noatime".to_string()];
        let cases: Vec<Case> = vec![
            (
                "nfs4 default",
                spec("nfs4:10.0.2.2:/export/rootfs"),
                &[],
                false,
                (
                    "nfs4",
                    "10.0.2.2:/export/rootfs",
                    "vers=4.2,clientaddr=10.0.2.15,addr=10.0.2.2",
                    true,
                ),
            ),
            (
                "v3 keeps user options and adds nolock",
                spec("nfs:10.0.2.2:/srv/root:vers=3,tcp"),
                &flags,
                false,
                (
                    "nfs",
                    "10.0.2.2:/srv/root",
                    "vers=3,tcp,noatime,nolock,addr=10.0.2.2",
                    true,
                ),
            ),
            (
                "bare form defaults to v3",
                spec("10.0.2.2:/srv/root"),
                &[],
                true,
                (
                    "nfs",
                    "10.0.2.2:/srv/root",
                    "vers=3,nolock,addr=10.0.2.2",
                    false,
                ),
            ),
            (
                "explicit lock kept",
                spec("nfs:10.0.2.2:/srv:lock,rw"),
                &[],
                false,
                ("nfs", "10.0.2.2:/srv", "vers=3,lock,addr=10.0.2.2", false),
            ),
            (
                "nfsroot with vers=4.2",
                parse_nfsroot("10.0.2.2:/srv/root,vers=4.2").unwrap(),
                &[],
                false,
                (
                    "nfs4",
                    "10.0.2.2:/srv/root",
                    "vers=4.2,clientaddr=10.0.2.15,addr=10.0.2.2",
                    true,
                ),
            ),
            (
                "%s per-host path",
                spec("nfs4:10.0.2.2:/roots/%s"),
                &[],
                false,
                (
                    "nfs4",
                    "10.0.2.2:/roots/node1",
                    "vers=4.2,clientaddr=10.0.2.15,addr=10.0.2.2",
                    true,
                ),
            ),
        ];
        for (label, spec, flags, rw, (fstype, source, data, ro)) in cases {
            let m = nfs_mount(&spec, &facts(flags, rw)).unwrap();
            assert_eq!(
                (m.fstype, m.source.as_str(), m.data.as_str(), m.read_only),
                (fstype, source, data, ro),
                "case {label}"
            );
        }
    }

    #[test]
    fn percent_s_takes_only_a_host_name() {
        for name in ["..", ".", "a/b", "../etc", "a b", "a..b", "-x", ""] {
            let node = NodeFacts {
                node_name: Some(name),
                ..facts(&[], false)
            };
            match nfs_mount(&spec("nfs:10.0.2.2:/exports/%s"), &node) {
                Err(e) => assert!(e.contains("host name"), "{name:?}: {e}"),
                Ok(m) => panic!("{name:?} gave the path {:?}", m.path),
            }
        }
        let node = NodeFacts {
            node_name: Some("node1.lab.example"),
            ..facts(&[], false)
        };
        let m = nfs_mount(&spec("nfs:10.0.2.2:/exports/%s"), &node).unwrap();
        assert_eq!(m.path, "/exports/node1.lab.example");
    }

    #[test]
    fn ipv6_source_and_version_conflicts() {
        let node = NodeFacts {
            server: "fd00::2".parse().unwrap(),
            client: None,
            node_name: None,
            rootflags: &[],
            rw: false,
        };
        let m = nfs_mount(&spec("nfs4:[fd00::2]:/export"), &node).unwrap();
        assert_eq!(m.source, "[fd00::2]:/export");
        assert_eq!(m.data, "vers=4.2,addr=fd00::2");
        assert_eq!(
            m.fallbacks,
            ["vers=4.1,addr=fd00::2", "vers=4.0,addr=fd00::2"]
        );
        let err = nfs_mount(&spec("nfs4:10.0.2.2:/x:vers=3"), &facts(&[], false)).unwrap_err();
        assert!(err.contains("vers=4 or 4.x with nfs4:"), "{err}");
        let err = nfs_mount(&spec("nfs:10.0.2.2:/x:vers=5"), &facts(&[], false)).unwrap_err();
        assert!(err.contains("got vers=5"), "{err}");
    }
}
