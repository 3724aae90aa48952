//! Reading fixed-layout on-disk structures (superblocks, partition tables): fields at
//! byte offsets, checked, never a panic on a short or hostile buffer.

/// `N` bytes at `off`, if the buffer holds them.
pub fn array<const N: usize>(buf: &[u8], off: usize) -> Option<[u8; N]> {
    buf.get(off..off.checked_add(N)?)?.try_into().ok()
}

/// A 16-byte UUID as blkid prints it (lower-case, dashed); `None` when it is not 16
/// bytes or all zeroes ("not set").
pub fn uuid(u: &[u8]) -> Option<String> {
    let u: [u8; 16] = u.try_into().ok()?;
    if u.iter().all(|&b| b == 0) {
        return None;
    }
    let hex = |r: std::ops::Range<usize>| -> String {
        u.get(r)
            .unwrap_or_default()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    Some(format!(
        "{}-{}-{}-{}-{}",
        hex(0..4),
        hex(4..6),
        hex(6..8),
        hex(8..10),
        hex(10..16)
    ))
}

/// A NUL-padded text field as blkid reads a label: up to the first NUL, invalid
/// UTF-8 replaced, trailing whitespace dropped; `None` when nothing is left.
pub fn text(field: &[u8]) -> Option<String> {
    let end = field.iter().position(|&b| b == 0).unwrap_or(field.len());
    let s = String::from_utf8_lossy(field.get(..end).unwrap_or_default());
    let s = s.trim_end();
    (!s.is_empty()).then(|| s.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_forms() {
        let b: Vec<u8> = (1..=16).collect();
        assert_eq!(
            uuid(&b).as_deref(),
            Some("01020304-0506-0708-090a-0b0c0d0e0f10")
        );
        assert_eq!(uuid(&[0; 16]), None);
        assert_eq!(uuid(&b[..15]), None, "short");
    }

    #[test]
    fn text_fields() {
        assert_eq!(text(b"root  \0\0junk").as_deref(), Some("root"));
        assert_eq!(text(b"\0abc"), None);
        assert_eq!(text(b"   "), None);
        assert_eq!(text(b"full").as_deref(), Some("full"));
    }

    #[test]
    fn arrays_in_and_out_of_range() {
        assert_eq!(array::<2>(&[1, 2, 3], 1), Some([2, 3]));
        assert_eq!(array::<2>(&[1, 2, 3], 2), None);
        assert_eq!(array::<2>(&[1, 2, 3], usize::MAX), None);
    }
}
