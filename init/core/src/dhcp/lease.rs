//! The lease: what an ACK gives, read into a [`Lease`] with every name and path
//! checked, and the lease as `KEY value` fields.

use std::net::Ipv4Addr;

use dhcproto::v4::{DhcpOption, Message};

use crate::ip::classful_prefix;
use crate::names::{dns_name, host_name};

/// A bound lease, checked and cleaned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub address: Ipv4Addr,
    pub prefix: u8,
    /// The default gateway in effect: option 121's default route when 121 is
    /// present (RFC 3442 says option 3 is then ignored), else option 3's first.
    pub router: Option<Ipv4Addr>,
    /// Classless routes other than the default: (destination, prefix, gateway).
    pub routes: Vec<(Ipv4Addr, u8, Ipv4Addr)>,
    pub dns: Vec<Ipv4Addr>,
    pub hostname: Option<String>,
    pub domain: Option<String>,
    pub search: Vec<String>,
    pub root_path: Option<String>,
    pub mtu: Option<u16>,
    pub broadcast: Option<Ipv4Addr>,
    pub lease_secs: Option<u32>,
    pub server_id: Ipv4Addr,
    /// siaddr, when not 0.0.0.0.
    pub next_server: Option<Ipv4Addr>,
    pub tftp_server: Option<String>,
    pub bootfile: Option<String>,
    /// Values dropped or repaired, for the log.
    pub warnings: Vec<String>,
}

impl Default for Lease {
    fn default() -> Self {
        Lease {
            address: Ipv4Addr::UNSPECIFIED,
            prefix: 0,
            router: None,
            routes: Vec::new(),
            dns: Vec::new(),
            hostname: None,
            domain: None,
            search: Vec::new(),
            root_path: None,
            mtu: None,
            broadcast: None,
            lease_secs: None,
            server_id: Ipv4Addr::UNSPECIFIED,
            next_server: None,
            tftp_server: None,
            bootfile: None,
            warnings: Vec::new(),
        }
    }
}

impl Lease {
    /// `KEY value` pairs, for the state record and `osr-init dhcp`; only keys with
    /// a value, except the four that always have one.
    pub fn fields(&self) -> Vec<(&'static str, String)> {
        let join = |v: &[Ipv4Addr]| {
            v.iter()
                .map(|a| a.to_string())
                .collect::<Vec<_>>()
                .join(" ")
        };
        let mut out = vec![
            ("ADDRESS", self.address.to_string()),
            ("PREFIX", self.prefix.to_string()),
        ];
        let mut opt = |key: &'static str, value: Option<String>| {
            if let Some(v) = value.filter(|v| !v.is_empty()) {
                out.push((key, v));
            }
        };
        opt("ROUTER", self.router.map(|r| r.to_string()));
        opt(
            "ROUTES",
            Some(
                self.routes
                    .iter()
                    .map(|(d, p, g)| format!("{d}/{p},{g}"))
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
        );
        opt("DNS", Some(join(&self.dns)));
        opt("HOSTNAME", self.hostname.clone());
        opt("DOMAIN", self.domain.clone());
        opt("SEARCH", Some(self.search.join(" ")));
        opt("ROOT_PATH", self.root_path.clone());
        opt("MTU", self.mtu.map(|m| m.to_string()));
        opt("BROADCAST", self.broadcast.map(|b| b.to_string()));
        opt("LEASE_SECS", self.lease_secs.map(|l| l.to_string()));
        opt("NEXT_SERVER", self.next_server.map(|n| n.to_string()));
        opt("TFTP_SERVER", self.tftp_server.clone());
        opt("BOOTFILE", self.bootfile.clone());
        out.push(("SERVER_ID", self.server_id.to_string()));
        out
    }
}

pub(super) fn lease_from(msg: &Message, server: Ipv4Addr) -> Lease {
    let mut lease = Lease {
        address: msg.yiaddr(),
        server_id: server,
        ..Lease::default()
    };
    let siaddr = msg.siaddr();
    lease.next_server = (!siaddr.is_unspecified()).then_some(siaddr);
    let mut option3 = None;
    let mut classless = None;
    let mut mask = None;
    for (_, opt) in msg.opts().iter() {
        match opt {
            DhcpOption::SubnetMask(m) => mask = Some(*m),
            DhcpOption::Router(r) => option3 = r.first().copied(),
            DhcpOption::DomainNameServer(d) => lease.dns = d.clone(),
            DhcpOption::Hostname(h) => {
                lease.hostname = checked_name(h, "hostname (12)", host_name, &mut lease.warnings)
            }
            DhcpOption::DomainName(d) => {
                lease.domain = checked_name(d, "domain (15)", dns_name, &mut lease.warnings)
            }
            DhcpOption::RootPath(p) => lease.root_path = checked_path(p, &mut lease.warnings),
            DhcpOption::InterfaceMtu(m) => {
                if *m >= 68 {
                    lease.mtu = Some(*m);
                } else {
                    lease
                        .warnings
                        .push(format!("MTU (26) {m} ignored: below 68"));
                }
            }
            DhcpOption::BroadcastAddr(b) => lease.broadcast = Some(*b),
            DhcpOption::AddressLeaseTime(t) => lease.lease_secs = Some(*t),
            DhcpOption::TFTPServerName(t) => {
                lease.tftp_server = checked_name(
                    &String::from_utf8_lossy(t),
                    "TFTP server (66)",
                    dns_name,
                    &mut lease.warnings,
                )
            }
            DhcpOption::BootfileName(b) => {
                lease.bootfile = checked_path(&String::from_utf8_lossy(b), &mut lease.warnings)
            }
            DhcpOption::DomainSearch(names) => {
                lease.search = names
                    .iter()
                    .filter_map(|n| {
                        let s = n.to_string();
                        checked_name(
                            s.trim_end_matches('.'),
                            "search (119)",
                            dns_name,
                            &mut lease.warnings,
                        )
                    })
                    .collect();
            }
            DhcpOption::ClasslessStaticRoute(routes) => {
                classless = Some(routes.clone());
            }
            _ => {}
        }
    }
    lease.prefix = match mask.map(prefix_of) {
        Some(Some(p)) => p,
        Some(None) => {
            lease.warnings.push(format!(
                "subnet mask (1) {} is not contiguous; using the classful default",
                mask.unwrap_or(Ipv4Addr::UNSPECIFIED)
            ));
            classful_prefix(lease.address)
        }
        None => classful_prefix(lease.address),
    };
    match classless {
        Some(routes) => {
            if option3.is_some() {
                log::debug!("dhcp: option 121 present, option 3 ignored (RFC 3442)");
            }
            for (net, gw) in routes {
                if net.prefix_len() == 0 {
                    lease.router = Some(gw);
                } else {
                    lease.routes.push((net.network(), net.prefix_len(), gw));
                }
            }
        }
        None => lease.router = option3,
    }
    lease
}

/// The prefix length of a contiguous netmask.
pub fn prefix_of(mask: Ipv4Addr) -> Option<u8> {
    let bits = u32::from(mask);
    let ones = bits.leading_ones();
    (bits.checked_shl(ones).unwrap_or(0) == 0).then(|| u8::try_from(ones).unwrap_or(32))
}

/// Host names (12) and domains (15, 66, 119), by `check`: the hostname may become
/// `%s` in an NFS path, the kernel's hostname and a line in the hand-over files.
fn checked_name(
    value: &str,
    what: &str,
    check: fn(&str) -> Result<(), &'static str>,
    warnings: &mut Vec<String>,
) -> Option<String> {
    let v = value.trim_end_matches('\0').trim();
    if v.is_empty() {
        return None;
    }
    match check(v) {
        Ok(()) => Some(v.to_string()),
        Err(why) => {
            warnings.push(format!("{what} {:?} ignored: {why}", clean_text(v, 64)));
            None
        }
    }
}

/// Root paths and boot files: printable ASCII, no control characters.
fn checked_path(value: &str, warnings: &mut Vec<String>) -> Option<String> {
    let v = value.trim_end_matches('\0').trim();
    if v.is_empty() {
        return None;
    }
    if v.len() <= 1024 && v.chars().all(|c| c.is_ascii_graphic()) {
        Some(v.to_string())
    } else {
        warnings.push(format!(
            "path {:?} ignored: control characters, spaces or too long",
            clean_text(v, 64)
        ));
        None
    }
}

/// For log messages: printable, bounded.
pub(super) fn clean_text(s: &str, max: usize) -> String {
    s.chars().filter(|c| !c.is_control()).take(max).collect()
}
