/*  precis_splitter - sentence boundary detection for news text.

    One pass over the bytes. Only a few bytes can end a sentence or start a
    list item (. ! ? ( ) : ; newline, and the lead bytes of … 。 ！ ？ • ⁃,
    of the sentence ends of other scripts and of the Unicode line
    separators), so the scan skips everything else through a table. At each
    candidate the splitter looks at a bounded window: the token before the
    terminal (abbreviation? initial? number?), the closing quotes and
    brackets after it, and the first word after it (lower case? a common
    sentence starter? a speaker?). Abbreviations, sentence starters, speech
    verbs and ordinal nouns come from precis_abbrev, per language or all
    languages together. The only allocation is the growing span array.

    Rules, in short:
    - . ! ? … end a sentence when followed by white space and then a word that
      does not start in lower case, a comma or a semicolon; closing quotes
      and brackets after the terminal belong to the sentence.
    - Titles (Mr. Dr. Sra. Dott. проф. ...), e.g., bzw., and single-letter
      initials never end a sentence; "No.", "SEC." and friends do not before
      a number; "3. Oktober" and "1. -3. Jahrhundert" are ordinals.
    - Abbreviations that often end a sentence (U.S., Inc., Jan., a.m., usw.)
      end one only before a common sentence starter ("The", "Millions",
      "Hvad"...) and when the sentence has a few words, so "the U.S. Senate"
      stays whole but "in the U.S. How about you?" splits.
    - A quotation ending in ? or ! followed by a capitalised speaker and a
      speech verb ('"Why?" Mayor Ortiz asked.') is one sentence. Sentences
      inside « » and „ “ quotations (and, for languages other than English,
      any quotation) that close soon stay with the quotation.
    - Ellipses end a sentence only before a capitalised word other than "I".
    - Numbered, lettered, Roman and bulleted list items are sentences of
      their own.
    - A blank line always ends a sentence. A single line break ends one when
      the next line starts a list item, when both lines are short without
      final punctuation (headings, lists), after terminal punctuation, or
      after a line that starts with a label ("READ MORE: ...", "Watch: ...")
      when the next line is capitalised; hard-wrapped running text stays
      whole.
    - Sentences glued without a space ("community.Dr Venter",
      "domestique.Élus", "Tuesday.Mr. Smith") are split, but not file names,
      domains, addresses or "e.g.X"; footnote marks glued to a period
      ("consultation.11 12 Take") stay with the sentence before.
    - CJK full stops, ؟ ۔ । ॥ ։ ። ፧ ။, the Armenian ":" and the Greek ";"
      end a sentence wherever they are (not inside 《 》 titles).
*/
#define _GNU_SOURCE /* memrchr */
#include "precis_splitter.h"
#include "precis_abbrev.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* How far the splitter looks around a candidate boundary, in bytes. */
#define TOKEN_WINDOW     64
#define LOOKAHEAD_WINDOW 64
#define GLUE_WINDOW      256
#define QUOTE_WINDOW     1024
/* An open parenthesis holds back a sentence end only when its ")" comes
   within this many bytes, so that a stray "(" glues nothing together. */
#define PAREN_WINDOW 200
/* The longest elided word before an apostrophe: "dell'", "nell'". */
#define MAX_ELISION 4
/* How far a quotation may run on after a terminal inside it, in bytes. */
#define QUOTE_CLOSE_WINDOW 300
/* Capitalised words between a quotation and its speech verb. */
#define MAX_SPEAKER_WORDS 4
/* Footnote marks after a period, "consultation.11 12 Take". */
#define MAX_FOOTNOTE_MARKS 4
/* Lines are measured back and ahead this far, in bytes. */
#define LINE_WINDOW 512
/* A heading or list line has at most this many words and no final
   punctuation; a hard-wrapped line that goes on before a capital has at
   least WRAP_MIN_WORDS. */
#define SHORT_LINE_WORDS 8
#define WRAP_MIN_WORDS   6
/* Sentences ending in an ambiguous abbreviation need this many words. */
#define MIN_WORDS_BEFORE_ABBREVIATION 4

typedef enum { NEXT_NONE, NEXT_LOWER, NEXT_UPPER, NEXT_DIGIT, NEXT_OTHER } next_case_t;
typedef enum { RUN_PERIOD, RUN_EXCLAIM, RUN_ELLIPSIS } run_kind_t;
typedef enum { LIST_NUMBER, LIST_ALPHA, LIST_ROMAN } list_kind_t;

/* What follows a candidate boundary. */
typedef struct {
    next_case_t kind;
    char word[48]; /* the next word, lower-cased, NUL-terminated */
    size_t word_len;
    size_t letters; /* its length in characters */
    size_t first;   /* where the first character after the white space is */
} lookahead_t;

typedef struct {
    const char *text;
    size_t len;
    const precis_abbrev_lang_t *lang; /* word lists, neutral when unknown */
    unsigned lang_flags;
    size_t start; /* start of the current sentence */
    precis_span_t *spans;
    size_t count;
    size_t cap;
    /* Whether the current sentence has a letter or digit yet, and how far it
       was checked, so that the check is linear over the whole text. */
    bool has_alnum;
    size_t alnum_checked;
    /* A run of punctuation where the last look-ahead gave up. */
    size_t punctuation_from;
    size_t punctuation_until;
    int paren_depth;
    /* Straight double quotes counted since the last line break, up to
       quotes_checked: whether a glued '"' opens or closes a quotation. */
    size_t quotes;
    size_t quotes_checked;
    /* The list being read: next expected ordinal (0 when none), letters or
       numbers, and the marker form ('.', ')', ']' for ".)", '(' for "(2)"). */
    int list_next;
    list_kind_t list_kind;
    char list_form;
} splitter_t;

/* Capitalised words that follow a time ("at 3 p.m. Monday", "5 a.m. GMT")
   without a sentence end between them. */
static const char *s_time_followers[] = {
    "apr",     "april",    "aug",       "august",   "bst",       "cdt",     "cest",
    "cet",     "cst",      "ct",        "dec",      "december",  "eastern", "edt",
    "est",     "et",       "feb",       "february", "friday",    "gmt",     "jan",
    "january", "jul",      "july",      "jun",      "june",      "local",   "mar",
    "march",   "may",      "mdt",       "monday",   "mountain",  "mst",     "mt",
    "nov",     "november", "oct",       "october",  "pacific",   "pdt",     "pst",
    "pt",      "saturday", "sep",       "sept",     "september", "sunday",  "thursday",
    "tuesday", "utc",      "wednesday",
};

/* Brand names written with "!", which end a sentence only like an ambiguous
   abbreviation. */
static const char *s_exclaim_names[] = {"jeopardy", "wham", "yahoo", "yum"};

#define COUNT(array) (sizeof(array) / sizeof((array)[0]))

/* Bytes that may start something the splitter acts on. */
static const bool s_interesting[256] = {
    ['.'] = true,  ['!'] = true,  ['?'] = true,  ['\n'] = true,
    ['('] = true,  [')'] = true,  [':'] = true,  [';'] = true,
    [0xD6] = true, [0xD8] = true, [0xDB] = true, [0xE0] = true,
    [0xE1] = true, [0xE2] = true, [0xE3] = true, [0xEF] = true,
};

/* The first interesting byte at or after text[i], or len. Sixteen bytes
   at a time where SSE2 is there (every x86-64): a chunk with no ASCII
   byte of the table and no byte from 0xD6 up is skipped whole; otherwise
   the table decides byte by byte from the first candidate. */
static size_t s_next_interesting(const char *text, size_t len, size_t i)
{
#ifdef __SSE2__
    const __m128i period = _mm_set1_epi8('.'), bang = _mm_set1_epi8('!'),
                  question = _mm_set1_epi8('?'), newline = _mm_set1_epi8('\n'),
                  open = _mm_set1_epi8('('), close = _mm_set1_epi8(')'),
                  colon = _mm_set1_epi8(':'), semicolon = _mm_set1_epi8(';'),
                  below_high = _mm_set1_epi8((char)0xD5), zero = _mm_setzero_si128();
    while (i + 16 <= len) {
        __m128i chunk = _mm_loadu_si128((const __m128i *)(const void *)(text + i));
        __m128i hit =
            _mm_or_si128(_mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(chunk, period),
                                                   _mm_cmpeq_epi8(chunk, bang)),
                                      _mm_or_si128(_mm_cmpeq_epi8(chunk, question),
                                                   _mm_cmpeq_epi8(chunk, newline))),
                         _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(chunk, open),
                                                   _mm_cmpeq_epi8(chunk, close)),
                                      _mm_or_si128(_mm_cmpeq_epi8(chunk, colon),
                                                   _mm_cmpeq_epi8(chunk, semicolon))));
        /* 0xD6..0xFF: negative as signed bytes, and above 0xD5 */
        __m128i high =
            _mm_and_si128(_mm_cmplt_epi8(chunk, zero), _mm_cmpgt_epi8(chunk, below_high));
        uint32_t mask = (uint32_t)_mm_movemask_epi8(_mm_or_si128(hit, high));
        for (; mask; mask &= mask - 1) {
            size_t at = i + (size_t)__builtin_ctz(mask);
            if (s_interesting[(unsigned char)text[at]])
                return at;
        }
        i += 16;
    }
#endif
    while (i < len && !s_interesting[(unsigned char)text[i]])
        i++;
    return i;
}

static int s_compare_words(const void *key, const void *item)
{
    return strcmp((const char *)key, *(const char *const *)item);
}

static bool s_in_list(const char *word, const char **list, size_t count)
{
    return bsearch(word, list, count, sizeof *list, s_compare_words) != NULL;
}

static bool s_is_ascii_alnum(unsigned char c)
{
    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

static bool s_is_ascii_letter(unsigned char c)
{
    return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}

static bool s_is_ascii_lower(unsigned char c)
{
    return c >= 'a' && c <= 'z';
}

static bool s_is_ascii_upper(unsigned char c)
{
    return c >= 'A' && c <= 'Z';
}

/* Decodes the code point at text[i]; invalid bytes decode as U+FFFD, one byte
   long, so that the scan always moves on. */
static inline int32_t s_decode(const char *text, size_t len, size_t i, size_t *size)
{
    if ((unsigned char)text[i] < 0x80) {
        *size = 1;
        return (unsigned char)text[i];
    }
    utf8proc_int32_t cp;
    utf8proc_ssize_t n = utf8proc_iterate((const utf8proc_uint8_t *)text + i,
                                          (utf8proc_ssize_t)(len - i), &cp);
    if (n <= 0) {
        *size = 1;
        return 0xFFFD;
    }
    *size = (size_t)n;
    return cp;
}

static next_case_t s_case_of(int32_t cp)
{
    if (cp < 0x80) {
        unsigned char c = (unsigned char)cp;
        if (s_is_ascii_lower(c))
            return NEXT_LOWER;
        if (s_is_ascii_upper(c))
            return NEXT_UPPER;
        if (c >= '0' && c <= '9')
            return NEXT_DIGIT;
        return NEXT_NONE;
    }
    /* Georgian is written without case, though Unicode files its letters as
       lower case (for the rare all-capital Mtavruli). */
    if (cp >= 0x10D0 && cp <= 0x10FF)
        return NEXT_OTHER;
    switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LL:
        return NEXT_LOWER;
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LT:
        return NEXT_UPPER;
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
        return NEXT_DIGIT;
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
        return NEXT_OTHER;
    default:
        return NEXT_NONE;
    }
}

/* Length of the white-space character at text[i], 0 if there is none. Covers
   ASCII space and controls, NBSP, the U+2000 spaces, zero-width space, line
   and paragraph separators, ideographic space and the byte-order mark. */
static inline size_t s_space_len(const char *text, size_t len, size_t i)
{
    const unsigned char *t = (const unsigned char *)text;
    unsigned char c = t[i];
    if (c < 0x80)
        return c == ' ' || (c >= '\t' && c <= '\r');
    if (c < 0xC2)
        return 0;
    if (c == 0xC2)
        return i + 1 < len && t[i + 1] == 0xA0 ? 2 : 0;
    if (i + 2 >= len)
        return 0;
    /* U+2000..U+200B, U+2028, U+2029, U+202F; the third byte must be a
       continuation byte (0x80..0xBF), or this is not UTF-8 for a space. */
    if (c == 0xE2 && t[i + 1] == 0x80 && t[i + 2] >= 0x80 &&
        (t[i + 2] <= 0x8B || t[i + 2] == 0xA8 || t[i + 2] == 0xA9 || t[i + 2] == 0xAF))
        return 3;
    if (c == 0xE2 && t[i + 1] == 0x81 && t[i + 2] == 0x9F)
        return 3;
    if (c == 0xE3 && t[i + 1] == 0x80 && t[i + 2] == 0x80)
        return 3;
    if (c == 0xEF && t[i + 1] == 0xBB && t[i + 2] == 0xBF)
        return 3;
    return 0;
}

/* Length of the white-space character that ends at text[end], 0 if none. */
static inline size_t s_space_len_before(const char *text, size_t begin, size_t end)
{
    if (end == begin)
        return 0;
    unsigned char last = (unsigned char)text[end - 1];
    if (last < 0x80)
        return last == ' ' || (last >= '\t' && last <= '\r');
    if (last >= 0xC0)
        return 0; /* a lead byte cannot end a character */
    if (end - begin >= 2 && s_space_len(text, end, end - 2) == 2)
        return 2;
    if (end - begin >= 3 && s_space_len(text, end, end - 3) == 3)
        return 3;
    return 0;
}

/* How many line breaks the white-space character at text[i] counts for. */
static int s_line_breaks(const char *text, size_t len, size_t i)
{
    const unsigned char *t = (const unsigned char *)text;
    if (t[i] == '\n')
        return 1;
    if (t[i] != 0xE2 || i + 2 >= len)
        return 0;
    if (t[i] == 0xE2 && t[i + 1] == 0x80 && t[i + 2] == 0xA8)
        return 1; /* line separator */
    if (t[i] == 0xE2 && t[i + 1] == 0x80 && t[i + 2] == 0xA9)
        return 2; /* paragraph separator */
    return 0;
}

/* Length of a quote at text[i] that can close a sentence, 0 if none. */
static size_t s_quote_len(const char *text, size_t len, size_t i)
{
    const unsigned char *t = (const unsigned char *)text;
    if (t[i] == '"' || t[i] == '\'')
        return 1;
    if (t[i] == 0xC2 && i + 1 < len && (t[i + 1] == 0xBB || t[i + 1] == 0xAB))
        return 2; /* » « */
    if (t[i] == 0xE2 && i + 2 < len && t[i + 1] == 0x80 &&
        (t[i + 2] == 0x99 || t[i + 2] == 0x9D || t[i + 2] == 0xBA || t[i + 2] == 0xB9 ||
         t[i + 2] == 0x9C))
        return 3; /* ’ ” › ‹, and “ which closes German quotations */
    if (t[i] == 0xE3 && i + 2 < len && t[i + 1] == 0x80 &&
        (t[i + 2] == 0x8D || t[i + 2] == 0x8F || t[i + 2] == 0x89 || t[i + 2] == 0x8B))
        return 3; /* 」 』 〉 》 */
    return 0;
}

/* Length of a closing bracket at text[i], 0 if none. */
static size_t s_bracket_len(const char *text, size_t len, size_t i)
{
    const unsigned char *t = (const unsigned char *)text;
    if (t[i] == ')' || t[i] == ']' || t[i] == '}')
        return 1;
    if (t[i] == 0xEF && i + 2 < len && t[i + 1] == 0xBC && t[i + 2] == 0x89)
        return 3; /* ） */
    return 0;
}

/* Length of a footnote mark such as "[12]" at text[i], 0 if none. */
static size_t s_footnote_len(const char *text, size_t len, size_t i)
{
    size_t j = i + 1;
    if (text[i] != '[')
        return 0;
    while (j < len && j - i <= 3 && text[j] >= '0' && text[j] <= '9')
        j++;
    return j > i + 1 && j < len && text[j] == ']' ? j + 1 - i : 0;
}

/* Length of an opening quote or bracket at text[i], 0 if none. */
static size_t s_opener_len(const char *text, size_t len, size_t i)
{
    const unsigned char *t = (const unsigned char *)text;
    if (t[i] == '(' || t[i] == '[' || t[i] == '{' || t[i] == '"' || t[i] == '\'')
        return 1;
    if (t[i] == 0xC2 && i + 1 < len &&
        (t[i + 1] == 0xAB || t[i + 1] == 0xBB || t[i + 1] == 0xBF || t[i + 1] == 0xA1))
        return 2; /* « » ¿ ¡ */
    if (t[i] == 0xE2 && i + 2 < len && t[i + 1] == 0x80 &&
        (t[i + 2] == 0x98 || t[i + 2] == 0x9A || t[i + 2] == 0x9C || t[i + 2] == 0x9E ||
         t[i + 2] == 0xB9))
        return 3; /* ‘ ‚ “ „ ‹ */
    return 0;
}

/* Length of a list bullet (• ⁃ ‣ ◦ ▪ ●) at text[i], 0 if none. */
static size_t s_bullet_len(const char *text, size_t len, size_t i)
{
    const unsigned char *t = (const unsigned char *)text;
    if (t[i] != 0xE2 || i + 2 >= len)
        return 0;
    if ((t[i + 1] == 0x80 && (t[i + 2] == 0xA2 || t[i + 2] == 0xA3)) ||
        (t[i + 1] == 0x81 && t[i + 2] == 0x83) ||
        (t[i + 1] == 0x97 && t[i + 2] == 0xA6) ||
        (t[i + 1] == 0x96 && t[i + 2] == 0xAA) || (t[i + 1] == 0x97 && t[i + 2] == 0x8F))
        return 3;
    return 0;
}

/* Length of a bullet that ends at text[end], 0 if none. */
static size_t s_bullet_len_before(const char *text, size_t begin, size_t end)
{
    return end - begin >= 3 ? s_bullet_len(text, end, end - 3) : 0;
}

/* Length of a terminal at text[i] and what kind it is: . ! ? … ‼ ⁇ ⁈ ⁉. */
static size_t s_terminal_len(const char *text, size_t len, size_t i, run_kind_t *kind)
{
    const unsigned char *t = (const unsigned char *)text;
    if (t[i] == '.') {
        *kind = RUN_PERIOD;
        return 1;
    }
    if (t[i] == '!' || t[i] == '?') {
        *kind = RUN_EXCLAIM;
        return 1;
    }
    if (t[i] != 0xE2 || i + 2 >= len)
        return 0;
    if (t[i + 1] == 0x80 && t[i + 2] == 0xA6) {
        *kind = RUN_ELLIPSIS;
        return 3;
    }
    if ((t[i + 1] == 0x80 && t[i + 2] == 0xBC) ||
        (t[i + 1] == 0x81 && t[i + 2] >= 0x87 && t[i + 2] <= 0x89)) {
        *kind = RUN_EXCLAIM;
        return 3;
    }
    return 0;
}

/* Length of a sentence end that ends a sentence wherever it is, 0 if none:
   CJK 。 ！ ？ ｡ ．, Arabic ؟, Urdu ۔, Armenian ։, Devanagari । ॥,
   Ethiopic ። ፧ and Myanmar ။. None of them is used for abbreviations. */
static size_t s_cjk_terminal_len(const char *text, size_t len, size_t i)
{
    const unsigned char *t = (const unsigned char *)text;
    if (i + 1 < len &&
        ((t[i] == 0xD8 && t[i + 1] == 0x9F) || (t[i] == 0xDB && t[i + 1] == 0x94) ||
         (t[i] == 0xD6 && t[i + 1] == 0x89)))
        return 2;
    if (i + 2 >= len)
        return 0;
    if (t[i] == 0xE0 && t[i + 1] == 0xA5 && (t[i + 2] == 0xA4 || t[i + 2] == 0xA5))
        return 3;
    if (t[i] == 0xE1 && ((t[i + 1] == 0x8D && (t[i + 2] == 0xA2 || t[i + 2] == 0xA7)) ||
                         (t[i + 1] == 0x81 && t[i + 2] == 0x8B)))
        return 3;
    if (t[i] == 0xE3 && t[i + 1] == 0x80 && t[i + 2] == 0x82)
        return 3;
    if (t[i] == 0xEF && t[i + 1] == 0xBC && (t[i + 2] == 0x81 || t[i + 2] == 0x9F))
        return 3;
    if (t[i] == 0xEF && t[i + 1] == 0xBD && t[i + 2] == 0xA1)
        return 3;
    /* A full-width period, unless it is a full-width decimal point. */
    if (t[i] == 0xEF && t[i + 1] == 0xBC && t[i + 2] == 0x8E &&
        !(i + 5 < len && t[i + 3] == 0xEF && t[i + 4] == 0xBC && t[i + 5] >= 0x90 &&
          t[i + 5] <= 0x99))
        return 3;
    return 0;
}

static void s_append(splitter_t *self, size_t start, size_t end)
{
    if (self->count == self->cap) {
        self->cap = self->cap ? self->cap * 2 : 16;
        self->spans = realloc(self->spans, self->cap * sizeof *self->spans);
        if (!self->spans) {
            fprintf(stderr, "precis_split: out of memory\n");
            abort();
        }
    }
    self->spans[self->count].start = (uint32_t)start;
    self->spans[self->count].len = (uint32_t)(end - start);
    self->count++;
}

/* Ends the current sentence at end (exclusive) and starts the next there. */
static void s_emit(splitter_t *self, size_t end)
{
    size_t start = self->start, last = end;
    size_t n;
    while (start < last && (n = s_space_len(self->text, last, start)) > 0)
        start += n;
    while (last > start && (n = s_space_len_before(self->text, start, last)) > 0)
        last -= n;
    if (last > start)
        s_append(self, start, last);
    self->start = end;
    self->has_alnum = false;
    self->alnum_checked = self->start;
    self->paren_depth = 0;
}

/* True when the current sentence has a letter or digit before end. */
static bool s_has_alnum(splitter_t *self, size_t end)
{
    size_t i = self->alnum_checked;
    while (!self->has_alnum && i < end) {
        unsigned char c = (unsigned char)self->text[i];
        size_t size = 1;
        if (c < 0x80)
            self->has_alnum = s_is_ascii_alnum(c);
        else
            self->has_alnum =
                s_case_of(s_decode(self->text, self->len, i, &size)) != NEXT_NONE;
        i += size;
    }
    if (i > self->alnum_checked)
        self->alnum_checked = i;
    return self->has_alnum;
}

/* True when [start, end) holds only white space, bullets and openers, i.e.
   end is where the sentence's words begin. */
static bool s_at_sentence_start(const splitter_t *self, size_t end)
{
    size_t i = self->start;
    while (i < end) {
        size_t n = s_space_len(self->text, end, i);
        if (!n)
            n = s_bullet_len(self->text, end, i);
        if (!n)
            n = s_opener_len(self->text, end, i);
        if (!n && (self->text[i] == '-' || self->text[i] == '*'))
            n = 1;
        if (!n)
            return false;
        i += n;
    }
    return true;
}

static bool s_append_lower(int32_t cp, char *buffer, size_t *used, size_t size);

/* Looks at what follows position i: skips white space and punctuation (but
   not a line break) to the first letter or digit, and takes the word there. */
static void s_look_ahead(splitter_t *self, size_t i, lookahead_t *ahead)
{
    const char *text = self->text;
    size_t limit = i + LOOKAHEAD_WINDOW < self->len ? i + LOOKAHEAD_WINDOW : self->len;
    ahead->kind = NEXT_NONE;
    ahead->word_len = 0;
    ahead->letters = 0;
    ahead->word[0] = 0;
    ahead->first = self->len;
    /* Long runs of punctuation ("! ! ! ...") are skipped once, not once for
       every terminal in them. */
    size_t from = i;
    if (self->punctuation_from <= i && i < self->punctuation_until) {
        if (self->punctuation_until >= limit)
            return;
        i = self->punctuation_until;
    }
    while (i < limit) {
        size_t n = s_space_len(text, self->len, i);
        if (n) {
            if (s_line_breaks(text, self->len, i))
                return;
            i += n;
            continue;
        }
        if (ahead->first == self->len)
            ahead->first = i;
        int32_t cp = s_decode(text, self->len, i, &n);
        ahead->kind = s_case_of(cp);
        if (ahead->kind != NEXT_NONE)
            break;
        i += n;
    }
    if (i >= limit) {
        if (!(self->punctuation_from <= from && from < self->punctuation_until))
            self->punctuation_from = from;
        self->punctuation_until = i;
        ahead->kind = NEXT_NONE;
        return;
    }
    /* The word: its letters, lower-cased. */
    while (i < self->len) {
        size_t n;
        unsigned char c = (unsigned char)text[i];
        if (s_is_ascii_letter(c) && ahead->word_len + 1 < sizeof ahead->word) {
            ahead->word[ahead->word_len++] = (char)(c | 0x20);
            ahead->letters++;
            i++;
            continue;
        }
        int32_t cp = s_decode(text, self->len, i, &n);
        next_case_t letter = s_case_of(cp);
        if (letter == NEXT_NONE || letter == NEXT_DIGIT ||
            !s_append_lower(cp, ahead->word, &ahead->word_len, sizeof ahead->word))
            break;
        ahead->letters++;
        i += n;
    }
    ahead->word[ahead->word_len] = 0;
}

/* The token that ends at end: back to white space, past leading openers.
   Returns false when it is longer than the window. */
static bool s_token_before(const splitter_t *self, size_t end, size_t *start_p)
{
    size_t start = end;
    while (start > self->start && end - start <= TOKEN_WINDOW &&
           !s_space_len_before(self->text, self->start, start))
        start--;
    if (end - start > TOKEN_WINDOW)
        return false;
    size_t n;
    while (start < end && (n = s_opener_len(self->text, end, start)) > 0)
        start += n;
    *start_p = start;
    return true;
}

/* Appends the code point cp, lower-cased, to buffer[*used..size); false when
   it does not fit (with room for the final NUL). */
static bool s_append_lower(int32_t cp, char *buffer, size_t *used, size_t size)
{
    if (cp < 0x80) {
        if (*used + 2 > size)
            return false;
        buffer[(*used)++] = (char)(s_is_ascii_upper((unsigned char)cp) ? cp | 0x20 : cp);
        return true;
    }
    utf8proc_uint8_t encoded[4];
    utf8proc_ssize_t n = utf8proc_encode_char(utf8proc_tolower(cp), encoded);
    if (n <= 0 || *used + (size_t)n + 1 > size)
        return false;
    memcpy(buffer + *used, encoded, (size_t)n);
    *used += (size_t)n;
    return true;
}

/* Copies text[start, end) lower-cased into buffer; false if too long. */
static bool s_lower_copy(const char *text, size_t start, size_t end, char *buffer,
                         size_t size)
{
    size_t used = 0, n;
    for (size_t i = start; i < end; i += n) {
        unsigned char c = (unsigned char)text[i];
        if (c < 0x80 && used + 1 < size) {
            buffer[used++] = (char)(s_is_ascii_upper(c) ? c | 0x20 : c);
            n = 1;
        } else if (!s_append_lower(s_decode(text, end, i, &n), buffer, &used, size))
            return false;
    }
    buffer[used] = 0;
    return true;
}

/* Past an elided article or preposition: "l'Ing", "dell'Avv" are looked up
   as "ing", "avv"; "Parker's" and "don't" stay whole. */
static size_t s_skip_elision(const char *text, size_t start, size_t end)
{
    for (size_t i = start + 1; i <= start + MAX_ELISION && i < end; i++) {
        if (!s_is_ascii_lower((unsigned char)text[i - 1]))
            return start;
        size_t n = text[i] == '\''                                            ? 1
                   : i + 3 <= end && memcmp(text + i, "\xe2\x80\x99", 3) == 0 ? 3
                                                                              : 0;
        if (n)
            return end - (i + n) >= 2 ? i + n : start;
    }
    return start;
}

/* An acronym such as "FT" or "MS" is a word, not the abbreviation "Ft." or
   "Ms.": true when the token has two or more letters, all capitals. */
static bool s_is_acronym(const char *text, size_t start, size_t end)
{
    if (end - start < 2)
        return false;
    for (size_t i = start; i < end; i++)
        if (!s_is_ascii_upper((unsigned char)text[i]))
            return false;
    return true;
}

/* A Roman numeral in capitals (I to XXXIX, and L C D M runs): "XII". */
static bool s_is_roman(const char *text, size_t start, size_t end)
{
    if (end <= start || end - start > 7)
        return false;
    for (size_t i = start; i < end; i++)
        if (!strchr("IVXLCDM", text[i]) || text[i] == 0)
            return false;
    return true;
}

static precis_abbrev_kind_t s_abbreviation_kind(const splitter_t *self, const char *word)
{
    return precis_abbrev_find(self->lang, word);
}

/* Letters with periods between, each part one or two letters, in any
   script: U.S, a.m, Ph.D, Л.Н, б.з.б. */
static bool s_is_dotted_abbreviation(const char *word)
{
    size_t part = 0, len = strlen(word), n;
    bool dotted = false;
    for (size_t i = 0; i < len; i += n) {
        int32_t cp = s_decode(word, len, i, &n);
        next_case_t kind = s_case_of(cp);
        if (cp == '.') {
            if (part == 0)
                return false;
            dotted = true;
            part = 0;
        } else if (kind == NEXT_LOWER || kind == NEXT_UPPER || kind == NEXT_OTHER) {
            if (++part > 2)
                return false;
        } else
            return false;
    }
    return dotted && part > 0;
}

/* Counts the words of the current sentence before end, up to limit. */
static int s_words_before(const splitter_t *self, size_t end, int limit)
{
    int words = 0;
    bool in_word = false;
    for (size_t i = end; i > self->start && words < limit; i--) {
        bool space = s_space_len(self->text, self->len, i - 1) == 1;
        if (!space && !in_word)
            words++;
        in_word = !space;
    }
    return words;
}

/* After an abbreviation that may end a sentence: split only before a common
   sentence starter, and only when the sentence would not be a fragment. */
static bool s_ambiguous_ends(const splitter_t *self, size_t token_start,
                             const lookahead_t *ahead)
{
    return ahead->kind == NEXT_UPPER &&
           precis_abbrev_has_word(self->lang, PRECIS_WORDS_STARTERS, ahead->word) &&
           s_words_before(self, token_start, MIN_WORDS_BEFORE_ABBREVIATION) + 1 >=
               MIN_WORDS_BEFORE_ABBREVIATION;
}

/* After a.m. or p.m.: any capitalised word but a day, month or time zone
   starts a new sentence, if the sentence is not a fragment ("At 5 a.m."). */
static bool s_time_ends(const splitter_t *self, size_t token_start,
                        const lookahead_t *ahead)
{
    return ahead->kind == NEXT_UPPER &&
           !s_in_list(ahead->word, s_time_followers, COUNT(s_time_followers)) &&
           s_words_before(self, token_start, MIN_WORDS_BEFORE_ABBREVIATION) + 1 >=
               MIN_WORDS_BEFORE_ABBREVIATION;
}

/* After an abbreviation that closes a list or an amount ("usw.", "ecc.",
   "κ.λπ.", "99,90 грн."): any capitalised word starts a new sentence, if
   the sentence is no fragment. */
static bool s_phrase_end_ends(const splitter_t *self, size_t token_start,
                              const lookahead_t *ahead)
{
    return ahead->kind == NEXT_UPPER &&
           s_words_before(self, token_start, MIN_WORDS_BEFORE_ABBREVIATION) + 1 >=
               MIN_WORDS_BEFORE_ABBREVIATION;
}

/* The word before the token at token_start starts in lower case. */
static bool s_previous_word_is_lower(const splitter_t *self, size_t token_start)
{
    size_t i = token_start;
    while (i > self->start && s_space_len_before(self->text, self->start, i))
        i -= s_space_len_before(self->text, self->start, i);
    size_t end = i;
    while (i > self->start && !s_space_len_before(self->text, self->start, i))
        i--;
    return i < end && s_is_ascii_lower((unsigned char)self->text[i]);
}

/* True when text[start, end) is a number of one to three digits, after an
   optional dash: "3", "-3" (the end of a range "1. -3."). */
static bool s_is_small_number(const char *text, size_t start, size_t end)
{
    if (start < end && text[start] == '-')
        start++;
    if (end <= start || end - start > 3)
        return false;
    for (size_t i = start; i < end; i++)
        if (text[i] < '0' || text[i] > '9')
            return false;
    return true;
}

/* After a period that ends a number: a range ("1. -3.") or an ordinal
   before a month or the like ("am 3. Oktober", "7. apríla") goes on. */
static bool s_ordinal_goes_on(const splitter_t *self, const lookahead_t *ahead)
{
    const char *text = self->text;
    if (ahead->first < self->len &&
        (text[ahead->first] == '-' ||
         (ahead->first + 2 < self->len &&
          memcmp(text + ahead->first, "\xe2\x80\x93", 3) == 0)))
        return ahead->kind == NEXT_DIGIT;
    return precis_abbrev_has_word(self->lang, PRECIS_WORDS_ORDINAL_NOUNS, ahead->word);
}

/* The end of the combining marks (vowel signs, viramas) from i on, before
   end. */
static size_t s_marks_end(const char *text, size_t i, size_t end)
{
    size_t n;
    while (i < end) {
        utf8proc_propval_t category = utf8proc_category(s_decode(text, end, i, &n));
        if (category != UTF8PROC_CATEGORY_MN && category != UTF8PROC_CATEGORY_MC)
            break;
        i += n;
    }
    return i;
}

/* Decides whether a single period at i, followed by white space and then
   something that is not lower case, ends the sentence. */
static bool s_period_ends(const splitter_t *self, size_t i, const lookahead_t *ahead)
{
    size_t start;
    char word[48];
    if (!s_token_before(self, i, &start) || start == i)
        return true;
    start = s_skip_elision(self->text, start, i);
    if ((self->lang_flags & PRECIS_ABBREV_ORDINAL_PERIOD) &&
        s_is_roman(self->text, start, i))
        return s_ambiguous_ends(self, start, ahead); /* "XII. Pluku" */
    if (!s_lower_copy(self->text, start, i, word, sizeof word))
        return true;
    precis_abbrev_kind_t kind = s_abbreviation_kind(self, word);
    if (s_is_acronym(self->text, start, i))
        /* "SEC. 1262" numbers a section, and a language's own data know its
           abbreviations in capitals ("EE. UU."); other capitals are words
           ("MS. The" ends a sentence). */
        return !(kind == PRECIS_ABBREV_BEFORE_NUMBER && ahead->kind == NEXT_DIGIT) &&
               !(kind == PRECIS_ABBREV_NEVER_ENDS &&
                 !precis_abbrev_is_neutral(self->lang));
    switch (kind) {
    case PRECIS_ABBREV_NEVER_ENDS:
        return false;
    case PRECIS_ABBREV_BEFORE_NUMBER:
        return ahead->kind != NEXT_DIGIT;
    case PRECIS_ABBREV_AMBIGUOUS:
        return s_ambiguous_ends(self, start, ahead);
    case PRECIS_ABBREV_PHRASE_END:
        return s_phrase_end_ends(self, start, ahead);
    case PRECIS_ABBREV_NONE:
        break;
    }
    size_t size;
    int32_t cp = s_decode(self->text, self->len, start, &size);
    if (start + size == i && s_case_of(cp) == NEXT_LOWER)
        /* p. 55, v. Wade; and a year, as the reference sets count it:
           "в 2020 г. Тираж" goes on. */
        return false;
    if (s_case_of(cp) == NEXT_OTHER && s_marks_end(self->text, start + size, i) == i)
        /* One letter of a caseless script, with its vowel signs, is an
           initial or an abbreviation: "1990 ई. में", "ডা. রহমান". */
        return false;
    if (start + size == i && s_case_of(cp) == NEXT_UPPER)
        /* An initial, unless it is the pronoun ("you and I. Did you") or a
           common sentence starter follows ("World War I. But", "Plan B. The");
           a one-letter word may be the next initial ("J. A. Smith"). */
        return (cp == 'I' && s_previous_word_is_lower(self, start)) ||
               (ahead->letters > 1 && s_ambiguous_ends(self, start, ahead));
    if (strcmp(word, "a.m") == 0 || strcmp(word, "p.m") == 0)
        return s_time_ends(self, start, ahead);
    if (s_is_dotted_abbreviation(word))
        return s_ambiguous_ends(self, start, ahead);
    if (s_is_small_number(self->text, start, i) && s_ordinal_goes_on(self, ahead))
        return false;
    return true;
}

/* Scans the run of terminals starting at i (…, ?!, "...", and a spaced
   ". . ." when it starts after white space). Returns the end of the run. */
static size_t s_scan_run(const splitter_t *self, size_t i, run_kind_t *kind_p)
{
    const char *text = self->text;
    bool spaced = text[i] == '.' && (i == 0 || s_space_len_before(text, 0, i));
    int dots = 0, marks = 0, ellipses = 0;
    run_kind_t kind;
    size_t n;
    while (i < self->len) {
        if ((n = s_terminal_len(text, self->len, i, &kind)) > 0) {
            dots += text[i] == '.';
            marks += kind == RUN_EXCLAIM;
            ellipses += kind == RUN_ELLIPSIS;
            i += n;
        } else if (spaced && text[i] == ' ' && i + 1 < self->len && text[i + 1] == '.' &&
                   (i + 2 == self->len || !s_is_ascii_alnum((unsigned char)text[i + 2])))
            i++;
        else
            break;
    }
    *kind_p = marks ? RUN_EXCLAIM : dots >= 3 || ellipses ? RUN_ELLIPSIS : RUN_PERIOD;
    return i;
}

/* True for the quote of n bytes at text[i] that never opens anything: ” »
   › and the CJK closers 」 』 〉 》, which belong to the sentence they end
   even when a word follows at once (“我们赢了。”然后). */
static bool s_quote_only_closes(const char *text, size_t i, size_t n)
{
    const unsigned char *t = (const unsigned char *)text;
    if (n == 2)
        return t[i + 1] == 0xBB;
    if (n == 3 && t[i] == 0xE2)
        return t[i + 2] == 0x9D || t[i + 2] == 0xBA;
    return n == 3 && t[i] == 0xE3;
}

/* Skips the closing quotes and brackets after a terminal. A quote counts only
   when no letter follows it (so "Jr.'s" keeps its apostrophe). */
static size_t s_skip_closers(const splitter_t *self, size_t i, int *parens)
{
    const char *text = self->text;
    size_t n;
    *parens = 0;
    while (i < self->len) {
        if ((n = s_bracket_len(text, self->len, i)) > 0) {
            *parens += text[i] == ')';
            i += n;
            continue;
        }
        if ((n = s_footnote_len(text, self->len, i)) > 0) {
            i += n;
            continue;
        }
        /* French spacing: « Non. » keeps the » after a space. */
        size_t space = s_space_len(text, self->len, i);
        if (space && space < 3 && i + space + 1 < self->len &&
            (unsigned char)text[i + space] == 0xC2 &&
            (unsigned char)text[i + space + 1] == 0xBB) {
            i += space + 2;
            continue;
        }
        if ((n = s_quote_len(text, self->len, i)) == 0)
            break;
        size_t after;
        if (!s_quote_only_closes(text, i, n) && i + n < self->len &&
            s_case_of(s_decode(text, self->len, i + n, &after)) != NEXT_NONE)
            break;
        i += n;
    }
    return i;
}

/* True when a line break comes before anything else after i. */
static bool s_line_break_follows(const splitter_t *self, size_t i)
{
    size_t n;
    while (i < self->len && (n = s_space_len(self->text, self->len, i)) > 0) {
        if (s_line_breaks(self->text, self->len, i))
            return true;
        i += n;
    }
    return false;
}

/* True when a ")" comes soon after i, before any "(" or line break: the
   terminal before i is inside a parenthesis, not after a stray "(". */
static bool s_paren_closes_soon(const splitter_t *self, size_t i)
{
    size_t limit = i + PAREN_WINDOW < self->len ? i + PAREN_WINDOW : self->len;
    for (; i < limit; i++) {
        char c = self->text[i];
        if (c == ')')
            return true;
        if (c == '(' || c == '\n')
            return false;
    }
    return false;
}

/* Whether the straight quote at after, glued to the period at i and to the
   next sentence, closes a quotation ("...home."Next) or opens one (said."We).
   The nearest quote before tells: one that opened ("We won) is closed here,
   one that closed ("We won," he said) means this one opens. Without one in
   the sentence, the parity of quotes since the line break decides; that
   count is incremental, so linear over the text. */
static bool s_glued_quote_closes(splitter_t *self, size_t i, size_t after)
{
    const char *text = self->text;
    for (size_t k = i; k > self->start && i - k < QUOTE_WINDOW; k--)
        if (text[k - 1] == '"') {
            size_t n;
            return s_case_of(s_decode(text, self->len, k, &n)) != NEXT_NONE;
        }
    for (; self->quotes_checked < after; self->quotes_checked++)
        self->quotes += text[self->quotes_checked] == '"';
    return self->quotes % 2 == 1;
}

/* Decodes the code point that ends at text[end] and starts at or after
   begin; *size is 0 when there is none. */
static int32_t s_decode_before(const char *text, size_t begin, size_t end, size_t *size)
{
    size_t i = end;
    while (i > begin && end - i < 4) {
        i--;
        if (((unsigned char)text[i] & 0xC0) != 0x80)
            break;
    }
    *size = 0;
    if (i == end)
        return 0;
    size_t n;
    int32_t cp = s_decode(text, end, i, &n);
    if (i + n != end) {
        *size = 1;
        return 0xFFFD;
    }
    *size = n;
    return cp;
}

/* The word glued after a period may hold a period itself only when it is
   an abbreviation followed by white space ("Tuesday.Mr. Smith"); any other
   period, "@" or "/" makes it a file name, domain or address. */
static bool s_glued_word_ok(const splitter_t *self, size_t next)
{
    const char *text = self->text;
    for (size_t k = next; k < self->len && k - next < TOKEN_WINDOW; k++) {
        unsigned char c = (unsigned char)text[k];
        if (c == ' ' || c == '\n' || c == '\t')
            return true;
        if (c == '@' || c == '/')
            return false;
        if (c == '.') {
            char word[48];
            return k + 1 < self->len && s_space_len(text, self->len, k + 1) &&
                   s_lower_copy(text, next, k, word, sizeof word) &&
                   s_abbreviation_kind(self, word) != PRECIS_ABBREV_NONE;
        }
    }
    return true;
}

/* Paragraphs or sentences glued without a space, as in scraped news:
   "community.Dr Venter", "domestique.Consternant", "wasted."Life was".
   Returns where the sentence ends, 0 if the period at i (ending at after,
   past closers) is not such a boundary. */
static size_t s_glued_boundary(splitter_t *self, size_t i, size_t after)
{
    const char *text = self->text;
    const unsigned char *t = (const unsigned char *)text;
    size_t before = i, n1, n2, n;
    while (before > self->start && (text[before - 1] == '"' || text[before - 1] == ')'))
        before--;
    next_case_t last = s_case_of(s_decode_before(text, self->start, before, &n1));
    if (!n1 || (last != NEXT_LOWER && last != NEXT_DIGIT))
        return 0;
    if (s_case_of(s_decode_before(text, self->start, before - n1, &n2)) == NEXT_NONE ||
        !n2)
        return 0;
    size_t end = after, next = after;
    if (text[after] == '"') {
        end = s_glued_quote_closes(self, i, after) ? after + 1 : after;
        next = after + 1;
    } else if (s_quote_len(text, self->len, after) == 3 && t[after + 2] == 0x9D)
        end = next = after + 3; /* ” */
    if (next < self->len)
        next += s_opener_len(text, self->len, next);
    if (next >= self->len ||
        s_case_of(s_decode(text, self->len, next, &n)) != NEXT_UPPER ||
        next + n >= self->len || t[next + n] == '.' ||
        (t[next + n] >= '0' && t[next + n] <= '9'))
        return 0;
    /* Not inside an e-mail address, URL or file name. */
    for (size_t k = i; k > self->start && i - k < GLUE_WINDOW; k--) {
        unsigned char c = t[k - 1];
        if (s_space_len_before(text, 0, k))
            break;
        if (c == '@' || c == '/' || c == ':')
            return 0;
    }
    if (!s_glued_word_ok(self, next))
        return 0;
    char word[48];
    size_t start;
    if (s_token_before(self, before, &start) &&
        s_lower_copy(text, start, before, word, sizeof word) &&
        s_abbreviation_kind(self, word) == PRECIS_ABBREV_NEVER_ENDS)
        return 0;
    if (!s_has_alnum(self, i) || self->paren_depth > 0)
        return 0;
    return end;
}

/* Numeric footnote marks glued to a sentence's period, "in a
   consultation.11 12 Take": the sentence ends after the marks, which stay
   with it. Returns that end, 0 if the text at i is not that shape. */
static size_t s_footnote_marks_end(splitter_t *self, size_t i, size_t after)
{
    const char *text = self->text;
    size_t n, j = after, end = 0, before = i;
    /* "(type 2).10 This": a closing bracket may come before the period. */
    if (before > self->start + 1 && (text[before - 1] == ')' || text[before - 1] == ']'))
        before--;
    next_case_t last = s_case_of(s_decode_before(text, self->start, before, &n));
    if (!n || !(last == NEXT_LOWER || (before < i && last == NEXT_DIGIT)))
        return 0;
    for (int marks = 0; marks < MAX_FOOTNOTE_MARKS; marks++) {
        size_t digits = 0;
        while (j < self->len && text[j] >= '0' && text[j] <= '9' && digits <= 3) {
            j++;
            digits++;
        }
        if (digits == 0 || digits > 3)
            return 0;
        end = j;
        if (j + 1 < self->len && text[j] == ' ' && text[j + 1] >= '0' &&
            text[j + 1] <= '9')
            j++;
        else
            break;
    }
    if (end >= self->len || !s_space_len(text, self->len, end))
        return 0;
    lookahead_t ahead;
    s_look_ahead(self, end, &ahead);
    if (ahead.kind != NEXT_UPPER || !s_has_alnum(self, i))
        return 0;
    /* "Lane.26 April - Hereford": a date glued to the sentence before, which
       ends at its period. */
    if (end - after <= 2 &&
        s_in_list(ahead.word, s_time_followers, COUNT(s_time_followers)))
        return after;
    return end;
}

/* True when a quote character lies in text[from, to): the terminal was the
   end of a quotation. */
static bool s_quote_between(const splitter_t *self, size_t from, size_t to)
{
    for (size_t k = from; k < to; k++)
        if (s_quote_len(self->text, self->len, k))
            return true;
    return false;
}

/* Subject pronouns and "that" after a speech verb start a reported clause:
   '"Why?" Mr Blair said he would not answer' is a new sentence. */
static const char *s_clause_starters[] = {
    "he",   "his",   "i",     "it",    "its",  "my",   "our", "she",
    "that", "their", "there", "these", "they", "this", "we",  "you"};

/* True when the word after the speech verb ending at i starts a reported
   clause. */
static bool s_reported_clause_follows(const splitter_t *self, size_t i)
{
    char word[16];
    size_t end = i + 1;
    if (i >= self->len || self->text[i] != ' ')
        return false;
    while (end < self->len && end - i < sizeof word &&
           s_is_ascii_letter((unsigned char)self->text[end]))
        end++;
    return s_lower_copy(self->text, i + 1, end, word, sizeof word) &&
           s_in_list(word, s_clause_starters, COUNT(s_clause_starters));
}

/* After a quotation that ends in a terminal: up to four capitalised words (a
   name, a title) and then a speech verb, as in '"Why?" Mayor Lina Ortiz
   asked.' or '"We will rebuild!" Ortiz told reporters.', tie the quotation
   to its speaker: the sentence goes on. */
static bool s_speaker_follows(const splitter_t *self, size_t i)
{
    const char *text = self->text;
    for (int words = 0; words <= MAX_SPEAKER_WORDS; words++) {
        char word[48];
        size_t used = 0, n, begin = i;
        next_case_t first = NEXT_NONE;
        while (i < self->len) {
            int32_t cp = s_decode(text, self->len, i, &n);
            next_case_t letter = s_case_of(cp);
            if (letter == NEXT_NONE || letter == NEXT_DIGIT)
                break;
            if (i == begin)
                first = letter;
            if (!s_append_lower(cp, word, &used, sizeof word))
                return false;
            i += n;
        }
        if (i == begin)
            return false;
        word[used] = 0;
        if (precis_abbrev_has_word(self->lang, PRECIS_WORDS_SPEECH_VERBS, word))
            return words > 0 && !s_reported_clause_follows(self, i);
        if (first != NEXT_UPPER ||
            (words == 0 &&
             precis_abbrev_has_word(self->lang, PRECIS_WORDS_STARTERS, word) &&
             s_abbreviation_kind(self, word) != PRECIS_ABBREV_NEVER_ENDS))
            return false; /* '"Why?" The council said' starts anew */
        /* "Dr. Ortiz said": a title's period does not stop the name. */
        if (i < self->len && text[i] == '.' &&
            s_abbreviation_kind(self, word) == PRECIS_ABBREV_NEVER_ENDS)
            i++;
        if (i >= self->len || text[i] != ' ')
            return false;
        i++;
    }
    return false;
}

/* Length of a double quote at text[i] (" « » “ ” „), 0 if none. */
static size_t s_double_quote_len(const char *text, size_t len, size_t i)
{
    const unsigned char *t = (const unsigned char *)text;
    if (t[i] == '"')
        return 1;
    if (t[i] == 0xC2 && i + 1 < len && (t[i + 1] == 0xAB || t[i + 1] == 0xBB))
        return 2;
    if (t[i] == 0xE2 && i + 2 < len && t[i + 1] == 0x80 && t[i + 2] >= 0x9C &&
        t[i + 2] <= 0x9E)
        return 3;
    return 0;
}

/* Whether the double quote at k (n bytes) opens a quotation: « and „
   always do; the others when a letter or digit follows and nothing but white
   space or an opening bracket precedes them. */
static bool s_quote_opens(const splitter_t *self, size_t k, size_t n)
{
    const unsigned char *t = (const unsigned char *)self->text;
    if ((n == 2 && t[k + 1] == 0xAB) || (n == 3 && t[k + 2] == 0x9E))
        return true;
    if (k + n >= self->len || s_space_len(self->text, self->len, k + n))
        return false;
    return k == 0 || s_space_len_before(self->text, 0, k) || t[k - 1] == '(' ||
           t[k - 1] == '[';
}

/* True when i is inside a quotation that closes soon on the same line, as
   in '"Ei fu. Siccome ..." (Manzoni)' or '„Prieskumy ... váhu. V podstate
   ma to nezaujíma,“ reagoval': the quotation is one sentence with what
   frames it. */
static bool s_inside_quotation(const splitter_t *self, size_t i)
{
    const char *text = self->text;
    size_t limit = i > self->start + QUOTE_WINDOW ? i - QUOTE_WINDOW : self->start;
    size_t k = 0, n = 0;
    /* The nearest quote: memrchr for each byte that ends one (", and the last
       bytes of « » “ ” „) is much faster than a byte loop on this path. */
    static const unsigned char last_bytes[] = {0xAB, 0x9E, '"', 0xBB, 0x9C, 0x9D};
    /* Without QUOTATION_WHOLE only « and „ open a quotation that matters: when
       neither is in the window, nothing else need be searched. */
    bool whole = self->lang_flags & PRECIS_ABBREV_QUOTATION_WHOLE;
    if (!whole && !memrchr(text + limit, 0xAB, i - limit) &&
        !memrchr(text + limit, 0x9E, i - limit))
        return false;
    for (size_t b = 0; b < sizeof last_bytes; b++) {
        size_t from = k > limit ? k : limit, to = i;
        const char *hit;
        while (to > from &&
               (hit = memrchr(text + from, last_bytes[b], to - from)) != NULL) {
            size_t at = (size_t)(hit - text);
            size_t size = last_bytes[b] == '"' ? 1 : last_bytes[b] >= 0xAB ? 2 : 3;
            if (at + 1 >= size &&
                s_double_quote_len(text, self->len, at + 1 - size) == size) {
                if (at + 1 - size >= k) {
                    k = at + 1 - size;
                    n = size;
                }
                break;
            }
            to = at;
        }
    }
    if (!n || !s_quote_opens(self, k, n))
        return false;
    const unsigned char *t = (const unsigned char *)text;
    bool continental = (n == 2 && t[k + 1] == 0xAB) || (n == 3 && t[k + 2] == 0x9E);
    if (!continental && !(self->lang_flags & PRECIS_ABBREV_QUOTATION_WHOLE))
        return false;
    size_t end = i + QUOTE_CLOSE_WINDOW < self->len ? i + QUOTE_CLOSE_WINDOW : self->len;
    for (size_t j = i; j < end && text[j] != '\n'; j++) {
        unsigned char c = (unsigned char)text[j];
        size_t m;
        if ((c == '"' || c == 0xC2 || c == 0xE2) &&
            (m = s_double_quote_len(text, self->len, j)) > 0 &&
            !s_quote_opens(self, j, m))
            return true;
    }
    return false;
}

/* Two periods after a word, "23 Nov.. Grazie": an abbreviation's period and
   then the sentence's. */
static bool s_is_double_period(const splitter_t *self, size_t i, size_t run_end)
{
    return run_end == i + 2 && self->text[i + 1] == '.' && i > self->start &&
           s_is_ascii_alnum((unsigned char)self->text[i - 1]);
}

/* Handles a run of terminals at i. Returns where scanning goes on. */
static size_t s_on_terminal(splitter_t *self, size_t i)
{
    const char *text = self->text;
    run_kind_t kind;
    size_t run_end = s_scan_run(self, i, &kind);
    int parens;
    size_t after = s_skip_closers(self, run_end, &parens);
    if (after >= self->len)
        return self->len;
    if (!s_space_len(text, self->len, after)) {
        size_t end = kind == RUN_ELLIPSIS ? 0 : s_glued_boundary(self, i, after);
        if (!end && kind == RUN_PERIOD && after == i + 1)
            end = s_footnote_marks_end(self, i, after);
        if (!end)
            return run_end;
        s_emit(self, end);
        return end;
    }
    if (s_line_break_follows(self, after))
        return after; /* the line break decides */
    int depth = self->paren_depth > parens ? self->paren_depth - parens : 0;
    lookahead_t ahead;
    s_look_ahead(self, after, &ahead);
    /* A sentence does not start with a comma or semicolon (",,Das" is a
       German opening quote typed as two commas). */
    bool ends = ahead.kind != NEXT_NONE && ahead.kind != NEXT_LOWER &&
                s_has_alnum(self, i) &&
                !(i > 0 && text[i - 1] == '[' && text[run_end] == ']') &&
                text[ahead.first] != ',' && text[ahead.first] != ';';
    if (ends && depth > 0) {
        if (s_paren_closes_soon(self, after))
            ends = false;
        else
            depth = 0; /* a stray "(" */
    }
    if (ends) {
        size_t start;
        char word[48];
        switch (kind) {
        case RUN_ELLIPSIS:
            /* In a script without case nothing tells a pause from an end;
               an ellipsis inside a line is most often a pause. */
            ends = ahead.kind != NEXT_DIGIT && ahead.kind != NEXT_OTHER &&
                   strcmp(ahead.word, "i") != 0;
            break;
        case RUN_EXCLAIM:
            if (s_token_before(self, i, &start) &&
                s_lower_copy(text, start, i, word, sizeof word) &&
                s_in_list(word, s_exclaim_names, COUNT(s_exclaim_names)))
                ends = s_ambiguous_ends(self, start, &ahead);
            break;
        case RUN_PERIOD:
            ends = s_is_double_period(self, i, run_end) || s_period_ends(self, i, &ahead);
            break;
        }
    }
    if (ends && kind == RUN_EXCLAIM && ahead.kind == NEXT_UPPER &&
        s_quote_between(self, run_end, after) && s_speaker_follows(self, ahead.first))
        ends = false;
    if (ends && s_inside_quotation(self, after))
        ends = false;
    if (ends)
        s_emit(self, after);
    else
        self->paren_depth = depth;
    return after;
}

/* The value of a Roman numeral of i, v and x (all lower or all upper case,
   at most four letters), 0 if it is none. */
static int s_roman_value(const char *text, size_t start, size_t end)
{
    int value = 0, previous = 0;
    if (end <= start || end - start > 4)
        return 0;
    bool upper = s_is_ascii_upper((unsigned char)text[start]);
    for (size_t k = end; k > start; k--) {
        char c = text[k - 1];
        if (s_is_ascii_upper((unsigned char)c) != upper)
            return 0;
        int digit = (c | 0x20) == 'i'   ? 1
                    : (c | 0x20) == 'v' ? 5
                    : (c | 0x20) == 'x' ? 10
                                        : 0;
        if (!digit)
            return 0;
        value += digit < previous ? -digit : digit;
        if (digit > previous)
            previous = digit;
    }
    return value > 0 ? value : 0;
}

/* A list marker ends at i: "2." "2.)" "2)" "(2)" "b." "b)" "ii)" "(iv)". At
   the start of a sentence it is part of it; elsewhere, when it is the next
   item of the list being read, the sentence ends before it. Returns true,
   with where to go on, when it was a marker. */
static bool s_on_list_marker(splitter_t *self, size_t i, size_t *next_p)
{
    const char *text = self->text;
    size_t begin = i;
    int value = 0, roman = 0;
    list_kind_t kind = LIST_NUMBER;
    while (begin > self->start && i - begin < 3 && text[begin - 1] >= '0' &&
           text[begin - 1] <= '9')
        begin--;
    if (begin < i) {
        if (begin > self->start && text[begin - 1] >= '0' && text[begin - 1] <= '9')
            return false;
        for (size_t k = begin; k < i; k++)
            value = value * 10 + (text[k] - '0');
    } else {
        /* Roman numerals only take ")": "ii." is more often a word's end. */
        size_t longest = text[i] == ')' ? 4 : 1;
        while (begin > self->start && i - begin < longest &&
               s_is_ascii_letter((unsigned char)text[begin - 1]))
            begin--;
        if (begin == i ||
            (begin > self->start && s_is_ascii_alnum((unsigned char)text[begin - 1])))
            return false;
        roman = s_roman_value(text, begin, i);
        if (i - begin == 1) {
            kind = LIST_ALPHA;
            value = (text[begin] | 0x20) - 'a' + 1;
        } else if (roman && text[i] == ')') {
            kind = LIST_ROMAN;
            value = roman;
        } else
            return false;
    }
    char form = text[i];
    size_t end = i + 1;
    if (form == '.' && end < self->len && text[end] == ')') {
        form = ']';
        end++;
    } else if (form == ')' && begin > self->start && text[begin - 1] == '(') {
        form = '(';
        begin--;
    }
    if (end >= self->len || !s_space_len(text, self->len, end))
        return false;
    if (begin > self->start && !s_space_len_before(text, self->start, begin) &&
        !s_bullet_len_before(text, self->start, begin))
        return false;
    if (s_at_sentence_start(self, begin)) {
        if (form == '.' && kind == LIST_ALPHA && value != 1)
            return false; /* "E. Smith" is an initial, not item "e." */
        /* "i)" starts a Roman list unless a lettered list is at "h)". */
        if (kind == LIST_ALPHA && roman == 1 && form != '.' &&
            !(self->list_kind == LIST_ALPHA && self->list_next == value)) {
            kind = LIST_ROMAN;
            value = 1;
        }
        self->list_next = value + 1;
        self->list_kind = kind;
        self->list_form = form;
        self->paren_depth -= form == '(' && self->paren_depth > 0;
    } else if (self->list_form == form && s_space_len_before(text, self->start, begin) &&
               ((self->list_kind == kind && self->list_next == value) ||
                (self->list_kind == LIST_ROMAN && roman == self->list_next))) {
        s_emit(self, begin);
        self->list_next++;
    } else
        return false;
    *next_p = end;
    return true;
}

/* A bullet in running text starts a new sentence. */
static void s_on_bullet(splitter_t *self, size_t i)
{
    if ((i == 0 || s_space_len_before(self->text, 0, i)) && s_has_alnum(self, i))
        s_emit(self, i);
}

/* True when i is inside CJK title or quotation brackets (《 》 「 」 『 』)
   that close soon: 《摔跤吧！爸爸》 is a title, not two sentences. */
static bool s_inside_cjk_brackets(const splitter_t *self, size_t i)
{
    const unsigned char *t = (const unsigned char *)self->text;
    size_t limit = i > self->start + QUOTE_WINDOW ? i - QUOTE_WINDOW : self->start;
    for (size_t k = i; k >= limit + 3; k--) {
        if (t[k - 3] != 0xE3 || t[k - 2] != 0x80 || t[k - 1] < 0x8A || t[k - 1] > 0x8F)
            continue;
        if ((t[k - 1] & 1) == 1)
            return false; /* the nearest bracket closes */
        unsigned char closer = (unsigned char)(t[k - 1] + 1);
        size_t end =
            i + QUOTE_CLOSE_WINDOW < self->len ? i + QUOTE_CLOSE_WINDOW : self->len;
        for (size_t j = i; j + 2 < end; j++)
            if (t[j] == 0xE3 && t[j + 1] == 0x80 && t[j + 2] == closer)
                return true;
        return false;
    }
    return false;
}

/* True when what follows the closing quote that ends at i ties the
   quotation to the sentence that frames it: a lower-case word after white
   space ("«…;» ρώτησε"), the Japanese quotative particle glued to it
   ("「…。」と述べた", "って"), or a Chinese speech verb among the next
   three characters ("“…？”她问道", "”他说"). */
static bool s_quote_goes_on(const splitter_t *self, size_t i)
{
    const unsigned char *t = (const unsigned char *)self->text;
    size_t n, k = i;
    while (k < self->len && (n = s_space_len(self->text, self->len, k)) > 0) {
        if (s_line_breaks(self->text, self->len, k))
            return false;
        k += n;
    }
    if (k < self->len && s_case_of(s_decode(self->text, self->len, k, &n)) == NEXT_LOWER)
        return k > i;
    if (k != i || i + 2 >= self->len)
        return false;
    if (t[i] == 0xE3 && t[i + 1] == 0x81 && (t[i + 2] == 0xA8 || t[i + 2] == 0xA3))
        return true; /* と, っ(て) */
    for (int chars = 0; chars < 3 && k + 2 < self->len && t[k] >= 0xE4 && t[k] <= 0xE9;
         chars++, k += 3)
        if ((t[k] == 0xE8 && t[k + 1] == 0xAF && t[k + 2] == 0xB4) ||
            (t[k] == 0xE9 && t[k + 1] == 0x97 && t[k + 2] == 0xAE))
            return true; /* 说, 问 */
    return false;
}

/* True when text[from, to) holds a quote. */
static bool s_quote_in(const splitter_t *self, size_t from, size_t to)
{
    for (size_t k = from; k < to; k++)
        if (s_quote_len(self->text, to, k))
            return true;
    return false;
}

/* A sentence end of a script without abbreviations (see s_cjk_terminal_len),
   or a script's ":" or ";" of length first at i: it ends the sentence
   wherever it is, with its closers, unless inside a title. */
static size_t s_on_cjk_terminal(splitter_t *self, size_t i, size_t first)
{
    size_t n;
    run_kind_t kind;
    i += first;
    while (i < self->len && ((n = s_cjk_terminal_len(self->text, self->len, i)) > 0 ||
                             (n = s_terminal_len(self->text, self->len, i, &kind)) > 0))
        i += n;
    int parens;
    size_t end = i;
    i = s_skip_closers(self, i, &parens);
    if (s_has_alnum(self, i) && !s_inside_cjk_brackets(self, i) &&
        !(s_quote_in(self, end, i) && s_quote_goes_on(self, i)))
        s_emit(self, i);
    return i;
}

/* Whether the ":" or ";" at i ends a sentence: ":" is the Armenian full stop
   (after an Armenian letter, also "...:"), and Arabic-script languages that
   say so end sentences with it; ";" is the Greek question mark. */
static bool s_script_mark_ends(const splitter_t *self, size_t i)
{
    size_t k = i, n;
    while (k > self->start && self->text[k - 1] == '.')
        k--;
    while (k >= self->start + 3 && memcmp(self->text + k - 3, "\xe2\x80\xa6", 3) == 0)
        k -= 3;
    int32_t cp = s_decode_before(self->text, self->start, k, &n);
    if (!n)
        return false;
    if (self->text[i] == ';')
        return (cp >= 0x370 && cp <= 0x3FF) || (cp >= 0x1F00 && cp <= 0x1FFF);
    if (cp >= 0x531 && cp <= 0x587)
        return true;
    /* In Arabic script a colon before an opening quote introduces the
       quotation; the Armenian colon is a full stop. */
    k = i + 1;
    while (k < self->len && (n = s_space_len(self->text, self->len, k)) > 0)
        k += n;
    if (k < self->len && s_opener_len(self->text, self->len, k) && self->text[k] != '(' &&
        self->text[k] != '[' && self->text[k] != '{')
        return false;
    return (self->lang_flags & PRECIS_ABBREV_COLON_ENDS) && cp >= 0x620 && cp <= 0x6FF &&
           s_case_of(cp) == NEXT_OTHER;
}

/* What a line holds, for deciding what a single line break means. */
typedef struct {
    size_t words;
    size_t capitalised; /* words that start with a capital */
    size_t lower;       /* words that start in lower case */
    bool long_line;     /* longer than the window */
    bool final_mark;    /* ends in punctuation, not a letter or digit */
    bool terminal;      /* ends in . ! ? … (before closing quotes, brackets) */
    next_case_t last;   /* the case of the last word's first character */
    next_case_t first;  /* the case of the first character */
    bool label;         /* starts with a label: "READ MORE: ", "Pictured: " */
    int32_t last_cp;
} line_info_t;

/* The longest label a line may start with ("READ MORE:", "See also:"), in
   words and bytes. */
#define LABEL_MAX_WORDS 3
#define LABEL_MAX_BYTES 24

/* True when text[from, to) starts with a label: one to LABEL_MAX_WORDS
   words, the first capitalised, the last ending in a colon that follows a
   letter and is followed by a space ("READ MORE: ", "Watch: ",
   "See also: "), not a time (10:30) or a URL scheme. A scraped page puts
   such a line (a link to another story) right above the article's text. */
static bool s_label_at(const char *text, size_t from, size_t to)
{
    size_t n, words = 1;
    if (s_case_of(s_decode(text, to, from, &n)) != NEXT_UPPER)
        return false;
    for (size_t k = from; k < to && k - from <= LABEL_MAX_BYTES; k++) {
        if (text[k] == ' ' && ++words > LABEL_MAX_WORDS)
            return false;
        if (text[k] == ':')
            return k > from && k + 1 < to && text[k + 1] == ' ' &&
                   s_case_of(s_decode_before(text, from, k, &n)) != NEXT_NONE;
        if (text[k] == '.' || text[k] == ',' || text[k] == '\t')
            return false;
    }
    return false;
}

/* Measures the line text[from, to) (white space at both ends ignored). */
static void s_line_info(const splitter_t *self, size_t from, size_t to, line_info_t *line)
{
    const char *text = self->text;
    size_t n;
    memset(line, 0, sizeof *line);
    while (to > from && (n = s_space_len_before(text, from, to)) > 0)
        to -= n;
    while (from < to && (n = s_space_len(text, to, from)) > 0)
        from += n;
    if (from >= to)
        return;
    bool in_word = false;
    for (size_t k = from; k < to; k++) {
        bool space = text[k] == ' ' || text[k] == '\t';
        if (!space && !in_word) {
            line->words++;
            next_case_t initial = s_case_of(s_decode(text, to, k, &n));
            line->capitalised += initial == NEXT_UPPER;
            line->lower += initial == NEXT_LOWER;
        }
        in_word = !space;
    }
    line->first = s_case_of(s_decode(text, to, from, &n));
    line->label = s_label_at(text, from, to);
    line->last_cp = s_decode_before(text, from, to, &n);
    size_t word = to;
    while (word > from && text[word - 1] != ' ' && text[word - 1] != '\t')
        word--;
    line->last = s_case_of(s_decode(text, to, word, &n));
    line->final_mark = s_case_of(line->last_cp) == NEXT_NONE;
    size_t end = to;
    while (end > from && strchr("\"')]", text[end - 1]) && text[end - 1])
        end--;
    while (end >= from + 3 && s_quote_len(text, to, end - 3) == 3)
        end -= 3;
    while (end >= from + 2 && s_quote_len(text, to, end - 2) == 2)
        end -= 2;
    run_kind_t kind;
    line->terminal =
        end > from &&
        (strchr(".!?", text[end - 1])
             ? text[end - 1] != 0
             : (end >= from + 3 && (s_terminal_len(text, end, end - 3, &kind) == 3 ||
                                    s_cjk_terminal_len(text, end, end - 3) == 3)));
}

/* True when a list item starts at i: a bullet, "-", "*", "+", "1." "2)",
   "a)" or "(b)" followed by white space. */
static bool s_list_item_at(const splitter_t *self, size_t i)
{
    const char *text = self->text;
    size_t len = self->len, k = i;
    if (s_bullet_len(text, len, i))
        return true;
    if (i + 1 < len && strchr("-*+", text[i]) && text[i] && text[i + 1] == ' ')
        return true;
    if (k < len && text[k] == '(')
        k++;
    size_t digits = 0, letters = 0;
    while (k < len && text[k] >= '0' && text[k] <= '9' && digits < 4) {
        k++;
        digits++;
    }
    while (!digits && k < len && s_is_ascii_letter((unsigned char)text[k]) &&
           letters < 4) {
        k++;
        letters++;
    }
    if (k + 1 >= len ||
        !(digits || (letters && s_roman_value(text, k - letters, k)) || letters == 1))
        return false;
    if (text[k] == ')' || (digits && text[k] == '.'))
        return text[k + 1] == ' ' || text[k + 1] == '\t';
    return false;
}

/* At a line break. A blank line always ends the sentence. A single line
   break ends it when the next line starts a list item, when both lines are
   short and unpunctuated (headings, newline-separated lists), when the
   line ends in terminal punctuation or starts with a label ("READ MORE:")
   and the next does not start in lower case; hard-wrapped running text
   goes on: a next line in lower case, or a long line of mostly lower-case
   words, or one that ends in a comma. */
static size_t s_on_line_break(splitter_t *self, size_t i)
{
    const char *text = self->text;
    int breaks = 0;
    size_t j = i, n;
    while (j < self->len && (n = s_space_len(text, self->len, j)) > 0) {
        breaks += s_line_breaks(text, self->len, j);
        j += n;
    }
    bool ends = true;
    if (breaks < 2 && j < self->len && !s_list_item_at(self, j)) {
        size_t from = i, to = j;
        while (from > 0 && i - from < LINE_WINDOW && text[from - 1] != '\n')
            from--;
        while (to < self->len && to - j < LINE_WINDOW && text[to] != '\n')
            to++;
        line_info_t line, next;
        s_line_info(self, from, i, &line);
        s_line_info(self, j, to, &next);
        line.long_line = from > 0 && text[from - 1] != '\n';
        next.long_line = to < self->len && text[to] != '\n';
        bool line_short = !line.long_line && line.words <= SHORT_LINE_WORDS &&
                          !line.final_mark && line.words > 0;
        bool next_short =
            !next.long_line && next.words <= SHORT_LINE_WORDS && !next.final_mark;
        if (line_short && next_short)
            ends = true;
        else if (next.first == NEXT_LOWER)
            ends = false;
        else if (line.terminal)
            ends = true;
        else if (line.label && !line.long_line && next.first != NEXT_OTHER &&
                 line.last_cp != ',' && line.last_cp != ';' && line.last_cp != ':')
            /* "READ MORE: Tower block residents demand answers" above the
               article: a label line (a link, a caption) with no final
               stop, followed by a capitalised line, is a line of its own,
               so that the sentence after it is not judged with it. */
            ends = true;
        else
            /* Running text wraps anywhere; a line mostly in capitals (a
               title, a byline) ends where it ends. */
            ends = !((line.long_line || line.words >= WRAP_MIN_WORDS) &&
                     (line.last_cp == ',' || line.last_cp == ';' ||
                      line.last == NEXT_OTHER || line.lower > line.capitalised));
    }
    if (!ends)
        return j;
    if (breaks >= 2)
        self->list_next = 0;
    self->quotes = 0;
    self->quotes_checked = j;
    s_emit(self, i);
    return j;
}

static size_t s_on_multibyte(splitter_t *self, size_t i)
{
    run_kind_t kind;
    size_t n;
    if (s_line_breaks(self->text, self->len, i))
        return s_on_line_break(self, i);
    if (s_terminal_len(self->text, self->len, i, &kind))
        return s_on_terminal(self, i);
    if ((n = s_cjk_terminal_len(self->text, self->len, i)) > 0)
        return s_on_cjk_terminal(self, i, n);
    if ((n = s_bullet_len(self->text, self->len, i)) > 0) {
        s_on_bullet(self, i);
        return i + n;
    }
    return i + 1;
}

size_t precis_split_lang(const char *text, size_t len, const char *lang,
                         precis_span_t **spans_p)
{
    if (len > UINT32_MAX) {
        fprintf(stderr, "precis_split: text over 4 GiB\n");
        abort();
    }
    splitter_t self = {.text = text, .len = len, .lang = precis_abbrev_lang(lang)};
    self.lang_flags = precis_abbrev_flags(self.lang);
    size_t i = 0, next;
    while (i < len) {
        i = s_next_interesting(text, len, i);
        if (i >= len)
            break;
        switch (text[i]) {
        case '.':
            i = s_on_list_marker(&self, i, &next) ? next : s_on_terminal(&self, i);
            break;
        case '!':
        case '?':
            i = s_on_terminal(&self, i);
            break;
        case '\n':
            i = s_on_line_break(&self, i);
            break;
        case '(':
            self.paren_depth++;
            i++;
            break;
        case ')':
            if (s_on_list_marker(&self, i, &next))
                i = next;
            else {
                self.paren_depth -= self.paren_depth > 0;
                i++;
            }
            break;
        case ':':
        case ';':
            i = s_script_mark_ends(&self, i) ? s_on_cjk_terminal(&self, i, 1) : i + 1;
            break;
        default:
            i = s_on_multibyte(&self, i);
            break;
        }
    }
    s_emit(&self, len);
    *spans_p = self.spans;
    return self.count;
}

size_t precis_split(const char *text, size_t len, precis_span_t **spans_p)
{
    return precis_split_lang(text, len, NULL, spans_p);
}

//  --------------------------------------------------------------------------
//  Self test

typedef struct {
    const char *text;
    const char *expected[8]; /* NULL-terminated */
} split_case_t;

/* A case split with a language's rules (NULL: language-neutral). */
typedef struct {
    const char *lang;
    split_case_t split;
} lang_case_t;

static const split_case_t s_cases[] = {
    {"", {NULL}},
    {" \n\t  \n", {NULL}},
    {"The vote was close. Both sides claimed victory.",
     {"The vote was close.", "Both sides claimed victory."}},
    {"Was it worth it? Nobody knows! Ask again.",
     {"Was it worth it?", "Nobody knows!", "Ask again."}},
    {"  Rain fell all day.   Roads   flooded.  ",
     {"Rain fell all day.", "Roads   flooded."}},
    {"No final punctuation here", {"No final punctuation here"}},
    {"Mr. Brown met Dr. Green and Prof. White. Gen. Black and Sen. Grey came too.",
     {"Mr. Brown met Dr. Green and Prof. White.", "Gen. Black and Sen. Grey came too."}},
    {"Rep. Ortiz visited St. Louis. He left on Tuesday.",
     {"Rep. Ortiz visited St. Louis.", "He left on Tuesday."}},
    {"Sales in the U.S. rose. The U.K. market fell.",
     {"Sales in the U.S. rose.", "The U.K. market fell."}},
    {"Prices rose in the U.K. The pound fell.",
     {"Prices rose in the U.K.", "The pound fell."}},
    {"She joined the U.S. Navy in 1990.", {"She joined the U.S. Navy in 1990."}},
    {"Bring fruit, e.g. apples, i.e. anything sweet, etc. and water.",
     {"Bring fruit, e.g. apples, i.e. anything sweet, etc. and water."}},
    {"The law took effect on Jan. 1 and expires in Dec. 2030.",
     {"The law took effect on Jan. 1 and expires in Dec. 2030."}},
    {"The session starts at 9 a.m. Monday and ends at 5 p.m. The press may attend.",
     {"The session starts at 9 a.m. Monday and ends at 5 p.m.", "The press may attend."}},
    {"He works for Acme Inc. and Widget Corp. in Ohio.",
     {"He works for Acme Inc. and Widget Corp. in Ohio."}},
    {"The deal was signed by Globex Ltd. It closes in May.",
     {"The deal was signed by Globex Ltd.", "It closes in May."}},
    {"He lives at No. 10 Downing Street.", {"He lives at No. 10 Downing Street."}},
    {"Growth was 3.5 percent, worth $1.2bn. Analysts were surprised.",
     {"Growth was 3.5 percent, worth $1.2bn.", "Analysts were surprised."}},
    {"J. R. R. Tolkien wrote it. George W. Bush read it.",
     {"J. R. R. Tolkien wrote it.", "George W. Bush read it."}},
    {"It was me and I. Then we left.", {"It was me and I.", "Then we left."}},
    {"He said \"Stop.\" Then he walked away.",
     {"He said \"Stop.\"", "Then he walked away."}},
    {"\"Stop,\" he said. \"Now!\" She ran.",
     {"\"Stop,\" he said.", "\"Now!\"", "She ran."}},
    {"\"Is it over?\" she asked. Nobody answered.",
     {"\"Is it over?\" she asked.", "Nobody answered."}},
    {"\xe2\x80\x9cWe won.\xe2\x80\x9d The crowd cheered. \xe2\x80\x98Great.\xe2\x80\x99 "
     "he said.",
     {"\xe2\x80\x9cWe won.\xe2\x80\x9d", "The crowd cheered.",
      "\xe2\x80\x98Great.\xe2\x80\x99 he said."}},
    {"The company (founded in 1990.) grew fast. It was sold.",
     {"The company (founded in 1990.) grew fast.", "It was sold."}},
    {"They left (it was late.) Nobody stayed.",
     {"They left (it was late.)", "Nobody stayed."}},
    {"He paused... then went on. She waited\xe2\x80\xa6 Nothing happened.",
     {"He paused... then went on.", "She waited\xe2\x80\xa6", "Nothing happened."}},
    {"Well... I think so.", {"Well... I think so."}},
    {"He waited.... The bus never came.", {"He waited....", "The bus never came."}},
    {"1. Open the box 2. Read the manual 3. Plug it in",
     {"1. Open the box", "2. Read the manual", "3. Plug it in"}},
    {"a) red b) green c) blue", {"a) red", "b) green", "c) blue"}},
    {"\xe2\x80\xa2 Taxes rise \xe2\x80\xa2 Spending falls",
     {"\xe2\x80\xa2 Taxes rise", "\xe2\x80\xa2 Spending falls"}},
    {"Write to press.office@example.org. We reply fast.",
     {"Write to press.office@example.org.", "We reply fast."}},
    {"See https://news.example.com/a/b.html?x=1. It has more.",
     {"See https://news.example.com/a/b.html?x=1.", "It has more."}},
    {"Really?! Yes!! Why?? Because.", {"Really?!", "Yes!!", "Why??", "Because."}},
    {"First paragraph without a stop\n\nSecond paragraph.",
     {"First paragraph without a stop", "Second paragraph."}},
    {"Headline here\nThe story starts.", {"Headline here", "The story starts."}},
    {"A line that wraps\nin the middle.", {"A line that wraps\nin the middle."}},
    {"She talked to Mr.\nSmith.\r\n\r\nEnd.", {"She talked to Mr.", "Smith.", "End."}},
    {"The mayor spoke.He left early.", {"The mayor spoke.", "He left early."}},
    {"He works at Yahoo! in London.", {"He works at Yahoo! in London."}},
    {"Der Kanzler sagte: \xc2\xabNein.\xc2\xbb Dann ging er.",
     {"Der Kanzler sagte: \xc2\xabNein.\xc2\xbb", "Dann ging er."}},
    {"Er kaufte z.B. \xc3\x84pfel, Birnen usw. Das war teuer.",
     {"Er kaufte z.B. \xc3\x84pfel, Birnen usw.", "Das war teuer."}},
    {"Am 3. Oktober feiert Deutschland. Es ist ein Feiertag.",
     {"Am 3. Oktober feiert Deutschland.", "Es ist ein Feiertag."}},
    {"Il a dit \xc2\xab Non. \xc2\xbb Puis il est parti.",
     {"Il a dit \xc2\xab Non. \xc2\xbb", "Puis il est parti."}},
    {"\xc3\x89t\xc3\xa9 chaud. \xc3\x89tudes finies.",
     {"\xc3\x89t\xc3\xa9 chaud.", "\xc3\x89tudes finies."}},
    {"\xe4\xbb\x8a\xe5\xa4\xa9\xe4\xb8\x8b\xe9\x9b\xa8\xe3\x80\x82\xe6\x98\x8e\xe5\xa4"
     "\xa9"
     "\xe6\x99\xb4\xe3\x80\x82",
     {"\xe4\xbb\x8a\xe5\xa4\xa9\xe4\xb8\x8b\xe9\x9b\xa8\xe3\x80\x82",
      "\xe6\x98\x8e\xe5\xa4\xa9\xe6\x99\xb4\xe3\x80\x82"}},
    {"! ? !", {"! ? !"}},
    {"Roe v. Wade was cited on p. 12.", {"Roe v. Wade was cited on p. 12."}},
    {"He earned a Ph.D. in 2001. Then he moved.",
     {"He earned a Ph.D. in 2001.", "Then he moved."}},
    {"The war ended in 1918 with World War I. But peace was brief.",
     {"The war ended in 1918 with World War I.", "But peace was brief."}},
    {"They needed a plan B. The first one failed.",
     {"They needed a plan B.", "The first one failed."}},
    {"The story ran in the FT. But nobody noticed.",
     {"The story ran in the FT.", "But nobody noticed."}},
    {"The bus left at 6 p.m. Passengers were angry. It runs at 8 a.m. Friday.",
     {"The bus left at 6 p.m.", "Passengers were angry.", "It runs at 8 a.m. Friday."}},
    {"By 7 a.m. Mrs. Lee was at work.", {"By 7 a.m. Mrs. Lee was at work."}},
    {"The firm (it was small. Nobody knew it.) grew. Then it failed.",
     {"The firm (it was small. Nobody knew it.) grew.", "Then it failed."}},
    {"A stray (paren. The next sentence is separate.",
     {"A stray (paren.", "The next sentence is separate."}},
    {"(a) cheap (b) fast (c) safe", {"(a) cheap", "(b) fast", "(c) safe"}},
    {"It was known.[3] Later it was forgotten.",
     {"It was known.[3]", "Later it was forgotten."}},
    {"Profits rose in 2016.Shares fell.\"It hurts,\" he said.\"We will recover.\"",
     {"Profits rose in 2016.", "Shares fell.", "\"It hurts,\" he said.",
      "\"We will recover.\""}},
    {"\"We won,\" he said.\"It was hard.\"",
     {"\"We won,\" he said.", "\"It was hard.\""}},
    {"Write to first.Last@example.com today.",
     {"Write to first.Last@example.com today."}},
    {"\xe6\xb5\x8b\xe8\xaf\x95\xef\xbc\x8e\xe5\xae\x8c\xe6\x88\x90\xef\xbc\x81",
     {"\xe6\xb5\x8b\xe8\xaf\x95\xef\xbc\x8e", "\xe5\xae\x8c\xe6\x88\x90\xef\xbc\x81"}},
    {"Use 3.5 liters... or more. Done.", {"Use 3.5 liters... or more.", "Done."}},
    /* A quotation that ends in ? ! or . stays with its speaker. */
    {"\"Why did the repairs take so long?\" Mayor Lina Ortiz asked at a council "
     "meeting.",
     {"\"Why did the repairs take so long?\" Mayor Lina Ortiz asked at a council "
      "meeting."}},
    {"\"We will rebuild!\" Ortiz told reporters. The council agreed.",
     {"\"We will rebuild!\" Ortiz told reporters.", "The council agreed."}},
    {"\"Go!\" she said.", {"\"Go!\" she said."}},
    {"\"It is done!\" Dr. Ortiz said so twice.",
     {"\"It is done!\" Dr. Ortiz said so twice."}},
    {"\"It is done.\" Workers cheered.", {"\"It is done.\"", "Workers cheered."}},
    /* In English each sentence of a quotation is one (as news references
       count them), but a quotation ending in a period starts anew. */
    {"\"The bridge is safe. We checked it twice,\" the engineer said. Nobody asked.",
     {"\"The bridge is safe.", "We checked it twice,\" the engineer said.",
      "Nobody asked."}},
    {"\"It is done.\" Ortiz said so twice.", {"\"It is done.\"", "Ortiz said so twice."}},
    {"\"Why?\" The council said nothing.", {"\"Why?\"", "The council said nothing."}},
    /* A continental quotation is one sentence with its frame; a quotation
       closed by German \xe2\x80\x9c is not glued to the next sentence. */
    {"\xc2\xab"
     "Assez. Partons,\xc2\xbb dit-elle. Il partit.",
     {"\xc2\xab"
      "Assez. Partons,\xc2\xbb dit-elle.",
      "Il partit."}},
    {"\xe2\x80\x9e"
     "Wir sind fertig.\xe2\x80\x9c Dann gingen alle.",
     {"\xe2\x80\x9e"
      "Wir sind fertig.\xe2\x80\x9c",
      "Dann gingen alle."}},
    /* Hard-wrapped text stays whole; headings and lists do not. */
    {"The plan to rebuild the harbour bridge was approved by\nMayor Lina Ortiz on "
     "Monday.",
     {"The plan to rebuild the harbour bridge was approved by\nMayor Lina Ortiz on "
      "Monday."}},
    {"Work on the bridge will start in spring,\nOrtiz said.",
     {"Work on the bridge will start in spring,\nOrtiz said."}},
    {"The bridge opened.\nTraffic was light.",
     {"The bridge opened.", "Traffic was light."}},
    {"The plan to rebuild the bridge was approved by Mayor Lina\nOrtiz on Monday.",
     {"The plan to rebuild the bridge was approved by Mayor Lina\nOrtiz on Monday."}},
    {"Photos by Lina Ortiz and Sam Lee for The Harbour Times\nThe bridge opened.",
     {"Photos by Lina Ortiz and Sam Lee for The Harbour Times", "The bridge opened."}},
    {"Features\ncontact manager\nevents, activities\nshared calendar",
     {"Features", "contact manager", "events, activities", "shared calendar"}},
    {"The council set three goals for the coming year\n- faster repairs\n- lower fares",
     {"The council set three goals for the coming year", "- faster repairs",
      "- lower fares"}},
    {"The council set three goals for the coming\nyear and two more later.",
     {"The council set three goals for the coming\nyear and two more later."}},
    /* A scraped label line (a link to another story) with no final stop
       above the article ends where it ends; wrapped text with a colon in
       it, a time or a lower-case next line still goes on. */
    {"READ MORE: Tower block residents demand answers\nThe council said on Monday "
     "that the cladding on all four towers will be replaced by next summer.",
     {"READ MORE: Tower block residents demand answers",
      "The council said on Monday that the cladding on all four towers will be "
      "replaced by next summer."}},
    {"Watch: Ferry crew rescue two kayakers off the point\nCoastguards praised "
     "the crew of the evening ferry.",
     {"Watch: Ferry crew rescue two kayakers off the point",
      "Coastguards praised the crew of the evening ferry."}},
    {"The harbour master gave one reason for the delay: the storm that\nbroke "
     "the pier supports.",
     {"The harbour master gave one reason for the delay: the storm that\nbroke "
      "the pier supports."}},
    {"At 10:30 the ferry left the pier with two hundred passengers and\nMayor "
     "Ortiz on board.",
     {"At 10:30 the ferry left the pier with two hundred passengers and\nMayor "
      "Ortiz on board."}},
    {"Update: the ferry will leave from the north pier while repairs\ngo on.",
     {"Update: the ferry will leave from the north pier while repairs\ngo on."}},
    /* Lettered and Roman lists. */
    {"a) first item b) second item", {"a) first item", "b) second item"}},
    {"i) cheaper tickets ii) more buses iii) later trains iv) none",
     {"i) cheaper tickets", "ii) more buses", "iii) later trains", "iv) none"}},
    {"(i) red (ii) green", {"(i) red", "(ii) green"}},
    /* Glued sentences, also after an abbreviation-like word and in any script;
       file names, domains and e.g. stay whole. */
    {"Today is Tuesday.Mr. Smith went to the store.",
     {"Today is Tuesday.", "Mr. Smith went to the store."}},
    {"Le vote aura lieu demain.\xc3\x89lus et habitants attendent.",
     {"Le vote aura lieu demain.", "\xc3\x89lus et habitants attendent."}},
    {"The site news.example.org ran on Node.js all week, e.g.Monday.",
     {"The site news.example.org ran on Node.js all week, e.g.Monday."}},
    /* An abbreviation that ends a sentence before a common starter. */
    {"The parade honoured the President of the U.S. Millions attended the parade.",
     {"The parade honoured the President of the U.S.", "Millions attended the parade."}},
    {"U.S. President Ortiz spoke first.", {"U.S. President Ortiz spoke first."}},
    /* Footnote marks stay with the sentence they follow. */
    {"Costs rose sharply in the last decade.11 12 Take the bridge as an example.",
     {"Costs rose sharply in the last decade.11 12", "Take the bridge as an example."}},
    {"The bridge dates from the last century (1901).4 It was rebuilt twice.",
     {"The bridge dates from the last century (1901).4", "It was rebuilt twice."}},
    {"The span is 3.5 km long.", {"The span is 3.5 km long."}},
    {"The club moved to a new ground.26 April - the season ends.",
     {"The club moved to a new ground.", "26 April - the season ends."}},
    {"SEC. 1262 FUNDING OF REPAIRS.", {"SEC. 1262 FUNDING OF REPAIRS."}},
    {"Repairs will take 2 yrs. Then the bridge reopens.",
     {"Repairs will take 2 yrs.", "Then the bridge reopens."}},
    /* Sentence ends of other scripts. */
    {"\xd9\x87\xd9\x84 \xd8\xa7\xd9\x86\xd8\xaa\xd9\x87\xd9\x89\xd8\x9f "
     "\xd9\x86\xd8\xb9\xd9\x85.",
     {"\xd9\x87\xd9\x84 \xd8\xa7\xd9\x86\xd8\xaa\xd9\x87\xd9\x89\xd8\x9f",
      "\xd9\x86\xd8\xb9\xd9\x85."}},
    {"\xd9\x82\xd8\xa7\xd9\x84\xd8\x8c \xd9\x86\xd8\xb9\xd9\x85.",
     {"\xd9\x82\xd8\xa7\xd9\x84\xd8\x8c \xd9\x86\xd8\xb9\xd9\x85."}}, /* ، goes on */
    {"\xd8\xa7\xd9\x84\xd8\xaa\xd9\x82\xd9\x89 \xd8\xaf. \xd8\xb3\xd8\xa7\xd9\x85\xd9"
     "\x8a \xd8\xa7\xd9\x84\xd9\x88\xd8\xb2\xd9\x8a\xd8\xb1.",
     {"\xd8\xa7\xd9\x84\xd8\xaa\xd9\x82\xd9\x89 \xd8\xaf. \xd8\xb3\xd8\xa7\xd9\x85\xd9"
      "\x8a \xd8\xa7\xd9\x84\xd9\x88\xd8\xb2\xd9\x8a\xd8\xb1."}}, /* د. is Dr. */
    {"\xdb\x8c\xdb\x81 \xd9\xb9\xda\xbe\xdb\x8c\xda\xa9 \xdb\x81\xdb\x92\xdb\x94 "
     "\xd9\x88\xdb\x81 \xd8\xa8\xda\xbe\xdb\x8c\xdb\x94",
     {"\xdb\x8c\xdb\x81 \xd9\xb9\xda\xbe\xdb\x8c\xda\xa9 \xdb\x81\xdb\x92\xdb\x94",
      "\xd9\x88\xdb\x81 \xd8\xa8\xda\xbe\xdb\x8c\xdb\x94"}},
    {"\xe0\xa4\xac\xe0\xa4\xbe\xe0\xa4\xb0\xe0\xa4\xbf\xe0\xa4\xb6 \xe0\xa4\xb9\xe0\xa5"
     "\x88\xe0\xa5\xa4 \xe0\xa4\xb8\xe0\xa4\xa1\xe0\xa4\xbc\xe0\xa5\x87\xe0\xa4\x82 "
     "\xe0\xa4\xac\xe0\xa4\x82\xe0\xa4\xa6\xe0\xa5\xa5",
     {"\xe0\xa4\xac\xe0\xa4\xbe\xe0\xa4\xb0\xe0\xa4\xbf\xe0\xa4\xb6 \xe0\xa4\xb9\xe0\xa5"
      "\x88\xe0\xa5\xa4",
      "\xe0\xa4\xb8\xe0\xa4\xa1\xe0\xa4\xbc\xe0\xa5\x87\xe0\xa4\x82 \xe0\xa4\xac\xe0\xa4"
      "\x82\xe0\xa4\xa6\xe0\xa5\xa5"}},
    {"\xd4\xb1\xd5\xb5\xd5\xbd\xd6\x85\xd6\x80 \xd5\xa1\xd5\xb6\xd5\xb1\xd6\x80\xd6\x87 "
     "\xd5\xa7: \xd5\x84\xd5\xa9 \xd5\xa7\xd6\x89 \xd4\xb5\xd5\xbd \xd5\xa3\xd5\xb6"
     "\xd5\xb8\xd6\x82\xd5\xb4 \xd5\xa5\xd5\xb4...:",
     {"\xd4\xb1\xd5\xb5\xd5\xbd\xd6\x85\xd6\x80 \xd5\xa1\xd5\xb6\xd5\xb1\xd6\x80\xd6\x87 "
      "\xd5\xa7:",
      "\xd5\x84\xd5\xa9 \xd5\xa7\xd6\x89",
      "\xd4\xb5\xd5\xbd \xd5\xa3\xd5\xb6\xd5\xb8\xd6\x82\xd5\xb4 \xd5\xa5\xd5\xb4...:"}},
    {"\xce\xa0\xce\xbf\xcf\x8d \xce\xb5\xce\xaf\xce\xbd\xce\xb1\xce\xb9; \xce\x95\xce"
     "\xaf\xce\xbd\xce\xb1\xce\xb9 \xce\xba\xce\xbf\xce\xbd\xcf\x84\xce\xac.",
     {"\xce\xa0\xce\xbf\xcf\x8d \xce\xb5\xce\xaf\xce\xbd\xce\xb1\xce\xb9;",
      "\xce\x95\xce\xaf\xce\xbd\xce\xb1\xce\xb9 \xce\xba\xce\xbf\xce\xbd\xcf\x84\xce"
      "\xac."}},
    {"Tea; milk; sugar.", {"Tea; milk; sugar."}},
    {"\xe1\x8b\x9d\xe1\x8a\x93\xe1\x89\xa5\xe1\x8d\xa2\xe1\x89\xa4\xe1\x89\xb5\xe1\x8d"
     "\xa7",
     {"\xe1\x8b\x9d\xe1\x8a\x93\xe1\x89\xa5\xe1\x8d\xa2", "\xe1\x89\xa4\xe1\x89\xb5\xe1"
                                                          "\x8d\xa7"}},
    {"\xe1\x80\x80\xe1\x81\x8b\xe1\x80\x81\xe1\x81\x8b",
     {"\xe1\x80\x80\xe1\x81\x8b", "\xe1\x80\x81\xe1\x81\x8b"}},
    {"\xe4\xbb\x96\xe8\xaf\xb4\xef\xbc\x9a\xe2\x80\x9c\xe6\x88\x91\xe4\xbb\xac\xe8\xb5"
     "\xa2"
     "\xe4\xba\x86\xe3\x80\x82\xe2\x80\x9d\xe7\x84\xb6\xe5\x90\x8e\xe7\xa6\xbb\xe5\xbc"
     "\x80"
     "\xe3\x80\x82",
     {"\xe4\xbb\x96\xe8\xaf\xb4\xef\xbc\x9a\xe2\x80\x9c\xe6\x88\x91\xe4\xbb\xac\xe8\xb5"
      "\xa2\xe4\xba\x86\xe3\x80\x82\xe2\x80\x9d",
      "\xe7\x84\xb6\xe5\x90\x8e\xe7\xa6\xbb\xe5\xbc\x80\xe3\x80\x82"}},
    {"\xe5\x8e\xbb\xe7\x9c\x8b\xe3\x80\x8a\xe4\xbd\xa0\xe5\xa5\xbd\xef\xbc\x81\xe4\xb8"
     "\x96\xe7\x95\x8c\xe3\x80\x8b\xe5\x90\x97\xef\xbc\x9f\xe5\xa5\xbd\xef\xbc\x81",
     {"\xe5\x8e\xbb\xe7\x9c\x8b\xe3\x80\x8a\xe4\xbd\xa0\xe5\xa5\xbd\xef\xbc\x81\xe4\xb8"
      "\x96\xe7\x95\x8c\xe3\x80\x8b\xe5\x90\x97\xef\xbc\x9f",
      "\xe5\xa5\xbd\xef\xbc\x81"}},
};

/* Per-language abbreviations and word lists, and what the neutral rules do. */
static const lang_case_t s_lang_cases[] = {
    {"es",
     {"\"El puente es seguro. Lo revisamos,\" dijo la ingeniera. Nadie pregunt\xc3\xb3.",
      {"\"El puente es seguro. Lo revisamos,\" dijo la ingeniera.",
       "Nadie pregunt\xc3\xb3."}}},
    {"de",
     {"Der Umsatz stieg um 3 Mio. Euro bzw. 4 Prozent.",
      {"Der Umsatz stieg um 3 Mio. Euro bzw. 4 Prozent."}}},
    {"de",
     {"Sie wohnt in der Berliner Str. 5 in Bremen.",
      {"Sie wohnt in der Berliner Str. 5 in Bremen."}}},
    {"de",
     {"Er kaufte z. B. Brot usw. Das war teuer.",
      {"Er kaufte z. B. Brot usw.", "Das war teuer."}}},
    {"de",
     {"Das Fest dauerte vom 1. -3. Jahrhundert an.",
      {"Das Fest dauerte vom 1. -3. Jahrhundert an."}}},
    {"fr", {"M. Le Maire a parl\xc3\xa9.", {"M. Le Maire a parl\xc3\xa9."}}},
    {"es",
     {"La Sra. Garc\xc3\xad"
      "a habl\xc3\xb3 con el Lic. P\xc3\xa9rez en EE. UU. ayer.",
      {"La Sra. Garc\xc3\xad"
       "a habl\xc3\xb3 con el Lic. P\xc3\xa9rez en EE. UU. ayer."}}},
    {"it",
     {"Sono l'Ing. Rossi e lavoro con l'Avv. Bianchi.",
      {"Sono l'Ing. Rossi e lavoro con l'Avv. Bianchi."}}},
    {"ru",
     {"\xd0\x9e\xd0\xbd \xd0\xb6\xd0\xb8\xd0\xb2\xd1\x91\xd1\x82 \xd0\xbd\xd0\xb0 "
      "\xd1"
      "\x83\xd0\xbb. \xd0\x9b\xd0\xb5\xd0\xbd\xd0\xb8\xd0\xbd\xd0\xb0.",
      {"\xd0\x9e\xd0\xbd \xd0\xb6\xd0\xb8\xd0\xb2\xd1\x91\xd1\x82 \xd0\xbd\xd0\xb0 "
       "\xd1"
       "\x83\xd0\xbb. \xd0\x9b\xd0\xb5\xd0\xbd\xd0\xb8\xd0\xbd\xd0\xb0."}}},
    {"ru",
     {"\xd0\xad\xd1\x82\xd0\xbe \xd0\xb1\xd1\x8b\xd0\xbb\xd0\xbe \xd0\xb2 1990-1998 "
      "\xd0\xb3\xd0\xb3. "
      "\xd0\x92 2000 \xd0\xb3. \xd0\xb2\xd1\x81\xd1\x91 "
      "\xd0\xb8\xd0\xb7\xd0\xbc\xd0\xb5"
      "\xd0\xbd\xd0\xb8\xd0\xbb\xd0\xbe\xd1\x81\xd1\x8c.",
      {"\xd0\xad\xd1\x82\xd0\xbe \xd0\xb1\xd1\x8b\xd0\xbb\xd0\xbe \xd0\xb2 1990-1998 "
       "\xd0\xb3\xd0\xb3.",
       "\xd0\x92 2000 \xd0\xb3. \xd0\xb2\xd1\x81\xd1\x91 "
       "\xd0\xb8\xd0\xb7\xd0\xbc\xd0\xb5"
       "\xd0\xbd\xd0\xb8\xd0\xbb\xd0\xbe\xd1\x81\xd1\x8c."}}},
    {"pt",
     {"A Sra. Costa falou com o Eng. Lima ontem. Depois saiu.",
      {"A Sra. Costa falou com o Eng. Lima ontem.", "Depois saiu."}}},
    {"cs",
     {"Firma vznikla 3. \xc5\x99\xc3\xadjna 2001. Pak rostla.",
      {"Firma vznikla 3. \xc5\x99\xc3\xadjna 2001.", "Pak rostla."}}},
    {"sk", {"Ide o vojakov XII. Pluku.", {"Ide o vojakov XII. Pluku."}}},
    {NULL, {"Ide o vojakov XII. Pluku.", {"Ide o vojakov XII.", "Pluku."}}},
    {"sk",
     {"Firma vznikla 7. Apr\xc3\xadla 2020.", {"Firma vznikla 7. Apr\xc3\xadla 2020."}}},
    {"da", {"Vi bor i E.U. Hvad med dig?", {"Vi bor i E.U.", "Hvad med dig?"}}},
    {"ar",
     {"\xd8\xb3\xd8\xa4\xd8\xa7\xd9\x84: \xd9\x85\xd8\xa7\xd8\xb0\xd8\xa7 "
      "\xd8\xad\xd8\xaf"
      "\xd8\xab\xd8\x9f",
      {"\xd8\xb3\xd8\xa4\xd8\xa7\xd9\x84:",
       "\xd9\x85\xd8\xa7\xd8\xb0\xd8\xa7 \xd8\xad\xd8"
       "\xaf\xd8\xab\xd8\x9f"}}},
    {"und",
     {"\xd8\xb3\xd8\xa4\xd8\xa7\xd9\x84: \xd9\x85\xd8\xa7\xd8\xb0\xd8\xa7 "
      "\xd8\xad\xd8\xaf"
      "\xd8\xab\xd8\x9f",
      {"\xd8\xb3\xd8\xa4\xd8\xa7\xd9\x84: \xd9\x85\xd8\xa7\xd8\xb0\xd8\xa7 "
       "\xd8\xad\xd8\xaf"
       "\xd8\xab\xd8\x9f"}}},
    /* Shapes of the held-out set (tests/data/segmentation), in other words. */
    {"ru", /* a list's end before a capital */
     {"\xd0\x9e\xd0\xbd \xd0\xba\xd1\x83\xd0\xbf\xd0\xb8\xd0\xbb "
      "\xd1\x8f\xd0\xb1\xd0\xbb\xd0\xbe\xd0\xba\xd0\xb8, "
      "\xd0\xb3\xd1\x80\xd1\x83\xd1\x88\xd0\xb8 \xd0\xb8 \xd1\x82. \xd0\xb4. "
      "\xd0\x9f\xd0\xbe\xd1\x82\xd0\xbe\xd0\xbc \xd0\xbe\xd0\xbd "
      "\xd1\x83\xd1\x88\xd1\x91\xd0\xbb \xd0\xb4\xd0\xbe\xd0\xbc\xd0\xbe\xd0\xb9.",
      {"\xd0\x9e\xd0\xbd \xd0\xba\xd1\x83\xd0\xbf\xd0\xb8\xd0\xbb "
       "\xd1\x8f\xd0\xb1\xd0\xbb\xd0\xbe\xd0\xba\xd0\xb8, "
       "\xd0\xb3\xd1\x80\xd1\x83\xd1\x88\xd0\xb8 \xd0\xb8 \xd1\x82. \xd0\xb4.",
       "\xd0\x9f\xd0\xbe\xd1\x82\xd0\xbe\xd0\xbc \xd0\xbe\xd0\xbd "
       "\xd1\x83\xd1\x88\xd1\x91\xd0\xbb \xd0\xb4\xd0\xbe\xd0\xbc\xd0\xbe\xd0\xb9."}}},
    {"uk", /* a currency ends an amount */
     {"\xd0\x9a\xd0\xb2\xd0\xb8\xd1\x82\xd0\xbe\xd0\xba "
      "\xd0\xba\xd0\xbe\xd1\x88\xd1\x82\xd1\x83\xd1\x94 150,50 \xd0\xb3\xd1\x80\xd0\xbd. "
      "\xd0\x97\xd0\xbd\xd0\xb8\xd0\xb6\xd0\xbe\xd0\xba "
      "\xd0\xbd\xd0\xb5\xd0\xbc\xd0\xb0\xd1\x94.",
      {"\xd0\x9a\xd0\xb2\xd0\xb8\xd1\x82\xd0\xbe\xd0\xba "
       "\xd0\xba\xd0\xbe\xd1\x88\xd1\x82\xd1\x83\xd1\x94 150,50 "
       "\xd0\xb3\xd1\x80\xd0\xbd.",
       "\xd0\x97\xd0\xbd\xd0\xb8\xd0\xb6\xd0\xbe\xd0\xba "
       "\xd0\xbd\xd0\xb5\xd0\xbc\xd0\xb0\xd1\x94."}}},
    {"el", /* Greek question in quotes, speech verb */
     {"\xc2\xab\xce\xa0\xcf\x8c\xcf\x84\xce\xb5 "
      "\xcf\x86\xce\xb5\xcf\x8d\xce\xb3\xce\xb5\xce\xb9 \xcf\x84\xce\xbf "
      "\xcf\x80\xce\xbb\xce\xbf\xce\xaf\xce\xbf;\xc2\xbb "
      "\xcf\x81\xcf\x8e\xcf\x84\xce\xb7\xcf\x83\xce\xb5 \xce\xb7 "
      "\xce\xb5\xcf\x80\xce\xb9\xce\xb2\xce\xac\xcf\x84\xce\xb9\xce\xb4\xce\xb1. "
      "\xce\x9a\xce\xb1\xce\xbd\xce\xb5\xce\xaf\xcf\x82 \xce\xb4\xce\xb5\xce\xbd "
      "\xce\xae\xce\xbe\xce\xb5\xcf\x81\xce\xb5.",
      {"\xc2\xab\xce\xa0\xcf\x8c\xcf\x84\xce\xb5 "
       "\xcf\x86\xce\xb5\xcf\x8d\xce\xb3\xce\xb5\xce\xb9 \xcf\x84\xce\xbf "
       "\xcf\x80\xce\xbb\xce\xbf\xce\xaf\xce\xbf;\xc2\xbb "
       "\xcf\x81\xcf\x8e\xcf\x84\xce\xb7\xcf\x83\xce\xb5 \xce\xb7 "
       "\xce\xb5\xcf\x80\xce\xb9\xce\xb2\xce\xac\xcf\x84\xce\xb9\xce\xb4\xce\xb1.",
       "\xce\x9a\xce\xb1\xce\xbd\xce\xb5\xce\xaf\xcf\x82 \xce\xb4\xce\xb5\xce\xbd "
       "\xce\xae\xce\xbe\xce\xb5\xcf\x81\xce\xb5."}}},
    {"ja", /* quotative particle */
     {"\xe7\xa4\xbe\xe9\x95\xb7\xe3\x81\xaf\xe3\x80\x8c\xe6\x9d\xa5\xe5\xb9\xb4\xe3\x82"
      "\x82\xe7\xb6\x9a\xe3\x81\x91\xe3\x82\x8b\xe3\x80\x82\xe3\x80\x8d\xe3\x81\xa8\xe8"
      "\xaa\x9e\xe3\x81\xa3\xe3\x81\x9f\xe3\x80\x82\xe6\xa0\xaa\xe4\xbe\xa1\xe3\x81\xaf"
      "\xe4\xb8\x8a\xe3\x81\x8c\xe3\x81\xa3\xe3\x81\x9f\xe3\x80\x82",
      {"\xe7\xa4\xbe\xe9\x95\xb7\xe3\x81\xaf\xe3\x80\x8c\xe6\x9d\xa5\xe5\xb9\xb4\xe3\x82"
       "\x82\xe7\xb6\x9a\xe3\x81\x91\xe3\x82\x8b\xe3\x80\x82\xe3\x80\x8d\xe3\x81\xa8\xe8"
       "\xaa\x9e\xe3\x81\xa3\xe3\x81\x9f\xe3\x80\x82",
       "\xe6\xa0\xaa\xe4\xbe\xa1\xe3\x81\xaf\xe4\xb8\x8a\xe3\x81\x8c\xe3\x81\xa3\xe3\x81"
       "\x9f\xe3\x80\x82"}}},
    {"zh", /* speech verb after the quote */
     {"\xe2\x80\x9c\xe4\xbd\xa0\xe5\x8e\xbb\xe5\x93\xaa\xe5\x84\xbf\xef\xbc\x9f\xe2\x80"
      "\x9d\xe4\xbb\x96\xe9\x97\xae\xe3\x80\x82\xe6\x88\x91\xe6\xb2\xa1\xe6\x9c\x89\xe5"
      "\x9b\x9e\xe7\xad\x94\xe3\x80\x82",
      {"\xe2\x80\x9c\xe4\xbd\xa0\xe5\x8e\xbb\xe5\x93\xaa\xe5\x84\xbf\xef\xbc\x9f\xe2\x80"
       "\x9d\xe4\xbb\x96\xe9\x97\xae\xe3\x80\x82",
       "\xe6\x88\x91\xe6\xb2\xa1\xe6\x9c\x89\xe5\x9b\x9e\xe7\xad\x94\xe3\x80\x82"}}},
    {"zh", /* no speech verb: a new sentence */
     {"\xe2\x80\x9c\xe6\x88\x91\xe4\xbb\xac\xe8\xb5\xa2\xe4\xba\x86\xe3\x80\x82\xe2\x80"
      "\x9d\xe7\x84\xb6\xe5\x90\x8e\xe4\xbb\x96\xe4\xbb\xac\xe8\xb5\xb0\xe4\xba\x86\xe3"
      "\x80\x82",
      {"\xe2\x80\x9c\xe6\x88\x91\xe4\xbb\xac\xe8\xb5\xa2\xe4\xba\x86\xe3\x80\x82\xe2\x80"
       "\x9d",
       "\xe7\x84\xb6\xe5\x90\x8e\xe4\xbb\x96\xe4\xbb\xac\xe8\xb5\xb0\xe4\xba\x86\xe3\x80"
       "\x82"}}},
    {"ar", /* colon before a quotation */
     {"\xd9\x82\xd8\xa7\xd9\x84\xd8\xaa "
      "\xd8\xa7\xd9\x84\xd9\x88\xd8\xb2\xd9\x8a\xd8\xb1\xd8\xa9: "
      "\xc2\xab\xd9\x84\xd9\x86 "
      "\xd9\x86\xd8\xaa\xd8\xb1\xd8\xa7\xd8\xac\xd8\xb9\xc2\xbb. \xd8\xab\xd9\x85 "
      "\xd8\xba\xd8\xa7\xd8\xaf\xd8\xb1\xd8\xaa.",
      {"\xd9\x82\xd8\xa7\xd9\x84\xd8\xaa "
       "\xd8\xa7\xd9\x84\xd9\x88\xd8\xb2\xd9\x8a\xd8\xb1\xd8\xa9: "
       "\xc2\xab\xd9\x84\xd9\x86 "
       "\xd9\x86\xd8\xaa\xd8\xb1\xd8\xa7\xd8\xac\xd8\xb9\xc2\xbb.",
       "\xd8\xab\xd9\x85 \xd8\xba\xd8\xa7\xd8\xaf\xd8\xb1\xd8\xaa."}}},
    {"fa", /* ellipsis in a caseless script */
     {"\xd8\xb5\xd8\xa8\xd8\xb1 \xda\xa9\xd8\xb1\xd8\xaf... \xd8\xa8\xd8\xb9\xd8\xaf "
      "\xd8\xb1\xd9\x81\xd8\xaa. \xd9\x87\xd9\x85\xd9\x87 "
      "\xd9\x85\xd8\xa7\xd9\x86\xd8\xaf\xd9\x86\xd8\xaf.",
      {"\xd8\xb5\xd8\xa8\xd8\xb1 \xda\xa9\xd8\xb1\xd8\xaf... \xd8\xa8\xd8\xb9\xd8\xaf "
       "\xd8\xb1\xd9\x81\xd8\xaa.",
       "\xd9\x87\xd9\x85\xd9\x87 \xd9\x85\xd8\xa7\xd9\x86\xd8\xaf\xd9\x86\xd8\xaf."}}},
    {"hi", /* one caseless letter is an abbreviation */
     {"\xe0\xa4\xaf\xe0\xa4\xb9 "
      "\xe0\xa4\xae\xe0\xa4\x82\xe0\xa4\xa6\xe0\xa4\xbf\xe0\xa4\xb0 1850 \xe0\xa4\x88. "
      "\xe0\xa4\xae\xe0\xa5\x87\xe0\xa4\x82 \xe0\xa4\xac\xe0\xa4\xa8\xe0\xa4\xbe "
      "\xe0\xa4\xa5\xe0\xa4\xbe\xe0\xa5\xa4 \xe0\xa4\x86\xe0\xa4\x9c "
      "\xe0\xa4\xaf\xe0\xa4\xb9 "
      "\xe0\xa4\xaa\xe0\xa5\x8d\xe0\xa4\xb0\xe0\xa4\xb8\xe0\xa4\xbf\xe0\xa4\xa6\xe0\xa5"
      "\x8d\xe0\xa4\xa7 \xe0\xa4\xb9\xe0\xa5\x88\xe0\xa5\xa4",
      {"\xe0\xa4\xaf\xe0\xa4\xb9 "
       "\xe0\xa4\xae\xe0\xa4\x82\xe0\xa4\xa6\xe0\xa4\xbf\xe0\xa4\xb0 1850 \xe0\xa4\x88. "
       "\xe0\xa4\xae\xe0\xa5\x87\xe0\xa4\x82 \xe0\xa4\xac\xe0\xa4\xa8\xe0\xa4\xbe "
       "\xe0\xa4\xa5\xe0\xa4\xbe\xe0\xa5\xa4",
       "\xe0\xa4\x86\xe0\xa4\x9c \xe0\xa4\xaf\xe0\xa4\xb9 "
       "\xe0\xa4\xaa\xe0\xa5\x8d\xe0\xa4\xb0\xe0\xa4\xb8\xe0\xa4\xbf\xe0\xa4\xa6\xe0\xa5"
       "\x8d\xe0\xa4\xa7 \xe0\xa4\xb9\xe0\xa5\x88\xe0\xa5\xa4"}}},
    {"tr", /* ordinal in a name */
     {"Dedesi 2. D\xc3\xbcnya Sava\xc5\x9f\xc4\xb1'nda sava\xc5\x9ft\xc4\xb1. Sonra "
      "k\xc3\xb6y\xc3\xbcne d\xc3\xb6nd\xc3\xbc.",
      {"Dedesi 2. D\xc3\xbcnya Sava\xc5\x9f\xc4\xb1'nda sava\xc5\x9ft\xc4\xb1.",
       "Sonra k\xc3\xb6y\xc3\xbcne d\xc3\xb6nd\xc3\xbc."}}},
    {"hy", /* the Armenian colon ends before a quote */
     {"\xd5\x86\xd5\xa1 \xd5\xa3\xd5\xb6\xd5\xa1\xd6\x81 "
      "\xd5\xbf\xd5\xb8\xd6\x82\xd5\xb6: \xc2\xab\xd4\xb5\xd5\xbd "
      "\xd5\xb0\xd5\xb8\xd5\xa3\xd5\xb6\xd5\xa5\xd5\xac \xd5\xa5\xd5\xb4\xc2\xbb, - "
      "\xd5\xa1\xd5\xbd\xd5\xa1\xd6\x81 \xd5\xb6\xd5\xa1:",
      {"\xd5\x86\xd5\xa1 \xd5\xa3\xd5\xb6\xd5\xa1\xd6\x81 "
       "\xd5\xbf\xd5\xb8\xd6\x82\xd5\xb6:",
       "\xc2\xab\xd4\xb5\xd5\xbd \xd5\xb0\xd5\xb8\xd5\xa3\xd5\xb6\xd5\xa5\xd5\xac "
       "\xd5\xa5\xd5\xb4\xc2\xbb, - \xd5\xa1\xd5\xbd\xd5\xa1\xd6\x81 "
       "\xd5\xb6\xd5\xa1:"}}},
    {"ka", /* Georgian has no case */
     {"\xe1\x83\x9b\xe1\x83\x90\xe1\x83\xa2\xe1\x83\x90\xe1\x83\xa0\xe1\x83\x94\xe1\x83"
      "\x91\xe1\x83\x94\xe1\x83\x9a\xe1\x83\x98 "
      "\xe1\x83\x92\xe1\x83\x95\xe1\x83\x98\xe1\x83\x90\xe1\x83\x9c "
      "\xe1\x83\x9b\xe1\x83\x9d\xe1\x83\x95\xe1\x83\x98\xe1\x83\x93\xe1\x83\x90. "
      "\xe1\x83\x9b\xe1\x83\x92\xe1\x83\x96\xe1\x83\x90\xe1\x83\x95\xe1\x83\xa0\xe1\x83"
      "\x94\xe1\x83\x91\xe1\x83\x98 "
      "\xe1\x83\x94\xe1\x83\x9a\xe1\x83\x9d\xe1\x83\x93\xe1\x83\x9c\xe1\x83\x94\xe1\x83"
      "\x9c.",
      {"\xe1\x83\x9b\xe1\x83\x90\xe1\x83\xa2\xe1\x83\x90\xe1\x83\xa0\xe1\x83\x94\xe1\x83"
       "\x91\xe1\x83\x94\xe1\x83\x9a\xe1\x83\x98 "
       "\xe1\x83\x92\xe1\x83\x95\xe1\x83\x98\xe1\x83\x90\xe1\x83\x9c "
       "\xe1\x83\x9b\xe1\x83\x9d\xe1\x83\x95\xe1\x83\x98\xe1\x83\x93\xe1\x83\x90.",
       "\xe1\x83\x9b\xe1\x83\x92\xe1\x83\x96\xe1\x83\x90\xe1\x83\x95\xe1\x83\xa0\xe1\x83"
       "\x94\xe1\x83\x91\xe1\x83\x98 "
       "\xe1\x83\x94\xe1\x83\x9a\xe1\x83\x9d\xe1\x83\x93\xe1\x83\x9c\xe1\x83\x94\xe1\x83"
       "\x9c."}}},
    {"bn", /* one akshara is an abbreviation */
     {"\xe0\xa6\xa1\xe0\xa6\xbe. \xe0\xa6\x95\xe0\xa6\xb0\xe0\xa6\xbf\xe0\xa6\xae "
      "\xe0\xa6\xb0\xe0\xa7\x8b\xe0\xa6\x97\xe0\xa7\x80 "
      "\xe0\xa6\xa6\xe0\xa7\x87\xe0\xa6\x96\xe0\xa6\xb2\xe0\xa7\x87\xe0\xa6\xa8\xe0\xa5"
      "\xa4 \xe0\xa6\xa4\xe0\xa6\xbe\xe0\xa6\xb0\xe0\xa6\xaa\xe0\xa6\xb0 "
      "\xe0\xa6\xac\xe0\xa6\xbe\xe0\xa6\xa1\xe0\xa6\xbc\xe0\xa6\xbf "
      "\xe0\xa6\x97\xe0\xa7\x87\xe0\xa6\xb2\xe0\xa7\x87\xe0\xa6\xa8\xe0\xa5\xa4",
      {"\xe0\xa6\xa1\xe0\xa6\xbe. \xe0\xa6\x95\xe0\xa6\xb0\xe0\xa6\xbf\xe0\xa6\xae "
       "\xe0\xa6\xb0\xe0\xa7\x8b\xe0\xa6\x97\xe0\xa7\x80 "
       "\xe0\xa6\xa6\xe0\xa7\x87\xe0\xa6\x96\xe0\xa6\xb2\xe0\xa7\x87\xe0\xa6\xa8\xe0\xa5"
       "\xa4",
       "\xe0\xa6\xa4\xe0\xa6\xbe\xe0\xa6\xb0\xe0\xa6\xaa\xe0\xa6\xb0 "
       "\xe0\xa6\xac\xe0\xa6\xbe\xe0\xa6\xa1\xe0\xa6\xbc\xe0\xa6\xbf "
       "\xe0\xa6\x97\xe0\xa7\x87\xe0\xa6\xb2\xe0\xa7\x87\xe0\xa6\xa8\xe0\xa5\xa4"}}},
    {"cs", /* a list's end before a capital */
     {"Prod\xc3\xa1vaj\xc3\xad ml\xc3\xa9ko, s\xc3\xbdry atd. Obchod "
      "otv\xc3\xadr\xc3\xa1 v osm.",
      {"Prod\xc3\xa1vaj\xc3\xad ml\xc3\xa9ko, s\xc3\xbdry atd.",
       "Obchod otv\xc3\xadr\xc3\xa1 v osm."}}},
};

static bool s_check_case(const split_case_t *c, const char *lang, bool verbose)
{
    precis_span_t *spans;
    size_t count = precis_split_lang(c->text, strlen(c->text), lang, &spans);
    size_t expected = 0;
    bool ok = true;
    while (c->expected[expected])
        expected++;
    ok = count == expected;
    for (size_t i = 0; ok && i < count; i++)
        ok = strlen(c->expected[i]) == spans[i].len &&
             memcmp(c->expected[i], c->text + spans[i].start, spans[i].len) == 0;
    if (!ok && verbose) {
        printf("splitter: FAIL on \"%s\" (%s)\n  expected:", c->text,
               lang ? lang : "neutral");
        for (size_t i = 0; i < expected; i++)
            printf(" [%s]", c->expected[i]);
        printf("\n  got:     ");
        for (size_t i = 0; i < count; i++)
            printf(" [%.*s]", (int)spans[i].len, c->text + spans[i].start);
        printf("\n");
    }
    free(spans);
    return ok;
}

int precis_splitter_test(bool verbose)
{
    int failures = 0;
    for (size_t i = 0; i < COUNT(s_cases); i++)
        failures += !s_check_case(&s_cases[i], NULL, verbose);
    for (size_t i = 0; i < COUNT(s_lang_cases); i++)
        failures += !s_check_case(&s_lang_cases[i].split, s_lang_cases[i].lang, verbose);
    /* The tables must stay sorted for bsearch. */
    const char **tables[] = {s_exclaim_names, s_time_followers};
    size_t sizes[] = {COUNT(s_exclaim_names), COUNT(s_time_followers)};
    for (size_t t = 0; t < COUNT(tables); t++)
        for (size_t i = 1; i < sizes[t]; i++)
            if (strcmp(tables[t][i - 1], tables[t][i]) >= 0) {
                if (verbose)
                    printf("splitter: table %zu not sorted at \"%s\"\n", t, tables[t][i]);
                failures++;
            }
    if (verbose && failures)
        printf("splitter: %d failures\n", failures);
    return failures;
}
