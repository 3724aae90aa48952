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
//! - initramfs-tools / ifupdown: `/run/net-<iface>.conf`, exactly as klibc's
//!   `ipconfig` writes it (IPv4 only, as klibc);
//! - `/run/initramfs/osr-rs.lease`: the DHCP lease as shell `KEY='value'` lines;
//! - `/run/initramfs/resolv.conf` ([`resolv_conf`]).
//!
//! Values from DHCP are untrusted: a hostname, domain, path or bonding option that
//! could break a file (control characters, quotes where they matter, names that are
//! not DNS names) is dropped, and [`HandOver::notes`] says which and why. docs/handover.md
//! explains what each network manager does with these files and what was verified.
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
    const MODES: [&str; 7] = [
        "balance-rr",
        "active-backup",
        "balance-xor",
        "broadcast",
        "802.3ad",
        "balance-tlb",
        "balance-alb",
    ];
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
                    .and_then(|i| MODES.get(i).map(|m| m.to_string()));
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
        // NetworkManager turns STP on by default; the kernel, which made this bridge,
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
}
