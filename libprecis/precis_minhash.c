/*  precis_minhash - exact hash and MinHash signature of a normalized text. */
#include "precis_minhash.h"
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
/* xxhash's own code, compiled in: the short inputs hashed here (a shingle is
   about 30 bytes) cost less than a call into the shared library. */
#define XXH_INLINE_ALL
#include <xxhash.h>

/* Bits of a shingle hash that pick its bin (2^7 = PRECIS_MINHASH_BINS). */
#define BIN_BITS 7
/* An empty bin that takes the value of the bin t places on adds t times this
   odd number, so that it agrees only with a bin filled the same way. */
#define ROTATION_STEP 0x9e37u

_Static_assert(PRECIS_MINHASH_BINS == 1 << BIN_BITS, "bins and bin bits disagree");

typedef struct {
    uint64_t mins[PRECIS_MINHASH_BINS];
    uint32_t shingles;
} state_t;

/* A shingle: XXH3-64 of its words' hashes (count of them, little-endian
   4 bytes each: 20 bytes, which XXH3 hashes with two 128-bit multiplies,
   where 40 take four). Its top bits pick the bin, the rest is its value
   there. */
static inline void add_shingle(state_t *state, const uint32_t *words, size_t count)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    const void *bytes = words; /* already in wire order */
#else
    uint32_t buffer[PRECIS_MINHASH_SHINGLE];
    for (size_t i = 0; i < count; i++)
        buffer[i] = __builtin_bswap32(words[i]);
    const void *bytes = buffer;
#endif
    uint64_t hash = XXH3_64bits(bytes, count * sizeof *words);
    size_t bin = (size_t)(hash >> (64 - BIN_BITS));
    uint64_t value = hash & ((UINT64_C(1) << (64 - BIN_BITS)) - 1);
    if (value < state->mins[bin])
        state->mins[bin] = value;
    state->shingles++;
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

/* ASCII letters and digits lower-cased; 0 for every other ASCII byte (a
   separator); bytes from 0x80 on are looked at by utf8proc. */
static const char ascii_word[128] = {
    ['0'] = '0', ['1'] = '1', ['2'] = '2', ['3'] = '3', ['4'] = '4', ['5'] = '5',
    ['6'] = '6', ['7'] = '7', ['8'] = '8', ['9'] = '9', ['A'] = 'a', ['B'] = 'b',
    ['C'] = 'c', ['D'] = 'd', ['E'] = 'e', ['F'] = 'f', ['G'] = 'g', ['H'] = 'h',
    ['I'] = 'i', ['J'] = 'j', ['K'] = 'k', ['L'] = 'l', ['M'] = 'm', ['N'] = 'n',
    ['O'] = 'o', ['P'] = 'p', ['Q'] = 'q', ['R'] = 'r', ['S'] = 's', ['T'] = 't',
    ['U'] = 'u', ['V'] = 'v', ['W'] = 'w', ['X'] = 'x', ['Y'] = 'y', ['Z'] = 'z',
    ['a'] = 'a', ['b'] = 'b', ['c'] = 'c', ['d'] = 'd', ['e'] = 'e', ['f'] = 'f',
    ['g'] = 'g', ['h'] = 'h', ['i'] = 'i', ['j'] = 'j', ['k'] = 'k', ['l'] = 'l',
    ['m'] = 'm', ['n'] = 'n', ['o'] = 'o', ['p'] = 'p', ['q'] = 'q', ['r'] = 'r',
    ['s'] = 's', ['t'] = 't', ['u'] = 'u', ['v'] = 'v', ['w'] = 'w', ['x'] = 'x',
    ['y'] = 'y', ['z'] = 'z'};

/* 1 for the ASCII white space bytes (the text is UTF-8: no other byte is
   part of a multi-byte character). */
static const uint8_t space_byte[256] = {
    [' '] = 1, ['\t'] = 1, ['\n'] = 1, ['\r'] = 1, ['\f'] = 1, ['\v'] = 1};

/* Where collecting the words (and folding the white space) is. */
typedef struct {
    const uint8_t *bytes;
    size_t len, i;      /* the text, and the next byte to read */
    char *out;          /* the words, lower-cased, a space after each */
    size_t *starts;     /* where each word starts in out */
    char *folded;       /* the text with each run of white space one space */
    size_t count, size; /* words, bytes in out */
    size_t kept;        /* bytes in folded */
    uint8_t in_word, after_space;
} words_t;

/* One character (an ASCII byte, or a UTF-8 sequence looked at by
   utf8proc). ASCII bytes take no branch (a word's first letter records its
   start, a separator's space is kept only right after a word). */
static void scalar_step(words_t *w)
{
    uint8_t c = w->bytes[w->i];
    if (c < 0x80) {
        char lower = ascii_word[c];
        uint8_t letter = lower != 0, space = space_byte[c];
        w->starts[w->count] = w->size;
        w->count += letter & !w->in_word;
        w->out[w->size] = letter ? lower : ' ';
        w->size += letter | w->in_word;
        w->in_word = letter;
        w->folded[w->kept] = space ? ' ' : (char)c;
        w->kept += !(space & w->after_space);
        w->after_space = space;
        w->i++;
        return;
    }
    utf8proc_int32_t codepoint = -1;
    utf8proc_ssize_t got =
        utf8proc_iterate(w->bytes + w->i, (utf8proc_ssize_t)(w->len - w->i), &codepoint);
    size_t step = got > 0 ? (size_t)got : 1;
    memcpy(w->folded + w->kept, w->bytes + w->i, step);
    w->kept += step;
    w->after_space = 0;
    w->i += step;
    if (got > 0 && word_codepoint(codepoint)) {
        if (!w->in_word)
            w->starts[w->count++] = w->size;
        utf8proc_uint8_t encoded[4];
        utf8proc_ssize_t n = utf8proc_encode_char(utf8proc_tolower(codepoint), encoded);
        memcpy(w->out + w->size, encoded, (size_t)n);
        w->size += (size_t)n;
        w->in_word = 1;
    } else if (w->in_word) {
        w->out[w->size++] = ' ';
        w->in_word = 0;
    }
}

/* The length of the run of set bits of mask (16 bits) from pos on, at most
   16 - pos. */
static unsigned run_of_ones(unsigned mask, unsigned pos)
{
    unsigned rest = (~mask & 0xffffu) >> pos;
    return (unsigned)__builtin_ctz(rest | (1u << (16 - pos)));
}

#ifdef __SSE2__
/* The bits set in each byte value, for bits_set. */
#define B2(n) n, n + 1, n + 1, n + 2
#define B4(n) B2(n), B2(n + 1), B2(n + 1), B2(n + 2)
#define B6(n) B4(n), B4(n + 1), B4(n + 1), B4(n + 2)
static const uint8_t bits_in_byte[256] = {B6(0), B6(1), B6(1), B6(2)};
#undef B2
#undef B4
#undef B6

/* The bits set in a 16-bit mask, by table: without the popcnt instruction
   (not in the x86-64 baseline) __builtin_popcount is a library call, once
   a word. */
static size_t bits_set(unsigned x)
{
    return (size_t)bits_in_byte[x & 0xffu] + bits_in_byte[(x >> 8) & 0xffu];
}

/* 16 bytes of text into folded at *kept_p, each run of white space one
   space (none right after a space: *after_space_p carries that from block
   to block). Bytes from 0x80 on are copied as they are. Writes up to 16
   bytes past the end. */
static void fold_block(__m128i v, char *folded, size_t *kept_p, uint8_t *after_space_p)
{
    __m128i space = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(' ')),
                                 _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8(8)),
                                               _mm_cmplt_epi8(v, _mm_set1_epi8(14))));
    unsigned spaces = (unsigned)_mm_movemask_epi8(space);
    char raw[32];
    _mm_storeu_si128((__m128i *)raw, v);
    _mm_storeu_si128((__m128i *)(raw + 16), _mm_setzero_si128());
    size_t kept = *kept_p;
    uint8_t after_space = *after_space_p;
    /* The folded text. Most blocks of prose have only single spaces between
       other bytes: they are copied as they are. */
    unsigned blanks = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(' ')));
    if (spaces == blanks && (blanks & (blanks >> 1)) == 0 &&
        !(after_space && (blanks & 1))) {
        memcpy(folded + kept, raw, 16);
        kept += 16;
        after_space = (uint8_t)(blanks >> 15);
        *kept_p = kept;
        *after_space_p = after_space;
        return;
    }
    /* Else each run of other bytes is copied, one space for a run of white
       space after it. */
    unsigned pos = 0;
    while (pos < 16) {
        if (after_space) {
            pos += run_of_ones(spaces, pos);
            if (pos < 16)
                after_space = 0;
        } else {
            unsigned n = run_of_ones(~spaces & 0xffffu, pos);
            memcpy(folded + kept, raw + pos, 16);
            kept += n;
            pos += n;
            if (pos < 16) {
                folded[kept++] = ' ';
                after_space = 1;
                pos++;
            }
        }
    }
    *kept_p = kept;
    *after_space_p = after_space;
}

/* 16 ASCII bytes at once: letters, digits and white space found with SSE2
   compares, then the words and the folded text copied run by run (a run
   costs a few instructions, a byte none). Writes up to 16 bytes past the
   end of out and folded (their buffers have room). */
static void vector_block(words_t *w, __m128i v)
{
    const __m128i a_1 = _mm_set1_epi8('A' - 1), z_1 = _mm_set1_epi8('Z' + 1);
    __m128i upper = _mm_and_si128(_mm_cmpgt_epi8(v, a_1), _mm_cmplt_epi8(v, z_1));
    __m128i lower = _mm_or_si128(v, _mm_and_si128(upper, _mm_set1_epi8(0x20)));
    __m128i letter = _mm_and_si128(_mm_cmpgt_epi8(lower, _mm_set1_epi8('a' - 1)),
                                   _mm_cmplt_epi8(lower, _mm_set1_epi8('z' + 1)));
    __m128i digit = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('0' - 1)),
                                  _mm_cmplt_epi8(v, _mm_set1_epi8('9' + 1)));
    __m128i word = _mm_or_si128(letter, digit);
    unsigned words = (unsigned)_mm_movemask_epi8(word);
    /* The block lower-cased with every separator a space, followed by 16
       bytes of room so that a run is copied with one fixed 16-byte copy. */
    char lowered[32];
    __m128i blank = _mm_set1_epi8(' ');
    _mm_storeu_si128((__m128i *)lowered, _mm_or_si128(_mm_and_si128(word, lower),
                                                      _mm_andnot_si128(word, blank)));
    _mm_storeu_si128((__m128i *)(lowered + 16), _mm_setzero_si128());
    /* The words: the bytes kept are the letters and the first separator
       after each word (it becomes the space after it); a word's first
       letter lands after the kept bytes before it. */
    unsigned before = (words << 1) | w->in_word; /* a letter before each byte */
    unsigned kept = (words | (before & ~words)) & 0xffffu;
    unsigned firsts = words & ~before & 0xffffu;
    while (firsts) {
        unsigned pos = (unsigned)__builtin_ctz(firsts);
        w->starts[w->count++] = w->size + bits_set(kept & ((1u << pos) - 1));
        firsts &= firsts - 1;
    }
    while (kept) {
        unsigned pos = (unsigned)__builtin_ctz(kept);
        unsigned n = run_of_ones(kept, pos);
        memcpy(w->out + w->size, lowered + pos, 16);
        w->size += n;
        kept &= ~(((1u << n) - 1) << pos);
    }
    w->in_word = (uint8_t)(words >> 15);
    fold_block(v, w->folded, &w->kept, &w->after_space);
    w->i += 16;
}
#endif

/* The words of the text, lower-cased, one space after each, into out (at
   most 4 * len + 18 bytes: lower-casing may lengthen a character, and 16
   bytes of room); the start of each word into starts (at most len / 2 + 2).
   Returns the words. The same pass writes the text with its white space
   folded into folded (len + 16 bytes; see precis_minhash_text_hash), its
   size into *folded_p. vector: 16 ASCII bytes at a time where it can (the
   self test compares both ways). */
static size_t collect_words(const uint8_t *bytes, size_t len, char *out, size_t *starts,
                            size_t *size_p, char *folded, size_t *folded_p, bool vector)
{
    words_t w = {bytes, len, 0, out, starts, folded, 0, 0, 0, 0, 1};
#ifdef __SSE2__
    while (vector && w.i + 16 <= len) {
        __m128i v = _mm_loadu_si128((const __m128i *)(bytes + w.i));
        if (_mm_movemask_epi8(v) == 0) {
            vector_block(&w, v);
            continue;
        }
        size_t end = w.i + 16; /* a block with a non-ASCII byte: one by one */
        while (w.i < end)
            scalar_step(&w);
    }
#else
    (void)vector;
#endif
    while (w.i < len)
        scalar_step(&w);
    if (w.in_word)
        out[w.size++] = ' ';
    if (w.kept > 0 && folded[w.kept - 1] == ' ')
        w.kept--; /* the trailing run */
    *size_p = w.size;
    *folded_p = w.kept;
    return w.count;
}

uint32_t precis_minhash_word(const char *word, size_t len)
{
    return (uint32_t)XXH3_64bits(word, len);
}

/* flatten: XXH3_64bits is inlined into the loop, where the shingle's
   length (20 bytes) is a constant, leaving only its 17-to-128-byte path:
   about 35 instructions a shingle instead of 50 through the call. */
__attribute__((flatten)) void precis_minhash_words(precis_minhash_t *self,
                                                   const uint32_t *words, size_t count)
{
    state_t state;
    state.shingles = 0;
    for (size_t j = 0; j < PRECIS_MINHASH_BINS; j++)
        state.mins[j] = UINT64_MAX;
    /* A text shorter than a shingle is one shingle of all its words. */
    if (count > 0 && count < PRECIS_MINHASH_SHINGLE)
        add_shingle(&state, words, count);
    for (size_t w = 0; w + PRECIS_MINHASH_SHINGLE <= count; w++)
        add_shingle(&state, words + w, PRECIS_MINHASH_SHINGLE);
    finish(&state, self->bins);
    self->shingles = state.shingles;
}

void precis_minhash_compute(precis_minhash_t *self, const char *text, size_t len)
{
    /* Texts of up to 8 KB (most articles) need no allocation. */
    char small_words[4 * 8192 + 18], small_folded[8192 + 16];
    size_t small_starts[8192 / 2 + 2];
    uint32_t small_hashes[8192 / 2 + 2];
    bool small = len <= 8192;
    char *words = small ? small_words : malloc(4 * len + 18);
    char *folded = small ? small_folded : malloc(len + 16);
    size_t *starts = small ? small_starts : malloc((len / 2 + 2) * sizeof *starts);
    uint32_t *hashes = small ? small_hashes : malloc((len / 2 + 2) * sizeof *hashes);
    assert(words && starts && folded && hashes);
    size_t size, folded_size,
        count = collect_words((const uint8_t *)text, len, words, starts, &size, folded,
                              &folded_size, true);
    starts[count] = size;              /* the end of the last word's space */
    for (size_t w = 0; w < count; w++) /* each word without its space */
        hashes[w] = precis_minhash_word(words + starts[w], starts[w + 1] - starts[w] - 1);
    precis_minhash_words(self, hashes, count);
    XXH128_canonical_t canonical;
    XXH128_canonicalFromHash(&canonical, XXH3_128bits(folded, folded_size));
    memcpy(self->text_hash, canonical.digest, 16);
    if (!small) {
        free(words);
        free(starts);
        free(folded);
        free(hashes);
    }
}

#ifdef __SSE2__
/* The bytes of text[0..64) equal to a space, one bit each. */
static uint64_t blanks_64(const __m128i v[4])
{
    const __m128i blank = _mm_set1_epi8(' ');
    uint64_t mask = 0;
    for (int k = 0; k < 4; k++)
        mask |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v[k], blank))
                << (16 * k);
    return mask;
}

/* Whether one of the 64 bytes is 13 or below: every white space byte but
   the space is (tab to carriage return), and so are the other control
   bytes, which fold_block copies as they are. */
static bool low_byte_64(const __m128i v[4])
{
    __m128i least = _mm_min_epu8(_mm_min_epu8(v[0], v[1]), _mm_min_epu8(v[2], v[3]));
    return _mm_movemask_epi8(
               _mm_cmpeq_epi8(_mm_min_epu8(least, _mm_set1_epi8(13)), least)) != 0;
}

/* 16 bytes into folded at *size_p, as fold_block; most blocks of prose
   (single spaces between other bytes) are copied as they are, a dozen
   instructions, without the call. */
static inline void fold_16(__m128i v, char *folded, size_t *size_p,
                           uint8_t *after_space_p)
{
    unsigned blanks = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(' ')));
    unsigned others = (unsigned)_mm_movemask_epi8(_mm_and_si128(
        _mm_cmpgt_epi8(v, _mm_set1_epi8(8)), _mm_cmplt_epi8(v, _mm_set1_epi8(14))));
    if ((others | (blanks & (blanks >> 1)) | (*after_space_p & blanks)) == 0) {
        _mm_storeu_si128((__m128i *)(folded + *size_p), v);
        *size_p += 16;
        *after_space_p = (uint8_t)(blanks >> 15);
    } else { /* copies, so that the fast path keeps these in registers */
        size_t kept = *size_p;
        uint8_t after = *after_space_p;
        fold_block(v, folded, &kept, &after);
        *size_p = kept;
        *after_space_p = after;
    }
}
#endif

/* The text with every run of white space one space and none at the ends
   (len + 16 bytes of room in folded); returns its size. vector: 64 bytes
   at a time where it can, then 16 (the self test compares both ways with
   the byte-by-byte loop). */
static size_t fold_spaces(const uint8_t *bytes, size_t len, char *folded, bool vector)
{
    size_t size = 0, i = 0;
    uint8_t after_space = 1; /* as if after a space: drops the leading run */
#ifdef __SSE2__
    /* Prose is mostly single spaces between other bytes: 64 of them are
       copied as they are when none is a control byte and no space follows
       a space (nor the space that ended the block before): about 40
       instructions, where four 16-byte steps take about 100 (callgrind).
       A window that is not so (a paragraph break) goes 16 bytes at a time. */
    for (; vector && i + 64 <= len; i += 64) {
        __m128i v[4];
        for (int k = 0; k < 4; k++)
            v[k] = _mm_loadu_si128((const __m128i *)(bytes + i + 16 * k));
        uint64_t blanks = blanks_64(v);
        if ((((blanks << 1) | after_space) & blanks) == 0 && !low_byte_64(v)) {
            for (int k = 0; k < 4; k++)
                _mm_storeu_si128((__m128i *)(folded + size + 16 * k), v[k]);
            size += 64;
            after_space = (uint8_t)(blanks >> 63);
        } else
            for (int k = 0; k < 4; k++)
                fold_16(v[k], folded, &size, &after_space);
    }
    for (; vector && i + 16 <= len; i += 16)
        fold_16(_mm_loadu_si128((const __m128i *)(bytes + i)), folded, &size,
                &after_space);
#else
    (void)vector;
#endif
    /* Every run of white space becomes one space, without a branch a byte:
       a space is written and kept only when the byte before was not one. */
    for (; i < len; i++) {
        uint8_t c = bytes[i], space = space_byte[c];
        folded[size] = space ? ' ' : (char)c;
        size += !(space & after_space);
        after_space = space;
    }
    if (size > 0 && folded[size - 1] == ' ')
        size--; /* the trailing run */
    return size;
}

void precis_minhash_text_hash(const char *text, size_t len, uint8_t hash[16])
{
    char small[8192 + 16];
    char *folded = len <= 8192 ? small : malloc(len + 16);
    assert(folded);
    size_t size = fold_spaces((const uint8_t *)text, len, folded, true);
    XXH128_canonical_t canonical;
    XXH128_canonicalFromHash(&canonical, XXH3_128bits(folded, size));
    memcpy(hash, canonical.digest, 16);
    if (folded != small)
        free(folded);
}

precis_minhash_t *precis_minhash_new(const char *text, size_t len)
{
    precis_minhash_t *self = calloc(1, sizeof *self);
    assert(self);
    if (text)
        precis_minhash_compute(self, text, len);
    return self;
}

void precis_minhash_destroy(precis_minhash_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free(*self_p);
    *self_p = NULL;
}

double precis_minhash_similarity(const uint16_t *a, const uint16_t *b)
{
#ifdef __SSE2__
    /* 8 bins a compare: each equal bin adds -1 to its lane (the sink weighs
       a few candidates an article: about 40 instructions instead of 300). */
    __m128i sum = _mm_setzero_si128();
    for (size_t j = 0; j < PRECIS_MINHASH_BINS; j += 8)
        sum = _mm_add_epi16(sum,
                            _mm_cmpeq_epi16(_mm_loadu_si128((const __m128i *)(a + j)),
                                            _mm_loadu_si128((const __m128i *)(b + j))));
    /* Lanes of -16 at most: summed in pairs as 32-bit values, then folded. */
    __m128i pairs = _mm_madd_epi16(sum, _mm_set1_epi16(-1));
    pairs = _mm_add_epi32(pairs, _mm_shuffle_epi32(pairs, _MM_SHUFFLE(1, 0, 3, 2)));
    pairs = _mm_add_epi32(pairs, _mm_shuffle_epi32(pairs, _MM_SHUFFLE(2, 3, 0, 1)));
    size_t equal = (size_t)_mm_cvtsi128_si32(pairs);
#else
    size_t equal = 0;
    for (size_t j = 0; j < PRECIS_MINHASH_BINS; j++)
        equal += a[j] == b[j];
#endif
    return (double)equal / PRECIS_MINHASH_BINS;
}

void precis_minhash_encode_bins(const uint16_t *bins, uint8_t *out)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    /* The wire order is the host's: one copy (the sink does this for
       every article). */
    memcpy(out, bins, 2 * PRECIS_MINHASH_BINS);
#else
    for (size_t j = 0; j < PRECIS_MINHASH_BINS; j++) {
        out[2 * j] = (uint8_t)(bins[j] & 0xff);
        out[2 * j + 1] = (uint8_t)(bins[j] >> 8);
    }
#endif
}

bool precis_minhash_decode_bins(const uint8_t *data, size_t size, uint16_t *bins)
{
    if (size != 2 * PRECIS_MINHASH_BINS)
        return false;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(bins, data, 2 * PRECIS_MINHASH_BINS);
#else
    for (size_t j = 0; j < PRECIS_MINHASH_BINS; j++)
        bins[j] = (uint16_t)(data[2 * j] | data[2 * j + 1] << 8);
#endif
    return true;
}

/* The self test's check of the folding: the byte-by-byte way and the
   vector way give the same bytes for text (at most 600 bytes), and, with
   ends, the result neither starts nor ends with a space. */
static bool fold_ways_agree(const char *text, size_t n, bool ends)
{
    char folded[2][600 + 16];
    size_t kept[2];
    assert(n <= 600);
    for (int way = 0; way < 2; way++)
        kept[way] = fold_spaces((const uint8_t *)text, n, folded[way], way);
    return kept[0] == kept[1] && memcmp(folded[0], folded[1], kept[0]) == 0 &&
           (!ends || kept[0] == 0 ||
            (folded[0][0] != ' ' && folded[0][kept[0] - 1] != ' '));
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

    /* The exact hash of a signature is the one precis_minhash_text_hash
       gives (two code paths), also around non-ASCII text and white space at
       the ends. */
    static const char mixed[] =
        "  \tGr\xc3\xbc\xc3\x9f  Gott,\n\n caf\xc3\xa9 \xe2\x80\x94 "
        "na\xc3\xafve\xff end \n";
    uint8_t alone[16];
    precis_minhash_compute(&a, mixed, strlen(mixed));
    precis_minhash_text_hash(mixed, strlen(mixed), alone);
    CHECK(memcmp(a.text_hash, alone, 16) == 0);
    precis_minhash_text_hash(
        "Gr\xc3\xbc\xc3\x9f Gott, caf\xc3\xa9 \xe2\x80\x94 na\xc3\xafve\xff end", 34,
        alone);
    CHECK(memcmp(a.text_hash, alone, 16) == 0);

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

    /* The 16-bytes-at-a-time path gives what the byte-by-byte one gives, on
       texts of random pieces: words, digits, runs of white space, marks,
       multi-byte letters and invalid bytes, across block edges. */
    static const char *const pieces[] = {
        "Harbour", "ferry", " ",           "  ",           "\n\n", "\t", ",", "--",
        "\"",      "2026",  "caf\xc3\xa9", "\xe2\x80\x94", "\xff", "X",  "a", " \r\n "};
    char random_text[600];
    uint64_t seed = 42;
    for (int round = 0; round < 200; round++) {
        size_t n = 0;
        while (n < 500) {
            seed = XXH3_64bits(&seed, sizeof seed);
            const char *piece = pieces[seed % (sizeof pieces / sizeof *pieces)];
            memcpy(random_text + n, piece, strlen(piece));
            n += strlen(piece);
        }
        char out[2][4 * 600 + 18], folded[2][600 + 16];
        size_t starts[2][600 / 2 + 2], size[2], kept[2], count[2];
        for (int way = 0; way < 2; way++)
            count[way] =
                collect_words((const uint8_t *)random_text, n, out[way], starts[way],
                              &size[way], folded[way], &kept[way], way == 1);
        bool same = count[0] == count[1] && size[0] == size[1] && kept[0] == kept[1] &&
                    memcmp(out[0], out[1], size[0]) == 0 &&
                    memcmp(starts[0], starts[1], count[0] * sizeof(size_t)) == 0 &&
                    memcmp(folded[0], folded[1], kept[0]) == 0;
        CHECK(same);
        if (!same)
            break;
    }

    /* Folding white space 16 bytes at a time gives what the byte-by-byte
       loop gives, on texts of random pieces (runs of spaces across block
       edges, multi-byte characters). */
    for (int round = 0; round < 200; round++) {
        size_t n = 0;
        while (n < 300) {
            seed = XXH3_64bits(&seed, sizeof seed);
            const char *piece = pieces[seed % (sizeof pieces / sizeof *pieces)];
            memcpy(random_text + n, piece, strlen(piece));
            n += strlen(piece);
        }
        bool same = fold_ways_agree(random_text, n, true);
        CHECK(same);
        if (!same)
            break;
    }

    /* Folding 64 bytes at a time too: prose of single spaces (copied 64
       bytes at once) with a few irregular breaks (runs of spaces, line
       breaks, tabs, a control byte, a no-break space) anywhere, at the
       start and at the end, gives what the byte-by-byte loop gives. */
    static const char *const prose[] = {"The",    "harbour",     "council",   "approved",
                                        "the",    "ferry",       "timetable", "on",
                                        "Monday", "caf\xc3\xa9", "2026,",     "quay."};
    static const char *const breaks[] = {"  ",        "\n\n", "\t",   " \r\n ", "\x01 ",
                                         " \xc2\xa0", " \n",  "\v\f", "   \n"};
    for (int round = 0; round < 400; round++) {
        size_t n = 0;
        while (n < 500) {
            seed = XXH3_64bits(&seed, sizeof seed);
            const char *word = prose[seed % (sizeof prose / sizeof *prose)];
            const char *gap =
                (seed >> 32) % 16 == 0
                    ? breaks[(seed >> 40) % (sizeof breaks / sizeof *breaks)]
                    : " ";
            const char *first = (seed >> 48) % 2 ? word : gap,
                       *second = first == word ? gap : word;
            memcpy(random_text + n, first, strlen(first));
            n += strlen(first);
            memcpy(random_text + n, second, strlen(second));
            n += strlen(second);
        }
        bool same = fold_ways_agree(random_text, n, false);
        CHECK(same);
        if (!same)
            break;
    }

    /* The exact hashes are persisted (the sink's story file) and compared
       across restarts: these are the ones the code before the 64-byte
       folding (2026-12-02) gave, for texts of tabs, line breaks and runs
       of spaces at the ends and across 16- and 64-byte edges. */
    static const struct {
        const char *text;
        const char *hash; /* text_hash, hex */
    } fixed[] = {
        {base, "91124088d9a8074c0939d240370db040"},
        {"\n\n  The harbour council met on Monday.\n\nFerries will run every twenty "
         "minutes during the summer, the council said,\tand the old timetable  ends in "
         "May.\r\n\r\nA local baker welcomed the change: \"It is good news for the "
         "quay.\"   \n\x01Shops on the quay, closed for months, are to reopen next "
         "week with a street market.\v\fInsurers   said   premiums could fall. \n ",
         "fc42983c42d52bb9f575cc757031a4e6"},
        {mixed, "df508a9e6016fa9f3a3402c7a2837a88"},
        {"a\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t"
         "\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\tb",
         "e932d71afddc92588044f8a624582c4c"},
    };
    for (size_t t = 0; t < sizeof fixed / sizeof *fixed; t++) {
        uint8_t hash[16];
        char hex[33];
        precis_minhash_text_hash(fixed[t].text, strlen(fixed[t].text), hash);
        for (int b = 0; b < 16; b++)
            snprintf(hex + 2 * b, 3, "%02x", hash[b]);
        CHECK(strcmp(hex, fixed[t].hash) == 0);
    }

    /* The signature from word hashes: the text's words hashed one by one
       give the text's signature; a shingle is its five words in order, so
       the words reversed share no shingle; fewer than five words are one
       shingle, none is an empty signature. */
    static const char *const five[] = {"the", "ferry", "runs", "at", "dawn", "again"};
    uint32_t hashes[6], reversed[6];
    for (size_t i = 0; i < 6; i++)
        reversed[5 - i] = hashes[i] = precis_minhash_word(five[i], strlen(five[i]));
    precis_minhash_compute(&a, "The ferry RUNS at dawn, again.", 30);
    precis_minhash_words(&b, hashes, 6);
    CHECK(b.shingles == 2 && memcmp(a.bins, b.bins, sizeof a.bins) == 0);
    precis_minhash_words(&b, reversed, 6);
    CHECK(b.shingles == 2 && precis_minhash_similarity(a.bins, b.bins) < 0.1);
    precis_minhash_words(&a, hashes, 3);
    precis_minhash_compute(&b, "the ferry runs", 14);
    CHECK(a.shingles == 1 && memcmp(a.bins, b.bins, sizeof a.bins) == 0);
    precis_minhash_words(&a, hashes, 0);
    CHECK(a.shingles == 0 && a.bins[0] == 0 && a.bins[PRECIS_MINHASH_BINS - 1] == 0);

    /* On the heap: the same signature; empty without a text. */
    precis_minhash_t *heap = precis_minhash_new(base, strlen(base)),
                     *empty = precis_minhash_new(NULL, 0);
    precis_minhash_compute(&a, base, strlen(base));
    CHECK(memcmp(heap, &a, sizeof a) == 0 && empty->shingles == 0 && empty->bins[3] == 0);
    precis_minhash_destroy(&heap);
    precis_minhash_destroy(&empty);
    CHECK(heap == NULL);

    /* The bins survive their byte form; a wrong size is refused. */
    uint8_t bytes[2 * PRECIS_MINHASH_BINS];
    uint16_t back[PRECIS_MINHASH_BINS];
    precis_minhash_compute(&a, base, strlen(base));
    precis_minhash_encode_bins(a.bins, bytes);
    CHECK(precis_minhash_decode_bins(bytes, sizeof bytes, back));
    CHECK(memcmp(back, a.bins, sizeof back) == 0);
    CHECK(!precis_minhash_decode_bins(bytes, sizeof bytes - 1, back));

    /* The similarity is the fraction of equal bins, wherever they are: k of
       them made equal, the rest different (values 0 and 0xffff, which a
       sum of compares could mistake for each other). */
    static const size_t equal_bins[] = {0, 1, 7, 8, 9, 37, 64, 127, 128};
    for (size_t t = 0; t < sizeof equal_bins / sizeof *equal_bins; t++) {
        for (size_t j = 0; j < PRECIS_MINHASH_BINS; j++) {
            size_t place = (j * 37 + t) % PRECIS_MINHASH_BINS; /* spread */
            a.bins[place] = (uint16_t)(j < equal_bins[t] ? j * 977 : 0xffff);
            b.bins[place] = (uint16_t)(j < equal_bins[t] ? j * 977 : 0);
        }
        CHECK(precis_minhash_similarity(a.bins, b.bins) ==
              (double)equal_bins[t] / PRECIS_MINHASH_BINS);
    }
    free(spaced);
    if (verbose && !failures)
        printf("minhash: all checks passed\n");
    return failures;
#undef CHECK
}
