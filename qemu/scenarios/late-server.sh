DESC="the NFS server starts 20 s after the kernel runs /init: osr-init retries the mount"
SERVER_DELAY=20
KARGS="root=nfs4:10.0.2.2:/export/rootfs ip=10.0.2.15::10.0.2.2:255.255.255.0:node1:eth0:off osrtest.expect_fstype=nfs4 osrtest.expect_mode=ro osrtest.expect_addr=10.0.2.15 osrtest.expect_hostname=node1"
EXPECT=pass
# at least one failed attempt before the server came up
EXPECT_CONSOLE=('osr-init.*(retry|retrying|attempt [2-9])')
