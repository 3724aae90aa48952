//! The cluster configuration embedded in the image (`/etc/cluster/cluster.conf`) and
//! which of its nodes this machine is.
//!
//! [`parse`] reads the open-sharedroot `com_info` schema (legacy-sharedroot.md §1d:
//! comoonics-initrd-ng's `querymap.cfg`, the `com-cluster.dtd` and the legacy test
//! confs) into typed values. Everything RHCS uses and we do not (`cman`,
//! `fence_daemon`, `fencedevices`, `rm`, `<fence>` in a node, `multicast`) is
//! skipped, as are attributes we do not know. An empty attribute (`gateway=''`, as
//! the legacy confs write it) counts as absent, as it did for the legacy shell.
//!
//! The read is tolerant, because the published legacy examples are not clean (two
//! nodes with one MAC, `<rootvolume name="">`): only what stops every node refuses
//! the file: malformed XML, a top-level element other than `<cluster>`, no
//! `<cluster name>`, no `<clusternode>` that can be read. Everything else is a
//! [`Problem`] kept in [`ClusterConf::problems`] with its `line:column`, the element
//! and the value, and the element is left out (or, given twice, the first kept). Once
//! the node is known, a problem in what its boot uses is an error
//! ([`ClusterConf::blocking`]), and every other one a warning:
//! - its own `<clusternode>` ([`Part::Node`]): `name`, numeric `nodeid` and `votes`,
//!   a nodeid or name another node has too, a second `<com_info>`;
//! - its `<rootvolume>` when the root comes from it ([`Part::Root`]);
//! - its `<eth>`s when they make its network ([`Part::Network`]): MACs, IP
//!   addresses, netmasks, MTUs, yes/no flags, properties, a name given twice;
//! - its `<filesystems>` ([`Part::Filesystems`]).
//!
//! A MAC claimed by two nodes is a warning here; it stops the boot only when
//! [`identify`] needs the MACs and a NIC has that one.
//!
//! [`identify`] picks this machine's node in the legacy order (§1c): `nodeid=`,
//! `com-nodeid=`, a NIC's MAC, the only node of a one-node cluster.
//!
//! Not done here: whether `master=` names an existing `<eth>`, whether the root
//! volume exists, the ifcfg templates (`/etc/conf.d/network/ifcfg-*.<nodeid>`) that
//! took precedence over `<eth>` in the legacy, and the legacy initrd's build-time
//! repository (the second place it looked for a nodeid).

use std::fmt;
use std::net::IpAddr;

use crate::ip::Mac;

mod eth;
mod identify;
mod schema;
pub mod strip;
mod tree;

pub use identify::{hostname, identify, Identity, IdentityError, MacMatch, NodeMacs, Source};

/// The default path; `cluster_conf=` overrides it.
pub const DEFAULT_PATH: &str = "/etc/cluster/cluster.conf";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterConf {
    pub name: String,
    pub config_version: Option<u32>,
    /// `<cluster type>`: `gfs` or `osr` in the legacy; kept as written.
    pub cluster_type: Option<String>,
    /// In file order; a `<clusternode>` that cannot be read is left out.
    pub nodes: Vec<ClusterNode>,
    /// What was wrong in the file, in file order.
    pub problems: Vec<Problem>,
}

impl ClusterConf {
    pub fn node(&self, nodeid: u32) -> Option<&ClusterNode> {
        self.nodes.iter().find(|n| n.nodeid == nodeid)
    }

    /// The problems that stop node `nodeid` from booting, given what its boot uses.
    pub fn blocking(&self, nodeid: u32, uses: Uses) -> Vec<&Problem> {
        self.problems
            .iter()
            .filter(|p| p.node == Some(nodeid))
            .filter(|p| match p.part {
                Part::Node | Part::Filesystems => true,
                Part::Root => uses.rootvolume,
                Part::Network => uses.eths,
                Part::Unused => false,
            })
            .collect()
    }
}

/// What of its `<clusternode>` a node's boot uses besides the node itself and its
/// `<filesystems>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Uses {
    /// The root comes from `<rootvolume>` (no `root=`).
    pub rootvolume: bool,
    /// The network comes from the `<eth>`s (no `ip=`).
    pub eths: bool,
}

/// Something wrong in cluster.conf that did not stop the file from being read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub error: ConfError,
    /// The `<clusternode>` it is in, when its nodeid can be read.
    pub node: Option<u32>,
    pub part: Part,
    /// The MACs of what was left out because of it (an `<eth>`, a whole
    /// `<clusternode>`): a NIC with one of them is this problem's node.
    pub macs: Vec<Mac>,
}

/// Which part of its node's boot a [`Problem`] is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The `<clusternode>` itself: the node cannot boot.
    Node,
    /// Its `<rootvolume>`.
    Root,
    /// Its `<eth>`s.
    Network,
    /// Its `<filesystems>`.
    Filesystems,
    /// Nothing a boot uses (`<fenceackserver>`, a second `<syslog>`, a MAC another
    /// node has too...): always a warning.
    Unused,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterNode {
    pub name: String,
    pub nodeid: u32,
    pub votes: Option<u32>,
    /// Empty when the node has no `<com_info>`.
    pub com: ComInfo,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ComInfo {
    pub rootvolume: Option<RootVolume>,
    /// `<rootsource name>`: `scsi`, `iscsi`, `drbd`...
    pub rootsource: Option<String>,
    /// In file order.
    pub eths: Vec<Eth>,
    pub syslog: Option<Syslog>,
    pub scsi: Option<Scsi>,
    pub chrootenv: Option<ChrootEnv>,
    /// In file order, which is the legacy mount order.
    pub filesystems: Vec<Filesystem>,
    pub fenceackserver: Option<FenceAckServer>,
    /// `<hostname name>`: in the DTD, unused by the legacy initrd.
    pub hostname: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RootVolume {
    /// A device path, or `server:/path` for NFS.
    pub name: String,
    pub fstype: Option<String>,
    pub mountopts: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Syslog {
    /// `name` split at commas.
    pub servers: Vec<String>,
    pub level: Option<String>,
    pub subsys: Option<String>,
    /// `type`: syslogd, rsyslogd, syslog-ng.
    pub kind: Option<String>,
    pub filter: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scsi {
    pub name: Option<String>,
    pub driver: Option<String>,
    /// `driver`, `mapper` or `devicemapper`.
    pub failover: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChrootEnv {
    pub mountpoint: Option<String>,
    pub fstype: Option<String>,
    pub device: Option<String>,
    pub chrootdir: Option<String>,
    pub mountopts: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filesystem {
    pub dest: String,
    /// As written; see [`Filesystem::source_for`].
    pub source: String,
    pub fstype: Option<String>,
    pub mountopts: Option<String>,
    /// Seconds to wait before each mount attempt.
    pub mountwait: Option<u32>,
    /// Mount attempts.
    pub mounttimes: Option<u32>,
}

/// What the legacy writes for the node's id in a `<filesystem source>`.
const NODEID_PLACEHOLDER: &str = "%(param0)s";

impl Filesystem {
    /// The source with the legacy `%(param0)s` placeholder replaced by the nodeid:
    /// comoonics-initrd-ng's `tests/test/osr-nodeidvalues-1.conf` shows
    /// `/cluster/cdsl/%(param0)s/var` of node 1 coming out as `/cluster/cdsl/1/var`.
    pub fn source_for(&self, nodeid: u32) -> String {
        self.source.replace(NODEID_PLACEHOLDER, &nodeid.to_string())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FenceAckServer {
    pub port: Option<u16>,
    pub user: Option<String>,
    pub passwd: Option<Secret>,
    pub ssl: Option<Ssl>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ssl {
    pub certfile: Option<String>,
    pub keyfile: Option<String>,
    pub verifyfile: Option<String>,
}

/// A value that must never reach a log: `Debug` and `Display` print `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }

    /// The secret itself, for the one place that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// One `<eth>`: a NIC, bond, VLAN or bridge of the node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Eth {
    pub name: String,
    /// `aa:bb:..` or `aa-bb-..`, any case. An all-zero MAC counts as none, as the
    /// legacy `*_ip2Config` wrote no HWADDR for `00:00:00:00:00:00`.
    pub mac: Option<Mac>,
    /// `None` (no `ip`, or `ip=""`): no address of its own. A NIC that is neither a
    /// bond slave nor a bridge port then uses DHCP, as the legacy ifcfg did
    /// (`BOOTPROTO=dhcp` without an address).
    pub ip: Option<EthIp>,
    /// Prefix length, from a dotted mask or a number.
    pub mask: Option<u8>,
    pub gateway: Option<IpAddr>,
    /// Kernel module for the NIC.
    pub driver: Option<String>,
    /// The bond this NIC is a slave of.
    pub master: Option<String>,
    pub slave: bool,
    /// `type`: ifcfg's TYPE (Ethernet when absent; Bridge...).
    pub kind: Option<String>,
    pub bridge: Option<String>,
    /// `mtu=` or else an `MTU` property.
    pub mtu: Option<u32>,
    /// `onboot`, yes when absent as in the legacy.
    pub onboot: bool,
    /// `<properties><property>`: ifcfg `KEY=value` pairs, quotes removed.
    pub properties: Vec<(String, String)>,
}

impl Eth {
    /// The value of property `key`, if given.
    pub fn property(&self, key: &str) -> Option<&str> {
        self.properties
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// `BONDING_OPTS="miimon=100 mode=1"` as `[("miimon", "100"), ("mode", "1")]`;
    /// empty without the property. Each word was checked to be `key=value` by
    /// [`parse`].
    pub fn bonding_opts(&self) -> Vec<(String, String)> {
        self.property(eth::BONDING_OPTS)
            .map(eth::split_bonding_opts)
            .unwrap_or_default()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EthIp {
    /// `ip="dhcp"` (any case).
    Dhcp,
    Static(IpAddr),
}

/// A malformed cluster.conf: where, which element, what was wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ConfError {
    pub line: usize,
    pub column: usize,
    /// `<eth name="eth0">`; empty outside any element.
    pub element: String,
    pub message: String,
}

impl fmt::Display for ConfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cluster.conf:{}:{}: ", self.line, self.column)?;
        if !self.element.is_empty() {
            write!(f, "{}: ", self.element)?;
        }
        f.write_str(&self.message)
    }
}

/// Parses the text of a cluster.conf.
pub fn parse(xml: &str) -> Result<ClusterConf, ConfError> {
    let loc = tree::Locator { xml };
    let root = tree::parse_tree(xml)?;
    schema::cluster(&loc, &root)
}
