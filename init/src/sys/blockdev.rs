//! Block-device ioctls.

use std::fs::File;
use std::os::fd::AsRawFd;

use anyhow::{Context, Result};

nix::ioctl_read_bad!(blksszget, 0x1268, nix::libc::c_int);

/// The device's logical sector size (`ioctl(fd, BLKSSZGET, &int)`), the unit the o2cb
/// heartbeat region is counted in.
pub fn logical_sector_size(dev: &File) -> Result<u32> {
    let mut size: nix::libc::c_int = 0;
    // SAFETY: BLKSSZGET writes one int through the pointer, which lives on our stack.
    unsafe { blksszget(dev.as_raw_fd(), &mut size) }.context("BLKSSZGET")?;
    u32::try_from(size).with_context(|| format!("BLKSSZGET gave a negative sector size ({size})"))
}
