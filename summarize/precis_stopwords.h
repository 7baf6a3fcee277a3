/*  precis_stopwords - function words of the languages precis knows.

    One stop-word list per language, written for precis and embedded at
    build time from summarize/stopwords/CODE.txt (precis_stopword_data.h).
    A lookup asks whether a casefolded word is a stop word of one language;
    the undetermined language (PRECIS_LANG_UND) stands for the union of
    every list, for texts whose language is not known. The summarizer uses
    it to drop function words, the stop-word vote of precis_lang to count
    hits per language. The table is built once per object and only read
    afterwards.
*/
#ifndef PRECIS_STOPWORDS_H
#define PRECIS_STOPWORDS_H

#include "precis_lang.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

precis_stopwords_t *precis_stopwords_new(void);
void precis_stopwords_destroy(precis_stopwords_t **self_p);

/* True when word[0..len) (casefolded UTF-8) is a stop word of language
   lang, or of any language for PRECIS_LANG_UND. */
bool precis_stopwords_is(const precis_stopwords_t *self, precis_lang_id_t lang,
                         const char *word, size_t len);

/* The languages in which word[0..len) is a stop word, stored in ids (room
   for precis_lang_count() ids), in increasing order; returns their number
   (0 for no stop word). One lookup, for the stop-word vote. */
size_t precis_stopwords_languages(const precis_stopwords_t *self, const char *word,
                                  size_t len, precis_lang_id_t *ids);

/* Elision: when word[0..len) starts with an elided stop word of any
   language, such as French "l'" or Italian "dell'" (in the lists with
   their apostrophe), the byte length of that prefix, apostrophe included;
   else 0. A bare "l'" has nothing elided onto and gives 0. */
size_t precis_stopwords_elision(const precis_stopwords_t *self, const char *word,
                                size_t len);

/* Number of distinct stop words of a language (of all, for UND). */
size_t precis_stopwords_count(const precis_stopwords_t *self, precis_lang_id_t lang);

int precis_stopwords_test(bool verbose);

#endif
