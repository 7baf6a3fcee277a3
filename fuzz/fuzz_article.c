/*  fuzz_article - libFuzzer target for the article decoder and validator.

    The input is one frame as a client or a stage would send it. It goes
    through precis_article_decode, then precis_article_check_utf8 with
    precis_utf8_valid, as ingest does. Checked: a rejection gives a reason;
    an accepted article has a non-blank text and NUL-terminated strings; the
    text limit accepts exactly the texts up to it; check_utf8 agrees with a
    reference validator field by field; and encoding the article and decoding
    the encoding succeeds and gives back the same fields.
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
    precis_article_t *copy = precis_article_new();
    memset(error, 0, sizeof error);
    if (precis_article_decode(copy, encoded, encoded_size, 0, error) != 0) {
        fprintf(stderr, "re-decoding the encoding failed: %s\n", error);
        abort();
    }
    const precis_str_t *copied[8];
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
    free(encoded);
    precis_article_destroy(&copy);
    precis_article_destroy(&article);
    return 0;
}
