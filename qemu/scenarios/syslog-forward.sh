# shellcheck shell=bash disable=SC2034  # (variables for qemu/run-one)
DESC="remote boot log: syslog=10.0.2.2:5514 sends osr-init's log over UDP (RFC 5424, facility daemon) to a listener on the host, from right after the network is up, the lines logged before it included"
KARGS="root=nfs4:10.0.2.2:/export/rootfs ip=10.0.2.15::10.0.2.2:255.255.255.0:node1:eth0:off syslog=10.0.2.2:5514 osrtest.expect_fstype=nfs4"
# the host's 127.0.0.1:5514 in the scenario's namespace is the guest's 10.0.2.2:5514
SYSLOG_LISTEN=5514
# the RFC 5424 header (<30>: facility daemon 3 * 8 + severity info 6, version 1, time, host,
# app osr-init, procid, no msgid, no structured data); "step 1" was logged before the network
# was up (the backlog was sent); the root's mount (the end of the boot, before switch_root)
EXPECT_SYSLOG=(
    '^<30>1 [^ ]+ [^ ]+ osr-init [0-9]+ - - .*osr-init [0-9.]+ starting'
    '^<30>1 .* step 1: load modules'
    '^<30>1 .* mounted 10\.0\.2\.2:/export/rootfs on /sysroot'
)
EXPECT=pass
TIMEOUT=120
