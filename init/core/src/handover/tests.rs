//! Tests of [`files`](super::files): every file for each kind of root, and hostile values.

use super::*;
use crate::netdev::{Bond, Bridge, Vlan};

pub(super) fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

pub(super) fn v4(s: &str) -> Ipv4Addr {
    s.parse().unwrap()
}

pub(super) fn mac(s: &str) -> Mac {
    s.parse().unwrap()
}

pub(super) fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

fn get<'a>(h: &'a HandOver, path: &str) -> &'a str {
    let found = h.files.iter().find(|f| f.path == path);
    &found
        .unwrap_or_else(|| panic!("no {path} in {:?}", paths(h)))
        .contents
}

fn paths(h: &HandOver) -> Vec<&str> {
    h.files.iter().map(|f| f.path.as_str()).collect()
}

fn mode(h: &HandOver, path: &str) -> u32 {
    h.files.iter().find(|f| f.path == path).unwrap().mode
}

/// Nothing but printable text and line ends in any file.
fn assert_clean(h: &HandOver) {
    for f in &h.files {
        let bad = f.contents.chars().find(|c| c.is_control() && *c != '\n');
        assert_eq!(bad, None, "{}: {:?}", f.path, f.contents);
    }
}

pub(super) const ETH0_UUID: &str = "9310c02c-6a31-4591-96fd-eecb761bf742";

fn dhcp_plain() -> LinkState {
    let m = mac("52:54:00:12:34:56");
    LinkState {
        iface: "eth0".into(),
        mac: Some(m),
        address: ip("10.0.2.15"),
        prefix: 24,
        gateway: Some(ip("10.0.2.2")),
        dns: vec![ip("10.0.2.3"), ip("10.0.2.4")],
        search: strings(&["lab.example", "example.org"]),
        domain: Some("lab.example".into()),
        hostname: Some("node1".into()),
        mtu: Some(9000),
        lease: Some(LeaseInfo {
            lease: Lease {
                address: v4("10.0.2.15"),
                prefix: 24,
                router: Some(v4("10.0.2.2")),
                dns: vec![v4("10.0.2.3"), v4("10.0.2.4")],
                hostname: Some("node1".into()),
                domain: Some("lab.example".into()),
                search: strings(&["lab.example", "example.org"]),
                root_path: Some("10.0.2.2:/export/root".into()),
                mtu: Some(9000),
                lease_secs: Some(600),
                server_id: v4("10.0.2.2"),
                next_server: Some(v4("10.0.2.9")),
                bootfile: Some("pxelinux.0".into()),
                ..Lease::default()
            },
            obtained_uptime_secs: 5,
            client_id: [&[1u8][..], &m.0[..]].concat(),
        }),
        root_server: Some(ip("10.0.2.2")),
        root_path: Some("/export/root".into()),
        uptime_secs: 7,
        ifindexes: vec![("eth0".into(), 2)],
        ..LinkState::default()
    }
}

#[test]
fn dhcp_on_a_plain_nic() {
    let h = files(&dhcp_plain());
    assert_eq!(h.notes, Vec::<String>::new());
    assert_eq!(
        paths(&h),
        [
            "/run/systemd/network/10-osr-eth0.network",
            "/run/NetworkManager/system-connections/osr-eth0.nmconnection",
            "/run/NetworkManager/devices/2",
            "/run/net-eth0.conf",
            "/run/initramfs/osr-rs.lease",
            "/run/initramfs/resolv.conf",
        ]
    );
    assert_eq!(
        get(&h, "/run/systemd/network/10-osr-eth0.network"),
        format!(
            "{HEADER}[Match]\nName=eth0\n\n[Link]\nMTUBytes=9000\n\n[Network]\nDHCP=ipv4\n\
             KeepConfiguration=yes\nDNS=10.0.2.3\nDNS=10.0.2.4\nDomains=lab.example example.org\n\n\
             [DHCPv4]\nClientIdentifier=mac\nHostname=node1\nSendRelease=no\n"
        )
    );
    let profile = "/run/NetworkManager/system-connections/osr-eth0.nmconnection";
    assert_eq!(
        get(&h, profile),
        format!(
            "{HEADER}[connection]\nid=osr-eth0\nuuid={ETH0_UUID}\ntype=ethernet\ninterface-name=eth0\n\n\
             [ethernet]\nmac-address=52:54:00:12:34:56\nmtu=9000\n\n\
             [ipv4]\nmethod=auto\ndhcp-client-id=01:52:54:00:12:34:56\ndhcp-hostname=node1\n\
             dhcp-timeout=2147483647\ndns=10.0.2.3;10.0.2.4;\ndns-search=lab.example;example.org;\n\
             may-fail=false\n\n[ipv6]\nmethod=ignore\n"
        )
    );
    assert_eq!(mode(&h, profile), 0o600);
    assert_eq!(
        get(&h, "/run/NetworkManager/devices/2"),
        format!("[device]\nmanaged=true\nconnection-uuid={ETH0_UUID}\n")
    );
    assert_eq!(
        get(&h, "/run/net-eth0.conf"),
        "DEVICE='eth0'\nPROTO='dhcp'\nIPV4ADDR='10.0.2.15'\nIPV4BROADCAST='10.0.2.255'\n\
         IPV4NETMASK='255.255.255.0'\nIPV4GATEWAY='10.0.2.2'\nIPV4DNS0='10.0.2.3'\n\
         IPV4DNS1='10.0.2.4'\nHOSTNAME='node1'\nDNSDOMAIN='lab.example'\nNISDOMAIN=''\n\
         ROOTSERVER='10.0.2.2'\nROOTPATH='/export/root'\nfilename='pxelinux.0'\nUPTIME='7'\n\
         DHCPLEASETIME='600'\nDOMAINSEARCH='lab.example. example.org.'\n"
    );
    assert_eq!(
        get(&h, LEASE_FILE),
        "# The DHCP lease osr-rs took in the initramfs. Times are seconds since boot.\n\
         OSR_LEASE_IFACE='eth0'\nOSR_LEASE_MAC='52:54:00:12:34:56'\n\
         OSR_LEASE_ADDRESS='10.0.2.15'\nOSR_LEASE_PREFIX='24'\nOSR_LEASE_ROUTER='10.0.2.2'\n\
         OSR_LEASE_DNS='10.0.2.3 10.0.2.4'\nOSR_LEASE_HOSTNAME='node1'\n\
         OSR_LEASE_DOMAIN='lab.example'\nOSR_LEASE_SEARCH='lab.example example.org'\n\
         OSR_LEASE_ROOT_PATH='10.0.2.2:/export/root'\nOSR_LEASE_MTU='9000'\n\
         OSR_LEASE_LEASE_SECS='600'\nOSR_LEASE_NEXT_SERVER='10.0.2.9'\n\
         OSR_LEASE_BOOTFILE='pxelinux.0'\nOSR_LEASE_SERVER_ID='10.0.2.2'\n\
         OSR_LEASE_CLIENT_ID='01:52:54:00:12:34:56'\nOSR_LEASE_OBTAINED_UPTIME='5'\n\
         OSR_LEASE_EXPIRES_UPTIME='605'\n"
    );
    assert_eq!(
        get(&h, RESOLV_CONF),
        "# Written by osr-rs in the initramfs.\nnameserver 10.0.2.3\nnameserver 10.0.2.4\n\
         search lab.example example.org\n"
    );
    assert_clean(&h);
}

#[test]
fn static_ip_with_routes() {
    let state = LinkState {
        iface: "eth0".into(),
        mac: Some(mac("52:54:00:12:34:56")),
        address: ip("192.168.1.10"),
        prefix: 16,
        gateway: Some(ip("192.168.1.1")),
        routes: vec![
            Route {
                dest: ip("10.9.0.0"),
                prefix: 16,
                gateway: Some(ip("192.168.1.254")),
                iface: None,
            },
            Route {
                dest: ip("10.8.0.0"),
                prefix: 16,
                gateway: Some(ip("172.16.0.1")),
                iface: Some("eth1".into()),
            },
            Route {
                dest: ip("10.7.0.0"),
                prefix: 16,
                gateway: None,
                iface: Some("eth0".into()),
            },
        ],
        dns: vec![ip("192.168.1.1"), ip("fd00::53")],
        domain: Some("cluster.local".into()),
        hostname: Some("node7".into()),
        root_server: Some(ip("192.168.1.1")),
        root_path: Some("/srv/nfsroot".into()),
        uptime_secs: 3,
        ..LinkState::default()
    };
    let h = files(&state);
    assert_eq!(h.notes, Vec::<String>::new());
    assert_eq!(
        paths(&h),
        [
            "/run/systemd/network/10-osr-eth0.network",
            "/run/NetworkManager/system-connections/osr-eth0.nmconnection",
            "/run/net-eth0.conf",
            "/run/initramfs/resolv.conf",
        ]
    );
    assert_eq!(
        get(&h, "/run/systemd/network/10-osr-eth0.network"),
        format!(
            "{HEADER}[Match]\nName=eth0\n\n[Network]\nAddress=192.168.1.10/16\nGateway=192.168.1.1\n\
             KeepConfiguration=yes\nDNS=192.168.1.1\nDNS=fd00::53\nDomains=cluster.local\n\n\
             [Route]\nDestination=10.9.0.0/16\nGateway=192.168.1.254\n\n\
             [Route]\nDestination=10.7.0.0/16\n"
        )
    );
    assert_eq!(
        get(&h, "/run/NetworkManager/system-connections/osr-eth0.nmconnection"),
        format!(
            "{HEADER}[connection]\nid=osr-eth0\nuuid={ETH0_UUID}\ntype=ethernet\ninterface-name=eth0\n\n\
             [ethernet]\nmac-address=52:54:00:12:34:56\n\n\
             [ipv4]\nmethod=manual\naddress1=192.168.1.10/16,192.168.1.1\ndns=192.168.1.1;\n\
             dns-search=cluster.local;\nroute1=10.9.0.0/16,192.168.1.254\nroute2=10.7.0.0/16\n\
             may-fail=false\n\n[ipv6]\nmethod=ignore\n"
        )
    );
    assert_eq!(
        get(&h, "/run/net-eth0.conf"),
        "DEVICE='eth0'\nPROTO='none'\nIPV4ADDR='192.168.1.10'\nIPV4BROADCAST='192.168.255.255'\n\
         IPV4NETMASK='255.255.0.0'\nIPV4GATEWAY='192.168.1.1'\nIPV4DNS0='192.168.1.1'\n\
         IPV4DNS1='0.0.0.0'\nHOSTNAME='node7'\nDNSDOMAIN='cluster.local'\nNISDOMAIN=''\n\
         ROOTSERVER='192.168.1.1'\nROOTPATH='/srv/nfsroot'\nfilename=''\nUPTIME='3'\n\
         DHCPLEASETIME='0'\nDOMAINSEARCH=''\n"
    );
    assert_eq!(
        get(&h, RESOLV_CONF),
        "# Written by osr-rs in the initramfs.\nnameserver 192.168.1.1\nnameserver fd00::53\n\
         search cluster.local\n"
    );
    assert_clean(&h);
}

#[test]
fn bond_with_two_slaves() {
    let opts = [
        ("mode", "active-backup"),
        ("miimon", "100"),
        ("primary", "eth0"),
        ("num_grat_arp", "3"),
        ("peer_notif_delay", "200"),
    ];
    let state = LinkState {
        iface: "bond0".into(),
        address: ip("10.1.0.5"),
        prefix: 24,
        gateway: Some(ip("10.1.0.1")),
        mtu: Some(9000),
        netdevs: vec![Netdev::Bond(Bond {
            name: "bond0".into(),
            slaves: strings(&["eth0", "eth1"]),
            options: opts
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            mtu: Some(9000),
        })],
        ifindexes: vec![("eth1".into(), 3), ("bond0".into(), 4), ("eth0".into(), 2)],
        ..LinkState::default()
    };
    let h = files(&state);
    assert_eq!(h.notes, Vec::<String>::new());
    assert_eq!(
        paths(&h),
        [
            "/run/systemd/network/10-osr-bond0.netdev",
            "/run/systemd/network/10-osr-bond0.network",
            "/run/systemd/network/10-osr-eth0.network",
            "/run/systemd/network/10-osr-eth1.network",
            "/run/NetworkManager/system-connections/osr-bond0.nmconnection",
            "/run/NetworkManager/system-connections/osr-eth0.nmconnection",
            "/run/NetworkManager/system-connections/osr-eth1.nmconnection",
            "/run/NetworkManager/devices/4",
            "/run/NetworkManager/devices/2",
            "/run/NetworkManager/devices/3",
            "/run/net-bond0.conf",
            "/run/initramfs/resolv.conf",
        ]
    );
    let nd = |f: &str| format!("/run/systemd/network/10-osr-{f}");
    assert_eq!(
        get(&h, &nd("bond0.netdev")),
        format!(
            "{HEADER}[NetDev]\nName=bond0\nKind=bond\n\n[Bond]\nMode=active-backup\n\
             MIIMonitorSec=100ms\nGratuitousARP=3\n"
        )
    );
    assert_eq!(
        get(&h, &nd("bond0.network")),
        format!(
            "{HEADER}[Match]\nName=bond0\n\n[Link]\nMTUBytes=9000\n\n[Network]\n\
             Address=10.1.0.5/24\nGateway=10.1.0.1\nKeepConfiguration=yes\n"
        )
    );
    assert_eq!(
        get(&h, &nd("eth0.network")),
        format!(
            "{HEADER}[Match]\nName=eth0\n\n[Network]\nBond=bond0\nPrimarySlave=yes\n\
             KeepConfiguration=yes\n"
        )
    );
    assert_eq!(
        get(&h, &nd("eth1.network")),
        format!("{HEADER}[Match]\nName=eth1\n\n[Network]\nBond=bond0\nKeepConfiguration=yes\n")
    );
    let bond_uuid = nm_uuid("bond0");
    let nm = |f: &str| format!("/run/NetworkManager/system-connections/osr-{f}.nmconnection");
    assert_eq!(
        get(&h, &nm("bond0")),
        format!(
            "{HEADER}[connection]\nid=osr-bond0\nuuid={bond_uuid}\ntype=bond\ninterface-name=bond0\n\n\
             [bond]\nmode=active-backup\nmiimon=100\nprimary=eth0\nnum_grat_arp=3\n\
             peer_notif_delay=200\n\n\
             [ipv4]\nmethod=manual\naddress1=10.1.0.5/24,10.1.0.1\nmay-fail=false\n\n\
             [ipv6]\nmethod=ignore\n"
        )
    );
    assert_eq!(
        get(&h, &nm("eth1")),
        format!(
            "{HEADER}[connection]\nid=osr-eth1\nuuid={}\ntype=ethernet\ninterface-name=eth1\n\
             master={bond_uuid}\nslave-type=bond\n",
            nm_uuid("eth1")
        )
    );
    assert_eq!(
        get(&h, "/run/NetworkManager/devices/4"),
        format!("[device]\nmanaged=true\nconnection-uuid={bond_uuid}\n")
    );
    assert_eq!(
        get(&h, "/run/NetworkManager/devices/2"),
        format!("[device]\nmanaged=true\nconnection-uuid={ETH0_UUID}\n")
    );
    assert!(get(&h, "/run/net-bond0.conf").starts_with("DEVICE='bond0'\nPROTO='none'\n"));
    assert_clean(&h);
}

#[test]
fn vlan_on_a_bond_with_dhcp() {
    let opts = [
        ("mode", "4"),
        ("lacp_rate", "fast"),
        ("xmit_hash_policy", "layer3+4"),
        ("miimon", "100"),
    ];
    let state = LinkState {
        iface: "bond0.100".into(),
        mac: Some(mac("52:54:00:aa:bb:cc")),
        address: ip("10.100.0.20"),
        prefix: 24,
        gateway: Some(ip("10.100.0.1")),
        lease: Some(LeaseInfo {
            lease: Lease {
                lease_secs: Some(u32::MAX),
                ..Lease::default()
            },
            obtained_uptime_secs: 9,
            client_id: Vec::new(),
        }),
        netdevs: vec![
            Netdev::Vlan(Vlan {
                name: "bond0.100".into(),
                parent: "bond0".into(),
                id: 100,
            }),
            Netdev::Bond(Bond {
                name: "bond0".into(),
                slaves: strings(&["eth0", "eth1"]),
                options: opts
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                mtu: None,
            }),
        ],
        ..LinkState::default()
    };
    let h = files(&state);
    assert_eq!(h.notes, Vec::<String>::new());
    let nd = |f: &str| format!("/run/systemd/network/10-osr-{f}");
    let nm = |f: &str| format!("/run/NetworkManager/system-connections/osr-{f}.nmconnection");
    assert_eq!(
        paths(&h),
        [
            nd("bond0.100.netdev"),
            nd("bond0.100.network"),
            nd("bond0.netdev"),
            nd("bond0.network"),
            nd("eth0.network"),
            nd("eth1.network"),
            nm("bond0.100"),
            nm("bond0"),
            nm("eth0"),
            nm("eth1"),
            "/run/net-bond0.100.conf".into(),
            LEASE_FILE.into(),
            RESOLV_CONF.into(),
        ]
    );
    assert_eq!(
        get(&h, &nd("bond0.100.netdev")),
        format!("{HEADER}[NetDev]\nName=bond0.100\nKind=vlan\n\n[VLAN]\nId=100\n")
    );
    assert_eq!(
        get(&h, &nd("bond0.100.network")),
        format!(
            "{HEADER}[Match]\nName=bond0.100\n\n[Network]\nDHCP=ipv4\nKeepConfiguration=yes\n\n\
             [DHCPv4]\n# The initramfs sent no client id: the server knows this node by its MAC.\n\
             ClientIdentifier=mac\nSendRelease=no\n"
        )
    );
    assert_eq!(
        get(&h, &nd("bond0.netdev")),
        format!(
            "{HEADER}[NetDev]\nName=bond0\nKind=bond\n\n[Bond]\nMode=802.3ad\n\
             LACPTransmitRate=fast\nTransmitHashPolicy=layer3+4\nMIIMonitorSec=100ms\n"
        )
    );
    assert_eq!(
        get(&h, &nd("bond0.network")),
        format!(
            "{HEADER}[Match]\nName=bond0\n\n[Network]\nVLAN=bond0.100\nKeepConfiguration=yes\n"
        )
    );
    assert_eq!(
        get(&h, &nd("eth0.network")),
        format!("{HEADER}[Match]\nName=eth0\n\n[Network]\nBond=bond0\nKeepConfiguration=yes\n")
    );
    assert_eq!(
        get(&h, &nm("bond0.100")),
        format!(
            "{HEADER}[connection]\nid=osr-bond0.100\nuuid={}\ntype=vlan\ninterface-name=bond0.100\n\n\
             [vlan]\nid=100\nparent=bond0\n\n\
             [ipv4]\nmethod=auto\ndhcp-client-id=mac\ndhcp-timeout=2147483647\nmay-fail=false\n\n\
             [ipv6]\nmethod=ignore\n",
            nm_uuid("bond0.100")
        )
    );
    assert_eq!(
        get(&h, &nm("bond0")),
        format!(
            "{HEADER}[connection]\nid=osr-bond0\nuuid={}\ntype=bond\ninterface-name=bond0\n\n\
             [bond]\nmode=4\nlacp_rate=fast\nxmit_hash_policy=layer3+4\nmiimon=100\n\n\
             [ipv4]\nmethod=disabled\n\n[ipv6]\nmethod=ignore\n",
            nm_uuid("bond0")
        )
    );
    let conf = get(&h, "/run/net-bond0.100.conf");
    assert!(conf.contains("\nPROTO='dhcp'\n"), "{conf}");
    assert!(conf.contains("\nDHCPLEASETIME='4294967295'\n"), "{conf}");
    let lease = get(&h, LEASE_FILE);
    assert!(lease.ends_with("OSR_LEASE_OBTAINED_UPTIME='9'\nOSR_LEASE_EXPIRES_UPTIME='never'\n"));
    assert!(!lease.contains("CLIENT_ID"), "{lease}");
    assert_clean(&h);
}

#[test]
fn bridge_ports_and_stp() {
    let state = LinkState {
        iface: "br0".into(),
        address: ip("10.0.2.15"),
        prefix: 24,
        netdevs: vec![Netdev::Bridge(Bridge {
            name: "br0".into(),
            ports: strings(&["eth0"]),
        })],
        ..LinkState::default()
    };
    let h = files(&state);
    assert_eq!(
        get(&h, "/run/systemd/network/10-osr-br0.netdev"),
        format!("{HEADER}[NetDev]\nName=br0\nKind=bridge\n")
    );
    assert_eq!(
        get(&h, "/run/systemd/network/10-osr-eth0.network"),
        format!("{HEADER}[Match]\nName=eth0\n\n[Network]\nBridge=br0\nKeepConfiguration=yes\n")
    );
    let br = get(
        &h,
        "/run/NetworkManager/system-connections/osr-br0.nmconnection",
    );
    assert!(br.contains("\ntype=bridge\n"), "{br}");
    assert!(
        br.contains("\n\n[bridge]\nstp=false\n\n[ipv4]\nmethod=manual\n"),
        "{br}"
    );
    let port = get(
        &h,
        "/run/NetworkManager/system-connections/osr-eth0.nmconnection",
    );
    assert!(
        port.ends_with(&format!("master={}\nslave-type=bridge\n", nm_uuid("br0"))),
        "{port}"
    );
}

#[test]
fn hostile_strings_never_reach_a_file() {
    let mut state = dhcp_plain();
    let hostile_search = strings(&["ok.example", "bad\0x", "two words"]);
    state.hostname = Some("node1\nDNS=6.6.6.6".into());
    state.domain = Some("evil'$(reboot)".into());
    state.search = hostile_search.clone();
    state.root_path = Some("/srv/it's!root".into());
    let info = state.lease.as_mut().unwrap();
    info.lease.hostname = Some("node1\nDNS=6.6.6.6".into());
    info.lease.domain = Some("evil'$(reboot)".into());
    info.lease.search = hostile_search;
    info.lease.root_path = Some("10.0.2.2:/srv/it's!root".into());
    info.lease.tftp_server = Some("tftp\u{1b}[2J".into());
    info.lease.bootfile = Some("boot\rfile".into());
    let h = files(&state);
    let name = "expected a DNS name (letters, digits, '-', '_', dots)";
    assert_eq!(
        h.notes,
        [
            "hostname \"node1\\nDNS=6.6.6.6\" left out: contains a control character".to_string(),
            format!("domain \"evil'$(reboot)\" left out: {name}"),
            "search domain \"bad\\0x\" left out: contains a control character".into(),
            format!("search domain \"two words\" left out: {name}"),
            "DHCP hostname \"node1\\nDNS=6.6.6.6\" left out: contains a control character".into(),
            format!("DHCP domain \"evil'$(reboot)\" left out: {name}"),
            "DHCP TFTP server \"tftp\\u{1b}[2J\" left out: contains a control character".into(),
            "DHCP boot file \"boot\\rfile\" left out: contains a control character".into(),
            "DHCP search domain \"bad\\0x\" left out: contains a control character".into(),
            format!("DHCP search domain \"two words\" left out: {name}"),
        ]
    );
    assert_clean(&h);
    assert_eq!(
        get(&h, "/run/systemd/network/10-osr-eth0.network"),
        format!(
            "{HEADER}[Match]\nName=eth0\n\n[Link]\nMTUBytes=9000\n\n[Network]\nDHCP=ipv4\n\
             KeepConfiguration=yes\nDNS=10.0.2.3\nDNS=10.0.2.4\nDomains=ok.example\n\n\
             [DHCPv4]\nClientIdentifier=mac\nSendRelease=no\n"
        )
    );
    // Quotes and '!' are legal in a path; klibc's quoting, byte for byte as
    // ipconfig wrote it for the same path in a namespace (docs/handover.md).
    assert_eq!(
        get(&h, "/run/net-eth0.conf"),
        "DEVICE='eth0'\nPROTO='dhcp'\nIPV4ADDR='10.0.2.15'\nIPV4BROADCAST='10.0.2.255'\n\
         IPV4NETMASK='255.255.255.0'\nIPV4GATEWAY='10.0.2.2'\nIPV4DNS0='10.0.2.3'\n\
         IPV4DNS1='10.0.2.4'\nHOSTNAME=''\nDNSDOMAIN=''\nNISDOMAIN=''\n\
         ROOTSERVER='10.0.2.2'\nROOTPATH='/srv/it'\\''s'\\!'root'\nfilename=''\nUPTIME='7'\n\
         DHCPLEASETIME='600'\nDOMAINSEARCH='ok.example.'\n"
    );
    let lease = get(&h, LEASE_FILE);
    assert!(
        lease.contains("\nOSR_LEASE_ROOT_PATH='10.0.2.2:/srv/it'\\''s'\\!'root'\n"),
        "{lease}"
    );
    for gone in ["HOSTNAME", "DOMAIN", "TFTP", "BOOTFILE"] {
        assert!(
            !lease.contains(&format!("OSR_LEASE_{gone}")),
            "{gone} in {lease}"
        );
    }
    let nm = get(
        &h,
        "/run/NetworkManager/system-connections/osr-eth0.nmconnection",
    );
    assert!(
        !nm.contains("hostname") && nm.contains("\ndns-search=ok.example;\n"),
        "{nm}"
    );
    assert_eq!(
        get(&h, RESOLV_CONF),
        "# Written by osr-rs in the initramfs.\nnameserver 10.0.2.3\nnameserver 10.0.2.4\n\
         search ok.example\n"
    );
}

#[test]
fn hostile_bond_option_is_dropped() {
    let state = LinkState {
        iface: "bond0".into(),
        address: ip("10.1.0.5"),
        prefix: 24,
        netdevs: vec![Netdev::Bond(Bond {
            name: "bond0".into(),
            slaves: strings(&["eth0"]),
            options: vec![
                ("miimon".into(), "100\n[Network]\nDHCP=yes".into()),
                ("mode".into(), "balance-rr".into()),
            ],
            mtu: None,
        })],
        ..LinkState::default()
    };
    let h = files(&state);
    assert_clean(&h);
    assert!(
        get(&h, "/run/systemd/network/10-osr-bond0.netdev").ends_with("[Bond]\nMode=balance-rr\n")
    );
    let nm = get(
        &h,
        "/run/NetworkManager/system-connections/osr-bond0.nmconnection",
    );
    assert!(nm.contains("\n[bond]\nmode=balance-rr\n\n[ipv4]"), "{nm}");
}

#[test]
fn an_unsafe_interface_name_leaves_only_resolv_conf() {
    for iface in ["eth0/../../etc", "eth*", "", "..", "a-very-long-name0"] {
        let state = LinkState {
            iface: iface.into(),
            dns: vec![ip("10.0.2.3")],
            ..dhcp_plain()
        };
        let h = files(&state);
        assert_eq!(paths(&h), [RESOLV_CONF], "{iface}");
        assert_eq!(
            h.notes,
            [
                format!(
                    "interface name {iface:?} left out: expected 1-15 letters, digits, '-', '_', '.'"
                ),
                "no network manager hand-over files: see above".to_string(),
            ]
        );
    }
    // A slave's name goes into file names too.
    let state = LinkState {
        iface: "bond0".into(),
        netdevs: vec![Netdev::Bond(Bond {
            name: "bond0".into(),
            slaves: strings(&["eth0", "x\ny"]),
            options: Vec::new(),
            mtu: None,
        })],
        ..LinkState::default()
    };
    assert_eq!(paths(&files(&state)), [RESOLV_CONF]);
}

#[test]
fn ipv6_static_root() {
    let state = LinkState {
        iface: "eth0".into(),
        address: ip("fd00::15"),
        prefix: 64,
        gateway: Some(ip("fd00::1")),
        dns: vec![ip("fd00::53")],
        lease: Some(LeaseInfo::default()),
        ..LinkState::default()
    };
    let h = files(&state);
    assert_eq!(
        h.notes,
        [
            "DHCPv4 lease ignored: the root's address is IPv6",
            "/run/net-eth0.conf not written: klibc's format is IPv4 only",
        ]
    );
    assert_eq!(
        get(&h, "/run/systemd/network/10-osr-eth0.network"),
        format!(
            "{HEADER}[Match]\nName=eth0\n\n[Network]\nAddress=fd00::15/64\nGateway=fd00::1\n\
             KeepConfiguration=yes\nDNS=fd00::53\n"
        )
    );
    assert!(get(
        &h,
        "/run/NetworkManager/system-connections/osr-eth0.nmconnection"
    )
    .ends_with(
        "\n[ipv4]\nmethod=disabled\n\n[ipv6]\nmethod=manual\naddress1=fd00::15/64,fd00::1\n\
         dns=fd00::53;\nmay-fail=false\n"
    ));
    assert!(!paths(&h).contains(&LEASE_FILE));
}
