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
    v1_inventory_at(root, V1_INV)
}

/// The v1 inventory at `rel`, its text and its content without the timestamps
/// (each checked present).
fn v1_inventory_at(root: &Path, rel: &str) -> (String, Inventory) {
    let text = fs::read_to_string(root.join(rel)).unwrap();
    let mut inv = parse_inventory(&text).unwrap();
    assert_eq!(inv.version, InventoryVersion::V1);
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
    assert_eq!(
        problems(root),
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
    // The inventory itself cannot become a CDSL (the directories holding it can).
    refused(
        root,
        &["hostdependent", "/var/lib/cdsl/cdsl_inventory.xml"],
        "var/lib/cdsl/cdsl_inventory.xml: the inventory itself",
    );
}

fn read(root: &Path, rel: &str) -> String {
    fs::read_to_string(root.join(rel)).unwrap()
}

const SHARED_INV: &str = "cluster/shared/var/lib/cdsl/cdsl_inventory.xml";

/// The install recipe of the Fedora 11/12 pages (§4) as it was typed, in a chroot
/// of the new root with node 1 bound on cdsl.local; here on the server, nothing
/// bound: `com-mkcdsl -a /var; com-mkcdsl -s /var/lib; com-mkcdsl -a
/// /etc/sysconfig/network`.
#[test]
fn the_legacy_recipe_runs_verbatim_on_a_v1_tree() {
    let d = v1_tree();
    let root = d.path();
    write(root, "etc/sysconfig/network", "NETWORKING=yes\n");
    ok(root, &["hostdependent", "/var"]);
    assert_eq!(link(root, "var"), "cdsl.local/var");
    // v1 kept what a CDSL replaces unless given -f.
    assert_eq!(read(root, "var.orig/lib/rpm/Packages"), "rpmdb");
    // The inventory went with var into every node copy, each written.
    let hd = |src, nodes: &[&str]| cdsl(src, CdslType::HostDependent, nodes);
    let (text, inv) = v1_inventory_at(root, &format!("cluster/cdsl/1/{V1_INV}"));
    assert_eq!(inv.cdsls, [hd("var", &["1", "2"])]);
    for n in ["2", "default"] {
        assert_eq!(
            read(root, &format!("cluster/cdsl/{n}/{V1_INV}")),
            text,
            "{n}"
        );
    }
    assert_eq!(ok(root, &["check"]), "");
    // v1 shares the first node's copy.
    write(root, "cluster/cdsl/1/var/lib/rpm/Packages", "node 1's");
    let plan = ok(root, &["--dry-run", "shared", "/var/lib"]);
    let r = root.display();
    assert!(
        plan.ends_with(&format!("write {r}/{SHARED_INV}\n")),
        "{plan}"
    );
    ok(root, &["shared", "/var/lib"]);
    assert_eq!(
        read(root, "cluster/shared/var/lib/rpm/Packages"),
        "node 1's"
    );
    for n in ["1", "2", "default"] {
        let at = format!("cluster/cdsl/{n}/var/lib");
        assert_eq!(link(root, &at), "../../cluster/shared/var/lib", "{n}");
        assert!(
            root.join(format!("{at}.orig/rpm/Packages")).is_file(),
            "{n}"
        );
    }
    ok(root, &["hostdependent", "/etc/sysconfig/network"]);
    assert_eq!(
        link(root, "etc/sysconfig/network"),
        "../../cdsl.local/etc/sysconfig/network"
    );
    assert_eq!(read(root, "etc/sysconfig/network.orig"), "NETWORKING=yes\n");
    for n in ["1", "2", "default"] {
        let copy = format!("cluster/cdsl/{n}/etc/sysconfig/network");
        assert_eq!(read(root, &copy), "NETWORKING=yes\n", "{n}");
    }
    // The inventory, once, in the shared tree, in the v1 format.
    let (text, inv) = v1_inventory_at(root, SHARED_INV);
    assert_eq!(
        inv.cdsls,
        [
            hd("var", &["1", "2"]),
            cdsl("var/lib", CdslType::Shared, &["1", "2"]),
            hd("etc/sysconfig/network", &["1", "2"]),
        ]
    );
    assert!(
        text.contains("<cdsl src=\"/var/lib\" type=\"shared\""),
        "{text}"
    );
    assert!(!root.join(".cdsl_inventory.xml").exists());
    assert_eq!(
        ok(root, &["list"]),
        "hostdependent\tvar\t1,2\nshared\tvar/lib\t1,2\nhostdependent\tetc/sysconfig/network\t1,2\n"
    );
    assert_eq!(ok(root, &["check"]), "");
    // A node added later gets the links; the one inventory lists it.
    ok(root, &["addnode", "3"]);
    assert_eq!(
        link(root, "cluster/cdsl/3/var/lib"),
        "../../cluster/shared/var/lib"
    );
    assert_eq!(
        v1_inventory_at(root, SHARED_INV).1.cdsls[2].nodes,
        ["1", "2", "3"]
    );
    assert_eq!(ok(root, &["check"]), "");
}

#[test]
fn copies_of_a_hostdependent_inventory_are_written_alike_and_checked() {
    let d = v1_tree();
    let root = d.path();
    ok(root, &["hostdependent", "-f", "/var"]);
    assert!(!root.join("var.orig").exists());
    ok(root, &["hostdependent", "/etc/hostname"]);
    let copy = |n: &str| format!("cluster/cdsl/{n}/{V1_INV}");
    let text = read(root, &copy("1"));
    assert_eq!(v1_inventory_at(root, &copy("1")).1.cdsls.len(), 2);
    for n in ["2", "default"] {
        assert_eq!(read(root, &copy(n)), text, "{n}");
    }
    // As comoonics left them (only the bound node's written), or edited by hand.
    write(root, &copy("2"), V1_EMPTY);
    fs::remove_file(root.join(copy("default"))).unwrap();
    let r = root.display();
    assert_eq!(
        problems(root),
        format!(
            "{r}/{}: a copy of the inventory that differs from {r}/{} (read)\n\
             {r}/{}: missing copy of the inventory {r}/{}\n",
            copy("2"),
            copy("1"),
            copy("default"),
            copy("1")
        )
    );
    // The next edit writes them all again, from node 1's.
    ok(root, &["addnode", "3"]);
    let (text, inv) = v1_inventory_at(root, &copy("default"));
    assert_eq!(inv.cdsls[1].nodes, ["1", "2", "3"]);
    for n in ["1", "2", "3"] {
        assert_eq!(read(root, &copy(n)), text, "{n}");
    }
    assert_eq!(ok(root, &["check"]), "");
    // An inventory that does not list the CDSL it was found through is refused:
    // edited, it would be written elsewhere.
    write(root, &copy("1"), V1_EMPTY);
    refused(
        root,
        &["list"],
        &format!(
            "found at {}, but its CDSLs put {V1_INV} at {V1_INV}",
            copy("1")
        ),
    );
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

/// A symlink on the way to a v1 inventory that is not the exact CDSL link
/// osr-cdsl writes there is refused, named with its target: never followed, the
/// victim (holding an inventory of its own) neither read nor written.
#[test]
fn links_to_a_v1_inventory_other_than_the_cdsl_links_are_not_followed() {
    let v = victim();
    write(v.path(), V1_INV, &V1_EMPTY.replace("default", "victim"));
    let before = listing(v.path());
    let vp = v.path().display().to_string();
    let climb = format!("../{}/var", v.path().file_name().unwrap().to_str().unwrap());
    let hd: &[&[&str]] = &[&["hostdependent", "/var"]];
    let both: &[&[&str]] = &[&["hostdependent", "/var"], &["shared", "/var/lib"]];
    let var_link = "the CDSL link cdsl.local/var (not followed)";
    let cases: [(&[&[&str]], &str, String, &str); 8] = [
        (&[], "var", "/etc".into(), var_link),
        (&[], "var", climb, var_link),
        (hd, "var", format!("{vp}/var"), var_link),
        (
            hd,
            "var",
            "cdsl.local/../cluster/cdsl/2/var".into(),
            var_link,
        ),
        (
            hd,
            "cluster/cdsl/1/var/lib",
            format!("{vp}/var/lib"),
            "the CDSL link ../../cluster/shared/var/lib (not followed)",
        ),
        (
            both,
            "cluster/shared/var/lib/cdsl",
            format!("{vp}/var/lib/cdsl"),
            "no symlink in the shared tree (not followed)",
        ),
        (
            both,
            "cluster/shared/var/lib",
            format!("{vp}/var/lib"),
            "cluster/shared/var/lib: expected a directory, found a symlink (not followed)",
        ),
        (
            hd,
            "cluster/cdsl/1",
            vp.clone(),
            "cluster/cdsl/1: expected the first node directory, found a symlink (not followed)",
        ),
    ];
    for (steps, at, target, want) in cases {
        let d = v1_tree();
        let root = d.path();
        for s in steps {
            ok(root, s);
        }
        replace_with_symlink(root, at, Path::new(&target));
        let tree = listing(root);
        let want = match want.starts_with("cluster/") {
            true => want.to_string(),
            false => format!(
                "{at}: a symlink to {target}, on the way to {V1_INV}: expected a directory or {want}"
            ),
        };
        for args in [
            &["list"][..],
            &["check"],
            &["addnode", "3"],
            &["hostdependent", "-b", "/etc/hostname"],
        ] {
            refused(root, args, &want);
            assert_eq!(listing(root), tree, "{at} -> {target}: {args:?}");
        }
        assert_eq!(listing(v.path()), before, "{at} -> {target}");
    }
}
