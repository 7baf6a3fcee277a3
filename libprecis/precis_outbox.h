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

    Batch mode (precis_outbox_new_batch; what the workers use since
    2026-12-01): what the outbox holds leaves as ONE frame, a batch frame
    (precis_batch.h: a msgpack array of the frames, each an element, in
    the order they came), or, when it holds one frame, as that frame
    itself, so that a lone result costs nothing more and any reader takes
    it. libzmq's cost is per frame: a batch frame over its 8 KB I/O batch
    is written with one system call from the message itself, where each
    small frame was copied through that buffer and queued on its own. The
    batch is written straight into a buffer of the outbox's pool
    (precis_msgpool.h: the I/O thread hands it back rather than freeing it
    against the worker's malloc arena), so each frame's bytes are copied
    once, as before. A summarize worker alone at full rate (`pipeline_bench
    worker --window 200`, BBC, fresh texts; perf stat on the system-call
    tracepoints of each thread over the whole run, 2026-12-01): its ZeroMQ
    I/O thread's system calls a result 2.14 with 16 frames a message, 1.89 /
    1.93 with one batch frame (articles still coming one a frame), 1.40 /
    1.50 with batch frames of 16 coming in too (`--batch 16`, as normalize
    workers send them now; recvfrom 0.29 -> 0.13); the main thread's 0.50 ->
    0.44-0.47 -> 0.33-0.34. CPU a result at load average 8-12 (other
    builds on the VM), one run of the old and two of each new: I/O thread
    14.3 -> 10.1 / 10.1 -> 9.7 / 11.6 us, the whole worker 94.1 -> 76.3 /
    73.1 -> 75.3 / 71.0 us.
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
/* The same in batch mode: what it holds leaves as one batch frame
   (capacity at most PRECIS_BATCH_MAX, what a reader takes in one: more
   leave as several). */
precis_outbox_t *precis_outbox_new_batch(size_t capacity, int64_t hold_us);
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
   destroyed). In batch mode: as one batch frame (a lone frame as itself),
   or several of PRECIS_BATCH_MAX; the frames of those sent before one
   failed count as sent. */
size_t precis_outbox_flush(precis_outbox_t *self, zsock_t *sock, const char *name);

int precis_outbox_test(bool verbose);

#endif
