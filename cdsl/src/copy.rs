//! `cp -a`: a tree copied with its modes, owners, timestamps, symlinks (as links),
//! device nodes, fifos and extended attributes, handle to handle (see
//! `beneath`): the source is opened `O_NOFOLLOW`, every copy is made new
//! (`O_EXCL`, `mkdirat`, `symlinkat`, `mknodat`) and its owner and mode are set
//! on the open handle, or with `AT_SYMLINK_NOFOLLOW`.
//!
//! Not preserved: hard links inside the copied tree (each link becomes its own
//! file) and ACLs other than through their `system.posix_acl_*` xattrs.

use std::io;
use std::os::fd::{AsFd, BorrowedFd};

use anyhow::{bail, Context, Result};
use rustix::fs::{
    chownat, fchmod, fchown, fstat, futimens, mknodat, utimensat, AtFlags, FileType, Gid, Mode,
    Stat, Timespec, Timestamps, Uid,
};

use crate::beneath::Dir;
use crate::xattr;

/// Copies `from` to `to` below `root`; `to` must not exist, its parent must.
pub fn copy_all(root: &Dir, from: &str, to: &str) -> Result<()> {
    let (src, name) = root
        .parent(from)?
        .with_context(|| format!("{}: missing", root.show(from).display()))?;
    let (dst, new) = root
        .parent(to)?
        .with_context(|| format!("{}: parent missing", root.show(to).display()))?;
    copy_entry(&src, name, &dst, new)
}

fn copy_entry(src: &Dir, name: &str, dst: &Dir, new: &str) -> Result<()> {
    let from = src.show(name);
    let st = src
        .stat(name)?
        .with_context(|| format!("{}: missing", from.display()))?;
    match FileType::from_raw_mode(st.st_mode) {
        FileType::Directory => {
            let s = src
                .sub(name)?
                .with_context(|| format!("{}: missing", from.display()))?;
            let d = dst.mkdir(new)?;
            for n in s.list()? {
                copy_entry(&s, &n, &d, &n)?;
            }
            let st = fstat(s.fd()).with_context(|| format!("inspecting {}", from.display()))?;
            let show = d.path().to_path_buf();
            set_owner_mode(d.fd(), &st).with_context(|| show.display().to_string())?;
            xattr::copy(&src.proc_path(name), &dst.proc_path(new))?;
            futimens(d.fd(), &times(&st)).with_context(|| format!("times of {}", show.display()))
        }
        FileType::RegularFile => {
            let mut f = src.open_file(name)?;
            let mut t = dst.create_file(new)?;
            let show = dst.show(new);
            io::copy(&mut f, &mut t)
                .with_context(|| format!("copying {} to {}", from.display(), show.display()))?;
            let st = fstat(&f).with_context(|| format!("inspecting {}", from.display()))?;
            set_owner_mode(t.as_fd(), &st).with_context(|| show.display().to_string())?;
            xattr::copy(&src.proc_path(name), &dst.proc_path(new))?;
            futimens(&t, &times(&st)).with_context(|| format!("times of {}", show.display()))
        }
        FileType::Symlink => {
            let target = src.read_link(name)?;
            dst.symlink(&target, new)?;
            at_metadata(src, name, dst, new, &st)
        }
        ft @ (FileType::Fifo
        | FileType::Socket
        | FileType::CharacterDevice
        | FileType::BlockDevice) => {
            // The process umask is 0 while a plan runs (plan::execute), so the
            // mode is the source's.
            mknodat(dst.fd(), new, ft, perm(&st), st.st_rdev)
                .with_context(|| format!("mknod {}", dst.show(new).display()))?;
            at_metadata(src, name, dst, new, &st)
        }
        FileType::Unknown => bail!("{}: unknown file type {:o}", from.display(), st.st_mode),
    }
}

fn perm(st: &Stat) -> Mode {
    Mode::from_raw_mode(st.st_mode & 0o7777)
}

// `st_atime` and friends are `i64` here, but `c_long`/`c_ulong` of other widths
// on other architectures: the conversions are not useless everywhere.
#[allow(clippy::useless_conversion)]
fn times(st: &Stat) -> Timestamps {
    let ts = |sec, nsec| Timespec {
        tv_sec: sec,
        tv_nsec: nsec,
    };
    Timestamps {
        last_access: ts(
            i64::try_from(st.st_atime).unwrap_or(0),
            i64::try_from(st.st_atime_nsec).unwrap_or(0),
        ),
        last_modification: ts(
            i64::try_from(st.st_mtime).unwrap_or(0),
            i64::try_from(st.st_mtime_nsec).unwrap_or(0),
        ),
    }
}

/// Owner, then mode (a chown clears set-id bits), on the open handle.
fn set_owner_mode(fd: BorrowedFd<'_>, st: &Stat) -> Result<()> {
    fchown(
        fd,
        Some(Uid::from_raw(st.st_uid)),
        Some(Gid::from_raw(st.st_gid)),
    )
    .with_context(|| format!("chown {}:{}", st.st_uid, st.st_gid))?;
    fchmod(fd, perm(st)).with_context(|| format!("chmod {:o}", st.st_mode & 0o7777))
}

/// A symlink's or device node's owner, xattrs and times, by name with
/// `AT_SYMLINK_NOFOLLOW` (it has no handle to set them on).
fn at_metadata(src: &Dir, name: &str, dst: &Dir, new: &str, st: &Stat) -> Result<()> {
    let show = dst.show(new);
    let (uid, gid) = (Uid::from_raw(st.st_uid), Gid::from_raw(st.st_gid));
    chownat(
        dst.fd(),
        new,
        Some(uid),
        Some(gid),
        AtFlags::SYMLINK_NOFOLLOW,
    )
    .with_context(|| format!("chown {}:{} {}", st.st_uid, st.st_gid, show.display()))?;
    xattr::copy(&src.proc_path(name), &dst.proc_path(new))?;
    utimensat(dst.fd(), new, &times(st), AtFlags::SYMLINK_NOFOLLOW)
        .with_context(|| format!("setting the times of {}", show.display()))
}
