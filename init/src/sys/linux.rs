//! The real [`Sys`]: sysfs, rtnetlink, mount(2), the module loader, switch_root.

use std::convert::Infallible;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::mpsc;
use std::time::Duration;

use anyhow::{Context, Result};
use nix::errno::Errno;
use nix::mount::{mount, MsFlags};
use osr_core::ip::Mac;
use osr_core::mountopts::MountFlags;
use osr_core::nfs::{NfsAttempt, NfsMount};
use osr_core::plan::{ModuleLoad, Nic, SwitchRoot};

use super::beneath;
use super::netlink::Netlink;
use super::Sys;

const SYS_CLASS_NET: &str = "/sys/class/net";
/// ARPHRD_ETHER from include/uapi/linux/if_arp.h: NICs we can configure with ip=.
const ARPHRD_ETHER: &str = "1";
const SHELL: &str = "/bin/sh";

pub struct Linux {
    netlink: Option<Netlink>,
    /// Module names and their command-line parameters, for the loader.
    /// The kernel release, for /lib/modules/<release>.
    release: String,
}

impl Linux {
    pub fn new() -> Self {
        let release = nix::sys::utsname::uname()
            .map(|u| u.release().to_string_lossy().into_owned())
            .unwrap_or_default();
        Linux {
            netlink: None,
            release,
        }
    }

    fn netlink(&mut self) -> Result<&Netlink> {
        if self.netlink.is_none() {
            self.netlink = Some(Netlink::new()?);
        }
        self.netlink.as_ref().context("netlink unavailable")
    }

    pub fn modules_dir(&self) -> PathBuf {
        Path::new("/lib/modules").join(&self.release)
    }
}

/// Reads the NICs under a sysfs class/net directory (a parameter for tests).
pub fn read_nics(class_net: &Path) -> Result<Vec<Nic>> {
    let entries =
        std::fs::read_dir(class_net).with_context(|| format!("reading {}", class_net.display()))?;
    let mut nics = Vec::new();
    for entry in entries.flatten() {
        let dir = entry.path();
        let attr = |name: &str| {
            std::fs::read_to_string(dir.join(name))
                .map(|s| s.trim().to_string())
                .unwrap_or_default()
        };
        if attr("type") != ARPHRD_ETHER {
            continue;
        }
        let index: u32 = attr("ifindex").parse().unwrap_or(u32::MAX);
        nics.push((
            index,
            Nic {
                name: entry.file_name().to_string_lossy().into_owned(),
                mac: attr("address").parse().ok(),
                // Reading carrier of a down link fails with EINVAL: no carrier.
                carrier: attr("carrier") == "1",
            },
        ));
    }
    nics.sort_by_key(|(index, _)| *index);
    Ok(nics.into_iter().map(|(_, nic)| nic).collect())
}

/// Writes `path` through a temporary file in the same directory and a rename, so a
/// reader never sees half a file; parents are created.
pub fn write_file_atomic(path: &Path, contents: &[u8], mode: u32) -> Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let dir = path.parent().unwrap_or(Path::new("/"));
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.osr-tmp"));
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(mode)
        .open(&tmp)
        .with_context(|| format!("creating {}", tmp.display()))?;
    f.write_all(contents)
        .with_context(|| format!("writing {}", tmp.display()))?;
    drop(f);
    std::fs::rename(&tmp, path)
        .with_context(|| format!("renaming {} to {}", tmp.display(), path.display()))
}

/// Runs the image's shell on the console (our stdin/stdout) and waits for it.
pub fn run_shell(reason: &str) -> Result<()> {
    if !Path::new(SHELL).exists() {
        anyhow::bail!("{reason}: this image has no {SHELL} (build it with busybox installed)");
    }
    log::warn!("{reason}: starting {SHELL}; leave it with 'exit' to continue");
    let status = Command::new(SHELL)
        .env("PS1", "osr-rs# ")
        .status()
        .with_context(|| format!("running {SHELL}"))?;
    log::info!("shell exited ({status})");
    Ok(())
}

impl Sys for Linux {
    fn load_modules(&mut self, load: &ModuleLoad) -> Result<()> {
        let moddir = self.modules_dir();
        crate::sys::modules::load(&moddir, Path::new("/sys"), load)
    }

    fn nics(&mut self) -> Result<Vec<Nic>> {
        read_nics(Path::new(SYS_CLASS_NET))
    }

    fn create_netdev(&mut self, dev: &osr_core::netdev::Netdev) -> Result<()> {
        let nl = self.netlink()?;
        super::netdev::create(nl, Path::new("/sys"), dev)
    }

    fn rename_link(&mut self, from: &str, to: &str) -> Result<()> {
        self.netlink()?.rename(from, to)
    }

    fn link_up(&mut self, name: &str, mtu: Option<u32>, mac: Option<Mac>) -> Result<()> {
        self.netlink()?.link_up(name, mtu, mac)
    }

    fn ifindex(&mut self, name: &str) -> Option<u32> {
        let path = Path::new(SYS_CLASS_NET).join(name).join("ifindex");
        std::fs::read_to_string(path).ok()?.trim().parse().ok()
    }

    /// Carrier only: the operstate follows it through the kernel's link-watch work,
    /// which is deferred by up to a second for an ordinary NIC, and waiting for it
    /// made every boot that much slower (measured with qemu/bench).
    fn carrier(&mut self, name: &str) -> bool {
        let path = Path::new(SYS_CLASS_NET).join(name).join("carrier");
        std::fs::read_to_string(path).is_ok_and(|s| s.trim() == "1")
    }

    fn add_address(&mut self, iface: &str, addr: IpAddr, prefix: u8) -> Result<()> {
        self.netlink()?.add_address(iface, addr, prefix)
    }

    fn add_route(
        &mut self,
        iface: &str,
        dest: Option<(IpAddr, u8)>,
        gw: Option<IpAddr>,
    ) -> Result<()> {
        self.netlink()?.add_route(iface, dest, gw)
    }

    fn set_hostname(&mut self, name: &str) -> Result<()> {
        nix::unistd::sethostname(name).with_context(|| format!("sethostname({name})"))
    }

    fn dhcp(
        &mut self,
        ifaces: &[(String, Mac)],
        req: &super::dhcp::Request,
    ) -> Result<super::dhcp::Outcome> {
        super::dhcp::obtain(ifaces, req)
    }

    fn resolve(
        &mut self,
        name: &str,
        servers: &[IpAddr],
        search: &[String],
        timeout: Duration,
    ) -> Result<IpAddr> {
        crate::sys::dns::resolve(name, servers, search, timeout)
    }

    fn write_file(&mut self, path: &str, contents: &str, mode: u32) -> Result<()> {
        write_file_atomic(Path::new(path), contents.as_bytes(), mode)
    }

    fn mount(&mut self, m: &osr_core::overlay::Mount) -> Result<()> {
        // Inside the new root, the target (and a bind's source there) are reached
        // through handles resolved in it; the handles live until the mount is made.
        let inside = |root: &str, p: &str| p.strip_prefix(root).map(str::to_string);
        let target_rel = |root: &str| inside(root, &m.target).unwrap_or_else(|| m.target.clone());
        let (target_fd, source_fd) = match &m.root {
            Some(root) => {
                let rel = target_rel(root);
                let t = beneath::make_dirs(Path::new(root), &rel)
                    .with_context(|| format!("creating {} inside {root}", m.target))?;
                let s = match inside(root, &m.source).filter(|_| m.bind) {
                    Some(rel) => Some(
                        beneath::open(Path::new(root), &rel, libc::O_PATH)
                            .with_context(|| format!("opening {} inside {root}", m.source))?,
                    ),
                    None => None,
                };
                (Some(t), s)
            }
            None => {
                std::fs::create_dir_all(&m.target)
                    .with_context(|| format!("creating {}", m.target))?;
                (None, None)
            }
        };
        let target = target_fd
            .as_ref()
            .map_or_else(|| m.target.clone(), beneath::fd_path);
        let source = source_fd
            .as_ref()
            .map_or_else(|| m.source.clone(), beneath::fd_path);
        let mut flags = MsFlags::empty();
        if m.bind {
            // Recursive, as the legacy `mount --rbind`: mounts below come along.
            flags |= MsFlags::MS_BIND | MsFlags::MS_REC;
        }
        if m.read_only {
            flags |= MsFlags::MS_RDONLY;
        }
        let data = (!m.data.is_empty()).then_some(m.data.as_str());
        let what = || {
            format!(
                "mount {} on {} ({}{})",
                m.source,
                m.target,
                m.fstype.as_deref().unwrap_or("bind"),
                if m.data.is_empty() {
                    String::new()
                } else {
                    format!(", {}", m.data)
                }
            )
        };
        mount(
            Some(source.as_str()),
            target.as_str(),
            m.fstype.as_deref(),
            flags,
            data,
        )
        .with_context(what)?;
        // A bind takes its flags from the source: read-only needs a remount of it. The
        // handle opened before the mount names the directory under the bind, so the
        // bind itself is opened again (inside the root) for the remount.
        if m.bind && m.read_only {
            let bound = match &m.root {
                Some(root) => Some(
                    beneath::open(
                        Path::new(root),
                        &target_rel(root),
                        libc::O_PATH | libc::O_DIRECTORY,
                    )
                    .with_context(|| format!("opening {} inside {root}", m.target))?,
                ),
                None => None,
            };
            let bound_path = bound
                .as_ref()
                .map_or_else(|| m.target.clone(), beneath::fd_path);
            let ro = MsFlags::MS_REMOUNT | MsFlags::MS_BIND | MsFlags::MS_RDONLY;
            mount(
                None::<&str>,
                bound_path.as_str(),
                None::<&str>,
                ro,
                None::<&str>,
            )
            .with_context(|| format!("{}: making it read-only", what()))?;
        }
        Ok(())
    }

    fn start_remote_log(
        &mut self,
        targets: &[std::net::SocketAddr],
        settings: &osr_core::syslog::Settings,
        hostname: Option<String>,
    ) {
        crate::sys::remotelog::start(targets, settings, hostname);
    }

    fn stop_remote_log(&mut self) {
        crate::sys::remotelog::stop();
    }

    fn read_file(&mut self, root: &str, rel: &str) -> Option<String> {
        match beneath::read_file(Path::new(root), rel) {
            Ok(text) => Some(text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => {
                log::warn!("{root}/{rel}: not read: {e}");
                None
            }
        }
    }

    fn is_dir(&mut self, root: &str, rel: &str) -> bool {
        beneath::is_dir(Path::new(root), rel)
    }

    fn make_dir(&mut self, path: &str) -> Result<()> {
        std::fs::create_dir_all(path).with_context(|| format!("creating {path}"))
    }

    fn apply_rootovl(
        &mut self,
        root: &str,
        names: &[String],
    ) -> Result<crate::sys::rootovl::Report> {
        Ok(crate::sys::rootovl::apply(Path::new(root), names))
    }

    fn mount_nfs(
        &mut self,
        m: &NfsMount,
        attempt: &NfsAttempt,
        target: &str,
        timeout: Duration,
    ) -> Result<(), Errno> {
        // The overlay's lower layer lives under /run, which starts empty.
        if let Err(e) = std::fs::create_dir_all(target) {
            log::warn!("creating {target}: {e}");
        }
        // An NFS mount can block in the kernel for minutes (TCP retransmits to a dead
        // server): the boot keeps its own deadline.
        mount_with_deadline(
            m.source.clone(),
            target,
            Some(attempt.fstype.to_string()),
            ms_flags(m.flags, m.read_only),
            Some(attempt.data.clone()),
            timeout,
            Vec::new(),
        )
    }

    fn mount_filesystem(
        &mut self,
        root: &str,
        m: &osr_core::plan::FsCall,
        timeout: Duration,
    ) -> Result<()> {
        crate::sys::fsmount::mount(root, m, timeout)
    }

    fn block_devices(&mut self) -> Vec<String> {
        // Empty devices (a CD drive without a disc, unused loop, nbd and ram devices) hold
        // nothing to find and are not read: opening some of them waits on the hardware.
        let empty = |name: &str| {
            std::fs::read_to_string(format!("/sys/class/block/{name}/size"))
                .is_ok_and(|s| s.trim() == "0")
        };
        let mut names: Vec<String> = std::fs::read_dir("/sys/class/block")
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| !empty(n))
            .collect();
        names.sort();
        names
    }

    fn read_head(&mut self, name: &str, len: usize) -> std::io::Result<Vec<u8>> {
        use std::io::Read as _;
        let f = std::fs::File::open(Path::new("/dev").join(name))?;
        let mut buf = Vec::with_capacity(len);
        f.take(len as u64).read_to_end(&mut buf)?;
        Ok(buf)
    }

    fn mount_block(
        &mut self,
        m: &osr_core::block::BlockMount,
        target: &str,
        timeout: Duration,
    ) -> Result<(), Errno> {
        if let Err(e) = std::fs::create_dir_all(target) {
            log::warn!("creating {target}: {e}");
        }
        // A cluster filesystem's mount waits on the lock manager: keep our own deadline.
        let data = (!m.data.is_empty()).then(|| m.data.clone());
        mount_with_deadline(
            m.device.clone(),
            target,
            Some(m.fstype.clone()),
            ms_flags(m.flags, m.read_only),
            data,
            timeout,
            Vec::new(),
        )
    }

    fn start_dlm_stack(
        &mut self,
        conf: &osr_core::cluster::ClusterConf,
        timeout: Duration,
    ) -> Result<()> {
        crate::sys::clusterstack_glue::start_dlm_stack(conf, timeout)
    }

    fn start_o2cb(
        &mut self,
        conf: &osr_core::cluster::ClusterConf,
        local: u32,
        device: &str,
        timeout: Duration,
    ) -> Result<()> {
        crate::sys::clusterstack_glue::start_o2cb(conf, local, device, timeout)
    }

    fn shell(&mut self, reason: &str) -> Result<()> {
        run_shell(reason)
    }

    fn sleep(&mut self, d: Duration) {
        std::thread::sleep(d);
    }

    fn now(&self) -> Duration {
        Duration::from_secs_f64(crate::sys::kmsg::uptime())
    }

    fn switch_root(&mut self, s: &SwitchRoot, record: &str) -> Result<Infallible> {
        crate::sys::switch_root::switch_root(s, record)
    }
}

/// The `MS_*` flags of `flags` (from [`osr_core::mountopts::parse`]), with
/// `MS_RDONLY` when `read_only`: the one mapping from the pure flag set to mount(2).
pub fn ms_flags(flags: MountFlags, read_only: bool) -> MsFlags {
    let table = [
        (MountFlags::NOSUID, MsFlags::MS_NOSUID),
        (MountFlags::NODEV, MsFlags::MS_NODEV),
        (MountFlags::NOEXEC, MsFlags::MS_NOEXEC),
        (MountFlags::SYNCHRONOUS, MsFlags::MS_SYNCHRONOUS),
        (MountFlags::MANDLOCK, MsFlags::MS_MANDLOCK),
        (MountFlags::DIRSYNC, MsFlags::MS_DIRSYNC),
        (
            MountFlags::NOSYMFOLLOW,
            MsFlags::from_bits_retain(libc::MS_NOSYMFOLLOW),
        ),
        (MountFlags::NOATIME, MsFlags::MS_NOATIME),
        (MountFlags::NODIRATIME, MsFlags::MS_NODIRATIME),
        (MountFlags::SILENT, MsFlags::MS_SILENT),
        (MountFlags::RELATIME, MsFlags::MS_RELATIME),
        (MountFlags::I_VERSION, MsFlags::MS_I_VERSION),
        (MountFlags::STRICTATIME, MsFlags::MS_STRICTATIME),
        (MountFlags::LAZYTIME, MsFlags::MS_LAZYTIME),
    ];
    let mut ms = MsFlags::empty();
    for (f, m) in table {
        if flags.contains(f) {
            ms |= m;
        }
    }
    if read_only {
        ms |= MsFlags::MS_RDONLY;
    }
    ms
}

/// mount(2) on a thread of its own, so that a mount blocked in the kernel (a dead NFS
/// server, a lock manager waiting for its cluster) cannot hold the boot past `timeout`:
/// ETIMEDOUT then. A thread abandoned on timeout finishes or fails on its own. A thread
/// that cannot be created is an error (EAGAIN), never a panic. `hold`: the handles the
/// paths name (`/proc/self/fd/<n>`), kept open until mount(2) returns.
pub(super) fn mount_with_deadline(
    source: String,
    target: &str,
    fstype: Option<String>,
    flags: MsFlags,
    data: Option<String>,
    timeout: Duration,
    hold: Vec<std::os::fd::OwnedFd>,
) -> Result<(), Errno> {
    let (tx, rx) = mpsc::channel();
    let target = target.to_string();
    let spawned = std::thread::Builder::new()
        .name("mount".to_string())
        .spawn(move || {
            let res = mount(
                Some(source.as_str()),
                target.as_str(),
                fstype.as_deref(),
                flags,
                data.as_deref(),
            );
            drop(hold);
            if tx.send(res).is_err() {
                log::warn!("mount of {source} on {target} finished after its deadline: {res:?}");
            }
        });
    if let Err(e) = spawned {
        log::error!("cannot start a thread for the mount: {e}");
        return Err(Errno::EAGAIN);
    }
    rx.recv_timeout(timeout).unwrap_or(Err(Errno::ETIMEDOUT))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_mount_flag_has_its_ms_flag() {
        let mut seen = MsFlags::empty();
        for (f, name) in MountFlags::ALL {
            let ms = ms_flags(f, false);
            assert_eq!(ms.bits().count_ones(), 1, "{name}: {ms:?}");
            assert!(!seen.intersects(ms), "{name} maps to a flag taken");
            seen |= ms;
        }
        let parsed = osr_core::mountopts::parse("noatime,nodiratime,nosuid");
        assert_eq!(
            ms_flags(parsed.flags, true),
            MsFlags::MS_NOATIME | MsFlags::MS_NODIRATIME | MsFlags::MS_NOSUID | MsFlags::MS_RDONLY
        );
        assert_eq!(ms_flags(MountFlags::empty(), false), MsFlags::empty());
    }

    #[test]
    fn reads_ethernet_nics_in_index_order() {
        let dir = tempfile::tempdir().unwrap();
        let nic = |name: &str, index: &str, ty: &str, mac: &str, carrier: Option<&str>| {
            let d = dir.path().join(name);
            std::fs::create_dir(&d).unwrap();
            std::fs::write(d.join("ifindex"), format!("{index}\n")).unwrap();
            std::fs::write(d.join("type"), format!("{ty}\n")).unwrap();
            std::fs::write(d.join("address"), format!("{mac}\n")).unwrap();
            if let Some(c) = carrier {
                std::fs::write(d.join("carrier"), c).unwrap();
            }
        };
        nic("lo", "1", "772", "00:00:00:00:00:00", Some("1"));
        nic("eth1", "3", "1", "52:54:00:12:34:57", Some("1\n"));
        nic("eth0", "2", "1", "52:54:00:12:34:56", None);
        let nics = read_nics(dir.path()).unwrap();
        let got: Vec<(&str, String, bool)> = nics
            .iter()
            .map(|n| (n.name.as_str(), n.mac.unwrap().to_string(), n.carrier))
            .collect();
        assert_eq!(
            got,
            [
                ("eth0", "52:54:00:12:34:56".to_string(), false),
                ("eth1", "52:54:00:12:34:57".to_string(), true)
            ]
        );
    }
}
