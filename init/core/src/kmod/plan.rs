//! Turns requested module names and device modaliases into an ordered load plan.
//!
//! Resolution follows modprobe(8) where it makes sense for an initramfs:
//! - a name is a loadable module, else a built-in one, else an alias
//!   (`crypto-crc32c`), which may select several modules, all of which are loaded;
//! - the hard dependencies from `modules.dep` are always needed;
//! - `pre:` soft dependencies are loaded before their module, `post:` ones after,
//!   and their own dependencies and soft dependencies are followed too (as kmod's
//!   `__kmod_module_get_probe_list` does);
//! - the blacklist applies to modules selected by name, alias or soft dependency,
//!   but a blacklisted *hard* dependency is an error, since the module needing it
//!   cannot load without it.
//!
//! The output is a list of layers: every module in layer N waits only for modules in
//! layers < N (hard dependencies, `pre:` soft dependencies and the modules a `post:`
//! soft dependency follows), so one layer's modules can be loaded concurrently.
//!
//! Not supported: modprobe.d(5) `install`/`remove` commands and option merging;
//! "already loaded" is the caller's knowledge, not the planner's.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt;

use super::{normalize_name, order, KmodError, ModuleIndex};

/// What to load: explicit module names (e.g. `nfsv4`, `overlay`, `rd.driver.pre`),
/// the modaliases of the devices found, and the names never to load by choice.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoadRequest {
    pub names: Vec<String>,
    pub modaliases: Vec<String>,
    pub blacklist: Vec<String>,
}

/// One module to load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleRef {
    /// Normalised module name, as in `/proc/modules`.
    pub name: String,
    /// Path relative to `/lib/modules/<kver>`, e.g. `kernel/drivers/net/virtio_net.ko`.
    pub path: String,
    /// Hard dependencies (from `modules.dep`): if one of them fails to load, this
    /// module cannot load either.
    pub deps: Vec<String>,
}

/// Why a module that was asked for, directly or indirectly, is not in the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkipReason {
    /// Requested by name, but blacklisted.
    Blacklisted,
    /// Matched a device's modalias, but blacklisted.
    BlacklistedAlias { modalias: String },
    /// A soft dependency of `of`, but blacklisted.
    BlacklistedSoftdep { of: String },
    /// A soft dependency of `of` that no module, built-in or alias provides.
    SoftdepNotFound { of: String },
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Blacklisted => write!(f, "blacklisted"),
            Self::BlacklistedAlias { modalias } => {
                write!(f, "blacklisted (matched modalias {modalias})")
            }
            Self::BlacklistedSoftdep { of } => write!(f, "blacklisted (soft dependency of {of})"),
            Self::SoftdepNotFound { of } => write!(f, "not found (soft dependency of {of})"),
        }
    }
}

/// A module left out of the plan, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub name: String,
    pub reason: SkipReason,
}

/// The result of [`ModuleIndex::plan`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoadPlan {
    /// Modules to load, layer by layer; each layer sorted by name.
    pub layers: Vec<Vec<ModuleRef>>,
    /// Requested modules that are built into the kernel: nothing to load.
    pub builtin: Vec<String>,
    pub skipped: Vec<Skipped>,
    /// Modaliases that no module (loadable or built in) matches.
    pub unmatched: Vec<String>,
    /// Requested names that are neither a module, a built-in nor an alias.
    pub missing: Vec<String>,
}

impl LoadPlan {
    /// All modules of the plan, in load order.
    pub fn modules(&self) -> impl Iterator<Item = &ModuleRef> {
        self.layers.iter().flatten()
    }
}

/// What a name or alias resolves to.
enum Target<'a> {
    Loadable(&'a str),
    Builtin(&'a str),
}

struct Planner<'a> {
    index: &'a ModuleIndex,
    blacklist: HashSet<String>,
    /// Loadable modules in the plan.
    wanted: BTreeSet<&'a str>,
    /// Modules whose dependencies and soft dependencies are still to be followed.
    queue: Vec<&'a str>,
    /// module -> the modules that must be loaded before it.
    after: BTreeMap<&'a str, BTreeSet<&'a str>>,
    plan: LoadPlan,
}

impl ModuleIndex {
    /// Resolves `request` into layers of modules to load.
    ///
    /// Errors: a hard dependency that is blacklisted or absent from `modules.dep`,
    /// or a dependency cycle (only possible through soft dependencies or a
    /// hand-edited `modules.dep`).
    pub fn plan(&self, request: &LoadRequest) -> Result<LoadPlan, KmodError> {
        let mut planner = Planner {
            index: self,
            blacklist: request
                .blacklist
                .iter()
                .map(|b| normalize_name(b))
                .collect(),
            wanted: BTreeSet::new(),
            queue: Vec::new(),
            after: BTreeMap::new(),
            plan: LoadPlan::default(),
        };
        for name in &request.names {
            planner.request_name(name);
        }
        for modalias in &request.modaliases {
            planner.request_modalias(modalias);
        }
        planner.follow_dependencies()?;
        planner.into_layers()
    }

    /// Resolves a module name or alias; unknown modules an alias points at are
    /// dropped (an index built for a different module set).
    fn resolve<'a>(&'a self, name: &str) -> Vec<Target<'a>> {
        if let Some(target) = self.target(name) {
            return vec![target];
        }
        self.modules_for_alias(name)
            .into_iter()
            .filter_map(|module| {
                let target = self.target(module);
                if target.is_none() {
                    log::debug!("alias {name} points at unknown module {module}");
                }
                target
            })
            .collect()
    }

    fn target(&self, name: &str) -> Option<Target<'_>> {
        if let Some((key, _)) = self.modules.get_key_value(name) {
            return Some(Target::Loadable(key));
        }
        self.builtin.get(name).map(|key| Target::Builtin(key))
    }
}

impl<'a> Planner<'a> {
    fn request_name(&mut self, name: &str) {
        let name = normalize_name(name);
        if self.blacklist.contains(&name) {
            self.skip(&name, SkipReason::Blacklisted);
            return;
        }
        let targets = self.index.resolve(&name);
        if targets.is_empty() {
            push_unique(&mut self.plan.missing, name);
            return;
        }
        for target in targets {
            self.accept(target, || SkipReason::Blacklisted);
        }
    }

    fn request_modalias(&mut self, modalias: &str) {
        let targets = self.index.resolve(modalias);
        if targets.is_empty() {
            push_unique(&mut self.plan.unmatched, modalias.to_owned());
            return;
        }
        for target in targets {
            self.accept(target, || SkipReason::BlacklistedAlias {
                modalias: modalias.to_owned(),
            });
        }
    }

    /// Adds a resolved module to the plan unless blacklisted; returns the loadable
    /// module's name if it was added (or was already in).
    fn accept(
        &mut self,
        target: Target<'a>,
        why_skip: impl FnOnce() -> SkipReason,
    ) -> Option<&'a str> {
        let name = match target {
            Target::Loadable(name) | Target::Builtin(name) => name,
        };
        if self.blacklist.contains(name) {
            self.skip(name, why_skip());
            return None;
        }
        match target {
            Target::Builtin(name) => {
                push_unique(&mut self.plan.builtin, name.to_owned());
                None
            }
            Target::Loadable(name) => {
                if self.wanted.insert(name) {
                    self.queue.push(name);
                }
                Some(name)
            }
        }
    }

    fn skip(&mut self, name: &str, reason: SkipReason) {
        let skipped = Skipped {
            name: name.to_owned(),
            reason,
        };
        if !self.plan.skipped.contains(&skipped) {
            self.plan.skipped.push(skipped);
        }
    }

    /// Computes the closure of the wanted set under hard and soft dependencies,
    /// recording the ordering constraints on the way.
    fn follow_dependencies(&mut self) -> Result<(), KmodError> {
        while let Some(name) = self.queue.pop() {
            let Some(module) = self.index.module(name) else {
                continue;
            };
            for dep in &module.deps {
                if self.blacklist.contains(dep) {
                    return Err(KmodError::BlacklistedDependency {
                        module: name.to_owned(),
                        dependency: dep.clone(),
                    });
                }
                let Some(Target::Loadable(dep)) = self.index.target(dep) else {
                    return Err(KmodError::UnknownDependency {
                        module: name.to_owned(),
                        dependency: dep.clone(),
                    });
                };
                self.order(dep, name);
                self.accept(Target::Loadable(dep), || SkipReason::Blacklisted);
            }
            if let Some(soft) = self.index.softdeps_of(name) {
                for pre in &soft.pre {
                    for loaded_first in self.accept_softdep(pre, name) {
                        self.order(loaded_first, name);
                    }
                }
                for post in &soft.post {
                    for loaded_later in self.accept_softdep(post, name) {
                        self.order(name, loaded_later);
                    }
                }
            }
        }
        Ok(())
    }

    fn accept_softdep(&mut self, softdep: &str, of: &str) -> Vec<&'a str> {
        if self.blacklist.contains(softdep) {
            self.skip(
                softdep,
                SkipReason::BlacklistedSoftdep { of: of.to_owned() },
            );
            return Vec::new();
        }
        let targets = self.index.resolve(softdep);
        if targets.is_empty() {
            self.skip(softdep, SkipReason::SoftdepNotFound { of: of.to_owned() });
        }
        targets
            .into_iter()
            .filter_map(|target| {
                self.accept(target, || SkipReason::BlacklistedSoftdep {
                    of: of.to_owned(),
                })
            })
            .collect()
    }

    /// Records that `first` must be loaded before `then`.
    fn order(&mut self, first: &'a str, then: &'a str) {
        // A module naming itself as a soft dependency is a no-op for kmod too.
        if first != then {
            self.after.entry(then).or_default().insert(first);
        }
    }

    /// Turns the wanted set and its ordering constraints into layers.
    fn into_layers(mut self) -> Result<LoadPlan, KmodError> {
        let layers = order::layers(&self.wanted, &self.after)
            .map_err(|modules| KmodError::Cycle { modules })?;
        for layer in layers {
            let refs = layer.iter().filter_map(|m| self.module_ref(m)).collect();
            self.plan.layers.push(refs);
        }
        Ok(self.plan)
    }

    fn module_ref(&self, name: &str) -> Option<ModuleRef> {
        let module = self.index.module(name)?;
        Some(ModuleRef {
            name: name.to_owned(),
            path: module.path.clone(),
            deps: module.deps.clone(),
        })
    }
}

fn push_unique(list: &mut Vec<String>, item: String) {
    if !list.contains(&item) {
        list.push(item);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kmod::IndexText;

    const DEP: &str = "\
kernel/drivers/net/virtio_net.ko: kernel/drivers/net/net_failover.ko kernel/net/core/failover.ko kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko
kernel/drivers/net/net_failover.ko: kernel/net/core/failover.ko
kernel/net/core/failover.ko:
kernel/drivers/virtio/virtio.ko:
kernel/drivers/virtio/virtio_ring.ko:
kernel/drivers/virtio/virtio_pci.ko: kernel/drivers/virtio/virtio_pci_modern_dev.ko kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko
kernel/drivers/virtio/virtio_pci_modern_dev.ko:
kernel/fs/ext4/ext4.ko: kernel/lib/crc16.ko kernel/fs/mbcache.ko kernel/fs/jbd2/jbd2.ko
kernel/lib/crc16.ko:
kernel/fs/mbcache.ko:
kernel/fs/jbd2/jbd2.ko:
kernel/arch/x86/crypto/crc32c-intel.ko:
kernel/crypto/crc32c_generic.ko:
kernel/drivers/net/ethernet/intel/e1000/e1000.ko.xz:
kernel/test/post_base.ko:
kernel/test/post_extra.ko:
kernel/test/cyc_a.ko:
kernel/test/cyc_b.ko: kernel/test/cyc_c.ko
kernel/test/cyc_c.ko:
kernel/test/needs_ghost.ko: kernel/test/ghost.ko
";
    const ALIAS: &str = "\
alias pci:v00001AF4d*sv*sd*bc*sc*i* virtio_pci
alias virtio:d00000001v* virtio_net
alias pci:v00008086d0000100Esv*sd*bc*sc*i* e1000
alias crypto-crc32c crc32c_intel
alias crypto-crc32c crc32c_generic
alias fs-ext4 ext4
alias pci:v0000BEEFd*sv*sd*bc*sc*i* gone_module
";
    const SOFTDEP: &str = "\
softdep ext4 pre: crypto-crc32c
softdep jbd2 pre: crypto-crc32c
softdep post_base post: post_extra
softdep e1000 pre: nonexistent
softdep cyc_a pre: cyc_b
softdep cyc_c pre: cyc_a
softdep virtio self: pre: virtio
";
    const BUILTIN: &str = "kernel/fs/overlayfs/overlay.ko\nkernel/drivers/net/builtin-nic.ko\n";
    const MODINFO: &str =
        "builtin_nic.alias=pci:v0000ABCDd*sv*sd*bc*sc*i*\0builtin_nic.license=GPL\0";

    const VIRTIO_PCI_NIC: &str = "pci:v00001AF4d00001000sv00001AF4sd00000001bc02sc00i00";
    const E1000_NIC: &str = "pci:v00008086d0000100Esv00008086sd0000001Ebc02sc00i00";

    fn index() -> ModuleIndex {
        ModuleIndex::parse(&IndexText {
            dep: DEP,
            alias: ALIAS,
            softdep: SOFTDEP,
            builtin: BUILTIN,
            builtin_modinfo: MODINFO,
        })
        .unwrap()
    }

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    fn request(names: &[&str], modaliases: &[&str], blacklist: &[&str]) -> LoadRequest {
        LoadRequest {
            names: strings(names),
            modaliases: strings(modaliases),
            blacklist: strings(blacklist),
        }
    }

    /// The plan with module refs reduced to names, for compact expectations.
    #[derive(Debug, Default, PartialEq)]
    struct Outline {
        layers: Vec<Vec<String>>,
        builtin: Vec<String>,
        skipped: Vec<(String, String)>,
        unmatched: Vec<String>,
        missing: Vec<String>,
    }

    fn outline(plan: LoadPlan) -> Outline {
        Outline {
            layers: plan
                .layers
                .iter()
                .map(|l| l.iter().map(|m| m.name.clone()).collect())
                .collect(),
            builtin: plan.builtin,
            skipped: plan
                .skipped
                .iter()
                .map(|s| (s.name.clone(), s.reason.to_string()))
                .collect(),
            unmatched: plan.unmatched,
            missing: plan.missing,
        }
    }

    fn layers(layers: &[&[&str]]) -> Outline {
        Outline {
            layers: layers.iter().map(|l| strings(l)).collect(),
            ..Outline::default()
        }
    }

    fn with_skipped(mut outline: Outline, skipped: &[(&str, &str)]) -> Outline {
        outline.skipped = skipped
            .iter()
            .map(|(n, r)| ((*n).to_owned(), (*r).to_owned()))
            .collect();
        outline
    }

    const VIRTIO_NET: &[&[&str]] = &[
        &["failover", "virtio", "virtio_ring"],
        &["net_failover"],
        &["virtio_net"],
    ];
    const EXT4: &[&[&str]] = &[
        &["crc16", "crc32c_generic", "crc32c_intel", "mbcache"],
        &["jbd2"],
        &["ext4"],
    ];

    #[test]
    fn plan_table() {
        let index = index();
        let cases: Vec<(&str, LoadRequest, Result<Outline, KmodError>)> = vec![
            ("nothing", request(&[], &[], &[]), Ok(Outline::default())),
            (
                "name with deps",
                request(&["virtio_net"], &[], &[]),
                Ok(layers(VIRTIO_NET)),
            ),
            (
                "duplicates and dash spelling collapse",
                request(
                    &["virtio-net", "virtio_net"],
                    &["virtio:d00000001v00001AF4", "virtio:d00000001v00001AF4"],
                    &[],
                ),
                Ok(layers(VIRTIO_NET)),
            ),
            (
                "virtio pci modalias",
                request(&[], &[VIRTIO_PCI_NIC], &[]),
                Ok(layers(&[
                    &["virtio", "virtio_pci_modern_dev", "virtio_ring"],
                    &["virtio_pci"],
                ])),
            ),
            (
                "pre softdep via alias, also of a dependency",
                request(&["ext4"], &[], &[]),
                Ok(layers(EXT4)),
            ),
            (
                "name that is an alias",
                request(&["fs-ext4"], &[], &[]),
                Ok(layers(EXT4)),
            ),
            (
                "post softdep loads after",
                request(&["post_base"], &[], &[]),
                Ok(layers(&[&["post_base"], &["post_extra"]])),
            ),
            (
                "softdep on itself ignored",
                request(&["virtio"], &[], &[]),
                Ok(layers(&[&["virtio"]])),
            ),
            (
                "missing softdep reported, module still loaded",
                request(&[], &[E1000_NIC], &[]),
                Ok(with_skipped(
                    layers(&[&["e1000"]]),
                    &[("nonexistent", "not found (soft dependency of e1000)")],
                )),
            ),
            (
                "builtin by name and by alias",
                request(
                    &["overlay"],
                    &["pci:v0000ABCDd00000001sv00000000sd00000000bc02sc00i00"],
                    &[],
                ),
                Ok(Outline {
                    builtin: strings(&["overlay", "builtin_nic"]),
                    ..Outline::default()
                }),
            ),
            (
                "unmatched modalias, also when the alias names an absent module",
                request(
                    &[],
                    &[
                        "pci:v00001234d00005678sv00000000sd00000000bc02sc00i00",
                        "pci:v0000BEEFd00000001sv00000000sd00000000bc02sc00i00",
                    ],
                    &[],
                ),
                Ok(Outline {
                    unmatched: strings(&[
                        "pci:v00001234d00005678sv00000000sd00000000bc02sc00i00",
                        "pci:v0000BEEFd00000001sv00000000sd00000000bc02sc00i00",
                    ]),
                    ..Outline::default()
                }),
            ),
            (
                "unknown name",
                request(&["nosuch"], &[], &[]),
                Ok(Outline {
                    missing: strings(&["nosuch"]),
                    ..Outline::default()
                }),
            ),
            (
                "explicit name blacklisted",
                request(&["e1000"], &[], &["e1000"]),
                Ok(with_skipped(
                    Outline::default(),
                    &[("e1000", "blacklisted")],
                )),
            ),
            (
                "alias match blacklisted",
                request(&[], &[E1000_NIC], &["e1000"]),
                Ok(with_skipped(
                    Outline::default(),
                    &[(
                        "e1000",
                        &format!("blacklisted (matched modalias {E1000_NIC})"),
                    )],
                )),
            ),
            (
                "softdep blacklisted by its module name",
                request(&["ext4"], &[], &["crc32c-intel"]),
                Ok(with_skipped(
                    layers(&[
                        &["crc16", "crc32c_generic", "mbcache"],
                        &["jbd2"],
                        &["ext4"],
                    ]),
                    &[
                        ("crc32c_intel", "blacklisted (soft dependency of ext4)"),
                        ("crc32c_intel", "blacklisted (soft dependency of jbd2)"),
                    ],
                )),
            ),
            (
                "softdep blacklisted by its alias",
                request(&["jbd2"], &[], &["crypto-crc32c"]),
                Ok(with_skipped(
                    layers(&[&["jbd2"]]),
                    &[("crypto_crc32c", "blacklisted (soft dependency of jbd2)")],
                )),
            ),
            (
                "hard dependency blacklisted",
                request(&[], &["virtio:d00000001v00001AF4"], &["failover"]),
                Err(KmodError::BlacklistedDependency {
                    module: "virtio_net".into(),
                    dependency: "failover".into(),
                }),
            ),
            (
                "hard dependency absent",
                request(&["needs_ghost"], &[], &[]),
                Err(KmodError::UnknownDependency {
                    module: "needs_ghost".into(),
                    dependency: "ghost".into(),
                }),
            ),
            (
                "cycle through soft and hard dependencies",
                request(&["cyc_a"], &[], &[]),
                Err(KmodError::Cycle {
                    modules: strings(&["cyc_a", "cyc_b", "cyc_c", "cyc_a"]),
                }),
            ),
        ];
        for (label, request, want) in cases {
            let got = index.plan(&request).map(outline);
            assert_eq!(got, want, "failed testcase: {label}");
        }
    }

    #[test]
    fn module_refs_carry_path_and_hard_deps() {
        let plan = index()
            .plan(&request(&["e1000", "net_failover"], &[], &[]))
            .unwrap();
        let refs: Vec<&ModuleRef> = plan.modules().collect();
        assert_eq!(
            refs,
            [
                &ModuleRef {
                    name: "e1000".into(),
                    path: "kernel/drivers/net/ethernet/intel/e1000/e1000.ko.xz".into(),
                    deps: vec![],
                },
                &ModuleRef {
                    name: "failover".into(),
                    path: "kernel/net/core/failover.ko".into(),
                    deps: vec![],
                },
                &ModuleRef {
                    name: "net_failover".into(),
                    path: "kernel/drivers/net/net_failover.ko".into(),
                    deps: vec!["failover".into()],
                },
            ]
        );
    }

    #[test]
    fn layers_respect_every_constraint() {
        let index = index();
        let plan = index
            .plan(&request(
                &["ext4", "post_base", "virtio_net"],
                &[VIRTIO_PCI_NIC, E1000_NIC],
                &[],
            ))
            .unwrap();
        let layer_of = |name: &str| {
            plan.layers
                .iter()
                .position(|l| l.iter().any(|m| m.name == name))
                .unwrap()
        };
        for module in plan.modules() {
            for dep in &module.deps {
                assert!(
                    layer_of(dep) < layer_of(&module.name),
                    "{dep} before {}",
                    module.name
                );
            }
        }
        assert!(layer_of("crc32c_intel") < layer_of("jbd2"));
        assert!(layer_of("post_base") < layer_of("post_extra"));
    }
}
