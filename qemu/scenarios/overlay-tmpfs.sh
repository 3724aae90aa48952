# shellcheck shell=bash disable=SC2034  # (variables for qemu/run-one)
DESC="rootovl: NFSv4 root read-only under a tmpfs overlay; writes (a new file, a copied-up one) land in the tmpfs (its upper layer also at the FAI/Debian /live/cow/rw), the export stays byte for byte the same"
KARGS="rootovl root=nfs4:10.0.2.2:/export/rootfs ip=10.0.2.15::10.0.2.2:255.255.255.0:node1:eth0:off osrtest.expect_mount=/:overlay osrtest.expect_mode=rw osrtest.expect_mount=/live/cow:tmpfs osrtest.expect_mount=/live/image:nfs4:ro osrtest.expect_mount=/run/initramfs/overlay/lower:nfs4:ro osrtest.expect_mount=/run/initramfs/overlay/cow:tmpfs osrtest.write=/etc/written:hello osrtest.write=/victim:overwritten osrtest.expect_content=/live/cow/upper/etc/written:hello osrtest.expect_mount=/live/cow/rw:tmpfs osrtest.expect_content=/live/cow/rw/etc/written:hello osrtest.expect_content=/live/image/victim:root-victim osrtest.expect_absent=/live/image/etc/written osrtest.expect_state=OSR_OVERLAY=tmpfs osrtest.expect_state=OSR_OVERLAY_SIZE=50%"
EXPORT_UNCHANGED=1
EXPECT=pass
TIMEOUT=120
