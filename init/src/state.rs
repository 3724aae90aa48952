//! The state file: what the boot configured, handed to the real root as shell-style
//! `OSR_<KEY>='value'` lines in `/run/initramfs/osr-rs.state`.
//!
//! The keys below are the one list of them: the executor writes only these (through
//! [`Key`]), and the lab reads this file (`tl_state_keys` in `tests/lib/common.sh`):
//! `qemu/run-scenarios` and `qemu/run-one` refuse a scenario, or `qemu/checker-init`,
//! expecting a key that is not listed. Each entry is one line, `key NAME,` (written as
//! `OSR_NAME`) or `prefix NAME_,` (a family `OSR_NAME_<suffix>`).

use std::fmt::Write as _;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Key,
    Prefix,
}

macro_rules! kind {
    (key) => {
        Kind::Key
    };
    (prefix) => {
        Kind::Prefix
    };
}

macro_rules! state_keys {
    ($( $(#[doc = $doc:literal])* $kind:ident $name:ident, )*) => {
        /// A key of the state file (see the module's documentation).
        #[allow(non_camel_case_types, clippy::upper_case_acronyms)]
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Key {
            $( $(#[doc = $doc])* $name, )*
        }

        impl Key {
            #[cfg(test)]
            pub const ALL: &'static [Key] = &[$(Key::$name,)*];

            pub fn name(self) -> &'static str {
                match self {
                    $( Key::$name => stringify!($name), )*
                }
            }

            pub fn kind(self) -> Kind {
                match self {
                    $( Key::$name => kind!($kind), )*
                }
            }
        }
    };
}

state_keys! {
    /// osr-init's version.
    key VERSION,
    /// Per step: `TIMING_MS_<n>_<STEP>`, its duration in milliseconds.
    prefix TIMING_MS_,
    key CLUSTER_NAME,
    key NODEID,
    key NODENAME,
    /// `param`, `com-param`, `mac` or `single`.
    key NODEID_SOURCE,
    /// The node's `<rootvolume name>` and its filesystem type.
    key ROOT,
    key ROOTFS,
    /// `static` or `dhcp`.
    key NET_METHOD,
    key IFACE,
    key MAC,
    key ADDRESS,
    key GATEWAY,
    key ROUTES,
    key DNS,
    /// The lease, one key per field: `DHCP_ADDRESS`, `DHCP_ROUTER`, ...
    prefix DHCP_,
    key HOSTNAME,
    key ROOT_SOURCE,
    key NFS_SERVER,
    key NFS_PATH,
    /// The NFS version the server agreed to: `4.2`, `4.1`, `4.0`, `3`.
    key NFS_VERSION,
    key ROOT_FSTYPE,
    key ROOT_OPTIONS,
    key ROOT_DEVICE,
    key ROOT_UUID,
    key ROOT_LABEL,
    /// `corosync+dlm` or `o2cb`.
    key CLUSTER_STACK,
    key OVERLAY,
    key OVERLAY_SIZE,
    key OVERLAY_LOWER,
    key OVERLAY_UPPER,
    /// `v1`, `v2`, `dirs` or `none`.
    key CDSL_LAYOUT,
    key CDSL_TREE,
    key CDSL_LINK,
    key CDSL_SHARED,
    key ROOTOVL_APPLIED,
    key ROOTOVL_MISSING,
    key ROOTOVL_REFUSED,
    key UPTIME_AT_SWITCH_ROOT,
    /// Written by switch_root: entries of the initramfs removed, and the init run.
    key INITRAMFS_FILES_REMOVED,
    key INIT,
}

/// The state file's lines, in the order written.
#[derive(Debug, Default)]
pub struct Record {
    lines: String,
}

impl Record {
    pub fn set(&mut self, key: Key, value: impl std::fmt::Display) {
        debug_assert_eq!(key.kind(), Kind::Key, "{key:?} is a prefix");
        self.push(key.name(), "", value);
    }

    /// One key of a `prefix` family: `OSR_<prefix><suffix>`.
    pub fn set_in(&mut self, prefix: Key, suffix: &str, value: impl std::fmt::Display) {
        debug_assert_eq!(prefix.kind(), Kind::Prefix, "{prefix:?} is not a prefix");
        self.push(prefix.name(), suffix, value);
    }

    fn push(&mut self, name: &str, suffix: &str, value: impl std::fmt::Display) {
        let value = value.to_string().replace('\'', "'\\''");
        // Writing to a String cannot fail.
        let _ = writeln!(self.lines, "OSR_{name}{suffix}='{value}'");
    }

    pub fn text(&self) -> &str {
        &self.lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_quoted_for_the_shell() {
        let mut r = Record::default();
        r.set(Key::HOSTNAME, "it's");
        r.set_in(Key::DHCP_, "ROUTER", "10.0.2.2");
        assert_eq!(
            r.text(),
            "OSR_HOSTNAME='it'\\''s'\nOSR_DHCP_ROUTER='10.0.2.2'\n"
        );
    }

    #[test]
    fn the_list_is_what_the_lab_reads() {
        // qemu's checker reads the entries with this pattern; every key must match it.
        let text = include_str!("state.rs");
        let listed: Vec<&str> = text
            .lines()
            .filter_map(|l| {
                l.strip_prefix("    key ")
                    .or_else(|| l.strip_prefix("    prefix "))
            })
            .filter_map(|l| l.strip_suffix(','))
            .collect();
        let names: Vec<&str> = Key::ALL.iter().map(|k| k.name()).collect();
        assert_eq!(listed, names);
        for k in Key::ALL {
            assert_eq!(k.name().ends_with('_'), k.kind() == Kind::Prefix, "{k:?}");
        }
    }
}
