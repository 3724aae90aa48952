# shellcheck shell=bash disable=SC2034  # (variables for qemu/run-one)
DESC="lab: two nodes (MACS) on one shared DISK (one raw file, two qemu processes): each writes a block of it, and reads the other's (busybox self-test init, O_DIRECT), then boots the NFS root"
IMAGE=selftest
NET=tap
DNSMASQ=no
DISK=ext4.img
MACS=(52:54:00:c1:02:01 52:54:00:c1:02:02)
OSR_CHECKS=0
KARGS="root=nfs4:10.77.0.1:/export/rootfs osrtest.expect_fstype=nfs4 osrtest.expect_mode=ro osrtest.expect_iface=eth0"
NODE_KARGS=(
    "ip=10.77.0.31::10.77.0.1:255.255.255.0:sd1:eth0:off selftest.disk=1:2 osrtest.expect_addr=10.77.0.31 osrtest.expect_hostname=sd1"
    "ip=10.77.0.32::10.77.0.1:255.255.255.0:sd2:eth0:off selftest.disk=2:1 osrtest.expect_addr=10.77.0.32 osrtest.expect_hostname=sd2"
)
# (each node's console: its own write, then the other's block seen)
EXPECT_CONSOLE=('SELFTEST-DISK wrote osr-lab-disk-[12] ' 'SELFTEST-DISK OK slot [12] of /dev/vda holds osr-lab-disk-[12] ')
EXPECT=pass
TIMEOUT=180
