/*  precis_splitter - sentence boundary detection for news text.

    One pass over the bytes. Only a few bytes can end a sentence or start a
    list item (. ! ? ( ) newline, and the lead bytes of … 。 ！ ？ • ⁃ and the
    Unicode line separators), so the scan skips everything else through a
    table. At each candidate the splitter looks at a bounded window: the token
    before the terminal (abbreviation? initial? number?), the closing quotes
    and brackets after it, and the first word after it (lower case? a common
    sentence starter?). The only allocation is the growing span array.

    Rules, in short:
    - . ! ? … end a sentence when followed by white space and then a word that
      does not start in lower case; closing quotes and brackets after the
      terminal belong to the sentence.
    - Titles (Mr. Dr. Gen. St. ...), e.g., i.e., and single-letter initials
      never end a sentence; "No." and friends do not before a number.
    - Abbreviations that often end a sentence (U.S., Inc., Jan., a.m., etc.)
      end one only before a common sentence starter ("The", "He", "How"...)
      and when the sentence has a few words, so "the U.S. Senate" and
      "At 5 a.m. Mr. Smith" stay whole but "in the U.S. How about you?" splits.
    - Ellipses end a sentence only before a capitalised word other than "I".
    - Numbered, lettered and bulleted list items are sentences of their own.
    - A blank line always ends a sentence; a single newline does too, unless
      the next line starts in lower case (hard-wrapped text).
    - Paragraphs glued without a space ("community.Dr Venter") are split.
    - CJK full stops end a sentence wherever they are.
*/
#include "precis_splitter.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

/* How far the splitter looks around a candidate boundary, in bytes. */
#define TOKEN_WINDOW     64
#define LOOKAHEAD_WINDOW 64
#define GLUE_WINDOW      256
#define QUOTE_WINDOW     1024
/* An open parenthesis holds back a sentence end only when its ")" comes
   within this many bytes, so that a stray "(" glues nothing together. */
#define PAREN_WINDOW 200
/* The longest entry of s_abbreviations, in bytes. */
#define MAX_ABBREVIATION_LEN 6
/* Sentences ending in an ambiguous abbreviation need this many words. */
#define MIN_WORDS_BEFORE_ABBREVIATION 4

typedef enum { NEXT_NONE, NEXT_LOWER, NEXT_UPPER, NEXT_DIGIT, NEXT_OTHER } next_case_t;
typedef enum { RUN_PERIOD, RUN_EXCLAIM, RUN_ELLIPSIS } run_kind_t;
typedef enum {
    ABBR_NONE,
    ABBR_NEVER_ENDS,
    ABBR_BEFORE_NUMBER,
    ABBR_AMBIGUOUS
} abbr_kind_t;

/* What follows a candidate boundary. */
typedef struct {
    next_case_t kind;
    char word[24]; /* the next word, ASCII lower-cased, NUL-terminated */
    size_t word_len;
} lookahead_t;

typedef struct {
    const char *text;
    size_t len;
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
    bool list_alpha;
    char list_form;
} splitter_t;

/* Abbreviations, lower case and without the final period, sorted (strcmp
   order) for bsearch. Titles, e.g., vs. and the like never end a sentence;
   No., Fig., Vol. and the like do not before a number; ambiguous ones (Inc.,
   Jan., Jr., state names) end one only before a common sentence starter. */
typedef struct {
    const char *word;
    abbr_kind_t kind;
} abbreviation_t;

static const abbreviation_t s_abbreviations[] = {
    {"adm", ABBR_NEVER_ENDS},
    {"al", ABBR_AMBIGUOUS},
    {"approx", ABBR_NEVER_ENDS},
    {"apr", ABBR_AMBIGUOUS},
    {"ariz", ABBR_AMBIGUOUS},
    {"art", ABBR_BEFORE_NUMBER},
    {"assn", ABBR_AMBIGUOUS},
    {"aug", ABBR_AMBIGUOUS},
    {"ave", ABBR_AMBIGUOUS},
    {"bd", ABBR_BEFORE_NUMBER},
    {"blvd", ABBR_AMBIGUOUS},
    {"brig", ABBR_NEVER_ENDS},
    {"bros", ABBR_AMBIGUOUS},
    {"bzw", ABBR_NEVER_ENDS},
    {"ca", ABBR_NEVER_ENDS},
    {"calif", ABBR_AMBIGUOUS},
    {"capt", ABBR_NEVER_ENDS},
    {"cf", ABBR_NEVER_ENDS},
    {"ch", ABBR_BEFORE_NUMBER},
    {"chap", ABBR_BEFORE_NUMBER},
    {"cie", ABBR_AMBIGUOUS},
    {"cmdr", ABBR_NEVER_ENDS},
    {"co", ABBR_AMBIGUOUS},
    {"col", ABBR_NEVER_ENDS},
    {"colo", ABBR_AMBIGUOUS},
    {"conn", ABBR_AMBIGUOUS},
    {"corp", ABBR_AMBIGUOUS},
    {"cpl", ABBR_NEVER_ENDS},
    {"d.h", ABBR_NEVER_ENDS},
    {"dec", ABBR_AMBIGUOUS},
    {"dept", ABBR_AMBIGUOUS},
    {"det", ABBR_NEVER_ENDS},
    {"dr", ABBR_NEVER_ENDS},
    {"drs", ABBR_NEVER_ENDS},
    {"e.g", ABBR_NEVER_ENDS},
    {"est", ABBR_AMBIGUOUS},
    {"evtl", ABBR_NEVER_ENDS},
    {"feb", ABBR_AMBIGUOUS},
    {"fig", ABBR_BEFORE_NUMBER},
    {"figs", ABBR_BEFORE_NUMBER},
    {"fla", ABBR_AMBIGUOUS},
    {"fr", ABBR_NEVER_ENDS},
    {"ft", ABBR_AMBIGUOUS},
    {"ga", ABBR_AMBIGUOUS},
    {"gen", ABBR_NEVER_ENDS},
    {"ggf", ABBR_NEVER_ENDS},
    {"gov", ABBR_NEVER_ENDS},
    {"govt", ABBR_AMBIGUOUS},
    {"hon", ABBR_NEVER_ENDS},
    {"hr", ABBR_NEVER_ENDS},
    {"hrn", ABBR_NEVER_ENDS},
    {"i.e", ABBR_NEVER_ENDS},
    {"inc", ABBR_AMBIGUOUS},
    {"inkl", ABBR_NEVER_ENDS},
    {"insp", ABBR_NEVER_ENDS},
    {"intl", ABBR_AMBIGUOUS},
    {"jan", ABBR_AMBIGUOUS},
    {"jr", ABBR_AMBIGUOUS},
    {"jul", ABBR_AMBIGUOUS},
    {"jun", ABBR_AMBIGUOUS},
    {"kan", ABBR_AMBIGUOUS},
    {"ky", ABBR_AMBIGUOUS},
    {"llc", ABBR_AMBIGUOUS},
    {"lt", ABBR_NEVER_ENDS},
    {"ltd", ABBR_AMBIGUOUS},
    {"maj", ABBR_NEVER_ENDS},
    {"mar", ABBR_AMBIGUOUS},
    {"md", ABBR_AMBIGUOUS},
    {"messrs", ABBR_NEVER_ENDS},
    {"mfg", ABBR_AMBIGUOUS},
    {"mgr", ABBR_NEVER_ENDS},
    {"mich", ABBR_AMBIGUOUS},
    {"minn", ABBR_AMBIGUOUS},
    {"mlle", ABBR_NEVER_ENDS},
    {"mme", ABBR_NEVER_ENDS},
    {"mr", ABBR_NEVER_ENDS},
    {"mrs", ABBR_NEVER_ENDS},
    {"ms", ABBR_NEVER_ENDS},
    {"msgr", ABBR_NEVER_ENDS},
    {"mt", ABBR_NEVER_ENDS},
    {"neb", ABBR_AMBIGUOUS},
    {"nev", ABBR_AMBIGUOUS},
    {"no", ABBR_BEFORE_NUMBER},
    {"nos", ABBR_BEFORE_NUMBER},
    {"nov", ABBR_AMBIGUOUS},
    {"nr", ABBR_BEFORE_NUMBER},
    {"n\xc2\xb0", ABBR_BEFORE_NUMBER},
    {"n\xc2\xba", ABBR_BEFORE_NUMBER},
    {"oct", ABBR_AMBIGUOUS},
    {"okla", ABBR_AMBIGUOUS},
    {"op", ABBR_BEFORE_NUMBER},
    {"pa", ABBR_AMBIGUOUS},
    {"para", ABBR_BEFORE_NUMBER},
    {"plc", ABBR_AMBIGUOUS},
    {"pp", ABBR_BEFORE_NUMBER},
    {"pres", ABBR_NEVER_ENDS},
    {"prof", ABBR_NEVER_ENDS},
    {"pvt", ABBR_NEVER_ENDS},
    {"rd", ABBR_AMBIGUOUS},
    {"ref", ABBR_BEFORE_NUMBER},
    {"rep", ABBR_NEVER_ENDS},
    {"reps", ABBR_NEVER_ENDS},
    {"resp", ABBR_NEVER_ENDS},
    {"rev", ABBR_NEVER_ENDS},
    {"rs", ABBR_BEFORE_NUMBER},
    {"sec", ABBR_BEFORE_NUMBER},
    {"sen", ABBR_NEVER_ENDS},
    {"sens", ABBR_NEVER_ENDS},
    {"sep", ABBR_AMBIGUOUS},
    {"sept", ABBR_AMBIGUOUS},
    {"sgt", ABBR_NEVER_ENDS},
    {"sog", ABBR_NEVER_ENDS},
    {"sr", ABBR_AMBIGUOUS},
    {"st", ABBR_NEVER_ENDS},
    {"ste", ABBR_NEVER_ENDS},
    {"supt", ABBR_NEVER_ENDS},
    {"tel", ABBR_BEFORE_NUMBER},
    {"tenn", ABBR_AMBIGUOUS},
    {"tex", ABBR_AMBIGUOUS},
    {"u.a", ABBR_NEVER_ENDS},
    {"univ", ABBR_AMBIGUOUS},
    {"va", ABBR_AMBIGUOUS},
    {"vgl", ABBR_NEVER_ENDS},
    {"viz", ABBR_NEVER_ENDS},
    {"vol", ABBR_BEFORE_NUMBER},
    {"vols", ABBR_BEFORE_NUMBER},
    {"vs", ABBR_NEVER_ENDS},
    {"wis", ABBR_AMBIGUOUS},
    {"z.b", ABBR_NEVER_ENDS},
    {"z.t", ABBR_NEVER_ENDS},
};

/* Words that often start a sentence, in English, German and French. After an
   ambiguous abbreviation only these start a new sentence. */
static const char *s_starters[] = {
    "a",         "after",   "alors",    "also",  "although", "am",    "an",    "and",
    "as",        "at",      "au",       "auch",  "because",  "bei",   "being", "both",
    "but",       "by",      "ce",       "cela",  "ces",      "dann",  "dans",  "das",
    "dem",       "den",     "der",      "did",   "die",      "do",    "doch",  "does",
    "dr",        "during",  "each",     "ein",   "eine",     "elle",  "er",    "es",
    "even",      "every",   "for",      "from",  "he",       "her",   "here",  "his",
    "how",       "however", "i",        "ich",   "if",       "il",    "ils",   "in",
    "instead",   "it",      "its",      "je",    "le",       "les",   "mais",  "many",
    "meanwhile", "more",    "moreover", "most",  "mr",       "mrs",   "ms",    "my",
    "nach",      "no",      "not",      "nous",  "now",      "nun",   "on",    "once",
    "one",       "only",    "or",       "our",   "she",      "sie",   "since", "so",
    "some",      "still",   "such",     "that",  "the",      "their", "then",  "there",
    "these",     "they",    "this",     "those", "though",   "thus",  "to",    "today",
    "und",       "under",   "unlike",   "until", "we",       "what",  "when",  "where",
    "whether",   "which",   "while",    "who",   "whose",    "why",   "wir",   "with",
    "yesterday", "yet",     "you",      "your",
};

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

/* German month names: "am 3. Oktober" is a date, not a sentence end. */
static const char *s_german_months[] = {
    "april",         "august", "dezember",    "februar",  "januar",  "juli",      "juni",
    "j\xc3\xa4nner", "mai",    "m\xc3\xa4rz", "november", "oktober", "september",
};

#define COUNT(array) (sizeof(array) / sizeof((array)[0]))

/* Bytes that may start something the splitter acts on. */
static const bool s_interesting[256] = {
    ['.'] = true, ['!'] = true,  ['?'] = true,  ['\n'] = true, ['('] = true,
    [')'] = true, [0xE2] = true, [0xE3] = true, [0xEF] = true,
};

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
        (t[i + 2] == 0x99 || t[i + 2] == 0x9D || t[i + 2] == 0xBA || t[i + 2] == 0xB9))
        return 3; /* ’ ” › ‹ */
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

/* Length of a CJK sentence end at text[i] (。 ！ ？ ｡), 0 if none. */
static size_t s_cjk_terminal_len(const char *text, size_t len, size_t i)
{
    const unsigned char *t = (const unsigned char *)text;
    if (i + 2 >= len)
        return 0;
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

/* Looks at what follows position i: skips white space and punctuation (but
   not a line break) to the first letter or digit, and takes the word there. */
static void s_look_ahead(splitter_t *self, size_t i, lookahead_t *ahead)
{
    const char *text = self->text;
    size_t limit = i + LOOKAHEAD_WINDOW < self->len ? i + LOOKAHEAD_WINDOW : self->len;
    ahead->kind = NEXT_NONE;
    ahead->word_len = 0;
    ahead->word[0] = 0;
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
    /* The word: its letters, ASCII lower-cased, others kept as they are. */
    while (i < self->len) {
        size_t n;
        next_case_t letter = s_case_of(s_decode(text, self->len, i, &n));
        if (letter == NEXT_NONE || letter == NEXT_DIGIT ||
            ahead->word_len + n >= sizeof ahead->word)
            break;
        for (size_t k = 0; k < n; k++) {
            unsigned char c = (unsigned char)text[i + k];
            ahead->word[ahead->word_len++] = (char)(s_is_ascii_upper(c) ? c | 0x20 : c);
        }
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

/* Copies text[start, end) lower-cased (ASCII) into buffer; false if too long. */
static bool s_lower_copy(const char *text, size_t start, size_t end, char *buffer,
                         size_t size)
{
    if (end - start + 1 > size)
        return false;
    for (size_t i = start; i < end; i++) {
        unsigned char c = (unsigned char)text[i];
        buffer[i - start] = (char)(s_is_ascii_upper(c) ? c | 0x20 : c);
    }
    buffer[end - start] = 0;
    return true;
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

static int s_compare_abbreviations(const void *key, const void *item)
{
    return strcmp((const char *)key, ((const abbreviation_t *)item)->word);
}

static abbr_kind_t s_abbreviation_kind(const char *word)
{
    if (strlen(word) > MAX_ABBREVIATION_LEN)
        return ABBR_NONE;
    const abbreviation_t *found =
        bsearch(word, s_abbreviations, COUNT(s_abbreviations), sizeof *s_abbreviations,
                s_compare_abbreviations);
    return found ? found->kind : ABBR_NONE;
}

/* Letters with periods between, each part one or two letters: U.S, a.m, Ph.D. */
static bool s_is_dotted_abbreviation(const char *word)
{
    size_t part = 0;
    bool dotted = false;
    for (const char *c = word; *c; c++) {
        if (*c == '.') {
            if (part == 0)
                return false;
            dotted = true;
            part = 0;
        } else if (s_is_ascii_letter((unsigned char)*c)) {
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
           s_in_list(ahead->word, s_starters, COUNT(s_starters)) &&
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

/* Decides whether a single period at i, followed by white space and then
   something that is not lower case, ends the sentence. */
static bool s_period_ends(const splitter_t *self, size_t i, const lookahead_t *ahead)
{
    size_t start;
    char word[32];
    if (!s_token_before(self, i, &start) || start == i ||
        !s_lower_copy(self->text, start, i, word, sizeof word) ||
        s_is_acronym(self->text, start, i))
        return true;
    switch (s_abbreviation_kind(word)) {
    case ABBR_NEVER_ENDS:
        return false;
    case ABBR_BEFORE_NUMBER:
        return ahead->kind != NEXT_DIGIT;
    case ABBR_AMBIGUOUS:
        return s_ambiguous_ends(self, start, ahead);
    case ABBR_NONE:
        break;
    }
    size_t size;
    int32_t cp = s_decode(self->text, self->len, start, &size);
    if (start + size == i && s_case_of(cp) == NEXT_LOWER)
        return false; /* p. 55, v. Wade */
    if (start + size == i && s_case_of(cp) == NEXT_UPPER)
        /* An initial, unless it is the pronoun ("you and I. Did you") or a
           common sentence starter follows ("World War I. But", "Plan B. The");
           a one-letter word may be the next initial ("J. A. Smith"). */
        return (cp == 'I' && s_previous_word_is_lower(self, start)) ||
               (ahead->word_len > 1 && s_ambiguous_ends(self, start, ahead));
    if (strcmp(word, "a.m") == 0 || strcmp(word, "p.m") == 0)
        return s_time_ends(self, start, ahead);
    if (s_is_dotted_abbreviation(word))
        return s_ambiguous_ends(self, start, ahead);
    if (i - start <= 2 && self->text[start] >= '0' && self->text[start] <= '9' &&
        s_in_list(ahead->word, s_german_months, COUNT(s_german_months)))
        return false; /* am 3. Oktober */
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
        if (i + n < self->len &&
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

/* Paragraphs glued without a space, as in scraped news: "community.Dr
   Venter", "wasted."Life was". Returns where the sentence ends, 0 if the
   period at i (ending at after, past closers) is not such a boundary. */
static size_t s_glued_boundary(splitter_t *self, size_t i, size_t after)
{
    const char *text = self->text;
    const unsigned char *t = (const unsigned char *)text;
    size_t before = i;
    while (before > self->start && (text[before - 1] == '"' || text[before - 1] == ')'))
        before--;
    if (before < self->start + 2 || !s_is_ascii_alnum(t[before - 2]) ||
        !(s_is_ascii_lower(t[before - 1]) ||
          (t[before - 1] >= '0' && t[before - 1] <= '9')))
        return 0;
    size_t end = after, next = after;
    if (text[after] == '"') {
        end = s_glued_quote_closes(self, i, after) ? after + 1 : after;
        next = after + 1;
    } else if (s_quote_len(text, self->len, after) == 3 && t[after + 2] == 0x9D)
        end = next = after + 3; /* ” */
    if (next < self->len)
        next += s_opener_len(text, self->len, next);
    if (next + 1 >= self->len || !s_is_ascii_upper(t[next]) || t[next + 1] == '.' ||
        (t[next + 1] >= '0' && t[next + 1] <= '9'))
        return 0;
    /* Not inside an e-mail address, URL or file name. */
    for (size_t k = i; k > self->start && i - k < GLUE_WINDOW; k--) {
        unsigned char c = t[k - 1];
        if (s_space_len_before(text, 0, k))
            break;
        if (c == '@' || c == '/' || c == ':')
            return 0;
    }
    for (size_t k = next; k < self->len && k - next < TOKEN_WINDOW; k++) {
        unsigned char c = t[k];
        if (c == ' ' || c == '\n' || c == '\t')
            break;
        if (c == '.' || c == '@' || c == '/')
            return 0;
    }
    char word[32];
    size_t start;
    if (s_token_before(self, before, &start) &&
        s_lower_copy(text, start, before, word, sizeof word) &&
        s_abbreviation_kind(word) == ABBR_NEVER_ENDS)
        return 0;
    if (!s_has_alnum(self, i) || self->paren_depth > 0)
        return 0;
    return end;
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
    bool ends = ahead.kind != NEXT_NONE && ahead.kind != NEXT_LOWER &&
                s_has_alnum(self, i) &&
                !(i > 0 && text[i - 1] == '[' && text[run_end] == ']');
    if (ends && depth > 0) {
        if (s_paren_closes_soon(self, after))
            ends = false;
        else
            depth = 0; /* a stray "(" */
    }
    if (ends) {
        size_t start;
        char word[32];
        switch (kind) {
        case RUN_ELLIPSIS:
            ends = ahead.kind != NEXT_DIGIT && strcmp(ahead.word, "i") != 0;
            break;
        case RUN_EXCLAIM:
            if (s_token_before(self, i, &start) &&
                s_lower_copy(text, start, i, word, sizeof word) &&
                s_in_list(word, s_exclaim_names, COUNT(s_exclaim_names)))
                ends = s_ambiguous_ends(self, start, &ahead);
            break;
        case RUN_PERIOD:
            ends = s_period_ends(self, i, &ahead);
            break;
        }
    }
    if (ends)
        s_emit(self, after);
    else
        self->paren_depth = depth;
    return after;
}

/* A list marker ends at i: "2." "2.)" "2)" "(2)" "b." "b)". At the start of a
   sentence it is part of it; elsewhere, when it is the next item of the list
   being read, the sentence ends before it. Returns true, with where to go
   on, when it was a marker. */
static bool s_on_list_marker(splitter_t *self, size_t i, size_t *next_p)
{
    const char *text = self->text;
    size_t begin = i;
    int value = 0;
    bool alpha = false;
    while (begin > self->start && i - begin < 3 && text[begin - 1] >= '0' &&
           text[begin - 1] <= '9')
        begin--;
    if (begin < i) {
        if (begin > self->start && text[begin - 1] >= '0' && text[begin - 1] <= '9')
            return false;
        for (size_t k = begin; k < i; k++)
            value = value * 10 + (text[k] - '0');
    } else if (i > self->start && s_is_ascii_letter((unsigned char)text[i - 1]) &&
               (i - 1 == self->start || !s_is_ascii_alnum((unsigned char)text[i - 2]))) {
        begin = i - 1;
        alpha = true;
        value = (text[begin] | 0x20) - 'a' + 1;
    } else
        return false;
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
        if (form == '.' && alpha && value != 1)
            return false; /* "E. Smith" is an initial, not item "e." */
        self->list_next = value + 1;
        self->list_alpha = alpha;
        self->list_form = form;
        self->paren_depth -= form == '(' && self->paren_depth > 0;
    } else if (self->list_next == value && self->list_alpha == alpha &&
               self->list_form == form && s_space_len_before(text, self->start, begin)) {
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

/* A CJK full stop ends the sentence wherever it is, with its closers. */
static size_t s_on_cjk_terminal(splitter_t *self, size_t i)
{
    size_t n;
    run_kind_t kind;
    while (i < self->len && ((n = s_cjk_terminal_len(self->text, self->len, i)) > 0 ||
                             (n = s_terminal_len(self->text, self->len, i, &kind)) > 0))
        i += n;
    int parens;
    i = s_skip_closers(self, i, &parens);
    if (s_has_alnum(self, i))
        s_emit(self, i);
    return i;
}

/* At a line break: a blank line always ends the sentence; a single line
   break does unless the next line starts in lower case. */
static size_t s_on_line_break(splitter_t *self, size_t i)
{
    int breaks = 0;
    size_t j = i, n;
    while (j < self->len && (n = s_space_len(self->text, self->len, j)) > 0) {
        breaks += s_line_breaks(self->text, self->len, j);
        j += n;
    }
    size_t n_next;
    bool continued = j < self->len &&
                     s_case_of(s_decode(self->text, self->len, j, &n_next)) == NEXT_LOWER;
    if (breaks < 2 && continued)
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
    if (s_cjk_terminal_len(self->text, self->len, i))
        return s_on_cjk_terminal(self, i);
    if ((n = s_bullet_len(self->text, self->len, i)) > 0) {
        s_on_bullet(self, i);
        return i + n;
    }
    return i + 1;
}

size_t precis_split(const char *text, size_t len, precis_span_t **spans_p)
{
    if (len > UINT32_MAX) {
        fprintf(stderr, "precis_split: text over 4 GiB\n");
        abort();
    }
    splitter_t self = {.text = text, .len = len};
    size_t i = 0, next;
    while (i < len) {
        while (i < len && !s_interesting[(unsigned char)text[i]])
            i++;
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
        default:
            i = s_on_multibyte(&self, i);
            break;
        }
    }
    s_emit(&self, len);
    *spans_p = self.spans;
    return self.count;
}

//  --------------------------------------------------------------------------
//  Self test

typedef struct {
    const char *text;
    const char *expected[8]; /* NULL-terminated */
} split_case_t;

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
};

static bool s_check_case(const split_case_t *c, bool verbose)
{
    precis_span_t *spans;
    size_t count = precis_split(c->text, strlen(c->text), &spans);
    size_t expected = 0;
    bool ok = true;
    while (c->expected[expected])
        expected++;
    ok = count == expected;
    for (size_t i = 0; ok && i < count; i++)
        ok = strlen(c->expected[i]) == spans[i].len &&
             memcmp(c->expected[i], c->text + spans[i].start, spans[i].len) == 0;
    if (!ok && verbose) {
        printf("splitter: FAIL on \"%s\"\n  expected:", c->text);
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
        failures += !s_check_case(&s_cases[i], verbose);
    /* The tables must stay sorted for bsearch. */
    for (size_t i = 0; i < COUNT(s_abbreviations); i++)
        if ((i > 0 &&
             strcmp(s_abbreviations[i - 1].word, s_abbreviations[i].word) >= 0) ||
            strlen(s_abbreviations[i].word) > MAX_ABBREVIATION_LEN) {
            if (verbose)
                printf("splitter: abbreviations unsorted or too long at \"%s\"\n",
                       s_abbreviations[i].word);
            failures++;
        }
    const char **tables[] = {s_starters, s_exclaim_names, s_german_months,
                             s_time_followers};
    size_t sizes[] = {COUNT(s_starters), COUNT(s_exclaim_names), COUNT(s_german_months),
                      COUNT(s_time_followers)};
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
