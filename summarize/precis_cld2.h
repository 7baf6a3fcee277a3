/*  precis_cld2 - a C entry point to CLD2, Google's Compact Language Detector 2.

    CLD2 is a C++ library (Debian libcld2-dev); this is its only caller, so
    that the rest of precis stays C. Use precis_langid, which bounds the
    input and maps the codes; this layer only translates the call.
*/
#ifndef PRECIS_CLD2_H
#define PRECIS_CLD2_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What CLD2 says of a text. */
typedef struct {
    char code[16];  /* CLD2's language code: "en", "zh-Hant", "un" (unknown) */
    int percent;    /* share of the text's letters in that language, 0..100 */
    int text_bytes; /* letter bytes CLD2 scored (markup and digits excluded) */
    bool reliable;  /* CLD2's own is_reliable */
    size_t valid;   /* leading bytes that are valid UTF-8 */
} precis_cld2_result_t;

/* Identifies the language of text[0..len) (plain text, UTF-8). When the
   text is not valid UTF-8 throughout, only its valid prefix is scored
   (result->valid bytes). Never fails; an unknown language gives "un". */
void precis_cld2_detect(const char *text, size_t len, precis_cld2_result_t *result);

#ifdef __cplusplus
}
#endif

#endif
