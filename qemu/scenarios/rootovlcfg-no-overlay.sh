# shellcheck shell=bash disable=SC2034  # (variables for qemu/run-one)
DESC="rootovlcfg=a without an overlay: ignored with a warning, the NFS root is read-only and a's tree is not applied"
KARGS="rootovlcfg=a root=nfs4:10.0.2.2:/export/rootfs ip=10.0.2.15::10.0.2.2:255.255.255.0:node1:eth0:off osrtest.expect_fstype=nfs4 osrtest.expect_mode=ro osrtest.expect_absent=/etc/role osrtest.expect_content=/etc/lower-doomed:lower-doomed osrtest.expect_absent=/live/cow"
EXPORT_UNCHANGED=1
EXPECT_CONSOLE=('rootovlcfg.*ignored|ignored.*rootovlcfg')
EXPECT=pass
TIMEOUT=120
