#!/usr/bin/env bash
# Run by tests/with_pipeline.sh: the README's recipe, run ROUNDS times in a
# row against one pipeline: `precis sub --print-next` (where this push's
# results will start), `precis sub --since THAT ... &` and at once `precis
# push`. Each round the subscriber must print exactly that round's N
# results, whichever of sub and push gets going first: none missed (ZeroMQ's
# slow joiner: the subscription may reach the sink after the first results,
# or push may be done before sub has even started), none from an earlier
# round, none twice. Then ROUNDS times the same with sub's default start
# (live from when it is ready), pushing once it says it is ready (-v).
set -euo pipefail
precis="$PRECIS_BIN/precis"
rounds=${SUB_RECIPE_ROUNDS:-20}
n=${SUB_RECIPE_N:-5}
work=$(mktemp -d)
sub_pid=""
cleanup() {
    [ -z "$sub_pid" ] || kill "$sub_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# N short articles for round R, ids rR-1 .. rR-N, written here.
articles() { # round
    local k
    for k in $(seq "$n"); do
        printf '{"id":"r%s-%s","title":"Ferry timetable %s","text":"The island ferry adds a %s sailing on weekdays. The council agreed the change after a year of complaints about crowded boats. Tickets for the new sailing go on sale next week at the harbour office.","sentences":1}\n' \
            "$1" "$k" "$k" "$k"
    done
}

# One round, R: articles pushed while a subscriber runs, started by HOW: "print-next" (the README recipe) or "ready" (sub with its
# default start, push once sub says on stderr (-v) that it is ready: what is
# published after that must all come, though the subscription itself may
# still be on its way to the sink).
round() {
    local round=$1 how=$2 start=()
    articles "$round" >"$work/in.jsonl"
    if [ "$how" = print-next ]; then
        from=$("$precis" sub --output "$PRECIS_OUTPUT" --replay "$PRECIS_REPLAY" --print-next) \
            || fail "round $round: precis sub --print-next exited $?"
        start=(--since "$from")
    fi
    : >"$work/sub.err"
    "$precis" sub --output "$PRECIS_OUTPUT" --replay "$PRECIS_REPLAY" ${start[@]+"${start[@]}"} \
        --json -v --count "$n" --timeout 15 >"$work/out.jsonl" 2>"$work/sub.err" &
    sub_pid=$!
    if [ "$how" = ready ]; then
        for _ in $(seq 200); do grep -q ready "$work/sub.err" && break; sleep 0.05; done
        grep -q ready "$work/sub.err" || fail "round $round: precis sub did not say it was ready"
    fi
    "$precis" push --ingest "$PRECIS_INGEST" "$work/in.jsonl" >"$work/push.txt" 2>&1 \
        || fail "round $round: precis push exited $? ($(cat "$work/push.txt"))"
    status=0
    wait "$sub_pid" || status=$?
    sub_pid=""
    read -r printed unique wanted < <(python3 - "$work/out.jsonl" "$round" "$n" <<'PY'
import json, sys
ids = [json.loads(line)["id"] for line in open(sys.argv[1])]
want = {"r%s-%d" % (sys.argv[2], k) for k in range(1, int(sys.argv[3]) + 1)}
print(len(ids), len(set(ids)), len(set(ids) & want))
PY
)
    expected_total=$((expected_total + n))
    printed_total=$((printed_total + wanted))
    duplicates_total=$((duplicates_total + printed - unique))
    fetched_total=$((fetched_total + $(grep -c 'fetched from the replay' "$work/sub.err" || true)))
    [ "$status" -eq 0 ] || fail "round $round ($how): precis sub exited $status after $printed of $n results: $(cat "$work/sub.err")"
    [ "$printed" -eq "$n" ] && [ "$unique" -eq "$n" ] && [ "$wanted" -eq "$n" ] \
        || fail "round $round ($how): printed $printed results, $unique different, $wanted of this round's $n"
}

for how in print-next ready; do
    expected_total=0 printed_total=0 duplicates_total=0 fetched_total=0
    for r in $(seq "$rounds"); do round "$how-$r" "$how"; done
    echo "ok: $rounds rounds of sub & push ($how): $expected_total results expected," \
        "$printed_total printed, $duplicates_total duplicated; $fetched_total gap(s) fetched" \
        "by replay once following"
done
