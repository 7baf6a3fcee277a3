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
    from sequence number N (docs/PROTOCOL.md). Answers are bounded (see
    precis_credit.h): one outstanding a peer, --replay-max-bytes in all;
    a request beyond that is answered "busy", a few bytes, so that a peer
    that asks and never reads costs the sink next to nothing.

    Stories: the sink keeps the one near-duplicate index (precis_stories,
    in LOG.stories next to the output log), since every result passes it in
    the order subscribers see. A summary that carries its text's signature
    (from the summarize worker) gets story, similarity, exact and, on a
    repeat, duplicate_of; the signature is taken off before publishing. An
    exact copy that asked for the same length is published with the summary
    of the article it repeats.
*/
#include "precis_sink.h"
#include "precis_control.h"
#include "precis_credit.h"
#include "precis_msgpack.h"
#include "precis_outlog.h"
#include "precis_seen.h"
#include "precis_stories.h"
#include "precis_summary_cache.h"
#include <malloc.h>

/* Delivery keys remembered for deduplication. */
#define SEEN_CAPACITY (1u << 20)
/* Most results in one replay answer. */
#define REPLAY_MAX 1000
/* Small answers (busy, refused) queued for one replay peer, at most; beyond
   it they are dropped: the peer is not reading them anyway. */
#define REPLAY_SNDHWM 16
/* How long a client told "busy" should wait before it asks again. */
#define REPLAY_RETRY_MS 200
/* Hand freed answer memory back to the system after this much was in use. */
#define REPLAY_TRIM_BYTES (8u << 20)

struct _precis_sink_t {
    const precis_config_t *config;
    zsock_t *results;        /* PULL from summarize workers (and ingest) */
    zsock_t *output;         /* PUB, public */
    zsock_t *acks;           /* PUSH to ingest */
    zsock_t *replay;         /* ROUTER, public; NULL without an output log */
    precis_credit_t *credit; /* replay answers in flight */
    size_t replay_peak;      /* bytes in flight at most since the last trim */
    precis_outlog_t *log;
    precis_seen_t *seen;
    FILE *jsonl;
    uint64_t next_seq;
    precis_stats_t *stats;
    precis_control_t *control;
    int received, published, duplicates, invalid; /* counters in stats */
    int replay_requests, replayed, replay_busy, replay_dropped;
    precis_stories_t *stories;         /* the near-duplicate index */
    precis_summary_cache_t *summaries; /* for exact copies */
    int stories_new, exact_repeats, near_repeats, stories_index;
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
        /* Unsendable answers fail at once (EAGAIN, EHOSTUNREACH) instead of
           vanishing, so that they are counted. */
        zsock_set_sndhwm(self->replay, REPLAY_SNDHWM);
        zsock_set_router_mandatory(self->replay, 1);
        self->credit =
            precis_credit_new(config->replay_max_bytes ? config->replay_max_bytes
                                                       : PRECIS_REPLAY_MAX_BYTES);
    }
    if (config->jsonl_path) {
        int fd = precis_data_file_open(config->jsonl_path, O_WRONLY | O_APPEND);
        self->jsonl = fd >= 0 ? fdopen(fd, "a") : NULL;
        if (!self->jsonl) {
            if (fd >= 0)
                close(fd);
            zsys_error("cannot open %s: %s", config->jsonl_path, strerror(errno));
            return false;
        }
    }
    return true;
}

/* The story index, kept in OUTLOG.stories when there is an output log. */
static bool open_stories(precis_sink_t *self)
{
    char *path =
        self->config->out_log ? zsys_sprintf("%s.stories", self->config->out_log) : NULL;
    const precis_config_t *config = self->config;
    precis_stories_options_t options = {
        .max_articles = config->stories_max > 0 ? (size_t)config->stories_max : 0,
        /* at most 100 years: the microseconds stay far within 64 bits */
        .max_age_us =
            (int64_t)((config->stories_days < 36500 ? config->stories_days : 36500) * 24 *
                      3600 * 1e6),
        .threshold = config->stories_threshold};
    self->stories = precis_stories_new(&options, path, precis_now_us());
    zstr_free(&path);
    self->summaries = precis_summary_cache_new(PRECIS_SUMMARY_CACHE_SINK);
    self->stories_new = precis_stats_counter(self->stats, "stories", "new stories");
    self->exact_repeats =
        precis_stats_counter(self->stats, "exact_repeats", "exact copies of an article");
    self->near_repeats =
        precis_stats_counter(self->stats, "near_repeats", "near copies of an article");
    self->stories_index =
        precis_stats_counter(self->stats, "stories_index", "articles in the story index");
    if (self->stories)
        precis_stats_set(self->stats, self->stories_index,
                         precis_stories_size(self->stories));
    return self->stories != NULL;
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
    self->replay_requests =
        precis_stats_counter(self->stats, "replay_requests", "replay requests received");
    self->replayed = precis_stats_counter(self->stats, "replay_answers",
                                          "replay answers sent with results");
    self->replay_busy =
        precis_stats_counter(self->stats, "replay_busy", "replay requests answered busy");
    self->replay_dropped =
        precis_stats_counter(self->stats, "replay_dropped",
                             "replay answers dropped: peer gone or not reading");
    self->next_seq = 1;
    self->results = precis_socket_new(ZMQ_PULL, config->results_endpoint, true);
    self->output =
        self->results ? precis_socket_new(ZMQ_PUB, config->output_endpoint, true) : NULL;
    self->acks =
        self->output ? precis_socket_new(ZMQ_PUSH, config->acks_endpoint, false) : NULL;
    self->control = self->acks ? precis_control_new(config, self->stats) : NULL;
    if (!self->control || !open_files(self) || !open_stories(self)) {
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
    precis_credit_destroy(&self->credit);
    precis_outlog_destroy(&self->log);
    precis_seen_destroy(&self->seen);
    precis_stories_destroy(&self->stories);
    precis_summary_cache_destroy(&self->summaries);
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

/* Sets the story fields of a summary from the index, gives an exact copy
   the summary of the article it repeats, and takes off the signature. */
static void mark_story(precis_sink_t *self, precis_result_t *result)
{
    precis_minhash_t *signature = result->signature;
    result->signature = NULL;
    if (!signature || result->kind != PRECIS_RESULT_SUMMARY) {
        precis_minhash_destroy(&signature);
        return;
    }
    precis_stories_match_t match;
    if (precis_stories_add(self->stories, result->id, result->key, signature,
                           result->published_us, &match) != 0)
        zsys_error("result for %s: cannot append to the story file", result->id);
    result->story = strdup(match.story);
    result->duplicate_of = match.duplicate_of ? strdup(match.duplicate_of) : NULL;
    result->similarity = match.similarity;
    result->exact = match.exact;
    const precis_result_t *earlier =
        match.exact ? precis_summary_cache_get(self->summaries, signature->text_hash,
                                               result->summary_tag)
                    : NULL;
    if (earlier)
        precis_result_copy_summary(result, earlier);
    else
        precis_summary_cache_put(self->summaries, signature->text_hash,
                                 result->summary_tag, result);
    precis_stats_add(self->stats,
                     !match.duplicate_of ? self->stories_new
                     : match.exact       ? self->exact_repeats
                                         : self->near_repeats,
                     1);
    precis_stats_set(self->stats, self->stories_index,
                     precis_stories_size(self->stories));
    precis_minhash_destroy(&signature);
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
    mark_story(self, result);
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

/* A replay answer being read from the log: results up to a byte budget. */
typedef struct {
    zmq_msg_t *frames; /* topic, body, topic, body... */
    size_t count, seen, bytes, room;
    precis_credit_answer_t *answer;
} answer_t;

/* Adds one logged result to a replay answer while it fits the room left. */
static void add_to_answer(void *arg, uint64_t seq, const char *topic, const void *body,
                          size_t size)
{
    answer_t *answer = arg;
    size_t cost = strlen(topic) + size + 2 * PRECIS_CREDIT_FRAME_OVERHEAD;
    answer->seen++;
    if (answer->seen != answer->count + 1 || answer->bytes + cost > answer->room)
        return; /* the answer stops before the first result that does not fit */
    precis_credit_frame(answer->answer, &answer->frames[2 * answer->count], topic,
                        strlen(topic));
    precis_credit_frame(answer->answer, &answer->frames[2 * answer->count + 1], body,
                        size);
    answer->bytes += cost;
    answer->count++;
}

/* The answer header: status "ok" with the counts, "busy" with the reason
   and retry_ms, or "error" with the reason. */
static void *encode_replay_header(const char *status, uint64_t first, size_t count,
                                  uint64_t head, uint64_t oldest, uint64_t trimmed,
                                  const char *error, size_t *size_p)
{
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init(&buffer);
    msgpack_packer packer;
    msgpack_packer_init(&packer, &buffer, msgpack_sbuffer_write);
    bool ok = strcmp(status, "ok") == 0, busy = strcmp(status, "busy") == 0;
    msgpack_pack_map(&packer, ok ? 8 : busy ? 6 : 4);
    precis_mp_pack_kv_int(&packer, "v", PRECIS_PROTOCOL_VERSION);
    precis_mp_pack_kv_str(&packer, "type", "replay", 6);
    precis_mp_pack_kv_str(&packer, "status", status, strlen(status));
    if (!ok)
        /* Also for busy: a client that does not know status must not take
           a busy answer for an empty one (count 0, caught up). */
        precis_mp_pack_kv_str(&packer, "error", error, strlen(error));
    if (busy) {
        precis_mp_pack_kv_int(&packer, "retry_ms", REPLAY_RETRY_MS);
        precis_mp_pack_kv_int(&packer, "next", (int64_t)head);
    }
    if (ok) {
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

/* Parses a replay request; NULL, or why it is refused. */
static const char *parse_request(zframe_t *body, int64_t *since, int64_t *max)
{
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
        else if (!value || !precis_mp_int(value, since) || *since < 1)
            error = "field 'since' must be an integer of at least 1";
        value = precis_mp_lookup(&unpacked.data, "max");
        if (value && (!precis_mp_int(value, max) || *max < 1))
            error = "field 'max' must be a positive integer";
    }
    msgpack_unpacked_destroy(&unpacked);
    if (*max > REPLAY_MAX)
        *max = REPLAY_MAX;
    return error;
}

/* Sends [identity][delimiter?][header][frames...] without waiting; false
   when the peer is gone or its queue is full (the frames are then freed). */
static bool send_answer(precis_sink_t *self, zframe_t *identity, bool delimiter,
                        zmq_msg_t *header, zmq_msg_t *frames, size_t frame_count)
{
    void *socket = zsock_resolve(self->replay);
    bool sent = zmq_send(socket, zframe_data(identity), zframe_size(identity),
                         ZMQ_SNDMORE | ZMQ_DONTWAIT) != -1;
    if (sent && delimiter)
        zmq_send(socket, "", 0, ZMQ_SNDMORE | ZMQ_DONTWAIT);
    /* Once the identity frame is accepted the rest of the message is too. */
    if (sent)
        zmq_msg_send(header, socket, (frame_count ? ZMQ_SNDMORE : 0) | ZMQ_DONTWAIT);
    zmq_msg_close(header);
    for (size_t i = 0; i < frame_count; i++) {
        if (sent)
            zmq_msg_send(&frames[i], socket,
                         (i + 1 < frame_count ? ZMQ_SNDMORE : 0) | ZMQ_DONTWAIT);
        zmq_msg_close(&frames[i]);
    }
    if (!sent)
        precis_stats_add(self->stats, self->replay_dropped, 1);
    return sent;
}

/* Sends a small answer (busy or refused), not counted against the credit. */
static void send_small_answer(precis_sink_t *self, zframe_t *identity, bool delimiter,
                              const char *status, const char *reason)
{
    size_t size;
    void *header =
        encode_replay_header(status, 0, 0, self->next_seq, 0, 0, reason, &size);
    zmq_msg_t msg;
    zmq_msg_init_size(&msg, size);
    memcpy(zmq_msg_data(&msg), header, size);
    free(header);
    send_answer(self, identity, delimiter, &msg, NULL, 0);
}

/* Answers one replay request: [identity][delimiter?][request map]. */
static void serve_replay(precis_sink_t *self)
{
    zmsg_t *request = zmsg_recv(self->replay);
    if (!request)
        return;
    precis_stats_add(self->stats, self->replay_requests, 1);
    zframe_t *identity = zmsg_first(request);
    /* A REQ client sends a delimiter: keep it in the answer. */
    bool delimiter = zmsg_size(request) == 3 && zframe_size(zmsg_next(request)) == 0;
    zframe_t *body = zmsg_size(request) >= 2 ? zmsg_last(request) : NULL;
    int64_t since = 0, max = REPLAY_MAX;
    const char *error = parse_request(body, &since, &max), *busy = NULL;
    if (error) {
        zsys_notice("replay request refused: %s", error);
        send_small_answer(self, identity, delimiter, "error", error);
    } else if ((busy = precis_credit_refusal(self->credit, zframe_data(identity),
                                             zframe_size(identity)))) {
        precis_stats_add(self->stats, self->replay_busy, 1);
        precis_debug("replay request answered busy: %s", busy);
        send_small_answer(self, identity, delimiter, "busy", busy);
    } else {
        /* Results deleted by retention are skipped, and the header says so:
           first is then the oldest kept, trimmed how many were skipped. */
        uint64_t oldest = precis_outlog_first_seq(self->log), first = (uint64_t)since,
                 trimmed = 0;
        if (first < oldest) {
            trimmed = oldest - first;
            first = oldest;
        }
        answer_t answer = {.frames = calloc(2 * (size_t)max, sizeof(zmq_msg_t)),
                           .room = precis_credit_room(self->credit)};
        assert(answer.frames);
        answer.answer = precis_credit_begin(self->credit, zframe_data(identity),
                                            zframe_size(identity));
        precis_outlog_read(self->log, first, (size_t)max, add_to_answer, &answer);
        size_t size;
        void *header = encode_replay_header("ok", first, answer.count, self->next_seq,
                                            oldest, trimmed, NULL, &size);
        zmq_msg_t header_msg;
        precis_credit_frame(answer.answer, &header_msg, header, size);
        free(header);
        if (answer.seen > 0 && answer.count == 0) {
            /* Not even one result fits: an empty answer would read as
               "caught up". */
            zmq_msg_close(&header_msg);
            precis_stats_add(self->stats, self->replay_busy, 1);
            send_small_answer(self, identity, delimiter, "busy",
                              "replay answers in flight use all of --replay-max-bytes");
        } else if (send_answer(self, identity, delimiter, &header_msg, answer.frames,
                               2 * answer.count))
            precis_stats_add(self->stats, self->replayed, 1);
        precis_credit_end(&answer.answer);
        free(answer.frames);
        size_t in_flight = precis_credit_bytes(self->credit);
        if (in_flight > self->replay_peak)
            self->replay_peak = in_flight;
    }
    zmsg_destroy(&request);
}

/* Once a burst of replay answers is gone, gives their memory back to the
   system (freed heap pages would otherwise stay with the process). */
static void trim_replay_memory(precis_sink_t *self)
{
    if (self->credit && self->replay_peak >= REPLAY_TRIM_BYTES &&
        precis_credit_bytes(self->credit) == 0) {
        malloc_trim(0);
        self->replay_peak = 0;
    }
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
    /* Every socket that is ready is served once a round, so that a flood
       on one (replay requests) cannot starve the others (PING). */
    zsock_t *control = precis_control_socket(self->control);
    zmq_pollitem_t items[3] = {{zsock_resolve(self->results), 0, ZMQ_POLLIN, 0}};
    int item_count = 1, replay_item = -1, control_item = -1;
    if (self->replay) {
        replay_item = item_count;
        items[item_count++] =
            (zmq_pollitem_t){zsock_resolve(self->replay), 0, ZMQ_POLLIN, 0};
    }
    if (control) {
        control_item = item_count;
        items[item_count++] = (zmq_pollitem_t){zsock_resolve(control), 0, ZMQ_POLLIN, 0};
    }
    while (!zsys_interrupted) {
        int ready = zmq_poll(items, item_count, 500);
        if (ready == -1) {
            if (errno == ETERM)
                break;
            continue;
        }
        if (items[0].revents & ZMQ_POLLIN) {
            zframe_t *frame = zframe_recv(self->results);
            if (frame)
                precis_sink_publish(self, frame);
            zframe_destroy(&frame);
        }
        if (replay_item >= 0 && items[replay_item].revents & ZMQ_POLLIN)
            serve_replay(self);
        if (control_item >= 0 && items[control_item].revents & ZMQ_POLLIN)
            precis_control_handle(self->control);
        trim_replay_memory(self);
    }
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

/* The status of a replay answer ("ok", "busy", "error"; "" when none) and
   its count; destroys the answer. */
static void answer_status(zmsg_t **answer_p, char *status, size_t size, int64_t *count)
{
    status[0] = 0;
    *count = -1;
    zframe_t *header = *answer_p ? zmsg_first(*answer_p) : NULL;
    msgpack_unpacked unpacked;
    msgpack_unpacked_init(&unpacked);
    if (header &&
        precis_mp_unpack(&unpacked, zframe_data(header), zframe_size(header), 4)) {
        const msgpack_object *value = precis_mp_lookup(&unpacked.data, "status");
        if (value && value->type == MSGPACK_OBJECT_STR)
            snprintf(status, size, "%.*s", (int)value->via.str.size, value->via.str.ptr);
        *count = header_int(&unpacked.data, "count");
    }
    msgpack_unpacked_destroy(&unpacked);
    zmsg_destroy(answer_p);
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

/* A summary result with the signature of text, as a worker sends it. */
static zframe_t *story_frame(const char *id, const char *text, size_t len,
                             const char *sentence)
{
    precis_result_t *result = precis_result_new(PRECIS_RESULT_SUMMARY);
    result->id = strdup(id);
    result->key = zsys_sprintf("key-%s", id);
    result->lang = strdup("en");
    precis_result_add_sentence(result, sentence, strlen(sentence), 0, 1.0);
    result->signature = precis_minhash_new(text, len);
    zframe_t *frame = precis_result_frame(result);
    precis_result_destroy(&result);
    return frame;
}

/* Publishes a story frame and returns what a subscriber got (NULL if
   nothing) with its topic in topic. */
static precis_result_t *publish_story(precis_sink_t *self, zsock_t *subscriber,
                                      zframe_t *frame, char *topic, size_t size)
{
    char error[PRECIS_ERROR_SIZE], *got_topic = NULL;
    zframe_t *body = NULL;
    precis_sink_publish(self, frame);
    zframe_destroy(&frame);
    precis_result_t *result = NULL;
    if (zsock_recv(subscriber, "sf", &got_topic, &body) == 0) {
        snprintf(topic, size, "%s", got_topic);
        result = precis_result_decode(zframe_data(body), zframe_size(body), error);
    }
    zstr_free(&got_topic);
    zframe_destroy(&body);
    return result;
}

/* Stories: an article, an exact copy (published with the first one's
   summary), a near copy and an unrelated one; after a restart the index
   still knows the first. */
static int stories_test(void)
{
    int failures = 0;
#define CHECK(cond)                                                                      \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            fprintf(stderr, "sink stories test failed: %s (line %d)\n", #cond,           \
                    __LINE__);                                                           \
            failures++;                                                                  \
        }                                                                                \
    } while (0)
    static const char text[] =
        "The city council approved a new cycle lane along the river on Monday. The "
        "lane will run from the old bridge to the station and should open in the "
        "spring. Shop owners on the quay said they feared losing parking spaces. The "
        "council said a study found more customers arrive on foot or by bike than by "
        "car. Work is due to start next month and will take about twelve weeks. A "
        "second lane along the harbour is planned for next year.";
    static const char other[] =
        "Heavy snow closed the mountain pass for the third time this winter, and "
        "drivers were told to use the coast road. Ploughs worked through the night but "
        "strong winds kept filling the road again, the highways agency said.";
    char path[] = "/tmp/precis-sink-stories-XXXXXX", topic[64];
    close(mkstemp(path));
    char *log_path = zsys_sprintf("%s.log", path),
         *stories_path = zsys_sprintf("%s.stories", log_path);
    precis_config_t config;
    precis_config_defaults(&config, true);
    config.results_endpoint = "inproc://sink-stories-results";
    config.output_endpoint = "inproc://sink-stories-output";
    config.acks_endpoint = "inproc://sink-stories-acks";
    config.replay_endpoint = "inproc://sink-stories-replay";
    config.out_log = log_path;
    zsock_t *ingest = zsock_new_pull("@inproc://sink-stories-acks");
    precis_sink_t *self = precis_sink_new(&config);
    assert(self);
    zsock_t *subscriber = zsock_new_sub(">inproc://sink-stories-output", "");
    zsock_set_rcvtimeo(subscriber, 1000);
    zclock_sleep(50);

    precis_result_t *result = publish_story(
        self, subscriber, story_frame("a", text, strlen(text), "First summary."), topic,
        sizeof topic);
    CHECK(result && strcmp(topic, "summary.en") == 0 && !result->signature);
    CHECK(result && result->story && strcmp(result->story, "a") == 0 &&
          !result->duplicate_of && !result->exact);
    precis_result_destroy(&result);
    /* The exact copy reads as the first: its summary is the first's. */
    result = publish_story(self, subscriber,
                           story_frame("b", text, strlen(text), "Another summary."),
                           topic, sizeof topic);
    CHECK(result && strcmp(topic, "duplicate.en") == 0 && result->exact);
    CHECK(result && result->duplicate_of && strcmp(result->duplicate_of, "a") == 0);
    CHECK(result && result->similarity == 1.0 && strcmp(result->story, "a") == 0);
    CHECK(result && result->summary_count == 1 &&
          strcmp(result->summary[0], "First summary.") == 0);
    precis_result_destroy(&result);
    /* A near copy (a new dateline, the last sentence cut) keeps its own summary. */
    char *edited = zsys_sprintf("RIVERTON (Wire) - %.*s", (int)(strlen(text) - 50), text);
    result = publish_story(self, subscriber,
                           story_frame("c", edited, strlen(edited), "Edited summary."),
                           topic, sizeof topic);
    CHECK(result && strcmp(topic, "duplicate.en") == 0 && !result->exact);
    CHECK(result && result->duplicate_of && strcmp(result->duplicate_of, "a") == 0);
    CHECK(result && result->similarity >= 0.5 && result->similarity < 1.0);
    CHECK(result && strcmp(result->summary[0], "Edited summary.") == 0);
    precis_result_destroy(&result);
    zstr_free(&edited);
    result =
        publish_story(self, subscriber, story_frame("d", other, strlen(other), "Snow."),
                      topic, sizeof topic);
    CHECK(result && strcmp(topic, "summary.en") == 0 && !result->duplicate_of);
    precis_result_destroy(&result);
    CHECK(precis_stats_get(self->stats, self->stories_new) == 2);
    CHECK(precis_stats_get(self->stats, self->exact_repeats) == 1);
    CHECK(precis_stats_get(self->stats, self->near_repeats) == 1);
    CHECK(precis_stats_get(self->stats, self->stories_index) == 4);
    zsock_destroy(&subscriber);
    precis_sink_destroy(&self);

    /* After a restart the index is back from LOG.stories. */
    config.results_endpoint = "inproc://sink-stories-results-2";
    config.output_endpoint = "inproc://sink-stories-output-2";
    config.replay_endpoint = "inproc://sink-stories-replay-2";
    self = precis_sink_new(&config);
    assert(self);
    subscriber = zsock_new_sub(">inproc://sink-stories-output-2", "");
    zsock_set_rcvtimeo(subscriber, 1000);
    zclock_sleep(50);
    CHECK(precis_stats_get(self->stats, self->stories_index) == 4);
    result = publish_story(self, subscriber,
                           story_frame("e", text, strlen(text), "Later summary."), topic,
                           sizeof topic);
    CHECK(result && result->duplicate_of && strcmp(result->duplicate_of, "a") == 0 &&
          result->exact);
    precis_result_destroy(&result);
    zsock_destroy(&subscriber);
    precis_sink_destroy(&self);
    zsock_destroy(&ingest);
    unlink(stories_path);
    unlink(log_path);
    unlink(path);
    zstr_free(&stories_path);
    zstr_free(&log_path);
    return failures;
#undef CHECK
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

    /* A peer that asks again before it read the answer hears busy; the
       answer it reads then is whole. */
    char status[16];
    int64_t busy_count;
    const char *from_1 = "\x83\xa4type\xa6replay\xa5since\x01\xa3max\x05";
    zstr_send(client, from_1);
    serve_replay(self);
    zstr_send(client, from_1);
    serve_replay(self);
    answer = zmsg_recv(client);
    answer_status(&answer, status, sizeof status, &count);
    answer = zmsg_recv(client);
    answer_status(&answer, status + 8, sizeof status - 8, &busy_count);
    if (strcmp(status, "ok") != 0 || count != 5 || strcmp(status + 8, "busy") != 0 ||
        precis_stats_get(self->stats, self->replay_busy) != 1) {
        fprintf(stderr, "sink test: second request before reading: %s %lld, %s\n", status,
                (long long)count, status + 8);
        failures++;
    }
    /* Read, the answer frees the peer. */
    zstr_send(client, from_1);
    serve_replay(self);
    answer = zmsg_recv(client);
    answer_status(&answer, status, sizeof status, &count);
    if (strcmp(status, "ok") != 0 || count != 5) {
        fprintf(stderr, "sink test: a peer that read its answer is still busy\n");
        failures++;
    }
    /* All answers in flight stay within the budget: an answer is cut short
       to fit, and another peer hears busy until it is read. */
    precis_credit_destroy(&self->credit);
    self->credit = precis_credit_new(900);
    zsock_t *other = zsock_new_dealer(">inproc://sink-test-replay-3");
    zsock_set_rcvtimeo(other, 1000);
    zstr_send(client, from_1);
    serve_replay(self);
    zstr_send(other, from_1);
    serve_replay(self);
    answer = zmsg_recv(client);
    answer_status(&answer, status, sizeof status, &count);
    answer = zmsg_recv(other);
    answer_status(&answer, status + 8, sizeof status - 8, &busy_count);
    if (strcmp(status, "ok") != 0 || count < 1 || count >= 5 ||
        strcmp(status + 8, "busy") != 0) {
        fprintf(stderr, "sink test: small budget: %s %lld, other peer %s\n", status,
                (long long)count, status + 8);
        failures++;
    }
    zsock_destroy(&other);
    zsock_destroy(&client);
    precis_sink_destroy(&self);
    unlink(small_log);
    char *small_stories = zsys_sprintf("%s.stories", small_log);
    unlink(small_stories);
    zstr_free(&small_stories);
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
    char *stories_path = zsys_sprintf("%s.stories", log_path);
    unlink(stories_path);
    zstr_free(&stories_path);
    zstr_free(&log_path);
    return failures + stories_test();
}
