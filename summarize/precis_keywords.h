/*  precis_keywords - the words an article is about.

    A step of the summarizer: reads the document's terms and returns the
    top PRECIS_KEYWORDS_MAX stems by tf x 1.5 when in the title, plus
    1 / (1 + first sentence), each shown as its most frequent surface form
    among its first occurrences in the text (ties: the earliest). Numbers,
    grammar words of scripts without spaces, and in scripts with capitals
    words of one letter or of two with a small one ("à", "te", "km": a
    grammar word or unit the stop lists lack; "UK" stays) are never
    keywords, so there may be fewer than PRECIS_KEYWORDS_MAX; ties
    keep the term met first. With the furniture step's kinds, occurrences
    in page furniture (bylines, photo credits, time stamps) do not count,
    so "By Staff Reporter" gives no keyword "Staff".
*/
#ifndef PRECIS_KEYWORDS_H
#define PRECIS_KEYWORDS_H

#include "precis_document.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct _precis_keywords_t precis_keywords_t;

#define PRECIS_KEYWORDS_MAX 10

precis_keywords_t *precis_keywords_new(void);
void precis_keywords_destroy(precis_keywords_t **self_p);

/* The keywords of document, most important first: an array of
   NUL-terminated strings in one malloc'd block (free the array alone), or
   NULL when there are none; their count in *count_p. furniture_kinds: per
   sentence, non-zero for page furniture (precis_furniture_run), or NULL to
   count every sentence. */
char **precis_keywords_run(precis_keywords_t *self, const precis_document_t *document,
                           const uint8_t *furniture_kinds, size_t *count_p);

int precis_keywords_test(bool verbose);

#endif
