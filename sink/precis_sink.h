/*  precis_sink - the pipeline's way out.

    Pulls results from the summarize workers, stamps them with the time of
    publication and publishes each on the public PUB socket under its topic
    (summary.<lang> or error.<reason>); optionally appends each one as a JSON
    line to a file.
*/
#ifndef PRECIS_SINK_H
#define PRECIS_SINK_H

#include "precis.h"

typedef struct _precis_sink_t precis_sink_t;

/* Binds both sockets and opens the JSON Lines file when one is configured.
   NULL (with a log line) on failure. */
precis_sink_t *precis_sink_new(const precis_config_t *config);
void precis_sink_destroy(precis_sink_t **self_p);

/* Serves until SIGINT/SIGTERM. Returns 0. */
int precis_sink_run(precis_sink_t *self);

/* Publishes one result frame; returns 0, or -1 when it is not a result. */
int precis_sink_publish(precis_sink_t *self, zframe_t *frame);

int precis_sink_test(bool verbose);

#endif
