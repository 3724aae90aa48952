//! Creating one `bond=` / `vlan=` / `bridge=` device on the running kernel.
//!
//! rtnetlink creates the links and sets masters. The bonding options go through
//! `<sysfs>/class/net/<bond>/bonding/<option>`, as dracut writes them: the grammar is
//! the sysfs one (names or numbers, as the driver's tables accept), and the driver
//! checks each write against the bond's current mode and state.
//!
//! Steps are idempotent: an existing device of the right kind is reused, options
//! already in effect are not written again, and an interface already enslaved to this
//! master is left alone. Loading `bonding`, `8021q` and `bridge` is the executor's job.
//! Kinds, masters and VLAN parents are read from sysfs (`uevent` DEVTYPE, the `master`
//! and `lower_<parent>` links), which needs no netlink attribute parsing.

use std::io::ErrorKind;
use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};
use osr_core::netdev::{Bond, Bridge, Netdev, Vlan};
use rtnetlink::LinkSetRequest;

use super::netlink::Netlink;

/// Creates `dev` (its lower interfaces must exist), enslaves its slaves or ports and
/// brings everything up. `sysfs` is where sysfs is mounted (`/sys`).
pub fn create(nl: &Netlink, sysfs: &Path, dev: &Netdev) -> Result<()> {
    let class_net = sysfs.join("class/net");
    let res = match dev {
        Netdev::Bond(b) => create_bond(nl, &class_net, b),
        Netdev::Vlan(v) => create_vlan(nl, &class_net, v),
        Netdev::Bridge(b) => create_bridge(nl, &class_net, b),
    };
    res.with_context(|| format!("creating {}", dev.name()))
}

fn create_bond(nl: &Netlink, class_net: &Path, bond: &Bond) -> Result<()> {
    check_present(class_net, &bond.slaves, "slave")?;
    let name = &bond.name;
    if !exists_as(class_net, name, "bond")? {
        // Created down: mode and the other IFDOWN options can only be set so.
        let req = nl.handle.link().add().bond(name.clone());
        allow_exists(nl.rt.block_on(req.execute())).context("adding the bond link")?;
    }
    for (option, value) in bond.sysfs_writes() {
        set_bond_option(class_net, name, &option, &value)
            .with_context(|| format!("setting option {option}={value}"))?;
    }
    let index = nl.index(name)?;
    for slave in &bond.slaves {
        if needs_master(class_net, slave, name)? {
            // The driver refuses to enslave an interface that is up.
            nl.set_link(slave, "setting it down", LinkSetRequest::down)?;
            nl.set_link(slave, &format!("enslaving it to {name}"), |r| {
                r.controller(index)
            })?;
        }
    }
    for slave in &bond.slaves {
        nl.set_link(slave, "bringing it up", LinkSetRequest::up)?;
    }
    nl.link_up(name, bond.mtu, None)
}

fn create_vlan(nl: &Netlink, class_net: &Path, vlan: &Vlan) -> Result<()> {
    let (name, parent) = (&vlan.name, &vlan.parent);
    check_present(class_net, std::slice::from_ref(parent), "parent")?;
    nl.set_link(parent, "bringing it up", LinkSetRequest::up)?;
    if exists_as(class_net, name, "vlan")? {
        if !class_net
            .join(name)
            .join(format!("lower_{parent}"))
            .exists()
        {
            bail!("{name} exists as a VLAN on another interface than {parent}");
        }
    } else {
        let index = nl.index(parent)?;
        let req = nl.handle.link().add().vlan(name.clone(), index, vlan.id);
        allow_exists(nl.rt.block_on(req.execute()))
            .with_context(|| format!("adding VLAN {} on {parent}", vlan.id))?;
    }
    nl.set_link(name, "bringing it up", LinkSetRequest::up)
}

fn create_bridge(nl: &Netlink, class_net: &Path, bridge: &Bridge) -> Result<()> {
    check_present(class_net, &bridge.ports, "port")?;
    let name = &bridge.name;
    if !exists_as(class_net, name, "bridge")? {
        let req = nl.handle.link().add().bridge(name.clone());
        allow_exists(nl.rt.block_on(req.execute())).context("adding the bridge link")?;
    }
    // With STP on (and, on old kernels, even without it) a new port spends
    // forward_delay (15 s by default) listening and then learning before it forwards,
    // and DHCP would wait through it. Recent kernels forward at once on a bridge
    // without STP (net/bridge/br_stp.c, br_make_forwarding); 0 removes the wait in
    // every case, as dracut does (35network-legacy's ifup.sh).
    let delay = class_net.join(name).join("bridge/forward_delay");
    std::fs::write(&delay, "0").with_context(|| format!("writing 0 to {}", delay.display()))?;
    let index = nl.index(name)?;
    for port in &bridge.ports {
        if needs_master(class_net, port, name)? {
            nl.set_link(port, &format!("adding it to {name}"), |r| {
                r.controller(index)
            })?;
        }
        nl.set_link(port, "bringing it up", LinkSetRequest::up)?;
    }
    nl.set_link(name, "bringing it up", LinkSetRequest::up)
}

impl Netlink {
    /// One `ip link set <name> ...` request; `what` names it in the error.
    fn set_link(
        &self,
        name: &str,
        what: &str,
        build: impl FnOnce(LinkSetRequest) -> LinkSetRequest,
    ) -> Result<()> {
        let index = self.index(name)?;
        let req = build(self.handle.link().set(index));
        self.rt
            .block_on(req.execute())
            .with_context(|| format!("{name}: {what}"))
    }
}

/// Errors naming the first missing interface and listing the ones present: the usual
/// cause is a NIC named differently from the command line (or whose driver is absent).
fn check_present(class_net: &Path, names: &[String], what: &str) -> Result<()> {
    let Some(missing) = names.iter().find(|n| !class_net.join(n).exists()) else {
        return Ok(());
    };
    let entries =
        std::fs::read_dir(class_net).with_context(|| format!("reading {}", class_net.display()))?;
    let mut present: Vec<String> = entries
        .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect::<std::io::Result<_>>()
        .with_context(|| format!("reading {}", class_net.display()))?;
    present.sort();
    Err(anyhow!(
        "{what} {missing} does not exist (interfaces present: {})",
        present.join(", ")
    ))
}

/// Whether `name` exists with the DEVTYPE `kind`; an error if it exists as something
/// else.
fn exists_as(class_net: &Path, name: &str, kind: &str) -> Result<bool> {
    let uevent = class_net.join(name).join("uevent");
    let text = match std::fs::read_to_string(&uevent) {
        Ok(text) => text,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e).with_context(|| format!("reading {}", uevent.display())),
    };
    let devtype = text
        .lines()
        .find_map(|l| l.strip_prefix("DEVTYPE="))
        .unwrap_or("");
    match devtype {
        t if t == kind => Ok(true),
        "" => bail!("{name} exists and is not a {kind} (no DEVTYPE: a physical NIC?)"),
        t => bail!("{name} exists as a {t}, not a {kind}"),
    }
}

/// Whether `iface` still has to be given to `master`: false if it already is, an
/// error if another master holds it.
fn needs_master(class_net: &Path, iface: &str, master: &str) -> Result<bool> {
    let link = class_net.join(iface).join("master");
    match std::fs::read_link(&link) {
        Ok(target) if target.file_name().is_some_and(|n| n == master) => Ok(false),
        Ok(target) => bail!(
            "{iface} is already enslaved to {}",
            target.file_name().unwrap_or_default().to_string_lossy()
        ),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(true),
        Err(e) => Err(e).with_context(|| format!("reading {}", link.display())),
    }
}

/// Writes one bonding option unless the bond already has it: the file shows a value
/// as `<name> <number>` (mode, lacp_rate...), a number, a name, or the list of
/// targets, so a match of any word means there is nothing to do.
fn set_bond_option(class_net: &Path, bond: &str, option: &str, value: &str) -> Result<()> {
    let path = class_net.join(bond).join("bonding").join(option);
    let wanted = value.strip_prefix('+').unwrap_or(value);
    match std::fs::read_to_string(&path) {
        Ok(current) if current.split_whitespace().any(|w| w == wanted) => return Ok(()),
        Ok(_) => {}
        Err(e) if e.kind() == ErrorKind::NotFound => {
            bail!("this kernel's bonding driver has no {}", path.display())
        }
        // Unreadable for another reason: write anyway and let the driver answer.
        Err(_) => {}
    }
    std::fs::write(&path, value).map_err(|e| {
        let hint = match e.raw_os_error() {
            Some(libc::EACCES) => " (not supported in the bond's mode: is mode= given?)",
            Some(libc::ENOTEMPTY) => " (only settable while the bond has no slaves)",
            Some(libc::EBUSY) => " (only settable while the bond is down)",
            Some(libc::EINVAL) => " (the driver refused the value)",
            _ => "",
        };
        anyhow!(e).context(format!("writing {value} to {}{hint}", path.display()))
    })
}

/// EEXIST: the link appeared between the kind check and the creation; the steps
/// after it work on what is there.
fn allow_exists(res: Result<(), rtnetlink::Error>) -> Result<()> {
    match res {
        Ok(()) => Ok(()),
        Err(rtnetlink::Error::NetlinkError(msg)) if msg.raw_code() == -libc::EEXIST => Ok(()),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::os::unix::net::UnixStream;
    use std::path::{Path, PathBuf};

    use nix::mount::{mount, MsFlags};
    use nix::sys::wait::{waitpid, WaitStatus};
    use nix::unistd::ForkResult;
    use osr_core::netdev::{creation_order, parse_bond, parse_bridge, parse_vlan, Netdev};

    use super::*;

    fn is_root() -> bool {
        nix::unistd::geteuid().is_root()
    }

    /// Runs `body` in a forked child (youki's test_in_child_process) inside fresh
    /// network and mount namespaces (netavark's per-test netns), with a sysfs of that
    /// network namespace mounted on `sysfs`: nothing reaches the host's interfaces.
    /// The child's report comes back over a socket; a panic fails the test.
    fn in_fresh_netns(sysfs: &Path, body: fn(&Path) -> String) -> String {
        let (mut parent_end, mut child_end) = UnixStream::pair().unwrap();
        // SAFETY: the child runs only `body` and then _exits; it never returns into
        // the test harness, whose other threads do not exist in it.
        match unsafe { nix::unistd::fork() }.unwrap() {
            ForkResult::Child => {
                drop(parent_end);
                let run = std::panic::catch_unwind(|| {
                    enter_namespaces(sysfs);
                    body(sysfs)
                });
                let (code, text) = match run {
                    Ok(report) => (0, report),
                    Err(panic) => {
                        let msg = panic
                            .downcast_ref::<String>()
                            .cloned()
                            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                            .unwrap_or_default();
                        (1, format!("child panicked: {msg}"))
                    }
                };
                let sent = child_end.write_all(text.as_bytes());
                // SAFETY: ends the child at once, without running the destructors and
                // exit handlers it shares with the parent.
                unsafe { libc::_exit(if sent.is_ok() { code } else { 2 }) }
            }
            ForkResult::Parent { child } => {
                drop(child_end);
                let mut text = String::new();
                parent_end.read_to_string(&mut text).unwrap();
                let status = waitpid(child, None).unwrap();
                assert_eq!(status, WaitStatus::Exited(child, 0), "{text}");
                text
            }
        }
    }

    fn enter_namespaces(sysfs: &Path) {
        // SAFETY: plain syscall with flag arguments; the child is single-threaded, as
        // CLONE_NEWNS requires.
        let rc = unsafe { libc::unshare(libc::CLONE_NEWNET | libc::CLONE_NEWNS) };
        assert_eq!(rc, 0, "unshare: {}", std::io::Error::last_os_error());
        // Keep our sysfs mount out of the host's mount namespace.
        let flags = MsFlags::MS_REC | MsFlags::MS_PRIVATE;
        mount(None::<&str>, "/", None::<&str>, flags, None::<&str>).unwrap();
        // A sysfs mounted from this network namespace lists its interfaces.
        mount(
            Some("sysfs"),
            sysfs,
            Some("sysfs"),
            MsFlags::empty(),
            None::<&str>,
        )
        .unwrap();
    }

    fn unsupported(e: &anyhow::Error) -> bool {
        e.chain().any(|c| {
            matches!(c.downcast_ref::<rtnetlink::Error>(),
                Some(rtnetlink::Error::NetlinkError(m)) if m.raw_code() == -libc::EOPNOTSUPP)
        })
    }

    /// A lower interface with carrier: a dummy, or a veth whose peer is up where the
    /// kernel has no dummy driver.
    fn add_lower(nl: &Netlink, name: &str) {
        let dummy = nl.handle.link().add().dummy(name.to_string());
        match nl.rt.block_on(dummy.execute()) {
            Ok(()) => return,
            Err(rtnetlink::Error::NetlinkError(m)) if m.raw_code() == -libc::EOPNOTSUPP => {}
            Err(e) => panic!("adding dummy {name}: {e}"),
        }
        let peer = format!("{name}p");
        let veth = nl.handle.link().add().veth(name.to_string(), peer.clone());
        nl.rt.block_on(veth.execute()).unwrap();
        for n in [name, peer.as_str()] {
            nl.set_link(n, "up", LinkSetRequest::up).unwrap();
        }
    }

    fn read(class_net: &Path, file: &str) -> String {
        let path = class_net.join(file);
        std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
            .trim()
            .to_string()
    }

    fn master(class_net: &Path, iface: &str) -> String {
        let link = std::fs::read_link(class_net.join(iface).join("master")).unwrap();
        link.file_name().unwrap().to_string_lossy().into_owned()
    }

    fn is_up(class_net: &Path, iface: &str) -> bool {
        let flags = read(class_net, &format!("{iface}/flags"));
        let flags = u32::from_str_radix(flags.trim_start_matches("0x"), 16).unwrap();
        flags & libc::IFF_UP as u32 != 0
    }

    /// Creates the devices in creation order, twice (the second run must change
    /// nothing); returns a skip note instead when the kernel lacks the device type.
    fn create_all(nl: &Netlink, sysfs: &Path, args: &[Netdev]) -> Option<String> {
        let devs = creation_order(args).unwrap();
        for round in 0..2 {
            for dev in &devs {
                match create(nl, sysfs, dev) {
                    Ok(()) => {}
                    Err(e) if round == 0 && unsupported(&e) => {
                        let module = osr_core::netdev::module_for(dev);
                        return Some(format!(
                            "SKIP {}: this kernel has no {module} support ({e:#})\n",
                            dev.name()
                        ));
                    }
                    Err(e) => panic!("round {round}: {e:#}"),
                }
            }
        }
        None
    }

    fn bond_vlan_bridge(sysfs: &Path) -> String {
        let class_net = sysfs.join("class/net");
        let nl = Netlink::new().unwrap();
        for name in ["d0", "d1", "d2", "d3", "d4", "d5"] {
            add_lower(&nl, name);
        }
        let mut report = String::new();

        let bridge = Netdev::Bridge(parse_bridge("br0:d2").unwrap());
        match create_all(&nl, sysfs, &[bridge]) {
            Some(skip) => report.push_str(&skip),
            None => {
                assert_eq!(master(&class_net, "d2"), "br0");
                assert_eq!(read(&class_net, "br0/bridge/forward_delay"), "0");
                // 3 = BR_STATE_FORWARDING: the port forwards without a delay.
                assert_eq!(read(&class_net, "d2/brport/state"), "3");
                assert!(is_up(&class_net, "br0") && is_up(&class_net, "d2"));
            }
        }

        // A bridge over a VLAN over a bond, given top down: creation_order puts the
        // bond first. The second bond's ARP targets must not be added twice when
        // create runs again (the driver refuses a target already present).
        let args = [
            Netdev::Bridge(parse_bridge("br1:bond0.5").unwrap()),
            Netdev::Vlan(parse_vlan("bond0.5:bond0").unwrap()),
            Netdev::Bond(
                parse_bond("bond0:d0,d1:mode=active-backup,miimon=100,primary=d1:1400").unwrap(),
            ),
            Netdev::Bond(
                parse_bond(
                    "bond1:d4,d5:mode=1,arp_interval=200,arp_ip_target=10.0.0.1;10.0.0.2,arp_validate=all",
                )
                .unwrap(),
            ),
        ];
        match create_all(&nl, sysfs, &args) {
            Some(skip) => report.push_str(&skip),
            None => {
                assert_eq!(master(&class_net, "d0"), "bond0");
                assert_eq!(master(&class_net, "d1"), "bond0");
                assert_eq!(read(&class_net, "bond0/bonding/mode"), "active-backup 1");
                assert_eq!(read(&class_net, "bond0/bonding/miimon"), "100");
                assert_eq!(read(&class_net, "bond0/bonding/primary"), "d1");
                assert_eq!(read(&class_net, "bond0/mtu"), "1400");
                assert!(is_up(&class_net, "bond0"));
                check_vlan(&class_net, "bond0.5", "bond0", 5);
                assert_eq!(master(&class_net, "bond0.5"), "br1");
                assert!(is_up(&class_net, "br1"));
                assert_eq!(master(&class_net, "d5"), "bond1");
                assert_eq!(
                    read(&class_net, "bond1/bonding/arp_ip_target"),
                    "10.0.0.1 10.0.0.2"
                );
                assert_eq!(read(&class_net, "bond1/bonding/arp_validate"), "all 3");
                assert_eq!(read(&class_net, "bond1/bonding/arp_interval"), "200");
                return report;
            }
        }

        // Without bonding, the VLAN on a plain interface.
        let vlan = Netdev::Vlan(parse_vlan("vlan0007:d3").unwrap());
        match create_all(&nl, sysfs, &[vlan]) {
            Some(skip) => report.push_str(&skip),
            None => check_vlan(&class_net, "vlan0007", "d3", 7),
        }
        report
    }

    fn check_vlan(class_net: &Path, name: &str, parent: &str, id: u16) {
        assert!(class_net
            .join(name)
            .join(format!("lower_{parent}"))
            .exists());
        assert!(read(class_net, &format!("{name}/uevent")).contains("DEVTYPE=vlan"));
        assert!(is_up(class_net, name));
        // /proc/net follows the reader's network namespace.
        let proc = std::fs::read_to_string(format!("/proc/net/vlan/{name}")).unwrap();
        assert!(proc.contains(&format!("VID: {id}")), "{proc}");
        assert!(proc.contains(&format!("Device: {parent}")), "{proc}");
    }

    #[test]
    fn creates_bond_vlan_bridge_in_a_fresh_netns() {
        if !is_root() {
            eprintln!("INFO: skipping creates_bond_vlan_bridge_in_a_fresh_netns, which needs root");
            return;
        }
        let sysfs = tempfile::tempdir().unwrap();
        let report = in_fresh_netns(sysfs.path(), bond_vlan_bridge);
        eprint!("{report}");
    }

    /// A sysfs tree with class/net/<name>/uevent carrying DEVTYPE (none if empty).
    fn fake_sysfs(ifaces: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (name, devtype) in ifaces {
            let iface: PathBuf = dir.path().join("class/net").join(name);
            std::fs::create_dir_all(&iface).unwrap();
            let mut uevent = format!("INTERFACE={name}\n");
            if !devtype.is_empty() {
                uevent.push_str(&format!("DEVTYPE={devtype}\n"));
            }
            std::fs::write(iface.join("uevent"), uevent).unwrap();
        }
        dir
    }

    /// These fail before any netlink request; as root they still run in a fresh
    /// namespace so that a regression cannot touch the host's interfaces.
    fn refusals(_: &Path) -> String {
        let sys = fake_sysfs(&[
            ("eth0", ""),
            ("eth1", ""),
            ("lo", ""),
            ("bond0", "bridge"),
            ("br0", ""),
        ]);
        let nl = Netlink::new().unwrap();
        let cases = [
            (
                "bond0:eth0,eth9",
                "creating bond0: slave eth9 does not exist (interfaces present: bond0, br0, eth0, eth1, lo)",
            ),
            ("bond0:eth0,eth1", "creating bond0: bond0 exists as a bridge, not a bond"),
        ];
        for (arg, want) in cases {
            let dev = Netdev::Bond(parse_bond(arg).unwrap());
            let err = create(&nl, sys.path(), &dev).unwrap_err();
            assert_eq!(format!("{err:#}"), want);
        }
        let dev = Netdev::Bridge(parse_bridge("br0:eth1").unwrap());
        let err = create(&nl, sys.path(), &dev).unwrap_err();
        assert_eq!(
            format!("{err:#}"),
            "creating br0: br0 exists and is not a bridge (no DEVTYPE: a physical NIC?)"
        );
        let dev = Netdev::Vlan(parse_vlan("eth7.5:eth7").unwrap());
        let err = create(&nl, sys.path(), &dev).unwrap_err();
        assert!(
            format!("{err:#}").starts_with("creating eth7.5: parent eth7 does not exist"),
            "{err:#}"
        );
        String::new()
    }

    #[test]
    fn missing_lower_and_wrong_kind_are_refused_by_name() {
        if is_root() {
            let sysfs = tempfile::tempdir().unwrap();
            in_fresh_netns(sysfs.path(), refusals);
        } else {
            refusals(Path::new("/"));
        }
    }
}
