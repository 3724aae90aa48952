//! Glue between the plan's module steps and the loader in `kmod`.

use std::path::Path;

use anyhow::{bail, Result};
use osr_core::plan::ModuleLoad;

use crate::sys::kmod::{error_chain, load_modules, KmodPaths, LinuxModules, ModuleRequest};

const PROC_MODULES: &str = "/proc/modules";

/// Loads the named modules (and with `devices` every device's driver) with the
/// command line's blacklist and parameters. Per-module failures are logged by the loader and
/// summed up in the error, which the best-effort step turns into a warning.
pub fn load(moddir: &Path, sysfs: &Path, load: &ModuleLoad) -> Result<()> {
    let paths = KmodPaths {
        moddir,
        sysfs,
        proc_modules: Path::new(PROC_MODULES),
    };
    let request = ModuleRequest {
        names: load.names.clone(),
        scan_devices: load.devices,
        blacklist: load.options.blacklist.clone(),
        params: load.options.params.clone(),
    };
    let report = load_modules(&LinuxModules, &paths, &request)?;
    let mut problems: Vec<String> = report
        .failed
        .iter()
        .map(|(name, err)| format!("{name}: {}", error_chain(err)))
        .collect();
    problems.extend(
        report
            .missing
            .iter()
            .map(|m| format!("{m}: no such module")),
    );
    problems.extend(report.unmatched_network.iter().map(|nic| {
        format!(
            "network device {} (modalias {}) has no driver",
            nic.device.display(),
            nic.alias
        )
    }));
    if problems.is_empty() {
        Ok(())
    } else {
        bail!("{}", problems.join("; "))
    }
}
