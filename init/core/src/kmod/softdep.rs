//! Parser for `modules.softdep`: `softdep <module> pre: a b post: c`.
//!
//! Soft dependencies are modules that should be loaded before (`pre:`) or after
//! (`post:`) a module although it does not need their symbols, e.g. `ext4` wants
//! the `crypto-crc32c` implementation present. The names may be module names or
//! aliases; resolving them is the planner's job.
//!
//! Like kmod's `kmod_config_add_softdep`, words before the first `pre:`/`post:` are
//! ignored: the kernel emits `MODULE_SOFTDEP("gcm")` lines such as `softdep cifs gcm`
//! which modprobe has never acted on. Not supported: `softdep` lines from
//! modprobe.d(5), and the newer `user:` section (kmod 34), which is ignored too.

use std::collections::HashMap;

use super::dep::{malformed, numbered_lines};
use super::{normalize_name, KmodError};

/// The soft dependencies of one module, normalised, in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SoftDeps {
    pub pre: Vec<String>,
    pub post: Vec<String>,
}

/// Parses `modules.softdep`; several lines for one module are merged.
pub fn parse_softdep(text: &str) -> Result<HashMap<String, SoftDeps>, KmodError> {
    let mut all: HashMap<String, SoftDeps> = HashMap::new();
    for (line_no, line) in numbered_lines(text) {
        let mut words = line.split_whitespace();
        if words.next() != Some("softdep") {
            return Err(malformed("modules.softdep", line_no, "unknown keyword"));
        }
        let Some(module) = words.next() else {
            return Err(malformed("modules.softdep", line_no, "missing module name"));
        };
        let entry = all.entry(normalize_name(module)).or_default();
        let mut section: Option<&mut Vec<String>> = None;
        for word in words {
            match word {
                "pre:" => section = Some(&mut entry.pre),
                "post:" => section = Some(&mut entry.post),
                // kmod 34's `user:` list is for userspace only, never loaded.
                "user:" => section = None,
                name => {
                    if let Some(list) = section.as_deref_mut() {
                        list.push(normalize_name(name));
                    }
                }
            }
        }
    }
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (label, file text, expected parse result)
    type Case<T> = (&'static str, &'static str, Result<T, KmodError>);

    fn deps(pre: &[&str], post: &[&str]) -> SoftDeps {
        SoftDeps {
            pre: pre.iter().map(|s| (*s).to_owned()).collect(),
            post: post.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    #[test]
    fn parse_softdep_table() {
        let cases: Vec<Case<Vec<(&str, SoftDeps)>>> = vec![
            ("empty", "# Soft dependencies\n", Ok(vec![])),
            (
                "pre and post",
                "softdep mod-a pre: x y-z post: w\n",
                Ok(vec![("mod_a", deps(&["x", "y_z"], &["w"]))]),
            ),
            (
                "lines merge",
                "softdep ext4 pre: crypto-crc32c\nsoftdep ext4 post: foo\nsoftdep ext4 pre: bar\n",
                Ok(vec![("ext4", deps(&["crypto_crc32c", "bar"], &["foo"]))]),
            ),
            (
                "words before a section are ignored",
                "softdep cifs gcm\nsoftdep cifs ccm pre: nls\n",
                Ok(vec![("cifs", deps(&["nls"], &[]))]),
            ),
            (
                "user section ignored",
                "softdep m pre: a user: b post: c\n",
                Ok(vec![("m", deps(&["a"], &["c"]))]),
            ),
            (
                "unknown keyword",
                "alias a b\n",
                Err(malformed("modules.softdep", 1, "unknown keyword")),
            ),
            (
                "missing module",
                "softdep\n",
                Err(malformed("modules.softdep", 1, "missing module name")),
            ),
        ];
        for (label, text, want) in cases {
            let want = want.map(|v| {
                v.into_iter()
                    .map(|(k, d)| (k.to_owned(), d))
                    .collect::<HashMap<_, _>>()
            });
            assert_eq!(parse_softdep(text), want, "failed testcase: {label}");
        }
    }
}
