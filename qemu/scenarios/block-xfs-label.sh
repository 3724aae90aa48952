# shellcheck shell=bash disable=SC2034  # (variables for qemu/run-one)
DESC="block root: xfs (mkfs.xfs -p from the test root) found by root=LABEL=, read-write: the xfs module and its dependencies loaded from the probe, a file written and read back"
DISK=xfs.img
NFS=no
OSR_CHECKS=0
KARGS="root=LABEL=osrxfs rw rd.retry=60 osrtest.expect_fstype=xfs osrtest.expect_mode=rw \
osrtest.write=/var/tmp/xfs.txt:xfs-label osrtest.expect_content=/var/tmp/xfs.txt:xfs-label \
osrtest.expect_state=OSR_ROOT_FSTYPE=xfs osrtest.expect_state=OSR_ROOT_UUID=9e4f5061-7283-4495-a6b7-c8d9eafb0c12 \
osrtest.expect_rd_timestamp=1 osrtest.expect_freed=1"
EXPECT=pass
TIMEOUT=150
