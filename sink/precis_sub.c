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
    if (!duplicate && strncmp(topic, prefix, strlen(prefix)) == 0 && wants_more(self)) {
        if (self->config->json)
            print_json(result, topic);
        else
            precis_sub_print(stdout, result, topic);
        self->printed++;
    }
    precis_result_destroy(&result);
}

/* Replays the log from self->next up to (not including) until, or to its
   end when until is 0. Returns 0, or -1 when the sink cannot replay. */
static int replay_until(sub_t *self, uint64_t until)
{
    while (wants_more(self) && !zsys_interrupted && (until == 0 || self->next < until)) {
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
        zmsg_t *answer = zmsg_recv(self->replay);
        if (!answer) {
            zsys_error("no answer from the replay socket %s",
                       self->config->replay_endpoint);
            return -1;
        }
        zframe_t *header = zmsg_pop(answer);
        msgpack_unpacked unpacked;
        msgpack_unpacked_init(&unpacked);
        int64_t count = 0;
        if (header &&
            precis_mp_unpack(&unpacked, zframe_data(header), zframe_size(header), 4)) {
            const msgpack_object *value = precis_mp_lookup(&unpacked.data, "error");
            if (value && value->type == MSGPACK_OBJECT_STR)
                zsys_error("replay refused: %.*s", (int)value->via.str.size,
                           value->via.str.ptr);
            else if ((value = precis_mp_lookup(&unpacked.data, "count")))
                precis_mp_int(value, &count);
            int64_t trimmed = 0, first = 0;
            if ((value = precis_mp_lookup(&unpacked.data, "trimmed")))
                precis_mp_int(value, &trimmed);
            if ((value = precis_mp_lookup(&unpacked.data, "first")))
                precis_mp_int(value, &first);
            if (trimmed > 0 && first > 0 && (uint64_t)first > self->next) {
                /* Deleted by the sink's retention (--log-max-bytes): say so,
                   and go on from the oldest result kept. */
                zsys_warning("results %llu to %llu are no longer in the sink's output "
                             "log (deleted by retention); going on from %llu",
                             (unsigned long long)self->next,
                             (unsigned long long)first - 1, (unsigned long long)first);
                self->next = (uint64_t)first;
            }
        }
        msgpack_unpacked_destroy(&unpacked);
        zframe_destroy(&header);
        while (zmsg_size(answer) >= 2) {
            char *topic = zmsg_popstr(answer);
            zframe_t *body = zmsg_pop(answer);
            deliver(self, topic, zframe_data(body), zframe_size(body));
            zstr_free(&topic);
            zframe_destroy(&body);
        }
        zmsg_destroy(&answer);
        if (count == 0)
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
    "and skipped.\n"
    "Exit codes: 0 stopped by --count or a signal, 1 --timeout passed first,\n"
    "2 usage error, 3 a socket could not be set up or replay failed.";

int precis_cmd_sub(int argc, char **argv)
{
    precis_config_t config;
    int rc = precis_program_start(&config, argc, argv,
                                  PRECIS_OPT_OUTPUT | PRECIS_OPT_TOPIC | PRECIS_OPT_JSON |
                                      PRECIS_OPT_COUNT | PRECIS_OPT_SINCE |
                                      PRECIS_OPT_REPLAY | PRECIS_OPT_CURVE,
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
        if (replay_until(&self, 0) != 0)
            exit_code = 3;
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
            if (result && result->seq > self.next &&
                replay_until(&self, result->seq) != 0)
                exit_code = 3;
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
