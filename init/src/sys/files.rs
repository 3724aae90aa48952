//! Whole-file reads and writes for the admin's commands (`osr-init
//! strip-cluster-conf`...), not for the boot.

use std::fs::{self, Permissions};
use std::os::unix::fs::PermissionsExt;

use anyhow::{Context, Result};

pub fn read_text(path: &str) -> Result<String> {
    fs::read_to_string(path).with_context(|| format!("reading {path}"))
}

/// Writes `text` to `path` (replacing it), readable by everyone: what goes into
/// an image.
pub fn write_public(path: &str, text: &str) -> Result<()> {
    fs::write(path, text).with_context(|| format!("writing {path}"))?;
    fs::set_permissions(path, Permissions::from_mode(0o644))
        .with_context(|| format!("setting the mode of {path}"))
}
