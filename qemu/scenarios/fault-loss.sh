# shellcheck shell=bash disable=SC2034  # (variables for qemu/scenario.sh)
DESC="20% of the frames lost and 100 ms delay each way (a userspace relay, the whole boot): DHCP and the NFSv4 mount still get through, the node boots"
NET=tap
NET_LOSS=20
NET_DELAY=100
DNSMASQ_ARGS=("--dhcp-host=52:54:00:12:34:56,10.77.0.150,dnode1" "--dhcp-option=17,nfs4:10.77.0.1:/export/rootfs")
KARGS="ip=dhcp osrtest.expect_fstype=nfs4 osrtest.expect_mode=ro osrtest.expect_iface=eth0 \
osrtest.expect_addr=10.77.0.150 osrtest.expect_hostname=dnode1 osrtest.expect_state=OSR_NET_METHOD=dhcp \
osrtest.expect_state=OSR_NFS_SERVER=10.77.0.1 osrtest.expect_state=OSR_NFS_PATH=/export/rootfs \
osrtest.expect_file_has=/etc/osr-root:shared"
EXPECT=pass
TIMEOUT=420
