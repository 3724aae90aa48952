# shellcheck shell=bash
# osr-rs boot lab: shared functions.  Source it: . qemu/lib.sh
#
# What it gives:
#   LAB_DIR LAB_REPO LAB_WORK KVER KERNEL OSR_INIT_BIN     paths (env overrides: OSR_LAB_WORK,
#                                                          KVER, KERNEL, OSR_INIT_BINARY)
#   lab_netns_create NAME        a network namespace of our own (lo up), deleted at exit
#   lab_nfs_conf DIR ROOT NOINIT write DIR/ganesha.conf exporting the test roots
#   lab_nfs_start DIR            rpcbind + ganesha inside the namespace, private /run
#   lab_nfs_wait [SECS]          until NFS (2049) and MNT (20048) listen and mountd is registered
#   lab_nfs_stop                 stop that server
#   lab_qemu_start IMG APPEND LOG TIMEOUT [QEMU ARGS...]   boot a node in the namespace (background)
#   lab_qemu_wait                wait for it; sets LAB_QEMU_RC (124 = timed out)
#   lab_nic ID MAC [MODEL]       qemu args for one user-mode NIC
#   lab_cleanup                  kill what we started (by PID / own process group), delete the ns
# Every process is started with setsid, so that it and its children form a process group of
# their own, and is stopped by that group id only.  Nothing is killed by name.

# shellcheck disable=SC2034  # (variables for the scripts that source this file)
LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB_REPO=$(cd "$LAB_DIR/.." && pwd)
LAB_WORK=${OSR_LAB_WORK:-$LAB_DIR/work}
KVER=${KVER:-$(ls /lib/modules | sort -V | tail -1)}
KERNEL=${KERNEL:-/boot/vmlinuz-$KVER}
OSR_INIT_BIN=${OSR_INIT_BINARY:-$LAB_REPO/target/x86_64-unknown-linux-musl/release/osr-init}
export KVER KERNEL

# lab defaults
LAB_QEMU_MEM=${LAB_QEMU_MEM:-768}
LAB_CONSOLE_ARGS="console=ttyS0 panic=-1"

lab_die() {
    echo "$*" >&2
    exit 1
}
lab_log() { echo "[$(date +%T)] $*" >&2; }

# ------------------------------------------------------------------ cleanup
LAB_PGIDS=()  # process groups we started (setsid leaders)
LAB_NS=""
LAB_NFS_PID=""
LAB_QEMU_PID=""

lab_kill_group() { # PGID: TERM, then KILL if still there after 3 s
    local g=$1 i
    [ -n "$g" ] || return 0
    kill -TERM -- "-$g" 2>/dev/null || return 0
    for i in $(seq 30); do
        kill -0 -- "-$g" 2>/dev/null || return 0
        sleep 0.1
    done
    kill -KILL -- "-$g" 2>/dev/null || true
}

lab_cleanup() {
    local g
    for g in "${LAB_PGIDS[@]}"; do
        lab_kill_group "$g"
        wait "$g" 2>/dev/null || true
    done
    LAB_PGIDS=()
    if [ -n "$LAB_NS" ]; then
        ip netns delete "$LAB_NS" 2>/dev/null || true
        LAB_NS=""
    fi
}

lab_trap_cleanup() {
    trap 'lab_cleanup' EXIT
    trap 'lab_cleanup; exit 130' INT
    trap 'lab_cleanup; exit 143' TERM
}

# ------------------------------------------------------------------ network namespace
lab_netns_create() { # NAME (made unique with our PID)
    local name="osr-${1:-lab}-$$"
    name=${name:0:60}
    ip netns add "$name" || lab_die "ip netns add $name failed"
    LAB_NS=$name
    ip netns exec "$LAB_NS" ip link set lo up || lab_die "cannot set lo up in $LAB_NS"
}

# ------------------------------------------------------------------ NFS server
# ganesha listens on all addresses of the namespace, which has only its loopback: a
# Bind_addr = 127.0.0.1 fails there ("No IP address found for 127.0.0.1": getaddrinfo with
# AI_ADDRCONFIG finds no configured non-loopback address).
# Exports (NFSv3 and NFSv4; for v3, Mount_Path_Pseudo makes the mount path the pseudo path):
#   /export/rootfs  -> ROOT      (the test root)
#   /srv/root       -> ROOT      (same tree, the v3-style path)
#   /export/noinit  -> NOINIT    (a root without any init)
lab_nfs_conf() { # DIR ROOT NOINIT
    local d=$1 root noinit
    root=$(realpath "$2") noinit=$(realpath "$3")
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
LOG { Default_Log_Level = EVENT; }
EOF
}

lab_nfs_start() { # DIR (with ganesha.conf); needs LAB_NS
    local d=$1
    [ -n "$LAB_NS" ] || lab_die "lab_nfs_start: no namespace"
    setsid ip netns exec "$LAB_NS" unshare -m --propagation private \
        "$LAB_DIR/nfs-server" "$d" >"$d/nfs-server.log" 2>&1 </dev/null &
    LAB_NFS_PID=$!
    LAB_PGIDS+=("$LAB_NFS_PID")
}

lab_nfs_listening() { # true when NFS and MNT listen on the namespace's loopback
    local s
    s=$(ip netns exec "$LAB_NS" ss -Hltn 2>/dev/null) || return 1
    grep -qE ':2049[[:space:]]' <<<"$s" && grep -qE ':20048[[:space:]]' <<<"$s"
}

lab_nfs_wait() { # [SECS]: 0 when the server is up
    local n=$((${1:-30} * 10)) i
    for ((i = 0; i < n; i++)); do
        if lab_nfs_listening; then
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
    lab_kill_group "$LAB_NFS_PID"
    wait "$LAB_NFS_PID" 2>/dev/null || true
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
        setsid ip netns exec "$LAB_NS" timeout -k 5 "$tmo" "${cmd[@]}" </dev/null >"$log" 2>&1 &
    else
        setsid timeout -k 5 "$tmo" "${cmd[@]}" </dev/null >"$log" 2>&1 &
    fi
    LAB_QEMU_PID=$!
    LAB_PGIDS+=("$LAB_QEMU_PID")
}

lab_qemu_wait() {
    # shellcheck disable=SC2034  # (for the caller)
    LAB_QEMU_RC=0
    wait "$LAB_QEMU_PID" || LAB_QEMU_RC=$?
    LAB_QEMU_PID=""
}

# ------------------------------------------------------------------ artefacts
lab_build_roots() { # DIR: DIR/root (checker root), DIR/noinit
    "$LAB_DIR/mkroot" "$1/root" && "$LAB_DIR/mkroot" --no-init "$1/noinit"
}
