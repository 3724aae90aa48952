use std::net::Ipv4Addr;

use tempfile::TempDir;

use super::*;

fn nodes() -> Vec<O2cbNode> {
    vec![
        O2cbNode {
            num: 1,
            name: "clnode1".into(),
            ipv4: Ipv4Addr::new(10, 77, 0, 11),
            port: 7777,
        },
        O2cbNode {
            num: 2,
            name: "clnode2".into(),
            ipv4: Ipv4Addr::new(10, 77, 0, 12),
            port: 7777,
        },
    ]
}

/// A fake /sys: interface_revision 5, cluster_stack as given.
fn sys(stack: Option<&str>) -> (TempDir, O2cbPaths) {
    let t = TempDir::new().unwrap();
    let paths = O2cbPaths {
        configfs: t.path().join("config"),
        sys_fs: t.path().join("fs"),
        mount: false,
    };
    fs::create_dir_all(paths.sys_fs.join("o2cb")).unwrap();
    fs::create_dir_all(paths.sys_fs.join("ocfs2")).unwrap();
    fs::create_dir_all(paths.configfs.join("cluster")).unwrap();
    fs::write(paths.sys_fs.join("o2cb/interface_revision"), "5\n").unwrap();
    if let Some(s) = stack {
        fs::write(paths.sys_fs.join("ocfs2/cluster_stack"), format!("{s}\n")).unwrap();
    }
    (t, paths)
}

fn read(p: &Path) -> String {
    fs::read_to_string(p).unwrap()
}

#[test]
fn nodes_are_declared_and_the_local_one_marked() {
    let (_t, paths) = sys(Some("o2cb"));
    configure_o2cb_in(&paths, "osrlab", &nodes(), 2).unwrap();
    let node = paths.configfs.join("cluster/osrlab/node");
    assert_eq!(read(&node.join("clnode1/num")), "1\n");
    assert_eq!(read(&node.join("clnode1/ipv4_address")), "10.77.0.11\n");
    assert_eq!(read(&node.join("clnode1/ipv4_port")), "7777\n");
    assert_eq!(read(&node.join("clnode2/num")), "2\n");
    assert_eq!(read(&node.join("clnode2/local")), "1\n");
    assert!(!node.join("clnode1/local").exists());
    assert!(paths.configfs.join("cluster/osrlab/heartbeat").is_dir());
    // a second run is fine
    configure_o2cb_in(&paths, "osrlab", &nodes(), 2).unwrap();
}

#[test]
fn another_stack_is_switched_to_o2cb() {
    let (_t, paths) = sys(Some("pcmk"));
    configure_o2cb_in(&paths, "osrlab", &nodes(), 1).unwrap();
    assert_eq!(read(&paths.sys_fs.join("ocfs2/cluster_stack")), "o2cb\n");
}

#[test]
fn errors() {
    let (_t, paths) = sys(None);
    let err = configure_o2cb_in(&paths, "osrlab", &nodes(), 3).unwrap_err();
    assert_eq!(
        format!("{err:#}"),
        "o2cb cluster osrlab: this node (3) is not in the node list"
    );

    fs::create_dir_all(paths.configfs.join("cluster/other")).unwrap();
    let err = configure_o2cb_in(&paths, "osrlab", &nodes(), 1).unwrap_err();
    assert!(
        format!("{err:#}").starts_with("o2cb: cluster \"other\" is configured already"),
        "{err:#}"
    );

    fs::write(paths.sys_fs.join("o2cb/interface_revision"), "3\n").unwrap();
    let err = configure_o2cb_in(&paths, "osrlab", &nodes(), 1).unwrap_err();
    assert!(
        format!("{err:#}").ends_with("interface revision \"3\", o2cb configuration needs 5"),
        "{err:#}"
    );

    fs::remove_file(paths.sys_fs.join("o2cb/interface_revision")).unwrap();
    let err = configure_o2cb_in(&paths, "osrlab", &nodes(), 1).unwrap_err();
    assert!(
        format!("{err:#}").contains("is ocfs2_nodemanager loaded?"),
        "{err:#}"
    );
}

fn region() -> HeartbeatRegion {
    HeartbeatRegion {
        name: "0123456789ABCDEF0123456789ABCDEF".into(),
        block_bytes: 512,
        start_block: 2048,
        blocks: 255,
    }
}

#[test]
fn heartbeat_region_attributes_then_the_descriptor() {
    let (t, paths) = sys(Some("o2cb"));
    configure_o2cb_in(&paths, "osrlab", &nodes(), 1).unwrap();
    let disk = t.path().join("disk");
    fs::write(&disk, [0u8; 4096]).unwrap();
    start_o2cb_heartbeat_in(&paths, "osrlab", &region(), &disk, Duration::from_secs(5)).unwrap();
    let dir = paths
        .configfs
        .join("cluster/osrlab/heartbeat/0123456789ABCDEF0123456789ABCDEF");
    assert_eq!(read(&dir.join("block_bytes")), "512\n");
    assert_eq!(read(&dir.join("start_block")), "2048\n");
    assert_eq!(read(&dir.join("blocks")), "255\n");
    let fd: i32 = read(&dir.join("dev")).trim().parse().unwrap();
    assert!(fd > 2, "{fd}");

    // running (the kernel shows the device name in dev): nothing is rewritten
    fs::write(dir.join("dev"), "vdb\n").unwrap();
    fs::write(dir.join("blocks"), "7\n").unwrap();
    start_o2cb_heartbeat_in(&paths, "osrlab", &region(), &disk, Duration::from_secs(5)).unwrap();
    assert_eq!(read(&dir.join("blocks")), "7\n");
}

#[test]
fn heartbeat_on_a_missing_device() {
    let (t, paths) = sys(Some("o2cb"));
    configure_o2cb_in(&paths, "osrlab", &nodes(), 1).unwrap();
    let err = start_o2cb_heartbeat_in(
        &paths,
        "osrlab",
        &region(),
        &t.path().join("nodisk"),
        Duration::from_secs(1),
    )
    .unwrap_err();
    let msg = format!("{err:#}");
    assert!(
        msg.starts_with("o2cb heartbeat 0123456789ABCDEF0123456789ABCDEF on ")
            && msg.contains("opening the device read-write"),
        "{msg}"
    );
}
