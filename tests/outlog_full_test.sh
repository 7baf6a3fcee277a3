#!/usr/bin/env bash
# Run by tests/with_pipeline.sh (PRECIS_INGEST_ARGS=--retry-ms 500 --max-attempts 20). The
# output log fills its disk during a run (a small tmpfs: root only, exit 77
# otherwise) and then has room again. Checks, with exact counts: every
# accepted id is in the log exactly once with seq 1..N contiguous; the
# failures were counted (log_append_errors) and not published; a `precis sub
# --since 1` that ran throughout got every result once; after a sink restart
# the numbering goes on at N+1 in the same log_id (no reuse); the JSON Lines
# file on the same disk has every seq of the log once.
#   OUTLOG_FULL_ARTICLES (default 1500) articles in the first run, on a
#   tmpfs of OUTLOG_FULL_MB (default 6) MiB.
set -euo pipefail
set +m
[ "$(id -u)" -eq 0 ] || { echo "skipped: needs root to mount a tmpfs"; exit 77; }
precis="$PRECIS_BIN/precis"
here=$(cd "$(dirname "$0")" && pwd)
run=$PRECIS_RUN_DIR
count=${OUTLOG_FULL_ARTICLES:-1500}
more=100
work=$(mktemp -d)
mnt="$work/mnt"
mkdir "$mnt"
sub_pid=
push_pid=
cleanup() {
    for pid in $sub_pid $push_pid; do kill "$pid" 2>/dev/null || true; done
    # The sink still has its log open: detach now, gone once it exits.
    umount -l "$mnt" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
if ! mount -t tmpfs -o "size=${OUTLOG_FULL_MB:-6}m,mode=0700" tmpfs "$mnt"; then
    echo "skipped: cannot mount a tmpfs"
    exit 77
fi
fail() {
    echo "FAIL: $*" >&2
    tail -n 30 "$run/sink.log" >&2
    exit 1
}
stat_of() { # counter of the sink's stats line
    "$precis" stats --control "ipc://$run/sink.ctl" 2>/dev/null |
        tr ' ' '\n' | sed -n "s/^$1=//p" | head -1
}
stop_sink() {
    local pid
    pid=$(cat "$run/sink.pid")
    kill -TERM "$pid"
    while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
    rm -f "$run/sink.pid"
}
start_sink() { # from its launcher, edited below (deploy/lib/pipeline.sh)
    "$PRECIS_LAUNCHER" relaunch "$run" sink || fail "the sink did not start"
}
sink_rss_peak() { # kB, VmHWM of the running sink
    awk '/^VmHWM/ { print $2 }' "/proc/$(cat "$run/sink.pid")/status"
}

# The sink moves its output log onto the small file system, with a JSON
# Lines file there too.
stop_sink
sed -i "s|$run/output.records|$mnt/output.records --jsonl $mnt/output.jsonl|" "$run/sink.cmd"
rm -f "$run"/output.records*
start_sink

python3 - "$count" "$more" "$work" <<'PY'
import json, sys
count, more, work = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
def write(name, first, n):
    with open(f"{work}/{name}", "w") as out:
        for i in range(first, first + n):
            text = ("Update %d: the harbour authority counted %d ships at anchor this morning. "
                    "Storms in the north kept the ferries in port for a second day. "
                    "Pilots expect the queue to clear by %d o'clock tomorrow." % (i, 10 + i % 13, 6 + i % 5))
            out.write(json.dumps({"id": "full-%d" % i, "title": "Harbour %d" % i, "text": text}) + "\n")
write("first.jsonl", 0, count)
write("second.jsonl", count, more)
PY

"$precis" sub --output "$PRECIS_OUTPUT" --replay "$PRECIS_REPLAY" --since 1 --json \
    --count "$count" --timeout 60 >"$work/sub.jsonl" 2>"$work/sub.err" &
sub_pid=$!
sleep 0.5
# The disk is filled before the push but for 300 KiB, room for a few
# hundred results in the log and the JSON Lines file: it fills during the
# run whatever the machine's speed (waiting for a count of published
# results instead raced the pipeline on a loaded machine). It stays full
# until the sink has turned away at least 20 results, then the space comes
# back.
dd if=/dev/zero of="$mnt/filler" bs=64k 2>/dev/null || true
truncate -s -300K "$mnt/filler"
"$precis" push --ingest "$PRECIS_INGEST" "$work/first.jsonl" >"$work/push1.txt" &
push_pid=$!
# Whichever file hits the full disk first holds the results back.
# (A stats request that times out on a loaded machine counts as 0.)
held() {
    local log jsonl
    log=$(stat_of log_append_errors) jsonl=$(stat_of jsonl_append_errors)
    echo $((${log:-0} + ${jsonl:-0}))
}
for _ in $(seq 600); do
    [ "$(held)" -ge 20 ] 2>/dev/null && break
    sleep 0.05
done
errors=$(held)
[ "$errors" -ge 20 ] || fail "the full disk failed only $errors appends"
errors="$errors ($(stat_of log_append_errors) log, $(stat_of jsonl_append_errors) JSON Lines)"
published_full=$(stat_of published)
rm -f "$mnt/filler"

wait "$push_pid" || fail "push exited $?"
push_pid=
wait "$sub_pid" || fail "the subscriber got $(wc -l <"$work/sub.jsonl") of $count: $(cat "$work/sub.err")"
sub_pid=
# The last acknowledgements reach ingest before the restart.
for _ in $(seq 200); do
    [ "$(stat_of published)" -ge "$count" ] 2>/dev/null && break
    sleep 0.05
done
rss=$(sink_rss_peak)
grep -c "cannot append" "$run/sink.log" >"$work/error_lines" || true
python3 "$here/replay_all.py" "$PRECIS_REPLAY" >"$work/log1.jsonl"

# A restart: the numbering goes on after the log, in the same epoch.
stop_sink
start_sink
"$precis" push --ingest "$PRECIS_INGEST" "$work/second.jsonl" >"$work/push2.txt" ||
    fail "second push exited $?"
for _ in $(seq 600); do
    [ "$(stat_of published)" -ge "$more" ] 2>/dev/null && break
    sleep 0.05
done
python3 "$here/replay_all.py" "$PRECIS_REPLAY" >"$work/log2.jsonl"
cp "$mnt/output.jsonl" "$work/lines.jsonl"

python3 - "$work" "$count" "$more" "$errors" "$published_full" "$rss" <<'PY'
import json, sys
work, count, more = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
errors, published_full, rss = sys.argv[4], sys.argv[5], sys.argv[6]
def accepted(name):
    return [l.split("\t")[1].strip() for l in open(f"{work}/{name}") if l.startswith("accepted")]
def lines(name):
    return [json.loads(l) for l in open(f"{work}/{name}")]
first, second = accepted("push1.txt"), accepted("push2.txt")
assert len(first) == count and len(second) == more, f"accepted {len(first)} + {len(second)}"
log1 = lines("log1.jsonl")
tail1 = log1.pop()
ids = [r["id"] for r in log1]
seqs = [r["seq"] for r in log1]
lost = set(first) - set(ids)
dups = len(ids) - len(set(ids))
assert not lost and dups == 0 and set(ids) == set(first), f"log: lost {len(lost)}, duplicated {dups}"
assert seqs == list(range(1, count + 1)), f"log seqs not 1..{count}: gaps or repeats"
log_id = tail1["log_id"]
assert log_id and all(r["log_id"] == log_id for r in log1), "results without the log's log_id"
assert tail1["next"] == count + 1, f"next {tail1['next']}"
sub = lines("sub.jsonl")
sub_ids = [r["id"] for r in sub]
assert len(sub_ids) == len(set(sub_ids)) == count and set(sub_ids) == set(first), \
    f"subscriber: {len(sub_ids)} lines, {len(set(sub_ids))} ids"
assert sorted(r["seq"] for r in sub) == list(range(1, count + 1)), "subscriber seqs"
log2 = lines("log2.jsonl")
tail2 = log2.pop()
assert [r["seq"] for r in log2] == list(range(1, count + more + 1)), "restart: gaps or reuse"
assert [r["id"] for r in log2[:count]] == ids, "restart changed the first results"
assert set(r["id"] for r in log2[count:]) == set(second), "restart: the new results"
assert tail2["log_id"] == log_id and all(r["log_id"] == log_id for r in log2), "log_id changed"
# Held back, not given up on: every result is the article's summary.
errors_out = [r for r in log2 if r["type"] != "summary"]
assert not errors_out, f"{len(errors_out)} errors published, e.g. {errors_out[0]}"
lines = lines("lines.jsonl")
assert [r["seq"] for r in lines] == [r["seq"] for r in log2], (
    f"JSON Lines: {len(lines)} lines, {len(set(r['seq'] for r in lines))} seqs")
assert [r["id"] for r in lines] == [r["id"] for r in log2], "JSON Lines ids"
print(f"ok: accepted {count}+{more}, delivered {len(log2)}, lost 0, duplicated 0, "
      f"seq 1..{count + more} without gap or reuse across a restart; "
      f"{errors} appends failed on the full disk (after {published_full} published), "
      f"subscriber got {len(sub)} once each, the JSON Lines file (same disk) every seq "
      f"once; sink peak RSS {rss} kB")
PY
# Logged once per burst and file, not once per result: the output log, the
# JSON Lines file and the story file (LOG.stories) share the full disk.
[ "$(cat "$work/error_lines")" -le 3 ] ||
    fail "$(cat "$work/error_lines") error lines for one full disk"
echo "error lines in the sink log for the full disk: $(cat "$work/error_lines")"
