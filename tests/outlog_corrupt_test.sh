#!/usr/bin/env bash
# One flipped byte in the middle of the output log (precis issue 11): the
# restarted sink reports it (offset, size, results lost; stats log_damaged
# and log_lost), keeps the damaged file aside byte for byte, keeps every
# good record after it, and numbers new results above the highest seq, in
# the same log_id.
#   tests/outlog_corrupt_test.sh BIN_DIR
set -euo pipefail
bin=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
sink_pid=
cleanup() {
    [ -z "$sink_pid" ] || kill "$sink_pid" 2>/dev/null || true
    [ -z "$sink_pid" ] || wait "$sink_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
fail() {
    echo "FAIL: $*" >&2
    sed 's/^/  sink: /' "$work/sink.log" >&2 || true
    exit 1
}
start_sink() {
    rm -f "$work/sink.pid"
    "$bin/precis-sink" --results-endpoint "ipc://$work/results" \
        --acks-endpoint "ipc://$work/acks" --output "ipc://$work/output" \
        --replay "ipc://$work/replay" --log "$work/log/output.records" \
        --control "ipc://$work/sink.ctl" --pidfile "$work/sink.pid" >>"$work/sink.log" 2>&1 &
    sink_pid=$!
    for _ in $(seq 100); do [ -s "$work/sink.pid" ] && return 0; sleep 0.1; done
    fail "the sink did not start"
}
stop_sink() {
    kill "$sink_pid"
    wait "$sink_pid" || true
    sink_pid=
}
send_results() { # first, last: error results r<N> with keys k<N>, until seq last is out
    /usr/bin/python3 - "$work" "$1" "$2" <<'PY' || fail "results $1 to $2 were not published"
import sys, time, msgpack, zmq
work, first, last = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
ctx = zmq.Context()
push = ctx.socket(zmq.PUSH)
push.connect("ipc://%s/results" % work)
sub = ctx.socket(zmq.SUB)
sub.setsockopt(zmq.SUBSCRIBE, b"")
sub.connect("ipc://%s/output" % work)
time.sleep(0.3)
for i in range(first, last + 1):
    push.send(msgpack.packb({"v": 1, "type": "error", "id": "r%d" % i, "key": "k%d" % i,
                             "stage": "test", "reason": "test", "error": "x" * 80}))
sub.setsockopt(zmq.RCVTIMEO, 10000)
got = 0
while got < last - first + 1:
    sub.recv_multipart()
    got += 1
PY
}
mkdir "$work/log"
start_sink
send_results 1 300
stop_sink

# A byte in the middle of the file, inside some record, flipped.
log="$work/log/output.records"
size=$(stat -c %s "$log")
/usr/bin/python3 - "$log" "$((size / 2))" <<'PY'
import sys
path, offset = sys.argv[1], int(sys.argv[2])
with open(path, "r+b") as f:
    f.seek(offset)
    byte = f.read(1)
    f.seek(offset)
    f.write(bytes([byte[0] ^ 0x20]))
PY
cp "$log" "$work/damaged"

start_sink
grep -q "is damaged at bytes [0-9]* to [0-9]* ([0-9]* bytes): skipped; result [0-9]* is lost" \
    "$work/sink.log" || fail "the damage was not reported"
stats=$("$bin/precis" stats --control "ipc://$work/sink.ctl")
echo "$stats" | grep -q " log_damaged=1 " || fail "stats: $stats"
echo "$stats" | grep -q " log_lost=1 " || fail "stats: $stats"
aside=$(ls "$work"/log/output.records.corrupt-* 2>/dev/null || true)
[ -n "$aside" ] && [ "$(echo "$aside" | wc -l)" -eq 1 ] || fail "no damaged file kept aside"
cmp -s "$aside" "$work/damaged" || fail "the file kept aside is not the damaged file"
[ "$(stat -c %s "$log")" -lt "$size" ] || fail "the log was not repaired"
grep -q "from sequence number 301" "$work/sink.log" || fail "the numbering did not go on at 301"

send_results 301 310
rss=$(awk '/^VmHWM/ { print $2 }' "/proc/$sink_pid/status")
/usr/bin/python3 "$here/replay_all.py" "ipc://$work/replay" >"$work/replay.jsonl"
/usr/bin/python3 - "$work/replay.jsonl" "$rss" <<'PY' || fail "the replay after the damage"
import json, sys
rss = sys.argv[2]
lines = [json.loads(l) for l in open(sys.argv[1])]
tail = lines.pop()
seqs = [r["seq"] for r in lines]
missing = sorted(set(range(1, 311)) - set(seqs))
assert len(missing) == 1 and len(seqs) == len(set(seqs)) == 309, f"missing {missing}"
assert seqs == sorted(seqs) and seqs[-1] == 310, "out of order"
assert all(r["id"] == "r%d" % r["seq"] for r in lines), "a record has another result's seq"
assert all(r["log_id"] == tail["log_id"] for r in lines), "log_id changed"
assert tail["next"] == 311
print(f"ok: one flipped byte lost result {missing[0]} only: 309 of 310 kept, "
      f"the records after it too; new results 301..310 above the highest; 0 duplicated; "
      f"sink peak RSS {rss} kB")
PY
grep "damaged" "$work/sink.log"

# The log deleted while the sink is stopped: its state file keeps the
# numbering (311 on) and the epoch. Both deleted: numbering starts over at
# 1 in a new log_id.
log_id=$(tail -n 1 "$work/replay.jsonl" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["log_id"])')
stop_sink
rm -f "$work"/log/output.records "$work"/log/output.records.[0-9]*
start_sink
grep -q "from sequence number 311 (log_id $log_id)" "$work/sink.log" ||
    fail "a deleted log made the sink start at $(grep -o 'from sequence number [0-9]* (log_id [0-9a-f]*)' "$work/sink.log" | tail -1), not 311 in $log_id"
stop_sink
rm -f "$work"/log/output.records*
start_sink
new_start=$(grep -o 'from sequence number [0-9]* (log_id [0-9a-f]*)' "$work/sink.log" | tail -1)
case "$new_start" in
    "from sequence number 1 (log_id $log_id)") fail "numbering started over in the same log_id" ;;
    "from sequence number 1 (log_id "*) ;;
    *) fail "log and state deleted: $new_start" ;;
esac
echo "ok: a deleted log goes on at 311 in log_id $log_id; log and state deleted: $new_start"
