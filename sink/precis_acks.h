/*  precis_acks - the sink's acknowledgements to ingest, one message per
    shard for each batch of results.

    The sink acknowledges every result's delivery key to the ingest shard
    that gave it (precis_shards_of_key: "K:..." to the K-th endpoint of
    --acks-endpoint, a key without a shard to the first). It used to send
    each key as a message of its own; libzmq then flushes each message to
    its I/O thread and wakes it whenever its queue had emptied (an eventfd
    write, an epoll_wait, a send on the I/O thread), and on a loaded core
    the woken thread takes the CPU from the sink. Here the keys of one batch
    are held and leave together: flush sends, to each shard that has keys,
    one message whose frames are its keys in the order they were added (the
    order the results were published). Ingest reads acknowledgements frame
    by frame, so a message of several frames is several acknowledgements
    (docs/PROTOCOL.md, "Internal messages").

    Nothing waits on a timer: the sink flushes at the end of every batch it
    handles (precis_sink_publish_batch), after the batch's results are in
    the output log and published, so "acknowledged only once kept" holds.
    Sends never block: a shard whose queue is full (ingest away for long)
    loses that batch's acknowledgements, and ingest sends those articles
    again after its --retry-ms (the sink then acknowledges the duplicates).
*/
#ifndef PRECIS_ACKS_H
#define PRECIS_ACKS_H

#include <czmq.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct _precis_acks_t precis_acks_t;

/* PUSH sockets connected to each endpoint of the comma-separated list
   (one per ingest shard), or NULL when the list is empty or a socket
   cannot be made (logged). */
precis_acks_t *precis_acks_new(const char *endpoints);
/* Drops the keys still held (unsent) and closes the sockets. */
void precis_acks_destroy(precis_acks_t **self_p);

/* Endpoints (shards). */
size_t precis_acks_shards(const precis_acks_t *self);

/* Holds key (copied) for its shard until the next flush. A key of a shard
   with no endpoint is dropped, and said once (the sink was given too few
   endpoints). NULL is ignored. */
void precis_acks_add(precis_acks_t *self, const char *key);

/* Keys held, all shards together. */
size_t precis_acks_held(const precis_acks_t *self);

/* Sends each shard's held keys as the frames of one message, without
   waiting, and forgets them. Returns the keys sent (those of a shard whose
   queue was full are dropped, logged at debug level). */
size_t precis_acks_flush(precis_acks_t *self);

/* For tests: the keys of the next acknowledgement message on sock (an
   ingest's PULL), joined with spaces into text (at most size bytes with
   the NUL); "" when none comes within 100 ms. */
void precis_acks_read_message(zsock_t *sock, char *text, size_t size);

int precis_acks_test(bool verbose);

#endif
