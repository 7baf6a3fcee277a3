/*  precis_msgpack - small helpers over msgpack-c shared by the message modules. */
#include "precis_msgpack.h"
#include <jansson.h>
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

/* Skips one value at *at, checking container sizes; false when implausible. */
static bool skip_value(const unsigned char **at, const unsigned char *end, int depth)
{
    if (*at >= end || depth < 0)
        return false;
    unsigned char type = *(*at)++;
    uint64_t count = 0, bytes = 0;
    int pairs = 1; /* elements per entry: 2 for maps */
    if (type <= 0x7f || type >= 0xe0 || type == 0xc0 || type == 0xc2 || type == 0xc3)
        return true; /* fixint, nil, booleans */
    if ((type & 0xe0) == 0xa0)
        bytes = type & 0x1f; /* fixstr */
    else if ((type & 0xf0) == 0x90)
        count = type & 0x0f; /* fixarray */
    else if ((type & 0xf0) == 0x80)
        count = type & 0x0f, pairs = 2; /* fixmap */
    else
        switch (type) {
        case 0xcc:
        case 0xd0:
            bytes = 1;
            break;
        case 0xcd:
        case 0xd1:
            bytes = 2;
            break;
        case 0xce:
        case 0xd2:
        case 0xca:
            bytes = 4;
            break;
        case 0xcf:
        case 0xd3:
        case 0xcb:
            bytes = 8;
            break;
        case 0xd4:
            bytes = 2;
            break; /* fixext: type byte + data */
        case 0xd5:
            bytes = 3;
            break;
        case 0xd6:
            bytes = 5;
            break;
        case 0xd7:
            bytes = 9;
            break;
        case 0xd8:
            bytes = 17;
            break;
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
            bytes++;
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
    /* Every element takes at least one byte. */
    if (count * (uint64_t)pairs > (uint64_t)(end - *at))
        return false;
    for (uint64_t i = 0; i < count * (uint64_t)pairs; i++)
        if (!skip_value(at, end, depth - 1))
            return false;
    return true;
}

bool precis_mp_skip(const unsigned char **at, const unsigned char *end, int max_depth)
{
    return skip_value(at, end, max_depth);
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
