/*  fuzz_normalizer - libFuzzer target for the text normalizer.

    The input is an article text, any bytes. precis_utf8_valid must agree
    with a reference validator on it. The normalizer's output must be valid
    UTF-8, NUL-terminated, free of control characters other than '\n', with
    no leading, trailing or doubled spaces, no space next to a line break and
    at most one blank line in a row (the rules at the top of
    precis_normalizer.c); it must be in NFC (utf8proc's NFC of it changes
    nothing; U+11A7 aside, which utf8proc up to 2.8 composes wrongly); and
    normalizing the output again must give the same
    bytes, except where the output still holds something that reads as an
    entity ("&amp;lt;" decodes once to "&lt;", by design). One normalizer is
    reused for every input, as a worker does.
*/
#include "fuzz_check.h"
#include "precis_normalizer.h"
#include "precis_utf8.h"
#include <string.h>
#include <utf8proc.h>

/* True when out has '&' followed by ';' close enough to make an entity. */
static bool has_entity_candidate(const char *out, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (out[i] == '&')
            for (size_t k = i + 1; k < len && k < i + 13 && out[k] != '&'; k++)
                if (out[k] == ';')
                    return true;
    return false;
}

static bool contains(const char *text, size_t len, const char *needle)
{
    size_t needle_len = strlen(needle);
    for (size_t i = 0; i + needle_len <= len; i++)
        if (memcmp(text + i, needle, needle_len) == 0)
            return true;
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static precis_normalizer_t *normalizer;
    if (!normalizer)
        normalizer = precis_normalizer_new();
    const char *text = (const char *)data;
    FUZZ_CHECK(precis_utf8_valid(text, size) == fuzz_utf8_valid(data, size));

    size_t len = SIZE_MAX;
    char *out = precis_normalizer_run(normalizer, text, size, &len);
    FUZZ_CHECK(out && len != SIZE_MAX);
    FUZZ_CHECK(out[len] == 0);
    FUZZ_CHECK(precis_utf8_valid(out, len));
    FUZZ_CHECK(fuzz_utf8_valid((const uint8_t *)out, len));
    if (len > 0) {
        FUZZ_CHECK(!fuzz_ascii_space((uint8_t)out[0]));
        FUZZ_CHECK(!fuzz_ascii_space((uint8_t)out[len - 1]));
    }
    for (size_t i = 0; i < len; i++) {
        uint8_t c = (uint8_t)out[i];
        FUZZ_CHECK(c == '\n' || (c >= 0x20 && c != 0x7F));
        if (i + 1 < len) {
            FUZZ_CHECK(!(c == ' ' && out[i + 1] == ' '));
            FUZZ_CHECK(!(c == ' ' && out[i + 1] == '\n'));
            FUZZ_CHECK(!(c == '\n' && out[i + 1] == ' '));
        }
        if (i + 2 < len)
            FUZZ_CHECK(!(c == '\n' && out[i + 1] == '\n' && out[i + 2] == '\n'));
    }

    /* NFC: the fast path composes only around unstable code points. */
    if (!contains(out, len, "\xe1\x86\xa7")) {
        utf8proc_uint8_t *nfc = NULL;
        utf8proc_ssize_t nfc_len =
            utf8proc_map((const utf8proc_uint8_t *)out, (utf8proc_ssize_t)len, &nfc,
                         UTF8PROC_STABLE | UTF8PROC_COMPOSE);
        FUZZ_CHECK(nfc_len >= 0);
        if ((size_t)nfc_len != len || memcmp(nfc, out, len) != 0) {
            fprintf(stderr, "output not in NFC:\n  out: ");
            for (size_t i = 0; i < len; i++)
                fprintf(stderr, "%02x", (uint8_t)out[i]);
            fprintf(stderr, "\n  nfc: ");
            for (utf8proc_ssize_t i = 0; i < nfc_len; i++)
                fprintf(stderr, "%02x", nfc[i]);
            fprintf(stderr, "\n");
            abort();
        }
        free(nfc);
    }

    if (!has_entity_candidate(out, len)) {
        size_t again_len = SIZE_MAX;
        char *again = precis_normalizer_run(normalizer, out, len, &again_len);
        FUZZ_CHECK(again);
        if (again_len != len || memcmp(again, out, len) != 0) {
            fprintf(stderr, "not idempotent:\n  once:  ");
            for (size_t i = 0; i < len; i++)
                fprintf(stderr, "%02x", (uint8_t)out[i]);
            fprintf(stderr, "\n  twice: ");
            for (size_t i = 0; i < again_len; i++)
                fprintf(stderr, "%02x", (uint8_t)again[i]);
            fprintf(stderr, "\n");
            abort();
        }
        free(again);
    }
    free(out);
    return 0;
}
