/*  bench_normalized - a benchmark set's texts as the normalize stage hands
    them on (precis_normalizer_run): the summarize worker and the sink see
    normalized text, so the benchmarks of their work normalize the set once,
    before any clock starts. One home for what summarize_bench,
    stories_bench and sink_bench each did in a loop of their own.
*/
#ifndef BENCH_NORMALIZED_H
#define BENCH_NORMALIZED_H

#include "bench_data.h"
#include "precis_article.h"

/* Replaces every text of the set by its normalized form (text and
   text_len) and sets text_bytes to their sum. */
void bench_set_normalize(bench_set_t *set);

/* Article number index as the normalize stage hands it to a summarize
   worker (normalized, attempt 1, 3 sentences; id "worker-INDEX", key
   "w-INDEX"): item's title, and item's text with suffix (suffix_len bytes)
   after it, so that a worker's summary cache has not seen it. The text is
   malloc'd into *text_p (*len_p bytes, NUL after them); the article
   borrows it: free it after the article. */
precis_article_t *bench_normalized_article(const bench_article_t *item, size_t index,
                                           const char *suffix, size_t suffix_len,
                                           char **text_p, size_t *len_p);

int bench_normalized_test(bool verbose);

#endif
