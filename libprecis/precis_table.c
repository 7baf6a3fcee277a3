/*  precis_table - large zeroed tables in huge pages (see precis_table.h). */
#define _GNU_SOURCE /* mremap */
#include "precis_table.h"
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define HUGE_PAGE PRECIS_TABLE_HUGE_PAGE

size_t precis_table_size(size_t bytes)
{
    return bytes >= HUGE_PAGE ? (bytes + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE : bytes;
}

/* size bytes (a multiple of HUGE_PAGE) of address space mapped from a huge
   page's edge (only whole aligned 2 MiB ranges can be huge pages): a
   mapping one huge page larger, cut. */
static uint8_t *map_aligned(size_t size)
{
    uint8_t *mapped = mmap(NULL, size + HUGE_PAGE, PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert(mapped != MAP_FAILED);
    size_t lead = (HUGE_PAGE - (uintptr_t)mapped % HUGE_PAGE) % HUGE_PAGE;
    if (lead)
        munmap(mapped, lead);
    munmap(mapped + lead + size, HUGE_PAGE - lead);
    return mapped + lead;
}

static void advise_huge(void *table, size_t size)
{
#ifdef MADV_HUGEPAGE
    madvise(table, size, MADV_HUGEPAGE); /* advice: no error to act on */
#else
    (void)table;
    (void)size;
#endif
}

void *precis_table_alloc(size_t bytes)
{
    if (bytes < HUGE_PAGE) {
        void *table = calloc(1, bytes ? bytes : 1);
        assert(table);
        return table;
    }
    size_t size = precis_table_size(bytes);
    uint8_t *table = map_aligned(size);
    advise_huge(table, size);
    return table;
}

void precis_table_free(void *table, size_t bytes)
{
    if (table && bytes < HUGE_PAGE)
        free(table);
    else if (table)
        munmap(table, precis_table_size(bytes));
}

void *precis_table_grow(void *table, size_t old_bytes, size_t new_bytes)
{
    if (old_bytes >= HUGE_PAGE) {
        size_t old_size = precis_table_size(old_bytes);
        size_t new_size = precis_table_size(new_bytes);
        uint8_t *place = map_aligned(new_size);
        void *moved =
            mremap(table, old_size, new_size, MREMAP_MAYMOVE | MREMAP_FIXED, place);
        if (moved != MAP_FAILED) {
            advise_huge(moved, new_size);
            return moved;
        }
        munmap(place, new_size); /* copied instead, below */
    }
    void *grown = precis_table_alloc(new_bytes);
    memcpy(grown, table, old_bytes);
    precis_table_free(table, old_bytes);
    return grown;
}

#define CHECK(cond)                                                                      \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            fprintf(stderr, "table test failed: %s (line %d)\n", #cond, __LINE__);       \
            failures++;                                                                  \
        }                                                                                \
    } while (0)

int precis_table_test(bool verbose)
{
    int failures = 0;
    /* A grown table keeps its bytes and is zero after them: small to
       small, small to big, big to big (moved by the kernel). */
    static const size_t sizes[][2] = {{1000, 3000},
                                      {HUGE_PAGE / 2, 3 * HUGE_PAGE / 2},
                                      {3 * HUGE_PAGE / 2, 3 * HUGE_PAGE}};
    for (size_t k = 0; k < 3; k++) {
        size_t from = sizes[k][0], to = sizes[k][1];
        uint8_t *table = precis_table_alloc(from);
        for (size_t i = 0; i < from; i++)
            table[i] = (uint8_t)(i * 7 + 1);
        table = precis_table_grow(table, from, to);
        bool kept = true, zero = true;
        for (size_t i = 0; i < from; i++)
            kept = kept && table[i] == (uint8_t)(i * 7 + 1);
        for (size_t i = from; i < to; i++)
            zero = zero && table[i] == 0;
        CHECK(kept && zero);
        CHECK(to < HUGE_PAGE || (uintptr_t)table % HUGE_PAGE == 0);
        precis_table_free(table, to);
    }

    /* A table of a huge page or more starts on a huge page's edge, zeroed,
       and can be written to its end; a small one is zeroed too. */
    for (size_t bytes = 1000; bytes <= 5 * HUGE_PAGE / 2; bytes += 5 * HUGE_PAGE / 4) {
        uint8_t *table = precis_table_alloc(bytes);
        bool zero = true;
        for (size_t i = 0; i < bytes; i += 4096)
            zero = zero && table[i] == 0 && table[bytes - 1] == 0;
        CHECK(zero);
        CHECK(bytes < HUGE_PAGE || (uintptr_t)table % HUGE_PAGE == 0);
        CHECK(precis_table_size(bytes) >= bytes &&
              precis_table_size(bytes) < bytes + HUGE_PAGE);
        memset(table, 0xab, bytes);
        precis_table_free(table, bytes);
    }
    precis_table_free(NULL, 0);
    if (verbose)
        printf("table: %s\n", failures ? "FAILED" : "ok");
    return failures;
}
