//! Applying `rootovlcfg=` trees to the overlay root, before switch_root.
//!
//! For each tree, in [`osr_core::rootovl::order`], `<root>/etc/rootovl/<name>/` is
//! copied onto `<root>` the way `cp -a tree/* root` did (top-level dot entries, so
//! `.rootovldel`, are skipped), then the tree's `.rootovldel` lines are removed with
//! `rm -f` semantics (directories are kept). The writes land in the overlay's tmpfs.
//!
//! Safety: nothing is ever written or removed through a symlink that leaves the
//! root. Every destination directory is resolved inside the root with
//! [`osr_core::rootovl::resolve_in_root`]: an absolute link target means the same
//! path in the new root (`/var/run -> /run` is `<root>/run`), a relative target that
//! climbs above the root is refused, logged and not followed. A file, symlink or
//! device node at the destination is replaced by a rename, never written through.
//! Paths are checked, then used: PID 1 is the only process running at this point.
//!
//! Not done: hard links between copied files are copied as separate files; xattrs
//! (file capabilities, SELinux labels) are not copied; names that are not UTF-8 in a
//! tree are reported as errors, not copied, and a `.rootovldel` glob never matches
//! them; a trailing `/` on a `.rootovldel` path is ignored (`rm -f file/` failed).

use std::fs::{self, DirBuilder, Metadata, OpenOptions};
use std::io;
use std::os::unix::fs::{
    lchown, symlink, DirBuilderExt, FileTypeExt, MetadataExt, OpenOptionsExt, PermissionsExt,
};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use nix::sys::stat::{mknod, utimensat, Mode, SFlag, UtimensatFlags};
use nix::sys::time::TimeSpec;
use osr_core::rootovl::{self as core, display, DelLine};

/// Where the trees live, relative to the root.
const TREES_DIR: [&str; 2] = ["etc", "rootovl"];
/// The deletion list inside a tree.
const DEL_FILE: &str = ".rootovldel";
/// Scratch name, in the destination directory, for replacing an entry by rename.
const TMP_NAME: &str = ".osr-rootovl.tmp";

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Trees applied, in application order.
    pub applied: Vec<String>,
    /// Trees with no directory in the root (a warning for the caller).
    pub missing: Vec<String>,
    /// Entries copied (files, links, nodes and directories).
    pub copied: u64,
    /// Paths removed by `.rootovldel`, as the real root will name them.
    pub deleted: Vec<String>,
    /// What was not followed because it leaves the root, each with the reason.
    pub refused: Vec<String>,
    /// Failures that should fail the step.
    pub errors: Vec<String>,
}

/// Applies the trees `names` (already expanded) to `root`, last listed first.
pub fn apply(root: &Path, names: &[String]) -> Report {
    let mut report = Report::default();
    for name in core::order(names) {
        let mut tree = Tree {
            root,
            name: &name,
            report: &mut report,
        };
        tree.apply();
    }
    report
}

/// One tree being applied; the report collects what happened.
struct Tree<'a> {
    root: &'a Path,
    name: &'a str,
    report: &'a mut Report,
}

impl Tree<'_> {
    fn apply(&mut self) {
        let before = self.counts();
        let Some(tree) = self.find() else {
            return;
        };
        self.report.applied.push(self.name.to_string());
        self.copy_tree(&tree);
        self.apply_del_file(&tree);
        let after = self.counts();
        log::info!(
            "rootovl {}: {} entries copied, {} removed, {} refused, {} errors",
            self.name,
            after.0 - before.0,
            after.1 - before.1,
            after.2 - before.2,
            after.3 - before.3,
        );
    }

    /// (copied, deleted, refused, errors) so far, for the per-tree log line.
    fn counts(&self) -> (u64, usize, usize, usize) {
        let r = &self.report;
        (r.copied, r.deleted.len(), r.refused.len(), r.errors.len())
    }

    /// The tree's directory, resolved inside the root; `None` if missing or refused.
    fn find(&mut self) -> Option<Vec<String>> {
        if let Err(why) = core::check_name(self.name) {
            self.report.errors.push(format!("rootovlcfg: {why}"));
            return None;
        }
        let mut want: Vec<String> = TREES_DIR.iter().map(|s| s.to_string()).collect();
        want.push(self.name.to_string());
        let rel = match resolve(self.root, &want) {
            Ok(rel) => rel,
            Err(why) => {
                self.refuse(&format!("tree {}", display(&want)), &why);
                return None;
            }
        };
        match fs::symlink_metadata(in_root(self.root, &rel)) {
            Ok(meta) if meta.is_dir() => return Some(rel),
            Ok(_) => log::warn!(
                "rootovl {}: {} is not a directory",
                self.name,
                display(&rel)
            ),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => {
                self.error(format!("reading {}: {e}", display(&rel)));
                return None;
            }
        }
        self.report.missing.push(self.name.to_string());
        None
    }

    fn refuse(&mut self, what: &str, why: &str) {
        log::warn!("rootovl {}: {what} refused: {why}", self.name);
        self.report
            .refused
            .push(format!("{}: {what}: {why}", self.name));
    }

    fn error(&mut self, what: String) {
        log::warn!("rootovl {}: {what}", self.name);
        self.report.errors.push(format!("{}: {what}", self.name));
    }

    // --- copying -------------------------------------------------------------

    /// `cp -a tree/* root`: every entry but the top-level dot entries.
    fn copy_tree(&mut self, tree: &[String]) {
        let src = in_root(self.root, tree);
        for name in self.list_for_copy(&src) {
            if !name.starts_with('.') {
                self.copy_entry(&src.join(&name), &[], &name);
            }
        }
    }

    /// Copies `src` to `name` in the resolved directory `parent` (relative to the root).
    fn copy_entry(&mut self, src: &Path, parent: &[String], name: &str) {
        match fs::symlink_metadata(src) {
            Ok(meta) if meta.is_dir() => self.copy_dir(src, &meta, parent, name),
            Ok(meta) => self.copy_leaf(src, &meta, parent, name),
            Err(e) => self.error(format!("reading {}: {e}", src.display())),
        }
    }

    /// Merges a directory: created if absent, contents copied, then its attributes.
    fn copy_dir(&mut self, src: &Path, meta: &Metadata, parent: &[String], name: &str) {
        let Some(dest) = self.dir_destination(src, parent, name) else {
            return;
        };
        for child in self.list_for_copy(src) {
            self.copy_entry(&src.join(&child), &dest, &child);
        }
        // Last, so that the contents just written do not change the times.
        let path = in_root(self.root, &dest);
        match set_attributes(&path, meta, true) {
            Ok(()) => self.report.copied += 1,
            Err(e) => self.error(format!("{e:#}")),
        }
    }

    /// The directory to merge `src` into, resolved inside the root and existing.
    fn dir_destination(
        &mut self,
        src: &Path,
        parent: &[String],
        name: &str,
    ) -> Option<Vec<String>> {
        let mut want = parent.to_vec();
        want.push(name.to_string());
        let path = in_root(self.root, &want);
        let meta = match fs::symlink_metadata(&path) {
            Ok(meta) => meta,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return match DirBuilder::new().mode(0o700).create(&path) {
                    Ok(()) => Some(want),
                    Err(e) => {
                        self.error(format!("creating directory {}: {e}", path.display()));
                        None
                    }
                };
            }
            Err(e) => {
                self.error(format!("reading {}: {e}", path.display()));
                return None;
            }
        };
        if meta.is_dir() {
            return Some(want);
        }
        if !meta.file_type().is_symlink() {
            self.error(format!(
                "{} is not a directory; {} not merged into it",
                display(&want),
                src.display()
            ));
            return None;
        }
        match resolve(self.root, &want) {
            Ok(rel) if is_real_dir(&in_root(self.root, &rel)) => Some(rel),
            Ok(rel) => {
                self.error(format!(
                    "{} leads to {}, which is not a directory; {} not merged into it",
                    display(&want),
                    display(&rel),
                    src.display()
                ));
                None
            }
            Err(why) => {
                self.refuse(&format!("copying {}", src.display()), &why);
                None
            }
        }
    }

    /// Replaces whatever non-directory is at the destination with a copy of `src`.
    fn copy_leaf(&mut self, src: &Path, meta: &Metadata, parent: &[String], name: &str) {
        let dir = in_root(self.root, parent);
        let dest = dir.join(name);
        if is_real_dir(&dest) {
            self.error(format!(
                "{} is a directory; not replaced by {}",
                dest.display(),
                src.display()
            ));
            return;
        }
        let tmp = dir.join(TMP_NAME);
        let made = make_copy(src, meta, &tmp).and_then(|()| {
            fs::rename(&tmp, &dest)
                .with_context(|| format!("renaming {} to {}", tmp.display(), dest.display()))
        });
        match made {
            Ok(()) => self.report.copied += 1,
            Err(e) => {
                if let Err(rm) = remove_stale(&tmp) {
                    log::warn!("rootovl {}: {rm:#}", self.name);
                }
                self.error(format!("copying {}: {e:#}", src.display()));
            }
        }
    }

    /// The entry names of a tree directory, sorted; errors are recorded.
    fn list_for_copy(&mut self, dir: &Path) -> Vec<String> {
        let entries = match fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) => {
                self.error(format!("listing {}: {e}", dir.display()));
                return Vec::new();
            }
        };
        let mut names = Vec::new();
        for entry in entries {
            match entry.map(|e| e.file_name().into_string()) {
                Ok(Ok(name)) => names.push(name),
                Ok(Err(raw)) => self.error(format!(
                    "{}/{}: the name is not UTF-8; not copied",
                    dir.display(),
                    raw.to_string_lossy()
                )),
                Err(e) => self.error(format!("listing {}: {e}", dir.display())),
            }
        }
        names.sort();
        names
    }

    // --- .rootovldel ------------------------------------------------------------

    fn apply_del_file(&mut self, tree: &[String]) {
        let mut want = tree.to_vec();
        want.push(DEL_FILE.to_string());
        let rel = match resolve(self.root, &want) {
            Ok(rel) => rel,
            Err(why) => return self.refuse(&format!("reading {}", display(&want)), &why),
        };
        let path = in_root(self.root, &rel);
        // Read as any file of the root: regular, not through a symlink, without
        // blocking, at most beneath::READ_CAP bytes.
        let text = match fs::symlink_metadata(&path) {
            Ok(meta) if meta.is_file() => super::beneath::read_file(self.root, &rel.join("/")),
            Ok(_) => return log::warn!("rootovl {}: {} is not a file", self.name, display(&rel)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return,
            Err(e) => Err(e),
        };
        match text {
            Ok(text) => {
                for line in core::parse_del(&text) {
                    self.delete_line(&line);
                }
            }
            Err(e) => self.error(format!("reading {}: {e}", path.display())),
        }
    }

    fn refuse_del(&mut self, line: &DelLine, why: &str) {
        log::warn!(
            "rootovldel {} line {}: {} refused: {why}",
            self.name,
            line.line,
            line.path
        );
        self.report.refused.push(format!(
            "{}: .rootovldel line {}: {}: {why}",
            self.name, line.line, line.path
        ));
    }

    /// `rm -f $NEWROOT$line`, with globs expanded inside the root.
    fn delete_line(&mut self, line: &DelLine) {
        let comps = match core::check_path(&line.path) {
            Ok(comps) => comps,
            Err(why) => return self.refuse_del(line, &why),
        };
        let Some((last, dirs)) = comps.split_last() else {
            return self.remove(line, &[]);
        };
        for parent in self.expand_dirs(line, dirs) {
            for name in self.matches(&parent, last) {
                let mut victim = parent.clone();
                victim.push(name);
                self.remove(line, &victim);
            }
        }
    }

    /// The existing directories the components `dirs` name, each resolved inside the
    /// root; a match that leads out of the root is refused.
    fn expand_dirs(&mut self, line: &DelLine, dirs: &[String]) -> Vec<Vec<String>> {
        let mut current = vec![Vec::new()];
        for comp in dirs {
            let mut next = Vec::new();
            for prefix in &current {
                for name in self.matches(prefix, comp) {
                    let mut want = prefix.clone();
                    want.push(name);
                    match resolve(self.root, &want) {
                        Ok(rel) if is_real_dir(&in_root(self.root, &rel)) => next.push(rel),
                        Ok(_) => {}
                        Err(why) => self.refuse_del(line, &why),
                    }
                }
            }
            current = next;
        }
        current
    }

    /// The names in the directory `dir` that `comp` stands for: itself if literal,
    /// the matching entries if a glob (none if `dir` cannot be listed, as the shell).
    fn matches(&self, dir: &[String], comp: &str) -> Vec<String> {
        if !core::is_pattern(comp) {
            return vec![comp.to_string()];
        }
        let Ok(entries) = fs::read_dir(in_root(self.root, dir)) else {
            return Vec::new();
        };
        let mut names: Vec<String> = entries
            .flatten()
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| core::component_matches(comp, n))
            .collect();
        names.sort();
        names
    }

    /// `rm -f` of one path: the entry itself, never a directory, never followed.
    fn remove(&mut self, line: &DelLine, victim: &[String]) {
        let path = in_root(self.root, victim);
        let shown = display(victim);
        let result = match fs::symlink_metadata(&path) {
            Ok(meta) if meta.is_dir() => {
                return log::warn!(
                    "rootovldel {} line {}: {shown} is a directory; not removed (rm -f)",
                    self.name,
                    line.line
                )
            }
            Ok(_) => fs::remove_file(&path),
            Err(e) => Err(e),
        };
        match result {
            Ok(()) => {
                log::debug!(
                    "rootovldel {} line {}: removed {shown}",
                    self.name,
                    line.line
                );
                self.report.deleted.push(shown);
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => self.error(format!(
                ".rootovldel line {}: removing {shown}: {e}",
                line.line
            )),
        }
    }
}

/// `root` joined with components relative to it.
fn in_root(root: &Path, rel: &[String]) -> PathBuf {
    let mut path = root.to_path_buf();
    path.extend(rel);
    path
}

/// Resolves `rel` through its symlinks inside `root` (see the module doc).
fn resolve(root: &Path, rel: &[String]) -> Result<Vec<String>, String> {
    core::resolve_in_root(rel, |prefix| {
        // Not a symlink (EINVAL) or absent (ENOENT, ENOTDIR): a plain component, which
        // the caller's own lstat then judges.
        fs::read_link(in_root(root, prefix))
            .map(|target| target.to_string_lossy().into_owned())
            .ok()
    })
}

/// A directory, not a symlink to one.
fn is_real_dir(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok_and(|m| m.is_dir())
}

/// Removes a leftover scratch entry; an absent one is fine.
fn remove_stale(path: &Path) -> Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => {
            Err(e).with_context(|| format!("removing {}", path.display()))
        }
        _ => Ok(()),
    }
}

/// Creates at `tmp` a copy of the non-directory `src` with its owner, mode and times.
fn make_copy(src: &Path, meta: &Metadata, tmp: &Path) -> Result<()> {
    remove_stale(tmp)?;
    let kind = meta.file_type();
    if kind.is_file() {
        copy_contents(src, tmp)?;
    } else if kind.is_symlink() {
        let target =
            fs::read_link(src).with_context(|| format!("reading link {}", src.display()))?;
        symlink(&target, tmp).with_context(|| format!("creating symlink {}", tmp.display()))?;
    } else {
        make_node(meta, tmp)?;
    }
    set_attributes(tmp, meta, !kind.is_symlink())
}

fn copy_contents(src: &Path, tmp: &Path) -> Result<()> {
    let mut from = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(src)
        .with_context(|| format!("opening {}", src.display()))?;
    // create_new is O_CREAT|O_EXCL: it never follows a symlink at `tmp`.
    let mut to = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(tmp)
        .with_context(|| format!("creating {}", tmp.display()))?;
    io::copy(&mut from, &mut to).with_context(|| format!("writing {}", tmp.display()))?;
    Ok(())
}

/// mknod(2) for a device node, fifo or socket, like `cp -a`.
fn make_node(meta: &Metadata, tmp: &Path) -> Result<()> {
    let kind = meta.file_type();
    let sflag = if kind.is_block_device() {
        SFlag::S_IFBLK
    } else if kind.is_char_device() {
        SFlag::S_IFCHR
    } else if kind.is_fifo() {
        SFlag::S_IFIFO
    } else if kind.is_socket() {
        SFlag::S_IFSOCK
    } else {
        bail!("unknown file type {:o}", meta.mode());
    };
    let perm = Mode::from_bits_truncate(meta.mode() & 0o7777);
    mknod(tmp, sflag, perm, meta.rdev())
        .with_context(|| format!("mknod {} ({sflag:?})", tmp.display()))
}

/// Owner, then mode (chown clears set-id bits), then times, never following `path`.
fn set_attributes(path: &Path, meta: &Metadata, with_mode: bool) -> Result<()> {
    lchown(path, Some(meta.uid()), Some(meta.gid()))
        .with_context(|| format!("chown {}:{} {}", meta.uid(), meta.gid(), path.display()))?;
    if with_mode {
        let mode = meta.mode() & 0o7777;
        fs::set_permissions(path, fs::Permissions::from_mode(mode))
            .with_context(|| format!("chmod {mode:o} {}", path.display()))?;
    }
    let atime = TimeSpec::new(meta.atime(), meta.atime_nsec());
    let mtime = TimeSpec::new(meta.mtime(), meta.mtime_nsec());
    utimensat(None, path, &atime, &mtime, UtimensatFlags::NoFollowSymlink)
        .with_context(|| format!("setting the times of {}", path.display()))
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};

    use nix::sys::stat::{utimensat, UtimensatFlags};
    use nix::sys::time::TimeSpec;
    use tempfile::TempDir;

    use super::*;

    /// A temp dir holding `root/` and, beside it, `outside/victim` ("keep").
    struct Fixture {
        _dir: TempDir,
        root: PathBuf,
        outside: PathBuf,
    }

    fn fixture() -> Fixture {
        let dir = TempDir::new().unwrap();
        let root = dir.path().join("root");
        let outside = dir.path().join("outside");
        fs::create_dir_all(root.join("etc")).unwrap();
        fs::create_dir_all(&outside).unwrap();
        fs::write(outside.join("victim"), "keep").unwrap();
        Fixture {
            _dir: dir,
            root,
            outside,
        }
    }

    impl Fixture {
        /// Writes `text` at `rel` inside the root, creating the parents.
        fn put(&self, rel: &str, text: &str) -> PathBuf {
            let path = self.root.join(rel);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(&path, text).unwrap();
            path
        }
        fn link(&self, rel: &str, target: &str) {
            let path = self.root.join(rel);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            symlink(target, path).unwrap();
        }
        fn read(&self, rel: &str) -> Option<String> {
            fs::read_to_string(self.root.join(rel)).ok()
        }
        fn exists(&self, rel: &str) -> bool {
            fs::symlink_metadata(self.root.join(rel)).is_ok()
        }
        fn apply(&self, names: &[&str]) -> Report {
            let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
            apply(&self.root, &names)
        }
        fn outside_untouched(&self) {
            assert_eq!(
                fs::read_to_string(self.outside.join("victim")).unwrap(),
                "keep"
            );
            assert_eq!(fs::read_dir(&self.outside).unwrap().count(), 1);
        }
    }

    fn set_times(path: &Path, sec: i64, nsec: i64) {
        let t = TimeSpec::new(sec, nsec);
        utimensat(None, path, &t, &t, UtimensatFlags::NoFollowSymlink).unwrap();
    }

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn first_listed_wins_and_each_del_follows_its_own_copy() {
        let f = fixture();
        f.put("etc/rootovl/c/etc/motd", "c");
        f.put("etc/rootovl/c/etc/only-c", "c");
        // c's deletions run before b copies etc/y, so etc/y survives.
        f.put("etc/rootovl/c/.rootovldel", "/etc/y\n");
        f.put("etc/rootovl/b/etc/motd", "b");
        f.put("etc/rootovl/b/etc/from-b", "b");
        f.put("etc/rootovl/b/etc/y", "b");
        f.put("etc/rootovl/a/etc/motd", "a");
        f.put("etc/rootovl/a/.rootovldel", "/etc/from-b\n");
        let report = f.apply(&["a", "b", "c"]);
        assert_eq!(report.applied, strings(&["c", "b", "a"]));
        assert!(report.errors.is_empty(), "{:?}", report.errors);
        assert!(report.missing.is_empty() && report.refused.is_empty());
        assert_eq!(f.read("etc/motd").as_deref(), Some("a"));
        assert_eq!(f.read("etc/only-c").as_deref(), Some("c"));
        assert_eq!(f.read("etc/y").as_deref(), Some("b"));
        assert!(!f.exists("etc/from-b"));
        assert_eq!(report.deleted, strings(&["/etc/from-b"]));
        assert!(!f.exists(".rootovldel"));
    }

    #[test]
    fn top_level_dot_entries_are_not_copied_nested_ones_are() {
        let f = fixture();
        f.put("etc/rootovl/t/.rootovldel", "# nothing\n");
        f.put("etc/rootovl/t/.profile", "x");
        f.put("etc/rootovl/t/etc/.nested", "n");
        let report = f.apply(&["t"]);
        assert!(report.errors.is_empty(), "{:?}", report.errors);
        assert!(!f.exists(".rootovldel") && !f.exists(".profile"));
        assert_eq!(f.read("etc/.nested").as_deref(), Some("n"));
    }

    #[test]
    fn copies_keep_modes_times_links_and_owners() {
        let f = fixture();
        let file = f.put("etc/rootovl/t/srv/data/file", "content");
        let as_root = nix::unistd::getuid().is_root();
        if as_root {
            lchown(&file, Some(1234), Some(5678)).unwrap();
        } else {
            eprintln!("not root: skipping the owner check");
        }
        // After the chown, which clears the set-id bits.
        fs::set_permissions(&file, fs::Permissions::from_mode(0o4751)).unwrap();
        set_times(&file, 1_000_000_000, 123_456_789);
        f.link("etc/rootovl/t/srv/data/dangling", "does/not/exist");
        f.link("etc/rootovl/t/srv/data/rel", "file");
        set_times(&f.root.join("etc/rootovl/t/srv/data/rel"), 1_100_000_000, 5);
        let fifo = f.root.join("etc/rootovl/t/srv/data/fifo");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
        fs::set_permissions(&fifo, fs::Permissions::from_mode(0o620)).unwrap();
        let dir = f.root.join("etc/rootovl/t/srv/data");
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o750)).unwrap();
        set_times(&dir, 1_200_000_000, 7);

        let report = f.apply(&["t"]);
        assert!(report.errors.is_empty(), "{:?}", report.errors);
        // srv, data, file, dangling, rel, fifo
        assert_eq!(report.copied, 6);

        let got = fs::symlink_metadata(f.root.join("srv/data/file")).unwrap();
        assert!(got.is_file());
        assert_eq!(got.mode() & 0o7777, 0o4751);
        assert_eq!(
            (got.mtime(), got.mtime_nsec()),
            (1_000_000_000, 123_456_789)
        );
        if as_root {
            assert_eq!((got.uid(), got.gid()), (1234, 5678));
        }
        assert_eq!(f.read("srv/data/file").as_deref(), Some("content"));

        let dangling = f.root.join("srv/data/dangling");
        assert!(fs::symlink_metadata(&dangling)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(
            fs::read_link(&dangling).unwrap(),
            Path::new("does/not/exist")
        );
        let rel = fs::symlink_metadata(f.root.join("srv/data/rel")).unwrap();
        assert!(rel.file_type().is_symlink());
        assert_eq!((rel.mtime(), rel.mtime_nsec()), (1_100_000_000, 5));

        let fifo = fs::symlink_metadata(f.root.join("srv/data/fifo")).unwrap();
        assert!(fifo.file_type().is_fifo());
        assert_eq!(fifo.mode() & 0o7777, 0o620);

        let d = fs::symlink_metadata(f.root.join("srv/data")).unwrap();
        assert_eq!(d.mode() & 0o7777, 0o750);
        assert_eq!((d.mtime(), d.mtime_nsec()), (1_200_000_000, 7));
    }

    #[test]
    fn directories_are_merged() {
        let f = fixture();
        f.put("etc/keep", "k");
        f.put("etc/sub/keep2", "k2");
        f.put("etc/rootovl/t/etc/new", "n");
        f.put("etc/rootovl/t/etc/sub/new2", "n2");
        let report = f.apply(&["t"]);
        assert!(report.errors.is_empty(), "{:?}", report.errors);
        for (rel, text) in [
            ("etc/keep", "k"),
            ("etc/sub/keep2", "k2"),
            ("etc/new", "n"),
            ("etc/sub/new2", "n2"),
        ] {
            assert_eq!(f.read(rel).as_deref(), Some(text), "{rel}");
        }
    }

    #[test]
    fn a_symlink_at_the_destination_is_replaced_not_written_through() {
        let f = fixture();
        f.link("etc/link", "../../outside/victim");
        f.put("etc/rootovl/t/etc/link", "new");
        let report = f.apply(&["t"]);
        assert!(report.errors.is_empty(), "{:?}", report.errors);
        let meta = fs::symlink_metadata(f.root.join("etc/link")).unwrap();
        assert!(meta.is_file());
        assert_eq!(f.read("etc/link").as_deref(), Some("new"));
        f.outside_untouched();
    }

    #[test]
    fn a_directory_is_not_replaced_by_a_file() {
        let f = fixture();
        f.put("etc/d/inside", "i");
        f.put("etc/rootovl/t/etc/d", "file");
        let report = f.apply(&["t"]);
        assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
        assert!(report.errors[0].contains("is a directory"));
        assert_eq!(f.read("etc/d/inside").as_deref(), Some("i"));
    }

    #[test]
    fn copying_through_an_escaping_symlink_is_refused() {
        let f = fixture();
        f.link("etc/evil", "../../outside");
        f.put("etc/rootovl/t/etc/evil/victim", "pwned");
        f.put("etc/rootovl/t/etc/evil/new", "pwned");
        f.put("etc/rootovl/t/etc/fine", "ok");
        let report = f.apply(&["t"]);
        assert!(report.errors.is_empty(), "{:?}", report.errors);
        assert_eq!(report.refused.len(), 1, "{:?}", report.refused);
        assert!(report.refused[0].contains("/etc/evil -> ../../outside"));
        assert_eq!(f.read("etc/fine").as_deref(), Some("ok"));
        f.outside_untouched();
    }

    #[test]
    fn deleting_through_an_escaping_symlink_is_refused() {
        let f = fixture();
        f.link("etc/evil", "../../outside");
        f.put(
            "etc/rootovl/t/.rootovldel",
            "/etc/evil/victim\n/../outside/victim\n/etc/*/victim\n/etc/evil\n",
        );
        let report = f.apply(&["t"]);
        assert!(report.errors.is_empty(), "{:?}", report.errors);
        assert_eq!(report.refused.len(), 3, "{:?}", report.refused);
        for (i, want) in ["line 1", "line 2", "line 3"].iter().enumerate() {
            assert!(report.refused[i].contains(want), "{:?}", report.refused);
        }
        f.outside_untouched();
        // The link itself is inside the root and rm -f removes links.
        assert_eq!(report.deleted, strings(&["/etc/evil"]));
        assert!(!f.exists("etc/evil"));
    }

    #[test]
    fn an_absolute_symlink_is_resolved_inside_the_root() {
        let f = fixture();
        fs::create_dir_all(f.root.join("run")).unwrap();
        f.link("var/run", "/run");
        f.put("run/x", "x");
        f.put("etc/rootovl/t/var/run/y", "y");
        f.put("etc/rootovl/t/.rootovldel", "/var/run/x\n");
        let report = f.apply(&["t"]);
        assert!(report.errors.is_empty(), "{:?}", report.errors);
        assert!(report.refused.is_empty(), "{:?}", report.refused);
        assert!(!f.exists("run/x"));
        assert_eq!(report.deleted, strings(&["/run/x"]));
        assert_eq!(f.read("run/y").as_deref(), Some("y"));
        let var_run = fs::symlink_metadata(f.root.join("var/run")).unwrap();
        assert!(var_run.file_type().is_symlink());
    }

    #[test]
    fn del_globs_comments_and_blank_lines() {
        let f = fixture();
        for name in ["a.job", "b.job", ".hidden.job", "keep.conf", "other"] {
            f.put(&format!("etc/cron.d/{name}"), name);
        }
        f.put(
            "etc/rootovl/t/.rootovldel",
            "# comment\n\n   /etc/cron.d/*.job  \n/etc/c?on.d/keep.conf\n/nothing/here\n/etc/*/[x-z]*\n",
        );
        let report = f.apply(&["t"]);
        assert!(report.errors.is_empty(), "{:?}", report.errors);
        assert!(report.refused.is_empty(), "{:?}", report.refused);
        assert_eq!(
            report.deleted,
            strings(&[
                "/etc/cron.d/a.job",
                "/etc/cron.d/b.job",
                "/etc/cron.d/keep.conf"
            ])
        );
        assert!(f.exists("etc/cron.d/.hidden.job"));
        assert!(f.exists("etc/cron.d/other"));
    }

    #[test]
    fn del_refuses_dotdot_and_relative_paths() {
        let f = fixture();
        f.put("etc/x", "x");
        f.put("etc/rootovl/t/.rootovldel", "/etc/../etc/x\netc/x\n");
        let report = f.apply(&["t"]);
        assert_eq!(report.refused.len(), 2, "{:?}", report.refused);
        assert!(report.refused[0].contains("line 1") && report.refused[0].contains("escapes"));
        assert!(report.refused[1].contains("line 2") && report.refused[1].contains("absolute"));
        assert!(f.exists("etc/x"));
    }

    #[test]
    fn directories_are_not_deleted() {
        let f = fixture();
        f.put("etc/dir/inner", "i");
        f.put("etc/file", "f");
        f.link("etc/dirlink", "dir");
        f.put("etc/rootovl/t/.rootovldel", "/etc/dir\n/etc/*\n/\n");
        let report = f.apply(&["t"]);
        assert!(report.errors.is_empty(), "{:?}", report.errors);
        assert_eq!(report.deleted, strings(&["/etc/dirlink", "/etc/file"]));
        assert_eq!(f.read("etc/dir/inner").as_deref(), Some("i"));
        assert!(f.exists("etc/rootovl/t/.rootovldel"));
    }

    #[test]
    fn missing_refused_and_linked_trees() {
        let f = fixture();
        f.put("etc/rootovl/real/etc/from-real", "r");
        f.link("etc/rootovl/alias", "real");
        fs::create_dir_all(f.outside.join("tree/etc")).unwrap();
        f.link("etc/rootovl/bad", "../../../outside/tree");
        f.put("etc/rootovl/notadir", "x");
        let report = f.apply(&["nope", "alias", "bad", "notadir"]);
        assert_eq!(report.applied, strings(&["alias"]));
        assert_eq!(report.missing, strings(&["notadir", "nope"]));
        assert_eq!(report.refused.len(), 1, "{:?}", report.refused);
        assert!(report.refused[0].starts_with("bad: "));
        assert!(report.errors.is_empty(), "{:?}", report.errors);
        assert_eq!(f.read("etc/from-real").as_deref(), Some("r"));
    }

    #[test]
    fn unsafe_names_are_errors() {
        let f = fixture();
        let report = f.apply(&["../../outside"]);
        assert!(report.applied.is_empty());
        assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
        f.outside_untouched();
    }
}
