//! Reading OCFS2 metadata blocks for [`super::heartbeat_region`] and
//! [`super::system_file`]: inodes, extent trees (with extent blocks) and directory
//! entries, every read bounded by the block it is in and every loop by a budget.

use std::collections::BTreeMap;

use super::{Ocfs2Error, Ocfs2Super, ReadAt};

/// The system directory is a few KiB even with 255 slots; more blocks than this is a
/// corrupt `i_size`, not a directory worth reading.
const MAX_DIR_BLOCKS: u64 = 4096;
/// Extent blocks a directory walk may read before it is called corrupt.
pub(super) const MAX_EXTENT_BLOCKS: u32 = 1024;
/// ocfs2 trees are a few levels deep (`l_tree_depth` is documented as < 256, real
/// trees stay under 6).
const MAX_TREE_DEPTH: u16 = 8;

const INODE_SIGNATURE: &[u8] = b"INODE01\0";
const EXTENT_SIGNATURE: &[u8] = b"EXBLK01\0";
const TRAILER_SIGNATURE: &[u8] = b"DIRTRL1\0";

// struct ocfs2_dinode (offsets from the start of the block).
const I_SIZE: usize = 0x20;
const I_MODE: usize = 0x28;
const I_FLAGS: usize = 0x2C;
pub(super) const I_BLKNO: usize = 0x50;
const I_DYN_FEATURES: usize = 0x76;
pub(super) const ID2: usize = 0xC0;
const OCFS2_VALID_FL: u32 = 0x1;
const OCFS2_INLINE_DATA_FL: u16 = 0x1;
const OCFS2_INDEXED_DIR_FL: u16 = 0x8;
const S_IFMT: u16 = 0o170000;
const S_IFDIR: u16 = 0o040000;
const INCOMPAT_META_ECC: u32 = 0x0800;

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

/// A volume being walked: the device, its superblock, and what is left of the
/// extent-block budget.
pub(super) struct Fs<'a> {
    pub(super) dev: &'a mut dyn ReadAt,
    pub(super) sb: &'a Ocfs2Super,
    pub(super) extent_budget: u32,
}

impl Fs<'_> {
    pub(super) fn read_block(
        &mut self,
        what: &'static str,
        blkno: u64,
    ) -> Result<Vec<u8>, Ocfs2Error> {
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

    /// `ocfs2_lookup(fs, sysdir, name)`: the inode block of `name` in the system
    /// directory, if there is such an entry.
    pub(super) fn lookup(&mut self, name: &[u8]) -> Result<Option<u64>, Ocfs2Error> {
        const WHAT: &str = "system directory inode";
        let dir_blkno = self.sb.system_dir_blkno;
        let dir = self.read_inode(WHAT, dir_blkno)?;
        if le16(&dir, I_MODE) & S_IFMT != S_IFDIR {
            return Err(corrupt(WHAT, dir_blkno, "not a directory".into()));
        }
        let size = le64(&dir, I_SIZE);
        let dyn_features = le16(&dir, I_DYN_FEATURES);
        if dyn_features & OCFS2_INLINE_DATA_FL != 0 {
            return find_inline(&dir, dir_blkno, size, name);
        }
        let nblocks = size.div_ceil(u64::from(self.sb.block_bytes));
        if nblocks > MAX_DIR_BLOCKS {
            let problem = format!("i_size {size} is too large");
            return Err(corrupt(WHAT, dir_blkno, problem));
        }
        // The kernel's ocfs2_supports_dir_trailer.
        let trailer = self.sb.feature_incompat & INCOMPAT_META_ECC != 0
            || dyn_features & OCFS2_INDEXED_DIR_FL != 0;
        let mut blocks = BTreeMap::new();
        let list = dir.get(ID2..).unwrap_or_default();
        self.extent_blocks(list, dir_blkno, nblocks, None, &mut blocks)?;
        for &phys in blocks.values() {
            let block = self.read_block("system directory block", phys)?;
            if let Some(ino) = find_in_block(&block, phys, trailer, name)? {
                return Ok(Some(ino));
            }
        }
        Ok(None)
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
    pub(super) fn heartbeat_extent(&mut self, blkno: u64) -> Result<(u64, u16), Ocfs2Error> {
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

/// Looks for `name` in an inline directory: `i_size` bytes of entries in
/// `id2.i_data.id_data`.
fn find_inline(dir: &[u8], blkno: u64, size: u64, name: &[u8]) -> Result<Option<u64>, Ocfs2Error> {
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
    find_entry(entries, WHAT, blkno, name)
}

/// Looks for `name` in one directory block, whose entries end at the trailer when
/// there is one.
fn find_in_block(
    block: &[u8],
    blkno: u64,
    trailer: bool,
    name: &[u8],
) -> Result<Option<u64>, Ocfs2Error> {
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
    find_entry(block.get(..end).unwrap_or_default(), WHAT, blkno, name)
}

/// Walks `ocfs2_dir_entry` records with the kernel's `ocfs2_check_dir_entry` rules;
/// every record is at least 16 bytes, so the walk ends.
fn find_entry(
    entries: &[u8],
    what: &'static str,
    blkno: u64,
    want: &[u8],
) -> Result<Option<u64>, Ocfs2Error> {
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
        if inode != 0 && name == Some(want) {
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

pub(super) fn corrupt(what: &'static str, blkno: u64, problem: String) -> Ocfs2Error {
    Ocfs2Error::Corrupt {
        what,
        blkno,
        problem,
    }
}

pub(super) fn read(
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

pub(super) fn offset_of(
    blkno: u64,
    block_bytes: u32,
    what: &'static str,
) -> Result<u64, Ocfs2Error> {
    blkno
        .checked_mul(u64::from(block_bytes))
        .ok_or_else(|| corrupt(what, blkno, "block number out of range".into()))
}

pub(super) fn to_usize(n: u64) -> Result<usize, Ocfs2Error> {
    usize::try_from(n).map_err(|_| Ocfs2Error::TooLarge(n))
}

// Readers for fields whose offsets the caller has already bounded; a short slice reads
// as zeroes rather than panicking.
fn bytes<const N: usize>(buf: &[u8], off: usize) -> [u8; N] {
    buf.get(off..off + N)
        .and_then(|b| b.try_into().ok())
        .unwrap_or([0; N])
}

pub(super) fn le16(buf: &[u8], off: usize) -> u16 {
    u16::from_le_bytes(bytes(buf, off))
}

pub(super) fn le32(buf: &[u8], off: usize) -> u32 {
    u32::from_le_bytes(bytes(buf, off))
}

pub(super) fn le64(buf: &[u8], off: usize) -> u64 {
    u64::from_le_bytes(bytes(buf, off))
}

pub(super) fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}
