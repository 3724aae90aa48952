//! osr-cdsl: creates and checks the CDSLs of an open-sharedroot tree offline, on
//! the server, compatibly with comoonics' `com-mkcdsl` and `com-cdslinvadm`
//! (v2 inventory; v1 read for `list` and `check`). See docs/cdsl.md.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context, Result};
use osr_core::cluster;

mod beneath;
mod check;
mod commands;
mod copy;
mod plan;
mod tree;
mod xattr;

use tree::Tree;

const USAGE: &str = "\
Usage: osr-cdsl [--root DIR] [--dry-run] [--cluster-conf FILE] COMMAND
  init               create the trees, link and node directories and the inventory
  hostdependent PATH make PATH a per-node copy behind a link (com-mkcdsl -a)
  shared PATH        share PATH, below a hostdependent CDSL, again (com-mkcdsl -s)
  addnode N          copy the default node directory for node N
  list               print the CDSLs: type, path, nodes
  check              print inconsistencies; exit status 1 if there are any
--root defaults to /, --cluster-conf to <root>/etc/cluster/cluster.conf.
--dry-run prints the actions instead of taking them. Errors exit with 2.";

/// The cluster.conf in the root, when --cluster-conf is not given.
const CLUSTER_CONF: &str = "etc/cluster/cluster.conf";

struct Args {
    root: PathBuf,
    dry_run: bool,
    cluster_conf: Option<PathBuf>,
    command: Vec<String>,
}

fn parse_args(mut it: impl Iterator<Item = String>) -> Result<Args> {
    let mut a = Args {
        root: PathBuf::from("/"),
        dry_run: false,
        cluster_conf: None,
        command: Vec::new(),
    };
    while let Some(arg) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .with_context(|| format!("{name}: expected a value"))
        };
        match arg.as_str() {
            "--root" => a.root = PathBuf::from(value("--root")?),
            "--cluster-conf" => a.cluster_conf = Some(PathBuf::from(value("--cluster-conf")?)),
            "--dry-run" | "-n" => a.dry_run = true,
            s if s.starts_with('-') && a.command.is_empty() => bail!("{s}: unknown option"),
            _ => a.command.push(arg),
        }
    }
    Ok(a)
}

/// The node directories for `init` and `hostdependent`, per the inventory's
/// rules, from the cluster.conf.
fn nodes(t: &Tree, conf: Option<&Path>) -> Result<Vec<String>> {
    let conf = if t.inv.maxnodeidnum > 0 {
        cluster::ClusterConf {
            name: String::new(),
            config_version: None,
            cluster_type: None,
            nodes: Vec::new(),
            problems: Vec::new(),
        }
    } else {
        // The admin's --cluster-conf is read as given; the one in the root
        // through the root's handle, not through a symlink.
        let (path, text) = match conf {
            Some(p) => (
                p.to_path_buf(),
                fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?,
            ),
            None => {
                let p = t.root.join(CLUSTER_CONF);
                let text = t.read(&p).with_context(|| {
                    format!("reading the root's {CLUSTER_CONF} (--cluster-conf names another)")
                })?;
                (p, text)
            }
        };
        cluster::parse(&text).with_context(|| format!("parsing {}", path.display()))?
    };
    let dirs = t.inv.node_dirs(&conf);
    for d in &dirs {
        tree::plain_name("", d).context("a node directory from the cluster.conf")?;
    }
    Ok(dirs)
}

/// `time.time()` as comoonics writes it: seconds with a fraction.
fn now() -> String {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    format!("{}.{:02}", d.as_secs(), d.subsec_millis() / 10)
}

fn run(a: &Args) -> Result<ExitCode> {
    let t = Tree::load(&a.root)?;
    let conf = a.cluster_conf.as_deref();
    let cmd: Vec<&str> = a.command.iter().map(String::as_str).collect();
    let actions = match cmd.as_slice() {
        ["init"] => commands::init(&t, &nodes(&t, conf)?)?,
        ["hostdependent", p] => commands::hostdependent(&t, &nodes(&t, conf)?, p, &now())?,
        ["shared", p] => commands::shared(&t, p, &now())?,
        ["addnode", n] => commands::addnode(&t, n)?,
        ["list"] => {
            check::list(&t).iter().for_each(|l| println!("{l}"));
            return Ok(ExitCode::SUCCESS);
        }
        ["check"] => {
            let problems = check::check(&t)?;
            problems.iter().for_each(|p| println!("{p}"));
            return Ok(if problems.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            });
        }
        _ => bail!("{}: unknown command\n{USAGE}", a.command.join(" ")),
    };
    if a.dry_run {
        actions.iter().for_each(|x| println!("{x}"));
    } else {
        plan::execute(&t.dir, &actions)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--help" || a == "-h") || args.is_empty() {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    match parse_args(args.into_iter()).and_then(|a| run(&a)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("osr-cdsl: {e:#}");
            ExitCode::from(2)
        }
    }
}
