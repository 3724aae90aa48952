# shellcheck shell=bash disable=SC2034,SC2154  # (variables for qemu/scenario.sh, which sets SCEN_BASE)
DESC="block root: a GFS2 lock_nolock disk by root=UUID=, read-write, one node and no cluster stack: a file written and read back"
# shellcheck source=qemu/scenarios/base/local-disk-rw.sh
. "$SCEN_BASE/local-disk-rw.sh" UUID=1c6f2d3b-8e4a-4f7b-8d2c-3b4c5d6e7f80 gfs2 gfs2-nolock
DISK=gfs2-nolock.img
# (no EXPECT_DISK_FILES: the host has no GFS2 reader)
