/*  precis_heap_huge - a daemon's heap in 2 MiB huge pages (transparent
    huge pages), through glibc's own tunable glibc.malloc.hugetlb=1: the
    sink and ingest, whose serial threads set the pipeline's ceiling.

    Why: on the development VM a page fault costs about 12 us of CPU (a
    2 MiB huge page about 134 us, the same as eleven 4 KiB ones), and a
    sink that has just started faults its heap in page by page: the
    messages queued between ZeroMQ's I/O thread and the main thread (each
    thread's arena grows to its queue), the published messages waiting for
    the subscribers, the stories index's strings and the summaries kept for
    exact copies. sink_bench --passes 4 (8,900 BBC results, stories on):
    0.27 page faults a result, about a quarter of the sink's CPU; with the
    tunable 0.01-0.05. The index and the summary cache keep growing until
    the window is full (1,000,000 articles), so a running sink keeps taking
    new heap pages too, 512 times fewer faults in huge pages. Ingest alone
    at its full rate (journal on, BBC, four alternating pairs at load 2,
    2026-12-01): 18.8-20.5 -> 17.5-18.5 us of CPU an article.

    glibc reads its tunables once, when the program is loaded (from the
    environment variable GLIBC_TUNABLES); nothing can set them later. So
    the program starts itself again at once, before it has done anything
    else, with the tunable added: the same program (the file /proc/self/exe
    names), the same arguments, the same process id and name. glibc then
    advises every heap it grows (sbrk, each thread's arena, large blocks)
    with MADV_HUGEPAGE; the kernel gives huge pages where transparent huge
    pages are "madvise" or "always" (nothing changes with "never"). The
    heap's first pages, used before main, stay in 4 KiB pages.

    Not done when GLIBC_TUNABLES already names glibc.malloc.hugetlb (either
    value: glibc.malloc.hugetlb=0 turns this off), under valgrind (its own
    allocator, and the started program would run outside it), or when the
    program cannot be started again (it then goes on as it is).
*/
#ifndef PRECIS_HEAP_HUGE_H
#define PRECIS_HEAP_HUGE_H

#include <stdbool.h>

/* The tunable added: "glibc.malloc.hugetlb=1". */
#define PRECIS_HEAP_HUGE_TUNABLE "glibc.malloc.hugetlb=1"

/* The value GLIBC_TUNABLES should have, given its current one (NULL: not
   set): PRECIS_HEAP_HUGE_TUNABLE alone, or appended after a colon; NULL
   when current already names glibc.malloc.hugetlb. Free the result. */
char *precis_heap_huge_tunables(const char *current);

/* The same with more tunables (name=value pairs joined by colons) added
   after it, each unless current names it already (the user's value
   stays); NULL when current names glibc.malloc.hugetlb. */
char *precis_heap_huge_tunables_with(const char *current, const char *more);

/* Called first in main: starts the program again with the tunable, and
   returns only when it did not (see above). argv as main has it. */
void precis_heap_huge_start(char **argv);
/* The same with more tunables (precis_heap_huge_tunables_with): ingest's
   glibc.malloc.tcache_count (ingest/main.c says why). */
void precis_heap_huge_start_with(char **argv, const char *more);

int precis_heap_huge_test(bool verbose);

#endif
