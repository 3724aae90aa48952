//! The CDSL bind at boot: `<root>/<tree>/<nodeid>` onto `<root>/<link>` (recursive),
//! as open-sharedroot's initrd does after mounting the shared root.

use anyhow::{bail, Result};
use osr_core::config::CdslParams;
use osr_core::overlay::Mount;
use osr_core::plan::NEW_ROOT;

use crate::exec::Record;
use crate::sys::Sys;

/// The two layout generations: (name, inventory, tree, shared, link).
const V2: (&str, &str, &str, &str, &str) = (
    "v2",
    ".cdsl_inventory.xml",
    ".cluster/cdsl",
    ".cluster/shared",
    ".cdsl.local",
);
const LAYOUTS: &[(&str, &str, &str, &str, &str)] = &[
    V2,
    (
        "v1",
        "var/lib/cdsl/cdsl_inventory.xml",
        "cluster/cdsl",
        "cluster/shared",
        "cdsl.local",
    ),
];

pub fn mount(
    params: &CdslParams,
    nodeid: u32,
    sys: &mut dyn Sys,
    record: &mut Record,
) -> Result<()> {
    let at = |rel: &str| format!("{NEW_ROOT}/{}", rel.trim_start_matches('/'));
    // An inventory decides the generation; without one, the directories do.
    let found = LAYOUTS
        .iter()
        .find(|l| sys.exists(&at(l.1)))
        .map(|l| (l.0, l))
        .or_else(|| {
            LAYOUTS
                .iter()
                .find(|l| sys.is_dir(&at(l.2)))
                .map(|l| ("dirs", l))
        });
    let (version, layout) = match found {
        Some(f) => f,
        None if params.tree.is_some() => ("params", &V2),
        None => {
            log::info!("cdsl: no CDSL infrastructure in the root (no inventory, no .cluster/cdsl or cluster/cdsl); nothing to bind");
            record.set("CDSL_LAYOUT", "none");
            return Ok(());
        }
    };
    let tree = params.tree.clone().unwrap_or_else(|| layout.2.to_string());
    let shared = params
        .shared
        .clone()
        .unwrap_or_else(|| layout.3.to_string());
    let link = params.link.clone().unwrap_or_else(|| layout.4.to_string());
    let mut source = at(&format!("{tree}/{nodeid}"));
    if !sys.is_dir(&source) {
        let default = at(&format!("{tree}/default"));
        if params.fallback_default && sys.is_dir(&default) {
            log::warn!(
                "cdsl: no {source} for node {nodeid}; using {default} (rd.cdsl.fallback=default)"
            );
            source = default;
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
        read_only: false,
        data: String::new(),
    })?;
    log::info!("cdsl ({version}): {source} bound on {target}");
    record.set("CDSL_LAYOUT", version);
    record.set("CDSL_TREE", &tree);
    record.set("CDSL_LINK", &link);
    record.set("CDSL_SHARED", &shared);
    Ok(())
}
