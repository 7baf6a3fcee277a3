/*  precis_journal - ingest's write-ahead journal of accepted articles.

    An article is appended, and made durable before ingest answers
    "accepted". Appends go to a buffer in memory, without a system call:
    ingest hands each batch's records to precis_syncer
    (precis_journal_take), which writes them and fdatasyncs in a thread of
    its own, the batches of a group commit in one writev, while the
    batch's answers wait (precis_journal_flush and precis_journal_sync
    write and sync in the caller's thread instead). A "done" record
    is appended when its result has reached the sink. After a crash,
    precis_journal_recover hands back every article without a done record.
    The file is rewritten with only the live articles once it is more than
    twice their size plus a floor (1 to 64 MiB: an eighth of the room left
    on its file system), so it follows the live set: a journal with nothing
    in flight becomes small again. At once
    (precis_journal_compact), or in steps whose syncs run elsewhere
    (precis_journal_compact_begin and the rest), during which every record
    goes to both files, so that whichever one is the journal after a crash
    holds everything that was synced.

    Record layout (little-endian): kind (1 byte: 'a' article, 'd' done),
    key length (u32), data length (u32), checksum (u32: the low half of
    XXH3-64 of the data seeded with XXH3-64 of the key), key, data.
    Journals written before XXH3 have 'A' and 'D' records whose checksum
    is FNV-1a of key and data; they are read as before (the two forms may
    mix in one file), so an upgrade recovers what an older ingest left. An
    older ingest cuts 'a' and 'd' records off as a torn tail (losing their
    articles): going back to one needs an empty (drained) journal.
    FNV-1a, a byte at a time, was a third of ingest's instructions per
    article at full rate.

    The file is appended to (O_APPEND), so every sync of it also commits
    the file system's journal. Records written over zeros written ahead
    (no commit but one a stretch) were measured and not kept: the zeros
    cost the sync thread more than the commits they save at full rate
    (docs/DESIGN.md, "Zeros written ahead of the journal").

    A torn record at the end (a crash in mid-write) is detected by its
    length or checksum and cut off at recovery. A bad record with intact
    ones after it (a flipped byte, a bad sector) is damage, not a tear:
    recovery skips it, finds the next intact record by scanning, reads
    every record after it, reports the damage (offset, regions, bytes:
    precis_journal_damage), keeps the damaged file as
    PATH.corrupt-TIMESTAMP and goes on with a clean file at PATH; a
    damaged file is never cut in place. An article whose article record
    was damaged is lost (its bytes are kept aside); one whose done record
    was damaged is sent again (the sink drops the duplicate). Skipping
    trusts the 32-bit checksum: a damaged stretch that happens to hold a
    whole record with a right checksum (chance 1 in 4 billion per
    position, or an article text crafted to hold one) is taken for a
    record.
*/
#ifndef PRECIS_JOURNAL_H
#define PRECIS_JOURNAL_H

#include "precis_syncer.h"
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

/* What the last recovery skipped as damaged: regions (runs of bad bytes
   between intact records), their bytes, and the offset of the first (-1:
   none). */
void precis_journal_damage(precis_journal_t *self, uint64_t *regions, uint64_t *bytes,
                           int64_t *first_offset);
/* Where the damaged file was kept (PATH.corrupt-TIMESTAMP), or NULL. */
const char *precis_journal_aside(precis_journal_t *self);

/* Appends to the buffer in memory; written by precis_journal_flush or
   handed over by precis_journal_take; durable once synced. 0. */
int precis_journal_append(precis_journal_t *self, const char *key, const void *data,
                          size_t size);
int precis_journal_done(precis_journal_t *self, const char *key);

/* Writes out and fdatasyncs everything appended so far. 0 or -1. */
int precis_journal_sync(precis_journal_t *self);

/* Writes out what is buffered, in the caller's thread, without syncing
   it. When a write fails (a full disk) the file is cut back to its size
   before it, so no torn record is left for later ones to follow, and the
   records buffered are dropped. 0 or -1 (logged, errno kept). Not while
   records taken from the journal are being written elsewhere. */
int precis_journal_flush(precis_journal_t *self);

/* Hands what was appended since the last flush or take to another thread
   to write (precis_syncer_commit_files): files gets, in order, the pieces
   of the journal file's bytes (several when a batch filled more than one
   buffer, each with the file's descriptor; one without data when
   nothing was appended), then during a compaction those of the new file
   (precis_journal_fds), the same way. The data (malloc'd) is the caller's. Returns how
   many entries, at most PRECIS_JOURNAL_TAKE_MAX. precis_journal_size
   counts those bytes as written. */
#define PRECIS_JOURNAL_TAKE_MAX 16
size_t precis_journal_take(precis_journal_t *self,
                           precis_syncer_file_t files[PRECIS_JOURNAL_TAKE_MAX]);

/* Takes back a buffer handed out by precis_journal_take, once written, to
   append the next records to (or frees it): a fresh buffer for every
   batch costs page faults. */
void precis_journal_recycle(precis_journal_t *self, void *data);

/* The descriptors to fdatasync for what was appended to be durable: the
   file, and the new one during a compaction. Returns how many (1 or 2).
   Compaction closes them: a sync in another thread must use dups (as
   precis_syncer does). */
int precis_journal_fds(precis_journal_t *self, int fds[2]);

/* The floor of compaction: a journal smaller than twice its live
   articles plus the floor is left alone. The floor is an eighth of the
   room left on the journal's file system (asked with fstatvfs when the
   journal is over its least floor), at least PRECIS_JOURNAL_COMPACT_FLOOR
   (1 MiB: a rewrite costs little, and an idle journal stays within it)
   and at most PRECIS_JOURNAL_COMPACT_FLOOR_MAX (64 MiB). Each rewrite
   writes every live article again: with a floor of 1 MiB, ingest at full
   rate (about 1,000 articles, 2.6 MB, live; 78 MB/s of records) rewrote
   its journal at every tick, ten times a second, and evicted the old
   file's pages each time, about a fifth of its sync thread's CPU an
   article. On a small disk the floor stays small, so that the journal
   still follows the live set there (tests/journal_full_test.py runs on 8
   MiB). */
#define PRECIS_JOURNAL_COMPACT_FLOOR     (1u << 20)
#define PRECIS_JOURNAL_COMPACT_FLOOR_MAX (64u << 20)

/* True when the file is worth rewriting with the live articles only: it is
   over twice their size (live_count articles, live_bytes of encoded data)
   plus the floor (above), and no compaction is under way. */
/* Sets the most the floor may be (PRECIS_JOURNAL_COMPACT_FLOOR_MAX by
   default): tests that want a rewrite of a few MB on a large disk. */
void precis_journal_set_compact_floor_max(precis_journal_t *self, uint64_t floor_max);

bool precis_journal_wants_compaction(precis_journal_t *self, size_t live_count,
                                     uint64_t live_bytes);

/* Rewrites the journal with just the articles the iterator yields: next()
   returns 0 and fills key/data/size for each, -1 after the last. The new
   file replaces the old one atomically (rename) once it is durable, and
   the directory is synced. Blocks on the disk; 0 or -1. */
int precis_journal_compact(precis_journal_t *self,
                           int (*next)(void *arg, const char **key, const void **data,
                                       size_t *size),
                           void *arg);

/* The same in steps, for a caller that syncs in another thread:
   1. compact_begin writes the live articles to a new file (written out, not
      synced); from then on records are appended to both files. 0 or -1.
   2. Once compact_fd (the new file) is synced, compact_rename puts the new
      file in place. 0, or -1: then give up with compact_end.
   3. Once dir_fd (the directory) is synced, compact_end drops the old file.
   compact_end before the rename gives up: the new file is removed. */
int precis_journal_compact_begin(precis_journal_t *self,
                                 int (*next)(void *arg, const char **key,
                                             const void **data, size_t *size),
                                 void *arg);
int precis_journal_compact_fd(precis_journal_t *self);
int precis_journal_compact_rename(precis_journal_t *self);
int precis_journal_dir_fd(precis_journal_t *self);
void precis_journal_compact_end(precis_journal_t *self);

/* Empties the journal in place (ftruncate), for when nothing in it is
   live: unlike a rewrite it needs no room on the disk. Not during a
   compaction in steps, nor while records taken from it are being written
   elsewhere. 0 or -1 (logged). */
int precis_journal_reset(precis_journal_t *self);

/* True when records were appended since the last flush or take. */
bool precis_journal_dirty(precis_journal_t *self);

/* Size of the journal file in bytes, with the records appended and not
   yet written (an append that fails in another thread is still counted). */
uint64_t precis_journal_size(precis_journal_t *self);

int precis_journal_test(bool verbose);

#endif
