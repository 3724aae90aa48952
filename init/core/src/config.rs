//! Typed, validated configuration from the tokenised command line.
//!
//! Every parameter of ours is checked; every malformed one is reported (not just the
//! first), each naming the parameter, the value and the expected form, so an admin can
//! fix a PXE line in one go. Parameters we do not know are left alone: they belong to
//! the kernel or to the real init.

use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

use crate::cmdline::Cmdline;
use crate::ip::{self, Expected, IpConfig, Mac, Route};
use crate::mountopts::MountOptions;
use crate::netdev::{self, Netdev};
use crate::overlay::{self, OverlaySpec};
use crate::root::{self, NfsSpec, RootSpec};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamError {
    pub param: String,
    pub value: String,
    pub expected: Expected,
}

impl fmt::Display for ParamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}={:?}: expected {}",
            self.param, self.value, self.expected
        )
    }
}

/// All the malformed parameters of one command line, and the fatal policy as far as
/// its valid parameters give it: the boot that fails on this error still follows
/// `rd.shell` and `rd.emergency` when they are well-formed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ConfigErrors {
    pub errors: Vec<ParamError>,
    pub policy: FatalPolicy,
}

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid kernel command line:")?;
        for e in &self.errors {
            write!(f, "\n  {e}")?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyslogParams {
    pub servers: Option<String>,
    pub level: Option<String>,
    pub subsys: Option<String>,
    pub kind: Option<String>,
}

/// `cdsltree=`, `cdsllink=`, `cdslsharedtree=`, `nocdsl`, `rd.cdsl.fallback=default`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CdslParams {
    pub tree: Option<String>,
    pub link: Option<String>,
    pub shared: Option<String>,
    pub off: bool,
    /// Bind `<tree>/default` when the node has no directory of its own.
    pub fallback_default: bool,
}

/// Where `rd.break` stops to run a shell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum BreakPoint {
    PreNetwork,
    PreMount,
    PrePivot,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Emergency {
    Reboot,
    Poweroff,
    Halt,
}

/// What the one fatal path does: `rd.shell` (a shell first), then `rd.emergency`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FatalPolicy {
    pub shell: bool,
    pub emergency: Emergency,
}

impl Default for FatalPolicy {
    fn default() -> Self {
        FatalPolicy {
            shell: false,
            emergency: Emergency::Reboot,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    Quiet,
    Normal,
    Debug,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub root: Option<RootSpec>,
    /// `nfsroot=`, used with `root=/dev/nfs`.
    pub nfsroot: Option<NfsSpec>,
    /// Every `rootflags=`, in order (a later one overrides an earlier one).
    pub rootflags: MountOptions,
    pub rootfstype: Option<String>,
    /// The last of `ro` and `rw`: `Some(true)` for `rw`, `None` when neither is given
    /// (the planner's default: read-write on a cluster node, else read-only).
    pub rw: Option<bool>,
    /// `rootovl`, `rd.overlay[=...]`, `rd.live.overlay.overlayfs`.
    pub overlay: Option<OverlaySpec>,
    /// `rootovlcfg=` names (comma or space separated, repeatable), in order given.
    pub rootovlcfg: Vec<String>,
    /// `cluster_conf=`: where the image's cluster.conf is (None: the default path,
    /// used only if it exists).
    pub cluster_conf: Option<String>,
    /// `nodeid=`, `com-nodeid=`, `nodename=` (open-sharedroot).
    pub nodeid: Option<String>,
    pub com_nodeid: Option<String>,
    pub nodename: Option<String>,
    /// Warnings for the comoonics initrd's parameters given that osr-rs does not use
    /// ([`crate::legacy`]).
    pub legacy_unused: Vec<String>,
    /// `rootfs=`, `mountopts=`: override cluster.conf's rootvolume.
    pub rootfs: Option<String>,
    /// `None` when not given: the rootvolume's own `mountopts` then apply.
    pub mountopts: Option<MountOptions>,
    pub cdsl: CdslParams,
    /// `syslog=` (or `syslogserver=`), `sysloglevel=`, `syslogsubsys=`, `syslogtype=`.
    pub syslog: SyslogParams,
    pub init: Option<String>,
    pub init_args: Vec<String>,
    /// `ip=` and the kernel's older name for it, `nfsaddrs=`, in the order given.
    pub ip: Vec<IpConfig>,
    pub ifnames: Vec<(String, Mac)>,
    pub bootif: Option<Mac>,
    pub nameservers: Vec<IpAddr>,
    pub routes: Vec<Route>,
    /// `bond=`, `vlan=`, `bridge=`, in creation order.
    pub netdevs: Vec<Netdev>,
    pub driver_pre: Vec<String>,
    pub driver_blacklist: Vec<String>,
    /// `<module>.<param>=<value>`, by module name with `-` normalised to `_`.
    pub module_params: BTreeMap<String, Vec<String>>,
    /// `rd.retry`: how long to keep retrying the root mount.
    pub retry: Duration,
    /// `rd.timeout`: an overall bound on waiting, `None` for none.
    pub timeout: Option<Duration>,
    pub carrier_timeout: Duration,
    /// `rd.net.timeout.dhcp`: one DHCP attempt gives up after this long.
    pub dhcp_timeout: Duration,
    /// `rd.net.dhcp.retry`: DHCP attempts before failing.
    pub dhcp_retry: u32,
    /// `rd.peerdns=0` ignores the DHCP server's nameservers.
    pub peerdns: bool,
    pub breaks: Vec<BreakPoint>,
    pub verbosity: Verbosity,
    /// `rd.shell`, `rd.emergency`.
    pub policy: FatalPolicy,
}

/// dracut's default initqueue timeout.
pub const DEFAULT_RETRY: Duration = Duration::from_secs(180);
/// dracut's `rd.net.timeout.carrier` default.
pub const DEFAULT_CARRIER_TIMEOUT: Duration = Duration::from_secs(10);

/// One DHCP attempt: dhclient's default timeout, which dracut's rd.net.timeout.dhcp sets.
pub const DEFAULT_DHCP_TIMEOUT: Duration = Duration::from_secs(60);

/// Keys with a dot that are ours or the kernel's, not `<module>.<param>`.
const NOT_MODULE_PREFIXES: &[&str] = &["rd", "root", "osrtest", "systemd", "rootflags"];

struct Collector {
    errors: Vec<ParamError>,
}

impl Collector {
    fn check<T>(&mut self, param: &str, value: &str, r: Result<T, Expected>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(expected) => {
                self.errors.push(ParamError {
                    param: param.to_string(),
                    value: value.to_string(),
                    expected,
                });
                None
            }
        }
    }

    fn all<T>(&mut self, c: &Cmdline, key: &str, parse: fn(&str) -> Result<T, Expected>) -> Vec<T> {
        c.all(key)
            .filter_map(|v| self.check(key, v, parse(v)))
            .collect()
    }

    fn last<T>(
        &mut self,
        c: &Cmdline,
        key: &str,
        parse: fn(&str) -> Result<T, Expected>,
    ) -> Option<T> {
        let v = c.get(key)?;
        self.check(key, v, parse(v))
    }
}

impl Config {
    pub fn from_cmdline(c: &Cmdline) -> Result<Config, ConfigErrors> {
        let mut col = Collector { errors: Vec::new() };
        // netroot= names the network root when both are given, as in dracut.
        let root = col
            .last(c, "netroot", root::parse_root)
            .or_else(|| col.last(c, "root", root::parse_root));
        let config = Config {
            root,
            nfsroot: col.last(c, "nfsroot", root::parse_nfsroot),
            rootflags: mount_options(&mut col, c, "rootflags").unwrap_or_default(),
            rootfstype: c
                .get("rootfstype")
                .filter(|v| !v.is_empty())
                .map(str::to_string),
            rw: rw_flag(c),
            overlay: overlay_spec(&mut col, c),
            rootovlcfg: c
                .all("rootovlcfg")
                .flat_map(|v| v.split([',', ' ']))
                .filter(|n| !n.is_empty())
                .map(str::to_string)
                .collect(),
            cluster_conf: col.last(c, "cluster_conf", parse_init),
            nodeid: non_empty(c, "nodeid"),
            com_nodeid: non_empty(c, "com-nodeid"),
            nodename: non_empty(c, "nodename"),
            legacy_unused: crate::legacy::unused_params(c),
            rootfs: non_empty(c, "rootfs"),
            mountopts: mount_options(&mut col, c, "mountopts"),
            cdsl: CdslParams {
                tree: non_empty(c, "cdsltree"),
                link: non_empty(c, "cdsllink"),
                shared: non_empty(c, "cdslsharedtree"),
                off: c.has("nocdsl")
                    || [c.get("cdsltree"), c.get("cdsllink")].contains(&Some("nocdsl")),
                fallback_default: c.get("rd.cdsl.fallback") == Some("default"),
            },
            syslog: SyslogParams {
                servers: non_empty(c, "syslog").or_else(|| non_empty(c, "syslogserver")),
                level: non_empty(c, "sysloglevel"),
                subsys: non_empty(c, "syslogsubsys"),
                kind: non_empty(c, "syslogtype"),
            },
            init: col.last(c, "init", parse_init),
            init_args: c.init_args.clone(),
            ip: ip_configs(&mut col, c),
            ifnames: col.all(c, "ifname", ip::parse_ifname),
            bootif: col
                .last(c, "BOOTIF", ip::parse_bootif)
                .filter(|_| c.get("rd.bootif") != Some("0")),
            nameservers: col.all(c, "nameserver", parse_addr),
            routes: col.all(c, "rd.route", ip::parse_route),
            netdevs: netdevs(&mut col, c),
            driver_pre: col.all(c, "rd.driver.pre", parse_module_list).concat(),
            driver_blacklist: col
                .all(c, "rd.driver.blacklist", parse_module_list)
                .concat(),
            module_params: module_params(c),
            retry: mount_retry(&mut col, c),
            timeout: col
                .last(c, "rd.timeout", parse_seconds)
                .filter(|d| !d.is_zero()),
            carrier_timeout: col
                .last(c, "rd.net.timeout.carrier", parse_seconds)
                .unwrap_or(DEFAULT_CARRIER_TIMEOUT),
            dhcp_timeout: col
                .last(c, "rd.net.timeout.dhcp", parse_seconds)
                .filter(|d| !d.is_zero())
                .unwrap_or(DEFAULT_DHCP_TIMEOUT),
            dhcp_retry: col.last(c, "rd.net.dhcp.retry", parse_count).unwrap_or(1),
            peerdns: col.last(c, "rd.peerdns", parse_bool).unwrap_or(true),
            breaks: col.all(c, "rd.break", parse_break),
            verbosity: verbosity(&mut col, c),
            policy: FatalPolicy {
                shell: col.last(c, "rd.shell", parse_bool).unwrap_or(false),
                emergency: col
                    .last(c, "rd.emergency", parse_emergency)
                    .unwrap_or(Emergency::Reboot),
            },
        };
        if col.errors.is_empty() {
            Ok(config)
        } else {
            Err(ConfigErrors {
                errors: col.errors,
                policy: config.policy,
            })
        }
    }
}

/// Every `bond=`, `vlan=` and `bridge=`, ordered so each device follows the ones it
/// is built on. A bare `bond` or `bridge` flag takes dracut's default.
fn netdevs(col: &mut Collector, c: &Cmdline) -> Vec<Netdev> {
    let mut devs = Vec::new();
    for arg in &c.args {
        let (key, value) = (arg.key.as_str(), arg.value.as_deref().unwrap_or(""));
        let parsed = match key {
            "bond" => netdev::parse_bond(value).map(Netdev::Bond),
            "vlan" => netdev::parse_vlan(value).map(Netdev::Vlan),
            "bridge" => netdev::parse_bridge(value).map(Netdev::Bridge),
            _ => continue,
        };
        if let Some(dev) = col.check(key, value, parsed) {
            devs.push(dev);
        }
    }
    let names: Vec<String> = devs.iter().map(|d| d.name().to_string()).collect();
    col.check(
        "bond/vlan/bridge",
        &names.join(","),
        netdev::creation_order(&devs),
    )
    .unwrap_or_default()
}

/// `rd.overlay` decides when given; else `rootovl` or `rd.live.overlay.overlayfs`
/// ask for the default tmpfs overlay.
fn overlay_spec(col: &mut Collector, c: &Cmdline) -> Option<OverlaySpec> {
    if c.get("rd.overlay").is_some() {
        return col
            .last(c, "rd.overlay", overlay::parse_rd_overlay)
            .flatten();
    }
    let legacy = col.last(c, "rootovl", parse_bool).unwrap_or(false)
        || col
            .last(c, "rd.live.overlay.overlayfs", parse_bool)
            .unwrap_or(false);
    legacy.then(OverlaySpec::default)
}

/// `rd.retry=`; open-sharedroot's `mounttimes=` x `mountwait=` (defaults 30 x 10 s
/// for NFS in the legacy initrd) when given instead.
fn mount_retry(col: &mut Collector, c: &Cmdline) -> Duration {
    if let Some(r) = col.last(c, "rd.retry", parse_seconds) {
        return r;
    }
    let times = col.last(c, "mounttimes", parse_count);
    let wait = col.last(c, "mountwait", parse_seconds);
    match (times, wait) {
        (None, None) => DEFAULT_RETRY,
        (t, w) => w.unwrap_or(Duration::from_secs(10)) * t.unwrap_or(30),
    }
}

/// Every `key=` (`rootflags=`, `mountopts=`) as one list of mount options, later ones
/// winning; `None` when there is none. Options mount(8) acts on itself are refused.
fn mount_options(col: &mut Collector, c: &Cmdline, key: &str) -> Option<MountOptions> {
    let mut all: Option<MountOptions> = None;
    for v in c.all(key) {
        let opts = crate::mountopts::parse(v);
        if col.check(key, v, opts.refuse_unsupported()).is_some() {
            all.get_or_insert_with(MountOptions::default).extend(opts);
        }
    }
    all
}

/// `ip=` and `nfsaddrs=` (Documentation/admin-guide/nfs/nfsroot.rst: "nfsaddrs= is an
/// alias for ip="), in command-line order, each error under the name it was given.
fn ip_configs(col: &mut Collector, c: &Cmdline) -> Vec<IpConfig> {
    c.args
        .iter()
        .filter(|a| a.key == "ip" || a.key == "nfsaddrs")
        .filter_map(|a| {
            let v = a.value.as_deref().unwrap_or("");
            col.check(&a.key, v, ip::parse_ip(v))
        })
        .collect()
}

fn non_empty(c: &Cmdline, key: &str) -> Option<String> {
    c.get(key).filter(|v| !v.is_empty()).map(str::to_string)
}

/// The last of `ro`/`rw` wins, as for the kernel; `None` if neither is given.
fn rw_flag(c: &Cmdline) -> Option<bool> {
    c.args
        .iter()
        .rev()
        .find(|a| a.value.is_none() && (a.key == "ro" || a.key == "rw"))
        .map(|a| a.key == "rw")
}

fn verbosity(col: &mut Collector, c: &Cmdline) -> Verbosity {
    if col.last(c, "rd.debug", parse_bool).unwrap_or(false) {
        return Verbosity::Debug;
    }
    if let Some(level) = col.last(c, "loglevel", parse_loglevel) {
        return match level {
            0..=4 => Verbosity::Quiet,
            5 | 6 => Verbosity::Normal,
            _ => Verbosity::Debug,
        };
    }
    if c.has("quiet") {
        Verbosity::Quiet
    } else {
        Verbosity::Normal
    }
}

fn parse_bool(s: &str) -> Result<bool, Expected> {
    match s {
        "" | "1" | "yes" | "y" | "true" | "on" => Ok(true),
        "0" | "no" | "n" | "false" | "off" => Ok(false),
        _ => Err("nothing (a bare flag), 1 or 0".to_string()),
    }
}

fn parse_seconds(s: &str) -> Result<Duration, Expected> {
    let digits = s.strip_suffix('s').unwrap_or(s);
    match digits.parse::<u32>() {
        Ok(n) if n <= 86_400 => Ok(Duration::from_secs(u64::from(n))),
        _ => Err("a whole number of seconds (0-86400)".to_string()),
    }
}

fn parse_count(s: &str) -> Result<u32, Expected> {
    s.parse::<u32>()
        .ok()
        .filter(|n| (1..=100).contains(n))
        .ok_or_else(|| "a number of attempts, 1-100".to_string())
}

fn parse_loglevel(s: &str) -> Result<u8, Expected> {
    s.parse::<u8>()
        .ok()
        .filter(|l| *l <= 7)
        .ok_or_else(|| "a console log level 0-7".to_string())
}

fn parse_addr(s: &str) -> Result<IpAddr, Expected> {
    let unbracketed = s
        .strip_prefix('[')
        .and_then(|x| x.strip_suffix(']'))
        .unwrap_or(s);
    unbracketed
        .parse()
        .map_err(|_| "an IPv4 or IPv6 address".to_string())
}

fn parse_init(s: &str) -> Result<String, Expected> {
    if s.starts_with('/') {
        Ok(s.to_string())
    } else {
        Err("an absolute path such as /sbin/init".to_string())
    }
}

fn parse_module_list(s: &str) -> Result<Vec<String>, Expected> {
    let names: Vec<String> = s
        .split(',')
        .filter(|n| !n.is_empty())
        .map(|n| n.replace('-', "_"))
        .collect();
    let valid = |n: &String| n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !names.is_empty() && names.iter().all(valid) {
        Ok(names)
    } else {
        Err("a comma-separated list of module names".to_string())
    }
}

fn parse_break(s: &str) -> Result<BreakPoint, Expected> {
    // dracut's hook names map onto the three points our boot has.
    match s {
        "pre-network" | "cmdline" | "pre-udev" | "pre-trigger" => Ok(BreakPoint::PreNetwork),
        "pre-mount" | "initqueue" | "mount" => Ok(BreakPoint::PreMount),
        "" | "pre-pivot" | "cleanup" => Ok(BreakPoint::PrePivot),
        _ => Err("pre-network, pre-mount or pre-pivot (or dracut's hook names)".to_string()),
    }
}

fn parse_emergency(s: &str) -> Result<Emergency, Expected> {
    match s {
        "reboot" => Ok(Emergency::Reboot),
        "poweroff" => Ok(Emergency::Poweroff),
        "halt" => Ok(Emergency::Halt),
        _ => Err("reboot, poweroff or halt".to_string()),
    }
}

fn module_params(c: &Cmdline) -> BTreeMap<String, Vec<String>> {
    let mut params: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for arg in &c.args {
        let Some((module, param)) = arg.key.split_once('.') else {
            continue;
        };
        if module.is_empty() || param.is_empty() || NOT_MODULE_PREFIXES.contains(&module) {
            continue;
        }
        let entry = match &arg.value {
            Some(v) if v.contains(char::is_whitespace) => format!("{param}=\"{v}\""),
            Some(v) => format!("{param}={v}"),
            None => param.to_string(),
        };
        params
            .entry(module.replace('-', "_"))
            .or_default()
            .push(entry);
    }
    params
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(s: &str) -> Config {
        Config::from_cmdline(&Cmdline::parse(s)).unwrap()
    }

    fn errors(s: &str) -> Vec<ParamError> {
        Config::from_cmdline(&Cmdline::parse(s)).unwrap_err().errors
    }

    #[test]
    fn defaults() {
        let c = config("");
        assert_eq!(c.root, None);
        assert_eq!(c.rw, None);
        assert_eq!(c.mountopts, None);
        assert_eq!(c.retry, DEFAULT_RETRY);
        assert_eq!(c.timeout, None);
        assert_eq!(c.carrier_timeout, DEFAULT_CARRIER_TIMEOUT);
        assert_eq!(c.policy.emergency, Emergency::Reboot);
        assert_eq!(c.verbosity, Verbosity::Normal);
        assert!(!c.policy.shell);
    }

    #[test]
    fn typed_values() {
        let c = config(
            "root=nfs4:10.0.2.2:/export/rootfs rw ro rootflags=noatime rootflags=nodev \
             rd.driver.pre=e1000,virtio-net rd.driver.blacklist=floppy virtio_net.napi_weight=64 \
             e1000.Speed=100 rd.retry=30 rd.timeout=0 rd.net.timeout.carrier=5s rd.shell \
             rd.break=pre-mount rd.break rd.emergency=poweroff quiet rd.debug \
             nameserver=10.0.2.3 nameserver=[fd00::3] BOOTIF=01-52-54-00-12-34-57 \
             init=/sbin/myinit -- single",
        );
        assert!(matches!(c.root, Some(RootSpec::Nfs(_))));
        assert_eq!(c.rw, Some(false), "last of ro/rw wins");
        assert_eq!(c.rootflags.flags.names(), ["nodev", "noatime"]);
        assert_eq!(c.driver_pre, ["e1000", "virtio_net"]);
        assert_eq!(c.driver_blacklist, ["floppy"]);
        assert_eq!(c.module_params["virtio_net"], ["napi_weight=64"]);
        assert_eq!(c.module_params["e1000"], ["Speed=100"]);
        assert!(!c.module_params.contains_key("rd"));
        assert_eq!(c.retry, Duration::from_secs(30));
        assert_eq!(c.timeout, None);
        assert_eq!(c.carrier_timeout, Duration::from_secs(5));
        assert!(c.policy.shell);
        assert_eq!(c.breaks, [BreakPoint::PreMount, BreakPoint::PrePivot]);
        assert_eq!(c.policy.emergency, Emergency::Poweroff);
        assert_eq!(c.verbosity, Verbosity::Debug);
        assert_eq!(c.nameservers.len(), 2);
        assert_eq!(
            c.bootif.map(|m| m.to_string()).as_deref(),
            Some("52:54:00:12:34:57")
        );
        assert_eq!(c.init.as_deref(), Some("/sbin/myinit"));
        assert_eq!(c.init_args, ["single"]);
    }

    #[test]
    fn netroot_wins_and_rd_bootif_0_ignores_bootif() {
        let c = config(
            "root=/dev/sda1 netroot=nfs:10.0.2.2:/srv BOOTIF=01-52-54-00-12-34-57 rd.bootif=0",
        );
        assert!(matches!(c.root, Some(RootSpec::Nfs(_))));
        assert_eq!(c.bootif, None);
    }

    #[test]
    fn every_bad_parameter_is_reported_with_its_value() {
        let errs = errors(
            "root=nfs:10.0.2.2:relative ip=10.0.2.300 rd.retry=soon rd.emergency=explode \
             rd.break=later BOOTIF=xx nameserver=dns.example init=sbin/init loglevel=9 \
             rd.driver.pre=bad/name rd.shell=maybe ifname=eth0",
        );
        let params: Vec<&str> = errs.iter().map(|e| e.param.as_str()).collect();
        assert_eq!(
            params,
            [
                "root",
                "init",
                "ip",
                "ifname",
                "BOOTIF",
                "nameserver",
                "rd.driver.pre",
                "rd.retry",
                "rd.break",
                "loglevel",
                "rd.shell",
                "rd.emergency"
            ]
        );
        let retry = errs.iter().find(|e| e.param == "rd.retry").unwrap();
        assert_eq!(
            retry.to_string(),
            "rd.retry=\"soon\": expected a whole number of seconds (0-86400)"
        );
        let text = ConfigErrors {
            errors: errs,
            policy: FatalPolicy::default(),
        }
        .to_string();
        assert!(
            text.starts_with("invalid kernel command line:\n  root=\"nfs:10.0.2.2:relative\""),
            "{text}"
        );
    }

    #[test]
    fn mount_options_parsed_once() {
        let c = config("rootflags=noatime,data=journal rootflags=atime,ro mountopts=nolock,rw");
        assert!(c.rootflags.flags.is_empty(), "the later atime wins");
        assert_eq!(c.rootflags.data, ["data=journal"]);
        assert_eq!(c.rootflags.read_only, Some(true));
        let m = c.mountopts.unwrap();
        assert_eq!(
            (m.data.as_slice(), m.read_only),
            (&["nolock".to_string()][..], Some(false))
        );
        let errs = errors("rootflags=noatime,bind mountopts=loop");
        let got: Vec<(&str, &str)> = errs
            .iter()
            .map(|e| (e.param.as_str(), e.value.as_str()))
            .collect();
        assert_eq!(got, [("rootflags", "noatime,bind"), ("mountopts", "loop")]);
        assert!(errs[0].expected.contains("got bind"), "{}", errs[0]);
    }

    #[test]
    fn nfsaddrs_is_ip() {
        let c = config("nfsaddrs=10.0.2.15::10.0.2.2:255.255.255.0:node1:eth0:off");
        assert_eq!(
            c.ip,
            config("ip=10.0.2.15::10.0.2.2:255.255.255.0:node1:eth0:off").ip
        );
        assert_eq!(c.ip.len(), 1);
        assert_eq!(config("ip=dhcp nfsaddrs=dhcp").ip.len(), 2);
        let errs = errors("nfsaddrs=10.0.2.300");
        assert_eq!(errs[0].param, "nfsaddrs");
        assert_eq!(errs[0].value, "10.0.2.300");
    }

    #[test]
    fn every_boolean_form_of_rd_shell_opens_the_shell() {
        for form in [
            "rd.shell",
            "rd.shell=1",
            "rd.shell=y",
            "rd.shell=yes",
            "rd.shell=on",
        ] {
            assert!(config(form).policy.shell, "{form}");
        }
        for form in ["", "rd.shell=0", "rd.shell=n", "rd.shell=off"] {
            assert!(!config(form).policy.shell, "{form}");
        }
    }

    #[test]
    fn a_bad_command_line_keeps_its_valid_fatal_policy() {
        let e = Config::from_cmdline(&Cmdline::parse(
            "rd.shell=y rd.emergency=poweroff ip=10.0.2.300",
        ))
        .unwrap_err();
        assert_eq!(
            e.policy,
            FatalPolicy {
                shell: true,
                emergency: Emergency::Poweroff
            }
        );
        let e = Config::from_cmdline(&Cmdline::parse("rd.shell=maybe rd.emergency=halt ip=x"))
            .unwrap_err();
        assert_eq!(
            e.policy,
            FatalPolicy {
                shell: false,
                emergency: Emergency::Halt
            }
        );
    }
}
