//! The daemons' root ([`super::Layout::root`]): a tmpfs on the initramfs holding a
//! copy of the stack dracut installed, the directories the daemons write to, and
//! their own proc, sysfs, configfs and devtmpfs plus the initramfs's /dev/shm
//! ([`API_MOUNTS`]). Why they run chrooted there is in the parent module.

use std::fs;
use std::os::unix::fs::{symlink, MetadataExt, PermissionsExt};
use std::path::Path;

use anyhow::{bail, Context, Result};
use nix::mount::{mount, MsFlags};

/// Directories the daemons write to: corosync's state_dir (ringid files), its pid
/// file in /var/run, dlm_controld's /run/dlm lock file, libqb's /dev/shm.
const STATE_DIRS: &[&str] = &[
    "var/lib/corosync",
    "var/log/cluster",
    "run/dlm",
    "tmp",
    "etc/corosync",
    "etc/dlm",
];

/// A filesystem the daemons need in their root, mounted in this order.
#[derive(Debug, Clone, Copy)]
pub struct ApiMount {
    pub fstype: &'static str,
    /// Relative to the daemons' root.
    pub target: &'static str,
    /// Device nodes allowed (devtmpfs); otherwise nosuid, noexec, nodev.
    pub exec: bool,
    pub data: Option<&'static str>,
    /// Bind this mount of the initramfs (mounted first if it is none) instead of a
    /// fresh instance.
    pub bind: Option<&'static str>,
}

const fn api(fstype: &'static str, target: &'static str) -> ApiMount {
    ApiMount {
        fstype,
        target,
        exec: false,
        data: None,
        bind: None,
    }
}

/// corosync needs /proc and /dev/shm (libqb's IPC rings); dlm_controld /sys
/// (/sys/kernel/dlm), configfs (/sys/kernel/config/dlm) and /dev (the dlm misc
/// devices). Fresh instances where a bind would move away with the initramfs's
/// mounts at switch_root. /dev/shm is the exception: a libqb client opens the
/// rings the server made by name in its own /dev/shm, so the initramfs's
/// /dev/shm tmpfs is shared with the daemons; it moves into the real root with
/// /dev (systemd keeps a /dev/shm that is mounted already), where
/// `corosync-quorumtool` and other clients can then reach this corosync.
pub const API_MOUNTS: &[ApiMount] = &[
    api("proc", "proc"),
    api("sysfs", "sys"),
    api("configfs", "sys/kernel/config"),
    ApiMount {
        fstype: "devtmpfs",
        target: "dev",
        exec: true,
        data: None,
        bind: None,
    },
    ApiMount {
        fstype: "tmpfs",
        target: "dev/shm",
        exec: false,
        data: Some("mode=1777"),
        bind: Some("/dev/shm"),
    },
];

/// `mount -t configfs none <path>` unless something is mounted there already.
pub fn mount_configfs(path: &Path) -> Result<()> {
    mount_if_needed("configfs", path, "configfs", MsFlags::empty(), None)
}

/// Whether `path` is the root of a mount: another device than its parent.
pub fn is_mountpoint(path: &Path) -> bool {
    match (fs::metadata(path), fs::metadata(path.join(".."))) {
        (Ok(m), Ok(parent)) => m.dev() != parent.dev() || m.ino() == parent.ino(),
        _ => false,
    }
}

fn mount_if_needed(
    source: &str,
    target: &Path,
    fstype: &str,
    flags: MsFlags,
    data: Option<&str>,
) -> Result<()> {
    if is_mountpoint(target) {
        return Ok(());
    }
    fs::create_dir_all(target).with_context(|| format!("creating {}", target.display()))?;
    mount(Some(source), target, Some(fstype), flags, data)
        .with_context(|| format!("mounting {fstype} on {}", target.display()))
}

/// A tmpfs at `root` with a copy of `tree`, the API filesystems and the state dirs.
pub(super) fn prepare_root(root: &Path, tree: &Path, api_mounts: &[ApiMount]) -> Result<()> {
    if !tree.is_dir() {
        bail!(
            "{} is missing: the image has no cluster stack (dracut.conf: osr_cluster_stack=dlm)",
            tree.display()
        );
    }
    mount_if_needed(
        "tmpfs",
        root,
        "tmpfs",
        MsFlags::MS_NOSUID,
        Some("mode=0755"),
    )?;
    copy_tree(tree, root).with_context(|| {
        format!(
            "copying the stack from {} to {}",
            tree.display(),
            root.display()
        )
    })?;
    for d in STATE_DIRS {
        let p = root.join(d);
        fs::create_dir_all(&p).with_context(|| format!("creating {}", p.display()))?;
    }
    let var_run = root.join("var/run");
    if fs::symlink_metadata(&var_run).is_err() {
        symlink("../run", &var_run).with_context(|| format!("linking {}", var_run.display()))?;
    }
    for m in api_mounts {
        let flags = if m.exec {
            MsFlags::MS_NOSUID
        } else {
            MsFlags::MS_NOSUID | MsFlags::MS_NOEXEC | MsFlags::MS_NODEV
        };
        let target = root.join(m.target);
        match m.bind {
            None => mount_if_needed(m.fstype, &target, m.fstype, flags, m.data)?,
            Some(src) => {
                mount_if_needed(m.fstype, Path::new(src), m.fstype, flags, m.data)?;
                bind_if_needed(Path::new(src), &target)?;
            }
        }
    }
    Ok(())
}

/// `mount --bind <src> <target>` unless `target` is a mount point already.
fn bind_if_needed(src: &Path, target: &Path) -> Result<()> {
    if is_mountpoint(target) {
        return Ok(());
    }
    fs::create_dir_all(target).with_context(|| format!("creating {}", target.display()))?;
    mount(
        Some(src),
        target,
        None::<&str>,
        MsFlags::MS_BIND,
        None::<&str>,
    )
    .with_context(|| format!("binding {} on {}", src.display(), target.display()))
}

/// Copies `from` into `to` (directories, files with their modes, symlinks as
/// links); entries already present are left alone.
pub fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let src = entry.path();
        let dst = to.join(entry.file_name());
        let meta = fs::symlink_metadata(&src)?;
        if fs::symlink_metadata(&dst).is_ok() && !meta.is_dir() {
            continue;
        }
        if meta.file_type().is_symlink() {
            symlink(fs::read_link(&src)?, &dst)?;
        } else if meta.is_dir() {
            copy_tree(&src, &dst)?;
            fs::set_permissions(&dst, fs::Permissions::from_mode(meta.mode() & 0o7777))?;
        } else {
            fs::copy(&src, &dst)?;
        }
    }
    Ok(())
}
