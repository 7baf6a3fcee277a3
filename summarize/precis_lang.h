/*  precis_lang - the languages precis knows, and language detection.

    A language precis knows is one with a stop-word list; its id is its
    place in the table of lists (1..precis_lang_count(), sorted by code),
    0 is the undetermined language "und". Snowball stems come separately,
    by code (precis_stemmer), for the languages Snowball has.

    Detection is a stop-word vote and CLD2 (precis_langid). In the vote,
    each token that is a stop word adds 2 points to its language when it
    is a stop word of that language only, 1 point to each language when it
    is shared ("de", "in"). The vote over the first 512 bytes comes first
    and stops as soon as it leaves no doubt (most news in a language with a
    list, in a few microseconds); otherwise CLD2 decides on the first 2 KB
    (tens of microseconds); where CLD2 is unsure too (a headline, a
    caption) the plain vote does. Texts with too little evidence either
    way are undetermined ("und"): they are still summarized, only without
    stemming and with the stop words of every list.
*/
#ifndef PRECIS_LANG_H
#define PRECIS_LANG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* 0: undetermined; 1..precis_lang_count(): a language with stop words. */
typedef int precis_lang_id_t;
#define PRECIS_LANG_UND 0

typedef struct _precis_lang_t precis_lang_t;
typedef struct _precis_stopwords_t precis_stopwords_t;
typedef struct _precis_tokenizer_t precis_tokenizer_t;

/* Number of languages with a stop-word list. */
size_t precis_lang_count(void);

/* "en", "de", ...; "und" for PRECIS_LANG_UND and ids out of range. */
const char *precis_lang_code(precis_lang_id_t id);

/* The id of an ISO 639-1 code (case-insensitive; "en-GB" counts as "en");
   PRECIS_LANG_UND when precis has no stop words for it. */
precis_lang_id_t precis_lang_from_code(const char *code);

/* The stop-word list of a language (precis_stopword_data.h): its text in
 *len_p bytes; NULL for UND. */
const char *precis_lang_stopword_list(precis_lang_id_t id, size_t *len_p);

precis_lang_t *precis_lang_new(void);
void precis_lang_destroy(precis_lang_t **self_p);

/* The stop-word vote over text[0..len): the language with most points, or
   PRECIS_LANG_UND when the evidence is thin. */
precis_lang_id_t precis_lang_vote(precis_lang_t *self,
                                  const precis_stopwords_t *stopwords,
                                  precis_tokenizer_t *tokenizer, const char *text,
                                  size_t len);

/* The language of text[0..len): the vote where it leaves no doubt, else
   CLD2 where it is sure, else the plain vote.
   Stores the ISO 639-1 code in code[8] ("und", or a language CLD2 knows
   that has no stop words here, such as "ko"); returns its id
   (PRECIS_LANG_UND for a language without stop words). */
precis_lang_id_t precis_lang_detect(precis_lang_t *self,
                                    const precis_stopwords_t *stopwords,
                                    precis_tokenizer_t *tokenizer, const char *text,
                                    size_t len, char *code);

int precis_lang_test(bool verbose);

#endif
