//! The boot's first and last side effects: the API filesystems, the inputs read once
//! (the command line, the image's cluster.conf), and the end of a failed boot (sync,
//! reboot or power off).

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result};
use nix::errno::Errno;
use nix::mount::{mount, MsFlags};
use nix::sys::reboot::{reboot, RebootMode};
use osr_core::cluster::ClusterConf;
use osr_core::config::{Config, Emergency};

pub const PROC_CMDLINE: &str = "/proc/cmdline";

/// The API filesystems, mounted before anything else (kata's `InitMount` table).
struct EarlyMount {
    fstype: &'static str,
    target: &'static str,
    flags: MsFlags,
    data: Option<&'static str>,
}

const NOSUID_NODEV_NOEXEC: MsFlags = MsFlags::MS_NOSUID
    .union(MsFlags::MS_NODEV)
    .union(MsFlags::MS_NOEXEC);

const EARLY_MOUNTS: &[EarlyMount] = &[
    EarlyMount {
        fstype: "proc",
        target: "/proc",
        flags: NOSUID_NODEV_NOEXEC,
        data: None,
    },
    EarlyMount {
        fstype: "sysfs",
        target: "/sys",
        flags: NOSUID_NODEV_NOEXEC,
        data: None,
    },
    EarlyMount {
        fstype: "devtmpfs",
        target: "/dev",
        flags: MsFlags::MS_NOSUID,
        data: Some("mode=0755"),
    },
    EarlyMount {
        fstype: "tmpfs",
        target: "/run",
        flags: MsFlags::MS_NOSUID.union(MsFlags::MS_NODEV),
        data: Some("mode=0755"),
    },
];

/// Mounts the API filesystems; returns what failed, for the log once it is set up.
pub fn mount_early() -> Vec<String> {
    let mut problems = Vec::new();
    for m in EARLY_MOUNTS {
        if let Err(e) = std::fs::create_dir_all(m.target) {
            problems.push(format!("creating {}: {e}", m.target));
        }
        match mount(Some(m.fstype), m.target, Some(m.fstype), m.flags, m.data) {
            Ok(()) | Err(Errno::EBUSY) => {}
            Err(e) => problems.push(format!("mounting {} on {}: {e}", m.fstype, m.target)),
        }
    }
    problems
}

/// The kernel command line (`path` is [`PROC_CMDLINE`] but in tests).
pub fn read_cmdline(path: &str) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("reading {path}"))
}

/// The image's cluster.conf, read and parsed once: `cluster_conf=<path>` must exist;
/// without it `default` is read when present (then this is an open-sharedroot cluster
/// node). PID 1 passes the image's path; the admin's dry run passes `None`, because
/// the machine it runs on is not the image.
pub fn read_cluster_conf(config: &Config, default: Option<&str>) -> Result<Option<ClusterConf>> {
    let Some(path) = config.cluster_conf.as_deref().or(default) else {
        return Ok(None);
    };
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && config.cluster_conf.is_none() => {
            return Ok(None)
        }
        Err(e) => return Err(e).with_context(|| format!("reading cluster_conf={path}")),
    };
    let conf = osr_core::cluster::parse(&text).with_context(|| format!("in {path}"))?;
    log::info!(
        "cluster.conf {path}: cluster {} with {} nodes",
        conf.name,
        conf.nodes.len()
    );
    Ok(Some(conf))
}

/// Makes a directory and its parents.
pub fn make_dir(path: &str) -> Result<()> {
    std::fs::create_dir_all(Path::new(path)).with_context(|| format!("creating {path}"))
}

/// Flushes the filesystems.
pub fn sync() {
    nix::unistd::sync();
}

/// Reboots, powers off or halts; if the call fails, sleeps forever rather than exit
/// (PID 1 exiting panics the kernel).
pub fn end(emergency: Emergency) -> ! {
    let mode = match emergency {
        Emergency::Reboot => RebootMode::RB_AUTOBOOT,
        Emergency::Poweroff => RebootMode::RB_POWER_OFF,
        Emergency::Halt => RebootMode::RB_HALT_SYSTEM,
    };
    sync();
    let err = reboot(mode).err();
    log::error!("reboot({mode:?}) failed: {err:?}; sleeping forever");
    loop {
        pause(Duration::from_secs(3600));
    }
}

/// Sleeps (the fatal path's pause before a reboot).
pub fn pause(d: Duration) {
    std::thread::sleep(d);
}
