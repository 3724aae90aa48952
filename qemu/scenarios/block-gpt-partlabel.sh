# shellcheck shell=bash disable=SC2034,SC2154  # (variables for qemu/scenario.sh, which sets SCEN_BASE)
DESC="block root: dracut's root=block:/dev/disk/by-partlabel/<name> (no udev made that link: read as PARTLABEL=) on a GPT disk, read-write with rootflags mount flags"
# shellcheck source=qemu/scenarios/base/local-disk.sh
. "$SCEN_BASE/local-disk.sh"
DISK=gpt-ext4.img
KARGS="root=block:/dev/disk/by-partlabel/osr-gpt-root rw rootflags=noatime rd.retry=60 \
osrtest.expect_fstype=ext4 osrtest.expect_mode=rw osrtest.expect_opt=noatime \
osrtest.write=/var/tmp/gpt.txt:partlabel osrtest.expect_content=/var/tmp/gpt.txt:partlabel \
osrtest.expect_state=OSR_ROOT_DEVICE=/dev/vda1 osrtest.expect_state=OSR_ROOT_LABEL=osrgpt \
osrtest.expect_rd_timestamp=1 osrtest.expect_freed=1"
