//! The CDSL bind at boot: `<root>/<tree>/<nodeid>` onto `<root>/<link>` (recursive),
//! as open-sharedroot's initrd does after mounting the shared root. The same for a
//! cluster.conf node and for one `nodeid=` alone names (the legacy static initrd).
//! The root is node-writable: the inventories are read with the bounded, beneath-root
//! [`Sys::read_file`] and parsed by [`cdsl::layout`], which refuses what it cannot use.

use anyhow::{bail, Result};
use osr_core::cdsl::{self, V1_INVENTORY, V2_INVENTORY};
use osr_core::config::CdslParams;
use osr_core::overlay::Mount;
use osr_core::plan::NEW_ROOT;

use crate::state::{Key, Record};
use crate::sys::Sys;

/// Directories probed when there is no inventory (v2, then v1 defaults).
const PROBED: &[&str] = &[".cluster/cdsl", ".cdsl.local", "cluster/cdsl", "cdsl.local"];

/// `given_by`: the parameter that named the node (`nodeid`), if one did: a root
/// without CDSL structure is then a warning, else a note.
pub fn mount(
    params: &CdslParams,
    nodeid: u32,
    given_by: Option<&str>,
    sys: &mut dyn Sys,
    record: &mut Record,
) -> Result<()> {
    let at = |rel: &str| format!("{NEW_ROOT}/{}", rel.trim_start_matches('/'));
    let v2 = sys.read_file(NEW_ROOT, V2_INVENTORY);
    let v1 = sys
        .read_file(NEW_ROOT, V1_INVENTORY)
        .or_else(|| v1_in_node_copy(nodeid, sys));
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
        let none = format!("no CDSL structure in the root (no {V2_INVENTORY}, no {V1_INVENTORY}, no .cluster/cdsl or cluster/cdsl)");
        match given_by {
            Some(param) => log::warn!(
                "cdsl: {param}={nodeid} given, but {none}: nothing bound, so host-dependent paths are the root's own"
            ),
            None => log::info!("cdsl: {none}; nothing to bind"),
        }
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

/// The v1 inventory lives in `var/lib/cdsl`: once the legacy recipe made `/var`
/// host-dependent (`var -> cdsl.local/var`), it is reached only through the bind that
/// is yet to be made, so it is read from the copy the bind will show: this node's,
/// else the default tree's. Once the recipe also made `var/lib` shared again, that
/// copy's `var/lib` is v1's link `../../cluster/shared/var/lib`, which climbs only the
/// path: it reaches the shared tree through the bound `cdsl.local`, not from inside
/// `cluster/cdsl/<n>/var` (there it leads to `cluster/cdsl/cluster/...`, missing). So
/// the shared tree's `var/lib/cdsl`, where that link leads on the booted node, comes
/// last. Links are followed only inside the root.
fn v1_in_node_copy(nodeid: u32, sys: &mut dyn Sys) -> Option<String> {
    [
        format!("cluster/cdsl/{nodeid}"),
        "cluster/cdsl/default".to_string(),
        "cluster/shared".to_string(),
    ]
    .iter()
    .find_map(|dir| sys.read_file(NEW_ROOT, &format!("{dir}/{V1_INVENTORY}")))
}

#[cfg(test)]
mod tests {
    use osr_core::cmdline::Cmdline;
    use osr_core::config::Config;

    use crate::state::Record;
    use crate::sys::fake::{Call, FakeSys};

    const V2: &str = r#"<cdsls config_version="2.0" tree=".cluster/cdsl" sharedtree=".cluster/shared" link=".cdsl.local"/>"#;

    /// The boot of a static initrd (no cluster.conf): the record and the calls.
    fn static_boot(extra: &str, sys: &mut FakeSys) -> String {
        let cmdline = format!(
            "root=nfs4:10.0.2.2:/export/rootfs ip=10.0.2.15::10.0.2.2:24:x:eth0:off {extra}"
        );
        let config = Config::from_cmdline(&Cmdline::parse(&cmdline)).unwrap();
        let res = crate::exec::boot(&config, None, sys, &mut Record::default());
        assert_eq!(
            res.unwrap_err().to_string(),
            "fake switch_root does not exec"
        );
        sys.record.clone().unwrap()
    }

    fn has(record: &str, line: &str) -> bool {
        record.lines().any(|l| l == line)
    }

    #[test]
    fn nodeid_alone_binds_its_tree_from_the_roots_inventory() {
        let mut sys = FakeSys::with_nics(&[("eth0", "52:54:00:12:34:56")]);
        sys.files = vec![("/sysroot/.cdsl_inventory.xml".into(), V2.into(), 0o644)];
        sys.dirs = vec!["/sysroot/.cluster/cdsl/2".into()];
        let record = static_boot("nodeid=2", &mut sys);
        assert!(sys.actions().contains(&Call::LocalMount(
            "bind".into(),
            "/sysroot/.cluster/cdsl/2".into(),
            "/sysroot/.cdsl.local".into(),
        )));
        for line in [
            "OSR_NODEID='2'",
            "OSR_NODEID_SOURCE='param'",
            "OSR_CDSL_LAYOUT='v2'",
            "OSR_CDSL_TREE='.cluster/cdsl'",
        ] {
            assert!(has(&record, line), "no {line} in\n{record}");
        }
        assert!(!record.contains("OSR_CLUSTER_NAME"), "{record}");
    }

    #[test]
    fn nodeid_alone_reads_a_v1_inventory_and_fails_without_its_node_dir() {
        let v1 = r#"<cdsls config_version="1"><defaults cdsltree="/cluster/cdsl" cdsltree_shared="/cluster/shared" cdsl_link="/cdsl.local"/></cdsls>"#;
        let mut sys = FakeSys::with_nics(&[("eth0", "52:54:00:12:34:56")]);
        sys.files = vec![(
            "/sysroot/var/lib/cdsl/cdsl_inventory.xml".into(),
            v1.into(),
            0o644,
        )];
        sys.dirs = vec!["/sysroot/cluster/cdsl/7".into()];
        let record = static_boot("com-nodeid=7", &mut sys);
        assert!(sys.actions().contains(&Call::LocalMount(
            "bind".into(),
            "/sysroot/cluster/cdsl/7".into(),
            "/sysroot/cdsl.local".into(),
        )));
        assert!(has(&record, "OSR_NODEID_SOURCE='com-param'"), "{record}");
        assert!(has(&record, "OSR_CDSL_LAYOUT='v1'"), "{record}");
        // node 8 has no tree: the same error as a cluster node's
        let mut sys = FakeSys::with_nics(&[("eth0", "52:54:00:12:34:56")]);
        sys.files = vec![(
            "/sysroot/var/lib/cdsl/cdsl_inventory.xml".into(),
            v1.into(),
            0o644,
        )];
        let config = Config::from_cmdline(&Cmdline::parse(
            "nodeid=8 root=nfs4:10.0.2.2:/x ip=10.0.2.15::10.0.2.2:24:x:eth0:off",
        ))
        .unwrap();
        let err = crate::exec::boot(&config, None, &mut sys, &mut Record::default())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("node 8 has no directory cluster/cdsl/8"),
            "{err}"
        );
    }

    /// A static boot of `nodeid=N` with the v1 inventory at `inventory` (below the root)
    /// and the directories `dirs`: the layout must be v1 and cluster/cdsl/N bound.
    fn v1_boot_binds(inventory: &str, dirs: &[&str], nodeid: u32) {
        let v1 = r#"<cdsls config_version="1"><defaults cdsltree="/cluster/cdsl" cdsltree_shared="/cluster/shared" cdsl_link="/cdsl.local"/></cdsls>"#;
        let mut sys = FakeSys::with_nics(&[("eth0", "52:54:00:12:34:56")]);
        sys.files = vec![(format!("/sysroot/{inventory}"), v1.into(), 0o644)];
        sys.dirs = dirs.iter().map(|d| format!("/sysroot/{d}")).collect();
        let record = static_boot(&format!("nodeid={nodeid}"), &mut sys);
        assert!(has(&record, "OSR_CDSL_LAYOUT='v1'"), "{record}");
        assert!(sys.actions().contains(&Call::LocalMount(
            "bind".into(),
            format!("/sysroot/cluster/cdsl/{nodeid}"),
            "/sysroot/cdsl.local".into(),
        )));
    }

    #[test]
    fn a_v1_inventory_under_a_hostdependent_var_is_read_from_the_nodes_copy() {
        // the legacy recipe's `com-mkcdsl -a /var`: var/lib/cdsl is inside the CDSL
        v1_boot_binds(
            "cluster/cdsl/default/var/lib/cdsl/cdsl_inventory.xml",
            &["cluster/cdsl/3"],
            3,
        );
    }

    #[test]
    fn a_v1_inventory_under_a_shared_var_lib_is_read_from_the_shared_tree() {
        // the whole recipe: `com-mkcdsl -a /var; com-mkcdsl -s /var/lib`; the node copies'
        // var/lib links resolve only through the bind, the inventory is in cluster/shared
        v1_boot_binds(
            "cluster/shared/var/lib/cdsl/cdsl_inventory.xml",
            &[
                "cluster/cdsl/7",
                "cluster/cdsl/default",
                "cluster/shared",
                "cdsl.local",
            ],
            7,
        );
    }

    #[test]
    fn nodeid_alone_on_a_root_without_cdsl_boots_and_records_none() {
        let mut sys = FakeSys::with_nics(&[("eth0", "52:54:00:12:34:56")]);
        let record = static_boot("nodeid=2", &mut sys);
        assert!(
            !sys.actions()
                .iter()
                .any(|c| matches!(c, Call::LocalMount(..))),
            "{:?}",
            sys.actions()
        );
        assert!(has(&record, "OSR_CDSL_LAYOUT='none'"), "{record}");
        assert!(has(&record, "OSR_NODEID='2'"), "{record}");
    }
}
