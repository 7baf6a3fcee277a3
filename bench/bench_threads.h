/*  bench_threads - the CPU of another process's threads, by kind, read
    from /proc/PID/task: what a stage costs apart from the bench that
    drives it.

    Kinds: main (the task whose id is the pid), io (ZeroMQ's I/O threads,
    "ZMQbg/IO/N"), other (the rest: ZeroMQ's reaper, a journal's sync
    thread). For each: CPU seconds from schedstat's run time (nanoseconds;
    /proc's utime and stime are in ticks of 10 ms, too coarse for a run of
    a tenth of a second), its user and system shares from utime and stime,
    and context switches from status (an I/O thread's voluntary ones are
    sleeps, so each is one wake-up; a main thread's involuntary ones are
    times it was taken off its core). Faults: the process's minor and major
    page faults.
*/
#ifndef BENCH_THREADS_H
#define BENCH_THREADS_H

#include <stdbool.h>
#include <sys/types.h>

typedef enum {
    BENCH_THREAD_MAIN,
    BENCH_THREAD_IO,
    BENCH_THREAD_OTHER,
    BENCH_THREAD_KINDS
} bench_thread_kind_t;

typedef struct {
    double cpu_s[BENCH_THREAD_KINDS];      /* run time, seconds */
    double user_ticks[BENCH_THREAD_KINDS]; /* utime, for the user share */
    double system_ticks[BENCH_THREAD_KINDS];
    double voluntary[BENCH_THREAD_KINDS], involuntary[BENCH_THREAD_KINDS];
    double faults; /* of the whole process */
} bench_threads_t;

/* A snapshot of process pid's threads; false when it cannot be read. */
bool bench_threads_read(pid_t pid, bench_threads_t *snapshot);

/* The kind's name: "main", "io", "other". */
const char *bench_threads_kind_name(bench_thread_kind_t kind);

/* Prints PREFIX_KIND_us=, PREFIX_KIND_user_us=, PREFIX_KIND_sys_us= for
   each kind, PREFIX_us= (all threads), PREFIX_main_preempted= (involuntary
   switches of the main thread), PREFIX_io_wakeups= (voluntary switches of
   the I/O threads) and PREFIX_faults= per item, between two snapshots. */
void bench_threads_print(const char *prefix, const bench_threads_t *from,
                         const bench_threads_t *to, double items);

int bench_threads_test(bool verbose);

#endif
