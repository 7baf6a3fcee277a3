#!/usr/bin/env bash
# Run by tests/with_pipeline.sh with two summarize workers: a few hundred
# articles all come out, and both workers did part of the work.
set -euo pipefail
precis="$PRECIS_BIN/precis"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
total=300

python3 - "$total" >"$work/articles.jsonl" <<'PY'
import json, sys
for i in range(int(sys.argv[1])):
    text = ("Article %d reports that the river ferry carried %d passengers this week. "
            "The operator said demand grew after the bridge closed for repairs. "
            "Officials expect the bridge to reopen in %d weeks. "
            "Commuters said the ferry was slower but more pleasant." % (i, 100 + i, 2 + i % 5))
    print(json.dumps({"id": "load-%d" % i, "title": "Ferry %d" % i, "text": text}))
PY

"$precis" sub --output "$PRECIS_OUTPUT" --json --count "$total" --timeout 30 >"$work/out.jsonl" &
sub_pid=$!
sleep 0.5
"$precis" push --ingest "$PRECIS_INGEST" "$work/articles.jsonl" >/dev/null || fail "push failed"
wait "$sub_pid" || fail "only $(wc -l <"$work/out.jsonl") of $total results arrived"
[ "$(python3 -c 'import json,sys; print(len({json.loads(l)["id"] for l in open(sys.argv[1])}))' \
    "$work/out.jsonl")" -eq "$total" ] || fail "duplicate or missing ids"

"$PRECIS_STOP" # the workers log how many messages each handled when they stop
handled=()
for log in "$PRECIS_RUN_DIR"/summarize-*.log; do
    n=$(sed -n 's/.*summarize worker stopping after \([0-9]*\) messages.*/\1/p' "$log")
    [ -n "$n" ] || fail "no final count in $log"
    handled+=("$n")
done
[ "${#handled[@]}" -eq 2 ] || fail "expected two summarize workers"
echo "summarize workers handled: ${handled[*]}"
[ "${handled[0]}" -gt 0 ] && [ "${handled[1]}" -gt 0 ] || fail "one worker did nothing"
[ $((handled[0] + handled[1])) -eq "$total" ] || fail "workers handled ${handled[*]}, not $total"
