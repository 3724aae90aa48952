//! cluster.conf parsing and node identification against the fixtures in
//! `tests/fixtures/cluster/` (each says which legacy sample it is modelled on).

// Test helpers outside #[test] functions: a panic here is a test failure.
#![allow(clippy::unwrap_used)]

use std::net::IpAddr;

use osr_core::cluster::{
    hostname, identify, parse, ChrootEnv, ClusterConf, ClusterNode, ComInfo, Eth, EthIp,
    FenceAckServer, Filesystem, Identity, RootVolume, Scsi, Secret, Source, Ssl, Syslog,
};
use osr_core::ip::Mac;

const GFS: &str = include_str!("fixtures/cluster/gfs-bonding.conf");
const NFS: &str = include_str!("fixtures/cluster/osr-nfs.conf");
const SINGLE: &str = include_str!("fixtures/cluster/single-node.conf");

fn mac(s: &str) -> Mac {
    s.parse().unwrap()
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn s(v: &str) -> Option<String> {
    Some(v.to_string())
}

fn eth(name: &str) -> Eth {
    Eth {
        name: name.to_string(),
        mac: None,
        ip: None,
        mask: None,
        gateway: None,
        driver: None,
        master: None,
        slave: false,
        kind: None,
        bridge: None,
        mtu: None,
        onboot: true,
        properties: vec![],
    }
}

fn slave(name: &str, m: &str) -> Eth {
    Eth {
        mac: Some(mac(m)),
        master: s("bond0"),
        slave: true,
        ..eth(name)
    }
}

fn props(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn gfs_root() -> Option<RootVolume> {
    Some(RootVolume {
        name: "/dev/VG_SHAREDROOT/LV_SHAREDROOT".to_string(),
        fstype: s("gfs"),
        mountopts: s("noatime,nodiratime,noquota"),
    })
}

fn syslog(servers: &[&str]) -> Syslog {
    Syslog {
        servers: servers.iter().map(|x| x.to_string()).collect(),
        level: None,
        subsys: None,
        kind: None,
        filter: None,
    }
}

#[test]
fn gfs_cluster_with_bonding() {
    let node1 = ClusterNode {
        name: "gfs-node1".to_string(),
        nodeid: 1,
        votes: Some(1),
        com: ComInfo {
            rootvolume: gfs_root(),
            rootsource: s("scsi"),
            eths: vec![
                Eth {
                    mac: Some(mac("00:0c:29:3b:11:01")),
                    ip: Some(EthIp::Static(ip("10.0.0.1"))),
                    mask: Some(24),
                    gateway: Some(ip("10.0.0.254")),
                    properties: props(&[("BONDING_OPTS", "miimon=100 mode=1")]),
                    ..eth("bond0")
                },
                Eth {
                    driver: s("e1000"),
                    ..slave("eth0", "00:0C:29:3B:11:01")
                },
                Eth {
                    driver: s("e1000"),
                    ..slave("eth1", "00:0C:29:3B:11:02")
                },
                Eth {
                    mac: Some(mac("00:0C:29:3B:11:01")),
                    ip: Some(EthIp::Static(ip("192.168.254.233"))),
                    mask: Some(32),
                    ..eth("bond0.45")
                },
            ],
            syslog: Some(Syslog {
                level: s("info"),
                kind: s("rsyslogd"),
                filter: s("*.info"),
                ..syslog(&["syslog1.example.com", "syslog2.example.com"])
            }),
            scsi: Some(Scsi {
                name: None,
                driver: s("qla2xxx"),
                failover: s("mapper"),
            }),
            chrootenv: Some(ChrootEnv {
                mountpoint: s("/var/comoonics/chroot"),
                fstype: s("ext3"),
                device: s("/dev/sda2"),
                chrootdir: s("/var/comoonics/chroot"),
                mountopts: None,
            }),
            filesystems: vec![
                Filesystem {
                    dest: "/var".to_string(),
                    source: "/cluster/cdsl/%(param0)s/var".to_string(),
                    fstype: s("bind"),
                    mountopts: s("default"),
                    mountwait: Some(1),
                    mounttimes: Some(1),
                },
                Filesystem {
                    dest: "/tmp".to_string(),
                    source: "/dev/vg_local/lv_tmp".to_string(),
                    fstype: s("ext3"),
                    mountopts: s("defaults"),
                    mountwait: Some(5),
                    mounttimes: Some(3),
                },
            ],
            fenceackserver: Some(FenceAckServer {
                port: Some(12242),
                user: s("root"),
                passwd: Some(Secret::new("s3cr3t-fence-ack")),
                ssl: Some(Ssl {
                    certfile: s("/etc/fenceacksv/server.pem"),
                    keyfile: s("/etc/fenceacksv/server.key"),
                    verifyfile: s("/etc/fenceacksv/ca.pem"),
                }),
            }),
            hostname: None,
        },
    };
    let node2 = ClusterNode {
        name: "gfs-node2".to_string(),
        nodeid: 2,
        votes: Some(1),
        com: ComInfo {
            rootvolume: gfs_root(),
            eths: vec![
                Eth {
                    mac: Some(mac("00:0C:29:3C:16:07")),
                    ip: Some(EthIp::Static(ip("10.0.0.2"))),
                    mask: Some(24),
                    gateway: Some(ip("10.0.0.254")),
                    properties: props(&[(
                        "BONDING_OPTS",
                        "mode=active-backup miimon=100 primary=eth0",
                    )]),
                    ..eth("bond0")
                },
                slave("eth0", "00:0C:29:3C:16:07"),
                slave("eth1", "00:0C:29:3C:16:08"),
            ],
            syslog: Some(syslog(&["syslog1.example.com"])),
            fenceackserver: Some(FenceAckServer {
                port: None,
                user: s("root"),
                passwd: Some(Secret::new("s3cr3t-fence-ack")),
                ssl: None,
            }),
            ..ComInfo::default()
        },
    };
    let node3 = ClusterNode {
        name: "gfs-node3".to_string(),
        nodeid: 3,
        votes: Some(2),
        com: ComInfo {
            rootvolume: Some(RootVolume {
                name: "/dev/VG_SHAREDROOT/LV_SHAREDROOT".to_string(),
                fstype: None,
                mountopts: None,
            }),
            eths: vec![Eth {
                mac: Some(mac("00:0C:29:93:1A:47")),
                ip: Some(EthIp::Static(ip("10.0.0.3"))),
                mask: Some(24),
                driver: s("bnx2"),
                ..eth("eth0")
            }],
            ..ComInfo::default()
        },
    };
    let expected = ClusterConf {
        name: "gfs_cluster".to_string(),
        config_version: Some(20),
        cluster_type: s("gfs"),
        nodes: vec![node1, node2, node3],
        problems: vec![],
    };
    assert_eq!(parse(GFS).unwrap(), expected);
}

#[test]
fn nfs_cluster_with_dhcp_and_mac_spellings() {
    let nfs_root = || {
        Some(RootVolume {
            name: "10.0.2.2:/srv/sharedroot".to_string(),
            fstype: s("nfs"),
            mountopts: s("nolock,vers=3"),
        })
    };
    let node1 = ClusterNode {
        name: "nfs-node1".to_string(),
        nodeid: 1,
        votes: None,
        com: ComInfo {
            rootvolume: nfs_root(),
            syslog: Some(syslog(&["10.0.2.2"])),
            eths: vec![
                Eth {
                    ip: Some(EthIp::Dhcp),
                    mac: Some(mac("52:54:00:0A:00:01")),
                    mtu: Some(1500),
                    properties: props(&[
                        ("DELAY", "0"),
                        ("MASTER", "no"),
                        ("PEERDNS", "no"),
                        ("ETHTOOL_OPTS", "-K eth0 gro off"),
                        ("MTU", "1500"),
                    ]),
                    ..eth("eth0")
                },
                Eth {
                    ip: Some(EthIp::Dhcp),
                    mac: Some(mac("52:54:00:0a:01:01")),
                    onboot: false,
                    properties: props(&[("DELAY", "0")]),
                    ..eth("eth1")
                },
            ],
            ..ComInfo::default()
        },
    };
    let node2 = ClusterNode {
        name: "nfs-node2".to_string(),
        nodeid: 2,
        votes: None,
        com: ComInfo {
            rootvolume: nfs_root(),
            eths: vec![Eth {
                ip: Some(EthIp::Static(ip("10.0.2.12"))),
                mask: Some(24),
                gateway: Some(ip("10.0.2.2")),
                mac: Some(mac("52:54:00:0a:00:02")),
                mtu: Some(9000),
                kind: s("Ethernet"),
                ..eth("eth0")
            }],
            ..ComInfo::default()
        },
    };
    let node3 = ClusterNode {
        name: "nfs-node3".to_string(),
        nodeid: 3,
        votes: None,
        com: ComInfo {
            rootvolume: Some(RootVolume {
                name: "[fd00::2]:/srv/sharedroot".to_string(),
                fstype: s("nfs4"),
                mountopts: s("proto=tcp6"),
            }),
            eths: vec![
                Eth {
                    ip: Some(EthIp::Static(ip("fd00::13"))),
                    mask: Some(64),
                    gateway: Some(ip("fd00::1")),
                    mac: Some(mac("52:54:00:0a:00:0b")),
                    ..eth("eth0")
                },
                Eth {
                    ip: Some(EthIp::Static(ip("10.0.3.13"))),
                    mask: Some(24),
                    kind: s("Bridge"),
                    ..eth("br0")
                },
                Eth {
                    mac: Some(mac("52:54:00:0a:01:03")),
                    bridge: s("br0"),
                    ..eth("eth1")
                },
            ],
            hostname: s("nfs-node3.example.com"),
            ..ComInfo::default()
        },
    };
    let expected = ClusterConf {
        name: "nfscluster".to_string(),
        config_version: Some(3),
        cluster_type: s("osr"),
        nodes: vec![node1, node2, node3],
        problems: vec![],
    };
    assert_eq!(parse(NFS).unwrap(), expected);
}

#[test]
fn one_node_cluster() {
    let expected = ClusterConf {
        name: "osrlocalfs".to_string(),
        config_version: Some(1),
        cluster_type: None,
        nodes: vec![ClusterNode {
            name: "localnode1".to_string(),
            nodeid: 1,
            votes: None,
            com: ComInfo {
                syslog: Some(syslog(&["syslog-server"])),
                rootvolume: Some(RootVolume {
                    name: "/dev/hdb".to_string(),
                    fstype: s("ext3"),
                    mountopts: None,
                }),
                eths: vec![Eth {
                    ip: Some(EthIp::Dhcp),
                    ..eth("eth0")
                }],
                fenceackserver: Some(FenceAckServer {
                    port: None,
                    user: s("root"),
                    passwd: Some(Secret::new("test123")),
                    ssl: None,
                }),
                ..ComInfo::default()
            },
        }],
        problems: vec![],
    };
    assert_eq!(parse(SINGLE).unwrap(), expected);
}

#[test]
fn the_fenceack_password_never_prints() {
    let conf = parse(GFS).unwrap();
    let debug = format!("{conf:?}");
    let pretty = format!("{conf:#?}");
    assert!(!debug.contains("s3cr3t"), "{debug}");
    assert!(!pretty.contains("s3cr3t"), "{pretty}");
    assert!(debug.contains("passwd: Some(***)"), "{debug}");
    let fas = conf.nodes[0].com.fenceackserver.as_ref().unwrap();
    let passwd = fas.passwd.as_ref().unwrap();
    assert_eq!(passwd.to_string(), "***");
    assert_eq!(passwd.expose(), "s3cr3t-fence-ack");
}

#[test]
fn bonding_opts_as_pairs() {
    let conf = parse(GFS).unwrap();
    let pairs = |n: usize| conf.nodes[n].com.eths[0].bonding_opts();
    assert_eq!(pairs(0), props(&[("miimon", "100"), ("mode", "1")]));
    assert_eq!(
        pairs(1),
        props(&[
            ("mode", "active-backup"),
            ("miimon", "100"),
            ("primary", "eth0")
        ])
    );
    assert_eq!(conf.nodes[0].com.eths[1].bonding_opts(), vec![]);
}

#[test]
fn filesystem_source_for_a_node() {
    let conf = parse(GFS).unwrap();
    let fs = &conf.nodes[0].com.filesystems;
    assert_eq!(fs[0].source_for(1), "/cluster/cdsl/1/var");
    assert_eq!(fs[0].source_for(12), "/cluster/cdsl/12/var");
    assert_eq!(fs[1].source_for(1), "/dev/vg_local/lv_tmp");
}

/// A minimal cluster around `com_info` content for node 1, and a second node.
fn conf_with(com_info: &str) -> String {
    format!(
        "<cluster name=\"c\" config_version=\"1\">\n<clusternodes>\n\
         <clusternode name=\"n1\" nodeid=\"1\">\n<com_info>\n{com_info}\n</com_info>\n\
         </clusternode>\n<clusternode name=\"n2\" nodeid=\"2\"/>\n</clusternodes>\n</cluster>\n"
    )
}

#[test]
fn entities_unknown_elements_and_attributes() {
    let conf = parse(&conf_with(
        "<eth name=\"eth0\" colour=\"blue\" mac=\"52:54:00:12:34:56\">\n\
         <properties><property>BONDING_OPTS=&quot;mode=1 miimon=100&quot;</property>\
         <property name=\"X\"><![CDATA[a<b]]>&#x21;</property></properties>\n\
         <unknown><eth name=\"hidden\"/></unknown>\n</eth>\n<quorumd votes=\"1\"/>\n\
         <syslog name=\" a , b,, \" level=\"\"/>",
    ))
    .unwrap();
    let com = &conf.nodes[0].com;
    assert_eq!(
        com.eths,
        [Eth {
            mac: Some(mac("52:54:00:12:34:56")),
            properties: props(&[("BONDING_OPTS", "mode=1 miimon=100"), ("X", "a<b!")]),
            ..eth("eth0")
        }]
    );
    assert_eq!(com.syslog, Some(syslog(&["a", "b"])));
    assert_eq!(conf.nodes[1].com, ComInfo::default());
}

#[test]
fn an_all_zero_mac_is_no_mac() {
    let xml = "<cluster name=\"c\"><clusternodes>\
        <clusternode name=\"a\" nodeid=\"1\"><com_info><eth name=\"eth0\" mac=\"00:00:00:00:00:00\"/></com_info></clusternode>\
        <clusternode name=\"b\" nodeid=\"2\"><com_info><eth name=\"eth0\" mac=\"00-00-00-00-00-00\"/></com_info></clusternode>\
        </clusternodes></cluster>";
    let conf = parse(xml).unwrap();
    assert_eq!(conf.nodes[0].com.eths[0].mac, None);
    assert_eq!(conf.nodes[1].com.eths[0].mac, None);
}

/// What refuses the file, else its first problem (what a node may not boot with).
fn error(xml: &str) -> String {
    match parse(xml) {
        Err(e) => e.to_string(),
        Ok(conf) => conf.problems.first().unwrap().error.to_string(),
    }
}

fn fixture_error(name: &str) -> String {
    let text = std::fs::read_to_string(format!(
        "{}/tests/fixtures/cluster/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    error(&text)
}

#[test]
fn malformed_fixtures() {
    let cases = [
        (
            "bad-unclosed.conf",
            "cluster.conf:14:3: <clusternode name=\"nfs-node2\">: </clusternodes> closes the \
             <clusternode> of 10:5: expected </clusternode>",
        ),
        (
            "bad-mac.conf",
            "cluster.conf:12:51: <eth name=\"eth0\">: mac=\"00:0C:29:3B:XX:XX\": expected a MAC \
             address like 52:54:00:12:34:56",
        ),
        (
            "bad-duplicate-nodeid.conf",
            "cluster.conf:13:57: <clusternode name=\"gfs-node3\">: nodeid=\"2\": expected a \
             nodeid of its own (node \"gfs-node2\" has it too)",
        ),
        (
            "bad-attribute.conf",
            "cluster.conf:5:45: <clusternode name=\"ocfs2-node1\">: nodeid=1 unquoted: expected \
             nodeid=\"1\"",
        ),
    ];
    for (file, expected) in cases {
        assert_eq!(fixture_error(file), expected, "failed testcase: {file}");
    }
}

#[test]
fn error_fields() {
    let conf = parse(&conf_with("<eth name=\"eth0\" mtu=\"9\"/>")).unwrap();
    let e = &conf.problems[0].error;
    assert_eq!((e.line, e.column), (5, 18));
    assert_eq!(e.element, "<eth name=\"eth0\">");
    assert_eq!(e.message, "mtu=\"9\": expected an MTU between 68 and 65535");
}

/// Each case: label, com_info content of node 1 (line 5 on), expected message.
#[test]
fn bad_values_in_com_info() {
    let cases = [
        (
            "bad ip",
            "<eth name=\"eth0\" ip=\"10.0.0.300\"/>",
            "cluster.conf:5:18: <eth name=\"eth0\">: ip=\"10.0.0.300\": expected an IPv4 or \
             IPv6 address, or dhcp",
        ),
        (
            "dotted mask with holes",
            "<eth name=\"eth0\" ip=\"10.0.0.1\" mask=\"255.0.255.0\"/>",
            "cluster.conf:5:32: <eth name=\"eth0\">: mask=\"255.0.255.0\": expected a netmask \
             like 255.255.255.0 or a prefix length 0-32",
        ),
        (
            "IPv6 prefix too long",
            "<eth name=\"eth0\" ip=\"fd00::1\" mask=\"129\"/>",
            "cluster.conf:5:31: <eth name=\"eth0\">: mask=\"129\": expected a prefix length 0-128",
        ),
        (
            "bad gateway",
            "<eth name=\"eth0\" gateway=\"router\"/>",
            "cluster.conf:5:18: <eth name=\"eth0\">: gateway=\"router\": expected an IPv4 or IPv6 \
             address",
        ),
        (
            "MTU not a number",
            "<eth name=\"eth0\" mtu=\"jumbo\"/>",
            "cluster.conf:5:18: <eth name=\"eth0\">: mtu=\"jumbo\": expected an MTU between 68 \
             and 65535",
        ),
        (
            "MTU property out of range",
            "<eth name=\"eth0\">\n  <properties><property>MTU=70000</property></properties>\n</eth>",
            "cluster.conf:5:1: <eth name=\"eth0\">: property MTU=\"70000\": expected an MTU \
             between 68 and 65535",
        ),
        (
            "slave without master",
            "<eth name=\"eth0\" slave=\"yes\"/>",
            "cluster.conf:5:18: <eth name=\"eth0\">: slave=\"yes\": expected master= naming the \
             bond as well",
        ),
        (
            "onboot not yes/no",
            "<eth name=\"eth0\" onboot=\"sometimes\"/>",
            "cluster.conf:5:18: <eth name=\"eth0\">: onboot=\"sometimes\": expected yes or no",
        ),
        (
            "eth without a name",
            "<eth mac=\"52:54:00:12:34:56\"/>",
            "cluster.conf:5:1: <eth>: no name=: expected <eth name=\"eth0\" mac=\"...\" \
             ip=\"...\">",
        ),
        (
            "two eths named eth0",
            "<eth name=\"eth0\"/>\n<eth name=\"eth0\" ip=\"dhcp\"/>",
            "cluster.conf:6:6: <eth name=\"eth0\">: name=\"eth0\": expected a name used by one \
             <eth> only",
        ),
        (
            "BONDING_OPTS word without =",
            "<eth name=\"bond0\"><properties>\n\
             <property name=\"BONDING_OPTS\">BONDING_OPTS=\"miimon100 mode=1\"</property>\n\
             </properties></eth>",
            "cluster.conf:6:1: <property name=\"BONDING_OPTS\">: BONDING_OPTS=\"miimon100 \
             mode=1\": expected BONDING_OPTS as space-separated option=value pairs like \
             \"miimon=100 mode=1\"",
        ),
        (
            "property without KEY= or name",
            "<eth name=\"eth0\"><properties>\n<property>yes</property></properties></eth>",
            "cluster.conf:6:1: <property>: yes: expected KEY=\"value\" as the text, or a name= \
             attribute",
        ),
        (
            "property value with an open quote",
            "<eth name=\"eth0\"><properties>\n\
             <property>ETHTOOL_OPTS=\"-K eth0 gro off</property></properties></eth>",
            "cluster.conf:6:1: <property>: ETHTOOL_OPTS=\"-K eth0 gro off: expected a value \
             with its closing \" quote",
        ),
        (
            "property key not an ifcfg name",
            "<eth name=\"eth0\"><properties>\n<property name=\"my key\">1</property>\
             </properties></eth>",
            "cluster.conf:6:1: <property name=\"my key\">: 1: expected an ifcfg KEY of \
             letters, digits and '_', got \"my key\"",
        ),
        (
            "rootvolume twice",
            "<rootvolume name=\"/dev/sda1\"/>\n  <rootvolume name=\"/dev/sdb1\"/>",
            "cluster.conf:6:3: <rootvolume name=\"/dev/sdb1\">: <rootvolume> given twice in \
             <com_info>: expected one (the first is at 5:1)",
        ),
        (
            "rootvolume without name",
            "<rootvolume fstype=\"nfs\"/>",
            "cluster.conf:5:1: <rootvolume>: no name=: expected <rootvolume name=\"/dev/vg/lv\"> \
             or name=\"server:/path\"",
        ),
        (
            "mountwait not a number",
            "<filesystems><filesystem dest=\"/var\" source=\"/x\" mountwait=\"soon\"/></filesystems>",
            "cluster.conf:5:50: <filesystem dest=\"/var\">: mountwait=\"soon\": expected \
             seconds, a whole number",
        ),
        (
            "filesystem without source",
            "<filesystems>\n<filesystem dest=\"/var\"/></filesystems>",
            "cluster.conf:6:1: <filesystem dest=\"/var\">: no source=: expected <filesystem \
             source=\"...\" dest=\"/var\" fstype=\"bind\">",
        ),
        (
            "fenceackserver port",
            "<fenceackserver user=\"root\" passwd=\"pw\" port=\"70000\"/>",
            "cluster.conf:5:41: <fenceackserver>: port=\"70000\": expected a TCP port, 1-65535",
        ),
        (
            "unknown entity",
            "<eth name=\"eth0\"><properties><property>A=&nbsp;</property></properties></eth>",
            "cluster.conf:5:42: <property>: unknown entity &nbsp;: expected &amp; &lt; &gt; \
             &quot; &apos; or a character reference",
        ),
        (
            "a column counts characters, not bytes",
            "<!-- Knoten für gfs --><eth name=\"eth0\" ip=\"x\"/>",
            "cluster.conf:5:41: <eth name=\"eth0\">: ip=\"x\": expected an IPv4 or IPv6 \
             address, or dhcp",
        ),
    ];
    for (label, com_info, expected) in cases {
        assert_eq!(
            error(&conf_with(com_info)),
            expected,
            "failed testcase: {label}"
        );
    }
}

/// Each case: label, whole file, expected message.
#[test]
fn bad_structure() {
    let cases = [
        (
            "unclosed at the end",
            "<cluster name=\"c\">\n  <clusternodes>\n",
            "cluster.conf:2:3: <clusternodes>: not closed: expected </clusternodes> before the \
             end of the file",
        ),
        (
            "end tag with nothing open",
            "<cluster name=\"c\"/>\n</cluster>",
            "cluster.conf:2:1: </cluster> without an open <cluster>",
        ),
        (
            "tag cut off",
            "<cluster name=\"c\">\n  <clusternodes\n",
            "cluster.conf:2:3: <cluster name=\"c\">: a tag without its closing '>': expected \
             <name attr=\"value\"...>",
        ),
        (
            "attribute twice",
            "<cluster name=\"c\" name=\"d\">\n</cluster>",
            "cluster.conf:1:19: <cluster name=\"c\">: name given twice: expected it once (the \
             first is at 1:10)",
        ),
        (
            "attribute without value",
            "<cluster name=\"c\" config_version>\n</cluster>",
            "cluster.conf:1:19: <cluster name=\"c\">: config_version without a value: expected \
             config_version=\"...\"",
        ),
        (
            "empty file",
            "",
            "cluster.conf:1:1: no element: expected a <cluster> element",
        ),
        (
            "text outside the root",
            "<cluster name=\"c\"/>\ngarbage",
            "cluster.conf:1:20: text \"garbage\" outside the <cluster> element: expected only \
             markup there",
        ),
        (
            "two roots",
            "<cluster name=\"c\"/>\n<cluster name=\"d\"/>",
            "cluster.conf:2:1: <cluster name=\"d\">: a second top-level element: expected only \
             the <cluster> at 1:1",
        ),
        (
            "unknown entity in an attribute",
            "<cluster name=\"a&nbsp;b\"/>",
            "cluster.conf:1:10: <cluster>: name=\"a&nbsp;b\": expected only the entities \
             &amp; &lt; &gt; &quot; &apos; or a character reference (at 2..6: unrecognized \
             entity `nbsp`)",
        ),
        (
            "not a cluster",
            "<?xml version=\"1.0\"?>\n<clusternodes/>",
            "cluster.conf:2:1: <clusternodes>: the top-level element: expected <cluster \
             name=\"...\" config_version=\"...\">",
        ),
        (
            "no nodes",
            "<cluster name=\"c\">\n<clusternodes/>\n</cluster>",
            "cluster.conf:1:1: <cluster name=\"c\">: no <clusternode>: expected \
             <clusternodes><clusternode name=\"...\" nodeid=\"...\">",
        ),
        (
            "cluster without name",
            "<cluster config_version=\"1\"><clusternodes><clusternode name=\"a\" nodeid=\"1\"/>\
             </clusternodes></cluster>",
            "cluster.conf:1:1: <cluster>: no name=: expected <cluster name=\"...\" \
             config_version=\"...\">",
        ),
        (
            "config_version not a number",
            "<cluster name=\"c\" config_version=\"v2\"><clusternodes>\
             <clusternode name=\"a\" nodeid=\"1\"/></clusternodes></cluster>",
            "cluster.conf:1:19: <cluster name=\"c\">: config_version=\"v2\": expected a whole \
             number",
        ),
        (
            "node without name",
            "<cluster name=\"c\"><clusternodes>\n  <clusternode nodeid=\"1\"/>\
             </clusternodes></cluster>",
            "cluster.conf:2:3: <clusternode nodeid=\"1\">: no name=: expected <clusternode \
             name=\"node1\" nodeid=\"1\">",
        ),
        (
            "node without nodeid",
            "<cluster name=\"c\"><clusternodes>\n  <clusternode name=\"gfs-node3\"/>\
             </clusternodes></cluster>",
            "cluster.conf:2:3: <clusternode name=\"gfs-node3\">: no nodeid=: expected \
             <clusternode name=\"node1\" nodeid=\"1\">",
        ),
        (
            "nodeid not a number",
            "<cluster name=\"c\"><clusternodes>\n  <clusternode name=\"a\" nodeid=\"one\"/>\
             </clusternodes></cluster>",
            "cluster.conf:2:25: <clusternode name=\"a\">: nodeid=\"one\": expected a node id, a \
             whole number like 1",
        ),
        (
            "negative votes",
            "<cluster name=\"c\"><clusternodes>\n  <clusternode name=\"a\" nodeid=\"1\" \
             votes=\"-1\"/></clusternodes></cluster>",
            "cluster.conf:2:36: <clusternode name=\"a\">: votes=\"-1\": expected a number of \
             votes, a whole number",
        ),
        (
            "two nodes with one name",
            "<cluster name=\"c\"><clusternodes>\n<clusternode name=\"a\" nodeid=\"1\"/>\n\
             <clusternode nodeid=\"2\" name=\"a\"/></clusternodes></cluster>",
            "cluster.conf:3:25: <clusternode name=\"a\">: name=\"a\": expected a name of its own \
             (nodeid 1 has it too)",
        ),
        (
            "two nodes with one MAC",
            "<cluster name=\"c\"><clusternodes>\n\
             <clusternode name=\"a\" nodeid=\"1\"><com_info>\
             <eth name=\"eth0\" mac=\"52:54:00:12:34:56\"/></com_info></clusternode>\n\
             <clusternode name=\"b\" nodeid=\"2\"><com_info>\n\
             <eth name=\"eth1\" mac=\"52-54-00-12-34-56\"/></com_info></clusternode>\n\
             </clusternodes></cluster>",
            "cluster.conf:4:18: <eth name=\"eth1\">: mac=\"52-54-00-12-34-56\": expected a MAC \
             of this node only (52:54:00:12:34:56 is also <eth name=\"eth0\"> of node \"a\")",
        ),
        (
            "two com_info",
            "<cluster name=\"c\"><clusternodes>\n<clusternode name=\"a\" nodeid=\"1\">\
             <com_info/>\n<com_info/></clusternode></clusternodes></cluster>",
            "cluster.conf:3:1: <com_info>: <com_info> given twice in <clusternode name=\"a\">: \
             expected one (the first is at 2:34)",
        ),
    ];
    for (label, xml, expected) in cases {
        assert_eq!(error(xml), expected, "failed testcase: {label}");
    }
}

#[test]
fn nesting_is_bounded() {
    let deep = format!("<cluster name=\"c\">\n{}", "<a>".repeat(70));
    assert_eq!(
        error(&deep),
        "cluster.conf:2:190: <a>: nested more than 64 deep: expected at most 64 levels"
    );
}

#[test]
fn crlf_line_endings() {
    let xml =
        "<cluster name=\"c\">\r\n<clusternodes>\r\n  <clusternode name=\"a\" nodeid=\"x\"/>\r\n\
               </clusternodes>\r\n</cluster>\r\n";
    assert_eq!(
        error(xml),
        "cluster.conf:3:25: <clusternode name=\"a\">: nodeid=\"x\": expected a node id, a whole \
         number like 1"
    );
}

fn nic(name: &str, m: &str) -> (String, Mac) {
    (name.to_string(), mac(m))
}

fn who(
    conf: &ClusterConf,
    nodeid: Option<&str>,
    com: Option<&str>,
    nics: &[(String, Mac)],
) -> Identity {
    identify(conf, nodeid, com, nics).unwrap()
}

#[test]
fn identity_from_nodeid_params() {
    let conf = parse(GFS).unwrap();
    // node 1's MAC is present, but nodeid= comes first, then com-nodeid=.
    let nics = [nic("eth0", "00:0c:29:3b:11:01")];
    let id = who(&conf, Some("2"), Some("3"), &nics);
    assert_eq!(
        id,
        Identity {
            nodeid: 2,
            node_name: "gfs-node2".to_string(),
            how: Source::Param
        }
    );
    let id = who(&conf, None, Some("3"), &nics);
    assert_eq!(
        id,
        Identity {
            nodeid: 3,
            node_name: "gfs-node3".to_string(),
            how: Source::ComParam
        }
    );
    // A parameter beats the one-node rule too.
    let single = parse(SINGLE).unwrap();
    assert_eq!(who(&single, Some("1"), None, &[]).how, Source::Param);
}

#[test]
fn identity_by_mac_any_case_and_separator() {
    let gfs = parse(GFS).unwrap();
    // cluster.conf has upper case; sysfs gives lower case.
    let id = who(
        &gfs,
        None,
        None,
        &[
            nic("eth9", "52:54:00:ff:ff:ff"),
            nic("eth1", "00:0c:29:3c:16:08"),
        ],
    );
    assert_eq!(
        id,
        Identity {
            nodeid: 2,
            node_name: "gfs-node2".to_string(),
            how: Source::Mac {
                iface: "eth1".to_string(),
                mac: mac("00:0C:29:3C:16:08")
            }
        }
    );
    // cluster.conf has 52-54-00-0A-00-02.
    let nfs = parse(NFS).unwrap();
    let id = who(&nfs, None, None, &[nic("ens3", "52:54:00:0a:00:02")]);
    assert_eq!((id.nodeid, id.node_name.as_str()), (2, "nfs-node2"));
    // Mixed case 52:54:00:0A:00:0b.
    let id = who(&nfs, None, None, &[nic("ens3", "52:54:00:0A:00:0B")]);
    assert_eq!(id.nodeid, 3);
}

#[test]
fn identity_takes_the_first_matching_nic() {
    let nfs = parse(NFS).unwrap();
    let id = who(
        &nfs,
        None,
        None,
        &[
            nic("lo", "00:00:00:00:00:00"),
            nic("eth1", "52:54:00:0a:01:01"),
            nic("eth0", "52:54:00:0a:00:01"),
        ],
    );
    assert_eq!(
        id.how,
        Source::Mac {
            iface: "eth1".to_string(),
            mac: mac("52:54:00:0a:01:01")
        }
    );
    assert_eq!(id.nodeid, 1);
}

#[test]
fn identity_of_a_one_node_cluster() {
    let single = parse(SINGLE).unwrap();
    let id = who(&single, None, None, &[nic("eth0", "52:54:00:12:34:56")]);
    assert_eq!(
        id,
        Identity {
            nodeid: 1,
            node_name: "localnode1".to_string(),
            how: Source::SingleNode
        }
    );
}

#[test]
fn identity_errors() {
    let gfs = parse(GFS).unwrap();
    let err = |nodeid, com, nics: &[(String, Mac)]| {
        identify(&gfs, nodeid, com, nics).unwrap_err().to_string()
    };
    assert_eq!(
        err(Some("7"), None, &[]),
        "nodeid=\"7\": expected one of cluster.conf's nodeids: 1, 2, 3"
    );
    assert_eq!(
        err(None, Some("node1"), &[]),
        "com-nodeid=\"node1\": expected one of cluster.conf's nodeids: 1, 2, 3"
    );
    // A bare `nodeid` flag does not fall through to the MACs.
    assert_eq!(
        err(Some(""), None, &[nic("eth0", "00:0c:29:3b:11:01")]),
        "nodeid=\"\": expected one of cluster.conf's nodeids: 1, 2, 3"
    );
    assert_eq!(
        err(
            None,
            None,
            &[
                nic("eth0", "52:54:00:12:34:56"),
                nic("eth1", "52:54:00:12:34:57")
            ]
        ),
        "no <clusternode> of cluster.conf has a MAC of this machine\n\
         \x20 NICs here: eth0 52:54:00:12:34:56, eth1 52:54:00:12:34:57\n\
         \x20 MACs in cluster.conf:\n\
         \x20   gfs-node1 (nodeid 1): bond0 00:0c:29:3b:11:01, eth0 00:0c:29:3b:11:01, \
         eth1 00:0c:29:3b:11:02, bond0.45 00:0c:29:3b:11:01\n\
         \x20   gfs-node2 (nodeid 2): bond0 00:0c:29:3c:16:07, eth0 00:0c:29:3c:16:07, \
         eth1 00:0c:29:3c:16:08\n\
         \x20   gfs-node3 (nodeid 3): eth0 00:0c:29:93:1a:47\n\
         \x20 fix: add this machine's MAC as <eth name=\"...\" mac=\"...\"/> in the <com_info> \
         of its <clusternode> in cluster.conf, or boot with nodeid=<1|2|3>"
    );
    assert_eq!(
        err(
            None,
            None,
            &[
                nic("eth0", "00:0c:29:3b:11:02"),
                nic("eth1", "00:0c:29:93:1a:47")
            ]
        ),
        "this machine's NICs belong to different nodes of cluster.conf:\n\
         \x20 eth0 00:0c:29:3b:11:02 is in gfs-node1 (nodeid 1)\n\
         \x20 eth1 00:0c:29:93:1a:47 is in gfs-node3 (nodeid 3)\n\
         \x20 fix: correct the <eth mac> in cluster.conf, or boot with nodeid="
    );
}

#[test]
fn identity_error_without_nics_or_node_macs() {
    let xml = "<cluster name=\"c\"><clusternodes><clusternode name=\"a\" nodeid=\"1\"/>\
               <clusternode name=\"b\" nodeid=\"2\"/></clusternodes></cluster>";
    let conf = parse(xml).unwrap();
    let msg = identify(&conf, None, None, &[]).unwrap_err().to_string();
    assert_eq!(
        msg,
        "no <clusternode> of cluster.conf has a MAC of this machine\n\
         \x20 NICs here: none (are the NIC drivers loaded?)\n\
         \x20 MACs in cluster.conf:\n\
         \x20   a (nodeid 1): none\n\
         \x20   b (nodeid 2): none\n\
         \x20 fix: add this machine's MAC as <eth name=\"...\" mac=\"...\"/> in the <com_info> \
         of its <clusternode> in cluster.conf, or boot with nodeid=<1|2>"
    );
    // An all-zero MAC (a NIC without one) matches nothing.
    assert!(identify(&conf, None, None, &[nic("dummy0", "00:00:00:00:00:00")]).is_err());
}

#[test]
fn hostname_from_nodename_or_node() {
    let id = Identity {
        nodeid: 2,
        node_name: "gfs-node2".to_string(),
        how: Source::Param,
    };
    assert_eq!(hostname(&id, Some("login2")), "login2");
    assert_eq!(hostname(&id, Some("")), "gfs-node2");
    assert_eq!(hostname(&id, None), "gfs-node2");
}

#[test]
fn source_for_the_log() {
    let by_mac = Source::Mac {
        iface: "eth0".to_string(),
        mac: mac("52-54-00-12-34-56"),
    };
    assert_eq!(by_mac.to_string(), "by the MAC 52:54:00:12:34:56 of eth0");
    assert_eq!(
        Source::SingleNode.to_string(),
        "as the only node of cluster.conf"
    );
    assert_eq!(Source::Param.to_string(), "from nodeid=");
    assert_eq!(Source::ComParam.to_string(), "from com-nodeid=");
}
