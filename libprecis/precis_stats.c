/*  precis_stats - counters and a latency histogram, readable while counting. */
#include "precis_stats.h"
#include "precis_msgpack.h"
#include "precis.h"
#include <assert.h>
#include <dirent.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <unistd.h>

typedef enum { KIND_COUNTER, KIND_GAUGE } counter_kind_t;

typedef struct {
    const char *name;
    const char *help;
    counter_kind_t kind;
    /* Prometheus: the metric family and one label; family NULL: the name. */
    const char *family, *family_help, *label_name, *label_value;
    _Atomic uint64_t value;
} counter_t;

/* The histogram's boundaries for Prometheus, in seconds: 100 us to 1 s in
   1-2.5-5 steps (12 buckets), written out so that the labels are exact. */
static const char *bucket_labels[] = {"0.0001", "0.00025", "0.0005", "0.001",
                                      "0.0025", "0.005",   "0.01",   "0.025",
                                      "0.05",   "0.1",     "0.25",   "1"};
static const int64_t bucket_bounds_us[] = {100,   250,   500,   1000,   2500,   5000,
                                           10000, 25000, 50000, 100000, 250000, 1000000};
#define EXPO_BUCKETS (sizeof bucket_bounds_us / sizeof bucket_bounds_us[0])

struct _precis_stats_t {
    char *name;
    time_t started;
    counter_t counters[PRECIS_STATS_MAX_COUNTERS];
    int counter_count;
    _Atomic uint64_t buckets[PRECIS_STATS_BUCKETS]; /* [i]: latencies < 2^i us */
    _Atomic uint64_t expo[EXPO_BUCKETS + 1];        /* [i]: <= bound i; last: above */
    _Atomic uint64_t sum_us;
    const char *latency_family, *latency_help;
};

precis_stats_t *precis_stats_new(const char *name)
{
    precis_stats_t *self = calloc(1, sizeof *self);
    assert(self);
    self->name = strdup(name);
    self->started = time(NULL);
    self->latency_family = "processing_seconds";
    self->latency_help = "time to handle one message in this process";
    return self;
}

void precis_stats_destroy(precis_stats_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free((*self_p)->name);
    free(*self_p);
    *self_p = NULL;
}

static int add_counter(precis_stats_t *self, const char *name, const char *help,
                       counter_kind_t kind)
{
    assert(self->counter_count < PRECIS_STATS_MAX_COUNTERS);
    counter_t *counter = &self->counters[self->counter_count];
    memset(counter, 0, sizeof *counter);
    counter->name = name;
    counter->help = help;
    counter->kind = kind;
    atomic_store_explicit(&counter->value, 0, memory_order_relaxed);
    return self->counter_count++;
}

int precis_stats_counter(precis_stats_t *self, const char *name, const char *help)
{
    return add_counter(self, name, help, KIND_COUNTER);
}

int precis_stats_gauge(precis_stats_t *self, const char *name, const char *help)
{
    return add_counter(self, name, help, KIND_GAUGE);
}

void precis_stats_label(precis_stats_t *self, int counter, const char *family,
                        const char *family_help, const char *label_name,
                        const char *label_value)
{
    counter_t *row = &self->counters[counter];
    row->family = family;
    row->family_help = family_help;
    row->label_name = label_name;
    row->label_value = label_value;
}

void precis_stats_describe_latency(precis_stats_t *self, const char *family,
                                   const char *help)
{
    self->latency_family = family;
    self->latency_help = help;
}

void precis_stats_add(precis_stats_t *self, int counter, uint64_t amount)
{
    atomic_fetch_add_explicit(&self->counters[counter].value, amount,
                              memory_order_relaxed);
}

void precis_stats_set(precis_stats_t *self, int counter, uint64_t value)
{
    atomic_store_explicit(&self->counters[counter].value, value, memory_order_relaxed);
}

uint64_t precis_stats_get(precis_stats_t *self, int counter)
{
    return atomic_load_explicit(&self->counters[counter].value, memory_order_relaxed);
}

void precis_stats_latency(precis_stats_t *self, int64_t usecs)
{
    if (usecs < 0)
        usecs = 0;
    int bucket = 0;
    while (bucket < PRECIS_STATS_BUCKETS - 1 && usecs >= (int64_t)1 << bucket)
        bucket++;
    atomic_fetch_add_explicit(&self->buckets[bucket], 1, memory_order_relaxed);
    size_t expo = 0;
    while (expo < EXPO_BUCKETS && usecs > bucket_bounds_us[expo])
        expo++;
    atomic_fetch_add_explicit(&self->expo[expo], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&self->sum_us, (uint64_t)usecs, memory_order_relaxed);
}

uint64_t precis_stats_quantile(precis_stats_t *self, double q)
{
    uint64_t counts[PRECIS_STATS_BUCKETS], total = 0;
    for (int i = 0; i < PRECIS_STATS_BUCKETS; i++)
        total += counts[i] =
            atomic_load_explicit(&self->buckets[i], memory_order_relaxed);
    if (total == 0)
        return 0;
    uint64_t rank = (uint64_t)(q * (double)total + 0.5), seen = 0;
    if (rank < 1)
        rank = 1;
    for (int i = 0; i < PRECIS_STATS_BUCKETS; i++) {
        seen += counts[i];
        if (seen >= rank)
            return (uint64_t)1 << i;
    }
    return (uint64_t)1 << (PRECIS_STATS_BUCKETS - 1);
}

static uint64_t latency_count(precis_stats_t *self)
{
    uint64_t total = 0;
    for (int i = 0; i < PRECIS_STATS_BUCKETS; i++)
        total += atomic_load_explicit(&self->buckets[i], memory_order_relaxed);
    return total;
}

void precis_stats_pack(precis_stats_t *self, msgpack_packer *packer)
{
    msgpack_pack_map(packer, 5);
    precis_mp_pack_kv_str(packer, "name", self->name, strlen(self->name));
    precis_mp_pack_kv_int(packer, "pid", getpid());
    precis_mp_pack_kv_int(packer, "uptime_s", (int64_t)(time(NULL) - self->started));
    precis_mp_pack_cstr(packer, "counters");
    msgpack_pack_map(packer, (size_t)self->counter_count);
    for (int i = 0; i < self->counter_count; i++)
        precis_mp_pack_kv_int(packer, self->counters[i].name,
                              (int64_t)precis_stats_get(self, i));
    precis_mp_pack_cstr(packer, "latency_us");
    msgpack_pack_map(packer, 4);
    precis_mp_pack_kv_int(packer, "count", (int64_t)latency_count(self));
    precis_mp_pack_kv_int(packer, "p50", (int64_t)precis_stats_quantile(self, 0.50));
    precis_mp_pack_kv_int(packer, "p90", (int64_t)precis_stats_quantile(self, 0.90));
    precis_mp_pack_kv_int(packer, "p99", (int64_t)precis_stats_quantile(self, 0.99));
}

/* The Prometheus text format, written into a buffer that does not overflow:
   what does not fit is cut (the caller sizes the buffer). */
typedef struct {
    char *buf;
    size_t size, used;
} text_t;

static void emit(text_t *text, const char *format, ...)
    __attribute__((format(printf, 2, 3)));
static void emit(text_t *text, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    int n =
        vsnprintf(text->buf + text->used,
                  text->used < text->size ? text->size - text->used : 0, format, args);
    va_end(args);
    text->used += n > 0 ? (size_t)n : 0;
}

/* The counters and gauges, one family at a time (a family's rows must be
   together, under one HELP and TYPE). */
static void emit_counters(precis_stats_t *self, text_t *text)
{
    bool done[PRECIS_STATS_MAX_COUNTERS] = {false};
    for (int i = 0; i < self->counter_count; i++) {
        if (done[i])
            continue;
        const counter_t *first = &self->counters[i];
        const char *family = first->family ? first->family : first->name;
        const char *suffix = first->kind == KIND_COUNTER ? "_total" : "";
        emit(text, "# HELP precis_%s_%s%s %s\n# TYPE precis_%s_%s%s %s\n", self->name,
             family, suffix, first->family_help ? first->family_help : first->help,
             self->name, family, suffix,
             first->kind == KIND_COUNTER ? "counter" : "gauge");
        for (int j = i; j < self->counter_count; j++) {
            const counter_t *row = &self->counters[j];
            if (done[j] || row->kind != first->kind ||
                strcmp(row->family ? row->family : row->name, family) != 0)
                continue;
            done[j] = true;
            if (row->label_name)
                emit(text, "precis_%s_%s%s{%s=\"%s\"} %llu\n", self->name, family, suffix,
                     row->label_name, row->label_value,
                     (unsigned long long)precis_stats_get(self, j));
            else
                emit(text, "precis_%s_%s%s %llu\n", self->name, family, suffix,
                     (unsigned long long)precis_stats_get(self, j));
        }
    }
}

static void emit_histogram(precis_stats_t *self, text_t *text)
{
    const char *family = self->latency_family;
    emit(text, "# HELP precis_%s_%s %s\n# TYPE precis_%s_%s histogram\n", self->name,
         family, self->latency_help, self->name, family);
    uint64_t cumulative = 0;
    for (size_t i = 0; i < EXPO_BUCKETS; i++) {
        cumulative += atomic_load_explicit(&self->expo[i], memory_order_relaxed);
        emit(text, "precis_%s_%s_bucket{le=\"%s\"} %llu\n", self->name, family,
             bucket_labels[i], (unsigned long long)cumulative);
    }
    cumulative += atomic_load_explicit(&self->expo[EXPO_BUCKETS], memory_order_relaxed);
    emit(text, "precis_%s_%s_bucket{le=\"+Inf\"} %llu\n", self->name, family,
         (unsigned long long)cumulative);
    emit(text, "precis_%s_%s_sum %.6f\n", self->name, family,
         (double)atomic_load_explicit(&self->sum_us, memory_order_relaxed) / 1e6);
    emit(text, "precis_%s_%s_count %llu\n", self->name, family,
         (unsigned long long)cumulative);
}

/* The standard process_* metrics of Prometheus' client libraries, from
   /proc/self (Linux); left out where /proc cannot be read. */
static void emit_process(text_t *text)
{
    long ticks = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
    FILE *file = fopen("/proc/self/stat", "r");
    char line[1024];
    if (file && fgets(line, sizeof line, file)) {
        /* Fields after the command name, which may hold spaces: from the
           last ')' on. utime and stime are fields 14 and 15, starttime 22,
           vsize 23 and rss 24 (proc(5)). */
        const char *rest = strrchr(line, ')');
        unsigned long long utime = 0, stime = 0, start = 0, vsize = 0;
        long long rss = 0;
        if (rest &&
            sscanf(rest + 2,
                   "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d "
                   "%*d %*d %*d %*d %llu %llu %lld",
                   &utime, &stime, &start, &vsize, &rss) == 5 &&
            ticks > 0) {
            double boot = 0;
            FILE *stat = fopen("/proc/stat", "r");
            char row[256];
            while (stat && fgets(row, sizeof row, stat))
                if (sscanf(row, "btime %lf", &boot) == 1)
                    break;
            if (stat)
                fclose(stat);
            emit(text,
                 "# HELP process_cpu_seconds_total Total user and system CPU time spent "
                 "in seconds.\n# TYPE process_cpu_seconds_total counter\n"
                 "process_cpu_seconds_total %.2f\n",
                 (double)(utime + stime) / (double)ticks);
            emit(text,
                 "# HELP process_virtual_memory_bytes Virtual memory size in bytes.\n"
                 "# TYPE process_virtual_memory_bytes gauge\n"
                 "process_virtual_memory_bytes %llu\n",
                 vsize);
            emit(text,
                 "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
                 "# TYPE process_resident_memory_bytes gauge\n"
                 "process_resident_memory_bytes %lld\n",
                 rss * page);
            if (boot > 0)
                emit(text,
                     "# HELP process_start_time_seconds Start time of the process "
                     "since unix epoch in seconds.\n"
                     "# TYPE process_start_time_seconds gauge\n"
                     "process_start_time_seconds %.2f\n",
                     boot + (double)start / (double)ticks);
        }
    }
    if (file)
        fclose(file);
    DIR *fds = opendir("/proc/self/fd");
    if (fds) {
        long open = -1; /* the directory's own descriptor is not counted */
        while (readdir(fds))
            open++;
        closedir(fds);
        emit(text,
             "# HELP process_open_fds Number of open file descriptors.\n"
             "# TYPE process_open_fds gauge\nprocess_open_fds %ld\n",
             open - 2);
    }
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0)
        emit(text,
             "# HELP process_max_fds Maximum number of open file descriptors.\n"
             "# TYPE process_max_fds gauge\nprocess_max_fds %llu\n",
             (unsigned long long)limit.rlim_cur);
}

size_t precis_stats_prometheus(precis_stats_t *self, char *buf, size_t size)
{
    text_t text = {buf, size, 0};
    emit(&text,
         "# HELP precis_build_info The precis version of this process; always 1.\n"
         "# TYPE precis_build_info gauge\n"
         "precis_build_info{process=\"%s\",version=\"%s\"} 1\n",
         self->name, PRECIS_VERSION);
    emit_counters(self, &text);
    emit_histogram(self, &text);
    emit_process(&text);
    if (size == 0)
        return 0;
    return text.used < size ? text.used : size - 1;
}

int precis_stats_test(bool verbose)
{
    int failures = 0;
    precis_stats_t *stats = precis_stats_new("ingest");
    int accepted = precis_stats_counter(stats, "accepted", "articles accepted");
    int inflight = precis_stats_gauge(stats, "in_flight", "articles in flight");
    int rejected = precis_stats_counter(stats, "rejected", "requests rejected");
    precis_stats_label(stats, accepted, "requests", "requests answered, by status",
                       "status", "accepted");
    precis_stats_label(stats, rejected, "requests", "requests answered, by status",
                       "status", "rejected");
    precis_stats_add(stats, rejected, 1);
    precis_stats_add(stats, accepted, 3);
    precis_stats_add(stats, accepted, 2);
    precis_stats_set(stats, inflight, 7);
    if (precis_stats_get(stats, accepted) != 5 ||
        precis_stats_get(stats, inflight) != 7) {
        fprintf(stderr, "stats test: counters wrong\n");
        failures++;
    }
    /* 90 fast (100 us) and 10 slow (10 ms) records: p50 is in the fast
       bucket, p99 in the slow one. */
    for (int i = 0; i < 90; i++)
        precis_stats_latency(stats, 100);
    for (int i = 0; i < 10; i++)
        precis_stats_latency(stats, 10000);
    uint64_t p50 = precis_stats_quantile(stats, 0.5),
             p99 = precis_stats_quantile(stats, 0.99);
    if (p50 != 128 || p99 != 16384) {
        fprintf(stderr, "stats test: p50 %llu p99 %llu\n", (unsigned long long)p50,
                (unsigned long long)p99);
        failures++;
    }
    char text[16384];
    precis_stats_prometheus(stats, text, sizeof text);
    /* Prometheus' conventions: counters end in _total, one family with a
       label, a gauge typed gauge, exact bucket labels, _sum and _count. */
    const char *expected[] = {
        "# TYPE precis_ingest_requests_total counter\n"
        "precis_ingest_requests_total{status=\"accepted\"} 5\n"
        "precis_ingest_requests_total{status=\"rejected\"} 1\n",
        "# TYPE precis_ingest_in_flight gauge\nprecis_ingest_in_flight 7\n",
        "precis_ingest_processing_seconds_bucket{le=\"0.0001\"} 90\n",
        "precis_ingest_processing_seconds_bucket{le=\"0.01\"} 100\n",
        "precis_ingest_processing_seconds_bucket{le=\"+Inf\"} 100\n",
        "precis_ingest_processing_seconds_sum 0.109000\n",
        "precis_ingest_processing_seconds_count 100\n",
        "precis_build_info{process=\"ingest\",version=\"" PRECIS_VERSION "\"} 1\n",
        "# TYPE process_resident_memory_bytes gauge\n",
    };
    bool ok = true;
    for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++)
        ok = ok && strstr(text, expected[i]);
    if (!ok || strstr(text, "le=\"1.04858\"")) {
        fprintf(stderr, "stats test: prometheus text wrong:\n%s\n", text);
        failures++;
    }
    precis_stats_destroy(&stats);
    return failures;
}
