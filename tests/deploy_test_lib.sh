# tests/deploy_test_lib.sh - what the tests that start a pipeline with
# deploy/pipeline up share (deploy, relay, ingest shards, metrics,
# no-replay), sourced after `test_name=NAME` and with the build directory
# as $1: the paths (repo, pipeline, build, precis), fail, the check that
# every program is built, a work directory with run_dir in it, a cleanup
# on exit that stops the pipeline (and push_pid), runs the caller's
# after_down when there is one and shows the logs on failure, pipeline_up
# (deploy/pipeline up on free ports), pipeline_down_checked,
# no_sanitizer_reports, articles PREFIX COUNT (JSON Lines, an id each) and
# one_summary_each.
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
pipeline="$repo/deploy/pipeline"
build=${1:-build}
case "$build" in
    /*) ;;
    *) if [ -d "$build" ]; then build="$PWD/$build"; else build="$repo/$build"; fi ;;
esac
precis="$build/bin/precis"

fail() { echo "FAIL: $test_name: $*" >&2; exit 1; }

for program in precis precis-ingest precis-sink precis-normalize precis-summarize precis-relay; do
    [ -x "$build/bin/$program" ] || fail "$build/bin/$program is missing (build $build first)"
done
command -v python3 >/dev/null || fail "python3 is needed (deploy/install-deps)"

work=$(mktemp -d "${TMPDIR:-/tmp}/precis-$test_name.XXXXXX")
run_dir="$work/run"
push_pid=""

cleanup() {
    local status=$?
    trap - EXIT
    [ -z "$push_pid" ] || kill "$push_pid" 2>/dev/null || true
    [ ! -f "$run_dir/procs" ] || "$pipeline" down --run-dir "$run_dir" >/dev/null 2>&1 || true
    ! declare -F after_down >/dev/null || after_down
    if [ "$status" -ne 0 ]; then
        for log in "$run_dir"/*.log "$work"/*.txt; do
            [ -f "$log" ] || continue
            echo "== $log" >&2
            tail -n 15 "$log" >&2
        done
    fi
    rm -rf "$work"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# pipeline_up [--ports N] [--metrics] [--] UP_OPTION...: deploy/pipeline up
# in $run_dir with $build's programs, on N free ports (default: as many as
# deploy/pipeline free-port-base finds by default) and, with --metrics, on
# free ports for the Prometheus metrics (--metrics-port-base); sets base
# (and metrics_base) and writes up's output to $work/up.txt. A port can be
# taken between the check and the bind: on "address already in use" in a
# log it tries other ports, three times in all; any other failure fails the
# test at once. When the caller defines after_failed_up, it runs after each
# failed attempt, while the run dir is still there.
pipeline_up() {
    local ports=() metrics=false options _
    while [ $# -gt 0 ]; do
        case "$1" in
            --ports) ports=("$2"); shift 2 ;;
            --metrics) metrics=true; shift ;;
            --) shift; break ;;
            *) break ;;
        esac
    done
    for _ in 1 2 3; do
        base=$("$pipeline" free-port-base "${ports[@]}") || fail "no free ports"
        options=(--port-base "$base")
        if $metrics; then
            metrics_base=$("$pipeline" free-port-base) || fail "no free ports"
            options+=(--metrics-port-base "$metrics_base")
        fi
        if "$pipeline" up --no-build --build-dir "$build" --run-dir "$run_dir" "${options[@]}" \
            "$@" >"$work/up.txt" 2>&1; then
            return 0
        fi
        ! declare -F after_failed_up >/dev/null || after_failed_up
        grep -qi 'address already in use' "$run_dir"/*.log 2>/dev/null \
            || { cat "$work/up.txt" >&2; fail "deploy/pipeline up $* failed"; }
        echo "$test_name: a port near $base was taken, trying again" >&2
        rm -rf "$run_dir"
    done
    fail "deploy/pipeline up $* failed three times"
}

# deploy/pipeline down, checked: exit 0 without a SIGKILL, the processes
# stopped in an order (launcher.log's names, space-separated) that matches
# the extended regular expression ORDER, nothing left in the run dir but
# logs (no socket, pid file, procs, or unused ipc endpoint that ingest
# bound for the relay case: issue 13), and no sanitizer report in a log.
pipeline_down_checked() { # ORDER, what ORDER says
    "$pipeline" down --run-dir "$run_dir" >"$work/down.txt" 2>&1 || fail "down exited $?"
    ! grep -q SIGKILL "$work/down.txt" || fail "down had to SIGKILL: $(cat "$work/down.txt")"
    awk '/^.* stopped /{ print $4 }' "$run_dir/launcher.log" | tr '\n' ' ' >"$work/order.txt"
    grep -Eq "$1" "$work/order.txt" || fail "down did not stop $2: $(cat "$work/order.txt")"
    local leftover
    leftover=$(find "$run_dir" \( -type s -o -name '*.pid' -o -name 'unused-*' -o -name procs \) \
        | tr '\n' ' ')
    [ -z "$leftover" ] || fail "down left behind: $leftover"
    no_sanitizer_reports
}

# Under the sanitizer build, a report in a log is a failure too.
no_sanitizer_reports() {
    if grep -l 'ERROR: [A-Za-z]*Sanitizer\|runtime error:' "$run_dir"/*.log >"$work/sanitizer.txt"; then
        fail "sanitizer reports in $(tr '\n' ' ' <"$work/sanitizer.txt")"
    fi
}

# Fails unless RESULTS (precis sub --json lines) holds one summary for each
# article of the batches given (articles PREFIX COUNT), and nothing else.
one_summary_each() { # RESULTS, PREFIX COUNT...
    python3 - "$@" <<'PY' || fail "$(basename "$1"): the results are not one summary per article"
import json, sys
results = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
batches = sys.argv[2:]
want = {f"{prefix}-{k}" for prefix, n in zip(batches[::2], batches[1::2]) for k in range(int(n))}
ids = [r.get("id") for r in results]
assert len(ids) == len(set(ids)), "duplicated: %s" % sorted({i for i in ids if ids.count(i) > 1})
assert set(ids) == want, "missing %s, unexpected %s" % (sorted(want - set(ids)), sorted(set(ids) - want))
bad = [r for r in results if r.get("type") != "summary"]
assert not bad, "not summaries: %s" % bad[:2]
PY
}

# Articles of a few sentences each, every one with its own id.
articles() { # prefix, count
    python3 - "$1" "$2" <<'PY'
import json, sys
prefix, count = sys.argv[1], int(sys.argv[2])
towns = ["Ashford", "Belmont", "Carrow", "Dunmore", "Elston", "Fairley", "Glenby"]
things = ["library", "swimming pool", "bus depot", "market hall", "footbridge"]
for k in range(count):
    town, thing = towns[k % len(towns)], things[k % len(things)]
    text = (f"The council of {town} voted on Tuesday to rebuild the old {thing}. "
            f"The work is expected to take {k % 9 + 2} months and to cost {k + 40} thousand pounds. "
            f"Residents asked for the {thing} to stay open during the repairs. "
            f"A local shop owner said the decision was long overdue. "
            f"The council will publish the plans next week.")
    print(json.dumps({"id": f"{prefix}-{k}", "title": f"{town} rebuilds its {thing}", "text": text}))
PY
}
