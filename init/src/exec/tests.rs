use std::net::IpAddr;
use std::time::Duration;

use super::boot;
use crate::state::Record;
use crate::sys::fake::{Call, FakeSys};
use nix::errno::Errno;
use osr_core::cmdline::Cmdline;
use osr_core::config::Config;

const IP: &str = "ip=10.0.2.15::10.0.2.2:255.255.255.0:node1:eth0:off";

fn run(cmdline: &str, sys: &mut FakeSys) -> (anyhow::Result<()>, Record) {
    run_with(cmdline, None, sys)
}

/// The boot as PID 1 runs it, with `cluster` as the image's cluster.conf.
fn run_with(
    cmdline: &str,
    cluster: Option<&str>,
    sys: &mut FakeSys,
) -> (anyhow::Result<()>, Record) {
    let config = Config::from_cmdline(&Cmdline::parse(cmdline)).unwrap();
    let conf = cluster.map(|c| osr_core::cluster::parse(c).unwrap());
    let mut record = Record::default();
    let res = boot(&config, conf.as_ref(), sys, &mut record);
    (res, record)
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn two_nics() -> FakeSys {
    FakeSys::with_nics(&[("eth0", "52:54:00:12:34:56"), ("eth1", "52:54:00:12:34:57")])
}

#[test]
fn static_boot_calls_in_order() {
    let mut sys = two_nics();
    sys.nics[0].carrier = true;
    let (res, _) = run(
        &format!("root=nfs4:10.0.2.2:/export/rootfs {IP} rd.route=192.168.0.0/16:10.0.2.1"),
        &mut sys,
    );
    assert_eq!(
        res.unwrap_err().to_string(),
        "fake switch_root does not exec"
    );
    let nfs: Vec<String> = ["nfs", "nfsv4"].map(String::from).to_vec();
    assert_eq!(
        sys.actions(),
        [
            Call::LoadModules(vec![], true),
            Call::LinkUp("lo".into(), None, None),
            Call::LinkUp("eth0".into(), None, None),
            Call::AddAddress("eth0".into(), ip("10.0.2.15"), 24),
            Call::AddRoute("eth0".into(), None, Some(ip("10.0.2.2"))),
            Call::AddRoute(
                "eth0".into(),
                Some((ip("192.168.0.0"), 16)),
                Some(ip("10.0.2.1"))
            ),
            Call::Hostname("node1".into()),
            Call::LoadModules(nfs, false),
            Call::Mount("10.0.2.2:/export/rootfs".into(), "/sysroot".into()),
            Call::WriteFile("/run/systemd/network/10-osr-eth0.network".into()),
            Call::WriteFile("/run/NetworkManager/system-connections/osr-eth0.nmconnection".into()),
            Call::WriteFile("/run/NetworkManager/devices/2".into()),
            Call::WriteFile("/run/net-eth0.conf".into()),
            Call::WriteFile("/run/initramfs/resolv.conf".into()),
            Call::SwitchRoot("/sysroot".into()),
        ]
    );
    let record = sys.record.unwrap();
    for line in [
        "OSR_IFACE='eth0'",
        "OSR_MAC='52:54:00:12:34:56'",
        "OSR_ADDRESS='10.0.2.15/24'",
        "OSR_GATEWAY='10.0.2.2'",
        "OSR_ROUTES='192.168.0.0/16'",
        "OSR_HOSTNAME='node1'",
        "OSR_NFS_SERVER='10.0.2.2'",
        "OSR_NFS_PATH='/export/rootfs'",
        "OSR_ROOT_FSTYPE='nfs4'",
        "OSR_ROOT_OPTIONS='ro,vers=4.2,clientaddr=10.0.2.15,addr=10.0.2.2'",
    ] {
        assert!(
            record.lines().any(|l| l == line),
            "record lacks {line}:\n{record}"
        );
    }
    assert!(record.contains("OSR_TIMING_MS_5_MOUNT="), "{record}");
}

#[test]
fn bootif_picks_the_nic_with_that_mac() {
    let mut sys = two_nics();
    sys.nics[1].carrier = true;
    let (_, _) = run(
        "root=nfs4:10.0.2.2:/x ip=10.0.2.15::10.0.2.2:24:node1::off BOOTIF=01-52-54-00-12-34-57",
        &mut sys,
    );
    assert!(
        sys.calls
            .contains(&Call::AddAddress("eth1".into(), ip("10.0.2.15"), 24)),
        "{:?}",
        sys.calls
    );
}

#[test]
fn without_a_name_the_first_nic_with_carrier_wins() {
    let mut sys = two_nics();
    sys.nics[1].carrier = true;
    sys.carrier_after = Duration::from_millis(200);
    let (_, _) = run(
        "root=nfs4:10.0.2.2:/x ip=10.0.2.15::10.0.2.2:24:::off",
        &mut sys,
    );
    assert!(
        sys.calls
            .contains(&Call::AddAddress("eth1".into(), ip("10.0.2.15"), 24)),
        "{:?}",
        sys.calls
    );
    assert!(!sys.sleeps().is_empty(), "it waited for carrier");
}

#[test]
fn ifname_renames_before_selection() {
    let mut sys = two_nics();
    let (_, _) = run(
        "root=nfs4:10.0.2.2:/x ip=10.0.2.15::10.0.2.2:24::boot0:off ifname=boot0:52:54:00:12:34:57",
        &mut sys,
    );
    assert!(sys
        .calls
        .contains(&Call::Rename("eth1".into(), "boot0".into())));
    assert!(sys
        .calls
        .contains(&Call::AddAddress("boot0".into(), ip("10.0.2.15"), 24)));
}

#[test]
fn missing_interface_is_fatal_and_named() {
    let mut sys = FakeSys::with_nics(&[("eth0", "52:54:00:12:34:56")]);
    let (res, _) = run(
        "root=nfs4:10.0.2.2:/x ip=10.0.2.15::10.0.2.2:24::eth7:off",
        &mut sys,
    );
    assert_eq!(
        res.unwrap_err().to_string(),
        "no network interface named eth7 (interfaces: eth0 52:54:00:12:34:56)"
    );
    assert!(!sys.calls.iter().any(|c| matches!(c, Call::Mount(..))));
}

#[test]
fn mount_retries_with_exponential_backoff() {
    let mut sys = two_nics();
    sys.nics[0].carrier = true;
    sys.mount_results = [
        Err(Errno::ECONNREFUSED),
        Err(Errno::ETIMEDOUT),
        Err(Errno::ECONNREFUSED),
        Ok(()),
    ]
    .into();
    let (res, _) = run(&format!("root=nfs4:10.0.2.2:/x {IP}"), &mut sys);
    assert_eq!(
        res.unwrap_err().to_string(),
        "fake switch_root does not exec",
        "mounted in the end"
    );
    assert_eq!(sys.sleeps(), [500, 1000, 2000].map(Duration::from_millis));
}

#[test]
fn mount_gives_up_within_rd_retry_with_the_meaning() {
    let mut sys = two_nics();
    sys.nics[0].carrier = true;
    sys.mount_results = std::iter::repeat_n(Err(Errno::ENOENT), 100).collect();
    let (res, _) = run(
        &format!("root=nfs4:10.0.2.2:/wrong {IP} rd.retry=10"),
        &mut sys,
    );
    let err = res.unwrap_err().to_string();
    assert_eq!(
        err,
        "mounting NFS root 10.0.2.2:/wrong as NFSv4.2 (server 10.0.2.2, path /wrong) failed: ENOENT: No such file or directory: \
         the server does not export this path (or it does not exist); gave up after 5 attempts in 7s (rd.retry=10)"
    );
    let waited: Duration = sys.sleeps().iter().sum();
    assert!(waited <= Duration::from_secs(10), "{waited:?}");
    assert!(!sys.calls.iter().any(|c| matches!(c, Call::SwitchRoot(_))));
}

#[test]
fn permanent_mount_errors_are_not_retried() {
    let mut sys = two_nics();
    sys.nics[0].carrier = true;
    sys.mount_results = [Err(Errno::EINVAL)].into();
    let (res, _) = run(&format!("root=nfs4:10.0.2.2:/x:vers=4.2 {IP}"), &mut sys);
    assert!(res
        .unwrap_err()
        .to_string()
        .ends_with("the kernel rejected the mount options"));
    assert_eq!(
        sys.calls
            .iter()
            .filter(|c| matches!(c, Call::Mount(..)))
            .count(),
        1
    );
}

#[test]
fn breaks_run_the_shell_and_continue() {
    let mut sys = two_nics();
    sys.nics[0].carrier = true;
    let (_, _) = run(
        &format!("root=nfs4:10.0.2.2:/x {IP} rd.break=pre-mount"),
        &mut sys,
    );
    let actions = sys.actions();
    let shell = actions
        .iter()
        .position(|c| matches!(c, Call::Shell(_)))
        .unwrap();
    let mount = actions
        .iter()
        .position(|c| matches!(c, Call::Mount(..)))
        .unwrap();
    assert!(shell < mount);
    assert!(actions.iter().any(|c| matches!(c, Call::SwitchRoot(_))));
}

#[test]
fn nfs4_minor_version_is_negotiated_downwards() {
    let mut sys = two_nics();
    sys.nics[0].carrier = true;
    sys.mount_results = [
        Err(Errno::EPROTONOSUPPORT),
        Err(Errno::EPROTONOSUPPORT),
        Ok(()),
    ]
    .into();
    let (_, _) = run(&format!("root=nfs4:10.0.2.2:/x {IP}"), &mut sys);
    assert_eq!(
        sys.mount_data,
        [
            "vers=4.2,clientaddr=10.0.2.15,addr=10.0.2.2",
            "vers=4.1,clientaddr=10.0.2.15,addr=10.0.2.2",
            "vers=4.0,clientaddr=10.0.2.15,addr=10.0.2.2"
        ]
    );
    assert!(sys.sleeps().is_empty(), "a version fallback is immediate");
    assert!(sys.calls.iter().any(|c| matches!(c, Call::SwitchRoot(_))));
}

#[test]
fn no_carrier_on_any_nic_is_fatal_after_the_timeout() {
    let mut sys = two_nics();
    let (res, _) = run(
        "root=nfs4:10.0.2.2:/x ip=10.0.2.15::10.0.2.2:24:::off rd.net.timeout.carrier=2",
        &mut sys,
    );
    let err = res.unwrap_err().to_string();
    assert!(
        err.starts_with(
            "no network interface has carrier (interfaces: eth0 52:54:00:12:34:56, eth1"
        ),
        "{err}"
    );
    let waited: Duration = sys.sleeps().iter().sum();
    assert!(
        waited >= Duration::from_secs(2) && waited < Duration::from_secs(3),
        "{waited:?}"
    );
}

fn lease() -> osr_core::dhcp::Lease {
    osr_core::dhcp::Lease {
        address: "10.77.0.150".parse().unwrap(),
        prefix: 24,
        router: Some("10.77.0.1".parse().unwrap()),
        routes: vec![(
            "10.99.0.0".parse().unwrap(),
            16,
            "10.77.0.9".parse().unwrap(),
        )],
        dns: vec!["10.77.0.3".parse().unwrap()],
        hostname: Some("dnode1".into()),
        domain: Some("cluster.test".into()),
        root_path: Some("/export/hosts/%s".into()),
        mtu: Some(1400),
        lease_secs: Some(600),
        server_id: "10.77.0.1".parse().unwrap(),
        next_server: Some("10.77.0.2".parse().unwrap()),
        ..Default::default()
    }
}

#[test]
fn dhcp_on_every_nic_then_the_root_from_option_17() {
    let mut sys = two_nics();
    sys.nics[1].carrier = true;
    sys.lease = Some(lease());
    let (res, _) = run("ip=dhcp", &mut sys);
    assert_eq!(
        res.unwrap_err().to_string(),
        "fake switch_root does not exec"
    );
    let actions = sys.actions();
    let pos = |c: &Call| {
        actions
            .iter()
            .position(|a| a == c)
            .unwrap_or_else(|| panic!("no {c:?} in {actions:#?}"))
    };
    let dhcp = pos(&Call::Dhcp(vec!["eth0".into(), "eth1".into()]));
    assert!(pos(&Call::LinkUp("eth1".into(), None, None)) < dhcp);
    // The fake leases on the first interface it is given.
    let addr = pos(&Call::AddAddress("eth0".into(), ip("10.77.0.150"), 24));
    assert!(
        pos(&Call::LinkUp("eth0".into(), Some(1400), None)) < addr,
        "MTU before the address"
    );
    assert!(
        addr < pos(&Call::AddRoute(
            "eth0".into(),
            Some((ip("10.99.0.0"), 16)),
            Some(ip("10.77.0.9"))
        ))
    );
    pos(&Call::AddRoute("eth0".into(), None, Some(ip("10.77.0.1"))));
    pos(&Call::Hostname("dnode1".into()));
    // A bare path: the server is next-server, %s the hostname, NFSv4.2 offered first
    // as mount.nfs does.
    pos(&Call::Mount(
        "10.77.0.2:/export/hosts/dnode1".into(),
        "/sysroot".into(),
    ));
    assert_eq!(
        sys.mount_data,
        ["vers=4.2,clientaddr=10.77.0.150,addr=10.77.0.2"]
    );
    let record = sys.record.unwrap();
    for line in [
        "OSR_NET_METHOD='dhcp'",
        "OSR_IFACE='eth0'",
        "OSR_ADDRESS='10.77.0.150/24'",
        "OSR_GATEWAY='10.77.0.1'",
        "OSR_DHCP_SERVER_ID='10.77.0.1'",
        "OSR_DHCP_ROOT_PATH='/export/hosts/%s'",
        "OSR_HOSTNAME='dnode1'",
        "OSR_NFS_SERVER='10.77.0.2'",
        "OSR_DNS='10.77.0.3'",
    ] {
        assert!(
            record.lines().any(|l| l == line),
            "record lacks {line}:\n{record}"
        );
    }
    let lease_file = sys
        .files
        .iter()
        .find(|f| f.0 == "/run/initramfs/osr-rs.lease");
    assert!(
        lease_file.is_some(),
        "no lease record in {:?}",
        sys.files.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
}

#[test]
fn dhcp_failure_names_the_interfaces() {
    let mut sys = two_nics();
    let (res, _) = run("ip=dhcp root=nfs:10.77.0.1:/x", &mut sys);
    let err = format!("{:#}", res.unwrap_err());
    assert!(
        err.contains("dhcp on eth0, eth1") && err.contains("no OFFER"),
        "{err}"
    );
    assert!(!sys.actions().iter().any(|c| matches!(c, Call::Mount(..))));
}

#[test]
fn server_names_are_resolved_through_dhcp_and_cmdline_nameservers() {
    let mut sys = two_nics();
    sys.lease = Some(lease());
    sys.hosts = vec![("filer".into(), ip("10.77.0.5"))];
    let (res, _) = run(
        "ip=eth1:dhcp root=nfs4:filer:/export/rootfs nameserver=10.0.0.53",
        &mut sys,
    );
    assert_eq!(
        res.unwrap_err().to_string(),
        "fake switch_root does not exec"
    );
    let actions = sys.actions();
    assert!(
        actions.contains(&Call::Dhcp(vec!["eth1".into()])),
        "{actions:#?}"
    );
    assert!(
        actions.contains(&Call::Resolve(
            "filer".into(),
            vec![ip("10.0.0.53"), ip("10.77.0.3")]
        )),
        "{actions:#?}"
    );
    assert!(actions.contains(&Call::Mount(
        "10.77.0.5:/export/rootfs".into(),
        "/sysroot".into()
    )));

    // rd.peerdns=0: only the command line's nameserver is asked.
    let mut sys = two_nics();
    sys.lease = Some(lease());
    let (res, _) = run(
        "ip=eth1:dhcp root=nfs4:nowhere:/x nameserver=10.0.0.53 rd.peerdns=0",
        &mut sys,
    );
    let err = format!("{:#}", res.unwrap_err());
    assert!(err.contains("resolving the NFS server nowhere"), "{err}");
    assert!(sys
        .actions()
        .contains(&Call::Resolve("nowhere".into(), vec![ip("10.0.0.53")])));
}

#[test]
fn dhcp_over_a_vlan_on_a_bond_skips_the_slaves() {
    let mut sys = two_nics();
    sys.nics[0].carrier = true;
    sys.lease = Some(lease());
    let (res, _) = run(
        "bond=bond0:eth0,eth1:mode=active-backup vlan=bond0.100:bond0 ip=dhcp root=nfs4:10.78.0.1:/export/rootfs",
        &mut sys,
    );
    assert_eq!(
        res.unwrap_err().to_string(),
        "fake switch_root does not exec"
    );
    let actions = sys.actions();
    let pos = |c: &Call| {
        actions
            .iter()
            .position(|a| a == c)
            .unwrap_or_else(|| panic!("no {c:?} in {actions:#?}"))
    };
    let bond = pos(&Call::CreateNetdev("bond0".into()));
    let vlan = pos(&Call::CreateNetdev("bond0.100".into()));
    let dhcp = pos(&Call::Dhcp(vec!["bond0".into(), "bond0.100".into()]));
    assert!(bond < vlan && vlan < dhcp, "{actions:#?}");
    assert!(
        matches!(&actions[0], Call::LoadModules(m, true) if m == &["bonding".to_string(), "8021q".to_string()])
    );
}

#[test]
fn overlay_root_mounts_in_order_and_applies_trees() {
    let mut sys = two_nics();
    let (res, _) = run(
        &format!(
            "root=nfs4:10.0.2.2:/export/rootfs {IP} rd.overlay=tmpfs:size=64m rootovlcfg=common,%h"
        ),
        &mut sys,
    );
    assert_eq!(
        res.unwrap_err().to_string(),
        "fake switch_root does not exec"
    );
    let actions = sys.actions();
    let pos = |c: &Call| {
        actions
            .iter()
            .position(|a| a == c)
            .unwrap_or_else(|| panic!("no {c:?} in {actions:#?}"))
    };
    let lower = pos(&Call::Mount(
        "10.0.2.2:/export/rootfs".into(),
        "/run/initramfs/overlay/lower".into(),
    ));
    let tmpfs = pos(&Call::LocalMount(
        "tmpfs".into(),
        "tmpfs".into(),
        "/run/initramfs/overlay/cow".into(),
    ));
    let upper = pos(&Call::MakeDir("/run/initramfs/overlay/cow/upper".into()));
    let ovl = pos(&Call::LocalMount(
        "overlay".into(),
        "overlay".into(),
        "/sysroot".into(),
    ));
    let image = pos(&Call::LocalMount(
        "bind".into(),
        "/run/initramfs/overlay/lower".into(),
        "/sysroot/live/image".into(),
    ));
    let cow = pos(&Call::LocalMount(
        "bind".into(),
        "/run/initramfs/overlay/cow".into(),
        "/sysroot/live/cow".into(),
    ));
    let rw = pos(&Call::LocalMount(
        "bind".into(),
        "/run/initramfs/overlay/cow/upper".into(),
        "/sysroot/live/cow/rw".into(),
    ));
    let trees = pos(&Call::Rootovl(vec!["common".into(), "node1".into()]));
    assert!(
        lower < tmpfs
            && tmpfs < upper
            && upper < ovl
            && ovl < image
            && image < cow
            && cow < rw
            && rw < trees,
        "{actions:#?}"
    );
    let record = sys.record.unwrap();
    for line in [
        "OSR_OVERLAY='tmpfs'",
        "OSR_OVERLAY_SIZE='64m'",
        "OSR_ROOTOVL_APPLIED='node1 common'",
        "OSR_ROOTOVL_REFUSED='0'",
    ] {
        assert!(
            record.lines().any(|l| l == line),
            "record lacks {line}:\n{record}"
        );
    }
}

const CLUSTER: &str = r#"<?xml version="1.0"?>
<cluster name="osrcl" config_version="1">
 <clusternodes>
  <clusternode name="n1" nodeid="1">
   <com_info>
    <rootvolume name="10.0.2.2:/export/rootfs" fstype="nfs4"/>
    <eth name="eth0" mac="52:54:00:12:34:56" ip="10.0.2.15" mask="24" gateway="10.0.2.2"/>
    <syslog name="10.0.2.2"/>
   </com_info>
  </clusternode>
  <clusternode name="n2" nodeid="2">
   <com_info>
    <rootvolume name="10.0.2.2:/export/rootfs" fstype="nfs4"/>
    <eth name="eth0" mac="52-54-00-AA-BB-02" ip="dhcp"/>
   </com_info>
  </clusternode>
 </clusternodes>
</cluster>"#;

fn run_cluster(cmdline: &str, sys: &mut FakeSys) -> (anyhow::Result<()>, Record) {
    run_with(cmdline, Some(CLUSTER), sys)
}

#[test]
fn cluster_node_found_by_mac_gets_its_network_root_and_cdsl() {
    let mut sys = FakeSys::with_nics(&[("eth0", "52:54:00:12:34:56")]);
    sys.files = vec![(
        "/sysroot/.cdsl_inventory.xml".into(),
        r#"<cdsls config_version="2.0" tree=".cluster/cdsl" sharedtree=".cluster/shared" link=".cdsl.local" maxnodeidnum="0" use_nodeids="True" mountpoint="" default_dir="default" node_prefix="" expandstring=".cdsl"/>"#.into(),
        0o644,
    )];
    sys.dirs = vec!["/sysroot/.cluster/cdsl/1".into()];
    let (res, _) = run_cluster("", &mut sys);
    assert_eq!(
        res.unwrap_err().to_string(),
        "fake switch_root does not exec"
    );
    let actions = sys.actions();
    let pos = |c: &Call| {
        actions
            .iter()
            .position(|a| a == c)
            .unwrap_or_else(|| panic!("no {c:?} in {actions:#?}"))
    };
    let addr = pos(&Call::AddAddress("eth0".into(), ip("10.0.2.15"), 24));
    let host = pos(&Call::Hostname("n1".into()));
    let mount = pos(&Call::Mount(
        "10.0.2.2:/export/rootfs".into(),
        "/sysroot".into(),
    ));
    let cdsl = pos(&Call::LocalMount(
        "bind".into(),
        "/sysroot/.cluster/cdsl/1".into(),
        "/sysroot/.cdsl.local".into(),
    ));
    assert!(addr < host && host < mount && mount < cdsl, "{actions:#?}");
    let record = sys.record.unwrap();
    for line in [
        "OSR_NODEID='1'",
        "OSR_NODENAME='n1'",
        "OSR_CLUSTER_NAME='osrcl'",
        "OSR_NODEID_SOURCE='mac'",
        "OSR_CDSL_LAYOUT='v2'",
        "OSR_CDSL_LINK='.cdsl.local'",
        "OSR_ROOT_FSTYPE='nfs4'",
    ] {
        assert!(
            record.lines().any(|l| l == line),
            "record lacks {line}:\n{record}"
        );
    }
}

#[test]
fn cluster_node_by_param_uses_dhcp_and_fails_without_its_cdsl_dir() {
    let mut sys = FakeSys::with_nics(&[("eth0", "52:54:00:99:99:99")]);
    sys.lease = Some(lease());
    sys.dirs = vec![
        "/sysroot/cluster/cdsl".into(),
        "/sysroot/cluster/cdsl/default".into(),
    ];
    let (res, _) = run_cluster("nodeid=2", &mut sys);
    let err = format!("{:#}", res.unwrap_err());
    assert!(
        err.contains("node 2 has no directory cluster/cdsl/2")
            && err.contains("osr-cdsl --root <export> addnode 2"),
        "{err}"
    );
    assert!(sys.actions().contains(&Call::Dhcp(vec!["eth0".into()])));
    // With the fallback, default is bound, read-only: it is the template of new nodes.
    let mut sys = FakeSys::with_nics(&[("eth0", "52:54:00:99:99:99")]);
    sys.lease = Some(lease());
    sys.dirs = vec![
        "/sysroot/cluster/cdsl".into(),
        "/sysroot/cluster/cdsl/default".into(),
    ];
    let (res, _) = run_cluster("nodeid=2 rd.cdsl.fallback=default", &mut sys);
    assert_eq!(
        res.unwrap_err().to_string(),
        "fake switch_root does not exec"
    );
    assert!(sys.actions().contains(&Call::LocalMount(
        "bind-ro".into(),
        "/sysroot/cluster/cdsl/default".into(),
        "/sysroot/cdsl.local".into()
    )));
}

#[test]
fn unknown_mac_fails_with_the_macs_seen_and_known() {
    let mut sys = FakeSys::with_nics(&[("eth0", "52:54:00:99:99:99")]);
    let (res, _) = run_cluster("", &mut sys);
    let err = format!("{:#}", res.unwrap_err());
    assert!(
        err.contains("52:54:00:99:99:99") && err.contains("52:54:00:12:34:56"),
        "{err}"
    );
    assert!(!sys
        .actions()
        .iter()
        .any(|c| matches!(c, Call::AddAddress(..))));
}

#[test]
fn boot_log_goes_to_com_info_syslog_or_the_command_lines() {
    let mut sys = FakeSys::with_nics(&[("eth0", "52:54:00:12:34:56")]);
    sys.dirs = vec!["/sysroot/.cluster/cdsl/1".into()];
    let _ = run_cluster("", &mut sys);
    let sock = |s: &str| s.parse::<std::net::SocketAddr>().unwrap();
    let actions = sys.actions();
    let log = actions
        .iter()
        .position(|a| a == &Call::RemoteLog(vec![sock("10.0.2.2:514")]))
        .expect("remote log started");
    let addr = actions
        .iter()
        .position(|a| matches!(a, Call::AddAddress(..)))
        .unwrap();
    assert!(addr < log, "after the network: {actions:#?}");

    let mut sys = two_nics();
    let _ = run(
        &format!("root=nfs4:10.0.2.2:/x {IP} syslog=10.0.2.9:1514,10.0.2.8"),
        &mut sys,
    );
    assert!(sys.actions().contains(&Call::RemoteLog(vec![
        sock("10.0.2.9:1514"),
        sock("10.0.2.8:514")
    ])));
}

#[test]
fn rootovlcfg_percent_n_is_the_cluster_node_id() {
    let mut sys = FakeSys::with_nics(&[("eth0", "52:54:00:12:34:56")]);
    sys.dirs = vec!["/sysroot/.cluster/cdsl/1".into()];
    let _ = run_cluster("rootovl rootovlcfg=common,node%n,%h", &mut sys);
    assert!(
        sys.actions().contains(&Call::Rootovl(vec![
            "common".into(),
            "node1".into(),
            "n1".into()
        ])),
        "{:#?}",
        sys.actions()
    );
}

#[test]
fn cluster_bond_under_a_bridge_carries_the_address() {
    let conf = r#"<cluster name="c"><clusternodes>
      <clusternode name="b1" nodeid="1"><com_info>
        <rootvolume name="10.0.2.2:/export/rootfs" fstype="nfs4"/>
        <eth name="eth0" mac="52:54:00:12:34:56" master="bond0" slave="yes" driver="virtio_net"/>
        <eth name="eth1" mac="52:54:00:12:34:57" master="bond0" slave="yes"/>
        <eth name="bond0" bridge="br0"><properties><property name="BONDING_OPTS">BONDING_OPTS="mode=active-backup miimon=100"</property></properties></eth>
        <eth name="br0" type="Bridge" ip="10.0.2.15" mask="255.255.255.0" gateway="10.0.2.2"/>
      </com_info></clusternode>
      <clusternode name="b2" nodeid="2"><com_info><eth name="eth0" mac="52:54:00:00:00:02" ip="dhcp"/></com_info></clusternode>
    </clusternodes></cluster>"#;
    let mut sys = two_nics();
    let (res, _) = run_with("nocdsl", Some(conf), &mut sys);
    assert_eq!(
        res.unwrap_err().to_string(),
        "fake switch_root does not exec"
    );
    let actions = sys.actions();
    assert!(
        matches!(&actions[0], Call::LoadModules(m, true) if m == &["virtio_net".to_string()]),
        "{actions:#?}"
    );
    let pos = |c: &Call| {
        actions
            .iter()
            .position(|a| a == c)
            .unwrap_or_else(|| panic!("no {c:?} in {actions:#?}"))
    };
    let bond = pos(&Call::CreateNetdev("bond0".into()));
    let br = pos(&Call::CreateNetdev("br0".into()));
    let addr = pos(&Call::AddAddress("br0".into(), ip("10.0.2.15"), 24));
    assert!(bond < br && br < addr, "{actions:#?}");
    assert!(
        actions.contains(&Call::LoadModules(
            vec!["bonding".into(), "bridge".into()],
            false
        )),
        "{actions:#?}"
    );
}

const EXT4_HEAD: &[u8] = include_bytes!("../../core/tests/fixtures/blkid/ext4.head");

fn disk(name: &str, head: &[u8], after_s: u64) -> (String, Vec<u8>, Duration) {
    (name.into(), head.to_vec(), Duration::from_secs(after_s))
}

#[test]
fn block_root_by_label_waits_for_the_disk_and_mounts_it() {
    let mut sys = FakeSys {
        disks: vec![disk("sr0", &[], 0), disk("vda", EXT4_HEAD, 3)],
        ..FakeSys::default()
    };
    let (res, _) = run(
        "root=LABEL=rootext4 rw rootflags=noatime,data=journal",
        &mut sys,
    );
    assert_eq!(
        res.unwrap_err().to_string(),
        "fake switch_root does not exec"
    );
    assert_eq!(
        sys.actions(),
        [
            Call::LoadModules(vec![], true),
            Call::LoadModules(vec!["ext4".into()], false),
            Call::MountBlock(
                "/dev/vda".into(),
                "/sysroot".into(),
                "ext4".into(),
                "rw,noatime,data=journal".into()
            ),
            Call::SwitchRoot("/sysroot".into()),
        ]
    );
    // polled every 250 ms until the disk showed up at 3 s
    let waited: Duration = sys.sleeps().iter().sum();
    assert_eq!(waited, Duration::from_secs(3));
    let record = sys.record.unwrap();
    for line in [
        "OSR_ROOT_DEVICE='/dev/vda'",
        "OSR_ROOT_FSTYPE='ext4'",
        "OSR_ROOT_UUID='0a1b2c3d-4e5f-4607-8899-aabbccddeeff'",
        "OSR_ROOT_OPTIONS='rw,data=journal'",
    ] {
        assert!(record.lines().any(|l| l == line), "{line} not in\n{record}");
    }
}

#[test]
fn missing_block_root_fails_after_rd_retry_listing_what_was_seen() {
    let mut sys = FakeSys {
        disks: vec![disk("vda", EXT4_HEAD, 0)],
        ..FakeSys::default()
    };
    let (res, _) = run(
        "root=UUID=00000000-dead-beef-0000-000000000000 rd.retry=12",
        &mut sys,
    );
    let err = res.unwrap_err().to_string();
    assert_eq!(
        err,
        "root device UUID=00000000-dead-beef-0000-000000000000 not found after 12 s; block devices seen: vda (ext4 UUID=0a1b2c3d-4e5f-4607-8899-aabbccddeeff LABEL=rootext4) (rd.retry= / rd.timeout= set the wait)"
    );
    let waited: Duration = sys.sleeps().iter().sum();
    assert_eq!(waited, Duration::from_secs(12));
    assert!(!sys
        .actions()
        .iter()
        .any(|c| matches!(c, Call::MountBlock(..))));
}

#[test]
fn rootfstype_that_contradicts_the_superblock_is_refused() {
    let mut sys = FakeSys {
        disks: vec![disk("vda", EXT4_HEAD, 0)],
        ..FakeSys::default()
    };
    let (res, _) = run("root=/dev/vda rootfstype=xfs", &mut sys);
    let err = format!("{:#}", res.unwrap_err());
    assert!(
        err.contains("rootfstype=xfs but the device holds ext4"),
        "{err}"
    );
}

#[test]
fn block_mount_error_says_what_it_means() {
    let mut sys = FakeSys {
        disks: vec![disk("vda", EXT4_HEAD, 0)],
        ..FakeSys::default()
    };
    sys.mount_results.push_back(Err(Errno::ENODEV));
    let (res, _) = run("root=/dev/vda", &mut sys);
    let err = res.unwrap_err().to_string();
    assert!(
        err.starts_with("mounting /dev/vda (ext4) on /sysroot failed: ENODEV")
            && err.contains("the kernel has no ext4 filesystem"),
        "{err}"
    );
}

const GFS2_SB: &[u8] = include_bytes!("../../core/tests/fixtures/blkid/gfs2.at65536");

/// A GFS2 device head with this lock protocol and table.
fn gfs2_head(proto: &str, table: &str) -> Vec<u8> {
    let mut head = vec![0u8; 65536];
    head.extend_from_slice(GFS2_SB);
    let mut field = |off: usize, s: &str| {
        let f = &mut head[65536 + off..65536 + off + 64];
        f.fill(0);
        f[..s.len()].copy_from_slice(s.as_bytes());
    };
    field(96, proto);
    field(160, table);
    head
}

const CLUSTER_BLOCK: &str = r#"<cluster name="osrcl" config_version="1">
 <clusternodes>
  <clusternode name="n1" nodeid="1">
   <com_info>
    <rootvolume name="/dev/vda" fstype="gfs2" mountopts="noatime"/>
    <eth name="eth0" mac="52:54:00:12:34:56" ip="10.0.2.15" mask="24"/>
   </com_info>
  </clusternode>
  <clusternode name="n2" nodeid="2">
   <com_info>
    <rootvolume name="/dev/vda" fstype="gfs2" mountopts="noatime"/>
    <eth name="eth0" mac="52:54:00:12:34:57" ip="10.0.2.16" mask="24"/>
   </com_info>
  </clusternode>
 </clusternodes>
</cluster>"#;

fn run_block_cluster(cmdline: &str, sys: &mut FakeSys) -> (anyhow::Result<()>, Record) {
    run_with(cmdline, Some(CLUSTER_BLOCK), sys)
}

#[test]
fn gfs2_lock_dlm_root_starts_the_stack_after_the_network_and_before_the_mount() {
    let mut sys = FakeSys::with_nics(&[("eth0", "52:54:00:12:34:57")]);
    sys.nics[0].carrier = true;
    sys.disks = vec![disk("vda", &gfs2_head("lock_dlm", "osrcl:root"), 0)];
    let (res, _) = run_block_cluster("rw", &mut sys);
    assert_eq!(
        res.unwrap_err().to_string(),
        "fake switch_root does not exec"
    );
    let actions = sys.actions();
    let pos = |c: &Call| {
        actions
            .iter()
            .position(|a| a == c)
            .unwrap_or_else(|| panic!("no {c:?} in {actions:#?}"))
    };
    let addr = pos(&Call::AddAddress("eth0".into(), ip("10.0.2.16"), 24));
    let modules = pos(&Call::LoadModules(vec!["gfs2".into(), "dlm".into()], false));
    let stack = pos(&Call::DlmStack("osrcl".into()));
    let mount = pos(&Call::MountBlock(
        "/dev/vda".into(),
        "/sysroot".into(),
        "gfs2".into(),
        "rw,noatime".into(),
    ));
    assert!(
        addr < modules && modules < stack && stack < mount,
        "{actions:#?}"
    );
    let record = sys.record.unwrap();
    for line in [
        "OSR_CLUSTER_STACK='corosync+dlm'",
        "OSR_ROOT_FSTYPE='gfs2'",
        "OSR_NODEID='2'",
    ] {
        assert!(record.lines().any(|l| l == line), "{line} not in\n{record}");
    }
}

#[test]
fn no_quorum_is_fatal_and_nothing_is_mounted() {
    let mut sys = FakeSys::with_nics(&[("eth0", "52:54:00:12:34:56")]);
    sys.nics[0].carrier = true;
    sys.disks = vec![disk("vda", &gfs2_head("lock_dlm", "osrcl:root"), 0)];
    sys.stack_error = Some("cluster osrcl: no quorum after 30 s".into());
    let (res, _) = run_block_cluster("rw rd.retry=30", &mut sys);
    assert_eq!(
        res.unwrap_err().to_string(),
        "cluster osrcl: no quorum after 30 s"
    );
    assert!(!sys
        .actions()
        .iter()
        .any(|c| matches!(c, Call::MountBlock(..))));
    // rd.retry is what the quorum wait was given
    assert_eq!(sys.timeouts, [("dlm", Duration::from_secs(30))]);
}

#[test]
fn block_mount_gets_at_least_a_minute_whatever_rd_retry_says() {
    for (cmdline, want) in [
        ("root=/dev/vda rd.retry=0", 60),
        ("root=/dev/vda rd.retry=200", 200),
    ] {
        let mut sys = FakeSys {
            disks: vec![disk("vda", EXT4_HEAD, 0)],
            ..FakeSys::default()
        };
        let (res, _) = run(cmdline, &mut sys);
        assert_eq!(
            res.unwrap_err().to_string(),
            "fake switch_root does not exec",
            "{cmdline}"
        );
        assert_eq!(
            sys.timeouts,
            [("mount_block", Duration::from_secs(want))],
            "{cmdline}"
        );
    }
}

#[test]
fn busy_block_device_is_an_error_not_a_mounted_root() {
    let mut sys = FakeSys {
        disks: vec![disk("vda", EXT4_HEAD, 0)],
        mount_results: [Err(Errno::EBUSY)].into(),
        ..FakeSys::default()
    };
    let (res, _) = run("root=/dev/vda", &mut sys);
    let err = res.unwrap_err().to_string();
    assert!(
        err.contains("mounting /dev/vda (ext4) on /sysroot failed: EBUSY"),
        "{err}"
    );
    assert!(err.contains("the device is in use"), "{err}");
    assert!(!sys
        .actions()
        .iter()
        .any(|c| matches!(c, Call::SwitchRoot(_))));
}

#[test]
fn devices_already_read_are_not_read_again_while_waiting() {
    // vda is there from the start, the root (vdb) shows up at 2 s: 8 polls
    let mut sys = FakeSys {
        disks: vec![
            disk("vda", EXT4_HEAD, 0),
            disk("vdb", &gfs2_head("lock_nolock", "c:x"), 2),
        ],
        ..FakeSys::default()
    };
    let (res, _) = run("root=/dev/vdb", &mut sys);
    assert_eq!(
        res.unwrap_err().to_string(),
        "fake switch_root does not exec"
    );
    // vda once, vdb once when it appeared, and the direct open of /dev/vdb while absent
    assert_eq!(sys.sleeps().len(), 8);
    assert_eq!(sys.head_reads, 2 + 8);
}

#[test]
fn partuuid_and_partlabel_come_from_the_disks_gpt() {
    // the GPT sfdisk wrote (osr-core's fixture): partition 1 "osr root", partition 2 "swap"
    let gpt = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/core/tests/fixtures/parts/gpt.head"
    ))
    .unwrap();
    for cmdline in [
        "root=PARTUUID=5C6D7E8F-9A0B-4C1D-8E2F-3A4B5C6D7E80",
        "root=\"PARTLABEL=osr root\"",
        "root=/dev/disk/by-partlabel/osr\\x20root",
    ] {
        let mut sys = FakeSys {
            disks: vec![
                disk("vda", &gpt, 0),
                disk("vda1", EXT4_HEAD, 1),
                disk("vda2", &[0u8; 4096], 1),
            ],
            ..FakeSys::default()
        };
        let (res, _) = run(cmdline, &mut sys);
        assert_eq!(
            res.unwrap_err().to_string(),
            "fake switch_root does not exec",
            "{cmdline}"
        );
        assert!(
            sys.actions()
                .iter()
                .any(|c| matches!(c, Call::MountBlock(dev, ..) if dev == "/dev/vda1")),
            "{cmdline}: {:?}",
            sys.actions()
        );
    }
}

#[test]
fn rootfstype_gfs2_on_an_unrecognised_disk_reads_its_superblock_not_mounts_blind() {
    let mut sys = FakeSys {
        disks: vec![disk("vda", &[0u8; 70000], 0)],
        ..FakeSys::default()
    };
    let (res, _) = run("root=/dev/vda rootfstype=gfs2 rw", &mut sys);
    let err = format!("{:#}", res.unwrap_err());
    assert!(
        err.contains("/dev/vda: reading the GFS2 superblock"),
        "{err}"
    );
    assert!(!sys
        .actions()
        .iter()
        .any(|c| matches!(c, Call::MountBlock(..))));
}

#[test]
fn lock_table_of_another_cluster_is_refused_before_starting_anything() {
    let mut sys = FakeSys::with_nics(&[("eth0", "52:54:00:12:34:56")]);
    sys.nics[0].carrier = true;
    sys.disks = vec![disk("vda", &gfs2_head("lock_dlm", "other:root"), 0)];
    let (res, _) = run_block_cluster("", &mut sys);
    let err = format!("{:#}", res.unwrap_err());
    assert!(
        err.contains("cluster \"other\" but cluster.conf names cluster \"osrcl\""),
        "{err}"
    );
    assert!(!sys.actions().iter().any(|c| matches!(c, Call::DlmStack(_))));
}

#[test]
fn gfs2_nolock_on_one_node_needs_no_stack() {
    let mut sys = FakeSys {
        disks: vec![disk("vda", &gfs2_head("lock_dlm", "osrcl:root"), 0)],
        ..FakeSys::default()
    };
    let (res, _) = run("root=/dev/vda rootflags=lockproto=lock_nolock", &mut sys);
    assert_eq!(
        res.unwrap_err().to_string(),
        "fake switch_root does not exec"
    );
    assert!(sys.actions().contains(&Call::MountBlock(
        "/dev/vda".into(),
        "/sysroot".into(),
        "gfs2".into(),
        "ro,lockproto=lock_nolock".into()
    )));
}
