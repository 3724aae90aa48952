# shellcheck shell=bash disable=SC2034  # (variables for qemu/scenario.sh)
DESC="a rogue DHCP server answers the node's REQUEST for dnsmasq first, with an ACK without option 54 and one with its own, each with its own root path: the node logs both as ignored and mounts dnsmasq's root"
NET=tap
# spoof: ACKs (router, root path 10.77.0.66:/evil/%s, hostname '..') for a REQUEST naming dnsmasq
ROGUE_DHCP=spoof:ack-no-sid,ack-own-sid
DNSMASQ_ARGS=("--dhcp-host=52:54:00:12:34:56,10.77.0.150,dnode1" "--dhcp-option=17,nfs4:10.77.0.1:/export/rootfs")
# rd.debug: the ignored replies are logged at debug level
KARGS="ip=dhcp rd.debug osrtest.expect_fstype=nfs4 osrtest.expect_iface=eth0 osrtest.expect_addr=10.77.0.150 \
osrtest.expect_hostname=dnode1 osrtest.expect_state=OSR_DHCP_SERVER_ID=10.77.0.1 \
osrtest.expect_state=OSR_DHCP_ROOT_PATH=nfs4:10.77.0.1:/export/rootfs \
osrtest.expect_state=OSR_NFS_SERVER=10.77.0.1 osrtest.expect_state=OSR_NFS_PATH=/export/rootfs \
osrtest.expect_file_has=/etc/osr-root:shared"
EXPECT=pass
EXPECT_CONSOLE=(
    'ignored a reply from 10\.77\.0\.66:67: .*option 54'
    'ignored a reply from 10\.77\.0\.66:67: .*from server 10\.77\.0\.66'
)
FORBID_CONSOLE=('dhcp: eth0 got .* from 10\.77\.0\.66' '/evil/')
TIMEOUT=150
