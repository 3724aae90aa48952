# shellcheck shell=bash disable=SC2034  # (variables for qemu/run-one)
DESC="rootovlcfg=evil: .rootovldel lines /../victim and /etc/escape/victim (/etc/escape -> ../../../../../../../..) are refused, the root's /victim survives; an absolute link is followed inside the root; the node boots, the export is unchanged"
KARGS="rootovl rootovlcfg=evil root=nfs4:10.0.2.2:/export/rootfs ip=10.0.2.15::10.0.2.2:255.255.255.0:node1:eth0:off osrtest.expect_mount=/:overlay osrtest.expect_content=/victim:root-victim osrtest.expect_link=/etc/escape:../../../../../../../.. osrtest.expect_content=/etc/evil-applied:evil osrtest.expect_absent=/var/abs-dir/abs-doomed osrtest.expect_absent=/etc/evil-doomed osrtest.expect_state=OSR_ROOTOVL_APPLIED=evil osrtest.expect_state=OSR_ROOTOVL_REFUSED=2"
EXPORT_UNCHANGED=1
EXPECT_CONSOLE=('rootovldel.*refused|refused.*rootovldel')
EXPECT=pass
TIMEOUT=120
