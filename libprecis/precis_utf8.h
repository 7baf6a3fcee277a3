/*  precis_utf8 - the UTF-8 primitives every stage shares.

    One decoder (strict: no overlong forms, no surrogates, nothing beyond
    U+10FFFF, no truncated sequences), the validator built on it, and the
    folding of typographic quotes and dashes to ASCII used for matching.
    Ingest validates requests with it, the normalizer repairs text with it
    and the tokenizer reads code points with it, so that all three agree on
    what valid UTF-8 is. The decoder is inline: it sits on the tokenizer's
    and the normalizer's hot paths.
*/
#ifndef PRECIS_UTF8_H
#define PRECIS_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Decodes the UTF-8 sequence at text[0..len) (len >= 1). Returns its length
   in bytes (1 to 4) and stores the code point in *codepoint; returns 0 and
   leaves *codepoint alone when the bytes there are not valid UTF-8. */
static inline size_t precis_utf8_decode(const char *text, size_t len, int32_t *codepoint)
{
    const unsigned char *bytes = (const unsigned char *)text;
    unsigned char lead = bytes[0];
    size_t size;
    int32_t value, minimum;
    if (lead < 0x80) {
        *codepoint = lead;
        return 1;
    } else if (lead >= 0xC2 && lead <= 0xDF) {
        size = 2, value = lead & 0x1F, minimum = 0x80;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        size = 3, value = lead & 0x0F, minimum = 0x800;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        size = 4, value = lead & 0x07, minimum = 0x10000;
    } else
        return 0;
    if (len < size)
        return 0;
    for (size_t i = 1; i < size; i++) {
        if ((bytes[i] & 0xC0) != 0x80)
            return 0;
        value = (value << 6) | (bytes[i] & 0x3F);
    }
    if (value < minimum || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF))
        return 0;
    *codepoint = value;
    return size;
}

/* True when text[0..len) is valid UTF-8 (as precis_utf8_decode defines it).
   Runs of ASCII are checked eight bytes at a time. */
bool precis_utf8_valid(const char *text, size_t len);

/* Maps typographic variants to one form for matching: curly and angle
   quotes to ' and ", hyphens, en and em dashes, the horizontal bar and
   minus to -. The ellipsis and every other code point are unchanged. */
int32_t precis_fold_codepoint(int32_t codepoint);

/* A copy of text[0..len), a string from a client (an id, a language
   code), that is safe to put in a log line or a reply: every code point
   that is a control character (C0, DEL, C1, U+2028 and U+2029: a client's
   "\n" would otherwise forge a log line of its own) and every byte that is
   not valid UTF-8 is written as \xNN, one escape a byte. Cut at a whole
   code point to fit out[size] (size >= 4), with "..." when cut; always
   terminated, valid UTF-8. Returns out, for use in a format's arguments. */
const char *precis_utf8_printable(char *out, size_t size, const char *text, size_t len);

/* A size for precis_utf8_printable's out when logging ids: 80 bytes of
   the id, escapes and "..." included. */
#define PRECIS_PRINTABLE_ID 81

int precis_utf8_test(bool verbose);

#endif
