# shellcheck shell=bash disable=SC2034  # (variables for qemu/scenario.sh)
# Base (not a scenario): usage  . "$SCEN_BASE/local-disk-rw.sh" ROOT FSTYPE TEXT
# local-disk.sh, the root (root=ROOT: UUID=..., LABEL=...) mounted read-write, FSTYPE on
# /dev/vda: TEXT written to /var/tmp/block.txt and read back.  The scenario sets DESC and DISK
# (and EXPECT_DISK_FILES where the host can read the disk).
# shellcheck source=qemu/scenarios/base/local-disk.sh
. "$SCEN_BASE/local-disk.sh"
KARGS="root=$1 rd.retry=60 rw osrtest.expect_fstype=$2 osrtest.expect_mode=rw \
osrtest.write=/var/tmp/block.txt:$3 osrtest.expect_content=/var/tmp/block.txt:$3 \
osrtest.expect_state=OSR_ROOT_FSTYPE=$2 osrtest.expect_state=OSR_ROOT_DEVICE=/dev/vda \
osrtest.expect_rd_timestamp=1 osrtest.expect_freed=1"
