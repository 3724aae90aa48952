# shellcheck shell=bash
# osr-rs netns tests: shared functions.  Source it: . "$(dirname "$0")/lib.sh"
#
#   nt_init NAME            root or skip (77), tools, temp dir NT_TMP, cleanup trap
#   nt_ns_add NS...         network namespaces (deleted at exit); names must contain $$
#   nt_veth SNS SIF CNS CIF MAC   a veth pair: SIF in SNS (up), CIF (MAC, down) in CNS
#   nt_start LOG CMD...     CMD in the background under setsid (its own process group, killed
#                           at exit by that group only); NT_PID = its pid = its pgid
#   nt_stop PGID            stop one of them (TERM, then KILL after 3 s)
#   nt_dnsmasq NS IF LOG ARGS...   dnsmasq on IF only (foreground, no conf file, no DNS,
#                           pid and lease files in NT_TMP), waits until it listens on 67
#   nt_fake NS IF ADDR MODE LOG [ARGS...]  fake-dhcp-server.py, waits until it listens
#   nt_dhcp NS OUT ERR ARGS...      osr-init dhcp ARGS in NS; NT_RC, NT_MS (wall time)
#   nt_check DESC CMD...    one assertion: CMD's status; prints "ok" or "not ok"
#                           (nt_check DESC nt_quiet CMD...: CMD's output discarded)
#   nt_key FILE KEY         the value of OSR_DHCP_KEY in FILE (status 1 when absent)
#   nt_expect_key FILE KEY VALUE, nt_expect_absent FILE KEY, nt_expect_format FILE
#   nt_show FILE...         the files' last lines (on failure, for the log)
#   nt_done                 "N checks, N failed"; exit 0 or 1
# Nothing is killed by name; only the process groups and namespaces this test created.

export LC_ALL=C
NT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NT_REPO=$(cd "$NT_DIR/../.." && pwd)
NT_BIN=${OSR_INIT_BINARY:-$NT_REPO/target/x86_64-unknown-linux-musl/release/osr-init}
# Debian's python3 (stdlib only), not whatever python3 comes first in PATH
NT_PY=/usr/bin/python3
[ -x "$NT_PY" ] || NT_PY=python3
NT_NAME=${0##*/}
NT_TMP=""
NT_PGIDS=()
NT_NSS=()
NT_CHECKS=0
NT_FAILED=0
NT_PID=""
NT_RC=""
NT_MS=""

nt_log() { echo "[$(date +%T.%3N)] $NT_NAME: $*" >&2; }
nt_die() {
    echo "$NT_NAME: ERROR: $*" >&2
    exit 1
}

nt_now_ms() { # wall clock in ms (bash's EPOCHREALTIME: no fork)
    local t=${EPOCHREALTIME/[.,]/}
    echo $((t / 1000))
}

# ------------------------------------------------------------------ cleanup
nt_stop() { # PGID: TERM, then KILL if its group is still there after 3 s
    local g=$1 i
    [ -n "$g" ] || return 0
    kill -TERM -- "-$g" 2>/dev/null || return 0
    for ((i = 0; i < 30; i++)); do
        kill -0 -- "-$g" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL -- "-$g" 2>/dev/null || true
    wait "$g" 2>/dev/null || true
}

nt_cleanup() {
    local g i batch=""
    for g in "${NT_PGIDS[@]}"; do
        nt_stop "$g"
    done
    NT_PGIDS=()
    if [ ${#NT_NSS[@]} -gt 0 ]; then
        for ((i = ${#NT_NSS[@]} - 1; i >= 0; i--)); do
            batch+="netns delete ${NT_NSS[i]}"$'\n'
        done
        ip -force -batch - <<<"$batch" >/dev/null 2>&1 || true
        NT_NSS=()
    fi
    if [ -n "$NT_TMP" ] && [ -z "${NT_KEEP:-}" ]; then
        rm -rf "$NT_TMP"
    elif [ -n "$NT_TMP" ]; then
        echo "$NT_NAME: kept $NT_TMP (NT_KEEP)" >&2
    fi
    NT_TMP=""
}

nt_init() { # NAME
    NT_NAME=$1
    if [ "$(id -u)" != 0 ]; then
        echo "$NT_NAME: SKIP: needs root (network namespaces)" >&2
        exit 77
    fi
    local c
    for c in ip dnsmasq setsid timeout ss busybox "$NT_PY"; do
        command -v "$c" >/dev/null 2>&1 || nt_die "missing $c (run qemu/setup-host)"
    done
    [ -x "$NT_BIN" ] || nt_die "no osr-init binary at $NT_BIN (make build, or set OSR_INIT_BINARY)"
    NT_TMP=$(mktemp -d "/tmp/osr-netns-$NT_NAME.XXXXXX") || nt_die "mktemp failed"
    chmod 0755 "$NT_TMP" # dnsmasq drops to nobody
    trap 'nt_cleanup' EXIT
    trap 'nt_cleanup; exit 130' INT
    trap 'nt_cleanup; exit 143' TERM
}

# ------------------------------------------------------------------ namespaces and links
nt_ns_add() { # NS...: created with lo up, deleted at exit
    local ns
    for ns in "$@"; do
        case "$ns" in *"$$"*) ;; *) nt_die "namespace name '$ns' must contain the PID ($$)" ;; esac
        ip netns add "$ns" || nt_die "ip netns add $ns failed"
        NT_NSS+=("$ns")
        ip -n "$ns" link set lo up || nt_die "lo up in $ns failed"
    done
}

nt_veth() { # SNS SIF CNS CIF MAC: SIF stays in SNS (set up), CIF with MAC goes to CNS (down)
    ip -n "$1" link add "$2" type veth peer name "$4" address "$5" netns "$3" ||
        nt_die "veth $1/$2 <-> $3/$4 failed"
    ip -n "$1" link set "$2" up || nt_die "link set $2 up in $1 failed"
}

# ------------------------------------------------------------------ processes
nt_start() { # LOG CMD...: setsid, own process group, stopped at exit
    local log=$1
    shift
    setsid "$@" </dev/null >"$log" 2>&1 &
    NT_PID=$!
    NT_PGIDS+=("$NT_PID")
}

nt_udp67_listening() { # NS: something listens on UDP port 67 there
    ip netns exec "$1" ss -Hlun 'sport = :67' 2>/dev/null | grep -q .
}

nt_wait_udp67() { # NS PID WHAT LOG: until port 67 listens (10 s), else die with LOG
    local i
    for ((i = 0; i < 100; i++)); do
        nt_udp67_listening "$1" && return 0
        kill -0 "$2" 2>/dev/null || { nt_show "$4"; nt_die "$3 exited at start"; }
        sleep 0.1
    done
    nt_show "$4"
    nt_die "$3 does not listen on UDP 67 after 10 s"
}

NT_DNSMASQ_PID=""
nt_dnsmasq() { # NS IF LOG ARGS...: DHCP only, on IF only; NT_DNSMASQ_PID
    local ns=$1 ifc=$2 log=$3
    shift 3
    nt_start "$log" ip netns exec "$ns" dnsmasq --keep-in-foreground --conf-file=/dev/null \
        --pid-file="$NT_TMP/dnsmasq.pid" --dhcp-leasefile="$NT_TMP/dnsmasq.leases" \
        --port=0 --interface="$ifc" --bind-interfaces --except-interface=lo \
        --log-facility=- "$@"
    # shellcheck disable=SC2034  # (for the tests)
    NT_DNSMASQ_PID=$NT_PID
    nt_wait_udp67 "$ns" "$NT_PID" dnsmasq "$log"
}

NT_FAKE_PID=""
nt_fake() { # NS IF ADDR MODE LOG [ARGS...]: fake-dhcp-server.py (its events in LOG); NT_FAKE_PID
    local ns=$1 ifc=$2 addr=$3 mode=$4 log=$5
    shift 5
    : >"$log"
    nt_start "$log.stderr" ip netns exec "$ns" "$NT_PY" "$NT_DIR/fake-dhcp-server.py" \
        --iface "$ifc" --addr "$addr" --mode "$mode" --log "$log" "$@"
    # shellcheck disable=SC2034  # (for the tests)
    NT_FAKE_PID=$NT_PID
    nt_wait_udp67 "$ns" "$NT_PID" "fake-dhcp-server.py" "$log.stderr"
}

nt_dhcp() { # NS OUT ERR ARGS...: run osr-init dhcp ARGS in NS; NT_RC, NT_MS
    local ns=$1 out=$2 err=$3 t0 pid
    shift 3
    nt_log "osr-init dhcp $* (in $ns)"
    t0=$(nt_now_ms)
    # a hard limit well above any --timeout a test gives, so that a hang is a failure
    setsid ip netns exec "$ns" timeout -k 5 "${NT_HARD_LIMIT:-120}" "$NT_BIN" dhcp "$@" \
        </dev/null >"$out" 2>"$err" &
    pid=$!
    NT_PGIDS+=("$pid")
    NT_RC=0
    wait "$pid" || NT_RC=$?
    NT_MS=$(($(nt_now_ms) - t0))
    nt_log "exit status $NT_RC after $NT_MS ms"
}

# ------------------------------------------------------------------ assertions
nt_check() { # DESC CMD...: one assertion
    local desc=$1
    shift
    NT_CHECKS=$((NT_CHECKS + 1))
    if "$@"; then
        echo "ok - $desc"
    else
        echo "not ok - $desc"
        NT_FAILED=$((NT_FAILED + 1))
    fi
}

nt_quiet() { "$@" >/dev/null 2>&1; } # CMD...: for nt_check, without CMD's output
nt_not() { ! "$@"; }                  # CMD...: for nt_check, CMD must fail
nt_between() { [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; } # N LO HI (integers)

nt_fail() { # DESC: an assertion that failed (with the reason in DESC)
    NT_CHECKS=$((NT_CHECKS + 1))
    NT_FAILED=$((NT_FAILED + 1))
    echo "not ok - $1"
}

nt_key() { # FILE KEY -> value of OSR_DHCP_KEY='...' (status 1 when absent or malformed)
    local line v
    line=$(grep -m1 "^OSR_DHCP_$2=" "$1" 2>/dev/null) || return 1
    v=${line#*=}
    [[ $v == \'*\' ]] || return 1
    v=${v:1:${#v}-2}
    printf '%s' "${v//\'\\\'\'/\'}"
}

nt_expect_key() { # FILE KEY VALUE
    local got
    NT_CHECKS=$((NT_CHECKS + 1))
    if ! got=$(nt_key "$1" "$2"); then
        echo "not ok - OSR_DHCP_$2: missing (expected '$3')"
        NT_FAILED=$((NT_FAILED + 1))
    elif [ "$got" != "$3" ]; then
        echo "not ok - OSR_DHCP_$2='$got', expected '$3'"
        NT_FAILED=$((NT_FAILED + 1))
    else
        echo "ok - OSR_DHCP_$2='$got'"
    fi
}

nt_expect_key_re() { # FILE KEY ERE
    local got
    NT_CHECKS=$((NT_CHECKS + 1))
    if ! got=$(nt_key "$1" "$2"); then
        echo "not ok - OSR_DHCP_$2: missing (expected /$3/)"
        NT_FAILED=$((NT_FAILED + 1))
    elif ! [[ $got =~ $3 ]]; then
        echo "not ok - OSR_DHCP_$2='$got' does not match /$3/"
        NT_FAILED=$((NT_FAILED + 1))
    else
        echo "ok - OSR_DHCP_$2='$got' (/$3/)"
    fi
}

nt_expect_absent() { # FILE KEY [ALLOWED]: absent (or equal to ALLOWED, e.g. 0 for a count)
    local got or=""
    [ -z "${3-}" ] || or=" other than '$3'"
    NT_CHECKS=$((NT_CHECKS + 1))
    if got=$(nt_key "$1" "$2") && [ "$got" != "${3-}" ]; then
        echo "not ok - OSR_DHCP_$2='$got': expected no such key$or"
        NT_FAILED=$((NT_FAILED + 1))
    else
        echo "ok - no OSR_DHCP_$2$or"
    fi
}

nt_same_words() { # "A B C" "C B A": the same words, in any order
    [ "$(tr ' ' '\n' <<<"$1" | sed '/^$/d' | sort)" = "$(tr ' ' '\n' <<<"$2" | sed '/^$/d' | sort)" ]
}

nt_expect_key_words() { # FILE KEY "W1 W2": the same space separated words in any order
    local got
    NT_CHECKS=$((NT_CHECKS + 1))
    if ! got=$(nt_key "$1" "$2"); then
        echo "not ok - OSR_DHCP_$2: missing (expected '$3')"
        NT_FAILED=$((NT_FAILED + 1))
    elif ! nt_same_words "$got" "$3"; then
        echo "not ok - OSR_DHCP_$2='$got', expected the words '$3'"
        NT_FAILED=$((NT_FAILED + 1))
    else
        echo "ok - OSR_DHCP_$2='$got'"
    fi
}

# Every stdout line is OSR_DHCP_<KEY>='<value>' (single quotes, a quote as '\''), no key twice,
# the keys that are always printed are there, and sh reads the file back to the same values.
# shellcheck disable=SC2016  # (sh expands these)
NT_SH_READ='. "$1" && printf %s "$OSR_DHCP_ADDRESS"'
nt_expect_format() { # FILE
    local f=$1 bad dup k missing="" sh_addr
    NT_CHECKS=$((NT_CHECKS + 1))
    bad=$(grep -nvE "^OSR_DHCP_[A-Z0-9_]+='([^']|'\\\\'')*'\$" "$f" | head -3)
    dup=$(sed -n 's/^\(OSR_DHCP_[A-Z0-9_]*\)=.*/\1/p' "$f" | sort | uniq -d | head -3)
    for k in IFACE ADDRESS PREFIX SERVER_ID ELAPSED_MS; do
        nt_key "$f" "$k" >/dev/null || missing+=" $k"
    done
    if [ ! -s "$f" ]; then
        echo "not ok - stdout is empty"
    elif [ -n "$bad" ]; then
        echo "not ok - stdout lines not of the form OSR_DHCP_KEY='value': $bad"
    elif [ -n "$dup" ]; then
        echo "not ok - keys printed twice: $dup"
    elif [ -n "$missing" ]; then
        echo "not ok - keys always printed are missing:$missing"
    elif ! sh_addr=$(env -i /bin/sh -c "$NT_SH_READ" sh "$f" 2>&1) ||
        [ "$sh_addr" != "$(nt_key "$f" ADDRESS)" ]; then
        echo "not ok - /bin/sh does not read stdout back (got '$sh_addr')"
    else
        echo "ok - stdout is $(wc -l <"$f") well-formed OSR_DHCP_ lines"
        return 0
    fi
    NT_FAILED=$((NT_FAILED + 1))
}

nt_expect_no_panic() { # ERR RC: no Rust panic or abort
    NT_CHECKS=$((NT_CHECKS + 1))
    if grep -qiE "panicked|panic|RUST_BACKTRACE|stack backtrace" "$1" || [ "$2" -ge 128 ] ||
        [ "$2" = 101 ]; then
        echo "not ok - a crash: exit status $2, stderr: $(grep -iE -m2 'panic|backtrace' "$1")"
        NT_FAILED=$((NT_FAILED + 1))
    else
        echo "ok - no panic (exit status $2)"
    fi
}

nt_show() { # FILE...: last lines, for a failure's log
    local f
    for f in "$@"; do
        [ -e "$f" ] || continue
        echo "---- ${f#"$NT_TMP"/} (last 40 lines)"
        tail -n 40 "$f"
    done >&2
}

nt_done() { # the verdict of this test script
    if [ "$NT_FAILED" -eq 0 ] && [ "$NT_CHECKS" -gt 0 ]; then
        echo "$NT_NAME: $NT_CHECKS checks, all passed"
        exit 0
    fi
    echo "$NT_NAME: $NT_CHECKS checks, $NT_FAILED failed"
    exit 1
}
