/*  precis_ranking - how central each sentence is (see the header). */
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

struct _precis_ranking_t {
    /* The document's arrays, during a run. */
    const sentence_t *sentences;
    const entry_t *entries;
    size_t sentence_count, entry_count;
    double *rank, *rank_next, *row_sum;
    size_t rank_cap;
    double *dense; /* per term scratch, kept all zero between uses */
    size_t dense_cap;
    float *matrix; /* sentence similarities, row-major */
    size_t matrix_cap;
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
    free(self->matrix);
    free(self);
    *self_p = NULL;
}

/* Adds (sign 1) or removes (sign 0) a sentence vector in self->dense. */
static void scatter(precis_ranking_t *self, const sentence_t *sentence, bool add)
{
    const entry_t *entries = self->entries + sentence->entry_first;
    for (size_t e = 0; e < sentence->entry_count; e++)
        self->dense[entries[e].term] = add ? entries[e].weight : 0.0;
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

/* The cosine similarity matrix (vectors have unit length). */
static void build_matrix(precis_ranking_t *self)
{
    size_t n = self->sentence_count;
    RESERVE(self->matrix, self->matrix_cap, n * n);
    for (size_t i = 0; i < n; i++) {
        self->matrix[i * n + i] = 0.0f;
        scatter(self, &self->sentences[i], true);
        for (size_t j = i + 1; j < n; j++) {
            float sim = (float)dot_dense(self, &self->sentences[j]);
            self->matrix[i * n + j] = sim;
            self->matrix[j * n + i] = sim;
        }
        scatter(self, &self->sentences[i], false);
    }
}

/* LexRank over the weighted similarity graph. A sentence with no
   edges spreads its rank evenly, as the random surfer would. */
static void lexrank(precis_ranking_t *self)
{
    size_t n = self->sentence_count;
    double *next = self->rank_next, *row_sum = self->row_sum;
    for (size_t i = 0; i < n; i++) {
        self->rank[i] = 1.0 / n;
        row_sum[i] = 0;
        for (size_t j = 0; j < n; j++)
            row_sum[i] += self->matrix[i * n + j];
    }
    for (int iteration = 0; iteration < params.iterations; iteration++) {
        double dangling = 0;
        for (size_t j = 0; j < n; j++)
            next[j] = 0;
        for (size_t i = 0; i < n; i++) {
            double rank = self->rank[i];
            if (row_sum[i] <= 0) {
                dangling += rank;
                continue;
            }
            double share = rank / row_sum[i];
            const float *row = self->matrix + i * n;
            for (size_t j = 0; j < n; j++)
                next[j] += share * row[j];
        }
        double change = 0;
        for (size_t j = 0; j < n; j++) {
            double rank =
                (1 - params.damping) / n + params.damping * (next[j] + dangling / n);
            change += fabs(rank - self->rank[j]);
            self->rank[j] = rank;
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
        build_matrix(self);
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
    precis_ranking_destroy(&self);
    precis_document_destroy(&document);
    return failures ? 1 : 0;
}
