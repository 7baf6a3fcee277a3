/*  precis_summarizer - extractive summarization of one article.
    (The steps are modules of their own: see the .c and docs/DESIGN.md.)

    Splits the text into sentences, tokenizes them (utf8proc categories,
    casefolding, stop words, Snowball stemming chosen by language; ICU
    dictionary words in scripts written without spaces), scores them
    by graph centrality with a position prior, removes redundancy and selects
    sentences within a length budget. Results are deterministic: the same input
    gives the same summary on any machine (for scripts without spaces: with
    the same ICU version, whose dictionaries may change). One summarizer
    object is reused for many articles by one thread (it keeps caches and
    scratch memory); it is not shared between threads.
*/
#ifndef PRECIS_SUMMARIZER_H
#define PRECIS_SUMMARIZER_H

#include "precis_minhash.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct _precis_summarizer_t precis_summarizer_t;

/* Length controls. At most one is normally set; when several are, words wins
   over sentences, which wins over ratio. All zero: default_sentences. */
typedef struct {
    int sentences;    /* > 0: number of sentences */
    double ratio;     /* > 0: share of the article's sentences (rounded, at least 1) */
    int words;        /* > 0: word budget, never exceeded. Words are runs
                         between spaces; in Chinese, Japanese, Thai... ICU
                         dictionary words (docs/PROTOCOL.md). When no sentence
                         fits, the best one is cut to fit (see "Cutting" in
                         the .c) */
    const char *lang; /* ISO 639-1 code, or NULL / "" to detect */
    size_t max_sentences; /* > 0: articles with more sentences are refused */
} precis_summary_options_t;

#define PRECIS_DEFAULT_SENTENCES 3

/* Sentences of more words than this are cut short in a summary (at a
   clause boundary when there is one, else at a word boundary). Eighty
   words is four times the median news sentence. In 2,225 BBC articles 2
   of 41,738 sentences are longer; in 250 CNN/Daily Mail articles 83 of
   5,756, nearly all photo captions run together without punctuation, and
   none of them is chosen for summaries of 1 to 5 sentences or 40%. What
   runs longer is text the splitter cannot break (transcripts, captions),
   where one "sentence" can be the whole article. */
#define PRECIS_LONG_SENTENCE_WORDS 80

/* One selected sentence. */
typedef struct {
    uint32_t index; /* 0-based position of the sentence in the article */
    double score;   /* its score; higher is more central */
    uint32_t start; /* byte span in the text that was summarized: the */
    uint32_t len;   /* sentence, or its first part when truncated */
    bool truncated; /* cut short: over PRECIS_LONG_SENTENCE_WORDS, or to fit
                       the word budget when no whole sentence did */
} precis_selected_t;

/* The result of one run. Owned by the caller; free with precis_summary_clear. */
typedef struct {
    char lang[8];                /* language used: "en", ..., "und" when unknown */
    size_t sentence_count;       /* sentences in the article */
    size_t selected_count;       /* sentences in the summary */
    precis_selected_t *selected; /* in document order */
    size_t keyword_count;
    char **keywords; /* NUL-terminated surface forms, most important first */
} precis_summary_t;

precis_summarizer_t *precis_summarizer_new(void);
void precis_summarizer_destroy(precis_summarizer_t **self_p);

/* Summarizes text[0..len) (valid UTF-8, normally already normalized). title may
   be NULL. Returns 0 on success. Returns -1 when the article is refused (over
   max_sentences); then *error_p points to the reason (with the count and the
   limit), valid until the next run. An empty or
   white-space text gives 0 with an empty summary. */
int precis_summarizer_run(precis_summarizer_t *self, const char *title, const char *text,
                          size_t len, const precis_summary_options_t *options,
                          precis_summary_t *summary, const char **error_p);

/* Why one sentence was or was not selected: its features and score parts
   (precis_scoring, precis_selection). centrality ... length are the
   weighted terms summed into the score before the penalty; furniture ...
   teaser are the penalty's factors (1: none); score = sum x penalty. */
typedef struct {
    uint32_t index, start, len; /* position and byte span in the text */
    uint32_t words;
    double centrality, position, first, frequency, title, length;
    double furniture, short_words, long_words, unclosed, question, quote, quotation,
        teaser;
    double penalty, score;
    double redundancy;          /* highest cosine similarity to a selected sentence */
    double pairs;               /* share of its word pairs the summary had said when
                                   it was weighed for a place in a count (0 when
                                   never weighed); over repeat_pairs: redundant */
    const char *ranking;        /* "lexrank" or "centroid" (static) */
    const char *furniture_kind; /* "none", "phrase", "byline" or "fields" (static) */
    const char *status;         /* "selected", "redundant", "over budget" or
                                   "below others" (static) */
    int64_t redundant_with;     /* for "redundant": the selected sentence most like
                                   it; else -1 */
    const char *chosen_by;      /* for "selected": "lead" (the lead rule of a long
                                   article or summary, in document order) or
                                   "score"; else NULL (static) */
} precis_explained_t;

/* After a run that returned 0, what became of sentence i (0 <=
   i < summary.sentence_count): stores it in *out and returns true; false
   for any other i (or after a refused run). Valid until the next run. */
bool precis_summarizer_explain(const precis_summarizer_t *self, size_t i,
                               precis_explained_t *out);

/* The story signature of the last run's text (precis_document_signature):
   bins and shingle count, not the exact hash. */
void precis_summarizer_signature(precis_summarizer_t *self, precis_minhash_t *signature);

/* Frees what a run stored in summary and zeroes it. */
void precis_summary_clear(precis_summary_t *summary);

int precis_summarizer_test(bool verbose);

#endif
