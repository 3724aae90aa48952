//! osr-cdsl against temporary trees, compared with the legacy comoonics layout
//! (legacy-sharedroot.md §1a, §1b).

// Test helpers outside #[test] functions: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

mod common;

use std::fs;
use std::os::unix::fs::{symlink, MetadataExt, PermissionsExt};
use std::path::Path;

use common::*;
use osr_core::cdsl::{CdslType, Inventory};

#[test]
fn init_creates_the_v2_layout_and_inventory() {
    let d = base();
    let before = paths(d.path());
    ok(d.path(), &["init"]);
    let mut want = before;
    want.extend(
        [
            ".cdsl.local",
            ".cdsl_inventory.xml",
            ".cluster",
            ".cluster/cdsl",
            ".cluster/cdsl/1",
            ".cluster/cdsl/2",
            ".cluster/cdsl/default",
            ".cluster/shared",
        ]
        .map(String::from),
    );
    want.sort();
    assert_eq!(paths(d.path()), want);
    assert_eq!(inventory(d.path()), Inventory::new_v2());
    // Again: nothing to do, nothing changed.
    let after = listing(d.path());
    assert_eq!(ok(d.path(), &["--dry-run", "init"]), "");
    ok(d.path(), &["init"]);
    assert_eq!(listing(d.path()), after);
}

#[test]
fn hostdependent_copies_for_each_node_and_links_like_com_mkcdsl() {
    let d = initialised();
    let root = d.path();
    let host = root.join("etc/hostname");
    fs::set_permissions(&host, fs::Permissions::from_mode(0o640)).unwrap();
    let mtime = nix::sys::time::TimeSpec::new(1_265_884_765, 0);
    nix::sys::stat::utimensat(
        None,
        &host,
        &mtime,
        &mtime,
        nix::sys::stat::UtimensatFlags::NoFollowSymlink,
    )
    .unwrap();
    let xattr = set_user_xattr(&host);
    ok(root, &["hostdependent", "etc/hostname"]);
    assert_eq!(link(root, "etc/hostname"), "../.cdsl.local/etc/hostname");
    for n in ["1", "2", "default"] {
        let copy = root.join(format!(".cluster/cdsl/{n}/etc/hostname"));
        let md = fs::symlink_metadata(&copy).unwrap();
        assert_eq!(fs::read_to_string(&copy).unwrap(), "server\n", "{n}");
        assert_eq!(md.mode() & 0o7777, 0o640, "{n}");
        assert_eq!(md.mtime(), 1_265_884_765, "{n}");
        if xattr {
            assert_eq!(get_user_xattr(&copy), b"v", "{n}");
        }
    }
    let mut want = Inventory::new_v2();
    want.cdsls
        .push(cdsl("etc/hostname", CdslType::HostDependent, &["1", "2"]));
    assert_eq!(inventory(root), want);
    // A deeper path gets the legacy example's link, and an absolute path under
    // --root is accepted.
    write(root, "etc/sysconfig/network", "NETWORKING=yes\n");
    let abs = root.join("etc/sysconfig/network");
    ok(root, &["hostdependent", abs.to_str().unwrap()]);
    assert_eq!(
        link(root, "etc/sysconfig/network"),
        "../../.cdsl.local/etc/sysconfig/network"
    );
    assert_eq!(ok(root, &["check"]), "");
}

#[test]
fn shared_below_hostdependent_gives_the_legacy_link() {
    let d = initialised();
    let root = d.path();
    ok(root, &["hostdependent", "var"]);
    assert_eq!(link(root, "var"), ".cdsl.local/var");
    ok(root, &["shared", "var/lib/rpm"]);
    for n in ["1", "2", "default"] {
        assert_eq!(
            link(root, &format!(".cluster/cdsl/{n}/var/lib/rpm")),
            "../../../../../.cluster/shared/var/lib/rpm",
            "{n}"
        );
        // It resolves on the server too.
        let through = root.join(format!(".cluster/cdsl/{n}/var/lib/rpm/Packages"));
        assert_eq!(fs::read_to_string(through).unwrap(), "rpmdb");
    }
    assert_eq!(
        fs::read_to_string(root.join(".cluster/shared/var/lib/rpm/Packages")).unwrap(),
        "rpmdb"
    );
    let mut want = Inventory::new_v2();
    want.cdsls = vec![
        cdsl("var", CdslType::HostDependent, &["1", "2"]),
        cdsl("var/lib/rpm", CdslType::Shared, &["1", "2"]),
    ];
    assert_eq!(inventory(root), want);
    assert_eq!(
        ok(root, &["list"]),
        "hostdependent\tvar\t1,2\nshared\tvar/lib/rpm\t1,2\n"
    );
    assert_eq!(ok(root, &["check"]), "");
}

#[test]
fn addnode_copies_default_and_adds_noderefs() {
    let d = initialised();
    let root = d.path();
    ok(root, &["hostdependent", "var"]);
    ok(root, &["shared", "var/lib/rpm"]);
    ok(root, &["hostdependent", "etc/hostname"]);
    write(root, ".cluster/cdsl/default/etc/hostname", "template\n");
    ok(root, &["addnode", "3"]);
    let default: Vec<String> = listing(&root.join(".cluster/cdsl/default"));
    assert_eq!(listing(&root.join(".cluster/cdsl/3")), default);
    assert_eq!(
        link(root, ".cluster/cdsl/3/var/lib/rpm"),
        "../../../../../.cluster/shared/var/lib/rpm"
    );
    let inv = inventory(root);
    assert!(
        inv.cdsls.iter().all(|c| c.nodes == ["1", "2", "3"]),
        "{inv:?}"
    );
    assert_eq!(ok(root, &["check"]), "");
    refused(root, &["addnode", "3"], "already exists");
    // A node whose copy of var went missing still gets its shared link.
    fs::remove_dir_all(root.join(".cluster/cdsl/3/var")).unwrap();
    write(root, ".cluster/cdsl/default/var/cache/x", "cache");
    ok(root, &["shared", "var/cache"]);
    assert_eq!(
        link(root, ".cluster/cdsl/3/var/cache"),
        "../../../../.cluster/shared/var/cache"
    );
}

#[test]
fn check_finds_a_dangling_link_and_a_missing_node_copy() {
    let d = initialised();
    let root = d.path();
    ok(root, &["hostdependent", "var"]);
    ok(root, &["shared", "var/lib/rpm"]);
    ok(root, &["hostdependent", "etc/hostname"]);
    fs::remove_file(root.join(".cluster/cdsl/2/etc/hostname")).unwrap();
    fs::remove_dir_all(root.join(".cluster/shared/var/lib/rpm")).unwrap();
    fs::create_dir(root.join(".cluster/shared/var/lib/rpm")).unwrap();
    fs::remove_dir(root.join(".cluster/shared/var/lib/rpm")).unwrap();
    // A hostdependent made by hand, not in the inventory.
    write(root, ".cluster/cdsl/default/etc/motd", "hi");
    let text = problems(root);
    let r = root.display();
    let want = [
        format!("{r}/.cluster/cdsl/2/etc/hostname: missing node copy"),
        format!("{r}/.cluster/shared/var/lib/rpm: missing shared copy"),
        format!("{r}/.cluster/cdsl/1/var/lib/rpm: dangling link to ../../../../../.cluster/shared/var/lib/rpm"),
        format!("{r}/.cluster/cdsl/default/etc/motd: a node copy of etc/motd, which is not a CDSL in the inventory"),
    ];
    for w in &want {
        assert!(text.lines().any(|l| l == w), "missing {w:?} in:\n{text}");
    }
    assert_eq!(text.lines().count(), 6, "{text}"); // rpm dangles for 1, 2 and default
}

#[test]
fn check_finds_a_wrong_link_and_a_node_outside_the_inventory() {
    let d = initialised();
    let root = d.path();
    ok(root, &["hostdependent", "etc/hostname"]);
    fs::remove_file(root.join("etc/hostname")).unwrap();
    symlink(".cdsl.local/etc/hostname", root.join("etc/hostname")).unwrap();
    fs::create_dir(root.join(".cluster/cdsl/7")).unwrap();
    let r = root.display();
    assert_eq!(
        problems(root),
        format!(
            "{r}/etc/hostname: points to .cdsl.local/etc/hostname, expected ../.cdsl.local/etc/hostname\n\
             {r}/.cluster/cdsl/7: node directory not in the inventory's nodes of etc/hostname\n"
        )
    );
}

#[test]
fn dry_run_changes_nothing() {
    let d = base();
    let root = d.path();
    let before = listing(root);
    let plan = ok(root, &["--dry-run", "init"]);
    assert!(plan.contains("mkdir -p"), "{plan}");
    assert!(plan.ends_with(".cdsl_inventory.xml\n"), "{plan}");
    assert_eq!(listing(root), before);
    ok(root, &["init"]);
    let before = listing(root);
    for args in [
        &["--dry-run", "hostdependent", "etc/hostname"][..],
        &["--dry-run", "addnode", "5"],
    ] {
        assert!(ok(root, args).contains("cp -a"), "{args:?}");
        assert_eq!(listing(root), before, "{args:?}");
    }
    ok(root, &["hostdependent", "var"]);
    let before = listing(root);
    let plan = ok(root, &["--dry-run", "shared", "var/lib/rpm"]);
    assert!(
        plan.contains("ln -s ../../../../../.cluster/shared/var/lib/rpm"),
        "{plan}"
    );
    assert_eq!(listing(root), before);
}

#[test]
fn conflicts_are_refused_and_nothing_changes() {
    let d = initialised();
    let root = d.path();
    ok(root, &["hostdependent", "var"]);
    write(root, "etc/issue", "x");
    write(root, ".cluster/cdsl/2/etc/issue", "already there");
    write(root, "usr/bin/true", "");
    let before = listing(root);
    let outside = std::env::temp_dir().join("elsewhere");
    for (args, want) in [
        (
            &["hostdependent", "var"][..],
            "var: already a hostdependent CDSL",
        ),
        (
            &["hostdependent", "var/log"],
            "below the hostdependent CDSL var",
        ),
        (&["hostdependent", "."], "expected a path below the root"),
        (&["hostdependent", "etc/../var"], "'..'"),
        // An absolute path is inside the root, as in a chroot of it.
        (
            &["hostdependent", outside.to_str().unwrap()],
            "elsewhere: missing",
        ),
        (&["hostdependent", "/../etc/hostname"], "'..'"),
        (&["hostdependent", "etc/nothing"], "etc/nothing: missing"),
        (
            &["hostdependent", ".cluster/cdsl/1"],
            "part of the CDSL infrastructure",
        ),
        (
            &["hostdependent", ".cluster"],
            "part of the CDSL infrastructure",
        ),
        (
            &["hostdependent", ".cdsl_inventory.xml"],
            "the inventory itself",
        ),
        (
            &["hostdependent", "etc/issue"],
            "cdsl/2/etc/issue: already exists",
        ),
        (&["shared", "usr/bin"], "not below a hostdependent CDSL"),
        (&["shared", "var/nothing"], "default/var/nothing: missing"),
        (&["shared", "var"], "already a hostdependent CDSL"),
        (&["addnode", "default"], "the default directory"),
        (&["addnode", "../x"], "without '/'"),
        (&["frobnicate"], "unknown command"),
    ] {
        refused(root, args, want);
        assert_eq!(listing(root), before, "{args:?}");
    }
    // A hostdependent above an existing CDSL.
    let d = initialised();
    ok(d.path(), &["hostdependent", "var/lib"]);
    refused(
        d.path(),
        &["hostdependent", "var"],
        "holds the hostdependent CDSL var/lib",
    );
    // Without an inventory.
    let d = base();
    refused(
        d.path(),
        &["hostdependent", "etc/hostname"],
        "run `osr-cdsl init` first",
    );
    // A file where init wants a directory.
    write(d.path(), ".cdsl.local", "");
    let before = listing(d.path());
    refused(
        d.path(),
        &["init"],
        ".cdsl.local: expected a directory, found a file",
    );
    assert_eq!(listing(d.path()), before);
}

const V1_INVENTORY: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<cdsls config_version="1">
  <cdsl src="/etc/hostname" type="hostdependent" timestamp="1234">
    <nodes><noderef ref="id_1"/><noderef ref="id_2"/></nodes>
  </cdsl>
  <defaults cdsltree="/cluster/cdsl" cdsltree_shared="/cluster/shared" cdsl_link="/cdsl.local"
            maxnodeidnum="0" use_nodeids="True" default_dir="default"/>
</cdsls>
"#;

#[test]
fn reads_a_v1_inventory_and_layout() {
    let d = base();
    let root = d.path();
    write(root, "var/lib/cdsl/cdsl_inventory.xml", V1_INVENTORY);
    for n in ["1", "2", "default"] {
        write(root, &format!("cluster/cdsl/{n}/etc/hostname"), n);
    }
    fs::create_dir_all(root.join("cluster/shared")).unwrap();
    fs::create_dir_all(root.join("cdsl.local")).unwrap();
    fs::remove_file(root.join("etc/hostname")).unwrap();
    symlink("../cdsl.local/etc/hostname", root.join("etc/hostname")).unwrap();
    assert_eq!(ok(root, &["list"]), "hostdependent\tetc/hostname\t1,2\n");
    assert_eq!(ok(root, &["check"]), "");
    // init only makes what is missing and keeps the v1 inventory.
    fs::remove_dir(root.join("cdsl.local")).unwrap();
    assert_eq!(
        ok(root, &["--dry-run", "init"]),
        format!("mkdir -p {}/cdsl.local\n", root.display())
    );
}

/// Sets `user.osr=v`; false when the filesystem has no user xattrs.
fn set_user_xattr(p: &Path) -> bool {
    let path = std::ffi::CString::new(p.to_str().unwrap()).unwrap();
    // SAFETY: NUL-terminated path and name, and a live 1-byte value.
    let rc = unsafe {
        libc::lsetxattr(
            path.as_ptr(),
            c"user.osr".as_ptr(),
            c"v".as_ptr().cast(),
            1,
            0,
        )
    };
    rc == 0
}

fn get_user_xattr(p: &Path) -> Vec<u8> {
    let path = std::ffi::CString::new(p.to_str().unwrap()).unwrap();
    let mut buf = [0u8; 16];
    // SAFETY: NUL-terminated path and name, and a live buffer of its length.
    let n = unsafe {
        libc::lgetxattr(
            path.as_ptr(),
            c"user.osr".as_ptr(),
            buf.as_mut_ptr().cast(),
            buf.len(),
        )
    };
    buf.get(..usize::try_from(n).unwrap_or(0)).unwrap().to_vec()
}

// Hostile trees (issue 13, point 1): a node that can write its own CDSL
// directory plants symlinks, or the inventory holds values that climb out of the
// root. The victim is a directory outside the root; it must come through
// unchanged, and the tool must refuse with the path and the reason.

#[test]
fn a_node_directory_planted_as_a_symlink_is_not_followed() {
    let (d, v, before) = var_and_victim();
    let root = d.path();
    replace_with_symlink(root, ".cluster/cdsl/2", v.path());
    // shared would `rm -rf <tree>/2/var/lib/rpm`, i.e. the victim's var/lib/rpm.
    refused(
        root,
        &["shared", "var/lib/rpm"],
        ".cluster/cdsl/2: expected a directory, found a symlink",
    );
    refused(
        root,
        &["hostdependent", "etc/hostname"],
        ".cluster/cdsl/2: expected a directory, found a symlink",
    );
    assert_eq!(listing(v.path()), before);
}

#[test]
fn a_symlink_planted_below_a_node_directory_is_not_followed() {
    let (d, v, before) = var_and_victim();
    let root = d.path();
    replace_with_symlink(root, ".cluster/cdsl/2/etc", &v.path().join("etc"));
    replace_with_symlink(root, ".cluster/cdsl/1/var/lib", &v.path().join("var/lib"));
    refused(
        root,
        &["hostdependent", "etc/hostname"],
        ".cluster/cdsl/2/etc: expected a directory, found a symlink",
    );
    refused(
        root,
        &["shared", "var/lib/rpm"],
        ".cluster/cdsl/1/var/lib: expected a directory, found a symlink",
    );
    assert_eq!(listing(v.path()), before);
}

#[test]
fn a_tree_or_shared_tree_planted_as_a_symlink_is_not_followed() {
    let (d, v, before) = var_and_victim();
    let root = d.path();
    // An empty directory: the shared copy would be made in it.
    replace_with_symlink(root, ".cluster/shared", &v.path().join("etc"));
    refused(
        root,
        &["shared", "var/lib/rpm"],
        ".cluster/shared: expected a directory, found a symlink",
    );
    replace_with_symlink(root, ".cluster/cdsl", v.path());
    refused(
        root,
        &["hostdependent", "etc/hostname"],
        ".cluster/cdsl: expected a directory, found a symlink",
    );
    refused(
        root,
        &["addnode", "3"],
        ".cluster/cdsl: expected a directory, found a symlink",
    );
    assert_eq!(listing(v.path()), before);
}

#[test]
fn inventory_values_that_climb_out_of_the_root_are_refused() {
    let v = victim();
    let before = listing(v.path());
    let up = climb(&v);
    for (from, to, want) in [
        (
            "default_dir=\"default\"".to_string(),
            format!("default_dir=\"{up}\""),
            "default_dir",
        ),
        (
            "node_prefix=\"\"".to_string(),
            format!("node_prefix=\"{up}/n\""),
            "node_prefix",
        ),
        (
            "<noderef ref=\"2\"/>".to_string(),
            format!("<noderef ref=\"{up}\"/>"),
            "noderef",
        ),
    ] {
        let d = initialised();
        let root = d.path();
        ok(root, &["hostdependent", "var"]);
        edit_inventory(root, &from, &to);
        let inv = fs::read_to_string(root.join(".cdsl_inventory.xml")).unwrap();
        for args in [
            &["init"][..],
            &["hostdependent", "etc/hostname"],
            &["shared", "var/lib/rpm"],
            &["addnode", "3"],
        ] {
            let out = osr_cdsl(root, args);
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{to} {args:?}: {err}");
            assert!(err.contains(want), "{to} {args:?}: {err}");
            assert!(err.contains(&up), "{to} {args:?}: {err}");
            assert!(err.contains("one plain name"), "{to} {args:?}: {err}");
            assert_eq!(listing(v.path()), before, "{to} {args:?}");
            assert_eq!(
                fs::read_to_string(root.join(".cdsl_inventory.xml")).unwrap(),
                inv
            );
        }
    }
}

#[test]
fn cluster_conf_node_names_that_climb_out_of_the_root_are_refused() {
    let v = victim();
    let before = listing(v.path());
    let d = base();
    let root = d.path();
    ok(root, &["init"]);
    edit_inventory(root, "use_nodeids=\"True\"", "use_nodeids=\"False\"");
    let up = climb(&v);
    write(
        root,
        "etc/cluster/cluster.conf",
        &CLUSTER_CONF.replace("name=\"node2\"", &format!("name=\"{up}\"")),
    );
    for args in [&["init"][..], &["hostdependent", "etc/hostname"]] {
        refused(root, args, &format!("{up:?}: expected one plain name"));
        assert_eq!(listing(v.path()), before, "{args:?}");
    }
}

#[test]
fn the_inventory_temp_file_is_not_followed() {
    let d = initialised();
    let root = d.path();
    let v = victim();
    let before = listing(v.path());
    // The old fixed name, planted by a node that can write the root.
    symlink(
        v.path().join("secret"),
        root.join(".cdsl_inventory.xml.tmp"),
    )
    .unwrap();
    ok(root, &["hostdependent", "etc/hostname"]);
    ok(root, &["addnode", "3"]);
    assert_eq!(listing(v.path()), before);
    let md = fs::symlink_metadata(root.join(".cdsl_inventory.xml")).unwrap();
    assert!(md.is_file(), "the inventory is {md:?}");
    assert_eq!(inventory(root).cdsls[0].nodes, ["1", "2", "3"]);
    // No temp file is left behind, and the planted link is left alone.
    let mut names: Vec<String> = fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".cdsl_inventory"))
        .collect();
    names.sort();
    assert_eq!(names, [".cdsl_inventory.xml", ".cdsl_inventory.xml.tmp"]);
}

#[test]
fn a_symlinked_inventory_or_cluster_conf_is_not_read() {
    let v = victim();
    let d = base();
    let root = d.path();
    ok(root, &["init"]);
    fs::rename(
        root.join(".cdsl_inventory.xml"),
        v.path().join("inventory.xml"),
    )
    .unwrap();
    symlink(
        v.path().join("inventory.xml"),
        root.join(".cdsl_inventory.xml"),
    )
    .unwrap();
    refused(
        root,
        &["list"],
        ".cdsl_inventory.xml: expected a file, found a symlink",
    );
    let d = base();
    let root = d.path();
    fs::rename(
        root.join("etc/cluster/cluster.conf"),
        v.path().join("cluster.conf"),
    )
    .unwrap();
    symlink(
        v.path().join("cluster.conf"),
        root.join("etc/cluster/cluster.conf"),
    )
    .unwrap();
    refused(
        root,
        &["init"],
        "etc/cluster/cluster.conf: expected a file, found a symlink",
    );
}

#[test]
fn a_planted_symlink_is_copied_and_removed_as_a_link() {
    let (d, v, before) = var_and_victim();
    let root = d.path();
    // In default: copied by addnode as a link, with its owner and times, the
    // victim neither read nor written.
    symlink(
        v.path().join("secret"),
        root.join(".cluster/cdsl/default/evil"),
    )
    .unwrap();
    ok(root, &["addnode", "3"]);
    assert_eq!(
        fs::read_link(root.join(".cluster/cdsl/3/evil")).unwrap(),
        v.path().join("secret")
    );
    // A node's copy replaced by a link to a directory: shared unlinks the link
    // and leaves the directory it points to alone.
    replace_with_symlink(
        root,
        ".cluster/cdsl/2/var/lib/rpm",
        &v.path().join("var/lib/rpm"),
    );
    ok(root, &["shared", "var/lib/rpm"]);
    assert_eq!(
        link(root, ".cluster/cdsl/2/var/lib/rpm"),
        "../../../../../.cluster/shared/var/lib/rpm"
    );
    assert_eq!(listing(v.path()), before);
}

#[test]
fn check_reports_a_planted_symlink_without_following_it() {
    let d = initialised();
    let root = d.path();
    ok(root, &["hostdependent", "var"]);
    ok(root, &["shared", "var/lib/rpm"]);
    let v = victim();
    replace_with_symlink(root, ".cluster/cdsl/2", v.path());
    let text = problems(root);
    let want = format!(
        "{}/.cluster/cdsl/2: expected a directory, found a symlink (not followed)",
        root.display()
    );
    assert_eq!(text.lines().collect::<Vec<_>>(), [want.as_str()], "{text}");
}
