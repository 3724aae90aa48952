//! What comoonics v1 (≤ Feb 2010, `config_version="1"`) wrote differently from
//! v2, for editing a v1 tree in its own format (legacy-sharedroot.md §1a, §1b;
//! comoonics-cluster-suite's v1 `ComCdsl.py` and `ComCdslRepository.py`):
//!
//! - the inventory keeps its settings in a `<defaults>` element after the
//!   `<cdsl>` elements, names them `cdsltree`, `cdsltree_shared` and `cdsl_link`,
//!   and writes a numeric node as `ref="id_1"` (to be a valid XML id);
//! - `src` is written as `com-mkcdsl` was given it in the chroot: absolute;
//! - a shared CDSL's link climbs only the path's own depth, `"../" × depth(P)`:
//!   it resolves through the link directory at its fixed depth of 1 on a booted
//!   node (`/cdsl.local/var/lib -> ../../cluster/shared/var/lib`), not on the
//!   server, where v2's longer link resolves both ways.
//!
//! A hostdependent CDSL's link is the same in both (`../` × (depth − 1), the link
//! directory, the path), so `osr_core::cdsl::hostdependent_link_target` serves.
//! Pure; the parser (`osr_core::cdsl::parse_inventory`) reads v1 already.

use osr_core::cdsl::{escape, write_cdsls, Inventory, InventoryVersion};

/// What `com-mkcdslinfrastructure` made with no options: the layout whose links
/// lead to a v1 inventory moved into a CDSL (see `locate`).
pub fn defaults() -> Inventory {
    Inventory {
        version: InventoryVersion::V1,
        tree: "cluster/cdsl".into(),
        sharedtree: "cluster/shared".into(),
        link: "cdsl.local".into(),
        ..Inventory::new_v2()
    }
}

/// A `<noderef ref>` as v1 wrote it: `id_` before an all-digit node.
fn noderef(node: &str) -> String {
    if !node.is_empty() && node.bytes().all(|b| b.is_ascii_digit()) {
        format!("id_{node}")
    } else {
        node.to_string()
    }
}

/// The inventory in the v1 format. The optional settings (`mountpoint`,
/// `node_prefix`, `expandstring`) are written only when they differ from what the
/// parser assumes without them, so that reading it back gives the same value.
pub fn render_inventory(inv: &Inventory) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str("<cdsls config_version=\"1\">\n");
    write_cdsls(&mut out, &inv.cdsls, "/", noderef);
    out.push_str(&format!(
        "  <defaults cdsltree=\"{}\" cdsltree_shared=\"{}\" cdsl_link=\"{}\" \
         maxnodeidnum=\"{}\" use_nodeids=\"{}\" default_dir=\"{}\"",
        escape(&inv.tree),
        escape(&inv.sharedtree),
        escape(&inv.link),
        inv.maxnodeidnum,
        if inv.use_nodeids { "True" } else { "False" },
        escape(&inv.default_dir),
    ));
    for (name, value, absent) in [
        ("mountpoint", &inv.mountpoint, ""),
        ("node_prefix", &inv.node_prefix, ""),
        ("expandstring", &inv.expandstring, ".cdsl"),
    ] {
        if value != absent {
            out.push_str(&format!(" {name}=\"{}\"", escape(value)));
        }
    }
    out.push_str("/>\n</cdsls>\n");
    out
}

/// The link that replaces each node's copy of shared `path` in a v1 tree:
/// `var/lib` -> `../../cluster/shared/var/lib`.
pub fn shared_link_target(path: &str, shared: &str) -> String {
    let depth = path.split('/').filter(|c| !c.is_empty()).count();
    format!("{}{shared}/{path}", "../".repeat(depth))
}

#[cfg(test)]
mod tests {
    use osr_core::cdsl::{parse_inventory, Cdsl, CdslType};

    use super::*;

    /// As the Fedora 11 recipe left it after `com-mkcdsl -a /etc/sysconfig/network`.
    const V1: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<cdsls config_version="1">
  <cdsl src="/etc/sysconfig/network" type="hostdependent" timestamp="1234.5">
    <nodes><noderef ref="id_1"/><noderef ref="id_2"/></nodes>
  </cdsl>
  <defaults cdsltree="cluster/cdsl" cdsltree_shared="cluster/shared" cdsl_link="/cdsl.local"
            maxnodeidnum="0" use_nodeids="True" default_dir="default"/>
</cdsls>"#;

    #[test]
    fn renders_what_it_read_and_reads_back_the_same() {
        let mut inv = parse_inventory(V1).unwrap();
        assert_eq!(inv.version, InventoryVersion::V1);
        inv.cdsls.push(Cdsl {
            src: "var/lib".into(),
            kind: CdslType::Shared,
            timestamp: None,
            nodes: vec!["1".into(), "node3".into()],
        });
        let text = render_inventory(&inv);
        assert_eq!(
            text,
            r#"<?xml version="1.0" encoding="UTF-8"?>
<cdsls config_version="1">
  <cdsl src="/etc/sysconfig/network" type="hostdependent" timestamp="1234.5">
    <nodes>
      <noderef ref="id_1"/>
      <noderef ref="id_2"/>
    </nodes>
  </cdsl>
  <cdsl src="/var/lib" type="shared">
    <nodes>
      <noderef ref="id_1"/>
      <noderef ref="node3"/>
    </nodes>
  </cdsl>
  <defaults cdsltree="cluster/cdsl" cdsltree_shared="cluster/shared" cdsl_link="cdsl.local" maxnodeidnum="0" use_nodeids="True" default_dir="default"/>
</cdsls>
"#
        );
        assert_eq!(parse_inventory(&text).unwrap(), inv);
    }

    #[test]
    fn optional_settings_survive_a_round_trip() {
        let mut inv = parse_inventory(V1).unwrap();
        inv.mountpoint = "srv/x".into();
        inv.node_prefix = "n".into();
        inv.expandstring = ".x".into();
        inv.use_nodeids = false;
        inv.maxnodeidnum = 4;
        let text = render_inventory(&inv);
        assert!(
            text.contains(r#"mountpoint="srv/x" node_prefix="n" expandstring=".x"/>"#),
            "{text}"
        );
        assert_eq!(parse_inventory(&text).unwrap(), inv);
    }

    #[test]
    fn shared_links_climb_the_path_only() {
        for (path, want) in [
            ("var/lib", "../../cluster/shared/var/lib"),
            ("var/lib/rpm", "../../../cluster/shared/var/lib/rpm"),
            ("etc", "../cluster/shared/etc"),
        ] {
            assert_eq!(shared_link_target(path, "cluster/shared"), want, "{path}");
        }
    }
}
