/*  precis_vocab - the words the summarizer has seen, with what it knows of them.

    A hash table from a casefolded word to a small record: the length of an
    elided article in front of it ("l'"), and, for the language it was last
    used in, whether it is a stop word there and its stem's term id. One
    lookup per token replaces the stop-word lookup, the elision test and
    the stemmer cache lookup. Words are numbered densely from 0 until the next clear.
*/
#ifndef PRECIS_VOCAB_H
#define PRECIS_VOCAB_H

#include "precis_stopwords.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct _precis_vocab_t precis_vocab_t;

/* What the vocabulary records of a word. */
typedef struct {
    uint32_t term;      /* term id of its stem, valid when term_lang matches */
    uint16_t term_lang; /* caller's language number term and stop are for; 0: none */
    bool stop;          /* a stop word of that language (after any elision) */
    uint8_t elided;     /* bytes of an elided article at the front, apostrophe included */
} precis_word_t;

/* stopwords is borrowed: it must outlive the vocabulary. */
precis_vocab_t *precis_vocab_new(const precis_stopwords_t *stopwords);
void precis_vocab_destroy(precis_vocab_t **self_p);

/* The number of word[0..len), added when new. */
uint32_t precis_vocab_lookup(precis_vocab_t *self, const char *word, size_t len);

/* The record of a word number; valid until the next lookup or clear. */
precis_word_t *precis_vocab_word(precis_vocab_t *self, uint32_t number);

/* Every word's record, indexed by number (precis_vocab_size of them), for
   a pass over many tokens without a call each; valid until the next lookup
   or clear. */
precis_word_t *precis_vocab_words(precis_vocab_t *self);

/* The text of a word number (not NUL-terminated); its length in *len_p. */
const char *precis_vocab_text(precis_vocab_t *self, uint32_t number, size_t *len_p);

/* Words held. */
size_t precis_vocab_size(precis_vocab_t *self);

/* Forgets every word. */
void precis_vocab_clear(precis_vocab_t *self);

int precis_vocab_test(bool verbose);

#endif
