DESC="ip=dhcp on a segment with no DHCP server: an error naming DHCP, eth0 and the missing OFFER, then poweroff"
NET=tap
DNSMASQ=no
KARGS="ip=dhcp root=nfs4:10.77.0.1:/export/rootfs rd.net.timeout.dhcp=8 rd.emergency=poweroff"
EXPECT=fail
EXPECT_CONSOLE=(
    'dhcp.*eth0.*no OFFER'
    'reboot: Power down'
)
TIMEOUT=120
