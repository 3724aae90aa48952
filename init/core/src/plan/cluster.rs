//! The cluster node: identified from the command line or the NICs' MACs before
//! planning ([`identify`]), then planned like any node, with its CDSL bind and its
//! syslog servers worked out here (its `com_info/filesystems` in `filesystems.rs`).

use crate::cluster::{self, ClusterConf, ClusterNode, IdentityError, Source};
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
    pub cluster: String,
    pub nodes: usize,
    pub nodeid: u32,
    pub name: String,
    pub hostname: String,
    pub how: Source,
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

/// Finds this node in `conf` from `nodeid=`, `com-nodeid=` or the NICs' MACs; `nics`
/// are the NICs present (name, MAC), drivers loaded, in the order to try them.
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
    let hostname = cluster::hostname(&id, config.nodename.as_deref());
    // identify() returns only nodeids of conf; the error keeps this total.
    let node = conf
        .node(id.nodeid)
        .cloned()
        .ok_or_else(|| IdentityError::UnknownNodeid {
            param: "nodeid",
            value: id.nodeid.to_string(),
            known: conf.nodes.iter().map(|n| n.nodeid).collect(),
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
        NodeRecord {
            cluster: self.conf.name.clone(),
            nodes: self.conf.nodes.len(),
            nodeid: self.node.nodeid,
            name: self.node.name.clone(),
            hostname: self.hostname.clone(),
            how: self.how.clone(),
            rootvolume: self.node.com.rootvolume.as_ref().map(|rv| {
                let fstype = config
                    .rootfs
                    .as_deref()
                    .or(rv.fstype.as_deref())
                    .unwrap_or("nfs");
                (rv.name.clone(), fstype.to_string())
            }),
        }
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
