/*  precis_explain - why each sentence of the last summary was or was not
    chosen, as the "explain" JSON map of docs/PROTOCOL.md ("Explain"):

      {"ranking": "lexrank" | "centroid",
       "sentences": [{"index", "status", "redundant_with" (redundant only),
                      "chosen_by" (selected only: "lead" or "score"),
                      "score", "centrality", "position", "first",
                      "frequency", "title", "length", "penalty",
                      "penalties": {"furniture", "short", "long",
                                    "unclosed", "question", "quote",
                                    "quotation", "teaser"},
                      "furniture", "redundancy", "words", "text"}, ...]}

    Shared by `precis summarize --explain` and the summarize worker (an
    article's "explain": true), so both say the same.
*/
#ifndef PRECIS_EXPLAIN_H
#define PRECIS_EXPLAIN_H

#include "precis_summarizer.h"
#include <jansson.h>
#include <stdbool.h>

/* The explain map of the summarizer's last run over text (the text it
   summarized, for the sentences' "text": a line break inside a sentence
   is given as a space); a new reference, NULL when the run explained
   nothing (refused, or no sentence). */
json_t *precis_explain_json(const precis_summarizer_t *summarizer, const char *text);

int precis_explain_test(bool verbose);

#endif
