use std::net::Ipv4Addr;
use std::time::Duration;

use dhcproto::v4::{DhcpOption, Message, MessageType, Opcode, OptionCode};
use dhcproto::{Decodable, Encodable};

use super::*;

const MAC: Mac = Mac([0x52, 0x54, 0x00, 0x12, 0x34, 0x56]);
const SERVER: Ipv4Addr = Ipv4Addr::new(10, 66, 0, 1);
const OFFERED: Ipv4Addr = Ipv4Addr::new(10, 66, 0, 50);

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn client(timeout: u64, attempts: u32) -> Client {
    let mut cfg = ClientConfig::new(MAC, 0x1234_5678);
    cfg.timeout = secs(timeout);
    cfg.attempts = attempts;
    cfg.hostname = Some("node7".into());
    Client::new(cfg, Duration::ZERO)
}

fn sent(poll: Poll) -> Message {
    match poll {
        Poll::Send(bytes) => Message::from_bytes(&bytes).unwrap(),
        other => panic!("expected a datagram, got {other:?}"),
    }
}

/// A server's reply to `req`.
fn reply(req: &Message, kind: MessageType, extra: Vec<DhcpOption>) -> Vec<u8> {
    let mut m = Message::default();
    m.set_opcode(Opcode::BootReply)
        .set_xid(req.xid())
        .set_chaddr(&req.chaddr()[..6])
        .set_yiaddr(OFFERED)
        .set_siaddr(Ipv4Addr::new(10, 66, 0, 2));
    m.opts_mut().insert(DhcpOption::MessageType(kind));
    m.opts_mut().insert(DhcpOption::ServerIdentifier(SERVER));
    m.opts_mut().insert(DhcpOption::AddressLeaseTime(600));
    for o in extra {
        m.opts_mut().insert(o);
    }
    m.to_vec().unwrap()
}

fn full_options() -> Vec<DhcpOption> {
    vec![
        DhcpOption::SubnetMask(Ipv4Addr::new(255, 255, 255, 0)),
        DhcpOption::Router(vec![Ipv4Addr::new(10, 66, 0, 1)]),
        DhcpOption::DomainNameServer(vec![
            Ipv4Addr::new(10, 66, 0, 3),
            Ipv4Addr::new(10, 66, 0, 4),
        ]),
        DhcpOption::Hostname("node7".into()),
        DhcpOption::DomainName("cluster.example".into()),
        DhcpOption::RootPath("nfs4:10.66.0.1:/export/%s".into()),
        DhcpOption::InterfaceMtu(1400),
        DhcpOption::BroadcastAddr(Ipv4Addr::new(10, 66, 0, 255)),
        DhcpOption::AddressLeaseTime(600),
        DhcpOption::BootfileName(b"pxelinux.0".to_vec()),
        DhcpOption::TFTPServerName(b"tftp1".to_vec()),
    ]
}

/// DISCOVER -> OFFER -> REQUEST -> ACK; returns the lease.
fn exchange(c: &mut Client, ack_options: Vec<DhcpOption>) -> Lease {
    let discover = sent(c.poll(secs(0)));
    c.receive(&reply(&discover, MessageType::Offer, vec![]), secs(1))
        .unwrap();
    let request = sent(c.poll(secs(1)));
    c.receive(&reply(&request, MessageType::Ack, ack_options), secs(1))
        .unwrap();
    match c.poll(secs(1)) {
        Poll::Bound(lease) => lease,
        other => panic!("not bound: {other:?}"),
    }
}

#[test]
fn discover_carries_what_the_issue_asks_for() {
    let mut c = client(60, 1);
    let d = sent(c.poll(secs(0)));
    assert_eq!(d.opcode(), Opcode::BootRequest);
    assert_eq!(d.xid(), 0x1234_5678);
    assert_eq!(&d.chaddr()[..6], &MAC.0);
    assert!(d.flags().broadcast());
    assert_eq!(d.opts().msg_type(), Some(MessageType::Discover));
    assert_eq!(
        d.opts().get(OptionCode::ClientIdentifier),
        Some(&DhcpOption::ClientIdentifier(vec![
            1, 0x52, 0x54, 0, 0x12, 0x34, 0x56
        ]))
    );
    let Some(DhcpOption::ParameterRequestList(prl)) =
        d.opts().get(OptionCode::ParameterRequestList)
    else {
        panic!("no option 55")
    };
    for code in [1u8, 3, 6, 12, 15, 17, 26, 28, 51, 54, 66, 67, 119, 121] {
        assert!(
            prl.contains(&OptionCode::from(code)),
            "option {code} not requested"
        );
    }
    let Some(DhcpOption::ClassIdentifier(vc)) = d.opts().get(OptionCode::ClassIdentifier) else {
        panic!("no option 60")
    };
    assert!(String::from_utf8_lossy(vc).starts_with("osr-rs"));
    assert_eq!(
        d.opts().get(OptionCode::Hostname),
        Some(&DhcpOption::Hostname("node7".into()))
    );
}

#[test]
fn a_whole_exchange_gives_every_option() {
    let mut c = client(60, 1);
    let discover = sent(c.poll(secs(0)));
    c.receive(&reply(&discover, MessageType::Offer, vec![]), secs(1))
        .unwrap();
    let request = sent(c.poll(secs(1)));
    assert_eq!(request.opts().msg_type(), Some(MessageType::Request));
    assert_eq!(request.xid(), discover.xid());
    assert_eq!(
        request.opts().get(OptionCode::RequestedIpAddress),
        Some(&DhcpOption::RequestedIpAddress(OFFERED))
    );
    assert_eq!(
        request.opts().get(OptionCode::ServerIdentifier),
        Some(&DhcpOption::ServerIdentifier(SERVER))
    );
    c.receive(&reply(&request, MessageType::Ack, full_options()), secs(2))
        .unwrap();
    let Poll::Bound(lease) = c.poll(secs(2)) else {
        panic!("not bound")
    };
    assert_eq!(
        lease,
        Lease {
            address: OFFERED,
            prefix: 24,
            router: Some(Ipv4Addr::new(10, 66, 0, 1)),
            routes: vec![],
            dns: vec![Ipv4Addr::new(10, 66, 0, 3), Ipv4Addr::new(10, 66, 0, 4)],
            hostname: Some("node7".into()),
            domain: Some("cluster.example".into()),
            search: vec![],
            root_path: Some("nfs4:10.66.0.1:/export/%s".into()),
            mtu: Some(1400),
            broadcast: Some(Ipv4Addr::new(10, 66, 0, 255)),
            lease_secs: Some(600),
            server_id: SERVER,
            next_server: Some(Ipv4Addr::new(10, 66, 0, 2)),
            tftp_server: Some("tftp1".into()),
            bootfile: Some("pxelinux.0".into()),
            warnings: vec![],
        }
    );
    assert_eq!(c.stats().discovers, 1);
    assert_eq!(c.stats().requests, 1);
}

#[test]
fn classless_routes_take_precedence_over_option_3() {
    let mut c = client(60, 1);
    let net = |a, p| ipnet::Ipv4Net::new(a, p).unwrap();
    let lease = exchange(
        &mut c,
        vec![
            DhcpOption::SubnetMask(Ipv4Addr::new(255, 255, 255, 0)),
            DhcpOption::Router(vec![Ipv4Addr::new(10, 66, 0, 1)]),
            DhcpOption::ClasslessStaticRoute(vec![
                (
                    net(Ipv4Addr::new(0, 0, 0, 0), 0),
                    Ipv4Addr::new(10, 66, 0, 254),
                ),
                (
                    net(Ipv4Addr::new(10, 99, 0, 0), 16),
                    Ipv4Addr::new(10, 66, 0, 9),
                ),
            ]),
        ],
    );
    assert_eq!(lease.router, Some(Ipv4Addr::new(10, 66, 0, 254)));
    assert_eq!(
        lease.routes,
        vec![(Ipv4Addr::new(10, 99, 0, 0), 16, Ipv4Addr::new(10, 66, 0, 9))]
    );
}

#[test]
fn retransmissions_follow_rfc_2131_and_the_timeout_is_bounded() {
    let mut c = client(60, 1);
    let mut now = Duration::ZERO;
    let mut sends = vec![];
    let failure = loop {
        match c.poll(now) {
            Poll::Send(_) => sends.push(now),
            Poll::WaitUntil(t) => {
                assert!(t > now, "WaitUntil must move forward");
                now = t;
            }
            Poll::Failed(f) => break f,
            Poll::Bound(_) => panic!("bound without a server"),
        }
    };
    assert_eq!(now, secs(60), "gives up exactly at the timeout");
    let gaps: Vec<f64> = sends
        .windows(2)
        .map(|w| (w[1] - w[0]).as_secs_f64())
        .collect();
    for (gap, base) in gaps.iter().zip([4.0, 8.0, 16.0, 32.0]) {
        assert!(
            (base - 1.0..=base + 1.0).contains(gap),
            "gap {gap} not {base}±1 ({gaps:?})"
        );
    }
    assert_eq!(failure.stats.discovers, u32::try_from(sends.len()).unwrap());
    assert!(sends.len() >= 4, "{sends:?}");
    let text = failure.to_string();
    assert!(text.contains("no lease after 60 s"), "{text}");
    assert!(text.contains("no OFFER"), "{text}");
}

#[test]
fn interval_is_capped_at_64_seconds() {
    let mut c = client(400, 1);
    let mut now = Duration::ZERO;
    let mut sends = vec![];
    loop {
        match c.poll(now) {
            Poll::Send(_) => sends.push(now),
            Poll::WaitUntil(t) => now = t,
            _ => break,
        }
    }
    let max_gap = sends.windows(2).map(|w| w[1] - w[0]).max().unwrap();
    assert!(max_gap <= secs(65) && max_gap >= secs(63), "{max_gap:?}");
}

#[test]
fn nak_starts_over_with_discover() {
    let mut c = client(60, 1);
    let d1 = sent(c.poll(secs(0)));
    c.receive(&reply(&d1, MessageType::Offer, vec![]), secs(0))
        .unwrap();
    let r1 = sent(c.poll(secs(0)));
    c.receive(
        &reply(
            &r1,
            MessageType::Nak,
            vec![DhcpOption::Message("wrong network\n".into())],
        ),
        secs(1),
    )
    .unwrap();
    let d2 = sent(c.poll(secs(1)));
    assert_eq!(d2.opts().msg_type(), Some(MessageType::Discover));
    c.receive(&reply(&d2, MessageType::Offer, vec![]), secs(2))
        .unwrap();
    let r2 = sent(c.poll(secs(2)));
    c.receive(&reply(&r2, MessageType::Ack, full_options()), secs(2))
        .unwrap();
    assert!(matches!(c.poll(secs(2)), Poll::Bound(_)));
    assert_eq!(c.stats().naks, 1);
    assert_eq!(c.stats().discovers, 2);
}

#[test]
fn naks_only_fail_with_the_servers_message() {
    let mut c = client(20, 1);
    let mut now = Duration::ZERO;
    let failure = loop {
        match c.poll(now) {
            Poll::Send(bytes) => {
                let m = Message::from_bytes(&bytes).unwrap();
                let kind = match m.opts().msg_type() {
                    Some(MessageType::Discover) => MessageType::Offer,
                    _ => MessageType::Nak,
                };
                let extra = vec![DhcpOption::Message("address in use".into())];
                c.receive(&reply(&m, kind, extra), now).unwrap();
                now += Duration::from_millis(700);
            }
            Poll::WaitUntil(t) => now = t,
            Poll::Failed(f) => break f,
            Poll::Bound(_) => panic!("bound on NAKs"),
        }
    };
    let text = failure.to_string();
    assert!(
        text.contains("NAKs") && text.contains("address in use"),
        "{text}"
    );
}

#[test]
fn unanswered_requests_go_back_to_discover() {
    let mut c = client(120, 1);
    let d = sent(c.poll(secs(0)));
    c.receive(&reply(&d, MessageType::Offer, vec![]), secs(0))
        .unwrap();
    let mut now = secs(0);
    let mut kinds = vec![];
    while kinds.len() < 6 {
        match c.poll(now) {
            Poll::Send(b) => {
                kinds.push(Message::from_bytes(&b).unwrap().opts().msg_type().unwrap())
            }
            Poll::WaitUntil(t) => now = t,
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(
        kinds,
        [
            MessageType::Request,
            MessageType::Request,
            MessageType::Request,
            MessageType::Request,
            MessageType::Discover,
            MessageType::Discover
        ]
    );
}

#[test]
fn a_second_attempt_uses_a_new_xid_and_the_total_is_bounded() {
    let mut c = client(10, 2);
    let mut now = Duration::ZERO;
    let mut xids = vec![];
    let failure = loop {
        match c.poll(now) {
            Poll::Send(b) => xids.push(Message::from_bytes(&b).unwrap().xid()),
            Poll::WaitUntil(t) => now = t,
            Poll::Failed(f) => break f,
            Poll::Bound(_) => panic!(),
        }
    };
    assert_eq!(now, secs(20));
    assert_eq!(failure.attempts, 2);
    assert!(
        xids.contains(&0x1234_5678) && xids.contains(&0x1234_5679),
        "{xids:x?}"
    );
}

#[test]
fn rogue_replies_are_ignored() {
    let mut c = client(60, 1);
    let d = sent(c.poll(secs(0)));
    let good = reply(&d, MessageType::Offer, vec![]);

    let mut wrong_xid = Message::from_bytes(&good).unwrap();
    wrong_xid.set_xid(d.xid() ^ 1);
    assert!(matches!(
        c.receive(&wrong_xid.to_vec().unwrap(), secs(1)),
        Err(Reject::Xid { .. })
    ));

    let mut wrong_mac = Message::from_bytes(&good).unwrap();
    wrong_mac.set_chaddr(&[2, 0, 0, 0, 0, 1]);
    assert_eq!(
        c.receive(&wrong_mac.to_vec().unwrap(), secs(1)),
        Err(Reject::Chaddr)
    );

    let mut request_op = Message::from_bytes(&good).unwrap();
    request_op.set_opcode(Opcode::BootRequest);
    assert_eq!(
        c.receive(&request_op.to_vec().unwrap(), secs(1)),
        Err(Reject::NotReply)
    );

    let ack_first = reply(&d, MessageType::Ack, vec![]);
    assert!(matches!(
        c.receive(&ack_first, secs(1)),
        Err(Reject::Unexpected(..))
    ));

    // Every truncation and a spray of bit flips: rejected or accepted, never a panic.
    for len in 0..good.len() {
        let mut probe = c.clone();
        let _ = probe.receive(&good[..len], secs(1));
    }
    for i in 0..good.len() {
        let mut flipped = good.clone();
        flipped[i] ^= 0xa5;
        let mut probe = c.clone();
        let _ = probe.receive(&flipped, secs(1));
    }
    // An option whose length runs past the end, and oversized garbage.
    let mut overrun = good.clone();
    overrun.truncate(overrun.len() - 1);
    overrun.extend_from_slice(&[12, 200, b'x']);
    assert!(matches!(
        c.clone().receive(&overrun, secs(1)),
        Err(Reject::Malformed(_))
    ));
    let mut cut = good.clone();
    cut.truncate(246);
    assert!(matches!(
        c.clone().receive(&cut, secs(1)),
        Err(Reject::Malformed(_))
    ));
    let mut garbage = good[..240].to_vec();
    garbage.extend((0..1500u32).map(|i| u8::try_from(i * 7 % 251).unwrap()));
    let _ = c.clone().receive(&garbage, secs(1));
    let no_cookie = &good[..236];
    assert!(c.clone().receive(no_cookie, secs(1)).is_err());
    let mut zero_cookie = good.clone();
    zero_cookie[236..240].copy_from_slice(&[0, 0, 0, 0]);
    assert!(matches!(
        c.clone().receive(&zero_cookie, secs(1)),
        Err(Reject::Malformed(_))
    ));

    // Still selecting: the real OFFER is taken.
    assert!(matches!(c.poll(secs(1)), Poll::WaitUntil(_)));
    c.receive(&good, secs(1)).unwrap();
    assert_eq!(
        sent(c.poll(secs(1))).opts().msg_type(),
        Some(MessageType::Request)
    );
    assert!(c.stats().rejected >= 4);
}

#[test]
fn ack_from_another_server_is_ignored() {
    let mut c = client(60, 1);
    let d = sent(c.poll(secs(0)));
    c.receive(&reply(&d, MessageType::Offer, vec![]), secs(0))
        .unwrap();
    let r = sent(c.poll(secs(0)));
    let mut other = Message::from_bytes(&reply(&r, MessageType::Ack, vec![])).unwrap();
    other
        .opts_mut()
        .insert(DhcpOption::ServerIdentifier(Ipv4Addr::new(10, 66, 0, 66)));
    assert!(matches!(
        c.receive(&other.to_vec().unwrap(), secs(0)),
        Err(Reject::OtherServer { .. })
    ));
}

#[test]
fn hostile_strings_are_dropped_with_a_warning() {
    let mut c = client(60, 1);
    let lease = exchange(
        &mut c,
        vec![
            DhcpOption::Hostname("evil\nnameserver 6.6.6.6".into()),
            DhcpOption::RootPath("/export/x\n/etc".into()),
            DhcpOption::DomainName("ok.example".into()),
            DhcpOption::SubnetMask(Ipv4Addr::new(255, 0, 255, 0)),
        ],
    );
    assert_eq!(lease.hostname, None);
    assert_eq!(lease.root_path, None);
    assert_eq!(lease.domain.as_deref(), Some("ok.example"));
    assert_eq!(
        lease.prefix, 8,
        "a non-contiguous mask falls back to the class"
    );
    assert_eq!(lease.warnings.len(), 3, "{:?}", lease.warnings);
}

#[test]
fn prefix_of_masks() {
    assert_eq!(prefix_of(Ipv4Addr::new(255, 255, 255, 0)), Some(24));
    assert_eq!(prefix_of(Ipv4Addr::new(255, 255, 255, 255)), Some(32));
    assert_eq!(prefix_of(Ipv4Addr::new(0, 0, 0, 0)), Some(0));
    assert_eq!(prefix_of(Ipv4Addr::new(255, 255, 128, 0)), Some(17));
    assert_eq!(prefix_of(Ipv4Addr::new(255, 0, 255, 0)), None);
}

#[test]
fn lease_fields_for_the_record() {
    let lease = Lease {
        address: OFFERED,
        prefix: 24,
        server_id: SERVER,
        dns: vec![Ipv4Addr::new(1, 2, 3, 4), Ipv4Addr::new(5, 6, 7, 8)],
        ..Lease::default()
    };
    let f = lease.fields();
    assert_eq!(
        f,
        vec![
            ("ADDRESS", "10.66.0.50".to_string()),
            ("PREFIX", "24".to_string()),
            ("DNS", "1.2.3.4 5.6.7.8".to_string()),
            ("SERVER_ID", "10.66.0.1".to_string()),
        ]
    );
}

#[test]
fn a_huge_hlen_does_not_panic() {
    let mut c = client(60, 1);
    let d = sent(c.poll(secs(0)));
    let mut bad = reply(&d, MessageType::Offer, vec![]);
    bad[2] = 200;
    assert_eq!(c.receive(&bad, secs(0)), Err(Reject::Chaddr));
}

#[test]
fn offers_and_acks_without_a_lease_time_are_refused() {
    let mut c = client(60, 1);
    let d = sent(c.poll(secs(0)));
    let mut m = Message::from_bytes(&reply(&d, MessageType::Offer, vec![])).unwrap();
    m.opts_mut().remove(OptionCode::AddressLeaseTime);
    assert!(matches!(
        c.receive(&m.to_vec().unwrap(), secs(0)),
        Err(Reject::BadOffer(_))
    ));
    c.receive(&reply(&d, MessageType::Offer, vec![]), secs(0))
        .unwrap();
    let r = sent(c.poll(secs(0)));
    let mut m = Message::from_bytes(&reply(&r, MessageType::Ack, vec![])).unwrap();
    m.opts_mut().remove(OptionCode::AddressLeaseTime);
    assert!(c.receive(&m.to_vec().unwrap(), secs(0)).is_err());
    assert!(
        matches!(c.poll(secs(0)), Poll::WaitUntil(_)),
        "still waiting for a proper ACK"
    );
}

/// `reply` with `raw` options put in before its END.
fn with_raw_options(mut packet: Vec<u8>, raw: &[u8]) -> Vec<u8> {
    let end = packet.iter().rposition(|b| *b == 255).unwrap();
    packet.splice(end..end, raw.iter().copied());
    packet
}

/// Found by the `dhcp` fuzz target: dhcproto only `debug_assert!`s the length of
/// options 80, 81, 94 and 152-155, so a debug build panicked on an OFFER carrying
/// option 153 of 1 byte. A wrong length (of the joined RFC 3396 run) is malformed.
#[test]
fn options_dhcproto_asserts_on_are_length_checked() {
    let bad: &[&[u8]] = &[
        &[153, 1, 0],
        &[152, 2, 0, 0, 152, 1, 0],
        &[80, 1, 0],
        &[81, 2, 0, 0],
        &[94, 4, 1, 2, 3, 4],
        &[155, 0],
    ];
    for raw in bad {
        let mut c = client(60, 1);
        let d = sent(c.poll(secs(0)));
        let offer = with_raw_options(reply(&d, MessageType::Offer, vec![]), raw);
        assert!(
            matches!(c.receive(&offer, secs(0)), Err(Reject::Malformed(_))),
            "{raw:?}"
        );
    }
    let good: &[&[u8]] = &[
        &[153, 4, 0, 0, 0, 1],
        &[152, 2, 0, 0, 152, 2, 0, 1],
        &[80, 0],
    ];
    for raw in good {
        let mut c = client(60, 1);
        let d = sent(c.poll(secs(0)));
        let offer = with_raw_options(reply(&d, MessageType::Offer, vec![]), raw);
        assert_eq!(c.receive(&offer, secs(0)), Ok(()), "{raw:?}");
    }
}

const OTHER: Ipv4Addr = Ipv4Addr::new(10, 66, 0, 66);

/// `reply`, then option 54 set to `sid` (or removed when `None`).
fn reply_from(
    req: &Message,
    kind: MessageType,
    sid: Option<Ipv4Addr>,
    extra: Vec<DhcpOption>,
) -> Vec<u8> {
    let mut m = Message::from_bytes(&reply(req, kind, extra)).unwrap();
    m.opts_mut().remove(OptionCode::ServerIdentifier);
    if let Some(s) = sid {
        m.opts_mut().insert(DhcpOption::ServerIdentifier(s));
    }
    m.to_vec().unwrap()
}

/// DISCOVER -> OFFER from SERVER -> the REQUEST, the client now in REQUESTING.
fn requesting(c: &mut Client) -> Message {
    let d = sent(c.poll(secs(0)));
    c.receive(&reply(&d, MessageType::Offer, vec![]), secs(0))
        .unwrap();
    sent(c.poll(secs(0)))
}

#[test]
fn an_ack_without_a_server_id_is_ignored() {
    let mut c = client(60, 1);
    let r = requesting(&mut c);
    let rogue = reply_from(
        &r,
        MessageType::Ack,
        None,
        vec![DhcpOption::RootPath("10.66.0.66:/evil".into())],
    );
    let why = c
        .receive(&rogue, secs(0))
        .expect_err("an ACK without option 54 was taken");
    assert!(why.to_string().contains("option 54"), "{why}");
    assert!(
        matches!(c.poll(secs(0)), Poll::WaitUntil(_)),
        "still requesting"
    );
    c.receive(&reply(&r, MessageType::Ack, full_options()), secs(1))
        .unwrap();
    let Poll::Bound(lease) = c.poll(secs(1)) else {
        panic!("not bound")
    };
    assert_eq!(
        lease.root_path.as_deref(),
        Some("nfs4:10.66.0.1:/export/%s")
    );
}

#[test]
fn an_ack_from_another_server_than_the_offers_is_ignored() {
    let mut c = client(60, 1);
    let r = requesting(&mut c);
    let rogue = reply_from(&r, MessageType::Ack, Some(OTHER), vec![]);
    assert_eq!(
        c.receive(&rogue, secs(0)),
        Err(Reject::OtherServer {
            got: OTHER,
            want: SERVER
        })
    );
    assert!(
        matches!(c.poll(secs(0)), Poll::WaitUntil(_)),
        "still requesting"
    );
}

#[test]
fn a_nak_without_a_server_id_or_from_another_server_is_ignored() {
    let mut c = client(60, 1);
    let r = requesting(&mut c);
    let why = c
        .receive(&reply_from(&r, MessageType::Nak, None, vec![]), secs(0))
        .expect_err("a NAK without option 54 was taken");
    assert!(why.to_string().contains("option 54"), "{why}");
    assert!(matches!(
        c.receive(
            &reply_from(&r, MessageType::Nak, Some(OTHER), vec![]),
            secs(0)
        ),
        Err(Reject::OtherServer { .. })
    ));
    assert_eq!(c.stats().naks, 0);
    assert!(
        matches!(c.poll(secs(0)), Poll::WaitUntil(_)),
        "still requesting, no new DISCOVER"
    );
    c.receive(&reply(&r, MessageType::Ack, vec![]), secs(1))
        .unwrap();
    assert!(matches!(c.poll(secs(1)), Poll::Bound(_)));
}

/// A server that OFFERs and then NAKs every REQUEST at once; the outcome and when.
fn always_nak(c: &mut Client) -> (Failure, Duration, Vec<u32>) {
    let mut now = Duration::ZERO;
    let mut xids = vec![];
    let failure = loop {
        match c.poll(now) {
            Poll::Send(bytes) => {
                let m = Message::from_bytes(&bytes).unwrap();
                let kind = match m.opts().msg_type() {
                    Some(MessageType::Discover) => MessageType::Offer,
                    _ => MessageType::Nak,
                };
                xids.push(m.xid());
                let extra = vec![DhcpOption::Message("no address for you".into())];
                c.receive(&reply(&m, kind, extra), now).unwrap();
                now += Duration::from_millis(10);
            }
            Poll::WaitUntil(t) => now = t,
            Poll::Failed(f) => break f,
            Poll::Bound(_) => panic!("bound on NAKs"),
        }
    };
    (failure, now, xids)
}

#[test]
fn repeated_naks_end_the_attempt() {
    let mut c = client(600, 1);
    let (failure, now, _) = always_nak(&mut c);
    assert!(now < secs(5), "the NAKs went on until {now:?}");
    assert!(
        (2..=10).contains(&failure.stats.naks),
        "{} NAKs",
        failure.stats.naks
    );
    let text = failure.to_string();
    assert!(text.contains("keeps refusing"), "{text}");
    assert!(text.contains(&SERVER.to_string()), "{text}");
    assert!(text.contains("no address for you"), "{text}");
}

#[test]
fn repeated_naks_end_each_attempt_and_the_next_starts_over() {
    let mut c = client(600, 2);
    let (failure, now, xids) = always_nak(&mut c);
    assert!(now < secs(5), "the NAKs went on until {now:?}");
    assert_eq!(failure.attempts, 2);
    assert!(
        xids.contains(&0x1234_5678) && xids.contains(&0x1234_5679),
        "{xids:x?}"
    );
}

fn lease_with_hostname(name: &str) -> Lease {
    let mut c = client(60, 1);
    exchange(&mut c, vec![DhcpOption::Hostname(name.into())])
}

#[test]
fn a_dhcp_hostname_must_be_a_host_name() {
    let long_label = "a".repeat(64);
    let long_name = format!("{}.{}", "a".repeat(40), "b".repeat(40));
    let bad = [
        "..",
        ".",
        "a..b",
        ".node",
        "node.",
        "a/b",
        "../etc",
        "a b",
        "-node",
        "node-",
        "node_7",
        "node\\x",
        "nöde",
        long_label.as_str(),
        long_name.as_str(),
    ];
    for name in bad {
        let lease = lease_with_hostname(name);
        assert_eq!(lease.hostname, None, "{name:?} was taken as a hostname");
        assert!(
            lease.warnings.iter().any(|w| w.contains("hostname")),
            "{name:?}: no warning: {:?}",
            lease.warnings
        );
    }
    let label63 = "a".repeat(63);
    for name in [
        "node7",
        "7node",
        "node-7",
        "node7.cluster.example",
        "N7",
        label63.as_str(),
    ] {
        let lease = lease_with_hostname(name);
        assert_eq!(lease.hostname.as_deref(), Some(name));
        assert_eq!(lease.warnings, Vec::<String>::new());
    }
}

#[test]
fn domain_and_search_names_are_dns_names() {
    let mut c = client(60, 1);
    let lease = exchange(
        &mut c,
        vec![
            DhcpOption::DomainName("..".into()),
            DhcpOption::TFTPServerName(b"a..b".to_vec()),
        ],
    );
    assert_eq!(lease.domain, None);
    assert_eq!(lease.tftp_server, None);
    assert_eq!(lease.warnings.len(), 2, "{:?}", lease.warnings);
    let mut c = client(60, 1);
    let lease = exchange(
        &mut c,
        vec![DhcpOption::DomainName("_site.cluster.example".into())],
    );
    assert_eq!(lease.domain.as_deref(), Some("_site.cluster.example"));
}
