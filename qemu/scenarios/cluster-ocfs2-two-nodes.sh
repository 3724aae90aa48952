# shellcheck shell=bash disable=SC2034,SC2154  # (variables for qemu/scenario.sh, which sets SCEN_BASE)
DESC="OCFS2 (o2cb, local disk heartbeat) root shared by two nodes at once: one image with cluster.conf (rootvolume /dev/vda, ocfs2), both nodes on one disk; the o2cb stack in configfs, disk heartbeat, each writes a file and sees the other's"
# shellcheck source=qemu/scenarios/base/shared-disk-two-nodes.sh
. "$SCEN_BASE/shared-disk-two-nodes.sh" ocfs2
CLUSTER_CONF=qemu/fixtures/cluster-ocfs2.conf
DISK=ocfs2-o2cb.img
# both files on the shared disk, read on the host after both powered off (and fsck clean)
EXPECT_DISK_FILES=(var/tmp/clnode1.txt:from-clnode1 var/tmp/clnode2.txt:from-clnode2)
