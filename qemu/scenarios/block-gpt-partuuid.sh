# shellcheck shell=bash disable=SC2034,SC2154  # (variables for qemu/scenario.sh, which sets SCEN_BASE)
DESC="block root: partition 1 of a GPT disk (made by sfdisk) found by root=PARTUUID= (written in upper case, matched as blkid's lower case) from the disk's own table, not the whole disk"
# shellcheck source=qemu/scenarios/base/local-disk.sh
. "$SCEN_BASE/local-disk.sh"
DISK=gpt-ext4.img
KARGS="root=PARTUUID=6B1C2D3E-4F50-4162-9374-8596A7B8C9DA rd.retry=60 osrtest.expect_fstype=ext4 osrtest.expect_mode=ro \
osrtest.expect_file_has=/etc/osr-root:shared \
osrtest.expect_state=OSR_ROOT_DEVICE=/dev/vda1 osrtest.expect_state=OSR_ROOT_FSTYPE=ext4 \
osrtest.expect_state=OSR_ROOT_UUID=7c2d3e4f-5061-4273-a485-96a7b8c9dae0 \
osrtest.expect_rd_timestamp=1 osrtest.expect_freed=1"
