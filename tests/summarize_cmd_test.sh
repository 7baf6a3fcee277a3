#!/usr/bin/env bash
# precis summarize offline: the input shapes users met. A record with
# \u0000 in its text is summarized (the normalizer removes NUL, as in the
# pipeline); input with no article exits 1 with a reason; an empty text is
# reported by its line number; an unpunctuated transcript is cut to the
# word budget and marked truncated, and an ordinary article is not. A
# plain-text first line is the title only when it looks like one (as push
# decides); feeds are summarized item by item; --explain tells why each
# sentence was or was not chosen; `precis split` refuses empty input and
# accepts \u0000.
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

# A streamed input (a pipe that stays open, as `tail -f feed.jsonl | precis
# summarize --jsonl`): each result is written out while the command waits
# for the next line, not held in the output buffer until the input ends.
mkfifo "$work/stream"
"$bin/precis" summarize --jsonl <"$work/stream" >"$work/stream.out" 2>"$work/stream.err" &
stream_pid=$!
exec 7>"$work/stream"
printf '%s\n' '{"id":"live-1","text":"The night bus returns to the harbour route on Monday. The council found the money for a driver."}' >&7
for _ in $(seq 100); do
    grep -q '"id":"live-1"' "$work/stream.out" && break
    sleep 0.1
done
grep -q '"id":"live-1"' "$work/stream.out" ||
    fail "a streamed input's result waited for the input to end: $(cat "$work/stream.err")"
exec 7>&-
wait "$stream_pid" || fail "summarize of a streamed input exited $?"

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
! grep '"id":"blank"' "$work/out" | grep -q '"type":"summary"' || fail "empty text summarized"
grep '"id":"blank"' "$work/out" | grep -q '"type":"error".*"reason":"empty"' ||
    fail "empty text: no error line in the wire's form: $(cat "$work/out")"

# A scraped label line with no final stop ("READ MORE: <other story>")
# above the lead (issue 13): it is a sentence of its own, judged furniture,
# and the lead it used to be glued to can be chosen.
printf '%s\n' 'Cladding to go from all four towers' \
    'READ MORE: Tower block residents demand answers' \
    'The council will replace the cladding on all four towers of the Marsh estate by next summer, it said on Monday.' \
    'Residents had asked for the work since a fire in a nearby block last year.' \
    'The repairs will cost about 12 million pounds, paid from the housing budget.' >"$work/label.txt"
run 0 --sentences 1 "$work/label.txt"
grep -qx 'The council will replace the cladding on all four towers of the Marsh estate by next summer, it said on Monday.' "$work/out" ||
    fail "the lead after a READ MORE line: $(cat "$work/out")"
run 0 --sentences 1 --explain "$work/label.txt"
grep -q '^ *0 below others .* phrase .*READ MORE: Tower block residents demand answers$' "$work/out" ||
    fail "the READ MORE line is not a furniture sentence of its own: $(cat "$work/out")"

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
grep -q '"sentences":\[{"index":0,"score":[0-9.e-]*,"truncated":true}\]' "$work/out" ||
    fail "cut sentence not marked: $(cat "$work/out")"

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

# A one-line file is all text, not a title with an empty text.
printf 'The ferry resumes on Monday after three weeks of repairs to the pier.\n' >"$work/one.txt"
run 0 "$work/one.txt"
grep -q 'ferry resumes on Monday' "$work/out" || fail "one-line file: $(cat "$work/err")"
# So is a short line with no final punctuation, which alone looks like a title.
printf 'Residents want the ferry kept until the works end\n' | run 0
grep -q 'Residents want the ferry' "$work/out" || fail "short one-line input: $(cat "$work/err")"
# A first line that is a sentence is text too; a headline is the title.
printf 'The pier reopened on Monday.\nFerries ran all day.\n' >"$work/sentence.txt"
run 0 --sentences 5 "$work/sentence.txt"
grep -q 'pier reopened' "$work/out" || fail "first-line sentence taken as the title"
printf 'Pier reopens\nThe pier reopened on Monday. Ferries ran all day.\n' >"$work/headed.txt"
run 0 --sentences 5 "$work/headed.txt"
! grep -qx 'Pier reopens' "$work/out" || fail "headline summarized as text"
grep -q 'Ferries ran' "$work/out" || fail "text under a headline lost"
# --no-title: the headline is text; --title-line: the sentence is the title.
# (A headline that says the lede again is a repeat of it in a count
# summary, so this one says something else.)
printf 'Crowds return\nThe pier reopened on Monday. Ferries ran all day.\n' >"$work/crowds.txt"
run 0 --sentences 5 --no-title "$work/crowds.txt"
grep -q 'Crowds return' "$work/out" || fail "--no-title still took the headline"
run 0 --sentences 5 --title-line "$work/sentence.txt"
! grep -q 'pier reopened' "$work/out" || fail "--title-line did not take the first line"
run 2 --title-line --no-title "$work/headed.txt"

# An RSS feed: two items with text, one without (reported, exit 1).
cat >"$work/harbour.rss" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Harbour desk</title>
<item><guid>pier-1</guid><title>Pier reopens</title>
<description>The pier reopened on Monday. Ferries ran all day. Fishing boats came back in the evening.</description></item>
<item><guid>storm-2</guid>
<description>&lt;p&gt;A storm closed the coast road overnight. Crews cleared it by noon.&lt;/p&gt;</description></item>
<item><guid>empty-3</guid><title>Nothing here</title></item>
</channel></rss>
EOF
run 1 --sentences 5 "$work/harbour.rss"
grep -q 'item 3 (empty-3)' "$work/err" || fail "feed item without text not reported"
printf 'Pier reopens\nThe pier reopened on Monday.\nFerries ran all day.\nFishing boats came back in the evening.\n\nstorm-2\nA storm closed the coast road overnight.\nCrews cleared it by noon.\n' >"$work/want"
cmp -s "$work/out" "$work/want" || fail "feed plain output: $(cat "$work/out")"
# The same feed sniffed on stdin, and with --jsonl one line per item.
grep -v empty-3 "$work/harbour.rss" | run 0 --sentences 1
[ "$(grep -c . "$work/out")" -eq 4 ] || fail "sniffed feed: $(cat "$work/out")"
run 1 --jsonl "$work/harbour.rss"
[ "$(wc -l <"$work/out")" -eq 3 ] || fail "feed --jsonl: not one line per item: $(cat "$work/out")"
grep -q '^{"v":1,"type":"error","id":"empty-3","title":"Nothing here",.*"stage":"ingest","reason":"invalid","error":"item 3 (empty-3) has no content' "$work/out" ||
    fail "feed --jsonl: no error line for the item without text: $(cat "$work/out")"
grep -q '^{"v":1,"type":"summary","id":"pier-1",.*"summary":\[' "$work/out" || fail "feed --jsonl: no pier-1 line"
grep -q '^{"v":1,"type":"summary","id":"storm-2",' "$work/out" || fail "feed --jsonl: no storm-2 line"
grep -v empty-3 "$work/harbour.rss" | run 0 --jsonl
[ "$(wc -l <"$work/out")" -eq 2 ] || fail "feed on --jsonl stdin: $(cat "$work/err")"
# An Atom feed.
cat >"$work/coast.atom" <<'EOF'
<feed xmlns="http://www.w3.org/2005/Atom"><title>Coast</title>
<entry><id>urn:coast:1</id><title>Road open</title>
<content type="text">The coast road is open again. Buses run on time.</content></entry>
</feed>
EOF
run 0 "$work/coast.atom"
[ "$(head -1 "$work/out")" = "Road open" ] || fail "atom entry header: $(cat "$work/out")"
grep -q 'Buses run on time' "$work/out" || fail "atom entry not summarized"

# JSON Lines records (the simdjson reader): an id of any JSON type comes back
# as given; bad lines are reported by number and the good ones around them
# still summarized; a line's own length and language are taken.
{
    printf '%s\n' '{"id":7,"text":"The tram line opens in June. Tickets go on sale in May."}'
    printf '%s\n' '{"id":{"feed":"a","n":[1,2]},"text":"The tram line opens in June. Tickets go on sale in May."}'
    printf '{"id":"bad-utf8","text":"caf\xe9 closes"}\n'
    printf '%s\n' 'not json at all'
    printf '%s\n' '{"id":"trailing","text":"One. Two."} {}'
    printf '%s\n' '{"id":"q\"\\","text":"The tram line opens in June. Tickets go on sale in May.","sentences":1}'
    printf '%s\n' '{"id":"badlen","text":"One. Two.","sentences":2.5}'
} | run 1 --jsonl --sentences 2
grep -qx '{"v":1,"type":"summary","id":7,"title":"","url":"","source":"","published":"","lang":"en","summary":\["The tram line opens in June.","Tickets go on sale in May."\],.*' "$work/out" ||
    fail "numeric id: $(cat "$work/out")"
grep -q '^{"v":1,"type":"summary","id":{"feed":"a","n":\[1,2\]},' "$work/out" || fail "object id not kept"
grep -q '^{"v":1,"type":"summary","id":"q\\"\\\\",.*"summary":\["The tram line opens in June."\]' "$work/out" ||
    fail "escaped id or the line's own sentences: $(cat "$work/out")"
# One output line per input line (issue 13): a bad line gets an error
# result in the wire's form (its id line-N when it has none to read), so
# output joins input by number.
[ "$(wc -l <"$work/out")" -eq 7 ] || fail "JSON Lines: $(wc -l <"$work/out") results, expected 7"
for line in 3 4 5 7; do
    grep -q "line $line:" "$work/err" || fail "bad line $line not reported: $(cat "$work/err")"
    sed -n "${line}p" "$work/out" |
        grep -q "^{\"v\":1,\"type\":\"error\",\"id\":\"\(line-$line\|badlen\)\",.*\"stage\":\"ingest\",\"reason\":\"invalid\",\"error\":\"line $line: " ||
        fail "output line $line is not line $line's error: $(sed -n "${line}p" "$work/out")"
done
# The reasons are in words, not the JSON parser's internals.
sed -n 3p "$work/out" | grep -q '"error":"line 3: not valid UTF-8"' || fail "bad UTF-8 reason: $(sed -n 3p "$work/out")"
sed -n 4p "$work/out" | grep -q '"error":"line 4: not a JSON object (JSON Lines input has one {...} a line)"' ||
    fail "plain-text line reason: $(sed -n 4p "$work/out")"
sed -n 7p "$work/out" | grep -q 'bad \\"sentences\\"' || fail "bad length reason: $(sed -n 7p "$work/out")"
if grep -qi "improper structure\|tape" "$work/out" "$work/err"; then fail "simdjson's words reach the user"; fi
printf '%s\n' '{"id":"cut","text":"The tram' '{"id":"n","text":5}' '["a list"]' | run 1 --jsonl
python3 - "$work/out" <<'PY' || fail "cut, non-string and non-object lines: $(cat "$work/out")"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert [r["id"] for r in lines] == ["line-1", "n", "line-3"], lines
assert all(r["type"] == "error" and r["reason"] == "invalid" for r in lines), lines
assert lines[0]["error"] == "line 1: not valid JSON (a string is not closed: the line is cut short?)", lines[0]
assert lines[1]["error"] == 'line 2: "text" missing or not a string', lines[1]
assert lines[2]["error"] == "line 3: not a JSON object", lines[2]
PY
# Line numbers are the input's, also after blank lines read from a pipe.
printf '\n\n%s\n\n%s\n' '{"text":5}' 'nope' | run 1 --jsonl
[ "$(cut -c1-40 "$work/out")" = "$(printf '%s\n' '{"v":1,"type":"error","id":"line-3","tit' '{"v":1,"type":"error","id":"line-5","tit')" ] ||
    fail "line numbers after leading blank lines: $(cat "$work/out")"
# Plain text on stdin with --jsonl is one article (as a text file is): one
# result line, not a parse error per line.
printf 'Tram line opens\nThe tram line opens in June.\nTickets go on sale in May.\n' | run 0 --jsonl
[ "$(wc -l <"$work/out")" -eq 1 ] && grep -q '^{"v":1,"type":"summary","id":"-","title":"Tram line opens",.*"summary":\["The tram line opens in June.","Tickets go on sale in May."\]' "$work/out" ||
    fail "plain text on --jsonl stdin: $(cat "$work/out") $(cat "$work/err")"
# url, source and published of a line are passed through, as the pipeline does.
printf '%s\n' '{"id":"m","title":"Tram","url":"https://t.example/1","source":"Tram desk","published":"2026-12-01T06:00:00Z","text":"The tram line opens in June. Tickets go on sale in May."}' | run 0 --jsonl
grep -q '"id":"m","title":"Tram","url":"https://t.example/1","source":"Tram desk","published":"2026-12-01T06:00:00Z",' "$work/out" ||
    fail "url, source, published not passed through: $(cat "$work/out")"
printf '%s\n' '{"id":"u","url":7,"text":"The tram line opens in June."}' | run 1 --jsonl
grep -q '"type":"error","id":"u",.*"error":"line 1: \\"url\\", \\"source\\" or \\"published\\" is not a string"' "$work/out" ||
    fail "non-string url: $(cat "$work/out")"
# A broken feed, and one with no items: exit 1 with a reason, no output.
printf '<?xml version="1.0"?>\n<rss><channel><item><title>Cut off' >"$work/broken.rss"
run 1 "$work/broken.rss"
grep -q 'cannot read the feed: not well-formed XML' "$work/err" || fail "broken feed: $(cat "$work/err")"
[ ! -s "$work/out" ] || fail "broken feed printed something"
run 1 --jsonl <"$work/broken.rss"
grep -q 'cannot read the feed' "$work/err" || fail "broken feed on --jsonl: $(cat "$work/err")"
printf '<rss version="2.0"><channel><title>Quiet</title></channel></rss>\n' | run 1
grep -q 'no article' "$work/err" || fail "feed with no items: $(cat "$work/err")"

# --explain: plain output adds one row per sentence after the summary;
# JSON Lines adds "explain" with every sentence, its status (a repeated
# sentence is redundant with its first copy) and score parts; a line's own
# "explain": false wins, and a non-boolean one is a bad line.
printf 'Ferry service resumes\nBy Ona Reyes\nThe ferry to Skerry will resume on Monday after storm repairs to the pier. Engineers replaced two damaged pier supports last week. The ferry to Skerry will resume on Monday after storm repairs to the pier.\n' >"$work/ferry.txt"
run 0 --explain --sentences 2 "$work/ferry.txt"
{ grep -q '^ *# status' "$work/out" && grep -q '^ *3 like 1 ' "$work/out" &&
    grep -q '^ *0 .*byline' "$work/out"; } || fail "--explain table: $(cat "$work/out")"
printf '%s\n' '{"id":"e","text":"The pier reopened on Monday. Engineers rebuilt it. The pier reopened on Monday.","explain":true}' \
    '{"id":"n","text":"The pier reopened on Monday. Engineers rebuilt it.","explain":false}' |
    run 0 --jsonl --explain --sentences 1
python3 - "$work/out" <<'PY' || fail "--jsonl explain: $(cat "$work/out")"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
e = lines[0]["explain"]["sentences"]
assert [s["status"] for s in e] == ["selected", "below others", "redundant"], e
assert e[2]["redundant_with"] == 0 and "redundant_with" not in e[1]
parts = ("centrality", "position", "first", "frequency", "title", "length")
for s in e:
    assert abs(sum(s[p] for p in parts) * s["penalty"] - s["score"]) < 1e-4, s
assert e[0]["text"] == "The pier reopened on Monday." and e[0]["penalties"]["furniture"] == 1
assert "explain" not in lines[1]
PY
printf '%s\n' '{"id":"b","text":"Tides rose.","explain":"yes"}' | run 1 --jsonl
grep -q '"explain" is not true or false' "$work/err" || fail "bad explain value: $(cat "$work/err")"

# precis split: no text is bad input, from stdin, a file and --jsonl.
split() { # expected exit code, then split's arguments; stdin is passed on
    local expected=$1
    shift
    "$bin/precis" split "$@" >"$work/out" 2>"$work/err"
    local got=$?
    [ "$got" -eq "$expected" ] || fail "split $*: exit $got, expected $expected"
}
: | split 1
grep -q 'no text in the input' "$work/err" || fail "split, empty stdin: no reason"
printf ' \n\t\n' >"$work/blank.txt"
split 1 "$work/blank.txt"
grep -q 'no text in the input' "$work/err" || fail "split, blank file: no reason"
printf '\n\n' | split 1 --jsonl
grep -q 'no text in the input' "$work/err" || fail "split --jsonl, no line: no reason"
# \u0000 is accepted and removed, as summarize's normalizer does.
printf '%s\n' '{"text":"The ferry\u0000 resumes on Monday. Repairs took three weeks."}' |
    split 0 --jsonl
grep -qF '"The ferry resumes on Monday."' "$work/out" || fail "split --jsonl with \\u0000: $(cat "$work/err")"
printf 'Nets dried.\0 Gulls circled.' | split 0
{ [ "$(wc -l <"$work/out")" -eq 2 ] && ! grep -qaP '\x00' "$work/out"; } || fail "split, raw NUL kept"

# Repeats across a --jsonl input: an exact copy (white space aside) and a
# copy with a new dateline and a cut last sentence are marked with the
# first article's story; the first article and an unrelated one are not.
story='The county council voted on Thursday to close the old swimming pool on Mill Lane at the end of the summer. Councillors said repairs to the roof and the boilers would cost more than a new pool. A new leisure centre with two pools is planned next to the railway station and should open within three years. Swimming clubs asked the council to keep the old pool open until then. The council leader said the decision had not been easy but the building was no longer safe.'
other='Fishermen in the northern harbour landed the largest catch of herring in a decade this week. Prices at the morning auction fell by a third as buyers had more fish than they could sell. The harbour master said the shoals had come closer to the coast than in recent years.'
{
    printf '{"id":"first","text":"%s"}\n' "$story"
    printf '{"id":"unrelated","text":"%s"}\n' "$other"
    printf '{"id":"copy","text":"  %s\\n"}\n' "$(echo "$story" | sed 's/\. /.  /g')"
    printf '{"id":"edited","text":"MILLTOWN (Wire) - %s"}\n' "${story% The council leader*}"
} >"$work/repeats.jsonl"
run 0 --jsonl --stories "$work/repeats.jsonl"
line() { grep "\"id\":\"$1\"" "$work/out"; }
line first | grep -q duplicate_of && fail "first article marked as a repeat"
line unrelated | grep -q duplicate_of && fail "unrelated article marked as a repeat"
line copy | grep -q '"story":"first","duplicate_of":"first","similarity":1.0,"exact":true' ||
    fail "exact copy not marked: $(line copy)"
line edited | grep -qE '"story":"first","duplicate_of":"first","similarity":0\.[5-9][0-9]*,"exact":false' ||
    fail "edited copy not marked: $(line edited)"
run 0 --jsonl "$work/repeats.jsonl"
grep -q duplicate_of "$work/out" && fail "repeats marked without --stories"
# Repeats across files: text files too (their id is the path, as push
# gives it), and a second JSON Lines file, whose line numbers start again.
mkdir -p "$work/across"
third='The town library will open on Sundays from next month after a vote by the parish council. Volunteers from the reading club offered to staff the front desk. The librarian said families had asked for weekend hours for years.'
printf 'Library opens on Sundays\n%s\n' "$third" >"$work/across/pool.txt"
cp "$work/across/pool.txt" "$work/across/pool-copy.txt"
printf '{"id":"second-file","text":"%s"}\n' "$story" >"$work/across/more.jsonl"
run 0 --jsonl --stories "$work/repeats.jsonl" "$work/across/more.jsonl" \
    "$work/across/pool.txt" "$work/across/pool-copy.txt"
line second-file | grep -q '"story":"first","duplicate_of":"first","similarity":1.0,"exact":true' ||
    fail "a repeat in a second JSON Lines file not marked: $(line second-file)"
grep '"id":"[^"]*pool-copy.txt"' "$work/out" |
    grep -q '"duplicate_of":"[^"]*across/pool.txt","similarity":1.0,"exact":true' ||
    fail "a text file copy not marked: $(grep pool-copy "$work/out")"
# Every line carries its story, as the sink publishes it: a new story is
# its own, with similarity 0.
line first | grep -q '"story":"first","similarity":0\.0,"exact":false' ||
    fail "new story without its own story: $(line first)"
# Plain output has no place for the marks: --stories asks for --jsonl.
run 2 --stories "$work/across/pool.txt"
grep -q -- "--stories marks repeats in --jsonl output" "$work/err" ||
    fail "--stories without --jsonl: $(cat "$work/err")"

# Files, directories and stdin, as push takes them: a directory gives its
# article files (sorted, not its README); plain output heads each input.
mkdir -p "$work/inbox/more"
printf 'Ferry returns\nThe night ferry returns on Friday. Tickets are on sale at the pier.\n' >"$work/inbox/a.txt"
printf '<html><head><title>Pool opens</title></head><body><p>The new pool opens in June. Lessons start a week later.</p></body></html>\n' >"$work/inbox/more/b.html"
printf 'notes, not an article\n' >"$work/inbox/README.md"
printf 'The market moves to the square on Saturday. Stalls open at eight.\n' | run 0 "$work/inbox" -
[ "$(grep -c '^==> ' "$work/out")" -eq 3 ] || fail "3 inputs, headers: $(cat "$work/out")"
grep -q "^==> $work/inbox/a.txt <==" "$work/out" && grep -q "^==> $work/inbox/more/b.html <==" "$work/out" ||
    fail "directory not expanded in order: $(cat "$work/out")"
grep -q 'README' "$work/out" && fail "a README in a directory was summarized"
grep -q 'new pool opens' "$work/out" && grep -q 'market moves' "$work/out" ||
    fail "an input's summary is missing: $(cat "$work/out")"
run 0 --jsonl "$work/inbox"
[ "$(grep -c '"type":"summary"' "$work/out")" -eq 2 ] || fail "--jsonl directory: $(cat "$work/out")"
# The ids push would give: the path under the directory, extension kept.
grep -q '"id":"a.txt","title":"Ferry returns"' "$work/out" &&
    grep -q '"id":"more/b.html","title":"Pool opens"' "$work/out" ||
    fail "--jsonl directory: ids from paths as push gives them, titles: $(cat "$work/out")"

# A .jsonl file without --jsonl is still one article a line (as push reads
# it), printed in plain form: title, sentences, a blank line between.
printf '%s\n' '{"id":"r1","title":"Ferry back","text":"The night ferry returns on Friday. Tickets are on sale at the pier."}' \
    '{"id":"r2","text":"The pool opens in June. Lessons start a week later."}' >"$work/two.jsonl"
run 0 "$work/two.jsonl"
[ "$(head -1 "$work/out")" = "Ferry back" ] && grep -qx 'r2' "$work/out" && ! grep -q '{' "$work/out" ||
    fail ".jsonl in plain mode: $(cat "$work/out")"

# Escapes in the output at every place in an 8-byte word (the writer skips
# plain text a word at a time): a quote, a backslash, a tab and a control
# byte in "source" (passed through as given) come back escaped, the rest as is.
printf '%s\n' '{"id":"esc","source":"archive\"a\\bc\tdefghij\u001fk\"lmnopq\\","text":"The night ferry returns on Friday. Tickets are on sale at the pier."}' |
    run 0 --jsonl
grep -qF '"source":"archive\"a\\bc\tdefghij\u001fk\"lmnopq\\",' "$work/out" ||
    fail "escapes in --jsonl output: $(cat "$work/out")"

[ "$failures" -eq 0 ] && echo "ok: precis summarize input shapes"
exit $((failures > 0))
