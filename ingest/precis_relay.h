/*  precis_relay - moves normalized articles from the normalize workers to
    the summarize workers, outside ingest.

    deploy/pipeline, the systemd units and the k8s manifests start it by
    default. Ingest can forward the articles itself (it binds both
    endpoints unless given --no-forward), but that costs ingest, the one
    process in front of every worker, about a quarter of its CPU per
    article (8.6 of 35.5 us on a 2-core VM: ZeroMQ's I/O thread reads and
    writes every article a second time), and ingest needs only the keys of
    delivered results, not the articles. precis-relay binds the two
    endpoints instead (--normalized-endpoint, where normalize workers push,
    and --summarize-endpoint, where summarize workers pull) and ingest,
    started with --no-forward, binds neither: it only takes requests,
    keeps the journal and the ledger and dispatches. The relay keeps no
    state: one that dies loses the articles it held, which ingest sends
    again when their results are late, like a worker's.

    Back-pressure is kept: the relay reads only while a summarize worker
    can take an article (its queue to each is DISPATCH high-water mark
    long), so a full summarize stage fills the normalize workers' queues,
    then the dispatch queue, and ingest answers busy, as when ingest
    forwards. Messages are moved as they are, without copying (zmq_msg_t)
    or opening them (a batch frame of articles goes on whole), and read
    with ZMQ_DONTWAIT until none waits.
*/
#ifndef PRECIS_RELAY_H
#define PRECIS_RELAY_H

#include "precis.h"

typedef struct _precis_relay_t precis_relay_t;

/* Binds config->normalized_endpoint (PULL) and config->summarize_endpoint
   (PUSH), with the tuning and CURVE of every precis socket. NULL when one
   cannot be bound (logged). */
precis_relay_t *precis_relay_new(const precis_config_t *config);
void precis_relay_destroy(precis_relay_t **self_p);

/* Moves what waits and the summarize workers can take now, at most max
   messages (a batch frame of several articles is one, moved whole);
   returns how many moved. Never blocks. */
size_t precis_relay_move(precis_relay_t *self, size_t max);

/* Runs until interrupted (SIGINT, SIGTERM); articles held then are
   dropped (ingest sends them again). Returns 0. */
int precis_relay_run(precis_relay_t *self);

/* Articles moved so far (a batch frame's counted from its header). */
uint64_t precis_relay_moved(precis_relay_t *self);

int precis_relay_test(bool verbose);

#endif
