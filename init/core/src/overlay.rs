//! The in-memory overlay that makes one read-only root writable per node.
//!
//! `rootovl` (fedora-live-netroot, FAI/Debian), `rd.overlay[=tmpfs[:size=..][,nr_inodes=..]]`
//! and dracut's `rd.live.overlay.overlayfs` all mean the same here: the network root
//! is the read-only lower layer, a tmpfs holds the upper layer, and the overlay
//! becomes the new root. Both layers stay visible to admins in the real root: under
//! `/run/initramfs/overlay/` (the initramfs's /run is moved into the real root) and at
//! the legacy `/live/image` (lower) and `/live/cow` (the tmpfs; `df /live/cow` shows
//! how full it is), with the upper layer also at `/live/cow/rw`, where the FAI/Debian
//! `overlay-root` module showed it (it bound its `/cow/rw` at `/live/cow`).

use crate::ip::Expected;

pub const LOWER: &str = "/run/initramfs/overlay/lower";
pub const COW: &str = "/run/initramfs/overlay/cow";
/// The tmpfs default, written out: half of RAM, which is what the legacy module got
/// by setting no size. A node that fills it gets ENOSPC, not an OOM kill, because
/// tmpfs pages can be swapped out only to swap a diskless node does not have; an
/// admin who wants a smaller share of RAM sets `size=`.
pub const DEFAULT_SIZE: &str = "50%";
/// Overlay options that hold on an NFS lower layer: the index, inode-number
/// translation, metadata-only copy-up and redirects all need lower-layer features
/// (file handles, xattrs) that NFS does not give an overlay reliably.
pub const NFS_LOWER_OPTIONS: &str = "index=off,xino=off,metacopy=off,redirect_dir=off";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverlaySpec {
    /// tmpfs `size=`: bytes, with k/m/g, or a percentage of RAM.
    pub size: String,
    pub nr_inodes: Option<String>,
}

impl Default for OverlaySpec {
    fn default() -> Self {
        OverlaySpec {
            size: DEFAULT_SIZE.to_string(),
            nr_inodes: None,
        }
    }
}

const RD_OVERLAY_FORM: &str =
    "nothing, 0/1, or tmpfs[:size=<bytes|N[kmg]|N%>][,nr_inodes=<N[kmg]>]";

/// `rd.overlay`'s value: `None` for `0`/`no`, a spec otherwise.
pub fn parse_rd_overlay(value: &str) -> Result<Option<OverlaySpec>, Expected> {
    match value {
        "" | "1" | "yes" | "on" | "tmpfs" => return Ok(Some(OverlaySpec::default())),
        "0" | "no" | "off" => return Ok(None),
        _ => {}
    }
    let opts = value
        .strip_prefix("tmpfs:")
        .ok_or_else(|| RD_OVERLAY_FORM.to_string())?;
    let mut spec = OverlaySpec::default();
    for opt in opts.split(',').filter(|o| !o.is_empty()) {
        match opt.split_once('=') {
            Some(("size", v)) if is_size(v, true) => spec.size = v.to_string(),
            Some(("nr_inodes", v)) if is_size(v, false) => spec.nr_inodes = Some(v.to_string()),
            _ => return Err(format!("{RD_OVERLAY_FORM}, got '{opt}'")),
        }
    }
    Ok(Some(spec))
}

/// `N`, `N[kKmMgG]`, or (with `percent`) `N%` with N in 1..=100.
fn is_size(v: &str, percent: bool) -> bool {
    if let Some(p) = v.strip_suffix('%') {
        return percent && p.parse::<u8>().is_ok_and(|n| (1..=100).contains(&n));
    }
    let digits = v.trim_end_matches(['k', 'K', 'm', 'M', 'g', 'G']);
    v.len() - digits.len() <= 1
        && !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && digits.parse::<u64>().is_ok_and(|n| n > 0)
}

/// One mount(2) call. The executor creates `target` first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    pub source: String,
    pub target: String,
    pub fstype: Option<String>,
    pub bind: bool,
    pub read_only: bool,
    pub data: String,
    /// The new root `target` lies in (and a bind's `source`, when it starts with it):
    /// the part below it is resolved as the root's own processes see it, so that a
    /// symlink in the root never leads a mount out of it. `None`: an initramfs path.
    pub root: Option<String>,
}

/// The tmpfs for the upper layer.
pub fn tmpfs_mount(spec: &OverlaySpec) -> Mount {
    let mut data = format!("mode=0755,size={}", spec.size);
    if let Some(n) = &spec.nr_inodes {
        data.push_str(&format!(",nr_inodes={n}"));
    }
    Mount {
        source: "tmpfs".to_string(),
        target: COW.to_string(),
        fstype: Some("tmpfs".to_string()),
        bind: false,
        read_only: false,
        data,
        root: None,
    }
}

/// The directories inside the tmpfs that the overlay needs.
pub fn cow_dirs() -> [String; 2] {
    [format!("{COW}/upper"), format!("{COW}/work")]
}

/// The overlay itself, on `new_root`.
pub fn overlay_mount(new_root: &str) -> Mount {
    Mount {
        source: "overlay".to_string(),
        target: new_root.to_string(),
        fstype: Some("overlay".to_string()),
        bind: false,
        read_only: false,
        data: format!(
            "lowerdir={LOWER},upperdir={COW}/upper,workdir={COW}/work,{NFS_LOWER_OPTIONS}"
        ),
        root: None,
    }
}

/// The legacy places admins look, in order: `/live/image` (the lower), `/live/cow` (the
/// tmpfs) and `/live/cow/rw` (the upper layer, under the name the FAI/Debian module gave
/// it; its mount point is made in the tmpfs, through the `/live/cow` bind).
pub fn legacy_binds(new_root: &str) -> Vec<Mount> {
    let upper = format!("{COW}/upper");
    [(LOWER, "image"), (COW, "cow"), (upper.as_str(), "cow/rw")]
        .iter()
        .map(|(src, name)| Mount {
            source: src.to_string(),
            target: format!("{new_root}/live/{name}"),
            fstype: None,
            bind: true,
            read_only: false,
            data: String::new(),
            root: Some(new_root.to_string()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rd_overlay_forms() {
        let spec = |size: &str, n: Option<&str>| {
            Some(OverlaySpec {
                size: size.into(),
                nr_inodes: n.map(str::to_string),
            })
        };
        let cases = [
            ("", spec("50%", None)),
            ("1", spec("50%", None)),
            ("tmpfs", spec("50%", None)),
            ("tmpfs:size=512m", spec("512m", None)),
            ("tmpfs:size=25%", spec("25%", None)),
            (
                "tmpfs:size=1073741824,nr_inodes=100k",
                spec("1073741824", Some("100k")),
            ),
            ("tmpfs:nr_inodes=5000", spec("50%", Some("5000"))),
            ("0", None),
        ];
        for (v, want) in cases {
            assert_eq!(parse_rd_overlay(v), Ok(want), "{v}");
        }
        for bad in [
            "disk",
            "tmpfs:size=",
            "tmpfs:size=12x",
            "tmpfs:size=0",
            "tmpfs:size=150%",
            "tmpfs:nr_inodes=10%",
            "tmpfs:mode=0700",
            "tmpfs:size=1mm",
        ] {
            let err = parse_rd_overlay(bad).unwrap_err();
            assert!(err.starts_with("nothing, 0/1, or tmpfs["), "{bad}: {err}");
        }
    }

    #[test]
    fn mounts_in_order() {
        let spec = OverlaySpec {
            size: "64m".into(),
            nr_inodes: Some("1000".into()),
        };
        assert_eq!(tmpfs_mount(&spec).data, "mode=0755,size=64m,nr_inodes=1000");
        let o = overlay_mount("/sysroot");
        assert_eq!(o.target, "/sysroot");
        assert_eq!(
            o.data,
            "lowerdir=/run/initramfs/overlay/lower,upperdir=/run/initramfs/overlay/cow/upper,workdir=/run/initramfs/overlay/cow/work,index=off,xino=off,metacopy=off,redirect_dir=off"
        );
        let b = legacy_binds("/sysroot");
        assert_eq!(
            b.iter()
                .map(|m| (m.source.as_str(), m.target.as_str(), m.bind))
                .collect::<Vec<_>>(),
            [
                ("/run/initramfs/overlay/lower", "/sysroot/live/image", true),
                ("/run/initramfs/overlay/cow", "/sysroot/live/cow", true),
                (
                    "/run/initramfs/overlay/cow/upper",
                    "/sysroot/live/cow/rw",
                    true
                )
            ]
        );
    }
}
