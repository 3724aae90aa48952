# shellcheck shell=bash disable=SC2034,SC2154  # (variables for qemu/scenario.sh, which sets SCEN_BASE)
DESC="open-sharedroot with rootovl: two nodes boot the v2-CDSL root under a tmpfs overlay; each node's CDSL tree of the overlay root is bound onto /.cdsl.local, so /etc/hostname comes from its directory on the server, and its /var writes land in memory: the export stays byte for byte the same"
# shellcheck source=qemu/scenarios/base/two-node-cluster.sh
. "$SCEN_BASE/two-node-cluster.sh"
CLUSTER_CONF=qemu/fixtures/cluster-two.conf
ROOT=cdsl-v2
# /live/image must be ro although cluster.conf's rootvolume says mountopts="rw": the overlay's
# lower layer is always mounted read-only.
# /.cdsl.local is a bind of the overlay root's .cluster/cdsl/<nodeid> (fstype overlay, not nfs4)
KARGS="rootovl osrtest.expect_mount=/:overlay osrtest.expect_mode=rw \
osrtest.expect_mount=/live/image:nfs4:ro osrtest.expect_mount=/live/cow:tmpfs \
osrtest.expect_state=OSR_OVERLAY=tmpfs osrtest.expect_state=OSR_CDSL_LAYOUT=v2 \
osrtest.expect_state=OSR_NODEID_SOURCE=mac osrtest.expect_state=OSR_NODENAME=%H \
osrtest.expect_mount=/.cdsl.local:overlay \
osrtest.expect_link=/etc/hostname:../.cdsl.local/etc/hostname \
osrtest.expect_file_has=/etc/hostname:%H osrtest.expect_content=/.cdsl.local/etc/hostname:%H \
osrtest.write=/var/log/x:%H osrtest.write=/var/lib/from-%H:%H \
osrtest.expect_content=/var/lib/cdsl-shared:shared"
# per node: its id's files, and its writes in the tmpfs's upper layer, under its own tree
NODE_KARGS=(
    "osrtest.expect_state=OSR_NODEID=1 osrtest.expect_hostname=clnode1 osrtest.expect_addr=10.77.0.11 osrtest.expect_content=/var/log/cdsl-node:1 osrtest.expect_content=/live/cow/upper/.cluster/cdsl/1/var/log/x:clnode1 osrtest.expect_content=/live/cow/upper/.cluster/shared/var/lib/from-clnode1:clnode1 osrtest.expect_absent=/live/image/.cluster/cdsl/1/var/log/x"
    "osrtest.expect_state=OSR_NODEID=2 osrtest.expect_hostname=clnode2 osrtest.expect_addr=10.77.0.12 osrtest.expect_content=/var/log/cdsl-node:2 osrtest.expect_content=/live/cow/upper/.cluster/cdsl/2/var/log/x:clnode2 osrtest.expect_content=/live/cow/upper/.cluster/shared/var/lib/from-clnode2:clnode2 osrtest.expect_absent=/live/image/.cluster/cdsl/2/var/log/x"
)
# nothing a node wrote reaches the server
EXPORT_UNCHANGED=1
EXPECT=pass
TIMEOUT=240
