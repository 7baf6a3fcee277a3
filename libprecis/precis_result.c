/*  precis_result - summaries and errors: encode, decode, topic, JSON. */
#include "precis_result.h"
#include "precis_msgpack.h"
#include "precis_mpwrite.h"
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *copy_string(const char *ptr, size_t len)
{
    char *copy = malloc(len + 1);
    assert(copy);
    if (len)
        memcpy(copy, ptr, len);
    copy[len] = 0;
    return copy;
}

precis_result_t *precis_result_new(precis_result_kind_t kind)
{
    precis_result_t *self = calloc(1, sizeof *self);
    assert(self);
    self->kind = kind;
    return self;
}

void precis_result_destroy(precis_result_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    precis_result_t *self = *self_p;
    char *strings[] = {self->id,          self->key,       self->title,  self->url,
                       self->source,      self->published, self->lang,   self->stage,
                       self->reason,      self->error,     self->log_id, self->story,
                       self->duplicate_of};
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++)
        free(strings[i]);
    for (size_t i = 0; i < self->summary_count; i++)
        free(self->summary[i]);
    free(self->summary);
    free(self->scored);
    for (size_t i = 0; i < self->keyword_count; i++)
        free(self->keywords[i]);
    free(self->keywords);
    precis_minhash_destroy(&self->signature);
    json_decref(self->explain);
    free(self);
    *self_p = NULL;
}

static void clear_summary(precis_result_t *self)
{
    for (size_t i = 0; i < self->summary_count; i++)
        free(self->summary[i]);
    free(self->summary);
    free(self->scored);
    for (size_t i = 0; i < self->keyword_count; i++)
        free(self->keywords[i]);
    free(self->keywords);
    self->summary = NULL;
    self->scored = NULL;
    self->keywords = NULL;
    self->summary_count = self->keyword_count = 0;
}

void precis_result_copy_summary(precis_result_t *self, const precis_result_t *other)
{
    clear_summary(self);
    for (size_t i = 0; i < other->summary_count; i++) {
        precis_result_add_sentence(self, other->summary[i], strlen(other->summary[i]),
                                   other->scored[i].index, other->scored[i].score);
        self->scored[i].truncated = other->scored[i].truncated;
    }
    for (size_t i = 0; i < other->keyword_count; i++)
        precis_result_add_keyword(self, other->keywords[i]);
    self->sentence_count = other->sentence_count;
    free(self->lang);
    self->lang = other->lang ? strdup(other->lang) : NULL;
}

static char *copy_field(const precis_str_t *field)
{
    return field->ptr ? copy_string(field->ptr, field->len) : NULL;
}

void precis_result_copy_article(precis_result_t *self, const precis_article_t *article)
{
    self->id = copy_field(&article->id);
    self->key = copy_field(&article->key);
    self->title = copy_field(&article->title);
    self->url = copy_field(&article->url);
    self->source = copy_field(&article->source);
    self->published = copy_field(&article->published);
    self->received_us = article->received_us;
    self->normalize_us = article->normalize_us;
}

precis_result_t *precis_result_new_error(const precis_article_t *article,
                                         const char *stage, const char *reason,
                                         const char *error)
{
    precis_result_t *self = precis_result_new(PRECIS_RESULT_ERROR);
    precis_result_copy_article(self, article);
    self->stage = strdup(stage);
    self->reason = strdup(reason);
    self->error = strdup(error);
    return self;
}

/* Whether an array of count entries is full: arrays grow to the next power
   of two, so that n entries take log2(n) reallocations, not n (a summary's
   ten keywords were ten). */
static bool full(size_t count)
{
    return (count & (count - 1)) == 0; /* 0, 1, 2, 4, 8... */
}

static size_t room_after(size_t count)
{
    return count ? 2 * count : 1;
}

/* memchr finds the few line breaks there are a vector at a time (the
   summarize worker's byte-by-byte loop over its sentences was 1,660
   instructions an article, callgrind, BBC). */
void precis_result_unbreak(char *text, size_t len)
{
    for (const char *breaks = "\n\r"; *breaks; breaks++)
        for (char *at = memchr(text, *breaks, len); at;
             at = memchr(at + 1, *breaks, len - (size_t)(at + 1 - text)))
            *at = ' ';
}

void precis_result_add_sentence(precis_result_t *self, const char *text, size_t len,
                                uint32_t index, double score)
{
    size_t count = self->summary_count;
    if (full(count)) {
        self->summary = realloc(self->summary, room_after(count) * sizeof *self->summary);
        self->scored = realloc(self->scored, room_after(count) * sizeof *self->scored);
        assert(self->summary && self->scored);
    }
    /* One sentence, one line: a line break inside it (hard-wrapped text,
       which the splitter joins) becomes a space. */
    char *sentence = copy_string(text, len);
    precis_result_unbreak(sentence, len);
    self->summary[count] = sentence;
    self->scored[count] = (precis_scored_t){index, score, false};
    self->summary_count = count + 1;
}

void precis_result_add_keyword(precis_result_t *self, const char *keyword)
{
    if (full(self->keyword_count)) {
        self->keywords =
            realloc(self->keywords, room_after(self->keyword_count) * sizeof(char *));
        assert(self->keywords);
    }
    self->keywords[self->keyword_count++] = strdup(keyword);
}

/* The JSON value of a msgpack object (the "explain" map): maps with
   string keys, arrays, strings, numbers, booleans; anything else is null. */
static json_t *object_json(const msgpack_object *object)
{
    int64_t number;
    switch (object->type) {
    case MSGPACK_OBJECT_MAP: {
        json_t *map = json_object();
        for (uint32_t i = 0; i < object->via.map.size; i++) {
            const msgpack_object_kv *kv = &object->via.map.ptr[i];
            if (kv->key.type != MSGPACK_OBJECT_STR)
                continue;
            char *key = copy_string(kv->key.via.str.ptr, kv->key.via.str.size);
            json_object_set_new(map, key, object_json(&kv->val));
            free(key);
        }
        return map;
    }
    case MSGPACK_OBJECT_ARRAY: {
        json_t *array = json_array();
        for (uint32_t i = 0; i < object->via.array.size; i++)
            json_array_append_new(array, object_json(&object->via.array.ptr[i]));
        return array;
    }
    case MSGPACK_OBJECT_STR:
        return json_stringn(object->via.str.ptr, object->via.str.size);
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64:
        return json_real(object->via.f64);
    case MSGPACK_OBJECT_BOOLEAN:
        return json_boolean(object->via.boolean);
    default:
        return precis_mp_int(object, &number) ? json_integer(number) : json_null();
    }
}

/* The published story keys: story, similarity, exact, and duplicate_of
   on a repeat; none before the sink set the story. */
static int story_fields(const precis_result_t *self)
{
    return self->story ? (self->duplicate_of ? 4 : 3) : 0;
}

static void write_summary_fields(precis_mpw_t *w, const precis_result_t *self)
{
    precis_mpw_kv_str(w, "lang", self->lang ? self->lang : "und");
    precis_mpw_cstr(w, "summary");
    precis_mpw_array(w, self->summary_count);
    for (size_t i = 0; i < self->summary_count; i++)
        precis_mpw_cstr(w, self->summary[i]);
    precis_mpw_cstr(w, "sentences");
    precis_mpw_array(w, self->summary_count);
    for (size_t i = 0; i < self->summary_count; i++) {
        /* "truncated" only when set: old clients never see a new key
           for an uncut sentence, and messages stay as small as before. */
        bool truncated = self->scored[i].truncated;
        precis_mpw_map(w, truncated ? 3 : 2);
        precis_mpw_kv_int(w, "index", self->scored[i].index);
        precis_mpw_cstr(w, "score");
        precis_mpw_double(w, self->scored[i].score);
        if (truncated) {
            precis_mpw_cstr(w, "truncated");
            precis_mpw_bool(w, true);
        }
    }
    precis_mpw_kv_int(w, "sentence_count", self->sentence_count);
    precis_mpw_cstr(w, "keywords");
    precis_mpw_array(w, self->keyword_count);
    for (size_t i = 0; i < self->keyword_count; i++)
        precis_mpw_cstr(w, self->keywords[i]);
    if (self->explain) { /* only when asked: absent otherwise */
        precis_mpw_cstr(w, "explain");
        precis_mpw_json(w, self->explain);
    }
}

static void write_story(precis_mpw_t *w, const precis_result_t *self)
{
    if (self->story) {
        precis_mpw_kv_str(w, "story", self->story);
        if (self->duplicate_of)
            precis_mpw_kv_str(w, "duplicate_of", self->duplicate_of);
        precis_mpw_cstr(w, "similarity");
        precis_mpw_double(w, self->similarity);
        precis_mpw_cstr(w, "exact");
        precis_mpw_bool(w, self->exact);
    }
    if (self->signature) { /* internal: worker to sink */
        uint8_t bins[2 * PRECIS_MINHASH_BINS];
        if (w->data)
            precis_minhash_encode_bins(self->signature->bins, bins);
        precis_mpw_cstr(w, "text_hash");
        precis_mpw_bin(w, self->signature->text_hash, 16);
        precis_mpw_cstr(w, "minhash");
        precis_mpw_bin(w, bins, sizeof bins);
        precis_mpw_kv_int(w, "shingles", self->signature->shingles);
        precis_mpw_cstr(w, "summary_tag");
        precis_mpw_uint(w, self->summary_tag);
    }
}

/* The map, counted (w->data NULL) or written (as far as w->cap). */
static void write_result(precis_mpw_t *w, const precis_result_t *self)
{
    bool summary = self->kind == PRECIS_RESULT_SUMMARY;
    /* log_id only when set (by the sink): a result before the sink, and
       the maps older sinks wrote, have none. */
    precis_mpw_map(w, (size_t)((summary ? 15 + (self->explain != NULL) : 13) +
                               (self->log_id ? 1 : 0) + story_fields(self) +
                               (self->signature ? 4 : 0)));
    precis_mpw_kv_int(w, "v", PRECIS_PROTOCOL_VERSION);
    precis_mpw_kv_str(w, "type", summary ? "summary" : "error");
    precis_mpw_kv_str(w, "id", self->id);
    precis_mpw_kv_str(w, "key", self->key);
    precis_mpw_kv_int(w, "seq", (int64_t)self->seq);
    if (self->log_id)
        precis_mpw_kv_str(w, "log_id", self->log_id);
    precis_mpw_kv_str(w, "title", self->title);
    precis_mpw_kv_str(w, "url", self->url);
    precis_mpw_kv_str(w, "source", self->source);
    precis_mpw_kv_str(w, "published", self->published);
    if (summary)
        write_summary_fields(w, self);
    else {
        precis_mpw_kv_str(w, "stage", self->stage);
        precis_mpw_kv_str(w, "reason", self->reason);
        precis_mpw_kv_str(w, "error", self->error);
    }
    precis_mpw_cstr(w, "timings");
    precis_mpw_map(w, 4);
    precis_mpw_kv_int(w, "received_us", self->received_us);
    precis_mpw_kv_int(w, "normalize_us", self->normalize_us);
    precis_mpw_kv_int(w, "summarize_us", self->summarize_us);
    precis_mpw_kv_int(w, "published_us", self->published_us);
    write_story(w, self);
}

size_t precis_result_encoded_size(const precis_result_t *self)
{
    precis_mpw_t w = {NULL, 0, 0};
    write_result(&w, self);
    return w.size;
}

void precis_result_encode_into(const precis_result_t *self, void *data, size_t size)
{
    precis_mpw_t w = {data, 0, size};
    write_result(&w, self);
    assert(w.size == size);
    (void)size;
}

size_t precis_result_encode_bounded(const precis_result_t *self, void *data, size_t cap)
{
    precis_mpw_t w = {data, 0, cap};
    write_result(&w, self);
    return w.size;
}

void *precis_result_encode(const precis_result_t *self, size_t *size_p)
{
    size_t size = precis_result_encoded_size(self);
    void *data = malloc(size);
    assert(data);
    precis_result_encode_into(self, data, size);
    *size_p = size;
    return data;
}

/* Copies a string value, or NULL when the key is absent or not a string. */
static char *read_string(const msgpack_object *map, const char *key)
{
    const msgpack_object *value = precis_mp_lookup(map, key);
    if (!value || value->type != MSGPACK_OBJECT_STR)
        return NULL;
    return copy_string(value->via.str.ptr, value->via.str.size);
}

static int64_t read_int(const msgpack_object *map, const char *key)
{
    const msgpack_object *value = precis_mp_lookup(map, key);
    int64_t number = 0;
    if (value)
        precis_mp_int(value, &number);
    return number;
}

static void read_summary_fields(precis_result_t *self, const msgpack_object *map)
{
    const msgpack_object *summary = precis_mp_lookup(map, "summary");
    const msgpack_object *scored = precis_mp_lookup(map, "sentences");
    if (summary && summary->type == MSGPACK_OBJECT_ARRAY)
        for (uint32_t i = 0; i < summary->via.array.size; i++) {
            const msgpack_object *item = &summary->via.array.ptr[i];
            if (item->type != MSGPACK_OBJECT_STR)
                continue;
            uint32_t index = 0;
            double score = 0;
            bool truncated = false;
            if (scored && scored->type == MSGPACK_OBJECT_ARRAY &&
                i < scored->via.array.size) {
                const msgpack_object *entry = &scored->via.array.ptr[i];
                index = (uint32_t)read_int(entry, "index");
                const msgpack_object *value = precis_mp_lookup(entry, "score");
                if (value && (value->type == MSGPACK_OBJECT_FLOAT64 ||
                              value->type == MSGPACK_OBJECT_FLOAT32))
                    score = value->via.f64;
                value = precis_mp_lookup(entry, "truncated");
                truncated =
                    value && value->type == MSGPACK_OBJECT_BOOLEAN && value->via.boolean;
            }
            precis_result_add_sentence(self, item->via.str.ptr, item->via.str.size, index,
                                       score);
            self->scored[self->summary_count - 1].truncated = truncated;
        }
    const msgpack_object *keywords = precis_mp_lookup(map, "keywords");
    if (keywords && keywords->type == MSGPACK_OBJECT_ARRAY)
        for (uint32_t i = 0; i < keywords->via.array.size; i++) {
            const msgpack_object *item = &keywords->via.array.ptr[i];
            if (item->type != MSGPACK_OBJECT_STR)
                continue;
            char *word = copy_string(item->via.str.ptr, item->via.str.size);
            precis_result_add_keyword(self, word);
            free(word);
        }
    self->sentence_count = (uint32_t)read_int(map, "sentence_count");
    const msgpack_object *explain = precis_mp_lookup(map, "explain");
    if (explain && explain->type == MSGPACK_OBJECT_MAP)
        self->explain = object_json(explain);
}

/* The story keys, and the signature when both its parts are well-formed. */
static void read_story(precis_result_t *self, const msgpack_object *map)
{
    self->story = read_string(map, "story");
    self->duplicate_of = read_string(map, "duplicate_of");
    const msgpack_object *value = precis_mp_lookup(map, "similarity");
    if (value &&
        (value->type == MSGPACK_OBJECT_FLOAT64 || value->type == MSGPACK_OBJECT_FLOAT32))
        self->similarity = value->via.f64;
    value = precis_mp_lookup(map, "exact");
    self->exact = value && value->type == MSGPACK_OBJECT_BOOLEAN && value->via.boolean;
    const msgpack_object *hash = precis_mp_lookup(map, "text_hash");
    const msgpack_object *bins = precis_mp_lookup(map, "minhash");
    if (hash && bins && hash->type == MSGPACK_OBJECT_BIN && hash->via.bin.size == 16 &&
        bins->type == MSGPACK_OBJECT_BIN) {
        precis_minhash_t *signature = precis_minhash_new(NULL, 0);
        if (precis_minhash_decode_bins((const uint8_t *)bins->via.bin.ptr,
                                       bins->via.bin.size, signature->bins)) {
            memcpy(signature->text_hash, hash->via.bin.ptr, 16);
            signature->shingles = (uint32_t)read_int(map, "shingles");
            self->signature = signature;
            const msgpack_object *tag = precis_mp_lookup(map, "summary_tag");
            if (tag && tag->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
                self->summary_tag = tag->via.u64;
        } else
            precis_minhash_destroy(&signature);
    }
}

static precis_result_t *decode_map(const msgpack_object *map, char *error)
{
    const msgpack_object *type = precis_mp_lookup(map, "type");
    precis_result_kind_t kind;
    if (type && precis_mp_key_is(type, "summary"))
        kind = PRECIS_RESULT_SUMMARY;
    else if (type && precis_mp_key_is(type, "error"))
        kind = PRECIS_RESULT_ERROR;
    else {
        snprintf(error, PRECIS_ERROR_SIZE, "not a result (type is not summary or error)");
        return NULL;
    }
    precis_result_t *self = precis_result_new(kind);
    self->id = read_string(map, "id");
    self->key = read_string(map, "key");
    self->seq = (uint64_t)read_int(map, "seq");
    self->log_id = read_string(map, "log_id");
    self->title = read_string(map, "title");
    self->url = read_string(map, "url");
    self->source = read_string(map, "source");
    self->published = read_string(map, "published");
    if (kind == PRECIS_RESULT_SUMMARY) {
        self->lang = read_string(map, "lang");
        read_summary_fields(self, map);
    } else {
        self->stage = read_string(map, "stage");
        self->reason = read_string(map, "reason");
        self->error = read_string(map, "error");
    }
    read_story(self, map);
    const msgpack_object *timings = precis_mp_lookup(map, "timings");
    if (timings) {
        self->received_us = read_int(timings, "received_us");
        self->normalize_us = read_int(timings, "normalize_us");
        self->summarize_us = read_int(timings, "summarize_us");
        self->published_us = read_int(timings, "published_us");
    }
    if (!self->id) {
        snprintf(error, PRECIS_ERROR_SIZE, "result without an id");
        precis_result_destroy(&self);
    }
    return self;
}

precis_result_t *precis_result_decode(const void *data, size_t size, char *error)
{
    msgpack_unpacked unpacked;
    msgpack_unpacked_init(&unpacked);
    precis_result_t *self = NULL;
    if (!precis_mp_unpack(&unpacked, data, size, 16))
        snprintf(error, PRECIS_ERROR_SIZE, "malformed msgpack");
    else if (unpacked.data.type != MSGPACK_OBJECT_MAP)
        snprintf(error, PRECIS_ERROR_SIZE, "result is not a map");
    else
        self = decode_map(&unpacked.data, error);
    msgpack_unpacked_destroy(&unpacked);
    return self;
}

const char *precis_result_topic(const precis_result_t *self, char *buf, size_t size)
{
    if (self->kind == PRECIS_RESULT_SUMMARY)
        snprintf(buf, size, "%s.%s", self->duplicate_of ? "duplicate" : "summary",
                 self->lang && *self->lang ? self->lang : "und");
    else
        snprintf(buf, size, "error.%s",
                 self->reason && *self->reason ? self->reason : "internal");
    return buf;
}

static void set_string(json_t *object, const char *key, const char *value)
{
    json_object_set_new(object, key, json_string(value ? value : ""));
}

json_t *precis_result_to_json(const precis_result_t *self)
{
    json_t *object = json_object();
    bool summary = self->kind == PRECIS_RESULT_SUMMARY;
    json_object_set_new(object, "v", json_integer(PRECIS_PROTOCOL_VERSION));
    set_string(object, "type", summary ? "summary" : "error");
    set_string(object, "id", self->id);
    json_object_set_new(object, "seq", json_integer((json_int_t)self->seq));
    if (self->log_id)
        set_string(object, "log_id", self->log_id);
    set_string(object, "title", self->title);
    set_string(object, "url", self->url);
    set_string(object, "source", self->source);
    set_string(object, "published", self->published);
    if (summary) {
        set_string(object, "lang", self->lang ? self->lang : "und");
        json_t *sentences = json_array(), *scored = json_array(),
               *keywords = json_array();
        for (size_t i = 0; i < self->summary_count; i++) {
            json_array_append_new(sentences, json_string(self->summary[i]));
            json_t *entry =
                json_pack("{s:i,s:f}", "index", (json_int_t)self->scored[i].index,
                          "score", self->scored[i].score);
            if (self->scored[i].truncated)
                json_object_set_new(entry, "truncated", json_true());
            json_array_append_new(scored, entry);
        }
        for (size_t i = 0; i < self->keyword_count; i++)
            json_array_append_new(keywords, json_string(self->keywords[i]));
        json_object_set_new(object, "summary", sentences);
        json_object_set_new(object, "sentences", scored);
        json_object_set_new(object, "sentence_count", json_integer(self->sentence_count));
        json_object_set_new(object, "keywords", keywords);
        if (self->explain)
            json_object_set(object, "explain", self->explain);
    } else {
        set_string(object, "stage", self->stage);
        set_string(object, "reason", self->reason);
        set_string(object, "error", self->error);
    }
    if (self->story) {
        set_string(object, "story", self->story);
        if (self->duplicate_of)
            set_string(object, "duplicate_of", self->duplicate_of);
        json_object_set_new(object, "similarity", json_real(self->similarity));
        json_object_set_new(object, "exact", json_boolean(self->exact));
    }
    json_object_set_new(object, "timings",
                        json_pack("{s:I,s:I,s:I,s:I}", "received_us",
                                  (json_int_t)self->received_us, "normalize_us",
                                  (json_int_t)self->normalize_us, "summarize_us",
                                  (json_int_t)self->summarize_us, "published_us",
                                  (json_int_t)self->published_us));
    return object;
}

static void pack_kv(msgpack_packer *packer, const char *key, const char *value)
{
    precis_mp_pack_kv_str(packer, key, value, value ? strlen(value) : 0);
}

static void pack_timings(msgpack_packer *packer, const precis_result_t *self)
{
    precis_mp_pack_cstr(packer, "timings");
    msgpack_pack_map(packer, 4);
    precis_mp_pack_kv_int(packer, "received_us", self->received_us);
    precis_mp_pack_kv_int(packer, "normalize_us", self->normalize_us);
    precis_mp_pack_kv_int(packer, "summarize_us", self->summarize_us);
    precis_mp_pack_kv_int(packer, "published_us", self->published_us);
}

static void pack_summary_fields(msgpack_packer *packer, const precis_result_t *self)
{
    pack_kv(packer, "lang", self->lang ? self->lang : "und");
    precis_mp_pack_cstr(packer, "summary");
    msgpack_pack_array(packer, self->summary_count);
    for (size_t i = 0; i < self->summary_count; i++)
        precis_mp_pack_cstr(packer, self->summary[i]);
    precis_mp_pack_cstr(packer, "sentences");
    msgpack_pack_array(packer, self->summary_count);
    for (size_t i = 0; i < self->summary_count; i++) {
        /* "truncated" only when set: old clients never see a new key
           for an uncut sentence, and messages stay as small as before. */
        bool truncated = self->scored[i].truncated;
        msgpack_pack_map(packer, truncated ? 3 : 2);
        precis_mp_pack_kv_int(packer, "index", self->scored[i].index);
        precis_mp_pack_cstr(packer, "score");
        msgpack_pack_double(packer, self->scored[i].score);
        if (truncated) {
            precis_mp_pack_cstr(packer, "truncated");
            msgpack_pack_true(packer);
        }
    }
    precis_mp_pack_kv_int(packer, "sentence_count", self->sentence_count);
    precis_mp_pack_cstr(packer, "keywords");
    msgpack_pack_array(packer, self->keyword_count);
    for (size_t i = 0; i < self->keyword_count; i++)
        precis_mp_pack_cstr(packer, self->keywords[i]);
    if (self->explain) { /* only when asked: absent otherwise */
        precis_mp_pack_cstr(packer, "explain");
        precis_mp_pack_json(packer, self->explain);
    }
}

static void pack_story(msgpack_packer *packer, const precis_result_t *self)
{
    if (self->story) {
        pack_kv(packer, "story", self->story);
        if (self->duplicate_of)
            pack_kv(packer, "duplicate_of", self->duplicate_of);
        precis_mp_pack_cstr(packer, "similarity");
        msgpack_pack_double(packer, self->similarity);
        precis_mp_pack_cstr(packer, "exact");
        if (self->exact)
            msgpack_pack_true(packer);
        else
            msgpack_pack_false(packer);
    }
    if (self->signature) { /* internal: worker to sink */
        uint8_t bins[2 * PRECIS_MINHASH_BINS];
        precis_minhash_encode_bins(self->signature->bins, bins);
        precis_mp_pack_cstr(packer, "text_hash");
        msgpack_pack_bin(packer, 16);
        msgpack_pack_bin_body(packer, self->signature->text_hash, 16);
        precis_mp_pack_cstr(packer, "minhash");
        msgpack_pack_bin(packer, sizeof bins);
        msgpack_pack_bin_body(packer, bins, sizeof bins);
        precis_mp_pack_kv_int(packer, "shingles", self->signature->shingles);
        precis_mp_pack_cstr(packer, "summary_tag");
        msgpack_pack_uint64(packer, self->summary_tag);
    }
}

/* A pseudo-random number below n (the self test's shapes of results). */
static size_t pick(uint64_t *seed, size_t n)
{
    *seed = *seed * 6364136223846793005u + 1442695040888963407u;
    return (size_t)(*seed >> 33) % n;
}

/* The encoder before precis_mpwrite, with msgpack-c's packer: the self
   test's reference for the bytes precis_result_encode writes. */
static void *encode_with_packer(const precis_result_t *self, size_t *size_p)
{
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init(&buffer);
    msgpack_packer packer;
    msgpack_packer_init(&packer, &buffer, msgpack_sbuffer_write);
    bool summary = self->kind == PRECIS_RESULT_SUMMARY;
    /* log_id only when set (by the sink): a result before the sink, and
       the maps older sinks wrote, have none. */
    msgpack_pack_map(&packer, (summary ? 15 + (self->explain != NULL) : 13) +
                                  (self->log_id ? 1 : 0) + story_fields(self) +
                                  (self->signature ? 4 : 0));
    precis_mp_pack_kv_int(&packer, "v", PRECIS_PROTOCOL_VERSION);
    pack_kv(&packer, "type", summary ? "summary" : "error");
    pack_kv(&packer, "id", self->id);
    pack_kv(&packer, "key", self->key);
    precis_mp_pack_kv_int(&packer, "seq", (int64_t)self->seq);
    if (self->log_id)
        pack_kv(&packer, "log_id", self->log_id);
    pack_kv(&packer, "title", self->title);
    pack_kv(&packer, "url", self->url);
    pack_kv(&packer, "source", self->source);
    pack_kv(&packer, "published", self->published);
    if (summary)
        pack_summary_fields(&packer, self);
    else {
        pack_kv(&packer, "stage", self->stage);
        pack_kv(&packer, "reason", self->reason);
        pack_kv(&packer, "error", self->error);
    }
    pack_timings(&packer, self);
    pack_story(&packer, self);
    *size_p = buffer.size;
    return buffer.data;
}

int precis_result_test(bool verbose)
{
    int failures = 0;
#define CHECK(cond)                                                                      \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            fprintf(stderr, "result test failed: %s (line %d)\n", #cond, __LINE__);      \
            failures++;                                                                  \
        }                                                                                \
    } while (0)
    char error[PRECIS_ERROR_SIZE], topic[64];
    precis_article_t *article = precis_article_new();
    precis_str_set(&article->id, "art-1", 5);
    precis_str_set(&article->key, "k-1", 3);
    precis_str_set(&article->title, "Title", 5);
    article->received_us = 1000;

    /* A summary survives encode/decode with its sentences, scores and keywords. */
    precis_result_t *result = precis_result_new(PRECIS_RESULT_SUMMARY);
    precis_result_copy_article(result, article);
    result->lang = strdup("en");
    result->sentence_count = 9;
    precis_result_add_sentence(result, "First one.", 10, 0, 0.5);
    precis_result_add_sentence(result, "Fifth\none.", 10, 4, 0.25); /* hard-wrapped */
    precis_result_add_sentence(result, "Seventh, cut", 12, 6, 0.125);
    result->scored[2].truncated = true;
    precis_result_add_keyword(result, "council");
    size_t size;
    void *data = precis_result_encode(result, &size);
    /* Only the cut sentence's entry carries the key. */
    size_t keys = 0;
    for (size_t i = 0; i + 9 <= size; i++)
        keys += memcmp((const char *)data + i, "truncated", 9) == 0;
    CHECK(keys == 1);
    precis_result_t *copy = precis_result_decode(data, size, error);
    CHECK(copy != NULL);
    if (copy) {
        CHECK(copy->kind == PRECIS_RESULT_SUMMARY && strcmp(copy->id, "art-1") == 0);
        /* One sentence, one line. */
        CHECK(copy->summary_count == 3 && strcmp(copy->summary[1], "Fifth one.") == 0);
        CHECK(copy->scored[1].index == 4 && copy->scored[1].score == 0.25);
        /* The truncated flag survives; the uncut sentences stay without it. */
        CHECK(!copy->scored[0].truncated && !copy->scored[1].truncated);
        CHECK(copy->scored[2].truncated && copy->scored[2].index == 6);
        CHECK(copy->sentence_count == 9 && copy->keyword_count == 1);
        CHECK(copy->received_us == 1000);
        CHECK(copy->key && strcmp(copy->key, "k-1") == 0);
        CHECK(strcmp(precis_result_topic(copy, topic, sizeof topic), "summary.en") == 0);
        json_t *json = precis_result_to_json(copy);
        CHECK(json_array_size(json_object_get(json, "summary")) == 3);
        json_t *entries = json_object_get(json, "sentences");
        CHECK(json_object_get(json_array_get(entries, 0), "truncated") == NULL);
        CHECK(json_is_true(json_object_get(json_array_get(entries, 2), "truncated")));
        CHECK(strcmp(json_string_value(json_object_get(json, "id")), "art-1") == 0);
        /* No log_id before the sink: the key is absent, not empty. */
        CHECK(copy->log_id == NULL && json_object_get(json, "log_id") == NULL);
        CHECK(json_object_get(json, "explain") == NULL && copy->explain == NULL);
        json_decref(json);
    }
    free(data);
    precis_result_destroy(&copy);
    /* Every CR and LF, at the ends too, becomes a space; sentences and
       keywords past each power of two keep their places. */
    precis_result_t *wrapped = precis_result_new(PRECIS_RESULT_SUMMARY);
    precis_result_add_sentence(wrapped, "\rOne\r\ntwo\nthree\n", 16, 0, 1.0);
    CHECK(strcmp(wrapped->summary[0], " One  two three ") == 0);
    for (uint32_t i = 1; i < 40; i++) {
        char word[16];
        snprintf(word, sizeof word, "w%u", i);
        precis_result_add_sentence(wrapped, word, strlen(word), i, i / 4.0);
        precis_result_add_keyword(wrapped, word);
    }
    bool kept = wrapped->summary_count == 40 && wrapped->keyword_count == 39;
    for (uint32_t i = 1; kept && i < 40; i++) {
        char word[16];
        snprintf(word, sizeof word, "w%u", i);
        kept = strcmp(wrapped->summary[i], word) == 0 && wrapped->scored[i].index == i &&
               wrapped->scored[i].score == i / 4.0 &&
               strcmp(wrapped->keywords[i - 1], word) == 0;
    }
    CHECK(kept);
    precis_result_destroy(&wrapped);
    /* The sink's seq and log_id travel together, in msgpack and JSON. */
    result->seq = 42;
    result->log_id = strdup("0123456789abcdef");
    data = precis_result_encode(result, &size);
    copy = precis_result_decode(data, size, error);
    CHECK(copy && copy->seq == 42 && copy->log_id &&
          strcmp(copy->log_id, "0123456789abcdef") == 0);
    if (copy) {
        json_t *json = precis_result_to_json(copy);
        CHECK(strcmp(json_string_value(json_object_get(json, "log_id")),
                     "0123456789abcdef") == 0);
        json_decref(json);
    }
    free(data);
    precis_result_destroy(&copy);
    /* "explain", when there, survives encode/decode and the JSON form:
       strings, integers, reals, booleans, maps and arrays. */
    result->explain =
        json_pack("{s:s,s:[{s:i,s:s,s:f,s:b},{s:i,s:s,s:i,s:f}]}", "ranking", "lexrank",
                  "sentences", "index", 0, "status", "selected", "score", 2.5, "cut", 0,
                  "index", 1, "status", "redundant", "redundant_with", 0, "score", 0.125);
    data = precis_result_encode(result, &size);
    copy = precis_result_decode(data, size, error);
    CHECK(copy && copy->explain && json_equal(copy->explain, result->explain));
    if (copy) {
        json_t *json = precis_result_to_json(copy);
        CHECK(json_equal(json_object_get(json, "explain"), result->explain));
        CHECK(copy->summary_count == 3 && copy->keyword_count == 1);
        json_decref(json);
    }
    free(data);
    precis_result_destroy(&copy);
    precis_result_destroy(&result);

    /* An error keeps its reason in the topic. */
    result =
        precis_result_new_error(article, "summarize", "too_long", "too many sentences");
    data = precis_result_encode(result, &size);
    copy = precis_result_decode(data, size, error);
    CHECK(copy && copy->kind == PRECIS_RESULT_ERROR);
    if (copy) {
        CHECK(strcmp(precis_result_topic(copy, topic, sizeof topic), "error.too_long") ==
              0);
        CHECK(strcmp(copy->error, "too many sentences") == 0);
    }
    free(data);
    precis_result_destroy(&copy);
    precis_result_destroy(&result);

    /* The signature travels as internal keys; a repeat carries its story
       and goes under duplicate.<lang>; a new story under summary.<lang>. */
    result = precis_result_new(PRECIS_RESULT_SUMMARY);
    precis_result_copy_article(result, article);
    result->lang = strdup("en");
    result->signature = precis_minhash_new("Ferries run again.", 18);
    result->summary_tag = UINT64_C(0xfedcba9876543210);
    data = precis_result_encode(result, &size);
    /* Written in one pass: without room, only counted; with room, the
       same bytes. */
    {
        uint8_t *room = malloc(size + 1);
        room[0] = room[size] = 0x5a;
        CHECK(precis_result_encode_bounded(result, room, 0) == size && room[0] == 0x5a);
        CHECK(precis_result_encode_bounded(result, room, size) == size &&
              memcmp(room, data, size) == 0 && room[size] == 0x5a);
        free(room);
    }
    copy = precis_result_decode(data, size, error);
    CHECK(copy && copy->signature && !copy->story);
    if (copy && copy->signature) {
        CHECK(memcmp(copy->signature->bins, result->signature->bins,
                     sizeof copy->signature->bins) == 0);
        CHECK(memcmp(copy->signature->text_hash, result->signature->text_hash, 16) == 0);
        CHECK(copy->signature->shingles == 1);
        CHECK(copy->summary_tag == UINT64_C(0xfedcba9876543210));
        CHECK(strcmp(precis_result_topic(copy, topic, sizeof topic), "summary.en") == 0);
    }
    free(data);
    precis_result_destroy(&copy);
    precis_minhash_destroy(&result->signature);
    result->story = strdup("art-0");
    result->duplicate_of = strdup("art-0b");
    result->similarity = 0.75;
    data = precis_result_encode(result, &size);
    copy = precis_result_decode(data, size, error);
    CHECK(copy && !copy->signature && copy->story && copy->duplicate_of);
    if (copy && copy->story && copy->duplicate_of) {
        CHECK(strcmp(copy->story, "art-0") == 0 &&
              strcmp(copy->duplicate_of, "art-0b") == 0);
        CHECK(copy->similarity == 0.75 && !copy->exact);
        CHECK(strcmp(precis_result_topic(copy, topic, sizeof topic), "duplicate.en") ==
              0);
        json_t *json = precis_result_to_json(copy);
        CHECK(json_real_value(json_object_get(json, "similarity")) == 0.75);
        CHECK(json_is_false(json_object_get(json, "exact")));
        CHECK(!json_object_get(json, "minhash"));
        json_decref(json);
    }
    /* An exact copy takes the summary of the article it repeats. */
    precis_result_t *earlier = precis_result_new(PRECIS_RESULT_SUMMARY);
    earlier->lang = strdup("en");
    earlier->sentence_count = 7;
    precis_result_add_sentence(earlier, "Ferries run again.", 18, 2, 0.5);
    precis_result_add_keyword(earlier, "ferry");
    precis_result_add_sentence(copy ? copy : result, "Other.", 6, 0, 1.0);
    if (copy) {
        precis_result_copy_summary(copy, earlier);
        CHECK(copy->summary_count == 1 &&
              strcmp(copy->summary[0], "Ferries run again.") == 0);
        CHECK(copy->scored[0].index == 2 && copy->keyword_count == 1);
        CHECK(copy->sentence_count == 7);
    }
    precis_result_destroy(&earlier);
    free(data);
    precis_result_destroy(&copy);
    precis_result_destroy(&result);

    /* The bytes are those of msgpack-c's packer (the encoder before
       precis_mpwrite) for 200 results of every shape: summaries and errors,
       strings absent, short and past each length form, cut sentences,
       log_id, stories with and without a repeat, signatures, explain, and
       integers of every width and sign. */
    uint64_t seed = 7;
    char *long_text = malloc(70008); /* strings start at up to 7 bytes in */
    for (size_t i = 0; i < 70007; i++)
        long_text[i] = (char)('a' + i % 26);
    long_text[70007] = 0;
    static const size_t string_lengths[] = {0, 5, 31, 32, 255, 256, 70000};
    static const int64_t numbers[] = {
        0, 7, 200, 70000, INT64_C(1764590000000000), -1, -40, -300, INT64_C(-5000000000)};
#define PICK(n) pick(&seed, n)
#define STRING(s)                                                                        \
    do {                                                                                 \
        size_t which = PICK(8);                                                          \
        s = which == 7 ? NULL : copy_string(long_text + which, string_lengths[which]);   \
    } while (0)
    for (int round = 0; round < 200; round++) {
        result = precis_result_new(PICK(4) ? PRECIS_RESULT_SUMMARY : PRECIS_RESULT_ERROR);
        STRING(result->id);
        STRING(result->key);
        STRING(result->title);
        STRING(result->url);
        STRING(result->source);
        STRING(result->published);
        if (PICK(2))
            STRING(result->lang);
        STRING(result->stage);
        STRING(result->reason);
        STRING(result->error);
        if (PICK(3) == 0)
            result->log_id = strdup("0123456789abcdef");
        result->seq = (uint64_t)numbers[PICK(5)];
        result->received_us = numbers[PICK(9)];
        result->normalize_us = numbers[PICK(9)];
        result->summarize_us = numbers[PICK(9)];
        result->published_us = numbers[PICK(9)];
        result->sentence_count = (uint32_t)numbers[PICK(5)];
        size_t sentences = PICK(20);
        for (size_t i = 0; i < sentences; i++) {
            size_t which = PICK(7);
            precis_result_add_sentence(result, long_text + which, string_lengths[which],
                                       (uint32_t)numbers[PICK(5)],
                                       (double)PICK(1000) / 7.0);
            result->scored[i].truncated = PICK(4) == 0;
        }
        size_t keywords = PICK(20);
        for (size_t i = 0; i < keywords; i++)
            precis_result_add_keyword(result, i % 3 ? "ferry" : "");
        if (PICK(3) == 0) {
            result->story = strdup("story-1");
            if (PICK(2))
                result->duplicate_of = strdup("earlier");
            result->similarity = (double)PICK(100) / 100.0;
            result->exact = PICK(2);
        }
        if (PICK(2)) {
            result->signature = precis_minhash_new(long_text, 40 + PICK(200));
            result->signature->shingles = (uint32_t)numbers[PICK(5)];
            result->summary_tag = PICK(2) ? UINT64_C(0xfedcba9876543210) : PICK(300);
        }
        if (PICK(8) == 0)
            result->explain =
                json_pack("{s:s,s:[{s:i,s:f,s:b,s:n}]}", "ranking", "lexrank",
                          "sentences", "index", -3, "score", 0.5, "cut", 1, "why");
        size_t old_size, new_size = precis_result_encoded_size(result);
        void *old_bytes = encode_with_packer(result, &old_size);
        data = precis_result_encode(result, &size);
        bool equal =
            size == old_size && new_size == size && memcmp(data, old_bytes, size) == 0;
        CHECK(equal);
        free(old_bytes);
        free(data);
        precis_result_destroy(&result);
        if (!equal)
            break;
    }
#undef STRING
#undef PICK
    free(long_text);

    /* Garbage is refused with a reason. */
    CHECK(precis_result_decode("\xc1", 1, error) == NULL);
    CHECK(precis_result_decode("\x80", 1, error) == NULL);
    precis_article_destroy(&article);
    if (verbose && !failures)
        printf("result: all checks passed\n");
    return failures;
#undef CHECK
}
