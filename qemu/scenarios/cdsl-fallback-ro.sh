# shellcheck shell=bash disable=SC2034  # (variables for qemu/run-one)
DESC="open-sharedroot: node 8 has no CDSL directory in the v1 root; rd.cdsl.fallback=default binds cluster/cdsl/default on cdsl.local read-only (a bind remount, made on the bind itself), so the template addnode copies is never written"
NET=tap
DNSMASQ=no
CLUSTER_CONF=qemu/fixtures/cluster-fallback.conf
ROOT=cdsl-v1
MACS=(52:54:00:c1:00:08)
KARGS="rd.cdsl.fallback=default osrtest.expect_fstype=nfs osrtest.expect_mode=rw \
osrtest.expect_addr=10.77.0.18 osrtest.expect_hostname=fbnode \
osrtest.expect_state=OSR_NODEID=8 osrtest.expect_state=OSR_CDSL_LAYOUT=v1 \
osrtest.expect_mount=/cdsl.local:nfs:ro osrtest.expect_content=/cdsl.local/etc/hostname:default \
osrtest.expect_content=/var/log/cdsl-node:default"
OWN_ROOT=1
EXPECT_CONSOLE=("fallback|default")
EXPECT=pass
TIMEOUT=180
