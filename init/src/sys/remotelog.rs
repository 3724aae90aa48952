//! The remote boot log: once the network is up, every line of PID 1's log, the ones
//! kept from before (`kmsg::TAIL`) first and in order, then each new one, goes to the
//! syslog servers over UDP (RFC 5426), formatted by `osr_core::syslog`.
//!
//! Sending never blocks or fails the boot: the sockets are non-blocking, a datagram
//! that cannot be sent is counted, the first failure is logged once at debug level
//! (that line reaches kmsg but is not itself forwarded), and the counts are logged
//! when [`stop`] detaches the sender before switch_root.
//!
//! Not done: TCP/TLS, retransmission (UDP syslog is lossy by design), and lines
//! older than the tail's [`crate::sys::kmsg::TAIL_LINES`].

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use osr_core::syslog::{format_line, Format, Message, Settings, APP_NAME};

use crate::sys::kmsg::{syslog_priority, Logged, Sink, Tail, TAIL};

/// What the sender did, readable while it runs.
#[derive(Debug, Default)]
pub struct Stats {
    /// Datagrams handed to the kernel (one per line and target).
    pub sent: AtomicU64,
    /// Datagrams the kernel refused (no route, ICMP port unreachable, full buffer).
    pub failed: AtomicU64,
}

struct Sender {
    sockets: Vec<(SocketAddr, UdpSocket)>,
    format: Format,
    facility: u8,
    min_severity: u8,
    /// `None`: the kernel's hostname at the time of sending.
    hostname: Option<String>,
    procid: u32,
    stats: Arc<Stats>,
    reported: bool,
}

/// The kernel's hostname, unless it is still unset (`(none)`).
fn kernel_hostname() -> Option<String> {
    let name = nix::unistd::gethostname().ok()?;
    let name = name.to_string_lossy();
    (!name.is_empty() && name != "(none)").then(|| name.into_owned())
}

impl Sink for Sender {
    fn send(&mut self, line: &Logged) {
        let severity = syslog_priority(line.level);
        if severity > self.min_severity {
            return;
        }
        let hostname = self.hostname.clone().or_else(kernel_hostname);
        let text = format_line(
            self.format,
            &Message {
                facility: self.facility,
                severity,
                hostname: hostname.as_deref(),
                app: APP_NAME,
                procid: self.procid,
                uptime: line.uptime,
                wall_clock: None,
                text: &line.text,
            },
        );
        for (addr, socket) in &self.sockets {
            match socket.send(text.as_bytes()) {
                Ok(_) => {
                    self.stats.sent.fetch_add(1, Ordering::Relaxed);
                }
                Err(e) => {
                    self.stats.failed.fetch_add(1, Ordering::Relaxed);
                    if !self.reported {
                        self.reported = true;
                        // Not forwarded: the tail ignores what a sink logs.
                        log::debug!(
                            "remote log: sending to {addr}: {e}; later failures only counted"
                        );
                    }
                }
            }
        }
    }

    fn close(&mut self) {
        let targets: Vec<String> = self.sockets.iter().map(|(a, _)| a.to_string()).collect();
        log::info!(
            "remote log to {}: {} datagrams sent, {} failed",
            targets.join(","),
            self.stats.sent.load(Ordering::Relaxed),
            self.stats.failed.load(Ordering::Relaxed)
        );
    }
}

/// A non-blocking UDP socket connected to `addr`, from an ephemeral port.
fn open(addr: SocketAddr) -> std::io::Result<UdpSocket> {
    let local: SocketAddr = match addr {
        SocketAddr::V4(_) => (Ipv4Addr::UNSPECIFIED, 0).into(),
        SocketAddr::V6(_) => (Ipv6Addr::UNSPECIFIED, 0).into(),
    };
    let socket = UdpSocket::bind(local)?;
    socket.connect(addr)?;
    socket.set_nonblocking(true)?;
    Ok(socket)
}

/// Attaches a sender to `tail`; `None` when no target could be opened.
fn attach_to(
    tail: &Tail,
    targets: &[SocketAddr],
    settings: &Settings,
    hostname: Option<String>,
) -> Option<Arc<Stats>> {
    let mut sockets = Vec::new();
    for &addr in targets {
        match open(addr) {
            Ok(s) => sockets.push((addr, s)),
            Err(e) => log::warn!("remote log: cannot send to {addr}: {e}"),
        }
    }
    if sockets.is_empty() {
        return None;
    }
    let stats = Arc::new(Stats::default());
    let sender = Sender {
        sockets,
        format: settings.format,
        facility: settings.facility,
        min_severity: settings.min_severity,
        hostname,
        procid: std::process::id(),
        stats: Arc::clone(&stats),
        reported: false,
    };
    if let Some(mut old) = tail.attach(Box::new(sender)) {
        old.close();
    }
    Some(stats)
}

/// Starts forwarding PID 1's log to `targets` (the resolved `settings.targets`):
/// sends every line kept so far, then each new one as it is logged. `hostname`:
/// the node's name, or `None` for the kernel's at the time of each line. Calling it
/// again replaces the previous sender. Never fails: problems are logged.
pub fn start(targets: &[SocketAddr], settings: &Settings, hostname: Option<String>) {
    let list: Vec<String> = targets.iter().map(ToString::to_string).collect();
    if attach_to(&TAIL, targets, settings, hostname).is_some() {
        log::info!(
            "remote log: sending to {} ({:?}, facility {}, severity <= {})",
            list.join(","),
            settings.format,
            settings.facility,
            settings.min_severity
        );
    }
}

/// Stops forwarding (before switch_root) and logs what was sent. Each line is sent
/// when logged, so nothing is pending.
pub fn stop() {
    if let Some(mut sender) = TAIL.detach() {
        sender.close();
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use log::Level;
    use osr_core::syslog::{Target, DEFAULT_FACILITY, DEFAULT_SEVERITY};

    use super::*;

    fn line(uptime: f64, level: Level, text: &str) -> Logged {
        Logged {
            uptime,
            level,
            text: text.to_string(),
        }
    }

    fn settings(format: Format) -> Settings {
        Settings {
            targets: vec![Target {
                host: "127.0.0.1".to_string(),
                port: 514,
            }],
            format,
            facility: DEFAULT_FACILITY,
            min_severity: DEFAULT_SEVERITY,
        }
    }

    fn listener() -> (UdpSocket, SocketAddr) {
        let s = UdpSocket::bind("127.0.0.1:0").unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let addr = s.local_addr().unwrap();
        (s, addr)
    }

    fn receive(s: &UdpSocket) -> String {
        let mut buf = [0u8; 65536];
        let n = s.recv(&mut buf).unwrap();
        String::from_utf8(buf[..n].to_vec()).unwrap()
    }

    /// Nothing more arrives within a short wait.
    fn assert_quiet(s: &UdpSocket) {
        s.set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        let mut buf = [0u8; 16];
        assert!(s.recv(&mut buf).is_err(), "an unexpected datagram arrived");
    }

    #[test]
    fn earlier_lines_first_in_order_then_new_ones() {
        let tail = Tail::new(100);
        tail.push(line(1.5, Level::Info, "osr-init starting"));
        tail.push(line(1.75, Level::Debug, "plan: not sent at info"));
        tail.push(line(2.0, Level::Warn, "early mount: x"));
        let (rx, addr) = listener();
        let stats = attach_to(
            &tail,
            &[addr],
            &settings(Format::Rfc5424),
            Some("node1".into()),
        );
        tail.push(line(3.25, Level::Error, "after\tstart"));
        let pid = std::process::id();
        assert_eq!(
            receive(&rx),
            format!("<30>1 - node1 osr-init {pid} - - [    1.500000] osr-init starting")
        );
        assert_eq!(
            receive(&rx),
            format!("<28>1 - node1 osr-init {pid} - - [    2.000000] early mount: x")
        );
        assert_eq!(
            receive(&rx),
            format!("<27>1 - node1 osr-init {pid} - - [    3.250000] after start")
        );
        assert_eq!(stats.map(|s| s.sent.load(Ordering::Relaxed)), Some(3));
        // Detached: lines are kept, not sent.
        assert!(tail.detach().is_some());
        tail.push(line(4.0, Level::Info, "after stop"));
        assert_quiet(&rx);
        assert_eq!(tail.lines().len(), 5);
    }

    #[test]
    fn rfc3164_and_debug_level() {
        let tail = Tail::new(100);
        tail.push(line(0.5, Level::Debug, "detail"));
        let (rx, addr) = listener();
        let s = Settings {
            min_severity: 7,
            facility: 16,
            ..settings(Format::Rfc3164)
        };
        attach_to(&tail, &[addr], &s, Some("node1".into()));
        let pid = std::process::id();
        assert_eq!(
            receive(&rx),
            format!("<135>osr-init[{pid}]: [    0.500000] detail")
        );
    }

    #[test]
    fn long_lines_are_truncated() {
        let tail = Tail::new(10);
        let (rx, addr) = listener();
        attach_to(&tail, &[addr], &settings(Format::Rfc5424), Some("n".into()));
        tail.push(line(1.0, Level::Info, &"y".repeat(5000)));
        let got = receive(&rx);
        assert_eq!(got.len(), 2048);
        assert!(got.starts_with("<30>1 - n osr-init "), "{got}");
        assert!(got.ends_with("yyyy"));
    }

    #[test]
    fn dead_target_neither_blocks_nor_stops_the_live_one() {
        let dead = {
            let s = UdpSocket::bind("127.0.0.1:0").unwrap();
            s.local_addr().unwrap()
        };
        let (rx, live) = listener();
        let tail = Tail::new(10);
        let stats = attach_to(&tail, &[dead, live], &settings(Format::Rfc5424), None).unwrap();
        let begin = Instant::now();
        for i in 0..200 {
            tail.push(line(1.0, Level::Info, &format!("line {i}")));
        }
        assert!(begin.elapsed() < Duration::from_secs(2), "sending blocked");
        for i in 0..200 {
            let got = receive(&rx);
            assert!(got.ends_with(&format!("] line {i}")), "{got}");
        }
        // Loopback reports the closed port (ICMP) as ECONNREFUSED on a later send.
        assert!(stats.failed.load(Ordering::Relaxed) > 0);
        assert_eq!(
            stats.sent.load(Ordering::Relaxed) + stats.failed.load(Ordering::Relaxed),
            400
        );
    }

    #[test]
    fn start_and_stop_forward_the_global_tail() {
        let (rx, addr) = listener();
        TAIL.push(line(0.25, Level::Info, "kept before start"));
        start(&[addr], &settings(Format::Rfc5424), Some("g".into()));
        TAIL.push(line(0.5, Level::Info, "after start"));
        stop();
        TAIL.push(line(0.75, Level::Info, "after stop"));
        assert!(receive(&rx).ends_with("] kept before start"));
        assert!(receive(&rx).ends_with("] after start"));
        assert_quiet(&rx);
    }

    #[test]
    fn replacing_the_sender_does_not_resend_to_the_first() {
        let tail = Tail::new(10);
        tail.push(line(1.0, Level::Info, "one"));
        let (rx1, a1) = listener();
        let (rx2, a2) = listener();
        attach_to(&tail, &[a1], &settings(Format::Rfc5424), Some("n".into()));
        attach_to(&tail, &[a2], &settings(Format::Rfc5424), Some("n".into()));
        tail.push(line(2.0, Level::Info, "two"));
        assert!(receive(&rx1).ends_with("] one"));
        assert_quiet(&rx1);
        assert!(receive(&rx2).ends_with("] one"));
        assert!(receive(&rx2).ends_with("] two"));
    }
}
