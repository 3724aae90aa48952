//! The DHCP receive path: a client that has sent its DISCOVER takes the input as the
//! datagrams that arrive (each `u16` little-endian length, then the bytes), polling
//! after each one as the transport does, so an OFFER leads on to REQUEST and ACK.
#![no_main]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use osr_core::dhcp::{Client, ClientConfig, Poll};
use osr_core::ip::Mac;

/// The seeds (examples/mkseeds.rs) answer this client.
const MAC: Mac = Mac([0x52, 0x54, 0x00, 0x12, 0x34, 0x56]);
const XID: u32 = 0x1234_5678;

fuzz_target!(|data: &[u8]| {
    let mut cfg = ClientConfig::new(MAC, XID);
    cfg.hostname = Some("node7".into());
    cfg.attempts = 2;
    let mut client = Client::new(cfg, Duration::ZERO);
    let mut now = Duration::ZERO;
    let _ = client.poll(now);
    let mut rest = data;
    while let [lo, hi, tail @ ..] = rest {
        let len = usize::from(u16::from_le_bytes([*lo, *hi])).min(tail.len());
        let (packet, tail) = tail.split_at(len);
        rest = tail;
        now += Duration::from_millis(300);
        let _ = client.receive(packet, now);
        match client.poll(now) {
            Poll::Bound(lease) => drop(lease.fields()),
            Poll::Failed(f) => return drop(f.to_string()),
            Poll::Send(_) | Poll::WaitUntil(_) => {}
        }
    }
});
