/*  precis_stopwords - function words of the languages precis knows.

    One hash table holds the stop words of every language; a lookup gives
    the set of languages (a bit mask, bit 1 << precis_lang_id_t) in which
    the casefolded word is a stop word. The summarizer uses it to drop
    function words, and language detection to count hits per language.
    The table is built once per object and only read afterwards.
*/
#ifndef PRECIS_STOPWORDS_H
#define PRECIS_STOPWORDS_H

#include "precis_lang.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

precis_stopwords_t *precis_stopwords_new(void);
void precis_stopwords_destroy(precis_stopwords_t **self_p);

/* The languages in which word[0..len) (casefolded) is a stop word; 0 if none. */
uint32_t precis_stopwords_lookup(const precis_stopwords_t *self, const char *word,
                                 size_t len);

/* True when word[0..len) is a stop word of language lang. */
bool precis_stopwords_is(const precis_stopwords_t *self, precis_lang_id_t lang,
                         const char *word, size_t len);

/* Elision: when word[0..len) starts with an elided stop word such as
   French "l'" or Italian "dell'" (in the lists with their apostrophe), the
   byte length of that prefix, apostrophe included; else 0. Its language
   mask is stored in *mask_p when mask_p is not NULL. */
size_t precis_stopwords_elision(const precis_stopwords_t *self, const char *word,
                                size_t len, uint32_t *mask_p);

/* Number of distinct stop words of a language. */
size_t precis_stopwords_count(const precis_stopwords_t *self, precis_lang_id_t lang);

int precis_stopwords_test(bool verbose);

#endif
