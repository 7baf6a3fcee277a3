/*  precis_summarize_worker - the summarize stage's message handler: decodes
    a normalized article, summarizes it and turns the summary into a result
    for the sink. Error results from normalize pass through unchanged. */
#ifndef PRECIS_SUMMARIZE_WORKER_H
#define PRECIS_SUMMARIZE_WORKER_H

#include "precis.h"
#include "precis_summarizer.h"
#include "precis_stats.h"

typedef struct _precis_summarize_worker_t precis_summarize_worker_t;

/* Results a summarize worker sends to the sink together, at most: one
   batch frame since 2026-12-01, the frames of one message before
   (precis_worker_config_t results_per_message). 16, measured with frames:
   pipeline_bench worker, BBC, fresh texts, 3 runs each alternating at
   load average 14-16: ZeroMQ I/O thread 10.5-25.3 -> 8.0-9.5 us a result,
   its wake-ups 0.37-0.58 -> 0.11-0.15 a result, the whole worker
   78.6-98.3 -> 68.7-75.3 us. */
#define PRECIS_SUMMARIZE_RESULTS_PER_MESSAGE PRECIS_RESULTS_PER_MESSAGE

/* defaults: the length used when an article asks for none, and the limit
   on sentences; copied. */
precis_summarize_worker_t *
precis_summarize_worker_new(const precis_summary_options_t *defaults);
void precis_summarize_worker_destroy(precis_summarize_worker_t **self_p);

/* on (the default): each summary carries its text's signature for the
   sink's story index, and exact copies reuse this worker's earlier
   summaries. off (--no-stories): neither; to measure what detection costs. */
void precis_summarize_worker_set_stories(precis_summarize_worker_t *self, bool on);

/* A precis_worker_config_t stats_hook: adds the counter cache_hits (exact
   copies answered from this worker's cache, not summarized again) to the
   worker's stats (precis stats, /metrics). self is the worker. */
void precis_summarize_worker_stats(void *self, precis_stats_t *stats);

/* A precis_worker_fn: one frame in, one frame out. */
zframe_t *precis_summarize_worker_handle(void *self, zframe_t *input);
/* A precis_worker_bytes_fn: the same for a message's bytes (a batch
   frame's element, read where it lies). */
zframe_t *precis_summarize_worker_handle_bytes(void *self, const void *data, size_t size);

/* Summarizes one decoded article into a result (summary or error). An
   exact copy of a text whose result was handed back to
   precis_summarize_worker_keep (the same length and language asked for)
   gets that summary without summarizing again. */
precis_result_t *precis_summarize_worker_article(precis_summarize_worker_t *self,
                                                 const precis_article_t *article);

/* Hands a result of precis_summarize_worker_article back once it is used
   (encoded): its encoding (precis_result_encode, without an explain map)
   is kept for later exact copies when it is a summary with a signature;
   the result is destroyed and *result_p set to NULL.

   The worker keeps encoded bytes, not results: precis_summarize_worker_handle
   keeps a copy of the frame it sends (about 1.1 KB for a BBC article, where
   a result took about 1.6 KB in some 25 allocations), and makes that frame
   without building a result at all (the strings in scratch kept between
   articles). An exact copy decodes the bytes kept (a cache hit costs a
   decode more). Per article, callgrind --toggle-collect=worker_bench_handle,
   bench/worker_bench, BBC: 756.8M -> 746.6M instructions for 2,225
   articles, the worker's own (beyond precis_summarizer_run) 94.1M -> 83.8M;
   worker_bench --dump writes the same frames but for summarize_us. */
void precis_summarize_worker_keep(precis_summarize_worker_t *self,
                                  precis_result_t **result_p);

int precis_summarize_worker_test(bool verbose);

#endif
