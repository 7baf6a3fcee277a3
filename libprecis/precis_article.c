/*  precis_article - the article message: decode with validation, encode.

    The decoder walks the map once with a table of known keys, so adding a
    key is one row. Every rejection names the key and what was wrong with
    it, because the reason goes back to a client who has to fix its code.
*/
#define _GNU_SOURCE /* memmem, in the self test */
#include "precis_article.h"
#include "precis_msgpack.h"
#include "precis_mpwrite.h"
#include <ctype.h>
#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

typedef enum {
    FIELD_STRING,
    FIELD_INT,
    FIELD_RATIO,
    FIELD_BOOL,
    FIELD_FORMAT,
    FIELD_TYPE,
    FIELD_VERSION
} field_kind_t;

typedef struct {
    const char *key;
    size_t key_len; /* strlen(key): most keys are told apart by it alone */
    field_kind_t kind;
    size_t offset;
    int64_t min, max; /* integers: range; strings: length range */
} field_row_t;

#define AT(f)  offsetof(precis_article_t, f)
#define KEY(k) k, sizeof k - 1

/* The rows of field_table, by index (precis_article_t.keys_seen has a bit
   for each), in the order precis_article_encode writes the keys: the
   decoder looks for each key from the row after the one before (a frame
   of that encoder finds every key at the first row it tries). */
enum {
    ROW_TYPE,
    ROW_VERSION,
    ROW_ID,
    ROW_KEY,
    ROW_TITLE,
    ROW_TEXT,
    ROW_URL,
    ROW_SOURCE,
    ROW_LANG,
    ROW_PUBLISHED,
    ROW_RECEIVED_US,
    ROW_NORMALIZE_US,
    ROW_ATTEMPT,
    ROW_NORMALIZED,
    ROW_SENTENCES,
    ROW_WORDS,
    ROW_RATIO,
    ROW_FORMAT,
    ROW_EXPLAIN,
    ROW_COUNT
};

#define ROW_BIT(row) (UINT32_C(1) << (row))

static const field_row_t field_table[] = {
    [ROW_ID] = {KEY("id"), FIELD_STRING, AT(id), 1, PRECIS_MAX_ID},
    [ROW_KEY] = {KEY("key"), FIELD_STRING, AT(key), 1, 128},
    [ROW_TITLE] = {KEY("title"), FIELD_STRING, AT(title), 0, PRECIS_MAX_FIELD},
    [ROW_TEXT] = {KEY("text"), FIELD_STRING, AT(text), 0, INT64_MAX},
    [ROW_URL] = {KEY("url"), FIELD_STRING, AT(url), 0, PRECIS_MAX_FIELD},
    [ROW_SOURCE] = {KEY("source"), FIELD_STRING, AT(source), 0, PRECIS_MAX_FIELD},
    [ROW_LANG] = {KEY("lang"), FIELD_STRING, AT(lang), 0, 16},
    [ROW_PUBLISHED] = {KEY("published"), FIELD_STRING, AT(published), 0,
                       PRECIS_MAX_FIELD},
    [ROW_SENTENCES] = {KEY("sentences"), FIELD_INT, AT(sentences), 1, 1000},
    [ROW_WORDS] = {KEY("words"), FIELD_INT, AT(words), 1, 100000},
    [ROW_RATIO] = {KEY("ratio"), FIELD_RATIO, AT(ratio), 0, 1},
    [ROW_RECEIVED_US] = {KEY("received_us"), FIELD_INT, AT(received_us), 0, INT64_MAX},
    [ROW_NORMALIZE_US] = {KEY("normalize_us"), FIELD_INT, AT(normalize_us), 0, INT64_MAX},
    [ROW_ATTEMPT] = {KEY("attempt"), FIELD_INT, AT(attempt), 0, UINT32_MAX},
    [ROW_NORMALIZED] = {KEY("normalized"), FIELD_BOOL, AT(normalized), 0, 1},
    [ROW_FORMAT] = {KEY("format"), FIELD_FORMAT, AT(format), 0, 0},
    [ROW_EXPLAIN] = {KEY("explain"), FIELD_BOOL, AT(explain), 0, 1},
    [ROW_TYPE] = {KEY("type"), FIELD_TYPE, 0, 0, 0},
    [ROW_VERSION] = {KEY("v"), FIELD_VERSION, 0, 0, 0},
};

#define FIELD_COUNT (sizeof field_table / sizeof field_table[0])
_Static_assert(FIELD_COUNT == ROW_COUNT, "a row index for every key");
_Static_assert(ROW_COUNT <= 32, "keys_seen has a bit for every key");

precis_article_t *precis_article_new(void)
{
    precis_article_t *self = calloc(1, sizeof *self);
    assert(self);
    return self;
}

static void free_strings(precis_article_t *self)
{
    precis_str_t *fields[] = {&self->id,  &self->key,    &self->title, &self->text,
                              &self->url, &self->source, &self->lang,  &self->published};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        if (!self->borrowed || fields[i] == &self->id || fields[i] == &self->key)
            free(fields[i]->ptr);
        fields[i]->ptr = NULL;
        fields[i]->len = 0;
    }
}

void precis_article_clear(precis_article_t *self)
{
    free_strings(self);
    memset(self, 0, sizeof *self);
}

void precis_article_destroy(precis_article_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free_strings(*self_p);
    free(*self_p);
    *self_p = NULL;
}

void precis_str_set(precis_str_t *field, const char *ptr, size_t len)
{
    char *copy = malloc(len + 1);
    assert(copy);
    if (len)
        memcpy(copy, ptr, len);
    copy[len] = 0;
    free(field->ptr);
    field->ptr = copy;
    field->len = len;
}

/* Stores one value of a known key; returns -1 with a reason when invalid. */
static int store_field(precis_article_t *self, const field_row_t *row,
                       const msgpack_object *value, char *error)
{
    char *base = (char *)self;
    int64_t number;
    switch (row->kind) {
    case FIELD_STRING: {
        if (value->type == MSGPACK_OBJECT_NIL)
            return 0; /* nil means absent */
        if (value->type != MSGPACK_OBJECT_STR) {
            snprintf(error, PRECIS_ERROR_SIZE, "field '%s' must be a string, got %s",
                     row->key, precis_mp_type_name(value));
            return -1;
        }
        size_t len = value->via.str.size;
        if ((int64_t)len < row->min || (int64_t)len > row->max) {
            snprintf(error, PRECIS_ERROR_SIZE,
                     "field '%s' is %zu bytes long, allowed is %lld to %lld", row->key,
                     len, (long long)row->min, (long long)row->max);
            return -1;
        }
        precis_str_t *field = (precis_str_t *)(base + row->offset);
        if (self->borrowed && field != &self->id && field != &self->key) {
            /* Into the frame (see decode); never NULL, as a copy is not. */
            field->ptr = len ? (char *)value->via.str.ptr : (char *)"";
            field->len = len;
        } else
            precis_str_set(field, value->via.str.ptr, len);
        return 0;
    }
    case FIELD_INT:
        if (!precis_mp_int(value, &number) || number < row->min || number > row->max) {
            snprintf(error, PRECIS_ERROR_SIZE,
                     "field '%s' must be an integer from %lld to %lld", row->key,
                     (long long)row->min, (long long)row->max);
            return -1;
        }
        if (row->offset == AT(sentences) || row->offset == AT(words))
            *(int *)(base + row->offset) = (int)number;
        else if (row->offset == AT(attempt))
            self->attempt = (uint32_t)number;
        else
            *(int64_t *)(base + row->offset) = number;
        return 0;
    case FIELD_RATIO: {
        double ratio = -1;
        if (value->type == MSGPACK_OBJECT_FLOAT32 ||
            value->type == MSGPACK_OBJECT_FLOAT64)
            ratio = value->via.f64;
        else if (precis_mp_int(value, &number))
            ratio = (double)number;
        if (!(ratio > 0 && ratio <= 1)) {
            snprintf(error, PRECIS_ERROR_SIZE,
                     "field 'ratio' must be a number greater than 0 and at most 1");
            return -1;
        }
        self->ratio = ratio;
        return 0;
    }
    case FIELD_BOOL:
        if (value->type != MSGPACK_OBJECT_BOOLEAN) {
            snprintf(error, PRECIS_ERROR_SIZE, "field '%s' must be a boolean", row->key);
            return -1;
        }
        *(bool *)(base + row->offset) = value->via.boolean;
        return 0;
    case FIELD_FORMAT: {
        int format =
            value->type == MSGPACK_OBJECT_STR
                ? precis_format_from_name(value->via.str.ptr, value->via.str.size)
            : value->type == MSGPACK_OBJECT_NIL ? PRECIS_FORMAT_AUTO
                                                : -1;
        if (format < 0) {
            snprintf(error, PRECIS_ERROR_SIZE,
                     "field 'format' must be \"text\", \"html\" or \"auto\"");
            return -1;
        }
        self->format = (precis_format_t)format;
        return 0;
    }
    case FIELD_TYPE:
        if (value->type != MSGPACK_OBJECT_STR || value->via.str.size != 7 ||
            memcmp(value->via.str.ptr, "article", 7) != 0) {
            snprintf(error, PRECIS_ERROR_SIZE,
                     "unknown message type (field 'type' must be \"article\")");
            return -1;
        }
        return 0;
    case FIELD_VERSION:
        if (!precis_mp_int(value, &number) || number != PRECIS_PROTOCOL_VERSION) {
            snprintf(error, PRECIS_ERROR_SIZE,
                     "unsupported protocol version (field 'v' must be %d)",
                     PRECIS_PROTOCOL_VERSION);
            return -1;
        }
        return 0;
    }
    return 0;
}

static bool is_blank(const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!strchr(" \t\r\n\f\v", text[i]))
            return false;
    return true;
}

/* Whether tag[0..len) has the shape of a language tag (RFC 5646, loosely):
   a primary subtag of 2 or 3 ASCII letters (ISO 639-1, or 639-2 as "und"),
   then subtags of 1 to 8 ASCII letters or digits, each after '-' or '_'.
   The code ends up in topics ("summary.en"), which subscribers match by
   prefix: "english" or "en us" would make topics of their own. */
static bool is_language_tag(const char *tag, size_t len)
{
    size_t i = 0;
    while (i < len && i < 4 && isalpha((unsigned char)tag[i]) && !(tag[i] & 0x80))
        i++;
    if (i < 2 || i > 3)
        return false;
    while (i < len) {
        if (tag[i] != '-' && tag[i] != '_')
            return false;
        size_t start = ++i;
        while (i < len && isalnum((unsigned char)tag[i]) && !(tag[i] & 0x80))
            i++;
        if (i == start || i - start > 8)
            return false;
    }
    return true;
}

/* Notes that the map has the known key of row f with value: a second one,
   or a nil, makes the request's bytes irregular (precis_article_splice). */
static void note_key(precis_article_t *self, size_t f, const msgpack_object *value)
{
    if ((self->keys_seen & ROW_BIT(f)) || value->type == MSGPACK_OBJECT_NIL)
        self->keys_irregular = true;
    self->keys_seen |= ROW_BIT(f);
}

/* Validates and stores every known key of the map. */
static int decode_map(precis_article_t *self, const msgpack_object *map, size_t max_text,
                      char *error)
{
    /* The id first, so that a rejection can name the article. */
    const msgpack_object *id = precis_mp_lookup(map, "id");
    if (id && store_field(self, &field_table[ROW_ID], id, error) != 0)
        return -1;
    size_t next = 0; /* the row after the last key's */
    for (uint32_t i = 0; i < map->via.map.size; i++) {
        const msgpack_object_kv *entry = &map->via.map.ptr[i];
        if (entry->key.type != MSGPACK_OBJECT_STR) {
            snprintf(error, PRECIS_ERROR_SIZE, "map keys must be strings, got %s",
                     precis_mp_type_name(&entry->key));
            return -1;
        }
        const msgpack_object_str *key = &entry->key.via.str;
        /* Every row once, from the one after the last key's: 1 compare a
           key in the encoder's order, where a scan from the first row took
           9 on average (the summarize worker's decoding 2,794 -> 2,360
           instructions an article, callgrind, BBC). */
        for (size_t tried = 0, f = next; tried < FIELD_COUNT;
             tried++, f = f + 1 < FIELD_COUNT ? f + 1 : 0)
            if (key->size == field_table[f].key_len &&
                memcmp(key->ptr, field_table[f].key, key->size) == 0) {
                next = f + 1 < FIELD_COUNT ? f + 1 : 0;
                note_key(self, f, &entry->val);
                /* The id was stored first, above (the first one given). */
                if (f != ROW_ID &&
                    store_field(self, &field_table[f], &entry->val, error) != 0)
                    return -1;
                break;
            }
    }
    if (!self->text.ptr) {
        snprintf(error, PRECIS_ERROR_SIZE, "missing required field 'text'");
        return -1;
    }
    if (max_text && self->text.len > max_text) {
        snprintf(error, PRECIS_ERROR_SIZE,
                 "field 'text' is %zu bytes, over the limit of %zu bytes", self->text.len,
                 max_text);
        return -1;
    }
    if (is_blank(self->text.ptr, self->text.len)) {
        snprintf(error, PRECIS_ERROR_SIZE, "field 'text' is empty");
        return -1;
    }
    if (self->lang.len > 0 && !is_language_tag(self->lang.ptr, self->lang.len)) {
        snprintf(error, PRECIS_ERROR_SIZE,
                 "field 'lang' must be a language code such as 'en' or 'pt-BR': 2 or 3 "
                 "letters, then optional subtags of 1 to 8 letters or digits after '-'");
        return -1;
    }
    return 0;
}

/* The chunk size of the zone that holds the decoded map: an article's map
   of up to 20 keys takes 20 x 48 bytes. msgpack_unpack_next's own zone
   starts at 8 KiB, a large allocation per message, and each one made
   glibc's malloc consolidate its small free chunks (about 6% of ingest's
   main thread at full rate, perf). Below 1 KiB it stays a small one. */
#define DECODE_ZONE_CHUNK 768

static int decode_general(precis_article_t *self, const void *data, size_t size,
                          size_t max_text, char *error);

/* Entries of a map precis_mp_read_flat_map reads here; a larger map takes the general
   path. An article has at most 19 known keys. */
#define FLAT_ENTRIES 32

static int decode(precis_article_t *self, const void *data, size_t size, size_t max_text,
                  char *error)
{
    msgpack_object flat;
    msgpack_object_kv entries[FLAT_ENTRIES];
    if (precis_mp_read_flat_map(data, size, &flat, entries, FLAT_ENTRIES))
        return decode_map(self, &flat, max_text, error);
    return decode_general(self, data, size, max_text, error);
}

/* Any frame, with msgpack-c: what precis_mp_read_flat_map does not take, and the
   reasons a malformed frame is refused. */
static int decode_general(precis_article_t *self, const void *data, size_t size,
                          size_t max_text, char *error)
{
    if (!precis_mp_plausible(data, size, 16)) {
        snprintf(error, PRECIS_ERROR_SIZE,
                 "malformed msgpack: truncated, nested too deep, or a length larger than "
                 "the frame");
        return -1;
    }
    msgpack_zone zone;
    if (!msgpack_zone_init(&zone, DECODE_ZONE_CHUNK)) {
        snprintf(error, PRECIS_ERROR_SIZE, "out of memory decoding the message");
        return -1;
    }
    msgpack_object object;
    size_t offset = 0;
    int rc = -1;
    /* Strings in object point into data (the unpacker copies none). */
    msgpack_unpack_return ret = msgpack_unpack(data, size, &offset, &zone, &object);
    if (ret == MSGPACK_UNPACK_CONTINUE || ret == MSGPACK_UNPACK_NOMEM_ERROR)
        snprintf(error, PRECIS_ERROR_SIZE,
                 "malformed msgpack: the frame (%zu bytes) ends inside a value", size);
    else if (ret != MSGPACK_UNPACK_SUCCESS && ret != MSGPACK_UNPACK_EXTRA_BYTES)
        snprintf(error, PRECIS_ERROR_SIZE,
                 "malformed msgpack: invalid data in the frame");
    else if (offset != size)
        snprintf(error, PRECIS_ERROR_SIZE,
                 "malformed msgpack: %zu extra bytes after the first value",
                 size - offset);
    else if (object.type != MSGPACK_OBJECT_MAP)
        snprintf(error, PRECIS_ERROR_SIZE, "the message must be a msgpack map, got %s",
                 precis_mp_type_name(&object));
    else
        rc = decode_map(self, &object, max_text, error);
    msgpack_zone_destroy(&zone);
    return rc;
}

int precis_article_decode(precis_article_t *self, const void *data, size_t size,
                          size_t max_text, char *error)
{
    return decode(self, data, size, max_text, error);
}

int precis_article_decode_borrowing(precis_article_t *self, const void *data, size_t size,
                                    size_t max_text, char *error)
{
    self->borrowed = true;
    return decode(self, data, size, max_text, error);
}

int precis_article_check_utf8(const precis_article_t *self,
                              bool (*is_valid)(const char *, size_t), char *error)
{
    struct {
        const char *key;
        const precis_str_t *field;
    } fields[] = {{"id", &self->id},
                  {"title", &self->title},
                  {"text", &self->text},
                  {"url", &self->url},
                  {"source", &self->source},
                  {"lang", &self->lang},
                  {"published", &self->published}};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (fields[i].field->ptr &&
            !is_valid(fields[i].field->ptr, fields[i].field->len)) {
            snprintf(error, PRECIS_ERROR_SIZE, "field '%s' is not valid UTF-8",
                     fields[i].key);
            return -1;
        }
    return 0;
}

void precis_article_generate_id(precis_article_t *self)
{
    zuuid_t *uuid = zuuid_new();
    const byte *data = zuuid_data(uuid);
    char hex[33];
    for (int i = 0; i < 16; i++)
        snprintf(hex + 2 * i, 3, "%02x", data[i]);
    zuuid_destroy(&uuid);
    precis_str_set(&self->id, hex, 32);
}

void *precis_article_encode(const precis_article_t *self, size_t *size_p)
{
    const struct {
        const char *key;
        const precis_str_t *field;
    } strings[] = {{"id", &self->id},       {"key", &self->key},
                   {"title", &self->title}, {"text", &self->text},
                   {"url", &self->url},     {"source", &self->source},
                   {"lang", &self->lang},   {"published", &self->published}};
    size_t string_count = 0, string_bytes = 0;
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++)
        if (strings[i].field->ptr) {
            string_count++;
            string_bytes += strings[i].field->len;
        }
    /* The buffer is allocated once at a bound of the encoded size (each
       string's header at most 5 bytes, its key at most 10; the other keys
       and values at most 161 bytes together; beyond the bound it still grows): the
       sbuffer's own growth would start at 8 KiB, which ingest's ledger would then hold
       per article. */
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init(&buffer);
    buffer.alloc = string_bytes + 15 * string_count + 192;
    buffer.data = malloc(buffer.alloc);
    assert(buffer.data);
    msgpack_packer packer;
    msgpack_packer_init(&packer, &buffer, msgpack_sbuffer_write);
    size_t count = 2 + string_count + 4 + (self->sentences > 0) + (self->words > 0) +
                   (self->ratio > 0) + (self->format != PRECIS_FORMAT_AUTO) +
                   self->explain;
    msgpack_pack_map(&packer, count);
    precis_mp_pack_kv_str(&packer, "type", "article", 7);
    precis_mp_pack_kv_int(&packer, "v", PRECIS_PROTOCOL_VERSION);
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++)
        if (strings[i].field->ptr)
            precis_mp_pack_kv_str(&packer, strings[i].key, strings[i].field->ptr,
                                  strings[i].field->len);
    precis_mp_pack_kv_int(&packer, "received_us", self->received_us);
    precis_mp_pack_kv_int(&packer, "normalize_us", self->normalize_us);
    precis_mp_pack_kv_int(&packer, "attempt", self->attempt);
    precis_mp_pack_cstr(&packer, "normalized");
    if (self->normalized)
        msgpack_pack_true(&packer);
    else
        msgpack_pack_false(&packer);
    if (self->sentences > 0)
        precis_mp_pack_kv_int(&packer, "sentences", self->sentences);
    if (self->words > 0)
        precis_mp_pack_kv_int(&packer, "words", self->words);
    if (self->ratio > 0) {
        precis_mp_pack_cstr(&packer, "ratio");
        msgpack_pack_double(&packer, self->ratio);
    }
    if (self->format != PRECIS_FORMAT_AUTO) { /* absent means auto */
        const char *name = precis_format_name(self->format);
        precis_mp_pack_kv_str(&packer, "format", name, strlen(name));
    }
    if (self->explain) { /* absent means false */
        precis_mp_pack_cstr(&packer, "explain");
        msgpack_pack_true(&packer);
    }
    *size_p = buffer.size;
    return buffer.data; /* the caller frees it */
}

/* The keys precis_article_splice appends after the request's: type and v
   when it had none, id when self's was generated, then key, received_us
   and attempt, as precis_article_encode writes them. */
static void splice_tail(precis_mpw_t *w, const precis_article_t *self, bool type,
                        bool version, bool id)
{
    if (type)
        precis_mpw_kv_str(w, "type", "article");
    if (version)
        precis_mpw_kv_int(w, "v", PRECIS_PROTOCOL_VERSION);
    if (id) {
        precis_mpw_cstr(w, "id");
        precis_mpw_str(w, self->id.ptr, self->id.len);
    }
    precis_mpw_cstr(w, "key");
    precis_mpw_str(w, self->key.ptr, self->key.len);
    precis_mpw_kv_int(w, "received_us", self->received_us);
    precis_mpw_kv_int(w, "attempt", self->attempt);
}

void *precis_article_splice(const precis_article_t *self, const void *request,
                            size_t size, size_t *size_p)
{
    /* Keys ingest sets: appended after the client's, a reader that takes
       the first of a key (precis_mp_lookup) would see the client's. */
    const uint32_t set_here = ROW_BIT(ROW_KEY) | ROW_BIT(ROW_RECEIVED_US) |
                              ROW_BIT(ROW_NORMALIZE_US) | ROW_BIT(ROW_ATTEMPT) |
                              ROW_BIT(ROW_NORMALIZED);
    uint32_t seen = self->keys_seen;
    if (self->keys_irregular || (seen & set_here) || !self->key.ptr || !self->id.ptr ||
        ((seen & ROW_BIT(ROW_FORMAT)) && self->format == PRECIS_FORMAT_AUTO))
        return NULL;
    /* The map's header: its count, and where its entries start. */
    const uint8_t *in = request, *entries = in;
    uint32_t header_count;
    if (!precis_mp_read_map_header(&entries, in + size, &header_count))
        return NULL;
    size_t header = (size_t)(entries - in);
    uint64_t count = header_count;
    bool type = !(seen & ROW_BIT(ROW_TYPE)), version = !(seen & ROW_BIT(ROW_VERSION)),
         id = !(seen & ROW_BIT(ROW_ID));
    count += 3 + type + version + id;
    if (count > UINT32_MAX)
        return NULL;
    /* Counted first, then written into a buffer of that size. */
    precis_mpw_t w = {NULL, 0, 0};
    precis_mpw_map(&w, count);
    w.size += size - header; /* the request's entries */
    splice_tail(&w, self, type, version, id);
    size_t total = w.size;
    w.data = malloc(total);
    assert(w.data);
    w.size = 0;
    w.cap = total;
    precis_mpw_map(&w, count);
    precis_mpw_bytes(&w, in + header, size - header);
    splice_tail(&w, self, type, version, id);
    assert(w.size == total);
    *size_p = total;
    return w.data;
}

static const char *format_names[] = {"auto", "text", "html"};

int precis_format_from_name(const char *name, size_t len)
{
    for (int i = 0; i < (int)(sizeof format_names / sizeof format_names[0]); i++)
        if (strlen(format_names[i]) == len && memcmp(name, format_names[i], len) == 0)
            return i;
    return -1;
}

const char *precis_format_name(precis_format_t format)
{
    return format_names[format];
}

/* True when the line ends with . ! ? or … (before closing quotes or brackets). */
static bool ends_sentence(const char *line, size_t len)
{
    while (len > 0 && strchr("\"')]", line[len - 1]))
        len--;
    if (len >= 3 && memcmp(line + len - 3, "\xe2\x80\x9d", 3) == 0) /* ” */
        len -= 3;
    if (len >= 3 && memcmp(line + len - 3, "\xe2\x80\xa6", 3) == 0) /* … */
        return true;
    return len > 0 && strchr(".!?", line[len - 1]);
}

size_t precis_title_line(const char *data, size_t size)
{
    const char *newline = memchr(data, '\n', size);
    if (!newline)
        return 0; /* one line only: that is the text */
    size_t line_len = (size_t)(newline - data), start = 0, end = line_len;
    while (start < end && strchr(" \t\r", data[start]))
        start++;
    while (end > start && strchr(" \t\r", data[end - 1]))
        end--;
    if (end == start || end - start > 200 || ends_sentence(data + start, end - start))
        return 0;
    size_t words = 0;
    for (size_t i = start; i < end; i++)
        words += data[i] != ' ' && data[i] != '\t' &&
                 (i == start || data[i - 1] == ' ' || data[i - 1] == '\t');
    return words <= 20 ? line_len : 0;
}

size_t precis_title_split(const char *data, size_t size, precis_title_rule_t rule,
                          size_t *title_len_p)
{
    const char *newline = memchr(data, '\n', size);
    size_t title_len = 0;
    if (rule == PRECIS_TITLE_ALWAYS && newline)
        title_len = (size_t)(newline - data);
    else if (rule == PRECIS_TITLE_GUESS) {
        title_len = precis_title_line(data, size);
        /* A short line and nothing after it is the text, not a title. */
        size_t rest = title_len ? title_len + 1 : size;
        while (rest < size && strchr(" \t\r\n", data[rest]))
            rest++;
        if (rest == size)
            title_len = 0;
    }
    *title_len_p = title_len;
    bool titled = title_len > 0 || (rule == PRECIS_TITLE_ALWAYS && newline);
    return titled ? title_len + 1 : 0;
}

int64_t precis_now_us(void)
{
    struct timeval now;
    gettimeofday(&now, NULL);
    return (int64_t)now.tv_sec * 1000000 + now.tv_usec;
}

/* Packs a map from alternating key/value C strings, for the tests. */
static void *pack_strings(size_t *size_p, int pairs, ...)
{
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init(&buffer);
    msgpack_packer packer;
    msgpack_packer_init(&packer, &buffer, msgpack_sbuffer_write);
    msgpack_pack_map(&packer, pairs);
    va_list args;
    va_start(args, pairs);
    for (int i = 0; i < 2 * pairs; i++)
        precis_mp_pack_cstr(&packer, va_arg(args, const char *));
    va_end(args);
    *size_p = buffer.size;
    return buffer.data;
}

static bool accept_all(const char *text, size_t len)
{
    return true;
}

static bool reject_bad_byte(const char *text, size_t len)
{
    return memchr(text, 0xff, len) == NULL;
}

/* Whether two decodings of a frame agree: the same return, the same
   reason, the same fields. */
static bool same_str(const precis_str_t *a, const precis_str_t *b)
{
    return (a->ptr == NULL) == (b->ptr == NULL) && a->len == b->len &&
           (a->len == 0 || memcmp(a->ptr, b->ptr, a->len) == 0);
}

/* Whether two articles have the same fields. */
static bool same_fields(const precis_article_t *a, const precis_article_t *b)
{
    return same_str(&a->id, &b->id) && same_str(&a->key, &b->key) &&
           same_str(&a->title, &b->title) && same_str(&a->text, &b->text) &&
           same_str(&a->url, &b->url) && same_str(&a->source, &b->source) &&
           same_str(&a->lang, &b->lang) && same_str(&a->published, &b->published) &&
           a->sentences == b->sentences && a->ratio == b->ratio && a->words == b->words &&
           a->format == b->format && a->received_us == b->received_us &&
           a->normalize_us == b->normalize_us && a->normalized == b->normalized &&
           a->attempt == b->attempt && a->explain == b->explain;
}

static bool same_decoding(const void *data, size_t size)
{
    char error[2][PRECIS_ERROR_SIZE] = {"", ""};
    precis_article_t *a = precis_article_new(), *b = precis_article_new();
    int rc_a = precis_article_decode(a, data, size, 100, error[0]);
    int rc_b = decode_general(b, data, size, 100, error[1]);
    bool same = rc_a == rc_b && (rc_a == 0 || strcmp(error[0], error[1]) == 0) &&
                same_fields(a, b);
    if (!same)
        fprintf(stderr, "article: decodings differ (%d '%s' / %d '%s')\n", rc_a, error[0],
                rc_b, error[1]);
    precis_article_destroy(&a);
    precis_article_destroy(&b);
    return same;
}

/* The frame, every one of its prefixes, and the frame with a byte more. */
static int same_cut_and_extended(const void *data, size_t size)
{
    for (size_t cut = 0; cut <= size; cut++)
        if (!same_decoding(data, cut))
            return 1;
    uint8_t *longer = malloc(size + 1);
    memcpy(longer, data, size);
    longer[size] = 0x01;
    bool same = same_decoding(longer, size + 1);
    free(longer);
    return same ? 0 : 1;
}

/* A map of scalars of every msgpack form, known keys and unknown ones;
   variant picks the form of "received_us" (each integer form, values that
   a wrong width or sign would change) and a few faults (a value of the
   wrong type or range, a key that is not a string, a nested value, more
   entries than precis_mp_read_flat_map takes). Variants 0 to 9 decode. */
static void *pack_every_form(size_t *size_p, int variant)
{
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init(&buffer);
    msgpack_packer packer;
    msgpack_packer_init(&packer, &buffer, msgpack_sbuffer_write);
    char filler[300];
    memset(filler, 'x', sizeof filler);
    int entries = variant == 14 ? 40 : 17 + (variant == 12);
    msgpack_pack_map(&packer, (size_t)entries);
    precis_mp_pack_kv_str(&packer, "id", "every-form", 10);
    precis_mp_pack_kv_str(&packer, "text", filler, variant == 10 ? 280 : 40);
    precis_mp_pack_kv_str(&packer, "title", filler, 33); /* str 8 */
    precis_mp_pack_cstr(&packer, "received_us");
    switch (variant) {
    case 0:
        msgpack_pack_fix_uint8(&packer, 200);
        break;
    case 1:
        msgpack_pack_fix_uint16(&packer, 60000);
        break;
    case 2:
        msgpack_pack_fix_uint32(&packer, 4000000000u);
        break;
    case 3:
        msgpack_pack_fix_uint64(&packer, UINT64_C(1) << 40);
        break;
    case 4:
        msgpack_pack_fix_int8(&packer, 100);
        break;
    case 5:
        msgpack_pack_fix_int16(&packer, 30000);
        break;
    case 6:
        msgpack_pack_fix_int32(&packer, 2000000000);
        break;
    case 7:
        msgpack_pack_fix_int64(&packer, INT64_C(1) << 50);
        break;
    case 8:
        msgpack_pack_int(&packer, 5);
        break;
    case 9:
        msgpack_pack_int64(&packer, INT64_C(1764590000000000));
        break;
    default:
        msgpack_pack_fix_int16(&packer, -300);
        break; /* out of range */
    }
    precis_mp_pack_cstr(&packer, "normalize_us");
    msgpack_pack_int(&packer, variant == 11 ? -3 : 31); /* negative fixint: refused */
    precis_mp_pack_cstr(&packer, "attempt");
    msgpack_pack_fix_uint32(&packer, 4000000000u);
    precis_mp_pack_cstr(&packer, "ratio");
    if (variant % 2)
        msgpack_pack_float(&packer, 0.25f);
    else
        msgpack_pack_double(&packer, 0.4);
    precis_mp_pack_cstr(&packer, "normalized");
    msgpack_pack_true(&packer);
    precis_mp_pack_cstr(&packer, "explain");
    msgpack_pack_false(&packer);
    precis_mp_pack_cstr(&packer, "url");
    msgpack_pack_nil(&packer);
    precis_mp_pack_cstr(&packer, "source");
    size_t source = variant == 13 ? 70000 : 3000; /* str 32 (too long), str 16 */
    msgpack_pack_str(&packer, source);
    for (size_t i = 0; i < source; i += 100)
        msgpack_pack_str_body(&packer, filler, 100);
    precis_mp_pack_cstr(&packer, "blob");
    msgpack_pack_bin(&packer, 4);
    msgpack_pack_bin_body(&packer, "\x00\x01\x02\x03", 4);
    precis_mp_pack_cstr(&packer, "format");
    precis_mp_pack_cstr(&packer, "html");
    precis_mp_pack_cstr(&packer, "v");
    msgpack_pack_uint8(&packer, 1);
    precis_mp_pack_cstr(&packer, "extra");
    if (variant == 15) /* nested: the general path */
        msgpack_pack_array(&packer, 0);
    else
        msgpack_pack_int(&packer, -100000);
    precis_mp_pack_kv_str(&packer, "lang", "en-GB", 5);
    precis_mp_pack_kv_str(&packer, "published", "2026-12-01", 10);
    if (variant == 12) { /* a key that is not a string */
        msgpack_pack_int(&packer, 12);
        msgpack_pack_int(&packer, 13);
    }
    for (int i = 17; i < entries; i++) {
        char name[16];
        snprintf(name, sizeof name, "more%d", i);
        precis_mp_pack_kv_int(&packer, name, i);
    }
    *size_p = buffer.size;
    return buffer.data;
}

/* A request of count entries from the packer's buffer, as ingest gets it:
   decoded (borrowing) and given what ingest gives an accepted article;
   then spliced and encoded, both decoded again. Returns -1 when the two
   decodings differ or either fails, 0 when the splice gave the same
   article, 1 when it declined (NULL). With must_carry, the spliced bytes
   hold that string (a key encode leaves out). */
static int splice_compare(const void *request, size_t size, const char *must_carry)
{
    char error[PRECIS_ERROR_SIZE];
    precis_article_t *article = precis_article_new();
    if (precis_article_decode_borrowing(article, request, size, 0, error) != 0) {
        fprintf(stderr, "article: splice test request refused: %s\n", error);
        precis_article_destroy(&article);
        return -1;
    }
    if (!article->id.ptr)
        precis_article_generate_id(article);
    precis_str_set(&article->key, "nonce-17", 8);
    article->received_us = INT64_C(1764590000123456);
    article->attempt = 1;
    size_t spliced_size = 0, encoded_size;
    void *spliced = precis_article_splice(article, request, size, &spliced_size);
    void *encoded = precis_article_encode(article, &encoded_size);
    int rc = spliced ? 0 : 1;
    precis_article_t *from_splice = precis_article_new(),
                     *from_encode = precis_article_new();
    if (precis_article_decode(from_encode, encoded, encoded_size, 0, error) != 0 ||
        (spliced &&
         (precis_article_decode(from_splice, spliced, spliced_size, 0, error) != 0 ||
          !same_fields(from_splice, from_encode) || !same_fields(from_encode, article) ||
          !same_decoding(spliced, spliced_size) ||
          (must_carry &&
           !memmem(spliced, spliced_size, must_carry, strlen(must_carry))))))
        rc = -1;
    precis_article_destroy(&from_splice);
    precis_article_destroy(&from_encode);
    precis_article_destroy(&article);
    free(spliced);
    free(encoded);
    return rc;
}

/* precis_article_splice against precis_article_encode: requests with
   every optional key, with unknown keys, in each map form; and those it
   must decline. */
static int splice_test(void)
{
    int failures = 0;
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init(&buffer);
    msgpack_packer packer;
    msgpack_packer_init(&packer, &buffer, msgpack_sbuffer_write);
    /* Every key a client may send (ratio as a float32, sentences as a
       uint16: decoded to the same values encode writes in other forms). */
    msgpack_pack_map(&packer, 14);
    precis_mp_pack_kv_str(&packer, "type", "article", 7);
    precis_mp_pack_kv_int(&packer, "v", 1);
    precis_mp_pack_kv_str(&packer, "id", "every-key", 9);
    precis_mp_pack_kv_str(&packer, "title", "Ferries return", 14);
    precis_mp_pack_kv_str(&packer, "text", "The ferry ran at dawn. It was late.", 35);
    precis_mp_pack_kv_str(&packer, "url", "https://example.com/f", 21);
    precis_mp_pack_kv_str(&packer, "source", "Harbour News", 12);
    precis_mp_pack_kv_str(&packer, "lang", "en-GB", 5);
    precis_mp_pack_kv_str(&packer, "published", "2026-12-01T08:00:00Z", 20);
    precis_mp_pack_cstr(&packer, "sentences");
    msgpack_pack_fix_uint16(&packer, 2);
    precis_mp_pack_kv_int(&packer, "words", 40);
    precis_mp_pack_cstr(&packer, "ratio");
    msgpack_pack_float(&packer, 0.25f);
    precis_mp_pack_kv_str(&packer, "format", "html", 4);
    precis_mp_pack_cstr(&packer, "explain");
    msgpack_pack_true(&packer);
    if (splice_compare(buffer.data, buffer.size, NULL) != 0) {
        fprintf(stderr, "article test failed: splice of a request with every key\n");
        failures++;
    }
    /* Text alone and 13 unknown keys (a nested one, a bin, a nil): the id,
       type and v are added, and the fixmap of 14 becomes a map16 of 20. */
    msgpack_sbuffer_clear(&buffer);
    msgpack_pack_map(&packer, 14);
    precis_mp_pack_kv_str(&packer, "text", "Only text. And more.", 20);
    precis_mp_pack_cstr(&packer, "tags");
    msgpack_pack_array(&packer, 2);
    precis_mp_pack_cstr(&packer, "a");
    msgpack_pack_map(&packer, 1);
    precis_mp_pack_kv_int(&packer, "b", 2);
    precis_mp_pack_cstr(&packer, "blob");
    msgpack_pack_bin(&packer, 3);
    msgpack_pack_bin_body(&packer, "\x00\x01\x02", 3);
    precis_mp_pack_cstr(&packer, "nothing");
    msgpack_pack_nil(&packer);
    for (int i = 0; i < 10; i++) {
        char name[16];
        snprintf(name, sizeof name, "custom%d", i);
        precis_mp_pack_kv_int(&packer, name, -i * 1000);
    }
    if (splice_compare(buffer.data, buffer.size, "custom9") != 0) {
        fprintf(stderr, "article test failed: splice of a request with unknown keys\n");
        failures++;
    }
    /* The same entries under a map16 and a map32 header. */
    size_t body = buffer.size - 1;
    uint8_t *wide = malloc(buffer.size + 4);
    wide[0] = 0xde, wide[1] = 0, wide[2] = 14;
    memcpy(wide + 3, buffer.data + 1, body);
    if (splice_compare(wide, 3 + body, "custom9") != 0) {
        fprintf(stderr, "article test failed: splice of a map16 request\n");
        failures++;
    }
    wide[0] = 0xdf, wide[1] = 0, wide[2] = 0, wide[3] = 0, wide[4] = 14;
    memcpy(wide + 5, buffer.data + 1, body);
    if (splice_compare(wide, 5 + body, "custom9") != 0) {
        fprintf(stderr, "article test failed: splice of a map32 request\n");
        failures++;
    }
    free(wide);
    /* Declined: a known key twice or nil, a key ingest sets, format
       "auto" (encode leaves it out); encode is used then. */
    const char *declined[][4] = {
        {"title", "One", "title", "Two"},  {"id", "d1", "id", "d2"},
        {"key", "client-key", "url", "u"}, {"format", "auto", "url", "u"},
        {"received_us", "", "url", "u"},   {"attempt", "", "url", "u"},
        {"normalize_us", "", "url", "u"},  {"normalized", "", "url", "u"},
        {"url", NULL, "source", "s"},      {"id", NULL, "source", "s"},
    };
    for (size_t i = 0; i < sizeof declined / sizeof declined[0]; i++) {
        msgpack_sbuffer_clear(&buffer);
        msgpack_pack_map(&packer, 3);
        precis_mp_pack_kv_str(&packer, "text", "Declined. Still fine.", 21);
        for (int k = 0; k < 2; k++) {
            const char *key = declined[i][2 * k], *value = declined[i][2 * k + 1];
            precis_mp_pack_cstr(&packer, key);
            if (!value)
                msgpack_pack_nil(&packer);
            else if (strcmp(key, "normalized") == 0)
                msgpack_pack_false(&packer);
            else if (!*value)
                msgpack_pack_int(&packer, 7);
            else
                precis_mp_pack_cstr(&packer, value);
        }
        if (splice_compare(buffer.data, buffer.size, NULL) != 1) {
            fprintf(stderr, "article test failed: splice not declined for '%s'\n",
                    declined[i][0]);
            failures++;
        }
    }
    msgpack_sbuffer_destroy(&buffer);
    return failures;
}

int precis_article_test(bool verbose)
{
    int failures = 0;
#define CHECK(cond)                                                                      \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            fprintf(stderr, "article test failed: %s (line %d)\n", #cond, __LINE__);     \
            failures++;                                                                  \
        }                                                                                \
    } while (0)
    char error[PRECIS_ERROR_SIZE];
    size_t size;
    precis_article_t *article;

    /* A complete request decodes, and survives an encode/decode round trip. */
    void *data = pack_strings(&size, 3, "id", "a1", "title", "Héadline", "text",
                              "Body text. More text.");
    article = precis_article_new();
    CHECK(precis_article_decode(article, data, size, 0, error) == 0);
    CHECK(strcmp(article->id.ptr, "a1") == 0 &&
          strcmp(article->title.ptr, "Héadline") == 0);
    free(data);
    article->received_us = 42;
    article->sentences = 2;
    article->normalized = true;
    data = precis_article_encode(article, &size);
    precis_article_t *copy = precis_article_new();
    CHECK(precis_article_decode(copy, data, size, 0, error) == 0);
    CHECK(strcmp(copy->text.ptr, article->text.ptr) == 0);
    CHECK(copy->received_us == 42 && copy->sentences == 2 && copy->normalized);
    CHECK(copy->url.ptr == NULL);                               /* absent stays absent */
    CHECK(!copy->explain && !memmem(data, size, "explain", 7)); /* absent: off the wire */
    free(data);
    precis_article_destroy(&copy);
    /* Every key, in the reverse of the encoder's order (each looked for
       from the row after the last key's, so every one wraps around the
       table), is found. */
    {
        msgpack_sbuffer reverse;
        msgpack_sbuffer_init(&reverse);
        msgpack_packer packer;
        msgpack_packer_init(&packer, &reverse, msgpack_sbuffer_write);
        msgpack_pack_map(&packer, 19);
        precis_mp_pack_cstr(&packer, "explain");
        msgpack_pack_true(&packer);
        precis_mp_pack_kv_str(&packer, "format", "html", 4);
        precis_mp_pack_cstr(&packer, "ratio");
        msgpack_pack_double(&packer, 0.25);
        precis_mp_pack_kv_int(&packer, "words", 40);
        precis_mp_pack_kv_int(&packer, "sentences", 2);
        precis_mp_pack_cstr(&packer, "normalized");
        msgpack_pack_true(&packer);
        precis_mp_pack_kv_int(&packer, "attempt", 3);
        precis_mp_pack_kv_int(&packer, "normalize_us", 7);
        precis_mp_pack_kv_int(&packer, "received_us", 9);
        precis_mp_pack_kv_str(&packer, "published", "2026-12-02", 10);
        precis_mp_pack_kv_str(&packer, "lang", "en", 2);
        precis_mp_pack_kv_str(&packer, "source", "Harbour", 7);
        precis_mp_pack_kv_str(&packer, "url", "https://e.com/r", 15);
        precis_mp_pack_kv_str(&packer, "text", "Ferries run.", 12);
        precis_mp_pack_kv_str(&packer, "title", "Ferries", 7);
        precis_mp_pack_kv_str(&packer, "key", "k-r1", 4);
        precis_mp_pack_kv_str(&packer, "id", "r1", 2);
        precis_mp_pack_kv_int(&packer, "v", PRECIS_PROTOCOL_VERSION);
        precis_mp_pack_kv_str(&packer, "type", "article", 7);
        precis_article_t *got = precis_article_new();
        int decoded = precis_article_decode(got, reverse.data, reverse.size, 0, error);
        if (decoded != 0)
            fprintf(stderr, "article test: the reversed map: %s\n", error);
        CHECK(decoded == 0);
        CHECK(decoded == 0 && got->explain && got->format == PRECIS_FORMAT_HTML &&
              got->ratio == 0.25 && got->words == 40 && got->sentences == 2 &&
              got->normalized && got->attempt == 3 && got->normalize_us == 7 &&
              got->received_us == 9 && strcmp(got->published.ptr, "2026-12-02") == 0 &&
              strcmp(got->lang.ptr, "en") == 0 &&
              strcmp(got->source.ptr, "Harbour") == 0 &&
              strcmp(got->url.ptr, "https://e.com/r") == 0 &&
              strcmp(got->text.ptr, "Ferries run.") == 0 &&
              strcmp(got->title.ptr, "Ferries") == 0 &&
              strcmp(got->key.ptr, "k-r1") == 0 && strcmp(got->id.ptr, "r1") == 0 &&
              got->keys_seen == (UINT32_C(1) << ROW_COUNT) - 1 && !got->keys_irregular);
        precis_article_destroy(&got);
        msgpack_sbuffer_destroy(&reverse);
    }
    /* A language code has the shape of a language tag; anything else would
       make topics of its own ("summary.english"). */
    const struct {
        const char *lang;
        bool valid;
    } langs[] = {{"en", true},     {"und", true},
                 {"pt-BR", true},  {"zh_Hant_TW", true},
                 {"", true},       {"english", false},
                 {"en us", false}, {"e", false},
                 {"en-", false},   {"en-toolongtag", false},
                 {"fr\n", false},  {"d\xc3\xa9", false}};
    for (size_t i = 0; i < sizeof langs / sizeof langs[0]; i++) {
        data = pack_strings(&size, 2, "text", "Fine.", "lang", langs[i].lang);
        copy = precis_article_new();
        int rc = precis_article_decode(copy, data, size, 0, error);
        CHECK(rc == (langs[i].valid ? 0 : -1));
        CHECK(langs[i].valid || strstr(error, "field 'lang' must be a language code"));
        free(data);
        precis_article_destroy(&copy);
    }
    /* "explain": true travels from ingest to summarize; not a boolean is refused. */
    article->explain = true;
    data = precis_article_encode(article, &size);
    copy = precis_article_new();
    CHECK(precis_article_decode(copy, data, size, 0, error) == 0 && copy->explain);
    free(data);
    precis_article_destroy(&copy);
    precis_article_destroy(&article);
    /* Borrowing: the text, title and url point into the frame (no copy),
       the id is a copy, and destroying the article leaves the frame be
       (ASan would see a bad free). A map of 20 keys outgrows the zone's
       first chunk and still decodes. */
    data = pack_strings(&size, 4, "id", "b7", "title", "T", "text", "Borrowed text.",
                        "url", "http://example.com/b7");
    article = precis_article_new();
    CHECK(precis_article_decode_borrowing(article, data, size, 0, error) == 0);
    CHECK(article->borrowed && article->text.len == 14 &&
          article->text.ptr > (char *)data && article->text.ptr < (char *)data + size &&
          memcmp(article->text.ptr, "Borrowed text.", 14) == 0);
    CHECK(article->id.ptr < (char *)data || article->id.ptr >= (char *)data + size);
    CHECK(article->url.ptr > (char *)data && article->url.len == 21 &&
          memcmp(article->url.ptr, "http://example.com/b7", 21) == 0);
    CHECK(strcmp(article->id.ptr, "b7") == 0); /* a copy, NUL-terminated */
    precis_article_destroy(&article);
    CHECK(memcmp(data, "\x84", 1) == 0); /* the frame is untouched */
    /* On the stack: cleared, its copies freed (ASan, valgrind) and fresh
       again, so that it decodes the next frame. */
    precis_article_t on_stack = {0};
    CHECK(precis_article_decode_borrowing(&on_stack, data, size, 0, error) == 0 &&
          on_stack.id.ptr && on_stack.keys_seen);
    precis_article_clear(&on_stack);
    CHECK(!on_stack.id.ptr && !on_stack.text.ptr && !on_stack.borrowed &&
          !on_stack.keys_seen);
    CHECK(precis_article_decode(&on_stack, data, size, 0, error) == 0 &&
          strcmp(on_stack.text.ptr, "Borrowed text.") == 0);
    precis_article_clear(&on_stack);
    free(data);
    {
        msgpack_sbuffer wide;
        msgpack_sbuffer_init(&wide);
        msgpack_packer packer;
        msgpack_packer_init(&packer, &wide, msgpack_sbuffer_write);
        msgpack_pack_map(&packer, 20);
        precis_mp_pack_kv_str(&packer, "text", "Wide.", 5);
        for (int i = 0; i < 19; i++) {
            char name[16];
            snprintf(name, sizeof name, "extra%d", i);
            precis_mp_pack_kv_int(&packer, name, i);
        }
        article = precis_article_new();
        CHECK(precis_article_decode(article, wide.data, wide.size, 0, error) == 0 &&
              strcmp(article->text.ptr, "Wide.") == 0);
        precis_article_destroy(&article);
        msgpack_sbuffer_destroy(&wide);
        /* Arrays of scalars (stepped over without a call by the check before
           decoding): whole, they pass; cut inside the last integer, they
           do not. */
        msgpack_sbuffer_init(&wide);
        msgpack_pack_map(&packer, 2);
        precis_mp_pack_kv_str(&packer, "text", "Signed.", 7);
        precis_mp_pack_cstr(&packer, "signature");
        msgpack_pack_array(&packer, 130);
        for (int i = 0; i < 128; i++)
            msgpack_pack_uint64(&packer, UINT64_MAX - (uint64_t)i);
        msgpack_pack_nil(&packer);
        msgpack_pack_double(&packer, 0.5);
        article = precis_article_new();
        CHECK(precis_article_decode(article, wide.data, wide.size, 0, error) == 0);
        precis_article_destroy(&article);
        CHECK(precis_mp_plausible(wide.data, wide.size, 2));
        CHECK(!precis_mp_plausible(wide.data, wide.size, 1)); /* too deep */
        CHECK(!precis_mp_plausible(wide.data, wide.size - 1, 2));
        CHECK(!precis_mp_plausible(wide.data, wide.size - 12, 2));
        msgpack_sbuffer_destroy(&wide);
    }
    data = pack_strings(&size, 2, "text", "Fine.", "explain", "yes");
    article = precis_article_new();
    CHECK(precis_article_decode(article, data, size, 0, error) == -1 &&
          strcmp(error, "field 'explain' must be a boolean") == 0);
    free(data);
    precis_article_destroy(&article);

    /* The flat maps read without msgpack-c decode as msgpack-c's objects
       do: internal articles, requests of strings, maps of every scalar
       form; and cut at every byte or longer by one, they are refused with
       the same reasons (or taken the same way). */
    article = precis_article_new();
    precis_str_set(&article->id, "flat-1", 6);
    precis_str_set(&article->key, "k-flat-1", 8);
    precis_str_set(&article->title, "A title", 7);
    precis_str_set(&article->text, "The ferry ran at dawn. It was late.", 35);
    precis_str_set(&article->lang, "en", 2);
    article->sentences = 2;
    article->received_us = INT64_C(1764590000000000);
    article->normalize_us = 250;
    article->attempt = 3;
    article->normalized = true;
    article->explain = true;
    article->format = PRECIS_FORMAT_HTML;
    data = precis_article_encode(article, &size);
    failures += same_cut_and_extended(data, size);
    precis_article_t *flat = precis_article_new();
    CHECK(precis_article_decode(flat, data, size, 0, error) == 0 &&
          flat->received_us == article->received_us && flat->attempt == 3 &&
          flat->explain && flat->format == PRECIS_FORMAT_HTML &&
          strcmp(flat->text.ptr, article->text.ptr) == 0);
    precis_article_destroy(&flat);
    free(data);
    precis_article_destroy(&article);
    data = pack_strings(&size, 3, "id", "r1", "text", "Fine.", "lang", "fr");
    failures += same_cut_and_extended(data, size);
    free(data);
    static const int64_t received[10] = {200,        60000,
                                         4000000000, INT64_C(1) << 40,
                                         100,        30000,
                                         2000000000, INT64_C(1) << 50,
                                         5,          INT64_C(1764590000000000)};
    for (int variant = 0; variant < 16; variant++) {
        data = pack_every_form(&size, variant);
        failures += same_decoding(data, size) ? 0 : 1;
        article = precis_article_new();
        int rc = precis_article_decode(article, data, size, 100, error);
        CHECK(variant < 10 ? rc == 0 && article->received_us == received[variant] &&
                                 article->attempt == 4000000000u &&
                                 article->ratio == (variant % 2 ? 0.25 : 0.4) &&
                                 article->source.len == 3000 &&
                                 article->format == PRECIS_FORMAT_HTML
                           : variant == 14 || variant == 15 || rc == -1);
        precis_article_destroy(&article);
        free(data);
    }

    /* Malformed msgpack, a non-map, trailing bytes. */
    const char garbage[] = "\xc1\x00\x01";
    article = precis_article_new();
    CHECK(precis_article_decode(article, garbage, 3, 0, error) == -1);
    CHECK(strstr(error, "malformed msgpack") != NULL);
    precis_article_destroy(&article);
    const char truncated[] = "\x82\xa4text";
    article = precis_article_new();
    CHECK(precis_article_decode(article, truncated, 6, 0, error) == -1);
    CHECK(strstr(error, "malformed msgpack: truncated") != NULL);
    precis_article_destroy(&article);
    /* A header that declares more elements than the frame holds. */
    const char bomb[] = "\xdd\xff\xff\xff\xff";
    article = precis_article_new();
    CHECK(precis_article_decode(article, bomb, 5, 0, error) == -1);
    CHECK(strstr(error, "malformed msgpack") != NULL);
    precis_article_destroy(&article);
    const char deep[] = "\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91"
                        "\x91\x91\x91\x91\x91\x01";
    article = precis_article_new();
    CHECK(precis_article_decode(article, deep, sizeof deep - 1, 0, error) == -1);
    precis_article_destroy(&article);
    const char array[] = "\x91\x01";
    article = precis_article_new();
    CHECK(precis_article_decode(article, array, 2, 0, error) == -1);
    CHECK(strstr(error, "must be a msgpack map, got array") != NULL);
    precis_article_destroy(&article);
    const char extra[] = "\x80\x01";
    article = precis_article_new();
    CHECK(precis_article_decode(article, extra, 2, 0, error) == -1);
    CHECK(strstr(error, "extra bytes") != NULL);
    precis_article_destroy(&article);

    /* Missing, empty and oversize text; the id is kept for the reply. */
    data = pack_strings(&size, 1, "id", "x7");
    article = precis_article_new();
    CHECK(precis_article_decode(article, data, size, 0, error) == -1);
    CHECK(strcmp(error, "missing required field 'text'") == 0);
    CHECK(article->id.ptr && strcmp(article->id.ptr, "x7") == 0);
    free(data);
    precis_article_destroy(&article);
    data = pack_strings(&size, 1, "text", " \n\t ");
    article = precis_article_new();
    CHECK(precis_article_decode(article, data, size, 0, error) == -1);
    CHECK(strstr(error, "is empty") != NULL);
    free(data);
    precis_article_destroy(&article);
    data = pack_strings(&size, 1, "text", "0123456789");
    article = precis_article_new();
    CHECK(precis_article_decode(article, data, size, 9, error) == -1);
    CHECK(strstr(error, "over the limit of 9 bytes") != NULL);
    free(data);
    precis_article_destroy(&article);

    /* Wrong types, unknown message type, bad version, bad ranges. */
    data = pack_strings(&size, 2, "text", "Fine.", "type", "ping");
    article = precis_article_new();
    CHECK(precis_article_decode(article, data, size, 0, error) == -1);
    CHECK(strstr(error, "unknown message type") != NULL);
    free(data);
    precis_article_destroy(&article);
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init(&buffer);
    msgpack_packer packer;
    msgpack_packer_init(&packer, &buffer, msgpack_sbuffer_write);
    msgpack_pack_map(&packer, 2);
    precis_mp_pack_kv_str(&packer, "text", "Fine.", 5);
    precis_mp_pack_kv_int(&packer, "sentences", 0);
    article = precis_article_new();
    CHECK(precis_article_decode(article, buffer.data, buffer.size, 0, error) == -1);
    CHECK(strstr(error, "'sentences' must be an integer from 1") != NULL);
    precis_article_destroy(&article);
    msgpack_sbuffer_clear(&buffer);
    msgpack_pack_map(&packer, 1);
    precis_mp_pack_cstr(&packer, "text");
    msgpack_pack_int(&packer, 12);
    article = precis_article_new();
    CHECK(precis_article_decode(article, buffer.data, buffer.size, 0, error) == -1);
    CHECK(strcmp(error, "field 'text' must be a string, got integer") == 0);
    precis_article_destroy(&article);
    msgpack_sbuffer_clear(&buffer);
    msgpack_pack_map(&packer, 2);
    precis_mp_pack_kv_str(&packer, "text", "Fine.", 5);
    precis_mp_pack_cstr(&packer, "ratio");
    msgpack_pack_double(&packer, 0.4);
    article = precis_article_new();
    CHECK(precis_article_decode(article, buffer.data, buffer.size, 0, error) == 0);
    CHECK(article->ratio == 0.4);
    precis_article_destroy(&article);
    msgpack_sbuffer_destroy(&buffer);

    /* format: absent is auto, known names round-trip, others are refused. */
    data = pack_strings(&size, 2, "text", "<p>Hi.</p>", "format", "html");
    article = precis_article_new();
    CHECK(precis_article_decode(article, data, size, 0, error) == 0);
    CHECK(article->format == PRECIS_FORMAT_HTML);
    free(data);
    data = precis_article_encode(article, &size);
    copy = precis_article_new();
    CHECK(precis_article_decode(copy, data, size, 0, error) == 0);
    CHECK(copy->format == PRECIS_FORMAT_HTML);
    free(data);
    precis_article_destroy(&copy);
    precis_article_destroy(&article);
    data = pack_strings(&size, 2, "text", "3 < 5.", "format", "text");
    article = precis_article_new();
    CHECK(precis_article_decode(article, data, size, 0, error) == 0);
    CHECK(article->format == PRECIS_FORMAT_TEXT);
    free(data);
    precis_article_destroy(&article);
    data = pack_strings(&size, 1, "text", "Plain.");
    article = precis_article_new();
    CHECK(precis_article_decode(article, data, size, 0, error) == 0);
    CHECK(article->format == PRECIS_FORMAT_AUTO);
    free(data);
    data = precis_article_encode(article, &size);
    CHECK(!memmem(data, size, "format", 6)); /* auto stays off the wire */
    free(data);
    precis_article_destroy(&article);
    const char *bad_formats[] = {"markdown", "HTML", "", "htm"};
    for (size_t i = 0; i < sizeof bad_formats / sizeof bad_formats[0]; i++) {
        data =
            pack_strings(&size, 3, "id", "f1", "text", "Fine.", "format", bad_formats[i]);
        article = precis_article_new();
        CHECK(precis_article_decode(article, data, size, 0, error) == -1);
        CHECK(strcmp(error, "field 'format' must be \"text\", \"html\" or \"auto\"") ==
              0);
        CHECK(article->id.ptr && strcmp(article->id.ptr, "f1") == 0);
        free(data);
        precis_article_destroy(&article);
    }
    msgpack_sbuffer_init(&buffer);
    msgpack_pack_map(&packer, 2);
    precis_mp_pack_kv_str(&packer, "text", "Fine.", 5);
    precis_mp_pack_kv_int(&packer, "format", 1);
    article = precis_article_new();
    CHECK(precis_article_decode(article, buffer.data, buffer.size, 0, error) == -1);
    CHECK(strstr(error, "'format' must be") != NULL);
    precis_article_destroy(&article);
    msgpack_sbuffer_destroy(&buffer);

    /* The first line is a title only when it looks like one. */
    CHECK(precis_title_line("Harbour bridge reopens\n\nThe bridge reopened.", 44) == 22);
    CHECK(precis_title_line("The bridge reopened on Monday.\nMore text.", 41) == 0);
    CHECK(precis_title_line("Is the bridge safe?\nEngineers say yes.", 38) == 0);
    CHECK(precis_title_line("\"It is over.\"\nThe mayor spoke.", 29) == 0);
    CHECK(precis_title_line("A headline with no line break after it", 38) == 0);
    CHECK(precis_title_line("\nText after an empty line.", 26) == 0);
    const char *wordy = "one two three four five six seven eight nine ten eleven twelve "
                        "thirteen fourteen fifteen sixteen seventeen eighteen nineteen "
                        "twenty twentyone\nText.";
    CHECK(precis_title_line(wordy, strlen(wordy)) == 0);
    CHECK(precis_title_line("Caf\xc3\xa9 opens \r\nText.", 18) == 13);

    /* The rule: guessed, forced, or never; one line is all text. */
    size_t title_len = 99;
    const char *titled = "Harbour bridge reopens\nThe bridge reopened.";
    CHECK(precis_title_split(titled, strlen(titled), PRECIS_TITLE_GUESS, &title_len) ==
              23 &&
          title_len == 22);
    CHECK(precis_title_split(titled, strlen(titled), PRECIS_TITLE_NEVER, &title_len) ==
              0 &&
          title_len == 0);
    const char *sentence = "It reopened.\nMore text.";
    CHECK(precis_title_split(sentence, strlen(sentence), PRECIS_TITLE_GUESS,
                             &title_len) == 0);
    CHECK(precis_title_split(sentence, strlen(sentence), PRECIS_TITLE_ALWAYS,
                             &title_len) == 13 &&
          title_len == 12);
    CHECK(precis_title_split("\nText.", 7, PRECIS_TITLE_ALWAYS, &title_len) == 1 &&
          title_len == 0);
    CHECK(precis_title_split("One line only", 13, PRECIS_TITLE_ALWAYS, &title_len) == 0);
    CHECK(precis_title_split("Short line\n \n", 13, PRECIS_TITLE_GUESS, &title_len) ==
              0 &&
          title_len == 0);

    /* UTF-8 checking is delegated to the validator it is given. */
    data = pack_strings(&size, 2, "text", "ok", "title", "bad \xff byte");
    article = precis_article_new();
    CHECK(precis_article_decode(article, data, size, 0, error) == 0);
    CHECK(precis_article_check_utf8(article, accept_all, error) == 0);
    CHECK(precis_article_check_utf8(article, reject_bad_byte, error) == -1);
    CHECK(strcmp(error, "field 'title' is not valid UTF-8") == 0);
    free(data);
    precis_article_destroy(&article);

    failures += splice_test();

    /* Generated ids are 32 hex digits and differ. */
    precis_article_t *one = precis_article_new(), *two = precis_article_new();
    precis_article_generate_id(one);
    precis_article_generate_id(two);
    CHECK(one->id.len == 32 && strspn(one->id.ptr, "0123456789abcdef") == 32);
    CHECK(strcmp(one->id.ptr, two->id.ptr) != 0);
    precis_article_destroy(&one);
    precis_article_destroy(&two);
    if (verbose && !failures)
        printf("article: all checks passed\n");
    return failures;
#undef CHECK
}
