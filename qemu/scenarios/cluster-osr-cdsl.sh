# shellcheck shell=bash disable=SC2034,SC2154  # (variables for qemu/scenario.sh, which sets SCEN_BASE)
DESC="open-sharedroot: a root prepared with the osr-cdsl tool (init, hostdependent etc/hostname and var, shared var/lib, check) boots two nodes side by side from one image with cluster.conf embedded, identified by MAC; each has its own /etc/hostname and /var, /var/lib shared"
# cluster-two-nodes on the root the osr-cdsl tool made
# shellcheck source=qemu/scenarios/base/cdsl-two-nodes.sh
. "$SCEN_BASE/cdsl-two-nodes.sh"
ROOT=cdsl-tool
