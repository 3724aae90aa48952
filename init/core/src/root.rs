//! `root=`, `netroot=` and `nfsroot=` grammar.
//!
//! Network roots, as dracut (modules.d/74nfs) and the kernel (nfsroot.rst) write them:
//! - `root=nfs:[<server>:]<path>[:<options>]` and `root=nfs4:...` (also as `netroot=`)
//! - `root=[<server>:]<path>[:<options>]`, dracut's bare form (NFSv3 unless options say otherwise)
//! - `root=/dev/nfs nfsroot=[<server>:]<path>[,<options>]`, the kernel's form; a path not
//!   starting with `/` is taken under `/tftpboot/` and a missing `nfsroot=` means
//!   `/tftpboot/%s`, as the kernel does
//! - `root=dhcp`, `netroot=dhcp`: the root path comes from DHCP option 17
//! - `root=nfs:` (or `nfs4:`) with nothing after it, the form of open-sharedroot's
//!   Fedora 12 example: the root is the cluster node's `<rootvolume>`, else DHCP's
//!   option 17, as the legacy initrd took it
//!
//! The `:<options>` (and `nfsroot=`'s `,<options>`) are mount options as mount(8) takes
//! them ([`crate::mountopts`]); ones mount(8) acts on itself (`bind`, `loop`, ...) are
//! refused here.
//!
//! IPv6 servers go in brackets. Block roots: `/dev/...`, `UUID=`, `LABEL=`, `PARTUUID=`,
//! `PARTLABEL=`, each also with dracut's `block:` prefix. dracut's other root schemes
//! (`nbd:`, `iscsi:`, `live:`, ...) are refused by name rather than misread as an NFS
//! server called `nbd`.

use crate::blkid::RootDevice;
use crate::block;
use crate::ip::Expected;
use crate::mountopts::{self, MountOptions};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NfsSpec {
    /// `None` when the root names no server: it comes from `ip=`'s `<peer>` (or DHCP).
    pub server: Option<String>,
    pub path: String,
    /// The `nfs4:` prefix was used.
    pub nfs4: bool,
    pub options: MountOptions,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RootSpec {
    Nfs(NfsSpec),
    /// `root=/dev/nfs`: the details are in `nfsroot=`.
    KernelNfs,
    Dhcp,
    /// `root=nfs:` or `root=nfs4:` and nothing more: the cluster node's `<rootvolume>`,
    /// else DHCP option 17 (`nfs4` keeps the root to NFSv4).
    BareNfs {
        nfs4: bool,
    },
    /// The device, parsed once ([`block::root_device`]): udev's by-* links read as
    /// their tags, names only udev or device-mapper make refused.
    Block(RootDevice),
}

const ROOT_FORMS: &str = "nfs:[<server>:]<path>[:<options>], nfs4:..., [<server>:]<path>[:<options>], \
                          /dev/nfs (with nfsroot=), dhcp, or a block device (/dev/..., UUID=, LABEL=, \
                          PARTUUID=, PARTLABEL=, optionally after block:)";

/// dracut root schemes osr-init does not implement (yet): `root=<scheme>:...`.
const UNSUPPORTED_SCHEMES: [&str; 9] = [
    "nbd", "iscsi", "live", "cifs", "nvmf", "fcoe", "zfs", "wwinit", "http",
];

pub fn parse_root(s: &str) -> Result<RootSpec, Expected> {
    if s == "/dev/nfs" {
        return Ok(RootSpec::KernelNfs);
    }
    if s == "dhcp" || s == "dhcp6" {
        return Ok(RootSpec::Dhcp);
    }
    if s == "nfs:" || s == "nfs4:" {
        return Ok(RootSpec::BareNfs { nfs4: s == "nfs4:" });
    }
    if let Some(rest) = s.strip_prefix("nfs4:") {
        return parse_nfs_url(rest, true).map(RootSpec::Nfs);
    }
    if let Some(rest) = s.strip_prefix("nfs:") {
        return parse_nfs_url(rest, false).map(RootSpec::Nfs);
    }
    let block_prefixes = ["/dev/", "UUID=", "LABEL=", "PARTUUID=", "PARTLABEL="];
    let device = s.strip_prefix("block:").unwrap_or(s);
    if block_prefixes.iter().any(|p| device.starts_with(p)) {
        return block::root_device(device).map(RootSpec::Block);
    }
    if device != s {
        return Err(format!(
            "a block device after block: (/dev/..., UUID=, LABEL=, PARTUUID=, PARTLABEL=), got '{device}'"
        ));
    }
    let scheme = s
        .split_once(':')
        .map(|(scheme, _)| scheme.to_ascii_lowercase());
    if let Some(scheme) = scheme.filter(|sc| UNSUPPORTED_SCHEMES.contains(&sc.as_str())) {
        return Err(format!(
            "an NFS or block-device root: {scheme}: roots are not supported by osr-init"
        ));
    }
    if s.starts_with("ZFS=") {
        return Err("an NFS or block-device root: ZFS= roots are not supported by osr-init".into());
    }
    if s.contains(':') {
        return parse_nfs_url(s, false).map(RootSpec::Nfs);
    }
    Err(ROOT_FORMS.to_string())
}

/// `[<server>:]<path>[:<options>]`, server optionally `[ipv6]`.
fn parse_nfs_url(s: &str, nfs4: bool) -> Result<NfsSpec, Expected> {
    let (server, rest) = if let Some(inner) = s.strip_prefix('[') {
        let (addr, after) = inner
            .split_once("]:")
            .ok_or_else(|| format!("[<ipv6>]:<path> for a bracketed server, got '{s}'"))?;
        (Some(addr.to_string()), after)
    } else if s.starts_with('/') {
        (None, s)
    } else {
        let (server, after) = s
            .split_once(':')
            .ok_or_else(|| format!("<server>:<path>, got '{s}'"))?;
        (non_empty(server), after)
    };
    let (path, options) = match rest.split_once(':') {
        Some((path, opts)) => (path, options(opts)?),
        None => (rest, MountOptions::default()),
    };
    if !path.starts_with('/') {
        return Err(format!(
            "an absolute export path after the server, got '{path}'"
        ));
    }
    Ok(NfsSpec {
        server,
        path: path.to_string(),
        nfs4,
        options,
    })
}

/// The kernel's `nfsroot=[<server>:]<path>[,<options>]`.
pub fn parse_nfsroot(s: &str) -> Result<NfsSpec, Expected> {
    let (location, options) = match s.split_once(',') {
        Some((loc, opts)) => (loc, options(opts)?),
        None => (s, MountOptions::default()),
    };
    let (server, path) = if let Some(inner) = location.strip_prefix('[') {
        let (addr, path) = inner
            .split_once("]:")
            .ok_or_else(|| format!("[<ipv6>]:<path>, got '{location}'"))?;
        (Some(addr.to_string()), path)
    } else {
        match location.split_once(':') {
            Some((server, path)) => (non_empty(server), path),
            None => (None, location),
        }
    };
    let path = match path {
        "" | "default" => "/tftpboot/%s".to_string(),
        p if p.starts_with('/') => p.to_string(),
        p => format!("/tftpboot/{p}"),
    };
    Ok(NfsSpec {
        server,
        path,
        nfs4: false,
        options,
    })
}

fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

/// An NFS root's options, those mount(8) acts on itself refused.
pub fn options(s: &str) -> Result<MountOptions, Expected> {
    let opts = mountopts::parse(s);
    opts.refuse_unsupported()?;
    Ok(opts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nfs(server: Option<&str>, path: &str, nfs4: bool, options: &[&str]) -> RootSpec {
        RootSpec::Nfs(NfsSpec {
            server: server.map(str::to_string),
            path: path.to_string(),
            nfs4,
            options: mountopts::parse(&options.join(",")),
        })
    }

    #[test]
    fn root_forms() {
        let cases = [
            (
                "nfs4",
                "nfs4:10.0.2.2:/export/rootfs",
                nfs(Some("10.0.2.2"), "/export/rootfs", true, &[]),
            ),
            (
                "nfs with options",
                "nfs:10.0.2.2:/srv/root:vers=3,nolock",
                nfs(Some("10.0.2.2"), "/srv/root", false, &["vers=3", "nolock"]),
            ),
            (
                "bare dracut form",
                "10.0.2.2:/srv/root",
                nfs(Some("10.0.2.2"), "/srv/root", false, &[]),
            ),
            (
                "no server",
                "nfs:/srv/root",
                nfs(None, "/srv/root", false, &[]),
            ),
            (
                "empty server",
                "nfs::/srv/%s",
                nfs(None, "/srv/%s", false, &[]),
            ),
            (
                "ipv6 server",
                "nfs4:[fd00::2]:/export:vers=4.1",
                nfs(Some("fd00::2"), "/export", true, &["vers=4.1"]),
            ),
            (
                "hostname server",
                "nfs:fileserver:/srv",
                nfs(Some("fileserver"), "/srv", false, &[]),
            ),
            ("kernel form", "/dev/nfs", RootSpec::KernelNfs),
            ("dhcp", "dhcp", RootSpec::Dhcp),
            ("bare nfs:", "nfs:", RootSpec::BareNfs { nfs4: false }),
            ("bare nfs4:", "nfs4:", RootSpec::BareNfs { nfs4: true }),
            (
                "uuid",
                "UUID=0b2f",
                RootSpec::Block(RootDevice::Uuid("0b2f".into())),
            ),
            (
                "device",
                "/dev/sda1",
                RootSpec::Block(RootDevice::Path("/dev/sda1".into())),
            ),
            (
                "dracut block:",
                "block:LABEL=osr",
                RootSpec::Block(RootDevice::Label("osr".into())),
            ),
            (
                "dracut block: path",
                "block:/dev/vda",
                RootSpec::Block(RootDevice::Path("/dev/vda".into())),
            ),
        ];
        for (label, input, want) in cases {
            assert_eq!(parse_root(input), Ok(want), "case {label}");
        }
    }

    #[test]
    fn root_errors() {
        for (label, input, needle) in [
            ("relative path", "nfs:10.0.2.2:srv", "absolute export path"),
            ("no path", "nfs4:10.0.2.2", "<server>:<path>"),
            ("unknown", "rootfs", "nfs:[<server>:]"),
            ("bad brackets", "nfs:[fd00::1/x", "[<ipv6>]"),
            ("nbd", "nbd:10.0.0.1:2000", "nbd: roots are not supported"),
            (
                "iscsi",
                "iscsi:10.0.0.1::::iqn.2026-12.lab:root",
                "iscsi: roots are not supported",
            ),
            (
                "live",
                "live:http://10.0.0.1/squashfs.img",
                "live: roots are not supported",
            ),
            ("zfs", "ZFS=rpool/root", "ZFS= roots are not supported"),
            (
                "a mount(8) operation among the options",
                "nfs:10.0.2.2:/srv:bind,vers=3",
                "mount options of one filesystem mount, got bind",
            ),
            (
                "block: with no device",
                "block:rootfs",
                "a block device after block:",
            ),
        ] {
            let err = parse_root(input).expect_err(label);
            assert!(err.contains(needle), "case {label}: {err}");
        }
    }

    #[test]
    fn nfsroot_forms() {
        let cases = [
            (
                "server, path, options",
                "10.0.2.2:/srv/root,vers=4.2",
                (Some("10.0.2.2"), "/srv/root", vec!["vers=4.2"]),
            ),
            ("path only", "/srv/root", (None, "/srv/root", vec![])),
            (
                "relative goes under tftpboot",
                "node1",
                (None, "/tftpboot/node1", vec![]),
            ),
            ("default", "default", (None, "/tftpboot/%s", vec![])),
            (
                "ipv6",
                "[fd00::2]:/srv,nolock",
                (Some("fd00::2"), "/srv", vec!["nolock"]),
            ),
            (
                "flags are not data",
                "/srv,noatime,ro,tcp",
                (None, "/srv", vec!["tcp"]),
            ),
        ];
        for (label, input, (server, path, opts)) in cases {
            let got = parse_nfsroot(input).unwrap();
            assert_eq!(got.server.as_deref(), server, "case {label}");
            assert_eq!(got.path, path, "case {label}");
            assert_eq!(got.options.data, opts, "case {label}");
        }
    }
}
