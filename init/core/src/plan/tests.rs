use super::*;
use crate::cmdline::Cmdline;

const IP: &str = "ip=10.0.2.15::10.0.2.2:255.255.255.0:node1:eth0:off";

/// The whole boot as a node runs it: the drivers' step, then the plan.
fn whole(config: &Config, node: Option<&Node>) -> Result<Plan, PlanError> {
    let mut p = super::plan_for(config, node)?;
    p.steps.insert(0, drivers(config, node.map(|n| &n.conf)));
    p.first = 1;
    Ok(p)
}

fn plan_for(s: &str) -> Result<Plan, PlanError> {
    whole(&Config::from_cmdline(&Cmdline::parse(s)).unwrap(), None)
}

fn mount_of(p: &Plan) -> &NfsMount {
    p.steps
        .iter()
        .find_map(|s| match &s.action {
            Action::MountNfsRoot { root, .. } => root.mount.as_ref(),
            _ => None,
        })
        .unwrap()
}

#[test]
fn the_four_issue_command_lines() {
    let cases = [
        (
            "nfs4",
            "root=nfs4:10.0.2.2:/export/rootfs",
            "nfs4",
            "10.0.2.2:/export/rootfs",
        ),
        (
            "nfs3",
            "root=nfs:10.0.2.2:/srv/root:vers=3,nolock",
            "nfs",
            "10.0.2.2:/srv/root",
        ),
        (
            "kernel",
            "root=/dev/nfs nfsroot=10.0.2.2:/srv/root,vers=4.2",
            "nfs4",
            "10.0.2.2:/srv/root",
        ),
        (
            "bare: NFSv4.2 offered first",
            "root=10.0.2.2:/srv/root",
            "nfs4",
            "10.0.2.2:/srv/root",
        ),
    ];
    for (label, root, fstype, source) in cases {
        let p = plan_for(&format!("{root} {IP}")).unwrap();
        let m = mount_of(&p);
        assert_eq!(
            (m.attempts[0].fstype, m.source.as_str(), m.read_only),
            (fstype, source, true),
            "case {label}"
        );
    }
}

#[test]
fn step_order_and_policy() {
    let p = plan_for(&format!(
        "root=nfs4:10.0.2.2:/x {IP} rd.break=pre-pivot rd.break=pre-network"
    ))
    .unwrap();
    let kinds: Vec<(&str, OnError)> = p
        .steps
        .iter()
        .map(|s| {
            let k = match &s.action {
                Action::LoadModules(m) if m.devices => "drivers",
                Action::LoadModules(_) => "fs-modules",
                Action::Break(_) => "break",
                Action::CreateNetdevs(_) => "netdevs",
                Action::ConfigureNetwork(_) => "network",
                Action::SetHostname(_) => "hostname",
                Action::MountNfsRoot { .. } => "mount",
                Action::MountBlockRoot { .. } => "block-mount",
                Action::HandOverNetwork => "handover",
                Action::MountOverlay(_) => "overlay",
                Action::ApplyRootovl { .. } => "rootovl",
                Action::Warn(_) => "warn",
                Action::Node(_) => "identify",
                Action::MountCdsl { .. } => "cdsl",
                Action::MountFilesystems { .. } => "filesystems",
                Action::StartRemoteLog(_) => "syslog",
                Action::SwitchRoot(_) => "switch_root",
            };
            (k, s.on_error)
        })
        .collect();
    use OnError::*;
    assert_eq!(
        kinds,
        [
            ("drivers", Warn),
            ("break", Warn),
            ("network", Fatal),
            ("hostname", Warn),
            ("fs-modules", Warn),
            ("mount", Fatal),
            ("handover", Warn),
            ("break", Warn),
            ("switch_root", Fatal)
        ]
    );
}

#[test]
fn server_from_peer_and_bootif_selection() {
    let p =
        plan_for("root=nfs:/srv/%s ip=10.0.2.15:10.0.2.9::24:n7::off BOOTIF=01-52-54-00-12-34-57")
            .unwrap();
    assert_eq!(mount_of(&p).source, "10.0.2.9:/srv/n7");
    let net = p.steps.iter().find_map(|s| match &s.action {
        Action::ConfigureNetwork(n) => Some(n),
        _ => None,
    });
    assert_eq!(
        net.unwrap().select,
        IfaceSelector::Mac("52:54:00:12:34:57".parse().unwrap())
    );
}

#[test]
fn refusals_explain_themselves() {
    let cases = [
        ("no root", IP.to_string(), "no ip= uses DHCP"),
        (
            "dhcp6",
            "root=nfs:10.0.2.2:/x ip=dhcp6".to_string(),
            "ip=dhcp6: IPv6 autoconfiguration is not supported yet",
        ),
        (
            "all off",
            "root=nfs:10.0.2.2:/x ip=off".to_string(),
            "every ip= is off",
        ),
        (
            "dhcp root, static ip",
            format!("root=dhcp {IP}"),
            "no ip= uses DHCP",
        ),
        (
            "empty uuid",
            format!("root=UUID= {IP}"),
            "root=\"UUID=\": expected /dev/<name>, UUID=<uuid>",
        ),
        (
            "no server",
            "root=nfs:/x ip=10.0.2.15:::24:::off".to_string(),
            "names no server",
        ),
        (
            "name",
            format!("root=nfs:filer:/x {IP}"),
            "'filer' is a name, but no nameserver= is given",
        ),
        (
            "fstype",
            format!("root=nfs:10.0.2.2:/x rootfstype=ext4 {IP}"),
            "rootfstype=ext4",
        ),
        (
            "vers",
            format!("root=nfs4:10.0.2.2:/x:vers=3 {IP}"),
            "vers=4 or 4.x",
        ),
    ];
    for (label, cmdline, needle) in cases {
        // refused where the command line is parsed, or by the plan
        let err = match Config::from_cmdline(&Cmdline::parse(&cmdline)) {
            Ok(config) => whole(&config, None).unwrap_err().to_string(),
            Err(e) => e.to_string(),
        };
        assert!(err.contains(needle), "case {label}: {err}");
    }
}

#[test]
fn block_root_needs_no_network() {
    let p = plan_for("root=LABEL=osrroot rw rootflags=noatime").unwrap();
    let kinds: Vec<String> = p.steps.iter().map(|s| s.action.to_string()).collect();
    assert_eq!(kinds.len(), 3, "{kinds:?}");
    assert!(kinds[0].starts_with("load modules for every device"));
    assert_eq!(
        kinds[1],
        "mount block device LABEL=osrroot on /sysroot type=probed rw wait-for=180s flags=noatime"
    );
    assert!(kinds[2].starts_with("switch_root"));
    let Action::MountBlockRoot { root, .. } = &p.steps[1].action else {
        panic!("{kinds:?}")
    };
    assert_eq!(root.device, RootDevice::Label("osrroot".into()));
    assert!(root.request.rw && root.request.cluster.is_none());
}

#[test]
fn block_root_with_ip_and_overlay() {
    let p = plan_for(&format!(
        "root=/dev/disk/by-uuid/0b5e rd.retry=20 rd.overlay rw {IP}"
    ))
    .unwrap();
    let block = p
        .steps
        .iter()
        .find_map(|s| match &s.action {
            Action::MountBlockRoot { root, wait, target } => Some((root, wait, target)),
            _ => None,
        })
        .unwrap();
    assert_eq!(block.0.device, RootDevice::Uuid("0b5e".into()));
    assert!(block.0.request.force_ro && !block.0.request.rw);
    assert_eq!((block.1.as_secs(), block.2.as_str()), (20, LOWER));
    assert!(p
        .steps
        .iter()
        .any(|s| matches!(s.action, Action::MountOverlay(_))));
    assert!(p
        .steps
        .iter()
        .any(|s| matches!(s.action, Action::HandOverNetwork)));
    assert!(p
        .steps
        .iter()
        .any(|s| matches!(s.action, Action::ConfigureNetwork(_))));
}

fn cluster_with(rootvolumes: [&str; 2]) -> ClusterConf {
    let node = |id: u32, rv: &str| {
        let fstype = if rv.contains(":/") { "nfs" } else { "gfs2" };
        format!(
            r#"<clusternode name="n{id}" nodeid="{id}"><com_info><rootvolume name="{rv}" fstype="{fstype}"/>
                <eth name="eth0" mac="52:54:00:00:00:0{id}" ip="10.0.0.{id}" mask="24"/></com_info></clusternode>"#
        )
    };
    let xml = format!(
        r#"<cluster name="c" config_version="1"><clusternodes>{}{}</clusternodes></cluster>"#,
        node(1, rootvolumes[0]),
        node(2, rootvolumes[1])
    );
    crate::cluster::parse(&xml).unwrap()
}

fn node_plan(cmdline: &str, conf: &ClusterConf, nics: &[(String, Mac)]) -> Result<Plan, PlanError> {
    let config = Config::from_cmdline(&Cmdline::parse(cmdline)).unwrap();
    let node = identify(&config, conf, nics).unwrap();
    whole(&config, Some(&node))
}

#[test]
fn cluster_block_rootvolume_plans_a_shared_block_root() {
    let conf = cluster_with(["/dev/sdb", "UUID=aa"]);
    let p = node_plan("rw nodeid=1", &conf, &[]).unwrap();
    let root = p
        .steps
        .iter()
        .find_map(|s| match &s.action {
            Action::MountBlockRoot { root, .. } => Some(root),
            _ => None,
        })
        .unwrap();
    assert_eq!(root.device, RootDevice::Path("/dev/sdb".into()));
    assert_eq!(root.request.cluster.as_deref(), Some("c"));
    assert_eq!(root.request.fstype.as_deref(), Some("gfs2"));
    assert_eq!(root.cluster.as_ref().map(|c| c.nodeid), Some(1));
    assert!(root.request.rw);
    // rw is the point of a cluster filesystem: no warning about shared writes
    assert!(!p.steps.iter().any(|s| matches!(s.action, Action::Warn(_))));
    // each node mounts its own <rootvolume>: node 2, found by its MAC, an NFS export
    let conf = cluster_with(["/dev/sdb", "10.0.0.9:/export"]);
    let nics = [("eth0".to_string(), "52:54:00:00:00:02".parse().unwrap())];
    let p = node_plan("", &conf, &nics).unwrap();
    let m = mount_of(&p);
    assert_eq!(m.source, "10.0.0.9:/export");
}

#[test]
fn block_root_errors_say_what_to_write() {
    // refused where the command line is parsed, or by the plan
    let err = |cmdline: &str| match Config::from_cmdline(&Cmdline::parse(cmdline)) {
        Ok(config) => plan(&config).unwrap_err().to_string(),
        Err(e) => e.to_string(),
    };
    for (cmdline, needle) in [
            ("root=/dev/disk/by-id/virtio-x", "only udev makes /dev/disk/by-id"),
            ("root=/dev/disk/by-path/pci-0000:00:04.0", "only udev makes /dev/disk/by-id and by-path"),
            ("root=/dev/mapper/vg-root", "device-mapper roots (LVM, multipath, LUKS) are not supported"),
            ("root=UUID=0b5e rootfstype=nfs4", "rootfstype=nfs4 names a network filesystem, but the root is the block device UUID=0b5e"),
        ] {
            let msg = err(cmdline);
            assert!(msg.contains(needle), "{cmdline}: {msg}");
        }
    // dracut's block: prefix is the same device
    let config = Config::from_cmdline(&Cmdline::parse("root=block:LABEL=osr")).unwrap();
    let p = plan(&config).unwrap();
    assert!(
        p.steps.iter().any(|s| matches!(&s.action,
            Action::MountBlockRoot { root, .. } if root.device == RootDevice::Label("osr".into())))
    );
}

#[test]
fn bad_block_rootvolume_names_the_node() {
    let config = Config::from_cmdline(&Cmdline::parse("rw")).unwrap();
    let cases = [
        (
            ["/dev/disk/by-id/scsi-1", "/dev/disk/by-id/scsi-1"],
            "clusternode n1: <rootvolume name=\"/dev/disk/by-id/scsi-1\">: expected",
        ),
        (
            ["UUID=", "UUID="],
            "clusternode n1: <rootvolume name=\"UUID=\">: expected",
        ),
    ];
    for (rvs, needle) in cases {
        let conf = cluster_with(rvs);
        let node = conf.nodes.first().unwrap();
        let msg = cluster_root(&config, node).unwrap_err().to_string();
        assert!(msg.contains(needle), "{rvs:?}: {msg}");
    }
}

#[test]
fn interface_selection() {
    let mac = |s: &str| Some(s.parse::<Mac>().unwrap());
    let nics = [
        Nic {
            name: "eth0".into(),
            mac: mac("52:54:00:12:34:56"),
            carrier: false,
        },
        Nic {
            name: "eth1".into(),
            mac: mac("52:54:00:12:34:57"),
            carrier: true,
        },
    ];
    let sel = |s: IfaceSelector| select_interface(&s, &nics).map(|n| n.name.as_str());
    assert_eq!(sel(IfaceSelector::Name("eth0".into())), Ok("eth0"));
    assert_eq!(
        sel(IfaceSelector::Mac("52:54:00:12:34:57".parse().unwrap())),
        Ok("eth1")
    );
    assert_eq!(sel(IfaceSelector::FirstWithCarrier), Ok("eth1"));
    let err = sel(IfaceSelector::Name("eth9".into()))
        .unwrap_err()
        .to_string();
    assert_eq!(err, "no network interface named eth9 (interfaces: eth0 52:54:00:12:34:56, eth1 52:54:00:12:34:57)");
    let err = select_interface(&IfaceSelector::FirstWithCarrier, &[])
        .unwrap_err()
        .to_string();
    assert!(err.contains("no NIC driver loaded"), "{err}");
}

#[test]
fn rd_timeout_bounds_the_waits() {
    let p = plan_for(&format!(
        "root=nfs4:10.0.2.2:/x {IP} rd.retry=60 rd.timeout=5"
    ))
    .unwrap();
    let retry = p.steps.iter().find_map(|s| match &s.action {
        Action::MountNfsRoot { retry, .. } => Some(*retry),
        _ => None,
    });
    assert_eq!(retry, Some(Duration::from_secs(5)));
    assert!(p.to_string().contains("carrier-timeout=5s"));
}

#[test]
fn plan_prints_one_line_per_step() {
    let p = plan_for(&format!(
        "root=nfs4:10.0.2.2:/export/rootfs {IP} nameserver=10.0.2.3"
    ))
    .unwrap();
    let text = p.to_string();
    assert!(
        text.contains("network iface=eth0 address=10.0.2.15/24 gateway=10.0.2.2 dns=10.0.2.3"),
        "{text}"
    );
    assert!(text.contains("mount 10.0.2.2:/export/rootfs on /sysroot type=nfs4 options=ro,vers=4.2,clientaddr=10.0.2.15,addr=10.0.2.2 retry-for=180s"), "{text}");
    assert!(
        text.contains("switch_root /sysroot init=/sbin/init|/etc/init|/bin/init|/bin/sh"),
        "{text}"
    );
}

fn net_of(p: &Plan) -> &NetPlan {
    p.steps
        .iter()
        .find_map(|s| match &s.action {
            Action::ConfigureNetwork(n) => Some(n),
            _ => None,
        })
        .unwrap()
}

fn root_of(p: &Plan) -> &RootPlan {
    p.steps
        .iter()
        .find_map(|s| match &s.action {
            Action::MountNfsRoot { root, .. } => Some(root),
            _ => None,
        })
        .unwrap()
}

#[test]
fn dhcp_forms_select_interfaces() {
    let dhcp = Addressing::Dhcp {
        timeout: Duration::from_secs(60),
        attempts: 1,
    };
    let cases = [
        ("ip=dhcp", IfaceSelector::All, None),
        ("ip=on", IfaceSelector::All, None),
        ("ip=any", IfaceSelector::All, None),
        ("ip=single-dhcp", IfaceSelector::All, None),
        ("", IfaceSelector::All, None),
        (
            "ip=eth1:dhcp:9000",
            IfaceSelector::Name("eth1".into()),
            Some(9000),
        ),
        (
            "ip=dhcp BOOTIF=01-52-54-00-12-34-57",
            IfaceSelector::Mac("52:54:00:12:34:57".parse().unwrap()),
            None,
        ),
    ];
    for (cmdline, select, mtu) in cases {
        let p = plan_for(&format!("root=nfs:10.0.2.2:/x {cmdline}")).unwrap();
        let n = net_of(&p);
        assert_eq!(
            (&n.select, n.mtu, &n.addressing),
            (&select, mtu, &dhcp),
            "{cmdline}"
        );
    }
}

#[test]
fn no_root_with_dhcp_takes_option_17() {
    for cmdline in ["ip=dhcp", "root=dhcp ip=dhcp", "netroot=dhcp", ""] {
        let p = plan_for(cmdline).unwrap();
        let root = root_of(&p);
        assert_eq!(root.spec, None, "{cmdline}");
        assert!(p
            .steps
            .iter()
            .any(|s| s.action == Action::SetHostname(None)));
        let text = p.to_string();
        assert!(text.contains("the root DHCP names (option 17)"), "{text}");
        assert!(
            text.contains("load modules names=nfs,nfsv3,nfsv4"),
            "{text}"
        );
    }
}

#[test]
fn dhcp_timeouts_and_peerdns() {
    let p = plan_for("ip=dhcp rd.net.timeout.dhcp=20 rd.net.dhcp.retry=3 rd.peerdns=0").unwrap();
    let n = net_of(&p);
    assert_eq!(
        n.addressing,
        Addressing::Dhcp {
            timeout: Duration::from_secs(20),
            attempts: 3
        }
    );
    assert!(!n.peerdns);
    let p = plan_for("ip=dhcp rd.net.timeout.dhcp=20 rd.timeout=7").unwrap();
    assert!(
        matches!(net_of(&p).addressing, Addressing::Dhcp { timeout, .. } if timeout == Duration::from_secs(7))
    );
    let err = Config::from_cmdline(&Cmdline::parse("rd.net.dhcp.retry=0")).unwrap_err();
    assert!(
        err.to_string()
            .contains("rd.net.dhcp.retry=\"0\": expected a number of attempts"),
        "{err}"
    );
}

#[test]
fn option_17_forms() {
    let spec = |server: Option<&str>, path: &str, nfs4: bool, opts: &[&str]| NfsSpec {
        server: server.map(str::to_string),
        path: path.to_string(),
        nfs4,
        options: crate::mountopts::parse(&opts.join(",")),
    };
    let cases = [
        (
            "nfs:10.0.0.1:/srv/root:vers=3",
            spec(Some("10.0.0.1"), "/srv/root", false, &["vers=3"]),
        ),
        (
            "nfs4:10.0.0.1:/export/%s",
            spec(Some("10.0.0.1"), "/export/%s", true, &[]),
        ),
        (
            "10.0.0.1:/srv/root",
            spec(Some("10.0.0.1"), "/srv/root", false, &[]),
        ),
        (
            "filer:/srv/root:ro,tcp",
            spec(Some("filer"), "/srv/root", false, &["ro", "tcp"]),
        ),
        ("/srv/hosts/%s", spec(None, "/srv/hosts/%s", false, &[])),
    ];
    for (text, want) in cases {
        assert_eq!(root_from_dhcp(text), Ok(want), "{text}");
    }
    for bad in ["UUID=abcd", "nonsense", "nfs:"] {
        assert!(
            matches!(root_from_dhcp(bad), Err(PlanError::BadRootPath(_))),
            "{bad}"
        );
    }
}

#[test]
fn server_fallback_order_and_percent_s() {
    let lease = Lease {
        address: "10.0.0.50".parse().unwrap(),
        prefix: 24,
        server_id: "10.0.0.1".parse().unwrap(),
        next_server: Some("10.0.0.2".parse().unwrap()),
        hostname: Some("n50".into()),
        root_path: Some("/srv/hosts/%s".into()),
        ..Lease::default()
    };
    let mut net = NetFacts {
        iface: "eth0".into(),
        address: Some("10.0.0.50".parse().unwrap()),
        hostname: Some("n50".into()),
        lease: Some(lease.clone()),
        ..NetFacts::default()
    };
    let root = root_of(&plan_for("ip=dhcp").unwrap()).clone();
    let (spec, server) = root_source(&root, &net).unwrap();
    assert_eq!(
        server,
        ServerRef::Ip("10.0.0.2".parse().unwrap()),
        "next-server first"
    );
    let m = root_mount(&root, &spec, "10.0.0.2".parse().unwrap(), &net).unwrap();
    assert_eq!(m.source, "10.0.0.2:/srv/hosts/n50");
    let versions: Vec<String> = m.attempts.iter().map(|a| a.version.to_string()).collect();
    assert_eq!(
        versions,
        ["4.2", "4.1", "4.0", "3"],
        "a bare path: negotiated"
    );

    net.lease.as_mut().unwrap().next_server = None;
    assert_eq!(
        root_source(&root, &net).unwrap().1,
        ServerRef::Ip("10.0.0.1".parse().unwrap()),
        "then the server id"
    );
    net.hostname = None;
    let m = root_mount(&root, &spec, "10.0.0.1".parse().unwrap(), &net).unwrap();
    assert_eq!(
        m.path, "/srv/hosts/10.0.0.50",
        "%s is the IP without a hostname"
    );

    net.lease.as_mut().unwrap().root_path = None;
    assert_eq!(root_source(&root, &net), Err(PlanError::NoRootPath));
}

#[test]
fn server_names_need_a_nameserver_or_dhcp() {
    assert!(plan_for(&format!("root=nfs4:filer:/x {IP} nameserver=10.0.2.3")).is_ok());
    assert!(plan_for("root=nfs4:filer:/x ip=dhcp").is_ok());
    let p = plan_for("root=nfs4:filer.example:/x ip=dhcp").unwrap();
    assert!(p
        .to_string()
        .contains("mount filer.example:/x on /sysroot type=nfs4 (server resolved at boot)"));
}

#[test]
fn a_dhcp_network_still_loads_only_the_nfs_version_the_root_names() {
    let p = plan_for("root=nfs:10.0.2.2:/x:vers=3 ip=dhcp").unwrap();
    let text = p.to_string();
    assert!(text.contains("load modules names=nfs,nfsv3\n"), "{text}");
    assert!(
        text.contains("type=nfs (client address from DHCP at boot)"),
        "{text}"
    );
    assert_eq!(root_of(&p).mount, None, "the lease completes the mount");
    // no vers=: negotiated at boot, either may be agreed
    let text = plan_for("root=nfs:10.0.2.2:/x ip=dhcp")
        .unwrap()
        .to_string();
    assert!(
        text.contains("load modules names=nfs,nfsv3,nfsv4\n"),
        "{text}"
    );
    assert!(text.contains("type=nfs|nfs4 (client address"), "{text}");
}

#[test]
fn a_cluster_node_without_rootvolume_or_dhcp_is_told_what_to_add() {
    let xml = r#"<cluster name="c" config_version="1"><clusternodes>
        <clusternode name="n1" nodeid="1"><com_info>
          <eth name="eth0" mac="52:54:00:00:00:01" ip="10.0.0.1" mask="24"/></com_info></clusternode>
        <clusternode name="n2" nodeid="2"><com_info>
          <eth name="eth0" mac="52:54:00:00:00:02" ip="10.0.0.2" mask="24"/></com_info></clusternode>
        </clusternodes></cluster>"#;
    let conf = crate::cluster::parse(xml).unwrap();
    let err = node_plan("nodeid=2", &conf, &[]).unwrap_err().to_string();
    assert!(
        err.contains("node 2 (n2) no <rootvolume>") && err.contains("give root="),
        "{err}"
    );
}

#[test]
fn vlan_on_bond_is_created_before_the_network() {
    let p = plan_for(
            "vlan=bond0.100:bond0 bond=bond0:eth0,eth1:mode=active-backup,miimon=100 ip=bond0.100:dhcp root=nfs4:10.78.0.1:/export/rootfs",
        )
        .unwrap();
    let text = p.to_string();
    assert!(
        text.contains("load modules for every device's modalias names=bonding,8021q"),
        "{text}"
    );
    assert!(
            text.contains("create bond bond0 slaves=eth0,eth1 options=mode=active-backup,miimon=100; vlan bond0.100 parent=bond0 id=100;"),
            "{text}"
        );
    let create = text.find("create bond").unwrap();
    let net = text.find("network iface=bond0.100 dhcp").unwrap();
    assert!(create < net, "{text}");
    assert_eq!(
        net_of(&p).enslaved,
        vec!["eth0".to_string(), "eth1".to_string()]
    );
}

#[test]
fn netdev_errors_name_the_parameter() {
    let err = Config::from_cmdline(&Cmdline::parse(
        "vlan=eth0.5000:eth0 bond=bond0:eth0:nosuchopt=1",
    ))
    .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("vlan=\"eth0.5000:eth0\""), "{text}");
    assert!(text.contains("bond=\"bond0:eth0:nosuchopt=1\""), "{text}");
    let err = Config::from_cmdline(&Cmdline::parse("bond=bond0:eth0 bridge=br0:eth0")).unwrap_err();
    assert!(err.to_string().contains("bond/vlan/bridge"), "{err}");
}

fn kinds(p: &Plan) -> Vec<String> {
    p.steps
        .iter()
        .map(|s| {
            s.action
                .to_string()
                .split(' ')
                .next()
                .unwrap_or("")
                .to_string()
        })
        .collect()
}

#[test]
fn overlay_forms_and_order() {
    for flag in [
        "rootovl",
        "rd.overlay",
        "rd.overlay=tmpfs",
        "rd.live.overlay.overlayfs",
        "rootovl=1",
    ] {
        let p = plan_for(&format!(
            "root=nfs4:10.0.2.2:/x {IP} {flag} rootovlcfg=a,%h rootovlcfg=c"
        ))
        .unwrap();
        let text = p.to_string();
        assert!(
            text.contains(
                "mount 10.0.2.2:/x on /run/initramfs/overlay/lower type=nfs4 options=ro,"
            ),
            "{flag}: {text}"
        );
        assert!(text.contains("overlay on /sysroot: lower /run/initramfs/overlay/lower (read-only), upper tmpfs size=50%"), "{flag}: {text}");
        assert!(
            text.contains("rootovl trees from /etc/rootovl/ in the order c, %h, a"),
            "{flag}: {text}"
        );
        let k = kinds(&p);
        let pos = |w: &str| k.iter().position(|x| x == w).unwrap();
        assert!(
            pos("mount") < pos("overlay")
                && pos("overlay") < pos("rootovl")
                && pos("rootovl") < pos("hand"),
            "{k:?}"
        );
    }
    let p = plan_for(&format!(
        "root=nfs4:10.0.2.2:/x {IP} rd.overlay=tmpfs:size=64m,nr_inodes=5000"
    ))
    .unwrap();
    assert!(p
        .to_string()
        .contains("upper tmpfs size=64m nr_inodes=5000"));
    assert!(!p.to_string().contains("rootovl trees"));
    // rd.overlay=0 wins over the legacy flag.
    let p = plan_for(&format!("root=nfs4:10.0.2.2:/x {IP} rootovl rd.overlay=0")).unwrap();
    assert!(!p.to_string().contains("overlay on"));
}

#[test]
fn rootovlcfg_without_overlay_and_rw_with_overlay_warn() {
    let p = plan_for(&format!("root=nfs4:10.0.2.2:/x {IP} rootovlcfg=a,b")).unwrap();
    let text = p.to_string();
    assert!(text.contains("[warn ] warning: rootovlcfg=a,b ignored: the trees are applied on an overlay root only; add rootovl"), "{text}");
    assert!(text.contains("mount 10.0.2.2:/x on /sysroot"), "{text}");
    let p = plan_for(&format!("root=nfs4:10.0.2.2:/x {IP} rootovl rw")).unwrap();
    let text = p.to_string();
    assert!(text.contains("warning: rw ignored"), "{text}");
    assert!(
        text.contains("options=ro,"),
        "the lower stays read-only: {text}"
    );
    let p = plan_for(&format!("root=nfs4:10.0.2.2:/x {IP} rw")).unwrap();
    assert!(p.to_string().contains("on /sysroot type=nfs4 options=rw,"));
    let err = Config::from_cmdline(&Cmdline::parse("rd.overlay=disk")).unwrap_err();
    assert!(
        err.to_string()
            .contains("rd.overlay=\"disk\": expected nothing, 0/1, or tmpfs["),
        "{err}"
    );
}

#[test]
fn mounttimes_and_mountwait_set_the_retry() {
    let retry = |extra: &str| {
        let p = plan_for(&format!("root=nfs4:10.0.2.2:/x {IP} {extra}")).unwrap();
        p.steps.iter().find_map(|s| match &s.action {
            Action::MountNfsRoot { retry, .. } => Some(retry.as_secs()),
            _ => None,
        })
    };
    assert_eq!(retry(""), Some(180));
    assert_eq!(retry("mounttimes=5 mountwait=4"), Some(20));
    assert_eq!(retry("mounttimes=3"), Some(30));
    assert_eq!(retry("mountwait=2"), Some(60));
    assert_eq!(retry("mounttimes=5 rd.retry=7"), Some(7));
}

#[test]
fn the_overlay_lower_stays_read_only_even_with_rw_options() {
    let p = plan_for(&format!("root=nfs4:10.0.2.2:/x:rw {IP} rootovl")).unwrap();
    assert!(root_of(&p).mount.as_ref().unwrap().read_only);
    let p = plan_for(&format!("root=nfs4:10.0.2.2:/x:rw {IP}")).unwrap();
    assert!(!root_of(&p).mount.as_ref().unwrap().read_only);
}

#[test]
fn a_cluster_node_mounts_its_root_read_write_unless_told_ro() {
    let conf = cluster_with(["10.0.0.9:/export", "/dev/sdb"]);
    let nfs_ro = |cmdline: &str| mount_of(&node_plan(cmdline, &conf, &[]).unwrap()).read_only;
    assert!(!nfs_ro("nodeid=1"), "legacy: the shared root read-write");
    assert!(nfs_ro("nodeid=1 ro"), "ro on the command line wins");
    assert!(
        nfs_ro("nodeid=1 mountopts=ro,nolock"),
        "ro in the options wins"
    );
    assert!(nfs_ro("nodeid=1 rw rootflags=ro"), "ro in rootflags= wins");
    assert!(
        !nfs_ro("nodeid=1 ro rootflags=rw"),
        "options come after the command line"
    );
    let block = |cmdline: &str| {
        let p = node_plan(cmdline, &conf, &[]).unwrap();
        p.steps.iter().find_map(|s| match &s.action {
            Action::MountBlockRoot { root, .. } => Some(root.request.read_only()),
            _ => None,
        })
    };
    assert_eq!(block("nodeid=2"), Some(false));
    assert_eq!(block("nodeid=2 ro"), Some(true));
    // nodeid= alone makes a cluster node too; elsewhere read-only unless rw
    let ro = |cmdline: &str| mount_of(&plan_for(&format!("{cmdline} {IP}")).unwrap()).read_only;
    assert!(!ro("root=nfs:10.0.2.2:/x nodeid=3"));
    assert!(ro("root=nfs:10.0.2.2:/x"));
    assert!(!ro("root=nfs:10.0.2.2:/x rw"));
    let text = node_plan("nodeid=1", &conf, &[]).unwrap().to_string();
    assert!(!text.contains("warning"), "rw is the rule here: {text}");
}

#[test]
fn bare_root_nfs_takes_the_rootvolume_else_dhcp() {
    let conf = cluster_with(["10.0.0.9:/export", "10.0.0.9:/other"]);
    let m = mount_of(&node_plan("root=nfs: nodeid=2", &conf, &[]).unwrap()).clone();
    assert_eq!(m.source, "10.0.0.9:/other");
    let m = mount_of(&node_plan("root=nfs4: nodeid=1", &conf, &[]).unwrap()).clone();
    assert_eq!(m.fstype(), Some("nfs4"), "nfs4: keeps it to NFSv4");
    // no cluster.conf: DHCP's option 17, as root=dhcp
    let p = plan_for("root=nfs: ip=dhcp").unwrap();
    assert_eq!(root_of(&p).spec, None);
    assert!(root_of(&p).via_lease);
    // neither: the error names root=
    let err = plan_for(&format!("root=nfs: {IP}"))
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("root=nfs: names no server and no path, and there is no cluster.conf"),
        "{err}"
    );
    // a node without <rootvolume>: DHCP's, else the error names root=
    let xml = r#"<cluster name="c" config_version="1"><clusternodes>
        <clusternode name="n1" nodeid="1"><com_info>
          <eth name="eth0" mac="52:54:00:00:00:01" ip="10.0.0.1" mask="24"/></com_info></clusternode>
        </clusternodes></cluster>"#;
    let conf = crate::cluster::parse(xml).unwrap();
    let err = node_plan("root=nfs: nodeid=1", &conf, &[])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("cluster.conf gives node n1 no <rootvolume name>"),
        "{err}"
    );
    let p = node_plan("root=nfs: nodeid=1 ip=dhcp", &conf, &[]).unwrap();
    assert_eq!(root_of(&p).spec, None, "the root path from DHCP");
}

#[test]
fn the_plan_shows_the_versions_offered_and_the_flags() {
    let text = plan_for(&format!(
        "root=10.0.2.2:/srv rootflags=noatime,nodiratime {IP}"
    ))
    .unwrap()
    .to_string();
    assert!(
        text.contains(
            "mount 10.0.2.2:/srv on /sysroot type=nfs4 options=ro,noatime,nodiratime,vers=4.2,clientaddr=10.0.2.15,addr=10.0.2.2 retry-for=180s; if the server refuses NFSv4.2: 4.1, 4.0, 3 in turn (as mount.nfs)"
        ),
        "{text}"
    );
    assert!(
        text.contains("load modules names=nfs,nfsv3,nfsv4\n"),
        "{text}"
    );
    let text = plan_for("root=LABEL=r rootflags=nosuid,data=ordered,ro rw")
        .unwrap()
        .to_string();
    assert!(
        text.contains("type=probed ro wait-for=180s flags=nosuid options=data=ordered"),
        "{text}"
    );
    let err = Config::from_cmdline(&Cmdline::parse("rootflags=rbind"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("rootflags=\"rbind\": expected mount options of one filesystem mount"),
        "{err}"
    );
}

fn step_name(a: &Action) -> &'static str {
    match a {
        Action::LoadModules(m) if m.devices => "drivers",
        Action::LoadModules(_) => "modules",
        Action::Node(_) => "identify",
        Action::ConfigureNetwork(_) => "network",
        Action::SetHostname(_) => "hostname",
        Action::MountNfsRoot { .. } => "mount",
        Action::MountCdsl { .. } => "cdsl",
        Action::HandOverNetwork => "handover",
        Action::SwitchRoot(_) => "switch_root",
        _ => "other",
    }
}

fn cdsl_of(p: &Plan) -> Option<(u32, Option<&'static str>)> {
    p.steps.iter().find_map(|s| match &s.action {
        Action::MountCdsl {
            nodeid, given_by, ..
        } => Some((*nodeid, *given_by)),
        _ => None,
    })
}

#[test]
fn nodeid_without_cluster_conf_binds_that_nodes_cdsl_tree() {
    let p = plan_for(&format!("nodeid=2 root=nfs4:10.0.2.2:/x {IP}")).unwrap();
    assert_eq!(cdsl_of(&p), Some((2, Some("nodeid"))));
    let record = p.steps.iter().find_map(|s| match &s.action {
        Action::Node(r) => Some(r.clone()),
        _ => None,
    });
    assert_eq!(
        record,
        Some(NodeRecord {
            nodeid: 2,
            how: crate::cluster::Source::Param,
            member: None,
        })
    );
    let text = p.to_string();
    assert!(
        text.contains("no cluster.conf: this is node 2 (from nodeid=), for its CDSL tree and %n"),
        "{text}"
    );
    // after the root, before switch_root, as for a cluster node; nothing else changes
    let keys: Vec<&str> = p.steps.iter().map(|s| step_name(&s.action)).collect();
    assert_eq!(
        keys,
        [
            "drivers",
            "identify",
            "network",
            "hostname",
            "modules",
            "mount",
            "cdsl",
            "handover",
            "switch_root"
        ]
    );
    // com-nodeid= too; nodeid= first
    let p = plan_for(&format!("com-nodeid=3 root=nfs4:10.0.2.2:/x {IP}")).unwrap();
    assert_eq!(cdsl_of(&p), Some((3, Some("com-nodeid"))));
    let p = plan_for(&format!("com-nodeid=3 nodeid=4 root=nfs4:10.0.2.2:/x {IP}")).unwrap();
    assert_eq!(cdsl_of(&p), Some((4, Some("nodeid"))));
    // nocdsl: recorded, not bound; without nodeid= nothing at all
    let p = plan_for(&format!("nodeid=2 nocdsl root=nfs4:10.0.2.2:/x {IP}")).unwrap();
    assert_eq!(cdsl_of(&p), None);
    let p = plan_for(&format!("root=nfs4:10.0.2.2:/x {IP}")).unwrap();
    assert_eq!(cdsl_of(&p), None);
    assert!(!p.steps.iter().any(|s| matches!(s.action, Action::Node(_))));
}

#[test]
fn nodeid_without_cluster_conf_is_the_rootovl_n_and_is_checked() {
    let p = plan_for(&format!(
        "nodeid=5 root=nfs4:10.0.2.2:/x {IP} rootovl rootovlcfg=n%n"
    ))
    .unwrap();
    let (cdsl, ovl) = (
        p.steps
            .iter()
            .position(|s| matches!(s.action, Action::MountCdsl { .. })),
        p.steps.iter().find_map(|s| match &s.action {
            Action::ApplyRootovl { nodeid, .. } => Some(*nodeid),
            _ => None,
        }),
    );
    assert!(cdsl.is_some());
    assert_eq!(ovl, Some(Some(5)));
    let err = plan_for(&format!("nodeid=two root=nfs4:10.0.2.2:/x {IP}")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "nodeid=two: expected a node id, a whole number like 1"
    );
}

#[test]
fn a_cluster_node_found_by_mac_is_not_warned_about_a_root_without_cdsl() {
    let conf = cluster_with(["10.0.0.9:/export", "10.0.0.9:/export"]);
    let nics = [("eth0".to_string(), "52:54:00:00:00:02".parse().unwrap())];
    assert_eq!(
        cdsl_of(&node_plan("", &conf, &nics).unwrap()),
        Some((2, None))
    );
    assert_eq!(
        cdsl_of(&node_plan("nodeid=1", &conf, &nics).unwrap()),
        Some((1, Some("nodeid")))
    );
}

#[test]
fn a_cluster_eth_without_address_uses_dhcp_unless_not_onboot() {
    let xml = r#"<cluster name="c"><clusternodes>
        <clusternode name="n1" nodeid="1"><com_info><rootvolume name="10.0.0.9:/r"/>
          <eth name="eth0" ip="" mask="" gateway=""/><eth name="eth1" onboot="no"/>
          <eth name="eth2" ip="10.0.0.1" mask="24"/></com_info></clusternode>
        </clusternodes></cluster>"#;
    let conf = crate::cluster::parse(xml).unwrap();
    let p = node_plan("", &conf, &[]).unwrap();
    let nets: Vec<(String, bool)> = p
        .steps
        .iter()
        .filter_map(|s| match &s.action {
            Action::ConfigureNetwork(n) => Some((
                n.select.to_string(),
                matches!(n.addressing, Addressing::Dhcp { .. }),
            )),
            _ => None,
        })
        .collect();
    assert_eq!(
        nets,
        [("eth0".to_string(), true), ("eth2".to_string(), false)]
    );
}

#[test]
fn a_comoonics_parameter_osr_rs_does_not_use_is_a_warning_of_the_plan() {
    let p = plan_for(&format!(
        "root=nfs:10.0.2.2:/x {IP} quorumack newroot=/mnt/x"
    ))
    .unwrap();
    let warnings: Vec<String> = p
        .steps
        .iter()
        .filter_map(|s| match &s.action {
            Action::Warn(w) => Some(w.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(warnings[0].starts_with("newroot: "), "{warnings:?}");
    assert!(p
        .to_string()
        .contains("warning: quorumack: a comoonics initrd parameter"));
}

#[test]
fn the_command_line_ro_rw_wins_over_cluster_conf_options_as_legacy_appended_them() {
    let conf = crate::cluster::parse(
        r#"<cluster name="c" config_version="1"><clusternodes>
        <clusternode name="n1" nodeid="1"><com_info>
        <rootvolume name="10.0.0.9:/export" fstype="nfs" mountopts="rw,noatime"/>
        <eth name="eth0" mac="52:54:00:00:00:01" ip="10.0.0.1" mask="24"/></com_info></clusternode>
        </clusternodes></cluster>"#,
    )
    .unwrap();
    let ro = |cmdline: &str| mount_of(&node_plan(cmdline, &conf, &[]).unwrap()).read_only;
    assert!(!ro("nodeid=1"), "<rootvolume mountopts> rw");
    assert!(ro("nodeid=1 ro"), "the legacy initrd appended ,ro: it wins");
    assert!(ro("nodeid=1 ro mountopts=rw"), "over mountopts= too");
    assert!(!ro("nodeid=1 rw mountopts=ro"), "and rw likewise");
    // root='s own options are dracut's: they win over the command line
    assert!(!ro("nodeid=1 ro root=nfs:10.0.0.9:/export:rw"));
}

#[test]
fn a_rootvolume_the_node_does_not_use_cannot_stop_its_boot() {
    let conf = cluster_with(["srv:export", "fstype-less"]);
    // root= given: the broken <rootvolume> is not this boot's
    let p = node_plan("nodeid=1 root=nfs:10.0.0.9:/export", &conf, &[]).unwrap();
    assert!(!mount_of(&p).read_only);
    // without root=, or with the bare root=nfs: that stands for it, it is
    for cmdline in ["nodeid=1", "nodeid=1 root=nfs:"] {
        let config = Config::from_cmdline(&Cmdline::parse(cmdline)).unwrap();
        let node = identify(&config, &conf, &[]).unwrap();
        let err = whole(&config, Some(&node)).unwrap_err().to_string();
        assert!(err.contains("srv:export"), "{cmdline}: {err}");
    }
}
