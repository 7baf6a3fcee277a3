/*  precis_abbrev - per-language word data for the sentence splitter.

    For each language it knows (by ISO 639-1 code) this module holds the
    abbreviations whose period does not (always) end a sentence, the words
    that commonly start a sentence, speech verbs ("said", "sagte") that tie a
    quotation to its speaker, and nouns that follow an ordinal written with a
    period ("3. Oktober", "7. apríla"). A base table of English and
    international abbreviations applies to every language. Without a language
    (NULL, "und" or a code it does not know) the lists of every language are
    used together: language-neutral rules.

    Words are lower-case UTF-8 (utf8proc lower-casing), without the final
    period; dotted abbreviations keep their inner periods ("z.b", "t.e").
    The data are hand-written from general knowledge of each language's
    orthography; to add a language, add its tables and one line to
    s_languages in precis_abbrev.c.
*/
#ifndef PRECIS_ABBREV_H
#define PRECIS_ABBREV_H

#include <stdbool.h>
#include <stddef.h>

/* What a period after an abbreviation means. */
typedef enum {
    PRECIS_ABBREV_NONE,          /* not an abbreviation */
    PRECIS_ABBREV_NEVER_ENDS,    /* titles, "e.g.", "bzw.": never a sentence end */
    PRECIS_ABBREV_BEFORE_NUMBER, /* "No. 5", "Art. 4", "ul. 1": not before a number */
    PRECIS_ABBREV_AMBIGUOUS,     /* "Inc.", "Mio.": ends only before a starter */
    PRECIS_ABBREV_PHRASE_END     /* "usw.", "и др.", "грн.": closes a list or an
                                    amount, so a capital after it starts a new
                                    sentence (unless that would leave a fragment) */
} precis_abbrev_kind_t;

/* The word lists besides abbreviations. */
typedef enum {
    PRECIS_WORDS_STARTERS,      /* words that often start a sentence */
    PRECIS_WORDS_SPEECH_VERBS,  /* "said", "asked": "Go!" Ortiz said. */
    PRECIS_WORDS_ORDINAL_NOUNS, /* months and the like after "3." */
    PRECIS_WORDS_COUNT
} precis_word_list_t;

/* Language flags. */
#define PRECIS_ABBREV_COLON_ENDS     1u /* ":" is a full stop (Armenian, Arabic) */
#define PRECIS_ABBREV_ORDINAL_PERIOD 2u /* "3." and "XII." are ordinals (de, sk) */
/* A quotation in straight or English quotes is one sentence with what frames
   it ('"Ei fu. Siccome ..." (Manzoni).'); without the flag (English, and the
   neutral rules) only « » and „ “ quotations are, and each sentence of an
   English quotation is one of its own, as English news references count. */
#define PRECIS_ABBREV_QUOTATION_WHOLE 4u

typedef struct _precis_abbrev_lang_t precis_abbrev_lang_t;

/* The data for an ISO 639-1 code; the language-neutral union of all
   languages for NULL, "und" or an unknown code. Never NULL; the result is
   static and shared (thread-safe: built once, on first use). */
const precis_abbrev_lang_t *precis_abbrev_lang(const char *code);

/* True for the language-neutral data. */
bool precis_abbrev_is_neutral(const precis_abbrev_lang_t *lang);

/* The language's PRECIS_ABBREV_* flags (0 for the neutral data). */
unsigned precis_abbrev_flags(const precis_abbrev_lang_t *lang);

/* What kind of abbreviation word is (lower case, no final period). */
precis_abbrev_kind_t precis_abbrev_find(const precis_abbrev_lang_t *lang,
                                        const char *word);

/* True when word (lower case) is in the language's list. */
bool precis_abbrev_has_word(const precis_abbrev_lang_t *lang, precis_word_list_t list,
                            const char *word);

/* Self test; returns 0 when every case passes. */
int precis_abbrev_test(bool verbose);

#endif
