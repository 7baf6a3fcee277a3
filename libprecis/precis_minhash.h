/*  precis_minhash - what an article's text looks like to the near-duplicate
    index (precis_stories): an exact hash and a MinHash signature.

    Both are computed from the normalized text, where the work is parallel
    (the summarize workers, or offline summarize), and travel to the sink's
    index as a few hundred bytes.

    Words. precis_minhash_compute splits the text itself: words are the
    runs of letters and digits (Unicode categories L and N, lower-cased
    with utf8proc); everything else separates them. So typography (curly or
    straight quotes, dashes, ellipses, non-breaking spaces) and the case of
    letters do not change the words. The summarize workers and offline
    `precis summarize` instead give the words of the summarizer's own
    tokens (precis_document_signature: already split and case-folded), so
    a signature costs no second pass over the text; those tokens keep
    "don't", "3.5" and "three-year" whole (and "don’t" is "don't") and cut
    scripts written without spaces into dictionary words. Both ways give
    the same signature for a text whose words are plain runs of letters
    and digits. Shingles are runs of PRECIS_MINHASH_SHINGLE consecutive
    words (a text with fewer words is one shingle).

    The signature is one-permutation MinHash (Li, Owen, Zhang 2012) with
    rotation densification (Shrivastava 2017): each distinct word is hashed
    once with XXH3-64 (libxxhash, precis_minhash_word; 32 bits kept), each
    shingle once as XXH3-64 of its 5 word hashes (20 bytes, little-endian);
    that hash picks one of PRECIS_MINHASH_BINS bins and the bin keeps the
    smallest value seen; an empty bin (short texts) takes the next
    non-empty bin's value. The fraction of equal bins of two signatures
    estimates the Jaccard similarity of their shingle sets (its standard
    error is sqrt(J(1-J)/128), 0.044 at J = 0.5). Bins keep 16 bits (b-bit
    MinHash): two different values collide with chance 1/65536, which moves
    an estimate by less than 0.0001. Cost on BBC (callgrind,
    bench/stories_bench): about 21,000 instructions an article for the
    bins from the tokens and 7,000 for the exact hash, against 51,000 when
    the text was split again and each shingle hashed from its text.

    Version. Signatures made before 2026-12 (XXH3 of each shingle's text,
    words split here) do not agree with these, and a story file
    (precis_stories) keeps them: it is loaded as it is. Its exact hashes are
    unchanged, so exact repeats are still found; near copies of its
    articles are not, until they leave the window; a false match between
    old and new bins is no more likely than between unrelated texts (each
    bin agrees with chance 1/65536).

    The exact hash is XXH3-128 of the text with every run of white space
    turned into one space and none at the ends, so two texts that differ
    only in white space (re-wrapped lines, doubled spaces) are exact copies.
*/
#ifndef PRECIS_MINHASH_H
#define PRECIS_MINHASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bins of a signature (16 bits each: 256 bytes). */
#define PRECIS_MINHASH_BINS 128
/* Words per shingle. 5, the usual choice for news: of the 2.2 million
   pairs of distinct BBC articles only 14,400 share any 5-shingle and 73
   have a Jaccard similarity of 0.15 or more, while copies with a changed
   intro or a cut paragraph keep most of theirs (bench/stories.py). Other
   sizes were not measured. */
#define PRECIS_MINHASH_SHINGLE 5

typedef struct {
    uint8_t text_hash[16]; /* XXH3-128 of the white-space-folded text, big-endian */
    uint16_t bins[PRECIS_MINHASH_BINS];
    uint32_t shingles; /* shingles seen (repeats counted); 0 for a text with no word */
} precis_minhash_t;

/* A signature of text[0..len) on the heap (precis_minhash_compute), or,
   with text NULL, an empty one (all zero) to fill in. */
precis_minhash_t *precis_minhash_new(const char *text, size_t len);
void precis_minhash_destroy(precis_minhash_t **self_p);

/* Computes the exact hash and the signature of text[0..len) (UTF-8; invalid
   bytes separate words). A text with no word gets all bins 0. */
void precis_minhash_compute(precis_minhash_t *self, const char *text, size_t len);

/* The hash of one word (its case-folded UTF-8 text): the low 32 bits of
   XXH3-64. Two of the words of a pair of articles share a hash by chance
   with odds of about 1 in 50,000 (300 x 300 / 2^32): it would only make
   two words one, a shingle or two more in common. */
uint32_t precis_minhash_word(const char *word, size_t len);

/* The bins and the shingle count (not the exact hash) from the hashes of a
   text's words in order (precis_minhash_word): shingles are runs of
   PRECIS_MINHASH_SHINGLE hashes, a text of fewer words is one shingle; no
   word gives all bins 0 and shingles 0. */
void precis_minhash_words(precis_minhash_t *self, const uint32_t *words, size_t count);

/* Only the exact hash (16 bytes into hash). */
void precis_minhash_text_hash(const char *text, size_t len, uint8_t hash[16]);

/* Estimated Jaccard similarity of the two texts' shingle sets, 0 to 1: the
   fraction of equal bins. */
double precis_minhash_similarity(const uint16_t *a, const uint16_t *b);

/* The signature as bytes for a msgpack bin (little-endian 16-bit values,
   PRECIS_MINHASH_BINS * 2 bytes), and back; decode returns false when the
   size is wrong. */
void precis_minhash_encode_bins(const uint16_t *bins, uint8_t *out);
bool precis_minhash_decode_bins(const uint8_t *data, size_t size, uint16_t *bins);

int precis_minhash_test(bool verbose);

#endif
