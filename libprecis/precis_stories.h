/*  precis_stories - the near-duplicate index: which earlier article, if any,
    an article repeats, and so which story it belongs to.

    One index serves the whole pipeline, in the sink: the sink is the one
    ordered point every result passes (it numbers them), so the answers are
    the same with any number of workers and come in the order subscribers
    see; and it already keeps durable state. Offline `precis summarize
    --jsonl` keeps one in process. The signatures come from precis_minhash,
    computed where the work is parallel.

    An article is looked up, then added:
    - exact: an article in the window has the same text hash (same
      normalized text, white space aside);
    - near: LSH banding (the 128 bins cut into `bands` bands of 128/bands
      rows; two articles are candidates when all rows of one band agree)
      finds candidates; a candidate is a near copy when its estimated
      Jaccard similarity is at least `threshold` (0.5), or when it is at
      least 0.25 and the shorter text is at least 80% held in the longer
      (containment estimated from the similarity and the shingle counts): a
      copy with its last third cut has a Jaccard similarity of only about
      0.4 to 0.6 with its original. With 32 bands of 4 rows a pair of
      similarity 0.5 is a candidate with chance 0.87, 0.6 with 0.986, 0.7
      with 0.9995; a pair of unrelated news articles (similarity 0.01 or
      less) with 3e-7 or less. 64 bands of 2 rows (0.98 at similarity 0.25)
      found 3 more of the 20,890 edited copies of bench/stories.py (recall
      99.99% against 99.97%; precision 100% both, every BBC exact repeat
      found, no distinct article flagged), and cost twice the bucket look-ups
      and links: in the pipeline the sink spent 38-48 us of CPU an article
      with them, 32-33 with 32 bands (1 normalize and 2 summarize workers,
      BBC sent round with pipeline_bench --fresh).
    The match is the exact copy if there is one, else the most similar
    candidate, the earliest on a tie. An article's story is its match's
    story, or its own id when it has no match. Candidates with the same
    delivery key are skipped, so a retry never matches itself. A text with
    no word is never a repeat and is not indexed.

    The window: the last `max_articles` articles added, of at most
    `max_age_us` (by the times given to precis_stories_add); older ones are
    evicted as new ones come. Memory, with the default 32 bands: 424 bytes
    an article (a 296-byte entry: the 256-byte signature, the 16-byte text
    hash, time, shingle count, a 32-bit key hash and a pointer to its
    strings; and a 4-byte link a band), the bucket heads (128 bytes a
    bucket, one bucket an article or up to two) and the id, key and story
    strings packed one after the other in 64 KiB blocks (their bytes and a
    NUL each: about 37 bytes with BBC-like ids and a story): about 595
    bytes an article, so about 0.6 GB for the default window of 1,000,000
    articles (2^20 buckets); max_articles is the cap. Before 2026-12-02 it
    was about 650 (a 328-byte entry, an 8-byte mark a slot for the
    look-up, a malloc an article for the strings: 32 to 48 bytes with
    glibc's header and rounding). 3-byte links and heads would save 64 to
    96 bytes more an article but cost about 1,000 instructions an
    addition (docs/DESIGN.md, "The sink's memory a result"). The ring and
    the buckets grow by doubling as articles come (so up to twice that an
    article while they grow), never beyond the window; a sink touches each
    byte of it for the first time while its window fills, which on a VM
    whose host backs memory on first touch costs 2-3 ns a byte
    (docs/PERFORMANCE.md, the sink's kernel time). Tables of 2 MiB or
    more are mapped in huge pages where the kernel allows (transparent huge
    pages): an index of 200,000 articles took 80,700 page faults in 4 KiB
    pages and 7,800 in huge ones, and 7.8 -> 3.6 us of CPU an article.
    They start with room for 16,384 articles (with 32 bands: one huge page
    of bucket heads, touched at random, so taken whole from the first
    article on; the ring's 4.9 MB and the links' 2 MiB are address space
    until articles fill them). Starting with 256, the sink spent its first
    16,384 results on six doublings, each linking every article again:
    sink_bench --in-process (callgrind, --toggle-collect=
    precis_sink_publish_batch) 17,025 -> 13,886 instructions a result with
    --passes 2, 16,962 -> 14,617 with --passes 4. A full index no longer
    grows, so this is its first minutes' cost, not its steady one.

    Persistence (optional): every added article is appended as one record to
    a file of its own (the sink's is OUTLOG.stories); at start the records
    still in the window are loaded again, in order, so the answers after a
    restart are the ones the running index would have given. The file is
    rewritten with only the live records at start when it held others, and
    whenever it has grown to twice the window. A torn last record (a crash
    mid-write) is dropped.
*/
#ifndef PRECIS_STORIES_H
#define PRECIS_STORIES_H

#include "precis_minhash.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PRECIS_STORIES_MAX_ARTICLES 1000000
#define PRECIS_STORIES_MAX_AGE_US   (7 * 24 * 3600 * INT64_C(1000000))
#define PRECIS_STORIES_THRESHOLD    0.5
#define PRECIS_STORIES_BANDS        32
/* Candidates weighed in one band's bucket at most, the newest first: keeps
   a lookup bounded (32 bands x 4) when a stream repeats one template.
   4, not 16: the same accuracy in bench/stories.py (one cut copy of
   2,089 fewer found) for half the sink's detection cost in a flood of
   near copies (bench/stories_pipeline: 25.5 -> 17-21 us an article). */
#define PRECIS_STORIES_BUCKET_LOOK 4
/* The other way to be a near copy: containment and its floor (see above). */
#define PRECIS_STORIES_CONTAINED       0.8
#define PRECIS_STORIES_CONTAINED_FLOOR 0.25

typedef struct {
    size_t max_articles; /* window by count; 0: the default */
    int64_t max_age_us;  /* window by age; 0: the default */
    double threshold;    /* least similarity of a near copy; 0: the default */
    size_t bands;        /* LSH bands, dividing PRECIS_MINHASH_BINS; 0: the default */
    /* Articles the tables have room for at first (rounded up to a power of
       two, at least 256, at most max_articles); 0: the default, as many as
       one huge page of bucket heads holds (2 MiB: 16,384 with 32 bands). */
    size_t initial_articles;
} precis_stories_options_t;

/* The answer for one article. The strings live until the next call. */
typedef struct {
    const char *story;        /* the story's first article's id */
    const char *duplicate_of; /* the matched article's id; NULL for a new story */
    double similarity;        /* estimated Jaccard with the match; 0 without one */
    bool exact;               /* the match has the same text hash */
} precis_stories_match_t;

typedef struct _precis_stories_t precis_stories_t;

/* An index with the options (NULL: all defaults), kept in the file at path
   (NULL: in memory only), loading what the file holds within the window at
   time now_us. NULL with a log line when the file cannot be opened. */
precis_stories_t *precis_stories_new(const precis_stories_options_t *options,
                                     const char *path, int64_t now_us);
void precis_stories_destroy(precis_stories_t **self_p);

/* Looks the article up, then adds it (evicting what leaves the window at
   now_us). key: its delivery key (NULL: the id). Returns 0, or -1 when the
   file append failed (the answer is still given and the index updated). */
int precis_stories_add(precis_stories_t *self, const char *id, const char *key,
                       const precis_minhash_t *signature, int64_t now_us,
                       precis_stories_match_t *match);

/* Articles in the window now. */
/* Writes the records added since the last flush to the file in one write
   (precis_stories_add keeps them in memory, up to 256 KiB). The sink calls
   it once per batch of results. 0, or -1 when the write failed (the batch
   is cut back from the file; the index in memory keeps the entries). */
int precis_stories_flush(precis_stories_t *self);

size_t precis_stories_size(precis_stories_t *self);

/* Articles the tables hold before they grow next (at most max_articles). */
size_t precis_stories_room(precis_stories_t *self);

/* Bytes the index holds: its ring and links as allocated (up to twice the
   articles in it while it grows), its buckets and its string blocks (the
   spare block with them). */
size_t precis_stories_bytes(precis_stories_t *self);

int precis_stories_test(bool verbose);

#endif
