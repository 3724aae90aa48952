# shellcheck shell=bash disable=SC2034,SC2154  # (variables for qemu/scenario.sh, which sets SCEN_BASE)
DESC="block root: a squashfs image (no UUID, no label) by root=/dev/vda under rd.overlay: the probe finds squashfs, its module is loaded, the overlay makes / writable in RAM over the read-only image"
# shellcheck source=qemu/scenarios/base/local-disk.sh
. "$SCEN_BASE/local-disk.sh"
DISK=squashfs.img
KARGS="root=/dev/vda rd.overlay rd.retry=60 \
osrtest.expect_mount=/:overlay osrtest.expect_mode=rw \
osrtest.expect_mount=/run/initramfs/overlay/lower:squashfs:ro osrtest.expect_mount=/live/cow:tmpfs \
osrtest.write=/etc/written:on-overlay osrtest.expect_content=/live/cow/upper/etc/written:on-overlay \
osrtest.expect_absent=/live/image/etc/written \
osrtest.expect_state=OSR_ROOT_FSTYPE=squashfs osrtest.expect_state=OSR_OVERLAY=tmpfs \
osrtest.expect_rd_timestamp=1 osrtest.expect_freed=1"
