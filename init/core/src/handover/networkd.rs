//! systemd-networkd: a `.network` per interface of the root's stack, with
//! `KeepConfiguration=yes`, and a `.netdev` for each bond, VLAN and bridge.

use super::sanitize::is_option;
use super::stack::{Node, Role};
use super::{file, hex, routes, search_list, HandOverFile, LinkState, HEADER};
use crate::ip::Mac;
use crate::netdev::{Bond, Netdev};

pub const NETWORKD_DIR: &str = "/run/systemd/network";

pub(super) fn networkd_files(s: &LinkState, stack: &[Node]) -> Vec<HandOverFile> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handover::tests::mac;

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
}
