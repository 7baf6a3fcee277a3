/*  precis_summarize_worker - the summarize stage's message handler. */
#include "precis_summarize_worker.h"
#include "precis_utf8.h"
#include "precis_explain.h"
#include "precis_summary_cache.h"
#include <xxhash.h>

struct _precis_summarize_worker_t {
    precis_summarizer_t *summarizer;
    precis_summary_options_t defaults;
    precis_summary_cache_t *cache; /* exact copies: summaries by text hash */
    bool stories;                  /* signatures and the cache (default on) */
    precis_stats_t *stats;         /* the worker's, once given; NULL before */
    int cache_hits;                /* its counter: copies answered from the cache */
};

precis_summarize_worker_t *
precis_summarize_worker_new(const precis_summary_options_t *defaults)
{
    precis_summarize_worker_t *self = calloc(1, sizeof *self);
    assert(self);
    self->summarizer = precis_summarizer_new();
    self->defaults = *defaults;
    self->defaults.lang = NULL;
    self->cache = precis_summary_cache_new(PRECIS_SUMMARY_CACHE_WORKER);
    self->stories = true;
    return self;
}

void precis_summarize_worker_set_stories(precis_summarize_worker_t *self, bool on)
{
    self->stories = on;
}

void precis_summarize_worker_stats(void *self_, precis_stats_t *stats)
{
    precis_summarize_worker_t *self = self_;
    self->stats = stats;
    self->cache_hits = precis_stats_counter(
        stats, "cache_hits", "exact copies answered from the worker's cache");
}

void precis_summarize_worker_destroy(precis_summarize_worker_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    precis_summarizer_destroy(&(*self_p)->summarizer);
    precis_summary_cache_destroy(&(*self_p)->cache);
    free(*self_p);
    *self_p = NULL;
}

static precis_result_t *summarize(precis_summarize_worker_t *self,
                                  const precis_article_t *article,
                                  const precis_summary_options_t *options_p);

/* The article's own length controls win over the worker's defaults. */
static precis_summary_options_t options_for(const precis_summarize_worker_t *self,
                                            const precis_article_t *article)
{
    precis_summary_options_t options = self->defaults;
    if (article->sentences || article->ratio > 0 || article->words) {
        options.sentences = article->sentences;
        options.ratio = article->ratio;
        options.words = article->words;
    }
    options.lang = article->lang.ptr;
    return options;
}

/* What a summary depends on besides the text: the length asked for and
   the language; exact copies share a cached summary only when these agree. */
static uint64_t options_tag(const precis_summary_options_t *options)
{
    const double lengths[3] = {options->sentences, options->ratio, options->words};
    uint64_t seed = XXH3_64bits(lengths, sizeof lengths);
    const char *lang = options->lang ? options->lang : "";
    return XXH3_64bits_withSeed(lang, strlen(lang), seed);
}

precis_result_t *precis_summarize_worker_article(precis_summarize_worker_t *self,
                                                 const precis_article_t *article)
{
    precis_summary_options_t options = options_for(self, article);
    if (!self->stories)
        return summarize(self, article, &options);
    /* The exact hash first: the key to the summary of an exact copy this
       worker made before, which also holds the copy's signature. */
    precis_minhash_t *signature = precis_minhash_new(NULL, 0);
    precis_minhash_text_hash(article->text.ptr, article->text.len, signature->text_hash);
    uint64_t tag = options_tag(&options);
    /* An article that asks why (explain) is summarized again: the cache
       keeps summaries, not their reasons. */
    const precis_result_t *cached =
        article->explain
            ? NULL
            : precis_summary_cache_get(self->cache, signature->text_hash, tag);
    if (cached && cached->signature) {
        precis_result_t *result = precis_result_new(PRECIS_RESULT_SUMMARY);
        precis_result_copy_article(result, article);
        precis_result_copy_summary(result, cached);
        *signature = *cached->signature; /* the same text: the same signature */
        result->signature = signature;
        result->summary_tag = tag;
        if (self->stats)
            precis_stats_add(self->stats, self->cache_hits, 1);
        return result;
    }
    precis_result_t *result = summarize(self, article, &options);
    if (result->kind == PRECIS_RESULT_SUMMARY) {
        /* The bins from the summarizer's tokens of this text: no second
           pass over it. */
        precis_summarizer_signature(self->summarizer, signature);
        result->signature = signature;
        result->summary_tag = tag;
    } else
        precis_minhash_destroy(&signature);
    return result;
}

void precis_summarize_worker_keep(precis_summarize_worker_t *self,
                                  precis_result_t **result_p)
{
    precis_result_t *result = *result_p;
    if (!self->stories || !result || !result->signature) {
        precis_result_destroy(result_p);
        return;
    }
    uint8_t hash[16];
    memcpy(hash, result->signature->text_hash, 16);
    /* What a copy takes is the summary and the signature (300 bytes): the
       rest need not stay in memory (an explain map can be larger than the
       article). */
    json_decref(result->explain);
    result->explain = NULL;
    precis_summary_cache_adopt(self->cache, hash, result->summary_tag, result_p);
}

/* Summarizes the article (no cache). */
static precis_result_t *summarize(precis_summarize_worker_t *self,
                                  const precis_article_t *article,
                                  const precis_summary_options_t *options_p)
{
    precis_summary_options_t options = *options_p;
    precis_summary_t summary = {0};
    const char *reason = NULL;
    int64_t start = zclock_usecs();
    if (precis_summarizer_run(self->summarizer, article->title.ptr, article->text.ptr,
                              article->text.len, &options, &summary, &reason) != 0) {
        precis_summary_clear(&summary);
        return precis_result_new_error(article, "summarize", "too_long",
                                       reason ? reason : "the article was refused");
    }
    precis_result_t *result = precis_result_new(PRECIS_RESULT_SUMMARY);
    precis_result_copy_article(result, article);
    result->lang = strdup(summary.lang[0] ? summary.lang : "und");
    result->sentence_count = (uint32_t)summary.sentence_count;
    for (size_t i = 0; i < summary.selected_count; i++) {
        const precis_selected_t *chosen = &summary.selected[i];
        precis_result_add_sentence(result, article->text.ptr + chosen->start, chosen->len,
                                   chosen->index, chosen->score);
        result->scored[result->summary_count - 1].truncated = chosen->truncated;
    }
    for (size_t i = 0; i < summary.keyword_count; i++)
        precis_result_add_keyword(result, summary.keywords[i]);
    if (article->explain)
        result->explain = precis_explain_json(self->summarizer, article->text.ptr);
    precis_summary_clear(&summary);
    result->summarize_us = zclock_usecs() - start;
    return result;
}

/* A borrowed string (precis_article_decode_borrowing) made NUL-terminated
   in buffer (size bytes, more than the field's longest): the summarizer
   reads the title and the language as C strings. */
static void terminate(precis_str_t *field, char *buffer, size_t size)
{
    if (!field->ptr || field->len >= size)
        return;
    memcpy(buffer, field->ptr, field->len);
    buffer[field->len] = 0;
    field->ptr = buffer;
}

zframe_t *precis_summarize_worker_handle(void *state, zframe_t *input)
{
    precis_summarize_worker_t *self = state;
    char error[PRECIS_ERROR_SIZE], ignored[PRECIS_ERROR_SIZE];
    char title[PRECIS_MAX_FIELD + 1], lang[32];
    precis_article_t *article = precis_article_new();
    zframe_t *output = NULL;
    precis_result_t *result = NULL;
    /* The text stays in the frame, which outlives the article: no copy of
       it (2.3 KB a BBC article, a large allocation each). */
    if (precis_article_decode_borrowing(article, zframe_data(input), zframe_size(input),
                                        0, error) == 0) {
        terminate(&article->title, title, sizeof title);
        terminate(&article->lang, lang, sizeof lang);
        result = precis_summarize_worker_article(self, article);
    } else {
        /* An error result from normalize travels on to the sink as it is. */
        precis_result_t *passing =
            precis_result_decode(zframe_data(input), zframe_size(input), ignored);
        if (passing && passing->kind == PRECIS_RESULT_ERROR)
            output = zframe_dup(input);
        else if (article->id.ptr) {
            char shown[PRECIS_PRINTABLE_ID];
            zsys_error("summarize: undecodable article %s: %s",
                       precis_utf8_printable(shown, sizeof shown, article->id.ptr,
                                             article->id.len),
                       error);
            result = precis_result_new_error(article, "summarize", "invalid", error);
        } else
            zsys_error("summarize: dropping a frame with no article id: %s", error);
        precis_result_destroy(&passing);
    }
    if (result) {
        char shown[PRECIS_PRINTABLE_ID];
        if (result->kind == PRECIS_RESULT_ERROR)
            zsys_warning("summarize: article %s: %s",
                         precis_utf8_printable(shown, sizeof shown, result->id,
                                               strlen(result->id)),
                         result->error);
        output = precis_result_frame(result);
        precis_summarize_worker_keep(self, &result);
    }
    precis_article_destroy(&article);
    return output;
}

int precis_summarize_worker_test(bool verbose)
{
    int failures = 0;
    precis_summary_options_t defaults = {.sentences = 2, .max_sentences = 50};
    precis_summarize_worker_t *self = precis_summarize_worker_new(&defaults);
    precis_stats_t *stats = precis_stats_new("summarize");
    precis_summarize_worker_stats(self, stats);
    precis_article_t *article = precis_article_new();
    precis_str_set(&article->id, "s1", 2);
    const char *text = "The harbour council approved the new ferry timetable on Monday. "
                       "Ferries will now run every twenty minutes during the summer. "
                       "The council said the harbour ferry service had grown quickly. "
                       "A local baker welcomed the change.";
    precis_str_set(&article->text, text, strlen(text));

    /* The worker's default length applies when the article asks for none. */
    precis_result_t *result = precis_summarize_worker_article(self, article);
    if (!result || result->kind != PRECIS_RESULT_SUMMARY || result->summary_count != 2 ||
        result->sentence_count != 4 || strcmp(result->id, "s1") != 0) {
        fprintf(stderr, "summarize worker: expected a 2-sentence summary of 4\n");
        failures++;
    }
    precis_result_destroy(&result);
    /* The article's own length wins. */
    article->sentences = 1;
    result = precis_summarize_worker_article(self, article);
    if (!result || result->summary_count != 1) {
        fprintf(stderr, "summarize worker: article's own length not used\n");
        failures++;
    }
    precis_result_destroy(&result);
    /* No sentence fits a budget of 3 words: the best one comes cut, and
       its entry says so. */
    article->sentences = 0;
    article->words = 3;
    result = precis_summarize_worker_article(self, article);
    if (!result || result->summary_count != 1 || !result->scored[0].truncated ||
        strcmp(result->summary[0], "The harbour council") != 0) {
        fprintf(stderr, "summarize worker: over-budget sentence not cut and marked\n");
        failures++;
    }
    precis_result_destroy(&result);
    /* "explain": true adds why each sentence was or was not chosen. */
    article->words = 0;
    article->explain = true;
    result = precis_summarize_worker_article(self, article);
    json_t *sentences = result ? json_object_get(result->explain, "sentences") : NULL;
    if (!result || json_array_size(sentences) != 4 || result->summary_count != 2) {
        fprintf(stderr, "summarize worker: explain missing or wrong\n");
        failures++;
    }
    precis_result_destroy(&result);
    article->explain = false;

    /* The same text again is not summarized again: the worker's cache gives
       the same summary, and both carry the signature for the sink. */
    article->words = 0;
    article->sentences = 2;
    precis_result_t *first = precis_summarize_worker_article(self, article);
    char *first_sentence =
        first && first->summary_count == 2 ? strdup(first->summary[1]) : strdup("");
    uint8_t first_hash[16] = {0};
    precis_minhash_t first_signature = {0};
    if (first && first->signature)
        first_signature = *first->signature;
    memcpy(first_hash, first_signature.text_hash, 16);
    /* The signature comes from the summarizer's tokens; for plain words
       they are the ones precis_minhash_compute splits the text into. */
    precis_minhash_t reference;
    precis_minhash_compute(&reference, text, strlen(text));
    if (memcmp(&reference, &first_signature, sizeof reference) != 0 ||
        reference.shingles != 32) {
        fprintf(stderr, "summarize worker: the signature is not the text's\n");
        failures++;
    }
    /* Handed back (as the worker does once it has encoded it), kept. */
    precis_summarize_worker_keep(self, &first);
    precis_str_set(&article->id, "s2", 2);
    result = precis_summarize_worker_article(self, article);
    if (first || !result || !result->signature ||
        memcmp(first_hash, result->signature->text_hash, 16) != 0 ||
        memcmp(&first_signature, result->signature, sizeof first_signature) != 0 ||
        result->summary_count != 2 || strcmp(result->id, "s2") != 0 ||
        strcmp(result->summary[1], first_sentence) != 0 ||
        precis_summary_cache_size(self->cache) != 1) {
        fprintf(stderr,
                "summarize worker: an exact copy was not served from the cache\n");
        failures++;
    }
    /* The stats count it, and only it. */
    if (precis_stats_get(stats, self->cache_hits) != 1) {
        fprintf(stderr, "summarize worker: cache_hits %lld, not 1\n",
                (long long)precis_stats_get(stats, self->cache_hits));
        failures++;
    }
    free(first_sentence);
    /* The copy handed back is not kept twice. */
    precis_summarize_worker_keep(self, &result);
    if (result || precis_summary_cache_size(self->cache) != 1) {
        fprintf(stderr, "summarize worker: a copy was kept again\n");
        failures++;
    }

    /* A frame in, a result frame out: the text and the title are read
       where they lie in the frame (borrowed), the title and the language
       as C strings; the result is the one a decoded copy of the article
       gets (its timing aside), and the frame is left as it was. */
    {
        precis_summarize_worker_t *fresh = precis_summarize_worker_new(&defaults);
        precis_article_t *sent = precis_article_new();
        precis_str_set(&sent->id, "f1", 2);
        precis_str_set(&sent->key, "k-f1", 4);
        precis_str_set(&sent->title, "Harbour ferries", 15);
        precis_str_set(&sent->lang, "en", 2);
        precis_str_set(&sent->url, "https://example.com/f1", 22);
        precis_str_set(&sent->text, text, strlen(text));
        sent->received_us = 1234;
        size_t sent_size;
        void *sent_data = precis_article_encode(sent, &sent_size);
        zframe_t *frame = zframe_new(sent_data, sent_size);
        zframe_t *out = precis_summarize_worker_handle(fresh, frame);
        char reason[PRECIS_ERROR_SIZE];
        precis_result_t *got =
            out ? precis_result_decode(zframe_data(out), zframe_size(out), reason) : NULL;
        precis_result_t *want = precis_summarize_worker_article(self, sent);
        bool same =
            got && want && got->kind == PRECIS_RESULT_SUMMARY && got->lang &&
            strcmp(got->lang, "en") == 0 && strcmp(got->lang, want->lang) == 0 &&
            strcmp(got->id, "f1") == 0 && strcmp(got->title, "Harbour ferries") == 0 &&
            strcmp(got->url, "https://example.com/f1") == 0 && got->received_us == 1234 &&
            got->summary_count == want->summary_count &&
            got->keyword_count == want->keyword_count && got->signature &&
            want->signature &&
            memcmp(got->signature, want->signature, sizeof *want->signature) == 0;
        for (size_t i = 0; same && i < got->summary_count; i++)
            same = strcmp(got->summary[i], want->summary[i]) == 0 &&
                   got->scored[i].score == want->scored[i].score;
        for (size_t i = 0; same && i < got->keyword_count; i++)
            same = strcmp(got->keywords[i], want->keywords[i]) == 0;
        if (!same || zframe_size(frame) != sent_size ||
            memcmp(zframe_data(frame), sent_data, sent_size) != 0) {
            fprintf(stderr, "summarize worker: a frame's result is not its article's\n");
            failures++;
        }
        precis_result_destroy(&got);
        precis_result_destroy(&want);
        zframe_destroy(&out);
        zframe_destroy(&frame);
        free(sent_data);
        precis_article_destroy(&sent);
        precis_summarize_worker_destroy(&fresh);
    }

    /* Error results pass through unchanged. */
    precis_result_t *error =
        precis_result_new_error(article, "normalize", "empty", "nothing");
    size_t size;
    void *data = precis_result_encode(error, &size);
    zframe_t *input = zframe_new(data, size);
    free(data);
    zframe_t *output = precis_summarize_worker_handle(self, input);
    if (!output || !zframe_eq(input, output)) {
        fprintf(stderr, "summarize worker: error result did not pass through\n");
        failures++;
    }
    zframe_destroy(&input);
    zframe_destroy(&output);
    precis_result_destroy(&error);
    precis_article_destroy(&article);
    precis_summarize_worker_destroy(&self);
    precis_stats_destroy(&stats);
    return failures;
}
