//! `osr-cdsl query`: the cluster.conf queries of comoonics' `com-queryclusterconf`,
//! by their legacy names, answered from `osr_core::cluster`'s typed model.
//!
//! Two families, as the legacy had them:
//! - the tool's own queries, which name a node by its *name* (`rootvolume node1`,
//!   `ip node1 eth0`) or a MAC (`nodeid 00:0c:29:c9:c6:f5`);
//! - the `querymap.cfg` queries, whose XPath took the *nodeid* as `%(param0)s`
//!   and an `<eth name>` or `<filesystem dest>` as `%(param1)s`
//!   (`rootvolume_name 1`, `eth_name_ip 1 eth0`). The names of comoonics-initrd-ng's
//!   querymap.cfg and the osr dracut module's query-map.cfg are all here.
//!
//! A node argument that is not found as what the query names (a name, or a
//! nodeid) is tried as the other, as the legacy `netdevs` did. Values are printed
//! in their canonical form, not as written: MACs lower-case with colons (as
//! `/sys/class/net/*/address` gives them), an IPv4 `mask` dotted, `onboot` yes or
//! no (yes when absent, as the legacy defaulted it), `slave` yes or nothing.
//!
//! Not done: `query_value` / `query_xml` (arbitrary XPath), the rgmanager
//! queries (`failoverdomainnodes`, `failoverdomainprefnode`: `<rm>` is not read),
//! `convert`, custom query maps (`-m` is accepted and not read), and several
//! queries in one call (`query=...`).

use std::net::{IpAddr, Ipv4Addr};

use anyhow::{bail, Context, Result};
use osr_core::cluster::{ClusterConf, ClusterNode, ComInfo, Eth, EthIp, Filesystem};
use osr_core::ip::Mac;

/// The answer's values, in file order; empty when the element or attribute is
/// absent (the legacy printed nothing and failed).
pub type Values = Vec<String>;

/// Legacy names that are recognised and refused, with the reason.
const NOT_DONE: &[(&str, &str)] = &[
    (
        "query_value",
        "XPath queries are not evaluated: use a named query",
    ),
    (
        "query_xml",
        "XPath queries are not evaluated: use a named query",
    ),
    ("failoverdomainnodes", "rgmanager's <rm> is not read"),
    ("failoverdomainprefnode", "rgmanager's <rm> is not read"),
    ("convert", "the cluster.conf is not converted"),
];

/// Every query name, for `--help` and the unknown-query error.
pub const NAMES: &str = "\
cluster:  nodeids [SEP], nodenames, nodes, hwids, hosts, clustername_name,
          clustertype, clustertype_type
by MAC:   nodeid MAC, nodename MAC, nodeid_by_hwid MAC, nodename_by_hwid MAC,
          ifconfig MAC
by name:  netdevs NODE [SEP], rootvolume NODE, rootfs NODE, mountopts NODE,
          syslog NODE, scsifailover NODE, ip|mask|gateway|master|slave NODE DEV
by id:    nodenamebyid ID, nodename_by_id ID, name_name ID, macs ID,
          hwids_by_nodeid ID, mac ID DEV, hwid_by_nodeid ID DEV, eth_name ID,
          eth_name_ATTR ID DEV (ATTR: name mac onboot ip mask gateway driver
          master slave type bridge properties), syslog_ATTR ID and syslogATTR ID
          (name level subsys type filter), rootvolume_ATTR ID (name fstype
          mountopts), rootsource_name ID, scsi_ATTR ID (name driver failover),
          chrootenv_ATTR ID (mountpoint fstype device chrootdir mountopts),
          chroot_ATTR ID (mountpoint fstype device dir mountopts),
          filesystem_dest ID, filesystem_dest_ATTR ID DEST (dest source fstype
          mountopts mountwait mounttimes), nodevalues ID";

/// Answers query `name` with `args` (the words after it).
pub fn answer(conf: &ClusterConf, name: &str, args: &[&str]) -> Result<Values> {
    if let Some((_, why)) = NOT_DONE.iter().find(|(n, _)| *n == name) {
        bail!("{name}: not supported: {why}");
    }
    if let Some(v) = cluster_query(conf, name, args)? {
        return Ok(v);
    }
    if let Some(v) = node_query(conf, name, args)? {
        return Ok(v);
    }
    bail!("{name}: unknown query; the queries are:\n{NAMES}")
}

/// The arguments of `name`, exactly `want` of them.
fn take<'a, const N: usize>(name: &str, args: &[&'a str], want: &str) -> Result<[&'a str; N]> {
    <[&str; N]>::try_from(args)
        .ok()
        .with_context(|| format!("{name}: expected `{name} {want}`, got {args:?}"))
}

/// An optional trailing separator (the oldest `nodeids [<sep>]` form): the
/// values joined into one.
fn joined(values: Values, sep: Option<&str>) -> Values {
    match sep {
        Some(sep) if !values.is_empty() => vec![values.join(sep)],
        _ => values,
    }
}

fn cluster_query(conf: &ClusterConf, name: &str, args: &[&str]) -> Result<Option<Values>> {
    let nodes = &conf.nodes;
    let v = match name {
        "nodeids" => {
            let sep = match args {
                [] => None,
                [sep] => Some(*sep),
                _ => bail!("nodeids: expected `nodeids [SEP]`, got {args:?}"),
            };
            joined(nodes.iter().map(|n| n.nodeid.to_string()).collect(), sep)
        }
        "nodenames" => {
            take::<0>(name, args, "")?;
            nodes.iter().map(|n| n.name.clone()).collect()
        }
        "nodes" => {
            take::<0>(name, args, "")?;
            vec![nodes.len().to_string()]
        }
        "hwids" => {
            take::<0>(name, args, "")?;
            nodes.iter().flat_map(macs).collect()
        }
        "clustername_name" => {
            take::<0>(name, args, "")?;
            vec![conf.name.clone()]
        }
        "clustertype" | "clustertype_type" => {
            take::<0>(name, args, "")?;
            conf.cluster_type.iter().cloned().collect()
        }
        "hosts" => {
            take::<0>(name, args, "")?;
            nodes.iter().filter_map(host_line).collect()
        }
        "nodeid" | "nodeid_by_hwid" => {
            let [mac] = take(name, args, "MAC")?;
            by_mac(conf, mac)?
                .iter()
                .map(|(n, _)| n.nodeid.to_string())
                .collect()
        }
        "nodename" | "nodename_by_hwid" => {
            let [mac] = take(name, args, "MAC")?;
            by_mac(conf, mac)?
                .iter()
                .map(|(n, _)| n.name.clone())
                .collect()
        }
        "ifconfig" => {
            let [mac] = take(name, args, "MAC")?;
            by_mac(conf, mac)?
                .first()
                .map(|(_, e)| {
                    let ip = eth_attr(e, "ip").unwrap_or_default().join(" ");
                    let mask = eth_attr(e, "mask").unwrap_or_default().join(" ");
                    vec![format!("{} {ip} {mask}", e.name)]
                })
                .unwrap_or_default()
        }
        _ => return Ok(None),
    };
    Ok(Some(v))
}

fn macs(n: &ClusterNode) -> Vec<String> {
    n.com
        .eths
        .iter()
        .filter_map(|e| e.mac.map(|m| m.to_string()))
        .collect()
}

/// `hosts`: the node's first static address and its name, as the legacy printed
/// them (`"%s \t%s"`).
fn host_line(n: &ClusterNode) -> Option<String> {
    n.com.eths.iter().find_map(|e| match e.ip {
        Some(EthIp::Static(a)) => Some(format!("{a} \t{}", n.name)),
        _ => None,
    })
}

/// The nodes with an `<eth>` of this MAC, any case, `:` or `-`; none is an
/// error naming the MAC.
fn by_mac<'a>(conf: &'a ClusterConf, arg: &str) -> Result<Vec<(&'a ClusterNode, &'a Eth)>> {
    let mac: Mac = arg
        .parse()
        .map_err(|e| anyhow::anyhow!("{arg:?}: expected {e}"))?;
    let found: Vec<_> = conf
        .nodes
        .iter()
        .flat_map(|n| n.com.eths.iter().map(move |e| (n, e)))
        .filter(|(_, e)| e.mac == Some(mac))
        .collect();
    if found.is_empty() {
        bail!("{mac}: no clusternode has an <eth> with this MAC");
    }
    Ok(found)
}

#[derive(Clone, Copy)]
enum By {
    Name,
    Id,
}

/// The node `key` names, tried as `by` first.
fn node<'a>(conf: &'a ClusterConf, key: &str, by: By) -> Result<&'a ClusterNode> {
    let by_name = || conf.nodes.iter().find(|n| n.name == key);
    let by_id = || key.parse::<u32>().ok().and_then(|id| conf.node(id));
    match by {
        By::Name => by_name().or_else(by_id),
        By::Id => by_id().or_else(by_name),
    }
    .with_context(|| format!("{key}: no clusternode with this nodeid or name"))
}

fn eth<'a>(n: &'a ClusterNode, dev: &str) -> Result<&'a Eth> {
    n.com
        .eths
        .iter()
        .find(|e| e.name == dev)
        .with_context(|| format!("{}: no <eth name=\"{dev}\"> in node {}", dev, n.name))
}

fn filesystem<'a>(n: &'a ClusterNode, dest: &str) -> Result<&'a Filesystem> {
    n.com
        .filesystems
        .iter()
        .find(|f| f.dest == dest)
        .with_context(|| format!("{dest}: no <filesystem dest=\"{dest}\"> in node {}", n.name))
}

/// A query about one node: `Some` when `name` is one.
fn node_query(conf: &ClusterConf, name: &str, args: &[&str]) -> Result<Option<Values>> {
    // The tool's own queries, by node name.
    let by_name_attr = match name {
        "rootvolume" => Some("rootvolume_name"),
        "rootfs" => Some("rootvolume_fstype"),
        "mountopts" => Some("rootvolume_mountopts"),
        "syslog" => Some("syslog_name"),
        "scsifailover" => Some("scsi_failover"),
        _ => None,
    };
    if let Some(attr) = by_name_attr {
        let [key] = take(name, args, "NODENAME")?;
        return Ok(Some(com_attr(node(conf, key, By::Name)?, attr)));
    }
    match name {
        "netdevs" => {
            let (key, sep) = match args {
                [key] => (*key, None),
                [key, sep] => (*key, Some(*sep)),
                _ => bail!("netdevs: expected `netdevs NODENAME [SEP]`, got {args:?}"),
            };
            let n = node(conf, key, By::Name)?;
            let names = n.com.eths.iter().map(|e| e.name.clone()).collect();
            return Ok(Some(joined(names, sep)));
        }
        "ip" | "mask" | "gateway" | "master" | "slave" => {
            let [key, dev] = take(name, args, "NODENAME DEV")?;
            let e = eth(node(conf, key, By::Name)?, dev)?;
            return Ok(Some(eth_attr(e, name).unwrap_or_default()));
        }
        "nodevalues" => {
            let [key] = take(name, args, "NODEID")?;
            return Ok(Some(nodevalues(node(conf, key, By::Id)?)));
        }
        _ => {}
    }
    // The query maps' queries, by nodeid.
    let id_query = |want: &str| -> Result<&ClusterNode> {
        let [key] = take(name, args, want)?;
        node(conf, key, By::Id)
    };
    let id_and = |want: &str| -> Result<(&ClusterNode, &str)> {
        let [key, second] = take(name, args, want)?;
        Ok((node(conf, key, By::Id)?, second))
    };
    let v = match name {
        "nodenamebyid" | "nodename_by_id" | "name_name" => vec![id_query("NODEID")?.name.clone()],
        "macs" | "hwids_by_nodeid" => macs(id_query("NODEID")?),
        "mac" | "hwid_by_nodeid" => {
            let (n, dev) = id_and("NODEID DEV")?;
            eth_attr(eth(n, dev)?, "mac").unwrap_or_default()
        }
        "eth_name" => id_query("NODEID")?
            .com
            .eths
            .iter()
            .map(|e| e.name.clone())
            .collect(),
        "filesystem_dest" => id_query("NODEID")?
            .com
            .filesystems
            .iter()
            .map(|f| f.dest.clone())
            .collect(),
        _ => {
            if let Some(attr) = name.strip_prefix("eth_name_") {
                if !ETH_ATTRS.contains(&attr) {
                    return Ok(None);
                }
                let (n, dev) = id_and("NODEID DEV")?;
                eth_attr(eth(n, dev)?, attr).unwrap_or_default()
            } else if let Some(attr) = name.strip_prefix("filesystem_dest_") {
                if !FS_ATTRS.contains(&attr) {
                    return Ok(None);
                }
                let (n, dest) = id_and("NODEID DEST")?;
                fs_attr(filesystem(n, dest)?, attr, n.nodeid).unwrap_or_default()
            } else if com_attr_value(&ComInfo::default(), name).is_some() {
                com_attr(id_query("NODEID")?, name)
            } else {
                return Ok(None);
            }
        }
    };
    Ok(Some(v))
}

/// The `<eth>` attributes the query maps name (`eth_name_ATTR`).
const ETH_ATTRS: &[&str] = &[
    "name",
    "mac",
    "onboot",
    "ip",
    "mask",
    "gateway",
    "driver",
    "master",
    "slave",
    "type",
    "bridge",
    "properties",
];

/// The `<filesystem>` attributes the query maps name (`filesystem_dest_ATTR`).
const FS_ATTRS: &[&str] = &[
    "dest",
    "source",
    "fstype",
    "mountopts",
    "mountwait",
    "mounttimes",
];

fn com_attr(n: &ClusterNode, name: &str) -> Values {
    com_attr_value(&n.com, name)
        .flatten()
        .map(|v| vec![v])
        .unwrap_or_default()
}

/// A `<com_info>` child's attribute by its query-map name (`syslog_name`,
/// `rootvolume_fstype`, the legacy `syslogname` spelling...): `None` for an
/// unknown name, `Some(None)` for an absent value.
fn com_attr_value(c: &ComInfo, name: &str) -> Option<Option<String>> {
    let rv = c.rootvolume.as_ref();
    let sl = c.syslog.as_ref();
    let sc = c.scsi.as_ref();
    let ch = c.chrootenv.as_ref();
    let name = match name {
        "syslogname" | "sysloglevel" | "syslogsubsys" | "syslogtype" | "syslogfilter" => {
            return com_attr_value(c, &name.replacen("syslog", "syslog_", 1));
        }
        n => n,
    };
    Some(match name {
        "rootvolume_name" => rv.map(|r| r.name.clone()),
        "rootvolume_fstype" => rv.and_then(|r| r.fstype.clone()),
        "rootvolume_mountopts" => rv.and_then(|r| r.mountopts.clone()),
        "rootsource_name" => c.rootsource.clone(),
        "syslog_name" => sl.map(|s| s.servers.join(",")).filter(|s| !s.is_empty()),
        "syslog_level" => sl.and_then(|s| s.level.clone()),
        "syslog_subsys" => sl.and_then(|s| s.subsys.clone()),
        "syslog_type" => sl.and_then(|s| s.kind.clone()),
        "syslog_filter" => sl.and_then(|s| s.filter.clone()),
        "scsi_name" => sc.and_then(|s| s.name.clone()),
        "scsi_driver" => sc.and_then(|s| s.driver.clone()),
        "scsi_failover" => sc.and_then(|s| s.failover.clone()),
        "chrootenv_mountpoint" | "chroot_mountpoint" => ch.and_then(|c| c.mountpoint.clone()),
        "chrootenv_fstype" | "chroot_fstype" => ch.and_then(|c| c.fstype.clone()),
        "chrootenv_device" | "chroot_device" => ch.and_then(|c| c.device.clone()),
        "chrootenv_chrootdir" | "chroot_dir" => ch.and_then(|c| c.chrootdir.clone()),
        "chrootenv_mountopts" | "chroot_mountopts" => ch.and_then(|c| c.mountopts.clone()),
        _ => return None,
    })
}

/// An `<eth>` attribute by its legacy name; `None` for an unknown name.
fn eth_attr(e: &Eth, attr: &str) -> Option<Values> {
    let one = |v: Option<String>| v.into_iter().collect::<Values>();
    Some(match attr {
        "name" => vec![e.name.clone()],
        "mac" => one(e.mac.map(|m| m.to_string())),
        "ip" => one(e.ip.map(|ip| match ip {
            EthIp::Dhcp => "dhcp".to_string(),
            EthIp::Static(a) => a.to_string(),
        })),
        "mask" => one(e.mask.map(|p| mask(p, e.ip))),
        "gateway" => one(e.gateway.map(|g| g.to_string())),
        "driver" => one(e.driver.clone()),
        "master" => one(e.master.clone()),
        "slave" => one(e.slave.then(|| "yes".to_string())),
        "type" => one(e.kind.clone()),
        "bridge" => one(e.bridge.clone()),
        "onboot" => vec![if e.onboot { "yes" } else { "no" }.to_string()],
        "properties" => e
            .properties
            .iter()
            .map(|(k, v)| format!("{k}=\"{v}\""))
            .collect(),
        _ => return None,
    })
}

/// A prefix length as the legacy wrote masks: dotted for IPv4, the number for
/// IPv6.
fn mask(prefix: u8, ip: Option<EthIp>) -> String {
    match ip {
        Some(EthIp::Static(IpAddr::V6(_))) => prefix.to_string(),
        _ if prefix > 32 => prefix.to_string(),
        _ => {
            let bits = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            Ipv4Addr::from(bits).to_string()
        }
    }
}

/// A `<filesystem>` attribute; `source` with the legacy `%(param0)s` replaced
/// by the nodeid, as the legacy printed it.
fn fs_attr(f: &Filesystem, attr: &str, nodeid: u32) -> Option<Values> {
    let one = |v: Option<String>| v.into_iter().collect::<Values>();
    Some(match attr {
        "dest" => vec![f.dest.clone()],
        "source" => vec![f.source_for(nodeid)],
        "fstype" => one(f.fstype.clone()),
        "mountopts" => one(f.mountopts.clone()),
        "mountwait" => one(f.mountwait.map(|n| n.to_string())),
        "mounttimes" => one(f.mounttimes.map(|n| n.to_string())),
        _ => return None,
    })
}

/// `osr-nodeidvalues-<id>.conf` as the osr dracut module's
/// `osr_generate_nodevalues` wrote it: shell assignments, one per line, every
/// key even when empty. A NIC name is made a valid shell name part (`eth0.100`
/// gives `eth_eth0_100_ip`), and values are quoted where the shell needs it.
fn nodevalues(n: &ClusterNode) -> Values {
    let mut out = Vec::new();
    let mut put = |key: String, v: Values| out.push(format!("{key}={}", shell_quote(&v.join(" "))));
    put(
        "eth_name".into(),
        n.com.eths.iter().map(|e| e.name.clone()).collect(),
    );
    for e in &n.com.eths {
        let nic: String = e
            .name
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        for attr in ["name", "mac", "ip", "gateway", "mask"] {
            put(
                format!("eth_{nic}_{attr}"),
                eth_attr(e, attr).unwrap_or_default(),
            );
        }
    }
    for key in [
        "syslog_name",
        "syslog_level",
        "syslog_subsys",
        "syslog_type",
        "rootvolume_name",
        "rootvolume_fstype",
    ] {
        put(key.to_string(), com_attr(n, key));
    }
    out
}

/// `v` as one shell word: bare when it is made of safe characters only, else in
/// single quotes.
fn shell_quote(v: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "_./:,@%+=-".contains(c);
    if v.chars().all(safe) {
        v.to_string()
    } else {
        format!("'{}'", v.replace('\'', r"'\''"))
    }
}
