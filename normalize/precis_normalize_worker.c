/*  precis_normalize_worker - the normalize stage's message handler. */
#include "precis_normalize_worker.h"
#include "precis_utf8.h"
#include "precis_html.h"

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

/* An error result for the article, as a frame. */
static zframe_t *error_frame(precis_article_t *article, const char *reason,
                             const char *message)
{
    precis_result_t *result =
        precis_result_new_error(article, "normalize", reason, message);
    zframe_t *output = precis_result_frame(result);
    precis_result_destroy(&result);
    return output;
}

/* Turns an HTML text into plain text, in place; the page's title becomes the
   article's when it has none. Returns false when there is no readable text
   (the reason in message). */
static bool html_to_text(precis_article_t *article, const char **message)
{
    size_t len;
    char *title;
    char *text = precis_html_to_text(article->text.ptr, article->text.len, &len, &title);
    if (!text) {
        *message = "the HTML could not be parsed (over 1 GiB or out of memory)";
        return false;
    }
    free(article->text.ptr);
    article->text.ptr = text;
    article->text.len = len;
    article->format = PRECIS_FORMAT_TEXT; /* from here on it is text */
    if (title && (!article->title.ptr || article->title.len == 0))
        precis_str_set(&article->title, title, strlen(title));
    free(title);
    if (len == 0) {
        *message = "no readable text in the HTML (only markup, scripts or boilerplate)";
        return false;
    }
    return true;
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
        if (article->id.ptr)
            output = error_frame(article, "invalid", error);
        precis_article_destroy(&article);
        return output;
    }
    int64_t start = zclock_usecs();
    const char *message;
    if (precis_html_wanted(article->format, article->text.ptr, article->text.len) &&
        !html_to_text(article, &message)) {
        char shown[PRECIS_PRINTABLE_ID];
        zsys_warning(
            "normalize: article %s: %s",
            precis_utf8_printable(shown, sizeof shown, article->id.ptr, article->id.len),
            message);
        output = error_frame(article, "empty", message);
        precis_article_destroy(&article);
        return output;
    }
    normalize_field(self->normalizer, &article->title);
    normalize_field(self->normalizer, &article->text);
    article->normalize_us = zclock_usecs() - start;
#ifdef PRECIS_HOP_TRACE
    /* A latency study's build (bench/pipeline_bench --timings): when this
       stage began on the article, a Unix time, in place of its work. */
    article->normalize_us = precis_now_us() - article->normalize_us;
#endif
    article->normalized = true;
    if (article->text.len == 0) {
        zsys_warning("normalize: article %s has no text left after clean-up",
                     article->id.ptr);
        output =
            error_frame(article, "empty", "the text is empty after Unicode clean-up");
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

    /* HTML, given or detected, becomes text; the page's title fills in. */
    const char *page = "<html><head><title>Bridge reopens</title><script>track()</script>"
                       "</head><body><nav>Home</nav><p>The caf&eacute; opened.</p>"
                       "<div class=\"ad\">Sponsored content</div><p>Crowds came.</p>"
                       "</body></html>";
    for (int format = PRECIS_FORMAT_AUTO; format <= PRECIS_FORMAT_HTML; format++) {
        precis_str_set(&article->text, page, strlen(page));
        article->format = (precis_format_t)format;
        data = precis_article_encode(article, &size);
        input = zframe_new(data, size);
        free(data);
        output = precis_normalize_worker_handle(self, input);
        clean = precis_article_new();
        bool decoded =
            output && precis_article_decode(clean, zframe_data(output),
                                            zframe_size(output), 0, error) == 0;
        const char *expected = format == PRECIS_FORMAT_TEXT
                                   ? NULL
                                   : "The caf\xc3\xa9 opened.\n\nCrowds came.";
        if (!decoded || (expected && strcmp(clean->text.ptr, expected) != 0) ||
            (expected &&
             (!clean->title.ptr || strcmp(clean->title.ptr, "Bridge reopens"))) ||
            (!expected && !strstr(clean->text.ptr, "<nav>")) ||
            clean->format != PRECIS_FORMAT_TEXT) {
            fprintf(stderr, "normalize worker: HTML in format %s not handled: %s\n",
                    precis_format_name((precis_format_t)format),
                    decoded ? clean->text.ptr : error);
            failures++;
        }
        zframe_destroy(&input);
        zframe_destroy(&output);
        precis_article_destroy(&clean);
    }
    /* A given title stays. */
    precis_str_set(&article->title, "Own title", 9);
    article->format = PRECIS_FORMAT_HTML;
    data = precis_article_encode(article, &size);
    input = zframe_new(data, size);
    free(data);
    output = precis_normalize_worker_handle(self, input);
    clean = precis_article_new();
    if (!output ||
        precis_article_decode(clean, zframe_data(output), zframe_size(output), 0,
                              error) != 0 ||
        !clean->title.ptr || strcmp(clean->title.ptr, "Own title") != 0) {
        fprintf(stderr, "normalize worker: the article's own title was replaced\n");
        failures++;
    }
    precis_article_destroy(&clean);
    zframe_destroy(&input);
    zframe_destroy(&output);
    /* A page of boilerplate only is an error result. */
    const char *empty_page = "<nav>Menu</nav><div class=\"sponsored\">Buy</div>";
    precis_str_set(&article->text, empty_page, strlen(empty_page));
    article->format = PRECIS_FORMAT_HTML;
    data = precis_article_encode(article, &size);
    input = zframe_new(data, size);
    free(data);
    output = precis_normalize_worker_handle(self, input);
    result = output
                 ? precis_result_decode(zframe_data(output), zframe_size(output), error)
                 : NULL;
    if (!result || result->kind != PRECIS_RESULT_ERROR ||
        strcmp(result->reason, "empty") != 0) {
        fprintf(stderr,
                "normalize worker: a page without text did not become an error\n");
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
