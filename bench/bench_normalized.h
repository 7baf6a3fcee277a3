/*  bench_normalized - a benchmark set's texts as the normalize stage hands
    them on (precis_normalizer_run): the summarize worker and the sink see
    normalized text, so the benchmarks of their work normalize the set once,
    before any clock starts. One home for what summarize_bench,
    stories_bench and sink_bench each did in a loop of their own.
*/
#ifndef BENCH_NORMALIZED_H
#define BENCH_NORMALIZED_H

#include "bench_data.h"

/* Replaces every text of the set by its normalized form (text and
   text_len) and sets text_bytes to their sum. */
void bench_set_normalize(bench_set_t *set);

int bench_normalized_test(bool verbose);

#endif
