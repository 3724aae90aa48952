//! The `log` backend: every record goes to `/dev/kmsg` (so `dmesg` in the real root
//! shows the initramfs's story with the kernel's timestamps) and, when the kernel
//! would not print it on the console itself, to the console (stderr) with a
//! timestamp from boot. Each line is written once, whatever the console log level.
//!
//! /dev/kmsg rate-limits user-space writers by default (printk.devkmsg=ratelimit:
//! ten lines per five seconds), which would silently drop our step lines; we turn that
//! off as systemd does, unless the command line set `printk.devkmsg=` itself.
//!
//! Every line logged is also kept, with its uptime and level, in a bounded [`Tail`]
//! (the last [`TAIL_LINES`]), so that a [`Sink`] attached once the network is up
//! (the remote syslog sender, `remotelog.rs`) first receives what was logged before.

use std::cell::Cell;
use std::collections::VecDeque;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Mutex, OnceLock};

use log::{Level, LevelFilter, Log, Metadata, Record};
use osr_core::config::Verbosity;

const KMSG: &str = "/dev/kmsg";
const PRINTK: &str = "/proc/sys/kernel/printk";
const PRINTK_DEVKMSG: &str = "/proc/sys/kernel/printk_devkmsg";

struct Logger {
    kmsg: Mutex<Option<File>>,
    /// Records at or below this level reach the console.
    console_max: AtomicU8,
    /// The kernel's console_loglevel: kmsg records below it are printed by the kernel.
    kernel_console_level: AtomicU8,
}

static LOGGER: OnceLock<Logger> = OnceLock::new();

/// How many lines [`Tail`] keeps: a whole boot at info level, with room to spare.
pub const TAIL_LINES: usize = 1000;

/// One line as logged.
#[derive(Debug, Clone, PartialEq)]
pub struct Logged {
    /// Seconds since boot.
    pub uptime: f64,
    pub level: Level,
    pub text: String,
}

/// Where logged lines go besides kmsg and the console. Called with the tail's lock
/// held, so lines reach it in order; it must not block. Whatever it logs itself is
/// written to kmsg and the console but neither kept nor handed back to it.
pub trait Sink: Send {
    fn send(&mut self, line: &Logged);
    /// Called once detached (not under the lock): may log a summary.
    fn close(&mut self) {}
}

struct TailInner {
    lines: VecDeque<Logged>,
    sink: Option<Box<dyn Sink>>,
}

/// The last [`TAIL_LINES`] lines and the attached [`Sink`], under one lock so that
/// attaching replays the past and forwards the future without a gap or a repeat.
pub struct Tail {
    inner: Mutex<TailInner>,
    capacity: usize,
}

thread_local! {
    /// Set while this thread runs a sink: its own lines must not re-enter the tail.
    static IN_SINK: Cell<bool> = const { Cell::new(false) };
}

fn with_sink_guard(f: impl FnOnce()) {
    IN_SINK.with(|g| g.set(true));
    f();
    IN_SINK.with(|g| g.set(false));
}

impl Tail {
    pub const fn new(capacity: usize) -> Tail {
        Tail {
            inner: Mutex::new(TailInner {
                lines: VecDeque::new(),
                sink: None,
            }),
            capacity,
        }
    }

    /// Keeps a line and hands it to the sink, if one is attached.
    pub fn push(&self, line: Logged) {
        if IN_SINK.with(Cell::get) {
            return;
        }
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        if let Some(sink) = inner.sink.as_mut() {
            with_sink_guard(|| sink.send(&line));
        }
        if inner.lines.len() >= self.capacity {
            inner.lines.pop_front();
        }
        inner.lines.push_back(line);
    }

    /// Replays the kept lines into `sink`, oldest first, then attaches it (replacing
    /// and returning any previous one).
    pub fn attach(&self, mut sink: Box<dyn Sink>) -> Option<Box<dyn Sink>> {
        let Ok(mut inner) = self.inner.lock() else {
            return None;
        };
        with_sink_guard(|| inner.lines.iter().for_each(|l| sink.send(l)));
        inner.sink.replace(sink)
    }

    /// Detaches the sink; later lines are only kept.
    pub fn detach(&self) -> Option<Box<dyn Sink>> {
        self.inner
            .lock()
            .ok()
            .and_then(|mut inner| inner.sink.take())
    }

    /// A copy of the kept lines, oldest first.
    #[cfg(test)]
    pub fn lines(&self) -> Vec<Logged> {
        self.inner
            .lock()
            .map(|inner| inner.lines.iter().cloned().collect())
            .unwrap_or_default()
    }
}

/// The tail of PID 1's log.
pub static TAIL: Tail = Tail::new(TAIL_LINES);

pub fn syslog_priority(level: Level) -> u8 {
    match level {
        Level::Error => 3,
        Level::Warn => 4,
        Level::Info => 6,
        Level::Debug | Level::Trace => 7,
    }
}

fn level_index(level: Level) -> u8 {
    match level {
        Level::Error => 1,
        Level::Warn => 2,
        Level::Info => 3,
        Level::Debug => 4,
        Level::Trace => 5,
    }
}

/// Installs the logger. Safe to call before /dev and /proc are mounted: it reopens
/// them in [`reopen`].
pub fn init() {
    let logger = LOGGER.get_or_init(|| Logger {
        kmsg: Mutex::new(None),
        console_max: AtomicU8::new(level_index(Level::Info)),
        kernel_console_level: AtomicU8::new(7),
    });
    if log::set_logger(logger).is_ok() {
        log::set_max_level(LevelFilter::Info);
    }
}

/// Opens /dev/kmsg and reads the kernel's console level, once /dev and /proc exist.
pub fn reopen(cmdline_sets_devkmsg: bool) {
    let Some(logger) = LOGGER.get() else { return };
    if !cmdline_sets_devkmsg {
        // Best effort: without it some lines are rate-limited away, nothing worse.
        if let Err(e) = std::fs::write(PRINTK_DEVKMSG, "on\n") {
            log::debug!("could not disable kmsg rate limiting: {e}");
        }
    }
    if let Ok(text) = std::fs::read_to_string(PRINTK) {
        if let Some(level) = text.split_whitespace().next().and_then(|l| l.parse().ok()) {
            logger.kernel_console_level.store(level, Ordering::Relaxed);
        }
    }
    let file = OpenOptions::new().write(true).open(KMSG).ok();
    if let Ok(mut guard) = logger.kmsg.lock() {
        *guard = file;
    }
}

pub fn set_verbosity(v: Verbosity) {
    let (console, max) = match v {
        Verbosity::Quiet => (Level::Warn, LevelFilter::Info),
        Verbosity::Normal => (Level::Info, LevelFilter::Info),
        Verbosity::Debug => (Level::Debug, LevelFilter::Debug),
    };
    if let Some(logger) = LOGGER.get() {
        logger
            .console_max
            .store(level_index(console), Ordering::Relaxed);
    }
    log::set_max_level(max);
}

/// Seconds since boot, as the kernel prints them.
pub fn uptime() -> f64 {
    nix::time::clock_gettime(nix::time::ClockId::CLOCK_BOOTTIME)
        .map(|t| t.tv_sec() as f64 + t.tv_nsec() as f64 / 1e9)
        .unwrap_or(0.0)
}

impl Logger {
    fn write_kmsg(&self, prio: u8, line: &str) -> bool {
        let Ok(mut guard) = self.kmsg.lock() else {
            return false;
        };
        match guard.as_mut() {
            // One write() is one kmsg record.
            Some(f) => f
                .write_all(format!("<{prio}>osr-init: {line}\n").as_bytes())
                .is_ok(),
            None => false,
        }
    }
}

/// Whether a record is ours to show: the netlink crates warn about attributes newer
/// than they know (harmless, and once per link dump), so only their errors pass.
pub fn wanted(metadata: &Metadata<'_>) -> bool {
    metadata.level() <= log::max_level()
        && (metadata.level() <= log::Level::Error || !metadata.target().starts_with("netlink"))
}

impl Log for Logger {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        wanted(metadata)
    }

    fn log(&self, record: &Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let prio = syslog_priority(record.level());
        let text = record.args().to_string();
        let now = uptime();
        let mut kernel_printed = true;
        for line in text.lines() {
            kernel_printed &= self.write_kmsg(prio, line);
            TAIL.push(Logged {
                uptime: now,
                level: record.level(),
                text: line.to_string(),
            });
        }
        kernel_printed &= prio < self.kernel_console_level.load(Ordering::Relaxed);
        let wanted = level_index(record.level()) <= self.console_max.load(Ordering::Relaxed);
        if wanted && !kernel_printed {
            let mut err = std::io::stderr().lock();
            for line in text.lines() {
                // Nothing sensible to do if the console itself fails.
                let _ = writeln!(err, "[{now:12.6}] osr-init: {line}");
            }
        }
    }

    fn flush(&self) {}
}

/// The panic hook's writer: one kmsg record per line, as a backtrace is too big for one.
pub fn emergency_lines(text: &str) {
    let written = LOGGER
        .get()
        .is_some_and(|l| text.lines().all(|line| l.write_kmsg(2, line)));
    if !written {
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "osr-init: {text}");
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn line(text: &str) -> Logged {
        Logged {
            uptime: 1.0,
            level: Level::Info,
            text: text.to_string(),
        }
    }

    /// Records what it is sent and, like a failing sender, logs into the tail.
    struct Recorder {
        seen: Arc<Mutex<Vec<String>>>,
        tail: Arc<Tail>,
    }

    impl Sink for Recorder {
        fn send(&mut self, l: &Logged) {
            self.seen.lock().unwrap().push(l.text.clone());
            self.tail.push(line("the sink's own line"));
        }
    }

    #[test]
    fn tail_keeps_the_last_lines() {
        let tail = Tail::new(3);
        for t in ["a", "b", "c", "d"] {
            tail.push(line(t));
        }
        let texts: Vec<String> = tail.lines().into_iter().map(|l| l.text).collect();
        assert_eq!(texts, ["b", "c", "d"]);
    }

    #[test]
    fn attach_replays_then_forwards_and_ignores_the_sinks_own_lines() {
        let tail = Arc::new(Tail::new(10));
        tail.push(line("before 1"));
        tail.push(line("before 2"));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let recorder = Recorder {
            seen: Arc::clone(&seen),
            tail: Arc::clone(&tail),
        };
        assert!(tail.attach(Box::new(recorder)).is_none());
        tail.push(line("after"));
        assert_eq!(*seen.lock().unwrap(), ["before 1", "before 2", "after"]);
        let texts: Vec<String> = tail.lines().into_iter().map(|l| l.text).collect();
        assert_eq!(texts, ["before 1", "before 2", "after"]);
        assert!(tail.detach().is_some());
        tail.push(line("detached"));
        assert_eq!(seen.lock().unwrap().len(), 3);
    }
}
