# shellcheck shell=bash disable=SC2034  # (variables for qemu/run-one)
DESC="rd.overlay=tmpfs:size=4m: filling the upper layer gives ENOSPC in the node, which goes on (removes the file, writes again); the export is unchanged"
KARGS="rd.overlay=tmpfs:size=4m root=nfs4:10.0.2.2:/export/rootfs ip=10.0.2.15::10.0.2.2:255.255.255.0:node1:eth0:off osrtest.expect_mount=/:overlay osrtest.expect_mount=/live/cow:tmpfs:size=4096k osrtest.expect_state=OSR_OVERLAY=tmpfs osrtest.expect_state=OSR_OVERLAY_SIZE=4m osrtest.fill=/var/fill"
EXPORT_UNCHANGED=1
EXPECT=pass
TIMEOUT=120
