# shellcheck shell=bash disable=SC2034  # (variables for qemu/run-one)
DESC="open-sharedroot: a one-node cluster (nodeid 7) whose NFSv3 root has the v1 CDSL layout (cluster/cdsl, cdsl.local, var/lib/cdsl/cdsl_inventory.xml); identified by its MAC"
NET=tap
DNSMASQ=no
CLUSTER_CONF=qemu/fixtures/cluster-v1.conf
ROOT=cdsl-v1
MACS=(52:54:00:c1:00:07)
KARGS="osrtest.expect_fstype=nfs osrtest.expect_opt=vers=3 osrtest.expect_mode=rw \
osrtest.expect_addr=10.77.0.17 osrtest.expect_hostname=v1node \
osrtest.expect_state=OSR_NODEID=7 osrtest.expect_state=OSR_NODENAME=v1node \
osrtest.expect_state=OSR_CDSL_LAYOUT=v1 osrtest.expect_state=OSR_CDSL_TREE \
osrtest.expect_state=OSR_CDSL_LINK osrtest.expect_mount=/cdsl.local:nfs \
osrtest.expect_link=/etc/hostname:../cdsl.local/etc/hostname osrtest.expect_file_has=/etc/hostname:v1node osrtest.expect_content=/cdsl.local/etc/hostname:v1node osrtest.expect_content=/var/log/cdsl-node:7 \
osrtest.write=/var/log/v1-write:v1node osrtest.write=/var/lib/shared-dir/v1-shared:v1node"
OWN_ROOT=1
EXPECT_EXPORT_FILES=(cluster/cdsl/7/var/log/v1-write:v1node cluster/shared/var/lib/shared-dir/v1-shared:v1node)
EXPECT_EXPORT_ABSENT=(cluster/cdsl/default/var/log/v1-write cdsl.local/var)
EXPECT=pass
TIMEOUT=180
