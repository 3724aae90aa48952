//! The network part of the plan: `ip=` (or the cluster node's `<eth>` entries) as
//! [`NetPlan`]s, the devices to create first, and the hostname step; and the pure
//! choice of the interface once the NICs are known ([`select_interface`]).

use std::net::IpAddr;
use std::time::Duration;

use super::{Addressing, IfaceSelector, NetPlan, Nic, Node, PlanError};
use crate::cluster::{ClusterNode, EthIp};
use crate::config::Config;
use crate::ip::{AutoMethod, IpConfig, Mac, StaticIp};
use crate::netdev::{self, Netdev};

/// What the plan does to the network.
pub(super) struct Network {
    /// Modules the cluster node's bonds and bridges need.
    pub modules: Vec<String>,
    pub netdevs: Vec<Netdev>,
    pub plans: Vec<NetPlan>,
    /// The hostname step: `Some(Some(name))` a fixed name, `Some(None)` the one DHCP
    /// gives, `None` no step.
    pub hostname: Option<Option<String>>,
}

impl Network {
    pub fn uses_dhcp(&self) -> bool {
        self.plans
            .iter()
            .any(|n| matches!(n.addressing, Addressing::Dhcp { .. }))
    }
}

/// `block_root`: a block root needs no network unless `ip=` (or cluster.conf) asks.
pub(super) fn plan_network(
    config: &Config,
    node: Option<&Node>,
    block_root: bool,
) -> Result<Network, PlanError> {
    let mut netdevs = config.netdevs.clone();
    let mut modules = Vec::new();
    let plans = match node {
        Some(n) if config.ip.is_empty() => {
            let (devs, plans) = cluster_net(config, &n.node);
            if plans.is_empty() {
                return Err(PlanError::NoClusterNetwork {
                    nodeid: n.node.nodeid,
                    name: n.node.name.clone(),
                });
            }
            for d in &devs {
                let m = netdev::module_for(d).to_string();
                if !modules.contains(&m) {
                    modules.push(m);
                }
            }
            netdevs.extend(devs);
            plans
        }
        _ if block_root && config.ip.is_empty() => Vec::new(),
        _ => net_plans(config)?,
    };
    if plans.is_empty() && !block_root {
        return Err(PlanError::NoNetwork);
    }
    let mut net = Network {
        modules,
        netdevs,
        plans,
        hostname: None,
    };
    net.hostname = match (node, static_hostname(config)) {
        (Some(n), _) if config.ip.is_empty() => Some(Some(n.node.name.clone())),
        (_, Some(h)) if config.nodename.is_none() => Some(Some(h)),
        _ if net.uses_dhcp() || node.is_some() => Some(None),
        _ => None,
    };
    Ok(net)
}

/// ip='s `<hostname>` of the first static `ip=`.
pub(super) fn static_hostname(config: &Config) -> Option<String> {
    config.ip.iter().find_map(|ip| match ip {
        IpConfig::Static(s) => s.hostname.clone(),
        _ => None,
    })
}

/// A cluster node's network from its `<eth>` entries: bonds for masters with slaves,
/// bridges for `bridge=` ports, then one [`NetPlan`] per other interface: static with
/// an address, else DHCP (`ip="dhcp"`, or no address and not `onboot="no"`).
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
            // No address is DHCP, as the legacy ifcfg had it (BOOTPROTO=dhcp), unless
            // the NIC is not to be brought up.
            None if !eth.onboot => continue,
            None | Some(EthIp::Dhcp) => dhcp_net_plan(config, Some(&eth.name), eth.mtu, None),
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
