# shellcheck shell=bash disable=SC2034  # (variables for qemu/run-one)
DESC="open-sharedroot static initrd on a root without CDSL structure: nodeid=2 with no cluster.conf boots, nothing is bound, and the log warns that the root has no CDSL structure"
NET=tap
DNSMASQ=no
ROOT=root
MACS=(52:54:00:c1:00:0b)
KARGS="nodeid=2 root=nfs4:10.77.0.1:/export/rootfs ip=10.77.0.12::10.77.0.1:255.255.255.0:static2:eth0:off \
osrtest.expect_fstype=nfs4 osrtest.expect_addr=10.77.0.12 \
osrtest.expect_state=OSR_NODEID=2 osrtest.expect_state=OSR_NODEID_SOURCE=param \
osrtest.expect_state=OSR_CDSL_LAYOUT=none osrtest.expect_absent=/.cdsl.local"
EXPECT_CONSOLE=('cdsl: nodeid=2 given, but no CDSL structure in the root')
# nothing bound, nothing recorded as bound, no cluster named
FORBID_CONSOLE=('^OSR-STATE: OSR_CDSL_TREE=' '^OSR-STATE: OSR_CLUSTER_NAME=')
EXPECT=pass
TIMEOUT=180
