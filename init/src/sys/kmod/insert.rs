//! Inserting planned modules into the kernel, layer by layer.
//!
//! Each module is inserted with `finit_module(2)` when its file is an uncompressed
//! `.ko` (the kernel reads it and can check its signature against the file), and
//! otherwise decompressed here and passed to `init_module(2)`. The kernel allows
//! concurrent insertion of independent modules, so each layer of the plan is
//! loaded by a few threads at once; layers are strictly sequential.
//!
//! `EEXIST` (someone loaded it meanwhile) counts as success. A module that fails
//! does not stop the others, but modules that need it are not attempted.
//!
//! Not supported: `MODULE_INIT_COMPRESSED_FILE` (in-kernel decompression, 6.4+),
//! `MODULE_INIT_IGNORE_*` flags (forced loads) and module removal.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::{CStr, CString};
use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use log::{debug, error, info, warn};
use nix::errno::Errno;
use nix::kmod::{finit_module, init_module, ModuleInitFlags};
use osr_core::kmod::{LoadPlan, ModuleRef};

use super::decompress::{decompress, Compression};

/// At most this many modules of one layer are inserted at once: enough to overlap
/// drivers whose probe waits on hardware, few enough to bound the memory held by
/// decompressed images.
const MAX_PARALLEL: usize = 16;

/// The two module-insertion syscalls, so the loader can be tested without a kernel.
pub trait ModuleInsert: Sync {
    /// `finit_module(fd, params, 0)`
    fn finit_module(&self, file: &File, params: &CStr) -> Result<(), Errno>;
    /// `init_module(image, len, params)`
    fn init_module(&self, image: &[u8], params: &CStr) -> Result<(), Errno>;
}

/// The real syscalls. See [init_module(2)](https://man7.org/linux/man-pages/man2/init_module.2.html).
pub struct LinuxModules;

impl ModuleInsert for LinuxModules {
    fn finit_module(&self, file: &File, params: &CStr) -> Result<(), Errno> {
        finit_module(file, params, ModuleInitFlags::empty())
    }

    fn init_module(&self, image: &[u8], params: &CStr) -> Result<(), Errno> {
        init_module(image, params)
    }
}

/// Why one module was not loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cannot decompress {} as {format}", path.display())]
    Decompress {
        path: PathBuf,
        format: &'static str,
        #[source]
        source: io::Error,
    },
    #[error("the parameters for {module} contain a NUL byte")]
    Params { module: String },
    #[error("{call}({}) failed with {errno:?}: {}", path.display(), errno_meaning(*errno))]
    Insert {
        call: &'static str,
        path: PathBuf,
        errno: Errno,
    },
    #[error("not attempted: it needs {dependency}, which failed to load")]
    DependencyFailed { dependency: String },
    #[error("the loader thread panicked")]
    Panicked,
}

/// What `init_module`'s errors mean for a module, which `strerror` does not say
/// (kmod's `mod_strerror` plus the signature errors of `module_sig_check`).
fn errno_meaning(errno: Errno) -> &'static str {
    match errno {
        Errno::ENOEXEC => "invalid module format (wrong architecture or corrupt file)",
        Errno::EINVAL => "invalid module: built for another kernel, or bad parameters (see dmesg)",
        Errno::ENOENT => "unknown symbol in module, or unknown parameter (see dmesg)",
        Errno::EKEYREJECTED => "module signature rejected",
        Errno::ENOKEY => "module signed with an unknown key",
        Errno::EBADMSG => "malformed module signature",
        Errno::EPERM => "module loading not permitted (lockdown, or modules_disabled)",
        Errno::ENOSYS => "kernel has no module support",
        Errno::EBUSY => "module is busy initialising elsewhere",
        Errno::ENODEV => "no matching hardware, or the module refused to initialise",
        other => other.desc(),
    }
}

/// One module's outcome.
#[derive(Debug)]
pub enum Outcome {
    Inserted(Duration),
    AlreadyLoaded,
}

/// The per-module results of one [`load_plan`] run, in plan order.
#[derive(Debug, Default)]
pub struct Loaded {
    pub inserted: Vec<(String, Duration)>,
    pub already: Vec<String>,
    pub failed: Vec<(String, LoadError)>,
}

/// Loads `plan`'s layers in order, each layer's modules concurrently. `loaded`
/// holds the modules already in the kernel and is updated; modules named in
/// `failed_before` (earlier rounds) are not retried and block their dependents.
pub fn load_plan(
    insert: &dyn ModuleInsert,
    moddir: &Path,
    plan: &LoadPlan,
    params: &BTreeMap<String, Vec<String>>,
    loaded: &mut BTreeSet<String>,
    failed_before: &BTreeSet<String>,
) -> Loaded {
    let mut out = Loaded::default();
    let mut failed: BTreeSet<String> = failed_before.clone();
    for layer in &plan.layers {
        let mut todo: Vec<&ModuleRef> = Vec::new();
        for module in layer {
            if loaded.contains(&module.name) {
                debug!("kmod: {} is already loaded", module.name);
                out.already.push(module.name.clone());
            } else if failed.contains(&module.name) {
                debug!("kmod: {} failed earlier, not retried", module.name);
            } else if let Some(dep) = module.deps.iter().find(|d| failed.contains(*d)) {
                let err = LoadError::DependencyFailed {
                    dependency: dep.clone(),
                };
                warn!(
                    "kmod: {} ({}): {err}",
                    module.name,
                    moddir.join(&module.path).display()
                );
                failed.insert(module.name.clone());
                out.failed.push((module.name.clone(), err));
            } else {
                todo.push(module);
            }
        }
        for chunk in todo.chunks(MAX_PARALLEL) {
            for (module, result) in insert_concurrently(insert, moddir, chunk, params) {
                record(&mut out, loaded, &mut failed, module, result);
            }
        }
    }
    out
}

fn record(
    out: &mut Loaded,
    loaded: &mut BTreeSet<String>,
    failed: &mut BTreeSet<String>,
    module: &ModuleRef,
    result: Result<Outcome, LoadError>,
) {
    match result {
        Ok(Outcome::Inserted(took)) => {
            info!("kmod: loaded {} in {} ms", module.name, took.as_millis());
            loaded.insert(module.name.clone());
            out.inserted.push((module.name.clone(), took));
        }
        Ok(Outcome::AlreadyLoaded) => {
            debug!("kmod: {} was loaded concurrently (EEXIST)", module.name);
            loaded.insert(module.name.clone());
            out.already.push(module.name.clone());
        }
        Err(err) => {
            error!(
                "kmod: failed to load {}: {}",
                module.name,
                error_chain(&err)
            );
            failed.insert(module.name.clone());
            out.failed.push((module.name.clone(), err));
        }
    }
}

/// Inserts `modules` on scoped threads (one each) and returns their results in
/// the same order. If a thread cannot be spawned, that module is loaded inline.
fn insert_concurrently<'m>(
    insert: &dyn ModuleInsert,
    moddir: &Path,
    modules: &[&'m ModuleRef],
    params: &BTreeMap<String, Vec<String>>,
) -> Vec<(&'m ModuleRef, Result<Outcome, LoadError>)> {
    if let [only] = modules {
        return vec![(*only, insert_module(insert, moddir, only, params))];
    }
    std::thread::scope(|scope| {
        let spawned: Vec<_> = modules
            .iter()
            .map(|&module| {
                let thread = std::thread::Builder::new()
                    .name(format!("kmod {}", module.name))
                    .spawn_scoped(scope, move || insert_module(insert, moddir, module, params));
                (module, thread)
            })
            .collect();
        spawned
            .into_iter()
            .map(|(module, thread)| {
                let result = match thread {
                    Ok(handle) => handle.join().unwrap_or(Err(LoadError::Panicked)),
                    Err(err) => {
                        debug!(
                            "kmod: no thread for {} ({err}); loading inline",
                            module.name
                        );
                        insert_module(insert, moddir, module, params)
                    }
                };
                (module, result)
            })
            .collect()
    })
}

/// Reads (and if need be decompresses) one module and inserts it.
pub fn insert_module(
    insert: &dyn ModuleInsert,
    moddir: &Path,
    module: &ModuleRef,
    params: &BTreeMap<String, Vec<String>>,
) -> Result<Outcome, LoadError> {
    let path = moddir.join(&module.path);
    let settings = params
        .get(&module.name)
        .map(|p| p.join(" "))
        .unwrap_or_default();
    let settings = CString::new(settings).map_err(|_| LoadError::Params {
        module: module.name.clone(),
    })?;
    let read_error = |source| LoadError::Read {
        path: path.clone(),
        source,
    };
    let started = Instant::now();
    let (call, result) = match Compression::from_path(&module.path) {
        None => {
            let file = File::open(&path).map_err(read_error)?;
            ("finit_module", insert.finit_module(&file, &settings))
        }
        Some(format) => {
            let data = fs::read(&path).map_err(read_error)?;
            let image = decompress(format, &data).map_err(|source| LoadError::Decompress {
                path: path.clone(),
                format: format.name(),
                source,
            })?;
            ("init_module", insert.init_module(&image, &settings))
        }
    };
    match result {
        Ok(()) => Ok(Outcome::Inserted(started.elapsed())),
        Err(Errno::EEXIST) => Ok(Outcome::AlreadyLoaded),
        Err(errno) => Err(LoadError::Insert { call, path, errno }),
    }
}

/// `err: cause: cause`, for log lines (the chain is printed once, here).
pub fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
