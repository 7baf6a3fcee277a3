#!/usr/bin/env bash
# A pipeline started with `deploy/pipeline up --no-replay`, used as a
# newcomer does after `. run/env` (issue 13): run/env has PRECIS_REPLAY=
# empty, `precis sub --print-next` says at once that the pipeline runs
# without a replay socket (exit 3) instead of asking port + 2 and "is the
# pipeline running?", and a plain `precis sub` gets the pushed article live.
#   tests/no_replay_test.sh BUILD_DIR
set -uo pipefail
test_name=no_replay_test
# shellcheck source=tests/deploy_test_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/deploy_test_lib.sh"
pipeline_up --no-replay --normalize 1 --summarize 1
# From here on a failed check is counted, and the others still run.
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
grep -qx "PRECIS_REPLAY=''" "$run_dir/env" || fail "run/env: $(grep PRECIS_REPLAY= "$run_dir/env")"
grep -q -- "--print-next" "$work/up.txt" && fail "up --no-replay suggests --print-next: $(cat "$work/up.txt")"

status=0
(. "$run_dir/env" && "$build/bin/precis" sub --print-next) >"$work/out" 2>"$work/err" || status=$?
[ "$status" -eq 3 ] && grep -q "runs without a replay socket" "$work/err" &&
    ! grep -q "is the pipeline running" "$work/err" ||
    fail "sub --print-next without replay: exit $status, $(cat "$work/err")"

(. "$run_dir/env" && exec "$build/bin/precis" sub --json --count 1 --timeout 20) \
    >"$work/sub.jsonl" 2>"$work/sub.err" &
sub=$!
sleep 0.5 # the subscription must reach the publisher before the result
printf '{"id":"nr-1","text":"The lock gates were replaced. Barges pass again."}\n' >"$work/a.jsonl"
(. "$run_dir/env" && "$build/bin/precis" push "$work/a.jsonl") >/dev/null 2>&1 || fail "push"
wait "$sub" || fail "live sub without replay: exit $?, $(cat "$work/sub.err")"
grep -q '"id":"nr-1"' "$work/sub.jsonl" || fail "nr-1 not received live"
grep -q "replay socket" "$work/sub.err" && fail "live sub spoke of a replay socket: $(cat "$work/sub.err")"

[ "$failures" -eq 0 ] && echo "ok: up --no-replay: sub --print-next says so at once, live sub works"
exit $((failures > 0))
