//! initramfs-tools' consumers: `/run/net-<iface>.conf` in klibc `ipconfig`'s format,
//! byte for byte (IPv4 only, as klibc), and klibc's shell quoting.

use std::net::{IpAddr, Ipv4Addr};

use super::{file, HandOverFile, LinkState};

/// `/run/net-<iface>.conf` as klibc's ipconfig writes it (dump_device_config): every
/// key, in its order, unknown addresses as 0.0.0.0. ROOTSERVER and ROOTPATH are the
/// NFS server and export mounted (ipconfig writes siaddr and option 17 there).
pub(super) fn net_conf(s: &LinkState, notes: &mut Vec<String>) -> Option<HandOverFile> {
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

/// `KEY='value'` as klibc's write_option quotes it: `'` and `!` closed out of the
/// quotes and backslash-escaped.
pub(super) fn shell_line(key: &str, value: &str) -> String {
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
    use crate::handover::tests::v4;

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
}
