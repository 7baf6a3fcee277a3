/*  precis_msgpool - buffers for outgoing frames, given back by libzmq. */
#include "precis_msgpool.h"
#include <assert.h>
#include <czmq.h>
#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The smallest buffer (a power of two): results are 1-2 KB. */
#define SMALLEST 1024
/* Frames up to this size libzmq keeps inside the message itself (its
   "very small message", 33 bytes in libzmq 4.3): nothing to give back. */
#define INLINE_MAX 32

typedef struct block {
    struct block *next;     /* in the owner's list or the returned stack */
    size_t capacity;        /* bytes after the header */
    precis_msgpool_t *pool; /* where it goes back */
    max_align_t bytes[];
} block_t;

struct _precis_msgpool_t {
    block_t *free;            /* the owner's: ready to use */
    _Atomic(block_t *) given; /* pushed back by libzmq's free function */
    atomic_size_t references; /* the owner's (1 until destroyed) and one a
                                 buffer in libzmq's hands */
    size_t made;
};

precis_msgpool_t *precis_msgpool_new(void)
{
    precis_msgpool_t *self = calloc(1, sizeof *self);
    assert(self);
    atomic_init(&self->given, NULL);
    atomic_init(&self->references, 1);
    return self;
}

static void free_list(block_t *block)
{
    while (block) {
        block_t *next = block->next;
        free(block);
        block = next;
    }
}

/* Drops one reference; the last one frees what is left. */
static void release(precis_msgpool_t *self)
{
    if (atomic_fetch_sub(&self->references, 1) != 1)
        return;
    free_list(self->free);
    free_list(atomic_exchange(&self->given, NULL));
    free(self);
}

void precis_msgpool_destroy(precis_msgpool_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    precis_msgpool_t *self = *self_p;
    *self_p = NULL;
    free_list(self->free);
    self->free = NULL;
    release(self);
}

/* libzmq's free function, on whichever thread closes the message (the
   I/O thread, once written): a push onto the returned stack. */
static void give_back(void *data, void *hint)
{
    (void)data;
    block_t *block = hint;
    precis_msgpool_t *pool = block->pool;
    block_t *top = atomic_load(&pool->given);
    do
        block->next = top;
    while (!atomic_compare_exchange_weak(&pool->given, &top, block));
    release(pool);
}

/* A buffer of at least size bytes: the owner's list first, then all that
   came back (taken at once: a single taker needs no more than an
   exchange), else a new one. */
static block_t *take(precis_msgpool_t *self, size_t size)
{
    if (!self->free)
        self->free = atomic_exchange(&self->given, NULL);
    block_t *block = self->free;
    if (block) {
        self->free = block->next;
        if (block->capacity >= size)
            return block;
        free(block); /* ours: this thread's arena */
    }
    size_t capacity = SMALLEST;
    while (capacity < size)
        capacity *= 2;
    block = malloc(sizeof *block + capacity);
    assert(block);
    block->capacity = capacity;
    block->pool = self;
    self->made++;
    return block;
}

void *precis_msgpool_buffer(precis_msgpool_t *self, size_t size)
{
    return take(self, size)->bytes;
}

int precis_msgpool_send_buffer(precis_msgpool_t *self, void *socket, void *buffer,
                               size_t size, int flags)
{
    block_t *block = (block_t *)((char *)buffer - offsetof(block_t, bytes));
    assert(block->pool == self && size <= block->capacity);
    atomic_fetch_add(&self->references, 1);
    zmq_msg_t message;
    zmq_msg_init_data(&message, block->bytes, size, give_back, block);
    if (zmq_msg_send(&message, socket, flags) >= 0)
        return 0;
    int error = zmq_errno();
    zmq_msg_close(&message); /* the buffer comes back through give_back */
    errno = error;
    return -1;
}

int precis_msgpool_send(precis_msgpool_t *self, void *socket, const void *data,
                        size_t size, int flags)
{
    if (size > INLINE_MAX) {
        void *buffer = precis_msgpool_buffer(self, size);
        memcpy(buffer, data, size);
        return precis_msgpool_send_buffer(self, socket, buffer, size, flags);
    }
    zmq_msg_t message;
    zmq_msg_init_size(&message, size);
    if (size)
        memcpy(zmq_msg_data(&message), data, size);
    if (zmq_msg_send(&message, socket, flags) >= 0)
        return 0;
    int error = zmq_errno();
    zmq_msg_close(&message);
    errno = error;
    return -1;
}

size_t precis_msgpool_made(const precis_msgpool_t *self)
{
    return self->made;
}

int precis_msgpool_test(bool verbose)
{
    int failures = 0;
#define CHECK(cond)                                                                      \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            fprintf(stderr, "msgpool test failed: %s (line %d)\n", #cond, __LINE__);     \
            failures++;                                                                  \
        }                                                                                \
    } while (0)
    char endpoint[64];
    snprintf(endpoint, sizeof endpoint, "inproc://msgpool-test-%d", getpid());
    zsock_t *pull = zsock_new_pull(endpoint);
    zsock_t *push = zsock_new_push(endpoint);
    assert(pull && push);
    zsock_set_rcvtimeo(pull, 2000);
    void *out = zsock_resolve(push);
    precis_msgpool_t *self = precis_msgpool_new();
    char text[5000];
    for (size_t i = 0; i < sizeof text; i++)
        text[i] = (char)('a' + i % 26);

    /* Frames of every size arrive as they were sent, in order, as one
       message when sent with ZMQ_SNDMORE. */
    static const size_t sizes[] = {0, 1, 32, 33, 1000, 1024, 1025, 5000};
    size_t count = sizeof sizes / sizeof *sizes;
    for (size_t i = 0; i < count; i++)
        CHECK(precis_msgpool_send(self, out, text, sizes[i],
                                  i + 1 < count ? ZMQ_SNDMORE : 0) == 0);
    for (size_t i = 0; i < count; i++) {
        zframe_t *frame = zframe_recv(pull);
        CHECK(frame && zframe_size(frame) == sizes[i] &&
              memcmp(zframe_data(frame), text, sizes[i]) == 0 &&
              zframe_more(frame) == (i + 1 < count));
        zframe_destroy(&frame);
    }
    /* 5 buffers: 1 KB for 33, 1000 and 1024 bytes, 2 KB, 8 KB. */
    CHECK(precis_msgpool_made(self) == 5);

    /* A frame written in place arrives as written, of the size given
       (less than asked for), and its buffer comes back: once one of that
       size is in the pool (the smaller ones still kept are each replaced
       as they come up: 5 at most here), a hundred more rounds make none. */
    size_t placed_made = 0;
    for (int round = 0; round < 101; round++) {
        char *in_place = precis_msgpool_buffer(self, 20000);
        memcpy(in_place, text + round % 26, 2500);
        CHECK(precis_msgpool_send_buffer(self, out, in_place, 2500, 0) == 0);
        zframe_t *placed = zframe_recv(pull);
        CHECK(placed && zframe_size(placed) == 2500 &&
              memcmp(zframe_data(placed), text + round % 26, 2500) == 0);
        zframe_destroy(&placed);
        if (round == 10)
            placed_made = precis_msgpool_made(self);
    }
    CHECK(precis_msgpool_made(self) == placed_made);

    /* Buffers the receiver has let go of are used again: a thousand more
       frames of up to 1 KB, each received before the next is sent, make
       none. */
    size_t made = precis_msgpool_made(self);
    for (int round = 0; round < 1000; round++) {
        size_t size = 40 + (size_t)round % 900;
        CHECK(precis_msgpool_send(self, out, text + round % 26, size, 0) == 0);
        zframe_t *frame = zframe_recv(pull);
        CHECK(frame && zframe_size(frame) == size &&
              memcmp(zframe_data(frame), text + round % 26, size) == 0);
        zframe_destroy(&frame);
    }
    CHECK(precis_msgpool_made(self) == made);

    /* Over TCP the sender's I/O thread gives the buffers back, while this
       thread takes them (the worker's case; run under ASan and valgrind):
       every frame arrives intact, and buffers are reused: at most 200 are
       out at once, and one is only replaced by one of a larger size (1, 2
       and 4 KB here), so 600 at most are made for 4,000 frames. */
    zsock_t *far_pull = zsock_new_pull("@tcp://127.0.0.1:*");
    assert(far_pull);
    zsock_t *far_push = zsock_new_push(zsock_endpoint(far_pull));
    assert(far_push);
    zsock_set_rcvtimeo(far_pull, 5000);
    precis_msgpool_t *far = precis_msgpool_new();
    bool intact = true;
    for (int round = 0; round < 20 && intact; round++) {
        for (int n = 0; n < 200; n++) {
            size_t size = 100 + (size_t)(round * 200 + n) % 3000;
            intact &= precis_msgpool_send(far, zsock_resolve(far_push), text + n % 26,
                                          size, 0) == 0;
        }
        for (int n = 0; n < 200 && intact; n++) {
            size_t size = 100 + (size_t)(round * 200 + n) % 3000;
            zframe_t *frame = zframe_recv(far_pull);
            intact = frame && zframe_size(frame) == size &&
                     memcmp(zframe_data(frame), text + n % 26, size) == 0;
            zframe_destroy(&frame);
        }
    }
    CHECK(intact);
    CHECK(precis_msgpool_made(far) <= 600);
    precis_msgpool_destroy(&far);
    zsock_destroy(&far_push);
    zsock_destroy(&far_pull);

    /* Frames still held by the receiver outlive the pool: destroyed
       first, it frees them when they come back (ASan and valgrind see
       no leak and no use after free). */
    for (int n = 0; n < 3; n++)
        CHECK(precis_msgpool_send(self, out, text, 2000, 0) == 0);
    zframe_t *held = zframe_recv(pull);
    CHECK(held && zframe_size(held) == 2000);
    precis_msgpool_destroy(&self);
    CHECK(self == NULL);
    CHECK(held && memcmp(zframe_data(held), text, 2000) == 0);
    zframe_destroy(&held);
    zsock_destroy(&push); /* the two frames never read go with the sockets */
    zsock_destroy(&pull);
    if (verbose && !failures)
        printf("msgpool: all checks passed\n");
    return failures;
#undef CHECK
}
