//! The cluster stacks a shared-disk root needs, derived from cluster.conf: the
//! corosync 3 configuration (for GFS2's `lock_dlm`, with dlm_controld's
//! `dlm.conf`) and the node list of the kernel's o2cb stack (for OCFS2).
//!
//! corosync: one knet link (`ring0_addr`), the first `<eth>` of each node with a
//! static address and `onboot` (DHCP addresses are unknown when the file is
//! written, and corosync needs every node's address). No crypto: an initramfs has
//! no safe place for `authkey` (the image is readable by anyone who can fetch it
//! over PXE), so the cluster network must be trusted; an admin who wants crypto
//! ships their own corosync.conf and authkey in the image. Votequorum with
//! `two_node` for two one-vote nodes, which implies `wait_for_all`: the first node
//! up waits for the second instead of taking quorum alone (votequorum(5)).
//!
//! o2cb: node numbers are the cluster.conf nodeids, which must be below 255
//! (`O2NM_MAX_NODES`, fs/ocfs2/cluster/nodemanager.h) and addresses IPv4
//! (o2net listens on IPv4 only), port 7777 (`O2NET_DEFAULT_PORT`... ocfs2-tools'
//! default).
//!
//! Not done: more than one knet link (`ring1_addr` from a second `<eth>`),
//! IPv6 for o2cb, fencing devices for dlm_controld, a `qdevice`.

use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr};

use crate::cluster::{ClusterConf, ClusterNode, EthIp};

/// Token timeout (ms). corosync's default is 3000; initramfs nodes are often VMs
/// or machines busy unpacking and probing, and a token lost while a GFS2 root is
/// mounted splits the membership and stalls the lock manager, which is worse
/// than noticing a dead node 2 s later.
pub const TOKEN_MS: u32 = 5000;

/// ocfs2-tools' default o2net port (`O2NM_DEFAULT_PORT`... `o2cb_ctl -a ip_port`).
pub const O2CB_PORT: u16 = 7777;

/// `O2NM_MAX_NODES` (fs/ocfs2/cluster/nodemanager.h): node numbers are 0..=254.
pub const O2CB_MAX_NODES: u32 = 255;

/// `O2NM_MAX_NAME_LEN` (include/linux/.../nodemanager.h): a configfs item name.
const O2CB_MAX_NAME_LEN: usize = 64;

/// mkfs.gfs2(8): the cluster part of the lock table is 1-32 characters; the DLM
/// compares it with corosync's cluster_name at mount.
const CLUSTER_NAME_MAX: usize = 32;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CorosyncError {
    #[error("cluster.conf has no <clusternode>: a cluster stack needs its nodes")]
    NoNodes,
    #[error("cluster name {0:?}: a cluster stack needs 1-32 characters of A-Z a-z 0-9 _ - (mkfs.gfs2 lock table rule)")]
    ClusterName(String),
    #[error("clusternode {0:?}: the name must be 1-64 characters without spaces, '{{', '}}', '#' or '/'")]
    NodeName(String),
    #[error("clusternode {0}: nodeid 0 is reserved by corosync; use 1 or more")]
    NodeIdZero(String),
    #[error("clusternode {0}: no <eth> with a static ip= and onboot (corosync needs every node's address in the nodelist; DHCP addresses are unknown in advance)")]
    NoStaticAddress(String),
    #[error("clusternode {node}: ring0 address {addr} is not of the same family as {first_node}'s {first}: a knet link is either IPv4 or IPv6")]
    MixedFamilies {
        node: String,
        addr: IpAddr,
        first_node: String,
        first: IpAddr,
    },
    #[error("clusternode {node}: address {addr} already used by {other}")]
    DuplicateAddress {
        node: String,
        addr: IpAddr,
        other: String,
    },
    #[error("clusternode {node}: votes={votes} makes the cluster's votes overflow: expected small numbers (1 per node is usual)")]
    Votes { node: String, votes: u32 },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum O2cbError {
    #[error("cluster.conf has no <clusternode>: o2cb needs its nodes")]
    NoNodes,
    #[error("cluster name {0:?}: o2cb needs 1-16 characters of A-Z a-z 0-9 _ -")]
    ClusterName(String),
    #[error("clusternode {0:?}: an o2cb node name must be 1-64 characters of A-Z a-z 0-9 _ - .")]
    NodeName(String),
    #[error("clusternode {node}: nodeid {nodeid} is too large for o2cb: node numbers are 0-254")]
    NodeNum { node: String, nodeid: u32 },
    #[error(
        "clusternode {0}: no <eth> with a static IPv4 ip= and onboot (o2net speaks IPv4 only)"
    )]
    NoIpv4(String),
    #[error("clusternode {node}: address {addr} already used by {other}")]
    DuplicateAddress {
        node: String,
        addr: Ipv4Addr,
        other: String,
    },
}

/// One node of `/sys/kernel/config/cluster/<cluster>/node/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct O2cbNode {
    pub num: u32,
    pub name: String,
    pub ipv4: Ipv4Addr,
    pub port: u16,
}

/// The static address corosync and o2cb use: the node's first `<eth>` with a
/// static `ip=` that is brought up at boot, optionally of one family.
fn ring0_addr(node: &ClusterNode, want_v4: bool) -> Option<IpAddr> {
    node.com
        .eths
        .iter()
        .filter(|e| e.onboot)
        .filter_map(|e| match e.ip {
            Some(EthIp::Static(ip)) if !ip.is_loopback() && !ip.is_unspecified() => Some(ip),
            _ => None,
        })
        .find(|ip| !want_v4 || ip.is_ipv4())
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

fn check_cluster_name(name: &str, max: usize) -> bool {
    !name.is_empty() && name.len() <= max && name.chars().all(is_name_char)
}

/// A corosync.conf value is the rest of the line; braces and `#` would change the
/// structure.
fn check_conf_word(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= O2CB_MAX_NAME_LEN
        && !s
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '{' | '}' | '#' | '/'))
}

/// corosync.conf(5) for `conf`, as written to /etc/corosync/corosync.conf.
pub fn corosync_conf(conf: &ClusterConf) -> Result<String, CorosyncError> {
    if !check_cluster_name(&conf.name, CLUSTER_NAME_MAX) {
        return Err(CorosyncError::ClusterName(conf.name.clone()));
    }
    let nodes = ring_nodes(conf)?;
    let votes: Vec<u32> = conf.nodes.iter().map(|n| n.votes.unwrap_or(1)).collect();
    let mut expected: u32 = 0;
    for (node, v) in conf.nodes.iter().zip(&votes) {
        expected = expected
            .checked_add(*v)
            .ok_or_else(|| CorosyncError::Votes {
                node: node.name.clone(),
                votes: *v,
            })?;
    }
    // votequorum's two_node makes quorum 1 of 2 votes: only meaningful for two
    // nodes of one vote each.
    let two_node = votes == [1, 1];

    let mut s = String::new();
    // Writing to a String cannot fail; the results are ignored for that reason.
    let _ = writeln!(
        s,
        "# Written by osr-init from cluster.conf {:?} at boot; see docs/cluster-stack.md.",
        conf.name
    );
    s.push_str(
        "# No crypto: the image has no safe place for an authkey; trust the cluster network.\n",
    );
    let _ = write!(
        s,
        "totem {{\n\tversion: 2\n\tcluster_name: {}\n\ttransport: knet\n\
         \tcrypto_cipher: none\n\tcrypto_hash: none\n\ttoken: {TOKEN_MS}\n}}\n\n",
        conf.name
    );
    s.push_str("nodelist {\n");
    for (node, addr) in &nodes {
        let _ = write!(
            s,
            "\tnode {{\n\t\tnodeid: {}\n\t\tname: {}\n\t\tring0_addr: {addr}\n",
            node.nodeid, node.name
        );
        if let Some(v) = node.votes.filter(|v| *v != 1) {
            let _ = writeln!(s, "\t\tquorum_votes: {v}");
        }
        s.push_str("\t}\n");
    }
    s.push_str("}\n\n");
    let _ = write!(
        s,
        "quorum {{\n\tprovider: corosync_votequorum\n\texpected_votes: {expected}\n"
    );
    if two_node {
        s.push_str("\t# implies wait_for_all: 1 (votequorum(5))\n\ttwo_node: 1\n");
    }
    s.push_str("}\n\n");
    // osr-init sends stderr to /run/initramfs/corosync.log; there is no syslog
    // in the initramfs.
    s.push_str(
        "logging {\n\tto_stderr: yes\n\tto_logfile: no\n\tto_syslog: no\n\ttimestamp: on\n}\n",
    );
    Ok(s)
}

/// Every node with its ring0 address, checked.
fn ring_nodes(conf: &ClusterConf) -> Result<Vec<(&ClusterNode, IpAddr)>, CorosyncError> {
    if conf.nodes.is_empty() {
        return Err(CorosyncError::NoNodes);
    }
    let mut out: Vec<(&ClusterNode, IpAddr)> = Vec::new();
    for node in &conf.nodes {
        if !check_conf_word(&node.name) {
            return Err(CorosyncError::NodeName(node.name.clone()));
        }
        if node.nodeid == 0 {
            return Err(CorosyncError::NodeIdZero(node.name.clone()));
        }
        let addr = ring0_addr(node, false)
            .ok_or_else(|| CorosyncError::NoStaticAddress(node.name.clone()))?;
        if let Some((first_node, first)) = out.first() {
            if first.is_ipv4() != addr.is_ipv4() {
                return Err(CorosyncError::MixedFamilies {
                    node: node.name.clone(),
                    addr,
                    first_node: first_node.name.clone(),
                    first: *first,
                });
            }
        }
        if let Some((other, _)) = out.iter().find(|(_, a)| *a == addr) {
            return Err(CorosyncError::DuplicateAddress {
                node: node.name.clone(),
                addr,
                other: other.name.clone(),
            });
        }
        out.push((node, addr));
    }
    Ok(out)
}

/// dlm.conf(5) written when the image has none: fencing off.
///
/// dlm_controld fences a failed node before lock recovery; with fencing enabled
/// and no fence device configured (an initramfs has no fence agents) the
/// recovery of every lockspace waits forever for a fence that never comes, and
/// at startup it waits for the absent nodes to be fenced. Fencing off means a
/// node that is only partitioned, not dead, may keep writing while the others
/// recover its locks: the admin must make sure a node that leaves the membership
/// is really down (hardware watchdog, power fencing by the real root's
/// pacemaker), or ship a dlm.conf with fence devices in the image (it wins).
pub const DLM_CONF: &str = "\
# Written by osr-init: no dlm.conf in the image. See docs/cluster-stack.md.
# Fencing is off: an initramfs has no fence agents, and with fencing on every
# lockspace recovery would wait for a fence that never happens. A partitioned
# (not dead) node is then not stopped: use a watchdog or fence from the real
# root, or put /etc/dlm/dlm.conf with fence devices into the image.
enable_fencing=0
";

/// The o2cb nodes of `conf`, numbered by nodeid, in file order.
pub fn o2cb_nodes(conf: &ClusterConf) -> Result<Vec<O2cbNode>, O2cbError> {
    // ocfs2-tools' o2cb_ctl: OCFS2_CLUSTER_NAME_LEN 16 is what the on-disk
    // cluster info and `o2cb` accept.
    if !check_cluster_name(&conf.name, 16) {
        return Err(O2cbError::ClusterName(conf.name.clone()));
    }
    if conf.nodes.is_empty() {
        return Err(O2cbError::NoNodes);
    }
    let mut out: Vec<O2cbNode> = Vec::new();
    for node in &conf.nodes {
        let name_ok = !node.name.is_empty()
            && node.name.len() <= O2CB_MAX_NAME_LEN
            && node.name.chars().all(|c| is_name_char(c) || c == '.');
        if !name_ok {
            return Err(O2cbError::NodeName(node.name.clone()));
        }
        if node.nodeid >= O2CB_MAX_NODES {
            return Err(O2cbError::NodeNum {
                node: node.name.clone(),
                nodeid: node.nodeid,
            });
        }
        let ipv4 = match ring0_addr(node, true) {
            Some(IpAddr::V4(a)) => a,
            _ => return Err(O2cbError::NoIpv4(node.name.clone())),
        };
        if let Some(other) = out.iter().find(|n| n.ipv4 == ipv4) {
            return Err(O2cbError::DuplicateAddress {
                node: node.name.clone(),
                addr: ipv4,
                other: other.name.clone(),
            });
        }
        out.push(O2cbNode {
            num: node.nodeid,
            name: node.name.clone(),
            ipv4,
            port: O2CB_PORT,
        });
    }
    Ok(out)
}

/// What `corosync-quorumtool -s` said: its exit status is 0 when quorate, 2 when
/// not, 1 when it could not ask (corosync not up yet: "Cannot initialize CMAP
/// service").
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QuorumStatus {
    pub quorate: bool,
    pub nodes: Option<u32>,
    pub total_votes: Option<u32>,
    pub expected_votes: Option<u32>,
}

/// Reads the `Quorate:`, `Nodes:`, `Total votes:` and `Expected votes:` lines of
/// `corosync-quorumtool -s` (corosync 3.1); `None` without a `Quorate:` line.
pub fn quorum_status(out: &str) -> Option<QuorumStatus> {
    let mut q = QuorumStatus::default();
    let mut seen = false;
    for line in out.lines() {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        let number = || value.split_whitespace().next()?.parse::<u32>().ok();
        match key.trim() {
            "Quorate" => {
                seen = true;
                q.quorate = value.eq_ignore_ascii_case("yes");
            }
            "Nodes" => q.nodes = number(),
            "Total votes" => q.total_votes = number(),
            "Expected votes" => q.expected_votes = number(),
            _ => {}
        }
    }
    seen.then_some(q)
}

impl std::fmt::Display for QuorumStatus {
    /// `1 of 2 votes, 1 node, not quorate` (the votes seen of the votes expected)
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = |v: Option<u32>| v.map_or_else(|| "?".to_string(), |v| v.to_string());
        write!(
            f,
            "{} of {} votes, {} node{}, {}",
            n(self.total_votes),
            n(self.expected_votes),
            n(self.nodes),
            if self.nodes == Some(1) { "" } else { "s" },
            if self.quorate {
                "quorate"
            } else {
                "not quorate"
            }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::parse;

    fn node(name: &str, id: u32, votes: &str, eths: &str) -> String {
        format!(
            r#"<clusternode name="{name}" nodeid="{id}" {votes}><com_info>{eths}</com_info></clusternode>"#
        )
    }

    fn eth(name: &str, ip: &str) -> String {
        format!(r#"<eth name="{name}" ip="{ip}" mask="24"/>"#)
    }

    fn conf(name: &str, nodes: &[String]) -> ClusterConf {
        let xml = format!(
            r#"<cluster name="{name}" config_version="1"><clusternodes>{}</clusternodes></cluster>"#,
            nodes.concat()
        );
        parse(&xml).unwrap()
    }

    /// The parser refuses a cluster without nodes; a hand-made one.
    fn no_nodes() -> ClusterConf {
        ClusterConf {
            name: "x".into(),
            config_version: None,
            cluster_type: None,
            nodes: vec![],
            problems: vec![],
        }
    }

    /// qemu/fixtures/cluster-two.conf
    fn two() -> ClusterConf {
        conf(
            "osrlab",
            &[
                node("clnode1", 1, r#"votes="1""#, &eth("eth0", "10.77.0.11")),
                node("clnode2", 2, r#"votes="1""#, &eth("eth0", "10.77.0.12")),
            ],
        )
    }

    const TWO: &str = "\
# Written by osr-init from cluster.conf \"osrlab\" at boot; see docs/cluster-stack.md.
# No crypto: the image has no safe place for an authkey; trust the cluster network.
totem {
\tversion: 2
\tcluster_name: osrlab
\ttransport: knet
\tcrypto_cipher: none
\tcrypto_hash: none
\ttoken: 5000
}

nodelist {
\tnode {
\t\tnodeid: 1
\t\tname: clnode1
\t\tring0_addr: 10.77.0.11
\t}
\tnode {
\t\tnodeid: 2
\t\tname: clnode2
\t\tring0_addr: 10.77.0.12
\t}
}

quorum {
\tprovider: corosync_votequorum
\texpected_votes: 2
\t# implies wait_for_all: 1 (votequorum(5))
\ttwo_node: 1
}

logging {
\tto_stderr: yes
\tto_logfile: no
\tto_syslog: no
\ttimestamp: on
}
";

    #[test]
    fn two_nodes_make_a_two_node_cluster() {
        assert_eq!(corosync_conf(&two()).unwrap(), TWO);
    }

    #[test]
    fn three_nodes_use_a_majority_and_their_votes() {
        let c = conf(
            "big",
            &[
                node("a", 1, "", &eth("eth0", "10.0.0.1")),
                node("b", 2, r#"votes="2""#, &eth("eth0", "10.0.0.2")),
                node("c", 3, "", &eth("eth0", "10.0.0.3")),
            ],
        );
        let s = corosync_conf(&c).unwrap();
        assert!(s.contains("\texpected_votes: 4\n"), "{s}");
        assert!(!s.contains("two_node"), "{s}");
        assert!(
            s.contains("\t\tname: b\n\t\tring0_addr: 10.0.0.2\n\t\tquorum_votes: 2\n\t}"),
            "{s}"
        );
        assert_eq!(s.matches("quorum_votes").count(), 1, "{s}");
    }

    #[test]
    fn two_nodes_with_other_votes_are_no_two_node_cluster() {
        let c = conf(
            "x",
            &[
                node("a", 1, r#"votes="2""#, &eth("eth0", "10.0.0.1")),
                node("b", 2, "", &eth("eth0", "10.0.0.2")),
            ],
        );
        let s = corosync_conf(&c).unwrap();
        assert!(
            s.contains("expected_votes: 3\n") && !s.contains("two_node"),
            "{s}"
        );
    }

    #[test]
    fn ring0_is_the_first_static_onboot_eth() {
        let eths = [
            r#"<eth name="eth0" ip="dhcp"/>"#.to_string(),
            r#"<eth name="eth1" ip="10.0.9.1" mask="24" onboot="no"/>"#.to_string(),
            r#"<eth name="eth2" mac="52:54:00:00:00:01" master="bond0" slave="yes"/>"#.to_string(),
            eth("bond0", "10.0.0.1"),
            eth("eth3", "10.0.1.1"),
        ]
        .concat();
        let c = conf("x", &[node("a", 1, "", &eths)]);
        assert!(corosync_conf(&c)
            .unwrap()
            .contains("\t\tring0_addr: 10.0.0.1\n"));
        // o2cb skips the IPv6 address for the first IPv4 one
        let v6 = [eth("eth0", "fd00::1"), eth("eth1", "10.0.0.5")].concat();
        let c = conf("x", &[node("a", 7, "", &v6)]);
        assert!(corosync_conf(&c).unwrap().contains("ring0_addr: fd00::1\n"));
        assert_eq!(
            o2cb_nodes(&c).unwrap(),
            [O2cbNode {
                num: 7,
                name: "a".into(),
                ipv4: Ipv4Addr::new(10, 0, 0, 5),
                port: 7777
            }]
        );
    }

    #[test]
    fn corosync_errors() {
        let ok = |n: &str, id: u32, ip: &str| node(n, id, "", &eth("eth0", ip));
        let cases: Vec<(&str, ClusterConf, CorosyncError)> = vec![
            ("no nodes", no_nodes(), CorosyncError::NoNodes),
            (
                "cluster name with a space",
                conf("a b", &[ok("a", 1, "10.0.0.1")]),
                CorosyncError::ClusterName("a b".into()),
            ),
            (
                "cluster name too long",
                conf(&"c".repeat(33), &[ok("a", 1, "10.0.0.1")]),
                CorosyncError::ClusterName("c".repeat(33)),
            ),
            (
                "node name with a brace",
                conf("x", &[ok("a{", 1, "10.0.0.1")]),
                CorosyncError::NodeName("a{".into()),
            ),
            (
                "nodeid 0",
                conf("x", &[ok("a", 0, "10.0.0.1")]),
                CorosyncError::NodeIdZero("a".into()),
            ),
            (
                "dhcp only",
                conf(
                    "x",
                    &[
                        ok("a", 1, "10.0.0.1"),
                        node("b", 2, "", &eth("eth0", "dhcp")),
                    ],
                ),
                CorosyncError::NoStaticAddress("b".into()),
            ),
            (
                "no eth",
                conf("x", &[node("a", 1, "", "")]),
                CorosyncError::NoStaticAddress("a".into()),
            ),
            (
                "mixed families",
                conf("x", &[ok("a", 1, "10.0.0.1"), ok("b", 2, "fd00::2")]),
                CorosyncError::MixedFamilies {
                    node: "b".into(),
                    addr: "fd00::2".parse().unwrap(),
                    first_node: "a".into(),
                    first: "10.0.0.1".parse().unwrap(),
                },
            ),
            (
                "same address",
                conf("x", &[ok("a", 1, "10.0.0.1"), ok("b", 2, "10.0.0.1")]),
                CorosyncError::DuplicateAddress {
                    node: "b".into(),
                    addr: "10.0.0.1".parse().unwrap(),
                    other: "a".into(),
                },
            ),
            (
                "votes that overflow",
                {
                    let mut c = conf("x", &[ok("a", 1, "10.0.0.1"), ok("b", 2, "10.0.0.2")]);
                    c.nodes.iter_mut().for_each(|n| n.votes = Some(u32::MAX));
                    c
                },
                CorosyncError::Votes {
                    node: "b".into(),
                    votes: u32::MAX,
                },
            ),
        ];
        for (label, c, want) in cases {
            assert_eq!(corosync_conf(&c), Err(want), "failed testcase: {label}");
        }
    }

    #[test]
    fn error_messages_name_the_node() {
        let c = conf("x", &[node("clnode2", 2, "", &eth("eth0", "dhcp"))]);
        let msg = corosync_conf(&c).unwrap_err().to_string();
        assert!(
            msg.starts_with("clusternode clnode2: no <eth> with a static ip="),
            "{msg}"
        );
    }

    #[test]
    fn o2cb_nodes_of_two() {
        assert_eq!(
            o2cb_nodes(&two()).unwrap(),
            [
                O2cbNode {
                    num: 1,
                    name: "clnode1".into(),
                    ipv4: Ipv4Addr::new(10, 77, 0, 11),
                    port: O2CB_PORT
                },
                O2cbNode {
                    num: 2,
                    name: "clnode2".into(),
                    ipv4: Ipv4Addr::new(10, 77, 0, 12),
                    port: O2CB_PORT
                },
            ]
        );
    }

    #[test]
    fn o2cb_errors() {
        let ok = |n: &str, id: u32, ip: &str| node(n, id, "", &eth("eth0", ip));
        let cases: Vec<(&str, ClusterConf, O2cbError)> = vec![
            ("no nodes", no_nodes(), O2cbError::NoNodes),
            (
                "cluster name of 17",
                conf(&"c".repeat(17), &[ok("a", 1, "10.0.0.1")]),
                O2cbError::ClusterName("c".repeat(17)),
            ),
            (
                "nodeid 255",
                conf("x", &[ok("a", 1, "10.0.0.1"), ok("b", 255, "10.0.0.2")]),
                O2cbError::NodeNum {
                    node: "b".into(),
                    nodeid: 255,
                },
            ),
            (
                "IPv6 only",
                conf("x", &[ok("a", 1, "fd00::1")]),
                O2cbError::NoIpv4("a".into()),
            ),
            (
                "node name with a colon",
                conf("x", &[ok("a:b", 1, "10.0.0.1")]),
                O2cbError::NodeName("a:b".into()),
            ),
            (
                "same address",
                conf("x", &[ok("a", 1, "10.0.0.1"), ok("b", 2, "10.0.0.1")]),
                O2cbError::DuplicateAddress {
                    node: "b".into(),
                    addr: Ipv4Addr::new(10, 0, 0, 1),
                    other: "a".into(),
                },
            ),
        ];
        for (label, c, want) in cases {
            assert_eq!(o2cb_nodes(&c), Err(want), "failed testcase: {label}");
        }
        // 254 is the last valid number
        let c = conf("x", &[ok("a", 254, "10.0.0.1")]);
        assert_eq!(o2cb_nodes(&c).unwrap()[0].num, 254);
    }

    #[test]
    fn dlm_conf_turns_fencing_off() {
        let settings: Vec<&str> = DLM_CONF
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .collect();
        assert_eq!(settings, ["enable_fencing=0"]);
    }

    /// corosync-quorumtool -s of corosync 3.1.7, one node of a two_node cluster
    /// alone (exit status 2), then both (exit status 0).
    const ALONE: &str = "Quorum information
------------------
Date:             Sun Nov 22 09:14:17 2026
Quorum provider:  corosync_votequorum
Nodes:            1
Node ID:          1
Ring ID:          1.5
Quorate:          No

Votequorum information
----------------------
Expected votes:   2
Highest expected: 2
Total votes:      1
Quorum:           1 Activity blocked
Flags:            2Node WaitForAll 

Membership information
----------------------
    Nodeid      Votes Name
         1          1 clnode1 (local)
";

    #[test]
    fn quorumtool_alone_and_together() {
        let alone = quorum_status(ALONE).unwrap();
        assert_eq!(
            alone,
            QuorumStatus {
                quorate: false,
                nodes: Some(1),
                total_votes: Some(1),
                expected_votes: Some(2)
            }
        );
        assert_eq!(alone.to_string(), "1 of 2 votes, 1 node, not quorate");
        let both = ALONE
            .replace("Nodes:            1", "Nodes:            2")
            .replace("Quorate:          No", "Quorate:          Yes")
            .replace("Total votes:      1", "Total votes:      2");
        let both = quorum_status(&both).unwrap();
        assert!(both.quorate);
        assert_eq!(both.to_string(), "2 of 2 votes, 2 nodes, quorate");
        assert_eq!(quorum_status("Cannot initialize CMAP service\n"), None);
    }
}
