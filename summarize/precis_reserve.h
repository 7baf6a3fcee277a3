/*  precis_reserve - PRECIS_RESERVE, the growable scratch arrays of the
    summarizer's steps: capacity doubles (from 64), so that memory reused
    from one article to the next is allocated only while articles grow. */
#ifndef PRECIS_RESERVE_H
#define PRECIS_RESERVE_H

#include <assert.h>
#include <stdlib.h>

#define PRECIS_RESERVE(array, capacity, needed)                                          \
    do {                                                                                 \
        if ((needed) > (capacity)) {                                                     \
            size_t wanted_ = (capacity) ? (capacity) : 64;                               \
            while (wanted_ < (needed))                                                   \
                wanted_ *= 2;                                                            \
            (array) = realloc((array), wanted_ * sizeof *(array));                       \
            assert(array);                                                               \
            (capacity) = wanted_;                                                        \
        }                                                                                \
    } while (0)

#endif
