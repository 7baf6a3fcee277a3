/*  bench_threads - the CPU of another process's threads, by kind. */
#include "bench_threads.h"
#include <dirent.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *bench_threads_kind_name(bench_thread_kind_t kind)
{
    return kind == BENCH_THREAD_MAIN ? "main" : kind == BENCH_THREAD_IO ? "io" : "other";
}

/* The whole of a small /proc file, NUL-terminated; false when unreadable. */
static bool read_small(const char *path, char *buffer, size_t size)
{
    FILE *file = fopen(path, "r");
    if (!file)
        return false;
    size_t len = fread(buffer, 1, size - 1, file);
    fclose(file);
    buffer[len] = 0;
    return true;
}

/* Adds one task (/proc/PID/task/TID) to the snapshot. */
static void add_task(const char *dir, pid_t pid, pid_t tid, bench_threads_t *snapshot)
{
    char path[512], text[2048];
    snprintf(path, sizeof path, "%s/stat", dir);
    if (!read_small(path, text, sizeof text))
        return;
    /* "tid (comm) state ...": comm may hold spaces; utime and stime are
       the 12th and 13th fields after the last ')' (proc(5)). */
    char *open = strchr(text, '('), *close = strrchr(text, ')');
    if (!open || !close)
        return;
    char comm[64];
    snprintf(comm, sizeof comm, "%.*s", (int)(close - open - 1), open + 1);
    unsigned long utime = 0, stime = 0;
    if (sscanf(close + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime,
               &stime) != 2)
        return;
    bench_thread_kind_t kind = tid == pid                          ? BENCH_THREAD_MAIN
                               : strncmp(comm, "ZMQbg/IO", 8) == 0 ? BENCH_THREAD_IO
                                                                   : BENCH_THREAD_OTHER;
    snapshot->user_ticks[kind] += (double)utime;
    snapshot->system_ticks[kind] += (double)stime;
    snprintf(path, sizeof path, "%s/schedstat", dir);
    unsigned long long run_ns = 0;
    if (read_small(path, text, sizeof text) && sscanf(text, "%llu", &run_ns) == 1)
        snapshot->cpu_s[kind] += (double)run_ns / 1e9;
    else /* no schedstat in this kernel: the ticks */
        snapshot->cpu_s[kind] += (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
    snprintf(path, sizeof path, "%s/status", dir);
    if (read_small(path, text, sizeof text)) {
        char *at = strstr(text, "\nvoluntary_ctxt_switches:");
        if (at)
            snapshot->voluntary[kind] += strtod(strchr(at, ':') + 1, NULL);
        at = strstr(text, "\nnonvoluntary_ctxt_switches:");
        if (at)
            snapshot->involuntary[kind] += strtod(strchr(at, ':') + 1, NULL);
    }
}

bool bench_threads_read(pid_t pid, bench_threads_t *snapshot)
{
    memset(snapshot, 0, sizeof *snapshot);
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/task", (long)pid);
    DIR *tasks = opendir(path);
    if (!tasks)
        return false;
    struct dirent *task;
    while ((task = readdir(tasks))) {
        if (task->d_name[0] == '.')
            continue;
        char dir[sizeof path + sizeof task->d_name + 2];
        snprintf(dir, sizeof dir, "%s/%s", path, task->d_name);
        add_task(dir, pid, (pid_t)atol(task->d_name), snapshot);
    }
    closedir(tasks);
    /* minflt and majflt: the 8th and 10th fields after the last ')'. */
    char text[2048];
    snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
    unsigned long minor = 0, major = 0;
    char *close = read_small(path, text, sizeof text) ? strrchr(text, ')') : NULL;
    if (close &&
        sscanf(close + 2, "%*c %*d %*d %*d %*d %*d %*u %lu %*u %lu", &minor, &major) == 2)
        snapshot->faults = (double)(minor + major);
    return true;
}

void bench_threads_print(const char *prefix, const bench_threads_t *from,
                         const bench_threads_t *to, double items)
{
    if (items <= 0)
        items = 1;
    double total = 0;
    for (int kind = 0; kind < BENCH_THREAD_KINDS; kind++) {
        double cpu = to->cpu_s[kind] - from->cpu_s[kind];
        double user = to->user_ticks[kind] - from->user_ticks[kind];
        double system = to->system_ticks[kind] - from->system_ticks[kind];
        /* The run time split as the ticks split it. */
        double user_share = user + system > 0 ? user / (user + system) : 0;
        const char *name = bench_threads_kind_name((bench_thread_kind_t)kind);
        printf("%s_%s_us=%.2f\n", prefix, name, 1e6 * cpu / items);
        printf("%s_%s_user_us=%.2f\n", prefix, name, 1e6 * cpu * user_share / items);
        printf("%s_%s_sys_us=%.2f\n", prefix, name, 1e6 * cpu * (1 - user_share) / items);
        total += cpu;
    }
    printf("%s_us=%.2f\n", prefix, 1e6 * total / items);
    printf("%s_main_preempted=%.3f\n", prefix,
           (to->involuntary[BENCH_THREAD_MAIN] - from->involuntary[BENCH_THREAD_MAIN]) /
               items);
    printf("%s_main_sleeps=%.3f\n", prefix,
           (to->voluntary[BENCH_THREAD_MAIN] - from->voluntary[BENCH_THREAD_MAIN]) /
               items);
    printf("%s_io_wakeups=%.3f\n", prefix,
           (to->voluntary[BENCH_THREAD_IO] - from->voluntary[BENCH_THREAD_IO]) / items);
    printf("%s_faults=%.3f\n", prefix, (to->faults - from->faults) / items);
}

/* ---- self test ----------------------------------------------------------- */

static double thread_cpu_now(void)
{
    struct timespec now;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

int bench_threads_test(bool verbose)
{
    int failures = 0;
    /* The calling process: its main thread's CPU grows by what it spends
       (50 ms of CPU, not of wall time: the test waits on no clock), and a
       process without ZeroMQ has no I/O thread. */
    bench_threads_t from, to;
    if (!bench_threads_read(getpid(), &from)) {
        fprintf(stderr, "bench_threads: cannot read this process\n");
        return 1;
    }
    volatile unsigned long sink = 0;
    for (double start = thread_cpu_now(); thread_cpu_now() - start < 0.05;)
        sink += 1;
    bench_threads_read(getpid(), &to);
    double spent = to.cpu_s[BENCH_THREAD_MAIN] - from.cpu_s[BENCH_THREAD_MAIN];
    if (spent < 0.03 || to.cpu_s[BENCH_THREAD_IO] != 0) {
        fprintf(stderr,
                "bench_threads: main thread %.4f s after 0.05 s spent, I/O %.4f\n", spent,
                to.cpu_s[BENCH_THREAD_IO]);
        failures++;
    }
    /* A process that does not exist. */
    if (bench_threads_read(-1, &to)) {
        fprintf(stderr, "bench_threads: read a process that does not exist\n");
        failures++;
    }
    if (verbose)
        printf("bench_threads: %s\n", failures ? "FAILED" : "ok");
    return failures;
}
