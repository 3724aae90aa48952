//! The OCFS2 walk (heartbeat region, system-directory lookup) over a device described
//! sparsely, as the tests' `.sparse` fixtures are: records `b'D' offset:u64 len:u32
//! bytes` (little-endian) put bytes on a 1 GiB device that reads as zeros elsewhere;
//! `b'R' offset:u64 len:u64` records (the fixtures' read ranges) are skipped.
#![no_main]

use libfuzzer_sys::fuzz_target;
use osr_core::ocfs2::{self, ReadAt};

const SIZE: u64 = 1 << 30;

struct Sparse<'a> {
    runs: Vec<(u64, &'a [u8])>,
}

impl ReadAt for Sparse<'_> {
    fn read_at(&mut self, offset: u64, len: usize) -> std::io::Result<Vec<u8>> {
        let end = offset.saturating_add(len as u64);
        if end > SIZE {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        let mut buf = vec![0u8; len];
        for (start, run) in &self.runs {
            let (lo, hi) = ((*start).max(offset), (start + run.len() as u64).min(end));
            if lo < hi {
                buf[(lo - offset) as usize..(hi - offset) as usize]
                    .copy_from_slice(&run[(lo - start) as usize..(hi - start) as usize]);
            }
        }
        Ok(buf)
    }
}

fn parse(mut data: &[u8]) -> Sparse<'_> {
    let mut runs = Vec::new();
    loop {
        match data {
            [b'R', rest @ ..] if rest.len() >= 16 => data = &rest[16..],
            [b'D', rest @ ..] if rest.len() >= 12 => {
                let offset = u64::from_le_bytes(rest[..8].try_into().unwrap()) % SIZE;
                let len = u32::from_le_bytes(rest[8..12].try_into().unwrap()) as usize;
                let bytes = &rest[12..];
                let len = len.min(bytes.len());
                runs.push((offset, &bytes[..len]));
                data = &bytes[len..];
            }
            _ => return Sparse { runs },
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let mut dev = parse(data);
    for sector in [512, 4096] {
        match ocfs2::heartbeat_region(&mut dev, sector) {
            Ok(_) => {}
            Err(e) => drop(e.to_string()),
        }
    }
    let _ = ocfs2::system_file(&mut dev, "slot_map");
});
