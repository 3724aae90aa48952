# shellcheck shell=bash disable=SC2034  # (variables for qemu/run-one)
DESC="rootovlcfg=common,%h rootovlcfg=nosuch with hostname node1 from ip=: node1's tree applied before common (common wins /etc/role), the missing tree reported"
KARGS="rootovl rootovlcfg=common,%h rootovlcfg=nosuch root=nfs4:10.0.2.2:/export/rootfs ip=10.0.2.15::10.0.2.2:255.255.255.0:node1:eth0:off osrtest.expect_hostname=node1 osrtest.expect_mount=/:overlay osrtest.expect_content=/etc/node-file:node1 osrtest.expect_content=/etc/role:common osrtest.expect_content=/etc/motd:common osrtest.expect_state=OSR_ROOTOVL_APPLIED=node1%20common osrtest.expect_state=OSR_ROOTOVL_MISSING=nosuch"
EXPORT_UNCHANGED=1
EXPECT=pass
TIMEOUT=120
