/*  precis_outbox - results held back a moment, to leave as one message. */
#include "precis_outbox.h"
#include "precis_batch.h"
#include "precis_msgpool.h"

struct _precis_outbox_t {
    zframe_t **frames; /* held, oldest first */
    size_t count, capacity;
    int64_t hold_us;
    int64_t first_us;       /* when frames[0] was added */
    precis_msgpool_t *pool; /* what the frames are sent from (precis_msgpool.h) */
    bool batch;             /* leave as one batch frame, not a frame each */
};

precis_outbox_t *precis_outbox_new(size_t capacity, int64_t hold_us)
{
    precis_outbox_t *self = calloc(1, sizeof *self);
    assert(self);
    self->capacity = capacity ? capacity : 1;
    self->frames = calloc(self->capacity, sizeof *self->frames);
    assert(self->frames);
    self->hold_us = hold_us;
    self->pool = precis_msgpool_new();
    return self;
}

precis_outbox_t *precis_outbox_new_batch(size_t capacity, int64_t hold_us)
{
    precis_outbox_t *self = precis_outbox_new(capacity, hold_us);
    self->batch = true;
    return self;
}

void precis_outbox_destroy(precis_outbox_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    precis_outbox_t *self = *self_p;
    for (size_t i = 0; i < self->count; i++)
        zframe_destroy(&self->frames[i]);
    free(self->frames);
    precis_msgpool_destroy(&self->pool);
    free(self);
    *self_p = NULL;
}

static bool due(const precis_outbox_t *self, int64_t now_us)
{
    return self->count > 0 &&
           (self->count >= self->capacity || now_us - self->first_us >= self->hold_us);
}

bool precis_outbox_add(precis_outbox_t *self, zframe_t **frame_p, int64_t now_us)
{
    /* Full already (a caller that did not flush when told): the frame
       waits its turn in a larger array rather than being dropped. */
    if (self->count == self->capacity) {
        self->capacity *= 2;
        self->frames = realloc(self->frames, self->capacity * sizeof *self->frames);
        assert(self->frames);
    }
    if (self->count == 0)
        self->first_us = now_us;
    self->frames[self->count++] = *frame_p;
    *frame_p = NULL;
    return due(self, now_us);
}

size_t precis_outbox_size(const precis_outbox_t *self)
{
    return self->count;
}

/* frames[0..count) as one frame on sock: the frame itself when count is
   1, else a batch frame of them, written straight into a buffer of the
   pool (each frame's bytes copied once, as a frame each would be). */
static int send_batch(precis_outbox_t *self, zsock_t *sock, zframe_t **frames,
                      size_t count)
{
    void *socket = zsock_resolve(sock);
    if (count == 1)
        return precis_msgpool_send(self->pool, socket, zframe_data(frames[0]),
                                   zframe_size(frames[0]), 0);
    size_t size = 5;
    for (size_t i = 0; i < count; i++)
        size += zframe_size(frames[i]);
    unsigned char *buffer = precis_msgpool_buffer(self->pool, size);
    size_t used = precis_batch_header(buffer, count);
    for (size_t i = 0; i < count; i++) {
        memcpy(buffer + used, zframe_data(frames[i]), zframe_size(frames[i]));
        used += zframe_size(frames[i]);
    }
    return precis_msgpool_send_buffer(self->pool, socket, buffer, used, 0);
}

/* Batch mode: batch frames of at most PRECIS_BATCH_MAX (what a reader
   takes; a worker that flushes when due sends one), the frames destroyed.
   Returns the frames sent: all, or those of the batches before the one
   that could not be sent. */
static size_t flush_batches(precis_outbox_t *self, zsock_t *sock, const char *name)
{
    size_t sent = 0;
    while (sent < self->count) {
        size_t count = self->count - sent;
        if (count > PRECIS_BATCH_MAX)
            count = PRECIS_BATCH_MAX;
        if (send_batch(self, sock, self->frames + sent, count) != 0) {
            zsys_error("%s worker: cannot send %zu results on: %s", name,
                       self->count - sent, zmq_strerror(zmq_errno()));
            break;
        }
        sent += count;
    }
    for (size_t i = 0; i < self->count; i++)
        zframe_destroy(&self->frames[i]);
    self->count = 0;
    return sent;
}

size_t precis_outbox_flush(precis_outbox_t *self, zsock_t *sock, const char *name)
{
    if (self->batch)
        return flush_batches(self, sock, name);
    size_t sent = 0;
    bool failed = false;
    for (size_t i = 0; i < self->count; i++) {
        /* A message's frames go out together or not at all: once one
           failed, the rest are dropped with it. */
        /* Copied into a buffer of the pool, which libzmq's I/O thread
           hands back, rather than sent as it is, which that thread would
           free against this thread's malloc arena (its lock). */
        int more = i + 1 < self->count ? ZMQ_SNDMORE : 0;
        if (!failed && precis_msgpool_send(self->pool, zsock_resolve(sock),
                                           zframe_data(self->frames[i]),
                                           zframe_size(self->frames[i]), more) == 0) {
            zframe_destroy(&self->frames[i]);
            sent++;
            continue;
        }
        if (!failed)
            zsys_error("%s worker: cannot send %zu results on: %s", name, self->count,
                       zmq_strerror(zmq_errno()));
        failed = true;
        zframe_destroy(&self->frames[i]);
    }
    self->count = 0;
    return failed ? 0 : sent;
}

/* ---- self test ----------------------------------------------------------- */

static zframe_t *numbered(int n)
{
    return zframe_new(&n, sizeof n);
}

/* The number in the next frame waiting on sock, -1 when none waits; *more
   says whether more frames of its message follow. */
static int next_number(zsock_t *sock, bool *more)
{
    zframe_t *frame = zframe_recv(sock);
    int n = -1;
    if (frame && zframe_size(frame) == sizeof n)
        memcpy(&n, zframe_data(frame), sizeof n);
    *more = frame && zframe_more(frame);
    zframe_destroy(&frame);
    return n;
}

/* Reads count frames: numbered first.. in order, one message (every
   frame but the last marked more). Returns the failures. */
static int expect_message(zsock_t *pull, int first, int count, const char *what)
{
    int failures = 0;
    for (int n = first; n < first + count; n++) {
        bool more = false;
        int got = next_number(pull, &more);
        if (got != n || more != (n + 1 < first + count)) {
            fprintf(stderr, "outbox: %s: frame %d is %d, more %d\n", what, n, got, more);
            failures++;
        }
    }
    return failures;
}

/* n as a msgpack value (uint 16), as a batch frame's elements must be. */
static zframe_t *packed(int n)
{
    unsigned char bytes[3] = {0xcd, (unsigned char)(n >> 8), (unsigned char)n};
    return zframe_new(bytes, sizeof bytes);
}

/* Reads one frame from pull: a batch frame of count elements packed(first)..
   in order, or, with count 0, the lone packed(first) as a frame of its own
   (not an array). Returns the failures. */
static int expect_batch(zsock_t *pull, int first, int count, const char *what)
{
    zframe_t *frame = zframe_recv(pull);
    if (!frame) {
        fprintf(stderr, "outbox: %s: no frame came\n", what);
        return 1;
    }
    int failures = 0;
    if (zframe_more(frame)) {
        fprintf(stderr, "outbox: %s: more than one frame in the message\n", what);
        failures++;
    }
    precis_batch_reader_t reader;
    int64_t elements = precis_batch_open(&reader, zframe_data(frame), zframe_size(frame));
    if (count == 0) {
        zframe_t *alone = packed(first);
        if (elements != -1 || !zframe_eq(frame, alone)) {
            fprintf(stderr, "outbox: %s: the lone frame is not %d as it was added\n",
                    what, first);
            failures++;
        }
        zframe_destroy(&alone);
        zframe_destroy(&frame);
        return failures;
    }
    if (elements != count) {
        fprintf(stderr, "outbox: %s: a batch of %lld, not %d\n", what,
                (long long)elements, count);
        failures++;
    }
    const void *data;
    size_t size;
    for (int n = first; elements == count && n < first + count; n++) {
        const unsigned char *bytes = NULL;
        if (precis_batch_next(&reader, &data, &size))
            bytes = data;
        if (!bytes || size != 3 || (bytes[1] << 8 | bytes[2]) != (n & 0xffff)) {
            fprintf(stderr, "outbox: %s: element %d is not %d\n", what, n - first, n);
            failures++;
            break;
        }
    }
    if (elements == count && (precis_batch_next(&reader, &data, &size) || reader.error)) {
        fprintf(stderr, "outbox: %s: the batch frame does not end after %d\n", what,
                count);
        failures++;
    }
    zframe_destroy(&frame);
    return failures;
}

/* Batch mode: what the outbox holds leaves as one batch frame, in order;
   one frame alone as itself; more than a reader takes as several. */
static int batch_test(zsock_t *push, zsock_t *pull)
{
    int failures = 0;
    precis_outbox_t *self = precis_outbox_new_batch(16, 1000000);
    bool due = false;
    for (int n = 0; n < 16; n++) {
        zframe_t *frame = packed(n);
        due = precis_outbox_add(self, &frame, 0);
        if (due != (n == 15)) {
            fprintf(stderr, "outbox: batch mode: due %d after %d frames\n", due, n + 1);
            failures++;
        }
    }
    if (precis_outbox_flush(self, push, "test") != 16) {
        fprintf(stderr, "outbox: batch mode: flush did not count 16 frames sent\n");
        failures++;
    }
    failures += expect_batch(pull, 0, 16, "a full batch of 16");
    /* Fewer: a smaller batch (a worker whose input ran dry). */
    for (int n = 100; n < 103; n++) {
        zframe_t *frame = packed(n);
        precis_outbox_add(self, &frame, 0);
    }
    precis_outbox_flush(self, push, "test");
    failures += expect_batch(pull, 100, 3, "a batch of 3");
    /* One alone: itself, a plain frame that any reader takes. */
    zframe_t *frame = packed(7);
    precis_outbox_add(self, &frame, 0);
    if (precis_outbox_flush(self, push, "test") != 1) {
        fprintf(stderr, "outbox: batch mode: a lone frame was not sent\n");
        failures++;
    }
    failures += expect_batch(pull, 7, 0, "a lone frame");
    /* Past what a reader takes in one (a caller that did not flush when
       told): two batch frames, nothing lost. */
    int over = PRECIS_BATCH_MAX + 6;
    for (int n = 0; n < over; n++) {
        frame = packed(n);
        precis_outbox_add(self, &frame, 0);
    }
    if (precis_outbox_flush(self, push, "test") != (size_t)over) {
        fprintf(stderr, "outbox: batch mode: %d frames over a batch were not sent\n",
                over);
        failures++;
    }
    failures += expect_batch(pull, 0, PRECIS_BATCH_MAX, "the first of two batches");
    failures += expect_batch(pull, PRECIS_BATCH_MAX, 6, "the second of two batches");
    /* Frames held when it goes are freed (ASan, valgrind). */
    frame = packed(1);
    precis_outbox_add(self, &frame, 0);
    precis_outbox_destroy(&self);
    return failures;
}

int precis_outbox_test(bool verbose)
{
    int failures = 0;
    char endpoint[64];
    snprintf(endpoint, sizeof endpoint, "inproc://outbox-test-%d", getpid());
    zsock_t *pull = zsock_new_pull(endpoint);
    zsock_t *push = zsock_new_push(endpoint);
    assert(pull && push);
    zsock_set_rcvtimeo(pull, 2000);

    /* Held until the outbox is full; nothing leaves before the flush. */
    precis_outbox_t *self = precis_outbox_new(3, 1000000);
    bool early = false;
    for (int n = 0; n < 2; n++) {
        zframe_t *frame = numbered(n);
        early |= precis_outbox_add(self, &frame, 10);
        if (frame) {
            fprintf(stderr, "outbox: the frame was not taken\n");
            failures++;
        }
    }
    zsock_set_rcvtimeo(pull, 0);
    bool more;
    if (early || precis_outbox_size(self) != 2 || next_number(pull, &more) != -1) {
        fprintf(stderr, "outbox: frames left or were due before the outbox was full\n");
        failures++;
    }
    zsock_set_rcvtimeo(pull, 2000);
    zframe_t *frame = numbered(2);
    if (!precis_outbox_add(self, &frame, 10)) {
        fprintf(stderr, "outbox: a full outbox is not due\n");
        failures++;
    }
    /* The three leave as the frames of one message, in order. */
    if (precis_outbox_flush(self, push, "test") != 3 || precis_outbox_size(self) != 0) {
        fprintf(stderr, "outbox: flush did not send the 3 frames\n");
        failures++;
    }
    failures += expect_message(pull, 0, 3, "a full outbox");
    precis_outbox_destroy(&self);

    /* Due once the first frame has been held hold_us, counted from the
       first frame, not the last. */
    self = precis_outbox_new(100, 1000);
    frame = numbered(0);
    bool at_start = precis_outbox_add(self, &frame, 5000);
    frame = numbered(1);
    bool before = precis_outbox_add(self, &frame, 5999);
    frame = numbered(2);
    bool after = precis_outbox_add(self, &frame, 6000);
    if (at_start || before || !after) {
        fprintf(stderr, "outbox: due %d %d %d, not 0 0 1 (hold from the first)\n",
                at_start, before, after);
        failures++;
    }
    precis_outbox_flush(self, push, "test");
    failures += expect_message(pull, 0, 3, "held too long");
    /* Empty again: the hold counts from the next first frame. */
    frame = numbered(3);
    if (precis_outbox_add(self, &frame, 9000)) {
        fprintf(stderr, "outbox: the hold was not counted from the new first frame\n");
        failures++;
    }
    /* An empty flush sends nothing. */
    precis_outbox_t *empty = precis_outbox_new(4, 1000);
    if (precis_outbox_flush(empty, push, "test") != 0) {
        fprintf(stderr, "outbox: an empty outbox sent something\n");
        failures++;
    }
    precis_outbox_destroy(&empty);
    /* Frames still held when the outbox goes are freed (ASan, valgrind). */
    precis_outbox_destroy(&self);

    /* Capacity 1: a message each, as a worker sends without batching. */
    self = precis_outbox_new(1, 1000000);
    for (int n = 0; n < 2; n++) {
        frame = numbered(n);
        if (!precis_outbox_add(self, &frame, 0) ||
            precis_outbox_flush(self, push, "test") != 1) {
            fprintf(stderr, "outbox: capacity 1 did not send frame %d at once\n", n);
            failures++;
        }
        failures += expect_message(pull, n, 1, "capacity 1");
    }
    /* A caller that adds past capacity loses nothing. */
    for (int n = 0; n < 4; n++) {
        frame = numbered(n);
        precis_outbox_add(self, &frame, 0);
    }
    if (precis_outbox_flush(self, push, "test") != 4) {
        fprintf(stderr, "outbox: frames over capacity were lost\n");
        failures++;
    }
    failures += expect_message(pull, 0, 4, "over capacity");
    precis_outbox_destroy(&self);
    failures += batch_test(push, pull);
    zsock_destroy(&push);
    zsock_destroy(&pull);
    if (verbose)
        printf("outbox: %d failures\n", failures);
    return failures;
}
