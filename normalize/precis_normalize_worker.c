/*  precis_normalize_worker - the normalize stage's message handler. */
#include "precis_normalize_worker.h"

struct _precis_normalize_worker_t {
    precis_normalizer_t *normalizer;
    uint64_t errors;
};

precis_normalize_worker_t *precis_normalize_worker_new(void)
{
    precis_normalize_worker_t *self = calloc(1, sizeof *self);
    assert(self);
    self->normalizer = precis_normalizer_new();
    return self;
}

void precis_normalize_worker_destroy(precis_normalize_worker_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    precis_normalizer_destroy(&(*self_p)->normalizer);
    free(*self_p);
    *self_p = NULL;
}

/* Replaces a string field with its normalized form. */
static void normalize_field(precis_normalizer_t *normalizer, precis_str_t *field)
{
    if (!field->ptr)
        return;
    size_t len;
    char *clean = precis_normalizer_run(normalizer, field->ptr, field->len, &len);
    free(field->ptr);
    field->ptr = clean;
    field->len = len;
}

zframe_t *precis_normalize_worker_handle(void *state, zframe_t *input)
{
    precis_normalize_worker_t *self = state;
    char error[PRECIS_ERROR_SIZE];
    precis_article_t *article = precis_article_new();
    zframe_t *output = NULL;
    if (precis_article_decode(article, zframe_data(input), zframe_size(input), 0,
                              error) != 0) {
        /* Ingest validated it, so this is a bug or a foreign sender. */
        zsys_error("normalize: undecodable article %s: %s",
                   article->id.ptr ? article->id.ptr : "(no id)", error);
        if (article->id.ptr) {
            precis_result_t *result =
                precis_result_new_error(article, "normalize", "invalid", error);
            output = precis_result_frame(result);
            precis_result_destroy(&result);
        }
        precis_article_destroy(&article);
        return output;
    }
    int64_t start = zclock_usecs();
    normalize_field(self->normalizer, &article->title);
    normalize_field(self->normalizer, &article->text);
    article->normalize_us = zclock_usecs() - start;
    article->normalized = true;
    if (article->text.len == 0) {
        zsys_warning("normalize: article %s has no text left after clean-up",
                     article->id.ptr);
        precis_result_t *result = precis_result_new_error(
            article, "normalize", "empty", "the text is empty after Unicode clean-up");
        output = precis_result_frame(result);
        precis_result_destroy(&result);
    } else {
        size_t size;
        void *data = precis_article_encode(article, &size);
        output = zframe_new(data, size);
        free(data);
    }
    precis_article_destroy(&article);
    return output;
}

int precis_normalize_worker_test(bool verbose)
{
    int failures = 0;
    precis_normalize_worker_t *self = precis_normalize_worker_new();
    precis_article_t *article = precis_article_new();
    precis_str_set(&article->id, "n1", 2);
    const char *text = "Cafe\xcc\x81  opens.";
    precis_str_set(&article->text, text, strlen(text));
    size_t size;
    void *data = precis_article_encode(article, &size);
    zframe_t *input = zframe_new(data, size);
    free(data);
    zframe_t *output = precis_normalize_worker_handle(self, input);
    char error[PRECIS_ERROR_SIZE];
    precis_article_t *clean = precis_article_new();
    if (!output ||
        precis_article_decode(clean, zframe_data(output), zframe_size(output), 0,
                              error) != 0 ||
        strcmp(clean->text.ptr, "Caf\xc3\xa9 opens.") != 0 || !clean->normalized) {
        fprintf(stderr, "normalize worker: article not normalized\n");
        failures++;
    }
    zframe_destroy(&input);
    zframe_destroy(&output);
    precis_article_destroy(&clean);

    /* Text that is only zero-width characters becomes an error result. */
    precis_str_set(&article->text, "\xe2\x80\x8b\xe2\x80\x8b", 6);
    data = precis_article_encode(article, &size);
    input = zframe_new(data, size);
    free(data);
    output = precis_normalize_worker_handle(self, input);
    precis_result_t *result =
        output ? precis_result_decode(zframe_data(output), zframe_size(output), error)
               : NULL;
    if (!result || result->kind != PRECIS_RESULT_ERROR ||
        strcmp(result->reason, "empty") != 0) {
        fprintf(stderr, "normalize worker: empty text did not become an error\n");
        failures++;
    }
    precis_result_destroy(&result);
    zframe_destroy(&input);
    zframe_destroy(&output);

    /* Garbage without an id is logged and dropped: nothing to attribute it to. */
    input = zframe_new("\xc1", 1);
    output = precis_normalize_worker_handle(self, input);
    if (output) {
        fprintf(stderr, "normalize worker: garbage produced output\n");
        failures++;
    }
    zframe_destroy(&input);
    zframe_destroy(&output);
    precis_article_destroy(&article);
    precis_normalize_worker_destroy(&self);
    return failures;
}
