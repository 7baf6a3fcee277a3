#!/usr/bin/env bash
# The README's shell blocks, run as written: every ```sh block of README.md,
# except one marked <!-- readme-test: skip (why) --> on the line before it,
# runs with bash -e in a scratch copy of the tree whose build/bin holds the
# programs of BUILD_DIR, with PRECIS_PORT_BASE set to free ports and
# PRECIS_NO_BUILD=1 (deploy/pipeline honours both). A block must exit 0;
# when it pushes the samples, its subscriber must have printed a result for
# every sample article (the recipe must not lose any). A README that lies
# fails here.
#   tests/readme_test.sh BUILD_DIR
set -uo pipefail
build=$(cd "$1" && pwd)
repo=$(cd "$(dirname "$0")/.." && pwd)
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
scratch=$(mktemp -d)
cleanup() {
    "$scratch/deploy/pipeline" down --run-dir "$scratch/run" >/dev/null 2>&1 || true
    pkill -f -- "$scratch/build/bin/" 2>/dev/null || true
    rm -rf "$scratch"
}
trap cleanup EXIT

# The tree without build output: the files git knows (committed or not).
if git -C "$repo" rev-parse --git-dir >/dev/null 2>&1; then
    (cd "$repo" && git ls-files -z --cached --others --exclude-standard |
        xargs -0 tar -cf - --ignore-failed-read 2>/dev/null) | tar -xf - -C "$scratch"
else
    (cd "$repo" && tar -cf - --exclude='./build*' --exclude=./run .) | tar -xf - -C "$scratch"
fi
mkdir -p "$scratch/build/bin"
for program in "$build"/bin/precis*; do
    ln -s "$program" "$scratch/build/bin/$(basename "$program")"
done

/usr/bin/python3 - "$repo/README.md" "$scratch/blocks" <<'PY'
import os, sys
lines = open(sys.argv[1]).read().split("\n")
os.makedirs(sys.argv[2])
block, start, skip, count = None, 0, False, 0
for number, line in enumerate(lines, 1):
    if block is None:
        if line.strip() == "```sh":
            previous = lines[number - 2] if number >= 2 else ""
            skip = previous.strip().startswith("<!-- readme-test: skip")
            block, start = [], number
    elif line.strip() == "```":
        count += 1
        name = "%02d-line%d%s.sh" % (count, start, "-skip" if skip else "")
        open(os.path.join(sys.argv[2], name), "w").write("\n".join(block) + "\n")
        block = None
    else:
        block.append(line)
PY
samples=$(find "$scratch/samples" -maxdepth 1 -type f -name '*.txt' | wc -l)
ran=0
for block in "$scratch"/blocks/*.sh; do
    name=$(basename "$block" .sh)
    case "$name" in *-skip) echo "skipped (marked in the README): $name"; continue ;; esac
    base=$("$repo/deploy/pipeline" free-port-base) || { fail "no free ports"; continue; }
    status=0
    # The block runs in a session of its own, so that what it leaves in the
    # background (the recipe's subscriber) can be stopped with it: its
    # output is complete once the pipeline is down (the sink flushes on exit).
    (cd "$scratch" && PRECIS_PORT_BASE=$base PRECIS_NO_BUILD=1 exec setsid timeout 180 bash -e "$block") \
        >"$scratch/$name.out" 2>"$scratch/$name.err" &
    block_pid=$!
    wait "$block_pid" || status=$?
    pkill -TERM -s "$block_pid" 2>/dev/null || true
    ran=$((ran + 1))
    if [ "$status" -ne 0 ]; then
        fail "README block $name exited $status; its stderr ends:"
        tail -n 15 "$scratch/$name.err" >&2
        continue
    fi
    if grep -q "pipeline demo" "$block"; then
        want=$(grep -c '[^[:space:]]' "$scratch/samples/articles.jsonl")
        got=$(grep -c '^\[summary' "$scratch/$name.out" || true)
        echo "$name: the demo printed $got summaries of $want articles"
        # demo honours PRECIS_PORT_BASE (up's default too).
        grep -q "ingest tcp://127.0.0.1:$base," "$scratch/$name.out" ||
            fail "README block $name: the demo did not use PRECIS_PORT_BASE=$base: $(grep 'pipeline up' "$scratch/$name.out")"
        [ "$got" -eq "$want" ] || fail "README block $name: the demo printed $got of $want summaries"
    fi
    if grep -q "push samples" "$block"; then
        # The recipe pushes each sample once (samples/ also has them all in
        # articles.jsonl: pushing the folder sent every id twice), and
        # every accepted id has its result, once.
        answers=$(grep -c $'^accepted\t' "$scratch/$name.out" || true)
        accepted=$(grep $'^accepted\t' "$scratch/$name.out" | cut -f2 | sort -u | wc -l)
        got=$(grep -c '^\[\(summary\|duplicate\|error\)' "$scratch/$name.out" || true)
        echo "$name: $accepted ids accepted ($answers answers) from $samples sample files; the subscriber printed $got results"
        if [ "$answers" -ne "$samples" ] || [ "$accepted" -ne "$samples" ]; then
            fail "README block $name: $answers acceptances of $accepted ids for $samples samples (each once)"
        fi
        if [ "$accepted" -lt 1 ] || [ "$got" -ne "$accepted" ]; then
            fail "README block $name: $got results printed for $accepted accepted articles"
            cat "$scratch/$name.out" >&2
        fi
    fi
done
[ "$ran" -ge 1 ] || fail "no README block was run"
[ "$failures" -eq 0 ] && echo "ok: $ran README block(s) ran as written"
exit $((failures > 0))
