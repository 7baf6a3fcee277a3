/*  summarize_bench - the summarizer's speed in one process, on one core.

    Summarizes every article of a set (bench_data.h) at 3 sentences, pass
    after pass, for at least --min-time seconds, best of three rounds, and
    reports articles/s and MB/s of article text. The texts are normalized
    first, outside the clock, as the summarize worker receives them. Next to
    it, OTS (libots) summarizes the same articles in-process at the same
    number of sentences (ots_highlight_doc_lines); OTS keeps its dictionary
    in each article, so it is loaded per article and reported both with and
    without that load. Prints key=value lines on stdout (bench/run makes the
    table).

    summarize_bench [--data PATH] [--samples PATH] [--sentences N]
                    [--min-time S] [--ots-time S] [--no-ots]
*/
#define _GNU_SOURCE
#include "bench_data.h"
#include "bench_normalized.h"
#include "precis_summarizer.h"
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef PRECIS_HAVE_OTS
#include <glib.h>
#include <ots/libots.h>
#endif

typedef struct {
    const char *data, *samples;
    int sentences;
    double min_time, ots_time;
    bool ots;
} options_t;

/* One pass over the set; returns the number of summary sentences, so that
   the work cannot be optimized away. */
static size_t precis_pass(precis_summarizer_t *summarizer, const bench_set_t *set,
                          const precis_summary_options_t *options)
{
    size_t selected = 0;
    for (size_t i = 0; i < set->count; i++) {
        precis_summary_t summary = {0};
        const char *error = NULL;
        const bench_article_t *article = &set->items[i];
        if (precis_summarizer_run(summarizer, article->title, article->text,
                                  article->text_len, options, &summary, &error) == 0)
            selected += summary.selected_count;
        precis_summary_clear(&summary);
    }
    return selected;
}

static void bench_precis(const bench_set_t *set, const options_t *options)
{
    precis_summarizer_t *summarizer = precis_summarizer_new();
    precis_summary_options_t summary_options = {.sentences = options->sentences};
    size_t selected = precis_pass(summarizer, set, &summary_options); /* warm-up */
    double best = 0, best_cpu = 0;
    for (int round = 0; round < 3; round++) {
        double start = bench_now(), start_cpu = bench_cpu_now(), elapsed = 0;
        size_t passes = 0;
        do {
            selected += precis_pass(summarizer, set, &summary_options);
            passes++;
            elapsed = bench_now() - start;
            bench_progress("summarize: precis round %d/3, %.1f s", round + 1, elapsed);
        } while (elapsed < options->min_time);
        double rate = (double)(passes * set->count) / elapsed;
        double rate_cpu = (double)(passes * set->count) / (bench_cpu_now() - start_cpu);
        if (rate > best)
            best = rate;
        if (rate_cpu > best_cpu)
            best_cpu = rate_cpu;
    }
    bench_progress_done();
    double mean_bytes = (double)set->text_bytes / (double)set->count;
    printf("precis_articles_per_s=%.0f\n", best);
    printf("precis_mb_per_s=%.2f\n", best * mean_bytes / 1e6);
    printf("precis_us_per_article=%.1f\n", 1e6 / best);
    printf("precis_articles_per_cpu_s=%.0f\n", best_cpu);
    printf("precis_selected=%zu\n", selected);
    precis_summarizer_destroy(&summarizer);
}

#ifdef PRECIS_HAVE_OTS
static void bench_ots(const bench_set_t *set, const options_t *options)
{
    double start = bench_now(), start_cpu = bench_cpu_now(), dictionary = 0, elapsed = 0;
    size_t done = 0, summary_bytes = 0;
    do {
        const bench_article_t *article = &set->items[done % set->count];
        double before = bench_now();
        OtsArticle *ots = ots_new_article();
        if (!ots_load_xml_dictionary(ots, (const unsigned char *)"en")) {
            ots_free_article(ots);
            printf("ots=not available (no en dictionary)\n");
            return;
        }
        dictionary += bench_now() - before;
        ots_parse_stream((const unsigned char *)article->text, article->text_len, ots);
        ots_grade_doc(ots);
        ots_highlight_doc_lines(ots, options->sentences);
        size_t len = 0;
        unsigned char *text = ots_get_doc_text(ots, &len);
        summary_bytes += len;
        g_free(text);
        ots_free_article(ots);
        done++;
        elapsed = bench_now() - start;
        if (done % 16 == 0)
            bench_progress("summarize: OTS %zu articles, %.1f s", done, elapsed);
    } while (elapsed < options->ots_time || done < 20);
    bench_progress_done();
    printf("ots=available\n");
    printf("ots_articles=%zu\n", done);
    printf("ots_articles_per_s=%.1f\n", (double)done / elapsed);
    /* CPU time too, so that OTS and precis compare alike on a busy machine
       (the offline command's figure is per CPU second). */
    printf("ots_articles_per_cpu_s=%.1f\n", (double)done / (bench_cpu_now() - start_cpu));
    printf("ots_nodict_articles_per_s=%.1f\n", (double)done / (elapsed - dictionary));
    printf("ots_dictionary_share=%.2f\n", dictionary / elapsed);
    printf("ots_summary_bytes=%zu\n", summary_bytes);
}
#endif

int main(int argc, char **argv)
{
    options_t options = {.samples = "samples/articles.jsonl",
                         .sentences = 3,
                         .min_time = 2,
                         .ots_time = 2,
                         .ots = true};
    static const struct option long_options[] = {
        {"data", required_argument, NULL, 'd'},
        {"samples", required_argument, NULL, 's'},
        {"sentences", required_argument, NULL, 'n'},
        {"min-time", required_argument, NULL, 't'},
        {"ots-time", required_argument, NULL, 'o'},
        {"no-ots", no_argument, NULL, 'x'},
        {NULL, 0, NULL, 0}};
    int option;
    while ((option = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
        switch (option) {
        case 'd':
            options.data = optarg;
            break;
        case 's':
            options.samples = optarg;
            break;
        case 'n':
            options.sentences = atoi(optarg);
            break;
        case 't':
            options.min_time = atof(optarg);
            break;
        case 'o':
            options.ots_time = atof(optarg);
            break;
        case 'x':
            options.ots = false;
            break;
        default:
            fprintf(stderr, "usage: summarize_bench [--data PATH] [--samples PATH] "
                            "[--sentences N] [--min-time S] [--ots-time S] [--no-ots]\n");
            return 2;
        }
    }
    bench_set_t set;
    if (bench_set_load(&set, options.data, options.samples, BENCH_DEFAULT_ARTICLES) != 0)
        return 1;
    /* The worker summarizes normalized text: normalize once, off the clock. */
    bench_set_normalize(&set);
    printf("set=%s\n", set.description);
    printf("articles=%zu\n", set.count);
    printf("mean_bytes=%.0f\n", (double)set.text_bytes / (double)set.count);
    printf("sentences=%d\n", options.sentences);
    fflush(stdout);
    bench_precis(&set, &options);
    fflush(stdout);
#ifdef PRECIS_HAVE_OTS
    if (options.ots)
        bench_ots(&set, &options);
    else
        printf("ots=not run\n");
#else
    printf("ots=not available\n");
#endif
    bench_set_free(&set);
    return 0;
}
