//! The steps around the root: the cluster node's record and syslog servers, the
//! overlay and the rootovl trees (its `com_info/filesystems`: `filesystems.rs`).

use core::net::{IpAddr, SocketAddr};

use anyhow::{bail, Context, Result};
use osr_core::cluster::Source;
use osr_core::overlay;
use osr_core::plan::{NodeRecord, RemoteLog, NEW_ROOT};
use osr_core::rootovl;

use super::DNS_TIMEOUT;
use crate::state::{Key, Record};
use crate::sys::Sys;

/// Records who this node is for the real root (the step's line logs it).
pub(super) fn record(n: &NodeRecord, record: &mut Record) {
    record.set(Key::NODEID, n.nodeid);
    let how = match n.how {
        Source::Param => "param",
        Source::ComParam => "com-param",
        Source::Mac { .. } => "mac",
        Source::SingleNode => "single",
    };
    record.set(Key::NODEID_SOURCE, how);
    // Without cluster.conf (nodeid= alone) there is no cluster, name or rootvolume.
    let Some(m) = &n.member else { return };
    record.set(Key::CLUSTER_NAME, &m.cluster);
    record.set(Key::NODENAME, &m.hostname);
    if let Some((name, fstype)) = &m.rootvolume {
        record.set(Key::ROOT, name);
        record.set(Key::ROOTFS, fstype);
    }
}

/// The servers' names resolved through the known nameservers. Best effort: the boot
/// never waits on it.
pub(super) fn start_remote_log(
    log: &RemoteLog,
    dns: &[IpAddr],
    search: &[String],
    sys: &mut dyn Sys,
) -> Result<()> {
    let mut addrs = Vec::new();
    for t in &log.settings.targets {
        match sys.resolve(&t.host, dns, search, DNS_TIMEOUT) {
            Ok(ip) => addrs.push(SocketAddr::new(ip, t.port)),
            Err(e) => log::warn!("syslog: {}: {e:#}", t.host),
        }
    }
    if addrs.is_empty() {
        let names: Vec<&str> = log
            .settings
            .targets
            .iter()
            .map(|t| t.host.as_str())
            .collect();
        bail!("syslog: no usable server in {}", names.join(","));
    }
    sys.start_remote_log(&addrs, &log.settings, log.hostname.clone());
    Ok(())
}

/// The tmpfs, its upper and work directories, the overlay on the new root, and the
/// legacy /live binds (best effort: the root works without them).
pub(super) fn mount_overlay(
    spec: &overlay::OverlaySpec,
    sys: &mut dyn Sys,
    record: &mut Record,
) -> Result<()> {
    sys.mount(&overlay::tmpfs_mount(spec))
        .context("mounting the tmpfs for the overlay's upper layer")?;
    for dir in overlay::cow_dirs() {
        sys.make_dir(&dir)?;
    }
    sys.mount(&overlay::overlay_mount(NEW_ROOT))
        .context("mounting the overlay root")?;
    for bind in overlay::legacy_binds(NEW_ROOT) {
        if let Err(e) = sys.mount(&bind) {
            log::warn!(
                "overlay: {} not visible at {}: {e:#}",
                bind.source,
                bind.target
            );
        }
    }
    log::info!(
        "overlay root on {NEW_ROOT}: writes go to a tmpfs of size {} (df /live/cow; the changes in /live/cow/rw)",
        spec.size
    );
    record.set(Key::OVERLAY, "tmpfs");
    record.set(Key::OVERLAY_SIZE, &spec.size);
    record.set(Key::OVERLAY_LOWER, overlay::LOWER);
    record.set(Key::OVERLAY_UPPER, format!("{}/upper", overlay::COW));
    Ok(())
}

/// The per-host trees, in legacy order; `%h` is the hostname, `%n` the node id.
pub(super) fn apply_rootovl(
    names: &[String],
    hostname: Option<&str>,
    nodeid: Option<u32>,
    sys: &mut dyn Sys,
    record: &mut Record,
) -> Result<()> {
    let nodeid = nodeid.map(|n| n.to_string());
    let mut expanded = Vec::new();
    for name in names {
        match rootovl::expand(name, hostname, nodeid.as_deref()) {
            Ok(n) => expanded.push(n),
            Err(e) => log::warn!("rootovlcfg: {e}; skipping '{name}'"),
        }
    }
    let report = sys.apply_rootovl(NEW_ROOT, &expanded)?;
    record.set(Key::ROOTOVL_APPLIED, report.applied.join(" "));
    record.set(Key::ROOTOVL_MISSING, report.missing.join(" "));
    record.set(Key::ROOTOVL_REFUSED, report.refused.len());
    for m in &report.missing {
        log::warn!("rootovlcfg: no tree /etc/rootovl/{m} in the root; skipped");
    }
    if report.errors.is_empty() {
        Ok(())
    } else {
        bail!("rootovl: {}", report.errors.join("; "))
    }
}
