//! `list` and `check`: read-only, for v1 and v2 inventories alike.

use std::path::Path;

use anyhow::Result;
use osr_core::cdsl::CdslType;

use crate::tree::{Kind, Tree};

/// What `p` is; a symlink or file on the way to it (planted, or a tree gone
/// wrong) is a problem to report, not to follow: `None`.
fn kind(t: &Tree, p: &Path, out: &mut Vec<String>) -> Option<Kind> {
    match t.kind(p) {
        Ok(k) => Some(k),
        Err(e) => {
            note(out, &e);
            None
        }
    }
}

/// An error met on the way, as a problem line (once).
fn note(out: &mut Vec<String>, e: &anyhow::Error) {
    let line = format!("{e:#}");
    if !out.contains(&line) {
        out.push(line);
    }
}

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
        if kind(t, &dir, &mut out).is_some_and(|k| k != Kind::Dir) {
            out.push(format!("{}: missing directory", dir.display()));
        }
    }
    let node_dirs = node_dirs(t, &mut out)?;
    for c in &inv.cdsls {
        let mut nodes = c.nodes.clone();
        nodes.push(default.clone());
        match c.kind {
            CdslType::HostDependent => {
                let want = t.hostdependent_target(&c.src);
                check_link(t, &t.at(&c.src), &want, None, &mut out)?;
                for n in &nodes {
                    let copy = t.node(n, &c.src);
                    if kind(t, &copy, &mut out) == Some(Kind::Missing) {
                        out.push(format!("{}: missing node copy", copy.display()));
                    }
                }
            }
            CdslType::Shared => {
                let copy = t.at(&inv.sharedtree).join(&c.src);
                let missing = kind(t, &copy, &mut out) == Some(Kind::Missing);
                if missing {
                    out.push(format!("{}: missing shared copy", copy.display()));
                }
                let want = t.shared_target(&c.src);
                for n in &nodes {
                    check_link(t, &t.node(n, &c.src), &want, Some(missing), &mut out)?;
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
    inventory_copies(t, &mut out);
    Ok(out)
}

/// The inventory's other copies (every copy of a hostdependent CDSL above it)
/// must be there and the same as the one read: a tree edited by comoonics, which
/// wrote only the bound node's, or by hand.
fn inventory_copies(t: &Tree, out: &mut Vec<String>) {
    for rel in t.inventory_copies(&t.inv) {
        let copy = t.at(&rel);
        if copy == t.inv_path {
            continue;
        }
        match kind(t, &copy, out) {
            None => {}
            Some(Kind::Missing) => out.push(format!(
                "{}: missing copy of the inventory {}",
                copy.display(),
                t.inv_path.display()
            )),
            Some(_) => match t.dir.read_file(&rel) {
                Ok(text) if text == t.inv_text => {}
                Ok(_) => out.push(format!(
                    "{}: a copy of the inventory that differs from {} (read)",
                    copy.display(),
                    t.inv_path.display()
                )),
                Err(e) => note(out, &e),
            },
        }
    }
}

/// The node directories under the tree, `default` excluded.
fn node_dirs(t: &Tree, out: &mut Vec<String>) -> Result<Vec<String>> {
    let tree = t.at(&t.inv.tree);
    if kind(t, &tree, out) != Some(Kind::Dir) {
        return Ok(Vec::new());
    }
    let mut dirs = Vec::new();
    for name in t.list(&tree)? {
        if name != t.default_dir() && kind(t, &tree.join(&name), out) == Some(Kind::Dir) {
            dirs.push(name);
        }
    }
    Ok(dirs)
}

/// `at` must be a symlink to `want`. `dangling` says whether `want` resolves on
/// the server (the shared copy is missing), worked out without following the
/// link; `None` for links into the link directory, which only resolve on a
/// booted node.
fn check_link(
    t: &Tree,
    at: &Path,
    want: &str,
    dangling: Option<bool>,
    out: &mut Vec<String>,
) -> Result<()> {
    let Some(k) = kind(t, at, out) else {
        return Ok(());
    };
    if k != Kind::Symlink {
        out.push(format!(
            "{}: expected a symlink to {want}, found {}",
            at.display(),
            k.describe()
        ));
        return Ok(());
    }
    let got = t.read_link(at)?;
    if got != want {
        out.push(format!(
            "{}: points to {}, expected {want}",
            at.display(),
            got.to_string_lossy()
        ));
    } else if dangling == Some(true) {
        out.push(format!("{}: dangling link to {want}", at.display()));
    }
    Ok(())
}

/// Copies under `<tree>/default` that no inventory entry accounts for: the
/// inventory out of step with the tree (a CDSL made by hand, or half undone).
fn untracked(t: &Tree, rel: &str, out: &mut Vec<String>) -> Result<()> {
    let dir = t.node(t.default_dir(), rel);
    if kind(t, &dir, out) != Some(Kind::Dir) {
        return Ok(());
    }
    for name in t.list(&dir)? {
        let crel = if rel.is_empty() {
            name
        } else {
            format!("{rel}/{name}")
        };
        if t.inv.find(&crel).is_some() {
            continue;
        }
        let in_root = kind(t, &t.at(&crel), out);
        let in_default = kind(t, &t.node(t.default_dir(), &crel), out);
        match (in_root, in_default) {
            (Some(Kind::Dir), Some(Kind::Dir)) => untracked(t, &crel, out)?,
            _ => out.push(format!(
                "{}: a node copy of {crel}, which is not a CDSL in the inventory",
                t.node(t.default_dir(), &crel).display()
            )),
        }
    }
    Ok(())
}
