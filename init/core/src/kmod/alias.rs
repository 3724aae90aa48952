//! `modules.alias` parsing and modalias lookup.
//!
//! Each line is `alias <pattern> <module>`; a device's modalias (the text of its
//! sysfs `modalias` file) selects every module with a matching pattern, using the
//! glob rules in [`super::glob`]. Like kmod, both the patterns and the looked-up
//! string are normalised first: `-` becomes `_` outside `[...]`, so `crypto-crc32c`
//! and `crypto_crc32c` are the same alias.
//!
//! Aliases of built-in modules come from `modules.builtin.modinfo` (NUL-separated
//! `module.key=value` records), so that a device whose driver is compiled in is not
//! mistaken for one without a driver.
//!
//! Not supported: `alias` lines from modprobe.d(5) configuration, the binary
//! `modules.alias.bin` trie, and `modules.symbols` (`symbol:` lookups).

use std::collections::HashMap;

use super::dep::{malformed, numbered_lines};
use super::glob::{fnmatch, literal_prefix};
use super::{normalize_name, KmodError};

/// One alias: a normalised glob pattern and the normalised module it selects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alias {
    pub pattern: String,
    pub module: String,
}

/// Parses `modules.alias`. Blank lines and `#` comments are ignored.
pub fn parse_alias(text: &str) -> Result<Vec<Alias>, KmodError> {
    numbered_lines(text)
        .map(|(line_no, line)| {
            let mut words = line.split_whitespace();
            match (words.next(), words.next(), words.next(), words.next()) {
                (Some("alias"), Some(pattern), Some(module), None) => Ok(Alias {
                    pattern: normalize_alias(pattern),
                    module: normalize_name(module),
                }),
                (Some("alias"), ..) => Err(malformed(
                    "modules.alias",
                    line_no,
                    "expected 'alias <pattern> <module>'",
                )),
                _ => Err(malformed("modules.alias", line_no, "unknown keyword")),
            }
        })
        .collect()
}

/// Extracts the `alias` records of `modules.builtin.modinfo`; other keys (license,
/// parm, file, ...) are ignored.
pub fn parse_builtin_modinfo(text: &str) -> Result<Vec<Alias>, KmodError> {
    let mut aliases = Vec::new();
    for (index, record) in text.split('\0').enumerate() {
        if record.trim().is_empty() {
            continue;
        }
        let Some((module, value)) = record
            .split_once('=')
            .and_then(|(key, value)| Some((key.strip_suffix(".alias")?, value)))
        else {
            // Not an alias record; check it is at least `module.key=value`.
            let well_formed = record
                .split_once('=')
                .is_some_and(|(key, _)| key.contains('.'));
            if !well_formed {
                return Err(malformed(
                    "modules.builtin.modinfo",
                    index + 1,
                    "expected 'module.key=value'",
                ));
            }
            continue;
        };
        aliases.push(Alias {
            pattern: normalize_alias(value),
            module: normalize_name(module),
        });
    }
    Ok(aliases)
}

/// kmod's `alias_normalize`: `-` becomes `_` except inside bracket expressions,
/// where `-` denotes a range.
pub fn normalize_alias(alias: &str) -> String {
    // Most patterns (all pci:, usb:, ...) have no dash: skip the per-char copy.
    if !alias.contains('-') {
        return alias.to_owned();
    }
    let mut out = String::with_capacity(alias.len());
    let mut in_bracket = false;
    for c in alias.chars() {
        match c {
            '[' => in_bracket = true,
            ']' => in_bracket = false,
            '-' if !in_bracket => {
                out.push('_');
                continue;
            }
            _ => {}
        }
        out.push(c);
    }
    out
}

/// Alias patterns bucketed by their literal prefix (the text before the first
/// wildcard). A modalias can only match patterns whose literal prefix is one of its
/// own prefixes, so a lookup probes one hash bucket per prefix length (~60 for a
/// PCI modalias) and runs fnmatch on the few candidates found, instead of on all
/// ~30 000 patterns.
#[derive(Debug, Default)]
pub struct AliasTable {
    aliases: Vec<Alias>,
    by_prefix: HashMap<String, Vec<usize>>,
}

impl AliasTable {
    pub fn new(aliases: Vec<Alias>) -> Self {
        let mut by_prefix: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, alias) in aliases.iter().enumerate() {
            by_prefix
                .entry(literal_prefix(&alias.pattern).to_owned())
                .or_default()
                .push(i);
        }
        Self { aliases, by_prefix }
    }

    pub fn len(&self) -> usize {
        self.aliases.len()
    }

    /// Modules whose pattern matches `modalias`, each once, in file order.
    pub fn lookup(&self, modalias: &str) -> Vec<&str> {
        let query = normalize_alias(modalias);
        let mut hits: Vec<usize> = (0..=query.len())
            .filter_map(|end| query.get(..end))
            .filter_map(|prefix| self.by_prefix.get(prefix))
            .flatten()
            .copied()
            .filter(|&i| {
                self.aliases
                    .get(i)
                    .is_some_and(|alias| fnmatch(&alias.pattern, &query))
            })
            .collect();
        hits.sort_unstable();
        let mut modules: Vec<&str> = Vec::new();
        for alias in hits.iter().filter_map(|&i| self.aliases.get(i)) {
            if !modules.contains(&alias.module.as_str()) {
                modules.push(&alias.module);
            }
        }
        modules
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (label, file text, expected parse result)
    type Case<T> = (&'static str, &'static str, Result<T, KmodError>);

    fn alias(pattern: &str, module: &str) -> Alias {
        Alias {
            pattern: pattern.into(),
            module: module.into(),
        }
    }

    #[test]
    fn parse_alias_table() {
        let cases: Vec<Case<Vec<Alias>>> = vec![
            (
                "empty",
                "# Aliases extracted from modules themselves.\n",
                Ok(vec![]),
            ),
            (
                "pci",
                "alias pci:v00001AF4d*sv*sd*bc*sc*i* virtio_pci\n",
                Ok(vec![alias("pci:v00001AF4d*sv*sd*bc*sc*i*", "virtio_pci")]),
            ),
            (
                "dashes normalised outside brackets",
                "alias crypto-crc32c crc32c-intel\nalias usb:d0[0-2]x-y m\n",
                Ok(vec![
                    alias("crypto_crc32c", "crc32c_intel"),
                    alias("usb:d0[0-2]x_y", "m"),
                ]),
            ),
            (
                "missing module",
                "alias pci:v*\n",
                Err(malformed(
                    "modules.alias",
                    1,
                    "expected 'alias <pattern> <module>'",
                )),
            ),
            (
                "extra word",
                "alias a b c\n",
                Err(malformed(
                    "modules.alias",
                    1,
                    "expected 'alias <pattern> <module>'",
                )),
            ),
            (
                "unknown keyword",
                "options e1000 debug=1\n",
                Err(malformed("modules.alias", 1, "unknown keyword")),
            ),
        ];
        for (label, text, want) in cases {
            assert_eq!(parse_alias(text), want, "failed testcase: {label}");
        }
    }

    #[test]
    fn parse_builtin_modinfo_table() {
        let cases: Vec<Case<Vec<Alias>>> = vec![
            ("empty", "", Ok(vec![])),
            (
                "aliases only",
                "ext4.license=GPL\0ext4.alias=fs-ext4\0dh_generic.alias=crypto-dh\0",
                Ok(vec![
                    alias("fs_ext4", "ext4"),
                    alias("crypto_dh", "dh_generic"),
                ]),
            ),
            (
                "broken record",
                "ext4.alias=fs-ext4\0garbage\0",
                Err(malformed(
                    "modules.builtin.modinfo",
                    2,
                    "expected 'module.key=value'",
                )),
            ),
        ];
        for (label, text, want) in cases {
            assert_eq!(
                parse_builtin_modinfo(text),
                want,
                "failed testcase: {label}"
            );
        }
    }

    #[test]
    fn lookup_table() {
        let table = AliasTable::new(vec![
            alias("pci:v00001AF4d*sv*sd*bc*sc*i*", "virtio_pci"),
            alias("pci:v00008086d0000100Esv*sd*bc*sc*i*", "e1000"),
            alias("pci:v*d*sv*sd*bc02sc00i*", "generic_nic"),
            alias("virtio:d00000001v*", "virtio_net"),
            alias("crypto_crc32c", "crc32c_intel"),
            alias("crypto_crc32c", "crc32c_generic"),
            alias("*", "catch_all"),
            alias("pci:v00001AF4d*sv*sd*bc*sc*i*", "virtio_pci"),
        ]);
        let cases: &[(&str, &str, &[&str])] = &[
            (
                "virtio pci nic",
                "pci:v00001AF4d00001000sv00001AF4sd00000001bc02sc00i00",
                &["virtio_pci", "generic_nic", "catch_all"],
            ),
            (
                "e1000",
                "pci:v00008086d0000100Esv00008086sd0000001Ebc02sc00i00",
                &["e1000", "generic_nic", "catch_all"],
            ),
            (
                "virtio bus",
                "virtio:d00000001v00001AF4",
                &["virtio_net", "catch_all"],
            ),
            (
                "dash in query",
                "crypto-crc32c",
                &["crc32c_intel", "crc32c_generic", "catch_all"],
            ),
            ("only wildcard", "acpi:PNP0A03:", &["catch_all"]),
        ];
        for (label, modalias, want) in cases {
            assert_eq!(table.lookup(modalias), *want, "failed testcase: {label}");
        }
    }
}
