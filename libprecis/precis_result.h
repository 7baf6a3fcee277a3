/*  precis_result - what comes out of the pipeline: a summary of an
    article, or an error about one, with its topic.

    Encoded as the msgpack maps of docs/PROTOCOL.md ("summary" and "error"),
    decoded by the sink and by subscribers, and rendered as JSON for the
    sink's --jsonl file and `precis sub --json`.
*/
#ifndef PRECIS_RESULT_H
#define PRECIS_RESULT_H

#include "precis_article.h"
#include "precis_minhash.h"
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum { PRECIS_RESULT_SUMMARY, PRECIS_RESULT_ERROR } precis_result_kind_t;

/* One summary sentence's entry of the "sentences" array. */
typedef struct {
    uint32_t index;
    double score;
    bool truncated; /* the sentence was cut (too long, or over the word budget):
                       the summary string is a prefix of it; sent only when true */
} precis_scored_t;

typedef struct {
    precis_result_kind_t kind;
    char *id, *title, *url, *source, *published, *lang;
    char *key;    /* delivery key of the article (internal, for deduplication) */
    uint64_t seq; /* position in the sink's output, from 1; 0 before the sink */
    char *log_id; /* the epoch of that numbering (16 hex characters), set by
                     the sink; NULL before it and from older sinks */
    /* summaries */
    size_t summary_count;
    char **summary;          /* sentence strings, document order */
    precis_scored_t *scored; /* same order as summary */
    uint32_t sentence_count; /* sentences in the article */
    size_t keyword_count;
    char **keywords;
    json_t *explain; /* "explain" when the article asked for it (a map: see
                        docs/PROTOCOL.md, "Explain"), owned; NULL: absent */
    /* errors */
    char *stage;  /* "normalize" or "summarize" */
    char *reason; /* short machine word used in the topic: too_long, empty, ... */
    char *error;  /* human-readable */
    /* timings */
    int64_t received_us, normalize_us, summarize_us, published_us;
    /* Near-duplicate detection (docs/PROTOCOL.md, "Stories"). signature:
       internal, from the summarize worker to the sink (keys "text_hash",
       "minhash", "shingles", "summary_tag"); the sink takes them off before
       publishing.
       story: set by the sink; the other three published with it, and
       duplicate_of only on a repeat (then the topic is duplicate.<lang>). */
    precis_minhash_t *signature;
    uint64_t summary_tag; /* internal, with the signature: the length and
                             language asked for (key "summary_tag"), so that an
                             exact copy takes an earlier summary only when it
                             asked for the same */
    char *story, *duplicate_of;
    double similarity;
    bool exact;
} precis_result_t;

precis_result_t *precis_result_new(precis_result_kind_t kind);
void precis_result_destroy(precis_result_t **self_p);

/* An error result about an article (id, title, url, source are copied). */
precis_result_t *precis_result_new_error(const precis_article_t *article,
                                         const char *stage, const char *reason,
                                         const char *error);

/* Copies the identifying fields of the article into the result. */
void precis_result_copy_article(precis_result_t *self, const precis_article_t *article);

/* Appends one summary sentence (copied, a line break inside it turned into
   a space) with its index and score, not truncated; a caller that cut it sets
   scored[summary_count - 1].truncated. */
void precis_result_add_sentence(precis_result_t *self, const char *text, size_t len,
                                uint32_t index, double score);
/* Turns each line break (CR or LF) in text[0..len) into a space: a summary
   sentence is one line (precis_result_add_sentence). */
void precis_result_unbreak(char *text, size_t len);
void precis_result_add_keyword(precis_result_t *self, const char *keyword);

/* Copies the summary of other (sentences, scores, keywords, sentence
   count, language) into self, replacing its own: an exact copy is published
   with the summary of the article it repeats. */
void precis_result_copy_summary(precis_result_t *self, const precis_result_t *other);

/* Encodes as a msgpack map; returns a malloc'd buffer and its size. */
void *precis_result_encode(const precis_result_t *self, size_t *size_p);

/* The same map without an allocation of its own: its size in bytes, then
   the map written into data (size bytes, from precis_result_encoded_size),
   e.g. a frame's own buffer (precis_mpwrite). */
size_t precis_result_encoded_size(const precis_result_t *self);
void precis_result_encode_into(const precis_result_t *self, void *data, size_t size);
/* The map written into data (cap bytes of room) in one pass; returns its
   size. When that is over cap, only a prefix was written (nothing past
   cap): write it again with that much room. */
size_t precis_result_encode_bounded(const precis_result_t *self, void *data, size_t cap);

/* Decodes a result map; NULL with a reason in error when it is not one. */
precis_result_t *precis_result_decode(const void *data, size_t size, char *error);

/* The topic: "summary.<lang>", "duplicate.<lang>" for a summary with
   duplicate_of, or "error.<reason>"; writes into buf. */
const char *precis_result_topic(const precis_result_t *self, char *buf, size_t size);

/* A JSON object with the same keys as the msgpack map (new reference). */
json_t *precis_result_to_json(const precis_result_t *self);

int precis_result_test(bool verbose);

#endif
