# shellcheck shell=bash disable=SC2034  # (variables for qemu/scenario.sh)
DESC="a 2-minute DHCP lease and the DHCP server gone once the node reached its root: 5 minutes later the node still has its address and its rw root"
NET=tap
DNSMASQ_STOP=root
DNSMASQ_ARGS=("--dhcp-host=52:54:00:12:34:56,10.77.0.150,dnode1,2m" "--dhcp-option=17,nfs4:10.77.0.1:/export/rootfs")
OWN_ROOT=1
# the checks (the address, a write) only after 310 s: the lease ran out twice over
KARGS="ip=dhcp rw osrtest.hold=310 osrtest.expect_fstype=nfs4 osrtest.expect_mode=rw \
osrtest.expect_iface=eth0 osrtest.expect_addr=10.77.0.150 osrtest.expect_state=OSR_DHCP_LEASE_SECS=120 \
osrtest.write=/var/after-lease:written-after-5-minutes osrtest.expect_file_has=/etc/osr-root:shared"
EXPECT_EXPORT_FILE=var/after-lease:written-after-5-minutes
EXPECT=pass
TIMEOUT=600
