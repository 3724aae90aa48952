//! Helpers shared by the osr-cdsl integration tests: temporary roots, running
//! the binary, listings to compare, and the victim directory of the hostile-tree
//! tests.

// Each test crate uses a part of these.
#![allow(dead_code, clippy::unwrap_used)]

use std::fs;
use std::os::unix::fs::{symlink, MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::{Command, Output};

use osr_core::cdsl::{parse_inventory, Cdsl, CdslType, Inventory};
use tempfile::TempDir;

pub const CLUSTER_CONF: &str = r#"<?xml version="1.0"?>
<cluster name="lab" config_version="1">
  <clusternodes>
    <clusternode name="node1" nodeid="1"/>
    <clusternode name="node2" nodeid="2"/>
  </clusternodes>
</cluster>
"#;

pub fn osr_cdsl(root: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_osr-cdsl"))
        .arg("--root")
        .arg(root)
        .args(args)
        .output()
        .unwrap()
}

pub fn ok(root: &Path, args: &[&str]) -> String {
    let out = osr_cdsl(root, args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// What `check` prints, which must exit with status 1 (problems found).
pub fn problems(root: &Path) -> String {
    let out = osr_cdsl(root, &["check"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Refused with exit status 2 and an error containing `want`.
pub fn refused(root: &Path, args: &[&str], want: &str) {
    let out = osr_cdsl(root, args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert!(err.contains(want), "{args:?}: {err}");
}

pub fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, text).unwrap();
}

/// A small root: cluster.conf, etc/hostname, var/lib/rpm/Packages.
pub fn base() -> TempDir {
    let d = TempDir::new().unwrap();
    write(d.path(), "etc/cluster/cluster.conf", CLUSTER_CONF);
    write(d.path(), "etc/hostname", "server\n");
    write(d.path(), "var/lib/rpm/Packages", "rpmdb");
    d
}

pub fn initialised() -> TempDir {
    let d = base();
    ok(d.path(), &["init"]);
    d
}

/// Every path under `root` with its type, mode and content or link target.
pub fn listing(root: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        let mut entries: Vec<_> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for p in entries {
            let md = fs::symlink_metadata(&p).unwrap();
            let rel = p.strip_prefix(root).unwrap().display().to_string();
            if md.file_type().is_symlink() {
                out.push(format!("{rel} -> {}", fs::read_link(&p).unwrap().display()));
            } else if md.is_dir() {
                out.push(format!("{rel}/ {:o}", md.mode() & 0o7777));
                walk(root, &p, out);
            } else {
                let text = fs::read_to_string(&p).unwrap();
                out.push(format!("{rel} {:o} {text:?}", md.mode() & 0o7777));
            }
        }
    }
    let mut out = Vec::new();
    walk(root, root, &mut out);
    out
}

pub fn paths(root: &Path) -> Vec<String> {
    listing(root)
        .iter()
        .map(|l| {
            l.split([' '])
                .next()
                .unwrap()
                .trim_end_matches('/')
                .to_string()
        })
        .collect()
}

pub fn inventory(root: &Path) -> Inventory {
    let mut inv =
        parse_inventory(&fs::read_to_string(root.join(".cdsl_inventory.xml")).unwrap()).unwrap();
    for c in &mut inv.cdsls {
        assert!(c.timestamp.take().is_some(), "{} has no timestamp", c.src);
    }
    inv
}

pub fn cdsl(src: &str, kind: CdslType, nodes: &[&str]) -> Cdsl {
    Cdsl {
        src: src.into(),
        kind,
        timestamp: None,
        nodes: nodes.iter().map(|n| n.to_string()).collect(),
    }
}

pub fn link(root: &Path, rel: &str) -> String {
    fs::read_link(root.join(rel))
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

/// A directory outside the root: a secret file (mode 600) and a tree to delete.
pub fn victim() -> TempDir {
    let v = TempDir::new().unwrap();
    write(v.path(), "secret", "secret\n");
    fs::set_permissions(v.path().join("secret"), fs::Permissions::from_mode(0o600)).unwrap();
    write(v.path(), "var/lib/rpm/Packages", "victim rpmdb");
    fs::create_dir_all(v.path().join("etc")).unwrap();
    for n in ["1", "2", "default"] {
        fs::create_dir_all(v.path().join(n)).unwrap();
    }
    v
}

/// `v`'s path as seen from `<root>/.cluster/cdsl/<node>`: it climbs out of the
/// root with `..` (both temp directories sit in the same parent).
pub fn climb(v: &TempDir) -> String {
    format!(
        "../../../{}",
        v.path().file_name().unwrap().to_str().unwrap()
    )
}

pub fn replace_with_symlink(root: &Path, rel: &str, to: &Path) {
    let p = root.join(rel);
    if fs::symlink_metadata(&p).is_ok_and(|m| m.is_dir()) {
        fs::remove_dir_all(&p).unwrap();
    } else if fs::symlink_metadata(&p).is_ok() {
        fs::remove_file(&p).unwrap();
    }
    symlink(to, p).unwrap();
}

pub fn edit_inventory(root: &Path, from: &str, to: &str) {
    let p = root.join(".cdsl_inventory.xml");
    let text = fs::read_to_string(&p).unwrap();
    assert!(text.contains(from), "{from:?} not in {text}");
    fs::write(p, text.replacen(from, to, 1)).unwrap();
}

/// An initialised root with `var` hostdependent, a victim, and the victim's
/// listing to compare with at the end.
pub fn var_and_victim() -> (TempDir, TempDir, Vec<String>) {
    let d = initialised();
    ok(d.path(), &["hostdependent", "var"]);
    let v = victim();
    let before = listing(v.path());
    (d, v, before)
}
