# shellcheck shell=bash disable=SC2034  # (variables for qemu/scenario.sh)
DESC="hostile root: the CDSL link directory .cdsl.local is an absolute symlink to /run; the bind is made inside the root (its own /run), never onto the initramfs's /run, so the real root's /run keeps the boot's state and holds no CDSL tree"
NET=tap
DNSMASQ=no
CLUSTER_CONF=qemu/fixtures/cluster-two.conf
ROOT=cdsl-escape
MACS=(52:54:00:c1:00:09)
KARGS="nodeid=1 osrtest.expect_fstype=nfs4 osrtest.expect_addr=10.77.0.11 \
osrtest.expect_state=OSR_NODEID=1 osrtest.expect_state=OSR_CDSL_LAYOUT=v2 \
osrtest.expect_link=/.cdsl.local:/run osrtest.expect_absent=/run/etc/hostname \
osrtest.expect_absent=/run/var/log/cdsl-node"
OWN_ROOT=1
EXPECT=pass
TIMEOUT=180
