/*  precis_summarize_worker - the summarize stage's message handler: decodes
    a normalized article, summarizes it and turns the summary into a result
    for the sink. Error results from normalize pass through unchanged. */
#ifndef PRECIS_SUMMARIZE_WORKER_H
#define PRECIS_SUMMARIZE_WORKER_H

#include "precis.h"
#include "precis_summarizer.h"

typedef struct _precis_summarize_worker_t precis_summarize_worker_t;

/* defaults: the length used when an article asks for none, and the limit
   on sentences; copied. */
precis_summarize_worker_t *
precis_summarize_worker_new(const precis_summary_options_t *defaults);
void precis_summarize_worker_destroy(precis_summarize_worker_t **self_p);

/* on (the default): each summary carries its text's signature for the
   sink's story index, and exact copies reuse this worker's earlier
   summaries. off (--no-stories): neither; to measure what detection costs. */
void precis_summarize_worker_set_stories(precis_summarize_worker_t *self, bool on);

/* A precis_worker_fn: one frame in, one frame out. */
zframe_t *precis_summarize_worker_handle(void *self, zframe_t *input);

/* Summarizes one decoded article into a result (summary or error). */
precis_result_t *precis_summarize_worker_article(precis_summarize_worker_t *self,
                                                 const precis_article_t *article);

int precis_summarize_worker_test(bool verbose);

#endif
