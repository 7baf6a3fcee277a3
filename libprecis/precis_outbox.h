/*  precis_outbox - results held back a moment, to leave as one message.

    libzmq flushes every message it is given to the socket's I/O thread on
    its own, and wakes that thread whenever it had emptied its queue (an
    eventfd write; then epoll_wait, a read, a poll, epoll_ctl twice and the
    send on the I/O thread). On this project's paravirtualised 2-core VM
    the woken I/O thread also takes the core from the sender at once, even
    with SCHED_BATCH or SCHED_IDLE (a thread woken through epoll does; one
    woken through poll does not), so a worker that sends each result as it
    is made pays a wake-up and a context switch for every one: 6.3 system
    calls and 0.69 context switches an article on a summarize worker's I/O
    thread, about 25 us of CPU against 2,500 instructions of its user code
    (perf stat, callgrind; `pipeline_bench worker`, BBC, fresh texts).
    Holding the results made in a row back, sending them as the frames of
    one message, wakes the I/O thread once for all of them; the frames go
    out in 8 KB writes as before.

    The outbox holds at most `capacity` frames, none longer than `hold_us`
    after the first was added; its owner also empties it whenever no more
    input waits, so that a worker that is not busy sends each result at
    once. Frames leave in the order they came: one message of all of them
    (every frame but the last sent with ZFRAME_MORE), or, with capacity 1,
    a message each. A receiver reads each frame as it read each message
    (zframe_recv); docs/PROTOCOL.md says so.
*/
#ifndef PRECIS_OUTBOX_H
#define PRECIS_OUTBOX_H

#include <czmq.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct _precis_outbox_t precis_outbox_t;

/* An outbox of at most capacity frames (at least 1), each held at most
   hold_us microseconds (zclock_usecs time) once the first is in. */
precis_outbox_t *precis_outbox_new(size_t capacity, int64_t hold_us);
/* Destroys the frames still held (unsent) and the outbox. */
void precis_outbox_destroy(precis_outbox_t **self_p);

/* Takes the frame (*frame_p becomes NULL), added at time now_us. Returns
   true when the outbox is due: full, or its first frame added hold_us or
   more before now_us. An outbox that is full already grows: a caller
   that adds without flushing when told loses nothing. */
bool precis_outbox_add(precis_outbox_t *self, zframe_t **frame_p, int64_t now_us);

/* Frames held. */
size_t precis_outbox_size(const precis_outbox_t *self);

/* Sends every frame held, in order, as one message on sock (blocking
   while the socket's peers are full: the back-pressure), and empties the
   outbox. Returns the number of frames sent: all, or 0 when the message
   could not be sent (logged with name, the stage; the frames are
   destroyed). */
size_t precis_outbox_flush(precis_outbox_t *self, zsock_t *sock, const char *name);

int precis_outbox_test(bool verbose);

#endif
