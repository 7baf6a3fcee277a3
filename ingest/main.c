/*  precis-ingest: the pipeline's front door and hub. */
#include "precis.h"
#include "precis_getpid.h"
#include "precis_heap_huge.h"
#include "precis_ingest.h"
#include "precis_shards.h"

static const char *usage =
    "Usage: precis-ingest [OPTIONS]\n"
    "Accepts articles on the ingest socket (msgpack maps, see docs/PROTOCOL.md),\n"
    "answers each request and hands accepted articles to the normalize workers.\n"
    "Carries the normalized articles on to the summarize workers too, unless\n"
    "--no-forward is given: precis-relay carries them then (deploy/pipeline\n"
    "starts it by default; docs/DEPLOY.md).\n"
    "Keeps each accepted article (in the --journal too, when given) until the sink\n"
    "acknowledges its result, and sends it again when the result is late.\n"
    "SIGTERM stops accepting and waits up to --drain seconds for work in flight.\n"
    "Exit codes: 0 stopped cleanly, 2 usage error, 3 a socket could not be bound.";

/* glibc's tunables ingest starts with, besides the heap in huge pages. */
#define INGEST_TUNABLES "glibc.malloc.tcache_count=256"

int main(int argc, char **argv)
{
    /* Its heap in huge pages: starts itself again with glibc's tunable,
       before anything else (precis_heap_huge.h). And glibc's per-thread
       cache of freed blocks (up to 1,032 bytes) holds 256 of a size, not
       7: ingest allocates a batch's ledger entries, ids in flight, replies
       and ids (up to 256 requests) and frees them in bursts as they are
       acknowledged, and past the seventh each went through the arena's
       bins (_int_malloc, _int_free, unlink_chunk and malloc_consolidate:
       a tenth of the main thread's time, perf). */
    precis_heap_huge_start_with(argv, INGEST_TUNABLES);
    precis_heap_keep(); /* a daemon: keeps its freed heap (precis_config.h) */
    /* libzmq's id checks without a system call each (precis_getpid.h). */
    precis_getpid_keep();
    precis_config_t config;
    int rc = precis_program_start(
        &config, argc, argv,
        PRECIS_OPT_INGEST | PRECIS_OPT_NORMALIZE | PRECIS_OPT_NORMALIZED |
            PRECIS_OPT_SUMMARIZE | PRECIS_OPT_RESULTS | PRECIS_OPT_ACKS |
            PRECIS_OPT_JOURNAL | PRECIS_OPT_DELIVERY | PRECIS_OPT_LIMITS |
            PRECIS_OPT_PIDFILE | PRECIS_OPT_CURVE | PRECIS_OPT_CURVE_ALLOW |
            PRECIS_OPT_CONTROL | PRECIS_OPT_METRICS | PRECIS_OPT_FILES,
        usage, "precis-ingest", true);
    if (rc >= 0)
        return rc;
    if (config.shard > PRECIS_SHARDS_MAX) {
        fprintf(stderr,
                "precis-ingest: --shard %d: expected a shard number from 1 to %d\n",
                config.shard, PRECIS_SHARDS_MAX);
        return 2;
    }
    precis_ingest_t *ingest = precis_ingest_new(&config);
    if (!ingest) {
        precis_curve_stop();
        return 3;
    }
    precis_pidfile_write(config.pidfile);
    int exit_code = precis_ingest_run(ingest);
    precis_pidfile_remove(config.pidfile);
    precis_ingest_destroy(&ingest);
    precis_curve_stop();
    return exit_code;
}
