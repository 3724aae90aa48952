//! DNS replies: the input is the reply to `query(ID, NAME)`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use osr_core::dns;

/// The seeds (examples/mkseeds.rs) answer this query.
pub const ID: u16 = 0x4f52;
pub const NAME: &str = "nfs.cluster.example";

fuzz_target!(|data: &[u8]| {
    if let Err(e) = dns::parse_response(ID, NAME, data) {
        let _ = e.to_string();
    }
});
