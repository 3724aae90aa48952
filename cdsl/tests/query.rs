//! `osr-cdsl query` / `com-queryclusterconf`: the legacy query names against a
//! cluster.conf in the open-sharedroot `com_info` schema (legacy-sharedroot.md
//! §1d; comoonics-initrd-ng's querymap.cfg, the osr dracut module's
//! query-map.cfg and cluster-lib.sh's `osr_generate_nodevalues`).

#![allow(clippy::unwrap_used)]

mod common;

use std::fs;
use std::os::unix::fs::symlink;
use std::path::Path;
use std::process::{Command, Output};

use common::write;
use tempfile::TempDir;

const CONF: &str = r#"<?xml version="1.0"?>
<cluster config_version="3" name="axqad109" type="gfs">
  <clusternodes>
    <clusternode name="node1" nodeid="1" votes="1">
      <com_info>
        <rootvolume fstype="nfs" name="192.168.122.1:/mnt/virtual/nfsosr/fc11" mountopts="nolock"/>
        <rootsource name="scsi"/>
        <eth name="eth0" ip="192.168.122.171" mac="00:0C:29:C9:C6:F5" mask="255.255.255.0" gateway="192.168.122.1"/>
        <eth name="eth1" mac="00:0C:29:C9:C6:F6" master="bond0" slave="yes" driver="e1000"/>
        <eth name="bond0" ip="10.0.0.1" mask="255.255.0.0" onboot="no">
          <properties><property name="BONDING_OPTS">BONDING_OPTS="miimon=100 mode=1"</property></properties>
        </eth>
        <syslog name="log1,log2" level="info"/>
        <scsi failover="mapper"/>
        <chrootenv mountpoint="/var/comoonics/chroot" fstype="tmpfs" device="none" chrootdir="/var/comoonics/chroot"/>
        <filesystems>
          <filesystem dest="/var" source="/cluster/cdsl/%(param0)s/var" fstype="bind" mounttimes="3"/>
        </filesystems>
      </com_info>
    </clusternode>
    <clusternode name="node2" nodeid="2" votes="1">
      <com_info>
        <rootvolume fstype="nfs" name="192.168.122.1:/mnt/virtual/nfsosr/fc11"/>
        <eth name="eth0" ip="dhcp" mac="00:0c:29:c9:c6:f7"/>
      </com_info>
    </clusternode>
  </clusternodes>
</cluster>
"#;

fn conf() -> TempDir {
    let d = TempDir::new().unwrap();
    write(d.path(), "etc/cluster/cluster.conf", CONF);
    d
}

fn run(bin: &Path, args: &[&str]) -> Output {
    Command::new(bin).args(args).output().unwrap()
}

fn query(root: &Path, args: &[&str]) -> Output {
    let mut all = vec!["--root", root.to_str().unwrap(), "query"];
    all.extend_from_slice(args);
    run(Path::new(env!("CARGO_BIN_EXE_osr-cdsl")), &all)
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn legacy_query_names_answer_one_value_per_line() {
    let d = conf();
    let root = d.path();
    for (args, want) in [
        // com-queryclusterconf's own queries.
        (&["nodeids"][..], "1\n2\n"),
        (&["nodeids", " "], "1 2\n"),
        (&["nodenames"], "node1\nnode2\n"),
        (&["nodeid", "00:0C:29:C9:C6:F5"], "1\n"),
        (&["nodeid", "00-0c-29-c9-c6-f7"], "2\n"),
        (&["nodename", "00:0c:29:c9:c6:f6"], "node1\n"),
        (&["nodenamebyid", "2"], "node2\n"),
        (&["netdevs", "node1"], "eth0\neth1\nbond0\n"),
        (&["netdevs", "1", " "], "eth0 eth1 bond0\n"),
        (&["ip", "node1", "eth0"], "192.168.122.171\n"),
        (&["ip", "node2", "eth0"], "dhcp\n"),
        (&["mask", "node1", "bond0"], "255.255.0.0\n"),
        (&["gateway", "node1", "eth0"], "192.168.122.1\n"),
        (&["master", "node1", "eth1"], "bond0\n"),
        (&["slave", "node1", "eth1"], "yes\n"),
        (&["hosts"], "192.168.122.171 \tnode1\n"),
        (
            &["ifconfig", "00:0c:29:c9:c6:f5"],
            "eth0 192.168.122.171 255.255.255.0\n",
        ),
        (
            &["rootvolume", "node1"],
            "192.168.122.1:/mnt/virtual/nfsosr/fc11\n",
        ),
        (&["rootfs", "node2"], "nfs\n"),
        (&["mountopts", "node1"], "nolock\n"),
        (&["syslog", "node1"], "log1,log2\n"),
        (&["scsifailover", "node1"], "mapper\n"),
        // The query maps' `%(param0)s` (nodeid) and `%(param1)s` queries.
        (&["clustername_name"], "axqad109\n"),
        (&["clustertype"], "gfs\n"),
        (&["nodes"], "2\n"),
        (
            &["hwids"],
            "00:0c:29:c9:c6:f5\n00:0c:29:c9:c6:f6\n00:0c:29:c9:c6:f7\n",
        ),
        (&["nodeid_by_hwid", "00:0C:29:C9:C6:F6"], "1\n"),
        (&["nodename_by_id", "1"], "node1\n"),
        (&["name_name", "2"], "node2\n"),
        (&["macs", "1"], "00:0c:29:c9:c6:f5\n00:0c:29:c9:c6:f6\n"),
        (&["hwid_by_nodeid", "1", "eth1"], "00:0c:29:c9:c6:f6\n"),
        (&["eth_name", "1"], "eth0\neth1\nbond0\n"),
        (&["eth_name_ip", "1", "eth0"], "192.168.122.171\n"),
        (&["eth_name_mac", "2", "eth0"], "00:0c:29:c9:c6:f7\n"),
        (&["eth_name_mask", "1", "eth0"], "255.255.255.0\n"),
        (&["eth_name_driver", "1", "eth1"], "e1000\n"),
        (&["eth_name_onboot", "1", "bond0"], "no\n"),
        (&["eth_name_onboot", "1", "eth0"], "yes\n"),
        (
            &["eth_name_properties", "1", "bond0"],
            "BONDING_OPTS=\"miimon=100 mode=1\"\n",
        ),
        (&["syslog_name", "1"], "log1,log2\n"),
        (&["sysloglevel", "1"], "info\n"),
        (
            &["rootvolume_name", "node1"],
            "192.168.122.1:/mnt/virtual/nfsosr/fc11\n",
        ),
        (&["rootvolume_fstype", "2"], "nfs\n"),
        (&["rootsource_name", "1"], "scsi\n"),
        (&["scsi_failover", "1"], "mapper\n"),
        (&["chrootenv_fstype", "1"], "tmpfs\n"),
        (&["chroot_dir", "1"], "/var/comoonics/chroot\n"),
        (&["filesystem_dest", "1"], "/var\n"),
        (
            &["filesystem_dest_source", "1", "/var"],
            "/cluster/cdsl/1/var\n",
        ),
        (&["filesystem_dest_mounttimes", "1", "/var"], "3\n"),
        // Output options of the legacy tool.
        (&["-s", ",", "nodeids"], "1,2\n"),
        (
            &["-P", "ids=", "-S", ";", "-s", " ", "nodeids"],
            "ids=1 2;\n",
        ),
        (
            &["-q", "-m", "/etc/osr/query-map.cfg", "macs", "2"],
            "00:0c:29:c9:c6:f7\n",
        ),
    ] {
        let out = query(root, args);
        assert_eq!(
            (text(&out.stdout).as_str(), out.status.code()),
            (want, Some(0)),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
}

#[test]
fn nodevalues_is_the_osr_dracut_modules_shell_file() {
    let d = conf();
    let out = query(d.path(), &["nodevalues", "1"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "eth_name='eth0 eth1 bond0'\n\
         eth_eth0_name=eth0\n\
         eth_eth0_mac=00:0c:29:c9:c6:f5\n\
         eth_eth0_ip=192.168.122.171\n\
         eth_eth0_gateway=192.168.122.1\n\
         eth_eth0_mask=255.255.255.0\n\
         eth_eth1_name=eth1\n\
         eth_eth1_mac=00:0c:29:c9:c6:f6\n\
         eth_eth1_ip=\n\
         eth_eth1_gateway=\n\
         eth_eth1_mask=\n\
         eth_bond0_name=bond0\n\
         eth_bond0_mac=\n\
         eth_bond0_ip=10.0.0.1\n\
         eth_bond0_gateway=\n\
         eth_bond0_mask=255.255.0.0\n\
         syslog_name=log1,log2\n\
         syslog_level=info\n\
         syslog_subsys=\n\
         syslog_type=\n\
         rootvolume_name=192.168.122.1:/mnt/virtual/nfsosr/fc11\n\
         rootvolume_fstype=nfs\n"
    );
}

#[test]
fn no_value_exits_1_silently_and_errors_exit_2_with_the_reason() {
    let d = conf();
    let root = d.path();
    for args in [
        &["rootvolume_mountopts", "2"][..],
        &["gateway", "node2", "eth0"],
        &["slave", "node1", "eth0"],
        &["syslog", "node2"],
    ] {
        let out = query(root, args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert_eq!(
            (text(&out.stdout), text(&out.stderr)),
            (String::new(), String::new())
        );
    }
    for (args, want) in [
        (
            &["frobnicate"][..],
            "frobnicate: unknown query; the queries are:",
        ),
        (
            &["rootvolume", "node9"],
            "node9: no clusternode with this nodeid or name",
        ),
        (
            &["eth_name_ip", "7", "eth0"],
            "7: no clusternode with this nodeid or name",
        ),
        (
            &["ip", "node1", "eth9"],
            "no <eth name=\"eth9\"> in node node1",
        ),
        (
            &["nodeid", "00:11:22:33:44:55"],
            "no clusternode has an <eth> with this MAC",
        ),
        (
            &["nodeid", "00:11:22"],
            "\"00:11:22\": expected a MAC address like",
        ),
        (&["nodeid"], "nodeid: expected `nodeid MAC`"),
        (
            &["rootvolume", "node1", "extra"],
            "expected `rootvolume NODENAME`",
        ),
        (
            &["query_value", "/cluster/@name"],
            "query_value: not supported: XPath",
        ),
        (&["failoverdomainnodes", "d"], "<rm> is not read"),
        (&["-m", "my.cfg", "mine"], "-m my.cfg is not read"),
        (&["-x", "nodeids"], "-x: unknown query option"),
        (&[], "query: expected a query name"),
    ] {
        let out = query(root, args);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: {err}");
        assert_eq!(text(&out.stdout), "", "{args:?}");
    }
    // A cluster.conf that is not XML is an error naming the file and the place.
    let bad = TempDir::new().unwrap();
    write(
        bad.path(),
        "etc/cluster/cluster.conf",
        &CONF.replace("</clusternodes>", ""),
    );
    let out = query(bad.path(), &["nodeids"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("cluster.conf:"), "{err}");
    // A bad value in one element is read as PID 1 reads it: skipped, with a warning.
    let odd = TempDir::new().unwrap();
    write(
        odd.path(),
        "etc/cluster/cluster.conf",
        &CONF.replace("00:0C:29:C9:C6:F5", "00:0C:29"),
    );
    let out = query(odd.path(), &["nodeids"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("warning: ") && err.contains("00:0C:29"),
        "{err}"
    );
}

#[test]
fn as_com_queryclusterconf_it_takes_the_legacy_command_line() {
    let d = conf();
    let bin = TempDir::new().unwrap();
    let tool = bin.path().join("com-queryclusterconf");
    symlink(env!("CARGO_BIN_EXE_osr-cdsl"), &tool).unwrap();
    let file = d.path().join("etc/cluster/cluster.conf");
    // gfs-lib.sh's form, and the osr dracut module's.
    let out = run(
        &tool,
        &["-f", file.to_str().unwrap(), "-q", "rootvolume", "node1"],
    );
    assert_eq!(
        text(&out.stdout),
        "192.168.122.1:/mnt/virtual/nfsosr/fc11\n"
    );
    let out = run(
        &tool,
        &["-c", file.to_str().unwrap(), "-m", "map.cfg", "macs", "1"],
    );
    assert_eq!(text(&out.stdout), "00:0c:29:c9:c6:f5\n00:0c:29:c9:c6:f6\n");
    // osr-cdsl's own --cluster-conf names the file too.
    let out = run(
        Path::new(env!("CARGO_BIN_EXE_osr-cdsl")),
        &["--cluster-conf", file.to_str().unwrap(), "query", "nodeids"],
    );
    assert_eq!(text(&out.stdout), "1\n2\n");
}

#[test]
fn the_roots_cluster_conf_is_not_read_through_a_symlink() {
    let d = TempDir::new().unwrap();
    let v = TempDir::new().unwrap();
    write(v.path(), "cluster.conf", CONF);
    fs::create_dir_all(d.path().join("etc/cluster")).unwrap();
    symlink(
        v.path().join("cluster.conf"),
        d.path().join("etc/cluster/cluster.conf"),
    )
    .unwrap();
    let out = query(d.path(), &["nodeids"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("etc/cluster/cluster.conf: expected a file, found a symlink"),
        "{err}"
    );
}

/// The Fedora 11 page's cluster.conf, verbatim (legacy-sharedroot.md §4): both
/// nodes carry the same MAC, so a MAC names both.
const FEDORA11: &str = r#"<?xml version="1.0"?> <cluster config_version="1" name="axqad109" type="gfs"> <clusternodes> <clusternode name="node1" nodeid="1" votes="1"> <com_info> <rootvolume fstype="nfs" name="192.168.122.1:/mnt/virtual/nfsosr/fc11"/> <eth name="eth0" ip="192.168.122.171" mac="00:0C:29:C9:C6:F5" mask="255.255.255.0" gateway="192.168.122.1"/> <fenceackserver user="root" passwd="test123"/> </com_info> </clusternode> <clusternode name="node2" nodeid="2" votes="2"> <com_info> <rootvolume fstype="nfs" name="192.168.122.1:/mnt/virtual/nfsosr/fc11"/> <eth name="eth0" ip="192.168.122.172" mac="00:0C:29:C9:C6:F5" mask="255.255.255.0" gateway="192.168.122.1"/> <fenceackserver user="root" passwd="test123"/> </com_info> </clusternode> </clusternodes> </cluster>"#;

#[test]
fn the_fedora_11_example_answers_as_published() {
    let d = TempDir::new().unwrap();
    write(d.path(), "etc/cluster/cluster.conf", FEDORA11);
    let out = query(d.path(), &["nodeid", "00:0c:29:c9:c6:f5"]);
    assert_eq!(
        (text(&out.stdout).as_str(), out.status.code()),
        ("1\n2\n", Some(0)),
        "{}",
        text(&out.stderr)
    );
    let out = query(d.path(), &["hosts"]);
    assert_eq!(
        text(&out.stdout),
        "192.168.122.171 \tnode1\n192.168.122.172 \tnode2\n"
    );
}
