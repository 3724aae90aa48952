//! A shared root on the server: its directory and its CDSL inventory.

use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use osr_core::cdsl::{
    is_below, normalize, parse_inventory, Inventory, InventoryVersion, V1_INVENTORY, V2_INVENTORY,
};

pub struct Tree {
    pub root: PathBuf,
    pub inv: Inventory,
    /// Where the inventory was read from, or will be written to.
    pub inv_path: PathBuf,
    pub inv_exists: bool,
}

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
}

/// What `p` is, not following a symlink.
pub fn kind(p: &Path) -> Result<Kind> {
    match fs::symlink_metadata(p) {
        Ok(md) if md.file_type().is_symlink() => Ok(Kind::Symlink),
        Ok(md) if md.is_dir() => Ok(Kind::Dir),
        Ok(_) => Ok(Kind::Other),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(Kind::Missing),
        Err(e) => Err(e).with_context(|| format!("inspecting {}", p.display())),
    }
}

impl Tree {
    /// Reads `<root>/.cdsl_inventory.xml`, else `<root>/var/lib/cdsl/cdsl_inventory.xml`;
    /// without either, a new v2 inventory to be written at the first.
    pub fn load(root: &Path) -> Result<Tree> {
        // Canonical, so that an absolute PATH argument can be matched against it.
        let root = &fs::canonicalize(root)
            .with_context(|| format!("root {}: expected a directory", root.display()))?;
        for rel in [V2_INVENTORY, V1_INVENTORY] {
            let path = root.join(rel);
            if kind(&path)? == Kind::Missing {
                continue;
            }
            let text =
                fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
            let inv = parse_inventory(&text)
                .map_err(anyhow::Error::msg)
                .with_context(|| format!("parsing {}", path.display()))?;
            return Ok(Tree {
                root: root.to_path_buf(),
                inv,
                inv_path: path,
                inv_exists: true,
            });
        }
        Ok(Tree {
            root: root.to_path_buf(),
            inv: Inventory::new_v2(),
            inv_path: root.join(V2_INVENTORY),
            inv_exists: false,
        })
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

/// Every directory above `rel` under `base` must be a real directory or missing
/// (to be made by `mkdir -p`): a symlink there would make us write outside the
/// place we checked.
pub fn real_parents(base: &Path, rel: &str) -> Result<()> {
    let mut p = base.to_path_buf();
    let parts: Vec<&str> = rel.split('/').collect();
    for part in parts.iter().take(parts.len().saturating_sub(1)) {
        p.push(part);
        match kind(&p)? {
            Kind::Dir => {}
            Kind::Missing => return Ok(()),
            k => bail!(
                "{}: expected a directory, found {}",
                p.display(),
                k.describe()
            ),
        }
    }
    Ok(())
}
