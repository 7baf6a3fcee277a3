/*  precis_uthash - uthash (Debian uthash-dev), as ingest's tables of
    articles in flight use it: the ledger (delivery key -> entry) and the
    id window's ids in flight (digest -> id, key -> id).

    They were czmq's zhashx, which allocates an item for every insertion
    and frees it on deletion, and hashes the key again for every lookup,
    insertion and deletion: with three tables and each article inserted,
    looked up and deleted in each, zhashx and its allocations were about
    3,600 of the 18,400 instructions of ingest's main thread an article
    (callgrind, BBC set, batch frames of 16, 2026-12-02). uthash keeps its
    handle inside the entry (no allocation but its bucket array) and takes
    a hash the caller computed (the _BYHASHVALUE forms), so that a key is
    hashed once for a lookup and the insertion after it, and a deletion
    (HASH_DELETE, by the handle) hashes nothing.

    A key's hash is precis_key_hash: 32 bits of XXH3, inline (keys are a
    few bytes). Out of memory for the bucket array aborts, as the
    allocations around it do (assert).
*/
#ifndef PRECIS_UTHASH_H
#define PRECIS_UTHASH_H

#include "precis_xxh3.h"
#include <stdlib.h>

#define uthash_fatal(message) abort()
#include <uthash.h>

/* The hash of key[0..len) for the _BYHASHVALUE forms. */
static inline unsigned precis_key_hash(const void *key, size_t len)
{
    return (unsigned)XXH3_64bits(key, len);
}

#endif
