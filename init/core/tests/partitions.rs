//! Partition tables made by util-linux's sfdisk (`fixtures/parts/`, see its make.sh):
//! what `block::partitions` reads from the first sectors (512-byte, and 4096-byte for `gpt4k`) must be what `sfdisk -d`
//! printed for the whole image, with PARTUUIDs written as blkid writes them.

// Test helpers outside #[test] functions: a panic here is a test failure.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use osr_core::block::{partitions, Partition};

fn fixture(name: &str) -> String {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/parts");
    String::from_utf8_lossy(&std::fs::read(dir.join(name)).unwrap()).into_owned()
}

fn head(name: &str) -> Vec<u8> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/parts");
    std::fs::read(dir.join(format!("{name}.head"))).unwrap()
}

/// `key=value` of one `sfdisk -d` partition line.
fn field<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    line.split(", ")
        .flat_map(|f| f.split(" : "))
        .find_map(|f| f.trim().strip_prefix(key)?.strip_prefix('='))
        .map(|v| v.trim_matches('"'))
}

/// The partitions `sfdisk -d` printed: number, PARTUUID as blkid prints it, name.
fn sfdisk_said(name: &str) -> Vec<Partition> {
    let text = fixture(&format!("{name}.sfdisk"));
    let label_id = text
        .lines()
        .find_map(|l| l.strip_prefix("label-id: "))
        .unwrap()
        .trim_start_matches("0x")
        .to_lowercase();
    text.lines()
        .filter(|l| l.starts_with(&format!("{name}.img")))
        .map(|l| {
            let number: u32 = l
                .split_whitespace()
                .next()
                .unwrap()
                .trim_start_matches(&format!("{name}.img"))
                .parse()
                .unwrap();
            Partition {
                number,
                uuid: field(l, "uuid")
                    .map(str::to_lowercase)
                    .unwrap_or_else(|| format!("{label_id}-{number:02x}")),
                label: field(l, "name").map(str::to_string),
            }
        })
        .collect()
}

#[test]
fn gpt_as_sfdisk_wrote_it() {
    let want = sfdisk_said("gpt");
    assert_eq!(want.len(), 2, "{want:?}");
    assert_eq!(partitions(&head("gpt")), want);
}

#[test]
fn gpt_of_a_4kn_disk_as_sfdisk_wrote_it() {
    let want = sfdisk_said("gpt4k");
    assert_eq!(want.len(), 1, "{want:?}");
    assert_eq!(partitions(&head("gpt4k")), want);
}

#[test]
fn mbr_as_sfdisk_wrote_it() {
    let want = sfdisk_said("mbr");
    assert_eq!(want.len(), 2, "{want:?}");
    assert_eq!(partitions(&head("mbr")), want);
}

#[test]
fn gpt_cut_short_or_damaged_is_no_table() {
    let h = head("gpt");
    // the whole entry array is needed to check its CRC, as the kernel does
    assert!(partitions(&h[..1024 + 64 * 128]).is_empty());
    for off in [512 + 8, 512 + 88, 1024 + 16, 1024 + 128 * 128 - 1] {
        let mut bad = h.clone();
        bad[off] ^= 0x10;
        assert!(partitions(&bad).is_empty(), "byte {off} flipped");
    }
}
