#!/usr/bin/env bash
# Deploy test: deploy/pipeline up/status/down with a real pipeline on free
# ports in a private run dir, and one article pushed through it (received
# live, then replayed from the sink's output log).
#
#   tests/deploy_test.sh [BUILD_DIR]     (default: build, relative to the repo)
#
# BUILD_DIR must already be built (BUILD_DIR/bin); the script does not build,
# so that it can also run against the sanitizer build (build-asan).
# Exit code 0 on success; on failure, non-zero with the reason on stderr.
set -euo pipefail

test_name=deploy_test
# shellcheck source=tests/deploy_test_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/deploy_test_lib.sh"

# True when pid is a live precis program (not a zombie waiting to be reaped).
live_pid() { # pid
    local stat
    kill -0 "$1" 2>/dev/null || return 1
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    [ "${stat%% *}" != Z ] || return 1
    tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -q 'precis-'
}

sub_pid=""
pids_seen=()

# After the library's cleanup has stopped the pipeline: the subscriber,
# and whatever survived down, by the pids recorded (never by name).
after_down() {
    [ -z "$sub_pid" ] || kill "$sub_pid" 2>/dev/null || true
    local pid
    for pid in "${pids_seen[@]}"; do
        if live_pid "$pid"; then
            echo "deploy_test: killing leftover pid $pid" >&2
            kill -KILL "$pid" 2>/dev/null || true
        fi
    done
}

# Records the pids in the run dir so that cleanup can check them.
remember_pids() {
    local name pid
    [ -f "$run_dir/procs" ] || return 0
    while read -r name pid; do
        pids_seen+=("$pid")
    done <"$run_dir/procs"
}

# up, on free ports (the processes of a failed attempt remembered).
after_failed_up() { remember_pids; }
pipeline_up --normalize 1 --summarize 2 --jsonl "$work/results.jsonl"
remember_pids
grep -q "tcp://127.0.0.1:$base" "$work/up.txt" || fail "up did not print the ingest endpoint"
[ -f "$run_dir/env" ] || fail "up wrote no $run_dir/env"

# status: six live processes, the relay among them (the default).
"$pipeline" status --run-dir "$run_dir" >"$work/status.txt" 2>&1 \
    || fail "status exited $? after up: $(cat "$work/status.txt")"
live=$(grep -c ' alive ' "$work/status.txt" || true)
[ "$live" -eq 6 ] || fail "status lists $live live processes, expected 6"
for name in ingest sink normalize-1 summarize-1 summarize-2 relay; do
    grep -q "^$name .* alive  *answers PING$" "$work/status.txt" \
        || fail "status does not list $name as alive and answering: $(cat "$work/status.txt")"
done

# A second up in the same run dir is refused.
if "$pipeline" up --no-build --build-dir "$build" --port-base "$base" --run-dir "$run_dir" \
    >"$work/up2.txt" 2>&1; then
    fail "a second up in the same run dir was not refused"
fi
grep -q "already running" "$work/up2.txt" || fail "the second up did not say why it refused"

# One article through the pipeline, to a subscriber started before the push.
PRECIS_INGEST="" PRECIS_OUTPUT="" PRECIS_REPLAY=""
# shellcheck disable=SC1091
. "$run_dir/env"
[ "$PRECIS_INGEST" = "tcp://127.0.0.1:$base" ] || fail "env: PRECIS_INGEST is '$PRECIS_INGEST'"
[ "$PRECIS_OUTPUT" = "tcp://127.0.0.1:$((base + 5))" ] || fail "env: PRECIS_OUTPUT is '$PRECIS_OUTPUT'"
[ "$PRECIS_REPLAY" = "tcp://127.0.0.1:$((base + 7))" ] || fail "env: PRECIS_REPLAY is '$PRECIS_REPLAY'"
id="deploy-test-$$"
"$precis" sub --output "$PRECIS_OUTPUT" --json --count 1 --timeout 15 >"$work/sub.jsonl" \
    2>"$work/sub.txt" &
sub_pid=$!
sleep 0.5 # the subscription must reach the publisher before the result
printf '%s\n' "{\"id\": \"$id\", \"title\": \"Harbour bridge reopens\", \"text\": \"The harbour bridge reopened to traffic on Monday after two years of repairs. Engineers replaced the steel cables and the road deck. The city council said the work cost less than planned. Commuters had used ferries and a long detour while the bridge was closed. Cyclists get a separate lane on the new deck.\"}" \
    | "$precis" push --ingest "$PRECIS_INGEST" >"$work/push.txt" 2>&1 \
    || fail "precis push exited $?: $(cat "$work/push.txt")"
grep -q "^accepted	$id\$" "$work/push.txt" || fail "the article was not accepted: $(cat "$work/push.txt")"
sub_status=0
wait "$sub_pid" || sub_status=$?
sub_pid=""
[ "$sub_status" -eq 0 ] || fail "precis sub exited $sub_status (no result within 15 s?)"
python3 - "$work/sub.jsonl" "$id" <<'PY' || fail "the result is not the expected summary"
import json, sys
lines = [line for line in open(sys.argv[1]) if line.strip()]
assert len(lines) == 1, "expected one result, got %d" % len(lines)
result = json.loads(lines[0])
assert result.get("id") == sys.argv[2], "id %r, expected %r" % (result.get("id"), sys.argv[2])
assert result.get("type") == "summary", "type %r: %s" % (result.get("type"), lines[0])
assert result.get("topic", "").startswith("summary."), "topic %r" % result.get("topic")
summary = result.get("summary")
assert isinstance(summary, list) and summary and all(isinstance(s, str) and s for s in summary), \
    "summary %r" % summary
PY

# The sink's output log replays it.
"$precis" sub --replay "$PRECIS_REPLAY" --output "$PRECIS_OUTPUT" --since 1 --json --count 1 \
    --timeout 10 >"$work/replay.jsonl" 2>"$work/replay.txt" || fail "precis sub --since 1 exited $?"
grep -q "\"id\": *\"$id\"" "$work/replay.jsonl" || fail "the replay did not return the article"

# Users' articles and results are the owner's alone: run dir 0700, the
# journal, the output log and the JSON Lines file 0600 (docs/SECURITY.md).
mode_of() { stat -c %a "$1"; }
[ "$(mode_of "$run_dir")" = 700 ] || fail "the run dir has mode $(mode_of "$run_dir")"
data_files=("$run_dir"/output.records "$work/results.jsonl" "$run_dir"/journal/*)
[ "${#data_files[@]}" -ge 3 ] && [ -e "$run_dir/journal/${data_files[2]##*/}" ] \
    || fail "no journal file in $run_dir/journal"
for file in "${data_files[@]}"; do
    [ "$(mode_of "$file")" = 600 ] || fail "$file has mode $(mode_of "$file"), expected 600"
done

# down: every process gone, pid files removed, status now non-zero.
"$pipeline" down --run-dir "$run_dir" >"$work/down.txt" 2>&1 || fail "down exited $?"
if grep -q SIGKILL "$work/down.txt"; then
    fail "down had to SIGKILL: $(cat "$work/down.txt")"
fi
for pid in "${pids_seen[@]}"; do
    if live_pid "$pid"; then
        fail "pid $pid is still alive after down"
    fi
done
leftover=$(find "$run_dir" \( -name '*.pid' -o -name '*.ctl' \) | wc -l)
[ "$leftover" -eq 0 ] || fail "$leftover pid or control socket file(s) left after down"
if "$pipeline" status --run-dir "$run_dir" >"$work/status2.txt" 2>&1; then
    fail "status exited 0 after down"
fi
"$pipeline" down --run-dir "$run_dir" >/dev/null 2>&1 || fail "a second down did not exit 0"
no_sanitizer_reports

echo "ok: deploy/pipeline up, status, push/sub and down with $build/bin"
