# shellcheck shell=bash disable=SC2034  # (variables for qemu/run-one)
DESC="open-sharedroot: a node whose MAC is in no clusternode of the embedded cluster.conf (and no nodeid=) stops, naming the MAC it has and the MACs the configuration knows"
NET=tap
DNSMASQ=no
CLUSTER_CONF=qemu/fixtures/cluster-two.conf
ROOT=cdsl-v2
MACS=(52:54:00:c1:00:09)
KARGS="rd.emergency=poweroff"
EXPECT=fail
# (osr-init writes "no <clusternode> of cluster.conf has a MAC of this machine", then the NICs and the
# MACs cluster.conf knows, one a line)
EXPECT_CONSOLE=('osr-init.*no <?clusternode' 'osr-init.*52:54:00:c1:00:09' 'osr-init.*52:54:00:c1:00:01' 'osr-init.*52:54:00:c1:00:02')
TIMEOUT=120
