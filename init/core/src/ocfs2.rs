//! OCFS2 on-disk reading for a root on a shared OCFS2 volume without ocfs2-tools:
//! the superblock ([`superblock`]) and the o2cb disk-heartbeat region that has to be
//! set up in configfs before the kernel mounts the volume ([`heartbeat_region`]).
//!
//! `mount.ocfs2` (ocfs2-tools) starts local heartbeat through
//! `libocfs2/heartbeat.c::ocfs2_fill_heartbeat_desc` and
//! `libo2cb/o2cb_abi.c::o2cb_create_heartbeat_region`, which create
//! `/sys/kernel/config/cluster/<cluster>/heartbeat/<region>/` and write `block_bytes`,
//! `start_block`, `blocks` and then `dev` (an open fd of the device). The region name
//! is the volume UUID as 32 upper-case hex digits (`fs->uuid_str`, printed with
//! `%02X`), the same string the kernel's `ocfs2_initialize_super` builds and registers
//! its heartbeat callbacks under. [`HeartbeatRegion`] holds exactly those values.
//!
//! The walk follows ocfs2-tools: superblock at block 2 for the first block size from 512
//! to 4096 whose block 2 starts with `OCFSV2`, the same sanity checks as `ocfs2_open`,
//! the system directory (inline data, or blocks found through its extent tree,
//! including extent blocks; directory-block trailers when the volume has `metaecc` or
//! the directory is indexed; indexed directories still hold every entry in their
//! linear blocks), the `heartbeat` entry, and that inode's extent list, which must be
//! a single record at tree depth 0 as `ocfs2_fill_heartbeat_desc` demands. Layouts are
//! from ocfs2-tools `include/ocfs2-kernel/ocfs2_fs.h` (the kernel's
//! `fs/ocfs2/ocfs2_fs.h`).
//!
//! Verified against images made by mkfs.ocfs2 1.8.7 (block sizes 512 to 4096,
//! cluster sizes 4K and 64K, 1 to 64 slots, `-M local`, `--fs-feature-level=
//! max-features`, `--cluster-stack=pcmk`, `--global-heartbeat`): the superblock
//! fields match `debugfs.ocfs2 -R stats` and `blkid -p`; the region matches the
//! extent `debugfs.ocfs2 -R "stat //heartbeat"` prints put through ocfs2-tools'
//! arithmetic; [`system_file`] finds every entry `debugfs.ocfs2 -R "ls -l //"` lists
//! at the inode it lists (`tests/ocfs2.rs`, fixtures in `tests/fixtures/ocfs2/`).
//! mkfs.ocfs2 never builds a system directory deeper than its inode, so extent blocks
//! are tested on a fixture rewritten to tree depth 1.
//!
//! Not done here: metadata checksums (`metaecc` CRC32/ECC are not verified, a stale but
//! well-formed block is believed), byte-swapped big-endian volumes, the backup
//! superblocks, and deciding whether to heartbeat at all: a `local` volume needs no
//! heartbeat, a userspace stack (pcmk) none from o2cb, and with global heartbeat the
//! regions are the heartbeat devices configured for the cluster, not each volume.
//! The device's logical sector size (`BLKSSZGET`), which ocfs2-tools uses for
//! `block_bytes`, is the caller's to supply: ocfs2-tools cannot start heartbeat on an
//! image file (it gets no sector size there), so no tool output was compared for the
//! sector arithmetic, only ocfs2-tools' source.

use std::io::{Read, Seek, SeekFrom};

use crate::bytes;

use disk::{le16, le32, le64, lossy, offset_of, read, to_usize, Fs, ID2, I_BLKNO};

mod disk;

/// Bytes from the start of the device [`superblock`] may need: block 2 of a 4 KiB-block
/// volume ends at 12 KiB.
pub const HEAD_BYTES: usize = 3 * 4096;

/// `O2NM_MAX_NODES`: the kernel's limit for a region's `blocks`, and the clamp
/// `ocfs2_fill_heartbeat_desc` applies.
pub const O2NM_MAX_NODES: u32 = 255;

const SUPER_BLKNO: u64 = 2;
const BLOCK_SIZES: [u32; 4] = [512, 1024, 2048, 4096];
const SUPER_SIGNATURE: &[u8] = b"OCFSV2";
const HEARTBEAT_NAME: &[u8] = b"heartbeat";

// struct ocfs2_super_block (offsets from id2).
const S_FEATURE_COMPAT: usize = 0x1C;
const S_FEATURE_INCOMPAT: usize = 0x20;
const S_FEATURE_RO_COMPAT: usize = 0x24;
const S_ROOT_BLKNO: usize = 0x28;
const S_SYSTEM_DIR_BLKNO: usize = 0x30;
const S_BLOCKSIZE_BITS: usize = 0x38;
const S_CLUSTERSIZE_BITS: usize = 0x3C;
const S_MAX_SLOTS: usize = 0x40;
const S_LABEL: usize = 0x50;
const S_UUID: usize = 0x90;
const S_CLUSTER_INFO: usize = 0xA0;
/// End of `s_cluster_info`: everything [`superblock`] reads.
const S_END: usize = 0xB8;

const INCOMPAT_LOCAL_MOUNT: u32 = 0x0008;
const INCOMPAT_USERSPACE_STACK: u32 = 0x0080;
const INCOMPAT_CLUSTERINFO: u32 = 0x4000;
const CLUSTER_O2CB_GLOBAL_HEARTBEAT: u8 = 0x01;
const CLASSIC_STACK: &[u8] = b"o2cb";
const OCFS2_MAX_SLOTS: u16 = 255;

/// What went wrong reading an OCFS2 volume; offsets are bytes from the start of the
/// device, block numbers in filesystem blocks.
#[derive(Debug, thiserror::Error)]
pub enum Ocfs2Error {
    #[error("no ocfs2 superblock (\"OCFSV2\" at block 2 for block sizes 512 to 4096)")]
    NoSuperblock,
    #[error("{what} at byte {offset}: needed {need} bytes, got {got}")]
    Truncated {
        what: &'static str,
        offset: u64,
        need: usize,
        got: usize,
    },
    #[error("reading {what} ({len} bytes at byte {offset})")]
    Read {
        what: &'static str,
        offset: u64,
        len: usize,
        #[source]
        source: std::io::Error,
    },
    #[error("ocfs2 superblock: {field} is {value}, expected {expected}")]
    Superblock {
        field: &'static str,
        value: u64,
        expected: &'static str,
    },
    #[error("a size of {0} bytes read from the volume does not fit in memory: the superblock or an inode is damaged")]
    TooLarge(u64),
    #[error("{what} at block {blkno}: {problem}")]
    Corrupt {
        what: &'static str,
        blkno: u64,
        problem: String,
    },
    #[error("no \"heartbeat\" entry in the system directory (inode at block {0})")]
    NoHeartbeat(u64),
    #[error(
        "heartbeat inode at block {blkno}: tree depth {depth} with {records} extent \
         records, ocfs2-tools needs one record at depth 0"
    )]
    HeartbeatExtents {
        blkno: u64,
        depth: u16,
        records: u16,
    },
    #[error("sector size {0}: expected a power of two from 512 to 4096")]
    SectorSize(u32),
    #[error("block size {block} is smaller than the device sector size {sector}")]
    BlockSmallerThanSector { block: u32, sector: u32 },
}

/// Positioned reads of a device. Implemented for everything `Read + Seek` (a `File`, a
/// `Cursor`); a reader must return exactly `len` bytes or an error.
pub trait ReadAt {
    fn read_at(&mut self, offset: u64, len: usize) -> std::io::Result<Vec<u8>>;
}

impl<T: Read + Seek> ReadAt for T {
    fn read_at(&mut self, offset: u64, len: usize) -> std::io::Result<Vec<u8>> {
        self.seek(SeekFrom::Start(offset))?;
        let mut buf = vec![0u8; len];
        self.read_exact(&mut buf)?;
        Ok(buf)
    }
}

/// The OCFS2 superblock, as `debugfs.ocfs2 -R stats` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ocfs2Super {
    /// `s_uuid` as blkid prints it: lower-case `8-4-4-4-12`.
    pub uuid: String,
    /// `s_label` up to the first NUL, trailing blanks dropped (blkid's `LABEL`).
    pub label: Option<String>,
    pub block_bytes: u32,
    pub cluster_bytes: u32,
    pub max_slots: u16,
    /// `OCFS2_FEATURE_INCOMPAT_LOCAL_MOUNT` (`mkfs.ocfs2 -M local`): no cluster, no
    /// heartbeat.
    pub local: bool,
    /// o2cb global heartbeat (`OCFS2_CLUSTER_O2CB_GLOBAL_HEARTBEAT` in
    /// `s_cluster_info`).
    pub global_heartbeat: bool,
    /// The cluster stack from `s_cluster_info` when it is not the classic `o2cb`
    /// (`pcmk` for pacemaker/corosync), as the kernel's `ocfs2_userspace_stack` decides.
    pub userspace_stack: Option<String>,
    /// `ci_cluster` when the superblock carries cluster info (userspace stack, or
    /// o2cb with `--cluster-name`).
    pub cluster_name: Option<String>,
    pub root_blkno: u64,
    pub system_dir_blkno: u64,
    pub feature_compat: u32,
    pub feature_incompat: u32,
    pub feature_ro_compat: u32,
}

impl Ocfs2Super {
    /// The o2hb region name: the UUID as 32 upper-case hex digits.
    pub fn region_name(&self) -> String {
        self.uuid.replace('-', "").to_uppercase()
    }
}

/// The o2cb disk-heartbeat region of a volume: the directory name under
/// `/sys/kernel/config/cluster/<cluster>/heartbeat/` and the three attributes written
/// before `dev`. ocfs2-tools (`o2cb_create_heartbeat_region`) writes them in that
/// order as decimal text, then `dev` as the number of an fd opened `O_RDWR`; an
/// existing region directory (`EEXIST`) counts as already started. ocfs2-tools puts it
/// under the superblock's `cluster_name` or, when it has none, the first cluster in
/// configfs; osr-init puts it under cluster.conf's cluster, the only one it creates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeartbeatRegion {
    pub name: String,
    /// The device's logical sector size (ocfs2-tools uses `BLKSSZGET`, not the
    /// filesystem block size).
    pub block_bytes: u32,
    /// First heartbeat block, in sectors of `block_bytes`.
    pub start_block: u64,
    /// Heartbeat blocks, at most [`O2NM_MAX_NODES`].
    pub blocks: u32,
}

/// Parses the superblock from the first bytes of the device (up to [`HEAD_BYTES`]
/// are looked at).
pub fn superblock(head: &[u8]) -> Result<Ocfs2Super, Ocfs2Error> {
    for bs in BLOCK_SIZES {
        let off = offset_of(SUPER_BLKNO, bs, "superblock")?;
        let Some(block) = head.get(to_usize(off)?..) else {
            continue;
        };
        if block.starts_with(SUPER_SIGNATURE) {
            return parse_super(block, bs, off);
        }
    }
    Err(Ocfs2Error::NoSuperblock)
}

/// Reads what ocfs2-tools reads to start local heartbeat and returns the region it
/// would create; `sector_bytes` is the device's logical sector size (`BLKSSZGET`).
pub fn heartbeat_region(
    dev: &mut dyn ReadAt,
    sector_bytes: u32,
) -> Result<HeartbeatRegion, Ocfs2Error> {
    if !(512..=4096).contains(&sector_bytes) || !sector_bytes.is_power_of_two() {
        return Err(Ocfs2Error::SectorSize(sector_bytes));
    }
    let sb = read_super(dev)?;
    if sb.block_bytes < sector_bytes {
        return Err(Ocfs2Error::BlockSmallerThanSector {
            block: sb.block_bytes,
            sector: sector_bytes,
        });
    }
    let mut fs = Fs {
        dev,
        sb: &sb,
        extent_budget: disk::MAX_EXTENT_BLOCKS,
    };
    let hb_blkno = fs
        .lookup(HEARTBEAT_NAME)?
        .ok_or(Ocfs2Error::NoHeartbeat(sb.system_dir_blkno))?;
    let (blkno, clusters) = fs.heartbeat_extent(hb_blkno)?;
    region(&sb, sector_bytes, blkno, clusters)
}

/// The inode block of a system file (`heartbeat`, `slot_map`, `journal:0000`, ...):
/// the lookup [`heartbeat_region`] makes, for any name; `None` if there is no entry.
pub fn system_file(dev: &mut dyn ReadAt, name: &str) -> Result<Option<u64>, Ocfs2Error> {
    let sb = read_super(dev)?;
    let mut fs = Fs {
        dev,
        sb: &sb,
        extent_budget: disk::MAX_EXTENT_BLOCKS,
    };
    fs.lookup(name.as_bytes())
}

/// `ocfs2_fill_heartbeat_desc`'s arithmetic: the extent's clusters in filesystem
/// blocks, clamped to `O2NM_MAX_NODES`; its first block in sectors.
fn region(
    sb: &Ocfs2Super,
    sector_bytes: u32,
    blkno: u64,
    clusters: u16,
) -> Result<HeartbeatRegion, Ocfs2Error> {
    let corrupt = |problem: String| Ocfs2Error::Corrupt {
        what: "heartbeat extent",
        blkno,
        problem,
    };
    let blocks = u64::from(clusters) * u64::from(sb.cluster_bytes / sb.block_bytes);
    if blocks == 0 {
        return Err(corrupt("0 clusters (the kernel refuses 0 blocks)".into()));
    }
    let start_block = blkno
        .checked_mul(u64::from(sb.block_bytes / sector_bytes))
        .ok_or_else(|| corrupt("block number out of range".into()))?;
    Ok(HeartbeatRegion {
        name: sb.region_name(),
        block_bytes: sector_bytes,
        start_block,
        blocks: u32::try_from(blocks.min(u64::from(O2NM_MAX_NODES))).unwrap_or(O2NM_MAX_NODES),
    })
}

/// Block 2 for each candidate block size, as `ocfs2_open` probes it.
fn read_super(dev: &mut dyn ReadAt) -> Result<Ocfs2Super, Ocfs2Error> {
    for bs in BLOCK_SIZES {
        let off = offset_of(SUPER_BLKNO, bs, "superblock")?;
        let block = read(dev, "superblock", off, to_usize(u64::from(bs))?)?;
        if block.starts_with(SUPER_SIGNATURE) {
            return parse_super(&block, bs, off);
        }
    }
    Err(Ocfs2Error::NoSuperblock)
}

/// What blkid reads of an OCFS2 superblock, `(UUID, LABEL)`, when one of the block
/// sizes finds the `OCFSV2` signature at block 2. Nothing else is checked, as blkid
/// does: a superblock damaged elsewhere is still recognised, and [`superblock`] then
/// says what is wrong with it.
pub fn identify(head: &[u8]) -> Option<(Option<String>, Option<String>)> {
    BLOCK_SIZES.iter().find_map(|&bs| {
        let off = usize::try_from(SUPER_BLKNO * u64::from(bs)).ok()?;
        let block = head.get(off..)?;
        if !block.starts_with(SUPER_SIGNATURE) {
            return None;
        }
        let sup = block.get(ID2..ID2 + S_UUID + 16)?;
        Some((
            bytes::uuid(sup.get(S_UUID..S_UUID + 16)?),
            bytes::text(sup.get(S_LABEL..S_LABEL + 64)?),
        ))
    })
}

/// `ocfs2_open`'s checks on a block that starts with `OCFSV2`, read with block size
/// `bs` at byte `off`.
fn parse_super(block: &[u8], bs: u32, off: u64) -> Result<Ocfs2Super, Ocfs2Error> {
    let need = ID2 + S_END;
    let sup = block.get(ID2..need).ok_or(Ocfs2Error::Truncated {
        what: "superblock",
        offset: off,
        need,
        got: block.len(),
    })?;
    let bad = |field, value: u64, expected| Ocfs2Error::Superblock {
        field,
        value,
        expected,
    };
    let blkno = le64(block, I_BLKNO);
    if blkno != SUPER_BLKNO {
        return Err(bad("i_blkno", blkno, "2"));
    }
    let block_bits = le32(sup, S_BLOCKSIZE_BITS);
    if 1u64.checked_shl(block_bits) != Some(u64::from(bs)) {
        return Err(bad(
            "s_blocksize_bits",
            block_bits.into(),
            "the block size the superblock was found with",
        ));
    }
    let cluster_bits = le32(sup, S_CLUSTERSIZE_BITS);
    if !(12..=20).contains(&cluster_bits) {
        return Err(bad("s_clustersize_bits", cluster_bits.into(), "12 to 20"));
    }
    let root_blkno = le64(sup, S_ROOT_BLKNO);
    let system_dir_blkno = le64(sup, S_SYSTEM_DIR_BLKNO);
    if root_blkno == 0 {
        return Err(bad("s_root_blkno", 0, "non-zero"));
    }
    if system_dir_blkno == 0 {
        return Err(bad("s_system_dir_blkno", 0, "non-zero"));
    }
    let max_slots = le16(sup, S_MAX_SLOTS);
    if max_slots == 0 || max_slots > OCFS2_MAX_SLOTS {
        return Err(bad("s_max_slots", max_slots.into(), "1 to 255"));
    }
    let incompat = le32(sup, S_FEATURE_INCOMPAT);
    let stack = sup
        .get(S_CLUSTER_INFO..S_CLUSTER_INFO + 4)
        .unwrap_or_default();
    let stackflags = sup.get(S_CLUSTER_INFO + 4).copied().unwrap_or(0);
    // The kernel's ocfs2_clusterinfo_valid / ocfs2_userspace_stack / ocfs2_o2cb_stack.
    let clusterinfo = incompat & (INCOMPAT_USERSPACE_STACK | INCOMPAT_CLUSTERINFO) != 0;
    let o2cb = clusterinfo && stack == CLASSIC_STACK;
    Ok(Ocfs2Super {
        uuid: bytes::uuid(sup.get(S_UUID..S_UUID + 16).unwrap_or_default())
            .unwrap_or_else(|| "00000000-0000-0000-0000-000000000000".to_string()),
        label: bytes::text(sup.get(S_LABEL..S_LABEL + 64).unwrap_or_default()),
        block_bytes: bs,
        cluster_bytes: 1 << cluster_bits,
        max_slots,
        local: incompat & INCOMPAT_LOCAL_MOUNT != 0,
        global_heartbeat: o2cb && stackflags & CLUSTER_O2CB_GLOBAL_HEARTBEAT != 0,
        userspace_stack: (clusterinfo && !o2cb).then(|| lossy(stack)),
        cluster_name: clusterinfo
            .then(|| bytes::text(sup.get(S_CLUSTER_INFO + 8..S_END).unwrap_or_default()))
            .flatten(),
        root_blkno,
        system_dir_blkno,
        feature_compat: le32(sup, S_FEATURE_COMPAT),
        feature_incompat: incompat,
        feature_ro_compat: le32(sup, S_FEATURE_RO_COMPAT),
    })
}
