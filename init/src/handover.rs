//! Writes the network hand-over files for the real root (rendered by
//! `osr_core::handover`) into /run, which switch_root moves into the real root.

use core::net::IpAddr;

use anyhow::Result;
use osr_core::handover::{files, LeaseInfo, LinkState};
use osr_core::netdev::Netdev;
use osr_core::plan::NetFacts;

use crate::sys::Sys;

/// What the boot learned that the hand-over needs.
pub struct Boot<'a> {
    /// The network the root is reached over.
    pub net: Option<&'a NetFacts>,
    pub netdevs: &'a [Netdev],
    /// The NFS server and export mounted.
    pub root: Option<(IpAddr, String)>,
}

pub fn write(boot: &Boot<'_>, sys: &mut dyn Sys) -> Result<()> {
    let uptime = sys.now().as_secs();
    let mut failures = Vec::new();
    let Some((net, address)) = boot.net.and_then(|n| n.address.map(|a| (n, a))) else {
        log::info!("hand-over: no configured network to hand over");
        return Ok(());
    };
    {
        let mut state = link_state(boot, net, address, uptime);
        for name in stack(&net.iface, boot.netdevs) {
            if let Some(index) = sys.ifindex(&name) {
                state.ifindexes.push((name, index));
            }
        }
        let out = files(&state);
        for note in &out.notes {
            log::warn!("hand-over: {}: {note}", net.iface);
        }
        for f in out.files {
            match sys.write_file(&f.path, &f.contents, f.mode) {
                Ok(()) => log::debug!("hand-over: wrote {}", f.path),
                Err(e) => failures.push(format!("{}: {e:#}", f.path)),
            }
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        anyhow::bail!("writing the hand-over files: {}", failures.join("; "))
    }
}

/// `iface` and every interface under it (slaves, parents, ports), for their ifindexes.
fn stack(iface: &str, netdevs: &[Netdev]) -> Vec<String> {
    let mut out = vec![iface.to_string()];
    let mut i = 0;
    while let Some(name) = out.get(i).cloned() {
        if let Some(dev) = netdevs.iter().find(|d| d.name() == name) {
            for lower in dev.lower() {
                if !out.contains(lower) {
                    out.push(lower.clone());
                }
            }
        }
        i += 1;
    }
    out
}

fn link_state(boot: &Boot<'_>, net: &NetFacts, address: IpAddr, uptime: u64) -> LinkState {
    let lease = net.lease.as_ref();
    LinkState {
        iface: net.iface.clone(),
        mac: net.mac,
        address,
        prefix: net.prefix,
        gateway: net.gateway,
        dns: net.dns.clone(),
        search: net.search.clone(),
        domain: lease.and_then(|l| l.domain.clone()),
        hostname: net.hostname.clone(),
        mtu: net.mtu,
        lease: lease.map(|l| LeaseInfo {
            lease: l.clone(),
            obtained_uptime_secs: uptime,
            client_id: net
                .mac
                .map(|m| [&[1u8][..], &m.0[..]].concat())
                .unwrap_or_default(),
        }),
        root_server: boot.root.as_ref().map(|(s, _)| *s),
        root_path: boot.root.as_ref().map(|(_, p)| p.clone()),
        uptime_secs: uptime,
        netdevs: boot.netdevs.to_vec(),
        ..LinkState::default()
    }
}
