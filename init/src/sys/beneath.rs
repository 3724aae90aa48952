//! Paths inside the new root, resolved as the root's own processes will see them.
//!
//! The root is written by nodes and the admin's tools, not by us: an absolute symlink
//! (`.cdsl.local -> /run`), a `..` or a FIFO in it must never send a read, a mount or a
//! directory made by PID 1 into the initramfs, nor hang or flood it. Every path below
//! the root is opened with `openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)` from a
//! handle on the root; files are read only when regular, without following a final
//! symlink, without blocking, and up to a size cap; mounts are made onto (and bind
//! sources taken from) `/proc/self/fd/<n>` of such handles.

use std::ffi::CString;
use std::io::{self, Read as _};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::path::Path;

/// A file read from the root larger than this is refused (an inventory is a few KiB).
pub const READ_CAP: u64 = 1 << 20;

/// `rel` inside `root`, opened with `flags` (O_CLOEXEC added).
pub fn open(root: &Path, rel: &str, flags: i32) -> io::Result<OwnedFd> {
    let dir = open_root(root)?;
    open_at(&dir, rel, flags)
}

fn open_root(root: &Path) -> io::Result<OwnedFd> {
    let c = CString::new(root.as_os_str().as_encoded_bytes())
        .map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    // SAFETY: a valid NUL-terminated path; the returned fd is owned below.
    let fd = unsafe {
        libc::open(
            c.as_ptr(),
            libc::O_PATH | libc::O_DIRECTORY | libc::O_CLOEXEC,
        )
    };
    owned(fd)
}

fn open_at(dir: &OwnedFd, rel: &str, flags: i32) -> io::Result<OwnedFd> {
    let rel = rel.trim_start_matches('/');
    let c = CString::new(if rel.is_empty() { "." } else { rel })
        .map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    // SAFETY: open_how is three integers (libc marks it non-exhaustive, so it cannot
    // be built by a struct expression); all-zero is its valid empty value.
    let mut how: libc::open_how = unsafe { std::mem::zeroed() };
    how.flags = (flags | libc::O_CLOEXEC) as u64;
    how.resolve = libc::RESOLVE_IN_ROOT | libc::RESOLVE_NO_MAGICLINKS;
    // SAFETY: openat2(2) with a valid dirfd, a NUL-terminated path and an open_how of
    // the size passed; the returned fd is owned below.
    let fd = unsafe {
        libc::syscall(
            libc::SYS_openat2,
            dir.as_raw_fd(),
            c.as_ptr(),
            &how as *const libc::open_how,
            std::mem::size_of::<libc::open_how>(),
        )
    };
    // A file descriptor or -1: it fits.
    owned(RawFd::try_from(fd).unwrap_or(-1))
}

fn owned(fd: RawFd) -> io::Result<OwnedFd> {
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: fd was just returned by the kernel and is owned by no one else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// A small regular file's text (invalid UTF-8 replaced): not through a final symlink,
/// never blocking on a FIFO or device, at most [`READ_CAP`] bytes.
pub fn read_file(root: &Path, rel: &str) -> io::Result<String> {
    let fd = open(
        root,
        rel,
        libc::O_RDONLY | libc::O_NOFOLLOW | libc::O_NONBLOCK,
    )?;
    let mut file = std::fs::File::from(fd);
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(io::Error::other("not a regular file"));
    }
    if meta.len() > READ_CAP {
        return Err(io::Error::other(format!(
            "{} bytes, more than the {READ_CAP} read from a root",
            meta.len()
        )));
    }
    let mut bytes = Vec::new();
    file.by_ref().take(READ_CAP).read_to_end(&mut bytes)?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Whether `rel` is a directory inside `root` (symlinks resolved inside the root).
pub fn is_dir(root: &Path, rel: &str) -> bool {
    open(root, rel, libc::O_PATH | libc::O_DIRECTORY).is_ok()
}

/// The directory `rel` inside `root`, made (0755) where missing, as an O_PATH handle.
pub fn make_dirs(root: &Path, rel: &str) -> io::Result<OwnedFd> {
    let dir = open_root(root)?;
    let mut done = String::new();
    for part in rel.split('/').filter(|p| !p.is_empty() && *p != ".") {
        let parent = open_at(&dir, &done, libc::O_PATH | libc::O_DIRECTORY)?;
        let name = CString::new(part).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
        // SAFETY: mkdirat(2) on a valid dirfd and a NUL-terminated name.
        let rc = unsafe { libc::mkdirat(parent.as_raw_fd(), name.as_ptr(), 0o755) };
        done.push('/');
        done.push_str(part);
        if rc != 0 {
            let e = io::Error::last_os_error();
            // An existing directory is not always EEXIST: on a read-only NFS mount the
            // client skips the lookup of an exclusive create and mkdir says EROFS.
            let exists = || open_at(&dir, &done, libc::O_PATH | libc::O_DIRECTORY).is_ok();
            if e.raw_os_error() != Some(libc::EEXIST) && !exists() {
                return Err(e);
            }
        }
    }
    open_at(&dir, &done, libc::O_PATH | libc::O_DIRECTORY)
}

/// The path through which mount(2) reaches what `fd` refers to.
pub fn fd_path(fd: &OwnedFd) -> String {
    format!("/proc/self/fd/{}", fd.as_raw_fd())
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::os::unix::fs::symlink;

    use tempfile::TempDir;

    use super::*;

    /// A root and, beside it, a directory the root's links point at by absolute path.
    struct Trees {
        _dir: TempDir,
        root: std::path::PathBuf,
        outside: std::path::PathBuf,
    }

    fn trees() -> Trees {
        let dir = TempDir::new().unwrap();
        let root = dir.path().join("root");
        let outside = dir.path().join("outside");
        fs::create_dir_all(root.join("etc")).unwrap();
        fs::create_dir_all(&outside).unwrap();
        fs::write(outside.join("secret"), "outside").unwrap();
        fs::write(root.join("etc/inventory"), "inside").unwrap();
        Trees {
            _dir: dir,
            root,
            outside,
        }
    }

    #[test]
    fn absolute_links_and_dotdot_stay_inside_the_root() {
        let t = trees();
        symlink(&t.outside, t.root.join("abs")).unwrap();
        symlink("../../../../../../outside", t.root.join("up")).unwrap();
        symlink("/etc", t.root.join("etc-link")).unwrap();
        // /etc of the root, not of the machine
        assert_eq!(read_file(&t.root, "etc-link/inventory").unwrap(), "inside");
        for rel in ["abs/secret", "up/secret", "../outside/secret"] {
            let e = read_file(&t.root, rel).unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::NotFound, "{rel}: {e}");
        }
        assert!(!is_dir(&t.root, "abs"));
        assert!(is_dir(&t.root, "etc-link"));
        // made inside the root, where the link leads there; nothing made outside
        let fd = make_dirs(&t.root, "etc-link/new/dir").unwrap();
        assert!(fd_path(&fd).starts_with("/proc/self/fd/"));
        assert!(t.root.join("etc/new/dir").is_dir());
        assert!(make_dirs(&t.root, "abs/x").is_err());
        assert_eq!(fs::read_dir(&t.outside).unwrap().count(), 1);
    }

    #[test]
    fn only_small_regular_files_are_read() {
        let t = trees();
        symlink("/dev/zero", t.root.join("zero")).unwrap();
        symlink("inventory", t.root.join("etc/link")).unwrap();
        nix::unistd::mkfifo(
            &t.root.join("fifo"),
            nix::sys::stat::Mode::from_bits_truncate(0o600),
        )
        .unwrap();
        fs::write(t.root.join("big"), vec![b'x'; 1 << 20 | 1]).unwrap();
        // a final symlink is not followed (even to a file inside), a FIFO does not
        // block, a large file is refused
        for rel in ["zero", "etc/link", "fifo", "big", "etc"] {
            assert!(read_file(&t.root, rel).is_err(), "{rel}");
        }
        assert_eq!(read_file(&t.root, "/etc/inventory").unwrap(), "inside");
    }
}
