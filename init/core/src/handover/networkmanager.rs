//! NetworkManager: a keyfile profile per interface of the root's stack and, for each
//! interface whose ifindex is known, the device-state file naming the profile to
//! assume (what NetworkManager's own initrd instance leaves).

use std::net::IpAddr;

use super::sanitize::is_option;
use super::stack::{Node, Role};
use super::{file, hex, routes, search_list, HandOverFile, LinkState, HEADER};
use crate::netdev::Netdev;

pub const NM_CONNECTIONS_DIR: &str = "/run/NetworkManager/system-connections";
pub const NM_DEVICES_DIR: &str = "/run/NetworkManager/devices";
/// NetworkManager's "infinity" for `ipv4.dhcp-timeout` (nm-settings(5)).
const NM_DHCP_TIMEOUT_INFINITY: u32 = 2_147_483_647;

pub(super) fn nm_files(s: &LinkState, stack: &[Node]) -> Vec<HandOverFile> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handover::tests::ETH0_UUID;

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
}
