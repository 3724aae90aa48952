//! Partition tables, for PARTUUID and PARTLABEL: GPT in 512-byte or 4096-byte
//! sectors (the primary table only, used when the kernel would: header and entry CRCs
//! right) and the four primary MBR entries.

use crate::bytes::array;

/// One partition of a disk's table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partition {
    /// 1-based, as in the kernel's partition names.
    pub number: u32,
    pub uuid: String,
    pub label: Option<String>,
}

/// The kernel's name of partition `n` of `disk`: `vda1`, `nvme0n1p1`.
pub fn partition_name(disk: &str, n: u32) -> String {
    if disk.ends_with(|c: char| c.is_ascii_digit()) {
        format!("{disk}p{n}")
    } else {
        format!("{disk}{n}")
    }
}

/// The logical sector sizes a GPT is looked for with: its header is at LBA 1, byte 512
/// on most disks, byte 4096 on 4Kn ones.
const SECTORS: [usize; 2] = [512, 4096];

/// The partitions in `head` (the first bytes of a whole disk): GPT when a protective
/// MBR and a valid GPT are there, else the MBR's primary entries. The whole GPT entry
/// array must be in `head` (its CRC covers it all): a table that reaches further is
/// not read.
pub fn partitions(head: &[u8]) -> Vec<Partition> {
    if head.get(510..512) != Some(&[0x55, 0xaa][..]) {
        return Vec::new();
    }
    let types: Vec<u8> = (0..4)
        .filter_map(|i| head.get(446 + i * 16 + 4).copied())
        .collect();
    if types.contains(&0xee) {
        return SECTORS
            .iter()
            .find_map(|&sector| gpt(head, sector))
            .unwrap_or_default();
    }
    let Some(sig) = array(head, 440).map(u32::from_le_bytes) else {
        return Vec::new();
    };
    (1u32..)
        .zip(types)
        .filter(|(_, t)| *t != 0)
        .map(|(n, _)| Partition {
            number: n,
            uuid: format!("{sig:08x}-{n:02x}"),
            label: None,
        })
        .collect()
}

/// The primary GPT, checked as the kernel's `is_gpt_valid` does (signature, header
/// size and CRC, `my_lba` 1, 128-byte entries starting at LBA 2 or later, the entry
/// array's CRC): a table the kernel would not use is not read here either.
fn gpt(head: &[u8], sector: usize) -> Option<Vec<Partition>> {
    let h = head.get(sector..2 * sector)?;
    if h.get(0..8)? != b"EFI PART" {
        return None;
    }
    let header_size = usize::try_from(u32::from_le_bytes(array(h, 12)?)).ok()?;
    if !(92..=sector).contains(&header_size) {
        return None;
    }
    let mut header = h.get(..header_size)?.to_vec();
    header.get_mut(16..20)?.fill(0);
    if crc32(&header) != u32::from_le_bytes(array(h, 16)?) || u64::from_le_bytes(array(h, 24)?) != 1
    {
        return None;
    }
    let entries_lba = u64::from_le_bytes(array(h, 72)?);
    let count = u32::from_le_bytes(array(h, 80)?);
    let size = usize::try_from(u32::from_le_bytes(array(h, 84)?)).ok()?;
    // (entries over the MBR or the header could not have a right CRC either: the header
    // holds that CRC; the kernel checks the LBA all the same)
    if size != GPT_ENTRY_SIZE || entries_lba < 2 {
        return None;
    }
    let start = usize::try_from(entries_lba).ok()?.checked_mul(sector)?;
    let len = usize::try_from(count).ok()?.checked_mul(size)?;
    let entries = head.get(start..start.checked_add(len)?)?;
    if crc32(entries) != u32::from_le_bytes(array(h, 88)?) {
        return None;
    }
    let mut out = Vec::new();
    for (n, e) in (1u32..).zip(entries.chunks_exact(GPT_ENTRY_SIZE)) {
        let (Some(kind), Some(unique), Some(name)) = (e.get(0..16), e.get(16..32), e.get(56..128))
        else {
            break;
        };
        if kind.iter().all(|&b| b == 0) {
            continue;
        }
        let name: Vec<u16> = name
            .chunks_exact(2)
            .map(|c| {
                u16::from_le_bytes([
                    c.first().copied().unwrap_or(0),
                    c.last().copied().unwrap_or(0),
                ])
            })
            .take_while(|&c| c != 0)
            .collect();
        let label = String::from_utf16_lossy(&name);
        out.push(Partition {
            number: n,
            uuid: guid(array(unique, 0)?),
            label: (!label.is_empty()).then_some(label),
        });
    }
    Some(out)
}

const GPT_ENTRY_SIZE: usize = 128;

/// CRC-32 (IEEE 802.3, reflected, as GPT and zlib use it).
pub(super) fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = (crc >> 1) ^ (0xedb8_8320 & (crc & 1).wrapping_neg());
        }
    }
    !crc
}

/// A GPT GUID (its first three fields little-endian) as blkid prints it.
fn guid(b: [u8; 16]) -> String {
    let [a0, a1, a2, a3, b0, b1, c0, c1, rest @ ..] = b;
    let hex = |bytes: &[u8]| bytes.iter().map(|x| format!("{x:02x}")).collect::<String>();
    format!(
        "{}-{}-{}-{}-{}",
        hex(&[a3, a2, a1, a0]),
        hex(&[b1, b0]),
        hex(&[c1, c0]),
        hex(rest.get(..2).unwrap_or_default()),
        hex(rest.get(2..).unwrap_or_default())
    )
}
