/*  Runs the summarize stage's module self tests: selftest [MODULE]... */
#include "precis_abbrev.h"
#include "precis_jsonl.h"
#include "precis_lang.h"
#include "precis_lang_samples.h"
#include "precis_langid.h"
#include "precis_splitter.h"
#include "precis_stemmer.h"
#include "precis_stopwords.h"
#include "precis_document.h"
#include "precis_explain.h"
#include "precis_furniture.h"
#include "precis_keywords.h"
#include "precis_params.h"
#include "precis_ranking.h"
#include "precis_scoring.h"
#include "precis_selection.h"
#include "precis_summarizer.h"
#include "precis_words.h"
#include "precis_tokenizer.h"
#include "precis_vocab.h"
#include "precis_wordbreak.h"
#include "precis_summarize_worker.h"
#include "precis_selftest.h"

static const precis_module_test_t tests[] = {
    {"jsonl", precis_jsonl_test},
    {"splitter", precis_splitter_test},
    {"abbrev", precis_abbrev_test},
    {"wordbreak", precis_wordbreak_test},
    {"tokenizer", precis_tokenizer_test},
    {"stopwords", precis_stopwords_test},
    {"langid", precis_langid_test},
    {"lang_samples", precis_lang_samples_test},
    {"lang", precis_lang_test},
    {"stemmer", precis_stemmer_test},
    {"vocab", precis_vocab_test},
    {"words", precis_words_test},
    {"params", precis_params_test},
    {"document", precis_document_test},
    {"furniture", precis_furniture_test},
    {"ranking", precis_ranking_test},
    {"scoring", precis_scoring_test},
    {"selection", precis_selection_test},
    {"keywords", precis_keywords_test},
    {"summarizer", precis_summarizer_test},
    {"explain", precis_explain_test},
    {"summarize_worker", precis_summarize_worker_test},
};

PRECIS_SELFTEST_MAIN(tests)
