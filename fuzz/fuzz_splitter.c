/*  fuzz_splitter - libFuzzer target for the sentence splitter.

    The input is a text, any bytes. Every span precis_split returns must be
    in bounds, non-empty, after the previous one (increasing, no overlap) and
    trimmed: its first and last bytes are not ASCII white space. The array is
    NULL exactly when there are no sentences. When the text is valid UTF-8,
    spans also start and end on character boundaries, so that every sentence
    is valid UTF-8 on its own.
*/
#include "fuzz_check.h"
#include "precis_splitter.h"
#include <string.h>

static bool continuation(uint8_t c)
{
    return (c & 0xC0) == 0x80;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    precis_span_t *spans = (precis_span_t *)&spans; /* must be overwritten */
    size_t count = precis_split((const char *)data, size, &spans);
    FUZZ_CHECK(count == 0 ? spans == NULL : spans != NULL);
    FUZZ_CHECK(count <= size);
    bool utf8 = fuzz_utf8_valid(data, size);
    uint64_t previous_end = 0;
    for (size_t i = 0; i < count; i++) {
        uint64_t start = spans[i].start, end = start + spans[i].len;
        FUZZ_CHECK(spans[i].len > 0);
        FUZZ_CHECK(end <= size);
        FUZZ_CHECK(start >= previous_end);
        FUZZ_CHECK(!fuzz_ascii_space(data[start]));
        FUZZ_CHECK(!fuzz_ascii_space(data[end - 1]));
        if (utf8) {
            FUZZ_CHECK(!continuation(data[start]));
            FUZZ_CHECK(end == size || !continuation(data[end]));
        }
        previous_end = end;
    }
    free(spans);
    return 0;
}
