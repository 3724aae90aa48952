DESC="active-backup bond of two NICs whose first has no carrier (qemu set_link off): DHCP and the NFSv4 root over the second"
NET=tap
NICS=2
LINK_DOWN=n0
# both MACs: the bond takes its first slave's MAC, which this scenario does not test
DNSMASQ_ARGS=(--dhcp-host=52:54:00:12:34:56,52:54:00:12:34:57,10.77.0.160,bnode1)
KARGS="bond=bond0:eth0,eth1:mode=active-backup,miimon=100 ip=bond0:dhcp root=nfs4:10.77.0.1:/export/rootfs osrtest.expect_fstype=nfs4 osrtest.expect_mode=ro osrtest.expect_iface=bond0 osrtest.expect_addr=10.77.0.160 osrtest.expect_hostname=bnode1 osrtest.expect_master=eth0:bond0 osrtest.expect_master=eth1:bond0 osrtest.expect_file_has=/sys/class/net/bond0/bonding/mode:active-backup osrtest.expect_file_has=/sys/class/net/bond0/bonding/active_slave:eth1 osrtest.expect_state=OSR_IFACE=bond0 osrtest.expect_state=OSR_NET_METHOD=dhcp"
EXPECT=pass
TIMEOUT=120
