/*  precis_seen - a bounded set of the delivery keys the sink has published,
    for dropping duplicates (an article sent again by ingest whose first
    result did arrive after all).

    Keys are kept as 64-bit hashes in an open-addressing table, with a ring
    that forgets the oldest once the set is full: memory is fixed at start
    (16 bytes x 2 x capacity) however long the sink runs. Duplicates can only
    come from retries, which happen within minutes, so the window of
    `capacity` most recent keys is ample.

    The tables are precis_table's (huge pages): the slots are touched at
    random, and in 4 KiB pages a table still filling cost about one page
    fault an insertion. sink_bench --no-stories, 17,800 BBC results: 0.41
    -> 0.005 faults and 10.6 -> 5.1 us of the sink's CPU a result. The
    slots (16 MiB at the sink's 1,048,576 keys) are faulted in by
    precis_seen_new (precis_table_populate): keys land at random, so all 8
    huge pages are touched within the first few dozen keys anyway, and on
    the development VM a huge page first touched costs 140 us to 5.4 ms
    of CPU (5.4 ms where the host had not backed that memory yet). In the
    pipeline (bench/sink_pipeline, 1 worker a stage, about 25,000 results)
    the sink's heap and tables grew by 24 huge pages while it ran, 15 with
    the slots faulted in at start. The ring fills in order and is left to
    fault as it goes (a huge page every 262,144 keys).
*/
#ifndef PRECIS_SEEN_H
#define PRECIS_SEEN_H

#include <stdbool.h>
#include <stddef.h>

typedef struct _precis_seen_t precis_seen_t;

precis_seen_t *precis_seen_new(size_t capacity);
void precis_seen_destroy(precis_seen_t **self_p);

/* Adds key; returns false when it was already there (a duplicate). */
bool precis_seen_add(precis_seen_t *self, const char *key);
bool precis_seen_contains(precis_seen_t *self, const char *key);

int precis_seen_test(bool verbose);

#endif
