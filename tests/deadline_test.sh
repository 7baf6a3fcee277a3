#!/usr/bin/env bash
# tests/deadline.py, the wrapper every process-starting test runs under:
# a test that overruns its deadline, having started a child, a daemon in a
# session of its own whose parent has exited (as deploy/pipeline up's
# processes are) and a child that ignores SIGTERM, leaves none of them
# running (checked by pid), its TERM trap runs, and the wrapper exits 124
# saying why. Without the wrapper, the SIGKILL that ctest sends to the
# test's process group at its TIMEOUT leaves the daemon running (checked
# too: the check can fail). A test that ends in time keeps its exit code,
# and what it left running is stopped and named.
#   tests/deadline_test.sh
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/precis-deadline-test.XXXXXX")
fail() { echo "FAIL: deadline_test: $*" >&2; exit 1; }

# True when pid runs the sleep of this test (not a zombie, not a reused pid).
sleeper_alive() { # pid
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    [ "${stat%% *}" != Z ] || return 1
    tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -q '^sleep 7391'
}
# The pids the test scripts wrote, in every run directory.
pids_written() {
    cat "$work"/*/child "$work"/*/daemon "$work"/*/stubborn 2>/dev/null || true
}
cleanup() {
    local status=$? pid
    trap - EXIT
    for pid in $(pids_written); do
        ! sleeper_alive "$pid" || kill -KILL "$pid" 2>/dev/null || true
    done
    rm -rf "$work"
    exit "$status"
}
trap cleanup EXIT

# The test under the wrapper: three sleepers, then it waits for ever, or
# with 'exit' ends at once (the daemon left running).
cat >"$work/test.sh" <<'EOF'
dir=$1
trap 'echo ran >"$dir/trap"; exit 1' TERM
sleep 7391 &
echo $! >"$dir/child"
(setsid sleep 7391 </dev/null >/dev/null 2>&1 & echo $! >"$dir/daemon")
(trap '' TERM; exec sleep 7391) &
stubborn=$!
echo "$stubborn" >"$dir/stubborn"
# Ready once the daemon has a session of its own and the stubborn child
# ignores SIGTERM (bit 15 - 1 of SigIgn): both happen after the fork that
# $! names.
daemon=$(cat "$dir/daemon")
for _ in $(seq 200); do
    ignored=$(awk '/^SigIgn:/ { print $2 }' "/proc/$stubborn/status" 2>/dev/null)
    [ "$(ps -o sid= -p "$daemon" | tr -d ' ')" = "$daemon" ] &&
        (( 0x${ignored:-0} & 0x4000 )) && break
    sleep 0.05
done
echo >"$dir/ready"
[ "${2:-}" != exit ] || exit 3
sleep 7391
EOF

# Without the wrapper, as ctest's TIMEOUT does it: SIGKILL to the group.
mkdir "$work/bare"
setsid bash "$work/test.sh" "$work/bare" &
bare=$!
for _ in $(seq 200); do [ -f "$work/bare/ready" ] && break; sleep 0.1; done
{ kill -KILL -- "-$bare"; wait "$bare"; } 2>/dev/null || true
daemon=$(cat "$work/bare/daemon")
sleeper_alive "$daemon" \
    || fail "without the wrapper the daemon (pid $daemon) did not survive: the check below shows nothing"

# Under the wrapper, with a TIMEOUT of 8 s: stopped at 6 s.
mkdir "$work/wrapped"
status=0
PRECIS_TEST_TIMEOUT=8 "$here/deadline.py" bash "$work/test.sh" "$work/wrapped" \
    2>"$work/wrapped.err" || status=$?
[ "$status" -eq 124 ] || fail "the wrapper exited $status, not 124: $(cat "$work/wrapped.err")"
grep -q "ran past its deadline, 6 s (TIMEOUT 8 s)" "$work/wrapped.err" \
    || fail "the wrapper did not say why: $(cat "$work/wrapped.err")"
[ -f "$work/wrapped/ready" ] || fail "the test did not start its sleepers within 6 s"
[ -f "$work/wrapped/trap" ] || fail "the test's TERM trap did not run"
for name in child daemon stubborn; do
    pid=$(cat "$work/wrapped/$name" 2>/dev/null) || fail "the test did not start its $name"
    ! sleeper_alive "$pid" || fail "the $name (pid $pid) outlived the wrapper"
done

# Ended in time: its exit code, and the daemon it left is stopped and named.
mkdir "$work/ended"
status=0
"$here/deadline.py" --timeout 60 -- bash "$work/test.sh" "$work/ended" exit \
    2>"$work/ended.err" || status=$?
[ "$status" -eq 3 ] || fail "the wrapper exited $status, not the test's 3: $(cat "$work/ended.err")"
for name in child daemon stubborn; do
    pid=$(cat "$work/ended/$name")
    ! sleeper_alive "$pid" || fail "the $name (pid $pid) outlived a test that ended"
done
grep -q "left running: .*pid $(cat "$work/ended/daemon") (sleep 7391)" "$work/ended.err" \
    || fail "the daemon left running was not named: $(cat "$work/ended.err")"
echo "ok: a test past its deadline leaves nothing running (without the wrapper its daemon survives); one that ends keeps its exit code"
