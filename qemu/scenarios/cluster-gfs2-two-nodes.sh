# shellcheck shell=bash disable=SC2034,SC2154  # (variables for qemu/scenario.sh, which sets SCEN_BASE)
DESC="GFS2 lock_dlm root shared by two nodes at once: one image with cluster.conf (rootvolume /dev/vda, gfs2), both nodes on one disk; corosync + dlm_controld, each writes a file and sees the other's"
# shellcheck source=qemu/scenarios/base/shared-disk-two-nodes.sh
. "$SCEN_BASE/shared-disk-two-nodes.sh" gfs2
CLUSTER_CONF=qemu/fixtures/cluster-gfs2.conf
DISK=gfs2-dlm.img
# (no EXPECT_DISK_FILES: the host has no GFS2 reader)
