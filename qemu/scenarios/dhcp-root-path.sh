DESC="ip=dhcp and no root=: the NFSv4 root is named only by DHCP option 17 (dnsmasq on the bridge)"
NET=tap
DNSMASQ_ARGS=(--dhcp-host=52:54:00:12:34:56,10.77.0.150,dnode1 "--dhcp-option=17,nfs4:10.77.0.1:/export/rootfs")
KARGS="ip=dhcp osrtest.expect_fstype=nfs4 osrtest.expect_mode=ro osrtest.expect_iface=eth0 osrtest.expect_addr=10.77.0.150 osrtest.expect_hostname=dnode1 osrtest.expect_state=OSR_NET_METHOD=dhcp osrtest.expect_state=OSR_NFS_SERVER=10.77.0.1 osrtest.expect_state=OSR_NFS_PATH=/export/rootfs osrtest.expect_file=/run/systemd/network/10-osr-eth0.network osrtest.expect_file_has=/run/net-eth0.conf:10.77.0.150 osrtest.expect_file_has=/etc/osr-root:shared"
EXPECT=pass
TIMEOUT=120
