//! Starting the cluster stacks a shared-disk root needs, and leaving them running
//! for the real root: corosync + dlm_controld for GFS2 (`lock_dlm`), the kernel's
//! o2cb for OCFS2 ([`o2cb`]). What the real root must do about them is in
//! docs/cluster-stack.md.
//!
//! The daemons must outlive switch_root, which moves /dev, /proc, /sys and /run into
//! the new root and deletes every file of the initramfs. A process keeps the root
//! directory it started with, so a daemon started from the initramfs would find,
//! after switch_root, no /var/lib/corosync (corosync exits with status 21 at its next
//! membership change: "Couldn't store new ring id ... to stable storage", seen with
//! 3.1.7) and no /sys/kernel/config (dlm_controld could not add a node that joins
//! later). So they run chrooted in [`Layout::root`]: a tmpfs mounted on the
//! initramfs outside the moved mounts, which switch_root's delete does not cross,
//! holding a copy of the stack dracut installed under [`Layout::tree`] and its own
//! proc, sysfs, configfs and devtmpfs, and the initramfs's /dev/shm ([`API_MOUNTS`];
//! `stackroot.rs` sets it up). The real root reaches it as `/proc/<pid>/root`.
//!
//! Each daemon runs in the foreground as our child, its argv\[0\] starting with '@'
//! (systemd's root storage daemon convention,
//! <https://systemd.io/ROOT_STORAGE_DAEMONS/>: the real root's systemd does not kill
//! it at shutdown), in its own session, stdout and stderr appended to
//! `<run_dir>/<name>.log`.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom};
use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::{SocketAddr, UnixDatagram};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::thread::sleep;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use osr_core::corosync::{quorum_status, QuorumStatus, DLM_CONF};

pub mod o2cb;
mod stackroot;

use stackroot::prepare_root;
pub use stackroot::{mount_configfs, ApiMount, API_MOUNTS};

/// The daemons' root: on the initramfs, outside /dev, /proc, /sys and /run.
pub const STACK_ROOT: &str = "/.osr-cluster";
/// Where dracut installs the stack (binaries, libraries, /etc/dlm/dlm.conf if any).
pub const STACK_TREE: &str = "/usr/lib/osr-rs/cluster-stack";
/// Logs and the record; /run moves into the real root, so they stay readable.
pub const RUN_DIR: &str = "/run/initramfs";
pub const RECORD_FILE: &str = "osr-rs.cluster";
pub const CONFIGFS: &str = "/sys/kernel/config";

const COROSYNC: &str = "/usr/sbin/corosync";
const QUORUMTOOL: &str = "/usr/sbin/corosync-quorumtool";
const DLM_CONTROLD: &str = "/usr/sbin/dlm_controld";
const DLM_TOOL: &str = "/usr/sbin/dlm_tool";
const COROSYNC_CONF: &str = "etc/corosync/corosync.conf";
const DLM_CONF_PATH: &str = "etc/dlm/dlm.conf";
/// How long one `corosync-quorumtool` or `dlm_tool` run may take.
const TOOL_LIMIT: Duration = Duration::from_secs(10);
const PROGRESS_EVERY: Duration = Duration::from_secs(5);
const LOG_TAIL_BYTES: u64 = 2048;

/// Where things are; [`Layout::default`] is the boot's, tests point elsewhere.
#[derive(Debug, Clone)]
pub struct Layout {
    /// The daemons' root: their configuration is written under it.
    pub root: PathBuf,
    /// Mount configfs, mount the tmpfs, copy [`Layout::tree`], mount the API
    /// filesystems at [`Layout::root`] and chroot the daemons into it (the boot);
    /// tests leave the daemons in our root and mount nothing.
    pub chroot: bool,
    pub tree: PathBuf,
    pub run_dir: PathBuf,
    pub configfs: PathBuf,
    /// Paths of the programs inside the daemons' root.
    pub corosync: String,
    pub quorumtool: String,
    pub dlm_controld: String,
    pub dlm_tool: String,
    pub poll: Duration,
    /// Mounted in the daemons' root when [`Layout::chroot`].
    pub api_mounts: &'static [ApiMount],
}

impl Default for Layout {
    fn default() -> Self {
        Layout {
            root: PathBuf::from(STACK_ROOT),
            chroot: true,
            tree: PathBuf::from(STACK_TREE),
            run_dir: PathBuf::from(RUN_DIR),
            configfs: PathBuf::from(CONFIGFS),
            corosync: COROSYNC.into(),
            quorumtool: QUORUMTOOL.into(),
            dlm_controld: DLM_CONTROLD.into(),
            dlm_tool: DLM_TOOL.into(),
            poll: Duration::from_secs(1),
            api_mounts: API_MOUNTS,
        }
    }
}

impl Layout {
    /// `rel` inside the daemons' root, as seen from here.
    fn inside(&self, rel: &str) -> PathBuf {
        self.root.join(rel.trim_start_matches('/'))
    }

    /// The root the daemons are chrooted into, if any.
    fn chroot_dir(&self) -> Option<&Path> {
        self.chroot.then_some(self.root.as_path())
    }
}

/// The running stack, as recorded in `<run_dir>/osr-rs.cluster`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackPids {
    pub corosync: u32,
    pub dlm_controld: u32,
}

/// Starts corosync with `conf_text` as its corosync.conf, waits (up to `timeout`)
/// for quorum, starts dlm_controld and waits until it is ready. `log` gets the
/// progress lines.
pub fn start_dlm_stack(
    conf_text: &str,
    cluster: &str,
    timeout: Duration,
    log: &mut dyn FnMut(&str),
) -> Result<StackPids> {
    start_dlm_stack_in(&Layout::default(), conf_text, cluster, timeout, log)
}

pub fn start_dlm_stack_in(
    layout: &Layout,
    conf_text: &str,
    cluster: &str,
    timeout: Duration,
    log: &mut dyn FnMut(&str),
) -> Result<StackPids> {
    if let Some(root) = layout.chroot_dir() {
        mount_configfs(&layout.configfs)?;
        prepare_root(root, &layout.tree, layout.api_mounts)?;
        log(&format!(
            "cluster {cluster}: the stack runs in {} (copied from {})",
            root.display(),
            layout.tree.display()
        ));
    }
    write_configs(layout, conf_text, log)?;
    fs::create_dir_all(&layout.run_dir)
        .with_context(|| format!("creating {}", layout.run_dir.display()))?;

    let mut corosync = Daemon::spawn(layout, "corosync", &layout.corosync, &["-f"], None)?;
    log(&format!(
        "cluster {cluster}: started corosync (pid {})",
        corosync.pid()
    ));
    let q = wait_for_quorum(layout, &mut corosync, cluster, timeout, log)?;
    log(&format!("cluster {cluster}: quorate: {q}"));

    let notify = Notify::bind(cluster)?;
    let mut dlm = Daemon::spawn(
        layout,
        "dlm_controld",
        &layout.dlm_controld,
        // Errors go to syslog, which the initramfs lacks; -D sends the daemon's
        // log (membership and lockspace events, not plock traffic) to stderr, our
        // log file, so a failure can be shown.
        &["--foreground", "--daemon_debug"],
        Some(&notify.name),
    )?;
    log(&format!(
        "cluster {cluster}: started dlm_controld (pid {})",
        dlm.pid()
    ));
    wait_for_dlm(layout, &mut dlm, &notify, cluster, timeout, log)?;

    let pids = StackPids {
        corosync: corosync.pid(),
        dlm_controld: dlm.pid(),
    };
    write_record(layout, cluster, &pids)?;
    log(&format!(
        "cluster {cluster}: dlm_controld ready; corosync pid {}, dlm_controld pid {}",
        pids.corosync, pids.dlm_controld
    ));
    // Dropping a Child neither kills nor waits: the daemons stay our children, and
    // after switch_root the real init (the same process) reaps them.
    drop((corosync, dlm));
    Ok(pids)
}

/// corosync.conf always (ours); dlm.conf only when the image brought none, so an
/// admin's fencing configuration wins.
fn write_configs(layout: &Layout, conf_text: &str, log: &mut dyn FnMut(&str)) -> Result<()> {
    let conf = layout.inside(COROSYNC_CONF);
    write_new(&conf, conf_text)?;
    let dlm = layout.inside(DLM_CONF_PATH);
    if dlm.exists() {
        log(&format!(
            "dlm_controld: using the image's {}",
            DLM_CONF_PATH
        ));
    } else {
        write_new(&dlm, DLM_CONF)?;
        log("dlm_controld: no dlm.conf in the image: fencing disabled (enable_fencing=0)");
    }
    Ok(())
}

fn write_new(path: &Path, text: &str) -> Result<()> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}

fn write_record(layout: &Layout, cluster: &str, pids: &StackPids) -> Result<()> {
    let root = layout.chroot_dir().unwrap_or(Path::new("/"));
    let text = format!(
        "OSR_CLUSTER='{cluster}'\nOSR_CLUSTER_STACK=dlm\nOSR_CLUSTER_ROOT='{}'\n\
         COROSYNC_PID={}\nDLM_CONTROLD_PID={}\n",
        root.display(),
        pids.corosync,
        pids.dlm_controld
    );
    write_new(&layout.run_dir.join(RECORD_FILE), &text)
}

/// A daemon we started, with its log.
struct Daemon {
    name: &'static str,
    child: Child,
    log: PathBuf,
}

impl Daemon {
    fn spawn(
        layout: &Layout,
        name: &'static str,
        program: &str,
        args: &[&str],
        notify: Option<&str>,
    ) -> Result<Daemon> {
        let log = layout.run_dir.join(format!("{name}.log"));
        let out = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .with_context(|| format!("opening {}", log.display()))?;
        let err = out.try_clone().context("duplicating the log descriptor")?;
        let mut cmd = crate::sys::process::command(layout.chroot_dir(), program, true);
        cmd.arg0(format!("@{name}"))
            .args(args)
            .stdout(out)
            .stderr(err);
        if let Some(n) = notify {
            cmd.env("NOTIFY_SOCKET", format!("@{n}"));
        }
        let child = cmd
            .spawn()
            .with_context(|| format!("starting {program} (as @{name})"))?;
        Ok(Daemon { name, child, log })
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// An error if the daemon has exited.
    fn check_running(&mut self) -> Result<()> {
        match self.child.try_wait() {
            Ok(None) => Ok(()),
            Ok(Some(status)) => bail!(
                "{} exited during start ({}); {}: {}",
                self.name,
                describe(status),
                self.log.display(),
                log_tail(&self.log)
            ),
            Err(e) => Err(e).with_context(|| format!("waiting for {}", self.name)),
        }
    }
}

fn describe(status: ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(c), _) => format!("exit status {c}"),
        (None, Some(s)) => format!("killed by signal {s}"),
        _ => status.to_string(),
    }
}

/// The last lines of a log, on one line for an error message.
pub fn log_tail(path: &Path) -> String {
    let read = || -> std::io::Result<String> {
        let mut f = File::open(path)?;
        let len = f.metadata()?.len();
        f.seek(SeekFrom::Start(len.saturating_sub(LOG_TAIL_BYTES)))?;
        let mut buf = Vec::new();
        f.read_to_end(&mut buf)?;
        Ok(String::from_utf8_lossy(&buf).into_owned())
    };
    match read() {
        Ok(text) => {
            let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
            let tail = lines.get(lines.len().saturating_sub(8)..).unwrap_or(&[]);
            if tail.is_empty() {
                "(empty log)".into()
            } else {
                tail.join(" | ")
            }
        }
        Err(e) => format!("(log unreadable: {e})"),
    }
}

/// Runs a tool to completion, killed after [`TOOL_LIMIT`]; its status and stdout.
fn run_tool(layout: &Layout, program: &str, args: &[&str]) -> Result<(ExitStatus, String)> {
    let mut child = crate::sys::process::command(layout.chroot_dir(), program, false)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("running {program}"))?;
    let start = Instant::now();
    loop {
        if child.try_wait()?.is_some() {
            break;
        }
        if start.elapsed() > TOOL_LIMIT {
            // kill() fails only if it has exited meanwhile; wait_with_output follows.
            if let Err(e) = child.kill() {
                log::debug!("killing {program}: {e}");
            }
            break;
        }
        sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output()?;
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    Ok((out.status, text))
}

/// Calls `step` every `poll` until it gives a value, for at most `timeout`. `step`
/// answers `Err(seen)` while waiting, `seen` saying what it saw; every
/// [`PROGRESS_EVERY`] `progress(seen, waited)` is logged, and after the timeout
/// `timed_out(seen, waited)` is the error.
fn poll_until<T>(
    timeout: Duration,
    poll: Duration,
    log: &mut dyn FnMut(&str),
    mut step: impl FnMut() -> Result<Result<T, String>>,
    progress: impl Fn(&str, u64) -> String,
    timed_out: impl FnOnce(&str, u64) -> anyhow::Error,
) -> Result<T> {
    let start = Instant::now();
    let mut last_progress = start;
    loop {
        let seen = match step()? {
            Ok(done) => return Ok(done),
            Err(seen) => seen,
        };
        let waited = start.elapsed();
        if waited >= timeout {
            return Err(timed_out(&seen, waited.as_secs()));
        }
        if last_progress.elapsed() >= PROGRESS_EVERY {
            last_progress = Instant::now();
            log(&progress(&seen, waited.as_secs()));
        }
        sleep(poll);
    }
}

fn wait_for_quorum(
    layout: &Layout,
    corosync: &mut Daemon,
    cluster: &str,
    timeout: Duration,
    log: &mut dyn FnMut(&str),
) -> Result<QuorumStatus> {
    let step = || {
        corosync.check_running()?;
        // `-s` exits 0 when quorate, 2 when not, 1 when it cannot ask.
        Ok(match run_tool(layout, &layout.quorumtool, &["-s"]) {
            Ok((status, out)) => match quorum_status(&out) {
                Some(q) if q.quorate && status.success() => Ok(q),
                Some(q) => Err(q.to_string()),
                None => Err(first_line(&out, status)),
            },
            Err(e) => Err(format!("{e:#}")),
        })
    };
    poll_until(
        timeout,
        layout.poll,
        log,
        step,
        |seen, waited| {
            format!(
                "cluster {cluster}: waiting for quorum: {seen}, {waited} s of {} s",
                timeout.as_secs()
            )
        },
        |seen, waited| {
            anyhow!("cluster {cluster}: no quorum after {waited} s ({seen}): check that the other nodes are booting and reachable on UDP 5405")
        },
    )
}

fn first_line(out: &str, status: ExitStatus) -> String {
    let line = out.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    format!("{}: {line}", describe(status))
}

/// The socket dlm_controld (built with sd_notify, `Type=notify` in dlm.service)
/// sends `READY=1` to once its main loop runs.
struct Notify {
    name: String,
    socket: UnixDatagram,
}

impl Notify {
    fn bind(cluster: &str) -> Result<Notify> {
        // Abstract: reachable from inside the chroot, gone with us.
        static SEQ: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "osr-init/{cluster}/{}/{}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::Relaxed)
        );
        let addr = SocketAddr::from_abstract_name(name.as_bytes())
            .context("making the notify socket address")?;
        let socket = UnixDatagram::bind_addr(&addr).context("binding the notify socket")?;
        socket
            .set_nonblocking(true)
            .context("making the notify socket non-blocking")?;
        Ok(Notify { name, socket })
    }

    /// Whether a `READY=1` arrived.
    fn ready(&self) -> bool {
        let mut buf = [0u8; 4096];
        while let Ok(n) = self.socket.recv(&mut buf) {
            let msg = String::from_utf8_lossy(buf.get(..n).unwrap_or(&[]));
            if msg.lines().any(|l| l == "READY=1") {
                return true;
            }
        }
        false
    }
}

fn wait_for_dlm(
    layout: &Layout,
    dlm: &mut Daemon,
    notify: &Notify,
    cluster: &str,
    timeout: Duration,
    log: &mut dyn FnMut(&str),
) -> Result<()> {
    let name_file = layout.configfs.join("dlm/cluster/cluster_name");
    let dlm_log = dlm.log.clone();
    let step = || {
        dlm.check_running()?;
        // Without sd_notify: dlm_controld has written the cluster name to configfs
        // (configfs is one instance: its writes in its root show here) and answers
        // `dlm_tool status`.
        let ready = notify.ready()
            || (fs::read_to_string(&name_file).is_ok_and(|n| n.trim() == cluster)
                && dlm_answers(layout));
        Ok(if ready { Ok(()) } else { Err(String::new()) })
    };
    poll_until(
        timeout,
        layout.poll,
        log,
        step,
        |_, waited| {
            format!(
                "cluster {cluster}: waiting for dlm_controld, {waited} s of {} s",
                timeout.as_secs()
            )
        },
        |_, waited| {
            anyhow!(
                "cluster {cluster}: dlm_controld not ready after {waited} s ({}: {})",
                dlm_log.display(),
                log_tail(&dlm_log)
            )
        },
    )
}

/// `dlm_tool status` exits 0 even when it cannot connect ("cannot connect to
/// dlm_controld"); dlm_controld's answer starts "cluster nodeid N quorate 1 ...".
fn dlm_answers(layout: &Layout) -> bool {
    matches!(
        run_tool(layout, &layout.dlm_tool, &["status"]),
        Ok((status, out)) if status.success() && out.contains("cluster nodeid ")
    )
}

#[cfg(test)]
mod tests;
