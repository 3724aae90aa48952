//! `rootovlcfg=` and `.rootovldel`. Input: the first line is the `rootovlcfg=` value
//! (comma-separated names, `%h`/`%n` expanded), the rest a `.rootovldel` file whose
//! paths are checked and resolved in a root where `/l<n>` names link to the
//! path on line n of the file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use osr_core::rootovl;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (cfg, del) = text.split_once('\n').unwrap_or((&text, ""));
    let mut names = Vec::new();
    for name in cfg.split(',') {
        if let Ok(n) = rootovl::expand(name, Some("node1"), Some("2")) {
            names.push(n);
        }
        let _ = rootovl::check_name(name);
    }
    let _ = rootovl::order(&names);
    let lines = rootovl::parse_del(del);
    for l in &lines {
        let Ok(comps) = rootovl::check_path(&l.path) else {
            continue;
        };
        let _ = rootovl::display(&comps);
        for c in &comps {
            if rootovl::is_pattern(c) {
                let _ = rootovl::component_matches(c, "name.conf");
            }
        }
        let _ = rootovl::resolve_in_root(&comps, |prefix| {
            let last = prefix.last()?.strip_prefix('l')?;
            let n: usize = last.parse().ok()?;
            lines.get(n).map(|l| l.path.clone())
        });
    }
});
