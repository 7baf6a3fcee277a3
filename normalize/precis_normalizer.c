/*  precis_normalizer - Unicode clean-up of article text before summarizing.

    Three steps, each a single pass over the text:
    1. clean: decode HTML entities, repair invalid UTF-8 with U+FFFD, drop
       control and format characters (zero-width spaces, soft hyphens, BOM),
       turn tabs and every kind of space into ' ' and every line break
       (CR LF, CR, U+2028, U+2029, U+0085) into '\n';
    2. compose: utf8proc NFC, skipped when step 1 saw only ASCII (ASCII text
       is already in NFC, and most news text is mostly ASCII);
    3. space: collapse runs of spaces, trim lines, keep one blank line
       between paragraphs, trim the whole text.
    Buffers live in the normalizer object and are reused between articles.
*/
#include "precis_normalizer.h"
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#define REPLACEMENT 0xFFFD

struct _precis_normalizer_t {
    char *buffer; /* step 1 output */
    size_t capacity;
};

precis_normalizer_t *precis_normalizer_new(void)
{
    precis_normalizer_t *self = calloc(1, sizeof *self);
    assert(self);
    return self;
}

void precis_normalizer_destroy(precis_normalizer_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free((*self_p)->buffer);
    free(*self_p);
    *self_p = NULL;
}

/* Decodes one UTF-8 sequence at text[0..len); returns its length and the
   code point, or 0 when the bytes are not valid UTF-8 (overlong forms,
   surrogates, beyond U+10FFFF and truncated sequences included). */
static size_t decode_utf8(const unsigned char *text, size_t len, int32_t *codepoint)
{
    unsigned char lead = text[0];
    size_t size;
    int32_t value, minimum;
    if (lead < 0x80) {
        *codepoint = lead;
        return 1;
    } else if (lead >= 0xC2 && lead <= 0xDF) {
        size = 2, value = lead & 0x1F, minimum = 0x80;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        size = 3, value = lead & 0x0F, minimum = 0x800;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        size = 4, value = lead & 0x07, minimum = 0x10000;
    } else
        return 0;
    if (len < size)
        return 0;
    for (size_t i = 1; i < size; i++) {
        if ((text[i] & 0xC0) != 0x80)
            return 0;
        value = (value << 6) | (text[i] & 0x3F);
    }
    if (value < minimum || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF))
        return 0;
    *codepoint = value;
    return size;
}

bool precis_utf8_valid(const char *text, size_t len)
{
    const unsigned char *bytes = (const unsigned char *)text;
    size_t i = 0;
    while (i < len) {
        /* Eight ASCII bytes at a time: the common case. */
        if (i + 8 <= len) {
            uint64_t word;
            memcpy(&word, bytes + i, 8);
            if (!(word & 0x8080808080808080ull)) {
                i += 8;
                continue;
            }
        }
        int32_t codepoint;
        size_t size = decode_utf8(bytes + i, len - i, &codepoint);
        if (!size)
            return false;
        i += size;
    }
    return true;
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

/* The output buffer of step 1, growing as needed. */
typedef struct {
    char *data;
    size_t len;
    bool non_ascii;
} out_t;

static void put_codepoint(out_t *out, int32_t codepoint)
{
    if (codepoint < 0x80) {
        out->data[out->len++] = (char)codepoint;
        return;
    }
    out->len +=
        (size_t)utf8proc_encode_char(codepoint, (utf8proc_uint8_t *)out->data + out->len);
    out->non_ascii = true;
}

/* Writes a code point after the clean-up rules: what to drop, what is a
   space, what is a line break. */
static void put_clean(out_t *out, int32_t codepoint)
{
    if (codepoint < 0x80) {
        if (codepoint == '\n' || (codepoint >= 0x20 && codepoint < 0x7F))
            out->data[out->len++] = (char)codepoint;
        else if (codepoint == '\t' || codepoint == '\v' || codepoint == '\f')
            out->data[out->len++] = ' ';
        return; /* other C0 controls and DEL are dropped */
    }
    if (codepoint == 0x85 || codepoint == 0x2028 || codepoint == 0x2029) {
        out->data[out->len++] = '\n';
        return;
    }
    switch (utf8proc_category(codepoint)) {
    case UTF8PROC_CATEGORY_CC: /* C1 controls */
    case UTF8PROC_CATEGORY_CF: /* zero-width, soft hyphen, BOM, bidi marks */
        return;
    case UTF8PROC_CATEGORY_ZS: /* no-break and other spaces */
        out->data[out->len++] = ' ';
        return;
    default:
        put_codepoint(out, codepoint);
    }
}

typedef struct {
    const char *name;
    int32_t codepoint;
} entity_t;

static const entity_t named_entities[] = {
    {"amp", '&'},       {"lt", '<'},       {"gt", '>'},       {"quot", '"'},
    {"apos", '\''},     {"nbsp", 0xA0},    {"mdash", 0x2014}, {"ndash", 0x2013},
    {"lsquo", 0x2018},  {"rsquo", 0x2019}, {"ldquo", 0x201C}, {"rdquo", 0x201D},
    {"hellip", 0x2026}, {"laquo", 0xAB},   {"raquo", 0xBB},   {"copy", 0xA9},
    {"euro", 0x20AC},   {"pound", 0xA3},   {"shy", 0xAD},     {"deg", 0xB0},
};

/* Reads an entity at text[0] == '&'; returns its length (0 when it is not
   one we decode) and the code point. */
static size_t decode_entity(const char *text, size_t len, int32_t *codepoint)
{
    size_t end = 1;
    while (end < len && end < 12 && text[end] != ';' && text[end] != '&' &&
           text[end] != ' ')
        end++;
    if (end >= len || text[end] != ';' || end < 2)
        return 0;
    if (text[1] == '#') {
        bool hex = end > 2 && (text[2] == 'x' || text[2] == 'X');
        size_t digits = hex ? 3 : 2;
        if (digits >= end)
            return 0;
        int64_t value = 0;
        for (size_t i = digits; i < end; i++) {
            char c = text[i];
            int digit = c >= '0' && c <= '9'          ? c - '0'
                        : hex && c >= 'a' && c <= 'f' ? c - 'a' + 10
                        : hex && c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                      : -1;
            if (digit < 0)
                return 0;
            value = value * (hex ? 16 : 10) + digit;
        }
        *codepoint =
            value == 0 || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)
                ? REPLACEMENT
                : (int32_t)value;
        return end + 1;
    }
    for (size_t i = 0; i < sizeof named_entities / sizeof named_entities[0]; i++) {
        size_t name_len = strlen(named_entities[i].name);
        if (name_len == end - 1 &&
            memcmp(text + 1, named_entities[i].name, name_len) == 0) {
            *codepoint = named_entities[i].codepoint;
            return end + 1;
        }
    }
    return 0;
}

/* Step 1: entities, repair, controls, spaces and line breaks. */
static void clean(const char *text, size_t len, out_t *out)
{
    const unsigned char *bytes = (const unsigned char *)text;
    size_t i = 0;
    while (i < len) {
        unsigned char c = bytes[i];
        int32_t codepoint;
        size_t size;
        if (c >= 0x20 && c < 0x7F && c != '&') {
            out->data[out->len++] = (char)c; /* the fast path */
            i++;
        } else if (c == '\r') {
            out->data[out->len++] = '\n';
            i += i + 1 < len && bytes[i + 1] == '\n' ? 2 : 1;
        } else if (c == '&' && (size = decode_entity(text + i, len - i, &codepoint))) {
            put_clean(out, codepoint);
            i += size;
        } else if ((size = decode_utf8(bytes + i, len - i, &codepoint))) {
            put_clean(out, codepoint);
            i += size;
        } else {
            put_codepoint(out, REPLACEMENT); /* one per invalid byte */
            i++;
        }
    }
}

/* Step 3: spaces and blank lines, in place; returns the new length. */
static size_t tidy_space(char *text, size_t len)
{
    size_t out = 0, newlines = 0;
    bool space = false;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (c == ' ')
            space = true;
        else if (c == '\n') {
            newlines++;
            space = false; /* spaces at the end of a line go */
        } else {
            if (out > 0) {
                if (newlines >= 2) {
                    text[out++] = '\n';
                    text[out++] = '\n';
                } else if (newlines == 1)
                    text[out++] = '\n';
                else if (space)
                    text[out++] = ' ';
            }
            newlines = 0;
            space = false;
            text[out++] = c;
        }
    }
    return out;
}

char *precis_normalizer_run(precis_normalizer_t *self, const char *text, size_t len,
                            size_t *out_len)
{
    /* An invalid byte (1 byte) becomes U+FFFD (3 bytes): at most 3x. */
    size_t need = 3 * len + 4;
    if (need > self->capacity) {
        free(self->buffer);
        self->buffer = malloc(need);
        assert(self->buffer);
        self->capacity = need;
    }
    out_t out = {self->buffer, 0, false};
    clean(text, len, &out);
    char *result;
    size_t result_len = out.len;
    if (out.non_ascii) {
        utf8proc_uint8_t *composed = NULL;
        utf8proc_ssize_t composed_len =
            utf8proc_map((const utf8proc_uint8_t *)out.data, (utf8proc_ssize_t)out.len,
                         &composed, UTF8PROC_STABLE | UTF8PROC_COMPOSE);
        /* Step 1 made the text valid, so NFC cannot fail but for memory. */
        assert(composed_len >= 0);
        result = (char *)composed;
        result_len = (size_t)composed_len;
    } else {
        result = malloc(out.len + 1);
        assert(result);
        memcpy(result, out.data, out.len);
    }
    result_len = tidy_space(result, result_len);
    result[result_len] = 0;
    *out_len = result_len;
    return result;
}

/* Normalizes input and compares with expected; prints the case on failure. */
static int expect(precis_normalizer_t *self, const char *input, size_t input_len,
                  const char *expected)
{
    size_t len;
    char *output = precis_normalizer_run(self, input, input_len, &len);
    int failed = len != strlen(expected) || memcmp(output, expected, len) != 0;
    if (failed)
        fprintf(stderr, "normalizer: '%.*s' gave '%s', expected '%s'\n", (int)input_len,
                input, output, expected);
    free(output);
    return failed;
}

#define EXPECT(input, expected)                                                          \
    failures += expect(self, input, sizeof(input) - 1, expected)

int precis_normalizer_test(bool verbose)
{
    int failures = 0;
    precis_normalizer_t *self = precis_normalizer_new();
    /* NFC: e + combining acute becomes é; Hangul jamo compose. */
    EXPECT("Cafe\xcc\x81 cre\xcc\x80me", "Caf\xc3\xa9 cr\xc3\xa8me");
    EXPECT("\xe1\x84\x92\xe1\x85\xa1\xe1\x86\xab", "\xed\x95\x9c");
    /* Controls and zero-width/format characters go; tabs become spaces. */
    EXPECT("a\x01"
           "b\x7f"
           "c\tz",
           "abc z");
    EXPECT("zero\xe2\x80\x8bwidth\xef\xbb\xbf soft\xc2\xadhyphen",
           "zerowidth softhyphen");
    EXPECT("c1\xc2\x85"
           "control",
           "c1\ncontrol");
    /* Line breaks: CRLF, CR; paragraphs keep one blank line; lines trimmed. */
    EXPECT("one\r\ntwo\rthree", "one\ntwo\nthree");
    EXPECT("  para one.  \n \n\n\n  para two.\n", "para one.\n\npara two.");
    EXPECT("a\xe2\x80\xa9"
           "b",
           "a\nb");
    /* Space runs and no-break spaces collapse to one space. */
    EXPECT("a  \xc2\xa0 b\xe2\x80\x83"
           "c",
           "a b c");
    /* HTML entities: named, decimal, hex, invalid, unknown, malformed. */
    EXPECT("Tom &amp; Jerry &quot;hi&quot; &lt;b&gt;", "Tom & Jerry \"hi\" <b>");
    EXPECT("it&#8217;s &#x2014; &rsquo;", "it\xe2\x80\x99s \xe2\x80\x94 \xe2\x80\x99");
    EXPECT("nb&nbsp;sp &#0; &#xD800;", "nb sp \xef\xbf\xbd \xef\xbf\xbd");
    EXPECT("&unknown; &#; &amp &#12a;", "&unknown; &#; &amp &#12a;");
    EXPECT("&#769;", "\xcc\x81");
    /* Invalid UTF-8 is repaired byte by byte. */
    EXPECT("bad \xff byte", "bad \xef\xbf\xbd byte");
    EXPECT("trunc \xe2\x82", "trunc \xef\xbf\xbd\xef\xbf\xbd");
    EXPECT("over \xc0\xaf long", "over \xef\xbf\xbd\xef\xbf\xbd long");
    EXPECT("surr \xed\xa0\x80", "surr \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
    EXPECT("big \xf4\x90\x80\x80",
           "big \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
    /* Other scripts pass through; typographic quotes are kept. */
    EXPECT("\xce\x91\xce\xb8\xce\xae\xce\xbd\xce\xb1 "
           "\xd0\x9c\xd0\xbe\xd1\x81\xd0\xba\xd0\xb2"
           "\xd0\xb0 \xe6\x9d\xb1\xe4\xba\xac",
           "\xce\x91\xce\xb8\xce\xae\xce\xbd\xce\xb1 "
           "\xd0\x9c\xd0\xbe\xd1\x81\xd0\xba\xd0\xb2"
           "\xd0\xb0 \xe6\x9d\xb1\xe4\xba\xac");
    EXPECT("\xe2\x80\x9cQuoted\xe2\x80\x9d", "\xe2\x80\x9cQuoted\xe2\x80\x9d");
    EXPECT("", "");
    EXPECT(" \n\t \n", "");

    /* Validity. */
    const char *valid[] = {"", "plain", "caf\xc3\xa9", "\xf0\x9f\x98\x80 emoji",
                           "long ascii text that spans more than eight bytes"};
    const char *invalid[] = {"\xff", "\xc0\xaf", "\xed\xa0\x80", "\xe2\x82",
                             "abcdefgh\x80"};
    for (size_t i = 0; i < 5; i++) {
        if (!precis_utf8_valid(valid[i], strlen(valid[i])) ||
            precis_utf8_valid(invalid[i], strlen(invalid[i]))) {
            fprintf(stderr, "normalizer: utf8 validity wrong for case %zu\n", i);
            failures++;
        }
    }
    /* Folding for matching. */
    if (precis_fold_codepoint(0x201C) != '"' || precis_fold_codepoint(0x2019) != '\'' ||
        precis_fold_codepoint(0x2014) != '-' || precis_fold_codepoint('a') != 'a' ||
        precis_fold_codepoint(0xE9) != 0xE9) {
        fprintf(stderr, "normalizer: fold_codepoint wrong\n");
        failures++;
    }
    /* Idempotence, and the ASCII fast path agrees with the general path. */
    const char messy[] =
        "Mixed\xc2\xa0text &amp; caf\x65\xcc\x81\r\n\r\n\r\nnext\xff para  ";
    size_t once_len, twice_len;
    char *once = precis_normalizer_run(self, messy, sizeof messy - 1, &once_len);
    char *twice = precis_normalizer_run(self, once, once_len, &twice_len);
    if (once_len != twice_len || memcmp(once, twice, once_len) != 0 ||
        !precis_utf8_valid(once, once_len)) {
        fprintf(stderr, "normalizer: not idempotent: '%s' then '%s'\n", once, twice);
        failures++;
    }
    free(once);
    free(twice);
    EXPECT("ascii  only\n\n\nline &amp; more", "ascii only\n\nline & more");
    EXPECT("ascii  only\n\n\nline &amp; more \xc3\xa9",
           "ascii only\n\nline & more \xc3\xa9");
    precis_normalizer_destroy(&self);
    if (verbose && !failures)
        printf("normalizer: all checks passed\n");
    return failures;
}
