# shellcheck shell=bash disable=SC2034  # (variables for qemu/run-one)
DESC="remote boot log from cluster.conf: the node's com_info <syslog name=\"10.77.0.1:5514\"/> (nothing on the command line) sends osr-init's log to the host's listener, RFC 5424 with the node's cluster.conf name as HOSTNAME, the lines logged before the network included; ro on the command line keeps the cluster node's root read-only (mountopts= replaces the rootvolume's)"
NET=tap
DNSMASQ=no
CLUSTER_CONF=qemu/fixtures/cluster-syslog.conf
MACS=(52:54:00:c1:00:05)
KARGS="ro mountopts=nodiratime osrtest.expect_fstype=nfs4 osrtest.expect_mode=ro osrtest.expect_opt=nodiratime osrtest.expect_addr=10.77.0.15 osrtest.expect_hostname=slnode1 osrtest.expect_state=OSR_NODEID=5"
# the listener on every address of the namespace: br0's 10.77.0.1 too
SYSLOG_LISTEN=5514
EXPECT_SYSLOG=(
    '^<30>1 [^ ]+ slnode1 osr-init [0-9]+ - - .*osr-init [0-9.]+ starting'
    '^<30>1 [^ ]+ slnode1 osr-init .* step 1: load modules'
    '^<30>1 [^ ]+ slnode1 osr-init .* this is node 5 \(slnode1\)'
    '^<30>1 [^ ]+ slnode1 osr-init .* mounted 10\.77\.0\.1:/export/rootfs on /sysroot'
)
EXPECT=pass
TIMEOUT=150
