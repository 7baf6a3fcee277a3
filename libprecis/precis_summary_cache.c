/*  precis_summary_cache - LRU map from a text hash to its summary. */
#include "precis_summary_cache.h"
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NONE UINT32_MAX

typedef struct {
    uint8_t hash[16];
    uint64_t tag;
    void *pairs; /* the encoded summary (see the header) */
    size_t pairs_size;
    uint32_t pairs_count;
    uint32_t newer, older; /* the LRU list */
    uint32_t chain;        /* next entry of the same bucket */
} entry_t;

struct _precis_summary_cache_t {
    entry_t *entries;
    size_t capacity, count;
    uint32_t *buckets; /* first entry of each bucket, NONE when empty */
    size_t bucket_mask;
    uint32_t newest, oldest;
};

/* The text hash is XXH3 output: its first bytes index the buckets as they
   are; the tag only tells entries apart. */
static size_t bucket_of(const precis_summary_cache_t *self, const uint8_t hash[16])
{
    uint64_t bits;
    memcpy(&bits, hash, sizeof bits);
    return (size_t)(bits & self->bucket_mask);
}

precis_summary_cache_t *precis_summary_cache_new(size_t capacity)
{
    precis_summary_cache_t *self = calloc(1, sizeof *self);
    assert(self);
    self->capacity = capacity ? capacity : 1;
    self->entries = calloc(self->capacity, sizeof *self->entries);
    size_t buckets = 16;
    while (buckets < 2 * self->capacity)
        buckets *= 2;
    self->bucket_mask = buckets - 1;
    self->buckets = malloc(buckets * sizeof *self->buckets);
    assert(self->entries && self->buckets);
    memset(self->buckets, 0xff, buckets * sizeof *self->buckets);
    self->newest = self->oldest = NONE;
    return self;
}

void precis_summary_cache_destroy(precis_summary_cache_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    precis_summary_cache_t *self = *self_p;
    for (size_t i = 0; i < self->count; i++)
        free(self->entries[i].pairs);
    free(self->entries);
    free(self->buckets);
    free(self);
    *self_p = NULL;
}

static void unlink_lru(precis_summary_cache_t *self, uint32_t index)
{
    entry_t *entry = &self->entries[index];
    if (entry->newer != NONE)
        self->entries[entry->newer].older = entry->older;
    else
        self->newest = entry->older;
    if (entry->older != NONE)
        self->entries[entry->older].newer = entry->newer;
    else
        self->oldest = entry->newer;
}

static void push_newest(precis_summary_cache_t *self, uint32_t index)
{
    entry_t *entry = &self->entries[index];
    entry->newer = NONE;
    entry->older = self->newest;
    if (self->newest != NONE)
        self->entries[self->newest].newer = index;
    self->newest = index;
    if (self->oldest == NONE)
        self->oldest = index;
}

static uint32_t find(precis_summary_cache_t *self, const uint8_t hash[16], uint64_t tag)
{
    uint32_t index = self->buckets[bucket_of(self, hash)];
    while (index != NONE && (memcmp(self->entries[index].hash, hash, 16) != 0 ||
                             self->entries[index].tag != tag))
        index = self->entries[index].chain;
    return index;
}

/* Takes the least recently used entry out of its bucket and the list. */
static uint32_t evict_oldest(precis_summary_cache_t *self)
{
    uint32_t index = self->oldest;
    entry_t *entry = &self->entries[index];
    uint32_t *link = &self->buckets[bucket_of(self, entry->hash)];
    while (*link != index)
        link = &self->entries[*link].chain;
    *link = entry->chain;
    unlink_lru(self, index);
    free(entry->pairs);
    entry->pairs = NULL;
    return index;
}

/* The entry for (hash, tag), new (the oldest dropped when full) or, when
   kept already, refreshed; *fresh says which. */
static entry_t *take_entry(precis_summary_cache_t *self, const uint8_t hash[16],
                           uint64_t tag, bool *fresh)
{
    uint32_t index = find(self, hash, tag);
    *fresh = index == NONE;
    if (!*fresh) { /* already kept: only refresh it */
        unlink_lru(self, index);
        push_newest(self, index);
        return &self->entries[index];
    }
    index = self->count < self->capacity ? (uint32_t)self->count++ : evict_oldest(self);
    entry_t *entry = &self->entries[index];
    memcpy(entry->hash, hash, 16);
    entry->tag = tag;
    size_t bucket = bucket_of(self, hash);
    entry->chain = self->buckets[bucket];
    self->buckets[bucket] = index;
    push_newest(self, index);
    return entry;
}

void precis_summary_cache_put_pairs(precis_summary_cache_t *self, const uint8_t hash[16],
                                    uint64_t tag, void *pairs, size_t size,
                                    uint32_t count)
{
    bool fresh;
    entry_t *entry = take_entry(self, hash, tag, &fresh);
    if (!fresh) {
        free(pairs);
        return;
    }
    entry->pairs = pairs;
    entry->pairs_size = size;
    entry->pairs_count = count;
}

const void *precis_summary_cache_get_pairs(precis_summary_cache_t *self,
                                           const uint8_t hash[16], uint64_t tag,
                                           size_t *size, uint32_t *count)
{
    uint32_t index = find(self, hash, tag);
    if (index == NONE || !self->entries[index].pairs)
        return NULL;
    unlink_lru(self, index);
    push_newest(self, index);
    *size = self->entries[index].pairs_size;
    *count = self->entries[index].pairs_count;
    return self->entries[index].pairs;
}

size_t precis_summary_cache_size(precis_summary_cache_t *self)
{
    return self->count;
}

int precis_summary_cache_test(bool verbose)
{
    int failures = 0;
#define CHECK(cond)                                                                      \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            fprintf(stderr, "summary_cache test failed: %s (line %d)\n", #cond,          \
                    __LINE__);                                                           \
            failures++;                                                                  \
        }                                                                                \
    } while (0)
    precis_summary_cache_t *self = precis_summary_cache_new(2);
    uint8_t a[16] = {1}, b[16] = {2}, c[16] = {3};
    /* Buckets are picked by the first bytes: d shares a's bucket. */
    uint8_t d[16] = {1, 0, 0, 0, 0, 0, 0, 0, 9};
    size_t size = 0;
    uint32_t count = 0;
#define PUT(hash, tag, text)                                                             \
    precis_summary_cache_put_pairs(self, hash, tag, strdup(text), 5, 1)
#define GET(hash, tag) precis_summary_cache_get_pairs(self, hash, tag, &size, &count)

    CHECK(GET(a, 0) == NULL);
    PUT(a, 0, "pier!");
    const char *kept = GET(a, 0);
    CHECK(kept && size == 5 && count == 1 && memcmp(kept, "pier!", 5) == 0);
    /* Another tag (another length asked for) is another entry. */
    CHECK(GET(a, 7) == NULL);
    /* Full: putting c drops the least recently used (b, since a was read). */
    PUT(b, 0, "quay!");
    GET(a, 0);
    PUT(c, 0, "dock!");
    CHECK(GET(b, 0) == NULL);
    CHECK(GET(a, 0) && GET(c, 0));
    CHECK(precis_summary_cache_size(self) == 2);
    /* Same bucket, different hash: told apart, and evicting one keeps the other. */
    PUT(d, 0, "mole!");
    CHECK(GET(d, 0) && !GET(a, 0));
    CHECK(GET(c, 0) != NULL);
    kept = GET(d, 0);
    CHECK(kept && memcmp(kept, "mole!", 5) == 0);
#undef PUT
#undef GET
    precis_summary_cache_destroy(&self);

    /* The sink's form: encoded pairs, taken over by the cache, given back
       as they were put; a second put of a kept entry frees its copy. */
    self = precis_summary_cache_new(1);
    CHECK(precis_summary_cache_get_pairs(self, a, 0, &size, &count) == NULL);
    precis_summary_cache_put_pairs(self, a, 0,
                                   strdup("\xa4lang\xa2"
                                          "en"),
                                   8, 1);
    precis_summary_cache_put_pairs(self, a, 0,
                                   strdup("\xa4lang\xa2"
                                          "cy"),
                                   8, 1);
    const char *pairs = precis_summary_cache_get_pairs(self, a, 0, &size, &count);
    CHECK(pairs && size == 8 && count == 1 &&
          memcmp(pairs,
                 "\xa4lang\xa2"
                 "en",
                 8) == 0);
    /* Full, the entry goes with its pairs (valgrind: nothing leaks). */
    precis_summary_cache_put_pairs(self, b, 0,
                                   strdup("\xa4lang\xa2"
                                          "fr"),
                                   8, 1);
    CHECK(!precis_summary_cache_get_pairs(self, a, 0, &size, &count));
    CHECK(precis_summary_cache_get_pairs(self, b, 0, &size, &count) != NULL);
    precis_summary_cache_destroy(&self);
    if (verbose && !failures)
        printf("summary_cache: all checks passed\n");
    return failures;
#undef CHECK
}
