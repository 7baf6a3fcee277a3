#!/usr/bin/env bash
# Run by tests/with_pipeline.sh (PRECIS_INGEST_ARGS=--retry-ms 500). The sink
# writes --jsonl and is killed with SIGKILL several times while articles go
# through (precis issue 11): afterwards the JSON Lines file has every seq of
# the output log exactly once, the log has every accepted id exactly once,
# and its seqs are 1..N without a gap.
#   JSONL_KILL_ARTICLES (default 2000), JSONL_KILLS (default 6).
set -euo pipefail
set +m
precis="$PRECIS_BIN/precis"
here=$(cd "$(dirname "$0")" && pwd)
run=$PRECIS_RUN_DIR
count=${JSONL_KILL_ARTICLES:-2000}
kills=${JSONL_KILLS:-6}
work=$(mktemp -d)
push_pid=
cleanup() {
    [ -z "$push_pid" ] || kill "$push_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
fail() {
    echo "FAIL: $*" >&2
    tail -n 30 "$run/sink.log" >&2
    exit 1
}
stat_of() {
    "$precis" stats --control "ipc://$run/sink.ctl" 2>/dev/null |
        tr ' ' '\n' | sed -n "s/^$1=//p" | head -1
}
kill_sink() { # signal
    local pid
    pid=$(cat "$run/sink.pid")
    kill "-$1" "$pid"
    while kill -0 "$pid" 2>/dev/null; do sleep 0.02; done
    rm -f "$run/sink.pid"
}
start_sink() { # from its launcher, edited below (deploy/lib/pipeline.sh)
    "$PRECIS_LAUNCHER" relaunch "$run" sink || fail "the sink did not start"
}
jsonl="$run/output.jsonl"
kill_sink TERM
sed -i "s|--log |--jsonl $jsonl --log |" "$run/sink.cmd"
start_sink

python3 - "$count" >"$work/articles.jsonl" <<'PY'
import json, sys
for i in range(int(sys.argv[1])):
    text = ("Note %d: the city library extended its opening hours to %d in the evening. "
            "Students had asked for more quiet places to work during exams. "
            "The change costs %d thousand a year, paid from the culture budget." % (i, 19 + i % 4, 40 + i % 9))
    print(json.dumps({"id": "jk-%d" % i, "title": "Library %d" % i, "text": text}))
PY
"$precis" push --ingest "$PRECIS_INGEST" "$work/articles.jsonl" >"$work/push.txt" &
push_pid=$!

# Killed whenever another stretch of results is out, at whatever point of
# a result it is.
step=$((count / (kills + 1)))
for k in $(seq "$kills"); do
    for _ in $(seq 400); do
        [ "$(wc -l <"$jsonl")" -ge $((k * step)) ] && break
        sleep 0.05
    done
    kill_sink KILL
    start_sink
done
wait "$push_pid" || fail "push exited $?"
push_pid=
# Ingest sends again what the killed sink never acknowledged.
for _ in $(seq 600); do
    [ "$(wc -l <"$jsonl")" -ge "$count" ] && break
    sleep 0.05
done
python3 "$here/replay_all.py" "$PRECIS_REPLAY" >"$work/log.jsonl"
rss=$(awk '/^VmHWM/ { print $2 }' "/proc/$(cat "$run/sink.pid")/status")

python3 - "$work" "$jsonl" "$count" "$kills" "$rss" <<'PY'
import json, sys
work, jsonl, count, kills, rss = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
accepted = [l.split("\t")[1].strip() for l in open(f"{work}/push.txt") if l.startswith("accepted")]
log = [json.loads(l) for l in open(f"{work}/log.jsonl")]
tail = log.pop()
lines = [json.loads(l) for l in open(jsonl)]
log_seqs = [r["seq"] for r in log]
line_seqs = [r["seq"] for r in lines]
ids = [r["id"] for r in log]
assert len(accepted) == count == len(set(accepted)), f"accepted {len(accepted)}"
lost, dups = set(accepted) - set(ids), len(ids) - len(set(ids))
assert not lost and dups == 0, f"log: lost {len(lost)}, duplicated {dups}"
assert log_seqs == list(range(1, count + 1)), "log seqs have a gap or a repeat"
assert line_seqs == log_seqs, (
    f"JSON Lines: {len(line_seqs)} lines, {len(set(line_seqs))} seqs, "
    f"missing {sorted(set(log_seqs) - set(line_seqs))[:10]}, "
    f"extra {len(line_seqs) - len(set(line_seqs))}")
assert [r["id"] for r in lines] == ids, "a line has another result than the log"
assert all(r.get("log_id") == tail["log_id"] for r in lines), "log_id"
assert all(r["type"] == "summary" for r in log), "errors published"
print(f"ok: {kills} SIGKILLs: accepted {count}, in the log {len(log)} (seq 1..{count}), "
      f"in the JSON Lines file {len(lines)}, lost 0, duplicated 0; sink peak RSS {rss} kB")
PY
grep -c "dropping a torn last line\|from the output log" "$run/sink.log" || true
