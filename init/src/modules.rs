//! Glue between the plan's module steps and the loader in `kmod`.

use std::path::Path;

use anyhow::Result;
use osr_core::config::Config;

pub fn load(
    moddir: &Path,
    sysfs: &Path,
    names: &[String],
    devices: bool,
    config: &Config,
) -> Result<()> {
    let _ = (moddir, sysfs, names, devices, config);
    anyhow::bail!("the module loader is not wired yet")
}
