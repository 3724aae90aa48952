//! A shared root on the server: its directory handle and its CDSL inventory.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use osr_core::cdsl::{
    hostdependent_link_target, is_below, normalize, parse_inventory, render_inventory,
    shared_link_target, Inventory, InventoryVersion, V1_INVENTORY, V2_INVENTORY,
};

pub use crate::beneath::Kind;
use crate::beneath::{self, Dir};
use crate::{locate, v1};

pub struct Tree {
    pub root: PathBuf,
    /// `--root` as the admin wrote it (`root` is canonical), for path arguments
    /// that start with it.
    given_root: PathBuf,
    /// Every file operation below the root goes through this handle.
    pub dir: Dir,
    pub inv: Inventory,
    /// Where the inventory was read from (a v1 one moved into a CDSL: a node's
    /// copy or the shared one), or will be written to.
    pub inv_path: PathBuf,
    /// The inventory as a booted node sees it: `V2_INVENTORY` or `V1_INVENTORY`.
    pub inv_logical: &'static str,
    /// Its text as read, to compare its other copies with.
    pub inv_text: String,
    pub inv_exists: bool,
}

/// A name that becomes one directory below the tree (a node, `default_dir`):
/// one plain component, so that it cannot climb out of the root.
pub fn plain_name(what: &str, v: &str) -> Result<()> {
    if v.is_empty() || v == "." || v == ".." || v.contains(['/', '\0']) {
        bail!("{what}{v:?}: expected one plain name, without '/', not '.' or '..'");
    }
    Ok(())
}

/// The inventory's values that name directories, checked where it is read
/// (`tree`, `sharedtree`, `link` and `src` are normalised by the parser: relative,
/// without `..`).
fn validate(inv: &Inventory) -> Result<()> {
    plain_name("default_dir=", &inv.default_dir)?;
    if !inv.node_prefix.is_empty() {
        plain_name("node_prefix=", &inv.node_prefix)?;
    }
    for c in &inv.cdsls {
        for n in &c.nodes {
            plain_name(&format!("<cdsl src={:?}>: <noderef ref=", c.src), n)?;
        }
    }
    Ok(())
}

/// The link that replaces each node's copy of shared `rel` in `inv`'s layout,
/// per version.
pub fn shared_target_of(inv: &Inventory, rel: &str) -> String {
    match inv.version {
        InventoryVersion::V1 => v1::shared_link_target(rel, &inv.sharedtree),
        InventoryVersion::V2 => shared_link_target(rel, &inv.tree, &inv.sharedtree),
    }
}

impl Tree {
    /// Reads `<root>/.cdsl_inventory.xml`, else the v1
    /// `<root>/var/lib/cdsl/cdsl_inventory.xml`, found through the CDSL links the
    /// legacy recipe makes above it (see `locate`); without either, a new v2
    /// inventory to be written at the first.
    pub fn load(given: &Path) -> Result<Tree> {
        // Canonical, so that an absolute PATH argument can be matched against it.
        let root = fs::canonicalize(given)
            .with_context(|| format!("root {}: expected a directory", given.display()))?;
        let given_root = given.to_path_buf();
        let dir = Dir::open_root(&root)?;
        for (logical, layout) in [
            (V2_INVENTORY, Inventory::new_v2()),
            (V1_INVENTORY, v1::defaults()),
        ] {
            let Some((real, mapped)) = locate::find(&dir, logical, &layout)? else {
                continue;
            };
            let path = dir.show(&real);
            let text = dir.read_file(&real)?;
            let inv = parse_inventory(&text)
                .map_err(anyhow::Error::msg)
                .and_then(|inv| validate(&inv).map(|()| inv))
                .and_then(|inv| match mapped {
                    true => locate::confirm(&inv, &layout, logical, &real).map(|()| inv),
                    false => Ok(inv),
                })
                .with_context(|| format!("parsing {}", path.display()))?;
            return Ok(Tree {
                root,
                given_root,
                dir,
                inv,
                inv_logical: logical,
                inv_text: text,
                inv_path: path,
                inv_exists: true,
            });
        }
        Ok(Tree {
            inv_path: root.join(V2_INVENTORY),
            root,
            given_root,
            dir,
            inv: Inventory::new_v2(),
            inv_logical: V2_INVENTORY,
            inv_text: String::new(),
            inv_exists: false,
        })
    }

    /// What `p` (below the root) is, not following a symlink, nor one on the way.
    pub fn kind(&self, p: &Path) -> Result<Kind> {
        if p == self.root {
            return Ok(Kind::Dir);
        }
        self.dir.kind(self.rel(p)?)
    }

    /// `p` relative to the root.
    pub fn rel<'a>(&self, p: &'a Path) -> Result<&'a str> {
        self.dir.rel(p)
    }

    /// The names in directory `p` below the root, sorted.
    pub fn list(&self, p: &Path) -> Result<Vec<String>> {
        let rel = self.rel(p)?;
        let d = self
            .dir
            .dir(rel)?
            .with_context(|| format!("{}: missing", p.display()))?;
        d.list()
    }

    /// The target of the symlink `p` below the root.
    pub fn read_link(&self, p: &Path) -> Result<std::ffi::OsString> {
        let rel = self.rel(p)?;
        let (parent, name) = beneath::split(rel);
        let d = self
            .dir
            .dir(parent)?
            .with_context(|| format!("{}: missing", p.display()))?;
        d.read_link(name)
    }

    pub fn at(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    /// `<root>/<tree>/<node>/<rel>`; `rel` may be empty for the node directory.
    pub fn node(&self, node: &str, rel: &str) -> PathBuf {
        let dir = self.root.join(&self.inv.tree).join(node);
        match rel {
            "" => dir,
            rel => dir.join(rel),
        }
    }

    /// The default node directory's name.
    pub fn default_dir(&self) -> &str {
        &self.inv.default_dir
    }

    /// Refuses to modify a tree without an inventory.
    pub fn writable(&self) -> Result<()> {
        if !self.inv_exists {
            bail!(
                "no inventory under {} ({V2_INVENTORY} or {V1_INVENTORY}): run `osr-cdsl init` first",
                self.root.display()
            );
        }
        Ok(())
    }

    /// The inventory text in the tree's own format: v1 stays v1.
    pub fn render(&self, inv: &Inventory) -> String {
        match inv.version {
            InventoryVersion::V1 => v1::render_inventory(inv),
            InventoryVersion::V2 => render_inventory(inv),
        }
    }

    /// The link that replaces hostdependent `rel` (the same in v1 and v2).
    pub fn hostdependent_target(&self, rel: &str) -> String {
        hostdependent_link_target(rel, &self.inv.link)
    }

    /// The link that replaces each node's copy of shared `rel`, per version.
    pub fn shared_target(&self, rel: &str) -> String {
        shared_target_of(&self.inv, rel)
    }

    /// Where the inventory lives once `inv` is in effect, relative to the root.
    pub fn inventory_copies(&self, inv: &Inventory) -> Vec<String> {
        locate::copies(inv, self.inv_logical)
    }

    /// A path argument as `com-mkcdsl` took it, relative to the root:
    /// - absolute and starting with the root (as `com-mkcdsl -r ROOT` was
    ///   given it): the rest;
    /// - any other absolute path: that path inside the root, as when
    ///   `com-mkcdsl -a /var` ran in a chroot of it;
    /// - relative: relative to the root.
    ///
    /// `..` is refused (the chroot could not climb out either, and no symlink is
    /// resolved to give it a meaning). A path through the link directory, the
    /// shared tree or a node directory is the path below it (comoonics stripped
    /// `link/`, `sharedtree/` and `tree/<node>/`); the CDSL infrastructure itself
    /// and the inventory are refused.
    pub fn rel_path(&self, arg: &str) -> Result<String> {
        let p = Path::new(arg);
        let in_root = [&self.root, &self.given_root]
            .into_iter()
            .filter(|r| p.is_absolute() && r.as_path() != Path::new("/"))
            .find_map(|r| p.strip_prefix(r).ok());
        let rel = match in_root {
            Some(r) => r.to_string_lossy().into_owned(),
            None => arg.to_string(),
        };
        let rel = normalize(&rel).map_err(anyhow::Error::msg)?;
        let rel = self.below_infrastructure(&rel).unwrap_or(rel);
        let inv = &self.inv;
        for infra in [&inv.tree, &inv.sharedtree, &inv.link] {
            if rel == *infra || is_below(&rel, infra) || is_below(infra, &rel) {
                bail!(
                    "{rel}: part of the CDSL infrastructure ({infra}): expected a path outside it"
                );
            }
        }
        if rel == self.inv_logical {
            bail!("{rel}: the inventory itself: expected a path other than it");
        }
        Ok(rel)
    }

    /// `rel` without a leading `<link>/`, `<sharedtree>/` or `<tree>/<node>/`.
    fn below_infrastructure(&self, rel: &str) -> Option<String> {
        let inv = &self.inv;
        let under = |dir: &str| {
            rel.strip_prefix(dir)
                .and_then(|r| r.strip_prefix('/'))
                .filter(|_| !dir.is_empty())
        };
        under(&inv.link)
            .or_else(|| under(&inv.sharedtree))
            .or_else(|| under(&inv.tree).and_then(|r| r.split_once('/').map(|(_, r)| r)))
            .map(str::to_string)
    }
}
