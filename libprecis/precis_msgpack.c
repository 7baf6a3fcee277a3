/*  precis_msgpack - small helpers over msgpack-c shared by the message modules. */
#include "precis_msgpack.h"
#include <jansson.h>
#include <stdio.h>
#include <string.h>

bool precis_mp_key_is(const msgpack_object *key_object, const char *key)
{
    size_t len = strlen(key);
    return key_object->type == MSGPACK_OBJECT_STR && key_object->via.str.size == len &&
           memcmp(key_object->via.str.ptr, key, len) == 0;
}

const msgpack_object *precis_mp_lookup(const msgpack_object *map, const char *key)
{
    if (map->type != MSGPACK_OBJECT_MAP)
        return NULL;
    for (uint32_t i = 0; i < map->via.map.size; i++)
        if (precis_mp_key_is(&map->via.map.ptr[i].key, key))
            return &map->via.map.ptr[i].val;
    return NULL;
}

const char *precis_mp_type_name(const msgpack_object *object)
{
    switch (object->type) {
    case MSGPACK_OBJECT_NIL:
        return "nil";
    case MSGPACK_OBJECT_BOOLEAN:
        return "boolean";
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        return "integer";
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64:
        return "float";
    case MSGPACK_OBJECT_STR:
        return "string";
    case MSGPACK_OBJECT_ARRAY:
        return "array";
    case MSGPACK_OBJECT_MAP:
        return "map";
    case MSGPACK_OBJECT_BIN:
        return "binary";
    case MSGPACK_OBJECT_EXT:
        return "extension";
    }
    return "unknown";
}

bool precis_mp_int(const msgpack_object *object, int64_t *value)
{
    if (object->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
        if (object->via.u64 > INT64_MAX)
            return false;
        *value = (int64_t)object->via.u64;
        return true;
    }
    if (object->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
        *value = object->via.i64;
        return true;
    }
    return false;
}

/* Reads a big-endian unsigned integer of width bytes at *at. */
static bool read_be(const unsigned char **at, const unsigned char *end, int width,
                    uint64_t *value)
{
    if (end - *at < width)
        return false;
    *value = 0;
    for (int i = 0; i < width; i++)
        *value = (*value << 8) | (*at)[i];
    *at += width;
    return true;
}

/* The whole size, type byte included, of a value whose size its first
   byte tells (fixint, nil, booleans, fixstr, the numbers and fixext of
   fixed width), or 0: a str, bin or ext with a length field, an array or
   a map (skip_sized reads those), or 0xc1 (never used). Most values of a
   message are of the first kind: the numbers and short strings of a
   result's sentences and timings are skipped here without a call. */
static const uint8_t fixed_sizes[32] = {
    [0xc0 - 0xc0] = 1, /* nil */
    [0xc2 - 0xc0] = 1, /* false */
    [0xc3 - 0xc0] = 1, /* true */
    [0xca - 0xc0] = 5, /* float 32 */
    [0xcb - 0xc0] = 9, /* float 64 */
    [0xcc - 0xc0] = 2, /* uint 8 */
    [0xcd - 0xc0] = 3,  [0xce - 0xc0] = 5,
    [0xcf - 0xc0] = 9,  [0xd0 - 0xc0] = 2, /* int 8 */
    [0xd1 - 0xc0] = 3,  [0xd2 - 0xc0] = 5,
    [0xd3 - 0xc0] = 9,  [0xd4 - 0xc0] = 3, /* fixext 1: type byte + data */
    [0xd5 - 0xc0] = 4,  [0xd6 - 0xc0] = 6,
    [0xd7 - 0xc0] = 10, [0xd8 - 0xc0] = 18,
};

static inline size_t fixed_size(unsigned char type)
{
    if (type <= 0x7f || type >= 0xe0)
        return 1; /* positive and negative fixint */
    if ((type & 0xe0) == 0xa0)
        return 1 + (size_t)(type & 0x1f);               /* fixstr */
    return type >= 0xc0 ? fixed_sizes[type - 0xc0] : 0; /* 0x80-0x9f: containers */
}

/* Moves *at past a value of fixed size when the one there is one and
   fits: 1; 0 when it is of another kind; -1 when it does not fit. */
static inline int skip_fixed(const unsigned char **at, const unsigned char *end)
{
    size_t size = fixed_size(**at);
    if (!size)
        return 0;
    if ((size_t)(end - *at) < size)
        return -1;
    *at += size;
    return 1;
}

/* Skips one value at *at (*at < end) that is no value of fixed size:
   a str, bin or ext with its length, or an array or a map with its
   elements, nested at most depth deep; false when implausible. */
static bool skip_sized(const unsigned char **at, const unsigned char *end, int depth)
{
    unsigned char type = *(*at)++;
    uint64_t count = 0, bytes = 0;
    int pairs = 1; /* elements per entry: 2 for maps */
    if ((type & 0xf0) == 0x90)
        count = type & 0x0f; /* fixarray */
    else if ((type & 0xf0) == 0x80)
        count = type & 0x0f, pairs = 2; /* fixmap */
    else
        switch (type) {
        case 0xc4:
        case 0xd9:
            if (!read_be(at, end, 1, &bytes))
                return false;
            break;
        case 0xc5:
        case 0xda:
            if (!read_be(at, end, 2, &bytes))
                return false;
            break;
        case 0xc6:
        case 0xdb:
            if (!read_be(at, end, 4, &bytes))
                return false;
            break;
        case 0xc7:
            if (!read_be(at, end, 1, &bytes))
                return false;
            bytes++; /* the ext's type byte */
            break;
        case 0xc8:
            if (!read_be(at, end, 2, &bytes))
                return false;
            bytes++;
            break;
        case 0xc9:
            if (!read_be(at, end, 4, &bytes))
                return false;
            bytes++;
            break;
        case 0xdc:
            if (!read_be(at, end, 2, &count))
                return false;
            break;
        case 0xdd:
            if (!read_be(at, end, 4, &count))
                return false;
            break;
        case 0xde:
            if (!read_be(at, end, 2, &count))
                return false;
            pairs = 2;
            break;
        case 0xdf:
            if (!read_be(at, end, 4, &count))
                return false;
            pairs = 2;
            break;
        default:
            return false; /* 0xc1 is never used */
        }
    if (bytes) {
        if ((uint64_t)(end - *at) < bytes)
            return false;
        *at += bytes;
        return true;
    }
    /* Every element takes at least one byte, and is one level deeper. */
    uint64_t elements = count * (uint64_t)pairs;
    if (elements > (uint64_t)(end - *at) || (elements && depth < 1))
        return false;
    for (uint64_t i = 0; i < elements; i++) {
        if (*at >= end)
            return false;
        int fixed = skip_fixed(at, end);
        if (fixed < 0 || (fixed == 0 && !skip_sized(at, end, depth - 1)))
            return false;
    }
    return true;
}

/* Skips one value at *at, checking container sizes; false when implausible. */
static bool skip_value(const unsigned char **at, const unsigned char *end, int depth)
{
    if (*at >= end || depth < 0)
        return false;
    int fixed = skip_fixed(at, end);
    return fixed > 0 || (fixed == 0 && skip_sized(at, end, depth));
}

bool precis_mp_skip(const unsigned char **at, const unsigned char *end, int max_depth)
{
    return skip_value(at, end, max_depth);
}

/* One scalar at *at_p (before end) into object, as msgpack_unpack makes it
   (strings and bins point into the bytes; a signed format holding a value
   from 0 up is a positive integer). False for a container, an ext, a
   reserved byte, or one that does not fit before end. */
static bool read_scalar(const unsigned char **at_p, const unsigned char *end,
                        msgpack_object *object)
{
    const unsigned char *at = *at_p;
    unsigned char tag = *at++;
    uint64_t length = 0;              /* of a string or bin */
    if (tag <= 0x7f || tag >= 0xe0) { /* fixints */
        int64_t value = (int8_t)tag;
        object->type =
            value < 0 ? MSGPACK_OBJECT_NEGATIVE_INTEGER : MSGPACK_OBJECT_POSITIVE_INTEGER;
        object->via.i64 = value < 0 ? value : (int64_t)tag;
        *at_p = at;
        return true;
    }
    if (tag >= 0xa0 && tag <= 0xbf) {
        object->type = MSGPACK_OBJECT_STR;
        length = tag & 0x1f;
    } else
        switch (tag) {
        case 0xc0:
            object->type = MSGPACK_OBJECT_NIL;
            break;
        case 0xc2:
        case 0xc3:
            object->type = MSGPACK_OBJECT_BOOLEAN;
            object->via.boolean = tag == 0xc3;
            break;
        case 0xc4:
        case 0xc5:
        case 0xc6: /* bin 8, 16, 32 */
        case 0xd9:
        case 0xda:
        case 0xdb: /* str 8, 16, 32 */
            if (!read_be(&at, end, tag <= 0xc6 ? 1 << (tag - 0xc4) : 1 << (tag - 0xd9),
                         &length))
                return false;
            object->type = tag <= 0xc6 ? MSGPACK_OBJECT_BIN : MSGPACK_OBJECT_STR;
            break;
        case 0xca:
        case 0xcb: {
            uint64_t bits;
            if (!read_be(&at, end, tag == 0xca ? 4 : 8, &bits))
                return false;
            if (tag == 0xca) {
                uint32_t bits32 = (uint32_t)bits;
                float value;
                memcpy(&value, &bits32, sizeof value);
                object->type = MSGPACK_OBJECT_FLOAT32;
                object->via.f64 = value;
            } else {
                object->type = MSGPACK_OBJECT_FLOAT64;
                memcpy(&object->via.f64, &bits, sizeof bits);
            }
            break;
        }
        case 0xcc:
        case 0xcd:
        case 0xce:
        case 0xcf: /* uint 8 to 64 */
        case 0xd0:
        case 0xd1:
        case 0xd2:
        case 0xd3: /* int 8 to 64 */ {
            int width = 1 << (tag & 3);
            uint64_t bits;
            if (!read_be(&at, end, width, &bits))
                return false;
            if (tag >= 0xd0 && width < 8 && bits >> (8 * width - 1)) /* sign-extend */
                bits |= ~UINT64_C(0) << (8 * width);
            bool negative = tag >= 0xd0 && (int64_t)bits < 0;
            object->type = negative ? MSGPACK_OBJECT_NEGATIVE_INTEGER
                                    : MSGPACK_OBJECT_POSITIVE_INTEGER;
            object->via.u64 = bits;
            break;
        }
        default:
            return false;
        }
    if (object->type == MSGPACK_OBJECT_STR || object->type == MSGPACK_OBJECT_BIN) {
        if ((uint64_t)(end - at) < length)
            return false;
        object->via.str.size = (uint32_t)length; /* bin's size and ptr alias str's */
        object->via.str.ptr = (const char *)at;
        at += length;
    }
    *at_p = at;
    return true;
}

bool precis_mp_read_map_header(const unsigned char **at, const unsigned char *end,
                               uint32_t *count)
{
    const unsigned char *p = *at;
    if (p >= end)
        return false;
    unsigned char tag = *p++;
    uint64_t value;
    if (tag >= 0x80 && tag <= 0x8f)
        value = tag & 0x0f;
    else if (!((tag == 0xde && read_be(&p, end, 2, &value)) ||
               (tag == 0xdf && read_be(&p, end, 4, &value))))
        return false;
    *count = (uint32_t)value;
    *at = p;
    return true;
}

bool precis_mp_read_flat_map(const void *data, size_t size, msgpack_object *map,
                             msgpack_object_kv *entries, size_t max_entries)
{
    const unsigned char *at = data, *end = at + size;
    if (size == 0)
        return false;
    unsigned char tag = *at++;
    uint64_t count;
    if (tag >= 0x80 && tag <= 0x8f)
        count = tag & 0x0f;
    else if (tag != 0xde || !read_be(&at, end, 2, &count))
        return false;
    if (count > max_entries)
        return false;
    for (size_t i = 0; i < count; i++)
        if (at >= end || !read_scalar(&at, end, &entries[i].key) || at >= end ||
            !read_scalar(&at, end, &entries[i].val))
            return false;
    if (at != end)
        return false;
    map->type = MSGPACK_OBJECT_MAP;
    map->via.map.size = (uint32_t)count;
    map->via.map.ptr = entries;
    return true;
}

bool precis_mp_plausible(const void *data, size_t size, int max_depth)
{
    const unsigned char *at = data, *end = at + size;
    return skip_value(&at, end, max_depth);
}

bool precis_mp_unpack(msgpack_unpacked *unpacked, const void *data, size_t size,
                      int max_depth)
{
    size_t offset = 0;
    return data && precis_mp_plausible(data, size, max_depth) &&
           msgpack_unpack_next(unpacked, data, size, &offset) == MSGPACK_UNPACK_SUCCESS &&
           offset == size;
}

void precis_mp_pack_string(msgpack_packer *packer, const char *ptr, size_t len)
{
    msgpack_pack_str(packer, len);
    msgpack_pack_str_body(packer, ptr ? ptr : "", len);
}

void precis_mp_pack_cstr(msgpack_packer *packer, const char *text)
{
    precis_mp_pack_string(packer, text, text ? strlen(text) : 0);
}

void precis_mp_pack_kv_str(msgpack_packer *packer, const char *key, const char *ptr,
                           size_t len)
{
    precis_mp_pack_cstr(packer, key);
    precis_mp_pack_string(packer, ptr, ptr ? len : 0);
}

void precis_mp_pack_kv_int(msgpack_packer *packer, const char *key, int64_t value)
{
    precis_mp_pack_cstr(packer, key);
    msgpack_pack_int64(packer, value);
}

void precis_mp_pack_json(msgpack_packer *packer, const json_t *value)
{
    switch (json_typeof(value)) {
    case JSON_OBJECT: {
        msgpack_pack_map(packer, json_object_size(value));
        const char *key;
        json_t *item;
        json_object_foreach((json_t *)value, key, item)
        {
            precis_mp_pack_cstr(packer, key);
            precis_mp_pack_json(packer, item);
        }
        break;
    }
    case JSON_ARRAY:
        msgpack_pack_array(packer, json_array_size(value));
        for (size_t i = 0; i < json_array_size(value); i++)
            precis_mp_pack_json(packer, json_array_get(value, i));
        break;
    case JSON_STRING:
        precis_mp_pack_string(packer, json_string_value(value),
                              json_string_length(value));
        break;
    case JSON_INTEGER:
        msgpack_pack_int64(packer, json_integer_value(value));
        break;
    case JSON_REAL:
        msgpack_pack_double(packer, json_real_value(value));
        break;
    case JSON_TRUE:
        msgpack_pack_true(packer);
        break;
    case JSON_FALSE:
        msgpack_pack_false(packer);
        break;
    default:
        msgpack_pack_nil(packer);
    }
}

/* ---- self test ---------------------------------------------------------- */

#define CHECK(cond)                                                                      \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            fprintf(stderr, "msgpack test failed: %s (line %d)\n", #cond, __LINE__);     \
            failures++;                                                                  \
        }                                                                                \
    } while (0)

/* Packs one value of every form msgpack-c writes, each as the entry of a
   map of its own kind's values; ends[] gets where each top value ends. */
static size_t pack_every_form(msgpack_sbuffer *buffer, size_t *ends, size_t room)
{
    msgpack_packer packer;
    msgpack_packer_init(&packer, buffer, msgpack_sbuffer_write);
    static char big[70000]; /* for str 32 and bin 32 */
    memset(big, 'x', sizeof big);
    size_t count = 0;
#define MARK() (count < room ? (void)(ends[count++] = buffer->size) : (void)0)
    msgpack_pack_nil(&packer), MARK();
    msgpack_pack_true(&packer), MARK();
    msgpack_pack_false(&packer), MARK();
    static const int64_t numbers[] = {
        0,   5,   127,  128,  255,    256,    65535,           65536,     -1,
        -32, -33, -128, -129, -32768, -32769, INT32_MAX + 1LL, INT64_MIN, INT64_MAX};
    for (size_t i = 0; i < sizeof numbers / sizeof *numbers; i++)
        msgpack_pack_int64(&packer, numbers[i]), MARK();
    msgpack_pack_uint64(&packer, UINT64_MAX), MARK();
    msgpack_pack_float(&packer, 1.5f), MARK();
    msgpack_pack_double(&packer, 2.5), MARK();
    static const size_t lengths[] = {0, 1, 31, 32, 255, 256, 65535, 65536};
    for (size_t i = 0; i < sizeof lengths / sizeof *lengths; i++) {
        precis_mp_pack_string(&packer, big, lengths[i]), MARK();
        msgpack_pack_bin(&packer, lengths[i]);
        msgpack_pack_bin_body(&packer, big, lengths[i]), MARK();
    }
    static const size_t ext_lengths[] = {1, 2, 4, 8, 16, 3, 255, 256, 65536};
    for (size_t i = 0; i < sizeof ext_lengths / sizeof *ext_lengths; i++) {
        msgpack_pack_ext(&packer, ext_lengths[i], 7);
        msgpack_pack_ext_body(&packer, big, ext_lengths[i]), MARK();
    }
    static const uint32_t sizes[] = {0, 1, 15, 16, 300};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        msgpack_pack_array(&packer, sizes[i]);
        for (uint32_t j = 0; j < sizes[i]; j++)
            msgpack_pack_int64(&packer, j % 3 ? (int64_t)j * 1000 : -(int64_t)j);
        MARK();
        msgpack_pack_map(&packer, sizes[i]);
        for (uint32_t j = 0; j < sizes[i]; j++) {
            precis_mp_pack_cstr(&packer,
                                j % 2 ? "a key of more than 31 bytes, a str 8" : "k");
            msgpack_pack_array(&packer, 2); /* a container in a container */
            msgpack_pack_double(&packer, j);
            msgpack_pack_map(&packer, 0);
        }
        MARK();
    }
#undef MARK
    return count;
}

int precis_msgpack_test(bool verbose)
{
    int failures = 0;
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init(&buffer);
    size_t ends[128];
    size_t values = pack_every_form(&buffer, ends, 128);
    CHECK(values < 128);
    const unsigned char *data = (const unsigned char *)buffer.data,
                        *end = data + buffer.size;

    /* Each value is skipped to its end exactly, and is plausible alone; cut
       one byte short, it is not. */
    const unsigned char *at = data;
    for (size_t i = 0; i < values; i++) {
        size_t start = i ? ends[i - 1] : 0;
        CHECK(precis_mp_skip(&at, end, 3) && at == data + ends[i]);
        CHECK(precis_mp_plausible(data + start, ends[i] - start, 3));
        CHECK(!precis_mp_plausible(data + start, ends[i] - start - 1, 3));
        at = data + ends[i];
    }
    /* Every cut of the last value (a map of arrays) falls short. */
    size_t last = ends[values - 2];
    for (size_t cut = last; cut < buffer.size; cut++) {
        at = data + last;
        CHECK(!precis_mp_skip(&at, data + cut, 3));
    }
    CHECK(!precis_mp_plausible(data, 0, 3));
    CHECK(!precis_mp_plausible(NULL, 0, 3));

    /* Map headers of each width give their count and their size; a cut
       one or another type is none, and leaves the cursor where it was. */
    static const struct {
        unsigned char bytes[5];
        size_t size, header;
        uint32_t count;
    } headers[] = {{{0x83}, 1, 1, 3},
                   {{0xde, 0x01, 0x02}, 3, 3, 258},
                   {{0xdf, 0x00, 0x01, 0x00, 0x00}, 5, 5, 65536},
                   {{0xde, 0x01}, 2, 0, 0},
                   {{0xdf, 0, 0, 1}, 4, 0, 0},
                   {{0x93}, 1, 0, 0},
                   {{0}, 0, 0, 0}};
    for (size_t h = 0; h < sizeof headers / sizeof headers[0]; h++) {
        const unsigned char *from = headers[h].bytes;
        uint32_t count = 0;
        bool read = precis_mp_read_map_header(&from, from + headers[h].size, &count);
        CHECK(read == (headers[h].header > 0) &&
              from == headers[h].bytes + headers[h].header && count == headers[h].count);
    }

    /* Nesting: [[1]] takes depth 2 ([[]] depth 1; a scalar depth 0). */
    static const unsigned char nested[] = {0x91, 0x91, 0x01}, empty[] = {0x91, 0x90};
    CHECK(!precis_mp_plausible(nested, sizeof nested, 1));
    CHECK(precis_mp_plausible(nested, sizeof nested, 2));
    CHECK(precis_mp_plausible(empty, sizeof empty, 1));
    CHECK(!precis_mp_plausible(empty, sizeof empty, 0));
    CHECK(precis_mp_plausible(empty + 1, 1, 0) && precis_mp_plausible(nested + 2, 1, 0));
    static const unsigned char map_in_map[] = {0x81, 0xa1, 'a', 0x81, 0x01, 0xc0};
    CHECK(!precis_mp_plausible(map_in_map, sizeof map_in_map, 1));
    CHECK(precis_mp_plausible(map_in_map, sizeof map_in_map, 2));

    /* Headers that declare more than the bytes hold, or no value at all. */
    static const unsigned char bad[][6] = {
        {0xdd, 0xff, 0xff, 0xff, 0xff, 0x01}, /* array 32 of 4 billion */
        {0xdf, 0x7f, 0xff, 0xff, 0xff, 0x01}, /* map 32 */
        {0xdc, 0x00, 0x05, 0x01, 0x02, 0x03}, /* array 16 of 5, 3 there */
        {0x83, 0x01, 0x02, 0x03, 0x04, 0x05}, /* fixmap of 3, 2.5 there */
        {0xc6, 0xff, 0xff, 0xff, 0xff, 0x00}, /* bin 32 of 4 GB */
        {0xdb, 0x00, 0x00, 0x01, 0x00, 0x00}, /* str 32 of 256 */
        {0xc9, 0x00, 0x00, 0x00, 0x04, 0x01}, /* ext 32 of 4 (+ type) */
        {0xd8, 0x01, 0x02, 0x03, 0x04, 0x05}, /* fixext 16 */
        {0xcf, 0x01, 0x02, 0x03, 0x04, 0x05}, /* uint 64 */
        {0xbf, 'a', 'b', 'c', 'd', 'e'},      /* fixstr of 31 */
        {0x92, 0x01, 0xc1, 0x00, 0x00, 0x00}, /* 0xc1 in an array */
        {0x91, 0xda, 0x00, 0x00, 0x00, 0x00}, /* str 16 in an array, its length cut */
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        size_t size = i == 11 ? 3 : sizeof bad[i];
        CHECK(!precis_mp_plausible(bad[i], size, 4));
    }
    /* A value with bytes after it is skipped up to them. */
    static const unsigned char two[] = {0x92, 0xcc, 0xff, 0xa1, 'z', 0xc3};
    at = two;
    CHECK(precis_mp_skip(&at, two + sizeof two, 4) && at == two + 5);
    msgpack_sbuffer_destroy(&buffer);
    if (verbose && !failures)
        printf("msgpack: all checks passed\n");
    return failures;
}
