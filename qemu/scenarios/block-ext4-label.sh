# shellcheck shell=bash disable=SC2034  # (variables for qemu/run-one)
DESC="block root: the ext4 disk found by root=LABEL=osrroot, mounted read-write (rw): a file written and read back"
DISK=ext4.img
NFS=no
OSR_CHECKS=0
KARGS="root=LABEL=osrroot rd.retry=60 rw osrtest.expect_fstype=ext4 osrtest.expect_mode=rw \
osrtest.write=/var/tmp/block.txt:ext4-label osrtest.expect_content=/var/tmp/block.txt:ext4-label \
osrtest.expect_state=OSR_ROOT_FSTYPE=ext4 osrtest.expect_state=OSR_ROOT_DEVICE=/dev/vda \
osrtest.expect_rd_timestamp=1 osrtest.expect_freed=1"
EXPECT=pass
EXPECT_DISK_FILES=(var/tmp/block.txt:ext4-label)
TIMEOUT=150
