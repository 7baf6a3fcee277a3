#!/usr/bin/env bash
# Run by tests/with_pipeline.sh: a subscriber with a receive high-water mark
# of 1 (PRECIS_SUB_RCVHWM) is stopped (SIGSTOP) while a burst of N results
# is published, so the sink's PUB socket drops most of them for it. Once it
# goes on it must print all N, each once, in seq order, fetching what the
# subscription lost from the replay socket. A second subscriber, without a
# replay socket, loses results the same way and must say so, once.
set -euo pipefail
precis="$PRECIS_BIN/precis"
n=${SUB_HWM_N:-4000}
work=$(mktemp -d)
pids=()
cleanup() {
    local pid
    for pid in ${pids[@]+"${pids[@]}"}; do
        kill -CONT "$pid" 2>/dev/null || true
        kill "$pid" 2>/dev/null || true
    done
    [ -n "${KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

python3 - "$n" >"$work/in.jsonl" <<'PY'
import json, sys
for k in range(1, int(sys.argv[1]) + 1):
    # A long source (echoed in every result) makes each result about 4 KB,
    # so that the burst is well over what the socket buffers between the
    # sink and the subscriber hold: the PUB socket must drop.
    print(json.dumps({"id": "burst-%d" % k, "title": "Tide table %d" % k, "sentences": 1,
                      "source": "harbour desk " * 300,
                      "text": "High water at the pier is at %d minutes past six. "
                              "The harbour master asks boats to keep clear of the slipway." % k}))
PY

# The replay socket is given; the other subscriber gets none (its --output
# is an endpoint whose port + 2 has no replay socket in this test pipeline,
# and PRECIS_REPLAY, which clients read, is taken out of its environment).
PRECIS_SUB_RCVHWM=1 "$precis" sub --output "$PRECIS_OUTPUT" --replay "$PRECIS_REPLAY" \
    --since 1 --json --count $((n + 1)) --timeout 60 -v >"$work/out.jsonl" 2>"$work/sub.err" &
sub_pid=$!
pids+=("$sub_pid")
PRECIS_SUB_RCVHWM=1 env -u PRECIS_REPLAY "$precis" sub --output "$PRECIS_OUTPUT" --json \
    --timeout 60 -v >"$work/live.jsonl" 2>"$work/live.err" &
live_pid=$!
pids+=("$live_pid")
# Both ready (they say so with -v) before they are stopped.
for err in sub.err live.err; do
    for _ in $(seq 100); do grep -q 'ready' "$work/$err" && break; sleep 0.1; done
    grep -q 'ready' "$work/$err" || fail "precis sub did not get ready: $(cat "$work/$err")"
done
kill -STOP "$sub_pid" "$live_pid"

"$precis" push --ingest "$PRECIS_INGEST" "$work/in.jsonl" >"$work/push.txt" 2>&1 \
    || fail "precis push exited $?: $(tail -3 "$work/push.txt")"
# Wait until the sink has published all N (its next result is N + 1).
for _ in $(seq 600); do
    next=$("$precis" sub --output "$PRECIS_OUTPUT" --replay "$PRECIS_REPLAY" --print-next)
    [ "$next" -gt "$n" ] && break
    sleep 0.1
done
[ "$next" -gt "$n" ] || fail "the sink published $((next - 1)) of $n results"
kill -CONT "$sub_pid" "$live_pid"
# The subscriber without replay first drains what the sink's queue for it
# still holds: a result published before that is dropped for it by the
# high-water mark too, and it would have no way to see the loss.
last=-1
for _ in $(seq 300); do
    now=$(wc -l <"$work/live.jsonl")
    [ "$now" -eq "$last" ] && [ "$now" -gt 0 ] && break
    last=$now
    sleep 0.2
done
# One more result: the subscribers may see it before or after they notice
# the burst's lost tail; either way it shows the loss (seq N + 1 after 1000).
printf '{"id":"after-burst","title":"Pier reopens","text":"The pier reopened after the storm. Anglers were back by noon."}\n' \
    >"$work/after.jsonl"
"$precis" push --ingest "$PRECIS_INGEST" "$work/after.jsonl" >"$work/push.txt" 2>&1 \
    || fail "precis push exited $?: $(cat "$work/push.txt")"
n=$((n + 1))

status=0
wait "$sub_pid" || status=$?
[ "$status" -eq 0 ] || fail "precis sub exited $status: $(tail -5 "$work/sub.err")"
read -r printed unique in_order ids < <(python3 - "$work/out.jsonl" <<'PY'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
seqs = [r["seq"] for r in rows]
print(len(rows), len(set(seqs)), int(seqs == list(range(1, len(rows) + 1))),
      len({r["id"] for r in rows}))
PY
)
fetched=$(grep -c 'fetched from the replay socket' "$work/sub.err" || true)
gaps=$(grep -c 'gap: results' "$work/sub.err" || true)
echo "burst of $n results: printed $printed, $unique different seqs, in order: $in_order," \
    "$ids different ids, $((printed - unique)) duplicated; $fetched gap(s) fetched by replay" \
    "($gaps seen from a live result, $((fetched - gaps)) when quiet)"
[ "$fetched" -ge 1 ] || fail "the subscription lost nothing: this test tested nothing"
[ "$printed" -eq "$n" ] && [ "$unique" -eq "$n" ] && [ "$in_order" -eq 1 ] && [ "$ids" -eq "$n" ] \
    || fail "expected results 1 to $n once each, in order"

# Without replay: the live subscriber lost results and says so, once.
# Up to 60 s: under ASan on a loaded machine the subscriber drains the
# burst its kernel buffers still hold before the live result comes.
for _ in $(seq 600); do grep -q after-burst "$work/live.jsonl" && break; sleep 0.1; done
grep -q after-burst "$work/live.jsonl" || fail "the subscriber without replay missed a live result"
kill "$live_pid"
wait "$live_pid" || true
live=$(wc -l <"$work/live.jsonl")
warned=$(grep -c 'were missed' "$work/live.err" || true)
echo "without replay: $live of $n printed, the loss said $warned time(s)"
[ "$live" -lt "$n" ] || fail "the subscriber without replay lost nothing"
[ "$warned" -eq 1 ] || fail "the loss was said $warned times, not once: $(cat "$work/live.err")"
echo "ok"
