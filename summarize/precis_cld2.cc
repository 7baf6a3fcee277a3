/*  precis_cld2 - a C entry point to CLD2 (see precis_cld2.h).

    ExtDetectLanguageSummaryCheckUTF8 is the one entry that checks UTF-8
    and gives the percentages; it stops at the first invalid byte, so a
    text with one bad byte is scored again on its valid prefix. No C++
    exception can come out: CLD2 throws none and nothing here allocates
    except the chunk vector, which stays empty without the chunk flag.

    CLD2 allocates and frees about 180 KB of scratch memory per call. With
    glibc's default trim threshold (128 KB) that memory goes back to the
    kernel after every call and faults back in on the next, which cost 40
    microseconds a call (bench/langid, BBC articles), more than scoring a
    short text. So the first call raises the trim threshold to 4 MB, once
    per process: free memory at the top of the heap is kept up to that
    size instead of being returned at once.
*/
#include "precis_cld2.h"
#include <climits>
#include <cstdio> /* compact_lang_det.h uses FILE without including it */
#include <cld2/public/compact_lang_det.h>
#include <cld2/public/encodings.h>
#include <cstring>
#ifdef __GLIBC__
#include <malloc.h>
#endif

static bool keep_heap()
{
#ifdef __GLIBC__
    mallopt(M_TRIM_THRESHOLD, 4 << 20);
#endif
    return true;
}

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
    static const bool heap_kept = keep_heap(); /* thread-safe, once */
    (void)heap_kept;
    std::memset(result, 0, sizeof *result);
    int bounded = len > INT_MAX ? INT_MAX : (int)len;
    int valid = bounded;
    detect(text, bounded, result, &valid);
    if (valid < bounded && valid > 0)
        detect(text, valid, result, &valid);
    result->valid = valid < 0 ? 0 : (size_t)valid;
}
