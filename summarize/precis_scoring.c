/*  precis_scoring - one score per sentence (see the header). */
#include "precis_scoring.h"
#include "precis_furniture.h"
#include "precis_params.h"
#include "precis_reserve.h"
#include "precis_words.h"
#include <math.h>
#include <stdio.h>
#include <string.h>

#define params precis_params

struct _precis_scoring_t {
    precis_score_t *scores;
    size_t score_cap;
};

precis_scoring_t *precis_scoring_new(void)
{
    precis_scoring_t *self = calloc(1, sizeof *self);
    assert(self);
    precis_params_tune();
    return self;
}

void precis_scoring_destroy(precis_scoring_t **self_p)
{
    assert(self_p);
    if (!*self_p)
        return;
    free((*self_p)->scores);
    free(*self_p);
    *self_p = NULL;
}

/* The form factors of a sentence text[0..len) of words words (1: none);
   the penalty is their product, taken in this order. */
static void form_factors(const char *text, size_t len, uint32_t words,
                         precis_score_t *score)
{
    score->short_words = score->long_words = 1.0;
    if (words < params.short_words)
        score->short_words = 0.3 + 0.1 * words;
    else if (words > params.long_words)
        score->long_words = params.long_words / words;
    /* A caption or heading does not end like a sentence. */
    char last = len ? text[len - 1] : '.';
    bool closed = last == '.' || last == '!' || last == '?' || last == '"' ||
                  last == '\'' || last == ')' || (last & 0x80);
    score->unclosed = closed ? 1.0 : params.unclosed;
    score->question =
        last == '?' || (len > 1 && text[len - 2] == '?') ? params.question : 1.0;
    /* Quoted speech: opens with a straight or curly quote. */
    score->quote =
        len > 3 && (text[0] == '"' || text[0] == '\'' ||
                    (memcmp(text, "\xe2\x80", 2) == 0 &&
                     ((unsigned char)text[2] >= 0x98 && (unsigned char)text[2] <= 0x9f)))
            ? params.quote
            : 1.0;
}

/* The closing mark of the double quotation mark opening text[0..len), and
   the opening mark's length in *open_p; NULL when text opens with none.
   Straight, curly (English) and low-9 (German) quotes, and guillemets
   (French). Single quotes are left out: their closing mark is also the
   apostrophe ("it's"), so where a quotation ends cannot be told. */
static const char *closing_mark(const char *text, size_t len, size_t *open_p)
{
    static const struct {
        const char *open, *close;
    } marks[] = {{"\"", "\""},
                 {"\xe2\x80\x9c", "\xe2\x80\x9d"}, /* U+201C U+201D */
                 {"\xe2\x80\x9e", "\xe2\x80\x9c"}, /* U+201E U+201C */
                 {"\xc2\xab", "\xc2\xbb"}};        /* U+00AB U+00BB */
    for (size_t m = 0; m < sizeof marks / sizeof marks[0]; m++) {
        size_t open = strlen(marks[m].open);
        if (len > open && memcmp(text, marks[m].open, open) == 0) {
            *open_p = open;
            return marks[m].close;
        }
    }
    return NULL;
}

/* True when text[0..len) is one quotation from end to end: it opens with a
   double quotation mark whose closing mark is the last thing before the
   final stop, if any ("\"We will rebuild.\"", "\"We will rebuild\"."). A
   quotation followed by who said it ("\"We will rebuild,\" the mayor
   said.") or quoted words inside a sentence are not. */
static bool whole_quotation(const char *text, size_t len)
{
    unsigned char lead = len ? (unsigned char)text[0] : 0;
    if (lead != '"' && lead != 0xe2 && lead != 0xc2) /* most sentences: no mark */
        return false;
    size_t open;
    const char *close = closing_mark(text, len, &open);
    if (!close)
        return false;
    size_t close_len = strlen(close), end = len;
    while (end > open && (text[end - 1] == '.' || text[end - 1] == '!' ||
                          text[end - 1] == '?' || text[end - 1] == ' '))
        end--;
    if (end >= open + 3 && memcmp(text + end - 3, "\xe2\x80\xa6", 3) == 0) /* ... */
        end -= 3;
    if (end < open + close_len || memcmp(text + end - close_len, close, close_len) != 0)
        return false;
    /* The first closing mark is the last one. */
    const char *at = text + open, *last = text + end - close_len;
    while ((at = memchr(at, close[0], (size_t)(last - at))) != NULL) {
        if (memcmp(at, close, close_len) == 0)
            return false;
        at++;
    }
    return true;
}

/* The penalty: furniture, else the form factors multiplied in order. */
static double penalty_of(const precis_score_t *score)
{
    if (score->furniture != 1.0)
        return score->furniture;
    return 1.0 * score->short_words * score->long_words * score->unclosed *
           score->question * score->quote * score->quotation * score->teaser;
}

/* True when the lede, sentence lede (the first real one), is a teaser:
   less central than teaser_centrality of the most central sentence and
   than the next real sentence (where the story would start), long enough
   to be a sentence of its own, and naming few people or places
   (capitalised words; never in a script without case). A news lede says
   who did what; a feature's hook ("With summer around the corner, icy
   treats are back on the menu.") shares few words with the story and
   names no one. */
static bool teaser_lede(const precis_document_t *document, const uint8_t *furniture,
                        const double *rank, double best_rank, size_t lede)
{
    const precis_doc_sentence_t *sentences = precis_document_sentences(document);
    size_t n = precis_document_sentence_count(document);
    if (best_rank <= 0 || (double)n < params.teaser_sentences ||
        rank[lede] >= params.teaser_centrality * best_rank ||
        sentences[lede].words < params.teaser_words)
        return false;
    size_t next = lede + 1;
    while (next < n && (furniture[next] != PRECIS_FURNITURE_NONE ||
                        sentences[next].words < params.short_words))
        next++;
    if (next == n || rank[next] < rank[lede])
        return false;
    int names = precis_words_names(precis_document_text(document) + sentences[lede].start,
                                   sentences[lede].len);
    return names >= 0 && names <= params.teaser_names;
}

/* Frequency (SumBasic-like): mean tf of a sentence's distinct terms. */
static double mean_frequency(const precis_doc_sentence_t *sentence,
                             const precis_doc_entry_t *entries,
                             const precis_doc_term_t *terms)
{
    const precis_doc_entry_t *own = entries + sentence->entry_first;
    double sum = 0;
    for (size_t e = 0; e < sentence->entry_count; e++)
        sum += terms[own[e].term].tf;
    return sentence->entry_count ? sum / sentence->entry_count : 0;
}

/* The sentence's share of the title's IDF mass (title_mass > 0). */
static double title_share(const precis_doc_sentence_t *sentence,
                          const precis_doc_entry_t *entries,
                          const precis_doc_term_t *terms, double title_mass)
{
    const precis_doc_entry_t *own = entries + sentence->entry_first;
    double title = 0;
    for (size_t e = 0; e < sentence->entry_count; e++)
        if (terms[own[e].term].in_title)
            title += terms[own[e].term].idf;
    return title / title_mass;
}

const precis_score_t *precis_scoring_run(precis_scoring_t *self,
                                         const precis_document_t *document,
                                         const double *rank, const uint8_t *furniture,
                                         double wanted, bool share_of_article, bool count)
{
    const precis_weights_t weights =
        share_of_article
            ? params.share_weights
            : (precis_weights_t){params.weight_rank,  params.weight_position,
                                 params.weight_first, params.weight_frequency,
                                 params.weight_title, params.weight_length};
    size_t n = precis_document_sentence_count(document);
    const precis_doc_sentence_t *sentences = precis_document_sentences(document);
    const precis_doc_entry_t *entries = precis_document_entries(document);
    const precis_doc_term_t *terms = precis_document_terms(document);
    size_t term_count = precis_document_term_count(document);
    const char *text = precis_document_text(document);
    PRECIS_RESERVE(self->scores, self->score_cap, n);
    precis_score_t *scores = self->scores;

    double best_rank = 0;
    for (size_t i = 0; i < n; i++)
        if (rank[i] > best_rank)
            best_rank = rank[i];
    /* The frequency is kept in score->frequency until it is weighed. */
    double best_frequency = 0;
    for (size_t i = 0; i < n; i++) {
        scores[i].frequency = mean_frequency(&sentences[i], entries, terms);
        if (scores[i].frequency > best_frequency)
            best_frequency = scores[i].frequency;
    }
    bool first_seen = false;
    double share = wanted / n;
    double weight_position =
        weights.position * (share > params.share ? params.share / share : 1.0);
    /* Fewer sentences, fewer votes: centrality counts for less. */
    double weight_rank =
        weights.rank * (n < params.rank_sentences ? n / params.rank_sentences : 1.0);
    double title_mass = 0;
    for (size_t i = 0; i < term_count; i++)
        if (terms[i].in_title)
            title_mass += terms[i].idf;
    for (size_t i = 0; i < n; i++) {
        const precis_doc_sentence_t *sentence = &sentences[i];
        precis_score_t *score = &scores[i];
        double title =
            title_mass > 0 ? title_share(sentence, entries, terms, title_mass) : 0;
        double centrality = best_rank > 0 ? rank[i] / best_rank : 0;
        double frequency = best_frequency > 0 ? score->frequency / best_frequency : 0;
        double first = 0;
        if (!first_seen && furniture[i] == PRECIS_FURNITURE_NONE &&
            sentence->words >= params.short_words) {
            first = 1;
            first_seen = true;
        }
        double position = 1.0 / (1.0 + i / params.position_decay);
        double length = (sentence->words < params.length_words ? sentence->words
                                                               : params.length_words) /
                        params.length_words;
        score->centrality = weight_rank * centrality;
        score->position = weight_position * position;
        score->first = weights.first * first;
        score->frequency = weights.frequency * frequency;
        score->title = weights.title * title;
        score->length = weights.length * length;
        score->furniture = furniture[i] ? PRECIS_FURNITURE_FACTOR : 1.0;
        form_factors(text + sentence->start, sentence->len, sentence->words, score);
        score->quotation = count && whole_quotation(text + sentence->start, sentence->len)
                               ? params.quotation
                               : 1.0;
        score->teaser =
            count && first && teaser_lede(document, furniture, rank, best_rank, i)
                ? params.teaser
                : 1.0;
        score->penalty = penalty_of(score);
        score->score = (score->centrality + score->position + score->first +
                        score->frequency + score->title + score->length) *
                       score->penalty;
    }
    return scores;
}

/* --- Self test ------------------------------------------------------------ */

static int test_failures;

#define CHECK(condition, ...)                                                            \
    do {                                                                                 \
        if (!(condition)) {                                                              \
            test_failures++;                                                             \
            if (verbose)                                                                 \
                printf("scoring: " __VA_ARGS__), printf("\n");                           \
        }                                                                                \
    } while (0)

/* A feature's hook opening the article is a teaser in a count, when it is
   not central; a central lede, or one that names enough, is not. */
static void test_teaser(precis_scoring_t *self, precis_document_t *document, bool verbose)
{
    const char *story =
        "The Skerry Ice Company opened a factory on the island on Monday.\n"
        "The Skerry Ice Company said the factory makes ice cream for shops.\n"
        "Workers packed the first ice cream at the factory on Monday.\n"
        "The factory will sell ice cream to shops across the island.\n"
        "The company said the factory employs forty people.\n"
        "Shops on the island will sell the ice cream from June.\n"
        "The island council welcomed the factory and its jobs.\n";
    char text[1024];
    snprintf(text, sizeof text,
             "With summer around the corner, icy treats are back on the menu again.\n%s",
             story);
    char code[8];
    precis_document_build(document, "", text, strlen(text), "en", 0, code, NULL);
    size_t n = precis_document_sentence_count(document);
    CHECK(n == 8, "teaser: %zu sentences", n);
    if (n != 8)
        return;
    uint8_t furniture[8] = {0};
    double rank[8] = {0.05, 0.3, 0.3, 0.2, 0.2, 0.2, 0.2, 0.2};
    const precis_score_t *scores =
        precis_scoring_run(self, document, rank, furniture, 3, false, true);
    CHECK(scores[0].teaser == precis_params.teaser && scores[0].penalty < 1,
          "teaser lede not marked");
    CHECK(scores[1].teaser == 1.0, "the sentence after a teaser marked");
    scores = precis_scoring_run(self, document, rank, furniture, 3, false, false);
    CHECK(scores[0].teaser == 1.0, "teaser marked in a summary not asked as a count");
    rank[0] = 0.3 * precis_params.teaser_centrality - 0.001; /* just below the cut */
    scores = precis_scoring_run(self, document, rank, furniture, 3, false, true);
    CHECK(scores[0].teaser != 1.0, "teaser just under the centrality cut not marked");
    rank[0] = 0.3 * precis_params.teaser_centrality + 0.01;
    scores = precis_scoring_run(self, document, rank, furniture, 3, false, true);
    CHECK(scores[0].teaser == 1.0, "a lede as central as the cut marked a teaser");
    rank[0] = 0.05;
    rank[1] = 0.04; /* the story does not start at the next sentence either */
    scores = precis_scoring_run(self, document, rank, furniture, 3, false, true);
    CHECK(scores[0].teaser == 1.0, "a lede more central than the next marked a teaser");
    rank[1] = 0.3;
    snprintf(
        text, sizeof text,
        "Mayor Anna Berg of Skerry said the island would welcome summer visitors.\n%s",
        story);
    precis_document_build(document, "", text, strlen(text), "en", 0, code, NULL);
    scores = precis_scoring_run(self, document, rank, furniture, 3, false, true);
    CHECK(precis_document_sentence_count(document) == 8 && scores[0].teaser == 1.0,
          "a lede naming three people or places marked a teaser");
    /* The hook and three sentences of story: too short an article to tell
       a hook by centrality (teaser_sentences), no teaser. */
    const char *shorter =
        "With summer around the corner, icy treats are back on the menu again.\n"
        "The Skerry Ice Company opened a factory on the island on Monday.\n"
        "The Skerry Ice Company said the factory makes ice cream for shops.\n"
        "Workers packed the first ice cream at the factory on Monday.\n";
    precis_document_build(document, "", shorter, strlen(shorter), "en", 0, code, NULL);
    scores = precis_scoring_run(self, document, rank, furniture, 3, false, true);
    CHECK(precis_document_sentence_count(document) == 4 && scores[0].teaser == 1.0,
          "a teaser marked in an article of 4 sentences");
}

/* A sentence that is one quotation from end to end is marked in a count,
   in any of the double quotation marks; a quotation with who said it,
   quoted words inside a sentence, or one that does not close, are not. */
static void test_quotation(precis_scoring_t *self, precis_document_t *document,
                           bool verbose)
{
    static const struct {
        const char *text;
        bool whole;
    } cases[] = {
        {"\"We have waited nine hours in the cold for a train.\"", true},
        {"\"We have waited nine hours in the cold for a train\".", true},
        {"\xe2\x80\x9cWe have waited nine hours in the cold.\xe2\x80\x9d", true},
        {"\xc2\xab Nous attendons depuis neuf heures dans le froid \xc2\xbb.", true},
        {"\xe2\x80\x9eWir warten seit neun Stunden in der K\xc3\xa4lte.\xe2\x80\x9c",
         true},
        {"\"We have waited nine hours,\" a passenger said on Tuesday.", false},
        {"\"Nine hours\" is how long the passengers waited for \"a train\".", false},
        {"Passengers said they had waited \"nine hours in the cold\".", false},
        {"\"We have waited nine hours in the cold for a train.", false},
        {"'We have waited nine hours in the cold for a train.'", false},
    };
    uint8_t furniture[2] = {0};
    double rank[2] = {0.5, 0.5};
    char code[8];
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char text[256];
        snprintf(text, sizeof text, "%s\nThe railway company apologised to them.\n",
                 cases[k].text);
        precis_document_build(document, "", text, strlen(text), NULL, 0, code, NULL);
        if (precis_document_sentence_count(document) != 2) {
            CHECK(false, "quotation %zu: %zu sentences", k,
                  precis_document_sentence_count(document));
            continue;
        }
        const precis_score_t *scores =
            precis_scoring_run(self, document, rank, furniture, 1, false, true);
        double expected = cases[k].whole ? precis_params.quotation : 1.0;
        CHECK(scores[0].quotation == expected && scores[1].quotation == 1.0,
              "quotation of \"%s\": %g, expected %g", cases[k].text, scores[0].quotation,
              expected);
        CHECK(!cases[k].whole || scores[0].penalty < 1, "quotation %zu not penalized", k);
        scores = precis_scoring_run(self, document, rank, furniture, 1, true, false);
        CHECK(scores[0].quotation == 1.0,
              "quotation %zu marked in a share of the article", k);
    }
}

int precis_scoring_test(bool verbose)
{
    test_failures = 0;
    const char *text = "Home | News | Harbour | Ferries | Weather\n"
                       "The harbour pier reopened on Monday after storm repairs.\n"
                       "Why did the repairs take so long?\n"
                       "\"We are glad to have it back,\" a fisherman said.\n"
                       "Too short.\n"
                       "Engineers rebuilt the pier.\n";
    precis_document_t *document = precis_document_new();
    precis_scoring_t *self = precis_scoring_new();
    char code[8];
    precis_document_build(document, "Harbour pier reopens", text, strlen(text), "en", 0,
                          code, NULL);
    size_t n = precis_document_sentence_count(document);
    double rank[6] = {0.1, 0.3, 0.1, 0.2, 0.1, 0.2};
    uint8_t furniture[6] = {PRECIS_FURNITURE_FIELDS};
    CHECK(n == 6, "%zu sentences", n);
    if (n != 6)
        goto done;
    const precis_score_t *scores =
        precis_scoring_run(self, document, rank, furniture, 2, false, true);
    /* The parts add up, times the penalty, to the score. */
    for (size_t i = 0; i < n; i++) {
        const precis_score_t *s = &scores[i];
        double sum =
            s->centrality + s->position + s->first + s->frequency + s->title + s->length;
        CHECK(fabs(sum * s->penalty - s->score) < 1e-12,
              "sentence %zu: parts do not add up", i);
    }
    /* A furniture line of enough words is not the "first" sentence either:
       the bonus goes to the lede under it. */
    CHECK(scores[0].penalty == PRECIS_FURNITURE_FACTOR && scores[0].first == 0,
          "furniture line not penalized, or first");
    /* Six sentences: the centrality weight is 6 / rank_sentences of its
       whole (the most central sentence's part). */
    double short_article =
        n < precis_params.rank_sentences ? (double)n / precis_params.rank_sentences : 1.0;
    CHECK(short_article < 1 && fabs(scores[1].centrality -
                                    precis_params.weight_rank * short_article) < 1e-12,
          "centrality weight %g, expected %g", scores[1].centrality,
          precis_params.weight_rank * short_article);
    CHECK(scores[1].first > 0 && scores[1].centrality > scores[0].centrality &&
              scores[1].title > 0,
          "lead: not first, not most central, or no title overlap");
    CHECK(scores[0].position > scores[1].position, "position prior does not fall");
    CHECK(scores[2].question == precis_params.question, "question not marked");
    CHECK(scores[3].quote == precis_params.quote, "quote not marked");
    CHECK(scores[4].short_words < 1 && scores[4].penalty < 1, "short sentence not "
                                                              "penalized");
    CHECK(scores[1].penalty == 1.0 && scores[1].teaser == 1.0,
          "plain sentence penalized");
    /* A summary asked as a share of the article takes the learned weights:
       the most central sentence's part is their rank weight. */
    scores = precis_scoring_run(self, document, rank, furniture, 2, true, false);
    CHECK(fabs(scores[1].centrality - precis_params.share_weights.rank * short_article) <
                  1e-12 &&
              scores[1].frequency <= precis_params.share_weights.frequency &&
              scores[1].length <= precis_params.share_weights.length,
          "share of the article: the share weights not taken");
    test_teaser(self, document, verbose);
    test_quotation(self, document, verbose);
done:
    precis_scoring_destroy(&self);
    precis_document_destroy(&document);
    return test_failures ? 1 : 0;
}
