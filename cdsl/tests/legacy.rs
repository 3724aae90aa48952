//! osr-cdsl as the legacy admin used com-mkcdsl (issue 14, point 6): paths as
//! the Fedora 11/12 recipe wrote them in a chroot, `-b` (keep `<path>.orig`),
//! and v1 trees (`cluster/cdsl`, `cdsl.local`, `var/lib/cdsl/cdsl_inventory.xml`)
//! edited in their own layout (legacy-sharedroot.md §1a, §1b, §4).

#![allow(clippy::unwrap_used)]

mod common;

use std::fs;
use std::os::unix::fs::symlink;
use std::path::Path;

use common::*;
use osr_core::cdsl::{parse_inventory, CdslType, Inventory, InventoryVersion};
use tempfile::TempDir;

#[test]
fn absolute_paths_are_inside_the_root_as_in_a_chroot() {
    let d = initialised();
    let root = d.path();
    // Today's complaint: `--root R hostdependent /etc/hostname` was "outside the root".
    ok(root, &["hostdependent", "/etc/hostname"]);
    assert_eq!(link(root, "etc/hostname"), "../.cdsl.local/etc/hostname");
    // A path that starts with the root itself is taken as including it, as
    // `com-mkcdsl -r ROOT` took it.
    write(root, "etc/sysconfig/network", "NETWORKING=yes\n");
    let abs = root.join("etc/sysconfig/network");
    ok(root, &["hostdependent", abs.to_str().unwrap()]);
    assert_eq!(
        link(root, "etc/sysconfig/network"),
        "../../.cdsl.local/etc/sysconfig/network"
    );
    // Through the link directory or a node directory, as on a booted node.
    ok(root, &["hostdependent", "/var"]);
    ok(root, &["shared", "/.cdsl.local/var/lib/rpm"]);
    let mut want = Inventory::new_v2();
    want.cdsls = vec![
        cdsl("etc/hostname", CdslType::HostDependent, &["1", "2"]),
        cdsl(
            "etc/sysconfig/network",
            CdslType::HostDependent,
            &["1", "2"],
        ),
        cdsl("var", CdslType::HostDependent, &["1", "2"]),
        cdsl("var/lib/rpm", CdslType::Shared, &["1", "2"]),
    ];
    assert_eq!(inventory(root), want);
    assert_eq!(ok(root, &["check"]), "");
    // What still leaves the root, or is the infrastructure, is refused.
    let before = listing(root);
    for (arg, want) in [
        ("/../etc/motd", "/../etc/motd: expected a path without '..'"),
        ("/etc/../../x", "expected a path without '..'"),
        ("/.cluster/cdsl/1", "part of the CDSL infrastructure"),
        ("/.cdsl.local", "part of the CDSL infrastructure"),
        ("/", "expected a path below the root"),
    ] {
        refused(root, &["hostdependent", arg], want);
        assert_eq!(listing(root), before, "{arg}");
    }
}

#[test]
fn backup_keeps_what_a_cdsl_replaces_as_orig() {
    let d = initialised();
    let root = d.path();
    let plan = ok(root, &["--dry-run", "hostdependent", "-b", "/etc/hostname"]);
    let r = root.display();
    assert!(
        plan.contains(&format!("mv {r}/etc/hostname {r}/etc/hostname.orig\n")),
        "{plan}"
    );
    assert!(!plan.contains("rm -rf"), "{plan}");
    ok(root, &["hostdependent", "-b", "/etc/hostname"]);
    assert_eq!(
        fs::read_to_string(root.join("etc/hostname.orig")).unwrap(),
        "server\n"
    );
    assert_eq!(link(root, "etc/hostname"), "../.cdsl.local/etc/hostname");
    ok(root, &["hostdependent", "--backup", "var"]);
    assert_eq!(
        fs::read_to_string(root.join("var.orig/lib/rpm/Packages")).unwrap(),
        "rpmdb"
    );
    write(root, ".cluster/cdsl/1/var/lib/rpm/Packages", "node 1's");
    ok(root, &["shared", "-b", "var/lib/rpm"]);
    for (n, was) in [("1", "node 1's"), ("2", "rpmdb"), ("default", "rpmdb")] {
        let orig = root.join(format!(".cluster/cdsl/{n}/var/lib/rpm.orig/Packages"));
        assert_eq!(fs::read_to_string(orig).unwrap(), was, "{n}");
        assert_eq!(
            link(root, &format!(".cluster/cdsl/{n}/var/lib/rpm")),
            "../../../../../.cluster/shared/var/lib/rpm"
        );
    }
    assert_eq!(ok(root, &["check"]), "");
    // -f, v1's "no backup", is the default and is accepted.
    write(root, "etc/motd", "hi");
    ok(root, &["hostdependent", "-f", "etc/motd"]);
    assert!(!root.join("etc/motd.orig").exists());
    // A backup name already taken is refused before anything is done.
    write(root, "etc/issue", "x");
    write(root, "etc/issue.orig", "older");
    let before = listing(root);
    refused(
        root,
        &["hostdependent", "-b", "etc/issue"],
        "etc/issue.orig: already exists (a file): expected no backup of",
    );
    refused(
        root,
        &["hostdependent", "-x", "etc/issue"],
        "-x: unknown option",
    );
    refused(root, &["shared", "-b"], "expected `shared [-b] PATH`");
    assert_eq!(listing(root), before);
}

// v1: the tree the Fedora 11 recipe made with `com-mkcdslinfrastructure -r
// /mnt/newroot` (§4), before any com-mkcdsl.

const V1_EMPTY: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<cdsls config_version="1">
  <defaults cdsltree="/cluster/cdsl" cdsltree_shared="/cluster/shared" cdsl_link="/cdsl.local"
            maxnodeidnum="0" use_nodeids="True" default_dir="default"/>
</cdsls>
"#;

const V1_INV: &str = "var/lib/cdsl/cdsl_inventory.xml";

fn v1_tree() -> TempDir {
    let d = base();
    let root = d.path();
    write(root, V1_INV, V1_EMPTY);
    for dir in [
        "cluster/cdsl/1",
        "cluster/cdsl/2",
        "cluster/cdsl/default",
        "cluster/shared",
        "cdsl.local",
    ] {
        fs::create_dir_all(root.join(dir)).unwrap();
    }
    write(root, "srv/data/index", "served");
    d
}

fn v1_inventory(root: &Path) -> (String, Inventory) {
    let text = fs::read_to_string(root.join(V1_INV)).unwrap();
    let mut inv = parse_inventory(&text).unwrap();
    for c in &mut inv.cdsls {
        assert!(c.timestamp.take().is_some(), "{} has no timestamp", c.src);
    }
    (text, inv)
}

#[test]
fn a_v1_tree_is_edited_in_the_v1_layout() {
    let d = v1_tree();
    let root = d.path();
    ok(root, &["hostdependent", "/etc/hostname"]);
    assert!(!root.join(".cluster").exists());
    assert_eq!(link(root, "etc/hostname"), "../cdsl.local/etc/hostname");
    ok(root, &["hostdependent", "/srv"]);
    assert_eq!(link(root, "srv"), "cdsl.local/srv");
    for n in ["1", "2", "default"] {
        assert_eq!(
            fs::read_to_string(root.join(format!("cluster/cdsl/{n}/srv/data/index"))).unwrap(),
            "served"
        );
    }
    // v1 shared the first node's copy, and its link climbs only the path: it
    // resolves through cdsl.local on a booted node.
    write(root, "cluster/cdsl/1/srv/data/index", "node 1's");
    ok(root, &["shared", "/srv/data"]);
    assert_eq!(
        fs::read_to_string(root.join("cluster/shared/srv/data/index")).unwrap(),
        "node 1's"
    );
    for n in ["1", "2", "default"] {
        assert_eq!(
            link(root, &format!("cluster/cdsl/{n}/srv/data")),
            "../../cluster/shared/srv/data"
        );
    }
    ok(root, &["addnode", "3"]);
    assert_eq!(
        link(root, "cluster/cdsl/3/srv/data"),
        "../../cluster/shared/srv/data"
    );
    let (text, inv) = v1_inventory(root);
    assert_eq!(inv.version, InventoryVersion::V1);
    assert_eq!(
        inv.cdsls,
        vec![
            cdsl("etc/hostname", CdslType::HostDependent, &["1", "2", "3"]),
            cdsl("srv", CdslType::HostDependent, &["1", "2", "3"]),
            cdsl("srv/data", CdslType::Shared, &["1", "2", "3"]),
        ]
    );
    assert!(text.contains("<cdsls config_version=\"1\">"), "{text}");
    assert!(
        text.contains("<cdsl src=\"/srv/data\" type=\"shared\""),
        "{text}"
    );
    assert!(text.contains("<noderef ref=\"id_3\"/>"), "{text}");
    assert!(
        text.contains("<defaults cdsltree=\"cluster/cdsl\" cdsltree_shared=\"cluster/shared\" cdsl_link=\"cdsl.local\""),
        "{text}"
    );
    assert!(!root.join(".cdsl_inventory.xml").exists());
    assert_eq!(
        ok(root, &["list"]),
        "hostdependent\tetc/hostname\t1,2,3\nhostdependent\tsrv\t1,2,3\nshared\tsrv/data\t1,2,3\n"
    );
    assert_eq!(ok(root, &["check"]), "");
    // A v2-style shared link in a v1 tree is reported.
    fs::remove_file(root.join("cluster/cdsl/2/srv/data")).unwrap();
    symlink(
        "../../../../cluster/shared/srv/data",
        root.join("cluster/cdsl/2/srv/data"),
    )
    .unwrap();
    let out = osr_cdsl(root, &["check"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        format!(
            "{}/cluster/cdsl/2/srv/data: points to ../../../../cluster/shared/srv/data, \
             expected ../../cluster/shared/srv/data\n",
            root.display()
        )
    );
}

#[test]
fn a_v1_tree_takes_backups_and_paths_through_its_link_directory() {
    let d = v1_tree();
    let root = d.path();
    ok(root, &["hostdependent", "-b", "/srv"]);
    assert_eq!(
        fs::read_to_string(root.join("srv.orig/data/index")).unwrap(),
        "served"
    );
    ok(root, &["shared", "-b", "/cdsl.local/srv/data"]);
    for n in ["1", "2", "default"] {
        let orig = root.join(format!("cluster/cdsl/{n}/srv/data.orig/index"));
        assert_eq!(fs::read_to_string(orig).unwrap(), "served", "{n}");
    }
    assert_eq!(ok(root, &["check"]), "");
    // The v1 inventory lives below var: var, var/lib and var/lib/cdsl cannot
    // become CDSLs (comoonics v1 moved the inventory into each node's copy).
    for arg in ["/var", "var/lib", "/var/lib/cdsl"] {
        refused(
            root,
            &["hostdependent", arg],
            "holds the inventory var/lib/cdsl/cdsl_inventory.xml",
        );
    }
}

// Hostile trees: a node plants symlinks where the new code writes (a backup
// name, the v1 trees, the copy v1 shares). The victim outside the root must
// come through unchanged.

#[test]
fn a_symlink_planted_at_a_backup_name_is_not_followed_nor_replaced() {
    let (d, v, before) = var_and_victim();
    let root = d.path();
    symlink(
        v.path().join("var/lib/rpm"),
        root.join(".cluster/cdsl/2/var/lib/rpm.orig"),
    )
    .unwrap();
    symlink(v.path().join("secret"), root.join("etc/hostname.orig")).unwrap();
    let tree = listing(root);
    refused(
        root,
        &["shared", "-b", "var/lib/rpm"],
        ".cluster/cdsl/2/var/lib/rpm.orig: already exists (a symlink)",
    );
    refused(
        root,
        &["hostdependent", "-b", "etc/hostname"],
        "etc/hostname.orig: already exists (a symlink)",
    );
    assert_eq!(listing(root), tree);
    assert_eq!(listing(v.path()), before);
    // Its parent planted as a symlink: refused on the way, not followed.
    replace_with_symlink(root, ".cluster/cdsl/1/var/lib", &v.path().join("var/lib"));
    refused(
        root,
        &["shared", "-b", "var/lib/rpm"],
        ".cluster/cdsl/1/var/lib: expected a directory, found a symlink",
    );
    assert_eq!(listing(v.path()), before);
}

#[test]
fn symlinks_planted_in_a_v1_tree_are_not_followed() {
    let v = victim();
    let before = listing(v.path());
    // A node directory, the tree and the shared tree as links out of the root.
    for (rel, to, args, want) in [
        (
            "cluster/cdsl/2",
            v.path().to_path_buf(),
            &["hostdependent", "/etc/hostname"][..],
            "cluster/cdsl/2: expected a directory, found a symlink",
        ),
        (
            "cluster/cdsl",
            v.path().to_path_buf(),
            &["addnode", "3"],
            "cluster/cdsl: expected a directory, found a symlink",
        ),
        (
            "cluster/shared",
            v.path().join("etc"),
            &["shared", "srv/data"],
            "cluster/shared: expected a directory, found a symlink",
        ),
        (
            V1_INV,
            v.path().join("secret"),
            &["list"],
            "cdsl_inventory.xml: expected a file, found a symlink",
        ),
    ] {
        let d = v1_tree();
        let root = d.path();
        ok(root, &["hostdependent", "srv"]);
        replace_with_symlink(root, rel, &to);
        let tree = listing(root);
        refused(root, args, want);
        assert_eq!(listing(root), tree, "{rel}");
        assert_eq!(listing(v.path()), before, "{rel}");
    }
    // The first node's copy, which v1 shares, planted as a link to the victim:
    // it is shared as a link, the victim neither read nor written.
    let d = v1_tree();
    let root = d.path();
    ok(root, &["hostdependent", "srv"]);
    replace_with_symlink(root, "cluster/cdsl/1/srv/data", &v.path().join("var"));
    ok(root, &["shared", "srv/data"]);
    assert_eq!(
        fs::read_link(root.join("cluster/shared/srv/data")).unwrap(),
        v.path().join("var")
    );
    assert_eq!(listing(v.path()), before);
}
