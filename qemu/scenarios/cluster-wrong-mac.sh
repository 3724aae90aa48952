# shellcheck shell=bash disable=SC2034  # (variables for qemu/run-one)
DESC="open-sharedroot: a node whose MAC is in no clusternode of the embedded cluster.conf (and no nodeid=) stops, naming the MAC it has and the MACs the configuration knows"
NET=tap
DNSMASQ=no
CLUSTER_CONF=qemu/fixtures/cluster-two.conf
ROOT=cdsl-v2
MACS=(52:54:00:c1:00:09)
KARGS="rd.emergency=poweroff"
EXPECT=fail
EXPECT_CONSOLE=('no clusternode' '52:54:00:c1:00:09' '52:54:00:c1:00:01' '52:54:00:c1:00:02')
TIMEOUT=120
