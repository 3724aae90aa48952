//! Parsers for `modules.dep` and `modules.builtin`, as written by depmod(8).
//!
//! `modules.dep` has one line per loadable module: its path relative to
//! `/lib/modules/<kver>`, a colon, and the space-separated paths of *all* modules it
//! needs (depmod already writes the transitive closure). `modules.builtin` lists the
//! paths the module would have had, for modules compiled into the kernel.
//!
//! Not supported: absolute paths (depmod stopped writing them in 2009 but modprobe
//! still accepts them) are kept verbatim and therefore will not resolve under a
//! module directory; `modules.dep.bin` is never read.

use super::{module_name_from_path, KmodError};

/// One `modules.dep` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepLine {
    /// Normalised module name (`-` replaced by `_`).
    pub name: String,
    /// Path relative to the module directory, e.g. `kernel/net/core/failover.ko`.
    pub path: String,
    /// Normalised names of every module this one needs, in depmod's order.
    pub deps: Vec<String>,
}

/// Parses `modules.dep`. Blank lines and `#` comments are ignored.
pub fn parse_dep(text: &str) -> Result<Vec<DepLine>, KmodError> {
    let mut lines = Vec::new();
    for (line_no, line) in numbered_lines(text) {
        let Some((path, deps)) = line.split_once(':') else {
            return Err(malformed("modules.dep", line_no, "missing ':'"));
        };
        let path = path.trim();
        let name = module_name_from_path(path)
            .ok_or_else(|| malformed("modules.dep", line_no, "not a .ko path"))?;
        let deps = deps
            .split_whitespace()
            .map(|dep| {
                module_name_from_path(dep).ok_or_else(|| {
                    malformed("modules.dep", line_no, "dependency is not a .ko path")
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        lines.push(DepLine {
            name,
            path: path.to_owned(),
            deps,
        });
    }
    Ok(lines)
}

/// Parses `modules.builtin` into normalised module names.
pub fn parse_builtin(text: &str) -> Result<Vec<String>, KmodError> {
    numbered_lines(text)
        .map(|(line_no, line)| {
            module_name_from_path(line)
                .ok_or_else(|| malformed("modules.builtin", line_no, "not a .ko path"))
        })
        .collect()
}

/// Non-blank, non-comment lines, trimmed, with 1-based line numbers for errors.
pub(super) fn numbered_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line.trim()))
        .filter(|(_, line)| !line.is_empty() && !line.starts_with('#'))
}

pub(super) fn malformed(file: &'static str, line: usize, reason: &'static str) -> KmodError {
    KmodError::Malformed { file, line, reason }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (label, file text, expected parse result)
    type Case<T> = (&'static str, &'static str, Result<T, KmodError>);

    fn dep(name: &str, path: &str, deps: &[&str]) -> DepLine {
        DepLine {
            name: name.into(),
            path: path.into(),
            deps: deps.iter().map(|d| (*d).to_owned()).collect(),
        }
    }

    #[test]
    fn parse_dep_table() {
        let cases: Vec<Case<Vec<DepLine>>> = vec![
            ("empty", "", Ok(vec![])),
            (
                "no deps",
                "kernel/net/core/failover.ko:\n",
                Ok(vec![dep("failover", "kernel/net/core/failover.ko", &[])]),
            ),
            (
                "deps and dash normalised",
                "kernel/drivers/net/virtio_net.ko: kernel/drivers/net/net_failover.ko kernel/net/core/failover.ko\n\
                 kernel/arch/x86/crypto/crc32c-intel.ko:\n",
                Ok(vec![
                    dep(
                        "virtio_net",
                        "kernel/drivers/net/virtio_net.ko",
                        &["net_failover", "failover"],
                    ),
                    dep("crc32c_intel", "kernel/arch/x86/crypto/crc32c-intel.ko", &[]),
                ]),
            ),
            (
                "compressed names",
                "kernel/fs/nfs/nfs.ko.xz: kernel/net/sunrpc/sunrpc.ko.zst\n\
                 kernel/net/sunrpc/sunrpc.ko.zst:\nkernel/fs/x.ko.gz:\n",
                Ok(vec![
                    dep("nfs", "kernel/fs/nfs/nfs.ko.xz", &["sunrpc"]),
                    dep("sunrpc", "kernel/net/sunrpc/sunrpc.ko.zst", &[]),
                    dep("x", "kernel/fs/x.ko.gz", &[]),
                ]),
            ),
            (
                "comments and blanks skipped",
                "# hi\n\n  kernel/a.ko:  \n",
                Ok(vec![dep("a", "kernel/a.ko", &[])]),
            ),
            (
                "missing colon",
                "kernel/a.ko:\nkernel/b.ko kernel/a.ko\n",
                Err(malformed("modules.dep", 2, "missing ':'")),
            ),
            (
                "not a module",
                "kernel/a.o:\n",
                Err(malformed("modules.dep", 1, "not a .ko path")),
            ),
            (
                "bad dependency",
                "kernel/a.ko: kernel/b.txt\n",
                Err(malformed("modules.dep", 1, "dependency is not a .ko path")),
            ),
        ];
        for (label, text, want) in cases {
            assert_eq!(parse_dep(text), want, "failed testcase: {label}");
        }
    }

    #[test]
    fn parse_builtin_table() {
        let cases: Vec<Case<Vec<String>>> = vec![
            ("empty", "", Ok(vec![])),
            (
                "names",
                "kernel/fs/nfs_common/nfs_ssc.ko\nkernel/drivers/char/tpm/tpm-tis.ko\n",
                Ok(vec!["nfs_ssc".into(), "tpm_tis".into()]),
            ),
            (
                "garbage",
                "kernel/ok.ko\nhello\n",
                Err(malformed("modules.builtin", 2, "not a .ko path")),
            ),
        ];
        for (label, text, want) in cases {
            assert_eq!(parse_builtin(text), want, "failed testcase: {label}");
        }
    }
}
