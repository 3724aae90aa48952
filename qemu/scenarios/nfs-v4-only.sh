# shellcheck shell=bash disable=SC2034  # (variables for qemu/run-one)
DESC="a bare nfs: root (no vers=) against an NFSv4-only server: NFSv4.2 agreed as mount.nfs negotiates; rootflags=noatime,nodiratime are mount flags; nfsaddrs= (the kernel's old name for ip=) configures eth0"
NFS=v4
KARGS="root=nfs:10.0.2.2:/export/rootfs rootflags=noatime,nodiratime nfsaddrs=10.0.2.15::10.0.2.2:255.255.255.0:node1:eth0:off \
osrtest.expect_fstype=nfs4 osrtest.expect_opt=vers=4.2 osrtest.expect_opt=noatime osrtest.expect_opt=nodiratime osrtest.expect_mode=ro \
osrtest.expect_iface=eth0 osrtest.expect_addr=10.0.2.15 osrtest.expect_hostname=node1 \
osrtest.expect_state=OSR_NFS_VERSION=4.2 osrtest.expect_state=OSR_ROOT_FSTYPE=nfs4"
EXPECT=pass
