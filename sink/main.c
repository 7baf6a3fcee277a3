/*  precis-sink: publishes every result of the pipeline. */
#include "precis.h"
#include "precis_getpid.h"
#include "precis_heap_huge.h"
#include "precis_sink.h"

static const char *usage =
    "Usage: precis-sink [OPTIONS]\n"
    "Publishes every summary (topic summary.<lang>) and every error (topic\n"
    "error.<reason>) on the output socket, numbered from 1 (seq); with --jsonl also\n"
    "appends each to a file; with --log keeps results for replay (precis sub\n"
    "--since), the newest --log-max-bytes of them, its numbering and log_id in\n"
    "PATH.state. A result gets its seq once it is in the log, and is acknowledged\n"
    "to ingest once it is also in the --jsonl file; one that cannot be written (a\n"
    "full disk) is held back and comes again from ingest. Duplicates are dropped.\n"
    "Summaries that repeat an earlier article (exact or near copies,\n"
    "docs/PROTOCOL.md \"Stories\") are published under duplicate.<lang> with\n"
    "story and duplicate_of.\n"
    "Exit codes: 0 stopped cleanly, 2 usage error, 3 a socket or the file failed.";

int main(int argc, char **argv)
{
    /* Its heap in huge pages: starts itself again with glibc's tunable,
       before anything else (precis_heap_huge.h). */
    precis_heap_huge_start(argv);
    /* libzmq's id checks without a system call each (precis_getpid.h). */
    precis_getpid_keep();
    precis_heap_keep(); /* a daemon: keeps its freed heap (precis_config.h) */
    precis_config_t config;
    int rc = precis_program_start(
        &config, argc, argv,
        PRECIS_OPT_RESULTS | PRECIS_OPT_OUTPUT | PRECIS_OPT_JSONL | PRECIS_OPT_ACKS |
            PRECIS_OPT_REPLAY | PRECIS_OPT_OUTLOG | PRECIS_OPT_PIDFILE |
            PRECIS_OPT_CURVE | PRECIS_OPT_CURVE_ALLOW | PRECIS_OPT_CONTROL |
            PRECIS_OPT_METRICS | PRECIS_OPT_FILES | PRECIS_OPT_STORIES |
            PRECIS_OPT_NO_STORIES,
        usage, "precis-sink", true);
    if (rc >= 0)
        return rc;
    precis_sink_t *sink = precis_sink_new(&config);
    if (!sink) {
        precis_curve_stop();
        return 3;
    }
    precis_pidfile_write(config.pidfile);
    int exit_code = precis_sink_run(sink);
    precis_pidfile_remove(config.pidfile);
    precis_sink_destroy(&sink);
    precis_curve_stop();
    return exit_code;
}
