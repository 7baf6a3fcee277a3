/*  precis_summarizer - extractive summarization of one article.

    The steps of a run, each a small function below:

    1. pick the language: the caller's, or detected on the raw text
       (precis_lang_detect: a decisive stop-word vote, else CLD2);
    2. split the text into sentences in that language (precis_split_lang);
    3. tokenize every sentence once; each casefolded token is looked up once
       in the vocabulary, which caches its stop-word flag and stem for the
       language in use;
    4. turn tokens into local term ids: stop words of the language dropped,
       the rest stemmed through the stemmer's cache and numbered
       0..terms-1 for this article;
    5. build one sparse TF-IDF vector per sentence (IDF over the article's
       sentences) and the cosine similarity graph between sentences;
    6. rank sentences by LexRank (power iteration, fixed iteration cap and
       convergence threshold) and combine the rank with a position prior,
       overlap with the title, and penalties for boilerplate (bylines, photo
       captions, time stamps), very short and very long sentences;
    7. select greedily by score with MMR redundancy control, within the
       length budget, and return the selection in document order;
    8. keywords: the top stems by frequency, title and early occurrence,
       each shown as its most frequent surface form.

    All scratch memory lives in the summarizer object and is reused from one
    article to the next, so a run allocates only the split's span array and
    the result. Ties are broken by sentence index, so results depend on the
    input only.

    Word budget: a summary never has more words (runs of non-space
    characters) than options->words. When no sentence fits, the summary is
    the best-scored sentence cut to the budget, since it is never empty. In
    scripts written without spaces (Chinese, Japanese, Thai...) a run of
    non-space characters is a clause, so a run that holds a dictionary word
    of such a script (a segmented token) counts as the tokens in it instead:
    each dictionary word, number and Latin word (segmented_words).

    Cutting: a sentence of more than PRECIS_LONG_SENTENCE_WORDS words (text
    without sentence punctuation, which the splitter cannot break) counts
    in the summary, and in the budget, as its first part only; scores still
    come from the whole sentence. The cut goes at the last clause boundary
    that keeps at least half of the words allowed: after ';' or ':', after
    a comma followed by a conjunction ("and", "but", "which", ...), or
    before a dash standing between spaces; in segmented text, before an
    ideographic comma, comma, semicolon or colon (，、；：). With none there
    it goes after the last word that fits. A cut sentence is marked
    truncated; its span is a prefix of the sentence without the trailing
    punctuation.
*/
#include "precis_summarizer.h"
#include "precis_lang.h"
#include "precis_lang_samples.h"
#include "precis_splitter.h"
#include "precis_stemmer.h"
#include "precis_stopwords.h"
#include "precis_tokenizer.h"
#include "precis_vocab.h"
#include <assert.h>
#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <utf8proc.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define NO_TERM UINT32_MAX

/* Above this many sentences the similarity matrix is not built (it grows
   as the square); centrality is then similarity to the article centroid. */
#define MATRIX_MAX 1500

#define KEYWORDS_MAX 10

/* Languages the vocabulary caches stems and stop-word flags for at once
   (every language with a list, and some without); a worker that meets
   more clears its vocabulary. */
#define LANG_NUMBERS 63

/* Words the vocabulary keeps before it is flushed between articles. News
   in one language uses a few tens of thousands of words (35,000 in the BBC
   set of 2,225 articles), but names, numbers and typos never stop coming,
   so without a bound a long-running worker would grow. At this bound the
   vocabulary holds about 3.5 MB (128K slots of 16 bytes, records, text)
   and the stemmer's cache, flushed at the same count, about 4 MB: a worker
   stays near 20 MB (bench/soak). A flush costs a few milliseconds of
   stemming the common words again. */
#define VOCAB_LIMIT 50000

/* Scoring parameters: one configuration for every kind of news. */
#ifdef PRECIS_TUNING
#define TUNABLE
#else
#define TUNABLE const
#endif
static TUNABLE struct {
    double damping;          /* LexRank damping factor */
    double iterations;       /* power iteration cap */
    double epsilon;          /* power iteration convergence (L1 change) */
    double weight_rank;      /* LexRank centrality, 1 for the most central sentence */
    double weight_position;  /* position prior, 1 for the first sentence ... */
    double position_decay;   /* ... 1 / (1 + index / decay) for the others */
    double share;            /* the lead matters most in short summaries: above this
                                share of the article's sentences, the prior's weight
                                falls as share / summary share */
    double weight_first;     /* the first sentence that is not page furniture */
    double weight_title;     /* share of the title's IDF mass in the sentence */
    double weight_length;    /* longer sentences carry more facts ... */
    double length_words;     /* ... up to this many words */
    double weight_frequency; /* mean article frequency of the sentence's terms */
    double redundancy;       /* MMR: score minus this times max similarity */
    double duplicate;        /* similarity above which a sentence is redundant */
    double short_words;      /* sentences with fewer words are penalized */
    double long_words;       /* sentences with more words are penalized */
    double unclosed;         /* factor for a sentence without final punctuation */
    double question;         /* factor for a question */
    double quote;            /* factor for a sentence that opens with a quote */
} params = {
    /* One configuration for all news; chosen on CNN/DailyMail (3 sentences)
       and BBC (40%) test sets together, preferring values where scores are
       flat around them. */
    .damping = 0.85,      .iterations = 60,       .epsilon = 1e-4,
    .weight_rank = 1.0,   .weight_position = 4.0, .position_decay = 1.0,
    .share = 0.12,        .weight_first = 1.0,    .weight_title = 0.3,
    .weight_length = 0.4, .length_words = 25,     .weight_frequency = 0.3,
    .redundancy = 0.4,    .duplicate = 0.65,      .short_words = 6,
    .long_words = 40,     .unclosed = 0.7,        .question = 0.8,
    .quote = 1.0,
};

#ifdef PRECIS_TUNING
/* Development only: PRECIS_PARAMS="name=value,..." overrides parameters. */
static void tuning_init(void)
{
    static const struct {
        const char *name;
        double *value;
    } names[] = {
        {"damping", &params.damping},       {"iterations", &params.iterations},
        {"rank", &params.weight_rank},      {"position", &params.weight_position},
        {"decay", &params.position_decay},  {"title", &params.weight_title},
        {"length", &params.weight_length},  {"length_words", &params.length_words},
        {"redundancy", &params.redundancy}, {"duplicate", &params.duplicate},
        {"short", &params.short_words},     {"long", &params.long_words},
        {"unclosed", &params.unclosed},     {"question", &params.question},
        {"quote", &params.quote},           {"first", &params.weight_first},
        {"share", &params.share},           {"frequency", &params.weight_frequency},
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
#endif

/* A token of the article (or title). */
typedef struct {
    uint32_t start, len; /* source bytes */
    uint32_t word;       /* number in self->vocab */
    uint32_t term;       /* local term id, NO_TERM for none */
    uint32_t sentence;
    bool letter;    /* has a letter: not a number */
    bool single;    /* one byte long */
    bool segmented; /* a dictionary word of a script written without spaces */
    bool grammar;   /* segmented and most likely a particle or ending: no keyword */
} token_t;

/* A sentence and its features. */
typedef struct {
    uint32_t start, len;
    uint32_t token_first, token_count;
    uint32_t entry_first, entry_count; /* its sparse vector in self->entries */
    uint32_t words;              /* runs of non-space characters, or segmented_words */
    uint32_t cut_len, cut_words; /* what a summary takes: all of it, or the
                                    first part of a long sentence */
    bool segmented;              /* has segmented tokens: words by segmented_words */
    double rank, frequency, score, penalty, title;
    double redundancy; /* max similarity to a selected sentence */
    bool selected, excluded;
    bool furniture; /* contains a furniture phrase */
} sentence_t;

/* One non-zero of a sentence vector. */
typedef struct {
    uint32_t term;
    float weight;
} entry_t;

/* A term of this article. */
typedef struct {
    uint32_t global; /* stemmer's id */
    uint32_t df;     /* sentences containing it */
    uint32_t tf;     /* occurrences in the article */
    uint32_t first;  /* first token (for keyword surface forms and ties) */
    uint32_t first_sentence;
    uint32_t last_sentence;
    uint32_t entry; /* its entry in the sentence being built */
    double idf;
    bool in_title, has_letter; /* has_letter: some occurrence may be a keyword */
    uint8_t keyword; /* 1 + its place among the keywords, while choosing forms */
} term_t;

/* Growable arrays of the scratch memory. */
#define RESERVE(array, capacity, needed)                                                 \
    do {                                                                                 \
        if ((needed) > (capacity)) {                                                     \
            size_t wanted_ = (capacity) ? (capacity) : 64;                               \
            while (wanted_ < (needed))                                                   \
                wanted_ *= 2;                                                            \
            (array) = realloc((array), wanted_ * sizeof *(array));                       \
            assert(array);                                                               \
            (capacity) = wanted_;                                                        \
        }                                                                                \
    } while (0)

struct _precis_summarizer_t {
    precis_tokenizer_t *tokenizer;
    precis_stopwords_t *stopwords;
    precis_lang_t *lang;
    precis_stemmer_t *stemmer;

    const char *text; /* the article being summarized */
    double wanted;    /* summary length in sentences (estimated for a word budget) */
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
    double *dense; /* per local term scratch, kept all zero between uses */
    size_t dense_cap;
    float *matrix; /* sentence similarities, row-major */
    size_t matrix_cap;
    double *rank_next, *row_sum;
    size_t rank_cap;
    uint32_t *order;
    size_t order_cap;
};

/* Phrases of page furniture: bylines, time stamps, photo credits, calls
   to share or subscribe. Each starts a word. */
#define PHRASE(text)                                                                     \
    {                                                                                    \
        text, sizeof text - 1                                                            \
    }
static const struct {
    const char *text;
    size_t len;
} furniture[] = {
    PHRASE("PUBLISHED:"),      PHRASE("UPDATED:"),
    PHRASE("Last updated"),    PHRASE("Daily Mail Reporter"),
    PHRASE("Follow @"),        PHRASE("CLICK HERE"),
    PHRASE("Click here"),      PHRASE("click here"),
    PHRASE("Scroll down"),     PHRASE("scroll down"),
    PHRASE("READ MORE"),       PHRASE("Read more:"),
    PHRASE("Sign up"),         PHRASE("All rights reserved"),
    PHRASE("Copyright"),       PHRASE("Photo:"),
    PHRASE("Photograph:"),     PHRASE("Picture:"),
    PHRASE("Pictures:"),       PHRASE("Image:"),
    PHRASE("Credit:"),         PHRASE("Getty Images"),
    PHRASE("AP Photo"),        PHRASE("(Photo"),
    PHRASE("Share this"),      PHRASE("E-mail to a friend"),
    PHRASE("Watch the video"), PHRASE("Video:"),
    PHRASE("VIDEO:"),
};
#define FURNITURE_COUNT (sizeof furniture / sizeof furniture[0])

/* For each byte, the furniture phrases that start with it (bit k: phrase k). */
static uint32_t furniture_first[256];

/* Natural logarithms of small counts, which is most of them. */
static double log_table[64];

static double small_log(uint32_t count)
{
    return count < 64 ? log_table[count] : log((double)count);
}

/* Fills the tables shared by every summarizer (once, from precis_summarizer_new). */
static void tables_init(void)
{
    for (int i = 1; i < 64; i++)
        log_table[i] = log((double)i);
    for (size_t k = 0; k < FURNITURE_COUNT; k++)
        furniture_first[(unsigned char)furniture[k].text[0]] |= 1u << k;
}

/* True when a furniture phrase starts at text[i] (i < len). */
static bool furniture_at(const char *text, size_t len, size_t i)
{
    uint32_t phrases = furniture_first[(unsigned char)text[i]];
    while (phrases) {
        int k = __builtin_ctz(phrases);
        phrases &= phrases - 1;
        if (furniture[k].len <= len - i && text[i + 1] == furniture[k].text[1] &&
            memcmp(text + i, furniture[k].text, furniture[k].len) == 0)
            return true;
    }
    return false;
}

static inline bool is_space(unsigned char c)
{
    return c <= ' ' && (c == ' ' || c == '\n' || c == '\t' || c == '\r');
}

/* The bits set in a 16-bit mask (__builtin_popcount is a libgcc call
   unless the target has POPCNT). */
static inline uint32_t bits16(uint32_t mask)
{
    mask = mask - ((mask >> 1) & 0x5555u);
    mask = (mask & 0x3333u) + ((mask >> 2) & 0x3333u);
    mask = (mask + (mask >> 4)) & 0x0f0fu;
    return (mask + (mask >> 8)) & 0x1fu;
}

/* One pass over a sentence: counts its words (runs of non-space bytes) and
   tells whether a furniture phrase starts one of them. Sixteen bytes at a
   time where SSE2 is there (every x86-64): a bit mask of the spaces gives
   the word starts, a non-space after a space. */
static uint32_t scan_sentence(const char *text, size_t len, bool *furniture_p)
{
    uint32_t words = 0;
    bool found = false;
    uint32_t space_before = 1;
    size_t i = 0;
#ifdef __SSE2__
    const __m128i blank = _mm_set1_epi8(' '), newline = _mm_set1_epi8('\n'),
                  tab = _mm_set1_epi8('\t'), carriage = _mm_set1_epi8('\r');
    for (; i + 16 <= len; i += 16) {
        __m128i chunk = _mm_loadu_si128((const __m128i *)(const void *)(text + i));
        __m128i space = _mm_or_si128(
            _mm_or_si128(_mm_cmpeq_epi8(chunk, blank), _mm_cmpeq_epi8(chunk, newline)),
            _mm_or_si128(_mm_cmpeq_epi8(chunk, tab), _mm_cmpeq_epi8(chunk, carriage)));
        uint32_t spaces = (uint32_t)_mm_movemask_epi8(space);
        uint32_t starts = ~spaces & ((spaces << 1) | space_before) & 0xffffu;
        space_before = spaces >> 15;
        words += bits16(starts);
        for (; starts && !found; starts &= starts - 1)
            found = furniture_at(text, len, i + (size_t)__builtin_ctz(starts));
    }
#endif
    for (; i < len; i++) {
        uint32_t space = is_space((unsigned char)text[i]);
        if (space_before && !space) {
            words++;
            found = found || furniture_at(text, len, i);
        }
        space_before = space;
    }
    *furniture_p = found;
    return words;
}

/* Conjunctions that start a clause after a comma, in the languages whose
   news precis sees most; lower case, as written mid-sentence. */
static const char *const conjunctions[] = {
    "and",     "but",      "or",     "nor",     "so",    "yet",     "while",
    "whereas", "although", "though", "because", "which", "who",     "whose",
    "where",   "when",     "und",    "aber",    "oder",  "sondern", "et",
    "mais",    "ou",       "y",      "pero",    "e",     "ma",      "mentre",
};

static bool is_conjunction(const char *word, size_t len)
{
    for (size_t i = 0; i < sizeof conjunctions / sizeof conjunctions[0]; i++)
        if (strlen(conjunctions[i]) == len && memcmp(conjunctions[i], word, len) == 0)
            return true;
    return false;
}

/* A dash standing as a word of its own: "-", "--", an en or em dash. */
static bool is_dash(const char *word, size_t len)
{
    return (len == 1 && word[0] == '-') || (len == 2 && memcmp(word, "--", 2) == 0) ||
           (len == 3 && (memcmp(word, "\xe2\x80\x93", 3) == 0 ||
                         memcmp(word, "\xe2\x80\x94", 3) == 0));
}

/* The byte length of text[0..end) without trailing white space and clause
   punctuation (",;:"); end itself when that would leave nothing. */
static size_t trim_cut(const char *text, size_t end)
{
    size_t at = end;
    while (at > 0 && (is_space((unsigned char)text[at - 1]) || text[at - 1] == ',' ||
                      text[at - 1] == ';' || text[at - 1] == ':'))
        at--;
    return at ? at : end;
}

/* The next run of non-space characters (a word, as the budget counts them)
   in text[0..len) at or after *end_p: stores its span in *start_p, *end_p
   and returns true; false when there is none. */
static bool next_run(const char *text, size_t len, size_t *start_p, size_t *end_p)
{
    size_t i = *end_p;
    while (i < len && is_space((unsigned char)text[i]))
        i++;
    if (i == len)
        return false;
    *start_p = i;
    while (i < len && !is_space((unsigned char)text[i]))
        i++;
    *end_p = i;
    return true;
}

/* Where to cut text[0..len) (a sentence) so that at most limit words
   (limit >= 1) remain: see "Cutting" above. Returns the prefix's byte
   length and stores its words in *words_p. A text of limit words or fewer
   is returned whole. */
static uint32_t cut_point(const char *text, size_t len, uint32_t limit, uint32_t *words_p)
{
    size_t clause = 0;       /* end of the best clause prefix so far, 0: none */
    size_t fit = len;        /* end of word number limit */
    size_t previous_end = 0; /* end of the word before the current one */
    uint32_t words = 0;
    size_t start, i = 0;
    while (next_run(text, len, &start, &i)) {
        words++;
        const char *word = text + start;
        size_t word_len = i - start;
        /* Boundaries before this word: a dash, or a comma then a conjunction. */
        if (words > 1 && words - 1 >= (limit + 1) / 2 && words - 1 <= limit &&
            (is_dash(word, word_len) ||
             (text[previous_end - 1] == ',' && is_conjunction(word, word_len))))
            clause = previous_end;
        if (words > limit)
            break;
        if (words == limit)
            fit = i;
        /* A boundary after this word: it ends with ';' or ':'. */
        if (words >= (limit + 1) / 2 &&
            (word[word_len - 1] == ';' || word[word_len - 1] == ':'))
            clause = i;
        previous_end = i;
    }
    if (words <= limit) {
        *words_p = words;
        return (uint32_t)len;
    }
    size_t end = trim_cut(text, clause ? clause : fit);
    bool furniture;
    *words_p = scan_sentence(text, end, &furniture);
    return (uint32_t)end;
}

precis_summarizer_t *precis_summarizer_new(void)
{
    precis_summarizer_t *self = calloc(1, sizeof *self);
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
#ifdef PRECIS_TUNING
    tuning_init();
#endif
    return self;
}

void precis_summarizer_destroy(precis_summarizer_t **self_p)
{
    assert(self_p);
    precis_summarizer_t *self = *self_p;
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
    free(self->dense);
    free(self->matrix);
    free(self->rank_next);
    free(self->row_sum);
    free(self->order);
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
static bool tokenize(precis_summarizer_t *self, const char *text, size_t len,
                     uint32_t base, uint32_t sentence)
{
    bool segmented = false;
    size_t pos = 0;
    precis_token_t token;
    while (precis_tokenizer_next(self->tokenizer, text, len, &pos, &token)) {
        RESERVE(self->tokens, self->token_cap, self->token_count + 1);
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
   scan_sentence, unless a segmented token starts in it; then each token
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

/* cut_point for a sentence with segmented tokens: words counted as in
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

/* Where to cut the first len bytes of a sentence so that at most limit
   words remain (cut_point, or cut_segmented for segmented text). */
static uint32_t cut_sentence(precis_summarizer_t *self, const sentence_t *sentence,
                             size_t len, uint32_t limit, uint32_t *words_p)
{
    const char *text = self->text + sentence->start;
    if (!sentence->segmented)
        return cut_point(text, len, limit, words_p);
    return cut_segmented(text, len, sentence->start, self->tokens + sentence->token_first,
                         sentence->token_count, limit, words_p);
}

/* Steps 2 and 3: sentences and tokens. Returns the sentence count. */
static size_t split_and_tokenize(precis_summarizer_t *self, const precis_span_t *spans,
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
        bool segmented = tokenize(self, self->text + spans[i].start, spans[i].len,
                                  spans[i].start, (uint32_t)i);
        sentence->token_count = (uint32_t)(self->token_count - sentence->token_first);
        sentence->words = scan_sentence(self->text + spans[i].start, spans[i].len,
                                        &sentence->furniture);
        sentence->segmented = segmented;
        if (segmented)
            sentence->words = segmented_words(
                self->text + spans[i].start, spans[i].len, spans[i].start,
                self->tokens + sentence->token_first, sentence->token_count);
        sentence->cut_len = sentence->len;
        sentence->cut_words = sentence->words;
        if (sentence->words > PRECIS_LONG_SENTENCE_WORDS)
            sentence->cut_len =
                cut_sentence(self, sentence, sentence->len, PRECIS_LONG_SENTENCE_WORDS,
                             &sentence->cut_words);
    }
    return count;
}

/* Step 1: the language code to use, stored in code[8]: the caller's, or
   the one detected in text[0..len). */
static void choose_language(precis_summarizer_t *self, const char *wanted,
                            const char *text, size_t len, char *code)
{
    if (wanted && *wanted) {
        /* The primary subtag of a language tag ("pt" of "pt-BR"): ASCII
           letters only, since the code ends up in topics and messages;
           anything else is a language we do not know. */
        size_t i = 0;
        while (i < 7 && isalpha((unsigned char)wanted[i]) &&
               !((unsigned char)wanted[i] & 0x80)) {
            code[i] = (char)tolower((unsigned char)wanted[i]);
            i++;
        }
        code[i] = '\0';
        if (i == 0 || (wanted[i] && wanted[i] != '-' && wanted[i] != '_'))
            strcpy(code, "und");
        self->lang_id = precis_lang_from_code(code);
        return;
    }
    self->lang_id =
        precis_lang_detect(self->lang, self->stopwords, self->tokenizer, text, len, code);
}

/* Numbers the language for the vocabulary's term cache (1..LANG_NUMBERS).
   Returns true when that cleared the vocabulary (one language more), which
   makes the word numbers of tokens already read stale. */
static bool number_language(precis_summarizer_t *self, const char *code)
{
    for (uint16_t i = 0; i < self->lang_count; i++)
        if (strcmp(self->lang_codes[i], code) == 0) {
            self->lang_number = i + 1;
            return false;
        }
    bool cleared = false;
    if (self->lang_count == LANG_NUMBERS) { /* full: start over, forgetting terms */
        self->lang_count = 0;
        precis_vocab_clear(self->vocab);
        cleared = true;
    }
    strcpy(self->lang_codes[self->lang_count++], code);
    self->lang_number = self->lang_count;
    return cleared;
}

/* Fills a word's stop-word flag and term id for the language in use:
   stop words of the language (of every list when it has none) get no
   term. */
static void resolve_word(precis_summarizer_t *self, uint32_t number, precis_word_t *word)
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
static bool ignored(precis_summarizer_t *self, const token_t *token,
                    const precis_word_t *word)
{
    return token->single || (token->letter && word->stop);
}

/* The local id of a stemmer id, creating the local term when new. */
static uint32_t local_term(precis_summarizer_t *self, uint32_t global, uint32_t token)
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

/* Step 4: term ids for every token that is not ignored. */
static void assign_terms(precis_summarizer_t *self)
{
    self->generation++;
    if (self->generation == 0) { /* wrapped: stamps from long ago could match */
        memset(self->stamp, 0, self->global_cap * sizeof *self->stamp);
        self->generation = 1;
    }
    self->term_count = 0;
    for (size_t i = 0; i < self->token_count; i++) {
        token_t *token = &self->tokens[i];
        precis_word_t *word = precis_vocab_word(self->vocab, token->word);
        if (word->term_lang != self->lang_number)
            resolve_word(self, token->word, word);
        if (ignored(self, token, word))
            continue;
        token->term = local_term(self, word->term, (uint32_t)i);
        term_t *term = &self->terms[token->term];
        if (i < self->title_first) {
            term->tf++;
            term->has_letter |= token->letter && !token->grammar;
        } else
            term->in_title = true;
    }
}

/* Step 5a: sparse vectors, document frequencies, IDF and TF-IDF weights
   normalized to unit length. */
static void build_vectors(precis_summarizer_t *self)
{
    self->entry_count = 0;
    size_t n = self->sentence_count;
    for (size_t s = 0; s < n; s++) {
        sentence_t *sentence = &self->sentences[s];
        sentence->entry_first = (uint32_t)self->entry_count;
        for (size_t t = sentence->token_first;
             t < sentence->token_first + sentence->token_count; t++) {
            uint32_t id = self->tokens[t].term;
            if (id == NO_TERM)
                continue;
            term_t *term = &self->terms[id];
            if (term->last_sentence != s) {
                RESERVE(self->entries, self->entry_cap, self->entry_count + 1);
                term->last_sentence = (uint32_t)s;
                term->entry = (uint32_t)self->entry_count;
                term->df++;
                self->entries[self->entry_count++] = (entry_t){id, 0.0f};
            }
            self->entries[term->entry].weight += 1.0f;
        }
        sentence->entry_count = (uint32_t)(self->entry_count - sentence->entry_first);
    }
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

/* Adds (sign 1) or removes (sign 0) a sentence vector in self->dense. */
static void scatter(precis_summarizer_t *self, const sentence_t *sentence, bool add)
{
    const entry_t *entries = self->entries + sentence->entry_first;
    for (size_t e = 0; e < sentence->entry_count; e++)
        self->dense[entries[e].term] = add ? entries[e].weight : 0.0;
}

/* Dot product of a sentence vector with self->dense. */
static double dot_dense(precis_summarizer_t *self, const sentence_t *sentence)
{
    const entry_t *entries = self->entries + sentence->entry_first;
    double sum = 0;
    for (size_t e = 0; e < sentence->entry_count; e++)
        sum += entries[e].weight * self->dense[entries[e].term];
    return sum;
}

/* Step 5b: the cosine similarity matrix (vectors have unit length). */
static void build_matrix(precis_summarizer_t *self)
{
    size_t n = self->sentence_count;
    RESERVE(self->matrix, self->matrix_cap, n * n);
    for (size_t i = 0; i < n; i++) {
        self->matrix[i * n + i] = 0.0f;
        scatter(self, &self->sentences[i], true);
        for (size_t j = i + 1; j < n; j++) {
            float sim = (float)dot_dense(self, &self->sentences[j]);
            self->matrix[i * n + j] = sim;
            self->matrix[j * n + i] = sim;
        }
        scatter(self, &self->sentences[i], false);
    }
}

/* Step 6a: LexRank over the weighted similarity graph. A sentence with no
   edges spreads its rank evenly, as the random surfer would. */
static void lexrank(precis_summarizer_t *self)
{
    size_t n = self->sentence_count;
    double *next = self->rank_next, *row_sum = self->row_sum;
    for (size_t i = 0; i < n; i++) {
        self->sentences[i].rank = 1.0 / n;
        row_sum[i] = 0;
        for (size_t j = 0; j < n; j++)
            row_sum[i] += self->matrix[i * n + j];
    }
    for (int iteration = 0; iteration < params.iterations; iteration++) {
        double dangling = 0;
        for (size_t j = 0; j < n; j++)
            next[j] = 0;
        for (size_t i = 0; i < n; i++) {
            double rank = self->sentences[i].rank;
            if (row_sum[i] <= 0) {
                dangling += rank;
                continue;
            }
            double share = rank / row_sum[i];
            const float *row = self->matrix + i * n;
            for (size_t j = 0; j < n; j++)
                next[j] += share * row[j];
        }
        double change = 0;
        for (size_t j = 0; j < n; j++) {
            double rank =
                (1 - params.damping) / n + params.damping * (next[j] + dangling / n);
            change += fabs(rank - self->sentences[j].rank);
            self->sentences[j].rank = rank;
        }
        if (change < params.epsilon)
            break;
    }
}

/* Step 6a for long articles: similarity to the centroid of all sentences. */
static void centroid_rank(precis_summarizer_t *self)
{
    size_t n = self->sentence_count;
    for (size_t e = 0; e < self->entry_count; e++)
        self->dense[self->entries[e].term] += self->entries[e].weight;
    for (size_t i = 0; i < n; i++)
        self->sentences[i].rank = dot_dense(self, &self->sentences[i]);
    for (size_t e = 0; e < self->entry_count; e++)
        self->dense[self->entries[e].term] = 0;
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

/* True for "Published 3 May...", "Updated: 10:02", "Posted on ...": a
   publishing verb first, and a digit soon after. */
static bool starts_time_stamp(const char *text, size_t len)
{
    static const char *const verbs[] = {"Published", "Updated", "Posted",
                                        "Last modified"};
    for (size_t v = 0; v < sizeof verbs / sizeof verbs[0]; v++) {
        size_t verb_len = strlen(verbs[v]);
        if (len <= verb_len || strncasecmp(text, verbs[v], verb_len) != 0)
            continue;
        for (size_t i = verb_len; i < len && i < verb_len + 16; i++)
            if (text[i] >= '0' && text[i] <= '9')
                return true;
    }
    return false;
}

/* Penalty factor (1: none) for sentences that are page furniture rather
   than news: bylines, time stamps, photo credits and captions, calls to
   share or subscribe; and for very short or very long sentences. */
static double boilerplate_penalty(const char *text, size_t len, uint32_t words,
                                  bool furniture)
{
    if (furniture)
        return 0.05;
    /* "By Jane Doe ." and the like: a short line that starts with By. */
    if (len > 3 && memcmp(text, "By ", 3) == 0 && words <= 8)
        return 0.05;
    /* Time stamps ("Published 14 April, 18:42 | Updated ...") and other
       lines of fields separated by bars are page furniture too. */
    if (memchr(text, '|', len) || starts_time_stamp(text, len))
        return 0.05;
    double penalty = 1.0;
    if (words < params.short_words)
        penalty *= 0.3 + 0.1 * words;
    else if (words > params.long_words)
        penalty *= params.long_words / words;
    /* A caption or heading does not end like a sentence. */
    char last = len ? text[len - 1] : '.';
    bool closed = last == '.' || last == '!' || last == '?' || last == '"' ||
                  last == '\'' || last == ')' || (last & 0x80);
    if (!closed)
        penalty *= params.unclosed;
    if (last == '?' || (len > 1 && text[len - 2] == '?'))
        penalty *= params.question;
    /* Quoted speech: opens with a straight or curly quote. */
    if (len > 3 && (text[0] == '"' || text[0] == '\'' ||
                    (memcmp(text, "\xe2\x80", 2) == 0 &&
                     ((unsigned char)text[2] >= 0x98 && (unsigned char)text[2] <= 0x9f))))
        penalty *= params.quote;
    return penalty;
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
static double expected_length(precis_summarizer_t *self,
                              const precis_summary_options_t *options)
{
    size_t n = self->sentence_count;
    if (!(options && options->words > 0))
        return (double)wanted_sentences(options, n);
    size_t words = 0;
    for (size_t i = 0; i < n; i++)
        words += self->sentences[i].words;
    double average = words ? (double)words / n : 1;
    double wanted = options->words / average;
    return wanted < 1 ? 1 : wanted;
}

/* Step 6b: the combined score of every sentence. */
static void score_sentences(precis_summarizer_t *self)
{
    size_t n = self->sentence_count;
    double best_rank = 0;
    for (size_t i = 0; i < n; i++)
        if (self->sentences[i].rank > best_rank)
            best_rank = self->sentences[i].rank;
    /* Frequency (SumBasic-like): mean tf of a sentence's distinct terms. */
    double best_frequency = 0;
    for (size_t i = 0; i < n; i++) {
        sentence_t *sentence = &self->sentences[i];
        const entry_t *entries = self->entries + sentence->entry_first;
        double sum = 0;
        for (size_t e = 0; e < sentence->entry_count; e++)
            sum += self->terms[entries[e].term].tf;
        sentence->frequency = sentence->entry_count ? sum / sentence->entry_count : 0;
        if (sentence->frequency > best_frequency)
            best_frequency = sentence->frequency;
    }
    bool first_seen = false;
    double share = self->wanted / n;
    double weight_position =
        params.weight_position * (share > params.share ? params.share / share : 1.0);
    double title_mass = 0;
    for (size_t i = 0; i < self->term_count; i++)
        if (self->terms[i].in_title)
            title_mass += self->terms[i].idf;
    for (size_t i = 0; i < n; i++) {
        sentence_t *sentence = &self->sentences[i];
        double title = 0;
        if (title_mass > 0) {
            const entry_t *entries = self->entries + sentence->entry_first;
            for (size_t e = 0; e < sentence->entry_count; e++)
                if (self->terms[entries[e].term].in_title)
                    title += self->terms[entries[e].term].idf;
            title /= title_mass;
        }
        sentence->title = title;
        double rank = best_rank > 0 ? sentence->rank / best_rank : 0;
        double frequency = best_frequency > 0 ? sentence->frequency / best_frequency : 0;
        double first = 0;
        if (!first_seen && !sentence->furniture &&
            sentence->words >= params.short_words) {
            first = 1;
            first_seen = true;
        }
        double position = 1.0 / (1.0 + i / params.position_decay);
        double length = (sentence->words < params.length_words ? sentence->words
                                                               : params.length_words) /
                        params.length_words;
        sentence->penalty =
            boilerplate_penalty(self->text + sentence->start, sentence->len,
                                sentence->words, sentence->furniture);
        sentence->score =
            (params.weight_rank * rank + weight_position * position +
             params.weight_first * first + params.weight_frequency * frequency +
             params.weight_title * title + params.weight_length * length) *
            sentence->penalty;
    }
}

/* True when sentence i goes before j: higher score, then lower index. */
static bool before(const sentence_t *sentences, uint32_t i, uint32_t j)
{
    if (sentences[i].score != sentences[j].score)
        return sentences[i].score > sentences[j].score;
    return i < j;
}

/* Sorts self->order[0..n) by score (stable merge sort through scratch,
   no global state, so that summarizers may run in several threads). */
static void sort_by_score(precis_summarizer_t *self, size_t n)
{
    uint32_t *from = self->order, *to = self->order + n;
    for (size_t width = 1; width < n; width *= 2) {
        for (size_t low = 0; low < n; low += 2 * width) {
            size_t middle = low + width < n ? low + width : n;
            size_t high = low + 2 * width < n ? low + 2 * width : n;
            size_t a = low, b = middle, out = low;
            while (a < middle && b < high)
                to[out++] =
                    before(self->sentences, from[b], from[a]) ? from[b++] : from[a++];
            while (a < middle)
                to[out++] = from[a++];
            while (b < high)
                to[out++] = from[b++];
        }
        uint32_t *swap = from;
        from = to;
        to = swap;
    }
    if (from != self->order)
        memcpy(self->order, from, n * sizeof *self->order);
}

/* True when sentences a and b have the same text. */
static bool same_text(precis_summarizer_t *self, const sentence_t *a, const sentence_t *b)
{
    return a->len == b->len &&
           memcmp(self->text + a->start, self->text + b->start, a->len) == 0;
}

/* Marks sentence s selected and updates every sentence's redundancy. */
static void select_sentence(precis_summarizer_t *self, size_t s)
{
    sentence_t *chosen = &self->sentences[s];
    chosen->selected = true;
    scatter(self, chosen, true);
    for (size_t i = 0; i < self->sentence_count; i++) {
        sentence_t *other = &self->sentences[i];
        double sim = same_text(self, chosen, other) ? 1.0 : dot_dense(self, other);
        if (sim > other->redundancy)
            other->redundancy = sim;
    }
    scatter(self, chosen, false);
}

/* Step 7: MMR selection within the budget. Returns the count selected. */
static size_t select_sentences(precis_summarizer_t *self,
                               const precis_summary_options_t *options)
{
    size_t n = self->sentence_count;
    bool by_words = options && options->words > 0;
    size_t wanted = by_words ? n : wanted_sentences(options, n);
    size_t budget = by_words ? (size_t)options->words : SIZE_MAX;
    size_t selected = 0, used = 0;
    while (selected < wanted) {
        size_t best = SIZE_MAX;
        double best_value = -INFINITY;
        for (size_t k = 0; k < n; k++) {
            size_t i = self->order[k];
            sentence_t *sentence = &self->sentences[i];
            if (sentence->selected || sentence->excluded ||
                sentence->cut_words > budget - used)
                continue;
            if (selected > 0 && sentence->redundancy > params.duplicate)
                continue;
            double value = sentence->score - params.redundancy * sentence->redundancy;
            if (value > best_value) { /* strict: earlier in order wins ties */
                best_value = value;
                best = i;
            }
        }
        if (best == SIZE_MAX)
            break;
        select_sentence(self, best);
        used += self->sentences[best].cut_words;
        selected++;
    }
    if (selected == 0 && n > 0) {
        /* Nothing fits the word budget: the best sentence, cut to fit. */
        sentence_t *best = &self->sentences[self->order[0]];
        if (by_words) /* (with a count of sentences, one always fits) */
            best->cut_len = cut_sentence(self, best, best->cut_len, (uint32_t)budget,
                                         &best->cut_words);
        select_sentence(self, self->order[0]);
        selected = 1;
    }
    return selected;
}

/* Step 8: keyword score of a term. */
static double keyword_score(precis_summarizer_t *self, const term_t *term)
{
    uint32_t first_sentence = term->first_sentence;
    return term->tf * (term->in_title ? 1.5 : 1.0) + 1.0 / (1.0 + first_sentence);
}

/* The most frequent surface form among a keyword's first occurrences
   (ties: the earliest). */
static const token_t *surface_form(precis_summarizer_t *self, const uint32_t *seen,
                                   size_t count)
{
    const token_t *best = &self->tokens[seen[0]];
    size_t best_count = 0;
    for (size_t i = 0; i < count; i++) {
        const token_t *candidate = &self->tokens[seen[i]];
        size_t same = 0;
        for (size_t j = 0; j < count; j++) {
            const token_t *other = &self->tokens[seen[j]];
            same += other->len == candidate->len &&
                    memcmp(self->text + other->start, self->text + candidate->start,
                           other->len) == 0;
        }
        if (same > best_count) {
            best_count = same;
            best = candidate;
        }
    }
    return best;
}

/* Step 8: stores the keywords in summary, in one allocation. */
static void extract_keywords(precis_summarizer_t *self, precis_summary_t *summary)
{
    uint32_t top[KEYWORDS_MAX];
    double top_score[KEYWORDS_MAX];
    size_t count = 0;
    for (size_t i = 0; i < self->term_count; i++) {
        term_t *term = &self->terms[i];
        if (term->tf == 0 || !term->has_letter)
            continue;
        double score = keyword_score(self, term);
        /* Insertion into the top list; ties keep the earlier term. */
        size_t at = count;
        while (at > 0 && top_score[at - 1] < score)
            at--;
        if (at >= KEYWORDS_MAX)
            continue;
        size_t last = count < KEYWORDS_MAX ? count : KEYWORDS_MAX - 1;
        for (size_t k = last; k > at; k--) {
            top[k] = top[k - 1];
            top_score[k] = top_score[k - 1];
        }
        top[at] = (uint32_t)i;
        top_score[at] = score;
        if (count < KEYWORDS_MAX)
            count++;
    }
    if (count == 0)
        return;
    /* One pass collects the first occurrences of each keyword. */
    enum { SEEN_MAX = 16 };
    uint32_t seen[KEYWORDS_MAX][SEEN_MAX];
    size_t seen_count[KEYWORDS_MAX] = {0};
    for (size_t k = 0; k < count; k++)
        self->terms[top[k]].keyword = (uint8_t)(k + 1);
    for (size_t i = 0; i < self->title_first; i++) {
        uint32_t id = self->tokens[i].term;
        if (id == NO_TERM || !self->terms[id].keyword)
            continue;
        size_t k = self->terms[id].keyword - 1;
        if (seen_count[k] < SEEN_MAX)
            seen[k][seen_count[k]++] = (uint32_t)i;
    }
    const token_t *forms[KEYWORDS_MAX];
    size_t bytes = count * sizeof(char *);
    for (size_t k = 0; k < count; k++) {
        self->terms[top[k]].keyword = 0;
        forms[k] = surface_form(self, seen[k], seen_count[k]);
        bytes += forms[k]->len + 1;
    }
    char **keywords = malloc(bytes);
    assert(keywords);
    char *strings = (char *)(keywords + count);
    for (size_t k = 0; k < count; k++) {
        keywords[k] = strings;
        memcpy(strings, self->text + forms[k]->start, forms[k]->len);
        strings[forms[k]->len] = '\0';
        strings += forms[k]->len + 1;
    }
    summary->keywords = keywords;
    summary->keyword_count = count;
}

/* Grows the per-sentence and per-term scratch arrays. */
static void reserve_scratch(precis_summarizer_t *self)
{
    size_t n = self->sentence_count;
    RESERVE(self->rank_next, self->rank_cap, n);
    size_t rank_cap = self->rank_cap;
    self->row_sum = realloc(self->row_sum, rank_cap * sizeof *self->row_sum);
    assert(self->row_sum);
    RESERVE(self->order, self->order_cap, 2 * n); /* second half: sort scratch */
    if (self->term_count > self->dense_cap) {
        free(self->dense);
        self->dense_cap = self->term_count * 2;
        self->dense = calloc(self->dense_cap, sizeof *self->dense);
        assert(self->dense);
    }
}

/* Stores the selection in document order. */
static void store_selection(precis_summarizer_t *self, precis_summary_t *summary,
                            size_t selected)
{
    summary->selected = malloc(selected * sizeof *summary->selected);
    assert(summary->selected);
    for (size_t i = 0; i < self->sentence_count; i++) {
        sentence_t *sentence = &self->sentences[i];
        if (sentence->selected)
            summary->selected[summary->selected_count++] =
                (precis_selected_t){(uint32_t)i, sentence->score, sentence->start,
                                    sentence->cut_len, sentence->cut_len < sentence->len};
    }
}

int precis_summarizer_run(precis_summarizer_t *self, const char *title, const char *text,
                          size_t len, const precis_summary_options_t *options,
                          precis_summary_t *summary, const char **error_p)
{
    assert(self && summary && (text || len == 0));
    memset(summary, 0, sizeof *summary);
    if (error_p)
        *error_p = NULL;
    choose_language(self, options ? options->lang : NULL, text, len, summary->lang);
    /* The language is known before the split: abbreviations, quotation
       and sentence-end rules differ by language (precis_abbrev). */
    precis_span_t *spans = NULL;
    size_t n = len ? precis_split_lang(text, len, summary->lang, &spans) : 0;
    if (options && options->max_sentences > 0 && n > options->max_sentences) {
        free(spans);
        if (error_p)
            *error_p = "too many sentences";
        return -1;
    }
    /* Bounded memory: caches are flushed between articles when too big. */
    if (precis_stemmer_trim(self->stemmer) ||
        precis_vocab_size(self->vocab) > VOCAB_LIMIT)
        precis_vocab_clear(self->vocab);
    self->text = text;
    self->text_len = len;
    self->token_count = 0;
    split_and_tokenize(self, spans, n);
    self->title_first = self->token_count;
    if (title && *title) {
        /* Title tokens are kept after the article's, with sentence = n. */
        tokenize(self, title, strlen(title), 0, (uint32_t)n);
    }
    summary->sentence_count = n;
    if (n == 0) {
        free(spans);
        return 0;
    }
    precis_stemmer_select(self->stemmer, summary->lang);
    if (number_language(self, summary->lang)) {
        /* The vocabulary was cleared under the tokens: read them again. */
        self->token_count = 0;
        split_and_tokenize(self, spans, n);
        if (title && *title)
            tokenize(self, title, strlen(title), 0, (uint32_t)n);
    }
    free(spans);
    assign_terms(self);
    build_vectors(self);
    reserve_scratch(self);
    if (n <= MATRIX_MAX) {
        build_matrix(self);
        lexrank(self);
    } else
        centroid_rank(self);
    self->wanted = expected_length(self, options);
    score_sentences(self);
    for (size_t i = 0; i < n; i++)
        self->order[i] = (uint32_t)i;
    sort_by_score(self, n);
    size_t selected = select_sentences(self, options);
    store_selection(self, summary, selected);
    extract_keywords(self, summary);
    return 0;
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

/* Words of a summary. */
static size_t summary_words(const char *text, const precis_summary_t *summary)
{
    size_t words = 0;
    for (size_t i = 0; i < summary->selected_count; i++) {
        bool furniture;
        words += scan_sentence(text + summary->selected[i].start,
                               summary->selected[i].len, &furniture);
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

/* Long sentences are cut at the last clause boundary that keeps at least
   half of what is allowed, else at a word boundary. */
static void test_cut_points(bool verbose)
{
    struct {
        const char *joint; /* put after word number at */
        size_t at;
        uint32_t limit;
        const char *ends; /* the cut prefix ends with this */
    } cases[] = {
        {";", 60, 80, "w60"},             /* after a semicolon */
        {":", 45, 80, "w45"},             /* after a colon */
        {", and", 70, 80, "w70"},         /* a comma before a conjunction */
        {" \xe2\x80\x94", 55, 80, "w55"}, /* before an em dash */
        {" -", 79, 80, "w79"},            /* before a dash */
        {";", 10, 80, "w80"},             /* too early: the word boundary */
        {",", 60, 80, "w80"},             /* a comma alone is no boundary */
        {";", 20, 30, "w20"},             /* a budget of 30: half is 15 */
        {";", 90, 80, "w80"},             /* past the limit */
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        char text[2048];
        size_t len = 0;
        for (size_t w = 1; w <= 120; w++) {
            len += (size_t)snprintf(text + len, sizeof text - len, "%sw%zu",
                                    w > 1 ? " " : "", w);
            if (w == cases[c].at)
                len +=
                    (size_t)snprintf(text + len, sizeof text - len, "%s", cases[c].joint);
        }
        uint32_t words;
        uint32_t end = cut_point(text, len, cases[c].limit, &words);
        size_t ends = strlen(cases[c].ends);
        bool furniture;
        CHECK(end >= ends && memcmp(text + end - ends, cases[c].ends, ends) == 0 &&
                  text[end] != 'w' && words <= cases[c].limit &&
                  words == scan_sentence(text, end, &furniture),
              "cut case %zu: ends \"%.*s\", %u words", c, (int)(end < 12 ? end : 12),
              text + end - (end < 12 ? end : 12), words);
    }
    /* Short enough: whole. */
    uint32_t words;
    CHECK(cut_point("a b c", 5, 3, &words) == 5 && words == 3, "whole sentence cut");
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
    CHECK(precis_vocab_size(fresh->vocab) > VOCAB_LIMIT, "flood article not counted");
    run_checked(fresh, test_title, test_article, &options, &second, verbose);
    CHECK(precis_vocab_size(fresh->vocab) < 1000, "vocabulary not flushed: %zu words",
          precis_vocab_size(fresh->vocab));
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
        {test_german, NULL, "de"},  {test_french, NULL, "fr"},
        {test_unknown, NULL, "fi"}, {test_numbers, NULL, "und"},
        {test_numbers, "fi", "fi"}, {test_article, "EN-gb", "en"},
        {test_german, "xx", "xx"},  {test_slovak, NULL, "sk"},
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
    while (precis_tokenizer_next(self->tokenizer, keyword, strlen(keyword), &pos, &token))
        stop |= precis_stopwords_is(self->stopwords, id, token.folded, token.folded_len);
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
            CHECK(precis_stemmer_term(self->stemmer, sample->stem_a,
                                      strlen(sample->stem_a)) ==
                      precis_stemmer_term(self->stemmer, sample->stem_b,
                                          strlen(sample->stem_b)),
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
}

/* scan_sentence against a plain count, for every prefix of texts whose
   words and spaces straddle the sixteen-byte chunks, and furniture found
   wherever its word starts. */
static void test_scan(bool verbose)
{
    const char *texts[] = {
        ("  Two\tspaces lead,\r\nthen words  of  many lengths: a bb ccc dddd eeeee "
         "ffffff ggggggg hhhhhhhh iiiiiiiiiiiiiiiiiiiiiiiii j\n\n k "),
        "NoSpacesAtAllInThisRatherLongRunOfLettersThatGoesOnPastSixteen",
        "\xe2\x80\x9cQuoted\xe2\x80\x9d\xc2\xa0words\x01with\x7f odd bytes "};
    for (size_t t = 0; t < sizeof texts / sizeof texts[0]; t++) {
        size_t len = strlen(texts[t]);
        for (size_t prefix = 0; prefix <= len; prefix++) {
            uint32_t expected = 0;
            for (size_t i = 0; i < prefix; i++)
                expected += !is_space((unsigned char)texts[t][i]) &&
                            (i == 0 || is_space((unsigned char)texts[t][i - 1]));
            bool furniture;
            uint32_t words = scan_sentence(texts[t], prefix, &furniture);
            CHECK(words == expected && !furniture,
                  "scan of text %zu, %zu bytes: %u words, expected %u", t, prefix, words,
                  expected);
        }
    }
    char line[80];
    for (size_t at = 0; at < 40; at++) {
        memset(line, 'x', sizeof line);
        line[sizeof line - 1] = '\0';
        memcpy(line + at, " Getty Images", 13);
        bool furniture;
        scan_sentence(line, strlen(line), &furniture);
        CHECK(furniture, "furniture at byte %zu not found", at + 1);
        line[at + 1] = 'g'; /* "getty Images": not furniture */
        scan_sentence(line, strlen(line), &furniture);
        CHECK(!furniture, "furniture wrongly found at byte %zu", at + 1);
    }
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
        words += precis_tokenizer_count(
            self->tokenizer, text + summary->selected[i].start, summary->selected[i].len);
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
    /* Mixed runs: one word for a run without segmented words ("iPhone",
       "—"), each token for a run with them. */
    const char *mixed = "iPhone 15在北京发布 — 苹果说。";
    self->token_count = 0;
    tokenize(self, mixed, strlen(mixed), 0, 0);
    uint32_t words =
        segmented_words(mixed, strlen(mixed), 0, self->tokens, self->token_count);
    CHECK(words == 8, "mixed sentence: %u words, expected 8", words);
    self->token_count = 0;
}

int precis_summarizer_test(bool verbose)
{
    test_failures = 0;
    precis_summarizer_t *self = precis_summarizer_new(); /* fills the tables */
    test_scan(verbose);
    test_budgets(self, verbose);
    test_determinism(self, verbose);
    test_redundancy_and_ties(self, verbose);
    test_languages(self, verbose);
    test_every_language(self, verbose);
    test_edge_cases(self, verbose);
    test_furniture(self, verbose);
    test_single_letters(self, verbose);
    test_unpunctuated(self, verbose);
    test_cut_points(verbose);
    test_normal_article(self, verbose);
    test_segmented(self, verbose);
    precis_summarizer_destroy(&self);
    return test_failures ? 1 : 0;
}
