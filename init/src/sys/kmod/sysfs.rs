//! Finding the modaliases of the devices present, the way udev's coldplug would.
//!
//! Every device directory under `<sysfs>/devices` whose bus knows how to describe
//! it has a `modalias` file; its content is what `modules.alias` patterns match.
//! We walk the tree ourselves instead of triggering uevents: no udev runs here.
//!
//! The walk never follows symlinks (`subsystem`, `driver`, `device` point back
//! into the tree and would loop) and does not descend into `net/` or `power/`
//! attribute directories, which never contain devices with a modalias.
//!
//! Not supported: devices that appear later without a module load of ours (USB
//! hubs enumerating asynchronously, hotplug); the caller re-scans after each round
//! of loading instead of listening for uevents.

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};

use log::debug;
use osr_core::kmod::is_network_modalias;

/// One device's modalias.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Modalias {
    pub alias: String,
    /// The device directory, e.g. `/sys/devices/pci0000:00/0000:00:03.0`.
    pub device: PathBuf,
    /// A network device: it has a `net/` directory (a driver made an interface)
    /// or its modalias says so (PCI class 02, virtio-net).
    pub network: bool,
    /// A driver is already bound (`driver` symlink): built in or loaded earlier.
    pub bound: bool,
}

/// What one directory listing told us about a device directory.
#[derive(Default)]
struct DirFacts {
    modalias: bool,
    net: bool,
    driver: bool,
}

/// Walks `<sysfs>/devices` and returns every readable, non-empty modalias, sorted
/// by device path. Unreadable directories and files are logged at debug level and
/// skipped: sysfs has attributes that fail to read by design.
pub fn device_modaliases(sysfs: &Path) -> Vec<Modalias> {
    let mut found = Vec::new();
    // An explicit stack, not recursion: sysfs can nest a few dozen levels deep.
    let mut pending = vec![sysfs.join("devices")];
    while let Some(dir) = pending.pop() {
        let facts = list_device_dir(&dir, &mut pending);
        if facts.modalias {
            if let Some(alias) = read_modalias(&dir) {
                found.push(Modalias {
                    network: facts.net || is_network_modalias(&alias),
                    bound: facts.driver,
                    alias,
                    device: dir,
                });
            }
        }
    }
    found.sort_by(|a, b| a.device.cmp(&b.device));
    found
}

/// Lists `dir` once, pushing the subdirectories worth visiting onto `pending`.
/// `DirEntry::file_type` comes from `getdents64`'s `d_type`, so no `stat` per entry.
fn list_device_dir(dir: &Path, pending: &mut Vec<PathBuf>) -> DirFacts {
    let mut facts = DirFacts::default();
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) => {
            debug!("kmod: cannot list {}: {err}", dir.display());
            return facts;
        }
    };
    for entry in entries {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                debug!("kmod: cannot read an entry of {}: {err}", dir.display());
                continue;
            }
        };
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let name = entry.file_name();
        match (name.as_os_str(), kind.is_dir()) {
            (n, false) if n == OsStr::new("modalias") && kind.is_file() => facts.modalias = true,
            (n, false) if n == OsStr::new("driver") && kind.is_symlink() => facts.driver = true,
            (n, true) if n == OsStr::new("net") => facts.net = true,
            (n, true) if n == OsStr::new("power") => {}
            (_, true) => pending.push(entry.path()),
            _ => {}
        }
    }
    facts
}

fn read_modalias(dir: &Path) -> Option<String> {
    let path = dir.join("modalias");
    match fs::read(&path) {
        Ok(bytes) => {
            let alias = String::from_utf8_lossy(&bytes).trim().to_owned();
            (!alias.is_empty()).then_some(alias)
        }
        Err(err) => {
            debug!("kmod: cannot read {}: {err}", path.display());
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::symlink;

    use super::*;

    const VIRTIO_PCI_NIC: &str = "pci:v00001AF4d00001000sv00001AF4sd00000001bc02sc00i00";

    /// Creates `<root>/<rel>/modalias` containing `alias` and a newline.
    fn device(root: &Path, rel: &str, alias: &str) -> PathBuf {
        let dir = root.join(rel);
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("modalias"), format!("{alias}\n")).unwrap();
        dir
    }

    #[test]
    fn finds_devices_and_classifies_them() {
        let tmp = tempfile::tempdir().unwrap();
        let sysfs = tmp.path();
        let devices = sysfs.join("devices");
        let pci = device(&devices, "pci0000:00/0000:00:03.0", VIRTIO_PCI_NIC);
        let virtio = device(&pci, "virtio0", "virtio:d00000001v00001AF4");
        fs::create_dir_all(virtio.join("net/eth0")).unwrap();
        symlink(
            "../../../../bus/virtio/drivers/virtio_net",
            virtio.join("driver"),
        )
        .unwrap();
        // An e1000 bound to a built-in driver, known as network only by its net/ dir
        // (the modalias is deliberately not class 02).
        let e1000 = device(
            &devices,
            "pci0000:00/0000:00:04.0",
            "pci:v00008086d0000100Esv0sd0bc00sc00i00",
        );
        fs::create_dir_all(e1000.join("net/eth1")).unwrap();
        symlink("../../../bus/pci/drivers/e1000", e1000.join("driver")).unwrap();
        let blk = device(
            &devices,
            "pci0000:00/0000:00:05.0",
            "pci:v00001AF4d00001001sv00001AF4sd00000002bc01sc00i00",
        );
        // Not devices, or not ours to read: empty modalias, a modalias under power/,
        // a directory without modalias, and a symlink loop back to the root.
        device(&devices, "platform/empty", "");
        device(&blk, "power", "should:not:be:read");
        fs::create_dir_all(devices.join("virtual/misc/nothing")).unwrap();
        symlink(&devices, pci.join("subsystem")).unwrap();

        let got = device_modaliases(sysfs);
        let want = vec![
            Modalias {
                alias: VIRTIO_PCI_NIC.into(),
                device: pci.clone(),
                network: true,
                bound: false,
            },
            Modalias {
                alias: "virtio:d00000001v00001AF4".into(),
                device: virtio,
                network: true,
                bound: true,
            },
            Modalias {
                alias: "pci:v00008086d0000100Esv0sd0bc00sc00i00".into(),
                device: e1000,
                network: true,
                bound: true,
            },
            Modalias {
                alias: "pci:v00001AF4d00001001sv00001AF4sd00000002bc01sc00i00".into(),
                device: blk,
                network: false,
                bound: false,
            },
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn missing_sysfs_is_empty() {
        let tmp = tempfile::tempdir().unwrap();
        assert_eq!(device_modaliases(&tmp.path().join("nope")), vec![]);
    }
}
