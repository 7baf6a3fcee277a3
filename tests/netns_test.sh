#!/usr/bin/env bash
# Workers on other hosts: four test hosts in network namespaces joined by a
# bridge (itself in a fifth namespace, so nothing touches this machine's own
# network). The hub (ingest, sink) on one host, a normalize and a summarize
# worker on each of two others, client and subscriber on the fourth.
# Articles flow end to end; one worker host's link goes down mid-stream and
# nothing is lost. Needs root and iproute2; skipped (77) otherwise.
#   tests/netns_test.sh BIN_DIR
set -euo pipefail
set +m
bin=$(cd "$1" && pwd)
if [ "$(id -u)" -ne 0 ] || ! command -v ip >/dev/null; then
    echo "SKIP: the network namespace test needs root and iproute2 (ip)" >&2
    exit 77
fi
tag=p$$
switch=$tag-sw hosts=(hub w1 w2 client)
work=$(mktemp -d)
fail() { echo "FAIL: $*" >&2; exit 1; }
cleanup() {
    local status=$?
    for pidfile in "$work"/*.pid; do
        [ -e "$pidfile" ] && kill -TERM "$(cat "$pidfile")" 2>/dev/null
    done
    sleep 0.5
    for pidfile in "$work"/*.pid; do
        [ -e "$pidfile" ] && kill -KILL "$(cat "$pidfile")" 2>/dev/null
    done
    for host in "${hosts[@]}"; do ip netns del "$tag-$host" 2>/dev/null || true; done
    ip netns del "$switch" 2>/dev/null || true
    [ "$status" -ne 0 ] && tail -n 15 "$work"/*.log >&2 2>/dev/null
    rm -rf "$work"
    exit "$status"
}
trap cleanup EXIT INT TERM

# The network: 10.213.77.0/24, hub .1, w1 .2, w2 .3, client .4.
if ! ip netns add "$switch" 2>/dev/null; then
    echo "SKIP: cannot create network namespaces here" >&2
    exit 77
fi
ip -n "$switch" link add br0 type bridge
ip -n "$switch" link set br0 up
n=1
for host in "${hosts[@]}"; do
    ns=$tag-$host
    ip netns add "$ns"
    ip link add "$tag$n" type veth peer name eth0 netns "$ns"
    ip link set "$tag$n" netns "$switch"
    ip -n "$switch" link set "$tag$n" master br0 up
    ip -n "$ns" addr add "10.213.77.$n/24" dev eth0
    ip -n "$ns" link set eth0 up
    ip -n "$ns" link set lo up
    n=$((n + 1))
done
hub=10.213.77.1

run_on() { # host, name, program, args... : starts a stage in the background
    local host=$1 name=$2 program=$3
    shift 3
    ip netns exec "$tag-$host" "$bin/$program" "$@" --pidfile "$work/$name.pid" \
        >"$work/$name.log" 2>&1 &
}
internal=(--normalize-endpoint "tcp://$hub:5556" --normalized-endpoint "tcp://$hub:5557"
          --summarize-endpoint "tcp://$hub:5558")
run_on hub ingest precis-ingest --ingest "tcp://$hub:5555" "${internal[@]}" \
    --results-endpoint "tcp://$hub:5559" --acks-endpoint "tcp://$hub:5561" \
    --journal "$work/journal" --retry-ms 1000
run_on hub sink precis-sink --results-endpoint "tcp://$hub:5559" --acks-endpoint "tcp://$hub:5561" \
    --output "tcp://$hub:5560" --replay "tcp://$hub:5562" --log "$work/output.records"
for host in w1 w2; do
    run_on "$host" "normalize-$host" precis-normalize --normalize-endpoint "tcp://$hub:5556" \
        --normalized-endpoint "tcp://$hub:5557"
    run_on "$host" "summarize-$host" precis-summarize --summarize-endpoint "tcp://$hub:5558" \
        --results-endpoint "tcp://$hub:5559"
done
for _ in $(seq 100); do
    [ "$(ls "$work"/*.pid 2>/dev/null | wc -l)" -eq 6 ] && break
    sleep 0.1
done
[ "$(ls "$work"/*.pid 2>/dev/null | wc -l)" -eq 6 ] || fail "the stages did not start"

total=600
python3 -c 'import json, sys
for i in range(int(sys.argv[1])):
    print(json.dumps({"id": "net-%d" % i, "text": "Article %d: the coastal town opened its new lifeboat station on Monday. The station cost 2.4 million euros and took two years to build. Volunteers said response times would fall by half." % i}))' \
    "$total" >"$work/articles.jsonl"

ip netns exec "$tag-client" "$bin/precis" sub --output "tcp://$hub:5560" \
    --replay "tcp://$hub:5562" --since 1 --json --count "$total" --timeout 60 \
    >"$work/results.jsonl" 2>"$work/sub.log" &
sub_pid=$!
sleep 0.5
ip netns exec "$tag-client" "$bin/precis" push --ingest "tcp://$hub:5555" --rate 150 \
    "$work/articles.jsonl" >"$work/push.txt" 2>"$work/push.log" &
push_pid=$!

# Mid-stream, worker host w1 drops off the network.
sleep 1.5
ip -n "$switch" link set "${tag}2" down
echo "w1's link is down after $(grep -c '^accepted' "$work/push.txt") articles were accepted"

wait "$push_pid" || fail "push exited $? ($(tail -n 2 "$work/push.log"))"
wait "$sub_pid" || fail "only $(wc -l <"$work/results.jsonl") of $total results arrived"
python3 - "$work" "$total" <<'PY'
import json, sys
work, total = sys.argv[1], int(sys.argv[2])
accepted = {l.split("\t")[1].strip() for l in open(work + "/push.txt") if l.startswith("accepted")}
results = [json.loads(l) for l in open(work + "/results.jsonl")]
ids = [r["id"] for r in results]
assert len(accepted) == total, f"{len(accepted)} accepted of {total}"
assert len(ids) == len(set(ids)), "duplicate results"
assert set(ids) == accepted, f"lost {len(accepted - set(ids))}"
assert all(r["type"] == "summary" and r["summary"] for r in results), "a result is not a summary"
print(f"ok: {total} articles through workers on two hosts, one host cut off mid-stream, none lost")
PY
grep -h "ingest stopping\|retried" "$work/ingest.log" | tail -1 || true
