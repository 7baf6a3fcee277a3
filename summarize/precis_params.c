/*  precis_params - the summarizer's parameters (see the header). */
#include "precis_params.h"
#include "precis_learned.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef PRECIS_TUNING
#include <pthread.h>
#define TUNABLE
#else
#define TUNABLE const
#endif

TUNABLE precis_params_t precis_params = {
    .damping = 0.85,
    .iterations = 60,
    .epsilon = 1e-4,
    .weight_rank = 1.0,
    .rank_sentences = 20,
    .weight_position = 4.0,
    .position_decay = 1.0,
    .share = 0.12,
    .weight_first = 1.0,
    .weight_title = 0.3,
    .weight_length = 0.4,
    .length_words = 25,
    .weight_frequency = 0.3,
    .redundancy = 0.4,
    .duplicate = 0.65,
    .short_words = 6,
    .long_words = 40,
    .unclosed = 0.7,
    .question = 0.8,
    .quote = 1.0,
    .quotation = 0.5,
    .teaser = 0.5,
    .teaser_centrality = 0.35,
    .teaser_names = 2,
    .teaser_words = 10,
    .teaser_sentences = 8,
    .lead_from = 4,
    .lead_long = 25,
    .repeat = 0.45,
    .repeat_pairs = 0.4,
    .share_weights = {PRECIS_LEARNED_RANK, PRECIS_LEARNED_POSITION, PRECIS_LEARNED_FIRST,
                      PRECIS_LEARNED_FREQUENCY, PRECIS_LEARNED_TITLE,
                      PRECIS_LEARNED_LENGTH},
};

#ifdef PRECIS_TUNING
static void tune_once(void)
{
    static const struct {
        const char *name;
        double *value;
    } names[] = {
        {"damping", &precis_params.damping},
        {"iterations", &precis_params.iterations},
        {"rank", &precis_params.weight_rank},
        {"rank_sentences", &precis_params.rank_sentences},
        {"position", &precis_params.weight_position},
        {"decay", &precis_params.position_decay},
        {"title", &precis_params.weight_title},
        {"length", &precis_params.weight_length},
        {"length_words", &precis_params.length_words},
        {"redundancy", &precis_params.redundancy},
        {"duplicate", &precis_params.duplicate},
        {"short", &precis_params.short_words},
        {"long", &precis_params.long_words},
        {"unclosed", &precis_params.unclosed},
        {"question", &precis_params.question},
        {"quote", &precis_params.quote},
        {"quotation", &precis_params.quotation},
        {"teaser", &precis_params.teaser},
        {"teaser_centrality", &precis_params.teaser_centrality},
        {"teaser_names", &precis_params.teaser_names},
        {"teaser_words", &precis_params.teaser_words},
        {"teaser_sentences", &precis_params.teaser_sentences},
        {"first", &precis_params.weight_first},
        {"share", &precis_params.share},
        {"lead_from", &precis_params.lead_from},
        {"lead_long", &precis_params.lead_long},
        {"repeat", &precis_params.repeat},
        {"repeat_pairs", &precis_params.repeat_pairs},
        {"frequency", &precis_params.weight_frequency},
        {"share_rank", &precis_params.share_weights.rank},
        {"share_position", &precis_params.share_weights.position},
        {"share_first", &precis_params.share_weights.first},
        {"share_frequency", &precis_params.share_weights.frequency},
        {"share_title", &precis_params.share_weights.title},
        {"share_length", &precis_params.share_weights.length},
    };
    const char *spec = getenv("PRECIS_PARAMS");
    while (spec && *spec) {
        size_t len = strcspn(spec, "=");
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
            if (strlen(names[i].name) == len && strncmp(spec, names[i].name, len) == 0)
                *names[i].value = atof(spec + len + 1);
        spec = strchr(spec, ',');
        spec = spec ? spec + 1 : NULL;
    }
}

void precis_params_tune(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, tune_once);
}
#endif

/* The values are in the ranges the steps rely on: a damping factor below
   1 (LexRank converges), weights not negative, and the short/long bounds
   in order. */
int precis_params_test(bool verbose)
{
    const precis_params_t *p = &precis_params;
    bool ok = p->damping > 0 && p->damping < 1 && p->iterations >= 1 && p->epsilon > 0 &&
              p->weight_rank >= 0 && p->rank_sentences >= 1 && p->weight_position >= 0 &&
              p->position_decay > 0 && p->share > 0 && p->weight_first >= 0 &&
              p->weight_title >= 0 && p->weight_length >= 0 && p->length_words > 0 &&
              p->weight_frequency >= 0 && p->redundancy >= 0 && p->duplicate > 0 &&
              p->duplicate <= 1 && p->short_words < p->long_words && p->unclosed > 0 &&
              p->question > 0 && p->quote > 0 && p->teaser > 0 && p->teaser < 1 &&
              p->quotation > 0 && p->quotation <= 1 && p->teaser_centrality >= 0 &&
              p->teaser_names >= 0 && p->teaser_words >= 0 && p->teaser_sentences >= 0 &&
              p->lead_from >= 1 && p->lead_long >= 1 && p->repeat > 0 &&
              p->repeat <= p->duplicate && p->repeat_pairs >= 0 && p->repeat_pairs <= 1 &&
              p->share_weights.rank >= 0 && p->share_weights.position >= 0 &&
              p->share_weights.first >= 0 && p->share_weights.frequency >= 0 &&
              p->share_weights.title >= 0 && p->share_weights.length >= 0 &&
              p->share_weights.rank + p->share_weights.frequency > 0;
    if (!ok && verbose)
        printf("params: a parameter is out of its range\n");
    return ok ? 0 : 1;
}
