//! The GFS2 superblock fields a root on GFS2 needs before `mount -t gfs2`: the lock
//! protocol and the lock table (`cluster:fsname`) that decide whether the DLM has to be
//! up and which cluster and lockspace the mount joins.
//!
//! Layout: `struct gfs2_sb` at byte 65536 (`GFS2_SB_ADDR`, sector 128), big-endian
//! (kernel `include/uapi/linux/gfs2_ondisk.h`). [`superblock`] applies the kernel's
//! `gfs2_check_sb` checks (magic, metatype, format 1801 or 1802, multihost format
//! 1900, block size a power of two from 512 with a matching shift) except the upper
//! bound, which is the page size of the machine that mounts (4096 on x86); names are
//! read as `init_names` copies them (`strscpy` into 64 bytes: at most 63 characters).
//!
//! [`lock_table`] splits the table as `gdlm_mount` does (at the first `:`; the part
//! before is the cluster name dlm checks against its own, the rest the lockspace name,
//! at most `DLM_LOCKSPACE_LEN` = 64). The kernel checks little more; mkfs.gfs2 and
//! tunegfs2 (gfs2-utils 3.5) refuse any table they did not make: a cluster name of 1
//! to 32 and a file-system name of 1 to 30 characters from `[A-Za-z0-9_-]`, exactly
//! one colon. Those are the rules applied here, so a table we accept is one the tools
//! could have written and the kernel will split the same way.
//!
//! Verified against `tunegfs2 -l` and `blkid -p` on images from mkfs.gfs2 3.5
//! (`-p lock_dlm -t osrlab:root -j 2 -J 16`, `-p lock_nolock`, block sizes 512, 1024
//! and 4096, `-o format=1801`; `tests/gfs2.rs`), and the table rules against what
//! mkfs.gfs2 accepts and refuses. Not handled: gfs (v1), the `lockproto=`/`locktable=`
//! mount options that override the superblock, and anything past the superblock
//! (journals, rgrps).

/// Where the superblock starts: `GFS2_SB_ADDR` (128) sectors of 512 bytes.
pub const SB_OFFSET: usize = 64 * 1024;
/// Bytes from the start of the device [`superblock`] needs: through `sb_uuid`.
pub const HEAD_BYTES: usize = SB_OFFSET + SB_LEN;

const SB_LEN: usize = 0x110;
const GFS2_MAGIC: u32 = 0x0116_1970;
const GFS2_METATYPE_SB: u32 = 1;
const GFS2_FORMAT_MULTI: u32 = 1900;
/// `GFS2_FS_FORMAT_MIN`..`GFS2_FS_FORMAT_MAX`: 1802 adds rgrp and journal extensions.
const FS_FORMATS: std::ops::RangeInclusive<u32> = 1801..=1802;
/// `GFS2_LOCKNAME_LEN`, including the terminating NUL.
const LOCKNAME_LEN: usize = 64;
const MAX_CLUSTER_NAME: usize = 32;
const MAX_FS_NAME: usize = 30;

// struct gfs2_sb, from the start of the superblock.
const MH_MAGIC: usize = 0x00;
const MH_TYPE: usize = 0x04;
const SB_FS_FORMAT: usize = 0x18;
const SB_MULTIHOST_FORMAT: usize = 0x1C;
const SB_BSIZE: usize = 0x24;
const SB_BSIZE_SHIFT: usize = 0x28;
/// `struct gfs2_inum { no_formal_ino, no_addr }`: `no_addr` is the second field.
const SB_MASTER_DIR_ADDR: usize = 0x38;
const SB_ROOT_DIR_ADDR: usize = 0x58;
const SB_LOCKPROTO: usize = 0x60;
const SB_LOCKTABLE: usize = 0xA0;
const SB_UUID: usize = 0x100;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Gfs2Error {
    #[error("gfs2 superblock at byte 65536: needed {need} bytes of the device, got {got}")]
    Truncated { need: usize, got: usize },
    #[error("no gfs2 superblock at byte 65536 (magic {magic:#010x}, type {metatype})")]
    NotGfs2 { magic: u32, metatype: u32 },
    #[error("gfs2 superblock: {field} is {value}, expected {expected}")]
    Superblock {
        field: &'static str,
        value: u32,
        expected: &'static str,
    },
    #[error("gfs2 superblock: {0} is not text")]
    NotText(&'static str),
    #[error("lock table {table:?}: {problem}")]
    LockTable { table: String, problem: String },
}

/// The GFS2 superblock, as `tunegfs2 -l` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gfs2Super {
    /// `sb_lockproto`: `lock_dlm` or `lock_nolock` (the kernel knows no others).
    pub lockproto: String,
    /// `sb_locktable`, `cluster:fsname` for `lock_dlm`; may be empty for
    /// `lock_nolock`. blkid calls it `LABEL`.
    pub locktable: String,
    pub block_bytes: u32,
    /// `sb_fs_format`: 1801 or 1802.
    pub fs_format: u32,
    /// `sb_uuid` as blkid prints it (lower-case `8-4-4-4-12`); `None` when zero, as
    /// on file systems made before gfs2-utils set it.
    pub uuid: Option<String>,
    /// Block of the master directory inode (`tunegfs2 -l`'s "Master inode").
    pub master_dir: u64,
    /// Block of the root directory inode ("Root inode").
    pub root_dir: u64,
}

/// Parses the superblock from the first [`HEAD_BYTES`] (or more) bytes of the device.
/// What blkid reads of a GFS2 superblock, `(UUID, LABEL)` (the label is the lock
/// table), when the magic, metatype and formats say GFS2. Only those are checked, as
/// blkid does: a superblock damaged elsewhere is still recognised, and [`superblock`]
/// then says what is wrong with it.
pub fn identify(head: &[u8]) -> Option<(Option<String>, Option<String>)> {
    let sb = head.get(SB_OFFSET..HEAD_BYTES)?;
    let gfs2 = be32(sb, MH_MAGIC) == GFS2_MAGIC
        && be32(sb, MH_TYPE) == GFS2_METATYPE_SB
        && FS_FORMATS.contains(&be32(sb, SB_FS_FORMAT))
        && be32(sb, SB_MULTIHOST_FORMAT) == GFS2_FORMAT_MULTI;
    gfs2.then(|| {
        (
            crate::bytes::uuid(sb.get(SB_UUID..SB_UUID + 16).unwrap_or_default()),
            crate::bytes::text(
                sb.get(SB_LOCKTABLE..SB_LOCKTABLE + LOCKNAME_LEN)
                    .unwrap_or_default(),
            ),
        )
    })
}

pub fn superblock(head: &[u8]) -> Result<Gfs2Super, Gfs2Error> {
    let sb = head
        .get(SB_OFFSET..HEAD_BYTES)
        .ok_or(Gfs2Error::Truncated {
            need: HEAD_BYTES,
            got: head.len(),
        })?;
    let (magic, metatype) = (be32(sb, MH_MAGIC), be32(sb, MH_TYPE));
    if magic != GFS2_MAGIC || metatype != GFS2_METATYPE_SB {
        return Err(Gfs2Error::NotGfs2 { magic, metatype });
    }
    let bad = |field, value, expected| Gfs2Error::Superblock {
        field,
        value,
        expected,
    };
    let fs_format = be32(sb, SB_FS_FORMAT);
    if !FS_FORMATS.contains(&fs_format) {
        return Err(bad("sb_fs_format", fs_format, "1801 or 1802"));
    }
    let multihost = be32(sb, SB_MULTIHOST_FORMAT);
    if multihost != GFS2_FORMAT_MULTI {
        return Err(bad("sb_multihost_format", multihost, "1900"));
    }
    let block_bytes = be32(sb, SB_BSIZE);
    if block_bytes < 512 || !block_bytes.is_power_of_two() {
        return Err(bad("sb_bsize", block_bytes, "a power of two from 512"));
    }
    let shift = be32(sb, SB_BSIZE_SHIFT);
    if shift != block_bytes.trailing_zeros() {
        return Err(bad("sb_bsize_shift", shift, "log2 of sb_bsize"));
    }
    Ok(Gfs2Super {
        lockproto: lock_name(sb, SB_LOCKPROTO, "sb_lockproto")?,
        locktable: lock_name(sb, SB_LOCKTABLE, "sb_locktable")?,
        block_bytes,
        fs_format,
        uuid: crate::bytes::uuid(sb.get(SB_UUID..SB_UUID + 16).unwrap_or_default()),
        master_dir: be64(sb, SB_MASTER_DIR_ADDR),
        root_dir: be64(sb, SB_ROOT_DIR_ADDR),
    })
}

/// Splits a `lock_dlm` table into (cluster name, file-system name), refusing what
/// mkfs.gfs2 and tunegfs2 refuse (see the module doc).
pub fn lock_table(s: &str) -> Result<(String, String), Gfs2Error> {
    let bad = |problem: String| Gfs2Error::LockTable {
        table: s.to_owned(),
        problem,
    };
    if let Some(c) = s
        .chars()
        .find(|&c| !(c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == ':'))
    {
        return Err(bad(format!("invalid character {c:?}")));
    }
    let (cluster, fsname) = s
        .split_once(':')
        .ok_or_else(|| bad("no ':' between cluster and file-system name".into()))?;
    if fsname.contains(':') {
        return Err(bad("more than one ':'".into()));
    }
    let check = |name: &str, what: &str, max: usize| match name.len() {
        0 => Err(bad(format!("{what} is empty"))),
        n if n > max => Err(bad(format!("{what} is {n} characters, at most {max}"))),
        _ => Ok(()),
    };
    check(cluster, "cluster name", MAX_CLUSTER_NAME)?;
    check(fsname, "file-system name", MAX_FS_NAME)?;
    Ok((cluster.to_owned(), fsname.to_owned()))
}

/// A 64-byte name field as the kernel copies it: up to the first NUL, at most 63 bytes.
fn lock_name(sb: &[u8], off: usize, field: &'static str) -> Result<String, Gfs2Error> {
    let raw = sb.get(off..off + LOCKNAME_LEN - 1).unwrap_or_default();
    let end = raw.iter().position(|&b| b == 0).unwrap_or(raw.len());
    let name = raw.get(..end).unwrap_or_default();
    String::from_utf8(name.to_vec()).map_err(|_| Gfs2Error::NotText(field))
}

fn be32(buf: &[u8], off: usize) -> u32 {
    let b = buf.get(off..off + 4).and_then(|b| b.try_into().ok());
    u32::from_be_bytes(b.unwrap_or([0; 4]))
}

fn be64(buf: &[u8], off: usize) -> u64 {
    let b = buf.get(off..off + 8).and_then(|b| b.try_into().ok());
    u64::from_be_bytes(b.unwrap_or([0; 8]))
}
