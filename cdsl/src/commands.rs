//! `init`, `hostdependent`, `shared` and `addnode` as plans: each validates the
//! whole request against the tree and the inventory first and refuses a conflict
//! before any action exists (legacy-sharedroot.md §1a, §1b). A v1 tree is edited
//! as v1 (its links and its inventory format, see `v1`), a v2 tree as v2.

use std::path::{Path, PathBuf};

use anyhow::{bail, Result};
use osr_core::cdsl::{Cdsl, CdslType, Inventory, InventoryVersion};

use crate::plan::Action;
use crate::tree::{plain_name, Kind, Tree};

/// How `hostdependent` and `shared` treat what they replace, and the timestamp
/// of the new inventory entry.
pub struct Edit {
    /// `com-mkcdsl -b` (`Some(true)`): the original is kept as `<path>.orig`
    /// beside it instead of being removed; `-f` (`Some(false)`): removed. Neither:
    /// the default of the tree's generation, as com-mkcdsl had it: kept in a v1
    /// tree, removed in a v2 tree.
    pub backup: Option<bool>,
    /// `time.time()` as comoonics wrote it.
    pub now: String,
}

/// `inv` written wherever it lives once in effect (see `locate`): every copy of
/// a hostdependent CDSL above it, so that they do not diverge, else one file. A
/// directory missing now is made first (`mkdir -p` is a no-op when the plan's
/// copies made it).
fn write(t: &Tree, inv: &Inventory, out: &mut Vec<Action>) -> Result<()> {
    let text = t.render(inv);
    for rel in t.inventory_copies(inv) {
        let path = t.at(&rel);
        if let Some(p) = path.parent().filter(|p| *p != t.root) {
            ensure_dir(t, p, out)?;
        }
        out.push(Action::WriteInventory {
            path,
            text: text.clone(),
        });
    }
    Ok(())
}

/// `<path>.orig`, as `com-mkcdsl -b` names the backup.
fn backup_name(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_os_string();
    s.push(".orig");
    PathBuf::from(s)
}

/// What replaces `path` (which exists): `rm -rf`, or with `-b` a rename to
/// `<path>.orig`, refused here when that name is already taken.
fn set_aside(t: &Tree, path: &Path, e: &Edit) -> Result<Action> {
    if !e.backup.unwrap_or(t.inv.version == InventoryVersion::V1) {
        return Ok(Action::RemoveAll(path.to_path_buf()));
    }
    let to = backup_name(path);
    match t.kind(&to)? {
        Kind::Missing => Ok(Action::Rename {
            from: path.to_path_buf(),
            to,
        }),
        k => bail!(
            "{}: already exists ({}): expected no backup of {} there yet",
            to.display(),
            k.describe(),
            path.display()
        ),
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
        write(t, inv, &mut out)?;
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

/// `com-mkcdsl -a [-b] PATH`: a copy per node and for `default`, then the path
/// replaced (removed, or kept as `PATH.orig`) by a relative symlink into the
/// link directory.
pub fn hostdependent(t: &Tree, nodes: &[String], arg: &str, e: &Edit) -> Result<Vec<Action>> {
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
    out.push(set_aside(t, &src, e)?);
    out.push(Action::Symlink {
        target: t.hostdependent_target(&rel),
        at: src,
    });
    let mut new = inv.clone();
    new.cdsls.push(Cdsl {
        src: rel,
        kind: CdslType::HostDependent,
        timestamp: Some(e.now.clone()),
        nodes: nodes.to_vec(),
    });
    write(t, &new, &mut out)?;
    Ok(out)
}

/// `com-mkcdsl -s [-b] PATH`, PATH below a hostdependent CDSL: one copy moves
/// to the shared tree and every node copy becomes a symlink to it (removed, or
/// kept as `<copy>.orig`). The copy shared is `default`'s in a v2 tree
/// (comoonics v2 took the booted node's through `.cdsl.local`; offline, nothing
/// is bound there), the first node's in a v1 tree, as comoonics v1 did.
pub fn shared(t: &Tree, arg: &str, e: &Edit) -> Result<Vec<Action>> {
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
    let from = match (inv.version, parent.nodes.first()) {
        (InventoryVersion::V1, Some(first)) => first,
        _ => &default,
    };
    let src = t.node(from, &rel);
    if t.kind(&src)? == Kind::Missing {
        bail!(
            "{}: missing: expected the {from} copy to share",
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
    let target = t.shared_target(&rel);
    let mut all = parent.nodes.clone();
    all.push(default);
    for n in &all {
        let at = t.node(n, &rel);
        match (t.kind(&at)?, at.parent()) {
            (Kind::Missing, Some(p)) if t.kind(p)? == Kind::Missing => {
                out.push(Action::MkdirAll(p.to_path_buf()));
            }
            (Kind::Missing, _) => {}
            _ => out.push(set_aside(t, &at, e)?),
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
        timestamp: Some(e.now.clone()),
        nodes: parent.nodes.clone(),
    });
    write(t, &new, &mut out)?;
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
    let mut out = vec![Action::Copy {
        from: default,
        to: dir,
    }];
    write(t, &new, &mut out)?;
    Ok(out)
}
