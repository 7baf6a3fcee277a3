/*  precis_stopword_data - the stop-word lists, embedded at build time.

    The build turns every summarize/stopwords/CODE.txt into one entry of
    this table (embed_stopwords.cmake), sorted by code. A list is UTF-8
    text: casefolded words separated by white space; a line starting with
    '#' is a comment. Adding a language is adding its file.
*/
#ifndef PRECIS_STOPWORD_DATA_H
#define PRECIS_STOPWORD_DATA_H

#include <stddef.h>

typedef struct {
    const char *code; /* ISO 639-1, the file name */
    const char *text; /* the file's bytes, NUL-terminated */
    size_t len;       /* bytes, without the NUL */
} precis_stopword_list_t;

extern const precis_stopword_list_t precis_stopword_lists[];
extern const size_t precis_stopword_list_count;

#endif
