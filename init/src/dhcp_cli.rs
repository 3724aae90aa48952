//! `osr-init dhcp`: the boot's DHCP client on its own, for tests and for admins
//! checking what a node would get.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use osr_core::config::DEFAULT_DHCP_TIMEOUT;

use crate::exec::apply_lease;
use crate::state::{Key, Record};
use crate::sys::dhcp::Request;
use crate::sys::linux::Linux;
use crate::sys::Sys;

const CARRIER_WAIT: Duration = Duration::from_secs(5);

struct Args {
    ifaces: Vec<String>,
    req: Request,
    apply: bool,
    quiet: bool,
}

pub fn run(args: &[&str]) -> ExitCode {
    let args = match parse(args) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("osr-init dhcp: {e}\nsee osr-init --help");
            return ExitCode::from(2);
        }
    };
    let level = if args.quiet {
        log::LevelFilter::Warn
    } else {
        log::LevelFilter::Debug
    };
    if log::set_logger(&STDERR).is_ok() {
        log::set_max_level(level);
    }
    match obtain(&args) {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("osr-init: dhcp: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn parse(args: &[&str]) -> Result<Args> {
    let mut out = Args {
        ifaces: Vec::new(),
        req: Request {
            hostname: None,
            timeout: DEFAULT_DHCP_TIMEOUT,
            attempts: 1,
        },
        apply: false,
        quiet: false,
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let (key, inline): (&str, Option<&str>) = match arg.split_once('=') {
            Some((k, v)) if k.starts_with("--") => (k, Some(v)),
            _ => (arg, None),
        };
        let mut value = || {
            inline
                .or_else(|| it.next().copied())
                .with_context(|| format!("{key} needs a value"))
        };
        match key {
            "--iface" => out.ifaces.push(value()?.to_string()),
            "--timeout" => {
                let v = value()?;
                let secs: u64 = v
                    .parse()
                    .ok()
                    .filter(|s| (1..=86_400).contains(s))
                    .with_context(|| format!("--timeout {v}: expected seconds, 1-86400"))?;
                out.req.timeout = Duration::from_secs(secs);
            }
            "--retry" => {
                let v = value()?;
                out.req.attempts = v
                    .parse()
                    .ok()
                    .filter(|n| (1..=100).contains(n))
                    .with_context(|| format!("--retry {v}: expected a count, 1-100"))?;
            }
            "--hostname" => out.req.hostname = Some(value()?.to_string()),
            "--apply" => out.apply = true,
            "--quiet" | "-q" => out.quiet = true,
            other => bail!("unknown argument {other:?}"),
        }
    }
    if out.ifaces.is_empty() {
        bail!("give at least one --iface");
    }
    Ok(out)
}

fn obtain(args: &Args) -> Result<String> {
    let mut sys = Linux::new();
    let nics = sys.nics()?;
    let mut ifaces = Vec::new();
    for name in &args.ifaces {
        let nic = nics
            .iter()
            .find(|n| &n.name == name)
            .with_context(|| format!("no Ethernet interface {name}"))?;
        let mac = nic
            .mac
            .with_context(|| format!("{name} has no MAC address"))?;
        sys.link_up(name, None, None)?;
        ifaces.push((name.clone(), mac));
    }
    let deadline = sys.now() + CARRIER_WAIT;
    while !args.ifaces.iter().any(|n| sys.carrier(n)) && sys.now() < deadline {
        sys.sleep(Duration::from_millis(50));
    }
    let got = sys
        .dhcp(&ifaces, &args.req)
        .with_context(|| format!("on {}", args.ifaces.join(", ")))?;
    for w in &got.lease.warnings {
        log::warn!("{}: {w}", got.iface);
    }
    if args.apply {
        apply_lease(&got.iface, &got.lease, true, &mut sys)?;
    }
    let mut rec = Record::default();
    rec.set_in(Key::DHCP_, "IFACE", &got.iface);
    rec.set_in(Key::DHCP_, "MAC", got.mac);
    for (key, value) in got.lease.fields() {
        rec.set_in(Key::DHCP_, key, value);
    }
    rec.set_in(Key::DHCP_, "ELAPSED_MS", got.elapsed.as_millis());
    rec.set_in(Key::DHCP_, "DISCOVERS", got.stats.discovers);
    rec.set_in(Key::DHCP_, "NAKS", got.stats.naks);
    Ok(rec.text().to_string())
}

struct Stderr;
static STDERR: Stderr = Stderr;

impl log::Log for Stderr {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        crate::sys::kmsg::wanted(metadata)
    }
    fn log(&self, r: &log::Record<'_>) {
        if self.enabled(r.metadata()) {
            eprintln!(
                "osr-init: {}: {}",
                r.level().as_str().to_lowercase(),
                r.args()
            );
        }
    }
    fn flush(&self) {}
}
