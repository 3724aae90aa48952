DESC="VLAN 100 on an active-backup bond of two NICs: DHCP and the NFSv4 root over bond0.100"
NET=tap
NICS=2
HOST_VLAN=100
DNSMASQ_ARGS=(--dhcp-host=52:54:00:12:34:56,52:54:00:12:34:57,10.78.0.151,vbnode1)
KARGS="bond=bond0:eth0,eth1:mode=active-backup,miimon=100 vlan=bond0.100:bond0 ip=bond0.100:dhcp root=nfs4:10.78.0.1:/export/rootfs osrtest.expect_fstype=nfs4 osrtest.expect_mode=ro osrtest.expect_iface=bond0.100 osrtest.expect_addr=10.78.0.151 osrtest.expect_hostname=vbnode1 osrtest.expect_master=eth0:bond0 osrtest.expect_master=eth1:bond0 osrtest.expect_state=OSR_IFACE=bond0.100 osrtest.expect_state=OSR_NET_METHOD=dhcp"
EXPECT=pass
TIMEOUT=120
