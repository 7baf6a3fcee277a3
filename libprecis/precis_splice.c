/*  precis_splice - publish a worker's result map by copying its entries. */
#define _GNU_SOURCE /* memmem, in the self test */
#include "precis_splice.h"
#include "precis_msgpack.h"
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Nesting allowed in a result, as precis_result_decode allows. */
#define MAX_DEPTH 16
/* Room kept in front of the written map for its header (map32: 5 bytes). */
#define HEADER_ROOM 5

/* The keys the sink reads, changes or leaves out; OTHER: copied. */
typedef enum {
    OTHER,
    TYPE,
    ID,
    KEY,
    SEQ,
    LOG_ID,
    LANG,
    SUMMARY,
    SENTENCES,
    SENTENCE_COUNT,
    KEYWORDS,
    REASON,
    ERROR,
    TIMINGS,
    TEXT_HASH,
    MINHASH,
    SHINGLES,
    SUMMARY_TAG,
    STORY,
    DUPLICATE_OF,
    SIMILARITY,
    EXACT,
    NOT_A_STRING, /* a key that is no string: dropped, as decoding drops it */
    FIELD_COUNT
} field_t;

/* Each key with its length, so that most are told apart by the length. */
#define NAME(text)                                                                       \
    {                                                                                    \
        text, sizeof text - 1                                                            \
    }
static const struct {
    const char *text;
    size_t len;
} field_names[FIELD_COUNT] = {
    [TYPE] = NAME("type"),
    [ID] = NAME("id"),
    [KEY] = NAME("key"),
    [SEQ] = NAME("seq"),
    [LOG_ID] = NAME("log_id"),
    [LANG] = NAME("lang"),
    [SUMMARY] = NAME("summary"),
    [SENTENCES] = NAME("sentences"),
    [SENTENCE_COUNT] = NAME("sentence_count"),
    [KEYWORDS] = NAME("keywords"),
    [REASON] = NAME("reason"),
    [ERROR] = NAME("error"),
    [TIMINGS] = NAME("timings"),
    [TEXT_HASH] = NAME("text_hash"),
    [MINHASH] = NAME("minhash"),
    [SHINGLES] = NAME("shingles"),
    [SUMMARY_TAG] = NAME("summary_tag"),
    [STORY] = NAME("story"),
    [DUPLICATE_OF] = NAME("duplicate_of"),
    [SIMILARITY] = NAME("similarity"),
    [EXACT] = NAME("exact"),
};
#undef NAME

/* One entry of the map: offsets into the data. */
typedef struct {
    size_t key, value, end;
    field_t field;
} pair_t;

/* A string value: where it is in the data, or absent. */
typedef struct {
    const char *ptr;
    size_t len;
} span_t;

/* A NUL-terminated copy kept between results (its buffer reused). */
typedef struct {
    char *text;
    size_t room;
    bool set;
} text_t;

struct _precis_splice_t {
    const uint8_t *data;
    size_t size;
    pair_t *pairs;
    size_t pair_count, pair_room;
    int first[FIELD_COUNT]; /* index of the first pair of each field, -1: none */
    msgpack_zone zone;      /* for msgpack_unpack of single values */
    precis_result_kind_t kind;
    text_t id, key, error, story, duplicate_of;
    span_t lang, reason;
    int64_t received_us;
    bool has_signature;
    precis_minhash_t signature;
    uint64_t summary_tag;
    double similarity;
    bool exact;
    const uint8_t *summary; /* replacement summary pairs, NULL: the result's own */
    size_t summary_size;
    uint32_t summary_count;
    msgpack_sbuffer out;
    msgpack_packer packer;
};

precis_splice_t *precis_splice_new(void)
{
    precis_splice_t *self = calloc(1, sizeof *self);
    assert(self);
    msgpack_zone_init(&self->zone, 1024);
    msgpack_sbuffer_init(&self->out);
    msgpack_packer_init(&self->packer, &self->out, msgpack_sbuffer_write);
    return self;
}

void precis_splice_destroy(precis_splice_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    precis_splice_t *self = *self_p;
    free(self->pairs);
    msgpack_zone_destroy(&self->zone);
    text_t *texts[] = {&self->id, &self->key, &self->error, &self->story,
                       &self->duplicate_of};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        free(texts[i]->text);
    msgpack_sbuffer_destroy(&self->out);
    free(self);
    *self_p = NULL;
}

static void text_set(text_t *text, const char *ptr, size_t len)
{
    if (len + 1 > text->room) {
        text->room = len + 1 > 64 ? len + 1 : 64;
        free(text->text);
        text->text = malloc(text->room);
        assert(text->text);
    }
    memcpy(text->text, ptr, len);
    text->text[len] = 0;
    text->set = true;
}

/* A big-endian unsigned integer of width bytes. */
static uint64_t read_be(const uint8_t *at, int width)
{
    uint64_t value = 0;
    for (int i = 0; i < width; i++)
        value = (value << 8) | at[i];
    return value;
}

/* The string at data[at..end): false when the value there is no string.
   (Keys and the few string values are read here, without msgpack_unpack's
   call overhead: fixstr, str8, str16, str32.) */
static bool read_str(const uint8_t *at, const uint8_t *end, span_t *span)
{
    if ((*at & 0xe0) == 0xa0) { /* fixstr, the most frequent: tested first */
        span->len = *at & 0x1f;
        span->ptr = (const char *)at + 1;
        return (size_t)(end - at - 1) >= span->len;
    }
    int width = *at == 0xd9 ? 1 : *at == 0xda ? 2 : *at == 0xdb ? 4 : 0;
    if (!width || end - at <= width)
        return false;
    span->len = (size_t)read_be(at + 1, width);
    span->ptr = (const char *)at + 1 + width;
    return (size_t)(end - (const uint8_t *)span->ptr) >= span->len;
}

/* The field a key names: compared with the few names of its length only
   (a result has about 16 keys; comparing each with every name was a tenth
   of the sink's instructions a result), each with memcmp of a constant
   length, which the compiler makes a load or two and a compare (a call of
   memcmp with the length in a variable was 600 instructions a result). */
#define NAMED(text, field)                                                               \
    if (memcmp(key->ptr, text, sizeof text - 1) == 0)                                    \
    return field
static field_t field_of(const span_t *key)
{
    switch (key->len) {
    case 2:
        NAMED("id", ID);
        break;
    case 3:
        NAMED("key", KEY);
        NAMED("seq", SEQ);
        break;
    case 4:
        NAMED("type", TYPE);
        NAMED("lang", LANG);
        break;
    case 5:
        NAMED("error", ERROR);
        NAMED("story", STORY);
        NAMED("exact", EXACT);
        break;
    case 6:
        NAMED("log_id", LOG_ID);
        NAMED("reason", REASON);
        break;
    case 7:
        NAMED("summary", SUMMARY);
        NAMED("timings", TIMINGS);
        NAMED("minhash", MINHASH);
        break;
    case 8:
        NAMED("keywords", KEYWORDS);
        NAMED("shingles", SHINGLES);
        break;
    case 9:
        NAMED("sentences", SENTENCES);
        NAMED("text_hash", TEXT_HASH);
        break;
    case 10:
        NAMED("similarity", SIMILARITY);
        break;
    case 11:
        NAMED("summary_tag", SUMMARY_TAG);
        break;
    case 12:
        NAMED("duplicate_of", DUPLICATE_OF);
        break;
    case 14:
        NAMED("sentence_count", SENTENCE_COUNT);
        break;
    }
    return OTHER;
}
#undef NAMED

/* Moves *at past the value there: a string directly, anything else with
   precis_mp_skip. */
static bool skip(const uint8_t **at, const uint8_t *end, int depth)
{
    span_t span;
    if (*at < end && read_str(*at, end, &span)) {
        *at = (const uint8_t *)span.ptr + span.len;
        return true;
    }
    return precis_mp_skip(at, end, depth);
}

/* One value unpacked with msgpack-c (integers, reals, bins); false when
   it is not one whole value. */
static bool unpack_value(precis_splice_t *self, const pair_t *pair,
                         msgpack_object *object)
{
    size_t offset = 0;
    return msgpack_unpack((const char *)self->data + pair->value, pair->end - pair->value,
                          &offset, &self->zone, object) == MSGPACK_UNPACK_SUCCESS;
}

static bool pair_str(precis_splice_t *self, int index, span_t *span)
{
    if (index < 0)
        return false;
    const pair_t *pair = &self->pairs[index];
    return read_str(self->data + pair->value, self->data + pair->end, span);
}

static bool pair_int(precis_splice_t *self, const pair_t *pair, int64_t *value)
{
    msgpack_object object;
    return unpack_value(self, pair, &object) && precis_mp_int(&object, value);
}

/* The entries of the map at data[at..end) into pairs; false when it is
   not a map of whole entries. */
static bool split_pairs(precis_splice_t *self, const uint8_t *at, const uint8_t *end,
                        const uint8_t **stop)
{
    uint32_t count;
    if (!precis_mp_read_map_header(&at, end, &count))
        return false;
    if (count > (size_t)(end - at))
        return false; /* every entry takes two bytes at least */
    if (count > self->pair_room) {
        self->pair_room = count;
        self->pairs = realloc(self->pairs, count * sizeof *self->pairs);
        assert(self->pairs);
    }
    self->pair_count = 0;
    for (uint32_t i = 0; i < count; i++) {
        pair_t *pair = &self->pairs[self->pair_count];
        pair->key = (size_t)(at - self->data);
        span_t key;
        if (at < end && read_str(at, end, &key)) {
            pair->field = field_of(&key);
            at = (const uint8_t *)key.ptr + key.len; /* read: not skipped again */
        } else {
            pair->field = NOT_A_STRING;
            if (!precis_mp_skip(&at, end, MAX_DEPTH - 1))
                return false;
        }
        pair->value = (size_t)(at - self->data);
        if (!skip(&at, end, MAX_DEPTH - 1))
            return false;
        pair->end = (size_t)(at - self->data);
        if (self->first[pair->field] < 0)
            self->first[pair->field] = (int)self->pair_count;
        self->pair_count++;
    }
    *stop = at;
    return true;
}

/* received_us from the timings map. */
static void read_timings(precis_splice_t *self)
{
    int index = self->first[TIMINGS];
    if (index < 0)
        return;
    const uint8_t *at = self->data + self->pairs[index].value,
                  *end = self->data + self->pairs[index].end;
    uint32_t count;
    if (!precis_mp_read_map_header(&at, end, &count))
        return;
    for (uint32_t i = 0; i < count; i++) {
        span_t key;
        bool received = read_str(at, end, &key) && key.len == 11 &&
                        memcmp(key.ptr, "received_us", 11) == 0;
        if (!precis_mp_skip(&at, end, MAX_DEPTH))
            return;
        pair_t value = {.value = (size_t)(at - self->data)};
        if (!precis_mp_skip(&at, end, MAX_DEPTH))
            return;
        value.end = (size_t)(at - self->data);
        if (received && !pair_int(self, &value, &self->received_us))
            self->received_us = 0;
    }
}

/* The bin value of a pair (bin 8, 16 or 32: the whole value), read here
   as read_str reads strings; false when it is no bin. */
static bool pair_bin(precis_splice_t *self, int index, span_t *span)
{
    if (index < 0)
        return false;
    const uint8_t *at = self->data + self->pairs[index].value,
                  *end = self->data + self->pairs[index].end;
    int width = *at == 0xc4 ? 1 : *at == 0xc5 ? 2 : *at == 0xc6 ? 4 : 0;
    if (!width || end - at <= width)
        return false;
    span->len = (size_t)read_be(at + 1, width);
    span->ptr = (const char *)at + 1 + width;
    return (size_t)(end - (const uint8_t *)span->ptr) == span->len;
}

/* A non-negative integer value of a pair: fixint and uint 8 to 64 read
   here, any other form through msgpack-c (pair_int); false when it is no
   integer or is negative. */
static bool pair_uint(precis_splice_t *self, int index, uint64_t *value)
{
    if (index < 0)
        return false;
    const pair_t *pair = &self->pairs[index];
    const uint8_t *at = self->data + pair->value;
    size_t size = pair->end - pair->value;
    int width = *at == 0xcc ? 1 : *at == 0xcd ? 2 : *at == 0xce ? 4 : *at == 0xcf ? 8 : 0;
    if (*at < 0x80 && size == 1) {
        *value = *at;
        return true;
    }
    if (width && size == (size_t)width + 1) {
        *value = read_be(at + 1, width);
        return true;
    }
    int64_t signed_value;
    if (!pair_int(self, pair, &signed_value) || signed_value < 0)
        return false;
    *value = (uint64_t)signed_value;
    return true;
}

/* The signature, when text_hash and minhash are both well-formed. Read
   without msgpack_unpack: its five calls an article (with its zone) were
   a fifth of what detection added to the sink's reading of a result. */
static void read_signature(precis_splice_t *self)
{
    span_t hash, bins;
    if (!pair_bin(self, self->first[TEXT_HASH], &hash) || hash.len != 16 ||
        !pair_bin(self, self->first[MINHASH], &bins) ||
        !precis_minhash_decode_bins((const uint8_t *)bins.ptr, bins.len,
                                    self->signature.bins))
        return;
    memcpy(self->signature.text_hash, hash.ptr, 16);
    uint64_t shingles = 0, tag;
    if (!pair_uint(self, self->first[SHINGLES], &shingles))
        shingles = 0;
    self->signature.shingles = (uint32_t)shingles;
    if (pair_uint(self, self->first[SUMMARY_TAG], &tag))
        self->summary_tag = tag;
    self->has_signature = true;
}

static void reset(precis_splice_t *self, const void *data, size_t size)
{
    self->data = data;
    self->size = size;
    self->pair_count = 0;
    for (int field = 0; field < FIELD_COUNT; field++)
        self->first[field] = -1;
    msgpack_zone_clear(&self->zone);
    self->id.set = self->key.set = self->error.set = false;
    self->story.set = self->duplicate_of.set = false;
    self->lang = self->reason = (span_t){NULL, 0};
    self->received_us = 0;
    self->has_signature = false;
    self->summary_tag = 0;
    self->similarity = 0;
    self->exact = false;
    self->summary = NULL;
}

/* The map at data[0..size) read: the whole of it (prefix false), or its
   start (*used: the map's bytes, 0 when it could not be split). */
static int read_result(precis_splice_t *self, const void *data, size_t size, bool prefix,
                       size_t *used, char *error)
{
    reset(self, data, size);
    span_t span;
    const uint8_t *stop = NULL, *end = (const uint8_t *)data + size;
    *used = 0;
    if (!data || !split_pairs(self, data, end, &stop) || (!prefix && stop != end)) {
        /* Which of the two, as precis_result_decode tells them apart. */
        const uint8_t *at = data;
        uint32_t count;
        snprintf(error, PRECIS_ERROR_SIZE, "%s",
                 prefix ? "malformed or cut short msgpack"
                 : data && precis_mp_plausible(data, size, MAX_DEPTH) &&
                         !precis_mp_read_map_header(&at, at + size, &count)
                     ? "result is not a map"
                     : "malformed msgpack");
        return -1;
    }
    *used = (size_t)(stop - (const uint8_t *)data);
    self->size = *used;
    if (pair_str(self, self->first[TYPE], &span) && span.len == 7 &&
        memcmp(span.ptr, "summary", 7) == 0)
        self->kind = PRECIS_RESULT_SUMMARY;
    else if (pair_str(self, self->first[TYPE], &span) && span.len == 5 &&
             memcmp(span.ptr, "error", 5) == 0)
        self->kind = PRECIS_RESULT_ERROR;
    else {
        snprintf(error, PRECIS_ERROR_SIZE, "not a result (type is not summary or error)");
        return -1;
    }
    if (!pair_str(self, self->first[ID], &span)) {
        snprintf(error, PRECIS_ERROR_SIZE, "result without an id");
        return -1;
    }
    text_set(&self->id, span.ptr, span.len);
    if (pair_str(self, self->first[KEY], &span))
        text_set(&self->key, span.ptr, span.len);
    if (self->kind == PRECIS_RESULT_ERROR) {
        if (pair_str(self, self->first[ERROR], &span))
            text_set(&self->error, span.ptr, span.len);
        if (!pair_str(self, self->first[REASON], &self->reason))
            self->reason = (span_t){NULL, 0};
    } else if (!pair_str(self, self->first[LANG], &self->lang))
        self->lang = (span_t){NULL, 0};
    read_timings(self);
    read_signature(self);
    return 0;
}

int precis_splice_read(precis_splice_t *self, const void *data, size_t size, char *error)
{
    size_t used;
    return read_result(self, data, size, false, &used, error);
}

int precis_splice_read_prefix(precis_splice_t *self, const void *data, size_t size,
                              size_t *used, char *error)
{
    return read_result(self, data, size, true, used, error);
}

precis_result_kind_t precis_splice_kind(precis_splice_t *self)
{
    return self->kind;
}

const char *precis_splice_id(precis_splice_t *self)
{
    return self->id.set ? self->id.text : NULL;
}

const char *precis_splice_key(precis_splice_t *self)
{
    return self->key.set ? self->key.text : NULL;
}

const char *precis_splice_error(precis_splice_t *self)
{
    return self->error.set ? self->error.text : NULL;
}

int64_t precis_splice_received_us(precis_splice_t *self)
{
    return self->received_us;
}

const precis_minhash_t *precis_splice_signature(precis_splice_t *self,
                                                uint64_t *summary_tag)
{
    if (summary_tag)
        *summary_tag = self->summary_tag;
    return self->has_signature ? &self->signature : NULL;
}

static bool is_summary_field(field_t field)
{
    return field >= LANG && field <= KEYWORDS;
}

void *precis_splice_copy_summary(precis_splice_t *self, size_t *size_p, uint32_t *count)
{
    if (self->kind != PRECIS_RESULT_SUMMARY)
        return NULL;
    size_t size = 0;
    *count = 0;
    for (size_t i = 0; i < self->pair_count; i++)
        if (is_summary_field(self->pairs[i].field))
            size += self->pairs[i].end - self->pairs[i].key;
    uint8_t *pairs = malloc(size ? size : 1), *at = pairs;
    assert(pairs);
    for (size_t i = 0; i < self->pair_count; i++)
        if (is_summary_field(self->pairs[i].field)) {
            size_t len = self->pairs[i].end - self->pairs[i].key;
            memcpy(at, self->data + self->pairs[i].key, len);
            at += len;
            (*count)++;
        }
    *size_p = size;
    return pairs;
}

void precis_splice_set_summary(precis_splice_t *self, const void *pairs, size_t size,
                               uint32_t count)
{
    self->summary = pairs;
    self->summary_size = size;
    self->summary_count = count;
}

void precis_splice_set_story(precis_splice_t *self, const char *story,
                             const char *duplicate_of, double similarity, bool exact)
{
    text_set(&self->story, story, strlen(story));
    self->duplicate_of.set = false;
    if (duplicate_of)
        text_set(&self->duplicate_of, duplicate_of, strlen(duplicate_of));
    self->similarity = similarity;
    self->exact = exact;
}

/* The language of the replacement summary pairs (an exact copy is
   published with the earlier article's summary, language included). */
static span_t replacement_lang(const precis_splice_t *self)
{
    const uint8_t *at = self->summary, *end = at + self->summary_size;
    for (uint32_t i = 0; i < self->summary_count; i++) {
        span_t key, value;
        bool lang =
            read_str(at, end, &key) && key.len == 4 && memcmp(key.ptr, "lang", 4) == 0;
        if (!precis_mp_skip(&at, end, MAX_DEPTH))
            break;
        if (lang)
            return read_str(at, end, &value) ? value : (span_t){NULL, 0};
        if (!precis_mp_skip(&at, end, MAX_DEPTH))
            break;
    }
    return (span_t){NULL, 0};
}

/* prefix and then rest (len bytes, up to a NUL) into buf, cut to size - 1
   and NUL-terminated, as snprintf("%s%.*s") writes them (snprintf's format
   parsing was a twentieth of the sink's instructions a result). */
static const char *join(char *buf, size_t size, const char *prefix, const char *rest,
                        size_t len)
{
    if (size == 0)
        return buf;
    size_t used = strlen(prefix);
    if (used > size - 1)
        used = size - 1;
    memcpy(buf, prefix, used);
    len = rest ? strnlen(rest, len) : 0;
    if (len > size - 1 - used)
        len = size - 1 - used;
    if (len) /* rest may be NULL */
        memcpy(buf + used, rest, len);
    buf[used + len] = 0;
    return buf;
}

const char *precis_splice_topic(precis_splice_t *self, char *buf, size_t size)
{
    if (self->kind == PRECIS_RESULT_SUMMARY) {
        span_t lang = self->summary ? replacement_lang(self) : self->lang;
        lang.len = lang.ptr ? strnlen(lang.ptr, lang.len) : 0; /* as a C string */
        if (!lang.len)
            lang = (span_t){"und", 3};
        return join(buf, size, self->duplicate_of.set ? "duplicate." : "summary.",
                    lang.ptr, lang.len);
    }
    if (self->reason.len && strnlen(self->reason.ptr, self->reason.len))
        return join(buf, size, "error.", self->reason.ptr, self->reason.len);
    return join(buf, size, "error.internal", NULL, 0);
}

/* A map header for count entries as msgpack_pack_map writes it (fixmap,
   map16, map32) into bytes; its length. */
static size_t map_header(uint32_t count, uint8_t bytes[HEADER_ROOM])
{
    if (count < 16) {
        bytes[0] = (uint8_t)(0x80 | count);
        return 1;
    }
    int width = count < 65536 ? 2 : 4;
    bytes[0] = width == 2 ? 0xde : 0xdf;
    for (int i = 0; i < width; i++)
        bytes[1 + i] = (uint8_t)(count >> (8 * (width - 1 - i)));
    return 1 + (size_t)width;
}

static void copy_bytes(precis_splice_t *self, const uint8_t *from, const uint8_t *to)
{
    if (to > from)
        msgpack_sbuffer_write(&self->out, (const char *)from, (size_t)(to - from));
}

/* A key of the sink's own, as msgpack-c packs a string of under 32 bytes
   (fixstr): one write of a constant length instead of strlen and the
   packer's two (WRITE_NAME: the length from the literal). */
static inline void write_name(precis_splice_t *self, const char *name, size_t len)
{
    assert(len < 32);
    uint8_t bytes[32];
    bytes[0] = (uint8_t)(0xa0 | len);
    memcpy(bytes + 1, name, len);
    msgpack_sbuffer_write(&self->out, (const char *)bytes, len + 1);
}
#define WRITE_NAME(self, literal) write_name(self, literal, sizeof literal - 1)

/* The timings map with published_us set: the other entries copied, then
   published_us, last, as precis_result_encode orders them. Without a
   timings map, the four keys with zeros, as decoding and encoding gives. */
static void write_timings(precis_splice_t *self, int index, int64_t published_us)
{
    msgpack_packer *packer = &self->packer;
    WRITE_NAME(self, "timings");
    const uint8_t *at = index >= 0 ? self->data + self->pairs[index].value : NULL;
    const uint8_t *end = index >= 0 ? self->data + self->pairs[index].end : NULL;
    uint32_t count = 0;
    if (!at || !precis_mp_read_map_header(&at, end, &count)) {
        msgpack_pack_map(packer, 4);
        precis_mp_pack_kv_int(packer, "received_us", 0);
        precis_mp_pack_kv_int(packer, "normalize_us", 0);
        precis_mp_pack_kv_int(packer, "summarize_us", 0);
        precis_mp_pack_kv_int(packer, "published_us", published_us);
        return;
    }
    /* The entries go after room for the header, which is written last. */
    size_t header_at = self->out.size;
    uint32_t kept = 0;
    msgpack_sbuffer_write(&self->out, "\0\0\0\0\0", HEADER_ROOM);
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *key_at = at;
        span_t key;
        bool published = read_str(at, end, &key) && key.len == 12 &&
                         memcmp(key.ptr, "published_us", 12) == 0;
        if (!precis_mp_skip(&at, end, MAX_DEPTH) || !precis_mp_skip(&at, end, MAX_DEPTH))
            break; /* it was checked whole when read */
        if (!published) {
            copy_bytes(self, key_at, at);
            kept++;
        }
    }
    WRITE_NAME(self, "published_us");
    msgpack_pack_int64(packer, published_us);
    uint8_t header[HEADER_ROOM];
    size_t header_len = map_header(kept + 1, header);
    char *base = self->out.data + header_at;
    memcpy(base, header, header_len);
    memmove(base + header_len, base + HEADER_ROOM,
            self->out.size - header_at - HEADER_ROOM);
    self->out.size -= HEADER_ROOM - header_len;
}

/* seq, and log_id after it when there is one. Returns the entries written. */
static uint32_t write_seq(precis_splice_t *self, uint64_t seq, const char *log_id)
{
    WRITE_NAME(self, "seq");
    msgpack_pack_int64(&self->packer, (int64_t)seq);
    if (!log_id)
        return 1;
    WRITE_NAME(self, "log_id");
    precis_mp_pack_string(&self->packer, log_id, strlen(log_id));
    return 2;
}

/* The story keys as precis_result_encode writes them; how many. */
static uint32_t write_story(precis_splice_t *self)
{
    msgpack_packer *packer = &self->packer;
    if (!self->story.set)
        return 0;
    WRITE_NAME(self, "story");
    precis_mp_pack_string(packer, self->story.text, strlen(self->story.text));
    if (self->duplicate_of.set) {
        WRITE_NAME(self, "duplicate_of");
        precis_mp_pack_string(packer, self->duplicate_of.text,
                              strlen(self->duplicate_of.text));
    }
    WRITE_NAME(self, "similarity");
    msgpack_pack_double(packer, self->similarity);
    WRITE_NAME(self, "exact");
    if (self->exact)
        msgpack_pack_true(packer);
    else
        msgpack_pack_false(packer);
    return self->duplicate_of.set ? 4 : 3;
}

/* Whether an entry of the field is published as it is (no field the
   sink reads only to rewrite or drop it, listed in precis_splice_write). */
static bool copied_as_is(const precis_splice_t *self, field_t field)
{
    switch (field) {
    case SEQ:
    case TIMINGS:
    case LOG_ID:
    case TEXT_HASH:
    case MINHASH:
    case SHINGLES:
    case SUMMARY_TAG:
    case STORY:
    case DUPLICATE_OF:
    case SIMILARITY:
    case EXACT:
    case NOT_A_STRING:
        return false;
    case LANG:
    case SUMMARY:
    case SENTENCES:
    case SENTENCE_COUNT:
    case KEYWORDS:
        return !self->summary; /* else replaced by the earlier article's */
    default:
        return true;
    }
}

const void *precis_splice_write(precis_splice_t *self, uint64_t seq, const char *log_id,
                                int64_t published_us, size_t *size_p)
{
    self->out.size = 0;
    msgpack_sbuffer_write(&self->out, "\0\0\0\0\0", HEADER_ROOM);
    uint32_t entries = 0;
    bool seq_written = false, summary_written = false;
    /* Entries copied as they are, one after the other in the data, go in
       one write: [run, run_end) not written yet. */
    size_t run = 0, run_end = 0;
    for (size_t i = 0; i < self->pair_count; i++) {
        const pair_t *pair = &self->pairs[i];
        if (copied_as_is(self, pair->field)) {
            if (pair->key != run_end) {
                copy_bytes(self, self->data + run, self->data + run_end);
                run = pair->key;
            }
            run_end = pair->end;
            entries++;
            continue;
        }
        copy_bytes(self, self->data + run, self->data + run_end);
        run = run_end = 0;
        switch (pair->field) {
        case SEQ:
            if (!seq_written)
                entries += write_seq(self, seq, log_id);
            seq_written = true;
            break;
        case TIMINGS:
            if ((int)i == self->first[TIMINGS]) {
                write_timings(self, (int)i, published_us);
                entries++;
            }
            break;
        case LANG:
        case SUMMARY:
        case SENTENCES:
        case SENTENCE_COUNT:
        case KEYWORDS:
            if (!summary_written) { /* the replacement (the result's own: copied) */
                copy_bytes(self, self->summary, self->summary + self->summary_size);
                entries += self->summary_count;
                summary_written = true;
            }
            break;
        case LOG_ID:    /* the sink's own, after seq */
        case TEXT_HASH: /* internal */
        case MINHASH:
        case SHINGLES:
        case SUMMARY_TAG:
        case STORY: /* the sink's own, at the end */
        case DUPLICATE_OF:
        case SIMILARITY:
        case EXACT:
        case NOT_A_STRING:
        default:
            break;
        }
    }
    copy_bytes(self, self->data + run, self->data + run_end);
    if (!seq_written) /* a map without seq: at the end (a map has no order) */
        entries += write_seq(self, seq, log_id);
    if (self->summary && !summary_written) {
        copy_bytes(self, self->summary, self->summary + self->summary_size);
        entries += self->summary_count;
    }
    if (self->first[TIMINGS] < 0) {
        write_timings(self, -1, published_us);
        entries++;
    }
    entries += write_story(self);
    uint8_t header[HEADER_ROOM];
    size_t header_len = map_header(entries, header);
    uint8_t *start = (uint8_t *)self->out.data + HEADER_ROOM - header_len;
    memcpy(start, header, header_len);
    *size_p = self->out.size - (HEADER_ROOM - header_len);
    return start;
}

/* The test's expectation: what the sink published before, by decoding
   the whole result, changing it and encoding it again. */
static void *decoded_and_encoded(const void *data, size_t size, uint64_t seq,
                                 const char *log_id, int64_t published_us,
                                 const char *story, const char *duplicate_of,
                                 const precis_result_t *earlier, size_t *size_p)
{
    char error[PRECIS_ERROR_SIZE];
    precis_result_t *result = precis_result_decode(data, size, error);
    assert(result);
    result->seq = seq;
    result->log_id = log_id ? strdup(log_id) : NULL;
    result->published_us = published_us;
    precis_minhash_destroy(&result->signature);
    if (story) {
        result->story = strdup(story);
        result->duplicate_of = duplicate_of ? strdup(duplicate_of) : NULL;
        result->similarity = 0.625;
        result->exact = earlier != NULL;
    }
    if (earlier)
        precis_result_copy_summary(result, earlier);
    void *bytes = precis_result_encode(result, size_p);
    precis_result_destroy(&result);
    return bytes;
}

/* Splices data as the sink does and compares with decoding and encoding:
   the bytes and the topic. Returns the failures. */
static int check_same(precis_splice_t *self, const void *data, size_t size,
                      const char *story, const char *duplicate_of,
                      const precis_result_t *earlier, const char *log_id)
{
    char error[PRECIS_ERROR_SIZE], topic[64], expected_topic[64];
    if (precis_splice_read(self, data, size, error) != 0) {
        fprintf(stderr, "splice test: a result was refused: %s\n", error);
        return 1;
    }
    void *pairs = NULL;
    if (earlier) {
        /* The earlier summary as the sink keeps it: its pairs, spliced out. */
        precis_splice_t *other = precis_splice_new();
        size_t earlier_size, pairs_size;
        uint32_t count;
        void *encoded = precis_result_encode(earlier, &earlier_size);
        if (precis_splice_read(other, encoded, earlier_size, error) == 0)
            pairs = precis_splice_copy_summary(other, &pairs_size, &count);
        free(encoded);
        precis_splice_destroy(&other);
        if (pairs)
            precis_splice_set_summary(self, pairs, pairs_size, count);
    }
    if (story)
        precis_splice_set_story(self, story, duplicate_of, 0.625, earlier != NULL);
    size_t spliced_size, expected_size;
    const void *spliced = precis_splice_write(self, 7, log_id, 1234567, &spliced_size);
    void *expected = decoded_and_encoded(data, size, 7, log_id, 1234567, story,
                                         duplicate_of, earlier, &expected_size);
    precis_result_t *result = precis_result_decode(expected, expected_size, error);
    precis_result_topic(result, expected_topic, sizeof expected_topic);
    precis_splice_topic(self, topic, sizeof topic);
    int failures = 0;
    if (spliced_size != expected_size || memcmp(spliced, expected, expected_size) != 0) {
        fprintf(stderr,
                "splice test: %zu bytes spliced, %zu decoded and encoded, not "
                "the same\n",
                spliced_size, expected_size);
        failures++;
    }
    if (strcmp(topic, expected_topic) != 0) {
        fprintf(stderr, "splice test: topic %s, expected %s\n", topic, expected_topic);
        failures++;
    }
    precis_result_destroy(&result);
    free(expected);
    free(pairs);
    return failures;
}

int precis_splice_test(bool verbose)
{
    int failures = 0;
#define CHECK(cond)                                                                      \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            fprintf(stderr, "splice test failed: %s (line %d)\n", #cond, __LINE__);      \
            failures++;                                                                  \
        }                                                                                \
    } while (0)
    char error[PRECIS_ERROR_SIZE], topic[64];
    precis_splice_t *self = precis_splice_new();
    /* Every key name is found by field_of, and nothing
       else: a name one byte short or long, or of another field's length. */
    for (int field = TYPE; field < NOT_A_STRING; field++) {
        span_t name = {field_names[field].text, field_names[field].len};
        CHECK(field_of(&name) == (field_t)field);
        span_t shorter = {name.ptr, name.len - 1};
        CHECK(field_of(&shorter) == OTHER);
        char longer[32];
        snprintf(longer, sizeof longer, "%sx", name.ptr);
        span_t longer_span = {longer, name.len + 1};
        CHECK(field_of(&longer_span) == OTHER);
    }
    /* A topic cut as snprintf cuts it. */
    char small[9];
    CHECK(strcmp(join(small, sizeof small, "summary.", "en", 2), "summary.") == 0);
    CHECK(strcmp(join(small, sizeof small, "error.", "a\0b", 3), "error.a") == 0);
    precis_article_t *article = precis_article_new();
    precis_str_set(&article->id, "harbour-17", 10);
    precis_str_set(&article->key, "key-17", 6);
    precis_str_set(&article->title, "The harbour reopens", 19);
    precis_str_set(&article->url, "https://example.org/harbour", 27);
    article->received_us = 1700000000000000;
    article->normalize_us = 85;

    /* A worker's summary with its signature, as the worker encodes it. */
    const char *text = "The harbour reopened on Monday after the storm. Ferries run "
                       "again to the islands, the port authority said.";
    precis_result_t *result = precis_result_new(PRECIS_RESULT_SUMMARY);
    precis_result_copy_article(result, article);
    result->lang = strdup("en");
    result->sentence_count = 2;
    result->summarize_us = 61;
    precis_result_add_sentence(result, "The harbour reopened on Monday.", 31, 0, 0.75);
    precis_result_add_sentence(result, "Ferries run again", 17, 1, 0.5);
    result->scored[1].truncated = true;
    precis_result_add_keyword(result, "harbour");
    precis_result_add_keyword(result, "ferries");
    result->signature = precis_minhash_new(text, strlen(text));
    result->summary_tag = UINT64_C(0x1234567890abcdef);
    size_t size;
    void *data = precis_result_encode(result, &size);

    /* Read from the start of a batch frame's bytes (precis_batch.h): the
       map and its length, what follows left alone; the same map read
       whole is refused with bytes after it; a map cut short gives 0 (what
       follows cannot be found); a map that is no result its length all
       the same. */
    unsigned char *followed = malloc(size + 8);
    memcpy(followed, data, size);
    memcpy(followed + size, "\x81\xa4type\xa1x", 8);
    size_t used = 1;
    CHECK(precis_splice_read_prefix(self, followed, size + 8, &used, error) == 0 &&
          used == size && strcmp(precis_splice_id(self), "harbour-17") == 0);
    size_t prefix_size, whole_size;
    void *prefix_written =
        (void *)precis_splice_write(self, 5, "log", 77, &prefix_size); /* copied: */
    prefix_written = memcpy(malloc(prefix_size), prefix_written, prefix_size);
    CHECK(precis_splice_read(self, followed, size + 8, error) == -1);
    CHECK(precis_splice_read_prefix(self, followed, size - 3, &used, error) == -1 &&
          used == 0);
    CHECK(precis_splice_read_prefix(self, followed + size, 8, &used, error) == -1 &&
          used == 8);
    CHECK(precis_splice_read(self, data, size, error) == 0);
    const void *whole_written = precis_splice_write(self, 5, "log", 77, &whole_size);
    CHECK(whole_size == prefix_size &&
          memcmp(whole_written, prefix_written, whole_size) == 0);
    free(prefix_written);
    free(followed);

    /* What the sink reads from it. */
    CHECK(precis_splice_read(self, data, size, error) == 0);
    CHECK(precis_splice_kind(self) == PRECIS_RESULT_SUMMARY);
    CHECK(strcmp(precis_splice_id(self), "harbour-17") == 0);
    CHECK(strcmp(precis_splice_key(self), "key-17") == 0);
    CHECK(precis_splice_error(self) == NULL);
    CHECK(precis_splice_received_us(self) == 1700000000000000);
    uint64_t tag = 0;
    const precis_minhash_t *signature = precis_splice_signature(self, &tag);
    CHECK(signature && tag == UINT64_C(0x1234567890abcdef));
    CHECK(signature && memcmp(signature, result->signature, sizeof *signature) == 0);
    CHECK(strcmp(precis_splice_topic(self, topic, sizeof topic), "summary.en") == 0);

    /* Published: the same bytes as decoding, changing and encoding gave,
       for a new story, a near repeat, and without a log_id. */
    failures +=
        check_same(self, data, size, "harbour-17", NULL, NULL, "0123456789abcdef");
    failures +=
        check_same(self, data, size, "harbour-3", "harbour-3", NULL, "0123456789abcdef");
    failures += check_same(self, data, size, NULL, NULL, NULL, NULL);
    /* The signature keys are left out of what is published. */
    CHECK(precis_splice_read(self, data, size, error) == 0);
    const void *published = precis_splice_write(self, 1, NULL, 1, &size);
    CHECK(!memmem(published, size, "minhash", 7) &&
          !memmem(published, size, "text_hash", 9));
    CHECK(!memmem(published, size, "summary_tag", 11));
    free(data);

    /* An exact copy published with the earlier article's summary (another
       language, so that the topic must come from it too). */
    precis_result_t *earlier = precis_result_new(PRECIS_RESULT_SUMMARY);
    earlier->lang = strdup("cy");
    earlier->sentence_count = 5;
    precis_result_add_sentence(earlier, "Mae'r harbwr ar agor.", 21, 3, 0.25);
    precis_result_add_keyword(earlier, "harbwr");
    data = precis_result_encode(result, &size);
    failures += check_same(self, data, size, "harbour-1", "harbour-1", earlier,
                           "0123456789abcdef");
    free(data);
    precis_result_destroy(&earlier);

    /* With an explain map, and with no signature (detection off). */
    result->explain =
        json_pack("{s:s,s:[{s:i,s:s,s:f,s:b}]}", "ranking", "lexrank", "sentences",
                  "index", 0, "status", "selected", "score", 2.5, "cut", 0);
    precis_minhash_destroy(&result->signature);
    data = precis_result_encode(result, &size);
    failures +=
        check_same(self, data, size, "harbour-17", NULL, NULL, "0123456789abcdef");
    CHECK(precis_splice_signature(self, NULL) == NULL);
    free(data);
    precis_result_destroy(&result);

    /* An error: its reason in the topic, its message read. */
    result = precis_result_new_error(article, "normalize", "empty", "no text left");
    data = precis_result_encode(result, &size);
    failures += check_same(self, data, size, NULL, NULL, NULL, "0123456789abcdef");
    CHECK(precis_splice_kind(self) == PRECIS_RESULT_ERROR);
    CHECK(strcmp(precis_splice_error(self), "no text left") == 0);
    CHECK(strcmp(precis_splice_topic(self, topic, sizeof topic), "error.empty") == 0);
    void *pairs = precis_splice_copy_summary(self, &size, &(uint32_t){0});
    CHECK(pairs == NULL);
    precis_result_destroy(&result);

    /* Cut anywhere, the frame is refused. */
    bool refused = true;
    for (size_t cut = 0; cut < size; cut++)
        refused &= precis_splice_read(self, data, cut, error) == -1;
    CHECK(refused);
    free(data);

    /* Garbage, other messages and maps without an id are refused, with
       the reasons decoding gives. */
    CHECK(precis_splice_read(self, "\xc1", 1, error) == -1 &&
          strcmp(error, "malformed msgpack") == 0);
    CHECK(precis_splice_read(self, "\x92\x01\x02", 3, error) == -1 &&
          strcmp(error, "result is not a map") == 0);
    CHECK(precis_splice_read(self, "\x80", 1, error) == -1 &&
          strstr(error, "not a result"));
    CHECK(precis_splice_read(self,
                             "\x81\xa4type\xa5"
                             "error",
                             12, error) == -1 &&
          strcmp(error, "result without an id") == 0);
    /* A key the sink does not know is published as it came; one that is
       not a string is left out. */
    const char map[] = "\x84\xa4type\xa5"
                       "error\xa2id\xa1x\xa5"
                       "extra\x2a\x01\x02";
    CHECK(precis_splice_read(self, map, sizeof map - 1, error) == 0);
    published = precis_splice_write(self, 3, NULL, 9, &size);
    result = precis_result_decode(published, size, error);
    CHECK(result && result->seq == 3 && result->published_us == 9);
    CHECK(memmem(published, size,
                 "\xa5"
                 "extra\x2a",
                 7) &&
          !memmem(published, size, "\x01\x02", 2));
    CHECK(strcmp(precis_splice_topic(self, topic, sizeof topic), "error.internal") == 0);
    precis_result_destroy(&result);
    precis_article_destroy(&article);
    precis_splice_destroy(&self);
    if (verbose && !failures)
        printf("splice: all checks passed\n");
    return failures;
#undef CHECK
}
