//! Kernel module loading without udev: the I/O half of `osr_core::kmod`.
//!
//! [`load_modules`] reads the depmod index of `/lib/modules/<kver>`, scans sysfs for
//! device modaliases, asks the pure planner what to load and in which layers, and
//! inserts the modules (decompressing `.ko.{gz,xz,zst}` in process). Because loading
//! a bus driver creates new devices (virtio_pci creates the `virtio0` that
//! virtio_net binds to), it scans and loads in rounds until nothing new appears.
//!
//! Not supported: modprobe.d(5) configuration (the blacklist and parameters come
//! from the kernel command line via the caller), firmware loading (the kernel does
//! that itself from /lib/firmware), module removal, and uevent listening: devices
//! that appear asynchronously after the last round are not handled.

mod decompress;
mod insert;
mod sysfs;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};
use log::{debug, info, warn};
use osr_core::kmod::{IndexText, LoadPlan, LoadRequest, ModuleIndex, Skipped};

use insert::load_plan;
pub use insert::{error_chain, LinuxModules, LoadError, ModuleInsert};
pub use sysfs::{device_modaliases, Modalias};

/// Rounds of scan-then-load. Each round only goes one bus level deeper (PCI →
/// virtio → ...); real stacks are 2-3 levels, so 5 leaves margin.
const MAX_ROUNDS: usize = 5;

/// Where the loader looks; parameters so that tests can point them at a tempdir.
#[derive(Debug, Clone, Copy)]
pub struct KmodPaths<'a> {
    /// `/lib/modules/<kver>`
    pub moddir: &'a Path,
    /// `/sys`
    pub sysfs: &'a Path,
    /// `/proc/modules`
    pub proc_modules: &'a Path,
}

/// What to load.
#[derive(Debug, Clone, Default)]
pub struct ModuleRequest {
    /// Explicit names or aliases (nfsv4, overlay, rd.driver.pre=...).
    pub names: Vec<String>,
    /// Also load drivers for the devices found in sysfs.
    pub scan_devices: bool,
    /// Modules never to load (rd.driver.blacklist=, modprobe.blacklist=).
    pub blacklist: Vec<String>,
    /// Parameters by normalised module name, e.g. `virtio_net -> ["napi_tx=1"]`.
    pub params: BTreeMap<String, Vec<String>>,
}

/// What [`load_modules`] did.
#[derive(Debug, Default)]
pub struct LoadReport {
    /// Inserted by us, with the time each took.
    pub loaded: Vec<(String, Duration)>,
    /// Already in the kernel (listed in /proc/modules, or EEXIST).
    pub already: Vec<String>,
    /// Compiled into the kernel: nothing to load.
    pub builtin: Vec<String>,
    pub failed: Vec<(String, LoadError)>,
    /// Left out by the planner (blacklist, missing soft dependency).
    pub skipped: Vec<Skipped>,
    /// Requested names that no module, built-in or alias provides.
    pub missing: Vec<String>,
    /// Network devices without a driver: no module matches their modalias.
    pub unmatched_network: Vec<Modalias>,
}

/// Reads the depmod index under `moddir`. Only `modules.dep` is required; a missing
/// `modules.alias`, `modules.softdep`, `modules.builtin` or
/// `modules.builtin.modinfo` means "none".
pub fn read_index(moddir: &Path) -> Result<ModuleIndex> {
    let dep = read_index_file(moddir, "modules.dep", true)?;
    let alias = read_index_file(moddir, "modules.alias", false)?;
    let softdep = read_index_file(moddir, "modules.softdep", false)?;
    let builtin = read_index_file(moddir, "modules.builtin", false)?;
    let builtin_modinfo = read_index_file(moddir, "modules.builtin.modinfo", false)?;
    let index = ModuleIndex::parse(&IndexText {
        dep: &dep,
        alias: &alias,
        softdep: &softdep,
        builtin: &builtin,
        builtin_modinfo: &builtin_modinfo,
    })
    .with_context(|| format!("parsing the module index in {}", moddir.display()))?;
    let (modules, aliases) = index.counts();
    debug!(
        "kmod: {}: {modules} modules, {aliases} aliases",
        moddir.display()
    );
    Ok(index)
}

fn read_index_file(moddir: &Path, name: &str, required: bool) -> Result<String> {
    let path = moddir.join(name);
    match fs::read(&path) {
        // Lossy: modinfo descriptions may be in any encoding; the parts we use are ASCII.
        Ok(bytes) => Ok(String::from_utf8_lossy(&bytes).into_owned()),
        Err(err) if err.kind() == io::ErrorKind::NotFound && !required => {
            debug!("kmod: no {}", path.display());
            Ok(String::new())
        }
        Err(err) => Err(err).with_context(|| format!("reading {}", path.display())),
    }
}

/// Names of the modules in `/proc/modules` (`name size refs deps state addr`),
/// whatever their state: one still `Loading` will answer EEXIST anyway.
pub fn loaded_modules(proc_modules_text: &str) -> BTreeSet<String> {
    proc_modules_text
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .map(|name| name.replace('-', "_"))
        .collect()
}

/// Loads the requested modules and, with `scan_devices`, the drivers of the
/// devices in sysfs, in rounds until no new device appears.
///
/// Errors only for an unreadable index or /proc/modules, or an impossible plan
/// (blacklisted hard dependency, cycle); per-module failures are in the report.
pub fn load_modules(
    insert: &dyn ModuleInsert,
    paths: &KmodPaths<'_>,
    request: &ModuleRequest,
) -> Result<LoadReport> {
    let index = read_index(paths.moddir)?;
    let proc_modules = fs::read_to_string(paths.proc_modules)
        .with_context(|| format!("reading {}", paths.proc_modules.display()))?;
    let mut session = Session {
        loaded: loaded_modules(&proc_modules),
        ..Session::default()
    };
    for round in 0..MAX_ROUNDS {
        let names = if round == 0 {
            request.names.clone()
        } else {
            Vec::new()
        };
        let modaliases = if request.scan_devices {
            session.scan_new_devices(paths.sysfs)
        } else {
            Vec::new()
        };
        if names.is_empty() && modaliases.is_empty() {
            break;
        }
        let plan = index
            .plan(&LoadRequest {
                names,
                modaliases,
                blacklist: request.blacklist.clone(),
            })
            .context("planning module loads")?;
        let inserted_any = session.load(insert, paths.moddir, &plan, &request.params);
        // New devices only appear when a driver was inserted.
        if !request.scan_devices || !inserted_any {
            break;
        }
    }
    let report = session.finish();
    log_summary(&report);
    Ok(report)
}

/// State carried from one scan-and-load round to the next.
#[derive(Default)]
struct Session {
    report: LoadReport,
    /// Modules in the kernel: from /proc/modules, plus those we inserted.
    loaded: BTreeSet<String>,
    failed: BTreeSet<String>,
    seen_aliases: BTreeSet<String>,
    /// Every device seen, by path, as of its latest scan.
    devices: BTreeMap<PathBuf, Modalias>,
    unmatched: BTreeSet<String>,
}

impl Session {
    /// Scans sysfs and returns the modaliases not planned in an earlier round.
    fn scan_new_devices(&mut self, sysfs: &Path) -> Vec<String> {
        let mut new = Vec::new();
        for device in device_modaliases(sysfs) {
            if self.seen_aliases.insert(device.alias.clone()) {
                new.push(device.alias.clone());
            }
            self.devices.insert(device.device.clone(), device);
        }
        new
    }

    /// Loads one round's plan and merges the outcome; true if anything was inserted.
    fn load(
        &mut self,
        insert: &dyn ModuleInsert,
        moddir: &Path,
        plan: &LoadPlan,
        params: &BTreeMap<String, Vec<String>>,
    ) -> bool {
        let report = &mut self.report;
        merge_unique(&mut report.builtin, plan.builtin.iter().cloned());
        merge_unique(&mut report.missing, plan.missing.iter().cloned());
        merge_unique(&mut report.skipped, plan.skipped.iter().cloned());
        self.unmatched.extend(plan.unmatched.iter().cloned());
        let round = load_plan(insert, moddir, plan, params, &mut self.loaded, &self.failed);
        let inserted_any = !round.inserted.is_empty();
        report.loaded.extend(round.inserted);
        // Modules we inserted in an earlier round show up as "already loaded" now.
        let already = round
            .already
            .into_iter()
            .filter(|name| !report.loaded.iter().any(|(done, _)| done == name));
        merge_unique(&mut report.already, already);
        for (name, err) in round.failed {
            self.failed.insert(name.clone());
            report.failed.push((name, err));
        }
        inserted_any
    }

    /// Completes the report with the network devices that have no driver: no
    /// driver bound and nothing matched their modalias.
    fn finish(self) -> LoadReport {
        let mut report = self.report;
        report.unmatched_network = self
            .devices
            .into_values()
            .filter(|d| d.network && !d.bound && self.unmatched.contains(&d.alias))
            .collect();
        report
    }
}

fn merge_unique<T: PartialEq>(into: &mut Vec<T>, items: impl IntoIterator<Item = T>) {
    for item in items {
        if !into.contains(&item) {
            into.push(item);
        }
    }
}

fn log_summary(report: &LoadReport) {
    for name in &report.builtin {
        debug!("kmod: {name} is built into the kernel");
    }
    for skipped in &report.skipped {
        info!("kmod: not loading {}: {}", skipped.name, skipped.reason);
    }
    for name in &report.missing {
        warn!("kmod: no module, built-in or alias named {name}");
    }
    for nic in &report.unmatched_network {
        warn!(
            "no kernel module matches network device {} (modalias {}); the image lacks its driver",
            nic.device.display(),
            nic.alias
        );
    }
    info!(
        "kmod: {} loaded, {} already present, {} built in, {} failed",
        report.loaded.len(),
        report.already.len(),
        report.builtin.len(),
        report.failed.len()
    );
}
