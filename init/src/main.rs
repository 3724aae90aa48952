//! osr-init: PID 1 of the osr-rs initramfs, or the admin's dry run when not PID 1.
//!
//! All decisions are made by `osr-core` (parse, then plan); this binary gathers the
//! inputs, executes the plan through the `Sys` interface and owns the single fatal path.

mod blockroot;
mod cdsl_boot;
mod cli;
mod dhcp_cli;
mod exec;
mod fatal;
mod handover;
mod pid1;
mod state;
mod strip_cli;
mod sys;

use std::process::ExitCode;

fn main() -> ExitCode {
    if sys::is_pid1() {
        pid1::run()
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    cli::run(&args)
}
