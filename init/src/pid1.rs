//! PID 1: early mounts, command line, plan, execute; every failure goes to `fatal`.

use std::path::Path;

use anyhow::{anyhow, Context, Result};
use nix::errno::Errno;
use nix::mount::{mount, MsFlags};
use osr_core::cmdline::Cmdline;
use osr_core::config::Config;
use osr_core::plan::plan_with;

use crate::exec::{execute, Record};
use crate::fatal::fatal;
use crate::sys::linux::Linux;

const PROC_CMDLINE: &str = "/proc/cmdline";

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

fn mount_early() -> Vec<String> {
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

pub fn run() -> ! {
    crate::timestamp::mark_start();
    crate::kmsg::init();
    crate::fatal::install_panic_hook();
    let problems = mount_early();
    let text = std::fs::read_to_string(PROC_CMDLINE).unwrap_or_default();
    let cmdline = Cmdline::parse(&text);
    crate::fatal::set_policy(&cmdline);
    crate::kmsg::reopen(cmdline.has("printk.devkmsg"));
    log::info!(
        "osr-init {} starting; command line: {}",
        env!("CARGO_PKG_VERSION"),
        text.trim()
    );
    for p in &problems {
        log::warn!("early mount: {p}");
    }
    match boot(&cmdline) {
        Ok(()) => fatal(&anyhow!("the plan ended without switching root")),
        Err(e) => fatal(&e),
    }
}

/// The image's cluster.conf: `cluster_conf=<path>` must exist; the default path is
/// used when present (then this is an open-sharedroot cluster node).
fn read_cluster_conf(config: &Config) -> Result<Option<osr_core::cluster::ClusterConf>> {
    let path = config
        .cluster_conf
        .as_deref()
        .unwrap_or(osr_core::cluster::DEFAULT_PATH);
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

fn boot(cmdline: &Cmdline) -> Result<()> {
    let config = Config::from_cmdline(cmdline)?;
    crate::kmsg::set_verbosity(config.verbosity);
    let cluster = read_cluster_conf(&config)?;
    let plan = plan_with(&config, cluster.as_ref()).context("cannot plan the boot")?;
    log::debug!("plan:\n{plan}");
    std::fs::create_dir_all(Path::new(osr_core::plan::NEW_ROOT))
        .with_context(|| format!("creating {}", osr_core::plan::NEW_ROOT))?;
    let mut sys = Linux::new(config);
    let mut record = Record::default();
    execute(&plan, &mut sys, &mut record)
}
