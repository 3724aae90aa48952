//! Leaving the initramfs: what busybox's and util-linux's switch_root do, plus the
//! record and the `RD_TIMESTAMP` hand-over.
//!
//! Order matters: the init is checked first (nothing is torn down for a root we
//! cannot boot), then /dev, /proc, /sys and /run are moved into the new root, the
//! initramfs is emptied (rootfs cannot be unmounted; its files would hold RAM for the
//! life of the node), the new root is moved onto `/` and we chroot into it and exec.
//! Deleting never crosses into another mount: the new root and the moved API
//! filesystems are on other devices.

use std::convert::Infallible;
use std::ffi::CString;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use crate::state::Key;
use anyhow::{bail, Context, Result};
use nix::mount::{mount, umount2, MntFlags, MsFlags};
use nix::unistd::{chdir, chroot, execve};
use osr_core::plan::SwitchRoot;

/// Moved into the new root, in this order.
const API_MOUNTS: &[&str] = &["/dev", "/proc", "/sys", "/run"];
/// The record the real root finds, relative to its /run.
pub const RECORD_DIR: &str = "run/initramfs";
pub const RECORD_FILE: &str = "osr-rs.state";
/// Symlink hops allowed when resolving the init inside the new root (Linux's MAXSYMLINKS).
const MAX_SYMLINKS: usize = 40;

/// Resolves `path` inside `root`, following symlinks as if `root` were `/`.
pub fn resolve_in_root(root: &Path, path: &str) -> Option<PathBuf> {
    let mut pending: Vec<String> = vec![path.to_string()];
    let mut resolved = PathBuf::new();
    let mut hops = 0;
    while let Some(p) = pending.pop() {
        if p.starts_with('/') {
            resolved = PathBuf::new();
        }
        let comps: Vec<String> = Path::new(&p)
            .components()
            .filter_map(|c| match c {
                Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
                Component::ParentDir => Some("..".to_string()),
                _ => None,
            })
            .collect();
        let mut iter = comps.into_iter();
        while let Some(c) = iter.next() {
            if c == ".." {
                resolved.pop();
                continue;
            }
            let candidate = resolved.join(&c);
            let full = root.join(&candidate);
            match std::fs::read_link(&full) {
                Ok(target) => {
                    hops += 1;
                    if hops > MAX_SYMLINKS {
                        return None;
                    }
                    let rest: Vec<String> = iter.collect();
                    if !rest.is_empty() {
                        pending.push(rest.join("/"));
                    }
                    pending.push(target.to_string_lossy().into_owned());
                    break;
                }
                Err(_) => resolved = candidate,
            }
        }
    }
    Some(root.join(resolved))
}

/// The first candidate that is an executable file inside `root`.
pub fn find_init(root: &Path, candidates: &[String]) -> Result<String> {
    let mut tried = Vec::new();
    for c in candidates {
        let why = match resolve_in_root(root, c).map(std::fs::metadata) {
            None => "symlink loop".to_string(),
            Some(Ok(m)) if m.is_file() && m.permissions().mode() & 0o111 != 0 => {
                return Ok(c.clone())
            }
            Some(Ok(_)) => "not an executable file".to_string(),
            Some(Err(e)) => e.kind().to_string(),
        };
        tried.push(format!("{c} ({why})"));
    }
    let mut top: Vec<String> = std::fs::read_dir(root)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    top.sort();
    bail!(
        "no init in the new root: tried {}; the root holds: {} (is this the right export? name another init with init=)",
        tried.join(", "),
        if top.is_empty() { "nothing".to_string() } else { top.join(" ") }
    )
}

/// Deletes everything under `dir` that lives on device `dev`, not crossing mounts.
/// Returns the number of entries removed.
pub fn delete_tree(dir: &Path, dev: u64) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        if meta.dev() != dev {
            continue;
        }
        if meta.is_dir() {
            removed += delete_tree(&path, dev);
            if std::fs::remove_dir(&path).is_ok() {
                removed += 1;
            }
        } else if std::fs::remove_file(&path).is_ok() {
            removed += 1;
        }
    }
    removed
}

fn move_api_mounts(new_root: &Path) -> Result<()> {
    for m in API_MOUNTS {
        let target = new_root.join(m.trim_start_matches('/'));
        if mount_point(&target)? {
            mount(
                Some(*m),
                &target,
                None::<&str>,
                MsFlags::MS_MOVE,
                None::<&str>,
            )
            .with_context(|| format!("moving {m} to {}", target.display()))?;
        } else {
            // A root without the mount point: the real init must mount its own.
            log::warn!(
                "{} does not exist in the new root; unmounting {m} instead",
                target.display()
            );
            if let Err(e) = umount2(*m, MntFlags::MNT_DETACH) {
                log::warn!("unmounting {m}: {e}");
            }
        }
    }
    Ok(())
}

/// Whether the new root has the directory `target`. Only its absence says no: a stat
/// that fails otherwise (an NFS root on a lossy network) is retried, bounded, then
/// reported, rather than taken for a root without the mount point.
fn mount_point(target: &Path) -> Result<bool> {
    const ATTEMPTS: u32 = 6;
    let mut delay = Duration::from_millis(200);
    for attempt in 1.. {
        match std::fs::metadata(target) {
            Ok(meta) => return Ok(meta.is_dir()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
            Err(e) if attempt < ATTEMPTS => {
                log::warn!(
                    "{}: {e} (attempt {attempt}/{ATTEMPTS}); retrying in {} ms",
                    target.display(),
                    delay.as_millis()
                );
                std::thread::sleep(delay);
                delay *= 2;
            }
            Err(e) => return Err(e).with_context(|| format!("looking up {}", target.display())),
        }
    }
    Ok(false)
}

fn write_record(new_root: &Path, record: &str) -> Result<()> {
    let dir = new_root.join(RECORD_DIR);
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let file = dir.join(RECORD_FILE);
    std::fs::write(&file, record).with_context(|| format!("writing {}", file.display()))
}

pub fn switch_root(s: &SwitchRoot, record: &str) -> Result<Infallible> {
    let new_root = Path::new(&s.new_root);
    let init = find_init(new_root, &s.init)?;
    let root_dev = std::fs::metadata("/").context("stat /")?.dev();
    move_api_mounts(new_root)?;
    let removed = delete_tree(Path::new("/"), root_dev);
    log::info!("freed the initramfs: {removed} entries removed");
    let mut state = crate::state::Record::default();
    state.set(Key::INITRAMFS_FILES_REMOVED, removed);
    state.set(Key::INIT, &init);
    let record = format!("{record}{}", state.text());
    if let Err(e) = write_record(new_root, &record) {
        log::warn!("{e:#}");
    }
    chdir(new_root).with_context(|| format!("chdir {}", new_root.display()))?;
    mount(Some("."), "/", None::<&str>, MsFlags::MS_MOVE, None::<&str>)
        .context("moving the new root onto /")?;
    chroot(".").context("chroot into the new root")?;
    chdir("/").context("chdir / in the new root")?;
    log::info!("switch_root: executing {init}");
    exec_init(&init, &s.args)
}

fn exec_init(init: &str, args: &[String]) -> Result<Infallible> {
    let cstr = |s: &str| CString::new(s).with_context(|| format!("{s:?} contains a NUL byte"));
    let path = cstr(init)?;
    let mut argv = vec![path.clone()];
    for a in args {
        argv.push(cstr(a)?);
    }
    let mut env: Vec<CString> = std::env::vars()
        .filter(|(k, _)| k != "RD_TIMESTAMP")
        .filter_map(|(k, v)| CString::new(format!("{k}={v}")).ok())
        .collect();
    env.push(cstr(&format!(
        "RD_TIMESTAMP={}",
        crate::sys::timestamp::rd_timestamp()
    ))?);
    execve(&path, &argv, &env).with_context(|| format!("executing {init}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn exe(path: &Path) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    #[test]
    fn finds_init_through_absolute_symlinks_inside_the_root() {
        let root = tempfile::tempdir().unwrap();
        exe(&root.path().join("lib/systemd/systemd"));
        std::fs::create_dir_all(root.path().join("sbin")).unwrap();
        symlink("/lib/systemd/systemd", root.path().join("sbin/init")).unwrap();
        let got = find_init(root.path(), &["/sbin/init".to_string()]).unwrap();
        assert_eq!(got, "/sbin/init");
    }

    #[test]
    fn skips_missing_and_non_executable_candidates() {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(root.path().join("etc")).unwrap();
        std::fs::write(root.path().join("etc/init"), "not executable").unwrap();
        exe(&root.path().join("bin/sh"));
        let cands: Vec<String> = ["/sbin/init", "/etc/init", "/bin/sh"]
            .map(String::from)
            .to_vec();
        assert_eq!(find_init(root.path(), &cands).unwrap(), "/bin/sh");
        let err = find_init(root.path(), &cands[..2]).unwrap_err().to_string();
        assert_eq!(
            err,
            "no init in the new root: tried /sbin/init (entity not found), /etc/init (not an executable file); \
             the root holds: bin etc (is this the right export? name another init with init=)"
        );
    }

    #[test]
    fn symlink_loops_and_escapes_stay_inside() {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(root.path().join("sbin")).unwrap();
        symlink("/sbin/loop", root.path().join("sbin/loop")).unwrap();
        assert_eq!(resolve_in_root(root.path(), "/sbin/loop"), None);
        symlink("../../../../etc/passwd", root.path().join("sbin/esc")).unwrap();
        assert_eq!(
            resolve_in_root(root.path(), "/sbin/esc"),
            Some(root.path().join("etc/passwd"))
        );
    }

    #[test]
    fn delete_tree_counts_entries() {
        let root = tempfile::tempdir().unwrap();
        exe(&root.path().join("a/b/c"));
        std::fs::write(root.path().join("top"), "x").unwrap();
        let dev = std::fs::metadata(root.path()).unwrap().dev();
        assert_eq!(delete_tree(root.path(), dev), 4);
        assert_eq!(std::fs::read_dir(root.path()).unwrap().count(), 0);
    }

    #[test]
    fn only_a_missing_mount_point_is_absent() {
        let dir = tempfile::TempDir::new().unwrap();
        std::fs::create_dir(dir.path().join("run")).unwrap();
        std::fs::write(dir.path().join("sys"), "").unwrap();
        assert!(mount_point(&dir.path().join("run")).unwrap());
        assert!(!mount_point(&dir.path().join("sys")).unwrap());
        assert!(!mount_point(&dir.path().join("proc")).unwrap());
    }
}
