//! Resolving the NFS server's name: the UDP half of `osr_core::dns`.
//!
//! Like a libc stub resolver (resolv.conf(5)): each candidate name from the search list
//! is asked of the servers in order, in rounds whose per-try wait doubles (1 s, 2 s,
//! 4 s, ... up to 16 s), all within one overall timeout. A reply that does not parse or
//! does not belong to our question is logged and ignored, and a late reply to an
//! earlier try of the same question still counts. NXDOMAIN (or a name without an A
//! record) moves on to the next candidate; SERVFAIL, REFUSED and the like move on to
//! the next server.
//!
//! Blocking `std::net` sockets on purpose: one lookup per boot does not earn an async
//! runtime. Not supported: AAAA lookups (an IPv6-only NFS server needs its address on
//! the command line) and TCP fallback for truncated replies.

use std::io::ErrorKind;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Result};
use osr_core::dns::{self, DnsError};

const DNS_PORT: u16 = 53;
const FIRST_TRY: Duration = Duration::from_secs(1);
/// The per-try wait stops doubling here (1 s << 4).
const MAX_DOUBLINGS: u32 = 4;
/// Larger than any reply to an A query without EDNS0 (512 bytes, RFC 1035 §4.2.1).
const RECV_BUF: usize = 4096;
const NO_SERVER: &str = "no nameserver known: give nameserver=<ip> or let DHCP provide option 6";

/// The address of `name`: an IP literal as is, otherwise the first A record the
/// `servers` give for one of its search candidates.
pub fn resolve(
    name: &str,
    servers: &[IpAddr],
    search: &[String],
    timeout: Duration,
) -> Result<IpAddr> {
    if let Ok(ip) = name.parse::<IpAddr>() {
        return Ok(ip);
    }
    let servers: Vec<SocketAddr> = servers
        .iter()
        .map(|ip| SocketAddr::new(*ip, DNS_PORT))
        .collect();
    resolve_with(name, &servers, search, timeout)
}

/// [`resolve`] with the servers' ports given, so tests can run servers on loopback.
fn resolve_with(
    name: &str,
    servers: &[SocketAddr],
    search: &[String],
    timeout: Duration,
) -> Result<IpAddr> {
    if servers.is_empty() {
        bail!("cannot resolve '{name}': {NO_SERVER}");
    }
    let start = Instant::now();
    // A timeout too large for the clock means "no limit": a day is as good.
    let deadline = start
        .checked_add(timeout)
        .unwrap_or_else(|| start + Duration::from_secs(86_400));
    let mut links: Vec<Link> = servers.iter().map(|addr| Link::new(*addr)).collect();
    let candidates = dns::candidates(name, search);
    let mut report = Vec::new();
    for candidate in &candidates {
        if Instant::now() >= deadline {
            report.push((
                candidate,
                format!("not asked: the {} timeout ran out", secs(timeout)),
            ));
            continue;
        }
        match ask_all(candidate, &mut links, deadline) {
            Ok((addr, server)) => {
                log::info!("resolved {name} as {candidate}: {addr} (nameserver {server})");
                return Ok(IpAddr::V4(addr));
            }
            Err(outcome) => report.push((candidate, outcome)),
        }
    }
    bail!("{}", failure_message(name, &report))
}

/// "cannot resolve 'x': <outcome>" for one candidate, one bracketed outcome per
/// candidate otherwise.
fn failure_message(name: &str, report: &[(&String, String)]) -> String {
    match report {
        [(_, outcome)] => format!("cannot resolve '{name}': {outcome}"),
        _ => {
            let parts: Vec<String> = report
                .iter()
                .map(|(candidate, outcome)| format!("as '{candidate}' [{outcome}]"))
                .collect();
            format!("cannot resolve '{name}': {}", parts.join(", "))
        }
    }
}

/// Where one server stands for the current candidate.
enum State {
    NotAsked,
    Silent { waited: Duration },
    Done(String),
}

/// Asks the servers for `candidate` in rounds until one answers it, the name is
/// known not to exist, every server has given up, or `deadline` passes. The error is
/// each asked server's outcome, `; `-separated.
fn ask_all(
    candidate: &str,
    links: &mut [Link],
    deadline: Instant,
) -> std::result::Result<(Ipv4Addr, SocketAddr), String> {
    if let Err(e) = dns::query(0, candidate) {
        return Err(e.to_string());
    }
    let mut states: Vec<State> = links.iter().map(|_| State::NotAsked).collect();
    let mut ids: Vec<Vec<u16>> = links.iter().map(|_| Vec::new()).collect();
    let mut per_try = FIRST_TRY;
    'rounds: for round in 0.. {
        let mut pending = false;
        for ((link, state), ids) in links.iter_mut().zip(&mut states).zip(&mut ids) {
            if matches!(state, State::Done(_)) {
                continue;
            }
            let wait = per_try.min(deadline.saturating_duration_since(Instant::now()));
            if wait.is_zero() {
                break 'rounds;
            }
            match link.exchange(candidate, wait, ids) {
                Reply::Addresses(addr) => return Ok((addr, link.addr)),
                Reply::Negative(e) => {
                    *state = State::Done(e.to_string());
                    break 'rounds;
                }
                Reply::GaveUp(why) => *state = State::Done(why),
                Reply::Silent => {
                    pending = true;
                    let waited = match state {
                        State::Silent { waited } => *waited + wait,
                        _ => wait,
                    };
                    *state = State::Silent { waited };
                }
            }
        }
        if !pending {
            break;
        }
        if round < MAX_DOUBLINGS {
            per_try *= 2;
        }
    }
    Err(outcomes(links, &states))
}

fn outcomes(links: &[Link], states: &[State]) -> String {
    let parts: Vec<String> = links
        .iter()
        .zip(states)
        .filter_map(|(link, state)| match state {
            State::NotAsked => None,
            State::Silent { waited } => Some(format!("{}: no answer in {}", link, secs(*waited))),
            State::Done(why) => Some(format!("{link}: {why}")),
        })
        .collect();
    parts.join("; ")
}

/// The result of one try with one server.
enum Reply {
    Addresses(Ipv4Addr),
    /// The name does not exist or has no address: the next candidate's turn.
    Negative(DnsError),
    /// This server will not answer this question: the next server's turn.
    GaveUp(String),
    /// Nothing usable arrived in time.
    Silent,
}

/// One server and the socket we talk to it through, opened on first use and kept so
/// that a late reply to an earlier try can still be read.
struct Link {
    addr: SocketAddr,
    socket: Option<UdpSocket>,
}

impl std::fmt::Display for Link {
    /// The server's address, with the port only when it is not 53.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.addr.port() == DNS_PORT {
            write!(f, "{}", self.addr.ip())
        } else {
            write!(f, "{}", self.addr)
        }
    }
}

impl Link {
    fn new(addr: SocketAddr) -> Self {
        Link { addr, socket: None }
    }

    /// A UDP socket connected to the server: the kernel then drops datagrams from
    /// other sources and reports an ICMP port unreachable as ECONNREFUSED.
    fn socket(&mut self) -> std::io::Result<&UdpSocket> {
        if self.socket.is_none() {
            let any = match self.addr {
                SocketAddr::V4(_) => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
                SocketAddr::V6(_) => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
            };
            let socket = UdpSocket::bind(SocketAddr::new(any, 0))?;
            socket.connect(self.addr)?;
            self.socket = Some(socket);
        }
        self.socket
            .as_ref()
            .ok_or_else(|| std::io::Error::other("socket vanished"))
    }

    /// Sends a fresh query for `candidate` and waits up to `wait` for a reply to it or
    /// to one of the earlier queries whose ids are in `ids`.
    fn exchange(&mut self, candidate: &str, wait: Duration, ids: &mut Vec<u16>) -> Reply {
        let server = self.to_string();
        let socket = match self.socket() {
            Ok(socket) => socket,
            Err(e) => return Reply::GaveUp(format!("cannot open a UDP socket: {e}")),
        };
        let id = next_id();
        let query = match dns::query(id, candidate) {
            Ok(query) => query,
            Err(e) => return Reply::GaveUp(e.to_string()),
        };
        log::debug!("dns: asking {server} for {candidate} (id {id}, waiting {wait:?})");
        if let Err(e) = socket.send(&query) {
            return Reply::GaveUp(format!("cannot send the query: {e}"));
        }
        ids.push(id);
        let until = Instant::now() + wait;
        let mut buf = [0u8; RECV_BUF];
        loop {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Reply::Silent;
            }
            if let Err(e) = socket.set_read_timeout(Some(left)) {
                return Reply::GaveUp(format!("cannot set the socket timeout: {e}"));
            }
            let packet = match socket.recv(&mut buf) {
                Ok(n) => buf.get(..n).unwrap_or_default(),
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    return Reply::Silent
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) if e.kind() == ErrorKind::ConnectionRefused => {
                    return Reply::GaveUp(
                        "nothing listens on its DNS port (ICMP unreachable)".into(),
                    )
                }
                Err(e) => return Reply::GaveUp(format!("cannot receive: {e}")),
            };
            // Accept a reply to any try of this question; parse_response checks the
            // id against the newest one otherwise, and says so.
            let expected = match packet {
                [hi, lo, ..] if ids.contains(&u16::from_be_bytes([*hi, *lo])) => {
                    u16::from_be_bytes([*hi, *lo])
                }
                _ => id,
            };
            match dns::parse_response(expected, candidate, packet) {
                Ok(addrs) => match addrs.first() {
                    Some(addr) => return Reply::Addresses(*addr),
                    None => return Reply::GaveUp("empty address list".into()),
                },
                Err(e @ (DnsError::NoSuchName | DnsError::NoAddress { .. })) => {
                    return Reply::Negative(e)
                }
                Err(
                    e @ (DnsError::ServerFailure
                    | DnsError::Refused
                    | DnsError::OtherRcode(_)
                    | DnsError::Truncated
                    | DnsError::CnameLoop(_)),
                ) => return Reply::GaveUp(e.to_string()),
                Err(
                    e @ (DnsError::WrongId { .. }
                    | DnsError::NotReply
                    | DnsError::QuestionMismatch { .. }
                    | DnsError::Malformed(_)
                    | DnsError::InvalidName { .. }),
                ) => log::debug!("dns: ignoring a reply from {server}: {e}"),
            }
        }
    }
}

/// A query id from the clock and a counter: unpredictable enough for a boot-time
/// lookup on the cluster network, distinct between consecutive queries, and no
/// random-number crate.
fn next_id() -> u16 {
    static COUNTER: AtomicU16 = AtomicU16::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let [a, b, c, _] = nanos.to_le_bytes();
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    u16::from_le_bytes([a ^ c, b]) ^ count.wrapping_mul(0x9e37)
}

/// "7 s", or "1.5 s" when not whole.
fn secs(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc::{channel, Receiver};
    use std::thread;

    use super::*;

    const A: [u8; 4] = [10, 0, 0, 5];

    /// The question name of a query (uncompressed, as ours are).
    fn qname(query: &[u8]) -> String {
        let mut labels = Vec::new();
        let mut pos = 12;
        while query[pos] != 0 {
            let len = usize::from(query[pos]);
            labels.push(String::from_utf8_lossy(&query[pos + 1..pos + 1 + len]).into_owned());
            pos += 1 + len;
        }
        labels.join(".")
    }

    /// A reply to `query` with `rcode` and one A record per address, owned by the
    /// question name through a compression pointer.
    fn reply(query: &[u8], rcode: u16, addrs: &[[u8; 4]]) -> Vec<u8> {
        let an = u16::try_from(addrs.len()).unwrap();
        let mut p = query[..2].to_vec();
        for field in [0x8180 | rcode, 1, an, 0, 0] {
            p.extend(field.to_be_bytes());
        }
        p.extend(&query[12..]);
        for addr in addrs {
            p.extend([0xc0, 12, 0, 1, 0, 1, 0, 0, 1, 44, 0, 4]);
            p.extend(addr);
        }
        p
    }

    /// A DNS server on loopback; `answer` gets each query's name and bytes and
    /// returns the datagrams to send back. It stops after 10 s without a query.
    fn serve(
        answer: impl Fn(&str, &[u8]) -> Vec<Vec<u8>> + Send + 'static,
    ) -> (SocketAddr, Receiver<String>) {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        socket
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let addr = socket.local_addr().unwrap();
        let (seen, names) = channel();
        thread::spawn(move || {
            let mut buf = [0u8; 512];
            while let Ok((n, peer)) = socket.recv_from(&mut buf) {
                let query = &buf[..n];
                let name = qname(query);
                // Recorded before replying, so the client's caller sees every name.
                let _ = seen.send(name.clone());
                for datagram in answer(&name, query) {
                    socket.send_to(&datagram, peer).unwrap();
                }
            }
        });
        (addr, names)
    }

    fn search(domains: &[&str]) -> Vec<String> {
        domains.iter().map(|d| d.to_string()).collect()
    }

    #[test]
    fn ip_literals_need_no_server() {
        let timeout = Duration::from_secs(1);
        assert_eq!(
            resolve("10.1.2.3", &[], &[], timeout).unwrap(),
            "10.1.2.3".parse::<IpAddr>().unwrap()
        );
        assert_eq!(
            resolve("fd00::1", &[], &[], timeout).unwrap(),
            "fd00::1".parse::<IpAddr>().unwrap()
        );
    }

    #[test]
    fn no_server_known() {
        let err = resolve("nfs1", &[], &[], Duration::from_secs(1)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot resolve 'nfs1': no nameserver known: give nameserver=<ip> \
             or let DHCP provide option 6"
        );
    }

    #[test]
    fn answer_from_server() {
        let (addr, names) = serve(|name, q| {
            assert_eq!(name, "nfs1.example.com");
            vec![reply(q, 0, &[A, [10, 0, 0, 6]])]
        });
        let ip = resolve_with("nfs1.example.com", &[addr], &[], Duration::from_secs(5)).unwrap();
        assert_eq!(ip, IpAddr::from(A));
        assert_eq!(names.recv().unwrap(), "nfs1.example.com");
    }

    #[test]
    fn nxdomain_then_next_search_domain() {
        let (addr, names) = serve(|name, q| match name {
            "nfs1.b.test" => vec![reply(q, 0, &[A])],
            _ => vec![reply(q, 3, &[])],
        });
        let domains = search(&["a.test", "b.test"]);
        let ip = resolve_with("nfs1", &[addr], &domains, Duration::from_secs(5)).unwrap();
        assert_eq!(ip, IpAddr::from(A));
        let asked: Vec<String> = names.try_iter().collect();
        assert_eq!(asked, ["nfs1.a.test", "nfs1.b.test"]);
    }

    #[test]
    fn every_candidate_fails() {
        let (addr, _names) = serve(|name, q| match name {
            "nfs1.a.test" => vec![reply(q, 3, &[])],
            _ => vec![reply(q, 2, &[])],
        });
        let domains = search(&["a.test"]);
        let err = resolve_with("nfs1", &[addr], &domains, Duration::from_secs(5)).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "cannot resolve 'nfs1': as 'nfs1.a.test' [{addr}: no such name (NXDOMAIN)], \
                 as 'nfs1' [{addr}: server failure (SERVFAIL, rcode 2): the server could not \
                 resolve the name]"
            )
        );
    }

    #[test]
    fn silent_server_times_out() {
        // Bound but never read: queries sit in its buffer unanswered.
        let silent = UdpSocket::bind("127.0.0.1:0").unwrap();
        let addr = silent.local_addr().unwrap();
        let start = Instant::now();
        let err = resolve_with("nfs1", &[addr], &[], Duration::from_millis(1500)).unwrap_err();
        let took = start.elapsed();
        assert!(took >= Duration::from_millis(1500), "{took:?}");
        assert!(took < Duration::from_millis(2500), "{took:?}");
        assert_eq!(
            err.to_string(),
            format!("cannot resolve 'nfs1': {addr}: no answer in 1.5 s")
        );
        // A second try went out after the first second.
        silent.set_nonblocking(true).unwrap();
        let mut buf = [0u8; 512];
        let mut tries = 0;
        while silent.recv(&mut buf).is_ok() {
            tries += 1;
        }
        assert_eq!(tries, 2);
    }

    #[test]
    fn silent_first_server_then_second() {
        let silent = UdpSocket::bind("127.0.0.1:0").unwrap();
        let (addr, _names) = serve(|_, q| vec![reply(q, 0, &[A])]);
        let start = Instant::now();
        let servers = [silent.local_addr().unwrap(), addr];
        let ip = resolve_with("nfs1", &servers, &[], Duration::from_secs(10)).unwrap();
        assert_eq!(ip, IpAddr::from(A));
        // The first server gets the first try's full second, no more.
        let took = start.elapsed();
        assert!(
            took >= FIRST_TRY && took < Duration::from_millis(1900),
            "{took:?}"
        );
    }

    #[test]
    fn servfail_then_next_server() {
        let (failing, _a) = serve(|_, q| vec![reply(q, 2, &[])]);
        let (good, _b) = serve(|_, q| vec![reply(q, 0, &[A])]);
        let ip = resolve_with("nfs1", &[failing, good], &[], Duration::from_secs(5)).unwrap();
        assert_eq!(ip, IpAddr::from(A));
    }

    #[test]
    fn wrong_id_then_right_reply() {
        let (addr, _names) = serve(|_, q| {
            let mut wrong = reply(q, 0, &[[10, 9, 9, 9]]);
            wrong[1] ^= 0x5a;
            let mut other_question = reply(q, 0, &[[10, 8, 8, 8]]);
            other_question[13] = b'x';
            vec![
                wrong,
                other_question,
                b"garbage".to_vec(),
                reply(q, 0, &[A]),
            ]
        });
        let start = Instant::now();
        let ip = resolve_with("nfs1", &[addr], &[], Duration::from_secs(5)).unwrap();
        assert_eq!(ip, IpAddr::from(A));
        assert!(start.elapsed() < FIRST_TRY, "waited for a retry");
    }

    #[test]
    fn late_reply_to_first_try_counts() {
        // Answers only the first query, after the client's first try has given up.
        let first = std::sync::atomic::AtomicBool::new(true);
        let (addr, _names) = serve(move |_, q| {
            if first.swap(false, Ordering::SeqCst) {
                thread::sleep(Duration::from_millis(1300));
                vec![reply(q, 0, &[[10, 0, 0, 7]])]
            } else {
                vec![]
            }
        });
        let ip = resolve_with("nfs1", &[addr], &[], Duration::from_secs(5)).unwrap();
        assert_eq!(ip, IpAddr::from([10, 0, 0, 7]));
    }

    #[test]
    fn closed_port_is_reported() {
        let addr = UdpSocket::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let start = Instant::now();
        let err = resolve_with("nfs1", &[addr], &[], Duration::from_secs(5)).unwrap_err();
        assert!(start.elapsed() < FIRST_TRY);
        assert_eq!(
            err.to_string(),
            format!(
                "cannot resolve 'nfs1': {addr}: nothing listens on its DNS port (ICMP unreachable)"
            )
        );
    }

    #[test]
    fn invalid_name_is_not_sent() {
        let (addr, names) = serve(|_, q| vec![reply(q, 0, &[A])]);
        let err = resolve_with("nfs 1", &[addr], &[], Duration::from_secs(5)).unwrap_err();
        assert!(
            err.to_string().contains("invalid host name 'nfs 1'"),
            "{err}"
        );
        assert!(names.try_recv().is_err());
    }

    #[test]
    fn server_display_hides_port_53() {
        let link = Link::new("10.0.0.1:53".parse().unwrap());
        assert_eq!(link.to_string(), "10.0.0.1");
        let link = Link::new("[fd00::1]:5353".parse().unwrap());
        assert_eq!(link.to_string(), "[fd00::1]:5353");
    }

    #[test]
    fn ids_differ() {
        let ids: Vec<u16> = (0..64).map(|_| next_id()).collect();
        let mut unique = ids.clone();
        unique.sort_unstable();
        unique.dedup();
        assert!(unique.len() >= 60, "{ids:?}");
    }
}
