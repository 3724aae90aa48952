//! How a plan reads in `osr-init plan` and in the boot log: one line per step.

use std::fmt;

use std::time::Duration;

use super::{
    Action, Addressing, BlockRootPlan, FsMount, FsSource, IfaceSelector, ModuleLoad, NetPlan,
    NodeRecord, OnError, Plan, RemoteLog, RootPlan, SwitchRoot, NEW_ROOT,
};
use crate::block;
use crate::config::CdslParams;
use crate::netdev::Netdev;
use crate::nfs::{NfsMount, NfsVersion};
use crate::overlay::OverlaySpec;
use crate::overlay::LOWER;

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.steps.iter().enumerate() {
            let i = i + self.first - 1;
            let tag = match step.on_error {
                OnError::Fatal => "fatal",
                OnError::Warn => "warn ",
            };
            writeln!(f, "{:2}. [{tag}] {}", i + 1, step.action)?;
        }
        Ok(())
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::LoadModules(load) => write!(f, "{load}"),
            Action::Break(point) => write!(f, "break: emergency shell at {point:?}"),
            Action::Node(n) => write!(f, "{n}"),
            Action::CreateNetdevs(devs) => netdevs(f, devs),
            Action::ConfigureNetwork(n) => network(f, n),
            Action::SetHostname(Some(h)) => write!(f, "hostname {h}"),
            Action::SetHostname(None) => write!(
                f,
                "hostname found at boot (nodename=, the cluster.conf node, DHCP option 12)"
            ),
            Action::StartRemoteLog(log) => remote_log(f, log),
            Action::MountBlockRoot { root, wait, target } => block_root(f, root, *wait, target),
            Action::MountNfsRoot {
                root,
                retry,
                target,
            } => nfs_root(f, root, *retry, target),
            Action::MountOverlay(spec) => overlay(f, spec),
            Action::MountCdsl { params, nodeid, .. } => cdsl(f, params, *nodeid),
            Action::MountFilesystems { list, timeout } => filesystems(f, list, *timeout),
            Action::ApplyRootovl {
                names,
                hostname,
                nodeid,
            } => rootovl(f, names, hostname.as_deref(), *nodeid),
            Action::Warn(text) => write!(f, "warning: {text}"),
            Action::HandOverNetwork => write!(
                f,
                "hand the network over: /run/systemd/network, /run/NetworkManager, /run/net-<iface>.conf, /run/initramfs/"
            ),
            Action::SwitchRoot(s) => switch_root(f, s),
        }
    }
}

type Out<'a, 'b> = &'a mut fmt::Formatter<'b>;

fn netdevs(f: Out, devs: &[Netdev]) -> fmt::Result {
    write!(f, "create")?;
    for d in devs {
        match d {
            Netdev::Bond(b) => {
                let opts: Vec<String> = b.options.iter().map(|(k, v)| format!("{k}={v}")).collect();
                write!(
                    f,
                    " bond {} slaves={} options={}",
                    b.name,
                    b.slaves.join(","),
                    opts.join(",")
                )?;
                if let Some(mtu) = b.mtu {
                    write!(f, " mtu={mtu}")?;
                }
            }
            Netdev::Vlan(v) => write!(f, " vlan {} parent={} id={}", v.name, v.parent, v.id)?,
            Netdev::Bridge(b) => write!(f, " bridge {} ports={}", b.name, b.ports.join(","))?,
        }
        write!(f, ";")?;
    }
    Ok(())
}

fn network(f: Out, n: &NetPlan) -> fmt::Result {
    write!(f, "network iface={}", n.select)?;
    match &n.addressing {
        Addressing::Static {
            address,
            prefix,
            gateway,
        } => {
            write!(f, " address={address}/{prefix}")?;
            if let Some(gw) = gateway {
                write!(f, " gateway={gw}")?;
            }
        }
        Addressing::Dhcp { timeout, attempts } => write!(
            f,
            " dhcp timeout={}s attempts={attempts}",
            timeout.as_secs()
        )?,
    }
    for r in &n.routes {
        write!(f, " route={}/{}", r.dest, r.prefix)?;
    }
    if let Some(mtu) = n.mtu {
        write!(f, " mtu={mtu}")?;
    }
    if let Some(mac) = n.mac {
        write!(f, " set-mac={mac}")?;
    }
    if !n.dns.is_empty() {
        let dns: Vec<String> = n.dns.iter().map(|d| d.to_string()).collect();
        write!(f, " dns={}", dns.join(","))?;
    }
    if matches!(n.addressing, Addressing::Dhcp { .. }) && !n.peerdns {
        write!(f, " peerdns=off")?;
    }
    write!(f, " carrier-timeout={}s", n.carrier_timeout.as_secs())
}

fn remote_log(f: Out, log: &RemoteLog) -> fmt::Result {
    let targets: Vec<String> = log
        .settings
        .targets
        .iter()
        .map(|t| match t.host.contains(':') {
            true => format!("[{}]:{}", t.host, t.port),
            false => format!("{}:{}", t.host, t.port),
        })
        .collect();
    write!(
        f,
        "send the boot log to syslog {} ({:?}, facility {}, severity <= {})",
        targets.join(","),
        log.settings.format,
        log.settings.facility,
        log.settings.min_severity
    )?;
    if let Some(h) = &log.hostname {
        write!(f, " as {h}")?;
    }
    Ok(())
}

fn block_root(f: Out, root: &BlockRootPlan, wait: Duration, target: &str) -> fmt::Result {
    let r = &root.request;
    write!(
        f,
        "mount block device {} on {target} type={} {} wait-for={}s",
        block::describe(&root.device),
        r.fstype.as_deref().unwrap_or("probed"),
        if r.read_only() { "ro" } else { "rw" },
        wait.as_secs()
    )?;
    if !r.options.flags.is_empty() {
        write!(f, " flags={}", r.options.flags.names().join(","))?;
    }
    if !r.options.data.is_empty() {
        write!(f, " options={}", r.options.data_string())?;
    }
    if let Some(c) = &root.cluster {
        write!(
            f,
            " cluster={} nodeid={} (GFS2 lock_dlm: corosync+dlm_controld; OCFS2: o2cb)",
            c.conf.name, c.nodeid
        )?;
    }
    Ok(())
}

fn nfs_root(f: Out, root: &RootPlan, retry: Duration, target: &str) -> fmt::Result {
    match (&root.mount, &root.spec) {
        (Some(mount), _) => nfs_mount(f, mount, retry, target),
        (None, Some(spec)) => write!(
            f,
            "mount {}:{} on {target} type={} ({} at boot) retry-for={}s",
            spec.server.as_deref().unwrap_or("<DHCP next-server>"),
            spec.path,
            root.fstype.unwrap_or("nfs|nfs4"),
            match spec.server.as_deref().map(str::parse::<std::net::IpAddr>) {
                Some(Ok(_)) => "client address from DHCP",
                _ => "server resolved",
            },
            retry.as_secs()
        ),
        (None, None) => write!(
            f,
            "mount the root DHCP names (option 17) on {target} retry-for={}s",
            retry.as_secs()
        ),
    }
}

/// `mount SRC on T type=nfs4 options=ro,noatime,vers=4.2,... retry-for=180s`, then
/// the versions offered next when the server refuses one.
fn nfs_mount(f: Out, mount: &NfsMount, retry: Duration, target: &str) -> fmt::Result {
    let Some((first, rest)) = mount.attempts.split_first() else {
        return write!(
            f,
            "mount {} on {target}: no NFS version to offer",
            mount.source
        );
    };
    let mut options = vec![if mount.read_only { "ro" } else { "rw" }];
    options.extend(mount.flags.names());
    options.push(&first.data);
    write!(
        f,
        "mount {} on {target} type={} options={} retry-for={}s",
        mount.source,
        first.fstype,
        options.join(","),
        retry.as_secs()
    )?;
    if !rest.is_empty() {
        let next: Vec<String> = rest.iter().map(|a| a.version.to_string()).collect();
        write!(
            f,
            "; if the server refuses NFSv{}: {} in turn (as mount.nfs)",
            first.version,
            next.join(", ")
        )?;
    }
    Ok(())
}

fn overlay(f: Out, spec: &OverlaySpec) -> fmt::Result {
    write!(
        f,
        "overlay on {NEW_ROOT}: lower {LOWER} (read-only), upper tmpfs size={}",
        spec.size
    )?;
    if let Some(n) = &spec.nr_inodes {
        write!(f, " nr_inodes={n}")?;
    }
    write!(
        f,
        "; also at /live/image, /live/cow and /live/cow/rw (the upper)"
    )
}

fn cdsl(f: Out, p: &CdslParams, nodeid: u32) -> fmt::Result {
    write!(f, "cdsl: bind <tree>/{nodeid} onto <link> in {NEW_ROOT}")?;
    for (k, v) in [("tree", &p.tree), ("link", &p.link), ("shared", &p.shared)] {
        if let Some(v) = v {
            write!(f, " {k}={v}")?;
        }
    }
    if p.fallback_default {
        write!(f, " fallback=default")?;
    }
    Ok(())
}

fn filesystems(f: Out, list: &[FsMount], timeout: Option<Duration>) -> fmt::Result {
    write!(f, "mount the node's cluster.conf <filesystems> in order:")?;
    if list.is_empty() {
        write!(f, " none")?;
    }
    for fs in list {
        match &fs.source {
            FsSource::Ready(c) => write!(f, " {c}")?,
            FsSource::Nfs(n) => {
                let versions: Vec<NfsVersion> =
                    n.mount.attempts.iter().map(|a| a.version).collect();
                match n.mount.attempts.first() {
                    Some(a) => write!(f, " {}", n.call(a))?,
                    None => write!(f, " {} on {NEW_ROOT}{}", n.mount.source, n.target)?,
                }
                nfs_versions(f, &versions)?;
            }
            FsSource::NfsByName(n) => {
                write!(
                    f,
                    " {}:{} on {NEW_ROOT}{} (addr= of {} resolved at boot)",
                    n.server, n.spec.path, n.target, n.server
                )?;
                nfs_versions(f, &n.versions)?;
            }
        }
        let first = if fs.wait_first { "each" } else { "each retry" };
        write!(
            f,
            " [{}x, {}s before {first}];",
            fs.times,
            fs.wait.as_secs()
        )?;
    }
    match timeout {
        Some(t) => write!(f, " all within rd.timeout={}s", t.as_secs()),
        None => Ok(()),
    }
}

/// ` NFSv4.2, 4.1, 4.0, 3 in turn`: the versions an NFS entry offers, when several.
fn nfs_versions(f: Out, versions: &[NfsVersion]) -> fmt::Result {
    if versions.len() < 2 {
        return Ok(());
    }
    let all: Vec<String> = versions.iter().map(|v| v.to_string()).collect();
    write!(f, " NFSv{} in turn (as mount.nfs)", all.join(", "))
}

fn rootovl(f: Out, names: &[String], hostname: Option<&str>, nodeid: Option<u32>) -> fmt::Result {
    write!(
        f,
        "rootovl trees from /etc/rootovl/ in the order {}",
        names.iter().rev().cloned().collect::<Vec<_>>().join(", ")
    )?;
    match hostname {
        Some(h) => write!(f, " (%h={h}")?,
        None => write!(f, " (%h=the hostname DHCP gives")?,
    }
    match nodeid {
        Some(n) => write!(f, ", %n={n})"),
        None => write!(f, ", no %n)"),
    }
}

fn switch_root(f: Out, s: &SwitchRoot) -> fmt::Result {
    write!(f, "switch_root {} init={}", s.new_root, s.init.join("|"))?;
    if !s.args.is_empty() {
        write!(f, " args={}", s.args.join(" "))?;
    }
    Ok(())
}

impl fmt::Display for IfaceSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IfaceSelector::Name(n) => write!(f, "{n}"),
            IfaceSelector::Mac(m) => write!(f, "mac:{m}"),
            IfaceSelector::FirstWithCarrier => write!(f, "first-with-carrier"),
            IfaceSelector::All => write!(f, "all"),
        }
    }
}

impl fmt::Display for ModuleLoad {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "load modules")?;
        if self.devices {
            write!(f, " for every device's modalias")?;
        }
        if !self.names.is_empty() {
            write!(f, " names={}", self.names.join(","))?;
        }
        if !self.options.blacklist.is_empty() {
            write!(f, " blacklist={}", self.options.blacklist.join(","))?;
        }
        Ok(())
    }
}

impl fmt::Display for NodeRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some(m) = &self.member else {
            return write!(
                f,
                "no cluster.conf: this is node {} ({}), for its CDSL tree and %n",
                self.nodeid, self.how
            );
        };
        write!(
            f,
            "cluster {} ({} nodes): this is node {} ({}), found {}",
            m.cluster, m.nodes, self.nodeid, m.name, self.how
        )?;
        if m.hostname != m.name {
            write!(f, ", hostname {}", m.hostname)?;
        }
        if let Some((name, fstype)) = &m.rootvolume {
            write!(f, "; rootvolume {name} ({fstype})")?;
        }
        Ok(())
    }
}
