# shellcheck shell=bash disable=SC2034,SC2154  # (variables for qemu/scenario.sh, which sets SCEN_BASE)
DESC="block root: xfs (mkfs.xfs -p from the test root) found by root=LABEL=, read-write: the xfs module and its dependencies loaded from the probe, a file written and read back"
# shellcheck source=qemu/scenarios/base/local-disk.sh
. "$SCEN_BASE/local-disk.sh"
DISK=xfs.img
KARGS="root=LABEL=osrxfs rw rd.retry=60 osrtest.expect_fstype=xfs osrtest.expect_mode=rw \
osrtest.write=/var/tmp/xfs.txt:xfs-label osrtest.expect_content=/var/tmp/xfs.txt:xfs-label \
osrtest.expect_state=OSR_ROOT_FSTYPE=xfs osrtest.expect_state=OSR_ROOT_UUID=9e4f5061-7283-4495-a6b7-c8d9eafb0c12 \
osrtest.expect_rd_timestamp=1 osrtest.expect_freed=1"
