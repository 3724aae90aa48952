DESC="dracut's bare root=SERVER:PATH form, which means NFSv3"
KARGS="root=10.0.2.2:/srv/root ip=10.0.2.15::10.0.2.2:255.255.255.0:node1:eth0:off osrtest.expect_fstype=nfs osrtest.expect_opt=vers=3 osrtest.expect_mode=ro osrtest.expect_addr=10.0.2.15 osrtest.expect_hostname=node1"
EXPECT=pass
