# shellcheck shell=bash disable=SC2034  # (variables for qemu/run-one)
DESC="open-sharedroot: the legacy install recipe on a v1 root, made by osr-cdsl (com-mkcdslinfrastructure's empty v1 inventory, init, then hostdependent /var, shared /var/lib, hostdependent /etc/sysconfig/network and /etc/hostname); node 7 of cluster-v1.conf boots it over NFSv3, its v1 inventory reached through its own /var into the shared tree; identified by its MAC"
NET=tap
DNSMASQ=no
CLUSTER_CONF=qemu/fixtures/cluster-v1.conf
ROOT=cdsl-v1-tool
MACS=(52:54:00:c1:00:07)
KARGS="osrtest.expect_fstype=nfs osrtest.expect_opt=vers=3 osrtest.expect_mode=rw \
osrtest.expect_addr=10.77.0.17 osrtest.expect_hostname=v1node \
osrtest.expect_state=OSR_NODEID=7 osrtest.expect_state=OSR_NODENAME=v1node \
osrtest.expect_state=OSR_CDSL_LAYOUT=v1 osrtest.expect_state=OSR_CDSL_TREE=cluster/cdsl \
osrtest.expect_state=OSR_CDSL_LINK=cdsl.local osrtest.expect_state=OSR_CDSL_SHARED=cluster/shared \
osrtest.expect_mount=/cdsl.local:nfs osrtest.expect_link=/var:cdsl.local/var \
osrtest.expect_link=/var/lib:../../cluster/shared/var/lib \
osrtest.expect_link=/etc/hostname:../cdsl.local/etc/hostname \
osrtest.expect_link=/etc/sysconfig/network:../../cdsl.local/etc/sysconfig/network \
osrtest.expect_file_has=/etc/hostname:v1node osrtest.expect_content=/cdsl.local/etc/hostname:v1node osrtest.expect_file_has=/etc/sysconfig/network:HOSTNAME=v1node \
osrtest.expect_content=/var/log/cdsl-node:7 osrtest.expect_content=/var/lib/cdsl-shared:shared \
osrtest.expect_file_has=/var/lib/cdsl/cdsl_inventory.xml:/etc/sysconfig/network \
osrtest.write=/var/log/recipe-write:v1node osrtest.write=/var/lib/recipe-shared:v1node"
OWN_ROOT=1
EXPECT_EXPORT_FILES=(cluster/cdsl/7/var/log/recipe-write:v1node cluster/shared/var/lib/recipe-shared:v1node)
EXPECT_EXPORT_ABSENT=(cluster/cdsl/default/var/log/recipe-write var.orig/log/recipe-write
    cluster/cdsl/7/var/lib.orig/recipe-shared cdsl.local/var)
EXPECT=pass
TIMEOUT=180
