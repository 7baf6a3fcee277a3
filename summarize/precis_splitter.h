/*  precis_splitter - sentence boundary detection for news text.

    Splits UTF-8 text into sentences. Handles abbreviations (Mr., U.S., Jan.,
    a.m.), decimals, initials, quotes, parentheses, ellipses, lists, e-mail
    addresses and URLs. Paragraph breaks (blank lines, and single newlines)
    always end a sentence. Spans exclude surrounding white space.
*/
#ifndef PRECIS_SPLITTER_H
#define PRECIS_SPLITTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A sentence: byte offset and length in the text it was split from. */
typedef struct {
    uint32_t start;
    uint32_t len;
} precis_span_t;

/* Splits text[0..len) into sentences. Returns the number of sentences and
   stores a malloc'd array of spans in *spans_p (NULL when there are none);
   the caller frees it. Never fails except on out of memory, when it aborts. */
size_t precis_split(const char *text, size_t len, precis_span_t **spans_p);

/* Self test; returns 0 when every case passes. */
int precis_splitter_test(bool verbose);

#endif
