/*  precis_outlog - the sink's append-only output log: every published
    result with its sequence number, so that a subscriber that was away can
    replay what it missed. The log decides the numbering: a sequence number
    exists only once its record is appended.

    Layout (version 2): a segment file starts with a 24-byte header, the
    magic "PRCSLOG2" and the log_id (16 hex characters); then records of
    checksum (u32, CRC32C of the rest of the record), length of the payload
    (u32), seq (u64), payload: topic length (u8), topic, msgpack body; all
    integers little-endian. Version 1 (before checksums) had no header and
    records of length (u32), topic length (u8), topic, body, numbered by
    their position; such segments are still read, never appended to: the
    first append after opening one starts a version 2 segment. The magic
    cannot be the start of a version 1 file ("PRCS" read as a length is
    over the 64 MiB limit of a record).

    Retention: the log is a series of segment files. PATH holds the records
    from 1 on (a log from before segments is just that file); PATH.N holds
    the records from N on. A new segment is started when the current one
    would pass an eighth of the budget, and the oldest segments are deleted
    so that all of them together stay within the budget (the current one is
    never deleted). A sparse index per segment (the offset and seq of every
    256th record) makes a replay start cheap.

    Damage found when the log is opened: a torn record at the end of the
    newest segment (the file ends inside it: a write cut short by a crash)
    is cut off. Any other bad record (checksum, length or seq wrong) is
    corruption: it is skipped up to the next valid record (found by
    scanning byte by byte for a record whose checksum holds and whose seq is
    above the last good one), reported with its offset and size, the
    damaged file is kept as PATH[.N].corrupt-TIMESTAMP (a hard link to the
    untouched original) and the segment is rewritten without the bad bytes
    (a new file renamed over it: never truncated in place).

    Numbering state: PATH.state keeps the log_id and the numbers given out,
    apart from the records, so that a deleted, cut or replaced log never
    makes the sink give a number twice: `next` (every seq below it is in the
    log) and `reserved` (no seq at or above it was ever given). Writing it
    costs a temp file, an fsync and a rename (0.25-8.7 ms), so it is not
    written per record, nor in the caller's thread: a thread of the log
    writes it. When half of the block reserved is used, the thread is asked
    to reserve up to PRECIS_OUTLOG_RESERVE past `next`; numbers are given
    only below a `reserved` the thread has reported durable, so an append
    waits only when the disk takes longer than half a block of results
    (then, or when the thread's write failed, the append writes the state
    itself and fails with its errno). `next` is also asked for at each
    segment roll, and written at a clean close (then next == reserved). At
    open:
      clean close: next = max(log's last + 1, state's next);
      a crash in this boot (the page cache kept every byte written) with a
      log that reaches state's next: next = log's last + 1, no gap;
      otherwise (the log ends below state's next, or the machine rebooted
      since, so unsynced records may be gone): next = max(log's last + 1,
      reserved), a gap of at most a block rather than a reuse.
    Without a state file the log's own numbering is taken; without both
    (numbering starts over) a new log_id is made. The trade-off: records
    are not fsynced, so a power loss can lose the last records written, but
    never makes their numbers come back for other results.
*/
#ifndef PRECIS_OUTLOG_H
#define PRECIS_OUTLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct _precis_outlog_t precis_outlog_t;

/* A log_id: 16 lowercase hex characters and a NUL. */
#define PRECIS_LOG_ID_SIZE 17
/* Sequence numbers reserved in the state file ahead of the next one. */
#define PRECIS_OUTLOG_RESERVE 4096

/* Called for each record by open (to rebuild state) and by read. */
typedef void(precis_outlog_fn)(void *arg, uint64_t seq, const char *topic,
                               const void *body, size_t size);

/* Damage found when the log was opened (see above). */
typedef struct {
    uint64_t regions; /* bad stretches skipped in the middle of a segment */
    uint64_t bytes;   /* bytes in them */
    uint64_t lost;    /* seqs missing around them (known from the seqs
                         before and after each stretch) */
    uint64_t torn;    /* bytes of a torn record cut from the end */
    uint64_t kept;    /* damaged files kept aside as .corrupt-TIMESTAMP */
} precis_outlog_damage_t;

/* Opens or creates the log, keeping at most max_bytes in its segments (0:
   no limit, segments of 128 MiB); deletes the oldest segments beyond that,
   repairs damage (see above), then calls fn (may be NULL) for every record
   kept, oldest first. NULL on error (logged). */
precis_outlog_t *precis_outlog_new(const char *path, uint64_t max_bytes,
                                   precis_outlog_fn *fn, void *arg);
/* Closes the log; the state file then records the exact next seq. */
void precis_outlog_destroy(precis_outlog_t **self_p);

/* The sequence number the next record will get. */
uint64_t precis_outlog_next_seq(precis_outlog_t *self);

/* The sequence number of the oldest record kept (next_seq when none is). */
uint64_t precis_outlog_first_seq(precis_outlog_t *self);

/* The log's epoch (16 hex characters): changes only when the numbering
   starts over. */
const char *precis_outlog_log_id(precis_outlog_t *self);

/* What opening the log found wrong. */
precis_outlog_damage_t precis_outlog_damage(precis_outlog_t *self);

/* Bytes in all segments, and the number of segments. */
uint64_t precis_outlog_bytes(precis_outlog_t *self);
size_t precis_outlog_segments(precis_outlog_t *self);

/* Appends a record with sequence number next_seq; flushed to the OS (not
   fsynced) before it returns. 0, or -1 with errno set (ENOSPC, EFBIG,
   EIO, EINVAL for a record over 64 MiB or a topic over 255 bytes): then
   nothing of the record is left in the file and next_seq is unchanged. */
int precis_outlog_append(precis_outlog_t *self, const char *topic, const void *body,
                         size_t size);

/* One record for precis_outlog_append_batch. */
typedef struct {
    const char *topic;
    const void *body;
    size_t size;
} precis_outlog_record_t;

/* Appends the records in order, numbered from next_seq on, as
   precis_outlog_append would one by one, with one write for all the
   records that go to the same segment (up to 256): the sink appends each
   batch of results it takes with one system call instead of one a result.
   Returns how many were appended: all, or those before the first that
   could not be (errno set as for precis_outlog_append; nothing of it or
   the rest is in the file, and they get no number). */
size_t precis_outlog_append_batch(precis_outlog_t *self,
                                  const precis_outlog_record_t *records, size_t count);

/* Calls fn for the records from seq since on, at most max of them; returns
   how many. Records no longer kept (retention, corruption) are skipped:
   the first one passed to fn may be after since. */
size_t precis_outlog_read(precis_outlog_t *self, uint64_t since, size_t max,
                          precis_outlog_fn *fn, void *arg);

/* Writes a new random log_id into id (PRECIS_LOG_ID_SIZE bytes). */
void precis_outlog_new_id(char *id);

int precis_outlog_test(bool verbose);

#endif
