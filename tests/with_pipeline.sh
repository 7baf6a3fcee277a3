#!/usr/bin/env bash
# Runs a command against a private pipeline: starts ingest, sink and the
# workers from BIN_DIR on free ports (ipc for the internal endpoints), exports
# where they are, runs the command, and always stops every process it started.
#
#   tests/with_pipeline.sh BIN_DIR [--normalize N] [--summarize M] -- COMMAND...
#
# Ingest keeps its journal in the run dir; PRECIS_INGEST_ARGS adds options
# (PRECIS_SINK_ARGS to the sink).
# Every process has a control socket, ipc://RUN_DIR/NAME.ctl (precis stats);
# ingest serves Prometheus metrics.
# Exported to COMMAND: PRECIS_BIN, PRECIS_INGEST, PRECIS_OUTPUT, PRECIS_REPLAY,
# PRECIS_METRICS (ingest's Prometheus URL), PRECIS_RUN_DIR
# (logs: ingest.log, sink.log, normalize-K.log, summarize-K.log), and
# PRECIS_STOP (a command that stops the pipeline gracefully, so that COMMAND
# can read the workers' final log lines).
set -euo pipefail

bin_dir=$(cd "$1" && pwd)
shift
normalize=1
summarize=2
while [ $# -gt 0 ]; do
    case "$1" in
        --normalize) normalize=$2; shift 2 ;;
        --summarize) summarize=$2; shift 2 ;;
        --) shift; break ;;
        *) echo "with_pipeline: unknown option $1" >&2; exit 2 ;;
    esac
done

run_dir=$(mktemp -d /tmp/precis-test.XXXXXX)
pids=()

stop_failures=0
stop_all() {
    local pid file status
    local -A alive=()
    # Processes restarted by a test are known by their pid files only.
    for file in "$run_dir"/*.pid; do
        [ -e "$file" ] && pids+=("$(cat "$file")")
    done
    # Each once: a second SIGTERM while a process exits would kill it outright.
    mapfile -t pids < <(printf '%s\n' ${pids[@]+"${pids[@]}"} | sort -un | grep .)
    for pid in ${pids[@]+"${pids[@]}"}; do
        kill -0 "$pid" 2>/dev/null && alive[$pid]=1
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in ${pids[@]+"${pids[@]}"}; do
        for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        if kill -0 "$pid" 2>/dev/null; then
            echo "with_pipeline: process $pid ignored SIGTERM for 10 s" >&2
            kill -KILL "$pid" 2>/dev/null || true
            stop_failures=$((stop_failures + 1))
        fi
        # Our own children report how they ended: a clean stop is status 0.
        status=0
        wait "$pid" 2>/dev/null || status=$?
        if [ -n "${alive[$pid]:-}" ] && [ "$status" -ne 0 ] && [ "$status" -ne 127 ]; then
            echo "with_pipeline: process $pid exited with status $status on SIGTERM" >&2
            stop_failures=$((stop_failures + 1))
        fi
    done
    pids=()
    # A stage a test restarted just as it ended may have no pid file yet:
    # every stage names the run dir in its arguments, so none escapes this.
    pkill -KILL -f -- "--pidfile $run_dir/" 2>/dev/null || true
    # Sanitizer reports from any process, restarted ones included.
    if grep -l "ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|runtime error:" \
        "$run_dir"/*.log >&2 2>/dev/null; then
        echo "with_pipeline: sanitizer errors in the logs above" >&2
        stop_failures=$((stop_failures + 1))
    fi
}
cleanup() {
    local status=$?
    stop_all
    [ "$status" -eq 0 ] && [ "$stop_failures" -gt 0 ] && status=1
    if [ "$status" -ne 0 ]; then
        echo "--- pipeline logs ($run_dir) ---" >&2
        tail -n 20 "$run_dir"/*.log >&2 2>/dev/null || true
    fi
    rm -rf "$run_dir"
    exit "$status"
}
trap cleanup EXIT INT TERM

# Free TCP ports for the public sockets, chosen by the kernel.
read -r ingest_port output_port replay_port metrics_port < <(python3 -c '
import socket
s = [socket.socket() for _ in range(4)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')

internal="ipc://$run_dir"
normalize_ends=(--normalize-endpoint "$internal/normalize" --normalized-endpoint "$internal/normalized")
summarize_ends=(--summarize-endpoint "$internal/summarize" --results-endpoint "$internal/results")
acks=(--acks-endpoint "$internal/acks")

# Each process gets a launcher, NAME.cmd, so that a test can start it again
# after killing it: "$PRECIS_RUN_DIR/NAME.cmd" &
start() { # name, program, args...
    local name=$1 program=$2
    shift 2
    {
        echo '#!/bin/sh'
        printf 'exec'
        printf ' %q' "$bin_dir/$program" "$@" --pidfile "$run_dir/$name.pid" \
            --control "ipc://$run_dir/$name.ctl"
        printf ' >>%q 2>&1\n' "$run_dir/$name.log"
    } >"$run_dir/$name.cmd"
    chmod +x "$run_dir/$name.cmd"
    "$run_dir/$name.cmd" &
    pids+=($!)
}
# CURVE: PRECIS_CURVE_HUB (the hub's certificate), PRECIS_CURVE_ALLOW (the
# allowed client certificates) and PRECIS_CURVE_WORKER (the workers').
hub_curve=() worker_curve=()
if [ -n "${PRECIS_CURVE_HUB:-}" ]; then
    hub_curve=(--curve-cert "$PRECIS_CURVE_HUB" --curve-allow "$PRECIS_CURVE_ALLOW")
    worker_curve=(--curve-cert "$PRECIS_CURVE_WORKER" --curve-server "$PRECIS_CURVE_HUB")
fi
start ingest precis-ingest --ingest "tcp://127.0.0.1:$ingest_port" "${normalize_ends[@]}" \
    "${summarize_ends[@]}" "${acks[@]}" --journal "$run_dir/journal" ${PRECIS_INGEST_ARGS:-} \
    --metrics-port "$metrics_port" \
    ${hub_curve[@]+"${hub_curve[@]}"}
start sink precis-sink --results-endpoint "$internal/results" "${acks[@]}" \
    --output "tcp://127.0.0.1:$output_port" --replay "tcp://127.0.0.1:$replay_port" \
    --log "$run_dir/output.records" ${PRECIS_SINK_ARGS:-} ${hub_curve[@]+"${hub_curve[@]}"}
for k in $(seq "$normalize"); do
    start "normalize-$k" precis-normalize "${normalize_ends[@]}" ${worker_curve[@]+"${worker_curve[@]}"}
done
for k in $(seq "$summarize"); do
    start "summarize-$k" precis-summarize "${summarize_ends[@]}" ${worker_curve[@]+"${worker_curve[@]}"}
done

# Ready when every process has written its pid file.
expected=$((2 + normalize + summarize))
for _ in $(seq 100); do
    [ "$(ls "$run_dir"/*.pid 2>/dev/null | wc -l)" -ge "$expected" ] && break
    sleep 0.1
done
if [ "$(ls "$run_dir"/*.pid 2>/dev/null | wc -l)" -lt "$expected" ]; then
    echo "with_pipeline: the pipeline did not start" >&2
    exit 1
fi

export PRECIS_BIN=$bin_dir
export PRECIS_INGEST="tcp://127.0.0.1:$ingest_port"
export PRECIS_OUTPUT="tcp://127.0.0.1:$output_port"
export PRECIS_REPLAY="tcp://127.0.0.1:$replay_port"
export PRECIS_METRICS="http://127.0.0.1:$metrics_port/metrics"
export PRECIS_RUN_DIR=$run_dir
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
exit "$status"
