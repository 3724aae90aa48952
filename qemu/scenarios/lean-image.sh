DESC="image built with osr_nic_drivers=virtio_net (only the named NIC driver); boots like nfs4-static"
IMAGE=lean
KARGS="root=nfs4:10.0.2.2:/export/rootfs ip=10.0.2.15::10.0.2.2:255.255.255.0:node1:eth0:off osrtest.expect_fstype=nfs4 osrtest.expect_opt=vers=4.2 osrtest.expect_mode=ro osrtest.expect_iface=eth0 osrtest.expect_addr=10.0.2.15 osrtest.expect_hostname=node1"
EXPECT=pass
