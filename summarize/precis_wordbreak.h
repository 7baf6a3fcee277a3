/*  precis_wordbreak - words of scripts written without spaces, from ICU.

    Chinese, Japanese, Thai, Lao, Khmer and Myanmar put no space between
    words, so a run of letters is a clause, not a word. ICU's word break
    iterator (ubrk_open(UBRK_WORD)) finds the words of such a run with its
    dictionaries (cjdict for Han and kana, thaidict, laodict, khmerdict,
    burmesedict, all in Debian's libicu data). The run is read in place as
    UTF-8 (utext_openUTF8), so no UTF-16 copy is made, and offsets are byte
    offsets into it. The rule status of each segment tells words (letters,
    kana, ideographs, numbers) from punctuation and spaces, which are skipped.

    One iterator is opened per object and reused for every run; an object
    is used by one thread at a time. The tokenizer hands it only runs of the
    scripts precis_wordbreak_script accepts; everything else keeps the
    tokenizer's own fast path.
*/
#ifndef PRECIS_WORDBREAK_H
#define PRECIS_WORDBREAK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct _precis_wordbreak_t precis_wordbreak_t;

/* What a word is made of, from ICU's rule status. */
typedef enum {
    PRECIS_WORD_NUMBER, /* digits (UBRK_WORD_NUMBER), e.g. Thai digits */
    PRECIS_WORD_LETTER  /* letters, kana or ideographs (UBRK_WORD_LETTER, _KANA, _IDEO) */
} precis_word_kind_t;

/* Opens the ICU iterator. Returns NULL when ICU cannot open it (its data
   missing); callers then treat a run as one word. */
precis_wordbreak_t *precis_wordbreak_new(void);
void precis_wordbreak_destroy(precis_wordbreak_t **self_p);

/* True for a code point of a script that ICU segments with a dictionary:
   Han (with the iteration and number marks 々 〆 〇), Hiragana, Katakana
   (also half-width, with the prolonged sound mark ー), Thai, Lao, Khmer,
   Myanmar. Code points below U+0E00 (Latin, Greek, Cyrillic, Arabic,
   Hebrew, Indic...) are rejected by the first comparison. CJK punctuation
   such as 。、「」 is not included: it ends a run. Hangul is not included:
   Korean puts spaces between words. */
bool precis_wordbreak_script(int32_t codepoint);

/* Starts segmenting text[0..len) (valid UTF-8; the caller keeps it alive
   while reading words). Returns false when ICU refuses the text. */
bool precis_wordbreak_set(precis_wordbreak_t *self, const char *text, size_t len);

/* The next word of the text set: its byte span in *start_p and *len_p and
   its kind. Returns false after the last word. */
bool precis_wordbreak_next(precis_wordbreak_t *self, size_t *start_p, size_t *len_p,
                           precis_word_kind_t *kind_p);

int precis_wordbreak_test(bool verbose);

#endif
