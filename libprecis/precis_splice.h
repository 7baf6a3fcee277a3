/*  precis_splice - the sink's way to publish a result without decoding it.

    A summarize worker sends a result as a msgpack map (docs/PROTOCOL.md,
    "summary" and "error"). The sink publishes the same map with a few keys
    changed: seq and log_id (its numbering), published_us in timings, the
    story keys (story, duplicate_of, similarity, exact), and without the
    internal signature keys (text_hash, minhash, shingles, summary_tag); an
    exact copy also takes the summary keys of the article it repeats.
    Decoding the whole map into a precis_result_t and encoding it again was
    44% of the sink's instructions (callgrind, bench/sink_bench); this
    module finds the byte range of each top-level entry instead, reads only
    the few values the sink needs, and writes the published map by copying
    the other entries' bytes.

    For a map that precis_result_encode wrote (every worker's result), the
    bytes written are the ones precis_result_encode would write for the
    decoded result with the same changes (unit test). Entries with keys the
    sink does not know are copied as they are; entries whose key is not a
    string are dropped.

    One splice serves one result at a time: read, optionally set the story
    and the summary, write; the next read starts over. It keeps its buffers
    between results, so that the sink allocates nothing per result.
*/
#ifndef PRECIS_SPLICE_H
#define PRECIS_SPLICE_H

#include "precis_minhash.h"
#include "precis_result.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct _precis_splice_t precis_splice_t;

precis_splice_t *precis_splice_new(void);
void precis_splice_destroy(precis_splice_t **self_p);

/* Reads a result map: the byte range of each entry and the values the sink
   needs. data must stay unchanged until the next read. 0, or -1 with a
   reason in error (PRECIS_ERROR_SIZE) when it is not a result: malformed
   msgpack, not a map, type neither "summary" nor "error", no string id. */
int precis_splice_read(precis_splice_t *self, const void *data, size_t size, char *error);

/* The same of the map at the start of data[0..size), which other values
   may follow (a batch frame's elements, precis_batch.h): *used is the
   map's length, also when it is no result (type, id), so that a reader
   goes on after it; 0 when the map cannot be read to its end (malformed,
   cut short: what follows cannot be found). Reading a batch frame's
   elements this way walks each once, not twice (precis_batch_next's skip,
   then the splice: 2,300 instructions a result more in the sink). */
int precis_splice_read_prefix(precis_splice_t *self, const void *data, size_t size,
                              size_t *used, char *error);

/* What was read. Strings are NUL-terminated copies owned by the splice,
   valid until the next read; key and error are NULL when absent. */
precis_result_kind_t precis_splice_kind(precis_splice_t *self);
const char *precis_splice_id(precis_splice_t *self);
const char *precis_splice_key(precis_splice_t *self);
const char *precis_splice_error(precis_splice_t *self);
/* timings.received_us, 0 when absent. */
int64_t precis_splice_received_us(precis_splice_t *self);

/* The text's signature (keys text_hash, minhash, shingles) and its
   summary_tag; NULL when the result carries none or a malformed one. */
const precis_minhash_t *precis_splice_signature(precis_splice_t *self,
                                                uint64_t *summary_tag);

/* The summary entries (lang, summary, sentences, sentence_count, keywords)
   as msgpack key/value pairs one after the other, in a malloc'd buffer;
   *count is how many pairs, *size_p the bytes. NULL for an error result.
   What the sink keeps for exact copies (precis_summary_cache). */
void *precis_splice_copy_summary(precis_splice_t *self, size_t *size_p, uint32_t *count);

/* Publishes these summary entries (from precis_splice_copy_summary of an
   earlier result; not copied: they must stay until the write) in place of
   the result's own. */
void precis_splice_set_summary(precis_splice_t *self, const void *pairs, size_t size,
                               uint32_t count);

/* Sets the story keys to publish: story (copied), duplicate_of (copied;
   NULL on a new story), similarity and exact. */
void precis_splice_set_story(precis_splice_t *self, const char *story,
                             const char *duplicate_of, double similarity, bool exact);

/* The topic, as precis_result_topic gives it for the published map:
   "summary.<lang>", "duplicate.<lang>" once a duplicate_of is set, or
   "error.<reason>"; written into buf. */
const char *precis_splice_topic(precis_splice_t *self, char *buf, size_t size);

/* Writes the published map: seq, log_id (when not NULL) and published_us
   set, the story keys added when set, the signature keys left out, the
   summary entries replaced when set. Returns the bytes, owned by the
   splice and valid until the next read, and their size in *size_p. */
const void *precis_splice_write(precis_splice_t *self, uint64_t seq, const char *log_id,
                                int64_t published_us, size_t *size_p);

int precis_splice_test(bool verbose);

#endif
