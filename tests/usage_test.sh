#!/usr/bin/env bash
# Every program answers --help on stdout with exit 0, and a bad option with
# exit 2 and a message on stderr.
set -uo pipefail
bin=$1
failures=0
check() { # description, expected exit code, command...
    local what=$1 expected=$2
    shift 2
    "$@" >/tmp/precis-usage.$$ 2>&1
    local got=$?
    if [ "$got" -ne "$expected" ]; then
        echo "FAIL: $what: exit $got, expected $expected" >&2
        failures=$((failures + 1))
    fi
}
for program in precis-ingest precis-normalize precis-summarize precis-sink; do
    check "$program --help" 0 "$bin/$program" --help
    "$bin/$program" --help >/tmp/precis-help.$$ && grep -q '^Usage: ' /tmp/precis-help.$$ ||
        { echo "FAIL: $program --help" >&2; failures=$((failures + 1)); }
    check "$program --bogus" 2 "$bin/$program" --bogus
done
for command in push sub summarize split; do
    check "precis $command --help" 0 "$bin/precis" "$command" --help
    check "precis $command --bogus" 2 "$bin/precis" "$command" --bogus
done
check "precis push --id with a file" 2 "$bin/precis" push --id x /dev/null
check "precis push --id without a value" 2 "$bin/precis" push --id
check "precis summarize --title-line --no-title" 2 "$bin/precis" summarize --title-line --no-title
# What the offline commands' help must tell: the title rule and its options,
# feeds, that plain output does not mark cut sentences, split's empty input.
help_says() { # command, fixed text its --help must contain
    # The whole help first: grep -q would stop reading at the first match
    # and a long help text would then die of SIGPIPE (a false failure).
    "$bin/precis" "$1" --help >/tmp/precis-help.$$ && grep -qF -- "$2" /tmp/precis-help.$$ ||
        { echo "FAIL: precis $1 --help does not say '$2'" >&2; failures=$((failures + 1)); }
}
help_says summarize --title-line
help_says summarize --no-title
help_says summarize "when it looks like"
help_says summarize "RSS or Atom feed"
help_says summarize "does not show which were cut short"
help_says split "no text in the input"
help_says split "NUL characters"
# summarize and split parse with the shared table (libprecis/precis_config):
# --version, one error style naming the allowed range, --config with its
# unknown keys refused by key and line, the command line over the file,
# options after the inputs, and --jsonl a flag there but a PATH for the sink.
work=$(mktemp -d)
says() { # description, expected exit code, fixed text in stdout+stderr, command...
    local what=$1 expected=$2 text=$3
    shift 3
    "$@" >"$work/out" 2>&1
    local got=$?
    if [ "$got" -ne "$expected" ] || ! grep -qF -- "$text" "$work/out"; then
        echo "FAIL: $what: exit $got (expected $expected), output: $(head -c 400 "$work/out")" >&2
        failures=$((failures + 1))
    fi
}
for command in summarize split; do
    says "precis $command --version" 0 "precis $command " "$bin/precis" "$command" --version
    printf '# a misspelt key\n%s\n    lang = en\n    jsnol = 1\n' "$command" >"$work/bad.cfg"
    says "precis $command --config with an unknown key" 2 "line 4: unknown key 'jsnol'" \
        "$bin/precis" "$command" --config "$work/bad.cfg"
    says "precis $command --lang without a value" 2 "'--lang'" "$bin/precis" "$command" --lang
done
says "summarize --sentences 0" 2 "--sentences '0': expected a whole number from 1 to 100000000" \
    "$bin/precis" summarize --sentences 0
says "summarize --max-sentences 3Gi" 2 "--max-sentences '3Gi': expected a size from 1 to 2Gi" \
    "$bin/precis" summarize --max-sentences 3Gi
says "summarize --ratio 1.5" 2 "--ratio '1.5': expected a number above 0 and at most 1" \
    "$bin/precis" summarize --ratio 1.5
says "summarize --format pdf" 2 "precis summarize: --format 'pdf': expected text, html or auto" \
    "$bin/precis" summarize --format pdf
# INI habits in a ZPL file: the message says what ZPL wants, with the line.
printf '[summarize]\nsentences = 1\n' >"$work/ini.cfg"
says "summarize --config, an INI [section]" 2 \
    "line 1: '[summarize]' is not ZPL: sections are written without brackets, keys indented by 4 spaces" \
    "$bin/precis" summarize --config "$work/ini.cfg"
printf 'summarize\n  sentences = 1\n' >"$work/indent.cfg"
says "summarize --config, keys indented by 2" 2 "line 2: indented by 2 spaces" \
    "$bin/precis" summarize --config "$work/indent.cfg"
printf 'summarize\n    words = none\n' >"$work/value.cfg"
says "summarize --config, a bad value" 2 "line 2" "$bin/precis" summarize --config "$work/value.cfg"
says "split, two inputs" 2 "one input file at most" "$bin/precis" split a b
printf 'Harbour works\nThe ferry berth opened on Tuesday after two years of work. ' >"$work/a.txt"
printf 'Island ferries will use it from next month. The old berth closes for repairs. ' >>"$work/a.txt"
printf 'Shops near the quay expect more visitors this summer.\n' >>"$work/a.txt"
printf 'summarize\n    sentences = 1\n    title-line = 1\n' >"$work/one.cfg"
"$bin/precis" summarize --config "$work/one.cfg" "$work/a.txt" >"$work/out" 2>&1
[ "$(wc -l <"$work/out")" -eq 1 ] ||
    { echo "FAIL: summarize --config sentences = 1: $(cat "$work/out")" >&2; failures=$((failures + 1)); }
"$bin/precis" summarize "$work/a.txt" --config "$work/one.cfg" --sentences 2 >"$work/out" 2>&1
[ "$(wc -l <"$work/out")" -eq 2 ] ||
    { echo "FAIL: summarize --sentences 2 over the file's 1: $(cat "$work/out")" >&2; failures=$((failures + 1)); }
# Exclusive options: the command line's replaces the file's (sentences = 2
# in the file, --ratio here), two on the command line are a conflict.
printf 'summarize\n    sentences = 2\n' >"$work/two.cfg"
says "summarize --config (sentences = 2) --ratio 0.5" 0 "The ferry berth opened" \
    "$bin/precis" summarize --config "$work/two.cfg" --ratio 0.5 "$work/a.txt"
says "summarize --ratio --words, both on the command line" 2 "give one of --sentences" \
    "$bin/precis" summarize --ratio 0.5 --words 9 "$work/a.txt"
printf 'summarize\n    sentences = 2\n    words = 9\n' >"$work/both.cfg"
# The file's two keys are named with the file and their lines (issue 13).
says "summarize, sentences and words both in the file" 2 \
    "both.cfg, lines 2 and 3: 'sentences' and 'words' exclude each other" \
    "$bin/precis" summarize --config "$work/both.cfg" "$work/a.txt"
says "precis-summarize --check-config, two exclusive keys" 2 "lines 2 and 3" \
    "$bin/precis-summarize" --config "$work/both.cfg" --check-config
says "precis-summarize --check-config, a good file" 0 "configuration OK" \
    "$bin/precis-summarize" --config "$work/two.cfg" --check-config
# deploy/pipeline --help says where the demo's ports come from.
pipeline="$(cd "$(dirname "$0")/.." && pwd)/deploy/pipeline"
says "deploy/pipeline --help, PRECIS_PORT_BASE set" 0 "pipeline on ports from PRECIS_PORT_BASE" \
    env PRECIS_PORT_BASE=7000 "$pipeline" --help
says "deploy/pipeline --help, PRECIS_PORT_BASE unset" 0 "pipeline on free ports" \
    env -u PRECIS_PORT_BASE "$pipeline" --help
printf 'sub\n    last = 5\n' >"$work/sub.cfg"
says "sub --since --last, both on the command line" 2 "exclude each other" \
    "$bin/precis" sub --config "$work/sub.cfg" --since 3 --last 2
printf '{"id": "a1", "text": "The berth opened. Ferries use it."}\n' >"$work/a.jsonl"
says "summarize FILE --jsonl (the flag, after the input)" 0 '"id":"a1"' \
    "$bin/precis" summarize "$work/a.jsonl" --jsonl
printf 'split\n    jsonl = true\n' >"$work/split.cfg"
says "split with jsonl = true in its section" 0 '{"sentences":' \
    "$bin/precis" split --config "$work/split.cfg" "$work/a.jsonl"
says "precis-sink --help: --jsonl PATH" 0 "--jsonl PATH" "$bin/precis-sink" --help
says "precis summarize --help: --jsonl a flag" 0 "  --jsonl   " "$bin/precis" summarize --help
says "precis split --help: the evaluation heading" 0 "For evaluating the splitter" \
    "$bin/precis" split --help
rm -rf "$work"
check "precis --help" 0 "$bin/precis" --help
check "precis (no command)" 2 "$bin/precis"
check "precis unknown" 2 "$bin/precis" frobnicate
check "precis-summarize --ratio 2" 2 "$bin/precis-summarize" --ratio 2
rm -f /tmp/precis-usage.$$ /tmp/precis-help.$$
[ "$failures" -eq 0 ] && echo "ok: usage and exit codes"
exit $((failures > 0))
