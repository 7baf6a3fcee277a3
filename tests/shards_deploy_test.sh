#!/usr/bin/env bash
# Deploy test of ingest shards: deploy/pipeline up --ingest 2 on free ports;
# status lists both shards and the env file names both endpoints; articles
# pushed (with ids) to the list while one shard hangs (SIGSTOP: push sends
# its unanswered requests again, to the other shard), is killed (SIGKILL)
# and restarted (it recovers its journal) all come out exactly once at a
# gap-free subscriber; the same id pushed to
# each shard is published once, and both shards hear its acknowledgement
# (nothing stays in flight); down stops everything and leaves no socket.
#
#   tests/shards_deploy_test.sh [BUILD_DIR]   (default: build; not built here)
#
# Exit code 0 on success; on failure, non-zero with the reason on stderr.
set -euo pipefail

test_name=shards_deploy_test
# shellcheck source=tests/deploy_test_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/deploy_test_lib.sh"
COUNT=300 # articles pushed while a shard is killed and restarted
RATE=100  # articles a second: the push lasts about 3 s

# The value of a counter of one process (precis stats), or nothing.
counter() { # instance, counter
    "$precis" stats --json --run-dir "$run_dir" 2>/dev/null | python3 -c '
import json, sys
for line in sys.stdin:
    row = json.loads(line)
    if row["instance"] == sys.argv[1]:
        print(row["counters"][sys.argv[2]])' "$1" "$2"
}

# 11 ports: the usual 8 and 3 for the second shard.
pipeline_up --ports 11 --ingest 2 --normalize 1 --summarize 2

"$pipeline" status --run-dir "$run_dir" >"$work/status.txt" 2>&1 \
    || fail "status exited $?: $(cat "$work/status.txt")"
for name in ingest-1 ingest-2 relay sink; do
    grep -q "^$name .* alive  *answers PING$" "$work/status.txt" \
        || fail "status does not list $name as alive and answering: $(cat "$work/status.txt")"
done
[ "$(grep -c ' alive ' "$work/status.txt")" -eq 7 ] || fail "status does not list 7 live processes"
# shellcheck disable=SC1091
. "$run_dir/env"
[ "$PRECIS_INGEST" = "tcp://127.0.0.1:$base,tcp://127.0.0.1:$((base + 8))" ] \
    || fail "env: PRECIS_INGEST is '$PRECIS_INGEST'"
[ "$PRECIS_INGEST_SHARDS" = 2 ] || fail "env: PRECIS_INGEST_SHARDS is '$PRECIS_INGEST_SHARDS'"
# Each shard has its own journal (shard 1 the one a single ingest had).
grep -q -- "--shard 2 .*--journal $run_dir/journal-2 " "$run_dir/ingest-2.cmd" \
    || fail "ingest-2 is not shard 2 with journal-2: $(cat "$run_dir/ingest-2.cmd")"
grep -q -- "--shard 1 .*--journal $run_dir/journal " "$run_dir/ingest-1.cmd" \
    || fail "ingest-1 is not shard 1 with the journal: $(cat "$run_dir/ingest-1.cmd")"

from=$("$precis" sub --print-next) || fail "precis sub --print-next failed"
articles shard "$COUNT" >"$work/articles.jsonl"
"$precis" push --rate "$RATE" "$work/articles.jsonl" >"$work/push.txt" 2>&1 &
push_pid=$!
# Mid-push: shard 2 hangs (SIGSTOP: the requests sent to it get no answer,
# and push sends them again after 2.5 s, some to shard 1), then dies
# (SIGKILL) and is started again (it recovers its journal).
for _ in $(seq 100); do
    [ "$(grep -c '^accepted' "$work/push.txt" || true)" -lt 60 ] || break
    sleep 0.05
done
shard_pid=$(tr -dc 0-9 <"$run_dir/ingest-2.pid")
kill -STOP "$shard_pid"
sleep 3
kill -KILL "$shard_pid"
while kill -0 "$shard_pid" 2>/dev/null; do sleep 0.05; done
sleep 0.5
"$pipeline" restart ingest-2 --run-dir "$run_dir" >"$work/restart.txt" 2>&1 \
    || fail "restart ingest-2 exited $?: $(cat "$work/restart.txt")"
wait "$push_pid" || fail "precis push exited $?: $(tail -n 3 "$work/push.txt")"
push_pid=""
[ "$(grep -c '^accepted' "$work/push.txt")" -eq "$COUNT" ] \
    || fail "not all $COUNT articles were accepted: $(tail -n 3 "$work/push.txt")"
# Requests to the hung shard were sent again (to the live one).
resent=$(sed -n 's/.* \([0-9]*\) sent again for want of an answer.*/\1/p' "$work/push.txt")
[ "${resent:-0}" -gt 0 ] || fail "push sent nothing again: $(tail -n 1 "$work/push.txt")"

# The same id to each shard: two different shards take it (neither knows
# the other has it); the sink publishes it once.
articles both 1 >"$work/both.jsonl"
for endpoint in ${PRECIS_INGEST//,/ }; do
    "$precis" push --ingest "$endpoint" "$work/both.jsonl" >>"$work/push-both.txt" 2>&1 \
        || fail "precis push to $endpoint exited $?"
done
[ "$(grep -c '^accepted' "$work/push-both.txt")" -eq 2 ] \
    || fail "the two pushes of one id were not both accepted: $(cat "$work/push-both.txt")"
total=$((COUNT + 1))

# Gap-free: from the output log, then live, until every result is in.
"$precis" sub --since "$from" --json --count "$total" --timeout 60 >"$work/live.jsonl" \
    2>"$work/sub.txt" || fail "precis sub did not get $total results: $(cat "$work/sub.txt")"
# Both shards hear every acknowledgement, the copies' too: nothing stays in
# flight (a copy not acknowledged would be sent again and again).
for _ in $(seq 100); do
    [ "$(counter ingest-1 in_flight)" = 0 ] && [ "$(counter ingest-2 in_flight)" = 0 ] && break
    sleep 0.2
done
for shard in ingest-1 ingest-2; do
    [ "$(counter "$shard" in_flight)" = 0 ] \
        || fail "$shard still has $(counter "$shard" in_flight) article(s) in flight"
done
# Everything published since the start, once the shards are done: no
# result came twice, even late.
"$precis" sub --since "$from" --json --exit-at-end --timeout 20 >"$work/all.jsonl" \
    2>"$work/sub-all.txt" || fail "precis sub --exit-at-end failed: $(cat "$work/sub-all.txt")"
for results in "$work/live.jsonl" "$work/all.jsonl"; do
    one_summary_each "$results" shard "$COUNT" both 1
done
# Both shards delivered articles, and the sink dropped at least the copy.
[ "$(counter ingest-1 delivered)" -gt 0 ] || fail "ingest-1 delivered nothing"
dropped=$(counter sink duplicates)
[ "$dropped" -ge 1 ] || fail "the sink dropped no duplicate"

pipeline_down_checked "ingest-[12] ingest-[12] normalize-1" "both shards first"
echo "ok: deploy/pipeline up --ingest 2, a shard killed and restarted mid-push ($resent sent again by push), one id to both shards ($total results, none lost or doubled; the sink dropped $dropped), down"
