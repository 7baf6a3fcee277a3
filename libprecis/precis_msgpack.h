/*  precis_msgpack - small helpers over msgpack-c shared by the message
    modules: look up keys in a map object, describe an object's type in an
    error, and pack key/value pairs in one call. */
#ifndef PRECIS_MSGPACK_H
#define PRECIS_MSGPACK_H

#include <msgpack.h>
#include <stdbool.h>

/* The value under key in a map object, or NULL. */
const msgpack_object *precis_mp_lookup(const msgpack_object *map, const char *key);

/* A word for the object's type, for error messages ("integer", "array"...). */
const char *precis_mp_type_name(const msgpack_object *object);

/* True when the key of a map entry equals key. */
bool precis_mp_key_is(const msgpack_object *key_object, const char *key);

/* Reads an integer object (either sign) into *value; false when not one. */
bool precis_mp_int(const msgpack_object *object, int64_t *value);

/* Checks that data[0..size) holds one msgpack value whose containers
   declare no more elements than the bytes could hold, nested at most
   max_depth deep. msgpack-c allocates what a header declares before it
   reads the elements, so a 5-byte frame declaring 4 billion elements would
   ask for 100 GB; this walk, linear in size, refuses such frames first.
   Returns true when the value is plausible (it may still be invalid). */
bool precis_mp_plausible(const void *data, size_t size, int max_depth);

/* Moves *at past the one msgpack value that starts there, checked as
   precis_mp_plausible checks; false (*at anywhere) when the bytes up to
   end hold no such value. For code that copies the entries of a map as
   they are, by their byte ranges (precis_splice). */
bool precis_mp_skip(const unsigned char **at, const unsigned char *end, int max_depth);

/* Reads data[0..size) into map when it is exactly one map of at most
   max_entries entries whose keys and values are all scalars (nil,
   booleans, integers, floats, str, bin: what the stages send each other,
   and most requests), its entries into entries[max_entries], as
   msgpack_unpack would make them (strings point into data), without
   msgpack-c's walk, zone and plausibility pass (about 5,000 instructions
   of the summarize worker's 11,000 to decode an article). False for
   anything else, which a caller then reads with precis_mp_unpack:
   precis_article's self test checks that both give the same article or
   the same error. */
bool precis_mp_read_flat_map(const void *data, size_t size, msgpack_object *map,
                             msgpack_object_kv *entries, size_t max_entries);

/* The map header at *at (fixmap, map 16 or map 32): its number of
   entries in *count and *at moved past it; false, *at unmoved, when no
   whole map header is there. */
bool precis_mp_read_map_header(const unsigned char **at, const unsigned char *end,
                               uint32_t *count);

/* Unpacks data[0..size) into unpacked (initialized and destroyed by the
   caller) when it is exactly one plausible msgpack value: the way every
   stage reads a frame from a peer. */
bool precis_mp_unpack(msgpack_unpacked *unpacked, const void *data, size_t size,
                      int max_depth);

void precis_mp_pack_string(msgpack_packer *packer, const char *ptr, size_t len);
void precis_mp_pack_cstr(msgpack_packer *packer, const char *text);
/* Packs "key": "value" (value may be NULL: packed as the empty string). */
void precis_mp_pack_kv_str(msgpack_packer *packer, const char *key, const char *ptr,
                           size_t len);
void precis_mp_pack_kv_int(msgpack_packer *packer, const char *key, int64_t value);

/* Packs a JSON value as msgpack: objects as maps (string keys), arrays,
   strings, integers as integers, reals as float64, booleans, null. Used
   for a pushed JSON Lines article and for a summary's "explain" map. */
typedef struct json_t json_t;
void precis_mp_pack_json(msgpack_packer *packer, const json_t *value);

/* Self test: skipping and plausibility on every form, cut and malformed
   values, nesting limits. */
int precis_msgpack_test(bool verbose);

#endif
