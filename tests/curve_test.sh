#!/usr/bin/env bash
# CURVE: a client with an allowed key pushes and subscribes; a client with
# no keys, and one with a key the hub does not know, can do neither.
#   tests/curve_test.sh BIN_DIR
set -euo pipefail
bin=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
certs=$(mktemp -d)
trap 'rm -rf "$certs"' EXIT
for name in hub worker client stranger; do
    "$bin/precis" keygen "$name" "$certs" >/dev/null
done
[ "$(stat -c %a "$certs/client.cert_secret")" = 600 ] || { echo "FAIL: secret readable" >&2; exit 1; }
mkdir "$certs/allow"
cp "$certs/hub.cert" "$certs/worker.cert" "$certs/client.cert" "$certs/allow/"

export PRECIS_CURVE_HUB=$certs/hub.cert PRECIS_CURVE_ALLOW=$certs/allow
export PRECIS_CURVE_WORKER=$certs/worker.cert CERTS=$certs
exec "$here/with_pipeline.sh" "$bin" -- bash -c '
set -euo pipefail
fail() { echo "FAIL: $*" >&2; exit 1; }
precis="$PRECIS_BIN/precis"
client=(--curve-cert "$CERTS/client.cert" --curve-server "$CERTS/hub.cert")
stranger=(--curve-cert "$CERTS/stranger.cert" --curve-server "$CERTS/hub.cert")
article() { printf "{\"id\":\"%s\",\"text\":\"The museum reopened on Sunday after two years of work. Visitors queued for hours to see the new hall.\"}\n" "$1"; }
work=$(mktemp -d); trap "rm -rf $work" EXIT

# The allowed client: subscribes, pushes, gets its summary.
"$precis" sub --output "$PRECIS_OUTPUT" "${client[@]}" --json --count 2 --timeout 15 >"$work/ok.jsonl" &
ok_sub=$!
# Eavesdroppers: no keys, and an unknown key.
"$precis" sub --output "$PRECIS_OUTPUT" --json --timeout 4 >"$work/plain.jsonl" &
plain_sub=$!
"$precis" sub --output "$PRECIS_OUTPUT" "${stranger[@]}" --json --timeout 4 >"$work/stranger.jsonl" &
stranger_sub=$!
sleep 0.5
article curve-1 | "$precis" push --ingest "$PRECIS_INGEST" "${client[@]}" >/dev/null \
    || fail "the allowed client could not push"

# Pushes without keys or with an unknown key get no answer at all.
status=0
article plain-1 | "$precis" push --ingest "$PRECIS_INGEST" --timeout 3 >/dev/null 2>&1 || status=$?
[ "$status" -eq 3 ] || fail "a client without keys got an answer (exit $status)"
status=0
article stranger-1 | "$precis" push --ingest "$PRECIS_INGEST" "${stranger[@]}" --timeout 3 \
    >/dev/null 2>&1 || status=$?
[ "$status" -eq 3 ] || fail "a client with an unknown key got an answer (exit $status)"

article curve-2 | "$precis" push --ingest "$PRECIS_INGEST" "${client[@]}" >/dev/null \
    || fail "the allowed client could not push again"
wait "$ok_sub" || fail "the allowed subscriber did not get both summaries"
grep -q "\"id\":\"curve-1\"" "$work/ok.jsonl" || fail "curve-1 missing"
grep -q "\"id\":\"curve-2\"" "$work/ok.jsonl" || fail "curve-2 missing"
wait "$plain_sub" && fail "a subscriber without keys received results"
wait "$stranger_sub" && fail "a subscriber with an unknown key received results"
[ ! -s "$work/plain.jsonl" ] && [ ! -s "$work/stranger.jsonl" ] || fail "eavesdroppers got data"

# The allowed directory is read again while the hub runs (the zcertstore of czmq
# rescans it on a change): a certificate copied in lets its client in, and a
# deleted one keeps new connections out, with no restart. Measured, not
# assumed: the time is printed, and SECURITY.md quotes it.
allow_in() {
    local start=$(date +%s%N) tries=0
    cp "$CERTS/stranger.cert" "$CERTS/allow/"
    while [ $tries -lt 10 ]; do
        tries=$((tries + 1))
        if article "stranger-$tries" | "$precis" push --ingest "$PRECIS_INGEST" "${stranger[@]}" \
            --timeout 1 >/dev/null 2>&1; then
            echo "allowed after $(( ($(date +%s%N) - start) / 1000000 )) ms (no restart)"
            return 0
        fi
    done
    return 1
}
allow_in || fail "a certificate copied into the allowed directory was not taken within 10 s"
# Revoking: a new connection with the deleted certificate gets no answer.
start=$(date +%s%N)
rm "$CERTS/allow/stranger.cert"
revoked=0
for try in 1 2 3 4 5; do
    status=0
    article "stranger-out-$try" | "$precis" push --ingest "$PRECIS_INGEST" "${stranger[@]}" \
        --timeout 1 >/dev/null 2>&1 || status=$?
    if [ "$status" -eq 3 ]; then revoked=1; break; fi
done
[ "$revoked" = 1 ] || fail "a deleted certificate still let its client in after 5 tries"
echo "revoked within $(( ($(date +%s%N) - start) / 1000000 )) ms (no restart)"
echo "ok: CURVE lets the allowed client in and keeps the others out; the allowed directory is live"
'
