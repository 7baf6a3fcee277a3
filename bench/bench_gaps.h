/*  bench_gaps - which sequence numbers a subscriber has seen, so that the
    ones its SUB socket missed (dropped at the sink's PUB high-water mark)
    can be asked of the sink's replay socket (docs/PROTOCOL.md, "Catching
    up"), and told apart from results that were never published.

    Sequence numbers are the sink's `seq` (1, 2, 3, ... per output log).
    The set starts at base, the sink's next number when a benchmark phase
    starts; numbers below base belong to earlier phases and are ignored.
    One bit per number from base on: 125 KB per million results.
*/
#ifndef BENCH_GAPS_H
#define BENCH_GAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct _bench_gaps_t bench_gaps_t;

/* A set with nothing seen, counting from base (>= 1). */
bench_gaps_t *bench_gaps_new(uint64_t base);
void bench_gaps_destroy(bench_gaps_t **self_p);

/* Marks seq seen. Returns true when it is new; false when it was seen
   already (the same result twice: a replay that overlapped the live
   stream) or is below base. */
bool bench_gaps_add(bench_gaps_t *self, uint64_t seq);

/* Whether seq has been seen (false below base). */
bool bench_gaps_has(const bench_gaps_t *self, uint64_t seq);

/* The first run of unseen numbers in [from, until), from below base taken
   as base: its first number in *first and its length in *count. False
   when every number there has been seen. */
bool bench_gaps_next(const bench_gaps_t *self, uint64_t from, uint64_t until,
                     uint64_t *first, uint64_t *count);

/* How many numbers in [base, until) have not been seen. */
uint64_t bench_gaps_missing(const bench_gaps_t *self, uint64_t until);

/* Self test; returns 0 when it passes, prints what failed on stderr. */
int bench_gaps_test(bool verbose);

#endif
