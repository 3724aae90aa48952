//! One attempt at a cluster.conf `<filesystem>` mount inside the new root.
//!
//! The target (and a bind's source) are opened with [`beneath`], so a symlink in the
//! root never leads the mount out of it; mount(2) then runs on a thread with a
//! deadline (a dead NFS server), holding those handles until it returns, so that the
//! `/proc/self/fd/<n>` it was given never names another file. A target that is the
//! root itself (a node's `data -> /` link) is refused.

use std::path::Path;
use std::time::Duration;

use std::os::fd::{AsRawFd, OwnedFd};

use anyhow::{bail, Context, Result};
use nix::mount::MsFlags;
use osr_core::plan::{FsCall, FsKind};

use super::beneath;
use super::linux::{mount_with_deadline, ms_flags};

/// `mount(source, <root>/target, fstype, flags, data)`, `target` made if missing; for
/// a bind `MS_BIND` (with `MS_REC` for rbind), then
/// `mount(NULL, target, NULL, MS_REMOUNT | MS_BIND | flags, NULL)` when it has flags,
/// since a bind takes its flags from its source. A failed mount(2) leaves its
/// [`Errno`](nix::errno::Errno) in the error's chain.
pub fn mount(root: &str, m: &FsCall, timeout: Duration) -> Result<()> {
    let shown = m.shown_target();
    let target = beneath::make_dirs(Path::new(root), &m.target)
        .with_context(|| format!("creating {shown} inside {root}"))?;
    if same_file(&target, &beneath::open(Path::new(root), "/", libc::O_PATH)?)? {
        bail!(
            "{} inside {root} is the new root itself (through a link or ..): not mounted over",
            m.target
        );
    }
    let flags = ms_flags(m.flags, m.read_only);
    let what = || format!("mount {} on {shown} ({})", m.source, m.data);
    let target_path = beneath::fd_path(&target);
    match &m.kind {
        FsKind::Fs(fstype) => mount_with_deadline(
            m.source.clone(),
            &target_path,
            Some(fstype.clone()),
            flags,
            (!m.data.is_empty()).then(|| m.data.clone()),
            timeout,
            vec![target],
        )
        .with_context(what),
        FsKind::Bind { recursive } => {
            let source = beneath::open(Path::new(root), &m.source, libc::O_PATH)
                .with_context(|| format!("opening {} inside {root}", m.source))?;
            let mut bind = MsFlags::MS_BIND;
            if *recursive {
                bind |= MsFlags::MS_REC;
            }
            let source_path = beneath::fd_path(&source);
            let what = || format!("bind {} on {shown}", m.source);
            let held = vec![target, source];
            mount_with_deadline(source_path, &target_path, None, bind, None, timeout, held)
                .with_context(what)?;
            if flags.is_empty() {
                return Ok(());
            }
            // The handle made before names the directory under the bind: the remount
            // needs the bind itself, so the target is opened again.
            let bound = beneath::open(Path::new(root), &m.target, libc::O_PATH | libc::O_DIRECTORY)
                .with_context(|| format!("opening {shown} inside {root}"))?;
            let remount = MsFlags::MS_REMOUNT | MsFlags::MS_BIND | flags;
            mount_with_deadline(
                String::new(),
                &beneath::fd_path(&bound),
                None,
                remount,
                None,
                timeout,
                vec![bound],
            )
            .with_context(|| format!("{}: applying its flags", what()))
        }
    }
}

/// Whether two handles are the same directory (device and inode).
fn same_file(a: &OwnedFd, b: &OwnedFd) -> Result<bool> {
    let (a, b) = (
        nix::sys::stat::fstat(a.as_raw_fd())?,
        nix::sys::stat::fstat(b.as_raw_fd())?,
    );
    Ok((a.st_dev, a.st_ino) == (b.st_dev, b.st_ino))
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::symlink;

    use osr_core::mountopts::MountFlags;

    use super::*;

    /// A node-written `data -> /` leads, inside the root, to the root itself: refused
    /// before mount(2) (the type is unknown, so a mount tried would fail otherwise).
    #[test]
    fn a_target_that_is_the_root_itself_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_str().unwrap();
        symlink("/", dir.path().join("data")).unwrap();
        std::fs::create_dir(dir.path().join("var")).unwrap();
        let call = |target: &str| FsCall {
            source: "none".into(),
            target: target.into(),
            kind: FsKind::Fs("osr-test-no-such-fs".into()),
            flags: MountFlags::empty(),
            read_only: false,
            data: String::new(),
        };
        for target in ["/data", "/var/.."] {
            let err = mount(root, &call(target), Duration::from_secs(5)).unwrap_err();
            assert!(
                format!("{err:#}").contains("is the new root itself"),
                "{target}: {err:#}"
            );
        }
        // an ordinary directory reaches mount(2), which knows no such type
        let err = mount(root, &call("/var"), Duration::from_secs(5)).unwrap_err();
        assert!(format!("{err:#}").contains("mount none"), "{err:#}");
    }
}
