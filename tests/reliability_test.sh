#!/usr/bin/env bash
# Run by tests/with_pipeline.sh with 2 normalize and 2 summarize workers and
# a short retry time. Pushes a few thousand articles while workers are
# killed with SIGKILL and started again, kills and restarts ingest once with
# work in flight, then checks that the results are exactly the accepted
# articles, each once; and that a subscriber that leaves and comes back with
# --since misses nothing and sees nothing twice.
set -euo pipefail
set +m # no job-control chatter about the processes killed on purpose
precis="$PRECIS_BIN/precis"
run=$PRECIS_RUN_DIR
work=$(mktemp -d)
chaos_pid=
cleanup() {
    # Restarted stages are stopped by with_pipeline.sh, through their pid files.
    if [ -n "$chaos_pid" ]; then
        kill "$chaos_pid" 2>/dev/null
        wait "$chaos_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
half=${RELIABILITY_ARTICLES:-1500}
total=$((2 * half))

make_articles() { # first index, count
    python3 - "$1" "$2" <<'PY'
import json, sys
first, count = int(sys.argv[1]), int(sys.argv[2])
for i in range(first, first + count):
    text = ("Report %d: the regional transit board approved %d new bus routes on Friday. "
            "The routes will link the eastern suburbs with the university campus. "
            "Board member Lena Ortiz said the plan answered years of complaints. "
            "Work on new stops begins in %d weeks." % (i, 3 + i % 7, 2 + i % 4))
    print(json.dumps({"id": "rel-%d" % i, "title": "Transit %d" % i, "text": text}))
PY
}
make_articles 0 "$half" >"$work/first.jsonl"
make_articles "$half" "$half" >"$work/second.jsonl"

# Through the launcher every pipeline script uses (deploy/lib/pipeline.sh).
kill9() { # name
    "$PRECIS_LAUNCHER" kill9 "$run" "$1"
}
restart() { # name: start again and wait until it is ready
    "$PRECIS_LAUNCHER" relaunch "$run" "$1" || fail "$1 did not restart"
}
chaos() { # kills a random worker with SIGKILL and restarts it, until stop_chaos
    local names=(normalize-1 normalize-2 summarize-1 summarize-2)
    rm -f "$work/stop-chaos"
    while [ ! -e "$work/stop-chaos" ]; do
        local name=${names[$((RANDOM % 4))]}
        kill9 "$name"
        echo "$name" >>"$work/killed"
        sleep 0.1
        restart "$name"
        sleep 0.1
    done
}
# Stops the chaos loop between two steps: killing it could leave a
# relaunch running, whose worker then took the articles meant to pile up.
stop_chaos() {
    touch "$work/stop-chaos"
    wait "$chaos_pid" 2>/dev/null || true
    chaos_pid=
}

# The whole output, from sequence number 1, and a subscriber that leaves
# after a third of it (it comes back later with --since).
"$precis" sub --output "$PRECIS_OUTPUT" --replay "$PRECIS_REPLAY" --since 1 --json \
    --count "$total" --timeout 60 >"$work/all.jsonl" &
all_pid=$!
"$precis" sub --output "$PRECIS_OUTPUT" --json --count $((total / 3)) --timeout 60 \
    >"$work/early.jsonl" &
early_pid=$!
sleep 0.5

chaos &
chaos_pid=$!
"$precis" push --ingest "$PRECIS_INGEST" "$work/first.jsonl" >"$work/push1.txt" \
    || fail "first push exited $?"

# Ingest dies with work in flight: stop the summarize workers so that
# articles pile up, kill ingest, start it again (it recovers its journal).
stop_chaos
for name in normalize-1 normalize-2 summarize-1 summarize-2; do
    [ -e "$run/$name.pid" ] || restart "$name"
done
kill9 summarize-1
kill9 summarize-2
# A few of the second half are accepted now and pile up (no summarize
# worker); pushed again below, they are answered as duplicates.
head -n 50 "$work/second.jsonl" >"$work/piled.jsonl"
"$precis" push --ingest "$PRECIS_INGEST" "$work/piled.jsonl" >"$work/piled.txt" \
    || fail "the push of the piled-up articles exited $?"
kill9 ingest
restart ingest
restart summarize-1
restart summarize-2
grep -q "recovered [0-9]* undelivered articles" "$run/ingest.log" \
    || fail "ingest recovered nothing from its journal"

chaos &
chaos_pid=$!
"$precis" push --ingest "$PRECIS_INGEST" "$work/second.jsonl" >"$work/push2.txt" \
    || fail "second push exited $?"
sleep 1 # a little more chaos while the retries go on
stop_chaos
for name in normalize-1 normalize-2 summarize-1 summarize-2; do
    [ -e "$run/$name.pid" ] || restart "$name"
done

wait "$all_pid" || fail "only $(wc -l <"$work/all.jsonl") of $total results arrived"
wait "$early_pid" || fail "the early subscriber got too few results"
last_seq=$(python3 -c 'import json,sys; print(max(json.loads(l)["seq"] for l in open(sys.argv[1])))' \
    "$work/early.jsonl")
"$precis" sub --output "$PRECIS_OUTPUT" --replay "$PRECIS_REPLAY" --since $((last_seq + 1)) \
    --json --count $((total - total / 3)) --timeout 20 >"$work/late.jsonl" \
    || fail "the returning subscriber did not get the rest"

python3 - "$work" "$total" <<'PY'
import json, sys
work, total = sys.argv[1], int(sys.argv[2])
accepted = [l.split("\t")[1].strip() for f in ("push1.txt", "push2.txt")
            for l in open(f"{work}/{f}") if l.startswith("accepted")]
def ids(name):
    return [json.loads(l)["id"] for l in open(f"{work}/{name}")]
everything = ids("all.jsonl")
assert len(accepted) == total == len(set(accepted)), f"accepted {len(accepted)} of {total}"
assert len(everything) == len(set(everything)), "duplicate results"
assert set(everything) == set(accepted), (
    f"lost {len(set(accepted) - set(everything))}, extra {len(set(everything) - set(accepted))}")
seqs = [json.loads(l)["seq"] for l in open(f"{work}/all.jsonl")]
assert seqs == list(range(1, total + 1)), "replay and live output have a gap or a repeat"
rejoined = ids("early.jsonl") + ids("late.jsonl")
assert len(rejoined) == len(set(rejoined)) == total, "the returning subscriber saw a repeat"
assert set(rejoined) == set(accepted), "the returning subscriber missed results"
print(f"ok: {total} accepted, {len(everything)} delivered once each")
PY
echo "workers killed: $(wc -l <"$work/killed"), plus ingest once"
grep -h "ingest stopping\|retried\|recovered" "$run/ingest.log" | tail -3 || true
