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

/* Publishes result frames, up to 256 at a time with one output log write:
   each is spliced and numbered, the batch appended to the log, then each
   published and acknowledged in order. Returns 0, or -1 when one was not a
   result or was held back (the log or the JSON Lines file cannot take it:
   not published, not acknowledged, so ingest sends it again). A frame may
   be destroyed once this returns. */
int precis_sink_publish_batch(precis_sink_t *self, zframe_t **frames, size_t count);

/* The batch of one frame. */
int precis_sink_publish(precis_sink_t *self, zframe_t *frame);

int precis_sink_test(bool verbose);

#endif
