/*  precis_words - words of a sentence as the summary budget counts them
    (see the header). */
#include "precis_words.h"
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <utf8proc.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define is_space precis_words_is_space

/* Phrases of page furniture: bylines, time stamps, photo credits, calls
   to share or subscribe. Each starts a word. */
#define PHRASE(text)                                                                     \
    {                                                                                    \
        text, sizeof text - 1                                                            \
    }
static const struct {
    const char *text;
    size_t len;
} phrases[] = {
    PHRASE("PUBLISHED:"),
    PHRASE("UPDATED:"),
    PHRASE("Last updated"),
    PHRASE("Daily Mail Reporter"),
    PHRASE("Follow @"),
    PHRASE("CLICK HERE"),
    PHRASE("Click here"),
    PHRASE("click here"),
    PHRASE("Scroll down"),
    PHRASE("scroll down"),
    PHRASE("READ MORE"),
    PHRASE("Read more:"),
    PHRASE("Sign up"),
    PHRASE("All rights reserved"),
    PHRASE("Copyright"),
    PHRASE("Photo:"),
    PHRASE("Photograph:"),
    PHRASE("Picture:"),
    PHRASE("Pictures:"),
    PHRASE("Image:"),
    PHRASE("Credit:"),
    PHRASE("Getty Images"),
    PHRASE("AP Photo"),
    PHRASE("(Photo"),
    /* A credit in brackets under a photo: "(Credit: Jo Okafor/Herald)". */
    PHRASE("(Credit:"),
    PHRASE("(Image:"),
    PHRASE("(Picture:"),
    PHRASE("Share this"),
    PHRASE("Media playback is"),
    PHRASE("E-mail to a friend"),
    PHRASE("Watch the video"),
    PHRASE("Video:"),
    PHRASE("VIDEO:"),
    /* Photo credits ("Mug shots of the two men were provided by ..."). */
    PHRASE("Mug shot"),
    PHRASE("Photo courtesy"),
    PHRASE("Photos courtesy"),
    PHRASE("Image courtesy"),
    PHRASE("Images courtesy"),
};
#define PHRASE_COUNT (sizeof phrases / sizeof phrases[0])
_Static_assert(PHRASE_COUNT <= 64, "phrase_first has 64 bits");

/* For each byte, the phrases that start with it (bit k: phrase k), and
   those whose second byte it is: a word start is looked at further only
   when both agree on a phrase, which rules out nearly every capital. */
static uint64_t phrase_first[256], phrase_second[256];

static void tables_init(void)
{
    for (size_t k = 0; k < PHRASE_COUNT; k++) {
        phrase_first[(unsigned char)phrases[k].text[0]] |= 1ull << k;
        phrase_second[(unsigned char)phrases[k].text[1]] |= 1ull << k;
    }
}

void precis_words_init(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, tables_init);
}

/* True when a phrase starts at text[i] (i < len). Every phrase has two
   bytes or more. */
static inline bool phrase_at(const char *text, size_t len, size_t i)
{
    if (i + 1 >= len)
        return false;
    uint64_t starting =
        phrase_first[(unsigned char)text[i]] & phrase_second[(unsigned char)text[i + 1]];
    while (starting) {
        int k = __builtin_ctzll(starting);
        starting &= starting - 1;
        if (phrases[k].len <= len - i &&
            memcmp(text + i, phrases[k].text, phrases[k].len) == 0)
            return true;
    }
    return false;
}

#ifdef __SSE2__
/* The bytes of chunk a phrase may start with: a capital, "(", "c" or "s"
   (test_every_phrase checks that each phrase's first byte is one). Most
   word starts are not, and are looked at no further. */
static inline __m128i phrase_bytes(__m128i chunk)
{
    __m128i capital = _mm_and_si128(_mm_cmpgt_epi8(chunk, _mm_set1_epi8('A' - 1)),
                                    _mm_cmplt_epi8(chunk, _mm_set1_epi8('Z' + 1)));
    return _mm_or_si128(_mm_or_si128(capital, _mm_cmpeq_epi8(chunk, _mm_set1_epi8('('))),
                        _mm_or_si128(_mm_cmpeq_epi8(chunk, _mm_set1_epi8('c')),
                                     _mm_cmpeq_epi8(chunk, _mm_set1_epi8('s'))));
}

/* The sum of the sixteen byte counters of counts. */
static inline uint32_t sum_bytes(__m128i counts)
{
    __m128i sums = _mm_sad_epu8(counts, _mm_setzero_si128());
    return (uint32_t)_mm_cvtsi128_si32(sums) +
           (uint32_t)_mm_cvtsi128_si32(_mm_srli_si128(sums, 8));
}
#endif

/* Sixteen bytes at a time where SSE2 is there (every x86-64): a word
   starts at a non-space after a space. The starts are counted in sixteen
   byte counters (each chunk subtracts its all-ones start bytes), summed
   every 255 chunks, before a counter can wrap; their bit mask is only
   made for the phrase test, until a phrase is found. */
uint32_t precis_words_scan(const char *text, size_t len, bool *phrase_p)
{
    uint32_t words = 0;
    bool found = false;
    uint32_t space_before = 1;
    size_t i = 0;
#ifdef __SSE2__
    const __m128i blank = _mm_set1_epi8(' '), newline = _mm_set1_epi8('\n'),
                  tab = _mm_set1_epi8('\t'), carriage = _mm_set1_epi8('\r');
    /* Byte 15 of previous: the byte before the chunk is a space. */
    __m128i previous = _mm_insert_epi16(_mm_setzero_si128(), 0xff00, 7);
    __m128i counts = _mm_setzero_si128();
    unsigned chunks = 0;
    for (; i + 16 <= len; i += 16) {
        __m128i chunk = _mm_loadu_si128((const __m128i *)(const void *)(text + i));
        __m128i space = _mm_or_si128(
            _mm_or_si128(_mm_cmpeq_epi8(chunk, blank), _mm_cmpeq_epi8(chunk, newline)),
            _mm_or_si128(_mm_cmpeq_epi8(chunk, tab), _mm_cmpeq_epi8(chunk, carriage)));
        __m128i before =
            _mm_or_si128(_mm_slli_si128(space, 1), _mm_srli_si128(previous, 15));
        __m128i starts = _mm_andnot_si128(space, before);
        previous = space;
        counts = _mm_sub_epi8(counts, starts);
        if (++chunks == 255) {
            words += sum_bytes(counts);
            counts = _mm_setzero_si128();
            chunks = 0;
        }
        if (found)
            continue;
        uint32_t candidates =
            (uint32_t)_mm_movemask_epi8(_mm_and_si128(starts, phrase_bytes(chunk)));
        for (; candidates && !found; candidates &= candidates - 1)
            found = phrase_at(text, len, i + (size_t)__builtin_ctz(candidates));
    }
    words += sum_bytes(counts);
    space_before = (uint32_t)_mm_movemask_epi8(previous) >> 15;
#endif
    for (; i < len; i++) {
        uint32_t space = is_space((unsigned char)text[i]);
        if (space_before && !space) {
            words++;
            found = found || phrase_at(text, len, i);
        }
        space_before = space;
    }
    *phrase_p = found;
    return words;
}

/* Conjunctions that start a clause after a comma, in the languages whose
   news precis sees most; lower case, as written mid-sentence. */
static const char *const conjunctions[] = {
    "and",     "but",      "or",     "nor",     "so",    "yet",     "while",
    "whereas", "although", "though", "because", "which", "who",     "whose",
    "where",   "when",     "und",    "aber",    "oder",  "sondern", "et",
    "mais",    "ou",       "y",      "pero",    "e",     "ma",      "mentre",
};

static bool is_conjunction(const char *word, size_t len)
{
    for (size_t i = 0; i < sizeof conjunctions / sizeof conjunctions[0]; i++)
        if (strlen(conjunctions[i]) == len && memcmp(conjunctions[i], word, len) == 0)
            return true;
    return false;
}

/* A dash standing as a word of its own: "-", "--", an en or em dash. */
static bool is_dash(const char *word, size_t len)
{
    return (len == 1 && word[0] == '-') || (len == 2 && memcmp(word, "--", 2) == 0) ||
           (len == 3 && (memcmp(word, "\xe2\x80\x93", 3) == 0 ||
                         memcmp(word, "\xe2\x80\x94", 3) == 0));
}

/* The byte length of text[0..end) without trailing white space and clause
   punctuation (",;:"); end itself when that would leave nothing. */
static size_t trim_cut(const char *text, size_t end)
{
    size_t at = end;
    while (at > 0 && (is_space((unsigned char)text[at - 1]) || text[at - 1] == ',' ||
                      text[at - 1] == ';' || text[at - 1] == ':'))
        at--;
    return at ? at : end;
}

bool precis_words_next(const char *text, size_t len, size_t *start_p, size_t *end_p)
{
    size_t i = *end_p;
    while (i < len && is_space((unsigned char)text[i]))
        i++;
    if (i == len)
        return false;
    *start_p = i;
    while (i < len && !is_space((unsigned char)text[i]))
        i++;
    *end_p = i;
    return true;
}

uint32_t precis_words_cut(const char *text, size_t len, uint32_t limit, uint32_t *words_p)
{
    size_t clause = 0;       /* end of the best clause prefix so far, 0: none */
    size_t fit = len;        /* end of word number limit */
    size_t previous_end = 0; /* end of the word before the current one */
    uint32_t words = 0;
    size_t start, i = 0;
    while (precis_words_next(text, len, &start, &i)) {
        words++;
        const char *word = text + start;
        size_t word_len = i - start;
        /* Boundaries before this word: a dash, or a comma then a conjunction. */
        if (words > 1 && words - 1 >= (limit + 1) / 2 && words - 1 <= limit &&
            (is_dash(word, word_len) ||
             (text[previous_end - 1] == ',' && is_conjunction(word, word_len))))
            clause = previous_end;
        if (words > limit)
            break;
        if (words == limit)
            fit = i;
        /* A boundary after this word: it ends with ';' or ':'. */
        if (words >= (limit + 1) / 2 &&
            (word[word_len - 1] == ';' || word[word_len - 1] == ':'))
            clause = i;
        previous_end = i;
    }
    if (words <= limit) {
        *words_p = words;
        return (uint32_t)len;
    }
    size_t end = trim_cut(text, clause ? clause : fit);
    bool phrase;
    *words_p = precis_words_scan(text, end, &phrase);
    return (uint32_t)end;
}

/* The category of the character at text[i..len); 0 (Cn) for bad UTF-8.
   Stores its length in *size_p. */
static utf8proc_category_t category_at(const char *text, size_t len, size_t i,
                                       size_t *size_p)
{
    utf8proc_int32_t c;
    utf8proc_ssize_t size = utf8proc_iterate((const utf8proc_uint8_t *)text + i,
                                             (utf8proc_ssize_t)(len - i), &c);
    *size_p = size > 0 ? (size_t)size : 1;
    return size > 0 ? utf8proc_category(c) : UTF8PROC_CATEGORY_CN;
}

static bool is_upper(utf8proc_category_t category)
{
    return category == UTF8PROC_CATEGORY_LU || category == UTF8PROC_CATEGORY_LT;
}

int precis_words_names(const char *text, size_t len)
{
    /* The first letter, wherever it is (after a quote or a dateline's
       bracket), says whether the script has case at all. */
    size_t size;
    for (size_t i = 0; i < len; i += size) {
        utf8proc_category_t category = category_at(text, len, i, &size);
        if (category >= UTF8PROC_CATEGORY_LU && category <= UTF8PROC_CATEGORY_LO) {
            if (!is_upper(category))
                return -1;
            break;
        }
    }
    int names = 0;
    size_t start, end = 0;
    bool first = true;
    while (precis_words_next(text, len, &start, &end)) {
        if (!first && is_upper(category_at(text, end, start, &size)))
            names++;
        first = false;
    }
    return names;
}

/* --- Self test ------------------------------------------------------------ */

static int test_failures;

#define CHECK(condition, ...)                                                            \
    do {                                                                                 \
        if (!(condition)) {                                                              \
            test_failures++;                                                             \
            if (verbose)                                                                 \
                printf("words: " __VA_ARGS__), printf("\n");                             \
        }                                                                                \
    } while (0)

/* scan_sentence against a plain count, for every prefix of texts whose
   words and spaces straddle the sixteen-byte chunks, and furniture found
   wherever its word starts. */
static void test_scan(bool verbose)
{
    const char *texts[] = {
        ("  Two\tspaces lead,\r\nthen words  of  many lengths: a bb ccc dddd eeeee "
         "ffffff ggggggg hhhhhhhh iiiiiiiiiiiiiiiiiiiiiiiii j\n\n k "),
        "NoSpacesAtAllInThisRatherLongRunOfLettersThatGoesOnPastSixteen",
        "\xe2\x80\x9cQuoted\xe2\x80\x9d\xc2\xa0words\x01with\x7f odd bytes "};
    for (size_t t = 0; t < sizeof texts / sizeof texts[0]; t++) {
        size_t len = strlen(texts[t]);
        for (size_t prefix = 0; prefix <= len; prefix++) {
            uint32_t expected = 0;
            for (size_t i = 0; i < prefix; i++)
                expected += !is_space((unsigned char)texts[t][i]) &&
                            (i == 0 || is_space((unsigned char)texts[t][i - 1]));
            bool furniture;
            uint32_t words = precis_words_scan(texts[t], prefix, &furniture);
            CHECK(words == expected && !furniture,
                  "scan of text %zu, %zu bytes: %u words, expected %u", t, prefix, words,
                  expected);
        }
    }
    /* Past 255 chunks of sixteen bytes, where the byte counters are
       summed: "a " repeated, a word at every other byte of every chunk. */
    static char many[4500 + 1];
    for (size_t i = 0; i < 4500; i++)
        many[i] = i % 2 ? ' ' : 'a';
    for (size_t len = 4070; len <= 4500; len += 43) {
        bool furniture;
        uint32_t words = precis_words_scan(many, len, &furniture);
        CHECK(words == (len + 1) / 2, "scan of %zu bytes: %u words, expected %zu", len,
              words, (len + 1) / 2);
    }
    char line[80];
    for (size_t at = 0; at < 40; at++) {
        memset(line, 'x', sizeof line);
        line[sizeof line - 1] = '\0';
        memcpy(line + at, " Getty Images", 13);
        bool furniture;
        precis_words_scan(line, strlen(line), &furniture);
        CHECK(furniture, "furniture at byte %zu not found", at + 1);
        line[at + 1] = 'g'; /* "getty Images": not furniture */
        precis_words_scan(line, strlen(line), &furniture);
        CHECK(!furniture, "furniture wrongly found at byte %zu", at + 1);
    }
}

/* Long sentences are cut at the last clause boundary that keeps at least
   half of what is allowed, else at a word boundary. */
static void test_cut_points(bool verbose)
{
    struct {
        const char *joint; /* put after word number at */
        size_t at;
        uint32_t limit;
        const char *ends; /* the cut prefix ends with this */
    } cases[] = {
        {";", 60, 80, "w60"},             /* after a semicolon */
        {":", 45, 80, "w45"},             /* after a colon */
        {", and", 70, 80, "w70"},         /* a comma before a conjunction */
        {" \xe2\x80\x94", 55, 80, "w55"}, /* before an em dash */
        {" -", 79, 80, "w79"},            /* before a dash */
        {";", 10, 80, "w80"},             /* too early: the word boundary */
        {",", 60, 80, "w80"},             /* a comma alone is no boundary */
        {";", 20, 30, "w20"},             /* a budget of 30: half is 15 */
        {";", 90, 80, "w80"},             /* past the limit */
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        char text[2048];
        size_t len = 0;
        for (size_t w = 1; w <= 120; w++) {
            len += (size_t)snprintf(text + len, sizeof text - len, "%sw%zu",
                                    w > 1 ? " " : "", w);
            if (w == cases[c].at)
                len +=
                    (size_t)snprintf(text + len, sizeof text - len, "%s", cases[c].joint);
        }
        uint32_t words;
        uint32_t end = precis_words_cut(text, len, cases[c].limit, &words);
        size_t ends = strlen(cases[c].ends);
        bool furniture;
        CHECK(end >= ends && memcmp(text + end - ends, cases[c].ends, ends) == 0 &&
                  text[end] != 'w' && words <= cases[c].limit &&
                  words == precis_words_scan(text, end, &furniture),
              "cut case %zu: ends \"%.*s\", %u words", c, (int)(end < 12 ? end : 12),
              text + end - (end < 12 ? end : 12), words);
    }
    /* Short enough: whole. */
    uint32_t words;
    CHECK(precis_words_cut("a b c", 5, 3, &words) == 5 && words == 3,
          "whole sentence cut");
}

/* Every phrase, the last ones of the 64-bit masks included, is found
   where it starts a word, and not inside one. */
static void test_every_phrase(bool verbose)
{
    for (size_t k = 0; k < PHRASE_COUNT; k++) {
        char line[96];
        snprintf(line, sizeof line, "The caption read %s the rest", phrases[k].text);
        bool found;
        precis_words_scan(line, strlen(line), &found);
        CHECK(found, "phrase %zu (%s) not found", k, phrases[k].text);
        snprintf(line, sizeof line, "The caption readx%s the rest", phrases[k].text);
        precis_words_scan(line, strlen(line), &found);
        CHECK(!found, "phrase %zu (%s) found inside a word", k, phrases[k].text);
    }
}

/* Names: capitals after the first word, in any cased script; none for a
   script without case. */
static void test_names(bool verbose)
{
    static const struct {
        const char *text;
        int names;
    } cases[] = {
        {"These incredible photos are about as close as you can get.", 0},
        {"Gordon Brown has warned the Scottish nationalists.", 2},
        {"'Hillary has gotten so much for her hair,' Julia said.", 1},
        {"(CNN)Over the last year more than 25,000 people in Key West.", 2},
        {"Émile et Zoé sont partis à Paris.", 2},
        {"Путин прибыл в Москву.", 1},
        {"北京地铁十九号线今天开通运营。", -1},
        {"iPhone sales rose in Japan.", -1},
        {"", 0},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        int names = precis_words_names(cases[k].text, strlen(cases[k].text));
        CHECK(names == cases[k].names, "names of \"%s\": %d, not %d", cases[k].text,
              names, cases[k].names);
    }
}

int precis_words_test(bool verbose)
{
    test_failures = 0;
    precis_words_init();
    test_names(verbose);
    test_every_phrase(verbose);
    test_scan(verbose);
    test_cut_points(verbose);
    return test_failures ? 1 : 0;
}
