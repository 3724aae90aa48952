# shellcheck shell=bash disable=SC2034  # (variables for qemu/run-one)
DESC="block root: an OCFS2 disk of the local mount type by root=UUID=, read-write, no cluster stack: a file written and read back"
DISK=ocfs2-local.img
NFS=no
OSR_CHECKS=0
KARGS="root=UUID=2d7a3e4c-9f5b-4a8c-9e3d-4c5d6e7f8091 rd.retry=60 rw osrtest.expect_fstype=ocfs2 osrtest.expect_mode=rw \
osrtest.write=/var/tmp/block.txt:ocfs2-local osrtest.expect_content=/var/tmp/block.txt:ocfs2-local \
osrtest.expect_state=OSR_ROOT_FSTYPE=ocfs2 osrtest.expect_state=OSR_ROOT_DEVICE=/dev/vda \
osrtest.expect_rd_timestamp=1 osrtest.expect_freed=1"
EXPECT=pass
EXPECT_DISK_FILES=(var/tmp/block.txt:ocfs2-local)
TIMEOUT=150
