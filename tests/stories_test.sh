#!/usr/bin/env bash
# Run by tests/with_pipeline.sh (two summarize workers): an article, an exact
# copy of it (white space changed) and an edited copy (a new dateline, curly
# quotes, the last paragraph cut) go through a live pipeline one after the
# other. The first starts its story under summary.en; the exact copy is
# published under duplicate.en with story and duplicate_of the first's id,
# exact true, similarity 1 and the first's summary; the edited copy under
# duplicate.en with exact false and a similarity between 0.5 and 1. A
# subscriber to "duplicate" gets the two copies only, `precis sub --unique`
# the first and an unrelated article only, and the sink counts two new
# stories, one exact and one near repeat. All texts are written here.
set -euo pipefail
precis="$PRECIS_BIN/precis"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

python3 - "$work" <<'PY'
import json, sys
paragraphs = [
    "The regional water board said on Wednesday that the reservoir above Ashdale "
    "is at its lowest level for thirty years after the driest summer on record.",
    "Engineers will start pumping water from the river into the reservoir next "
    "week, and a hosepipe ban for the whole valley comes into force on Friday.",
    "\"We are asking everyone to use water wisely until the autumn rains come,\" "
    "said the board's chief engineer, who added that supplies to homes were safe.",
    "Farmers in the valley said the dry weather had already cut their hay harvest "
    "by a third and that many were buying feed for the winter months.",
    "The board will publish its next report on the reservoir at the end of the "
    "month, when it will decide whether the ban can be lifted.",
]
text = "\n\n".join(paragraphs)
copy = "  " + text.replace(". ", ".  ").replace("\n\n", "\n\n\n") + "\n"
edited = "ASHDALE (Valley News) - " + "\n\n".join(paragraphs[:-1]).replace(
    "\"We are", "\u201cWe are").replace("come,\"", "come,\u201d")
other = ("The town's oldest bakery closed its doors on Saturday after ninety years. "
         "Queues formed before dawn for a last loaf, and the owners thanked the "
         "customers who had come to them for three generations.")
for name, title, body in (("other", "Bakery closes after ninety years", other),
                          ("orig", "Reservoir at 30-year low", text),
                          ("copy", "Reservoir at 30-year low", copy),
                          ("edit", "Hosepipe ban as reservoir runs low", edited)):
    with open("%s/%s.jsonl" % (sys.argv[1], name), "w") as f:
        f.write(json.dumps({"id": name, "title": title, "text": body}) + "\n")
PY

"$precis" sub --output "$PRECIS_OUTPUT" --json --count 4 --timeout 30 >"$work/all.jsonl" &
all_pid=$!
"$precis" sub --output "$PRECIS_OUTPUT" --json --topic duplicate --count 2 --timeout 30 \
    >"$work/duplicates.jsonl" &
dup_pid=$!
"$precis" sub --output "$PRECIS_OUTPUT" --json --unique --count 2 --timeout 30 \
    >"$work/unique.jsonl" &
unique_pid=$!
sleep 0.5 # the subscriptions must reach the publisher before the first result

# One at a time: each result is published before the next article is pushed,
# so the first article is first at the sink whichever worker takes which.
wait_lines() {
    for _ in $(seq 200); do
        [ "$(wc -l <"$work/all.jsonl")" -ge "$1" ] && return 0
        sleep 0.1
    done
    fail "no result $1 ($(cat "$work/all.jsonl"))"
}
n=0
for name in orig copy edit other; do
    "$precis" push --ingest "$PRECIS_INGEST" --sentences 2 "$work/$name.jsonl" >/dev/null ||
        fail "push $name"
    n=$((n + 1))
    wait_lines $n
done
wait "$all_pid" || fail "precis sub exited $? before 4 results"
wait "$unique_pid" || fail "precis sub --unique exited $? before 2 results"
[ "$(python3 -c 'import json,sys; print(" ".join(json.loads(l)["id"] for l in open(sys.argv[1])))' "$work/unique.jsonl")" = "orig other" ] ||
    fail "precis sub --unique printed: $(cat "$work/unique.jsonl")"
wait "$dup_pid" || fail "precis sub --topic duplicate exited $? before 2 results"

python3 - "$work/all.jsonl" "$work/duplicates.jsonl" <<'PY' || fail "story fields"
import json, sys
results = {}
for line in open(sys.argv[1]):
    result = json.loads(line)
    results[result["id"]] = result
orig, copy, edit = results["orig"], results["copy"], results["edit"]
assert orig["story"] == "orig" and "duplicate_of" not in orig, orig
assert orig["exact"] is False and orig["similarity"] == 0, orig
assert copy["story"] == "orig" and copy["duplicate_of"] == "orig", copy
assert copy["exact"] is True and copy["similarity"] == 1, copy
assert copy["summary"] == orig["summary"] and copy["keywords"] == orig["keywords"], copy
assert edit["story"] == "orig" and edit["duplicate_of"] == "orig", edit
assert edit["exact"] is False and 0.5 <= edit["similarity"] < 1, edit
for result in results.values():
    for internal in ("text_hash", "minhash", "shingles"):
        assert internal not in result, (internal, result)
duplicates = sorted(json.loads(line)["id"] for line in open(sys.argv[2]))
assert duplicates == ["copy", "edit"], duplicates
print("ok: story, duplicate_of, exact, similarity; copies under duplicate.")
PY
sleep 0.3
"$precis" stats --run-dir "$PRECIS_RUN_DIR" >"$work/stats.txt" || fail "stats exited $?"
grep -q "^sink .* stories=2 exact_repeats=1 near_repeats=1 stories_index=4" "$work/stats.txt" ||
    fail "sink story counters: $(grep '^sink' "$work/stats.txt")"
echo "ok: an article, an exact copy and an edited copy through the pipeline"
