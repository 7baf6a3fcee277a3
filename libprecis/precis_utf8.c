/*  precis_utf8 - UTF-8 validation and quote/dash folding (the decoder
    itself is inline in the header). */
#include "precis_utf8.h"
#include <stdio.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

bool precis_utf8_valid(const char *text, size_t len)
{
    size_t i = 0;
    while (i < len) {
#ifdef __SSE2__
        /* Thirty-two ASCII bytes at a time (every x86-64 has SSE2): most of
           an English article. Eight at a time took 3,700 instructions of
           ingest's 36,000 for a 2.3 KB article (callgrind, BBC set). */
        if (len - i >= 32) {
            __m128i low = _mm_loadu_si128((const __m128i *)(const void *)(text + i));
            __m128i high =
                _mm_loadu_si128((const __m128i *)(const void *)(text + i + 16));
            if (!_mm_movemask_epi8(_mm_or_si128(low, high))) {
                i += 32;
                continue;
            }
        }
#endif
        /* Eight ASCII bytes at a time: the common case. */
        if (len - i >= 8) {
            uint64_t word;
            memcpy(&word, text + i, 8);
            if (!(word & 0x8080808080808080ull)) {
                i += 8;
                continue;
            }
        }
        int32_t codepoint;
        size_t size = precis_utf8_decode(text + i, len - i, &codepoint);
        if (!size)
            return false;
        i += size;
    }
    return true;
}

/* Whether a code point ends or breaks a line, or is otherwise invisible
   control: kept out of logs and replies as escapes. */
static bool is_control(int32_t codepoint)
{
    return codepoint < 0x20 || codepoint == 0x7F ||
           (codepoint >= 0x80 && codepoint < 0xA0) || codepoint == 0x2028 ||
           codepoint == 0x2029;
}

/* The bytes of the piece at text[0..len) (step: its length, 1 for an
   invalid byte) once written: 4 a byte when escaped. */
static size_t piece_size(const char *text, size_t len, size_t *step)
{
    int32_t codepoint = 0;
    size_t size = precis_utf8_decode(text, len, &codepoint);
    *step = size ? size : 1;
    return !size || is_control(codepoint) ? 4 * *step : size;
}

const char *precis_utf8_printable(char *out, size_t size, const char *text, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    size_t total = 0, step;
    for (size_t i = 0; text && i < len; i += step)
        total += piece_size(text + i, len - i, &step);
    /* All of it when it fits; else what fits before "..." */
    size_t limit = total < size ? total : size - 4, used = 0, i = 0;
    while (text && i < len) {
        size_t bytes = piece_size(text + i, len - i, &step);
        if (used + bytes > limit)
            break;
        for (size_t k = 0; k < step; k++) {
            unsigned char byte = (unsigned char)text[i + k];
            if (bytes > step) {
                out[used++] = '\\';
                out[used++] = 'x';
                out[used++] = hex[byte >> 4];
                out[used++] = hex[byte & 15];
            } else
                out[used++] = (char)byte;
        }
        i += step;
    }
    if (total >= size) {
        memcpy(out + used, "...", 3);
        used += 3;
    }
    out[used] = '\0';
    return out;
}

int32_t precis_fold_codepoint(int32_t codepoint)
{
    switch (codepoint) {
    case 0x2018: /* ‘ */
    case 0x2019: /* ’ */
    case 0x201A: /* ‚ */
    case 0x201B: /* ‛ */
    case 0x2032: /* ′ */
        return '\'';
    case 0x201C: /* “ */
    case 0x201D: /* ” */
    case 0x201E: /* „ */
    case 0x201F: /* ‟ */
    case 0x2033: /* ″ */
    case 0x00AB: /* « */
    case 0x00BB: /* » */
        return '"';
    case 0x2010: /* hyphen */
    case 0x2011: /* non-breaking hyphen */
    case 0x2012: /* figure dash */
    case 0x2013: /* – */
    case 0x2014: /* — */
    case 0x2015: /* horizontal bar */
    case 0x2212: /* minus */
        return '-';
    default:
        return codepoint;
    }
}

/* --- Self test ------------------------------------------------------------ */

/* Validity by the decoder alone, one sequence at a time. */
static bool valid_slowly(const char *text, size_t len)
{
    int32_t codepoint;
    for (size_t i = 0, size; i < len; i += size)
        if (!(size = precis_utf8_decode(text + i, len - i, &codepoint)))
            return false;
    return true;
}

/* The runs of ASCII skipped a block at a time agree with the decoder: a
   sequence, valid or not, at every offset of ASCII texts of every length
   up to 100 bytes (blocks of 32 and 8 bytes, and the tails after them). */
static int test_valid_runs(void)
{
    static const char *pieces[] = {"\xc3\xa9",     "\xe2\x80\x99", "\xf0\x9f\x98\x80",
                                   "\x80",         "\xe2\x82",     "\xff",
                                   "\xed\xa0\x80", "\xc0\xaf"};
    int failures = 0;
    char text[128];
    for (size_t p = 0; p < sizeof pieces / sizeof pieces[0]; p++) {
        size_t piece = strlen(pieces[p]);
        for (size_t len = piece; len <= 100; len++)
            for (size_t at = 0; at + piece <= len; at++) {
                memset(text, 'a', len);
                memcpy(text + at, pieces[p], piece);
                if (precis_utf8_valid(text, len) != valid_slowly(text, len)) {
                    fprintf(stderr, "utf8: piece %zu at %zu of %zu bytes misjudged\n", p,
                            at, len);
                    failures++;
                }
            }
    }
    return failures;
}

static int test_valid(void)
{
    static const char *valid[] = {
        "",
        "plain",
        "caf\xc3\xa9",
        "\xf0\x9f\x98\x80 emoji",
        "long ascii text that spans more than eight bytes",
        "\xf4\x8f\xbf\xbf",
        "\xef\xbf\xbd",
        "abcdefgh\xce\xb1\xce\xb2",
        "\xed\x9f\xbf",
    };
    static const char *invalid[] = {
        "\xff",                     /* never a UTF-8 byte */
        "\xc0\xaf",                 /* overlong '/' */
        "\xc1\xbf",                 /* overlong */
        "\xed\xa0\x80",             /* surrogate U+D800 */
        "\xe2\x82",                 /* truncated */
        "abcdefgh\x80",             /* lone continuation after a fast run */
        "\x80",                     /* lone continuation */
        "\xe0\x80\xaf",             /* overlong, three bytes */
        "\xf4\x90\x80\x80",         /* above U+10FFFF */
        "\xf8\x88\x80\x80\x80",     /* five-byte form */
        "abcdefghijklmnop\xe2\x82", /* truncated after two fast runs */
        "\xc3(",                    /* continuation missing */
    };
    int failures = test_valid_runs();
    for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++)
        if (!precis_utf8_valid(valid[i], strlen(valid[i]))) {
            fprintf(stderr, "utf8: valid case %zu refused\n", i);
            failures++;
        }
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++)
        if (precis_utf8_valid(invalid[i], strlen(invalid[i]))) {
            fprintf(stderr, "utf8: invalid case %zu accepted\n", i);
            failures++;
        }
    return failures;
}

/* The decoder gives each sequence's code point and length, and 0 for a
   sequence cut short by len even when the bytes after it would complete it. */
static int test_decode(void)
{
    static const struct {
        const char *bytes;
        int32_t codepoint;
        size_t size;
    } cases[] = {
        {"A", 'A', 1},
        {"\xc3\xa9", 0xE9, 2},
        {"\xe2\x80\x94", 0x2014, 3},
        {"\xf0\x9f\x98\x80", 0x1F600, 4},
        {"\xf4\x8f\xbf\xbf", 0x10FFFF, 4},
        {"\xed\x9f\xbf", 0xD7FF, 3},
        {"\xed\xb0\x80", -1, 0},
        {"\xc2", -1, 0},
    };
    int failures = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int32_t codepoint = -1;
        size_t size =
            precis_utf8_decode(cases[i].bytes, strlen(cases[i].bytes), &codepoint);
        if (size != cases[i].size || codepoint != cases[i].codepoint) {
            fprintf(stderr, "utf8: decode case %zu gave U+%04X in %zu bytes\n", i,
                    (unsigned)codepoint, size);
            failures++;
        }
    }
    int32_t codepoint = 0;
    failures += precis_utf8_decode("\xe2\x80\x94", 2, &codepoint) != 0;
    return failures;
}

static int test_fold(void)
{
    static const int32_t single[] = {0x2018, 0x2019, 0x201A, 0x201B, 0x2032, '\''};
    static const int32_t dbl[] = {0x201C, 0x201D, 0x201E, 0x201F,
                                  0x2033, 0xAB,   0xBB,   '"'};
    static const int32_t dash[] = {0x2010, 0x2011, 0x2012, 0x2013,
                                   0x2014, 0x2015, 0x2212, '-'};
    static const int32_t same[] = {'a', 0xE9, 0x2026, 0x3B1, 0x4E00, 0x1F600, 0};
    int failures = 0;
    for (size_t i = 0; i < sizeof single / sizeof single[0]; i++)
        failures += precis_fold_codepoint(single[i]) != '\'';
    for (size_t i = 0; i < sizeof dbl / sizeof dbl[0]; i++)
        failures += precis_fold_codepoint(dbl[i]) != '"';
    for (size_t i = 0; i < sizeof dash / sizeof dash[0]; i++)
        failures += precis_fold_codepoint(dash[i]) != '-';
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++)
        failures += precis_fold_codepoint(same[i]) != same[i];
    if (failures)
        fprintf(stderr, "utf8: fold_codepoint wrong for %d code points\n", failures);
    return failures;
}

/* Client strings for logs: control characters and invalid bytes escaped,
   cut at a whole code point. */
static int test_printable(void)
{
    int failures = 0;
    char out[PRECIS_PRINTABLE_ID];
    const struct {
        const char *text, *expected;
        size_t size;
    } cases[] = {
        {"plain-id", "plain-id", sizeof out},
        {"inj\nE: (precis-ingest) forged", "inj\\x0aE: (precis-ingest) forged",
         sizeof out},
        {"bad-\xff", "bad-\\xff", sizeof out},
        {"caf\xc3\xa9\x7f", "caf\xc3\xa9\\x7f", sizeof out},
        {"\xe2\x80\xa8", "\\xe2\\x80\\xa8", sizeof out}, /* U+2028 */
        {"abcdefgh", "abcdefgh", 9},                     /* fits exactly */
        {"abcdefghi", "abcde...", 9},                    /* cut */
        {"abcd\xc3\xa9\xc3\xa9x", "abcd...", 9},         /* not inside a code point */
        {"abc\ndef", "abc...", 9},                       /* not inside an escape */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *shown = precis_utf8_printable(out, cases[i].size, cases[i].text,
                                                  strlen(cases[i].text));
        if (shown != out || strcmp(out, cases[i].expected) != 0 ||
            !precis_utf8_valid(out, strlen(out)) || strlen(out) >= cases[i].size) {
            fprintf(stderr, "utf8 test: printable case %zu gave '%s', expected '%s'\n", i,
                    out, cases[i].expected);
            failures++;
        }
    }
    return failures;
}

int precis_utf8_test(bool verbose)
{
    int failures = test_valid() + test_decode() + test_fold() + test_printable();
    if (verbose && !failures)
        printf("utf8: all checks passed\n");
    return failures;
}
