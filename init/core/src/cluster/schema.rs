//! The element tree to [`ClusterConf`]: which elements and attributes we read, their
//! types, and the checks across nodes (unique nodeids, names and MACs).

use std::collections::BTreeMap;

use super::tree::{Attr, Element, Locator};
use super::{
    eth, ChrootEnv, ClusterConf, ClusterNode, ComInfo, ConfError, FenceAckServer, Filesystem,
    RootVolume, Scsi, Secret, Ssl, Syslog,
};
use crate::ip::Expected;

/// Reads attributes of one element, reporting errors against it.
pub(super) struct Attrs<'a> {
    pub loc: &'a Locator<'a>,
    pub el: &'a Element,
}

impl Attrs<'_> {
    /// The attribute if given and not blank, with its value trimmed.
    fn given(&self, name: &str) -> Option<(&Attr, &str)> {
        let attr = self.el.attr(name)?;
        let value = attr.value.trim();
        (!value.is_empty()).then_some((attr, value))
    }

    pub fn opt(&self, name: &str) -> Option<String> {
        self.given(name).map(|(_, v)| v.to_string())
    }

    pub fn required(&self, name: &str, example: &str) -> Result<String, ConfError> {
        self.opt(name).ok_or_else(|| {
            self.loc
                .at_element(self.el, format!("no {name}=: expected {example}"))
        })
    }

    pub fn parsed<T>(
        &self,
        name: &str,
        parse: impl Fn(&str) -> Result<T, Expected>,
    ) -> Result<Option<T>, ConfError> {
        match self.given(name) {
            None => Ok(None),
            Some((attr, value)) => parse(value)
                .map(Some)
                .map_err(|expected| self.loc.at_attr(self.el, attr, &expected)),
        }
    }

    pub fn error_at(&self, name: &str, expected: &str) -> ConfError {
        match self.el.attr(name) {
            Some(attr) => self.loc.at_attr(self.el, attr, expected),
            None => self.loc.at_element(self.el, expected.to_string()),
        }
    }
}

pub(super) fn number<T: std::str::FromStr>(
    what: &'static str,
) -> impl Fn(&str) -> Result<T, Expected> {
    move |s| s.parse().map_err(|_| what.to_string())
}

pub(super) fn cluster(loc: &Locator, root: &Element) -> Result<ClusterConf, ConfError> {
    if root.name != "cluster" {
        return Err(loc.at_element(
            root,
            "the top-level element: expected <cluster name=\"...\" config_version=\"...\">"
                .to_string(),
        ));
    }
    let a = Attrs { loc, el: root };
    let mut nodes = Vec::new();
    for list in root.children_named("clusternodes") {
        for el in list.children_named("clusternode") {
            nodes.push(node(loc, el)?);
        }
    }
    if nodes.is_empty() {
        return Err(loc.at_element(
            root,
            "no <clusternode>: expected <clusternodes><clusternode name=\"...\" nodeid=\"...\">"
                .to_string(),
        ));
    }
    check_unique(loc, root, &nodes)?;
    Ok(ClusterConf {
        name: a.required("name", "<cluster name=\"...\" config_version=\"...\">")?,
        config_version: a.parsed("config_version", number("a whole number"))?,
        cluster_type: a.opt("type"),
        nodes,
    })
}

fn node(loc: &Locator, el: &Element) -> Result<ClusterNode, ConfError> {
    let a = Attrs { loc, el };
    let example = "<clusternode name=\"node1\" nodeid=\"1\">";
    let name = a.required("name", example)?;
    let nodeid = a
        .parsed("nodeid", number("a node id, a whole number like 1"))?
        .ok_or_else(|| loc.at_element(el, format!("no nodeid=: expected {example}")))?;
    let mut infos = el.children_named("com_info");
    let com = match infos.next() {
        Some(info) => com_info(loc, info)?,
        None => ComInfo::default(),
    };
    if let Some(second) = infos.next() {
        return Err(loc.at_element(
            second,
            format!("a second <com_info> in {}: expected one", el.describe()),
        ));
    }
    Ok(ClusterNode {
        name,
        nodeid,
        votes: a.parsed("votes", number("a number of votes, a whole number"))?,
        com,
    })
}

/// The single child `name` of `parent`, or an error naming both places.
fn single<'a>(
    loc: &Locator,
    parent: &'a Element,
    name: &'a str,
) -> Result<Option<&'a Element>, ConfError> {
    let mut found = parent.children_named(name);
    let first = found.next();
    match (first, found.next()) {
        (Some(first), Some(second)) => {
            let (line, column) = loc.line_column(first.pos);
            Err(loc.at_element(
                second,
                format!("<{name}> given twice in <com_info>: expected one (the first is at {line}:{column})"),
            ))
        }
        (first, _) => Ok(first),
    }
}

fn com_info(loc: &Locator, info: &Element) -> Result<ComInfo, ConfError> {
    let attrs = |el| Attrs { loc, el };
    let mut com = ComInfo::default();
    if let Some(el) = single(loc, info, "rootvolume")? {
        let a = attrs(el);
        com.rootvolume = Some(RootVolume {
            name: a.required(
                "name",
                "<rootvolume name=\"/dev/vg/lv\"> or name=\"server:/path\"",
            )?,
            fstype: a.opt("fstype"),
            mountopts: a.opt("mountopts"),
        });
    }
    if let Some(el) = single(loc, info, "rootsource")? {
        com.rootsource = Some(attrs(el).required("name", "<rootsource name=\"scsi\">")?);
    }
    for el in info.children_named("eth") {
        com.eths.push(eth::eth(loc, el)?);
    }
    eth::check_unique_names(loc, info, &com.eths)?;
    if let Some(el) = single(loc, info, "syslog")? {
        com.syslog = Some(syslog(&attrs(el)));
    }
    if let Some(el) = single(loc, info, "scsi")? {
        let a = attrs(el);
        com.scsi = Some(Scsi {
            name: a.opt("name"),
            driver: a.opt("driver"),
            failover: a.opt("failover"),
        });
    }
    if let Some(el) = single(loc, info, "chrootenv")? {
        let a = attrs(el);
        com.chrootenv = Some(ChrootEnv {
            mountpoint: a.opt("mountpoint"),
            fstype: a.opt("fstype"),
            device: a.opt("device"),
            chrootdir: a.opt("chrootdir"),
            mountopts: a.opt("mountopts"),
        });
    }
    for list in info.children_named("filesystems") {
        for el in list.children_named("filesystem") {
            com.filesystems.push(filesystem(&attrs(el))?);
        }
    }
    if let Some(el) = single(loc, info, "fenceackserver")? {
        com.fenceackserver = Some(fenceackserver(loc, el)?);
    }
    if let Some(el) = single(loc, info, "hostname")? {
        com.hostname = attrs(el).opt("name");
    }
    Ok(com)
}

fn syslog(a: &Attrs) -> Syslog {
    Syslog {
        servers: a
            .opt("name")
            .map(|n| {
                n.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default(),
        level: a.opt("level"),
        subsys: a.opt("subsys"),
        kind: a.opt("type"),
        filter: a.opt("filter"),
    }
}

fn filesystem(a: &Attrs) -> Result<Filesystem, ConfError> {
    let example = "<filesystem source=\"...\" dest=\"/var\" fstype=\"bind\">";
    Ok(Filesystem {
        dest: a.required("dest", example)?,
        source: a.required("source", example)?,
        fstype: a.opt("fstype"),
        mountopts: a.opt("mountopts"),
        mountwait: a.parsed("mountwait", number("seconds, a whole number"))?,
        mounttimes: a.parsed("mounttimes", number("a number of attempts, a whole number"))?,
    })
}

fn fenceackserver(loc: &Locator, el: &Element) -> Result<FenceAckServer, ConfError> {
    let a = Attrs { loc, el };
    let ssl = match single(loc, el, "ssl")? {
        Some(s) => {
            let s = Attrs { loc, el: s };
            Some(Ssl {
                certfile: s.opt("certfile"),
                keyfile: s.opt("keyfile"),
                verifyfile: s.opt("verifyfile"),
            })
        }
        None => None,
    };
    Ok(FenceAckServer {
        port: a.parsed("port", number("a TCP port, 1-65535"))?,
        user: a.opt("user"),
        // Never parsed, so never in an error message.
        passwd: el
            .attr("passwd")
            .filter(|p| !p.value.is_empty())
            .map(|p| Secret::new(p.value.clone())),
        ssl,
    })
}

/// Nodeids, node names and MACs each belong to one node.
fn check_unique(loc: &Locator, root: &Element, nodes: &[ClusterNode]) -> Result<(), ConfError> {
    // The elements, in the same order as `nodes`, to point at the second of a pair.
    let els: Vec<&Element> = root
        .children_named("clusternodes")
        .flat_map(|l| l.children_named("clusternode"))
        .collect();
    let mut ids = BTreeMap::new();
    let mut names = BTreeMap::new();
    let mut macs = BTreeMap::new();
    for (node, el) in nodes.iter().zip(&els) {
        let a = Attrs { loc, el };
        if let Some(first) = ids.insert(node.nodeid, &node.name) {
            return Err(a.error_at(
                "nodeid",
                &format!("a nodeid of its own (node {first:?} has it too)"),
            ));
        }
        if let Some(first) = names.insert(node.name.as_str(), node.nodeid) {
            return Err(a.error_at(
                "name",
                &format!("a name of its own (nodeid {first} has it too)"),
            ));
        }
        for e in &node.com.eths {
            let Some(mac) = e.mac else { continue };
            match macs.insert(mac, (node.nodeid, &node.name, &e.name)) {
                Some((id, name, iface)) if id != node.nodeid => {
                    return Err(eth::duplicate_mac(loc, el, e, mac, name, iface));
                }
                _ => {}
            }
        }
    }
    Ok(())
}
