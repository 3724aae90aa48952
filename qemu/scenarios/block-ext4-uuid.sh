# shellcheck shell=bash disable=SC2034,SC2154  # (variables for qemu/scenario.sh, which sets SCEN_BASE)
DESC="block root: the ext4 disk found by root=UUID= (no rootfstype), mounted read-only; no network is configured, no NFS server runs"
# shellcheck source=qemu/scenarios/base/local-disk.sh
. "$SCEN_BASE/local-disk.sh"
DISK=ext4.img
KARGS="root=UUID=0b5e1c2a-7d3f-4e6a-9c1b-2a3b4c5d6e7f rd.retry=60 osrtest.expect_fstype=ext4 osrtest.expect_mode=ro \
osrtest.expect_file_has=/etc/osr-root:shared \
osrtest.expect_state=OSR_ROOT_FSTYPE=ext4 osrtest.expect_state=OSR_ROOT_DEVICE=/dev/vda \
osrtest.expect_rd_timestamp=1 osrtest.expect_freed=1"
