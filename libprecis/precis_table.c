/*  precis_table - large zeroed tables in huge pages (see precis_table.h). */
#define _GNU_SOURCE /* mremap */
#include "precis_table.h"
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
/* Valgrind's client requests (Debian package valgrind, installed with the
   test dependencies): nothing but a few no-op instructions when not run
   under valgrind. Without the header the annotation below is left out. */
#if defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define HAVE_MEMCHECK_H 1
#endif
#endif

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

void precis_table_populate(void *table, size_t bytes)
{
    if (!table || bytes < HUGE_PAGE)
        return;
    size_t size = precis_table_size(bytes);
#ifdef MADV_POPULATE_WRITE
    if (madvise(table, size, MADV_POPULATE_WRITE) == 0)
        return;
#endif
    /* An older kernel: the first write to a page faults it in (a huge one
       where the mapping was advised so). */
    volatile uint8_t *bytes_of = table;
    for (size_t at = 0; at < size; at += 4096)
        bytes_of[at] = 0;
}

void precis_table_free(void *table, size_t bytes)
{
    if (table && bytes < HUGE_PAGE)
        free(table);
    else if (table)
        munmap(table, precis_table_size(bytes));
}

/* Tells valgrind's memcheck that the part an mremap grew is what the
   kernel made it: mapped, read-write and zero. Why: valgrind 3.19 (Debian
   12) handles a growing mremap with MREMAP_FIXED by taking the grown
   part's permissions from its record of the old mapping after it has
   already moved that record (coregrind's do_mremap reads old_seg after
   VG_(am_relocate_nooverlap_client)); when the slot then holds the freed
   hole or a PROT_NONE neighbour, memcheck marks the grown part
   unaddressable, and every access to it is reported as an invalid read or
   write ("in a rw- anonymous segment"), though the program is right.
   Whether the slot holds such a segment depends on the address-space
   layout, so the reports came and went with the build type, the working
   folder and the other tests run before (precis_stories' 20,000-article
   test; precis_table_test's guarded table reproduces it every time). The
   moved part keeps its own state: valgrind copies it. */
static void grown_part_addressable(uint8_t *grown, size_t bytes)
{
#ifdef HAVE_MEMCHECK_H
    (void)VALGRIND_MAKE_MEM_DEFINED(grown, bytes);
#else
    (void)grown;
    (void)bytes;
#endif
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
            grown_part_addressable((uint8_t *)moved + old_size, new_size - old_size);
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

/* A big table mapped between PROT_NONE guards (its own segment in
   valgrind's records, with no read-write neighbour) and grown from
   old_bytes to new_bytes: its bytes kept and its grown part zero, read
   and written. Under valgrind 3.19 without grown_part_addressable this
   layout had the grown part reported unaddressable in every run tried
   (alone, in the whole self test, RelWithDebInfo and Release). False when
   the table cannot be mapped there. */
static bool grown_between_guards(size_t old_bytes, size_t new_bytes)
{
    size_t old_size = precis_table_size(old_bytes), room = old_size + 2 * HUGE_PAGE;
    uint8_t *area =
        mmap(NULL, room, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (area == MAP_FAILED)
        return false;
    /* On a huge page's edge, a guard of at least a page below and of a
       huge page or more above. */
    uint8_t *table = area + HUGE_PAGE - (uintptr_t)area % HUGE_PAGE;
    if (mmap(table, old_size, PROT_READ | PROT_WRITE,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != table) {
        munmap(area, room);
        return false;
    }
    memset(table, 0x5a, old_bytes);
    uint8_t *grown = precis_table_grow(table, old_bytes, new_bytes);
    bool ok = grown[0] == 0x5a && grown[old_bytes - 1] == 0x5a;
    for (size_t i = old_bytes; i < new_bytes; i += 4096)
        ok = ok && grown[i] == 0;
    grown[new_bytes - 1] = 1;
    precis_table_free(grown, new_bytes);
    munmap(area, (size_t)(table - area));
    munmap(table + old_size, (size_t)(area + room - table - old_size));
    return ok;
}

/* Pages of a big table the kernel has in memory (mincore), or 0. */
static size_t resident_pages(void *table, size_t bytes)
{
    size_t pages = precis_table_size(bytes) / 4096, resident = 0;
    unsigned char *in = calloc(pages, 1);
    assert(in);
    if (mincore(table, pages * 4096, in) == 0)
        for (size_t i = 0; i < pages; i++)
            resident += in[i] & 1;
    free(in);
    return resident;
}

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

    /* Grown by the kernel from a layout where valgrind once lost track of
       the grown part (see grown_part_addressable): by one huge page and by
       several. */
    CHECK(grown_between_guards(HUGE_PAGE, 2 * HUGE_PAGE));
    CHECK(grown_between_guards(3 * HUGE_PAGE / 2, 5 * HUGE_PAGE));

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
    /* Populated: every page resident and still zero; a table just made
       has none resident (nothing touched it). */
    {
        size_t bytes = 2 * HUGE_PAGE + 4096, pages = precis_table_size(bytes) / 4096;
        uint8_t *table = precis_table_alloc(bytes);
        CHECK(resident_pages(table, bytes) < pages);
        precis_table_populate(table, bytes);
        CHECK(resident_pages(table, bytes) == pages);
        bool zero = true;
        for (size_t i = 0; i < bytes; i += 64)
            zero = zero && table[i] == 0;
        CHECK(zero);
        precis_table_free(table, bytes);
        uint8_t *small = precis_table_alloc(1000);
        precis_table_populate(small, 1000); /* from calloc: left as it is */
        CHECK(small[0] == 0 && small[999] == 0);
        precis_table_free(small, 1000);
    }
    precis_table_free(NULL, 0);
    if (verbose)
        printf("table: %s\n", failures ? "FAILED" : "ok");
    return failures;
}
