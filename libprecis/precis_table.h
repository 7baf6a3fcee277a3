/*  precis_table - zeroed memory for large tables that are touched at random
    (hash tables, rings, bucket heads), in 2 MiB huge pages where the
    kernel has them.

    A table of PRECIS_TABLE_HUGE_PAGE bytes or more is mapped from a huge
    page's edge with MADV_HUGEPAGE (transparent huge pages; without them the
    kernel gives the usual 4 KiB pages and nothing else changes); a smaller
    one comes from calloc. Why: a hash table's slots are touched at random,
    so in 4 KiB pages nearly every insertion into a table still filling
    costs a page fault (about 7 us on the development VM), and every look-up
    after a TLB miss. Measured for the stories index (precis_stories) on
    200,000 look-ups and additions: 80,700 page faults -> 7,800, and 7.8 ->
    3.6 us of CPU an article; for the sink's seen-key set see precis_seen.
*/
#ifndef PRECIS_TABLE_H
#define PRECIS_TABLE_H

#include <stdbool.h>
#include <stddef.h>

/* From this size on, a table is mapped in huge pages: 2 MiB (x86-64). */
#define PRECIS_TABLE_HUGE_PAGE ((size_t)2 << 20)

/* A zeroed table of bytes bytes (0 is taken as 1). Never NULL: aborts when
   the memory cannot be had, as calloc's callers here do. Free with
   precis_table_free and the same bytes. */
void *precis_table_alloc(size_t bytes);

/* table (of old_bytes) grown to new_bytes (>= old_bytes): its bytes kept,
   the rest zero. A big one is moved by the kernel (mremap: its pages
   change place, none is copied or touched); growing by copying touched
   twice the memory. The old pointer is no longer valid. Under valgrind the
   grown part is declared to memcheck, which can lose it (precis_table.c). */
void *precis_table_grow(void *table, size_t old_bytes, size_t new_bytes);

/* Faults the whole of table (of bytes, from precis_table_alloc) in now,
   zero as it was: for a table of fixed size whose pages are all touched
   soon anyway (slots written at random), so that the page faults are paid
   at start instead of by the first results. MADV_POPULATE_WRITE (Linux
   5.14) in one call where the kernel has it, else a write of zero to each
   4 KiB page; a table under PRECIS_TABLE_HUGE_PAGE (from calloc) is left
   as it is. Why: on the development VM a 2 MiB page first touched costs
   140 us of CPU when the host has backed that memory before and about
   5.4 ms when it has not (4 KiB pages: about 20 us each), see precis_seen. */
void precis_table_populate(void *table, size_t bytes);

/* Frees a table of bytes bytes from precis_table_alloc or _grow. NULL is
   ignored. */
void precis_table_free(void *table, size_t bytes);

/* Address space a table of bytes takes: bytes rounded up to whole huge
   pages from PRECIS_TABLE_HUGE_PAGE on, bytes below. */
size_t precis_table_size(size_t bytes);

int precis_table_test(bool verbose);

#endif
