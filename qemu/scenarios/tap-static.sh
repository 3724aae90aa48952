DESC="NET=tap: bridge + tap in the namespace, static ip= on eth0, NFSv4 root from 10.77.0.1"
NET=tap
DNSMASQ=no
KARGS="root=nfs4:10.77.0.1:/export/rootfs ip=10.77.0.15::10.77.0.1:255.255.255.0:n1:eth0:off osrtest.expect_fstype=nfs4 osrtest.expect_mode=ro osrtest.expect_iface=eth0 osrtest.expect_addr=10.77.0.15 osrtest.expect_hostname=n1 osrtest.expect_file_has=/etc/osr-root:shared"
EXPECT=pass
TIMEOUT=120
