#!/usr/bin/env bash
# Runs a command against a private pipeline: starts ingest, sink and the
# workers from BIN_DIR on free ports (ipc for the internal endpoints) through
# deploy/lib/pipeline.sh, exports where they are, runs the command, and always
# stops every process it started (stage order, SIGKILL after 10 s), also when
# the command fails or this script is interrupted.
#
#   tests/with_pipeline.sh BIN_DIR [--normalize N] [--summarize M] [--no-relay] -- COMMAND...
#
# As 'deploy/pipeline up' does by default, precis-relay (named relay) carries
# the normalized articles to the summarize workers and ingest runs with
# --no-forward; --no-relay: ingest carries them itself (no relay). --relay,
# the default, is accepted.
#
# Ingest keeps its journal in the run dir; PRECIS_INGEST_ARGS adds options
# (PRECIS_SINK_ARGS to the sink).
# Every process has a control socket, ipc://RUN_DIR/NAME.ctl (precis stats),
# and a launcher, RUN_DIR/NAME.cmd, that starts it again with the same
# options ("$PRECIS_RUN_DIR/NAME.cmd" &, or deploy/lib/pipeline.sh relaunch);
# ingest serves Prometheus metrics.
# Exported to COMMAND: PRECIS_BIN, PRECIS_INGEST, PRECIS_OUTPUT, PRECIS_REPLAY,
# PRECIS_METRICS (ingest's Prometheus URL), PRECIS_LAUNCHER
# (deploy/lib/pipeline.sh: "$PRECIS_LAUNCHER" kill9|relaunch|restart
# "$PRECIS_RUN_DIR" NAME), PRECIS_RELAY (yes or no), PRECIS_RUN_DIR
# (logs: ingest.log, sink.log, normalize-K.log, summarize-K.log, and
# launcher.log: what was started and stopped, when), and PRECIS_STOP (a
# command that stops the pipeline gracefully, so that COMMAND can read the
# workers' final log lines).
# Exit status: the command's; 1 when it succeeded but a process had to be
# killed, exited non-zero on SIGTERM, or a log has a sanitizer report.
set -euo pipefail

# shellcheck source=deploy/lib/pipeline.sh
source "$(dirname "${BASH_SOURCE[0]}")/../deploy/lib/pipeline.sh"
PL_PROG=with_pipeline

bin_dir=$(cd "$1" && pwd)
shift
normalize=1
summarize=2
relay=yes
while [ $# -gt 0 ]; do
    case "$1" in
        --normalize) normalize=$2; shift 2 ;;
        --relay) relay=yes; shift ;;
        --no-relay) relay=no; shift ;;
        --summarize) summarize=$2; shift 2 ;;
        --) shift; break ;;
        *) echo "with_pipeline: unknown option $1" >&2; exit 2 ;;
    esac
done

run_dir=$(mktemp -d /tmp/precis-test.XXXXXX)
stop_failures=0
stop_all() {
    pl_stop "$run_dir"
    stop_failures=$((stop_failures + PL_STOP_FAILURES))
    # Sanitizer reports from any process, restarted ones included.
    if grep -l "ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|runtime error:" \
        "$run_dir"/*.log >&2 2>/dev/null; then
        echo "with_pipeline: sanitizer errors in the logs above" >&2
        stop_failures=$((stop_failures + 1))
    fi
}
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    [ -z "${command_pid:-}" ] || kill -TERM "$command_pid" 2>/dev/null || true
    stop_all
    [ "$status" -eq 0 ] && [ "$stop_failures" -gt 0 ] && status=1
    if [ "$status" -ne 0 ]; then
        echo "--- pipeline logs ($run_dir) ---" >&2
        tail -n 20 "$run_dir"/*.log >&2 2>/dev/null || true
    fi
    rm -rf "$run_dir"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Free TCP ports for the public sockets, chosen by the kernel.
read -r ingest_port output_port replay_port metrics_port < <(pl_free_ports 4)

internal="ipc://$run_dir"
normalize_ends=(--normalize-endpoint "$internal/normalize" --normalized-endpoint "$internal/normalized")
summarize_ends=(--summarize-endpoint "$internal/summarize" --results-endpoint "$internal/results")
acks=(--acks-endpoint "$internal/acks")

# CURVE: PRECIS_CURVE_HUB (the hub's certificate), PRECIS_CURVE_ALLOW (the
# allowed client certificates) and PRECIS_CURVE_WORKER (the workers').
hub_curve=() worker_curve=()
if [ -n "${PRECIS_CURVE_HUB:-}" ]; then
    hub_curve=(--curve-cert "$PRECIS_CURVE_HUB" --curve-allow "$PRECIS_CURVE_ALLOW")
    worker_curve=(--curve-cert "$PRECIS_CURVE_WORKER" --curve-server "$PRECIS_CURVE_HUB")
fi
names=(ingest sink)
ingest_ends=("${normalize_ends[@]}" "${summarize_ends[@]}")
if [ "$relay" = yes ]; then
    ingest_ends=(--normalize-endpoint "$internal/normalize" --results-endpoint "$internal/results"
                 --no-forward)
    pl_start "$run_dir" relay "$bin_dir/precis-relay" \
        --normalized-endpoint "$internal/normalized" --summarize-endpoint "$internal/summarize" \
        ${hub_curve[@]+"${hub_curve[@]}"}
    names+=(relay)
fi
# shellcheck disable=SC2086 # PRECIS_INGEST_ARGS and PRECIS_SINK_ARGS are word lists
pl_start "$run_dir" ingest "$bin_dir/precis-ingest" --ingest "tcp://127.0.0.1:$ingest_port" \
    "${ingest_ends[@]}" "${acks[@]}" --journal "$run_dir/journal" \
    ${PRECIS_INGEST_ARGS:-} --metrics-port "$metrics_port" ${hub_curve[@]+"${hub_curve[@]}"}
# shellcheck disable=SC2086
pl_start "$run_dir" sink "$bin_dir/precis-sink" --results-endpoint "$internal/results" "${acks[@]}" \
    --output "tcp://127.0.0.1:$output_port" --replay "tcp://127.0.0.1:$replay_port" \
    --log "$run_dir/output.records" ${PRECIS_SINK_ARGS:-} ${hub_curve[@]+"${hub_curve[@]}"}
for k in $(seq "$normalize"); do
    pl_start "$run_dir" "normalize-$k" "$bin_dir/precis-normalize" "${normalize_ends[@]}" \
        ${worker_curve[@]+"${worker_curve[@]}"}
    names+=("normalize-$k")
done
for k in $(seq "$summarize"); do
    pl_start "$run_dir" "summarize-$k" "$bin_dir/precis-summarize" "${summarize_ends[@]}" \
        ${worker_curve[@]+"${worker_curve[@]}"}
    names+=("summarize-$k")
done
if ! pl_wait_ready "$run_dir" "${names[@]}"; then
    echo "with_pipeline: the pipeline did not start" >&2
    exit 1
fi

export PRECIS_BIN=$bin_dir
export PRECIS_INGEST="tcp://127.0.0.1:$ingest_port"
export PRECIS_OUTPUT="tcp://127.0.0.1:$output_port"
export PRECIS_REPLAY="tcp://127.0.0.1:$replay_port"
export PRECIS_METRICS="http://127.0.0.1:$metrics_port/metrics"
export PRECIS_RUN_DIR=$run_dir
export PRECIS_RELAY=$relay # yes: the relay carries normalized articles, not ingest
PRECIS_LAUNCHER=$(cd "$(dirname "${BASH_SOURCE[0]}")/../deploy/lib" && pwd)/pipeline.sh
export PRECIS_LAUNCHER
stop_file="$run_dir/stop"
# PRECIS_STOP asks this script to stop the pipeline and waits until it has.
printf '#!/bin/sh\ntouch "%s"\nwhile [ ! -e "%s" ]; do sleep 0.1; done\n' \
    "$stop_file" "$run_dir/stopped" >"$run_dir/stop.sh"
chmod +x "$run_dir/stop.sh"
export PRECIS_STOP="$run_dir/stop.sh"

# The command runs in the background so that PRECIS_STOP can be honoured.
"$@" &
command_pid=$!
while kill -0 "$command_pid" 2>/dev/null; do
    if [ -e "$stop_file" ]; then
        rm -f "$stop_file"
        stop_all
        touch "$run_dir/stopped"
    fi
    sleep 0.1
done
set +e
wait "$command_pid"
status=$?
set -e
command_pid=""
exit "$status"
