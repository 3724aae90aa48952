//! The network hand-over: the files the initramfs leaves in `/run` so that the real
//! root keeps the interface that carries its root file system as it is, instead of
//! tearing it down or running DHCP again from scratch.
//!
//! [`files`] renders them from a [`LinkState`] (what the initramfs configured); the
//! executor writes them. Every path is under `/run`, which is moved into the real root
//! at switch_root, so the files appear at the same paths there:
//! - systemd-networkd: `/run/systemd/network/10-osr-<iface>.network` with
//!   `KeepConfiguration=yes`, plus a `.netdev` for each bond, VLAN and bridge of the
//!   root's stack and a `.network` for each of their slaves, ports and parents, so
//!   networkd does not take them down (systemd#33694);
//! - NetworkManager: a keyfile profile per interface of the stack in
//!   `/run/NetworkManager/system-connections/` and, for each interface whose ifindex is
//!   known, the device-state file `/run/NetworkManager/devices/<ifindex>` naming the
//!   profile to assume (what NetworkManager's own initrd instance leaves);
//! - initramfs-tools' consumers: `/run/net-<iface>.conf` in klibc `ipconfig`'s format,
//!   byte for byte (IPv4 only, as klibc); ifupdown reads nothing of ours, the real
//!   root must leave the interface out of /etc/network/interfaces;
//! - `/run/initramfs/osr-rs.lease`: the DHCP lease as shell `KEY='value'` lines;
//! - `/run/initramfs/resolv.conf` ([`resolv_conf`]).
//!
//! Values from DHCP are untrusted: a hostname, domain, path or bonding option that
//! could break a file (control characters, quotes where they matter, names that are
//! not DNS names) is dropped, and [`HandOver::notes`] says which and why. docs/handover.md
//! explains what each network manager does with these files and what was measured with
//! networkd 252, NetworkManager 1.42 and ifupdown 0.8 in network namespaces.
//! Not done: DHCPv6/SLAAC state (the initramfs does not configure them), team devices.

use std::net::{IpAddr, Ipv4Addr};

use crate::dhcp::Lease;
use crate::ip::{Mac, Route};
use crate::netdev::{Bond, Netdev};

pub const NETWORKD_DIR: &str = "/run/systemd/network";
pub const NM_CONNECTIONS_DIR: &str = "/run/NetworkManager/system-connections";
pub const NM_DEVICES_DIR: &str = "/run/NetworkManager/devices";
pub const LEASE_FILE: &str = "/run/initramfs/osr-rs.lease";
pub const RESOLV_CONF: &str = "/run/initramfs/resolv.conf";
/// glibc's MAXNS; more name servers are ignored by the resolver.
pub const MAX_NAMESERVERS: usize = 3;
/// glibc's MAXDNSRCH before 2.26; older real roots ignore more.
pub const MAX_SEARCH: usize = 6;
/// NetworkManager's "infinity" for `ipv4.dhcp-timeout` (nm-settings(5)).
const NM_DHCP_TIMEOUT_INFINITY: u32 = 2_147_483_647;

const HEADER: &str =
    "# Written by osr-rs in the initramfs: this interface carries the root file system.\n\
# Keep it configured as it is (see osr-rs docs/handover.md).\n";

/// What the initramfs configured on the interface that carries the root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkState {
    /// The interface with the address: a NIC, or the top of `netdevs` ("bond0.100").
    pub iface: String,
    pub mac: Option<Mac>,
    pub address: IpAddr,
    pub prefix: u8,
    pub gateway: Option<IpAddr>,
    /// Extra routes (`rd.route=`); those for other interfaces are left out. The
    /// lease's own routes need not be here: the real root's DHCP client learns them.
    pub routes: Vec<Route>,
    pub dns: Vec<IpAddr>,
    pub search: Vec<String>,
    pub domain: Option<String>,
    pub hostname: Option<String>,
    pub mtu: Option<u32>,
    /// `None`: a static `ip=`.
    pub lease: Option<LeaseInfo>,
    /// The NFS server and export actually mounted.
    pub root_server: Option<IpAddr>,
    pub root_path: Option<String>,
    /// Seconds since boot when the interface was configured (initramfs-tools' UPTIME).
    pub uptime_secs: u64,
    /// The bonds, VLANs and bridges the initramfs built (`bond=`, `vlan=`, `bridge=`);
    /// the root's stack is followed down from `iface` through them.
    pub netdevs: Vec<Netdev>,
    /// Interface name to ifindex, as the executor saw them. NetworkManager's device
    /// state files are keyed by ifindex; an interface missing here gets none.
    pub ifindexes: Vec<(String, u32)>,
}

impl Default for LinkState {
    fn default() -> Self {
        LinkState {
            iface: String::new(),
            mac: None,
            address: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            prefix: 0,
            gateway: None,
            routes: Vec::new(),
            dns: Vec::new(),
            search: Vec::new(),
            domain: None,
            hostname: None,
            mtu: None,
            lease: None,
            root_server: None,
            root_path: None,
            uptime_secs: 0,
            netdevs: Vec::new(),
            ifindexes: Vec::new(),
        }
    }
}

/// A DHCPv4 lease and what the client sent to get it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LeaseInfo {
    pub lease: Lease,
    /// Seconds since boot when the ACK arrived.
    pub obtained_uptime_secs: u64,
    /// Option 61 as sent (type byte first); empty: none was sent.
    pub client_id: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandOverFile {
    pub path: String,
    pub contents: String,
    pub mode: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HandOver {
    pub files: Vec<HandOverFile>,
    /// Values left out and why, for the log.
    pub notes: Vec<String>,
}

/// Every hand-over file for `state`, in a fixed order: networkd, NetworkManager,
/// initramfs-tools, the lease, resolv.conf.
pub fn files(state: &LinkState) -> HandOver {
    let mut notes = Vec::new();
    let s = sanitize(state, &mut notes);
    let mut files = Vec::new();
    match stack(&s, &mut notes) {
        Some(stack) => {
            files.extend(networkd_files(&s, &stack));
            files.extend(nm_files(&s, &stack));
            files.extend(net_conf(&s, &mut notes));
            files.extend(lease_file(&s));
        }
        None => notes.push("no network manager hand-over files: see above".to_string()),
    }
    files.push(file(
        RESOLV_CONF,
        resolv_conf(&s.dns, &s.search, s.domain.as_deref()),
        0o644,
    ));
    HandOver { files, notes }
}

fn file(path: &str, contents: String, mode: u32) -> HandOverFile {
    HandOverFile {
        path: path.to_string(),
        contents,
        mode,
    }
}

// ---------------------------------------------------------------------------------
// Sanitizing

/// A copy of `state` with every value that could break a file removed.
fn sanitize(state: &LinkState, notes: &mut Vec<String>) -> LinkState {
    let mut s = state.clone();
    s.hostname = keep(s.hostname, "hostname", is_hostname, notes);
    s.domain = keep(s.domain, "domain", is_domain, notes);
    s.root_path = keep(s.root_path, "root path", is_text, notes);
    s.search = s
        .search
        .into_iter()
        .filter_map(|d| keep(Some(d), "search domain", is_domain, notes))
        .collect();
    if let Some(info) = s.lease.as_mut() {
        let l = &mut info.lease;
        l.hostname = keep(l.hostname.take(), "DHCP hostname", is_hostname, notes);
        l.domain = keep(l.domain.take(), "DHCP domain", is_domain, notes);
        l.root_path = keep(l.root_path.take(), "DHCP root path", is_text, notes);
        l.tftp_server = keep(l.tftp_server.take(), "DHCP TFTP server", is_text, notes);
        l.bootfile = keep(l.bootfile.take(), "DHCP boot file", is_text, notes);
        l.search = std::mem::take(&mut l.search)
            .into_iter()
            .filter_map(|d| keep(Some(d), "DHCP search domain", is_domain, notes))
            .collect();
        if !s.address.is_ipv4() {
            notes.push("DHCPv4 lease ignored: the root's address is IPv6".to_string());
            s.lease = None;
        }
    }
    s
}

fn keep(
    value: Option<String>,
    what: &str,
    ok: fn(&str) -> Result<(), &'static str>,
    notes: &mut Vec<String>,
) -> Option<String> {
    let v = value?;
    match ok(&v) {
        Ok(()) => Some(v),
        Err(why) => {
            // {:?} escapes control characters: the note stays one line.
            notes.push(format!("{what} {v:?} left out: {why}"));
            None
        }
    }
}

/// Printable ASCII and spaces (paths, file names): no line breaks, no NUL, no escapes.
fn is_text(s: &str) -> Result<(), &'static str> {
    if s.is_empty() || s.len() > 1024 {
        return Err("expected 1 to 1024 characters");
    }
    if s.chars().any(|c| c.is_control()) {
        return Err("contains a control character");
    }
    if !s.chars().all(|c| c.is_ascii_graphic() || c == ' ') {
        return Err("expected printable ASCII");
    }
    Ok(())
}

/// A DNS name (RFC 1035 2.3.1, '_' allowed as in search domains), trailing dot allowed.
fn is_domain(s: &str) -> Result<(), &'static str> {
    is_text(s)?;
    let name = s.strip_suffix('.').unwrap_or(s);
    let ok = name.len() <= 253
        && name.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        });
    if ok {
        Ok(())
    } else {
        Err("expected a DNS name (letters, digits, '-', '_', dots)")
    }
}

/// A host name (RFC 1123 2.1): a DNS name without '_'.
fn is_hostname(s: &str) -> Result<(), &'static str> {
    is_domain(s)?;
    if s.contains('_') || s.ends_with('.') {
        return Err("expected a host name (letters, digits, '-', dots)");
    }
    Ok(())
}

/// Interface names end up in file names and in networkd's `Name=`, which takes
/// globs: only the characters kernel-made and udev names use.
fn is_iface(s: &str) -> bool {
    (1..16).contains(&s.len())
        && s != "."
        && s != ".."
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Bonding option names and values: what the bonding driver's tables hold.
fn is_option(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':' | ',' | '+'))
}

// ---------------------------------------------------------------------------------
// The root's stack

/// How an interface of the stack relates to the one above it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Role {
    /// Carries the address.
    Root,
    BondSlave {
        bond: String,
        primary: bool,
    },
    BridgePort {
        bridge: String,
    },
    /// Parent of this VLAN; may carry other VLANs, has no address of ours.
    VlanParent {
        vlan: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Node<'a> {
    name: String,
    role: Role,
    dev: Option<&'a Netdev>,
}

/// The root interface and everything below it, top first. `None` when a name is not
/// safe to write into files, or the devices loop.
fn stack<'a>(s: &'a LinkState, notes: &mut Vec<String>) -> Option<Vec<Node<'a>>> {
    let mut nodes: Vec<Node<'a>> = Vec::new();
    let mut todo = vec![(s.iface.clone(), Role::Root)];
    while let Some((name, role)) = todo.pop() {
        if !is_iface(&name) {
            notes.push(format!(
                "interface name {name:?} left out: expected 1-15 letters, digits, '-', '_', '.'"
            ));
            return None;
        }
        if nodes.iter().any(|n| n.name == name) {
            notes.push(format!(
                "interface {name} appears twice in the root's stack"
            ));
            return None;
        }
        let dev = s.netdevs.iter().find(|d| d.name() == name);
        let mut lower: Vec<(String, Role)> = match dev {
            Some(Netdev::Bond(b)) => {
                let primary = b
                    .options
                    .iter()
                    .find(|(k, _)| k == "primary")
                    .map(|(_, v)| v.as_str());
                b.slaves
                    .iter()
                    .map(|l| {
                        let role = Role::BondSlave {
                            bond: name.clone(),
                            primary: primary == Some(l.as_str()),
                        };
                        (l.clone(), role)
                    })
                    .collect()
            }
            Some(Netdev::Bridge(b)) => b
                .ports
                .iter()
                .map(|l| {
                    (
                        l.clone(),
                        Role::BridgePort {
                            bridge: name.clone(),
                        },
                    )
                })
                .collect(),
            Some(Netdev::Vlan(v)) => {
                vec![(v.parent.clone(), Role::VlanParent { vlan: name.clone() })]
            }
            None => Vec::new(),
        };
        lower.reverse();
        todo.extend(lower);
        nodes.push(Node { name, role, dev });
    }
    Some(nodes)
}

/// The IPv4 search list: `search`, else the domain.
fn search_list(s: &LinkState) -> Vec<String> {
    if s.search.is_empty() {
        s.domain.iter().cloned().collect()
    } else {
        s.search.clone()
    }
}

fn routes(s: &LinkState) -> impl Iterator<Item = &Route> {
    s.routes
        .iter()
        .filter(|r| r.iface.as_ref().is_none() || r.iface.as_ref() == Some(&s.iface))
}

// ---------------------------------------------------------------------------------
// systemd-networkd

fn networkd_files(s: &LinkState, stack: &[Node]) -> Vec<HandOverFile> {
    let mut out = Vec::new();
    for node in stack {
        if let Some(dev) = node.dev {
            out.push(file(
                &format!("{NETWORKD_DIR}/10-osr-{}.netdev", node.name),
                networkd_netdev(dev),
                0o644,
            ));
        }
        out.push(file(
            &format!("{NETWORKD_DIR}/10-osr-{}.network", node.name),
            networkd_network(s, node),
            0o644,
        ));
    }
    out
}

fn networkd_network(s: &LinkState, node: &Node) -> String {
    // Name= only: a MACAddress= match would also catch the bond's slaves and the
    // VLANs, which share the MAC.
    let mut t = format!("{HEADER}[Match]\nName={}\n", node.name);
    let mtu = match (&node.role, node.dev) {
        (Role::Root, _) => s.mtu,
        (_, Some(Netdev::Bond(b))) => b.mtu,
        _ => None,
    };
    if let Some(mtu) = mtu {
        t.push_str(&format!("\n[Link]\nMTUBytes={mtu}\n"));
    }
    t.push_str("\n[Network]\n");
    match &node.role {
        Role::Root => networkd_root(s, &mut t),
        Role::BondSlave { bond, primary } => {
            t.push_str(&format!("Bond={bond}\n"));
            if *primary {
                t.push_str("PrimarySlave=yes\n");
            }
        }
        Role::BridgePort { bridge } => t.push_str(&format!("Bridge={bridge}\n")),
        Role::VlanParent { vlan } => t.push_str(&format!("VLAN={vlan}\n")),
    }
    if node.role != Role::Root {
        t.push_str("KeepConfiguration=yes\n");
    }
    t
}

fn networkd_root(s: &LinkState, t: &mut String) {
    match &s.lease {
        Some(_) => t.push_str("DHCP=ipv4\n"),
        None => {
            t.push_str(&format!("Address={}/{}\n", s.address, s.prefix));
            if let Some(gw) = s.gateway {
                t.push_str(&format!("Gateway={gw}\n"));
            }
        }
    }
    // yes = static + dhcp: networkd (>= 243) keeps the addresses and routes it finds
    // when it starts, and never drops DHCP ones, not even when the lease expires or it
    // stops. networkd 252 defaults to yes itself when / is on NFS; saying it covers
    // the other network file systems. CriticalConnection= is the pre-243 spelling,
    // deprecated: not written.
    t.push_str("KeepConfiguration=yes\n");
    for dns in &s.dns {
        t.push_str(&format!("DNS={dns}\n"));
    }
    let search = search_list(s);
    if !search.is_empty() {
        t.push_str(&format!("Domains={}\n", search.join(" ")));
    }
    if let Some(info) = &s.lease {
        t.push_str("\n[DHCPv4]\n");
        t.push_str(&networkd_client_id(s.mac, &info.client_id));
        if let Some(h) = &s.hostname {
            t.push_str(&format!("Hostname={h}\n"));
        }
        // A RELEASE when networkd stops would let the server give the root's
        // address to another node.
        t.push_str("SendRelease=no\n");
    }
    for r in routes(s) {
        t.push_str(&format!("\n[Route]\nDestination={}/{}\n", r.dest, r.prefix));
        if let Some(gw) = r.gateway {
            t.push_str(&format!("Gateway={gw}\n"));
        }
    }
}

/// networkd 252 can send the MAC (type 1) or a DUID as client id, nothing else.
fn networkd_client_id(mac: Option<Mac>, sent: &[u8]) -> String {
    let mac_id = mac.map(|m| [&[1u8][..], &m.0[..]].concat());
    if sent.is_empty() {
        "# The initramfs sent no client id: the server knows this node by its MAC.\n\
         ClientIdentifier=mac\n"
            .to_string()
    } else if mac_id.as_deref() == Some(sent) {
        "ClientIdentifier=mac\n".to_string()
    } else {
        format!(
            "# The initramfs sent client id {}, which networkd cannot send: the server\n\
             # may see a new client. KeepConfiguration=yes keeps the old address.\n",
            hex(sent)
        )
    }
}

fn networkd_netdev(dev: &Netdev) -> String {
    // networkd adopts a device that exists without changing it; the settings matter
    // only if it has to create the device again.
    let mut t = format!("{HEADER}[NetDev]\nName={}\n", dev.name());
    match dev {
        Netdev::Bond(b) => {
            t.push_str("Kind=bond\n\n[Bond]\n");
            for (key, value) in networkd_bond_options(b) {
                t.push_str(&format!("{key}={value}\n"));
            }
        }
        Netdev::Vlan(v) => t.push_str(&format!("Kind=vlan\n\n[VLAN]\nId={}\n", v.id)),
        Netdev::Bridge(_) => t.push_str("Kind=bridge\n"),
    }
    t
}

/// The bonding driver's option names (sysfs) as systemd.netdev(5) [Bond] keys.
fn networkd_bond_options(b: &Bond) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    for (name, value) in &b.options {
        if !is_option(value) {
            continue;
        }
        let ms = || format!("{value}ms");
        let (key, v) = match name.as_str() {
            "mode" => {
                let named = value
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| crate::netdev::BOND_MODES.get(i).map(|m| m.to_string()));
                ("Mode", named.unwrap_or_else(|| value.clone()))
            }
            "miimon" => ("MIIMonitorSec", ms()),
            "updelay" => ("UpDelaySec", ms()),
            "downdelay" => ("DownDelaySec", ms()),
            "arp_interval" => ("ARPIntervalSec", ms()),
            "arp_ip_target" => ("ARPIPTargets", value.replace(',', " ")),
            "lacp_rate" => ("LACPTransmitRate", value.clone()),
            "xmit_hash_policy" => ("TransmitHashPolicy", value.clone()),
            "ad_select" => ("AdSelect", value.clone()),
            "arp_validate" => ("ARPValidate", value.clone()),
            "arp_all_targets" => ("ARPAllTargets", value.clone()),
            "primary_reselect" => ("PrimaryReselectPolicy", value.clone()),
            "fail_over_mac" => ("FailOverMACPolicy", value.clone()),
            "resend_igmp" => ("ResendIGMP", value.clone()),
            "num_grat_arp" | "num_unsol_na" => ("GratuitousARP", value.clone()),
            "all_slaves_active" => ("AllSlavesActive", value.clone()),
            "min_links" => ("MinLinks", value.clone()),
            "packets_per_slave" => ("PacketsPerSlave", value.clone()),
            "lp_interval" => ("LearnPacketIntervalSec", value.clone()),
            "ad_actor_sys_prio" => ("AdActorSystemPriority", value.clone()),
            "ad_user_port_key" => ("AdUserPortKey", value.clone()),
            "ad_actor_system" => ("AdActorSystem", value.replace('-', ":")),
            // primary: PrimarySlave= in the slave's .network. Others (ns_ip6_target,
            // tlb_dynamic_lb, ...) have no key in networkd 252; the driver keeps them.
            _ => continue,
        };
        out.push((key, v));
    }
    out
}

// ---------------------------------------------------------------------------------
// NetworkManager

fn nm_files(s: &LinkState, stack: &[Node]) -> Vec<HandOverFile> {
    let mut out = Vec::new();
    for node in stack {
        out.push(file(
            &format!("{NM_CONNECTIONS_DIR}/osr-{}.nmconnection", node.name),
            nm_profile(s, node),
            // NetworkManager ignores keyfiles that others can read.
            0o600,
        ));
    }
    for node in stack {
        if let Some((_, ifindex)) = s.ifindexes.iter().find(|(n, _)| *n == node.name) {
            // What NetworkManager's initrd instance leaves at exit
            // (nm_config_device_state_write): the restarted daemon assumes the
            // connection named here without touching the device.
            let contents = format!(
                "[device]\nmanaged=true\nconnection-uuid={}\n",
                nm_uuid(&node.name)
            );
            out.push(file(
                &format!("{NM_DEVICES_DIR}/{ifindex}"),
                contents,
                0o644,
            ));
        }
    }
    out
}

fn nm_profile(s: &LinkState, node: &Node) -> String {
    let kind = match node.dev {
        Some(Netdev::Bond(_)) => "bond",
        Some(Netdev::Vlan(_)) => "vlan",
        Some(Netdev::Bridge(_)) => "bridge",
        None => "ethernet",
    };
    let mut t = format!(
        "{HEADER}[connection]\nid=osr-{name}\nuuid={uuid}\ntype={kind}\ninterface-name={name}\n",
        name = node.name,
        uuid = nm_uuid(&node.name),
    );
    match &node.role {
        Role::BondSlave { bond: m, .. } => {
            t.push_str(&format!("master={}\nslave-type=bond\n", nm_uuid(m)));
        }
        Role::BridgePort { bridge: m } => {
            t.push_str(&format!("master={}\nslave-type=bridge\n", nm_uuid(m)));
        }
        Role::Root | Role::VlanParent { .. } => {}
    }
    match node.dev {
        None if node.role == Role::Root => {
            let mut eth = String::new();
            if let Some(mac) = s.mac {
                eth.push_str(&format!("mac-address={}\n", mac.to_string().to_uppercase()));
            }
            if let Some(mtu) = s.mtu {
                eth.push_str(&format!("mtu={mtu}\n"));
            }
            if !eth.is_empty() {
                t.push_str(&format!("\n[ethernet]\n{eth}"));
            }
        }
        Some(Netdev::Bond(b)) => {
            t.push_str("\n[bond]\n");
            // NetworkManager takes the driver's own option names.
            for (k, v) in b
                .options
                .iter()
                .filter(|(k, v)| is_option(k) && is_option(v))
            {
                t.push_str(&format!("{k}={v}\n"));
            }
        }
        Some(Netdev::Vlan(v)) => {
            t.push_str(&format!("\n[vlan]\nid={}\nparent={}\n", v.id, v.parent));
        }
        // NetworkManager's documented default is STP on; the kernel, which made this bridge,
        // leaves it off. Switching it on would stop forwarding for ~30 s.
        Some(Netdev::Bridge(_)) => t.push_str("\n[bridge]\nstp=false\n"),
        None => {}
    }
    match node.role {
        Role::Root => t.push_str(&nm_ip(s)),
        Role::VlanParent { .. } => {
            t.push_str("\n[ipv4]\nmethod=disabled\n\n[ipv6]\nmethod=ignore\n");
        }
        // Ports have no IP settings of their own.
        Role::BondSlave { .. } | Role::BridgePort { .. } => {}
    }
    t
}

fn nm_ip(s: &LinkState) -> String {
    let v4 = s.address.is_ipv4();
    let family = |ip: &IpAddr| ip.is_ipv4() == v4;
    let mut ip = String::new();
    match &s.lease {
        Some(info) => {
            ip.push_str("method=auto\n");
            let id = if info.client_id.is_empty() {
                "mac".to_string()
            } else {
                hex(&info.client_id)
            };
            ip.push_str(&format!("dhcp-client-id={id}\n"));
            if let Some(h) = &s.hostname {
                ip.push_str(&format!("dhcp-hostname={h}\n"));
            }
            // Never give up on the lease: the root is on this interface.
            ip.push_str(&format!("dhcp-timeout={NM_DHCP_TIMEOUT_INFINITY}\n"));
        }
        None => {
            ip.push_str("method=manual\n");
            let gw = s.gateway.filter(family).map(|g| format!(",{g}"));
            ip.push_str(&format!(
                "address1={}/{}{}\n",
                s.address,
                s.prefix,
                gw.unwrap_or_default()
            ));
        }
    }
    let dns: Vec<String> = s
        .dns
        .iter()
        .filter(|d| family(d))
        .map(|d| format!("{d};"))
        .collect();
    if !dns.is_empty() {
        ip.push_str(&format!("dns={}\n", dns.concat()));
    }
    let search = search_list(s);
    if !search.is_empty() {
        ip.push_str(&format!("dns-search={};\n", search.join(";")));
    }
    for (i, r) in routes(s).filter(|r| family(&r.dest)).enumerate() {
        let gw = r.gateway.map(|g| format!(",{g}")).unwrap_or_default();
        ip.push_str(&format!("route{}={}/{}{gw}\n", i + 1, r.dest, r.prefix));
    }
    ip.push_str("may-fail=false\n");
    if v4 {
        // ignore: NetworkManager leaves IPv6 on this link as it finds it.
        format!("\n[ipv4]\n{ip}\n[ipv6]\nmethod=ignore\n")
    } else {
        format!("\n[ipv4]\nmethod=disabled\n\n[ipv6]\n{ip}")
    }
}

/// A stable UUID for the profile of `iface`, formatted as a random (v4) one: two
/// FNV-1a hashes of the name, version and variant bits set (RFC 4122 4.4).
pub fn nm_uuid(iface: &str) -> String {
    let fnv = |seed: &str| {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in seed.bytes().chain([0]).chain(iface.bytes()) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        h
    };
    let hi = fnv("osr-rs hand-over 1").to_be_bytes();
    let lo = fnv("osr-rs hand-over 2").to_be_bytes();
    let mut b: [u8; 16] = [0; 16];
    for (dst, src) in b.iter_mut().zip(hi.iter().chain(lo.iter())) {
        *dst = *src;
    }
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    let part = |r: std::ops::Range<usize>| h.get(r).unwrap_or_default().to_string();
    format!(
        "{}-{}-{}-{}-{}",
        part(0..8),
        part(8..12),
        part(12..16),
        part(16..20),
        part(20..32)
    )
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

// ---------------------------------------------------------------------------------
// initramfs-tools, the lease, resolv.conf

/// `/run/net-<iface>.conf` as klibc's ipconfig writes it (dump_device_config): every
/// key, in its order, unknown addresses as 0.0.0.0. ROOTSERVER and ROOTPATH are the
/// NFS server and export mounted (ipconfig writes siaddr and option 17 there).
fn net_conf(s: &LinkState, notes: &mut Vec<String>) -> Option<HandOverFile> {
    let IpAddr::V4(addr) = s.address else {
        notes.push(format!(
            "/run/net-{}.conf not written: klibc's format is IPv4 only",
            s.iface
        ));
        return None;
    };
    let mask = netmask(s.prefix);
    let lease = s.lease.as_ref().map(|i| &i.lease);
    let broadcast = lease
        .and_then(|l| l.broadcast)
        .unwrap_or_else(|| Ipv4Addr::from(u32::from(addr) | !u32::from(mask)));
    let v4 = |ip: Option<IpAddr>| match ip {
        Some(IpAddr::V4(a)) => a,
        _ => Ipv4Addr::UNSPECIFIED,
    };
    let mut dns4 = s.dns.iter().filter(|d| d.is_ipv4()).copied();
    let search: Vec<String> = s
        .search
        .iter()
        .map(|d| {
            if d.ends_with('.') {
                d.clone()
            } else {
                format!("{d}.")
            }
        })
        .collect();
    let fields: [(&str, String); 17] = [
        ("DEVICE", s.iface.clone()),
        (
            "PROTO",
            if lease.is_some() { "dhcp" } else { "none" }.to_string(),
        ),
        ("IPV4ADDR", addr.to_string()),
        ("IPV4BROADCAST", broadcast.to_string()),
        ("IPV4NETMASK", mask.to_string()),
        ("IPV4GATEWAY", v4(s.gateway).to_string()),
        ("IPV4DNS0", v4(dns4.next()).to_string()),
        ("IPV4DNS1", v4(dns4.next()).to_string()),
        ("HOSTNAME", s.hostname.clone().unwrap_or_default()),
        ("DNSDOMAIN", s.domain.clone().unwrap_or_default()),
        ("NISDOMAIN", String::new()),
        ("ROOTSERVER", v4(s.root_server).to_string()),
        ("ROOTPATH", s.root_path.clone().unwrap_or_default()),
        (
            "filename",
            lease.and_then(|l| l.bootfile.clone()).unwrap_or_default(),
        ),
        ("UPTIME", s.uptime_secs.to_string()),
        (
            "DHCPLEASETIME",
            lease.and_then(|l| l.lease_secs).unwrap_or(0).to_string(),
        ),
        ("DOMAINSEARCH", search.join(" ")),
    ];
    let contents: String = fields.iter().map(|(k, v)| shell_line(k, v)).collect();
    Some(file(&format!("/run/net-{}.conf", s.iface), contents, 0o644))
}

/// The lease, all we know of it, as `OSR_LEASE_<KEY>='value'` lines.
fn lease_file(s: &LinkState) -> Option<HandOverFile> {
    let info = s.lease.as_ref()?;
    let mut t = String::from(
        "# The DHCP lease osr-rs took in the initramfs. Times are seconds since boot.\n",
    );
    t.push_str(&shell_line("OSR_LEASE_IFACE", &s.iface));
    if let Some(mac) = s.mac {
        t.push_str(&shell_line("OSR_LEASE_MAC", &mac.to_string()));
    }
    for (key, value) in info.lease.fields() {
        t.push_str(&shell_line(&format!("OSR_LEASE_{key}"), &value));
    }
    if !info.client_id.is_empty() {
        t.push_str(&shell_line("OSR_LEASE_CLIENT_ID", &hex(&info.client_id)));
    }
    let obtained = info.obtained_uptime_secs;
    t.push_str(&shell_line(
        "OSR_LEASE_OBTAINED_UPTIME",
        &obtained.to_string(),
    ));
    // RFC 2132 9.2: 0xffffffff is an infinite lease.
    let expires = match info.lease.lease_secs {
        Some(secs) if secs != u32::MAX => obtained.saturating_add(u64::from(secs)).to_string(),
        _ => "never".to_string(),
    };
    t.push_str(&shell_line("OSR_LEASE_EXPIRES_UPTIME", &expires));
    Some(file(LEASE_FILE, t, 0o644))
}

/// `resolv.conf(5)` for the real root: at most [`MAX_NAMESERVERS`] name servers and
/// [`MAX_SEARCH`] search domains (glibc ignores more); `domain` when there is no
/// search list. Names that are not DNS names are left out.
pub fn resolv_conf(dns: &[IpAddr], search: &[String], domain: Option<&str>) -> String {
    let mut t = String::from("# Written by osr-rs in the initramfs.\n");
    for ns in dns.iter().take(MAX_NAMESERVERS) {
        t.push_str(&format!("nameserver {ns}\n"));
    }
    if dns.len() > MAX_NAMESERVERS {
        t.push_str(&format!(
            "# {} more name servers left out: the resolver uses {MAX_NAMESERVERS}\n",
            dns.len() - MAX_NAMESERVERS
        ));
    }
    let wanted: Vec<&str> = if search.is_empty() {
        domain.into_iter().collect()
    } else {
        search.iter().map(String::as_str).collect()
    };
    let valid: Vec<&str> = wanted
        .iter()
        .copied()
        .filter(|d| is_domain(d).is_ok())
        .collect();
    if valid.len() < wanted.len() {
        t.push_str(&format!(
            "# {} search domains left out: not DNS names\n",
            wanted.len() - valid.len()
        ));
    }
    if !valid.is_empty() {
        let kept: Vec<&str> = valid.iter().copied().take(MAX_SEARCH).collect();
        t.push_str(&format!("search {}\n", kept.join(" ")));
    }
    if valid.len() > MAX_SEARCH {
        t.push_str(&format!(
            "# {} more search domains left out: older resolvers use {MAX_SEARCH}\n",
            valid.len() - MAX_SEARCH
        ));
    }
    t
}

/// `KEY='value'` as klibc's write_option quotes it: `'` and `!` closed out of the
/// quotes and backslash-escaped.
fn shell_line(key: &str, value: &str) -> String {
    let mut v = String::new();
    for c in value.chars() {
        match c {
            '\'' | '!' => {
                v.push_str("'\\");
                v.push(c);
                v.push('\'');
            }
            c if c.is_control() => {}
            c => v.push(c),
        }
    }
    format!("{key}='{v}'\n")
}

fn netmask(prefix: u8) -> Ipv4Addr {
    let p = u32::from(prefix.min(32));
    Ipv4Addr::from(u32::MAX.checked_shl(32 - p).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::netdev::{Bridge, Vlan};

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn v4(s: &str) -> Ipv4Addr {
        s.parse().unwrap()
    }

    fn mac(s: &str) -> Mac {
        s.parse().unwrap()
    }

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    fn get<'a>(h: &'a HandOver, path: &str) -> &'a str {
        let found = h.files.iter().find(|f| f.path == path);
        &found
            .unwrap_or_else(|| panic!("no {path} in {:?}", paths(h)))
            .contents
    }

    fn paths(h: &HandOver) -> Vec<&str> {
        h.files.iter().map(|f| f.path.as_str()).collect()
    }

    fn mode(h: &HandOver, path: &str) -> u32 {
        h.files.iter().find(|f| f.path == path).unwrap().mode
    }

    /// Nothing but printable text and line ends in any file.
    fn assert_clean(h: &HandOver) {
        for f in &h.files {
            let bad = f.contents.chars().find(|c| c.is_control() && *c != '\n');
            assert_eq!(bad, None, "{}: {:?}", f.path, f.contents);
        }
    }

    const ETH0_UUID: &str = "9310c02c-6a31-4591-96fd-eecb761bf742";

    fn dhcp_plain() -> LinkState {
        let m = mac("52:54:00:12:34:56");
        LinkState {
            iface: "eth0".into(),
            mac: Some(m),
            address: ip("10.0.2.15"),
            prefix: 24,
            gateway: Some(ip("10.0.2.2")),
            dns: vec![ip("10.0.2.3"), ip("10.0.2.4")],
            search: strings(&["lab.example", "example.org"]),
            domain: Some("lab.example".into()),
            hostname: Some("node1".into()),
            mtu: Some(9000),
            lease: Some(LeaseInfo {
                lease: Lease {
                    address: v4("10.0.2.15"),
                    prefix: 24,
                    router: Some(v4("10.0.2.2")),
                    dns: vec![v4("10.0.2.3"), v4("10.0.2.4")],
                    hostname: Some("node1".into()),
                    domain: Some("lab.example".into()),
                    search: strings(&["lab.example", "example.org"]),
                    root_path: Some("10.0.2.2:/export/root".into()),
                    mtu: Some(9000),
                    lease_secs: Some(600),
                    server_id: v4("10.0.2.2"),
                    next_server: Some(v4("10.0.2.9")),
                    bootfile: Some("pxelinux.0".into()),
                    ..Lease::default()
                },
                obtained_uptime_secs: 5,
                client_id: [&[1u8][..], &m.0[..]].concat(),
            }),
            root_server: Some(ip("10.0.2.2")),
            root_path: Some("/export/root".into()),
            uptime_secs: 7,
            ifindexes: vec![("eth0".into(), 2)],
            ..LinkState::default()
        }
    }

    #[test]
    fn dhcp_on_a_plain_nic() {
        let h = files(&dhcp_plain());
        assert_eq!(h.notes, Vec::<String>::new());
        assert_eq!(
            paths(&h),
            [
                "/run/systemd/network/10-osr-eth0.network",
                "/run/NetworkManager/system-connections/osr-eth0.nmconnection",
                "/run/NetworkManager/devices/2",
                "/run/net-eth0.conf",
                "/run/initramfs/osr-rs.lease",
                "/run/initramfs/resolv.conf",
            ]
        );
        assert_eq!(
            get(&h, "/run/systemd/network/10-osr-eth0.network"),
            format!(
                "{HEADER}[Match]\nName=eth0\n\n[Link]\nMTUBytes=9000\n\n[Network]\nDHCP=ipv4\n\
                 KeepConfiguration=yes\nDNS=10.0.2.3\nDNS=10.0.2.4\nDomains=lab.example example.org\n\n\
                 [DHCPv4]\nClientIdentifier=mac\nHostname=node1\nSendRelease=no\n"
            )
        );
        let profile = "/run/NetworkManager/system-connections/osr-eth0.nmconnection";
        assert_eq!(
            get(&h, profile),
            format!(
                "{HEADER}[connection]\nid=osr-eth0\nuuid={ETH0_UUID}\ntype=ethernet\ninterface-name=eth0\n\n\
                 [ethernet]\nmac-address=52:54:00:12:34:56\nmtu=9000\n\n\
                 [ipv4]\nmethod=auto\ndhcp-client-id=01:52:54:00:12:34:56\ndhcp-hostname=node1\n\
                 dhcp-timeout=2147483647\ndns=10.0.2.3;10.0.2.4;\ndns-search=lab.example;example.org;\n\
                 may-fail=false\n\n[ipv6]\nmethod=ignore\n"
            )
        );
        assert_eq!(mode(&h, profile), 0o600);
        assert_eq!(
            get(&h, "/run/NetworkManager/devices/2"),
            format!("[device]\nmanaged=true\nconnection-uuid={ETH0_UUID}\n")
        );
        assert_eq!(
            get(&h, "/run/net-eth0.conf"),
            "DEVICE='eth0'\nPROTO='dhcp'\nIPV4ADDR='10.0.2.15'\nIPV4BROADCAST='10.0.2.255'\n\
             IPV4NETMASK='255.255.255.0'\nIPV4GATEWAY='10.0.2.2'\nIPV4DNS0='10.0.2.3'\n\
             IPV4DNS1='10.0.2.4'\nHOSTNAME='node1'\nDNSDOMAIN='lab.example'\nNISDOMAIN=''\n\
             ROOTSERVER='10.0.2.2'\nROOTPATH='/export/root'\nfilename='pxelinux.0'\nUPTIME='7'\n\
             DHCPLEASETIME='600'\nDOMAINSEARCH='lab.example. example.org.'\n"
        );
        assert_eq!(
            get(&h, LEASE_FILE),
            "# The DHCP lease osr-rs took in the initramfs. Times are seconds since boot.\n\
             OSR_LEASE_IFACE='eth0'\nOSR_LEASE_MAC='52:54:00:12:34:56'\n\
             OSR_LEASE_ADDRESS='10.0.2.15'\nOSR_LEASE_PREFIX='24'\nOSR_LEASE_ROUTER='10.0.2.2'\n\
             OSR_LEASE_DNS='10.0.2.3 10.0.2.4'\nOSR_LEASE_HOSTNAME='node1'\n\
             OSR_LEASE_DOMAIN='lab.example'\nOSR_LEASE_SEARCH='lab.example example.org'\n\
             OSR_LEASE_ROOT_PATH='10.0.2.2:/export/root'\nOSR_LEASE_MTU='9000'\n\
             OSR_LEASE_LEASE_SECS='600'\nOSR_LEASE_NEXT_SERVER='10.0.2.9'\n\
             OSR_LEASE_BOOTFILE='pxelinux.0'\nOSR_LEASE_SERVER_ID='10.0.2.2'\n\
             OSR_LEASE_CLIENT_ID='01:52:54:00:12:34:56'\nOSR_LEASE_OBTAINED_UPTIME='5'\n\
             OSR_LEASE_EXPIRES_UPTIME='605'\n"
        );
        assert_eq!(
            get(&h, RESOLV_CONF),
            "# Written by osr-rs in the initramfs.\nnameserver 10.0.2.3\nnameserver 10.0.2.4\n\
             search lab.example example.org\n"
        );
        assert_clean(&h);
    }

    #[test]
    fn static_ip_with_routes() {
        let state = LinkState {
            iface: "eth0".into(),
            mac: Some(mac("52:54:00:12:34:56")),
            address: ip("192.168.1.10"),
            prefix: 16,
            gateway: Some(ip("192.168.1.1")),
            routes: vec![
                Route {
                    dest: ip("10.9.0.0"),
                    prefix: 16,
                    gateway: Some(ip("192.168.1.254")),
                    iface: None,
                },
                Route {
                    dest: ip("10.8.0.0"),
                    prefix: 16,
                    gateway: Some(ip("172.16.0.1")),
                    iface: Some("eth1".into()),
                },
                Route {
                    dest: ip("10.7.0.0"),
                    prefix: 16,
                    gateway: None,
                    iface: Some("eth0".into()),
                },
            ],
            dns: vec![ip("192.168.1.1"), ip("fd00::53")],
            domain: Some("cluster.local".into()),
            hostname: Some("node7".into()),
            root_server: Some(ip("192.168.1.1")),
            root_path: Some("/srv/nfsroot".into()),
            uptime_secs: 3,
            ..LinkState::default()
        };
        let h = files(&state);
        assert_eq!(h.notes, Vec::<String>::new());
        assert_eq!(
            paths(&h),
            [
                "/run/systemd/network/10-osr-eth0.network",
                "/run/NetworkManager/system-connections/osr-eth0.nmconnection",
                "/run/net-eth0.conf",
                "/run/initramfs/resolv.conf",
            ]
        );
        assert_eq!(
            get(&h, "/run/systemd/network/10-osr-eth0.network"),
            format!(
                "{HEADER}[Match]\nName=eth0\n\n[Network]\nAddress=192.168.1.10/16\nGateway=192.168.1.1\n\
                 KeepConfiguration=yes\nDNS=192.168.1.1\nDNS=fd00::53\nDomains=cluster.local\n\n\
                 [Route]\nDestination=10.9.0.0/16\nGateway=192.168.1.254\n\n\
                 [Route]\nDestination=10.7.0.0/16\n"
            )
        );
        assert_eq!(
            get(&h, "/run/NetworkManager/system-connections/osr-eth0.nmconnection"),
            format!(
                "{HEADER}[connection]\nid=osr-eth0\nuuid={ETH0_UUID}\ntype=ethernet\ninterface-name=eth0\n\n\
                 [ethernet]\nmac-address=52:54:00:12:34:56\n\n\
                 [ipv4]\nmethod=manual\naddress1=192.168.1.10/16,192.168.1.1\ndns=192.168.1.1;\n\
                 dns-search=cluster.local;\nroute1=10.9.0.0/16,192.168.1.254\nroute2=10.7.0.0/16\n\
                 may-fail=false\n\n[ipv6]\nmethod=ignore\n"
            )
        );
        assert_eq!(
            get(&h, "/run/net-eth0.conf"),
            "DEVICE='eth0'\nPROTO='none'\nIPV4ADDR='192.168.1.10'\nIPV4BROADCAST='192.168.255.255'\n\
             IPV4NETMASK='255.255.0.0'\nIPV4GATEWAY='192.168.1.1'\nIPV4DNS0='192.168.1.1'\n\
             IPV4DNS1='0.0.0.0'\nHOSTNAME='node7'\nDNSDOMAIN='cluster.local'\nNISDOMAIN=''\n\
             ROOTSERVER='192.168.1.1'\nROOTPATH='/srv/nfsroot'\nfilename=''\nUPTIME='3'\n\
             DHCPLEASETIME='0'\nDOMAINSEARCH=''\n"
        );
        assert_eq!(
            get(&h, RESOLV_CONF),
            "# Written by osr-rs in the initramfs.\nnameserver 192.168.1.1\nnameserver fd00::53\n\
             search cluster.local\n"
        );
        assert_clean(&h);
    }

    #[test]
    fn bond_with_two_slaves() {
        let opts = [
            ("mode", "active-backup"),
            ("miimon", "100"),
            ("primary", "eth0"),
            ("num_grat_arp", "3"),
            ("peer_notif_delay", "200"),
        ];
        let state = LinkState {
            iface: "bond0".into(),
            address: ip("10.1.0.5"),
            prefix: 24,
            gateway: Some(ip("10.1.0.1")),
            mtu: Some(9000),
            netdevs: vec![Netdev::Bond(Bond {
                name: "bond0".into(),
                slaves: strings(&["eth0", "eth1"]),
                options: opts
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                mtu: Some(9000),
            })],
            ifindexes: vec![("eth1".into(), 3), ("bond0".into(), 4), ("eth0".into(), 2)],
            ..LinkState::default()
        };
        let h = files(&state);
        assert_eq!(h.notes, Vec::<String>::new());
        assert_eq!(
            paths(&h),
            [
                "/run/systemd/network/10-osr-bond0.netdev",
                "/run/systemd/network/10-osr-bond0.network",
                "/run/systemd/network/10-osr-eth0.network",
                "/run/systemd/network/10-osr-eth1.network",
                "/run/NetworkManager/system-connections/osr-bond0.nmconnection",
                "/run/NetworkManager/system-connections/osr-eth0.nmconnection",
                "/run/NetworkManager/system-connections/osr-eth1.nmconnection",
                "/run/NetworkManager/devices/4",
                "/run/NetworkManager/devices/2",
                "/run/NetworkManager/devices/3",
                "/run/net-bond0.conf",
                "/run/initramfs/resolv.conf",
            ]
        );
        let nd = |f: &str| format!("/run/systemd/network/10-osr-{f}");
        assert_eq!(
            get(&h, &nd("bond0.netdev")),
            format!(
                "{HEADER}[NetDev]\nName=bond0\nKind=bond\n\n[Bond]\nMode=active-backup\n\
                 MIIMonitorSec=100ms\nGratuitousARP=3\n"
            )
        );
        assert_eq!(
            get(&h, &nd("bond0.network")),
            format!(
                "{HEADER}[Match]\nName=bond0\n\n[Link]\nMTUBytes=9000\n\n[Network]\n\
                 Address=10.1.0.5/24\nGateway=10.1.0.1\nKeepConfiguration=yes\n"
            )
        );
        assert_eq!(
            get(&h, &nd("eth0.network")),
            format!(
                "{HEADER}[Match]\nName=eth0\n\n[Network]\nBond=bond0\nPrimarySlave=yes\n\
                 KeepConfiguration=yes\n"
            )
        );
        assert_eq!(
            get(&h, &nd("eth1.network")),
            format!("{HEADER}[Match]\nName=eth1\n\n[Network]\nBond=bond0\nKeepConfiguration=yes\n")
        );
        let bond_uuid = nm_uuid("bond0");
        let nm = |f: &str| format!("/run/NetworkManager/system-connections/osr-{f}.nmconnection");
        assert_eq!(
            get(&h, &nm("bond0")),
            format!(
                "{HEADER}[connection]\nid=osr-bond0\nuuid={bond_uuid}\ntype=bond\ninterface-name=bond0\n\n\
                 [bond]\nmode=active-backup\nmiimon=100\nprimary=eth0\nnum_grat_arp=3\n\
                 peer_notif_delay=200\n\n\
                 [ipv4]\nmethod=manual\naddress1=10.1.0.5/24,10.1.0.1\nmay-fail=false\n\n\
                 [ipv6]\nmethod=ignore\n"
            )
        );
        assert_eq!(
            get(&h, &nm("eth1")),
            format!(
                "{HEADER}[connection]\nid=osr-eth1\nuuid={}\ntype=ethernet\ninterface-name=eth1\n\
                 master={bond_uuid}\nslave-type=bond\n",
                nm_uuid("eth1")
            )
        );
        assert_eq!(
            get(&h, "/run/NetworkManager/devices/4"),
            format!("[device]\nmanaged=true\nconnection-uuid={bond_uuid}\n")
        );
        assert_eq!(
            get(&h, "/run/NetworkManager/devices/2"),
            format!("[device]\nmanaged=true\nconnection-uuid={ETH0_UUID}\n")
        );
        assert!(get(&h, "/run/net-bond0.conf").starts_with("DEVICE='bond0'\nPROTO='none'\n"));
        assert_clean(&h);
    }

    #[test]
    fn vlan_on_a_bond_with_dhcp() {
        let opts = [
            ("mode", "4"),
            ("lacp_rate", "fast"),
            ("xmit_hash_policy", "layer3+4"),
            ("miimon", "100"),
        ];
        let state = LinkState {
            iface: "bond0.100".into(),
            mac: Some(mac("52:54:00:aa:bb:cc")),
            address: ip("10.100.0.20"),
            prefix: 24,
            gateway: Some(ip("10.100.0.1")),
            lease: Some(LeaseInfo {
                lease: Lease {
                    lease_secs: Some(u32::MAX),
                    ..Lease::default()
                },
                obtained_uptime_secs: 9,
                client_id: Vec::new(),
            }),
            netdevs: vec![
                Netdev::Vlan(Vlan {
                    name: "bond0.100".into(),
                    parent: "bond0".into(),
                    id: 100,
                }),
                Netdev::Bond(Bond {
                    name: "bond0".into(),
                    slaves: strings(&["eth0", "eth1"]),
                    options: opts
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect(),
                    mtu: None,
                }),
            ],
            ..LinkState::default()
        };
        let h = files(&state);
        assert_eq!(h.notes, Vec::<String>::new());
        let nd = |f: &str| format!("/run/systemd/network/10-osr-{f}");
        let nm = |f: &str| format!("/run/NetworkManager/system-connections/osr-{f}.nmconnection");
        assert_eq!(
            paths(&h),
            [
                nd("bond0.100.netdev"),
                nd("bond0.100.network"),
                nd("bond0.netdev"),
                nd("bond0.network"),
                nd("eth0.network"),
                nd("eth1.network"),
                nm("bond0.100"),
                nm("bond0"),
                nm("eth0"),
                nm("eth1"),
                "/run/net-bond0.100.conf".into(),
                LEASE_FILE.into(),
                RESOLV_CONF.into(),
            ]
        );
        assert_eq!(
            get(&h, &nd("bond0.100.netdev")),
            format!("{HEADER}[NetDev]\nName=bond0.100\nKind=vlan\n\n[VLAN]\nId=100\n")
        );
        assert_eq!(
            get(&h, &nd("bond0.100.network")),
            format!(
                "{HEADER}[Match]\nName=bond0.100\n\n[Network]\nDHCP=ipv4\nKeepConfiguration=yes\n\n\
                 [DHCPv4]\n# The initramfs sent no client id: the server knows this node by its MAC.\n\
                 ClientIdentifier=mac\nSendRelease=no\n"
            )
        );
        assert_eq!(
            get(&h, &nd("bond0.netdev")),
            format!(
                "{HEADER}[NetDev]\nName=bond0\nKind=bond\n\n[Bond]\nMode=802.3ad\n\
                 LACPTransmitRate=fast\nTransmitHashPolicy=layer3+4\nMIIMonitorSec=100ms\n"
            )
        );
        assert_eq!(
            get(&h, &nd("bond0.network")),
            format!(
                "{HEADER}[Match]\nName=bond0\n\n[Network]\nVLAN=bond0.100\nKeepConfiguration=yes\n"
            )
        );
        assert_eq!(
            get(&h, &nd("eth0.network")),
            format!("{HEADER}[Match]\nName=eth0\n\n[Network]\nBond=bond0\nKeepConfiguration=yes\n")
        );
        assert_eq!(
            get(&h, &nm("bond0.100")),
            format!(
                "{HEADER}[connection]\nid=osr-bond0.100\nuuid={}\ntype=vlan\ninterface-name=bond0.100\n\n\
                 [vlan]\nid=100\nparent=bond0\n\n\
                 [ipv4]\nmethod=auto\ndhcp-client-id=mac\ndhcp-timeout=2147483647\nmay-fail=false\n\n\
                 [ipv6]\nmethod=ignore\n",
                nm_uuid("bond0.100")
            )
        );
        assert_eq!(
            get(&h, &nm("bond0")),
            format!(
                "{HEADER}[connection]\nid=osr-bond0\nuuid={}\ntype=bond\ninterface-name=bond0\n\n\
                 [bond]\nmode=4\nlacp_rate=fast\nxmit_hash_policy=layer3+4\nmiimon=100\n\n\
                 [ipv4]\nmethod=disabled\n\n[ipv6]\nmethod=ignore\n",
                nm_uuid("bond0")
            )
        );
        let conf = get(&h, "/run/net-bond0.100.conf");
        assert!(conf.contains("\nPROTO='dhcp'\n"), "{conf}");
        assert!(conf.contains("\nDHCPLEASETIME='4294967295'\n"), "{conf}");
        let lease = get(&h, LEASE_FILE);
        assert!(
            lease.ends_with("OSR_LEASE_OBTAINED_UPTIME='9'\nOSR_LEASE_EXPIRES_UPTIME='never'\n")
        );
        assert!(!lease.contains("CLIENT_ID"), "{lease}");
        assert_clean(&h);
    }

    #[test]
    fn bridge_ports_and_stp() {
        let state = LinkState {
            iface: "br0".into(),
            address: ip("10.0.2.15"),
            prefix: 24,
            netdevs: vec![Netdev::Bridge(Bridge {
                name: "br0".into(),
                ports: strings(&["eth0"]),
            })],
            ..LinkState::default()
        };
        let h = files(&state);
        assert_eq!(
            get(&h, "/run/systemd/network/10-osr-br0.netdev"),
            format!("{HEADER}[NetDev]\nName=br0\nKind=bridge\n")
        );
        assert_eq!(
            get(&h, "/run/systemd/network/10-osr-eth0.network"),
            format!("{HEADER}[Match]\nName=eth0\n\n[Network]\nBridge=br0\nKeepConfiguration=yes\n")
        );
        let br = get(
            &h,
            "/run/NetworkManager/system-connections/osr-br0.nmconnection",
        );
        assert!(br.contains("\ntype=bridge\n"), "{br}");
        assert!(
            br.contains("\n\n[bridge]\nstp=false\n\n[ipv4]\nmethod=manual\n"),
            "{br}"
        );
        let port = get(
            &h,
            "/run/NetworkManager/system-connections/osr-eth0.nmconnection",
        );
        assert!(
            port.ends_with(&format!("master={}\nslave-type=bridge\n", nm_uuid("br0"))),
            "{port}"
        );
    }

    #[test]
    fn hostile_strings_never_reach_a_file() {
        let mut state = dhcp_plain();
        let hostile_search = strings(&["ok.example", "bad\0x", "two words"]);
        state.hostname = Some("node1\nDNS=6.6.6.6".into());
        state.domain = Some("evil'$(reboot)".into());
        state.search = hostile_search.clone();
        state.root_path = Some("/srv/it's!root".into());
        let info = state.lease.as_mut().unwrap();
        info.lease.hostname = Some("node1\nDNS=6.6.6.6".into());
        info.lease.domain = Some("evil'$(reboot)".into());
        info.lease.search = hostile_search;
        info.lease.root_path = Some("10.0.2.2:/srv/it's!root".into());
        info.lease.tftp_server = Some("tftp\u{1b}[2J".into());
        info.lease.bootfile = Some("boot\rfile".into());
        let h = files(&state);
        let name = "expected a DNS name (letters, digits, '-', '_', dots)";
        assert_eq!(
            h.notes,
            [
                "hostname \"node1\\nDNS=6.6.6.6\" left out: contains a control character"
                    .to_string(),
                format!("domain \"evil'$(reboot)\" left out: {name}"),
                "search domain \"bad\\0x\" left out: contains a control character".into(),
                format!("search domain \"two words\" left out: {name}"),
                "DHCP hostname \"node1\\nDNS=6.6.6.6\" left out: contains a control character"
                    .into(),
                format!("DHCP domain \"evil'$(reboot)\" left out: {name}"),
                "DHCP TFTP server \"tftp\\u{1b}[2J\" left out: contains a control character".into(),
                "DHCP boot file \"boot\\rfile\" left out: contains a control character".into(),
                "DHCP search domain \"bad\\0x\" left out: contains a control character".into(),
                format!("DHCP search domain \"two words\" left out: {name}"),
            ]
        );
        assert_clean(&h);
        assert_eq!(
            get(&h, "/run/systemd/network/10-osr-eth0.network"),
            format!(
                "{HEADER}[Match]\nName=eth0\n\n[Link]\nMTUBytes=9000\n\n[Network]\nDHCP=ipv4\n\
                 KeepConfiguration=yes\nDNS=10.0.2.3\nDNS=10.0.2.4\nDomains=ok.example\n\n\
                 [DHCPv4]\nClientIdentifier=mac\nSendRelease=no\n"
            )
        );
        // Quotes and '!' are legal in a path; klibc's quoting, byte for byte as
        // ipconfig wrote it for the same path in a namespace (docs/handover.md).
        assert_eq!(
            get(&h, "/run/net-eth0.conf"),
            "DEVICE='eth0'\nPROTO='dhcp'\nIPV4ADDR='10.0.2.15'\nIPV4BROADCAST='10.0.2.255'\n\
             IPV4NETMASK='255.255.255.0'\nIPV4GATEWAY='10.0.2.2'\nIPV4DNS0='10.0.2.3'\n\
             IPV4DNS1='10.0.2.4'\nHOSTNAME=''\nDNSDOMAIN=''\nNISDOMAIN=''\n\
             ROOTSERVER='10.0.2.2'\nROOTPATH='/srv/it'\\''s'\\!'root'\nfilename=''\nUPTIME='7'\n\
             DHCPLEASETIME='600'\nDOMAINSEARCH='ok.example.'\n"
        );
        let lease = get(&h, LEASE_FILE);
        assert!(
            lease.contains("\nOSR_LEASE_ROOT_PATH='10.0.2.2:/srv/it'\\''s'\\!'root'\n"),
            "{lease}"
        );
        for gone in ["HOSTNAME", "DOMAIN", "TFTP", "BOOTFILE"] {
            assert!(
                !lease.contains(&format!("OSR_LEASE_{gone}")),
                "{gone} in {lease}"
            );
        }
        let nm = get(
            &h,
            "/run/NetworkManager/system-connections/osr-eth0.nmconnection",
        );
        assert!(
            !nm.contains("hostname") && nm.contains("\ndns-search=ok.example;\n"),
            "{nm}"
        );
        assert_eq!(
            get(&h, RESOLV_CONF),
            "# Written by osr-rs in the initramfs.\nnameserver 10.0.2.3\nnameserver 10.0.2.4\n\
             search ok.example\n"
        );
    }

    #[test]
    fn hostile_bond_option_is_dropped() {
        let state = LinkState {
            iface: "bond0".into(),
            address: ip("10.1.0.5"),
            prefix: 24,
            netdevs: vec![Netdev::Bond(Bond {
                name: "bond0".into(),
                slaves: strings(&["eth0"]),
                options: vec![
                    ("miimon".into(), "100\n[Network]\nDHCP=yes".into()),
                    ("mode".into(), "balance-rr".into()),
                ],
                mtu: None,
            })],
            ..LinkState::default()
        };
        let h = files(&state);
        assert_clean(&h);
        assert!(get(&h, "/run/systemd/network/10-osr-bond0.netdev")
            .ends_with("[Bond]\nMode=balance-rr\n"));
        let nm = get(
            &h,
            "/run/NetworkManager/system-connections/osr-bond0.nmconnection",
        );
        assert!(nm.contains("\n[bond]\nmode=balance-rr\n\n[ipv4]"), "{nm}");
    }

    #[test]
    fn an_unsafe_interface_name_leaves_only_resolv_conf() {
        for iface in ["eth0/../../etc", "eth*", "", "..", "a-very-long-name0"] {
            let state = LinkState {
                iface: iface.into(),
                dns: vec![ip("10.0.2.3")],
                ..dhcp_plain()
            };
            let h = files(&state);
            assert_eq!(paths(&h), [RESOLV_CONF], "{iface}");
            assert_eq!(
                h.notes,
                [
                    format!(
                        "interface name {iface:?} left out: expected 1-15 letters, digits, '-', '_', '.'"
                    ),
                    "no network manager hand-over files: see above".to_string(),
                ]
            );
        }
        // A slave's name goes into file names too.
        let state = LinkState {
            iface: "bond0".into(),
            netdevs: vec![Netdev::Bond(Bond {
                name: "bond0".into(),
                slaves: strings(&["eth0", "x\ny"]),
                options: Vec::new(),
                mtu: None,
            })],
            ..LinkState::default()
        };
        assert_eq!(paths(&files(&state)), [RESOLV_CONF]);
    }

    #[test]
    fn ipv6_static_root() {
        let state = LinkState {
            iface: "eth0".into(),
            address: ip("fd00::15"),
            prefix: 64,
            gateway: Some(ip("fd00::1")),
            dns: vec![ip("fd00::53")],
            lease: Some(LeaseInfo::default()),
            ..LinkState::default()
        };
        let h = files(&state);
        assert_eq!(
            h.notes,
            [
                "DHCPv4 lease ignored: the root's address is IPv6",
                "/run/net-eth0.conf not written: klibc's format is IPv4 only",
            ]
        );
        assert_eq!(
            get(&h, "/run/systemd/network/10-osr-eth0.network"),
            format!(
                "{HEADER}[Match]\nName=eth0\n\n[Network]\nAddress=fd00::15/64\nGateway=fd00::1\n\
                 KeepConfiguration=yes\nDNS=fd00::53\n"
            )
        );
        assert!(get(
            &h,
            "/run/NetworkManager/system-connections/osr-eth0.nmconnection"
        )
        .ends_with(
            "\n[ipv4]\nmethod=disabled\n\n[ipv6]\nmethod=manual\naddress1=fd00::15/64,fd00::1\n\
             dns=fd00::53;\nmay-fail=false\n"
        ));
        assert!(!paths(&h).contains(&LEASE_FILE));
    }

    #[test]
    fn client_ids_networkd_cannot_send_are_explained() {
        let m = mac("52:54:00:12:34:56");
        assert_eq!(
            networkd_client_id(Some(m), &[1, 0x52, 0x54, 0, 0x12, 0x34, 0x56]),
            "ClientIdentifier=mac\n"
        );
        let other = networkd_client_id(Some(m), &[0xff, 0, 1]);
        assert!(
            other.contains("client id ff:00:01") && !other.contains("ClientIdentifier="),
            "{other}"
        );
        // Type 1 with another MAC (a bond's slave changed) is not ours either.
        assert!(
            !networkd_client_id(Some(m), &[1, 0x52, 0x54, 0, 0x12, 0x34, 0x57])
                .contains("ClientIdentifier=")
        );
    }

    #[test]
    fn uuids_are_stable_v4_shaped_and_distinct() {
        assert_eq!(nm_uuid("eth0"), ETH0_UUID);
        let names = ["eth0", "eth1", "bond0", "bond0.100", "br0", "e"];
        let uuids: Vec<String> = names.iter().map(|n| nm_uuid(n)).collect();
        for u in &uuids {
            let groups: Vec<usize> = u.split('-').map(str::len).collect();
            assert_eq!(groups, [8, 4, 4, 4, 12], "{u}");
            assert!(u.chars().all(|c| c == '-' || c.is_ascii_hexdigit()), "{u}");
            assert_eq!(u.chars().nth(14), Some('4'), "{u}");
            assert!(
                matches!(u.chars().nth(19), Some('8' | '9' | 'a' | 'b')),
                "{u}"
            );
        }
        let mut unique = uuids.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), uuids.len());
    }

    #[test]
    fn resolv_conf_limits() {
        let dns: Vec<IpAddr> = (1..=5).map(|i| ip(&format!("10.0.0.{i}"))).collect();
        let search: Vec<String> = (1..=8).map(|i| format!("d{i}.example")).collect();
        assert_eq!(
            resolv_conf(&dns, &search, Some("ignored.example")),
            "# Written by osr-rs in the initramfs.\nnameserver 10.0.0.1\nnameserver 10.0.0.2\n\
             nameserver 10.0.0.3\n# 2 more name servers left out: the resolver uses 3\n\
             search d1.example d2.example d3.example d4.example d5.example d6.example\n\
             # 2 more search domains left out: older resolvers use 6\n"
        );
        assert_eq!(
            resolv_conf(&[], &[], Some("lab.example")),
            "# Written by osr-rs in the initramfs.\nsearch lab.example\n"
        );
        assert_eq!(
            resolv_conf(&[], &strings(&["a b", "ok"]), None),
            "# Written by osr-rs in the initramfs.\n# 1 search domains left out: not DNS names\nsearch ok\n"
        );
        assert_eq!(
            resolv_conf(&[], &[], Some("x\nnameserver 6.6.6.6")),
            "# Written by osr-rs in the initramfs.\n# 1 search domains left out: not DNS names\n"
        );
    }

    #[test]
    fn shell_quoting_as_klibc() {
        // ipconfig's output for this root path (docs/handover.md).
        assert_eq!(
            shell_line("ROOTPATH", "10.0.2.2:/srv/it's!root"),
            "ROOTPATH='10.0.2.2:/srv/it'\\''s'\\!'root'\n"
        );
        assert_eq!(shell_line("K", "a\nb\0c"), "K='abc'\n");
        assert_eq!(shell_line("K", ""), "K=''\n");
    }

    #[test]
    fn netmasks() {
        assert_eq!(netmask(0), v4("0.0.0.0"));
        assert_eq!(netmask(1), v4("128.0.0.0"));
        assert_eq!(netmask(24), v4("255.255.255.0"));
        assert_eq!(netmask(32), v4("255.255.255.255"));
        assert_eq!(netmask(33), v4("255.255.255.255"));
    }

    #[test]
    fn names() {
        let cases: [(&str, bool, bool); 9] = [
            ("node1", true, true),
            ("node1.lab.example", true, true),
            ("lab.example.", true, false),
            ("_srv.example", true, false),
            ("-bad", false, false),
            ("a..b", false, false),
            ("x y", false, false),
            ("", false, false),
            ("caf\u{e9}", false, false),
        ];
        for (name, domain, host) in cases {
            assert_eq!(is_domain(name).is_ok(), domain, "domain {name:?}");
            assert_eq!(is_hostname(name).is_ok(), host, "hostname {name:?}");
        }
        assert!(is_domain(&"a".repeat(64)).is_err());
        assert!(is_iface("bond0.100") && !is_iface("eth0:1") && !is_iface("br 0"));
    }
}
