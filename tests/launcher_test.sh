#!/usr/bin/env bash
# The launcher contract (deploy/lib/pipeline.sh, used by deploy/pipeline,
# tests/with_pipeline.sh, bench/pipeline.sh and tests/pipeline_lib.py):
#  - a pipeline started by tests/with_pipeline.sh leaves no process behind
#    when its command fails, or when the script itself is stopped mid-way;
#  - stopping goes in stage order (ingest, normalize, summarize, sink), each
#    stage gone before the next gets SIGTERM, as launcher.log shows;
#  - a process that ignores SIGTERM is killed with SIGKILL after the timeout;
#  - deploy/pipeline restart NAME starts one process again with the same
#    options, and status and down see the new one.
#   tests/launcher_test.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
bin="$build/bin"
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$(mktemp -d /tmp/precis-launcher-test.XXXXXX)
# shellcheck source=deploy/lib/pipeline.sh
source "$repo/deploy/lib/pipeline.sh"
cleanup() {
    local status=$?
    [ ! -d "$work/run" ] || "$repo/deploy/pipeline" down --run-dir "$work/run" >/dev/null 2>&1 || true
    [ ! -d "$work/lib-run" ] || pl_stop "$work/lib-run" 2>/dev/null || true
    rm -rf "$work"
    exit "$status"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# None of the pids in FILE (procs lines) alive, nothing of RUN_DIR left.
assert_all_gone() { # procs copy, run dir, what
    local name pid
    while read -r name pid; do
        ! pl_running "$pid" || fail "$3: $name (pid $pid) is still running"
    done <"$1"
    [ -z "$(pl_leftovers "$2")" ] || fail "$3: processes of $2 left: $(pl_leftovers "$2")"
}

# 1. The command fails: its status comes back, nothing is left running.
status=0
"$repo/tests/with_pipeline.sh" "$bin" -- sh -c \
    'cp "$PRECIS_RUN_DIR/procs" "$0/procs-failed"; echo "$PRECIS_RUN_DIR" >"$0/run-failed"; exit 3' \
    "$work" 2>"$work/failed.err" || status=$?
[ "$status" -eq 3 ] || fail "with_pipeline exited $status for a command that exited 3"
# ingest, sink, the relay, a normalize and two summarize workers.
[ "$(wc -l <"$work/procs-failed")" -eq 6 ] || fail "not 6 processes in procs: $(cat "$work/procs-failed")"
assert_all_gone "$work/procs-failed" "$(cat "$work/run-failed")" "failed command"
[ ! -d "$(cat "$work/run-failed")" ] || fail "the run dir of a failed command was kept"

# 2. with_pipeline.sh itself stopped mid-way (as ctest does at its timeout):
# its command and every process it started go too.
"$repo/tests/with_pipeline.sh" "$bin" -- sh -c \
    'cp "$PRECIS_RUN_DIR/procs" "$0/procs-killed"; echo "$PRECIS_RUN_DIR" >"$0/run-killed"; echo $$ >"$0/command-pid"; exec sleep 600' \
    "$work" 2>"$work/killed.err" &
launcher_pid=$!
for _ in $(seq 300); do [ -s "$work/command-pid" ] && break; sleep 0.05; done
[ -s "$work/command-pid" ] || fail "with_pipeline did not run its command"
kill -TERM "$launcher_pid"
status=0
wait "$launcher_pid" || status=$?
[ "$status" -eq 143 ] || fail "with_pipeline exited $status on SIGTERM, not 143"
assert_all_gone "$work/procs-killed" "$(cat "$work/run-killed")" "with_pipeline stopped"
! pl_running "$(cat "$work/command-pid")" || fail "the command outlived with_pipeline"

# 3. Stage order, as launcher.log tells it: the command stops the pipeline
# (PRECIS_STOP) and keeps the log.
"$repo/tests/with_pipeline.sh" "$bin" --normalize 2 --summarize 2 -- sh -c \
    '"$PRECIS_STOP" && cp "$PRECIS_RUN_DIR/launcher.log" "$0/order.log"' "$work" \
    || fail "with_pipeline with PRECIS_STOP failed"
python3 - "$work/order.log" <<'PY' || fail "stop order: $(cat "$work/order.log")"
import re, sys
events = []  # (kind, name): kind is "term" or "stopped"
for line in open(sys.argv[1]):
    m = re.search(r" stop (\S+) \(pid \d+\): SIGTERM$", line)
    if m:
        events.append(("term", m.group(1)))
    m = re.search(r" stopped (\S+) \(pid \d+\)$", line)
    if m:
        events.append(("stopped", m.group(1)))
stage = lambda name: {"ingest": 0, "relay": 2, "sink": 4}.get(
    name, 1 if name.startswith("normalize") else 3)
names = [n for k, n in events if k == "term"]
assert sorted(names) == sorted(["ingest", "sink", "normalize-1", "normalize-2", "relay",
                                "summarize-1", "summarize-2"]), names
# Every process of a stage has stopped before any of the next gets SIGTERM.
for i, (kind, name) in enumerate(events):
    if kind == "term":
        for k2, n2 in events[i + 1:]:
            assert not (k2 == "stopped" and stage(n2) < stage(name)), (name, n2)
        for k2, n2 in events[:i]:
            assert not (k2 == "term" and stage(n2) > stage(name)), (name, n2)
print("stop order:", " ".join(names))
PY

# 4. A process that does not answer SIGTERM (stopped) is killed after the
# timeout, counted as a failure, and logged.
mkdir -p "$work/lib-run"
read -r port_in port_out < <(pl_free_ports 2)
internal="ipc://$work/lib-run"
PL_PROG=launcher_test
pl_start "$work/lib-run" ingest "$bin/precis-ingest" --ingest "tcp://127.0.0.1:$port_in" \
    --normalize-endpoint "$internal/n" --normalized-endpoint "$internal/nd" \
    --summarize-endpoint "$internal/s" --results-endpoint "$internal/r" --acks-endpoint "$internal/a"
pl_start "$work/lib-run" sink "$bin/precis-sink" --results-endpoint "$internal/r" \
    --acks-endpoint "$internal/a" --output "tcp://127.0.0.1:$port_out"
pl_wait_ready "$work/lib-run" ingest sink || fail "ingest and sink did not start"
cp "$work/lib-run/procs" "$work/procs-lib"
sink_pid=$(cat "$work/lib-run/sink.pid")
kill -STOP "$sink_pid"
PL_STOP_TIMEOUT=1 pl_stop "$work/lib-run" 2>"$work/stop.err"
[ "$PL_STOP_FAILURES" -eq 1 ] || fail "PL_STOP_FAILURES is $PL_STOP_FAILURES, not 1"
grep -q "sink (pid $sink_pid) did not exit 1 s after SIGTERM; sending SIGKILL" "$work/stop.err" \
    || fail "no SIGKILL warning: $(cat "$work/stop.err")"
grep -q "stop sink (pid $sink_pid): SIGKILL after 1 s" "$work/lib-run/launcher.log" \
    || fail "no SIGKILL in launcher.log"
assert_all_gone "$work/procs-lib" "$work/lib-run" "SIGKILL after the timeout"
[ ! -e "$work/lib-run/procs" ] && [ ! -e "$work/lib-run/sink.pid" ] || fail "procs or a pid file kept"

# 5. deploy/pipeline restart NAME.
base=$("$repo/deploy/pipeline" free-port-base)
printf 'summarize\n    sentences = 2\n' >"$work/precis.cfg"
"$repo/deploy/pipeline" up --no-build --build-dir "$build" --run-dir "$work/run" --port-base "$base" \
    --summarize 2 --config "$work/precis.cfg" >"$work/up.txt" 2>&1 || fail "up: $(cat "$work/up.txt")"
old=$(cat "$work/run/summarize-1.pid")
"$repo/deploy/pipeline" restart summarize-1 --run-dir "$work/run" >"$work/restart.txt" \
    || fail "restart summarize-1 exited $?"
new=$(cat "$work/run/summarize-1.pid")
[ "$new" != "$old" ] && pl_running "$new" || fail "summarize-1 not restarted (pid $old, then $new)"
! pl_running "$old" || fail "the old summarize-1 (pid $old) still runs"
grep -q "^summarize-1 $new\$" "$work/run/procs" || fail "procs does not have the new pid: $(cat "$work/run/procs")"
# The same options: the launcher wrote the same command line.
tr '\0' ' ' <"/proc/$new/cmdline" | grep -q -- "--summarize-endpoint tcp://127.0.0.1:$((base + 3)) " \
    || fail "summarize-1 restarted without its options"
"$repo/deploy/pipeline" status --run-dir "$work/run" >"$work/status.txt" || fail "status after restart"
grep -q "^summarize-1 *$new *alive" "$work/status.txt" || fail "status: $(cat "$work/status.txt")"
# A bad line in the --config file: restart refuses before stopping, and
# the healthy process keeps running (issue 13: the nightly 'restart sink').
printf 'summarize\n    sentences = 2\n    ratio = 0.3\nsink\n    no-such-key = 1\n' \
    >"$work/precis.cfg"
for name in summarize-1 sink; do
    before=$(cat "$work/run/$name.pid")
    status=0
    "$repo/deploy/pipeline" restart "$name" --run-dir "$work/run" >/dev/null 2>"$work/refused.err" \
        || status=$?
    [ "$status" -eq 1 ] || fail "restart $name with a bad config exited $status, not 1"
    grep -q "precis.cfg, line" "$work/refused.err" && grep -q "keeps running" "$work/refused.err" \
        || fail "restart $name with a bad config: $(cat "$work/refused.err")"
    [ "$(cat "$work/run/$name.pid")" = "$before" ] && pl_running "$before" \
        || fail "restart $name with a bad config stopped it (pid $before)"
done
printf 'summarize\n    sentences = 2\n' >"$work/precis.cfg"
# A dead process is started again too.
sink_pid=$(cat "$work/run/sink.pid")
kill -KILL "$sink_pid"
pl_wait_gone "$sink_pid" 50
status=0
"$repo/deploy/pipeline" status --run-dir "$work/run" >/dev/null || status=$?
[ "$status" -eq 1 ] || fail "status with a dead sink exited $status, not 1"
"$repo/deploy/pipeline" restart sink --run-dir "$work/run" >/dev/null || fail "restart of a dead sink"
"$repo/deploy/pipeline" status --run-dir "$work/run" >/dev/null || fail "status after the sink restart"
status=0
"$repo/deploy/pipeline" restart nosuch --run-dir "$work/run" 2>"$work/bad.err" || status=$?
[ "$status" -eq 2 ] && grep -q "no process 'nosuch'" "$work/bad.err" \
    || fail "restart of an unknown name: exit $status, $(cat "$work/bad.err")"
cp "$work/run/procs" "$work/procs-deploy"
"$repo/deploy/pipeline" down --run-dir "$work/run" >/dev/null || fail "down"
assert_all_gone "$work/procs-deploy" "$work/run" "down after restarts"
grep -q "stopped summarize-1 (pid $new)" "$work/run/launcher.log" || fail "down did not stop the restarted summarize-1"
echo "ok: launcher contract (failed command, SIGTERM mid-way, stage order, SIGKILL, restart)"
