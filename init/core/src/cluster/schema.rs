//! The element tree to [`ClusterConf`]: which elements and attributes we read, their
//! types, and the checks across nodes (unique nodeids, names and MACs). What does not
//! refuse the whole file is noted as a [`Problem`] and the element left out (see the
//! parent module for which part of a node's boot each one is in).

use std::collections::BTreeMap;

use super::tree::{Attr, Element, Locator};
use super::{
    eth, ChrootEnv, ClusterConf, ClusterNode, ComInfo, ConfError, Eth, FenceAckServer, Filesystem,
    Part, Problem, RootVolume, Scsi, Secret, Ssl, Syslog,
};
use crate::ip::{Expected, Mac};

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

/// One read of the tree: the problems noted so far.
struct Walk<'a> {
    loc: &'a Locator<'a>,
    problems: Vec<Problem>,
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
    let els: Vec<&Element> = root
        .children_named("clusternodes")
        .flat_map(|l| l.children_named("clusternode"))
        .collect();
    if els.is_empty() {
        return Err(loc.at_element(
            root,
            "no <clusternode>: expected <clusternodes><clusternode name=\"...\" nodeid=\"...\">"
                .to_string(),
        ));
    }
    let mut walk = Walk {
        loc,
        problems: Vec::new(),
    };
    let read: Vec<_> = els
        .iter()
        .filter_map(|el| walk.node(el).map(|n| (n, *el)))
        .collect();
    let nodes = walk.unique(read);
    if nodes.is_empty() {
        // Whichever node this machine is, it cannot boot: the first reason is the error.
        let first = walk.problems.into_iter().find(|p| p.part == Part::Node);
        return Err(first.map_or_else(
            || loc.at_element(root, "no <clusternode> can be read".to_string()),
            |p| p.error,
        ));
    }
    let name = a.required("name", "<cluster name=\"...\" config_version=\"...\">")?;
    let config_version = walk
        .keep(
            a.parsed("config_version", number("a whole number")),
            None,
            Part::Unused,
        )
        .flatten();
    let mut problems = walk.problems;
    problems.sort_by_key(|p| (p.error.line, p.error.column));
    Ok(ClusterConf {
        name,
        config_version,
        cluster_type: a.opt("type"),
        nodes,
        problems,
    })
}

/// The MAC an element gives, if it can be read.
fn mac_of(el: &Element) -> Option<Mac> {
    el.attr("mac")
        .and_then(|m| m.value.trim().parse::<Mac>().ok())
        .filter(|m| m.0 != [0; 6])
}

impl Walk<'_> {
    fn note(&mut self, error: ConfError, node: Option<u32>, part: Part, macs: Vec<Mac>) {
        self.problems.push(Problem {
            error,
            node,
            part,
            macs,
        });
    }

    /// The value, or `None` with the error noted.
    fn keep<T>(&mut self, r: Result<T, ConfError>, node: Option<u32>, part: Part) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.note(e, node, part, Vec::new());
                None
            }
        }
    }

    /// The first child `name` of `parent`; each further one is noted and left out.
    fn single<'e>(
        &mut self,
        parent: &'e Element,
        name: &'e str,
        node: Option<u32>,
        part: Part,
    ) -> Option<&'e Element> {
        let mut found = parent.children_named(name);
        let first = found.next()?;
        let (line, column) = self.loc.line_column(first.pos);
        for again in found {
            let e = self.loc.at_element(
                again,
                format!(
                    "<{name}> given twice in {}: expected one (the first is at {line}:{column})",
                    parent.describe()
                ),
            );
            self.note(e, node, part, mac_of(again).into_iter().collect());
        }
        Some(first)
    }

    /// The node, or `None` (noted) when its name or nodeid cannot be read. Its
    /// `<com_info>` is read either way, so a left-out node's MACs are known.
    fn node(&mut self, el: &Element) -> Option<ClusterNode> {
        let loc = self.loc;
        let a = Attrs { loc, el };
        let example = "<clusternode name=\"node1\" nodeid=\"1\">";
        let name = a.required("name", example);
        let nodeid = a
            .parsed("nodeid", number("a node id, a whole number like 1"))
            .and_then(|id| {
                id.ok_or_else(|| loc.at_element(el, format!("no nodeid=: expected {example}")))
            });
        let id = nodeid.as_ref().ok().copied();
        let votes = a.parsed("votes", number("a number of votes, a whole number"));
        let com = match self.single(el, "com_info", id, Part::Node) {
            Some(info) => self.com_info(info, id),
            None => ComInfo::default(),
        };
        match (name, nodeid) {
            (Ok(name), Ok(nodeid)) => Some(ClusterNode {
                name,
                nodeid,
                votes: self.keep(votes, id, Part::Node).flatten(),
                com,
            }),
            (name, nodeid) => {
                let mut macs: Vec<Mac> = com.eths.iter().filter_map(|e| e.mac).collect();
                for e in [name.err(), nodeid.err(), votes.err()]
                    .into_iter()
                    .flatten()
                {
                    self.note(e, id, Part::Node, std::mem::take(&mut macs));
                }
                None
            }
        }
    }

    fn com_info(&mut self, info: &Element, id: Option<u32>) -> ComInfo {
        let loc = self.loc;
        let attrs = |el| Attrs { loc, el };
        let mut com = ComInfo::default();
        if let Some(el) = self.single(info, "rootvolume", id, Part::Root) {
            let a = attrs(el);
            let name = a.required(
                "name",
                "<rootvolume name=\"/dev/vg/lv\"> or name=\"server:/path\"",
            );
            // No name is no rootvolume: the root comes from root= or DHCP, and the plan
            // says so if neither gives one.
            com.rootvolume = self.keep(name, id, Part::Unused).map(|name| RootVolume {
                name,
                fstype: a.opt("fstype"),
                mountopts: a.opt("mountopts"),
            });
        }
        if let Some(el) = self.single(info, "rootsource", id, Part::Unused) {
            com.rootsource = attrs(el).opt("name");
        }
        com.eths = self.eths(info, id);
        if let Some(el) = self.single(info, "syslog", id, Part::Unused) {
            com.syslog = Some(syslog(&attrs(el)));
        }
        if let Some(el) = self.single(info, "scsi", id, Part::Unused) {
            let a = attrs(el);
            com.scsi = Some(Scsi {
                name: a.opt("name"),
                driver: a.opt("driver"),
                failover: a.opt("failover"),
            });
        }
        if let Some(el) = self.single(info, "chrootenv", id, Part::Unused) {
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
                let fs = filesystem(&attrs(el));
                com.filesystems.extend(self.keep(fs, id, Part::Filesystems));
            }
        }
        if let Some(el) = self.single(info, "fenceackserver", id, Part::Unused) {
            let fas = self.fenceackserver(el, id);
            com.fenceackserver = self.keep(fas, id, Part::Unused);
        }
        if let Some(el) = self.single(info, "hostname", id, Part::Unused) {
            com.hostname = attrs(el).opt("name");
        }
        com
    }

    /// The `<eth>`s that can be read, each name once.
    fn eths(&mut self, info: &Element, id: Option<u32>) -> Vec<Eth> {
        let mut eths: Vec<Eth> = Vec::new();
        for el in info.children_named("eth") {
            let macs = mac_of(el).into_iter().collect();
            match eth::eth(self.loc, el) {
                Ok(e) if eths.iter().any(|o| o.name == e.name) => {
                    let a = Attrs { loc: self.loc, el };
                    let err = a.error_at("name", "a name used by one <eth> only");
                    self.note(err, id, Part::Network, macs);
                }
                Ok(e) => eths.push(e),
                Err(err) => self.note(err, id, Part::Network, macs),
            }
        }
        eths
    }

    fn fenceackserver(
        &mut self,
        el: &Element,
        id: Option<u32>,
    ) -> Result<FenceAckServer, ConfError> {
        let a = Attrs { loc: self.loc, el };
        let ssl = self.single(el, "ssl", id, Part::Unused).map(|s| {
            let s = Attrs {
                loc: self.loc,
                el: s,
            };
            Ssl {
                certfile: s.opt("certfile"),
                keyfile: s.opt("keyfile"),
                verifyfile: s.opt("verifyfile"),
            }
        });
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

    /// Nodeids, node names and MACs each belong to one node. A second node with a
    /// nodeid is left out; one with a name is kept (it cannot boot, the others can);
    /// a MAC on two nodes is noted, and stops only the boot that finds its node by it.
    fn unique(&mut self, nodes: Vec<(ClusterNode, &Element)>) -> Vec<ClusterNode> {
        let loc = self.loc;
        let mut out: Vec<ClusterNode> = Vec::new();
        let mut names = BTreeMap::new();
        let mut macs = BTreeMap::new();
        for (node, el) in nodes {
            let a = Attrs { loc, el };
            let id = Some(node.nodeid);
            if let Some(first) = out.iter().find(|n| n.nodeid == node.nodeid) {
                let e = a.error_at(
                    "nodeid",
                    &format!("a nodeid of its own (node {:?} has it too)", first.name),
                );
                let left_out = node.com.eths.iter().filter_map(|e| e.mac).collect();
                self.note(e, id, Part::Node, left_out);
                continue;
            }
            if let Some(first) = names.insert(node.name.clone(), node.nodeid) {
                let e = a.error_at(
                    "name",
                    &format!("a name of its own (nodeid {first} has it too)"),
                );
                self.note(e, id, Part::Node, Vec::new());
            }
            for e in &node.com.eths {
                let Some(mac) = e.mac else { continue };
                match macs.insert(mac, (node.nodeid, node.name.clone(), e.name.clone())) {
                    Some((other, name, iface)) if other != node.nodeid => {
                        let err = eth::duplicate_mac(loc, el, e, mac, &name, &iface);
                        self.note(err, id, Part::Unused, Vec::new());
                    }
                    _ => {}
                }
            }
            out.push(node);
        }
        out
    }
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
