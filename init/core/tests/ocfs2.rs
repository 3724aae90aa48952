//! OCFS2 superblock and heartbeat-region tests against images made by mkfs.ocfs2 1.8.7
//! (`fixtures/ocfs2/make.sh` makes them). `<name>.expect` is what `blkid -p` and
//! `debugfs.ocfs2` (`stats`, `stat //heartbeat`) said about the full image, `<name>.ls`
//! the system directory `debugfs.ocfs2 -R "ls -l //"` listed (inode block, name);
//! `<name>.sparse` keeps only the byte ranges `heartbeat_region` and a walk of the
//! whole system directory read (records of
//! `b'R' offset:u64 len:u64` for a range read, `b'D' offset:u64 len:u32 bytes` for its
//! non-zero runs, little-endian). The expected region is computed here from debugfs'
//! extent with ocfs2-tools' arithmetic, not by the code under test.

// Test helpers outside #[test] functions: a panic here is a test failure.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation
)]

use std::collections::BTreeMap;
use std::io::{Cursor, ErrorKind};
use std::path::{Path, PathBuf};

use osr_core::ocfs2::{
    heartbeat_region, superblock, system_file, HeartbeatRegion, Ocfs2Error, ReadAt, HEAD_BYTES,
};

const IMAGES: [&str; 12] = [
    "b512",
    "b1k",
    "b2k-64k-n8",
    "b4k",
    "b4k-64k-n8",
    "local",
    "max",
    "max1k-64k",
    "default",
    "pcmk",
    "globalhb",
    "b512-n64",
];

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ocfs2")
}

/// A device that only has the fixture's ranges; reading anything else is an error, so a
/// test notices when the code reads more than the fixture kept. `size` cuts it short
/// like a truncated device.
#[derive(Clone)]
struct Sparse {
    ranges: Vec<(u64, u64)>,
    data: BTreeMap<u64, Vec<u8>>,
    patches: Vec<(u64, Vec<u8>)>,
    size: u64,
}

impl Sparse {
    fn load(name: &str) -> Sparse {
        let raw = std::fs::read(dir().join(format!("{name}.sparse"))).unwrap();
        let mut s = Sparse {
            ranges: Vec::new(),
            data: BTreeMap::new(),
            patches: Vec::new(),
            size: u64::MAX,
        };
        let mut at = 0;
        let u64_at = |at: usize| u64::from_le_bytes(raw[at..at + 8].try_into().unwrap());
        while at < raw.len() {
            match raw[at] {
                b'R' => {
                    s.ranges.push((u64_at(at + 1), u64_at(at + 9)));
                    at += 17;
                }
                b'D' => {
                    let len = u32::from_le_bytes(raw[at + 9..at + 13].try_into().unwrap()) as usize;
                    s.data
                        .insert(u64_at(at + 1), raw[at + 13..at + 13 + len].to_vec());
                    at += 13 + len;
                }
                other => panic!("{name}: bad record {other} at {at}"),
            }
        }
        s
    }

    fn bytes(&self, offset: u64, len: usize) -> Vec<u8> {
        let mut buf = vec![0u8; len];
        let end = offset + len as u64;
        let runs = self.data.range(..end).map(|(o, r)| (*o, r));
        for (start, run) in runs.chain(self.patches.iter().map(|(o, r)| (*o, r))) {
            let (lo, hi) = (start.max(offset), (start + run.len() as u64).min(end));
            if lo < hi {
                buf[(lo - offset) as usize..(hi - offset) as usize]
                    .copy_from_slice(&run[(lo - start) as usize..(hi - start) as usize]);
            }
        }
        buf
    }

    /// Overwrites bytes, as a corruption would.
    fn poke(&mut self, offset: u64, bytes: &[u8]) {
        self.patches.push((offset, bytes.to_vec()));
    }
}

impl ReadAt for Sparse {
    fn read_at(&mut self, offset: u64, len: usize) -> std::io::Result<Vec<u8>> {
        let end = offset + len as u64;
        if end > self.size {
            return Err(ErrorKind::UnexpectedEof.into());
        }
        let covered = self
            .ranges
            .iter()
            .any(|&(o, l)| offset >= o && end <= o + l);
        if !covered {
            return Err(std::io::Error::other(format!(
                "{len} bytes at {offset}: not in the fixture"
            )));
        }
        Ok(self.bytes(offset, len))
    }
}

fn expect(name: &str) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(dir().join(format!("{name}.expect"))).unwrap();
    text.lines()
        .map(|l| {
            let (k, v) = l.split_once('=').unwrap();
            (k.to_owned(), v.to_owned())
        })
        .collect()
}

fn num(e: &BTreeMap<String, String>, key: &str) -> u64 {
    e[key]
        .parse()
        .unwrap_or_else(|_| panic!("{key}={}", e[key]))
}

/// ocfs2_fill_heartbeat_desc on debugfs' numbers.
fn tools_region(e: &BTreeMap<String, String>, sector_bits: u32) -> HeartbeatRegion {
    let (bb, cb) = (num(e, "block_bits"), num(e, "cluster_bits"));
    let blocks = ((num(e, "hb_clusters") << cb) >> bb).min(255);
    HeartbeatRegion {
        name: e["UUID"].replace('-', "").to_uppercase(),
        block_bytes: 1 << sector_bits,
        start_block: (num(e, "hb_blkno") << bb) >> sector_bits,
        blocks: blocks as u32,
    }
}

#[test]
fn heartbeat_regions_as_ocfs2_tools_computes_them() {
    for name in IMAGES {
        let e = expect(name);
        assert_eq!(
            (num(&e, "hb_depth"), num(&e, "hb_records")),
            (0, 1),
            "{name}"
        );
        for sector_bits in [9, 12] {
            if sector_bits > num(&e, "block_bits") as u32 {
                let err = heartbeat_region(&mut Sparse::load(name), 1 << sector_bits);
                assert!(
                    matches!(err, Err(Ocfs2Error::BlockSmallerThanSector { .. })),
                    "{name}: {err:?}"
                );
                continue;
            }
            let got = heartbeat_region(&mut Sparse::load(name), 1 << sector_bits);
            assert_eq!(
                got.unwrap(),
                tools_region(&e, sector_bits),
                "failed testcase: '{name}' sector {sector_bits}"
            );
        }
    }
}

#[test]
fn a_few_regions_spelled_out() {
    // From `debugfs.ocfs2 -R "stat //heartbeat"`: b512 has 32 clusters of 4 KiB at
    // block 296, b4k 256 clusters at block 273; 256 blocks each, clamped to 255.
    let b512 = heartbeat_region(&mut Sparse::load("b512"), 512).unwrap();
    assert_eq!(
        (b512.block_bytes, b512.start_block, b512.blocks),
        (512, 296, 255)
    );
    let b4k = heartbeat_region(&mut Sparse::load("b4k"), 512).unwrap();
    assert_eq!(
        (b4k.block_bytes, b4k.start_block, b4k.blocks),
        (512, 273 * 8, 255)
    );
    let b4k = heartbeat_region(&mut Sparse::load("b4k"), 4096).unwrap();
    assert_eq!((b4k.start_block, b4k.blocks), (273, 255));
    assert_eq!(b4k.name.len(), 32);
    assert!(b4k
        .name
        .chars()
        .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase()));
}

#[test]
fn superblocks_as_debugfs_and_blkid_say() {
    for name in IMAGES {
        let e = expect(name);
        let mut dev = Sparse::load(name);
        let head = dev.bytes(0, HEAD_BYTES);
        let sb = superblock(&head).unwrap();
        assert_eq!(sb.uuid, e["UUID"], "{name}");
        assert_eq!(
            sb.label.as_deref(),
            e.get("LABEL").map(String::as_str),
            "{name}"
        );
        assert_eq!(sb.block_bytes, 1 << num(&e, "block_bits"), "{name}");
        assert_eq!(sb.cluster_bytes, 1 << num(&e, "cluster_bits"), "{name}");
        assert_eq!(u64::from(sb.max_slots), num(&e, "max_slots"), "{name}");
        assert_eq!(
            u64::from(sb.feature_incompat),
            num(&e, "incompat"),
            "{name}"
        );
        assert_eq!(sb.local, e["mkfs"].contains("-M local"), "{name}");
        let stack = e["stack"].as_str();
        let userspace = (stack != "classic o2cb" && stack != "o2cb").then(|| stack.to_owned());
        assert_eq!(sb.userspace_stack, userspace, "{name}");
        let cluster = Some(e["cluster_name"].clone()).filter(|c| !c.is_empty());
        assert_eq!(sb.cluster_name, cluster, "{name}");
        assert_eq!(sb.global_heartbeat, e["cluster_flags"] == "1", "{name}");
        assert_eq!(sb.region_name(), e["UUID"].replace('-', "").to_uppercase());
        // The same superblock through the device.
        assert!(heartbeat_region(&mut dev, 4096).is_ok() || sb.block_bytes < 4096);
    }
}

#[test]
fn the_stacks_are_told_apart() {
    let sb = |n: &str| superblock(&Sparse::load(n).bytes(0, HEAD_BYTES)).unwrap();
    let pcmk = sb("pcmk");
    assert_eq!(pcmk.userspace_stack.as_deref(), Some("pcmk"));
    assert_eq!(pcmk.cluster_name.as_deref(), Some("osrlab"));
    assert!(!pcmk.global_heartbeat && !pcmk.local);
    let gh = sb("globalhb");
    assert_eq!(
        (gh.userspace_stack, gh.cluster_name.as_deref()),
        (None, Some("osrlab"))
    );
    assert!(gh.global_heartbeat);
    let classic = sb("b4k");
    assert_eq!(
        (classic.userspace_stack, classic.cluster_name),
        (None, None)
    );
    assert!(!classic.global_heartbeat && !classic.local);
    assert!(sb("local").local);
    assert_eq!(sb("local").max_slots, 1);
}

/// The reads `op` makes on the fixture, as (offset, len).
fn reads_of(name: &str, op: fn(&mut dyn ReadAt) -> bool) -> Vec<(u64, u64)> {
    struct Recorder(Sparse, Vec<(u64, u64)>);
    impl ReadAt for Recorder {
        fn read_at(&mut self, offset: u64, len: usize) -> std::io::Result<Vec<u8>> {
            self.1.push((offset, len as u64));
            self.0.read_at(offset, len)
        }
    }
    let mut rec = Recorder(Sparse::load(name), Vec::new());
    assert!(op(&mut rec), "{name}");
    rec.1
}

/// Cuts the device short at, and around, every boundary `op` reads: it must fail
/// exactly when the cut falls before the end of something it needs.
fn cut_everywhere(name: &str, op: fn(&mut dyn ReadAt) -> bool) {
    let reads = reads_of(name, op);
    let full = reads.iter().map(|&(o, l)| o + l).max().unwrap();
    let mut cuts: Vec<u64> = reads
        .iter()
        .flat_map(|&(o, l)| [o, o + 1, o + l / 2, o + l - 1, o + l])
        .collect();
    cuts.extend([0, 511, 512, 1024, 4096]);
    for cut in cuts {
        let mut dev = Sparse::load(name);
        dev.size = cut;
        assert_eq!(op(&mut dev), cut >= full, "{name} cut at {cut}");
    }
}

#[test]
fn a_device_cut_short_anywhere_is_an_error() {
    for name in IMAGES {
        cut_everywhere(name, |dev| heartbeat_region(dev, 512).is_ok());
        cut_everywhere(name, |dev| system_file(dev, "no-such-file").is_ok());
        let head = Sparse::load(name).bytes(0, HEAD_BYTES);
        let sb = superblock(&head).unwrap();
        let sb_at = 2 * u64::from(sb.block_bytes) as usize;
        for len in 0..head.len() {
            match superblock(&head[..len]) {
                Ok(got) => assert_eq!(got, sb, "{name} head cut at {len}"),
                Err(e) => assert!(len < sb_at + 0x178, "{name} head cut at {len}: {e}"),
            }
        }
    }
}

#[test]
fn flipping_any_byte_read_never_panics() {
    for name in ["b512", "max1k-64k", "b4k", "b512-n64"] {
        let base = Sparse::load(name);
        for &(off, len) in &base.ranges {
            for pos in (off..off + len).step_by(3) {
                let mut dev = base.clone();
                let b = dev.bytes(pos, 1)[0];
                dev.poke(pos, &[b ^ 0xA5]);
                let _ = heartbeat_region(&mut dev, 512);
                let _ = system_file(&mut dev, "no-such-file");
            }
        }
    }
}

#[test]
fn garbage_is_an_error() {
    for fill in [0u8, 0xFF] {
        let mut dev = Cursor::new(vec![fill; 1 << 20]);
        assert!(matches!(
            heartbeat_region(&mut dev, 512),
            Err(Ocfs2Error::NoSuperblock)
        ));
        assert!(matches!(
            superblock(&vec![fill; HEAD_BYTES]),
            Err(Ocfs2Error::NoSuperblock)
        ));
    }
    for seed in 1..=16u64 {
        let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let mut buf: Vec<u8> = (0..1 << 20)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x.to_le_bytes()[0]
            })
            .collect();
        // A signature alone, followed by garbage.
        buf[2048..2054].copy_from_slice(b"OCFSV2");
        assert!(
            heartbeat_region(&mut Cursor::new(buf), 512).is_err(),
            "seed {seed}"
        );
    }
    assert!(matches!(
        heartbeat_region(&mut Sparse::load("b4k"), 1000),
        Err(Ocfs2Error::SectorSize(1000))
    ));
}

fn le16(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes(b[at..at + 2].try_into().unwrap())
}

fn le64(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().unwrap())
}

/// The heartbeat inode's block number (from the fixture's expect file) and the byte
/// offset of its extent list.
fn hb_list(name: &str) -> (u64, u64) {
    let e = expect(name);
    let dev = Sparse::load(name);
    let sb = superblock(&dev.bytes(0, HEAD_BYTES)).unwrap();
    // The heartbeat inode is the range read right after the system directory.
    let bs = u64::from(sb.block_bytes);
    let hb_inode = dev
        .ranges
        .iter()
        .rev()
        .find(|&&(o, l)| {
            l == bs && le64(&dev.bytes(o, 8), 0) == u64::from_le_bytes(*b"INODE01\0") && {
                let blk = dev.bytes(o, l as usize);
                le64(&blk, 0xC0 + 0x18) == num(&e, "hb_blkno")
            }
        })
        .unwrap()
        .0;
    (hb_inode / bs, hb_inode + 0xC0)
}

#[test]
fn a_heartbeat_file_ocfs2_tools_would_refuse_is_refused() {
    let (blkno, list) = hb_list("b4k");
    let mut dev = Sparse::load("b4k");
    dev.poke(list + 4, &2u16.to_le_bytes()); // l_next_free_rec = 2
    let r = heartbeat_region(&mut dev, 512);
    assert!(
        matches!(r, Err(Ocfs2Error::HeartbeatExtents { blkno: b, depth: 0, records: 2 }) if b == blkno),
        "{r:?}"
    );
    let mut dev = Sparse::load("b4k");
    dev.poke(list, &1u16.to_le_bytes()); // l_tree_depth = 1
    assert!(matches!(
        heartbeat_region(&mut dev, 512),
        Err(Ocfs2Error::HeartbeatExtents { depth: 1, .. })
    ));
    let mut dev = Sparse::load("b4k");
    dev.poke(list + 0x10 + 4, &0u16.to_le_bytes()); // 0 clusters
    assert!(heartbeat_region(&mut dev, 512).is_err());
    let mut dev = Sparse::load("b4k");
    dev.poke(list + 4, &0u16.to_le_bytes()); // no record
    assert!(matches!(
        heartbeat_region(&mut dev, 512),
        Err(Ocfs2Error::HeartbeatExtents { records: 0, .. })
    ));
}

#[test]
fn a_missing_heartbeat_entry_is_named() {
    // Rename the entry in the inline system directory of b4k ("heartbeat" -> "heartbeaT").
    let mut dev = Sparse::load("b4k");
    let sb = superblock(&dev.bytes(0, HEAD_BYTES)).unwrap();
    let at = sb.system_dir_blkno * 4096;
    let block = dev.bytes(at, 4096);
    let pos = block.windows(9).position(|w| w == b"heartbeat").unwrap();
    dev.poke(at + pos as u64 + 8, b"T");
    let r = heartbeat_region(&mut dev, 512);
    assert!(
        matches!(r, Err(Ocfs2Error::NoHeartbeat(b)) if b == sb.system_dir_blkno),
        "{r:?}"
    );
    assert_eq!(
        le16(&block, 0x76) & 1,
        1,
        "b4k's system directory is inline"
    );
}

/// `<name>.ls`: (inode block, name) for each entry `debugfs.ocfs2 -R "ls -l //"` lists.
fn listing(name: &str) -> Vec<(u64, String)> {
    let text = std::fs::read_to_string(dir().join(format!("{name}.ls"))).unwrap();
    text.lines()
        .map(|l| {
            let (ino, file) = l.split_once(' ').unwrap();
            (ino.parse().unwrap(), file.to_owned())
        })
        .collect()
}

#[test]
fn every_system_file_resolves_as_debugfs_lists_it() {
    for name in IMAGES {
        let entries = listing(name);
        assert!(entries.iter().any(|(_, f)| f == "heartbeat"), "{name}");
        for (ino, file) in entries {
            let got = system_file(&mut Sparse::load(name), &file).unwrap();
            assert_eq!(got, Some(ino), "failed testcase: '{name}' '{file}'");
        }
        let none = system_file(&mut Sparse::load(name), "no-such-file").unwrap();
        assert_eq!(none, None, "{name}");
    }
}

/// Moves the system directory's extent list of a 512-byte-block fixture into an extent
/// block at `eb` (tree depth 1), as a directory that outgrew its inode would have it.
fn with_extent_block(name: &str, eb: u64) -> Sparse {
    let mut dev = Sparse::load(name);
    let sb = superblock(&dev.bytes(0, HEAD_BYTES)).unwrap();
    let bs = u64::from(sb.block_bytes);
    let inode_at = sb.system_dir_blkno * bs;
    let inode = dev.bytes(inode_at, bs as usize);
    let list = &inode[0xC0..];
    let used = le16(list, 4) as usize;
    let clusters: u32 = (0..used)
        .map(|i| u32::from(le16(list, 0x10 + i * 16 + 4)))
        .sum();
    let mut block = vec![0u8; bs as usize];
    block[..8].copy_from_slice(b"EXBLK01\0");
    block[0x18..0x20].copy_from_slice(&eb.to_le_bytes());
    let count = ((bs as usize - 0x30) / 16 - 1) as u16;
    block[0x30..0x32].copy_from_slice(&0u16.to_le_bytes());
    block[0x32..0x34].copy_from_slice(&count.to_le_bytes());
    block[0x34..0x36].copy_from_slice(&(used as u16).to_le_bytes());
    block[0x40..0x40 + used * 16].copy_from_slice(&list[0x10..0x10 + used * 16]);
    dev.ranges.push((eb * bs, bs));
    dev.poke(eb * bs, &block);
    // The inode: depth 1, one interior record covering every cluster.
    let mut rec = Vec::new();
    rec.extend(0u32.to_le_bytes());
    rec.extend(clusters.to_le_bytes());
    rec.extend(eb.to_le_bytes());
    dev.poke(inode_at + 0xC0, &1u16.to_le_bytes());
    dev.poke(inode_at + 0xC4, &1u16.to_le_bytes());
    dev.poke(inode_at + 0xD0, &rec);
    dev
}

#[test]
fn a_directory_behind_an_extent_block_is_walked() {
    for name in ["b512", "b512-n64"] {
        let eb = 1_000_000;
        for (ino, file) in listing(name) {
            let got = system_file(&mut with_extent_block(name, eb), &file).unwrap();
            assert_eq!(got, Some(ino), "failed testcase: '{name}' '{file}'");
        }
        let r = heartbeat_region(&mut with_extent_block(name, eb), 512).unwrap();
        assert_eq!(r, heartbeat_region(&mut Sparse::load(name), 512).unwrap());
        // A child that claims the wrong depth, or a bad signature, is refused.
        let mut dev = with_extent_block(name, eb);
        dev.poke(eb * 512 + 0x30, &1u16.to_le_bytes());
        let r = system_file(&mut dev, "heartbeat");
        assert!(
            matches!(&r, Err(Ocfs2Error::Corrupt { problem, .. }) if problem == "tree depth 1"),
            "{r:?}"
        );
        let mut dev = with_extent_block(name, eb);
        dev.poke(eb * 512, b"EXBLK02");
        let r = system_file(&mut dev, "heartbeat").unwrap_err().to_string();
        assert_eq!(
            r,
            "extent block at block 1000000: signature \"EXBLK02\\0\", expected \"EXBLK01\""
        );
    }
}

#[test]
fn a_directory_size_past_the_bound_is_refused() {
    let mut dev = Sparse::load("b512");
    let sb = superblock(&dev.bytes(0, HEAD_BYTES)).unwrap();
    dev.poke(sb.system_dir_blkno * 512 + 0x20, &u64::MAX.to_le_bytes());
    let r = system_file(&mut dev, "heartbeat").unwrap_err().to_string();
    assert!(
        r.contains("i_size 18446744073709551615 is too large"),
        "{r}"
    );
}

/// Writes `<name>.sparse` for each image in `$OSR_OCFS2_IMAGES` (see make.sh).
#[test]
#[ignore = "needs the images make.sh builds"]
fn make_fixtures() {
    struct Recorder {
        file: std::fs::File,
        reads: Vec<(u64, Vec<u8>)>,
    }
    impl ReadAt for Recorder {
        fn read_at(&mut self, offset: u64, len: usize) -> std::io::Result<Vec<u8>> {
            let buf = self.file.read_at(offset, len)?;
            if !self
                .reads
                .iter()
                .any(|(o, b)| *o == offset && b.len() == len)
            {
                self.reads.push((offset, buf.clone()));
            }
            Ok(buf)
        }
    }
    let images = PathBuf::from(std::env::var("OSR_OCFS2_IMAGES").unwrap());
    for name in IMAGES {
        let file = std::fs::File::open(images.join(format!("{name}.img"))).unwrap();
        let mut rec = Recorder {
            file,
            reads: Vec::new(),
        };
        heartbeat_region(&mut rec, 512).unwrap();
        // Every directory block, for the lookup tests.
        assert_eq!(system_file(&mut rec, "no-such-file").unwrap(), None);
        let mut out = Vec::new();
        for (off, buf) in &rec.reads {
            out.push(b'R');
            out.extend(off.to_le_bytes());
            out.extend((buf.len() as u64).to_le_bytes());
            // Non-zero runs; zero gaps under 16 bytes are kept inside a run.
            let mut i = 0;
            while i < buf.len() {
                if buf[i] == 0 {
                    i += 1;
                    continue;
                }
                let start = i;
                let mut end = i;
                while i < buf.len() && i - end < 16 {
                    if buf[i] != 0 {
                        end = i + 1;
                    }
                    i += 1;
                }
                out.push(b'D');
                out.extend((off + start as u64).to_le_bytes());
                out.extend(((end - start) as u32).to_le_bytes());
                out.extend(&buf[start..end]);
                i = end;
            }
        }
        std::fs::write(dir().join(format!("{name}.sparse")), out).unwrap();
    }
}
