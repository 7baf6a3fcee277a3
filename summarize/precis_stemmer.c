/*  precis_stemmer - Snowball stems as integer term ids, with a cache.

    Two hash tables with open addressing share one byte arena for keys:
    words (language slot + word -> term id) and stems (language slot + stem
    -> term id). Term id i is the i-th stem entry, so an id gives its stem
    back without a third table. Keys start with the language slot byte so
    that one cache serves every language.
*/
#include "precis_stemmer.h"
#include <assert.h>
#include <libstemmer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LANGUAGES 64         /* Snowball has 29 stemmers; a slot is one key byte */
#define CACHE_LIMIT   50000      /* words remembered before a flush */
#define ARENA_LIMIT   (8u << 20) /* key bytes kept before a flush */

typedef struct {
    uint32_t hash;
    uint32_t offset; /* key bytes in the arena */
    uint32_t len;
    uint32_t value;
} entry_t;

typedef struct {
    entry_t *entries; /* in insertion order */
    size_t count, capacity;
    uint32_t *slots; /* 0: empty, else entry index + 1 */
    size_t mask;
} table_t;

typedef struct {
    char code[8];
    struct sb_stemmer *stemmer; /* NULL: Snowball has no such language */
} language_t;

struct _precis_stemmer_t {
    table_t words, stems;
    char *arena;
    size_t arena_used, arena_size;
    language_t languages[MAX_LANGUAGES];
    size_t language_count;
    int current;   /* slot in languages, -1 for none */
    char key[512]; /* scratch: slot byte + word */
};

static uint32_t hash_bytes(const char *bytes, size_t len)
{
    uint32_t hash = 2166136261u;
    for (size_t i = 0; i < len; i++)
        hash = (hash ^ (unsigned char)bytes[i]) * 16777619u;
    return hash ^ (hash >> 15);
}

static void table_init(table_t *table)
{
    table->count = 0;
    table->capacity = 1024;
    table->entries = malloc(table->capacity * sizeof *table->entries);
    table->mask = 2048 - 1;
    table->slots = calloc(table->mask + 1, sizeof *table->slots);
    assert(table->entries && table->slots);
}

static void table_free(table_t *table)
{
    free(table->entries);
    free(table->slots);
}

/* Doubles the slot array and re-inserts every entry. */
static void table_grow(table_t *table)
{
    free(table->slots);
    table->mask = table->mask * 2 + 1;
    table->slots = calloc(table->mask + 1, sizeof *table->slots);
    assert(table->slots);
    for (size_t i = 0; i < table->count; i++) {
        size_t index = table->entries[i].hash & table->mask;
        while (table->slots[index])
            index = (index + 1) & table->mask;
        table->slots[index] = (uint32_t)i + 1;
    }
}

/* Finds key; returns its entry or NULL, and the free slot in *slot_p. */
static entry_t *table_find(precis_stemmer_t *self, table_t *table, const char *key,
                           size_t len, uint32_t hash, size_t *slot_p)
{
    size_t index = hash & table->mask;
    while (table->slots[index]) {
        entry_t *entry = &table->entries[table->slots[index] - 1];
        if (entry->hash == hash && entry->len == len &&
            memcmp(self->arena + entry->offset, key, len) == 0)
            return entry;
        index = (index + 1) & table->mask;
    }
    *slot_p = index;
    return NULL;
}

/* Copies key into the arena and adds it to the table at slot. */
static void table_add(precis_stemmer_t *self, table_t *table, const char *key, size_t len,
                      uint32_t hash, size_t slot, uint32_t value)
{
    if (self->arena_used + len > self->arena_size) {
        while (self->arena_used + len > self->arena_size)
            self->arena_size *= 2;
        self->arena = realloc(self->arena, self->arena_size);
        assert(self->arena);
    }
    memcpy(self->arena + self->arena_used, key, len);
    if (table->count == table->capacity) {
        table->capacity *= 2;
        table->entries =
            realloc(table->entries, table->capacity * sizeof *table->entries);
        assert(table->entries);
    }
    table->entries[table->count] =
        (entry_t){hash, (uint32_t)self->arena_used, (uint32_t)len, value};
    self->arena_used += len;
    table->slots[slot] = (uint32_t)++table->count;
    if (table->count * 2 > table->mask)
        table_grow(table);
}

precis_stemmer_t *precis_stemmer_new(void)
{
    precis_stemmer_t *self = calloc(1, sizeof *self);
    assert(self);
    table_init(&self->words);
    table_init(&self->stems);
    self->arena_size = 1 << 16;
    self->arena = malloc(self->arena_size);
    assert(self->arena);
    self->current = -1;
    return self;
}

void precis_stemmer_destroy(precis_stemmer_t **self_p)
{
    assert(self_p);
    precis_stemmer_t *self = *self_p;
    if (!self)
        return;
    for (size_t i = 0; i < self->language_count; i++)
        if (self->languages[i].stemmer)
            sb_stemmer_delete(self->languages[i].stemmer);
    table_free(&self->words);
    table_free(&self->stems);
    free(self->arena);
    free(self);
    *self_p = NULL;
}

bool precis_stemmer_select(precis_stemmer_t *self, const char *code)
{
    assert(self);
    self->current = -1;
    if (!code || !*code || strcmp(code, "und") == 0 || strlen(code) >= 8)
        return false;
    for (size_t i = 0; i < self->language_count; i++)
        if (strcmp(self->languages[i].code, code) == 0) {
            self->current = self->languages[i].stemmer ? (int)i : -1;
            return self->current >= 0;
        }
    if (self->language_count == MAX_LANGUAGES)
        return false;
    /* Only languages Snowball has take a slot, so that clients naming
       languages it lacks cannot fill the table. */
    struct sb_stemmer *stemmer = sb_stemmer_new(code, "UTF_8");
    if (!stemmer)
        return false;
    language_t *language = &self->languages[self->language_count];
    strcpy(language->code, code);
    language->stemmer = stemmer;
    self->current = (int)self->language_count++;
    return true;
}

/* The id of a stem key (slot byte + stem), added when new. */
static uint32_t stem_id(precis_stemmer_t *self, const char *key, size_t len)
{
    uint32_t hash = hash_bytes(key, len);
    size_t slot;
    entry_t *entry = table_find(self, &self->stems, key, len, hash, &slot);
    if (entry)
        return entry->value;
    uint32_t id = (uint32_t)self->stems.count;
    table_add(self, &self->stems, key, len, hash, slot, id);
    return id;
}

uint32_t precis_stemmer_term(precis_stemmer_t *self, const char *word, size_t len)
{
    assert(self);
    if (len > sizeof self->key - 1)
        len = sizeof self->key - 1;
    self->key[0] = (char)(self->current + 1);
    memcpy(self->key + 1, word, len);
    uint32_t hash = hash_bytes(self->key, len + 1);
    size_t slot;
    entry_t *entry = table_find(self, &self->words, self->key, len + 1, hash, &slot);
    if (entry)
        return entry->value;
    uint32_t id;
    struct sb_stemmer *stemmer =
        self->current >= 0 ? self->languages[self->current].stemmer : NULL;
    const sb_symbol *stem =
        stemmer ? sb_stemmer_stem(stemmer, (const sb_symbol *)word, (int)len) : NULL;
    if (stem) {
        char stem_key[sizeof self->key];
        size_t stem_len = (size_t)sb_stemmer_length(stemmer);
        if (stem_len > sizeof stem_key - 1)
            stem_len = sizeof stem_key - 1;
        stem_key[0] = self->key[0];
        memcpy(stem_key + 1, stem, stem_len);
        id = stem_id(self, stem_key, stem_len + 1);
    } else
        id = stem_id(self, self->key, len + 1);
    /* stem_id may have grown the tables; the free slot must be found again. */
    table_find(self, &self->words, self->key, len + 1, hash, &slot);
    table_add(self, &self->words, self->key, len + 1, hash, slot, id);
    return id;
}

const char *precis_stemmer_stem(precis_stemmer_t *self, uint32_t id, size_t *len_p)
{
    assert(self && id < self->stems.count);
    entry_t *entry = &self->stems.entries[id];
    *len_p = entry->len - 1;
    return self->arena + entry->offset + 1;
}

size_t precis_stemmer_size(precis_stemmer_t *self)
{
    return self->stems.count;
}

bool precis_stemmer_trim(precis_stemmer_t *self)
{
    if (self->words.count < CACHE_LIMIT && self->arena_used < ARENA_LIMIT)
        return false;
    table_free(&self->words);
    table_free(&self->stems);
    table_init(&self->words);
    table_init(&self->stems);
    self->arena_used = 0;
    return true;
}

/* True when the two words get the same term id. */
static bool same(precis_stemmer_t *self, const char *a, const char *b)
{
    return precis_stemmer_term(self, a, strlen(a)) ==
           precis_stemmer_term(self, b, strlen(b));
}

int precis_stemmer_test(bool verbose)
{
    precis_stemmer_t *self = precis_stemmer_new();
    int failures = 0;
    if (!precis_stemmer_select(self, "en") || !same(self, "talks", "talking") ||
        !same(self, "council's", "council") || same(self, "talk", "tall")) {
        failures++;
        if (verbose)
            printf("stemmer: English stems wrong\n");
    }
    size_t len;
    uint32_t id = precis_stemmer_term(self, "running", 7);
    const char *stem = precis_stemmer_stem(self, id, &len);
    if (len != 3 || memcmp(stem, "run", 3) != 0) {
        failures++;
        if (verbose)
            printf("stemmer: stem of running is %.*s\n", (int)len, stem);
    }
    if (!precis_stemmer_select(self, "de") || !same(self, "häuser", "haus") ||
        !precis_stemmer_select(self, "fr") || !same(self, "continuer", "continuait")) {
        failures++;
        if (verbose)
            printf("stemmer: German or French stems wrong\n");
    }
    /* The same word in two languages gets two ids. */
    precis_stemmer_select(self, "en");
    uint32_t english = precis_stemmer_term(self, "station", 7);
    precis_stemmer_select(self, "fr");
    if (precis_stemmer_term(self, "station", 7) == english) {
        failures++;
        if (verbose)
            printf("stemmer: languages share ids\n");
    }
    /* No stemmer: words are their own stems; an unknown code selects none. */
    if (precis_stemmer_select(self, "und") || precis_stemmer_select(self, "xx") ||
        same(self, "talks", "talk") || !same(self, "talk", "talk")) {
        failures++;
        if (verbose)
            printf("stemmer: no-stemming mode wrong\n");
    }
    /* Many words: the tables grow and ids stay stable. */
    precis_stemmer_select(self, "en");
    char word[32];
    uint32_t first = precis_stemmer_term(self, "w0", 2);
    for (int i = 0; i < 20000; i++) {
        snprintf(word, sizeof word, "w%d", i);
        precis_stemmer_term(self, word, strlen(word));
    }
    if (precis_stemmer_term(self, "w0", 2) != first || precis_stemmer_trim(self)) {
        failures++;
        if (verbose)
            printf("stemmer: ids unstable\n");
    }
    /* Codes Snowball lacks take no language slot: after a hundred of
       them, Snowball's languages are still all available. */
    char code[8];
    for (int i = 0; i < 100; i++) {
        snprintf(code, sizeof code, "q%02d", i);
        precis_stemmer_select(self, code);
    }
    const char *snowball[] = {"ru", "sv", "ar", "hy", "eu", "ca", "da", "nl", "fi", "fr",
                              "de", "el", "hi", "hu", "id", "ga", "it", "lt", "ne", "no",
                              "pt", "ro", "sr", "es", "ta", "tr", "yi", "en"};
    for (size_t i = 0; i < sizeof snowball / sizeof snowball[0]; i++)
        if (!precis_stemmer_select(self, snowball[i])) {
            failures++;
            if (verbose)
                printf("stemmer: no stemmer for %s\n", snowball[i]);
        }
    if (!precis_stemmer_select(self, "ru") || !same(self, "моста", "мост")) {
        failures++;
        if (verbose)
            printf("stemmer: Russian stems wrong\n");
    }
    precis_stemmer_destroy(&self);
    return failures ? 1 : 0;
}
