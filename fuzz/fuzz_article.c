/*  fuzz_article - libFuzzer target for the article decoder and validator.

    The input is one frame as a client or a stage would send it. It goes
    through precis_article_decode, then precis_article_check_utf8 with
    precis_utf8_valid, as ingest does. Checked: a rejection gives a reason;
    an accepted article has a non-blank text and NUL-terminated strings; the
    text limit accepts exactly the texts up to it; check_utf8 agrees with a
    reference validator field by field; encoding the article and decoding
    the encoding succeeds and gives back the same fields; and, as ingest
    takes a request, decoding it borrowing and splicing ingest's keys into
    its bytes (precis_article_splice) decodes to what the encoding does.
*/
#include "fuzz_check.h"
#include "precis_article.h"
#include "precis_utf8.h"
#include <string.h>

static void check_string(const precis_str_t *field)
{
    if (field->ptr)
        FUZZ_CHECK(field->ptr[field->len] == 0);
    else
        FUZZ_CHECK(field->len == 0);
}

static void check_reason(const char *error)
{
    size_t len = strnlen(error, PRECIS_ERROR_SIZE);
    FUZZ_CHECK(len > 0 && len < PRECIS_ERROR_SIZE);
}

static bool same_string(const precis_str_t *a, const precis_str_t *b)
{
    if (!a->ptr || !b->ptr)
        return !a->ptr && !b->ptr;
    return a->len == b->len && memcmp(a->ptr, b->ptr, a->len) == 0;
}

static const precis_str_t *const *strings_of(const precis_article_t *article,
                                             const precis_str_t *out[8])
{
    out[0] = &article->id, out[1] = &article->key, out[2] = &article->title;
    out[3] = &article->text, out[4] = &article->url, out[5] = &article->source;
    out[6] = &article->lang, out[7] = &article->published;
    return out;
}

/* Both decode to the same fields. */
static void check_same(const precis_article_t *article, const precis_article_t *copy)
{
    const precis_str_t *fields[8], *copied[8];
    strings_of(article, fields);
    strings_of(copy, copied);
    for (int i = 0; i < 8; i++)
        FUZZ_CHECK(same_string(fields[i], copied[i]));
    FUZZ_CHECK(copy->sentences == article->sentences);
    FUZZ_CHECK(copy->words == article->words);
    FUZZ_CHECK(copy->ratio == article->ratio);
    FUZZ_CHECK(copy->received_us == article->received_us);
    FUZZ_CHECK(copy->normalize_us == article->normalize_us);
    FUZZ_CHECK(copy->normalized == article->normalized);
    FUZZ_CHECK(copy->attempt == article->attempt);
    FUZZ_CHECK(copy->format == article->format);
    FUZZ_CHECK(copy->explain == article->explain);
}

/* Decodes data[0..size) or aborts with the reason. */
static precis_article_t *decoded(const void *data, size_t size, const char *what)
{
    char error[PRECIS_ERROR_SIZE] = "";
    precis_article_t *article = precis_article_new();
    if (precis_article_decode(article, data, size, 0, error) != 0) {
        fprintf(stderr, "decoding %s failed: %s\n", what, error);
        abort();
    }
    return article;
}

/* What ingest does with a request it accepts: decoded borrowing, given an
   id when it has none, a key, received_us and attempt, then spliced (or,
   declined, encoded). The splice decodes to what the encoding does. */
static void check_splice(const uint8_t *data, size_t size)
{
    char error[PRECIS_ERROR_SIZE];
    precis_article_t request = {0};
    FUZZ_CHECK(precis_article_decode_borrowing(&request, data, size, 0, error) == 0);
    if (!request.id.ptr)
        precis_article_generate_id(&request);
    char key[] = "fuzz-42";
    free(request.key.ptr); /* the request's own, as ingest replaces it */
    request.key = (precis_str_t){key, sizeof key - 1};
    request.received_us = INT64_C(1764590000000000);
    request.attempt = 1;
    size_t spliced_size = 0, encoded_size = 0;
    void *spliced = precis_article_splice(&request, data, size, &spliced_size);
    void *encoded = precis_article_encode(&request, &encoded_size);
    request.key = (precis_str_t){NULL, 0};
    if (spliced) {
        FUZZ_CHECK(spliced_size >= size);
        precis_article_t *from_splice = decoded(spliced, spliced_size, "the splice");
        precis_article_t *from_encode = decoded(encoded, encoded_size, "the encoding");
        check_same(from_encode, from_splice);
        precis_article_destroy(&from_splice);
        precis_article_destroy(&from_encode);
    }
    free(spliced);
    free(encoded);
    precis_article_clear(&request);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char error[PRECIS_ERROR_SIZE];
    memset(error, 0, sizeof error);
    precis_article_t *article = precis_article_new();
    int rc = precis_article_decode(article, data, size, 0, error);
    FUZZ_CHECK(rc == 0 || rc == -1);
    const precis_str_t *fields[8];
    strings_of(article, fields);
    for (int i = 0; i < 8; i++)
        check_string(fields[i]);
    if (rc != 0) {
        check_reason(error);
        precis_article_destroy(&article);
        return 0;
    }

    /* An accepted article has a text with something besides white space. */
    FUZZ_CHECK(article->text.ptr && article->text.len > 0);
    bool blank = true;
    for (size_t i = 0; i < article->text.len && blank; i++)
        blank =
            fuzz_ascii_space((uint8_t)article->text.ptr[i]) || article->text.ptr[i] == 0;
    FUZZ_CHECK(!blank);

    /* The text limit: the text's own length passes, one byte less does not. */
    precis_article_t *limited = precis_article_new();
    FUZZ_CHECK(precis_article_decode(limited, data, size, article->text.len, error) == 0);
    precis_article_destroy(&limited);
    if (article->text.len > 1) {
        limited = precis_article_new();
        memset(error, 0, sizeof error);
        FUZZ_CHECK(precis_article_decode(limited, data, size, article->text.len - 1,
                                         error) == -1);
        check_reason(error);
        precis_article_destroy(&limited);
    }

    /* UTF-8: check_utf8 fails exactly when a checked field is invalid. */
    bool all_valid = true;
    for (int i = 0; i < 8; i++) {
        const precis_str_t *field = fields[i];
        if (!field->ptr || field == &article->key) /* key is ingest's, not checked */
            continue;
        bool valid = precis_utf8_valid(field->ptr, field->len);
        FUZZ_CHECK(valid == fuzz_utf8_valid((const uint8_t *)field->ptr, field->len));
        all_valid = all_valid && valid;
    }
    memset(error, 0, sizeof error);
    int utf8_rc = precis_article_check_utf8(article, precis_utf8_valid, error);
    FUZZ_CHECK(utf8_rc == (all_valid ? 0 : -1));
    if (utf8_rc != 0)
        check_reason(error);

    /* Round trip: the internal encoding decodes to the same article. */
    size_t encoded_size = 0;
    void *encoded = precis_article_encode(article, &encoded_size);
    FUZZ_CHECK(encoded && encoded_size > 0);
    precis_article_t *copy = decoded(encoded, encoded_size, "the encoding");
    check_same(article, copy);
    free(encoded);
    precis_article_destroy(&copy);
    precis_article_destroy(&article);
    check_splice(data, size);
    return 0;
}
