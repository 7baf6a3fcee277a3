/*  precis_stories - the near-duplicate index (LSH over MinHash signatures). */
#include "precis_stories.h"
#include "precis_utf8.h"
#include "precis_config.h"
#include "precis_table.h"
#include <assert.h>
#include <czmq.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

/* Links and heads hold slot + 1, so that 0 (calloc'd, untouched pages) is
   the end of a chain. */
#define NIL 0
/* Longest id, key or story kept, in bytes (the file stores 16-bit lengths). */
#define STRING_MAX 4096
/* A file record: size, time, shingles, hash, bins, three lengths, strings. */
/* The file is read this much at a time (a record is at most 3 strings of
   STRING_MAX bytes and RECORD_FIXED more). */
#define LOAD_CHUNK   (1u << 20)
#define RECORD_FIXED (4 + 8 + 4 + 16 + 2 * PRECIS_MINHASH_BINS + 3 * 2)

/* An article in the window: 296 bytes (was 328 with its order of addition,
   a 64-bit key hash and three string pointers; the order is its place in
   the ring, an earlier article's being nearer the head). */
typedef struct {
    int64_t time_us;
    uint32_t shingles; /* of the text, for the containment estimate */
    uint32_t key_hash; /* of its key: a candidate's key string (another cache
                          miss) is compared only when the hashes agree */
    uint8_t text_hash[16];
    uint16_t bins[PRECIS_MINHASH_BINS];
    /* Its id, key and story, each NUL-ended, one after the other in a
       string block; an empty key or story is the id. */
    char *strings;
} entry_t;

/* The entries' strings are packed in blocks of STRING_BLOCK bytes, filled
   in the order the entries come; they leave in that order too (the ring is
   first in, first out), so a block is handed back once its last entry has
   left. Instead of a malloc an entry: glibc's 8-byte header and rounding to
   16 bytes (48 bytes for an id, a key and a story of 37 bytes, here 37).
   An entry's strings larger than a block (a file's records may hold
   strings of up to 65,535 bytes) get a block of their size. */
#define STRING_BLOCK (64u << 10)
typedef struct string_block {
    struct string_block *newer;
    size_t size; /* bytes it holds: STRING_BLOCK, or one entry's strings */
    size_t used; /* bytes filled */
    size_t live; /* entries whose strings are here */
    char bytes[];
} string_block_t;

/* The entries a look-up has weighed, each once whichever bands lead to it:
   an open-addressed set of slot + 1, emptied by counting the look-ups
   instead of clearing it. At most bands x PRECIS_STORIES_BUCKET_LOOK
   (512) are weighed, so 1,024 places keep it at most half full. It took
   the place of a mark an entry in a table beside the ring (8 bytes an
   article, and a cache miss a candidate). */
#define WEIGHED_PLACES 1024

struct _precis_stories_t {
    precis_stories_options_t options;
    size_t rows;     /* bins per band */
    entry_t *ring;   /* slots entries; oldest at head */
    size_t slots;    /* allocated: doubled as articles come, up to max_articles */
    uint32_t *links; /* per entry and band: the next (older) entry of its bucket */
    /* The set of entries the current look-up has weighed (WEIGHED_PLACES):
       a look-up passes the same few entries once a band, and this check,
       the most frequent, reads the set in the cache instead of a 300-byte
       entry out of it. A place is in the set when its look-up number is
       the current one. */
    uint32_t weighed[WEIGHED_PLACES], weighed_query[WEIGHED_PLACES];
    uint32_t *heads; /* per band and bucket: the newest entry */
    /* The last look-up's bucket of each band (its place in heads): the
       article is then linked there without computing them again. */
    size_t query_heads[PRECIS_MINHASH_BINS];
    size_t bucket_mask;
    size_t head, count;
    uint32_t queries;                /* find_match calls, to weigh each candidate once */
    string_block_t *oldest, *newest; /* the string blocks in use */
    string_block_t *spare;           /* one emptied block, kept for the next */
    size_t string_bytes;             /* of the blocks allocated, the spare too */
    char *path;
    int fd;
    size_t file_records; /* records in the file, live or not */
    /* Bytes in the file (fstat when opened, then counted): where a flush
       that fails is cut back to, without an lseek a flush; -1 unknown. */
    off_t file_bytes;
    uint8_t *pending; /* records not written yet (precis_stories_flush) */
    size_t pending_len, pending_cap, pending_records;
    char *answer_story, *answer_of; /* the last answer's strings */
    size_t answer_story_room, answer_of_room;
};

/* The index's tables (ring, links, marks, bucket heads) are precis_table's:
   in 2 MiB huge pages where the kernel has them. A table grows by doubling
   and is touched all over at once (the bucket heads at random, 32 times an
   article): in 4 KiB pages each page costs a fault when first touched and
   a TLB miss at every random access after (figures in precis_table.h). */

/* A string block to fill with need bytes at least: the spare, or a new one. */
static string_block_t *new_block(precis_stories_t *self, size_t need)
{
    string_block_t *block = self->spare;
    if (block && need <= block->size)
        self->spare = NULL;
    else {
        size_t size = need > STRING_BLOCK ? need : STRING_BLOCK;
        block = malloc(sizeof *block + size);
        assert(block);
        block->size = size;
        self->string_bytes += sizeof *block + size;
    }
    block->newer = NULL;
    block->used = block->live = 0;
    return block;
}

/* Puts the entry's strings at the end of the newest block (key_len or
   story_len 0: equal to the id, kept empty). The entry must then be
   inserted: the blocks are emptied in the order they were filled. */
static void set_strings(precis_stories_t *self, entry_t *entry, const char *id,
                        size_t id_len, const char *key, size_t key_len, const char *story,
                        size_t story_len)
{
    size_t need = id_len + key_len + story_len + 3;
    if (!self->newest || self->newest->used + need > self->newest->size) {
        string_block_t *block = new_block(self, need);
        if (self->newest)
            self->newest->newer = block;
        else
            self->oldest = block;
        self->newest = block;
    }
    char *at = self->newest->bytes + self->newest->used;
    entry->strings = at;
    const char *from[3] = {id, key, story};
    size_t lens[3] = {id_len, key_len, story_len};
    for (int i = 0; i < 3; i++) {
        memcpy(at, from[i], lens[i]);
        at[lens[i]] = 0;
        at += lens[i] + 1;
    }
    self->newest->used += need;
    self->newest->live++;
}

/* The oldest entry's strings are let go: its block, the oldest, is handed
   back (kept as the spare when of the usual size, or freed) once none of
   its entries is left. */
static void release_strings(precis_stories_t *self, const entry_t *entry)
{
    string_block_t *block = self->oldest;
    assert(block && entry->strings >= block->bytes &&
           entry->strings < block->bytes + block->used);
    (void)entry;
    if (--block->live > 0)
        return;
    if (block == self->newest) { /* the only one: filled again from its start */
        block->used = 0;
        return;
    }
    self->oldest = block->newer;
    if (!self->spare && block->size == STRING_BLOCK)
        self->spare = block;
    else {
        self->string_bytes -= sizeof *block + block->size;
        free(block);
    }
}

static void free_blocks(precis_stories_t *self)
{
    while (self->oldest) {
        string_block_t *newer = self->oldest->newer;
        free(self->oldest);
        self->oldest = newer;
    }
    free(self->spare);
    self->newest = self->spare = NULL;
    self->string_bytes = 0;
}

/* Copies text (bounded) into a buffer kept from call to call. */
static char *keep_answer(char **buffer, size_t *room, const char *text)
{
    size_t len = strnlen(text, STRING_MAX);
    if (len + 1 > *room) {
        *room = len + 1 > 64 ? len + 1 : 64;
        free(*buffer);
        *buffer = malloc(*room);
        assert(*buffer);
    }
    memcpy(*buffer, text, len);
    (*buffer)[len] = 0;
    return *buffer;
}

/* The entry's strings as kept: id, key and story, an empty one for one
   equal to the id (as the file stores them). */
static void entry_strings(const entry_t *entry, const char *strings[3])
{
    strings[0] = entry->strings;
    strings[1] = strings[0] + strlen(strings[0]) + 1;
    strings[2] = strings[1] + strlen(strings[1]) + 1;
}

static const char *entry_id(const entry_t *entry)
{
    return entry->strings;
}

static const char *entry_key(const entry_t *entry)
{
    const char *key = entry->strings + strlen(entry->strings) + 1;
    return *key ? key : entry->strings;
}

static const char *entry_story(const entry_t *entry)
{
    const char *strings[3];
    entry_strings(entry, strings);
    return *strings[2] ? strings[2] : strings[0];
}

/* Where the entry in slot came among those in the window: 0 for the
   oldest (an earlier article wins a tie). */
static size_t entry_order(const precis_stories_t *self, size_t slot)
{
    return slot >= self->head ? slot - self->head : slot + self->slots - self->head;
}

static uint32_t key_hash(const char *key)
{
    return (uint32_t)XXH3_64bits(key, strlen(key));
}

/* The bucket of each band (its place in heads, band by band: at[band]).
   The bins are already hash bits (the low bits of minima of XXH3 values),
   uniform and independent: the band's rows side by side, 16 bits each
   (folded over 64 bits when there are more than 4), index the bucket with
   no hashing again. The buckets live in memory only, so the default's 4
   rows are read as one 64-bit word in the host's order: a few
   instructions a band (this runs for every look-up, link and eviction,
   and for every entry when the buckets grow). */
static void bucket_places(const precis_stories_t *self, const uint16_t *bins, size_t *at)
{
    size_t bands = self->options.bands, buckets = self->bucket_mask + 1;
    if (self->rows == 4) {
        for (size_t band = 0; band < bands; band++) {
            uint64_t key;
            memcpy(&key, bins + 4 * band, sizeof key);
            at[band] = band * buckets + (size_t)(key & self->bucket_mask);
        }
        return;
    }
    for (size_t band = 0; band < bands; band++) {
        const uint16_t *rows = bins + band * self->rows;
        uint64_t key = 0;
        for (size_t i = 0; i < self->rows; i++)
            key ^= (uint64_t)rows[i] << (16 * (i % 4));
        at[band] = band * buckets + (size_t)(key & self->bucket_mask);
    }
}

static inline bool band_equal(const precis_stories_t *self, const uint16_t *a,
                              const uint16_t *b, size_t band)
{
    size_t start = band * self->rows;
    if (self->rows == 4)
        return a[start] == b[start] && a[start + 1] == b[start + 1] &&
               a[start + 2] == b[start + 2] && a[start + 3] == b[start + 3];
    return memcmp(a + start, b + start, self->rows * sizeof(uint16_t)) == 0;
}

/* Drops the oldest entry: it is the last (oldest) of each of its chains. */
static void evict_oldest(precis_stories_t *self)
{
    size_t slot = self->head;
    entry_t *entry = &self->ring[slot];
    size_t bands = self->options.bands, at[PRECIS_MINHASH_BINS];
    bucket_places(self, entry->bins, at);
    for (size_t band = 0; band < bands; band++) {
        uint32_t *link = &self->heads[at[band]];
        while (*link != NIL && *link != slot + 1)
            link = &self->links[(size_t)(*link - 1) * bands + band];
        if (*link == slot + 1)
            *link = NIL;
    }
    release_strings(self, entry);
    memset(entry, 0, sizeof *entry);
    self->head = (self->head + 1) % self->slots;
    self->count--;
}

/* Drops the articles older than the window at now_us and, with room, the
   oldest one when the window is full, so that one more fits. */
static void evict(precis_stories_t *self, int64_t now_us, bool room)
{
    while (self->count > 0 &&
           ((room && self->count >= self->options.max_articles) ||
            self->ring[self->head].time_us < now_us - self->options.max_age_us))
        evict_oldest(self);
}

/* How much of the shorter text the longer one holds, estimated from the
   Jaccard similarity and the shingle counts: |A and B| = J (|A| + |B|) / (1 + J). */
static double containment(double jaccard, uint32_t a, uint32_t b)
{
    double shared = jaccard * ((double)a + b) / (1 + jaccard);
    double shorter = a < b ? a : b;
    return shorter > 0 && shared < shorter ? shared / shorter : 1.0;
}

/* A near copy: similar enough, or a text mostly held in the other (a copy
   with its end cut) and still similar enough not to be chance. */
static bool near_copy(const precis_stories_t *self, double similarity, uint32_t a,
                      uint32_t b)
{
    if (similarity >= self->options.threshold)
        return true;
    return similarity >= PRECIS_STORIES_CONTAINED_FLOOR &&
           containment(similarity, a, b) >= PRECIS_STORIES_CONTAINED;
}

/* Where ref (slot + 1) is in the set of weighed entries when the place's
   look-up number is query, else the free place it would take. */
static size_t weighed_place(const precis_stories_t *self, uint32_t ref, uint32_t query)
{
    size_t place = (size_t)((ref * UINT32_C(0x9e3779b1)) >> 22); /* 10 bits */
    while (self->weighed_query[place] == query && self->weighed[place] != ref)
        place = (place + 1) & (WEIGHED_PLACES - 1);
    return place;
}

/* The best match among the candidates of all bands (its slot + 1), or NIL. */
static uint32_t find_match(precis_stories_t *self, const precis_minhash_t *signature,
                           const char *key, double *similarity_p, bool *exact_p)
{
    uint32_t best = NIL;
    double best_similarity = 0;
    bool best_exact = false;
    size_t bands = self->options.bands;
    uint32_t query = ++self->queries, hash = key_hash(key);
    if (query == 0) { /* the look-up numbers went round: every mark is old */
        memset(self->weighed_query, 0, sizeof self->weighed_query);
        query = self->queries = 1;
    }
    /* The bands' buckets are far apart in memory (one table a band): their
       heads are fetched all at once first, not one cache miss after the
       other (a look-up waited for 64 of them). */
    size_t *heads = self->query_heads;
    bucket_places(self, signature->bins, heads);
    for (size_t band = 0; band < bands; band++)
        __builtin_prefetch(&self->heads[heads[band]]);
    size_t weighed = 0; /* entries in the set: none for most articles */
    for (size_t band = 0; band < bands; band++) {
        uint32_t ref = self->heads[heads[band]];
        /* Only the newest PRECIS_STORIES_BUCKET_LOOK entries of a bucket:
           a stream of look-alike articles (tide tables, market reports)
           fills one bucket with thousands, and weighing them all made each
           article cost time in proportion to the window (a burst of 4,000
           near-identical results stalled the sink for seconds). A cluster
           is still found: its newest members carry its story. */
        for (size_t looked = 0; ref != NIL && looked < PRECIS_STORIES_BUCKET_LOOK;
             ref = self->links[(size_t)(ref - 1) * bands + band], looked++) {
            size_t place = weighed ? weighed_place(self, ref, query) : 0;
            if (weighed && self->weighed_query[place] == query)
                continue; /* weighed through another band already */
            entry_t *entry = &self->ring[ref - 1];
            if (!band_equal(self, entry->bins, signature->bins, band))
                continue; /* not a match in this band: another bucket's key */
            if (!weighed++)
                place = weighed_place(self, ref, query);
            self->weighed[place] = ref;
            self->weighed_query[place] = query;
            if (entry->key_hash == hash && strcmp(entry_key(entry), key) == 0)
                continue;
            bool exact = memcmp(entry->text_hash, signature->text_hash, 16) == 0;
            double similarity =
                exact ? 1.0 : precis_minhash_similarity(entry->bins, signature->bins);
            if (!exact &&
                !near_copy(self, similarity, entry->shingles, signature->shingles))
                continue;
            bool better = best == NIL || (exact && !best_exact) ||
                          (exact == best_exact && similarity > best_similarity) ||
                          (exact == best_exact && similarity == best_similarity &&
                           entry_order(self, ref - 1) < entry_order(self, best - 1));
            if (better) {
                best = ref;
                best_similarity = similarity;
                best_exact = exact;
            }
        }
    }
    *similarity_p = best_similarity;
    *exact_p = best_exact;
    return best;
}

/* Puts the entry in a slot at the front of every band's bucket (their
   places in heads in at: bucket_places of its bins). */
static void link_entry(precis_stories_t *self, size_t slot, const size_t *at)
{
    size_t bands = self->options.bands;
    uint32_t *links = &self->links[slot * bands];
    for (size_t band = 0; band < bands; band++) {
        links[band] = self->heads[at[band]];
        self->heads[at[band]] = (uint32_t)slot + 1;
    }
}

/* The bucket heads' table size, and the ring's tables freed (sizes from
   the current slots and buckets). */
static size_t heads_bytes(const precis_stories_t *self)
{
    return (self->bucket_mask + 1) * self->options.bands * sizeof *self->heads;
}

static void free_ring(precis_stories_t *self)
{
    precis_table_free(self->ring, self->slots * sizeof *self->ring);
    precis_table_free(self->links,
                      self->slots * self->options.bands * sizeof *self->links);
}

/* Buckets grow with the articles (one a band per article at most), not
   allocated for the whole window at once: each article touches one bucket a
   band at random, and a table for a million articles touched at random
   would cost a page fault for nearly each. The table grows in place
   (precis_table_grow: its pages, already touched, are moved by the kernel
   and cleared here), so that a doubling faults in only the new half
   instead of a whole new table (in the sink each 2 MiB page first touched
   costs 140 us to 5 ms of CPU, see precis_table.h). */
static void grow_buckets(precis_stories_t *self, size_t buckets)
{
    size_t old_bytes = self->heads ? heads_bytes(self) : 0;
    self->bucket_mask = buckets - 1;
    if (!self->heads)
        self->heads = precis_table_alloc(heads_bytes(self));
    else {
        self->heads = precis_table_grow(self->heads, old_bytes, heads_bytes(self));
        memset(self->heads, 0, old_bytes); /* every entry is linked again */
    }
    size_t at[PRECIS_MINHASH_BINS], slot = self->head;
    for (size_t i = 0; i < self->count; i++) { /* oldest first: newest ends in front */
        bucket_places(self, self->ring[slot].bins, at);
        link_entry(self, slot, at);
        slot = slot + 1 == self->slots ? 0 : slot + 1;
    }
}

/* Where an entry in old slot slot + 1 (a link or a head, NIL kept) is once
   the ring of slots slots starting at head is moved to start at 0. */
static uint32_t moved(uint32_t ref, size_t head, size_t slots)
{
    return ref == NIL ? NIL : (uint32_t)((ref - 1 + slots - head) % slots + 1);
}

/* Doubles the ring (up to max_articles), its entries moved to the start
   in order. The chains stay as they were, their slot numbers moved with
   the entries (no bucket is computed again). */
static void grow_ring(precis_stories_t *self)
{
    size_t slots = self->slots * 2, bands = self->options.bands;
    if (slots > self->options.max_articles)
        slots = self->options.max_articles;
    if (self->head == 0) { /* not wrapped (nothing evicted yet): kept in place */
        self->ring = precis_table_grow(self->ring, self->slots * sizeof *self->ring,
                                       slots * sizeof *self->ring);
        self->links =
            precis_table_grow(self->links, self->slots * bands * sizeof *self->links,
                              slots * bands * sizeof *self->links);
        self->slots = slots;
        return;
    }
    entry_t *ring = precis_table_alloc(slots * sizeof *ring);
    uint32_t *links = precis_table_alloc(slots * bands * sizeof *links);
    for (size_t i = 0; i < self->count; i++) {
        size_t from = (self->head + i) % self->slots;
        ring[i] = self->ring[from];
        for (size_t band = 0; band < bands; band++)
            links[i * bands + band] =
                moved(self->links[from * bands + band], self->head, self->slots);
    }
    size_t heads = (self->bucket_mask + 1) * bands;
    for (size_t i = 0; i < heads; i++)
        self->heads[i] = moved(self->heads[i], self->head, self->slots);
    free_ring(self);
    self->ring = ring;
    self->links = links;
    self->slots = slots;
    self->head = 0;
}

/* Puts an entry in the ring and every band's bucket (the strings are
   taken); at: its buckets' places in heads (find_match's for its bins), or
   NULL to compute them. */
static void insert(precis_stories_t *self, entry_t *entry, const size_t *at)
{
    if (self->count == self->slots)
        grow_ring(self);
    size_t slot = (self->head + self->count) % self->slots;
    entry->key_hash = key_hash(entry_key(entry));
    self->ring[slot] = *entry;
    self->count++;
    size_t places[PRECIS_MINHASH_BINS];
    if (self->count > self->bucket_mask + 1) {
        grow_buckets(self, 2 * (self->bucket_mask + 1)); /* links it too */
        return;
    }
    if (!at) {
        bucket_places(self, entry->bins, places);
        at = places;
    }
    link_entry(self, slot, at);
}

static void put16(uint8_t **p, uint16_t value)
{
    (*p)[0] = (uint8_t)value;
    (*p)[1] = (uint8_t)(value >> 8);
    *p += 2;
}

static uint64_t get_le(const uint8_t *p, size_t bytes)
{
    uint64_t value = 0;
    for (size_t i = 0; i < bytes; i++)
        value |= (uint64_t)p[i] << (8 * i);
    return value;
}

/* The size of an entry's file record. */
static size_t record_size(const entry_t *entry, size_t lens[3])
{
    const char *strings[3];
    entry_strings(entry, strings);
    size_t size = RECORD_FIXED;
    for (int i = 0; i < 3; i++)
        size += lens[i] = strlen(strings[i]);
    return size;
}

/* Writes an entry's file record (size bytes, lens from record_size) at p:
   little-endian numbers, then the strings. */
static void write_record(const entry_t *entry, size_t size, const size_t lens[3],
                         uint8_t *p)
{
    const char *strings[3];
    entry_strings(entry, strings);
    for (size_t i = 0; i < 4; i++)
        *p++ = (uint8_t)(size >> (8 * i));
    for (size_t i = 0; i < 8; i++)
        *p++ = (uint8_t)((uint64_t)entry->time_us >> (8 * i));
    for (size_t i = 0; i < 4; i++)
        *p++ = (uint8_t)(entry->shingles >> (8 * i));
    memcpy(p, entry->text_hash, 16);
    p += 16;
    precis_minhash_encode_bins(entry->bins, p);
    p += 2 * PRECIS_MINHASH_BINS;
    for (int i = 0; i < 3; i++)
        put16(&p, (uint16_t)lens[i]);
    for (int i = 0; i < 3; i++) {
        memcpy(p, strings[i], lens[i]);
        p += lens[i];
    }
}

/* One file record of an entry, malloc'd. */
static uint8_t *encode_record(const entry_t *entry, size_t *size_p)
{
    size_t lens[3], size = record_size(entry, lens);
    uint8_t *record = malloc(size);
    assert(record);
    write_record(entry, size, lens, record);
    *size_p = size;
    return record;
}

/* Bytes of records kept before a write even without a flush. */
#define PENDING_MAX (256u << 10)

static bool write_all(int fd, const uint8_t *data, size_t size)
{
    while (size > 0) {
        ssize_t wrote = write(fd, data, size);
        if (wrote < 0 && errno == EINTR)
            continue;
        if (wrote <= 0)
            return false;
        data += wrote;
        size -= (size_t)wrote;
    }
    return true;
}

/* Decodes one record at data[0..size) (its strings put in a block: the
   entry must then be inserted); its length, or 0 when torn or bad. */
static size_t decode_record(precis_stories_t *self, const uint8_t *data, size_t size,
                            entry_t *entry)
{
    if (size < RECORD_FIXED)
        return 0;
    size_t length = (size_t)get_le(data, 4);
    const uint8_t *p = data + 4;
    if (length < RECORD_FIXED || length > size)
        return 0;
    size_t lens[3];
    for (int i = 0; i < 3; i++)
        lens[i] = (size_t)get_le(data + RECORD_FIXED - 6 + 2 * i, 2);
    if (RECORD_FIXED + lens[0] + lens[1] + lens[2] != length || lens[0] == 0)
        return 0;
    /* The strings are ids: valid UTF-8, or this is not a record (a torn
       write in the middle of the file, from an older version that did not
       cut it back), and the rest is dropped. */
    const char *strings = (const char *)data + RECORD_FIXED;
    if (!precis_utf8_valid(strings, lens[0] + lens[1] + lens[2]) ||
        memchr(strings, 0, lens[0] + lens[1] + lens[2]))
        return 0;
    memset(entry, 0, sizeof *entry);
    entry->time_us = (int64_t)get_le(p, 8);
    p += 8;
    entry->shingles = (uint32_t)get_le(p, 4);
    p += 4;
    memcpy(entry->text_hash, p, 16);
    p += 16;
    precis_minhash_decode_bins(p, 2 * PRECIS_MINHASH_BINS, entry->bins);
    p = data + RECORD_FIXED;
    set_strings(self, entry, (const char *)p, lens[0], (const char *)p + lens[0], lens[1],
                (const char *)p + lens[0] + lens[1], lens[2]);
    return length;
}

/* The size of the open file; -1 when it cannot be known. */
static off_t file_bytes(int fd)
{
    struct stat info;
    return fd >= 0 && fstat(fd, &info) == 0 ? info.st_size : -1;
}

/* Rewrites the file with the live entries only (temporary file, rename). */
static int rewrite_file(precis_stories_t *self)
{
    char *temporary = malloc(strlen(self->path) + 8);
    assert(temporary);
    sprintf(temporary, "%s.new", self->path);
    /* Created with the mode of every data file (0600, 0640 with
       --group-readable). */
    int fd = precis_data_file_open(temporary, O_WRONLY | O_TRUNC);
    bool ok = fd >= 0;
    for (size_t i = 0; ok && i < self->count; i++) {
        size_t size;
        uint8_t *record =
            encode_record(&self->ring[(self->head + i) % self->slots], &size);
        ok = write_all(fd, record, size);
        free(record);
    }
    if (fd >= 0 && close(fd) != 0)
        ok = false;
    if (ok && rename(temporary, self->path) == 0) {
        if (self->fd >= 0)
            close(self->fd);
        self->fd = open(self->path, O_WRONLY | O_APPEND | O_CLOEXEC);
        self->file_bytes = file_bytes(self->fd);
        self->file_records = self->count;
    } else {
        zsys_error("story index: cannot rewrite %s: %s", self->path, strerror(errno));
        unlink(temporary);
        ok = false;
    }
    free(temporary);
    return ok && self->fd >= 0 ? 0 : -1;
}

/* Loads the records of the file that are within the window at now_us. */
static int load_file(precis_stories_t *self, int64_t now_us)
{
    int fd = open(self->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno != ENOENT)
        return -1;
    size_t records = 0;
    bool torn = false;
    if (fd >= 0) {
        /* Read a chunk at a time: the file may hold twice the window. */
        uint8_t *buffer = malloc(LOAD_CHUNK);
        assert(buffer);
        size_t have = 0;
        bool end = false;
        entry_t entry;
        for (;;) {
            if (!end) {
                ssize_t n = read(fd, buffer + have, LOAD_CHUNK - have);
                if (n < 0 && errno == EINTR)
                    continue;
                if (n <= 0)
                    end = true;
                else
                    have += (size_t)n;
            }
            size_t offset = 0, length;
            while ((length = decode_record(self, buffer + offset, have - offset,
                                           &entry)) > 0) {
                offset += length;
                records++;
                evict(self, entry.time_us, true);
                insert(self, &entry, NULL);
            }
            memmove(buffer, buffer + offset, have - offset);
            have -= offset;
            if (end || (offset == 0 && have == LOAD_CHUNK)) {
                torn = have > 0; /* a torn or bad record: the rest is dropped */
                break;
            }
        }
        close(fd);
        free(buffer);
        evict(self, now_us, false);
    }
    self->file_records = records;
    if (records != self->count || records == 0 || torn)
        return rewrite_file(self);
    self->fd = open(self->path, O_WRONLY | O_APPEND | O_CLOEXEC);
    self->file_bytes = file_bytes(self->fd);
    return self->fd >= 0 ? 0 : -1;
}

/* The buckets the index starts with (one an article of room): what
   options ask, or as many as one huge page of heads holds; a power of two,
   at least 256, and no more than max_articles needs. */
static size_t initial_buckets(const precis_stories_options_t *options)
{
    size_t wanted = options->initial_articles
                        ? options->initial_articles
                        : PRECIS_TABLE_HUGE_PAGE / (options->bands * sizeof(uint32_t));
    if (wanted > options->max_articles)
        wanted = options->max_articles;
    size_t buckets = 256;
    while (buckets < wanted)
        buckets *= 2;
    return buckets;
}

precis_stories_t *precis_stories_new(const precis_stories_options_t *options,
                                     const char *path, int64_t now_us)
{
    precis_stories_t *self = calloc(1, sizeof *self);
    assert(self);
    if (options)
        self->options = *options;
    if (!self->options.max_articles)
        self->options.max_articles = PRECIS_STORIES_MAX_ARTICLES;
    if (!self->options.max_age_us)
        self->options.max_age_us = PRECIS_STORIES_MAX_AGE_US;
    if (!(self->options.threshold > 0))
        self->options.threshold = PRECIS_STORIES_THRESHOLD;
    if (!self->options.bands || PRECIS_MINHASH_BINS % self->options.bands)
        self->options.bands = PRECIS_STORIES_BANDS;
    self->rows = PRECIS_MINHASH_BINS / self->options.bands;
    size_t buckets = initial_buckets(&self->options);
    self->slots =
        self->options.max_articles < buckets ? self->options.max_articles : buckets;
    self->ring = precis_table_alloc(self->slots * sizeof *self->ring);
    self->links =
        precis_table_alloc(self->slots * self->options.bands * sizeof *self->links);
    grow_buckets(self, buckets);
    self->fd = -1;
    self->file_bytes = -1;
    if (path) {
        self->path = strdup(path);
        if (load_file(self, now_us) != 0) {
            zsys_error("story index: cannot open %s: %s", path, strerror(errno));
            precis_stories_destroy(&self);
        }
    }
    return self;
}

void precis_stories_destroy(precis_stories_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    precis_stories_t *self = *self_p;
    free_blocks(self);
    precis_stories_flush(self);
    free(self->pending);
    if (self->fd >= 0)
        close(self->fd);
    free_ring(self);
    precis_table_free(self->heads, heads_bytes(self));
    free(self->path);
    free(self->answer_story);
    free(self->answer_of);
    free(self);
    *self_p = NULL;
}

int precis_stories_add(precis_stories_t *self, const char *id, const char *key,
                       const precis_minhash_t *signature, int64_t now_us,
                       precis_stories_match_t *match)
{
    if (!key)
        key = id;
    evict(self, now_us, false);
    *match = (precis_stories_match_t){
        keep_answer(&self->answer_story, &self->answer_story_room, id), NULL, 0, false};
    if (signature->shingles == 0)
        return 0; /* no word: nothing to compare */
    double similarity = 0;
    bool exact = false;
    uint32_t found = find_match(self, signature, key, &similarity, &exact);
    entry_t entry = {0};
    entry.time_us = now_us;
    entry.shingles = signature->shingles;
    memcpy(entry.text_hash, signature->text_hash, 16);
    memcpy(entry.bins, signature->bins, sizeof entry.bins);
    size_t id_len = strnlen(id, STRING_MAX),
           key_len = strcmp(key, id) != 0 ? strnlen(key, STRING_MAX) : 0, story_len = 0;
    if (found != NIL) {
        const entry_t *earlier = &self->ring[found - 1];
        *match = (precis_stories_match_t){
            keep_answer(&self->answer_story, &self->answer_story_room,
                        entry_story(earlier)),
            keep_answer(&self->answer_of, &self->answer_of_room, entry_id(earlier)),
            similarity, exact};
        if (strlen(self->answer_story) != id_len ||
            memcmp(self->answer_story, id, id_len) != 0)
            story_len = strlen(self->answer_story);
    }
    set_strings(self, &entry, id, id_len, key, key_len, self->answer_story, story_len);
    evict(self, now_us, true);
    int rc = 0;
    if (self->fd >= 0) {
        size_t lens[3], size = record_size(&entry, lens);
        /* Kept until precis_stories_flush (the sink flushes once per batch
           of results: one write instead of one per article), written
           where it is kept. */
        if (self->pending_len + size > self->pending_cap) {
            size_t cap = self->pending_cap ? 2 * self->pending_cap : 65536;
            while (cap < self->pending_len + size)
                cap *= 2;
            uint8_t *grown = realloc(self->pending, cap);
            assert(grown);
            self->pending = grown;
            self->pending_cap = cap;
        }
        write_record(&entry, size, lens, self->pending + self->pending_len);
        self->pending_len += size;
        self->pending_records++;
        if (self->pending_len >= PENDING_MAX)
            rc = precis_stories_flush(self);
    }
    insert(self, &entry, self->query_heads);
    if (self->fd >= 0 &&
        self->file_records + self->pending_records >= 2 * self->options.max_articles) {
        free(self->pending); /* the rewrite writes every live entry */
        self->pending = NULL;
        self->pending_len = self->pending_cap = self->pending_records = 0;
        if (rewrite_file(self) != 0)
            rc = -1;
    }
    return rc;
}

int precis_stories_flush(precis_stories_t *self)
{
    if (!self || self->fd < 0 || self->pending_len == 0)
        return 0;
    /* The file is appended to only here (O_APPEND): its size is counted,
       and an lseek to learn it would be one more system call a batch. */
    off_t end = self->file_bytes >= 0 ? self->file_bytes : file_bytes(self->fd);
    bool ok = write_all(self->fd, self->pending, self->pending_len);
    if (ok) {
        self->file_records += self->pending_records;
        self->file_bytes = end >= 0 ? end + (off_t)self->pending_len : -1;
    }
    /* A full disk may take part of the batch: cut it back, so that the
       next batch does not follow a torn record. The index in memory keeps
       the entries; the file misses them (after a restart, later copies of
       those articles start stories of their own). */
    else
        self->file_bytes = end >= 0 && ftruncate(self->fd, end) == 0 ? end : -1;
    self->pending_len = self->pending_records = 0;
    return ok ? 0 : -1;
}

size_t precis_stories_size(precis_stories_t *self)
{
    return self->count;
}

size_t precis_stories_room(precis_stories_t *self)
{
    return self->slots;
}

size_t precis_stories_bytes(precis_stories_t *self)
{
    size_t bands = self->options.bands;
    return precis_table_size(self->slots * sizeof(entry_t)) +
           precis_table_size(self->slots * bands * sizeof(uint32_t)) +
           precis_table_size(heads_bytes(self)) + self->string_bytes;
}

/* A test text: `words` words from a fixed vocabulary, drawn by seed. */
static char *test_text(unsigned seed, size_t words)
{
    static const char *const vocabulary[] = {
        "river",  "council", "harbour", "ferry",  "winter", "storm",  "market", "bridge",
        "school", "train",   "budget",  "mayor",  "road",   "bakery", "police", "museum",
        "garden", "vote",    "rain",    "strike", "season", "tower",  "crew",   "league"};
    char *text = malloc(words * 9 + 1);
    assert(text);
    size_t len = 0;
    uint64_t state = seed * UINT64_C(0x9e3779b97f4a7c15) + 1;
    for (size_t i = 0; i < words; i++) {
        state = XXH3_64bits(&state, sizeof state);
        const char *word = vocabulary[state % (sizeof vocabulary / sizeof *vocabulary)];
        len += (size_t)sprintf(text + len, "%s%s", i ? " " : "", word);
    }
    return text;
}

int precis_stories_test(bool verbose)
{
    int failures = 0;
#define CHECK(cond)                                                                      \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            fprintf(stderr, "stories test failed: %s (line %d)\n", #cond, __LINE__);     \
            failures++;                                                                  \
        }                                                                                \
    } while (0)
    char path[] = "/tmp/precis-stories-test-XXXXXX";
    close(mkstemp(path));
    unlink(path);
    precis_stories_options_t options = {.max_articles = 8, .max_age_us = 1000000};
    precis_stories_t *self = precis_stories_new(&options, path, 0);
    CHECK(self != NULL);
    if (!self)
        return failures;
    precis_stories_match_t match;
    precis_minhash_t a, b;
    char *original = test_text(1, 300);
    precis_minhash_compute(&a, original, strlen(original));

    /* A new article starts its story. */
    precis_stories_add(self, "a1", "key-a1", &a, 100, &match);
    CHECK(strcmp(match.story, "a1") == 0 && !match.duplicate_of && !match.exact);
    CHECK(match.similarity == 0);
    /* A retry of the same key does not match itself. */
    precis_stories_add(self, "a1", "key-a1", &a, 110, &match);
    CHECK(!match.duplicate_of && strcmp(match.story, "a1") == 0);
    /* An exact copy under another id repeats the first (the earliest of the
       two entries of a1's text). */
    precis_stories_add(self, "a2", "key-a2", &a, 120, &match);
    CHECK(match.duplicate_of && strcmp(match.duplicate_of, "a1") == 0);
    CHECK(match.exact && match.similarity == 1.0 && strcmp(match.story, "a1") == 0);
    /* A copy with its last fifth cut is a near copy of the same story. */
    precis_minhash_compute(&b, original, strlen(original) * 4 / 5);
    precis_stories_add(self, "a3", NULL, &b, 130, &match);
    CHECK(match.duplicate_of && !match.exact && strcmp(match.story, "a1") == 0);
    CHECK(match.similarity >= 0.5 && match.similarity < 1.0);
    /* An unrelated text starts a story of its own. */
    char *other = test_text(2, 300);
    precis_minhash_compute(&b, other, strlen(other));
    precis_stories_add(self, "b1", NULL, &b, 140, &match);
    CHECK(!match.duplicate_of && strcmp(match.story, "b1") == 0);
    CHECK(precis_stories_size(self) == 5);
    CHECK(precis_stories_bytes(self) > 5 * 300);

    /* After a restart from the file the answers are the same. */
    precis_stories_destroy(&self);
    self = precis_stories_new(&options, path, 150);
    CHECK(self && precis_stories_size(self) == 5);
    if (!self)
        return failures;
    precis_stories_add(self, "a4", NULL, &a, 160, &match);
    CHECK(match.duplicate_of && strcmp(match.duplicate_of, "a1") == 0 && match.exact);
    precis_stories_add(self, "b2", NULL, &b, 170, &match);
    CHECK(match.duplicate_of && strcmp(match.duplicate_of, "b1") == 0);

    /* The window by count: after eight more articles a1's text is gone. */
    for (unsigned i = 0; i < 8; i++) {
        char *text = test_text(100 + i, 200), id[16];
        precis_minhash_t filler;
        precis_minhash_compute(&filler, text, strlen(text));
        snprintf(id, sizeof id, "f%u", i);
        precis_stories_add(self, id, NULL, &filler, 200 + i, &match);
        CHECK(!match.duplicate_of);
        free(text);
    }
    CHECK(precis_stories_size(self) == 8);
    precis_stories_add(self, "a5", NULL, &a, 300, &match);
    CHECK(!match.duplicate_of && strcmp(match.story, "a5") == 0);
    /* The window by age: a second later a5 is too old to match. */
    precis_stories_add(self, "a6", NULL, &a, 300 + 999999, &match);
    CHECK(match.duplicate_of && strcmp(match.duplicate_of, "a5") == 0);
    precis_stories_add(self, "a7", NULL, &a, 300 + 1000001, &match);
    CHECK(match.duplicate_of && strcmp(match.duplicate_of, "a6") == 0);
    precis_stories_add(self, "a8", NULL, &a, 300 + 3000000, &match);
    CHECK(!match.duplicate_of);
    CHECK(precis_stories_size(self) == 1);
    precis_stories_destroy(&self);

    /* Loading drops what left the window and rewrites the file; a torn
       last record is dropped. */
    int fd = open(path, O_WRONLY | O_APPEND);
    CHECK(fd >= 0 && write(fd, "\x40\x01\x00\x00\x01\x02", 6) == 6);
    close(fd);
    self = precis_stories_new(&options, path, 300 + 3000010);
    CHECK(self && precis_stories_size(self) == 1);
    if (self) {
        precis_stories_add(self, "a9", NULL, &a, 300 + 3000020, &match);
        CHECK(match.duplicate_of && strcmp(match.duplicate_of, "a8") == 0);
        CHECK(strcmp(match.story, "a8") == 0);
    }
    precis_stories_destroy(&self);
    /* The file now holds the two live records, no more. */
    FILE *file = fopen(path, "rb");
    long size = -1;
    if (file && fseek(file, 0, SEEK_END) == 0)
        size = ftell(file);
    if (file)
        fclose(file);
    CHECK(size == 2 * RECORD_FIXED + 2 + 4);
    /* A file of more than one read chunk (1 MiB) comes back whole, with the
       records across the chunk's edge. */
    unlink(path);
    /* 20,000 articles: the ring grows past 2 MiB (moved by mremap, not
       copied) twice; articles from before and after each growth are found. */
    precis_stories_options_t large = {
        .max_articles = 20000, .max_age_us = 1000000, .initial_articles = 256};
    self = precis_stories_new(&large, path, 0);
    for (unsigned i = 0; self && i < 20000; i++) {
        char *text = test_text(1000 + i, 30), id[16];
        precis_minhash_compute(&b, text, strlen(text));
        snprintf(id, sizeof id, "m%u", i);
        precis_stories_add(self, id, NULL, &b, 10, &match);
        free(text);
    }
    precis_stories_destroy(&self);
    self = precis_stories_new(&large, path, 20);
    CHECK(self && precis_stories_size(self) == 20000);
    static const unsigned again[] = {3, 3500, 9000, 19999};
    for (size_t k = 0; self && k < sizeof again / sizeof *again; k++) {
        char *text = test_text(1000 + again[k], 30), expected[16];
        precis_minhash_compute(&b, text, strlen(text));
        snprintf(expected, sizeof expected, "m%u", again[k]);
        precis_stories_add(self, "again", NULL, &b, 30, &match);
        CHECK(match.duplicate_of && strcmp(match.duplicate_of, expected) == 0 &&
              match.exact);
        free(text);
    }
    precis_stories_destroy(&self);

    /* The ring grows once it has wrapped (the oldest left by age, so the
       oldest live entry is not in slot 0): entries from before and after
       are still found. */
    precis_stories_options_t aging = {
        .max_articles = 1000, .max_age_us = 100, .initial_articles = 256};
    self = precis_stories_new(&aging, NULL, 0);
    for (unsigned i = 0; i < 500; i++) {
        char *text = test_text(40000 + i, 30), id[16];
        precis_minhash_compute(&b, text, strlen(text));
        snprintf(id, sizeof id, "w%u", i);
        /* 200 at time 0, then the rest at 200: the first 200 leave */
        precis_stories_add(self, id, NULL, &b, i < 200 ? 0 : 200, &match);
        free(text);
    }
    CHECK(precis_stories_size(self) == 300);
    static const unsigned wrapped[] = {200, 400, 499};
    for (size_t k = 0; k < sizeof wrapped / sizeof *wrapped; k++) {
        char *text = test_text(40000 + wrapped[k], 30), expected[16];
        precis_minhash_compute(&b, text, strlen(text));
        snprintf(expected, sizeof expected, "w%u", wrapped[k]);
        precis_stories_add(self, "again", NULL, &b, 250, &match);
        CHECK(match.duplicate_of && strcmp(match.duplicate_of, expected) == 0);
        free(text);
    }
    precis_stories_destroy(&self);

    /* Room at first: one huge page of bucket heads by default (16,384
       articles with 32 bands), what the options ask (a power of two), no
       more than the window; the tables double when it is full. */
    self = precis_stories_new(NULL, NULL, 0);
    CHECK(precis_stories_room(self) == 16384);
    precis_stories_destroy(&self);
    precis_stories_options_t bands64 = {.bands = 64};
    self = precis_stories_new(&bands64, NULL, 0);
    CHECK(precis_stories_room(self) == 8192);
    precis_stories_destroy(&self);
    precis_stories_options_t small = {.max_articles = 1000};
    self = precis_stories_new(&small, NULL, 0);
    CHECK(precis_stories_room(self) == 1000);
    precis_stories_destroy(&self);
    precis_stories_options_t asked = {.initial_articles = 300};
    self = precis_stories_new(&asked, NULL, 0);
    CHECK(precis_stories_room(self) == 512);
    for (unsigned i = 0; i < 513; i++) {
        char *text = test_text(60000 + i, 30), id[16];
        precis_minhash_compute(&b, text, strlen(text));
        snprintf(id, sizeof id, "r%u", i);
        precis_stories_add(self, id, NULL, &b, 1, &match);
        free(text);
    }
    CHECK(precis_stories_room(self) == 1024 && precis_stories_size(self) == 513);
    precis_stories_destroy(&self);

    /* A word-less text is never a repeat. */
    self = precis_stories_new(NULL, NULL, 0);
    precis_minhash_compute(&b, "...", 3);
    precis_stories_add(self, "e1", NULL, &b, 1, &match);
    precis_stories_add(self, "e2", NULL, &b, 2, &match);
    CHECK(!match.duplicate_of && precis_stories_size(self) == 0);
    precis_stories_destroy(&self);

    /* Flushes cut short by a full disk (here the file size limit) are cut
       back, twice in a row, and the next whole flush follows the last
       whole record: the file's size is counted, not asked with lseek. */
    unlink(path);
    self = precis_stories_new(&large, path, 0);
    for (unsigned i = 0; self && i < 8; i++) {
        char *text = test_text(70000 + i, 30), id[16];
        precis_minhash_compute(&b, text, strlen(text));
        snprintf(id, sizeof id, "d%u", i);
        precis_stories_add(self, id, NULL, &b, 10, &match);
        free(text);
        if (i == 2)
            CHECK(precis_stories_flush(self) == 0);
        if (i == 3 || i == 4) {
            struct stat info;
            off_t before = stat(path, &info) == 0 ? info.st_size : -1;
            void (*handler)(int) = signal(SIGXFSZ, SIG_IGN);
            struct rlimit old_limit, limit;
            getrlimit(RLIMIT_FSIZE, &old_limit);
            limit = old_limit;
            limit.rlim_cur = (rlim_t)before + (i == 3 ? 10 : 0);
            setrlimit(RLIMIT_FSIZE, &limit);
            CHECK(precis_stories_flush(self) == -1);
            setrlimit(RLIMIT_FSIZE, &old_limit);
            signal(SIGXFSZ, handler);
            CHECK(stat(path, &info) == 0 && info.st_size == before);
        }
    }
    CHECK(precis_stories_flush(self) == 0);
    precis_stories_destroy(&self);
    self = precis_stories_new(&large, path, 20);
    CHECK(self && precis_stories_size(self) == 6); /* d0-d2, d5-d7 */
    precis_stories_destroy(&self);
    unlink(path);

    /* Memory: an article's share of the tables is its 296-byte entry and
       a 4-byte link a band, the bucket heads are 4 bytes a band and bucket
       (under 2 MiB: counted exactly). The strings of 1,000 ids of 100
       bytes take two string blocks, which are used again (one kept as the
       spare) by the next 1,000 once the first have left: no more blocks. */
    precis_stories_options_t thousand = {.max_articles = 1000, .max_age_us = 100};
    self = precis_stories_new(&thousand, NULL, 0);
    size_t empty = precis_stories_bytes(self);
    CHECK(sizeof(entry_t) == 296);
    CHECK(empty == 1000 * (296 + 32 * 4) + 1024 * 32 * 4);
    size_t block = sizeof(string_block_t) + STRING_BLOCK;
    for (unsigned round = 0; round < 2; round++) {
        for (unsigned i = 0; i < 1000; i++) {
            char *text = test_text(80000 + 1000 * round + i, 30), id[STRING_MAX + 1];
            precis_minhash_compute(&b, text, strlen(text));
            snprintf(id, sizeof id, "%0100u", 1000 * round + i);
            precis_stories_add(self, id, "key", &b, 1000 * round, &match);
            free(text);
        }
        CHECK(precis_stories_size(self) == 1000);
        CHECK(precis_stories_bytes(self) == empty + 2 * block);
    }
    precis_stories_destroy(&self);

    /* A file's record may hold strings larger than a block (16-bit lengths:
       up to 65,535 bytes each): it gets a block of its own. */
    size_t long_len = 30000;
    char *strings = malloc(3 * (long_len + 1));
    for (int i = 0; i < 3; i++) {
        memset(strings + i * (long_len + 1), 'x' + i, long_len);
        strings[i * (long_len + 1) + long_len] = 0;
    }
    entry_t big = {.time_us = 10, .shingles = a.shingles, .strings = strings};
    memcpy(big.text_hash, a.text_hash, 16);
    memcpy(big.bins, a.bins, sizeof big.bins);
    size_t lens[3], big_size = record_size(&big, lens);
    uint8_t *record = malloc(big_size);
    write_record(&big, big_size, lens, record);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    CHECK(fd >= 0 && write(fd, record, big_size) == (ssize_t)big_size);
    close(fd);
    self = precis_stories_new(&large, path, 20);
    CHECK(self && precis_stories_size(self) == 1);
    if (self) {
        precis_stories_t *bare = precis_stories_new(&large, NULL, 0);
        CHECK(precis_stories_bytes(self) ==
              precis_stories_bytes(bare) + sizeof(string_block_t) + 3 * (long_len + 1));
        precis_stories_destroy(&bare);
        precis_stories_add(self, "copy", NULL, &a, 30, &match);
        CHECK(match.duplicate_of && match.exact);
        CHECK(match.duplicate_of && strlen(match.duplicate_of) == STRING_MAX &&
              match.duplicate_of[0] == 'x' && strlen(match.story) == STRING_MAX &&
              match.story[0] == 'z');
    }
    precis_stories_destroy(&self);
    free(record);
    free(strings);
    unlink(path);
    free(original);
    free(other);
    if (verbose && !failures)
        printf("stories: all checks passed\n");
    return failures;
#undef CHECK
}
