//! Remote boot log: the settings (`syslog=`, `sysloglevel=`, `syslogsubsys=`,
//! `syslogtype=` and com_info's `<syslog name level subsys type>`) and the text of
//! one syslog datagram.
//!
//! Formats: RFC 5424 §6 (`<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD MSG`)
//! and the BSD format of RFC 3164 §4.1 (`<PRI>Mmm dd hh:mm:ss HOSTNAME TAG: MSG`).
//! The initramfs clock is often wrong (no RTC sync yet), so the wall-clock time is
//! optional: without it RFC 5424 sends the NILVALUE `-` (§6.2.3) and RFC 3164 sends
//! no TIMESTAMP and HOSTNAME at all, which makes a receiver stamp the message with
//! its own clock and the sender's address (§4.3.3). Every message starts with the
//! uptime, `[   12.345678] `, as the kernel prints it, so the order and the timing of
//! the boot stay readable even when lines buffered early arrive together.
//!
//! Legacy `syslogtype`/`type` named the syslog daemon the old initrd ran
//! (`syslogd`, `rsyslogd`, `syslog-ng`), not a wire format; we run no daemon, and
//! every one of those servers reads RFC 5424, so those names mean RFC 5424. Only
//! `rfc3164`/`3164`/`bsd`/`legacy` ask for the old format.
//!
//! Not supported: TCP or TLS transport (RFC 6587, RFC 5425), structured data, the
//! legacy `filter` attribute, and `facility.severity` selectors in `sysloglevel`.

use std::fmt::Write as _;

/// The IANA port of syslog over UDP (RFC 5426 §3.3).
pub const DEFAULT_PORT: u16 = 514;
/// `daemon`: what the initramfs's init is (RFC 5424 §6.2.1 table 1).
pub const DEFAULT_FACILITY: u8 = 3;
/// `info`: the step lines are sent, the debug details are not.
pub const DEFAULT_SEVERITY: u8 = 6;
/// The APP-NAME (RFC 5424) and TAG (RFC 3164).
pub const APP_NAME: &str = "osr-init";
/// RFC 5424 §6.1: receivers should accept 2048 octets; RFC 3164 §4.1: 1024 at most.
pub const MAX_DATAGRAM_5424: usize = 2048;
pub const MAX_DATAGRAM_3164: usize = 1024;
/// RFC 5424 §6: HOSTNAME is at most 255 printable ASCII characters.
const MAX_HOSTNAME: usize = 255;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Rfc5424,
    Rfc3164,
}

impl Format {
    pub fn max_datagram(self) -> usize {
        match self {
            Format::Rfc5424 => MAX_DATAGRAM_5424,
            Format::Rfc3164 => MAX_DATAGRAM_3164,
        }
    }
}

/// A server as written; the executor resolves `host`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// A name or an address; an IPv6 address without its brackets.
    pub host: String,
    pub port: u16,
}

/// Everything the sender needs but the resolved addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub targets: Vec<Target>,
    pub format: Format,
    pub facility: u8,
    /// Records more severe than this or equal to it are sent (0 emerg ... 7 debug).
    pub min_severity: u8,
}

impl Settings {
    /// From the four legacy values (`syslog`, `sysloglevel`, `syslogsubsys`,
    /// `syslogtype`); `None` or empty keeps the default. No target is an error, as
    /// the caller asks only when a server was named.
    pub fn parse(
        servers: &str,
        level: Option<&str>,
        subsys: Option<&str>,
        kind: Option<&str>,
    ) -> Result<Settings, String> {
        let targets = parse_targets(servers)?;
        if targets.is_empty() {
            return Err("syslog: no server named".to_string());
        }
        Ok(Settings {
            targets,
            format: given(kind).map_or(Ok(Format::Rfc5424), parse_format)?,
            facility: given(subsys).map_or(Ok(DEFAULT_FACILITY), parse_facility)?,
            min_severity: given(level).map_or(Ok(DEFAULT_SEVERITY), parse_severity)?,
        })
    }
}

/// Comma-separated `host[:port]`, `[v6addr][:port]` or a bare IPv6 address, each
/// optionally prefixed `udp://` or `syslog://`. Empty entries are skipped.
pub fn parse_targets(value: &str) -> Result<Vec<Target>, String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(parse_target)
        .collect()
}

fn parse_target(entry: &str) -> Result<Target, String> {
    let bad = |why: &str| format!("syslog server {entry:?}: {why}");
    let rest = match entry.split_once("://") {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("udp") => rest,
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("syslog") => rest,
        Some((scheme, _)) => return Err(bad(&format!("{scheme}:// is not supported, only UDP"))),
        None => entry,
    };
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    let (host, port) = if let Some(inner) = rest.strip_prefix('[') {
        let (host, after) = inner.split_once(']').ok_or_else(|| bad("no closing ']'"))?;
        match after {
            "" => (host, None),
            _ => match after.strip_prefix(':') {
                Some(port) => (host, Some(port)),
                None => return Err(bad("text after ']' that is not :port")),
            },
        }
    } else if rest.matches(':').count() > 1 {
        // A bare IPv6 address: its last group is not a port.
        (rest, None)
    } else {
        match rest.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (rest, None),
        }
    };
    if host.is_empty() {
        return Err(bad("no host"));
    }
    if host
        .chars()
        .any(|c| c.is_whitespace() || "/@[]".contains(c))
    {
        return Err(bad("not a host name or address"));
    }
    let port = match port {
        None => DEFAULT_PORT,
        Some(p) => match p.parse::<u16>() {
            Ok(0) | Err(_) => return Err(bad("the port is not a number from 1 to 65535")),
            Ok(p) => p,
        },
    };
    Ok(Target {
        host: host.to_string(),
        port,
    })
}

/// `syslogtype=` / `type=`: see the module doc for why daemon names mean RFC 5424.
pub fn parse_format(value: &str) -> Result<Format, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "rfc5424" | "5424" | "ietf" | "syslog" | "syslogd" | "rsyslog" | "rsyslogd"
        | "syslog-ng" | "syslogng" => Ok(Format::Rfc5424),
        "rfc3164" | "3164" | "bsd" | "legacy" => Ok(Format::Rfc3164),
        other => Err(format!(
            "syslogtype {other:?}: expected rfc5424 or rfc3164 (bsd)"
        )),
    }
}

const FACILITIES: &[(&str, u8)] = &[
    ("kern", 0),
    ("user", 1),
    ("mail", 2),
    ("daemon", 3),
    ("auth", 4),
    ("security", 4),
    ("syslog", 5),
    ("lpr", 6),
    ("news", 7),
    ("uucp", 8),
    ("cron", 9),
    ("authpriv", 10),
    ("ftp", 11),
    ("ntp", 12),
    ("audit", 13),
    ("alert", 14),
    ("clock", 15),
    ("local0", 16),
    ("local1", 17),
    ("local2", 18),
    ("local3", 19),
    ("local4", 20),
    ("local5", 21),
    ("local6", 22),
    ("local7", 23),
];

/// `syslogsubsys=` / `subsys=`: a facility name (RFC 5424 table 1, with the
/// usual `syslog.h` names) or its number 0..=23.
pub fn parse_facility(value: &str) -> Result<u8, String> {
    let v = value.trim().to_ascii_lowercase();
    let found = match v.parse::<u8>() {
        Ok(n) if n <= 23 => Some(n),
        _ => FACILITIES.iter().find(|(n, _)| *n == v).map(|(_, f)| *f),
    };
    found.ok_or_else(|| {
        format!("syslogsubsys {v:?}: not a facility (daemon, local0..local7, 0..23)")
    })
}

const SEVERITIES: &[(&str, u8)] = &[
    ("emerg", 0),
    ("panic", 0),
    ("alert", 1),
    ("crit", 2),
    ("err", 3),
    ("error", 3),
    ("warning", 4),
    ("warn", 4),
    ("notice", 5),
    ("info", 6),
    ("debug", 7),
];

/// `sysloglevel=` / `level=`: the least severe severity sent, by name or 0..=7.
pub fn parse_severity(value: &str) -> Result<u8, String> {
    let v = value.trim().to_ascii_lowercase();
    let found = match v.parse::<u8>() {
        Ok(n) if n <= 7 => Some(n),
        _ => SEVERITIES.iter().find(|(n, _)| *n == v).map(|(_, s)| *s),
    };
    found.ok_or_else(|| {
        format!("sysloglevel {v:?}: not a severity (err, warning, info, debug, 0..7)")
    })
}

/// A UTC wall-clock time, for a caller that trusts its clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WallClock {
    pub year: u16,
    /// 1..=12.
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
    pub millis: u16,
}

/// One line of the log, as [`format_line`] sends it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Message<'a> {
    pub facility: u8,
    pub severity: u8,
    /// `None` or nothing printable: `-` (RFC 5424), omitted with the time (RFC 3164).
    pub hostname: Option<&'a str>,
    pub app: &'a str,
    pub procid: u32,
    /// Seconds since boot.
    pub uptime: f64,
    pub wall_clock: Option<WallClock>,
    pub text: &'a str,
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// RFC 5424 §6.2.4: printable US-ASCII without space; nothing left is `None`.
fn printable(s: &str, max: usize) -> Option<String> {
    let clean: String = s
        .chars()
        .filter(|c| c.is_ascii_graphic())
        .take(max)
        .collect();
    (!clean.is_empty()).then_some(clean)
}

/// The datagram's text, at most `fmt.max_datagram()` bytes (cut at a character).
pub fn format_line(fmt: Format, m: &Message<'_>) -> String {
    // PRI = facility * 8 + severity (RFC 5424 §6.2.1); out-of-range values clamp.
    let pri = u16::from(m.facility.min(23)) * 8 + u16::from(m.severity.min(7));
    let host = m.hostname.and_then(|h| printable(h, MAX_HOSTNAME));
    let app = printable(m.app, 48).unwrap_or_else(|| "-".to_string());
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = match fmt {
        Format::Rfc5424 => {
            let time = m.wall_clock.map_or("-".to_string(), |t| {
                format!(
                    "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
                    t.year, t.month, t.day, t.hour, t.minute, t.second, t.millis
                )
            });
            let host = host.as_deref().unwrap_or("-");
            write!(out, "<{pri}>1 {time} {host} {app} {} - - ", m.procid)
        }
        Format::Rfc3164 => {
            let header = match (m.wall_clock, host.as_deref()) {
                (Some(t), Some(h)) => {
                    let month = MONTHS
                        .get(usize::from(t.month.max(1) - 1))
                        .copied()
                        .unwrap_or("Jan");
                    format!(
                        "{month} {:>2} {:02}:{:02}:{:02} {h} ",
                        t.day, t.hour, t.minute, t.second
                    )
                }
                _ => String::new(),
            };
            write!(out, "<{pri}>{header}{app}[{}]: ", m.procid)
        }
    };
    let _ = write!(out, "[{:12.6}] ", m.uptime);
    out.extend(m.text.chars().map(|c| if c.is_control() { ' ' } else { c }));
    truncate(&mut out, fmt.max_datagram());
    out
}

/// Cuts `s` to at most `max` bytes, at a character boundary.
fn truncate(s: &mut String, max: usize) {
    if s.len() <= max {
        return;
    }
    let mut cut = max;
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    s.truncate(cut);
}

fn given(v: Option<&str>) -> Option<&str> {
    v.map(str::trim).filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(host: &str, port: u16) -> Target {
        Target {
            host: host.to_string(),
            port,
        }
    }

    #[test]
    fn targets() {
        let cases: &[(&str, Vec<Target>)] = &[
            ("10.0.2.2", vec![t("10.0.2.2", 514)]),
            (
                "syslog1.example.com:1514",
                vec![t("syslog1.example.com", 1514)],
            ),
            (" a , b:600,, ", vec![t("a", 514), t("b", 600)]),
            ("udp://loghost:5140", vec![t("loghost", 5140)]),
            ("syslog://loghost/", vec![t("loghost", 514)]),
            ("[fd00::1]:1514", vec![t("fd00::1", 1514)]),
            ("[fd00::1]", vec![t("fd00::1", 514)]),
            ("fd00::1", vec![t("fd00::1", 514)]),
            ("", vec![]),
        ];
        for (input, want) in cases {
            assert_eq!(parse_targets(input).as_ref(), Ok(want), "case {input:?}");
        }
    }

    #[test]
    fn bad_targets() {
        for input in [
            "host:0",
            "host:99999",
            "host:abc",
            "a, :514",
            "tcp://host",
            "[fd00::1",
            "[fd00::1]x",
            "a b",
        ] {
            let err = parse_targets(input).err();
            assert!(err.is_some(), "case {input:?} parsed");
        }
        assert_eq!(
            parse_targets("ok,tcp://h:1"),
            Err("syslog server \"tcp://h:1\": tcp:// is not supported, only UDP".to_string())
        );
    }

    #[test]
    fn formats_facilities_severities() {
        for (v, f) in [
            ("rsyslogd", Format::Rfc5424),
            ("syslog-ng", Format::Rfc5424),
            ("syslogd", Format::Rfc5424),
            ("RFC5424", Format::Rfc5424),
            ("rfc3164", Format::Rfc3164),
            ("bsd", Format::Rfc3164),
        ] {
            assert_eq!(parse_format(v), Ok(f), "case {v}");
        }
        assert!(parse_format("json").is_err());
        assert_eq!(parse_facility("daemon"), Ok(3));
        assert_eq!(parse_facility("LOCAL7"), Ok(23));
        assert_eq!(parse_facility("16"), Ok(16));
        assert!(parse_facility("24").is_err());
        assert!(parse_facility("local8").is_err());
        assert_eq!(parse_severity("warning"), Ok(4));
        assert_eq!(parse_severity("debug"), Ok(7));
        assert_eq!(parse_severity("5"), Ok(5));
        assert!(parse_severity("8").is_err());
        assert!(parse_severity("verbose").is_err());
    }

    #[test]
    fn settings_defaults_and_legacy_values() {
        assert_eq!(
            Settings::parse("loghost", None, Some(""), None),
            Ok(Settings {
                targets: vec![t("loghost", 514)],
                format: Format::Rfc5424,
                facility: 3,
                min_severity: 6,
            })
        );
        assert_eq!(
            Settings::parse("a,b:1514", Some("debug"), Some("local2"), Some("bsd")),
            Ok(Settings {
                targets: vec![t("a", 514), t("b", 1514)],
                format: Format::Rfc3164,
                facility: 18,
                min_severity: 7,
            })
        );
        assert!(Settings::parse(" , ", None, None, None).is_err());
        assert!(Settings::parse("a", Some("loud"), None, None).is_err());
    }

    fn msg<'a>(text: &'a str, host: Option<&'a str>, wall: Option<WallClock>) -> Message<'a> {
        Message {
            facility: 3,
            severity: 6,
            hostname: host,
            app: APP_NAME,
            procid: 1,
            uptime: 12.345678,
            wall_clock: wall,
            text,
        }
    }

    const WALL: WallClock = WallClock {
        year: 2024,
        month: 3,
        day: 5,
        hour: 7,
        minute: 8,
        second: 9,
        millis: 42,
    };

    #[test]
    fn rfc5424() {
        assert_eq!(
            format_line(Format::Rfc5424, &msg("mounting / ok", Some("node1"), None)),
            "<30>1 - node1 osr-init 1 - - [   12.345678] mounting / ok"
        );
        assert_eq!(
            format_line(Format::Rfc5424, &msg("x", Some("no de\x01"), Some(WALL))),
            "<30>1 2024-03-05T07:08:09.042Z node osr-init 1 - - [   12.345678] x"
        );
        let m = Message {
            severity: 3,
            facility: 16,
            ..msg("tab\there\x1b[0m", Some(" \t"), None)
        };
        assert_eq!(
            format_line(Format::Rfc5424, &m),
            "<131>1 - - osr-init 1 - - [   12.345678] tab here [0m"
        );
        let long_host = "h".repeat(300);
        let line = format_line(Format::Rfc5424, &msg("x", Some(&long_host), None));
        assert!(line.contains(&format!(" {} ", "h".repeat(255))), "{line}");
        assert!(!line.contains(&"h".repeat(256)), "{line}");
    }

    #[test]
    fn rfc3164() {
        assert_eq!(
            format_line(Format::Rfc3164, &msg("up", Some("node1"), Some(WALL))),
            "<30>Mar  5 07:08:09 node1 osr-init[1]: [   12.345678] up"
        );
        // Without a trusted clock the receiver supplies time and host (§4.3.3).
        assert_eq!(
            format_line(Format::Rfc3164, &msg("up", Some("node1"), None)),
            "<30>osr-init[1]: [   12.345678] up"
        );
    }

    #[test]
    fn long_lines_are_cut_at_a_character() {
        // A 41-byte header, then two-byte characters: byte 2048 is inside one.
        let text = format!("x{}", "é".repeat(2000));
        let line = format_line(Format::Rfc5424, &msg(&text, None, None));
        assert_eq!(line.len(), 2047);
        assert!(line.ends_with('é'));
        let line = format_line(Format::Rfc3164, &msg(&"a".repeat(2000), None, None));
        assert_eq!(line.len(), 1024);
    }
}
