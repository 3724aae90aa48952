//! Sanitizing: what of a [`LinkState`] may go into a file. Values from DHCP are
//! untrusted; one that could break a file is left out with a note saying why.

use super::LinkState;
use crate::names;

/// A copy of `state` with every value that could break a file removed.
pub(super) fn sanitize(state: &LinkState, notes: &mut Vec<String>) -> LinkState {
    let mut s = state.clone();
    s.hostname = keep(s.hostname, "hostname", is_hostname, notes);
    s.domain = keep(s.domain, "domain", is_domain, notes);
    s.root_path = keep(s.root_path, "root path", is_text, notes);
    s.search = s
        .search
        .into_iter()
        .filter_map(|d| keep(Some(d), "search domain", is_domain, notes))
        .collect();
    if let Some(info) = s.lease.as_mut() {
        let l = &mut info.lease;
        l.hostname = keep(l.hostname.take(), "DHCP hostname", is_hostname, notes);
        l.domain = keep(l.domain.take(), "DHCP domain", is_domain, notes);
        l.root_path = keep(l.root_path.take(), "DHCP root path", is_text, notes);
        l.tftp_server = keep(l.tftp_server.take(), "DHCP TFTP server", is_text, notes);
        l.bootfile = keep(l.bootfile.take(), "DHCP boot file", is_text, notes);
        l.search = std::mem::take(&mut l.search)
            .into_iter()
            .filter_map(|d| keep(Some(d), "DHCP search domain", is_domain, notes))
            .collect();
        if !s.address.is_ipv4() {
            notes.push("DHCPv4 lease ignored: the root's address is IPv6".to_string());
            s.lease = None;
        }
    }
    s
}

fn keep(
    value: Option<String>,
    what: &str,
    ok: fn(&str) -> Result<(), &'static str>,
    notes: &mut Vec<String>,
) -> Option<String> {
    let v = value?;
    match ok(&v) {
        Ok(()) => Some(v),
        Err(why) => {
            // {:?} escapes control characters: the note stays one line.
            notes.push(format!("{what} {v:?} left out: {why}"));
            None
        }
    }
}

/// Printable ASCII and spaces (paths, file names): no line breaks, no NUL, no escapes.
fn is_text(s: &str) -> Result<(), &'static str> {
    if s.is_empty() || s.len() > 1024 {
        return Err("expected 1 to 1024 characters");
    }
    if s.chars().any(|c| c.is_control()) {
        return Err("contains a control character");
    }
    if !s.chars().all(|c| c.is_ascii_graphic() || c == ' ') {
        return Err("expected printable ASCII");
    }
    Ok(())
}

/// A DNS name ([`names::dns_name`]) that is also plain text.
pub(super) fn is_domain(s: &str) -> Result<(), &'static str> {
    is_text(s)?;
    names::dns_name(s)
}

/// A host name ([`names::host_name`]).
fn is_hostname(s: &str) -> Result<(), &'static str> {
    is_text(s)?;
    names::host_name(s)
}

/// Interface names end up in file names and in networkd's `Name=`, which takes
/// globs: only the characters kernel-made and udev names use.
pub(super) fn is_iface(s: &str) -> bool {
    (1..16).contains(&s.len())
        && s != "."
        && s != ".."
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Bonding option names and values: what the bonding driver's tables hold.
pub(super) fn is_option(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':' | ',' | '+'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(is_domain("lab.example.").is_ok() && is_hostname("lab.example.").is_err());
        assert!(is_hostname("a\nb").is_err() && is_domain("..").is_err());
        assert!(is_iface("bond0.100") && !is_iface("eth0:1") && !is_iface("br 0"));
    }
}
