/*  precis_mpwrite - msgpack into a buffer of the right size: JSON values,
    and the self test against msgpack-c's packer. */
#include "precis_mpwrite.h"
#include "precis_msgpack.h"
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

void precis_mpw_json(precis_mpw_t *w, const json_t *value)
{
    switch (json_typeof(value)) {
    case JSON_OBJECT: {
        precis_mpw_map(w, json_object_size(value));
        const char *key;
        json_t *item;
        json_object_foreach((json_t *)value, key, item)
        {
            precis_mpw_cstr(w, key);
            precis_mpw_json(w, item);
        }
        break;
    }
    case JSON_ARRAY:
        precis_mpw_array(w, json_array_size(value));
        for (size_t i = 0; i < json_array_size(value); i++)
            precis_mpw_json(w, json_array_get(value, i));
        break;
    case JSON_STRING:
        precis_mpw_str(w, json_string_value(value), json_string_length(value));
        break;
    case JSON_INTEGER:
        precis_mpw_int(w, json_integer_value(value));
        break;
    case JSON_REAL:
        precis_mpw_double(w, json_real_value(value));
        break;
    case JSON_TRUE:
    case JSON_FALSE:
        precis_mpw_bool(w, json_is_true(value));
        break;
    default:
        precis_mpw_head(w, 0xc0, 0, 0);
    }
}

/* Both ways of writing the same values: msgpack-c's packer into an sbuffer
   (the reference) and the writer, counted then written. */
typedef struct {
    msgpack_sbuffer sbuffer;
    msgpack_packer packer;
    precis_mpw_t count, write;
    uint8_t buffer[2 * 250000 + 64]; /* a string and a bin of the longest length */
} both_t;

/* Compares what the two wrote; clears both. Returns the failures. */
static int same(both_t *b, const char *what)
{
    bool ok = b->count.size == b->sbuffer.size && b->write.size == b->sbuffer.size &&
              memcmp(b->buffer, b->sbuffer.data, b->sbuffer.size) == 0;
    if (!ok)
        fprintf(stderr, "mpwrite test failed: %s (%zu/%zu bytes, msgpack-c %zu)\n", what,
                b->count.size, b->write.size, b->sbuffer.size);
    msgpack_sbuffer_clear(&b->sbuffer);
    b->count.size = b->write.size = 0;
    return ok ? 0 : 1;
}

/* Values of every kind, for the test of a writer with little room. */
static void write_sample(precis_mpw_t *w, const json_t *json)
{
    precis_mpw_map(w, 3);
    precis_mpw_kv_str(w, "title", "Ferries return to the harbour after the storm");
    precis_mpw_kv_int(w, "received_us", INT64_C(1764590000000000));
    precis_mpw_cstr(w, "explain");
    precis_mpw_json(w, json);
    precis_mpw_bin(w, "\x01\x02\x03", 3);
    precis_mpw_double(w, 0.25);
    precis_mpw_bool(w, true);
}

int precis_mpwrite_test(bool verbose)
{
    int failures = 0;
    both_t *b = calloc(1, sizeof *b);
    msgpack_sbuffer_init(&b->sbuffer);
    msgpack_packer_init(&b->packer, &b->sbuffer, msgpack_sbuffer_write);
    b->write.data = b->buffer;
    b->write.cap = sizeof b->buffer;
    precis_mpw_t *ways[2] = {&b->count, &b->write};
    /* Integers at every edge of every form, both signs. */
    static const int64_t ints[] = {0,
                                   1,
                                   31,
                                   32,
                                   127,
                                   128,
                                   255,
                                   256,
                                   65535,
                                   65536,
                                   INT64_C(4294967295),
                                   INT64_C(4294967296),
                                   INT64_MAX,
                                   -1,
                                   -31,
                                   -32,
                                   -33,
                                   -127,
                                   -128,
                                   -129,
                                   -32767,
                                   -32768,
                                   -32769,
                                   INT64_C(-2147483647),
                                   INT64_C(-2147483648),
                                   INT64_C(-2147483649),
                                   INT64_MIN,
                                   INT64_C(1764590000000000)};
    for (size_t i = 0; i < sizeof ints / sizeof *ints; i++) {
        msgpack_pack_int64(&b->packer, ints[i]);
        msgpack_pack_uint64(&b->packer, (uint64_t)ints[i]);
        msgpack_pack_double(&b->packer, (double)ints[i] / 3);
        for (int way = 0; way < 2; way++) {
            precis_mpw_int(ways[way], ints[i]);
            precis_mpw_uint(ways[way], (uint64_t)ints[i]);
            precis_mpw_double(ways[way], (double)ints[i] / 3);
        }
        char what[64];
        snprintf(what, sizeof what, "integer %lld", (long long)ints[i]);
        failures += same(b, what);
    }
    /* Strings, bins, maps and arrays at the edges of their forms. */
    static const size_t lengths[] = {0,   1,     15,    16,    31,     32,    255,
                                     256, 65535, 65536, 70000, 100000, 250000};
    char *text = malloc(250000);
    for (size_t i = 0; i < 250000; i++)
        text[i] = (char)('a' + i % 26);
    for (size_t i = 0; i < sizeof lengths / sizeof *lengths; i++) {
        size_t n = lengths[i];
        msgpack_pack_str(&b->packer, n);
        msgpack_pack_str_body(&b->packer, text, n);
        msgpack_pack_bin(&b->packer, n);
        msgpack_pack_bin_body(&b->packer, text, n);
        msgpack_pack_map(&b->packer, n);
        msgpack_pack_array(&b->packer, n);
        for (int way = 0; way < 2; way++) {
            precis_mpw_str(ways[way], text, n);
            precis_mpw_bin(ways[way], text, n);
            precis_mpw_map(ways[way], n);
            precis_mpw_array(ways[way], n);
        }
        char what[64];
        snprintf(what, sizeof what, "length %zu", n);
        failures += same(b, what);
    }
    free(text);
    /* Booleans, a NULL C string, key/value pairs, a JSON value of every kind. */
    msgpack_pack_true(&b->packer);
    msgpack_pack_false(&b->packer);
    precis_mp_pack_cstr(&b->packer, NULL);
    precis_mp_pack_kv_str(&b->packer, "title", "Ferries", 7);
    precis_mp_pack_kv_int(&b->packer, "received_us", INT64_C(1764590000000000));
    json_t *json =
        json_pack("{s:s,s:[{s:i,s:s,s:f,s:b},{s:i,s:n,s:i,s:f}],s:I}", "ranking",
                  "lexrank", "sentences", "index", 0, "status", "selected", "score", 2.5,
                  "cut", 0, "index", 1, "why", "redundant_with", -40, "score", 0.125,
                  "big", (json_int_t)INT64_C(-5000000000));
    precis_mp_pack_json(&b->packer, json);
    for (int way = 0; way < 2; way++) {
        precis_mpw_bool(ways[way], true);
        precis_mpw_bool(ways[way], false);
        precis_mpw_cstr(ways[way], NULL);
        precis_mpw_kv_str(ways[way], "title", "Ferries");
        precis_mpw_kv_int(ways[way], "received_us", INT64_C(1764590000000000));
        precis_mpw_json(ways[way], json);
    }
    failures += same(b, "booleans, pairs and JSON");
    /* Into too little room (cap): the whole size is counted, nothing is
       written past cap, and what is written is the full encoding's bytes;
       with room enough, all of them. */
    uint8_t full[256], room[256 + 16];
    precis_mpw_t all = {full, 0, sizeof full};
    write_sample(&all, json);
    static const size_t caps[] = {0, 1, 2, 7, 40, 99};
    for (size_t c = 0; c <= sizeof caps / sizeof *caps; c++) {
        size_t cap = c < sizeof caps / sizeof *caps ? caps[c] : all.size;
        memset(room, 0xaa, sizeof room);
        precis_mpw_t w = {room, 0, cap};
        write_sample(&w, json);
        bool ok = w.size == all.size && all.size <= sizeof full;
        for (size_t i = 0; i < sizeof room; i++)
            ok =
                ok && (i < cap ? room[i] == full[i] || room[i] == 0xaa : room[i] == 0xaa);
        if (cap == all.size)
            ok = ok && memcmp(room, full, all.size) == 0;
        if (!ok) {
            fprintf(stderr, "mpwrite test failed: written past %zu bytes of room\n", cap);
            failures++;
        }
    }
    json_decref(json);
    msgpack_sbuffer_destroy(&b->sbuffer);
    free(b);
    if (verbose && !failures)
        printf("mpwrite: all checks passed\n");
    return failures;
}
