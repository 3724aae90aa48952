//! osr-cdsl: creates and checks the CDSLs of an open-sharedroot tree offline, on
//! the server, compatibly with comoonics' `com-mkcdsl` and `com-cdslinvadm` (v1
//! and v2 trees, each edited in its own layout), and answers comoonics'
//! `com-queryclusterconf` queries. See docs/cdsl.md.

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
mod locate;
mod plan;
mod query;
mod tree;
mod v1;
mod xattr;

use beneath::Dir;
use commands::Edit;
use tree::Tree;

const USAGE: &str = "\
Usage: osr-cdsl [--root DIR] [--dry-run] [--cluster-conf FILE] COMMAND
  init                     create the trees, link and node directories and the inventory
  hostdependent [-b] PATH  make PATH a per-node copy behind a link (com-mkcdsl -a)
  shared [-b] PATH         share PATH, below a hostdependent CDSL, again (com-mkcdsl -s)
  addnode N                copy the default node directory for node N
  list                     print the CDSLs: type, path, nodes
  check                    print inconsistencies; exit status 1 if there are any
  query [-f FILE] [-s SEP] [-P PREFIX] [-S SUFFIX] NAME [ARG...]
                           print a cluster.conf value by its com-queryclusterconf
                           name (`osr-cdsl query --help` lists them); exit status 1
                           when it has none
A v1 tree (var/lib/cdsl/cdsl_inventory.xml) is edited as v1, a v2 tree as v2.
PATH is relative to the root; an absolute PATH is that path inside the root, as
in a chroot of it (/etc/hostname), unless it starts with the root itself. -b keeps
what PATH replaces as <path>.orig beside it, -f removes it; the default is -f in
a v2 tree and -b in a v1 tree, as com-mkcdsl of each generation had it.
--root defaults to /, --cluster-conf to <root>/etc/cluster/cluster.conf.
--dry-run prints the actions instead of taking them. Errors exit with 2.
Run by the name com-queryclusterconf (a link to osr-cdsl), it is `osr-cdsl query`.";

/// The cluster.conf in the root, when --cluster-conf is not given.
const CLUSTER_CONF: &str = "etc/cluster/cluster.conf";

/// The legacy tool whose name makes this binary `osr-cdsl query`.
const QUERY_TOOL: &str = "com-queryclusterconf";

struct Args {
    help: bool,
    root: PathBuf,
    dry_run: bool,
    cluster_conf: Option<PathBuf>,
    command: Vec<String>,
}

fn parse_args(mut it: impl Iterator<Item = String>) -> Result<Args> {
    let mut a = Args {
        help: false,
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
        let in_query = a.command.first().is_some_and(|c| c == "query");
        match arg.as_str() {
            "--help" | "-h" if !in_query => a.help = true,
            "--root" if a.command.is_empty() => a.root = PathBuf::from(value("--root")?),
            "--cluster-conf" if a.command.is_empty() => {
                a.cluster_conf = Some(PathBuf::from(value("--cluster-conf")?))
            }
            "--dry-run" | "-n" if a.command.is_empty() => a.dry_run = true,
            s if s.starts_with('-') && a.command.is_empty() => bail!("{s}: unknown option"),
            _ => a.command.push(arg),
        }
    }
    Ok(a)
}

/// The cluster.conf: the admin's --cluster-conf as given, else the root's,
/// through the root's handle, not through a symlink.
fn read_cluster_conf(root: &Dir, conf: Option<&Path>) -> Result<cluster::ClusterConf> {
    let (path, text) = match conf {
        Some(p) => (
            p.to_path_buf(),
            fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?,
        ),
        None => (
            root.show(CLUSTER_CONF),
            root.read_file(CLUSTER_CONF).with_context(|| {
                format!("reading the root's {CLUSTER_CONF} (--cluster-conf names another)")
            })?,
        ),
    };
    let conf = cluster::parse(&text).with_context(|| format!("parsing {}", path.display()))?;
    // A legacy file is read as PID 1 reads it: what is wrong in it is skipped, and said.
    for p in &conf.problems {
        eprintln!(
            "osr-cdsl: warning: {}: {}: skipped",
            path.display(),
            p.error
        );
    }
    Ok(conf)
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
        read_cluster_conf(&t.dir, conf)?
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

/// `[-b|--backup] [-f|--force] PATH`: com-mkcdsl's `-b` keeps the original, `-f`
/// removes it; without either, the tree's generation decides (see `Edit`).
fn edit_args<'a>(cmd: &str, words: &[&'a str]) -> Result<(&'a str, Edit)> {
    let mut backup = None;
    let mut path = None;
    for w in words {
        match *w {
            "-b" | "--backup" => backup = Some(true),
            "-f" | "--force" => backup = Some(false),
            s if s.starts_with('-') => bail!("{s}: unknown option of {cmd}"),
            s if path.is_none() => path = Some(s),
            s => bail!("{s}: expected one PATH for {cmd}"),
        }
    }
    let path = path.with_context(|| format!("{cmd}: expected `{cmd} [-b] PATH`"))?;
    Ok((path, Edit { backup, now: now() }))
}

fn run(a: &Args) -> Result<ExitCode> {
    if a.command.first().is_some_and(|c| c == "query") {
        return query_command(a, a.command.get(1..).unwrap_or_default());
    }
    let t = Tree::load(&a.root)?;
    let conf = a.cluster_conf.as_deref();
    let cmd: Vec<&str> = a.command.iter().map(String::as_str).collect();
    let actions = match cmd.as_slice() {
        ["init"] => commands::init(&t, &nodes(&t, conf)?)?,
        ["hostdependent", rest @ ..] => {
            let (p, e) = edit_args("hostdependent", rest)?;
            commands::hostdependent(&t, &nodes(&t, conf)?, p, &e)?
        }
        ["shared", rest @ ..] => {
            let (p, e) = edit_args("shared", rest)?;
            commands::shared(&t, p, &e)?
        }
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

/// `query [options] NAME [ARG...]` with com-queryclusterconf's options: `-f`/`-c`
/// the cluster.conf, `-s` the separator (a newline here, one value per line),
/// `-P`/`-S` a prefix and suffix around the answer, `-q` (a no-op there too) and
/// `-m` (accepted; its query map is not read).
fn query_command(a: &Args, words: &[String]) -> Result<ExitCode> {
    let mut conf = a.cluster_conf.clone();
    let (mut sep, mut prefix, mut suffix) = ("\n", "", "");
    let mut map = None;
    let mut it = words.iter();
    let name = loop {
        let Some(w) = it.next() else {
            bail!(
                "query: expected a query name; the queries are:\n{}",
                query::NAMES
            );
        };
        let mut value = || {
            it.next()
                .map(String::as_str)
                .with_context(|| format!("query {w}: expected a value"))
        };
        match w.as_str() {
            "-f" | "-c" | "--filename" | "--clusterconf" => {
                conf = Some(PathBuf::from(value()?));
            }
            "-s" | "--seperator" | "--separator" => sep = value()?,
            "-P" | "--prefix" => prefix = value()?,
            "-S" | "--suffix" => suffix = value()?,
            "-m" | "--querymapfile" => map = Some(value()?),
            "-q" | "--query" => {}
            "-h" | "--help" => {
                println!("{}", query::NAMES);
                return Ok(ExitCode::SUCCESS);
            }
            s if s.starts_with('-') => bail!("{s}: unknown query option"),
            _ => break w.as_str(),
        }
    };
    let args: Vec<&str> = it.map(String::as_str).collect();
    let root = fs::canonicalize(&a.root)
        .with_context(|| format!("root {}: expected a directory", a.root.display()))?;
    let conf = read_cluster_conf(&Dir::open_root(&root)?, conf.as_deref())?;
    let values = query::answer(&conf, name, &args).with_context(|| match map {
        Some(m) => format!("-m {m} is not read (the legacy maps' queries are built in)"),
        None => format!("query {name}"),
    })?;
    if values.is_empty() {
        return Ok(ExitCode::from(1));
    }
    println!("{prefix}{}{suffix}", values.join(sep));
    Ok(ExitCode::SUCCESS)
}

fn main() -> ExitCode {
    let mut argv = std::env::args();
    let as_query_tool = argv
        .next()
        .is_some_and(|a0| Path::new(&a0).file_name().is_some_and(|n| n == QUERY_TOOL));
    let mut args: Vec<String> = argv.collect();
    if as_query_tool {
        args.insert(0, "query".to_string());
    }
    if args.is_empty() {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let parsed = parse_args(args.into_iter()).and_then(|a| match a.help {
        true => {
            println!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        false => run(&a),
    });
    match parsed {
        Ok(code) => code,
        Err(e) => {
            eprintln!("osr-cdsl: {e:#}");
            ExitCode::from(2)
        }
    }
}
