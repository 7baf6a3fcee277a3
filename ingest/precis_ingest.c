/*  precis_ingest - the front door of the pipeline.

    A request arrives on the ROUTER as [identity][empty delimiter][body] from
    REQ clients or [identity][body] from DEALER clients; the reply goes back
    with the same envelope. Accepted articles are sent to the normalize
    workers without blocking: when no worker can take one (none connected, or
    every queue full) the client hears "busy" and nothing is kept, so a flood
    cannot grow ingest's memory.
*/
#include "precis_ingest.h"
#include "precis_msgpack.h"
#include "precis_normalizer.h"

struct _precis_ingest_t {
    const precis_config_t *config;
    zsock_t *frontend; /* ROUTER, public */
    zsock_t *dispatch; /* PUSH to normalize workers */
    zactor_t *proxy;   /* normalized articles on to summarize workers */
    uint64_t accepted, rejected, busy;
};

/* Send queue towards the normalize workers, per worker. */
#define DISPATCH_SNDHWM 1000

static void *encode_reply(const char *id, size_t id_len, const char *status, const char *error,
                          size_t *size_p)
{
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init(&buffer);
    msgpack_packer packer;
    msgpack_packer_init(&packer, &buffer, msgpack_sbuffer_write);
    msgpack_pack_map(&packer, error ? 4 : 3);
    precis_mp_pack_kv_int(&packer, "v", PRECIS_PROTOCOL_VERSION);
    precis_mp_pack_kv_str(&packer, "id", id, id ? id_len : 0);
    precis_mp_pack_kv_str(&packer, "status", status, strlen(status));
    if (error)
        precis_mp_pack_kv_str(&packer, "error", error, strlen(error));
    *size_p = buffer.size;
    return buffer.data;
}

static zactor_t *start_proxy(const precis_config_t *config)
{
    zactor_t *proxy = zactor_new(zproxy, NULL);
    zstr_sendx(proxy, "FRONTEND", "PULL", config->normalized_endpoint, NULL);
    zsock_wait(proxy);
    zstr_sendx(proxy, "BACKEND", "PUSH", config->summarize_endpoint, NULL);
    zsock_wait(proxy);
    return proxy;
}

precis_ingest_t *precis_ingest_new(const precis_config_t *config)
{
    precis_ingest_t *self = calloc(1, sizeof *self);
    assert(self);
    self->config = config;
    self->frontend = zsock_new(ZMQ_ROUTER);
    /* Frames far over the request limit are refused by libzmq before they
       are read into memory; those in between get a rejection with a reason. */
    size_t socket_limit = config->max_bytes * 2 + 4096;
    zsock_set_maxmsgsize(self->frontend, socket_limit > INT_MAX ? INT_MAX : (int)socket_limit);
    zsock_set_linger(self->frontend, 1000);
    if (zsock_bind(self->frontend, "%s", config->ingest_endpoint) == -1) {
        zsys_error("cannot bind %s: %s", config->ingest_endpoint, zmq_strerror(zmq_errno()));
        precis_ingest_destroy(&self);
        return NULL;
    }
    self->dispatch = zsock_new(ZMQ_PUSH);
    zsock_set_sndhwm(self->dispatch, DISPATCH_SNDHWM);
    zsock_set_linger(self->dispatch, 2000);
    if (zsock_bind(self->dispatch, "%s", config->normalize_endpoint) == -1) {
        zsys_error("cannot bind %s: %s", config->normalize_endpoint, zmq_strerror(zmq_errno()));
        precis_ingest_destroy(&self);
        return NULL;
    }
    self->proxy = start_proxy(config);
    return self;
}

void precis_ingest_destroy(precis_ingest_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    precis_ingest_t *self = *self_p;
    zactor_destroy(&self->proxy);
    zsock_destroy(&self->dispatch);
    zsock_destroy(&self->frontend);
    free(self);
    *self_p = NULL;
}

/* Validates the body into article; returns NULL or the rejection reason. */
static const char *validate(precis_ingest_t *self, precis_article_t *article, const void *data,
                            size_t size, char *error)
{
    if (size > self->config->max_bytes) {
        snprintf(error, PRECIS_ERROR_SIZE, "request is %zu bytes, over the limit of %zu bytes",
                 size, self->config->max_bytes);
        return error;
    }
    if (precis_article_decode(article, data, size, self->config->max_text, error) != 0)
        return error;
    if (precis_article_check_utf8(article, precis_utf8_valid, error) != 0)
        return error;
    return NULL;
}

void *precis_ingest_handle(precis_ingest_t *self, const void *data, size_t size,
                           size_t *size_p)
{
    char error[PRECIS_ERROR_SIZE];
    precis_article_t *article = precis_article_new();
    const char *reason = validate(self, article, data, size, error);
    const char *status = "accepted";
    if (reason) {
        status = "rejected";
        self->rejected++;
        zsys_notice("rejected %s: %s", article->id.ptr ? article->id.ptr : "(no id)", reason);
    } else {
        if (!article->id.ptr)
            precis_article_generate_id(article);
        article->received_us = precis_now_us();
        article->attempt = 1;
        size_t encoded_size;
        void *encoded = precis_article_encode(article, &encoded_size);
        int rc = zmq_send(zsock_resolve(self->dispatch), encoded, encoded_size, ZMQ_DONTWAIT);
        free(encoded);
        if (rc == -1) {
            status = "busy";
            reason = "no normalize worker can take the article now; retry later";
            self->busy++;
            precis_debug("busy: %s", article->id.ptr);
        } else {
            self->accepted++;
            precis_debug("accepted %s", article->id.ptr);
        }
    }
    void *reply = encode_reply(article->id.ptr, article->id.len, status, reason, size_p);
    precis_article_destroy(&article);
    return reply;
}

/* Answers one message from the ROUTER: [identity][delimiter?][body]. */
static void serve_one(precis_ingest_t *self, zmsg_t *msg)
{
    zframe_t *identity = zmsg_pop(msg);
    zframe_t *delimiter = NULL;
    zframe_t *first = zmsg_first(msg);
    if (first && zframe_size(first) == 0 && zmsg_size(msg) > 1)
        delimiter = zmsg_pop(msg); /* a REQ client, or a DEALER acting like one */
    size_t reply_size;
    void *reply;
    if (zmsg_size(msg) != 1) {
        char error[PRECIS_ERROR_SIZE];
        snprintf(error, sizeof error, "a request is exactly one frame, got %zu",
                 zmsg_size(msg));
        zsys_notice("rejected a request: %s", error);
        self->rejected++;
        reply = encode_reply(NULL, 0, "rejected", error, &reply_size);
    } else {
        zframe_t *body = zmsg_first(msg);
        reply = precis_ingest_handle(self, zframe_data(body), zframe_size(body), &reply_size);
    }
    zmsg_t *answer = zmsg_new();
    zmsg_append(answer, &identity);
    if (delimiter)
        zmsg_append(answer, &delimiter);
    zmsg_addmem(answer, reply, reply_size);
    free(reply);
    /* A client that does not read its replies fills its own queue; the
       ROUTER then drops its replies instead of blocking everyone. */
    zmsg_send(&answer, self->frontend);
}

int precis_ingest_run(precis_ingest_t *self)
{
    zsys_info("ingest ready: clients on %s, normalize workers on %s, summarize workers on "
              "%s (from %s)",
              self->config->ingest_endpoint, self->config->normalize_endpoint,
              self->config->summarize_endpoint, self->config->normalized_endpoint);
    zpoller_t *poller = zpoller_new(self->frontend, NULL);
    while (!zsys_interrupted) {
        if (!zpoller_wait(poller, 500)) {
            if (zpoller_terminated(poller))
                break;
            continue;
        }
        zmsg_t *msg = zmsg_recv(self->frontend);
        if (!msg)
            continue;
        if (zmsg_size(msg) >= 2)
            serve_one(self, msg);
        zmsg_destroy(&msg);
    }
    zpoller_destroy(&poller);
    zsys_info("ingest stopping: %llu accepted, %llu rejected, %llu busy",
              (unsigned long long)self->accepted, (unsigned long long)self->rejected,
              (unsigned long long)self->busy);
    return 0;
}

/* Decodes a reply for the test; returns the status, fills error. */
static char *reply_status(const void *data, size_t size, char *error)
{
    msgpack_unpacked unpacked;
    msgpack_unpacked_init(&unpacked);
    size_t offset = 0;
    char *status = NULL;
    error[0] = 0;
    if (msgpack_unpack_next(&unpacked, data, size, &offset) == MSGPACK_UNPACK_SUCCESS) {
        const msgpack_object *value = precis_mp_lookup(&unpacked.data, "status");
        if (value && value->type == MSGPACK_OBJECT_STR)
            status = strndup(value->via.str.ptr, value->via.str.size);
        value = precis_mp_lookup(&unpacked.data, "error");
        if (value && value->type == MSGPACK_OBJECT_STR)
            snprintf(error, PRECIS_ERROR_SIZE, "%.*s", (int)value->via.str.size,
                     value->via.str.ptr);
    }
    msgpack_unpacked_destroy(&unpacked);
    return status;
}

int precis_ingest_test(bool verbose)
{
    int failures = 0;
    precis_config_t config;
    precis_config_defaults(&config, true);
    config.ingest_endpoint = "inproc://ingest-test";
    config.normalize_endpoint = "inproc://ingest-test-normalize";
    config.normalized_endpoint = "inproc://ingest-test-normalized";
    config.summarize_endpoint = "inproc://ingest-test-summarize";
    config.max_bytes = 200;
    precis_ingest_t *self = precis_ingest_new(&config);
    assert(self);
    char error[PRECIS_ERROR_SIZE];
    size_t size;
    const char request[] = "\x81\xa4text\xa5Hello"; /* {"text": "Hello"} */

    /* No normalize worker yet: busy, and nothing is queued. */
    void *reply = precis_ingest_handle(self, request, sizeof request - 1, &size);
    char *status = reply_status(reply, size, error);
    if (!status || strcmp(status, "busy") != 0) {
        fprintf(stderr, "ingest test: expected busy without workers, got %s\n", status);
        failures++;
    }
    free(status);
    free(reply);

    /* With a worker connected the article is accepted and arrives there. */
    zsock_t *worker = zsock_new_pull(">inproc://ingest-test-normalize");
    zclock_sleep(50);
    reply = precis_ingest_handle(self, request, sizeof request - 1, &size);
    status = reply_status(reply, size, error);
    if (!status || strcmp(status, "accepted") != 0) {
        fprintf(stderr, "ingest test: expected accepted, got %s (%s)\n", status, error);
        failures++;
    }
    free(status);
    free(reply);
    zframe_t *frame = zframe_recv(worker);
    precis_article_t *article = precis_article_new();
    if (!frame ||
        precis_article_decode(article, zframe_data(frame), zframe_size(frame), 0, error) != 0 ||
        article->id.len != 32 || article->received_us == 0) {
        fprintf(stderr, "ingest test: the worker did not get a complete article\n");
        failures++;
    }
    precis_article_destroy(&article);
    zframe_destroy(&frame);

    /* Invalid UTF-8 and oversize requests are rejected with reasons. */
    const char bad_utf8[] = "\x81\xa4text\xa3\x61\xff\x62";
    reply = precis_ingest_handle(self, bad_utf8, sizeof bad_utf8 - 1, &size);
    status = reply_status(reply, size, error);
    if (!status || strcmp(status, "rejected") != 0 || !strstr(error, "not valid UTF-8")) {
        fprintf(stderr, "ingest test: invalid UTF-8 not rejected (%s)\n", error);
        failures++;
    }
    free(status);
    free(reply);
    char big[300];
    memset(big, 0xc0, sizeof big);
    reply = precis_ingest_handle(self, big, sizeof big, &size);
    status = reply_status(reply, size, error);
    if (!status || strcmp(status, "rejected") != 0 || !strstr(error, "over the limit")) {
        fprintf(stderr, "ingest test: oversize request not rejected (%s)\n", error);
        failures++;
    }
    free(status);
    free(reply);
    zsock_destroy(&worker);
    precis_ingest_destroy(&self);
    return failures;
}
