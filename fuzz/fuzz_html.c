/*  fuzz_html - libFuzzer target for HTML to text (precis_html).

    The input is any bytes, taken as a page. Checked: detection and
    conversion return; the text is NUL-terminated at its length with no NUL
    inside, has no leading or trailing white space and no more than one
    blank line in a row (breaks are only ever written between pieces of
    text); a title, when there is one, is not empty and has no line break.
*/
#include "fuzz_check.h"
#include "precis_html.h"
#include <stdlib.h>
#include <string.h>

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *html = (const char *)data;
    (void)precis_html_detect(html, size);
    size_t len = 0;
    char *title = NULL;
    char *text = precis_html_to_text(html, size, &len, &title);
    FUZZ_CHECK(text != NULL);
    FUZZ_CHECK(text[len] == 0 && strlen(text) == len);
    if (len > 0) {
        FUZZ_CHECK(!is_space(text[0]) && !is_space(text[len - 1]));
        FUZZ_CHECK(strstr(text, "\n\n\n") == NULL);
    }
    if (title) {
        FUZZ_CHECK(title[0] != 0 && strchr(title, '\n') == NULL);
        FUZZ_CHECK(!is_space(title[0]));
    }
    free(text);
    free(title);
    return 0;
}
