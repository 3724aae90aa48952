//! `<eth>` and its `<properties>`.
//!
//! The legacy initrd took each `<property>`'s text (querymap.cfg:
//! `properties/property/child::text()`), `eval`ed it in the shell and wrote the
//! variables to `ifcfg-<dev>` (comoonics-initrd-ng `rhel5_ip2Config`), so the
//! text is an ifcfg line: `BONDING_OPTS="miimon=100 mode=1"`. The legacy test confs
//! also write `<property name="DELAY">0</property>` and
//! `<property name="MASTER" value="yes"/>`; all three forms are read, quotes removed.

use std::net::IpAddr;

use super::schema::Attrs;
use super::tree::{Element, Locator};
use super::{ConfError, Eth, EthIp};
use crate::ip::{Expected, Mac};

pub(super) const BONDING_OPTS: &str = "BONDING_OPTS";
const MTU: &str = "MTU";

pub(super) fn eth(loc: &Locator, el: &Element) -> Result<Eth, ConfError> {
    let a = Attrs { loc, el };
    let name = a.required("name", "<eth name=\"eth0\" mac=\"...\" ip=\"...\">")?;
    if let Err(expected) = check_name(&name) {
        return Err(a.error_at("name", &expected));
    }
    let ip = a.parsed("ip", parse_ip)?;
    let v6 = matches!(ip, Some(EthIp::Static(IpAddr::V6(_))));
    let master = a.opt("master");
    let slave = a.parsed("slave", parse_yes_no)?.unwrap_or(false);
    if slave && master.is_none() {
        return Err(a.error_at("slave", "master= naming the bond as well"));
    }
    let properties = properties(loc, el)?;
    let mtu = match a.parsed("mtu", parse_mtu)? {
        Some(m) => Some(m),
        None => property_mtu(loc, el, &properties)?,
    };
    Ok(Eth {
        name,
        mac: a
            .parsed("mac", |s| s.parse::<Mac>())?
            .filter(|m| m.0 != [0; 6]),
        ip,
        mask: a.parsed("mask", |s| parse_mask(s, v6))?,
        gateway: a.parsed("gateway", |s| {
            s.parse::<IpAddr>()
                .map_err(|_| "an IPv4 or IPv6 address".to_string())
        })?,
        driver: a.opt("driver"),
        master,
        slave,
        kind: a.opt("type"),
        bridge: a.opt("bridge"),
        mtu,
        onboot: a.parsed("onboot", parse_yes_no)?.unwrap_or(true),
        properties,
    })
}

fn check_name(s: &str) -> Result<(), Expected> {
    // Unlike ip=, ':' is allowed: ifcfg aliases are named eth0:1.
    if s.len() < 16 && !s.contains(|c: char| c == '/' || c.is_whitespace()) {
        Ok(())
    } else {
        Err("an interface name of 1-15 characters without '/' or spaces".to_string())
    }
}

fn parse_ip(s: &str) -> Result<EthIp, Expected> {
    if s.eq_ignore_ascii_case("dhcp") {
        return Ok(EthIp::Dhcp);
    }
    s.parse()
        .map(EthIp::Static)
        .map_err(|_| "an IPv4 or IPv6 address, or dhcp".to_string())
}

fn parse_mask(s: &str, v6: bool) -> Result<u8, Expected> {
    let max = if v6 { 128 } else { 32 };
    if let Ok(p) = s.parse::<u8>() {
        if p <= max {
            return Ok(p);
        }
    }
    if let (false, Ok(mask)) = (v6, s.parse::<std::net::Ipv4Addr>()) {
        let bits = u32::from(mask);
        if bits.leading_ones() + bits.trailing_zeros() == 32 {
            return u8::try_from(bits.leading_ones()).map_err(|_| String::new());
        }
    }
    Err(if v6 {
        "a prefix length 0-128".to_string()
    } else {
        "a netmask like 255.255.255.0 or a prefix length 0-32".to_string()
    })
}

fn parse_mtu(s: &str) -> Result<u32, Expected> {
    s.parse::<u32>()
        .ok()
        .filter(|m| (68..=65535).contains(m))
        .ok_or_else(|| "an MTU between 68 and 65535".to_string())
}

fn parse_yes_no(s: &str) -> Result<bool, Expected> {
    match s.to_ascii_lowercase().as_str() {
        "yes" | "y" | "true" | "1" => Ok(true),
        "no" | "n" | "false" | "0" => Ok(false),
        _ => Err("yes or no".to_string()),
    }
}

fn is_shell_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Removes one level of shell quoting: `"a b"` and `'a b'` give `a b`; inside
/// double quotes `\"`, `\\`, `\$` and `` \` `` lose their backslash.
fn unquote(s: &str) -> Result<String, Expected> {
    let unclosed = |q| format!("a value with its closing {q} quote");
    if let Some(inner) = s.strip_prefix('\'') {
        return inner
            .strip_suffix('\'')
            .map(str::to_string)
            .ok_or_else(|| unclosed('\''));
    }
    let Some(inner) = s.strip_prefix('"') else {
        return Ok(s.to_string());
    };
    let inner = inner.strip_suffix('"').ok_or_else(|| unclosed('"'))?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, chars.peek()) {
            ('\\', Some(&n)) if matches!(n, '"' | '\\' | '$' | '`') => {
                out.push(n);
                chars.next();
            }
            ('"', _) => return Err("a single double-quoted value".to_string()),
            _ => out.push(c),
        }
    }
    Ok(out)
}

/// One `<property>` as `(KEY, value)`.
fn property(el: &Element, a: &Attrs) -> Result<(String, String), Expected> {
    let name = a.opt("name");
    let text = el.text.trim();
    let (key, raw) = match (name, text.split_once('=')) {
        // `KEY=value` text names itself, unless a name= says the whole text is
        // the value (`<property name="BONDING_OPTS">mode=1</property>`).
        (None, Some((k, v))) => (k.to_string(), v),
        (Some(n), Some((k, v))) if n == k => (n, v),
        (Some(n), _) if !text.is_empty() => (n, text),
        (Some(n), _) => (n, el.attr("value").map_or("", |v| v.value.as_str())),
        (None, None) => return Err("KEY=\"value\" as the text, or a name= attribute".to_string()),
    };
    if !is_shell_name(&key) {
        return Err(format!(
            "an ifcfg KEY of letters, digits and '_', got {key:?}"
        ));
    }
    let value = unquote(raw)?;
    if key == BONDING_OPTS {
        check_bonding_opts(&value)?;
    }
    Ok((key, value))
}

fn properties(loc: &Locator, eth: &Element) -> Result<Vec<(String, String)>, ConfError> {
    let mut out = Vec::new();
    for list in eth.children_named("properties") {
        for el in list.children_named("property") {
            let a = Attrs { loc, el };
            let prop = property(el, &a).map_err(|expected| {
                let shown = if el.text.trim().is_empty() {
                    String::new()
                } else {
                    format!("{}: ", el.text.trim())
                };
                loc.at_element(el, format!("{shown}expected {expected}"))
            })?;
            out.push(prop);
        }
    }
    Ok(out)
}

fn property_mtu(
    loc: &Locator,
    eth: &Element,
    properties: &[(String, String)],
) -> Result<Option<u32>, ConfError> {
    let Some((_, value)) = properties.iter().find(|(k, _)| k == MTU) else {
        return Ok(None);
    };
    parse_mtu(value).map(Some).map_err(|expected| {
        loc.at_element(
            eth,
            format!("property MTU=\"{value}\": expected {expected}"),
        )
    })
}

fn check_bonding_opts(value: &str) -> Result<(), Expected> {
    let ok = value.split_whitespace().all(|w| {
        w.split_once('=')
            .is_some_and(|(k, v)| !k.is_empty() && !v.is_empty())
    });
    if ok {
        Ok(())
    } else {
        Err(
            "BONDING_OPTS as space-separated option=value pairs like \"miimon=100 mode=1\""
                .to_string(),
        )
    }
}

pub(super) fn split_bonding_opts(value: &str) -> Vec<(String, String)> {
    value
        .split_whitespace()
        .filter_map(|w| w.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A MAC claimed by `el`'s node and by an earlier node's `first_iface`.
pub(super) fn duplicate_mac(
    loc: &Locator,
    node: &Element,
    eth: &super::Eth,
    mac: Mac,
    first_node: &str,
    first_iface: &str,
) -> ConfError {
    let expected = format!(
        "a MAC of this node only ({mac} is also <eth name=\"{first_iface}\"> of node {first_node:?})"
    );
    let el = node
        .children_named("com_info")
        .flat_map(|i| i.children_named("eth"))
        .find(|e| e.attr("name").is_some_and(|n| n.value.trim() == eth.name));
    match el {
        Some(el) => Attrs { loc, el }.error_at("mac", &expected),
        None => loc.at_element(node, expected),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unquote_forms() {
        assert_eq!(unquote("plain").unwrap(), "plain");
        assert_eq!(
            unquote("\"miimon=100 mode=1\"").unwrap(),
            "miimon=100 mode=1"
        );
        assert_eq!(unquote("'a \"b\"'").unwrap(), "a \"b\"");
        assert_eq!(unquote(r#""a \"b\" \$x""#).unwrap(), "a \"b\" $x");
        assert_eq!(
            unquote("\"open").unwrap_err(),
            "a value with its closing \" quote"
        );
        assert_eq!(
            unquote("'open").unwrap_err(),
            "a value with its closing ' quote"
        );
        assert_eq!(
            unquote("\"a\" \"b\"").unwrap_err(),
            "a single double-quoted value"
        );
    }

    #[test]
    fn masks() {
        assert_eq!(parse_mask("255.255.255.0", false), Ok(24));
        assert_eq!(parse_mask("255.255.255.255", false), Ok(32));
        assert_eq!(parse_mask("0.0.0.0", false), Ok(0));
        assert_eq!(parse_mask("22", false), Ok(22));
        assert_eq!(parse_mask("64", true), Ok(64));
        assert!(parse_mask("255.0.255.0", false).is_err());
        assert!(parse_mask("33", false).is_err());
        assert!(parse_mask("255.255.255.0", true).is_err());
        assert!(parse_mask("129", true).is_err());
    }

    #[test]
    fn yes_no_and_names() {
        assert_eq!(parse_yes_no("YES"), Ok(true));
        assert_eq!(parse_yes_no("no"), Ok(false));
        assert!(parse_yes_no("maybe").is_err());
        assert!(check_name("eth0:1").is_ok());
        assert!(check_name("bond0.45").is_ok());
        assert!(check_name("a-name-far-too-long").is_err());
        assert!(check_name("eth 0").is_err());
        assert!(is_shell_name("BONDING_OPTS"));
        assert!(!is_shell_name("1X"));
        assert!(!is_shell_name("my prop"));
    }

    #[test]
    fn bonding_words() {
        assert_eq!(
            split_bonding_opts(" miimon=100  mode=active-backup "),
            [
                ("miimon".to_string(), "100".to_string()),
                ("mode".to_string(), "active-backup".to_string())
            ]
        );
        assert!(check_bonding_opts("miimon=100 mode=1").is_ok());
        assert!(check_bonding_opts("").is_ok());
        assert!(check_bonding_opts("miimon100").is_err());
        assert!(check_bonding_opts("mode=").is_err());
    }
}
