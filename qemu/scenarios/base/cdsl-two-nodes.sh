# shellcheck shell=bash disable=SC2034  # (variables for qemu/scenario.sh)
# Base (not a scenario): the two nodes of cluster-two.conf boot the same v2-CDSL NFSv4 root at
# once from one image with cluster.conf embedded, identified by MAC only (no nodeid, ip or root
# on the command line).  The scenario sets DESC and ROOT (a v2 CDSL root: cdsl-v2, cdsl-tool).
# shellcheck source=qemu/scenarios/base/two-node-cluster.sh
. "$SCEN_BASE/two-node-cluster.sh"
CLUSTER_CONF=qemu/fixtures/cluster-two.conf
# the same checks on both nodes, %H = the hostname cluster.conf gave: both write the same /var
# path (their own trees) and a /var/lib file of their own (the shared tree)
KARGS="osrtest.expect_fstype=nfs4 osrtest.expect_mode=rw osrtest.expect_iface=eth0 \
osrtest.expect_state=OSR_NODEID_SOURCE=mac osrtest.expect_state=OSR_CLUSTER_NAME=osrlab \
osrtest.expect_state=OSR_CDSL_LAYOUT=v2 osrtest.expect_state=OSR_NODENAME=%H \
osrtest.expect_link=/etc/hostname:../.cdsl.local/etc/hostname \
osrtest.expect_file_has=/etc/hostname:%H osrtest.expect_content=/.cdsl.local/etc/hostname:%H \
osrtest.expect_mount=/.cdsl.local:nfs4 \
osrtest.write=/var/log/who:%H osrtest.write=/var/lib/from-%H:%H \
osrtest.expect_content=/var/lib/cdsl-shared:shared"
# only expectations differ per node (no nodeid=, ip=, root=)
NODE_KARGS=(
    "osrtest.expect_state=OSR_NODEID=1 osrtest.expect_hostname=clnode1 osrtest.expect_addr=10.77.0.11 osrtest.expect_content=/var/log/cdsl-node:1"
    "osrtest.expect_state=OSR_NODEID=2 osrtest.expect_hostname=clnode2 osrtest.expect_addr=10.77.0.12 osrtest.expect_content=/var/log/cdsl-node:2"
)
OWN_ROOT=1
# on the export after both powered off: each /var write in its own tree, both /var/lib writes
# in the shared one, the default tree and the link directory untouched
EXPECT_EXPORT_FILES=(
    .cluster/cdsl/1/var/log/who:clnode1
    .cluster/cdsl/2/var/log/who:clnode2
    .cluster/shared/var/lib/from-clnode1:clnode1
    .cluster/shared/var/lib/from-clnode2:clnode2
    .cluster/cdsl/1/etc/hostname:clnode1
    .cluster/cdsl/2/etc/hostname:clnode2
)
EXPECT_EXPORT_ABSENT=(
    .cluster/cdsl/default/var/log/who
    .cdsl.local/var
)
EXPECT=pass
TIMEOUT=240
