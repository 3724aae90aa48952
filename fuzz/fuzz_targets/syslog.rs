//! Syslog settings: the input's lines are `syslog`, `sysloglevel`, `syslogsubsys`
//! and `syslogtype` (the values of the command line or cluster.conf); a line of the
//! log is then formatted with the settings found.
#![no_main]

use libfuzzer_sys::fuzz_target;
use osr_core::syslog::{self, Message, Settings};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut lines = text.split('\n');
    let servers = lines.next().unwrap_or_default();
    let (level, subsys, kind) = (lines.next(), lines.next(), lines.next());
    let Ok(s) = Settings::parse(servers, level, subsys, kind) else {
        return;
    };
    let rest: Vec<&str> = lines.collect();
    let m = Message {
        facility: s.facility,
        severity: s.min_severity,
        hostname: rest.first().copied(),
        app: "osr-init",
        procid: 1,
        uptime: 1.5,
        wall_clock: None,
        text: &rest.join("\n"),
    };
    let line = syslog::format_line(s.format, &m);
    assert!(line.len() <= s.format.max_datagram());
});
