//! Glue between the executor's [`crate::sys::Sys`] and the cluster stacks
//! ([`crate::sys::clusterstack`]): renders what they need from cluster.conf and reads
//! what they need from the root device.

use std::fs::File;
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result};
use osr_core::cluster::ClusterConf;

use crate::sys::clusterstack;

/// corosync + dlm_controld for a GFS2 lock_dlm root.
pub fn start_dlm_stack(conf: &ClusterConf, timeout: Duration) -> Result<()> {
    let text = osr_core::corosync::corosync_conf(conf).with_context(|| {
        format!(
            "cluster.conf: deriving corosync.conf for cluster {}",
            conf.name
        )
    })?;
    dlm_misc_links(Path::new("/dev"))?;
    let pids = clusterstack::start_dlm_stack(&text, &conf.name, timeout, &mut |line| {
        log::info!("{line}");
    })?;
    log::info!(
        "cluster {}: corosync (pid {}) and dlm_controld (pid {}) are running",
        conf.name,
        pids.corosync,
        pids.dlm_controld
    );
    Ok(())
}

/// The DLM's misc devices appear as /dev/<name> (devtmpfs); dlm_controld opens them
/// as /dev/misc/<name>, the links udev's rules make. devtmpfs is one instance for
/// every mount of it, so the links are seen in the daemons' root and the real root.
fn dlm_misc_links(dev: &Path) -> Result<()> {
    let misc = dev.join("misc");
    std::fs::create_dir_all(&misc).with_context(|| format!("creating {}", misc.display()))?;
    for name in ["dlm-control", "dlm-monitor", "dlm_plock"] {
        let link = misc.join(name);
        if dev.join(name).exists() && std::fs::symlink_metadata(&link).is_err() {
            std::os::unix::fs::symlink(format!("../{name}"), &link)
                .with_context(|| format!("linking {}", link.display()))?;
        }
    }
    Ok(())
}

/// The o2cb stack for an OCFS2 cluster root: nodes in configfs, then disk heartbeat.
pub fn start_o2cb(conf: &ClusterConf, local: u32, device: &str, timeout: Duration) -> Result<()> {
    let nodes = osr_core::corosync::o2cb_nodes(conf)
        .with_context(|| format!("cluster.conf: the o2cb nodes of cluster {}", conf.name))?;
    clusterstack::o2cb::configure_o2cb(&conf.name, &nodes, local)?;
    let mut dev = File::open(device).with_context(|| format!("opening {device}"))?;
    let sector = crate::sys::blockdev::logical_sector_size(&dev)
        .with_context(|| format!("{device}: sector size"))?;
    let region = osr_core::ocfs2::heartbeat_region(&mut dev, sector)
        .with_context(|| format!("{device}: finding the OCFS2 heartbeat area"))?;
    log::info!(
        "o2cb: heartbeat region {} on {device}: {} blocks of {} bytes from block {}",
        region.name,
        region.blocks,
        region.block_bytes,
        region.start_block
    );
    clusterstack::o2cb::start_o2cb_heartbeat(&conf.name, &region, Path::new(device), timeout)
}
