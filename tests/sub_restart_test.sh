#!/usr/bin/env bash
# Run by tests/with_pipeline.sh (ingest with a short --retry-ms): a `precis
# sub --since 1` runs throughout while N articles are pushed and the sink is
# killed (SIGKILL) in the middle and started again on its output log. The
# subscriber must print exactly what the log holds: every result once, in
# seq order, with no gap, and every article's id. The subscriber is stopped
# (SIGSTOP) from before the kill until the new sink has published results,
# so that it cannot reconnect in time: those are missed by its subscription
# and must be fetched from the replay socket.
set -euo pipefail
precis="$PRECIS_BIN/precis"
n=${SUB_RESTART_N:-600}
work=$(mktemp -d)
sub_pid="" push_pid=""
cleanup() {
    [ -z "$sub_pid" ] || { kill -CONT "$sub_pid"; kill "$sub_pid"; } 2>/dev/null || true
    [ -z "$push_pid" ] || kill "$push_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
next() { "$precis" sub --output "$PRECIS_OUTPUT" --replay "$PRECIS_REPLAY" --print-next; }

python3 - "$n" >"$work/in.jsonl" <<'PY'
import json, sys
for k in range(1, int(sys.argv[1]) + 1):
    print(json.dumps({"id": "restart-%d" % k, "title": "Bus route %d" % k, "sentences": 1,
                      "text": "Route %d gets a new stop by the school. Buses will run every "
                              "twelve minutes from Monday." % k}))
PY

"$precis" sub --output "$PRECIS_OUTPUT" --replay "$PRECIS_REPLAY" --since 1 --json -v \
    --timeout 120 >"$work/out.jsonl" 2>"$work/sub.err" &
sub_pid=$!
"$precis" push --ingest "$PRECIS_INGEST" --rate 200 "$work/in.jsonl" >"$work/push.txt" 2>&1 &
push_pid=$!

# Kill the sink once a quarter of the results are out, then start it again.
for _ in $(seq 300); do [ "$(next)" -gt $((n / 4)) ] && break; sleep 0.1; done
killed_at=$(next)
kill -STOP "$sub_pid"
"$PRECIS_LAUNCHER" kill9 "$PRECIS_RUN_DIR" sink
"$PRECIS_LAUNCHER" relaunch "$PRECIS_RUN_DIR" sink || fail "the sink did not start again"
# Until 20 more are out, or all of them: on a slow machine (ASan, loaded)
# the push can be done before the kill, and waiting for results that never
# come took the test past its time limit (each `next` is a process).
wanted=$((killed_at + 20 < n + 1 ? killed_at + 20 : n + 1))
for _ in $(seq 300); do [ "$(next)" -ge "$wanted" ] && break; sleep 0.1; done
kill -CONT "$sub_pid"

status=0
wait "$push_pid" || status=$?
push_pid=""
[ "$status" -eq 0 ] || fail "precis push exited $status: $(tail -3 "$work/push.txt")"

# Every article is in the log (ingest sends again what the killed sink
# did not acknowledge).
for _ in $(seq 600); do
    "$precis" sub --output "$PRECIS_OUTPUT" --replay "$PRECIS_REPLAY" --from-beginning \
        --exit-at-end --json >"$work/log.jsonl"
    [ "$(python3 -c 'import json, sys; print(len({json.loads(l)["id"] for l in open(sys.argv[1])}))' \
        "$work/log.jsonl")" -eq "$n" ] && break
    sleep 0.1
done
logged=$(wc -l <"$work/log.jsonl")
# The subscriber catches up with the log.
for _ in $(seq 300); do [ "$(wc -l <"$work/out.jsonl")" -ge "$logged" ] && break; sleep 0.1; done
kill "$sub_pid"
status=0
wait "$sub_pid" || status=$?
sub_pid=""
[ "$status" -eq 0 ] || fail "precis sub exited $status: $(tail -5 "$work/sub.err")"

python3 - "$work/log.jsonl" "$work/out.jsonl" "$n" "$killed_at" "$(grep -c 'fetched from the replay' "$work/sub.err" || true)" <<'PY'
import json, sys
log = [json.loads(l) for l in open(sys.argv[1])]
out = [json.loads(l) for l in open(sys.argv[2])]
n, killed_at, fetched = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
key = lambda r: (r["seq"], r["id"])
seqs = [r["seq"] for r in out]
print("sink killed after %d results and restarted; %d articles, %d results in the log; "
      "sub printed %d, %d duplicated, %d different ids, in order: %s; %d gap(s) fetched by replay"
      % (killed_at - 1, n, len(log), len(out), len(seqs) - len(set(seqs)),
         len({r["id"] for r in out}), seqs == sorted(seqs), fetched))
assert fetched >= 1, "the subscriber missed nothing: this tested nothing"
assert [r["seq"] for r in log] == list(range(1, len(log) + 1)), "the log has gaps"
assert len({r["id"] for r in log}) == n, "the log lacks articles"
assert list(map(key, out)) == list(map(key, log)), "sub printed other than the log holds"
PY
echo ok
