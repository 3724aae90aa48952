//! What a command will do, as a list of actions: printed by `--dry-run`,
//! executed otherwise. Commands validate everything before they return a plan, so
//! executing only fails on an I/O error, or on a tree changed under it (a
//! symlink planted since), which `beneath` refuses.

use std::fmt;
use std::path::PathBuf;

use anyhow::{Context, Result};
use rustix::fs::Mode;

use crate::beneath::Dir;
use crate::copy::copy_all;

/// Paths are absolute, below the root, for the dry run to print; they are acted
/// on relative to the root's handle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    MkdirAll(PathBuf),
    /// `cp -a from to`; `to` does not exist.
    Copy {
        from: PathBuf,
        to: PathBuf,
    },
    RemoveAll(PathBuf),
    /// `mv from to` (`-b`): `to` does not exist and is never replaced.
    Rename {
        from: PathBuf,
        to: PathBuf,
    },
    Symlink {
        target: String,
        at: PathBuf,
    },
    /// Written to `<path>.tmp.<random>`, then renamed over `path`.
    WriteInventory {
        path: PathBuf,
        text: String,
    },
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::MkdirAll(p) => write!(f, "mkdir -p {}", p.display()),
            Action::Copy { from, to } => write!(f, "cp -a {} {}", from.display(), to.display()),
            Action::RemoveAll(p) => write!(f, "rm -rf {}", p.display()),
            Action::Rename { from, to } => write!(f, "mv {} {}", from.display(), to.display()),
            Action::Symlink { target, at } => write!(f, "ln -s {target} {}", at.display()),
            Action::WriteInventory { path, .. } => write!(f, "write {}", path.display()),
        }
    }
}

pub fn execute(root: &Dir, actions: &[Action]) -> Result<()> {
    // Modes are set explicitly on every new file; mknodat alone takes them from
    // its argument, so the umask must not strip them.
    rustix::process::umask(Mode::empty());
    for (i, a) in actions.iter().enumerate() {
        run(root, a).with_context(|| {
            let done: Vec<String> = actions.iter().take(i).map(|a| format!("  {a}")).collect();
            format!("{a} failed; done before it:\n{}", done.join("\n"))
        })?;
    }
    Ok(())
}

fn run(root: &Dir, a: &Action) -> Result<()> {
    match a {
        Action::MkdirAll(p) => root.mkdir_all(root.rel(p)?),
        Action::Copy { from, to } => copy_all(root, root.rel(from)?, root.rel(to)?),
        Action::RemoveAll(p) => root.remove_all(root.rel(p)?),
        Action::Rename { from, to } => root.rename_new(root.rel(from)?, root.rel(to)?),
        Action::Symlink { target, at } => root.symlink(target.as_ref(), root.rel(at)?),
        Action::WriteInventory { path, text } => root.write_atomic(root.rel(path)?, text),
    }
}
