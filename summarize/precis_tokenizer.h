/*  precis_tokenizer - word tokens for matching sentences against each other.

    A token is a run of letters and numbers (utf8proc categories L*, N*, with
    combining marks M* kept inside). An apostrophe or hyphen between two such
    characters stays inside the token ("don't", "three-year"), as do a point
    or comma between two digits ("3.5", "1,000"). Typographic quotes and
    dashes are folded (precis_fold_codepoint) before that test, so "don’t"
    and "don't" give the same token. Each token is casefolded with utf8proc;
    ASCII takes a fast path. One tokenizer is used by one thread at a time.

    Scripts written without spaces (Chinese, Japanese, Thai, Lao, Khmer,
    Myanmar: precis_wordbreak_script) are different: a run of their code
    points is cut into dictionary words by ICU (precis_wordbreak), and each
    word is a token, marked segmented. Its folded form is its text (these
    scripts have no case). Punctuation inside the run is skipped; Latin
    letters or digits next to it ("iPhone 15在北京发布") are tokens of their
    own. To be read word by word, a run must be tokenized from its start
    with each call continuing at the *pos_p the previous one left.
*/
#ifndef PRECIS_TOKENIZER_H
#define PRECIS_TOKENIZER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct _precis_tokenizer_t precis_tokenizer_t;

/* Folded forms longer than this many bytes are cut (at a character
   boundary); such tokens are URLs or noise, never useful words. */
#define PRECIS_TOKEN_MAX 120

typedef struct {
    uint32_t start; /* byte span of the token in the source text */
    uint32_t len;
    const char *folded; /* casefolded form, NUL-terminated; valid until the next call */
    uint32_t folded_len;
    bool has_letter;    /* at least one letter (false for "2004", "3.5") */
    bool upper_initial; /* the first character is an upper-case or title-case letter */
    bool segmented;     /* a dictionary word of a script written without spaces */
} precis_token_t;

precis_tokenizer_t *precis_tokenizer_new(void);
void precis_tokenizer_destroy(precis_tokenizer_t **self_p);

/* Finds the next token in text[*pos_p..len). Returns false when there is
   none; otherwise fills token and moves *pos_p past it. */
bool precis_tokenizer_next(precis_tokenizer_t *self, const char *text, size_t len,
                           size_t *pos_p, precis_token_t *token);

/* Counts the tokens in text[0..len). */
size_t precis_tokenizer_count(precis_tokenizer_t *self, const char *text, size_t len);

int precis_tokenizer_test(bool verbose);

#endif
