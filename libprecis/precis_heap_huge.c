/*  precis_heap_huge - a daemon's heap in huge pages (see precis_heap_huge.h). */
#define _GNU_SOURCE
#include "precis_heap_huge.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
/* Valgrind's client requests (Debian package valgrind): a few no-op
   instructions outside valgrind. Without the header, never under it. */
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif

#define NAME "glibc.malloc.hugetlb"

/* Whether tunables (name=value pairs joined by colons) sets the tunable
   name (len bytes). */
static bool names(const char *tunables, const char *name, size_t len)
{
    for (const char *at = tunables; at; at = strchr(at, ':'), at = at ? at + 1 : NULL)
        if (strncmp(at, name, len) == 0 && at[len] == '=')
            return true;
    return false;
}

char *precis_heap_huge_tunables_with(const char *current, const char *more)
{
    if (!current)
        current = "";
    if (names(current, NAME, strlen(NAME)))
        return NULL;
    size_t size = strlen(current) + 1 + strlen(PRECIS_HEAP_HUGE_TUNABLE) + 1 +
                  (more ? strlen(more) : 0) + 1;
    char *value = malloc(size);
    if (!value)
        return NULL;
    snprintf(value, size, "%s%s%s", current, *current ? ":" : "",
             PRECIS_HEAP_HUGE_TUNABLE);
    /* Each of more's entries that current does not set: a user's value
       of the same tunable stays. */
    for (const char *at = more; at && *at;) {
        const char *end = strchr(at, ':'), *equals = strchr(at, '=');
        size_t len = end ? (size_t)(end - at) : strlen(at);
        if (equals && equals < at + len && !names(current, at, (size_t)(equals - at)))
            snprintf(value + strlen(value), size - strlen(value), ":%.*s", (int)len, at);
        at = end ? end + 1 : NULL;
    }
    return value;
}

char *precis_heap_huge_tunables(const char *current)
{
    return precis_heap_huge_tunables_with(current, NULL);
}

void precis_heap_huge_start(char **argv)
{
    precis_heap_huge_start_with(argv, NULL);
}

void precis_heap_huge_start_with(char **argv, const char *more)
{
    if (RUNNING_ON_VALGRIND || !argv || !argv[0])
        return;
    const char *current = getenv("GLIBC_TUNABLES");
    char *value = precis_heap_huge_tunables_with(current, more);
    if (!value)
        return; /* started so, or the user chose */
    /* The program by its path, not as /proc/self/exe: the kernel names the
       process after the file it starts (ps, top, pgrep show "exe"
       otherwise). */
    char path[4096];
    ssize_t len = readlink("/proc/self/exe", path, sizeof path - 1);
    char *before = current ? strdup(current) : NULL;
    if (len > 0 && (size_t)len < sizeof path - 1 &&
        setenv("GLIBC_TUNABLES", value, 1) == 0) {
        path[len] = 0;
        execv(path, argv);
    }
    /* Not started again (no /proc, the file replaced since: " (deleted)"):
       on as it is, its environment as it was. */
    if (before)
        setenv("GLIBC_TUNABLES", before, 1);
    else
        unsetenv("GLIBC_TUNABLES");
    free(before);
    free(value);
}

#define CHECK(cond)                                                                      \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            fprintf(stderr, "heap_huge test failed: %s (line %d)\n", #cond, __LINE__);   \
            failures++;                                                                  \
        }                                                                                \
    } while (0)

/* Whether precis_heap_huge_tunables(current) is expected (NULL: none). */
static bool gives(const char *current, const char *expected)
{
    char *value = precis_heap_huge_tunables(current);
    bool same = value && expected ? strcmp(value, expected) == 0 : value == expected;
    if (!same)
        fprintf(stderr, "heap_huge: '%s' gave '%s', not '%s'\n",
                current ? current : "(unset)", value ? value : "(nothing)",
                expected ? expected : "(nothing)");
    free(value);
    return same;
}

/* The same with more tunables to add. */
static bool gives_with(const char *current, const char *more, const char *expected)
{
    char *value = precis_heap_huge_tunables_with(current, more);
    bool same = value && expected ? strcmp(value, expected) == 0 : value == expected;
    if (!same)
        fprintf(stderr, "heap_huge: '%s' with '%s' gave '%s', not '%s'\n",
                current ? current : "(unset)", more, value ? value : "(nothing)",
                expected ? expected : "(nothing)");
    free(value);
    return same;
}

int precis_heap_huge_test(bool verbose)
{
    int failures = 0;
    CHECK(gives(NULL, "glibc.malloc.hugetlb=1"));
    CHECK(gives("", "glibc.malloc.hugetlb=1"));
    CHECK(gives("glibc.malloc.arena_max=2",
                "glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1"));
    /* Set already, to either value, anywhere in the list: left alone. */
    CHECK(gives("glibc.malloc.hugetlb=1", NULL));
    CHECK(gives("glibc.malloc.hugetlb=0", NULL));
    CHECK(gives("glibc.malloc.arena_max=2:glibc.malloc.hugetlb=0", NULL));
    CHECK(gives("glibc.malloc.hugetlb=2:glibc.malloc.arena_max=2", NULL));
    /* A name that only begins the same, or the name as a value: not it. */
    CHECK(gives("glibc.malloc.hugetlbx=1",
                "glibc.malloc.hugetlbx=1:glibc.malloc.hugetlb=1"));
    CHECK(gives("x=glibc.malloc.hugetlb=0",
                "x=glibc.malloc.hugetlb=0:glibc.malloc.hugetlb=1"));
    /* More tunables (ingest's): each added unless the user set it. */
    CHECK(gives_with(NULL, "glibc.malloc.tcache_count=256",
                     "glibc.malloc.hugetlb=1:glibc.malloc.tcache_count=256"));
    CHECK(gives_with("glibc.malloc.tcache_count=7",
                     "glibc.malloc.tcache_count=256:glibc.malloc.mxfast=0",
                     "glibc.malloc.tcache_count=7:glibc.malloc.hugetlb=1:"
                     "glibc.malloc.mxfast=0"));
    CHECK(gives_with("glibc.malloc.hugetlb=0", "glibc.malloc.tcache_count=256", NULL));
    if (verbose && failures == 0)
        printf("heap_huge: ok\n");
    return failures;
}
