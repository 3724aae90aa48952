//! `init`, `hostdependent`, `shared` and `addnode` as plans: each validates the
//! whole request against the tree and the inventory first and refuses a conflict
//! before any action exists (legacy-sharedroot.md §1a, §1b).

use std::path::Path;

use anyhow::{bail, Result};
use osr_core::cdsl::{
    hostdependent_link_target, render_inventory, shared_link_target, Cdsl, CdslType, Inventory,
};

use crate::plan::Action;
use crate::tree::{plain_name, Kind, Tree};

fn write(t: &Tree, inv: &Inventory) -> Action {
    Action::WriteInventory {
        path: t.inv_path.clone(),
        text: render_inventory(inv),
    }
}

/// A directory we create if missing; anything else in its place is a conflict.
fn ensure_dir(t: &Tree, path: &Path, out: &mut Vec<Action>) -> Result<()> {
    match t.kind(path)? {
        Kind::Dir => Ok(()),
        Kind::Missing => {
            out.push(Action::MkdirAll(path.to_path_buf()));
            Ok(())
        }
        k => bail!(
            "{}: expected a directory, found {}",
            path.display(),
            k.describe()
        ),
    }
}

/// `com-cdslinvadm --create`: the shared tree, the link directory, the default
/// node directory, a `cp -a` of it for each node missing one, and the inventory
/// when there is none. An existing inventory (v1 too) is kept as it is.
pub fn init(t: &Tree, nodes: &[String]) -> Result<Vec<Action>> {
    let mut out = Vec::new();
    let inv = &t.inv;
    ensure_dir(t, &t.at(&inv.sharedtree), &mut out)?;
    ensure_dir(t, &t.at(&inv.link), &mut out)?;
    let default = t.node(t.default_dir(), "");
    ensure_dir(t, &default, &mut out)?;
    for n in nodes {
        let dir = t.node(n, "");
        match t.kind(&dir)? {
            Kind::Dir => {}
            Kind::Missing => out.push(Action::Copy {
                from: default.clone(),
                to: dir,
            }),
            k => bail!(
                "{}: expected a node directory, found {}",
                dir.display(),
                k.describe()
            ),
        }
    }
    if !t.inv_exists {
        ensure_dir(t, t.inv_path.parent().unwrap_or(&t.root), &mut out)?;
        out.push(write(t, inv));
    }
    Ok(out)
}

/// The checks `hostdependent` and `shared` share: not a CDSL yet, nothing CDSL
/// below it.
fn not_a_cdsl_yet(inv: &Inventory, rel: &str) -> Result<()> {
    if let Some(c) = inv.find(rel) {
        bail!("{rel}: already a {} CDSL", c.kind.as_str());
    }
    if let Some(c) = inv.descendants(rel).next() {
        bail!(
            "{rel}: holds the {} CDSL {}: expected no CDSL below it",
            c.kind.as_str(),
            c.src
        );
    }
    Ok(())
}

/// `com-mkcdsl -a PATH`: a copy per node and for `default`, then the path
/// replaced by a relative symlink into the link directory.
pub fn hostdependent(t: &Tree, nodes: &[String], arg: &str, now: &str) -> Result<Vec<Action>> {
    t.writable()?;
    let rel = t.rel_path(arg)?;
    let inv = &t.inv;
    not_a_cdsl_yet(inv, &rel)?;
    if let Some(c) = inv.ancestor(&rel) {
        bail!(
            "{rel}: below the {} CDSL {}: expected no CDSL above a hostdependent one",
            c.kind.as_str(),
            c.src
        );
    }
    let src = t.at(&rel);
    if t.kind(&src)? == Kind::Missing {
        bail!(
            "{}: missing: expected the file or directory to make hostdependent",
            src.display()
        );
    }
    let mut all: Vec<String> = nodes.to_vec();
    all.push(t.default_dir().to_string());
    let mut out = Vec::new();
    for n in &all {
        let node_dir = t.node(n, "");
        match t.kind(&node_dir)? {
            Kind::Dir => {}
            Kind::Missing => bail!(
                "{}: missing: run `osr-cdsl init` or `addnode {n}` first",
                node_dir.display()
            ),
            k => bail!(
                "{}: expected a directory, found {} (not followed)",
                node_dir.display(),
                k.describe()
            ),
        }
        let dest = t.node(n, &rel);
        if t.kind(&dest)? != Kind::Missing {
            bail!(
                "{}: already exists: expected no copy of {rel} yet",
                dest.display()
            );
        }
        if let Some(parent) = dest.parent() {
            if t.kind(parent)? == Kind::Missing {
                out.push(Action::MkdirAll(parent.to_path_buf()));
            }
        }
        out.push(Action::Copy {
            from: src.clone(),
            to: dest,
        });
    }
    out.push(Action::RemoveAll(src.clone()));
    out.push(Action::Symlink {
        target: hostdependent_link_target(&rel, &inv.link),
        at: src,
    });
    let mut new = inv.clone();
    new.cdsls.push(Cdsl {
        src: rel,
        kind: CdslType::HostDependent,
        timestamp: Some(now.to_string()),
        nodes: nodes.to_vec(),
    });
    out.push(write(t, &new));
    Ok(out)
}

/// `com-mkcdsl -s PATH`, PATH below a hostdependent CDSL: the `default` copy
/// moves to the shared tree and every node copy becomes a symlink to it.
/// (comoonics copies the booted node's version through `.cdsl.local`; offline,
/// `default` is the one we have.)
pub fn shared(t: &Tree, arg: &str, now: &str) -> Result<Vec<Action>> {
    t.writable()?;
    let rel = t.rel_path(arg)?;
    let inv = &t.inv;
    not_a_cdsl_yet(inv, &rel)?;
    let parent = match inv.ancestor(&rel) {
        Some(c) if c.kind == CdslType::HostDependent => c,
        Some(c) => bail!(
            "{rel}: below the {} CDSL {}: expected a hostdependent CDSL above a shared one",
            c.kind.as_str(),
            c.src
        ),
        None => bail!("{rel}: not below a hostdependent CDSL: nothing to share"),
    };
    let default = t.default_dir().to_string();
    let src = t.node(&default, &rel);
    if t.kind(&src)? == Kind::Missing {
        bail!(
            "{}: missing: expected the default copy to share",
            src.display()
        );
    }
    let dest = t.at(&inv.sharedtree).join(&rel);
    if t.kind(&dest)? != Kind::Missing {
        bail!(
            "{}: already exists: expected no shared copy yet",
            dest.display()
        );
    }
    let mut out = Vec::new();
    if let Some(p) = dest.parent() {
        if t.kind(p)? == Kind::Missing {
            out.push(Action::MkdirAll(p.to_path_buf()));
        }
    }
    out.push(Action::Copy {
        from: src,
        to: dest,
    });
    let target = shared_link_target(&rel, &inv.tree, &inv.sharedtree);
    let mut all = parent.nodes.clone();
    all.push(default);
    for n in &all {
        let at = t.node(n, &rel);
        match (t.kind(&at)?, at.parent()) {
            (Kind::Missing, Some(p)) if t.kind(p)? == Kind::Missing => {
                out.push(Action::MkdirAll(p.to_path_buf()));
            }
            (Kind::Missing, _) => {}
            _ => out.push(Action::RemoveAll(at.clone())),
        }
        out.push(Action::Symlink {
            target: target.clone(),
            at,
        });
    }
    let mut new = inv.clone();
    new.cdsls.push(Cdsl {
        src: rel,
        kind: CdslType::Shared,
        timestamp: Some(now.to_string()),
        nodes: parent.nodes.clone(),
    });
    out.push(write(t, &new));
    Ok(out)
}

/// `com-cdslinvadm --addnode N`: `cp -a <tree>/default <tree>/N` and N added to
/// every CDSL's nodes.
pub fn addnode(t: &Tree, node: &str) -> Result<Vec<Action>> {
    t.writable()?;
    plain_name("", node)?;
    if node == t.default_dir() {
        bail!("{node}: the default directory: expected a node");
    }
    let default = t.node(t.default_dir(), "");
    match t.kind(&default)? {
        Kind::Dir => {}
        Kind::Missing => bail!("{}: missing: run `osr-cdsl init` first", default.display()),
        k => bail!(
            "{}: expected a directory, found {} (not followed)",
            default.display(),
            k.describe()
        ),
    }
    let dir = t.node(node, "");
    if t.kind(&dir)? != Kind::Missing {
        bail!("{}: already exists: expected a new node", dir.display());
    }
    let mut new = t.inv.clone();
    for c in &mut new.cdsls {
        if !c.nodes.iter().any(|n| n == node) {
            c.nodes.push(node.to_string());
        }
    }
    Ok(vec![
        Action::Copy {
            from: default,
            to: dir,
        },
        write(t, &new),
    ])
}
