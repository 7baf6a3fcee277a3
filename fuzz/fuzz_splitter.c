/*  fuzz_splitter - libFuzzer target for the sentence splitter.

    The input is a text, any bytes, split twice: with the language-neutral
    rules, and with the rules of a language picked by the first byte (so that
    every language's word lists and flags are exercised). Every span must be
    in bounds, non-empty, after the previous one (increasing, no overlap) and
    trimmed: its first and last bytes are not ASCII white space. Nothing but
    white space is left out: the bytes between spans are white-space
    characters as the splitter knows them (ASCII, NBSP, U+2000..U+200B,
    U+2028, U+2029, U+202F, U+205F, U+3000, U+FEFF). The array is
    NULL exactly when there are no sentences. When the text is valid UTF-8,
    spans also start and end on character boundaries, so that every sentence
    is valid UTF-8 on its own.
*/
#include "fuzz_check.h"
#include "precis_splitter.h"
#include <string.h>

/* Length of the white-space character at s[0..len), 0 if it is not one. */
static size_t space_len(const uint8_t *s, size_t len)
{
    if (fuzz_ascii_space(s[0]))
        return 1;
    if (len >= 2 && s[0] == 0xC2 && s[1] == 0xA0)
        return 2;
    if (len < 3)
        return 0;
    uint32_t cp =
        (uint32_t)(s[0] & 0x0F) << 12 | (uint32_t)(s[1] & 0x3F) << 6 | (s[2] & 0x3F);
    if ((s[0] & 0xF0) != 0xE0 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
        return 0;
    bool space = (cp >= 0x2000 && cp <= 0x200B) || cp == 0x2028 || cp == 0x2029 ||
                 cp == 0x202F || cp == 0x205F || cp == 0x3000 || cp == 0xFEFF;
    return space ? 3 : 0;
}

/* Every byte of data[from..to) belongs to a white-space character. */
static bool only_space(const uint8_t *data, size_t from, size_t to)
{
    while (from < to) {
        size_t n = space_len(data + from, to - from);
        if (!n)
            return false;
        from += n;
    }
    return true;
}

static bool continuation(uint8_t c)
{
    return (c & 0xC0) == 0x80;
}

/* Checks the spans of one split of data[0..size) and frees them. */
static void check_spans(const uint8_t *data, size_t size, precis_span_t *spans,
                        size_t count)
{
    FUZZ_CHECK(count == 0 ? spans == NULL : spans != NULL);
    FUZZ_CHECK(count <= size);
    bool utf8 = fuzz_utf8_valid(data, size);
    uint64_t previous_end = 0;
    for (size_t i = 0; i < count; i++) {
        uint64_t start = spans[i].start, end = start + spans[i].len;
        FUZZ_CHECK(spans[i].len > 0);
        FUZZ_CHECK(end <= size);
        FUZZ_CHECK(start >= previous_end);
        FUZZ_CHECK(only_space(data, previous_end, start));
        FUZZ_CHECK(!fuzz_ascii_space(data[start]));
        FUZZ_CHECK(!fuzz_ascii_space(data[end - 1]));
        if (utf8) {
            FUZZ_CHECK(!continuation(data[start]));
            FUZZ_CHECK(end == size || !continuation(data[end]));
        }
        previous_end = end;
    }
    FUZZ_CHECK(only_space(data, previous_end, size));
    free(spans);
}

/* Languages with their own data in precis_abbrev, and one it does not know. */
static const char *const s_langs[] = {"ar", "bg", "da", "de", "el", "en", "es",
                                      "fa", "fr", "hi", "hy", "it", "kk", "mr",
                                      "nl", "pl", "ru", "sk", "xx"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    precis_span_t *spans = (precis_span_t *)&spans; /* must be overwritten */
    size_t count = precis_split((const char *)data, size, &spans);
    check_spans(data, size, spans, count);
    if (size == 0)
        return 0;
    const char *lang = s_langs[data[0] % (sizeof s_langs / sizeof s_langs[0])];
    spans = (precis_span_t *)&spans;
    count = precis_split_lang((const char *)data, size, lang, &spans);
    check_spans(data, size, spans, count);
    return 0;
}
