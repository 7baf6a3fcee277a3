/*  precis_normalizer - Unicode clean-up of article text before summarizing.

    NFC normalization (utf8proc), removal of control and zero-width characters
    (newlines that separate paragraphs are kept, runs of blank lines become one
    blank line), runs of spaces collapsed to one, HTML entities decoded: numeric ones
    (&#233; &#xE9;, &#128;-&#159; read as Windows-1252) and every named one
    of HTML 4 (libxml2's table: &eacute; &ntilde; &hellip; ...), only when
    complete with its ';' ("&eacute" stays as it is).
    Typographic quotes and dashes are kept in the output; precis_fold_codepoint
    (libprecis/precis_utf8.h) maps them to ASCII for matching. Invalid UTF-8
    is repaired: each invalid byte becomes U+FFFD. Pure ASCII text takes a
    fast path that skips utf8proc.
*/
#ifndef PRECIS_NORMALIZER_H
#define PRECIS_NORMALIZER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct _precis_normalizer_t precis_normalizer_t;

precis_normalizer_t *precis_normalizer_new(void);
void precis_normalizer_destroy(precis_normalizer_t **self_p);

/* Normalizes text[0..len). Returns a malloc'd NUL-terminated string (the
   caller frees it) and stores its length in *out_len. Leading and trailing
   white space is trimmed. */
char *precis_normalizer_run(precis_normalizer_t *self, const char *text, size_t len,
                            size_t *out_len);

int precis_normalizer_test(bool verbose);

#endif
