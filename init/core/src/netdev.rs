//! `bond=`, `vlan=` and `bridge=`: the virtual network devices dracut builds from the
//! command line, and the order to create them in.
//!
//! The grammar is dracut's (dracut.cmdline(7); `parse-bond.sh`, `parse-vlan.sh` and
//! `parse-bridge.sh` of dracut 059's `35network-legacy`):
//! - `bond=<name>[:<slave>,<slave>...[:<option>=<value>,...[:<mtu>]]]`. Bare `bond` is
//!   `bond0:eth0,eth1:mode=balance-rr`; a name alone gets the slaves `eth0,eth1` and the
//!   driver's defaults. The options are the bonding driver's sysfs names
//!   (Documentation/networking/bonding.rst); `arp_ip_target` separates its addresses
//!   with `;` because `,` already separates the options. Since `:` separates the
//!   fields, `ns_ip6_target` takes bracketed addresses (`[fd00::1];[fd00::2]`) and
//!   `ad_actor_system` a MAC written with `-`.
//! - `vlan=<name>:<parent>`. The VLAN id comes from the name, in one of the four styles
//!   of vconfig's name types: `vlan0005`, `vlan5`, `eth0.0005`, `eth0.5`. The id is
//!   decimal (dracut hands `0010` to `ip`, which would read octal 8: a bug we do not
//!   copy).
//! - `bridge=<name>:<port>,<port>...`. Bare `bridge` is `br0:eth0`.
//!
//! Each parameter may repeat, one device per occurrence. Not supported: `team=` (it
//! needs the teamd daemon), the bonding options that only make sense once slaves are
//! enslaved and up (`active_slave`, `queue_id`, `slaves`), and dracut's overriding of a
//! bond with an empty name by `bond0:eth0,eth1` (an empty name is an error here).

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, Ipv6Addr};

use crate::ip::{check_iface, Expected, Mac};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Netdev {
    Bond(Bond),
    Vlan(Vlan),
    Bridge(Bridge),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bond {
    pub name: String,
    pub slaves: Vec<String>,
    /// Bonding driver options in the order given, each name once. The addresses of
    /// `arp_ip_target` and `ns_ip6_target` are joined with `,`.
    pub options: Vec<(String, String)>,
    pub mtu: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vlan {
    pub name: String,
    pub parent: String,
    pub id: u16,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bridge {
    pub name: String,
    pub ports: Vec<String>,
}

impl Netdev {
    pub fn name(&self) -> &str {
        match self {
            Netdev::Bond(b) => &b.name,
            Netdev::Vlan(v) => &v.name,
            Netdev::Bridge(b) => &b.name,
        }
    }

    /// The interfaces this device is built on: slaves, the parent, ports.
    pub fn lower(&self) -> &[String] {
        match self {
            Netdev::Bond(b) => &b.slaves,
            Netdev::Vlan(v) => std::slice::from_ref(&v.parent),
            Netdev::Bridge(b) => &b.ports,
        }
    }

    /// Whether the lower interfaces become ports of this device (a VLAN's parent does
    /// not: it can carry other VLANs and its own addresses).
    fn enslaves(&self) -> bool {
        !matches!(self, Netdev::Vlan(_))
    }
}

/// The kernel module that provides the device type.
pub fn module_for(dev: &Netdev) -> &'static str {
    match dev {
        Netdev::Bond(_) => "bonding",
        Netdev::Vlan(_) => "8021q",
        Netdev::Bridge(_) => "bridge",
    }
}

const BOND_FORM: &str = "<name>[:<slave>,<slave>...[:<option>=<value>,...[:<mtu>]]] \
     (bare 'bond' is bond0:eth0,eth1:mode=balance-rr)";
const VLAN_FORM: &str =
    "<name>:<parent> with the VLAN id in the name: vlan0005, vlan5, <parent>.0005 or <parent>.5";
const BRIDGE_FORM: &str = "<name>:<port>,<port>... (bare 'bridge' is br0:eth0)";

/// The kernel's limit on `arp_ip_target` and `ns_ip6_target` addresses
/// (BOND_MAX_ARP_TARGETS, BOND_MAX_NS_TARGETS in include/net/bonding.h).
const MAX_TARGETS: usize = 16;

/// What a bonding option accepts, after drivers/net/bonding/bond_options.c: a named
/// table value or its number, a number in a range (or one of the table's names),
/// an interface, addresses or a MAC.
enum Kind {
    /// Names in value order: the number `i` is the name at index `i`.
    Enum(&'static [&'static str]),
    /// Inclusive range, plus the names the table also accepts.
    Range(u64, u64, &'static [&'static str]),
    Iface,
    Ipv4List,
    Ipv6List,
    Mac,
}

const INT_MAX: u64 = 0x7fff_ffff;
const OFF_MAX: &[&str] = &["off", "maxval"];
const PEER_NOTIF: &[&str] = &["off", "maxval", "default"];
const OFF_ON: &[&str] = &["off", "on"];

/// The bonding driver's mode names, by mode number (include/uapi/linux/if_bonding.h).
pub const BOND_MODES: [&str; 7] = [
    "balance-rr",
    "active-backup",
    "balance-xor",
    "broadcast",
    "802.3ad",
    "balance-tlb",
    "balance-alb",
];

/// The bonding driver's options settable through sysfs before enslaving, in
/// bond_options.c's order.
const BOND_OPTIONS: &[(&str, Kind)] = &[
    ("mode", Kind::Enum(&BOND_MODES)),
    (
        "packets_per_slave",
        Kind::Range(0, 65535, &["default", "maxval"]),
    ),
    (
        "xmit_hash_policy",
        Kind::Enum(&[
            "layer2",
            "layer3+4",
            "layer2+3",
            "encap2+3",
            "encap3+4",
            "vlan+srcmac",
        ]),
    ),
    (
        "arp_validate",
        Kind::Enum(&[
            "none",
            "active",
            "backup",
            "all",
            "filter",
            "filter_active",
            "filter_backup",
        ]),
    ),
    ("arp_all_targets", Kind::Enum(&["any", "all"])),
    ("fail_over_mac", Kind::Enum(&["none", "active", "follow"])),
    ("arp_interval", Kind::Range(0, INT_MAX, OFF_MAX)),
    (
        "arp_missed_max",
        Kind::Range(1, 255, &["minval", "maxval", "default"]),
    ),
    ("arp_ip_target", Kind::Ipv4List),
    ("ns_ip6_target", Kind::Ipv6List),
    ("downdelay", Kind::Range(0, INT_MAX, OFF_MAX)),
    ("updelay", Kind::Range(0, INT_MAX, OFF_MAX)),
    ("lacp_active", Kind::Enum(OFF_ON)),
    ("lacp_rate", Kind::Enum(&["slow", "fast"])),
    ("min_links", Kind::Range(0, INT_MAX, OFF_MAX)),
    ("ad_select", Kind::Enum(&["stable", "bandwidth", "count"])),
    ("num_unsol_na", Kind::Range(0, 255, PEER_NOTIF)),
    ("num_grat_arp", Kind::Range(0, 255, PEER_NOTIF)),
    ("miimon", Kind::Range(0, INT_MAX, OFF_MAX)),
    ("primary", Kind::Iface),
    (
        "primary_reselect",
        Kind::Enum(&["always", "better", "failure"]),
    ),
    ("use_carrier", Kind::Enum(OFF_ON)),
    ("all_slaves_active", Kind::Enum(OFF_ON)),
    ("resend_igmp", Kind::Range(0, 255, PEER_NOTIF)),
    (
        "lp_interval",
        Kind::Range(1, INT_MAX, &["minval", "maxval"]),
    ),
    ("tlb_dynamic_lb", Kind::Enum(OFF_ON)),
    (
        "ad_actor_sys_prio",
        Kind::Range(1, 65535, &["minval", "maxval"]),
    ),
    ("ad_actor_system", Kind::Mac),
    (
        "ad_user_port_key",
        Kind::Range(0, 1023, &["minval", "maxval"]),
    ),
    ("peer_notif_delay", Kind::Range(0, 300_000, OFF_MAX)),
    ("coupled_control", Kind::Enum(OFF_ON)),
];

/// `bond=` (the value; `""` for a bare `bond`).
pub fn parse_bond(value: &str) -> Result<Bond, Expected> {
    if value.is_empty() {
        return Ok(Bond {
            name: "bond0".into(),
            slaves: vec!["eth0".into(), "eth1".into()],
            options: vec![("mode".into(), "balance-rr".into())],
            mtu: None,
        });
    }
    let fields = split_fields(value);
    let (name, slaves, options, mtu) = match fields.as_slice() {
        [name] => (*name, None, "", ""),
        [name, slaves] => (*name, Some(*slaves), "", ""),
        [name, slaves, options] => (*name, Some(*slaves), *options, ""),
        [name, slaves, options, mtu] => (*name, Some(*slaves), *options, *mtu),
        _ => {
            return Err(format!(
                "{BOND_FORM}, got {} ':'-separated fields",
                fields.len()
            ))
        }
    };
    let slaves = match slaves {
        None => vec!["eth0".into(), "eth1".into()],
        Some(list) => iface_list(list, "slave")?,
    };
    Ok(Bond {
        name: check_iface(name)?,
        slaves,
        options: bond_options(options)?,
        mtu: parse_mtu(mtu)?,
    })
}

/// Splits on `:` outside `[...]`, so IPv6 addresses of `ns_ip6_target` can be
/// written in brackets as in `ip=`.
fn split_fields(value: &str) -> Vec<&str> {
    let mut fields = Vec::new();
    let (mut start, mut depth) = (0, 0u32);
    for (i, c) in value.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            ':' if depth == 0 => {
                fields.push(value.get(start..i).unwrap_or_default());
                start = i + 1;
            }
            _ => {}
        }
    }
    fields.push(value.get(start..).unwrap_or_default());
    fields
}

/// `vlan=<name>:<parent>`.
pub fn parse_vlan(value: &str) -> Result<Vlan, Expected> {
    let (name, parent) = match value.split(':').collect::<Vec<_>>().as_slice() {
        [name, parent] => (check_iface(name)?, check_iface(parent)?),
        _ => return Err(format!("{VLAN_FORM}, got '{value}'")),
    };
    let id = vlan_id(&name).ok_or_else(|| format!("{VLAN_FORM}, got the name '{name}'"))?;
    match id.parse::<u16>() {
        Ok(id) if (1..=4094).contains(&id) => Ok(Vlan { name, parent, id }),
        _ => Err(format!("a VLAN id 1-4094 in the name, got '{name}'")),
    }
}

/// The digits that carry the id: after `vlan`, else after the last `.`.
fn vlan_id(name: &str) -> Option<&str> {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    match name.strip_prefix("vlan") {
        Some(d) if digits(d) => Some(d),
        _ => name.rsplit_once('.').map(|(_, d)| d).filter(|d| digits(d)),
    }
}

/// `bridge=<name>:<ports>` (the value; `""` for a bare `bridge`).
pub fn parse_bridge(value: &str) -> Result<Bridge, Expected> {
    if value.is_empty() {
        return Ok(Bridge {
            name: "br0".into(),
            ports: vec!["eth0".into()],
        });
    }
    match value.split(':').collect::<Vec<_>>().as_slice() {
        [name, ports] => Ok(Bridge {
            name: check_iface(name)?,
            ports: iface_list(ports, "port")?,
        }),
        _ => Err(format!("{BRIDGE_FORM}, got '{value}'")),
    }
}

/// A non-empty comma-separated list of distinct interface names.
fn iface_list(list: &str, what: &str) -> Result<Vec<String>, Expected> {
    let mut names: Vec<String> = Vec::new();
    for part in list.split(',') {
        if part.is_empty() {
            return Err(format!(
                "a comma-separated list of {what} interfaces, got '{list}'"
            ));
        }
        let name = check_iface(part)?;
        if names.contains(&name) {
            return Err(format!("each {what} listed once, got {name} twice"));
        }
        names.push(name);
    }
    Ok(names)
}

fn parse_mtu(s: &str) -> Result<Option<u32>, Expected> {
    match s {
        "" => Ok(None),
        v => match v.parse::<u32>() {
            Ok(m) if (68..=65535).contains(&m) => Ok(Some(m)),
            _ => Err(format!("an MTU between 68 and 65535, got '{v}'")),
        },
    }
}

/// `<option>=<value>,...`; empty items are skipped as dracut's word splitting does.
fn bond_options(list: &str) -> Result<Vec<(String, String)>, Expected> {
    let mut options: Vec<(String, String)> = Vec::new();
    for item in list.split(',').filter(|s| !s.is_empty()) {
        let (name, value) = item.split_once('=').ok_or_else(|| {
            format!("bonding options as <option>=<value>,<option>=<value>..., got '{item}'")
        })?;
        let kind = BOND_OPTIONS
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, k)| k)
            .ok_or_else(|| {
                let known: Vec<&str> = BOND_OPTIONS.iter().map(|(n, _)| *n).collect();
                format!(
                    "a known bonding option ({}), got '{name}'",
                    known.join(", ")
                )
            })?;
        if options.iter().any(|(n, _)| n == name) {
            return Err(format!("each bonding option once, got {name} twice"));
        }
        let value = check_option(name, kind, value)?;
        options.push((name.to_string(), value));
    }
    Ok(options)
}

/// Validates one option value; returns it as it will be written (address lists
/// joined with `,`).
fn check_option(name: &str, kind: &Kind, value: &str) -> Result<String, Expected> {
    let ok = match kind {
        Kind::Enum(names) => {
            names.contains(&value)
                || value == "default"
                || value.parse::<usize>().is_ok_and(|n| n < names.len())
        }
        Kind::Range(min, max, names) => {
            names.contains(&value)
                || value
                    .parse::<u64>()
                    .is_ok_and(|n| (*min..=*max).contains(&n))
        }
        Kind::Iface => check_iface(value).is_ok(),
        // The driver reads only the ':' form; the command line needs '-' (':'
        // separates the fields of bond=).
        Kind::Mac => {
            return value.parse::<Mac>().map(|m| m.to_string()).map_err(|_| {
                format!("{name}=<a MAC address like 02-00-00-00-00-01>, got '{value}'")
            })
        }
        Kind::Ipv4List => return address_list::<Ipv4Addr>(name, value, "IPv4"),
        Kind::Ipv6List => return address_list::<Ipv6Addr>(name, value, "IPv6"),
    };
    if ok {
        return Ok(value.to_string());
    }
    let form = match kind {
        Kind::Enum(names) => format!("{} or 0-{}", names.join("|"), names.len().saturating_sub(1)),
        Kind::Range(min, max, names) => format!("{min}-{max} or {}", names.join("|")),
        Kind::Iface => "an interface name".to_string(),
        Kind::Ipv4List | Kind::Ipv6List | Kind::Mac => String::new(),
    };
    Err(format!("{name}=<{form}>, got '{value}'"))
}

/// `addr;addr;...` (dracut's separator inside one option), at most [`MAX_TARGETS`].
fn address_list<A: std::str::FromStr>(
    name: &str,
    value: &str,
    family: &str,
) -> Result<String, Expected> {
    let addrs: Vec<&str> = value
        .split(';')
        .map(|a| {
            a.strip_prefix('[')
                .and_then(|a| a.strip_suffix(']'))
                .unwrap_or(a)
        })
        .collect();
    let ok = addrs.len() <= MAX_TARGETS && addrs.iter().all(|a| a.parse::<A>().is_ok());
    if ok {
        Ok(addrs.join(","))
    } else {
        Err(format!(
            "{name}=<{family} address>[;<{family} address>...] (at most {MAX_TARGETS}, IPv6 in []), got '{value}'"
        ))
    }
}

impl Bond {
    /// The writes to `<sysfs>/class/net/<bond>/bonding/<file>` that apply the options,
    /// as `(file, value)`. `mode` comes first: the driver accepts it only while the
    /// bond is down without slaves, refuses mode-dependent options (primary,
    /// lacp_rate...) under the wrong mode, and resets `arp_validate` when it changes.
    /// The rest keep their order (miimon and arp_interval switch each other off, the
    /// last one wins as with the driver). Each `arp_ip_target` / `ns_ip6_target`
    /// address is its own `+<addr>` write: the file adds one target per write.
    pub fn sysfs_writes(&self) -> Vec<(String, String)> {
        let (mode, rest): (Vec<_>, Vec<_>) = self.options.iter().partition(|(n, _)| n == "mode");
        let mut writes = Vec::new();
        for (name, value) in mode.into_iter().chain(rest) {
            if name == "arp_ip_target" || name == "ns_ip6_target" {
                writes.extend(value.split(',').map(|a| (name.clone(), format!("+{a}"))));
            } else {
                writes.push((name.clone(), value.clone()));
            }
        }
        writes
    }
}

/// The devices in an order where each comes after the devices it is built on (a bond
/// before a VLAN on it, a VLAN before a bridge over it), otherwise in the order given.
/// Errors: a name defined twice, an interface enslaved to two masters (bond slave or
/// bridge port), a cycle.
pub fn creation_order(devs: &[Netdev]) -> Result<Vec<Netdev>, Expected> {
    check_unique(devs)?;
    let created: Vec<&str> = devs.iter().map(Netdev::name).collect();
    let mut done: Vec<&str> = Vec::new();
    let mut order = Vec::new();
    let mut pending: Vec<&Netdev> = devs.iter().collect();
    while !pending.is_empty() {
        let ready = pending.iter().position(|d| {
            d.lower()
                .iter()
                .all(|l| !created.contains(&l.as_str()) || done.contains(&l.as_str()))
        });
        let Some(i) = ready else {
            let names: Vec<&str> = pending.iter().map(|d| d.name()).collect();
            return Err(format!(
                "devices that are not built on each other in a cycle, got {}",
                names.join(", ")
            ));
        };
        let dev = pending.remove(i);
        done.push(dev.name());
        order.push(dev.clone());
    }
    Ok(order)
}

fn check_unique(devs: &[Netdev]) -> Result<(), Expected> {
    let mut names: Vec<&str> = Vec::new();
    let mut masters: BTreeMap<&str, &str> = BTreeMap::new();
    for dev in devs {
        if names.contains(&dev.name()) {
            return Err(format!(
                "each device defined once, got {} twice",
                dev.name()
            ));
        }
        names.push(dev.name());
        if !dev.enslaves() {
            continue;
        }
        for lower in dev.lower() {
            if let Some(other) = masters.insert(lower, dev.name()) {
                return Err(format!(
                    "each interface enslaved to one master, got {lower} in {other} and {}",
                    dev.name()
                ));
            }
        }
    }
    Ok(())
}

/// The interfaces the devices need that none of them creates (the physical NICs), in
/// order of first mention.
pub fn lower_devices(devs: &[Netdev]) -> Vec<String> {
    let mut nics: Vec<String> = Vec::new();
    for lower in devs.iter().flat_map(Netdev::lower) {
        if !devs.iter().any(|d| d.name() == lower) && !nics.contains(lower) {
            nics.push(lower.clone());
        }
    }
    nics
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    fn opts(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    fn bond(name: &str, slaves: &[&str]) -> Bond {
        Bond {
            name: name.into(),
            slaves: s(slaves),
            options: vec![],
            mtu: None,
        }
    }

    #[test]
    fn bond_forms() {
        let cases: Vec<(&str, &str, Bond)> = vec![
            (
                "bare bond",
                "",
                Bond {
                    options: opts(&[("mode", "balance-rr")]),
                    ..bond("bond0", &["eth0", "eth1"])
                },
            ),
            ("name only", "bond1", bond("bond1", &["eth0", "eth1"])),
            ("slaves", "bond0:ens1,ens2,ens3", bond("bond0", &["ens1", "ens2", "ens3"])),
            ("one slave", "bond0:ens1", bond("bond0", &["ens1"])),
            (
                "options",
                "bond0:eth0,eth1:mode=active-backup,miimon=100,primary=eth1",
                Bond {
                    options: opts(&[
                        ("mode", "active-backup"),
                        ("miimon", "100"),
                        ("primary", "eth1"),
                    ]),
                    ..bond("bond0", &["eth0", "eth1"])
                },
            ),
            (
                "empty options field, trailing comma",
                "bond0:eth0,eth1:",
                bond("bond0", &["eth0", "eth1"]),
            ),
            (
                "numeric mode, lacp and arp targets with ';'",
                "bond0:eth0,eth1:mode=4,lacp_rate=fast,arp_ip_target=10.0.0.1;10.0.0.2,",
                Bond {
                    options: opts(&[
                        ("mode", "4"),
                        ("lacp_rate", "fast"),
                        ("arp_ip_target", "10.0.0.1,10.0.0.2"),
                    ]),
                    ..bond("bond0", &["eth0", "eth1"])
                },
            ),
            (
                "mtu",
                "bond0:eth0,eth1:mode=802.3ad,xmit_hash_policy=layer3+4:9000",
                Bond {
                    options: opts(&[("mode", "802.3ad"), ("xmit_hash_policy", "layer3+4")]),
                    mtu: Some(9000),
                    ..bond("bond0", &["eth0", "eth1"])
                },
            ),
            (
                "mtu without options",
                "bond0:eth0,eth1::1500",
                Bond {
                    mtu: Some(1500),
                    ..bond("bond0", &["eth0", "eth1"])
                },
            ),
            (
                "kernel value names",
                "bond0:eth0:miimon=maxval,num_grat_arp=default,use_carrier=0,ad_actor_system=02-00-00-00-00-01,ns_ip6_target=[fd00::1];[fd00::2]:9000",
                Bond {
                    options: opts(&[
                        ("miimon", "maxval"),
                        ("num_grat_arp", "default"),
                        ("use_carrier", "0"),
                        ("ad_actor_system", "02:00:00:00:00:01"),
                        ("ns_ip6_target", "fd00::1,fd00::2"),
                    ]),
                    mtu: Some(9000),
                    ..bond("bond0", &["eth0"])
                },
            ),
        ];
        for (label, input, want) in cases {
            assert_eq!(parse_bond(input), Ok(want), "case {label}: '{input}'");
        }
    }

    #[test]
    fn bond_errors_say_what_was_expected() {
        let cases = [
            ("five fields", "bond0:eth0:mode=1:1500:x", "<name>[:<slave>"),
            ("empty name", ":eth0,eth1", "interface name"),
            ("bad name", "bo/nd:eth0", "interface name"),
            (
                "empty slave list",
                "bond0::mode=1",
                "list of slave interfaces",
            ),
            (
                "empty slave",
                "bond0:eth0,,eth1",
                "list of slave interfaces",
            ),
            ("slave twice", "bond0:eth0,eth0", "each slave listed once"),
            (
                "unknown option",
                "bond0:eth0:speed=10",
                "a known bonding option (mode, ",
            ),
            ("no '='", "bond0:eth0:mode", "<option>=<value>"),
            (
                "bad mode",
                "bond0:eth0:mode=fast",
                "mode=<balance-rr|active-backup",
            ),
            ("mode out of range", "bond0:eth0:mode=7", "or 0-6"),
            (
                "miimon not a number",
                "bond0:eth0:miimon=-1",
                "miimon=<0-2147483647",
            ),
            ("lacp_rate", "bond0:eth0:lacp_rate=medium", "slow|fast"),
            (
                "bad arp target",
                "bond0:eth0:arp_ip_target=10.0.0.1;x",
                "arp_ip_target=<IPv4",
            ),
            (
                "ipv6 arp target",
                "bond0:eth0:arp_ip_target=[fd00::1]",
                "IPv4",
            ),
            (
                "unbracketed ipv6",
                "bond0:eth0:ns_ip6_target=fd00::1",
                "fields",
            ),
            (
                "bad mac",
                "bond0:eth0:ad_actor_system=02-00",
                "a MAC address like",
            ),
            (
                "option twice",
                "bond0:eth0:miimon=1,miimon=2",
                "miimon twice",
            ),
            (
                "bad primary",
                "bond0:eth0:primary=a/b",
                "primary=<an interface name>",
            ),
            ("bad mtu", "bond0:eth0::12", "MTU between 68 and 65535"),
        ];
        for (label, input, needle) in cases {
            let err = parse_bond(input).expect_err(label);
            assert!(
                err.contains(needle),
                "case {label}: '{err}' lacks '{needle}'"
            );
        }
        let many = vec!["10.0.0.1"; 17].join(";");
        let err = parse_bond(&format!("bond0:eth0:arp_ip_target={many}")).unwrap_err();
        assert!(err.contains("at most 16"), "{err}");
    }

    #[test]
    fn mode_is_written_first_and_targets_one_by_one() {
        let b = parse_bond(
            "bond0:eth0,eth1:miimon=100,arp_ip_target=10.0.0.1;10.0.0.2,mode=active-backup,primary=eth1",
        )
        .unwrap();
        assert_eq!(
            b.sysfs_writes(),
            opts(&[
                ("mode", "active-backup"),
                ("miimon", "100"),
                ("arp_ip_target", "+10.0.0.1"),
                ("arp_ip_target", "+10.0.0.2"),
                ("primary", "eth1"),
            ])
        );
        assert_eq!(bond("bond0", &["eth0"]).sysfs_writes(), vec![]);
    }

    #[test]
    fn vlan_naming_styles() {
        let cases = [
            ("VLAN_PLUS_VID", "vlan0005:eth0", "vlan0005", 5),
            ("VLAN_PLUS_VID_NO_PAD", "vlan5:eth0", "vlan5", 5),
            ("DEV_PLUS_VID", "eth0.0005:eth0", "eth0.0005", 5),
            ("DEV_PLUS_VID_NO_PAD", "eth0.5:eth0", "eth0.5", 5),
            ("decimal, not octal", "vlan0010:eth0", "vlan0010", 10),
            ("on a bond", "bond0.100:bond0", "bond0.100", 100),
            ("highest id", "vlan4094:eth0", "vlan4094", 4094),
        ];
        for (label, input, name, id) in cases {
            let parent = input.split_once(':').unwrap().1;
            assert_eq!(
                parse_vlan(input),
                Ok(Vlan {
                    name: name.into(),
                    parent: parent.into(),
                    id
                }),
                "case {label}"
            );
        }
    }

    #[test]
    fn vlan_errors_say_what_was_expected() {
        let cases = [
            ("bare vlan", "", "<name>:<parent>"),
            ("no parent", "vlan5", "<name>:<parent>"),
            ("three fields", "vlan5:eth0:x", "<name>:<parent>"),
            ("no id in name", "mgmt:eth0", "got the name 'mgmt'"),
            ("vlan without digits", "vlanx:eth0", "got the name 'vlanx'"),
            ("id 0", "vlan0:eth0", "VLAN id 1-4094"),
            ("id 4095", "eth0.4095:eth0", "VLAN id 1-4094"),
            ("id overflow", "vlan99999:eth0", "VLAN id 1-4094"),
            ("bad parent", "vlan5:a b", "interface name"),
            ("name too long", "averylongname.55:eth0", "interface name"),
        ];
        for (label, input, needle) in cases {
            let err = parse_vlan(input).expect_err(label);
            assert!(
                err.contains(needle),
                "case {label}: '{err}' lacks '{needle}'"
            );
        }
    }

    #[test]
    fn bridge_forms_and_errors() {
        assert_eq!(
            parse_bridge(""),
            Ok(Bridge {
                name: "br0".into(),
                ports: s(&["eth0"])
            }),
            "bare bridge"
        );
        assert_eq!(
            parse_bridge("br1:eth0,eth1.5"),
            Ok(Bridge {
                name: "br1".into(),
                ports: s(&["eth0", "eth1.5"])
            })
        );
        let cases = [
            ("name only", "br1", "<name>:<port>"),
            ("three fields", "br1:eth0:x", "<name>:<port>"),
            ("empty ports", "br1:", "list of port interfaces"),
            ("port twice", "br1:eth0,eth0", "each port listed once"),
            ("bad name", "b r:eth0", "interface name"),
        ];
        for (label, input, needle) in cases {
            let err = parse_bridge(input).expect_err(label);
            assert!(
                err.contains(needle),
                "case {label}: '{err}' lacks '{needle}'"
            );
        }
    }

    fn vlan(name: &str, parent: &str, id: u16) -> Netdev {
        Netdev::Vlan(Vlan {
            name: name.into(),
            parent: parent.into(),
            id,
        })
    }

    fn bridge(name: &str, ports: &[&str]) -> Netdev {
        Netdev::Bridge(Bridge {
            name: name.into(),
            ports: s(ports),
        })
    }

    fn names(devs: &[Netdev]) -> Vec<&str> {
        devs.iter().map(Netdev::name).collect()
    }

    #[test]
    fn creation_order_puts_lower_devices_first() {
        let bond0 = Netdev::Bond(bond("bond0", &["eth0", "eth1"]));
        let cases: Vec<(&str, Vec<Netdev>, Vec<&str>)> = vec![
            (
                "VLAN on a bond, given first",
                vec![vlan("bond0.5", "bond0", 5), bond0.clone()],
                vec!["bond0", "bond0.5"],
            ),
            (
                "bridge over a VLAN over a bond, given top down",
                vec![
                    bridge("br0", &["bond0.5"]),
                    vlan("bond0.5", "bond0", 5),
                    bond0.clone(),
                ],
                vec!["bond0", "bond0.5", "br0"],
            ),
            (
                "independent devices keep their order",
                vec![
                    vlan("vlan7", "eth2", 7),
                    bond0.clone(),
                    bridge("br0", &["eth3"]),
                ],
                vec!["vlan7", "bond0", "br0"],
            ),
            (
                "two VLANs on one parent",
                vec![vlan("eth0.5", "eth0", 5), vlan("eth0.6", "eth0", 6)],
                vec!["eth0.5", "eth0.6"],
            ),
            ("nothing", vec![], vec![]),
        ];
        for (label, devs, want) in cases {
            let got = creation_order(&devs).unwrap_or_else(|e| panic!("case {label}: {e}"));
            assert_eq!(names(&got), want, "case {label}");
        }
    }

    #[test]
    fn creation_order_errors() {
        let cases: Vec<(&str, Vec<Netdev>, &str)> = vec![
            (
                "cycle",
                vec![
                    Netdev::Bond(bond("bond0", &["br0"])),
                    bridge("br0", &["bond0"]),
                ],
                "cycle, got bond0, br0",
            ),
            (
                "built on itself",
                vec![vlan("eth0.5", "eth0.5", 5)],
                "cycle, got eth0.5",
            ),
            (
                "slave in two bonds",
                vec![
                    Netdev::Bond(bond("bond0", &["eth0", "eth1"])),
                    Netdev::Bond(bond("bond1", &["eth1"])),
                ],
                "got eth1 in bond0 and bond1",
            ),
            (
                "bond slave and bridge port",
                vec![
                    Netdev::Bond(bond("bond0", &["eth0"])),
                    bridge("br0", &["eth0"]),
                ],
                "got eth0 in bond0 and br0",
            ),
            (
                "same name twice",
                vec![vlan("vlan5", "eth0", 5), vlan("vlan5", "eth1", 5)],
                "got vlan5 twice",
            ),
        ];
        for (label, devs, needle) in cases {
            let err = creation_order(&devs).expect_err(label);
            assert!(
                err.contains(needle),
                "case {label}: '{err}' lacks '{needle}'"
            );
        }
        // A VLAN's parent is not enslaved: it may also be a bridge port.
        let ok = [vlan("eth0.5", "eth0", 5), bridge("br0", &["eth0"])];
        assert!(creation_order(&ok).is_ok());
    }

    #[test]
    fn lower_devices_are_the_nics_no_netdev_creates() {
        let devs = [
            bridge("br0", &["bond0.5", "eth2"]),
            vlan("bond0.5", "bond0", 5),
            Netdev::Bond(bond("bond0", &["eth0", "eth1"])),
            vlan("eth2.7", "eth2", 7),
        ];
        assert_eq!(lower_devices(&devs), s(&["eth2", "eth0", "eth1"]));
        assert_eq!(lower_devices(&[]), Vec::<String>::new());
    }

    #[test]
    fn modules_and_names() {
        let devs = [
            Netdev::Bond(bond("bond0", &["eth0"])),
            vlan("vlan5", "eth0", 5),
            bridge("br0", &["eth1"]),
        ];
        let got: Vec<(&str, &str)> = devs.iter().map(|d| (d.name(), module_for(d))).collect();
        assert_eq!(
            got,
            [("bond0", "bonding"), ("vlan5", "8021q"), ("br0", "bridge")]
        );
    }
}
