//! Which `<clusternode>` this machine is, in the legacy order (linuxrc.generic.sh,
//! legacy-sharedroot.md §1c):
//!
//! 1. `nodeid=` on the command line,
//! 2. `com-nodeid=`,
//! 3. in a cluster of more than one node, the first NIC (in the order given) whose
//!    MAC is some node's `<eth mac>`,
//! 4. the only node of a one-node cluster.
//!
//! The legacy's second source, a nodeid baked into the image at build time, does not
//! exist here. MACs compare as bytes, so case and `:`/`-` do not matter (the legacy
//! `gfs` path compared upper-case strings, its `osr` path lower-case ones).
//!
//! One deliberate difference: when NICs match two different nodes (two NICs, or one
//! NIC whose MAC two nodes claim) the legacy took whichever came first; booting as the
//! wrong node of a shared root damages the other node's files, so that is an error
//! here. So is finding a node whose `<clusternode>` or `<eth>` could not be read
//! (a [`Problem`] of [`Part::Node`], or one whose MACs it left out), and the one-node
//! shortcut is not taken when a `<clusternode>` was left out.

use std::fmt;

use super::{ClusterConf, ConfError, Part, Problem};
use crate::ip::Mac;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub nodeid: u32,
    pub node_name: String,
    pub how: Source,
}

/// How the node was found, for the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// `nodeid=`
    Param,
    /// `com-nodeid=`
    ComParam,
    /// This NIC's MAC is in the node's `<eth>`.
    Mac { iface: String, mac: Mac },
    /// The cluster has one node.
    SingleNode,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Param => f.write_str("from nodeid="),
            Source::ComParam => f.write_str("from com-nodeid="),
            Source::Mac { iface, mac } => write!(f, "by the MAC {mac} of {iface}"),
            Source::SingleNode => f.write_str("as the only node of cluster.conf"),
        }
    }
}

/// One node's MACs as cluster.conf gives them (`<eth name>`, `mac`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeMacs {
    pub nodeid: u32,
    pub name: String,
    pub macs: Vec<(String, Mac)>,
}

/// A NIC whose MAC belongs to a node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MacMatch {
    pub iface: String,
    pub mac: Mac,
    pub nodeid: u32,
    pub node_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdentityError {
    /// `nodeid=`/`com-nodeid=` is not a nodeid of cluster.conf.
    UnknownNodeid {
        param: &'static str,
        value: String,
        known: Vec<u32>,
        /// Why `<clusternode>`s were left out of cluster.conf.
        left_out: Vec<ConfError>,
    },
    /// No NIC's MAC is in cluster.conf (and there is more than one node).
    NoMatch {
        seen: Vec<(String, Mac)>,
        known: Vec<NodeMacs>,
        left_out: Vec<ConfError>,
    },
    /// NICs of this machine are listed under different nodes.
    Ambiguous { matches: Vec<MacMatch> },
    /// This machine is node `nodeid`, and what its boot uses cannot be read.
    Unusable {
        nodeid: u32,
        problems: Vec<ConfError>,
    },
    /// A NIC's MAC is in a `<clusternode>` whose nodeid cannot be read.
    Unreadable {
        iface: String,
        mac: Mac,
        problem: ConfError,
    },
}

impl std::error::Error for IdentityError {}

fn join<T: fmt::Display>(items: impl IntoIterator<Item = T>, sep: &str) -> String {
    items
        .into_iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(sep)
}

fn nics(list: &[(String, Mac)]) -> String {
    join(list.iter().map(|(i, m)| format!("{i} {m}")), ", ")
}

/// The reasons `<clusternode>`s were left out, one a line.
fn left_out_lines(f: &mut fmt::Formatter<'_>, left_out: &[ConfError]) -> fmt::Result {
    if !left_out.is_empty() {
        write!(f, "\n  left out of cluster.conf:")?;
    }
    for e in left_out {
        write!(f, "\n    {e}")?;
    }
    Ok(())
}

impl fmt::Display for IdentityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdentityError::UnknownNodeid {
                param,
                value,
                known,
                left_out,
            } => {
                write!(
                    f,
                    "{param}={value:?}: expected one of cluster.conf's nodeids: {}",
                    join(known, ", ")
                )?;
                left_out_lines(f, left_out)
            }
            IdentityError::Unusable { nodeid, problems } => {
                write!(f, "this is node {nodeid}, and cluster.conf has errors in what its boot uses:")?;
                for e in problems {
                    write!(f, "\n  {e}")?;
                }
                write!(f, "\n  fix: correct them in cluster.conf (the other nodes' errors are only warned about)")
            }
            IdentityError::Unreadable { iface, mac, problem } => write!(
                f,
                "{iface} {mac} is in a <clusternode> that cannot be read: {problem}\n  fix: correct it in cluster.conf, or boot with nodeid="
            ),
            IdentityError::NoMatch {
                seen,
                known,
                left_out,
            } => {
                writeln!(
                    f,
                    "no <clusternode> of cluster.conf has a MAC of this machine"
                )?;
                if seen.is_empty() {
                    writeln!(f, "  NICs here: none (are the NIC drivers loaded?)")?;
                } else {
                    writeln!(f, "  NICs here: {}", nics(seen))?;
                }
                writeln!(f, "  MACs in cluster.conf:")?;
                for n in known {
                    let macs = if n.macs.is_empty() {
                        "none".to_string()
                    } else {
                        nics(&n.macs)
                    };
                    writeln!(f, "    {} (nodeid {}): {macs}", n.name, n.nodeid)?;
                }
                write!(
                    f,
                    "  fix: add this machine's MAC as <eth name=\"...\" mac=\"...\"/> in the \
                     <com_info> of its <clusternode> in cluster.conf, or boot with nodeid=<{}>",
                    join(known.iter().map(|n| n.nodeid), "|")
                )?;
                left_out_lines(f, left_out)
            }
            IdentityError::Ambiguous { matches } => {
                writeln!(
                    f,
                    "this machine's NICs belong to different nodes of cluster.conf:"
                )?;
                for m in matches {
                    writeln!(
                        f,
                        "  {} {} is in {} (nodeid {})",
                        m.iface, m.mac, m.node_name, m.nodeid
                    )?;
                }
                write!(
                    f,
                    "  fix: correct the <eth mac> in cluster.conf, or boot with nodeid="
                )
            }
        }
    }
}

/// Finds this machine's node. `nics` are the NICs present (name, MAC), with their
/// drivers already loaded, in the order to try them.
pub fn identify(
    conf: &ClusterConf,
    nodeid_param: Option<&str>,
    com_nodeid_param: Option<&str>,
    nics: &[(String, Mac)],
) -> Result<Identity, IdentityError> {
    let params = [
        ("nodeid", nodeid_param, Source::Param),
        ("com-nodeid", com_nodeid_param, Source::ComParam),
    ];
    for (param, value, how) in params {
        if let Some(value) = value {
            return by_nodeid(conf, param, value, how);
        }
    }
    if let [only] = conf.nodes.as_slice() {
        if !conf.problems.iter().any(|p| p.part == Part::Node) {
            return Ok(Identity {
                nodeid: only.nodeid,
                node_name: only.name.clone(),
                how: Source::SingleNode,
            });
        }
    }
    by_mac(conf, nics)
}

/// Why `<clusternode>`s were left out or cannot boot.
fn node_problems(conf: &ClusterConf) -> impl Iterator<Item = &Problem> {
    conf.problems.iter().filter(|p| p.part == Part::Node)
}

fn left_out(conf: &ClusterConf) -> Vec<ConfError> {
    node_problems(conf)
        .filter(|p| p.node.is_none_or(|id| conf.node(id).is_none()))
        .map(|p| p.error.clone())
        .collect()
}

fn by_nodeid(
    conf: &ClusterConf,
    param: &'static str,
    value: &str,
    how: Source,
) -> Result<Identity, IdentityError> {
    let id: Option<u32> = value.parse().ok();
    if let Some(n) = id.and_then(|id| conf.node(id)) {
        return Ok(Identity {
            nodeid: n.nodeid,
            node_name: n.name.clone(),
            how,
        });
    }
    // A node left out: its own errors say why it cannot boot.
    let problems: Vec<ConfError> = node_problems(conf)
        .filter(|p| id.is_some() && p.node == id)
        .map(|p| p.error.clone())
        .collect();
    match id {
        Some(nodeid) if !problems.is_empty() => Err(IdentityError::Unusable { nodeid, problems }),
        _ => Err(IdentityError::UnknownNodeid {
            param,
            value: value.to_string(),
            known: conf.nodes.iter().map(|n| n.nodeid).collect(),
            left_out: left_out(conf),
        }),
    }
}

/// The nodes that claim `mac`: in their `<eth>`s, or in what was left out because of
/// a problem (`Err`: a node whose nodeid cannot be read).
fn owners(conf: &ClusterConf, mac: Mac) -> Result<Vec<(u32, String)>, ConfError> {
    let mut found: Vec<(u32, String)> = conf
        .nodes
        .iter()
        .filter(|n| n.com.eths.iter().any(|e| e.mac == Some(mac)))
        .map(|n| (n.nodeid, n.name.clone()))
        .collect();
    for p in conf.problems.iter().filter(|p| p.macs.contains(&mac)) {
        let Some(id) = p.node else {
            return Err(p.error.clone());
        };
        if !found.iter().any(|(n, _)| *n == id) {
            let name = conf.node(id).map_or_else(String::new, |n| n.name.clone());
            found.push((id, name));
        }
    }
    Ok(found)
}

fn by_mac(conf: &ClusterConf, nics: &[(String, Mac)]) -> Result<Identity, IdentityError> {
    let mut matches: Vec<MacMatch> = Vec::new();
    for (iface, mac) in nics.iter().filter(|(_, m)| m.0 != [0; 6]) {
        let found = owners(conf, *mac).map_err(|problem| IdentityError::Unreadable {
            iface: iface.clone(),
            mac: *mac,
            problem,
        })?;
        for (nodeid, node_name) in found {
            matches.push(MacMatch {
                iface: iface.clone(),
                mac: *mac,
                nodeid,
                node_name,
            });
        }
    }
    let Some(first) = matches.first() else {
        return Err(IdentityError::NoMatch {
            seen: nics.to_vec(),
            known: conf
                .nodes
                .iter()
                .map(|n| NodeMacs {
                    nodeid: n.nodeid,
                    name: n.name.clone(),
                    macs: n
                        .com
                        .eths
                        .iter()
                        .filter_map(|e| e.mac.map(|m| (e.name.clone(), m)))
                        .collect(),
                })
                .collect(),
            left_out: left_out(conf),
        });
    };
    if matches.iter().any(|m| m.nodeid != first.nodeid) {
        return Err(IdentityError::Ambiguous { matches });
    }
    Ok(Identity {
        nodeid: first.nodeid,
        node_name: first.node_name.clone(),
        how: Source::Mac {
            iface: first.iface.clone(),
            mac: first.mac,
        },
    })
}

/// `nodename=` if given, else the node's name (legacy §1c step 6).
pub fn hostname(identity: &Identity, nodename_param: Option<&str>) -> String {
    nodename_param
        .filter(|n| !n.is_empty())
        .unwrap_or(&identity.node_name)
        .to_string()
}
