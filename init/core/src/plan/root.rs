//! The root part of the plan: the NFS export or the block device, from `root=` (or
//! the cluster node's `<rootvolume>`), checked and, where the plan alone fixes it,
//! turned into the whole mount; and what the executor needs to finish an NFS root
//! the network names ([`root_source`], [`root_mount`]).

use std::net::IpAddr;

use super::net::Network;
use super::{
    module_options, mount_retry, root_target, Action, Addressing, BlockRootPlan, ClusterRoot,
    ClusterStack, NetFacts, NetPlan, Node, PlanError, RootPlan, ServerRef, NFS3_MODULES,
    NFS4_MODULES,
};
use crate::blkid::RootDevice;
use crate::block::{self, BlockRequest};
use crate::cluster::ClusterNode;
use crate::config::Config;
use crate::mountopts::{self, MountOptions};
use crate::nfs::{nfs_mount, NfsMount, NodeFacts};
use crate::root::{self, NfsSpec, RootSpec};

/// What the plan mounts as the root.
pub(super) enum RootMount {
    Block(Box<BlockRootPlan>),
    Nfs(Box<RootPlan>),
}

impl RootMount {
    /// The filesystem modules known before the mount: an NFS root's; a block root's
    /// follow from its superblock, at run time.
    pub fn fs_modules(&self) -> Vec<String> {
        let RootMount::Nfs(root) = self else {
            return Vec::new();
        };
        let nfs4 = root.force_nfs4 || root.spec.as_ref().is_some_and(|s| s.nfs4);
        // From DHCP the version is only known at run time, and a negotiation may end
        // on either: load both.
        let names: &[&str] = match (root.fstype, root.spec.is_some()) {
            (Some("nfs4"), _) => NFS4_MODULES,
            (None, true) if nfs4 => NFS4_MODULES,
            (Some(_), _) => NFS3_MODULES,
            _ => &["nfs", "nfsv3", "nfsv4"],
        };
        names.iter().map(|s| s.to_string()).collect()
    }

    pub fn into_action(self, config: &Config) -> Action {
        let target = root_target(config);
        match self {
            RootMount::Block(root) => Action::MountBlockRoot {
                root,
                wait: mount_retry(config),
                target,
            },
            RootMount::Nfs(root) => Action::MountNfsRoot {
                root: *root,
                retry: mount_retry(config),
                target,
            },
        }
    }
}

/// The root `root=` names, else the node's `<rootvolume>`, else DHCP option 17.
pub(super) fn plan_root(
    config: &Config,
    node: Option<&Node>,
    croot: Option<ClusterRoot>,
    net: &Network,
) -> Result<RootMount, PlanError> {
    let cluster = node.map(|n| ClusterStack {
        conf: n.conf.clone(),
        nodeid: n.node.nodeid,
    });
    let rw = root_rw(config, node);
    let request = |fstype: Option<String>, options: MountOptions| BlockRequest {
        fstype,
        options,
        rw,
        force_ro: config.overlay.is_some(),
        cluster: node.map(|n| n.conf.name.clone()),
    };
    let block = |device: RootDevice, request: BlockRequest| {
        RootMount::Block(Box::new(BlockRootPlan {
            device,
            request,
            modules: module_options(config),
            cluster: cluster.clone(),
        }))
    };
    // root=nfs: alone names no root: the node's <rootvolume>, else DHCP's, as no root=.
    let given = config
        .root
        .as_ref()
        .filter(|r| !matches!(r, RootSpec::BareNfs { .. }));
    match (given, croot) {
        (Some(RootSpec::Block(device)), _) => {
            check_block_fstype("rootfstype", config.rootfstype.as_deref(), device)?;
            let req = request(config.rootfstype.clone(), config.rootflags.clone());
            Ok(block(device.clone(), req))
        }
        (
            None,
            Some(ClusterRoot::Block {
                device,
                fstype,
                options,
            }),
        ) => {
            let req = request(config.rootfstype.clone().or(fstype), options);
            Ok(block(device, req))
        }
        (None, Some(ClusterRoot::Nfs(spec))) => {
            let mut root = root_plan(config, node, Some(spec), &net.plans, net.uses_dhcp())?;
            root.via_lease = true;
            Ok(RootMount::Nfs(Box::new(root)))
        }
        (None, None) if !net.uses_dhcp() => match (node, &config.root) {
            (_, Some(RootSpec::BareNfs { nfs4 })) => Err(PlanError::BareNfsRoot {
                given: if *nfs4 { "nfs4:" } else { "nfs:" },
                node: node.map(|n| n.node.name.clone()),
            }),
            (Some(n), _) => Err(PlanError::NoRootvolume {
                nodeid: n.node.nodeid,
                name: n.node.name.clone(),
            }),
            (None, _) => Err(PlanError::DhcpRootWithoutDhcp),
        },
        _ => root_plan(config, node, nfs_spec(config), &net.plans, net.uses_dhcp())
            .map(|r| RootMount::Nfs(Box::new(r))),
    }
}

/// Whether the root is a block device: `root=` names one, or (without `root=`) the
/// node's `<rootvolume>` does.
pub(super) fn is_block(config: &Config, croot: Option<&ClusterRoot>) -> bool {
    match &config.root {
        Some(RootSpec::Block(_)) => true,
        None | Some(RootSpec::BareNfs { .. }) => matches!(croot, Some(ClusterRoot::Block { .. })),
        Some(_) => false,
    }
}

/// The root as the command line gives it: `None` means DHCP option 17.
fn nfs_spec(config: &Config) -> Option<NfsSpec> {
    match &config.root {
        None | Some(RootSpec::Dhcp | RootSpec::Block(_) | RootSpec::BareNfs { .. }) => None,
        Some(RootSpec::Nfs(spec)) => Some(spec.clone()),
        Some(RootSpec::KernelNfs) => Some(config.nfsroot.clone().unwrap_or_else(|| NfsSpec {
            server: None,
            path: "/tftpboot/%s".to_string(),
            nfs4: false,
            options: MountOptions::default(),
        })),
    }
}

/// Whether the root is mounted read-write: the command line's last `ro`/`rw`, else
/// read-write on a cluster node (cluster.conf, or `nodeid=`), as the legacy initrd
/// mounted the shared root, and read-only elsewhere. Never under an overlay. `ro`/`rw`
/// in the mount options override this ([`BlockRequest::read_only`], `nfs_mount`).
fn root_rw(config: &Config, node: Option<&Node>) -> bool {
    let cluster_node = node.is_some() || config.nodeid.is_some() || config.com_nodeid.is_some();
    config.overlay.is_none() && config.rw.unwrap_or(cluster_node)
}

fn root_plan(
    config: &Config,
    node: Option<&Node>,
    spec: Option<NfsSpec>,
    nets: &[NetPlan],
    uses_dhcp: bool,
) -> Result<RootPlan, PlanError> {
    if let Some(t) = config.rootfstype.as_deref() {
        if t != "nfs" && t != "nfs4" {
            return Err(PlanError::RootFsType(t.to_string()));
        }
    }
    if spec.is_none() && !uses_dhcp {
        return Err(PlanError::DhcpRootWithoutDhcp);
    }
    let spec_from_dhcp = spec.is_none();
    let force_nfs4 = config.rootfstype.as_deref() == Some("nfs4")
        || config.rootfs.as_deref() == Some("nfs4")
        || config.root == Some(RootSpec::BareNfs { nfs4: true });
    let mut root = RootPlan {
        spec,
        force_nfs4,
        rootflags: config.rootflags.clone(),
        // The overlay's lower layer is always read-only.
        rw: root_rw(config, node),
        force_ro: config.overlay.is_some(),
        mount: None,
        fstype: None,
        via_lease: spec_from_dhcp,
    };
    let Some(first) = nets.first().filter(|_| root.spec.is_some()) else {
        return Ok(root);
    };
    // What the first network tells before it is up: all of it when it is static.
    let facts = static_facts(first);
    let dns_known = nets.iter().any(|n| !n.dns.is_empty());
    match root_source(&root, &facts) {
        Ok((spec, ServerRef::Ip(server))) => {
            let mount = root_mount(&root, &spec, server, &facts)?;
            root.fstype = mount.fstype();
            if !uses_dhcp {
                root.mount = Some(mount);
            }
        }
        Ok((_, ServerRef::Name(name))) if !uses_dhcp && !dns_known => {
            return Err(PlanError::ServerName(name));
        }
        Ok((spec, ServerRef::Name(_))) => {
            // Check the options with a stand-in address; the real one comes from DNS.
            let stand_in = IpAddr::from([0, 0, 0, 0]);
            root.fstype = root_mount(&root, &spec, stand_in, &facts)?.fstype();
        }
        Err(PlanError::NoServer(_)) if uses_dhcp => {}
        Err(e) => return Err(e),
    }
    Ok(root)
}

/// Whether a cluster node's `<rootvolume>` is its root: without `root=` (or with the
/// bare `root=nfs:` of the legacy Fedora 12 example, which stands for it).
pub fn uses_rootvolume(config: &Config) -> bool {
    matches!(config.root, None | Some(RootSpec::BareNfs { .. }))
}

/// The root a cluster node's `<rootvolume>` names, with `rootfs=`/`mountopts=` applied.
pub fn cluster_root(config: &Config, node: &ClusterNode) -> Result<Option<ClusterRoot>, PlanError> {
    let Some(rv) = &node.com.rootvolume else {
        return Ok(None);
    };
    let fstype = config.rootfs.clone().or_else(|| rv.fstype.clone());
    let bad = |expected: String| PlanError::BadRootvolume {
        node: node.name.clone(),
        name: rv.name.clone(),
        expected,
    };
    let opts = match (&config.mountopts, rv.mountopts.as_deref()) {
        (Some(given), _) => given.clone(),
        (None, Some(text)) => {
            let opts = mountopts::parse(text);
            opts.refuse_unsupported()
                .map_err(|e| bad(format!("mountopts={text:?}: {e}")))?;
            opts
        }
        (None, None) => MountOptions::default(),
    };
    // The legacy initrd appended the command line's `ro`/`rw` to these options, so
    // they win over a `ro`/`rw` in `<rootvolume mountopts>` or `mountopts=`.
    let mut opts = opts;
    if let Some(rw) = config.rw {
        opts.read_only = Some(!rw);
    }
    let mut spec = match root::parse_root(&rv.name).map_err(bad)? {
        RootSpec::Nfs(spec) => spec,
        RootSpec::Block(device) => {
            let given_by = if config.rootfs.is_some() {
                "rootfs"
            } else {
                "<rootvolume fstype>"
            };
            check_block_fstype(given_by, fstype.as_deref(), &device)?;
            let mut options = opts;
            options.extend(config.rootflags.clone());
            return Ok(Some(ClusterRoot::Block {
                device,
                fstype,
                options,
            }));
        }
        RootSpec::KernelNfs | RootSpec::Dhcp | RootSpec::BareNfs { .. } => {
            return Err(bad(
                "an NFS export (<server>:<path>, nfs:..., nfs4:...) or a block device (/dev/..., UUID=, LABEL=...)"
                    .to_string(),
            ))
        }
    };
    match fstype.as_deref() {
        None | Some("nfs") => {}
        Some("nfs4") => spec.nfs4 = true,
        Some(other) => return Err(PlanError::RootFsType(other.to_string())),
    }
    spec.options.extend(opts);
    Ok(Some(ClusterRoot::Nfs(spec)))
}

/// A block device holds no network filesystem.
fn check_block_fstype(
    given_by: &'static str,
    fstype: Option<&str>,
    device: &RootDevice,
) -> Result<(), PlanError> {
    match fstype {
        Some(t @ ("nfs" | "nfs4")) => Err(PlanError::BlockRootFsType {
            given_by,
            fstype: t.to_string(),
            device: block::describe(device),
        }),
        _ => Ok(()),
    }
}

/// What a static `ip=` alone tells about the node.
fn static_facts(net: &NetPlan) -> NetFacts {
    let (address, prefix, gateway) = match net.addressing {
        Addressing::Static {
            address,
            prefix,
            gateway,
        } => (Some(address), prefix, gateway),
        Addressing::Dhcp { .. } => (None, 0, None),
    };
    NetFacts {
        iface: net.select.to_string(),
        address,
        prefix,
        gateway,
        peer: net.peer,
        hostname: net.hostname.clone(),
        dns: net.dns.clone(),
        ..NetFacts::default()
    }
}

/// The NFS spec and server once the network is up. The server is, in dracut's order:
/// the one the root names, ip='s `<peer>`, DHCP's next-server (siaddr), its server id.
pub fn root_source(root: &RootPlan, net: &NetFacts) -> Result<(NfsSpec, ServerRef), PlanError> {
    let spec = match &root.spec {
        Some(spec) => spec.clone(),
        None => {
            let path = net
                .lease
                .as_ref()
                .and_then(|l| l.root_path.clone())
                .ok_or(PlanError::NoRootPath)?;
            root_from_dhcp(&path)?
        }
    };
    let lease = net.lease.as_ref();
    let server = match &spec.server {
        Some(name) => match name.parse::<IpAddr>() {
            Ok(ip) => ServerRef::Ip(ip),
            Err(_) => ServerRef::Name(name.clone()),
        },
        None => net
            .peer
            .or_else(|| lease.and_then(|l| l.next_server).map(IpAddr::V4))
            .or_else(|| lease.map(|l| IpAddr::V4(l.server_id)))
            .map(ServerRef::Ip)
            .ok_or_else(|| PlanError::NoServer(spec.path.clone()))?,
    };
    Ok((spec, server))
}

/// DHCP option 17, in every form dracut takes: `nfs:srv:/path:opts`, `nfs4:...`,
/// `srv:/path[:opts]`, or a bare `/path` (the server then comes from next-server).
pub fn root_from_dhcp(text: &str) -> Result<NfsSpec, PlanError> {
    let bad = || PlanError::BadRootPath(text.to_string());
    if text.starts_with('/') {
        let (path, options) = match text.split_once(':') {
            Some((p, o)) => (p, root::options(o).map_err(|_| bad())?),
            None => (text, MountOptions::default()),
        };
        return Ok(NfsSpec {
            server: None,
            path: path.to_string(),
            nfs4: false,
            options,
        });
    }
    match root::parse_root(text) {
        Ok(RootSpec::Nfs(spec)) => Ok(spec),
        _ => Err(bad()),
    }
}

/// The mount(2) parameters for the root, with the server's address known.
pub fn root_mount(
    root: &RootPlan,
    spec: &NfsSpec,
    server: IpAddr,
    net: &NetFacts,
) -> Result<NfsMount, PlanError> {
    let mut spec = spec.clone();
    spec.nfs4 |= root.force_nfs4;
    let facts = NodeFacts {
        server,
        client: net.address,
        node_name: net.hostname.as_deref(),
        rootflags: &root.rootflags,
        rw: root.rw,
    };
    let mut mount = nfs_mount(&spec, &facts).map_err(|expected| PlanError::NfsOptions {
        root: spec.path.clone(),
        expected,
    })?;
    mount.read_only |= root.force_ro;
    Ok(mount)
}
