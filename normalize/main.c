/*  precis-normalize: a normalize worker. Pulls articles from the hub,
    cleans their Unicode up and pushes them back to the hub. */
#include "precis.h"
#include "precis_getpid.h"
#include "precis_normalize_worker.h"

static const char *usage =
    "Usage: precis-normalize [OPTIONS]\n"
    "A normalize worker: NFC, control and zero-width characters removed, spaces\n"
    "collapsed, HTML entities decoded. Start any number of them.\n"
    "Exit codes: 0 stopped cleanly, 2 usage error, 3 sockets could not be set up.";

int main(int argc, char **argv)
{
    precis_heap_keep(); /* a daemon: keeps its freed heap (precis_config.h) */
    /* libzmq's id checks without a system call each (precis_getpid.h). */
    precis_getpid_keep();
    precis_config_t config;
    int rc = precis_program_start(&config, argc, argv,
                                  PRECIS_OPT_NORMALIZE | PRECIS_OPT_NORMALIZED |
                                      PRECIS_OPT_PIDFILE | PRECIS_OPT_CURVE |
                                      PRECIS_OPT_CONTROL | PRECIS_OPT_METRICS,
                                  usage, "precis-normalize", false);
    if (rc >= 0)
        return rc;
    precis_normalize_worker_t *worker = precis_normalize_worker_new();
    /* Up to 16 normalized articles a batch frame, which the relay (or
       ingest) hands on whole to one summarize worker, which reads it
       element by element (precis_outbox.h). Ingest sends batch frames of
       up to PRECIS_DISPATCH_BATCH articles. */
    precis_worker_config_t run = {.name = "normalize",
                                  .in_endpoint = config.normalize_endpoint,
                                  .out_endpoint = config.normalized_endpoint,
                                  .pidfile = config.pidfile,
                                  .handler = precis_normalize_worker_handle,
                                  .state = worker,
                                  .options = &config,
                                  .results_per_message = PRECIS_RESULTS_PER_MESSAGE,
                                  .input_per_frame = PRECIS_DISPATCH_BATCH};
    int exit_code = precis_worker_run(&run);
    precis_normalize_worker_destroy(&worker);
    precis_curve_stop();
    return exit_code;
}
