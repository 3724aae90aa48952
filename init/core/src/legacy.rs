//! The comoonics (open-sharedroot) initrd's boot parameters that osr-rs takes in and
//! does not act on. The kernel hands every unknown `key=value` to init, so without this
//! list they would be ignored without a word; instead each one present becomes a
//! warning of the plan that says what osr-rs does in its place.
//!
//! The parameters osr-rs does act on (`nodeid=`, `com-nodeid=`, `nodename=`, `rootfs=`,
//! `mountopts=`, `mounttimes=`, `mountwait=`, `cdsltree=`, `cdsllink=`,
//! `cdslsharedtree=`, `syslog*`, `cluster_conf=`, `nfsaddrs=`) are parsed in
//! [`crate::config`].

use crate::cmdline::Cmdline;

/// Each legacy parameter, with what osr-rs does instead.
const UNUSED: &[(&str, &str)] = &[
    ("nodeids", "the nodes are those of cluster.conf"),
    ("newroot", "the root is mounted at /sysroot"),
    (
        "lockmethod",
        "a GFS2 root's lock protocol is its superblock's (rootflags=lockproto=lock_nolock mounts it on one node alone)",
    ),
    ("rootfsck", "no fsck is run on the root"),
    ("sourceserver", "the root's server is the one root= or <rootvolume> names"),
    (
        "chrootneeded",
        "no chroot is built: the cluster stack a block root needs runs from the initramfs and is handed to the real root",
    ),
    (
        "quorumack",
        "there is no split-brain prompt: a lock_dlm root waits for quorum up to rd.retry=",
    ),
    ("scsi_failover", "the image's disk drivers are loaded; multipath is not supported"),
    ("scsidriver", "the image's disk drivers are loaded"),
    ("step", "use rd.break=pre-network|pre-mount|pre-pivot"),
    ("com-step", "use rd.break=pre-network|pre-mount|pre-pivot"),
    ("com-debug", "use rd.debug"),
    ("rdnetdebug", "use rd.debug"),
    ("com-expert", "use rd.break=pre-network (or rd.shell)"),
];

/// One warning per legacy parameter on the command line that osr-rs does not use.
pub fn unused_params(c: &Cmdline) -> Vec<String> {
    UNUSED
        .iter()
        .filter(|(key, _)| c.has(key))
        .map(|(key, instead)| {
            format!("{key}: a comoonics initrd parameter osr-rs does not use: {instead}")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_legacy_parameter_present_is_named_once_with_what_to_do() {
        let c = Cmdline::parse("nodeid=2 com-step lockmethod=lock_dlm root=nfs:a:/b quorumack");
        let w = unused_params(&c);
        assert_eq!(w.len(), 3, "{w:?}");
        assert!(
            w[0].starts_with("lockmethod: a comoonics initrd parameter"),
            "{w:?}"
        );
        assert!(
            w[1].contains("quorumack") && w[1].contains("rd.retry="),
            "{w:?}"
        );
        assert!(
            w[2].starts_with("com-step: ") && w[2].ends_with("pre-pivot"),
            "{w:?}"
        );
        assert!(unused_params(&Cmdline::parse("nodeid=2 rd.debug")).is_empty());
    }
}
