/*  precis_stopwords - function words of the languages precis knows.

    One open-addressing hash table holds every (language, word) pair; each
    word is also entered under PRECIS_LANG_UND, which makes that entry the
    union of the lists. Words are casefolded here the way the tokenizer
    folds tokens (utf8proc, one code point at a time), so that the lists
    can be written as the language is ("τους", "groß"), while the table
    holds what tokens look like ("τουσ", "gross"). Apostrophes are ASCII
    because the tokenizer folds them. What is a stop word of which language
    lives in the data files only (summarize/stopwords/), never here.
*/
#include "precis_stopwords.h"
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#define WORD_MAX 32 /* bytes; longer tokens are never looked up */

typedef struct {
    const char *word; /* casefolded, in the arena; NULL: empty slot */
    uint16_t len;
    int16_t lang;
    uint32_t set; /* UND entries: index of the word's language set */
} slot_t;

struct _precis_stopwords_t {
    slot_t *slots;
    size_t mask;    /* slot count - 1 (a power of two) */
    size_t *counts; /* per language id, 0 = the union */
    char *arena;    /* the casefolded words */
    size_t arena_used, arena_size;
    uint64_t *sets; /* per union word, set_words words: bit id of each language */
    size_t set_words, set_count;
};

/* FNV-1a over the language and the word. */
static uint32_t hash_word(precis_lang_id_t lang, const char *word, size_t len)
{
    uint32_t hash = (2166136261u ^ (uint32_t)lang) * 16777619u;
    for (size_t i = 0; i < len; i++)
        hash = (hash ^ (unsigned char)word[i]) * 16777619u;
    return hash ^ (hash >> 16);
}

static slot_t *find_slot(const precis_stopwords_t *self, precis_lang_id_t lang,
                         const char *word, size_t len)
{
    size_t index = hash_word(lang, word, len) & self->mask;
    while (self->slots[index].word &&
           !(self->slots[index].lang == lang && self->slots[index].len == len &&
             memcmp(self->slots[index].word, word, len) == 0))
        index = (index + 1) & self->mask;
    return &self->slots[index];
}

static bool is_space(char c)
{
    return c == ' ' || c == '\n' || c == '\t' || c == '\r';
}

/* The next word of a list at *pos (comments skipped); false at the end. */
static bool next_word(const char *list, size_t len, size_t *pos, const char **word_p,
                      size_t *word_len_p)
{
    size_t i = *pos;
    for (;;) {
        while (i < len && is_space(list[i]))
            i++;
        if (i < len && list[i] == '#') {
            while (i < len && list[i] != '\n')
                i++;
            continue;
        }
        break;
    }
    if (i >= len)
        return false;
    size_t start = i;
    while (i < len && !is_space(list[i]))
        i++;
    *word_p = list + start;
    *word_len_p = i - start;
    *pos = i;
    return true;
}

/* Casefolds word[0..len) onto the arena; returns the folded copy and its
   length in *folded_len_p. */
static const char *fold_word(precis_stopwords_t *self, const char *word, size_t len,
                             size_t *folded_len_p)
{
    char *start = self->arena + self->arena_used;
    size_t used = 0;
    utf8proc_ssize_t pos = 0;
    while ((size_t)pos < len) {
        utf8proc_int32_t codepoint, chars[8];
        utf8proc_ssize_t size = utf8proc_iterate((const utf8proc_uint8_t *)word + pos,
                                                 (utf8proc_ssize_t)len - pos, &codepoint);
        if (size <= 0)
            break; /* not UTF-8: the rest of the word is dropped */
        pos += size;
        utf8proc_ssize_t count =
            utf8proc_decompose_char(codepoint, chars, 8, UTF8PROC_CASEFOLD, NULL);
        if (count < 0 || count > 8) {
            chars[0] = codepoint;
            count = 1;
        }
        for (utf8proc_ssize_t i = 0; i < count; i++)
            if (self->arena_used + used + 4 <= self->arena_size)
                used += (size_t)utf8proc_encode_char(chars[i],
                                                     (utf8proc_uint8_t *)start + used);
    }
    self->arena_used += used;
    *folded_len_p = used;
    return start;
}

/* Enters the word under its language and under UND, whose entry keeps
   the set of the word's languages. */
static void add_word(precis_stopwords_t *self, precis_lang_id_t lang, const char *word,
                     size_t len)
{
    slot_t *slot = find_slot(self, lang, word, len);
    if (slot->word)
        return; /* listed twice */
    *slot = (slot_t){word, (uint16_t)len, (int16_t)lang, 0};
    self->counts[lang]++;
    slot_t *any = find_slot(self, PRECIS_LANG_UND, word, len);
    if (!any->word) {
        *any =
            (slot_t){word, (uint16_t)len, PRECIS_LANG_UND, (uint32_t)self->set_count++};
        self->counts[PRECIS_LANG_UND]++;
    }
    self->sets[any->set * self->set_words + (size_t)lang / 64] |= 1ull << (lang % 64);
}

/* Words of every list, an upper bound of the table's entries per copy;
   their bytes in *bytes_p. */
static size_t total_words(size_t *bytes_p)
{
    size_t total = 0;
    *bytes_p = 0;
    for (size_t id = 1; id <= precis_lang_count(); id++) {
        size_t len, pos = 0, word_len;
        const char *list = precis_lang_stopword_list((precis_lang_id_t)id, &len), *word;
        while (next_word(list, len, &pos, &word, &word_len)) {
            total++;
            *bytes_p += word_len;
        }
    }
    return total;
}

precis_stopwords_t *precis_stopwords_new(void)
{
    precis_stopwords_t *self = calloc(1, sizeof *self);
    assert(self);
    self->counts = calloc(precis_lang_count() + 1, sizeof *self->counts);
    /* Each word is entered twice (its language and the union); at most
       half full keeps probes short and the table small enough for the
       cache (16-byte slots, 512 KB for 6,000 words). */
    size_t bytes, words = total_words(&bytes), slots = 1024;
    while (slots < 4 * words)
        slots *= 2;
    self->mask = slots - 1;
    self->slots = calloc(slots, sizeof *self->slots);
    /* Casefolding makes a character at most three times longer (in code
       points, "ΐ"); four times the bytes is room enough. */
    self->arena_size = 4 * bytes + 16;
    self->arena = malloc(self->arena_size);
    self->set_words = (precis_lang_count() + 1 + 63) / 64;
    self->sets = calloc(words * self->set_words + 1, sizeof *self->sets);
    assert(self->counts && self->slots && self->arena && self->sets);
    for (size_t id = 1; id <= precis_lang_count(); id++) {
        size_t len, pos = 0, word_len;
        const char *list = precis_lang_stopword_list((precis_lang_id_t)id, &len), *word;
        while (next_word(list, len, &pos, &word, &word_len)) {
            size_t folded_len;
            const char *folded = fold_word(self, word, word_len, &folded_len);
            if (folded_len > 0 && folded_len <= WORD_MAX)
                add_word(self, (precis_lang_id_t)id, folded, folded_len);
        }
    }
    return self;
}

void precis_stopwords_destroy(precis_stopwords_t **self_p)
{
    assert(self_p);
    if (*self_p) {
        free((*self_p)->slots);
        free((*self_p)->counts);
        free((*self_p)->arena);
        free((*self_p)->sets);
        free(*self_p);
        *self_p = NULL;
    }
}

bool precis_stopwords_is(const precis_stopwords_t *self, precis_lang_id_t lang,
                         const char *word, size_t len)
{
    assert(self);
    if (len == 0 || len > WORD_MAX || lang < 0 || (size_t)lang > precis_lang_count())
        return false;
    return find_slot(self, lang, word, len)->word != NULL;
}

size_t precis_stopwords_languages(const precis_stopwords_t *self, const char *word,
                                  size_t len, precis_lang_id_t *ids)
{
    assert(self && ids);
    if (len == 0 || len > WORD_MAX)
        return 0;
    const slot_t *slot = find_slot(self, PRECIS_LANG_UND, word, len);
    if (!slot->word)
        return 0;
    size_t count = 0;
    const uint64_t *set = self->sets + (size_t)slot->set * self->set_words;
    for (size_t w = 0; w < self->set_words; w++)
        for (uint64_t bits = set[w]; bits; bits &= bits - 1)
            ids[count++] = (precis_lang_id_t)(w * 64 + (size_t)__builtin_ctzll(bits));
    return count;
}

size_t precis_stopwords_elision(const precis_stopwords_t *self, const char *word,
                                size_t len)
{
    for (size_t i = 1; i < len && i <= 5; i++)
        if (word[i] == '\'')
            return i + 2 <= len && precis_stopwords_is(self, PRECIS_LANG_UND, word, i + 1)
                       ? i + 1
                       : 0;
    return 0;
}

size_t precis_stopwords_count(const precis_stopwords_t *self, precis_lang_id_t lang)
{
    assert(self);
    return lang >= 0 && (size_t)lang <= precis_lang_count() ? self->counts[lang] : 0;
}

static bool is_stop(const precis_stopwords_t *self, const char *code, const char *word)
{
    return precis_stopwords_is(self, precis_lang_from_code(code), word, strlen(word));
}

int precis_stopwords_test(bool verbose)
{
    precis_stopwords_t *self = precis_stopwords_new();
    int failures = 0;
    struct {
        const char *code, *word;
        bool expected;
    } cases[] = {
        {"en", "the", true},       {"en", "doesn't", true},  {"en", "council", false},
        {"de", "und", true},       {"de", "über", true},     {"de", "the", false},
        {"fr", "les", true},       {"fr", "été", true},      {"es", "según", true},
        {"it", "della", true},     {"pt", "não", true},      {"nl", "niet", true},
        {"nl", "fiets", false},    {"und", "the", true},     {"und", "und", true},
        {"und", "harbour", false}, {"ru", "в", true},        {"ru", "мост", false},
        {"sv", "på", true},        {"el", "τουσ", true},     {"el", "τους", false},
        {"pl", "się", true},       {"xx", "harbour", false},
    };
    /* The lists are casefolded as tokens are: the table has "τουσ" (final
       sigma folded) for the list's "τους", as the tokenizer gives it. */
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (is_stop(self, cases[i].code, cases[i].word) != cases[i].expected) {
            failures++;
            if (verbose)
                printf("stopwords: \"%s\" in %s should be %s\n", cases[i].word,
                       cases[i].code, cases[i].expected ? "a stop word" : "none");
        }
    }
    /* "de" is a stop word in several languages at once, not in English. */
    if (!is_stop(self, "fr", "de") || !is_stop(self, "es", "de") ||
        !is_stop(self, "nl", "de") || is_stop(self, "en", "de")) {
        failures++;
        if (verbose)
            printf("stopwords: \"de\" wrong\n");
    }
    /* Every list loads and is of a useful size; the union holds them all. */
    size_t largest = 0;
    for (size_t id = 1; id <= precis_lang_count(); id++) {
        size_t count = precis_stopwords_count(self, (precis_lang_id_t)id);
        largest = count > largest ? count : largest;
        if (count < 50) {
            failures++;
            if (verbose)
                printf("stopwords: %s has only %zu words\n",
                       precis_lang_code((precis_lang_id_t)id), count);
        }
    }
    if (precis_stopwords_count(self, PRECIS_LANG_UND) <= largest ||
        precis_stopwords_count(self, -1) != 0 ||
        precis_stopwords_is(self, PRECIS_LANG_UND, "", 0)) {
        failures++;
        if (verbose)
            printf("stopwords: union or bounds wrong\n");
    }
    /* "de" again, as a set of languages. */
    precis_lang_id_t ids[256];
    size_t found = precis_stopwords_languages(self, "de", 2, ids);
    bool french = false, english = false;
    for (size_t i = 0; i < found; i++) {
        french |= ids[i] == precis_lang_from_code("fr");
        english |= ids[i] == precis_lang_from_code("en");
    }
    if (found < 3 || !french || english ||
        precis_stopwords_languages(self, "harbour", 7, ids) != 0) {
        failures++;
        if (verbose)
            printf("stopwords: languages of \"de\" wrong (%zu)\n", found);
    }
    /* Elided articles are found; English contractions are not elisions. */
    if (precis_stopwords_elision(self, "l'homme", 7) != 2 ||
        precis_stopwords_elision(self, "dell'anno", 9) != 5 ||
        precis_stopwords_elision(self, "don't", 5) != 0 ||
        precis_stopwords_elision(self, "l'", 2) != 0) {
        failures++;
        if (verbose)
            printf("stopwords: elision wrong\n");
    }
    precis_stopwords_destroy(&self);
    return failures ? 1 : 0;
}
