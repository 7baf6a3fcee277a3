#!/usr/bin/env bash
# Test of pipeline_bench's gap-free subscriber (bench.pipeline_gap_free):
# with every 5th live result thrown away, as the sink's PUB high-water mark
# would drop it, --replay fetches them from the sink's output log:
# dropped_at_pub covers them, lost and duplicated stay 0, every accepted
# article is received. Without --replay they count as lost. Runs inside
# tests/with_pipeline.sh (PRECIS_INGEST, PRECIS_OUTPUT, PRECIS_REPLAY).
#
#   tests/with_pipeline.sh BIN -- bench/gap_free_test.sh PIPELINE_BENCH SAMPLES
set -euo pipefail
bench=$1 samples=$2
fail() { echo "FAIL: gap_free_test: $*" >&2; exit 1; }
out=$(mktemp "${TMPDIR:-/tmp}/precis-gap-free.XXXXXX")
trap 'rm -f "$out" "$out.timings"' EXIT
kv() { sed -n "s/^$1=//p" "$out"; }

PIPELINE_BENCH_DROP_EVERY=5 "$bench" run --ingest "$PRECIS_INGEST" --output "$PRECIS_OUTPUT" \
    --replay "$PRECIS_REPLAY" --duration 1 --rate 200 --samples "$samples" --tag gapfree \
    --timings "$out.timings" >"$out" || fail "pipeline_bench exited $?"
[ "$(kv gap_free)" = yes ] || fail "not gap-free: $(cat "$out")"
[ "$(kv thrown_away)" -gt 0 ] || fail "nothing was thrown away: $(cat "$out")"
[ "$(kv dropped_at_pub)" -ge "$(kv thrown_away)" ] \
    || fail "dropped_at_pub $(kv dropped_at_pub) < $(kv thrown_away) thrown away"
[ "$(kv lost)" = 0 ] || fail "lost $(kv lost) with replay"
[ "$(kv duplicated)" = 0 ] || fail "duplicated $(kv duplicated)"
[ "$(kv log_gaps)" = 0 ] || fail "log_gaps $(kv log_gaps)"
if [ "$(kv accepted)" -eq 0 ] || [ "$(kv received)" != "$(kv accepted)" ]; then
    fail "received $(kv received) of $(kv accepted) accepted"
fi
[ "$(( $(kv received_live) + $(kv dropped_at_pub) ))" = "$(kv received)" ] \
    || fail "received_live + dropped_at_pub != received: $(cat "$out")"

# Where the latency went (from each result's timings): four numbers whose
# means add up to the mean push-to-publish latency, so within 0 and max_ms;
# the stages' own work is more than nothing.
parts=$(for p in to_ingest ingest_to_publish_wait stage_work to_subscriber; do kv "split_mean_${p}_ms"; done)
[ "$(echo "$parts" | grep -cE '^-?[0-9]+\.[0-9]+$')" = 4 ] || fail "latency split not numbers: $parts"
awk -v work="$(kv split_mean_stage_work_ms)" 'BEGIN { exit !(work > 0) }' \
    || fail "stage work $(kv split_mean_stage_work_ms) ms"
echo "$parts" | awk -v max="$(kv max_ms)" '{ sum += $1 } END { exit !(sum > 0 && sum <= max + 0.01) }' \
    || fail "latency split adds up to more than max_ms $(kv max_ms): $parts"

# --timings: a header and a line for every result received live, its times
# in the order of the legs (sent, accepted, published, received: one clock,
# within 1 ms of rounding), no stamps from normalize and summarize in this
# build ("-"), and their work in us.
why=$(awk -v live="$(kv received_live)" '
    NR == 1 { if ($1 != "index" || NF != 9) bad = "header: " $0; next }
    NF != 9 || $4 != "-" || $5 != "-" || $8 !~ /^[0-9]+$/ || $9 !~ /^[0-9]+$/ {
        bad = "line " NR ": " $0; next }
    $3 < $2 - 1 || $6 < $3 - 1 || $7 < $6 - 1 { bad = "times out of order, line " NR ": " $0 }
    END { if (bad == "" && NR - 1 != live) bad = NR - 1 " lines for " live " received live"
          print bad }' "$out.timings")
[ -z "$why" ] || fail "--timings file: $why"

# The same without --replay: what the SUB did not get is lost.
PIPELINE_BENCH_DROP_EVERY=5 "$bench" run --ingest "$PRECIS_INGEST" --output "$PRECIS_OUTPUT" \
    --duration 1 --rate 200 --samples "$samples" --tag plain >"$out" \
    || fail "pipeline_bench (no replay) exited $?"
[ "$(kv gap_free)" = no ] || fail "gap_free without --replay: $(cat "$out")"
grep -q '^dropped_at_pub=' "$out" && fail "dropped_at_pub printed without --replay"
if [ "$(kv thrown_away)" -eq 0 ] || [ "$(kv lost)" -lt "$(kv thrown_away)" ]; then
    fail "without --replay, lost $(kv lost) is below the $(kv thrown_away) thrown away"
fi
echo "ok: pipeline_bench --replay recovers thrown-away results (none lost or duplicated)"
