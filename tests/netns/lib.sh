# shellcheck shell=bash
# osr-rs netns tests: shared functions.  Source it: . "$(dirname "$0")/lib.sh"
#
# Besides tests/lib/common.sh (shared with qemu/: tl_log, tl_die, tl_now_ms, tl_start LOG CMD...
# (its own process group, TL_PID), tl_stop PGID, tl_udp_listening NS PORT, OSR_INIT_BIN, ...):
#   nt_init NAME            root or skip (77), tools, temp dir NT_TMP, cleanup trap
#   nt_ns_add NS...         network namespaces (deleted at exit); names must contain $$
#   nt_veth SNS SIF CNS CIF MAC   a veth pair: SIF in SNS (up), CIF (MAC, down) in CNS
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
# shellcheck source=tests/lib/common.sh
. "$NT_DIR/../lib/common.sh"
TL_NAME=${0##*/}
TL_LOG_TIME=%T.%3N
NT_TMP=""
NT_CHECKS=0
NT_FAILED=0
NT_RC=""
NT_MS=""

# ------------------------------------------------------------------ cleanup
nt_cleanup() { # what tl_cleanup does, then NT_TMP removed (kept with NT_KEEP=1)
    tl_cleanup
    if [ -n "$NT_TMP" ] && [ -z "${NT_KEEP:-}" ]; then
        rm -rf "$NT_TMP"
    elif [ -n "$NT_TMP" ]; then
        echo "$TL_NAME: kept $NT_TMP (NT_KEEP)" >&2
    fi
    NT_TMP=""
}

nt_init() { # NAME
    TL_NAME=$1
    if [ "$(id -u)" != 0 ]; then
        echo "$TL_NAME: SKIP: needs root (network namespaces)" >&2
        exit 77
    fi
    local c
    for c in ip dnsmasq setsid timeout ss busybox "$TL_PY"; do
        command -v "$c" >/dev/null 2>&1 || tl_die "missing $c (run qemu/setup-host)"
    done
    [ -x "$OSR_INIT_BIN" ] || tl_die "no osr-init binary at $OSR_INIT_BIN (make build, or set OSR_INIT_BINARY)"
    NT_TMP=$(mktemp -d "/tmp/osr-netns-$TL_NAME.XXXXXX") || tl_die "mktemp failed"
    chmod 0755 "$NT_TMP" # dnsmasq drops to nobody
    tl_trap_cleanup nt_cleanup
}

# ------------------------------------------------------------------ namespaces and links
nt_ns_add() { # NS...: created with lo up, deleted at exit; each name holds our PID
    local ns
    for ns in "$@"; do
        case "$ns" in *"$$"*) ;; *) tl_die "namespace name '$ns' must contain the PID ($$)" ;; esac
    done
    tl_netns_add "$@"
}

nt_veth() { # SNS SIF CNS CIF MAC: SIF stays in SNS (set up), CIF with MAC goes to CNS (down)
    ip -n "$1" link add "$2" type veth peer name "$4" address "$5" netns "$3" ||
        tl_die "veth $1/$2 <-> $3/$4 failed"
    ip -n "$1" link set "$2" up || tl_die "link set $2 up in $1 failed"
}

# ------------------------------------------------------------------ processes
nt_wait_udp67() { # NS PID WHAT LOG: until port 67 listens (10 s), else die with LOG
    local rc=0
    tl_udp_wait "$1" 67 "$2" 10 || rc=$?
    [ "$rc" = 0 ] && return 0
    nt_show "$4"
    [ "$rc" = 1 ] && tl_die "$3 exited at start"
    tl_die "$3 does not listen on UDP 67 after 10 s"
}

NT_DNSMASQ_PID=""
nt_dnsmasq() { # NS IF LOG ARGS...: DHCP only, on IF only; NT_DNSMASQ_PID
    local ns=$1 ifc=$2 log=$3
    shift 3
    tl_dnsmasq_start "$ns" "$log" --pid-file="$NT_TMP/dnsmasq.pid" \
        --dhcp-leasefile="$NT_TMP/dnsmasq.leases" --interface="$ifc" --except-interface=lo \
        --log-facility=- "$@"
    # shellcheck disable=SC2034  # (for the tests)
    NT_DNSMASQ_PID=$TL_PID
    nt_wait_udp67 "$ns" "$TL_PID" dnsmasq "$log"
}

NT_FAKE_PID=""
nt_fake() { # NS IF ADDR MODE LOG [ARGS...]: fake-dhcp-server.py (its events in LOG); NT_FAKE_PID
    local ns=$1 ifc=$2 addr=$3 mode=$4 log=$5
    shift 5
    : >"$log"
    tl_start "$log.stderr" ip netns exec "$ns" "$TL_PY" "$NT_DIR/fake-dhcp-server.py" \
        --iface "$ifc" --addr "$addr" --mode "$mode" --log "$log" "$@"
    # shellcheck disable=SC2034  # (for the tests)
    NT_FAKE_PID=$TL_PID
    nt_wait_udp67 "$ns" "$TL_PID" "fake-dhcp-server.py" "$log.stderr"
}

nt_dhcp() { # NS OUT ERR ARGS...: run osr-init dhcp ARGS in NS; NT_RC, NT_MS
    local ns=$1 out=$2 err=$3 t0 pid
    shift 3
    tl_log "osr-init dhcp $* (in $ns)"
    t0=$(tl_now_ms)
    # a hard limit well above any --timeout a test gives, so that a hang is a failure
    setsid ip netns exec "$ns" timeout -k 5 "${NT_HARD_LIMIT:-120}" "$OSR_INIT_BIN" dhcp "$@" \
        </dev/null >"$out" 2>"$err" &
    pid=$!
    TL_PGIDS+=("$pid")
    NT_RC=0
    wait "$pid" || NT_RC=$?
    NT_MS=$(($(tl_now_ms) - t0))
    tl_log "exit status $NT_RC after $NT_MS ms"
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
        echo "$TL_NAME: $NT_CHECKS checks, all passed"
        exit 0
    fi
    echo "$TL_NAME: $NT_CHECKS checks, $NT_FAILED failed"
    exit 1
}
