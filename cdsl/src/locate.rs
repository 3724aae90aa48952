//! Where the inventory is on the server, once the CDSLs the legacy recipe makes
//! have moved it (legacy-sharedroot.md §4: `com-mkcdsl -a /var; com-mkcdsl -s
//! /var/lib` on a v1 tree).
//!
//! The v1 inventory is `var/lib/cdsl/cdsl_inventory.xml` as a booted node sees
//! it. After `hostdependent var` it lives in every node copy and `default`'s
//! (`cluster/cdsl/<n>/var/lib/cdsl/…`) and `var` is the link `cdsl.local/var`;
//! after `shared var/lib` it lives once in `cluster/shared/var/lib/cdsl/…` and
//! every node copy's `var/lib` is the link `../../cluster/shared/var/lib`. Those
//! links resolve only through the link directory bound on a booted node, so on
//! the server they are mapped, never followed:
//!
//! - [`find`] walks the path one component at a time, through the root's handle.
//!   A symlink is read (`readlinkat`) and accepted only when its target is exactly
//!   the link osr-cdsl writes there: the hostdependent link of that path outside
//!   the trees (the walk goes on in the first node's copy, see [`first_node`]), the
//!   shared link inside a node copy (it goes on in the shared tree). Any other
//!   symlink is refused, named, with its target.
//! - [`copies`] says, from an inventory alone, where it lives once that inventory
//!   is in effect: every copy of a hostdependent CDSL above it (they are all
//!   written, so that they do not diverge), the shared copy of a shared one, or
//!   the path itself.

use anyhow::{bail, Context, Result};
use osr_core::cdsl::{hostdependent_link_target, CdslType, Inventory};

use crate::beneath::{split, Dir, Kind};
use crate::tree::shared_target_of;

/// Where the walk is: in the root itself, in a node copy, in the shared tree.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    Root,
    Node,
    Shared,
}

fn join(dir: &str, name: &str) -> String {
    match dir {
        "" => name.to_string(),
        dir => format!("{dir}/{name}"),
    }
}

/// Where `logical` lives while `inv` is in effect, relative to the root: the
/// copies of the nearest CDSL above it (its nodes and the default directory for a
/// hostdependent one, the shared tree for a shared one), else `logical` itself.
pub fn copies(inv: &Inventory, logical: &str) -> Vec<String> {
    match inv.ancestor(logical) {
        Some(c) if c.kind == CdslType::HostDependent => c
            .nodes
            .iter()
            .chain(std::iter::once(&inv.default_dir))
            .map(|n| format!("{}/{n}/{logical}", inv.tree))
            .collect(),
        Some(c) if c.kind == CdslType::Shared => vec![format!("{}/{logical}", inv.sharedtree)],
        _ => vec![logical.to_string()],
    }
}

/// The node whose copy a hostdependent link leads to on the server: the first
/// name under the tree but the default directory (all-digit names in numeric
/// order, before the others in byte order), which must be a directory. comoonics
/// v1 took `nodes[0]`, and the legacy recipe ran in a chroot with node 1 bound on
/// `cdsl.local`; osr-cdsl writes every copy alike, so any would do.
fn first_node(dir: &Dir, layout: &Inventory) -> Result<Option<String>> {
    let Some(tree) = dir.dir(&layout.tree)? else {
        return Ok(None);
    };
    let mut names: Vec<String> = tree
        .list()?
        .into_iter()
        .filter(|n| *n != layout.default_dir)
        .collect();
    names.sort_by_key(|n| (n.parse::<u64>().map_or((1, 0), |v| (0, v)), n.clone()));
    let Some(first) = names.into_iter().next() else {
        return Ok(None);
    };
    match tree.kind_of(&first)? {
        Kind::Dir => Ok(Some(first)),
        k => bail!(
            "{}: expected the first node directory, found {} (not followed)",
            tree.show(&first).display(),
            k.describe()
        ),
    }
}

/// The real path, relative to the root, of the file a booted node sees at
/// `logical`, the links on the way mapped as `layout` (tree, shared tree, link
/// directory, version) writes them; `None` when it is missing. Whether a link was
/// mapped on the way is returned too.
pub fn find(dir: &Dir, logical: &str, layout: &Inventory) -> Result<Option<(String, bool)>> {
    let (parent, name) = split(logical);
    let (mut real, mut walked, mut place) = (String::new(), String::new(), Place::Root);
    for c in parent.split('/').filter(|c| !c.is_empty()) {
        walked = join(&walked, c);
        let here = join(&real, c);
        let show = dir.show(&here);
        match dir.kind(&here)? {
            Kind::Missing => return Ok(None),
            Kind::Dir => real = here,
            Kind::Other => bail!(
                "{}: expected a directory on the way to {logical}, found a file",
                show.display()
            ),
            Kind::Symlink => {
                let (p, n) = split(&here);
                let target = dir
                    .dir(p)?
                    .with_context(|| format!("{}: parent gone", show.display()))?
                    .read_link(n)?;
                let want = match place {
                    Place::Root => hostdependent_link_target(&walked, &layout.link),
                    Place::Node => shared_target_of(layout, &walked),
                    Place::Shared => String::new(),
                };
                if place == Place::Shared || target.as_os_str() != want.as_str() {
                    let expected = match place {
                        Place::Shared => "no symlink in the shared tree".to_string(),
                        _ => format!("the CDSL link {want}"),
                    };
                    bail!(
                        "{}: a symlink to {}, on the way to {logical}: expected a directory or \
                         {expected} (not followed)",
                        show.display(),
                        target.to_string_lossy()
                    );
                }
                (real, place) = match place {
                    Place::Root => {
                        let node = first_node(dir, layout)?.with_context(|| {
                            format!(
                                "{}: a CDSL link, but {} has no node directory to find {logical} in",
                                show.display(),
                                dir.show(&layout.tree).display()
                            )
                        })?;
                        (format!("{}/{node}/{walked}", layout.tree), Place::Node)
                    }
                    _ => (format!("{}/{walked}", layout.sharedtree), Place::Shared),
                };
            }
        }
    }
    let file = join(&real, name);
    match dir.kind(&file)? {
        Kind::Missing => Ok(None),
        Kind::Symlink => bail!(
            "{}: expected a file, found a symlink (not followed)",
            dir.show(&file).display()
        ),
        Kind::Dir | Kind::Other => Ok(Some((file, place != Place::Root))),
    }
}

/// An inventory read at `real` through mapped links must be where it says it is:
/// the layout the links were mapped with is its own, and `real` is one of its
/// [`copies`]. Otherwise the links and the inventory disagree, and editing would
/// write it elsewhere.
pub fn confirm(inv: &Inventory, layout: &Inventory, logical: &str, real: &str) -> Result<()> {
    let ours = (&layout.tree, &layout.sharedtree, &layout.link);
    if (&inv.tree, &inv.sharedtree, &inv.link) != ours {
        bail!(
            "it names tree {}, shared tree {} and link directory {}, but was reached through \
             CDSL links of {}, {} and {}: expected those (osr-cdsl finds an inventory moved \
             into a CDSL only in the default v1 layout)",
            inv.tree,
            inv.sharedtree,
            inv.link,
            ours.0,
            ours.1,
            ours.2
        );
    }
    let want = copies(inv, logical);
    if !want.iter().any(|w| w == real) {
        bail!(
            "found at {real}, but its CDSLs put {logical} at {}: expected the inventory to list \
             the CDSLs it was reached through (and the node read from)",
            want.join(", ")
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use osr_core::cdsl::{parse_inventory, V1_INVENTORY};

    use super::*;

    const RECIPE: &str = r#"<cdsls config_version="1">
  <cdsl src="/var" type="hostdependent"><nodes><noderef ref="id_1"/><noderef ref="id_2"/></nodes></cdsl>
  <cdsl src="/var/lib" type="shared"><nodes><noderef ref="id_1"/><noderef ref="id_2"/></nodes></cdsl>
  <defaults cdsltree="cluster/cdsl" cdsltree_shared="cluster/shared" cdsl_link="cdsl.local"
            maxnodeidnum="0" use_nodeids="True" default_dir="default"/>
</cdsls>"#;

    #[test]
    fn the_inventory_follows_the_cdsls_above_it() {
        let mut inv = parse_inventory(RECIPE).unwrap();
        assert_eq!(
            copies(&inv, V1_INVENTORY),
            ["cluster/shared/var/lib/cdsl/cdsl_inventory.xml"]
        );
        inv.cdsls.pop();
        assert_eq!(
            copies(&inv, V1_INVENTORY),
            [
                "cluster/cdsl/1/var/lib/cdsl/cdsl_inventory.xml",
                "cluster/cdsl/2/var/lib/cdsl/cdsl_inventory.xml",
                "cluster/cdsl/default/var/lib/cdsl/cdsl_inventory.xml"
            ]
        );
        assert_eq!(copies(&inv, ".cdsl_inventory.xml"), [".cdsl_inventory.xml"]);
        inv.cdsls.clear();
        assert_eq!(copies(&inv, V1_INVENTORY), [V1_INVENTORY]);
    }

    #[test]
    fn an_inventory_that_does_not_account_for_its_place_is_refused() {
        let inv = parse_inventory(RECIPE).unwrap();
        let layout = inv.clone();
        let shared = "cluster/shared/var/lib/cdsl/cdsl_inventory.xml";
        confirm(&inv, &layout, V1_INVENTORY, shared).unwrap();
        let node = "cluster/cdsl/1/var/lib/cdsl/cdsl_inventory.xml";
        let e = confirm(&inv, &layout, V1_INVENTORY, node).unwrap_err();
        assert!(
            format!("{e}").contains(&format!("put {V1_INVENTORY} at {shared}")),
            "{e}"
        );
        let mut other = inv.clone();
        other.tree = "x/cdsl".into();
        let e = confirm(&other, &layout, V1_INVENTORY, shared).unwrap_err();
        assert!(format!("{e}").contains("names tree x/cdsl"), "{e}");
    }
}
