//! Host and domain names from untrusted places (DHCP, the command line): the one
//! check the lease, the hand-over files, `ip=` and `%s` in NFS root paths share.
//! A name that passes holds only letters, digits, '-', '_' (domains only) and
//! dots between non-empty labels: never '/', never "." or "..", never a space.

/// A DNS name (RFC 1035 2.3.1, '_' allowed as in search domains), trailing dot allowed.
pub fn dns_name(s: &str) -> Result<(), &'static str> {
    let name = s.strip_suffix('.').unwrap_or(s);
    let ok = name.len() <= 253
        && name.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        });
    if ok {
        Ok(())
    } else {
        Err("expected a DNS name (letters, digits, '-', '_', dots)")
    }
}

/// A host name (RFC 1123 2.1): a DNS name without '_' or a trailing dot, at most 64
/// bytes (the kernel's HOST_NAME_MAX, as it becomes the hostname).
pub fn host_name(s: &str) -> Result<(), &'static str> {
    const WHY: &str = "expected a host name (letters, digits, '-', dots; at most 64)";
    dns_name(s).map_err(|_| WHY)?;
    if s.len() > 64 || s.contains('_') || s.ends_with('.') {
        return Err(WHY);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        let label63 = "a".repeat(63);
        let cases: [(&str, bool, bool); 17] = [
            ("node1", true, true),
            ("7node", true, true),
            ("node1.lab.example", true, true),
            (&label63, true, true),
            ("lab.example.", true, false),
            ("_srv.example", true, false),
            ("-bad", false, false),
            ("bad-", false, false),
            ("a..b", false, false),
            ("..", false, false),
            (".", false, false),
            ("a/b", false, false),
            ("x y", false, false),
            ("", false, false),
            ("caf\u{e9}", false, false),
            ("a\nb", false, false),
            ("node\0", false, false),
        ];
        for (name, domain, host) in cases {
            assert_eq!(dns_name(name).is_ok(), domain, "domain {name:?}");
            assert_eq!(host_name(name).is_ok(), host, "hostname {name:?}");
        }
        assert!(dns_name(&"a".repeat(64)).is_err());
        let long = format!("{}.{}", "a".repeat(40), "b".repeat(40));
        assert!(dns_name(&long).is_ok() && host_name(&long).is_err());
    }
}
