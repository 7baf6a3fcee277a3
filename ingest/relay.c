/*  precis-relay: moves normalized articles from the normalize workers to
    the summarize workers, so that they do not pass through ingest (see
    precis_relay.h). */
#include "precis.h"
#include "precis_getpid.h"
#include "precis_relay.h"

static const char *usage =
    "Usage: precis-relay [OPTIONS]\n"
    "Binds --normalized-endpoint (normalize workers push there) and\n"
    "--summarize-endpoint (summarize workers pull there) and moves each\n"
    "normalized article on as it is, reading only while a summarize worker can\n"
    "take more. Ingest then does not carry the articles a second time: give it\n"
    "other endpoints for these two. Keeps no state; start one per hub.\n"
    "Exit codes: 0 stopped cleanly, 2 usage error, 3 a socket could not be bound.";

int main(int argc, char **argv)
{
    precis_heap_keep(); /* a daemon: keeps its freed heap (precis_config.h) */
    /* libzmq's id checks without a system call each (precis_getpid.h). */
    precis_getpid_keep();
    precis_config_t config;
    int rc = precis_program_start(&config, argc, argv,
                                  PRECIS_OPT_NORMALIZED | PRECIS_OPT_SUMMARIZE |
                                      PRECIS_OPT_PIDFILE | PRECIS_OPT_CURVE |
                                      PRECIS_OPT_CURVE_ALLOW | PRECIS_OPT_CONTROL |
                                      PRECIS_OPT_METRICS,
                                  usage, "precis-relay", true);
    if (rc >= 0)
        return rc;
    precis_relay_t *relay = precis_relay_new(&config);
    if (!relay) {
        precis_curve_stop();
        return 3;
    }
    precis_pidfile_write(config.pidfile);
    int exit_code = precis_relay_run(relay);
    precis_pidfile_remove(config.pidfile);
    precis_relay_destroy(&relay);
    precis_curve_stop();
    return exit_code;
}
