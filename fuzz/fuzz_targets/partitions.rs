//! Partition tables: the input is the head of a disk (MBR, GPT header and entries).
#![no_main]

use libfuzzer_sys::fuzz_target;
use osr_core::block;

fuzz_target!(|head: &[u8]| {
    for p in block::partitions(head) {
        let _ = block::partition_name("sda", p.number);
    }
});
