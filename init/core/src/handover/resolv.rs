//! `/run/initramfs/resolv.conf` for the real root.

use std::net::IpAddr;

use super::sanitize::is_domain;

pub const RESOLV_CONF: &str = "/run/initramfs/resolv.conf";
/// glibc's MAXNS; more name servers are ignored by the resolver.
pub const MAX_NAMESERVERS: usize = 3;
/// glibc's MAXDNSRCH before 2.26; older real roots ignore more.
pub const MAX_SEARCH: usize = 6;

/// `resolv.conf(5)` for the real root: at most [`MAX_NAMESERVERS`] name servers and
/// [`MAX_SEARCH`] search domains (glibc ignores more); `domain` when there is no
/// search list. Names that are not DNS names are left out.
pub fn resolv_conf(dns: &[IpAddr], search: &[String], domain: Option<&str>) -> String {
    let mut t = String::from("# Written by osr-rs in the initramfs.\n");
    for ns in dns.iter().take(MAX_NAMESERVERS) {
        t.push_str(&format!("nameserver {ns}\n"));
    }
    if dns.len() > MAX_NAMESERVERS {
        t.push_str(&format!(
            "# {} more name servers left out: the resolver uses {MAX_NAMESERVERS}\n",
            dns.len() - MAX_NAMESERVERS
        ));
    }
    let wanted: Vec<&str> = if search.is_empty() {
        domain.into_iter().collect()
    } else {
        search.iter().map(String::as_str).collect()
    };
    let valid: Vec<&str> = wanted
        .iter()
        .copied()
        .filter(|d| is_domain(d).is_ok())
        .collect();
    if valid.len() < wanted.len() {
        t.push_str(&format!(
            "# {} search domains left out: not DNS names\n",
            wanted.len() - valid.len()
        ));
    }
    if !valid.is_empty() {
        let kept: Vec<&str> = valid.iter().copied().take(MAX_SEARCH).collect();
        t.push_str(&format!("search {}\n", kept.join(" ")));
    }
    if valid.len() > MAX_SEARCH {
        t.push_str(&format!(
            "# {} more search domains left out: older resolvers use {MAX_SEARCH}\n",
            valid.len() - MAX_SEARCH
        ));
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handover::tests::{ip, strings};

    #[test]
    fn resolv_conf_limits() {
        let dns: Vec<IpAddr> = (1..=5).map(|i| ip(&format!("10.0.0.{i}"))).collect();
        let search: Vec<String> = (1..=8).map(|i| format!("d{i}.example")).collect();
        assert_eq!(
            resolv_conf(&dns, &search, Some("ignored.example")),
            "# Written by osr-rs in the initramfs.\nnameserver 10.0.0.1\nnameserver 10.0.0.2\n\
             nameserver 10.0.0.3\n# 2 more name servers left out: the resolver uses 3\n\
             search d1.example d2.example d3.example d4.example d5.example d6.example\n\
             # 2 more search domains left out: older resolvers use 6\n"
        );
        assert_eq!(
            resolv_conf(&[], &[], Some("lab.example")),
            "# Written by osr-rs in the initramfs.\nsearch lab.example\n"
        );
        assert_eq!(
            resolv_conf(&[], &strings(&["a b", "ok"]), None),
            "# Written by osr-rs in the initramfs.\n# 1 search domains left out: not DNS names\nsearch ok\n"
        );
        assert_eq!(
            resolv_conf(&[], &[], Some("x\nnameserver 6.6.6.6")),
            "# Written by osr-rs in the initramfs.\n# 1 search domains left out: not DNS names\n"
        );
    }
}
