# shellcheck shell=bash disable=SC2034  # (variables for qemu/run-one)
DESC="lab: two nodes (MACS) boot at the same time from one rw NFSv4 export on the tap segment, each writes its own file; both must pass and both files reach the export"
NET=tap
DNSMASQ=no
MACS=(52:54:00:c1:01:01 52:54:00:c1:01:02)
KARGS="rw root=nfs4:10.77.0.1:/export/rootfs osrtest.expect_fstype=nfs4 osrtest.expect_mode=rw osrtest.write=/var/tmp/%H.txt:from-%H"
NODE_KARGS=(
    "ip=10.77.0.21::10.77.0.1:255.255.255.0:twin1:eth0:off osrtest.expect_addr=10.77.0.21 osrtest.expect_hostname=twin1"
    "ip=10.77.0.22::10.77.0.1:255.255.255.0:twin2:eth0:off osrtest.expect_addr=10.77.0.22 osrtest.expect_hostname=twin2"
)
OWN_ROOT=1
EXPECT_EXPORT_FILES=(var/tmp/twin1.txt:from-twin1 var/tmp/twin2.txt:from-twin2)
EXPECT=pass
TIMEOUT=180
