//! Filesystem identification from superblocks, the part of libblkid that
//! `root=UUID=...`/`root=LABEL=...` need when there is no udev.
//!
//! The caller reads the first [`PROBE_SIZE`] bytes of a block device (fewer if the
//! device is smaller) and hands them to [`probe`], which returns the filesystem type,
//! UUID and label exactly as `blkid -p -o export` prints `TYPE`, `UUID` and `LABEL`.
//! Offsets follow util-linux's `libblkid/src/superblocks/{ext,xfs,btrfs,squashfs,gfs,
//! ocfs}.c` and were checked against images made by the mkfs tools (see
//! `tests/fixtures/blkid/`).
//!
//! Supported: ext2, ext3, ext4 (and ext4dev), xfs, btrfs, squashfs (v4; older ones are
//! `squashfs3`), gfs2, ocfs2. Deliberately not supported: external journals (`jbd`),
//! gfs (v1), btrfs on zoned devices (superblock not at 64 KiB), swap, RAID and LVM
//! members, and blkid's checksum verification: a stale superblock with a valid magic
//! is reported as blkid without `-p` would, not rejected. `PARTUUID=` and
//! `PARTLABEL=` belong to the partition table, not to the filesystem, so they are
//! matched by the partition-table code and [`matches`] says `false` for them.

use crate::bytes::{self, array};

/// Bytes from the start of the device [`probe`] needs: btrfs's superblock starts at
/// 64 KiB and is 4 KiB long, which is the furthest any supported superblock reaches
/// (gfs2's is at 64 KiB too but shorter; ocfs2's is at most at 8 KiB plus a block).
pub const PROBE_SIZE: usize = 64 * 1024 + 4096;

/// What [`probe`] found on a device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    /// blkid's `TYPE`.
    pub fstype: &'static str,
    /// blkid's `UUID`: lower-case `8-4-4-4-12` for the 16-byte UUIDs of every
    /// supported filesystem; `None` when the superblock's UUID is all zeroes.
    pub uuid: Option<String>,
    /// blkid's `LABEL`, `None` when empty.
    pub label: Option<String>,
}

/// A block root as written on the command line (`root=`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RootDevice {
    Path(String),
    Uuid(String),
    Label(String),
    PartUuid(String),
    PartLabel(String),
}

/// `/dev/...`, `UUID=`, `LABEL=`, `PARTUUID=` or `PARTLABEL=` (prefixes are
/// case-sensitive, as in util-linux's `blkid_evaluate_tag`); anything else, or an empty
/// value, is not a block root.
pub fn parse_root_device(s: &str) -> Option<RootDevice> {
    type Make = fn(String) -> RootDevice;
    let tagged: [(&str, Make); 4] = [
        ("UUID=", RootDevice::Uuid),
        ("LABEL=", RootDevice::Label),
        ("PARTUUID=", RootDevice::PartUuid),
        ("PARTLABEL=", RootDevice::PartLabel),
    ];
    if s.starts_with("/dev/") && s.len() > "/dev/".len() {
        return Some(RootDevice::Path(s.to_owned()));
    }
    tagged.iter().find_map(|(prefix, make)| {
        s.strip_prefix(prefix)
            .filter(|v| !v.is_empty())
            .map(|v| make(v.to_owned()))
    })
}

/// Whether the filesystem `probe` describes is the one `dev` names. A `Path` is
/// matched by the caller (it knows the device node), and `PartUuid`/`PartLabel` by the
/// partition-table code: all three are `false` here.
pub fn matches(dev: &RootDevice, probe: &Probe) -> bool {
    match dev {
        RootDevice::Uuid(want) => probe
            .uuid
            .as_deref()
            .is_some_and(|have| have.eq_ignore_ascii_case(want)),
        RootDevice::Label(want) => probe.label.as_deref() == Some(want.as_str()),
        RootDevice::Path(_) | RootDevice::PartUuid(_) | RootDevice::PartLabel(_) => false,
    }
}

/// Identifies the filesystem whose first bytes are `head`; `None` for anything
/// unknown, garbage, or cut short before the fields needed.
pub fn probe(head: &[u8]) -> Option<Probe> {
    type Prober = fn(&[u8]) -> Option<Probe>;
    let probers: [Prober; 6] = [
        probe_ext,
        probe_xfs,
        probe_btrfs,
        probe_squashfs,
        probe_gfs2,
        probe_ocfs2,
    ];
    probers.iter().find_map(|p| p(head))
}

fn le16(buf: &[u8], off: usize) -> Option<u16> {
    array(buf, off).map(u16::from_le_bytes)
}

fn le32(buf: &[u8], off: usize) -> Option<u32> {
    array(buf, off).map(u32::from_le_bytes)
}

fn be32(buf: &[u8], off: usize) -> Option<u32> {
    array(buf, off).map(u32::from_be_bytes)
}

fn uuid(buf: &[u8], off: usize) -> Option<String> {
    bytes::uuid(buf.get(off..off.checked_add(16)?)?)
}

fn label(buf: &[u8], off: usize, len: usize) -> Option<String> {
    bytes::text(buf.get(off..off.checked_add(len)?)?)
}

fn found(fstype: &'static str, uuid: Option<String>, label: Option<String>) -> Option<Probe> {
    Some(Probe {
        fstype,
        uuid,
        label,
    })
}

// ext2/3/4: `struct ext2_super_block` at 1 KiB (e2fsprogs lib/ext2fs/ext2_fs.h).
const EXT_SB: usize = 1024;
const EXT_MAGIC: u16 = 0xEF53;
const EXT3_COMPAT_HAS_JOURNAL: u32 = 0x0004;
const EXT3_INCOMPAT_RECOVER: u32 = 0x0004;
const EXT3_INCOMPAT_JOURNAL_DEV: u32 = 0x0008;
const EXT2_INCOMPAT_FILETYPE: u32 = 0x0002;
const EXT2_INCOMPAT_META_BG: u32 = 0x0010;
/// sparse_super | large_file | btree_dir: all ext2 and ext3 know.
const EXT2_RO_COMPAT_SUPP: u32 = 0x0007;
const EXT2_INCOMPAT_SUPP: u32 = EXT2_INCOMPAT_FILETYPE | EXT2_INCOMPAT_META_BG;
const EXT3_INCOMPAT_SUPP: u32 = EXT2_INCOMPAT_SUPP | EXT3_INCOMPAT_RECOVER;
const EXT2_FLAGS_TEST_FILESYS: u32 = 0x0004;

/// blkid's ext rules: a journal device is `jbd` (not supported here); a feature ext3
/// does not know (extents, 64bit, flex_bg, ...) makes `ext4` (`ext4dev` with the test
/// flag); otherwise a journal makes `ext3`, and no journal `ext2`.
fn probe_ext(head: &[u8]) -> Option<Probe> {
    // Everything read below, up to s_flags, must be there: no half answers.
    let sb = head.get(EXT_SB..EXT_SB + 0x164)?;
    if le16(sb, 0x38)? != EXT_MAGIC {
        return None;
    }
    let compat = le32(sb, 0x5C)?;
    let incompat = le32(sb, 0x60)?;
    let ro_compat = le32(sb, 0x64)?;
    if incompat & EXT3_INCOMPAT_JOURNAL_DEV != 0 {
        return None;
    }
    let beyond_ext3 = ro_compat & !EXT2_RO_COMPAT_SUPP != 0 || incompat & !EXT3_INCOMPAT_SUPP != 0;
    let fstype = if beyond_ext3 {
        if le32(sb, 0x160)? & EXT2_FLAGS_TEST_FILESYS != 0 {
            "ext4dev"
        } else {
            "ext4"
        }
    } else if compat & EXT3_COMPAT_HAS_JOURNAL != 0 {
        "ext3"
    } else if incompat & !EXT2_INCOMPAT_SUPP != 0 {
        // needs_recovery without a journal: blkid calls it nothing.
        return None;
    } else {
        "ext2"
    };
    found(fstype, uuid(sb, 0x68), label(sb, 0x78, 16))
}

/// xfs: `struct xfs_sb` at 0, big-endian (xfsprogs libxfs/xfs_format.h). A few sanity
/// checks from blkid's `xfs_verify_sb` keep a stray "XFSB" from matching.
fn probe_xfs(head: &[u8]) -> Option<Probe> {
    let head = head.get(..0x78)?; // through sb_fname
    if head.get(..4)? != b"XFSB" {
        return None;
    }
    let blocksize = be32(head, 4)?;
    let agcount = be32(head, 0x58)?;
    let sectsize = array(head, 0x66).map(u16::from_be_bytes)?;
    let sane = (512..=65536).contains(&blocksize)
        && blocksize.is_power_of_two()
        && (512..=32768).contains(&sectsize)
        && sectsize.is_power_of_two()
        && agcount > 0;
    if !sane {
        return None;
    }
    found("xfs", uuid(head, 0x20), label(head, 0x6C, 12))
}

// btrfs: `struct btrfs_super_block` at 64 KiB (kernel fs/btrfs/accessors.h).
const BTRFS_SB: usize = 64 * 1024;

fn probe_btrfs(head: &[u8]) -> Option<Probe> {
    let sb = head.get(BTRFS_SB..BTRFS_SB + 0x22B)?; // through the label
    if sb.get(0x40..0x48)? != b"_BHRfS_M" {
        return None;
    }
    found("btrfs", uuid(sb, 0x20), label(sb, 0x12B, 256))
}

/// squashfs: magic "hsqs" (little-endian) at 0, major version at 28. It has neither
/// UUID nor label.
fn probe_squashfs(head: &[u8]) -> Option<Probe> {
    let magic = head.get(..4)?;
    if magic != b"hsqs" && magic != b"sqsh" {
        return None;
    }
    let major = if magic == b"hsqs" {
        le16(head, 28)?
    } else {
        array(head, 28).map(u16::from_be_bytes)?
    };
    match major {
        4 if magic == b"hsqs" => found("squashfs", None, None),
        1..=3 => found("squashfs3", None, None),
        _ => None,
    }
}

/// gfs2: the superblock at 64 KiB; its label is the lock table name
/// (`cluster:fsname`), as in blkid.
fn probe_gfs2(head: &[u8]) -> Option<Probe> {
    let (uuid, label) = crate::gfs2::identify(head)?;
    found("gfs2", uuid, label)
}

/// ocfs2: the superblock inode at block 2, for block sizes 512 to 4096.
fn probe_ocfs2(head: &[u8]) -> Option<Probe> {
    let (uuid, label) = crate::ocfs2::identify(head)?;
    found("ocfs2", uuid, label)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_device_forms() {
        let cases = [
            ("/dev/sda1", Some(RootDevice::Path("/dev/sda1".into()))),
            ("UUID=AbC", Some(RootDevice::Uuid("AbC".into()))),
            ("LABEL=root fs", Some(RootDevice::Label("root fs".into()))),
            (
                "PARTUUID=1234-01",
                Some(RootDevice::PartUuid("1234-01".into())),
            ),
            ("PARTLABEL=sys", Some(RootDevice::PartLabel("sys".into()))),
            ("UUID=", None),
            ("/dev/", None),
            ("uuid=abc", None),
            ("nfs:server:/x", None),
            ("", None),
        ];
        for (input, want) in cases {
            assert_eq!(parse_root_device(input), want, "failed testcase: '{input}'");
        }
    }

    #[test]
    fn matching() {
        let p = Probe {
            fstype: "ext4",
            uuid: Some("0a1b2c3d-4e5f-4607-8899-aabbccddeeff".into()),
            label: Some("root".into()),
        };
        let yes = |s: &str| matches(&parse_root_device(s).unwrap(), &p);
        assert!(yes("UUID=0A1B2C3D-4E5F-4607-8899-AABBCCDDEEFF"));
        assert!(yes("LABEL=root"));
        assert!(!yes("LABEL=ROOT"));
        assert!(!yes("UUID=0a1b2c3d"));
        assert!(!yes("PARTUUID=0a1b2c3d-4e5f-4607-8899-aabbccddeeff"));
        assert!(!yes("PARTLABEL=root"));
        assert!(!yes("/dev/sda1"));
    }

    #[test]
    fn uuid_formatting() {
        let mut b = [0u8; 20];
        assert_eq!(uuid(&b, 2), None);
        b[2] = 0xAB;
        b[17] = 0x01;
        assert_eq!(
            uuid(&b, 2).as_deref(),
            Some("ab000000-0000-0000-0000-000000000001")
        );
        assert_eq!(uuid(&b, 5), None, "short buffer");
    }
}
