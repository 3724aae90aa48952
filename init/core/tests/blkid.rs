//! Superblock probe tests against the heads of real images made by the mkfs tools
//! (`fixtures/blkid/`). `<fs>.head` is the start of an image, `<fs>.at65536` the
//! superblock found at 64 KiB (the bytes before it were all zero), and `<fs>.blkid`
//! the `TYPE`/`UUID`/`LABEL` lines `blkid -p -o export` printed for the full image.

// Test helpers outside #[test] functions: a panic here is a test failure.
#![allow(clippy::unwrap_used, clippy::panic)]

use osr_core::blkid::{matches, parse_root_device, probe, Probe, PROBE_SIZE};

/// Fixture names; `-4k` ones were made with 4 KiB blocks (ocfs2's superblock then
/// sits at 8 KiB).
const FILESYSTEMS: [&str; 10] = [
    "ext2", "ext3", "ext4", "ext4-4k", "xfs", "btrfs", "squashfs", "gfs2", "ocfs2", "ocfs2-4k",
];
const TYPES: [&str; 8] = [
    "ext2", "ext3", "ext4", "xfs", "btrfs", "squashfs", "gfs2", "ocfs2",
];

fn fixture(name: &str) -> Option<Vec<u8>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/blkid");
    std::fs::read(dir.join(name)).ok()
}

/// The device head as the caller would read it: `PROBE_SIZE` bytes, or fewer.
fn head(fs: &str) -> Vec<u8> {
    if let Some(h) = fixture(&format!("{fs}.head")) {
        return h;
    }
    let sb = fixture(&format!("{fs}.at65536")).unwrap_or_else(|| panic!("no fixture for {fs}"));
    let mut buf = vec![0u8; 65536];
    buf.extend_from_slice(&sb);
    buf
}

fn blkid_said(fs: &str) -> Probe {
    let text = String::from_utf8(fixture(&format!("{fs}.blkid")).unwrap()).unwrap();
    let mut p = Probe {
        fstype: "",
        uuid: None,
        label: None,
    };
    for line in text.lines() {
        match line.split_once('=').unwrap() {
            ("TYPE", v) => p.fstype = TYPES.iter().find(|f| **f == v).unwrap(),
            ("UUID", v) => p.uuid = Some(v.to_owned()),
            ("LABEL", v) => p.label = Some(v.to_owned()),
            other => panic!("unexpected blkid line {other:?}"),
        }
    }
    p
}

#[test]
fn each_filesystem_as_blkid_says() {
    for fs in FILESYSTEMS {
        let buf = head(fs);
        assert!(
            buf.len() <= PROBE_SIZE,
            "{fs}: fixture longer than PROBE_SIZE"
        );
        assert_eq!(probe(&buf), Some(blkid_said(fs)), "failed testcase: '{fs}'");
    }
}

#[test]
fn a_full_probe_size_read_gives_the_same() {
    for fs in FILESYSTEMS {
        let mut buf = head(fs);
        buf.resize(PROBE_SIZE, 0);
        assert_eq!(probe(&buf), Some(blkid_said(fs)), "failed testcase: '{fs}'");
    }
}

#[test]
fn truncations_never_panic_nor_lie() {
    for fs in FILESYSTEMS {
        let buf = head(fs);
        let want = blkid_said(fs);
        for len in 0..=buf.len() {
            let got = probe(buf.get(..len).unwrap());
            assert!(
                got.is_none() || got.as_ref() == Some(&want),
                "{fs} cut at {len}: {got:?}"
            );
        }
    }
}

#[test]
fn garbage_is_nothing() {
    assert_eq!(probe(&[]), None);
    assert_eq!(probe(&vec![0u8; PROBE_SIZE]), None);
    assert_eq!(probe(&vec![0xFFu8; PROBE_SIZE]), None);
    // A deterministic pseudo-random buffer (xorshift), several seeds.
    for seed in 1..=16u64 {
        let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let buf: Vec<u8> = (0..PROBE_SIZE)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x.to_le_bytes()[0]
            })
            .collect();
        assert_eq!(probe(&buf), None, "seed {seed}");
    }
}

#[test]
fn a_magic_alone_is_not_an_xfs() {
    let mut buf = head("xfs");
    buf[4..8].copy_from_slice(&0u32.to_be_bytes()); // block size 0
    assert_eq!(probe(&buf), None);
}

#[test]
fn ext_features_decide_the_type() {
    // ext2 image + has_journal -> ext3; + extents (incompat 0x40) -> ext4.
    let mut buf = head("ext2");
    let compat = 1024 + 0x5C;
    let incompat = 1024 + 0x60;
    let c = u32::from_le_bytes(buf[compat..compat + 4].try_into().unwrap()) | 0x4;
    buf[compat..compat + 4].copy_from_slice(&c.to_le_bytes());
    assert_eq!(probe(&buf).unwrap().fstype, "ext3");
    let i = u32::from_le_bytes(buf[incompat..incompat + 4].try_into().unwrap()) | 0x40;
    buf[incompat..incompat + 4].copy_from_slice(&i.to_le_bytes());
    assert_eq!(probe(&buf).unwrap().fstype, "ext4");
}

#[test]
fn root_tags_match_the_probed_filesystems() {
    for fs in FILESYSTEMS {
        let p = probe(&head(fs)).unwrap();
        if let Some(u) = &p.uuid {
            let dev = parse_root_device(&format!("UUID={}", u.to_uppercase())).unwrap();
            assert!(matches(&dev, &p), "{fs}");
        }
        if let Some(l) = &p.label {
            let dev = parse_root_device(&format!("LABEL={l}")).unwrap();
            assert!(matches(&dev, &p), "{fs}");
        }
    }
}

#[test]
fn damaged_cluster_superblocks_are_still_recognised() {
    // a byte that is not UTF-8 in the GFS2 lock table: gfs2::superblock refuses it (and
    // says so at boot), the probe still says gfs2, as blkid does
    let mut h = head("gfs2");
    h[65536 + 0xA0 + 2] = 0xff;
    assert_eq!(probe(&h).map(|p| p.fstype), Some("gfs2"));
    assert!(osr_core::gfs2::superblock(&h).is_err());
    // OCFS2 with a zero UUID: recognised, with no UUID (blkid prints none)
    let mut h = head("ocfs2");
    let sb = h.windows(6).position(|w| w == b"OCFSV2").unwrap();
    h[sb + 0xC0 + 0x90..sb + 0xC0 + 0xA0].fill(0);
    let p = probe(&h).unwrap();
    assert_eq!((p.fstype, p.uuid), ("ocfs2", None));
}
