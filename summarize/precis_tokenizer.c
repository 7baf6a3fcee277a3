/*  precis_tokenizer - word tokens for matching sentences against each other.

    The scanner reads one code point at a time, classifies it (ASCII through
    a table, the rest through utf8proc_category) and appends its casefolded
    form to a buffer owned by the tokenizer, so a token costs no allocation.

    A code point of a script written without spaces (precis_wordbreak_script)
    starts a run of such code points, which goes to ICU's word break
    iterator (precis_wordbreak) as a whole; its words are then handed out
    one per call. The tokenizer remembers the run and the end of the last
    word it gave, so that the next call, which starts there, takes the next
    word from the iterator instead of segmenting the run again. Text without
    such scripts never reaches ICU and costs one comparison per non-ASCII
    code point more than before.
*/
#include "precis_tokenizer.h"
#include "precis_utf8.h"
#include "precis_wordbreak.h"
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* What a code point is to the scanner. */
typedef enum {
    CLASS_SEPARATOR,
    CLASS_LETTER,
    CLASS_DIGIT,
    CLASS_MARK,        /* combining mark: continues a token, never starts one */
    CLASS_WORD_JOIN,   /* apostrophe, hyphen: kept between letters or digits */
    CLASS_NUMBER_JOIN, /* point, comma: kept between digits */
    CLASS_SEGMENTED    /* script without spaces: its runs are segmented by ICU */
} char_class_t;

struct _precis_tokenizer_t {
    char folded[PRECIS_TOKEN_MAX + 8]; /* the current token's folded form */
    precis_wordbreak_t *wordbreak;     /* opened at the first run that needs it */
    bool wordbreak_failed;             /* ICU could not open it: runs are one token */
    /* The run being segmented: text[run_start..run_end) of the caller's
       text, and where its next word is expected (the end of the last). */
    const char *run_text;
    size_t run_text_len, run_start, run_end, run_resume;
};

precis_tokenizer_t *precis_tokenizer_new(void)
{
    precis_tokenizer_t *self = calloc(1, sizeof *self);
    assert(self);
    return self;
}

void precis_tokenizer_destroy(precis_tokenizer_t **self_p)
{
    assert(self_p);
    if (*self_p) {
        precis_wordbreak_destroy(&(*self_p)->wordbreak);
        free(*self_p);
        *self_p = NULL;
    }
}

/* Decodes the code point at text[pos]; stores its byte length in *size_p.
   Invalid bytes decode as -1 with size 1. */
static inline int32_t decode(const char *text, size_t len, size_t pos, size_t *size_p)
{
    int32_t codepoint;
    size_t size = precis_utf8_decode(text + pos, len - pos, &codepoint);
    *size_p = size ? size : 1;
    return size ? codepoint : -1;
}

/* Folds typographic quotes and dashes to ASCII, as the normalizer defines
   it, plus the modifier apostrophe (U+02BC) that some sources use. */
static int32_t fold(int32_t codepoint)
{
    if (codepoint < 0x80)
        return codepoint;
    if (codepoint == 0x02BC)
        return '\'';
    return precis_fold_codepoint(codepoint);
}

/* Classes of the ASCII characters. */
static const uint8_t ascii_class[128] = {
    ['a' ... 'z'] = CLASS_LETTER, ['A' ... 'Z'] = CLASS_LETTER,
    ['0' ... '9'] = CLASS_DIGIT,  ['\''] = CLASS_WORD_JOIN,
    ['-'] = CLASS_WORD_JOIN,      ['.'] = CLASS_NUMBER_JOIN,
    [','] = CLASS_NUMBER_JOIN,
};

static char_class_t classify(int32_t codepoint)
{
    if (codepoint < 0)
        return CLASS_SEPARATOR;
    if (codepoint >= 0x0E00 && precis_wordbreak_script(codepoint))
        return CLASS_SEGMENTED;
    if (codepoint < 0x80) {
        if ((codepoint >= 'a' && codepoint <= 'z') ||
            (codepoint >= 'A' && codepoint <= 'Z'))
            return CLASS_LETTER;
        if (codepoint >= '0' && codepoint <= '9')
            return CLASS_DIGIT;
        if (codepoint == '\'' || codepoint == '-')
            return CLASS_WORD_JOIN;
        if (codepoint == '.' || codepoint == ',')
            return CLASS_NUMBER_JOIN;
        return CLASS_SEPARATOR;
    }
    switch (utf8proc_category(codepoint)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
        return CLASS_LETTER;
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
        return CLASS_DIGIT;
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
        return CLASS_MARK;
    default:
        return CLASS_SEPARATOR;
    }
}

/* Reads the code point at text[pos], folded, with its class and size.
   ASCII, nearly all of news text, goes through the table only. */
static inline int32_t next_char(const char *text, size_t len, size_t pos, size_t *size_p,
                                char_class_t *class_p)
{
    unsigned char byte = (unsigned char)text[pos];
    if (byte < 0x80) {
        *size_p = 1;
        *class_p = (char_class_t)ascii_class[byte];
        return byte;
    }
    int32_t codepoint = fold(decode(text, len, pos, size_p));
    *class_p = classify(codepoint);
    return codepoint;
}

static bool is_upper(int32_t codepoint)
{
    if (codepoint < 0x80)
        return codepoint >= 'A' && codepoint <= 'Z';
    utf8proc_category_t category = utf8proc_category(codepoint);
    return category == UTF8PROC_CATEGORY_LU || category == UTF8PROC_CATEGORY_LT;
}

/* Appends the casefolded form of codepoint to the token buffer at *used_p,
   unless the buffer is full (the token is then cut). */
static void append_folded(precis_tokenizer_t *self, int32_t codepoint, size_t *used_p)
{
    if (codepoint < 0x80) {
        if (*used_p < PRECIS_TOKEN_MAX) {
            if (codepoint >= 'A' && codepoint <= 'Z')
                codepoint += 'a' - 'A';
            self->folded[(*used_p)++] = (char)codepoint;
        }
        return;
    }
    utf8proc_int32_t chars[8];
    utf8proc_ssize_t count =
        utf8proc_decompose_char(codepoint, chars, 8, UTF8PROC_CASEFOLD, NULL);
    if (count < 0 || count > 8) {
        chars[0] = codepoint;
        count = 1;
    }
    for (utf8proc_ssize_t i = 0; i < count; i++) {
        utf8proc_uint8_t bytes[4];
        utf8proc_ssize_t size = utf8proc_encode_char(chars[i], bytes);
        if (*used_p + (size_t)size > PRECIS_TOKEN_MAX)
            return;
        memcpy(self->folded + *used_p, bytes, (size_t)size);
        *used_p += (size_t)size;
    }
}

/* True when the code point at text[pos] is a letter or digit. */
static bool word_char_at(const char *text, size_t len, size_t pos, bool digit_only)
{
    if (pos >= len)
        return false;
    size_t size;
    char_class_t class;
    next_char(text, len, pos, &size, &class);
    return digit_only ? class == CLASS_DIGIT
                      : class == CLASS_LETTER || class == CLASS_DIGIT;
}

/* ASCII letters and digits, folded; zero for every other byte. */
static const char ascii_word[256] = {
#define LOWER(c) [c] = c, [c - 'a' + 'A'] = c
    LOWER('a'),  LOWER('b'),  LOWER('c'),  LOWER('d'),  LOWER('e'),  LOWER('f'),
    LOWER('g'),  LOWER('h'),  LOWER('i'),  LOWER('j'),  LOWER('k'),  LOWER('l'),
    LOWER('m'),  LOWER('n'),  LOWER('o'),  LOWER('p'),  LOWER('q'),  LOWER('r'),
    LOWER('s'),  LOWER('t'),  LOWER('u'),  LOWER('v'),  LOWER('w'),  LOWER('x'),
    LOWER('y'),  LOWER('z'),
#undef LOWER
    ['0'] = '0', ['1'] = '1', ['2'] = '2', ['3'] = '3', ['4'] = '4', ['5'] = '5',
    ['6'] = '6', ['7'] = '7', ['8'] = '8', ['9'] = '9',
};

/* Appends the run of ASCII letters and digits at text[pos..len), folded,
   to folded[*used_p..) while it holds fewer than PRECIS_TOKEN_MAX bytes;
   sets *has_letter_p when the run has a letter. Returns the run's end.
   Letters have bit 0x40 set and digits do not, so one OR over the bytes
   tells whether there was a letter; with few variables the loop keeps
   them in registers. */
static inline size_t ascii_run(char *folded, size_t *used_p, const char *text, size_t len,
                               size_t pos, bool *has_letter_p)
{
    const unsigned char *p = (const unsigned char *)text + pos;
    const unsigned char *end = (const unsigned char *)text + len;
    size_t used = *used_p, room = PRECIS_TOKEN_MAX - used;
    const unsigned char *stop = (size_t)(end - p) < room ? end : p + room;
    char *out = folded + used;
    unsigned bits = 0;
    while (p < stop && ascii_word[*p]) {
        bits |= *p;
        *out++ = ascii_word[*p++];
    }
    *used_p = (size_t)(out - folded);
    while (p < end && ascii_word[*p]) /* past the cut */
        bits |= *p++;
    *has_letter_p |= (bits & 0x40) != 0;
    return (size_t)(p - (const unsigned char *)text);
}

/* Fills token with text[start..start + len), a word of a script without
   spaces: no case to fold, so the folded form is the text itself (cut at a
   character boundary when too long). */
static void segmented_token(precis_tokenizer_t *self, const char *text, size_t start,
                            size_t len, bool has_letter, precis_token_t *token)
{
    size_t used = len;
    if (used > PRECIS_TOKEN_MAX) {
        used = PRECIS_TOKEN_MAX;
        while (used > 0 && ((unsigned char)text[start + used] & 0xC0) == 0x80)
            used--;
    }
    memcpy(self->folded, text + start, used);
    self->folded[used] = '\0';
    token->start = (uint32_t)start;
    token->len = (uint32_t)len;
    token->folded = self->folded;
    token->folded_len = (uint32_t)used;
    token->has_letter = has_letter;
    token->upper_initial = false;
    token->segmented = true;
}

/* The next word of the current run, from the end of the last one. Returns
   false when the run has no more words; *pos_p is then the run's end. */
static bool run_word(precis_tokenizer_t *self, const char *text, size_t *pos_p,
                     precis_token_t *token)
{
    size_t start, len;
    precis_word_kind_t kind;
    if (!precis_wordbreak_next(self->wordbreak, &start, &len, &kind)) {
        *pos_p = self->run_end;
        self->run_text = NULL;
        return false;
    }
    start += self->run_start;
    segmented_token(self, text, start, len, kind == PRECIS_WORD_LETTER, token);
    self->run_resume = *pos_p = start + len;
    return true;
}

/* Starts the run of a script without spaces at text[pos]: it goes on over
   code points of such scripts and the combining marks after them. Returns
   its first word as run_word does. Without ICU the run is one token. */
static bool open_run(precis_tokenizer_t *self, const char *text, size_t len, size_t pos,
                     size_t *pos_p, precis_token_t *token)
{
    size_t end = pos, size;
    char_class_t class;
    while (end < len && (unsigned char)text[end] >= 0x80) {
        next_char(text, len, end, &size, &class);
        if (class != CLASS_SEGMENTED && class != CLASS_MARK)
            break;
        end += size;
    }
    if (!self->wordbreak && !self->wordbreak_failed) {
        self->wordbreak = precis_wordbreak_new();
        self->wordbreak_failed = !self->wordbreak;
    }
    if (!self->wordbreak ||
        !precis_wordbreak_set(self->wordbreak, text + pos, end - pos)) {
        segmented_token(self, text, pos, end - pos, true, token);
        *pos_p = end;
        return true;
    }
    self->run_text = text;
    self->run_text_len = len;
    self->run_start = pos;
    self->run_end = end;
    return run_word(self, text, pos_p, token);
}

/* Any token: the general scanner. */
__attribute__((noinline)) static bool next_general(precis_tokenizer_t *self,
                                                   const char *text, size_t len,
                                                   size_t *pos_p, precis_token_t *token)
{
    size_t pos = *pos_p, size = 0;
    /* Inside a run: the call that follows the run's last word goes on. */
    if (self->run_text == text && self->run_text_len == len && pos == self->run_resume &&
        pos > self->run_start && pos < self->run_end) {
        if (run_word(self, text, pos_p, token))
            return true;
        pos = *pos_p;
    }
    int32_t codepoint = 0;
    char_class_t class = CLASS_SEPARATOR;
    /* Skip to the first letter or digit; ASCII through the table alone. */
    while (pos < len) {
        unsigned char byte = (unsigned char)text[pos];
        if (byte < 0x80) {
            if (ascii_word[byte]) {
                codepoint = byte;
                break;
            }
            pos++;
            continue;
        }
        codepoint = next_char(text, len, pos, &size, &class);
        if (class == CLASS_LETTER || class == CLASS_DIGIT)
            break;
        if (class == CLASS_SEGMENTED) {
            if (open_run(self, text, len, pos, pos_p, token))
                return true;
            pos = *pos_p;
            continue;
        }
        pos += size;
    }
    if (pos >= len) {
        *pos_p = len;
        return false;
    }
    size_t start = pos, used = 0;
    bool has_letter = false;
    token->upper_initial = is_upper(codepoint);
    char_class_t previous = CLASS_SEPARATOR;
    for (;;) {
        /* A run of ASCII letters and digits, most of any token. */
        size_t run = pos;
        pos = ascii_run(self->folded, &used, text, len, pos, &has_letter);
        if (pos > run)
            previous = (unsigned char)text[pos - 1] > '9' ? CLASS_LETTER : CLASS_DIGIT;
        if (pos >= len)
            break;
        /* Anything else: a letter, digit or mark outside ASCII, or a joiner
           kept between the right neighbours. */
        codepoint = next_char(text, len, pos, &size, &class);
        if (class == CLASS_LETTER || class == CLASS_DIGIT || class == CLASS_MARK)
            has_letter |= class == CLASS_LETTER;
        else if (!(class == CLASS_WORD_JOIN && previous != CLASS_SEPARATOR &&
                   word_char_at(text, len, pos + size, false)) &&
                 !(class == CLASS_NUMBER_JOIN && previous == CLASS_DIGIT &&
                   word_char_at(text, len, pos + size, true)))
            break;
        append_folded(self, codepoint, &used);
        previous = class == CLASS_MARK ? previous : class;
        pos += size;
    }
    self->folded[used] = '\0';
    token->segmented = false;
    token->has_letter = has_letter;
    token->start = (uint32_t)start;
    token->len = (uint32_t)(pos - start);
    token->folded = self->folded;
    token->folded_len = (uint32_t)used;
    *pos_p = pos;
    return true;
}

#ifdef __SSE2__
/* The ASCII letters and digits at the start of the sixteen bytes at p
   (SSE2, every x86-64): all sixteen are stored folded at out, and the
   count of those that belong to the run returned. Signed compares leave
   bytes from 0x80 up out of both ranges. */
static inline size_t sse2_run(char *out, const unsigned char *p, bool *has_letter_p)
{
    __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i case_bit = _mm_set1_epi8(0x20), lower = _mm_or_si128(x, case_bit);
    __m128i letter = _mm_and_si128(_mm_cmpgt_epi8(lower, _mm_set1_epi8('a' - 1)),
                                   _mm_cmplt_epi8(lower, _mm_set1_epi8('z' + 1)));
    __m128i digit = _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8('0' - 1)),
                                  _mm_cmplt_epi8(x, _mm_set1_epi8('9' + 1)));
    uint32_t word = (uint32_t)_mm_movemask_epi8(_mm_or_si128(letter, digit));
    size_t n = (size_t)__builtin_ctz(~word); /* at most 16 */
    _mm_storeu_si128((__m128i *)(void *)out,
                     _mm_or_si128(x, _mm_and_si128(letter, case_bit)));
    uint32_t letters = (uint32_t)_mm_movemask_epi8(letter) & ((1u << n) - 1);
    *has_letter_p |= letters != 0;
    return n;
}
#endif

/* The end of next_ascii's token, whose ASCII run is text[start..end),
   folded in self->folded[0..used): true with the token filled in, or
   false, having changed nothing, when the byte after it needs the general
   scanner. */
static inline bool ascii_token(precis_tokenizer_t *self, const unsigned char *bytes,
                               size_t len, size_t start, size_t end, size_t used,
                               bool has_letter, size_t *pos_p, precis_token_t *token)
{
    if (end < len && bytes[end] != ' ') { /* a space, the common end, ends it */
        unsigned char after = bytes[end];
        if (after >= 0x80)
            return false;
        if (after == '.' || after == ',') {
            if (bytes[end - 1] <= '9') /* after a digit: maybe "3.5" */
                return false;
        } else if (after == '\'' || after == '-') {
            if (end + 1 < len && (bytes[end + 1] >= 0x80 || ascii_word[bytes[end + 1]]))
                return false;
        }
    }
    self->folded[used] = '\0';
    token->start = (uint32_t)start;
    token->len = (uint32_t)(end - start);
    token->folded = self->folded;
    token->folded_len = (uint32_t)used;
    token->has_letter = has_letter;
    token->upper_initial = bytes[start] >= 'A' && bytes[start] <= 'Z';
    token->segmented = false;
    *pos_p = end;
    return true;
}

/* next_ascii's token when it does not end within sixteen bytes of its
   start (the text's last bytes, or a long word): byte by byte from start;
   else the general scanner's. Out of line, so that the common path saves
   no registers, and with six arguments, all in registers. */
static __attribute__((noinline)) bool ascii_long(precis_tokenizer_t *self,
                                                 const char *text, size_t len,
                                                 size_t start, size_t *pos_p,
                                                 precis_token_t *token)
{
    size_t used = 0;
    bool has_letter = false;
    size_t end = ascii_run(self->folded, &used, text, len, start, &has_letter);
    if (ascii_token(self, (const unsigned char *)text, len, start, end, used, has_letter,
                    pos_p, token))
        return true;
    return next_general(self, text, len, pos_p, token);
}

/* The common token, read without the general scanner's set-up: ASCII
   letters and digits after ASCII separators, ended by the end of the text
   or by an ASCII byte that the general scanner would end it at too. A
   joiner ends it when it joins nothing: a point or comma after a letter,
   an apostrophe or hyphen before an ASCII byte that is no letter or digit.
   Anything else goes to the general scanner. Every call here is a tail
   call, so that the common path needs no register saved (10 instructions a
   token less, callgrind). */
static inline bool next_ascii(precis_tokenizer_t *self, const char *text, size_t len,
                              size_t *pos_p, precis_token_t *token)
{
    const unsigned char *bytes = (const unsigned char *)text;
    size_t start = *pos_p;
    while (start < len && bytes[start] < 0x80 && !ascii_word[bytes[start]])
        start++;
    if (start == len) {
        *pos_p = len;
        return false;
    }
    if (bytes[start] >= 0x80)
        return next_general(self, text, len, pos_p, token);
#ifdef __SSE2__
    /* Sixteen bytes at once where the text has them: most words end there. */
    if (len - start >= 16) {
        bool has_letter = false;
        size_t used = sse2_run(self->folded, bytes + start, &has_letter);
        if (used < 16) {
            if (ascii_token(self, bytes, len, start, start + used, used, has_letter,
                            pos_p, token))
                return true;
            return next_general(self, text, len, pos_p, token);
        }
    }
#endif
    return ascii_long(self, text, len, start, pos_p, token);
}

/* Not inlined into the self test, where GCC would see sse2_run's load on
   short constant strings behind a length test it does not follow. */
__attribute__((noinline)) bool precis_tokenizer_next(precis_tokenizer_t *self,
                                                     const char *text, size_t len,
                                                     size_t *pos_p, precis_token_t *token)
{
    assert(self && token);
    if (self->run_text != text) /* not inside a run of a script without spaces */
        return next_ascii(self, text, len, pos_p, token);
    return next_general(self, text, len, pos_p, token);
}

size_t precis_tokenizer_count(precis_tokenizer_t *self, const char *text, size_t len)
{
    size_t pos = 0, count = 0;
    precis_token_t token;
    while (precis_tokenizer_next(self, text, len, &pos, &token))
        count++;
    return count;
}

/* Tokenizes text and compares the folded forms, joined by '|', with expected. */
static int check(precis_tokenizer_t *self, const char *text, const char *expected,
                 bool verbose)
{
    char joined[512] = "";
    size_t pos = 0, used = 0;
    precis_token_t token;
    while (precis_tokenizer_next(self, text, strlen(text), &pos, &token)) {
        used += (size_t)snprintf(joined + used, sizeof joined - used, "%s%s",
                                 used ? "|" : "", token.folded);
        if (used >= sizeof joined)
            break;
    }
    if (strcmp(joined, expected) == 0)
        return 0;
    if (verbose)
        printf("tokenizer: \"%s\" gave \"%s\", expected \"%s\"\n", text, joined,
               expected);
    return 1;
}

int precis_tokenizer_test(bool verbose)
{
    precis_tokenizer_t *self = precis_tokenizer_new();
    int failures = 0;
    failures += check(self, "", "", verbose);
    failures += check(self, "  ... --- ", "", verbose);
    failures += check(self, "The Cat sat.", "the|cat|sat", verbose);
    failures += check(self, "Don't stop-and-go 'quoted' words-",
                      "don't|stop-and-go|quoted|words", verbose);
    failures += check(self, "It\xe2\x80\x99s the council\xe2\x80\x99s plan",
                      "it's|the|council's|plan", verbose);
    failures += check(self, "Prices rose 3.5% to 1,200 units, then 7.",
                      "prices|rose|3.5|to|1,200|units|then|7", verbose);
    failures += check(self,
                      "STRA\xc3\x9f"
                      "E \xc3\x89t\xc3\xa9 \xc3\x9c"
                      "ber",
                      "strasse|\xc3\xa9t\xc3\xa9|\xc3\xbc"
                      "ber",
                      verbose);
    failures += check(self, "\xce\x91\xce\xb8\xce\xae\xce\xbd\xce\xb1 2004",
                      "\xce\xb1\xce\xb8\xce\xae\xce\xbd\xce\xb1|2004", verbose);
    failures += check(self, "bad \xff byte", "bad|byte", verbose);
    /* Scripts without spaces: dictionary words, not whole clauses. */
    failures +=
        check(self, "北京地铁新线路今天开通。", "北京|地铁|新|线路|今天|开通", verbose);
    failures += check(self, "iPhone 15在北京发布", "iphone|15|在|北京|发布", verbose);
    failures +=
        check(self, "iPhone15在北京，Apple说", "iphone15|在|北京|apple|说", verbose);
    failures += check(self, "東京の地下鉄、JRの駅。", "東京|の|地下鉄|jr|の|駅", verbose);
    failures +=
        check(self, "รถไฟฟ้าเปิดสายใหม่ในกรุงเทพ", "รถไฟฟ้า|เปิด|สาย|ใหม่|ใน|กรุงเทพ", verbose);
    failures += check(self, "stop-北京 «上海» 2024年", "stop|北京|上海|2024|年", verbose);
    /* Spans and flags. */
    const char *text = "  Hello world9 2024";
    size_t pos = 0;
    precis_token_t token;
    bool ok = precis_tokenizer_next(self, text, strlen(text), &pos, &token) &&
              token.start == 2 && token.len == 5 && token.upper_initial &&
              token.has_letter;
    ok = ok && precis_tokenizer_next(self, text, strlen(text), &pos, &token) &&
         token.start == 8 && token.len == 6 && !token.upper_initial && token.has_letter;
    ok = ok && precis_tokenizer_next(self, text, strlen(text), &pos, &token) &&
         !token.has_letter;
    ok = ok && !precis_tokenizer_next(self, text, strlen(text), &pos, &token);
    ok = ok && precis_tokenizer_count(self, text, strlen(text)) == 3;
    if (!ok) {
        failures++;
        if (verbose)
            printf("tokenizer: spans or flags wrong\n");
    }
    /* Segmented words: spans, flags, and a run read from its middle. */
    text = "地铁 Metro";
    pos = 0;
    ok = precis_tokenizer_next(self, text, strlen(text), &pos, &token) &&
         token.start == 0 && token.len == 6 && token.segmented && token.has_letter &&
         !token.upper_initial;
    ok = ok && precis_tokenizer_next(self, text, strlen(text), &pos, &token) &&
         token.start == 7 && !token.segmented && token.upper_initial;
    text = "北京地铁";
    pos = 3; /* at 京: a new run starts there */
    ok = ok && precis_tokenizer_next(self, text, strlen(text), &pos, &token) &&
         token.start == 3 && token.segmented;
    ok = ok && precis_tokenizer_count(self, "北京地铁新线路今天开通。", 36) == 6;
    if (!ok) {
        failures++;
        if (verbose)
            printf("tokenizer: segmented spans or flags wrong\n");
    }
    /* Very long tokens are cut but still spanned whole. */
    char long_word[400];
    memset(long_word, 'a', sizeof long_word - 1);
    long_word[sizeof long_word - 1] = '\0';
    pos = 0;
    if (!precis_tokenizer_next(self, long_word, strlen(long_word), &pos, &token) ||
        token.folded_len != PRECIS_TOKEN_MAX || token.len != sizeof long_word - 1) {
        failures++;
        if (verbose)
            printf("tokenizer: long token not cut\n");
    }
    /* A letter past the cut still makes the token a word, not a number. */
    memset(long_word, '7', sizeof long_word - 1);
    long_word[sizeof long_word - 2] = 'x';
    pos = 0;
    bool word = precis_tokenizer_next(self, long_word, strlen(long_word), &pos, &token) &&
                token.has_letter && token.folded_len == PRECIS_TOKEN_MAX;
    long_word[sizeof long_word - 2] = '7';
    pos = 0;
    bool number =
        precis_tokenizer_next(self, long_word, strlen(long_word), &pos, &token) &&
        !token.has_letter;
    if (!word || !number) {
        failures++;
        if (verbose)
            printf("tokenizer: a long token's letters or digits miscounted\n");
    }
    /* A segmented word too long to keep is cut between characters: one
       of four bytes, then three-byte ones, leaves 118 bytes. */
    char long_run[4 + 49 * 3 + 1] = "\xf0\xa0\x80\x80"; /* U+20000 */
    for (int i = 0; i < 49; i++)
        strcat(long_run, "\xe3\x82\xa2"); /* ア */
    segmented_token(self, long_run, 0, strlen(long_run), true, &token);
    if (token.len != strlen(long_run) || token.folded_len != 118 ||
        strlen(token.folded) != 118) {
        failures++;
        if (verbose)
            printf("tokenizer: long segmented word not cut at a character\n");
    }
    precis_tokenizer_destroy(&self);
    return failures ? 1 : 0;
}
