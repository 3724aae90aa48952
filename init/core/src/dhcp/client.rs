//! The RFC 2131 state machine: INIT, SELECTING, REQUESTING, BOUND (and FAILED when
//! every attempt timed out), with retransmissions and the checks a reply must pass
//! before it moves the client on.

use std::net::Ipv4Addr;
use std::time::Duration;

use dhcproto::v4::{DhcpOption, Flags, HType, Message, MessageType, Opcode, OptionCode};
use dhcproto::Decodable;

use super::lease::{clean_text, lease_from};
use super::message::{check_options, encode, MAX_MESSAGE_SIZE, REQUESTED};
use super::{ClientConfig, Failure, Lease, Poll, Reject, Stats};

/// RFC 2131 4.1: the first retransmission after 4 s, doubling up to 64 s, ±1 s.
const FIRST_INTERVAL: Duration = Duration::from_secs(4);
const MAX_INTERVAL: Duration = Duration::from_secs(64);
/// REQUESTs sent for one OFFER before starting over with a DISCOVER.
const REQUEST_TRIES: u32 = 4;
/// NAKs taken in one attempt; the last one ends the attempt (the server keeps
/// refusing), so that NAKs cannot restart the exchange until the timeout.
pub(super) const MAX_NAKS: u32 = 3;

#[derive(Debug, Clone)]
enum State {
    Init,
    Selecting {
        next: Duration,
        interval: Duration,
    },
    Requesting {
        offer: Offer,
        next: Duration,
        interval: Duration,
        sent: u32,
    },
    Bound(Box<Lease>),
    Failed(Failure),
}

#[derive(Debug, Clone)]
struct Offer {
    address: Ipv4Addr,
    server: Ipv4Addr,
}

#[derive(Debug, Clone)]
pub struct Client {
    cfg: ClientConfig,
    state: State,
    started: Duration,
    attempt: u32,
    attempt_start: Duration,
    rng: u64,
    stats: Stats,
    nak_message: Option<String>,
    /// NAKs in this attempt.
    attempt_naks: u32,
    /// The server whose NAKs ended an attempt.
    refused_by: Option<Ipv4Addr>,
}

impl Client {
    pub fn new(cfg: ClientConfig, now: Duration) -> Self {
        let rng = cfg.seed | 1;
        Client {
            cfg,
            state: State::Init,
            started: now,
            attempt: 0,
            attempt_start: now,
            rng,
            stats: Stats::default(),
            nak_message: None,
            attempt_naks: 0,
            refused_by: None,
        }
    }

    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// The xid replies must carry now.
    pub fn xid(&self) -> u32 {
        self.cfg.xid.wrapping_add(self.attempt)
    }

    pub fn poll(&mut self, now: Duration) -> Poll {
        if let State::Bound(lease) = &self.state {
            return Poll::Bound((**lease).clone());
        }
        if let State::Failed(f) = &self.state {
            return Poll::Failed(f.clone());
        }
        if self.attempt_naks >= MAX_NAKS || now >= self.attempt_start + self.cfg.timeout {
            if self.attempt + 1 >= self.cfg.attempts.max(1) {
                let failure = Failure {
                    waited: now.saturating_sub(self.started),
                    attempts: self.attempt + 1,
                    stats: self.stats.clone(),
                    nak_message: self.nak_message.clone(),
                    refused_by: self.refused_by,
                };
                self.state = State::Failed(failure.clone());
                return Poll::Failed(failure);
            }
            self.attempt += 1;
            self.attempt_start = now;
            self.attempt_naks = 0;
            self.state = State::Init;
        }
        let deadline = self.attempt_start + self.cfg.timeout;
        match self.state.clone() {
            State::Init => {
                let interval = FIRST_INTERVAL;
                let next = now + self.jittered(interval);
                self.state = State::Selecting { next, interval };
                self.stats.discovers += 1;
                Poll::Send(self.discover(now))
            }
            State::Selecting { next, interval } => {
                if now < next {
                    return Poll::WaitUntil(next.min(deadline));
                }
                let interval = (interval * 2).min(MAX_INTERVAL);
                let next = now + self.jittered(interval);
                self.state = State::Selecting { next, interval };
                self.stats.discovers += 1;
                log::debug!("dhcp: no OFFER yet, DISCOVER again (next in {interval:?})");
                Poll::Send(self.discover(now))
            }
            State::Requesting {
                offer,
                next,
                interval,
                sent,
            } => {
                if now < next {
                    return Poll::WaitUntil(next.min(deadline));
                }
                if sent >= REQUEST_TRIES {
                    log::debug!("dhcp: no ACK for {}, starting over", offer.address);
                    self.state = State::Init;
                    return self.poll(now);
                }
                let interval = (interval * 2).min(MAX_INTERVAL);
                let next = now + self.jittered(interval);
                let sent = sent + 1;
                self.state = State::Requesting {
                    offer: offer.clone(),
                    next,
                    interval,
                    sent,
                };
                self.stats.requests += 1;
                Poll::Send(self.request(&offer, now))
            }
            State::Bound(_) | State::Failed(_) => Poll::WaitUntil(deadline),
        }
    }

    /// Takes one datagram. `Err` says why it was ignored; the state is unchanged then.
    pub fn receive(&mut self, packet: &[u8], now: Duration) -> Result<(), Reject> {
        let res = self.receive_inner(packet, now);
        if res.is_err() {
            self.stats.rejected += 1;
        }
        res
    }

    fn receive_inner(&mut self, packet: &[u8], now: Duration) -> Result<(), Reject> {
        // The fixed header is checked on the raw bytes first: dhcproto's
        // `Message::chaddr()` slices by the untrusted hlen and would panic on
        // hlen > 16, and a wrong xid or MAC needs no decoding to be dropped.
        let header = packet
            .get(..34)
            .ok_or_else(|| Reject::Malformed(format!("{} bytes", packet.len())))?;
        if header.first() != Some(&2) {
            return Err(Reject::NotReply);
        }
        let xid = header
            .get(4..8)
            .and_then(|b| <[u8; 4]>::try_from(b).ok())
            .map_or(0, u32::from_be_bytes);
        if xid != self.xid() {
            return Err(Reject::Xid {
                got: xid,
                want: self.xid(),
            });
        }
        if header.get(2) != Some(&6) || header.get(28..34) != Some(&self.cfg.mac.0[..]) {
            return Err(Reject::Chaddr);
        }
        // dhcproto stops quietly at a broken option and keeps what came before it;
        // a reply that is not well formed to its end is not trusted at all.
        check_options(packet)?;
        let msg = Message::from_bytes(packet).map_err(|e| Reject::Malformed(e.to_string()))?;
        let has_lease_time = msg.opts().get(OptionCode::AddressLeaseTime).is_some();
        let kind = msg.opts().msg_type();
        let server = match msg.opts().get(OptionCode::ServerIdentifier) {
            Some(DhcpOption::ServerIdentifier(s)) => Some(*s),
            _ => None,
        };
        match (&self.state, kind) {
            (State::Selecting { .. }, Some(MessageType::Offer)) => {
                let address = msg.yiaddr();
                if address.is_unspecified() || address.is_broadcast() || address.is_multicast() {
                    return Err(Reject::BadOffer(format!("yiaddr {address}")));
                }
                let Some(server) = server else {
                    return Err(Reject::BadOffer("no server identifier, option 54".into()));
                };
                if !has_lease_time {
                    return Err(Reject::BadOffer("no lease time, option 51".into()));
                }
                self.stats.offers += 1;
                log::debug!("dhcp: OFFER of {address} from {server}");
                let offer = Offer { address, server };
                self.state = State::Requesting {
                    offer,
                    next: now,
                    interval: FIRST_INTERVAL / 2,
                    sent: 0,
                };
                Ok(())
            }
            (State::Requesting { offer, .. }, Some(MessageType::Ack)) => {
                offer.answered_by(server, "ACK")?;
                if !has_lease_time {
                    return Err(Reject::Malformed(
                        "ACK without a lease time (option 51)".into(),
                    ));
                }
                let server = offer.server;
                let lease = lease_from(&msg, server);
                log::debug!("dhcp: ACK of {} from {server}", lease.address);
                self.state = State::Bound(Box::new(lease));
                Ok(())
            }
            (State::Requesting { offer, .. }, Some(MessageType::Nak)) => {
                offer.answered_by(server, "NAK")?;
                self.stats.naks += 1;
                self.attempt_naks += 1;
                let text = match msg.opts().get(OptionCode::Message) {
                    Some(DhcpOption::Message(m)) => Some(clean_text(m, 120)),
                    _ => None,
                };
                let then = if self.attempt_naks >= MAX_NAKS {
                    self.refused_by = Some(offer.server);
                    format!("{MAX_NAKS} NAKs, the server keeps refusing: this attempt fails")
                } else {
                    "starting over".to_string()
                };
                log::warn!(
                    "dhcp: NAK from {} for {}{}; {then}",
                    offer.server,
                    offer.address,
                    text.as_deref()
                        .map(|t| format!(" ({t})"))
                        .unwrap_or_default()
                );
                self.nak_message = text;
                self.state = State::Init;
                Ok(())
            }
            (state, kind) => Err(Reject::Unexpected(kind, state.name())),
        }
    }

    fn jittered(&mut self, interval: Duration) -> Duration {
        // xorshift64: good enough to spread retransmissions, and reproducible.
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        let ms = i64::try_from(self.rng % 2001).unwrap_or(0) - 1000;
        let base = i64::try_from(interval.as_millis()).unwrap_or(i64::MAX);
        Duration::from_millis(u64::try_from(base + ms).unwrap_or(0))
    }

    fn base_message(&self, kind: MessageType, now: Duration) -> Message {
        let mut msg = Message::default();
        msg.set_opcode(Opcode::BootRequest)
            .set_htype(HType::Eth)
            .set_xid(self.xid())
            .set_chaddr(&self.cfg.mac.0)
            .set_flags(Flags::default().set_broadcast())
            .set_secs(
                u16::try_from(now.saturating_sub(self.attempt_start).as_secs()).unwrap_or(u16::MAX),
            );
        let opts = msg.opts_mut();
        opts.insert(DhcpOption::MessageType(kind));
        opts.insert(DhcpOption::ClientIdentifier(self.cfg.client_id.clone()));
        opts.insert(DhcpOption::ParameterRequestList(REQUESTED.to_vec()));
        opts.insert(DhcpOption::MaxMessageSize(MAX_MESSAGE_SIZE));
        opts.insert(DhcpOption::ClassIdentifier(
            self.cfg.vendor_class.as_bytes().to_vec(),
        ));
        if let Some(h) = &self.cfg.hostname {
            opts.insert(DhcpOption::Hostname(h.clone()));
        }
        msg
    }

    fn discover(&self, now: Duration) -> Vec<u8> {
        encode(&self.base_message(MessageType::Discover, now))
    }

    fn request(&self, offer: &Offer, now: Duration) -> Vec<u8> {
        let mut msg = self.base_message(MessageType::Request, now);
        let opts = msg.opts_mut();
        opts.insert(DhcpOption::RequestedIpAddress(offer.address));
        opts.insert(DhcpOption::ServerIdentifier(offer.server));
        encode(&msg)
    }
}

impl Offer {
    /// RFC 2131 4.3.1, 4.4.1: the ACK or NAK must name, in option 54, the server
    /// whose OFFER was selected; anyone else on the segment could send one.
    fn answered_by(&self, server: Option<Ipv4Addr>, what: &'static str) -> Result<(), Reject> {
        match server {
            None => Err(Reject::NoServerId(what)),
            Some(s) if s != self.server => Err(Reject::OtherServer {
                got: s,
                want: self.server,
            }),
            Some(_) => Ok(()),
        }
    }
}

impl State {
    fn name(&self) -> &'static str {
        match self {
            State::Init => "INIT",
            State::Selecting { .. } => "SELECTING",
            State::Requesting { .. } => "REQUESTING",
            State::Bound(_) => "BOUND",
            State::Failed(_) => "FAILED",
        }
    }
}
