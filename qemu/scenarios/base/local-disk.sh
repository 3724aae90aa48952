# shellcheck shell=bash disable=SC2034  # (variables for qemu/scenario.sh)
# Base (not a scenario): one node whose root is on its local DISK (the scenario sets DESC, DISK
# and KARGS): no NFS server, no network.  OSR_CHECKS=0: osrtest.osr=1 wants OSR_IFACE and
# OSR_ADDRESS, which a node without network has not; KARGS name the checks it stands for
# (osrtest.expect_state=OSR_ROOT_FSTYPE=... osrtest.expect_rd_timestamp=1 osrtest.expect_freed=1).
NFS=no
OSR_CHECKS=0
EXPECT=pass
TIMEOUT=150
