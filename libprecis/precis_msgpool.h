/*  precis_msgpool - buffers for outgoing ZeroMQ frames that come back to
    the thread that sends them, instead of being freed by libzmq's I/O
    thread.

    Why. A frame sent on a tcp or ipc socket is freed by the socket's I/O
    thread once written. A frame of more than about 1 KB (a summary result
    is 1-2 KB) belongs to the sending thread's malloc arena, so glibc's free
    takes that arena's lock from the I/O thread while the sending thread,
    which allocates all the time (the summarizer), holds or wants it: on a
    summarize worker at full rate (`pipeline_bench worker`, BBC, fresh
    texts, perf stat on the futex system call) the two threads made 0.24
    futex calls an article between them, and the I/O thread slept on the
    lock as often, each wait a context switch. Here the I/O thread only
    pushes the buffer onto a lock-free stack (one compare-and-swap); the
    sender takes the stack whole (one atomic exchange) when it runs out of
    buffers and reuses them, so no buffer crosses arenas.

    Costs. A frame's bytes are copied into a pool buffer (a memcpy of the
    frame's size); libzmq still allocates a small header (content_t, 40
    bytes) a frame, which glibc frees without a lock (tcache and fastbins
    take chunks of any arena). Buffers kept: as many as were in flight at
    once (the socket's high-water mark bounds that), each of a power of two
    from 1 KB; a buffer too small for a frame is freed and a larger one
    made.

    Threads. One thread sends through a pool (its owner); libzmq's free
    function may run on any thread, before or after the pool is destroyed:
    the pool lives until its owner has destroyed it and every buffer given
    to libzmq has come back.
*/
#ifndef PRECIS_MSGPOOL_H
#define PRECIS_MSGPOOL_H

#include <stdbool.h>
#include <stddef.h>

typedef struct _precis_msgpool_t precis_msgpool_t;

precis_msgpool_t *precis_msgpool_new(void);
/* Gives up the owner's hold: buffers kept are freed now, those still in
   libzmq's hands when they come back. */
void precis_msgpool_destroy(precis_msgpool_t **self_p);

/* Sends data[0..size) as one frame on the libzmq socket (a void * from
   zsock_resolve), with zmq_msg_send's flags (ZMQ_SNDMORE, ZMQ_DONTWAIT);
   blocks as zmq_msg_send does. Returns 0, or -1 with zmq_errno set (the
   buffer is back in the pool). */
int precis_msgpool_send(precis_msgpool_t *self, void *socket, const void *data,
                        size_t size, int flags);

/* The same in two steps, for a frame written in place (precis_outbox's
   batch frames): a buffer of at least size bytes of the pool, which the
   caller fills and then hands to precis_msgpool_send_buffer, which owns it
   from then on, sent or not (size there: the bytes written, at most those
   asked for). Any size, including ones up to 32 bytes (then libzmq still
   gets the buffer, not a copy). */
void *precis_msgpool_buffer(precis_msgpool_t *self, size_t size);
int precis_msgpool_send_buffer(precis_msgpool_t *self, void *socket, void *buffer,
                               size_t size, int flags);

/* Buffers made so far (malloc calls): a pool that reuses its buffers
   stops making them. */
size_t precis_msgpool_made(const precis_msgpool_t *self);

int precis_msgpool_test(bool verbose);

#endif
