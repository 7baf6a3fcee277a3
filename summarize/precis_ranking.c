/*  precis_ranking - how central each sentence is (see the header).

    Most pairs of sentences in an article share no term, so the similarity
    matrix is mostly zeros. The products of a pair are found through the
    terms' postings (the sentences each term is in) instead of a dot product
    per pair, and the power iteration walks each row's non-zeros only. Both
    add the same non-zero products in the same order as the dense loops did
    (a zero adds nothing to a sum of non-negative terms), so the ranks are
    the same to the last bit. */
#include "precis_ranking.h"
#include "precis_params.h"
#include "precis_reserve.h"
#include <math.h>
#include <stdio.h>
#include <string.h>

#define RESERVE PRECIS_RESERVE
#define params  precis_params
typedef precis_doc_sentence_t sentence_t;
typedef precis_doc_entry_t entry_t;

/* The similarity of sentences i < j. */
typedef struct {
    uint32_t i, j;
    float sim;
} pair_t;

/* A term's occurrence: the sentence and the term's weight in it. */
typedef struct {
    uint32_t sentence;
    float weight;
} posting_t;

struct _precis_ranking_t {
    /* The document's arrays, during a run. */
    const sentence_t *sentences;
    const entry_t *entries;
    size_t sentence_count, entry_count;
    double *rank, *rank_next, *row_sum;
    size_t rank_cap;
    double *dense; /* per term scratch, kept all zero between uses */
    size_t dense_cap;
    pair_t *pairs; /* the similarities of i < j that are not zero */
    size_t pair_count, pairs_cap;
    /* The postings: for term t, postings[post_start[t]..post_start[t + 1])
       are the sentences it is in, in order, with its weight there. */
    uint32_t *post_start;
    size_t post_start_cap;
    posting_t *postings;
    size_t postings_cap;
    double *dot; /* per sentence: its dot product with the current one so far */
    size_t dot_cap;
    /* The matrix's non-zeros, row by row: row i is
       cols/vals[row_first[i]..row_first[i + 1]); vals as doubles, as the
       iteration multiplies them. The matrix is symmetric, so row j is also
       column j. */
    uint32_t *row_first, *cols;
    double *vals, *share;
    size_t row_first_cap, nonzero_cap, vals_cap, share_cap;
    bool centroid;
};

precis_ranking_t *precis_ranking_new(void)
{
    precis_ranking_t *self = calloc(1, sizeof *self);
    assert(self);
    precis_params_tune();
    return self;
}

void precis_ranking_destroy(precis_ranking_t **self_p)
{
    assert(self_p);
    precis_ranking_t *self = *self_p;
    if (!self)
        return;
    free(self->rank);
    free(self->rank_next);
    free(self->row_sum);
    free(self->dense);
    free(self->pairs);
    free(self->post_start);
    free(self->postings);
    free(self->dot);
    free(self->row_first);
    free(self->cols);
    free(self->vals);
    free(self->share);
    free(self);
    *self_p = NULL;
}

/* Dot product of a sentence vector with self->dense. */
static double dot_dense(precis_ranking_t *self, const sentence_t *sentence)
{
    const entry_t *entries = self->entries + sentence->entry_first;
    double sum = 0;
    for (size_t e = 0; e < sentence->entry_count; e++)
        sum += entries[e].weight * self->dense[entries[e].term];
    return sum;
}

/* The postings of info[0..terms), from the sentence vectors. A term has
   one entry, so one posting, in each sentence it is in: df of them, which
   the document counted already. */
static void build_postings(precis_ranking_t *self, const precis_doc_term_t *info,
                           size_t terms)
{
    RESERVE(self->post_start, self->post_start_cap, terms + 2);
    RESERVE(self->postings, self->postings_cap, self->entry_count);
    uint32_t *start = self->post_start;
    start[0] = start[1] = 0;
    for (size_t t = 0; t < terms; t++)
        start[t + 2] = start[t + 1] + info[t].df;
    assert(start[terms + 1] == self->entry_count);
    /* start[t + 1] is where term t's next posting goes; after the fill it
       is term t's end, which is term t + 1's start. */
    for (size_t s = 0; s < self->sentence_count; s++) {
        const sentence_t *sentence = &self->sentences[s];
        const entry_t *entries = self->entries + sentence->entry_first;
        for (size_t e = 0; e < sentence->entry_count; e++)
            self->postings[start[entries[e].term + 1]++] =
                (posting_t){(uint32_t)s, entries[e].weight};
    }
}

/* The cosine similarity matrix's non-zeros (vectors have unit length).
   The similarity of sentences i < j is the sum, over sentence j's entries
   in order, of the products with sentence i's weight of the same term:
   what a dot product of j's sparse vector with i's scattered dense one
   adds up, less the zeros. The pairs come out by j, then i. */
static void build_pairs(precis_ranking_t *self, const precis_doc_term_t *info,
                        size_t terms)
{
    size_t n = self->sentence_count;
    RESERVE(self->dot, self->dot_cap, n);
    build_postings(self, info, terms);
    double *dot = self->dot;
    for (size_t i = 0; i < n; i++)
        dot[i] = 0;
    self->pair_count = 0;
    for (size_t j = 0; j < n; j++) {
        const sentence_t *sentence = &self->sentences[j];
        const entry_t *entries = self->entries + sentence->entry_first;
        for (size_t e = 0; e < sentence->entry_count; e++) {
            const posting_t *posting = self->postings + self->post_start[entries[e].term];
            for (; posting->sentence < j; posting++)
                dot[posting->sentence] += entries[e].weight * (double)posting->weight;
        }
        RESERVE(self->pairs, self->pairs_cap, self->pair_count + j);
        for (size_t i = 0; i < j; i++) {
            float sim = (float)dot[i];
            dot[i] = 0;
            if (sim != 0.0f)
                self->pairs[self->pair_count++] = (pair_t){(uint32_t)i, (uint32_t)j, sim};
        }
    }
}

/* The matrix's rows from the pairs (each pair is in two rows), and the
   row sums. A row gets its columns in order: those below its own number
   from the pairs of its own j, the others from the pairs of later js. */
static void build_rows(precis_ranking_t *self)
{
    size_t n = self->sentence_count, count = 2 * self->pair_count;
    RESERVE(self->row_first, self->row_first_cap, n + 2);
    RESERVE(self->cols, self->nonzero_cap, count);
    RESERVE(self->vals, self->vals_cap, count);
    uint32_t *first = self->row_first;
    memset(first, 0, (n + 2) * sizeof *first);
    for (size_t p = 0; p < self->pair_count; p++) {
        first[self->pairs[p].i + 2]++;
        first[self->pairs[p].j + 2]++;
    }
    for (size_t i = 2; i < n + 2; i++)
        first[i] += first[i - 1];
    /* first[r + 1] is where row r's next entry goes; after the fill, row
       r's end, which is row r + 1's start. */
    for (size_t p = 0; p < self->pair_count; p++) {
        const pair_t *pair = &self->pairs[p];
        uint32_t at = first[pair->i + 1]++;
        self->cols[at] = pair->j;
        self->vals[at] = pair->sim;
        at = first[pair->j + 1]++;
        self->cols[at] = pair->i;
        self->vals[at] = pair->sim;
    }
    for (size_t i = 0; i < n; i++) {
        double sum = 0;
        for (uint32_t k = first[i]; k < first[i + 1]; k++)
            sum += self->vals[k];
        self->row_sum[i] = sum;
    }
}

/* LexRank over the weighted similarity graph. A sentence with no
   edges spreads its rank evenly, as the random surfer would. Each
   sentence's next rank gathers the shares of its neighbours, in the
   order of their numbers: the sum that spreading each row's share over
   its columns in turn made, without a store per non-zero. */
static void lexrank(precis_ranking_t *self)
{
    size_t n = self->sentence_count;
    double *next = self->rank_next, *row_sum = self->row_sum;
    RESERVE(self->share, self->share_cap, n);
    double *share = self->share;
    build_rows(self);
    /* The arrays in locals: the stores to next and rank cannot change
       them, so that the loops do not load them again. */
    const uint32_t *row_first = self->row_first, *cols = self->cols;
    const double *vals = self->vals;
    double *ranks = self->rank;
    const double damping = params.damping, base = (1 - damping) / n;
    for (size_t i = 0; i < n; i++)
        ranks[i] = 1.0 / n;
    for (int iteration = 0; iteration < params.iterations; iteration++) {
        double dangling = 0;
        for (size_t i = 0; i < n; i++) {
            double rank = ranks[i];
            if (row_sum[i] <= 0) { /* no edges: no column refers to it */
                dangling += rank;
                share[i] = 0;
            } else
                share[i] = rank / row_sum[i];
        }
        for (size_t j = 0; j < n; j++) {
            double sum = 0;
            /* Unrolled, the sum still adds in order: fewer loop steps. */
#pragma GCC unroll 4
            for (uint32_t k = row_first[j]; k < row_first[j + 1]; k++)
                sum += share[cols[k]] * vals[k];
            next[j] = sum;
        }
        double change = 0;
        for (size_t j = 0; j < n; j++) {
            double rank = base + damping * (next[j] + dangling / n);
            change += fabs(rank - ranks[j]);
            ranks[j] = rank;
        }
        if (change < params.epsilon)
            break;
    }
}

/* For long articles: similarity to the centroid of all sentences. */
static void centroid_rank(precis_ranking_t *self)
{
    size_t n = self->sentence_count;
    for (size_t e = 0; e < self->entry_count; e++)
        self->dense[self->entries[e].term] += self->entries[e].weight;
    for (size_t i = 0; i < n; i++)
        self->rank[i] = dot_dense(self, &self->sentences[i]);
    for (size_t e = 0; e < self->entry_count; e++)
        self->dense[self->entries[e].term] = 0;
}

const double *precis_ranking_run(precis_ranking_t *self,
                                 const precis_document_t *document)
{
    size_t n = precis_document_sentence_count(document);
    size_t terms = precis_document_term_count(document);
    self->sentences = precis_document_sentences(document);
    self->entries = precis_document_entries(document);
    self->sentence_count = n;
    self->entry_count = precis_document_entry_count(document);
    RESERVE(self->rank, self->rank_cap, n);
    self->rank_next = realloc(self->rank_next, self->rank_cap * sizeof *self->rank_next);
    self->row_sum = realloc(self->row_sum, self->rank_cap * sizeof *self->row_sum);
    assert(self->rank_next && self->row_sum);
    if (terms > self->dense_cap) {
        free(self->dense);
        self->dense_cap = terms * 2;
        self->dense = calloc(self->dense_cap, sizeof *self->dense);
        assert(self->dense);
    }
    self->centroid = n > PRECIS_RANKING_MATRIX_MAX;
    if (!self->centroid) {
        build_pairs(self, precis_document_terms(document), terms);
        lexrank(self);
    } else
        centroid_rank(self);
    return self->rank;
}

const char *precis_ranking_method(const precis_ranking_t *self)
{
    return self->centroid ? "centroid" : "lexrank";
}

/* --- Self test ------------------------------------------------------------ */

/* LexRank as the dense loops computed it before the postings and the
   sparse rows: every pair's dot product over the later sentence's entries
   against the earlier one's scattered weights, and every row spread over
   every column. Fills rank[0..n) of document. */
static void dense_reference(const precis_document_t *document, double *rank)
{
    size_t n = precis_document_sentence_count(document);
    const sentence_t *sentences = precis_document_sentences(document);
    const entry_t *entries = precis_document_entries(document);
    double *dense = calloc(precis_document_term_count(document) + 1, sizeof *dense);
    float *matrix = calloc(n * n, sizeof *matrix);
    double *next = calloc(n, sizeof *next), *row_sum = calloc(n, sizeof *row_sum);
    assert(dense && matrix && next && row_sum);
    for (size_t i = 0; i < n; i++) {
        const entry_t *mine = entries + sentences[i].entry_first;
        for (size_t e = 0; e < sentences[i].entry_count; e++)
            dense[mine[e].term] = mine[e].weight;
        for (size_t j = i + 1; j < n; j++) {
            const entry_t *theirs = entries + sentences[j].entry_first;
            double sum = 0;
            for (size_t e = 0; e < sentences[j].entry_count; e++)
                sum += theirs[e].weight * dense[theirs[e].term];
            matrix[i * n + j] = matrix[j * n + i] = (float)sum;
        }
        for (size_t e = 0; e < sentences[i].entry_count; e++)
            dense[mine[e].term] = 0;
    }
    for (size_t i = 0; i < n; i++) {
        rank[i] = 1.0 / n;
        for (size_t j = 0; j < n; j++)
            row_sum[i] += matrix[i * n + j];
    }
    for (int iteration = 0; iteration < params.iterations; iteration++) {
        double dangling = 0, change = 0;
        memset(next, 0, n * sizeof *next);
        for (size_t i = 0; i < n; i++) {
            if (row_sum[i] <= 0) {
                dangling += rank[i];
                continue;
            }
            for (size_t j = 0; j < n; j++)
                next[j] += rank[i] / row_sum[i] * matrix[i * n + j];
        }
        for (size_t j = 0; j < n; j++) {
            double value =
                (1 - params.damping) / n + params.damping * (next[j] + dangling / n);
            change += fabs(value - rank[j]);
            rank[j] = value;
        }
        if (change < params.epsilon)
            break;
    }
    free(dense);
    free(matrix);
    free(next);
    free(row_sum);
}

/* The sparse ranks are the dense loops' to the last bit, on an article
   with repeated terms, a sentence that shares none and a repeated
   sentence, and again on a smaller article with the scratch memory of the
   first. */
static int test_same_as_dense(precis_document_t *document, precis_ranking_t *self,
                              bool verbose)
{
    const char *texts[] = {
        "Storm Ciara closed the coast road and the ferry port on Sunday.\n"
        "The ferry port reopened on Monday after the storm passed.\n"
        "Engineers said the coast road needs repairs before it reopens.\n"
        "Tickets for the opera went on sale yesterday.\n"
        "The council will pay for the road repairs, the council leader said.\n"
        "Ferry crews worked through the night as the storm hit the port.\n"
        "The ferry port reopened on Monday after the storm passed.\n"
        "Repairs to the coast road could take three weeks, engineers said.\n"
        "Storm damage to homes near the port is still being counted.\n",
        "The bridge opens in May.\nThe river bridge has a cycle lane.\n"
        "A cycle lane opens on the river in May.\n"};
    int failures = 0;
    for (size_t t = 0; t < sizeof texts / sizeof *texts; t++) {
        char code[8];
        precis_document_build(document, NULL, texts[t], strlen(texts[t]), "en", 0, code,
                              NULL);
        size_t n = precis_document_sentence_count(document);
        double expected[16];
        assert(n <= 16);
        dense_reference(document, expected);
        const double *rank = precis_ranking_run(self, document);
        if (n < 3 || memcmp(rank, expected, n * sizeof *rank) != 0) {
            failures++;
            if (verbose)
                printf("ranking: text %zu (%zu sentences): ranks differ from the "
                       "dense computation\n",
                       t, n);
        }
    }
    return failures;
}

int precis_ranking_test(bool verbose)
{
    int failures = 0;
    /* The second sentence shares words with all the others; the last
       shares none. */
    const char *text = "The council approved the new bridge.\n"
                       "The council said the new bridge over the river opens in May "
                       "with a cycle lane.\n"
                       "The river crossing will have a cycle lane.\n"
                       "Tickets for the opera went on sale yesterday.\n";
    precis_document_t *document = precis_document_new();
    precis_ranking_t *self = precis_ranking_new();
    char code[8];
    precis_document_build(document, NULL, text, strlen(text), "en", 0, code, NULL);
    size_t n = precis_document_sentence_count(document);
    const double *rank = precis_ranking_run(self, document);
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += rank[i];
    bool ok = n == 4 && rank[1] > rank[0] && rank[1] > rank[2] && rank[3] < rank[0] &&
              rank[3] < rank[2] && fabs(sum - 1.0) < 1e-6 &&
              strcmp(precis_ranking_method(self), "lexrank") == 0;
    if (!ok) {
        failures++;
        if (verbose)
            printf("ranking: lexrank order or sum wrong (%zu sentences)\n", n);
    }
    /* Over the matrix bound: the centroid, which puts the sentence that
       joins both halves of the article first. */
    size_t size = (PRECIS_RANKING_MATRIX_MAX + 2) * 64;
    char *many = malloc(size);
    assert(many);
    size_t len = 0;
    for (size_t i = 0; i < PRECIS_RANKING_MATRIX_MAX + 1; i++)
        len += (size_t)snprintf(many + len, size - len, "%s\n",
                                i == 7  ? "Storm closes the valley road as heavy rain "
                                          "floods the farms."
                                : i % 2 ? "Heavy rain floods the farms."
                                        : "Storm closes the valley road.");
    precis_document_build(document, NULL, many, len, "en", 0, code, NULL);
    rank = precis_ranking_run(self, document);
    ok = strcmp(precis_ranking_method(self), "centroid") == 0 && rank[7] > rank[0] &&
         rank[7] > rank[1];
    if (!ok) {
        failures++;
        if (verbose)
            printf("ranking: centroid not used or order wrong\n");
    }
    free(many);
    failures += test_same_as_dense(document, self, verbose);
    precis_ranking_destroy(&self);
    precis_document_destroy(&document);
    return failures ? 1 : 0;
}
