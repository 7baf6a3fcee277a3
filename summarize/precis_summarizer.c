/*  precis_summarizer - extractive summarization of one article: the
    conductor of the steps.

    A run builds the read-only document (precis_document: language,
    sentences, tokens, terms, TF-IDF vectors), then runs the steps on it,
    each of which returns its own per-sentence array and reads only the
    document and what the conductor passes in:

    1. precis_furniture: which sentences are page furniture;
    2. precis_ranking: the centrality of each sentence (LexRank, or the
       centroid for long articles);
    3. precis_scoring: one score per sentence from centrality, position,
       title overlap, length and penalties (precis_params);
    4. precis_selection: greedy MMR selection within the length budget;
    5. precis_keywords: the words the article is about.

    The conductor turns the options into a count and a budget and the
    choices into the summary, in document order. All scratch memory lives
    in the objects and is reused from one article to the next, so a run
    allocates only the split's span array and the result. Ties are broken
    by sentence index, so results depend on the input only.

    Word budget: a summary never has more words (runs of non-space
    characters; in scripts written without spaces, dictionary words: see
    precis_document) than options->words. When no sentence fits, the
    summary is the best-scored sentence cut to the budget, since it is
    never empty. A sentence of more than PRECIS_LONG_SENTENCE_WORDS words
    counts in the summary, and in the budget, as its first part only
    (cut at a clause boundary: precis_words); scores still come from the
    whole sentence. A cut sentence is marked truncated.
*/
#include "precis_summarizer.h"
#include "precis_document.h"
#include "precis_furniture.h"
#include "precis_keywords.h"
#include "precis_lang.h"
#include "precis_lang_samples.h"
#include "precis_params.h"
#include "precis_ranking.h"
#include "precis_scoring.h"
#include "precis_selection.h"
#include "precis_stemmer.h"
#include "precis_stopwords.h"
#include "precis_tokenizer.h"
#include "precis_words.h"
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEYWORDS_MAX PRECIS_KEYWORDS_MAX
#define VOCAB_LIMIT  PRECIS_VOCAB_LIMIT

struct _precis_summarizer_t {
    precis_document_t *document;
    precis_furniture_t *furniture;
    precis_ranking_t *ranking;
    precis_scoring_t *scoring;
    precis_selection_t *selection;
    precis_keywords_t *keywords;
    /* The last run's step results, for precis_summarizer_explain. */
    const uint8_t *furniture_kinds;
    const precis_score_t *scores;
    const precis_choice_t *choices;
    size_t explained; /* sentences they cover; 0 after a refused run */
};

precis_summarizer_t *precis_summarizer_new(void)
{
    precis_summarizer_t *self = calloc(1, sizeof *self);
    assert(self);
    self->document = precis_document_new();
    self->furniture = precis_furniture_new();
    self->ranking = precis_ranking_new();
    self->scoring = precis_scoring_new();
    self->selection = precis_selection_new();
    self->keywords = precis_keywords_new();
    return self;
}

void precis_summarizer_destroy(precis_summarizer_t **self_p)
{
    assert(self_p);
    precis_summarizer_t *self = *self_p;
    if (!self)
        return;
    precis_document_destroy(&self->document);
    precis_furniture_destroy(&self->furniture);
    precis_ranking_destroy(&self->ranking);
    precis_scoring_destroy(&self->scoring);
    precis_selection_destroy(&self->selection);
    precis_keywords_destroy(&self->keywords);
    free(self);
    *self_p = NULL;
}

void precis_summary_clear(precis_summary_t *summary)
{
    if (!summary)
        return;
    free(summary->selected);
    free(summary->keywords); /* one block: pointers, then the strings */
    memset(summary, 0, sizeof *summary);
}

/* The number of sentences the options ask for. */
static size_t wanted_sentences(const precis_summary_options_t *options, size_t n)
{
    if (options && options->sentences > 0)
        return (size_t)options->sentences;
    if (options && options->ratio > 0) {
        double wanted = floor(options->ratio * n + 0.5);
        return wanted < 1 ? 1 : (size_t)wanted;
    }
    return PRECIS_DEFAULT_SENTENCES;
}

/* The summary length in sentences, for the position prior: as asked, or
   for a word budget the number of average sentences that fit. */
static double expected_length(const precis_document_t *document,
                              const precis_summary_options_t *options)
{
    size_t n = precis_document_sentence_count(document);
    if (!(options && options->words > 0))
        return (double)wanted_sentences(options, n);
    const precis_doc_sentence_t *sentences = precis_document_sentences(document);
    size_t words = 0;
    for (size_t i = 0; i < n; i++)
        words += sentences[i].words;
    double average = words ? (double)words / n : 1;
    double wanted = options->words / average;
    return wanted < 1 ? 1 : wanted;
}

/* True when the summary is asked as a share of the article (--ratio, no
   count and no word budget): scored with the share weights. */
static bool share_of_article(const precis_summary_options_t *options)
{
    return options && options->words <= 0 && options->sentences <= 0 &&
           options->ratio > 0;
}

/* How many of the lead's real sentences a summary of an article of n
   sentences takes before the rest is chosen by score (precis_params'
   lead_from and lead_long): all of a count of at least lead_from
   sentences, or of at least 2 in an article of at least lead_long; none
   otherwise, nor for a share of the article (--ratio) or a word budget,
   which are not the reader's "first few sentences". A count whose lede is
   a teaser (scores' teaser factor) is all the lead after it, at any length:
   the story starts at the next sentence, and the scores would otherwise
   let the position prior take the teaser back or pass over the sentence
   that names what happened (CNN/DM at 1-3 sentences, half 0: +0.8 to +1.5
   ROUGE-1; bench/quality_table). */
static size_t lead_sentences(const precis_summary_options_t *options, size_t n,
                             const precis_score_t *scores)
{
    /* A count: asked, or the default one (no ratio, no word budget), so that
       options left at zero choose as the pipeline's explicit default does. */
    if ((options && options->words > 0) || share_of_article(options))
        return 0;
    size_t wanted = wanted_sentences(options, n);
    bool long_article = wanted >= 2 && n >= (size_t)precis_params.lead_long;
    if (wanted >= (size_t)precis_params.lead_from || long_article)
        return wanted;
    for (size_t i = 0; i < n; i++)
        if (scores[i].teaser != 1.0)
            return wanted;
    return 0;
}

/* Stores the selection in document order. */
static void store_selection(precis_summarizer_t *self, precis_summary_t *summary,
                            size_t selected)
{
    const precis_doc_sentence_t *sentences = precis_document_sentences(self->document);
    const uint32_t *kickers = precis_furniture_kickers(self->furniture);
    summary->selected = malloc(selected * sizeof *summary->selected);
    assert(summary->selected);
    for (size_t i = 0; i < self->explained; i++) {
        const precis_choice_t *choice = &self->choices[i];
        if (choice->status != PRECIS_CHOICE_SELECTED)
            continue;
        /* A time stamp glued to the sentence is left out of the summary. */
        uint32_t skip = kickers[i] < choice->cut_len ? kickers[i] : 0;
        summary->selected[summary->selected_count++] = (precis_selected_t){
            (uint32_t)i, self->scores[i].score, sentences[i].start + skip,
            choice->cut_len - skip, choice->cut_len < sentences[i].len};
    }
}

void precis_summarizer_signature(precis_summarizer_t *self, precis_minhash_t *signature)
{
    precis_document_signature(self->document, signature);
}

int precis_summarizer_run(precis_summarizer_t *self, const char *title, const char *text,
                          size_t len, const precis_summary_options_t *options,
                          precis_summary_t *summary, const char **error_p)
{
    assert(self && summary && (text || len == 0));
    memset(summary, 0, sizeof *summary);
    self->explained = 0;
    if (precis_document_build(
            self->document, title, text, len, options ? options->lang : NULL,
            options ? options->max_sentences : 0, summary->lang, error_p) != 0)
        return -1;
    size_t n = precis_document_sentence_count(self->document);
    summary->sentence_count = n;
    if (n == 0)
        return 0;
    bool by_words = options && options->words > 0;
    bool count = !by_words && !share_of_article(options);
    self->furniture_kinds = precis_furniture_run(self->furniture, self->document);
    const double *rank = precis_ranking_run(self->ranking, self->document);
    self->scores = precis_scoring_run(
        self->scoring, self->document, rank, self->furniture_kinds,
        expected_length(self->document, options), share_of_article(options), count);
    size_t selected;
    self->choices =
        precis_selection_run(self->selection, self->document, self->scores,
                             by_words ? n : wanted_sentences(options, n),
                             lead_sentences(options, n, self->scores),
                             by_words ? (size_t)options->words : SIZE_MAX,
                             count ? precis_params.repeat : precis_params.duplicate,
                             count ? precis_params.repeat_pairs : 0, &selected);
    self->explained = n;
    store_selection(self, summary, selected);
    summary->keywords = precis_keywords_run(
        self->keywords, self->document, self->furniture_kinds, &summary->keyword_count);
    return 0;
}

bool precis_summarizer_explain(const precis_summarizer_t *self, size_t i,
                               precis_explained_t *out)
{
    if (i >= self->explained)
        return false;
    const precis_doc_sentence_t *sentence = &precis_document_sentences(self->document)[i];
    const precis_score_t *score = &self->scores[i];
    const precis_choice_t *choice = &self->choices[i];
    *out = (precis_explained_t){
        .index = (uint32_t)i,
        .start = sentence->start,
        .len = sentence->len,
        .words = sentence->words,
        .centrality = score->centrality,
        .position = score->position,
        .first = score->first,
        .frequency = score->frequency,
        .title = score->title,
        .length = score->length,
        .furniture = score->furniture,
        .short_words = score->short_words,
        .long_words = score->long_words,
        .unclosed = score->unclosed,
        .question = score->question,
        .quote = score->quote,
        .quotation = score->quotation,
        .teaser = score->teaser,
        .penalty = score->penalty,
        .score = score->score,
        .redundancy = choice->redundancy,
        .pairs = choice->pairs,
        .ranking = precis_ranking_method(self->ranking),
        .furniture_kind = precis_furniture_name(self->furniture_kinds[i]),
        .status = precis_selection_status_name(choice->status),
        .redundant_with = choice->status == PRECIS_CHOICE_REDUNDANT
                              ? (int64_t)choice->redundant_with
                              : -1,
        .chosen_by = choice->status != PRECIS_CHOICE_SELECTED ? NULL
                     : choice->by_lead                        ? "lead"
                                                              : "score",
    };
    return true;
}

/* --- Self test ------------------------------------------------------------ */

/* Test articles written for precis. */
static const char test_title[] = "Island ferry service to resume after storm repairs";
static const char test_article[] =
    "By Harriet Vale, Transport Reporter\n"
    "PUBLISHED: 09:14 GMT, 4 March 2024 | UPDATED: 11:02 GMT, 4 March 2024\n"
    "The ferry service to Skerry Island will resume on Monday after three weeks of "
    "storm repairs to the harbour pier, the island council said. "
    "Engineers replaced two damaged pier supports and rebuilt the loading ramp used by "
    "the ferry. "
    "The council said the repairs cost more than 400,000 pounds. "
    "Islanders had relied on a small fishing boat for deliveries of food and medicine "
    "while the ferry was out of service. "
    "A local shopkeeper said the weeks without the ferry had been hard for everyone. "
    "The pictured ramp was lifted into place by a crane on Friday. "
    "The ferry operator said timetables would return to normal from Monday morning. "
    "The weather forecast for the weekend is calm.";

static const char test_german[] =
    "Die Stadt hat am Montag beschlossen, die alte Brücke über den Fluss abzureißen. "
    "Der Neubau soll im Herbst beginnen und wird nach Angaben der Verwaltung zwei Jahre "
    "dauern. Während der Bauarbeiten wird eine Fähre eingesetzt, die Fußgänger und "
    "Radfahrer über den Fluss bringt. Die Kosten werden auf zwölf Millionen Euro "
    "geschätzt.";

static const char test_french[] =
    "La ville a décidé lundi de démolir le vieux pont sur la rivière. "
    "Les travaux du nouveau pont commenceront à l'automne et dureront deux ans selon la "
    "mairie. Pendant le chantier, un bac transportera les piétons et les cyclistes d'une "
    "rive à l'autre. Le coût est estimé à douze millions d'euros.";

static const char test_unknown[] =
    "Kaupunki päätti maanantaina purkaa vanhan sillan joen yli. "
    "Uuden sillan rakentaminen alkaa syksyllä ja kestää kaksi vuotta. "
    "Rakennustöiden aikana lautta kuljettaa jalankulkijat ja pyöräilijät joen yli.";

/* Scripts without spaces: a metro line opens in Beijing, a station in
   Tokyo, a sky train line in Bangkok. Each opens with a byline and a short
   weather line, which a summary must pass over. */
static const char test_zh_title[] = "北京地铁十九号线今天开通运营";
static const char test_zh[] =
    "本报记者 王明\n"
    "今天天气晴朗。\n"
    "北京地铁十九号线今天上午正式开通运营，全长二十二公里，共设十座车站。\n"
    "这条地铁线路连接北京南部的新城和市中心，乘客从新城到市中心只需要三十分钟。\n"
    "北京市交通委员会表示，新线路开通后，每天可以运送乘客约三十万人次。\n"
    "地铁公司在每座车站都安装了新的电梯和无障碍设施。\n"
    "开通第一天，很多市民专程前来乘坐新线路。\n"
    "一位乘客说，以前坐公交车去市中心要一个多小时，现在坐地铁方便多了。\n"
    "北京市计划在明年再开通两条地铁线路。\n";
static const char test_ja_title[] = "東京に新しい地下鉄の駅が開業";
static const char test_ja[] =
    "記者 佐藤花子\n"
    "今日は晴れです。\n"
    "東京の地下鉄に新しい駅が今朝開業し、多くの利用者が訪れた。\n"
    "新しい駅は都心と空港を結ぶ地下鉄路線の途中にあり、空港までの時間が十分短くなる。\n"
    "鉄道会社によると、駅には新しいエレベーターと広い改札が設置された。\n"
    "開業初日は朝から多くの乗客が駅を利用した。\n"
    "ある乗客は「通勤がとても便利になった」と話した。\n"
    "鉄道会社は来年さらに二つの駅を開業する計画だ。\n";
static const char test_th_title[] = "รถไฟฟ้าสายใหม่เปิดให้บริการในกรุงเทพ";
static const char test_th[] =
    "ผู้สื่อข่าว สมชาย\n"
    "วันนี้อากาศดี\n"
    "รถไฟฟ้าสายใหม่เปิดให้บริการในกรุงเทพเมื่อเช้าวันนี้ มีสถานีทั้งหมดสิบสถานี\n"
    "รถไฟฟ้าสายนี้เชื่อมชานเมืองกับใจกลางกรุงเทพ ผู้โดยสารใช้เวลาเดินทางเพียงสามสิบนาที\n"
    "บริษัทรถไฟฟ้าคาดว่าจะมีผู้โดยสารใช้บริการวันละหนึ่งแสนคน\n"
    "ผู้โดยสารจำนวนมากมาทดลองใช้บริการรถไฟฟ้าในวันแรก\n";

static int test_failures;

#define CHECK(condition, ...)                                                            \
    do {                                                                                 \
        if (!(condition)) {                                                              \
            test_failures++;                                                             \
            if (verbose)                                                                 \
                printf("summarizer: " __VA_ARGS__), printf("\n");                        \
        }                                                                                \
    } while (0)

/* Runs one summary; checks the invariants every result has. */
static int run_checked(precis_summarizer_t *self, const char *title, const char *text,
                       precis_summary_options_t *options, precis_summary_t *summary,
                       bool verbose)
{
    const char *error = NULL;
    int rc =
        precis_summarizer_run(self, title, text, strlen(text), options, summary, &error);
    if (rc != 0)
        return rc;
    for (size_t i = 0; i < summary->selected_count; i++) {
        const precis_selected_t *selected = &summary->selected[i];
        CHECK(selected->index < summary->sentence_count, "index out of range");
        CHECK(selected->start + selected->len <= strlen(text), "span out of range");
        CHECK(i == 0 || selected->index > summary->selected[i - 1].index,
              "not in document order");
    }
    CHECK(summary->sentence_count == 0 || summary->selected_count > 0, "empty summary");
    return rc;
}

/* True when the sentence contains needle (ASCII, case-sensitive). */
static bool contains(const char *text, size_t len, const char *needle)
{
    size_t needle_len = strlen(needle);
    for (size_t i = 0; i + needle_len <= len; i++)
        if (text[i] == needle[0] && memcmp(text + i, needle, needle_len) == 0)
            return true;
    return false;
}

/* Words of a summary. */
static size_t summary_words(const char *text, const precis_summary_t *summary)
{
    size_t words = 0;
    for (size_t i = 0; i < summary->selected_count; i++) {
        bool phrase;
        words += precis_words_scan(text + summary->selected[i].start,
                                   summary->selected[i].len, &phrase);
    }
    return words;
}

/* True when the summary contains a sentence with this text in it. */
static bool summary_has(const char *text, const precis_summary_t *summary,
                        const char *needle)
{
    for (size_t i = 0; i < summary->selected_count; i++)
        if (contains(text + summary->selected[i].start, summary->selected[i].len, needle))
            return true;
    return false;
}

static void test_budgets(precis_summarizer_t *self, bool verbose)
{
    precis_summary_t summary;
    precis_summary_options_t options = {0};
    run_checked(self, test_title, test_article, &options, &summary, verbose);
    CHECK(summary.selected_count == PRECIS_DEFAULT_SENTENCES,
          "default gave %zu sentences", summary.selected_count);
    CHECK(strcmp(summary.lang, "en") == 0, "language %s, expected en", summary.lang);
    CHECK(summary_has(test_article, &summary, "will resume on Monday"),
          "lead not chosen");
    CHECK(!summary_has(test_article, &summary, "By Harriet"), "byline chosen");
    CHECK(!summary_has(test_article, &summary, "PUBLISHED"), "time stamp chosen");
    CHECK(summary.keyword_count > 0 && summary.keyword_count <= KEYWORDS_MAX &&
              strcmp(summary.keywords[0], "ferry") == 0,
          "first keyword %s, expected ferry",
          summary.keyword_count ? summary.keywords[0] : "-");
    size_t sentence_count = summary.sentence_count;
    precis_summary_clear(&summary);

    for (int wanted = 1; wanted <= 12; wanted++) {
        options = (precis_summary_options_t){.sentences = wanted};
        run_checked(self, test_title, test_article, &options, &summary, verbose);
        CHECK(summary.selected_count <= (size_t)wanted, "%d sentences: got %zu", wanted,
              summary.selected_count);
        CHECK(summary.selected_count == (size_t)wanted || wanted > 6,
              "%d sentences: got only %zu", wanted, summary.selected_count);
        precis_summary_clear(&summary);
    }
    double ratios[] = {0.01, 0.2, 0.4, 0.5, 1.0};
    for (size_t r = 0; r < sizeof ratios / sizeof ratios[0]; r++) {
        options = (precis_summary_options_t){.ratio = ratios[r]};
        run_checked(self, test_title, test_article, &options, &summary, verbose);
        size_t expected = (size_t)floor(ratios[r] * sentence_count + 0.5);
        expected = expected < 1 ? 1 : expected;
        CHECK(summary.selected_count <= expected && summary.selected_count >= 1,
              "ratio %.2f: got %zu, expected %zu", ratios[r], summary.selected_count,
              expected);
        CHECK(ratios[r] > 0.5 || summary.selected_count == expected,
              "ratio %.2f: got %zu, expected %zu", ratios[r], summary.selected_count,
              expected);
        precis_summary_clear(&summary);
    }
    /* The budget holds for every size, down to one word: where no sentence
       fits, the one sentence given is cut, and only then. */
    size_t cut = 0;
    for (int words = 1; words <= 120; words++) {
        options = (precis_summary_options_t){.words = words, .sentences = 1};
        run_checked(self, test_title, test_article, &options, &summary, verbose);
        size_t got = summary_words(test_article, &summary);
        CHECK(got <= (size_t)words && got > 0, "%d words: got %zu", words, got);
        for (size_t i = 0; i < summary.selected_count; i++)
            cut += summary.selected[i].truncated;
        CHECK(summary.selected_count == 1 || !summary.selected[0].truncated,
              "%d words: a cut sentence and others", words);
        precis_summary_clear(&summary);
    }
    /* The article's shortest sentence (the byline) has 5 words: budgets of
       1 to 4 words are the ones that need a cut. */
    CHECK(cut == 4, "%zu budgets gave a cut sentence", cut);
}

/* Count words of made-up speech with no punctuation at all, as a speech
   to text service writes it; malloc'd. */
static char *transcript(size_t count)
{
    static const char *const words[] = {
        "so",     "we",      "met",    "the",   "residents", "last",    "night",
        "about",  "the",     "bridge", "plan",  "and",       "most",    "of",
        "them",   "told",    "us",     "they",  "want",      "the",     "ferry",
        "kept",   "running", "until",  "works", "finish",    "because", "the",
        "detour", "adds",    "an",     "hour",  "to",        "every",   "trip"};
    size_t size = count * 10 + 1, len = 0;
    char *text = malloc(size);
    assert(text);
    for (size_t i = 0; i < count; i++)
        len += (size_t)snprintf(text + len, size - len, "%s%s", i ? " " : "",
                                words[i % (sizeof words / sizeof words[0])]);
    return text;
}

/* An unpunctuated run is one "sentence" to the splitter; a summary of it
   is never the whole text, and never over the word budget. */
static void test_unpunctuated(precis_summarizer_t *self, bool verbose)
{
    char *text = transcript(140);
    struct {
        precis_summary_options_t options;
        size_t most;
    } cases[] = {
        {{.sentences = 2}, PRECIS_LONG_SENTENCE_WORDS},
        {{.ratio = 1.0}, PRECIS_LONG_SENTENCE_WORDS},
        {{.words = 40}, 40},
        {{.words = 1}, 1},
        {{0}, PRECIS_LONG_SENTENCE_WORDS},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        precis_summary_t summary;
        run_checked(self, "Residents ask to keep the ferry", text, &cases[c].options,
                    &summary, verbose);
        size_t got = summary_words(text, &summary);
        CHECK(summary.selected_count == 1 && summary.selected[0].truncated,
              "transcript case %zu: %zu sentences, not cut", c, summary.selected_count);
        CHECK(got <= cases[c].most && got * 2 >= cases[c].most,
              "transcript case %zu: %zu words", c, got);
        /* A prefix that ends with a whole word. */
        const precis_selected_t *first = summary.selected;
        CHECK(summary.selected_count == 0 ||
                  (first->start == 0 && text[first->start + first->len] == ' '),
              "transcript case %zu: not cut at a word boundary", c);
        precis_summary_clear(&summary);
    }
    free(text);
    /* Very long: 150,000 words in one run, and a budget of 40. */
    text = transcript(150000);
    precis_summary_t summary;
    precis_summary_options_t options = {.words = 40};
    run_checked(self, NULL, text, &options, &summary, verbose);
    size_t got = summary_words(text, &summary);
    CHECK(got <= 40 && got > 0 && summary.selected_count == 1 &&
              summary.selected[0].truncated,
          "150,000 words with a budget of 40: %zu words", got);
    precis_summary_clear(&summary);
    free(text);
}

/* True when two summaries select the same sentences with the same scores
   and the same keywords. */
static bool same_summary(const precis_summary_t *a, const precis_summary_t *b)
{
    bool same =
        a->selected_count == b->selected_count && a->keyword_count == b->keyword_count;
    for (size_t i = 0; same && i < a->selected_count; i++)
        same = a->selected[i].index == b->selected[i].index &&
               a->selected[i].score == b->selected[i].score;
    for (size_t i = 0; same && i < a->keyword_count; i++)
        same = strcmp(a->keywords[i], b->keywords[i]) == 0;
    return same;
}

static void test_determinism(precis_summarizer_t *self, bool verbose)
{
    precis_summary_t first, second;
    precis_summary_options_t options = {.sentences = 4};
    precis_summarizer_t *fresh = precis_summarizer_new();
    run_checked(self, test_title, test_article, &options, &first, verbose);
    /* Another article in between must not change anything. */
    run_checked(self, NULL, test_german, &options, &second, verbose);
    precis_summary_clear(&second);
    run_checked(fresh, test_title, test_article, &options, &second, verbose);
    CHECK(same_summary(&first, &second), "two runs differ");
    precis_summary_clear(&second);
    /* An article of more distinct words than the caches keep: they are
       flushed before the next article, which is summarized as before. */
    size_t flood_len = 0, flood_cap = (VOCAB_LIMIT + 1000) * 12;
    char *flood = malloc(flood_cap);
    assert(flood);
    for (uint32_t i = 0; i < VOCAB_LIMIT + 1000; i++)
        flood_len +=
            (size_t)sprintf(flood + flood_len, "w%ux%s", i, i % 20 == 19 ? ".\n" : " ");
    run_checked(fresh, NULL, flood, &options, &second, verbose);
    precis_summary_clear(&second);
    free(flood);
    CHECK(precis_document_vocab_size(fresh->document) > VOCAB_LIMIT,
          "flood article not counted");
    run_checked(fresh, test_title, test_article, &options, &second, verbose);
    CHECK(precis_document_vocab_size(fresh->document) < 1000,
          "vocabulary not flushed: %zu words",
          precis_document_vocab_size(fresh->document));
    CHECK(same_summary(&first, &second), "summary changed after the caches were flushed");
    precis_summary_clear(&first);
    precis_summary_clear(&second);
    precis_summarizer_destroy(&fresh);
}

static void test_redundancy_and_ties(precis_summarizer_t *self, bool verbose)
{
    /* Sentence 1 and 3 are the same; it must be chosen once, as sentence 1. */
    const char *text = "Rain is expected across the valley tonight. "
                       "The river festival opens on Saturday with a parade of boats. "
                       "Tickets for the concerts are sold at the town hall. "
                       "The river festival opens on Saturday with a parade of boats. "
                       "Organisers expect ten thousand visitors at the festival.";
    precis_summary_t summary;
    precis_summary_options_t options = {.sentences = 5};
    run_checked(self, "River festival opens with boat parade", text, &options, &summary,
                verbose);
    bool second = false, fourth = false;
    for (size_t i = 0; i < summary.selected_count; i++) {
        second |= summary.selected[i].index == 1;
        fourth |= summary.selected[i].index == 3;
    }
    CHECK(second && !fourth, "duplicate sentence handled wrongly");
    precis_summary_clear(&summary);
    /* Identical sentences score alike: the first one wins. */
    text = "The bell rang twice. The bell rang twice. The bell rang twice.";
    options = (precis_summary_options_t){.sentences = 1};
    run_checked(self, NULL, text, &options, &summary, verbose);
    CHECK(summary.selected_count == 1 && summary.selected[0].index == 0,
          "tie not won by the first sentence");
    precis_summary_clear(&summary);
}

/* Slovak: CLD2 knows it, precis has no list for it (the union of the
   lists stands in), and the Czech list must not claim it. */
static const char test_slovak[] =
    "Mestské zastupiteľstvo v pondelok rozhodlo, že nový most cez rieku otvoria v "
    "máji. Stavba sa oneskorila o dva roky pre spor o náklady, ale teraz postupuje "
    "rýchlo. Podľa primátora budú autobusy počas prác jazdiť po starom moste.\n";

/* Numbers and scores only: no letters for CLD2, no stop words to vote. */
static const char test_numbers[] = "3-1 2-2 0-1 4-0.\n\n1-1 2-3 5-2 0-0.\n\n"
                                   "2-1 1-0 3-3 4-4.\n\n0-2 1-3 2-0 6-1.\n";

static void test_languages(precis_summarizer_t *self, bool verbose)
{
    struct {
        const char *text, *lang, *expected;
    } cases[] = {
        {test_german, NULL, "de"},       {test_french, NULL, "fr"},
        {test_unknown, NULL, "fi"},      {test_numbers, NULL, "und"},
        {test_numbers, "fi", "fi"},      {test_article, "EN-gb", "en"},
        {test_german, "xx", "xx"},       {test_slovak, NULL, "sk"},
        {test_german, "english", "und"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        precis_summary_t summary;
        precis_summary_options_t options = {.sentences = 2, .lang = cases[i].lang};
        run_checked(self, NULL, cases[i].text, &options, &summary, verbose);
        CHECK(strcmp(summary.lang, cases[i].expected) == 0, "language %s, expected %s",
              summary.lang, cases[i].expected);
        CHECK(summary.selected_count == 2, "%s: %zu sentences", cases[i].expected,
              summary.selected_count);
        precis_summary_clear(&summary);
    }
}

/* True when a keyword, casefolded, is a stop word of language id. */
static bool keyword_is_stop(precis_summarizer_t *self, precis_lang_id_t id,
                            const char *keyword)
{
    size_t pos = 0;
    precis_token_t token;
    bool stop = false;
    while (precis_tokenizer_next(precis_document_tokenizer(self->document), keyword,
                                 strlen(keyword), &pos, &token))
        stop |= precis_stopwords_is(precis_document_stopwords(self->document), id,
                                    token.folded, token.folded_len);
    return stop;
}

/* Every language with a stop-word list: its sample is detected as it, no
   keyword is one of its stop words, and its Snowball stemmer is the one
   in use afterwards. */
static void test_every_language(precis_summarizer_t *self, bool verbose)
{
    size_t count;
    const precis_lang_sample_t *samples = precis_lang_samples(&count);
    for (size_t i = 0; i < count; i++) {
        const precis_lang_sample_t *sample = &samples[i];
        precis_summary_t summary;
        precis_summary_options_t options = {.sentences = 1};
        run_checked(self, NULL, sample->text, &options, &summary, verbose);
        precis_lang_id_t id = precis_lang_from_code(sample->code);
        CHECK(strcmp(summary.lang, sample->code) == 0, "sample %s detected as %s",
              sample->code, summary.lang);
        CHECK(summary.keyword_count > 0, "%s: no keywords", sample->code);
        for (size_t k = 0; k < summary.keyword_count; k++)
            CHECK(!keyword_is_stop(self, id, summary.keywords[k]),
                  "%s: stop word \"%s\" among the keywords", sample->code,
                  summary.keywords[k]);
        if (sample->stem_a)
            CHECK(precis_stemmer_term(precis_document_stemmer(self->document),
                                      sample->stem_a, strlen(sample->stem_a)) ==
                      precis_stemmer_term(precis_document_stemmer(self->document),
                                          sample->stem_b, strlen(sample->stem_b)),
                  "%s: \"%s\" and \"%s\" stemmed apart", sample->code, sample->stem_a,
                  sample->stem_b);
        precis_summary_clear(&summary);
    }
}

static void test_edge_cases(precis_summarizer_t *self, bool verbose)
{
    precis_summary_t summary;
    precis_summary_options_t options = {0};
    const char *texts[] = {"", "  \n\n \t "};
    for (size_t i = 0; i < 2; i++) {
        int rc = run_checked(self, "Title", texts[i], &options, &summary, verbose);
        CHECK(rc == 0 && summary.selected_count == 0 && summary.keyword_count == 0,
              "empty text not an empty summary");
        precis_summary_clear(&summary);
    }
    const char *one = "Only one sentence is here.";
    run_checked(self, NULL, one, &options, &summary, verbose);
    CHECK(summary.selected_count == 1 && summary.selected[0].index == 0 &&
              summary.selected[0].len == strlen(one),
          "one-sentence article");
    precis_summary_clear(&summary);
    const char *two = "Storm closes the coast road. Repairs start tomorrow.";
    run_checked(self, NULL, two, &options, &summary, verbose);
    CHECK(summary.selected_count == 2, "two-sentence article gave %zu",
          summary.selected_count);
    precis_summary_clear(&summary);
    /* Refusal. */
    const char *error = NULL;
    options.max_sentences = 3;
    int rc = precis_summarizer_run(self, NULL, test_article, strlen(test_article),
                                   &options, &summary, &error);
    CHECK(rc == -1 && error && summary.selected_count == 0, "max_sentences not refused");
    precis_summary_clear(&summary);
    options.max_sentences = 100;
    rc = precis_summarizer_run(self, NULL, test_article, strlen(test_article), &options,
                               &summary, &error);
    CHECK(rc == 0, "max_sentences 100 refused");
    precis_summary_clear(&summary);
    precis_summary_clear(NULL);
}

/* News of ordinary sentences: nothing is cut, and the summary is the one
   precis gave before long sentences were cut. */
static void test_normal_article(precis_summarizer_t *self, bool verbose)
{
    static const uint32_t expected[] = {2, 3, 5}; /* as before cutting existed */
    precis_summary_t summary;
    precis_summary_options_t options = {.sentences = 3};
    run_checked(self, test_title, test_article, &options, &summary, verbose);
    bool same = summary.selected_count == sizeof expected / sizeof expected[0];
    for (size_t i = 0; same && i < summary.selected_count; i++)
        same = summary.selected[i].index == expected[i] && !summary.selected[i].truncated;
    CHECK(same, "normal article: summary changed or cut");
    precis_summary_clear(&summary);
}

/* A summary of 4 sentences, or of 2 of a long article, is the lead's
   real sentences, the page furniture above them left out. */
static void test_lead(precis_summarizer_t *self, bool verbose)
{
    const char *text =
        "By Ona Reyes, Transport Editor\n"
        "Published 2 June, 07:15 | Updated 2 June, 11:40\n\n"
        "The regional rail operator cancelled all morning trains on Monday "
        "after a signal failure near Central station.\n\n"
        "About 40,000 commuters were affected, the operator said.\n\n"
        "Engineers expected to restore the signals by the evening.\n\n"
        "Bus companies added extra services on the main routes.\n\n"
        "Signal failures on the regional rail network cancelled trains "
        "twice last winter, and signal engineers blamed old signal "
        "cables on the regional rail lines.\n";
    precis_summary_t summary;
    precis_summary_options_t options = {.sentences = 4};
    run_checked(self, "Signal failure cancels regional rail trains", text, &options,
                &summary, verbose);
    CHECK(summary.selected_count == 4 && summary_has(text, &summary, "cancelled all") &&
              summary_has(text, &summary, "Bus companies") &&
              !summary_has(text, &summary, "last winter") &&
              !summary_has(text, &summary, "Published"),
          "4 sentences: not the lead's real sentences");
    /* Explain says the lead rule chose them. */
    precis_explained_t explained;
    CHECK(precis_summarizer_explain(self, summary.selected[0].index, &explained) &&
              explained.chosen_by && strcmp(explained.chosen_by, "lead") == 0,
          "4 sentences: the lead's first sentence not explained as chosen by the lead");
    CHECK(precis_summarizer_explain(self, 0, &explained) && !explained.chosen_by,
          "4 sentences: the byline explained as chosen");
    precis_summary_clear(&summary);
    /* 30 sentences: the two of the lead, not the ones central to the rest. */
    char article[4096];
    int len = snprintf(article, sizeof article,
                       "The city council approved the new harbour budget on Monday.\n"
                       "Ferry fares stay the same for residents this year.\n");
    for (int i = 0; i < 28; i++)
        len += snprintf(article + len, sizeof article - (size_t)len,
                        "Council member %d said the harbour budget for the harbour "
                        "council was a good harbour budget for the city.\n",
                        i + 1);
    options.sentences = 2;
    run_checked(self, "Harbour budget", article, &options, &summary, verbose);
    CHECK(summary.selected_count == 2 && summary.selected[0].index == 0 &&
              summary.selected[1].index == 1,
          "long article, 2 sentences: not the lead");
    precis_summary_clear(&summary);
}

/* Summarizes text with options and checks the sentences selected (want:
   their indexes, "1 2"; NULL: any) and sentence 0's teaser factor as
   explain gives it. */
static void check_teaser(precis_summarizer_t *self, const char *text,
                         precis_summary_options_t options, const char *want,
                         double teaser, bool verbose)
{
    precis_summary_t summary;
    run_checked(self, "", text, &options, &summary, verbose);
    char selected[64] = "";
    for (size_t i = 0; i < summary.selected_count; i++) {
        size_t used = strlen(selected);
        snprintf(selected + used, sizeof selected - used, "%s%u", i ? " " : "",
                 summary.selected[i].index);
    }
    precis_summary_clear(&summary);
    precis_explained_t explained;
    bool explains = precis_summarizer_explain(self, 0, &explained);
    CHECK(!want || strcmp(selected, want) == 0,
          "teaser (sentences %d, ratio %g): selected %s, not the lead after it (%s)",
          options.sentences, options.ratio, selected, want);
    CHECK(explains && explained.teaser == teaser,
          "teaser (sentences %d, ratio %g): sentence 0's factor %g, not %g",
          options.sentences, options.ratio, explains ? explained.teaser : -1.0, teaser);
}

/* A feature's hook opening the article (a teaser lede: precis_scoring) is
   passed over in a summary asked as a count, which is the lead after it;
   a share of the article is scored as before. */
static void test_teaser(precis_summarizer_t *self, bool verbose)
{
    const char *text =
        "With summer around the corner, it is the season for something sweet and cold "
        "again.\n\n"
        "The Skerry Ice Company opened a new ice cream factory on the island on "
        "Monday.\n\n"
        "The factory will make ice cream for shops and cafes across the island.\n\n"
        "The company said the new factory created forty jobs on the island.\n\n"
        "Ice cream from the factory will reach the island shops in June.\n\n"
        "The island council welcomed the new factory and the jobs it brings.\n\n"
        "The factory will sell its ice cream to shops and cafes from June.\n\n"
        "The company said the factory would open to visitors on the island.\n";
    check_teaser(self, text, (precis_summary_options_t){.sentences = 1}, "1",
                 precis_params.teaser, verbose);
    check_teaser(self, text, (precis_summary_options_t){.sentences = 2}, "1 2",
                 precis_params.teaser, verbose);
    check_teaser(self, text, (precis_summary_options_t){.ratio = 0.4}, NULL, 1.0,
                 verbose);
    /* Its first six sentences: under teaser_sentences, where the rule holds
       back (the lede of a short article is as likely the news, told once). */
    const char *end = text;
    for (int i = 0; i < 6; i++)
        end = strstr(end, "\n\n") + 2;
    char *shorter = strndup(text, (size_t)(end - text));
    check_teaser(self, shorter, (precis_summary_options_t){.sentences = 1}, "0", 1.0,
                 verbose);
    free(shorter);
}

/* Page furniture in the lead position loses to the news under it. */
static void test_furniture(precis_summarizer_t *self, bool verbose)
{
    const char *text =
        "By Ona Reyes, Transport Editor\n"
        "Published 2 June, 07:15 | Updated 2 June, 11:40\n\n"
        "Photo: Commuters wait at Central station. (Credit: Ivo Marsh)\n\n"
        "The regional rail operator cancelled all morning trains on Monday after a "
        "signal "
        "failure near Central station.\n\n"
        "About 40,000 commuters were affected, the operator said.\n\n"
        "Engineers expected to restore the signals by the evening rush hour.\n\n"
        "Bus companies added extra services on the main routes into the city.\n";
    precis_summary_t summary;
    precis_summary_options_t options = {.sentences = 3};
    run_checked(self, "Signal failure halts morning trains", text, &options, &summary,
                verbose);
    CHECK(!summary_has(text, &summary, "Published"), "time stamp line chosen");
    CHECK(!summary_has(text, &summary, "By Ona"), "byline chosen");
    CHECK(!summary_has(text, &summary, "Photo:"), "photo caption chosen");
    CHECK(summary_has(text, &summary, "cancelled all morning trains"), "lead not chosen");
    precis_summary_clear(&summary);
    /* A time stamp glued to the lead as a kicker is left out of it. */
    text = "06/02/2025 AT 07:15 AM EST The regional rail operator cancelled all morning "
           "trains on Monday after a signal failure near Central station. About 40,000 "
           "commuters were affected, the operator said.";
    options.sentences = 1;
    run_checked(self, NULL, text, &options, &summary, verbose);
    CHECK(summary.selected_count == 1 &&
              strncmp(text + summary.selected[0].start, "The regional rail", 17) == 0 &&
              !summary.selected[0].truncated,
          "time stamp kicker kept in the lead");
    precis_summary_clear(&summary);
    /* So is a share panel glued to it, and the lead is not furniture for
       it: the summary is the lead, not the next sentence. */
    text = "Share this withEmailFacebookTwitterWhatsAppCopy this linkThe regional rail "
           "operator cancelled all morning trains on Monday after a signal failure near "
           "Central station. About 40,000 commuters were affected, the operator said.";
    run_checked(self, NULL, text, &options, &summary, verbose);
    CHECK(summary.selected_count == 1 &&
              strncmp(text + summary.selected[0].start, "The regional rail", 17) == 0,
          "share panel kept in the lead, or the lead passed over");
    precis_summary_clear(&summary);
}

/* Single letters, such as those of "U.S.", are never keywords, even where
   another language lists the letter as a stop word. */
static void test_single_letters(precis_summarizer_t *self, bool verbose)
{
    const char *text =
        "U.S. officials met U.K. negotiators in Geneva on Tuesday to discuss tariffs.\n\n"
        "The U.S. delegation said tariffs on steel would stay until the talks end.\n\n"
        "U.K. ministers called the U.S. position unhelpful but agreed to meet again.\n\n"
        "Steel makers on both sides of the Atlantic welcomed the new talks.\n";
    precis_summary_t summary;
    precis_summary_options_t options = {.sentences = 2, .lang = "en"};
    run_checked(self, "U.S. and U.K. hold tariff talks", text, &options, &summary,
                verbose);
    bool single = false, tariffs = false;
    for (size_t i = 0; i < summary.keyword_count; i++) {
        single |= strlen(summary.keywords[i]) < 2;
        tariffs |= strcmp(summary.keywords[i], "tariffs") == 0;
    }
    CHECK(summary.keyword_count > 0 && !single && tariffs,
          "single-letter keyword, or no \"tariffs\", among %zu keywords",
          summary.keyword_count);
    precis_summary_clear(&summary);
}

/* Words of a summary, counted by the tokenizer (for texts in which every
   run of non-space characters holds a segmented word, this is the budget's
   count). */
static size_t summary_tokens(precis_summarizer_t *self, const char *text,
                             const precis_summary_t *summary)
{
    size_t words = 0;
    for (size_t i = 0; i < summary->selected_count; i++)
        words += precis_tokenizer_count(precis_document_tokenizer(self->document),
                                        text + summary->selected[i].start,
                                        summary->selected[i].len);
    return words;
}

/* Chinese, Japanese and Thai: sentences are compared by dictionary words,
   so the lead wins over the byline and the weather, budgets count words,
   and keywords are words, not clauses. */
static void test_segmented(precis_summarizer_t *self, bool verbose)
{
    const struct {
        const char *title, *text, *byline, *weather, *lead, *keyword;
    } cases[] = {
        {test_zh_title, test_zh, "本报记者", "天气", "十九号线", "地铁"},
        {test_ja_title, test_ja, "記者", "晴れ", "今朝開業", "地下鉄"},
        {test_th_title, test_th, "ผู้สื่อข่าว", "อากาศ", "เมื่อเช้า", "รถไฟฟ้า"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const char *text = cases[c].text;
        precis_summary_t summary;
        precis_summary_options_t options = {.sentences = 2};
        run_checked(self, cases[c].title, text, &options, &summary, verbose);
        CHECK(summary.selected_count == 2, "case %zu: %zu sentences", c,
              summary.selected_count);
        CHECK(!summary_has(text, &summary, cases[c].byline), "case %zu: byline chosen",
              c);
        CHECK(!summary_has(text, &summary, cases[c].weather), "case %zu: weather chosen",
              c);
        CHECK(summary_has(text, &summary, cases[c].lead), "case %zu: lead not chosen", c);
        bool found = false, long_keyword = false, one_ideograph = false;
        for (size_t k = 0; k < summary.keyword_count; k++) {
            size_t bytes = strlen(summary.keywords[k]);
            found |= strcmp(summary.keywords[k], cases[c].keyword) == 0;
            long_keyword |= bytes > 8 * 3 || strpbrk(summary.keywords[k], " ,") ||
                            strstr(summary.keywords[k], "，") ||
                            strstr(summary.keywords[k], "、");
            one_ideograph |= c < 2 && bytes <= 3;
        }
        CHECK(found && !long_keyword && !one_ideograph,
              "case %zu: keywords are not short words, or %s is not one of them", c,
              cases[c].keyword);
        precis_summary_clear(&summary);
        for (int words = 5; words <= 40; words += 5) {
            options = (precis_summary_options_t){.words = words};
            run_checked(self, cases[c].title, text, &options, &summary, verbose);
            size_t got = summary_tokens(self, text, &summary);
            CHECK(got <= (size_t)words, "case %zu: %d words: got %zu", c, words, got);
            CHECK(words < 30 || summary_has(text, &summary, cases[c].lead),
                  "case %zu: %d words: lead not chosen", c, words);
            precis_summary_clear(&summary);
        }
    }
    /* A 30-word budget on the Chinese article is not the whole article. */
    precis_summary_t summary;
    precis_summary_options_t options = {.words = 30};
    run_checked(self, test_zh_title, test_zh, &options, &summary, verbose);
    size_t got = summary_tokens(self, test_zh, &summary);
    CHECK(got <= 30 && summary.selected_count < summary.sentence_count,
          "30 words of Chinese: %zu words in %zu of %zu sentences", got,
          summary.selected_count, summary.sentence_count);
    precis_summary_clear(&summary);
    /* One unpunctuated run of Chinese (a transcript): cut at a token end,
       within the budget, marked truncated, also for a sentence count. */
    char *run = malloc(64 * 64);
    assert(run);
    run[0] = '\0';
    for (int k = 0; k < 40; k++)
        strcat(run, k % 4 == 3 ? "市民说地铁很方便，" : "北京地铁新线路今天开通");
    for (int words = 0; words <= 10; words += 10) {
        options = (precis_summary_options_t){.words = words, .sentences = 2};
        run_checked(self, NULL, run, &options, &summary, verbose);
        got = summary_tokens(self, run, &summary);
        size_t limit = words ? (size_t)words : PRECIS_LONG_SENTENCE_WORDS;
        CHECK(summary.selected_count == 1 && summary.selected[0].truncated &&
                  got <= limit && got >= limit / 2,
              "unpunctuated Chinese, %d words: %zu words, %zu sentences", words, got,
              summary.selected_count);
        precis_summary_clear(&summary);
    }
    free(run);
}

/* Every sentence is explained: the selected ones are the summary's, the
   parts add up to the score, the byline is furniture, a repeated sentence
   is redundant with its first copy, and the rest rank below. */
static void test_explain(precis_summarizer_t *self, bool verbose)
{
    const char *text =
        "By Ona Reyes\n"
        "The regional rail operator cancelled all morning trains on Monday "
        "after a signal failure near Central station.\n"
        "About 40,000 commuters were affected, the operator said.\n"
        "The regional rail operator cancelled all morning trains on Monday "
        "after a signal failure near Central station.\n"
        "Bus companies added extra services on the main routes.\n";
    precis_summary_t summary;
    precis_summary_options_t options = {.sentences = 2};
    run_checked(self, "Signal failure halts trains", text, &options, &summary, verbose);
    precis_explained_t explained;
    size_t selected = 0, next = 0;
    for (size_t i = 0; i < summary.sentence_count; i++) {
        CHECK(precis_summarizer_explain(self, i, &explained) && explained.index == i,
              "sentence %zu not explained", i);
        bool chosen = strcmp(explained.status, "selected") == 0;
        if (chosen) {
            CHECK(next < summary.selected_count && summary.selected[next].index == i &&
                      summary.selected[next].score == explained.score,
                  "sentence %zu selected but not in the summary", i);
            next++;
        }
        selected += chosen;
        double sum = explained.centrality + explained.position + explained.first +
                     explained.frequency + explained.title + explained.length;
        CHECK(sum * explained.penalty == explained.score, "sentence %zu: parts", i);
    }
    CHECK(selected == summary.selected_count, "%zu selected, summary has %zu", selected,
          summary.selected_count);
    CHECK(summary.sentence_count == 5, "%zu sentences", summary.sentence_count);
    if (summary.sentence_count == 5) {
        precis_summarizer_explain(self, 0, &explained);
        CHECK(strcmp(explained.furniture_kind, "byline") == 0 &&
                  explained.furniture < 1 && strcmp(explained.status, "selected") != 0,
              "byline: %s, %s", explained.furniture_kind, explained.status);
        precis_summarizer_explain(self, 3, &explained);
        CHECK(strcmp(explained.status, "redundant") == 0 &&
                  explained.redundant_with == 1 && explained.redundancy > 0.99,
              "repeated sentence: %s with %lld", explained.status,
              (long long)explained.redundant_with);
        precis_summarizer_explain(self, 4, &explained);
        CHECK(strcmp(explained.status, "below others") == 0 &&
                  explained.redundant_with == -1 &&
                  strcmp(explained.ranking, "lexrank") == 0,
              "last sentence: %s", explained.status);
    }
    CHECK(!precis_summarizer_explain(self, summary.sentence_count, &explained),
          "sentence past the end explained");
    precis_summary_clear(&summary);
    /* A refused article explains nothing. */
    options.max_sentences = 2;
    const char *error;
    CHECK(precis_summarizer_run(self, NULL, text, strlen(text), &options, &summary,
                                &error) == -1 &&
              !precis_summarizer_explain(self, 0, &explained),
          "refused article explained");
    precis_summary_clear(&summary);
}

int precis_summarizer_test(bool verbose)
{
    test_failures = 0;
    precis_summarizer_t *self = precis_summarizer_new();
    test_budgets(self, verbose);
    test_determinism(self, verbose);
    test_redundancy_and_ties(self, verbose);
    test_languages(self, verbose);
    test_every_language(self, verbose);
    test_edge_cases(self, verbose);
    test_furniture(self, verbose);
    test_lead(self, verbose);
    test_teaser(self, verbose);
    test_single_letters(self, verbose);
    test_unpunctuated(self, verbose);
    test_normal_article(self, verbose);
    test_segmented(self, verbose);
    test_explain(self, verbose);
    precis_summarizer_destroy(&self);
    return test_failures ? 1 : 0;
}
