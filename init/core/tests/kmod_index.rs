//! Module index tests against real depmod output: a small excerpt of Debian's
//! 6.1.0-56-amd64 files kept in `fixtures/kmod/`, and, when present on the build
//! host, the complete files under `/lib/modules`.

// Test helpers outside #[test] functions: a panic here is a test failure.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::time::Instant;

use osr_core::kmod::{
    module_name_from_path, IndexText, LoadPlan, LoadRequest, ModuleIndex, ModuleRef,
};

const VIRTIO_PCI_NIC: &str = "pci:v00001AF4d00001000sv00001AF4sd00000001bc02sc00i00";
const E1000_NIC: &str = "pci:v00008086d0000100Esv00008086sd0000001Ebc02sc00i00";

fn fixture_index() -> ModuleIndex {
    ModuleIndex::parse(&IndexText {
        dep: include_str!("fixtures/kmod/modules.dep"),
        alias: include_str!("fixtures/kmod/modules.alias"),
        softdep: include_str!("fixtures/kmod/modules.softdep"),
        builtin: include_str!("fixtures/kmod/modules.builtin"),
        builtin_modinfo: include_str!("fixtures/kmod/modules.builtin.modinfo"),
    })
    .unwrap()
}

fn names(request: &[&str]) -> LoadRequest {
    LoadRequest {
        names: request.iter().map(|s| (*s).to_owned()).collect(),
        ..LoadRequest::default()
    }
}

fn layer_of(plan: &LoadPlan, name: &str) -> Option<usize> {
    plan.layers
        .iter()
        .position(|layer| layer.iter().any(|m| m.name == name))
}

/// Every hard dependency sits in an earlier layer than the module needing it.
fn assert_ordered(plan: &LoadPlan, label: &str) {
    for module in plan.modules() {
        for dep in &module.deps {
            let (dep_layer, layer) = (layer_of(plan, dep), layer_of(plan, &module.name));
            assert!(
                dep_layer.is_some() && dep_layer < layer,
                "{label}: {dep} must be loaded before {}",
                module.name
            );
        }
    }
}

/// The module is loaded by the plan (with its dependencies first) or built in.
fn assert_provided(plan: &LoadPlan, name: &str, label: &str) {
    assert!(
        layer_of(plan, name).is_some() || plan.builtin.iter().any(|b| b == name),
        "{label}: {name} neither planned nor built in: {plan:?}"
    );
    assert_ordered(plan, label);
}

fn plan_names(plan: &LoadPlan) -> Vec<Vec<&str>> {
    plan.layers
        .iter()
        .map(|l| l.iter().map(|m| m.name.as_str()).collect())
        .collect()
}

#[test]
fn fixture_virtio_net() {
    let plan = fixture_index().plan(&names(&["virtio_net"])).unwrap();
    assert_eq!(
        plan_names(&plan),
        [
            vec!["failover", "virtio_ring"],
            vec!["net_failover", "virtio"],
            vec!["virtio_net"]
        ]
    );
    assert_eq!(
        plan.layers.last().and_then(|l| l.first()),
        Some(&ModuleRef {
            name: "virtio_net".into(),
            path: "kernel/drivers/net/virtio_net.ko".into(),
            deps: ["net_failover", "failover", "virtio", "virtio_ring"]
                .map(String::from)
                .to_vec(),
        })
    );
}

#[test]
fn fixture_nfsv4_e1000_and_nics() {
    let index = fixture_index();
    let plan = index
        .plan(&LoadRequest {
            names: vec!["nfsv4".into(), "overlay".into()],
            modaliases: vec![
                VIRTIO_PCI_NIC.into(),
                E1000_NIC.into(),
                "virtio:d00000001v00001AF4".into(),
                "pci:v0000DEADd0000BEEFsv00000000sd00000000bc02sc00i00".into(),
            ],
            blacklist: vec![],
        })
        .unwrap();
    for name in [
        "nfsv4",
        "nfs",
        "sunrpc",
        "dns_resolver",
        "virtio_pci",
        "e1000",
        "virtio_net",
    ] {
        assert_provided(&plan, name, "fixture");
    }
    assert_eq!(layer_of(&plan, "nfsv4"), Some(plan.layers.len() - 1));
    assert_eq!(
        plan.unmatched,
        ["pci:v0000DEADd0000BEEFsv00000000sd00000000bc02sc00i00"]
    );
    assert!(
        plan.missing.is_empty() && plan.skipped.is_empty(),
        "{plan:?}"
    );
}

#[test]
fn fixture_ext4_softdep_through_alias() {
    let plan = fixture_index().plan(&names(&["ext4"])).unwrap();
    assert_eq!(
        plan_names(&plan),
        [
            vec!["crc16", "crc32c_generic", "crc32c_intel", "mbcache"],
            vec!["jbd2"],
            vec!["ext4"]
        ]
    );
}

/// `/lib/modules/<running kernel>` if it has a modules.dep, else the newest
/// directory there that has one (build hosts often run another kernel).
fn host_module_dir() -> Option<PathBuf> {
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let running = Path::new("/lib/modules").join(release.trim());
    if running.join("modules.dep").is_file() {
        return Some(running);
    }
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/lib/modules")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("modules.dep").is_file())
        .collect();
    dirs.sort_by_key(|p| {
        std::fs::metadata(p.join("modules.dep"))
            .and_then(|m| m.modified())
            .ok()
    });
    dirs.pop()
}

fn read(dir: &Path, file: &str) -> String {
    std::fs::read(dir.join(file))
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
}

#[test]
fn host_modules_resolve() {
    let Some(dir) = host_module_dir() else {
        eprintln!("INFO: skipping host_modules_resolve: no /lib/modules/*/modules.dep");
        return;
    };
    eprintln!("INFO: using {}", dir.display());
    let texts = [
        "modules.dep",
        "modules.alias",
        "modules.softdep",
        "modules.builtin",
    ]
    .map(|f| read(&dir, f));
    let modinfo = read(&dir, "modules.builtin.modinfo");
    let started = Instant::now();
    let [dep, alias, softdep, builtin] = &texts;
    let index = ModuleIndex::parse(&IndexText {
        dep,
        alias,
        softdep,
        builtin,
        builtin_modinfo: &modinfo,
    })
    .unwrap();
    eprintln!(
        "INFO: parsed {:?} (modules, aliases) in {:?}",
        index.counts(),
        started.elapsed()
    );

    let plan = index
        .plan(&LoadRequest {
            names: ["virtio_net", "nfsv4", "e1000"].map(String::from).to_vec(),
            modaliases: vec![VIRTIO_PCI_NIC.into()],
            blacklist: vec![],
        })
        .unwrap();
    for name in ["virtio_net", "nfsv4", "e1000", "virtio_pci"] {
        assert_provided(&plan, name, "host");
    }
    assert!(
        plan.unmatched.is_empty() && plan.missing.is_empty(),
        "{plan:?}"
    );
    assert!(index
        .modules_for_alias(VIRTIO_PCI_NIC)
        .contains(&"virtio_pci"));

    // Every module of the kernel at once: no cycles, no dangling dependency.
    let all: Vec<String> = dep
        .lines()
        .filter_map(|l| module_name_from_path(l.split(':').next().unwrap_or_default()))
        .collect();
    let plan = index
        .plan(&LoadRequest {
            names: all.clone(),
            ..LoadRequest::default()
        })
        .unwrap();
    assert_eq!(plan.modules().count(), all.len());
    assert_ordered(&plan, "host, all modules");
}

#[test]
fn host_alias_lookup_is_fast() {
    let Some(dir) = host_module_dir() else {
        eprintln!("INFO: skipping host_alias_lookup_is_fast: no /lib/modules/*/modules.dep");
        return;
    };
    let alias = read(&dir, "modules.alias");
    let index = ModuleIndex::parse(&IndexText {
        dep: "",
        alias: &alias,
        ..IndexText::default()
    })
    .unwrap();
    let devices: Vec<String> = (0..50u32)
        .map(|i| {
            format!(
                "pci:v00008086d0000{:04X}sv00001AF4sd00001100bc02sc00i00",
                0x1000 + i
            )
        })
        .collect();
    let started = Instant::now();
    let matched: usize = devices
        .iter()
        .map(|d| index.modules_for_alias(d).len())
        .sum();
    let elapsed = started.elapsed();
    eprintln!(
        "INFO: 50 lookups over {} aliases: {elapsed:?}, {matched} matches",
        index.counts().1
    );
    // A linear scan runs fnmatch ~1.5 million times; bucketing makes it ~1000x less.
    assert!(
        elapsed.as_millis() < 500,
        "alias lookups too slow: {elapsed:?}"
    );
}
