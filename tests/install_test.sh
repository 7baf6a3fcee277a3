#!/usr/bin/env bash
# cmake --install puts the programs, man pages, deploy files, docs, the
# summarizer library, its headers and precis.pc in a prefix; a C program
# built with `pkg-config --cflags --libs precis` against that prefix
# summarizes an article in-process.
#   tests/install_test.sh BUILD_DIR
set -uo pipefail
build=$(cd "$1" && pwd)
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT

cmake --install "$build" --prefix "$prefix" >"$prefix.log" 2>&1 || { cat "$prefix.log" >&2; fail "cmake --install exit"; }
rm -f "$prefix.log"
for program in precis precis-ingest precis-normalize precis-summarize precis-sink precis-relay; do
    [ -x "$prefix/bin/$program" ] || fail "bin/$program not installed"
    if command -v help2man >/dev/null; then
        [ -s "$prefix/share/man/man1/$program.1" ] || fail "man page $program.1 not installed"
    fi
done
"$prefix/bin/precis" --version | grep -q '^precis [0-9]' || fail "installed precis does not run"
[ -f "$prefix/share/precis/deploy/systemd/precis-ingest.service" ] || fail "systemd units"
[ -f "$prefix/share/precis/deploy/k8s/hub.yaml" ] || fail "Kubernetes manifests"
[ -f "$prefix/share/doc/precis/PROTOCOL.md" ] && [ -f "$prefix/share/doc/precis/README.md" ] || fail "docs"
libdir=$(dirname "$(find "$prefix" -name precis.pc | head -n 1)")
[ -f "$libdir/precis.pc" ] || fail "precis.pc not installed"

# A program of a user's, built against the installed tree only.
cat >"$prefix/use.c" <<'C'
#include <precis_normalizer.h>
#include <precis_summarizer.h>
#include <stdio.h>
#include <string.h>
int main(void)
{
    const char *text = "The harbour bridge will close for repairs on Monday. Engineers found "
                       "cracks in two of its steel cables during an inspection last week. "
                       "Ferries will run every twenty minutes while the work goes on. The "
                       "city expects the bridge to reopen in the spring.";
    precis_summarizer_t *summarizer = precis_summarizer_new();
    precis_summary_options_t options = {0};
    options.sentences = 1;
    precis_summary_t summary;
    const char *error = NULL;
    if (!summarizer || precis_summarizer_run(summarizer, NULL, text, strlen(text), &options,
                                             &summary, &error) != 0) {
        fprintf(stderr, "summarize: %s\n", error ? error : "no summarizer");
        return 1;
    }
    for (size_t i = 0; i < summary.selected_count; i++)
        printf("%.*s\n", (int)summary.selected[i].len, text + summary.selected[i].start);
    precis_summary_clear(&summary);
    precis_summarizer_destroy(&summarizer);
    return 0;
}
C
export PKG_CONFIG_PATH="$libdir${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
flags=$(pkg-config --cflags --libs precis) || fail "pkg-config --cflags --libs precis"
if cc -o "$prefix/use" "$prefix/use.c" $flags 2>"$prefix/cc.err"; then
    out=$("$prefix/use") || fail "the in-process program exit $?"
    [ "$(printf '%s\n' "$out" | grep -c .)" -eq 1 ] || fail "1 sentence asked, got: $out"
    grep -qF "$out" "$prefix/use.c" || fail "the sentence is not from the article: $out"
else
    fail "a program using precis.pc does not build: $(head -20 "$prefix/cc.err")"
fi
[ "$failures" -eq 0 ] && echo "ok: cmake --install and an in-process program from pkg-config"
exit $((failures > 0))
