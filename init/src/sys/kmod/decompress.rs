//! In-process decompression of `.ko.gz`, `.ko.xz` and `.ko.zst` modules.
//!
//! Kernels before 6.4 (and later ones without `CONFIG_MODULE_DECOMPRESS`, such as
//! Debian's 6.1) cannot take a compressed file in `finit_module(2)`, so we inflate
//! the image ourselves and hand the bytes to `init_module(2)`, as kmod does.
//!
//! Not supported: `.ko.bz2`/`.ko.lzma` (no kernel build option produces them) and
//! zstd skippable frames or dictionaries.

use std::io::{self, Read};

/// How a module file is compressed, from its name as depmod wrote it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    Gzip,
    Xz,
    Zstd,
}

impl Compression {
    /// `None` for an uncompressed `.ko` (or anything else).
    pub fn from_path(path: &str) -> Option<Self> {
        if path.ends_with(".ko.gz") {
            Some(Self::Gzip)
        } else if path.ends_with(".ko.xz") {
            Some(Self::Xz)
        } else if path.ends_with(".ko.zst") {
            Some(Self::Zstd)
        } else {
            None
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Gzip => "gzip",
            Self::Xz => "xz",
            Self::Zstd => "zstd",
        }
    }
}

/// Decompresses a whole module image; corrupt or truncated input is an error.
pub fn decompress(format: Compression, data: &[u8]) -> io::Result<Vec<u8>> {
    // Modules compress about 3-4x; reserving avoids most reallocations.
    let mut out = Vec::with_capacity(data.len().saturating_mul(4));
    match format {
        Compression::Gzip => {
            flate2::read::MultiGzDecoder::new(data).read_to_end(&mut out)?;
        }
        Compression::Xz => {
            let mut input = data;
            lzma_rs::xz_decompress(&mut input, &mut out)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
        }
        Compression::Zstd => unzstd(data, &mut out)?,
    }
    Ok(out)
}

/// ruzstd's decoder handles one frame; the zstd format allows several back to
/// back (e.g. `cat a.zst b.zst`), so keep going until the input is used up.
fn unzstd(data: &[u8], out: &mut Vec<u8>) -> io::Result<()> {
    let mut input = data;
    while !input.is_empty() {
        let mut frame = ruzstd::StreamingDecoder::new(&mut input)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
        frame.read_to_end(out)?;
        let (stored, computed) = (
            frame.decoder.get_checksum_from_data(),
            frame.decoder.get_calculated_checksum(),
        );
        if let (Some(stored), Some(computed)) = (stored, computed) {
            if stored != computed {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("zstd checksum mismatch: stored {stored:08x}, computed {computed:08x}"),
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    const XZ: &[u8] = include_bytes!("../../../tests/fixtures/kmod/image.ko.xz");
    const ZST: &[u8] = include_bytes!("../../../tests/fixtures/kmod/image.ko.zst");
    const ZST_TWO_FRAMES: &[u8] = include_bytes!("../../../tests/fixtures/kmod/two-frames.ko.zst");

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(data).unwrap();
        encoder.finish().unwrap()
    }

    fn xz(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        lzma_rs::xz_compress(&mut &data[..], &mut out).unwrap();
        out
    }

    #[test]
    fn from_path_table() {
        let cases: &[(&str, &str, Option<Compression>)] = &[
            ("plain", "kernel/a.ko", None),
            ("gz", "kernel/a.ko.gz", Some(Compression::Gzip)),
            ("xz", "kernel/a.ko.xz", Some(Compression::Xz)),
            ("zst", "kernel/a.ko.zst", Some(Compression::Zstd)),
            ("not a module", "kernel/a.xz", None),
        ];
        for (label, path, want) in cases {
            assert_eq!(
                Compression::from_path(path),
                *want,
                "failed testcase: {label}"
            );
        }
    }

    #[test]
    fn decompress_table() {
        // Big enough to span several deflate/lzma blocks.
        let big: Vec<u8> = (0..300_000u32)
            .flat_map(|i| (i % 251).to_le_bytes())
            .collect();
        let cases: Vec<(&str, Compression, Vec<u8>, Vec<u8>)> = vec![
            (
                "gzip",
                Compression::Gzip,
                gzip(b"module\0image"),
                b"module\0image".to_vec(),
            ),
            ("gzip big", Compression::Gzip, gzip(&big), big.clone()),
            (
                "gzip members concatenated",
                Compression::Gzip,
                [gzip(b"ab"), gzip(b"cd")].concat(),
                b"abcd".to_vec(),
            ),
            (
                "xz from the xz CLI, kernel flags",
                Compression::Xz,
                XZ.to_vec(),
                b"fake module image: xz\n".to_vec(),
            ),
            ("xz big", Compression::Xz, xz(&big), big.clone()),
            (
                "zstd from the zstd CLI",
                Compression::Zstd,
                ZST.to_vec(),
                b"fake module image: zstd\n".to_vec(),
            ),
            (
                "zstd two frames",
                Compression::Zstd,
                ZST_TWO_FRAMES.to_vec(),
                b"fake module image: zstd\nsecond frame\n".to_vec(),
            ),
        ];
        for (label, format, input, want) in cases {
            assert_eq!(
                decompress(format, &input).unwrap(),
                want,
                "failed testcase: {label}"
            );
        }
    }

    #[test]
    fn corrupt_input_is_an_error() {
        let mut bad_zstd = ZST.to_vec();
        if let Some(byte) = bad_zstd.get_mut(20) {
            *byte ^= 0xff;
        }
        let cases: Vec<(&str, Compression, Vec<u8>)> = vec![
            (
                "gzip garbage",
                Compression::Gzip,
                b"not gzip at all".to_vec(),
            ),
            ("xz garbage", Compression::Xz, b"not xz at all".to_vec()),
            ("xz truncated", Compression::Xz, XZ[..XZ.len() - 8].to_vec()),
            (
                "zstd garbage",
                Compression::Zstd,
                b"not zstd at all".to_vec(),
            ),
            ("zstd corrupted", Compression::Zstd, bad_zstd),
        ];
        for (label, format, input) in cases {
            assert!(
                decompress(format, &input).is_err(),
                "failed testcase: {label}"
            );
        }
    }
}
