/*  precis_words - words of a sentence as the summary budget counts them:
    runs of non-space bytes, the furniture phrases that start one, and where
    to cut a sentence that is too long.

    Shared helpers with no state, used by the document (word counts, the
    furniture phrase mark, the cut of long sentences) and the self tests.
    Scripts written without spaces count words differently: that needs the
    tokens, so it is precis_document's.

    Cutting: a sentence is cut at the last clause boundary that keeps at
    least half of the words allowed: after ';' or ':', after a comma
    followed by a conjunction ("and", "but", "which", ...), or before a
    dash standing between spaces. With none there it goes after the last
    word that fits. The prefix ends without trailing clause punctuation.
*/
#ifndef PRECIS_WORDS_H
#define PRECIS_WORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Fills the phrase tables (once; thread-safe). Call before the others. */
void precis_words_init(void);

static inline bool precis_words_is_space(unsigned char c)
{
    return c <= ' ' && (c == ' ' || c == '\n' || c == '\t' || c == '\r');
}

/* One pass over text[0..len): returns its words (runs of non-space
   bytes) and sets *phrase_p when a furniture phrase ("PUBLISHED:",
   "Getty Images", "CLICK HERE", ...: page furniture, not news) starts one
   of them. */
uint32_t precis_words_scan(const char *text, size_t len, bool *phrase_p);

/* The next run of non-space bytes in text[0..len) at or after *end_p:
   stores its span in *start_p, *end_p and returns true; false when there
   is none. */
bool precis_words_next(const char *text, size_t len, size_t *start_p, size_t *end_p);

/* Where to cut text[0..len) so that at most limit (>= 1) words remain (see
   Cutting above): returns the prefix's byte length and stores its words in
   *words_p. A text of limit words or fewer is returned whole. */
uint32_t precis_words_cut(const char *text, size_t len, uint32_t limit,
                          uint32_t *words_p);

/* Capitalised words of text[0..len) after its first word: words (runs of
   non-space bytes) whose first character is an upper-case or title-case
   letter (utf8proc categories Lu, Lt), so "'Hillary" or "(CNN)Over" do not
   count. A rough count of the names a sentence gives, for the teaser lede
   (precis_scoring). Returns -1 when the sentence's first letter is not an
   upper-case one: a script without case (Chinese, Thai, Arabic...) or a
   lower-case start, where capitals say nothing. */
int precis_words_names(const char *text, size_t len);

int precis_words_test(bool verbose);

#endif
