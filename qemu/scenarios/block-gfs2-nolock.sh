# shellcheck shell=bash disable=SC2034  # (variables for qemu/run-one)
DESC="block root: a GFS2 lock_nolock disk by root=UUID=, read-write, one node and no cluster stack: a file written and read back"
DISK=gfs2-nolock.img
NFS=no
OSR_CHECKS=0
KARGS="root=UUID=1c6f2d3b-8e4a-4f7b-8d2c-3b4c5d6e7f80 rd.retry=60 rw osrtest.expect_fstype=gfs2 osrtest.expect_mode=rw \
osrtest.write=/var/tmp/block.txt:gfs2-nolock osrtest.expect_content=/var/tmp/block.txt:gfs2-nolock \
osrtest.expect_state=OSR_ROOT_FSTYPE=gfs2 osrtest.expect_state=OSR_ROOT_DEVICE=/dev/vda \
osrtest.expect_rd_timestamp=1 osrtest.expect_freed=1"
EXPECT=pass
TIMEOUT=150
