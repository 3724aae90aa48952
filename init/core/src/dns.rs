//! A minimal DNS stub resolver's message logic: build an A query, check and read the
//! reply, and list the names to try (resolv.conf's `search`). No sockets here: the
//! transport lives in `osr-init` (`init/src/dns.rs`).
//!
//! Wire format from RFC 1035 §4.1 (header, question, resource records) and §4.1.4
//! (compression pointers). Every read is bounds-checked: a short or hostile packet is a
//! [`DnsError::Malformed`], never a panic, and pointer chains and CNAME chains are
//! bounded so a loop cannot hang the boot.
//!
//! Deliberately not supported: IPv6 (AAAA) lookups, TCP fallback for truncated replies
//! (an A answer for one host fits in 512 bytes), EDNS0, DNSSEC, and following a CNAME
//! whose target's addresses the recursive server did not include.

use std::net::Ipv4Addr;

/// RFC 1035 §3.2.2/§3.2.4: type A, class IN.
const TYPE_A: u16 = 1;
const TYPE_CNAME: u16 = 5;
const CLASS_IN: u16 = 1;

/// Header flag bits (RFC 1035 §4.1.1).
const FLAG_QR: u16 = 0x8000;
const FLAG_TC: u16 = 0x0200;
const FLAG_RD: u16 = 0x0100;

const HEADER_LEN: usize = 12;
/// A name on the wire is at most 255 bytes (RFC 1035 §2.3.4): 253 characters of text.
const MAX_NAME_TEXT: usize = 253;
const MAX_WIRE_NAME: usize = 255;
const MAX_LABEL: usize = 63;
/// Compression pointers followed while reading one name; a legitimate name has at
/// most one per label, and 127 labels fill 255 bytes.
const MAX_POINTERS: usize = 128;
/// CNAMEs followed inside one answer; resolvers give up at about this depth too.
const MAX_CNAMES: usize = 16;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DnsError {
    #[error("invalid host name '{name}': {reason}")]
    InvalidName { name: String, reason: String },
    #[error("no such name (NXDOMAIN)")]
    NoSuchName,
    #[error("the name exists but has no IPv4 address (no A record for '{name}')")]
    NoAddress { name: String },
    #[error("server failure (SERVFAIL, rcode 2): the server could not resolve the name")]
    ServerFailure,
    #[error(
        "query refused (REFUSED, rcode 5): the server does not answer us (recursion not allowed?)"
    )]
    Refused,
    #[error("server error rcode {0} ({name})", name = rcode_name(*.0))]
    OtherRcode(u8),
    #[error("reply truncated (TC bit set); DNS over TCP is not supported")]
    Truncated,
    #[error("CNAME chain loops or is longer than {MAX_CNAMES} at '{0}'")]
    CnameLoop(String),
    #[error("reply id {got} does not match query id {expected}")]
    WrongId { expected: u16, got: u16 },
    #[error("packet is a query, not a reply (QR bit clear)")]
    NotReply,
    #[error("reply answers another question ({got}), not '{asked}' type A class IN")]
    QuestionMismatch { asked: String, got: String },
    #[error("malformed reply: {0}")]
    Malformed(String),
}

fn rcode_name(code: u8) -> &'static str {
    match code {
        1 => "FORMERR: the server could not parse our query",
        4 => "NOTIMP: the server does not implement this query",
        _ => "unknown",
    }
}

/// Checks `name` as a host name and returns it without its trailing dot.
fn validate_name(name: &str) -> Result<&str, DnsError> {
    let invalid = |reason: String| DnsError::InvalidName {
        name: name.to_string(),
        reason,
    };
    let bare = name.strip_suffix('.').unwrap_or(name);
    if bare.is_empty() {
        return Err(invalid("the name is empty".into()));
    }
    if bare.len() > MAX_NAME_TEXT {
        return Err(invalid(format!(
            "{} characters, at most {MAX_NAME_TEXT} allowed",
            bare.len()
        )));
    }
    for label in bare.split('.') {
        if label.is_empty() {
            return Err(invalid(
                "empty label (a leading dot or two dots in a row)".into(),
            ));
        }
        if label.len() > MAX_LABEL {
            return Err(invalid(format!(
                "label '{label}' has {} characters, at most {MAX_LABEL} allowed",
                label.len()
            )));
        }
        if let Some(c) = label
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
        {
            return Err(invalid(format!(
                "character '{c}' is not allowed: expected letters, digits, '-' or '_'"
            )));
        }
    }
    Ok(bare)
}

/// A recursive (RD=1) query for `name`'s A records, class IN (RFC 1035 §4.1).
pub fn query(id: u16, name: &str) -> Result<Vec<u8>, DnsError> {
    let bare = validate_name(name)?;
    let mut packet = Vec::with_capacity(HEADER_LEN + bare.len() + 6);
    for field in [id, FLAG_RD, 1, 0, 0, 0] {
        packet.extend_from_slice(&field.to_be_bytes());
    }
    for label in bare.split('.') {
        // validate_name bounded every label to 63 bytes.
        packet.push(u8::try_from(label.len()).unwrap_or(0));
        packet.extend_from_slice(label.as_bytes());
    }
    packet.push(0);
    packet.extend_from_slice(&TYPE_A.to_be_bytes());
    packet.extend_from_slice(&CLASS_IN.to_be_bytes());
    Ok(packet)
}

/// The IPv4 addresses of `name` in `packet`, the reply to `query(id, name)`.
/// CNAMEs in the answer section are followed to the final name.
pub fn parse_response(id: u16, name: &str, packet: &[u8]) -> Result<Vec<Ipv4Addr>, DnsError> {
    let asked = validate_name(name)?;
    let mut r = Reader { packet, pos: 0 };
    let got_id = r.u16("header")?;
    let flags = r.u16("header")?;
    let qdcount = r.u16("header")?;
    let ancount = r.u16("header")?;
    r.u16("header")?; // NSCOUNT and ARCOUNT: those sections are not read.
    r.u16("header")?;
    if got_id != id {
        return Err(DnsError::WrongId {
            expected: id,
            got: got_id,
        });
    }
    if flags & FLAG_QR == 0 {
        return Err(DnsError::NotReply);
    }
    let rcode = rcode_error(flags);
    match (qdcount, rcode) {
        // Some servers drop the question from an error reply; the id matched.
        (0, Some(err)) => return Err(err),
        (1, rcode) => {
            check_question(&mut r, asked)?;
            if let Some(err) = rcode {
                return Err(err);
            }
        }
        (n, _) => return Err(DnsError::Malformed(format!("{n} questions, expected 1"))),
    }
    if flags & FLAG_TC != 0 {
        return Err(DnsError::Truncated);
    }
    let answers = read_answers(&mut r, ancount)?;
    follow_chain(asked, &answers)
}

fn rcode_error(flags: u16) -> Option<DnsError> {
    let code = u8::try_from(flags & 0x000f).unwrap_or(0);
    match code {
        0 => None,
        2 => Some(DnsError::ServerFailure),
        3 => Some(DnsError::NoSuchName),
        5 => Some(DnsError::Refused),
        _ => Some(DnsError::OtherRcode(code)),
    }
}

fn check_question(r: &mut Reader<'_>, asked: &str) -> Result<(), DnsError> {
    let qname = r.name()?;
    let qtype = r.u16("question")?;
    let qclass = r.u16("question")?;
    if !qname.eq_ignore_ascii_case(asked) || qtype != TYPE_A || qclass != CLASS_IN {
        return Err(DnsError::QuestionMismatch {
            asked: asked.to_string(),
            got: format!("'{qname}' type {qtype} class {qclass}"),
        });
    }
    Ok(())
}

enum Answer {
    A { owner: String, addr: Ipv4Addr },
    Cname { owner: String, target: String },
}

fn read_answers(r: &mut Reader<'_>, ancount: u16) -> Result<Vec<Answer>, DnsError> {
    let mut answers = Vec::new();
    for _ in 0..ancount {
        let owner = r.name()?;
        let rtype = r.u16("answer")?;
        let class = r.u16("answer")?;
        r.u32("answer")?; // TTL: we resolve once per boot.
        let rdlength = usize::from(r.u16("answer")?);
        let rdata_start = r.pos;
        let rdata = r.bytes(rdlength, "answer data")?;
        if class != CLASS_IN {
            continue;
        }
        match rtype {
            TYPE_A => {
                let octets: [u8; 4] = rdata.try_into().map_err(|_| {
                    DnsError::Malformed(format!(
                        "A record for '{owner}' has {rdlength} bytes of data, expected 4"
                    ))
                })?;
                answers.push(Answer::A {
                    owner,
                    addr: Ipv4Addr::from(octets),
                });
            }
            TYPE_CNAME => {
                let (target, _) = read_name(r.packet, rdata_start)?;
                answers.push(Answer::Cname { owner, target });
            }
            _ => {}
        }
    }
    Ok(answers)
}

/// The A addresses of `asked`, or of the name its CNAME chain ends at.
fn follow_chain(asked: &str, answers: &[Answer]) -> Result<Vec<Ipv4Addr>, DnsError> {
    let mut current = asked.to_string();
    let mut seen: Vec<String> = Vec::new();
    loop {
        let addrs: Vec<Ipv4Addr> = answers
            .iter()
            .filter_map(|a| match a {
                Answer::A { owner, addr } if owner.eq_ignore_ascii_case(&current) => Some(*addr),
                _ => None,
            })
            .collect();
        if !addrs.is_empty() {
            return Ok(addrs);
        }
        let target = answers.iter().find_map(|a| match a {
            Answer::Cname { owner, target } if owner.eq_ignore_ascii_case(&current) => Some(target),
            _ => None,
        });
        let Some(target) = target else {
            return Err(DnsError::NoAddress { name: current });
        };
        seen.push(current);
        if seen.len() > MAX_CNAMES || seen.iter().any(|s| s.eq_ignore_ascii_case(target)) {
            return Err(DnsError::CnameLoop(target.clone()));
        }
        current = target.clone();
    }
}

/// Bounds-checked reading from a packet.
struct Reader<'a> {
    packet: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn bytes(&mut self, n: usize, what: &str) -> Result<&'a [u8], DnsError> {
        let slice = self
            .packet
            .get(self.pos..self.pos.saturating_add(n))
            .ok_or_else(|| too_short(self.packet, what, self.pos))?;
        self.pos += n;
        Ok(slice)
    }

    fn u16(&mut self, what: &str) -> Result<u16, DnsError> {
        let pos = self.pos;
        match self.bytes(2, what)? {
            [hi, lo] => Ok(u16::from_be_bytes([*hi, *lo])),
            _ => Err(too_short(self.packet, what, pos)),
        }
    }

    fn u32(&mut self, what: &str) -> Result<u32, DnsError> {
        let hi = self.u16(what)?;
        let lo = self.u16(what)?;
        Ok(u32::from(hi) << 16 | u32::from(lo))
    }

    fn name(&mut self) -> Result<String, DnsError> {
        let (name, end) = read_name(self.packet, self.pos)?;
        self.pos = end;
        Ok(name)
    }
}

fn too_short(packet: &[u8], what: &str, pos: usize) -> DnsError {
    DnsError::Malformed(format!(
        "the {}-byte packet is too short for the {what} at offset {pos}",
        packet.len()
    ))
}

/// Reads the (possibly compressed, RFC 1035 §4.1.4) name at `start`; returns it in
/// dotted text without the trailing dot, and the offset just after it in place.
/// Bytes other than letters, digits, `-` and `_` are written `\DDD` (RFC 4343 §2.1)
/// so that a label holding a dot cannot pass for two labels.
fn read_name(packet: &[u8], start: usize) -> Result<(String, usize), DnsError> {
    let mut text = String::new();
    let mut pos = start;
    let mut end = None;
    let mut wire_len = 1;
    let mut pointers = 0;
    loop {
        let len = *packet
            .get(pos)
            .ok_or_else(|| too_short(packet, "name", pos))?;
        match len & 0xc0 {
            0x00 if len == 0 => break,
            0x00 => {
                let n = usize::from(len);
                let label = packet
                    .get(pos + 1..pos + 1 + n)
                    .ok_or_else(|| too_short(packet, "name", pos))?;
                wire_len += n + 1;
                if wire_len > MAX_WIRE_NAME {
                    return Err(DnsError::Malformed(format!(
                        "the name at offset {start} is longer than {MAX_WIRE_NAME} bytes"
                    )));
                }
                push_label(&mut text, label);
                pos += 1 + n;
            }
            0xc0 => {
                let low = *packet
                    .get(pos + 1)
                    .ok_or_else(|| too_short(packet, "name", pos))?;
                end.get_or_insert(pos + 2);
                pointers += 1;
                if pointers > MAX_POINTERS {
                    return Err(DnsError::Malformed(format!(
                        "the name at offset {start} has a compression pointer loop"
                    )));
                }
                pos = usize::from(len & 0x3f) << 8 | usize::from(low);
            }
            _ => {
                return Err(DnsError::Malformed(format!(
                    "reserved label type {len:#04x} at offset {pos}"
                )))
            }
        }
    }
    Ok((text, end.unwrap_or(pos + 1)))
}

fn push_label(text: &mut String, label: &[u8]) {
    if !text.is_empty() {
        text.push('.');
    }
    for &b in label {
        if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' {
            text.push(char::from(b));
        } else {
            text.push_str(&format!("\\{b:03}"));
        }
    }
}

/// The names to query for `name`, in order, as resolv.conf's `search` with the
/// default `ndots:1` (resolv.conf(5)): a name with a dot is tried as is, then with
/// each search domain; a single label with each search domain, then as is; a name
/// with a trailing dot is absolute and tried alone.
pub fn candidates(name: &str, search: &[String]) -> Vec<String> {
    if name.ends_with('.') {
        return vec![name.to_string()];
    }
    let searched = search
        .iter()
        .map(|domain| domain.trim_end_matches('.'))
        .filter(|domain| !domain.is_empty())
        .map(|domain| format!("{name}.{domain}"));
    if name.contains('.') {
        std::iter::once(name.to_string()).chain(searched).collect()
    } else {
        searched.chain(std::iter::once(name.to_string())).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: u16 = 0xbeef;
    /// QR, RD, RA and an rcode.
    fn reply_flags(rcode: u16) -> u16 {
        0x8180 | rcode
    }

    fn wire_name(name: &str) -> Vec<u8> {
        let mut out = Vec::new();
        for label in name.split('.').filter(|l| !l.is_empty()) {
            out.push(u8::try_from(label.len()).unwrap());
            out.extend_from_slice(label.as_bytes());
        }
        out.push(0);
        out
    }

    fn header(id: u16, flags: u16, qd: u16, an: u16) -> Vec<u8> {
        [id, flags, qd, an, 0, 0]
            .iter()
            .flat_map(|f| f.to_be_bytes())
            .collect()
    }

    fn question(name: &str, qtype: u16) -> Vec<u8> {
        let mut out = wire_name(name);
        out.extend_from_slice(&qtype.to_be_bytes());
        out.extend_from_slice(&CLASS_IN.to_be_bytes());
        out
    }

    /// A resource record whose owner is given as wire bytes (possibly a pointer).
    fn rr(owner: &[u8], rtype: u16, class: u16, rdata: &[u8]) -> Vec<u8> {
        let mut out = owner.to_vec();
        out.extend_from_slice(&rtype.to_be_bytes());
        out.extend_from_slice(&class.to_be_bytes());
        out.extend_from_slice(&300u32.to_be_bytes());
        out.extend_from_slice(&u16::try_from(rdata.len()).unwrap().to_be_bytes());
        out.extend_from_slice(rdata);
        out
    }

    /// Pointer to the question name, which always starts at offset 12.
    const TO_QNAME: [u8; 2] = [0xc0, 12];

    fn simple_reply(rcode: u16, answers: &[Vec<u8>]) -> Vec<u8> {
        let mut p = header(
            ID,
            reply_flags(rcode),
            1,
            u16::try_from(answers.len()).unwrap(),
        );
        p.extend(question("nfs1.example.com", TYPE_A));
        for a in answers {
            p.extend_from_slice(a);
        }
        p
    }

    /// nfs1.example.com CNAME filer.example.com (target compressed as
    /// "filer" + pointer to "example.com" inside the question), filer CNAME
    /// store.example.com, store A 10.0.0.5 and 10.0.0.6, plus an unrelated A record.
    fn cname_chain_reply() -> Vec<u8> {
        let mut p = header(ID, reply_flags(0), 1, 5);
        p.extend(question("nfs1.example.com", TYPE_A));
        // "example.com" starts after the 5-byte "\x04nfs1" label of the question.
        let filer_target = [&[5u8][..], b"filer", &[0xc0, 17]].concat();
        let filer_owner_at = p.len() + 2 + 10; // the CNAME's rdata starts here
        p.extend(rr(&TO_QNAME, TYPE_CNAME, CLASS_IN, &filer_target));
        let to_filer = [0xc0, u8::try_from(filer_owner_at).unwrap()];
        let store = [&[5u8][..], b"STORE", &[0xc0, 17]].concat();
        p.extend(rr(&to_filer, TYPE_CNAME, CLASS_IN, &store));
        p.extend(rr(
            &wire_name("other.example.com"),
            TYPE_A,
            CLASS_IN,
            &[10, 9, 9, 9],
        ));
        p.extend(rr(
            &wire_name("store.Example.COM"),
            TYPE_A,
            CLASS_IN,
            &[10, 0, 0, 5],
        ));
        p.extend(rr(
            &wire_name("store.example.com"),
            TYPE_A,
            CLASS_IN,
            &[10, 0, 0, 6],
        ));
        p
    }

    #[test]
    fn query_bytes() {
        let q = query(0x1234, "nfs1.example.com").unwrap();
        let mut expected = vec![0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
        expected.extend(b"\x04nfs1\x07example\x03com\x00");
        expected.extend([0, 1, 0, 1]);
        assert_eq!(q, expected);
        assert_eq!(query(0x1234, "nfs1.example.com.").unwrap(), expected);
    }

    #[test]
    fn name_validation() {
        let long_label = "a".repeat(64);
        let label63 = "b".repeat(63);
        // 4 labels of 63 plus 3 dots = 255 characters; trim to the limits.
        let name253 = format!("{label63}.{label63}.{label63}.{}", "c".repeat(61));
        let name254 = format!("{name253}d");
        let cases: Vec<(&str, &str, Option<&str>)> = vec![
            ("plain", "nfs1", None),
            ("dotted", "nfs1.example.com", None),
            ("trailing dot", "nfs1.example.com.", None),
            ("underscore and hyphen", "nfs_1-a.x", None),
            ("63-byte label", &label63, None),
            ("253 characters", &name253, None),
            ("empty", "", Some("empty")),
            ("root only", ".", Some("empty")),
            ("two dots", "a..b", Some("empty label")),
            ("leading dot", ".a", Some("empty label")),
            ("space", "a b", Some("character ' '")),
            ("non-ascii", "nfs\u{e9}", Some("character '\u{e9}'")),
            (
                "64-byte label",
                &long_label,
                Some("64 characters, at most 63"),
            ),
            (
                "254 characters",
                &name254,
                Some("254 characters, at most 253"),
            ),
        ];
        for (label, name, want) in cases {
            match (query(1, name), want) {
                (Ok(_), None) => {}
                (Err(e), Some(reason)) => {
                    assert!(
                        matches!(e, DnsError::InvalidName { .. }),
                        "failed testcase: '{label}'"
                    );
                    let msg = e.to_string();
                    assert!(msg.contains(reason), "failed testcase: '{label}': {msg}");
                    assert!(
                        msg.contains(&format!("'{name}'")),
                        "failed testcase: '{label}'"
                    );
                }
                (got, want) => panic!("failed testcase: '{label}': got {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn a_records_with_compressed_owner() {
        let p = simple_reply(
            0,
            &[
                rr(&TO_QNAME, TYPE_A, CLASS_IN, &[10, 0, 0, 1]),
                rr(&TO_QNAME, TYPE_A, 3, &[10, 0, 0, 3]), // class CH: ignored
                rr(&TO_QNAME, 16, CLASS_IN, b"\x03txt"),  // TXT: ignored
                rr(&TO_QNAME, TYPE_A, CLASS_IN, &[10, 0, 0, 2]),
            ],
        );
        let got = parse_response(ID, "nfs1.example.com", &p).unwrap();
        assert_eq!(
            got,
            [Ipv4Addr::new(10, 0, 0, 1), Ipv4Addr::new(10, 0, 0, 2)]
        );
        // The trailing dot and case do not matter.
        let got = parse_response(ID, "NFS1.example.Com.", &p).unwrap();
        assert_eq!(got.len(), 2);
    }

    #[test]
    fn question_echo_case_insensitive() {
        let mut p = header(ID, reply_flags(0), 1, 1);
        p.extend(question("NFS1.Example.COM", TYPE_A));
        p.extend(rr(
            &wire_name("nfs1.EXAMPLE.com"),
            TYPE_A,
            CLASS_IN,
            &[1, 2, 3, 4],
        ));
        let got = parse_response(ID, "nfs1.example.com", &p).unwrap();
        assert_eq!(got, [Ipv4Addr::new(1, 2, 3, 4)]);
    }

    #[test]
    fn cname_chain_is_followed() {
        let got = parse_response(ID, "nfs1.example.com", &cname_chain_reply()).unwrap();
        assert_eq!(
            got,
            [Ipv4Addr::new(10, 0, 0, 5), Ipv4Addr::new(10, 0, 0, 6)]
        );
    }

    #[test]
    fn cname_without_address() {
        let target = wire_name("filer.example.com");
        let p = simple_reply(0, &[rr(&TO_QNAME, TYPE_CNAME, CLASS_IN, &target)]);
        assert_eq!(
            parse_response(ID, "nfs1.example.com", &p),
            Err(DnsError::NoAddress {
                name: "filer.example.com".into()
            })
        );
    }

    #[test]
    fn cname_loop() {
        let b = wire_name("b.example.com");
        let p = simple_reply(
            0,
            &[
                rr(&TO_QNAME, TYPE_CNAME, CLASS_IN, &b),
                rr(&b, TYPE_CNAME, CLASS_IN, &wire_name("NFS1.example.com")),
            ],
        );
        assert_eq!(
            parse_response(ID, "nfs1.example.com", &p),
            Err(DnsError::CnameLoop("NFS1.example.com".into()))
        );
    }

    #[test]
    fn long_cname_chain_is_bounded() {
        let mut answers = vec![rr(&TO_QNAME, TYPE_CNAME, CLASS_IN, &wire_name("c0.x"))];
        for i in 0..40 {
            let owner = wire_name(&format!("c{i}.x"));
            let target = wire_name(&format!("c{}.x", i + 1));
            answers.push(rr(&owner, TYPE_CNAME, CLASS_IN, &target));
        }
        answers.push(rr(&wire_name("c40.x"), TYPE_A, CLASS_IN, &[1, 1, 1, 1]));
        let p = simple_reply(0, &answers);
        assert!(matches!(
            parse_response(ID, "nfs1.example.com", &p),
            Err(DnsError::CnameLoop(_))
        ));
    }

    #[test]
    fn rcodes() {
        let cases = [
            ("NXDOMAIN", 3, DnsError::NoSuchName),
            ("SERVFAIL", 2, DnsError::ServerFailure),
            ("REFUSED", 5, DnsError::Refused),
            ("FORMERR", 1, DnsError::OtherRcode(1)),
            ("NOTIMP", 4, DnsError::OtherRcode(4)),
            ("YXDOMAIN", 6, DnsError::OtherRcode(6)),
        ];
        for (label, rcode, want) in cases {
            let p = simple_reply(rcode, &[]);
            assert_eq!(
                parse_response(ID, "nfs1.example.com", &p),
                Err(want.clone()),
                "failed testcase: '{label}'"
            );
            // Without the echoed question, the rcode still counts.
            let bare = header(ID, reply_flags(rcode), 0, 0);
            assert_eq!(
                parse_response(ID, "nfs1.example.com", &bare),
                Err(want),
                "failed testcase: '{label}' without question"
            );
        }
        assert!(DnsError::OtherRcode(1).to_string().contains("FORMERR"));
        assert!(DnsError::OtherRcode(9).to_string().contains("rcode 9"));
    }

    #[test]
    fn header_checks() {
        let good = simple_reply(0, &[rr(&TO_QNAME, TYPE_A, CLASS_IN, &[10, 0, 0, 1])]);
        assert_eq!(
            parse_response(ID + 1, "nfs1.example.com", &good),
            Err(DnsError::WrongId {
                expected: ID + 1,
                got: ID
            })
        );
        // Our own query looped back is not a reply.
        let q = query(ID, "nfs1.example.com").unwrap();
        assert_eq!(
            parse_response(ID, "nfs1.example.com", &q),
            Err(DnsError::NotReply)
        );
        let mut truncated = good.clone();
        truncated[2] |= 0x02; // TC
        assert_eq!(
            parse_response(ID, "nfs1.example.com", &truncated),
            Err(DnsError::Truncated)
        );
        let mut two_questions = good.clone();
        two_questions[5] = 2;
        assert!(matches!(
            parse_response(ID, "nfs1.example.com", &two_questions),
            Err(DnsError::Malformed(m)) if m.contains("2 questions")
        ));
        let mut no_question = good;
        no_question[5] = 0;
        assert!(matches!(
            parse_response(ID, "nfs1.example.com", &no_question),
            Err(DnsError::Malformed(_))
        ));
    }

    #[test]
    fn question_mismatch() {
        let good = simple_reply(0, &[rr(&TO_QNAME, TYPE_A, CLASS_IN, &[10, 0, 0, 1])]);
        let err = parse_response(ID, "nfs2.example.com", &good).unwrap_err();
        assert_eq!(
            err.to_string(),
            "reply answers another question ('nfs1.example.com' type 1 class 1), \
             not 'nfs2.example.com' type A class IN"
        );
        let mut aaaa = header(ID, reply_flags(0), 1, 0);
        aaaa.extend(question("nfs1.example.com", 28));
        assert!(matches!(
            parse_response(ID, "nfs1.example.com", &aaaa),
            Err(DnsError::QuestionMismatch { .. })
        ));
        // A label holding a dot is not two labels.
        let mut dotted = header(ID, reply_flags(0), 1, 0);
        dotted.extend(b"\x09nfs1.test\x00\x00\x01\x00\x01");
        let err = parse_response(ID, "nfs1.test", &dotted).unwrap_err();
        assert!(err.to_string().contains(r"'nfs1\046test'"), "{err}");
    }

    #[test]
    fn no_answer_is_no_address() {
        let p = simple_reply(0, &[]);
        assert_eq!(
            parse_response(ID, "nfs1.example.com", &p),
            Err(DnsError::NoAddress {
                name: "nfs1.example.com".into()
            })
        );
        let err = DnsError::NoAddress { name: "x".into() }.to_string();
        assert!(err.contains("no IPv4 address"), "{err}");
    }

    #[test]
    fn malformed_records() {
        let cases: Vec<(&str, Vec<u8>, &str)> = vec![
            (
                "A with 6 bytes",
                simple_reply(0, &[rr(&TO_QNAME, TYPE_A, CLASS_IN, &[1, 2, 3, 4, 5, 6])]),
                "has 6 bytes of data, expected 4",
            ),
            (
                "pointer to itself",
                simple_reply(0, &[rr(&[0xc0, 34], TYPE_A, CLASS_IN, &[1, 2, 3, 4])]),
                "compression pointer loop",
            ),
            (
                "pointer past the end",
                simple_reply(0, &[rr(&[0xff, 0xff], TYPE_A, CLASS_IN, &[1, 2, 3, 4])]),
                "too short for the name",
            ),
            (
                "reserved label type",
                simple_reply(0, &[rr(&[0x40, 1], TYPE_A, CLASS_IN, &[1, 2, 3, 4])]),
                "reserved label type 0x40",
            ),
            (
                "rdlength past the end",
                {
                    let mut p = simple_reply(0, &[rr(&TO_QNAME, TYPE_A, CLASS_IN, &[1, 2, 3, 4])]);
                    let n = p.len();
                    p[n - 5] = 200;
                    p
                },
                "too short for the answer data",
            ),
            (
                "CNAME target past the end",
                simple_reply(0, &[rr(&TO_QNAME, TYPE_CNAME, CLASS_IN, b"\x05abc")]),
                "too short for the name",
            ),
            ("empty packet", vec![], "too short for the header"),
        ];
        for (label, packet, want) in cases {
            match parse_response(ID, "nfs1.example.com", &packet) {
                Err(DnsError::Malformed(m)) => {
                    assert!(m.contains(want), "failed testcase: '{label}': {m}")
                }
                other => panic!("failed testcase: '{label}': {other:?}"),
            }
        }
    }

    #[test]
    fn name_longer_than_255_bytes_is_malformed() {
        // Labels that point back to a long name until the total passes 255 bytes.
        let mut p = header(ID, reply_flags(0), 1, 1);
        p.extend(question("nfs1.example.com", TYPE_A));
        let mut owner = Vec::new();
        for _ in 0..5 {
            owner.push(63);
            owner.extend([b'a'; 63]);
        }
        owner.push(0);
        p.extend(rr(&owner, TYPE_A, CLASS_IN, &[1, 2, 3, 4]));
        assert!(matches!(
            parse_response(ID, "nfs1.example.com", &p),
            Err(DnsError::Malformed(m)) if m.contains("longer than 255")
        ));
    }

    #[test]
    fn every_truncation_is_malformed() {
        let full = cname_chain_reply();
        assert!(parse_response(ID, "nfs1.example.com", &full).is_ok());
        for len in 0..full.len() {
            let got = parse_response(ID, "nfs1.example.com", &full[..len]);
            assert!(
                matches!(got, Err(DnsError::Malformed(_))),
                "length {len}: {got:?}"
            );
        }
    }

    #[test]
    fn bit_flips_and_garbage_never_panic() {
        let full = cname_chain_reply();
        let mut outcomes = 0;
        for byte in 0..full.len() {
            for bit in 0..8 {
                let mut p = full.clone();
                p[byte] ^= 1 << bit;
                // Any result is fine; reaching the next line means no panic.
                if parse_response(ID, "nfs1.example.com", &p).is_err() {
                    outcomes += 1;
                }
            }
        }
        // Flipping the id, QR, rcode or a question byte must be noticed.
        assert!(outcomes > 16 * 8, "only {outcomes} flips rejected");
        // A fixed pseudo-random sequence of packets that pass the header checks.
        let mut seed: u32 = 0x1234_5678;
        let mut next = || {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
            u8::try_from((seed >> 16) & 0xff).unwrap()
        };
        for len in 0..600 {
            let mut p = header(ID, reply_flags(0), 1, 0xffff);
            p.extend((0..len % 300).map(|_| next()));
            assert!(parse_response(ID, "nfs1.example.com", &p).is_err());
            let mut p = simple_reply(0, &[]);
            p[6..8].copy_from_slice(&8u16.to_be_bytes());
            p.extend((0..len % 300).map(|_| next() | if len % 2 == 0 { 0xc0 } else { 0 }));
            let _ = parse_response(ID, "nfs1.example.com", &p);
        }
    }

    #[test]
    fn candidate_names() {
        let search = vec!["a.test".to_string(), "b.test.".to_string(), String::new()];
        let cases: Vec<(&str, &str, &[String], Vec<&str>)> = vec![
            (
                "single label",
                "nfs1",
                &search,
                vec!["nfs1.a.test", "nfs1.b.test", "nfs1"],
            ),
            (
                "dotted",
                "nfs1.lab",
                &search,
                vec!["nfs1.lab", "nfs1.lab.a.test", "nfs1.lab.b.test"],
            ),
            ("absolute", "nfs1.", &search, vec!["nfs1."]),
            ("absolute dotted", "nfs1.lab.", &search, vec!["nfs1.lab."]),
            ("no search", "nfs1", &[], vec!["nfs1"]),
            ("no search dotted", "nfs1.lab", &[], vec!["nfs1.lab"]),
        ];
        for (label, name, search, want) in cases {
            assert_eq!(candidates(name, search), want, "failed testcase: '{label}'");
        }
    }
}
