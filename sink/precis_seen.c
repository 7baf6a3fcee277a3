/*  precis_seen - a bounded set of recently published delivery keys.

    Linear probing with backward-shift deletion, so there are no tombstones
    and lookups stay short when the ring evicts old keys. Hash 0 marks an
    empty slot; a key that hashes to 0 is stored as 1.
*/
#include "precis_seen.h"
#include "precis_table.h"
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct _precis_seen_t {
    uint64_t *slots; /* table, power of two, at most half full */
    size_t mask;
    uint64_t *ring; /* hashes in insertion order */
    size_t capacity, count, oldest;
};

static uint64_t hash_key(const char *key)
{
    uint64_t hash = 1469598103934665603ull;
    for (const unsigned char *c = (const unsigned char *)key; *c; c++)
        hash = (hash ^ *c) * 1099511628211ull;
    /* Mix the bits so that the low bits used for the slot are good. */
    hash ^= hash >> 33;
    hash *= 0xff51afd7ed558ccdull;
    hash ^= hash >> 33;
    return hash ? hash : 1;
}

precis_seen_t *precis_seen_new(size_t capacity)
{
    precis_seen_t *self = calloc(1, sizeof *self);
    assert(self && capacity > 0);
    size_t size = 16;
    while (size < capacity * 2)
        size *= 2;
    /* Huge pages: the slots are touched at random, one page fault an
       insertion while the table fills and a TLB miss a look-up after. */
    self->slots = precis_table_alloc(size * sizeof *self->slots);
    self->ring = precis_table_alloc(capacity * sizeof *self->ring);
    assert(self->slots && self->ring);
    /* The slots are all touched within the first few hundred keys (at
       random, a huge page each): faulted in here, at start, not by the
       first results (see precis_seen.h). The ring fills in order, a huge
       page every 262,144 keys: left to fault as it goes. */
    precis_table_populate(self->slots, size * sizeof *self->slots);
    self->mask = size - 1;
    self->capacity = capacity;
    return self;
}

void precis_seen_destroy(precis_seen_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    precis_table_free((*self_p)->slots, ((*self_p)->mask + 1) * sizeof *(*self_p)->slots);
    precis_table_free((*self_p)->ring, (*self_p)->capacity * sizeof *(*self_p)->ring);
    free(*self_p);
    *self_p = NULL;
}

static size_t find(const precis_seen_t *self, uint64_t hash)
{
    size_t slot = hash & self->mask;
    while (self->slots[slot] && self->slots[slot] != hash)
        slot = (slot + 1) & self->mask;
    return slot;
}

/* Removes hash from the table, shifting later entries of its run back. */
static void remove_hash(precis_seen_t *self, uint64_t hash)
{
    size_t hole = find(self, hash);
    if (!self->slots[hole])
        return;
    self->slots[hole] = 0;
    size_t next = (hole + 1) & self->mask;
    while (self->slots[next]) {
        size_t home = self->slots[next] & self->mask;
        /* Move it back when its home is not between the hole and it. */
        if (((next - home) & self->mask) >= ((next - hole) & self->mask)) {
            self->slots[hole] = self->slots[next];
            self->slots[next] = 0;
            hole = next;
        }
        next = (next + 1) & self->mask;
    }
}

bool precis_seen_contains(precis_seen_t *self, const char *key)
{
    return self->slots[find(self, hash_key(key))] != 0;
}

bool precis_seen_add(precis_seen_t *self, const char *key)
{
    uint64_t hash = hash_key(key);
    size_t slot = find(self, hash);
    if (self->slots[slot])
        return false;
    if (self->count == self->capacity) {
        remove_hash(self, self->ring[self->oldest]);
        self->ring[self->oldest] = hash;
        self->oldest = (self->oldest + 1) % self->capacity;
        slot = find(self, hash);
    } else
        self->ring[(self->oldest + self->count++) % self->capacity] = hash;
    self->slots[slot] = hash;
    return true;
}

int precis_seen_test(bool verbose)
{
    int failures = 0;
    precis_seen_t *seen = precis_seen_new(1000);
    char key[32];
    for (int i = 0; i < 1000; i++) {
        snprintf(key, sizeof key, "key-%d", i);
        if (!precis_seen_add(seen, key)) {
            fprintf(stderr, "seen test: %s reported as a duplicate\n", key);
            failures++;
        }
    }
    if (precis_seen_add(seen, "key-7") || !precis_seen_contains(seen, "key-999")) {
        fprintf(stderr, "seen test: a duplicate was not found\n");
        failures++;
    }
    /* Past capacity the oldest are forgotten, the newest kept. */
    for (int i = 1000; i < 1500; i++) {
        snprintf(key, sizeof key, "key-%d", i);
        precis_seen_add(seen, key);
    }
    int old_kept = 0, new_kept = 0;
    for (int i = 0; i < 1500; i++) {
        snprintf(key, sizeof key, "key-%d", i);
        if (precis_seen_contains(seen, key))
            i < 500 ? old_kept++ : new_kept++;
    }
    if (old_kept != 0 || new_kept != 1000) {
        fprintf(stderr, "seen test: after eviction %d old and %d new keys kept\n",
                old_kept, new_kept);
        failures++;
    }
    precis_seen_destroy(&seen);
    return failures;
}
