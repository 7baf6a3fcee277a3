/*  precis_ingest - the front door of the pipeline.

    Binds the public ROUTER socket, validates every request, answers each one
    (accepted, rejected with a reason, or busy) and hands accepted articles to
    the normalize workers. Unless config->no_forward (--no-forward: then
    precis-relay binds those endpoints, as deploy/pipeline, the systemd
    units and the k8s manifests set it up by default), it also carries the
    normalized articles on to the summarize workers, so that workers of
    both stages only ever connect to the hub.
*/
#ifndef PRECIS_INGEST_H
#define PRECIS_INGEST_H

#include "precis.h"

typedef struct _precis_ingest_t precis_ingest_t;

/* Binds every socket. NULL (with log lines) when one cannot be bound. */
precis_ingest_t *precis_ingest_new(const precis_config_t *config);
void precis_ingest_destroy(precis_ingest_t **self_p);

/* Serves until SIGINT/SIGTERM. Returns 0. */
int precis_ingest_run(precis_ingest_t *self);

/* Handles one request body; returns the encoded reply (malloc'd, *size_p).
   The core of the server, separate from the sockets for testing. With a
   journal, an accepted article is on disk only once the journal is synced:
   the server holds its reply until then. */
void *precis_ingest_handle(precis_ingest_t *self, const void *data, size_t size,
                           size_t *size_p);

int precis_ingest_test(bool verbose);

#endif
