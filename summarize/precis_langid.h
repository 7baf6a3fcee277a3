/*  precis_langid - language identification of a text by CLD2.

    Scores at most the first PRECIS_LANGID_PREFIX bytes (a news article's
    language shows in its first paragraphs, and CLD2's cost grows with the
    length) and turns CLD2's answer into an ISO 639-1 code. The answer is
    "und" when CLD2 has no language for the text, is unsure (not
    is_reliable), or names a language without a two-letter code.
*/
#ifndef PRECIS_LANGID_H
#define PRECIS_LANGID_H

#include <stdbool.h>
#include <stddef.h>

/* Bytes scored: 2 KB, the first 300-350 words of European news; CLD2
   scores about 15-20 MB/s (bench/langid), so 2 KB cost 100 microseconds. */
#define PRECIS_LANGID_PREFIX 2048

typedef struct {
    char code[8];  /* ISO 639-1 ("en", "zh", "he"), or "und" */
    char guess[8]; /* the same mapping of CLD2's best language, also when unsure */
    int percent;   /* share of the scored letters in that language, 0..100 */
    int letters;   /* letter bytes CLD2 scored */
    bool reliable; /* CLD2's is_reliable */
} precis_langid_t;

/* Identifies the language of text[0..len) (UTF-8; scoring stops at the
   first invalid byte). Fills *result; returns true when result->code is a
   language, false for "und". */
bool precis_langid_identify(const char *text, size_t len, precis_langid_t *result);

/* An ISO 639-1 code for a CLD2 code, in code[8]: the primary subtag
   ("zh" of "zh-Hant"), current codes for withdrawn ones (iw -> he, in ->
   id, jw -> jv, mo -> ro), "und" for CLD2's unknown ("un") and anything
   that is not two ASCII letters. */
void precis_langid_code(const char *cld2_code, char *code);

int precis_langid_test(bool verbose);

#endif
