//! GFS2 superblock and lock-table tests against images made by mkfs.gfs2 3.5
//! (`fixtures/gfs2/make.sh`): `<name>.sb` is the first 512 bytes of the superblock at
//! byte 65536 (the bytes before it were all zero), `<name>.tunegfs2` what
//! `tunegfs2 -l` printed and `<name>.blkid` what `blkid -p` printed for the full image.

// Test helpers outside #[test] functions: a panic here is a test failure.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::BTreeMap;
use std::path::Path;

use osr_core::gfs2::{lock_table, superblock, Gfs2Error, HEAD_BYTES, SB_OFFSET};

const IMAGES: [&str; 5] = ["dlm", "nolock", "dlm-1k", "nolock-512", "format1801"];

fn fixture(name: &str) -> Vec<u8> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/gfs2");
    std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn head(name: &str) -> Vec<u8> {
    let mut buf = vec![0u8; SB_OFFSET];
    buf.extend(fixture(&format!("{name}.sb")));
    buf
}

/// "Key: value" lines of `tunegfs2 -l`, or "KEY=value" lines of `blkid -o export`.
fn said(name: &str, sep: &str) -> BTreeMap<String, String> {
    String::from_utf8(fixture(name))
        .unwrap()
        .lines()
        .filter_map(|l| l.split_once(sep))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

#[test]
fn superblocks_as_tunegfs2_and_blkid_say() {
    for name in IMAGES {
        let t = said(&format!("{name}.tunegfs2"), ": ");
        let b = said(&format!("{name}.blkid"), "=");
        let sb = superblock(&head(name)).unwrap();
        let tune = |k: &str| t.get(k).cloned().unwrap_or_default();
        assert_eq!(sb.lockproto, tune("Lock protocol"), "{name}");
        // tunegfs2 prints "Lock table: " with nothing after for an empty table.
        assert_eq!(sb.locktable, tune("Lock table"), "{name}");
        assert_eq!(sb.block_bytes.to_string(), tune("Block size"), "{name}");
        assert_eq!(
            sb.block_bytes.trailing_zeros().to_string(),
            tune("Block shift")
        );
        assert_eq!(sb.fs_format.to_string(), tune("File system format version"));
        assert_eq!(sb.uuid.clone().unwrap(), tune("File system UUID"), "{name}");
        assert_eq!(sb.root_dir.to_string(), tune("Root inode"), "{name}");
        if let Some(master) = t.get("Master inode") {
            assert_eq!(&sb.master_dir.to_string(), master, "{name}");
        }
        assert_eq!(b["TYPE"], "gfs2");
        assert_eq!(sb.uuid.as_ref(), b.get("UUID"), "{name}");
        let label = Some(sb.locktable.clone()).filter(|l| !l.is_empty());
        assert_eq!(label.as_ref(), b.get("LABEL"), "{name}");
    }
}

#[test]
fn the_lab_tables_split() {
    let sb = superblock(&head("dlm")).unwrap();
    assert_eq!(sb.lockproto, "lock_dlm");
    assert_eq!(
        lock_table(&sb.locktable).unwrap(),
        ("osrlab".into(), "root".into())
    );
    let sb = superblock(&head("dlm-1k")).unwrap();
    assert_eq!(
        lock_table(&sb.locktable).unwrap(),
        ("c-1_x".into(), "fs_name-2".into())
    );
    let sb = superblock(&head("nolock")).unwrap();
    assert_eq!(
        (sb.lockproto.as_str(), sb.locktable.as_str()),
        ("lock_nolock", "")
    );
}

#[test]
fn lock_tables_as_mkfs_gfs2_judges_them() {
    // Each case was given to `mkfs.gfs2 -p lock_dlm -t <table>` (gfs2-utils 3.5).
    let c32 = "c".repeat(32);
    let f30 = "f".repeat(30);
    let ok = [
        "osrlab:root".to_owned(),
        format!("{c32}:x"),
        format!("x:{f30}"),
        "a:b-c_d".to_owned(),
        "A9:Z_0".to_owned(),
    ];
    for t in ok {
        let (c, f) = t.split_once(':').unwrap();
        assert_eq!(lock_table(&t).unwrap(), (c.to_owned(), f.to_owned()), "{t}");
    }
    let refused = [
        "a:b:c".to_owned(),
        format!("{c32}c:x"),
        format!("x:{f30}f"),
        "a b:c".to_owned(),
        "a/b:c".to_owned(),
        "a.b:c".to_owned(),
        "a:b.c".to_owned(),
        ":x".to_owned(),
        "x:".to_owned(),
        "é:x".to_owned(),
        "a%:b".to_owned(),
        "nocolon".to_owned(),
        String::new(),
    ];
    for t in refused {
        let err = lock_table(&t).unwrap_err();
        assert!(
            matches!(&err, Gfs2Error::LockTable { table, .. } if *table == t),
            "{t}"
        );
    }
}

#[test]
fn lock_table_errors_say_what_is_wrong() {
    let msg = |t: &str| lock_table(t).unwrap_err().to_string();
    assert_eq!(
        msg("osrlab"),
        "lock table \"osrlab\": no ':' between cluster and file-system name"
    );
    assert_eq!(msg(":root"), "lock table \":root\": cluster name is empty");
    assert!(msg(&format!("x:{}", "f".repeat(31))).contains("31 characters, at most 30"));
    assert!(msg("a.b:c").contains("invalid character '.'"));
}

#[test]
fn truncations_and_garbage_are_errors() {
    for name in IMAGES {
        let buf = head(name);
        let want = superblock(&buf).unwrap();
        for len in 0..buf.len() {
            match superblock(&buf[..len]) {
                Ok(got) => assert_eq!(got, want, "{name} cut at {len}"),
                Err(e) => {
                    assert!(len < HEAD_BYTES, "{name} cut at {len}: {e}");
                    assert!(
                        matches!(e, Gfs2Error::Truncated { .. }),
                        "{name} cut at {len}: {e}"
                    );
                }
            }
        }
    }
    assert!(matches!(
        superblock(&vec![0u8; HEAD_BYTES]),
        Err(Gfs2Error::NotGfs2 { magic: 0, .. })
    ));
    for seed in 1..=16u64 {
        let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let buf: Vec<u8> = (0..HEAD_BYTES)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x.to_le_bytes()[0]
            })
            .collect();
        assert!(superblock(&buf).is_err(), "seed {seed}");
    }
}

#[test]
fn the_kernel_checks_are_applied() {
    let base = head("dlm");
    let with = |off: usize, v: u32| {
        let mut b = base.clone();
        b[SB_OFFSET + off..SB_OFFSET + off + 4].copy_from_slice(&v.to_be_bytes());
        superblock(&b)
    };
    let field = |r: Result<_, Gfs2Error>| match r {
        Err(Gfs2Error::Superblock { field, .. }) => field,
        other => panic!("{other:?}"),
    };
    assert!(matches!(
        with(0x04, 2),
        Err(Gfs2Error::NotGfs2 { metatype: 2, .. })
    ));
    assert_eq!(field(with(0x18, 1800)), "sb_fs_format");
    assert_eq!(field(with(0x18, 1803)), "sb_fs_format");
    assert_eq!(field(with(0x1C, 1901)), "sb_multihost_format");
    assert_eq!(field(with(0x24, 3000)), "sb_bsize");
    assert_eq!(field(with(0x24, 256)), "sb_bsize");
    assert_eq!(field(with(0x28, 11)), "sb_bsize_shift");
    // A table that fills all 64 bytes: the kernel keeps 63.
    let mut b = base.clone();
    b[SB_OFFSET + 0xA0..SB_OFFSET + 0xE0].copy_from_slice(&[b'x'; 64]);
    assert_eq!(superblock(&b).unwrap().locktable, "x".repeat(63));
    b[SB_OFFSET + 0xA0] = 0xFF;
    assert_eq!(superblock(&b), Err(Gfs2Error::NotText("sb_locktable")));
}
