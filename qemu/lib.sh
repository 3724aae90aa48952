# shellcheck shell=bash
# osr-rs boot lab: shared functions.  Source it: . qemu/lib.sh
#
# What it gives, besides tests/lib/common.sh (shared with tests/netns: tl_log, tl_die, tl_start,
# tl_stop, tl_cleanup, tl_trap_cleanup, tl_check_state_keys, OSR_INIT_BIN, TL_PY ...):
#   LAB_DIR LAB_REPO LAB_WORK KVER KERNEL                  paths (env overrides: OSR_LAB_WORK,
#                                                          KVER, KERNEL)
#   lab_netns_create NAME        a network namespace of our own (lo up), deleted at exit
#   lab_nfs_conf DIR ROOT NOINIT [HOSTS]   write DIR/ganesha.conf exporting the test roots
#   lab_nfs_start DIR            rpcbind + ganesha inside the namespace, private /run
#   lab_nfs_wait [SECS]          until NFS (2049) and MNT (20048) listen and mountd is registered
#   lab_nfs_stop                 stop that server
#   lab_qemu_start IMG APPEND LOG TIMEOUT [QEMU ARGS...]   boot a node in the namespace (background)
#   lab_qemu_wait                wait for it; sets LAB_QEMU_RC (124 = timed out)
#   lab_nic ID MAC [MODEL]       qemu args for one user-mode NIC
#   lab_mac N                    the lab's MAC of NIC number N (52:54:00:12:34:56 + N)
#   lab_tapnet_create NTAPS      NET=tap: bridge br0 (10.77.0.1/24) with tap0..tapN-1 in the ns
#   lab_tap_nic ID TAP MAC [MODEL] [VNET_HDR]   qemu args for one NIC on such a tap
#   lab_vlan_start VID DIR       vlan<VID> (10.78.0.1/24): VLAN VID of br0, terminated in userspace
#   lab_relay_start TAP RPORT QPORT LOSS DELAY SEED LOG   a userspace relay between qemu (a UDP
#                                netdev on the ns's loopback) and TAP: LOSS % of the frames
#                                dropped, the rest delayed by DELAY ms, each way (LAB_RELAY_PID)
#   lab_relay_nic ID RPORT QPORT MAC [MODEL]   qemu args for one NIC through such a relay
#   lab_rogue_dhcp_start DIR MODE [VARIANTS]   fake-dhcp-server.py (tests/netns) at 10.77.0.66 in
#                                a namespace of its own behind br0 (a veth), log DIR/rogue.log
#   lab_dhcp_slow                dnsmasq's replies (UDP source port 67) leave br0 at 4 kbit/s
#   lab_dnsmasq_stop             stop dnsmasq
#   lab_dnsmasq_start DIR [ARGS...]   dnsmasq (DHCP only) on br0 (and vlan<VID>) in the ns
#   lab_dnsmasq_wait [SECS]      until it listens on port 67
#   lab_dnsmasq_summary DIR      one line: what dnsmasq saw and answered (DHCP message counts)
#   lab_qemu_monitor SOCK CMD... send human-monitor commands to a running qemu, print the answers
#   lab_syslog_start PORT FILE   a UDP syslog listener on PORT (every address of the ns): one
#                                line of FILE per datagram received (newlines in it made spaces)
#   lab_syslog_wait [SECS]       until it listens
#   lab_syslog_stop              stop it
#   lab_tree_listing DIR         every entry of DIR: type, mode, owner, size, mtime, symlink
#                                target, and the sha256 of every regular file (for diff)
#   lab_checker_state_keys       the OSR_ keys qemu/checker-init reads from the state file (for
#                                tl_check_state_keys)
# Every process is started with setsid (tl_start), so that it and its children form a process
# group of their own, and is stopped by that group id only (tl_cleanup, also deletes the ns).
# Nothing is killed by name.

# shellcheck disable=SC2034  # (variables for the scripts that source this file)
LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/lib/common.sh
. "$LAB_DIR/../tests/lib/common.sh"
LAB_REPO=$TL_REPO
LAB_WORK=${OSR_LAB_WORK:-$LAB_DIR/work}
KVER=${KVER:-$(find /lib/modules -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -1)}
KERNEL=${KERNEL:-/boot/vmlinuz-$KVER}
export KVER KERNEL

# lab defaults
LAB_QEMU_MEM=${LAB_QEMU_MEM:-768}
# no_timer_check: under TCG on a loaded host the kernel's IO-APIC timer check fails now
# and then ("IO-APIC + timer doesn't work"), panicking the guest; every boot skips it.
LAB_CONSOLE_ARGS="console=ttyS0 panic=-1 no_timer_check"

# ------------------------------------------------------------------ what we started
LAB_NS=""
LAB_NFS_PID=""
LAB_QEMU_PID=""
LAB_DNSMASQ_PID=""
LAB_SYSLOG_PID="" LAB_SYSLOG_PORT=""
LAB_VLAN_IFACE=""  # vlan<VID> once lab_vlan_start ran: dnsmasq serves it too
LAB_ROGUE_NS="" LAB_ROGUE_PID=""
LAB_RELAY_PID="" # the last relay lab_relay_start started

# ------------------------------------------------------------------ network namespace
lab_netns_create() { # NAME (made unique with our PID)
    local name="osr-${1:-lab}-$$"
    name=${name:0:60}
    tl_netns_add "$name"
    LAB_NS=$name
}

# ------------------------------------------------------------------ NFS server
# ganesha listens on all addresses of the namespace, which has only its loopback: a
# Bind_addr = 127.0.0.1 fails there ("No IP address found for 127.0.0.1": getaddrinfo with
# AI_ADDRCONFIG finds no configured non-loopback address).
# Exports (NFSv3 and NFSv4; for v3, Mount_Path_Pseudo makes the mount path the pseudo path):
#   /export/rootfs  -> ROOT      (the test root)
#   /srv/root       -> ROOT      (same tree, the v3-style path)
#   /export/noinit  -> NOINIT    (a root without any init)
#   /export/hosts/H -> HOSTS/H   (per-host roots, for a root path with %s: each directory of HOSTS)
lab_nfs_conf() { # DIR ROOT NOINIT [HOSTS]
    local d=$1 root noinit h id=10 hosts=""
    root=$(realpath "$2") noinit=$(realpath "$3")
    if [ -n "${4:-}" ] && [ -d "$4" ]; then
        for h in "$4"/*/; do
            [ -d "$h" ] || continue
            h=$(realpath "$h")
            hosts="${hosts}EXPORT { Export_Id = $id; Path = \"$h\"; Pseudo = /export/hosts/${h##*/}; FSAL { Name = VFS; } }
"
            id=$((id + 1))
        done
    fi
    mkdir -p "$d/recovery"
    cat >"$d/ganesha.conf" <<EOF
# written by qemu/lib.sh (lab_nfs_conf)
NFS_CORE_PARAM {
    Protocols = 3, 4;
    NFS_Port = 2049;
    MNT_Port = 20048;
    Enable_NLM = false;
    Enable_RQUOTA = false;
    Mount_Path_Pseudo = true;
}
NFSV4 {
    # owners and groups as bare numbers (as knfsd sends them with AUTH_SYS): with names the
    # client maps them by an upcall that runs /sbin/request-key from the node's root, which
    # deadlocks the state recovery after a server restart when the root is this export
    # (fault-server-outage: the state manager stuck in nfs_idmap_get_key)
    Only_Numeric_Owners = true;
    Graceless = true;
    Lease_Lifetime = 10;
    RecoveryRoot = "$d/recovery";
}
EXPORT_DEFAULTS {
    Protocols = 3, 4;
    Transports = TCP, UDP;
    Access_Type = RW;
    Squash = No_Root_Squash;
    SecType = sys;
}
EXPORT { Export_Id = 1; Path = "$root"; Pseudo = /export/rootfs; FSAL { Name = VFS; } }
EXPORT { Export_Id = 2; Path = "$root"; Pseudo = /srv/root; FSAL { Name = VFS; } }
EXPORT { Export_Id = 3; Path = "$noinit"; Pseudo = /export/noinit; FSAL { Name = VFS; } }
${hosts}LOG { Default_Log_Level = EVENT; }
EOF
}

lab_nfs_start() { # DIR (with ganesha.conf) [yes|v3|v4: the NFS versions served]; needs LAB_NS
    local d=$1
    [ -n "$LAB_NS" ] || tl_die "lab_nfs_start: no namespace"
    tl_start "$d/nfs-server.log" ip netns exec "$LAB_NS" unshare -m --propagation private \
        "$LAB_DIR/nfs-server" "$d" "${2:-yes}"
    LAB_NFS_PID=$TL_PID
}

lab_nfs_listening() { # [VERSIONS]: true when NFS (and MNT, unless v4 only) listen on the ns's loopback
    local s
    s=$(ip netns exec "$LAB_NS" ss -Hltn 2>/dev/null) || return 1
    grep -qE ':2049[[:space:]]' <<<"$s" || return 1
    [ "${1:-yes}" = v4 ] || grep -qE ':20048[[:space:]]' <<<"$s"
}

lab_nfs_wait() { # [SECS] [yes|v3|v4]: 0 when the server is up
    local n=$((${1:-30} * 10)) i
    for ((i = 0; i < n; i++)); do
        if [ "${2:-yes}" = v4 ] && lab_nfs_listening v4; then
            return 0 # no MNT to wait for (NFSv4 needs no rpcbind)
        elif lab_nfs_listening; then
            # and registered with rpcbind (needed by NFSv3 clients)
            if ip netns exec "$LAB_NS" rpcinfo -p 127.0.0.1 2>/dev/null | grep -q mountd; then
                return 0
            fi
        fi
        kill -0 "$LAB_NFS_PID" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

lab_nfs_stop() {
    [ -n "$LAB_NFS_PID" ] || return 0
    tl_stop "$LAB_NFS_PID"
    LAB_NFS_PID=""
}

# ------------------------------------------------------------------ qemu
lab_nic() { # ID MAC [MODEL]
    printf '%s\n' -netdev "user,id=$1" -device "${3:-virtio-net-pci},netdev=$1,mac=$2,romfile="
}

lab_qemu_cmd() { # IMG APPEND [QEMU ARGS...] -> the qemu command line, one word per line
    local img=$1 append=$2
    shift 2
    printf '%s\n' qemu-system-x86_64 -accel tcg -smp 1 -m "$LAB_QEMU_MEM" -nographic -no-reboot \
        -kernel "$KERNEL" -initrd "$img" -append "$LAB_CONSOLE_ARGS $append" "$@"
}

lab_qemu_start() { # IMG APPEND LOG TIMEOUT [QEMU ARGS...]; in LAB_NS if set
    local img=$1 append=$2 log=$3 tmo=$4 cmd
    shift 4
    mapfile -t cmd < <(lab_qemu_cmd "$img" "$append" "$@")
    if [ -n "$LAB_NS" ]; then
        tl_start "$log" ip netns exec "$LAB_NS" timeout -k 5 "$tmo" "${cmd[@]}"
    else
        tl_start "$log" timeout -k 5 "$tmo" "${cmd[@]}"
    fi
    LAB_QEMU_PID=$TL_PID
}

lab_qemu_wait() {
    # shellcheck disable=SC2034  # (for the caller)
    LAB_QEMU_RC=0
    wait "$LAB_QEMU_PID" || LAB_QEMU_RC=$?
    LAB_QEMU_PID=""
}

# ------------------------------------------------------------------ tap network (NET=tap)
# A cluster network inside the namespace: bridge br0 with 10.77.0.1/24 (the server's address,
# also the DHCP server's and the NFS server's: ganesha and rpcbind listen on every address of
# the namespace), one tap per guest NIC as its ports, and dnsmasq serving 10.77.0.100-199.
LAB_BR=br0
LAB_BR_ADDR=10.77.0.1
LAB_VLAN_ADDR=10.78.0.1

lab_mac() { # N -> 52:54:00:12:34:56 + N
    printf '52:54:00:12:34:%02x\n' $((0x56 + $1))
}

lab_tap_nic() { # ID TAP MAC [MODEL] [VNET_HDR on|off]
    local vh=""
    [ "${5:-on}" = off ] && vh=",vnet_hdr=off"
    printf '%s\n' -netdev "tap,id=$1,ifname=$2,script=no,downscript=no$vh" \
        -device "${4:-virtio-net-pci},netdev=$1,mac=$3,romfile="
}

lab_tapnet_create() { # NTAPS
    local n=$1 i
    [ -n "$LAB_NS" ] || tl_die "lab_tapnet_create: no namespace"
    ip -n "$LAB_NS" link add "$LAB_BR" type bridge forward_delay 0 stp_state 0 || return 1
    ip -n "$LAB_NS" addr add "$LAB_BR_ADDR/24" dev "$LAB_BR" || return 1
    ip -n "$LAB_NS" link set "$LAB_BR" up || return 1
    for ((i = 0; i < n; i++)); do
        ip netns exec "$LAB_NS" ip tuntap add "tap$i" mode tap || return 1
        ip -n "$LAB_NS" link set "tap$i" master "$LAB_BR" up || return 1
    done
}

# VLAN VID on br0, terminated on the tap vlan<VID> (10.78.0.1/24).  The host kernels the lab
# runs on need not have 8021q (the one this was written on has neither 8021q nor bridge VLAN
# filtering), so a small userspace relay does what br0.VID would: a packet socket on br0 (promisc)
# takes the frames tagged VID (the kernel hands the tag over as PACKET_AUXDATA), and writes them
# untagged into vlan<VID>; what the host sends out of vlan<VID> goes back onto br0 tagged VID, and
# the bridge delivers it to the guest's tap.  Untagged traffic stays br0's.  The taps of the
# guests must then run with vnet_hdr=off (lab_tap_nic ... off): with it, a guest's frames can
# reach the packet socket with their checksums still to be filled in.
LAB_VLAN_PY='
import fcntl, os, select, socket, struct, sys
br, vid, tapname = sys.argv[1], int(sys.argv[2]), sys.argv[3]
tap = os.open("/dev/net/tun", os.O_RDWR)
fcntl.ioctl(tap, 0x400454CA, struct.pack("16sH", tapname.encode(), 0x0002 | 0x1000))  # TUNSETIFF: IFF_TAP|IFF_NO_PI
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))  # ETH_P_ALL
s.bind((br, 0))
s.setsockopt(263, 8, 1)  # SOL_PACKET, PACKET_AUXDATA
s.setsockopt(263, 1, struct.pack("iHH8s", socket.if_nametoindex(br), 1, 0, b""))  # PACKET_ADD_MEMBERSHIP PROMISC
tag = struct.pack("!HH", 0x8100, vid)
n_in = n_out = 0
print("vlan relay: %s VLAN %d <-> %s" % (br, vid, tapname), flush=True)
while True:
    r, _, _ = select.select([s, tap], [], [])
    if s in r:
        data, anc, _, addr = s.recvmsg(65536, socket.CMSG_SPACE(20))
        if addr[2] == 4:  # PACKET_OUTGOING: our own and the host stack sending
            pass
        else:
            v = None
            for lvl, typ, d in anc:
                if lvl == 263 and typ == 8 and len(d) >= 20:
                    st, _, _, _, _, tci, _ = struct.unpack("IIIHHHH", d[:20])
                    if st & 0x10:  # TP_STATUS_VLAN_VALID
                        v = tci & 0xFFF
            if v is None and data[12:14] == b"\x81\x00":  # a tag left in the frame
                v = struct.unpack("!H", data[14:16])[0] & 0xFFF
                data = data[:12] + data[16:]
            if v == vid:
                os.write(tap, data)
                n_in += 1
                if n_in in (1, 10, 100, 1000):
                    print("vlan relay: %d frames in from VLAN %d" % (n_in, vid), flush=True)
    if tap in r:
        f = os.read(tap, 65536)
        s.send(f[:12] + tag + f[12:])
        n_out += 1
        if n_out in (1, 10, 100, 1000):
            print("vlan relay: %d frames out to VLAN %d" % (n_out, vid), flush=True)
'

lab_vlan_start() { # VID DIR: vlan<VID> with 10.78.0.1/24, the relay logs to DIR/vlan-relay.log
    local vid=$1 d=$2 t="vlan$1" i
    ip netns exec "$LAB_NS" ip tuntap add "$t" mode tap || return 1
    ip -n "$LAB_NS" addr add "$LAB_VLAN_ADDR/24" dev "$t" || return 1
    ip -n "$LAB_NS" link set "$t" up || return 1
    tl_start "$d/vlan-relay.log" ip netns exec "$LAB_NS" "$TL_PY" -c "$LAB_VLAN_PY" "$LAB_BR" "$vid" "$t"
    # attached when the tap has a carrier
    for i in $(seq 100); do
        if [ "$(ip netns exec "$LAB_NS" cat "/sys/class/net/$t/carrier" 2>/dev/null)" = 1 ]; then
            LAB_VLAN_IFACE=$t
            return 0
        fi
        sleep 0.05
    done
    return 1
}

# A lossy, slow link in userspace (the host kernel may lack sch_netem, as the one this was
# written on does): qemu's NIC is a UDP socket netdev on the namespace's loopback
# (lab_relay_nic: -netdev socket,udp=127.0.0.1:RPORT,localaddr=127.0.0.1:QPORT), and the relay
# is its other end and the tap's (opened with TUNSETIFF; the tap stays a port of br0).  Every
# frame, either way, is dropped with probability LOSS/100 (random.Random(SEED): the same
# frame numbers each run), the others are passed on DELAY ms after they came, in order.  No
# vnet header on either side: a socket netdev gives the guest no checksum offload, and the tap
# hands the relay finished frames.  The log: the settings, then a line of counts every 5 s
# while frames pass, and at the end (SIGTERM):
#   relay tap0: to-guest passed=N dropped=N to-host passed=N dropped=N
LAB_RELAY_PY='
import collections, fcntl, os, random, select, signal, socket, struct, sys, time
tapname, rport, qport, loss, delay, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]) / 1000.0, int(sys.argv[6])
tap = os.open("/dev/net/tun", os.O_RDWR)
fcntl.ioctl(tap, 0x400454CA, struct.pack("16sH", tapname.encode(), 0x0002 | 0x1000))  # TUNSETIFF: IFF_TAP|IFF_NO_PI
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", rport))
guest = ("127.0.0.1", qport)
rnd = random.Random(seed)
# per direction: frames waiting (time due, bytes), passed, dropped
q = {"to-guest": collections.deque(), "to-host": collections.deque()}
n = {k: [0, 0] for k in q}
def counts():
    return "relay %s: %s" % (tapname, " ".join("%s passed=%d dropped=%d" % (k, n[k][0], n[k][1]) for k in q))
def stop(*_):
    print(counts() + " (end)", flush=True)
    sys.exit(0)
signal.signal(signal.SIGTERM, stop)
print("relay %s: udp 127.0.0.1:%d <-> qemu 127.0.0.1:%d, loss %g%%, delay %g ms, seed %d" % (tapname, rport, qport, loss, delay * 1000, seed), flush=True)
def take(d, frame):
    if rnd.random() * 100 < loss:
        n[d][1] += 1
    else:
        q[d].append((time.monotonic() + delay, frame))
said, last = None, time.monotonic()
while True:
    now = time.monotonic()
    due = [w[0][0] for w in q.values() if w]
    wait = max(0.0, min(due) - now) if due else 5.0
    r, _, _ = select.select([s, tap], [], [], min(wait, 5.0))
    if tap in r:
        take("to-guest", os.read(tap, 65536))
    if s in r:
        take("to-host", s.recv(65536))
    now = time.monotonic()
    while q["to-guest"] and q["to-guest"][0][0] <= now:
        s.sendto(q["to-guest"].popleft()[1], guest)
        n["to-guest"][0] += 1
    while q["to-host"] and q["to-host"][0][0] <= now:
        try:
            os.write(tap, q["to-host"].popleft()[1])
        except OSError:
            pass  # (the tap down: lost, as on a wire)
        n["to-host"][0] += 1
    if now - last >= 5.0:
        c = counts()
        if c != said:
            print(c, flush=True)
            said = c
        last = now
'
lab_relay_start() { # TAP RPORT QPORT LOSS DELAY SEED LOG; needs LAB_NS
    [ -n "$LAB_NS" ] || tl_die "lab_relay_start: no namespace"
    tl_start "$7" ip netns exec "$LAB_NS" "$TL_PY" -c "$LAB_RELAY_PY" "$1" "$2" "$3" "$4" "$5" "$6"
    LAB_RELAY_PID=$TL_PID
    # attached when the tap has a carrier
    local i
    for i in $(seq 100); do
        [ "$(ip netns exec "$LAB_NS" cat "/sys/class/net/$1/carrier" 2>/dev/null)" = 1 ] && return 0
        sleep 0.05
    done
    return 1
}

lab_relay_nic() { # ID RPORT QPORT MAC [MODEL]
    printf '%s\n' -netdev "socket,id=$1,udp=127.0.0.1:$2,localaddr=127.0.0.1:$3" \
        -device "${5:-virtio-net-pci},netdev=$1,mac=$4,romfile="
}

# A second DHCP server on the segment: tests/netns/fake-dhcp-server.py (its modes and variants
# are described there) in a namespace of its own (LAB_NS-rogue), at 10.77.0.66 on eth0, the
# peer of the veth rogue0, a port of br0.  Its log (RECV/SEND lines) is DIR/rogue.log.
LAB_ROGUE_ADDR=10.77.0.66
lab_rogue_dhcp_start() { # DIR MODE [VARIANTS]; needs LAB_NS and br0
    local d=$1 mode=$2 ns="$LAB_NS-rogue" v=()
    [ -n "${3:-}" ] && v=(--variants "$3")
    tl_netns_add "$ns"
    LAB_ROGUE_NS=$ns
    ip -n "$LAB_NS" link add rogue0 type veth peer name eth0 address 52:54:00:66:66:66 netns "$ns" || return 1
    ip -n "$LAB_NS" link set rogue0 master "$LAB_BR" up || return 1
    ip -n "$ns" addr add "$LAB_ROGUE_ADDR/24" dev eth0 || return 1
    ip -n "$ns" link set eth0 up || return 1
    tl_start "$d/rogue.out" ip netns exec "$ns" "$TL_PY" "$LAB_REPO/tests/netns/fake-dhcp-server.py" \
        --iface eth0 --addr "$LAB_ROGUE_ADDR" --mode "$mode" --log "$d/rogue.log" "${v[@]}"
    LAB_ROGUE_PID=$TL_PID
    tl_udp_wait "$ns" 67 "$LAB_ROGUE_PID" 10
}

# dnsmasq's DHCP replies held back, nothing else: an HTB on br0 whose default class is fast and
# whose class 1:20, for what leaves with UDP source port 67 (u32), is 4 kbit/s with a bucket of
# 100 bytes: a reply (about 370 bytes) passes when the bucket is not in debt, and leaves it in
# debt, so the ACK right after the OFFER waits about 0.5 s, while what a rogue
# server behind another port sends is forwarded port to port, past br0's qdisc.  (tc's prio
# qdisc is missing from the host kernel this was written on; htb and u32 are there.)
lab_dhcp_slow() {
    tc -n "$LAB_NS" qdisc add dev "$LAB_BR" root handle 1: htb default 10 &&
        tc -n "$LAB_NS" class add dev "$LAB_BR" parent 1: classid 1:10 htb rate 10gbit &&
        tc -n "$LAB_NS" class add dev "$LAB_BR" parent 1: classid 1:20 htb rate 4kbit burst 100 cburst 100 &&
        tc -n "$LAB_NS" filter add dev "$LAB_BR" parent 1: protocol ip prio 1 u32 \
            match ip protocol 17 0xff match ip sport 67 0xffff flowid 1:20
}

lab_dnsmasq_stop() {
    [ -n "$LAB_DNSMASQ_PID" ] || return 0
    tl_stop "$LAB_DNSMASQ_PID"
    LAB_DNSMASQ_PID=""
}

lab_dnsmasq_start() { # DIR [DNSMASQ ARGS...]: DHCP only (--port=0), leases/pid/log in DIR
    local d=$1 vlan=()
    shift
    [ -n "$LAB_NS" ] || tl_die "lab_dnsmasq_start: no namespace"
    if [ -n "$LAB_VLAN_IFACE" ]; then
        vlan=("--interface=$LAB_VLAN_IFACE" "--dhcp-range=10.78.0.100,10.78.0.199,255.255.255.0,600")
    fi
    : >"$d/dnsmasq.log"
    tl_dnsmasq_start "$LAB_NS" "$d/dnsmasq.out" --user=root --group=root --interface="$LAB_BR" \
        --dhcp-range=10.77.0.100,10.77.0.199,255.255.255.0,600 "${vlan[@]}" \
        --dhcp-leasefile="$d/dnsmasq.leases" --pid-file="$d/dnsmasq.pid" \
        --log-dhcp --log-facility="$d/dnsmasq.log" "$@"
    LAB_DNSMASQ_PID=$TL_PID
}

lab_dnsmasq_wait() { # [SECS]: 0 when dnsmasq listens on port 67
    tl_udp_wait "$LAB_NS" 67 "$LAB_DNSMASQ_PID" "${1:-10}"
}

lab_dnsmasq_summary() { # DIR -> "DHCPDISCOVER 3, DHCPOFFER 3, ..." (what its log shows)
    local m c out=""
    for m in DHCPDISCOVER DHCPOFFER DHCPREQUEST DHCPACK DHCPNAK; do
        c=$(grep -c " $m(" "$1/dnsmasq.log" 2>/dev/null)
        out="$out, $m ${c:-0}"
    done
    echo "${out#, }"
}

# the human monitor (-monitor unix:SOCK,server,nowait) of a running qemu
LAB_MONITOR_PY='
import re, socket, sys, time
s = socket.socket(socket.AF_UNIX)
for _ in range(200):
    try:
        s.connect(sys.argv[1])
        break
    except OSError:
        time.sleep(0.05)
else:
    sys.exit("no qemu monitor at " + sys.argv[1])
s.settimeout(10)
def answer():
    b = b""
    while not b.endswith(b"(qemu) "):
        d = s.recv(4096)
        if not d:
            break
        b += d
    t = re.sub(r"\x1b\[[0-9;]*[A-Za-z]|\r", "", b.decode(errors="replace"))
    return t[: -len("(qemu) ")] if t.endswith("(qemu) ") else t
answer()
for c in sys.argv[2:]:
    s.sendall(c.encode() + b"\n")
    out = answer().splitlines()
    print("(qemu) " + c)
    for l in out[1:]:  # (the first line is the echo)
        print("  " + l)
'
lab_qemu_monitor() { # SOCK CMD...
    "$TL_PY" -c "$LAB_MONITOR_PY" "$@"
}

# ------------------------------------------------------------------ syslog listener
# A syslog server as far as UDP goes: every datagram that reaches PORT (any address of the
# namespace: 127.0.0.1, which is the guests' 10.0.2.2 with user-mode networking, and br0's
# 10.77.0.1 with NET=tap) becomes one line of FILE, as received (no parsing), written at once.
LAB_SYSLOG_PY='
import socket, sys
port, out = int(sys.argv[1]), sys.argv[2]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", port))
with open(out, "ab", buffering=0) as f:
    while True:
        d, _ = s.recvfrom(65535)
        f.write(d.rstrip(b"\n").replace(b"\n", b" ") + b"\n")
'
lab_syslog_start() { # PORT FILE; needs LAB_NS
    [ -n "$LAB_NS" ] || tl_die "lab_syslog_start: no namespace"
    : >"$2"
    tl_start "$2.err" ip netns exec "$LAB_NS" "$TL_PY" -c "$LAB_SYSLOG_PY" "$1" "$2"
    LAB_SYSLOG_PID=$TL_PID LAB_SYSLOG_PORT=$1
}

lab_syslog_wait() { # [SECS]: 0 when the listener's port is bound
    tl_udp_wait "$LAB_NS" "$LAB_SYSLOG_PORT" "$LAB_SYSLOG_PID" "${1:-10}"
}

lab_syslog_stop() {
    [ -n "$LAB_SYSLOG_PID" ] || return 0
    tl_stop "$LAB_SYSLOG_PID"
    LAB_SYSLOG_PID=""
}

# ------------------------------------------------------------------ export contents
# A listing of an exported tree, to compare before and after a boot (EXPORT_UNCHANGED=1 in a
# scenario): one line per entry (path, type, mode, owner, size, mtime, symlink target), then the
# sha256 of each regular file.  Symlinks are listed, never followed (the test root has links that
# climb above it).  atime is left out: the server reading a file may change it.
lab_tree_listing() { # DIR
    (
        cd "$1" || exit 1
        find . -printf '%p\t%y %m %U:%G size=%s mtime=%T@ -> %l\n' | LC_ALL=C sort
        find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum
    )
}

# ------------------------------------------------------------------ state keys
lab_checker_state_keys() { # the OSR_ names in qemu/checker-init: all of them are state keys
    grep -oE '\bOSR_[A-Z][A-Z0-9_]*' "$LAB_DIR/checker-init" | LC_ALL=C sort -u
}

# ------------------------------------------------------------------ artefacts
lab_cluster_image() { # CLUSTER_CONF (a path) -> the image's file name: cluster-<name of the conf>.img
    local b=${1##*/}
    echo "cluster-${b%.conf}.img"
}

# DIR: DIR/root (checker root), DIR/noinit, DIR/hosts/dnode2 (per-host root), and the CDSL roots
# (a scenario's ROOT=): DIR/cdsl-v2 for the nodes of fixtures/cluster-two.conf, DIR/cdsl-v1 for
# fixtures/cluster-v1.conf's; then the roots the osr-cdsl tool makes, those named after DIR (it must
# be built: see run-scenarios): cdsl-tool, DIR/cdsl-tool, the v2 layout for fixtures/cluster-two.conf;
# cdsl-v1-tool, DIR/cdsl-v1-tool, the v1 layout of the legacy install recipe for fixtures/cluster-v1.conf
# DIR/cdsl-escape is DIR/cdsl-v2 with its link directory .cdsl.local replaced by the absolute
# symlink /run: a hostile root whose CDSL bind, followed on the host, would cover the
# initramfs's /run (and, after switch_root, the real root's).
lab_escape_root() { # CDSL-V2-DIR OUT
    rm -rf "$2" && cp -a "$1" "$2" && rm -rf "$2/.cdsl.local" && ln -s /run "$2/.cdsl.local"
}

lab_build_roots() { # DIR [cdsl-tool] [cdsl-v1-tool]
    local dir=$1 tool
    "$LAB_DIR/mkroot" "$dir/root" && "$LAB_DIR/mkroot" --no-init "$dir/noinit" &&
        "$LAB_DIR/mkroot" --host dnode2 "$dir/hosts/dnode2" &&
        "$LAB_DIR/mkroot" --cdsl v2 --cluster-conf "$LAB_DIR/fixtures/cluster-two.conf" "$dir/cdsl-v2" &&
        lab_escape_root "$dir/cdsl-v2" "$dir/cdsl-escape" &&
        "$LAB_DIR/mkroot" --cdsl v1 --cluster-conf "$LAB_DIR/fixtures/cluster-v1.conf" "$dir/cdsl-v1" ||
        return 1
    shift
    for tool in "$@"; do
        case "$tool" in
            cdsl-tool) "$LAB_DIR/mkroot" --cdsl osr-cdsl --cluster-conf "$LAB_DIR/fixtures/cluster-two.conf" "$dir/cdsl-tool" ;;
            cdsl-v1-tool) "$LAB_DIR/mkroot" --cdsl osr-cdsl-v1 --cluster-conf "$LAB_DIR/fixtures/cluster-v1.conf" "$dir/cdsl-v1-tool" ;;
            *) echo "lab_build_roots: no tool root '$tool'" >&2; false ;;
        esac || return 1
    done
}
