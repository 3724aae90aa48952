DESC="two NICs, BOOTIF= names the second by MAC, ip= names no interface"
NICS="52:54:00:12:34:56 52:54:00:12:34:57"
KARGS="root=nfs4:10.0.2.2:/export/rootfs BOOTIF=01-52-54-00-12-34-57 ip=10.0.2.15::10.0.2.2:255.255.255.0:node1::off osrtest.expect_fstype=nfs4 osrtest.expect_iface_mac=52:54:00:12:34:57 osrtest.expect_addr=10.0.2.15 osrtest.expect_hostname=node1"
EXPECT=pass
