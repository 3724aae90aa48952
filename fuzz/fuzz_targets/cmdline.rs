//! The whole kernel command line: `Cmdline::parse` -> `Config::from_cmdline` -> the
//! drivers' step and the plan, printed as the boot log prints them.
#![no_main]

use libfuzzer_sys::fuzz_target;
use osr_core::cmdline::Cmdline;
use osr_core::config::Config;
use osr_core::plan;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let cmdline = Cmdline::parse(&text);
    let config = match Config::from_cmdline(&cmdline) {
        Ok(config) => config,
        Err(errors) => {
            let _ = errors.to_string();
            return;
        }
    };
    let _ = plan::drivers(&config, None).action.to_string();
    let _ = plan::module_options(&config);
    match plan::plan(&config) {
        Ok(p) => drop(p.to_string()),
        Err(e) => drop(e.to_string()),
    }
});
