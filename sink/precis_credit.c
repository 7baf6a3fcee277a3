/*  precis_credit - bounds the memory of replay answers (see the header). */
#include "precis_credit.h"
#include <assert.h>
#include <czmq.h>
#include <stdatomic.h>

/* Beyond this many remembered peers, those with nothing outstanding are
   forgotten. */
#define SWEEP_PEERS 1024

struct _precis_credit_t {
    atomic_size_t bytes; /* in flight */
    atomic_int refs;     /* the owner, plus one per answer alive */
    size_t max_bytes;
    zhashx_t *peers; /* identity in hex -> precis_credit_answer_t, main thread only */
};

struct _precis_credit_answer_t {
    atomic_int refs;   /* the builder, the peer table, each frame alive */
    atomic_int frames; /* frames ZeroMQ still holds */
    precis_credit_t *credit;
};

static void credit_unref(precis_credit_t *self)
{
    if (atomic_fetch_sub(&self->refs, 1) == 1)
        free(self);
}

static void answer_unref(precis_credit_answer_t *answer)
{
    if (atomic_fetch_sub(&answer->refs, 1) == 1) {
        credit_unref(answer->credit);
        free(answer);
    }
}

static void answer_destructor(void **item)
{
    answer_unref(*item);
    *item = NULL;
}

precis_credit_t *precis_credit_new(size_t max_bytes)
{
    assert(max_bytes > 0);
    precis_credit_t *self = calloc(1, sizeof *self);
    assert(self);
    atomic_init(&self->bytes, 0);
    atomic_init(&self->refs, 1);
    self->max_bytes = max_bytes;
    self->peers = zhashx_new();
    zhashx_set_destructor(self->peers, answer_destructor);
    return self;
}

void precis_credit_destroy(precis_credit_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    precis_credit_t *self = *self_p;
    zhashx_destroy(&self->peers);
    credit_unref(self);
    *self_p = NULL;
}

/* The peer table key: the identity in hex (identities are binary). */
static void peer_key(const void *peer, size_t size, char *key)
{
    static const char digits[] = "0123456789abcdef";
    const unsigned char *bytes = peer;
    for (size_t i = 0; i < size; i++) {
        key[2 * i] = digits[bytes[i] >> 4];
        key[2 * i + 1] = digits[bytes[i] & 15];
    }
    key[2 * size] = 0;
}

/* Forgets peers whose answers are all gone. */
static void sweep(precis_credit_t *self)
{
    zlistx_t *done = zlistx_new();
    for (precis_credit_answer_t *answer = zhashx_first(self->peers); answer;
         answer = zhashx_next(self->peers))
        if (atomic_load(&answer->frames) == 0)
            zlistx_add_end(done, (void *)zhashx_cursor(self->peers));
    for (const char *key = zlistx_first(done); key; key = zlistx_next(done))
        zhashx_delete(self->peers, key);
    zlistx_destroy(&done);
}

const char *precis_credit_refusal(precis_credit_t *self, const void *peer,
                                  size_t peer_size)
{
    char key[2 * 255 + 1];
    peer_key(peer, peer_size > 255 ? 255 : peer_size, key);
    precis_credit_answer_t *answer = zhashx_lookup(self->peers, key);
    if (answer && atomic_load(&answer->frames) > 0)
        return "the previous answer to this peer is still being sent";
    if (atomic_load(&self->bytes) >= self->max_bytes)
        return "replay answers in flight use all of --replay-max-bytes";
    return NULL;
}

size_t precis_credit_room(precis_credit_t *self)
{
    size_t bytes = atomic_load(&self->bytes);
    return bytes >= self->max_bytes ? 0 : self->max_bytes - bytes;
}

size_t precis_credit_bytes(precis_credit_t *self)
{
    return atomic_load(&self->bytes);
}

size_t precis_credit_peers(precis_credit_t *self)
{
    return zhashx_size(self->peers);
}

precis_credit_answer_t *precis_credit_begin(precis_credit_t *self, const void *peer,
                                            size_t peer_size)
{
    if (zhashx_size(self->peers) >= SWEEP_PEERS)
        sweep(self);
    precis_credit_answer_t *answer = calloc(1, sizeof *answer);
    assert(answer);
    atomic_init(&answer->refs, 2); /* the builder and the peer table */
    atomic_init(&answer->frames, 0);
    answer->credit = self;
    atomic_fetch_add(&self->refs, 1);
    char key[2 * 255 + 1];
    peer_key(peer, peer_size > 255 ? 255 : peer_size, key);
    zhashx_update(self->peers, key, answer); /* drops the peer's previous one */
    return answer;
}

/* ZeroMQ is done with a frame (sent or dropped): runs in an I/O thread. The
   frame's size is kept just before its data. */
static void frame_free(void *data, void *hint)
{
    precis_credit_answer_t *answer = hint;
    size_t *block = (size_t *)data - 1;
    atomic_fetch_sub(&answer->credit->bytes, *block + PRECIS_CREDIT_FRAME_OVERHEAD);
    free(block);
    atomic_fetch_sub(&answer->frames, 1);
    answer_unref(answer);
}

void precis_credit_frame(precis_credit_answer_t *answer, zmq_msg_t *msg, const void *data,
                         size_t size)
{
    size_t *block = malloc(sizeof(size_t) + size + 1);
    assert(block);
    *block = size;
    if (size)
        memcpy(block + 1, data, size);
    atomic_fetch_add(&answer->credit->bytes, size + PRECIS_CREDIT_FRAME_OVERHEAD);
    atomic_fetch_add(&answer->frames, 1);
    atomic_fetch_add(&answer->refs, 1);
    int rc = zmq_msg_init_data(msg, block + 1, size, frame_free, answer);
    assert(rc == 0);
    (void)rc;
}

void precis_credit_end(precis_credit_answer_t **answer_p)
{
    if (!answer_p || !*answer_p)
        return;
    answer_unref(*answer_p);
    *answer_p = NULL;
}

int precis_credit_test(bool verbose)
{
    int failures = 0;
    precis_credit_t *self = precis_credit_new(1000);
    char data[1000] = {0};
    /* An answer in flight holds its peer and its bytes. */
    precis_credit_answer_t *answer = precis_credit_begin(self, "a", 1);
    zmq_msg_t first, second;
    precis_credit_frame(answer, &first, data, 100);
    precis_credit_frame(answer, &second, data, 36);
    precis_credit_end(&answer);
    if (precis_credit_bytes(self) != 136 + 2 * PRECIS_CREDIT_FRAME_OVERHEAD ||
        !precis_credit_refusal(self, "a", 1) || precis_credit_refusal(self, "b", 1) ||
        precis_credit_room(self) != 1000 - 136 - 2 * PRECIS_CREDIT_FRAME_OVERHEAD) {
        fprintf(stderr, "credit test: an answer in flight is not counted\n");
        failures++;
    }
    /* Until its last frame is gone. */
    zmq_msg_close(&first);
    if (!precis_credit_refusal(self, "a", 1)) {
        fprintf(stderr, "credit test: a half-sent answer freed its peer\n");
        failures++;
    }
    zmq_msg_close(&second);
    if (precis_credit_bytes(self) != 0 || precis_credit_refusal(self, "a", 1)) {
        fprintf(stderr, "credit test: a sent answer still counts\n");
        failures++;
    }
    /* All peers together stay within max_bytes. */
    answer = precis_credit_begin(self, "b", 1);
    precis_credit_frame(answer, &first, data, sizeof data);
    precis_credit_end(&answer);
    if (!precis_credit_refusal(self, "c", 1) || precis_credit_room(self) != 0) {
        fprintf(stderr, "credit test: the total was not bounded\n");
        failures++;
    }
    /* A frame outlives the credit (ZeroMQ may free it later). */
    precis_credit_destroy(&self);
    zmq_msg_close(&first);
    /* Many peers: those with nothing outstanding are forgotten. */
    self = precis_credit_new(1 << 20);
    for (int i = 0; i < 3000; i++) {
        answer = precis_credit_begin(self, &i, sizeof i);
        precis_credit_frame(answer, &first, data, 10);
        precis_credit_end(&answer);
        zmq_msg_close(&first);
    }
    if (precis_credit_peers(self) > 1024 || precis_credit_bytes(self) != 0) {
        fprintf(stderr, "credit test: %zu peers remembered\n", precis_credit_peers(self));
        failures++;
    }
    precis_credit_destroy(&self);
    return failures;
}
