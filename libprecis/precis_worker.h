/*  precis_worker - the loop every pipeline worker runs.

    A worker pulls frames from one endpoint, hands each to its stage's
    handler and pushes what the handler returns to the next endpoint. It
    connects both sockets (workers come and go; the hub binds), keeps its
    receive queue short so that work spreads over the workers that are
    running, and on SIGTERM or SIGINT stops taking work, flushes what it has
    done and exits.
*/
#ifndef PRECIS_WORKER_H
#define PRECIS_WORKER_H

#include "precis_config.h"
#include "precis_result.h"
#include "precis_stats.h"
#include <czmq.h>

/* Turns one input frame into one output frame. Returns NULL only when the
   input cannot be attributed to any article (then it has been logged). */
typedef zframe_t *(precis_worker_fn)(void *state, zframe_t *input);
/* The same for a message given as bytes (data[0..size), read only, valid
   during the call): a batch frame's element is handed where it lies in the
   frame instead of being copied into a frame of its own. */
typedef zframe_t *(precis_worker_bytes_fn)(void *state, const void *data, size_t size);

typedef struct {
    const char *name;         /* stage name for logs: "normalize" */
    const char *in_endpoint;  /* PULL, connected (to each of a list) */
    const char *out_endpoint; /* PUSH, connected */
    const char *pidfile;      /* written once connected; may be NULL */
    precis_worker_fn *handler;
    /* Optional: the handler for a batch frame's elements, which then are
       not copied (an article is about 2.3 KB); handler still takes the
       messages that come alone, in their own frames. */
    precis_worker_bytes_fn *bytes_handler;
    void *state;
    const precis_config_t *options; /* --control and --metrics-port */
    /* Optional: called once with the worker's stats before the first
       message, so that the stage can add counters of its own. */
    void (*stats_hook)(void *state, precis_stats_t *stats);
    /* Results sent together as one batch frame, at most (0 or 1: a
       message each). Results made in a row are held (at most 0.5 ms) and
       leave as one frame, a msgpack array of them (precis_batch.h), so
       that ZeroMQ handles one frame for all of them (precis_outbox.h); a
       result alone leaves as itself, and a worker with no more input
       waiting sends what it holds at once. Only for outputs whose readers
       read batch frames (the sink, summarize workers): a batch goes to
       one peer whole. */
    size_t results_per_message;
    /* Messages an input frame carries at most (a batch frame,
       precis_batch.h; 0 or 1: one): the receive queue is counted in
       frames, and is sized by it (precis_worker.c, input_hwm), so that a
       busy worker does not hoard work that an idle one could take. */
    size_t input_per_frame;
} precis_worker_config_t;

/* Runs until interrupted. Returns a process exit code: 0 after a clean
   stop, 3 when the sockets could not be set up. */
int precis_worker_run(const precis_worker_config_t *config);

/* A result encoded as one frame, as stages send it on. */
zframe_t *precis_result_frame(const precis_result_t *result);

/* Sets what every precis socket has: TCP keepalive and a retransmission
   limit, so that a peer whose host vanished (no FIN, no RST) is dropped
   instead of keeping messages queued to it, and a bounded linger. */
void precis_socket_tune(zsock_t *sock);

/* Creates a socket of type, binding or connecting to endpoint (each of a
   comma-separated list), with the limits every precis socket has. NULL
   (and a log line) on error. */
zsock_t *precis_socket_new(int type, const char *endpoint, bool bind);

/* The same with high-water marks of sndhwm and rcvhwm messages a peer (0:
   ZeroMQ's default), set before the bind or connect: a bound socket's
   listener, and a connecting socket's session, copy the options then, so
   that set later they would not reach the queues of peers that connect
   or reconnect afterwards. */
zsock_t *precis_socket_new_hwm(int type, const char *endpoint, bool bind, int sndhwm,
                               int rcvhwm);

/* Articles ingest sends a normalize worker in one batch frame, at most
   (ingest/precis_ledger.h says why 16). */
#define PRECIS_DISPATCH_BATCH 16

/* Results a worker sends on as one batch frame, at most
   (summarize/precis_summarize_worker.h says why 16): the readers size
   their queues by it. */
#define PRECIS_RESULTS_PER_MESSAGE 16

/* The high-water mark, in messages, of a queue of results sent
   per_message to a message (a batch frame; 0 or 1: one each): about 1,000 results, as
   with one a message, so that a stalled peer holds as many results (and
   as much memory) whatever the batching. */
int precis_results_hwm(size_t per_message);

#endif
