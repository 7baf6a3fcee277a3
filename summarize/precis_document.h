/*  precis_document - one article as the summarizer's steps read it: its
    language, sentences, tokens, terms and TF-IDF sentence vectors.

    Built once per article by precis_document_build, then read-only: the
    steps (precis_furniture, precis_ranking, precis_scoring,
    precis_selection, precis_keywords) get a const document and keep what
    they compute in their own arrays. Building:

    1. the language: the caller's, or detected on the raw text
       (precis_lang_detect: a decisive stop-word vote, else CLD2);
    2. the sentences, split in that language (precis_split_lang);
    3. the tokens of every sentence, then of the title; each casefolded
       token is looked up once in the vocabulary, which caches its
       stop-word flag and stem for the language in use;
    4. local term ids: stop words of the language dropped, the rest stemmed
       through the stemmer's cache and numbered 0..terms-1;
    5. one sparse TF-IDF vector per sentence (IDF over the article's
       sentences), of unit length.

    Words are counted as the summary budget counts them (precis_words); in
    scripts written without spaces (Chinese, Japanese, Thai...) a run of
    non-space characters that holds a dictionary word counts as the tokens
    in it: each dictionary word, number and Latin word. A sentence of more
    than PRECIS_LONG_SENTENCE_WORDS words counts in a summary as its first
    part only (cut_len, cut_words; precis_words_cut, or at a token end
    before an ideographic comma, comma, semicolon or colon in segmented
    text).

    The object keeps its caches and scratch memory from one article to the
    next (one thread); the caches are bounded (PRECIS_VOCAB_LIMIT).
*/
#ifndef PRECIS_DOCUMENT_H
#define PRECIS_DOCUMENT_H

#include "precis_minhash.h"
#include "precis_stemmer.h"
#include "precis_stopwords.h"
#include "precis_tokenizer.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct _precis_document_t precis_document_t;

#define PRECIS_NO_TERM UINT32_MAX

/* Words the vocabulary keeps before it is flushed between articles. News
   in one language uses a few tens of thousands of words (35,000 in the BBC
   set of 2,225 articles), but names, numbers and typos never stop coming,
   so without a bound a long-running worker would grow. At this bound the
   vocabulary holds about 3.5 MB (128K slots of 16 bytes, records, text)
   and the stemmer's cache, flushed at the same count, about 4 MB: a worker
   stays near 20 MB (bench/soak). A flush costs a few milliseconds of
   stemming the common words again. */
#define PRECIS_VOCAB_LIMIT 50000

/* A token of the article or of the title (those come after the article's,
   from precis_document_title_first on, with sentence = sentence count). */
typedef struct {
    uint32_t start, len; /* bytes in the text (in the title for title tokens) */
    uint32_t word;       /* number in the vocabulary */
    uint32_t term;       /* local term id, PRECIS_NO_TERM for none */
    uint32_t sentence;
    bool letter;    /* has a letter: not a number */
    bool single;    /* one byte long */
    bool segmented; /* a dictionary word of a script written without spaces */
    bool grammar;   /* segmented and most likely a particle or ending: no keyword */
} precis_doc_token_t;

/* A sentence. */
typedef struct {
    uint32_t start, len; /* bytes in the text */
    uint32_t token_first, token_count;
    uint32_t entry_first, entry_count; /* its vector in precis_document_entries */
    uint32_t words;                    /* as the budget counts them */
    uint32_t cut_len, cut_words;       /* what a summary takes: all of it, or the
                                          first part of a long sentence */
    bool segmented;                    /* has segmented tokens */
    bool phrase;                       /* a furniture phrase starts one of its words */
} precis_doc_sentence_t;

/* One non-zero of a sentence vector: TF-IDF weight, (1 + log tf) x idf,
   the vector normalized to unit length. */
typedef struct {
    uint32_t term;
    float weight;
} precis_doc_entry_t;

/* A term (stem) of the article. */
typedef struct {
    uint32_t global; /* stemmer's id */
    uint32_t df;     /* sentences containing it */
    uint32_t tf;     /* occurrences in the article (title excluded) */
    uint32_t first;  /* its first token */
    uint32_t first_sentence;
    uint32_t last_sentence; /* (while building) */
    uint32_t entry;         /* (while building) */
    double idf;             /* log(sentences + 1) - log(df), df at least 1 */
    bool in_title;
    bool has_letter; /* some occurrence in the text has a letter and is no grammar word */
} precis_doc_term_t;

precis_document_t *precis_document_new(void);
void precis_document_destroy(precis_document_t **self_p);

/* Builds the document of text[0..len) (valid UTF-8) with title (NULL or
   ""for none) in language lang (ISO 639-1, or NULL / "" to detect). The
   language used is stored in code[8] ("und" when unknown). Returns 0, or
   -1 when the text has more than max_sentences (> 0) sentences; then
   *error_p (when not NULL) points to the reason with the count and the
   limit, valid until the next build. text and title must stay valid while
   the document is read. */
int precis_document_build(precis_document_t *self, const char *title, const char *text,
                          size_t len, const char *lang, size_t max_sentences,
                          char code[8], const char **error_p);

/* What the last build made; valid until the next build. */
const char *precis_document_text(const precis_document_t *self);
size_t precis_document_sentence_count(const precis_document_t *self);
const precis_doc_sentence_t *precis_document_sentences(const precis_document_t *self);
const precis_doc_token_t *precis_document_tokens(const precis_document_t *self);
size_t precis_document_title_first(const precis_document_t *self); /* tokens before */
size_t precis_document_term_count(const precis_document_t *self);
const precis_doc_term_t *precis_document_terms(const precis_document_t *self);
const precis_doc_entry_t *precis_document_entries(const precis_document_t *self);
size_t precis_document_entry_count(const precis_document_t *self);

/* The story signature's bins and shingle count (precis_minhash_words) of
   the last build's text (not its title), its words being the text's tokens
   in their case-folded form: what the pipeline's story index compares.
   Each distinct word is hashed once while the vocabulary holds it, so a
   signature costs one look-up a token and one hash a shingle. The exact
   hash (signature->text_hash) is left as it is. */
void precis_document_signature(precis_document_t *self, precis_minhash_t *signature);

/* Where to cut the first len bytes of sentence s so that at most limit
   (>= 1) words remain (see the header comment); its words in *words_p. */
uint32_t precis_document_cut(const precis_document_t *self, size_t s, size_t len,
                             uint32_t limit, uint32_t *words_p);

/* The tools the document was built with, for tests and commands. */
precis_tokenizer_t *precis_document_tokenizer(precis_document_t *self);
precis_stopwords_t *precis_document_stopwords(precis_document_t *self);
precis_stemmer_t *precis_document_stemmer(precis_document_t *self);
size_t precis_document_vocab_size(precis_document_t *self);

int precis_document_test(bool verbose);

#endif
