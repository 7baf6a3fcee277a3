/*  precis_scoring - one score per sentence, from its centrality, position,
    title overlap and form, with the parts kept for --explain.

    A step of the summarizer: reads the document, the centrality of each
    sentence (precis_ranking) and its furniture mark (precis_furniture),
    which the conductor passes in; returns one precis_score_t per sentence.
    The weights are precis_params':

      score = (weight_rank' x centrality / best centrality
               + weight_position' x 1 / (1 + index / position_decay)
               + weight_first x [first sentence that is not furniture
                                 and has short_words words or more]
               + weight_frequency x mean tf of its terms / best such mean
               + weight_title x its share of the title's IDF mass
               + weight_length x min(words, length_words) / length_words)
              x penalty

    For a summary asked as a share of the article the six weights are
    precis_params' share_weights (learned on BBC's labels) instead.
    weight_rank' is weight_rank, times sentences / rank_sentences in an
    article of fewer sentences. weight_position'
    is weight_position, lowered as share / summary share when the summary
    is over `share` of the article (the lead matters most in short
    summaries). penalty is PRECIS_FURNITURE_FACTOR for furniture, else the
    product of the form factors: short (fewer than short_words words: 0.3
    + 0.1 x words), long (over long_words: long_words / words), unclosed
    (no final . ! ? quote or bracket), question, quote (opens with a
    quotation mark) and, in a summary asked as a count, quotation (the
    whole sentence is one quotation: precis_params' quotation) and teaser
    (the lede is a teaser: precis_params' teaser; a teaser is left to the
    lead rule, which skips it: precis_selection).
*/
#ifndef PRECIS_SCORING_H
#define PRECIS_SCORING_H

#include "precis_document.h"
#include <stdbool.h>
#include <stdint.h>

typedef struct _precis_scoring_t precis_scoring_t;

/* A sentence's score and its parts: each of centrality ... length is the
   weighted term added into the score before the penalty. */
typedef struct {
    double centrality, position, first, frequency, title, length;
    double furniture; /* factor: PRECIS_FURNITURE_FACTOR, or 1 */
    double short_words, long_words, unclosed, question, quote, quotation,
        teaser;     /* factors, 1: none */
    double penalty; /* furniture, or the product of the form factors */
    double score;
} precis_score_t;

precis_scoring_t *precis_scoring_new(void);
void precis_scoring_destroy(precis_scoring_t **self_p);

/* Scores every sentence of document. rank: one centrality per sentence;
   furniture: one precis_furniture_kind_t per sentence; wanted: the summary
   length in sentences (estimated for a word budget); share_of_article:
   the summary was asked as a share of the article (--ratio), which takes
   the share weights; count: it was asked as a count of sentences, where a
   teaser lede is marked. Valid until the next run. */
const precis_score_t *precis_scoring_run(precis_scoring_t *self,
                                         const precis_document_t *document,
                                         const double *rank, const uint8_t *furniture,
                                         double wanted, bool share_of_article,
                                         bool count);

int precis_scoring_test(bool verbose);

#endif
