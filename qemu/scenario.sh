# shellcheck shell=bash disable=SC2153  # (the scenario variables are set by scen_defaults)
# osr-rs boot lab: the scenario schema and its loader.  Source it after qemu/lib.sh.
#
#   scen_load NAME        every scenario variable reset to its default, qemu/scenarios/NAME.sh
#                         sourced, the result validated; dies naming the scenario, the variable,
#                         its value and the form expected
#   scen_image            the loaded scenario's image file name (osr.img, cluster-<conf>.img, ...)
#   scen_state_keys       the OSR_ state keys its kernel arguments expect (osrtest.expect_state=)
#   scen_schema           the schema below, as documentation
#
# A scenario is a bash file of assignments to the variables of SCEN_SCHEMA, nothing else
# (run-one and run-scenarios load it through scen_load only).  It may source a base file of
# qemu/scenarios/base/ for a common setup ('. "$SCEN_BASE/NAME.sh" [ARGS]', then set what
# differs); those are not scenarios (run-scenarios runs qemu/scenarios/*.sh only).  An
# upper-case variable that is not in the schema is an error (a typo); lower-case ones are the
# scenario's own helpers, unset after loading.

# shellcheck disable=SC2034  # (for the scenarios)
SCEN_BASE=$LAB_DIR/scenarios/base
SCEN_NAME=""

# The schema: NAME=DEFAULT (an array: NAME=()) and what it means; indented lines continue it.
SCEN_SCHEMA=$(cat <<'EOF'
DESC=                   one line: what the scenario shows
KARGS=                  kernel arguments (qemu/lib.sh prepends "console=ttyS0 panic=-1 no_timer_check"; run-one
                        appends osrtest.name=NAME, and osrtest.osr=1 for EXPECT=pass: the state file,
                        RD_TIMESTAMP and initramfs-freed checks of qemu/checker-init)
NICS=52:54:00:12:34:56  space separated NICs, each MAC[,qemu-device-model] (default one virtio NIC
                        52:54:00:12:34:56), or a count N (MACs 52:54:00:12:34:56, :57, ...); the
                        netdevs are n0, n1, ... and the guest names them eth0, eth1, ...
NET=user                user: every NIC is a qemu user-mode netdev (host = 10.0.2.2);
                        tap: the namespace gets a bridge br0 with 10.77.0.1/24 (forward_delay 0), one
                        tap per NIC (tap0 for n0, ...) as its ports, and dnsmasq (DHCP only) serving
                        10.77.0.100-199 on it; the NFS server answers on 10.77.0.1 (and every other
                        address of the namespace).  dnsmasq's log: OUTDIR/dhcp/dnsmasq.log; a failing
                        scenario's reason ends with its DHCP message counts
DNSMASQ=yes             yes | no: NET=tap without a DHCP server
DNSMASQ_ARGS=()         bash array of more dnsmasq arguments (--dhcp-host=MAC,ADDR,NAME,
                        --dhcp-option=17,..., --dhcp-boot=FILE,,NEXT-SERVER ...).  Like a real dnsmasq
                        it sends an option such as 17 only when the client asks for it (option 55)
HOST_ADDRS=             NET=tap: more addresses of the host on br0 (e.g. 10.77.0.2 as next-server)
HOST_VLAN=              NET=tap: VLAN id VID on br0, terminated on the host's tap vlan<VID> with
                        10.78.0.1/24 (the NFS server there too); dnsmasq also serves 10.78.0.100-199
                        on it.  Done by a userspace relay (lab_vlan_start in lib.sh: the host kernel
                        need not have 8021q); the guest's taps then run with vnet_hdr=off
NET_LOSS=0              NET=tap: percent (0-99) of the frames each NIC's relay drops at random, each way
NET_DELAY=0             NET=tap: milliseconds each NIC's relay holds every frame it passes, each way.
                        With either one not 0 every NIC goes through a userspace relay (lab_relay_start
                        in lib.sh; the host kernel need not have sch_netem): qemu's netdev is a UDP
                        socket on the namespace's loopback, the relay its other end and the tap's (a
                        port of br0), for the whole boot.  Its log OUTDIR/dhcp/relay-tapN.log counts
                        the frames passed and dropped each way; with NET_LOSS a relay that dropped
                        no frame in one of the two directions fails the scenario
ROGUE_DHCP=             NET=tap: MODE[:VARIANT,...]: a second DHCP server on the segment,
                        tests/netns/fake-dhcp-server.py --mode MODE [--variants VARIANT,...] (spoof:
                        ACKs and NAKs for REQUESTs that name dnsmasq, see that file) at 10.77.0.66, in a
                        namespace of its own behind br0; dnsmasq's DHCP replies then leave br0 at
                        4 kbit/s (lab_dhcp_slow), so the rogue answers first.  Its log:
                        OUTDIR/dhcp/rogue.log; a rogue that sent nothing fails the scenario
SERVER_OUTAGE=0         seconds: when node 1's console shows REALROOT-INIT (the node reached its
                        root), the NFS server (ganesha and rpcbind) is stopped, started again SECONDS
                        later, and then the export gets the file /lab-server-back holding "back", for
                        the node to wait for (osrtest.hold=/lab-server-back:SECS) before its checks;
                        needs OWN_ROOT=1
DNSMASQ_STOP=no         no | root: root: dnsmasq is stopped when node 1's console shows REALROOT-INIT,
                        and not started again (the DHCP server gone while the root runs); NET=tap
LINK_DOWN=              a netdev id (n0): qemu's monitor runs "set_link n0 off" right after qemu
                        starts, before the guest loads its NIC driver: that NIC has no carrier
MACS=()                 bash array: one node per MAC, booted at the same time (qemu started for all
                        before any is waited for) against the same export, in the same namespace; each
                        has that one virtio NIC (NET=tap: node k on tap<k-1>), its console in
                        OUTDIR/console-<k>.log (console.log: all of them, each headed by its verdict)
                        and its own verdict; the scenario passes only if every node does.  Not with
                        LINK_DOWN
NODE_KARGS=()           bash array: more kernel arguments for node k (entry k-1), after KARGS (e.g. the
                        per-node osrtest.expect_* of MACS nodes)
CLUSTER_CONF=           a cluster.conf (path from the repository root, e.g. qemu/fixtures/cluster-two.conf)
                        embedded in the image as /etc/cluster/cluster.conf (build-image with
                        OSR_CLUSTER_CONF, i.e. the dracut module's osr_cluster_conf); run-scenarios
                        builds one image per distinct file (images/cluster-<name>.img)
DISK=                   a disk image of qemu/mkdisk (a name of `qemu/mkdisk --list`, in LAB_DISKS,
                        default qemu/work/disks; run-scenarios builds them when a selected scenario has
                        a DISK): run-one copies it (sparse) to OUTDIR/<name> for this scenario alone and
                        attaches the copy to every node as its first virtio-blk disk, the guest's
                        /dev/vda (-drive file=COPY,if=none,id=d0,format=raw,file.locking=off,cache=none
                        -device virtio-blk-pci,drive=d0,share-rw=on).  With MACS all nodes get the SAME
                        copy: a shared disk (cache=none: O_DIRECT, no qemu keeps written blocks to
                        itself; lab-shared-disk shows one node reading what the other wrote).  The copy
                        is removed when the scenario passes, kept (with what the nodes wrote) when not.
                        The images (256 MiB, the test root of qemu/mkroot in each; disks.txt lists them):
                          ext4.img         ext4, UUID 0b5e1c2a-7d3f-4e6a-9c1b-2a3b4c5d6e7f, LABEL osrroot
                          gfs2-nolock.img  GFS2 lock_nolock, 1 journal, UUID 1c6f2d3b-8e4a-4f7b-8d2c-3b4c5d6e7f80
                                           (lock table osrlab:nolock = blkid's LABEL)
                          ocfs2-local.img  OCFS2 local mount type, 1 slot,
                                           UUID 2d7a3e4c-9f5b-4a8c-9e3d-4c5d6e7f8091, LABEL osrocfs2
                          gfs2-dlm.img     GFS2 lock_dlm, table osrlab:root (= LABEL), 2 journals of 16 MiB,
                                           UUID 3e8b4f5d-a06c-4b9d-af4e-5d6e7f8091a2
                          ocfs2-o2cb.img   OCFS2 cluster mount type, classic o2cb stack (local disk
                                           heartbeat), 2 slots, UUID 4f9c5a6e-b17d-4cae-b05f-6e7f8091a2b3,
                                           LABEL osro2cb
                          gpt-ext4.img     a GPT disk (label-id 5a0b1c2d-3e4f-4051-8263-748596a7b8c9):
                                           partition 1 from 1 MiB, PARTUUID 6b1c2d3e-4f50-4162-9374-8596a7b8c9da,
                                           PARTLABEL osr-gpt-root, holds ext4 UUID
                                           7c2d3e4f-5061-4273-a485-96a7b8c9dae0, LABEL osrgpt
                          btrfs.img        btrfs, UUID 8d3e4f50-6172-4384-b596-a7b8c9daebf1, LABEL osrbtrfs
                          squashfs.img     squashfs (its own size), no UUID, no label
                          xfs.img          xfs (320 MiB), UUID 9e4f5061-7283-4495-a6b7-c8d9eafb0c12, LABEL osrxfs
                        The UUIDs are fixed at mkfs time: scenarios write them into KARGS as they are
EXPECT_DISK_FILES=()    bash array of PATH:TEXT (relative to the root): after every node powered off,
                        the disk copy holds the file PATH holding exactly TEXT, read on the host
                        without mounting it (ext4: debugfs, after replaying the journal on the copy;
                        OCFS2: debugfs.ocfs2), and a forced read-only fsck finds it clean (e2fsck -fn,
                        fsck.ocfs2 -fn -F; OUTDIR/disk-fsck.log).  Not for GFS2 (no host-side reader;
                        and its statfs file is stale until a node unmounts).  Needs DISK
NFS=yes                 yes | no | v3 | v4: the NFS server serves NFSv3 and NFSv4 (yes), NFSv3 only (v3),
                        NFSv4 only (v4: no MNT service), or there is none (no: a block root needs none;
                        not with SERVER_DELAY)
ROOT=root               root | cdsl-v2 | cdsl-v1 | cdsl-tool | cdsl-v1-tool | cdsl-escape: the tree
                        exported as /export/rootfs (and /srv/root).  cdsl-v2: the v2 CDSL layout for the nodes of
                        fixtures/cluster-two.conf (.cluster/cdsl/{1,2,default}, .cluster/shared,
                        .cdsl.local, .cdsl_inventory.xml; /etc/hostname and /var hostdependent, /var/lib
                        shared); cdsl-v1: the v1 layout for fixtures/cluster-v1.conf (cluster/cdsl/{7,default},
                        cluster/shared, cdsl.local, var/lib/cdsl/cdsl_inventory.xml; /etc/hostname and
                        /var/log hostdependent, /var/lib/shared-dir shared).  Per node: etc/hostname =
                        its name, var/log/cdsl-node = its id; the shared tree's var/lib/cdsl-shared =
                        "shared" (see qemu/mkroot --cdsl).  cdsl-tool: the cdsl-v2 shape for
                        fixtures/cluster-two.conf, made by the osr-cdsl tool (mkroot --cdsl osr-cdsl;
                        run-scenarios then builds osr-cdsl first); cdsl-v1-tool: the v1 layout for
                        fixtures/cluster-v1.conf made by osr-cdsl as the legacy install recipe made it
                        (mkroot --cdsl osr-cdsl-v1: /var, /etc/sysconfig/network, /etc/hostname
                        hostdependent, /var/lib shared, the inventory in cluster/shared/var/lib/cdsl;
                        per node also etc/sysconfig/network with HOSTNAME=its name; run-scenarios
                        builds osr-cdsl first); cdsl-escape: cdsl-v2 with its
                        .cdsl.local an absolute symlink to /run (a hostile root, lab_escape_root)
IMAGE=normal            normal | compressed | add | lean | selftest | cluster | a path: the image from
                        qemu/build-image (plain -m osr-rs, --compress-modules, -a osr-rs on top of
                        dracut's defaults, or osr_nic_drivers=virtio_net osr_filesystems=none), or
                        qemu/selftest-image (busybox, no osr-init, to check the lab itself); cluster
                        (implied by CLUSTER_CONF with normal): the image with CLUSTER_CONF embedded
OSR_CHECKS=1            1 | 0: whether run-one adds osrtest.osr=1 for EXPECT=pass
SERVER_DELAY=0          seconds after the kernel runs /init before the NFS server starts (0: the
                        server starts before qemu)
EXPECT=pass             pass: the console must show "OSR-RESULT PASS" (checker-init's verdict);
                        fail: every EXPECT_CONSOLE regex must match the console (grep -E -i, the
                        echoes of the command line removed), the root must not have been reached
EXPECT_CONSOLE=()       bash array of extended regexes (EXPECT=fail; with EXPECT=pass they must match
                        too, e.g. evidence that the mount was retried)
FORBID_CONSOLE=()       bash array of extended regexes that must match no line of the console (e.g. no
                        .rootovldel line refused where none escapes)
OWN_ROOT=0              0 | 1: export a copy of the test root made for this scenario alone
                        (OUTDIR/root, removed when the scenario passes) instead of the run's shared
                        one; needed by any scenario whose node writes to its root (rw)
EXPORT_UNCHANGED=0      0 | 1: the exported root must be the same after the node powered off as
                        before the boot: every entry's type, mode, owner, size, mtime and symlink
                        target, every file's sha256 (not atime); a difference fails the scenario,
                        naming it (OUTDIR/export.diff).  Implies a root of its own (as OWN_ROOT=1)
EXPECT_EXPORT_FILE=     PATH[:TEXT] (relative to the root): after poweroff, the export holds the file
                        PATH (holding exactly TEXT); needs OWN_ROOT=1
EXPECT_EXPORT_FILES=()  bash array of such PATH[:TEXT] (all must hold); needs OWN_ROOT=1
EXPECT_EXPORT_ABSENT=() bash array of PATHs that must not exist in the export after poweroff (not
                        even as a dangling link; a path through a link is followed); needs OWN_ROOT=1
SYSLOG_LISTEN=          a UDP port: a syslog listener on it, on every address of the namespace (the
                        guest's 10.0.2.2 with NET=user, 10.77.0.1 with NET=tap), started before qemu;
                        each datagram is one line of OUTDIR/syslog.log, as received
EXPECT_SYSLOG=()        bash array of extended regexes: after poweroff each must match a line of
                        OUTDIR/syslog.log (e.g. '^<30>1 .* step 1: load modules'); needs SYSLOG_LISTEN
FORBID_SYSLOG=()        bash array of extended regexes that must match no line of it
TIMEOUT=240             seconds before qemu is killed (a hang)
EOF
)

scen_schema() { # the schema, as documentation
    printf '%s\n' "$SCEN_SCHEMA"
}

scen_vars() { # the schema's variables, one a line: NAME=DEFAULT or NAME=()
    sed -nE 's/^([A-Z][A-Z0-9_]*=[^ ]*).*/\1/p' <<<"$SCEN_SCHEMA"
}

scen_defaults() { # every scenario variable set to its default (global)
    local v
    while read -r v; do
        if [ "${v#*=}" = "()" ]; then
            declare -ga "${v%%=*}=()"
        else
            declare -g "$v"
        fi
    done < <(scen_vars)
}

scen_die() { # VAR EXPECTED-FORM: the loaded scenario is wrong
    local val
    if declare -p "$1" 2>/dev/null | grep -q '^declare -a'; then
        val=$(declare -p "$1" | sed 's/^declare -a [A-Z_]*=//')
    else
        val="'${!1-}'"
    fi
    tl_die "scenario $SCEN_NAME: $1=$val: expected $2"
}

scen_word() { # VAR ERE FORM: the variable is empty or matches ERE
    [ -z "${!1}" ] || [[ ${!1} =~ ^($2)$ ]] || scen_die "$1" "$3"
}

scen_load() { # NAME
    local name=$1 file before v var bad=""
    case "$name" in
        "" | */* | .*) tl_die "scenario '$name': expected a file name of qemu/scenarios/ without .sh" ;;
    esac
    file=$LAB_DIR/scenarios/$name.sh
    [ -f "$file" ] || tl_die "scenario $name: no file $file"
    scen_defaults
    SCEN_NAME=$name
    before=$(compgen -v | LC_ALL=C sort)
    # shellcheck disable=SC1090  # (a scenario, by name)
    . "$file" || tl_die "scenario $name: sourcing $file failed"
    # variables the file made: a schema variable is known; lower-case ones are its helpers
    while read -r var; do
        case "$var" in
            BASH_* | _) ;;
            [a-z_]*) unset "$var" ;;
            *) scen_vars | grep -q "^$var=" || bad="$bad $var" ;;
        esac
    done < <(LC_ALL=C comm -13 <(echo "$before") <(compgen -v | LC_ALL=C sort))
    [ -z "$bad" ] || tl_die "scenario $name: unknown variable(s)$bad: expected the variables of SCEN_SCHEMA in qemu/scenario.sh"
    for v in $(scen_vars); do
        [ "${v#*=}" = "()" ] || continue
        declare -p "${v%%=*}" 2>/dev/null | grep -q '^declare -a' ||
            scen_die "${v%%=*}" "a bash array: ${v%%=*}=(...)"
    done
    scen_validate
}

scen_validate() { # the loaded scenario's variables, each against its form
    local macre='[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}' m nodes count
    [ -n "$DESC" ] || scen_die DESC "one line: what the scenario shows"
    scen_word NET 'user|tap' "user or tap"
    scen_word DNSMASQ 'yes|no' "yes or no"
    scen_word NFS 'yes|no|v3|v4' "yes, no, v3 or v4"
    scen_word EXPECT 'pass|fail' "pass or fail"
    scen_word OSR_CHECKS '0|1' "0 or 1"
    scen_word OWN_ROOT '0|1' "0 or 1"
    scen_word EXPORT_UNCHANGED '0|1' "0 or 1"
    scen_word ROOT 'root|cdsl-v2|cdsl-v1|cdsl-tool|cdsl-v1-tool|cdsl-escape' "root, cdsl-v2, cdsl-v1, cdsl-tool, cdsl-v1-tool or cdsl-escape"
    scen_word IMAGE 'normal|compressed|add|lean|selftest|cluster|.*/.*' \
        "normal, compressed, add, lean, selftest, cluster or a path"
    scen_word NICS "[1-9][0-9]*|$macre(,[a-z0-9-]+)?( +$macre(,[a-z0-9-]+)?)*" \
        "a count N or space separated MAC[,qemu-device-model]"
    scen_word HOST_VLAN '[1-9][0-9]{0,3}' "a VLAN id (1-4094)"
    scen_word LINK_DOWN 'n[0-9]+' "a netdev id n0, n1, ..."
    scen_word SERVER_DELAY '[0-9]+' "seconds (an integer)"
    scen_word SERVER_OUTAGE '[0-9]+' "seconds (an integer)"
    scen_word NET_LOSS '[0-9]|[1-9][0-9]' "a percentage 0-99"
    scen_word NET_DELAY '[0-9]+' "milliseconds (an integer)"
    scen_word ROGUE_DHCP '(silent|nak-first|rogue|spoof|flood)(:[a-z0-9-]+(,[a-z0-9-]+)*)?' \
        "MODE[:VARIANT,...] of tests/netns/fake-dhcp-server.py"
    scen_word DNSMASQ_STOP 'no|root' "no or root"
    scen_word TIMEOUT '[1-9][0-9]*' "seconds (an integer > 0)"
    scen_word SYSLOG_LISTEN '[1-9][0-9]*' "a UDP port"
    scen_word DISK '[^/]+' "a file name in the disks directory"
    [ -n "$TIMEOUT" ] || scen_die TIMEOUT "seconds (an integer > 0)"
    [ -z "$HOST_VLAN" ] || [ "$NET" = tap ] || scen_die HOST_VLAN "nothing without NET=tap"
    [ -z "$HOST_ADDRS" ] || [ "$NET" = tap ] || scen_die HOST_ADDRS "nothing without NET=tap"
    [ "$NFS" != no ] || [ "$SERVER_DELAY" = 0 ] || scen_die SERVER_DELAY "0 with NFS=no"
    [ "$NFS" != no ] || [ "$SERVER_OUTAGE" = 0 ] || scen_die SERVER_OUTAGE "0 with NFS=no"
    [ "$SERVER_OUTAGE" = 0 ] || [ "$OWN_ROOT" = 1 ] ||
        scen_die OWN_ROOT "1 with SERVER_OUTAGE (the host writes /lab-server-back into the export)"
    [ "$NET_LOSS$NET_DELAY" = 00 ] || [ "$NET" = tap ] || scen_die NET_LOSS "0 (and NET_DELAY 0) without NET=tap"
    [ "$NET_LOSS$NET_DELAY" = 00 ] || [ -z "$HOST_VLAN" ] || scen_die NET_LOSS "0 (and NET_DELAY 0) with HOST_VLAN"
    [ -z "$ROGUE_DHCP" ] || [ "$NET" = tap ] || scen_die ROGUE_DHCP "nothing without NET=tap"
    [ "$DNSMASQ_STOP" = no ] || { [ "$NET" = tap ] && [ "$DNSMASQ" = yes ]; } ||
        scen_die DNSMASQ_STOP "no without NET=tap and DNSMASQ=yes"
    if [ -n "$DISK" ] && ! "$LAB_DIR/mkdisk" --list | cut -d' ' -f1 | grep -qxF -- "$DISK"; then
        scen_die DISK "one of: $("$LAB_DIR/mkdisk" --list | cut -d' ' -f1 | paste -sd' ')"
    fi
    [ ${#EXPECT_DISK_FILES[@]} -eq 0 ] || [ -n "$DISK" ] || scen_die EXPECT_DISK_FILES "nothing without DISK"
    for m in "${EXPECT_DISK_FILES[@]}"; do
        [[ $m == ?*:* ]] || scen_die EXPECT_DISK_FILES "entries PATH:TEXT"
    done
    for m in "${MACS[@]}"; do
        [[ $m =~ ^$macre$ ]] || scen_die MACS "MAC addresses (52:54:00:c1:00:01)"
    done
    nodes=${#MACS[@]}
    [ "$nodes" -gt 0 ] || nodes=1
    [ ${#MACS[@]} -eq 0 ] || [ -z "$LINK_DOWN" ] || scen_die LINK_DOWN "nothing with MACS (several nodes)"
    if [ -n "$LINK_DOWN" ]; then
        count=$NICS
        [[ $count =~ ^[0-9]+$ ]] || count=$(wc -w <<<"$count")
        [ "${LINK_DOWN#n}" -lt "$count" ] || scen_die LINK_DOWN "one of the $count netdevs n0.. of NICS"
    fi
    [ "${#NODE_KARGS[@]}" -le "$nodes" ] || scen_die NODE_KARGS "at most one entry per node ($nodes)"
    [ $((${#EXPECT_SYSLOG[@]} + ${#FORBID_SYSLOG[@]})) -eq 0 ] || [ -n "$SYSLOG_LISTEN" ] ||
        scen_die SYSLOG_LISTEN "a UDP port (EXPECT_SYSLOG/FORBID_SYSLOG need the listener)"
    if [ -n "$EXPECT_EXPORT_FILE$(printf '%s' "${EXPECT_EXPORT_FILES[@]}" "${EXPECT_EXPORT_ABSENT[@]}")" ]; then
        [ "$OWN_ROOT" = 1 ] || scen_die OWN_ROOT "1: EXPECT_EXPORT_FILE(S)/_ABSENT need a root of its own (the shared root is not written)"
    fi
    if [ -n "$CLUSTER_CONF" ]; then
        case "$IMAGE" in normal | cluster) ;; *) scen_die IMAGE "normal or cluster with CLUSTER_CONF" ;; esac
        [ -f "$LAB_REPO/$CLUSTER_CONF" ] || scen_die CLUSTER_CONF "a file from the repository root (qemu/fixtures/X.conf)"
    fi
    [ "$IMAGE" != cluster ] || [ -n "$CLUSTER_CONF" ] || scen_die IMAGE "not cluster without CLUSTER_CONF"
    [ "$EXPECT" = pass ] || [ ${#EXPECT_CONSOLE[@]} -gt 0 ] || scen_die EXPECT_CONSOLE "regexes: what the failure shows (EXPECT=fail)"
}

scen_image() { # the loaded scenario's image: a file name of the images directory, or IMAGE's path
    if [ -n "$CLUSTER_CONF" ]; then
        lab_cluster_image "$CLUSTER_CONF"
        return
    fi
    case "$IMAGE" in
        normal) echo osr.img ;;
        compressed) echo osr-compressed.img ;;
        add) echo osr-add.img ;;
        lean) echo osr-lean.img ;;
        selftest) echo selftest.img ;;
        *) echo "$IMAGE" ;;
    esac
}

scen_state_keys() { # the OSR_ state keys the loaded scenario expects, one a line
    local w words
    read -ra words <<<"$KARGS ${NODE_KARGS[*]}"
    for w in "${words[@]}"; do
        case "$w" in osrtest.expect_state=*) w=${w#*=}; echo "${w%%=*}" ;; esac
    done | LC_ALL=C sort -u
}
