# shellcheck shell=bash disable=SC2034  # (variables for qemu/scenario.sh)
DESC="the NFS server stops for 60 s once the node reached its rw NFSv4 root, then starts again: the root recovers and a write made after the restart is on the export"
SERVER_OUTAGE=60
OWN_ROOT=1
# the checks wait for the file the host writes once the server is back, then write
KARGS="rw root=nfs4:10.0.2.2:/export/rootfs ip=10.0.2.15::10.0.2.2:255.255.255.0:node1:eth0:off \
osrtest.hold=/lab-server-back:240 osrtest.expect_fstype=nfs4 osrtest.expect_mode=rw \
osrtest.expect_addr=10.0.2.15 osrtest.expect_content=/lab-server-back:back \
osrtest.write=/var/after-outage:written-after-restart osrtest.expect_file_has=/etc/osr-root:shared"
EXPECT_EXPORT_FILE=var/after-outage:written-after-restart
EXPECT=pass
TIMEOUT=420
