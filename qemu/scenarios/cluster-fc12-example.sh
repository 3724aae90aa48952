# shellcheck shell=bash disable=SC2034  # (variables for qemu/run-one)
DESC="open-sharedroot: the Fedora 12 page's cluster.conf (both nodes with one MAC, empty rootvolume name and eth ip/mask/gateway) in the image, as the unit tests load it; nodeid=2 and the page's bare root=nfs: on the command line, with two comoonics parameters osr-rs does not use: node 2 boots read-write, its eth0 over DHCP, its root from the DHCP root path (NFS version negotiated), its CDSL tree bound, the file's problems and the parameters only warned about"
NET=tap
CLUSTER_CONF=init/core/tests/fixtures/cluster/fc12-example.conf
ROOT=cdsl-v2
MACS=(52:54:00:c1:00:0c)
DNSMASQ_ARGS=("--dhcp-option=17,10.77.0.1:/export/rootfs")
KARGS="nodeid=2 root=nfs: quorumack lockmethod=lock_dlm \
osrtest.expect_fstype=nfs4 osrtest.expect_mode=rw osrtest.expect_state=OSR_NFS_VERSION=4.2 osrtest.expect_iface=eth0 osrtest.expect_hostname=node2 \
osrtest.expect_state=OSR_NODEID=2 osrtest.expect_state=OSR_NODEID_SOURCE=param \
osrtest.expect_state=OSR_CLUSTER_NAME=axqad109 osrtest.expect_state=OSR_NODENAME=node2 \
osrtest.expect_state=OSR_NET_METHOD=dhcp osrtest.expect_state=OSR_CDSL_LAYOUT=v2 \
osrtest.expect_mount=/.cdsl.local:nfs4 osrtest.expect_content=/.cdsl.local/etc/hostname:clnode2 \
osrtest.expect_content=/var/log/cdsl-node:2 osrtest.write=/var/log/fc12-write:node2"
OWN_ROOT=1
EXPECT_EXPORT_FILES=(.cluster/cdsl/2/var/log/fc12-write:node2)
EXPECT_EXPORT_ABSENT=(.cluster/cdsl/1/var/log/fc12-write)
# each problem of the file is a warning naming its line and element
EXPECT_CONSOLE=(
    'cluster\.conf:6:[0-9]+: <rootvolume>: no name=.*ignored: the boot of node 2 does not use it'
    'cluster\.conf:12:[0-9]+: <rootvolume>: no name=.*ignored'
    'quorumack: a comoonics initrd parameter osr-rs does not use'
    'lockmethod: a comoonics initrd parameter osr-rs does not use'
    'cluster\.conf:13:[0-9]+: <eth name="eth0">: mac="00:0C:29:C9:C6:F5": expected a MAC of this node only.*ignored'
)
EXPECT=pass
TIMEOUT=240
