/*  precis-summarize: a summarize worker. Pulls normalized articles from the
    hub, summarizes them and pushes the results to the sink. */
#include "precis.h"
#include "precis_getpid.h"
#include "precis_summarize_worker.h"

static const char *usage =
    "Usage: precis-summarize [OPTIONS]\n"
    "A summarize worker: sentence splitting, scoring and selection. Start any\n"
    "number of them. --sentences/--ratio/--words set the length used when an\n"
    "article asks for none (default 3 sentences).\n"
    "Exit codes: 0 stopped cleanly, 2 usage error, 3 sockets could not be set up.";

int main(int argc, char **argv)
{
    precis_heap_keep(); /* a daemon: keeps its freed heap (precis_config.h) */
    /* libzmq's id checks without a system call each (precis_getpid.h). */
    precis_getpid_keep();
    precis_config_t config;
    int rc = precis_program_start(
        &config, argc, argv,
        PRECIS_OPT_SUMMARIZE | PRECIS_OPT_RESULTS | PRECIS_OPT_LENGTH |
            PRECIS_OPT_LIMITS | PRECIS_OPT_PIDFILE | PRECIS_OPT_CURVE |
            PRECIS_OPT_CONTROL | PRECIS_OPT_METRICS | PRECIS_OPT_NO_STORIES,
        usage, "precis-summarize", false);
    if (rc >= 0)
        return rc;
    precis_summary_options_t defaults = {.sentences = config.sentences,
                                         .ratio = config.ratio,
                                         .words = config.words,
                                         .max_sentences = config.max_sentences};
    if (!defaults.sentences && !defaults.ratio && !defaults.words)
        defaults.sentences = PRECIS_DEFAULT_SENTENCES;
    precis_summarize_worker_t *worker = precis_summarize_worker_new(&defaults);
    precis_summarize_worker_set_stories(worker, !config.no_stories);
    /* Up to 16 results a batch frame to the sink, which reads it element
       by element (precis_summarize_worker.h). */
    precis_worker_config_t run = {.name = "summarize",
                                  .in_endpoint = config.summarize_endpoint,
                                  .out_endpoint = config.results_endpoint,
                                  .pidfile = config.pidfile,
                                  .handler = precis_summarize_worker_handle,
                                  .bytes_handler = precis_summarize_worker_handle_bytes,
                                  .state = worker,
                                  .options = &config,
                                  .stats_hook = precis_summarize_worker_stats,
                                  .results_per_message =
                                      PRECIS_SUMMARIZE_RESULTS_PER_MESSAGE,
                                  /* Normalize workers send batch frames of
                                     up to 16: the receive queue holds
                                     frames, sized by it (precis_worker.h). */
                                  .input_per_frame = PRECIS_RESULTS_PER_MESSAGE};
    int exit_code = precis_worker_run(&run);
    precis_summarize_worker_destroy(&worker);
    precis_curve_stop();
    return exit_code;
}
