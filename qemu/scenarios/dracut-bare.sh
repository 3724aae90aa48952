DESC="dracut's bare root=SERVER:PATH form: no vers=, so NFSv4.2, 4.1, 4.0 then 3 are offered as mount.nfs does; the lab server (both versions) agrees on 4.2"
KARGS="root=10.0.2.2:/srv/root ip=10.0.2.15::10.0.2.2:255.255.255.0:node1:eth0:off osrtest.expect_fstype=nfs4 osrtest.expect_opt=vers=4.2 osrtest.expect_state=OSR_NFS_VERSION=4.2 osrtest.expect_mode=ro osrtest.expect_addr=10.0.2.15 osrtest.expect_hostname=node1"
EXPECT=pass
