DESC="vlan=eth0.100:eth0 ip=eth0.100:dhcp: DHCP and the NFSv4 root over VLAN 100 (10.78.0.0/24; untagged br0 is 10.77.0.0/24)"
NET=tap
HOST_VLAN=100
DNSMASQ_ARGS=(--dhcp-host=52:54:00:12:34:56,10.78.0.150,vnode1)
KARGS="vlan=eth0.100:eth0 ip=eth0.100:dhcp root=nfs4:10.78.0.1:/export/rootfs osrtest.expect_fstype=nfs4 osrtest.expect_mode=ro osrtest.expect_iface=eth0.100 osrtest.expect_addr=10.78.0.150 osrtest.expect_hostname=vnode1 osrtest.expect_state=OSR_IFACE=eth0.100 osrtest.expect_state=OSR_NET_METHOD=dhcp"
EXPECT=pass
TIMEOUT=120
