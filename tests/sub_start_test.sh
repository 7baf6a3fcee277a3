#!/usr/bin/env bash
# Run by tests/with_pipeline.sh: `precis sub` start positions against a log
# of 12 results (11 summaries, 1 error): --from-beginning, --last N,
# --since SEQ and the default, each with --exit-at-end, print exactly the
# expected seqs; --print-next prints the sink's next; --since beyond it
# exits 4; start positions exclude each other (exit 2); the start options
# without a replay socket exit 3.
set -euo pipefail
precis="$PRECIS_BIN/precis"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
sub() { "$precis" sub --output "$PRECIS_OUTPUT" --replay "$PRECIS_REPLAY" "$@"; }

python3 >"$work/in.jsonl" <<'PY'
import json
for k in range(1, 12):
    print(json.dumps({"id": "start-%d" % k, "title": "Allotment %d" % k, "sentences": 1,
                      "text": "Plot %d at the allotments has a new tenant. The waiting list "
                              "is shorter than last spring." % k}))
# A page with no readable text: published as error.empty.
print(json.dumps({"id": "start-empty", "format": "html",
                  "text": "<html><script>var plot = 12;</script></html>"}))
PY
"$precis" push --ingest "$PRECIS_INGEST" "$work/in.jsonl" >"$work/push.txt" 2>&1 \
    || fail "precis push exited $?: $(cat "$work/push.txt")"
for _ in $(seq 200); do
    [ "$(sub --print-next)" -eq 13 ] && break
    sleep 0.1
done
next=$(sub --print-next)
[ "$next" -eq 13 ] || fail "--print-next: $next, expected 13 after 12 results"

# seqs OPTIONS...: the seqs printed, space-separated, after exit 0.
seqs() {
    local status=0
    sub --json --exit-at-end --timeout 20 "$@" >"$work/out.jsonl" 2>"$work/err.txt" || status=$?
    [ "$status" -eq 0 ] || fail "precis sub $* exited $status: $(cat "$work/err.txt")"
    python3 -c 'import json, sys; print(" ".join(str(json.loads(l)["seq"]) for l in open(sys.argv[1])))' \
        "$work/out.jsonl"
}
expect() { # expected, options...
    local want=$1 got
    shift
    got=$(seqs "$@")
    [ "$got" = "$want" ] || fail "precis sub $*: printed seqs '$got', expected '$want'"
    echo "ok: $* -> ${want:-nothing}"
}
expect "$(seq -s ' ' 1 12)" --from-beginning
# The error's seq (the workers finish in any order).
error_seq=$(python3 -c 'import json, sys; print(*[r["seq"] for r in map(json.loads, open(sys.argv[1])) if r["id"] == "start-empty"])' \
    "$work/out.jsonl")
expect "8 9 10 11 12" --last 5
expect "12" --last 1
expect "$(seq -s ' ' 1 12)" --last 500
expect "4 5 6 7 8 9 10 11 12" --since 4
expect "" --since 13
expect ""
# A topic filter still ends at the end: only the error is printed.
expect "$error_seq" --from-beginning --topic error
[ ! -s "$work/err.txt" ] || fail "--from-beginning said something on stderr: $(cat "$work/err.txt")"

status=0
sub --since 14 --timeout 5 >/dev/null 2>"$work/err.txt" || status=$?
[ "$status" -eq 4 ] || fail "--since 14 (next 13) exited $status, expected 4"
grep -q 'beyond' "$work/err.txt" || fail "--since 14: no reason on stderr"
for options in "--last 3 --since 2" "--from-beginning --last 2" "--print-next --since 1"; do
    status=0
    # shellcheck disable=SC2086
    sub $options >/dev/null 2>&1 || status=$?
    [ "$status" -eq 2 ] || fail "precis sub $options exited $status, expected 2"
done
status=0
env -u PRECIS_REPLAY "$precis" sub --output "ipc://$work/nothing" --from-beginning --exit-at-end >/dev/null \
    2>"$work/err.txt" || status=$?
[ "$status" -eq 2 ] || fail "--from-beginning with no replay endpoint exited $status, expected 2"
echo "ok: start positions"
