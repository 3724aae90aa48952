# shellcheck shell=bash disable=SC2034  # (variables for qemu/scenario.sh)
# Base (not a scenario): the two nodes of the lab's cluster.confs (cluster-two.conf,
# cluster-gfs2.conf, cluster-ocfs2.conf: clnode1 and clnode2, 10.77.0.11 and .12), booted at
# once on the tap segment, identified by their MACs; their addresses come from cluster.conf,
# not from DHCP.
NET=tap
DNSMASQ=no
MACS=(52:54:00:c1:00:01 52:54:00:c1:00:02)
