DESC="kernel-style root=/dev/nfs nfsroot=SERVER:PATH,vers=4.2"
KARGS="root=/dev/nfs nfsroot=10.0.2.2:/export/rootfs,vers=4.2 ip=10.0.2.15::10.0.2.2:255.255.255.0:node1:eth0:off osrtest.expect_fstype=nfs4 osrtest.expect_opt=vers=4.2 osrtest.expect_mode=ro osrtest.expect_addr=10.0.2.15 osrtest.expect_hostname=node1"
EXPECT=pass
