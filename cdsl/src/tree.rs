//! A shared root on the server: its directory handle and its CDSL inventory.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use osr_core::cdsl::{
    is_below, normalize, parse_inventory, Inventory, InventoryVersion, V1_INVENTORY, V2_INVENTORY,
};

pub use crate::beneath::Kind;
use crate::beneath::{self, Dir};

pub struct Tree {
    pub root: PathBuf,
    /// Every file operation below the root goes through this handle.
    pub dir: Dir,
    pub inv: Inventory,
    /// Where the inventory was read from, or will be written to.
    pub inv_path: PathBuf,
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

impl Tree {
    /// Reads `<root>/.cdsl_inventory.xml`, else `<root>/var/lib/cdsl/cdsl_inventory.xml`;
    /// without either, a new v2 inventory to be written at the first.
    pub fn load(root: &Path) -> Result<Tree> {
        // Canonical, so that an absolute PATH argument can be matched against it.
        let root = fs::canonicalize(root)
            .with_context(|| format!("root {}: expected a directory", root.display()))?;
        let dir = Dir::open_root(&root)?;
        for rel in [V2_INVENTORY, V1_INVENTORY] {
            match dir.kind(rel)? {
                Kind::Missing => continue,
                Kind::Symlink => bail!(
                    "{}: expected a file, found a symlink (not followed)",
                    dir.show(rel).display()
                ),
                Kind::Dir | Kind::Other => {}
            }
            let path = dir.show(rel);
            let text = dir.read_file(rel)?;
            let inv = parse_inventory(&text)
                .map_err(anyhow::Error::msg)
                .and_then(|inv| validate(&inv).map(|()| inv))
                .with_context(|| format!("parsing {}", path.display()))?;
            return Ok(Tree {
                root,
                dir,
                inv,
                inv_path: path,
                inv_exists: true,
            });
        }
        Ok(Tree {
            inv_path: root.join(V2_INVENTORY),
            root,
            dir,
            inv: Inventory::new_v2(),
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

    /// The text of a file below the root, not through a symlink.
    pub fn read(&self, p: &Path) -> Result<String> {
        let rel = self.rel(p)?;
        if self.dir.kind(rel)? == Kind::Symlink {
            bail!(
                "{}: expected a file, found a symlink (not followed)",
                p.display()
            );
        }
        self.dir.read_file(rel)
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

    /// Refuses to modify a tree without an inventory, or with a v1 one.
    pub fn writable(&self) -> Result<()> {
        if !self.inv_exists {
            bail!(
                "no inventory under {} ({V2_INVENTORY} or {V1_INVENTORY}): run `osr-cdsl init` first",
                self.root.display()
            );
        }
        if self.inv.version == InventoryVersion::V1 {
            bail!(
                "{} is a v1 inventory: osr-cdsl reads it (list, check) but does not rewrite it",
                self.inv_path.display()
            );
        }
        Ok(())
    }

    /// A path argument relative to the root: absolute ones must lie under it.
    /// Paths in the CDSL infrastructure itself are refused.
    pub fn rel_path(&self, arg: &str) -> Result<String> {
        let p = Path::new(arg);
        let rel = match p.strip_prefix(&self.root) {
            Ok(r) if p.is_absolute() => r.to_string_lossy().into_owned(),
            _ if p.is_absolute() && self.root != Path::new("/") => {
                bail!("{arg}: outside the root {}", self.root.display())
            }
            _ => arg.to_string(),
        };
        let rel = normalize(&rel).map_err(anyhow::Error::msg)?;
        let inv = &self.inv;
        let inv_rel = self
            .inv_path
            .strip_prefix(&self.root)
            .unwrap_or(&self.inv_path);
        for infra in [&inv.tree, &inv.sharedtree, &inv.link] {
            if rel == *infra || is_below(&rel, infra) || is_below(infra, &rel) {
                bail!(
                    "{rel}: part of the CDSL infrastructure ({infra}): expected a path outside it"
                );
            }
        }
        if Path::new(&rel) == inv_rel || is_below(&inv_rel.to_string_lossy(), &rel) {
            bail!("{rel}: holds the inventory {}", inv_rel.display());
        }
        Ok(rel)
    }
}
