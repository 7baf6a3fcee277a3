/*  bench_data - the article sets and small helpers the benchmarks share.

    A set is either a JSON Lines file (one {"id", "title", "text"} object a
    line, e.g. the BBC set) or, by default, the repository's sample articles
    (samples/articles.jsonl) repeated to about 2,000 articles; when the
    samples are missing, synthetic news-like articles of about 2 KB are
    generated from a built-in word list. Also: a monotonic clock, progress
    lines on stderr (only when it is a terminal) and key=value output.
*/
#ifndef BENCH_DATA_H
#define BENCH_DATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    char *id;
    char *title; /* "" when absent */
    char *text;
    size_t text_len;
} bench_article_t;

typedef struct {
    bench_article_t *items;
    size_t count;
    size_t text_bytes; /* sum of text_len */
    char description[256];
} bench_set_t;

#define BENCH_DEFAULT_ARTICLES 2000

/* Loads data_path when not NULL (every article in it); else the samples at
   samples_path repeated to about target articles; else synthetic ones.
   Returns 0, or -1 with a message on stderr. */
int bench_set_load(bench_set_t *set, const char *data_path, const char *samples_path,
                   size_t target);
void bench_set_free(bench_set_t *set);

/* Appends synthetic ASCII news text of about bytes bytes (paragraphs
   separated by blank lines) to a malloc'd buffer; deterministic from seed. */
char *bench_synthetic_text(size_t bytes, uint32_t seed, size_t *len_p);

/* Seconds on a monotonic clock. */
double bench_now(void);

/* Sorts values[0..count) in ascending order. */
void bench_sort_doubles(double *values, size_t count);

/* The p-quantile (0 < p <= 1) of sorted[0..count) by the nearest-rank
   method: the smallest value with at least p of them at or below it; NAN
   when count is 0. */
double bench_percentile(const double *sorted, size_t count, double p);

/* Self test of the above; returns the number of failures. */
int bench_data_test(bool verbose);

/* Seconds of CPU time used by the calling thread: a rate per CPU second
   holds steadier than one per wall second on a shared machine. */
double bench_cpu_now(void);

/* Page faults (minor and major) of the process so far: on a virtual
   machine a fault can cost several microseconds, so a table that grows by
   touching fresh pages shows here before it shows in instructions. */
long bench_page_faults(void);

/* A progress line on stderr, overwritten in place, when stderr is a
   terminal; bench_progress_done ends it. */
void bench_progress(const char *format, ...) __attribute__((format(printf, 1, 2)));
void bench_progress_done(void);

#endif
