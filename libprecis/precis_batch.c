/*  precis_batch - several messages in one frame: a batch frame. */
#include "precis_batch.h"
#include "precis_msgpack.h"

/* Room kept in front of the messages for the array header. */
#define HEADER_ROOM PRECIS_BATCH_HEADER_MAX

struct _precis_batch_t {
    unsigned char *buffer; /* HEADER_ROOM bytes, then the messages */
    size_t used;           /* bytes of messages after the room */
    size_t capacity;       /* bytes of messages the buffer holds */
    size_t count;
};

precis_batch_t *precis_batch_new(void)
{
    precis_batch_t *self = calloc(1, sizeof *self);
    assert(self);
    return self;
}

void precis_batch_destroy(precis_batch_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free((*self_p)->buffer);
    free(*self_p);
    *self_p = NULL;
}

void precis_batch_add(precis_batch_t *self, const void *data, size_t size)
{
    if (self->used + size > self->capacity) {
        /* 64 KB first: 16 articles of a few KB fit without growing. */
        size_t capacity = self->capacity ? self->capacity : 65536;
        while (capacity < self->used + size)
            capacity *= 2;
        self->buffer = realloc(self->buffer, HEADER_ROOM + capacity);
        assert(self->buffer);
        self->capacity = capacity;
    }
    memcpy(self->buffer + HEADER_ROOM + self->used, data, size);
    self->used += size;
    self->count++;
}

size_t precis_batch_count(const precis_batch_t *self)
{
    return self->count;
}

size_t precis_batch_bytes(const precis_batch_t *self)
{
    return self->used;
}

size_t precis_batch_header_size(size_t n)
{
    return n < 16 ? 1 : n < 65536 ? 3 : 5;
}

size_t precis_batch_header(unsigned char *at, size_t n)
{
    size_t size = precis_batch_header_size(n);
    if (size == 1)
        at[0] = (unsigned char)(0x90 | n);
    else {
        at[0] = size == 3 ? 0xdc : 0xdd;
        for (size_t i = 1; i < size; i++)
            at[i] = (unsigned char)(n >> (8 * (size - 1 - i)));
    }
    return size;
}

bool precis_batch_is(const void *data, size_t size)
{
    const unsigned char *at = data;
    return size > 0 && ((at[0] & 0xf0) == 0x90 || at[0] == 0xdc || at[0] == 0xdd);
}

/* Writes the array header right before the messages; returns where the
   frame starts (the header's first byte). */
static unsigned char *write_header(precis_batch_t *self)
{
    unsigned char *start =
        self->buffer + HEADER_ROOM - precis_batch_header_size(self->count);
    precis_batch_header(start, self->count);
    return start;
}

static void free_buffer(void *data, void *hint)
{
    (void)data;
    free(hint);
}

/* Forgets the buffer (now owned elsewhere) and the messages. */
static void reset(precis_batch_t *self)
{
    self->buffer = NULL;
    self->used = self->capacity = self->count = 0;
}

int precis_batch_msg(precis_batch_t *self, zmq_msg_t *msg)
{
    if (self->count == 0)
        return -1;
    unsigned char *start = write_header(self);
    size_t size = (size_t)(self->buffer + HEADER_ROOM + self->used - start);
    /* Fails only on a NULL data pointer with a free function: never here. */
    int rc = zmq_msg_init_data(msg, start, size, free_buffer, self->buffer);
    reset(self);
    return rc;
}

zframe_t *precis_batch_frame(precis_batch_t *self)
{
    if (self->count == 0)
        return NULL;
    unsigned char *start = write_header(self);
    zframe_t *frame =
        zframe_new(start, (size_t)(self->buffer + HEADER_ROOM + self->used - start));
    assert(frame);
    self->used = self->count = 0; /* the buffer is kept for the next batch */
    return frame;
}

int64_t precis_batch_open(precis_batch_reader_t *reader, const void *data, size_t size)
{
    const unsigned char *at = data, *end = at + size;
    *reader = (precis_batch_reader_t){NULL, NULL, 0, NULL, 0};
    if (!precis_batch_is(data, size))
        return -1; /* not an array: a single message */
    uint32_t n;
    if ((at[0] & 0xf0) == 0x90) {
        n = at[0] & 0x0f;
        at += 1;
    } else if (at[0] == 0xdc && size >= 3) {
        n = (uint32_t)at[1] << 8 | at[2];
        at += 3;
    } else if (at[0] == 0xdd && size >= 5) {
        n = (uint32_t)at[1] << 24 | (uint32_t)at[2] << 16 | (uint32_t)at[3] << 8 | at[4];
        at += 5;
    } else {
        reader->error = "the batch frame's array header is cut short";
        return -1;
    }
    reader->declared = n;
    if (n > PRECIS_BATCH_MAX) {
        reader->error = "a batch frame declares more messages than "
                        "the limit";
        return -1;
    }
    /* Each element is at least one byte. */
    if (n > (size_t)(end - at)) {
        reader->error = "a batch frame declares more messages than its bytes hold";
        return -1;
    }
    reader->at = at;
    reader->end = end;
    reader->left = n;
    return n;
}

size_t precis_batch_messages(const void *data, size_t size)
{
    precis_batch_reader_t reader;
    int64_t count = precis_batch_open(&reader, data, size);
    return count >= 0 ? (size_t)count : 1;
}

bool precis_batch_next(precis_batch_reader_t *reader, const void **data, size_t *size)
{
    if (reader->error)
        return false;
    if (reader->left == 0) {
        if (reader->at != reader->end)
            reader->error = "bytes follow the last message of a batch frame";
        return false;
    }
    const unsigned char *start = reader->at, *at = start;
    if (!precis_mp_skip(&at, reader->end, PRECIS_BATCH_DEPTH)) {
        reader->error = "a message of a batch frame is cut short or malformed";
        return false;
    }
    reader->at = at;
    reader->left--;
    *data = start;
    *size = (size_t)(at - start);
    return true;
}

size_t precis_batch_each(const void *data, size_t size, precis_batch_fn *fn, void *arg,
                         const char **error)
{
    precis_batch_reader_t reader;
    size_t given = 0;
    if (precis_batch_open(&reader, data, size) == -1 && !reader.error) {
        fn(arg, data, size);
        given = 1;
    } else {
        const void *element;
        size_t element_size;
        while (precis_batch_next(&reader, &element, &element_size)) {
            fn(arg, element, element_size);
            given++;
        }
    }
    if (error)
        *error = reader.error;
    return given;
}

/* Self test ------------------------------------------------------------ */

#define CHECK(cond)                                                                      \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            fprintf(stderr, "batch test failed: %s (line %d)\n", #cond, __LINE__);       \
            failures++;                                                                  \
        }                                                                                \
    } while (0)

/* A msgpack map {"id": "a-<i>", "text": <pad bytes of 'x'>}. */
static size_t encode_message(msgpack_sbuffer *buffer, int i, size_t pad)
{
    msgpack_sbuffer_clear(buffer);
    msgpack_packer packer;
    msgpack_packer_init(&packer, buffer, msgpack_sbuffer_write);
    char id[32];
    snprintf(id, sizeof id, "a-%d", i);
    msgpack_pack_map(&packer, 2);
    precis_mp_pack_kv_str(&packer, "id", id, strlen(id));
    char *text = malloc(pad + 1);
    assert(text);
    memset(text, 'x', pad);
    precis_mp_pack_kv_str(&packer, "text", text, pad);
    free(text);
    return buffer->size;
}

/* Builds batches of n messages for n around each header form's limits,
   sends one through msgpack-c's reader and the batch reader: the same
   elements, in order, byte for byte. */
static int test_round_trip(size_t n, bool as_msg)
{
    int failures = 0;
    precis_batch_t *batch = precis_batch_new();
    msgpack_sbuffer one, all;
    msgpack_sbuffer_init(&one);
    msgpack_sbuffer_init(&all);
    for (size_t i = 0; i < n; i++) {
        encode_message(&one, (int)i, i % 7 * 300);
        precis_batch_add(batch, one.data, one.size);
        msgpack_sbuffer_write(&all, one.data, one.size);
    }
    CHECK(precis_batch_count(batch) == n);
    CHECK(precis_batch_bytes(batch) == all.size);
    zmq_msg_t msg;
    zframe_t *frame = NULL;
    const void *data;
    size_t size;
    if (as_msg) {
        CHECK(precis_batch_msg(batch, &msg) == 0);
        data = zmq_msg_data(&msg);
        size = zmq_msg_size(&msg);
    } else {
        frame = precis_batch_frame(batch);
        assert(frame);
        data = zframe_data(frame);
        size = zframe_size(frame);
    }
    CHECK(precis_batch_count(batch) == 0);
    /* msgpack-c reads it as an array of n maps. */
    msgpack_unpacked unpacked;
    msgpack_unpacked_init(&unpacked);
    CHECK(precis_mp_unpack(&unpacked, data, size, PRECIS_BATCH_DEPTH + 1));
    CHECK(unpacked.data.type == MSGPACK_OBJECT_ARRAY &&
          unpacked.data.via.array.size == n);
    msgpack_unpacked_destroy(&unpacked);
    /* The reader gives back each message's bytes. */
    precis_batch_reader_t reader;
    CHECK(precis_batch_open(&reader, data, size) == (int64_t)n);
    size_t offset = 0, taken = 0;
    const void *element;
    size_t element_size;
    while (precis_batch_next(&reader, &element, &element_size)) {
        CHECK(offset + element_size <= all.size &&
              memcmp(element, all.data + offset, element_size) == 0);
        offset += element_size;
        taken++;
    }
    CHECK(taken == n && offset == all.size && reader.error == NULL);
    if (as_msg)
        zmq_msg_close(&msg);
    zframe_destroy(&frame);
    msgpack_sbuffer_destroy(&one);
    msgpack_sbuffer_destroy(&all);
    precis_batch_destroy(&batch);
    return failures;
}

/* Frames that are not batches, or bad ones. */
static int test_malformed(void)
{
    int failures = 0;
    precis_batch_reader_t reader;
    const void *element;
    size_t size;
    /* A map is a single message: -1 without an error. */
    static const unsigned char map[] = {0x81, 0xa1, 'v', 0x01};
    CHECK(precis_batch_open(&reader, map, sizeof map) == -1 && reader.error == NULL);
    CHECK(precis_batch_open(&reader, NULL, 0) == -1 && reader.error == NULL);
    /* An empty array: a batch of none. */
    static const unsigned char empty[] = {0x90};
    CHECK(precis_batch_open(&reader, empty, 1) == 0);
    CHECK(!precis_batch_next(&reader, &element, &size) && reader.error == NULL);
    /* Headers cut short, or declaring more than the bytes or the limit. */
    static const unsigned char cut16[] = {0xdc, 0x00};
    CHECK(precis_batch_open(&reader, cut16, sizeof cut16) == -1 && reader.error);
    static const unsigned char huge[] = {0xdd, 0xff, 0xff, 0xff, 0xff, 0x01};
    CHECK(precis_batch_open(&reader, huge, sizeof huge) == -1 && reader.error);
    static const unsigned char over[] = {0xdc, 0x04, 0x01, 0x01};
    CHECK(precis_batch_open(&reader, over, sizeof over) == -1 && reader.error);
    static const unsigned char few[] = {0x93, 0x01, 0x02};
    CHECK(precis_batch_open(&reader, few, sizeof few) == -1 && reader.error);
    /* A second element cut short: the first is taken, then the error. */
    static const unsigned char second_cut[] = {0x92, 0x81, 0xa1, 'v', 0x01, 0x81, 0xa1};
    CHECK(precis_batch_open(&reader, second_cut, sizeof second_cut) == 2);
    CHECK(precis_batch_next(&reader, &element, &size) && size == 4);
    CHECK(!precis_batch_next(&reader, &element, &size) && reader.error);
    /* Bytes after the last element. */
    static const unsigned char trailing[] = {0x91, 0x01, 0x02};
    CHECK(precis_batch_open(&reader, trailing, sizeof trailing) == 1);
    CHECK(precis_batch_next(&reader, &element, &size) && size == 1);
    CHECK(!precis_batch_next(&reader, &element, &size) && reader.error);
    /* Nesting deeper than PRECIS_BATCH_DEPTH below the array. */
    unsigned char deep[PRECIS_BATCH_DEPTH + 4];
    deep[0] = 0x91;
    for (int i = 1; i <= PRECIS_BATCH_DEPTH + 1; i++)
        deep[i] = 0x91;
    deep[PRECIS_BATCH_DEPTH + 2] = 0x01;
    CHECK(precis_batch_open(&reader, deep, PRECIS_BATCH_DEPTH + 3) == 1);
    CHECK(!precis_batch_next(&reader, &element, &size) && reader.error);
    return failures;
}

/* Appends each message's size to the list at arg (for test_each). */
static void note_size(void *arg, const void *data, size_t size)
{
    (void)data;
    char *list = arg;
    snprintf(list + strlen(list), 64 - strlen(list), "%s%zu", *list ? "," : "", size);
}

/* precis_batch_each: a message whole, a batch's elements, and the
   elements before a bad one with the reason. */
static int test_each(void)
{
    int failures = 0;
    char sizes[64] = "";
    const char *error = "unset";
    static const unsigned char map[] = {0x81, 0xa1, 'v', 0x01};
    CHECK(precis_batch_each(map, sizeof map, note_size, sizes, &error) == 1 &&
          strcmp(sizes, "4") == 0 && error == NULL);
    static const unsigned char two[] = {0x92, 0x81, 0xa1, 'v', 0x01, 0x01};
    sizes[0] = 0;
    CHECK(precis_batch_each(two, sizeof two, note_size, sizes, &error) == 2 &&
          strcmp(sizes, "4,1") == 0 && error == NULL);
    static const unsigned char cut[] = {0x92, 0x01, 0x81, 0xa1};
    sizes[0] = 0;
    CHECK(precis_batch_each(cut, sizeof cut, note_size, sizes, &error) == 1 &&
          strcmp(sizes, "1") == 0 && error != NULL);
    static const unsigned char header_cut[] = {0xdc, 0x00};
    sizes[0] = 0;
    CHECK(precis_batch_each(header_cut, sizeof header_cut, note_size, sizes, &error) ==
              0 &&
          error != NULL);
    return failures;
}

/* The header writer is the packer's array header at every form's edges;
   a header declaring too many is refused, saying how many. */
static int test_header(void)
{
    int failures = 0;
    static const size_t counts[] = {0, 1, 15, 16, 65535, 65536, 70000};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        msgpack_sbuffer expected;
        msgpack_sbuffer_init(&expected);
        msgpack_packer packer;
        msgpack_packer_init(&packer, &expected, msgpack_sbuffer_write);
        msgpack_pack_array(&packer, (uint32_t)counts[i]);
        unsigned char header[PRECIS_BATCH_HEADER_MAX];
        size_t size = precis_batch_header(header, counts[i]);
        CHECK(size == expected.size && size == precis_batch_header_size(counts[i]) &&
              memcmp(header, expected.data, size) == 0);
        CHECK(precis_batch_is(header, size));
        msgpack_sbuffer_destroy(&expected);
    }
    static const unsigned char map[] = {0x81}, cut[] = {0xdc, 0x00};
    CHECK(!precis_batch_is(map, 1) && !precis_batch_is(NULL, 0) &&
          precis_batch_is(cut, 2));
    unsigned char many[PRECIS_BATCH_HEADER_MAX];
    size_t size = precis_batch_header(many, 2000);
    precis_batch_reader_t reader;
    CHECK(precis_batch_open(&reader, many, size) == -1 && reader.error &&
          reader.declared == 2000);
    CHECK(precis_batch_open(&reader, cut, sizeof cut) == -1 && reader.declared == 0);
    return failures;
}

int precis_batch_test(bool verbose)
{
    (void)verbose;
    int failures = 0;
    /* Around the fixarray / array 16 / limit boundaries. */
    static const size_t counts[] = {1, 2, 15, 16, 17, 64, 1000, PRECIS_BATCH_MAX};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        failures += test_round_trip(counts[i], false);
        failures += test_round_trip(counts[i], true);
    }
    /* A batch is reused after a frame is taken from it. */
    precis_batch_t *batch = precis_batch_new();
    static const unsigned char one[] = {0x01}, two[] = {0x02};
    precis_batch_add(batch, one, 1);
    zframe_t *frame = precis_batch_frame(batch);
    CHECK(frame && zframe_size(frame) == 2 && zframe_data(frame)[0] == 0x91);
    zframe_destroy(&frame);
    precis_batch_add(batch, two, 1);
    frame = precis_batch_frame(batch);
    CHECK(frame && zframe_size(frame) == 2 && zframe_data(frame)[1] == 0x02);
    zframe_destroy(&frame);
    CHECK(precis_batch_frame(batch) == NULL);
    zmq_msg_t msg;
    CHECK(precis_batch_msg(batch, &msg) == -1);
    precis_batch_destroy(&batch);
    /* Messages a frame carries, as the relay counts them: a map 1, a
       batch frame what its header declares (array 16 too), an empty one 0. */
    CHECK(precis_batch_messages("\x81\xa1v\x01", 4) == 1);
    CHECK(precis_batch_messages("\x93\x01\x02\x03", 4) == 3);
    unsigned char array16[3 + 17] = {0xdc, 0x00, 0x11};
    memset(array16 + 3, 0x01, 17);
    CHECK(precis_batch_messages(array16, sizeof array16) == 17);
    CHECK(precis_batch_messages(array16, 10) == 1); /* cut short: not opened */
    CHECK(precis_batch_messages("\x90", 1) == 0);
    CHECK(precis_batch_messages("", 0) == 1);
    /* Counted from the header: a batch's elements, else one. */
    static const unsigned char three[] = {0x93, 0x01, 0x02, 0x03}, map[] = {0x80},
                               array16_cut[] = {0xdc, 0x00, 0x11}, cut[] = {0xdc, 0x00};
    CHECK(precis_batch_messages(three, sizeof three) == 3);
    CHECK(precis_batch_messages(map, sizeof map) == 1);
    CHECK(precis_batch_messages(cut, sizeof cut) == 1);
    CHECK(precis_batch_messages(array16_cut, sizeof array16_cut) ==
          1); /* 17 declared, 0 there */
    failures += test_malformed();
    failures += test_header();
    failures += test_each();
    return failures ? 1 : 0;
}
