//! The cluster node: identified from the command line or the NICs' MACs before
//! planning ([`identify`]), then planned like any node, with its CDSL bind and its
//! syslog servers worked out here (its `com_info/filesystems` in `filesystems.rs`). Without
//! cluster.conf, `nodeid=` alone still names the node's CDSL tree ([`static_node`],
//! the legacy "static initrd").

use super::PlanError;
use crate::cluster::{self, ClusterConf, ClusterNode, IdentityError, Source, Uses};
use crate::config::Config;
use crate::ip::Mac;
use crate::syslog::Settings;

/// This node, as the image's cluster.conf and the command line say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub conf: ClusterConf,
    pub node: ClusterNode,
    /// `nodename=` if given, else the node's name.
    pub hostname: String,
    pub how: Source,
}

/// What the boot records about the node (`OSR_NODEID`, ...), and logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeRecord {
    pub nodeid: u32,
    pub how: Source,
    /// What cluster.conf says of the node; `None` without one (`nodeid=` alone).
    pub member: Option<Member>,
}

/// A cluster.conf node's part of its [`NodeRecord`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub cluster: String,
    pub nodes: usize,
    pub name: String,
    pub hostname: String,
    /// The `<rootvolume name>` and its filesystem type (`rootfs=` wins).
    pub rootvolume: Option<(String, String)>,
}

/// The syslog servers (names resolved at boot) and how to send to them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteLog {
    pub settings: Settings,
    /// The name the records carry: the cluster node's.
    pub hostname: Option<String>,
}

/// A node without cluster.conf that `nodeid=` (or `com-nodeid=`) names: its CDSL tree
/// is bound and `%n` set as for a cluster node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaticNode {
    pub nodeid: u32,
    pub how: Source,
}

/// The node `nodeid=` (else `com-nodeid=`) names when the image holds no cluster.conf.
pub fn static_node(config: &Config) -> Result<Option<StaticNode>, PlanError> {
    let params = [
        ("nodeid", &config.nodeid, Source::Param),
        ("com-nodeid", &config.com_nodeid, Source::ComParam),
    ];
    for (param, value, how) in params {
        if let Some(value) = value {
            let nodeid = value.parse().map_err(|_| PlanError::Nodeid {
                param,
                value: value.clone(),
            })?;
            return Ok(Some(StaticNode { nodeid, how }));
        }
    }
    Ok(None)
}

impl StaticNode {
    pub(super) fn record(&self) -> NodeRecord {
        NodeRecord {
            nodeid: self.nodeid,
            how: self.how.clone(),
            member: None,
        }
    }
}

/// The parameter that named the node (`nodeid`, `com-nodeid`), if one did: the admin
/// then expects a CDSL tree for it, and a root without one is warned about.
pub(super) fn given_by(how: &Source) -> Option<&'static str> {
    match how {
        Source::Param => Some("nodeid"),
        Source::ComParam => Some("com-nodeid"),
        Source::Mac { .. } | Source::SingleNode => None,
    }
}

/// Finds this node in `conf` from `nodeid=`, `com-nodeid=` or the NICs' MACs; `nics`
/// are the NICs present (name, MAC), drivers loaded, in the order to try them. An
/// error in what the node's boot uses ([`ClusterConf::blocking`]: its `<clusternode>`,
/// its `<filesystems>`, its `<rootvolume>` without `root=`, its `<eth>`s without
/// `ip=`) stops it here; the file's other problems become [`Node::warnings`].
pub fn identify(
    config: &Config,
    conf: &ClusterConf,
    nics: &[(String, Mac)],
) -> Result<Node, IdentityError> {
    let id = cluster::identify(
        conf,
        config.nodeid.as_deref(),
        config.com_nodeid.as_deref(),
        nics,
    )?;
    let uses = Uses {
        rootvolume: super::root::uses_rootvolume(config),
        eths: config.ip.is_empty(),
    };
    let blocking = conf.blocking(id.nodeid, uses);
    if !blocking.is_empty() {
        return Err(IdentityError::Unusable {
            nodeid: id.nodeid,
            problems: blocking.into_iter().map(|p| p.error.clone()).collect(),
        });
    }
    let hostname = cluster::hostname(&id, config.nodename.as_deref());
    // identify() returns only nodeids of conf; the error keeps this total.
    let node = conf
        .node(id.nodeid)
        .cloned()
        .ok_or_else(|| IdentityError::UnknownNodeid {
            param: "nodeid",
            value: id.nodeid.to_string(),
            known: conf.nodes.iter().map(|n| n.nodeid).collect(),
            left_out: Vec::new(),
        })?;
    Ok(Node {
        conf: conf.clone(),
        node,
        hostname,
        how: id.how,
    })
}

impl Node {
    pub(super) fn record(&self, config: &Config) -> NodeRecord {
        let member = Member {
            cluster: self.conf.name.clone(),
            nodes: self.conf.nodes.len(),
            name: self.node.name.clone(),
            hostname: self.hostname.clone(),
            rootvolume: self.node.com.rootvolume.as_ref().map(|rv| {
                let fstype = config
                    .rootfs
                    .as_deref()
                    .or(rv.fstype.as_deref())
                    .unwrap_or("nfs");
                (rv.name.clone(), fstype.to_string())
            }),
        };
        NodeRecord {
            nodeid: self.node.nodeid,
            how: self.how.clone(),
            member: Some(member),
        }
    }

    /// cluster.conf's problems this boot does not depend on (those it does stopped
    /// [`identify`]), each naming the element and its line.
    pub fn warnings(&self) -> Vec<String> {
        self.conf
            .problems
            .iter()
            .map(|p| {
                format!(
                    "{}; ignored: the boot of node {} does not use it",
                    p.error, self.node.nodeid
                )
            })
            .collect()
    }
}

/// The command line's `syslog=...` (with `sysloglevel=`, ...), else the node's
/// `com_info/syslog` (the command line's level, subsys and type win). `None`: no
/// server named; `Some(Err)`: the warning to give instead (the boot never depends on
/// the remote log).
pub(super) fn remote_log(
    config: &Config,
    node: Option<&Node>,
) -> Option<Result<RemoteLog, String>> {
    let p = &config.syslog;
    let node_syslog = node.and_then(|n| n.node.com.syslog.as_ref());
    let (servers, level, subsys, kind) = match (&p.servers, node_syslog) {
        (Some(s), _) => (s.clone(), p.level.clone(), p.subsys.clone(), p.kind.clone()),
        (None, Some(n)) => (
            n.servers.join(","),
            p.level.clone().or(n.level.clone()),
            p.subsys.clone().or(n.subsys.clone()),
            p.kind.clone().or(n.kind.clone()),
        ),
        (None, None) => return None,
    };
    let settings = Settings::parse(
        &servers,
        level.as_deref(),
        subsys.as_deref(),
        kind.as_deref(),
    );
    Some(match settings {
        Ok(settings) => Ok(RemoteLog {
            settings,
            hostname: node.map(|n| n.hostname.clone()),
        }),
        Err(e) => Err(format!("no remote boot log: syslog={servers}: {e}")),
    })
}
