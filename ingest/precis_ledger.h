/*  precis_ledger - the articles ingest has accepted and not yet seen
    delivered.

    Each entry keeps the encoded article so that it can be sent again when
    its result has not reached the sink in time. The wait doubles with each
    attempt (retry, 2x, 4x, capped at 8x); after max_attempts an entry is
    due for giving up: ingest then publishes an error for it instead of
    sending the article again. Entries leave the ledger when the sink
    acknowledges their result.
*/
#ifndef PRECIS_LEDGER_H
#define PRECIS_LEDGER_H

#include "precis_worker.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct _precis_ledger_t precis_ledger_t;

typedef struct {
    const char *key;  /* delivery key, unique per accepted article */
    const void *data; /* the encoded article */
    size_t size;
    uint32_t attempts; /* sends so far */
    bool gave_up;      /* an error result has been sent in its place */
} precis_ledger_entry_t;

precis_ledger_t *precis_ledger_new(int64_t retry_ms, uint32_t max_attempts);
void precis_ledger_destroy(precis_ledger_t **self_p);

/* Adds an article that was just sent (attempts = 1) or is to be sent at
   once (sent = false: due now, attempts = 0). Copies key and data. */
void precis_ledger_add(precis_ledger_t *self, const char *key, const void *data,
                       size_t size, bool sent, int64_t now_ms);
/* The same, taking data (malloc'd, size bytes) instead of copying it: the
   buffer ingest encoded the article into, journaled and sent, is the one
   the ledger keeps (no copy of a few KB per article). */
void precis_ledger_adopt(precis_ledger_t *self, const char *key, void *data, size_t size,
                         bool sent, int64_t now_ms);

/* Articles a batch frame to the workers carries at most (precis_batch):
   16 BBC articles are about 37 KB, a few libzmq I/O batches (8 KB), so
   that the frame is written from its own buffer in one system call and
   the per-frame costs are shared (bench/hop_bench: 7.2-10.2 us an article
   one a frame, 3.0-4.2 in batch frames of 16); more would only hold a
   worker's share of the work in fewer, larger pieces (PUSH hands whole
   frames round-robin). */
#define PRECIS_LEDGER_BATCH PRECIS_DISPATCH_BATCH

/* The same, and queues the article for the next batch to the workers
   (precis_ledger_flush): until it is sent it is due at no time (not
   resent), and a flush that cannot send makes it due now. Returns true
   when the batch is full (PRECIS_LEDGER_BATCH queued): flush it then. */
bool precis_ledger_adopt_queue(precis_ledger_t *self, const char *key, void *data,
                               size_t size, int64_t now_ms);
/* Articles queued and not yet flushed. */
size_t precis_ledger_queued(precis_ledger_t *self);
/* Sends the queued articles on socket (a ZeroMQ socket) without waiting:
   a lone article as a plain frame, sharing the ledger's buffer (no copy:
   a copy of the article's few KB was a tenth of ingest's memory traffic
   an article), two or more as one batch frame (each copied once into it).
   Returns how many were sent: all that were queued (attempts 1 each), or
   0 when the socket could not take them (then they are due now, for
   precis_ledger_resend_due; *deferred, if not NULL, says how many). */
size_t precis_ledger_flush(precis_ledger_t *self, void *socket, int64_t now_ms,
                           size_t *deferred);
/* Sends an entry's article again, alone and without copying it (for
   precis_ledger_fn); true when the socket took it. */
bool precis_ledger_send(precis_ledger_t *self, precis_ledger_entry_t *entry,
                        void *socket);
/* Removes the entry; false when the key is not in the ledger. */
bool precis_ledger_remove(precis_ledger_t *self, const char *key);

size_t precis_ledger_size(precis_ledger_t *self);
/* Bytes of the articles held (their encoded size). */
size_t precis_ledger_bytes(precis_ledger_t *self);

/* Sends the entries whose wait has run out, oldest first, stopping at the
   first send the workers cannot take (the rest stay due). Entries never
   sent yet (taken or recovered when no worker could take them) go on
   socket as batch frames of up to PRECIS_LEDGER_BATCH, a run of them in
   due order, as precis_ledger_flush sends them: one a frame, they filled
   the workers' queue (counted in frames) with frames of one article, and
   the next requests were answered busy. For each other entry fn is
   called: it returns true when it sent the article (or its error) again,
   and false leaves it due. A retry goes alone (through fn, as a plain
   frame), so that an article that crashes or stalls a worker takes no
   other with it. The entry says through attempts and max_attempts
   whether to give up: see precis_ledger_exhausted. A sent entry's next
   wait starts then. Returns true when a frame of never-sent entries
   could not be sent (try again soon), false otherwise. */
typedef bool(precis_ledger_fn)(void *arg, precis_ledger_entry_t *entry);
bool precis_ledger_resend_due(precis_ledger_t *self, int64_t now_ms, void *socket,
                              precis_ledger_fn *fn, void *arg);

/* True when the entry has been tried max_attempts times. */
bool precis_ledger_exhausted(precis_ledger_t *self, const precis_ledger_entry_t *entry);

/* Walks every entry (for journal compaction): first, then next until NULL. */
precis_ledger_entry_t *precis_ledger_first(precis_ledger_t *self);
precis_ledger_entry_t *precis_ledger_next(precis_ledger_t *self);

int precis_ledger_test(bool verbose);

#endif
