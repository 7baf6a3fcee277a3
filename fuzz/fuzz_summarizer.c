/*  fuzz_summarizer - libFuzzer target for the summarizer.

    Input layout: byte 0 picks the length options (none, sentences, ratio,
    words, and pairs of them, each with a few values, and max_sentences);
    byte 1 picks the language (bits 0-2: NULL, "", a few codes, or 7: a
    length byte and up to 15 bytes from the input), whether a title follows
    (bit 3: a length byte, then its bytes), whether the text is normalized
    first (bit 4) and whether the rest is a sequence of articles (bit 6:
    NUL-separated records of a language, as above, and a text, summarized in
    turn by one new summarizer); else the rest is the text. Texts that are
    not valid UTF-8 are always normalized first, since the summarizer is
    documented for valid UTF-8 only.

    Checked: refusal exactly when the split has more than max_sentences
    sentences; sentence_count is the count of the split in the summary's
    language; selected sentences are in range, in document order, and their
    spans are the split's spans or, marked truncated, a shorter prefix of one;
    no summary sentence has more than PRECIS_LONG_SENTENCE_WORDS words; the
    summary is not empty when there are sentences; no more sentences than asked;
    the word budget is never exceeded (a cut sentence is alone, or the cut is of
    a long one; words of scripts without spaces counted by the tokenizer);
    language and keywords are valid UTF-8. One summarizer is reused for every
    input, as a worker does; a fresh one must give the same summary (results do
    not depend on what the caches hold), and makes every input reproducible on
    its own.
*/
#include "fuzz_check.h"
#include "precis_normalizer.h"
#include "precis_splitter.h"
#include "precis_summarizer.h"
#include "precis_tokenizer.h"
#include <math.h>
#include <string.h>

static bool is_space(char c)
{
    return c == ' ' || c == '\n' || c == '\t' || c == '\r';
}

/* Words as the summarizer counts them: runs of bytes other than ' ', '\n',
   '\t' and '\r', except that a run holding a segmented token (a word of a
   script written without spaces, such as Chinese) counts as its tokens. */
static size_t count_words(const char *text, size_t len)
{
    static precis_tokenizer_t *tokenizer;
    if (!tokenizer)
        tokenizer = precis_tokenizer_new();
    size_t words = 0, i = 0;
    while (i < len) {
        if (is_space(text[i])) {
            i++;
            continue;
        }
        size_t end = i;
        while (end < len && !is_space(text[end]))
            end++;
        size_t tokens = 0, pos = 0;
        bool segmented = false;
        precis_token_t token;
        while (precis_tokenizer_next(tokenizer, text + i, end - i, &pos, &token)) {
            tokens++;
            segmented |= token.segmented;
        }
        words += segmented ? tokens : 1;
        i = end;
    }
    return words;
}

static const int s_sentences[4] = {1, 2, 3, 7};
static const double s_ratios[4] = {0.01, 0.2, 0.5, 1.0};
static const int s_words[4] = {1, 5, 20, 60};
static const size_t s_max_sentences[4] = {0, 0, 3, 40};
static const char *const s_langs[7] = {NULL, "", "en", "de", "fr", "es", "EN-gb"};

static void options_from(uint8_t selector, precis_summary_options_t *options)
{
    int value = (selector >> 3) & 3;
    switch (selector & 7) {
    case 0: /* none */
        break;
    case 1:
        options->sentences = s_sentences[value];
        break;
    case 2:
        options->ratio = s_ratios[value];
        break;
    case 3:
        options->words = s_words[value];
        break;
    case 4:
        options->words = s_words[value];
        options->sentences = s_sentences[3 - value];
        break;
    case 5:
        options->sentences = s_sentences[value];
        options->ratio = s_ratios[3 - value];
        break;
    case 6:
        options->words = s_words[value];
        options->ratio = s_ratios[value];
        break;
    case 7:
        options->words = s_words[value];
        options->sentences = s_sentences[value];
        options->ratio = s_ratios[value];
        break;
    }
    options->max_sentences = s_max_sentences[(selector >> 5) & 3];
}

static bool same_summary(const precis_summary_t *a, const precis_summary_t *b)
{
    if (strcmp(a->lang, b->lang) != 0 || a->sentence_count != b->sentence_count ||
        a->selected_count != b->selected_count || a->keyword_count != b->keyword_count)
        return false;
    for (size_t i = 0; i < a->selected_count; i++) {
        const precis_selected_t *x = &a->selected[i], *y = &b->selected[i];
        if (x->index != y->index || x->start != y->start || x->len != y->len ||
            memcmp(&x->score, &y->score, sizeof x->score) != 0)
            return false;
    }
    for (size_t i = 0; i < a->keyword_count; i++)
        if (strcmp(a->keywords[i], b->keywords[i]) != 0)
            return false;
    return true;
}

static void check_summary(const precis_summary_options_t *options, const char *text,
                          size_t len, const precis_summary_t *summary)
{
    precis_span_t *spans = NULL;
    size_t n = len ? precis_split_lang(text, len, summary->lang, &spans) : 0;
    FUZZ_CHECK(summary->sentence_count == n);
    FUZZ_CHECK(summary->selected_count <= n);
    FUZZ_CHECK(n == 0 || summary->selected_count > 0);
    FUZZ_CHECK(n > 0 || summary->selected == NULL || summary->selected_count == 0);
    size_t words = 0;
    for (size_t i = 0; i < summary->selected_count; i++) {
        const precis_selected_t *selected = &summary->selected[i];
        FUZZ_CHECK(selected->index < n);
        FUZZ_CHECK(i == 0 || selected->index > summary->selected[i - 1].index);
        FUZZ_CHECK(selected->start == spans[selected->index].start);
        size_t whole = spans[selected->index].len;
        size_t w = count_words(text + selected->start, selected->len);
        if (selected->truncated) {
            /* A prefix with words in it, of a long sentence or of the one
               sentence given for a budget that no sentence fits. */
            FUZZ_CHECK(selected->len < whole && w > 0);
            FUZZ_CHECK(count_words(text + selected->start, whole) >
                           PRECIS_LONG_SENTENCE_WORDS ||
                       (options->words > 0 && summary->selected_count == 1));
        } else
            FUZZ_CHECK(selected->len == whole);
        FUZZ_CHECK(w <= PRECIS_LONG_SENTENCE_WORDS);
        FUZZ_CHECK(!isnan(selected->score));
        words += w;
    }

    if (options->words > 0) {
        FUZZ_CHECK(words <= (size_t)options->words);
    } else if (options->sentences > 0) {
        FUZZ_CHECK(summary->selected_count <= (size_t)options->sentences);
    } else if (options->ratio > 0) {
        double wanted = floor(options->ratio * (double)n + 0.5);
        FUZZ_CHECK(summary->selected_count <= (wanted < 1 ? 1 : (size_t)wanted));
    } else {
        FUZZ_CHECK(summary->selected_count <= PRECIS_DEFAULT_SENTENCES);
    }

    size_t lang_len = strnlen(summary->lang, sizeof summary->lang);
    FUZZ_CHECK(lang_len > 0 && lang_len < sizeof summary->lang);
    FUZZ_CHECK(fuzz_utf8_valid((const uint8_t *)summary->lang, lang_len));
    for (size_t i = 0; i < summary->keyword_count; i++) {
        const char *keyword = summary->keywords[i];
        FUZZ_CHECK(keyword && keyword[0]);
        FUZZ_CHECK(fuzz_utf8_valid((const uint8_t *)keyword, strlen(keyword)));
    }
    free(spans);
}

/* Copies up to 15 bytes of language code; NULL unless valid UTF-8, since
   ingest accepts nothing else (an embedded NUL just ends it). */
static const char *read_lang(const uint8_t *data, size_t size, size_t *at, char lang[16])
{
    size_t len = *at < size ? data[(*at)++] & 15 : 0;
    if (len > size - *at)
        len = size - *at;
    memcpy(lang, data + *at, len);
    lang[len] = 0;
    *at += len;
    return fuzz_utf8_valid((const uint8_t *)lang, strlen(lang)) ? lang : NULL;
}

/* One article: summarized by summarizer, checked, compared with a fresh one. */
static void summarize_one(precis_summarizer_t *summarizer,
                          precis_normalizer_t *normalizer,
                          const precis_summary_options_t *options, const char *title,
                          const uint8_t *bytes, size_t len, bool normalize)
{
    const char *text = (const char *)bytes;
    char *normalized = NULL;
    if (normalize || !fuzz_utf8_valid(bytes, len)) {
        normalized = precis_normalizer_run(normalizer, text, len, &len);
        text = normalized;
    }
    precis_summary_t summary, again;
    const char *error = NULL;
    int rc =
        precis_summarizer_run(summarizer, title, text, len, options, &summary, &error);
    /* The split in the language the summarizer chose (it is set also when
       the article is refused). */
    precis_span_t *spans = NULL;
    size_t n = len ? precis_split_lang(text, len, summary.lang, &spans) : 0;
    free(spans);
    bool refuse = options->max_sentences > 0 && n > options->max_sentences;
    FUZZ_CHECK(rc == (refuse ? -1 : 0));
    if (rc == 0) {
        check_summary(options, text, len, &summary);
        precis_summarizer_t *fresh = precis_summarizer_new();
        FUZZ_CHECK(
            precis_summarizer_run(fresh, title, text, len, options, &again, &error) == 0);
        FUZZ_CHECK(same_summary(&summary, &again));
        precis_summary_clear(&again);
        precis_summarizer_destroy(&fresh);
    } else
        FUZZ_CHECK(error && error[0]);
    precis_summary_clear(&summary);
    free(normalized);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static precis_summarizer_t *summarizer;
    static precis_normalizer_t *normalizer;
    if (!summarizer) {
        summarizer = precis_summarizer_new();
        normalizer = precis_normalizer_new();
    }
    if (size < 2)
        return 0;
    precis_summary_options_t options = {0};
    options_from(data[0], &options);
    uint8_t flags = data[1];
    size_t at = 2;

    char lang[16] = "";
    options.lang =
        (flags & 7) < 7 ? s_langs[flags & 7] : read_lang(data, size, &at, lang);
    char *title = NULL;
    if (flags & 8) {
        size_t title_len = at < size ? data[at++] : 0;
        if (title_len > size - at)
            title_len = size - at;
        if (fuzz_utf8_valid(data + at, title_len)) {
            title = malloc(title_len + 1);
            FUZZ_CHECK(title);
            memcpy(title, data + at, title_len);
            title[title_len] = 0;
        }
        at += title_len;
    }
    bool normalize = flags & 16;

    if (!(flags & 64)) {
        summarize_one(summarizer, normalizer, &options, title, data + at, size - at,
                      normalize);
    } else {
        /* A sequence: NUL-separated records, each a language (length byte and
           bytes; empty: the header's) and a text, through one new summarizer,
           so that what one article leaves behind meets the next. */
        precis_summarizer_t *sequence = precis_summarizer_new();
        const char *header_lang = options.lang;
        for (int records = 0; at < size && records < 64; records++) {
            char record_lang[16];
            const char *code = read_lang(data, size, &at, record_lang);
            options.lang = record_lang[0] ? code : header_lang;
            const uint8_t *end = memchr(data + at, 0, size - at);
            size_t len = end ? (size_t)(end - (data + at)) : size - at;
            summarize_one(sequence, normalizer, &options, title, data + at, len,
                          normalize);
            at += len + (end != NULL);
        }
        precis_summarizer_destroy(&sequence);
    }
    free(title);
    return 0;
}
