/*  precis_lang - the languages precis knows, and language detection.

    Each language has an id, an ISO 639-1 code and a Snowball stemmer.
    Detection counts stop-word hits per language over an article's tokens:
    a word that is a stop word in one language only counts double. Texts
    with too few hits are undetermined ("und"): they are still summarized,
    only without stop words and stemming.
*/
#ifndef PRECIS_LANG_H
#define PRECIS_LANG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    PRECIS_LANG_UND = 0,
    PRECIS_LANG_EN,
    PRECIS_LANG_DE,
    PRECIS_LANG_FR,
    PRECIS_LANG_ES,
    PRECIS_LANG_IT,
    PRECIS_LANG_PT,
    PRECIS_LANG_NL,
    PRECIS_LANG_COUNT
} precis_lang_id_t;

typedef struct _precis_lang_t precis_lang_t;
typedef struct _precis_stopwords_t precis_stopwords_t;
typedef struct _precis_tokenizer_t precis_tokenizer_t;

/* "en", "de", ...; "und" for PRECIS_LANG_UND. */
const char *precis_lang_code(precis_lang_id_t id);

/* The id of an ISO 639-1 code (case-insensitive; "en-GB" counts as "en");
   PRECIS_LANG_UND when precis has no stop words for it. */
precis_lang_id_t precis_lang_from_code(const char *code);

precis_lang_t *precis_lang_new(void);
void precis_lang_destroy(precis_lang_t **self_p);

/* Starts counting for a new text. */
void precis_lang_reset(precis_lang_t *self);

/* Counts one token whose stop-word language mask is mask (bit 1 << id). */
void precis_lang_add(precis_lang_t *self, uint32_t mask);

/* Counts count tokens that are no stop word in any language. */
void precis_lang_add_plain(precis_lang_t *self, size_t count);

/* The language with most hits, or PRECIS_LANG_UND when the evidence is thin. */
precis_lang_id_t precis_lang_result(precis_lang_t *self);

/* Resets, tokenizes text[0..len) and returns the result. */
precis_lang_id_t precis_lang_detect(precis_lang_t *self, precis_stopwords_t *stopwords,
                                    precis_tokenizer_t *tokenizer, const char *text,
                                    size_t len);

int precis_lang_test(bool verbose);

#endif
