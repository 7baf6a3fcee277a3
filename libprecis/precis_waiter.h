/*  precis_waiter - waits for ZeroMQ sockets with one poll() on their
    ZMQ_FD descriptors, and asks only the sockets that may have something.

    zmq_poll (and zpoller) asks every socket for ZMQ_EVENTS before and after
    it sleeps; each such question that finds nothing costs libzmq's signaler
    a getpid and a poll system call (about 2 us each on the development VM,
    a Firecracker guest with page table isolation). Over ingest's four
    sockets that was about 27 system calls a wake-up, 10 an article at 3,000
    articles/s in the pipeline (bench/ingest_pipeline).

    A socket's ZMQ_FD is readable when commands wait in its mailbox (a pipe
    that was empty got a message, among others); it is edge-like: once any
    call on the socket has taken those commands, it stays quiet even when
    messages wait. So a socket is "ready" (worth reading) when its
    descriptor signalled, or when the owner says so: the owner marks a
    socket not ready only after a read found nothing (EAGAIN, or ZMQ_EVENTS
    without ZMQ_POLLIN), and ready again after any other call on it (a
    send, a read it stopped before EAGAIN), since such a call may have
    taken the commands of a message still unread. A socket whose
    descriptor signalled must be read (or asked ZMQ_EVENTS) before the
    next wait, or the wait returns at once.

    Single-threaded, like the sockets.
*/
#ifndef PRECIS_WAITER_H
#define PRECIS_WAITER_H

#include <czmq.h>
#include <stdbool.h>

typedef struct _precis_waiter_t precis_waiter_t;

/* Sockets a waiter holds, at most. */
#define PRECIS_WAITER_MAX 8

precis_waiter_t *precis_waiter_new(void);
void precis_waiter_destroy(precis_waiter_t **self_p);

/* Adds sock, ready (nothing is known of it yet), and returns its index;
   -1 when PRECIS_WAITER_MAX are held or its ZMQ_FD cannot be had. */
int precis_waiter_add(precis_waiter_t *self, zsock_t *sock);
/* Whether the socket at index is waited for (added: yes). One that is not
   is never ready; one enabled again is ready. */
void precis_waiter_enable(precis_waiter_t *self, int index, bool enabled);

/* Waits up to timeout_ms (0: not at all) for a socket's descriptor, but
   not at all when a socket is ready already; marks the sockets whose
   descriptor signalled ready. Returns how many sockets are ready; a
   signal (EINTR) ends the wait early. */
int precis_waiter_wait(precis_waiter_t *self, int timeout_ms);

/* Whether the socket at index may have something to read. */
bool precis_waiter_ready(precis_waiter_t *self, int index);
/* Sets it: false only right after a read found nothing (see above). */
void precis_waiter_set_ready(precis_waiter_t *self, int index, bool ready);

/* Marks every socket ready (a safety net the owner may use now and then). */
void precis_waiter_set_all_ready(precis_waiter_t *self);

/* poll() calls made by precis_waiter_wait so far. */
uint64_t precis_waiter_polls(precis_waiter_t *self);

int precis_waiter_test(bool verbose);

#endif
