//! The narrow interface between the executor and the kernel.
//!
//! Every side effect of a boot goes through [`Sys`]: the executor ([`crate::exec`])
//! holds the policy (order, retries, what is fatal) and is tested against the
//! recording fake in `fake.rs`; `linux.rs` is the real implementation.
//!
//! Everything that touches the kernel, files, sockets or processes lives under this
//! directory: `linux.rs` and the modules it calls (the module loader `kmod`, the
//! logger `kmsg` and `remotelog`, `dns`, `rootovl`, the cluster stacks,
//! `switch_root`, `timestamp`). `tests/seam-check` fails the build when boot code
//! outside it names `std::fs`, `std::net`, `std::process`, `std::os`, `nix` or
//! `libc`. Types are no exception, so this module names them for the others:
//! [`Errno`] here, and the address types are `core::net::{IpAddr, SocketAddr, ...}`
//! (the very types `std::net` re-exports).

use std::convert::Infallible;
use std::net::IpAddr;
use std::time::Duration;

/// The errno type the `Sys` methods fail with, for boot code to name without `nix`.
pub use nix::errno::Errno;
use osr_core::ip::Mac;
use osr_core::nfs::{NfsAttempt, NfsMount};
use osr_core::plan::{ModuleLoad, Nic, SwitchRoot};

pub mod beneath;
pub mod blockdev;
pub mod boot;
pub mod clusterstack;
pub mod clusterstack_glue;
pub mod dhcp;
pub mod dns;
#[cfg(test)]
pub mod fake;
pub mod files;
pub mod fsmount;
pub mod kmod;
pub mod kmsg;
pub mod linux;
pub mod modules;
pub mod netdev;
pub mod netlink;
pub mod process;
pub mod remotelog;
pub mod rootovl;
pub mod switch_root;
pub mod timestamp;

/// Whether this process is PID 1, the boot, rather than an admin's command.
pub fn is_pid1() -> bool {
    nix::unistd::getpid().as_raw() == 1
}

pub trait Sys {
    /// Loads the named modules and, with `devices`, the drivers of every device seen
    /// in sysfs, with the blacklist and parameters the load carries.
    fn load_modules(&mut self, load: &ModuleLoad) -> anyhow::Result<()>;
    /// Network interfaces other than loopback, in index order.
    fn nics(&mut self) -> anyhow::Result<Vec<Nic>>;
    /// Creates a bond, VLAN or bridge over existing interfaces and brings it up.
    fn create_netdev(&mut self, dev: &osr_core::netdev::Netdev) -> anyhow::Result<()>;
    fn rename_link(&mut self, from: &str, to: &str) -> anyhow::Result<()>;
    /// Sets MTU and MAC when given, then brings the link up.
    fn link_up(&mut self, name: &str, mtu: Option<u32>, mac: Option<Mac>) -> anyhow::Result<()>;
    fn carrier(&mut self, name: &str) -> bool;
    /// The interface's index, for the files keyed by it.
    fn ifindex(&mut self, name: &str) -> Option<u32>;
    /// Adds an address; an address already present is success.
    fn add_address(&mut self, iface: &str, addr: IpAddr, prefix: u8) -> anyhow::Result<()>;
    /// Adds a route (`dest` `None` = default route); an existing route is success.
    fn add_route(
        &mut self,
        iface: &str,
        dest: Option<(IpAddr, u8)>,
        gateway: Option<IpAddr>,
    ) -> anyhow::Result<()>;
    fn set_hostname(&mut self, name: &str) -> anyhow::Result<()>;
    /// DHCP on every `(iface, mac)` at once (they are up); the first lease wins.
    fn dhcp(
        &mut self,
        ifaces: &[(String, Mac)],
        req: &dhcp::Request,
    ) -> anyhow::Result<dhcp::Outcome>;
    /// An A record for `name` from `servers`, trying the `search` domains.
    fn resolve(
        &mut self,
        name: &str,
        servers: &[IpAddr],
        search: &[String],
        timeout: Duration,
    ) -> anyhow::Result<IpAddr>;
    /// Writes a whole file (parent directories created), replacing it atomically.
    fn write_file(&mut self, path: &str, contents: &str, mode: u32) -> anyhow::Result<()>;
    /// A local mount (tmpfs, overlay, bind); the target directory is created.
    fn mount(&mut self, m: &osr_core::overlay::Mount) -> anyhow::Result<()>;
    fn make_dir(&mut self, path: &str) -> anyhow::Result<()>;
    /// A small regular file's text, `rel` resolved inside `root` (see [`beneath`]);
    /// `None` if it cannot be read, is not a regular file or is too large.
    fn read_file(&mut self, root: &str, rel: &str) -> Option<String>;
    /// Forwards the log to syslog servers from now on (with what was logged before).
    fn start_remote_log(
        &mut self,
        targets: &[std::net::SocketAddr],
        settings: &osr_core::syslog::Settings,
        hostname: Option<String>,
    );
    fn stop_remote_log(&mut self);
    /// Whether `rel` inside `root` is a directory (symlinks resolved inside `root`).
    fn is_dir(&mut self, root: &str, rel: &str) -> bool;
    /// Applies the `rootovlcfg` trees (names expanded) inside `root`.
    fn apply_rootovl(
        &mut self,
        root: &str,
        names: &[String],
    ) -> anyhow::Result<crate::sys::rootovl::Report>;
    /// One attempt at a cluster.conf filesystem: its target (and a bind's source)
    /// resolved inside `root` (see [`beneath`]), abandoned after `timeout`; a failed
    /// mount(2) leaves its [`Errno`] in the error's chain (ETIMEDOUT on the deadline).
    fn mount_filesystem(
        &mut self,
        root: &str,
        m: &osr_core::plan::FsCall,
        timeout: Duration,
    ) -> anyhow::Result<()>;
    /// One mount attempt of `m` with one of its versions, abandoned after `timeout`
    /// (reported as ETIMEDOUT).
    fn mount_nfs(
        &mut self,
        m: &NfsMount,
        attempt: &NfsAttempt,
        target: &str,
        timeout: Duration,
    ) -> Result<(), Errno>;
    /// The block devices the kernel knows (`/sys/class/block`: disks and partitions),
    /// sorted by name, without the empty ones (size 0).
    fn block_devices(&mut self) -> Vec<String>;
    /// Up to `len` bytes from the start of `/dev/<name>` (fewer for a smaller device).
    fn read_head(&mut self, name: &str, len: usize) -> std::io::Result<Vec<u8>>;
    /// One mount attempt of a block filesystem, abandoned after `timeout` (ETIMEDOUT).
    fn mount_block(
        &mut self,
        m: &osr_core::block::BlockMount,
        target: &str,
        timeout: Duration,
    ) -> Result<(), Errno>;
    /// corosync (configured from `conf`) and dlm_controld, left running for the real
    /// root; returns once the cluster is quorate and the DLM ready, fails after `timeout`.
    fn start_dlm_stack(
        &mut self,
        conf: &osr_core::cluster::ClusterConf,
        timeout: Duration,
    ) -> anyhow::Result<()>;
    /// The o2cb stack: the cluster's nodes in configfs (this one is `local`), then disk
    /// heartbeat on `device`; fails after `timeout`.
    fn start_o2cb(
        &mut self,
        conf: &osr_core::cluster::ClusterConf,
        local: u32,
        device: &str,
        timeout: Duration,
    ) -> anyhow::Result<()>;
    /// Runs the image's shell on the console and waits for it to exit.
    fn shell(&mut self, reason: &str) -> anyhow::Result<()>;
    fn sleep(&mut self, d: Duration);
    /// Time since boot.
    fn now(&self) -> Duration;
    /// Moves the API filesystems over, frees the initramfs, writes `record` to the
    /// real root's /run/initramfs and executes its init. Returns only on failure.
    fn switch_root(&mut self, s: &SwitchRoot, record: &str) -> anyhow::Result<Infallible>;
}
