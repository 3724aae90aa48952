# shellcheck shell=bash disable=SC2034,SC2154  # (variables for qemu/scenario.sh, which sets SCEN_BASE)
DESC="open-sharedroot: two nodes boot the same v2-CDSL NFSv4 root at once from one image with cluster.conf embedded, identified by MAC only (no nodeid/ip/root on the command line); each has its own /etc/hostname and /var, /var/lib shared"
# shellcheck source=qemu/scenarios/base/cdsl-two-nodes.sh
. "$SCEN_BASE/cdsl-two-nodes.sh"
ROOT=cdsl-v2
