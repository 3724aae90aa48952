//! The DHCP transport: one UDP socket per interface, driving [`osr_core::dhcp::Client`].
//!
//! Each socket is bound to 0.0.0.0:68 on its interface (SO_BINDTODEVICE before bind,
//! so several interfaces can share the port) with SO_BROADCAST, and the client asks
//! for broadcast replies. That works before the interface has an address: the
//! kernel sends from 0.0.0.0 and accepts limited-broadcast replies. All interfaces
//! run at once in one poll(2) loop; the first lease wins (dracut's behaviour for
//! `ip=dhcp` with no interface named).

use std::net::{Ipv4Addr, SocketAddrV4, UdpSocket};
use std::os::fd::{AsFd, OwnedFd};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context, Result};
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::socket::{
    bind, setsockopt, socket, sockopt, AddressFamily, SockFlag, SockType, SockaddrIn,
};
use osr_core::dhcp::{Client, ClientConfig, Failure, Lease, Poll, Stats};
use osr_core::ip::Mac;

const SERVER_PORT: u16 = 67;
const CLIENT_PORT: u16 = 68;
/// Datagrams taken from one socket per wake-up. Then the client is polled again, so
/// its deadline is checked even while a flood keeps the socket readable.
const MAX_PER_WAKE: usize = 64;

/// What the caller wants from DHCP, common to every interface.
#[derive(Debug, Clone)]
pub struct Request {
    pub hostname: Option<String>,
    pub timeout: Duration,
    pub attempts: u32,
}

#[derive(Debug)]
pub struct Outcome {
    pub iface: String,
    pub mac: Mac,
    pub lease: Lease,
    pub stats: Stats,
    pub elapsed: Duration,
}

struct Port {
    iface: String,
    mac: Mac,
    socket: UdpSocket,
    client: Client,
    failed: Option<Failure>,
}

/// Runs DHCP on every `(iface, mac)` at once until one is bound or all failed.
/// The interfaces must be up.
pub fn obtain(ifaces: &[(String, Mac)], req: &Request) -> Result<Outcome> {
    if ifaces.is_empty() {
        bail!("no interface to run DHCP on");
    }
    let start = Instant::now();
    let seed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let mut ports = Vec::new();
    for (n, (iface, mac)) in ifaces.iter().enumerate() {
        let socket = open(iface).with_context(|| format!("opening the DHCP socket on {iface}"))?;
        let mut cfg = ClientConfig::new(*mac, xid(seed, *mac, n));
        cfg.seed = u64::from(cfg.xid) << 16 | 0x9e37;
        cfg.hostname = req.hostname.clone();
        cfg.timeout = req.timeout;
        cfg.attempts = req.attempts;
        ports.push(Port {
            iface: iface.clone(),
            mac: *mac,
            socket,
            client: Client::new(cfg, Duration::ZERO),
            failed: None,
        });
    }
    let broadcast = SocketAddrV4::new(Ipv4Addr::BROADCAST, SERVER_PORT);
    let mut buf = vec![0u8; 4096];
    loop {
        let now = start.elapsed();
        let mut wake = now + Duration::from_secs(3600);
        for p in ports.iter_mut().filter(|p| p.failed.is_none()) {
            loop {
                match p.client.poll(now) {
                    Poll::Send(bytes) => {
                        log::debug!("dhcp: {}: sending {} bytes", p.iface, bytes.len());
                        if let Err(e) = p.socket.send_to(&bytes, broadcast) {
                            log::warn!("dhcp: {}: send failed: {e}", p.iface);
                        }
                    }
                    Poll::WaitUntil(t) => {
                        wake = wake.min(t);
                        break;
                    }
                    Poll::Bound(lease) => {
                        return Ok(Outcome {
                            iface: p.iface.clone(),
                            mac: p.mac,
                            lease,
                            stats: p.client.stats().clone(),
                            elapsed: now,
                        })
                    }
                    Poll::Failed(f) => {
                        p.failed = Some(f);
                        break;
                    }
                }
            }
        }
        if ports.iter().all(|p| p.failed.is_some()) {
            let parts: Vec<String> = ports
                .iter()
                .filter_map(|p| p.failed.as_ref().map(|f| format!("{}: {f}", p.iface)))
                .collect();
            bail!("{}", parts.join("; "));
        }
        let wait = wake.saturating_sub(start.elapsed());
        let timeout = PollTimeout::try_from(
            u64::try_from(wait.as_millis().min(60_000)).unwrap_or(60_000) + 1,
        )
        .unwrap_or(PollTimeout::MAX);
        let ready: Vec<bool> = {
            let mut fds: Vec<PollFd> = ports
                .iter()
                .map(|p| PollFd::new(p.socket.as_fd(), PollFlags::POLLIN))
                .collect();
            match poll(&mut fds, timeout) {
                Ok(_) => fds
                    .iter()
                    .map(|f| f.revents().is_some_and(|r| r.contains(PollFlags::POLLIN)))
                    .collect(),
                Err(nix::errno::Errno::EINTR) => continue,
                Err(e) => return Err(e).context("poll on the DHCP sockets"),
            }
        };
        for (p, ready) in ports.iter_mut().zip(ready) {
            if !ready {
                continue;
            }
            receive_some(p, &mut buf, start);
        }
    }
}

/// Hands at most [`MAX_PER_WAKE`] queued datagrams to the client, each judged on
/// its own; returns how many.
fn receive_some(p: &mut Port, buf: &mut [u8], start: Instant) -> usize {
    let mut taken = 0;
    while taken < MAX_PER_WAKE {
        let Ok((len, from)) = p.socket.recv_from(buf) else {
            break;
        };
        taken += 1;
        let Some(datagram) = buf.get(..len) else {
            continue;
        };
        if let Err(why) = p.client.receive(datagram, start.elapsed()) {
            log::debug!("dhcp: {}: ignored a reply from {from}: {why}", p.iface);
        }
    }
    taken
}

fn open(iface: &str) -> Result<UdpSocket> {
    let fd: OwnedFd = socket(
        AddressFamily::Inet,
        SockType::Datagram,
        SockFlag::SOCK_CLOEXEC | SockFlag::SOCK_NONBLOCK,
        None,
    )
    .context("socket(AF_INET, SOCK_DGRAM)")?;
    setsockopt(&fd, sockopt::ReuseAddr, &true).context("SO_REUSEADDR")?;
    setsockopt(&fd, sockopt::Broadcast, &true).context("SO_BROADCAST")?;
    setsockopt(&fd, sockopt::BindToDevice, &std::ffi::OsString::from(iface))
        .context("SO_BINDTODEVICE")?;
    let addr = SockaddrIn::from(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, CLIENT_PORT));
    bind(std::os::fd::AsRawFd::as_raw_fd(&fd), &addr).context("bind 0.0.0.0:68")?;
    Ok(UdpSocket::from(fd))
}

/// A transaction id that differs per boot, per NIC and per interface slot.
fn xid(seed: u128, mac: Mac, n: usize) -> u32 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let bytes = seed.to_le_bytes();
    for b in bytes
        .iter()
        .chain(mac.0.iter())
        .chain(n.to_le_bytes().iter())
    {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    u32::try_from((h >> 32) ^ (h & 0xffff_ffff)).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A flood over loopback: each wake-up takes at most MAX_PER_WAKE datagrams.
    #[test]
    fn a_wake_up_takes_a_bounded_number_of_datagrams() {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        socket.set_nonblocking(true).unwrap();
        let to = socket.local_addr().unwrap();
        let sender = UdpSocket::bind("127.0.0.1:0").unwrap();
        let n = MAX_PER_WAKE + 36;
        for _ in 0..n {
            sender.send_to(&[2; 300], to).unwrap();
        }
        let mac = Mac([2, 0, 0, 0, 0, 1]);
        let mut p = Port {
            iface: "lo".into(),
            mac,
            socket,
            client: Client::new(ClientConfig::new(mac, 1), Duration::ZERO),
            failed: None,
        };
        let mut buf = vec![0u8; 4096];
        let start = Instant::now();
        assert_eq!(receive_some(&mut p, &mut buf, start), MAX_PER_WAKE);
        assert_eq!(receive_some(&mut p, &mut buf, start), 36);
        assert_eq!(receive_some(&mut p, &mut buf, start), 0);
        assert_eq!(p.client.stats().rejected, u32::try_from(n).unwrap());
    }
}
