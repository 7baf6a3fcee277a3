/*  worker_bench - what a summarize worker costs beyond the summarizer, in
    one process, without sockets: the worker's own code (decoding the
    article frame, the story signature, the summary cache, building and
    encoding the result frame) against the library on the same texts.

    Each article of a set (bench_data.h; texts normalized first, outside
    the clock) becomes the frame a summarize worker pulls, as pipeline_bench
    worker makes it: a fresh text (a line with the pass and its number at
    the end, so the worker's cache never answers), 3 sentences, the
    internal keys. After a pass that warms both up (not counted), --passes
    times, one worker handles every frame (precis_summarize_worker_handle,
    the result frame destroyed at once), and the library summarizes the
    same texts at the same length (precis_summarizer_run, as
    summarize_bench). Each loop is a function of its own, so that callgrind
    counts it alone:
        valgrind --tool=callgrind --toggle-collect=worker_bench_handle ...
        valgrind --tool=callgrind --toggle-collect=worker_bench_library ...
    Prints key=value lines: articles, worker_us and library_us (CPU per
    article, best pass), worker_share (library_us / worker_us),
    worker_faults and library_faults (page faults an article, every counted
    pass: whether memory is given back to the system and faulted in again).

    With --dump PATH, one more pass of a fresh worker over articles that
    ask for every length, a language, explain, or repeat the one before,
    some of them refused, writes each result frame to PATH (a 4-byte
    little-endian length, then the frame): two builds' files compare equal
    but for each result's timing (summarize_us), when the worker publishes
    the same results.

    worker_bench [--data PATH] [--samples PATH] [--passes N] [--dump PATH]
*/
#define _GNU_SOURCE
#include "bench_data.h"
#include "bench_normalized.h"
#include "precis_summarize_worker.h"
#include "precis_summarizer.h"
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What --dump varies from article to article: every other way an
   article can ask (a length in words or as a ratio, a language, explain)
   and a text that is refused (blank). Every 11th article repeats the one
   before it (article_frame): an exact copy, answered from the cache. */
static void vary(precis_article_t *article, size_t index)
{
    if (index % 3 == 2) {
        article->sentences = 0;
        article->words = 40;
    } else if (index % 5 == 1) {
        article->sentences = 0;
        article->ratio = 0.4;
    }
    if (index % 4 == 3)
        precis_str_set(&article->lang, "en", 2);
    article->explain = index % 7 == 6;
    if (index % 13 == 12)
        precis_str_set(&article->text, " \n ", 3);
}

/* The frame of article index, and its text in *text_p (malloc'd). */
static zframe_t *article_frame(const bench_set_t *set, size_t index, int pass,
                               char **text_p, size_t *len_p)
{
    size_t source = pass < 0 && index % 11 == 10 ? index - 1 : index;
    char extra[64];
    int extra_len =
        snprintf(extra, sizeof extra, "\n\nFiled as case k%dn%zuz.", pass, source);
    precis_article_t *article = bench_normalized_article(
        &set->items[source], index, extra, (size_t)extra_len, text_p, len_p);
    if (pass < 0) /* --dump: the other options too */
        vary(article, source);
    size_t size;
    void *data = precis_article_encode(article, &size);
    zframe_t *frame = zframe_new(data, size);
    free(data);
    precis_article_destroy(&article);
    return frame;
}

/* One pass of the worker over the frames; returns the result bytes (so
   that nothing is optimized away). */
static size_t handle_all(precis_summarize_worker_t *worker, zframe_t **frames,
                         size_t count)
{
    size_t bytes = 0;
    for (size_t i = 0; i < count; i++) {
        zframe_t *out = precis_summarize_worker_handle(worker, frames[i]);
        bytes += out ? zframe_size(out) : 0;
        zframe_destroy(&out);
    }
    return bytes;
}

__attribute__((noinline)) size_t worker_bench_handle(precis_summarize_worker_t *worker,
                                                     zframe_t **frames, size_t count)
{
    return handle_all(worker, frames, count);
}

/* One pass of the library over the same texts and titles. */
static size_t run_all(precis_summarizer_t *summarizer, const bench_set_t *set,
                      char **texts, const size_t *lens)
{
    precis_summary_options_t options = {.sentences = 3,
                                        .max_sentences = PRECIS_MAX_SENTENCES};
    size_t selected = 0;
    for (size_t i = 0; i < set->count; i++) {
        precis_summary_t summary = {0};
        const char *error = NULL;
        if (precis_summarizer_run(summarizer, set->items[i].title, texts[i], lens[i],
                                  &options, &summary, &error) == 0)
            selected += summary.selected_count;
        precis_summary_clear(&summary);
    }
    return selected;
}

__attribute__((noinline)) size_t worker_bench_library(precis_summarizer_t *summarizer,
                                                      const bench_set_t *set,
                                                      char **texts, const size_t *lens)
{
    return run_all(summarizer, set, texts, lens);
}

/* The frames and texts of one pass. */
typedef struct {
    zframe_t **frames;
    char **texts;
    size_t *lens;
} pass_t;

static pass_t pass_new(const bench_set_t *set, int pass)
{
    pass_t self = {calloc(set->count, sizeof(zframe_t *)),
                   calloc(set->count, sizeof(char *)),
                   calloc(set->count, sizeof(size_t))};
    for (size_t i = 0; i < set->count; i++)
        self.frames[i] = article_frame(set, i, pass, &self.texts[i], &self.lens[i]);
    return self;
}

static void pass_free(pass_t *self, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        zframe_destroy(&self->frames[i]);
        free(self->texts[i]);
    }
    free(self->frames);
    free(self->texts);
    free(self->lens);
}

/* --dump: a fresh worker's result frames for the varied articles. */
static int dump_results(const bench_set_t *set, const char *path)
{
    FILE *file = fopen(path, "wb");
    if (!file) {
        fprintf(stderr, "worker_bench: cannot write %s\n", path);
        return 1;
    }
    precis_summary_options_t defaults = {.sentences = 3,
                                         .max_sentences = PRECIS_MAX_SENTENCES};
    precis_summarize_worker_t *worker = precis_summarize_worker_new(&defaults);
    pass_t texts = pass_new(set, -1);
    for (size_t i = 0; i < set->count; i++) {
        zframe_t *out = precis_summarize_worker_handle(worker, texts.frames[i]);
        uint32_t size = out ? (uint32_t)zframe_size(out) : 0;
        uint8_t length[4] = {(uint8_t)size, (uint8_t)(size >> 8), (uint8_t)(size >> 16),
                             (uint8_t)(size >> 24)};
        fwrite(length, 1, 4, file);
        if (size)
            fwrite(zframe_data(out), 1, size, file);
        zframe_destroy(&out);
    }
    pass_free(&texts, set->count);
    precis_summarize_worker_destroy(&worker);
    return fclose(file) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    const char *data = NULL, *samples = "samples/articles.jsonl", *dump = NULL;
    int passes = 3;
    static const struct option options[] = {{"data", required_argument, NULL, 'd'},
                                            {"samples", required_argument, NULL, 's'},
                                            {"passes", required_argument, NULL, 'p'},
                                            {"dump", required_argument, NULL, 'o'},
                                            {NULL, 0, NULL, 0}};
    int option;
    while ((option = getopt_long(argc, argv, "", options, NULL)) != -1) {
        if (option == 'd')
            data = optarg;
        else if (option == 's')
            samples = optarg;
        else if (option == 'p')
            passes = atoi(optarg) > 0 ? atoi(optarg) : 1;
        else if (option == 'o')
            dump = optarg;
        else
            return 2;
    }
    bench_set_t set;
    if (bench_set_load(&set, data, samples, BENCH_DEFAULT_ARTICLES) != 0)
        return 1;
    bench_set_normalize(&set);
    precis_summary_options_t defaults = {.sentences = 3,
                                         .max_sentences = PRECIS_MAX_SENTENCES};
    precis_summarize_worker_t *worker = precis_summarize_worker_new(&defaults);
    precis_summarizer_t *summarizer = precis_summarizer_new();
    double best_worker = 1e9, best_library = 1e9;
    long worker_faults = 0, library_faults = 0;
    size_t sink = 0;
    for (int pass = 0; pass <= passes; pass++) {
        pass_t texts = pass_new(&set, pass);
        if (pass == 0) { /* warming up: vocabularies, caches, allocator */
            sink += handle_all(worker, texts.frames, set.count);
            sink += run_all(summarizer, &set, texts.texts, texts.lens);
        } else {
            long faults = bench_page_faults();
            double start = bench_cpu_now();
            sink += worker_bench_handle(worker, texts.frames, set.count);
            double spent = bench_cpu_now() - start;
            worker_faults += bench_page_faults() - faults;
            best_worker = spent < best_worker ? spent : best_worker;
            faults = bench_page_faults();
            start = bench_cpu_now();
            sink += worker_bench_library(summarizer, &set, texts.texts, texts.lens);
            spent = bench_cpu_now() - start;
            library_faults += bench_page_faults() - faults;
            best_library = spent < best_library ? spent : best_library;
        }
        pass_free(&texts, set.count);
        bench_progress("worker_bench: pass %d/%d", pass, passes);
    }
    bench_progress_done();
    printf("articles=%zu\n", set.count);
    printf("worker_us=%.2f\n", 1e6 * best_worker / (double)set.count);
    printf("library_us=%.2f\n", 1e6 * best_library / (double)set.count);
    printf("worker_share=%.3f\n", best_library / best_worker);
    printf("worker_faults=%.3f\n", (double)worker_faults / (double)set.count / passes);
    printf("library_faults=%.3f\n", (double)library_faults / (double)set.count / passes);
    printf("checksum=%zu\n", sink);
    precis_summarizer_destroy(&summarizer);
    precis_summarize_worker_destroy(&worker);
    if (dump && dump_results(&set, dump) != 0)
        return 1;
    bench_set_free(&set);
    return 0;
}
