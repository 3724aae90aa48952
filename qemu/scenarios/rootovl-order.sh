# shellcheck shell=bash disable=SC2034  # (variables for qemu/run-one)
DESC="rootovlcfg=a,b,common: applied common, b, a (the first listed wins); a's .rootovldel (comment, blank line, a glob) deletes what b copied and a file of the image; links copied as links; .rootovldel itself not copied"
KARGS="rootovl rootovlcfg=a,b,common root=nfs4:10.0.2.2:/export/rootfs ip=10.0.2.15::10.0.2.2:255.255.255.0:node1:eth0:off osrtest.expect_mount=/:overlay osrtest.expect_content=/etc/role:a osrtest.expect_content=/etc/motd:common osrtest.expect_content=/usr/local/b-only:b-only osrtest.expect_link=/etc/link-b:/etc/role osrtest.expect_absent=/etc/b-doomed.conf osrtest.expect_absent=/etc/lower-doomed osrtest.expect_content=/live/image/etc/lower-doomed:lower-doomed osrtest.expect_absent=/.rootovldel osrtest.expect_state=OSR_ROOTOVL_APPLIED=common%20b%20a"
EXPORT_UNCHANGED=1
# no line of a's .rootovldel (the comment, the blank line, the glob) is an escape
FORBID_CONSOLE=('rootovldel.*refused|refused.*rootovldel')
EXPECT=pass
TIMEOUT=120
