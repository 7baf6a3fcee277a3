/*  precis_stemmer - Snowball stems as integer term ids, with a cache.

    Maps a casefolded word to the id of its stem in the selected language,
    so that "talks", "talked" and "talking" get one id. Stems come from the
    Snowball library (sb_stemmer_new(lang, "UTF_8")); each word is stemmed
    once and then found in a hash table, which is what makes it fast. Ids
    are small dense integers, usable as array indexes. Without a stemmer
    (undetermined language) a word is its own stem.
*/
#ifndef PRECIS_STEMMER_H
#define PRECIS_STEMMER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct _precis_stemmer_t precis_stemmer_t;

precis_stemmer_t *precis_stemmer_new(void);
void precis_stemmer_destroy(precis_stemmer_t **self_p);

/* Selects the language by ISO 639-1 code ("en", "sv", ... any language
   Snowball knows). NULL, "und" or an unknown code select no stemming.
   Returns true when a stemmer is in use. */
bool precis_stemmer_select(precis_stemmer_t *self, const char *code);

/* The term id of word[0..len) in the selected language. */
uint32_t precis_stemmer_term(precis_stemmer_t *self, const char *word, size_t len);

/* The stem text of a term id (not NUL-terminated); its length in *len_p. */
const char *precis_stemmer_stem(precis_stemmer_t *self, uint32_t id, size_t *len_p);

/* One more than the highest term id handed out. */
size_t precis_stemmer_size(precis_stemmer_t *self);

/* Forgets every word and id when the cache has outgrown its limit, so that
   memory stays bounded over millions of articles. Call it only between
   articles: ids change. Returns true when it flushed. */
bool precis_stemmer_trim(precis_stemmer_t *self);

int precis_stemmer_test(bool verbose);

#endif
