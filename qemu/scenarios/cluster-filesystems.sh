# shellcheck shell=bash disable=SC2034  # (variables for qemu/run-one)
DESC="open-sharedroot: the node's cluster.conf <filesystems> are mounted in order inside the root after it: a tmpfs with its options (flags apart, defaults dropped), a read-only bind of the root's /etc inside it, an NFSv3 export (vers=3 given: exact, nolock and addr= added, nosuid a flag), an NFSv4 one (4.2 offered first) and an nfs one without vers= (negotiated as the root: 4.2 agreed)"
NET=tap
DNSMASQ=no
CLUSTER_CONF=qemu/fixtures/cluster-filesystems.conf
MACS=(52:54:00:c1:00:06)
KARGS="osrtest.expect_fstype=nfs4 osrtest.expect_mode=ro osrtest.expect_addr=10.77.0.16 osrtest.expect_hostname=fsnode1 osrtest.expect_state=OSR_NODEID=6 \
osrtest.expect_mount=/tmp:tmpfs:rw,nosuid,nodev,size=8192k,mode=755 \
osrtest.expect_mount=/tmp/etc-ro:nfs4:ro osrtest.expect_file_has=/tmp/etc-ro/osr-root:shared \
osrtest.expect_mount=/tmp/nfs3:nfs:ro,nosuid,vers=3,nolock,addr=10.77.0.1 osrtest.expect_file_has=/tmp/nfs3/etc/osr-root:shared \
osrtest.expect_mount=/tmp/nfs4:nfs4:ro,vers=4.2,addr=10.77.0.1 osrtest.expect_file_has=/tmp/nfs4/etc/osr-root:shared \
osrtest.expect_mount=/tmp/nfs-negotiated:nfs4:ro,vers=4.2,addr=10.77.0.1 osrtest.expect_file_has=/tmp/nfs-negotiated/etc/osr-root:shared \
osrtest.write=/tmp/written:hello osrtest.expect_content=/tmp/written:hello"
EXPECT=pass
TIMEOUT=180
