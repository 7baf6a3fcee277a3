#!/usr/bin/env bash
# deploy/lib/pipeline.sh - the one way precis pipelines are started and
# stopped: deploy/pipeline, tests/with_pipeline.sh, bench/pipeline.sh and
# tests/pipeline_lib.py all go through these functions, so that a process is
# launched, found ready, restarted and stopped the same way everywhere.
#
# Sourced (functions prefixed pl_), or run as a command for programs that are
# not shell scripts (tests/pipeline_lib.py):
#   deploy/lib/pipeline.sh stop RUN_DIR          stop every process, stage order
#   deploy/lib/pipeline.sh kill9 RUN_DIR NAME    SIGKILL NAME, wait until gone
#   deploy/lib/pipeline.sh relaunch RUN_DIR NAME start NAME again, wait until ready
#   deploy/lib/pipeline.sh restart RUN_DIR NAME  stop NAME, start it again
#   deploy/lib/pipeline.sh leftovers RUN_DIR     pids of processes of RUN_DIR still alive
#
# The run dir holds, for each process NAME (ingest, sink, normalize-K,
# summarize-K):
#   NAME.cmd   its launcher: a sh script that execs the program with its
#              options, the pid file and the control socket, appending to
#              NAME.log (so a restart uses the same options; a test may edit it)
#   NAME.pid   written by the program once ready, removed when it exits
#   NAME.ctl   its control socket (precis ping, precis stats)
#   NAME.log   its stderr
# and
#   procs         one "NAME PID" line per process, in start order
#   launcher.log  what these functions did, with times: starts, SIGTERMs in
#                 stage order, exits, SIGKILLs
#
# Stop order (pl_stop): ingest first, so that nothing new enters; then the
# normalize workers, the summarize workers, and the sink last, so that the
# results of work in flight still reach it. Each stage gets PL_STOP_TIMEOUT
# seconds after SIGTERM, then SIGKILL.

PL_STOP_TIMEOUT=${PL_STOP_TIMEOUT:-10}  # seconds per stage after SIGTERM
PL_READY_TIMEOUT=${PL_READY_TIMEOUT:-10} # seconds for a pid file to appear
# 1: processes are started in their own session, immune to the terminal's
# hangup and ^C (deploy/pipeline); otherwise they are the caller's children,
# whose exit status pl_stop checks (tests).
PL_DETACH=${PL_DETACH:-0}
# Set by pl_stop: processes that needed SIGKILL or exited non-zero on SIGTERM.
PL_STOP_FAILURES=0

pl_warn() { printf '%s: %s\n' "${PL_PROG:-pipeline}" "$*" >&2; }

# Appends a timed line to RUN_DIR/launcher.log.
pl_log() { # run_dir, message...
    local run_dir=$1
    shift
    printf '%s %s\n' "$(date '+%Y-%m-%d %H:%M:%S.%3N')" "$*" >>"$run_dir/launcher.log" 2>/dev/null || true
}

# True when pid is a live process (not a zombie).
pl_running() { # pid
    local pid=$1 stat
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    kill -0 "$pid" 2>/dev/null || return 1
    if [ -r "/proc/$pid/stat" ]; then
        stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
        stat=${stat##*) }
        [ "${stat%% *}" != Z ] || return 1
    fi
    return 0
}

# True when pid is a live process of this pipeline: a precis program, or the
# launcher of run_dir that is about to exec one (a pid recorded long ago may
# have been recycled for something else).
pl_alive() { # pid, run_dir
    pl_running "$1" || return 1
    [ -r "/proc/$1/cmdline" ] || return 0
    local cmdline
    cmdline=$(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null) || return 1
    case "$cmdline" in
        *precis-* | *"$2/"*) return 0 ;;
    esac
    return 1
}

# The stop order: 0 ingest (or its shards, ingest-K), 1 normalize workers, 2 relays (precis-relay,
# between normalize and summarize), 3 summarize workers, 4 sink.
pl_stage_of() { # name
    case "$1" in
        ingest | ingest-*) echo 0 ;;
        normalize-*) echo 1 ;;
        relay*) echo 2 ;;
        summarize-*) echo 3 ;;
        sink) echo 4 ;;
        *) echo 3 ;;
    esac
}

# Prints COUNT free TCP ports on 127.0.0.1, chosen by the kernel.
pl_free_ports() { # count
    python3 - "$1" <<'PY'
import socket, sys
s = [socket.socket() for _ in range(int(sys.argv[1]))]
for x in s:
    x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])
PY
}

# Prints a base port P with P..P+COUNT-1 all free (below the ephemeral range).
pl_free_port_base() { # count
    local count=$1
    if command -v python3 >/dev/null 2>&1; then
        # Binding is the real test: it also sees ports bound but not listening.
        python3 - "$count" <<'PY' && return 0
import random, socket, sys
count = int(sys.argv[1])
for _ in range(500):
    base = random.randrange(20000, 32000 - count)
    sockets = []
    try:
        for port in range(base, base + count):
            s = socket.socket()
            sockets.append(s)
            s.bind(("0.0.0.0", port))
    except OSError:
        continue
    finally:
        for s in sockets:
            s.close()
    print(base)
    sys.exit(0)
sys.exit(1)
PY
    fi
    local tries base port ok
    for ((tries = 0; tries < 500; tries++)); do
        base=$((20000 + RANDOM % (12000 - count)))
        ok=true
        for ((port = base; port < base + count; port++)); do
            if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then ok=false; break; fi
        done
        $ok && { echo "$base"; return 0; }
    done
    return 1
}

# ---- the procs file ----------------------------------------------------------

# Sets pl_names and pl_pids from RUN_DIR/procs, with the pid of each NAME.pid
# file in its place (a restarted process has a new pid), and any NAME.pid not
# in procs added. Returns 1 when there is no process at all.
pl_members() { # run_dir
    local run_dir=$1 name pid file i found
    pl_names=()
    pl_pids=()
    if [ -f "$run_dir/procs" ]; then
        while read -r name pid; do
            [ -n "$name" ] || continue
            pl_names+=("$name")
            pl_pids+=("$pid")
        done <"$run_dir/procs"
    fi
    for file in "$run_dir"/*.pid; do
        [ -e "$file" ] || continue
        name=$(basename "$file" .pid)
        pid=$(tr -dc 0-9 <"$file" 2>/dev/null) || continue
        [ -n "$pid" ] || continue
        found=false
        for i in "${!pl_names[@]}"; do
            if [ "${pl_names[$i]}" = "$name" ]; then
                pl_pids[i]=$pid
                found=true
            fi
        done
        $found || { pl_names+=("$name"); pl_pids+=("$pid"); }
    done
    [ ${#pl_names[@]} -gt 0 ]
}

# Records NAME's pid in RUN_DIR/procs (replacing its line, or appending one).
pl_set_pid() { # run_dir, name, pid
    local run_dir=$1 name=$2 pid=$3 line_name line_pid done=false
    {
        if [ -f "$run_dir/procs" ]; then
            while read -r line_name line_pid; do
                [ -n "$line_name" ] || continue
                if [ "$line_name" = "$name" ]; then
                    line_pid=$pid
                    done=true
                fi
                printf '%s %s\n' "$line_name" "$line_pid"
            done <"$run_dir/procs"
        fi
        $done || printf '%s %s\n' "$name" "$pid"
    } >"$run_dir/procs.tmp"
    mv "$run_dir/procs.tmp" "$run_dir/procs"
}

# Pids of processes still alive that belong to RUN_DIR: every precis program
# is given --pidfile RUN_DIR/NAME.pid, so its command line names the run dir,
# restarted ones included.
pl_leftovers() { # run_dir
    local pid
    if command -v pgrep >/dev/null 2>&1; then
        for pid in $(pgrep -f -- "--pidfile $1/" || true); do
            pl_running "$pid" && echo "$pid"
        done
        return 0
    fi
    local dir cmdline
    for dir in /proc/[0-9]*; do
        pid=${dir#/proc/}
        cmdline=$(tr '\0' ' ' <"$dir/cmdline" 2>/dev/null) || continue
        case "$cmdline" in
            *"--pidfile $1/"*) pl_running "$pid" && echo "$pid" ;;
        esac
    done
    return 0
}

# ---- starting ----------------------------------------------------------------

# Writes RUN_DIR/NAME.cmd, the launcher of NAME: program and options, then
# --pidfile RUN_DIR/NAME.pid and --control ipc://RUN_DIR/NAME.ctl, output
# appended to RUN_DIR/NAME.log.
pl_launcher() { # run_dir, name, program, args...
    local run_dir=$1 name=$2
    shift 2
    {
        echo '#!/bin/sh'
        # With arguments (--check-config, before a restart): in the
        # foreground, its answer on the caller's stdout and stderr.
        printf 'if [ $# -gt 0 ]; then exec'
        printf ' %q' "$@" --pidfile "$run_dir/$name.pid" --control "ipc://$run_dir/$name.ctl"
        printf ' "$@"; fi\n'
        printf 'exec'
        printf ' %q' "$@" --pidfile "$run_dir/$name.pid" --control "ipc://$run_dir/$name.ctl"
        printf ' >>%q 2>&1\n' "$run_dir/$name.log"
    } >"$run_dir/$name.cmd"
    chmod +x "$run_dir/$name.cmd"
}

# Starts NAME from its launcher in the background (detached when PL_DETACH
# is 1) and records it in procs. Does not wait.
pl_spawn() { # run_dir, name
    local run_dir=$1 name=$2 pid
    rm -f "$run_dir/$name.pid" "$run_dir/$name.ctl"
    printf '=== %s: %s started by %s\n' "$(date '+%Y-%m-%d %H:%M:%S')" "$name" \
        "${PL_PROG:-pipeline}" >>"$run_dir/$name.log"
    if [ "$PL_DETACH" = 1 ]; then
        if command -v setsid >/dev/null 2>&1; then
            setsid nohup "$run_dir/$name.cmd" </dev/null >/dev/null 2>&1 &
        else
            nohup "$run_dir/$name.cmd" </dev/null >/dev/null 2>&1 &
        fi
    else
        "$run_dir/$name.cmd" </dev/null &
    fi
    pid=$!
    pl_set_pid "$run_dir" "$name" "$pid"
    pl_log "$run_dir" "start $name (pid $pid)"
}

# Writes NAME's launcher and starts it.
pl_start() { # run_dir, name, program, args...
    pl_launcher "$@"
    pl_spawn "$1" "$2"
}

# Waits until each NAME has written its pid file; then records the pids the
# programs wrote in procs. On failure (a process exited first, or timeout)
# says which on stderr with the end of its log, and returns 1; the caller
# stops what was started (pl_stop).
pl_wait_ready() { # run_dir, name...
    local run_dir=$1 name ready i pid state
    shift
    local names=("$@") deadline=$((SECONDS + PL_READY_TIMEOUT)) failed=()
    pl_members "$run_dir" || true
    while true; do
        ready=true
        failed=()
        for name in "${names[@]}"; do
            [ -s "$run_dir/$name.pid" ] && continue
            ready=false
            for i in "${!pl_names[@]}"; do
                [ "${pl_names[$i]}" = "$name" ] || continue
                pl_running "${pl_pids[$i]}" || failed+=("$name")
            done
        done
        $ready && break
        if [ ${#failed[@]} -eq 0 ] && [ "$SECONDS" -ge "$deadline" ]; then
            for name in "${names[@]}"; do
                [ -s "$run_dir/$name.pid" ] || failed+=("$name")
            done
            pl_warn "not ready after ${PL_READY_TIMEOUT} s: no pid file from ${#failed[@]} process(es)"
        fi
        if [ ${#failed[@]} -gt 0 ]; then
            for name in "${failed[@]}"; do
                state="still starting"
                for i in "${!pl_names[@]}"; do
                    [ "${pl_names[$i]}" != "$name" ] || pl_running "${pl_pids[$i]}" || state=exited
                done
                pl_warn "$name failed to start ($state); the end of $run_dir/$name.log:"
                tail -n 15 "$run_dir/$name.log" 2>/dev/null | sed 's/^/    /' >&2
                pl_log "$run_dir" "$name failed to start ($state)"
            done
            return 1
        fi
        sleep 0.05
    done
    # The pid the program wrote is the one to signal (setsid may have forked).
    for name in "${names[@]}"; do
        pid=$(tr -dc 0-9 <"$run_dir/$name.pid")
        [ -z "$pid" ] || pl_set_pid "$run_dir" "$name" "$pid"
        pl_log "$run_dir" "ready $name (pid $pid)"
    done
}

# Starts NAME again from its launcher and waits until it is ready; tries
# again (up to 5 times) when it exits first, e.g. its port is not free yet.
pl_relaunch() { # run_dir, name
    local run_dir=$1 name=$2
    [ -x "$run_dir/$name.cmd" ] || { pl_warn "no launcher $run_dir/$name.cmd"; return 1; }
    for _ in 1 2 3 4 5; do
        pl_spawn "$run_dir" "$name"
        pl_wait_ready "$run_dir" "$name" 2>/dev/null && return 0
        sleep 0.5
    done
    pl_warn "$name did not start again; the end of $run_dir/$name.log:"
    tail -n 15 "$run_dir/$name.log" 2>/dev/null | sed 's/^/    /' >&2
    return 1
}

# ---- stopping ----------------------------------------------------------------

# Waits until pid is gone; a zombie counts as gone once its other threads
# (which hold its sockets a moment longer) have ended too.
pl_wait_gone() { # pid, tenths of a second at most
    local pid=$1 tries=$2 stat
    while [ "$tries" -gt 0 ]; do
        [ -d "/proc/$pid" ] || return 0
        stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 0
        stat=${stat##*) }
        if [ "${stat%% *}" = Z ]; then
            local tasks=(/proc/"$pid"/task/*)
            [ ${#tasks[@]} -gt 1 ] || return 0
        fi
        sleep 0.1
        tries=$((tries - 1))
    done
    return 1
}

# Stops the given processes of RUN_DIR, a stage at a time (see the top).
# Counts in PL_STOP_FAILURES those that needed SIGKILL, and those of the
# caller's children that exited non-zero on SIGTERM.
pl_stop_some() { # run_dir, "name pid"...
    local run_dir=$1 stage entry name pid status waited
    shift
    local entries=("$@")
    for stage in 0 1 2 3 4; do
        local names=() pids=()
        for entry in ${entries[@]+"${entries[@]}"}; do
            name=${entry% *}
            pid=${entry#* }
            [ "$(pl_stage_of "$name")" = "$stage" ] || continue
            pl_alive "$pid" "$run_dir" || continue
            kill -TERM "$pid" 2>/dev/null || true
            pl_log "$run_dir" "stop $name (pid $pid): SIGTERM"
            names+=("$name")
            pids+=("$pid")
        done
        local i deadline=$((SECONDS + PL_STOP_TIMEOUT))
        for i in "${!pids[@]}"; do
            pid=${pids[$i]}
            name=${names[$i]}
            waited=$(((deadline - SECONDS) * 10))
            [ "$waited" -gt 0 ] || waited=1
            if ! pl_wait_gone "$pid" "$waited"; then
                pl_warn "$name (pid $pid) did not exit ${PL_STOP_TIMEOUT} s after SIGTERM; sending SIGKILL"
                pl_log "$run_dir" "stop $name (pid $pid): SIGKILL after ${PL_STOP_TIMEOUT} s"
                kill -KILL "$pid" 2>/dev/null || true
                pl_wait_gone "$pid" 20 || true
                PL_STOP_FAILURES=$((PL_STOP_FAILURES + 1))
            fi
            # The caller's own children report how they ended: 0 is a clean
            # stop; 127 means not a child of this shell.
            status=0
            wait "$pid" 2>/dev/null || status=$?
            if [ "$status" -ne 0 ] && [ "$status" -ne 127 ] && [ "$status" -ne 137 ]; then
                pl_warn "$name (pid $pid) exited with status $status on SIGTERM"
                PL_STOP_FAILURES=$((PL_STOP_FAILURES + 1))
            fi
            pl_log "$run_dir" "stopped $name (pid $pid)"
        done
    done
}

# Stops the whole pipeline of RUN_DIR in stage order, then SIGKILLs whatever
# of it is left (a process restarted by hand without a pid file yet);
# removes the pid files, control sockets and procs. Logs are kept.
pl_stop() { # run_dir
    local run_dir=$1 i entries=() pid
    PL_STOP_FAILURES=0
    if pl_members "$run_dir"; then
        for i in "${!pl_names[@]}"; do
            entries+=("${pl_names[$i]} ${pl_pids[$i]}")
        done
        pl_stop_some "$run_dir" "${entries[@]}"
    fi
    for pid in $(pl_leftovers "$run_dir"); do
        pl_log "$run_dir" "leftover pid $pid: SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        pl_wait_gone "$pid" 20 || true
    done
    for i in ${pl_names[@]+"${!pl_names[@]}"}; do
        rm -f "$run_dir/${pl_names[$i]}.pid" "$run_dir/${pl_names[$i]}.pid.tmp" \
            "$run_dir/${pl_names[$i]}.ctl"
    done
    rm -f "$run_dir/procs"
    pl_log "$run_dir" "pipeline stopped"
    return 0
}

# SIGKILLs NAME and waits until it is gone; removes its pid file.
pl_kill9() { # run_dir, name
    local run_dir=$1 name=$2 pid
    pid=$(tr -dc 0-9 <"$run_dir/$name.pid" 2>/dev/null) || return 0
    [ -n "$pid" ] || return 0
    kill -KILL "$pid" 2>/dev/null || true
    pl_log "$run_dir" "kill $name (pid $pid): SIGKILL"
    pl_wait_gone "$pid" 250 || true
    rm -f "$run_dir/$name.pid"
}

# Checks NAME's options and --config file as it would start now (its
# launcher with --check-config: nothing is bound). Returns 0 when they are
# good, or when the launcher predates the check; otherwise prints the
# program's error on stderr and returns 2.
pl_check_config() { # run_dir, name
    local run_dir=$1 name=$2 out
    grep -q '^if \[ \$# -gt 0 \]' "$run_dir/$name.cmd" 2>/dev/null || return 0
    if ! out=$("$run_dir/$name.cmd" --check-config 2>&1 </dev/null); then
        printf '%s\n' "$out" >&2
        pl_log "$run_dir" "restart $name refused: its configuration does not parse"
        return 2
    fi
    return 0
}

# Checks NAME's configuration first (pl_check_config): when it is refused,
# the running process is left alone and 2 returned. Otherwise stops NAME
# (SIGTERM, SIGKILL after PL_STOP_TIMEOUT s) and starts it again from its
# launcher, with the same options; waits until it is ready.
pl_restart() { # run_dir, name
    local run_dir=$1 name=$2
    pl_check_config "$run_dir" "$name" || return 2
    pl_members "$run_dir" || true
    local i entries=()
    for i in ${pl_names[@]+"${!pl_names[@]}"}; do
        [ "${pl_names[$i]}" != "$name" ] || entries+=("$name ${pl_pids[$i]}")
    done
    [ ${#entries[@]} -eq 0 ] || pl_stop_some "$run_dir" "${entries[@]}"
    rm -f "$run_dir/$name.pid" "$run_dir/$name.ctl"
    pl_relaunch "$run_dir" "$name"
}

# ---- as a command ------------------------------------------------------------

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    set -euo pipefail
    PL_PROG=$(basename "$0")
    case "${1:-}" in
        stop) [ $# -eq 2 ] || { pl_warn "usage: $0 stop RUN_DIR"; exit 2; }
            pl_stop "$2"
            [ "$PL_STOP_FAILURES" -eq 0 ] ;;
        kill9 | relaunch | restart)
            [ $# -eq 3 ] || { pl_warn "usage: $0 $1 RUN_DIR NAME"; exit 2; }
            # Started from here, a process outlives this shell: detach it.
            PL_DETACH=1
            "pl_$1" "$2" "$3" ;;
        leftovers) [ $# -eq 2 ] || { pl_warn "usage: $0 leftovers RUN_DIR"; exit 2; }
            pl_leftovers "$2" ;;
        *) pl_warn "usage: $0 stop|kill9|relaunch|restart|leftovers RUN_DIR [NAME]"; exit 2 ;;
    esac
fi
