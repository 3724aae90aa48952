//! Block-device roots without udev: which device `root=` names, and how to mount it.
//!
//! The executor lists `/sys/class/block`, reads the first [`blkid::PROBE_SIZE`] bytes of
//! each device and hands them here: [`Candidate`]s are matched against the
//! [`RootDevice`] (UUID, LABEL, a path, or PARTUUID/PARTLABEL from the whole disk's
//! partition table, parsed by [`partitions`]), and [`block_mount`] turns the probe,
//! `rootfstype=`, `rootflags=` and `rw` into the mount(2) call, the modules it needs and
//! the cluster stack a shared filesystem needs first ([`Locking`]).
//!
//! udev's `/dev/disk/by-uuid/...`, `by-label`, `by-partuuid` and `by-partlabel` paths
//! are taken as the tags they stand for ([`normalize`]), since nothing creates those
//! links in this initramfs.
//!
//! Partition tables: GPT in 512-byte or 4096-byte sectors, the primary table only
//! (entries in table order are partitions 1, 2, ...; the partition name is PARTLABEL;
//! a damaged primary is not replaced by the backup at the disk's end, which is not
//! read) and the four primary MBR entries (PARTUUID
//! `<disk signature>-<nn>`, as the kernel and blkid print it). Logical MBR partitions
//! (5 and up) are not matched by PARTUUID; their `/dev/` path works.

use std::fmt;

mod partition;

pub use self::partition::{partition_name, partitions, Partition};
use crate::blkid::{self, Probe, RootDevice};
use crate::mountopts::{MountFlags, MountOptions};

/// A block device as the executor found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The kernel's name: `vda`, `vda1`, `nvme0n1p2`.
    pub name: String,
    pub probe: Option<Probe>,
    /// From the disk's partition table, for partitions.
    pub part_uuid: Option<String>,
    pub part_label: Option<String>,
}

impl Candidate {
    pub fn path(&self) -> String {
        format!("/dev/{}", self.name)
    }
}

impl fmt::Display for Candidate {
    /// `vda (ext4 UUID=... LABEL=...)`, for the "devices seen" list of an error.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.name)?;
        let mut parts = Vec::new();
        if let Some(p) = &self.probe {
            parts.push(p.fstype.to_string());
            if let Some(u) = &p.uuid {
                parts.push(format!("UUID={u}"));
            }
            if let Some(l) = &p.label {
                parts.push(format!("LABEL={l}"));
            }
        }
        if let Some(u) = &self.part_uuid {
            parts.push(format!("PARTUUID={u}"));
        }
        if let Some(l) = &self.part_label {
            parts.push(format!("PARTLABEL={l}"));
        }
        if parts.is_empty() {
            parts.push("no filesystem known".to_string());
        }
        write!(f, " ({})", parts.join(" "))
    }
}

/// udev's by-* links as the tags they stand for; anything else unchanged.
pub fn normalize(dev: RootDevice) -> RootDevice {
    let RootDevice::Path(p) = &dev else {
        return dev;
    };
    type Make = fn(String) -> RootDevice;
    let links: [(&str, Make); 4] = [
        ("/dev/disk/by-uuid/", RootDevice::Uuid),
        ("/dev/disk/by-label/", RootDevice::Label),
        ("/dev/disk/by-partuuid/", RootDevice::PartUuid),
        ("/dev/disk/by-partlabel/", RootDevice::PartLabel),
    ];
    links
        .iter()
        .find_map(|(prefix, make)| {
            p.strip_prefix(prefix)
                .filter(|v| !v.is_empty() && !v.contains('/'))
                .map(|v| make(unescape_udev(v)))
        })
        .unwrap_or(dev)
}

/// udev writes unsafe bytes of a label as `\xNN`.
fn unescape_udev(s: &str) -> String {
    let mut out = Vec::with_capacity(s.len());
    let mut rest = s.as_bytes();
    while let Some((&c, tail)) = rest.split_first() {
        let escaped = tail
            .strip_prefix(b"x")
            .and_then(|t| t.get(..2).map(|h| (h, t.get(2..).unwrap_or_default())))
            .and_then(|(h, t)| {
                let h = std::str::from_utf8(h).ok()?;
                Some((u8::from_str_radix(h, 16).ok()?, t))
            });
        match (c, escaped) {
            (b'\\', Some((v, t))) => {
                out.push(v);
                rest = t;
            }
            _ => {
                out.push(c);
                rest = tail;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The device `root=` (or a `<rootvolume name=>`) names, udev's by-* links read as
/// their tags. Names only udev or device-mapper would create are refused here, with
/// what to write instead, rather than waited for until the timeout.
pub fn root_device(s: &str) -> Result<RootDevice, String> {
    const FORMS: &str =
        "/dev/<name>, UUID=<uuid>, LABEL=<label>, PARTUUID=<uuid> or PARTLABEL=<name>";
    let dev = blkid::parse_root_device(s)
        .map(normalize)
        .ok_or_else(|| format!("{FORMS}, got {s:?}"))?;
    if let RootDevice::Path(p) = &dev {
        if p.starts_with("/dev/disk/") {
            return Err(format!(
                "{FORMS}, got {p}: only udev makes /dev/disk/by-id and by-path links, and this initramfs has none (by-uuid, by-label, by-partuuid and by-partlabel are read as their tags)"
            ));
        }
        if p.starts_with("/dev/mapper/") || p.starts_with("/dev/dm-") {
            return Err(format!(
                "{FORMS}, got {p}: device-mapper roots (LVM, multipath, LUKS) are not supported by osr-init"
            ));
        }
    }
    Ok(dev)
}

/// How the device is written in messages: `UUID=...`, `/dev/vda`.
pub fn describe(dev: &RootDevice) -> String {
    match dev {
        RootDevice::Path(p) => p.clone(),
        RootDevice::Uuid(v) => format!("UUID={v}"),
        RootDevice::Label(v) => format!("LABEL={v}"),
        RootDevice::PartUuid(v) => format!("PARTUUID={v}"),
        RootDevice::PartLabel(v) => format!("PARTLABEL={v}"),
    }
}

/// The candidate `dev` names. Two filesystems with the same UUID or label (a cloned
/// disk, a multipath device seen twice) are an error: booting the wrong copy is worse
/// than not booting.
pub fn find<'a>(dev: &RootDevice, seen: &'a [Candidate]) -> Result<Option<&'a Candidate>, String> {
    let hits: Vec<&Candidate> = seen
        .iter()
        .filter(|c| match dev {
            RootDevice::Path(p) => p.strip_prefix("/dev/") == Some(c.name.as_str()),
            RootDevice::PartUuid(u) => c
                .part_uuid
                .as_deref()
                .is_some_and(|h| h.eq_ignore_ascii_case(u)),
            RootDevice::PartLabel(l) => c.part_label.as_deref() == Some(l.as_str()),
            RootDevice::Uuid(_) | RootDevice::Label(_) => {
                c.probe.as_ref().is_some_and(|p| blkid::matches(dev, p))
            }
        })
        .collect();
    match hits.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(one)),
        many => Err(format!(
            "{} matches several devices: {}; refusing to guess which one is the root \
             (a cloned disk, or one LUN seen over several paths: name one with root=/dev/<name>, \
             or give the copies their own UUIDs and labels)",
            describe(dev),
            many.iter()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// The cluster stack a filesystem needs before it can be mounted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Locking {
    /// A local filesystem, GFS2 with lock_nolock, OCFS2 with the local mount type.
    None,
    /// GFS2 with lock_dlm: corosync and dlm_controld of the cluster the lock table
    /// names, with quorum.
    Dlm { cluster: String, fsname: String },
    /// OCFS2 with the o2cb stack: nodes in configfs and disk heartbeat on the device.
    O2cb,
}

/// What a shared filesystem's superblock says about locking (the executor reads it
/// with [`crate::gfs2`] / [`crate::ocfs2`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FsLocking {
    NotShared,
    Gfs2 {
        lockproto: String,
        locktable: String,
    },
    Ocfs2 {
        local: bool,
        global_heartbeat: bool,
        userspace_stack: Option<String>,
    },
}

/// The root's mount, decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockMount {
    pub device: String,
    pub fstype: String,
    pub read_only: bool,
    /// mount(2)'s flags from the options (`noatime`, `nosuid`, ...), `ro` aside.
    pub flags: MountFlags,
    /// Filesystem options, comma-separated.
    pub data: String,
    /// Kernel modules, in load order (dependencies follow from modules.dep).
    pub modules: Vec<String>,
    pub locking: Locking,
}

/// What the command line (or cluster.conf's `<rootvolume>`) asks of a block root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockRequest {
    /// `rootfstype=` (or the rootvolume's `fstype`).
    pub fstype: Option<String>,
    /// `rootflags=` (after the rootvolume's `mountopts`).
    pub options: MountOptions,
    /// Read-write unless the options say `ro` (the planner's rule: the command line's
    /// `ro`/`rw`, else read-write on a cluster node only).
    pub rw: bool,
    /// The overlay's lower layer: read-only whatever else says.
    pub force_ro: bool,
    /// The cluster this node belongs to (cluster.conf's name), if any.
    pub cluster: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BlockError {
    #[error("{device}: rootfstype={asked} but the device holds {found}: fix rootfstype= or root=")]
    TypeMismatch {
        device: String,
        asked: String,
        found: String,
    },
    #[error("{0}: no filesystem recognised (ext2/3/4, xfs, btrfs, squashfs, gfs2, ocfs2 are probed): give rootfstype= if it is another one")]
    Unknown(String),
    #[error("{0}: rootfstype={1} is not a filesystem osr-rs can mount as a root (ext2, ext3, ext4, xfs, btrfs, squashfs, gfs2, ocfs2, vfat)")]
    Unsupported(String, String),
    #[error("{device}: {error} (tunegfs2 -o locktable=<cluster>:<fsname> fixes it)")]
    LockTable {
        device: String,
        error: crate::gfs2::Gfs2Error,
    },
    #[error("{device}: GFS2 with lock_dlm for cluster {cluster:?}, but this image has no cluster.conf to start the cluster stack from: embed one (dracut osr_cluster_conf=) or mount it on one node alone with rootflags=lockproto=lock_nolock")]
    DlmWithoutCluster { device: String, cluster: String },
    #[error("{device}: GFS2 lock table is for cluster {fs_cluster:?} but cluster.conf names cluster {cluster:?}: the kernel refuses the mount; fix one of them (tunegfs2 -o locktable=...)")]
    ClusterMismatch {
        device: String,
        fs_cluster: String,
        cluster: String,
    },
    #[error("{device}: GFS2 lock protocol {proto:?} is neither lock_dlm nor lock_nolock")]
    LockProto { device: String, proto: String },
    #[error("{device}: OCFS2 volume of the cluster mount type, but this image has no cluster.conf to configure the o2cb stack from: embed one (dracut osr_cluster_conf=), or make it a local volume (tunefs.ocfs2 -M local)")]
    O2cbWithoutCluster { device: String },
    #[error("{device}: OCFS2 volume uses {what}, which osr-rs does not start: only the o2cb stack with local heartbeat is supported")]
    Ocfs2Stack { device: String, what: String },
}

impl BlockRequest {
    /// `ro`/`rw` in the options, else the command line's (or the default); always
    /// read-only under an overlay.
    pub fn read_only(&self) -> bool {
        self.force_ro || self.options.read_only.unwrap_or(!self.rw)
    }
}

/// The module that provides `fstype`.
fn fs_module(fstype: &str) -> Option<&'static str> {
    Some(match fstype {
        // ext4 serves ext2 and ext3 (CONFIG_EXT4_USE_FOR_EXT2, Debian's setting).
        "ext2" | "ext3" | "ext4" | "ext4dev" => "ext4",
        "xfs" => "xfs",
        "btrfs" => "btrfs",
        "squashfs" => "squashfs",
        "gfs2" => "gfs2",
        "ocfs2" => "ocfs2",
        "vfat" => "vfat",
        _ => return None,
    })
}

/// The mount for `device`, from what its superblock says (`probe`, `locking`) and what
/// was asked.
pub fn block_mount(
    device: &str,
    probe: Option<&Probe>,
    locking: &FsLocking,
    req: &BlockRequest,
) -> Result<BlockMount, BlockError> {
    let found = probe.map(|p| p.fstype);
    let fstype = match (req.fstype.as_deref(), found) {
        (Some(asked), Some(found)) if !same_type(asked, found) => {
            return Err(BlockError::TypeMismatch {
                device: device.to_string(),
                asked: asked.to_string(),
                found: found.to_string(),
            })
        }
        (Some(asked), _) => asked.to_string(),
        (None, Some(found)) => found.to_string(),
        (None, None) => return Err(BlockError::Unknown(device.to_string())),
    };
    let module = fs_module(&fstype)
        .ok_or_else(|| BlockError::Unsupported(device.to_string(), fstype.clone()))?;
    let read_only = req.read_only();
    let flags = req.options.flags;
    let mut data = req.options.data.clone();
    let mut modules = vec![module.to_string()];
    let dev = || device.to_string();
    let locking = match locking {
        FsLocking::Gfs2 {
            lockproto,
            locktable,
        } if fstype == "gfs2" => {
            let nolock = data.iter().any(|o| o == "lockproto=lock_nolock");
            match lockproto.as_str() {
                _ if nolock => Locking::None,
                "lock_nolock" => Locking::None,
                "lock_dlm" => {
                    let (fs_cluster, fsname) =
                        crate::gfs2::lock_table(locktable).map_err(|error| {
                            BlockError::LockTable {
                                device: dev(),
                                error,
                            }
                        })?;
                    match &req.cluster {
                        None => {
                            return Err(BlockError::DlmWithoutCluster {
                                device: dev(),
                                cluster: fs_cluster.to_string(),
                            })
                        }
                        Some(c) if *c != fs_cluster => {
                            return Err(BlockError::ClusterMismatch {
                                device: dev(),
                                fs_cluster: fs_cluster.clone(),
                                cluster: c.clone(),
                            })
                        }
                        Some(_) => {}
                    }
                    modules.push("dlm".to_string());
                    Locking::Dlm {
                        cluster: fs_cluster,
                        fsname,
                    }
                }
                other => {
                    return Err(BlockError::LockProto {
                        device: dev(),
                        proto: other.to_string(),
                    })
                }
            }
        }
        FsLocking::Ocfs2 {
            local,
            global_heartbeat,
            userspace_stack,
        } if fstype == "ocfs2" => {
            if *local {
                data.push("heartbeat=none".to_string());
                Locking::None
            } else if let Some(stack) = userspace_stack {
                return Err(BlockError::Ocfs2Stack {
                    device: dev(),
                    what: format!("the userspace cluster stack {stack:?}"),
                });
            } else if *global_heartbeat {
                return Err(BlockError::Ocfs2Stack {
                    device: dev(),
                    what: "global heartbeat".to_string(),
                });
            } else if req.cluster.is_none() {
                return Err(BlockError::O2cbWithoutCluster { device: dev() });
            } else {
                modules.push("ocfs2_stack_o2cb".to_string());
                data.push("heartbeat=local".to_string());
                Locking::O2cb
            }
        }
        _ => Locking::None,
    };
    Ok(BlockMount {
        device: device.to_string(),
        fstype,
        read_only,
        flags,
        data: data.join(","),
        modules,
        locking,
    })
}

fn same_type(asked: &str, found: &str) -> bool {
    let ext = |t: &str| matches!(t, "ext2" | "ext3" | "ext4" | "ext4dev");
    asked == found || (ext(asked) && ext(found))
}

#[cfg(test)]
mod tests {
    use super::partition::crc32;
    use super::*;

    fn probe(fstype: &'static str, uuid: &str, label: Option<&str>) -> Probe {
        Probe {
            fstype,
            uuid: Some(uuid.to_string()),
            label: label.map(str::to_string),
        }
    }

    fn cand(name: &str, p: Option<Probe>) -> Candidate {
        Candidate {
            name: name.to_string(),
            probe: p,
            part_uuid: None,
            part_label: None,
        }
    }

    fn req() -> BlockRequest {
        BlockRequest {
            fstype: None,
            options: MountOptions::default(),
            rw: false,
            force_ro: false,
            cluster: None,
        }
    }

    #[test]
    fn by_links_are_tags() {
        let n = |s: &str| normalize(blkid::parse_root_device(s).unwrap());
        assert_eq!(
            n("/dev/disk/by-uuid/0b5e-1c2a"),
            RootDevice::Uuid("0b5e-1c2a".into())
        );
        assert_eq!(
            n("/dev/disk/by-label/my\\x20root"),
            RootDevice::Label("my root".into())
        );
        assert_eq!(
            n("/dev/disk/by-partuuid/abc-01"),
            RootDevice::PartUuid("abc-01".into())
        );
        assert_eq!(n("/dev/vda"), RootDevice::Path("/dev/vda".into()));
        assert_eq!(
            n("/dev/disk/by-path/pci-0000:00:04.0"),
            RootDevice::Path("/dev/disk/by-path/pci-0000:00:04.0".into())
        );
    }

    #[test]
    fn find_by_each_tag() {
        let mut p1 = cand("vda1", Some(probe("ext4", "aa-bb", Some("root"))));
        p1.part_uuid = Some("1234abcd-01".into());
        p1.part_label = Some("system".into());
        let seen = vec![
            cand("vda", None),
            p1,
            cand("vdb", Some(probe("xfs", "cc-dd", None))),
        ];
        let name = |d: RootDevice| find(&d, &seen).unwrap().map(|c| c.name.clone());
        assert_eq!(
            name(RootDevice::Uuid("AA-BB".into())).as_deref(),
            Some("vda1")
        );
        assert_eq!(
            name(RootDevice::Label("root".into())).as_deref(),
            Some("vda1")
        );
        assert_eq!(name(RootDevice::Label("Root".into())), None);
        assert_eq!(
            name(RootDevice::PartUuid("1234ABCD-01".into())).as_deref(),
            Some("vda1")
        );
        assert_eq!(
            name(RootDevice::PartLabel("system".into())).as_deref(),
            Some("vda1")
        );
        assert_eq!(
            name(RootDevice::Path("/dev/vdb".into())).as_deref(),
            Some("vdb")
        );
        assert_eq!(name(RootDevice::Uuid("ee".into())), None);
    }

    #[test]
    fn duplicate_uuid_is_refused() {
        let seen = vec![
            cand("vda", Some(probe("ext4", "aa", None))),
            cand("vdb", Some(probe("ext4", "aa", None))),
        ];
        let err = find(&RootDevice::Uuid("aa".into()), &seen).unwrap_err();
        assert!(
            err.contains("several devices: vda (ext4 UUID=aa), vdb"),
            "{err}"
        );
    }

    #[test]
    fn candidate_display() {
        let c = cand("vda", Some(probe("ext4", "aa", Some("root"))));
        assert_eq!(c.to_string(), "vda (ext4 UUID=aa LABEL=root)");
        assert_eq!(cand("sr0", None).to_string(), "sr0 (no filesystem known)");
    }

    #[test]
    fn partition_names() {
        assert_eq!(partition_name("vda", 2), "vda2");
        assert_eq!(partition_name("nvme0n1", 1), "nvme0n1p1");
        assert_eq!(partition_name("mmcblk0", 3), "mmcblk0p3");
    }

    fn mbr(sig: u32, types: [u8; 4]) -> Vec<u8> {
        let mut d = vec![0u8; 4096];
        d[440..444].copy_from_slice(&sig.to_le_bytes());
        for (i, t) in types.iter().enumerate() {
            d[446 + i * 16 + 4] = *t;
        }
        d[510] = 0x55;
        d[511] = 0xaa;
        d
    }

    #[test]
    fn mbr_primary_partitions() {
        let parts = partitions(&mbr(0x1234abcd, [0x83, 0, 0x82, 0]));
        let got: Vec<(u32, &str)> = parts.iter().map(|p| (p.number, p.uuid.as_str())).collect();
        assert_eq!(got, [(1, "1234abcd-01"), (3, "1234abcd-03")]);
        assert!(partitions(&vec![0u8; 4096]).is_empty());
        assert!(partitions(&[0x55; 100]).is_empty());
    }

    #[test]
    fn gpt_partitions() {
        let mut d = mbr(0, [0xee, 0, 0, 0]);
        d.resize(34 * 512, 0);
        d[512..520].copy_from_slice(b"EFI PART");
        d[512 + 72..512 + 80].copy_from_slice(&2u64.to_le_bytes());
        d[512 + 12..512 + 16].copy_from_slice(&92u32.to_le_bytes());
        d[512 + 24..512 + 32].copy_from_slice(&1u64.to_le_bytes());
        d[512 + 80..512 + 84].copy_from_slice(&128u32.to_le_bytes());
        d[512 + 84..512 + 88].copy_from_slice(&128u32.to_le_bytes());
        // entry 2 (partition 2): type non-zero, unique GUID, name "root"
        let e = 1024 + 128;
        d[e] = 1;
        let g: [u8; 16] = [
            0x78, 0x56, 0x34, 0x12, 0xbc, 0x9a, 0xf0, 0xde, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06,
            0x07, 0x08,
        ];
        d[e + 16..e + 32].copy_from_slice(&g);
        for (i, c) in "root".encode_utf16().enumerate() {
            d[e + 56 + 2 * i..e + 58 + 2 * i].copy_from_slice(&c.to_le_bytes());
        }
        // the CRCs of the entries (at the header's LBA) and of the header
        let seal = |d: &mut Vec<u8>| {
            let lba = u64::from_le_bytes(d[512 + 72..512 + 80].try_into().unwrap());
            let at = usize::try_from(lba).map_or(0, |l| l.saturating_mul(512));
            let entries = at
                .checked_add(128 * 128)
                .and_then(|end| d.get(at..end))
                .map_or(0, crc32);
            d[512 + 88..512 + 92].copy_from_slice(&entries.to_le_bytes());
            d[512 + 16..512 + 20].fill(0);
            let header = crc32(&d[512..512 + 92]);
            d[512 + 16..512 + 20].copy_from_slice(&header.to_le_bytes());
        };
        seal(&mut d);
        let parts = partitions(&d);
        assert_eq!(
            parts,
            [Partition {
                number: 2,
                uuid: "12345678-9abc-def0-0102-030405060708".into(),
                label: Some("root".into()),
            }]
        );
        // a flipped byte in an entry or the header: the kernel ignores such a table
        let mut bad = d.clone();
        bad[e + 20] ^= 1;
        assert!(partitions(&bad).is_empty());
        let mut bad = d.clone();
        bad[512 + 40] ^= 1;
        assert!(partitions(&bad).is_empty());
        // entries beyond what was read: nothing seen, no panic
        for lba in [u64::MAX, 200] {
            let mut bad = d.clone();
            bad[512 + 72..512 + 80].copy_from_slice(&lba.to_le_bytes());
            seal(&mut bad);
            assert!(partitions(&bad).is_empty(), "entries at LBA {lba}");
        }
    }

    #[test]
    fn crc32_check_value() {
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
    }

    #[test]
    fn ext4_read_only_unless_rw() {
        let p = probe("ext4", "aa", None);
        let mut r = req();
        r.options = crate::mountopts::parse("noatime,data=journal,defaults");
        let m = block_mount("/dev/vda", Some(&p), &FsLocking::NotShared, &r).unwrap();
        assert_eq!(m.fstype, "ext4");
        assert!(m.read_only);
        assert_eq!(m.flags, MountFlags::NOATIME);
        assert_eq!(m.data, "data=journal");
        assert_eq!(m.modules, ["ext4"]);
        r.rw = true;
        assert!(
            !block_mount("/dev/vda", Some(&p), &FsLocking::NotShared, &r)
                .unwrap()
                .read_only
        );
        r.options = crate::mountopts::parse("ro");
        assert!(r.read_only(), "ro in the options wins over rw");
        r.rw = false;
        r.options = crate::mountopts::parse("rw");
        assert!(!r.read_only(), "rw in the options wins over ro");
        r.force_ro = true;
        assert!(
            block_mount("/dev/vda", Some(&p), &FsLocking::NotShared, &r)
                .unwrap()
                .read_only
        );
    }

    #[test]
    fn rootfstype_against_probe() {
        let p = probe("ext4", "aa", None);
        let mut r = req();
        r.fstype = Some("ext3".into());
        assert_eq!(
            block_mount("/dev/vda", Some(&p), &FsLocking::NotShared, &r)
                .unwrap()
                .fstype,
            "ext3"
        );
        r.fstype = Some("xfs".into());
        let err = block_mount("/dev/vda", Some(&p), &FsLocking::NotShared, &r).unwrap_err();
        assert!(err
            .to_string()
            .contains("rootfstype=xfs but the device holds ext4"));
        r.fstype = Some("vfat".into());
        let m = block_mount("/dev/vda", None, &FsLocking::NotShared, &r).unwrap();
        assert_eq!(m.modules, ["vfat"]);
        let err = block_mount("/dev/vda", None, &FsLocking::NotShared, &req()).unwrap_err();
        assert!(err.to_string().contains("no filesystem recognised"));
        r.fstype = Some("ntfs".into());
        assert!(matches!(
            block_mount("/dev/vda", None, &FsLocking::NotShared, &r),
            Err(BlockError::Unsupported(..))
        ));
    }

    fn gfs2(proto: &str) -> FsLocking {
        FsLocking::Gfs2 {
            lockproto: proto.into(),
            locktable: "osrlab:root".into(),
        }
    }

    #[test]
    fn gfs2_locking() {
        let p = probe("gfs2", "aa", None);
        let m = block_mount("/dev/vda", Some(&p), &gfs2("lock_nolock"), &req()).unwrap();
        assert_eq!(m.locking, Locking::None);
        assert_eq!(m.modules, ["gfs2"]);
        let err = block_mount("/dev/vda", Some(&p), &gfs2("lock_dlm"), &req()).unwrap_err();
        assert!(err.to_string().contains("no cluster.conf"), "{err}");
        let mut r = req();
        r.cluster = Some("osrlab".into());
        let m = block_mount("/dev/vda", Some(&p), &gfs2("lock_dlm"), &r).unwrap();
        assert_eq!(
            m.locking,
            Locking::Dlm {
                cluster: "osrlab".into(),
                fsname: "root".into()
            }
        );
        assert_eq!(m.modules, ["gfs2", "dlm"]);
        r.cluster = Some("other".into());
        let err = block_mount("/dev/vda", Some(&p), &gfs2("lock_dlm"), &r).unwrap_err();
        assert!(matches!(err, BlockError::ClusterMismatch { .. }));
        // one node alone on a lock_dlm volume
        let mut r = req();
        r.options = crate::mountopts::parse("lockproto=lock_nolock");
        let m = block_mount("/dev/vda", Some(&p), &gfs2("lock_dlm"), &r).unwrap();
        assert_eq!(m.locking, Locking::None);
        assert_eq!(m.data, "lockproto=lock_nolock");
        assert!(matches!(
            block_mount("/dev/vda", Some(&p), &gfs2("lock_gulm"), &req()),
            Err(BlockError::LockProto { .. })
        ));
    }

    #[test]
    fn ocfs2_locking() {
        let p = probe("ocfs2", "aa", None);
        let o = |local, global: bool, stack: Option<&str>| FsLocking::Ocfs2 {
            local,
            global_heartbeat: global,
            userspace_stack: stack.map(str::to_string),
        };
        let mut r = req();
        r.rw = true;
        let m = block_mount("/dev/vda", Some(&p), &o(true, false, None), &r).unwrap();
        assert_eq!(
            (m.locking, m.data.as_str()),
            (Locking::None, "heartbeat=none")
        );
        let err = block_mount("/dev/vda", Some(&p), &o(false, false, None), &r).unwrap_err();
        assert!(matches!(err, BlockError::O2cbWithoutCluster { .. }));
        r.cluster = Some("osrlab".into());
        let m = block_mount("/dev/vda", Some(&p), &o(false, false, None), &r).unwrap();
        assert_eq!(m.locking, Locking::O2cb);
        assert_eq!(m.data, "heartbeat=local");
        assert_eq!(m.modules, ["ocfs2", "ocfs2_stack_o2cb"]);
        for bad in [o(false, true, None), o(false, false, Some("pcmk"))] {
            assert!(matches!(
                block_mount("/dev/vda", Some(&p), &bad, &r),
                Err(BlockError::Ocfs2Stack { .. })
            ));
        }
    }
}
