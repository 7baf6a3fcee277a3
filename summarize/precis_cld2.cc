/*  precis_cld2 - a C entry point to CLD2 (see precis_cld2.h).

    ExtDetectLanguageSummaryCheckUTF8 is the one entry that checks UTF-8
    and gives the percentages; it stops at the first invalid byte, so a
    text with one bad byte is scored again on its valid prefix. No C++
    exception can come out: CLD2 throws none and nothing here allocates
    except the chunk vector, which stays empty without the chunk flag.
*/
#include "precis_cld2.h"
#include <climits>
#include <cstdio> /* compact_lang_det.h uses FILE without including it */
#include <cld2/public/compact_lang_det.h>
#include <cld2/public/encodings.h>
#include <cstring>

static void detect(const char *text, int len, precis_cld2_result_t *result, int *valid)
{
    CLD2::CLDHints hints = {NULL, NULL, CLD2::UNKNOWN_ENCODING, CLD2::UNKNOWN_LANGUAGE};
    CLD2::Language language3[3];
    int percent3[3];
    double score3[3];
    int text_bytes = 0;
    bool reliable = false;
    CLD2::Language language = CLD2::ExtDetectLanguageSummaryCheckUTF8(
        text, len, true, &hints, 0, language3, percent3, score3, NULL, &text_bytes,
        &reliable, valid);
    const char *code = CLD2::LanguageCode(language);
    std::strncpy(result->code, code ? code : "un", sizeof result->code - 1);
    result->code[sizeof result->code - 1] = '\0';
    result->percent = percent3[0];
    result->text_bytes = text_bytes;
    result->reliable = reliable;
}

extern "C" void precis_cld2_detect(const char *text, size_t len,
                                   precis_cld2_result_t *result)
{
    std::memset(result, 0, sizeof *result);
    int bounded = len > INT_MAX ? INT_MAX : (int)len;
    int valid = bounded;
    detect(text, bounded, result, &valid);
    if (valid < bounded && valid > 0)
        detect(text, valid, result, &valid);
    result->valid = valid < 0 ? 0 : (size_t)valid;
}
