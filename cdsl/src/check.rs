//! `list` and `check`: read-only, for v1 and v2 inventories alike.

use std::fs;
use std::path::Path;

use anyhow::{Context, Result};
use osr_core::cdsl::{hostdependent_link_target, shared_link_target, CdslType};

use crate::tree::{kind, Kind, Tree};

/// One line per CDSL: `type<TAB>path<TAB>node,node`.
pub fn list(t: &Tree) -> Vec<String> {
    t.inv
        .cdsls
        .iter()
        .map(|c| format!("{}\t{}\t{}", c.kind.as_str(), c.src, c.nodes.join(",")))
        .collect()
}

/// Every problem found, one sentence each; empty when the tree is consistent.
pub fn check(t: &Tree) -> Result<Vec<String>> {
    let mut out = Vec::new();
    if !t.inv_exists {
        out.push(format!("{}: no inventory", t.inv_path.display()));
        return Ok(out);
    }
    let inv = &t.inv;
    let default = t.default_dir().to_string();
    for dir in [t.node(&default, ""), t.at(&inv.sharedtree), t.at(&inv.link)] {
        if kind(&dir)? != Kind::Dir {
            out.push(format!("{}: missing directory", dir.display()));
        }
    }
    let node_dirs = node_dirs(t)?;
    for c in &inv.cdsls {
        let mut nodes = c.nodes.clone();
        nodes.push(default.clone());
        match c.kind {
            CdslType::HostDependent => {
                let want = hostdependent_link_target(&c.src, &inv.link);
                check_link(&t.at(&c.src), &want, false, &mut out)?;
                for n in &nodes {
                    let copy = t.node(n, &c.src);
                    if kind(&copy)? == Kind::Missing {
                        out.push(format!("{}: missing node copy", copy.display()));
                    }
                }
            }
            CdslType::Shared => {
                let copy = t.at(&inv.sharedtree).join(&c.src);
                if kind(&copy)? == Kind::Missing {
                    out.push(format!("{}: missing shared copy", copy.display()));
                }
                let want = shared_link_target(&c.src, &inv.tree, &inv.sharedtree);
                for n in &nodes {
                    check_link(&t.node(n, &c.src), &want, true, &mut out)?;
                }
            }
            CdslType::Unknown => continue,
        }
        for d in node_dirs.iter().filter(|d| !nodes.contains(d)) {
            out.push(format!(
                "{}: node directory not in the inventory's nodes of {}",
                t.node(d, "").display(),
                c.src
            ));
        }
    }
    untracked(t, "", &mut out)?;
    Ok(out)
}

/// The node directories under the tree, `default` excluded.
fn node_dirs(t: &Tree) -> Result<Vec<String>> {
    let tree = t.at(&t.inv.tree);
    if kind(&tree)? != Kind::Dir {
        return Ok(Vec::new());
    }
    let mut dirs = Vec::new();
    for e in fs::read_dir(&tree).with_context(|| format!("listing {}", tree.display()))? {
        let e = e.with_context(|| format!("listing {}", tree.display()))?;
        let name = e.file_name().to_string_lossy().into_owned();
        if name != t.default_dir() && kind(&e.path())? == Kind::Dir {
            dirs.push(name);
        }
    }
    dirs.sort();
    Ok(dirs)
}

/// `at` must be a symlink to `want`; with `resolve`, its target must exist on
/// the server too (links into the link directory only resolve on a booted node).
fn check_link(at: &Path, want: &str, resolve: bool, out: &mut Vec<String>) -> Result<()> {
    let k = kind(at)?;
    if k != Kind::Symlink {
        out.push(format!(
            "{}: expected a symlink to {want}, found {}",
            at.display(),
            k.describe()
        ));
        return Ok(());
    }
    let got = fs::read_link(at).with_context(|| format!("reading {}", at.display()))?;
    if got != Path::new(want) {
        out.push(format!(
            "{}: points to {}, expected {want}",
            at.display(),
            got.display()
        ));
    } else if resolve && fs::metadata(at).is_err() {
        out.push(format!("{}: dangling link to {want}", at.display()));
    }
    Ok(())
}

/// Copies under `<tree>/default` that no inventory entry accounts for: the
/// inventory out of step with the tree (a CDSL made by hand, or half undone).
fn untracked(t: &Tree, rel: &str, out: &mut Vec<String>) -> Result<()> {
    let dir = t.node(t.default_dir(), rel);
    if kind(&dir)? != Kind::Dir {
        return Ok(());
    }
    let mut names: Vec<String> = fs::read_dir(&dir)
        .with_context(|| format!("listing {}", dir.display()))?
        .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect::<Result<_, _>>()
        .with_context(|| format!("listing {}", dir.display()))?;
    names.sort();
    for name in names {
        let crel = if rel.is_empty() {
            name
        } else {
            format!("{rel}/{name}")
        };
        if t.inv.find(&crel).is_some() {
            continue;
        }
        let in_root = kind(&t.at(&crel))?;
        let in_default = kind(&t.node(t.default_dir(), &crel))?;
        match (in_root, in_default) {
            (Kind::Dir, Kind::Dir) => untracked(t, &crel, out)?,
            _ => out.push(format!(
                "{}: a node copy of {crel}, which is not a CDSL in the inventory",
                t.node(t.default_dir(), &crel).display()
            )),
        }
    }
    Ok(())
}
