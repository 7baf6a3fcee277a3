/*  precis_furniture - which sentences are page furniture (see the header). */
#include "precis_furniture.h"
#include "precis_reserve.h"
#include <stdio.h>
#include <string.h>
#include <strings.h>

struct _precis_furniture_t {
    uint8_t *kinds;
    size_t kind_cap;
};

precis_furniture_t *precis_furniture_new(void)
{
    precis_furniture_t *self = calloc(1, sizeof *self);
    assert(self);
    return self;
}

void precis_furniture_destroy(precis_furniture_t **self_p)
{
    assert(self_p);
    if (!*self_p)
        return;
    free((*self_p)->kinds);
    free(*self_p);
    *self_p = NULL;
}

/* True for "Published 3 May...", "Updated: 10:02", "Posted on ...": a
   publishing verb first, and a digit soon after. */
static bool starts_time_stamp(const char *text, size_t len)
{
    static const char *const verbs[] = {"Published", "Updated", "Posted",
                                        "Last modified"};
    for (size_t v = 0; v < sizeof verbs / sizeof verbs[0]; v++) {
        size_t verb_len = strlen(verbs[v]);
        if (len <= verb_len || strncasecmp(text, verbs[v], verb_len) != 0)
            continue;
        for (size_t i = verb_len; i < len && i < verb_len + 16; i++)
            if (text[i] >= '0' && text[i] <= '9')
                return true;
    }
    return false;
}

/* The kind of one sentence text[0..len) of words words. */
static uint8_t kind_of(const char *text, size_t len, uint32_t words, bool phrase)
{
    if (phrase)
        return PRECIS_FURNITURE_PHRASE;
    /* "By Jane Doe ." and the like: a short line that starts with By. */
    if (len > 3 && memcmp(text, "By ", 3) == 0 && words <= 8)
        return PRECIS_FURNITURE_BYLINE;
    /* Time stamps ("Published 14 April, 18:42 | Updated ...") and other
       lines of fields separated by bars. */
    if (memchr(text, '|', len) || starts_time_stamp(text, len))
        return PRECIS_FURNITURE_FIELDS;
    return PRECIS_FURNITURE_NONE;
}

const uint8_t *precis_furniture_run(precis_furniture_t *self,
                                    const precis_document_t *document)
{
    size_t n = precis_document_sentence_count(document);
    const precis_doc_sentence_t *sentences = precis_document_sentences(document);
    const char *text = precis_document_text(document);
    PRECIS_RESERVE(self->kinds, self->kind_cap, n);
    for (size_t i = 0; i < n; i++)
        self->kinds[i] = kind_of(text + sentences[i].start, sentences[i].len,
                                 sentences[i].words, sentences[i].phrase);
    return self->kinds;
}

const char *precis_furniture_name(uint8_t kind)
{
    static const char *const names[] = {"none", "phrase", "byline", "fields"};
    return kind < sizeof names / sizeof names[0] ? names[kind] : "none";
}

/* --- Self test ------------------------------------------------------------ */

int precis_furniture_test(bool verbose)
{
    int failures = 0;
    const char *text = "By Ona Reyes, Transport Editor\n"
                       "Published 2 June, 07:15\n"
                       "Home | News | Transport\n"
                       "Photo: Commuters wait at Central station.\n"
                       "By noon the trains were running again after the signal failure "
                       "had been found and fixed by the engineers.\n"
                       "The regional rail operator cancelled all morning trains.\n";
    static const uint8_t expected[] = {PRECIS_FURNITURE_BYLINE, PRECIS_FURNITURE_FIELDS,
                                       PRECIS_FURNITURE_FIELDS, PRECIS_FURNITURE_PHRASE,
                                       PRECIS_FURNITURE_NONE,   PRECIS_FURNITURE_NONE};
    precis_document_t *document = precis_document_new();
    precis_furniture_t *self = precis_furniture_new();
    char code[8];
    precis_document_build(document, NULL, text, strlen(text), "en", 0, code, NULL);
    size_t n = precis_document_sentence_count(document);
    const uint8_t *kinds = precis_furniture_run(self, document);
    if (n != sizeof expected) {
        failures++;
        if (verbose)
            printf("furniture: %zu sentences, expected %zu\n", n, sizeof expected);
    }
    for (size_t i = 0; i < n && i < sizeof expected; i++)
        if (kinds[i] != expected[i]) {
            failures++;
            if (verbose)
                printf("furniture: sentence %zu is %s, expected %s\n", i,
                       precis_furniture_name(kinds[i]),
                       precis_furniture_name(expected[i]));
        }
    precis_furniture_destroy(&self);
    precis_document_destroy(&document);
    return failures ? 1 : 0;
}
