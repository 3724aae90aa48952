//! The executor: runs a [`Plan`] step by step against a [`Sys`].
//!
//! The policy lives here and nowhere else: each step is timed and logged with its key
//! values, a best-effort step's failure is a warning, a fatal step's failure ends the
//! run with an error for `fatal()`. Nothing is planned here: each action carries what
//! it needs. The one thing that flows between steps is what the network found at run
//! time ([`NetFacts`]: the lease, the hostname it gave), which the root, the hostname
//! and the hand-over need.

mod filesystems;
mod net;
mod nfs;
mod node;
mod root;

use core::net::IpAddr;
use std::time::Duration;

use anyhow::{Context, Result};
use osr_core::cluster::ClusterConf;
use osr_core::config::Config;
use osr_core::netdev::Netdev;
use osr_core::plan::{self, Action, NetFacts, OnError, Plan, RootPlan, Step};

pub use self::net::apply_lease;
use crate::state::{Key, Record};
use crate::sys::Sys;

/// Resolving a server's name gives up after this long.
const DNS_TIMEOUT: Duration = Duration::from_secs(15);

/// What the network steps found, for the steps after them.
#[derive(Debug, Default)]
struct Found {
    /// One per configured network, in plan order.
    nets: Vec<NetFacts>,
    netdevs: Vec<Netdev>,
    /// The NFS server and export mounted, and the interface it is reached over.
    root: Option<(IpAddr, String)>,
    root_iface: Option<String>,
}

impl Found {
    /// The network the root is reached over: the first with a DHCP lease when the
    /// plan says so ([`RootPlan::via_lease`]), else the first configured.
    fn root_net(&self, root: &RootPlan) -> Option<&NetFacts> {
        let leased = self.nets.iter().find(|n| n.lease.is_some());
        match root.via_lease {
            true => leased.or(self.nets.first()),
            false => self.nets.first(),
        }
    }

    /// The hostname the network gave (ip='s, the cluster node's or DHCP's).
    fn hostname(&self) -> Option<String> {
        self.nets.iter().find_map(|n| n.hostname.clone())
    }
}

/// The boot once the inputs are parsed: the drivers' step, the NICs listed, the node
/// identified (with a cluster.conf), the whole plan made, then executed.
pub fn boot(
    config: &Config,
    cluster: Option<&ClusterConf>,
    sys: &mut dyn Sys,
    record: &mut Record,
) -> Result<()> {
    let drivers = plan::drivers(config, cluster);
    let plan = match cluster {
        // Without cluster.conf nothing waits for the NICs: a bad plan is told at once.
        None => {
            let plan = plan::plan(config).context("cannot plan the boot")?;
            execute_first(&drivers, sys, record)?;
            plan
        }
        Some(conf) => {
            execute_first(&drivers, sys, record)?;
            let nics: Vec<_> = sys
                .nics()?
                .into_iter()
                .filter_map(|n| n.mac.map(|m| (n.name, m)))
                .collect();
            let node = plan::identify(config, conf, &nics).context("cluster.conf")?;
            plan::plan_for(config, Some(&node)).context("cannot plan the boot")?
        }
    };
    log::debug!("plan:\n{plan}");
    execute(&plan, sys, record)
}

/// Runs the steps in order; the first fatal failure ends the run.
pub fn execute(plan: &Plan, sys: &mut dyn Sys, record: &mut Record) -> Result<()> {
    let mut found = Found::default();
    for (i, step) in plan.steps.iter().enumerate() {
        run_step(plan.first + i, step, sys, record, &mut found)?;
    }
    Ok(())
}

/// The drivers' step, run before the node is identified and the rest planned.
fn execute_first(step: &Step, sys: &mut dyn Sys, record: &mut Record) -> Result<()> {
    record.set(Key::VERSION, env!("CARGO_PKG_VERSION"));
    run_step(1, step, sys, record, &mut Found::default())
}

fn run_step(
    n: usize,
    step: &Step,
    sys: &mut dyn Sys,
    record: &mut Record,
    found: &mut Found,
) -> Result<()> {
    let start = sys.now();
    log::info!("step {n}: {}", step.action);
    let res = run_action(&step.action, sys, record, found);
    let ms = (sys.now().saturating_sub(start)).as_millis();
    let key = step_key(&step.action);
    record.set_in(Key::TIMING_MS_, &format!("{n}_{key}"), ms);
    match (res, step.on_error) {
        (Ok(()), _) => log::debug!("step {n} done in {ms} ms"),
        (Err(e), OnError::Warn) => log::warn!("step {n} ({key}) failed, continuing: {e:#}"),
        (Err(e), OnError::Fatal) => return Err(e),
    }
    Ok(())
}

fn step_key(action: &Action) -> &'static str {
    match action {
        Action::LoadModules(m) if m.devices => "DRIVERS",
        Action::LoadModules(_) => "MODULES",
        Action::Break(_) => "BREAK",
        Action::Node(_) => "IDENTIFY",
        Action::CreateNetdevs(_) => "NETDEVS",
        Action::MountCdsl { .. } => "CDSL",
        Action::MountFilesystems { .. } => "FILESYSTEMS",
        Action::StartRemoteLog(_) => "SYSLOG",
        Action::ConfigureNetwork(_) => "NETWORK",
        Action::SetHostname(_) => "HOSTNAME",
        Action::MountNfsRoot { .. } | Action::MountBlockRoot { .. } => "MOUNT",
        Action::MountOverlay(_) => "OVERLAY",
        Action::ApplyRootovl { .. } => "ROOTOVL",
        Action::Warn(_) => "WARN",
        Action::HandOverNetwork => "HANDOVER",
        Action::SwitchRoot(_) => "SWITCH_ROOT",
    }
}

fn run_action(
    action: &Action,
    sys: &mut dyn Sys,
    record: &mut Record,
    found: &mut Found,
) -> Result<()> {
    match action {
        Action::LoadModules(load) => sys.load_modules(load),
        Action::Break(point) => sys.shell(&format!("rd.break at {point:?}")),
        Action::Node(n) => {
            node::record(n, record);
            Ok(())
        }
        Action::CreateNetdevs(devs) => {
            for dev in devs {
                sys.create_netdev(dev)?;
                log::info!("created {}", dev.name());
            }
            found.netdevs = devs.clone();
            Ok(())
        }
        Action::ConfigureNetwork(net) => {
            let facts = net::configure_network(net, sys, record)?;
            found.nets.push(facts);
            Ok(())
        }
        Action::SetHostname(name) => match name.clone().or_else(|| found.hostname()) {
            Some(name) => {
                record.set(Key::HOSTNAME, &name);
                sys.set_hostname(&name)
            }
            None => {
                log::info!("hostname: DHCP gave none (option 12); keeping the kernel's");
                Ok(())
            }
        },
        Action::StartRemoteLog(log) => {
            let (dns, search) = found
                .nets
                .first()
                .map(|n| (n.dns.clone(), n.search.clone()))
                .unwrap_or_default();
            node::start_remote_log(log, &dns, &search, sys)
        }
        Action::MountNfsRoot {
            root,
            retry,
            target,
        } => {
            let net = found.root_net(root);
            let iface = net.map(|n| n.iface.clone());
            let mount = root::mount_nfs_root(root, *retry, target, net, sys, record)?;
            found.root_iface = iface;
            found.root = Some((mount.server, mount.path));
            Ok(())
        }
        Action::MountBlockRoot { root, wait, target } => {
            crate::blockroot::mount(root, *wait, target, sys, record)
        }
        Action::MountOverlay(spec) => node::mount_overlay(spec, sys, record),
        Action::MountCdsl {
            params,
            nodeid,
            given_by,
        } => crate::cdsl_boot::mount(params, *nodeid, *given_by, sys, record),
        Action::MountFilesystems { list, timeout } => {
            filesystems::mount_all(*timeout, list, found.nets.first(), sys)
        }
        Action::ApplyRootovl {
            names,
            hostname,
            nodeid,
        } => {
            let hostname = hostname.clone().or_else(|| found.hostname());
            node::apply_rootovl(names, hostname.as_deref(), *nodeid, sys, record)
        }
        Action::Warn(text) => {
            log::warn!("{text}");
            Ok(())
        }
        Action::HandOverNetwork => {
            // One interface's files: the resolver and lease files are single paths.
            let net = found
                .nets
                .iter()
                .find(|n| Some(&n.iface) == found.root_iface.as_ref())
                .or(found.nets.first());
            let boot = crate::handover::Boot {
                net,
                netdevs: &found.netdevs,
                root: found.root.clone(),
            };
            crate::handover::write(&boot, sys)
        }
        Action::SwitchRoot(s) => {
            sys.stop_remote_log();
            let uptime = sys.now().as_secs_f64();
            record.set(Key::UPTIME_AT_SWITCH_ROOT, format!("{uptime:.3}"));
            match sys.switch_root(s, record.text()) {
                Err(e) => Err(e),
                Ok(never) => match never {},
            }
        }
    }
}

#[cfg(test)]
mod tests;
