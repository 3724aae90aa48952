//! cluster.conf and node identification, on to the plan for the node found.
//! Input: `<cluster.conf> NUL <kernel command line> NUL <MACs>`, the MACs in
//! 6-byte chunks as the NICs eth0, eth1, ...
#![no_main]

use libfuzzer_sys::fuzz_target;
use osr_core::cmdline::Cmdline;
use osr_core::config::Config;
use osr_core::ip::Mac;
use osr_core::{cluster, plan};

fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(3, |b| *b == 0);
    let xml = String::from_utf8_lossy(parts.next().unwrap_or_default());
    let cmdline = String::from_utf8_lossy(parts.next().unwrap_or_default());
    let nics: Vec<(String, Mac)> = parts
        .next()
        .unwrap_or_default()
        .chunks_exact(6)
        .enumerate()
        .filter_map(|(i, c)| Some((format!("eth{i}"), Mac(c.try_into().ok()?))))
        .collect();
    let conf = match cluster::parse(&xml) {
        Ok(conf) => conf,
        Err(e) => return drop(e.to_string()),
    };
    let Ok(config) = Config::from_cmdline(&Cmdline::parse(&cmdline)) else {
        return;
    };
    let node = match plan::identify(&config, &conf, &nics) {
        Ok(node) => node,
        Err(e) => return drop(e.to_string()),
    };
    let _ = plan::drivers(&config, Some(&node.conf)).action.to_string();
    match plan::plan_for(&config, Some(&node)) {
        Ok(p) => drop(p.to_string()),
        Err(e) => drop(e.to_string()),
    }
});
