//! When the initramfs started, for `RD_TIMESTAMP`.
//!
//! systemd's PID 1 reads `RD_TIMESTAMP="<realtime µs> <monotonic µs>"` from its
//! environment (src/core/main.c, dual_timestamp_deserialize) and `systemd-analyze`
//! then shows the initrd's share of the boot. We stamp our own start.

use std::sync::OnceLock;

use nix::time::{clock_gettime, ClockId};

static START: OnceLock<(u64, u64)> = OnceLock::new();

fn micros(clock: ClockId) -> u64 {
    clock_gettime(clock)
        .map(|t| {
            let secs = u64::try_from(t.tv_sec()).unwrap_or(0);
            let nanos = u64::try_from(t.tv_nsec()).unwrap_or(0);
            secs * 1_000_000 + nanos / 1_000
        })
        .unwrap_or(0)
}

/// Stamps the start; later calls keep the first stamp.
pub fn mark_start() {
    START.get_or_init(|| {
        (
            micros(ClockId::CLOCK_REALTIME),
            micros(ClockId::CLOCK_MONOTONIC),
        )
    });
}

pub fn rd_timestamp() -> String {
    mark_start();
    let (realtime, monotonic) = START.get().copied().unwrap_or((0, 0));
    format!("{realtime} {monotonic}")
}
