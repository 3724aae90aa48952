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
use crate::netdev::Netdev;

mod initramfs_tools;
mod lease;
mod networkd;
mod networkmanager;
mod resolv;
mod sanitize;
mod stack;

pub use lease::LEASE_FILE;
pub use networkd::NETWORKD_DIR;
pub use networkmanager::{nm_uuid, NM_CONNECTIONS_DIR, NM_DEVICES_DIR};
pub use resolv::{resolv_conf, MAX_NAMESERVERS, MAX_SEARCH, RESOLV_CONF};

use initramfs_tools::net_conf;
use lease::lease_file;
use networkd::networkd_files;
use networkmanager::nm_files;
use sanitize::sanitize;
use stack::stack;

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

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

#[cfg(test)]
mod tests;
