/*  precis_ranking - how central each sentence is to its article.

    A step of the summarizer: reads the document's sentence vectors,
    returns one centrality per sentence. Up to PRECIS_RANKING_MATRIX_MAX
    sentences, LexRank: the cosine similarity graph of the sentences
    (vectors have unit length), ranked by power iteration (damping,
    iteration cap and convergence threshold from precis_params); the ranks
    sum to 1, and a sentence with no edges spreads its rank evenly, as the
    random surfer would. Above that, the similarity matrix (which grows as
    the square) is not built and centrality is the dot product with the
    centroid of all sentence vectors.
*/
#ifndef PRECIS_RANKING_H
#define PRECIS_RANKING_H

#include "precis_document.h"
#include <stdbool.h>

typedef struct _precis_ranking_t precis_ranking_t;

#define PRECIS_RANKING_MATRIX_MAX 1500

precis_ranking_t *precis_ranking_new(void);
void precis_ranking_destroy(precis_ranking_t **self_p);

/* One centrality per sentence of document (higher is more central); valid
   until the next run. */
const double *precis_ranking_run(precis_ranking_t *self,
                                 const precis_document_t *document);

/* "lexrank" or "centroid": what the last run used. */
const char *precis_ranking_method(const precis_ranking_t *self);

int precis_ranking_test(bool verbose);

#endif
