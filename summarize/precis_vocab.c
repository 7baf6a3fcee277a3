/*  precis_vocab - the words the summarizer has seen, with what it knows of them.

    Open addressing over a power-of-two slot array; slots hold the word
    number + 1, its length, some hash bits and the word's first eight bytes,
    so that a word of up to eight bytes (most words) is found without
    touching the arena where the texts live: the head and the length
    together are the whole word.
*/
#include "precis_vocab.h"
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Where a word's text is; its precis_word_t is in a separate array, which
   the document's term pass walks by number (precis_vocab_words). */
typedef struct {
    uint32_t offset; /* text in the arena */
    uint32_t len;
} record_t;

typedef struct {
    uint64_t head;   /* the first 8 bytes of the word, zero padded */
    uint32_t number; /* word number + 1; 0: empty */
    uint16_t check;  /* more hash bits, so that long words rarely need memcmp */
    uint8_t len;     /* the word's length, 255 for 255 and longer */
    uint8_t unused;
} slot_t;

struct _precis_vocab_t {
    const precis_stopwords_t *stopwords;
    record_t *records;
    precis_word_t *words; /* by number, as records */
    size_t count, capacity;
    slot_t *slots;
    size_t mask;
    char *arena;
    size_t arena_used, arena_size;
};

/* text[0..len) for len < 8, zero padded to eight bytes as memcpy would
   load them. Little-endian: at most three loads and no call to memcpy, as
   overlapping loads agree where they overlap; elsewhere byte by byte. */
static inline uint64_t load_short(const char *text, size_t len)
{
    const unsigned char *bytes = (const unsigned char *)text;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (len >= 4) {
        uint32_t low, high;
        memcpy(&low, bytes, 4);
        memcpy(&high, bytes + len - 4, 4);
        return (uint64_t)low | (uint64_t)high << (8 * (len - 4));
    }
    if (len == 0)
        return 0;
    return (uint64_t)bytes[0] | (uint64_t)bytes[len / 2] << (8 * (len / 2)) |
           (uint64_t)bytes[len - 1] << (8 * (len - 1));
#else
    unsigned char padded[8] = {0};
    for (size_t i = 0; i < len; i++)
        padded[i] = bytes[i];
    uint64_t value;
    memcpy(&value, padded, 8);
    return value;
#endif
}

/* The first eight bytes of text, zero padded. */
static inline uint64_t head_of(const char *text, size_t len)
{
    if (len < 8)
        return load_short(text, len);
    uint64_t head;
    memcpy(&head, text, 8);
    return head;
}

/* A fast hash of short strings: eight bytes at a time, multiply and fold.
   head is head_of(text, len). */
static inline uint32_t hash_word(const char *text, size_t len, uint64_t head)
{
    uint64_t hash = 0x9e3779b97f4a7c15ull ^ len;
    if (len > 8) {
        hash = (hash ^ head) * 0xff51afd7ed558ccdull;
        hash ^= hash >> 32;
        text += 8;
        len -= 8;
        while (len > 8) {
            uint64_t chunk;
            memcpy(&chunk, text, 8);
            hash = (hash ^ chunk) * 0xff51afd7ed558ccdull;
            hash ^= hash >> 32;
            text += 8;
            len -= 8;
        }
        head = len == 8 ? head_of(text, 8) : load_short(text, len);
    }
    hash = (hash ^ head) * 0xc4ceb9fe1a85ec53ull;
    hash ^= hash >> 29;
    return (uint32_t)hash;
}

static inline uint8_t len_byte(size_t len)
{
    return len < 255 ? (uint8_t)len : 255;
}

static inline uint16_t check_of(uint32_t hash)
{
    return (uint16_t)(hash >> 16);
}

static void allocate_slots(precis_vocab_t *self, size_t count)
{
    free(self->slots);
    self->mask = count - 1;
    self->slots = calloc(count, sizeof *self->slots);
    assert(self->slots);
}

precis_vocab_t *precis_vocab_new(const precis_stopwords_t *stopwords)
{
    precis_vocab_t *self = calloc(1, sizeof *self);
    assert(self);
    self->stopwords = stopwords;
    self->capacity = 4096;
    self->records = malloc(self->capacity * sizeof *self->records);
    self->words = malloc(self->capacity * sizeof *self->words);
    self->arena_size = 1 << 16;
    self->arena = malloc(self->arena_size);
    assert(self->records && self->words && self->arena);
    allocate_slots(self, 8192);
    return self;
}

void precis_vocab_destroy(precis_vocab_t **self_p)
{
    assert(self_p);
    precis_vocab_t *self = *self_p;
    if (!self)
        return;
    free(self->records);
    free(self->words);
    free(self->slots);
    free(self->arena);
    free(self);
    *self_p = NULL;
}

/* Doubles the slot array and re-inserts every word. */
static void grow(precis_vocab_t *self)
{
    allocate_slots(self, (self->mask + 1) * 2);
    for (size_t i = 0; i < self->count; i++) {
        record_t *record = &self->records[i];
        const char *text = self->arena + record->offset;
        uint64_t head = head_of(text, record->len);
        uint32_t hash = hash_word(text, record->len, head);
        size_t index = hash & self->mask;
        while (self->slots[index].number)
            index = (index + 1) & self->mask;
        self->slots[index] =
            (slot_t){head, (uint32_t)i + 1, check_of(hash), len_byte(record->len), 0};
    }
}

/* Adds a new word at slot index; returns its number. Out of line: a
   look-up mostly finds its word, and inlined, this path made every
   look-up save and restore six registers. */
static __attribute__((noinline, cold)) uint32_t add(precis_vocab_t *self,
                                                    const char *text, size_t len,
                                                    uint64_t head, uint32_t hash,
                                                    size_t index)
{
    if (self->arena_used + len > self->arena_size) {
        while (self->arena_used + len > self->arena_size)
            self->arena_size *= 2;
        self->arena = realloc(self->arena, self->arena_size);
        assert(self->arena);
    }
    if (self->count == self->capacity) {
        self->capacity *= 2;
        self->records = realloc(self->records, self->capacity * sizeof *self->records);
        self->words = realloc(self->words, self->capacity * sizeof *self->words);
        assert(self->records && self->words);
    }
    memcpy(self->arena + self->arena_used, text, len);
    record_t *record = &self->records[self->count];
    record->offset = (uint32_t)self->arena_used;
    record->len = (uint32_t)len;
    self->arena_used += len;
    /* An elided article of any language; stop words depend on the
       article's language and are the caller's to fill in (term_lang). */
    precis_word_t *word = &self->words[self->count];
    memset(word, 0, sizeof *word);
    word->elided = (uint8_t)precis_stopwords_elision(self->stopwords, text, len);
    uint32_t number = (uint32_t)self->count++;
    self->slots[index] = (slot_t){head, number + 1, check_of(hash), len_byte(len), 0};
    if (self->count * 2 > self->mask)
        grow(self);
    return number;
}

/* The look-up of a word longer than eight bytes, which compares the rest
   in the arena. Out of line, so that the short words' path saves no
   registers. */
static __attribute__((noinline)) uint32_t lookup_long(precis_vocab_t *self,
                                                      const char *text, size_t len)
{
    uint64_t head = head_of(text, len);
    uint32_t hash = hash_word(text, len, head);
    uint16_t check = check_of(hash);
    uint8_t len8 = len_byte(len);
    size_t index = hash & self->mask;
    while (self->slots[index].number) {
        const slot_t *slot = &self->slots[index];
        if (slot->head == head && slot->len == len8) {
            const record_t *record = &self->records[slot->number - 1];
            if (slot->check == check && record->len == len &&
                memcmp(self->arena + record->offset + 8, text + 8, len - 8) == 0)
                return slot->number - 1;
        }
        index = (index + 1) & self->mask;
    }
    return add(self, text, len, head, hash, index);
}

uint32_t precis_vocab_lookup(precis_vocab_t *self, const char *text, size_t len)
{
    assert(self);
    if (len > 8)
        return lookup_long(self, text, len);
    /* Head and length settle words of up to eight bytes. */
    uint64_t head = head_of(text, len);
    uint32_t hash = hash_word(text, len, head);
    size_t index = hash & self->mask;
    while (self->slots[index].number) {
        const slot_t *slot = &self->slots[index];
        if (slot->head == head && slot->len == len)
            return slot->number - 1;
        index = (index + 1) & self->mask;
    }
    return add(self, text, len, head, hash, index);
}

precis_word_t *precis_vocab_word(precis_vocab_t *self, uint32_t number)
{
    assert(self && number < self->count);
    return &self->words[number];
}

precis_word_t *precis_vocab_words(precis_vocab_t *self)
{
    assert(self);
    return self->words;
}

const char *precis_vocab_text(precis_vocab_t *self, uint32_t number, size_t *len_p)
{
    assert(self && number < self->count);
    *len_p = self->records[number].len;
    return self->arena + self->records[number].offset;
}

size_t precis_vocab_size(precis_vocab_t *self)
{
    return self->count;
}

void precis_vocab_clear(precis_vocab_t *self)
{
    assert(self);
    self->count = 0;
    self->arena_used = 0;
    memset(self->slots, 0, (self->mask + 1) * sizeof *self->slots);
}

int precis_vocab_test(bool verbose)
{
    precis_stopwords_t *stopwords = precis_stopwords_new();
    precis_vocab_t *self = precis_vocab_new(stopwords);
    int failures = 0;
    uint32_t the = precis_vocab_lookup(self, "the", 3);
    uint32_t harbour = precis_vocab_lookup(self, "harbour", 7);
    uint32_t homme = precis_vocab_lookup(self, "l'homme", 7);
    size_t len;
    const char *text = precis_vocab_text(self, harbour, &len);
    if (the != 0 || harbour != 1 || precis_vocab_lookup(self, "the", 3) != the ||
        precis_vocab_word(self, the)->elided != 0 ||
        precis_vocab_word(self, harbour)->term_lang != 0 || len != 7 ||
        memcmp(text, "harbour", 7) != 0 || precis_vocab_word(self, homme)->elided != 2 ||
        precis_vocab_words(self)[homme].elided != 2 ||
        &precis_vocab_words(self)[harbour] != precis_vocab_word(self, harbour)) {
        failures++;
        if (verbose)
            printf("vocab: records wrong\n");
    }
    /* Many words: the table grows, numbers stay. */
    char word[32];
    for (int i = 0; i < 50000; i++) {
        snprintf(word, sizeof word, "word%d", i);
        if (precis_vocab_lookup(self, word, strlen(word)) != (uint32_t)i + 3) {
            failures++;
            if (verbose)
                printf("vocab: %s numbered wrong\n", word);
            break;
        }
    }
    if (precis_vocab_lookup(self, "harbour", 7) != harbour ||
        precis_vocab_size(self) != 50003) {
        failures++;
        if (verbose)
            printf("vocab: lookups after growth wrong\n");
    }
    /* Words that share their first eight bytes, or differ only past the
       length byte's 255, or only by a NUL, are different words. */
    static char longer[300];
    memset(longer, 'x', sizeof longer);
    const struct {
        const char *text;
        size_t len;
    } alike[] = {{"abcdefgh", 8},    {"abcdefghi", 9}, {"abcdefghij", 10},
                 {"abcdefghik", 10}, {"ab", 2},        {"ab\0", 3},
                 {"abcdefg", 7},     {longer, 255},    {longer, 256},
                 {longer, 300}};
    enum { ALIKE = sizeof alike / sizeof alike[0] };
    uint32_t numbers[ALIKE];
    for (size_t i = 0; i < ALIKE; i++)
        numbers[i] = precis_vocab_lookup(self, alike[i].text, alike[i].len);
    longer[299] = 'y'; /* same length and head as the last one */
    uint32_t last_changed = precis_vocab_lookup(self, longer, 300);
    longer[299] = 'x';
    for (size_t i = 0; i < ALIKE; i++) {
        size_t text_len;
        precis_vocab_text(self, numbers[i], &text_len);
        bool distinct = true;
        for (size_t j = 0; j < i; j++)
            distinct &= numbers[j] != numbers[i];
        if (!distinct || text_len != alike[i].len || last_changed == numbers[i] ||
            precis_vocab_lookup(self, alike[i].text, alike[i].len) != numbers[i]) {
            failures++;
            if (verbose)
                printf("vocab: alike word %zu (%zu bytes) confused\n", i, alike[i].len);
        }
    }
    precis_vocab_clear(self);
    if (precis_vocab_size(self) != 0 || precis_vocab_lookup(self, "harbour", 7) != 0) {
        failures++;
        if (verbose)
            printf("vocab: clear failed\n");
    }
    /* An empty word is a word like any other. */
    if (precis_vocab_lookup(self, "", 0) != 1) {
        failures++;
        if (verbose)
            printf("vocab: empty word\n");
    }
    /* Short loads are the zero-padded bytes, exactly. */
    const char bytes[8] = "\x01\x82\x03\xf4\x05\x06\x87\x08";
    for (size_t len = 0; len < 8; len++) {
        uint64_t expected = 0;
        memcpy(&expected, bytes, len);
        if (load_short(bytes, len) != expected) {
            failures++;
            if (verbose)
                printf("vocab: short load of %zu bytes wrong\n", len);
        }
    }
    precis_vocab_destroy(&self);
    precis_stopwords_destroy(&stopwords);
    return failures ? 1 : 0;
}
