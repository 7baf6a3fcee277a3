#!/usr/bin/env bash
# Run by tests/with_pipeline.sh: every sample article pushed with `precis push`
# comes out at a `precis sub` subscriber, and its summary is exactly what the
# offline `precis summarize` gives for the same file.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
precis="$PRECIS_BIN/precis"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

samples=("$repo"/samples/*.txt)
count=${#samples[@]}
[ "$count" -ge 3 ] || fail "expected sample articles in samples/"

"$precis" sub --output "$PRECIS_OUTPUT" --json --count "$count" --timeout 20 >"$work/out.jsonl" &
sub_pid=$!
sleep 0.5 # the subscription must reach the publisher before the first result

# From samples/: a file's id is its path as given (quake.txt).
(cd "$repo/samples" && "$precis" push --ingest "$PRECIS_INGEST" "${samples[@]##*/}") >"$work/push.txt" \
    || fail "precis push exited $? ($(cat "$work/push.txt"))"
[ "$(grep -c '^accepted' "$work/push.txt")" -eq "$count" ] || fail "not all accepted"
wait "$sub_pid" || fail "precis sub exited $? before $count results"

for sample in "${samples[@]}"; do
    id=$(basename "$sample")
    python3 - "$work/out.jsonl" "$id" >"$work/$id.pipeline" <<'PY' || fail "no summary for $id"
import json, sys
for line in open(sys.argv[1]):
    result = json.loads(line)
    if result["id"] == sys.argv[2]:
        assert result["type"] == "summary" and result["topic"].startswith("summary."), result
        assert result["summary"], "empty summary"
        print("\n".join(result["summary"]))
        sys.exit(0)
sys.exit(1)
PY
    "$precis" summarize "$sample" >"$work/$id.offline" || fail "precis summarize $sample"
    diff -u "$work/$id.offline" "$work/$id.pipeline" >&2 \
        || fail "$id: pipeline summary differs from the offline one"
done
# The topology tests/with_pipeline.sh set up (PRECIS_RELAY): by default the
# relay carried every normalized article and ingest none (--no-forward);
# with --no-relay ingest carried them.
"$precis" stats --json --run-dir "$PRECIS_RUN_DIR" >"$work/stats.jsonl" \
    || fail "precis stats exited $?"
python3 - "$work/stats.jsonl" "${PRECIS_RELAY:-yes}" "$count" <<'PY' \
    || fail "the normalized articles did not take the path PRECIS_RELAY=${PRECIS_RELAY:-yes} says"
import json, sys
rows = {row["instance"]: row["counters"] for row in map(json.loads, open(sys.argv[1]))}
relay, count = sys.argv[2] == "yes", int(sys.argv[3])
forwarded = rows["ingest"]["forwarded"]
if relay:
    assert forwarded == 0, "ingest forwarded %d with the relay" % forwarded
    assert rows["relay"]["moved"] >= count, "the relay moved %d" % rows["relay"]["moved"]
else:
    assert "relay" not in rows, "a relay runs with --no-relay"
    assert forwarded >= count, "ingest forwarded %d of %d" % (forwarded, count)
PY
echo "ok: $count articles summarized through the pipeline as offline" \
    "($([ "${PRECIS_RELAY:-yes}" = yes ] && echo "through the relay" || echo "through ingest"))"
