//! The planner: a validated [`Config`] becomes an ordered list of steps.
//!
//! Each step is marked fatal or best-effort, so the executor needs no policy of its
//! own. What can only be known at run time (which NIC has which MAC, whether it has
//! carrier) is left as a declarative selector resolved by [`select_interface`], which is
//! pure too.
//!
//! Not planned yet (and refused with a message saying so): DHCP (`ip=dhcp`, `root=dhcp`,
//! or a network root without `ip=`), NFS servers given by name (needs DNS), block roots.

use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

use crate::config::{BreakPoint, Config};
use crate::ip::{IpConfig, Mac, Route, StaticIp};
use crate::nfs::{nfs_mount, NfsMount, NodeFacts};
use crate::root::{NfsSpec, RootSpec};

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
    ConfigureNetwork(NetPlan),
    SetHostname(String),
    MountNfsRoot {
        mount: NfsMount,
        retry: Duration,
    },
    SwitchRoot(SwitchRoot),
}

/// How to find the interface, once drivers are loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IfaceSelector {
    Name(String),
    Mac(Mac),
    FirstWithCarrier,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetPlan {
    pub select: IfaceSelector,
    /// `ifname=` renames, applied to every NIC before selection.
    pub renames: Vec<(String, Mac)>,
    pub mtu: Option<u32>,
    pub mac: Option<Mac>,
    pub address: IpAddr,
    pub prefix: u8,
    pub gateway: Option<IpAddr>,
    pub routes: Vec<Route>,
    pub dns: Vec<IpAddr>,
    pub carrier_timeout: Duration,
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
    #[error(
        "no root given: use root=nfs:<server>:<path>, root=nfs4:..., or root=/dev/nfs nfsroot=..."
    )]
    NoRoot,
    #[error("{0} is not supported yet (DHCP arrives with the DHCP issue): give a static ip=<client>::<gw>:<netmask>:<hostname>:<iface>:off")]
    NeedsDhcp(String),
    #[error("the root is on NFS but no ip= configures the network: give ip=<client>::<gw>:<netmask>:<hostname>:<iface>:off")]
    NoNetwork,
    #[error("block-device roots ({0}) are not supported yet: osr-rs boots NFS roots")]
    BlockRoot(String),
    #[error(
        "the NFS root {0} names no server and ip= gives no <peer>: write root=nfs:<server>:<path>"
    )]
    NoServer(String),
    #[error("NFS server '{0}' is not an IP address; name resolution is not supported yet: use the server's address")]
    ServerName(String),
    #[error("rootfstype={0} does not fit an NFS root: use nfs or nfs4, or leave it out")]
    RootFsType(String),
    #[error("invalid NFS options for {root}: expected {expected}")]
    NfsOptions { root: String, expected: String },
}

pub fn plan(config: &Config) -> Result<Plan, PlanError> {
    let spec = nfs_spec(config)?;
    let nets = net_plans(config)?;
    if nets.is_empty() {
        return Err(PlanError::NoNetwork);
    }
    let hostname = primary_static(config).and_then(|s| s.hostname.clone());
    let mount = root_mount(config, &spec, primary_static(config), hostname.as_deref())?;
    let fs_modules = if mount.fstype == "nfs4" {
        NFS4_MODULES
    } else {
        NFS3_MODULES
    };

    let mut steps = vec![fatal_if(
        false,
        Action::LoadModules {
            names: config.driver_pre.clone(),
            devices: true,
        },
    )];
    push_break(&mut steps, config, BreakPoint::PreNetwork);
    steps.extend(
        nets.into_iter()
            .map(|n| fatal_if(true, Action::ConfigureNetwork(n))),
    );
    if let Some(h) = hostname {
        steps.push(fatal_if(false, Action::SetHostname(h)));
    }
    steps.push(fatal_if(
        false,
        Action::LoadModules {
            names: fs_modules.iter().map(|s| s.to_string()).collect(),
            devices: false,
        },
    ));
    push_break(&mut steps, config, BreakPoint::PreMount);
    // rd.timeout bounds every wait, rd.retry the mount's.
    let retry = config.timeout.map_or(config.retry, |t| t.min(config.retry));
    steps.push(fatal_if(true, Action::MountNfsRoot { mount, retry }));
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

fn fatal_if(fatal: bool, action: Action) -> Step {
    let on_error = if fatal { OnError::Fatal } else { OnError::Warn };
    Step { action, on_error }
}

fn push_break(steps: &mut Vec<Step>, config: &Config, point: BreakPoint) {
    if config.breaks.contains(&point) {
        steps.push(fatal_if(false, Action::Break(point)));
    }
}

fn nfs_spec(config: &Config) -> Result<NfsSpec, PlanError> {
    match &config.root {
        None => Err(PlanError::NoRoot),
        Some(RootSpec::Nfs(spec)) => Ok(spec.clone()),
        Some(RootSpec::KernelNfs) => Ok(config.nfsroot.clone().unwrap_or_else(|| NfsSpec {
            server: None,
            path: "/tftpboot/%s".to_string(),
            nfs4: false,
            options: Vec::new(),
        })),
        Some(RootSpec::Dhcp) => Err(PlanError::NeedsDhcp("root=dhcp".to_string())),
        Some(RootSpec::Block(dev)) => Err(PlanError::BlockRoot(dev.clone())),
    }
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
            IpConfig::Auto { .. } => return Err(PlanError::NeedsDhcp("ip=dhcp".to_string())),
            IpConfig::Static(s) => plans.push(static_net_plan(config, s)),
        }
    }
    Ok(plans)
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
        address: s.client,
        prefix: s.prefix,
        gateway: s.gateway,
        routes: config.routes.clone(),
        dns,
        carrier_timeout: config
            .timeout
            .map_or(config.carrier_timeout, |t| t.min(config.carrier_timeout)),
    }
}

fn root_mount(
    config: &Config,
    spec: &NfsSpec,
    ip: Option<&StaticIp>,
    hostname: Option<&str>,
) -> Result<NfsMount, PlanError> {
    if let Some(t) = config.rootfstype.as_deref() {
        if t != "nfs" && t != "nfs4" {
            return Err(PlanError::RootFsType(t.to_string()));
        }
    }
    let server = match (&spec.server, ip.and_then(|s| s.peer)) {
        (Some(name), _) => name
            .parse::<IpAddr>()
            .map_err(|_| PlanError::ServerName(name.clone()))?,
        (None, Some(peer)) => peer,
        (None, None) => return Err(PlanError::NoServer(spec.path.clone())),
    };
    let mut spec = spec.clone();
    spec.nfs4 |= config.rootfstype.as_deref() == Some("nfs4");
    let facts = NodeFacts {
        server,
        client: ip.map(|s| s.client),
        node_name: hostname,
        rootflags: &config.rootflags,
        rw: config.rw,
    };
    nfs_mount(&spec, &facts).map_err(|expected| PlanError::NfsOptions {
        root: spec.path.clone(),
        expected,
    })
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
        IfaceSelector::FirstWithCarrier => nics
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
            Action::ConfigureNetwork(n) => {
                write!(
                    f,
                    "network iface={} address={}/{}",
                    n.select, n.address, n.prefix
                )?;
                if let Some(gw) = n.gateway {
                    write!(f, " gateway={gw}")?;
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
                write!(f, " carrier-timeout={}s", n.carrier_timeout.as_secs())
            }
            Action::SetHostname(h) => write!(f, "hostname {h}"),
            Action::MountNfsRoot { mount, retry } => write!(
                f,
                "mount {} on {NEW_ROOT} type={} options={}{} retry-for={}s",
                mount.source,
                mount.fstype,
                if mount.read_only { "ro," } else { "rw," },
                mount.data,
                retry.as_secs()
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
                Action::MountNfsRoot { mount, .. } => Some(mount),
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
                    Action::ConfigureNetwork(_) => "network",
                    Action::SetHostname(_) => "hostname",
                    Action::MountNfsRoot { .. } => "mount",
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
            ("no root", IP.to_string(), "no root given"),
            (
                "dhcp",
                "root=nfs:10.0.2.2:/x ip=dhcp".to_string(),
                "ip=dhcp is not supported yet",
            ),
            (
                "no ip",
                "root=nfs:10.0.2.2:/x".to_string(),
                "no ip= configures",
            ),
            (
                "block",
                format!("root=UUID=abc {IP}"),
                "block-device roots (UUID=abc)",
            ),
            (
                "no server",
                "root=nfs:/x ip=10.0.2.15:::24:::off".to_string(),
                "names no server",
            ),
            (
                "name",
                format!("root=nfs:filer:/x {IP}"),
                "'filer' is not an IP address",
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
}
