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
//! fields match `debugfs.ocfs2 -R stats` and `blkid -p`, and the region matches the
//! extent `debugfs.ocfs2 -R "stat //heartbeat"` prints put through ocfs2-tools'
//! arithmetic (`tests/ocfs2.rs`, fixtures in `tests/fixtures/ocfs2/`).
//!
//! Not done here: metadata checksums (`metaecc` CRC32/ECC are not verified, a stale but
//! well-formed block is believed), byte-swapped big-endian volumes, the backup
//! superblocks, and deciding whether to heartbeat at all: a `local` volume needs no
//! heartbeat, a userspace stack (pcmk) none from o2cb, and with global heartbeat the
//! regions are the configured heartbeat devices, not each volume (the same
//! [`heartbeat_region`] describes such a device). The device's logical sector size
//! (`BLKSSZGET`), which ocfs2-tools uses for `block_bytes`, is the caller's to supply.

use std::collections::BTreeMap;
use std::io::{Read, Seek, SeekFrom};

/// Bytes from the start of the device [`superblock`] may need: block 2 of a 4 KiB-block
/// volume ends at 12 KiB.
pub const HEAD_BYTES: usize = 3 * 4096;

/// `O2NM_MAX_NODES`: the kernel's limit for a region's `blocks`, and the clamp
/// `ocfs2_fill_heartbeat_desc` applies.
pub const O2NM_MAX_NODES: u32 = 255;

/// The system directory is a few KiB even with 255 slots; more blocks than this is a
/// corrupt `i_size`, not a directory worth reading.
const MAX_DIR_BLOCKS: u64 = 4096;
/// Extent blocks a directory walk may read before it is called corrupt.
const MAX_EXTENT_BLOCKS: u32 = 1024;
/// ocfs2 trees are a few levels deep (`l_tree_depth` is documented as < 256, real
/// trees stay under 6).
const MAX_TREE_DEPTH: u16 = 8;

const SUPER_BLKNO: u64 = 2;
const BLOCK_SIZES: [u32; 4] = [512, 1024, 2048, 4096];
const SUPER_SIGNATURE: &[u8] = b"OCFSV2";
const INODE_SIGNATURE: &[u8] = b"INODE01\0";
const EXTENT_SIGNATURE: &[u8] = b"EXBLK01\0";
const TRAILER_SIGNATURE: &[u8] = b"DIRTRL1\0";
const HEARTBEAT_NAME: &[u8] = b"heartbeat";

// struct ocfs2_dinode (offsets from the start of the block).
const I_SIZE: usize = 0x20;
const I_MODE: usize = 0x28;
const I_FLAGS: usize = 0x2C;
const I_BLKNO: usize = 0x50;
const I_DYN_FEATURES: usize = 0x76;
const ID2: usize = 0xC0;
const OCFS2_VALID_FL: u32 = 0x1;
const OCFS2_INLINE_DATA_FL: u16 = 0x1;
const OCFS2_INDEXED_DIR_FL: u16 = 0x8;
const S_IFMT: u16 = 0o170000;
const S_IFDIR: u16 = 0o040000;

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
const INCOMPAT_META_ECC: u32 = 0x0800;
const INCOMPAT_CLUSTERINFO: u32 = 0x4000;
const CLUSTER_O2CB_GLOBAL_HEARTBEAT: u8 = 0x01;
const CLASSIC_STACK: &[u8] = b"o2cb";
const OCFS2_MAX_SLOTS: u16 = 255;

// struct ocfs2_extent_list / ocfs2_extent_rec.
const EXTENT_REC: usize = 16;
const OCFS2_EXT_UNWRITTEN: u8 = 0x01;
// struct ocfs2_extent_block.
const H_BLKNO: usize = 0x18;
const H_LIST: usize = 0x30;
// struct ocfs2_dir_entry header, and the trailer at the end of a directory block.
const DIRENT_HEADER: usize = 12;
const DIR_TRAILER: usize = 0x40;
const DB_SIGNATURE: usize = 0x10;

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
/// before `dev`.
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
        extent_budget: MAX_EXTENT_BLOCKS,
    };
    let hb_blkno = fs.lookup_heartbeat()?;
    let (blkno, clusters) = fs.heartbeat_extent(hb_blkno)?;
    region(&sb, sector_bytes, blkno, clusters)
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
        uuid: uuid(sup.get(S_UUID..S_UUID + 16).unwrap_or_default()),
        label: text(sup.get(S_LABEL..S_LABEL + 64).unwrap_or_default()),
        block_bytes: bs,
        cluster_bytes: 1 << cluster_bits,
        max_slots,
        local: incompat & INCOMPAT_LOCAL_MOUNT != 0,
        global_heartbeat: o2cb && stackflags & CLUSTER_O2CB_GLOBAL_HEARTBEAT != 0,
        userspace_stack: (clusterinfo && !o2cb).then(|| lossy(stack)),
        cluster_name: clusterinfo
            .then(|| text(sup.get(S_CLUSTER_INFO + 8..S_END).unwrap_or_default()))
            .flatten(),
        root_blkno,
        system_dir_blkno,
        feature_compat: le32(sup, S_FEATURE_COMPAT),
        feature_incompat: incompat,
        feature_ro_compat: le32(sup, S_FEATURE_RO_COMPAT),
    })
}

/// A volume being walked: the device, its superblock, and what is left of the
/// extent-block budget.
struct Fs<'a> {
    dev: &'a mut dyn ReadAt,
    sb: &'a Ocfs2Super,
    extent_budget: u32,
}

impl Fs<'_> {
    fn read_block(&mut self, what: &'static str, blkno: u64) -> Result<Vec<u8>, Ocfs2Error> {
        let off = offset_of(blkno, self.sb.block_bytes, what)?;
        read(self.dev, what, off, to_usize(self.sb.block_bytes.into())?)
    }

    /// An inode block: signature, self-reference and the valid flag, as the kernel's
    /// `ocfs2_validate_inode_block` checks them.
    fn read_inode(&mut self, what: &'static str, blkno: u64) -> Result<Vec<u8>, Ocfs2Error> {
        let block = self.read_block(what, blkno)?;
        expect_signature(&block, 0, INODE_SIGNATURE, what, blkno)?;
        let self_blkno = le64(&block, I_BLKNO);
        if self_blkno != blkno {
            return Err(corrupt(what, blkno, format!("i_blkno is {self_blkno}")));
        }
        if le32(&block, I_FLAGS) & OCFS2_VALID_FL == 0 {
            return Err(corrupt(
                what,
                blkno,
                "inode not valid (OCFS2_VALID_FL)".into(),
            ));
        }
        Ok(block)
    }

    /// `ocfs2_lookup(fs, sysdir, "heartbeat")`.
    fn lookup_heartbeat(&mut self) -> Result<u64, Ocfs2Error> {
        const WHAT: &str = "system directory inode";
        let dir_blkno = self.sb.system_dir_blkno;
        let dir = self.read_inode(WHAT, dir_blkno)?;
        if le16(&dir, I_MODE) & S_IFMT != S_IFDIR {
            return Err(corrupt(WHAT, dir_blkno, "not a directory".into()));
        }
        let size = le64(&dir, I_SIZE);
        let dyn_features = le16(&dir, I_DYN_FEATURES);
        if dyn_features & OCFS2_INLINE_DATA_FL != 0 {
            return find_inline(&dir, dir_blkno, size)?.ok_or(Ocfs2Error::NoHeartbeat(dir_blkno));
        }
        let bs = u64::from(self.sb.block_bytes);
        let nblocks = size.div_ceil(bs);
        if nblocks > MAX_DIR_BLOCKS {
            return Err(corrupt(
                WHAT,
                dir_blkno,
                format!("i_size {size} is too large"),
            ));
        }
        let trailer = self.sb.feature_incompat & INCOMPAT_META_ECC != 0
            || dyn_features & OCFS2_INDEXED_DIR_FL != 0;
        let mut blocks = BTreeMap::new();
        let list = dir.get(ID2..).unwrap_or_default();
        self.extent_blocks(list, dir_blkno, nblocks, None, &mut blocks)?;
        for &phys in blocks.values() {
            let block = self.read_block("system directory block", phys)?;
            if let Some(ino) = find_in_block(&block, phys, trailer)? {
                return Ok(ino);
            }
        }
        Err(Ocfs2Error::NoHeartbeat(dir_blkno))
    }

    /// Maps the logical blocks `0..nblocks` of an extent tree (`list` is an
    /// `ocfs2_extent_list` inside block `owner`) to physical blocks, into `out`.
    /// `want_depth` is the depth the parent promised (`None` at the root).
    fn extent_blocks(
        &mut self,
        list: &[u8],
        owner: u64,
        nblocks: u64,
        want_depth: Option<u16>,
        out: &mut BTreeMap<u64, u64>,
    ) -> Result<(), Ocfs2Error> {
        const WHAT: &str = "extent list";
        let (depth, recs) = extent_list(list, owner)?;
        if depth > MAX_TREE_DEPTH || want_depth.is_some_and(|d| d != depth) {
            return Err(corrupt(WHAT, owner, format!("tree depth {depth}")));
        }
        let bpc = u64::from(self.sb.cluster_bytes / self.sb.block_bytes);
        for rec in recs.chunks_exact(EXTENT_REC) {
            let blkno = le64(rec, 8);
            if depth > 0 {
                if self.extent_budget == 0 {
                    return Err(corrupt(WHAT, owner, "too many extent blocks".into()));
                }
                self.extent_budget -= 1;
                let eb = self.read_block("extent block", blkno)?;
                expect_signature(&eb, 0, EXTENT_SIGNATURE, "extent block", blkno)?;
                if le64(&eb, H_BLKNO) != blkno {
                    return Err(corrupt("extent block", blkno, "h_blkno mismatch".into()));
                }
                let child = eb.get(H_LIST..).unwrap_or_default();
                self.extent_blocks(child, blkno, nblocks, Some(depth - 1), out)?;
                continue;
            }
            let first = u64::from(le32(rec, 0)) * bpc;
            let count = u64::from(le16(rec, 4)) * bpc;
            if rec.get(7).is_some_and(|f| f & OCFS2_EXT_UNWRITTEN != 0) {
                return Err(corrupt(
                    WHAT,
                    owner,
                    "unwritten extent in a directory".into(),
                ));
            }
            for i in 0..count.min(nblocks.saturating_sub(first)) {
                let phys = blkno
                    .checked_add(i)
                    .ok_or_else(|| corrupt(WHAT, owner, "block number overflow".into()))?;
                out.insert(first + i, phys);
            }
        }
        Ok(())
    }

    /// The heartbeat inode's only extent: (first block, clusters).
    fn heartbeat_extent(&mut self, blkno: u64) -> Result<(u64, u16), Ocfs2Error> {
        const WHAT: &str = "heartbeat inode";
        let inode = self.read_inode(WHAT, blkno)?;
        if le16(&inode, I_DYN_FEATURES) & OCFS2_INLINE_DATA_FL != 0 {
            return Err(corrupt(WHAT, blkno, "inline data, no extent list".into()));
        }
        let list = inode.get(ID2..).unwrap_or_default();
        let (depth, recs) = extent_list(list, blkno)?;
        let records = u16::try_from(recs.len() / EXTENT_REC).unwrap_or(u16::MAX);
        match recs.get(..EXTENT_REC) {
            Some(rec) if depth == 0 && records == 1 => Ok((le64(rec, 8), le16(rec, 4))),
            _ => Err(Ocfs2Error::HeartbeatExtents {
                blkno,
                depth,
                records,
            }),
        }
    }
}

/// An `ocfs2_extent_list`: its depth and the used records (`l_next_free_rec` of them),
/// checked against `l_count` and the bytes there are.
fn extent_list(list: &[u8], owner: u64) -> Result<(u16, &[u8]), Ocfs2Error> {
    const WHAT: &str = "extent list";
    let header = list
        .get(..EXTENT_REC)
        .ok_or_else(|| corrupt(WHAT, owner, "no room for the header".into()))?;
    let depth = le16(header, 0);
    let count = le16(header, 2);
    let used = le16(header, 4);
    if used > count {
        return Err(corrupt(
            WHAT,
            owner,
            format!("l_next_free_rec {used} > l_count {count}"),
        ));
    }
    let end = EXTENT_REC + usize::from(used) * EXTENT_REC;
    let recs = list.get(EXTENT_REC..end).ok_or_else(|| {
        corrupt(
            WHAT,
            owner,
            format!("{used} records do not fit in the block"),
        )
    })?;
    Ok((depth, recs))
}

/// Looks for `heartbeat` in an inline directory: `i_size` bytes of entries in
/// `id2.i_data.id_data`.
fn find_inline(dir: &[u8], blkno: u64, size: u64) -> Result<Option<u64>, Ocfs2Error> {
    const WHAT: &str = "inline system directory";
    let id_count = u64::from(le16(dir, ID2));
    if size > id_count {
        return Err(corrupt(
            WHAT,
            blkno,
            format!("i_size {size} > id_count {id_count}"),
        ));
    }
    let data = ID2 + 8;
    let end = data + to_usize(size)?;
    let entries = dir.get(data..end).ok_or_else(|| {
        corrupt(
            WHAT,
            blkno,
            format!("id_count {id_count} overruns the block"),
        )
    })?;
    find_entry(entries, WHAT, blkno)
}

/// Looks for `heartbeat` in one directory block, whose entries end at the trailer when
/// there is one.
fn find_in_block(block: &[u8], blkno: u64, trailer: bool) -> Result<Option<u64>, Ocfs2Error> {
    const WHAT: &str = "system directory block";
    let end = if trailer {
        let at = block
            .len()
            .checked_sub(DIR_TRAILER)
            .ok_or_else(|| corrupt(WHAT, blkno, "no room for the trailer".into()))?;
        expect_signature(block, at + DB_SIGNATURE, TRAILER_SIGNATURE, WHAT, blkno)?;
        at
    } else {
        block.len()
    };
    find_entry(block.get(..end).unwrap_or_default(), WHAT, blkno)
}

/// Walks `ocfs2_dir_entry` records with the kernel's `ocfs2_check_dir_entry` rules;
/// every record is at least 16 bytes, so the walk ends.
fn find_entry(entries: &[u8], what: &'static str, blkno: u64) -> Result<Option<u64>, Ocfs2Error> {
    let mut off = 0usize;
    while off < entries.len() {
        let rest = entries.get(off..).unwrap_or_default();
        let bad = |problem: String| corrupt(what, blkno, format!("entry at byte {off}: {problem}"));
        if rest.len() < DIRENT_HEADER {
            return Err(bad(format!("{} bytes left, header needs 12", rest.len())));
        }
        let inode = le64(rest, 0);
        let rec_len = usize::from(le16(rest, 8));
        let name_len = usize::from(rest.get(10).copied().unwrap_or(0));
        if rec_len < dir_rec_len(1) || rec_len % 4 != 0 {
            return Err(bad(format!("rec_len {rec_len}")));
        }
        if rec_len < dir_rec_len(name_len) {
            return Err(bad(format!("rec_len {rec_len} < name_len {name_len}")));
        }
        if rec_len > rest.len() {
            return Err(bad(format!("rec_len {rec_len} overruns the directory")));
        }
        let name = rest.get(DIRENT_HEADER..DIRENT_HEADER + name_len);
        if inode != 0 && name == Some(HEARTBEAT_NAME) {
            return Ok(Some(inode));
        }
        off += rec_len;
    }
    Ok(None)
}

/// `OCFS2_DIR_REC_LEN`: header plus name, rounded up to 4.
fn dir_rec_len(name_len: usize) -> usize {
    (DIRENT_HEADER + name_len + 3) & !3
}

fn expect_signature(
    block: &[u8],
    at: usize,
    want: &[u8],
    what: &'static str,
    blkno: u64,
) -> Result<(), Ocfs2Error> {
    let have = block.get(at..at + want.len()).unwrap_or_default();
    if have == want {
        return Ok(());
    }
    Err(corrupt(
        what,
        blkno,
        format!(
            "signature {:?}, expected {:?}",
            lossy(have),
            lossy(want.strip_suffix(b"\0").unwrap_or(want))
        ),
    ))
}

fn corrupt(what: &'static str, blkno: u64, problem: String) -> Ocfs2Error {
    Ocfs2Error::Corrupt {
        what,
        blkno,
        problem,
    }
}

fn read(
    dev: &mut dyn ReadAt,
    what: &'static str,
    offset: u64,
    len: usize,
) -> Result<Vec<u8>, Ocfs2Error> {
    let buf = dev
        .read_at(offset, len)
        .map_err(|source| Ocfs2Error::Read {
            what,
            offset,
            len,
            source,
        })?;
    if buf.len() != len {
        return Err(Ocfs2Error::Truncated {
            what,
            offset,
            need: len,
            got: buf.len(),
        });
    }
    Ok(buf)
}

fn offset_of(blkno: u64, block_bytes: u32, what: &'static str) -> Result<u64, Ocfs2Error> {
    blkno
        .checked_mul(u64::from(block_bytes))
        .ok_or_else(|| corrupt(what, blkno, "block number out of range".into()))
}

fn to_usize(n: u64) -> Result<usize, Ocfs2Error> {
    usize::try_from(n).map_err(|_| Ocfs2Error::Corrupt {
        what: "size",
        blkno: 0,
        problem: format!("{n} bytes does not fit in memory"),
    })
}

// Readers for fields whose offsets the caller has already bounded; a short slice reads
// as zeroes rather than panicking.
fn bytes<const N: usize>(buf: &[u8], off: usize) -> [u8; N] {
    buf.get(off..off + N)
        .and_then(|b| b.try_into().ok())
        .unwrap_or([0; N])
}

fn le16(buf: &[u8], off: usize) -> u16 {
    u16::from_le_bytes(bytes(buf, off))
}

fn le32(buf: &[u8], off: usize) -> u32 {
    u32::from_le_bytes(bytes(buf, off))
}

fn le64(buf: &[u8], off: usize) -> u64 {
    u64::from_le_bytes(bytes(buf, off))
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A NUL-padded text field, blkid-style: up to the first NUL, trailing blanks dropped.
fn text(field: &[u8]) -> Option<String> {
    let end = field.iter().position(|&b| b == 0).unwrap_or(field.len());
    let s = lossy(field.get(..end).unwrap_or_default());
    let s = s.trim_end();
    (!s.is_empty()).then(|| s.to_owned())
}

fn uuid(u: &[u8]) -> String {
    let hex: String = u.iter().map(|b| format!("{b:02x}")).collect();
    let part = |r: std::ops::Range<usize>| hex.get(r).unwrap_or_default().to_owned();
    format!(
        "{}-{}-{}-{}-{}",
        part(0..8),
        part(8..12),
        part(12..16),
        part(16..20),
        part(20..32)
    )
}
