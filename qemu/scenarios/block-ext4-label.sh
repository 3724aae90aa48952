# shellcheck shell=bash disable=SC2034,SC2154  # (variables for qemu/scenario.sh, which sets SCEN_BASE)
DESC="block root: the ext4 disk found by root=LABEL=osrroot, mounted read-write (rw): a file written and read back"
# shellcheck source=qemu/scenarios/base/local-disk-rw.sh
. "$SCEN_BASE/local-disk-rw.sh" LABEL=osrroot ext4 ext4-label
DISK=ext4.img
EXPECT_DISK_FILES=(var/tmp/block.txt:ext4-label)
