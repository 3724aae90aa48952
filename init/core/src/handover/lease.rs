//! `/run/initramfs/osr-rs.lease`: the DHCP lease as shell `KEY='value'` lines.

use super::initramfs_tools::shell_line;
use super::{file, hex, HandOverFile, LinkState};

pub const LEASE_FILE: &str = "/run/initramfs/osr-rs.lease";

/// The lease, all we know of it, as `OSR_LEASE_<KEY>='value'` lines.
pub(super) fn lease_file(s: &LinkState) -> Option<HandOverFile> {
    let info = s.lease.as_ref()?;
    let mut t = String::from(
        "# The DHCP lease osr-rs took in the initramfs. Times are seconds since boot.\n",
    );
    t.push_str(&shell_line("OSR_LEASE_IFACE", &s.iface));
    if let Some(mac) = s.mac {
        t.push_str(&shell_line("OSR_LEASE_MAC", &mac.to_string()));
    }
    for (key, value) in info.lease.fields() {
        t.push_str(&shell_line(&format!("OSR_LEASE_{key}"), &value));
    }
    if !info.client_id.is_empty() {
        t.push_str(&shell_line("OSR_LEASE_CLIENT_ID", &hex(&info.client_id)));
    }
    let obtained = info.obtained_uptime_secs;
    t.push_str(&shell_line(
        "OSR_LEASE_OBTAINED_UPTIME",
        &obtained.to_string(),
    ));
    // RFC 2132 9.2: 0xffffffff is an infinite lease.
    let expires = match info.lease.lease_secs {
        Some(secs) if secs != u32::MAX => obtained.saturating_add(u64::from(secs)).to_string(),
        _ => "never".to_string(),
    };
    t.push_str(&shell_line("OSR_LEASE_EXPIRES_UPTIME", &expires));
    Some(file(LEASE_FILE, t, 0o644))
}
