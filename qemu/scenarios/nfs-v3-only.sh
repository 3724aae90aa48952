# shellcheck shell=bash disable=SC2034  # (variables for qemu/run-one)
DESC="dracut's bare root form (no vers=) against an NFSv3-only server: NFSv4.2, 4.1 and 4.0 refused (EPROTONOSUPPORT), NFSv3 agreed, with nolock"
NFS=v3
KARGS="root=10.0.2.2:/srv/root ip=10.0.2.15::10.0.2.2:255.255.255.0:node1:eth0:off \
osrtest.expect_fstype=nfs osrtest.expect_opt=vers=3 osrtest.expect_opt=nolock osrtest.expect_mode=ro \
osrtest.expect_addr=10.0.2.15 osrtest.expect_hostname=node1 \
osrtest.expect_state=OSR_NFS_VERSION=3 osrtest.expect_state=OSR_ROOT_FSTYPE=nfs"
EXPECT=pass
