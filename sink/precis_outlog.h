/*  precis_outlog - the sink's append-only output log: every published
    result with its sequence number, so that a subscriber that was away can
    replay what it missed.

    Records are numbered from 1 without gaps. Layout of a record: length of
    the rest (u32, little-endian), topic length (u8), topic, msgpack body.

    Retention: the log is a series of segment files. PATH holds the records
    from 1 on (a log from before segments is just that file); PATH.N holds
    the records from N on. A new segment is started when the current one
    would pass an eighth of the budget, and the oldest segments are deleted
    so that all of them together stay within the budget (the current one is
    never deleted). A sparse index per segment (the offset of every 256th
    record) makes a replay start cheap. A torn record at the end of the
    newest segment is cut off when the log is opened.
*/
#ifndef PRECIS_OUTLOG_H
#define PRECIS_OUTLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct _precis_outlog_t precis_outlog_t;

/* Called for each record by open (to rebuild state) and by read. */
typedef void(precis_outlog_fn)(void *arg, uint64_t seq, const char *topic,
                               const void *body, size_t size);

/* Opens or creates the log, keeping at most max_bytes in its segments (0:
   no limit, segments of 128 MiB); deletes the oldest segments beyond that, then
   calls fn (may be NULL) for every record kept. NULL on error (logged). */
precis_outlog_t *precis_outlog_new(const char *path, uint64_t max_bytes,
                                   precis_outlog_fn *fn, void *arg);
void precis_outlog_destroy(precis_outlog_t **self_p);

/* The sequence number the next record will get. */
uint64_t precis_outlog_next_seq(precis_outlog_t *self);

/* The sequence number of the oldest record kept (next_seq when none is). */
uint64_t precis_outlog_first_seq(precis_outlog_t *self);

/* Bytes in all segments, and the number of segments. */
uint64_t precis_outlog_bytes(precis_outlog_t *self);
size_t precis_outlog_segments(precis_outlog_t *self);

/* Appends a record with sequence number next_seq; flushed to the OS (not
   fsynced) before it returns. 0 or -1. */
int precis_outlog_append(precis_outlog_t *self, const char *topic, const void *body,
                         size_t size);

/* Calls fn for the records from seq since on, at most max of them; returns
   how many. Records no longer kept are skipped: the first one passed to fn
   may be after since (see precis_outlog_first_seq). */
size_t precis_outlog_read(precis_outlog_t *self, uint64_t since, size_t max,
                          precis_outlog_fn *fn, void *arg);

int precis_outlog_test(bool verbose);

#endif
