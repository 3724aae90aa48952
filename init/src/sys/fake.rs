//! A recording [`Sys`] for executor tests: calls are kept as typed values and the
//! answers (NICs, carrier, mount results) are scripted.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::net::IpAddr;
use std::time::Duration;

use nix::errno::Errno;
use osr_core::dhcp::{Lease, Stats};
use osr_core::ip::Mac;
use osr_core::nfs::{NfsAttempt, NfsMount};
use osr_core::plan::{Nic, SwitchRoot};

use super::{dhcp, Sys};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Call {
    LoadModules(Vec<String>, bool),
    CreateNetdev(String),
    Rename(String, String),
    LinkUp(String, Option<u32>, Option<Mac>),
    AddAddress(String, IpAddr, u8),
    AddRoute(String, Option<(IpAddr, u8)>, Option<IpAddr>),
    Hostname(String),
    Dhcp(Vec<String>),
    Resolve(String, Vec<IpAddr>),
    WriteFile(String),
    Mount(String, String),
    LocalMount(String, String, String),
    /// A cluster.conf filesystem as mount(8) lists it (`source on /sysroot/x (type,
    /// options)`), with the root it is resolved in.
    Filesystem(String, String),
    MakeDir(String),
    Rootovl(Vec<String>),
    RemoteLog(Vec<std::net::SocketAddr>),
    Shell(String),
    Sleep(Duration),
    MountBlock(String, String, String, String),
    DlmStack(String),
    O2cb(String, u32, String),
    SwitchRoot(String),
}

#[derive(Default)]
pub struct FakeSys {
    pub calls: Vec<Call>,
    pub nics: Vec<Nic>,
    /// Carrier shows up on a NIC once the clock passes this time after link-up.
    pub carrier_after: Duration,
    pub mount_results: VecDeque<Result<(), Errno>>,
    pub clock: Duration,
    pub record: Option<String>,
    /// The mount data of every attempt.
    pub mount_data: Vec<String>,
    /// The flags of every NFS attempt, by their option names.
    pub mount_flags: Vec<String>,
    /// The lease every DHCP request gets (on the first interface), or an error.
    pub lease: Option<Lease>,
    /// Directories that exist.
    pub dirs: Vec<String>,
    /// Names the fake DNS knows.
    pub hosts: Vec<(String, IpAddr)>,
    pub files: Vec<(String, String, u32)>,
    /// Block devices and their first bytes; a device appears once the clock passes
    /// its time.
    pub disks: Vec<(String, Vec<u8>, Duration)>,
    /// What starting a cluster stack answers.
    pub stack_error: Option<String>,
    /// The timeout each bounded cluster or block call was given: ("dlm" | "o2cb" |
    /// "mount_block" | "mount_filesystem", timeout).
    pub timeouts: Vec<(&'static str, Duration)>,
    /// How many times a device's head was read.
    pub head_reads: usize,
}

impl FakeSys {
    pub fn with_nics(nics: &[(&str, &str)]) -> Self {
        FakeSys {
            nics: nics
                .iter()
                .map(|(name, mac)| Nic {
                    name: name.to_string(),
                    mac: mac.parse().ok(),
                    carrier: false,
                })
                .collect(),
            ..FakeSys::default()
        }
    }

    pub fn sleeps(&self) -> Vec<Duration> {
        self.calls
            .iter()
            .filter_map(|c| match c {
                Call::Sleep(d) => Some(*d),
                _ => None,
            })
            .collect()
    }

    /// The calls other than sleeps, which are noisy in carrier waits.
    pub fn actions(&self) -> Vec<Call> {
        self.calls
            .iter()
            .filter(|c| !matches!(c, Call::Sleep(_)))
            .cloned()
            .collect()
    }
}

impl Sys for FakeSys {
    fn load_modules(&mut self, load: &osr_core::plan::ModuleLoad) -> anyhow::Result<()> {
        self.calls
            .push(Call::LoadModules(load.names.clone(), load.devices));
        Ok(())
    }
    fn nics(&mut self) -> anyhow::Result<Vec<Nic>> {
        Ok(self.nics.clone())
    }
    fn create_netdev(&mut self, dev: &osr_core::netdev::Netdev) -> anyhow::Result<()> {
        self.calls.push(Call::CreateNetdev(dev.name().into()));
        if let Some(first) = dev.lower().first() {
            let mac = self
                .nics
                .iter()
                .find(|n| &n.name == first)
                .and_then(|n| n.mac);
            self.nics.push(Nic {
                name: dev.name().into(),
                mac,
                carrier: true,
            });
        }
        Ok(())
    }
    fn rename_link(&mut self, from: &str, to: &str) -> anyhow::Result<()> {
        self.calls.push(Call::Rename(from.into(), to.into()));
        for n in self.nics.iter_mut().filter(|n| n.name == from) {
            n.name = to.to_string();
        }
        Ok(())
    }
    fn link_up(&mut self, name: &str, mtu: Option<u32>, mac: Option<Mac>) -> anyhow::Result<()> {
        self.calls.push(Call::LinkUp(name.into(), mtu, mac));
        Ok(())
    }
    fn ifindex(&mut self, name: &str) -> Option<u32> {
        let i = self.nics.iter().position(|n| n.name == name)?;
        u32::try_from(i + 2).ok()
    }
    fn carrier(&mut self, name: &str) -> bool {
        let up = self
            .calls
            .iter()
            .any(|c| matches!(c, Call::LinkUp(n, ..) if n == name));
        up && self.clock >= self.carrier_after
            && self.nics.iter().any(|n| n.name == name && n.carrier)
    }
    fn add_address(&mut self, iface: &str, addr: IpAddr, prefix: u8) -> anyhow::Result<()> {
        self.calls
            .push(Call::AddAddress(iface.into(), addr, prefix));
        Ok(())
    }
    fn add_route(
        &mut self,
        iface: &str,
        dest: Option<(IpAddr, u8)>,
        gw: Option<IpAddr>,
    ) -> anyhow::Result<()> {
        self.calls.push(Call::AddRoute(iface.into(), dest, gw));
        Ok(())
    }
    fn set_hostname(&mut self, name: &str) -> anyhow::Result<()> {
        self.calls.push(Call::Hostname(name.into()));
        Ok(())
    }
    fn dhcp(
        &mut self,
        ifaces: &[(String, Mac)],
        _req: &dhcp::Request,
    ) -> anyhow::Result<dhcp::Outcome> {
        self.calls
            .push(Call::Dhcp(ifaces.iter().map(|(n, _)| n.clone()).collect()));
        let (Some(lease), Some((iface, mac))) = (self.lease.clone(), ifaces.first()) else {
            anyhow::bail!("no lease after 8 s (1 attempt, 3 DISCOVERs sent): no OFFER");
        };
        Ok(dhcp::Outcome {
            iface: iface.clone(),
            mac: *mac,
            lease,
            stats: Stats::default(),
            elapsed: Duration::from_millis(1200),
        })
    }
    fn resolve(
        &mut self,
        name: &str,
        servers: &[IpAddr],
        _search: &[String],
        _timeout: Duration,
    ) -> anyhow::Result<IpAddr> {
        // Like the real resolver, a literal needs no question.
        if let Ok(ip) = name.parse() {
            return Ok(ip);
        }
        self.calls
            .push(Call::Resolve(name.into(), servers.to_vec()));
        self.hosts
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, ip)| *ip)
            .ok_or_else(|| anyhow::anyhow!("cannot resolve '{name}'"))
    }
    fn write_file(&mut self, path: &str, contents: &str, mode: u32) -> anyhow::Result<()> {
        self.calls.push(Call::WriteFile(path.into()));
        self.files.push((path.into(), contents.into(), mode));
        Ok(())
    }
    fn mount(&mut self, m: &osr_core::overlay::Mount) -> anyhow::Result<()> {
        let bind = if m.read_only { "bind-ro" } else { "bind" };
        self.calls.push(Call::LocalMount(
            m.fstype.clone().unwrap_or_else(|| bind.into()),
            m.source.clone(),
            m.target.clone(),
        ));
        Ok(())
    }
    fn start_remote_log(
        &mut self,
        targets: &[std::net::SocketAddr],
        _settings: &osr_core::syslog::Settings,
        _hostname: Option<String>,
    ) {
        self.calls.push(Call::RemoteLog(targets.to_vec()));
    }
    fn stop_remote_log(&mut self) {}
    fn read_file(&mut self, root: &str, rel: &str) -> Option<String> {
        let path = format!("{root}/{}", rel.trim_start_matches('/'));
        self.files
            .iter()
            .rev()
            .find(|f| f.0 == path)
            .map(|f| f.1.clone())
    }
    fn is_dir(&mut self, root: &str, rel: &str) -> bool {
        let path = format!("{root}/{}", rel.trim_start_matches('/'));
        self.dirs.contains(&path)
    }
    fn make_dir(&mut self, path: &str) -> anyhow::Result<()> {
        self.calls.push(Call::MakeDir(path.into()));
        Ok(())
    }
    fn apply_rootovl(
        &mut self,
        _root: &str,
        names: &[String],
    ) -> anyhow::Result<crate::sys::rootovl::Report> {
        self.calls.push(Call::Rootovl(names.to_vec()));
        let mut order = names.to_vec();
        order.reverse();
        Ok(crate::sys::rootovl::Report {
            applied: order,
            ..Default::default()
        })
    }
    fn mount_filesystem(
        &mut self,
        root: &str,
        m: &osr_core::plan::FsCall,
        timeout: Duration,
    ) -> anyhow::Result<()> {
        self.timeouts.push(("mount_filesystem", timeout));
        self.calls
            .push(Call::Filesystem(root.into(), m.to_string()));
        match self.mount_results.pop_front().unwrap_or(Ok(())) {
            Ok(()) => Ok(()),
            Err(e) => Err(anyhow::Error::new(e).context(format!("mount {}", m.source))),
        }
    }
    fn mount_nfs(
        &mut self,
        m: &NfsMount,
        attempt: &NfsAttempt,
        target: &str,
        timeout: Duration,
    ) -> Result<(), Errno> {
        self.timeouts.push(("mount_nfs", timeout));
        self.calls
            .push(Call::Mount(m.source.clone(), target.into()));
        self.mount_data.push(attempt.data.clone());
        self.mount_flags.push(m.flags.names().join(","));
        self.mount_results.pop_front().unwrap_or(Ok(()))
    }
    fn block_devices(&mut self) -> Vec<String> {
        let mut names: Vec<String> = self
            .disks
            .iter()
            .filter(|d| self.clock >= d.2)
            .map(|d| d.0.clone())
            .collect();
        names.sort();
        names
    }
    fn read_head(&mut self, name: &str, len: usize) -> std::io::Result<Vec<u8>> {
        self.head_reads += 1;
        let d = self
            .disks
            .iter()
            .find(|d| d.0 == name && self.clock >= d.2)
            .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::NotFound))?;
        Ok(d.1[..len.min(d.1.len())].to_vec())
    }
    fn mount_block(
        &mut self,
        m: &osr_core::block::BlockMount,
        target: &str,
        timeout: Duration,
    ) -> Result<(), Errno> {
        self.timeouts.push(("mount_block", timeout));
        let ro = if m.read_only { "ro" } else { "rw" };
        let flags = m.flags.names().join(",");
        self.calls.push(Call::MountBlock(
            m.device.clone(),
            target.into(),
            m.fstype.clone(),
            [ro, flags.as_str(), m.data.as_str()]
                .iter()
                .filter(|s| !s.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join(","),
        ));
        self.mount_results.pop_front().unwrap_or(Ok(()))
    }
    fn start_dlm_stack(
        &mut self,
        conf: &osr_core::cluster::ClusterConf,
        timeout: Duration,
    ) -> anyhow::Result<()> {
        self.timeouts.push(("dlm", timeout));
        self.calls.push(Call::DlmStack(conf.name.clone()));
        match &self.stack_error {
            Some(e) => anyhow::bail!("{e}"),
            None => Ok(()),
        }
    }
    fn start_o2cb(
        &mut self,
        conf: &osr_core::cluster::ClusterConf,
        local: u32,
        device: &str,
        timeout: Duration,
    ) -> anyhow::Result<()> {
        self.timeouts.push(("o2cb", timeout));
        self.calls
            .push(Call::O2cb(conf.name.clone(), local, device.into()));
        match &self.stack_error {
            Some(e) => anyhow::bail!("{e}"),
            None => Ok(()),
        }
    }
    fn shell(&mut self, reason: &str) -> anyhow::Result<()> {
        self.calls.push(Call::Shell(reason.into()));
        Ok(())
    }
    fn sleep(&mut self, d: Duration) {
        self.calls.push(Call::Sleep(d));
        self.clock += d;
    }
    fn now(&self) -> Duration {
        self.clock
    }
    fn switch_root(&mut self, s: &SwitchRoot, record: &str) -> anyhow::Result<Infallible> {
        self.calls.push(Call::SwitchRoot(s.new_root.clone()));
        self.record = Some(record.to_string());
        anyhow::bail!("fake switch_root does not exec")
    }
}
