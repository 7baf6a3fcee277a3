/*  precis_normalize_worker - the normalize stage's message handler: decodes
    an article, turns its text from HTML into plain text when its format is
    "html" or "auto" and precis_html_detect says so (the page's title becomes
    the article's when it has none; format is "text" from then on),
    normalizes its title and text, and passes it on; an article whose text is
    empty once converted or cleaned becomes an error result (error.empty). */
#ifndef PRECIS_NORMALIZE_WORKER_H
#define PRECIS_NORMALIZE_WORKER_H

#include "precis.h"
#include "precis_normalizer.h"

typedef struct _precis_normalize_worker_t precis_normalize_worker_t;

precis_normalize_worker_t *precis_normalize_worker_new(void);
void precis_normalize_worker_destroy(precis_normalize_worker_t **self_p);

/* A precis_worker_fn: one frame in, one frame out. */
zframe_t *precis_normalize_worker_handle(void *self, zframe_t *input);

int precis_normalize_worker_test(bool verbose);

#endif
