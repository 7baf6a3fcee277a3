/*  fsync_cost - what a group commit's fdatasync costs on this disk, by how
    the journal's file is written (docs/DESIGN.md, "Zeros written ahead of
    the journal": measured and not kept).

    Each round writes records (--records of --bytes each, one writev or
    pwritev: a group commit) then fdatasyncs, --rounds times, in a file in
    --dir, for each way of writing:
      append     O_APPEND, as the journal is: the file grows at every sync,
                 so ext4 commits its own journal (jbd2) at each
      overwrite  the whole file written with zeros and synced before the
                 clock starts, the records written over them in place: no
                 size change, no allocation (the zeros cost nothing here)
      fallocate  the file fallocate'd first (unwritten extents), the
                 records written in place
      ahead      zeros written ahead as part of the work: a stretch
                 (--ahead MiB) written once less than half a stretch is
                 left, its write-back started at once (sync_file_range)
                 and made durable by the round's fdatasync
      ahead-sync the same with an fdatasync of its own for each stretch
    Prints, per way: the wall time of a round (write and sync) at p50, p99
    and the largest, in ms, and the system CPU of this process a round, in
    us (getrusage: the work of jbd2 and of the block layer's threads is
    not counted; the jbd2 threads' CPU is printed apart when /proc shows
    them, which it does not in a container), and for ahead the part of it
    spent writing the zeros. The disk is shared: run it under the bench
    lock, several times, the ways in turns.
*/
#define _GNU_SOURCE
#include "bench_data.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

static double sys_us(void)
{
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_stime.tv_sec * 1e6 + usage.ru_stime.tv_usec;
}

/* System CPU (us) of every jbd2 thread (the file system's journal), from
   /proc/PID/stat; -1 when none can be read. */
static double jbd2_us(void)
{
    DIR *proc = opendir("/proc");
    if (!proc)
        return -1;
    double total = -1;
    long tick = sysconf(_SC_CLK_TCK);
    struct dirent *entry;
    while ((entry = readdir(proc)) != NULL) {
        char path[300], line[512];
        snprintf(path, sizeof path, "/proc/%s/stat", entry->d_name);
        FILE *file = fopen(path, "r");
        if (!file)
            continue;
        size_t n = fread(line, 1, sizeof line - 1, file);
        fclose(file);
        line[n] = 0;
        char *close = strrchr(line, ')');
        if (!strstr(line, "(jbd2/") || !close)
            continue;
        unsigned long utime = 0, stime = 0;
        /* Fields 14 and 15 (utime, stime) after the name's ')'. */
        if (sscanf(close + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
                   &utime, &stime) == 2)
            total = (total < 0 ? 0 : total) + (utime + stime) * 1e6 / tick;
    }
    closedir(proc);
    return total;
}

static void die(const char *what)
{
    fprintf(stderr, "fsync_cost: %s: %s\n", what, strerror(errno));
    exit(1);
}

/* Writes len zeros at offset of fd. */
static void write_zeros(int fd, off_t offset, size_t len)
{
    static char zeros[1 << 20];
    while (len > 0) {
        size_t n = len < sizeof zeros ? len : sizeof zeros;
        ssize_t done = pwrite(fd, zeros, n, offset);
        if (done <= 0)
            die("writing zeros");
        offset += done;
        len -= (size_t)done;
    }
}

static void run(const char *way, const char *dir, int rounds, int records, size_t bytes,
                size_t ahead)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/fsync_cost.%d", dir, (int)getpid());
    bool append = strcmp(way, "append") == 0;
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | (append ? O_APPEND : 0), 0600);
    if (fd < 0)
        die(path);
    size_t batch = (size_t)records * bytes;
    size_t total = batch * (size_t)rounds;
    if (strcmp(way, "overwrite") == 0)
        write_zeros(fd, 0, total);
    else if (strcmp(way, "fallocate") == 0 && fallocate(fd, 0, 0, (off_t)total) != 0)
        die("fallocate");
    fdatasync(fd);
    char *record = malloc(bytes);
    struct iovec *iov = malloc((size_t)records * sizeof *iov);
    double *wall = malloc((size_t)rounds * sizeof *wall);
    if (!record || !iov || !wall)
        die("malloc");
    memset(record, 'r', bytes);
    for (int i = 0; i < records; i++)
        iov[i] = (struct iovec){record, bytes};
    off_t end = 0, written_ahead = 0;
    int stretches = 0;
    double zeros_sys = 0; /* of writing the stretches (and their syncs) */
    double sys0 = sys_us(), jbd0 = jbd2_us();
    for (int r = 0; r < rounds; r++) {
        double start = bench_now();
        if (strncmp(way, "ahead", 5) == 0 && written_ahead - end < (off_t)(ahead / 2)) {
            double zeros0 = sys_us();
            if (written_ahead < end)
                written_ahead = end;
            write_zeros(fd, written_ahead, ahead);
            if (strcmp(way, "ahead-sync") == 0)
                fdatasync(fd);
            else
                sync_file_range(fd, written_ahead, (off_t)ahead, SYNC_FILE_RANGE_WRITE);
            written_ahead += (off_t)ahead;
            stretches++;
            zeros_sys += sys_us() - zeros0;
        }
        ssize_t done = append ? writev(fd, iov, records) : pwritev(fd, iov, records, end);
        if (done != (ssize_t)batch)
            die("writing records");
        end += done;
        if (fdatasync(fd) != 0)
            die("fdatasync");
        wall[r] = (bench_now() - start) * 1e3;
    }
    double sys = sys_us() - sys0, jbd = jbd2_us() - jbd0;
    bench_sort_doubles(wall, (size_t)rounds);
    printf("%-10s %d rounds of %d x %zu B: p50 %.2f ms, p99 %.2f ms, max %.1f ms; "
           "system CPU %.0f us a round",
           way, rounds, records, bytes, bench_percentile(wall, (size_t)rounds, 0.50),
           bench_percentile(wall, (size_t)rounds, 0.99), wall[rounds - 1], sys / rounds);
    if (jbd0 >= 0)
        printf(", jbd2 %.0f us a round", jbd / rounds);
    if (stretches)
        printf(" (%d stretches of %zu MiB: %.0f us a round of it)", stretches,
               ahead >> 20, zeros_sys / rounds);
    printf("\n");
    fflush(stdout);
    close(fd);
    unlink(path);
    free(wall);
    free(iov);
    free(record);
}

int main(int argc, char **argv)
{
    const char *dir = ".";
    int rounds = 2000, records = 16;
    size_t bytes = 2200, ahead = 4u << 20;
    const char *ways = "append,overwrite,fallocate,ahead,ahead-sync";
    static struct option options[] = {{"dir", required_argument, NULL, 'd'},
                                      {"rounds", required_argument, NULL, 'n'},
                                      {"records", required_argument, NULL, 'r'},
                                      {"bytes", required_argument, NULL, 'b'},
                                      {"ahead", required_argument, NULL, 'a'},
                                      {"ways", required_argument, NULL, 'w'},
                                      {"help", no_argument, NULL, 'h'},
                                      {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", options, NULL)) != -1)
        switch (c) {
        case 'd':
            dir = optarg;
            break;
        case 'n':
            rounds = atoi(optarg);
            break;
        case 'r':
            records = atoi(optarg);
            break;
        case 'b':
            bytes = (size_t)atol(optarg);
            break;
        case 'a':
            ahead = (size_t)atol(optarg) << 20;
            break;
        case 'w':
            ways = optarg;
            break;
        default:
            printf("usage: fsync_cost [--dir DIR (.)] [--rounds N (2000)] [--records N "
                   "(16)]\n  [--bytes B (2200)] [--ahead MiB (4)] [--ways "
                   "append,overwrite,fallocate,ahead,ahead-sync]\n"
                   "The cost of a group commit's fdatasync by how the file is written "
                   "(see the source's header).\n");
            return c == 'h' ? 0 : 2;
        }
    if (rounds < 1 || records < 1 || bytes < 1 || ahead < 1) {
        fprintf(stderr, "fsync_cost: --rounds, --records, --bytes and --ahead must be "
                        "positive\n");
        return 2;
    }
    char *list = strdup(ways);
    static const char *known[] = {"append", "overwrite", "fallocate", "ahead",
                                  "ahead-sync"};
    for (char *way = strtok(list, ","); way; way = strtok(NULL, ",")) {
        size_t k = 0;
        while (k < sizeof known / sizeof *known && strcmp(way, known[k]) != 0)
            k++;
        if (k == sizeof known / sizeof *known) {
            fprintf(stderr, "fsync_cost: no way '%s' (--help lists them)\n", way);
            free(list);
            return 2;
        }
        run(way, dir, rounds, records, bytes, ahead);
    }
    free(list);
    return 0;
}
