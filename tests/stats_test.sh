#!/usr/bin/env bash
# Run by tests/with_pipeline.sh: every stage answers `precis ping`, `precis
# stats` shows the live counters after some articles went through, and
# ingest's Prometheus endpoint serves the same figures.
set -euo pipefail
precis="$PRECIS_BIN/precis"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
count=20

"$precis" ping --run-dir "$PRECIS_RUN_DIR" >"$work/ping.txt" || fail "ping: $(cat "$work/ping.txt")"
# ingest, sink, a normalize and two summarize workers, and the relay unless
# tests/with_pipeline.sh --no-relay.
stages=5
[ "${PRECIS_RELAY:-yes}" = no ] || stages=6
[ "$(grep -c ': alive$' "$work/ping.txt")" -eq "$stages" ] ||
    fail "not $stages stages alive: $(cat "$work/ping.txt")"

python3 -c 'import json
for i in range(20):
    print(json.dumps({"id": "st-%d" % i, "text": "The bakery on Mill Street won the regional bread prize. Judges praised its rye loaf. The owners said they would hire two more bakers."}))' >"$work/articles.jsonl"
"$precis" sub --output "$PRECIS_OUTPUT" --count "$count" --timeout 20 >/dev/null &
sub_pid=$!
sleep 0.5
"$precis" push --ingest "$PRECIS_INGEST" "$work/articles.jsonl" >/dev/null || fail "push"
wait "$sub_pid" || fail "results missing"
sleep 0.3 # acknowledgements reach ingest

"$precis" stats --run-dir "$PRECIS_RUN_DIR" >"$work/stats.txt" || fail "stats exited $?"
cat "$work/stats.txt"
grep -q "^ingest .* accepted=$count .*delivered=$count" "$work/stats.txt" || fail "ingest counters"
# Ingest runs with its journal: the answers waited for its syncs, none failed.
grep -q "^ingest .* journal_syncs=[1-9][0-9]* journal_failed=0 " "$work/stats.txt" \
    || fail "journal counters"
grep -q "^sink .* published=$count " "$work/stats.txt" || fail "sink counters"
[ "$(grep -c '^normalize-[0-9]* .* received=' "$work/stats.txt")" -eq 1 ] || fail "normalize stats"
[ "$(grep -c '^summarize-[0-9]* .* received=' "$work/stats.txt")" -eq 2 ] || fail "summarize stats"
summarized=$(awk '/^summarize/ { for (i = 1; i <= NF; i++) if ($i ~ /^sent=/) { sub(/sent=/, "", $i); n += $i } } END { print n + 0 }' "$work/stats.txt")
[ "$summarized" -eq "$count" ] || fail "summarize workers sent $summarized, not $count"

python3 - "$PRECIS_METRICS" "$count" <<'PY' || fail "Prometheus endpoint"
import sys, urllib.request
text = urllib.request.urlopen(sys.argv[1], timeout=5).read().decode()
assert 'precis_ingest_requests_total{status="accepted"} %s\n' % sys.argv[2] in text, text
assert "# TYPE precis_ingest_request_seconds histogram" in text
PY
# A stage that is gone does not answer.
status=0
"$precis" ping --timeout 0.5 "ipc://$PRECIS_RUN_DIR/nobody.ctl" >/dev/null || status=$?
[ "$status" -eq 1 ] || fail "ping of a missing stage exited $status"
echo "ok: ping, stats and metrics"
