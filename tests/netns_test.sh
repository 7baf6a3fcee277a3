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
build=$(dirname "$bin")
repo=$(cd "$(dirname "$0")/.." && pwd)
if [ "$(id -u)" -ne 0 ] || ! command -v ip >/dev/null; then
    echo "SKIP: the network namespace test needs root and iproute2 (ip)" >&2
    exit 77
fi
tag=p$$
switch=$tag-sw hosts=(hub w1 w2 client)
work=$(mktemp -d)
run_dirs=()
fail() { echo "FAIL: $*" >&2; exit 1; }
cleanup() {
    local status=$?
    local entry
    for entry in $(printf '%s\n' "${run_dirs[@]}" | tac); do
        ip netns exec "$tag-${entry%%:*}" "$repo/deploy/pipeline" down --run-dir "${entry#*:}" \
            >/dev/null 2>&1 || true
    done
    for host in "${hosts[@]}"; do ip netns del "$tag-$host" 2>/dev/null || true; done
    ip netns del "$switch" 2>/dev/null || true
    [ "$status" -ne 0 ] && tail -n 15 "$work"/*.log "$work"/*/*.log >&2 2>/dev/null
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

# The hub and the worker hosts are started the way an operator would, with
# deploy/pipeline's roles; one configuration file shortens ingest's retry time.
printf 'precis\n    retry-ms = 1000\n' >"$work/precis.cfg"
base=25555
deploy_on() { # host, run dir, options...
    local host=$1 dir=$2
    shift 2
    ip netns exec "$tag-$host" "$repo/deploy/pipeline" up --no-build --build-dir "$build" \
        --run-dir "$dir" --port-base "$base" --config "$work/precis.cfg" "$@" \
        >>"$work/deploy.log" 2>&1 || fail "deploy/pipeline up $* on $host"
    run_dirs+=("$host:$dir")
}
deploy_on hub "$work/hub" --role hub --public
deploy_on w1 "$work/w1" --role workers --connect "$hub" --normalize 1 --summarize 1
deploy_on w2 "$work/w2" --role workers --connect "$hub" --normalize 1 --summarize 1

total=600
python3 -c 'import json, sys
for i in range(int(sys.argv[1])):
    print(json.dumps({"id": "net-%d" % i, "text": "Article %d: the coastal town opened its new lifeboat station on Monday. The station cost 2.4 million euros and took two years to build. Volunteers said response times would fall by half." % i}))' \
    "$total" >"$work/articles.jsonl"

ip netns exec "$tag-client" "$bin/precis" sub --output "tcp://$hub:$((base + 5))" \
    --replay "tcp://$hub:$((base + 7))" --since 1 --json --count "$total" --timeout 60 \
    >"$work/results.jsonl" 2>"$work/sub.log" &
sub_pid=$!
sleep 0.5
ip netns exec "$tag-client" "$bin/precis" push --ingest "tcp://$hub:$base" --rate 150 \
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
echo "ingest: $(ip netns exec "$tag-hub" "$bin/precis" stats --run-dir "$work/hub" | grep '^ingest')"
