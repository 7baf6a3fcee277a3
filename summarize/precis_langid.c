/*  precis_langid - language identification of a text by CLD2.

    The prefix is cut back to the start of a UTF-8 character so that a
    character split at the bound does not read as invalid UTF-8, which
    would make CLD2 stop there.

*/
#include "precis_langid.h"
#include "precis_cld2.h"
#include <assert.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

void precis_langid_code(const char *cld2_code, char *code)
{
    static const char *const renamed[][2] = {
        {"iw", "he"}, {"in", "id"}, {"jw", "jv"}, {"mo", "ro"}, {"ji", "yi"}};
    size_t len = strcspn(cld2_code, "-_");
    if (len != 2 || !isalpha((unsigned char)cld2_code[0]) ||
        !isalpha((unsigned char)cld2_code[1]) || (cld2_code[0] & 0x80) ||
        (cld2_code[1] & 0x80) || strncmp(cld2_code, "un", 2) == 0 ||
        strncmp(cld2_code, "xx", 2) == 0) {
        strcpy(code, "und");
        return;
    }
    code[0] = (char)tolower((unsigned char)cld2_code[0]);
    code[1] = (char)tolower((unsigned char)cld2_code[1]);
    code[2] = '\0';
    for (size_t i = 0; i < sizeof renamed / sizeof renamed[0]; i++)
        if (strcmp(code, renamed[i][0]) == 0)
            strcpy(code, renamed[i][1]);
}

/* len cut to PRECIS_LANGID_PREFIX, backed up to a character start. */
static size_t bounded_length(const char *text, size_t len)
{
    if (len <= PRECIS_LANGID_PREFIX)
        return len;
    size_t cut = PRECIS_LANGID_PREFIX;
    while (cut > 0 && ((unsigned char)text[cut] & 0xc0) == 0x80)
        cut--;
    return cut;
}

bool precis_langid_identify(const char *text, size_t len, precis_langid_t *result)
{
    assert(result && (text || len == 0));
    memset(result, 0, sizeof *result);
    precis_cld2_result_t cld2 = {.code = "un"};
    if (len)
        precis_cld2_detect(text, bounded_length(text, len), &cld2);
    precis_langid_code(cld2.code, result->guess);
    result->percent = cld2.percent;
    result->letters = cld2.text_bytes;
    result->reliable = cld2.reliable;
    strcpy(result->code, cld2.reliable ? result->guess : "und");
    return strcmp(result->code, "und") != 0;
}

int precis_langid_test(bool verbose)
{
    int failures = 0;
    struct {
        const char *text, *expected;
    } cases[] = {
        {"The council said on Monday that the new bridge over the river would open "
         "to traffic in May, two years later than planned, after a dispute over costs.",
         "en"},
        {"Правительство объявило в понедельник, что новый мост через реку откроют для "
         "движения в мае, на два года позже, чем планировалось.",
         "ru"},
        {"新しい橋は五月に開通する予定だと市は月曜日に発表した。工事は二年遅れた。",
         "ja"},
        {"市政府星期一宣布，这座新桥将于五月通车，比原计划晚了两年。", "zh"},
        {"", "und"},
        {"12 345 678 9.10", "und"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        precis_langid_t result;
        precis_langid_identify(cases[i].text, strlen(cases[i].text), &result);
        if (strcmp(result.code, cases[i].expected) != 0) {
            failures++;
            if (verbose)
                printf("langid: got %s (%s, %d%%, %s) for \"%s\", expected %s\n",
                       result.code, result.guess, result.percent,
                       result.reliable ? "reliable" : "unsure", cases[i].text,
                       cases[i].expected);
        }
    }
    /* Invalid UTF-8 after a valid English prefix: the prefix still counts. */
    char mixed[300];
    snprintf(mixed, sizeof mixed, "%s\xff\xfe tail", cases[0].text);
    precis_langid_t result;
    if (!precis_langid_identify(mixed, strlen(mixed), &result) ||
        strcmp(result.code, "en") != 0) {
        failures++;
        if (verbose)
            printf("langid: invalid UTF-8 tail hides the language\n");
    }
    /* A long text is cut at a character start, not inside "é". */
    static char longer[PRECIS_LANGID_PREFIX * 2];
    size_t used = 0;
    const char *french =
        "Le conseil a décidé que le pont sera rouvert à la circulation. ";
    while (used + strlen(french) < sizeof longer - 1) {
        memcpy(longer + used, french, strlen(french));
        used += strlen(french);
    }
    longer[used] = '\0';
    if (!precis_langid_identify(longer, used, &result) ||
        strcmp(result.code, "fr") != 0) {
        failures++;
        if (verbose)
            printf("langid: long French text gave %s\n", result.code);
    }
    struct {
        const char *cld2, *code;
    } codes[] = {{"en", "en"},   {"zh-Hant", "zh"},  {"iw", "he"}, {"un", "und"},
                 {"haw", "und"}, {"xx-Qaai", "und"}, {"", "und"},  {"sr-ME", "sr"}};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        char code[8];
        precis_langid_code(codes[i].cld2, code);
        if (strcmp(code, codes[i].code) != 0) {
            failures++;
            if (verbose)
                printf("langid: code %s mapped to %s, expected %s\n", codes[i].cld2, code,
                       codes[i].code);
        }
    }
    return failures ? 1 : 0;
}
