//! `strip` on every cluster.conf the project has: the lab's fixtures
//! (`qemu/fixtures/*.conf`) and the parser's (`tests/fixtures/cluster/`). Each must
//! read, once stripped, as the original did (but for the fenceackserver's user and
//! password), and keep no credential.

// Test helpers outside #[test] functions: a panic here is a test failure.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use osr_core::cluster::parse;
use osr_core::cluster::strip::{as_stripped, strip, unplaced, What};

fn confs() -> Vec<(String, String)> {
    let core = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    for dir in [
        core.join("../../qemu/fixtures"),
        core.join("tests/fixtures/cluster"),
    ] {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if name.ends_with(".conf") && !name.starts_with("bad-") {
                out.push((name, std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
    assert!(out.len() >= 8, "{out:?}");
    out
}

#[test]
fn every_fixture_reads_the_same_stripped() {
    for (name, xml) in confs() {
        let s = strip(&xml).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            unplaced(parse(&s.text).unwrap()),
            as_stripped(parse(&xml).unwrap()),
            "failed testcase: {name}"
        );
        for word in [
            "passwd=",
            "password=",
            "login=",
            "community=",
            "<fencedevices",
            "<fence>",
        ] {
            assert!(
                !s.text.contains(word),
                "{name}: {word} left in:\n{}",
                s.text
            );
        }
    }
}

#[test]
fn the_lab_gfs2_fixture_loses_every_credential() {
    let xml = include_str!("../../../qemu/fixtures/cluster-gfs2.conf");
    let s = strip(xml).unwrap();
    assert!(xml.contains("lab-secret-"));
    assert!(!s.text.contains("lab-secret"), "{}", s.text);
    let elements: Vec<_> = s
        .removed
        .iter()
        .filter_map(|r| match &r.what {
            What::Element(p) => Some(p.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(
        elements,
        [
            "/cluster/clusternodes/clusternode/fence",
            "/cluster/clusternodes/clusternode/fence",
            "/cluster/fencedevices",
        ]
    );
}
