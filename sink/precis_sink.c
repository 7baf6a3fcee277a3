/*  precis_sink - the pipeline's way out.

    For each result: drop it if its delivery key was already published (a
    retry whose first attempt did arrive), give it the next sequence number,
    append it to the output log, publish it, append it to the JSON Lines
    file, and acknowledge its key to ingest, which then forgets the article.
    The acknowledgement goes out after the log write, so an article is never
    forgotten before its result is kept. Duplicates are acknowledged again:
    ingest may have sent the article again after a restart.

    The replay socket answers {"type": "replay", "since": N, "max": M} with
    one message: a header map, then topic and body frames of up to M results
    from sequence number N (docs/PROTOCOL.md).
*/
#include "precis_sink.h"
#include "precis_control.h"
#include "precis_msgpack.h"
#include "precis_outlog.h"
#include "precis_seen.h"

/* Delivery keys remembered for deduplication. */
#define SEEN_CAPACITY (1u << 20)
/* Most results in one replay answer. */
#define REPLAY_MAX 1000

struct _precis_sink_t {
    const precis_config_t *config;
    zsock_t *results; /* PULL from summarize workers (and ingest) */
    zsock_t *output;  /* PUB, public */
    zsock_t *acks;    /* PUSH to ingest */
    zsock_t *replay;  /* ROUTER, public; NULL without an output log */
    precis_outlog_t *log;
    precis_seen_t *seen;
    FILE *jsonl;
    uint64_t next_seq;
    precis_stats_t *stats;
    precis_control_t *control;
    int received, published, duplicates, invalid; /* counters in stats */
};

/* Rebuilds the set of published keys from the output log. */
static void remember_key(void *arg, uint64_t seq, const char *topic, const void *body,
                         size_t size)
{
    precis_sink_t *self = arg;
    char error[PRECIS_ERROR_SIZE];
    precis_result_t *result = precis_result_decode(body, size, error);
    if (result && result->key)
        precis_seen_add(self->seen, result->key);
    precis_result_destroy(&result);
}

static bool open_files(precis_sink_t *self)
{
    const precis_config_t *config = self->config;
    if (config->out_log) {
        self->log =
            precis_outlog_new(config->out_log, config->log_max_bytes, remember_key, self);
        if (!self->log)
            return false;
        self->next_seq = precis_outlog_next_seq(self->log);
        self->replay = precis_socket_new(ZMQ_ROUTER, config->replay_endpoint, true);
        if (!self->replay)
            return false;
        zsock_set_maxmsgsize(self->replay, 4096);
    }
    if (config->jsonl_path) {
        self->jsonl = fopen(config->jsonl_path, "a");
        if (!self->jsonl) {
            zsys_error("cannot open %s: %s", config->jsonl_path, strerror(errno));
            return false;
        }
    }
    return true;
}

precis_sink_t *precis_sink_new(const precis_config_t *config)
{
    precis_sink_t *self = calloc(1, sizeof *self);
    assert(self);
    self->config = config;
    self->seen = precis_seen_new(SEEN_CAPACITY);
    self->stats = precis_stats_new("sink");
    self->received = precis_stats_counter(self->stats, "received", "results received");
    self->published = precis_stats_counter(self->stats, "published", "results published");
    self->duplicates =
        precis_stats_counter(self->stats, "duplicates", "duplicates dropped");
    self->invalid =
        precis_stats_counter(self->stats, "invalid", "frames that were no result");
    self->next_seq = 1;
    self->results = precis_socket_new(ZMQ_PULL, config->results_endpoint, true);
    self->output =
        self->results ? precis_socket_new(ZMQ_PUB, config->output_endpoint, true) : NULL;
    self->acks =
        self->output ? precis_socket_new(ZMQ_PUSH, config->acks_endpoint, false) : NULL;
    self->control = self->acks ? precis_control_new(config, self->stats) : NULL;
    if (!self->control || !open_files(self)) {
        precis_sink_destroy(&self);
        return NULL;
    }
    /* Results come from our own workers; still, bound what one frame may cost. */
    zsock_set_maxmsgsize(self->results, 64 << 20);
    /* Acknowledgements for an ingest that is away wait; beyond that they
       are dropped, and ingest's retry makes up for them. */
    zsock_set_sndhwm(self->acks, 100000);
    return self;
}

void precis_sink_destroy(precis_sink_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    precis_sink_t *self = *self_p;
    zsock_destroy(&self->results);
    zsock_destroy(&self->output);
    zsock_destroy(&self->acks);
    zsock_destroy(&self->replay);
    precis_outlog_destroy(&self->log);
    precis_seen_destroy(&self->seen);
    precis_control_destroy(&self->control);
    precis_stats_destroy(&self->stats);
    if (self->jsonl)
        fclose(self->jsonl);
    free(self);
    *self_p = NULL;
}

static void append_jsonl(precis_sink_t *self, const precis_result_t *result)
{
    json_t *json = precis_result_to_json(result);
    char *line = json_dumps(json, JSON_COMPACT);
    json_decref(json);
    if (!line)
        return;
    /* One write per line and a flush, so a reader tailing the file never
       sees half a result. */
    if (fprintf(self->jsonl, "%s\n", line) < 0 || fflush(self->jsonl) != 0)
        zsys_error("cannot append to %s: %s", self->config->jsonl_path, strerror(errno));
    free(line);
}

static void acknowledge(precis_sink_t *self, const char *key)
{
    if (key && zmq_send(zsock_resolve(self->acks), key, strlen(key), ZMQ_DONTWAIT) == -1)
        precis_debug("acknowledgement of %s not sent: ingest is away", key);
}

int precis_sink_publish(precis_sink_t *self, zframe_t *frame)
{
    char error[PRECIS_ERROR_SIZE], topic[64];
    precis_stats_add(self->stats, self->received, 1);
    precis_result_t *result =
        precis_result_decode(zframe_data(frame), zframe_size(frame), error);
    if (!result) {
        precis_stats_add(self->stats, self->invalid, 1);
        zsys_error("sink: dropping a frame that is not a result: %s", error);
        return -1;
    }
    if (result->key && !precis_seen_add(self->seen, result->key)) {
        precis_stats_add(self->stats, self->duplicates, 1);
        precis_debug("dropping a duplicate result for %s (%s)", result->id, result->key);
        acknowledge(self, result->key);
        precis_result_destroy(&result);
        return 0;
    }
    result->seq = self->next_seq++;
    result->published_us = precis_now_us();
    size_t size;
    void *data = precis_result_encode(result, &size);
    precis_result_topic(result, topic, sizeof topic);
    if (self->log && precis_outlog_append(self->log, topic, data, size) != 0)
        zsys_error("result %llu for %s is published but not in the output log",
                   (unsigned long long)result->seq, result->id);
    zsock_send(self->output, "sb", topic, data, size);
    free(data);
    if (self->jsonl)
        append_jsonl(self, result);
    acknowledge(self, result->key);
    if (result->kind == PRECIS_RESULT_ERROR)
        zsys_notice("published %s for %s: %s", topic, result->id, result->error);
    else
        precis_debug("published %s for %s", topic, result->id);
    precis_stats_add(self->stats, self->published, 1);
    if (result->received_us)
        precis_stats_latency(self->stats, result->published_us - result->received_us);
    precis_result_destroy(&result);
    return 0;
}

/* Adds one logged result to a replay answer. */
static void add_to_answer(void *arg, uint64_t seq, const char *topic, const void *body,
                          size_t size)
{
    zmsg_addstr((zmsg_t *)arg, topic);
    zmsg_addmem((zmsg_t *)arg, body, size);
}

static void *encode_replay_header(uint64_t first, size_t count, uint64_t head,
                                  uint64_t oldest, uint64_t trimmed, const char *error,
                                  size_t *size_p)
{
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init(&buffer);
    msgpack_packer packer;
    msgpack_packer_init(&packer, &buffer, msgpack_sbuffer_write);
    msgpack_pack_map(&packer, error ? 3 : 7);
    precis_mp_pack_kv_int(&packer, "v", PRECIS_PROTOCOL_VERSION);
    precis_mp_pack_kv_str(&packer, "type", "replay", 6);
    if (error)
        precis_mp_pack_kv_str(&packer, "error", error, strlen(error));
    else {
        precis_mp_pack_kv_int(&packer, "first", (int64_t)first);
        precis_mp_pack_kv_int(&packer, "count", (int64_t)count);
        /* The sequence number the next published result will get. */
        precis_mp_pack_kv_int(&packer, "next", (int64_t)head);
        /* The oldest sequence number the log still keeps, and how many of
           those asked for (from since on) it no longer keeps. */
        precis_mp_pack_kv_int(&packer, "oldest", (int64_t)oldest);
        precis_mp_pack_kv_int(&packer, "trimmed", (int64_t)trimmed);
    }
    *size_p = buffer.size;
    return buffer.data;
}

/* Answers one replay request: [identity][delimiter?][request map]. */
static void serve_replay(precis_sink_t *self)
{
    zmsg_t *request = zmsg_recv(self->replay);
    if (!request)
        return;
    zmsg_t *answer = zmsg_new();
    zframe_t *identity = zmsg_pop(request);
    zmsg_append(answer, &identity);
    zframe_t *body = zmsg_last(request);
    if (zmsg_size(request) == 2 && zframe_size(zmsg_first(request)) == 0)
        zmsg_addmem(answer, "", 0); /* a REQ client: keep its delimiter */
    int64_t since = 0, max = REPLAY_MAX;
    const char *error = NULL;
    msgpack_unpacked unpacked;
    msgpack_unpacked_init(&unpacked);
    if (!body || !precis_mp_unpack(&unpacked, zframe_data(body), zframe_size(body), 4))
        error = "malformed msgpack";
    else {
        const msgpack_object *type = precis_mp_lookup(&unpacked.data, "type");
        const msgpack_object *value = precis_mp_lookup(&unpacked.data, "since");
        if (!type || !precis_mp_key_is(type, "replay"))
            error = "unknown message type (field 'type' must be \"replay\")";
        else if (!value || !precis_mp_int(value, &since) || since < 1)
            error = "field 'since' must be an integer of at least 1";
        value = precis_mp_lookup(&unpacked.data, "max");
        if (value && (!precis_mp_int(value, &max) || max < 1))
            error = "field 'max' must be a positive integer";
    }
    msgpack_unpacked_destroy(&unpacked);
    if (max > REPLAY_MAX)
        max = REPLAY_MAX;
    zmsg_t *records = zmsg_new();
    size_t count = 0;
    /* Results deleted by retention are skipped, and the header says so:
       first is then the oldest kept, trimmed how many were skipped. */
    uint64_t oldest = precis_outlog_first_seq(self->log), first = (uint64_t)since,
             trimmed = 0;
    if (!error) {
        if (first < oldest) {
            trimmed = oldest - first;
            first = oldest;
        }
        count = precis_outlog_read(self->log, first, (size_t)max, add_to_answer, records);
    }
    size_t header_size;
    void *header = encode_replay_header(first, count, self->next_seq, oldest, trimmed,
                                        error, &header_size);
    zmsg_addmem(answer, header, header_size);
    free(header);
    zframe_t *frame;
    while ((frame = zmsg_pop(records)))
        zmsg_append(answer, &frame);
    zmsg_destroy(&records);
    zmsg_destroy(&request);
    if (error)
        zsys_notice("replay request refused: %s", error);
    zmsg_send(&answer, self->replay);
}

int precis_sink_run(precis_sink_t *self)
{
    zsys_info(
        "sink ready: results on %s, publishing on %s from sequence number %llu%s%s%s%s",
        self->config->results_endpoint, self->config->output_endpoint,
        (unsigned long long)self->next_seq, self->log ? ", replay on " : "",
        self->log ? self->config->replay_endpoint : "",
        self->jsonl ? ", appending to " : "",
        self->jsonl ? self->config->jsonl_path : "");
    zpoller_t *poller = zpoller_new(self->results, NULL);
    if (self->replay)
        zpoller_add(poller, self->replay);
    zsock_t *control = precis_control_socket(self->control);
    if (control)
        zpoller_add(poller, control);
    while (!zsys_interrupted) {
        void *ready = zpoller_wait(poller, 500);
        if (ready == self->results) {
            zframe_t *frame = zframe_recv(self->results);
            if (frame)
                precis_sink_publish(self, frame);
            zframe_destroy(&frame);
        } else if (ready && ready == self->replay)
            serve_replay(self);
        else if (ready && ready == control)
            precis_control_handle(self->control);
        else if (zpoller_terminated(poller))
            break;
    }
    zpoller_destroy(&poller);
    zsys_info(
        "sink stopping: %llu published, %llu duplicates dropped, %llu invalid frames",
        (unsigned long long)precis_stats_get(self->stats, self->published),
        (unsigned long long)precis_stats_get(self->stats, self->duplicates),
        (unsigned long long)precis_stats_get(self->stats, self->invalid));
    return 0;
}

/* An integer of a replay header, or -1. */
static int64_t header_int(const msgpack_object *map, const char *key)
{
    const msgpack_object *value = precis_mp_lookup(map, key);
    int64_t number = -1;
    if (!value || !precis_mp_int(value, &number))
        return -1;
    return number;
}

static zframe_t *summary_frame(const char *id, const char *key)
{
    precis_result_t *result = precis_result_new(PRECIS_RESULT_SUMMARY);
    result->id = strdup(id);
    result->key = key ? strdup(key) : NULL;
    result->lang = strdup("de");
    precis_result_add_sentence(result, "Ein Satz.", 9, 0, 1.0);
    size_t size;
    void *data = precis_result_encode(result, &size);
    zframe_t *frame = zframe_new(data, size);
    free(data);
    precis_result_destroy(&result);
    return frame;
}

int precis_sink_test(bool verbose)
{
    int failures = 0;
    char path[] = "/tmp/precis-sink-test-XXXXXX";
    close(mkstemp(path));
    char *log_path = zsys_sprintf("%s.log", path);
    precis_config_t config;
    precis_config_defaults(&config, true);
    config.results_endpoint = "inproc://sink-test-results";
    config.output_endpoint = "inproc://sink-test-output";
    config.acks_endpoint = "inproc://sink-test-acks";
    config.replay_endpoint = "inproc://sink-test-replay";
    config.jsonl_path = path;
    config.out_log = log_path;
    zsock_t *ingest = zsock_new_pull("@inproc://sink-test-acks");
    precis_sink_t *self = precis_sink_new(&config);
    assert(self);
    zsock_t *subscriber = zsock_new_sub(">inproc://sink-test-output", "summary");
    zclock_sleep(50);

    /* A result is published with sequence number 1, and its key acknowledged. */
    zframe_t *frame = summary_frame("k1", "key-1");
    if (precis_sink_publish(self, frame) != 0) {
        fprintf(stderr, "sink test: a summary was not published\n");
        failures++;
    }
    zsock_set_rcvtimeo(subscriber, 1000);
    zsock_set_rcvtimeo(ingest, 1000);
    char *topic = NULL, *ack = zstr_recv(ingest);
    zframe_t *body = NULL;
    char error[PRECIS_ERROR_SIZE];
    if (!ack || strcmp(ack, "key-1") != 0) {
        fprintf(stderr, "sink test: the key was not acknowledged\n");
        failures++;
    }
    zstr_free(&ack);
    if (zsock_recv(subscriber, "sf", &topic, &body) != 0 ||
        strcmp(topic, "summary.de") != 0) {
        fprintf(stderr, "sink test: subscriber did not get summary.de\n");
        failures++;
    } else {
        precis_result_t *result =
            precis_result_decode(zframe_data(body), zframe_size(body), error);
        if (!result || result->published_us == 0 || result->seq != 1 ||
            strcmp(result->summary[0], "Ein Satz.") != 0) {
            fprintf(stderr, "sink test: published result is not the one sent\n");
            failures++;
        }
        precis_result_destroy(&result);
    }
    zstr_free(&topic);
    zframe_destroy(&body);

    /* The same key again is dropped (but acknowledged again). */
    precis_sink_publish(self, frame);
    zframe_destroy(&frame);
    ack = zstr_recv(ingest);
    if (precis_stats_get(self->stats, self->published) != 1 ||
        precis_stats_get(self->stats, self->duplicates) != 1 || !ack) {
        fprintf(stderr, "sink test: a duplicate was published\n");
        failures++;
    }
    zstr_free(&ack);

    /* Garbage is refused and counted, not published. */
    frame = zframe_new("\x93\x01\x02\x03", 4);
    if (precis_sink_publish(self, frame) != -1) {
        fprintf(stderr, "sink test: garbage was published\n");
        failures++;
    }
    zframe_destroy(&frame);
    frame = summary_frame("k2", "key-2");
    precis_sink_publish(self, frame);
    zframe_destroy(&frame);
    zsock_destroy(&subscriber);
    precis_sink_destroy(&self);

    /* A restarted sink goes on numbering after the log, remembers keys, and
       replays from a sequence number. */
    config.results_endpoint =
        "inproc://sink-test-results-2"; /* closing is asynchronous */
    config.output_endpoint = "inproc://sink-test-output-2";
    config.replay_endpoint = "inproc://sink-test-replay-2";
    self = precis_sink_new(&config);
    assert(self);
    frame = summary_frame("k2", "key-2");
    precis_sink_publish(self, frame);
    zframe_destroy(&frame);
    if (self->next_seq != 3 || precis_stats_get(self->stats, self->duplicates) != 1) {
        fprintf(stderr, "sink test: restart lost the numbering or the keys\n");
        failures++;
    }
    zsock_t *client = zsock_new_dealer(">inproc://sink-test-replay-2");
    zsock_set_rcvtimeo(client, 1000);
    zstr_send(client, "\x82\xa4type\xa6replay\xa5since\x02");
    serve_replay(self);
    zmsg_t *answer = zmsg_recv(client);
    if (!answer || zmsg_size(answer) != 3) {
        fprintf(stderr, "sink test: replay from 2 did not return one result\n");
        failures++;
    }
    zmsg_destroy(&answer);
    zsock_destroy(&client);
    precis_sink_destroy(&self);

    /* With a small log budget the oldest results are deleted; a replay from
       1 says so (oldest, trimmed) and starts at the oldest kept. */
    char *small_log = zsys_sprintf("%s.small", path);
    config.out_log = small_log;
    config.log_max_bytes = 16000;
    config.jsonl_path = NULL;
    config.results_endpoint = "inproc://sink-test-results-3";
    config.output_endpoint = "inproc://sink-test-output-3";
    config.replay_endpoint = "inproc://sink-test-replay-3";
    self = precis_sink_new(&config);
    assert(self);
    for (int i = 1; i <= 300; i++) {
        char id[16], key[16];
        snprintf(id, sizeof id, "s%d", i);
        snprintf(key, sizeof key, "small-%d", i);
        frame = summary_frame(id, key);
        precis_sink_publish(self, frame);
        zframe_destroy(&frame);
    }
    uint64_t oldest = precis_outlog_first_seq(self->log);
    client = zsock_new_dealer(">inproc://sink-test-replay-3");
    zsock_set_rcvtimeo(client, 1000);
    zstr_send(client, "\x83\xa4type\xa6replay\xa5since\x01\xa3max\x05");
    serve_replay(self);
    answer = zmsg_recv(client);
    int64_t first = 0, count = 0, trimmed = 0, oldest_field = 0, next = 0;
    zframe_t *header = answer ? zmsg_first(answer) : NULL;
    msgpack_unpacked unpacked;
    msgpack_unpacked_init(&unpacked);
    if (header &&
        precis_mp_unpack(&unpacked, zframe_data(header), zframe_size(header), 4)) {
        first = header_int(&unpacked.data, "first");
        count = header_int(&unpacked.data, "count");
        trimmed = header_int(&unpacked.data, "trimmed");
        oldest_field = header_int(&unpacked.data, "oldest");
        next = header_int(&unpacked.data, "next");
    }
    msgpack_unpacked_destroy(&unpacked);
    uint64_t first_seq = 0;
    if (answer && zmsg_size(answer) == 11) {
        zframe_t *result_frame = zmsg_next(answer);
        result_frame = zmsg_next(answer);
        precis_result_t *result = precis_result_decode(zframe_data(result_frame),
                                                       zframe_size(result_frame), error);
        first_seq = result ? result->seq : 0;
        precis_result_destroy(&result);
    }
    if (oldest < 20 || precis_outlog_bytes(self->log) > 16000 ||
        first != (int64_t)oldest || oldest_field != (int64_t)oldest ||
        trimmed != (int64_t)oldest - 1 || count != 5 || next != 301 ||
        first_seq != oldest) {
        fprintf(stderr,
                "sink test: trimmed replay: oldest %llu, header first %lld oldest %lld "
                "trimmed %lld count %lld next %lld, first result %llu\n",
                (unsigned long long)oldest, (long long)first, (long long)oldest_field,
                (long long)trimmed, (long long)count, (long long)next,
                (unsigned long long)first_seq);
        failures++;
    }
    zmsg_destroy(&answer);
    /* A replay from a kept seq is not trimmed. */
    zstr_send(client, "\x82\xa4type\xa6replay\xa5since\xcd\x01\x2c");
    serve_replay(self);
    answer = zmsg_recv(client);
    header = answer ? zmsg_first(answer) : NULL;
    trimmed = -1;
    msgpack_unpacked_init(&unpacked);
    if (header &&
        precis_mp_unpack(&unpacked, zframe_data(header), zframe_size(header), 4))
        trimmed = header_int(&unpacked.data, "trimmed");
    msgpack_unpacked_destroy(&unpacked);
    if (!answer || zmsg_size(answer) != 3 || trimmed != 0) {
        fprintf(stderr,
                "sink test: replay from 300 was not the last result, untrimmed\n");
        failures++;
    }
    zmsg_destroy(&answer);
    zsock_destroy(&client);
    precis_sink_destroy(&self);
    unlink(small_log);
    for (int seq = 2; seq <= 301; seq++) {
        char *segment = zsys_sprintf("%s.%d", small_log, seq);
        unlink(segment);
        zstr_free(&segment);
    }
    zstr_free(&small_log);
    zsock_destroy(&ingest);

    /* The JSON Lines file holds the two results. */
    json_error_t json_error;
    json_t *line = json_load_file(path, JSON_DISABLE_EOF_CHECK, &json_error);
    if (!line || strcmp(json_string_value(json_object_get(line, "id")), "k1") != 0) {
        fprintf(stderr, "sink test: the JSON Lines file lacks the result\n");
        failures++;
    }
    json_decref(line);
    unlink(path);
    unlink(log_path);
    zstr_free(&log_path);
    return failures;
}
