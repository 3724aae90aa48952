//! osr-init when it is not PID 1: the admin's dry run.

use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use osr_core::cmdline::Cmdline;
use osr_core::config::Config;
use osr_core::ip::Mac;
use osr_core::plan::{self, Plan};

use crate::strip_cli::Kind;
use crate::sys::boot;

const USAGE: &str = "\
osr-init: the osr-rs initramfs init (PID 1 of diskless cluster nodes)

Usage:
  osr-init plan [--cmdline \"<kernel arguments>\"] [--mac <addr>]...
      Validate a kernel command line (default: this machine's /proc/cmdline) and print
      the boot plan a node would execute, or every malformed parameter with its value
      and the form expected. Exit status 0 if a node would boot with it, 1 if not.
      With cluster_conf=<file> in it, the plan of an open-sharedroot node whose
      image holds that cluster.conf (read from this machine): its network, root,
      CDSL bind, filesystems and syslog servers. The node is the one nodeid= names,
      or the one whose <eth mac> is a --mac given (the NICs eth0, eth1, ... in the
      order given).
  osr-init dhcp --iface <name> [--iface <name>...] [--timeout <secs>] [--retry <n>]
                [--hostname <name>] [--apply] [--quiet]
      Run the boot's DHCPv4 client on the named interfaces at once (they are brought
      up; the first lease wins) and print the lease as OSR_DHCP_<KEY>='value' lines.
      --timeout bounds one attempt (default 60 s), --retry the attempts (default 1);
      --apply also puts the address, MTU and routes on the interface. Exchanges are
      logged on stderr (--quiet: warnings only). Exit status 0 with a lease, 1 without,
      2 for a usage error.
  osr-init strip-cluster-conf <in> <out>
      Write cluster.conf <in> to <out> without what may hold a credential and
      osr-init does not use: <fencedevices>, each node's <fence> and <unfence>, <rm>,
      <fenceackserver>'s user and passwd, every attribute named login, username,
      community, key or psk or whose name contains passw or secret, and comments;
      the rest as written. Prints each removal (never its value). Exit status 1 if
      <in> is not a cluster.conf osr-init can read (then nothing is written). The
      dracut module embeds cluster.conf this way unless
      osr_cluster_conf_secrets=keep.
  osr-init strip-dlm-conf <in> <out>
      The same for dlm.conf: without its device, connect and unfence lines (the
      fence devices and their agents' arguments) and comments.
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
        ["dhcp", rest @ ..] => crate::dhcp_cli::run(rest),
        ["strip-cluster-conf", rest @ ..] => crate::strip_cli::run(Kind::ClusterConf, rest),
        ["strip-dlm-conf", rest @ ..] => crate::strip_cli::run(Kind::DlmConf, rest),
        ["plan", rest @ ..] => match plan_args(rest).and_then(|(text, macs)| dry_run(&text, &macs))
        {
            Ok(text) => {
                print!("{text}");
                ExitCode::SUCCESS
            }
            Err(e) if e.is::<Usage>() => {
                eprintln!("osr-init: {e}\n\n{USAGE}");
                ExitCode::from(2)
            }
            Err(e) => {
                eprintln!("osr-init: {e:#}");
                ExitCode::FAILURE
            }
        },
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Usage(String);

/// `--cmdline <text>` (or `--cmdline=<text>`, default /proc/cmdline) and the `--mac`s.
fn plan_args(args: &[&str]) -> Result<(String, Vec<Mac>)> {
    let mut text = None;
    let mut macs = Vec::new();
    let mut it = args.iter().copied();
    while let Some(arg) = it.next() {
        let (flag, inline): (&str, Option<&str>) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v)),
            _ => (arg, None),
        };
        let mut value = || {
            inline
                .or_else(|| it.next())
                .ok_or_else(|| Usage(format!("{flag} needs a value")))
        };
        match flag {
            "--cmdline" => text = Some(value()?.to_string()),
            "--mac" => {
                let v = value()?;
                let mac = v.parse::<Mac>().map_err(|_| {
                    Usage(format!(
                        "--mac {v:?}: expected a MAC such as 52:54:00:12:34:56"
                    ))
                })?;
                macs.push(mac);
            }
            other => return Err(Usage(format!("plan: unknown argument {other:?}")).into()),
        }
    }
    let text = match text {
        Some(t) => t,
        None => boot::read_cmdline(boot::PROC_CMDLINE)?,
    };
    Ok((text, macs))
}

/// The plan a node would execute: the same functions as PID 1, with the NICs given.
fn dry_run(text: &str, macs: &[Mac]) -> Result<String> {
    let config = Config::from_cmdline(&Cmdline::parse(text))?;
    let cluster = boot::read_cluster_conf(&config, None)?;
    let drivers = plan::drivers(&config, cluster.as_ref());
    let node = match &cluster {
        Some(conf) => {
            let nics: Vec<(String, Mac)> = macs
                .iter()
                .enumerate()
                .map(|(i, m)| (format!("eth{i}"), *m))
                .collect();
            Some(
                plan::identify(&config, conf, &nics)
                    .context("cluster.conf (the dry run finds the node by nodeid= or --mac)")?,
            )
        }
        None if !macs.is_empty() => {
            bail!("--mac is for a cluster node: give cluster_conf=<file> in --cmdline")
        }
        None => None,
    };
    let plan = plan::plan_for(&config, node.as_ref())?;
    let first = Plan {
        first: 1,
        steps: vec![drivers],
    };
    Ok(format!("{first}{plan}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> String {
        format!("{}/../qemu/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
    }

    #[test]
    fn a_cluster_node_by_mac_gets_its_whole_plan() {
        let text = format!("cluster_conf={} rootovl", fixture("cluster-two.conf"));
        let mac: Mac = "52:54:00:c1:00:02".parse().unwrap();
        let plan = dry_run(&text, &[mac]).unwrap();
        for needle in [
            " 1. [warn ] load modules for every device's modalias",
            "this is node 2 (clnode2), found by the MAC 52:54:00:c1:00:02 of eth0",
            "network iface=eth0 address=10.77.0.12/24",
            "hostname clnode2",
            "mount 10.77.0.1:/export/rootfs on /run/initramfs/overlay/lower type=nfs4",
            "clientaddr=10.77.0.12",
            "cdsl: bind <tree>/2 onto <link>",
            "<filesystems> in order: none",
        ] {
            assert!(plan.contains(needle), "{needle:?} not in\n{plan}");
        }
        let by_id = format!("cluster_conf={} nodeid=1", fixture("cluster-two.conf"));
        assert!(dry_run(&by_id, &[])
            .unwrap()
            .contains("address=10.77.0.11/24"));
    }

    #[test]
    fn a_cluster_node_needs_nodeid_or_a_mac_of_it() {
        let text = format!("cluster_conf={}", fixture("cluster-two.conf"));
        let err = dry_run(&text, &[]).unwrap_err();
        assert!(format!("{err:#}").contains("nodeid= or --mac"), "{err:#}");
        assert!(dry_run(
            "root=nfs:10.0.2.2:/x ip=dhcp",
            &["52:54:00:00:00:01".parse().unwrap()]
        )
        .is_err());
    }

    #[test]
    fn plan_arguments() {
        let (text, macs) = plan_args(&["--cmdline=a b", "--mac", "52:54:00:00:00:01"]).unwrap();
        assert_eq!((text.as_str(), macs.len()), ("a b", 1));
        for bad in [&["--mac"][..], &["--mac", "xx"], &["--frob"]] {
            assert!(plan_args(bad).unwrap_err().is::<Usage>(), "{bad:?}");
        }
    }
}
