DESC="root=dhcp ip=dhcp: option 17 is a bare path with %s (the DHCP hostname), the server is next-server (siaddr, not the server id): the node's own root, NFSv4.2 as mount.nfs negotiates with a server of both versions"
NET=tap
# next-server 10.77.0.2, a second address of the host: the DHCP server id stays 10.77.0.1,
# so the server the node mounts from tells which of the two it took (dracut: next-server)
HOST_ADDRS="10.77.0.2"
DNSMASQ_ARGS=(--dhcp-host=52:54:00:12:34:56,10.77.0.152,dnode2 "--dhcp-option=17,/export/hosts/%s" --dhcp-boot=pxelinux.0,,10.77.0.2)
KARGS="root=dhcp ip=dhcp osrtest.expect_fstype=nfs4 osrtest.expect_opt=vers=4.2 osrtest.expect_mode=ro osrtest.expect_iface=eth0 osrtest.expect_addr=10.77.0.152 osrtest.expect_hostname=dnode2 osrtest.expect_state=OSR_NET_METHOD=dhcp osrtest.expect_state=OSR_NFS_SERVER=10.77.0.2 osrtest.expect_state=OSR_NFS_PATH=/export/hosts/dnode2 osrtest.expect_file_has=/etc/osr-root:dnode2"
EXPECT=pass
TIMEOUT=120
