/*  precis_lang - the languages precis knows, and language detection.

    Detection is a vote: each token that is a stop word adds 2 points to its
    language when it is a stop word of that language only, 1 point to each
    language when it is shared ("de", "in"). The winner needs enough points
    and enough hits relative to the text length; ties go to the language
    listed first, so the result never depends on anything but the text.
*/
#include "precis_lang.h"
#include "precis_stopwords.h"
#include "precis_tokenizer.h"
#include <assert.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const codes[PRECIS_LANG_COUNT] = {"und", "en", "de", "fr",
                                                     "es",  "it", "pt", "nl"};

struct _precis_lang_t {
    uint32_t points[PRECIS_LANG_COUNT];
    uint32_t hits[PRECIS_LANG_COUNT];
    uint32_t tokens;
};

const char *precis_lang_code(precis_lang_id_t id)
{
    return id < PRECIS_LANG_COUNT ? codes[id] : codes[0];
}

precis_lang_id_t precis_lang_from_code(const char *code)
{
    if (!code || strlen(code) < 2)
        return PRECIS_LANG_UND;
    if (code[2] != '\0' && code[2] != '-' && code[2] != '_')
        return PRECIS_LANG_UND;
    for (int id = 1; id < PRECIS_LANG_COUNT; id++)
        if (tolower((unsigned char)code[0]) == codes[id][0] &&
            tolower((unsigned char)code[1]) == codes[id][1])
            return (precis_lang_id_t)id;
    return PRECIS_LANG_UND;
}

precis_lang_t *precis_lang_new(void)
{
    precis_lang_t *self = calloc(1, sizeof *self);
    assert(self);
    return self;
}

void precis_lang_destroy(precis_lang_t **self_p)
{
    assert(self_p);
    if (*self_p) {
        free(*self_p);
        *self_p = NULL;
    }
}

void precis_lang_reset(precis_lang_t *self)
{
    assert(self);
    memset(self, 0, sizeof *self);
}

void precis_lang_add(precis_lang_t *self, uint32_t mask)
{
    self->tokens++;
    if (!mask)
        return;
    uint32_t points = (mask & (mask - 1)) == 0 ? 2 : 1; /* exclusive: 2 */
    for (mask &= (1u << PRECIS_LANG_COUNT) - 2; mask; mask &= mask - 1) {
        int id = __builtin_ctz(mask);
        self->points[id] += points;
        self->hits[id]++;
    }
}

void precis_lang_add_plain(precis_lang_t *self, size_t count)
{
    self->tokens += (uint32_t)count;
}

precis_lang_id_t precis_lang_result(precis_lang_t *self)
{
    assert(self);
    int best = PRECIS_LANG_UND;
    for (int id = 1; id < PRECIS_LANG_COUNT; id++)
        if (self->points[id] > self->points[best])
            best = id;
    /* Evidence: at least two exclusive hits' worth of points (one for a
       very short text), and stop words make up a tenth of the tokens
       (they are a third to a half of running news text). */
    uint32_t needed = self->tokens < 8 ? 2 : 4;
    if (best == PRECIS_LANG_UND || self->points[best] < needed ||
        self->hits[best] * 10 < self->tokens)
        return PRECIS_LANG_UND;
    return (precis_lang_id_t)best;
}

precis_lang_id_t precis_lang_detect(precis_lang_t *self, precis_stopwords_t *stopwords,
                                    precis_tokenizer_t *tokenizer, const char *text,
                                    size_t len)
{
    precis_lang_reset(self);
    size_t pos = 0;
    precis_token_t token;
    while (precis_tokenizer_next(tokenizer, text, len, &pos, &token)) {
        uint32_t mask = 0;
        if (!precis_stopwords_elision(stopwords, token.folded, token.folded_len, &mask))
            mask = precis_stopwords_lookup(stopwords, token.folded, token.folded_len);
        if (mask)
            precis_lang_add(self, mask);
        else
            precis_lang_add_plain(self, 1);
    }
    return precis_lang_result(self);
}

int precis_lang_test(bool verbose)
{
    precis_lang_t *self = precis_lang_new();
    precis_stopwords_t *stopwords = precis_stopwords_new();
    precis_tokenizer_t *tokenizer = precis_tokenizer_new();
    int failures = 0;
    struct {
        const char *text;
        precis_lang_id_t expected;
    } cases[] = {
        {"The harbour board said on Monday that the new ferry would start in May.",
         PRECIS_LANG_EN},
        {"Der Stadtrat hat am Montag beschlossen, dass die neue Brücke im Mai für den "
         "Verkehr geöffnet wird.",
         PRECIS_LANG_DE},
        {"Le conseil municipal a décidé lundi que le nouveau pont sera ouvert à la "
         "circulation au mois de mai.",
         PRECIS_LANG_FR},
        {"El ayuntamiento decidió el lunes que el nuevo puente se abrirá al tráfico en "
         "el mes de mayo.",
         PRECIS_LANG_ES},
        {"Il consiglio comunale ha deciso lunedì che il nuovo ponte sarà aperto al "
         "traffico nel mese di maggio.",
         PRECIS_LANG_IT},
        {"A câmara municipal decidiu na segunda-feira que a nova ponte será aberta ao "
         "trânsito no mês de maio.",
         PRECIS_LANG_PT},
        {"De gemeenteraad heeft maandag besloten dat de nieuwe brug in mei voor het "
         "verkeer wordt geopend.",
         PRECIS_LANG_NL},
        {"Kommunfullmäktige beslutade på måndagen att den nya bron öppnas i maj.",
         PRECIS_LANG_UND},
        {"", PRECIS_LANG_UND},
        {"12 34 56", PRECIS_LANG_UND},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        precis_lang_id_t got = precis_lang_detect(self, stopwords, tokenizer,
                                                  cases[i].text, strlen(cases[i].text));
        if (got != cases[i].expected) {
            failures++;
            if (verbose)
                printf("lang: got %s for \"%s\", expected %s\n", precis_lang_code(got),
                       cases[i].text, precis_lang_code(cases[i].expected));
        }
    }
    if (precis_lang_from_code("DE") != PRECIS_LANG_DE ||
        precis_lang_from_code("en-GB") != PRECIS_LANG_EN ||
        precis_lang_from_code("eng") != PRECIS_LANG_UND ||
        precis_lang_from_code("sv") != PRECIS_LANG_UND ||
        precis_lang_from_code(NULL) != 0 ||
        strcmp(precis_lang_code(PRECIS_LANG_NL), "nl") != 0) {
        failures++;
        if (verbose)
            printf("lang: code mapping wrong\n");
    }
    precis_tokenizer_destroy(&tokenizer);
    precis_stopwords_destroy(&stopwords);
    precis_lang_destroy(&self);
    return failures ? 1 : 0;
}
