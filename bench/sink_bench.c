/*  sink_bench - the sink's CPU per result, on one core, without sockets
    between the stages: what the sink itself costs (decode, stories, the
    output log, PUB send, acknowledgement), apart from the noise of a
    loaded machine.

    The results are made first, outside the clock: each article of a set
    (bench_data.h) is summarized by a summarize worker, --passes times,
    pass p > 0 with a short line in front of the text, so that the later
    passes are near copies of the first (the worst case for the story
    index: every text is new, every one matches). Then a sink (output log
    in a temporary folder, a subscriber and an ingest reading its sockets
    in-process) publishes all of them, 256 at a time as its loop takes
    them; the loop is timed (process CPU) and
    can be counted alone with callgrind's --toggle-collect=sink_bench_loop.
    Prints key=value lines: results, sink_us (CPU per result), stories,
    faults_per_result (page faults in the loop, per result).

    sink_bench [--data PATH] [--samples PATH] [--passes N] [--no-stories]
*/
#define _GNU_SOURCE
#include "bench_data.h"
#include "bench_normalized.h"
#include "precis_sink.h"
#include "precis_summarize_worker.h"
#include <assert.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The worker's result frames: set->count articles, passes times. */
static zframe_t **result_frames(const bench_set_t *set, int passes, bool stories,
                                size_t *count_p)
{
    precis_summary_options_t defaults = {.sentences = 3,
                                         .max_sentences = PRECIS_MAX_SENTENCES};
    precis_summarize_worker_t *worker = precis_summarize_worker_new(&defaults);
    precis_summarize_worker_set_stories(worker, stories);
    zframe_t **frames = calloc(set->count * (size_t)passes, sizeof *frames);
    assert(frames);
    size_t count = 0;
    for (int pass = 0; pass < passes; pass++)
        for (size_t i = 0; i < set->count; i++) {
            precis_article_t *article = precis_article_new();
            char key[32], id[64];
            snprintf(key, sizeof key, "k%d-%zu", pass, i);
            snprintf(id, sizeof id, "%s#%d", set->items[i].id, pass);
            char *text = pass ? zsys_sprintf("Update %d from the wire desk. %s", pass,
                                             set->items[i].text)
                              : strdup(set->items[i].text);
            precis_str_set(&article->id, id, strlen(id));
            precis_str_set(&article->key, key, strlen(key));
            precis_str_set(&article->title, set->items[i].title,
                           strlen(set->items[i].title));
            precis_str_set(&article->text, text, strlen(text));
            article->sentences = 3;
            size_t size;
            void *data = precis_article_encode(article, &size);
            zframe_t *in = zframe_new(data, size);
            frames[count++] = precis_summarize_worker_handle(worker, in);
            zframe_destroy(&in);
            free(data);
            free(text);
            precis_article_destroy(&article);
        }
    precis_summarize_worker_destroy(&worker);
    *count_p = count;
    return frames;
}

/* Reads what the sink sent (published results, acknowledgements), as a
   subscriber and ingest would, so that no queue fills. */
static void drain(zsock_t *subscriber, zsock_t *ingest)
{
    zmsg_t *msg;
    while ((msg = zmsg_recv_nowait(subscriber)))
        zmsg_destroy(&msg);
    while ((msg = zmsg_recv_nowait(ingest)))
        zmsg_destroy(&msg);
}

/* The timed part: a function of its own, for callgrind's toggle. */
__attribute__((noinline)) void sink_bench_loop(precis_sink_t *sink, zframe_t **frames,
                                               size_t count, zsock_t *subscriber,
                                               zsock_t *ingest)
{
    /* In batches of up to 256, as the sink's loop takes what is waiting. */
    for (size_t i = 0; i < count; i += 256) {
        precis_sink_publish_batch(sink, frames + i, count - i < 256 ? count - i : 256);
        drain(subscriber, ingest);
    }
}

int main(int argc, char **argv)
{
    const char *data = NULL, *samples = "samples/articles.jsonl";
    int passes = 2;
    bool stories = true;
    static const struct option options[] = {{"data", required_argument, NULL, 'd'},
                                            {"samples", required_argument, NULL, 's'},
                                            {"passes", required_argument, NULL, 'p'},
                                            {"no-stories", no_argument, NULL, 'n'},
                                            {NULL, 0, NULL, 0}};
    int option;
    while ((option = getopt_long(argc, argv, "", options, NULL)) != -1) {
        if (option == 'd')
            data = optarg;
        else if (option == 's')
            samples = optarg;
        else if (option == 'p')
            passes = atoi(optarg) > 0 ? atoi(optarg) : 1;
        else if (option == 'n')
            stories = false;
        else
            return 2;
    }
    bench_set_t set;
    if (bench_set_load(&set, data, samples, BENCH_DEFAULT_ARTICLES) != 0)
        return 1;
    bench_set_normalize(&set);
    size_t count;
    zframe_t **frames = result_frames(&set, passes, stories, &count);

    char folder[] = "/tmp/precis-sink-bench-XXXXXX";
    if (!mkdtemp(folder))
        return 1;
    char *log_path = zsys_sprintf("%s/out.log", folder);
    precis_config_t config;
    precis_config_defaults(&config, true);
    config.results_endpoint = "inproc://sink-bench-results";
    config.output_endpoint = "inproc://sink-bench-output";
    config.acks_endpoint = "inproc://sink-bench-acks";
    config.replay_endpoint = "inproc://sink-bench-replay";
    config.out_log = log_path;
    config.no_stories = !stories;
    zsock_t *ingest = zsock_new_pull("@inproc://sink-bench-acks");
    precis_sink_t *sink = precis_sink_new(&config);
    if (!sink)
        return 1;
    zsock_t *subscriber = zsock_new_sub(">inproc://sink-bench-output", "");
    zclock_sleep(50);
    long faults = bench_page_faults();
    double start = bench_cpu_now();
    sink_bench_loop(sink, frames, count, subscriber, ingest);
    double spent = bench_cpu_now() - start;
    faults = bench_page_faults() - faults;
    drain(subscriber, ingest);
    printf("results=%zu\n", count);
    printf("stories=%s\n", stories ? "on" : "off");
    printf("sink_us=%.2f\n", 1e6 * spent / (double)count);
    printf("faults_per_result=%.3f\n", (double)faults / (double)count);
    zsock_destroy(&subscriber);
    precis_sink_destroy(&sink);
    zsock_destroy(&ingest);
    for (size_t i = 0; i < count; i++)
        zframe_destroy(&frames[i]);
    free(frames);
    char *command = zsys_sprintf("rm -rf '%s'", folder);
    if (system(command) != 0)
        fprintf(stderr, "sink_bench: cannot remove %s\n", folder);
    zstr_free(&command);
    zstr_free(&log_path);
    bench_set_free(&set);
    return 0;
}
