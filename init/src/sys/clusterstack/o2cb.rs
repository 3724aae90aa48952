//! The kernel's o2cb cluster stack for OCFS2, configured through configfs the way
//! ocfs2-tools' `o2cb_ctl`/libo2cb do, without their init scripts or daemons:
//! the node list under `/sys/kernel/config/cluster/<cluster>/node/`, then a local
//! disk-heartbeat region per volume under `.../heartbeat/<region>`.
//!
//! Kernel rules followed (fs/ocfs2/cluster/nodemanager.c, heartbeat.c, 6.1):
//! one cluster only; a node's `ipv4_port` and `ipv4_address` before `num`, all
//! three before `local` (EINVAL otherwise); each attribute is write-once (a second
//! write is EBUSY, or EEXIST for a number or address already in the tree), so a
//! rerun reads the value back instead; `local` = 1 starts o2net listening on the
//! node's address, which must therefore be up. A region needs `block_bytes` (the
//! device's logical sector size), `start_block` and `blocks` before `dev`, and the
//! local node set; writing the number of a descriptor open on the device to `dev`
//! makes the kernel take its own reference and start the `o2hb-<region>` thread,
//! and the write returns once the heartbeat is steady (O2HB_LIVE_THRESHOLD + 1
//! rounds of 2 s), or EIO if the start was aborted.
//!
//! Not done: global heartbeat (`heartbeat/mode`), the o2cb timeouts (the kernel's
//! defaults are ocfs2-tools' defaults: dead threshold 31, idle 30000 ms, keepalive
//! 2000 ms, reconnect 2000 ms), loading modules (the caller does).

use std::fs::{self, OpenOptions};
use std::io::{ErrorKind, Write};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use osr_core::corosync::O2cbNode;
use osr_core::ocfs2::HeartbeatRegion;

use super::{mount_configfs, CONFIGFS};

/// `O2NM_API_VERSION` (nodemanager.h), what libo2cb expects in
/// /sys/fs/o2cb/interface_revision.
const O2NM_API_VERSION: u32 = 5;
const STACK_O2CB: &str = "o2cb";

/// configfs and /sys/fs; tests point them at a directory.
#[derive(Debug, Clone)]
pub struct O2cbPaths {
    pub configfs: PathBuf,
    pub sys_fs: PathBuf,
    /// Mount configfs if needed (the boot); tests use a plain directory.
    pub mount: bool,
}

impl Default for O2cbPaths {
    fn default() -> Self {
        O2cbPaths {
            configfs: PathBuf::from(CONFIGFS),
            sys_fs: PathBuf::from("/sys/fs"),
            mount: true,
        }
    }
}

impl O2cbPaths {
    fn cluster(&self, cluster: &str) -> PathBuf {
        self.configfs.join("cluster").join(cluster)
    }
}

/// Declares `nodes` to the kernel and marks `local_num` as this node.
pub fn configure_o2cb(cluster: &str, nodes: &[O2cbNode], local_num: u32) -> Result<()> {
    configure_o2cb_in(&O2cbPaths::default(), cluster, nodes, local_num)
}

pub fn configure_o2cb_in(
    paths: &O2cbPaths,
    cluster: &str,
    nodes: &[O2cbNode],
    local_num: u32,
) -> Result<()> {
    let Some(local) = nodes.iter().find(|n| n.num == local_num) else {
        bail!("o2cb cluster {cluster}: this node ({local_num}) is not in the node list");
    };
    check_revision(&paths.sys_fs.join("o2cb/interface_revision"))?;
    select_stack(&paths.sys_fs.join("ocfs2/cluster_stack"))?;
    if paths.mount {
        mount_configfs(&paths.configfs)?;
    }
    let dir = make_cluster(paths, cluster)?;
    for node in nodes {
        add_node(&dir.join("node"), node)
            .with_context(|| format!("o2cb cluster {cluster}: node {}", node.name))?;
    }
    set_attr(&dir.join("node").join(&local.name), "local", "1").with_context(|| {
        format!(
            "o2cb cluster {cluster}: making {} ({}:{}) the local node: o2net listens there, is the address up?",
            local.name, local.ipv4, local.port
        )
    })
}

fn check_revision(path: &Path) -> Result<()> {
    let text = fs::read_to_string(path)
        .with_context(|| format!("reading {}: is ocfs2_nodemanager loaded?", path.display()))?;
    match text.trim().parse::<u32>() {
        Ok(O2NM_API_VERSION) => Ok(()),
        _ => bail!(
            "{}: interface revision {:?}, o2cb configuration needs {O2NM_API_VERSION}",
            path.display(),
            text.trim()
        ),
    }
}

/// /sys/fs/ocfs2/cluster_stack must say o2cb (it does unless a userspace stack was
/// chosen; the write fails while a volume of the other stack is mounted).
fn select_stack(path: &Path) -> Result<()> {
    let current = match fs::read_to_string(path) {
        Ok(s) => s.trim().to_string(),
        // ocfs2_stackglue not loaded yet: it starts with o2cb.
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    if current == STACK_O2CB {
        return Ok(());
    }
    write_attr(path, STACK_O2CB)
        .with_context(|| format!("{}: switching from {current:?} to o2cb", path.display()))
}

/// `cluster/<name>`; the kernel allows one cluster (ENOSPC for a second).
fn make_cluster(paths: &O2cbPaths, cluster: &str) -> Result<PathBuf> {
    let dir = paths.cluster(cluster);
    let parent = paths.configfs.join("cluster");
    let entries = fs::read_dir(&parent)
        .with_context(|| format!("reading {}: is ocfs2_nodemanager loaded?", parent.display()))?;
    {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name != cluster && e.path().is_dir() {
                bail!(
                    "o2cb: cluster {name:?} is configured already ({}); the kernel allows one, cluster.conf says {cluster:?}",
                    parent.display()
                );
            }
        }
    }
    make_dir(&dir)?;
    // The kernel creates node/ and heartbeat/ with the cluster; a test tree does not.
    make_dir(&dir.join("node"))?;
    make_dir(&dir.join("heartbeat"))?;
    Ok(dir)
}

fn make_dir(dir: &Path) -> Result<()> {
    match fs::create_dir(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e).with_context(|| format!("creating {}", dir.display())),
    }
}

fn add_node(node_dir: &Path, node: &O2cbNode) -> Result<()> {
    let dir = node_dir.join(&node.name);
    make_dir(&dir)?;
    set_attr(&dir, "ipv4_port", &node.port.to_string())?;
    set_attr(&dir, "ipv4_address", &node.ipv4.to_string())?;
    set_attr(&dir, "num", &node.num.to_string())
}

/// Writes a write-once attribute; if the kernel says it is set already, the value
/// read back must be `value`.
fn set_attr(dir: &Path, attr: &str, value: &str) -> Result<()> {
    let path = dir.join(attr);
    match write_attr(&path, value) {
        Ok(()) => Ok(()),
        Err(e) if already_set(&e) => {
            let current = fs::read_to_string(&path).unwrap_or_default();
            if current.trim() == value {
                Ok(())
            } else {
                Err(e).with_context(|| {
                    format!(
                        "{} is {:?} already, cluster.conf says {value:?} (a reboot clears o2cb)",
                        path.display(),
                        current.trim()
                    )
                })
            }
        }
        Err(e) => Err(e).with_context(|| format!("writing {value:?} to {}", path.display())),
    }
}

fn already_set(e: &std::io::Error) -> bool {
    matches!(e.raw_os_error(), Some(libc::EBUSY) | Some(libc::EEXIST))
}

/// One write(2) of `value` and a newline, as `echo value > attr` does.
fn write_attr(path: &Path, value: &str) -> std::io::Result<()> {
    let mut f = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)?;
    f.write_all(format!("{value}\n").as_bytes())
}

/// Starts the local disk heartbeat of `region` on `device` and waits (at most
/// `timeout`) until it is steady. Needs [`configure_o2cb`] first.
pub fn start_o2cb_heartbeat(
    cluster: &str,
    region: &HeartbeatRegion,
    device: &Path,
    timeout: Duration,
) -> Result<()> {
    start_o2cb_heartbeat_in(&O2cbPaths::default(), cluster, region, device, timeout)
}

pub fn start_o2cb_heartbeat_in(
    paths: &O2cbPaths,
    cluster: &str,
    region: &HeartbeatRegion,
    device: &Path,
    timeout: Duration,
) -> Result<()> {
    let dir = paths.cluster(cluster).join("heartbeat").join(&region.name);
    let what = || format!("o2cb heartbeat {} on {}", region.name, device.display());
    make_dir(&dir).with_context(what)?;
    // `dev` shows the device's name once the heartbeat runs.
    let running = fs::read_to_string(dir.join("dev")).unwrap_or_default();
    if !running.trim().is_empty() {
        log::info!("{}: running already (dev {})", what(), running.trim());
        return Ok(());
    }
    for (attr, value) in [
        ("block_bytes", region.block_bytes.to_string()),
        ("start_block", region.start_block.to_string()),
        ("blocks", region.blocks.to_string()),
    ] {
        let path = dir.join(attr);
        write_attr(&path, &value)
            .with_context(|| format!("{}: writing {value} to {}", what(), path.display()))?;
    }
    let dev = OpenOptions::new()
        .read(true)
        .write(true)
        .open(device)
        .with_context(|| format!("{}: opening the device read-write", what()))?;
    let dev_attr = dir.join("dev");
    let fd = dev.as_raw_fd().to_string();
    let (tx, rx) = mpsc::channel();
    let attr = dev_attr.clone();
    // The write blocks until the heartbeat is steady; a thread keeps it bounded.
    std::thread::Builder::new()
        .name("o2hb-start".to_string())
        .spawn(move || {
            let r = write_attr(&attr, &fd);
            if tx.send(r).is_err() {
                log::debug!("o2cb heartbeat: the start was given up before the write returned");
            }
            drop(dev);
        })
        .with_context(|| format!("{}: starting a thread for the heartbeat start", what()))?;
    match rx.recv_timeout(timeout) {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) if e.raw_os_error() == Some(libc::EIO) => Err(e).with_context(|| {
            format!(
                "{}: the kernel aborted the heartbeat start (I/O error or a slot written by another node with our number? see dmesg)",
                what()
            )
        }),
        Ok(Err(e)) => Err(e).with_context(|| {
            format!(
                "{}: writing the descriptor to {} (block_bytes {} must be the device's logical sector size)",
                what(),
                dev_attr.display(),
                region.block_bytes
            )
        }),
        Err(_) => {
            // Removing the region wakes the blocked writer (o2hb_heartbeat_group_drop_item).
            if let Err(e) = fs::remove_dir(&dir) {
                log::warn!("removing {}: {e}", dir.display());
            }
            bail!(
                "{}: not steady after {} s (is the device shared and writable? see dmesg)",
                what(),
                timeout.as_secs()
            )
        }
    }
}

#[cfg(test)]
mod tests;
