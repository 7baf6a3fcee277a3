#!/usr/bin/env bash
# Run by tests/with_pipeline.sh. The sink's --jsonl file and the output log
# (precis issue 13): a --jsonl file added to a run dir that already has
# results, and a file rotated as logrotate does (renamed, then the sink
# restarted), start at the next result instead of writing the whole log
# again; a file the sink was writing when it was SIGKILLed is still caught up
# from the output log (issue 11), also one that it had just created.
set -euo pipefail
precis="$PRECIS_BIN/precis"
run=$PRECIS_RUN_DIR
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
jsonl="$work/out.jsonl"
fail() {
    echo "FAIL: $*" >&2
    tail -n 20 "$run/sink.log" >&2
    exit 1
}
published() {
    "$precis" stats --control "ipc://$run/sink.ctl" 2>/dev/null |
        tr ' ' '\n' | sed -n 's/^published=//p' | head -1
}
push_notes() { # first, count: pushes that many articles, waits until published
    local first=$1 count=$2 before i
    before=$(published)
    for i in $(seq "$first" $((first + count - 1))); do
        printf '{"id": "rot-%d", "title": "Ferry %d", "text": "Note %d: the harbour ferry will run every %d minutes from May. The operator bought two new boats this winter. Tickets keep their price of %d euros."}\n' \
            "$i" "$i" "$i" $((10 + i % 5)) $((3 + i % 4))
    done >"$work/notes.jsonl"
    "$precis" push --ingest "$PRECIS_INGEST" "$work/notes.jsonl" >/dev/null ||
        fail "push exited $?"
    for _ in $(seq 400); do
        [ "$(published)" -ge $((before + count)) ] && return 0
        sleep 0.05
    done
    fail "results of rot-$first.. not published"
}
seqs() { # file: its seqs, one line
    python3 -c 'import json,sys; print(" ".join(str(json.loads(l)["seq"]) for l in open(sys.argv[1])))' "$1"
}
expect_seqs() { # file, expected, what
    local got
    got=$(seqs "$1")
    [ "$got" = "$2" ] || fail "$3: seqs '$got', expected '$2'"
    echo "ok: $3: seqs $2"
}
restart_sink() { # SIGTERM, then start from its launcher
    "$PRECIS_LAUNCHER" restart "$run" sink >/dev/null || fail "the sink did not restart"
}

# Results 1..4 before there is any --jsonl file.
push_notes 1 4
sed -i "s|--log |--jsonl $jsonl --log |" "$run/sink.cmd"
restart_sink
grep -q "out.jsonl: a new file: it starts after result 4" "$run/sink.log" ||
    fail "no line saying where the new file starts"
push_notes 5 3
expect_seqs "$jsonl" "5 6 7" "a --jsonl file added to a log of 4 results"

# Rotated as logrotate's default (create) does, then the sink restarted.
mv "$jsonl" "$jsonl.1"
restart_sink
push_notes 8 2
expect_seqs "$jsonl.1" "5 6 7" "the rotated file is left alone"
expect_seqs "$jsonl" "8 9" "the file after rotation"

# SIGKILLed after its last lines reached the log but not the file (as if
# killed between the two writes): they are appended at the next start.
"$PRECIS_LAUNCHER" kill9 "$run" sink
head -n 1 "$jsonl" >"$work/cut" && cat "$work/cut" >"$jsonl"
printf '{"seq": 9, "tor' >>"$jsonl"
"$PRECIS_LAUNCHER" relaunch "$run" sink >/dev/null || fail "the sink did not start"
expect_seqs "$jsonl" "8 9" "a file cut short by a kill, caught up"
grep -q "appended results 9 to 9 from the output log" "$run/sink.log" ||
    fail "no catch-up line"

# A new file that the sink was killed before writing anything to: caught up
# from where it began (same inode, nothing written yet).
mv "$jsonl" "$jsonl.2"
restart_sink
"$PRECIS_LAUNCHER" kill9 "$run" sink
sed -i "s|--jsonl $jsonl ||" "$run/sink.cmd"
"$PRECIS_LAUNCHER" relaunch "$run" sink >/dev/null || fail "the sink did not start"
push_notes 10 2
"$PRECIS_LAUNCHER" kill9 "$run" sink
sed -i "s|--log |--jsonl $jsonl --log |" "$run/sink.cmd"
"$PRECIS_LAUNCHER" relaunch "$run" sink >/dev/null || fail "the sink did not start"
expect_seqs "$jsonl" "10 11" "a created file left empty by a kill, caught up"
grep -q "the file this sink began after result 9; catching it up" "$run/sink.log" ||
    fail "no line saying the file is caught up"

# Emptied in place (copytruncate) once it had lines: not written again.
: >"$jsonl"
restart_sink
push_notes 12 1
expect_seqs "$jsonl" "12" "a file truncated in place"
