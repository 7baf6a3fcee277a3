#!/usr/bin/env bash
# The daemons' heaps in huge pages (libprecis/precis_heap_huge.h): precis-sink
# and precis-ingest, started plainly, run with GLIBC_TUNABLES=
# glibc.malloc.hugetlb=1 (each started itself again with it: same pid, name
# and arguments), ingest with glibc.malloc.tcache_count=256 too (unless
# given another value); other tunables given are kept, and glibc.malloc.hugetlb=0
# given is left as it is (no second start). What the tunable does is glibc's
# (sink_bench and bench/run's ingest alone show it: page faults, CPU).
#   tests/heap_huge_test.sh BIN_DIR
set -uo pipefail
bin=$1
work=$(mktemp -d /tmp/precis-heap-huge.XXXXXX)
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# Starts PROGRAM (sink or ingest) with the environment given (env
# arguments after it); sets pid.
start() {
    local program=$1
    shift
    rm -f "$work"/sock-* "$work/daemon.pid"
    local args=(--results-endpoint "ipc://$work/sock-results"
                --acks-endpoint "ipc://$work/sock-acks" --pidfile "$work/daemon.pid")
    if [ "$program" = sink ]; then
        args+=(--output "ipc://$work/sock-output" --replay "ipc://$work/sock-replay"
               --log "$work/out.log")
    else
        args+=(--ingest "ipc://$work/sock-ingest" --normalize-endpoint "ipc://$work/sock-norm"
               --normalized-endpoint "ipc://$work/sock-normalized"
               --summarize-endpoint "ipc://$work/sock-summarize")
    fi
    env "$@" "$bin/precis-$program" "${args[@]}" 2>>"$work/$program.err" &
    pid=$!
    for _ in $(seq 200); do
        [ -s "$work/daemon.pid" ] && return 0
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    fail "precis-$program did not start: $(tail -n 5 "$work/$program.err")"
    return 1
}
stop() {
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    pid=
}
# GLIBC_TUNABLES as the process was started with it. glibc, reading it,
# writes a NUL over each colon of the copy /proc shows (GLIBC_TUNABLES=a=1
# NUL b=2): the colons are put back for the entries that follow it.
tunables() {
    tr '\0' '\n' <"/proc/$pid/environ" |
        awk '/^GLIBC_TUNABLES=/ {v = substr($0, 16); on = 1; next}
             on && /^glibc\./ {v = v ":" $0; next} {on = 0} END {print v}'
}

# What each program adds: ingest a larger per-thread cache of freed blocks
# too (ingest/main.c).
more_sink= more_ingest=:glibc.malloc.tcache_count=256
for program in sink ingest; do
    more=more_$program
    more=${!more}
    if start "$program" -u GLIBC_TUNABLES; then
        [ "$(tunables)" = "glibc.malloc.hugetlb=1$more" ] ||
            fail "precis-$program started plainly: GLIBC_TUNABLES='$(tunables)'"
        [ "$(cat "$work/daemon.pid")" = "$pid" ] ||
            fail "precis-$program: pid file $(cat "$work/daemon.pid"), process $pid"
        [ "$(cat "/proc/$pid/comm")" = "precis-$program" ] ||
            fail "precis-$program: process name $(cat "/proc/$pid/comm")"
        tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "--pidfile $work/daemon.pid" ||
            fail "precis-$program: arguments not kept: $(tr '\0' ' ' <"/proc/$pid/cmdline")"
        stop
    fi
    if start "$program" GLIBC_TUNABLES=glibc.malloc.arena_max=4; then
        [ "$(tunables)" = "glibc.malloc.arena_max=4:glibc.malloc.hugetlb=1$more" ] ||
            fail "precis-$program with arena_max given: GLIBC_TUNABLES='$(tunables)'"
        stop
    fi
    if [ -n "$more" ] && start "$program" GLIBC_TUNABLES=glibc.malloc.tcache_count=7; then
        [ "$(tunables)" = glibc.malloc.tcache_count=7:glibc.malloc.hugetlb=1 ] ||
            fail "precis-$program with tcache_count given: GLIBC_TUNABLES='$(tunables)'"
        stop
    fi
    if start "$program" GLIBC_TUNABLES=glibc.malloc.hugetlb=0; then
        [ "$(tunables)" = glibc.malloc.hugetlb=0 ] ||
            fail "precis-$program, hugetlb=0 given: GLIBC_TUNABLES='$(tunables)'"
        stop
    fi
done

[ "$failures" -eq 0 ] &&
    echo "ok: precis-sink and precis-ingest run with glibc.malloc.hugetlb=1 unless told otherwise"
exit $((failures > 0))
