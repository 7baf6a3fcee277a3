/*  precis_idwindow - the article ids ingest has taken. See precis_idwindow.h.

    Delivered ids: a ring of (digest, time) in order of delivery, so that
    the oldest go first by count and by age, and an open-addressing table
    of ring positions (linear probing, backward-shift deletion: no
    tombstones) for lookups. Ids in flight: two small hashes, digest to key
    and key to digest, the digests kept as 16 bytes (not as hex text: the
    printing and parsing cost more than the lookups). The digest of the
    last id asked about is kept, since ingest asks contains and then taken
    for the same id: one SHA-1 per request, not two.
*/
#include "precis_idwindow.h"
#include "precis_config.h"
#include <czmq.h>
#include <fcntl.h>
#include <nettle/sha1.h>
#include <unistd.h>
#include "precis_uthash.h"

#define RECORD_SIZE 28
/* The file is rewritten once it holds more than 2 x the window plus this. */
#define REWRITE_FLOOR 65536
#define RING_FIRST    1024

typedef struct {
    uint64_t a, b; /* the id's digest */
    int64_t time_s;
    uint64_t content; /* precis_idwindow_content; 0: not known (loaded) */
} slot_t;

/* The longest id a client may give (PROTOCOL.md), for the digest cache. */
#define ID_MAX 256

typedef struct {
    uint64_t a, b;
} digest_t;

/* An id in flight, by key: its digest and its article's content digest.
   One allocation, in both hashes (uthash: their handles and keys are its
   own, not copies; precis_uthash.h): six allocations an article were a
   tenth of ingest's malloc calls, and zhashx's items two more. */
typedef struct flight_s {
    digest_t digest;
    uint64_t content;
    UT_hash_handle by_digest; /* while it owns its id (in_digest) */
    UT_hash_handle by_key;
    bool in_digest; /* a newer flight of the same id may own it instead */
    size_t key_len;
    char key[];
} flight_t;

struct _precis_idwindow_t {
    size_t max_ids;
    int64_t max_age_s;
    slot_t *ring;
    size_t capacity, head, count; /* the oldest at head */
    uint32_t *table;              /* ring position + 1; 0: empty */
    size_t mask;                  /* table size - 1 */
    flight_t *by_digest;          /* digest -> flight_t, ids in flight (uthash) */
    flight_t *by_key;             /* key -> flight_t (owns them; uthash) */
    /* The digest of the last id digested (id_len 0: none yet). */
    char last_id[ID_MAX];
    size_t last_len;
    digest_t last;
    char *path, *temp;
    FILE *file;
    uint64_t records; /* in the file */
    bool failing;     /* the last write failed (logged once) */
};

/* The first 16 bytes of the id's SHA-1, as two little-endian words (the
   form of the ids file). Nettle's context lives on the stack: czmq's
   zdigest allocated one per id and hashed in portable C, about 3,800
   instructions a request of ingest's 36,000 (callgrind, BBC set). */
static digest_t id_digest(const char *id, size_t id_len)
{
    struct sha1_ctx context;
    uint8_t data[SHA1_DIGEST_SIZE];
    sha1_init(&context);
    sha1_update(&context, id_len, (const uint8_t *)id);
    sha1_digest(&context, sizeof data, data);
    uint64_t words[2] = {0, 0};
    for (int i = 0; i < 16; i++)
        words[i / 8] |= (uint64_t)data[i] << (8 * (i % 8));
    return (digest_t){words[0], words[1]};
}

static void digest_of(precis_idwindow_t *self, const char *id, size_t id_len, uint64_t *a,
                      uint64_t *b)
{
    if (id_len == 0 || id_len != self->last_len || memcmp(id, self->last_id, id_len)) {
        self->last = id_digest(id, id_len);
        self->last_len = id_len <= ID_MAX ? id_len : 0;
        if (self->last_len)
            memcpy(self->last_id, id, id_len);
    }
    *a = self->last.a;
    *b = self->last.b;
}

/* The hash of a digest in by_digest: its first bits (those of SHA-1 are
   as good a hash as any). */
static unsigned digest_hash(const digest_t *digest)
{
    return (unsigned)digest->a;
}

/* The flight that owns the id of digest, or NULL. */
static flight_t *flight_by_digest(precis_idwindow_t *self, const digest_t *digest)
{
    flight_t *flight;
    HASH_FIND_BYHASHVALUE(by_digest, self->by_digest, digest, sizeof *digest,
                          digest_hash(digest), flight);
    return flight;
}

/* The flight under key (key_len bytes), or NULL. */
static flight_t *flight_by_key(precis_idwindow_t *self, const char *key, size_t key_len)
{
    flight_t *flight;
    HASH_FIND_BYHASHVALUE(by_key, self->by_key, key, key_len,
                          precis_key_hash(key, key_len), flight);
    return flight;
}

static size_t home(const precis_idwindow_t *self, const slot_t *slot)
{
    return (size_t)(slot->a ^ (slot->a >> 29)) & self->mask;
}

/* The table index holding (a, b), or the empty one where it would go. */
static size_t probe(const precis_idwindow_t *self, uint64_t a, uint64_t b)
{
    slot_t key = {a, b, 0, 0};
    size_t i = home(self, &key);
    while (self->table[i]) {
        const slot_t *slot = &self->ring[self->table[i] - 1];
        if (slot->a == a && slot->b == b)
            break;
        i = (i + 1) & self->mask;
    }
    return i;
}

static void table_insert(precis_idwindow_t *self, size_t position)
{
    const slot_t *slot = &self->ring[position];
    size_t i = probe(self, slot->a, slot->b);
    self->table[i] = (uint32_t)(position + 1);
}

/* Removes the entry of the ring position from the table: the entries of
   its probe run after it move back, so that every lookup still finds
   them. */
static void table_remove(precis_idwindow_t *self, size_t position)
{
    const slot_t *slot = &self->ring[position];
    size_t hole = probe(self, slot->a, slot->b);
    if (self->table[hole] != position + 1)
        return; /* a second delivery of one digest is not in the table */
    for (size_t j = (hole + 1) & self->mask; self->table[j]; j = (j + 1) & self->mask) {
        size_t k = home(self, &self->ring[self->table[j] - 1]);
        /* Move it back when its home is not between the hole and it. */
        bool stays = hole <= j ? (hole < k && k <= j) : (hole < k || k <= j);
        if (!stays) {
            self->table[hole] = self->table[j];
            hole = j;
        }
    }
    self->table[hole] = 0;
}

/* Makes room for capacity ids: the ring is laid out afresh from 0 and the
   table rebuilt at twice its size or more, so the load stays <= 1/2. */
static void resize(precis_idwindow_t *self, size_t capacity)
{
    slot_t *ring = malloc(capacity * sizeof *ring);
    assert(ring);
    for (size_t i = 0; i < self->count; i++)
        ring[i] = self->ring[(self->head + i) % self->capacity];
    free(self->ring);
    self->ring = ring;
    self->capacity = capacity;
    self->head = 0;
    size_t size = 16;
    while (size < 2 * capacity)
        size *= 2;
    free(self->table);
    self->table = calloc(size, sizeof *self->table);
    assert(self->table);
    self->mask = size - 1;
    for (size_t i = 0; i < self->count; i++)
        table_insert(self, i);
}

static void drop_oldest(precis_idwindow_t *self)
{
    table_remove(self, self->head);
    self->head = (self->head + 1) % self->capacity;
    self->count--;
}

/* Adds a delivered digest to the ring and the table (the oldest goes when
   the window is full). false when it was there already. */
static bool remember(precis_idwindow_t *self, uint64_t a, uint64_t b, int64_t time_s,
                     uint64_t content)
{
    if (self->table && self->table[probe(self, a, b)])
        return false;
    if (self->count == self->capacity) {
        if (self->capacity < self->max_ids) {
            size_t capacity = self->capacity ? 2 * self->capacity : RING_FIRST;
            resize(self, capacity < self->max_ids ? capacity : self->max_ids);
        } else
            drop_oldest(self);
    }
    size_t position = (self->head + self->count) % self->capacity;
    self->ring[position] = (slot_t){a, b, time_s, content};
    self->count++;
    table_insert(self, position);
    return true;
}

static void expire(precis_idwindow_t *self, int64_t now_s)
{
    while (self->count && self->ring[self->head].time_s < now_s - self->max_age_s)
        drop_oldest(self);
}

static uint32_t record_checksum(const unsigned char *bytes, size_t size)
{
    uint32_t hash = 2166136261u;
    for (size_t i = 0; i < size; i++)
        hash = (hash ^ bytes[i]) * 16777619u;
    return hash;
}

static void encode_record(unsigned char *record, const slot_t *slot)
{
    uint64_t words[3] = {slot->a, slot->b, (uint64_t)slot->time_s};
    for (int w = 0; w < 3; w++)
        for (int i = 0; i < 8; i++)
            record[8 * w + i] = (unsigned char)(words[w] >> (8 * i));
    uint32_t sum = record_checksum(record, 24);
    for (int i = 0; i < 4; i++)
        record[24 + i] = (unsigned char)(sum >> (8 * i));
}

/* Reads a record back; false when its checksum is wrong. */
static bool decode_record(const unsigned char *record, slot_t *slot)
{
    uint64_t words[3] = {0, 0, 0};
    for (int w = 0; w < 3; w++)
        for (int i = 0; i < 8; i++)
            words[w] |= (uint64_t)record[8 * w + i] << (8 * i);
    uint32_t sum = 0;
    for (int i = 0; i < 4; i++)
        sum |= (uint32_t)record[24 + i] << (8 * i);
    *slot = (slot_t){words[0], words[1], (int64_t)words[2], 0};
    return sum == record_checksum(record, 24);
}

static void append_record(precis_idwindow_t *self, const slot_t *slot)
{
    if (!self->file)
        return;
    unsigned char record[RECORD_SIZE];
    encode_record(record, slot);
    if (fwrite(record, 1, RECORD_SIZE, self->file) == RECORD_SIZE)
        self->records++;
}

/* Loads the file: every intact record in the window, a torn tail cut. */
static void load(precis_idwindow_t *self, int64_t now_s)
{
    unsigned char record[RECORD_SIZE];
    uint64_t bad = 0;
    off_t good_end = 0;
    rewind(self->file);
    size_t got;
    while ((got = fread(record, 1, RECORD_SIZE, self->file)) == RECORD_SIZE) {
        slot_t slot;
        good_end += RECORD_SIZE;
        self->records++;
        if (!decode_record(record, &slot))
            bad++;
        else if (slot.time_s >= now_s - self->max_age_s)
            remember(self, slot.a, slot.b, slot.time_s, 0);
    }
    if (bad)
        zsys_error("idwindow: %llu damaged records in %s skipped",
                   (unsigned long long)bad, self->path);
    if (got > 0 && ftruncate(fileno(self->file), good_end) != 0)
        zsys_error("idwindow: cannot cut a torn record off %s: %s", self->path,
                   strerror(errno));
    fseeko(self->file, 0, SEEK_END);
    expire(self, now_s);
}

precis_idwindow_t *precis_idwindow_new(const char *path, size_t max_ids,
                                       int64_t max_age_s, int64_t now_s)
{
    precis_idwindow_t *self = calloc(1, sizeof *self);
    assert(self);
    /* Ring positions are stored in 32 bits. */
    self->max_ids = max_ids > (1u << 31) ? (1u << 31) : max_ids;
    self->max_age_s = max_age_s;
    if (path && self->max_ids > 0) {
        self->path = strdup(path);
        self->temp = zsys_sprintf("%s.new", path);
        int fd = precis_data_file_open(path, O_RDWR | O_APPEND);
        self->file = fd >= 0 ? fdopen(fd, "a+b") : NULL;
        if (!self->file) {
            zsys_error("idwindow: cannot open %s: %s", path, strerror(errno));
            if (fd >= 0)
                close(fd);
            precis_idwindow_destroy(&self);
            return NULL;
        }
        load(self, now_s);
    }
    return self;
}

void precis_idwindow_destroy(precis_idwindow_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    precis_idwindow_t *self = *self_p;
    if (self->file) {
        if (fflush(self->file) == 0)
            fdatasync(fileno(self->file));
        fclose(self->file);
    }
    free(self->ring);
    free(self->table);
    HASH_CLEAR(by_digest, self->by_digest);
    flight_t *flight, *next;
    HASH_ITER(by_key, self->by_key, flight, next)
    {
        HASH_DELETE(by_key, self->by_key, flight);
        free(flight);
    }
    free(self->path);
    zstr_free(&self->temp);
    free(self);
    *self_p = NULL;
}

uint64_t precis_idwindow_content(const char *title, size_t title_len, const char *text,
                                 size_t text_len)
{
    /* The title's hash seeds the text's: ("ab", "c") and ("a", "bc") differ. */
    uint64_t seed = XXH3_64bits(title ? title : "", title ? title_len : 0);
    uint64_t content = precis_xxh3_seeded(text, text ? text_len : 0, seed);
    return content ? content : 1; /* 0 means not known */
}

precis_idwindow_seen_t precis_idwindow_check(precis_idwindow_t *self, const char *id,
                                             size_t id_len, uint64_t content,
                                             int64_t now_s)
{
    if (self->max_ids == 0)
        return PRECIS_ID_NEW;
    digest_t digest;
    digest_of(self, id, id_len, &digest.a, &digest.b);
    uint64_t known = 0;
    const flight_t *flight = flight_by_digest(self, &digest);
    if (flight)
        known = flight->content;
    else {
        expire(self, now_s);
        size_t i = self->table ? probe(self, digest.a, digest.b) : 0;
        if (!self->table || !self->table[i])
            return PRECIS_ID_NEW;
        known = self->ring[self->table[i] - 1].content;
    }
    /* Not known on either side (loaded from the file, or not asked about):
       taken for the same article, as before content digests. */
    return known == 0 || content == 0 || known == content ? PRECIS_ID_SAME
                                                          : PRECIS_ID_CHANGED;
}

bool precis_idwindow_contains(precis_idwindow_t *self, const char *id, size_t id_len,
                              int64_t now_s)
{
    return precis_idwindow_check(self, id, id_len, 0, now_s) != PRECIS_ID_NEW;
}

void precis_idwindow_taken(precis_idwindow_t *self, const char *id, size_t id_len,
                           uint64_t content, const char *key)
{
    if (self->max_ids == 0)
        return;
    /* The same key again (not from ingest, which never reuses one): the
       hashes must not keep pointers into the flight it had. */
    size_t key_len = strlen(key);
    unsigned key_hash = precis_key_hash(key, key_len);
    flight_t *flight;
    HASH_FIND_BYHASHVALUE(by_key, self->by_key, key, key_len, key_hash, flight);
    if (flight)
        precis_idwindow_forget(self, key);
    flight = malloc(sizeof *flight + key_len + 1);
    assert(flight);
    digest_of(self, id, id_len, &flight->digest.a, &flight->digest.b);
    flight->content = content;
    flight->key_len = key_len;
    memcpy(flight->key, key, key_len + 1);
    /* A newer article with this id owns it now: deleted and inserted, not
       updated, so that the hash's key is the new flight's digest (the old
       flight goes when its own article is delivered). */
    unsigned digest_hashed = digest_hash(&flight->digest);
    flight_t *older;
    HASH_FIND_BYHASHVALUE(by_digest, self->by_digest, &flight->digest,
                          sizeof flight->digest, digest_hashed, older);
    if (older) {
        HASH_DELETE(by_digest, self->by_digest, older);
        older->in_digest = false;
    }
    HASH_ADD_KEYPTR_BYHASHVALUE(by_digest, self->by_digest, &flight->digest,
                                sizeof flight->digest, digest_hashed, flight);
    flight->in_digest = true;
    HASH_ADD_KEYPTR_BYHASHVALUE(by_key, self->by_key, flight->key, key_len, key_hash,
                                flight);
}

/* Takes the id in flight under key off the in-flight hashes; fills the
   digest and the content digest, false when none was noted. */
static bool untake(precis_idwindow_t *self, const char *key, uint64_t *a, uint64_t *b,
                   uint64_t *content)
{
    flight_t *flight = flight_by_key(self, key, strlen(key));
    if (!flight)
        return false;
    *a = flight->digest.a;
    *b = flight->digest.b;
    *content = flight->content;
    /* A newer article with the same id (taken later, under another key)
       keeps the id in flight. */
    if (flight->in_digest)
        HASH_DELETE(by_digest, self->by_digest, flight);
    HASH_DELETE(by_key, self->by_key, flight);
    free(flight);
    return true;
}

void precis_idwindow_forget(precis_idwindow_t *self, const char *key)
{
    uint64_t a, b, content;
    untake(self, key, &a, &b, &content);
}

bool precis_idwindow_delivered(precis_idwindow_t *self, const char *key, int64_t now_s)
{
    uint64_t a, b, content;
    if (!untake(self, key, &a, &b, &content))
        return false;
    expire(self, now_s);
    if (remember(self, a, b, now_s, content)) {
        slot_t slot = {a, b, now_s, content};
        append_record(self, &slot);
    }
    /* Also when the id was known already: its record may not be durable
       yet either. */
    return self->file != NULL;
}

/* Rewrites the file with just the window (temp file, then rename). */
static void rewrite(precis_idwindow_t *self)
{
    int fd = precis_data_file_open(self->temp, O_RDWR | O_TRUNC | O_APPEND);
    FILE *file = fd >= 0 ? fdopen(fd, "a+b") : NULL;
    if (!file && fd >= 0)
        close(fd);
    bool failed = !file || fflush(self->file) != 0;
    unsigned char record[RECORD_SIZE];
    for (size_t i = 0; i < self->count && !failed; i++) {
        encode_record(record, &self->ring[(self->head + i) % self->capacity]);
        failed = fwrite(record, 1, RECORD_SIZE, file) != RECORD_SIZE;
    }
    if (failed || fflush(file) != 0 || fdatasync(fileno(file)) != 0 ||
        rename(self->temp, self->path) != 0) {
        if (!self->failing)
            zsys_error("idwindow: cannot rewrite %s: %s", self->path, strerror(errno));
        self->failing = true;
        if (file)
            fclose(file);
        unlink(self->temp);
        return;
    }
    fclose(self->file);
    self->file = file;
    self->records = self->count;
}

void precis_idwindow_maintain(precis_idwindow_t *self, int64_t now_s)
{
    expire(self, now_s);
    if (self->file && self->records > 2 * (uint64_t)self->count + REWRITE_FLOOR)
        rewrite(self);
}

int precis_idwindow_flush(precis_idwindow_t *self)
{
    if (!self->file)
        return 0;
    if (fflush(self->file) == 0) {
        if (self->failing)
            zsys_info("idwindow: %s is written again", self->path);
        self->failing = false;
        return 0;
    }
    if (!self->failing)
        zsys_error("idwindow: cannot write %s: %s; delivered ids are kept in memory "
                   "only until it can",
                   self->path, strerror(errno));
    self->failing = true;
    /* What could not be written is dropped from the buffer (the ids stay
       in memory); the file keeps whole records only. */
    clearerr(self->file);
    off_t size = lseek(fileno(self->file), 0, SEEK_END);
    if (size > 0 && size % RECORD_SIZE != 0 &&
        ftruncate(fileno(self->file), size - size % RECORD_SIZE) != 0)
        zsys_error("idwindow: cannot cut %s back: %s", self->path, strerror(errno));
    return -1;
}

int precis_idwindow_fd(precis_idwindow_t *self)
{
    return self->file ? fileno(self->file) : -1;
}

size_t precis_idwindow_size(precis_idwindow_t *self)
{
    return self->count;
}

size_t precis_idwindow_in_flight(precis_idwindow_t *self)
{
    return HASH_CNT(by_key, self->by_key);
}

/* ---- self test ----------------------------------------------------------- */

/* One id taken twice, under two keys (a retry after the first copy's
   journal write failed and was forgotten, or two copies racing): each key
   lets go of only its own flight, and the id stays known while either is
   in flight; a key noted twice replaces its flight. The hashes point into
   the flights, so ASan watches this too. */
static int test_same_id_twice(void)
{
    int failures = 0;
    precis_idwindow_t *window = precis_idwindow_new(NULL, 100, 3600, 1000);
    precis_idwindow_taken(window, "twice", 5, 7, "k1");
    precis_idwindow_taken(window, "twice", 5, 8, "k2");
    bool newest = precis_idwindow_check(window, "twice", 5, 8, 1000) == PRECIS_ID_SAME &&
                  precis_idwindow_check(window, "twice", 5, 7, 1000) == PRECIS_ID_CHANGED;
    precis_idwindow_forget(window, "k1");
    bool kept = precis_idwindow_contains(window, "twice", 5, 1000) &&
                precis_idwindow_in_flight(window) == 1;
    precis_idwindow_taken(window, "again", 5, 9, "k2"); /* k2 noted again */
    bool replaced = !precis_idwindow_contains(window, "twice", 5, 1000) &&
                    precis_idwindow_contains(window, "again", 5, 1000) &&
                    precis_idwindow_in_flight(window) == 1;
    /* In memory only: no record to sync. */
    bool delivered = !precis_idwindow_delivered(window, "k2", 1001) &&
                     precis_idwindow_contains(window, "again", 5, 1002) &&
                     precis_idwindow_in_flight(window) == 0 &&
                     precis_idwindow_size(window) == 1;
    if (!newest || !kept || !replaced || !delivered) {
        fprintf(stderr, "idwindow test: one id under two keys: %d %d %d %d\n", newest,
                kept, replaced, delivered);
        failures++;
    }
    precis_idwindow_taken(window, "left", 4, 1, "k3"); /* freed with the window */
    precis_idwindow_destroy(&window);
    return failures;
}

/* Many ids in flight at once (both hashes grow their buckets): each known
   with its content, a third delivered, a third forgotten, the rest still
   in flight and freed with the window. */
static int test_many_in_flight(void)
{
    enum { MANY = 3000 };
    precis_idwindow_t *window = precis_idwindow_new(NULL, 10 * MANY, 3600, 1000);
    char id[32], key[32];
    for (int i = 0; i < MANY; i++) {
        snprintf(id, sizeof id, "id-%d", i);
        snprintf(key, sizeof key, "key-%d", i);
        precis_idwindow_taken(window, id, strlen(id), (uint64_t)i + 1, key);
    }
    size_t same = 0, changed = 0;
    for (int i = 0; i < MANY; i++) {
        snprintf(id, sizeof id, "id-%d", i);
        same += precis_idwindow_check(window, id, strlen(id), (uint64_t)i + 1, 1000) ==
                PRECIS_ID_SAME;
        changed += precis_idwindow_check(window, id, strlen(id), (uint64_t)i + 2, 1000) ==
                   PRECIS_ID_CHANGED;
    }
    for (int i = 0; i < MANY; i++) {
        snprintf(key, sizeof key, "key-%d", i);
        if (i % 3 == 0)
            precis_idwindow_delivered(window, key, 1001);
        else if (i % 3 == 1)
            precis_idwindow_forget(window, key);
    }
    size_t known = 0;
    for (int i = 0; i < MANY; i++) {
        snprintf(id, sizeof id, "id-%d", i);
        known += precis_idwindow_contains(window, id, strlen(id), 1002) == (i % 3 != 1);
    }
    int failures = 0;
    if (same != MANY || changed != MANY || known != MANY ||
        precis_idwindow_in_flight(window) != MANY / 3 ||
        precis_idwindow_size(window) != MANY / 3) {
        fprintf(stderr,
                "idwindow test: many in flight: %zu same, %zu changed, %zu known, %zu in "
                "flight, %zu delivered\n",
                same, changed, known, precis_idwindow_in_flight(window),
                precis_idwindow_size(window));
        failures++;
    }
    precis_idwindow_destroy(&window);
    return failures;
}

/* The ids file keeps the first 16 bytes of each id's SHA-1, so that a file
   written by any version loads in any other: the record of "abc" starts
   with those of FIPS 180's example digest, a9993e36 4706816a ba3e2571
   7850c26c 9cd0d89d, and a window loaded from it knows "abc". */
static int test_file_digest(void)
{
    int failures = 0;
    char dir[] = "/tmp/precis-idwindow-digest-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    char *path = zsys_sprintf("%s/ids", dir);
    precis_idwindow_t *window = precis_idwindow_new(path, 10, 3600, 1000);
    precis_idwindow_taken(window, "abc", 3, 0, "k1");
    precis_idwindow_delivered(window, "k1", 1000);
    precis_idwindow_flush(window);
    precis_idwindow_destroy(&window);
    static const unsigned char expected[16] = {0xa9, 0x99, 0x3e, 0x36, 0x47, 0x06,
                                               0x81, 0x6a, 0xba, 0x3e, 0x25, 0x71,
                                               0x78, 0x50, 0xc2, 0x6c};
    unsigned char record[RECORD_SIZE];
    FILE *file = fopen(path, "rb");
    if (!file || fread(record, 1, RECORD_SIZE, file) != RECORD_SIZE ||
        memcmp(record, expected, sizeof expected) != 0) {
        fprintf(stderr, "idwindow test: the record of \"abc\" does not hold its SHA-1\n");
        failures++;
    }
    if (file)
        fclose(file);
    window = precis_idwindow_new(path, 10, 3600, 1001);
    if (!window || precis_idwindow_check(window, "abc", 3, 0, 1001) != PRECIS_ID_SAME ||
        precis_idwindow_check(window, "abd", 3, 0, 1001) != PRECIS_ID_NEW) {
        fprintf(stderr, "idwindow test: \"abc\" not known from the file\n");
        failures++;
    }
    precis_idwindow_destroy(&window);
    unlink(path);
    zstr_free(&path);
    rmdir(dir);
    return failures;
}

/* The same id with other content: changed, in flight and once delivered;
   the same content: the same; content not known: the same (as before). */
static int test_content(void)
{
    int failures = 0;
    /* Long texts go through XXH3's dispatcher: the digest is the inline
       code's all the same. */
    static char text[5000];
    for (size_t i = 0; i < sizeof text; i++)
        text[i] = (char)('a' + i * 7 % 26);
    for (size_t len = 230; len <= sizeof text; len += len < 300 ? 1 : 977) {
        uint64_t inline_digest = XXH3_64bits_withSeed(text, len, XXH3_64bits("Quake", 5));
        if (precis_idwindow_content("Quake", 5, text, len) !=
            (inline_digest ? inline_digest : 1)) {
            fprintf(stderr,
                    "idwindow test: the content digest of %zu bytes is not XXH3's\n",
                    len);
            failures++;
        }
    }
    precis_idwindow_t *window = precis_idwindow_new(NULL, 100, 3600, 1000);
    uint64_t quake = precis_idwindow_content("Quake", 5, "The ground shook.", 17);
    uint64_t other = precis_idwindow_content("Quake", 5, "The ground shook!", 17);
    uint64_t moved = precis_idwindow_content("Quak", 4, "eThe ground shook.", 18);
    if (quake == other || quake == moved || quake == 0 ||
        quake != precis_idwindow_content("Quake", 5, "The ground shook.", 17)) {
        fprintf(stderr, "idwindow test: content digests do not tell articles apart\n");
        failures++;
    }
    precis_idwindow_taken(window, "quake.txt", 9, quake, "k1");
    precis_idwindow_seen_t seen[] = {
        precis_idwindow_check(window, "quake.txt", 9, quake, 1000),
        precis_idwindow_check(window, "quake.txt", 9, other, 1000),
        precis_idwindow_check(window, "quake.txt", 9, 0, 1000),
        precis_idwindow_check(window, "flood.txt", 9, quake, 1000)};
    precis_idwindow_delivered(window, "k1", 1001);
    precis_idwindow_seen_t later[] = {
        precis_idwindow_check(window, "quake.txt", 9, quake, 1002),
        precis_idwindow_check(window, "quake.txt", 9, other, 1002),
        precis_idwindow_check(window, "quake.txt", 9, other, 9999)};
    if (seen[0] != PRECIS_ID_SAME || seen[1] != PRECIS_ID_CHANGED ||
        seen[2] != PRECIS_ID_SAME || seen[3] != PRECIS_ID_NEW) {
        fprintf(stderr, "idwindow test: in flight: %d %d %d %d\n", seen[0], seen[1],
                seen[2], seen[3]);
        failures++;
    }
    if (later[0] != PRECIS_ID_SAME || later[1] != PRECIS_ID_CHANGED ||
        later[2] != PRECIS_ID_NEW) {
        fprintf(stderr, "idwindow test: delivered: %d %d %d\n", later[0], later[1],
                later[2]);
        failures++;
    }
    precis_idwindow_destroy(&window);
    return failures;
}

static bool has(precis_idwindow_t *self, const char *id, int64_t now_s)
{
    return precis_idwindow_contains(self, id, strlen(id), now_s);
}

static void take_and_deliver(precis_idwindow_t *self, const char *id, int64_t now_s)
{
    char key[64];
    snprintf(key, sizeof key, "key-%s", id);
    precis_idwindow_taken(self, id, strlen(id), 0, key);
    precis_idwindow_delivered(self, key, now_s);
}

int precis_idwindow_test(bool verbose)
{
    (void)verbose;
    int failures = test_content() + test_file_digest() + test_same_id_twice() +
                   test_many_in_flight();
#define CHECK(cond, what)                                                                \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            fprintf(stderr, "idwindow test: %s\n", what);                                \
            failures++;                                                                  \
        }                                                                                \
    } while (0)
    char dir[] = "/tmp/precis-idwindow-test-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    char *path = zsys_sprintf("%s/ids", dir);
    precis_idwindow_t *window = precis_idwindow_new(path, 3, 100, 1000);
    CHECK(window, "cannot open the file");
    if (!window) {
        zstr_free(&path);
        rmdir(dir);
        return failures;
    }

    /* In flight, then delivered: known throughout; forgotten: unknown. */
    CHECK(!has(window, "a1", 1000), "an id never seen is known");
    precis_idwindow_taken(window, "a1", 2, 0, "k1");
    CHECK(has(window, "a1", 1000), "an id in flight is not known");
    CHECK(!has(window, "a", 1000) && !has(window, "a1 ", 1000), "a similar id is known");
    /* Its record is to be synced (ingest holds the done record until). */
    CHECK(precis_idwindow_delivered(window, "k1", 1000),
          "a delivered id's record was not said to need a sync");
    CHECK(has(window, "a1", 1001) && precis_idwindow_size(window) == 1 &&
              precis_idwindow_in_flight(window) == 0,
          "a delivered id is not in the window");
    precis_idwindow_taken(window, "b1", 2, 0, "k2");
    precis_idwindow_forget(window, "k2");
    CHECK(!has(window, "b1", 1001), "an id forgotten is still known");
    /* Nothing noted: no effect, nothing to sync. */
    CHECK(!precis_idwindow_delivered(window, "k2", 1001) &&
              precis_idwindow_size(window) == 1,
          "a forgotten key was delivered");

    /* The digest of the last id is reused: asking about one id, then
       taking another of the same length must note the second, and an id
       sent in a buffer that changed since is digested afresh. */
    char buffer[3] = "c1";
    CHECK(!has(window, buffer, 1001), "c1 is known before it was taken");
    buffer[1] = '2';
    precis_idwindow_taken(window, buffer, 2, 0, "k3");
    CHECK(has(window, "c2", 1001) && !has(window, "c1", 1001),
          "taking c2 after asking about c1 noted the wrong id");
    precis_idwindow_forget(window, "k3");

    /* The count bound: the oldest goes first. */
    take_and_deliver(window, "a2", 1002);
    take_and_deliver(window, "a3", 1003);
    take_and_deliver(window, "a4", 1004);
    CHECK(!has(window, "a1", 1004) && has(window, "a2", 1004) &&
              has(window, "a4", 1004) && precis_idwindow_size(window) == 3,
          "the window is not bounded by its count, oldest first");

    /* Across a restart: the delivered ids come back from the file. */
    failures += precis_idwindow_flush(window) != 0;
    precis_idwindow_destroy(&window);
    window = precis_idwindow_new(path, 3, 100, 1010);
    CHECK(window && has(window, "a2", 1010) && has(window, "a3", 1010) &&
              has(window, "a4", 1010) && !has(window, "a1", 1010),
          "the window did not survive a restart");

    /* The age bound: ids older than max_age go, on lookup or maintenance. */
    CHECK(has(window, "a3", 1103) && !has(window, "a2", 1103),
          "the window is not bounded by age");
    precis_idwindow_maintain(window, 1200);
    CHECK(precis_idwindow_size(window) == 0, "maintenance kept expired ids");
    precis_idwindow_destroy(&window);

    /* A damaged record is skipped, a torn tail cut; the rest is loaded. */
    window = precis_idwindow_new(path, 3, 100, 1300);
    take_and_deliver(window, "c1", 1300);
    take_and_deliver(window, "c2", 1300);
    precis_idwindow_destroy(&window);
    int fd = open(path, O_RDWR); /* not O_APPEND: pwrite would append */
    off_t end = lseek(fd, 0, SEEK_END);
    unsigned char byte = 0;
    if (pread(fd, &byte, 1, end - RECORD_SIZE - 3) != 1 || (byte ^= 1, 0) ||
        pwrite(fd, &byte, 1, end - RECORD_SIZE - 3) != 1 ||
        pwrite(fd, "torn", 4, end) != 4)
        failures++;
    close(fd);
    window = precis_idwindow_new(path, 3, 100, 1300);
    CHECK(window && has(window, "c2", 1300) && !has(window, "c1", 1300),
          "a damaged record was not skipped");
    struct stat info;
    CHECK(stat(path, &info) == 0 && info.st_size % RECORD_SIZE == 0,
          "a torn tail was not cut");

    /* Many ids through a small window: the table stays consistent (every
       id in the window found, none out of it), and the file is rewritten
       instead of growing without bound. */
    precis_idwindow_destroy(&window);
    window = precis_idwindow_new(path, 5000, 1000000, 2000);
    char id[32];
    for (int i = 0; i < 80000; i++) {
        snprintf(id, sizeof id, "m%d", i);
        take_and_deliver(window, id, 2000);
        if (i % 1000 == 0)
            precis_idwindow_maintain(window, 2000);
    }
    int found = 0, stale = 0;
    for (int i = 0; i < 80000; i++) {
        snprintf(id, sizeof id, "m%d", i);
        bool known = has(window, id, 2000);
        found += known && i >= 75000;
        stale += known && i < 75000;
    }
    CHECK(found == 5000 && stale == 0, "the table lost or kept ids");
    precis_idwindow_maintain(window, 2000);
    failures += precis_idwindow_flush(window) != 0;
    CHECK(stat(path, &info) == 0 &&
              (uint64_t)info.st_size <= (2 * 5000 + REWRITE_FLOOR + 1) * RECORD_SIZE,
          "the file grew without bound");
    precis_idwindow_destroy(&window);

    /* Off: nothing is noted. */
    window = precis_idwindow_new(NULL, 0, 100, 0);
    precis_idwindow_taken(window, "x", 1, 0, "kx");
    CHECK(!has(window, "x", 0), "a window of 0 ids noted one");
    precis_idwindow_destroy(&window);
    unlink(path);
    zstr_free(&path);
    rmdir(dir);
    return failures;
}
