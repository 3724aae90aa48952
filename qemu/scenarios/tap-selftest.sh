DESC="the NET=tap lab (bridge, tap, server on 10.77.0.1) with the busybox self-test init instead of osr-init"
NET=tap
DNSMASQ=no
IMAGE=selftest
OSR_CHECKS=0
KARGS="root=nfs4:10.77.0.1:/export/rootfs ip=10.77.0.15::10.77.0.1:255.255.255.0:n1:eth0:off osrtest.expect_fstype=nfs4 osrtest.expect_mode=ro osrtest.expect_iface=eth0 osrtest.expect_addr=10.77.0.15 osrtest.expect_hostname=n1 osrtest.expect_file_has=/etc/osr-root:shared"
EXPECT=pass
TIMEOUT=120
