//! Every file operation of osr-cdsl below `--root`, through directory handles
//! (issue 13, point 1). A node that can write its own CDSL directory (NFS
//! exported read-write, GFS2, OCFS2) can plant a symlink anywhere below it at any
//! time, so a path checked earlier means nothing when it is acted on later.
//!
//! - A path is resolved with `openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS)`;
//!   when that fails (ENOSYS before Linux 5.6, or an error to explain) it is
//!   walked one component at a time with `O_NOFOLLOW`, which names the component
//!   that is not a directory.
//! - The last component is acted on with the `*at` call on its parent's handle,
//!   never followed: `fstatat(AT_SYMLINK_NOFOLLOW)`, `unlinkat`, `mkdirat`,
//!   `symlinkat`, `readlinkat`, `openat(O_NOFOLLOW)`, and `O_CREAT | O_EXCL` for
//!   a new file.
//! - A tree is removed by walking it with handles, never by path.
//! - A backup is made by `renameat2(RENAME_NOREPLACE)` between parent handles:
//!   the new name is never followed, and never replaces what is there.
//!
//! Symlinks are created and read (the CDSL links themselves), never followed.
//! Paths given here are relative, `/`-separated and normalised (no `.`, `..` or
//! empty components); anything else is refused.

use std::ffi::OsStr;
use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use rustix::fs::{
    fchmod, fstat, mkdirat, openat, openat2, readlinkat, renameat, renameat_with, statat,
    symlinkat, unlinkat, AtFlags, FileType, Mode, OFlags, RenameFlags, ResolveFlags, Stat, CWD,
};
use rustix::io::Errno;

/// What a path is, not following a symlink.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Missing,
    Dir,
    Symlink,
    /// A file, device, fifo or socket.
    Other,
}

impl Kind {
    pub fn describe(self) -> &'static str {
        match self {
            Kind::Missing => "nothing",
            Kind::Dir => "a directory",
            Kind::Symlink => "a symlink",
            Kind::Other => "a file",
        }
    }

    pub fn of(st: &Stat) -> Kind {
        match FileType::from_raw_mode(st.st_mode) {
            FileType::Directory => Kind::Dir,
            FileType::Symlink => Kind::Symlink,
            _ => Kind::Other,
        }
    }
}

const DIR_FLAGS: OFlags = OFlags::RDONLY
    .union(OFlags::DIRECTORY)
    .union(OFlags::NOFOLLOW)
    .union(OFlags::CLOEXEC);

/// An open directory, and its path for messages.
#[derive(Debug)]
pub struct Dir {
    fd: OwnedFd,
    path: PathBuf,
}

/// One plain name: what a `*at` call may be given without following anything
/// but the name itself.
fn plain(name: &str) -> bool {
    !name.is_empty() && name != "." && name != ".." && !name.contains(['/', '\0'])
}

/// `rel` as (parent, last name); the parent is "" for a name in the directory.
pub fn split(rel: &str) -> (&str, &str) {
    rel.rsplit_once('/').unwrap_or(("", rel))
}

impl Dir {
    /// `open(path, O_DIRECTORY | O_NOFOLLOW)`: the root the admin named.
    pub fn open_root(path: &Path) -> Result<Dir> {
        let fd = openat(CWD, path, DIR_FLAGS, Mode::empty())
            .with_context(|| format!("root {}: expected a directory", path.display()))?;
        Ok(Dir {
            fd,
            path: path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    /// The path of `rel` below this directory, for messages.
    pub fn show(&self, rel: &str) -> PathBuf {
        match rel {
            "" => self.path.clone(),
            rel => self.path.join(rel),
        }
    }

    /// `p`, a path below this directory as `show` prints it, relative to it.
    pub fn rel<'a>(&self, p: &'a Path) -> Result<&'a str> {
        p.strip_prefix(&self.path)
            .ok()
            .and_then(Path::to_str)
            .filter(|r| !r.is_empty())
            .with_context(|| {
                format!(
                    "{}: expected a path below {}",
                    p.display(),
                    self.path.display()
                )
            })
    }

    /// `/proc/self/fd/<fd>/<name>`: our handle's directory, then `name`, for the
    /// path-only `l*xattr` calls (which do not follow `name` itself).
    pub fn proc_path(&self, name: &str) -> PathBuf {
        PathBuf::from(format!("/proc/self/fd/{}/{name}", self.fd.as_raw_fd()))
    }

    fn name(&self, name: &str) -> Result<()> {
        if !plain(name) {
            bail!(
                "{}: {name:?} is not a plain name: refused",
                self.path.display()
            );
        }
        Ok(())
    }

    /// `fstatat(name, AT_SYMLINK_NOFOLLOW)`; `None` when it does not exist.
    pub fn stat(&self, name: &str) -> Result<Option<Stat>> {
        self.name(name)?;
        match statat(&self.fd, name, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(st) => Ok(Some(st)),
            Err(Errno::NOENT) => Ok(None),
            Err(e) => Err(e).with_context(|| format!("inspecting {}", self.show(name).display())),
        }
    }

    /// What `name` is in this directory.
    pub fn kind_of(&self, name: &str) -> Result<Kind> {
        Ok(self.stat(name)?.map_or(Kind::Missing, |st| Kind::of(&st)))
    }

    /// `openat(name, O_DIRECTORY | O_NOFOLLOW)`: `None` when missing; a symlink or
    /// a file in its place is refused, named.
    pub fn sub(&self, name: &str) -> Result<Option<Dir>> {
        self.name(name)?;
        match openat(&self.fd, name, DIR_FLAGS, Mode::empty()) {
            Ok(fd) => Ok(Some(Dir {
                fd,
                path: self.show(name),
            })),
            Err(Errno::NOENT) => Ok(None),
            Err(e @ (Errno::LOOP | Errno::NOTDIR)) => match self.kind_of(name)? {
                Kind::Dir => {
                    Err(e).with_context(|| format!("opening {}", self.show(name).display()))
                }
                k => bail!(
                    "{}: expected a directory, found {} (not followed)",
                    self.show(name).display(),
                    k.describe()
                ),
            },
            Err(e) => Err(e).with_context(|| format!("opening {}", self.show(name).display())),
        }
    }

    /// The directory `rel` below this one, no symlink followed on the way; `None`
    /// when a component is missing.
    pub fn dir(&self, rel: &str) -> Result<Option<Dir>> {
        if rel.is_empty() {
            return self.try_clone().map(Some);
        }
        let how = ResolveFlags::BENEATH | ResolveFlags::NO_SYMLINKS;
        match openat2(&self.fd, rel, DIR_FLAGS, Mode::empty(), how) {
            Ok(fd) => Ok(Some(Dir {
                fd,
                path: self.show(rel),
            })),
            // The walk explains a refusal, and is the fallback without openat2.
            Err(_) => self.walk(rel),
        }
    }

    fn walk(&self, rel: &str) -> Result<Option<Dir>> {
        let mut cur = self.try_clone()?;
        for c in rel.split('/') {
            match cur.sub(c)? {
                Some(d) => cur = d,
                None => return Ok(None),
            }
        }
        Ok(Some(cur))
    }

    /// The parent directory of `rel` and its last name; `None` when the parent
    /// is missing.
    pub fn parent<'a>(&self, rel: &'a str) -> Result<Option<(Dir, &'a str)>> {
        let (parent, name) = split(rel);
        self.name(name)?;
        Ok(self.dir(parent)?.map(|d| (d, name)))
    }

    fn try_clone(&self) -> Result<Dir> {
        Ok(Dir {
            fd: self
                .fd
                .try_clone()
                .with_context(|| format!("dup {}", self.path.display()))?,
            path: self.path.clone(),
        })
    }

    /// What `rel` is; a symlink or file on the way to it is refused.
    pub fn kind(&self, rel: &str) -> Result<Kind> {
        match self.parent(rel)? {
            Some((d, name)) => d.kind_of(name),
            None => Ok(Kind::Missing),
        }
    }

    /// The names in this directory, sorted, without `.` and `..`.
    pub fn list(&self) -> Result<Vec<String>> {
        let what = || format!("listing {}", self.path.display());
        let mut names = Vec::new();
        for e in rustix::fs::Dir::read_from(&self.fd).with_context(what)? {
            let e = e.with_context(what)?;
            let name = e.file_name().to_string_lossy().into_owned();
            if name != "." && name != ".." {
                names.push(name);
            }
        }
        names.sort();
        Ok(names)
    }

    /// `openat(name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK)`, a regular file only (a
    /// fifo would block).
    pub fn open_file(&self, name: &str) -> Result<File> {
        self.name(name)?;
        let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC;
        let show = self.show(name);
        let fd = match openat(&self.fd, name, flags, Mode::empty()) {
            Ok(fd) => fd,
            Err(Errno::LOOP) => bail!(
                "{}: expected a file, found a symlink (not followed)",
                show.display()
            ),
            Err(e) => return Err(e).with_context(|| format!("opening {}", show.display())),
        };
        let st = fstat(&fd).with_context(|| format!("inspecting {}", show.display()))?;
        if FileType::from_raw_mode(st.st_mode) != FileType::RegularFile {
            bail!("{}: expected a file", show.display());
        }
        Ok(File::from(fd))
    }

    /// `openat(name, O_CREAT | O_EXCL | O_NOFOLLOW, 0600)`: a new file, never
    /// one (or a link) already there. The caller sets mode and owner on it.
    pub fn create_file(&self, name: &str) -> Result<File> {
        self.name(name)?;
        let flags =
            OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let fd = openat(&self.fd, name, flags, Mode::from_raw_mode(0o600))
            .with_context(|| format!("creating {}", self.show(name).display()))?;
        Ok(File::from(fd))
    }

    /// `mkdirat(name, 0700)` and its handle; the caller sets mode and owner.
    pub fn mkdir(&self, name: &str) -> Result<Dir> {
        self.name(name)?;
        mkdirat(&self.fd, name, Mode::from_raw_mode(0o700))
            .with_context(|| format!("creating {}", self.show(name).display()))?;
        self.sub(name)?
            .with_context(|| format!("{}: gone after mkdir", self.show(name).display()))
    }

    /// `mkdir -p rel`, each new directory 0755, no symlink followed.
    pub fn mkdir_all(&self, rel: &str) -> Result<()> {
        let mut cur = self.try_clone()?;
        for c in rel.split('/') {
            cur = match cur.sub(c)? {
                Some(d) => d,
                None => {
                    let d = cur.mkdir(c)?;
                    fchmod(&d.fd, Mode::from_raw_mode(0o755))
                        .with_context(|| format!("chmod 755 {}", d.path.display()))?;
                    d
                }
            };
        }
        Ok(())
    }

    /// `symlinkat(target, rel)`: the link is made, its target is not looked at.
    pub fn symlink(&self, target: &OsStr, rel: &str) -> Result<()> {
        let show = self.show(rel);
        let (d, name) = self
            .parent(rel)?
            .with_context(|| format!("{}: parent missing", show.display()))?;
        symlinkat(target, &d.fd, name).with_context(|| format!("creating {}", show.display()))
    }

    /// `readlinkat(name)`.
    pub fn read_link(&self, name: &str) -> Result<std::ffi::OsString> {
        self.name(name)?;
        let target = readlinkat(&self.fd, name, Vec::new())
            .with_context(|| format!("reading {}", self.show(name).display()))?;
        Ok(std::os::unix::ffi::OsStringExt::from_vec(
            target.into_bytes(),
        ))
    }

    /// A regular file's text; a symlink in its place is refused.
    pub fn read_file(&self, rel: &str) -> Result<String> {
        let show = self.show(rel);
        let (d, name) = self
            .parent(rel)?
            .with_context(|| format!("{}: missing", show.display()))?;
        let mut text = String::new();
        d.open_file(name)?
            .read_to_string(&mut text)
            .with_context(|| format!("reading {}", show.display()))?;
        Ok(text)
    }

    /// `rm -rf rel` by handles: a directory is opened (`O_NOFOLLOW`), emptied
    /// and `unlinkat(AT_REMOVEDIR)`; anything else, a symlink included, is
    /// unlinked itself.
    pub fn remove_all(&self, rel: &str) -> Result<()> {
        let show = self.show(rel);
        let (d, name) = self
            .parent(rel)?
            .with_context(|| format!("{}: parent missing", show.display()))?;
        d.remove_entry(name)
    }

    fn remove_entry(&self, name: &str) -> Result<()> {
        let show = self.show(name);
        let flags = match self.kind_of(name)? {
            Kind::Missing => return Ok(()),
            Kind::Dir => {
                let sub = self
                    .sub(name)?
                    .with_context(|| format!("{}: gone", show.display()))?;
                for n in sub.list()? {
                    sub.remove_entry(&n)?;
                }
                AtFlags::REMOVEDIR
            }
            Kind::Symlink | Kind::Other => AtFlags::empty(),
        };
        unlinkat(&self.fd, name, flags).with_context(|| format!("removing {}", show.display()))
    }

    /// `mv from to` for `-b`: `renameat2(from, to, RENAME_NOREPLACE)` between
    /// the parents' handles. Neither name is followed; whatever is at `to` (a
    /// planted symlink too) is refused, not replaced. A filesystem without
    /// RENAME_NOREPLACE (EINVAL) gets a `fstatat` check and a plain `renameat`:
    /// a name planted in between is then replaced, never followed.
    pub fn rename_new(&self, from: &str, to: &str) -> Result<()> {
        let (show_from, show_to) = (self.show(from), self.show(to));
        let what = || format!("mv {} {}", show_from.display(), show_to.display());
        let (fd, fname) = self
            .parent(from)?
            .with_context(|| format!("{}: parent missing", show_from.display()))?;
        let (td, tname) = self
            .parent(to)?
            .with_context(|| format!("{}: parent missing", show_to.display()))?;
        let refuse = |k: Kind| -> Result<()> {
            bail!(
                "{}: already exists ({}): expected no backup there (not followed, not replaced)",
                show_to.display(),
                k.describe()
            )
        };
        match renameat_with(&fd.fd, fname, &td.fd, tname, RenameFlags::NOREPLACE) {
            Ok(()) => Ok(()),
            Err(Errno::EXIST) => refuse(td.kind_of(tname)?),
            Err(Errno::INVAL) => match td.kind_of(tname)? {
                Kind::Missing => renameat(&fd.fd, fname, &td.fd, tname).with_context(what),
                k => refuse(k),
            },
            Err(e) => Err(e).with_context(what),
        }
    }

    /// `rel` replaced whole: `text` written to a new file with a random name
    /// beside it (`O_EXCL`), fsynced, mode 0644, then `renameat` over `rel`.
    pub fn write_atomic(&self, rel: &str, text: &str) -> Result<()> {
        let show = self.show(rel);
        let (d, name) = self
            .parent(rel)?
            .with_context(|| format!("{}: parent missing", show.display()))?;
        let tmp = format!("{name}.tmp.{}", random_hex()?);
        let mut f = d.create_file(&tmp)?;
        let written = f
            .write_all(text.as_bytes())
            .and_then(|()| fchmod(&f, Mode::from_raw_mode(0o644)).map_err(Into::into))
            .and_then(|()| f.sync_all())
            .with_context(|| format!("writing {}", d.show(&tmp).display()))
            .and_then(|()| {
                renameat(&d.fd, tmp.as_str(), &d.fd, name).with_context(|| {
                    format!("renaming {} to {}", d.show(&tmp).display(), show.display())
                })
            });
        if written.is_err() {
            // Best effort: the error below is what matters.
            if let Err(e) = unlinkat(&d.fd, tmp.as_str(), AtFlags::empty()) {
                eprintln!("osr-cdsl: removing {}: {e}", d.show(&tmp).display());
            }
        }
        written
    }
}

/// 16 hex digits from `getrandom`.
fn random_hex() -> Result<String> {
    let mut buf = [0u8; 8];
    let mut filled = 0;
    while filled < buf.len() {
        let rest = buf.get_mut(filled..).unwrap_or_default();
        match rustix::rand::getrandom(rest, rustix::rand::GetRandomFlags::empty()) {
            Ok(n) => filled += n,
            Err(Errno::INTR) => continue,
            Err(e) => return Err(e).context("getrandom"),
        }
    }
    Ok(format!("{:016x}", u64::from_ne_bytes(buf)))
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::os::unix::fs::symlink;

    use super::*;

    fn tree() -> (tempfile::TempDir, tempfile::TempDir, Dir) {
        let root = tempfile::TempDir::new().unwrap();
        let victim = tempfile::TempDir::new().unwrap();
        fs::write(victim.path().join("f"), "victim").unwrap();
        fs::create_dir(root.path().join("d")).unwrap();
        symlink(victim.path(), root.path().join("d/out")).unwrap();
        symlink(victim.path().join("f"), root.path().join("d/file")).unwrap();
        let dir = Dir::open_root(root.path()).unwrap();
        (root, victim, dir)
    }

    #[test]
    fn a_symlink_on_the_way_is_refused_by_name() {
        let (_r, _v, dir) = tree();
        let e = format!("{:#}", dir.kind("d/out/f").unwrap_err());
        assert!(
            e.ends_with("d/out: expected a directory, found a symlink (not followed)"),
            "{e}"
        );
        assert_eq!(dir.kind("d/out").unwrap(), Kind::Symlink);
        assert_eq!(dir.kind("d/none/x").unwrap(), Kind::Missing);
        assert!(dir.mkdir_all("d/out/x").is_err());
        assert!(dir.read_file("d/file").is_err());
    }

    #[test]
    fn the_walk_without_openat2_resolves_the_same() {
        let (r, _v, dir) = tree();
        fs::create_dir_all(r.path().join("d/e/f")).unwrap();
        let f = dir.walk("d/e/f").unwrap().unwrap();
        assert_eq!(f.path(), r.path().join("d/e/f"));
        assert!(dir.walk("d/e/none").unwrap().is_none());
        let e = format!("{:#}", dir.walk("d/out").unwrap_err());
        assert!(
            e.ends_with("d/out: expected a directory, found a symlink (not followed)"),
            "{e}"
        );
    }

    #[test]
    fn create_never_follows_a_link_and_remove_unlinks_it() {
        let (r, v, dir) = tree();
        let d = dir.dir("d").unwrap().unwrap();
        assert!(d.create_file("file").is_err());
        dir.remove_all("d").unwrap();
        assert!(!r.path().join("d").exists());
        assert_eq!(fs::read_to_string(v.path().join("f")).unwrap(), "victim");
    }

    #[test]
    fn rename_new_never_replaces_nor_follows_a_planted_name() {
        let (r, v, dir) = tree();
        fs::write(r.path().join("d/src"), "mine").unwrap();
        let e = format!("{:#}", dir.rename_new("d/src", "d/out").unwrap_err());
        assert!(e.contains("d/out: already exists (a symlink)"), "{e}");
        let e = format!("{:#}", dir.rename_new("d/src", "d/out/x").unwrap_err());
        assert!(
            e.contains("d/out: expected a directory, found a symlink"),
            "{e}"
        );
        assert_eq!(fs::read_link(r.path().join("d/out")).unwrap(), v.path());
        assert_eq!(fs::read_to_string(v.path().join("f")).unwrap(), "victim");
        assert_eq!(fs::read_dir(v.path()).unwrap().count(), 1);
        dir.rename_new("d/src", "d/src.orig").unwrap();
        assert_eq!(
            fs::read_to_string(r.path().join("d/src.orig")).unwrap(),
            "mine"
        );
        assert!(!r.path().join("d/src").exists());
    }

    #[test]
    fn write_atomic_ignores_a_planted_temp_name() {
        let (r, v, dir) = tree();
        symlink(v.path().join("f"), r.path().join("inv.tmp")).unwrap();
        dir.write_atomic("inv", "new").unwrap();
        assert_eq!(fs::read_to_string(r.path().join("inv")).unwrap(), "new");
        assert_eq!(fs::read_to_string(v.path().join("f")).unwrap(), "victim");
    }
}
