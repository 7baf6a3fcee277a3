#!/usr/bin/env bash
# Prometheus metrics: deploy/pipeline up --metrics-port-base gives every
# process (the relay too, there by default) its own port on 127.0.0.1 and
# lists the URLs; each is scraped and
# read with Prometheus' own parser (Debian python3-prometheus-client), and
# the text follows the naming and type rules (counters end in _total, gauges
# are gauges, histograms have exact buckets, _sum and _count), with
# precis_build_info and process_* metrics; the figures match what was
# pushed. A metrics port already taken is refused with the reason.
#   tests/metrics_test.sh BUILD_DIR
set -uo pipefail
test_name=metrics_test
# shellcheck source=tests/deploy_test_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/deploy_test_lib.sh"
pipeline_up --metrics --normalize 1 --summarize 2
metrics=$metrics_base
# From here on a failed check is counted, and the others still run.
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
[ "$(wc -l <"$run_dir/metrics")" -eq 6 ] || fail "run/metrics: $(cat "$run_dir/metrics")"
grep -q "^PRECIS_METRICS_SUMMARIZE_2=http://127.0.0.1:$((metrics + 4))/metrics$" "$run_dir/env" ||
    fail "run/env has no PRECIS_METRICS_SUMMARIZE_2: $(grep METRICS "$run_dir/env")"
# ... exported like the endpoints: a child process of the shell sees them.
exported=$(. "$run_dir/env" && bash -c 'echo "$PRECIS_METRICS_INGEST $PRECIS_METRICS_SUMMARIZE_2"')
[ "$exported" = "http://127.0.0.1:$metrics/metrics http://127.0.0.1:$((metrics + 4))/metrics" ] ||
    fail "run/env does not export PRECIS_METRICS_*: a child saw '$exported'"
# Not --public: the metrics listen on loopback only.
ss -ltn 2>/dev/null | grep -q "127.0.0.1:$metrics " || fail "ingest metrics not on 127.0.0.1:$metrics"
! ss -ltn 2>/dev/null | grep -qE "(0\.0\.0\.0|\*):$metrics " || fail "metrics on every interface without --public"

count=7
for i in $(seq "$count"); do
    printf '{"id":"m-%d","text":"The library extends its opening hours from Monday. Readers asked for evening hours in a survey last spring. Staff numbers rise by four."}\n' "$i"
done >"$work/articles.jsonl"
(. "$run_dir/env" && "$build/bin/precis" sub --count "$count" --timeout 20 >/dev/null) &
sub=$!
sleep 0.5
(. "$run_dir/env" && "$build/bin/precis" push "$work/articles.jsonl" >/dev/null) || fail "push"
wait "$sub" || fail "not all results arrived"
sleep 0.5 # acknowledgements reach ingest

/usr/bin/python3 - "$run_dir/metrics" "$count" <<'PY' || fail "the metrics do not follow the rules (above)"
import re, sys, urllib.request
from prometheus_client.parser import text_string_to_metric_families

count = int(sys.argv[2])
problems = []
values = {}
for line in open(sys.argv[1]):
    instance, url = line.split()
    text = urllib.request.urlopen(url, timeout=5).read().decode()
    families = list(text_string_to_metric_families(text))  # raises on a bad text
    types = dict(re.findall(r"^# TYPE (\S+) (\S+)$", text, re.M))
    for name, kind in types.items():
        if kind == "counter" and not name.endswith("_total"):
            problems.append("%s: counter %s does not end in _total" % (instance, name))
        if kind != "counter" and name.endswith("_total"):
            problems.append("%s: %s ends in _total but is a %s" % (instance, name, kind))
    for needed in ("precis_build_info", "process_cpu_seconds_total",
                   "process_resident_memory_bytes", "process_start_time_seconds"):
        if needed not in types:
            problems.append("%s: no %s" % (instance, needed))
    histograms = [f for f in families if f.type == "histogram"]
    if len(histograms) != 1:
        problems.append("%s: %d histograms" % (instance, len(histograms)))
    for family in histograms:
        buckets = [s for s in family.samples if s.name.endswith("_bucket")]
        if not 10 <= len(buckets) <= 14:
            problems.append("%s: %d buckets" % (instance, len(buckets)))
        for s in buckets:
            if s.labels["le"] != "+Inf" and len(s.labels["le"]) > 7:
                problems.append("%s: inexact bucket label %s" % (instance, s.labels["le"]))
        if not any(s.name.endswith("_sum") for s in family.samples):
            problems.append("%s: %s has no _sum" % (instance, family.name))
    for family in families:
        for s in family.samples:
            values[(instance, s.name, tuple(sorted(s.labels.items())))] = s.value
    # Levels (set, not added to) are gauges.
    for level in ("precis_ingest_in_flight", "precis_ingest_dedup_ids",
                  "precis_sink_stories_index"):
        if instance in ("ingest", "sink") and level.split("_")[1] == instance and \
                types.get(level) != "gauge":
            problems.append("%s: %s is not a gauge (%s)" % (instance, level, types.get(level)))

def value(instance, name, **labels):
    return values.get((instance, name, tuple(sorted(labels.items()))))

for instance, name, labels in (
        ("ingest", "precis_ingest_requests_total", {"status": "accepted"}),
        ("sink", "precis_sink_published_total", {}),
        ("sink", "precis_sink_delivery_latency_seconds_count", {}),
        # The relay carried the normalized articles, ingest none (--no-forward).
        ("relay", "precis_relay_moved_total", {}),
        ("ingest", "precis_ingest_forwarded_total", {})):
    got = value(instance, name, **labels)
    if got != (0 if name == "precis_ingest_forwarded_total" else count):
        problems.append("%s %s%s is %s, not %d" % (instance, name, labels, got, count))
summarized = sum(v for (i, n, l), v in values.items()
                 if i.startswith("summarize-") and n == "precis_summarize_processing_seconds_count")
if summarized != count:
    problems.append("summarize workers timed %s articles, not %d" % (summarized, count))
for problem in problems:
    print(problem, file=sys.stderr)
sys.exit(1 if problems else 0)
PY

# A port that is taken: the process refuses to start and says why.
status=0
"$build/bin/precis-normalize" --metrics-port "$metrics" --normalize-endpoint "ipc://$work/n" \
    --normalized-endpoint "ipc://$work/nd" >"$work/taken.log" 2>&1 &
pid=$!
for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    fail "a second process on metrics port $metrics kept running"
else
    wait "$pid" || status=$?
    [ "$status" -ne 0 ] || fail "a taken metrics port: exit 0"
    grep -qi "address already in use" "$work/taken.log" ||
        fail "a taken metrics port: no reason given: $(cat "$work/taken.log")"
fi
[ "$failures" -eq 0 ] && echo "ok: metrics on every process, by Prometheus' rules"
exit $((failures > 0))
