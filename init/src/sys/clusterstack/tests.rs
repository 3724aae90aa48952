use std::os::unix::fs::{symlink, PermissionsExt};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use tempfile::TempDir;

use super::stackroot::copy_tree;
use super::*;

/// A layout in a temp dir whose programs are shell scripts; the daemons are not
/// chrooted.
struct Lab {
    t: TempDir,
    layout: Layout,
}

impl Lab {
    fn new() -> Lab {
        let t = TempDir::new().unwrap();
        let layout = Layout {
            root: t.path().join("root"),
            chroot: false,
            tree: t.path().join("tree"),
            run_dir: t.path().join("run"),
            configfs: t.path().join("config"),
            corosync: t.path().join("corosync").display().to_string(),
            quorumtool: t.path().join("quorumtool").display().to_string(),
            dlm_controld: t.path().join("dlm_controld").display().to_string(),
            dlm_tool: t.path().join("dlm_tool").display().to_string(),
            poll: Duration::from_millis(50),
            api_mounts: API_MOUNTS,
        };
        fs::create_dir_all(&layout.configfs).unwrap();
        Lab { t, layout }
    }

    /// Shell that records its pid and stays.
    fn sleeper(&self, name: &str) -> String {
        format!(
            "echo $$ > {}; exec sleep 30",
            self.t.path().join(format!("{name}.pid")).display()
        )
    }

    fn script(&self, name: &str, body: &str) {
        let p = self.t.path().join(name);
        fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(0o755)).unwrap();
    }

    /// A quorumtool that says "not quorate" `n` times, then quorate.
    fn quorate_after(&self, n: u32) {
        let count = self.t.path().join("count");
        self.script(
            "quorumtool",
            &format!(
                "c=$(cat {c} 2>/dev/null || echo 0); echo $((c+1)) > {c}
if [ $c -lt {n} ]; then
  printf 'Nodes:            1\\nQuorate:          No\\nExpected votes:   2\\nTotal votes:      1\\n'; exit 2
fi
printf 'Nodes:            2\\nQuorate:          Yes\\nExpected votes:   2\\nTotal votes:      2\\n'",
                c = count.display()
            ),
        );
    }

    /// A dlm_controld that names the cluster in (fake) configfs and stays.
    fn dlm_ok(&self) {
        let dir = self.layout.configfs.join("dlm/cluster");
        self.script(
            "dlm_controld",
            &format!(
                "mkdir -p {d}; echo osrlab > {d}/cluster_name; exec sleep 30",
                d = dir.display()
            ),
        );
        self.script("dlm_tool", "echo 'cluster nodeid 1 quorate 1 ring seq 9 9'");
    }

    fn start(&self, timeout: Duration) -> (Result<StackPids>, Vec<String>) {
        let mut lines = Vec::new();
        let r = start_dlm_stack_in(
            &self.layout,
            "totem {}\n",
            "osrlab",
            timeout,
            &mut |l: &str| lines.push(l.to_string()),
        );
        (r, lines)
    }
}

fn stop(pids: &StackPids) {
    for pid in [pids.corosync, pids.dlm_controld] {
        kill(Pid::from_raw(i32::try_from(pid).unwrap()), Signal::SIGKILL).unwrap();
    }
}

#[test]
fn starts_corosync_waits_for_quorum_then_dlm_controld() {
    let lab = Lab::new();
    lab.script(
        "corosync",
        &format!("echo corosync up; {}", lab.sleeper("corosync")),
    );
    lab.quorate_after(2);
    lab.dlm_ok();
    let (r, lines) = lab.start(Duration::from_secs(10));
    let pids = r.unwrap();
    stop(&pids);
    let root = &lab.layout.root;
    assert_eq!(read(&root.join(COROSYNC_CONF)), "totem {}\n");
    assert_eq!(read(&root.join(DLM_CONF_PATH)), DLM_CONF);
    assert_eq!(
        read(&lab.layout.run_dir.join(RECORD_FILE)),
        format!(
            "OSR_CLUSTER='osrlab'\nOSR_CLUSTER_STACK=dlm\nOSR_CLUSTER_ROOT='/'\n\
             COROSYNC_PID={}\nDLM_CONTROLD_PID={}\n",
            pids.corosync, pids.dlm_controld
        )
    );
    assert_eq!(
        read(&lab.layout.run_dir.join("corosync.log")),
        "corosync up\n"
    );
    assert!(
        lines.contains(&"cluster osrlab: quorate: 2 of 2 votes, 2 nodes, quorate".to_string()),
        "{lines:#?}"
    );
    assert!(lines
        .last()
        .unwrap()
        .starts_with("cluster osrlab: dlm_controld ready; corosync pid "));
}

fn read(p: &Path) -> String {
    fs::read_to_string(p).unwrap()
}

#[test]
fn no_quorum_times_out_with_what_was_seen() {
    let lab = Lab::new();
    lab.script("corosync", &lab.sleeper("corosync"));
    lab.quorate_after(u32::MAX / 2);
    lab.dlm_ok();
    let (r, _) = lab.start(Duration::from_secs(1));
    let msg = format!("{:#}", r.unwrap_err());
    assert_eq!(
        msg,
        "cluster osrlab: no quorum after 1 s (1 of 2 votes, 1 node, not quorate): check that the other nodes are booting and reachable on UDP 5405"
    );
    // corosync is left running for the emergency shell; this test stops it
    let record = lab.layout.run_dir.join(RECORD_FILE);
    assert!(!record.exists());
    kill_pidfile(&lab, "corosync");
}

/// Kills the fake daemon that wrote its pid to `<name>.pid`.
fn kill_pidfile(lab: &Lab, name: &str) {
    let p = lab.t.path().join(format!("{name}.pid"));
    // The stand-in writes its pid as it starts: on a loaded machine the start being
    // tested may fail (as meant) before the shell got that far.
    for _ in 0..100 {
        if fs::metadata(&p).is_ok_and(|m| m.len() > 0) {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let pid: i32 = read(&p).trim().parse().unwrap();
    kill(Pid::from_raw(pid), Signal::SIGKILL).unwrap();
}

#[test]
fn corosync_exiting_early_fails_with_its_status_and_log() {
    let lab = Lab::new();
    lab.script(
        "corosync",
        "echo 'parse error in config: No valid name found for local host' >&2; exit 8",
    );
    lab.quorate_after(u32::MAX / 2);
    lab.dlm_ok();
    let (r, _) = lab.start(Duration::from_secs(5));
    let msg = format!("{:#}", r.unwrap_err());
    assert!(
        msg.starts_with("corosync exited during start (exit status 8); ")
            && msg.ends_with(
                "corosync.log: parse error in config: No valid name found for local host"
            ),
        "{msg}"
    );
}

#[test]
fn the_images_dlm_conf_wins() {
    let lab = Lab::new();
    lab.script("corosync", &lab.sleeper("corosync"));
    lab.quorate_after(0);
    lab.dlm_ok();
    let admin = "enable_fencing=1\ndevice foo fence_xvm\n";
    write_new(&lab.layout.root.join(DLM_CONF_PATH), admin).unwrap();
    let (r, lines) = lab.start(Duration::from_secs(5));
    stop(&r.unwrap());
    assert_eq!(read(&lab.layout.root.join(DLM_CONF_PATH)), admin);
    assert!(lines.contains(&"dlm_controld: using the image's etc/dlm/dlm.conf".to_string()));
}

#[test]
fn dlm_controld_exiting_early() {
    let lab = Lab::new();
    lab.script("corosync", &lab.sleeper("corosync"));
    lab.quorate_after(0);
    lab.script(
        "dlm_controld",
        "echo 'No such file or directory /sys/kernel/config/dlm' >&2; exit 1",
    );
    // dlm_tool status exits 0 when it cannot connect, too
    lab.script("dlm_tool", "echo 'cannot connect to dlm_controld'");
    let (r, _) = lab.start(Duration::from_secs(5));
    let msg = format!("{:#}", r.unwrap_err());
    kill_pidfile(&lab, "corosync");
    assert!(
        msg.starts_with("dlm_controld exited during start (exit status 1)"),
        "{msg}"
    );
}

#[test]
fn dlm_controld_not_answering_times_out() {
    let lab = Lab::new();
    lab.script("corosync", &lab.sleeper("corosync"));
    lab.quorate_after(0);
    lab.script(
        "dlm_controld",
        &format!(
            "echo 'dlm_controld 4.2.0 started'; {}",
            lab.sleeper("dlm_controld")
        ),
    );
    lab.script("dlm_tool", "echo 'cannot connect to dlm_controld'");
    let (r, _) = lab.start(Duration::from_secs(1));
    let msg = format!("{:#}", r.unwrap_err());
    kill_pidfile(&lab, "corosync");
    kill_pidfile(&lab, "dlm_controld");
    assert!(
        msg.starts_with("cluster osrlab: dlm_controld not ready after 1 s (")
            && msg.ends_with("dlm_controld.log: dlm_controld 4.2.0 started)"),
        "{msg}"
    );
}

#[test]
fn copies_a_tree_with_links_and_modes() {
    let t = TempDir::new().unwrap();
    let from = t.path().join("from");
    fs::create_dir_all(from.join("usr/sbin")).unwrap();
    fs::create_dir_all(from.join("usr/lib")).unwrap();
    fs::write(from.join("usr/sbin/corosync"), "elf").unwrap();
    fs::set_permissions(
        from.join("usr/sbin/corosync"),
        fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    symlink("usr/lib", from.join("lib")).unwrap();
    let to = t.path().join("to");
    copy_tree(&from, &to).unwrap();
    copy_tree(&from, &to).unwrap();
    let m = fs::metadata(to.join("usr/sbin/corosync")).unwrap();
    assert_eq!(m.permissions().mode() & 0o777, 0o755);
    assert_eq!(fs::read_link(to.join("lib")).unwrap(), Path::new("usr/lib"));
}

#[test]
fn log_tail_keeps_the_last_lines() {
    let t = TempDir::new().unwrap();
    let p = t.path().join("log");
    let text: String = (1..=20).map(|i| format!("line {i}\n\n")).collect();
    fs::write(&p, text).unwrap();
    assert_eq!(
        log_tail(&p),
        "line 13 | line 14 | line 15 | line 16 | line 17 | line 18 | line 19 | line 20"
    );
    fs::write(&p, "").unwrap();
    assert_eq!(log_tail(&p), "(empty log)");
    assert!(log_tail(&t.path().join("none")).starts_with("(log unreadable: "));
}

/// The real corosync chrooted as at boot, run by hand as root inside a private
/// mount and network namespace with its own tmpfs on /dev/shm
/// (docs/cluster-stack.md, "Checking by hand"):
/// OSR_TEST_STACK_TREE (the stack as dracut installs it), OSR_TEST_COROSYNC_CONF,
/// OSR_TEST_STACK_ROOT, OSR_TEST_RUN_DIR, OSR_TEST_CONFIGFS (a directory with
/// something mounted on it, or configfs), OSR_TEST_TIMEOUT (s), OSR_TEST_EXPECT
/// (`quorum`: fails only after quorum, at dlm_controld, or starts; `no-quorum`).
#[test]
#[ignore = "needs root, namespaces and a stack tree; see docs/cluster-stack.md"]
fn real_stack_in_a_namespace() {
    let var = |k: &str| std::env::var(k).unwrap_or_else(|_| panic!("{k} is not set"));
    let has_configfs = read("/proc/filesystems".as_ref()).contains("configfs");
    let layout = Layout {
        root: var("OSR_TEST_STACK_ROOT").into(),
        chroot: true,
        tree: var("OSR_TEST_STACK_TREE").into(),
        run_dir: var("OSR_TEST_RUN_DIR").into(),
        configfs: var("OSR_TEST_CONFIGFS").into(),
        api_mounts: if has_configfs {
            API_MOUNTS
        } else {
            // the boot's mounts minus configfs, for hosts without it (the test runs in a
            // mount namespace with a /dev/shm of its own)
            Vec::leak(
                API_MOUNTS
                    .iter()
                    .filter(|m| m.fstype != "configfs")
                    .cloned()
                    .collect(),
            )
        },
        ..Layout::default()
    };
    let conf = read(var("OSR_TEST_COROSYNC_CONF").as_ref());
    let timeout = Duration::from_secs(var("OSR_TEST_TIMEOUT").parse().unwrap());
    let mut lines = Vec::new();
    let r = start_dlm_stack_in(&layout, &conf, "osrlab", timeout, &mut |l: &str| {
        eprintln!("log: {l}");
        lines.push(l.to_string());
    });
    eprintln!("result: {r:?}");
    let msg = r
        .as_ref()
        .err()
        .map(|e| format!("{e:#}"))
        .unwrap_or_default();
    match var("OSR_TEST_EXPECT").as_str() {
        "quorum" => assert!(
            lines
                .iter()
                .any(|l| l.starts_with("cluster osrlab: quorate: ")),
            "{msg}"
        ),
        "no-quorum" => assert!(msg.contains(": no quorum after "), "{msg}"),
        other => panic!("OSR_TEST_EXPECT={other}"),
    }
}
