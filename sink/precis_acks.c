/*  precis_acks - the sink's acknowledgements to ingest, one message per
    shard for each batch of results. */
#include "precis_acks.h"
#include "precis_config.h"
#include "precis_shards.h"
#include "precis_worker.h"

/* Messages queued for an ingest that is away before they are dropped (and
   ingest's retry makes up for them). What waits is bounded anyway by the
   results in flight for that shard: it stops dispatching while away. */
#define ACKS_SNDHWM 100000

/* One shard's keys: NUL-terminated, one after the other. */
typedef struct {
    zsock_t *socket;
    char *keys;
    size_t used, room, count;
} shard_t;

struct _precis_acks_t {
    shard_t shards[PRECIS_SHARDS_MAX];
    size_t shard_count;
    bool misrouted; /* a key of a shard with no endpoint was said */
};

precis_acks_t *precis_acks_new(const char *endpoints)
{
    size_t count = precis_shards_count(endpoints);
    if (count == 0 || count > PRECIS_SHARDS_MAX)
        return NULL;
    precis_acks_t *self = calloc(1, sizeof *self);
    assert(self);
    self->shard_count = count;
    for (size_t i = 0; i < count; i++) {
        char *endpoint = precis_shards_endpoint(endpoints, i);
        /* The mark is set before the connect, where the session copies it
           (precis_socket_new_hwm). */
        self->shards[i].socket =
            precis_socket_new_hwm(ZMQ_PUSH, endpoint, false, ACKS_SNDHWM, 0);
        free(endpoint);
        if (!self->shards[i].socket) {
            precis_acks_destroy(&self);
            return NULL;
        }
    }
    return self;
}

void precis_acks_destroy(precis_acks_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    precis_acks_t *self = *self_p;
    for (size_t i = 0; i < self->shard_count; i++) {
        zsock_destroy(&self->shards[i].socket);
        free(self->shards[i].keys);
    }
    free(self);
    *self_p = NULL;
}

size_t precis_acks_shards(const precis_acks_t *self)
{
    return self->shard_count;
}

void precis_acks_add(precis_acks_t *self, const char *key)
{
    if (!key)
        return;
    unsigned number = precis_shards_of_key(key);
    size_t index = number > 0 ? number - 1 : 0;
    if (index >= self->shard_count) {
        if (!self->misrouted)
            zsys_error("sink: %s is a key of ingest shard %u, but --acks-endpoint names "
                       "%zu endpoint(s): its acknowledgements are dropped (ingest will "
                       "retry and give it up); give the sink every shard's endpoint",
                       key, number, self->shard_count);
        self->misrouted = true;
        return;
    }
    shard_t *shard = &self->shards[index];
    size_t size = strlen(key) + 1;
    if (shard->used + size > shard->room) {
        shard->room = (shard->used + size) * 2;
        shard->keys = realloc(shard->keys, shard->room);
        assert(shard->keys);
    }
    memcpy(shard->keys + shard->used, key, size);
    shard->used += size;
    shard->count++;
}

size_t precis_acks_held(const precis_acks_t *self)
{
    size_t held = 0;
    for (size_t i = 0; i < self->shard_count; i++)
        held += self->shards[i].count;
    return held;
}

/* One shard's keys as one message. Once its first frame is queued the rest
   are too (libzmq takes a message whole or not at all). */
static size_t flush_shard(shard_t *shard)
{
    void *socket = zsock_resolve(shard->socket);
    size_t sent = 0;
    const char *key = shard->keys;
    for (size_t i = 0; i < shard->count; i++) {
        size_t len = strlen(key);
        int flags = ZMQ_DONTWAIT | (i + 1 < shard->count ? ZMQ_SNDMORE : 0);
        if (zmq_send(socket, key, len, flags) == -1) {
            precis_debug("%zu acknowledgements not sent: ingest is away", shard->count);
            break;
        }
        sent++;
        key += len + 1;
    }
    shard->used = shard->count = 0;
    return sent;
}

size_t precis_acks_flush(precis_acks_t *self)
{
    size_t sent = 0;
    for (size_t i = 0; i < self->shard_count; i++)
        if (self->shards[i].count)
            sent += flush_shard(&self->shards[i]);
    return sent;
}

void precis_acks_read_message(zsock_t *sock, char *text, size_t size)
{
    text[0] = 0;
    zsock_set_rcvtimeo(sock, 100);
    zmsg_t *msg = zmsg_recv(sock);
    for (zframe_t *frame = msg ? zmsg_first(msg) : NULL; frame; frame = zmsg_next(msg)) {
        size_t used = strlen(text);
        snprintf(text + used, size - used, "%s%.*s", used ? " " : "",
                 (int)zframe_size(frame), (const char *)zframe_data(frame));
    }
    zmsg_destroy(&msg);
}

/* ---- self test ----------------------------------------------------------- */

int precis_acks_test(bool verbose)
{
    int failures = 0;
    char one[64], two[64], list[160], text[256];
    snprintf(one, sizeof one, "inproc://acks-test-1-%d", getpid());
    snprintf(two, sizeof two, "inproc://acks-test-2-%d", getpid());
    snprintf(list, sizeof list, "%s,%s", one, two);
    zsock_t *ingest1 = zsock_new(ZMQ_PULL), *ingest2 = zsock_new(ZMQ_PULL);
    assert(ingest1 && ingest2);
    zsock_bind(ingest1, "%s", one);
    zsock_bind(ingest2, "%s", two);
    precis_acks_t *self = precis_acks_new(list);
    assert(self && precis_acks_shards(self) == 2);

    /* Nothing held: nothing sent. */
    if (precis_acks_flush(self) != 0) {
        fprintf(stderr, "acks: an empty flush sent something\n");
        failures++;
    }
    /* Each shard's keys as one message, in order; a key without a shard to
       the first; a key of a third shard dropped. */
    const char *keys[] = {"1:a", "2:b", "c", "1:d", "3:e", "2:f"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        precis_acks_add(self, keys[i]);
    precis_acks_add(self, NULL);
    if (precis_acks_held(self) != 5 || precis_acks_flush(self) != 5 ||
        precis_acks_held(self) != 0) {
        fprintf(stderr, "acks: 5 keys held and sent expected\n");
        failures++;
    }
    precis_acks_read_message(ingest1, text, sizeof text);
    if (strcmp(text, "1:a c 1:d") != 0) {
        fprintf(stderr, "acks: shard 1 got \"%s\"\n", text);
        failures++;
    }
    precis_acks_read_message(ingest2, text, sizeof text);
    if (strcmp(text, "2:b 2:f") != 0) {
        fprintf(stderr, "acks: shard 2 got \"%s\"\n", text);
        failures++;
    }
    /* Sent once: nothing more waits. */
    precis_acks_read_message(ingest1, text, sizeof text);
    char more[256];
    precis_acks_read_message(ingest2, more, sizeof more);
    if (*text || *more) {
        fprintf(stderr, "acks: more came: \"%s\", \"%s\"\n", text, more);
        failures++;
    }
    /* Held keys of a destroyed sender are dropped, not leaked (valgrind). */
    precis_acks_add(self, "1:g");
    precis_acks_destroy(&self);
    if (precis_acks_new("") != NULL) {
        fprintf(stderr, "acks: an empty endpoint list made a sender\n");
        failures++;
    }
    zsock_destroy(&ingest1);
    zsock_destroy(&ingest2);
    if (verbose)
        printf("acks: %s\n", failures ? "FAILED" : "ok");
    return failures;
}
