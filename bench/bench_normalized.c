/*  bench_normalized - a benchmark set's texts normalized, once. */
#include "bench_normalized.h"
#include "precis_normalizer.h"
#include <assert.h>
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

precis_article_t *bench_normalized_article(const bench_article_t *item, size_t index,
                                           const char *suffix, size_t suffix_len,
                                           char **text_p, size_t *len_p)
{
    char id[64], key[64];
    int id_len = snprintf(id, sizeof id, "worker-%zu", index);
    int key_len = snprintf(key, sizeof key, "w-%zu", index);
    size_t len = item->text_len + suffix_len;
    char *text = malloc(len + 1);
    assert(text);
    memcpy(text, item->text, item->text_len);
    memcpy(text + item->text_len, suffix, suffix_len);
    text[len] = 0;
    precis_article_t *article = precis_article_new();
    precis_str_set(&article->id, id, (size_t)id_len);
    precis_str_set(&article->key, key, (size_t)key_len);
    precis_str_set(&article->title, item->title, strlen(item->title));
    precis_str_set(&article->text, text, len);
    article->sentences = 3;
    article->attempt = 1;
    article->normalized = true;
    *text_p = text;
    *len_p = len;
    return article;
}

/* The article bench_normalized_article makes, encoded and read back: the
   fields a summarize worker reads. */
static int test_article(void)
{
    int failures = 0;
    bench_article_t item = {NULL, "Harbour reopens", "The pier is fixed.", 18};
    char *text;
    size_t len;
    precis_article_t *article =
        bench_normalized_article(&item, 7, "\n\nFiled as case k7z.", 20, &text, &len);
    size_t size;
    void *data = precis_article_encode(article, &size);
    precis_article_destroy(&article);
    char error[PRECIS_ERROR_SIZE];
    precis_article_t *read = precis_article_new();
    if (precis_article_decode(read, data, size, 0, error) != 0 || len != 38 ||
        strcmp(text, "The pier is fixed.\n\nFiled as case k7z.") != 0 ||
        read->text.len != len || memcmp(read->text.ptr, text, len) != 0 ||
        read->id.len != 8 || memcmp(read->id.ptr, "worker-7", 8) != 0 ||
        read->key.len != 3 || memcmp(read->key.ptr, "w-7", 3) != 0 ||
        read->title.len != 15 || !read->normalized || read->attempt != 1 ||
        read->sentences != 3) {
        fprintf(stderr, "bench_normalized test failed: the article read back differs\n");
        failures++;
    }
    precis_article_destroy(&read);
    free(data);
    free(text);
    return failures;
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
    failures += test_article();
    if (verbose && !failures)
        printf("bench_normalized: all checks passed\n");
    return failures;
#undef CHECK
}
