#!/usr/bin/env bash
# Checks the systemd units in deploy/systemd without installing them:
#
#   tests/systemd_test.sh [BUILD_DIR]
#
# 1. 'systemd-analyze verify' on every unit (and an instance of each
#    template). verify insists that every ExecStart binary exists and is
#    executable, and the units name /usr/local/bin/precis-*; so the units are
#    copied to a temporary directory with /usr/local/bin/ rewritten to a
#    directory of stub executables, and verified there (--root is no help:
#    verify resolves the command paths on the running system). verify exits
#    0 even after warnings (unknown keys, values it cannot parse), so any
#    line it prints about a precis unit is a failure too. A copy with a
#    missing binary must fail, which shows verify really checks.
# 2. What the units must say: the user precis (precis.sysusers creates it,
#    tried with systemd-sysusers --root), Restart=on-failure,
#    KillSignal=SIGTERM, the sandboxing options, the environment file, the
#    target, the state directory (ingest and sink), TimeoutStopSec above
#    ingest's default --drain, and the stop order (workers before ingest).
# 3. With BUILD_DIR: every ExecStart command line, with the specifiers and
#    the variables expanded (empty, and each example in
#    deploy/systemd/precis.env.example), is accepted by the program built in
#    BUILD_DIR/bin (run with --help appended: options are parsed in order, so
#    an unknown option or a bad value fails before --help is reached).
#
# Needs systemd-analyze; as root, installs Debian's systemd package when it
# is missing. Exit codes: 0 passed, 1 failed, 77 skipped (cannot run here).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
units_dir="$repo/deploy/systemd"
build_dir=${1:-}

skip() { echo "systemd_test: SKIP: $*" >&2; exit 77; }
failures=0
fail() { echo "systemd_test: FAIL: $*" >&2; failures=$((failures + 1)); }

if ! command -v systemd-analyze >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "systemd_test: systemd-analyze is missing; installing Debian's systemd package" >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends systemd \
            >/dev/null 2>&1 ||
            { apt-get update >/dev/null 2>&1 &&
                DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
                    systemd >/dev/null 2>&1; } || true
    fi
    command -v systemd-analyze >/dev/null 2>&1 ||
        skip "systemd-analyze is not installed (Debian package systemd; install it as root)"
fi

services=(precis-ingest.service precis-sink.service precis-normalize@.service
          precis-summarize@.service precis-relay.service)
units=("${services[@]}" precis.target)
for unit in "${units[@]}"; do
    [ -f "$units_dir/$unit" ] || fail "$units_dir/$unit is missing"
done
[ "$failures" -eq 0 ] || exit 1

work=$(mktemp -d "${TMPDIR:-/tmp}/precis-systemd-test.XXXXXX")
trap 'rm -rf "$work"' EXIT

# ---- 1. systemd-analyze verify ------------------------------------------------
mkdir -p "$work/bin" "$work/units" "$work/broken"
for program in precis-ingest precis-sink precis-normalize precis-summarize precis-relay; do
    printf '#!/bin/sh\nexit 0\n' >"$work/bin/$program"
    chmod +x "$work/bin/$program"
done
for unit in "${units[@]}"; do
    # Every command a unit runs is one of ours, in /usr/local/bin.
    while IFS= read -r line; do
        command=${line#*=}
        command=${command#-}
        case "$command" in
            /usr/local/bin/precis-*) ;;
            *) fail "$unit: $line: expected a program in /usr/local/bin" ;;
        esac
    done < <(grep -E '^Exec[A-Za-z]*=' "$units_dir/$unit" || true)
    sed "s#/usr/local/bin/#$work/bin/#g" "$units_dir/$unit" >"$work/units/$unit"
done

verify() { # directory, units... -> status; output in $work/verify.out
    (cd "$1" && shift && SYSTEMD_LOG_LEVEL=warning systemd-analyze verify --man=no "$@") \
        >"$work/verify.out" 2>&1
}
# Instances of the templates are verified (a template alone cannot be).
to_verify=(precis-ingest.service precis-sink.service precis-normalize@1.service
           precis-summarize@1.service precis-summarize@12.service precis-relay.service
           precis.target)
status=0
verify "$work/units" "${to_verify[@]}" || status=$?
# Lines about other units (the host's own) are not ours to judge.
if [ "$status" -ne 0 ] || grep -q 'precis' "$work/verify.out"; then
    cat "$work/verify.out" >&2
    fail "systemd-analyze verify: exit $status, or warnings about the precis units (above)"
else
    echo "systemd_test: systemd-analyze verify passed for ${to_verify[*]}"
fi

# The same unit with a missing binary must fail: verify really checks.
sed "s#/usr/local/bin/#$work/missing/#g" "$units_dir/precis-sink.service" \
    >"$work/broken/precis-sink.service"
if verify "$work/broken" precis-sink.service; then
    fail "systemd-analyze verify accepted a unit whose binary is missing; the check above proves nothing"
fi

# ---- 2. what the units must say ----------------------------------------------
has() { # unit, line (exact)
    grep -qxF "$2" "$units_dir/$1" || fail "$1: no line '$2'"
}
for unit in "${services[@]}"; do
    for line in Type=notify User=precis Group=precis Restart=on-failure KillSignal=SIGTERM \
        NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes \
        EnvironmentFile=-/etc/precis/precis.env PartOf=precis.target \
        WantedBy=precis.target; do
        has "$unit" "$line"
    done
    grep -qE '^ExecStart=/usr/local/bin/precis-[a-z]+ ' "$units_dir/$unit" ||
        fail "$unit: ExecStart does not run /usr/local/bin/precis-*"
done
has precis-ingest.service StateDirectory=precis
has precis-sink.service StateDirectory=precis
grep -qE '^ExecStart=.* --journal %S/precis/' "$units_dir/precis-ingest.service" ||
    fail "precis-ingest.service: the journal is not in the state directory"
grep -qE '^ExecStart=.* --log %S/precis/' "$units_dir/precis-sink.service" ||
    fail "precis-sink.service: the output log is not in the state directory"
for unit in precis-normalize@.service precis-summarize@.service; do
    grep -qE '^Before=.*precis-ingest\.service' "$units_dir/$unit" ||
        fail "$unit: not ordered before ingest (ingest must stop first)"
    grep -qE '^After=.*precis-sink\.service' "$units_dir/$unit" ||
        fail "$unit: not ordered after the sink (the sink must stop after the workers)"
done

# The relay stops after the normalize workers and before the summarize ones:
# systemd stops in the reverse of the start order.
grep -qE '^After=.*precis-relay\.service' "$units_dir/precis-normalize@.service" ||
    fail "precis-normalize@.service: not ordered after the relay (it must stop before it)"
grep -qE '^Before=.*precis-relay\.service' "$units_dir/precis-summarize@.service" ||
    fail "precis-summarize@.service: not ordered before the relay (it must stop after it)"
has precis-relay.service Before=precis-ingest.service
# The relay is part of the default set: ingest wants it and, by default,
# runs with --no-forward (PRECIS_INGEST_FORWARD, empty to run without it).
grep -qE '^Wants=.*precis-relay\.service' "$units_dir/precis-ingest.service" ||
    fail "precis-ingest.service: does not want precis-relay.service (it runs with --no-forward)"
has precis-ingest.service Environment=PRECIS_INGEST_FORWARD=--no-forward
# shellcheck disable=SC2016 # the unit's own text, not expanded here
grep -qE '^ExecStart=.* \$PRECIS_INGEST_FORWARD ' "$units_dir/precis-ingest.service" ||
    fail "precis-ingest.service: ExecStart does not pass \$PRECIS_INGEST_FORWARD"

# TimeoutStopSec must outlast ingest's drain (the program's default).
drain=30
if [ -n "$build_dir" ] && [ -x "$build_dir/bin/precis-ingest" ]; then
    drain=$("$build_dir/bin/precis-ingest" --help |
        sed -n 's/.*--drain SECONDS.*(default \([0-9.]*\)).*/\1/p')
    [ -n "$drain" ] || { fail "precis-ingest --help shows no default for --drain"; drain=30; }
fi
stop=$(sed -n 's/^TimeoutStopSec=\([0-9]*\)s\{0,1\}$/\1/p' "$units_dir/precis-ingest.service")
if [ -z "$stop" ]; then
    fail "precis-ingest.service: no TimeoutStopSec in plain seconds"
elif ! awk -v s="$stop" -v d="$drain" 'BEGIN { exit !(s > d + 5) }'; then
    fail "precis-ingest.service: TimeoutStopSec=$stop is not above --drain $drain (+5 s to exit)"
fi

# The user: deploy/systemd/precis.sysusers makes 'precis' (in a scratch root).
if command -v systemd-sysusers >/dev/null 2>&1; then
    mkdir -p "$work/root/etc"
    if ! systemd-sysusers --root="$work/root" "$units_dir/precis.sysusers" >"$work/sysusers.out" 2>&1 ||
        ! grep -q '^precis:x:[0-9]*:[0-9]*:.*:/var/lib/precis:' "$work/root/etc/passwd" 2>/dev/null; then
        cat "$work/sysusers.out" >&2
        fail "systemd-sysusers did not create the user precis from precis.sysusers"
    fi
fi

# ---- 3. the command lines against the real programs ------------------------------
if [ -n "$build_dir" ]; then
    build_dir=$(cd "$build_dir" && pwd)
    # The examples in precis.env.example: NAME="VALUE" lines, commented out.
    declare -A examples=()
    while IFS= read -r line; do
        name=${line%%=*}
        value=${line#*=}
        value=${value#\"}
        value=${value%\"}
        examples[$name]+="${value}"$'\n'
    done < <(sed -n 's/^#\(PRECIS_[A-Z]*_ARGS="[^"]*"\)$/\1/p' \
        "$units_dir/precis.env.example")
    [ ${#examples[@]} -gt 0 ] || fail "precis.env.example has no examples (#PRECIS_X_ARGS=\"...\")"
    checked=0
    for unit in "${services[@]}"; do
        exec_line=$(sed -n 's/^ExecStart=//p' "$units_dir/$unit")
        exec_line=${exec_line//%S//var/lib}
        exec_line=${exec_line//%t//run}
        exec_line=${exec_line//%i/1}
        # The unit's other variables (ingest's PRECIS_INGEST_FORWARD), as it sets them.
        while IFS='=' read -r other_name other_value; do
            [[ "$other_name" == *_ARGS ]] && continue
            exec_line=${exec_line//\$$other_name/$other_value}
        done < <(sed -n 's/^Environment=//p' "$units_dir/$unit")
        # shellcheck disable=SC2016
        variable=$(grep -oE '\$PRECIS_[A-Z]+_ARGS' <<<"$exec_line" | head -n 1)
        variable=${variable#\$}
        [ -n "$variable" ] || { fail "$unit: ExecStart takes no \$PRECIS_*_ARGS"; continue; }
        grep -qxF "Environment=$variable=" "$units_dir/$unit" ||
            fail "$unit: no default 'Environment=$variable=' (empty)"
        values=${examples[$variable]:-}
        values=$'\n'"${values%$'\n'}"
        while IFS= read -r value; do
            # Unbraced $VAR in ExecStart is split at white space, like here.
            # shellcheck disable=SC2206
            argv=(${exec_line//\$$variable/$value})
            program=$(basename "${argv[0]}")
            argv[0]="$build_dir/bin/$program"
            if ! "${argv[@]}" --help >"$work/help.out" 2>&1; then
                fail "$unit: '$program ${argv[*]:1}' is refused by $program:"
                sed 's/^/    /' "$work/help.out" >&2
            fi
            checked=$((checked + 1))
        done <<<"$values"
    done
    echo "systemd_test: $checked ExecStart command line(s) accepted by the programs in $build_dir/bin"
fi

if [ "$failures" -gt 0 ]; then
    echo "systemd_test: $failures failure(s)" >&2
    exit 1
fi
echo "systemd_test: passed"
