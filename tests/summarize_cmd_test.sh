#!/usr/bin/env bash
# precis summarize offline: the input shapes users met. A record with
# \u0000 in its text is summarized (the normalizer removes NUL, as in the
# pipeline); input with no article exits 1 with a reason; an empty text is
# reported by its line number; an unpunctuated transcript is cut to the
# word budget and marked truncated, and an ordinary article is not.
set -uo pipefail
bin=$1
failures=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}
run() { # expected exit code, then the command's arguments; stdin is passed on
    local expected=$1
    shift
    "$bin/precis" summarize "$@" >"$work/out" 2>"$work/err"
    local got=$?
    [ "$got" -eq "$expected" ] || fail "summarize $*: exit $got, expected $expected"
}

# \u0000 inside a JSON string.
printf '%s\n' '{"id":"nul","text":"The ferry\u0000 resumes on Monday. Repairs to the pier took three weeks."}' |
    run 0 --jsonl
grep -q '"id":"nul"' "$work/out" || fail "record with \\u0000 dropped: $(cat "$work/err")"
grep -q 'ferry resumes' "$work/out" || fail "NUL not removed from the summary"

# No article at all: plain, and JSON Lines (blank lines only).
: | run 1
grep -q 'no article' "$work/err" || fail "empty plain input: no reason given"
printf '\n  \n' | run 1 --jsonl
grep -q 'no article' "$work/err" || fail "empty --jsonl input: no reason given"

# An empty text is reported with its line, and the next record still runs.
printf '%s\n' '{"id":"blank","text":" \n\t "}' '{"id":"fine","text":"Tides rose. Boats stayed in."}' |
    run 1 --jsonl
grep -q 'line 1' "$work/err" || fail "empty text not reported by line"
grep -q '"id":"fine"' "$work/out" || fail "record after an empty text lost"
! grep -q '"id":"blank"' "$work/out" || fail "empty text summarized"

# 140 words of speech with no punctuation.
words=(so we met the residents last night about the bridge plan and most of them
    told us they want the ferry kept running until works finish because the detour
    adds an hour to every trip)
speech=""
for ((i = 0; i < 140; i++)); do speech+="${speech:+ }${words[i % ${#words[@]}]}"; done
printf 'Residents ask to keep the ferry\n%s\n' "$speech" >"$work/speech.txt"
run 0 --words 40 "$work/speech.txt"
count=$(wc -w <"$work/out")
[ "$count" -gt 0 ] && [ "$count" -le 40 ] || fail "--words 40 gave $count words"
run 0 --sentences 2 "$work/speech.txt"
count=$(wc -w <"$work/out")
[ "$count" -gt 0 ] && [ "$count" -lt 140 ] || fail "--sentences 2 gave $count of 140 words"
printf '{"id":"speech","text":"%s"}\n' "$speech" | run 0 --jsonl --sentences 2
grep -q '"truncated":\[0\]' "$work/out" || fail "cut sentence not marked: $(cat "$work/out")"

# An ordinary article: nothing cut, no flag.
printf '%s\n' '{"id":"news","text":"The council approved the bridge on Monday. Work starts in May. The ferry keeps running until then."}' |
    run 0 --jsonl --sentences 2
grep -q '"id":"news"' "$work/out" || fail "ordinary article not summarized"
! grep -q truncated "$work/out" || fail "ordinary article marked truncated"

# Hard-wrapped text: the sentence that runs over a line break is one line of
# the summary, with a space where the break was.
printf '%s\n' '{"id":"wrap","text":"The plan to rebuild the harbour bridge was approved by\nMayor Lina Ortiz on Monday. Work starts in May."}' |
    run 0 --jsonl --sentences 1
grep -q 'approved by Mayor Lina Ortiz on Monday\."' "$work/out" ||
    fail "wrapped sentence not one line: $(cat "$work/out")"

[ "$failures" -eq 0 ] && echo "ok: precis summarize input shapes"
exit $((failures > 0))
