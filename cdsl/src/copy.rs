//! `cp -a`: a tree copied with its modes, owners, timestamps, symlinks (as links),
//! device nodes, fifos and extended attributes.
//!
//! Not preserved: hard links inside the copied tree (each link becomes its own
//! file) and ACLs other than through their `system.posix_acl_*` xattrs.

use std::fs;
use std::os::unix::fs::{lchown, symlink, MetadataExt, PermissionsExt};
use std::path::Path;

use anyhow::{bail, Context, Result};
use nix::sys::stat::{mknod, utimensat, Mode, SFlag, UtimensatFlags};
use nix::sys::time::TimeSpec;

use crate::xattr;

/// Copies `from` to `to`, which must not exist; its parent must.
pub fn copy_all(from: &Path, to: &Path) -> Result<()> {
    let md = fs::symlink_metadata(from).with_context(|| format!("reading {}", from.display()))?;
    let ft = md.file_type();
    if ft.is_symlink() {
        let target = fs::read_link(from).with_context(|| format!("reading {}", from.display()))?;
        symlink(&target, to).with_context(|| format!("creating symlink {}", to.display()))?;
    } else if ft.is_dir() {
        fs::create_dir(to).with_context(|| format!("creating {}", to.display()))?;
        let mut entries = fs::read_dir(from)
            .with_context(|| format!("listing {}", from.display()))?
            .collect::<Result<Vec<_>, _>>()
            .with_context(|| format!("listing {}", from.display()))?;
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            copy_all(&e.path(), &to.join(e.file_name()))?;
        }
    } else if ft.is_file() {
        fs::copy(from, to)
            .with_context(|| format!("copying {} to {}", from.display(), to.display()))?;
    } else {
        make_node(&md, to)?;
    }
    copy_metadata(from, to, &md)
}

/// A device node, fifo or socket, as `mknod` makes them.
fn make_node(md: &fs::Metadata, to: &Path) -> Result<()> {
    let kind = SFlag::from_bits_truncate(md.mode() & libc::S_IFMT);
    let perm = Mode::from_bits_truncate(md.mode() & 0o7777);
    if kind.is_empty() {
        bail!("{}: unknown file type {:o}", to.display(), md.mode());
    }
    mknod(to, kind, perm, md.rdev()).with_context(|| format!("mknod {}", to.display()))
}

/// Owner, then mode (a chown clears set-id bits), then xattrs, then times (last,
/// since everything before touches the ctime and, for directories, the mtime).
fn copy_metadata(from: &Path, to: &Path, md: &fs::Metadata) -> Result<()> {
    lchown(to, Some(md.uid()), Some(md.gid()))
        .with_context(|| format!("chown {}:{} {}", md.uid(), md.gid(), to.display()))?;
    if !md.file_type().is_symlink() {
        fs::set_permissions(to, fs::Permissions::from_mode(md.mode() & 0o7777))
            .with_context(|| format!("chmod {:o} {}", md.mode() & 0o7777, to.display()))?;
    }
    xattr::copy(from, to)?;
    let atime = TimeSpec::new(md.atime(), md.atime_nsec());
    let mtime = TimeSpec::new(md.mtime(), md.mtime_nsec());
    utimensat(None, to, &atime, &mtime, UtimensatFlags::NoFollowSymlink)
        .with_context(|| format!("setting the times of {}", to.display()))
}
