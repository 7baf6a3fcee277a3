/*  precis_minhash - exact hash and MinHash signature of a normalized text. */
#include "precis_minhash.h"
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>
#include <xxhash.h>

/* Longest word kept whole, in bytes; the rest of a longer one is ignored
   (no real word is that long; a run of letters that long is noise). */
#define WORD_MAX 128
/* Bits of a shingle hash that pick its bin (2^7 = PRECIS_MINHASH_BINS). */
#define BIN_BITS 7
/* An empty bin that takes the value of the bin t places on adds t times this
   odd number, so that it agrees only with a bin filled the same way. */
#define ROTATION_STEP 0x9e37u

_Static_assert(PRECIS_MINHASH_BINS == 1 << BIN_BITS, "bins and bin bits disagree");

typedef struct {
    uint64_t words[PRECIS_MINHASH_SHINGLE]; /* the last words' hashes, oldest first */
    size_t count;                           /* words seen */
    uint64_t mins[PRECIS_MINHASH_BINS];
    uint32_t shingles;
} state_t;

static void add_shingle(state_t *state, size_t words)
{
    uint64_t hash = XXH3_64bits(state->words, words * sizeof(uint64_t));
    size_t bin = (size_t)(hash >> (64 - BIN_BITS));
    uint64_t value = hash & ((UINT64_C(1) << (64 - BIN_BITS)) - 1);
    if (value < state->mins[bin])
        state->mins[bin] = value;
    state->shingles++;
}

static void add_word(state_t *state, const char *word, size_t len)
{
    uint64_t hash = XXH3_64bits(word, len);
    if (state->count >= PRECIS_MINHASH_SHINGLE) {
        memmove(state->words, state->words + 1,
                (PRECIS_MINHASH_SHINGLE - 1) * sizeof(uint64_t));
        state->words[PRECIS_MINHASH_SHINGLE - 1] = hash;
    } else
        state->words[state->count] = hash;
    state->count++;
    if (state->count >= PRECIS_MINHASH_SHINGLE)
        add_shingle(state, PRECIS_MINHASH_SHINGLE);
}

/* Letters, marks and digits make words (categories L, M, N). */
static bool word_codepoint(utf8proc_int32_t codepoint)
{
    utf8proc_category_t category = utf8proc_category(codepoint);
    return category >= UTF8PROC_CATEGORY_LU && category <= UTF8PROC_CATEGORY_NO;
}

/* Fills empty bins from the next non-empty one (rotation densification) and
   keeps 16 bits of each: the low bits of a minimum are as random as any. */
static void finish(state_t *state, uint16_t *bins)
{
    for (size_t j = 0; j < PRECIS_MINHASH_BINS; j++) {
        size_t step = 0;
        while (step < PRECIS_MINHASH_BINS &&
               state->mins[(j + step) % PRECIS_MINHASH_BINS] == UINT64_MAX)
            step++;
        if (step == PRECIS_MINHASH_BINS) { /* no shingle at all */
            bins[j] = 0;
            continue;
        }
        uint64_t value = state->mins[(j + step) % PRECIS_MINHASH_BINS];
        bins[j] = (uint16_t)(value + step * ROTATION_STEP);
    }
}

void precis_minhash_compute(precis_minhash_t *self, const char *text, size_t len)
{
    state_t state;
    state.count = 0;
    state.shingles = 0;
    for (size_t j = 0; j < PRECIS_MINHASH_BINS; j++)
        state.mins[j] = UINT64_MAX;
    char word[WORD_MAX + 4];
    size_t word_len = 0;
    const uint8_t *bytes = (const uint8_t *)text;
    size_t i = 0;
    while (i <= len) {
        utf8proc_int32_t codepoint = -1;
        size_t step = 1;
        if (i == len)
            codepoint = -1; /* the end closes the last word */
        else if (bytes[i] < 0x80) {
            uint8_t c = bytes[i];
            bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                         (c >= '0' && c <= '9');
            codepoint = alnum ? c : -1;
        } else {
            utf8proc_ssize_t got =
                utf8proc_iterate(bytes + i, (utf8proc_ssize_t)(len - i), &codepoint);
            step = got > 0 ? (size_t)got : 1;
            if (got <= 0 || !word_codepoint(codepoint))
                codepoint = -1;
        }
        if (codepoint >= 0) {
            utf8proc_uint8_t encoded[4];
            utf8proc_ssize_t n =
                utf8proc_encode_char(utf8proc_tolower(codepoint), encoded);
            if (word_len + (size_t)n <= WORD_MAX) {
                memcpy(word + word_len, encoded, (size_t)n);
                word_len += (size_t)n;
            }
        } else if (word_len) {
            add_word(&state, word, word_len);
            word_len = 0;
        }
        i += step;
    }
    /* A text shorter than a shingle is one shingle of all its words. */
    if (state.count > 0 && state.count < PRECIS_MINHASH_SHINGLE)
        add_shingle(&state, state.count);
    finish(&state, self->bins);
    self->shingles = state.shingles;
    precis_minhash_text_hash(text, len, self->text_hash);
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

void precis_minhash_text_hash(const char *text, size_t len, uint8_t hash[16])
{
    char *folded = malloc(len + 1);
    assert(folded);
    size_t size = 0;
    bool space = false;
    for (size_t i = 0; i < len; i++) {
        if (is_space(text[i])) {
            space = size > 0;
            continue;
        }
        if (space)
            folded[size++] = ' ';
        space = false;
        folded[size++] = text[i];
    }
    XXH128_canonical_t canonical;
    XXH128_canonicalFromHash(&canonical, XXH3_128bits(folded, size));
    memcpy(hash, canonical.digest, 16);
    free(folded);
}

double precis_minhash_similarity(const uint16_t *a, const uint16_t *b)
{
    size_t equal = 0;
    for (size_t j = 0; j < PRECIS_MINHASH_BINS; j++)
        equal += a[j] == b[j];
    return (double)equal / PRECIS_MINHASH_BINS;
}

void precis_minhash_encode_bins(const uint16_t *bins, uint8_t *out)
{
    for (size_t j = 0; j < PRECIS_MINHASH_BINS; j++) {
        out[2 * j] = (uint8_t)(bins[j] & 0xff);
        out[2 * j + 1] = (uint8_t)(bins[j] >> 8);
    }
}

bool precis_minhash_decode_bins(const uint8_t *data, size_t size, uint16_t *bins)
{
    if (size != 2 * PRECIS_MINHASH_BINS)
        return false;
    for (size_t j = 0; j < PRECIS_MINHASH_BINS; j++)
        bins[j] = (uint16_t)(data[2 * j] | data[2 * j + 1] << 8);
    return true;
}

int precis_minhash_test(bool verbose)
{
    int failures = 0;
#define CHECK(cond)                                                                      \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            fprintf(stderr, "minhash test failed: %s (line %d)\n", #cond, __LINE__);     \
            failures++;                                                                  \
        }                                                                                \
    } while (0)
    static const char base[] =
        "The river authority opened the new flood barrier on Tuesday after four years "
        "of work. Engineers said the barrier can hold back a surge two metres higher "
        "than the one that flooded the old town in the winter storms. The mayor thanked "
        "the crews who worked through two hard winters to finish it on time. Shops on "
        "the quay, closed for months, are to reopen next week with a street market. "
        "Insurers have said that premiums in the district could fall once the barrier "
        "has been tested by a full season of high tides.";
    precis_minhash_t a, b;
    precis_minhash_compute(&a, base, strlen(base));

    /* The same text gives the same signature and hash; white space aside it
       is still an exact copy. */
    char *spaced = malloc(strlen(base) * 2 + 8);
    size_t n = 0;
    spaced[n++] = '\n';
    for (const char *p = base; *p; p++) {
        spaced[n++] = *p;
        if (*p == ' ')
            spaced[n++] = '\n';
    }
    spaced[n] = 0;
    precis_minhash_compute(&b, spaced, n);
    CHECK(memcmp(a.text_hash, b.text_hash, 16) == 0);
    CHECK(precis_minhash_similarity(a.bins, b.bins) == 1.0);
    CHECK(a.shingles > 70 && a.shingles == b.shingles);

    /* Typography and case change neither words nor shingles, only the exact
       hash: curly quotes, an em dash for a hyphen, upper case. */
    static const char quoted[] =
        "\xe2\x80\x9cWe\xe2\x80\x99re ready\xe2\x80\x9d \xe2\x80\x94 "
        "SAID the Mayor of the old town, in the rain.";
    static const char plain[] =
        "\"We're ready\" - said the mayor of the old town, in the "
        "rain.";
    precis_minhash_compute(&a, quoted, strlen(quoted));
    precis_minhash_compute(&b, plain, strlen(plain));
    CHECK(precis_minhash_similarity(a.bins, b.bins) == 1.0);
    CHECK(memcmp(a.text_hash, b.text_hash, 16) != 0);

    /* Cutting the last third of a text keeps about two thirds of its
       shingles; an unrelated text shares next to none. */
    precis_minhash_compute(&a, base, strlen(base));
    precis_minhash_compute(&b, base, strlen(base) * 2 / 3);
    double cut = precis_minhash_similarity(a.bins, b.bins);
    CHECK(cut > 0.45 && cut < 0.85);
    static const char other[] =
        "A new bakery has opened in the station hall, selling rye bread, cinnamon rolls "
        "and coffee from six in the morning. Its owners moved from the coast last year "
        "and say commuters were their first customers. The council gave the hall a new "
        "roof in the spring and hopes more shops will follow the bakery into it.";
    precis_minhash_compute(&b, other, strlen(other));
    CHECK(precis_minhash_similarity(a.bins, b.bins) < 0.1);
    CHECK(memcmp(a.text_hash, b.text_hash, 16) != 0);

    /* A text of fewer words than a shingle still gets a signature; one of
       no word at all is marked by zero shingles. */
    precis_minhash_compute(&a, "Storm ahead", 11);
    CHECK(a.shingles == 1);
    precis_minhash_compute(&b, " -- ... ", 8);
    CHECK(b.shingles == 0 && b.bins[0] == 0 && b.bins[PRECIS_MINHASH_BINS - 1] == 0);
    /* Invalid UTF-8 separates words and does not stop the text. */
    precis_minhash_compute(&b, "Storm\xff\xfe ahead", 13);
    CHECK(b.shingles == 1 && precis_minhash_similarity(a.bins, b.bins) == 1.0);

    /* The bins survive their byte form; a wrong size is refused. */
    uint8_t bytes[2 * PRECIS_MINHASH_BINS];
    uint16_t back[PRECIS_MINHASH_BINS];
    precis_minhash_compute(&a, base, strlen(base));
    precis_minhash_encode_bins(a.bins, bytes);
    CHECK(precis_minhash_decode_bins(bytes, sizeof bytes, back));
    CHECK(memcmp(back, a.bins, sizeof back) == 0);
    CHECK(!precis_minhash_decode_bins(bytes, sizeof bytes - 1, back));
    free(spaced);
    if (verbose && !failures)
        printf("minhash: all checks passed\n");
    return failures;
#undef CHECK
}
