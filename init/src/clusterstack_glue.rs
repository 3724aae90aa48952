//! Glue between the executor's [`crate::sys::Sys`] and the cluster stacks
//! (`crate::clusterstack`): renders what they need from cluster.conf.

use std::time::Duration;

use anyhow::{bail, Result};
use osr_core::cluster::ClusterConf;

pub fn start_dlm_stack(conf: &ClusterConf, _timeout: Duration) -> Result<()> {
    bail!(
        "cluster {}: the corosync/dlm_controld stack is not wired into this build yet",
        conf.name
    )
}

pub fn start_o2cb(
    conf: &ClusterConf,
    _local: u32,
    _device: &str,
    _timeout: Duration,
) -> Result<()> {
    bail!(
        "cluster {}: the o2cb stack is not wired into this build yet",
        conf.name
    )
}
