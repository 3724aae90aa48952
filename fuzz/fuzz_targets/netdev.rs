//! `ip=`, `bond=`, `vlan=`, `bridge=` (and `rd.route=`, `ifname=`, `BOOTIF=`): every
//! line of the input through every parser, then the devices parsed are ordered for
//! creation as the plan orders them.
#![no_main]

use libfuzzer_sys::fuzz_target;
use osr_core::{ip, netdev};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut devs = Vec::new();
    for line in text.lines() {
        let _ = ip::parse_ip(line);
        let _ = ip::parse_route(line);
        let _ = ip::parse_ifname(line);
        let _ = ip::parse_bootif(line);
        let _ = ip::check_iface(line);
        if let Ok(b) = netdev::parse_bond(line) {
            let _ = b.sysfs_writes();
            devs.push(netdev::Netdev::Bond(b));
        }
        if let Ok(v) = netdev::parse_vlan(line) {
            devs.push(netdev::Netdev::Vlan(v));
        }
        if let Ok(b) = netdev::parse_bridge(line) {
            devs.push(netdev::Netdev::Bridge(b));
        }
    }
    for d in &devs {
        let _ = netdev::module_for(d);
    }
    let _ = netdev::creation_order(&devs);
    let _ = netdev::lower_devices(&devs);
});
