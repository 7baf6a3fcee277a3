/*  precis_selection - which sentences make the summary.

    A step of the summarizer: reads the document and the scores
    (precis_scoring, passed in by the conductor) and picks greedily by
    maximal marginal relevance: at each turn the sentence with the highest
    score - redundancy x (its highest similarity to a sentence already
    chosen), among those that fit the word budget and are not near
    duplicates (similarity over `duplicate`, `repeat` for a count, or the
    same text) of one chosen, nor, in a count, sentences that mostly say
    again the word pairs of those chosen (`repeat_pairs`), until the count is reached or
   nothing fits. Ties go to the earlier sentence. Long summaries asked as a count are the
   lead's real sentences (the conductor passes `lead`): on CNN/DailyMail at 4 and 5
    sentences no choice by score beat the lead's on ROUGE-2 (bench/quality:
    lead-3 or lead-4 and the best of the rest, a position prior counted
    from the end of the lead, a window), while at 1 to 3 sentences the
    scores win. When nothing fits a word budget, the best-scored
    sentence is cut to fit (precis_document_cut): a summary is never empty.
    The parameters are precis_params'.
*/
#ifndef PRECIS_SELECTION_H
#define PRECIS_SELECTION_H

#include "precis_document.h"
#include "precis_scoring.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct _precis_selection_t precis_selection_t;

/* Why a sentence is in the summary or not. */
typedef enum {
    PRECIS_CHOICE_SELECTED = 0,
    PRECIS_CHOICE_REDUNDANT,    /* too similar to a chosen one (redundant_with) */
    PRECIS_CHOICE_OVER_BUDGET,  /* its words did not fit what was left of the budget */
    PRECIS_CHOICE_BELOW_OTHERS, /* the summary was full of better ones */
    PRECIS_CHOICE_PASSED_OVER   /* the lead rule passed over it: furniture, too short or
                                   a teaser lede (its penalties say which) */
} precis_choice_status_t;

/* What became of one sentence. */
typedef struct {
    uint8_t status;          /* precis_choice_status_t */
    uint32_t redundant_with; /* the chosen sentence most like it; UINT32_MAX: none */
    double redundancy;       /* its highest similarity to a chosen sentence */
    uint32_t cut_len;        /* bytes and words the summary takes of it */
    uint32_t cut_words;
    bool by_lead;     /* selected by the lead rule (document order), not by score */
    double pairs;     /* the share of its word pairs the summary had said when it
                         was weighed for a place (0 when never weighed, or
                         without the `pairs` test) */
    bool pair_repeat; /* redundant by its word pairs (over `pairs`) */
} precis_choice_t;

precis_selection_t *precis_selection_new(void);
void precis_selection_destroy(precis_selection_t **self_p);

/* Selects at most wanted sentences of document, of at most budget words
   in all (SIZE_MAX: no budget). The first lead real sentences (neither
   furniture nor short nor a teaser lede, by the scores' factors; at most
   wanted) are taken
   first, in document order, the rest by score: 0 for none. A sentence
   whose similarity to one taken is over duplicate (precis_params'
   `duplicate`, or `repeat` for a summary asked as a count) is redundant,
   never taken; so is one whose word pairs (two words in a row, as the
   vocabulary numbers them: casefolded, stop words kept) are over pairs of
   them said already by the sentences taken, when pairs > 0 (precis_params'
   `repeat_pairs` for a count, 0 otherwise). Returns one
   choice per sentence, valid until the next run; the count selected in
   *selected_p. */
const precis_choice_t *precis_selection_run(precis_selection_t *self,
                                            const precis_document_t *document,
                                            const precis_score_t *scores, size_t wanted,
                                            size_t lead, size_t budget, double duplicate,
                                            double pairs, size_t *selected_p);

/* "selected", "redundant", "over budget" or "below others". */
const char *precis_selection_status_name(uint8_t status);

int precis_selection_test(bool verbose);

#endif
