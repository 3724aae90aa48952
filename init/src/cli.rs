//! osr-init when it is not PID 1: the admin's dry run.

use std::process::ExitCode;

use osr_core::cmdline::Cmdline;
use osr_core::config::Config;
use osr_core::plan::plan_with;

const USAGE: &str = "\
osr-init: the osr-rs initramfs init (PID 1 of diskless cluster nodes)

Usage:
  osr-init plan [--cmdline \"<kernel arguments>\"]
      Validate a kernel command line (default: this machine's /proc/cmdline) and print
      the boot plan a node would execute, or every malformed parameter with its value
      and the form expected. Exit status 0 if a node would boot with it, 1 if not.
      With cluster_conf=<file> in it, the plan of an open-sharedroot node whose
      image holds that cluster.conf (read from this machine).
  osr-init dhcp --iface <name> [--iface <name>...] [--timeout <secs>] [--retry <n>]
                [--hostname <name>] [--apply] [--quiet]
      Run the boot's DHCPv4 client on the named interfaces at once (they are brought
      up; the first lease wins) and print the lease as OSR_DHCP_<KEY>='value' lines.
      --timeout bounds one attempt (default 60 s), --retry the attempts (default 1);
      --apply also puts the address, MTU and routes on the interface. Exchanges are
      logged on stderr (--quiet: warnings only). Exit status 0 with a lease, 1 without,
      2 for a usage error.
  osr-init --version
  osr-init --help

As PID 1 it reads /proc/cmdline and boots; see README.md for the parameters.";

pub fn run(args: &[String]) -> ExitCode {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["--help" | "-h" | "help"] => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        ["--version" | "-V"] => {
            println!("osr-init {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        ["plan", "--cmdline", text] => print_plan(text),
        ["plan", opt] if opt.starts_with("--cmdline=") => {
            print_plan(opt.trim_start_matches("--cmdline="))
        }
        ["dhcp", rest @ ..] => crate::dhcp_cli::run(rest),
        ["plan"] => match std::fs::read_to_string("/proc/cmdline") {
            Ok(text) => print_plan(&text),
            Err(e) => {
                eprintln!("osr-init: reading /proc/cmdline: {e}");
                ExitCode::FAILURE
            }
        },
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn print_plan(text: &str) -> ExitCode {
    let result = Config::from_cmdline(&Cmdline::parse(text))
        .map_err(anyhow::Error::from)
        .and_then(|c| {
            let cluster = cluster_conf(&c)?;
            plan_with(&c, cluster.as_ref()).map_err(anyhow::Error::from)
        });
    match result {
        Ok(p) => {
            print!("{p}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("osr-init: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// With `cluster_conf=<file>` in the command line, the plan of a cluster node whose
/// image holds that file (read from this machine).
fn cluster_conf(c: &Config) -> anyhow::Result<Option<osr_core::cluster::ClusterConf>> {
    let Some(path) = &c.cluster_conf else {
        return Ok(None);
    };
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("reading cluster_conf={path}: {e}"))?;
    let conf = osr_core::cluster::parse(&text).map_err(|e| anyhow::anyhow!("in {path}: {e}"))?;
    Ok(Some(conf))
}
