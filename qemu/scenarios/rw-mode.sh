# shellcheck shell=bash disable=SC2034  # (variables for qemu/run-one)
DESC="rw without an overlay: the NFSv4 root is read-write and what the node writes is on the server after poweroff (a root of its own)"
KARGS="rw root=nfs4:10.0.2.2:/export/rootfs ip=10.0.2.15::10.0.2.2:255.255.255.0:node1:eth0:off osrtest.expect_fstype=nfs4 osrtest.expect_mode=rw osrtest.write=/var/rw-test:from-node"
OWN_ROOT=1
EXPECT_EXPORT_FILE=var/rw-test:from-node
EXPECT=pass
TIMEOUT=120
