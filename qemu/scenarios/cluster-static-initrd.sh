# shellcheck shell=bash disable=SC2034  # (variables for qemu/run-one)
DESC="open-sharedroot static initrd: no cluster.conf in the image, nodeid=2 root= ip= on the command line alone; the root's v2 CDSL inventory gives the layout and node 2's tree is bound on /.cdsl.local"
NET=tap
DNSMASQ=no
ROOT=cdsl-v2
MACS=(52:54:00:c1:00:0a)
KARGS="nodeid=2 root=nfs4:10.77.0.1:/export/rootfs rw ip=10.77.0.12::10.77.0.1:255.255.255.0:static2:eth0:off \
osrtest.expect_fstype=nfs4 osrtest.expect_addr=10.77.0.12 osrtest.expect_hostname=static2 \
osrtest.expect_state=OSR_NODEID=2 osrtest.expect_state=OSR_NODEID_SOURCE=param \
osrtest.expect_state=OSR_CDSL_LAYOUT=v2 osrtest.expect_state=OSR_CDSL_LINK=.cdsl.local \
osrtest.expect_mount=/.cdsl.local:nfs4 \
osrtest.expect_link=/etc/hostname:../.cdsl.local/etc/hostname osrtest.expect_content=/.cdsl.local/etc/hostname:clnode2 \
osrtest.expect_content=/var/log/cdsl-node:2 osrtest.expect_content=/var/lib/cdsl-shared:shared \
osrtest.write=/var/log/static-write:static2"
OWN_ROOT=1
EXPECT_EXPORT_FILES=(.cluster/cdsl/2/var/log/static-write:static2)
EXPECT_EXPORT_ABSENT=(.cluster/cdsl/1/var/log/static-write .cluster/cdsl/default/var/log/static-write .cdsl.local/var)
# the node line says where the nodeid came from; the bind is the cluster nodes' one
EXPECT_CONSOLE=('no cluster\.conf: this is node 2 \(from nodeid=\)' 'cdsl \(v2\): /sysroot/\.cluster/cdsl/2 bound on /sysroot/\.cdsl\.local')
# no cluster.conf: the state file names no cluster (checker-init prints it on the console)
FORBID_CONSOLE=('^OSR-STATE: OSR_CLUSTER_NAME=' '^OSR-STATE: OSR_NODENAME=')
EXPECT=pass
TIMEOUT=180
