#!/usr/bin/env bash
# Deploy test of the relay: deploy/pipeline up --relay on free ports; status
# lists the relay; articles pushed while the relay is restarted, and while
# it is dead (SIGKILL, then 'restart relay' starts it again), all come out
# exactly once (ingest sends again what a relay held), and the new relay
# carries the articles pushed after it (precis stats and its Prometheus
# metrics, from --metrics-port-base, say so).
#
#   tests/relay_deploy_test.sh [BUILD_DIR]   (default: build; not built here)
#
# Exit code 0 on success; on failure, non-zero with the reason on stderr.
set -euo pipefail

test_name=relay_deploy_test
# shellcheck source=tests/deploy_test_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/deploy_test_lib.sh"
FIRST=120 # articles pushed around the relay's restart
DEAD=30   # articles pushed while the relay is dead
SECOND=20 # articles pushed after it is back

pipeline_up --metrics --normalize 1 --summarize 2 --relay

"$pipeline" status --run-dir "$run_dir" >"$work/status.txt" 2>&1 \
    || fail "status exited $?: $(cat "$work/status.txt")"
grep -q "^relay .* alive  *answers PING$" "$work/status.txt" \
    || fail "status does not list the relay as alive and answering: $(cat "$work/status.txt")"
[ "$(grep -c ' alive ' "$work/status.txt")" -eq 6 ] || fail "status does not list 6 live processes"
# shellcheck disable=SC1091
. "$run_dir/env"
[ "$PRECIS_RELAY" = yes ] || fail "env: PRECIS_RELAY is '$PRECIS_RELAY'"
# Ingest no longer binds the workers' endpoints: the relay does.
grep -q -- "--normalized-endpoint ipc://$run_dir/unused-normalized" "$run_dir/ingest.cmd" \
    || fail "ingest was given the workers' normalized endpoint: $(cat "$run_dir/ingest.cmd")"
grep -q -- "--summarize-endpoint tcp://127.0.0.1:$((base + 3))" "$run_dir/relay.cmd" \
    || fail "the relay does not bind the summarize endpoint: $(cat "$run_dir/relay.cmd")"

from=$("$precis" sub --print-next) || fail "precis sub --print-next failed"
articles first "$FIRST" >"$work/first.jsonl"
articles dead "$DEAD" >"$work/dead.jsonl"
articles second "$SECOND" >"$work/second.jsonl"
"$precis" push --ingest "$PRECIS_INGEST" "$work/first.jsonl" >"$work/push1.txt" 2>&1 &
push_pid=$!
# Whether the restart falls during the push or after it, nothing may be lost.
"$pipeline" restart relay --run-dir "$run_dir" >"$work/restart.txt" 2>&1 \
    || fail "restart relay exited $?: $(cat "$work/restart.txt")"
wait "$push_pid" || fail "precis push (first) exited $?: $(tail -n 3 "$work/push1.txt")"
push_pid=""
# A relay that dies: ingest still accepts (the articles wait in its journal
# and queues), and they come out once the relay is started again.
relay_pid=$(tr -dc 0-9 <"$run_dir/relay.pid")
kill -KILL "$relay_pid"
while kill -0 "$relay_pid" 2>/dev/null; do sleep 0.05; done
"$precis" push --ingest "$PRECIS_INGEST" "$work/dead.jsonl" >"$work/push-dead.txt" 2>&1 \
    || fail "precis push (relay dead) exited $?: $(tail -n 3 "$work/push-dead.txt")"
if "$pipeline" status --run-dir "$run_dir" >"$work/status-dead.txt" 2>&1; then
    fail "status exited 0 with the relay dead"
fi
grep -q "^relay .* dead" "$work/status-dead.txt" || fail "status does not show the relay dead"
"$pipeline" restart relay --run-dir "$run_dir" >"$work/restart2.txt" 2>&1 \
    || fail "restart of the dead relay exited $?: $(cat "$work/restart2.txt")"
"$precis" push --ingest "$PRECIS_INGEST" "$work/second.jsonl" >"$work/push2.txt" 2>&1 \
    || fail "precis push (second) exited $?"
total=$((FIRST + DEAD + SECOND))
[ "$(cat "$work/push1.txt" "$work/push-dead.txt" "$work/push2.txt" | grep -c '^accepted')" \
    -eq "$total" ] || fail "not all $total articles were accepted"

# Gap-free: from the output log, then live, until every result is in (the
# old relay's articles come back after ingest's --retry-ms, 5 s).
"$precis" sub --since "$from" --json --count "$total" --timeout 60 >"$work/results.jsonl" \
    2>"$work/sub.txt" || fail "precis sub did not get $total results: $(cat "$work/sub.txt")"
one_summary_each "$work/results.jsonl" first "$FIRST" dead "$DEAD" second "$SECOND"

# The new relay carried articles (its counter starts at 0 with the process).
moved=$("$precis" stats --json --run-dir "$run_dir" | python3 -c '
import json, sys
for line in sys.stdin:
    row = json.loads(line)
    if row["instance"] == "relay":
        print(row["counters"]["moved"])')
[ "${moved:-0}" -ge "$SECOND" ] || fail "the restarted relay moved ${moved:-nothing}, expected >= $SECOND"
# Its Prometheus metrics, on the port after the workers' (run/metrics).
relay_url=$(awk '$1 == "relay" { print $2 }' "$run_dir/metrics")
[ "$relay_url" = "http://127.0.0.1:$((metrics_base + 5))/metrics" ] \
    || fail "run/metrics has '$relay_url' for the relay: $(cat "$run_dir/metrics")"
python3 - "$relay_url" "$moved" <<'PY' || fail "the relay's metrics do not show what it moved"
import sys, urllib.request
text = urllib.request.urlopen(sys.argv[1], timeout=5).read().decode()
values = [line.split()[1] for line in text.splitlines() if line.startswith("precis_relay_moved_total ")]
assert values and int(float(values[0])) >= int(sys.argv[2]), (values, sys.argv[2])
# Its latency histogram times every article it moved (not always 0).
held = [line.split()[1] for line in text.splitlines()
        if line.startswith("precis_relay_held_seconds_count ")]
assert held and int(float(held[0])) >= int(sys.argv[2]), (held, sys.argv[2])
assert "precis_relay_processing_seconds" not in text
PY

pipeline_down_checked "normalize-1 relay summarize" "the relay between normalize and summarize"
echo "ok: deploy/pipeline up --relay, status, restart relay mid-push and after SIGKILL ($total results, none lost or doubled), down"
