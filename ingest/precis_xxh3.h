/*  precis_xxh3 - XXH3-64 for ingest's hashes of whole articles (the
    journal's checksum, an article's content digest), and inline XXH3 for
    the rest.

    Long data goes through libxxhash's run-time dispatcher, which picks the
    widest vectors the CPU has (AVX2, AVX-512): the inline code is built for
    any x86-64 (SSE2) and took about 1.4 instructions a byte, 3,600 an
    article for the journal's checksum and 1,800 for the content digest
    (callgrind, BBC set, 2026-12-01). Short data (keys, titles) stay inline:
    the call through the PLT would cost more than they do. The hashes are
    the same either way (unit.journal and unit.idwindow compare them).
    Debian builds the dispatcher on x86-64 only; elsewhere everything is
    inline.
*/
#ifndef PRECIS_XXH3_H
#define PRECIS_XXH3_H

#include <stddef.h>
#include <stdint.h>
#ifdef __x86_64__
#define XXH_DISPATCH_DISABLE_REPLACE
#include <xxh_x86dispatch.h>
#endif
/* Inline: the shared library's XXH3 is built for any x86-64 and called
   through a PLT; inlined it is compiled with the rest. */
#define XXH_INLINE_ALL
#include <xxhash.h>

/* Beyond this many bytes XXH3 works in 1 KB stripes with vectors
   (xxhash.h's XXH3_MIDSIZE_MAX): the dispatcher's wider ones pay. */
#define PRECIS_XXH3_LONG 240

/* XXH3-64 of data[0..size) with seed; data may be NULL when size is 0. */
static inline uint64_t precis_xxh3_seeded(const void *data, size_t size, uint64_t seed)
{
#ifdef __x86_64__
    if (size > PRECIS_XXH3_LONG)
        return XXH3_64bits_withSeed_dispatch(data, size, seed);
#endif
    return XXH3_64bits_withSeed(size ? data : "", size, seed);
}

#endif
