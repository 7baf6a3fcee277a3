/*  precis_mpwrite - msgpack written straight into a buffer of the right
    size, byte for byte as msgpack-c's packer writes it.

    msgpack-c's packer calls its writer (msgpack_sbuffer_write) for every
    header and every string, and the sbuffer starts at 8 KiB and grows by
    realloc: a summary result (about 1.1 KB) cost the summarize worker 9,500
    instructions to encode and a large allocation that its frame then
    copied (callgrind, BBC). An encoder here runs the same code twice: once
    with data NULL, which only counts the bytes (size), then into a buffer
    of that size, the frame's own. Or once, into a buffer that is likely
    large enough (cap bytes): what does not fit is counted, not written,
    and a writer whose size ends over cap writes again into more room (the
    summarize worker's result: about 1,000 instructions an article less than
    counting first, callgrind, BBC).

    The encodings are msgpack-c's (pack_template.h): the smallest form of
    each header and integer (a non-negative int64 as an unsigned one), a
    double always as float64, str8 for strings of 32 to 255 bytes. The self
    test compares each writer with msgpack-c's packer on edge values.
*/
#ifndef PRECIS_MPWRITE_H
#define PRECIS_MPWRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct {
    uint8_t *data; /* where to write; NULL: count only (cap 0) */
    size_t size;   /* bytes written (or counted) so far */
    size_t cap;    /* bytes of room at data: a value that would end past it
                      is counted, not written (nor any after it) */
} precis_mpw_t;

static inline void precis_mpw_bytes(precis_mpw_t *w, const void *bytes, size_t len)
{
    if (len && w->size + len <= w->cap)
        memcpy(w->data + w->size, bytes, len);
    w->size += len;
}

/* A tag byte then value big-endian in width bytes (0, 1, 2, 4 or 8). */
static inline void precis_mpw_head(precis_mpw_t *w, uint8_t tag, uint64_t value,
                                   unsigned width)
{
    if (w->size + 1 + width <= w->cap) {
        uint8_t *at = w->data + w->size;
        at[0] = tag;
        for (unsigned i = 0; i < width; i++)
            at[1 + i] = (uint8_t)(value >> (8 * (width - 1 - i)));
    }
    w->size += 1 + width;
}

/* A header of a string (fixstr a0, str8 d9, str16 da, str32 db), map (80,
   de, df) or array (90, dc, dd) of n: fix_limit is the fix form's limit
   (32 for strings, 16 for containers); str8 only for strings. */
static inline void precis_mpw_length(precis_mpw_t *w, size_t n, uint8_t fix,
                                     size_t fix_limit, uint8_t tag8, uint8_t tag16)
{
    if (n < fix_limit)
        precis_mpw_head(w, (uint8_t)(fix | n), 0, 0);
    else if (tag8 && n < 256)
        precis_mpw_head(w, tag8, n, 1);
    else if (n < 65536)
        precis_mpw_head(w, tag16, n, 2);
    else
        precis_mpw_head(w, (uint8_t)(tag16 + 1), n, 4);
}

static inline void precis_mpw_str(precis_mpw_t *w, const char *ptr, size_t len)
{
    precis_mpw_length(w, len, 0xa0, 32, 0xd9, 0xda);
    precis_mpw_bytes(w, ptr, len);
}

/* A C string; NULL is the empty string (as precis_mp_pack_cstr). */
static inline void precis_mpw_cstr(precis_mpw_t *w, const char *text)
{
    precis_mpw_str(w, text, text ? strlen(text) : 0);
}

static inline void precis_mpw_map(precis_mpw_t *w, size_t n)
{
    precis_mpw_length(w, n, 0x80, 16, 0, 0xde);
}

static inline void precis_mpw_array(precis_mpw_t *w, size_t n)
{
    precis_mpw_length(w, n, 0x90, 16, 0, 0xdc);
}

static inline void precis_mpw_bin(precis_mpw_t *w, const void *bytes, size_t len)
{
    if (len < 256)
        precis_mpw_head(w, 0xc4, len, 1);
    else if (len < 65536)
        precis_mpw_head(w, 0xc5, len, 2);
    else
        precis_mpw_head(w, 0xc6, len, 4);
    precis_mpw_bytes(w, bytes, len);
}

static inline void precis_mpw_uint(precis_mpw_t *w, uint64_t value)
{
    if (value < 128)
        precis_mpw_head(w, (uint8_t)value, 0, 0);
    else if (value < 256)
        precis_mpw_head(w, 0xcc, value, 1);
    else if (value < 65536)
        precis_mpw_head(w, 0xcd, value, 2);
    else if (value < (UINT64_C(1) << 32))
        precis_mpw_head(w, 0xce, value, 4);
    else
        precis_mpw_head(w, 0xcf, value, 8);
}

/* As msgpack_pack_int64: from -32 to 127 a fixint, from 128 up unsigned. */
static inline void precis_mpw_int(precis_mpw_t *w, int64_t value)
{
    if (value >= 128)
        precis_mpw_uint(w, (uint64_t)value);
    else if (value >= -32) /* a positive or negative fixint */
        precis_mpw_head(w, (uint8_t)value, 0, 0);
    else if (value >= -128)
        precis_mpw_head(w, 0xd0, (uint64_t)value, 1);
    else if (value >= -32768)
        precis_mpw_head(w, 0xd1, (uint64_t)value, 2);
    else if (value >= INT64_C(-2147483648))
        precis_mpw_head(w, 0xd2, (uint64_t)value, 4);
    else
        precis_mpw_head(w, 0xd3, (uint64_t)value, 8);
}

static inline void precis_mpw_double(precis_mpw_t *w, double value)
{
    uint64_t bits;
    memcpy(&bits, &value, sizeof bits);
    precis_mpw_head(w, 0xcb, bits, 8);
}

static inline void precis_mpw_bool(precis_mpw_t *w, bool value)
{
    precis_mpw_head(w, value ? 0xc3 : 0xc2, 0, 0);
}

/* "key" then a string value (NULL: the empty string), an integer. */
static inline void precis_mpw_kv_str(precis_mpw_t *w, const char *key, const char *value)
{
    precis_mpw_cstr(w, key);
    precis_mpw_cstr(w, value);
}

static inline void precis_mpw_kv_int(precis_mpw_t *w, const char *key, int64_t value)
{
    precis_mpw_cstr(w, key);
    precis_mpw_int(w, value);
}

/* A JSON value, as precis_mp_pack_json packs it (objects as maps in
   jansson's iteration order, integers, reals as float64, null as nil). */
typedef struct json_t json_t;
void precis_mpw_json(precis_mpw_t *w, const json_t *value);

int precis_mpwrite_test(bool verbose);

#endif
