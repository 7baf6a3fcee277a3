#!/usr/bin/env bash
# Deploy test of the relay: deploy/pipeline up with its defaults on free
# ports starts the relay and ingest with --no-forward (it binds neither the
# normalized nor the summarize endpoint); status lists the relay; articles
# pushed while the relay is restarted, and while it is dead (SIGKILL, then
# 'restart relay' starts it again), all come out exactly once (ingest sends
# again what a relay held), and the new relay carries the articles pushed
# after it (precis stats and its Prometheus metrics, from
# --metrics-port-base, say so) while ingest forwarded none. Then
# 'up --no-relay' in the same run dir gives the old topology: no relay (nor
# its launcher), ingest binds the two endpoints and carries every article;
# '--no-relay --ingest 2' and '--relay --no-relay' are refused.
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

pipeline_up --metrics --normalize 1 --summarize 2

"$pipeline" status --run-dir "$run_dir" >"$work/status.txt" 2>&1 \
    || fail "status exited $?: $(cat "$work/status.txt")"
grep -q "^relay .* alive  *answers PING$" "$work/status.txt" \
    || fail "status does not list the relay as alive and answering: $(cat "$work/status.txt")"
[ "$(grep -c ' alive ' "$work/status.txt")" -eq 6 ] || fail "status does not list 6 live processes"
# shellcheck disable=SC1091
. "$run_dir/env"
[ "$PRECIS_RELAY" = yes ] || fail "env: PRECIS_RELAY is '$PRECIS_RELAY'"
# Ingest no longer binds the workers' endpoints: the relay does.
if ! grep -q -- " --no-forward " "$run_dir/ingest.cmd" ||
    grep -q -- "--normalized-endpoint\|--summarize-endpoint" "$run_dir/ingest.cmd"; then
    fail "ingest was not started with --no-forward alone: $(cat "$run_dir/ingest.cmd")"
fi
for port in $((base + 2)) $((base + 3)); do
    [ "$(ss -Hltnp "sport = :$port" 2>/dev/null | grep -c 'precis-relay')" -eq 1 ] ||
        fail "port $port is not the relay's: $(ss -Hltnp "sport = :$port" 2>/dev/null)"
done
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

# The new relay carried articles (its counter starts at 0 with the process);
# ingest carried none.
counter() { # instance, counter
    "$precis" stats --json --run-dir "$run_dir" | python3 -c '
import json, sys
for line in sys.stdin:
    row = json.loads(line)
    if row["instance"] == sys.argv[1]:
        print(row["counters"][sys.argv[2]])' "$1" "$2"
}
moved=$(counter relay moved)
[ "${moved:-0}" -ge "$SECOND" ] || fail "the restarted relay moved ${moved:-nothing}, expected >= $SECOND"
forwarded=$(counter ingest forwarded)
[ "$forwarded" = 0 ] || fail "ingest forwarded '$forwarded' articles with the relay running"
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

# --no-relay: the old topology. Shards cannot go without the relay.
status=0
"$pipeline" up --no-build --build-dir "$build" --run-dir "$work/shards" --no-relay --ingest 2 \
    >"$work/up-shards.txt" 2>&1 || status=$?
[ "$status" -eq 2 ] || fail "up --no-relay --ingest 2 exited $status, not 2 (usage)"
[ ! -f "$work/shards/procs" ] || fail "up --no-relay --ingest 2 started processes"
for cmd in "up --no-build --build-dir $build --run-dir $work/both" demo; do
    status=0
    # shellcheck disable=SC2086 # the words of $cmd are its options
    "$pipeline" $cmd --relay --no-relay >"$work/both.txt" 2>&1 || status=$?
    [ "$status" -eq 2 ] || fail "$cmd --relay --no-relay exited $status, not 2 (usage)"
    grep -q "exclude each other" "$work/both.txt" || fail "$cmd --relay --no-relay: $(cat "$work/both.txt")"
done
[ ! -e "$work/both/procs" ] || fail "up --relay --no-relay started processes"
# The same run dir again, without the relay: the relay's launcher is gone
# (its log stays), so nothing names a relay this pipeline does not have.
[ -x "$run_dir/relay.cmd" ] || fail "the relay's launcher is missing before up --no-relay"
pipeline_up --normalize 1 --summarize 2 --no-relay
[ ! -e "$run_dir/relay.cmd" ] || fail "up --no-relay left the earlier relay's launcher in the run dir"
[ -s "$run_dir/relay.log" ] || fail "up --no-relay removed the earlier relay's log"
"$pipeline" status --run-dir "$run_dir" >"$work/status-no-relay.txt" 2>&1 \
    || fail "status exited $?: $(cat "$work/status-no-relay.txt")"
if [ "$(grep -c ' alive ' "$work/status-no-relay.txt")" -ne 5 ] ||
    grep -q '^relay ' "$work/status-no-relay.txt"; then
    fail "up --no-relay: not the 5 processes without a relay: $(cat "$work/status-no-relay.txt")"
fi
# shellcheck disable=SC1091
. "$run_dir/env"
[ "$PRECIS_RELAY" = no ] || fail "env after --no-relay: PRECIS_RELAY is '$PRECIS_RELAY'"
if ! grep -q -- "--normalized-endpoint tcp://127.0.0.1:$((base + 2)) --summarize-endpoint tcp://127.0.0.1:$((base + 3))" \
    "$run_dir/ingest.cmd" || grep -q -- --no-forward "$run_dir/ingest.cmd"; then
    fail "up --no-relay: ingest does not bind the workers' endpoints: $(cat "$run_dir/ingest.cmd")"
fi
articles old "$SECOND" >"$work/old.jsonl"
from=$("$precis" sub --print-next) || fail "precis sub --print-next failed"
"$precis" push --ingest "$PRECIS_INGEST" "$work/old.jsonl" >"$work/push-old.txt" 2>&1 \
    || fail "precis push (--no-relay) exited $?"
"$precis" sub --since "$from" --json --count "$SECOND" --timeout 30 >"$work/results-old.jsonl" \
    2>"$work/sub-old.txt" || fail "--no-relay: precis sub did not get $SECOND results"
one_summary_each "$work/results-old.jsonl" old "$SECOND"
forwarded=$(counter ingest forwarded)
[ "$forwarded" -ge "$SECOND" ] || fail "--no-relay: ingest forwarded '$forwarded', not >= $SECOND"
pipeline_down_checked "ingest normalize-1 summarize-[12] summarize-[12] sink" "in stage order without a relay"
echo "ok: deploy/pipeline up (the relay by default; ingest --no-forward), status, restart relay mid-push and after SIGKILL ($total results, none lost or doubled), down; up --no-relay: ingest forwards"
