# shellcheck shell=bash disable=SC2034  # (variables for qemu/scenario.sh)
# Base (not a scenario): usage  . "$SCEN_BASE/shared-disk-two-nodes.sh" FSTYPE
# A cluster file system root (FSTYPE: gfs2, ocfs2) shared by the two nodes of its cluster.conf
# at once: no NFS, no root= and no ip= (both from cluster.conf: rootvolume /dev/vda).  The
# scenario sets DESC, CLUSTER_CONF and DISK (the cluster volume).
# shellcheck source=qemu/scenarios/base/two-node-cluster.sh
. "$SCEN_BASE/two-node-cluster.sh"
NFS=no
OSR_CHECKS=0
# no root= and no ip=: both from cluster.conf.  Each node writes its file, waits for the
# other's (written on the other node, seen through the shared disk) and reads it.  Then it
# lingers 10 s before powering off: the other node may still need its locks to see its file
# (a node gone without leaving the cluster stalls the other until it is evicted).
KARGS="rw rd.retry=120 osrtest.linger=10 osrtest.expect_fstype=$1 osrtest.expect_mode=rw osrtest.expect_iface=eth0 \
osrtest.write=/var/tmp/%H.txt:from-%H \
osrtest.expect_state=OSR_ROOT_FSTYPE=$1 osrtest.expect_state=OSR_ROOT_DEVICE=/dev/vda \
osrtest.expect_state=OSR_CLUSTER_NAME=osrlab osrtest.expect_state=OSR_NODENAME=%H \
osrtest.expect_rd_timestamp=1 osrtest.expect_freed=1"
NODE_KARGS=(
    "osrtest.expect_hostname=clnode1 osrtest.expect_addr=10.77.0.11 osrtest.expect_state=OSR_NODEID=1 \
osrtest.wait_file=/var/tmp/clnode2.txt:90 osrtest.expect_content=/var/tmp/clnode2.txt:from-clnode2"
    "osrtest.expect_hostname=clnode2 osrtest.expect_addr=10.77.0.12 osrtest.expect_state=OSR_NODEID=2 \
osrtest.wait_file=/var/tmp/clnode1.txt:90 osrtest.expect_content=/var/tmp/clnode1.txt:from-clnode1"
)
EXPECT=pass
TIMEOUT=300
