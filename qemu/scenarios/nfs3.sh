DESC="NFSv3 root (root=nfs:...:vers=3,nolock), rpcbind + MNT on the server"
KARGS="root=nfs:10.0.2.2:/srv/root:vers=3,nolock ip=10.0.2.15::10.0.2.2:255.255.255.0:node1:eth0:off osrtest.expect_fstype=nfs osrtest.expect_opt=vers=3 osrtest.expect_mode=ro osrtest.expect_iface=eth0 osrtest.expect_addr=10.0.2.15 osrtest.expect_hostname=node1"
EXPECT=pass
