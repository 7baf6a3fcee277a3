/*  precis_normalizer - Unicode clean-up of article text before summarizing.

    One pass over the input does all of it: HTML entities are decoded,
    invalid UTF-8 is repaired (one U+FFFD per bad byte), control and format
    characters are dropped, every kind of space becomes ' ' and every line
    break '\n'. White space is held back until the next visible character
    shows where it belongs, which collapses runs, trims lines and the text,
    and keeps one blank line between paragraphs without a second pass.

    NFC is applied only where it can change something. A "stable" code
    point (combining class 0, NFC leaves it as it is, and it never composes
    with what comes before it) cuts the text: NFC of the whole is NFC of
    the pieces. So utf8proc sees only the short stretches that run from the
    last stable code point to the next one around each unstable code point
    (a combining accent, a Hangul jamo, a singleton such as U+212B). ASCII
    is stable and eight plain ASCII bytes are copied at once, so ASCII text
    never reaches utf8proc. The output buffer and the NFC scratch buffer live
    in the normalizer and are reused from one article to the next.
*/
#include "precis_normalizer.h"
#include "precis_utf8.h"
#include <assert.h>
#include <libxml/HTMLparser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#define REPLACEMENT      0xFFFD
#define REPLACEMENT_UTF8 "\xef\xbf\xbd"
#define NFC_OPTIONS      (UTF8PROC_STABLE | UTF8PROC_COMPOSE)
#define NONE             SIZE_MAX
/* Code points below this have their kind remembered (see kind_t): the
   scripts in common use, emoji and every canonical decomposition. */
#define MEMO_END 0x30000
/* Buffers above this size are given back after a run, so that one huge
   article does not pin its memory for the life of the worker. */
#define KEEP_CAPACITY (4u << 20)

struct _precis_normalizer_t {
    char *buffer; /* the output being built */
    size_t capacity;
    int32_t *codepoints; /* NFC scratch */
    size_t codepoint_capacity;
    /* Two bits per code point below MEMO_END: its kind_t, worked out the
       first time it is seen, so that the common case makes no utf8proc call. */
    uint8_t *kinds;
    bool reference; /* tests: no fast paths, NFC over the whole text */
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
    precis_normalizer_t *self = *self_p;
    free(self->buffer);
    free(self->codepoints);
    free(self->kinds);
    free(self);
    *self_p = NULL;
}

/* Whether a code point can be the second of a canonical composition. Hangul
   vowels and trailing consonants compose by algorithm, not by table; the
   trailing consonants start at U+11A8 (U+11A7 is not one, though utf8proc
   up to 2.8 composes it and loses it; stable here, it never reaches
   utf8proc after a syllable). */
static bool composes_backward(int32_t codepoint, const utf8proc_property_t *property)
{
    if ((codepoint >= 0x1161 && codepoint <= 0x1175) ||
        (codepoint >= 0x11A8 && codepoint <= 0x11C2))
        return true;
#if UTF8PROC_VERSION_MAJOR > 2 ||                                                        \
    (UTF8PROC_VERSION_MAJOR == 2 && UTF8PROC_VERSION_MINOR >= 9)
    return property->comb_issecond;
#else
    /* Up to 2.8, seconds carry a comb_index with the top bit set. */
    return property->comb_index != UINT16_MAX && property->comb_index >= 0x8000;
#endif
}

static bool has_canonical_decomposition(const utf8proc_property_t *property)
{
    return property->decomp_seqindex != UINT16_MAX && property->decomp_type == 0;
}

/* A precomposed character is stable when NFC rebuilds it from its
   decomposition and that decomposition starts with a starter that cannot
   compose backward (so nothing in it reaches into the text before). */
static bool precomposed_stable(int32_t codepoint)
{
    utf8proc_int32_t parts[8];
    int boundclass = 0;
    utf8proc_ssize_t count =
        utf8proc_decompose_char(codepoint, parts, 8, UTF8PROC_DECOMPOSE, &boundclass);
    if (count < 1 || count > 8)
        return false;
    const utf8proc_property_t *first = utf8proc_get_property(parts[0]);
    if (first->combining_class != 0 || composes_backward(parts[0], first))
        return false;
    count = utf8proc_normalize_utf32(parts, count, NFC_OPTIONS);
    return count == 1 && parts[0] == codepoint;
}

/* True when NFC of text cut just before this code point is NFC of each
   piece: see the comment at the top. */
static bool is_stable(int32_t codepoint, const utf8proc_property_t *property)
{
    if (property->combining_class != 0 || composes_backward(codepoint, property))
        return false;
    return !has_canonical_decomposition(property) || precomposed_stable(codepoint);
}

/* What the clean-up does with a non-ASCII code point. */
typedef enum {
    KIND_UNKNOWN,  /* not worked out yet (in the memo) */
    KIND_PLAIN,    /* visible and stable: copied as it is */
    KIND_UNSTABLE, /* visible, but NFC must see it with its neighbours */
    KIND_SPECIAL,  /* control, format, space or line break: see put_special */
} kind_t;

static kind_t find_kind(int32_t codepoint)
{
    const utf8proc_property_t *property = utf8proc_get_property(codepoint);
    switch (property->category) {
    case UTF8PROC_CATEGORY_CC:
    case UTF8PROC_CATEGORY_CF:
    case UTF8PROC_CATEGORY_ZS:
    case UTF8PROC_CATEGORY_ZL:
    case UTF8PROC_CATEGORY_ZP:
        return KIND_SPECIAL;
    default:
        return is_stable(codepoint, property) ? KIND_PLAIN : KIND_UNSTABLE;
    }
}

static inline kind_t kind_of(precis_normalizer_t *self, int32_t codepoint)
{
    if (codepoint >= MEMO_END)
        return find_kind(codepoint);
    if (!self->kinds) {
        self->kinds = calloc(MEMO_END / 4, 1);
        assert(self->kinds);
    }
    uint8_t *cell = &self->kinds[codepoint / 4];
    unsigned shift = (codepoint % 4) * 2;
    kind_t kind = (kind_t)((*cell >> shift) & 3);
    if (kind == KIND_UNKNOWN) {
        kind = find_kind(codepoint);
        *cell |= (uint8_t)(kind << shift);
    }
    return kind;
}

/* One run of the normalizer: the output so far and what is held back. */
typedef struct {
    precis_normalizer_t *self;
    char *out; /* self->buffer */
    size_t len;
    size_t newlines; /* line breaks held back */
    bool space;      /* a space held back */
    size_t stable;   /* offset of the last stable code point written, or NONE */
    size_t region;   /* start of the stretch that still needs NFC, or NONE */
    bool non_ascii;  /* for the reference path */
} run_t;

static void grow(run_t *run, size_t extra)
{
    precis_normalizer_t *self = run->self;
    size_t capacity = self->capacity * 2;
    if (capacity < run->len + extra)
        capacity = run->len + extra;
    self->buffer = realloc(self->buffer, capacity);
    assert(self->buffer);
    self->capacity = capacity;
    run->out = self->buffer;
}

static inline void room(run_t *run, size_t extra)
{
    if (run->self->capacity - run->len < extra)
        grow(run, extra);
}

/* NFC of the pending stretch, in place. */
static void compose_region(run_t *run)
{
    precis_normalizer_t *self = run->self;
    const utf8proc_uint8_t *start = (const utf8proc_uint8_t *)run->out + run->region;
    utf8proc_ssize_t size = (utf8proc_ssize_t)(run->len - run->region);
    utf8proc_ssize_t count =
        utf8proc_decompose(start, size, self->codepoints,
                           (utf8proc_ssize_t)self->codepoint_capacity, NFC_OPTIONS);
    if (count > (utf8proc_ssize_t)self->codepoint_capacity) {
        size_t capacity = (size_t)count * 2;
        free(self->codepoints);
        self->codepoints = malloc(capacity * sizeof(int32_t));
        assert(self->codepoints);
        self->codepoint_capacity = capacity;
        count = utf8proc_decompose(start, size, self->codepoints, count, NFC_OPTIONS);
    }
    /* The stretch is valid UTF-8 (we wrote it), so this cannot fail. */
    assert(count >= 0);
    utf8proc_ssize_t bytes = utf8proc_reencode(self->codepoints, count, NFC_OPTIONS);
    assert(bytes >= 0);
    run->len = run->region;
    room(run, (size_t)bytes + 32);
    memcpy(run->out + run->len, self->codepoints, (size_t)bytes);
    run->len += (size_t)bytes;
    run->region = NONE;
}

static inline void end_region(run_t *run)
{
    if (run->region != NONE)
        compose_region(run);
}

/* Writes the white space held back before a visible character: nothing at
   the start of the text, one blank line for two or more line breaks, else
   one line break, else one space. */
static inline void flush_space(run_t *run)
{
    if (run->len > 0 && (run->newlines || run->space)) {
        end_region(run);
        if (run->newlines >= 2)
            run->out[run->len++] = '\n';
        run->out[run->len++] = run->newlines ? '\n' : ' ';
        run->stable = run->len - 1;
    }
    run->newlines = 0;
    run->space = false;
}

/* Writes a visible character's UTF-8 bytes. */
static inline void put_visible(run_t *run, const char *bytes, size_t size, bool stable)
{
    flush_space(run);
    if (stable) {
        end_region(run);
        run->stable = run->len;
    } else if (run->region == NONE)
        run->region = run->stable == NONE ? run->len : run->stable;
    memcpy(run->out + run->len, bytes, size);
    run->len += size;
}

static inline void put_ascii(run_t *run, int32_t c)
{
    if (c > ' ' && c < 0x7F) {
        char byte = (char)c;
        put_visible(run, &byte, 1, true);
    } else if (c == ' ' || c == '\t' || c == '\v' || c == '\f')
        run->space = true;
    else if (c == '\n' || c == '\r')
        run->newlines++;
    /* other C0 controls and DEL are dropped */
}

/* Controls, format characters, spaces and line breaks beyond ASCII. */
static void put_special(run_t *run, int32_t codepoint)
{
    switch (utf8proc_get_property(codepoint)->category) {
    case UTF8PROC_CATEGORY_CC: /* C1 controls go; NEL is a line break */
        if (codepoint == 0x85)
            run->newlines++;
        return;
    case UTF8PROC_CATEGORY_CF: /* zero-width, soft hyphen, BOM, bidi marks */
        return;
    case UTF8PROC_CATEGORY_ZS: /* no-break and other spaces */
        run->space = true;
        return;
    case UTF8PROC_CATEGORY_ZL: /* U+2028 line separator */
        run->newlines++;
        return;
    case UTF8PROC_CATEGORY_ZP: /* U+2029 paragraph separator */
        run->newlines += 2;
        return;
    default:
        assert(false); /* find_kind said it was one of the above */
    }
}

/* Writes a code point (given also as UTF-8) under the clean-up rules. */
static inline void put_codepoint(run_t *run, int32_t codepoint, const char *utf8,
                                 size_t size)
{
    if (codepoint < 0x80) {
        put_ascii(run, codepoint);
        return;
    }
    kind_t kind = kind_of(run->self, codepoint);
    if (kind == KIND_SPECIAL)
        put_special(run, codepoint);
    else {
        run->non_ascii = true;
        put_visible(run, utf8, size, kind == KIND_PLAIN || run->self->reference);
    }
}

/* HTML reads &#128; to &#159; as Windows-1252, since that is what the
   pages that use them meant (&#146; for ’ is common in old feeds). */
static const uint16_t windows_1252[32] = {
    0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD,
    0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178,
};

/* The value of &#...; with text[0..len) the digits; -1 when malformed. */
static int32_t numeric_entity(const char *text, size_t len)
{
    bool hex = len > 0 && (text[0] == 'x' || text[0] == 'X');
    size_t first = hex ? 1 : 0;
    if (first >= len)
        return -1;
    int64_t value = 0;
    for (size_t i = first; i < len; i++) {
        char c = text[i];
        int digit = c >= '0' && c <= '9'          ? c - '0'
                    : hex && c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : hex && c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                  : -1;
        if (digit < 0)
            return -1;
        value = value * (hex ? 16 : 10) + digit;
    }
    if (value >= 0x80 && value <= 0x9F)
        return windows_1252[value - 0x80];
    if (value == 0 || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF))
        return REPLACEMENT;
    return (int32_t)value;
}

/* Reads an entity at text[0] == '&'; returns its length (0 when it is not
   one we decode, so it stays as it is) and the code point. */
static size_t decode_entity(const char *text, size_t len, int32_t *codepoint)
{
    /* The longest we decode is "&#x10FFFF;" with a few leading zeros. */
    size_t end = 1;
    while (end < len && end < 12 && text[end] != ';' && text[end] != '&')
        end++;
    if (end >= len || text[end] != ';' || end < 2)
        return 0;
    if (text[1] == '#') {
        int32_t value = numeric_entity(text + 2, end - 2);
        if (value < 0)
            return 0;
        *codepoint = value;
        return end + 1;
    }
    /* Named: libxml2's table of the HTML 4 entities (all 253 of them). */
    char name[12];
    memcpy(name, text + 1, end - 1);
    name[end - 1] = 0;
    const htmlEntityDesc *entity = htmlEntityLookup((const xmlChar *)name);
    if (!entity)
        return 0;
    *codepoint = (int32_t)entity->value;
    return end + 1;
}

/* Bytes of w equal to value get their top bit set; w must be 7-bit. */
static inline uint64_t bytes_equal(uint64_t w, unsigned char value)
{
    const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
    uint64_t diff = w ^ (ones * value);
    return ~(diff + ones * 0x7F) & high;
}

/* True when the eight bytes at p are printable ASCII with no '&' and no
   two spaces in a row. */
static inline bool plain_word(const unsigned char *p)
{
    const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
    uint64_t w;
    memcpy(&w, p, 8);
    /* No top bit; each byte >= 0x20 (adding 0x60 sets the top bit) and
       != 0x7F (adding 1 does not); no carries cross bytes below 0x80. */
    if ((w & high) || ((w + ones * 0x60) & high) != high || ((w + ones) & high))
        return false;
    uint64_t spaces = bytes_equal(w, ' ');
    return !bytes_equal(w, '&') && !(spaces & (spaces << 8));
}

/* The fast path: copies plain eight-byte words from p[0..len) while they
   come, and returns how many bytes it took (0 when p does not start with
   one). Most of an English article goes through here. The loop keeps its
   state in locals: through run the compiler would reload it after every
   store into the output. */
static size_t copy_plain(run_t *run, const unsigned char *p, size_t len)
{
    if (len < 8 || !plain_word(p))
        return 0;
    /* A leading space is only plain right after a visible character. */
    if (p[0] == ' ' && (run->newlines || run->space || run->len == 0))
        return 0;
    flush_space(run);
    end_region(run);
    /* Each word writes at most 9 bytes; keep to the room there is. */
    size_t room_left = run->self->capacity - run->len;
    size_t limit = room_left / 9 * 8 < len ? room_left / 9 * 8 : len;
    char *out = run->out + run->len;
    bool space = false; /* the last word ended in a space, held back */
    size_t done = 0;
    do {
        if (space) {
            if (p[done] == ' ')
                break; /* two spaces: the slow path collapses them */
            *out++ = ' ';
        }
        memcpy(out, p + done, 8);
        /* A trailing space is held back: a line break may follow. */
        space = p[done + 7] == ' ';
        out += space ? 7 : 8;
        done += 8;
    } while (limit - done >= 8 && plain_word(p + done));
    run->len = (size_t)(out - run->out);
    run->space = space;
    run->stable = run->len - 1;
    return done;
}

static void clean(run_t *run, const char *text, size_t len)
{
    const unsigned char *bytes = (const unsigned char *)text;
    bool fast = !run->self->reference;
    size_t i = 0;
    while (i < len) {
        /* Enough for what one step writes; compose_region makes its own. */
        room(run, 32);
        unsigned char c = bytes[i];
        int32_t codepoint;
        size_t size;
        if (c >= 0x80) {
            if ((size = precis_utf8_decode(text + i, len - i, &codepoint)))
                put_codepoint(run, codepoint, text + i, size);
            else {
                run->non_ascii = true;
                put_visible(run, REPLACEMENT_UTF8, 3, true); /* one per bad byte */
                size = 1;
            }
            i += size;
        } else if (fast && (size = copy_plain(run, bytes + i, len - i)))
            i += size;
        else if (c == '&' && (size = decode_entity(text + i, len - i, &codepoint))) {
            char utf8[4];
            size_t utf8_size =
                (size_t)utf8proc_encode_char(codepoint, (utf8proc_uint8_t *)utf8);
            put_codepoint(run, codepoint, utf8, utf8_size);
            i += size;
        } else if (c == '\r') {
            run->newlines++; /* CR LF and CR alone are one line break */
            i += i + 1 < len && bytes[i + 1] == '\n' ? 2 : 1;
        } else {
            put_ascii(run, c);
            i++;
        }
    }
    end_region(run); /* and white space still held back is dropped */
}

char *precis_normalizer_run(precis_normalizer_t *self, const char *text, size_t len,
                            size_t *out_len)
{
    run_t run = {self, self->buffer, 0, 0, false, NONE, NONE, false};
    /* Room for most articles up front; growth is rare. */
    room(&run, len + len / 4 + 64);
    clean(&run, text, len);

    char *result;
    size_t result_len = run.len;
    if (self->reference && run.non_ascii) {
        utf8proc_uint8_t *composed = NULL;
        utf8proc_ssize_t composed_len =
            utf8proc_map((const utf8proc_uint8_t *)run.out, (utf8proc_ssize_t)run.len,
                         &composed, NFC_OPTIONS);
        assert(composed_len >= 0);
        result = (char *)composed;
        result_len = (size_t)composed_len;
    } else {
        result = malloc(run.len + 1);
        assert(result);
        memcpy(result, run.out, run.len);
        result[run.len] = 0;
    }
    if (self->capacity > KEEP_CAPACITY) {
        free(self->buffer);
        self->buffer = NULL;
        self->capacity = 0;
    }
    if (self->codepoint_capacity * sizeof(int32_t) > KEEP_CAPACITY) {
        free(self->codepoints);
        self->codepoints = NULL;
        self->codepoint_capacity = 0;
    }
    *out_len = result_len;
    return result;
}

/* ---------------------------------------------------------------------- */
/* Self test */

typedef struct {
    const char *name;
    const char *input;
    size_t input_len;
    const char *expected;
    unsigned flags;
} test_case_t;

/* flags: ONCE, not idempotent since decoding an entity reveals another;
   FAST_ONLY, the reference path differs by a utf8proc bug. */
#define ONCE                        1
#define FAST_ONLY                   2
#define CASE(name, input, expected) CASE_FLAGS(name, input, expected, 0)
#define CASE_FLAGS(name, input, expected, flags)                                         \
    {                                                                                    \
        name, input, sizeof(input) - 1, expected, flags                                  \
    }

static const test_case_t test_cases[] = {
    /* NFC */
    CASE("nfc e+acute", "Cafe\xcc\x81", "Caf\xc3\xa9"),
    CASE("nfc two accents",
         "cre\xcc\x80me bru\xcc\x82le\xcc\x81"
         "e",
         "cr\xc3\xa8me br\xc3\xbbl\xc3\xa9"
         "e"),
    CASE("nfc reorder marks", "a\xcc\x81\xcc\xa3", "\xe1\xba\xa1\xcc\x81"),
    CASE("nfc precomposed plus mark", "\xc3\xbc\xcc\x84", "\xc7\x96"),
    CASE("nfc hangul jamo", "\xe1\x84\x92\xe1\x85\xa1\xe1\x86\xab", "\xed\x95\x9c"),
    CASE("nfc hangul LV+T", "\xed\x95\x98\xe1\x86\xab", "\xed\x95\x9c"),
    /* U+11A7 is not a trailing consonant; utf8proc up to 2.8 composes it
       into the syllable and loses it (utf8proc PR #317). */
    CASE_FLAGS("nfc hangul LV + U+11A7 kept", "\xed\x95\x98\xe1\x86\xa7",
               "\xed\x95\x98\xe1\x86\xa7", FAST_ONLY),
    CASE("nfc singleton angstrom", "\xe2\x84\xab", "\xc3\x85"),
    CASE("nfc singleton ohm", "\xe2\x84\xa6", "\xce\xa9"),
    CASE("nfc exclusion stays decomposed", "\xe0\xa5\x98", "\xe0\xa4\x95\xe0\xa4\xbc"),
    CASE("nfc mark at start",
         "\xcc\x81"
         "abc",
         "\xcc\x81"
         "abc"),
    CASE("nfc mark after space", "e \xcc\x81", "e \xcc\x81"),
    CASE("nfc mark across line trim", "e \n \xcc\x81", "e\n\xcc\x81"),
    CASE("nfc zero-width between base and mark", "e\xe2\x80\x8b\xcc\x81", "\xc3\xa9"),
    /* Controls and format characters */
    CASE("C0 controls",
         "a\x01"
         "b\x7f"
         "c\x1b"
         "d",
         "abcd"),
    CASE("NUL", "a\0b", "ab"),
    CASE("tab is a space", "a\tb\t\tc", "a b c"),
    CASE("C1 control",
         "a\xc2\x90"
         "b",
         "ab"),
    CASE("NEL is a line break",
         "a\xc2\x85"
         "b",
         "a\nb"),
    CASE("zero-width space", "zero\xe2\x80\x8bwidth", "zerowidth"),
    CASE("ZWNJ ZWJ word joiner",
         "a\xe2\x80\x8c"
         "b\xe2\x80\x8d"
         "c\xe2\x81\xa0"
         "d",
         "abcd"),
    CASE("BOM", "\xef\xbb\xbftext\xef\xbb\xbf", "text"),
    CASE("soft hyphen", "soft\xc2\xadhyphen", "softhyphen"),
    CASE("bidi mark",
         "a\xe2\x80\x8e"
         "b",
         "ab"),
    /* Line breaks and paragraphs */
    CASE("CRLF", "one\r\ntwo", "one\ntwo"),
    CASE("CR", "one\rtwo", "one\ntwo"),
    CASE("CRLF paragraph", "one\r\n\r\ntwo", "one\n\ntwo"),
    CASE("CR CR paragraph", "one\r\rtwo", "one\n\ntwo"),
    CASE("single newline kept", "one\ntwo", "one\ntwo"),
    CASE("blank line kept", "one\n\ntwo", "one\n\ntwo"),
    CASE("blank lines collapse", "one\n\n\n\n\ntwo", "one\n\ntwo"),
    CASE("blank lines with spaces", "one\n \n\t\n  \ntwo", "one\n\ntwo"),
    CASE("lines trimmed", "  one  \n   two   ", "one\ntwo"),
    CASE("line separator",
         "a\xe2\x80\xa8"
         "b",
         "a\nb"),
    CASE("paragraph separator",
         "a\xe2\x80\xa9"
         "b",
         "a\n\nb"),
    CASE("text trimmed", "\n\n  \t text \n\n\n", "text"),
    /* Spaces */
    CASE("space run", "a     b", "a b"),
    CASE("NBSP",
         "a\xc2\xa0"
         "b",
         "a b"),
    CASE("NBSP run",
         "a  \xc2\xa0 \xc2\xa0"
         "b",
         "a b"),
    CASE("em space and ideographic space",
         "a\xe2\x80\x83"
         "b\xe3\x80\x80"
         "c",
         "a b c"),
    CASE("narrow NBSP", "10\xe2\x80\xaf%", "10 %"),
    /* Entities */
    CASE("named entities", "&amp; &lt; &gt; &quot; &apos; &#39;", "& < > \" ' '"),
    CASE("nbsp entity", "a&nbsp;b &nbsp;&nbsp; c", "a b c"),
    CASE("typographic entities", "&mdash;&ndash;&lsquo;&rsquo;&ldquo;&rdquo;&hellip;",
         "\xe2\x80\x94\xe2\x80\x93\xe2\x80\x98\xe2\x80\x99\xe2\x80\x9c\xe2\x80\x9d"
         "\xe2\x80\xa6"),
    CASE("decimal entity", "caf&#233; it&#8217;s", "caf\xc3\xa9 it\xe2\x80\x99s"),
    CASE("hex entity", "&#xE9;&#Xe9;&#x1F600;", "\xc3\xa9\xc3\xa9\xf0\x9f\x98\x80"),
    CASE("entity leading zeros", "&#0065;&#x0041;", "AA"),
    CASE("invalid numeric entities", "&#0; &#xD800; &#x110000; &#99999999;",
         "\xef\xbf\xbd \xef\xbf\xbd \xef\xbf\xbd \xef\xbf\xbd"),
    CASE("windows-1252 numeric entities", "it&#146;s &#150; &#128;",
         "it\xe2\x80\x99s \xe2\x80\x93 \xe2\x82\xac"),
    CASE("unknown entity kept", "&unknown; &foo; &EACUTE; &Hellip;",
         "&unknown; &foo; &EACUTE; &Hellip;"),
    CASE("any HTML 4 named entity",
         "caf&eacute; Pe&ntilde;a &Eacute;cole &szlig; &alpha;",
         "caf\xc3\xa9 Pe\xc3\xb1"
         "a \xc3\x89"
         "cole \xc3\x9f \xce\xb1"),
    CASE("longest entity names", "&thetasym; &alefsym;", "\xcf\x91 \xe2\x84\xb5"),
    CASE("apostrophes as entities", "it&#8217;s it&#x2019;s R&amp;D",
         "it\xe2\x80\x99s it\xe2\x80\x99s R&D"),
    CASE("incomplete named entity kept", "caf&eacute caf&eacute",
         "caf&eacute caf&eacute"),
    CASE("malformed entities kept", "&#; &#x; &amp &#12a; & b &;",
         "&#; &#x; &amp &#12a; & b &;"),
    CASE("entity at end without ;", "fish &amp", "fish &amp"),
    CASE("too long entity kept", "&#x00000000041;", "&#x00000000041;"),
    CASE("ampersand before entity", "&&amp;", "&&"),
    CASE("entity combining mark composes", "e&#769;", "\xc3\xa9"),
    CASE("entity combining mark alone", "&#769;", "\xcc\x81"),
    CASE("entity newline and tab", "a&#10;b&#9;c", "a\nb c"),
    CASE("entity control dropped", "a&#1;b", "ab"),
    CASE("shy entity dropped", "soft&shy;ware", "software"),
    CASE_FLAGS("double-escaped entity decoded once", "&amp;lt;", "&lt;", ONCE),
    /* Invalid UTF-8: one U+FFFD per bad byte */
    CASE("bad lead byte", "bad \xff byte", "bad \xef\xbf\xbd byte"),
    CASE("F5 lead", "\xf5\x80", "\xef\xbf\xbd\xef\xbf\xbd"),
    CASE("lone continuation",
         "a\x80"
         "b",
         "a\xef\xbf\xbd"
         "b"),
    CASE("truncated at end", "trunc \xe2\x82", "trunc \xef\xbf\xbd\xef\xbf\xbd"),
    CASE("truncated in middle",
         "\xe2\x82"
         "A",
         "\xef\xbf\xbd\xef\xbf\xbd"
         "A"),
    CASE("overlong 2-byte", "\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd"),
    CASE("overlong 3-byte", "\xe0\x80\xaf", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"),
    CASE("surrogate", "\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"),
    CASE("beyond U+10FFFF", "\xf4\x90\x80\x80",
         "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"),
    CASE("max code point kept", "\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf"),
    /* Other scripts pass through; typographic characters are kept */
    CASE("greek", "\xce\x91\xce\xb8\xce\xae\xce\xbd\xce\xb1",
         "\xce\x91\xce\xb8\xce\xae\xce\xbd\xce\xb1"),
    CASE("cyrillic", "\xd0\x9c\xd0\xbe\xd1\x81\xd0\xba\xd0\xb2\xd0\xb0 \xd0\xb9",
         "\xd0\x9c\xd0\xbe\xd1\x81\xd0\xba\xd0\xb2\xd0\xb0 \xd0\xb9"),
    CASE("cjk", "\xe6\x9d\xb1\xe4\xba\xac\xe3\x81\xa7\xe3\x81\x99\xe3\x80\x82",
         "\xe6\x9d\xb1\xe4\xba\xac\xe3\x81\xa7\xe3\x81\x99\xe3\x80\x82"),
    CASE("japanese voiced kana composes", "\xe3\x81\x8b\xe3\x82\x99", "\xe3\x81\x8c"),
    CASE("korean", "\xed\x95\x9c\xea\xb5\xad\xec\x96\xb4",
         "\xed\x95\x9c\xea\xb5\xad\xec\x96\xb4"),
    CASE("arabic and hebrew",
         "\xd8\xb3\xd9\x84\xd8\xa7\xd9\x85 \xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d",
         "\xd8\xb3\xd9\x84\xd8\xa7\xd9\x85 \xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d"),
    CASE("emoji", "ok \xf0\x9f\x98\x80", "ok \xf0\x9f\x98\x80"),
    CASE("curly quotes and dashes kept",
         "\xe2\x80\x9cQuoted\xe2\x80\x9d \xe2\x80\x94 it\xe2\x80\x99s",
         "\xe2\x80\x9cQuoted\xe2\x80\x9d \xe2\x80\x94 it\xe2\x80\x99s"),
    /* Empty and blank */
    CASE("empty", "", ""),
    CASE("blank", " \n\t \r\n \xc2\xa0", ""),
    CASE("single char", "x", "x"),
    /* ASCII fast path: chunk edges, spaces at chunk starts and ends */
    CASE("ascii long", "The quick brown fox jumps over the lazy dog again and again.",
         "The quick brown fox jumps over the lazy dog again and again."),
    CASE("ascii spaces at chunk edges", "abcdefg  hijklmn   opqrstu\n  vwxyz12 ",
         "abcdefg hijklmn opqrstu\nvwxyz12"),
    CASE("ascii leading spaces", "        leading spaces then text",
         "leading spaces then text"),
    CASE("ascii entity in chunk", "abcdefg&amp;hijklmnop", "abcdefg&hijklmnop"),
    CASE("ascii DEL in chunk", "abcdefg\x7fhijklmnop", "abcdefghijklmnop"),
};

/* Runs the normalizer, fast or reference; the caller frees the result. */
static char *normalize(precis_normalizer_t *self, bool reference, const char *input,
                       size_t len, size_t *out_len)
{
    self->reference = reference;
    char *output = precis_normalizer_run(self, input, len, out_len);
    self->reference = false;
    return output;
}

/* Checks one case on both paths, and that a second pass changes nothing. */
static int check_case(precis_normalizer_t *self, const test_case_t *test, bool verbose)
{
    int failures = 0;
    size_t expected_len = strlen(test->expected);
    int paths = test->flags & FAST_ONLY ? 1 : 2;
    for (int reference = 0; reference < paths; reference++) {
        size_t len;
        char *output = normalize(self, reference, test->input, test->input_len, &len);
        if (len != expected_len || memcmp(output, test->expected, len) != 0 ||
            output[len] != 0) {
            fprintf(stderr,
                    "normalizer: case '%s' (%s path): '%.*s' gave '%s', expected '%s'\n",
                    test->name, reference ? "reference" : "fast", (int)test->input_len,
                    test->input, output, test->expected);
            failures++;
        } else if (!(test->flags & ONCE)) {
            size_t again_len;
            char *again = normalize(self, reference, output, len, &again_len);
            if (again_len != len || memcmp(again, output, len) != 0) {
                fprintf(stderr, "normalizer: case '%s' not idempotent: '%s' then '%s'\n",
                        test->name, output, again);
                failures++;
            }
            free(again);
        }
        free(output);
    }
    if (verbose && !failures)
        printf("normalizer: ok %s\n", test->name);
    return failures;
}

/* Every code point that some composition consumes must be unstable, or the
   fast path would skip an NFC step: checked against utf8proc's own data. */
static int test_stable_rule(precis_normalizer_t *self)
{
    int failures = 0;
    for (int32_t codepoint = 0x80; codepoint < MEMO_END; codepoint++) {
        utf8proc_int32_t parts[8];
        int boundclass = 0;
        utf8proc_ssize_t count =
            utf8proc_decompose_char(codepoint, parts, 8, UTF8PROC_DECOMPOSE, &boundclass);
        if (count < 2 || count > 8)
            continue;
        utf8proc_int32_t composed[8];
        memcpy(composed, parts, sizeof composed);
        if (utf8proc_normalize_utf32(composed, count, NFC_OPTIONS) != 1)
            continue;
        for (utf8proc_ssize_t i = 1; i < count; i++)
            if (kind_of(self, parts[i]) == KIND_PLAIN) {
                fprintf(stderr, "normalizer: U+%04X composes into U+%04X but is stable\n",
                        (unsigned)parts[i], (unsigned)codepoint);
                failures++;
            }
    }
    return failures;
}

/* A small deterministic generator, so that failures repeat. */
static uint32_t next_random(uint32_t *state)
{
    *state = *state * 1664525u + 1013904223u;
    return *state >> 8;
}

/* Random texts from pieces that stress the edges: the fast path must give
   what the reference (no chunks, NFC over the whole text) gives, and the
   result must be valid UTF-8 and stable under a second pass. */
static int test_random(precis_normalizer_t *self, bool ascii_only)
{
    static const char *ascii_pieces[] = {
        "word",    " ",  "  ",        "\t",    "\n",   "\n\n",
        "\r\n",    "\r", "sentence.", "&amp;", "&lt;", "&#65;",
        "&bogus;", "&",  "x",         "\x01",  "\x7f", "longerwordhere",
        "  \n ",
    };
    static const char *mixed_pieces[] = {
        "word",
        " ",
        "\n",
        "\n\n",
        "e",
        "\xcc\x81",
        "\xcc\xa3",
        "\xc3\xa9",
        "\xc3\xbc",
        "\xe1\x84\x92",
        "\xe1\x85\xa1",
        "\xe1\x86\xab",
        "\xed\x95\x98",
        "\xce\xac",
        "\xd0\xb9",
        "\xe6\x9d\xb1",
        "\xe2\x84\xab",
        "\xe0\xa5\x98",
        "\xe2\x80\x8b",
        "\xc2\xa0",
        "\xff",
        "\xe2\x82",
        "\xed\xa0\x80",
        "&nbsp;",
        "&#769;",
        "&#x1100;",
        "\xe3\x82\x99",
        "\xe3\x81\x8b",
        "\xe0\xad\x87",
        "\xe0\xac\xbe",
        "\xe2\x80\xa9",
        "plainascii text ",
    };
    const char **pieces = ascii_only ? ascii_pieces : mixed_pieces;
    size_t piece_count = ascii_only ? sizeof ascii_pieces / sizeof ascii_pieces[0]
                                    : sizeof mixed_pieces / sizeof mixed_pieces[0];
    uint32_t state = ascii_only ? 1 : 2;
    char text[512];
    int failures = 0;
    for (int round = 0; round < 2000 && failures < 5; round++) {
        size_t len = 0, count = next_random(&state) % 40;
        for (size_t i = 0; i < count; i++) {
            const char *piece = pieces[next_random(&state) % piece_count];
            size_t size = strlen(piece);
            if (len + size >= sizeof text)
                break;
            memcpy(text + len, piece, size);
            len += size;
        }
        size_t fast_len, reference_len, again_len;
        char *fast = normalize(self, false, text, len, &fast_len);
        char *reference = normalize(self, true, text, len, &reference_len);
        char *again = normalize(self, false, fast, fast_len, &again_len);
        if (fast_len != reference_len || memcmp(fast, reference, fast_len) != 0 ||
            !precis_utf8_valid(fast, fast_len) || again_len != fast_len ||
            memcmp(again, fast, fast_len) != 0) {
            fprintf(stderr,
                    "normalizer: random %s case %d: '%.*s' gave '%s', reference '%s', "
                    "again '%s'\n",
                    ascii_only ? "ascii" : "mixed", round, (int)len, text, fast,
                    reference, again);
            failures++;
        }
        free(fast);
        free(reference);
        free(again);
    }
    return failures;
}

/* A text larger than the kept buffer, then a small one: growth and release. */
static int test_large(precis_normalizer_t *self)
{
    size_t size = KEEP_CAPACITY + 1000;
    char *text = malloc(size);
    assert(text);
    for (size_t i = 0; i < size; i++)
        text[i] = i % 100 == 99 ? '\n'
                                : "\xff"
                                  "ab cd"[i % 6];
    size_t len;
    char *output = precis_normalizer_run(self, text, size, &len);
    int failures = !precis_utf8_valid(output, len) || len < size;
    free(output);
    free(text);
    output = precis_normalizer_run(self, " small ", 7, &len);
    failures += len != 5 || strcmp(output, "small") != 0;
    free(output);
    if (failures)
        fprintf(stderr, "normalizer: large input wrong\n");
    return failures;
}

int precis_normalizer_test(bool verbose)
{
    int failures = 0;
    precis_normalizer_t *self = precis_normalizer_new();
    size_t case_count = sizeof test_cases / sizeof test_cases[0];
    for (size_t i = 0; i < case_count; i++)
        failures += check_case(self, &test_cases[i], verbose);
    size_t len;
    char *output = precis_normalizer_run(self, NULL, 0, &len);
    failures += len != 0 || output[0] != 0;
    free(output);
    failures += test_stable_rule(self);
    failures += test_random(self, true);
    failures += test_random(self, false);
    failures += test_large(self);
    precis_normalizer_destroy(&self);
    if (verbose)
        printf("normalizer: %zu cases and 4 checks, %d failures\n", case_count, failures);
    return failures;
}
