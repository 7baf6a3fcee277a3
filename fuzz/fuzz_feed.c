/*  fuzz_feed - libFuzzer target for the feed reader of `precis push`.

    The input is any bytes, taken as a feed file. Checked: sniffing and
    parsing return; a refusal gives a one-line reason; every item of an
    accepted feed has NUL-terminated strings, none of them empty (blank
    elements count as absent), and a format that is one of the three.
*/
#include "fuzz_check.h"
#include "precis_feed.h"
#include <string.h>

static void check_string(const char *value)
{
    if (value)
        FUZZ_CHECK(value[0] != 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char error[PRECIS_ERROR_SIZE];
    memset(error, 0, sizeof error);
    (void)precis_feed_sniff((const char *)data, size);
    precis_feed_t *feed = precis_feed_new((const char *)data, size, error);
    if (!feed) {
        size_t len = strnlen(error, sizeof error);
        FUZZ_CHECK(len > 0 && len < sizeof error && !memchr(error, '\n', len));
        return 0;
    }
    for (size_t i = 0; i < precis_feed_size(feed); i++) {
        const precis_feed_item_t *item = precis_feed_item(feed, i);
        FUZZ_CHECK(item != NULL);
        check_string(item->id);
        check_string(item->title);
        check_string(item->url);
        check_string(item->published);
        FUZZ_CHECK(item->format <= PRECIS_FORMAT_HTML);
    }
    FUZZ_CHECK(precis_feed_item(feed, precis_feed_size(feed)) == NULL);
    precis_feed_destroy(&feed);
    return 0;
}
