# shellcheck shell=bash disable=SC2034  # (variables for qemu/run-one)
DESC="GFS2 lock_dlm root of a two-node cluster, but only node 1 boots: no quorum (two_node waits for all), osr-init gives up after rd.retry=30 s and says so"
NET=tap
DNSMASQ=no
NFS=no
CLUSTER_CONF=qemu/fixtures/cluster-gfs2.conf
DISK=gfs2-dlm.img
NICS=52:54:00:c1:00:01
KARGS="rw rd.retry=30"
EXPECT=fail
# the bound is 30 s; a loaded machine may report a second more
EXPECT_CONSOLE=('cluster osrlab: no quorum after 3[0-9] s \(1 of 2 votes')
TIMEOUT=240
