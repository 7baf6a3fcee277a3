/*  precis_splitter - sentence boundary detection for news text.

    Splits UTF-8 text into sentences. Handles abbreviations (Mr., U.S., Jan.,
    a.m., and per language: z. B., Sr., ул.), decimals, initials, quotes and
    their speakers, parentheses, ellipses, lists, footnote marks, e-mail
    addresses and URLs, sentences glued without a space, and the sentence
    ends of other scripts (CJK, Arabic, Devanagari, Armenian, Greek,
    Ethiopic, Myanmar). A blank line always ends a sentence; a single line
    break ends one only when the line ends in terminal punctuation, the next
    line starts a list item, or both lines are short and unpunctuated
    (headings, lists): hard-wrapped text stays whole. Spans exclude
    surrounding white space.
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

/* Like precis_split, with the abbreviations, sentence starters and speech
   verbs of lang, an ISO 639-1 code ("de", "ar"); NULL, "und" or a code
   precis_abbrev does not know mean language-neutral rules (the words of
   every language together), which is what precis_split uses. */
size_t precis_split_lang(const char *text, size_t len, const char *lang,
                         precis_span_t **spans_p);

/* Self test; returns 0 when every case passes. */
int precis_splitter_test(bool verbose);

#endif
