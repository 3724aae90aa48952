# shellcheck shell=bash disable=SC2034,SC2154  # (variables for qemu/scenario.sh, which sets SCEN_BASE)
DESC="block root: btrfs (mkfs.btrfs --rootdir) found by root=UUID=, read-write, rootflags split into a mount flag (noatime) and btrfs data (commit=60)"
# shellcheck source=qemu/scenarios/base/local-disk.sh
. "$SCEN_BASE/local-disk.sh"
DISK=btrfs.img
KARGS="root=UUID=8d3e4f50-6172-4384-b596-a7b8c9daebf1 rw rootflags=noatime,commit=60 rd.retry=60 \
osrtest.expect_fstype=btrfs osrtest.expect_mode=rw osrtest.expect_opt=noatime osrtest.expect_opt=commit=60 \
osrtest.write=/var/tmp/btrfs.txt:btrfs-uuid osrtest.expect_content=/var/tmp/btrfs.txt:btrfs-uuid \
osrtest.expect_state=OSR_ROOT_FSTYPE=btrfs osrtest.expect_state=OSR_ROOT_LABEL=osrbtrfs osrtest.expect_state=OSR_ROOT_OPTIONS=rw,commit=60 \
osrtest.expect_rd_timestamp=1 osrtest.expect_freed=1"
