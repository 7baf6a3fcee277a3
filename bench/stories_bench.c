/*  stories_bench - what near-duplicate detection costs the summarize worker
    and the sink, on one core.

    For each round a fresh summarize worker (so that its summary cache is
    empty and every article is summarized) handles every article of a set
    (bench_data.h; texts normalized first, outside the clock) as the
    pipeline hands it over: an encoded article frame in, a result frame out.
    Next to it, on the same texts: the signature as the worker makes it
    (precis_minhash_text_hash, then precis_summarizer_signature after a
    summary, timed article by article: the part of the worker's time that
    detection adds) and precis_stories_add with the
    default window (the sink's part). Best of --rounds rounds. Prints
    key=value lines (per article, on the set's distinct texts): worker_us
    (with detection), cached_us (an exact copy the worker summarized before),
    signature_us, worker_without_us (worker_us - signature_us), worker_off_us
    (a worker with detection off: no signature, no cache),
    detection_share (signature_us / worker_without_us), index_add_us,
    index_bytes_per_article.

    stories_bench [--data PATH] [--samples PATH] [--rounds N]
*/
#define _GNU_SOURCE
#include "bench_data.h"
#include "bench_normalized.h"
#include "precis_stories.h"
#include "precis_summarize_worker.h"
#include "precis_summarizer.h"
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static zframe_t **article_frames(const bench_set_t *set)
{
    zframe_t **frames = calloc(set->count, sizeof *frames);
    for (size_t i = 0; i < set->count; i++) {
        precis_article_t *article = precis_article_new();
        char key[32];
        snprintf(key, sizeof key, "k%zu", i);
        precis_str_set(&article->id, set->items[i].id, strlen(set->items[i].id));
        precis_str_set(&article->key, key, strlen(key));
        precis_str_set(&article->title, set->items[i].title, strlen(set->items[i].title));
        precis_str_set(&article->text, set->items[i].text, set->items[i].text_len);
        article->sentences = 3;
        size_t size;
        void *data = precis_article_encode(article, &size);
        frames[i] = zframe_new(data, size);
        free(data);
        precis_article_destroy(&article);
    }
    return frames;
}

/* One round of a fresh worker over the frames, with detection on or off
   (--no-stories); CPU seconds. Not inlined, so that a profile (callgrind)
   shows each way apart: worker_round_on, worker_round_off. */
static double worker_round(zframe_t **frames, size_t count,
                           const precis_summary_options_t *defaults, bool stories)
{
    precis_summarize_worker_t *self = precis_summarize_worker_new(defaults);
    precis_summarize_worker_set_stories(self, stories);
    double start = bench_cpu_now();
    for (size_t i = 0; i < count; i++) {
        zframe_t *out = precis_summarize_worker_handle(self, frames[i]);
        zframe_destroy(&out);
    }
    double spent = bench_cpu_now() - start;
    precis_summarize_worker_destroy(&self);
    return spent;
}

int main(int argc, char **argv)
{
    const char *data = NULL, *samples = "samples/articles.jsonl";
    int rounds = 3;
    static const struct option options[] = {{"data", required_argument, NULL, 'd'},
                                            {"samples", required_argument, NULL, 's'},
                                            {"rounds", required_argument, NULL, 'r'},
                                            {NULL, 0, NULL, 0}};
    int option;
    while ((option = getopt_long(argc, argv, "", options, NULL)) != -1) {
        if (option == 'd')
            data = optarg;
        else if (option == 's')
            samples = optarg;
        else if (option == 'r')
            rounds = atoi(optarg) > 0 ? atoi(optarg) : 1;
        else
            return 2;
    }
    bench_set_t set;
    if (bench_set_load(&set, data, samples, BENCH_DEFAULT_ARTICLES) != 0)
        return 1;
    /* The worker gets normalized text, as from the normalize stage. */
    bench_set_normalize(&set);
    /* Worker figures on distinct texts only: an exact copy would be served
       from the worker's cache, which is measured apart (cached_us). */
    size_t distinct = 0;
    uint8_t(*hashes)[16] = malloc(set.count * sizeof *hashes);
    bench_article_t *copies = malloc(set.count * sizeof *copies);
    size_t copy_count = 0;
    for (size_t i = 0; i < set.count; i++) {
        precis_minhash_text_hash(set.items[i].text, set.items[i].text_len,
                                 hashes[distinct]);
        bool seen = false;
        for (size_t j = 0; j < distinct && !seen; j++)
            seen = memcmp(hashes[j], hashes[distinct], 16) == 0;
        if (seen)
            copies[copy_count++] = set.items[i];
        else
            set.items[distinct++] = set.items[i];
    }
    size_t total = set.count;
    set.count = distinct;
    zframe_t **frames = article_frames(&set);
    precis_summary_options_t defaults = {.sentences = 3,
                                         .max_sentences = PRECIS_MAX_SENTENCES};
    double worker = 1e9, signature = 1e9, index = 1e9;
    size_t bytes = 0, size = 0;
    double worker_off = 1e9;
    for (int round = 0; round < rounds; round++) {
        double spent = worker_round(frames, set.count, &defaults, true);
        worker = spent < worker ? spent : worker;
        spent = worker_round(frames, set.count, &defaults, false);
        worker_off = spent < worker_off ? spent : worker_off;
        double start;

        /* The signature as the worker makes it: the exact hash of the
           text, then the bins from the summarizer's document of it (the
           summary itself outside the clock). */
        precis_minhash_t *signatures = malloc(set.count * sizeof *signatures);
        precis_summarizer_t *summarizer = precis_summarizer_new();
        spent = 0;
        for (size_t i = 0; i < set.count; i++) {
            precis_summary_t summary;
            precis_summarizer_run(summarizer, set.items[i].title, set.items[i].text,
                                  set.items[i].text_len, &defaults, &summary, NULL);
            start = bench_cpu_now();
            precis_minhash_text_hash(set.items[i].text, set.items[i].text_len,
                                     signatures[i].text_hash);
            precis_summarizer_signature(summarizer, &signatures[i]);
            spent += bench_cpu_now() - start;
            precis_summary_clear(&summary);
        }
        precis_summarizer_destroy(&summarizer);
        /* Less what reading the clock twice an article costs. */
        for (size_t i = 0; i < set.count; i++) {
            start = bench_cpu_now();
            spent -= bench_cpu_now() - start;
        }
        signature = spent < signature ? spent : signature;

        precis_stories_t *stories = precis_stories_new(NULL, NULL, 0);
        precis_stories_match_t match;
        start = bench_cpu_now();
        for (size_t i = 0; i < set.count; i++)
            precis_stories_add(stories, set.items[i].id, NULL, &signatures[i], (int64_t)i,
                               &match);
        spent = bench_cpu_now() - start;
        index = spent < index ? spent : index;
        bytes = precis_stories_bytes(stories);
        size = precis_stories_size(stories);
        precis_stories_destroy(&stories);
        free(signatures);
    }
    /* An exact copy handled by the worker that summarized its original. */
    precis_summarize_worker_t *self = precis_summarize_worker_new(&defaults);
    for (size_t i = 0; i < set.count; i++) {
        zframe_t *out = precis_summarize_worker_handle(self, frames[i]);
        zframe_destroy(&out);
    }
    double cached = 1e9;
    for (int round = 0; round < rounds; round++) {
        double start = bench_cpu_now();
        for (size_t i = 0; i < set.count; i++) {
            zframe_t *out = precis_summarize_worker_handle(self, frames[i]);
            zframe_destroy(&out);
        }
        double spent = bench_cpu_now() - start;
        cached = spent < cached ? spent : cached;
    }
    precis_summarize_worker_destroy(&self);
    double n = (double)set.count;
    printf("articles=%zu\n", total);
    printf("distinct=%zu\n", set.count);
    printf("cached_us=%.2f\n", 1e6 * cached / n);
    printf("worker_us=%.2f\n", 1e6 * worker / n);
    printf("signature_us=%.2f\n", 1e6 * signature / n);
    printf("worker_without_us=%.2f\n", 1e6 * (worker - signature) / n);
    printf("worker_off_us=%.2f\n", 1e6 * worker_off / n);
    printf("detection_share=%.3f\n", signature / (worker - signature));
    printf("index_add_us=%.2f\n", 1e6 * index / n);
    printf("index_bytes_per_article=%.0f\n", size ? (double)bytes / size : 0.0);
    for (size_t i = 0; i < set.count; i++)
        zframe_destroy(&frames[i]);
    free(frames);
    /* The copies' texts were moved out of the set: free them, then the set. */
    for (size_t i = 0; i < copy_count; i++) {
        free(copies[i].id);
        free(copies[i].title);
        free(copies[i].text);
    }
    free(copies);
    free(hashes);
    bench_set_free(&set);
    return 0;
}
