//! The CDSL inventory (`cdsl.xml`, v1 or v2), on to the layout it gives, rendered back
//! and parsed again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use osr_core::cdsl;

fuzz_target!(|data: &[u8]| {
    let xml = String::from_utf8_lossy(data);
    let inv = match cdsl::parse_inventory(&xml) {
        Ok(inv) => inv,
        Err(e) => return drop(e),
    };
    for c in &inv.cdsls {
        let _ = inv.ancestor(&c.src);
        let _ = inv.descendants(&c.src).count();
    }
    let _ = cdsl::layout(Some(&xml), None, &|_| true, &cdsl::Overrides::default());
    let _ = cdsl::parse_inventory(&cdsl::render_inventory(&inv));
});
