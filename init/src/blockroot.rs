//! The block root: wait for the device `root=` (or cluster.conf) names, read its
//! superblock, start the cluster stack a shared filesystem needs, mount it.
//!
//! Devices are found without udev: `/sys/class/block` is listed and each device's
//! first bytes are probed ([`osr_core::blkid`], [`osr_core::block::partitions`]) every
//! [`POLL`] until the device appears or the wait (`rd.retry`, bounded by `rd.timeout`)
//! is over, with a message every [`PROGRESS`] naming what is awaited.

use std::collections::HashMap;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use osr_core::blkid::{self, RootDevice, PROBE_SIZE};
use osr_core::block::{self, BlockMount, Candidate, FsLocking, Locking};
use osr_core::plan::{BlockRootPlan, ModuleLoad};

use crate::state::{Key, Record};
use crate::sys::{Errno, Sys};

const POLL: Duration = Duration::from_millis(250);
const PROGRESS: Duration = Duration::from_secs(5);
/// The mount(2) call itself is not a wait for something to appear: it gets at least
/// this long, even with a shorter `rd.retry` (a GFS2 mount replays journals, an OCFS2
/// one joins its domain).
const MOUNT_AT_LEAST: Duration = Duration::from_secs(60);

pub fn mount(
    root: &BlockRootPlan,
    wait: Duration,
    target: &str,
    sys: &mut dyn Sys,
    record: &mut Record,
) -> Result<()> {
    let (device, req) = (&root.device, &root.request);
    let (cand, head) = wait_for_device(device, wait, sys)?;
    let path = cand.path();
    let probe = cand.probe.as_ref();
    log::info!("root device {} is {cand}", block::describe(device));
    // With no superblock recognised, rootfstype= says what to read (a damaged GFS2 or
    // OCFS2 superblock then gets its own error, not a mount without its cluster stack).
    let fstype = probe.map(|p| p.fstype).or(req.fstype.as_deref());
    let locking = fs_locking(fstype, &head, &path)?;
    let m = block::block_mount(&path, probe, &locking, req)?;
    // A failed optional piece (crc32c_intel on a CPU without SSE4.2, beside
    // crc32c_generic) is not fatal: a missing filesystem shows as the mount's ENODEV.
    let load = ModuleLoad {
        names: m.modules.clone(),
        devices: false,
        options: root.modules.clone(),
    };
    if let Err(e) = sys.load_modules(&load) {
        log::warn!("loading {} for the root: {e:#}", m.modules.join(", "));
    }
    match &m.locking {
        Locking::None => {}
        Locking::Dlm { cluster, fsname } => {
            let stack = root.cluster.as_ref().with_context(|| {
                format!("{path}: GFS2 with lock_dlm needs the cluster's cluster.conf in the image (dracut osr_cluster_conf=), or rootflags=lockproto=lock_nolock on one node alone")
            })?;
            log::info!(
                "{path}: GFS2 {cluster}:{fsname} with lock_dlm: starting corosync and dlm_controld"
            );
            sys.start_dlm_stack(&stack.conf, wait)?;
            record.set(Key::CLUSTER_STACK, "corosync+dlm");
        }
        Locking::O2cb => {
            let stack = root.cluster.as_ref().with_context(|| {
                format!("{path}: an OCFS2 cluster volume (o2cb) needs the cluster's cluster.conf in the image (dracut osr_cluster_conf=)")
            })?;
            log::info!(
                "{path}: OCFS2 cluster volume: o2cb cluster {} as node {}",
                stack.conf.name,
                stack.nodeid
            );
            sys.start_o2cb(&stack.conf, stack.nodeid, &path, wait)?;
            record.set(Key::CLUSTER_STACK, "o2cb");
        }
    }
    record.set(Key::ROOT_DEVICE, &path);
    record.set(Key::ROOT_FSTYPE, &m.fstype);
    if let Some(p) = probe {
        record.set(Key::ROOT_UUID, p.uuid.as_deref().unwrap_or(""));
        record.set(Key::ROOT_LABEL, p.label.as_deref().unwrap_or(""));
    }
    let ro = if m.read_only { "ro" } else { "rw" };
    record.set(Key::ROOT_OPTIONS, join_opts(ro, &m.data));
    log::info!(
        "mounting {path} on {target} type {} ({})",
        m.fstype,
        join_opts(ro, &m.data)
    );
    match sys.mount_block(&m, target, wait.max(MOUNT_AT_LEAST)) {
        Ok(()) => Ok(()),
        Err(e) => bail!(
            "mounting {path} ({}) on {target} failed: {e}: {}",
            m.fstype,
            mount_error(e, &m)
        ),
    }
}

fn join_opts(ro: &str, data: &str) -> String {
    if data.is_empty() {
        ro.to_string()
    } else {
        format!("{ro},{data}")
    }
}

fn mount_error(e: Errno, m: &BlockMount) -> String {
    match e {
        Errno::ENODEV => format!(
            "the kernel has no {} filesystem: is its module in the image (dracut -m osr-rs installs it)?",
            m.fstype
        ),
        Errno::EINVAL => format!(
            "the kernel refused the superblock or the options {:?} (its reason is in the kernel messages above)",
            m.data
        ),
        Errno::EROFS | Errno::EACCES => {
            "the device is read-only: mount it without rw".to_string()
        }
        Errno::ETIMEDOUT => "the mount did not finish in time (a cluster filesystem waits for its lock manager: check that the cluster is quorate)".to_string(),
        Errno::EUCLEAN | Errno::EIO => "the filesystem is damaged or the device unreadable: run its fsck from another system".to_string(),
        Errno::EBUSY => "the device is in use (already mounted, or held by another user) or the target is busy".to_string(),
        _ => "see the kernel messages above".to_string(),
    }
}

/// What a GFS2 or OCFS2 superblock says about locking.
fn fs_locking(fstype: Option<&str>, head: &[u8], path: &str) -> Result<FsLocking> {
    Ok(match fstype {
        Some("gfs2") => {
            let sb = osr_core::gfs2::superblock(head)
                .with_context(|| format!("{path}: reading the GFS2 superblock"))?;
            FsLocking::Gfs2 {
                lockproto: sb.lockproto,
                locktable: sb.locktable,
            }
        }
        Some("ocfs2") => {
            let sb = osr_core::ocfs2::superblock(head)
                .with_context(|| format!("{path}: reading the OCFS2 superblock"))?;
            FsLocking::Ocfs2 {
                local: sb.local,
                global_heartbeat: sb.global_heartbeat,
                userspace_stack: sb.userspace_stack,
            }
        }
        _ => FsLocking::NotShared,
    })
}

/// What was read of a device: its first bytes and what they are.
struct Read {
    head: Vec<u8>,
    probe: Option<blkid::Probe>,
    partitions: Vec<block::Partition>,
}

/// Every block device now, with partition tags from their disks' tables, and `extra`
/// (a `/dev/` name that is not in `/sys/class/block`) when it can be read. `reads`
/// keeps what was read and probed of each device across the polls: a device's first
/// bytes do not change while the boot waits, and a SAN with many LUNs is not read (or
/// copied) again every [`POLL`].
fn scan(
    sys: &mut dyn Sys,
    extra: Option<&str>,
    reads: &mut HashMap<String, Read>,
) -> Vec<Candidate> {
    let mut names = sys.block_devices();
    if let Some(x) = extra.filter(|x| !names.iter().any(|n| n == x)) {
        names.push(x.to_string());
    }
    names.retain(|name| {
        if reads.contains_key(name) {
            return true;
        }
        match sys.read_head(name, PROBE_SIZE) {
            Ok(head) if !head.is_empty() => {
                let probe = blkid::probe(&head);
                // a disk's table, unless the disk itself holds a filesystem
                let partitions = match probe {
                    Some(_) => Vec::new(),
                    None => block::partitions(&head),
                };
                reads.insert(
                    name.clone(),
                    Read {
                        head,
                        probe,
                        partitions,
                    },
                );
                true
            }
            _ => false,
        }
    });
    let mut seen: Vec<Candidate> = names
        .iter()
        .filter_map(|name| {
            reads.get(name).map(|r| Candidate {
                name: name.clone(),
                probe: r.probe.clone(),
                part_uuid: None,
                part_label: None,
            })
        })
        .collect();
    for disk in &names {
        let Some(r) = reads.get(disk) else { continue };
        for p in &r.partitions {
            let name = block::partition_name(disk, p.number);
            if let Some(c) = seen.iter_mut().find(|c| c.name == name) {
                c.part_uuid = Some(p.uuid.clone());
                c.part_label = p.label.clone();
            }
        }
    }
    seen
}

fn wait_for_device(
    dev: &RootDevice,
    wait: Duration,
    sys: &mut dyn Sys,
) -> Result<(Candidate, Vec<u8>)> {
    let what = block::describe(dev);
    let start = sys.now();
    let mut said = start;
    let mut first = true;
    // A path that is not a kernel name (/dev/cciss/c0d0, an md link): opened directly.
    let extra = match dev {
        RootDevice::Path(p) => p.strip_prefix("/dev/"),
        _ => None,
    };
    let mut reads = HashMap::new();
    loop {
        let cands = scan(sys, extra, &mut reads);
        match block::find(dev, &cands) {
            Err(e) => bail!("{e}"),
            Ok(Some(found)) => {
                let head = reads
                    .remove(&found.name)
                    .map(|r| r.head)
                    .unwrap_or_default();
                return Ok((found.clone(), head));
            }
            Ok(None) => {}
        }
        let now = sys.now();
        let elapsed = now.saturating_sub(start);
        if elapsed >= wait {
            let list: Vec<String> = cands.iter().map(|c| c.to_string()).collect();
            bail!(
                "root device {what} not found after {} s; block devices seen: {} (rd.retry= / rd.timeout= set the wait)",
                wait.as_secs(),
                if list.is_empty() {
                    "none (is the disk controller's driver in the image?)".to_string()
                } else {
                    list.join(", ")
                }
            );
        }
        if first || now.saturating_sub(said) >= PROGRESS {
            log::info!(
                "waiting for root device {what}: {} s of {} s",
                elapsed.as_secs(),
                wait.as_secs()
            );
            said = now;
            first = false;
        }
        sys.sleep(POLL);
    }
}
