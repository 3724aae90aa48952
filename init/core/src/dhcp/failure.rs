//! What the client reports when it gets nowhere: [`Failure`] with the [`Stats`] of
//! what was seen, and [`Reject`], why one datagram was ignored.

use std::fmt;
use std::net::Ipv4Addr;
use std::time::Duration;

use dhcproto::v4::MessageType;

/// Why no lease was obtained: what was seen, for the message an admin reads.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Stats {
    pub discovers: u32,
    pub requests: u32,
    pub offers: u32,
    pub naks: u32,
    pub rejected: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub waited: Duration,
    pub attempts: u32,
    pub stats: Stats,
    /// The last NAK's message (option 56), if any.
    pub nak_message: Option<String>,
    /// The server whose NAKs ended an attempt (it kept refusing), if any.
    pub refused_by: Option<Ipv4Addr>,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.stats;
        write!(
            f,
            "no lease after {} s ({} attempt{}, {} DISCOVER{} sent): ",
            self.waited.as_secs(),
            self.attempts,
            if self.attempts == 1 { "" } else { "s" },
            s.discovers,
            if s.discovers == 1 { "" } else { "s" },
        )?;
        if s.offers == 0 {
            write!(f, "no OFFER")?;
        } else if let (Some(server), true) = (self.refused_by, s.naks > 0) {
            write!(
                f,
                "server {server} keeps refusing ({} OFFERs, {} NAKs)",
                s.offers, s.naks
            )?;
            if let Some(m) = &self.nak_message {
                write!(f, " (server says: {m})")?;
            }
        } else if s.naks > 0 {
            write!(f, "{} OFFERs but {} NAKs", s.offers, s.naks)?;
            if let Some(m) = &self.nak_message {
                write!(f, " (server says: {m})")?;
            }
        } else {
            write!(f, "{} OFFERs but no ACK", s.offers)?;
        }
        if s.rejected > 0 {
            write!(f, "; {} unusable replies ignored", s.rejected)?;
        }
        if s.offers == 0 {
            write!(
                f,
                "; is a DHCP server (or relay) on this segment? raise rd.net.timeout.dhcp if it is slow"
            )?;
        }
        Ok(())
    }
}

/// Why a datagram was ignored (logged at debug level by the caller).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Reject {
    #[error("not a DHCP message: {0}")]
    Malformed(String),
    #[error("not a BOOTREPLY")]
    NotReply,
    #[error("xid {got:#010x} is not ours ({want:#010x})")]
    Xid { got: u32, want: u32 },
    #[error("chaddr is not our MAC")]
    Chaddr,
    #[error("unexpected {0:?} in state {1}")]
    Unexpected(Option<MessageType>, &'static str),
    #[error("OFFER without a usable address ({0})")]
    BadOffer(String),
    #[error("{0} without a server identifier (option 54)")]
    NoServerId(&'static str),
    #[error("reply from server {got}, we are talking to {want}")]
    OtherServer { got: Ipv4Addr, want: Ipv4Addr },
}
