/*  precis_ingest - the front door of the pipeline, and the keeper of the
    delivery guarantee.

    A request arrives on the ROUTER as [identity][empty delimiter][body] from
    REQ clients or [identity][body] from DEALER clients; the reply goes back
    with the same envelope. An accepted article gets a delivery key, is sent
    to the normalize workers without blocking, is recorded in the ledger
    (and in the journal, synced once per batch of requests before any of
    them is answered) and stays there until the sink acknowledges its
    result. When no worker can take an article, or the ledger is full, the
    client hears "busy" and nothing is kept, so a flood cannot grow ingest's
    memory. Articles whose result is late are sent again; after
    --max-attempts they are published as errors instead (poison messages).
*/
#include "precis_ingest.h"
#include "precis_control.h"
#include "precis_journal.h"
#include "precis_ledger.h"
#include "precis_msgpack.h"
#include "precis_normalizer.h"

struct _precis_ingest_t {
    const precis_config_t *config;
    zsock_t *frontend;   /* ROUTER, public */
    zsock_t *dispatch;   /* PUSH to normalize workers */
    zsock_t *acks;       /* PULL: keys of delivered results, from the sink */
    zsock_t *results;    /* PUSH to the sink, for articles given up */
    zsock_t *normalized; /* PULL: articles back from normalize workers */
    zsock_t *summarize;  /* PUSH: ... on to summarize workers */
    precis_ledger_t *ledger;
    precis_journal_t *journal; /* NULL without --journal */
    char nonce[9];             /* makes keys unique across restarts */
    uint64_t next_key;
    precis_stats_t *stats;
    precis_control_t *control;
    /* Counters in stats, by index. */
    int accepted, rejected, busy, retried, given_up, delivered, in_flight;
};

#define COUNT(self, counter)   precis_stats_add((self)->stats, (self)->counter, 1)
#define COUNTED(self, counter) precis_stats_get((self)->stats, (self)->counter)

/* Send queue towards the normalize workers, per worker. */
#define DISPATCH_SNDHWM 1000
/* Requests answered per batch, and so per journal sync. */
#define BATCH_MAX 256
/* How often retries are looked for, in ms. */
#define TICK_MS 100

static void *encode_reply(const char *id, size_t id_len, const char *status,
                          const char *error, size_t *size_p)
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

/* Puts a recovered article back in the ledger, due at once. */
static void recover_article(void *arg, const char *key, const void *data, size_t size)
{
    precis_ingest_t *self = arg;
    precis_ledger_add(self->ledger, key, data, size, false, zclock_mono());
}

static bool bind_sockets(precis_ingest_t *self)
{
    const precis_config_t *config = self->config;
    self->frontend = zsock_new(ZMQ_ROUTER);
    /* Frames far over the request limit are refused by libzmq before they
       are read into memory; those in between get a rejection with a reason. */
    size_t socket_limit = config->max_bytes * 2 + 4096;
    zsock_set_maxmsgsize(self->frontend,
                         socket_limit > INT_MAX ? INT_MAX : (int)socket_limit);
    zsock_set_linger(self->frontend, 1000);
    precis_curve_server(self->frontend);
    if (zsock_bind(self->frontend, "%s", config->ingest_endpoint) == -1) {
        zsys_error("cannot bind %s: %s", config->ingest_endpoint,
                   zmq_strerror(zmq_errno()));
        return false;
    }
    self->dispatch = zsock_new(ZMQ_PUSH);
    zsock_set_sndhwm(self->dispatch, DISPATCH_SNDHWM);
    precis_socket_tune(self->dispatch);
    zsock_set_linger(self->dispatch, 0); /* the ledger, not the socket, keeps articles */
    precis_curve_server(self->dispatch);
    if (zsock_bind(self->dispatch, "%s", config->normalize_endpoint) == -1) {
        zsys_error("cannot bind %s: %s", config->normalize_endpoint,
                   zmq_strerror(zmq_errno()));
        return false;
    }
    self->acks = precis_socket_new(ZMQ_PULL, config->acks_endpoint, true);
    self->results = precis_socket_new(ZMQ_PUSH, config->results_endpoint, false);
    /* Normalized articles pass through the hub on their way to the summarize
       workers, so that workers of both stages connect to one place. The hub
       forwards them itself rather than with a zproxy so that the sockets get
       the same tuning as every other (a vanished worker host is dropped in
       seconds) and so that it stops reading when no summarize worker can
       take more. */
    self->normalized = precis_socket_new(ZMQ_PULL, config->normalized_endpoint, true);
    self->summarize = precis_socket_new(ZMQ_PUSH, config->summarize_endpoint, true);
    if (self->summarize)
        zsock_set_sndhwm(self->summarize, DISPATCH_SNDHWM);
    return self->acks && self->results && self->normalized && self->summarize;
}

precis_ingest_t *precis_ingest_new(const precis_config_t *config)
{
    precis_ingest_t *self = calloc(1, sizeof *self);
    assert(self);
    self->config = config;
    self->ledger = precis_ledger_new(config->retry_ms, (uint32_t)config->max_attempts);
    self->stats = precis_stats_new("ingest");
    self->accepted = precis_stats_counter(self->stats, "accepted", "articles accepted");
    self->rejected = precis_stats_counter(self->stats, "rejected", "requests rejected");
    self->busy = precis_stats_counter(self->stats, "busy", "requests answered busy");
    self->retried = precis_stats_counter(self->stats, "retried", "articles sent again");
    self->given_up = precis_stats_counter(self->stats, "given_up", "articles given up");
    self->delivered =
        precis_stats_counter(self->stats, "delivered", "results acknowledged");
    self->in_flight =
        precis_stats_counter(self->stats, "in_flight", "articles in flight");
    zuuid_t *uuid = zuuid_new();
    snprintf(self->nonce, sizeof self->nonce, "%.8s", zuuid_str(uuid));
    zuuid_destroy(&uuid);
    self->control = precis_control_new(config, self->stats);
    if (!self->control || !bind_sockets(self)) {
        precis_ingest_destroy(&self);
        return NULL;
    }
    if (config->journal_dir) {
        self->journal = precis_journal_new(config->journal_dir);
        if (!self->journal) {
            precis_ingest_destroy(&self);
            return NULL;
        }
        long recovered = precis_journal_recover(self->journal, recover_article, self);
        if (recovered > 0)
            zsys_info("recovered %ld undelivered articles from the journal in %s",
                      recovered, config->journal_dir);
    }
    return self;
}

void precis_ingest_destroy(precis_ingest_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    precis_ingest_t *self = *self_p;
    zsock_destroy(&self->normalized);
    zsock_destroy(&self->summarize);
    zsock_destroy(&self->dispatch);
    zsock_destroy(&self->frontend);
    zsock_destroy(&self->acks);
    zsock_destroy(&self->results);
    precis_journal_destroy(&self->journal);
    precis_ledger_destroy(&self->ledger);
    precis_control_destroy(&self->control);
    precis_stats_destroy(&self->stats);
    free(self);
    *self_p = NULL;
}

/* Validates the body into article; returns NULL or the rejection reason. */
static const char *validate(precis_ingest_t *self, precis_article_t *article,
                            const void *data, size_t size, char *error)
{
    if (size > self->config->max_bytes) {
        snprintf(error, PRECIS_ERROR_SIZE,
                 "request is %zu bytes, over the limit of %zu bytes", size,
                 self->config->max_bytes);
        return error;
    }
    if (precis_article_decode(article, data, size, self->config->max_text, error) != 0)
        return error;
    if (precis_article_check_utf8(article, precis_utf8_valid, error) != 0)
        return error;
    return NULL;
}

/* Sends a valid article on and records it; returns NULL or why it is busy. */
static const char *admit(precis_ingest_t *self, precis_article_t *article)
{
    if (precis_ledger_size(self->ledger) >= (size_t)self->config->max_inflight)
        return "the pipeline is full (too many articles in flight); retry later";
    if (!article->id.ptr)
        precis_article_generate_id(article);
    char key[64];
    int key_len = snprintf(key, sizeof key, "%s-%llu", self->nonce,
                           (unsigned long long)++self->next_key);
    precis_str_set(&article->key, key, (size_t)key_len);
    article->received_us = precis_now_us();
    article->attempt = 1;
    size_t size;
    void *data = precis_article_encode(article, &size);
    int rc = zmq_send(zsock_resolve(self->dispatch), data, size, ZMQ_DONTWAIT);
    if (rc != -1) {
        precis_ledger_add(self->ledger, key, data, size, true, zclock_mono());
        if (self->journal && precis_journal_append(self->journal, key, data, size) != 0)
            zsys_error("journal append failed for %s", key);
    }
    free(data);
    return rc == -1 ? "no normalize worker can take the article now; retry later" : NULL;
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
        COUNT(self, rejected);
        zsys_notice("rejected %s: %s", article->id.ptr ? article->id.ptr : "(no id)",
                    reason);
    } else if ((reason = admit(self, article))) {
        status = "busy";
        COUNT(self, busy);
        precis_debug("busy: %s", article->id.ptr ? article->id.ptr : "(no id)");
    } else {
        COUNT(self, accepted);
        precis_debug("accepted %s as %s", article->id.ptr, article->key.ptr);
    }
    void *reply = encode_reply(article->id.ptr, article->id.len, status, reason, size_p);
    precis_article_destroy(&article);
    return reply;
}

/* Builds the answer to one message from the ROUTER: [identity][delimiter?][body]. */
static zmsg_t *answer_one(precis_ingest_t *self, zmsg_t *msg)
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
        COUNT(self, rejected);
        reply = encode_reply(NULL, 0, "rejected", error, &reply_size);
    } else {
        zframe_t *body = zmsg_first(msg);
        reply =
            precis_ingest_handle(self, zframe_data(body), zframe_size(body), &reply_size);
    }
    zmsg_t *answer = zmsg_new();
    zmsg_append(answer, &identity);
    if (delimiter)
        zmsg_append(answer, &delimiter);
    zmsg_addmem(answer, reply, reply_size);
    free(reply);
    return answer;
}

/* Handles the requests waiting on the frontend, up to a batch; the journal
   is synced once for all of them before any answer goes out, so that
   "accepted" always means "on disk". */
static void serve_batch(precis_ingest_t *self)
{
    zmsg_t *answers[BATCH_MAX];
    size_t count = 0;
    uint64_t accepted_before = COUNTED(self, accepted);
    while (count < BATCH_MAX && (zsock_events(self->frontend) & ZMQ_POLLIN)) {
        zmsg_t *msg = zmsg_recv(self->frontend);
        if (!msg)
            break;
        int64_t start = zclock_usecs();
        if (zmsg_size(msg) >= 2)
            answers[count++] = answer_one(self, msg);
        precis_stats_latency(self->stats, zclock_usecs() - start);
        zmsg_destroy(&msg);
    }
    if (self->journal && COUNTED(self, accepted) != accepted_before)
        precis_journal_sync(self->journal);
    /* A client that does not read its replies fills its own queue; the
       ROUTER then drops its replies instead of blocking everyone. */
    for (size_t i = 0; i < count; i++)
        zmsg_send(&answers[i], self->frontend);
}

/* Moves normalized articles on to the summarize workers, as many as they
   can take now, without copying them (zmq_msg_t). Returns false when the
   workers are full, so that the caller stops polling for more. */
static bool forward_normalized(precis_ingest_t *self)
{
    void *from = zsock_resolve(self->normalized), *to = zsock_resolve(self->summarize);
    for (int moved = 0; moved < BATCH_MAX; moved++) {
        if (!(zsock_events(self->summarize) & ZMQ_POLLOUT))
            return false;
        zmq_msg_t msg;
        zmq_msg_init(&msg);
        if (zmq_msg_recv(&msg, from, ZMQ_DONTWAIT) == -1) {
            zmq_msg_close(&msg);
            break;
        }
        if (zmq_msg_send(&msg, to, ZMQ_DONTWAIT) == -1) {
            /* Dropped: the ledger sends the article again later. */
            zmq_msg_close(&msg);
            return false;
        }
    }
    return true;
}

/* Drops delivered articles from the ledger and the journal. */
static void take_acks(precis_ingest_t *self)
{
    while (zsock_events(self->acks) & ZMQ_POLLIN) {
        char *key = zstr_recv(self->acks);
        if (!key)
            break;
        if (precis_ledger_remove(self->ledger, key)) {
            COUNT(self, delivered);
            if (self->journal)
                precis_journal_done(self->journal, key);
        }
        zstr_free(&key);
    }
}

/* Publishes an error in place of an article that failed every attempt. */
static bool give_up(precis_ingest_t *self, precis_ledger_entry_t *entry)
{
    char error[PRECIS_ERROR_SIZE];
    precis_article_t *article = precis_article_new();
    precis_article_decode(article, entry->data, entry->size, 0, error);
    snprintf(error, sizeof error,
             "no result after %u attempts (the article may crash or stall the workers)",
             entry->attempts);
    precis_result_t *result = precis_result_new_error(article, "ingest", "poison", error);
    size_t size;
    void *data = precis_result_encode(result, &size);
    int rc = zmq_send(zsock_resolve(self->results), data, size, ZMQ_DONTWAIT);
    if (rc != -1 && !entry->gave_up) {
        zsys_warning("giving up on %s (%s): %s", article->id.ptr, entry->key, error);
        entry->gave_up = true;
        COUNT(self, given_up);
    }
    free(data);
    precis_result_destroy(&result);
    precis_article_destroy(&article);
    return rc != -1;
}

static bool resend(void *arg, precis_ledger_entry_t *entry)
{
    precis_ingest_t *self = arg;
    if (entry->gave_up || precis_ledger_exhausted(self->ledger, entry))
        return give_up(self, entry);
    if (zmq_send(zsock_resolve(self->dispatch), entry->data, entry->size, ZMQ_DONTWAIT) ==
        -1)
        return false;
    if (entry->attempts > 0) {
        COUNT(self, retried);
        precis_debug("sending %s again (attempt %u)", entry->key, entry->attempts + 1);
    }
    return true;
}

/* Walks the ledger for journal compaction. */
typedef struct {
    precis_ledger_t *ledger;
    bool started;
} live_cursor_t;

static int next_live(void *arg, const char **key, const void **data, size_t *size)
{
    live_cursor_t *cursor = arg;
    precis_ledger_entry_t *entry = cursor->started ? precis_ledger_next(cursor->ledger)
                                                   : precis_ledger_first(cursor->ledger);
    cursor->started = true;
    if (!entry)
        return -1;
    *key = entry->key;
    *data = entry->data;
    *size = entry->size;
    return 0;
}

static void maintain(precis_ingest_t *self)
{
    precis_stats_set(self->stats, self->in_flight, precis_ledger_size(self->ledger));
    precis_ledger_resend_due(self->ledger, zclock_mono(), resend, self);
    if (self->journal && precis_journal_wants_compaction(
                             self->journal, precis_ledger_size(self->ledger))) {
        live_cursor_t cursor = {self->ledger, false};
        precis_journal_compact(self->journal, next_live, &cursor);
    }
}

int precis_ingest_run(precis_ingest_t *self)
{
    zsys_info(
        "ingest ready: clients on %s, normalize workers on %s, summarize workers on "
        "%s (from %s), acknowledgements on %s%s%s",
        self->config->ingest_endpoint, self->config->normalize_endpoint,
        self->config->summarize_endpoint, self->config->normalized_endpoint,
        self->config->acks_endpoint, self->journal ? ", journal in " : "",
        self->journal ? self->config->journal_dir : "");
    zpoller_t *poller = zpoller_new(self->frontend, self->acks, self->normalized, NULL);
    bool forwarding = true; /* false while the summarize workers are full */
    zsock_t *control = precis_control_socket(self->control);
    if (control)
        zpoller_add(poller, control);
    /* SIGTERM must not stop the poller: ingest drains before it exits. */
    zpoller_set_nonstop(poller, true);
    int64_t next_tick = zclock_mono() + TICK_MS, drain_until = 0;
    while (true) {
        if (zsys_interrupted && !drain_until) {
            /* Stop taking articles; wait for those in flight to be delivered. */
            zpoller_remove(poller, self->frontend);
            drain_until = zclock_mono() + (int64_t)(self->config->drain * 1000);
            zsys_info("draining %zu articles in flight",
                      precis_ledger_size(self->ledger));
        }
        if (drain_until &&
            (precis_ledger_size(self->ledger) == 0 || zclock_mono() >= drain_until))
            break;
        int64_t wait = next_tick - zclock_mono();
        void *ready = zpoller_wait(poller, wait > 0 ? (int)wait : 0);
        if (ready == self->frontend)
            serve_batch(self);
        else if (ready == self->acks)
            take_acks(self);
        else if (ready == self->normalized && !forward_normalized(self)) {
            zpoller_remove(poller, self->normalized);
            forwarding = false;
        } else if (ready && ready == control)
            precis_control_handle(self->control);
        if (zclock_mono() >= next_tick) {
            if (!forwarding && (zsock_events(self->summarize) & ZMQ_POLLOUT)) {
                zpoller_add(poller, self->normalized);
                forwarding = true;
            }
            maintain(self);
            next_tick = zclock_mono() + TICK_MS;
        }
    }
    zpoller_destroy(&poller);
    zsys_info("ingest stopping: %llu accepted, %llu delivered, %llu rejected, %llu busy, "
              "%llu retried, %llu given up, %zu still in flight%s",
              (unsigned long long)COUNTED(self, accepted),
              (unsigned long long)COUNTED(self, delivered),
              (unsigned long long)COUNTED(self, rejected),
              (unsigned long long)COUNTED(self, busy),
              (unsigned long long)COUNTED(self, retried),
              (unsigned long long)COUNTED(self, given_up),
              precis_ledger_size(self->ledger),
              self->journal ? " (kept in the journal)" : " (lost: no journal)");
    return 0;
}

/* Decodes a reply for the test; returns the status, fills error. */
static char *reply_status(const void *data, size_t size, char *error)
{
    msgpack_unpacked unpacked;
    msgpack_unpacked_init(&unpacked);
    char *status = NULL;
    error[0] = 0;
    if (precis_mp_unpack(&unpacked, data, size, 4)) {
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

static int expect_status(precis_ingest_t *self, const void *request, size_t size,
                         const char *expected, const char *reason_part)
{
    char error[PRECIS_ERROR_SIZE];
    size_t reply_size;
    void *reply = precis_ingest_handle(self, request, size, &reply_size);
    char *status = reply_status(reply, reply_size, error);
    int failed = !status || strcmp(status, expected) != 0 ||
                 (reason_part && !strstr(error, reason_part));
    if (failed)
        fprintf(stderr, "ingest test: expected %s (%s), got %s (%s)\n", expected,
                reason_part ? reason_part : "", status, error);
    free(status);
    free(reply);
    return failed;
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
    config.acks_endpoint = "inproc://ingest-test-acks";
    config.results_endpoint = "inproc://ingest-test-results";
    config.max_bytes = 200;
    config.max_inflight = 2;
    precis_ingest_t *self = precis_ingest_new(&config);
    assert(self);
    char error[PRECIS_ERROR_SIZE];
    const char request[] = "\x81\xa4text\xa5Hello"; /* {"text": "Hello"} */

    /* No normalize worker yet: busy, and nothing is kept. */
    failures +=
        expect_status(self, request, sizeof request - 1, "busy", "no normalize worker");
    if (precis_ledger_size(self->ledger) != 0) {
        fprintf(stderr, "ingest test: a busy article was kept\n");
        failures++;
    }

    /* With a worker connected the article is accepted, arrives there with a
       key, and stays in the ledger until its key is acknowledged. */
    zsock_t *worker = zsock_new_pull(">inproc://ingest-test-normalize");
    zclock_sleep(50);
    failures += expect_status(self, request, sizeof request - 1, "accepted", NULL);
    zframe_t *frame = zframe_recv(worker);
    precis_article_t *article = precis_article_new();
    if (!frame ||
        precis_article_decode(article, zframe_data(frame), zframe_size(frame), 0,
                              error) != 0 ||
        article->id.len != 32 || !article->key.ptr || article->received_us == 0) {
        fprintf(stderr, "ingest test: the worker did not get a complete article\n");
        failures++;
    }
    zframe_destroy(&frame);

    /* The ledger bounds what is in flight: the third article is busy. */
    failures += expect_status(self, request, sizeof request - 1, "accepted", NULL);
    failures +=
        expect_status(self, request, sizeof request - 1, "busy", "pipeline is full");
    zsock_t *sink = zsock_new_push(">inproc://ingest-test-acks");
    zstr_send(sink, article->key.ptr ? article->key.ptr : "");
    zclock_sleep(50);
    take_acks(self);
    if (precis_ledger_size(self->ledger) != 1 || COUNTED(self, delivered) != 1) {
        fprintf(stderr, "ingest test: an acknowledged article stayed in the ledger\n");
        failures++;
    }
    precis_article_destroy(&article);

    /* Invalid UTF-8 and oversize requests are rejected with reasons. */
    const char bad_utf8[] = "\x81\xa4text\xa3\x61\xff\x62";
    failures +=
        expect_status(self, bad_utf8, sizeof bad_utf8 - 1, "rejected", "not valid UTF-8");
    char big[300];
    memset(big, 0xc0, sizeof big);
    failures += expect_status(self, big, sizeof big, "rejected", "over the limit");
    zsock_destroy(&sink);
    zsock_destroy(&worker);
    precis_ingest_destroy(&self);
    return failures;
}
