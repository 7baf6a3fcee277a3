/*  precis_splitter - placeholder: splits after . ! ? followed by white space.
    To be replaced by the real splitter. */
#include "precis_splitter.h"
#include <stdlib.h>

size_t precis_split(const char *text, size_t len, precis_span_t **spans_p)
{
    size_t count = 0, cap = 16;
    precis_span_t *spans = malloc(cap * sizeof *spans);
    size_t i = 0;
    while (i < len) {
        while (i < len && (text[i] == ' ' || text[i] == '\n' || text[i] == '\t'))
            i++;
        if (i >= len)
            break;
        size_t start = i;
        while (i < len && !((text[i] == '.' || text[i] == '!' || text[i] == '?' || text[i] == '\n') &&
                            (i + 1 == len || text[i + 1] == ' ' || text[i + 1] == '\n')))
            i++;
        size_t end = i < len && text[i] != '\n' ? i + 1 : i;
        if (count == cap)
            spans = realloc(spans, (cap *= 2) * sizeof *spans);
        spans[count].start = (uint32_t)start;
        spans[count].len = (uint32_t)(end - start);
        count++;
        i = end;
    }
    *spans_p = spans;
    return count;
}

int precis_splitter_test(bool verbose)
{
    return 0;
}
