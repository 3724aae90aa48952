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

use std::fmt;
use std::net::Ipv4Addr;
use std::time::Duration;

use dhcproto::v4::{DhcpOption, Flags, HType, Message, MessageType, Opcode, OptionCode};
use dhcproto::{Decodable, Encodable};

use crate::ip::{classful_prefix, Mac};

/// RFC 2131 4.1: the first retransmission after 4 s, doubling up to 64 s, ±1 s.
const FIRST_INTERVAL: Duration = Duration::from_secs(4);
const MAX_INTERVAL: Duration = Duration::from_secs(64);
/// REQUESTs sent for one OFFER before starting over with a DISCOVER.
const REQUEST_TRIES: u32 = 4;
/// The largest reply we can take in one Ethernet frame (1500 - IP - UDP).
const MAX_MESSAGE_SIZE: u16 = 1472;

/// What the client asks for (option 55), in the order of the list.
pub const REQUESTED: &[OptionCode] = &[
    OptionCode::SubnetMask,
    OptionCode::Router,
    OptionCode::DomainNameServer,
    OptionCode::Hostname,
    OptionCode::DomainName,
    OptionCode::RootPath,
    OptionCode::InterfaceMtu,
    OptionCode::BroadcastAddr,
    OptionCode::AddressLeaseTime,
    OptionCode::ServerIdentifier,
    OptionCode::TFTPServerName,
    OptionCode::BootfileName,
    OptionCode::DomainSearch,
    OptionCode::ClasslessStaticRoute,
];

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

/// A bound lease, checked and cleaned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub address: Ipv4Addr,
    pub prefix: u8,
    /// The default gateway in effect: option 121's default route when 121 is
    /// present (RFC 3442 says option 3 is then ignored), else option 3's first.
    pub router: Option<Ipv4Addr>,
    /// Classless routes other than the default: (destination, prefix, gateway).
    pub routes: Vec<(Ipv4Addr, u8, Ipv4Addr)>,
    pub dns: Vec<Ipv4Addr>,
    pub hostname: Option<String>,
    pub domain: Option<String>,
    pub search: Vec<String>,
    pub root_path: Option<String>,
    pub mtu: Option<u16>,
    pub broadcast: Option<Ipv4Addr>,
    pub lease_secs: Option<u32>,
    pub server_id: Ipv4Addr,
    /// siaddr, when not 0.0.0.0.
    pub next_server: Option<Ipv4Addr>,
    pub tftp_server: Option<String>,
    pub bootfile: Option<String>,
    /// Values dropped or repaired, for the log.
    pub warnings: Vec<String>,
}

impl Default for Lease {
    fn default() -> Self {
        Lease {
            address: Ipv4Addr::UNSPECIFIED,
            prefix: 0,
            router: None,
            routes: Vec::new(),
            dns: Vec::new(),
            hostname: None,
            domain: None,
            search: Vec::new(),
            root_path: None,
            mtu: None,
            broadcast: None,
            lease_secs: None,
            server_id: Ipv4Addr::UNSPECIFIED,
            next_server: None,
            tftp_server: None,
            bootfile: None,
            warnings: Vec::new(),
        }
    }
}

impl Lease {
    /// `KEY value` pairs, for the state record and `osr-init dhcp`; only keys with
    /// a value, except the four that always have one.
    pub fn fields(&self) -> Vec<(&'static str, String)> {
        let join = |v: &[Ipv4Addr]| {
            v.iter()
                .map(|a| a.to_string())
                .collect::<Vec<_>>()
                .join(" ")
        };
        let mut out = vec![
            ("ADDRESS", self.address.to_string()),
            ("PREFIX", self.prefix.to_string()),
        ];
        let mut opt = |key: &'static str, value: Option<String>| {
            if let Some(v) = value.filter(|v| !v.is_empty()) {
                out.push((key, v));
            }
        };
        opt("ROUTER", self.router.map(|r| r.to_string()));
        opt(
            "ROUTES",
            Some(
                self.routes
                    .iter()
                    .map(|(d, p, g)| format!("{d}/{p},{g}"))
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
        );
        opt("DNS", Some(join(&self.dns)));
        opt("HOSTNAME", self.hostname.clone());
        opt("DOMAIN", self.domain.clone());
        opt("SEARCH", Some(self.search.join(" ")));
        opt("ROOT_PATH", self.root_path.clone());
        opt("MTU", self.mtu.map(|m| m.to_string()));
        opt("BROADCAST", self.broadcast.map(|b| b.to_string()));
        opt("LEASE_SECS", self.lease_secs.map(|l| l.to_string()));
        opt("NEXT_SERVER", self.next_server.map(|n| n.to_string()));
        opt("TFTP_SERVER", self.tftp_server.clone());
        opt("BOOTFILE", self.bootfile.clone());
        out.push(("SERVER_ID", self.server_id.to_string()));
        out
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
    #[error("reply from server {got}, we are talking to {want}")]
    OtherServer { got: Ipv4Addr, want: Ipv4Addr },
}

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
        if now >= self.attempt_start + self.cfg.timeout {
            if self.attempt + 1 >= self.cfg.attempts.max(1) {
                let failure = Failure {
                    waited: now.saturating_sub(self.started),
                    attempts: self.attempt + 1,
                    stats: self.stats.clone(),
                    nak_message: self.nak_message.clone(),
                };
                self.state = State::Failed(failure.clone());
                return Poll::Failed(failure);
            }
            self.attempt += 1;
            self.attempt_start = now;
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
                if let Some(s) = server.filter(|s| *s != offer.server) {
                    return Err(Reject::OtherServer {
                        got: s,
                        want: offer.server,
                    });
                }
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
                if let Some(s) = server.filter(|s| *s != offer.server) {
                    return Err(Reject::OtherServer {
                        got: s,
                        want: offer.server,
                    });
                }
                self.stats.naks += 1;
                let text = match msg.opts().get(OptionCode::Message) {
                    Some(DhcpOption::Message(m)) => Some(clean_text(m, 120)),
                    _ => None,
                };
                log::warn!(
                    "dhcp: NAK from {} for {}{}; starting over",
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

/// The magic cookie, then options that each fit in the packet, up to an END.
fn check_options(packet: &[u8]) -> Result<(), Reject> {
    const COOKIE: [u8; 4] = [99, 130, 83, 99];
    if packet.get(236..240) != Some(&COOKIE[..]) {
        return Err(Reject::Malformed("no DHCP magic cookie".into()));
    }
    let mut i = 240;
    loop {
        match packet.get(i) {
            None => return Err(Reject::Malformed("options end without END (255)".into())),
            Some(255) => return Ok(()),
            Some(0) => i += 1,
            Some(code) => {
                let len = packet.get(i + 1).map(|l| usize::from(*l));
                match len {
                    Some(len) if i + 2 + len <= packet.len() => i += 2 + len,
                    _ => {
                        return Err(Reject::Malformed(format!(
                            "option {code} runs past the end of the packet"
                        )))
                    }
                }
            }
        }
    }
}

fn encode(msg: &Message) -> Vec<u8> {
    // Encoding our own well-formed message cannot fail; an empty datagram would
    // only be dropped by the server.
    msg.to_vec().unwrap_or_default()
}

fn lease_from(msg: &Message, server: Ipv4Addr) -> Lease {
    let mut lease = Lease {
        address: msg.yiaddr(),
        server_id: server,
        ..Lease::default()
    };
    let siaddr = msg.siaddr();
    lease.next_server = (!siaddr.is_unspecified()).then_some(siaddr);
    let mut option3 = None;
    let mut classless = None;
    let mut mask = None;
    for (_, opt) in msg.opts().iter() {
        match opt {
            DhcpOption::SubnetMask(m) => mask = Some(*m),
            DhcpOption::Router(r) => option3 = r.first().copied(),
            DhcpOption::DomainNameServer(d) => lease.dns = d.clone(),
            DhcpOption::Hostname(h) => {
                lease.hostname = checked_name(h, "hostname (12)", &mut lease.warnings)
            }
            DhcpOption::DomainName(d) => {
                lease.domain = checked_name(d, "domain (15)", &mut lease.warnings)
            }
            DhcpOption::RootPath(p) => lease.root_path = checked_path(p, &mut lease.warnings),
            DhcpOption::InterfaceMtu(m) => {
                if *m >= 68 {
                    lease.mtu = Some(*m);
                } else {
                    lease
                        .warnings
                        .push(format!("MTU (26) {m} ignored: below 68"));
                }
            }
            DhcpOption::BroadcastAddr(b) => lease.broadcast = Some(*b),
            DhcpOption::AddressLeaseTime(t) => lease.lease_secs = Some(*t),
            DhcpOption::TFTPServerName(t) => {
                lease.tftp_server = checked_name(
                    &String::from_utf8_lossy(t),
                    "TFTP server (66)",
                    &mut lease.warnings,
                )
            }
            DhcpOption::BootfileName(b) => {
                lease.bootfile = checked_path(&String::from_utf8_lossy(b), &mut lease.warnings)
            }
            DhcpOption::DomainSearch(names) => {
                lease.search = names
                    .iter()
                    .filter_map(|n| {
                        let s = n.to_string();
                        checked_name(s.trim_end_matches('.'), "search (119)", &mut lease.warnings)
                    })
                    .collect();
            }
            DhcpOption::ClasslessStaticRoute(routes) => {
                classless = Some(routes.clone());
            }
            _ => {}
        }
    }
    lease.prefix = match mask.map(prefix_of) {
        Some(Some(p)) => p,
        Some(None) => {
            lease.warnings.push(format!(
                "subnet mask (1) {} is not contiguous; using the classful default",
                mask.unwrap_or(Ipv4Addr::UNSPECIFIED)
            ));
            classful_prefix(lease.address)
        }
        None => classful_prefix(lease.address),
    };
    match classless {
        Some(routes) => {
            if option3.is_some() {
                log::debug!("dhcp: option 121 present, option 3 ignored (RFC 3442)");
            }
            for (net, gw) in routes {
                if net.prefix_len() == 0 {
                    lease.router = Some(gw);
                } else {
                    lease.routes.push((net.network(), net.prefix_len(), gw));
                }
            }
        }
        None => lease.router = option3,
    }
    lease
}

/// The prefix length of a contiguous netmask.
pub fn prefix_of(mask: Ipv4Addr) -> Option<u8> {
    let bits = u32::from(mask);
    let ones = bits.leading_ones();
    (bits.checked_shl(ones).unwrap_or(0) == 0).then(|| u8::try_from(ones).unwrap_or(32))
}

/// Hostnames and domains: letters, digits, '-', '_' and '.', at most 253 bytes.
fn checked_name(value: &str, what: &str, warnings: &mut Vec<String>) -> Option<String> {
    let v = value.trim_end_matches('\0').trim();
    if v.is_empty() {
        return None;
    }
    let ok = v.len() <= 253
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Some(v.to_string())
    } else {
        warnings.push(format!(
            "{what} {:?} ignored: not a valid name",
            clean_text(v, 64)
        ));
        None
    }
}

/// Root paths and boot files: printable ASCII, no control characters.
fn checked_path(value: &str, warnings: &mut Vec<String>) -> Option<String> {
    let v = value.trim_end_matches('\0').trim();
    if v.is_empty() {
        return None;
    }
    if v.len() <= 1024 && v.chars().all(|c| c.is_ascii_graphic()) {
        Some(v.to_string())
    } else {
        warnings.push(format!(
            "path {:?} ignored: control characters, spaces or too long",
            clean_text(v, 64)
        ));
        None
    }
}

/// For log messages: printable, bounded.
fn clean_text(s: &str, max: usize) -> String {
    s.chars().filter(|c| !c.is_control()).take(max).collect()
}

#[cfg(test)]
mod tests;
