//! Kernel module index and load planning, without udev or kmod.
//!
//! The binary reads the depmod(8) output files under `/lib/modules/<kver>` and the
//! devices' modaliases; this module turns that text into a [`LoadPlan`]: which
//! modules to load, in which order, and what could not be satisfied.
//!
//! - [`ModuleIndex::parse`] parses `modules.dep`, `modules.alias`, `modules.softdep`,
//!   `modules.builtin` and (optionally) `modules.builtin.modinfo`.
//! - [`ModuleIndex::modules_for_alias`] matches a modalias with kmod's fnmatch rules.
//! - [`ModuleIndex::plan`] resolves names and modaliases into dependency layers.
//!
//! Module names are normalised as kmod does (`-` → `_`), everywhere.
//!
//! Not supported, deliberately: modprobe.d(5) configuration (`options`, `install`,
//! `alias`, `softdep` there; the caller passes a blacklist and parameters instead),
//! `modules.symbols`, the binary `*.bin` indexes, and module versions/signatures,
//! which only the kernel checks. Nothing here reads a file or makes a syscall.

mod alias;
mod dep;
mod glob;
mod order;
mod plan;
mod softdep;

use std::collections::{HashMap, HashSet};

pub use alias::{normalize_alias, Alias};
pub use dep::DepLine;
pub use glob::fnmatch;
pub use plan::{LoadPlan, LoadRequest, ModuleRef, SkipReason, Skipped};
pub use softdep::SoftDeps;

use alias::AliasTable;

/// Errors from parsing the index files or planning a load.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KmodError {
    #[error("{file} line {line}: {reason}")]
    Malformed {
        file: &'static str,
        line: usize,
        reason: &'static str,
    },
    #[error("module {module} needs {dependency}, which is not in modules.dep")]
    UnknownDependency { module: String, dependency: String },
    #[error("module {module} needs {dependency}, which is blacklisted")]
    BlacklistedDependency { module: String, dependency: String },
    #[error("module dependency cycle: {}", .modules.join(" -> "))]
    Cycle { modules: Vec<String> },
}

/// The text of the depmod output files; leave a field empty when the file is absent
/// (only `modules.dep` is really required).
#[derive(Debug, Clone, Copy, Default)]
pub struct IndexText<'a> {
    pub dep: &'a str,
    pub alias: &'a str,
    pub softdep: &'a str,
    pub builtin: &'a str,
    /// `modules.builtin.modinfo` (NUL-separated); supplies built-in modules' aliases.
    pub builtin_modinfo: &'a str,
}

/// A loadable module as listed in `modules.dep`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Module {
    path: String,
    deps: Vec<String>,
}

/// Everything depmod says about one kernel's modules, ready for lookups.
#[derive(Debug, Default)]
pub struct ModuleIndex {
    modules: HashMap<String, Module>,
    aliases: AliasTable,
    softdeps: HashMap<String, SoftDeps>,
    builtin: HashSet<String>,
}

impl ModuleIndex {
    pub fn parse(text: &IndexText<'_>) -> Result<Self, KmodError> {
        let mut modules = HashMap::new();
        for line in dep::parse_dep(text.dep)? {
            // depmod never writes a module twice; if a hand-edited file does, keep
            // the first line as modprobe does.
            if modules.contains_key(&line.name) {
                log::warn!("modules.dep lists {} twice; using the first", line.name);
                continue;
            }
            let module = Module {
                path: line.path,
                deps: line.deps,
            };
            modules.insert(line.name, module);
        }
        let mut aliases = alias::parse_alias(text.alias)?;
        aliases.extend(alias::parse_builtin_modinfo(text.builtin_modinfo)?);
        Ok(Self {
            modules,
            aliases: AliasTable::new(aliases),
            softdeps: softdep::parse_softdep(text.softdep)?,
            builtin: dep::parse_builtin(text.builtin)?.into_iter().collect(),
        })
    }

    /// Number of loadable modules and of alias patterns, for a summary log line.
    pub fn counts(&self) -> (usize, usize) {
        (self.modules.len(), self.aliases.len())
    }

    /// Normalised names of the modules (loadable or built in) whose alias pattern
    /// matches `modalias`, each once, in `modules.alias` order.
    pub fn modules_for_alias(&self, modalias: &str) -> Vec<&str> {
        self.aliases.lookup(modalias)
    }

    pub fn is_builtin(&self, name: &str) -> bool {
        self.builtin.contains(&normalize_name(name))
    }

    /// The `modules.dep` path of a loadable module, relative to the module directory.
    pub fn path_of(&self, name: &str) -> Option<&str> {
        self.modules
            .get(&normalize_name(name))
            .map(|m| m.path.as_str())
    }

    fn module(&self, name: &str) -> Option<&Module> {
        self.modules.get(name)
    }

    fn softdeps_of(&self, name: &str) -> Option<&SoftDeps> {
        self.softdeps.get(name)
    }
}

/// kmod's module name normalisation: `-` and `_` are interchangeable.
pub fn normalize_name(name: &str) -> String {
    name.replace('-', "_")
}

/// The module name a `.ko` path stands for: the file name without `.ko` (and any
/// `.xz`/`.zst`/`.gz` compression suffix), normalised. `None` if not a module path.
pub fn module_name_from_path(path: &str) -> Option<String> {
    let file = path.rsplit('/').next()?;
    let stem = [".ko", ".ko.xz", ".ko.zst", ".ko.gz"]
        .iter()
        .find_map(|suffix| file.strip_suffix(suffix))?;
    (!stem.is_empty()).then(|| normalize_name(stem))
}

/// Whether a modalias describes a network device before any driver is bound: a PCI
/// function of base class 02 (network controller) or a virtio device of type 1
/// (virtio-net). Other buses' NICs (USB CDC, platform) are not recognised here; the
/// caller also treats devices with a `net/` directory as network devices.
pub fn is_network_modalias(modalias: &str) -> bool {
    if let Some(pci) = modalias.strip_prefix("pci:") {
        // pci:v<8>d<8>sv<8>sd<8>bc<2>sc<2>i<2>; IDs are upper-case hex, so the
        // lower-case `bc` marker cannot occur inside them.
        return pci
            .rfind("bc")
            .and_then(|at| pci.get(at + 2..at + 4))
            .is_some_and(|class| class == "02");
    }
    modalias.starts_with("virtio:d00000001v")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_name_from_path_table() {
        let cases: &[(&str, &str, Option<&str>)] = &[
            ("plain", "kernel/net/core/failover.ko", Some("failover")),
            (
                "dash",
                "kernel/arch/x86/crypto/crc32c-intel.ko",
                Some("crc32c_intel"),
            ),
            ("xz", "kernel/fs/nfs/nfs.ko.xz", Some("nfs")),
            ("zst", "kernel/fs/nfs/nfs.ko.zst", Some("nfs")),
            ("gz", "kernel/fs/nfs/nfs.ko.gz", Some("nfs")),
            ("no dir", "e1000.ko", Some("e1000")),
            ("object file", "kernel/fs/nfs/nfs.o", None),
            ("bzip2 unsupported", "kernel/fs/nfs/nfs.ko.bz2", None),
            ("bare suffix", "kernel/.ko", None),
        ];
        for (label, path, want) in cases {
            assert_eq!(
                module_name_from_path(path).as_deref(),
                *want,
                "failed testcase: {label}"
            );
        }
    }

    #[test]
    fn is_network_modalias_table() {
        let cases: &[(&str, &str, bool)] = &[
            (
                "virtio-net pci",
                "pci:v00001AF4d00001000sv00001AF4sd00000001bc02sc00i00",
                true,
            ),
            (
                "e1000",
                "pci:v00008086d0000100Esv00008086sd0000001Ebc02sc00i00",
                true,
            ),
            (
                "virtio-blk pci",
                "pci:v00001AF4d00001001sv00001AF4sd00000002bc01sc00i00",
                false,
            ),
            ("virtio net bus", "virtio:d00000001v00001AF4", true),
            ("virtio blk bus", "virtio:d00000002v00001AF4", false),
            (
                "truncated pci",
                "pci:v00001AF4d00001000sv00001AF4sd00000001bc0",
                false,
            ),
            ("acpi", "acpi:PNP0A03:", false),
        ];
        for (label, modalias, want) in cases {
            assert_eq!(
                is_network_modalias(modalias),
                *want,
                "failed testcase: {label}"
            );
        }
    }

    #[test]
    fn index_rejects_bad_files() {
        let good = IndexText {
            dep: "kernel/a.ko:\n",
            ..IndexText::default()
        };
        let cases: Vec<(&str, IndexText<'_>, KmodError)> = vec![
            (
                "dep",
                IndexText {
                    dep: "nonsense\n",
                    ..good
                },
                dep::malformed("modules.dep", 1, "missing ':'"),
            ),
            (
                "alias",
                IndexText {
                    alias: "alias x\n",
                    ..good
                },
                dep::malformed("modules.alias", 1, "expected 'alias <pattern> <module>'"),
            ),
            (
                "softdep",
                IndexText {
                    softdep: "\nsoftdep\n",
                    ..good
                },
                dep::malformed("modules.softdep", 2, "missing module name"),
            ),
            (
                "builtin",
                IndexText {
                    builtin: "x\n",
                    ..good
                },
                dep::malformed("modules.builtin", 1, "not a .ko path"),
            ),
        ];
        for (label, text, want) in cases {
            assert_eq!(
                ModuleIndex::parse(&text).err(),
                Some(want),
                "failed testcase: {label}"
            );
        }
    }

    #[test]
    fn index_lookups() {
        let index = ModuleIndex::parse(&IndexText {
            dep: "kernel/a.ko:\nkernel/a.ko: kernel/b.ko\nkernel/x-y.ko.xz:\n",
            builtin: "kernel/fs/ext4/ext4.ko\n",
            builtin_modinfo: "ext4.alias=fs-ext4\0",
            ..IndexText::default()
        })
        .unwrap();
        assert_eq!(index.counts(), (2, 1));
        assert_eq!(index.path_of("x-y"), Some("kernel/x-y.ko.xz"));
        assert_eq!(
            index.module("a").map(|m| m.deps.len()),
            Some(0),
            "first line wins"
        );
        assert!(index.is_builtin("ext4"));
        assert_eq!(index.modules_for_alias("fs-ext4"), ["ext4"]);
    }
}
