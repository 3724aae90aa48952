//! The executor: runs a [`Plan`] step by step against a [`Sys`].
//!
//! The policy lives here and nowhere else: each step is timed and logged with its key
//! values, a best-effort step's failure is a warning, a fatal step's failure ends the
//! run with an error for `fatal()`. The NFS mount is retried with bounded exponential
//! backoff; only errors that cannot heal by waiting (bad options, no NFS in the
//! kernel) end it early.

use std::fmt::Write as _;
use std::time::Duration;

use std::net::IpAddr;

use anyhow::{bail, Context, Result};
use nix::errno::Errno;
use osr_core::cluster::{self, ClusterConf, ClusterNode};
use osr_core::config::{Config, SyslogParams};
use osr_core::dhcp::Lease;
use osr_core::ip::Mac;
use osr_core::netdev::Netdev;
use osr_core::nfs::NfsMount;
use osr_core::plan::{
    describe_nics, root_mount, root_source, select_interface, Action, Addressing, ClusterRoot,
    IfaceSelector, NetFacts, NetPlan, OnError, Plan, RootPlan, SelectError, ServerRef, NEW_ROOT,
};
use osr_core::{overlay, rootovl};

use crate::sys::{dhcp, Sys};

/// First and largest pause between mount attempts.
const MOUNT_BACKOFF_START: Duration = Duration::from_millis(500);
const MOUNT_BACKOFF_MAX: Duration = Duration::from_secs(8);
/// One mount attempt is abandoned after this long.
const MOUNT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30);
const CARRIER_POLL: Duration = Duration::from_millis(50);
/// Resolving the NFS server's name gives up after this long.
const DNS_TIMEOUT: Duration = Duration::from_secs(15);

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

/// What the steps learn that later steps need.
#[derive(Debug, Default)]
struct Learned {
    /// One per configured network, in plan order.
    nets: Vec<NetFacts>,
    /// The NFS server and export mounted, and the interface it is reached over.
    root: Option<(IpAddr, String)>,
    root_iface: Option<String>,
    netdevs: Vec<Netdev>,
    /// This node and its hostname, when the image holds a cluster.conf.
    node: Option<(ClusterNode, String)>,
    /// The root its `<rootvolume>` names.
    cluster_root: Option<ClusterRoot>,
    /// The image's cluster.conf, once the node is identified.
    cluster: Option<ClusterConf>,
}

impl Learned {
    /// The network the root is reached over: the first with a DHCP lease when the
    /// root comes from DHCP, else the first configured.
    fn root_net(&self, root: &RootPlan) -> Option<&NetFacts> {
        let leased = self.nets.iter().find(|n| n.lease.is_some());
        match root.spec {
            None => leased.or(self.nets.first()),
            Some(_) => self.nets.first(),
        }
    }
}

pub fn execute(plan: &Plan, sys: &mut dyn Sys, record: &mut Record) -> Result<()> {
    record.set("VERSION", env!("CARGO_PKG_VERSION"));
    let mut learned = Learned::default();
    for (i, step) in plan.steps.iter().enumerate() {
        let start = sys.now();
        log::info!("step {}: {}", i + 1, step.action);
        let res = run_action(&step.action, sys, record, &mut learned);
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
        Action::CreateNetdevs(_) => "NETDEVS",
        Action::IdentifyNode(_) => "IDENTIFY",
        Action::ConfigureClusterNetwork(_) => "NETWORK",
        Action::MountCdsl(_) => "CDSL",
        Action::MountFilesystems => "FILESYSTEMS",
        Action::StartRemoteLog(_) => "SYSLOG",
        Action::ConfigureNetwork(_) => "NETWORK",
        Action::SetHostname(_) => "HOSTNAME",
        Action::MountNfsRoot { .. } | Action::MountBlockRoot { .. } => "MOUNT",
        Action::MountOverlay(_) => "OVERLAY",
        Action::ApplyRootovl(_) => "ROOTOVL",
        Action::Warn(_) => "WARN",
        Action::HandOverNetwork => "HANDOVER",
        Action::SwitchRoot(_) => "SWITCH_ROOT",
    }
}

fn run_action(
    action: &Action,
    sys: &mut dyn Sys,
    record: &mut Record,
    learned: &mut Learned,
) -> Result<()> {
    match action {
        Action::LoadModules { names, devices } => sys.load_modules(names, *devices),
        Action::Break(point) => sys.shell(&format!("rd.break at {point:?}")),
        Action::CreateNetdevs(devs) => {
            for dev in devs {
                sys.create_netdev(dev)?;
                log::info!("created {}", dev.name());
            }
            learned.netdevs = devs.clone();
            Ok(())
        }
        Action::IdentifyNode(c) => {
            let (node, name) = identify_node(&c.conf, &c.config, sys, record)?;
            learned.cluster_root = osr_core::plan::cluster_root(&c.config, &node)?;
            learned.cluster = Some(c.conf.clone());
            learned.node = Some((node, name));
            Ok(())
        }
        Action::ConfigureClusterNetwork(config) => {
            let node = learned
                .node
                .as_ref()
                .map(|(n, _)| n.clone())
                .context("the node was not identified")?;
            let (bonds, plans) = osr_core::plan::cluster_net(config, &node);
            if plans.is_empty() {
                bail!(
                    "cluster.conf: node {} ({}) has no <eth> with an ip (static or dhcp): give ip= on the command line",
                    node.nodeid,
                    node.name
                );
            }
            if !bonds.is_empty() {
                let mut modules: Vec<String> = bonds
                    .iter()
                    .map(|d| osr_core::netdev::module_for(d).to_string())
                    .collect();
                modules.dedup();
                sys.load_modules(&modules, false)?;
                for dev in &bonds {
                    sys.create_netdev(dev)?;
                }
                learned.netdevs.extend(bonds);
            }
            for net in &plans {
                let facts = configure_network(net, sys, record)?;
                learned.nets.push(facts);
            }
            Ok(())
        }
        Action::StartRemoteLog(params) => start_remote_log(params, learned, sys),
        Action::MountFilesystems => {
            let (node, _) = learned
                .node
                .as_ref()
                .context("the node was not identified")?;
            mount_filesystems(node, sys)
        }
        Action::MountCdsl(params) => {
            let (node, _) = learned
                .node
                .as_ref()
                .context("the node was not identified")?;
            crate::cdsl_boot::mount(params, node.nodeid, sys, record)
        }
        Action::ConfigureNetwork(net) => {
            let facts = configure_network(net, sys, record)?;
            learned.nets.push(facts);
            Ok(())
        }
        Action::SetHostname(Some(name)) => {
            record.set("HOSTNAME", name);
            sys.set_hostname(name)
        }
        Action::SetHostname(None) => match learned.nets.iter().find_map(|n| n.hostname.clone()) {
            Some(name) => {
                record.set("HOSTNAME", &name);
                sys.set_hostname(&name)
            }
            None => {
                log::info!("hostname: DHCP gave none (option 12); keeping the kernel's");
                Ok(())
            }
        },
        Action::MountNfsRoot {
            root,
            retry,
            target,
        } => {
            let mount = finish_root(root, learned, sys)?;
            learned.root_iface = learned.root_net(root).map(|n| n.iface.clone());
            record.set("ROOT_SOURCE", &mount.source);
            record.set("NFS_SERVER", mount.server);
            record.set("NFS_PATH", &mount.path);
            record.set("ROOT_FSTYPE", mount.fstype);
            let ro = if mount.read_only { "ro" } else { "rw" };
            record.set("ROOT_OPTIONS", format!("{ro},{}", mount.data));
            mount_with_retry(&mount, *retry, target, sys)?;
            learned.root = Some((mount.server, mount.path.clone()));
            Ok(())
        }
        Action::MountBlockRoot { root, wait, target } => {
            crate::blockroot::mount(root, *wait, target, learned_block(learned)?, sys, record)
        }
        Action::MountOverlay(spec) => {
            mount_overlay(spec, sys)?;
            record.set("OVERLAY", "tmpfs");
            record.set("OVERLAY_SIZE", &spec.size);
            record.set("OVERLAY_LOWER", overlay::LOWER);
            record.set("OVERLAY_UPPER", format!("{}/upper", overlay::COW));
            Ok(())
        }
        Action::ApplyRootovl(names) => apply_rootovl(names, learned, sys, record),
        Action::Warn(text) => {
            log::warn!("{text}");
            Ok(())
        }
        Action::HandOverNetwork => {
            // One interface's files: the resolver and lease files are single paths.
            let net = learned
                .nets
                .iter()
                .find(|n| Some(&n.iface) == learned.root_iface.as_ref())
                .or(learned.nets.first());
            let boot = crate::handover::Boot {
                net,
                netdevs: &learned.netdevs,
                root: learned.root.clone(),
            };
            crate::handover::write(&boot, sys)
        }
        Action::SwitchRoot(s) => {
            sys.stop_remote_log();
            let uptime = sys.now().as_secs_f64();
            record.set("UPTIME_AT_SWITCH_ROOT", format!("{uptime:.3}"));
            match sys.switch_root(s, record.text()) {
                Err(e) => Err(e),
                Ok(never) => match never {},
            }
        }
    }
}

/// What the block root step needs from the identification: the node's rootvolume
/// and the cluster.conf, when there is one.
fn learned_block(learned: &Learned) -> Result<crate::blockroot::Node<'_>> {
    let node = learned.node.as_ref().map(|(n, _)| n);
    let rootvolume = match &learned.cluster_root {
        Some(ClusterRoot::Block {
            device,
            fstype,
            flags,
        }) => Some((device, fstype.as_deref(), flags.as_slice())),
        Some(ClusterRoot::Nfs(spec)) => bail!(
            "cluster.conf gives this node the NFS root {}:{}, but the other nodes block devices: make the <rootvolume>s agree or give root=",
            spec.server.as_deref().unwrap_or("?"),
            spec.path
        ),
        None => None,
    };
    Ok(crate::blockroot::Node {
        conf: learned.cluster.as_ref(),
        nodeid: node.map(|n| n.nodeid),
        rootvolume,
    })
}

/// The root's mount, now that the network is known: the path from DHCP when the
/// command line gives none, the server's name resolved through the nameservers.
fn finish_root(root: &RootPlan, learned: &Learned, sys: &mut dyn Sys) -> Result<NfsMount> {
    let fallback = NetFacts::default();
    let net = learned.root_net(root).unwrap_or(&fallback);
    // No root= on a cluster node: cluster.conf's <rootvolume>.
    let with_cluster;
    let root = match (&root.spec, &learned.cluster_root) {
        (None, Some(ClusterRoot::Block { device, .. })) => bail!(
            "cluster.conf gives this node the block device {} as its root, but the image was planned for an NFS root: give root= on the command line",
            osr_core::block::describe(device)
        ),
        (None, Some(ClusterRoot::Nfs(spec))) => {
            log::info!(
                "root from cluster.conf <rootvolume>: {}:{}",
                spec.server.as_deref().unwrap_or("?"),
                spec.path
            );
            with_cluster = RootPlan {
                spec: Some(spec.clone()),
                ..root.clone()
            };
            &with_cluster
        }
        _ => root,
    };
    let (spec, server) = root_source(root, net)?;
    if root.spec.is_none() {
        log::info!(
            "root from DHCP option 17: {:?}",
            net.lease
                .as_ref()
                .and_then(|l| l.root_path.as_deref())
                .unwrap_or("")
        );
    }
    let server = match server {
        ServerRef::Ip(ip) => ip,
        ServerRef::Name(name) => {
            let ip = sys
                .resolve(&name, &net.dns, &net.search, DNS_TIMEOUT)
                .with_context(|| format!("resolving the NFS server {name}"))?;
            log::info!("NFS server {name} is {ip}");
            ip
        }
    };
    Ok(root_mount(root, &spec, server, net)?)
}

fn configure_network(net: &NetPlan, sys: &mut dyn Sys, record: &mut Record) -> Result<NetFacts> {
    sys.link_up("lo", None, None).context("bringing up lo")?;
    apply_renames(net, sys)?;
    let facts = match &net.addressing {
        Addressing::Static {
            address,
            prefix,
            gateway,
        } => configure_static(net, *address, *prefix, *gateway, sys)?,
        Addressing::Dhcp { timeout, attempts } => {
            configure_dhcp(net, *timeout, *attempts, sys, record)?
        }
    };
    for r in &net.routes {
        let iface = r.iface.as_deref().unwrap_or(&facts.iface);
        sys.add_route(iface, Some((r.dest, r.prefix)), r.gateway)?;
    }
    log::info!(
        "network: {} mac={} address={}/{} gateway={}",
        facts.iface,
        facts.mac.map_or_else(|| "?".to_string(), |m| m.to_string()),
        facts
            .address
            .map_or_else(|| "?".to_string(), |a| a.to_string()),
        facts.prefix,
        facts
            .gateway
            .map_or_else(|| "none".to_string(), |g| g.to_string())
    );
    if facts.lease.is_none() {
        record.set("NET_METHOD", "static");
    }
    record.set("IFACE", &facts.iface);
    record.set("MAC", facts.mac.map_or_else(String::new, |m| m.to_string()));
    record.set(
        "ADDRESS",
        facts
            .address
            .map_or_else(String::new, |a| format!("{a}/{}", facts.prefix)),
    );
    record.set(
        "GATEWAY",
        facts.gateway.map_or_else(String::new, |g| g.to_string()),
    );
    let mut routes: Vec<String> = facts
        .lease
        .iter()
        .flat_map(|l| l.routes.iter().map(|(d, p, _)| format!("{d}/{p}")))
        .collect();
    routes.extend(
        net.routes
            .iter()
            .map(|r| format!("{}/{}", r.dest, r.prefix)),
    );
    record.set("ROUTES", routes.join(" "));
    let dns: Vec<String> = facts.dns.iter().map(|d| d.to_string()).collect();
    record.set("DNS", dns.join(" "));
    Ok(facts)
}

fn configure_static(
    net: &NetPlan,
    address: IpAddr,
    prefix: u8,
    gateway: Option<IpAddr>,
    sys: &mut dyn Sys,
) -> Result<NetFacts> {
    let nics: Vec<_> = sys
        .nics()?
        .into_iter()
        .filter(|n| !net.enslaved.contains(&n.name))
        .collect();
    let name = match (&net.select, nics.as_slice()) {
        (IfaceSelector::FirstWithCarrier | IfaceSelector::All, [only]) => only.name.clone(),
        (IfaceSelector::FirstWithCarrier | IfaceSelector::All, [_, _, ..]) => {
            first_with_carrier(net, sys)?
        }
        (sel, _) => select_interface(sel, &nics)?.name.clone(),
    };
    sys.link_up(&name, net.mtu, net.mac)?;
    wait_carrier(&name, net.carrier_timeout, sys);
    sys.add_address(&name, address, prefix)?;
    if let Some(gw) = gateway {
        sys.add_route(&name, None, Some(gw))?;
    }
    Ok(NetFacts {
        mac: mac_of(&name, sys)?,
        iface: name,
        address: Some(address),
        prefix,
        gateway,
        mtu: net.mtu,
        peer: net.peer,
        hostname: net.hostname.clone(),
        dns: net.dns.clone(),
        search: Vec::new(),
        lease: None,
    })
}

fn mac_of(name: &str, sys: &mut dyn Sys) -> Result<Option<Mac>> {
    Ok(sys
        .nics()?
        .into_iter()
        .find(|n| n.name == name)
        .and_then(|n| n.mac))
}

/// DHCP on the selected interface, or on every NIC at once (first lease wins); the
/// lease's address, MTU and routes are applied to the interface that got it.
fn configure_dhcp(
    net: &NetPlan,
    timeout: Duration,
    attempts: u32,
    sys: &mut dyn Sys,
    record: &mut Record,
) -> Result<NetFacts> {
    let nics = sys.nics()?;
    let candidates: Vec<String> = match &net.select {
        IfaceSelector::All | IfaceSelector::FirstWithCarrier => {
            if nics.is_empty() {
                return Err(SelectError::NoCarrier {
                    seen: describe_nics(&nics),
                }
                .into());
            }
            nics.iter()
                .filter(|n| !net.enslaved.contains(&n.name))
                .map(|n| n.name.clone())
                .collect()
        }
        sel => vec![select_interface(sel, &nics)?.name.clone()],
    };
    for name in &candidates {
        sys.link_up(name, net.mtu, net.mac)?;
    }
    wait_any_carrier(&candidates, net.carrier_timeout, sys);
    let mut ifaces = Vec::new();
    for name in &candidates {
        match mac_of(name, sys)? {
            Some(mac) => ifaces.push((name.clone(), mac)),
            None => log::warn!("{name}: no MAC address; no DHCP on it"),
        }
    }
    let names = candidates.join(", ");
    log::info!(
        "dhcp: asking on {names} (timeout {}s x {attempts})",
        timeout.as_secs()
    );
    let req = dhcp::Request {
        hostname: net.hostname.clone(),
        timeout,
        attempts,
    };
    let got = sys
        .dhcp(&ifaces, &req)
        .with_context(|| format!("dhcp on {names}"))?;
    let lease = got.lease;
    for w in &lease.warnings {
        log::warn!("dhcp: {}: {w}", got.iface);
    }
    log::info!(
        "dhcp: {} got {}/{} from {} in {} ms",
        got.iface,
        lease.address,
        lease.prefix,
        lease.server_id,
        got.elapsed.as_millis()
    );
    apply_lease(&got.iface, &lease, net.mtu.is_none(), sys)?;
    record.set("NET_METHOD", "dhcp");
    for (key, value) in lease.fields() {
        record.set(&format!("DHCP_{key}"), value);
    }
    let mut dns = net.dns.clone();
    if net.peerdns {
        dns.extend(lease.dns.iter().map(|d| IpAddr::V4(*d)));
    }
    let mut search = lease.search.clone();
    if let Some(d) = &lease.domain {
        if !search.contains(d) {
            search.push(d.clone());
        }
    }
    Ok(NetFacts {
        iface: got.iface,
        mac: Some(got.mac),
        address: Some(IpAddr::V4(lease.address)),
        prefix: lease.prefix,
        gateway: lease.router.map(IpAddr::V4),
        mtu: net.mtu.or(lease.mtu.map(u32::from)),
        peer: net.peer,
        hostname: net.hostname.clone().or_else(|| lease.hostname.clone()),
        dns,
        search,
        lease: Some(lease),
    })
}

/// Puts a lease on `iface`: the MTU (unless ip= set one), the address, the classless
/// routes, then the default route.
pub fn apply_lease(iface: &str, lease: &Lease, set_mtu: bool, sys: &mut dyn Sys) -> Result<()> {
    if let (Some(mtu), true) = (lease.mtu, set_mtu) {
        sys.link_up(iface, Some(u32::from(mtu)), None)?;
    }
    sys.add_address(iface, IpAddr::V4(lease.address), lease.prefix)?;
    for (dest, prefix, gw) in &lease.routes {
        let gw = (!gw.is_unspecified()).then_some(IpAddr::V4(*gw));
        sys.add_route(iface, Some((IpAddr::V4(*dest), *prefix)), gw)?;
    }
    if let Some(router) = lease.router {
        sys.add_route(iface, None, Some(IpAddr::V4(router)))?;
    }
    Ok(())
}

/// Waits, bounded, until one of `names` has carrier; DHCP then runs on all of them.
fn wait_any_carrier(names: &[String], timeout: Duration, sys: &mut dyn Sys) {
    let deadline = sys.now() + timeout;
    while !names.iter().any(|n| sys.carrier(n)) {
        if sys.now() >= deadline {
            log::warn!(
                "{}: no carrier after {}s (rd.net.timeout.carrier); trying DHCP anyway",
                names.join(", "),
                timeout.as_secs()
            );
            return;
        }
        sys.sleep(CARRIER_POLL);
    }
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

/// The command line's `syslog=...` or the node's `com_info/syslog`; names resolved
/// through the known nameservers. Best effort: the boot never waits on it.
fn start_remote_log(params: &SyslogParams, learned: &Learned, sys: &mut dyn Sys) -> Result<()> {
    let node_syslog = learned
        .node
        .as_ref()
        .and_then(|(n, _)| n.com.syslog.clone());
    let (servers, level, subsys, kind) = match (&params.servers, &node_syslog) {
        (Some(s), _) => (
            s.clone(),
            params.level.clone(),
            params.subsys.clone(),
            params.kind.clone(),
        ),
        (None, Some(n)) => (
            n.servers.join(","),
            params.level.clone().or(n.level.clone()),
            params.subsys.clone().or(n.subsys.clone()),
            params.kind.clone().or(n.kind.clone()),
        ),
        (None, None) => return Ok(()),
    };
    let settings = osr_core::syslog::Settings::parse(
        &servers,
        level.as_deref(),
        subsys.as_deref(),
        kind.as_deref(),
    )
    .map_err(|e| anyhow::anyhow!("syslog={servers}: {e}"))?;
    let (dns, search) = learned
        .nets
        .first()
        .map(|n| (n.dns.clone(), n.search.clone()))
        .unwrap_or_default();
    let mut addrs = Vec::new();
    for t in &settings.targets {
        match sys.resolve(&t.host, &dns, &search, DNS_TIMEOUT) {
            Ok(ip) => addrs.push(std::net::SocketAddr::new(ip, t.port)),
            Err(e) => log::warn!("syslog: {}: {e:#}", t.host),
        }
    }
    if addrs.is_empty() {
        bail!("syslog: no usable server in {servers}");
    }
    let hostname = learned.node.as_ref().map(|(_, name)| name.clone());
    sys.start_remote_log(&addrs, &settings, hostname);
    Ok(())
}

/// `com_info/filesystems` in order: bind sources are inside the new root; each is
/// tried `mounttimes` times (default 1) with `mountwait` seconds before each retry.
fn mount_filesystems(node: &ClusterNode, sys: &mut dyn Sys) -> Result<()> {
    for fs in &node.com.filesystems {
        let fstype = fs.fstype.clone().unwrap_or_default();
        let bind = fstype == "bind" || fstype == "rbind";
        let source = fs.source_for(node.nodeid);
        let m = overlay::Mount {
            source: if bind {
                format!("{NEW_ROOT}/{}", source.trim_start_matches('/'))
            } else {
                source
            },
            target: format!("{NEW_ROOT}/{}", fs.dest.trim_start_matches('/')),
            fstype: (!bind && !fstype.is_empty()).then(|| fstype.clone()),
            bind,
            read_only: false,
            data: if bind {
                String::new()
            } else {
                fs.mountopts.clone().unwrap_or_default()
            },
        };
        let times = fs.mounttimes.unwrap_or(1).clamp(1, 100);
        let wait = Duration::from_secs(u64::from(fs.mountwait.unwrap_or(1).min(600)));
        let mut attempt = 1;
        loop {
            match sys.mount(&m) {
                Ok(()) => {
                    log::info!("filesystem {} on {} ({})", m.source, m.target, fstype);
                    break;
                }
                Err(e) if attempt < times => {
                    log::warn!(
                        "filesystem {} (attempt {attempt}/{times}): {e:#}; retrying in {}s",
                        fs.dest,
                        wait.as_secs()
                    );
                    sys.sleep(wait);
                    attempt += 1;
                }
                Err(e) => {
                    return Err(e.context(format!(
                        "cluster.conf filesystem {} failed after {times} attempts",
                        fs.dest
                    )))
                }
            }
        }
    }
    Ok(())
}

/// Finds this node in cluster.conf from the command line or the NICs' MACs.
fn identify_node(
    conf: &ClusterConf,
    config: &Config,
    sys: &mut dyn Sys,
    record: &mut Record,
) -> Result<(ClusterNode, String)> {
    let nics: Vec<(String, Mac)> = sys
        .nics()?
        .into_iter()
        .filter_map(|n| n.mac.map(|m| (n.name, m)))
        .collect();
    let id = cluster::identify(
        conf,
        config.nodeid.as_deref(),
        config.com_nodeid.as_deref(),
        &nics,
    )
    .context("cluster.conf")?;
    let name = cluster::hostname(&id, config.nodename.as_deref());
    log::info!(
        "cluster {}: this is node {} ({}), found {}",
        conf.name,
        id.nodeid,
        id.node_name,
        id.how
    );
    let node = conf
        .nodes
        .iter()
        .find(|n| n.nodeid == id.nodeid)
        .cloned()
        .context("identified node missing from cluster.conf")?;
    record.set("CLUSTER_NAME", &conf.name);
    record.set("NODEID", id.nodeid);
    record.set("NODENAME", &name);
    let how = match id.how {
        cluster::Source::Param => "param",
        cluster::Source::ComParam => "com-param",
        cluster::Source::Mac { .. } => "mac",
        cluster::Source::SingleNode => "single",
    };
    record.set("NODEID_SOURCE", how);
    if let Some(rv) = &node.com.rootvolume {
        record.set("ROOT", &rv.name);
        record.set(
            "ROOTFS",
            config
                .rootfs
                .as_deref()
                .or(rv.fstype.as_deref())
                .unwrap_or("nfs"),
        );
    }
    Ok((node, name))
}

/// The tmpfs, its upper and work directories, the overlay on the new root, and the
/// legacy /live binds (best effort: the root works without them).
fn mount_overlay(spec: &overlay::OverlaySpec, sys: &mut dyn Sys) -> Result<()> {
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
        "overlay root on {NEW_ROOT}: writes go to a tmpfs of size {} (df /live/cow)",
        spec.size
    );
    Ok(())
}

/// The per-host trees, in legacy order; `%h` is the hostname, `%n` the node id.
fn apply_rootovl(
    names: &[String],
    learned: &Learned,
    sys: &mut dyn Sys,
    record: &mut Record,
) -> Result<()> {
    let hostname = learned
        .node
        .as_ref()
        .map(|(_, name)| name.clone())
        .or_else(|| learned.nets.iter().find_map(|n| n.hostname.clone()));
    let nodeid = learned.node.as_ref().map(|(n, _)| n.nodeid.to_string());
    let mut expanded = Vec::new();
    for name in names {
        match rootovl::expand(name, hostname.as_deref(), nodeid.as_deref()) {
            Ok(n) => expanded.push(n),
            Err(e) => log::warn!("rootovlcfg: {e}; skipping '{name}'"),
        }
    }
    let report = sys.apply_rootovl(NEW_ROOT, &expanded)?;
    record.set("ROOTOVL_APPLIED", report.applied.join(" "));
    record.set("ROOTOVL_MISSING", report.missing.join(" "));
    record.set("ROOTOVL_REFUSED", report.refused.len());
    for m in &report.missing {
        log::warn!("rootovlcfg: no tree /etc/rootovl/{m} in the root; skipped");
    }
    if report.errors.is_empty() {
        Ok(())
    } else {
        bail!("rootovl: {}", report.errors.join("; "))
    }
}

fn mount_with_retry(m: &NfsMount, budget: Duration, target: &str, sys: &mut dyn Sys) -> Result<()> {
    let start = sys.now();
    let deadline = start + budget;
    let mut delay = MOUNT_BACKOFF_START;
    let mut m = m.clone();
    let mut fallbacks = std::mem::take(&mut m.fallbacks).into_iter();
    for attempt in 1.. {
        let ro = if m.read_only { "ro" } else { "rw" };
        log::info!(
            "mount attempt {attempt}: {} on {target} type {} ({ro},{})",
            m.source,
            m.fstype,
            m.data
        );
        let err = match sys.mount_nfs(&m, target, MOUNT_ATTEMPT_TIMEOUT) {
            Ok(()) => {
                log::info!("mounted {} on {target} (attempt {attempt})", m.source);
                return Ok(());
            }
            Err(Errno::EBUSY) => {
                log::info!("{target} is already mounted: keeping it");
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
