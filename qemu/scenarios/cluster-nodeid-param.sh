# shellcheck shell=bash disable=SC2034  # (variables for qemu/run-one)
DESC="open-sharedroot: nodeid=2 on the command line makes a node whose MAC no clusternode has node 2 (cluster.conf's network, root and name, node 2's CDSL tree); mountopts=noatime replaces the rootvolume's mountopts="rw": the root is read-write all the same, the rule for a cluster node"
NET=tap
DNSMASQ=no
CLUSTER_CONF=qemu/fixtures/cluster-two.conf
ROOT=cdsl-v2
MACS=(52:54:00:c1:00:09)
KARGS="nodeid=2 mountopts=noatime osrtest.expect_fstype=nfs4 osrtest.expect_mode=rw osrtest.expect_opt=noatime osrtest.expect_addr=10.77.0.12 osrtest.expect_hostname=clnode2 \
osrtest.expect_state=OSR_NODEID=2 osrtest.expect_state=OSR_NODEID_SOURCE=param \
osrtest.expect_state=OSR_NODENAME=clnode2 osrtest.expect_state=OSR_CDSL_LAYOUT=v2 \
osrtest.expect_link=/etc/hostname:../.cdsl.local/etc/hostname osrtest.expect_content=/.cdsl.local/etc/hostname:clnode2 osrtest.expect_content=/var/log/cdsl-node:2 \
osrtest.write=/var/log/param-write:clnode2"
OWN_ROOT=1
EXPECT_EXPORT_FILES=(.cluster/cdsl/2/var/log/param-write:clnode2)
EXPECT_EXPORT_ABSENT=(.cluster/cdsl/1/var/log/param-write .cluster/cdsl/default/var/log/param-write)
EXPECT=pass
TIMEOUT=180
