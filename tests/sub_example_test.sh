#!/usr/bin/env bash
# Run by tests/with_pipeline.sh: the Python subscriber of docs/PROTOCOL.md
# ("Following without a gap"), taken from the document as it is, with this
# pipeline's endpoints, and stopped (SIGSTOP) while a burst is published so
# that its subscription drops results. It must print results 1 to N once
# each, in order.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
precis="$PRECIS_BIN/precis"
n=${SUB_EXAMPLE_N:-3000}
work=$(mktemp -d)
client_pid=""
cleanup() {
    [ -z "$client_pid" ] || { kill -CONT "$client_pid"; kill "$client_pid"; } 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# The code block after "The same in Python".
awk '/^The same in Python/ { found = 1 } found && /^```python/ { on = 1; next }
     on && /^```/ { exit } on { print }' "$repo/docs/PROTOCOL.md" \
    | sed -e "s|tcp://127.0.0.1:5560|$PRECIS_OUTPUT|" -e "s|tcp://127.0.0.1:5562|$PRECIS_REPLAY|" \
    >"$work/client.py"
grep -q 'catch_up' "$work/client.py" || fail "no Python example found in docs/PROTOCOL.md"

python3 - "$n" >"$work/in.jsonl" <<'PY'
import json, sys
for k in range(1, int(sys.argv[1]) + 1):
    print(json.dumps({"id": "example-%d" % k, "title": "Weather %d" % k, "sentences": 1,
                      "source": "weather desk " * 300,
                      "text": "Rain moves in from the west by %d in the evening. "
                              "Tomorrow will be dry and cooler." % k}))
PY
python3 -u "$work/client.py" >"$work/out.txt" 2>"$work/err.txt" &
client_pid=$!
# The client is subscribed once it has asked for its start (its first replay
# request): wait for the sink to have answered one.
for _ in $(seq 100); do
    "$precis" stats --control "ipc://$PRECIS_RUN_DIR/sink.ctl" 2>/dev/null \
        | grep -Eq 'replay_requests[^0-9]*[1-9]' && break
    sleep 0.1
done
kill -STOP "$client_pid"
"$precis" push --ingest "$PRECIS_INGEST" "$work/in.jsonl" >"$work/push.txt" 2>&1 \
    || fail "precis push exited $?: $(tail -3 "$work/push.txt")"
kill -CONT "$client_pid"
# One more: seen live right after the burst's first 1000, it shows the gap.
printf '{"id":"example-last","title":"Frost","text":"Frost is likely in the valleys. Roads may be icy."}\n' \
    >"$work/last.jsonl"
"$precis" push --ingest "$PRECIS_INGEST" "$work/last.jsonl" >"$work/push.txt" 2>&1 \
    || fail "precis push exited $?: $(cat "$work/push.txt")"
n=$((n + 1))
for _ in $(seq 300); do [ "$(wc -l <"$work/out.txt")" -ge "$n" ] && break; sleep 0.1; done
sleep 1.5 # nothing more may come (the client asks the log after 1 s of quiet)
kill "$client_pid"
wait "$client_pid" 2>/dev/null || true
client_pid=""
read -r printed in_order ids < <(python3 - "$work/out.txt" <<'PY'
import sys
rows = [line.split() for line in open(sys.argv[1])]
seqs = [int(r[0]) for r in rows]
print(len(rows), int(seqs == list(range(1, len(rows) + 1))), len({r[2] for r in rows}))
PY
)
echo "PROTOCOL.md's Python subscriber: $n results, printed $printed, in order: $in_order, $ids different ids"
[ "$printed" -eq "$n" ] && [ "$in_order" -eq 1 ] && [ "$ids" -eq "$n" ] \
    || fail "expected results 1 to $n once each, in order: $(tail -3 "$work/err.txt")"
echo ok
