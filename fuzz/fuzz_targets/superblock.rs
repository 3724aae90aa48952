//! Block probing: the input is the head of a device (up to 68 KiB), probed as
//! blkid does and read as a GFS2 and an OCFS2 superblock.
#![no_main]

use libfuzzer_sys::fuzz_target;
use osr_core::{blkid, gfs2, ocfs2};

fuzz_target!(|head: &[u8]| {
    let _ = blkid::probe(head);
    if let Ok(sb) = gfs2::superblock(head) {
        let _ = gfs2::lock_table(&sb.locktable);
    }
    if let Ok(sb) = ocfs2::superblock(head) {
        let _ = sb.region_name();
    }
    let _ = gfs2::identify(head);
    let _ = ocfs2::identify(head);
});
