//! The planner: a validated [`Config`] and the identified node become an ordered list
//! of steps, made once, before anything is executed.
//!
//! The boot is a straight line of data: the command line and the image's cluster.conf
//! are parsed once ([`Config`], [`ClusterConf`]); the NIC drivers are loaded
//! ([`drivers`]) and the NICs listed; the node is identified ([`identify`], pure); then
//! [`plan`] makes the whole plan. Each step carries exactly what it needs and is
//! marked fatal or best-effort, so the executor needs no policy of its own.
//!
//! What only the network can tell (the root path from DHCP option 17, the server's
//! address from DNS, the hostname from the lease) is the one thing left for run time:
//! the [`RootPlan`] then holds the parts the command line fixes, and the executor
//! finishes the mount with [`root_source`] and [`root_mount`] from the [`NetFacts`].
//! Which NIC has which MAC, and which has carrier, is a declarative
//! [`IfaceSelector`] resolved by [`select_interface`], which is pure too.

mod cluster;
mod display;
mod filesystems;
mod net;
mod root;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::Duration;

pub use self::cluster::{identify, static_node, Member, Node, NodeRecord, RemoteLog, StaticNode};
pub use self::filesystems::{FsCall, FsKind, FsMount, FsSource, NfsByName, NfsFs};
pub use self::net::{cluster_net, describe_nics, select_interface, SelectError};
pub use self::root::{cluster_root, root_from_dhcp, root_mount, root_source};
use crate::blkid::RootDevice;
use crate::block::BlockRequest;
use crate::cluster::ClusterConf;
use crate::config::{BreakPoint, CdslParams, Config};
use crate::dhcp::Lease;
use crate::ip::{Mac, Route};
use crate::mountopts::MountOptions;
use crate::netdev::{self, Netdev};
use crate::nfs::NfsMount;
use crate::overlay::{OverlaySpec, LOWER};
use crate::root::NfsSpec;

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

/// `rd.driver.blacklist=` and `<module>.<param>=`: they apply to every module loaded,
/// including those only the root's superblock names at run time.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModuleOptions {
    pub blacklist: Vec<String>,
    /// By module name, `-` normalised to `_`.
    pub params: BTreeMap<String, Vec<String>>,
}

/// Modules to load: by name and, with `devices`, every module matching a device's
/// modalias.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleLoad {
    pub names: Vec<String>,
    pub devices: bool,
    pub options: ModuleOptions,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    LoadModules(ModuleLoad),
    Break(BreakPoint),
    /// Log and record which cluster node this is (identified before planning).
    Node(NodeRecord),
    /// `bond=`, `vlan=`, `bridge=` devices (and a cluster node's bonds and bridges),
    /// in creation order.
    CreateNetdevs(Vec<Netdev>),
    ConfigureNetwork(NetPlan),
    /// `Some`: the name from `ip=` or cluster.conf; `None`: the name DHCP gave, if any.
    SetHostname(Option<String>),
    /// Send the log (what was logged so far, then every line) to syslog servers:
    /// the command line's `syslog=...`, else the node's `com_info/syslog`.
    StartRemoteLog(RemoteLog),
    /// Wait for the root's block device, start the cluster stack its filesystem needs
    /// (GFS2 lock_dlm, OCFS2 o2cb) and mount it on `target`; `wait` bounds each wait.
    MountBlockRoot {
        root: Box<BlockRootPlan>,
        wait: Duration,
        target: String,
    },
    /// Mount the NFS root on `target`: the new root, or the overlay's lower layer.
    MountNfsRoot {
        root: RootPlan,
        retry: Duration,
        target: String,
    },
    /// A tmpfs upper layer and the overlay on the new root, over the root's lower.
    MountOverlay(OverlaySpec),
    /// Bind the node's CDSL directory onto the link directory of the new root.
    /// `given_by`: the parameter that named the node (`nodeid`), if one did; a root
    /// without CDSL structure is then warned about.
    MountCdsl {
        params: CdslParams,
        nodeid: u32,
        given_by: Option<&'static str>,
    },
    /// The node's `com_info/filesystems`, in order, each with its retries; all of
    /// them within `timeout` (`rd.timeout`) when given.
    MountFilesystems {
        list: Vec<FsMount>,
        timeout: Option<Duration>,
    },
    /// `rootovlcfg=` trees, names as given: `%h` is `hostname` (`None`: the one DHCP
    /// gave), `%n` is `nodeid`.
    ApplyRootovl {
        names: Vec<String>,
        hostname: Option<String>,
        nodeid: Option<u32>,
    },
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
    /// ip='s `<hostname>` (or the cluster node's name), also sent to the DHCP server.
    pub hostname: Option<String>,
    /// ip='s `<peer>`: the NFS server when the root names none.
    pub peer: Option<IpAddr>,
    /// Bond slaves and bridge ports: never candidates for DHCP or an address.
    pub enslaved: Vec<String>,
    pub carrier_timeout: Duration,
}

/// The NFS root as far as the plan fixes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RootPlan {
    /// `None`: the root path comes from DHCP option 17.
    pub spec: Option<NfsSpec>,
    /// `rootfstype=nfs4`, `rootfs=nfs4` or `root=nfs4:`.
    pub force_nfs4: bool,
    pub rootflags: MountOptions,
    /// Read-write unless the options say `ro`: the command line's `ro`/`rw`, else
    /// read-write on a cluster node only.
    pub rw: bool,
    /// The overlay's lower layer: read-only whatever the options say.
    pub force_ro: bool,
    /// The whole mount, when the plan alone determines it (a static network and a
    /// server given by address): the executor mounts it as it is.
    pub mount: Option<NfsMount>,
    /// `nfs` or `nfs4`, when the plan knows which (the modules to load follow); `None`
    /// when the version is negotiated at boot.
    pub fstype: Option<&'static str>,
    /// Reached over the first network with a DHCP lease (else the first): the root
    /// DHCP names, or the one a cluster node's `<rootvolume>` names.
    pub via_lease: bool,
}

/// A block root: the device and how to mount it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockRootPlan {
    pub device: RootDevice,
    pub request: BlockRequest,
    /// For the filesystem modules the superblock names at run time.
    pub modules: ModuleOptions,
    /// The image's cluster.conf and this node's id: what corosync or o2cb need when
    /// the filesystem turns out to be a shared one.
    pub cluster: Option<ClusterStack>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterStack {
    pub conf: ClusterConf,
    pub nodeid: u32,
}

/// The root a cluster node's `<rootvolume>` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClusterRoot {
    Nfs(NfsSpec),
    Block {
        device: RootDevice,
        fstype: Option<String>,
        /// `<rootvolume mountopts>` (or `mountopts=`), then `rootflags=`.
        options: MountOptions,
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

/// The boot after the drivers: steps numbered from `first` (the drivers' step is 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub first: usize,
    pub steps: Vec<Step>,
}

/// A network interface as the executor found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nic {
    pub name: String,
    pub mac: Option<Mac>,
    pub carrier: bool,
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
    #[error("cluster.conf: clusternode {node}: <rootvolume name={name:?}>: expected {expected}")]
    BadRootvolume {
        node: String,
        name: String,
        expected: String,
    },
    #[error("root={given} names no server and no path, and {} no network uses DHCP for option 17: give root=nfs:<server>:<path>, a <rootvolume> in cluster.conf, or ip=dhcp", match node { Some(n) => format!("cluster.conf gives node {n} no <rootvolume name> and"), None => "there is no cluster.conf and".to_string() })]
    BareNfsRoot {
        given: &'static str,
        node: Option<String>,
    },
    #[error("cluster.conf gives node {nodeid} ({name}) no <rootvolume> and no network uses DHCP for option 17: add a <rootvolume> or give root=")]
    NoRootvolume { nodeid: u32, name: String },
    #[error("cluster.conf: node {nodeid} ({name}) has no <eth> with an ip (static or dhcp): give ip= on the command line")]
    NoClusterNetwork { nodeid: u32, name: String },
    #[error("{given_by}={fstype} names a network filesystem, but the root is the block device {device}: give the block device's filesystem (ext4, xfs, gfs2, ocfs2...) or leave it out")]
    BlockRootFsType {
        /// Where the type came from: `rootfstype`, `rootfs` or `<rootvolume fstype>`.
        given_by: &'static str,
        fstype: String,
        device: String,
    },
    #[error(
        "the NFS root {0} names no server, ip= gives no <peer> and DHCP no next-server or server id: write root=nfs:<server>:<path>"
    )]
    NoServer(String),
    #[error("NFS server '{0}' is a name, but no nameserver= is given and DHCP is not used: give nameserver=<ip> or the server's address")]
    ServerName(String),
    #[error("{param}={value}: expected a node id, a whole number like 1")]
    Nodeid { param: &'static str, value: String },
    #[error("rootfstype={0} does not fit an NFS root: use nfs or nfs4, or leave it out")]
    RootFsType(String),
    #[error("invalid NFS options for {root}: expected {expected}")]
    NfsOptions { root: String, expected: String },
    #[error("cluster.conf: node {nodeid}: <filesystem dest={dest:?}> {attr}={value:?}: expected {expected}")]
    Filesystem {
        nodeid: u32,
        dest: String,
        attr: &'static str,
        value: String,
        expected: String,
    },
}

/// The first step of every boot, run before the node is identified: the NIC drivers
/// (every device's modalias), `rd.driver.pre=`, the cluster.conf `<eth driver>`s (the
/// legacy initrd loaded them before looking for the node) and the modules of
/// `bond=`/`vlan=`/`bridge=`.
pub fn drivers(config: &Config, cluster: Option<&ClusterConf>) -> Step {
    let mut names = config.driver_pre.clone();
    let eth_drivers = cluster
        .iter()
        .flat_map(|c| c.nodes.iter())
        .flat_map(|n| n.com.eths.iter())
        .filter_map(|e| e.driver.clone());
    let netdev_modules = config
        .netdevs
        .iter()
        .map(|d| netdev::module_for(d).to_string());
    for m in eth_drivers.chain(netdev_modules) {
        if !names.contains(&m) {
            names.push(m);
        }
    }
    fatal_if(
        false,
        Action::LoadModules(ModuleLoad {
            names,
            devices: true,
            options: module_options(config),
        }),
    )
}

pub fn module_options(config: &Config) -> ModuleOptions {
    ModuleOptions {
        blacklist: config.driver_blacklist.clone(),
        params: config.module_params.clone(),
    }
}

/// The plan of a node without cluster.conf.
pub fn plan(config: &Config) -> Result<Plan, PlanError> {
    plan_for(config, None)
}

/// The whole boot after the drivers, for this node: `node` is the identified cluster
/// node when the image holds a cluster.conf. Its `<eth>` entries stand in for `ip=`
/// and its `<rootvolume>` for `root=` when those are not given.
pub fn plan_for(config: &Config, node: Option<&Node>) -> Result<Plan, PlanError> {
    // A `<rootvolume>` the node does not use (root= given) cannot stop its boot.
    let croot = match node {
        Some(n) if root::uses_rootvolume(config) => cluster_root(config, &n.node)?,
        _ => None,
    };
    let fixed = match node {
        Some(_) => None,
        None => static_node(config)?,
    };
    let net = net::plan_network(config, node, root::is_block(config, croot.as_ref()))?;
    let root = root::plan_root(config, node, croot, &net)?;
    let filesystems = match node {
        Some(n) => Some(filesystems::plan(n, &filesystems_context(&net))?),
        None => None,
    };
    let mut steps = Vec::new();
    let legacy = config.legacy_unused.iter().cloned().map(Action::Warn);
    steps.extend(legacy.map(|w| fatal_if(false, w)));
    if let Some(n) = node {
        steps.push(fatal_if(false, Action::Node(n.record(config))));
        let warnings = n.warnings().into_iter().map(Action::Warn);
        steps.extend(warnings.map(|w| fatal_if(false, w)));
    }
    if let Some(s) = &fixed {
        steps.push(fatal_if(false, Action::Node(s.record())));
    }
    push_break(&mut steps, config, BreakPoint::PreNetwork);
    if !net.modules.is_empty() {
        steps.push(fatal_if(
            true,
            Action::LoadModules(ModuleLoad {
                names: net.modules.clone(),
                devices: false,
                options: module_options(config),
            }),
        ));
    }
    if !net.netdevs.is_empty() {
        steps.push(fatal_if(true, Action::CreateNetdevs(net.netdevs.clone())));
    }
    let networked = !net.plans.is_empty();
    steps.extend(
        net.plans
            .iter()
            .cloned()
            .map(|n| fatal_if(true, Action::ConfigureNetwork(n))),
    );
    if let Some(h) = net.hostname {
        steps.push(fatal_if(false, Action::SetHostname(h)));
    }
    match cluster::remote_log(config, node) {
        Some(Ok(log)) => steps.push(fatal_if(false, Action::StartRemoteLog(log))),
        Some(Err(warning)) => steps.push(fatal_if(false, Action::Warn(warning))),
        None => {}
    }
    let mut fs_modules = root.fs_modules();
    if config.overlay.is_some() {
        fs_modules.push("overlay".to_string());
    }
    for m in filesystems
        .iter()
        .flat_map(|(list, _)| filesystems::modules(list))
    {
        if !fs_modules.iter().any(|f| f == m) {
            fs_modules.push(m.to_string());
        }
    }
    if !fs_modules.is_empty() {
        steps.push(fatal_if(
            false,
            Action::LoadModules(ModuleLoad {
                names: fs_modules,
                devices: false,
                options: module_options(config),
            }),
        ));
    }
    push_break(&mut steps, config, BreakPoint::PreMount);
    steps.push(fatal_if(true, root.into_action(config)));
    push_overlay(&mut steps, config, node, fixed.as_ref(), filesystems);
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
    Ok(Plan { first: 2, steps })
}

/// The overlay, then (on a cluster node, or one `nodeid=` names) the CDSL bind and
/// the node's filesystems (with the warnings about them) onto it, then the rootovl trees.
fn push_overlay(
    steps: &mut Vec<Step>,
    config: &Config,
    node: Option<&Node>,
    fixed: Option<&StaticNode>,
    mut filesystems: Option<(Vec<FsMount>, Vec<String>)>,
) {
    let names = config.rootovlcfg.join(",");
    let id = node
        .map(|n| (n.node.nodeid, &n.how))
        .or(fixed.map(|s| (s.nodeid, &s.how)));
    let mut cdsl = |steps: &mut Vec<Step>| {
        if let (Some((nodeid, how)), false) = (id, config.cdsl.off) {
            steps.push(fatal_if(
                true,
                Action::MountCdsl {
                    params: config.cdsl.clone(),
                    nodeid,
                    given_by: cluster::given_by(how),
                },
            ));
        }
        if let Some((list, warnings)) = filesystems.take() {
            steps.extend(
                warnings
                    .into_iter()
                    .map(|w| fatal_if(false, Action::Warn(w))),
            );
            steps.push(fatal_if(
                true,
                Action::MountFilesystems {
                    list,
                    timeout: config.timeout,
                },
            ));
        }
    };
    if config.overlay.is_none() {
        cdsl(steps);
    }
    match &config.overlay {
        Some(spec) => {
            if config.rw == Some(true) {
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
                let hostname = node
                    .map(|n| n.hostname.clone())
                    .or_else(|| net::static_hostname(config));
                steps.push(fatal_if(
                    false,
                    Action::ApplyRootovl {
                        names: config.rootovlcfg.clone(),
                        hostname,
                        nodeid: id.map(|(nodeid, _)| nodeid),
                    },
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

/// What the node's filesystems need to know of the network: this node's static
/// address on the first one, and whether a server's name can be resolved.
fn filesystems_context(net: &net::Network) -> filesystems::Context {
    let client = net.plans.first().and_then(|n| match n.addressing {
        Addressing::Static { address, .. } => Some(address),
        Addressing::Dhcp { .. } => None,
    });
    filesystems::Context {
        client,
        can_resolve: net.uses_dhcp() || net.plans.iter().any(|n| !n.dns.is_empty()),
    }
}

/// Where the root is mounted: the new root, or the overlay's lower layer.
fn root_target(config: &Config) -> String {
    match config.overlay {
        Some(_) => LOWER,
        None => NEW_ROOT,
    }
    .to_string()
}

/// rd.timeout bounds every wait, rd.retry the mount's.
fn mount_retry(config: &Config) -> Duration {
    config.timeout.map_or(config.retry, |t| t.min(config.retry))
}
