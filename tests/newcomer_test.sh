#!/usr/bin/env bash
# What a newcomer meets first (issue 13): every program answers --version;
# keygen does not overwrite a key pair without --force; the clients take
# their endpoints from PRECIS_INGEST / PRECIS_OUTPUT / PRECIS_REPLAY (as
# exported by run/env) and a flag wins over them; precis stats finds the
# run directory from PRECIS_RUN_DIR, names each instance, has --json, and
# says when --run-dir does not exist.
#   tests/newcomer_test.sh BIN_DIR
set -uo pipefail
bin=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# --version everywhere, exit 0, the version on stdout.
for program in precis-ingest precis-normalize precis-summarize precis-sink; do
    out=$("$bin/$program" --version) || fail "$program --version exit $?"
    [[ "$out" =~ ^$program\ [0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "$program --version said '$out'"
done
for command in push sub stats ping keygen summarize split; do
    out=$("$bin/precis" "$command" --version) || fail "precis $command --version exit $?"
    [[ "$out" =~ ^precis\ $command\ [0-9]+\.[0-9]+\.[0-9]+$ ]] ||
        fail "precis $command --version said '$out'"
done

# keygen: a second run refuses and keeps the pair; --force replaces it.
"$bin/precis" keygen desk "$work" >/dev/null || fail "keygen exit $?"
first=$(grep public-key "$work/desk.cert")
status=0
"$bin/precis" keygen desk "$work" >/dev/null 2>"$work/err" || status=$?
[ "$status" -eq 1 ] || fail "keygen over an existing pair: exit $status, expected 1"
grep -q -- "--force" "$work/err" || fail "keygen refusal does not name --force: $(cat "$work/err")"
[ "$(grep public-key "$work/desk.cert")" = "$first" ] || fail "keygen replaced the pair without --force"
"$bin/precis" keygen --force desk "$work" >/dev/null || fail "keygen --force exit $?"
[ "$(grep public-key "$work/desk.cert")" != "$first" ] || fail "keygen --force kept the old pair"
[ "$(stat -c %a "$work/desk.cert_secret")" = 600 ] || fail "secret file not 0600"

# Option values: one error style (program, option, value, what is allowed),
# exit 2; sizes take suffixes; an endpoint without a scheme is a usage error.
status=0
"$bin/precis" push --ingest localhost:5555 /dev/null >/dev/null 2>"$work/err" || status=$?
[ "$status" -eq 2 ] && grep -q "^precis push: --ingest 'localhost:5555': expected an endpoint" "$work/err" ||
    fail "push --ingest localhost:5555: exit $status, $(cat "$work/err")"
"$bin/precis-ingest" --max-text 1Mi --max-bytes 4M --help >/dev/null || fail "--max-text 1Mi refused"
status=0
"$bin/precis-ingest" --max-text 3G >/dev/null 2>"$work/err" || status=$?
[ "$status" -eq 2 ] && grep -q "from 1 to 2Gi" "$work/err" || fail "--max-text 3G: exit $status, $(cat "$work/err")"
# A misspelled key in a configuration file is an error with its line.
printf 'precis\n    retry-ms = 1000\n    retyr-ms = 5\n' >"$work/bad.cfg"
status=0
"$bin/precis-ingest" --config "$work/bad.cfg" >/dev/null 2>"$work/err" || status=$?
[ "$status" -eq 2 ] && grep -q "line 3: unknown key 'retyr-ms'" "$work/err" ||
    fail "unknown configuration key: exit $status, $(cat "$work/err")"
# Help texts say what the option means for that program.
# (Each help is read whole first: grep -q on a pipe would stop reading early.)
"$bin/precis" push --help >"$work/push.help"
"$bin/precis-ingest" --help >"$work/ingest.help"
grep -q -- "--curve-allow" "$work/push.help" && fail "push --help shows the server-only --curve-allow"
grep -q -- "--curve-allow" "$work/ingest.help" || fail "ingest --help lacks --curve-allow"
grep -- "--timeout" "$work/push.help" | grep -q "does not answer" ||
    fail "push --help: --timeout not explained as push uses it"
grep -q -- "--count" "$work/push.help" && fail "push --help shows sub's --count"

# Offline summarize: --version, --lang checked against the languages
# precis has, --max-sentences with the count and the limit in the message.
out=$("$bin/precis" summarize --version) && [[ "$out" =~ ^precis\ summarize\ [0-9] ]] ||
    fail "precis summarize --version said '$out'"
status=0
"$bin/precis" summarize --lang xx </dev/null >/dev/null 2>"$work/err" || status=$?
[ "$status" -eq 2 ] && grep -q "expected und or a code.* en .* fr " "$work/err" ||
    fail "summarize --lang xx: exit $status, $(cat "$work/err")"
python3 -c "print(' '.join('Sentence %d of the long report is here.' % i for i in range(30)))" \
    >"$work/long.txt"
status=0
"$bin/precis" summarize --max-sentences 10 "$work/long.txt" >/dev/null 2>"$work/err" || status=$?
[ "$status" -eq 1 ] && grep -q "too many sentences: 30, above the limit of 10" "$work/err" ||
    fail "summarize --max-sentences 10: exit $status, $(cat "$work/err")"
"$bin/precis" summarize --max-sentences 40 "$work/long.txt" >/dev/null || fail "--max-sentences 40 refused 30"

# ping and stats check their endpoint arguments as the options are checked.
status=0
"$bin/precis" ping localhost:5555 >/dev/null 2>"$work/err" || status=$?
[ "$status" -eq 2 ] && grep -q "expected an endpoint" "$work/err" ||
    fail "ping localhost:5555: exit $status, $(cat "$work/err")"

# stats on a run directory that does not exist: exit 2 and the reason.
status=0
"$bin/precis" stats --run-dir "$work/nope" >/dev/null 2>"$work/err" || status=$?
[ "$status" -eq 2 ] && grep -q "does not exist" "$work/err" ||
    fail "stats --run-dir missing: exit $status, $(cat "$work/err")"

# stats and ping on a run directory with no pipeline running: exit 1 and
# one line saying nothing answered, not the usage text (issue 13).
mkdir -p "$work/stopped"
for command in stats ping; do
    status=0
    "$bin/precis" "$command" --run-dir "$work/stopped" >/dev/null 2>"$work/err" || status=$?
    [ "$status" -eq 1 ] && grep -q "nothing answered: no NAME.ctl socket in $work/stopped" "$work/err" &&
        [ "$(wc -l <"$work/err")" -eq 1 ] ||
        fail "$command with nothing running: exit $status, $(cat "$work/err")"
done

# Nothing there (a port nobody listens on): push and sub say so within a
# few seconds, then exit with their documented codes under --timeout.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
printf '{"id":"lonely","text":"Nobody hears this. Nobody answers."}\n' >"$work/lonely.jsonl"
status=0
"$bin/precis" push --ingest "tcp://127.0.0.1:$port" --timeout 5 "$work/lonely.jsonl" \
    >/dev/null 2>"$work/err" || status=$?
[ "$status" -eq 3 ] && grep -q "no answer from ingest at tcp://127.0.0.1:$port in 3 s; is the pipeline running" "$work/err" ||
    fail "push to nothing: exit $status, $(cat "$work/err")"
status=0
env -u PRECIS_REPLAY "$bin/precis" sub --output "tcp://127.0.0.1:$port" --timeout 3 \
    >/dev/null 2>"$work/err" || status=$?
[ "$status" -eq 1 ] && grep -q "is the pipeline running" "$work/err" &&
    grep -q "nothing from tcp://127.0.0.1:$port in 3 s" "$work/err" ||
    fail "sub to nothing: exit $status, $(cat "$work/err")"
# An empty PRECIS_REPLAY (run/env of `deploy/pipeline up --no-replay`): there
# is no replay socket. The start options say so at once (exit 3), and a
# live sub does not ask the output's port + 2 for one.
status=0
PRECIS_REPLAY= PRECIS_OUTPUT="tcp://127.0.0.1:$port" "$bin/precis" sub --print-next \
    >/dev/null 2>"$work/err" || status=$?
[ "$status" -eq 3 ] && grep -q "runs without a replay socket" "$work/err" ||
    fail "sub --print-next with PRECIS_REPLAY empty: exit $status, $(cat "$work/err")"
status=0
PRECIS_REPLAY= "$bin/precis" sub --output "tcp://127.0.0.1:$port" --since 5 \
    >/dev/null 2>"$work/err" || status=$?
[ "$status" -eq 3 ] && grep -q "runs without a replay socket" "$work/err" ||
    fail "sub --since with PRECIS_REPLAY empty: exit $status, $(cat "$work/err")"
status=0
PRECIS_REPLAY= "$bin/precis" sub --output "tcp://127.0.0.1:$port" --timeout 1 \
    >/dev/null 2>"$work/err" || status=$?
[ "$status" -eq 1 ] && ! grep -q "replay socket" "$work/err" ||
    fail "live sub with PRECIS_REPLAY empty: exit $status, $(cat "$work/err")"

# systemd Type=notify: a daemon says READY=1 (with its pid) on
# $NOTIFY_SOCKET once its sockets are set up.
/usr/bin/python3 - "$bin/precis-normalize" "$work" <<'PY' || fail "precis-normalize did not notify READY=1"
import os, socket, subprocess, sys
program, work = sys.argv[1], sys.argv[2]
path = os.path.join(work, "notify")
listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
listener.bind(path)
listener.settimeout(10)
env = dict(os.environ, NOTIFY_SOCKET=path)
daemon = subprocess.Popen([program, "--normalize-endpoint", "ipc://%s/n" % work,
                           "--normalized-endpoint", "ipc://%s/nd" % work],
                          env=env, stderr=subprocess.DEVNULL)
try:
    message = listener.recv(256).decode()
    fields = dict(line.split("=", 1) for line in message.splitlines())
    assert fields.get("READY") == "1", message
    assert fields.get("MAINPID") == str(daemon.pid), message
finally:
    daemon.terminate()
    daemon.wait(10)
PY

# Against a live pipeline: the endpoints come from the environment.
"$here/with_pipeline.sh" "$bin" -- bash -c '
set -uo pipefail
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
precis=$PRECIS_BIN/precis
out=$(mktemp -d)
printf "%s\n" "{\"id\":\"env-1\",\"text\":\"The night ferry returns on Friday. Tickets are on sale at the pier.\"}" >"$out/a.jsonl"
# No endpoint flags: sub and push use PRECIS_OUTPUT and PRECIS_INGEST.
"$precis" sub --json --count 1 --timeout 20 >"$out/sub.jsonl" &
sub=$!
# PRECIS_REPLAY empty (a pipeline without replay): live results still come.
PRECIS_REPLAY= "$precis" sub --json --count 1 --timeout 20 >"$out/live.jsonl" 2>"$out/live.err" &
live=$!
sleep 0.5
"$precis" push "$out/a.jsonl" >/dev/null 2>"$out/push.err" || fail "push without --ingest: $(cat "$out/push.err")"
wait "$sub" || fail "sub without --output got nothing"
# A live subscriber without replay misses what was published before its
# subscription reached the sink (slow on a loaded machine): more articles
# follow until it has one.
for i in $(seq 30); do
    kill -0 "$live" 2>/dev/null || break
    printf "%s\n" "{\"id\":\"env-live-$i\",\"text\":\"The night ferry returns on Friday. Tickets for trip $i are on sale.\"}" >"$out/live-$i.jsonl"
    "$precis" push "$out/live-$i.jsonl" >/dev/null 2>&1
    sleep 0.5
done
wait "$live" || fail "sub with PRECIS_REPLAY empty got nothing: $(cat "$out/live.err")"
grep -q "\"id\":\"env-" "$out/live.jsonl" || fail "nothing received live without replay"
grep -q "\"id\":\"env-1\"" "$out/sub.jsonl" || fail "env-1 not received"
# One result schema: offline --jsonl writes the keys the pipeline publishes,
# less what only the pipeline has (seq, log_id, timings).
"$precis" summarize --jsonl "$out/a.jsonl" >"$out/offline.jsonl" || fail "offline summarize"
/usr/bin/python3 - "$out/sub.jsonl" "$out/offline.jsonl" <<PY || fail "offline and wire results differ in form"
import json, sys
wire = json.loads(open(sys.argv[1]).readline())
offline = json.loads(open(sys.argv[2]).readline())
only_pipeline = {"seq", "log_id", "timings", "topic", "story", "similarity", "exact", "key"}
assert set(wire) - only_pipeline == set(offline) - {"story", "similarity", "exact", "key"}, (sorted(wire), sorted(offline))
# sub --json keeps every field of the published map, the delivery key too.
assert isinstance(wire.get("key"), str) and wire["key"], sorted(wire)
assert wire["summary"] == offline["summary"] and wire["sentences"] == offline["sentences"], (wire, offline)
assert wire["id"] == offline["id"] == "env-1"
PY
# An article on stdin: ingest gives it a 32-character hex id, --id names it.
printf "Stdin news\n\nThe pier reopens on Monday. Boats leave hourly.\n" |
    "$precis" push >"$out/stdin.txt" 2>/dev/null || fail "push from stdin"
grep -qE "^accepted	[0-9a-f]{32}$" "$out/stdin.txt" || fail "stdin article id: $(cat "$out/stdin.txt")"
printf "Stdin news\n\nThe pier reopens on Tuesday. Boats leave hourly.\n" |
    "$precis" push --id pier-1 - >"$out/stdin.txt" 2>/dev/null || fail "push --id from stdin"
grep -qx "accepted	pier-1" "$out/stdin.txt" || fail "push --id pier-1: $(cat "$out/stdin.txt")"
# ... and the same values: a feed item with a link and a date, pushed and
# summarized offline, gives the same line but for what only the pipeline
# has; scores to the last digit (the wire writes 17).
cat >"$out/harbour.rss" <<RSS
<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Harbour desk</title>
<item><guid>harbour-night-ferry</guid><title>Night ferry &amp; the pier</title>
<link>https://harbour.example/news/night-ferry</link><pubDate>Tue, 01 Dec 2026 06:10:00 GMT</pubDate>
<description>The night ferry returns to the old pier on Friday after two years away. Tickets are on sale at the harbour office from Monday. The operator said demand from shift workers had grown every month. A single trip will cost four euros.</description></item>
</channel></rss>
RSS
"$precis" sub --json --count 1 --timeout 20 >"$out/sub-feed.jsonl" &
sub=$!
sleep 0.5
"$precis" push "$out/harbour.rss" >/dev/null 2>"$out/push.err" || fail "push of a feed: $(cat "$out/push.err")"
wait "$sub" || fail "sub got no result for the feed item"
"$precis" summarize --jsonl "$out/harbour.rss" >"$out/offline-feed.jsonl" || fail "offline summarize of a feed"
/usr/bin/python3 - "$out/sub-feed.jsonl" "$out/offline-feed.jsonl" <<PY || fail "offline and wire values differ for a feed item"
import json, sys
wire = json.loads(open(sys.argv[1]).readline())
offline = json.loads(open(sys.argv[2]).readline())
only_pipeline = {"key", "seq", "log_id", "timings", "topic", "story", "similarity", "exact"}
assert wire["url"] == "https://harbour.example/news/night-ferry", wire
assert wire["published"] == "Tue, 01 Dec 2026 06:10:00 GMT", wire
for key in set(wire) - only_pipeline:
    assert offline.get(key) == wire[key], (key, offline.get(key), wire[key])
assert set(offline) == set(wire) - only_pipeline, (sorted(wire), sorted(offline))
# The scores as text too: what a consumer diffing the two lines sees.
scored = [line.split(chr(34) + "sentences" + chr(34) + ":[")[1].split("]")[0]
          for line in (open(sys.argv[1]).readline(), open(sys.argv[2]).readline())]
assert scored[0] == scored[1], scored
PY
# The same id again is answered accepted, marked duplicate, published once.
"$precis" push "$out/a.jsonl" >"$out/again.txt" 2>/dev/null || fail "push again"
grep -qx "accepted	env-1	duplicate" "$out/again.txt" || fail "second push not marked duplicate: $(cat "$out/again.txt")"
# The same id with another text is another article, not a retry: rejected
# with the reason (exit 1), never silently dropped as a duplicate.
printf "%s\n" "{\"id\":\"env-1\",\"text\":\"The night ferry is cancelled on Friday. Refunds are paid at the pier.\"}" >"$out/b.jsonl"
status=0
"$precis" push "$out/b.jsonl" >"$out/reused.txt" 2>/dev/null || status=$?
[ "$status" -eq 1 ] && grep -q "^rejected	env-1	id env-1 was used for a different article within the dedup window ([0-9]* s); send it with a new id$" "$out/reused.txt" ||
    fail "a reused id with another text: exit $status, $(cat "$out/reused.txt")"
# Two pages named index.html in two folders, and a.txt beside a.html: four
# ids (the path under the folder pushed), four results.
mkdir -p "$out/tree/d1" "$out/tree/d2"
printf "%s\n" "<title>Tide tables</title><p>High tide is at noon on Friday. Low tide is at six.</p>" >"$out/tree/d1/index.html"
printf "%s\n" "<title>Fish market</title><p>Cod is cheap at the market today. Crab is dear.</p>" >"$out/tree/d2/index.html"
printf "%s\n" "The pier is closed for repairs. It opens again in May." >"$out/tree/a.txt"
printf "%s\n" "<p>The pier cafe is open all winter. It serves soup at noon.</p>" >"$out/tree/a.html"
"$precis" sub --json --count 4 --timeout 20 >"$out/tree.jsonl" &
sub=$!
sleep 0.5
"$precis" push "$out/tree" >"$out/tree.txt" 2>/dev/null || fail "push tree: $(cat "$out/tree.txt")"
for id in a.html a.txt d1/index.html d2/index.html; do
    grep -qx "accepted	$id" "$out/tree.txt" || fail "push tree: $id not accepted: $(cat "$out/tree.txt")"
done
wait "$sub" || fail "sub did not get 4 results for the tree"
for id in a.html a.txt d1/index.html d2/index.html; do
    grep -q "\"id\":\"$id\"" "$out/tree.jsonl" || fail "no result for $id"
done
# --since beyond the output is exit 4, also with --exit-at-end.
status=0
"$precis" sub --since 999999 --exit-at-end >/dev/null 2>"$out/err" || status=$?
[ "$status" -eq 4 ] && grep -q "beyond the sink" "$out/err" ||
    fail "sub --since 999999 --exit-at-end: exit $status, $(cat "$out/err")"
# A flag wins over the environment: a wrong port in the flag gets no answer.
status=0
"$precis" push --ingest tcp://127.0.0.1:9 --timeout 2 "$out/a.jsonl" >/dev/null 2>&1 || status=$?
[ "$status" -ne 0 ] || fail "push --ingest did not win over PRECIS_INGEST"
# On a terminal push shows how far it is: share of the input, rate, ETA.
python3 -c "
import json
for i in range(300):
    print(json.dumps({\"id\": \"tty-%d\" % i, \"text\": \"The tide table for day %d is out. High water is at noon.\" % i}))
" >"$out/many.jsonl"
script -qfec "$precis push $out/many.jsonl" /dev/null >"$out/tty.txt" 2>&1 || fail "push on a terminal"
# grep -q on a here-string, not piped: under pipefail a writer cut off by
# the early exit of grep -q (SIGPIPE) would fail the check though it matched.
grep -q "pushing: 100% of 0.0 MB, ETA 0:00, 300 accepted" <<<"$(tr "\r" "\n" <"$out/tty.txt")" ||
    grep -qE "pushing: +[0-9]+% of [0-9.]+ MB, ETA [0-9]+:[0-9]{2}, [0-9]+ accepted \([0-9]+/s\)" <<<"$(tr "\r" "\n" <"$out/tty.txt")" ||
    fail "no progress with share, rate and ETA: $(tr "\r" "\n" <"$out/tty.txt" | tail -3)"
# stats: PRECIS_RUN_DIR, one row per instance, and --json.
(cd "$out" && "$precis" stats) >"$out/stats.txt" || fail "stats exit $?"
for instance in ingest sink normalize-1 summarize-1; do
    grep -q "^$instance " "$out/stats.txt" || fail "stats has no row for $instance: $(cat "$out/stats.txt")"
done
"$precis" stats --json >"$out/stats.jsonl" || fail "stats --json exit $?"
python3 - "$out/stats.jsonl" <<PY || fail "stats --json is not one object a line with the fields"
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
names = {r["instance"] for r in rows}
assert {"ingest", "sink"} <= names, names
for r in rows:
    assert isinstance(r["pid"], int) and r["pid"] > 0, r
    assert isinstance(r["counters"], dict) and isinstance(r["latency_us"], dict), r
sink = [r for r in rows if r["instance"] == "sink"][0]
assert sink["counters"].get("published", 0) >= 1, sink
PY
rm -rf "$out"
exit $((failures > 0))
' || fail "the live pipeline checks failed"

[ "$failures" -eq 0 ] && echo "ok: --version, keygen --force, endpoints from the environment, stats"
exit $((failures > 0))
