//! Extended attributes of a path, not following a symlink (`llistxattr`,
//! `lgetxattr`, `lsetxattr`). A filesystem without xattrs (ENOTSUP) has none to
//! copy, and one that refuses a namespace to us (EPERM on `trusted.*` as non-root,
//! ENOTSUP for `user.*` on a symlink) is skipped, as `cp -a` does.
//!
//! Below the root, `copy` is given `/proc/self/fd/<dir>/<name>` (see
//! `beneath::Dir::proc_path`): the directory is our open handle and the `l*`
//! calls do not follow `name`, so nothing a node planted is followed.

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use anyhow::{Context, Result};
use nix::errno::Errno;

fn c_path(p: &Path) -> Result<CString> {
    CString::new(p.as_os_str().as_bytes()).with_context(|| format!("{}: NUL in path", p.display()))
}

/// Calls `f(buf, len)` twice: once for the size, once to fill the buffer.
fn sized(f: impl Fn(*mut libc::c_void, usize) -> libc::ssize_t) -> Result<Vec<u8>, Errno> {
    loop {
        let n = Errno::result(f(std::ptr::null_mut(), 0))?;
        let mut buf = vec![0u8; usize::try_from(n).unwrap_or(0)];
        match Errno::result(f(buf.as_mut_ptr().cast(), buf.len())) {
            Ok(got) => {
                buf.truncate(usize::try_from(got).unwrap_or(0));
                return Ok(buf);
            }
            // It grew between the two calls: ask again.
            Err(Errno::ERANGE) => continue,
            Err(e) => return Err(e),
        }
    }
}

fn skippable(e: Errno) -> bool {
    matches!(e, Errno::ENOTSUP | Errno::EPERM | Errno::ENODATA)
}

/// Copies every attribute of `from` onto `to`.
pub fn copy(from: &Path, to: &Path) -> Result<()> {
    let (src, dst) = (c_path(from)?, c_path(to)?);
    // SAFETY: `src` is a NUL-terminated path and the buffer/length pair comes from
    // `sized`, which passes either (null, 0) or a live buffer of that length.
    let names = match sized(|b, l| unsafe { libc::llistxattr(src.as_ptr(), b.cast(), l) }) {
        Ok(n) => n,
        Err(e) if skippable(e) => return Ok(()),
        Err(e) => return Err(e).with_context(|| format!("listing xattrs of {}", from.display())),
    };
    for name in names.split(|b| *b == 0).filter(|n| !n.is_empty()) {
        let cname = CString::new(name).context("xattr name")?;
        // SAFETY: as above; `cname` is NUL-terminated.
        let value = sized(|b, l| unsafe { libc::lgetxattr(src.as_ptr(), cname.as_ptr(), b, l) });
        let value = match value {
            Ok(v) => v,
            Err(e) if skippable(e) => continue,
            Err(e) => {
                return Err(e).with_context(|| {
                    format!(
                        "reading xattr {} of {}",
                        cname.to_string_lossy(),
                        from.display()
                    )
                })
            }
        };
        // SAFETY: `dst` and `cname` are NUL-terminated; `value` is live for the call.
        let rc = unsafe {
            libc::lsetxattr(
                dst.as_ptr(),
                cname.as_ptr(),
                value.as_ptr().cast(),
                value.len(),
                0,
            )
        };
        match Errno::result(rc) {
            Ok(_) => {}
            Err(e) if skippable(e) => {}
            Err(e) => {
                return Err(e).with_context(|| {
                    format!(
                        "setting xattr {} on {}",
                        cname.to_string_lossy(),
                        to.display()
                    )
                })
            }
        }
    }
    Ok(())
}
