# shellcheck shell=bash disable=SC2034 # BENCH_* are for the scripts that source this
# bench/pipeline.sh - sourced by bench/run, bench/chaos, bench/soak and
# bench/stories_pipeline: a private pipeline (free tcp ports for the public
# sockets, ipc in RUN_DIR for the internal ones) started, restarted and
# stopped through deploy/lib/pipeline.sh, the launcher deploy/pipeline and
# tests/with_pipeline.sh use too (a NAME.cmd launcher, a pid file and a
# control socket per process, logs in RUN_DIR/NAME.log); reads a process's
# peak RSS and CPU time.
#
#   bench_build ROOT               Release build with the benchmarks in ROOT/build-bench
#   bench_pipeline_start BIN_DIR RUN_DIR NORMALIZE SUMMARIZE JOURNAL [INGEST_ARGS...]
#       JOURNAL is yes (ingest --journal RUN_DIR/journal) or no. The
#       environment may add options: BENCH_SINK_ARGS, BENCH_SUMMARIZE_ARGS
#       (e.g. --no-stories, to measure what near-duplicate detection costs).
#       BENCH_RELAY=yes (the default, as deploy/pipeline up): precis-relay
#       carries the normalized articles to the summarize workers (named
#       relay) and ingest runs with --no-forward; BENCH_RELAY=no: ingest
#       carries them (no relay).
#       BENCH_SHARDS=N (N > 1): N ingest shards, ingest-1..ingest-N (--shard
#       K, journal RUN_DIR/journal-K, their own ingest, dispatch and
#       acknowledgement endpoints), with the relay whatever BENCH_RELAY
#       says; BENCH_INGEST lists them.
#       Sets BENCH_INGEST, BENCH_OUTPUT, BENCH_REPLAY. Returns 1 when the
#       processes did not all start within 10 s.
#   bench_restart RUN_DIR NAME     start NAME again from its launcher, wait for its pid file
#   bench_kill9 RUN_DIR NAME       SIGKILL NAME and wait until it is gone
#   bench_vmhwm RUN_DIR NAME       peak RSS (VmHWM) of NAME in kB, or empty
#   bench_cpu_s RUN_DIR NAME       CPU seconds (user + system) NAME has used, or empty
#   bench_thread_cpu_s RUN_DIR NAME
#                                  CPU seconds of NAME's threads by kind, a line each:
#                                  KIND USER SYSTEM, KIND main (the process's first
#                                  thread), io (ZeroMQ's I/O threads), sync (ingest's
#                                  precis-syncer thread) or other
#   bench_pipeline_stop RUN_DIR    stop every process in stage order (SIGKILL after 10 s)

# shellcheck source=deploy/lib/pipeline.sh
source "$(dirname "${BASH_SOURCE[0]}")/../deploy/lib/pipeline.sh"

bench_build() { # root
    local build="$1/build-bench"
    mkdir -p "$build"
    if ! { cmake -S "$1" -B "$build" -DCMAKE_BUILD_TYPE=Release -DPRECIS_BENCH=ON &&
           cmake --build "$build" -j "$(nproc)"; } >"$build/bench-build.log" 2>&1; then
        tail -n 30 "$build/bench-build.log" >&2
        echo "bench: the build failed (log: $build/bench-build.log)" >&2
        return 1
    fi
}

bench_pipeline_start() {
    local bin=$1 run_dir=$2 normalize=$3 summarize=$4 journal=$5
    shift 5
    local ingest_port output_port replay_port shards=${BENCH_SHARDS:-1}
    read -r ingest_port output_port replay_port < <(pl_free_ports 3)
    local internal="ipc://$run_dir"
    local normalize_ends=(--normalize-endpoint "$internal/normalize"
                          --normalized-endpoint "$internal/normalized")
    local summarize_ends=(--summarize-endpoint "$internal/summarize"
                          --results-endpoint "$internal/results")
    local acks=(--acks-endpoint "$internal/acks")
    local journal_args=()
    [ "$journal" = yes ] && journal_args=(--journal "$run_dir/journal")
    local ingest_ends=("${normalize_ends[@]}" "${summarize_ends[@]}") relay_names=()
    if [ "${BENCH_RELAY:-yes}" = yes ]; then
        ingest_ends=(--normalize-endpoint "$internal/normalize" --results-endpoint "$internal/results"
                     --no-forward)
        pl_start "$run_dir" relay "$bin/precis-relay" \
            --normalized-endpoint "$internal/normalized" --summarize-endpoint "$internal/summarize"
        relay_names=(relay)
    fi
    local ingest_names=(ingest) ingest_list="tcp://127.0.0.1:$ingest_port"
    if [ "$shards" -gt 1 ]; then
        # Shards: each binds its own endpoints; the relay carries the
        # normalized articles; the workers and the sink get the lists.
        if [ "${BENCH_RELAY:-yes}" != yes ]; then
            pl_start "$run_dir" relay "$bin/precis-relay" \
                --normalized-endpoint "$internal/normalized" --summarize-endpoint "$internal/summarize"
            relay_names=(relay)
        fi
        local shard normalize_list="" acks_list="" ports
        read -r -a ports < <(pl_free_ports "$((shards - 1))")
        ingest_names=()
        ingest_list="tcp://127.0.0.1:$ingest_port"
        for shard in $(seq 2 "$shards"); do
            ingest_list+=",tcp://127.0.0.1:${ports[$((shard - 2))]}"
        done
        for shard in $(seq "$shards"); do
            normalize_list+=${normalize_list:+,}$internal/normalize-$shard
            acks_list+=${acks_list:+,}$internal/acks-$shard
            journal_args=()
            [ "$journal" = yes ] && journal_args=(--journal "$run_dir/journal-$shard")
            pl_start "$run_dir" "ingest-$shard" "$bin/precis-ingest" --shard "$shard" \
                --ingest "$(cut -d, -f"$shard" <<<"$ingest_list")" \
                --normalize-endpoint "$internal/normalize-$shard" \
                --results-endpoint "$internal/results" --no-forward \
                --acks-endpoint "$internal/acks-$shard" \
                ${journal_args[@]+"${journal_args[@]}"} "$@"
            ingest_names+=("ingest-$shard")
        done
        normalize_ends=(--normalize-endpoint "$normalize_list"
                        --normalized-endpoint "$internal/normalized")
        acks=(--acks-endpoint "$acks_list")
    else
        pl_start "$run_dir" ingest "$bin/precis-ingest" --ingest "$ingest_list" \
            "${ingest_ends[@]}" "${acks[@]}" \
            ${journal_args[@]+"${journal_args[@]}"} "$@"
    fi
    pl_start "$run_dir" sink "$bin/precis-sink" --results-endpoint "$internal/results" \
        "${acks[@]}" --output "tcp://127.0.0.1:$output_port" \
        --replay "tcp://127.0.0.1:$replay_port" --log "$run_dir/output.records" \
        ${BENCH_SINK_ARGS:-}
    local k names=("${ingest_names[@]}" sink ${relay_names[@]+"${relay_names[@]}"})
    for k in $(seq "$normalize"); do
        pl_start "$run_dir" "normalize-$k" "$bin/precis-normalize" "${normalize_ends[@]}"
        names+=("normalize-$k")
    done
    for k in $(seq "$summarize"); do
        pl_start "$run_dir" "summarize-$k" "$bin/precis-summarize" "${summarize_ends[@]}" \
            ${BENCH_SUMMARIZE_ARGS:-}
        names+=("summarize-$k")
    done
    BENCH_INGEST=$ingest_list
    BENCH_INGEST_NAMES=("${ingest_names[@]}")
    BENCH_OUTPUT="tcp://127.0.0.1:$output_port"
    BENCH_REPLAY="tcp://127.0.0.1:$replay_port"
    pl_wait_ready "$run_dir" "${names[@]}" && return 0
    echo "bench: the pipeline did not start (logs in $run_dir)" >&2
    return 1
}

bench_restart() { # run_dir, name
    # Started from a subshell: not our child, so no "Killed" report later.
    (pl_relaunch "$1" "$2")
}

bench_kill9() { # run_dir, name
    pl_kill9 "$1" "$2"
}

bench_vmhwm() { # run_dir, name
    local pid
    pid=$(cat "$1/$2.pid" 2>/dev/null) || return 0
    awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || true
}

bench_pipeline_stop() { # run_dir
    pl_stop "$1"
    wait 2>/dev/null || true
}

bench_cpu_s() { # run_dir, name -> user + system CPU seconds of the process so far
    local pid ticks
    pid=$(tr -dc 0-9 <"$1/$2.pid" 2>/dev/null) || return 0
    [ -n "$pid" ] && [ -r "/proc/$pid/stat" ] || return 0
    ticks=$(getconf CLK_TCK)
    # Fields 14 and 15 (utime, stime) counted after the command name, which
    # may hold spaces: from the last ')' on (proc(5)).
    sed 's/.*) //' "/proc/$pid/stat" | awk -v t="$ticks" '{ printf "%.3f", ($12 + $13) / t }'
}

bench_thread_cpu_s() { # run_dir, name -> "kind user_s system_s" lines
    local pid ticks task
    pid=$(tr -dc 0-9 <"$1/$2.pid" 2>/dev/null) || return 0
    [ -n "$pid" ] && [ -d "/proc/$pid/task" ] || return 0
    ticks=$(getconf CLK_TCK)
    for task in /proc/"$pid"/task/*; do
        # comm may hold spaces: utime and stime counted after the last ')'.
        printf '%s %s %s\n' "${task##*/}" "$(tr ' ' _ <"$task/comm" 2>/dev/null)" \
            "$(sed 's/.*) //' "$task/stat" 2>/dev/null)"
    done | awk -v pid="$pid" -v t="$ticks" '
        NF >= 15 {
            kind = $1 == pid ? "main" : $2 ~ /^ZMQbg\/IO/ ? "io" : $2 == "precis-syncer" ? "sync" : "other"
            user[kind] += $14 / t; sys[kind] += $15 / t; seen[kind] = 1
        }
        END { for (k in seen) printf "%s %.3f %.3f\n", k, user[k], sys[k] }'
}
