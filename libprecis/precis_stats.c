/*  precis_stats - counters and a latency histogram, readable while counting. */
#include "precis_stats.h"
#include "precis_msgpack.h"
#include <assert.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct {
    const char *name;
    const char *help;
    _Atomic uint64_t value;
} counter_t;

struct _precis_stats_t {
    char *name;
    time_t started;
    counter_t counters[PRECIS_STATS_MAX_COUNTERS];
    int counter_count;
    _Atomic uint64_t buckets[PRECIS_STATS_BUCKETS]; /* [i]: latencies < 2^i us */
};

precis_stats_t *precis_stats_new(const char *name)
{
    precis_stats_t *self = calloc(1, sizeof *self);
    assert(self);
    self->name = strdup(name);
    self->started = time(NULL);
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

int precis_stats_counter(precis_stats_t *self, const char *name, const char *help)
{
    assert(self->counter_count < PRECIS_STATS_MAX_COUNTERS);
    counter_t *counter = &self->counters[self->counter_count];
    counter->name = name;
    counter->help = help;
    atomic_store_explicit(&counter->value, 0, memory_order_relaxed);
    return self->counter_count++;
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
    int bucket = 0;
    while (bucket < PRECIS_STATS_BUCKETS - 1 && usecs >= (int64_t)1 << bucket)
        bucket++;
    atomic_fetch_add_explicit(&self->buckets[bucket], 1, memory_order_relaxed);
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

size_t precis_stats_prometheus(precis_stats_t *self, char *buf, size_t size)
{
    size_t used = 0;
#define EMIT(...)                                                                        \
    do {                                                                                 \
        int n = snprintf(buf + used, used < size ? size - used : 0, __VA_ARGS__);        \
        used += n > 0 ? (size_t)n : 0;                                                   \
    } while (0)
    for (int i = 0; i < self->counter_count; i++) {
        EMIT("# HELP precis_%s_%s %s\n# TYPE precis_%s_%s counter\n", self->name,
             self->counters[i].name, self->counters[i].help, self->name,
             self->counters[i].name);
        EMIT("precis_%s_%s %llu\n", self->name, self->counters[i].name,
             (unsigned long long)precis_stats_get(self, i));
    }
    EMIT("# HELP precis_%s_latency_seconds time spent per message\n", self->name);
    EMIT("# TYPE precis_%s_latency_seconds histogram\n", self->name);
    uint64_t cumulative = 0;
    for (int i = 0; i < PRECIS_STATS_BUCKETS; i++) {
        cumulative += atomic_load_explicit(&self->buckets[i], memory_order_relaxed);
        EMIT("precis_%s_latency_seconds_bucket{le=\"%g\"} %llu\n", self->name,
             (double)((uint64_t)1 << i) / 1e6, (unsigned long long)cumulative);
    }
    EMIT("precis_%s_latency_seconds_bucket{le=\"+Inf\"} %llu\n", self->name,
         (unsigned long long)cumulative);
    EMIT("precis_%s_latency_seconds_count %llu\n", self->name,
         (unsigned long long)cumulative);
#undef EMIT
    return used < size ? used : size - 1;
}

int precis_stats_test(bool verbose)
{
    int failures = 0;
    precis_stats_t *stats = precis_stats_new("ingest");
    int accepted = precis_stats_counter(stats, "accepted", "articles accepted");
    int inflight = precis_stats_counter(stats, "in_flight", "articles in flight");
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
    char text[8192];
    precis_stats_prometheus(stats, text, sizeof text);
    if (!strstr(text, "precis_ingest_accepted 5\n") ||
        !strstr(text, "precis_ingest_latency_seconds_count 100\n")) {
        fprintf(stderr, "stats test: prometheus text wrong:\n%s\n", text);
        failures++;
    }
    precis_stats_destroy(&stats);
    return failures;
}
