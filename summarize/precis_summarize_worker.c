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
    /* The handler's scratch, kept between articles (frame_of): the
       result's strings, and its sentence pointers and entries. */
    char *strings;
    size_t strings_cap;
    char **sentences;
    precis_scored_t *scored;
    size_t sentences_cap;
    uint8_t *encoded; /* the result's bytes, written once (encode_result) */
    size_t encoded_cap;
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
    free((*self_p)->strings);
    free((*self_p)->sentences);
    free((*self_p)->scored);
    free((*self_p)->encoded);
    free(*self_p);
    *self_p = NULL;
}

static precis_result_t *summarize(precis_summarize_worker_t *self,
                                  const precis_article_t *article,
                                  const precis_summary_options_t *options);
static precis_result_t *cached_result(precis_summarize_worker_t *self,
                                      const uint8_t hash[16], uint64_t tag);
static void keep_bytes(precis_summarize_worker_t *self, const precis_result_t *result,
                       const void *data, size_t size);

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

/* The result for an exact copy of a text this worker kept the result of
   (its exact hash, asked for as tag), with the article's own fields and
   the kept signature; NULL when none is kept. */
static precis_result_t *cache_hit(precis_summarize_worker_t *self,
                                  const precis_article_t *article, const uint8_t hash[16],
                                  uint64_t tag)
{
    precis_result_t *cached = cached_result(self, hash, tag);
    if (!cached)
        return NULL;
    precis_result_t *result = precis_result_new(PRECIS_RESULT_SUMMARY);
    precis_result_copy_article(result, article);
    precis_result_copy_summary(result, cached);
    result->signature = cached->signature; /* the same text: the same signature */
    cached->signature = NULL;
    result->summary_tag = tag;
    precis_result_destroy(&cached);
    if (self->stats)
        precis_stats_add(self->stats, self->cache_hits, 1);
    return result;
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
    precis_result_t *cached =
        article->explain ? NULL : cache_hit(self, article, signature->text_hash, tag);
    if (cached) {
        precis_minhash_destroy(&signature);
        return cached;
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

/* Keeps the result's bytes (data[0..size), its encoding) for exact copies
   of its text asked for the same way. */
static void keep_bytes(precis_summarize_worker_t *self, const precis_result_t *result,
                       const void *data, size_t size)
{
    void *copy = malloc(size);
    assert(copy);
    memcpy(copy, data, size);
    precis_summary_cache_put_pairs(self->cache, result->signature->text_hash,
                                   result->summary_tag, copy, size, 1);
}

/* Whether the result is one that exact copies may reuse: a summary with
   its signature (not an error, nor a worker without stories). */
static bool keepable(const precis_summarize_worker_t *self, const precis_result_t *result)
{
    return self->stories && result && result->kind == PRECIS_RESULT_SUMMARY &&
           result->signature;
}

void precis_summarize_worker_keep(precis_summarize_worker_t *self,
                                  precis_result_t **result_p)
{
    precis_result_t *result = *result_p;
    if (keepable(self, result)) {
        /* An explain map (larger than the article at times) is not kept:
           copies are not asked why. */
        json_decref(result->explain);
        result->explain = NULL;
        size_t size;
        void *data = precis_result_encode(result, &size);
        keep_bytes(self, result, data, size);
        free(data);
    }
    precis_result_destroy(result_p);
}

/* keep, for a result already encoded into data[0..size) (its frame): the
   bytes are copied, not encoded again, unless they hold an explain map. */
static void keep_encoded(precis_summarize_worker_t *self, precis_result_t **result_p,
                         const void *data, size_t size)
{
    if (keepable(self, *result_p) && !(*result_p)->explain) {
        keep_bytes(self, *result_p, data, size);
        precis_result_destroy(result_p);
    } else
        precis_summarize_worker_keep(self, result_p);
}

/* The result kept for the text (its exact hash) and tag, decoded (to
   destroy), or NULL. */
static precis_result_t *cached_result(precis_summarize_worker_t *self,
                                      const uint8_t hash[16], uint64_t tag)
{
    size_t size;
    uint32_t count;
    const void *data =
        precis_summary_cache_get_pairs(self->cache, hash, tag, &size, &count);
    if (!data)
        return NULL;
    char ignored[PRECIS_ERROR_SIZE];
    precis_result_t *cached = precis_result_decode(data, size, ignored);
    if (cached && !cached->signature)
        precis_result_destroy(&cached); /* cannot be: kept only with one */
    return cached;
}

/* Runs the summarizer on the article into summary: NULL, or (summary
   cleared) the error result of an article it refused. */
static precis_result_t *run_summarizer(precis_summarize_worker_t *self,
                                       const precis_article_t *article,
                                       const precis_summary_options_t *options,
                                       precis_summary_t *summary)
{
    const char *reason = NULL;
    if (precis_summarizer_run(self->summarizer, article->title.ptr, article->text.ptr,
                              article->text.len, options, summary, &reason) == 0)
        return NULL;
    precis_summary_clear(summary);
    return precis_result_new_error(article, "summarize", "too_long",
                                   reason ? reason : "the article was refused");
}

/* Summarizes the article (no cache). */
static precis_result_t *summarize(precis_summarize_worker_t *self,
                                  const precis_article_t *article,
                                  const precis_summary_options_t *options)
{
    precis_summary_t summary = {0};
    int64_t start = zclock_usecs();
    precis_result_t *refused = run_summarizer(self, article, options, &summary);
    if (refused)
        return refused;
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

/* A NUL-terminated copy of ptr[0..len) at *at, which moves past it. */
static char *put_string(char **at, const char *ptr, size_t len)
{
    char *copy = *at;
    if (len)
        memcpy(copy, ptr, len);
    copy[len] = 0;
    *at += len + 1;
    return copy;
}

static char *put_field(char **at, const precis_str_t *field)
{
    return field->ptr ? put_string(at, field->ptr, field->len) : NULL;
}

/* The article's fields and the summary's sentences into result, their
   strings in the worker's scratch (valid until the next article), as
   precis_result_copy_article and precis_result_add_sentence copy them. */
static void borrow_strings(precis_summarize_worker_t *self, precis_result_t *result,
                           const precis_article_t *article,
                           const precis_summary_t *summary)
{
    const precis_str_t *fields[] = {&article->id,  &article->key,    &article->title,
                                    &article->url, &article->source, &article->published};
    size_t size = 0;
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++)
        size += fields[i]->ptr ? fields[i]->len + 1 : 0;
    for (size_t i = 0; i < summary->selected_count; i++)
        size += summary->selected[i].len + 1;
    if (size > self->strings_cap) {
        self->strings_cap = size > 2 * self->strings_cap ? size : 2 * self->strings_cap;
        free(self->strings);
        self->strings = malloc(self->strings_cap);
        assert(self->strings);
    }
    if (summary->selected_count > self->sentences_cap) {
        self->sentences_cap = summary->selected_count;
        self->sentences =
            realloc(self->sentences, self->sentences_cap * sizeof *self->sentences);
        self->scored = realloc(self->scored, self->sentences_cap * sizeof *self->scored);
        assert(self->sentences && self->scored);
    }
    char *at = self->strings;
    result->id = put_field(&at, &article->id);
    result->key = put_field(&at, &article->key);
    result->title = put_field(&at, &article->title);
    result->url = put_field(&at, &article->url);
    result->source = put_field(&at, &article->source);
    result->published = put_field(&at, &article->published);
    for (size_t i = 0; i < summary->selected_count; i++) {
        const precis_selected_t *chosen = &summary->selected[i];
        char *sentence = put_string(&at, article->text.ptr + chosen->start, chosen->len);
        /* One sentence, one line, as precis_result_add_sentence makes it. */
        precis_result_unbreak(sentence, chosen->len);
        self->sentences[i] = sentence;
        self->scored[i] =
            (precis_scored_t){chosen->index, chosen->score, chosen->truncated};
    }
    result->summary = self->sentences;
    result->scored = self->scored;
    result->summary_count = summary->selected_count;
}

/* The result's bytes (precis_result_encode_into's) in the worker's
   scratch, self->encoded; returns their size. Written once where
   precis_result_frame counts them first (about 1,340 instructions an
   article, callgrind, BBC): a second time only when the scratch is too
   small, which then grows. */
static size_t encode_result(precis_summarize_worker_t *self,
                            const precis_result_t *result)
{
    size_t size = precis_result_encode_bounded(result, self->encoded, self->encoded_cap);
    if (size > self->encoded_cap) {
        self->encoded_cap = size > 2 * self->encoded_cap ? size : 2 * self->encoded_cap;
        free(self->encoded);
        self->encoded = malloc(self->encoded_cap);
        assert(self->encoded);
        size = precis_result_encode_bounded(result, self->encoded, self->encoded_cap);
    }
    return size;
}

/* The frame of the article's summary: the bytes precis_result_frame writes
   for the result precis_summarize_worker_article makes (but its timing),
   without making that result: its strings go into the worker's scratch
   and the keywords are the summary's own, where the result took a
   malloc'd copy of each (about 25 allocations and frees an article). The
   bytes are also what the cache keeps. NULL, with *result_p set, when the
   result is another: an exact copy answered from the cache, or an error.
   Not for an article that asks why (explain). */
static zframe_t *summary_frame(precis_summarize_worker_t *self,
                               const precis_article_t *article,
                               precis_result_t **result_p)
{
    precis_summary_options_t options = options_for(self, article);
    precis_minhash_t signature = {0};
    uint64_t tag = 0;
    if (self->stories) {
        precis_minhash_text_hash(article->text.ptr, article->text.len,
                                 signature.text_hash);
        tag = options_tag(&options);
        if ((*result_p = cache_hit(self, article, signature.text_hash, tag)))
            return NULL;
    }
    precis_summary_t summary = {0};
    int64_t start = zclock_usecs();
    if ((*result_p = run_summarizer(self, article, &options, &summary)))
        return NULL;
    precis_result_t result = {.kind = PRECIS_RESULT_SUMMARY};
    borrow_strings(self, &result, article, &summary);
    result.lang = summary.lang[0] ? summary.lang : (char *)"und";
    result.sentence_count = (uint32_t)summary.sentence_count;
    result.keywords = summary.keywords;
    result.keyword_count = summary.keyword_count;
    result.received_us = article->received_us;
    result.normalize_us = article->normalize_us;
    if (self->stories) {
        precis_summarizer_signature(self->summarizer, &signature);
        result.signature = &signature;
        result.summary_tag = tag;
    }
    result.summarize_us = zclock_usecs() - start;
#ifdef PRECIS_HOP_TRACE
    /* A latency study's build (bench/pipeline_bench --timings): when this
       stage began on the article, a Unix time, in place of its work. */
    result.summarize_us = precis_now_us() - result.summarize_us;
#endif
    size_t size = encode_result(self, &result);
    zframe_t *frame = zframe_new(self->encoded, size);
    assert(frame);
    if (self->stories)
        keep_bytes(self, &result, self->encoded, size);
    precis_summary_clear(&summary);
    return frame;
}

zframe_t *precis_summarize_worker_handle(void *state, zframe_t *input)
{
    return precis_summarize_worker_handle_bytes(state, zframe_data(input),
                                                zframe_size(input));
}

zframe_t *precis_summarize_worker_handle_bytes(void *state, const void *data, size_t size)
{
    precis_summarize_worker_t *self = state;
    char error[PRECIS_ERROR_SIZE], ignored[PRECIS_ERROR_SIZE];
    char title[PRECIS_MAX_FIELD + 1], lang[32];
    /* On the stack, cleared after: a calloc and a free fewer an article. */
    precis_article_t decoded = {0}, *article = &decoded;
    zframe_t *output = NULL;
    precis_result_t *result = NULL;
    /* The text stays in the input, which outlives the article: no copy of
       it (2.3 KB a BBC article, a large allocation each). */
    if (precis_article_decode_borrowing(article, data, size, 0, error) == 0) {
        terminate(&article->title, title, sizeof title);
        terminate(&article->lang, lang, sizeof lang);
        if (article->explain)
            result = precis_summarize_worker_article(self, article);
        else
            output = summary_frame(self, article, &result);
    } else {
        /* An error result from normalize travels on to the sink as it is. */
        precis_result_t *passing = precis_result_decode(data, size, ignored);
        if (passing && passing->kind == PRECIS_RESULT_ERROR)
            output = zframe_new(data, size);
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
        keep_encoded(self, &result, zframe_data(output), zframe_size(output));
    }
    precis_article_clear(article);
    return output;
}

/* A test article: id, key "k-" id, url https://example.com/ id, title and
   text as given. */
static precis_article_t *test_article(const char *id, const char *title, const char *text)
{
    precis_article_t *article = precis_article_new();
    char key[32], url[64];
    snprintf(key, sizeof key, "k-%s", id);
    snprintf(url, sizeof url, "https://example.com/%s", id);
    precis_str_set(&article->id, id, strlen(id));
    precis_str_set(&article->key, key, strlen(key));
    precis_str_set(&article->title, title, strlen(title));
    precis_str_set(&article->url, url, strlen(url));
    precis_str_set(&article->text, text, strlen(text));
    return article;
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
        precis_article_t *sent = test_article("f1", "Harbour ferries", text);
        precis_str_set(&sent->lang, "en", 2);
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

    /* The handler makes its frame without a result: the bytes are those of
       the result precis_summarize_worker_article makes for the article (its
       timing aside), every field included, for a hard-wrapped sentence and
       for a cut one; an exact copy sent again is answered from the bytes
       kept, the same. */
    const char *wrapped = "The harbour council approved the new ferry timetable on "
                          "Monday after a long and heated\r\ndebate in the town hall, "
                          "which lasted most of\nthe evening. Ferries will now run "
                          "every twenty minutes. A local baker welcomed it.";
    for (int words = 0; words <= 3; words += 3) {
        precis_summarize_worker_t *framed = precis_summarize_worker_new(&defaults);
        precis_summarize_worker_t *plain = precis_summarize_worker_new(&defaults);
        precis_article_t *sent = test_article("w1", "Ferries", wrapped);
        precis_str_set(&sent->source, "harbour-news", 12);
        precis_str_set(&sent->published, "2026-12-02T05:00:00Z", 20);
        sent->sentences = words ? 0 : 1;
        sent->words = words;
        sent->received_us = 77;
        sent->normalize_us = 5;
        size_t sent_size;
        void *sent_data = precis_article_encode(sent, &sent_size);
        zframe_t *frame = zframe_new(sent_data, sent_size);
        zframe_t *out = precis_summarize_worker_handle(framed, frame);
        zframe_t *again = precis_summarize_worker_handle(framed, frame);
        char reason[PRECIS_ERROR_SIZE];
        precis_result_t *got =
            out ? precis_result_decode(zframe_data(out), zframe_size(out), reason) : NULL;
        precis_result_t *copy =
            again ? precis_result_decode(zframe_data(again), zframe_size(again), reason)
                  : NULL;
        precis_result_t *want = precis_summarize_worker_article(plain, sent);
        /* The case meant: the first sentence, its line breaks spaces, or
           cut to 3 words. */
        bool same = got && copy && want && want->summary_count == 1 &&
                    want->scored[0].truncated == (words > 0) &&
                    strncmp(want->summary[0], "The harbour council", 19) == 0 &&
                    strlen(want->summary[0]) > (words ? 0 : 100) &&
                    strpbrk(want->summary[0], "\r\n") == NULL;
        if (same) {
            want->summarize_us = copy->summarize_us = got->summarize_us;
            zframe_t *expected = precis_result_frame(want);
            zframe_t *copied = precis_result_frame(copy);
            same = zframe_eq(out, expected) && zframe_eq(out, copied);
            zframe_destroy(&expected);
            zframe_destroy(&copied);
        }
        if (!same) {
            fprintf(stderr, "summarize worker: the frame is not the result's encoding\n");
            failures++;
        }
        precis_result_destroy(&got);
        precis_result_destroy(&copy);
        precis_result_destroy(&want);
        zframe_destroy(&out);
        zframe_destroy(&again);
        zframe_destroy(&frame);
        free(sent_data);
        precis_article_destroy(&sent);
        precis_summarize_worker_destroy(&framed);
        precis_summarize_worker_destroy(&plain);
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
