#!/usr/bin/env bash
# precis-sink's heap in huge pages (sink/precis_heap_huge.h): a sink started
# plainly runs with GLIBC_TUNABLES=glibc.malloc.hugetlb=1 (it started itself
# again with it: same pid, name and arguments), other tunables given are kept,
# and glibc.malloc.hugetlb=0 given is left as it is (no second start). What
# the tunable does is glibc's (sink_bench shows it: page faults a result).
#   tests/sink_heap_test.sh BIN_DIR
set -uo pipefail
bin=$1
work=$(mktemp -d /tmp/precis-sink-heap.XXXXXX)
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# Starts a sink with the environment given (env arguments); sets pid.
start_sink() {
    rm -f "$work"/sock-* "$work/sink.pid"
    env "$@" "$bin/precis-sink" --results-endpoint "ipc://$work/sock-results" \
        --output "ipc://$work/sock-output" --acks-endpoint "ipc://$work/sock-acks" \
        --replay "ipc://$work/sock-replay" --log "$work/out.log" \
        --pidfile "$work/sink.pid" 2>>"$work/sink.err" &
    pid=$!
    for _ in $(seq 200); do
        [ -s "$work/sink.pid" ] && return 0
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    fail "the sink did not start: $(tail -n 5 "$work/sink.err")"
    return 1
}
stop_sink() {
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

if start_sink -u GLIBC_TUNABLES; then
    [ "$(tunables)" = glibc.malloc.hugetlb=1 ] || fail "started plainly: GLIBC_TUNABLES='$(tunables)'"
    [ "$(cat "$work/sink.pid")" = "$pid" ] || fail "pid file $(cat "$work/sink.pid"), process $pid"
    [ "$(cat "/proc/$pid/comm")" = precis-sink ] || fail "process name $(cat "/proc/$pid/comm")"
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "--pidfile $work/sink.pid" ||
        fail "arguments not kept: $(tr '\0' ' ' <"/proc/$pid/cmdline")"
    stop_sink
fi

if start_sink GLIBC_TUNABLES=glibc.malloc.arena_max=4; then
    [ "$(tunables)" = glibc.malloc.arena_max=4:glibc.malloc.hugetlb=1 ] ||
        fail "with arena_max given: GLIBC_TUNABLES='$(tunables)'"
    stop_sink
fi

if start_sink GLIBC_TUNABLES=glibc.malloc.hugetlb=0; then
    [ "$(tunables)" = glibc.malloc.hugetlb=0 ] || fail "hugetlb=0 given: GLIBC_TUNABLES='$(tunables)'"
    stop_sink
fi

[ "$failures" -eq 0 ] && echo "ok: precis-sink runs with glibc.malloc.hugetlb=1 unless told otherwise"
exit $((failures > 0))
