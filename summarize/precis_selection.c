/*  precis_selection - which sentences make the summary (see the header). */
#include "precis_selection.h"
#include "precis_params.h"
#include "precis_reserve.h"
#include <math.h>
#include <stdio.h>
#include <string.h>

#define params precis_params
typedef precis_doc_sentence_t sentence_t;
typedef precis_doc_entry_t entry_t;

/* A word pair said by a chosen sentence (pair_table). */
typedef struct {
    uint64_t key;      /* first word << 32 | second word */
    uint32_t sentence; /* the chosen sentence that said it first */
    uint32_t run;      /* in use when equal to pair_run */
} pair_slot_t;

struct _precis_selection_t {
    /* The run's inputs. */
    const char *text;
    const sentence_t *sentences;
    const entry_t *entries;
    const precis_score_t *scores;
    size_t sentence_count;
    double duplicate; /* the run's threshold of a repeat */
    double pairs;     /* ... and of a repeat by word pairs; 0: none */
    const precis_doc_token_t *tokens;
    precis_choice_t *choices;
    size_t choice_cap;
    uint32_t *order; /* sentences by score; second half: sort scratch */
    size_t order_cap;
    double *dense; /* per term scratch, kept all zero between uses */
    size_t dense_cap;
    pair_slot_t *pair_table; /* the word pairs of the chosen sentences: open
                                addressing, a power of two, at most half full */
    size_t pair_cap, pair_mask;
    uint32_t pair_run;     /* numbers the runs, so that the table is not cleared */
    uint32_t *pair_counts; /* per sentence scratch, all zero between uses */
    size_t pair_counts_cap;
};

precis_selection_t *precis_selection_new(void)
{
    precis_selection_t *self = calloc(1, sizeof *self);
    assert(self);
    precis_params_tune();
    return self;
}

void precis_selection_destroy(precis_selection_t **self_p)
{
    assert(self_p);
    precis_selection_t *self = *self_p;
    if (!self)
        return;
    free(self->choices);
    free(self->order);
    free(self->dense);
    free(self->pair_table);
    free(self->pair_counts);
    free(self);
    *self_p = NULL;
}

/* Adds (add) or removes a sentence vector in self->dense. */
static void scatter(precis_selection_t *self, const sentence_t *sentence, bool add)
{
    const entry_t *entries = self->entries + sentence->entry_first;
    for (size_t e = 0; e < sentence->entry_count; e++)
        self->dense[entries[e].term] = add ? entries[e].weight : 0.0;
}

/* Dot product of a sentence vector with self->dense. */
static double dot_dense(precis_selection_t *self, const sentence_t *sentence)
{
    const entry_t *entries = self->entries + sentence->entry_first;
    double sum = 0;
    for (size_t e = 0; e < sentence->entry_count; e++)
        sum += entries[e].weight * self->dense[entries[e].term];
    return sum;
}

/* True when sentence i goes before j: higher score, then lower index. */
static bool before(const precis_score_t *scores, uint32_t i, uint32_t j)
{
    if (scores[i].score != scores[j].score)
        return scores[i].score > scores[j].score;
    return i < j;
}

/* Sorts self->order[0..n) by score (stable merge sort through scratch,
   no global state, so that summarizers may run in several threads). */
static void sort_by_score(precis_selection_t *self, size_t n)
{
    uint32_t *from = self->order, *to = self->order + n;
    for (size_t width = 1; width < n; width *= 2) {
        for (size_t low = 0; low < n; low += 2 * width) {
            size_t middle = low + width < n ? low + width : n;
            size_t high = low + 2 * width < n ? low + 2 * width : n;
            size_t a = low, b = middle, out = low;
            while (a < middle && b < high)
                to[out++] =
                    before(self->scores, from[b], from[a]) ? from[b++] : from[a++];
            while (a < middle)
                to[out++] = from[a++];
            while (b < high)
                to[out++] = from[b++];
        }
        uint32_t *swap = from;
        from = to;
        to = swap;
    }
    if (from != self->order)
        memcpy(self->order, from, n * sizeof *self->order);
}

/* True when sentences a and b have the same text. */
static bool same_text(precis_selection_t *self, const sentence_t *a, const sentence_t *b)
{
    return a->len == b->len &&
           memcmp(self->text + a->start, self->text + b->start, a->len) == 0;
}

/* The slot of a word pair in the pair table: where it is, or the empty
   slot where it would go. */
static pair_slot_t *pair_slot(precis_selection_t *self, uint64_t key)
{
    /* Fibonacci hashing: word numbers are small and dense. */
    size_t h = (size_t)((key * 0x9E3779B97F4A7C15ull) >> 32) & self->pair_mask;
    while (self->pair_table[h].run == self->pair_run && self->pair_table[h].key != key)
        h = (h + 1) & self->pair_mask;
    return &self->pair_table[h];
}

/* The tokens of sentence s that a summary shows: those within its cut.
   A sentence without tokens (punctuation alone) shows none: the token
   array may then be NULL, and no pointer is formed from it. */
static size_t shown_tokens(precis_selection_t *self, size_t s)
{
    const sentence_t *sentence = &self->sentences[s];
    if (sentence->token_count == 0 || !self->tokens)
        return 0;
    if (self->choices[s].cut_len >= sentence->len) /* the whole sentence */
        return sentence->token_count;
    const precis_doc_token_t *tokens = self->tokens + sentence->token_first;
    uint32_t end = sentence->start + self->choices[s].cut_len;
    size_t count = 0;
    while (count < sentence->token_count &&
           tokens[count].start + tokens[count].len <= end)
        count++;
    return count;
}

/* Adds the word pairs of chosen sentence s to the pair table. */
static void add_pairs(precis_selection_t *self, size_t s)
{
    size_t count = shown_tokens(self, s);
    if (count < 2)
        return; /* no pair (and perhaps no token array) */
    const precis_doc_token_t *tokens = self->tokens + self->sentences[s].token_first;
    for (size_t t = 1; t < count; t++) {
        uint64_t key = (uint64_t)tokens[t - 1].word << 32 | tokens[t].word;
        pair_slot_t *slot = pair_slot(self, key);
        if (slot->run != self->pair_run)
            *slot = (pair_slot_t){key, (uint32_t)s, self->pair_run};
    }
}

/* True when most of sentence s's word pairs are said already: over
   self->pairs of them in the pair table. Stores the share in its choice
   and the chosen sentence that said most of them in redundant_with. */
static bool repeats_pairs(precis_selection_t *self, size_t s)
{
    size_t count = shown_tokens(self, s), said = 0;
    if (count < 2) {
        self->choices[s].pairs = 0;
        return false; /* no pair (and perhaps no token array) */
    }
    const precis_doc_token_t *tokens = self->tokens + self->sentences[s].token_first;
    uint32_t most = UINT32_MAX;
    for (size_t t = 1; t < count; t++) {
        uint64_t key = (uint64_t)tokens[t - 1].word << 32 | tokens[t].word;
        const pair_slot_t *slot = pair_slot(self, key);
        if (slot->run != self->pair_run)
            continue;
        said++;
        uint32_t *counts = self->pair_counts;
        if (++counts[slot->sentence] > (most == UINT32_MAX ? 0 : counts[most]))
            most = slot->sentence;
    }
    for (size_t t = 1; t < count; t++) { /* the counts back to zero */
        uint64_t key = (uint64_t)tokens[t - 1].word << 32 | tokens[t].word;
        const pair_slot_t *slot = pair_slot(self, key);
        if (slot->run == self->pair_run)
            self->pair_counts[slot->sentence] = 0;
    }
    precis_choice_t *choice = &self->choices[s];
    choice->pairs = count > 1 ? (double)said / (double)(count - 1) : 0;
    if (!(choice->pairs > self->pairs))
        return false;
    choice->status = PRECIS_CHOICE_REDUNDANT;
    choice->pair_repeat = true;
    choice->redundant_with = most;
    return true;
}

/* Marks sentence s selected and updates every sentence's redundancy. */
static void select_sentence(precis_selection_t *self, size_t s)
{
    const sentence_t *chosen = &self->sentences[s];
    self->choices[s].status = PRECIS_CHOICE_SELECTED;
    scatter(self, chosen, true);
    for (size_t i = 0; i < self->sentence_count; i++) {
        const sentence_t *other = &self->sentences[i];
        double sim = same_text(self, chosen, other) ? 1.0 : dot_dense(self, other);
        if (sim > self->choices[i].redundancy) {
            self->choices[i].redundancy = sim;
            self->choices[i].redundant_with = (uint32_t)s;
        }
    }
    scatter(self, chosen, false);
    if (self->pairs > 0)
        add_pairs(self, s);
}

/* Empties the pair table, sized for every word pair of the document: a
   new run number, so that no slot need be cleared but when the table
   grows or the numbers wrap. */
static void start_pairs(precis_selection_t *self)
{
    size_t n = self->sentence_count;
    size_t tokens =
        n ? self->sentences[n - 1].token_first + self->sentences[n - 1].token_count : 0;
    size_t cap = 64;
    while (cap < 2 * tokens)
        cap *= 2;
    self->pair_run++;
    if (cap > self->pair_cap || self->pair_run == 0) {
        if (cap > self->pair_cap) {
            free(self->pair_table);
            self->pair_table = malloc(cap * sizeof *self->pair_table);
            assert(self->pair_table);
            self->pair_cap = cap;
        }
        memset(self->pair_table, 0, self->pair_cap * sizeof *self->pair_table);
        self->pair_run = 1;
    }
    self->pair_mask = cap - 1;
    if (n > self->pair_counts_cap) {
        free(self->pair_counts);
        self->pair_counts = calloc(n, sizeof *self->pair_counts);
        assert(self->pair_counts);
        self->pair_counts_cap = n;
    }
}

/* Readies the scratch and the choices for a document's sentences. */
static void start(precis_selection_t *self, const precis_document_t *document,
                  const precis_score_t *scores, double duplicate, double pairs)
{
    size_t n = precis_document_sentence_count(document);
    size_t terms = precis_document_term_count(document);
    self->text = precis_document_text(document);
    self->sentences = precis_document_sentences(document);
    self->entries = precis_document_entries(document);
    self->scores = scores;
    self->sentence_count = n;
    self->duplicate = duplicate;
    self->pairs = pairs;
    self->tokens = precis_document_tokens(document);
    if (pairs > 0)
        start_pairs(self);
    PRECIS_RESERVE(self->choices, self->choice_cap, n);
    PRECIS_RESERVE(self->order, self->order_cap, 2 * n);
    if (terms > self->dense_cap) {
        free(self->dense);
        self->dense_cap = terms * 2;
        self->dense = calloc(self->dense_cap, sizeof *self->dense);
        assert(self->dense);
    }
    for (size_t i = 0; i < n; i++) {
        /* "Below others" until chosen or found wanting. */
        self->choices[i] = (precis_choice_t){
            PRECIS_CHOICE_BELOW_OTHERS,   UINT32_MAX, 0, self->sentences[i].cut_len,
            self->sentences[i].cut_words, false,      0, false};
        self->order[i] = (uint32_t)i;
    }
    sort_by_score(self, n);
}

/* The reasons of the sentences left out, once the selection is done. */
static void explain_rest(precis_selection_t *self, size_t selected, size_t left)
{
    for (size_t i = 0; i < self->sentence_count; i++) {
        precis_choice_t *choice = &self->choices[i];
        if (choice->status == PRECIS_CHOICE_SELECTED ||
            choice->status == PRECIS_CHOICE_PASSED_OVER || choice->pair_repeat)
            continue;
        if (selected > 0 && choice->redundancy > self->duplicate)
            choice->status = PRECIS_CHOICE_REDUNDANT;
        else if (choice->cut_words > left)
            choice->status = PRECIS_CHOICE_OVER_BUDGET;
    }
}

/* Takes the first lead real sentences (not furniture, not short, not a
   teaser lede, not a repeat of one taken) in document order; returns how
   many it took and adds their words to *used. */
static size_t take_lead(precis_selection_t *self, size_t lead, size_t budget,
                        size_t *used)
{
    size_t taken = 0;
    for (size_t i = 0; i < self->sentence_count && taken < lead; i++) {
        const precis_score_t *score = &self->scores[i];
        precis_choice_t *choice = &self->choices[i];
        if (score->furniture != 1.0 || score->short_words != 1.0 ||
            score->teaser != 1.0) {
            /* Said in explain: "below others" would be wrong for a teaser
               lede, which may score highest of all. */
            choice->status = PRECIS_CHOICE_PASSED_OVER;
            continue;
        }
        if ((taken > 0 && choice->redundancy > self->duplicate) ||
            choice->cut_words > budget - *used ||
            (taken > 0 && self->pairs > 0 && repeats_pairs(self, i)))
            continue;
        select_sentence(self, i);
        choice->by_lead = true;
        *used += choice->cut_words;
        taken++;
    }
    return taken;
}

const precis_choice_t *precis_selection_run(precis_selection_t *self,
                                            const precis_document_t *document,
                                            const precis_score_t *scores, size_t wanted,
                                            size_t lead, size_t budget, double duplicate,
                                            double pairs, size_t *selected_p)
{
    start(self, document, scores, duplicate, pairs);
    size_t n = self->sentence_count;
    bool by_words = budget != SIZE_MAX;
    size_t used = 0;
    size_t selected = take_lead(self, lead < wanted ? lead : wanted, budget, &used);
    while (selected < wanted) {
        size_t best = SIZE_MAX;
        double best_value = -INFINITY;
        for (size_t k = 0; k < n; k++) {
            size_t i = self->order[k];
            const precis_choice_t *choice = &self->choices[i];
            if (choice->status == PRECIS_CHOICE_SELECTED || choice->pair_repeat ||
                choice->cut_words > budget - used)
                continue;
            if (selected > 0 && choice->redundancy > duplicate)
                continue;
            double value = scores[i].score - params.redundancy * choice->redundancy;
            if (value > best_value) { /* strict: earlier in order wins ties */
                best_value = value;
                best = i;
            }
        }
        if (best == SIZE_MAX)
            break;
        if (selected > 0 && self->pairs > 0 && repeats_pairs(self, best))
            continue; /* marked: the next turn passes over it */
        select_sentence(self, best);
        used += self->choices[best].cut_words;
        selected++;
    }
    if (selected == 0 && n > 0) {
        /* Nothing fits the word budget: the best sentence, cut to fit. */
        precis_choice_t *best = &self->choices[self->order[0]];
        if (by_words) /* (with a count of sentences, one always fits) */
            best->cut_len = precis_document_cut(document, self->order[0], best->cut_len,
                                                (uint32_t)budget, &best->cut_words);
        select_sentence(self, self->order[0]);
        used = best->cut_words;
        selected = 1;
    }
    explain_rest(self, selected, budget - used);
    *selected_p = selected;
    return self->choices;
}

const char *precis_selection_status_name(uint8_t status)
{
    static const char *const names[] = {"selected", "redundant", "over budget",
                                        "below others", "passed over"};
    return status < sizeof names / sizeof names[0] ? names[status] : "below others";
}

/* --- Self test ------------------------------------------------------------ */

static int test_failures;

#define CHECK(condition, ...)                                                            \
    do {                                                                                 \
        if (!(condition)) {                                                              \
            test_failures++;                                                             \
            if (verbose)                                                                 \
                printf("selection: " __VA_ARGS__), printf("\n");                         \
        }                                                                                \
    } while (0)

/* Scores made up for the test: sentence i scores score[i]. */
static void fake_scores(precis_score_t *scores, const double *score, size_t n)
{
    memset(scores, 0, n * sizeof *scores);
    for (size_t i = 0; i < n; i++) {
        scores[i].score = score[i];
        scores[i].teaser = 1.0;
    }
}

/* Builds text, 4 sentences, into document with scores 4, 3, 2, 1 and no
   penalty; false (a failure counted) when it does not split in 4. */
static bool four_sentences(precis_document_t *document, const char *text,
                           precis_score_t scores[4], const char *what, bool verbose)
{
    char code[8];
    precis_document_build(document, NULL, text, strlen(text), "en", 0, code, NULL);
    size_t n = precis_document_sentence_count(document);
    CHECK(n == 4, "%s: %zu sentences, not 4", what, n);
    if (n != 4)
        return false;
    fake_scores(scores, (double[]){4, 3, 2, 1}, 4);
    for (size_t i = 0; i < 4; i++)
        scores[i].furniture = scores[i].short_words = 1.0;
    return true;
}

/* A sentence that says the lede again in other words (a caption under the
   photo, say) is a repeat in a summary asked as a count (threshold
   `repeat`), whether the lead rule or the scores choose, but not under
   `duplicate`, which a share of the article keeps. */
static void test_repeat(precis_selection_t *self, precis_document_t *document,
                        bool verbose)
{
    const char *text =
        "The city council approved a new budget for the public library on Tuesday.\n"
        "Library budget approved: the council voted on Tuesday for the new budget.\n"
        "Parents had asked for longer opening hours during the school holidays.\n"
        "The mayor said the vote showed how much the town values its readers.\n";
    double repeat = precis_params.repeat, duplicate = precis_params.duplicate;
    size_t selected;
    precis_score_t scores[4];
    if (!four_sentences(document, text, scores, "repeat", verbose))
        return;
    /* The lede alone: the repeat's similarity to it lies between the two
       thresholds (else this test proves nothing). */
    const precis_choice_t *choices = precis_selection_run(self, document, scores, 1, 1,
                                                          SIZE_MAX, repeat, 0, &selected);
    double like = choices[1].redundancy;
    CHECK(like > repeat && like <= duplicate,
          "repeat: similarity %.3f not between the thresholds", like);
    for (size_t lead = 0; lead <= 2; lead += 2) {
        choices = precis_selection_run(self, document, scores, 2, lead, SIZE_MAX, repeat,
                                       0, &selected);
        CHECK(selected == 2 && choices[0].status == PRECIS_CHOICE_SELECTED &&
                  choices[1].status == PRECIS_CHOICE_REDUNDANT &&
                  choices[1].redundant_with == 0 &&
                  choices[2].status == PRECIS_CHOICE_SELECTED,
              "lead %zu: repeat statuses %u %u %u %u", lead, choices[0].status,
              choices[1].status, choices[2].status, choices[3].status);
        choices = precis_selection_run(self, document, scores, 2, lead, SIZE_MAX,
                                       duplicate, 0, &selected);
        CHECK(choices[1].status == PRECIS_CHOICE_SELECTED,
              "lead %zu: not a duplicate, yet not taken", lead);
    }
}

/* A sentence that keeps most of the lede's word pairs but adds enough
   words of its own to stay under `repeat` ("It follows ...") is a repeat
   by its word pairs in a summary asked as a count, whether the lead rule
   or the scores choose; with no pairs test (0) it is taken. */
static void test_repeat_pairs(precis_selection_t *self, precis_document_t *document,
                              bool verbose)
{
    const char *text =
        "The city council approved a new budget for the public library on Tuesday.\n"
        "Residents who packed the hall cheered when the city council approved a new "
        "budget for the public library after months of angry letters.\n"
        "Parents had asked for longer opening hours during the school holidays.\n"
        "The mayor said the vote showed how much the town values its readers.\n";
    double repeat = precis_params.repeat, pairs = precis_params.repeat_pairs;
    size_t selected;
    precis_score_t scores[4];
    if (!four_sentences(document, text, scores, "pairs", verbose))
        return;
    for (size_t lead = 0; lead <= 2; lead += 2) {
        const precis_choice_t *choices = precis_selection_run(
            self, document, scores, 2, lead, SIZE_MAX, repeat, pairs, &selected);
        /* Under the cosine's threshold (else this test proves nothing). */
        CHECK(choices[1].redundancy <= repeat, "lead %zu: cosine %.3f over repeat", lead,
              choices[1].redundancy);
        CHECK(selected == 2 && choices[0].status == PRECIS_CHOICE_SELECTED &&
                  choices[1].status == PRECIS_CHOICE_REDUNDANT &&
                  choices[1].pair_repeat && choices[1].pairs > pairs &&
                  choices[1].redundant_with == 0 &&
                  choices[2].status == PRECIS_CHOICE_SELECTED &&
                  !choices[2].pair_repeat && choices[2].pairs < pairs,
              "lead %zu: pair statuses %u %u %u %u, share %.3f", lead, choices[0].status,
              choices[1].status, choices[2].status, choices[3].status, choices[1].pairs);
        choices = precis_selection_run(self, document, scores, 2, lead, SIZE_MAX, repeat,
                                       0, &selected);
        CHECK(choices[1].status == PRECIS_CHOICE_SELECTED && choices[1].pairs == 0,
              "lead %zu: no pairs test, yet not taken", lead);
    }
}

int precis_selection_test(bool verbose)
{
    test_failures = 0;
    const char *text = "The river festival opens on Saturday with a parade of boats.\n"
                       "The river festival opens on Saturday with a parade of boats.\n"
                       "Tickets for the evening concerts are sold at the town hall "
                       "from Monday to Friday, and online.\n"
                       "Organisers expect ten thousand visitors.\n";
    precis_document_t *document = precis_document_new();
    precis_selection_t *self = precis_selection_new();
    char code[8];
    precis_document_build(document, NULL, text, strlen(text), "en", 0, code, NULL);
    size_t n = precis_document_sentence_count(document), selected;
    precis_score_t scores[4];
    fake_scores(scores, (double[]){3, 3, 2, 1}, 4);
    CHECK(n == 4, "%zu sentences", n);
    if (n != 4)
        goto done;
    /* Two of four: the first, then not its duplicate but the next best. */
    const precis_choice_t *choices = precis_selection_run(
        self, document, scores, 2, 0, SIZE_MAX, precis_params.duplicate, 0, &selected);
    CHECK(selected == 2 && choices[0].status == PRECIS_CHOICE_SELECTED &&
              choices[1].status == PRECIS_CHOICE_REDUNDANT &&
              choices[1].redundant_with == 0 &&
              choices[2].status == PRECIS_CHOICE_SELECTED &&
              choices[3].status == PRECIS_CHOICE_BELOW_OTHERS,
          "two sentences: statuses %u %u %u %u", choices[0].status, choices[1].status,
          choices[2].status, choices[3].status);
    /* A budget of 16 words: the first (11), then only the last (5) fits. */
    choices = precis_selection_run(self, document, scores, n, 0, 16,
                                   precis_params.duplicate, 0, &selected);
    CHECK(selected == 2 && choices[0].status == PRECIS_CHOICE_SELECTED &&
              choices[2].status == PRECIS_CHOICE_OVER_BUDGET &&
              choices[3].status == PRECIS_CHOICE_SELECTED,
          "16 words: statuses %u %u %u %u", choices[0].status, choices[1].status,
          choices[2].status, choices[3].status);
    /* A budget of 3 words: nothing fits, the best is cut. */
    choices = precis_selection_run(self, document, scores, n, 0, 3,
                                   precis_params.duplicate, 0, &selected);
    CHECK(selected == 1 && choices[0].status == PRECIS_CHOICE_SELECTED &&
              choices[0].cut_words <= 3 && choices[0].cut_len > 0,
          "3 words: best not cut to fit");
    /* A lead of one: the first real sentence comes before better-scored
       ones, then the best of the rest, never the lead's duplicate. */
    fake_scores(scores, (double[]){1, 1, 3, 2}, 4);
    for (size_t i = 0; i < 4; i++)
        scores[i].furniture = scores[i].short_words = 1.0;
    scores[3].short_words = 0.8;
    choices = precis_selection_run(self, document, scores, 2, 1, SIZE_MAX,
                                   precis_params.duplicate, 0, &selected);
    CHECK(selected == 2 && choices[0].status == PRECIS_CHOICE_SELECTED &&
              choices[1].status == PRECIS_CHOICE_REDUNDANT &&
              choices[2].status == PRECIS_CHOICE_SELECTED &&
              choices[3].status != PRECIS_CHOICE_SELECTED,
          "lead of one: statuses %u %u %u %u", choices[0].status, choices[1].status,
          choices[2].status, choices[3].status);
    /* The explanation tells the lead rule's choice from the scores'. */
    CHECK(choices[0].by_lead && !choices[2].by_lead && !choices[1].by_lead,
          "lead of one: by_lead %d %d %d", choices[0].by_lead, choices[1].by_lead,
          choices[2].by_lead);
    /* Furniture and short sentences are not lead; the lead is at most
       the count wanted. */
    scores[0].furniture = 0.05; /* page furniture (precis_furniture) */
    choices = precis_selection_run(self, document, scores, 1, 4, SIZE_MAX,
                                   precis_params.duplicate, 0, &selected);
    CHECK(selected == 1 && choices[1].status == PRECIS_CHOICE_SELECTED &&
              choices[2].status != PRECIS_CHOICE_SELECTED &&
              choices[0].status == PRECIS_CHOICE_PASSED_OVER,
          "lead after furniture: statuses %u %u %u %u", choices[0].status,
          choices[1].status, choices[2].status, choices[3].status);
    /* Nor is a teaser lede: the lead starts after it. */
    scores[0].furniture = 1.0;
    scores[0].teaser = 0.5;
    choices = precis_selection_run(self, document, scores, 1, 1, SIZE_MAX,
                                   precis_params.duplicate, 0, &selected);
    /* ... and explain says the lead rule passed over it, not that it was
       below others (a teaser lede may score highest of all). */
    CHECK(selected == 1 && choices[0].status == PRECIS_CHOICE_PASSED_OVER &&
              choices[1].status == PRECIS_CHOICE_SELECTED &&
              strcmp(precis_selection_status_name(choices[0].status), "passed over") == 0,
          "lead after a teaser: statuses %u %u %u %u", choices[0].status,
          choices[1].status, choices[2].status, choices[3].status);
    test_repeat(self, document, verbose);
    test_repeat_pairs(self, document, verbose);
done:
    precis_selection_destroy(&self);
    precis_document_destroy(&document);
    return test_failures ? 1 : 0;
}
