/*  bench_normalized - a benchmark set's texts normalized, once. */
#include "bench_normalized.h"
#include "precis_normalizer.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void bench_set_normalize(bench_set_t *set)
{
    precis_normalizer_t *normalizer = precis_normalizer_new();
    set->text_bytes = 0;
    for (size_t i = 0; i < set->count; i++) {
        bench_article_t *article = &set->items[i];
        size_t len;
        char *clean =
            precis_normalizer_run(normalizer, article->text, article->text_len, &len);
        free(article->text);
        article->text = clean;
        article->text_len = len;
        set->text_bytes += len;
    }
    precis_normalizer_destroy(&normalizer);
}

int bench_normalized_test(bool verbose)
{
    int failures = 0;
#define CHECK(cond)                                                                      \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            fprintf(stderr, "bench_normalized test failed: %s (line %d)\n", #cond,       \
                    __LINE__);                                                           \
            failures++;                                                                  \
        }                                                                                \
    } while (0)
    /* Two texts the normalizer changes (markup, an entity, white space):
       each comes back as precis_normalizer_run gives it, and the byte
       count follows. */
    static const char *const texts[] = {
        "<p>Tides &amp; storms</p>\n\n\n<p>Next week.</p>",
        "  Plain   text,\ttabs and  spaces.  "};
    bench_article_t items[2];
    bench_set_t set = {.items = items, .count = 2, .text_bytes = 12345};
    for (size_t i = 0; i < 2; i++)
        items[i] = (bench_article_t){NULL, NULL, strdup(texts[i]), strlen(texts[i])};
    bench_set_normalize(&set);
    precis_normalizer_t *normalizer = precis_normalizer_new();
    size_t bytes = 0;
    for (size_t i = 0; i < 2; i++) {
        size_t len;
        char *expected =
            precis_normalizer_run(normalizer, texts[i], strlen(texts[i]), &len);
        CHECK(items[i].text_len == len && memcmp(items[i].text, expected, len) == 0);
        CHECK(strcmp(items[i].text, texts[i]) != 0); /* it did change */
        bytes += len;
        free(expected);
        free(items[i].text);
    }
    CHECK(set.text_bytes == bytes);
    precis_normalizer_destroy(&normalizer);
    if (verbose && !failures)
        printf("bench_normalized: all checks passed\n");
    return failures;
#undef CHECK
}
