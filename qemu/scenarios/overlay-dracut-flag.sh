# shellcheck shell=bash disable=SC2034  # (variables for qemu/run-one)
DESC="rd.live.overlay.overlayfs (dracut's flag, what FAI uses now) gives the same tmpfs overlay as rootovl"
KARGS="rd.live.overlay.overlayfs root=nfs4:10.0.2.2:/export/rootfs ip=10.0.2.15::10.0.2.2:255.255.255.0:node1:eth0:off osrtest.expect_mount=/:overlay osrtest.expect_mount=/live/cow:tmpfs osrtest.expect_mount=/live/image:nfs4:ro osrtest.write=/etc/written:hello osrtest.expect_state=OSR_OVERLAY=tmpfs osrtest.expect_state=OSR_OVERLAY_SIZE=50%"
EXPORT_UNCHANGED=1
EXPECT=pass
TIMEOUT=120
