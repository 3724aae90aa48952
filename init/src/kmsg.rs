//! The `log` backend: every record goes to `/dev/kmsg` (so `dmesg` in the real root
//! shows the initramfs's story with the kernel's timestamps) and, when the kernel
//! would not print it on the console itself, to the console (stderr) with a
//! timestamp from boot. Each line is written once, whatever the console log level.
//!
//! /dev/kmsg rate-limits user-space writers by default (printk.devkmsg=ratelimit:
//! ten lines per five seconds), which would silently drop our step lines; we turn that
//! off as systemd does, unless the command line set `printk.devkmsg=` itself.

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

fn syslog_priority(level: Level) -> u8 {
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
        let mut kernel_printed = true;
        for line in text.lines() {
            kernel_printed &= self.write_kmsg(prio, line);
        }
        kernel_printed &= prio < self.kernel_console_level.load(Ordering::Relaxed);
        let wanted = level_index(record.level()) <= self.console_max.load(Ordering::Relaxed);
        if wanted && !kernel_printed {
            let stamp = uptime();
            let mut err = std::io::stderr().lock();
            for line in text.lines() {
                // Nothing sensible to do if the console itself fails.
                let _ = writeln!(err, "[{stamp:12.6}] osr-init: {line}");
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
