//! osr-init: PID 1 of the osr-rs initramfs, or the admin's dry run when not PID 1.
//!
//! All decisions are made by `osr-core` (parse, then plan); this binary gathers the
//! inputs, executes the plan through the `Sys` interface and owns the single fatal path.

mod blockroot;
mod cdsl_boot;
mod cli;
mod clusterstack;
mod clusterstack_glue;
mod dhcp_cli;
mod dns;
mod exec;
mod fatal;
mod handover;
mod kmod;
mod kmsg;
mod modules;
mod pid1;
mod remotelog;
mod rootovl;
mod state;
mod switch_root;
mod sys;
mod timestamp;

use std::process::ExitCode;

fn main() -> ExitCode {
    if nix::unistd::getpid().as_raw() == 1 {
        pid1::run()
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    cli::run(&args)
}
