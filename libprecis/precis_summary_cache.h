/*  precis_summary_cache - the summaries of the last texts seen, by exact
    text hash, so that an exact copy is not summarized again.

    A bounded LRU map from (text hash, tag) to an encoded summary. The tag
    tells apart summaries of one text that differ by request (the length and
    language asked for, hashed by the summarize worker). A
    summarize worker keeps one of PRECIS_SUMMARY_CACHE_WORKER entries: with
    W workers an exact copy reaches the worker that summarized its original
    about 1 time in W (ingest deals articles round robin), so the saving is
    1/W of the copies' work. The sink keeps one of PRECIS_SUMMARY_CACHE_SINK
    entries, tagged as the worker tagged them, to publish every exact copy
    that asked for the same length with the summary of the article it
    repeats, whichever worker summarized it. Both keep encoded bytes
    (precis_summary_cache_put_pairs), one copy instead of a result with a
    string per sentence and keyword: the sink the msgpack pairs it
    publishes, a worker the result frame it sent (since 2026-12-02).

    Memory: the entries' bytes (about 0.5 to 2 KB each: sentences,
    keywords) plus 60 bytes an entry; a worker's frames also hold their
    story signature (about 300 bytes), which an exact copy reuses instead
    of reading its text again (0.3 MB for 1,024 entries).
*/
#ifndef PRECIS_SUMMARY_CACHE_H
#define PRECIS_SUMMARY_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* 1,024 results a worker: about 1.6 KB each in a worker's memory (peak RSS
   with --fresh BBC texts in bench/run: 32.8 MB at 4,096, 28.0 MB at 1,024,
   against the 30 MB a worker may take); copies from wire feeds come within
   seconds, and the sink's cache publishes every copy alike anyway. */
#define PRECIS_SUMMARY_CACHE_WORKER 1024
#define PRECIS_SUMMARY_CACHE_SINK   16384

typedef struct _precis_summary_cache_t precis_summary_cache_t;

/* A cache of at most capacity summaries (at least 1). */
precis_summary_cache_t *precis_summary_cache_new(size_t capacity);
void precis_summary_cache_destroy(precis_summary_cache_t **self_p);

/* An entry is encoded msgpack, kept as it was given: the sink's, the
   summary as key/value pairs (precis_splice_copy_summary: count pairs in
   size bytes), which it publishes as they are; a summarize worker's, the
   whole result frame it sent (count 1), which it decodes for an exact
   copy. put takes pairs (malloc'd) over, and frees them when (hash, tag)
   is kept already; get returns them, now the most recently used, owned
   by the cache, valid until the next put, or NULL when none. An entry is
   60 bytes plus its bytes (about 0.5 to 2 KB). */
void precis_summary_cache_put_pairs(precis_summary_cache_t *self, const uint8_t hash[16],
                                    uint64_t tag, void *pairs, size_t size,
                                    uint32_t count);
const void *precis_summary_cache_get_pairs(precis_summary_cache_t *self,
                                           const uint8_t hash[16], uint64_t tag,
                                           size_t *size, uint32_t *count);

size_t precis_summary_cache_size(precis_summary_cache_t *self);

int precis_summary_cache_test(bool verbose);

#endif
