//! The kmod index files. Input: `modules.dep`, `modules.alias`, `modules.softdep`,
//! `modules.builtin`, `modules.builtin.modinfo` and a request, separated by 0xFF
//! bytes (never in UTF-8). The request's lines are names, or modaliases when they
//! hold a ':'; a line starting with '!' blacklists a name.
#![no_main]

use libfuzzer_sys::fuzz_target;
use osr_core::kmod::{IndexText, LoadRequest, ModuleIndex};

fuzz_target!(|data: &[u8]| {
    let mut parts = data.split(|b| *b == 0xff).map(String::from_utf8_lossy);
    let mut next = || parts.next().unwrap_or_default();
    let (dep, alias, softdep, builtin, modinfo, request) =
        (next(), next(), next(), next(), next(), next());
    let text = IndexText {
        dep: &dep,
        alias: &alias,
        softdep: &softdep,
        builtin: &builtin,
        builtin_modinfo: &modinfo,
    };
    let index = match ModuleIndex::parse(&text) {
        Ok(index) => index,
        Err(e) => return drop(e.to_string()),
    };
    let mut req = LoadRequest::default();
    for line in request.lines() {
        if let Some(name) = line.strip_prefix('!') {
            req.blacklist.push(name.to_string());
        } else if line.contains(':') {
            let _ = index.modules_for_alias(line);
            req.modaliases.push(line.to_string());
        } else {
            let _ = index.path_of(line);
            let _ = index.is_builtin(line);
            req.names.push(line.to_string());
        }
    }
    match index.plan(&req) {
        Ok(plan) => drop(plan.modules().count()),
        Err(e) => drop(e.to_string()),
    }
});
