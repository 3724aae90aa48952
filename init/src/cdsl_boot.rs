//! The CDSL bind at boot: `<root>/<tree>/<nodeid>` onto `<root>/<link>` (recursive),
//! as open-sharedroot's initrd does after mounting the shared root.

use anyhow::{bail, Result};
use osr_core::cdsl;
use osr_core::config::CdslParams;
use osr_core::overlay::Mount;
use osr_core::plan::NEW_ROOT;

use crate::state::{Key, Record};
use crate::sys::Sys;

/// Inventories of the two generations, relative to the root.
const V2_INVENTORY: &str = ".cdsl_inventory.xml";
const V1_INVENTORY: &str = "var/lib/cdsl/cdsl_inventory.xml";
/// Directories probed when there is no inventory (v2, then v1 defaults).
const PROBED: &[&str] = &[".cluster/cdsl", ".cdsl.local", "cluster/cdsl", "cdsl.local"];

pub fn mount(
    params: &CdslParams,
    nodeid: u32,
    sys: &mut dyn Sys,
    record: &mut Record,
) -> Result<()> {
    let at = |rel: &str| format!("{NEW_ROOT}/{}", rel.trim_start_matches('/'));
    let v2 = sys.read_file(NEW_ROOT, V2_INVENTORY);
    let v1 = sys.read_file(NEW_ROOT, V1_INVENTORY);
    let present: Vec<&str> = PROBED
        .iter()
        .copied()
        .filter(|d| sys.is_dir(NEW_ROOT, d))
        .collect();
    let overrides = cdsl::Overrides {
        tree: params.tree.clone(),
        link: params.link.clone(),
        shared: params.shared.clone(),
        nocdsl: params.off,
    };
    let found = cdsl::layout(
        v2.as_deref(),
        v1.as_deref(),
        &|d: &str| present.contains(&d.trim_matches('/')),
        &overrides,
    )
    .map_err(|e| anyhow::anyhow!("cdsl: {e}"))?;
    let Some(layout) = found else {
        log::info!("cdsl: no CDSL infrastructure in the root (no inventory, no .cluster/cdsl or cluster/cdsl); nothing to bind");
        record.set(Key::CDSL_LAYOUT, "none");
        return Ok(());
    };
    let version = match layout.version {
        cdsl::LayoutVersion::V1 => "v1",
        cdsl::LayoutVersion::V2 => "v2",
        cdsl::LayoutVersion::NoInventory => "dirs",
    };
    let (tree, shared, link) = (layout.tree, layout.shared, layout.link);
    let own = format!("{tree}/{nodeid}");
    let mut source = at(&own);
    // The default tree is the template addnode copies to every new node: a node that
    // falls back to it gets it read-only.
    let mut read_only = false;
    if !sys.is_dir(NEW_ROOT, &own) {
        let default_rel = format!("{tree}/{}", layout.default_dir);
        let default = at(&default_rel);
        if params.fallback_default && sys.is_dir(NEW_ROOT, &default_rel) {
            log::warn!(
                "cdsl: no {source} for node {nodeid}; using {default} read-only (rd.cdsl.fallback=default)"
            );
            source = default;
            read_only = true;
        } else {
            bail!(
                "cdsl: node {nodeid} has no directory {tree}/{nodeid} in the root: on the server run `osr-cdsl --root <export> addnode {nodeid}` (or boot with rd.cdsl.fallback=default to use {tree}/default)"
            );
        }
    }
    let target = at(&link);
    sys.mount(&Mount {
        source: source.clone(),
        target: target.clone(),
        fstype: None,
        bind: true,
        read_only,
        data: String::new(),
        root: Some(NEW_ROOT.to_string()),
    })?;
    log::info!("cdsl ({version}): {source} bound on {target}");
    record.set(Key::CDSL_LAYOUT, version);
    record.set(Key::CDSL_TREE, &tree);
    record.set(Key::CDSL_LINK, &link);
    record.set(Key::CDSL_SHARED, &shared);
    Ok(())
}
