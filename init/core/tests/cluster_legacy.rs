//! The published open-sharedroot examples (legacy-sharedroot.md §4) and the tolerant
//! read: which problems stop which node, and which are only warned about.
//!
//! `fc11-example.conf` is the Fedora 11 page's file byte for byte (one line, as the
//! reference gives it, plus the final newline). `bad-fc12-as-published.conf` is the
//! Fedora 12 page byte for byte: it lost `<clusternodes>`, `<com_info>` and every
//! closing tag, so it is not XML. `fc12-example.conf` is that text with only those
//! wrapper lines put back, as the reference says to; its values stay empty.

// Test helpers outside #[test] functions: a panic here is a test failure.
#![allow(clippy::unwrap_used)]

use osr_core::cluster::{parse, ClusterConf, EthIp, IdentityError, Part};
use osr_core::cmdline::Cmdline;
use osr_core::config::Config;
use osr_core::ip::Mac;
use osr_core::plan::{self, Action, Addressing, IfaceSelector, Node};

const FC11: &str = include_str!("fixtures/cluster/fc11-example.conf");
const FC12: &str = include_str!("fixtures/cluster/fc12-example.conf");
const FC12_PUBLISHED: &str = include_str!("fixtures/cluster/bad-fc12-as-published.conf");

/// The one MAC both nodes of both examples give.
const SHARED_MAC: &str = "00:0c:29:c9:c6:f5";

fn mac(s: &str) -> Mac {
    s.parse().unwrap()
}

fn config(cmdline: &str) -> Config {
    Config::from_cmdline(&Cmdline::parse(cmdline)).unwrap()
}

fn node(cmdline: &str, conf: &ClusterConf, nics: &[(&str, &str)]) -> Result<Node, String> {
    let nics: Vec<(String, Mac)> = nics.iter().map(|(n, m)| (n.to_string(), mac(m))).collect();
    plan::identify(&config(cmdline), conf, &nics).map_err(|e| e.to_string())
}

/// Each problem as `line part message`.
fn problems(conf: &ClusterConf) -> Vec<String> {
    conf.problems
        .iter()
        .map(|p| format!("{} {:?} {}", p.error.line, p.part, p.error.message))
        .collect()
}

fn warnings(plan: &plan::Plan) -> Vec<&str> {
    plan.steps
        .iter()
        .filter_map(|s| match &s.action {
            Action::Warn(w) => Some(w.as_str()),
            _ => None,
        })
        .collect()
}

#[test]
fn the_fc11_example_loads_with_its_duplicate_mac_as_a_warning() {
    let conf = parse(FC11).unwrap();
    assert_eq!((conf.name.as_str(), conf.nodes.len()), ("axqad109", 2));
    let node2 = conf.node(2).unwrap();
    assert_eq!(node2.com.eths[0].mac, Some(mac(SHARED_MAC)));
    assert_eq!(
        node2.com.eths[0].ip,
        Some(EthIp::Static("192.168.122.172".parse().unwrap()))
    );
    assert_eq!(
        node2.com.rootvolume.as_ref().unwrap().name,
        "192.168.122.1:/mnt/virtual/nfsosr/fc11"
    );
    assert_eq!(conf.problems.len(), 1, "{:?}", problems(&conf));
    assert_eq!(
        conf.problems[0].error.to_string(),
        "cluster.conf:1:579: <eth name=\"eth0\">: mac=\"00:0C:29:C9:C6:F5\": expected a MAC \
         of this node only (00:0c:29:c9:c6:f5 is also <eth name=\"eth0\"> of node \"node1\")"
    );
    assert_eq!(conf.problems[0].part, Part::Unused);
}

#[test]
fn the_fc11_example_boots_by_nodeid_but_not_by_its_shared_mac() {
    let conf = parse(FC11).unwrap();
    let n = node("nodeid=2", &conf, &[("eth0", SHARED_MAC)]).unwrap();
    assert_eq!((n.node.nodeid, n.hostname.as_str()), (2, "node2"));
    let p = plan::plan_for(&config("nodeid=2"), Some(&n)).unwrap();
    let w = warnings(&p);
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(
        w[0].starts_with("cluster.conf:1:579: <eth name=\"eth0\">: mac=")
            && w[0].ends_with("; ignored: the boot of node 2 does not use it"),
        "{w:?}"
    );
    // Without nodeid= the MAC is needed, and it names two nodes.
    assert_eq!(
        node("", &conf, &[("eth0", SHARED_MAC)]).unwrap_err(),
        "this machine's NICs belong to different nodes of cluster.conf:\n\
         \x20 eth0 00:0c:29:c9:c6:f5 is in node1 (nodeid 1)\n\
         \x20 eth0 00:0c:29:c9:c6:f5 is in node2 (nodeid 2)\n\
         \x20 fix: correct the <eth mac> in cluster.conf, or boot with nodeid="
    );
    // A MAC neither node has does not hit the conflict.
    let err = node("", &conf, &[("eth0", "52:54:00:12:34:56")]).unwrap_err();
    assert!(
        err.starts_with("no <clusternode> of cluster.conf has a MAC"),
        "{err}"
    );
}

#[test]
fn the_fc12_example_loads_with_empty_values_as_not_set() {
    let conf = parse(FC12).unwrap();
    assert_eq!(conf.cluster_type.as_deref(), Some("nfs"));
    for n in &conf.nodes {
        let eth = &n.com.eths[0];
        assert_eq!(
            (eth.ip, eth.mask, eth.gateway, eth.mac),
            (None, None, None, Some(mac(SHARED_MAC)))
        );
        assert_eq!(n.com.rootvolume, None);
    }
    assert_eq!(
        problems(&conf),
        [
            "6 Unused no name=: expected <rootvolume name=\"/dev/vg/lv\"> or name=\"server:/path\"",
            "12 Unused no name=: expected <rootvolume name=\"/dev/vg/lv\"> or name=\"server:/path\"",
            "13 Unused mac=\"00:0C:29:C9:C6:F5\": expected a MAC of this node only \
             (00:0c:29:c9:c6:f5 is also <eth name=\"eth0\"> of node \"node1\")",
        ]
    );
}

#[test]
fn the_fc12_example_boots_node_2_over_dhcp_with_root_from_the_command_line() {
    let conf = parse(FC12).unwrap();
    let cmdline = "nodeid=2 root=nfs:10.77.0.1:/export/rootfs";
    let n = node(cmdline, &conf, &[("eth0", SHARED_MAC)]).unwrap();
    let p = plan::plan_for(&config(cmdline), Some(&n)).unwrap();
    let net = p
        .steps
        .iter()
        .find_map(|s| match &s.action {
            Action::ConfigureNetwork(n) => Some(n),
            _ => None,
        })
        .unwrap();
    assert_eq!(net.select, IfaceSelector::Name("eth0".into()));
    assert!(matches!(net.addressing, Addressing::Dhcp { .. }));
    assert!(p.steps.iter().any(|s| s.action
        == Action::MountCdsl {
            params: Default::default(),
            nodeid: 2,
            given_by: Some("nodeid"),
        }));
    assert_eq!(warnings(&p).len(), 3, "{:?}", warnings(&p));
    // as docs/cluster-conf.md shows it
    assert_eq!(
        warnings(&p)[2],
        "cluster.conf:13:49: <eth name=\"eth0\">: mac=\"00:0C:29:C9:C6:F5\": expected a MAC \
         of this node only (00:0c:29:c9:c6:f5 is also <eth name=\"eth0\"> of node \"node1\"); \
         ignored: the boot of node 2 does not use it"
    );
    // Without root= and without DHCP's root path, the plan says what is missing.
    let err = plan::plan_for(
        &config("nodeid=2 ip=10.0.0.2::10.0.0.1:24::eth0:off"),
        Some(&n),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("no <rootvolume>") && err.contains("give root="),
        "{err}"
    );
}

#[test]
fn the_fc12_page_as_published_is_refused_clearly() {
    let err = parse(FC12_PUBLISHED).unwrap_err().to_string();
    assert_eq!(
        err,
        "cluster.conf:6:10: <clusternode name=\"node2\">: not closed: expected </clusternode> \
         before the end of the file"
    );
    // The loading fixture is that text with only the lost wrapper lines put back.
    let wrappers = [
        "<clusternodes>",
        "<com_info>",
        "</com_info>",
        "</clusternode>",
    ];
    let stripped: Vec<&str> = FC12
        .lines()
        .filter(|l| !wrappers.contains(&l.trim()) && !l.trim().starts_with("</cluster"))
        .collect();
    assert_eq!(stripped.join("\n") + "\n", FC12_PUBLISHED);
}

/// Two nodes; node 1's `<com_info>` is `com1`, node 2's is fine.
fn two(com1: &str) -> ClusterConf {
    parse(&format!(
        "<cluster name=\"c\">\n<clusternodes>\n\
         <clusternode name=\"a\" nodeid=\"1\"><com_info>\n{com1}\n</com_info></clusternode>\n\
         <clusternode name=\"b\" nodeid=\"2\"><com_info>\n\
         <rootvolume name=\"10.0.0.9:/r\"/><eth name=\"eth0\" mac=\"52:54:00:00:00:02\" ip=\"10.0.0.2\"/>\n\
         </com_info></clusternode>\n</clusternodes>\n</cluster>\n"
    ))
    .unwrap()
}

const OK_ROOT: &str = "<rootvolume name=\"10.0.0.9:/r\"/>";
const OK_ETH: &str = "<eth name=\"eth0\" mac=\"52:54:00:00:00:01\" ip=\"10.0.0.1\"/>";

/// label, node 1's `<com_info>`, and per command line whether node 1 boots.
type Case<'a> = (&'a str, String, &'a [(&'a str, bool)]);

#[test]
fn a_problem_stops_only_the_node_whose_boot_uses_it() {
    let root = "root=nfs:10.0.0.9:/r";
    let ip = "ip=10.0.0.1:::24::eth0:off";
    let cases: [Case; 4] = [
        (
            "bad eth: fatal when the eths make the network",
            format!("{OK_ROOT}<eth name=\"eth0\" ip=\"10.0.0.1\" mask=\"255.0.255.0\"/>"),
            &[("", false), (ip, true)],
        ),
        (
            "rootvolume twice: fatal when the root comes from it",
            format!("{OK_ROOT}{OK_ROOT}{OK_ETH}"),
            &[("", false), (root, true)],
        ),
        (
            "bad filesystem: always fatal",
            format!("{OK_ROOT}{OK_ETH}<filesystems><filesystem dest=\"/var\"/></filesystems>"),
            &[("", false), (&format!("{root} {ip}"), false)],
        ),
        (
            "bad fenceackserver: never used",
            format!("{OK_ROOT}{OK_ETH}<fenceackserver port=\"x\"/><scsi/><scsi/>"),
            &[("", true)],
        ),
    ];
    for (label, com1, runs) in cases {
        let conf = two(&com1);
        assert!(!conf.problems.is_empty(), "{label}");
        for (cmdline, boots) in runs {
            let n1 = node(&format!("nodeid=1 {cmdline}"), &conf, &[]);
            match (n1, boots) {
                (Ok(n), true) => {
                    let p = plan::plan_for(&config(&format!("nodeid=1 {cmdline}")), Some(&n));
                    let p = p.unwrap();
                    assert_eq!(warnings(&p).len(), conf.problems.len(), "{label}");
                }
                (Err(e), false) => assert!(
                    e.starts_with("this is node 1, and cluster.conf has errors in what its boot uses:\n  cluster.conf:"),
                    "{label}: {e}"
                ),
                (other, _) => panic!("{label} [{cmdline}]: {other:?}"),
            }
            // Node 2 boots with node 1's problems as warnings, whatever the command line.
            let n2 = node(&format!("nodeid=2 {cmdline}"), &conf, &[]).unwrap();
            assert_eq!(n2.node.nodeid, 2, "{label}");
        }
    }
}

#[test]
fn a_node_left_out_stops_only_its_own_boot() {
    let xml = "<cluster name=\"c\"><clusternodes>\n\
        <clusternode name=\"a\" nodeid=\"1\"><com_info><eth name=\"eth0\" mac=\"52:54:00:00:00:01\"/></com_info></clusternode>\n\
        <clusternode name=\"b\" nodeid=\"one\"><com_info><eth name=\"eth0\" mac=\"52:54:00:00:00:09\"/></com_info></clusternode>\n\
        <clusternode name=\"c\" nodeid=\"1\"><com_info><eth name=\"eth0\" mac=\"52:54:00:00:00:0c\"/></com_info></clusternode>\n\
        <clusternode name=\"d\" nodeid=\"4\"/>\n\
        </clusternodes></cluster>";
    let conf = parse(xml).unwrap();
    let ids: Vec<u32> = conf.nodes.iter().map(|n| n.nodeid).collect();
    assert_eq!(ids, [1, 4]);
    // The unreadable nodeid: its MAC finds a node that cannot boot.
    let err = node("", &conf, &[("eth0", "52:54:00:00:00:09")]).unwrap_err();
    assert!(
        err.starts_with(
            "eth0 52:54:00:00:00:09 is in a <clusternode> that cannot be read: cluster.conf:3:"
        ) && err.contains("nodeid=\"one\""),
        "{err}"
    );
    // nodeid 1 is given twice: neither node 1 can boot, by nodeid= or by either MAC.
    for (cmdline, nic) in [
        ("nodeid=1", "52:54:00:99:99:99"),
        ("", "52:54:00:00:00:01"),
        ("", "52:54:00:00:00:0c"),
    ] {
        let err = node(cmdline, &conf, &[("eth0", nic)]).unwrap_err();
        assert!(
            err.contains("nodeid=\"1\": expected a nodeid of its own"),
            "{err}"
        );
    }
    // Node 4 boots, told about the rest.
    let n4 = node("nodeid=4", &conf, &[]).unwrap();
    let p = plan::plan_for(&config("nodeid=4 ip=dhcp"), Some(&n4)).unwrap();
    assert_eq!(warnings(&p).len(), 2, "{:?}", warnings(&p));
    // An unknown nodeid lists what was left out.
    let err = node("nodeid=7", &conf, &[]).unwrap_err();
    assert!(
        err.contains("left out of cluster.conf:\n    cluster.conf:3:"),
        "{err}"
    );
}

#[test]
fn one_node_left_of_two_is_not_taken_as_the_only_node() {
    let xml = "<cluster name=\"c\"><clusternodes>\
        <clusternode name=\"a\" nodeid=\"1\"/><clusternode nodeid=\"2\"/>\
        </clusternodes></cluster>";
    let conf = parse(xml).unwrap();
    assert_eq!(conf.nodes.len(), 1);
    let err = plan::identify(&config(""), &conf, &[]).unwrap_err();
    assert!(matches!(err, IdentityError::NoMatch { .. }), "{err}");
    assert!(err.to_string().contains("no name="), "{err}");
}

#[test]
fn what_still_refuses_the_whole_file() {
    for (xml, want) in [
        ("<cluster name=\"c\"><clusternodes>", "not closed"),
        ("<cluster><clusternodes><clusternode name=\"a\" nodeid=\"1\"/></clusternodes></cluster>", "no name="),
        ("<cluster name=\"c\"><clusternodes/></cluster>", "no <clusternode>"),
        (
            "<cluster name=\"c\"><clusternodes><clusternode name=\"a\"/><clusternode nodeid=\"x\"/></clusternodes></cluster>",
            "cluster.conf:1:33: <clusternode name=\"a\">: no nodeid=",
        ),
    ] {
        let err = parse(xml).unwrap_err().to_string();
        assert!(err.contains(want), "{xml}: {err}");
    }
}

#[test]
fn both_examples_can_be_stripped_for_an_image() {
    use osr_core::cluster::strip::{as_stripped, strip};
    // A comment of two lines moves every problem up a line once stripped.
    let commented = format!("<!-- fence: admin\n     secret -->\n{FC12}");
    for (label, xml) in [("fc11", FC11.to_string()), ("fc12", commented)] {
        let s = strip(&xml).unwrap_or_else(|e| panic!("{label}: {e}"));
        assert!(
            !s.text.contains("passwd") && !s.text.contains("secret"),
            "{label}"
        );
        let original = as_stripped(parse(&xml).unwrap());
        assert_eq!(parse(&s.text).unwrap().nodes, original.nodes, "{label}");
    }
}
