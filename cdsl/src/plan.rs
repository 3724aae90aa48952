//! What a command will do, as a list of actions: printed by `--dry-run`,
//! executed otherwise. Commands validate everything before they return a plan, so
//! executing only fails on an I/O error.

use std::fmt;
use std::fs;
use std::io::Write;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::copy::copy_all;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    MkdirAll(PathBuf),
    /// `cp -a from to`; `to` does not exist.
    Copy {
        from: PathBuf,
        to: PathBuf,
    },
    RemoveAll(PathBuf),
    Symlink {
        target: String,
        at: PathBuf,
    },
    /// Written to `<path>.tmp`, then renamed over `path`.
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
            Action::Symlink { target, at } => write!(f, "ln -s {target} {}", at.display()),
            Action::WriteInventory { path, .. } => write!(f, "write {}", path.display()),
        }
    }
}

pub fn execute(actions: &[Action]) -> Result<()> {
    for (i, a) in actions.iter().enumerate() {
        run(a).with_context(|| {
            let done: Vec<String> = actions.iter().take(i).map(|a| format!("  {a}")).collect();
            format!("{a} failed; done before it:\n{}", done.join("\n"))
        })?;
    }
    Ok(())
}

fn run(a: &Action) -> Result<()> {
    match a {
        Action::MkdirAll(p) => fs::create_dir_all(p).map_err(Into::into),
        Action::Copy { from, to } => copy_all(from, to),
        Action::RemoveAll(p) => remove_all(p),
        Action::Symlink { target, at } => symlink(target, at).map_err(Into::into),
        Action::WriteInventory { path, text } => write_atomic(path, text),
    }
}

fn remove_all(p: &Path) -> Result<()> {
    if fs::symlink_metadata(p)?.is_dir() {
        fs::remove_dir_all(p)?;
    } else {
        fs::remove_file(p)?;
    }
    Ok(())
}

/// `<path>.tmp`, fsynced, renamed over `path`: a reader sees the old or the new
/// inventory, never half of one.
fn write_atomic(path: &Path, text: &str) -> Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let mut f = fs::File::create(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
    f.write_all(text.as_bytes())
        .and_then(|()| f.sync_all())
        .with_context(|| format!("writing {}", tmp.display()))?;
    fs::rename(&tmp, path)
        .with_context(|| format!("renaming {} to {}", tmp.display(), path.display()))
}
