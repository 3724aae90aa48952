//! The DHCPv4 client as a state machine without I/O (RFC 2131).
//!
//! [`Client`] is driven from outside: [`Client::poll`] says what to do now (send a
//! packet, wait until a deadline, or stop with a lease or a failure) and
//! [`Client::receive`] hands it a datagram. Time is passed in and randomness comes
//! from a seeded generator, so the tests run whole exchanges with a fake clock.
//! The transport (a UDP socket on port 68 bound to the interface, broadcast replies
//! requested) lives in the binary.
//!
//! Messages are encoded and decoded with dhcproto; everything taken from a reply is
//! untrusted and checked here: xid, chaddr, op, message type and server id must
//! match, names and paths are stripped of anything that could break the files they
//! end up in.

use std::time::Duration;

use crate::ip::Mac;

mod client;
mod failure;
mod lease;
mod message;

pub use client::Client;
pub use failure::{Failure, Reject, Stats};
pub use lease::{prefix_of, Lease};
pub use message::REQUESTED;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientConfig {
    pub mac: Mac,
    /// Transaction id of the first attempt; later attempts add their number.
    pub xid: u32,
    /// Seeds the retransmission jitter.
    pub seed: u64,
    pub hostname: Option<String>,
    /// Option 61; dhclient's default is type 1 (Ethernet) + MAC.
    pub client_id: Vec<u8>,
    pub vendor_class: String,
    /// One attempt (DISCOVER until ACK) gives up after this long.
    pub timeout: Duration,
    /// How many attempts before failing (`rd.net.dhcp.retry`).
    pub attempts: u32,
}

impl ClientConfig {
    pub fn new(mac: Mac, xid: u32) -> Self {
        let mut client_id = vec![1];
        client_id.extend_from_slice(&mac.0);
        ClientConfig {
            mac,
            xid,
            seed: u64::from(xid) | 1,
            hostname: None,
            client_id,
            vendor_class: format!("osr-rs {}", env!("CARGO_PKG_VERSION")),
            timeout: Duration::from_secs(60),
            attempts: 1,
        }
    }
}

/// What the caller should do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Poll {
    /// Broadcast this datagram to 255.255.255.255:67, then poll again.
    Send(Vec<u8>),
    /// Nothing to do before this time (or a datagram arrives).
    WaitUntil(Duration),
    Bound(Lease),
    Failed(Failure),
}

#[cfg(test)]
mod tests;
