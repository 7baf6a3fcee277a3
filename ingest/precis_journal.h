/*  precis_journal - ingest's write-ahead journal of accepted articles.

    An article is appended (and made durable by precis_journal_sync, which
    ingest calls once per batch of requests, before any of them is answered
    "accepted"); a "done" record is appended when its result has reached the
    sink. After a crash, precis_journal_recover hands back every article
    without a done record. The file is rewritten with only the live articles
    (precis_journal_compact) whenever dead records dominate it, so it never
    grows without bound.

    Record layout (little-endian): kind (1 byte: 'A' article, 'D' done),
    key length (u32), data length (u32), checksum (u32, FNV-1a of key and
    data), key, data. A torn record at the end (a crash in mid-write) is
    detected by its length or checksum and cut off at recovery.
*/
#ifndef PRECIS_JOURNAL_H
#define PRECIS_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct _precis_journal_t precis_journal_t;

/* Called once per live article found by recovery. */
typedef void(precis_journal_fn)(void *arg, const char *key, const void *data,
                                size_t size);

/* Opens (creating when needed) the journal in dir. NULL on error (logged). */
precis_journal_t *precis_journal_new(const char *dir);
void precis_journal_destroy(precis_journal_t **self_p);

/* Reads the journal left by an earlier run and calls fn for each article
   that has no done record, in the order they were accepted. Returns the
   number recovered, or -1 on an I/O error. */
long precis_journal_recover(precis_journal_t *self, precis_journal_fn *fn, void *arg);

/* Buffered appends; durable only after precis_journal_sync. 0 or -1. */
int precis_journal_append(precis_journal_t *self, const char *key, const void *data,
                          size_t size);
int precis_journal_done(precis_journal_t *self, const char *key);

/* Flushes and fdatasyncs everything appended so far. 0 or -1. */
int precis_journal_sync(precis_journal_t *self);

/* True when the file is mostly dead records and worth rewriting. */
bool precis_journal_wants_compaction(precis_journal_t *self, size_t live_count);

/* Rewrites the journal with just the articles the iterator yields: next()
   returns 0 and fills key/data/size for each, -1 after the last. The new
   file replaces the old one atomically (rename) once it is durable. */
int precis_journal_compact(precis_journal_t *self,
                           int (*next)(void *arg, const char **key, const void **data,
                                       size_t *size),
                           void *arg);

/* Size of the journal file in bytes. */
uint64_t precis_journal_size(precis_journal_t *self);

int precis_journal_test(bool verbose);

#endif
