//! Context dependent symbolic links (CDSLs): the comoonics inventory and layout.
//!
//! A shared root keeps one copy per node of each *hostdependent* path under
//! `<tree>/<node>/`, replaces the path itself by a relative symlink into the link
//! directory (`.cdsl.local`), and at boot binds `<tree>/<nodeid>` onto that
//! directory. A *shared* path below a hostdependent one goes the other way: each
//! node copy becomes a symlink into `<sharedtree>/` (legacy-sharedroot.md §1a, §1b).
//!
//! This module is pure: [`parse_inventory`] / [`render_inventory`] read and write
//! the inventory XML (v2, and v1 for reading), [`layout`] finds the trees at boot
//! from the inventory text and a directory probe, and [`hostdependent_link_target`]
//! / [`shared_link_target`] compute the same relative symlinks as `com-mkcdsl`.
//!
//! Not supported: the `.cdsl.<name>` expansion of a hostdependent path nested
//! below a shared one (callers refuse such nesting), rendering v1 inventories, and
//! the inventory's `mountpoint` (a root inventory has `mountpoint=""`; it is kept
//! as read but never joined to the paths).

use std::borrow::Cow;

use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

use crate::cluster::ClusterConf;

/// The v2 inventory, relative to the root.
pub const V2_INVENTORY: &str = ".cdsl_inventory.xml";
/// The v1 inventory (and v2's fallback), relative to the root.
pub const V1_INVENTORY: &str = "var/lib/cdsl/cdsl_inventory.xml";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InventoryVersion {
    /// `config_version="1"`: settings in a `<defaults>` element.
    V1,
    /// `config_version="2.0"`: settings as attributes of `<cdsls>`.
    V2,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CdslType {
    HostDependent,
    Shared,
    Unknown,
}

impl CdslType {
    pub fn as_str(self) -> &'static str {
        match self {
            CdslType::HostDependent => "hostdependent",
            CdslType::Shared => "shared",
            CdslType::Unknown => "unknown",
        }
    }
}

/// One `<cdsl>` element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cdsl {
    /// Relative to the root, no leading `/`.
    pub src: String,
    pub kind: CdslType,
    /// As written (`time.time()` in comoonics: seconds with a fraction).
    pub timestamp: Option<String>,
    /// The `<noderef ref>`s, `id_` prefix stripped.
    pub nodes: Vec<String>,
}

/// One `<repository>`: a nested filesystem with its own inventory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repository {
    pub path: String,
    pub resource: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inventory {
    pub version: InventoryVersion,
    pub tree: String,
    pub sharedtree: String,
    pub link: String,
    pub maxnodeidnum: u32,
    pub use_nodeids: bool,
    pub mountpoint: String,
    pub default_dir: String,
    pub node_prefix: String,
    pub expandstring: String,
    pub cdsls: Vec<Cdsl>,
    pub repositories: Vec<Repository>,
}

impl Inventory {
    /// What `com-cdslinvadm --create` writes with no options.
    pub fn new_v2() -> Self {
        Inventory {
            version: InventoryVersion::V2,
            tree: ".cluster/cdsl".into(),
            sharedtree: ".cluster/shared".into(),
            link: ".cdsl.local".into(),
            ..Inventory::defaults_v1()
        }
    }

    fn defaults_v1() -> Self {
        Inventory {
            version: InventoryVersion::V1,
            tree: "cluster/cdsl".into(),
            sharedtree: "cluster/shared".into(),
            link: "cdsl.local".into(),
            maxnodeidnum: 0,
            use_nodeids: true,
            mountpoint: String::new(),
            default_dir: "default".into(),
            node_prefix: String::new(),
            expandstring: ".cdsl".into(),
            cdsls: Vec::new(),
            repositories: Vec::new(),
        }
    }

    pub fn find(&self, src: &str) -> Option<&Cdsl> {
        self.cdsls.iter().find(|c| c.src == src)
    }

    /// The nearest CDSL strictly above `path`.
    pub fn ancestor(&self, path: &str) -> Option<&Cdsl> {
        self.cdsls
            .iter()
            .filter(|c| is_below(path, &c.src))
            .max_by_key(|c| c.src.len())
    }

    /// The CDSLs strictly below `path`.
    pub fn descendants<'a>(&'a self, path: &'a str) -> impl Iterator<Item = &'a Cdsl> + 'a {
        self.cdsls.iter().filter(move |c| is_below(&c.src, path))
    }

    /// The node directories under the tree, as `com-cdslinvadm` chooses them (§1a):
    /// the cluster.conf nodeids (with `node_prefix`) when `use_nodeids` and
    /// `maxnodeidnum=0`, the node names without `use_nodeids`, else
    /// `1..=maxnodeidnum`.
    pub fn node_dirs(&self, conf: &ClusterConf) -> Vec<String> {
        if self.maxnodeidnum > 0 {
            return (1..=self.maxnodeidnum)
                .map(|n| format!("{}{n}", self.node_prefix))
                .collect();
        }
        conf.nodes
            .iter()
            .map(|n| match self.use_nodeids {
                true => format!("{}{}", self.node_prefix, n.nodeid),
                false => n.name.clone(),
            })
            .collect()
    }
}

/// Whether `path` lies strictly below `dir` (both normalised).
pub fn is_below(path: &str, dir: &str) -> bool {
    path.strip_prefix(dir)
        .is_some_and(|rest| rest.starts_with('/') && !dir.is_empty())
}

/// `path` relative to the root: leading, trailing and doubled `/` and `.`
/// components removed. `..` and an empty result are refused.
pub fn normalize(path: &str) -> Result<String, String> {
    let mut parts = Vec::new();
    for c in path.split('/') {
        match c {
            "" | "." => {}
            ".." => return Err(format!("{path}: expected a path without '..'")),
            c => parts.push(c),
        }
    }
    if parts.is_empty() {
        return Err(format!("{path:?}: expected a path below the root"));
    }
    Ok(parts.join("/"))
}

fn depth(path: &str) -> usize {
    path.split('/').filter(|c| !c.is_empty()).count()
}

/// The symlink that replaces hostdependent `path` (§1b, `com-mkcdsl -a`):
/// `etc/sysconfig/network` -> `../../.cdsl.local/etc/sysconfig/network`.
pub fn hostdependent_link_target(path: &str, link: &str) -> String {
    let up = "../".repeat(depth(path).saturating_sub(1));
    format!("{up}{link}/{path}")
}

/// The symlink that replaces each node's copy of shared `path` (§1b,
/// `com-mkcdsl -s`): it sits at `<tree>/<node>/<path>`, so it climbs the path, the
/// tree and the node directory. `var/lib/rpm` ->
/// `../../../../../.cluster/shared/var/lib/rpm`.
pub fn shared_link_target(path: &str, tree: &str, shared: &str) -> String {
    let up = depth(path).saturating_sub(1) + depth(tree) + 1;
    format!("{}{shared}/{path}", "../".repeat(up))
}

/// Boot-time overrides from the kernel command line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overrides {
    /// `cdsltree=`
    pub tree: Option<String>,
    /// `cdsllink=`
    pub link: Option<String>,
    /// `cdslsharedtree=`
    pub shared: Option<String>,
    /// `nocdsl`
    pub nocdsl: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LayoutVersion {
    V1,
    V2,
    /// No inventory: found by the directories themselves.
    NoInventory,
}

/// Where the CDSL directories are, relative to the root, no leading `/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    pub version: LayoutVersion,
    pub tree: String,
    pub shared: String,
    pub link: String,
    pub default_dir: String,
}

impl Layout {
    fn from_inventory(inv: &Inventory) -> Self {
        Layout {
            version: match inv.version {
                InventoryVersion::V1 => LayoutVersion::V1,
                InventoryVersion::V2 => LayoutVersion::V2,
            },
            tree: inv.tree.clone(),
            shared: inv.sharedtree.clone(),
            link: inv.link.clone(),
            default_dir: inv.default_dir.clone(),
        }
    }

    fn apply(mut self, o: &Overrides) -> Result<Self, String> {
        let set = |field: &mut String, name: &str, v: &Option<String>| -> Result<(), String> {
            if let Some(v) = v {
                *field = normalize(v).map_err(|e| format!("{name}={e}"))?;
            }
            Ok(())
        };
        set(&mut self.tree, "cdsltree", &o.tree)?;
        set(&mut self.link, "cdsllink", &o.link)?;
        set(&mut self.shared, "cdslsharedtree", &o.shared)?;
        Ok(self)
    }
}

/// The CDSL layout of a mounted root, or `None` for no CDSL (`nocdsl`, or no
/// inventory and no tree directory).
///
/// `v2_inventory` and `v1_inventory` are the contents of [`V2_INVENTORY`] and
/// [`V1_INVENTORY`] under the root when they exist; the v2 one wins, as in
/// comoonics. Without an inventory, the v2 then the v1 default directories are
/// probed with `dirs_present` (a path relative to the root); a candidate whose
/// tree and link both exist wins over one with only the tree. The command-line
/// overrides win over the inventory and the defaults.
pub fn layout(
    v2_inventory: Option<&str>,
    v1_inventory: Option<&str>,
    dirs_present: &dyn Fn(&str) -> bool,
    overrides: &Overrides,
) -> Result<Option<Layout>, String> {
    if overrides.nocdsl {
        return Ok(None);
    }
    let found = [(V2_INVENTORY, v2_inventory), (V1_INVENTORY, v1_inventory)]
        .into_iter()
        .find_map(|(name, text)| text.map(|t| (name, t)));
    if let Some((name, text)) = found {
        let inv = parse_inventory(text).map_err(|e| format!("{name}: {e}"))?;
        return Layout::from_inventory(&inv).apply(overrides).map(Some);
    }
    let mut candidates = Vec::new();
    for inv in [Inventory::new_v2(), Inventory::defaults_v1()] {
        let mut l = Layout::from_inventory(&inv).apply(overrides)?;
        l.version = LayoutVersion::NoInventory;
        candidates.push(l);
    }
    let with_link = candidates
        .iter()
        .find(|l| dirs_present(&l.tree) && dirs_present(&l.link));
    let with_tree = candidates.iter().find(|l| dirs_present(&l.tree));
    Ok(with_link.or(with_tree).cloned())
}

/// Parses a v1 or v2 inventory. Paths are normalised (no leading `/`).
pub fn parse_inventory(xml: &str) -> Result<Inventory, String> {
    let mut reader = Reader::from_str(xml);
    reader.config_mut().check_end_names = true;
    let mut inv: Option<Inventory> = None;
    let mut stack: Vec<String> = Vec::new();
    loop {
        let pos = reader.buffer_position();
        let event = reader
            .read_event()
            .map_err(|e| format!("at byte {pos}: {e}"))?;
        let (start, empty) = match event {
            Event::Start(s) => (s, false),
            Event::Empty(s) => (s, true),
            Event::End(_) => {
                stack.pop();
                continue;
            }
            Event::Eof => match stack.last() {
                Some(open) => return Err(format!("<{open}> not closed at the end")),
                None => break,
            },
            _ => continue,
        };
        let name = String::from_utf8_lossy(start.name().as_ref()).into_owned();
        let attrs = attributes(&start).map_err(|e| format!("<{name}> at byte {pos}: {e}"))?;
        element(&mut inv, &stack, &name, &attrs).map_err(|e| format!("<{name}>: {e}"))?;
        if !empty {
            stack.push(name);
        }
    }
    inv.ok_or_else(|| "no <cdsls> element: expected a CDSL inventory".to_string())
}

type Attrs = Vec<(String, String)>;

fn attributes(start: &BytesStart<'_>) -> Result<Attrs, String> {
    let mut out = Vec::new();
    for a in start.attributes() {
        let a = a.map_err(|e| e.to_string())?;
        let key = String::from_utf8_lossy(a.key.as_ref()).into_owned();
        let value = a
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|e| format!("{key}: {e}"))?;
        out.push((key, Cow::into_owned(value)));
    }
    Ok(out)
}

fn get<'a>(attrs: &'a Attrs, names: &[&str]) -> Option<&'a str> {
    names
        .iter()
        .find_map(|n| attrs.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str()))
}

fn element(
    inv: &mut Option<Inventory>,
    stack: &[String],
    name: &str,
    attrs: &Attrs,
) -> Result<(), String> {
    let parent = stack.last().map(String::as_str);
    match (parent, inv.as_mut()) {
        (None, None) if name == "cdsls" => {
            *inv = Some(cdsls(attrs)?);
            Ok(())
        }
        (None, _) => Err("expected a single <cdsls> root element".into()),
        (Some("cdsls"), Some(inv)) if name == "cdsl" => {
            inv.cdsls.push(cdsl(attrs)?);
            Ok(())
        }
        (Some("cdsls"), Some(inv)) if name == "defaults" => settings(inv, attrs),
        (_, Some(inv)) if name == "noderef" => {
            let r = get(attrs, &["ref"]).ok_or("expected a ref attribute")?;
            let r = r.strip_prefix("id_").unwrap_or(r).to_string();
            match inv.cdsls.last_mut() {
                Some(c) if stack.len() == 3 && stack.get(1).is_some_and(|p| p == "cdsl") => {
                    c.nodes.push(r)
                }
                _ => return Err("expected it inside <cdsl><nodes>".into()),
            }
            Ok(())
        }
        (Some("repositories"), Some(inv)) if name == "repository" => {
            let path = get(attrs, &["path"]).ok_or("expected a path attribute")?;
            inv.repositories.push(Repository {
                path: normalize(path)?,
                resource: get(attrs, &["resource"]).unwrap_or(V2_INVENTORY).into(),
            });
            Ok(())
        }
        // <nodes>, <repositories> and anything newer are containers or ignored.
        _ => Ok(()),
    }
}

fn cdsls(attrs: &Attrs) -> Result<Inventory, String> {
    let version = match get(attrs, &["config_version"]) {
        Some(v) if v == "1" || v.starts_with("1.") => InventoryVersion::V1,
        Some(v) if v == "2" || v.starts_with("2.") => InventoryVersion::V2,
        None => InventoryVersion::V2,
        Some(v) => return Err(format!("config_version=\"{v}\": expected 1 or 2.0")),
    };
    let mut inv = match version {
        InventoryVersion::V1 => Inventory::defaults_v1(),
        InventoryVersion::V2 => Inventory::new_v2(),
    };
    if version == InventoryVersion::V2 {
        settings(&mut inv, attrs)?;
    }
    Ok(inv)
}

/// The layout settings: `<cdsls>` attributes in v2, `<defaults>` in v1 (which used
/// the names `cdsltree`, `cdsltree_shared`, `cdsl_link`; the v2 test DTD does too).
fn settings(inv: &mut Inventory, attrs: &Attrs) -> Result<(), String> {
    let path = |names: &[&str], field: &mut String| -> Result<(), String> {
        if let Some(v) = get(attrs, names) {
            *field = normalize(v).map_err(|e| format!("{}: {e}", names.join("/")))?;
        }
        Ok(())
    };
    path(&["tree", "cdsltree"], &mut inv.tree)?;
    path(&["sharedtree", "cdsltree_shared"], &mut inv.sharedtree)?;
    path(&["link", "cdsl_link"], &mut inv.link)?;
    if let Some(v) = get(attrs, &["maxnodeidnum"]) {
        inv.maxnodeidnum = v
            .trim()
            .parse()
            .map_err(|_| format!("maxnodeidnum=\"{v}\": expected a number"))?;
    }
    if let Some(v) = get(attrs, &["use_nodeids"]) {
        inv.use_nodeids = match v.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" => true,
            "false" | "0" | "no" => false,
            _ => return Err(format!("use_nodeids=\"{v}\": expected True or False")),
        };
    }
    let text = |name: &str, field: &mut String| {
        if let Some(v) = get(attrs, &[name]) {
            *field = v.trim_matches('/').to_string();
        }
    };
    text("mountpoint", &mut inv.mountpoint);
    text("default_dir", &mut inv.default_dir);
    text("node_prefix", &mut inv.node_prefix);
    text("expandstring", &mut inv.expandstring);
    Ok(())
}

fn cdsl(attrs: &Attrs) -> Result<Cdsl, String> {
    let src = get(attrs, &["src"]).ok_or("expected a src attribute")?;
    let kind = match get(attrs, &["type"]) {
        Some("hostdependent") => CdslType::HostDependent,
        Some("shared") => CdslType::Shared,
        Some("unknown") | None => CdslType::Unknown,
        Some(t) => return Err(format!("type=\"{t}\": expected hostdependent or shared")),
    };
    Ok(Cdsl {
        src: normalize(src)?,
        kind,
        timestamp: get(attrs, &["timestamp"]).map(str::to_string),
        nodes: Vec::new(),
    })
}

/// `s` as an XML attribute value.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The `<cdsl>` elements, v1 and v2 alike: `src` after `src_prefix` (v1 wrote `/`),
/// each node's `ref` as `noderef` gives it (v1 wrote `id_<n>`).
pub fn write_cdsls(
    out: &mut String,
    cdsls: &[Cdsl],
    src_prefix: &str,
    noderef: impl Fn(&str) -> String,
) {
    for c in cdsls {
        out.push_str(&format!(
            "  <cdsl src=\"{src_prefix}{}\" type=\"{}\"",
            escape(&c.src),
            c.kind.as_str()
        ));
        if let Some(t) = &c.timestamp {
            out.push_str(&format!(" timestamp=\"{}\"", escape(t)));
        }
        out.push_str(">\n    <nodes>\n");
        for n in &c.nodes {
            out.push_str(&format!(
                "      <noderef ref=\"{}\"/>\n",
                escape(&noderef(n))
            ));
        }
        out.push_str("    </nodes>\n  </cdsl>\n");
    }
}

/// The inventory as comoonics v2 writes it (`config_version="2.0"`), whatever
/// version it was read as.
pub fn render_inventory(inv: &Inventory) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<cdsls config_version=\"2.0\" tree=\"{}\" sharedtree=\"{}\" link=\"{}\" \
         maxnodeidnum=\"{}\" use_nodeids=\"{}\" mountpoint=\"{}\" default_dir=\"{}\" \
         node_prefix=\"{}\" expandstring=\"{}\">\n",
        escape(&inv.tree),
        escape(&inv.sharedtree),
        escape(&inv.link),
        inv.maxnodeidnum,
        if inv.use_nodeids { "True" } else { "False" },
        escape(&inv.mountpoint),
        escape(&inv.default_dir),
        escape(&inv.node_prefix),
        escape(&inv.expandstring),
    ));
    write_cdsls(&mut out, &inv.cdsls, "", |n| n.to_string());
    out.push_str("  <repositories>\n");
    for r in &inv.repositories {
        out.push_str(&format!(
            "    <repository path=\"{}\" resource=\"{}\"/>\n",
            escape(&r.path),
            escape(&r.resource)
        ));
    }
    out.push_str("  </repositories>\n</cdsls>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// legacy-sharedroot.md §1a, verbatim apart from the elided timestamp.
    const V2_LEGACY: &str = r#"<cdsls config_version="2.0" tree=".cluster/cdsl" sharedtree=".cluster/shared" link=".cdsl.local"
       maxnodeidnum="0" use_nodeids="True" mountpoint="" default_dir="default" node_prefix="" expandstring=".cdsl">
  <cdsl src="etc/sysconfig/network" type="hostdependent" timestamp="1265884765.57">
    <nodes><noderef ref="1"/><noderef ref="2"/></nodes>
  </cdsl>
  <repositories><repository path="var/data" resource=".cdsl_inventory.xml"/></repositories>
</cdsls>"#;

    const V1_LEGACY: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<cdsls config_version="1">
  <cdsl src="/etc/sysconfig/network" type="hostdependent" timestamp="1234">
    <nodes><noderef ref="id_1"/><noderef ref="id_2"/></nodes>
  </cdsl>
  <cdsl src="var/lib/rpm" type="shared"><nodes><noderef ref="id_1"/></nodes></cdsl>
  <defaults cdsltree="/cluster/cdsl" cdsltree_shared="/cluster/shared" cdsl_link="/cdsl.local"
            maxnodeidnum="0" use_nodeids="True" default_dir="default"/>
</cdsls>"#;

    fn hd(src: &str, nodes: &[&str]) -> Cdsl {
        Cdsl {
            src: src.into(),
            kind: CdslType::HostDependent,
            timestamp: None,
            nodes: nodes.iter().map(|n| n.to_string()).collect(),
        }
    }

    #[test]
    fn parses_the_legacy_v2_example() {
        let inv = parse_inventory(V2_LEGACY).unwrap();
        let mut want = Inventory::new_v2();
        want.cdsls.push(Cdsl {
            timestamp: Some("1265884765.57".into()),
            ..hd("etc/sysconfig/network", &["1", "2"])
        });
        want.repositories.push(Repository {
            path: "var/data".into(),
            resource: ".cdsl_inventory.xml".into(),
        });
        assert_eq!(inv, want);
    }

    #[test]
    fn parses_v1_with_defaults_and_id_prefix() {
        let inv = parse_inventory(V1_LEGACY).unwrap();
        assert_eq!(inv.version, InventoryVersion::V1);
        assert_eq!(
            (
                inv.tree.as_str(),
                inv.sharedtree.as_str(),
                inv.link.as_str()
            ),
            ("cluster/cdsl", "cluster/shared", "cdsl.local")
        );
        assert_eq!(
            inv.cdsls,
            vec![
                Cdsl {
                    timestamp: Some("1234".into()),
                    ..hd("etc/sysconfig/network", &["1", "2"])
                },
                Cdsl {
                    kind: CdslType::Shared,
                    ..hd("var/lib/rpm", &["1"])
                },
            ]
        );
    }

    #[test]
    fn render_then_parse_is_identity() {
        let mut inv = parse_inventory(V2_LEGACY).unwrap();
        inv.cdsls.push(Cdsl {
            kind: CdslType::Shared,
            ..hd("var/a&b \"q\"", &[])
        });
        inv.use_nodeids = false;
        inv.maxnodeidnum = 4;
        inv.node_prefix = "n".into();
        assert_eq!(parse_inventory(&render_inventory(&inv)).unwrap(), inv);
        // A v1 inventory comes back as v2 with the same content.
        let v1 = parse_inventory(V1_LEGACY).unwrap();
        let again = parse_inventory(&render_inventory(&v1)).unwrap();
        assert_eq!(again.version, InventoryVersion::V2);
        assert_eq!(
            Inventory {
                version: InventoryVersion::V1,
                ..again
            },
            v1
        );
    }

    #[test]
    fn renders_the_v2_attributes_in_comoonics_order() {
        let text = render_inventory(&Inventory::new_v2());
        assert!(text.contains(
            r#"<cdsls config_version="2.0" tree=".cluster/cdsl" sharedtree=".cluster/shared" link=".cdsl.local" maxnodeidnum="0" use_nodeids="True" mountpoint="" default_dir="default" node_prefix="" expandstring=".cdsl">"#
        ), "{text}");
    }

    #[test]
    fn rejects_bad_inventories() {
        for (xml, want) in [
            ("", "no <cdsls>"),
            ("<cluster/>", "expected a single <cdsls>"),
            (r#"<cdsls config_version="3"/>"#, "expected 1 or 2.0"),
            (r#"<cdsls maxnodeidnum="x"/>"#, "maxnodeidnum=\"x\""),
            (r#"<cdsls use_nodeids="maybe"/>"#, "use_nodeids"),
            (r#"<cdsls><cdsl type="shared"/></cdsls>"#, "expected a src"),
            (r#"<cdsls><cdsl src="a" type="x"/></cdsls>"#, "type=\"x\""),
            (r#"<cdsls><cdsl src="../etc"/></cdsls>"#, "'..'"),
            (r#"<cdsls><noderef ref="1"/></cdsls>"#, "<cdsl><nodes>"),
            (r#"<cdsls tree="/"/>"#, "tree/cdsltree"),
            (r#"<cdsls><cdsl src="a"></cdsls>"#, "at byte"),
        ] {
            let err = parse_inventory(xml).unwrap_err();
            assert!(err.contains(want), "{xml}: {err}");
        }
    }

    #[test]
    fn legacy_link_targets() {
        assert_eq!(
            hostdependent_link_target("etc/sysconfig/network", ".cdsl.local"),
            "../../.cdsl.local/etc/sysconfig/network"
        );
        assert_eq!(
            hostdependent_link_target("etc", ".cdsl.local"),
            ".cdsl.local/etc"
        );
        assert_eq!(
            shared_link_target("var/lib/rpm", ".cluster/cdsl", ".cluster/shared"),
            "../../../../../.cluster/shared/var/lib/rpm"
        );
        assert_eq!(
            shared_link_target("var/x", "cluster/cdsl", "cluster/shared"),
            "../../../../cluster/shared/var/x"
        );
    }

    #[test]
    fn normalize_and_relations() {
        assert_eq!(normalize("/etc//./hostname/").unwrap(), "etc/hostname");
        assert!(normalize("/").is_err());
        assert!(normalize("etc/../x").is_err());
        assert!(is_below("var/lib/rpm", "var"));
        assert!(!is_below("variable", "var"));
        assert!(!is_below("var", "var"));
        let mut inv = Inventory::new_v2();
        inv.cdsls = vec![hd("var", &[]), hd("var/lib/x", &[]), hd("etc/a", &[])];
        assert_eq!(inv.ancestor("var/lib/x/y").unwrap().src, "var/lib/x");
        assert_eq!(inv.ancestor("var/lib").unwrap().src, "var");
        assert!(inv.ancestor("var").is_none());
        let d: Vec<_> = inv.descendants("var").map(|c| c.src.as_str()).collect();
        assert_eq!(d, ["var/lib/x"]);
    }

    #[test]
    fn node_dirs_follow_comoonics_rules() {
        let conf = crate::cluster::parse(
            r#"<cluster name="c"><clusternodes>
            <clusternode name="a" nodeid="1"/><clusternode name="b" nodeid="3"/>
            </clusternodes></cluster>"#,
        )
        .unwrap();
        let mut inv = Inventory::new_v2();
        assert_eq!(inv.node_dirs(&conf), ["1", "3"]);
        inv.node_prefix = "n".into();
        assert_eq!(inv.node_dirs(&conf), ["n1", "n3"]);
        inv.use_nodeids = false;
        assert_eq!(inv.node_dirs(&conf), ["a", "b"]);
        inv.maxnodeidnum = 2;
        assert_eq!(inv.node_dirs(&conf), ["n1", "n2"]);
    }

    fn present(dirs: &'static [&'static str]) -> impl Fn(&str) -> bool {
        move |d| dirs.contains(&d)
    }

    fn l(version: LayoutVersion, tree: &str, shared: &str, link: &str) -> Layout {
        Layout {
            version,
            tree: tree.into(),
            shared: shared.into(),
            link: link.into(),
            default_dir: "default".into(),
        }
    }

    /// label, v2 inventory, v1 inventory, directory probe, overrides, expected.
    type Case<'a> = (
        &'a str,
        Option<&'a str>,
        Option<&'a str>,
        &'a dyn Fn(&str) -> bool,
        Overrides,
        Option<Layout>,
    );

    #[test]
    fn layout_cases() {
        use LayoutVersion::*;
        let none = Overrides::default();
        let v2 = Some(V2_LEGACY);
        let v1 = Some(V1_LEGACY);
        let nothing = present(&[]);
        let v2_dirs = present(&[".cluster/cdsl", ".cdsl.local"]);
        let v1_dirs = present(&["cluster/cdsl", "cdsl.local"]);
        let both_trees = present(&[".cluster/cdsl", "cluster/cdsl", "cdsl.local"]);
        let t_dirs = present(&["t/cdsl", ".cdsl.local"]);
        let o = |tree: Option<&str>, link: Option<&str>, nocdsl| Overrides {
            tree: tree.map(str::to_string),
            link: link.map(str::to_string),
            shared: Some("/s/".into()).filter(|_| tree.is_some()),
            nocdsl,
        };
        let v2_layout = l(V2, ".cluster/cdsl", ".cluster/shared", ".cdsl.local");
        let v1_layout = l(V1, "cluster/cdsl", "cluster/shared", "cdsl.local");
        let cases: Vec<Case> = vec![
            (
                "v2 inventory",
                v2,
                None,
                &nothing,
                none.clone(),
                Some(v2_layout.clone()),
            ),
            (
                "v2 wins over v1",
                v2,
                v1,
                &v1_dirs,
                none.clone(),
                Some(v2_layout.clone()),
            ),
            (
                "v1 inventory",
                None,
                v1,
                &nothing,
                none.clone(),
                Some(v1_layout),
            ),
            ("nocdsl", v2, None, &v2_dirs, o(None, None, true), None),
            ("nothing", None, None, &nothing, none.clone(), None),
            (
                "v2 dirs",
                None,
                None,
                &v2_dirs,
                none.clone(),
                Some(l(
                    NoInventory,
                    ".cluster/cdsl",
                    ".cluster/shared",
                    ".cdsl.local",
                )),
            ),
            (
                "v1 dirs",
                None,
                None,
                &v1_dirs,
                none.clone(),
                Some(l(
                    NoInventory,
                    "cluster/cdsl",
                    "cluster/shared",
                    "cdsl.local",
                )),
            ),
            (
                "tree and link beat tree only",
                None,
                None,
                &both_trees,
                none.clone(),
                Some(l(
                    NoInventory,
                    "cluster/cdsl",
                    "cluster/shared",
                    "cdsl.local",
                )),
            ),
            (
                "overrides beat the inventory",
                v2,
                None,
                &nothing,
                o(Some("/t/cdsl"), Some("/lnk"), false),
                Some(l(V2, "t/cdsl", "s", "lnk")),
            ),
            (
                "override tree without inventory",
                None,
                None,
                &t_dirs,
                o(Some("t/cdsl"), None, false),
                Some(l(NoInventory, "t/cdsl", "s", ".cdsl.local")),
            ),
            (
                "override tree absent",
                None,
                None,
                &v2_dirs,
                o(Some("t/cdsl"), None, false),
                None,
            ),
        ];
        for (label, v2, v1, dirs, over, want) in cases {
            assert_eq!(layout(v2, v1, dirs, &over), Ok(want), "case {label}");
        }
    }

    #[test]
    fn layout_errors_name_the_file_or_parameter() {
        let nothing = present(&[]);
        let err = layout(Some("<x/>"), None, &nothing, &Overrides::default()).unwrap_err();
        assert!(err.starts_with(".cdsl_inventory.xml: "), "{err}");
        let err = layout(None, Some("<cdsls"), &nothing, &Overrides::default()).unwrap_err();
        assert!(
            err.starts_with("var/lib/cdsl/cdsl_inventory.xml: "),
            "{err}"
        );
        let over = Overrides {
            link: Some("/".into()),
            ..Overrides::default()
        };
        let err = layout(Some(V2_LEGACY), None, &nothing, &over).unwrap_err();
        assert!(err.starts_with("cdsllink="), "{err}");
    }
}
