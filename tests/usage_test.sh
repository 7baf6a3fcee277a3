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
check "precis --help" 0 "$bin/precis" --help
check "precis (no command)" 2 "$bin/precis"
check "precis unknown" 2 "$bin/precis" frobnicate
check "precis-summarize --ratio 2" 2 "$bin/precis-summarize" --ratio 2
rm -f /tmp/precis-usage.$$ /tmp/precis-help.$$
[ "$failures" -eq 0 ] && echo "ok: usage and exit codes"
exit $((failures > 0))
