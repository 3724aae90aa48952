# shellcheck shell=bash disable=SC2034,SC2154  # (variables for qemu/scenario.sh, which sets SCEN_BASE)
DESC="block root: an OCFS2 disk of the local mount type by root=UUID=, read-write, no cluster stack: a file written and read back"
# shellcheck source=qemu/scenarios/base/local-disk-rw.sh
. "$SCEN_BASE/local-disk-rw.sh" UUID=2d7a3e4c-9f5b-4a8c-9e3d-4c5d6e7f8091 ocfs2 ocfs2-local
DISK=ocfs2-local.img
EXPECT_DISK_FILES=(var/tmp/block.txt:ocfs2-local)
