/*  precis_msgpack - small helpers over msgpack-c shared by the message modules. */
#include "precis_msgpack.h"
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
