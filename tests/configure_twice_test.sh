#!/usr/bin/env bash
# A fresh configure and a second one over its cache give the same compiler
# flags: otherwise every object is built again on the second `cmake` (the
# second `deploy/pipeline up` of a fresh clone). Configure only, no build.
set -uo pipefail
src=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
configure() { cmake -S "$src" -B "$work/b" -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$work/log" 2>&1 ||
    { echo "FAIL: cmake configure: $(tail -5 "$work/log")" >&2; exit 1; }; }
configure
mkdir "$work/first"
(cd "$work/b" && find . -name flags.make -exec cp --parents {} "$work/first/" \;)
count=$(cd "$work/first" && find . -name flags.make | wc -l)
[ "$count" -gt 0 ] || { echo "FAIL: no flags.make after the first configure" >&2; exit 1; }
configure
changed=0
while read -r file; do
    if ! cmp -s "$work/first/$file" "$work/b/$file"; then
        echo "FAIL: $file differs after the second configure:" >&2
        diff "$work/first/$file" "$work/b/$file" | head -6 >&2
        changed=$((changed + 1))
    fi
done < <(cd "$work/first" && find . -name flags.make)
[ "$changed" -eq 0 ] || exit 1
echo "ok: $count flags.make files the same after a second configure"
