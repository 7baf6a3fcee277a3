#!/usr/bin/env bash
# Output log retention: a sink with a small --log-max-bytes keeps its log
# within the budget in segments; `precis sub --since 1` warns on stderr that
# the oldest results were deleted and goes on from the oldest one kept.
#   tests/retention_test.sh BIN_DIR
set -euo pipefail
bin=$(cd "$1" && pwd)
work=$(mktemp -d)
sink_pid=
cleanup() {
    [ -z "$sink_pid" ] || kill "$sink_pid" 2>/dev/null || true
    [ -z "$sink_pid" ] || wait "$sink_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
fail() {
    echo "FAIL: $*" >&2
    sed 's/^/  sink: /' "$work/sink.log" >&2 || true
    exit 1
}
budget=20000
mkdir "$work/log"
"$bin/precis-sink" --results-endpoint "ipc://$work/results" \
    --acks-endpoint "ipc://$work/acks" --output "ipc://$work/output" \
    --replay "ipc://$work/replay" --log "$work/log/output.records" \
    --log-max-bytes "$budget" --pidfile "$work/sink.pid" >"$work/sink.log" 2>&1 &
sink_pid=$!
for _ in $(seq 100); do [ -s "$work/sink.pid" ] && break; sleep 0.1; done
[ -s "$work/sink.pid" ] || fail "the sink did not start"

# 400 results of about 150 bytes: 60 KB through a 20 KB budget.
/usr/bin/python3 - "$work" <<'PY' || fail "the results were not published"
import sys, time, msgpack, zmq
work = sys.argv[1]
ctx = zmq.Context()
push = ctx.socket(zmq.PUSH)
push.connect("ipc://%s/results" % work)
sub = ctx.socket(zmq.SUB)
sub.setsockopt(zmq.SUBSCRIBE, b"")
sub.connect("ipc://%s/output" % work)
time.sleep(0.3)
for i in range(1, 401):
    push.send(msgpack.packb({"v": 1, "type": "error", "id": "r%d" % i, "key": "k%d" % i,
                             "stage": "test", "reason": "test", "error": "x" * 80}))
sub.setsockopt(zmq.RCVTIMEO, 10000)
last = 0
while last < 400:
    topic, body = sub.recv_multipart()
    last = msgpack.unpackb(body)["seq"]
PY

# Within the budget, in more than one segment, the first one deleted.
# The segments, not the state file next to them (a few bytes, no results).
total=$(find "$work/log" -name 'output.records*' ! -name '*.state' -exec cat {} + | wc -c)
segments=$(ls "$work"/log | grep -vc '\.state$')
[ "$total" -le "$budget" ] || fail "the log holds $total bytes, over the budget $budget"
[ "$segments" -ge 2 ] || fail "the log is not in segments: $(ls "$work/log")"
[ ! -e "$work/log/output.records" ] || fail "the oldest segment was not deleted"

status=0
"$bin/precis" sub --output "ipc://$work/output" --replay "ipc://$work/replay" --since 1 \
    --json --count 5 --timeout 5 >"$work/replay.jsonl" 2>"$work/replay.err" || status=$?
[ "$status" -eq 0 ] || fail "precis sub --since 1 exited $status: $(cat "$work/replay.err")"
grep -q "no longer in the sink's output log" "$work/replay.err" ||
    fail "no warning about the deleted results: $(cat "$work/replay.err")"
seqs=$(/usr/bin/python3 -c '
import json, sys
print(" ".join(str(json.loads(l)["seq"]) for l in open(sys.argv[1])))' "$work/replay.jsonl")
first=${seqs%% *}
[ "$first" -gt 1 ] || fail "the replay did not start after the deleted results: $seqs"
[ "$seqs" = "$(seq -s ' ' "$first" $((first + 4)))" ] || fail "replayed seqs: $seqs"
grep -q "results 1 to $((first - 1)) are no longer" "$work/replay.err" ||
    fail "the warning does not name 1 to $((first - 1)): $(cat "$work/replay.err")"

# A restarted sink keeps the numbering from the segments.
kill "$sink_pid"
wait "$sink_pid" || true
"$bin/precis-sink" --results-endpoint "ipc://$work/results" \
    --acks-endpoint "ipc://$work/acks" --output "ipc://$work/output" \
    --replay "ipc://$work/replay" --log "$work/log/output.records" \
    --log-max-bytes "$budget" --pidfile "$work/sink2.pid" >>"$work/sink.log" 2>&1 &
sink_pid=$!
for _ in $(seq 100); do [ -s "$work/sink2.pid" ] && break; sleep 0.1; done
grep -q "from sequence number 401" "$work/sink.log" || fail "the restarted sink lost the numbering"
cat "$work/replay.err"
echo "ok: the log stays within $budget bytes in $segments segments; sub --since 1 warns and starts at $first"
