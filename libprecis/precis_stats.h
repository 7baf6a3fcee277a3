/*  precis_stats - the figures a process keeps about itself: named counters
    and one latency histogram, readable while it runs.

    Every process has one stats object. The owning thread counts; `precis
    stats` (through the control socket, see precis_control) and Prometheus
    (through precis_metrics) read. Counters are relaxed atomics, so the
    reader of another thread sees each one whole. The latency histogram is
    kept twice, both without allocation: one bucket per power of two of
    microseconds for `precis stats` (p50/p99 to within a factor of two), and
    12 fixed boundaries from 100 us to 1 s (1-2.5-5 steps) plus a sum for
    Prometheus.

    Prometheus exposition follows its naming rules: counters are
    precis_PROCESS_NAME_total, gauges precis_PROCESS_NAME, counters that are
    outcomes of one thing share a family with a label (precis_stats_label:
    precis_ingest_requests_total{status="accepted"}), the histogram has
    _bucket/_sum/_count, plus precis_build_info and the standard process_*
    metrics (CPU seconds, memory, start time, file descriptors).
*/
#ifndef PRECIS_STATS_H
#define PRECIS_STATS_H

#include <msgpack.h>
#include <stdbool.h>
#include <stdint.h>

#define PRECIS_STATS_MAX_COUNTERS 48
#define PRECIS_STATS_BUCKETS      32

typedef struct _precis_stats_t precis_stats_t;

/* name: the process's role, "ingest", "normalize", ... */
precis_stats_t *precis_stats_new(const char *name);
void precis_stats_destroy(precis_stats_t **self_p);

/* Registers a counter (a total that only grows) and returns its index (call
   before counting). name and help must outlive self (string literals). */
int precis_stats_counter(precis_stats_t *self, const char *name, const char *help);
/* Registers a gauge: a level that goes up and down (set with
   precis_stats_set), e.g. articles in flight. */
int precis_stats_gauge(precis_stats_t *self, const char *name, const char *help);
/* Exposes a counter to Prometheus as one labelled row of a family: e.g.
   ("requests", "requests answered, by status", "status", "accepted") gives
   precis_ingest_requests_total{status="accepted"}. `precis stats` keeps the
   counter's own name. Strings must outlive self. */
void precis_stats_label(precis_stats_t *self, int counter, const char *family,
                        const char *family_help, const char *label_name,
                        const char *label_value);
/* Names the latency histogram for Prometheus (default "processing_seconds",
   time to handle one message): e.g. the sink's "delivery_latency_seconds". */
void precis_stats_describe_latency(precis_stats_t *self, const char *family,
                                   const char *help);
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

/* Writes the Prometheus text format (version 0.0.4) into buf, cut to fit
   (48 counters and the rest need about 12 KB); returns its length. */
size_t precis_stats_prometheus(precis_stats_t *self, char *buf, size_t size);

int precis_stats_test(bool verbose);

#endif
