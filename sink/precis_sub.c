/*  precis_sub - the client side of the output socket: `precis sub`. */
#include "precis_sub.h"
#include "precis_msgpack.h"
#include <unistd.h>

void precis_sub_print(FILE *stream, const precis_result_t *result, const char *topic)
{
    const char *title = result->title && *result->title ? result->title : "(untitled)";
    fprintf(stream, "[%s #%llu] %s: %s\n", topic, (unsigned long long)result->seq,
            result->id, title);
    if (result->kind == PRECIS_RESULT_ERROR) {
        fprintf(stream, "  error in %s: %s\n", result->stage ? result->stage : "?",
                result->error ? result->error : "");
        return;
    }
    for (size_t i = 0; i < result->summary_count; i++)
        fprintf(stream, "  - %s\n", result->summary[i]);
    if (result->keyword_count) {
        fprintf(stream, "  keywords:");
        for (size_t i = 0; i < result->keyword_count; i++)
            fprintf(stream, "%s %s", i ? "," : "", result->keywords[i]);
        fprintf(stream, "\n");
    }
}

static void print_json(const precis_result_t *result, const char *topic)
{
    json_t *json = precis_result_to_json(result);
    json_object_set_new(json, "topic", json_string(topic));
    char *line = json_dumps(json, JSON_COMPACT);
    puts(line);
    free(line);
    json_decref(json);
}

/* What a subscription has printed so far. */
typedef struct {
    const precis_config_t *config;
    zsock_t *replay; /* DEALER to the sink's replay socket, with --since */
    uint64_t next;   /* the next sequence number to print, with --since */
    long printed;
} sub_t;

static bool wants_more(const sub_t *self)
{
    return self->config->count == 0 || self->printed < self->config->count;
}

/* Prints a result unless it is outside the topic or already printed. */
static void deliver(sub_t *self, const char *topic, const void *body, size_t size)
{
    char error[PRECIS_ERROR_SIZE];
    precis_result_t *result = precis_result_decode(body, size, error);
    if (!result) {
        zsys_warning("skipping a message on %s that is not a result: %s", topic, error);
        return;
    }
    const char *prefix = self->config->topic ? self->config->topic : "";
    bool duplicate = self->replay && result->seq < self->next;
    if (self->replay && result->seq >= self->next)
        self->next = result->seq + 1;
    bool repeat = self->config->unique && result->duplicate_of;
    if (!duplicate && !repeat && strncmp(topic, prefix, strlen(prefix)) == 0 &&
        wants_more(self)) {
        if (self->config->json)
            print_json(result, topic);
        else
            precis_sub_print(stdout, result, topic);
        self->printed++;
    }
    precis_result_destroy(&result);
}

/* What one replay answer's header says. */
typedef struct {
    bool busy;        /* asked too soon: ask again after retry_ms */
    bool refused;     /* error: the request was refused */
    int64_t count;    /* results in the answer */
    int64_t first;    /* sequence number the answer starts at */
    int64_t trimmed;  /* results from since on deleted by retention */
    int64_t next;     /* the sequence number the next result will get; -1 unknown */
    int64_t retry_ms; /* with busy */
} header_t;

static int64_t header_int(const msgpack_object *map, const char *key, int64_t absent)
{
    const msgpack_object *value = precis_mp_lookup(map, key);
    int64_t number = absent;
    if (value)
        precis_mp_int(value, &number);
    return number;
}

/* Reads a replay header; false when it is not one. */
static bool read_header(zframe_t *frame, header_t *header)
{
    *header = (header_t){.next = -1};
    msgpack_unpacked unpacked;
    msgpack_unpacked_init(&unpacked);
    bool ok =
        frame && precis_mp_unpack(&unpacked, zframe_data(frame), zframe_size(frame), 4);
    if (ok) {
        const msgpack_object *map = &unpacked.data;
        const msgpack_object *status = precis_mp_lookup(map, "status");
        const msgpack_object *error = precis_mp_lookup(map, "error");
        header->busy = status && precis_mp_key_is(status, "busy");
        if (error && error->type == MSGPACK_OBJECT_STR && !header->busy) {
            header->refused = true;
            zsys_error("replay refused: %.*s", (int)error->via.str.size,
                       error->via.str.ptr);
        }
        header->count = header_int(map, "count", 0);
        header->first = header_int(map, "first", 0);
        header->trimmed = header_int(map, "trimmed", 0);
        header->next = header_int(map, "next", -1);
        header->retry_ms = header_int(map, "retry_ms", 200);
    }
    msgpack_unpacked_destroy(&unpacked);
    return ok;
}

static void send_request(sub_t *self)
{
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init(&buffer);
    msgpack_packer packer;
    msgpack_packer_init(&packer, &buffer, msgpack_sbuffer_write);
    msgpack_pack_map(&packer, 3);
    precis_mp_pack_kv_str(&packer, "type", "replay", 6);
    precis_mp_pack_kv_int(&packer, "since", (int64_t)self->next);
    precis_mp_pack_kv_int(&packer, "max", 1000);
    zmq_send(zsock_resolve(self->replay), buffer.data, buffer.size, 0);
    msgpack_sbuffer_destroy(&buffer);
}

/* Exit code of a --since beyond the sink's output (see the usage). */
#define EXIT_SINCE_AHEAD 4

/* Replays the log from self->next up to (not including) until, or to its
   end when until is 0. Returns 0, 3 when the sink cannot replay, or
   EXIT_SINCE_AHEAD when self->next is beyond the sink's next result. */
static int replay_until(sub_t *self, uint64_t until)
{
    bool told_busy = false;
    while (wants_more(self) && !zsys_interrupted && (until == 0 || self->next < until)) {
        send_request(self);
        zmsg_t *answer = zmsg_recv(self->replay);
        if (!answer) {
            zsys_error("no answer from the replay socket %s",
                       self->config->replay_endpoint);
            return 3;
        }
        zframe_t *frame = zmsg_pop(answer);
        header_t header;
        bool valid = read_header(frame, &header);
        zframe_destroy(&frame);
        if (!valid || header.refused) {
            zmsg_destroy(&answer);
            if (!valid)
                zsys_error("the replay socket %s answered something else",
                           self->config->replay_endpoint);
            return 3;
        }
        if (header.busy) {
            /* The sink holds as many replay answers as it allows: ask again. */
            zmsg_destroy(&answer);
            if (!told_busy)
                zsys_notice("the sink's replay is busy; asking again");
            told_busy = true;
            zclock_sleep((int)(header.retry_ms > 0 && header.retry_ms < 5000
                                   ? header.retry_ms
                                   : 200));
            continue;
        }
        if (header.next > 0 && self->next > (uint64_t)header.next) {
            zsys_error(
                "--since %llu is beyond the sink's output: its next result will be "
                "number %lld (was its output log deleted or replaced?)",
                (unsigned long long)self->next, (long long)header.next);
            zmsg_destroy(&answer);
            return EXIT_SINCE_AHEAD;
        }
        if (header.trimmed > 0 && header.first > 0 &&
            (uint64_t)header.first > self->next) {
            /* Deleted by the sink's retention (--log-max-bytes): say so,
               and go on from the oldest result kept. */
            zsys_warning("results %llu to %llu are no longer in the sink's output "
                         "log (deleted by retention); going on from %llu",
                         (unsigned long long)self->next,
                         (unsigned long long)header.first - 1,
                         (unsigned long long)header.first);
            self->next = (uint64_t)header.first;
        }
        while (zmsg_size(answer) >= 2) {
            char *topic = zmsg_popstr(answer);
            zframe_t *body = zmsg_pop(answer);
            deliver(self, topic, zframe_data(body), zframe_size(body));
            zstr_free(&topic);
            zframe_destroy(&body);
        }
        zmsg_destroy(&answer);
        if (header.count == 0)
            return 0; /* caught up with the log */
    }
    return 0;
}

static const char *usage =
    "Usage: precis sub [OPTIONS]\n"
    "Subscribes to the output socket and prints each result as it comes: readable\n"
    "by default, one JSON object a line with --json. With --since SEQ it first\n"
    "replays the sink's output log from sequence number SEQ (the sink must run\n"
    "with --log), then follows live without a gap or a duplicate. Results the\n"
    "sink's retention (--log-max-bytes) already deleted are reported on stderr\n"
    "and skipped. When the sink's replay is busy (it holds as many replay\n"
    "answers as it allows), it asks again, saying so once on stderr. --unique\n"
    "prints only the first article of each story (docs/PROTOCOL.md \"Stories\").\n"
    "Exit codes: 0 stopped by --count or a signal, 1 --timeout passed first,\n"
    "2 usage error, 3 a socket could not be set up or replay failed, 4 --since\n"
    "SEQ is beyond the sink's output (SEQ above the number its next result will\n"
    "get: the sink's output log was deleted or replaced), said on stderr.";

int precis_cmd_sub(int argc, char **argv)
{
    precis_config_t config;
    int rc = precis_program_start(
        &config, argc, argv,
        PRECIS_OPT_OUTPUT | PRECIS_OPT_TOPIC | PRECIS_OPT_JSON | PRECIS_OPT_COUNT |
            PRECIS_OPT_SINCE | PRECIS_OPT_REPLAY | PRECIS_OPT_CURVE | PRECIS_OPT_UNIQUE,
        usage, "precis-sub", false);
    if (rc >= 0)
        return rc;
    zsock_t *subscriber = precis_socket_new(ZMQ_SUB, config.output_endpoint, false);
    if (!subscriber)
        return 3;
    sub_t self = {.config = &config, .next = (uint64_t)config.since};
    /* With --since every result is needed to see gaps; the topic is then
       filtered here instead of by the subscription. */
    zsock_set_subscribe(subscriber, config.since || !config.topic ? "" : config.topic);
    zsock_set_maxmsgsize(subscriber, 64 << 20);
    int exit_code = 0;
    if (config.since) {
        self.replay = precis_socket_new(ZMQ_DEALER, config.replay_endpoint, false);
        if (!self.replay)
            return 3;
        zsock_set_rcvtimeo(self.replay, 10000);
        exit_code = replay_until(&self, 0);
    }
    zpoller_t *poller = zpoller_new(subscriber, NULL);
    int64_t last = zclock_mono();
    /* Lines go out as they come, even into a pipe. */
    setvbuf(stdout, NULL, _IOLBF, 0);
    while (exit_code == 0 && !zsys_interrupted && wants_more(&self)) {
        if (!zpoller_wait(poller, 100)) {
            if (config.timeout > 0 && zclock_mono() - last > config.timeout * 1000) {
                exit_code = 1;
                break;
            }
            continue;
        }
        char *topic = NULL;
        zframe_t *body = NULL;
        if (zsock_recv(subscriber, "sf", &topic, &body) != 0 || !body) {
            zstr_free(&topic);
            continue;
        }
        last = zclock_mono();
        if (self.replay) {
            /* A live result ahead of what was printed: fill the gap first. */
            char error[PRECIS_ERROR_SIZE];
            precis_result_t *result =
                precis_result_decode(zframe_data(body), zframe_size(body), error);
            if (result && result->seq > self.next)
                exit_code = replay_until(&self, result->seq);
            precis_result_destroy(&result);
        }
        deliver(&self, topic, zframe_data(body), zframe_size(body));
        zstr_free(&topic);
        zframe_destroy(&body);
    }
    zpoller_destroy(&poller);
    zsock_set_linger(subscriber, 0);
    zsock_destroy(&subscriber);
    zsock_destroy(&self.replay);
    precis_curve_stop();
    return exit_code;
}
