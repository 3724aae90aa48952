//! Loader tests against a recording fake of the two insertion syscalls, with the
//! module directory, sysfs and /proc/modules built in a tempdir.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::CStr;
use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use nix::errno::Errno;
use osr_core::kmod::ModuleIndex;

use super::decompress::Compression;
use super::*;

/// One syscall the fake saw: which call, the module image it got, the parameters.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Call {
    call: &'static str,
    image: String,
    params: String,
}

/// Called with a module's image after each successful insert.
type InsertHook = Box<dyn Fn(&str) + Sync>;

/// Module files contain their own name, so the image identifies the module.
#[derive(Default)]
struct FakeKernel {
    calls: Mutex<Vec<Call>>,
    errors: BTreeMap<String, Errno>,
    /// Runs on each successful insert, e.g. to make a bus driver's devices appear.
    on_insert: Option<InsertHook>,
}

impl FakeKernel {
    fn failing(errors: &[(&str, Errno)]) -> Self {
        Self {
            errors: errors.iter().map(|(m, e)| ((*m).to_owned(), *e)).collect(),
            ..Self::default()
        }
    }

    fn record(&self, call: &'static str, image: &[u8], params: &CStr) -> Result<(), Errno> {
        let image = String::from_utf8(image.to_vec()).unwrap();
        self.calls.lock().unwrap().push(Call {
            call,
            image: image.clone(),
            params: params.to_str().unwrap().to_owned(),
        });
        if let Some(errno) = self.errors.get(&image) {
            return Err(*errno);
        }
        if let Some(hook) = &self.on_insert {
            hook(&image);
        }
        Ok(())
    }

    fn calls(&self) -> Vec<Call> {
        self.calls.lock().unwrap().clone()
    }

    /// Modules in insertion order.
    fn order(&self) -> Vec<String> {
        self.calls().into_iter().map(|c| c.image).collect()
    }
}

impl ModuleInsert for FakeKernel {
    fn finit_module(&self, file: &File, params: &CStr) -> Result<(), Errno> {
        let mut image = Vec::new();
        (&*file).read_to_end(&mut image).unwrap();
        self.record("finit_module", &image, params)
    }

    fn init_module(&self, image: &[u8], params: &CStr) -> Result<(), Errno> {
        self.record("init_module", image, params)
    }
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

fn xz(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    lzma_rs::xz_compress(&mut &data[..], &mut out).unwrap();
    out
}

const DEP: &str = "\
kernel/net/core/failover.ko:
kernel/drivers/net/net_failover.ko.gz: kernel/net/core/failover.ko
kernel/drivers/virtio/virtio_ring.ko.xz:
kernel/drivers/virtio/virtio.ko: kernel/drivers/virtio/virtio_ring.ko.xz
kernel/drivers/net/virtio_net.ko: kernel/drivers/net/net_failover.ko.gz kernel/net/core/failover.ko kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko.xz
kernel/drivers/virtio/virtio_pci.ko: kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko.xz
kernel/fs/missing.ko:
";
const ALIAS: &str = "\
alias pci:v00001AF4d*sv*sd*bc*sc*i* virtio_pci
alias virtio:d00000001v* virtio_net
";
const VIRTIO_PCI_NIC: &str = "pci:v00001AF4d00001000sv00001AF4sd00000001bc02sc00i00";
const UNKNOWN_NIC: &str = "pci:v0000DEADd0000BEEFsv00000000sd00000000bc02sc00i00";

/// A /lib/modules/<kver> with every module of [`DEP`] but `missing`, each file
/// holding its module's name (compressed as its suffix says).
fn module_dir(root: &Path) -> PathBuf {
    let moddir = root.join("lib/modules/6.1.0-test");
    for line in DEP.lines() {
        let path = line.split(':').next().unwrap();
        let name = osr_core::kmod::module_name_from_path(path).unwrap();
        if name == "missing" {
            continue;
        }
        let content = match Compression::from_path(path) {
            Some(Compression::Gzip) => gzip(name.as_bytes()),
            Some(Compression::Xz) => xz(name.as_bytes()),
            _ => name.into_bytes(),
        };
        fs::create_dir_all(moddir.join(path).parent().unwrap()).unwrap();
        fs::write(moddir.join(path), content).unwrap();
    }
    fs::write(moddir.join("modules.dep"), DEP).unwrap();
    fs::write(moddir.join("modules.alias"), ALIAS).unwrap();
    moddir
}

fn index() -> ModuleIndex {
    ModuleIndex::parse(&osr_core::kmod::IndexText {
        dep: DEP,
        alias: ALIAS,
        ..Default::default()
    })
    .unwrap()
}

fn plan_for(names: &[&str]) -> osr_core::kmod::LoadPlan {
    index()
        .plan(&LoadRequest {
            names: names.iter().map(|n| (*n).to_owned()).collect(),
            ..LoadRequest::default()
        })
        .unwrap()
}

fn names(list: &[(String, LoadError)]) -> Vec<&str> {
    list.iter().map(|(n, _)| n.as_str()).collect()
}

fn position(order: &[String], name: &str) -> usize {
    order.iter().position(|n| n == name).unwrap()
}

#[test]
fn proc_modules_table() {
    let cases: &[(&str, &str, &[&str])] = &[
        ("empty", "", &[]),
        (
            "live and loading",
            "virtio_net 61440 0 - Live 0x0000000000000000\n\
             net_failover 24576 1 virtio_net, Live 0x0000000000000000\n\
             nfsv4 1081344 0 - Loading 0x0000000000000000 (E)\n",
            &["net_failover", "nfsv4", "virtio_net"],
        ),
        (
            "blank line",
            "\nfailover 16384 1 net_failover, Live 0x0\n",
            &["failover"],
        ),
    ];
    for (label, text, want) in cases {
        let want: BTreeSet<String> = want.iter().map(|s| (*s).to_owned()).collect();
        assert_eq!(loaded_modules(text), want, "failed testcase: {label}");
    }
}

#[test]
fn read_index_needs_only_modules_dep() {
    let tmp = tempfile::tempdir().unwrap();
    let moddir = module_dir(tmp.path());
    let index = read_index(&moddir).unwrap();
    assert_eq!(index.counts(), (7, 2));

    let err = read_index(&tmp.path().join("nowhere")).unwrap_err();
    assert!(
        format!("{err:#}").contains("nowhere/modules.dep"),
        "{err:#}"
    );

    fs::write(moddir.join("modules.softdep"), "softdep\n").unwrap();
    let err = read_index(&moddir).unwrap_err();
    assert_eq!(
        format!("{err:#}"),
        format!(
            "parsing the module index in {}: modules.softdep line 1: missing module name",
            moddir.display()
        )
    );
}

#[test]
fn loads_layers_in_order_with_params_and_decompression() {
    let tmp = tempfile::tempdir().unwrap();
    let moddir = module_dir(tmp.path());
    let kernel = FakeKernel::default();
    let params = BTreeMap::from([(
        "virtio_net".to_owned(),
        vec!["napi_tx=1".to_owned(), "csum=0".to_owned()],
    )]);
    let mut loaded = BTreeSet::new();
    let out = load_plan(
        &kernel,
        &moddir,
        &plan_for(&["virtio_net"]),
        &params,
        &mut loaded,
        &BTreeSet::new(),
    );

    let call = |call, image: &str, params: &str| Call {
        call,
        image: image.into(),
        params: params.into(),
    };
    let mut calls = kernel.calls();
    calls.sort();
    assert_eq!(
        calls,
        [
            call("finit_module", "failover", ""),
            call("finit_module", "virtio", ""),
            call("finit_module", "virtio_net", "napi_tx=1 csum=0"),
            call("init_module", "net_failover", ""),
            call("init_module", "virtio_ring", ""),
        ]
    );
    let order = kernel.order();
    for (first, then) in [
        ("failover", "net_failover"),
        ("virtio_ring", "virtio"),
        ("net_failover", "virtio_net"),
        ("virtio", "virtio_net"),
    ] {
        assert!(
            position(&order, first) < position(&order, then),
            "{first} before {then}: {order:?}"
        );
    }
    let inserted: BTreeSet<&str> = out.inserted.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        inserted,
        BTreeSet::from([
            "failover",
            "net_failover",
            "virtio",
            "virtio_net",
            "virtio_ring"
        ])
    );
    assert_eq!(loaded.len(), 5);
    assert!(out.failed.is_empty() && out.already.is_empty());
}

#[test]
fn already_loaded_and_eexist_are_success() {
    let tmp = tempfile::tempdir().unwrap();
    let moddir = module_dir(tmp.path());
    let kernel = FakeKernel::failing(&[("virtio", Errno::EEXIST)]);
    let mut loaded = loaded_modules("virtio_ring 40960 1 virtio, Live 0x0\n");
    let out = load_plan(
        &kernel,
        &moddir,
        &plan_for(&["virtio_pci"]),
        &BTreeMap::new(),
        &mut loaded,
        &BTreeSet::new(),
    );
    assert_eq!(kernel.order(), ["virtio", "virtio_pci"]);
    assert_eq!(out.already, ["virtio_ring", "virtio"]);
    assert_eq!(
        out.inserted
            .iter()
            .map(|(n, _)| n.as_str())
            .collect::<Vec<_>>(),
        ["virtio_pci"]
    );
    assert!(out.failed.is_empty());
}

#[test]
fn a_failure_skips_only_its_dependents() {
    let tmp = tempfile::tempdir().unwrap();
    let moddir = module_dir(tmp.path());
    let kernel = FakeKernel::failing(&[("failover", Errno::ENOEXEC)]);
    let mut loaded = BTreeSet::new();
    let plan = plan_for(&["virtio_net", "virtio_pci", "missing"]);
    let out = load_plan(
        &kernel,
        &moddir,
        &plan,
        &BTreeMap::new(),
        &mut loaded,
        &BTreeSet::new(),
    );

    assert_eq!(
        names(&out.failed),
        ["failover", "missing", "net_failover", "virtio_net"]
    );
    let messages: Vec<String> = out.failed.iter().map(|(_, e)| error_chain(e)).collect();
    assert_eq!(
        messages,
        [
            format!(
                "finit_module({}) failed with ENOEXEC: invalid module format (wrong architecture or corrupt file)",
                moddir.join("kernel/net/core/failover.ko").display()
            ),
            format!(
                "cannot read {}: No such file or directory (os error 2)",
                moddir.join("kernel/fs/missing.ko").display()
            ),
            "not attempted: it needs failover, which failed to load".to_owned(),
            "not attempted: it needs net_failover, which failed to load".to_owned(),
        ]
    );
    let mut order = kernel.order();
    order.sort();
    assert_eq!(order, ["failover", "virtio", "virtio_pci", "virtio_ring"]);

    // A later round does not retry what failed, nor what needs it.
    let kernel = FakeKernel::default();
    let failed: BTreeSet<String> = names(&out.failed).into_iter().map(str::to_owned).collect();
    let again = load_plan(
        &kernel,
        &moddir,
        &plan_for(&["virtio_net"]),
        &BTreeMap::new(),
        &mut loaded,
        &failed,
    );
    assert!(
        kernel.calls().is_empty() && again.inserted.is_empty(),
        "{again:?}"
    );
}

#[test]
fn corrupt_compressed_module_is_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let moddir = module_dir(tmp.path());
    fs::write(
        moddir.join("kernel/drivers/virtio/virtio_ring.ko.xz"),
        b"garbage",
    )
    .unwrap();
    let kernel = FakeKernel::default();
    let out = load_plan(
        &kernel,
        &moddir,
        &plan_for(&["virtio_ring"]),
        &BTreeMap::new(),
        &mut BTreeSet::new(),
        &BTreeSet::new(),
    );
    let (name, err) = out.failed.first().unwrap();
    assert_eq!(name, "virtio_ring");
    assert!(
        matches!(err, LoadError::Decompress { format: "xz", .. }),
        "{err:?}"
    );
    assert!(kernel.calls().is_empty());
}

/// sysfs with a virtio-net PCI function (driver not loaded yet), a NIC nothing
/// matches, and an unmatched NIC that already has a (built-in) driver.
fn sysfs_tree(root: &Path) -> PathBuf {
    let sysfs = root.join("sys");
    let pci = sysfs.join("devices/pci0000:00");
    for (slot, alias) in [
        ("0000:00:03.0", VIRTIO_PCI_NIC),
        ("0000:00:04.0", UNKNOWN_NIC),
        ("0000:00:05.0", UNKNOWN_NIC),
    ] {
        fs::create_dir_all(pci.join(slot)).unwrap();
        fs::write(pci.join(slot).join("modalias"), format!("{alias}\n")).unwrap();
    }
    std::os::unix::fs::symlink(
        "../../../bus/pci/drivers/builtin_nic",
        pci.join("0000:00:05.0/driver"),
    )
    .unwrap();
    sysfs
}

#[test]
fn load_modules_rescans_for_devices_of_new_drivers() {
    let tmp = tempfile::tempdir().unwrap();
    let moddir = module_dir(tmp.path());
    let sysfs = sysfs_tree(tmp.path());
    let proc_modules = tmp.path().join("modules");
    fs::write(&proc_modules, "failover 16384 0 - Live 0x0\n").unwrap();
    // Like the real virtio_pci probe: the virtio device appears during insertion.
    let virtio0 = sysfs.join("devices/pci0000:00/0000:00:03.0/virtio0");
    let kernel = FakeKernel {
        on_insert: Some(Box::new(move |module: &str| {
            if module == "virtio_pci" {
                fs::create_dir_all(&virtio0).unwrap();
                fs::write(virtio0.join("modalias"), "virtio:d00000001v00001AF4\n").unwrap();
            }
        })),
        ..FakeKernel::default()
    };
    let paths = KmodPaths {
        moddir: &moddir,
        sysfs: &sysfs,
        proc_modules: &proc_modules,
    };
    let request = ModuleRequest {
        names: vec!["nosuch".into()],
        scan_devices: true,
        ..ModuleRequest::default()
    };
    let report = load_modules(&kernel, &paths, &request).unwrap();

    assert_eq!(
        kernel.order().first().map(String::as_str),
        Some("virtio_ring")
    );
    assert_eq!(
        kernel.order().last().map(String::as_str),
        Some("virtio_net")
    );
    let loaded: BTreeSet<&str> = report.loaded.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        loaded,
        BTreeSet::from([
            "net_failover",
            "virtio",
            "virtio_net",
            "virtio_pci",
            "virtio_ring"
        ])
    );
    assert_eq!(report.already, ["failover"]);
    assert_eq!(report.missing, ["nosuch"]);
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    let unmatched: Vec<(&Path, &str)> = report
        .unmatched_network
        .iter()
        .map(|d| (d.device.as_path(), d.alias.as_str()))
        .collect();
    assert_eq!(
        unmatched,
        [(
            sysfs.join("devices/pci0000:00/0000:00:04.0").as_path(),
            UNKNOWN_NIC
        )]
    );
}

#[test]
fn load_modules_without_device_scan_loads_names_only() {
    let tmp = tempfile::tempdir().unwrap();
    let moddir = module_dir(tmp.path());
    let sysfs = sysfs_tree(tmp.path());
    let proc_modules = tmp.path().join("modules");
    fs::write(&proc_modules, "").unwrap();
    let kernel = FakeKernel::default();
    let paths = KmodPaths {
        moddir: &moddir,
        sysfs: &sysfs,
        proc_modules: &proc_modules,
    };
    let request = ModuleRequest {
        names: vec!["virtio-ring".into()],
        ..ModuleRequest::default()
    };
    let report = load_modules(&kernel, &paths, &request).unwrap();
    assert_eq!(kernel.order(), ["virtio_ring"]);
    assert!(report.unmatched_network.is_empty());

    let request = ModuleRequest {
        names: vec!["virtio_net".into()],
        blacklist: vec!["failover".into()],
        ..ModuleRequest::default()
    };
    let err = load_modules(&kernel, &paths, &request).unwrap_err();
    assert_eq!(
        format!("{err:#}"),
        "planning module loads: module virtio_net needs failover, which is blacklisted"
    );
}
