//! `ip=`, `ifname=`, `BOOTIF=`, `rd.route=` and MAC-address grammar.
//!
//! Accepts dracut's forms (dracut.cmdline(7)) and the kernel's positional form
//! (Documentation/admin-guide/nfs/nfsroot.rst):
//! - `ip=<client>:[<peer>]:<gw>:<netmask>:<hostname>:<iface>:{none|off}[:<mtu>][:<mac>]`
//! - `ip=<client>:[<peer>]:<gw>:<netmask>:<hostname>:<iface>:{none|off}:<dns1>[:<dns2>[:<ntp>]]`
//! - `ip=<method>` and `ip=<iface>:<method>[:<mtu>][:<mac>]` with a dynamic method
//!   (`dhcp`, `on`, `any`, `dhcp6`, `auto6`, `either6`, `link6`, `single-dhcp`).
//!
//! IPv6 addresses go in brackets. The netmask field takes a dotted mask or a prefix
//! length; an empty IPv4 netmask is derived classfully as the kernel does. Dynamic
//! methods are parsed here; running DHCP is the DHCP issue's work and the planner
//! refuses them for now. `ibft` and the comoonics positional extensions are not accepted.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr};
use std::str::FromStr;

/// What a parser expected, for the error message `config` builds around it.
pub type Expected = String;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Mac(pub [u8; 6]);

impl FromStr for Mac {
    type Err = Expected;
    /// `aa:bb:cc:dd:ee:ff` or `aa-bb-cc-dd-ee-ff`, any case.
    fn from_str(s: &str) -> Result<Self, Expected> {
        let expected = || "a MAC address like 52:54:00:12:34:56".to_string();
        let parts: Vec<&str> = s.split([':', '-']).collect();
        if parts.len() != 6 {
            return Err(expected());
        }
        let mut mac = [0u8; 6];
        for (byte, part) in mac.iter_mut().zip(&parts) {
            if part.len() != 2 {
                return Err(expected());
            }
            *byte = u8::from_str_radix(part, 16).map_err(|_| expected())?;
        }
        Ok(Mac(mac))
    }
}

impl fmt::Display for Mac {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d, e, g] = self.0;
        write!(f, "{a:02x}:{b:02x}:{c:02x}:{d:02x}:{e:02x}:{g:02x}")
    }
}

/// `BOOTIF=01-aa-bb-cc-dd-ee-ff` (PXELINUX's IPAPPEND 2: hardware type 01 = Ethernet)
/// or a plain MAC.
pub fn parse_bootif(s: &str) -> Result<Mac, Expected> {
    let expected = || "01-aa-bb-cc-dd-ee-ff (ARP type 01 and a MAC)".to_string();
    let mac = match s.split_once('-') {
        Some(("01", rest)) if s.len() == 20 => rest,
        Some(_) if s.len() == 20 => return Err(expected()),
        _ => s,
    };
    mac.parse().map_err(|_| expected())
}

/// Dynamic configuration methods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AutoMethod {
    Dhcp,
    SingleDhcp,
    Dhcp6,
    Auto6,
    Either6,
    Link6,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaticIp {
    pub client: IpAddr,
    pub peer: Option<IpAddr>,
    pub gateway: Option<IpAddr>,
    pub prefix: u8,
    pub hostname: Option<String>,
    pub iface: Option<String>,
    pub mtu: Option<u32>,
    pub mac: Option<Mac>,
    pub dns: Vec<IpAddr>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IpConfig {
    /// `ip=off|none`: no network configuration from this argument.
    Off,
    Static(StaticIp),
    Auto {
        iface: Option<String>,
        method: AutoMethod,
        mtu: Option<u32>,
        mac: Option<Mac>,
    },
}

const IP_FORMS: &str = "<client>:[<peer>]:<gw>:<netmask>:<hostname>:<iface>:{none|off}[:<mtu>][:<mac>] \
     or ...:{none|off}:<dns1>[:<dns2>], or dhcp|on|any|dhcp6|auto6|either6|link6|single-dhcp|off|none, \
     or <iface>:dhcp[:<mtu>][:<mac>]";

fn auto_method(s: &str) -> Option<AutoMethod> {
    Some(match s {
        "dhcp" | "on" | "any" => AutoMethod::Dhcp,
        "single-dhcp" => AutoMethod::SingleDhcp,
        "dhcp6" => AutoMethod::Dhcp6,
        "auto6" => AutoMethod::Auto6,
        "either6" => AutoMethod::Either6,
        "link6" => AutoMethod::Link6,
        _ => return None,
    })
}

/// Splits on `:` outside `[...]`, removing the brackets (`[fd00::]/64` gives `fd00::/64`).
fn split_fields(s: &str) -> Result<Vec<String>, Expected> {
    let mut fields = Vec::new();
    let mut rest = s;
    loop {
        let mut field = String::new();
        if let Some(inner) = rest.strip_prefix('[') {
            let (addr, after) = inner
                .split_once(']')
                .ok_or_else(|| "a closing ']' after an IPv6 address".to_string())?;
            field.push_str(addr);
            rest = after;
        }
        match rest.split_once(':') {
            Some((tail, next)) => {
                field.push_str(tail);
                fields.push(field);
                rest = next;
            }
            None => {
                field.push_str(rest);
                fields.push(field);
                return Ok(fields);
            }
        }
    }
}

pub fn parse_ip(s: &str) -> Result<IpConfig, Expected> {
    match s {
        "off" | "none" => return Ok(IpConfig::Off),
        _ => {}
    }
    if let Some(method) = auto_method(s) {
        return Ok(IpConfig::Auto {
            iface: None,
            method,
            mtu: None,
            mac: None,
        });
    }
    let owned = split_fields(s)?;
    let fields: Vec<&str> = owned.iter().map(String::as_str).collect();
    match fields.as_slice() {
        [iface, method, tail @ ..] if auto_method(method).is_some() && tail.len() <= 7 => {
            let (mtu, mac) = parse_mtu_mac(tail)?;
            Ok(IpConfig::Auto {
                iface: Some(check_iface(iface)?),
                method: auto_method(method).unwrap_or(AutoMethod::Dhcp),
                mtu,
                mac,
            })
        }
        _ => parse_positional(&fields),
    }
}

fn parse_positional(fields: &[&str]) -> Result<IpConfig, Expected> {
    let field = |i: usize| fields.get(i).copied().unwrap_or("");
    let client: IpAddr = field(0).parse().map_err(|_| IP_FORMS.to_string())?;
    let opt_addr = |i: usize, what: &str| -> Result<Option<IpAddr>, Expected> {
        match field(i) {
            "" => Ok(None),
            v => v
                .parse()
                .map(Some)
                .map_err(|_| format!("{what} as an IP address (field {}), got '{v}'", i + 1)),
        }
    };
    let peer = opt_addr(1, "<peer>")?;
    let gateway = opt_addr(2, "<gw>")?;
    let prefix = parse_netmask(field(3), client)?;
    let hostname = match field(4) {
        "" => None,
        h => Some(check_hostname(h)?),
    };
    let iface = match field(5) {
        "" => None,
        i => Some(check_iface(i)?),
    };
    let (mtu, mac, dns) = match field(6) {
        "" | "off" | "none" => parse_static_tail(fields.get(7..).unwrap_or(&[]))?,
        m if auto_method(m).is_some() => {
            return Err(format!(
                "a static configuration ('none' or 'off' in field 7), got '{m}' \
                 (DHCP with a fixed client address is not supported)"
            ))
        }
        m => return Err(format!("'none' or 'off' in field 7, got '{m}'")),
    };
    Ok(IpConfig::Static(StaticIp {
        client,
        peer,
        gateway,
        prefix,
        hostname,
        iface,
        mtu,
        mac,
        dns,
    }))
}

type StaticTail = (Option<u32>, Option<Mac>, Vec<IpAddr>);

/// What follows `{none|off}`: `[:<mtu>][:<mac>]` or `:<dns1>[:<dns2>[:<ntp>]]`.
fn parse_static_tail(tail: &[&str]) -> Result<StaticTail, Expected> {
    let is_addr = |s: &&str| s.parse::<IpAddr>().is_ok();
    if !tail.is_empty() && tail.len() <= 3 && tail.iter().all(is_addr) {
        // Kernel form: dns0, dns1, ntp0. The NTP server is not ours to configure.
        let dns = tail.iter().take(2).filter_map(|s| s.parse().ok()).collect();
        return Ok((None, None, dns));
    }
    let (mtu, mac) = parse_mtu_mac(tail)?;
    Ok((mtu, mac, Vec::new()))
}

fn parse_mtu_mac(tail: &[&str]) -> Result<(Option<u32>, Option<Mac>), Expected> {
    let mtu = |s: &str| -> Result<Option<u32>, Expected> {
        match s {
            "" => Ok(None),
            v => match v.parse::<u32>() {
                Ok(m) if (68..=65535).contains(&m) => Ok(Some(m)),
                _ => Err(format!("an MTU between 68 and 65535, got '{v}'")),
            },
        }
    };
    match tail {
        [] => Ok((None, None)),
        [mac] if mac.contains('-') => Ok((None, Some(mac.parse()?))),
        [m, mac] if mac.contains('-') => Ok((mtu(m)?, Some(mac.parse()?))),
        [m] => Ok((mtu(m)?, None)),
        [a, b, c, d, e, f] => Ok((None, Some(join_mac(&[a, b, c, d, e, f])?))),
        [m, a, b, c, d, e, f] => Ok((mtu(m)?, Some(join_mac(&[a, b, c, d, e, f])?))),
        _ => Err(format!(
            "[:<mtu>][:<mac>] or :<dns1>[:<dns2>] after the method, got '{}'",
            tail.join(":")
        )),
    }
}

fn join_mac(parts: &[&&str; 6]) -> Result<Mac, Expected> {
    parts
        .iter()
        .map(|p| **p)
        .collect::<Vec<_>>()
        .join(":")
        .parse()
}

fn parse_netmask(s: &str, client: IpAddr) -> Result<u8, Expected> {
    let max = if client.is_ipv4() { 32 } else { 128 };
    if s.is_empty() {
        return Ok(match client {
            IpAddr::V4(a) => classful_prefix(a),
            IpAddr::V6(_) => 64,
        });
    }
    if let Ok(p) = s.parse::<u8>() {
        if p <= max {
            return Ok(p);
        }
    }
    if let (Ok(mask), true) = (s.parse::<Ipv4Addr>(), client.is_ipv4()) {
        let bits = u32::from(mask);
        if bits.leading_ones() + bits.trailing_zeros() == 32 {
            return Ok(u8::try_from(bits.leading_ones()).unwrap_or(32));
        }
    }
    Err(format!(
        "a netmask like 255.255.255.0 or a prefix length 0-{max}, got '{s}'"
    ))
}

/// RFC 791 classes, as the kernel's ipconfig derives a missing netmask.
pub fn classful_prefix(a: Ipv4Addr) -> u8 {
    match a.octets()[0] {
        0..=127 => 8,
        128..=191 => 16,
        _ => 24,
    }
}

pub fn check_iface(s: &str) -> Result<String, Expected> {
    let ok = !s.is_empty()
        && s.len() < 16
        && s != "."
        && s != ".."
        && !s.contains(|c: char| c == '/' || c == ':' || c.is_whitespace());
    if ok {
        Ok(s.to_string())
    } else {
        Err(format!(
            "an interface name of 1-15 characters without '/', ':' or spaces, got '{s}'"
        ))
    }
}

fn check_hostname(s: &str) -> Result<String, Expected> {
    match crate::names::host_name(s) {
        Ok(()) => Ok(s.to_string()),
        Err(_) => Err(format!(
            "a hostname of letters, digits, '-' and '.', got '{s}'"
        )),
    }
}

/// `ifname=<iface>:<mac>`: give the NIC with this MAC this name.
pub fn parse_ifname(s: &str) -> Result<(String, Mac), Expected> {
    let expected = || "<iface>:<mac>, like ifname=bootnet:52:54:00:12:34:56".to_string();
    let (name, mac) = s.split_once(':').ok_or_else(expected)?;
    Ok((check_iface(name)?, mac.parse().map_err(|_| expected())?))
}

/// A static route from `rd.route=<net>/<prefix>:<gw>[:<iface>]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub dest: IpAddr,
    pub prefix: u8,
    pub gateway: Option<IpAddr>,
    pub iface: Option<String>,
}

pub fn parse_route(s: &str) -> Result<Route, Expected> {
    let expected = || "<net>/<prefix>:<gw>[:<iface>], IPv6 in brackets".to_string();
    let owned = split_fields(s).map_err(|_| expected())?;
    let fields: Vec<&str> = owned.iter().map(String::as_str).collect();
    let (net, gw, iface) = match fields.as_slice() {
        [net, gw] => (*net, *gw, None),
        [net, gw, iface] => (*net, *gw, Some(check_iface(iface)?)),
        _ => return Err(expected()),
    };
    let (dest, prefix) = net.split_once('/').ok_or_else(expected)?;
    let dest: IpAddr = dest.parse().map_err(|_| expected())?;
    let max = if dest.is_ipv4() { 32 } else { 128 };
    let prefix = prefix
        .parse::<u8>()
        .ok()
        .filter(|p| *p <= max)
        .ok_or_else(expected)?;
    let gateway = match gw {
        "" => None,
        g => Some(g.parse().map_err(|_| expected())?),
    };
    Ok(Route {
        dest,
        prefix,
        gateway,
        iface,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip4(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn static_ip(client: &str, prefix: u8) -> StaticIp {
        StaticIp {
            client: ip4(client),
            peer: None,
            gateway: None,
            prefix,
            hostname: None,
            iface: None,
            mtu: None,
            mac: None,
            dns: vec![],
        }
    }

    #[test]
    fn static_forms() {
        let mac: Mac = "52:54:00:12:34:56".parse().unwrap();
        let cases: Vec<(&str, &str, StaticIp)> = vec![
            (
                "issue example",
                "10.0.2.15::10.0.2.2:255.255.255.0:node1:eth0:off",
                StaticIp {
                    gateway: Some(ip4("10.0.2.2")),
                    hostname: Some("node1".into()),
                    iface: Some("eth0".into()),
                    ..static_ip("10.0.2.15", 24)
                },
            ),
            (
                "mtu and mac",
                "10.0.2.15:10.0.2.2:10.0.2.2:24::eth1:none:9000:52:54:00:12:34:56",
                StaticIp {
                    peer: Some(ip4("10.0.2.2")),
                    gateway: Some(ip4("10.0.2.2")),
                    iface: Some("eth1".into()),
                    mtu: Some(9000),
                    mac: Some(mac),
                    ..static_ip("10.0.2.15", 24)
                },
            ),
            (
                "mac without mtu",
                "10.0.2.15:::24:::off::52-54-00-12-34-56",
                StaticIp {
                    mac: Some(mac),
                    ..static_ip("10.0.2.15", 24)
                },
            ),
            (
                "dns servers",
                "10.0.2.15:::255.255.0.0:::off:10.0.2.3:10.0.2.4",
                StaticIp {
                    dns: vec![ip4("10.0.2.3"), ip4("10.0.2.4")],
                    ..static_ip("10.0.2.15", 16)
                },
            ),
            (
                "kernel short form, classful mask",
                "10.1.2.3",
                static_ip("10.1.2.3", 8),
            ),
            (
                "class C default",
                "192.168.1.9::::::",
                static_ip("192.168.1.9", 24),
            ),
            (
                "ipv6 in brackets",
                "[fd00::15]::[fd00::1]:64:n6:eth0:none",
                StaticIp {
                    client: "fd00::15".parse().unwrap(),
                    gateway: Some("fd00::1".parse().unwrap()),
                    hostname: Some("n6".into()),
                    iface: Some("eth0".into()),
                    ..static_ip("10.0.0.1", 64)
                },
            ),
        ];
        for (label, input, want) in cases {
            assert_eq!(
                parse_ip(input),
                Ok(IpConfig::Static(want)),
                "case {label}: {input}"
            );
        }
    }

    #[test]
    fn dynamic_forms() {
        assert!(matches!(
            parse_ip("dhcp"),
            Ok(IpConfig::Auto {
                iface: None,
                method: AutoMethod::Dhcp,
                ..
            })
        ));
        assert!(matches!(
            parse_ip("on"),
            Ok(IpConfig::Auto {
                method: AutoMethod::Dhcp,
                ..
            })
        ));
        assert_eq!(parse_ip("off"), Ok(IpConfig::Off));
        assert_eq!(
            parse_ip("eth0:dhcp:1500"),
            Ok(IpConfig::Auto {
                iface: Some("eth0".into()),
                method: AutoMethod::Dhcp,
                mtu: Some(1500),
                mac: None
            })
        );
    }

    #[test]
    fn errors_say_what_was_expected() {
        let cases = [
            ("garbage", "hello", "<client>"),
            ("bad gateway", "10.0.2.15::10.0.2.x:24", "<gw>"),
            ("bad mask", "10.0.2.15:::255.0.255.0", "netmask"),
            ("prefix too long", "10.0.2.15:::33", "prefix length 0-32"),
            ("bad method", "10.0.2.15::::h:eth0:bogus", "'none' or 'off'"),
            (
                "dhcp with static client",
                "10.0.2.15::::h:eth0:dhcp",
                "static configuration",
            ),
            ("bad mtu", "10.0.2.15::::h:eth0:off:12", "MTU"),
            ("bad iface", "10.0.2.15::::h:a/b:off", "interface name"),
            (
                "bad hostname",
                "10.0.2.15::::no_underscore:eth0:off",
                "hostname",
            ),
            ("unclosed bracket", "[fd00::1:::64", "']'"),
        ];
        for (label, input, needle) in cases {
            let err = parse_ip(input).expect_err(label);
            assert!(
                err.contains(needle),
                "case {label}: '{err}' lacks '{needle}'"
            );
        }
    }

    #[test]
    fn bootif_ifname_route() {
        let mac: Mac = "52:54:00:12:34:57".parse().unwrap();
        assert_eq!(parse_bootif("01-52-54-00-12-34-57"), Ok(mac));
        assert_eq!(parse_bootif("52:54:00:12:34:57"), Ok(mac));
        assert!(parse_bootif("02-52-54-00-12-34-57").is_err());
        assert!(parse_bootif("01-52-54").is_err());
        assert_eq!(
            parse_ifname("boot0:52:54:00:12:34:57"),
            Ok(("boot0".into(), mac))
        );
        assert!(parse_ifname("boot0").is_err());
        assert_eq!(
            parse_route("192.168.0.0/16:10.0.2.1:eth0"),
            Ok(Route {
                dest: ip4("192.168.0.0"),
                prefix: 16,
                gateway: Some(ip4("10.0.2.1")),
                iface: Some("eth0".into())
            })
        );
        assert_eq!(
            parse_route("[fd01::]/64:[fd00::1]").map(|r| r.prefix),
            Ok(64)
        );
        assert!(parse_route("10.0.0.0:10.0.2.1").is_err());
        assert_eq!(mac.to_string(), "52:54:00:12:34:57");
    }
}
