/*  precis_document - one article as the summarizer's steps read it (see
    the header). All scratch memory lives in the object and is reused from
    one article to the next, so a build allocates only the split's span
    array. */
#include "precis_document.h"
#include "precis_lang.h"
#include "precis_reserve.h"
#include "precis_splitter.h"
#include "precis_summarizer.h"
#include "precis_vocab.h"
#include "precis_words.h"
#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <utf8proc.h>

#define NO_TERM  PRECIS_NO_TERM
#define RESERVE  PRECIS_RESERVE
#define is_space precis_words_is_space
#define next_run precis_words_next
typedef precis_doc_token_t token_t;
typedef precis_doc_sentence_t sentence_t;
typedef precis_doc_entry_t entry_t;
typedef precis_doc_term_t term_t;

/* Languages the vocabulary caches stems and stop-word flags for at once
   (every language with a list, and some without); a document that meets
   more clears its vocabulary. */
#define LANG_NUMBERS 63

struct _precis_document_t {
    precis_tokenizer_t *tokenizer;
    precis_stopwords_t *stopwords;
    precis_lang_t *lang;
    precis_stemmer_t *stemmer;

    char error[128];  /* the reason of a refusal, with its numbers */
    const char *text; /* the article */
    size_t text_len;
    precis_lang_id_t lang_id;

    precis_vocab_t *vocab;
    char lang_codes[LANG_NUMBERS][8]; /* languages met, numbered 1.. for the vocabulary */
    uint16_t lang_count, lang_number;
    token_t *tokens;
    size_t token_count, title_first, token_cap;
    sentence_t *sentences;
    size_t sentence_count, sentence_cap;
    term_t *terms;
    size_t term_count, term_cap;
    entry_t *entries;
    size_t entry_count, entry_cap;
    uint32_t *local_of; /* stemmer id -> local term id, valid where stamp matches */
    uint32_t *stamp;
    size_t global_cap;
    uint32_t generation;
    /* Story signatures: the XXH3 of each vocabulary word (by number, the
       first word_hash_count words; reset with the vocabulary), and the
       text tokens' hashes of the last signature. */
    uint32_t *word_hashes, *token_hashes;
    size_t word_hash_count, word_hash_cap, token_hash_cap;
};

/* Natural logarithms of small counts, which is most of them. */
static double log_table[64];

static double small_log(uint32_t count)
{
    return count < 64 ? log_table[count] : log((double)count);
}

static void tables_init(void)
{
    for (int i = 1; i < 64; i++)
        log_table[i] = log((double)i);
}

precis_document_t *precis_document_new(void)
{
    precis_document_t *self = calloc(1, sizeof *self);
    assert(self);
    self->tokenizer = precis_tokenizer_new();
    self->stopwords = precis_stopwords_new();
    self->vocab = precis_vocab_new(self->stopwords);
    self->lang = precis_lang_new();
    self->stemmer = precis_stemmer_new();
    /* Never NULL, so that "entries + first" is defined even for an article
       in which no sentence has a term. */
    RESERVE(self->entries, self->entry_cap, 64);
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, tables_init);
    precis_words_init();
    return self;
}

void precis_document_destroy(precis_document_t **self_p)
{
    assert(self_p);
    precis_document_t *self = *self_p;
    if (!self)
        return;
    precis_tokenizer_destroy(&self->tokenizer);
    precis_vocab_destroy(&self->vocab);
    precis_stopwords_destroy(&self->stopwords);
    precis_lang_destroy(&self->lang);
    precis_stemmer_destroy(&self->stemmer);
    free(self->tokens);
    free(self->sentences);
    free(self->terms);
    free(self->entries);
    free(self->local_of);
    free(self->stamp);
    free(self->word_hashes);
    free(self->token_hashes);
    free(self);
    *self_p = NULL;
}

/* True for a segmented word that is more likely grammar than content:
   one letter with its marks (的, 了, の, Thai นี้), or hiragana alone
   (した, など, から: Japanese content words are mostly written in kanji or
   katakana). Such words still count for similarity, where their IDF
   weighs them down, but are not shown as keywords. */
static bool grammar_word(const char *text, size_t len)
{
    size_t letters = 0, hiragana = 0, pos = 0;
    while (pos < len) {
        utf8proc_int32_t codepoint;
        utf8proc_ssize_t size =
            utf8proc_iterate((const utf8proc_uint8_t *)text + pos,
                             (utf8proc_ssize_t)(len - pos), &codepoint);
        if (size <= 0)
            return false;
        pos += (size_t)size;
        utf8proc_category_t category = utf8proc_category(codepoint);
        if (category == UTF8PROC_CATEGORY_MN || category == UTF8PROC_CATEGORY_MC)
            continue;
        letters++;
        hiragana += codepoint >= 0x3041 && codepoint <= 0x309F;
    }
    return letters <= 1 || hiragana == letters;
}

/* Tokenizes text[0..len) (offsets relative to base) as sentence number
   sentence, appending to self->tokens. Returns true when a token is
   segmented (a script written without spaces). */
static bool tokenize(precis_document_t *self, const char *text, size_t len, uint32_t base,
                     uint32_t sentence)
{
    bool segmented = false;
    size_t pos = 0;
    precis_token_t token;
    /* A token has a byte at least: room for all of them at once, not a
       test a token. */
    RESERVE(self->tokens, self->token_cap, self->token_count + len);
    while (precis_tokenizer_next(self->tokenizer, text, len, &pos, &token)) {
        token_t *out = &self->tokens[self->token_count++];
        out->start = base + token.start;
        out->len = token.len;
        out->sentence = sentence;
        out->term = NO_TERM;
        out->word = precis_vocab_lookup(self->vocab, token.folded, token.folded_len);
        out->letter = token.has_letter;
        out->single = token.folded_len < 2;
        out->segmented = token.segmented;
        out->grammar = token.segmented && grammar_word(text + token.start, token.len);
        segmented |= token.segmented;
    }
    return segmented;
}

/* The words of a sentence text[0..len) (at base in the article) that has
   segmented tokens: a run of non-space characters counts one word, as in
   precis_words_scan, unless a segmented token starts in it; then each token
   that starts in it is a word. tokens[0..count) are the sentence's. */
static uint32_t segmented_words(const char *text, size_t len, uint32_t base,
                                const token_t *tokens, size_t count)
{
    uint32_t words = 0;
    size_t start, end = 0, t = 0;
    while (next_run(text, len, &start, &end)) {
        uint32_t in_run = 0;
        bool segmented = false;
        for (; t < count && tokens[t].start < base + end; t++) {
            in_run++;
            segmented |= tokens[t].segmented;
        }
        words += segmented ? in_run : 1;
    }
    return words;
}

/* True when text[0..len) starts with a clause mark of the scripts written
   without spaces: ideographic comma, fullwidth comma, semicolon or colon. */
static bool is_segmented_clause_mark(const char *text, size_t len)
{
    static const char *const marks[] = {"\xE3\x80\x81", "\xEF\xBC\x8C", "\xEF\xBC\x9B",
                                        "\xEF\xBC\x9A"};
    for (size_t m = 0; m < sizeof marks / sizeof *marks; m++)
        if (len >= 3 && memcmp(text, marks[m], 3) == 0)
            return true;
    return false;
}

/* precis_words_cut for a sentence with segmented tokens: words counted as in
   segmented_words, cuts at the end of a token. text[0..len) is at base in
   the article, tokens[0..count) are the sentence's. */
static uint32_t cut_segmented(const char *text, size_t len, uint32_t base,
                              const token_t *tokens, size_t count, uint32_t limit,
                              uint32_t *words_p)
{
    uint32_t words = 0;
    size_t clause = 0, fit = len, start, end = 0, t = 0;
    while (words <= limit && next_run(text, len, &start, &end)) {
        size_t first = t;
        bool segmented = false;
        for (; t < count && tokens[t].start < base + end; t++)
            segmented |= tokens[t].segmented;
        if (!segmented) {
            if (++words <= limit)
                fit = end;
        } else {
            for (size_t k = first; k < t && words <= limit; k++) {
                if (++words > limit)
                    break;
                size_t token_end = tokens[k].start + tokens[k].len - base;
                fit = token_end;
                if (words >= (limit + 1) / 2 &&
                    is_segmented_clause_mark(text + token_end, len - token_end))
                    clause = token_end;
            }
        }
    }
    if (words <= limit) {
        *words_p = words;
        return (uint32_t)len;
    }
    size_t cut = clause ? clause : fit;
    *words_p = segmented_words(text, cut, base, tokens, count);
    return (uint32_t)cut;
}

uint32_t precis_document_cut(const precis_document_t *self, size_t s, size_t len,
                             uint32_t limit, uint32_t *words_p)
{
    const sentence_t *sentence = &self->sentences[s];
    const char *text = self->text + sentence->start;
    if (!sentence->segmented)
        return precis_words_cut(text, len, limit, words_p);
    return cut_segmented(text, len, sentence->start, self->tokens + sentence->token_first,
                         sentence->token_count, limit, words_p);
}

static void assign_terms(precis_document_t *self, size_t first, size_t end, bool title);

/* Steps 2 and 3: sentences and tokens, with their terms (step 4). Returns
   the sentence count. */
static size_t split_and_tokenize(precis_document_t *self, const precis_span_t *spans,
                                 size_t count)
{
    RESERVE(self->sentences, self->sentence_cap, count);
    self->sentence_count = count;
    for (size_t i = 0; i < count; i++) {
        sentence_t *sentence = &self->sentences[i];
        memset(sentence, 0, sizeof *sentence);
        sentence->start = spans[i].start;
        sentence->len = spans[i].len;
        sentence->token_first = (uint32_t)self->token_count;
        /* A sentence has an entry for each distinct term of its tokens:
           room for all of them at once (a token has a byte at least). */
        RESERVE(self->entries, self->entry_cap, self->entry_count + spans[i].len);
        sentence->entry_first = (uint32_t)self->entry_count;
        bool segmented = tokenize(self, self->text + spans[i].start, spans[i].len,
                                  spans[i].start, (uint32_t)i);
        sentence->token_count = (uint32_t)(self->token_count - sentence->token_first);
        assign_terms(self, sentence->token_first, self->token_count, false);
        sentence->entry_count = (uint32_t)(self->entry_count - sentence->entry_first);
        sentence->words = precis_words_scan(self->text + spans[i].start, spans[i].len,
                                            &sentence->phrase);
        sentence->segmented = segmented;
        if (segmented)
            sentence->words = segmented_words(
                self->text + spans[i].start, spans[i].len, spans[i].start,
                self->tokens + sentence->token_first, sentence->token_count);
        sentence->cut_len = sentence->len;
        sentence->cut_words = sentence->words;
        if (sentence->words > PRECIS_LONG_SENTENCE_WORDS)
            sentence->cut_len = precis_document_cut(
                self, i, sentence->len, PRECIS_LONG_SENTENCE_WORDS, &sentence->cut_words);
    }
    return count;
}

/* Step 1: the language code to use, stored in code[8]: the caller's, or
   the one detected in text[0..len). */
static void choose_language(precis_document_t *self, const char *wanted, const char *text,
                            size_t len, char *code)
{
    if (wanted && *wanted) {
        /* The primary subtag of a language tag ("pt" of "pt-BR"): 2 or 3
           ASCII letters, since the code ends up in topics and messages;
           anything else ("english") is a language we do not know. Ingest
           refuses such codes (precis_article); the offline command's
           lines come here as they are. */
        size_t i = 0;
        while (i < 7 && isalpha((unsigned char)wanted[i]) &&
               !((unsigned char)wanted[i] & 0x80)) {
            code[i] = (char)tolower((unsigned char)wanted[i]);
            i++;
        }
        code[i] = '\0';
        if (i < 2 || i > 3 || (wanted[i] && wanted[i] != '-' && wanted[i] != '_'))
            strcpy(code, "und");
        self->lang_id = precis_lang_from_code(code);
        return;
    }
    self->lang_id =
        precis_lang_detect(self->lang, self->stopwords, self->tokenizer, text, len, code);
}

/* Numbers the language for the vocabulary's term cache (1..LANG_NUMBERS).
   One language more clears the vocabulary: called before the tokens are
   read, whose word numbers that would make stale. */
static void number_language(precis_document_t *self, const char *code)
{
    for (uint16_t i = 0; i < self->lang_count; i++)
        if (strcmp(self->lang_codes[i], code) == 0) {
            self->lang_number = i + 1;
            return;
        }
    if (self->lang_count == LANG_NUMBERS) { /* full: start over, forgetting terms */
        self->lang_count = 0;
        precis_vocab_clear(self->vocab);
        self->word_hash_count = 0;
    }
    strcpy(self->lang_codes[self->lang_count++], code);
    self->lang_number = self->lang_count;
}

/* Fills a word's stop-word flag and term id for the language in use:
   stop words of the language (of every list when it has none) get no
   term. */
static void resolve_word(precis_document_t *self, uint32_t number, precis_word_t *word)
{
    size_t len;
    const char *text = precis_vocab_text(self->vocab, number, &len);
    word->stop = precis_stopwords_is(self->stopwords, self->lang_id, text + word->elided,
                                     len - word->elided);
    if (!word->stop)
        word->term =
            precis_stemmer_term(self->stemmer, text + word->elided, len - word->elided);
    word->term_lang = self->lang_number;
}

/* True when the token is a stop word, or no use for matching. Single
   letters carry no meaning ("U" of "U.S."), single digits little, even
   where a language lists the letter as a stop word; numbers are never stop
   words. */
static bool ignored(const token_t *token, const precis_word_t *word)
{
    return token->single || (token->letter && word->stop);
}

/* The local id of a stemmer id, creating the local term when new. Inlined
   in assign_terms' loop, as it was when GCC chose (a call costs 10
   instructions a token more, callgrind). */
static inline __attribute__((always_inline)) uint32_t
local_term(precis_document_t *self, uint32_t global, uint32_t token)
{
    if (global >= self->global_cap) {
        size_t old = self->global_cap;
        size_t wanted = old ? old : 4096;
        while (wanted <= global)
            wanted *= 2;
        self->local_of = realloc(self->local_of, wanted * sizeof *self->local_of);
        self->stamp = realloc(self->stamp, wanted * sizeof *self->stamp);
        assert(self->local_of && self->stamp);
        memset(self->stamp + old, 0, (wanted - old) * sizeof *self->stamp);
        self->global_cap = wanted;
    }
    if (self->stamp[global] == self->generation)
        return self->local_of[global];
    RESERVE(self->terms, self->term_cap, self->term_count + 1);
    uint32_t local = (uint32_t)self->term_count++;
    term_t *term = &self->terms[local];
    memset(term, 0, sizeof *term);
    term->global = global;
    term->first = token;
    term->first_sentence = self->tokens[token].sentence;
    term->last_sentence = UINT32_MAX;
    self->stamp[global] = self->generation;
    self->local_of[global] = local;
    return local;
}

/* Step 4, before the tokens are read: a new set of local terms. */
static void begin_terms(precis_document_t *self)
{
    self->generation++;
    if (self->generation == 0) { /* wrapped: stamps from long ago could match */
        memset(self->stamp, 0, self->global_cap * sizeof *self->stamp);
        self->generation = 1;
    }
    self->term_count = 0;
}

/* Step 4 and 5a's counts for tokens[first..end), one sentence's or the
   title's, just read: the term id of each token that is not ignored; a
   text token counts in its term's tf and in its sentence's entry for the
   term (made at the term's first token in the sentence, df counting the
   sentences), a title token marks its term as the title's. */
static void assign_terms(precis_document_t *self, size_t first, size_t end, bool title)
{
    precis_word_t *words = precis_vocab_words(self->vocab); /* no word is added here */
    for (size_t i = first; i < end; i++) {
        token_t *token = &self->tokens[i];
        precis_word_t *word = &words[token->word];
        if (word->term_lang != self->lang_number)
            resolve_word(self, token->word, word);
        if (ignored(token, word))
            continue;
        uint32_t id = local_term(self, word->term, (uint32_t)i);
        token->term = id;
        term_t *term = &self->terms[id];
        if (title) {
            term->in_title = true;
            continue;
        }
        term->tf++;
        term->has_letter |= token->letter && !token->grammar;
        if (term->last_sentence != token->sentence) {
            term->last_sentence = token->sentence;
            term->entry = (uint32_t)self->entry_count;
            term->df++;
            self->entries[self->entry_count++] = (entry_t){id, 0.0f};
        }
        self->entries[term->entry].weight += 1.0f;
    }
}

/* Step 5a: IDF and TF-IDF weights normalized to unit length, from the
   counts the tokens left (assign_token). */
static void build_vectors(precis_document_t *self)
{
    size_t n = self->sentence_count;
    double log_n = log((double)(n + 1));
    for (size_t i = 0; i < self->term_count; i++) {
        term_t *term = &self->terms[i];
        term->idf = log_n - small_log(term->df ? term->df : 1);
    }
    for (size_t s = 0; s < n; s++) {
        sentence_t *sentence = &self->sentences[s];
        entry_t *entries = self->entries + sentence->entry_first;
        double norm = 0;
        for (size_t e = 0; e < sentence->entry_count; e++) {
            double weight = (1.0 + small_log((uint32_t)entries[e].weight)) *
                            self->terms[entries[e].term].idf;
            entries[e].weight = (float)weight;
            norm += weight * weight;
        }
        norm = norm > 0 ? 1.0 / sqrt(norm) : 0;
        for (size_t e = 0; e < sentence->entry_count; e++)
            entries[e].weight = (float)(entries[e].weight * norm);
    }
}

int precis_document_build(precis_document_t *self, const char *title, const char *text,
                          size_t len, const char *lang, size_t max_sentences,
                          char code[8], const char **error_p)
{
    assert(self && (text || len == 0));
    if (error_p)
        *error_p = NULL;
    choose_language(self, lang, text, len, code);
    /* The language is known before the split: abbreviations, quotation
       and sentence-end rules differ by language (precis_abbrev). */
    precis_span_t *spans = NULL;
    size_t n = len ? precis_split_lang(text, len, code, &spans) : 0;
    self->sentence_count = 0;
    self->token_count = self->title_first = self->term_count = self->entry_count = 0;
    self->text = text;
    self->text_len = len;
    if (max_sentences > 0 && n > max_sentences) {
        free(spans);
        /* The count and the limit, so that the sender knows what to raise
           (precis-summarize --max-sentences, precis summarize
           --max-sentences). */
        snprintf(self->error, sizeof self->error,
                 "too many sentences: %zu, above the limit of %zu (--max-sentences)", n,
                 max_sentences);
        if (error_p)
            *error_p = self->error;
        return -1;
    }
    /* Bounded memory: caches are flushed between articles when too big. */
    if (precis_stemmer_trim(self->stemmer) ||
        precis_vocab_size(self->vocab) > PRECIS_VOCAB_LIMIT) {
        precis_vocab_clear(self->vocab);
        self->word_hash_count = 0;
    }
    /* The language numbered before the tokens are read, which may clear
       the vocabulary (one language more): they get their terms as they
       come. */
    if (n > 0) {
        precis_stemmer_select(self->stemmer, code);
        number_language(self, code);
    }
    begin_terms(self);
    split_and_tokenize(self, spans, n);
    self->title_first = self->token_count;
    if (title && *title) /* title tokens after the article's, sentence = n */
        tokenize(self, title, strlen(title), 0, (uint32_t)n);
    free(spans);
    if (n == 0)
        return 0;
    assign_terms(self, self->title_first, self->token_count, true);
    build_vectors(self);
    return 0;
}

void precis_document_signature(precis_document_t *self, precis_minhash_t *signature)
{
    /* Words met since the last signature are hashed once, by number. */
    size_t words = precis_vocab_size(self->vocab);
    RESERVE(self->word_hashes, self->word_hash_cap, words);
    for (; self->word_hash_count < words; self->word_hash_count++) {
        size_t len;
        const char *text =
            precis_vocab_text(self->vocab, (uint32_t)self->word_hash_count, &len);
        self->word_hashes[self->word_hash_count] = precis_minhash_word(text, len);
    }
    size_t count = self->title_first; /* the text's tokens, not the title's */
    RESERVE(self->token_hashes, self->token_hash_cap, count);
    for (size_t t = 0; t < count; t++)
        self->token_hashes[t] = self->word_hashes[self->tokens[t].word];
    precis_minhash_words(signature, self->token_hashes, count);
}

const char *precis_document_text(const precis_document_t *self)
{
    return self->text;
}

size_t precis_document_sentence_count(const precis_document_t *self)
{
    return self->sentence_count;
}

const precis_doc_sentence_t *precis_document_sentences(const precis_document_t *self)
{
    return self->sentences;
}

const precis_doc_token_t *precis_document_tokens(const precis_document_t *self)
{
    return self->tokens;
}

size_t precis_document_title_first(const precis_document_t *self)
{
    return self->title_first;
}

size_t precis_document_term_count(const precis_document_t *self)
{
    return self->term_count;
}

const precis_doc_term_t *precis_document_terms(const precis_document_t *self)
{
    return self->terms;
}

const precis_doc_entry_t *precis_document_entries(const precis_document_t *self)
{
    return self->entries;
}

size_t precis_document_entry_count(const precis_document_t *self)
{
    return self->entry_count;
}

precis_tokenizer_t *precis_document_tokenizer(precis_document_t *self)
{
    return self->tokenizer;
}

precis_stopwords_t *precis_document_stopwords(precis_document_t *self)
{
    return self->stopwords;
}

precis_stemmer_t *precis_document_stemmer(precis_document_t *self)
{
    return self->stemmer;
}

size_t precis_document_vocab_size(precis_document_t *self)
{
    return precis_vocab_size(self->vocab);
}

/* --- Self test ------------------------------------------------------------ */

static int test_failures;

#define CHECK(condition, ...)                                                            \
    do {                                                                                 \
        if (!(condition)) {                                                              \
            test_failures++;                                                             \
            if (verbose)                                                                 \
                printf("document: " __VA_ARGS__), printf("\n");                          \
        }                                                                                \
    } while (0)

/* The term of a word of the text (its first token of that text), or
   NO_TERM. */
static uint32_t term_of(const precis_document_t *self, const char *word)
{
    for (size_t t = 0; t < self->title_first; t++)
        if (self->tokens[t].len == strlen(word) &&
            memcmp(self->text + self->tokens[t].start, word, strlen(word)) == 0)
            return self->tokens[t].term;
    return NO_TERM;
}

/* Sentences, words, terms (stop words dropped, stems shared), document
   frequencies, title terms and unit vectors of a small English article. */
static void test_english(precis_document_t *self, bool verbose)
{
    const char *text = "The harbour pier reopened on Monday. "
                       "Engineers rebuilt the pier after the storm. "
                       "Fishing boats returned to the harbour at noon.";
    char code[8];
    int rc = precis_document_build(self, "Storm-damaged pier reopens", text, strlen(text),
                                   NULL, 0, code, NULL);
    CHECK(rc == 0 && strcmp(code, "en") == 0, "build: %d, language %s", rc, code);
    CHECK(self->sentence_count == 3, "%zu sentences", self->sentence_count);
    CHECK(self->sentences[1].words == 7 && !self->sentences[1].phrase,
          "second sentence: %u words", self->sentences[1].words);
    uint32_t pier = term_of(self, "pier"), the = term_of(self, "The");
    uint32_t reopened = term_of(self, "reopened"), harbour = term_of(self, "harbour");
    CHECK(the == NO_TERM, "a stop word has a term");
    CHECK(pier != NO_TERM && self->terms[pier].df == 2 && self->terms[pier].tf == 2 &&
              self->terms[pier].in_title,
          "pier: df, tf or title wrong");
    CHECK(reopened != NO_TERM && self->terms[reopened].in_title, "reopened not stemmed "
                                                                 "as reopens");
    CHECK(harbour != NO_TERM && !self->terms[harbour].in_title &&
              self->terms[harbour].first_sentence == 0,
          "harbour: title or first sentence wrong");
    for (size_t s = 0; s < self->sentence_count; s++) {
        double norm = 0;
        const sentence_t *sentence = &self->sentences[s];
        for (size_t e = 0; e < sentence->entry_count; e++)
            norm += (double)self->entries[sentence->entry_first + e].weight *
                    self->entries[sentence->entry_first + e].weight;
        CHECK(fabs(norm - 1.0) < 1e-5, "sentence %zu: norm %f", s, norm);
    }
    /* Refused over max_sentences; the document is then empty. */
    const char *error = NULL;
    rc = precis_document_build(self, NULL, text, strlen(text), "en", 2, code, &error);
    CHECK(rc == -1 && error && self->sentence_count == 0, "max_sentences not refused");
}

/* Segmented text: a run without segmented words ("iPhone", "—") counts
   one word, a run with them each token; a long unpunctuated run is cut
   at a token end. */
static void test_segmented_words(precis_document_t *self, bool verbose)
{
    const char *mixed = "iPhone 15在北京发布 — 苹果说。";
    char code[8];
    precis_document_build(self, NULL, mixed, strlen(mixed), "zh", 0, code, NULL);
    CHECK(self->sentence_count == 1 && self->sentences[0].segmented &&
              self->sentences[0].words == 8,
          "mixed sentence: %u words, expected 8",
          self->sentence_count ? self->sentences[0].words : 0);
    char run[64 * 40];
    run[0] = '\0';
    for (int k = 0; k < 30; k++)
        strcat(run, k % 4 == 3 ? "市民说地铁很方便，" : "北京地铁新线路今天开通");
    precis_document_build(self, NULL, run, strlen(run), "zh", 0, code, NULL);
    CHECK(self->sentence_count == 1 &&
              self->sentences[0].words > PRECIS_LONG_SENTENCE_WORDS &&
              self->sentences[0].cut_words <= PRECIS_LONG_SENTENCE_WORDS &&
              self->sentences[0].cut_len < self->sentences[0].len,
          "long Chinese run not cut");
    uint32_t words;
    uint32_t end = precis_document_cut(self, 0, self->sentences[0].len, 10, &words);
    CHECK(words <= 10 && words >= 5 && end > 0 && end < self->sentences[0].len,
          "cut to 10 words: %u words", words);
}

/* The story signature is the one of the text's words: the title does not
   count, typography and case do not change it, and it stays the same when
   the vocabulary is cleared under it (word numbers reused by other
   words). */
static void test_signature(precis_document_t *self, bool verbose)
{
    const char *text = "The ferry crews said they would strike on Friday. The harbour "
                       "board asked both sides to meet again before the weekend.";
    char code[8];
    precis_minhash_t first, again, reference;
    precis_document_build(self, "Ferry strike", text, strlen(text), "en", 0, code, NULL);
    precis_document_signature(self, &first);
    precis_minhash_compute(&reference, text, strlen(text));
    CHECK(first.shingles == 17 &&
              memcmp(first.bins, reference.bins, sizeof first.bins) == 0,
          "signature of plain words: %u shingles, or bins not the text's",
          first.shingles);
    precis_document_build(self, "Another title", text, strlen(text), "en", 0, code, NULL);
    precis_document_signature(self, &again);
    CHECK(memcmp(first.bins, again.bins, sizeof first.bins) == 0, "the title counted");
    const char *upper = "THE FERRY CREWS SAID THEY WOULD STRIKE ON FRIDAY. The harbour "
                        "board asked both sides to meet again before the weekend.";
    precis_document_build(self, NULL, upper, strlen(upper), "en", 0, code, NULL);
    precis_document_signature(self, &again);
    CHECK(memcmp(first.bins, again.bins, sizeof first.bins) == 0, "case counted");
    /* "don’t" is one token, as "don't" is: 9 words, 5 shingles. */
    const char *apostrophe = "Crews don\xe2\x80\x99t sail on the harbour today at all.";
    const char *straight = "Crews don't sail on the harbour today at all.";
    precis_document_build(self, NULL, apostrophe, strlen(apostrophe), "en", 0, code,
                          NULL);
    precis_document_signature(self, &again);
    precis_document_build(self, NULL, straight, strlen(straight), "en", 0, code, NULL);
    precis_document_signature(self, &reference);
    CHECK(again.shingles == 5 &&
              memcmp(again.bins, reference.bins, sizeof again.bins) == 0,
          "a curly apostrophe counted (%u shingles)", again.shingles);
    /* Other words in as many languages as the vocabulary numbers, then
       the text in one more: the vocabulary is cleared while it is read. */
    for (int i = 0; i <= LANG_NUMBERS; i++) {
        char lang[8], other[64];
        snprintf(lang, sizeof lang, "x%c%c", 'a' + i / 26, 'a' + i % 26);
        snprintf(other, sizeof other, "Word%d number%d goes here and there.", i, i * 7);
        precis_document_build(self, NULL, other, strlen(other), lang, 0, code, NULL);
        precis_document_signature(self, &again);
    }
    precis_document_build(self, NULL, text, strlen(text), "en", 0, code, NULL);
    precis_document_signature(self, &again);
    CHECK(memcmp(first.bins, again.bins, sizeof first.bins) == 0,
          "the signature changed across a vocabulary clear");
    if (verbose && !test_failures)
        printf("document: signature checks passed\n");
}

int precis_document_test(bool verbose)
{
    test_failures = 0;
    precis_document_t *self = precis_document_new();
    test_english(self, verbose);
    test_segmented_words(self, verbose);
    test_signature(self, verbose);
    precis_document_destroy(&self);
    return test_failures ? 1 : 0;
}
