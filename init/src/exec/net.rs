//! The network steps: interfaces chosen, addresses put on them (static or DHCP),
//! routes; what they found is returned as [`NetFacts`] for the steps after them.

use core::net::IpAddr;
use std::time::Duration;

use anyhow::{Context, Result};
use osr_core::dhcp::Lease;
use osr_core::ip::Mac;
use osr_core::plan::{
    describe_nics, select_interface, Addressing, IfaceSelector, NetFacts, NetPlan, SelectError,
};

use crate::state::{Key, Record};
use crate::sys::{dhcp, Sys};

const CARRIER_POLL: Duration = Duration::from_millis(50);

pub(super) fn configure_network(
    net: &NetPlan,
    sys: &mut dyn Sys,
    record: &mut Record,
) -> Result<NetFacts> {
    sys.link_up("lo", None, None).context("bringing up lo")?;
    apply_renames(net, sys)?;
    let facts = match &net.addressing {
        Addressing::Static {
            address,
            prefix,
            gateway,
        } => configure_static(net, *address, *prefix, *gateway, sys)?,
        Addressing::Dhcp { timeout, attempts } => {
            configure_dhcp(net, *timeout, *attempts, sys, record)?
        }
    };
    for r in &net.routes {
        let iface = r.iface.as_deref().unwrap_or(&facts.iface);
        sys.add_route(iface, Some((r.dest, r.prefix)), r.gateway)?;
    }
    log::info!(
        "network: {} mac={} address={}/{} gateway={}",
        facts.iface,
        facts.mac.map_or_else(|| "?".to_string(), |m| m.to_string()),
        facts
            .address
            .map_or_else(|| "?".to_string(), |a| a.to_string()),
        facts.prefix,
        facts
            .gateway
            .map_or_else(|| "none".to_string(), |g| g.to_string())
    );
    if facts.lease.is_none() {
        record.set(Key::NET_METHOD, "static");
    }
    record.set(Key::IFACE, &facts.iface);
    record.set(
        Key::MAC,
        facts.mac.map_or_else(String::new, |m| m.to_string()),
    );
    record.set(
        Key::ADDRESS,
        facts
            .address
            .map_or_else(String::new, |a| format!("{a}/{}", facts.prefix)),
    );
    record.set(
        Key::GATEWAY,
        facts.gateway.map_or_else(String::new, |g| g.to_string()),
    );
    let mut routes: Vec<String> = facts
        .lease
        .iter()
        .flat_map(|l| l.routes.iter().map(|(d, p, _)| format!("{d}/{p}")))
        .collect();
    routes.extend(
        net.routes
            .iter()
            .map(|r| format!("{}/{}", r.dest, r.prefix)),
    );
    record.set(Key::ROUTES, routes.join(" "));
    let dns: Vec<String> = facts.dns.iter().map(|d| d.to_string()).collect();
    record.set(Key::DNS, dns.join(" "));
    Ok(facts)
}

fn configure_static(
    net: &NetPlan,
    address: IpAddr,
    prefix: u8,
    gateway: Option<IpAddr>,
    sys: &mut dyn Sys,
) -> Result<NetFacts> {
    let nics: Vec<_> = sys
        .nics()?
        .into_iter()
        .filter(|n| !net.enslaved.contains(&n.name))
        .collect();
    let name = match (&net.select, nics.as_slice()) {
        (IfaceSelector::FirstWithCarrier | IfaceSelector::All, [only]) => only.name.clone(),
        (IfaceSelector::FirstWithCarrier | IfaceSelector::All, [_, _, ..]) => {
            first_with_carrier(net, sys)?
        }
        (sel, _) => select_interface(sel, &nics)?.name.clone(),
    };
    sys.link_up(&name, net.mtu, net.mac)?;
    wait_carrier(&name, net.carrier_timeout, sys);
    sys.add_address(&name, address, prefix)?;
    if let Some(gw) = gateway {
        sys.add_route(&name, None, Some(gw))?;
    }
    Ok(NetFacts {
        mac: mac_of(&name, sys)?,
        iface: name,
        address: Some(address),
        prefix,
        gateway,
        mtu: net.mtu,
        peer: net.peer,
        hostname: net.hostname.clone(),
        dns: net.dns.clone(),
        search: Vec::new(),
        lease: None,
    })
}

fn mac_of(name: &str, sys: &mut dyn Sys) -> Result<Option<Mac>> {
    Ok(sys
        .nics()?
        .into_iter()
        .find(|n| n.name == name)
        .and_then(|n| n.mac))
}

/// DHCP on the selected interface, or on every NIC at once (first lease wins); the
/// lease's address, MTU and routes are applied to the interface that got it.
fn configure_dhcp(
    net: &NetPlan,
    timeout: Duration,
    attempts: u32,
    sys: &mut dyn Sys,
    record: &mut Record,
) -> Result<NetFacts> {
    let nics = sys.nics()?;
    let candidates: Vec<String> = match &net.select {
        IfaceSelector::All | IfaceSelector::FirstWithCarrier => {
            if nics.is_empty() {
                return Err(SelectError::NoCarrier {
                    seen: describe_nics(&nics),
                }
                .into());
            }
            nics.iter()
                .filter(|n| !net.enslaved.contains(&n.name))
                .map(|n| n.name.clone())
                .collect()
        }
        sel => vec![select_interface(sel, &nics)?.name.clone()],
    };
    for name in &candidates {
        sys.link_up(name, net.mtu, net.mac)?;
    }
    wait_any_carrier(&candidates, net.carrier_timeout, sys);
    let mut ifaces = Vec::new();
    for name in &candidates {
        match mac_of(name, sys)? {
            Some(mac) => ifaces.push((name.clone(), mac)),
            None => log::warn!("{name}: no MAC address; no DHCP on it"),
        }
    }
    let names = candidates.join(", ");
    log::info!(
        "dhcp: asking on {names} (timeout {}s x {attempts})",
        timeout.as_secs()
    );
    let req = dhcp::Request {
        hostname: net.hostname.clone(),
        timeout,
        attempts,
    };
    let got = sys
        .dhcp(&ifaces, &req)
        .with_context(|| format!("dhcp on {names}"))?;
    let lease = got.lease;
    for w in &lease.warnings {
        log::warn!("dhcp: {}: {w}", got.iface);
    }
    log::info!(
        "dhcp: {} got {}/{} from {} in {} ms",
        got.iface,
        lease.address,
        lease.prefix,
        lease.server_id,
        got.elapsed.as_millis()
    );
    apply_lease(&got.iface, &lease, net.mtu.is_none(), sys)?;
    record.set(Key::NET_METHOD, "dhcp");
    for (key, value) in lease.fields() {
        record.set_in(Key::DHCP_, key, value);
    }
    let mut dns = net.dns.clone();
    if net.peerdns {
        dns.extend(lease.dns.iter().map(|d| IpAddr::V4(*d)));
    }
    let mut search = lease.search.clone();
    if let Some(d) = &lease.domain {
        if !search.contains(d) {
            search.push(d.clone());
        }
    }
    Ok(NetFacts {
        iface: got.iface,
        mac: Some(got.mac),
        address: Some(IpAddr::V4(lease.address)),
        prefix: lease.prefix,
        gateway: lease.router.map(IpAddr::V4),
        mtu: net.mtu.or(lease.mtu.map(u32::from)),
        peer: net.peer,
        hostname: net.hostname.clone().or_else(|| lease.hostname.clone()),
        dns,
        search,
        lease: Some(lease),
    })
}

/// Puts a lease on `iface`: the MTU (unless ip= set one), the address, the classless
/// routes, then the default route.
pub fn apply_lease(iface: &str, lease: &Lease, set_mtu: bool, sys: &mut dyn Sys) -> Result<()> {
    if let (Some(mtu), true) = (lease.mtu, set_mtu) {
        sys.link_up(iface, Some(u32::from(mtu)), None)?;
    }
    sys.add_address(iface, IpAddr::V4(lease.address), lease.prefix)?;
    for (dest, prefix, gw) in &lease.routes {
        let gw = (!gw.is_unspecified()).then_some(IpAddr::V4(*gw));
        sys.add_route(iface, Some((IpAddr::V4(*dest), *prefix)), gw)?;
    }
    if let Some(router) = lease.router {
        sys.add_route(iface, None, Some(IpAddr::V4(router)))?;
    }
    Ok(())
}

/// Waits, bounded, until one of `names` has carrier; DHCP then runs on all of them.
fn wait_any_carrier(names: &[String], timeout: Duration, sys: &mut dyn Sys) {
    let deadline = sys.now() + timeout;
    while !names.iter().any(|n| sys.carrier(n)) {
        if sys.now() >= deadline {
            log::warn!(
                "{}: no carrier after {}s (rd.net.timeout.carrier); trying DHCP anyway",
                names.join(", "),
                timeout.as_secs()
            );
            return;
        }
        sys.sleep(CARRIER_POLL);
    }
}

fn apply_renames(net: &NetPlan, sys: &mut dyn Sys) -> Result<()> {
    for (name, mac) in &net.renames {
        let nics = sys.nics()?;
        match nics.iter().find(|n| n.mac == Some(*mac)) {
            Some(nic) if &nic.name != name => {
                log::info!("ifname: renaming {} ({mac}) to {name}", nic.name);
                sys.rename_link(&nic.name, name)?;
            }
            Some(_) => {}
            None => log::warn!("ifname={name}:{mac}: no interface has that MAC"),
        }
    }
    Ok(())
}

/// Brings every NIC up and takes the first (in index order) to report carrier.
fn first_with_carrier(net: &NetPlan, sys: &mut dyn Sys) -> Result<String> {
    let nics = sys.nics()?;
    for nic in &nics {
        sys.link_up(&nic.name, None, None)?;
    }
    let deadline = sys.now() + net.carrier_timeout;
    loop {
        if let Some(nic) = nics.iter().find(|n| sys.carrier(&n.name)) {
            return Ok(nic.name.clone());
        }
        if sys.now() >= deadline {
            return Err(SelectError::NoCarrier {
                seen: describe_nics(&nics),
            }
            .into());
        }
        sys.sleep(CARRIER_POLL);
    }
}

/// Waits for carrier, bounded; a NIC whose driver never reports carrier still gets
/// its address (the mount will tell whether the network works).
fn wait_carrier(name: &str, timeout: Duration, sys: &mut dyn Sys) {
    let deadline = sys.now() + timeout;
    while !sys.carrier(name) {
        if sys.now() >= deadline {
            log::warn!(
                "{name}: no carrier after {}s (rd.net.timeout.carrier); configuring it anyway",
                timeout.as_secs()
            );
            return;
        }
        sys.sleep(CARRIER_POLL);
    }
}
