/*  fuzz_normalizer - libFuzzer target for the text normalizer.

    The input is an article text, any bytes. precis_utf8_valid must agree
    with a reference validator on it. The normalizer's output must be valid
    UTF-8, NUL-terminated, free of control characters other than '\n', with
    no leading, trailing or doubled spaces, no space next to a line break and
    at most one blank line in a row (the rules at the top of
    precis_normalizer.c); and normalizing the output again must give the same
    bytes, except where the output still holds something that reads as an
    entity ("&amp;lt;" decodes once to "&lt;", by design). One normalizer is
    reused for every input, as a worker does.
*/
#include "fuzz_check.h"
#include "precis_normalizer.h"
#include <string.h>

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
