# shellcheck shell=bash
# osr-rs tests: what the boot lab (qemu/lib.sh) and the netns tests (tests/netns/lib.sh) share.
# Sourced by those two libraries, not by their scripts.
#
#   TL_REPO TL_PY OSR_INIT_BIN     the repository; Debian's python3 (stdlib only), not whatever
#                                  python3 comes first in PATH; the osr-init binary (env:
#                                  OSR_INIT_BINARY)
#   tl_log MSG...                  "[time] MSG" on stderr (TL_NAME set: "[time] TL_NAME: MSG";
#                                  TL_LOG_TIME: date's format of the time, default %T)
#   tl_die MSG...                  MSG on stderr (TL_NAME set: "TL_NAME: ERROR: MSG"), exit 1
#   tl_now_ms                      wall clock in ms
#   tl_start LOG CMD...            CMD in the background under setsid (a process group of its
#                                  own), stdin /dev/null, stdout and stderr to LOG; TL_PID = its
#                                  pid = its pgid; stopped at cleanup by that group only
#   tl_stop PGID                   TERM that group, KILL it if still there after 3 s, reap it
#   tl_netns_add NS...             network namespaces with lo up, deleted at cleanup
#   tl_udp_listening NS PORT       something listens on UDP PORT in NS
#   tl_udp_wait NS PORT PID [SECS] until something listens on UDP PORT in NS: status 0; 1 when
#                                  PID exited first; 2 after SECS (default 10)
#   tl_dnsmasq_start NS LOG ARGS...   dnsmasq (DHCP only, no conf file, foreground) in NS with
#                                  ARGS, under tl_start
#   tl_state_keys                  the state file's keys from init/src/state.rs: "key NAME" and
#                                  "prefix NAME_" lines (OSR_STATE_KEYS_FILE: another file)
#   tl_check_state_keys WHO KEY... dies naming WHO and each OSR_ KEY that list lacks
#   tl_cleanup                     every group of tl_start stopped, every namespace of
#                                  tl_netns_add deleted (one ip -batch), TL_TMPDIRS removed
#   tl_trap_cleanup FUNC           FUNC (tl_cleanup, or one that calls it) at exit, on INT (exit 130) and
#                                  TERM (143)
# Nothing is killed by name: only the process groups and namespaces this shell created.

# shellcheck disable=SC2034  # (variables for the libraries that source this file)
TL_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TL_REPO=$(cd "$TL_DIR/../.." && pwd)
TL_PY=/usr/bin/python3
[ -x "$TL_PY" ] || TL_PY=python3
OSR_INIT_BIN=${OSR_INIT_BINARY:-$TL_REPO/target/x86_64-unknown-linux-musl/release/osr-init}
TL_NAME=""
TL_PGIDS=()   # process groups we started (setsid leaders)
TL_NSS=()     # network namespaces we created
TL_TMPDIRS=() # removed at cleanup
TL_PID=""

tl_log() { echo "[$(date +"${TL_LOG_TIME:-%T}")] ${TL_NAME:+$TL_NAME: }$*" >&2; }
tl_die() {
    echo "${TL_NAME:+$TL_NAME: ERROR: }$*" >&2
    exit 1
}

tl_now_ms() { # (bash's EPOCHREALTIME: no fork)
    local t=${EPOCHREALTIME/[.,]/}
    echo $((t / 1000))
}

# ------------------------------------------------------------------ processes
tl_start() { # LOG CMD...
    local log=$1
    shift
    setsid "$@" </dev/null >"$log" 2>&1 &
    TL_PID=$!
    TL_PGIDS+=("$TL_PID")
}

tl_stop() { # PGID
    local g=$1 i
    [ -n "$g" ] || return 0
    if kill -TERM -- "-$g" 2>/dev/null; then
        for ((i = 0; i < 30; i++)); do
            kill -0 -- "-$g" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL -- "-$g" 2>/dev/null || true
    fi
    wait "$g" 2>/dev/null || true
}

# ------------------------------------------------------------------ namespaces
tl_netns_add() { # NS...
    local ns
    for ns in "$@"; do
        ip netns add "$ns" || tl_die "ip netns add $ns failed"
        TL_NSS+=("$ns")
        ip -n "$ns" link set lo up || tl_die "lo up in $ns failed"
    done
}

tl_udp_listening() { # NS PORT
    ip netns exec "$1" ss -Hlun "sport = :$2" 2>/dev/null | grep -q .
}

tl_udp_wait() { # NS PORT PID [SECS]
    local n=$((${4:-10} * 10)) i
    for ((i = 0; i < n; i++)); do
        tl_udp_listening "$1" "$2" && return 0
        kill -0 "$3" 2>/dev/null || return 1
        sleep 0.1
    done
    return 2
}

# dnsmasq as the labs run it: DHCP only (no DNS: --port=0), no configuration file, in the
# foreground under tl_start, on the interfaces ARGS name (--interface=...) only
tl_dnsmasq_start() { # NS LOG ARGS...: TL_PID
    local ns=$1 log=$2
    shift 2
    tl_start "$log" ip netns exec "$ns" dnsmasq --keep-in-foreground --conf-file=/dev/null \
        --port=0 --bind-interfaces "$@"
}

# ------------------------------------------------------------------ state keys
# The keys osr-init writes to /run/initramfs/osr-rs.state (OSR_NAME='value') are listed once,
# in init/src/state.rs: "    key NAME," lines (one key) and "    prefix NAME_," lines (the keys
# OSR_NAME_<anything>) inside state_keys! { ... }.  Every key the lab expects (a scenario's
# osrtest.expect_state=, qemu/checker-init) must be in that list: a key renamed on one side fails
# the run before any boot, not as a check that can never pass.
OSR_STATE_KEYS_FILE=${OSR_STATE_KEYS_FILE:-$TL_REPO/init/src/state.rs}

tl_state_keys() { # -> "key NAME" / "prefix NAME_" lines; status 1 (and why) when there are none
    local out
    if [ ! -f "$OSR_STATE_KEYS_FILE" ]; then
        echo "no $OSR_STATE_KEYS_FILE (the state file's keys: state_keys! { key NAME, ... })" >&2
        return 1
    fi
    out=$(sed -nE 's/^    (key|prefix) ([A-Z][A-Z0-9_]*),.*/\1 \2/p' "$OSR_STATE_KEYS_FILE")
    if [ -z "$out" ]; then
        echo "$OSR_STATE_KEYS_FILE lists no state key (no '    key NAME,' line)" >&2
        return 1
    fi
    echo "$out"
}

tl_check_state_keys() { # WHO OSR_KEY...: every KEY is a key or in a prefix family of the list
    local who=$1 list k kind name known bad=""
    shift
    list=$(tl_state_keys) || tl_die "$who: cannot check the state keys it expects"
    for k in "$@"; do
        known=""
        while read -r kind name; do
            case "$kind" in
                key) [ "$k" = "OSR_$name" ] && known=1 ;;
                prefix) [[ $k == "OSR_$name"?* ]] && known=1 ;;
            esac
        done <<<"$list"
        [ -n "$known" ] || bad="$bad $k"
    done
    [ -z "$bad" ] || tl_die "$who: expects state key(s)$bad, which $OSR_STATE_KEYS_FILE does not list"
}

# ------------------------------------------------------------------ cleanup
tl_cleanup() {
    local g i batch=""
    for g in "${TL_PGIDS[@]}"; do
        tl_stop "$g"
    done
    TL_PGIDS=()
    if [ ${#TL_NSS[@]} -gt 0 ]; then
        for ((i = ${#TL_NSS[@]} - 1; i >= 0; i--)); do
            batch+="netns delete ${TL_NSS[i]}"$'\n'
        done
        ip -force -batch - <<<"$batch" >/dev/null 2>&1 || true
        TL_NSS=()
    fi
    for g in "${TL_TMPDIRS[@]}"; do
        rm -rf -- "$g"
    done
    TL_TMPDIRS=()
}

tl_trap_cleanup() { # FUNC
    local f=$1
    # shellcheck disable=SC2064  # (FUNC now)
    trap "$f" EXIT
    # shellcheck disable=SC2064
    trap "$f; exit 130" INT
    # shellcheck disable=SC2064
    trap "$f; exit 143" TERM
}
