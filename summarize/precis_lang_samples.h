/*  precis_lang_samples - one short news text per language, for self tests.

    Every language with a stop-word list has a sample here, written for
    precis: two or three sentences (200+ bytes, enough for CLD2 to be
    sure), one of its stop words that occurs in it, and two forms of one
    word that Snowball stems alike (NULL where Snowball has no stemmer for
    the language). precis_lang and precis_summarizer test each language
    with them.
*/
#ifndef PRECIS_LANG_SAMPLES_H
#define PRECIS_LANG_SAMPLES_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    const char *code;            /* ISO 639-1 */
    const char *text;            /* UTF-8 */
    const char *stop;            /* a stop word of the text, casefolded */
    const char *stem_a, *stem_b; /* one stem, two forms; NULL: no Snowball stemmer */
} precis_lang_sample_t;

/* The samples, sorted by code; their number in *count_p. */
const precis_lang_sample_t *precis_lang_samples(size_t *count_p);

int precis_lang_samples_test(bool verbose);

#endif
