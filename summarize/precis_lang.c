/*  precis_lang - the languages precis knows, and language detection.

    The table of languages is the table of embedded stop-word lists
    (precis_stopword_data.h), so a language is added in one place: its
    list file. The vote's points live in arrays sized by that table. Vote
    ties go to the language with the lower id, so the result never depends
    on anything but the text.
*/
#include "precis_lang.h"
#include "precis_lang_samples.h"
#include "precis_langid.h"
#include "precis_stemmer.h"
#include "precis_stopword_data.h"
#include "precis_stopwords.h"
#include "precis_tokenizer.h"
#include <assert.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The decisive vote (vote_decisive): bytes read, tokens needed, stop-word
   density needed in percent. Measured with bench/langid. */
#define VOTE_PREFIX  512
#define VOTE_TOKENS  40
#define VOTE_DENSITY 25

struct _precis_lang_t {
    uint32_t *points; /* per language id */
    uint32_t *hits;
    precis_lang_id_t *matched; /* scratch: the languages of one token */
    uint32_t tokens;
};

size_t precis_lang_count(void)
{
    return precis_stopword_list_count;
}

const char *precis_lang_code(precis_lang_id_t id)
{
    if (id <= 0 || (size_t)id > precis_stopword_list_count)
        return "und";
    return precis_stopword_lists[id - 1].code;
}

precis_lang_id_t precis_lang_from_code(const char *code)
{
    if (!code || strlen(code) < 2)
        return PRECIS_LANG_UND;
    if (code[2] != '\0' && code[2] != '-' && code[2] != '_')
        return PRECIS_LANG_UND;
    for (size_t i = 0; i < precis_stopword_list_count; i++) {
        const char *known = precis_stopword_lists[i].code;
        if (tolower((unsigned char)code[0]) == known[0] &&
            tolower((unsigned char)code[1]) == known[1] && known[2] == '\0')
            return (precis_lang_id_t)(i + 1);
    }
    return PRECIS_LANG_UND;
}

const char *precis_lang_stopword_list(precis_lang_id_t id, size_t *len_p)
{
    if (id <= 0 || (size_t)id > precis_stopword_list_count) {
        *len_p = 0;
        return NULL;
    }
    *len_p = precis_stopword_lists[id - 1].len;
    return precis_stopword_lists[id - 1].text;
}

precis_lang_t *precis_lang_new(void)
{
    precis_lang_t *self = calloc(1, sizeof *self);
    assert(self);
    size_t count = precis_lang_count() + 1;
    self->points = calloc(count, sizeof *self->points);
    self->hits = calloc(count, sizeof *self->hits);
    self->matched = calloc(count, sizeof *self->matched);
    assert(self->points && self->hits && self->matched);
    return self;
}

void precis_lang_destroy(precis_lang_t **self_p)
{
    assert(self_p);
    precis_lang_t *self = *self_p;
    if (self) {
        free(self->points);
        free(self->hits);
        free(self->matched);
        free(self);
        *self_p = NULL;
    }
}

/* Counts one token: the languages whose stop word it is (an elided
   article's, for "l'homme"). */
static void vote_token(precis_lang_t *self, const precis_stopwords_t *stopwords,
                       const char *word, size_t len)
{
    self->tokens++;
    size_t elided = precis_stopwords_elision(stopwords, word, len);
    if (elided)
        len = elided;
    size_t matched = precis_stopwords_languages(stopwords, word, len, self->matched);
    uint32_t points = matched == 1 ? 2 : 1; /* exclusive: 2 */
    for (size_t i = 0; i < matched; i++) {
        self->points[self->matched[i]] += points;
        self->hits[self->matched[i]]++;
    }
}

/* The language with most points and the runner-up's points. */
static precis_lang_id_t vote_leader(const precis_lang_t *self, uint32_t *second_p)
{
    precis_lang_id_t best = PRECIS_LANG_UND;
    uint32_t second = 0;
    for (size_t id = 1; id <= precis_lang_count(); id++)
        if (self->points[id] > self->points[best]) {
            second = self->points[best];
            best = (precis_lang_id_t)id;
        } else if (self->points[id] > second)
            second = self->points[id];
    *second_p = second;
    return best;
}

/* The winner of the counted tokens, or UND. */
static precis_lang_id_t vote_result(const precis_lang_t *self)
{
    uint32_t second;
    precis_lang_id_t best = vote_leader(self, &second);
    /* Evidence: at least two exclusive hits' worth of points (one for a
       very short text), and stop words make up a tenth of the tokens
       (they are a third to a half of running news text). */
    uint32_t needed = self->tokens < 8 ? 2 : 4;
    if (best == PRECIS_LANG_UND || self->points[best] < needed ||
        self->hits[best] * 10 < self->tokens)
        return PRECIS_LANG_UND;
    return best;
}

/* The vote's winner when it leaves no doubt, else UND: enough running
   text (VOTE_TOKENS), stop words of the winner as dense as in news prose
   of that language (VOTE_DENSITY percent of the tokens; a neighbour
   without a list, Ukrainian for Russian, Slovak for Czech, scores far
   less), and twice the runner-up's points (Danish against Norwegian is
   left to CLD2). */
static precis_lang_id_t vote_decisive(const precis_lang_t *self)
{
    uint32_t second;
    precis_lang_id_t best = vote_leader(self, &second);
    if (best == PRECIS_LANG_UND || self->tokens < VOTE_TOKENS ||
        self->hits[best] * 100 < VOTE_DENSITY * self->tokens ||
        self->points[best] < 2 * second)
        return PRECIS_LANG_UND;
    return best;
}

/* Counts the tokens of text[0..len); with early set, stops as soon as the
   count is decisive (checked every 8 tokens), which in most news is after
   the first VOTE_TOKENS. */
static void vote_count(precis_lang_t *self, const precis_stopwords_t *stopwords,
                       precis_tokenizer_t *tokenizer, const char *text, size_t len,
                       bool early)
{
    size_t count = precis_lang_count() + 1;
    memset(self->points, 0, count * sizeof *self->points);
    memset(self->hits, 0, count * sizeof *self->hits);
    self->tokens = 0;
    size_t pos = 0;
    precis_token_t token;
    while (precis_tokenizer_next(tokenizer, text, len, &pos, &token)) {
        vote_token(self, stopwords, token.folded, token.folded_len);
        if (early && self->tokens >= VOTE_TOKENS && self->tokens % 8 == 0 &&
            vote_decisive(self) != PRECIS_LANG_UND)
            return;
    }
}

precis_lang_id_t precis_lang_vote(precis_lang_t *self,
                                  const precis_stopwords_t *stopwords,
                                  precis_tokenizer_t *tokenizer, const char *text,
                                  size_t len)
{
    assert(self && stopwords && tokenizer);
    vote_count(self, stopwords, tokenizer, text, len, false);
    return vote_result(self);
}

/* len cut to at most bound bytes, at a space so that no word is cut. */
static size_t cut_at_space(const char *text, size_t len, size_t bound)
{
    if (len <= bound)
        return len;
    size_t cut = bound;
    while (cut > 0 && text[cut] != ' ' && text[cut] != '\n')
        cut--;
    return cut ? cut : bound;
}

precis_lang_id_t precis_lang_detect(precis_lang_t *self,
                                    const precis_stopwords_t *stopwords,
                                    precis_tokenizer_t *tokenizer, const char *text,
                                    size_t len, char *code)
{
    assert(self && stopwords && tokenizer && code);
    /* The vote first: it costs a few microseconds where CLD2 costs tens
       (bench/langid), and on running text in a language with a list it is
       as accurate when it leaves no doubt. */
    vote_count(self, stopwords, tokenizer, text, cut_at_space(text, len, VOTE_PREFIX),
               true);
    precis_lang_id_t id = vote_decisive(self);
    if (id == PRECIS_LANG_UND) {
        precis_langid_t identified;
        if (precis_langid_identify(text, len, &identified)) {
            strcpy(code, identified.code);
            return precis_lang_from_code(code);
        }
        /* CLD2 is unsure, mostly on a sentence or two: the plain vote. */
        id = vote_result(self);
    }
    strcpy(code, precis_lang_code(id));
    return id;
}

/* Each sample sentence: detected as its language; its list loaded with the
   stop word it names; its two word forms stemmed alike where Snowball has
   the language. */
static int test_samples(precis_lang_t *self, precis_stopwords_t *stopwords,
                        precis_tokenizer_t *tokenizer, bool verbose)
{
    int failures = 0;
    precis_stemmer_t *stemmer = precis_stemmer_new();
    size_t count;
    const precis_lang_sample_t *samples = precis_lang_samples(&count);
    for (size_t i = 0; i < count; i++) {
        const precis_lang_sample_t *sample = &samples[i];
        char code[8];
        precis_lang_id_t id = precis_lang_detect(self, stopwords, tokenizer, sample->text,
                                                 strlen(sample->text), code);
        bool stop =
            precis_stopwords_is(stopwords, id, sample->stop, strlen(sample->stop));
        bool stems = true;
        if (sample->stem_a && precis_stemmer_select(stemmer, sample->code))
            stems =
                precis_stemmer_term(stemmer, sample->stem_a, strlen(sample->stem_a)) ==
                precis_stemmer_term(stemmer, sample->stem_b, strlen(sample->stem_b));
        else if (sample->stem_a)
            stems = false; /* Snowball should have had it */
        if (strcmp(code, sample->code) != 0 || id == PRECIS_LANG_UND || !stop || !stems) {
            failures++;
            if (verbose)
                printf("lang: sample %s: detected %s, stop word \"%s\" %s, stems %s\n",
                       sample->code, code, sample->stop, stop ? "found" : "missing",
                       stems ? "alike" : "differ");
        }
    }
    precis_stemmer_destroy(&stemmer);
    return failures;
}

int precis_lang_test(bool verbose)
{
    precis_lang_t *self = precis_lang_new();
    precis_stopwords_t *stopwords = precis_stopwords_new();
    precis_tokenizer_t *tokenizer = precis_tokenizer_new();
    int failures = test_samples(self, stopwords, tokenizer, verbose);
    /* The vote alone, on sentences too short for CLD2 to be sure of. */
    struct {
        const char *text, *expected;
    } votes[] = {
        {"The ferry would start in May.", "en"},
        {"Sie ist nicht mit dem Zug gekommen.", "de"},
        {"Il ne l'a pas vu dans la rue.", "fr"},
        {"", "und"},
        {"12 34 56", "und"},
        {"Harbour bridge Monday", "und"},
    };
    for (size_t i = 0; i < sizeof votes / sizeof votes[0]; i++) {
        precis_lang_id_t got = precis_lang_vote(self, stopwords, tokenizer, votes[i].text,
                                                strlen(votes[i].text));
        if (strcmp(precis_lang_code(got), votes[i].expected) != 0) {
            failures++;
            if (verbose)
                printf("lang: vote %s for \"%s\", expected %s\n", precis_lang_code(got),
                       votes[i].text, votes[i].expected);
        }
    }
    /* Codes: case, region subtags, unknown languages. */
    if (precis_lang_from_code("DE") != precis_lang_from_code("de") ||
        precis_lang_from_code("de") == PRECIS_LANG_UND ||
        precis_lang_from_code("en-GB") != precis_lang_from_code("en") ||
        precis_lang_from_code("eng") != PRECIS_LANG_UND ||
        precis_lang_from_code("xx") != PRECIS_LANG_UND ||
        precis_lang_from_code(NULL) != PRECIS_LANG_UND ||
        strcmp(precis_lang_code(precis_lang_from_code("nl")), "nl") != 0 ||
        strcmp(precis_lang_code(PRECIS_LANG_UND), "und") != 0 ||
        strcmp(precis_lang_code((precis_lang_id_t)precis_lang_count() + 1), "und") != 0 ||
        precis_lang_count() < 30) {
        failures++;
        if (verbose)
            printf("lang: code mapping wrong\n");
    }
    precis_tokenizer_destroy(&tokenizer);
    precis_stopwords_destroy(&stopwords);
    precis_lang_destroy(&self);
    return failures ? 1 : 0;
}
