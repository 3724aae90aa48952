//! PID 1, a straight line of data: read the inputs once, parse them into a `Config`
//! (and the image's cluster.conf), load the NIC drivers, list the NICs, identify the
//! node, plan the whole boot, execute it. Every failure goes to `fatal`.

use anyhow::{anyhow, Result};
use osr_core::cmdline::Cmdline;
use osr_core::config::Config;
use osr_core::plan::NEW_ROOT;

use crate::fatal::{fatal, set_policy};
use crate::state::Record;
use crate::sys::boot::{self, PROC_CMDLINE};
use crate::sys::linux::Linux;

pub fn run() -> ! {
    crate::sys::timestamp::mark_start();
    crate::sys::kmsg::init();
    crate::fatal::install_panic_hook();
    let problems = boot::mount_early();
    let text = boot::read_cmdline(PROC_CMDLINE).unwrap_or_else(|e| {
        log::warn!("{e:#}");
        String::new()
    });
    let cmdline = Cmdline::parse(&text);
    crate::sys::kmsg::reopen(cmdline.has("printk.devkmsg"));
    log::info!(
        "osr-init {} starting; command line: {}",
        env!("CARGO_PKG_VERSION"),
        text.trim()
    );
    for p in &problems {
        log::warn!("early mount: {p}");
    }
    let config = match Config::from_cmdline(&cmdline) {
        Ok(c) => c,
        Err(e) => {
            set_policy(e.policy);
            fatal(&e.into())
        }
    };
    set_policy(config.policy);
    match boot(&config) {
        Ok(()) => fatal(&anyhow!("the plan ended without switching root")),
        Err(e) => fatal(&e),
    }
}

fn boot(config: &Config) -> Result<()> {
    crate::sys::kmsg::set_verbosity(config.verbosity);
    let cluster = boot::read_cluster_conf(config, Some(osr_core::cluster::DEFAULT_PATH))?;
    boot::make_dir(NEW_ROOT)?;
    let mut record = Record::default();
    crate::exec::boot(config, cluster.as_ref(), &mut Linux::new(), &mut record)
}
