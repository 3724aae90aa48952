//! The planner: a validated [`Config`] becomes an ordered list of steps.
//!
//! Each step is marked fatal or best-effort, so the executor needs no policy of its
//! own. What can only be known at run time (which NIC has which MAC, whether it has
//! carrier) is left as a declarative selector resolved by [`select_interface`], which is
//! pure too.
//!
//! What depends on the network (the root from DHCP option 17, the server's address
//! from DNS, the hostname from the lease) is planned as a [`RootPlan`] and finished
//! by [`root_source`] and [`root_mount`] once the executor knows the [`NetFacts`].
//!
//! Not planned yet (and refused with a message saying so): DHCPv6/SLAAC, block roots.

use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

use crate::blkid::{self, RootDevice};
use crate::block::{self, BlockRequest};
use crate::cluster::{ClusterConf, ClusterNode, EthIp};
use crate::config::{BreakPoint, CdslParams, Config, SyslogParams};
use crate::dhcp::Lease;
use crate::ip::{AutoMethod, IpConfig, Mac, Route, StaticIp};
use crate::netdev::{self, Netdev};
use crate::nfs::{nfs_mount, NfsMount, NodeFacts};
use crate::overlay::{OverlaySpec, LOWER};
use crate::root::{self, NfsSpec, RootSpec};

/// Where the real root is mounted before switch_root.
pub const NEW_ROOT: &str = "/sysroot";
/// Tried in order when `init=` is not given (the kernel's own list, from init/main.c).
pub const DEFAULT_INITS: &[&str] = &["/sbin/init", "/etc/init", "/bin/init", "/bin/sh"];
/// Filesystem modules an NFS root needs, by version; sunrpc and the rest follow from
/// modules.dep. Loading only the version in use saves the other's load time.
pub const NFS4_MODULES: &[&str] = &["nfs", "nfsv4"];
pub const NFS3_MODULES: &[&str] = &["nfs", "nfsv3"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnError {
    Fatal,
    Warn,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub action: Action,
    pub on_error: OnError,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Load named modules; with `devices`, also every module matching a device's modalias.
    LoadModules {
        names: Vec<String>,
        devices: bool,
    },
    Break(BreakPoint),
    /// `bond=`, `vlan=`, `bridge=` devices, in creation order.
    CreateNetdevs(Vec<Netdev>),
    /// Find this node in the image's cluster.conf (nodeid=, com-nodeid=, MACs).
    IdentifyNode(Box<ClusterPlan>),
    /// The network from the node's `<eth>` entries (no `ip=` given).
    ConfigureClusterNetwork(Box<Config>),
    /// Bind the node's CDSL directory onto the link directory of the new root.
    MountCdsl(CdslParams),
    /// The node's `com_info/filesystems`, in order, each with its retries.
    MountFilesystems,
    /// Send the log (what was logged so far, then every line) to syslog servers:
    /// the command line's `syslog=...`, else the node's `com_info/syslog`.
    StartRemoteLog(SyslogParams),
    ConfigureNetwork(NetPlan),
    /// `Some`: the name from `ip=`; `None`: the name DHCP gave, if any.
    SetHostname(Option<String>),
    /// Wait for the root's block device, start the cluster stack its filesystem needs
    /// (GFS2 lock_dlm, OCFS2 o2cb) and mount it on `target`; `wait` bounds each wait.
    MountBlockRoot {
        root: BlockRootPlan,
        wait: Duration,
        target: String,
    },
    /// Mount the NFS root on `target`: the new root, or the overlay's lower layer.
    MountNfsRoot {
        root: RootPlan,
        retry: Duration,
        target: String,
    },
    /// A tmpfs upper layer and the overlay on the new root, over the NFS lower.
    MountOverlay(OverlaySpec),
    /// `rootovlcfg=` trees, names as given (`%h`, `%n` expanded at run time).
    ApplyRootovl(Vec<String>),
    /// Something the admin asked for that will not happen, and why.
    Warn(String),
    /// Leave the network configuration for the real root's network manager.
    HandOverNetwork,
    SwitchRoot(SwitchRoot),
}

/// How to find the interface, once drivers are loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IfaceSelector {
    Name(String),
    Mac(Mac),
    FirstWithCarrier,
    /// DHCP on every NIC at once; the first lease wins.
    All,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Addressing {
    Static {
        address: IpAddr,
        prefix: u8,
        gateway: Option<IpAddr>,
    },
    Dhcp {
        /// One attempt, `rd.net.timeout.dhcp`.
        timeout: Duration,
        /// `rd.net.dhcp.retry`.
        attempts: u32,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetPlan {
    pub select: IfaceSelector,
    /// `ifname=` renames, applied to every NIC before selection.
    pub renames: Vec<(String, Mac)>,
    pub mtu: Option<u32>,
    pub mac: Option<Mac>,
    pub addressing: Addressing,
    pub routes: Vec<Route>,
    /// `nameserver=` and ip='s dns1/dns2.
    pub dns: Vec<IpAddr>,
    /// Use the DHCP server's nameservers (`rd.peerdns=0` turns it off).
    pub peerdns: bool,
    /// ip='s `<hostname>`, also sent to the DHCP server.
    pub hostname: Option<String>,
    /// ip='s `<peer>`: the NFS server when the root names none.
    pub peer: Option<IpAddr>,
    /// Bond slaves and bridge ports: never candidates for DHCP or an address.
    pub enslaved: Vec<String>,
    pub carrier_timeout: Duration,
}

/// What identifying a cluster node needs: the configuration and the command line
/// (`nodeid=`, `com-nodeid=`, `nodename=`, `rootfs=`, `mountopts=`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterPlan {
    pub conf: ClusterConf,
    pub config: Config,
}

/// The NFS root as far as the command line fixes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RootPlan {
    /// `None`: the root path comes from DHCP option 17.
    pub spec: Option<NfsSpec>,
    /// `rootfstype=nfs4`.
    pub force_nfs4: bool,
    pub rootflags: Vec<String>,
    pub rw: bool,
    /// The overlay's lower layer: read-only whatever the options say.
    pub force_ro: bool,
    /// The mount, when the command line alone determines it (for `osr-init plan`).
    pub preview: Option<NfsMount>,
}

/// A block root as far as the command line fixes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockRootPlan {
    /// `None`: the identified node's cluster.conf `<rootvolume>`.
    pub device: Option<RootDevice>,
    pub request: BlockRequest,
}

/// The root a cluster node's `<rootvolume>` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClusterRoot {
    Nfs(NfsSpec),
    Block {
        device: RootDevice,
        fstype: Option<String>,
        flags: Vec<String>,
    },
}

/// What the network steps found out; the root and the hostname depend on it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetFacts {
    pub iface: String,
    pub mac: Option<Mac>,
    pub address: Option<IpAddr>,
    pub prefix: u8,
    pub gateway: Option<IpAddr>,
    pub mtu: Option<u32>,
    pub peer: Option<IpAddr>,
    pub hostname: Option<String>,
    pub dns: Vec<IpAddr>,
    pub search: Vec<String>,
    pub lease: Option<Lease>,
}

/// The NFS server, before name resolution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerRef {
    Ip(IpAddr),
    Name(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SwitchRoot {
    pub new_root: String,
    /// Candidates in order; the first that exists and is executable is run.
    pub init: Vec<String>,
    pub args: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("ip={0}: IPv6 autoconfiguration is not supported yet: use ip=dhcp or a static ip= (IPv6 addresses in brackets)")]
    Ipv6Auto(String),
    #[error("every ip= is off, so nothing configures the network the root is on: give ip=dhcp or ip=<client>::<gw>:<netmask>:<hostname>:<iface>:off")]
    NoNetwork,
    #[error("the root comes from DHCP (root=dhcp, netroot=dhcp or no root=) but no ip= uses DHCP: give ip=dhcp or a root=nfs:<server>:<path>")]
    DhcpRootWithoutDhcp,
    #[error("DHCP gave no root path (option 17) and no root= is given: set option 17 on the DHCP server (e.g. nfs:<server>:/<path>) or give root=nfs:<server>:<path>")]
    NoRootPath,
    #[error("DHCP root path {0:?} is not an NFS root: expected nfs:<server>:<path>[:<options>], nfs4:..., <server>:<path> or /<path>")]
    BadRootPath(String),
    #[error("root={0}: expected /dev/<name>, UUID=<uuid>, LABEL=<label>, PARTUUID=<uuid> or PARTLABEL=<name>")]
    BadBlockRoot(String),
    #[error("root={root}: expected {expected}")]
    BlockDevice { root: String, expected: String },
    #[error("cluster.conf: clusternode {node}: <rootvolume name={name:?}>: expected {expected}")]
    BadRootvolume {
        node: String,
        name: String,
        expected: String,
    },
    #[error("{given_by}={fstype} names a network filesystem, but the root is the block device {device}: give the block device's filesystem (ext4, xfs, gfs2, ocfs2...) or leave it out")]
    BlockRootFsType {
        /// Where the type came from: `rootfstype`, `rootfs` or `<rootvolume fstype>`.
        given_by: &'static str,
        fstype: String,
        device: String,
    },
    #[error("cluster.conf: the nodes' <rootvolume>s mix NFS exports and block devices ({0}): give root= on the command line")]
    MixedRootvolumes(String),
    #[error(
        "the NFS root {0} names no server, ip= gives no <peer> and DHCP no next-server or server id: write root=nfs:<server>:<path>"
    )]
    NoServer(String),
    #[error("NFS server '{0}' is a name, but no nameserver= is given and DHCP is not used: give nameserver=<ip> or the server's address")]
    ServerName(String),
    #[error("rootfstype={0} does not fit an NFS root: use nfs or nfs4, or leave it out")]
    RootFsType(String),
    #[error("invalid NFS options for {root}: expected {expected}")]
    NfsOptions { root: String, expected: String },
}

pub fn plan(config: &Config) -> Result<Plan, PlanError> {
    plan_with(config, None)
}

/// What the plan mounts on the new root.
enum RootMount {
    Block(BlockRootPlan),
    Nfs(RootPlan),
}

/// The plan for a node whose image holds `cluster` (open-sharedroot's cluster.conf):
/// the node is identified at run time, and its `<eth>` entries and rootvolume stand
/// in for `ip=` and `root=` when those are not given.
pub fn plan_with(config: &Config, cluster: Option<&ClusterConf>) -> Result<Plan, PlanError> {
    let block = block_root_plan(config, cluster)?;
    let cluster_net = cluster.is_some() && config.ip.is_empty();
    // A block root needs no network unless ip= (or cluster.conf) asks for one.
    let nets = if cluster_net || (block.is_some() && config.ip.is_empty()) {
        Vec::new()
    } else {
        net_plans(config)?
    };
    if nets.is_empty() && !cluster_net && block.is_none() {
        return Err(PlanError::NoNetwork);
    }
    let networked = !nets.is_empty() || cluster_net;
    // A cluster node's <eth> may use DHCP: decided at run time.
    let uses_dhcp = cluster_net
        || nets
            .iter()
            .any(|n| matches!(n.addressing, Addressing::Dhcp { .. }));
    let root = match block {
        Some(block) => RootMount::Block(block),
        None => RootMount::Nfs(root_plan(config, &nets, uses_dhcp || cluster.is_some())?),
    };
    // The block root's modules follow from its superblock, at run time.
    let fs_modules: Vec<&str> = match &root {
        RootMount::Block(_) => Vec::new(),
        RootMount::Nfs(root) => {
            let nfs4 = root.force_nfs4
                || root.preview.as_ref().map_or_else(
                    || root.spec.as_ref().is_some_and(|s| s.nfs4),
                    |m| m.fstype == "nfs4",
                );
            // From DHCP the version is only known at run time: load both.
            match (&root.preview, root.spec.is_some()) {
                (Some(_), _) | (None, true) if nfs4 => NFS4_MODULES.to_vec(),
                (Some(_), _) => NFS3_MODULES.to_vec(),
                _ => vec!["nfs", "nfsv3", "nfsv4"],
            }
        }
    };
    let hostname = primary_static(config).and_then(|s| s.hostname.clone());

    let mut names = config.driver_pre.clone();
    // The legacy initrd loaded the <eth driver> modules before looking for the node.
    let drivers = cluster
        .iter()
        .flat_map(|c| c.nodes.iter())
        .flat_map(|n| n.com.eths.iter())
        .filter_map(|e| e.driver.clone());
    for d in drivers {
        if !names.contains(&d) {
            names.push(d);
        }
    }
    for dev in &config.netdevs {
        let m = netdev::module_for(dev).to_string();
        if !names.contains(&m) {
            names.push(m);
        }
    }
    let mut steps = vec![fatal_if(
        false,
        Action::LoadModules {
            names,
            devices: true,
        },
    )];
    if let Some(conf) = cluster {
        steps.push(fatal_if(
            true,
            Action::IdentifyNode(Box::new(ClusterPlan {
                conf: conf.clone(),
                config: config.clone(),
            })),
        ));
    }
    push_break(&mut steps, config, BreakPoint::PreNetwork);
    if !config.netdevs.is_empty() {
        steps.push(fatal_if(
            true,
            Action::CreateNetdevs(config.netdevs.clone()),
        ));
    }
    steps.extend(
        nets.into_iter()
            .map(|n| fatal_if(true, Action::ConfigureNetwork(n))),
    );
    if cluster_net {
        steps.push(fatal_if(
            true,
            Action::ConfigureClusterNetwork(Box::new(config.clone())),
        ));
    }
    match hostname {
        Some(h) if config.nodename.is_none() => {
            steps.push(fatal_if(false, Action::SetHostname(Some(h))))
        }
        _ if uses_dhcp || cluster.is_some() => {
            steps.push(fatal_if(false, Action::SetHostname(None)))
        }
        _ => {}
    }
    let mut fs_modules = fs_modules;
    if config.overlay.is_some() {
        fs_modules.push("overlay");
    }
    if cluster.is_some() || config.syslog.servers.is_some() {
        steps.push(fatal_if(
            false,
            Action::StartRemoteLog(config.syslog.clone()),
        ));
    }
    if !fs_modules.is_empty() {
        steps.push(fatal_if(
            false,
            Action::LoadModules {
                names: fs_modules.iter().map(|s| s.to_string()).collect(),
                devices: false,
            },
        ));
    }
    push_break(&mut steps, config, BreakPoint::PreMount);
    // rd.timeout bounds every wait, rd.retry the mount's.
    let retry = config.timeout.map_or(config.retry, |t| t.min(config.retry));
    let target = match config.overlay {
        Some(_) => LOWER,
        None => NEW_ROOT,
    }
    .to_string();
    // A cluster filesystem is meant to be written by every node; an NFS export is not.
    let shared_export = cluster.is_some() && matches!(root, RootMount::Nfs(_));
    let mount = match root {
        RootMount::Block(root) => Action::MountBlockRoot {
            root,
            wait: retry,
            target,
        },
        RootMount::Nfs(root) => Action::MountNfsRoot {
            root,
            retry,
            target,
        },
    };
    steps.push(fatal_if(true, mount));
    push_overlay(&mut steps, config, cluster.is_some(), shared_export);
    if networked {
        steps.push(fatal_if(false, Action::HandOverNetwork));
    }
    push_break(&mut steps, config, BreakPoint::PrePivot);
    let init = match &config.init {
        Some(i) => vec![i.clone()],
        None => DEFAULT_INITS.iter().map(|s| s.to_string()).collect(),
    };
    steps.push(fatal_if(
        true,
        Action::SwitchRoot(SwitchRoot {
            new_root: NEW_ROOT.to_string(),
            init,
            args: config.init_args.clone(),
        }),
    ));
    Ok(Plan { steps })
}

/// The overlay, then (on a cluster node) the CDSL bind onto it, then the rootovl trees.
fn push_overlay(steps: &mut Vec<Step>, config: &Config, cluster: bool, shared_export: bool) {
    let names = config.rootovlcfg.join(",");
    let cdsl = |steps: &mut Vec<Step>| {
        if cluster && !config.cdsl.off {
            steps.push(fatal_if(true, Action::MountCdsl(config.cdsl.clone())));
        }
        if cluster {
            steps.push(fatal_if(true, Action::MountFilesystems));
        }
    };
    if shared_export && config.rw && config.overlay.is_none() {
        steps.push(fatal_if(
            false,
            Action::Warn(
                "rw on a cluster node: every node booted from this export writes the same files; only the CDSL host-dependent paths are kept apart".to_string(),
            ),
        ));
    }
    if config.overlay.is_none() {
        cdsl(steps);
    }
    match &config.overlay {
        Some(spec) => {
            if config.rw {
                steps.push(fatal_if(
                    false,
                    Action::Warn(
                        "rw ignored: with an overlay the NFS root stays read-only and writes go to the node's tmpfs".to_string(),
                    ),
                ));
            }
            steps.push(fatal_if(true, Action::MountOverlay(spec.clone())));
            cdsl(steps);
            if !config.rootovlcfg.is_empty() {
                steps.push(fatal_if(
                    false,
                    Action::ApplyRootovl(config.rootovlcfg.clone()),
                ));
            }
        }
        None if !config.rootovlcfg.is_empty() => steps.push(fatal_if(
            false,
            Action::Warn(format!(
                "rootovlcfg={names} ignored: the trees are applied on an overlay root only; add rootovl (or rd.overlay)"
            )),
        )),
        None => {}
    }
}

fn fatal_if(fatal: bool, action: Action) -> Step {
    let on_error = if fatal { OnError::Fatal } else { OnError::Warn };
    Step { action, on_error }
}

fn push_break(steps: &mut Vec<Step>, config: &Config, point: BreakPoint) {
    if config.breaks.contains(&point) {
        steps.push(fatal_if(false, Action::Break(point)));
    }
}

/// The root as the command line gives it: `None` means DHCP option 17.
fn nfs_spec(config: &Config) -> Result<Option<NfsSpec>, PlanError> {
    match &config.root {
        None | Some(RootSpec::Dhcp) => Ok(None),
        Some(RootSpec::Nfs(spec)) => Ok(Some(spec.clone())),
        Some(RootSpec::KernelNfs) => Ok(Some(config.nfsroot.clone().unwrap_or_else(|| NfsSpec {
            server: None,
            path: "/tftpboot/%s".to_string(),
            nfs4: false,
            options: Vec::new(),
        }))),
        Some(RootSpec::Block(dev)) => Err(PlanError::BadBlockRoot(dev.clone())),
    }
}

fn root_plan(config: &Config, nets: &[NetPlan], uses_dhcp: bool) -> Result<RootPlan, PlanError> {
    if let Some(t) = config.rootfstype.as_deref() {
        if t != "nfs" && t != "nfs4" {
            return Err(PlanError::RootFsType(t.to_string()));
        }
    }
    let spec = nfs_spec(config)?;
    if spec.is_none() && !uses_dhcp {
        return Err(PlanError::DhcpRootWithoutDhcp);
    }
    let force_nfs4 =
        config.rootfstype.as_deref() == Some("nfs4") || config.rootfs.as_deref() == Some("nfs4");
    let mut root = RootPlan {
        spec,
        force_nfs4,
        rootflags: config.rootflags.clone(),
        // The overlay's lower layer is always read-only.
        rw: config.rw && config.overlay.is_none(),
        force_ro: config.overlay.is_some(),
        preview: None,
    };
    // With a static network the whole mount is known now: check it (and show it).
    if let (Some(spec), Some(first)) = (&root.spec, nets.first()) {
        let facts = static_facts(first);
        let dns_known = nets.iter().any(|n| !n.dns.is_empty());
        match root_source(&root, &facts) {
            Ok((spec, ServerRef::Ip(server))) => {
                root.preview = Some(root_mount(&root, &spec, server, &facts)?);
            }
            Ok((_, ServerRef::Name(name))) if !uses_dhcp && !dns_known => {
                return Err(PlanError::ServerName(name));
            }
            Ok((spec, ServerRef::Name(_))) => {
                // Check the options with a stand-in address; the real one comes from DNS.
                let stand_in = IpAddr::from([0, 0, 0, 0]);
                root_mount(&root, &spec, stand_in, &facts)?;
            }
            Err(PlanError::NoServer(_)) if uses_dhcp => {}
            Err(e) => return Err(e),
        }
        let _ = spec;
    }
    Ok(root)
}

/// A cluster node's network from its `<eth>` entries: bonds for masters with slaves,
/// bridges for `bridge=` ports, then one [`NetPlan`] per interface with an address
/// (static or `dhcp`).
pub fn cluster_net(config: &Config, node: &ClusterNode) -> (Vec<Netdev>, Vec<NetPlan>) {
    let mut bonds: Vec<Netdev> = Vec::new();
    for eth in node.com.eths.iter().filter(|e| e.slave) {
        let Some(master) = &eth.master else { continue };
        let existing = bonds.iter_mut().find_map(|d| match d {
            Netdev::Bond(b) if &b.name == master => Some(b),
            _ => None,
        });
        match existing {
            Some(b) => b.slaves.push(eth.name.clone()),
            None => {
                let opts = node
                    .com
                    .eths
                    .iter()
                    .find(|e| &e.name == master)
                    .map(|m| m.bonding_opts())
                    .unwrap_or_default();
                bonds.push(Netdev::Bond(netdev::Bond {
                    name: master.clone(),
                    slaves: vec![eth.name.clone()],
                    options: opts,
                    mtu: None,
                }));
            }
        }
    }
    // ifcfg's BRIDGE=: the NIC (or bond) is a port of that bridge, which carries the ip.
    let mut bridges: Vec<Netdev> = Vec::new();
    for eth in node.com.eths.iter().filter(|e| !e.slave) {
        let Some(br) = &eth.bridge else { continue };
        let existing = bridges.iter_mut().find_map(|d| match d {
            Netdev::Bridge(b) if &b.name == br => Some(b),
            _ => None,
        });
        match existing {
            Some(b) => b.ports.push(eth.name.clone()),
            None => bridges.push(Netdev::Bridge(netdev::Bridge {
                name: br.clone(),
                ports: vec![eth.name.clone()],
            })),
        }
    }
    bonds.extend(bridges);
    let enslaved: Vec<String> = bonds.iter().flat_map(|b| b.lower().to_vec()).collect();
    let mut plans = Vec::new();
    for eth in node
        .com
        .eths
        .iter()
        .filter(|e| !e.slave && e.bridge.is_none())
    {
        let mut plan = match eth.ip {
            None => continue,
            Some(EthIp::Dhcp) => dhcp_net_plan(config, Some(&eth.name), eth.mtu, None),
            Some(EthIp::Static(address)) => {
                let s = StaticIp {
                    client: address,
                    peer: None,
                    gateway: eth.gateway,
                    prefix: eth.mask.unwrap_or(match address {
                        IpAddr::V4(a) => crate::ip::classful_prefix(a),
                        IpAddr::V6(_) => 64,
                    }),
                    hostname: Some(node.name.clone()),
                    iface: Some(eth.name.clone()),
                    mtu: eth.mtu,
                    mac: None,
                    dns: Vec::new(),
                };
                static_net_plan(config, &s)
            }
        };
        plan.hostname = Some(node.name.clone());
        plan.enslaved = enslaved.clone();
        plans.push(plan);
    }
    // Bonds before the bridges they are ports of.
    let devs = netdev::creation_order(&bonds).unwrap_or(bonds);
    (devs, plans)
}

/// The root a cluster node's `<rootvolume>` names, with `rootfs=`/`mountopts=` applied.
pub fn cluster_root(config: &Config, node: &ClusterNode) -> Result<Option<ClusterRoot>, PlanError> {
    let Some(rv) = &node.com.rootvolume else {
        return Ok(None);
    };
    let fstype = config.rootfs.clone().or_else(|| rv.fstype.clone());
    let opts = if config.mountopts.is_empty() {
        rv.mountopts
            .as_deref()
            .map(root::split_options)
            .unwrap_or_default()
    } else {
        config.mountopts.clone()
    };
    let bad = |expected: String| PlanError::BadRootvolume {
        node: node.name.clone(),
        name: rv.name.clone(),
        expected,
    };
    let mut spec = match root::parse_root(&rv.name).map_err(bad)? {
        RootSpec::Nfs(spec) => spec,
        RootSpec::Block(dev) => {
            let device = block::root_device(&dev).map_err(bad)?;
            let given_by = if config.rootfs.is_some() {
                "rootfs"
            } else {
                "<rootvolume fstype>"
            };
            check_block_fstype(given_by, fstype.as_deref(), &device)?;
            let mut flags = opts;
            flags.extend(config.rootflags.iter().cloned());
            return Ok(Some(ClusterRoot::Block {
                device,
                fstype,
                flags,
            }));
        }
        RootSpec::KernelNfs | RootSpec::Dhcp => {
            return Err(bad(
                "an NFS export (<server>:<path>, nfs:..., nfs4:...) or a block device (/dev/..., UUID=, LABEL=...)"
                    .to_string(),
            ))
        }
    };
    match fstype.as_deref() {
        None | Some("nfs") => {}
        Some("nfs4") => spec.nfs4 = true,
        Some(other) => return Err(PlanError::RootFsType(other.to_string())),
    }
    spec.options.extend(opts);
    Ok(Some(ClusterRoot::Nfs(spec)))
}

/// The block root, when `root=` names a device, or when no `root=` is given and the
/// image's cluster.conf gives the nodes block-device rootvolumes.
fn block_root_plan(
    config: &Config,
    cluster: Option<&ClusterConf>,
) -> Result<Option<BlockRootPlan>, PlanError> {
    let device = match (&config.root, cluster) {
        (Some(RootSpec::Block(s)), _) => {
            let device = block::root_device(s).map_err(|expected| PlanError::BlockDevice {
                root: s.clone(),
                expected,
            })?;
            check_block_fstype("rootfstype", config.rootfstype.as_deref(), &device)?;
            Some(device)
        }
        (None, Some(conf)) => {
            let names: Vec<&str> = conf
                .nodes
                .iter()
                .filter_map(|n| n.com.rootvolume.as_ref())
                .map(|rv| rv.name.as_str())
                .collect();
            let blocks = names
                .iter()
                .filter(|n| matches!(root::parse_root(n), Ok(RootSpec::Block(_))))
                .count();
            match blocks {
                0 => return Ok(None),
                b if b == names.len() => None,
                _ => return Err(PlanError::MixedRootvolumes(names.join(", "))),
            }
        }
        _ => return Ok(None),
    };
    Ok(Some(BlockRootPlan {
        device,
        request: BlockRequest {
            fstype: config.rootfstype.clone(),
            flags: config.rootflags.clone(),
            rw: config.rw && config.overlay.is_none(),
            force_ro: config.overlay.is_some(),
            cluster: cluster.map(|c| c.name.clone()),
        },
    }))
}

/// A block device holds no network filesystem.
fn check_block_fstype(
    given_by: &'static str,
    fstype: Option<&str>,
    device: &blkid::RootDevice,
) -> Result<(), PlanError> {
    match fstype {
        Some(t @ ("nfs" | "nfs4")) => Err(PlanError::BlockRootFsType {
            given_by,
            fstype: t.to_string(),
            device: block::describe(device),
        }),
        _ => Ok(()),
    }
}

/// What a static `ip=` alone tells about the node.
fn static_facts(net: &NetPlan) -> NetFacts {
    let (address, prefix, gateway) = match net.addressing {
        Addressing::Static {
            address,
            prefix,
            gateway,
        } => (Some(address), prefix, gateway),
        Addressing::Dhcp { .. } => (None, 0, None),
    };
    NetFacts {
        iface: net.select.to_string(),
        address,
        prefix,
        gateway,
        peer: net.peer,
        hostname: net.hostname.clone(),
        dns: net.dns.clone(),
        ..NetFacts::default()
    }
}

/// The NFS spec and server once the network is up. The server is, in dracut's order:
/// the one the root names, ip='s `<peer>`, DHCP's next-server (siaddr), its server id.
pub fn root_source(root: &RootPlan, net: &NetFacts) -> Result<(NfsSpec, ServerRef), PlanError> {
    let spec = match &root.spec {
        Some(spec) => spec.clone(),
        None => {
            let path = net
                .lease
                .as_ref()
                .and_then(|l| l.root_path.clone())
                .ok_or(PlanError::NoRootPath)?;
            root_from_dhcp(&path)?
        }
    };
    let lease = net.lease.as_ref();
    let server = match &spec.server {
        Some(name) => match name.parse::<IpAddr>() {
            Ok(ip) => ServerRef::Ip(ip),
            Err(_) => ServerRef::Name(name.clone()),
        },
        None => net
            .peer
            .or_else(|| lease.and_then(|l| l.next_server).map(IpAddr::V4))
            .or_else(|| lease.map(|l| IpAddr::V4(l.server_id)))
            .map(ServerRef::Ip)
            .ok_or_else(|| PlanError::NoServer(spec.path.clone()))?,
    };
    Ok((spec, server))
}

/// DHCP option 17, in every form dracut takes: `nfs:srv:/path:opts`, `nfs4:...`,
/// `srv:/path[:opts]`, or a bare `/path` (the server then comes from next-server).
pub fn root_from_dhcp(text: &str) -> Result<NfsSpec, PlanError> {
    let bad = || PlanError::BadRootPath(text.to_string());
    if text.starts_with('/') {
        let (path, options) = match text.split_once(':') {
            Some((p, o)) => (p, root::split_options(o)),
            None => (text, Vec::new()),
        };
        return Ok(NfsSpec {
            server: None,
            path: path.to_string(),
            nfs4: false,
            options,
        });
    }
    match root::parse_root(text) {
        Ok(RootSpec::Nfs(spec)) => Ok(spec),
        _ => Err(bad()),
    }
}

/// The mount(2) parameters for the root, with the server's address known.
pub fn root_mount(
    root: &RootPlan,
    spec: &NfsSpec,
    server: IpAddr,
    net: &NetFacts,
) -> Result<NfsMount, PlanError> {
    let mut spec = spec.clone();
    spec.nfs4 |= root.force_nfs4;
    let facts = NodeFacts {
        server,
        client: net.address,
        node_name: net.hostname.as_deref(),
        rootflags: &root.rootflags,
        rw: root.rw,
    };
    let mut mount = nfs_mount(&spec, &facts).map_err(|expected| PlanError::NfsOptions {
        root: spec.path.clone(),
        expected,
    })?;
    mount.read_only |= root.force_ro;
    Ok(mount)
}

fn primary_static(config: &Config) -> Option<&StaticIp> {
    config.ip.iter().find_map(|ip| match ip {
        IpConfig::Static(s) => Some(s),
        _ => None,
    })
}

fn net_plans(config: &Config) -> Result<Vec<NetPlan>, PlanError> {
    let mut plans = Vec::new();
    for ip in &config.ip {
        match ip {
            IpConfig::Off => {}
            IpConfig::Auto {
                method:
                    m
                    @ (AutoMethod::Dhcp6 | AutoMethod::Auto6 | AutoMethod::Either6 | AutoMethod::Link6),
                ..
            } => return Err(PlanError::Ipv6Auto(format!("{m:?}").to_lowercase())),
            IpConfig::Auto {
                iface, mtu, mac, ..
            } => plans.push(dhcp_net_plan(config, iface.as_deref(), *mtu, *mac)),
            IpConfig::Static(s) => plans.push(static_net_plan(config, s)),
        }
    }
    // No ip= at all: DHCP, as dracut does for a network root.
    if config.ip.is_empty() {
        plans.push(dhcp_net_plan(config, None, None, None));
    }
    Ok(plans)
}

fn dhcp_net_plan(
    config: &Config,
    iface: Option<&str>,
    mtu: Option<u32>,
    mac: Option<Mac>,
) -> NetPlan {
    let select = match (iface, config.bootif) {
        (Some(name), _) => IfaceSelector::Name(name.to_string()),
        (None, Some(mac)) => IfaceSelector::Mac(mac),
        (None, None) => IfaceSelector::All,
    };
    let bound = |d: Duration| config.timeout.map_or(d, |t| t.min(d));
    NetPlan {
        select,
        renames: config.ifnames.clone(),
        mtu,
        mac,
        addressing: Addressing::Dhcp {
            timeout: bound(config.dhcp_timeout),
            attempts: config.dhcp_retry.max(1),
        },
        routes: config.routes.clone(),
        dns: config.nameservers.clone(),
        peerdns: config.peerdns,
        hostname: None,
        peer: None,
        enslaved: enslaved(config),
        carrier_timeout: bound(config.carrier_timeout),
    }
}

fn enslaved(config: &Config) -> Vec<String> {
    config
        .netdevs
        .iter()
        .filter(|d| !matches!(d, Netdev::Vlan(_)))
        .flat_map(|d| d.lower().iter().cloned())
        .collect()
}

fn static_net_plan(config: &Config, s: &StaticIp) -> NetPlan {
    let select = match (&s.iface, config.bootif) {
        (Some(name), _) => IfaceSelector::Name(name.clone()),
        (None, Some(mac)) => IfaceSelector::Mac(mac),
        (None, None) => IfaceSelector::FirstWithCarrier,
    };
    let mut dns = s.dns.clone();
    dns.extend(config.nameservers.iter().copied());
    NetPlan {
        select,
        renames: config.ifnames.clone(),
        mtu: s.mtu,
        mac: s.mac,
        addressing: Addressing::Static {
            address: s.client,
            prefix: s.prefix,
            gateway: s.gateway,
        },
        routes: config.routes.clone(),
        dns,
        peerdns: config.peerdns,
        hostname: s.hostname.clone(),
        peer: s.peer,
        enslaved: enslaved(config),
        carrier_timeout: config
            .timeout
            .map_or(config.carrier_timeout, |t| t.min(config.carrier_timeout)),
    }
}

/// A network interface as the executor found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nic {
    pub name: String,
    pub mac: Option<Mac>,
    pub carrier: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelectError {
    #[error("no network interface named {name} (interfaces: {seen})")]
    NoName { name: String, seen: String },
    #[error("no network interface with MAC {mac} (interfaces: {seen})")]
    NoMac { mac: Mac, seen: String },
    #[error("no network interface has carrier (interfaces: {seen}); check the cable/switch or raise rd.net.timeout.carrier")]
    NoCarrier { seen: String },
}

/// Picks the NIC a [`NetPlan`] is for. `nics` are in the kernel's index order.
pub fn select_interface<'a>(
    select: &IfaceSelector,
    nics: &'a [Nic],
) -> Result<&'a Nic, SelectError> {
    let seen = || describe_nics(nics);
    match select {
        IfaceSelector::Name(name) => {
            nics.iter()
                .find(|n| &n.name == name)
                .ok_or_else(|| SelectError::NoName {
                    name: name.clone(),
                    seen: seen(),
                })
        }
        IfaceSelector::Mac(mac) => {
            nics.iter()
                .find(|n| n.mac == Some(*mac))
                .ok_or_else(|| SelectError::NoMac {
                    mac: *mac,
                    seen: seen(),
                })
        }
        IfaceSelector::FirstWithCarrier | IfaceSelector::All => nics
            .iter()
            .find(|n| n.carrier)
            .ok_or_else(|| SelectError::NoCarrier { seen: seen() }),
    }
}

pub fn describe_nics(nics: &[Nic]) -> String {
    if nics.is_empty() {
        return "none found: no NIC driver loaded?".to_string();
    }
    let list: Vec<String> = nics
        .iter()
        .map(|n| match n.mac {
            Some(mac) => format!("{} {mac}", n.name),
            None => n.name.clone(),
        })
        .collect();
    list.join(", ")
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.steps.iter().enumerate() {
            let tag = match step.on_error {
                OnError::Fatal => "fatal",
                OnError::Warn => "warn ",
            };
            writeln!(f, "{:2}. [{tag}] {}", i + 1, step.action)?;
        }
        Ok(())
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::LoadModules { names, devices } => {
                write!(f, "load modules")?;
                if *devices {
                    write!(f, " for every device's modalias")?;
                }
                if !names.is_empty() {
                    write!(f, " names={}", names.join(","))?;
                }
                Ok(())
            }
            Action::Break(point) => write!(f, "break: emergency shell at {point:?}"),
            Action::CreateNetdevs(devs) => {
                write!(f, "create")?;
                for d in devs {
                    match d {
                        Netdev::Bond(b) => {
                            let opts: Vec<String> =
                                b.options.iter().map(|(k, v)| format!("{k}={v}")).collect();
                            write!(f, " bond {} slaves={} options={}", b.name, b.slaves.join(","), opts.join(","))?;
                            if let Some(mtu) = b.mtu {
                                write!(f, " mtu={mtu}")?;
                            }
                        }
                        Netdev::Vlan(v) => write!(f, " vlan {} parent={} id={}", v.name, v.parent, v.id)?,
                        Netdev::Bridge(b) => write!(f, " bridge {} ports={}", b.name, b.ports.join(","))?,
                    }
                    write!(f, ";")?;
                }
                Ok(())
            }
            Action::ConfigureNetwork(n) => {
                write!(f, "network iface={}", n.select)?;
                match &n.addressing {
                    Addressing::Static {
                        address,
                        prefix,
                        gateway,
                    } => {
                        write!(f, " address={address}/{prefix}")?;
                        if let Some(gw) = gateway {
                            write!(f, " gateway={gw}")?;
                        }
                    }
                    Addressing::Dhcp { timeout, attempts } => write!(
                        f,
                        " dhcp timeout={}s attempts={attempts}",
                        timeout.as_secs()
                    )?,
                }
                for r in &n.routes {
                    write!(f, " route={}/{}", r.dest, r.prefix)?;
                }
                if let Some(mtu) = n.mtu {
                    write!(f, " mtu={mtu}")?;
                }
                if let Some(mac) = n.mac {
                    write!(f, " set-mac={mac}")?;
                }
                if !n.dns.is_empty() {
                    let dns: Vec<String> = n.dns.iter().map(|d| d.to_string()).collect();
                    write!(f, " dns={}", dns.join(","))?;
                }
                if matches!(n.addressing, Addressing::Dhcp { .. }) && !n.peerdns {
                    write!(f, " peerdns=off")?;
                }
                write!(f, " carrier-timeout={}s", n.carrier_timeout.as_secs())
            }
            Action::SetHostname(Some(h)) => write!(f, "hostname {h}"),
            Action::SetHostname(None) => write!(
                f,
                "hostname found at boot (nodename=, the cluster.conf node, DHCP option 12)"
            ),
            Action::MountBlockRoot { root, wait, target } => {
                let r = &root.request;
                let dev = root.device.as_ref().map_or_else(
                    || "the node's cluster.conf <rootvolume>".to_string(),
                    block::describe,
                );
                write!(
                    f,
                    "mount block device {dev} on {target} type={} {} wait-for={}s",
                    r.fstype.as_deref().unwrap_or("probed"),
                    if r.rw && !r.force_ro { "rw" } else { "ro" },
                    wait.as_secs()
                )?;
                if !r.flags.is_empty() {
                    write!(f, " flags={}", r.flags.join(","))?;
                }
                if let Some(c) = &r.cluster {
                    write!(f, " cluster={c} (GFS2 lock_dlm: corosync+dlm_controld; OCFS2: o2cb)")?;
                }
                Ok(())
            }
            Action::MountNfsRoot {
                root,
                retry,
                target,
            } => match (&root.preview, &root.spec) {
                (Some(mount), _) => write!(
                    f,
                    "mount {} on {target} type={} options={}{} retry-for={}s",
                    mount.source,
                    mount.fstype,
                    if mount.read_only { "ro," } else { "rw," },
                    mount.data,
                    retry.as_secs()
                ),
                (None, Some(spec)) => write!(
                    f,
                    "mount {}:{} on {target} (server resolved at boot) retry-for={}s",
                    spec.server.as_deref().unwrap_or("<DHCP next-server>"),
                    spec.path,
                    retry.as_secs()
                ),
                (None, None) => write!(
                    f,
                    "mount the root named at boot (cluster.conf <rootvolume>, else DHCP option 17) on {target} retry-for={}s",
                    retry.as_secs()
                ),
            },
            Action::MountOverlay(spec) => {
                write!(
                    f,
                    "overlay on {NEW_ROOT}: lower {LOWER} (read-only), upper tmpfs size={}",
                    spec.size
                )?;
                if let Some(n) = &spec.nr_inodes {
                    write!(f, " nr_inodes={n}")?;
                }
                write!(f, "; also at /live/image and /live/cow")
            }
            Action::ApplyRootovl(names) => write!(
                f,
                "rootovl trees from /etc/rootovl/ in the order {}",
                names.iter().rev().cloned().collect::<Vec<_>>().join(", ")
            ),
            Action::Warn(text) => write!(f, "warning: {text}"),
            Action::IdentifyNode(c) => write!(
                f,
                "identify the node in cluster.conf '{}' ({} nodes): nodeid=, com-nodeid=, NIC MACs",
                c.conf.name,
                c.conf.nodes.len()
            ),
            Action::StartRemoteLog(p) => write!(
                f,
                "send the boot log to syslog {}",
                p.servers.as_deref().unwrap_or("<cluster.conf com_info/syslog>")
            ),
            Action::MountFilesystems => write!(
                f,
                "mount the node's cluster.conf <filesystems> in order, with their mounttimes/mountwait"
            ),
            Action::ConfigureClusterNetwork(_) => {
                write!(f, "network from the node's <eth> entries in cluster.conf")
            }
            Action::MountCdsl(p) => {
                write!(f, "cdsl: bind <tree>/<nodeid> onto <link> in {NEW_ROOT}")?;
                for (k, v) in [("tree", &p.tree), ("link", &p.link), ("shared", &p.shared)] {
                    if let Some(v) = v {
                        write!(f, " {k}={v}")?;
                    }
                }
                if p.fallback_default {
                    write!(f, " fallback=default")?;
                }
                Ok(())
            }
            Action::HandOverNetwork => write!(
                f,
                "hand the network over: /run/systemd/network, /run/NetworkManager, /run/net-<iface>.conf, /run/initramfs/"
            ),
            Action::SwitchRoot(s) => {
                write!(f, "switch_root {} init={}", s.new_root, s.init.join("|"))?;
                if !s.args.is_empty() {
                    write!(f, " args={}", s.args.join(" "))?;
                }
                Ok(())
            }
        }
    }
}

impl fmt::Display for IfaceSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IfaceSelector::Name(n) => write!(f, "{n}"),
            IfaceSelector::Mac(m) => write!(f, "mac:{m}"),
            IfaceSelector::FirstWithCarrier => write!(f, "first-with-carrier"),
            IfaceSelector::All => write!(f, "all"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmdline::Cmdline;

    const IP: &str = "ip=10.0.2.15::10.0.2.2:255.255.255.0:node1:eth0:off";

    fn plan_for(s: &str) -> Result<Plan, PlanError> {
        plan(&Config::from_cmdline(&Cmdline::parse(s)).unwrap())
    }

    fn mount_of(p: &Plan) -> &NfsMount {
        p.steps
            .iter()
            .find_map(|s| match &s.action {
                Action::MountNfsRoot { root, .. } => root.preview.as_ref(),
                _ => None,
            })
            .unwrap()
    }

    #[test]
    fn the_four_issue_command_lines() {
        let cases = [
            (
                "nfs4",
                "root=nfs4:10.0.2.2:/export/rootfs",
                "nfs4",
                "10.0.2.2:/export/rootfs",
            ),
            (
                "nfs3",
                "root=nfs:10.0.2.2:/srv/root:vers=3,nolock",
                "nfs",
                "10.0.2.2:/srv/root",
            ),
            (
                "kernel",
                "root=/dev/nfs nfsroot=10.0.2.2:/srv/root,vers=4.2",
                "nfs4",
                "10.0.2.2:/srv/root",
            ),
            (
                "bare",
                "root=10.0.2.2:/srv/root",
                "nfs",
                "10.0.2.2:/srv/root",
            ),
        ];
        for (label, root, fstype, source) in cases {
            let p = plan_for(&format!("{root} {IP}")).unwrap();
            let m = mount_of(&p);
            assert_eq!(
                (m.fstype, m.source.as_str(), m.read_only),
                (fstype, source, true),
                "case {label}"
            );
        }
    }

    #[test]
    fn step_order_and_policy() {
        let p = plan_for(&format!(
            "root=nfs4:10.0.2.2:/x {IP} rd.break=pre-pivot rd.break=pre-network"
        ))
        .unwrap();
        let kinds: Vec<(&str, OnError)> = p
            .steps
            .iter()
            .map(|s| {
                let k = match &s.action {
                    Action::LoadModules { devices: true, .. } => "drivers",
                    Action::LoadModules { .. } => "fs-modules",
                    Action::Break(_) => "break",
                    Action::CreateNetdevs(_) => "netdevs",
                    Action::ConfigureNetwork(_) => "network",
                    Action::SetHostname(_) => "hostname",
                    Action::MountNfsRoot { .. } => "mount",
                    Action::MountBlockRoot { .. } => "block-mount",
                    Action::HandOverNetwork => "handover",
                    Action::MountOverlay(_) => "overlay",
                    Action::ApplyRootovl(_) => "rootovl",
                    Action::Warn(_) => "warn",
                    Action::IdentifyNode(_) => "identify",
                    Action::ConfigureClusterNetwork(_) => "cluster-network",
                    Action::MountCdsl(_) => "cdsl",
                    Action::MountFilesystems => "filesystems",
                    Action::StartRemoteLog(_) => "syslog",
                    Action::SwitchRoot(_) => "switch_root",
                };
                (k, s.on_error)
            })
            .collect();
        use OnError::*;
        assert_eq!(
            kinds,
            [
                ("drivers", Warn),
                ("break", Warn),
                ("network", Fatal),
                ("hostname", Warn),
                ("fs-modules", Warn),
                ("mount", Fatal),
                ("handover", Warn),
                ("break", Warn),
                ("switch_root", Fatal)
            ]
        );
    }

    #[test]
    fn server_from_peer_and_bootif_selection() {
        let p = plan_for(
            "root=nfs:/srv/%s ip=10.0.2.15:10.0.2.9::24:n7::off BOOTIF=01-52-54-00-12-34-57",
        )
        .unwrap();
        assert_eq!(mount_of(&p).source, "10.0.2.9:/srv/n7");
        let net = p.steps.iter().find_map(|s| match &s.action {
            Action::ConfigureNetwork(n) => Some(n),
            _ => None,
        });
        assert_eq!(
            net.unwrap().select,
            IfaceSelector::Mac("52:54:00:12:34:57".parse().unwrap())
        );
    }

    #[test]
    fn refusals_explain_themselves() {
        let cases = [
            ("no root", IP.to_string(), "no ip= uses DHCP"),
            (
                "dhcp6",
                "root=nfs:10.0.2.2:/x ip=dhcp6".to_string(),
                "ip=dhcp6: IPv6 autoconfiguration is not supported yet",
            ),
            (
                "all off",
                "root=nfs:10.0.2.2:/x ip=off".to_string(),
                "every ip= is off",
            ),
            (
                "dhcp root, static ip",
                format!("root=dhcp {IP}"),
                "no ip= uses DHCP",
            ),
            (
                "empty uuid",
                format!("root=UUID= {IP}"),
                "root=UUID=: expected /dev/<name>, UUID=<uuid>",
            ),
            (
                "no server",
                "root=nfs:/x ip=10.0.2.15:::24:::off".to_string(),
                "names no server",
            ),
            (
                "name",
                format!("root=nfs:filer:/x {IP}"),
                "'filer' is a name, but no nameserver= is given",
            ),
            (
                "fstype",
                format!("root=nfs:10.0.2.2:/x rootfstype=ext4 {IP}"),
                "rootfstype=ext4",
            ),
            (
                "vers",
                format!("root=nfs4:10.0.2.2:/x:vers=3 {IP}"),
                "vers=4 or 4.x",
            ),
        ];
        for (label, cmdline, needle) in cases {
            let err = plan_for(&cmdline).unwrap_err().to_string();
            assert!(err.contains(needle), "case {label}: {err}");
        }
    }

    #[test]
    fn block_root_needs_no_network() {
        let p = plan_for("root=LABEL=osrroot rw rootflags=noatime").unwrap();
        let kinds: Vec<String> = p.steps.iter().map(|s| s.action.to_string()).collect();
        assert_eq!(kinds.len(), 3, "{kinds:?}");
        assert!(kinds[0].starts_with("load modules for every device"));
        assert_eq!(
            kinds[1],
            "mount block device LABEL=osrroot on /sysroot type=probed rw wait-for=180s flags=noatime"
        );
        assert!(kinds[2].starts_with("switch_root"));
        let Action::MountBlockRoot { root, .. } = &p.steps[1].action else {
            panic!("{kinds:?}")
        };
        assert_eq!(root.device, Some(RootDevice::Label("osrroot".into())));
        assert!(root.request.rw && root.request.cluster.is_none());
    }

    #[test]
    fn block_root_with_ip_and_overlay() {
        let p = plan_for(&format!(
            "root=/dev/disk/by-uuid/0b5e rd.retry=20 rd.overlay rw {IP}"
        ))
        .unwrap();
        let block = p
            .steps
            .iter()
            .find_map(|s| match &s.action {
                Action::MountBlockRoot { root, wait, target } => Some((root, wait, target)),
                _ => None,
            })
            .unwrap();
        assert_eq!(block.0.device, Some(RootDevice::Uuid("0b5e".into())));
        assert!(block.0.request.force_ro && !block.0.request.rw);
        assert_eq!((block.1.as_secs(), block.2.as_str()), (20, LOWER));
        assert!(p
            .steps
            .iter()
            .any(|s| matches!(s.action, Action::MountOverlay(_))));
        assert!(p
            .steps
            .iter()
            .any(|s| matches!(s.action, Action::HandOverNetwork)));
        assert!(p
            .steps
            .iter()
            .any(|s| matches!(s.action, Action::ConfigureNetwork(_))));
    }

    fn cluster_with(rootvolumes: [&str; 2]) -> ClusterConf {
        let node = |id: u32, rv: &str| {
            format!(
                r#"<clusternode name="n{id}" nodeid="{id}"><com_info><rootvolume name="{rv}" fstype="gfs2"/>
                <eth name="eth0" mac="52:54:00:00:00:0{id}" ip="10.0.0.{id}" mask="24"/></com_info></clusternode>"#
            )
        };
        let xml = format!(
            r#"<cluster name="c" config_version="1"><clusternodes>{}{}</clusternodes></cluster>"#,
            node(1, rootvolumes[0]),
            node(2, rootvolumes[1])
        );
        crate::cluster::parse(&xml).unwrap()
    }

    #[test]
    fn cluster_block_rootvolume_plans_a_shared_block_root() {
        let config = Config::from_cmdline(&Cmdline::parse("rw")).unwrap();
        let conf = cluster_with(["/dev/sdb", "UUID=aa"]);
        let p = plan_with(&config, Some(&conf)).unwrap();
        let root = p
            .steps
            .iter()
            .find_map(|s| match &s.action {
                Action::MountBlockRoot { root, .. } => Some(root),
                _ => None,
            })
            .unwrap();
        assert_eq!(root.device, None);
        assert_eq!(root.request.cluster.as_deref(), Some("c"));
        assert!(root.request.rw);
        // rw is the point of a cluster filesystem: no warning about shared writes
        assert!(!p.steps.iter().any(|s| matches!(s.action, Action::Warn(_))));
        let err = plan_with(&config, Some(&cluster_with(["/dev/sdb", "srv:/export"]))).unwrap_err();
        assert!(matches!(err, PlanError::MixedRootvolumes(_)), "{err}");
    }

    #[test]
    fn block_root_errors_say_what_to_write() {
        let err = |cmdline: &str| {
            let config = Config::from_cmdline(&Cmdline::parse(cmdline)).unwrap();
            plan(&config).unwrap_err().to_string()
        };
        for (cmdline, needle) in [
            ("root=/dev/disk/by-id/virtio-x", "only udev makes /dev/disk/by-id"),
            ("root=/dev/disk/by-path/pci-0000:00:04.0", "only udev makes /dev/disk/by-id and by-path"),
            ("root=/dev/mapper/vg-root", "device-mapper roots (LVM, multipath, LUKS) are not supported"),
            ("root=UUID=0b5e rootfstype=nfs4", "rootfstype=nfs4 names a network filesystem, but the root is the block device UUID=0b5e"),
        ] {
            let msg = err(cmdline);
            assert!(msg.contains(needle), "{cmdline}: {msg}");
        }
        // dracut's block: prefix is the same device
        let config = Config::from_cmdline(&Cmdline::parse("root=block:LABEL=osr")).unwrap();
        let p = plan(&config).unwrap();
        assert!(p.steps.iter().any(|s| matches!(&s.action,
            Action::MountBlockRoot { root, .. } if root.device == Some(RootDevice::Label("osr".into())))));
    }

    #[test]
    fn bad_block_rootvolume_names_the_node() {
        let config = Config::from_cmdline(&Cmdline::parse("rw")).unwrap();
        let cases = [
            (
                ["/dev/disk/by-id/scsi-1", "/dev/disk/by-id/scsi-1"],
                "clusternode n1: <rootvolume name=\"/dev/disk/by-id/scsi-1\">: expected",
            ),
            (
                ["UUID=", "UUID="],
                "clusternode n1: <rootvolume name=\"UUID=\">: expected",
            ),
        ];
        for (rvs, needle) in cases {
            let conf = cluster_with(rvs);
            let node = conf.nodes.first().unwrap();
            let msg = cluster_root(&config, node).unwrap_err().to_string();
            assert!(msg.contains(needle), "{rvs:?}: {msg}");
        }
    }

    #[test]
    fn interface_selection() {
        let mac = |s: &str| Some(s.parse::<Mac>().unwrap());
        let nics = [
            Nic {
                name: "eth0".into(),
                mac: mac("52:54:00:12:34:56"),
                carrier: false,
            },
            Nic {
                name: "eth1".into(),
                mac: mac("52:54:00:12:34:57"),
                carrier: true,
            },
        ];
        let sel = |s: IfaceSelector| select_interface(&s, &nics).map(|n| n.name.as_str());
        assert_eq!(sel(IfaceSelector::Name("eth0".into())), Ok("eth0"));
        assert_eq!(
            sel(IfaceSelector::Mac("52:54:00:12:34:57".parse().unwrap())),
            Ok("eth1")
        );
        assert_eq!(sel(IfaceSelector::FirstWithCarrier), Ok("eth1"));
        let err = sel(IfaceSelector::Name("eth9".into()))
            .unwrap_err()
            .to_string();
        assert_eq!(err, "no network interface named eth9 (interfaces: eth0 52:54:00:12:34:56, eth1 52:54:00:12:34:57)");
        let err = select_interface(&IfaceSelector::FirstWithCarrier, &[])
            .unwrap_err()
            .to_string();
        assert!(err.contains("no NIC driver loaded"), "{err}");
    }

    #[test]
    fn rd_timeout_bounds_the_waits() {
        let p = plan_for(&format!(
            "root=nfs4:10.0.2.2:/x {IP} rd.retry=60 rd.timeout=5"
        ))
        .unwrap();
        let retry = p.steps.iter().find_map(|s| match &s.action {
            Action::MountNfsRoot { retry, .. } => Some(*retry),
            _ => None,
        });
        assert_eq!(retry, Some(Duration::from_secs(5)));
        assert!(p.to_string().contains("carrier-timeout=5s"));
    }

    #[test]
    fn plan_prints_one_line_per_step() {
        let p = plan_for(&format!(
            "root=nfs4:10.0.2.2:/export/rootfs {IP} nameserver=10.0.2.3"
        ))
        .unwrap();
        let text = p.to_string();
        assert!(
            text.contains("network iface=eth0 address=10.0.2.15/24 gateway=10.0.2.2 dns=10.0.2.3"),
            "{text}"
        );
        assert!(text.contains("mount 10.0.2.2:/export/rootfs on /sysroot type=nfs4 options=ro,vers=4.2,clientaddr=10.0.2.15,addr=10.0.2.2 retry-for=180s"), "{text}");
        assert!(
            text.contains("switch_root /sysroot init=/sbin/init|/etc/init|/bin/init|/bin/sh"),
            "{text}"
        );
    }

    fn net_of(p: &Plan) -> &NetPlan {
        p.steps
            .iter()
            .find_map(|s| match &s.action {
                Action::ConfigureNetwork(n) => Some(n),
                _ => None,
            })
            .unwrap()
    }

    fn root_of(p: &Plan) -> &RootPlan {
        p.steps
            .iter()
            .find_map(|s| match &s.action {
                Action::MountNfsRoot { root, .. } => Some(root),
                _ => None,
            })
            .unwrap()
    }

    #[test]
    fn dhcp_forms_select_interfaces() {
        let dhcp = Addressing::Dhcp {
            timeout: Duration::from_secs(60),
            attempts: 1,
        };
        let cases = [
            ("ip=dhcp", IfaceSelector::All, None),
            ("ip=on", IfaceSelector::All, None),
            ("ip=any", IfaceSelector::All, None),
            ("ip=single-dhcp", IfaceSelector::All, None),
            ("", IfaceSelector::All, None),
            (
                "ip=eth1:dhcp:9000",
                IfaceSelector::Name("eth1".into()),
                Some(9000),
            ),
            (
                "ip=dhcp BOOTIF=01-52-54-00-12-34-57",
                IfaceSelector::Mac("52:54:00:12:34:57".parse().unwrap()),
                None,
            ),
        ];
        for (cmdline, select, mtu) in cases {
            let p = plan_for(&format!("root=nfs:10.0.2.2:/x {cmdline}")).unwrap();
            let n = net_of(&p);
            assert_eq!(
                (&n.select, n.mtu, &n.addressing),
                (&select, mtu, &dhcp),
                "{cmdline}"
            );
        }
    }

    #[test]
    fn no_root_with_dhcp_takes_option_17() {
        for cmdline in ["ip=dhcp", "root=dhcp ip=dhcp", "netroot=dhcp", ""] {
            let p = plan_for(cmdline).unwrap();
            let root = root_of(&p);
            assert_eq!(root.spec, None, "{cmdline}");
            assert!(p
                .steps
                .iter()
                .any(|s| s.action == Action::SetHostname(None)));
            let text = p.to_string();
            assert!(text.contains("else DHCP option 17)"), "{text}");
            assert!(
                text.contains("load modules names=nfs,nfsv3,nfsv4"),
                "{text}"
            );
        }
    }

    #[test]
    fn dhcp_timeouts_and_peerdns() {
        let p =
            plan_for("ip=dhcp rd.net.timeout.dhcp=20 rd.net.dhcp.retry=3 rd.peerdns=0").unwrap();
        let n = net_of(&p);
        assert_eq!(
            n.addressing,
            Addressing::Dhcp {
                timeout: Duration::from_secs(20),
                attempts: 3
            }
        );
        assert!(!n.peerdns);
        let p = plan_for("ip=dhcp rd.net.timeout.dhcp=20 rd.timeout=7").unwrap();
        assert!(
            matches!(net_of(&p).addressing, Addressing::Dhcp { timeout, .. } if timeout == Duration::from_secs(7))
        );
        let err = Config::from_cmdline(&Cmdline::parse("rd.net.dhcp.retry=0")).unwrap_err();
        assert!(
            err.to_string()
                .contains("rd.net.dhcp.retry=\"0\": expected a number of attempts"),
            "{err}"
        );
    }

    #[test]
    fn option_17_forms() {
        let spec = |server: Option<&str>, path: &str, nfs4: bool, opts: &[&str]| NfsSpec {
            server: server.map(str::to_string),
            path: path.to_string(),
            nfs4,
            options: opts.iter().map(|s| s.to_string()).collect(),
        };
        let cases = [
            (
                "nfs:10.0.0.1:/srv/root:vers=3",
                spec(Some("10.0.0.1"), "/srv/root", false, &["vers=3"]),
            ),
            (
                "nfs4:10.0.0.1:/export/%s",
                spec(Some("10.0.0.1"), "/export/%s", true, &[]),
            ),
            (
                "10.0.0.1:/srv/root",
                spec(Some("10.0.0.1"), "/srv/root", false, &[]),
            ),
            (
                "filer:/srv/root:ro,tcp",
                spec(Some("filer"), "/srv/root", false, &["ro", "tcp"]),
            ),
            ("/srv/hosts/%s", spec(None, "/srv/hosts/%s", false, &[])),
        ];
        for (text, want) in cases {
            assert_eq!(root_from_dhcp(text), Ok(want), "{text}");
        }
        for bad in ["UUID=abcd", "nonsense", "nfs:"] {
            assert!(
                matches!(root_from_dhcp(bad), Err(PlanError::BadRootPath(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn server_fallback_order_and_percent_s() {
        let lease = Lease {
            address: "10.0.0.50".parse().unwrap(),
            prefix: 24,
            server_id: "10.0.0.1".parse().unwrap(),
            next_server: Some("10.0.0.2".parse().unwrap()),
            hostname: Some("n50".into()),
            root_path: Some("/srv/hosts/%s".into()),
            ..Lease::default()
        };
        let mut net = NetFacts {
            iface: "eth0".into(),
            address: Some("10.0.0.50".parse().unwrap()),
            hostname: Some("n50".into()),
            lease: Some(lease.clone()),
            ..NetFacts::default()
        };
        let root = root_of(&plan_for("ip=dhcp").unwrap()).clone();
        let (spec, server) = root_source(&root, &net).unwrap();
        assert_eq!(
            server,
            ServerRef::Ip("10.0.0.2".parse().unwrap()),
            "next-server first"
        );
        let m = root_mount(&root, &spec, "10.0.0.2".parse().unwrap(), &net).unwrap();
        assert_eq!(m.source, "10.0.0.2:/srv/hosts/n50");
        assert_eq!(m.fstype, "nfs");

        net.lease.as_mut().unwrap().next_server = None;
        assert_eq!(
            root_source(&root, &net).unwrap().1,
            ServerRef::Ip("10.0.0.1".parse().unwrap()),
            "then the server id"
        );
        net.hostname = None;
        let m = root_mount(&root, &spec, "10.0.0.1".parse().unwrap(), &net).unwrap();
        assert_eq!(
            m.path, "/srv/hosts/10.0.0.50",
            "%s is the IP without a hostname"
        );

        net.lease.as_mut().unwrap().root_path = None;
        assert_eq!(root_source(&root, &net), Err(PlanError::NoRootPath));
    }

    #[test]
    fn server_names_need_a_nameserver_or_dhcp() {
        assert!(plan_for(&format!("root=nfs4:filer:/x {IP} nameserver=10.0.2.3")).is_ok());
        assert!(plan_for("root=nfs4:filer:/x ip=dhcp").is_ok());
        let p = plan_for("root=nfs4:filer.example:/x ip=dhcp").unwrap();
        assert!(p
            .to_string()
            .contains("mount filer.example:/x on /sysroot (server resolved at boot)"));
    }

    #[test]
    fn vlan_on_bond_is_created_before_the_network() {
        let p = plan_for(
            "vlan=bond0.100:bond0 bond=bond0:eth0,eth1:mode=active-backup,miimon=100 ip=bond0.100:dhcp root=nfs4:10.78.0.1:/export/rootfs",
        )
        .unwrap();
        let text = p.to_string();
        assert!(
            text.contains("load modules for every device's modalias names=bonding,8021q"),
            "{text}"
        );
        assert!(
            text.contains("create bond bond0 slaves=eth0,eth1 options=mode=active-backup,miimon=100; vlan bond0.100 parent=bond0 id=100;"),
            "{text}"
        );
        let create = text.find("create bond").unwrap();
        let net = text.find("network iface=bond0.100 dhcp").unwrap();
        assert!(create < net, "{text}");
        assert_eq!(
            net_of(&p).enslaved,
            vec!["eth0".to_string(), "eth1".to_string()]
        );
    }

    #[test]
    fn netdev_errors_name_the_parameter() {
        let err = Config::from_cmdline(&Cmdline::parse(
            "vlan=eth0.5000:eth0 bond=bond0:eth0:nosuchopt=1",
        ))
        .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("vlan=\"eth0.5000:eth0\""), "{text}");
        assert!(text.contains("bond=\"bond0:eth0:nosuchopt=1\""), "{text}");
        let err =
            Config::from_cmdline(&Cmdline::parse("bond=bond0:eth0 bridge=br0:eth0")).unwrap_err();
        assert!(err.to_string().contains("bond/vlan/bridge"), "{err}");
    }

    fn kinds(p: &Plan) -> Vec<String> {
        p.steps
            .iter()
            .map(|s| {
                s.action
                    .to_string()
                    .split(' ')
                    .next()
                    .unwrap_or("")
                    .to_string()
            })
            .collect()
    }

    #[test]
    fn overlay_forms_and_order() {
        for flag in [
            "rootovl",
            "rd.overlay",
            "rd.overlay=tmpfs",
            "rd.live.overlay.overlayfs",
            "rootovl=1",
        ] {
            let p = plan_for(&format!(
                "root=nfs4:10.0.2.2:/x {IP} {flag} rootovlcfg=a,%h rootovlcfg=c"
            ))
            .unwrap();
            let text = p.to_string();
            assert!(
                text.contains(
                    "mount 10.0.2.2:/x on /run/initramfs/overlay/lower type=nfs4 options=ro,"
                ),
                "{flag}: {text}"
            );
            assert!(text.contains("overlay on /sysroot: lower /run/initramfs/overlay/lower (read-only), upper tmpfs size=50%"), "{flag}: {text}");
            assert!(
                text.contains("rootovl trees from /etc/rootovl/ in the order c, %h, a"),
                "{flag}: {text}"
            );
            let k = kinds(&p);
            let pos = |w: &str| k.iter().position(|x| x == w).unwrap();
            assert!(
                pos("mount") < pos("overlay")
                    && pos("overlay") < pos("rootovl")
                    && pos("rootovl") < pos("hand"),
                "{k:?}"
            );
        }
        let p = plan_for(&format!(
            "root=nfs4:10.0.2.2:/x {IP} rd.overlay=tmpfs:size=64m,nr_inodes=5000"
        ))
        .unwrap();
        assert!(p
            .to_string()
            .contains("upper tmpfs size=64m nr_inodes=5000"));
        assert!(!p.to_string().contains("rootovl trees"));
        // rd.overlay=0 wins over the legacy flag.
        let p = plan_for(&format!("root=nfs4:10.0.2.2:/x {IP} rootovl rd.overlay=0")).unwrap();
        assert!(!p.to_string().contains("overlay on"));
    }

    #[test]
    fn rootovlcfg_without_overlay_and_rw_with_overlay_warn() {
        let p = plan_for(&format!("root=nfs4:10.0.2.2:/x {IP} rootovlcfg=a,b")).unwrap();
        let text = p.to_string();
        assert!(text.contains("[warn ] warning: rootovlcfg=a,b ignored: the trees are applied on an overlay root only; add rootovl"), "{text}");
        assert!(text.contains("mount 10.0.2.2:/x on /sysroot"), "{text}");
        let p = plan_for(&format!("root=nfs4:10.0.2.2:/x {IP} rootovl rw")).unwrap();
        let text = p.to_string();
        assert!(text.contains("warning: rw ignored"), "{text}");
        assert!(
            text.contains("options=ro,"),
            "the lower stays read-only: {text}"
        );
        let p = plan_for(&format!("root=nfs4:10.0.2.2:/x {IP} rw")).unwrap();
        assert!(p.to_string().contains("on /sysroot type=nfs4 options=rw,"));
        let err = Config::from_cmdline(&Cmdline::parse("rd.overlay=disk")).unwrap_err();
        assert!(
            err.to_string()
                .contains("rd.overlay=\"disk\": expected nothing, 0/1, or tmpfs["),
            "{err}"
        );
    }

    #[test]
    fn mounttimes_and_mountwait_set_the_retry() {
        let retry = |extra: &str| {
            let p = plan_for(&format!("root=nfs4:10.0.2.2:/x {IP} {extra}")).unwrap();
            p.steps.iter().find_map(|s| match &s.action {
                Action::MountNfsRoot { retry, .. } => Some(retry.as_secs()),
                _ => None,
            })
        };
        assert_eq!(retry(""), Some(180));
        assert_eq!(retry("mounttimes=5 mountwait=4"), Some(20));
        assert_eq!(retry("mounttimes=3"), Some(30));
        assert_eq!(retry("mountwait=2"), Some(60));
        assert_eq!(retry("mounttimes=5 rd.retry=7"), Some(7));
    }

    #[test]
    fn the_overlay_lower_stays_read_only_even_with_rw_options() {
        let p = plan_for(&format!("root=nfs4:10.0.2.2:/x:rw {IP} rootovl")).unwrap();
        assert!(root_of(&p).preview.as_ref().unwrap().read_only);
        let p = plan_for(&format!("root=nfs4:10.0.2.2:/x:rw {IP}")).unwrap();
        assert!(!root_of(&p).preview.as_ref().unwrap().read_only);
    }
}
