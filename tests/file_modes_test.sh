#!/usr/bin/env bash
# File modes: ingest's journal, the sink's output log and its story index
# hold users' articles and results, so they are 0600, or 0640 when ingest and
# sink run with --group-readable. Run by tests/with_pipeline.sh: file_modes_test.sh MODE
set -euo pipefail
expected=$1
fail() { echo "file_modes_test: $*" >&2; exit 1; }

# One article through, so that every file has been written.
printf '{"id":"modes-1","text":"The ferry left the harbour at dawn. It carried two hundred passengers. The crossing took four hours."}\n' \
    | "$PRECIS_BIN/precis" push --ingest "$PRECIS_INGEST" - >/dev/null || fail "push failed"
"$PRECIS_BIN/precis" sub --output "$PRECIS_OUTPUT" --replay "$PRECIS_REPLAY" --since 1 \
    --count 1 --timeout 30 >/dev/null || fail "no result came out"

files=("$PRECIS_RUN_DIR"/output.records "$PRECIS_RUN_DIR"/journal/* "$PRECIS_RUN_DIR"/output.records.stories)
[ "${#files[@]}" -ge 2 ] && [ -f "${files[1]}" ] || fail "no journal file"
for file in "${files[@]}"; do
    mode=$(stat -c %a "$file")
    [ "$mode" = "$expected" ] || fail "$file has mode $mode, expected $expected"
done
echo "file_modes_test: ${#files[@]} files with mode $expected"
