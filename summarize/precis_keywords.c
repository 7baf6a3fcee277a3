/*  precis_keywords - the words an article is about (see the header). */
#include "precis_keywords.h"
#include <assert.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <utf8proc.h>

#define NO_TERM           PRECIS_NO_TERM
#define KEYWORDS_MAX      PRECIS_KEYWORDS_MAX
#define KEYWORDS_SEEN_MAX 16 /* first occurrences of a keyword looked at for its form */
typedef precis_doc_token_t token_t;
typedef precis_doc_term_t term_t;

struct _precis_keywords_t {
    uint8_t *mark; /* per term: 1 + its place among the keywords, else 0 */
    size_t mark_cap;
    /* Per term, with page furniture given: its occurrences in furniture
       sentences, and 1 + the first other sentence it is in (0: none). */
    uint32_t *in_furniture, *first_kept;
    size_t term_cap;
};

precis_keywords_t *precis_keywords_new(void)
{
    precis_keywords_t *self = calloc(1, sizeof *self);
    assert(self);
    return self;
}

void precis_keywords_destroy(precis_keywords_t **self_p)
{
    assert(self_p);
    if (!*self_p)
        return;
    free((*self_p)->mark);
    free((*self_p)->in_furniture);
    free((*self_p)->first_kept);
    free(*self_p);
    *self_p = NULL;
}

/* The keyword score of a term seen tf times, first in sentence first. */
static double keyword_score(const term_t *term, uint32_t tf, uint32_t first)
{
    return tf * (term->in_title ? 1.5 : 1.0) + 1.0 / (1.0 + first);
}

/* True when one of the n sentences is furniture. Without any, every
   term's furniture count is 0 and its first sentence out of furniture is
   its first sentence: the counts change nothing and are not made. */
static bool any_furniture(const uint8_t *furniture_kinds, size_t n)
{
    for (size_t s = 0; s < n; s++)
        if (furniture_kinds[s])
            return true;
    return false;
}

/* Counts, per term, its occurrences in furniture sentences and the first
   sentence that is not furniture (in_furniture, first_kept). */
static void count_furniture(precis_keywords_t *self, const token_t *tokens,
                            size_t title_first, size_t term_count,
                            const uint8_t *furniture_kinds)
{
    if (term_count == 0)
        return; /* no term, no token to count (and no array to clear) */
    if (term_count > self->term_cap) {
        free(self->in_furniture);
        free(self->first_kept);
        self->term_cap = term_count * 2;
        self->in_furniture = malloc(self->term_cap * sizeof *self->in_furniture);
        self->first_kept = malloc(self->term_cap * sizeof *self->first_kept);
        assert(self->in_furniture && self->first_kept);
    }
    memset(self->in_furniture, 0, term_count * sizeof *self->in_furniture);
    memset(self->first_kept, 0, term_count * sizeof *self->first_kept);
    for (size_t i = 0; i < title_first; i++) {
        uint32_t id = tokens[i].term;
        if (id == NO_TERM)
            continue;
        if (furniture_kinds[tokens[i].sentence])
            self->in_furniture[id]++;
        else if (!self->first_kept[id])
            self->first_kept[id] = tokens[i].sentence + 1;
    }
}

/* The most frequent surface form among a keyword's first occurrences
   (ties: the earliest). Each occurrence is compared with the distinct
   forms met so far, mostly one or two, not with every other occurrence. */
static const token_t *surface_form(const token_t *tokens, const char *text,
                                   const uint32_t *seen, size_t count)
{
    const token_t *forms[KEYWORDS_SEEN_MAX];
    size_t counts[KEYWORDS_SEEN_MAX], distinct = 0;
    for (size_t i = 0; i < count; i++) {
        const token_t *occurrence = &tokens[seen[i]];
        size_t f = 0;
        while (f < distinct && !(forms[f]->len == occurrence->len &&
                                 memcmp(text + forms[f]->start, text + occurrence->start,
                                        occurrence->len) == 0))
            f++;
        if (f == distinct) {
            forms[distinct] = occurrence;
            counts[distinct++] = 0;
        }
        counts[f]++;
    }
    size_t best = 0;
    for (size_t f = 1; f < distinct; f++)
        if (counts[f] > counts[best])
            best = f;
    return distinct ? forms[best] : &tokens[seen[0]];
}

/* True for a word too short to be what an article is about, in a script
   with capitals: one letter ("Â", mojibake's leftovers), or two with a
   small one, a grammar word or a unit the stop lists lack (French "à"
   was among the keywords of 89 of 100 OrangeSum articles; Dutch "te",
   "km"). Two capitals are an acronym ("UK", "EU") and stay, and so does a
   word of a script without case ("地铁"). */
static bool too_short(const char *word, size_t len)
{
    /* Three ASCII bytes are three characters: long enough, no decoding. */
    if (len >= 3 && !((word[0] | word[1] | word[2]) & 0x80))
        return false;
    size_t letters = 0;
    bool cased = false, small = false;
    for (utf8proc_ssize_t at = 0; at < (utf8proc_ssize_t)len && letters <= 2;) {
        utf8proc_int32_t codepoint;
        utf8proc_ssize_t size = utf8proc_iterate((const utf8proc_uint8_t *)word + at,
                                                 (utf8proc_ssize_t)len - at, &codepoint);
        if (size <= 0)
            return false;
        utf8proc_category_t category = utf8proc_category(codepoint);
        small |= category == UTF8PROC_CATEGORY_LL;
        cased |= category == UTF8PROC_CATEGORY_LL || category == UTF8PROC_CATEGORY_LU ||
                 category == UTF8PROC_CATEGORY_LT;
        letters++;
        at += size;
    }
    return (letters == 1 && cased) || (letters == 2 && small);
}

char **precis_keywords_run(precis_keywords_t *self, const precis_document_t *document,
                           const uint8_t *furniture_kinds, size_t *count_p)
{
    const term_t *terms = precis_document_terms(document);
    const token_t *tokens = precis_document_tokens(document);
    const char *text = precis_document_text(document);
    size_t term_count = precis_document_term_count(document);
    size_t title_first = precis_document_title_first(document);
    if (term_count > self->mark_cap) { /* kept all zero between runs */
        free(self->mark);
        self->mark_cap = term_count * 2;
        self->mark = calloc(self->mark_cap, 1);
        assert(self->mark);
    }
    *count_p = 0;
    if (furniture_kinds &&
        !any_furniture(furniture_kinds, precis_document_sentence_count(document)))
        furniture_kinds = NULL; /* the same keywords, without the counts */
    if (furniture_kinds)
        count_furniture(self, tokens, title_first, term_count, furniture_kinds);
    uint32_t top[KEYWORDS_MAX];
    double top_score[KEYWORDS_MAX];
    size_t count = 0;
    for (size_t i = 0; i < term_count; i++) {
        const term_t *term = &terms[i];
        if (term->tf == 0 || !term->has_letter)
            continue;
        uint32_t tf = term->tf, first = term->first_sentence;
        if (furniture_kinds) { /* a byline's or a credit's words are not the news */
            tf -= self->in_furniture[i];
            if (tf == 0)
                continue;
            if (self->first_kept[i])
                first = self->first_kept[i] - 1;
        }
        double score = keyword_score(term, tf, first);
        /* A full list that this score cannot enter needs no look at the
           word (too_short decodes it): most terms stop here. */
        if (count == KEYWORDS_MAX && !(top_score[KEYWORDS_MAX - 1] < score))
            continue;
        if (term->first < title_first &&
            too_short(text + tokens[term->first].start, tokens[term->first].len))
            continue;
        /* Insertion into the top list; ties keep the earlier term. */
        size_t at = count;
        while (at > 0 && top_score[at - 1] < score)
            at--;
        if (at >= KEYWORDS_MAX)
            continue;
        size_t last = count < KEYWORDS_MAX ? count : KEYWORDS_MAX - 1;
        for (size_t k = last; k > at; k--) {
            top[k] = top[k - 1];
            top_score[k] = top_score[k - 1];
        }
        top[at] = (uint32_t)i;
        top_score[at] = score;
        if (count < KEYWORDS_MAX)
            count++;
    }
    if (count == 0)
        return NULL;
    /* One pass collects the first occurrences of each keyword. */
    uint32_t seen[KEYWORDS_MAX][KEYWORDS_SEEN_MAX];
    size_t seen_count[KEYWORDS_MAX] = {0};
    for (size_t k = 0; k < count; k++)
        self->mark[top[k]] = (uint8_t)(k + 1);
    for (size_t i = 0; i < title_first; i++) {
        uint32_t id = tokens[i].term;
        if (id == NO_TERM || !self->mark[id] ||
            (furniture_kinds && furniture_kinds[tokens[i].sentence] &&
             self->first_kept[id]))
            continue; /* the form shown is the news's, unless only furniture has it */
        size_t k = self->mark[id] - 1;
        if (seen_count[k] < KEYWORDS_SEEN_MAX)
            seen[k][seen_count[k]++] = (uint32_t)i;
    }
    const token_t *forms[KEYWORDS_MAX];
    size_t bytes = 0, shown = 0;
    for (size_t k = 0; k < count; k++) {
        self->mark[top[k]] = 0;
        const token_t *form = surface_form(tokens, text, seen[k], seen_count[k]);
        /* A stem whose first form is long enough may show a short one
           ("going", then "go" said most): it is left out. */
        if (too_short(text + form->start, form->len))
            continue;
        forms[shown++] = form;
        bytes += form->len + 1;
    }
    count = shown;
    if (count == 0)
        return NULL;
    bytes += count * sizeof(char *);
    char **keywords = malloc(bytes);
    assert(keywords);
    char *strings = (char *)(keywords + count);
    for (size_t k = 0; k < count; k++) {
        keywords[k] = strings;
        memcpy(strings, text + forms[k]->start, forms[k]->len);
        strings[forms[k]->len] = '\0';
        strings += forms[k]->len + 1;
    }
    *count_p = count;
    return keywords;
}

/* --- Self test ------------------------------------------------------------ */

int precis_keywords_test(bool verbose)
{
    int failures = 0;
    const char *text = "Two keepers on Skerry repainted the lighthouse in 2024. "
                       "The lighthouse had not been painted since 1998. "
                       "Keepers said the Lighthouse work took three weeks. "
                       "Paint was shipped from the mainland.";
    precis_document_t *document = precis_document_new();
    precis_keywords_t *self = precis_keywords_new();
    char code[8];
    precis_document_build(document, "Skerry lighthouse repainted", text, strlen(text),
                          "en", 0, code, NULL);
    size_t count;
    char **keywords = precis_keywords_run(self, document, NULL, &count);
    bool number = false, stop = false;
    for (size_t i = 0; i < count; i++) {
        number |= strcmp(keywords[i], "2024") == 0 || strcmp(keywords[i], "1998") == 0;
        stop |= strcmp(keywords[i], "the") == 0 || strcmp(keywords[i], "The") == 0;
    }
    /* Most frequent first, in its most frequent form; the title's words
       count more; numbers and stop words are not keywords. */
    if (!(count > 2 && count <= PRECIS_KEYWORDS_MAX &&
          strcmp(keywords[0], "lighthouse") == 0 && strcmp(keywords[1], "keepers") == 0 &&
          !number && !stop)) {
        failures++;
        if (verbose)
            printf("keywords: %zu, first %s\n", count, count ? keywords[0] : "-");
    }
    free(keywords);
    /* A byline's words count as the article's without the furniture
       kinds, and not with them (sentence 0 marked as a byline here). */
    const char *bylined = "By Staff Reporter, Harbour Weekly. "
                          "Reporter Staff Reporter Staff wrote nothing else. "
                          "The ferry returns to the pier on Friday. "
                          "The ferry left the pier two years ago.";
    precis_document_build(document, NULL, bylined, strlen(bylined), "en", 0, code, NULL);
    size_t sentences = precis_document_sentence_count(document);
    uint8_t kinds[8] = {0};
    kinds[0] = 1;
    bool staff_plain = false, harbour_furniture = false, ferry = false;
    keywords = precis_keywords_run(self, document, NULL, &count);
    for (size_t i = 0; i < count; i++)
        staff_plain |= strcmp(keywords[i], "Staff") == 0;
    free(keywords);
    keywords = precis_keywords_run(self, document, kinds, &count);
    for (size_t i = 0; i < count; i++) {
        harbour_furniture |= strcmp(keywords[i], "Harbour") == 0;
        ferry |= strcmp(keywords[i], "ferry") == 0;
    }
    if (!(sentences == 4 && staff_plain && !harbour_furniture && ferry)) {
        failures++;
        if (verbose)
            printf("keywords: furniture words counted (%zu sentences)\n", sentences);
    }
    free(keywords);
    /* A grammar word the stop list lacks ("à") is no keyword, an acronym
       ("UE") is. */
    const char *french =
        "Le maire a parlé à Lyon. La ville à la rivière a voté à "
        "Paris pour le sommet UE. Le vote à Lyon et à Paris a compté pour "
        "le sommet UE et la ville.";
    precis_document_build(document, NULL, french, strlen(french), "fr", 0, code, NULL);
    keywords = precis_keywords_run(self, document, NULL, &count);
    bool grave = false, union_ = false;
    for (size_t i = 0; i < count; i++) {
        grave |= strcmp(keywords[i], "\xC3\xA0") == 0;
        union_ |= strcmp(keywords[i], "UE") == 0;
    }
    if (grave || !union_) {
        failures++;
        if (verbose)
            printf("keywords: \"\xC3\xA0\" a keyword (%d) or \"UE\" not (%d)\n", grave,
                   union_);
    }
    free(keywords);
    /* No text, no keywords. */
    precis_document_build(document, NULL, "", 0, "en", 0, code, NULL);
    keywords = precis_keywords_run(self, document, NULL, &count);
    if (keywords || count) {
        failures++;
        if (verbose)
            printf("keywords: some for an empty text\n");
    }
    precis_keywords_destroy(&self);
    precis_document_destroy(&document);
    return failures ? 1 : 0;
}
