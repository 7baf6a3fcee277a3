/*  precis_wordbreak - words of scripts written without spaces, from ICU.

    A thin layer over one UBreakIterator of kind UBRK_WORD with the root
    locale: the dictionary engines are chosen by script, not by locale, so
    one iterator serves Chinese, Japanese and Thai alike. The UText lives
    in the object and is opened again over each run; ubrk_setUText keeps a
    shallow clone of it, so setting a run allocates nothing.
*/
#include "precis_wordbreak.h"
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/ubrk.h>
#include <unicode/utext.h>

struct _precis_wordbreak_t {
    UBreakIterator *iterator;
    UText text;       /* the run, read in place as UTF-8 */
    int32_t position; /* the boundary the iterator stands on */
};

precis_wordbreak_t *precis_wordbreak_new(void)
{
    precis_wordbreak_t *self = calloc(1, sizeof *self);
    assert(self);
    self->text = (UText)UTEXT_INITIALIZER;
    UErrorCode status = U_ZERO_ERROR;
    self->iterator = ubrk_open(UBRK_WORD, "", NULL, 0, &status);
    if (U_FAILURE(status) || !self->iterator) {
        if (self->iterator)
            ubrk_close(self->iterator);
        free(self);
        return NULL;
    }
    return self;
}

void precis_wordbreak_destroy(precis_wordbreak_t **self_p)
{
    assert(self_p);
    precis_wordbreak_t *self = *self_p;
    if (!self)
        return;
    ubrk_close(self->iterator);
    utext_close(&self->text);
    free(self);
    *self_p = NULL;
}

bool precis_wordbreak_script(int32_t codepoint)
{
    if (codepoint < 0x0E00)
        return false;
    if (codepoint < 0x3000)
        return codepoint <= 0x0EFF                              /* Thai, Lao */
               || (codepoint >= 0x1000 && codepoint <= 0x109F)  /* Myanmar */
               || (codepoint >= 0x1780 && codepoint <= 0x17FF)  /* Khmer */
               || (codepoint >= 0x19E0 && codepoint <= 0x19FF)  /* Khmer symbols */
               || (codepoint >= 0x2E80 && codepoint <= 0x2FDF); /* CJK radicals */
    if (codepoint < 0xA000)
        return (codepoint >= 0x3005 && codepoint <= 0x3007)    /* 々 〆 〇 */
               || (codepoint >= 0x3021 && codepoint <= 0x3029) /* Hangzhou numerals */
               || (codepoint >= 0x3031 && codepoint <= 0x3035) /* kana repeat marks */
               || (codepoint >= 0x303B && codepoint <= 0x303C) /* 〻 〼 */
               || (codepoint >= 0x3040 && codepoint <= 0x30FF) /* Hiragana, Katakana */
               || (codepoint >= 0x31F0 && codepoint <= 0x31FF) /* Katakana extension */
               || (codepoint >= 0x3400 && codepoint <= 0x4DBF) /* CJK extension A */
               || codepoint >= 0x4E00;                         /* CJK ideographs */
    return (codepoint >= 0xA9E0 && codepoint <= 0xA9FF)        /* Myanmar extension B */
           || (codepoint >= 0xAA60 && codepoint <= 0xAA7F)     /* Myanmar extension A */
           || (codepoint >= 0xF900 && codepoint <= 0xFAFF)     /* CJK compatibility */
           || (codepoint >= 0xFF66 && codepoint <= 0xFF9F)     /* half-width Katakana */
           || (codepoint >= 0x1B000 && codepoint <= 0x1B16F)   /* kana supplements */
           || (codepoint >= 0x20000 && codepoint <= 0x323AF);  /* CJK extensions B.. */
}

bool precis_wordbreak_set(precis_wordbreak_t *self, const char *text, size_t len)
{
    assert(self && (text || len == 0));
    if (len > INT32_MAX)
        return false;
    UErrorCode status = U_ZERO_ERROR;
    utext_openUTF8(&self->text, text, (int64_t)len, &status);
    if (U_FAILURE(status))
        return false;
    ubrk_setUText(self->iterator, &self->text, &status);
    if (U_FAILURE(status))
        return false;
    self->position = ubrk_first(self->iterator);
    return true;
}

bool precis_wordbreak_next(precis_wordbreak_t *self, size_t *start_p, size_t *len_p,
                           precis_word_kind_t *kind_p)
{
    assert(self && start_p && len_p && kind_p);
    for (;;) {
        int32_t start = self->position;
        int32_t end = ubrk_next(self->iterator);
        if (end == UBRK_DONE)
            return false;
        self->position = end;
        /* Rule status: below UBRK_WORD_NONE_LIMIT spaces and punctuation,
           then numbers, then letters, kana and ideographs. */
        int32_t rule = ubrk_getRuleStatus(self->iterator);
        if (rule < UBRK_WORD_NONE_LIMIT)
            continue;
        *start_p = (size_t)start;
        *len_p = (size_t)(end - start);
        *kind_p = rule < UBRK_WORD_NUMBER_LIMIT ? PRECIS_WORD_NUMBER : PRECIS_WORD_LETTER;
        return true;
    }
}

/* Segments text and compares the words, joined by '|', with expected. */
static int check(precis_wordbreak_t *self, const char *text, const char *expected,
                 bool verbose)
{
    char joined[512] = "";
    size_t used = 0, start, len;
    precis_word_kind_t kind;
    if (!precis_wordbreak_set(self, text, strlen(text))) {
        if (verbose)
            printf("wordbreak: \"%s\" refused\n", text);
        return 1;
    }
    while (precis_wordbreak_next(self, &start, &len, &kind) && used < sizeof joined) {
        used += (size_t)snprintf(joined + used, sizeof joined - used, "%s%.*s",
                                 used ? "|" : "", (int)len, text + start);
    }
    if (strcmp(joined, expected) == 0)
        return 0;
    if (verbose)
        printf("wordbreak: \"%s\" gave \"%s\", expected \"%s\"\n", text, joined,
               expected);
    return 1;
}

int precis_wordbreak_test(bool verbose)
{
    int failures = 0;
    /* Which code points go to ICU. */
    static const int32_t accepted[] = {0x5317, 0x3042, 0x30A2, 0x30FC, 0x3005, 0x0E01,
                                       0x0E81, 0x1000, 0x1780, 0xFF71, 0x20000};
    static const int32_t rejected[] = {'a',    0xE9,   0x3B1,  0x416,  0x5D0,
                                       0x627,  0x915,  0x3002, 0x3001, 0x300C,
                                       0xAC00, 0xFF0C, 0xFF21, 0x1F600};
    for (size_t i = 0; i < sizeof accepted / sizeof accepted[0]; i++)
        if (!precis_wordbreak_script(accepted[i])) {
            failures++;
            if (verbose)
                printf("wordbreak: U+%04X not accepted\n", (unsigned)accepted[i]);
        }
    for (size_t i = 0; i < sizeof rejected / sizeof rejected[0]; i++)
        if (precis_wordbreak_script(rejected[i])) {
            failures++;
            if (verbose)
                printf("wordbreak: U+%04X accepted\n", (unsigned)rejected[i]);
        }

    precis_wordbreak_t *self = precis_wordbreak_new();
    if (!self) {
        if (verbose)
            printf("wordbreak: ICU word break iterator not available\n");
        return 1;
    }
    /* Chinese: the new metro line opens in Beijing. */
    failures +=
        check(self, "北京地铁新线路今天开通", "北京|地铁|新|线路|今天|开通", verbose);
    /* Japanese: Tokyo's subway. Kanji, hiragana and katakana together. */
    failures += check(self, "東京の地下鉄にエレベーターを設置した",
                      "東京|の|地下鉄|に|エレベーター|を|設置|した", verbose);
    /* Thai: the sky train opens a new line. */
    failures += check(self, "รถไฟฟ้าเปิดสายใหม่", "รถไฟฟ้า|เปิด|สาย|ใหม่", verbose);
    /* Punctuation and spaces inside the text are not words. */
    failures += check(self, "北京。 上海，", "北京|上海", verbose);
    failures += check(self, "", "", verbose);
    /* Kinds and spans: Thai digits are a number. */
    const char *text = "๒๕๖๗ ปี";
    size_t start, len;
    precis_word_kind_t kind;
    bool ok = precis_wordbreak_set(self, text, strlen(text)) &&
              precis_wordbreak_next(self, &start, &len, &kind) && start == 0 &&
              len == 12 && kind == PRECIS_WORD_NUMBER &&
              precis_wordbreak_next(self, &start, &len, &kind) && start == 13 &&
              len == 6 && kind == PRECIS_WORD_LETTER &&
              !precis_wordbreak_next(self, &start, &len, &kind);
    if (!ok) {
        failures++;
        if (verbose)
            printf("wordbreak: kinds or spans wrong\n");
    }
    precis_wordbreak_destroy(&self);
    precis_wordbreak_destroy(&self); /* a second destroy does nothing */
    return failures ? 1 : 0;
}
