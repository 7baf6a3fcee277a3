/*  bench_gaps - the sequence numbers a benchmark's subscriber has seen.
    See bench_gaps.h. */
#include "bench_gaps.h"
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct _bench_gaps_t {
    uint64_t base;
    uint8_t *bits; /* bit (seq - base) set: seen */
    size_t bytes;  /* allocated */
};

bench_gaps_t *bench_gaps_new(uint64_t base)
{
    bench_gaps_t *self = calloc(1, sizeof *self);
    assert(self);
    self->base = base ? base : 1;
    return self;
}

void bench_gaps_destroy(bench_gaps_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free((*self_p)->bits);
    free(*self_p);
    *self_p = NULL;
}

/* Grows the bitmap to hold offset, doubling, so that a run of a few
   million results costs a few reallocations. */
static void reserve(bench_gaps_t *self, uint64_t offset)
{
    size_t need = (size_t)(offset / 8) + 1;
    if (need <= self->bytes)
        return;
    size_t bytes = self->bytes ? self->bytes : 4096;
    while (bytes < need)
        bytes *= 2;
    self->bits = realloc(self->bits, bytes);
    assert(self->bits);
    memset(self->bits + self->bytes, 0, bytes - self->bytes);
    self->bytes = bytes;
}

bool bench_gaps_has(const bench_gaps_t *self, uint64_t seq)
{
    if (seq < self->base)
        return false;
    uint64_t offset = seq - self->base;
    if (offset / 8 >= self->bytes)
        return false;
    return self->bits[offset / 8] & (1u << (offset % 8));
}

bool bench_gaps_add(bench_gaps_t *self, uint64_t seq)
{
    if (seq < self->base || bench_gaps_has(self, seq))
        return false;
    uint64_t offset = seq - self->base;
    reserve(self, offset);
    self->bits[offset / 8] |= (uint8_t)(1u << (offset % 8));
    return true;
}

bool bench_gaps_next(const bench_gaps_t *self, uint64_t from, uint64_t until,
                     uint64_t *first, uint64_t *count)
{
    uint64_t seq = from < self->base ? self->base : from;
    while (seq < until && bench_gaps_has(self, seq))
        seq++;
    if (seq >= until)
        return false;
    uint64_t end = seq;
    while (end < until && !bench_gaps_has(self, end))
        end++;
    *first = seq;
    *count = end - seq;
    return true;
}

uint64_t bench_gaps_missing(const bench_gaps_t *self, uint64_t until)
{
    uint64_t missing = 0, first = 0, count = 0, from = self->base;
    while (bench_gaps_next(self, from, until, &first, &count)) {
        missing += count;
        from = first + count;
    }
    return missing;
}

/* ---- self test ---------------------------------------------------------- */

#define CHECK(condition)                                                                 \
    do {                                                                                 \
        if (!(condition)) {                                                              \
            fprintf(stderr, "bench_gaps_test: %s:%d: %s\n", __FILE__, __LINE__,          \
                    #condition);                                                         \
            failures++;                                                                  \
        }                                                                                \
    } while (0)

int bench_gaps_test(bool verbose)
{
    int failures = 0;
    if (verbose)
        printf(" * bench_gaps: ");

    /* A phase that starts at 101: 101..110 published, 104 and 107..108
       dropped at the PUB, 112 published later than the end asked about. */
    bench_gaps_t *gaps = bench_gaps_new(101);
    for (uint64_t seq = 101; seq <= 112; seq++)
        if (seq != 104 && seq != 107 && seq != 108 && seq != 111)
            CHECK(bench_gaps_add(gaps, seq));
    CHECK(!bench_gaps_add(gaps, 105)); /* seen twice: a replay overlap */
    CHECK(!bench_gaps_add(gaps, 100)); /* an earlier phase's result */
    CHECK(!bench_gaps_has(gaps, 100));
    CHECK(bench_gaps_has(gaps, 112) && !bench_gaps_has(gaps, 104));

    uint64_t first = 0, count = 0;
    CHECK(bench_gaps_next(gaps, 1, 111, &first, &count) && first == 104 && count == 1);
    CHECK(bench_gaps_next(gaps, 105, 111, &first, &count) && first == 107 && count == 2);
    /* until is exclusive: 111 is not asked about, 110 is the last. */
    CHECK(!bench_gaps_next(gaps, 109, 111, &first, &count));
    CHECK(bench_gaps_missing(gaps, 111) == 3);
    CHECK(bench_gaps_missing(gaps, 113) == 4);
    /* A gap that runs to the end: nothing of it seen yet. */
    CHECK(bench_gaps_next(gaps, 113, 120, &first, &count) && first == 113 && count == 7);

    /* Recovered from replay: the gaps close. */
    CHECK(bench_gaps_add(gaps, 104) && bench_gaps_add(gaps, 107) &&
          bench_gaps_add(gaps, 108));
    CHECK(bench_gaps_missing(gaps, 111) == 0);

    /* Far beyond the first allocation: the bitmap grows and stays exact. */
    CHECK(bench_gaps_add(gaps, 101 + 1000000));
    CHECK(bench_gaps_missing(gaps, 101 + 1000001) == 1000000 - 11);
    bench_gaps_destroy(&gaps);
    CHECK(gaps == NULL);
    bench_gaps_destroy(&gaps); /* twice: harmless */

    /* An empty set: everything from base is missing; base 0 means 1. */
    gaps = bench_gaps_new(0);
    CHECK(bench_gaps_next(gaps, 0, 4, &first, &count) && first == 1 && count == 3);
    CHECK(!bench_gaps_next(gaps, 1, 1, &first, &count));
    bench_gaps_destroy(&gaps);

    if (verbose)
        printf("%s\n", failures ? "FAILED" : "OK");
    return failures ? 1 : 0;
}
