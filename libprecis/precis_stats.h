/*  precis_stats - the figures a process keeps about itself: named counters
    and one latency histogram, readable while it runs.

    Every process has one stats object. The owning thread counts; `precis
    stats` (through the control socket, see precis_control) and Prometheus
    (through precis_metrics) read. Counters are relaxed atomics, so the
    reader of another thread sees each one whole. The histogram has one
    bucket per power of two of microseconds, enough for p50/p99 to within a
    factor of two, with no allocation.
*/
#ifndef PRECIS_STATS_H
#define PRECIS_STATS_H

#include <msgpack.h>
#include <stdbool.h>
#include <stdint.h>

#define PRECIS_STATS_MAX_COUNTERS 16
#define PRECIS_STATS_BUCKETS      32

typedef struct _precis_stats_t precis_stats_t;

/* name: the process's role, "ingest", "normalize", ... */
precis_stats_t *precis_stats_new(const char *name);
void precis_stats_destroy(precis_stats_t **self_p);

/* Registers a counter and returns its index (call before counting). */
int precis_stats_counter(precis_stats_t *self, const char *name, const char *help);
void precis_stats_add(precis_stats_t *self, int counter, uint64_t amount);
/* Sets a gauge-like counter (e.g. articles in flight). */
void precis_stats_set(precis_stats_t *self, int counter, uint64_t value);
uint64_t precis_stats_get(precis_stats_t *self, int counter);

/* Records one latency, in microseconds. */
void precis_stats_latency(precis_stats_t *self, int64_t usecs);
/* The latency below which the share q (0..1) of records fall, in us (the
   upper bound of its bucket); 0 when nothing was recorded. */
uint64_t precis_stats_quantile(precis_stats_t *self, double q);

/* Packs the whole as a msgpack map: name, pid, uptime_s, counters (map),
   latency_us (map: count, p50, p90, p99, max_bucket). */
void precis_stats_pack(precis_stats_t *self, msgpack_packer *packer);

/* Writes the Prometheus text format into buf; returns its length. */
size_t precis_stats_prometheus(precis_stats_t *self, char *buf, size_t size);

int precis_stats_test(bool verbose);

#endif
