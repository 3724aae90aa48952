//! The executor: runs a [`Plan`] step by step against a [`Sys`].
//!
//! The policy lives here and nowhere else: each step is timed and logged with its key
//! values, a best-effort step's failure is a warning, a fatal step's failure ends the
//! run with an error for `fatal()`. The NFS mount is retried with bounded exponential
//! backoff; only errors that cannot heal by waiting (bad options, no NFS in the
//! kernel) end it early.

use std::fmt::Write as _;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use nix::errno::Errno;
use osr_core::nfs::NfsMount;
use osr_core::plan::{
    describe_nics, select_interface, Action, IfaceSelector, NetPlan, OnError, Plan, SelectError,
    NEW_ROOT,
};

use crate::sys::Sys;

/// First and largest pause between mount attempts.
const MOUNT_BACKOFF_START: Duration = Duration::from_millis(500);
const MOUNT_BACKOFF_MAX: Duration = Duration::from_secs(8);
/// One mount attempt is abandoned after this long.
const MOUNT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30);
const CARRIER_POLL: Duration = Duration::from_millis(50);

/// What the boot configured, handed to the real root as shell-style `KEY='value'` lines.
#[derive(Debug, Default)]
pub struct Record {
    lines: String,
}

impl Record {
    pub fn set(&mut self, key: &str, value: impl std::fmt::Display) {
        let value = value.to_string().replace('\'', "'\\''");
        // Writing to a String cannot fail.
        let _ = writeln!(self.lines, "OSR_{key}='{value}'");
    }

    pub fn text(&self) -> &str {
        &self.lines
    }
}

pub fn execute(plan: &Plan, sys: &mut dyn Sys, record: &mut Record) -> Result<()> {
    record.set("VERSION", env!("CARGO_PKG_VERSION"));
    for (i, step) in plan.steps.iter().enumerate() {
        let start = sys.now();
        log::info!("step {}: {}", i + 1, step.action);
        let res = run_action(&step.action, sys, record);
        let ms = (sys.now().saturating_sub(start)).as_millis();
        record.set(
            &format!("TIMING_MS_{}_{}", i + 1, step_key(&step.action)),
            ms,
        );
        match (res, step.on_error) {
            (Ok(()), _) => log::debug!("step {} done in {ms} ms", i + 1),
            (Err(e), OnError::Warn) => log::warn!(
                "step {} ({}) failed, continuing: {e:#}",
                i + 1,
                step_key(&step.action)
            ),
            (Err(e), OnError::Fatal) => return Err(e),
        }
    }
    Ok(())
}

fn step_key(action: &Action) -> &'static str {
    match action {
        Action::LoadModules { devices: true, .. } => "DRIVERS",
        Action::LoadModules { .. } => "MODULES",
        Action::Break(_) => "BREAK",
        Action::ConfigureNetwork(_) => "NETWORK",
        Action::SetHostname(_) => "HOSTNAME",
        Action::MountNfsRoot { .. } => "MOUNT",
        Action::SwitchRoot(_) => "SWITCH_ROOT",
    }
}

fn run_action(action: &Action, sys: &mut dyn Sys, record: &mut Record) -> Result<()> {
    match action {
        Action::LoadModules { names, devices } => sys.load_modules(names, *devices),
        Action::Break(point) => sys.shell(&format!("rd.break at {point:?}")),
        Action::ConfigureNetwork(net) => configure_network(net, sys, record),
        Action::SetHostname(name) => {
            record.set("HOSTNAME", name);
            sys.set_hostname(name)
        }
        Action::MountNfsRoot { mount, retry } => {
            record.set("ROOT_SOURCE", &mount.source);
            record.set("NFS_SERVER", mount.server);
            record.set("NFS_PATH", &mount.path);
            record.set("ROOT_FSTYPE", mount.fstype);
            let ro = if mount.read_only { "ro" } else { "rw" };
            record.set("ROOT_OPTIONS", format!("{ro},{}", mount.data));
            mount_with_retry(mount, *retry, sys)
        }
        Action::SwitchRoot(s) => {
            let uptime = sys.now().as_secs_f64();
            record.set("UPTIME_AT_SWITCH_ROOT", format!("{uptime:.3}"));
            match sys.switch_root(s, record.text()) {
                Err(e) => Err(e),
                Ok(never) => match never {},
            }
        }
    }
}

fn configure_network(net: &NetPlan, sys: &mut dyn Sys, record: &mut Record) -> Result<()> {
    sys.link_up("lo", None, None).context("bringing up lo")?;
    apply_renames(net, sys)?;
    let nics = sys.nics()?;
    let name = match (&net.select, nics.as_slice()) {
        (IfaceSelector::FirstWithCarrier, [only]) => only.name.clone(),
        (IfaceSelector::FirstWithCarrier, [_, _, ..]) => first_with_carrier(net, sys)?,
        (sel, _) => select_interface(sel, &nics)?.name.clone(),
    };
    sys.link_up(&name, net.mtu, net.mac)?;
    wait_carrier(&name, net.carrier_timeout, sys);
    sys.add_address(&name, net.address, net.prefix)?;
    if let Some(gw) = net.gateway {
        sys.add_route(&name, None, Some(gw))?;
    }
    for r in &net.routes {
        let iface = r.iface.as_deref().unwrap_or(&name);
        sys.add_route(iface, Some((r.dest, r.prefix)), r.gateway)?;
    }
    let mac = sys
        .nics()?
        .into_iter()
        .find(|n| n.name == name)
        .and_then(|n| n.mac);
    log::info!(
        "network: {name} mac={} address={}/{} gateway={}",
        mac.map_or_else(|| "?".to_string(), |m| m.to_string()),
        net.address,
        net.prefix,
        net.gateway
            .map_or_else(|| "none".to_string(), |g| g.to_string())
    );
    record.set("IFACE", &name);
    record.set("MAC", mac.map_or_else(String::new, |m| m.to_string()));
    record.set("ADDRESS", format!("{}/{}", net.address, net.prefix));
    record.set(
        "GATEWAY",
        net.gateway.map_or_else(String::new, |g| g.to_string()),
    );
    let routes: Vec<String> = net
        .routes
        .iter()
        .map(|r| format!("{}/{}", r.dest, r.prefix))
        .collect();
    record.set("ROUTES", routes.join(" "));
    let dns: Vec<String> = net.dns.iter().map(|d| d.to_string()).collect();
    record.set("DNS", dns.join(" "));
    Ok(())
}

fn apply_renames(net: &NetPlan, sys: &mut dyn Sys) -> Result<()> {
    for (name, mac) in &net.renames {
        let nics = sys.nics()?;
        match nics.iter().find(|n| n.mac == Some(*mac)) {
            Some(nic) if &nic.name != name => {
                log::info!("ifname: renaming {} ({mac}) to {name}", nic.name);
                sys.rename_link(&nic.name, name)?;
            }
            Some(_) => {}
            None => log::warn!("ifname={name}:{mac}: no interface has that MAC"),
        }
    }
    Ok(())
}

/// Brings every NIC up and takes the first (in index order) to report carrier.
fn first_with_carrier(net: &NetPlan, sys: &mut dyn Sys) -> Result<String> {
    let nics = sys.nics()?;
    for nic in &nics {
        sys.link_up(&nic.name, None, None)?;
    }
    let deadline = sys.now() + net.carrier_timeout;
    loop {
        if let Some(nic) = nics.iter().find(|n| sys.carrier(&n.name)) {
            return Ok(nic.name.clone());
        }
        if sys.now() >= deadline {
            return Err(SelectError::NoCarrier {
                seen: describe_nics(&nics),
            }
            .into());
        }
        sys.sleep(CARRIER_POLL);
    }
}

/// Waits for carrier, bounded; a NIC whose driver never reports carrier still gets
/// its address (the mount will tell whether the network works).
fn wait_carrier(name: &str, timeout: Duration, sys: &mut dyn Sys) {
    let deadline = sys.now() + timeout;
    while !sys.carrier(name) {
        if sys.now() >= deadline {
            log::warn!(
                "{name}: no carrier after {}s (rd.net.timeout.carrier); configuring it anyway",
                timeout.as_secs()
            );
            return;
        }
        sys.sleep(CARRIER_POLL);
    }
}

/// What an NFS mount error means to the admin, and whether waiting can help.
pub fn nfs_error(e: Errno) -> (&'static str, bool) {
    match e {
        Errno::ENOENT => (
            "the server does not export this path (or it does not exist)",
            true,
        ),
        Errno::EACCES | Errno::EPERM => (
            "the server refused access: check the export's client list and root squash",
            true,
        ),
        Errno::ECONNREFUSED => (
            "nothing listens for NFS on the server (service down?)",
            true,
        ),
        Errno::ETIMEDOUT => ("the server did not answer in time", true),
        Errno::EHOSTUNREACH | Errno::ENETUNREACH => {
            ("no route to the server: check ip= and the gateway", true)
        }
        Errno::EIO => ("I/O error talking to the server", true),
        Errno::EPROTONOSUPPORT => (
            "the server does not offer this NFS version or transport",
            true,
        ),
        Errno::ENODEV => (
            "this kernel has no such filesystem type: the NFS modules are not loaded",
            false,
        ),
        Errno::EINVAL => ("the kernel rejected the mount options", false),
        _ => ("unexpected error", true),
    }
}

fn mount_with_retry(m: &NfsMount, budget: Duration, sys: &mut dyn Sys) -> Result<()> {
    let start = sys.now();
    let deadline = start + budget;
    let mut delay = MOUNT_BACKOFF_START;
    let mut m = m.clone();
    let mut fallbacks = std::mem::take(&mut m.fallbacks).into_iter();
    for attempt in 1.. {
        let ro = if m.read_only { "ro" } else { "rw" };
        log::info!(
            "mount attempt {attempt}: {} on {NEW_ROOT} type {} ({ro},{})",
            m.source,
            m.fstype,
            m.data
        );
        let err = match sys.mount_nfs(&m, NEW_ROOT, MOUNT_ATTEMPT_TIMEOUT) {
            Ok(()) => {
                log::info!("mounted {} on {NEW_ROOT} (attempt {attempt})", m.source);
                return Ok(());
            }
            Err(Errno::EBUSY) => {
                log::info!("{NEW_ROOT} is already mounted: keeping it");
                return Ok(());
            }
            Err(Errno::EPROTONOSUPPORT) if fallbacks.len() > 0 => {
                if let Some(next) = fallbacks.next() {
                    log::info!("the server refuses {}; offering {next}", m.data);
                    m.data = next;
                }
                continue;
            }
            Err(e) => e,
        };
        let (meaning, transient) = nfs_error(err);
        let what = format!(
            "mounting NFS root {} (server {}, path {}) failed: {err}: {meaning}",
            m.source, m.server, m.path
        );
        let now = sys.now();
        if !transient {
            bail!("{what}");
        }
        if now + delay > deadline {
            let elapsed = now.saturating_sub(start).as_secs();
            bail!(
                "{what}; gave up after {attempt} attempts in {elapsed}s (rd.retry={})",
                budget.as_secs()
            );
        }
        log::warn!("{what}; retrying in {} ms", delay.as_millis());
        sys.sleep(delay);
        delay = (delay * 2).min(MOUNT_BACKOFF_MAX);
    }
    Ok(())
}

#[cfg(test)]
mod tests;
