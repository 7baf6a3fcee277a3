/*  precis_sink - the pipeline's way out. */
#include "precis_sink.h"

struct _precis_sink_t {
    const precis_config_t *config;
    zsock_t *results; /* PULL from summarize workers */
    zsock_t *output;  /* PUB, public */
    FILE *jsonl;
    uint64_t published, invalid;
};

precis_sink_t *precis_sink_new(const precis_config_t *config)
{
    precis_sink_t *self = calloc(1, sizeof *self);
    assert(self);
    self->config = config;
    self->results = precis_socket_new(ZMQ_PULL, config->results_endpoint, true);
    self->output = self->results ? precis_socket_new(ZMQ_PUB, config->output_endpoint, true)
                                 : NULL;
    if (!self->output) {
        precis_sink_destroy(&self);
        return NULL;
    }
    /* Results come from our own workers; still, bound what one frame may cost. */
    zsock_set_maxmsgsize(self->results, 64 << 20);
    if (config->jsonl_path) {
        self->jsonl = fopen(config->jsonl_path, "a");
        if (!self->jsonl) {
            zsys_error("cannot open %s: %s", config->jsonl_path, strerror(errno));
            precis_sink_destroy(&self);
            return NULL;
        }
    }
    return self;
}

void precis_sink_destroy(precis_sink_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    precis_sink_t *self = *self_p;
    zsock_destroy(&self->results);
    zsock_destroy(&self->output);
    if (self->jsonl)
        fclose(self->jsonl);
    free(self);
    *self_p = NULL;
}

static void append_jsonl(precis_sink_t *self, const precis_result_t *result)
{
    json_t *json = precis_result_to_json(result);
    char *line = json_dumps(json, JSON_COMPACT | JSON_ENSURE_ASCII * 0);
    json_decref(json);
    if (!line)
        return;
    /* One write per line and a flush, so a reader tailing the file never
       sees half a result. */
    if (fprintf(self->jsonl, "%s\n", line) < 0 || fflush(self->jsonl) != 0)
        zsys_error("cannot append to %s: %s", self->config->jsonl_path, strerror(errno));
    free(line);
}

int precis_sink_publish(precis_sink_t *self, zframe_t *frame)
{
    char error[PRECIS_ERROR_SIZE], topic[64];
    precis_result_t *result = precis_result_decode(zframe_data(frame), zframe_size(frame), error);
    if (!result) {
        self->invalid++;
        zsys_error("sink: dropping a frame that is not a result: %s", error);
        return -1;
    }
    result->published_us = precis_now_us();
    size_t size;
    void *data = precis_result_encode(result, &size);
    precis_result_topic(result, topic, sizeof topic);
    zsock_send(self->output, "sb", topic, data, size);
    free(data);
    if (self->jsonl)
        append_jsonl(self, result);
    if (result->kind == PRECIS_RESULT_ERROR)
        zsys_notice("published %s for %s: %s", topic, result->id, result->error);
    else
        precis_debug("published %s for %s", topic, result->id);
    self->published++;
    precis_result_destroy(&result);
    return 0;
}

int precis_sink_run(precis_sink_t *self)
{
    zsys_info("sink ready: results on %s, publishing on %s%s%s",
              self->config->results_endpoint, self->config->output_endpoint,
              self->jsonl ? ", appending to " : "",
              self->jsonl ? self->config->jsonl_path : "");
    zpoller_t *poller = zpoller_new(self->results, NULL);
    while (!zsys_interrupted) {
        if (!zpoller_wait(poller, 500)) {
            if (zpoller_terminated(poller))
                break;
            continue;
        }
        zframe_t *frame = zframe_recv(self->results);
        if (frame)
            precis_sink_publish(self, frame);
        zframe_destroy(&frame);
    }
    zpoller_destroy(&poller);
    zsys_info("sink stopping: %llu published, %llu invalid frames",
              (unsigned long long)self->published, (unsigned long long)self->invalid);
    return 0;
}

int precis_sink_test(bool verbose)
{
    int failures = 0;
    char path[] = "/tmp/precis-sink-test-XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    precis_config_t config;
    precis_config_defaults(&config, true);
    config.results_endpoint = "inproc://sink-test-results";
    config.output_endpoint = "inproc://sink-test-output";
    config.jsonl_path = path;
    precis_sink_t *self = precis_sink_new(&config);
    assert(self);
    zsock_t *subscriber = zsock_new_sub(">inproc://sink-test-output", "summary");
    zclock_sleep(50);

    precis_result_t *result = precis_result_new(PRECIS_RESULT_SUMMARY);
    result->id = strdup("k1");
    result->lang = strdup("de");
    precis_result_add_sentence(result, "Ein Satz.", 9, 0, 1.0);
    size_t size;
    void *data = precis_result_encode(result, &size);
    zframe_t *frame = zframe_new(data, size);
    free(data);
    precis_result_destroy(&result);
    if (precis_sink_publish(self, frame) != 0) {
        fprintf(stderr, "sink test: a summary was not published\n");
        failures++;
    }
    zframe_destroy(&frame);
    zsock_set_rcvtimeo(subscriber, 1000);
    char *topic = NULL;
    zframe_t *body = NULL;
    char error[PRECIS_ERROR_SIZE];
    if (zsock_recv(subscriber, "sf", &topic, &body) != 0 || strcmp(topic, "summary.de") != 0) {
        fprintf(stderr, "sink test: subscriber did not get summary.de\n");
        failures++;
    } else {
        result = precis_result_decode(zframe_data(body), zframe_size(body), error);
        if (!result || result->published_us == 0 || strcmp(result->summary[0], "Ein Satz.") != 0) {
            fprintf(stderr, "sink test: published result is not the one sent\n");
            failures++;
        }
        precis_result_destroy(&result);
    }
    zstr_free(&topic);
    zframe_destroy(&body);

    /* Garbage is refused and counted, not published. */
    frame = zframe_new("\x93\x01\x02\x03", 4);
    if (precis_sink_publish(self, frame) != -1) {
        fprintf(stderr, "sink test: garbage was published\n");
        failures++;
    }
    zframe_destroy(&frame);
    zsock_destroy(&subscriber);
    precis_sink_destroy(&self);

    /* The JSON Lines file holds exactly the one result. */
    json_error_t json_error;
    json_t *line = json_load_file(path, JSON_DISABLE_EOF_CHECK, &json_error);
    if (!line || strcmp(json_string_value(json_object_get(line, "id")), "k1") != 0) {
        fprintf(stderr, "sink test: the JSON Lines file lacks the result\n");
        failures++;
    }
    json_decref(line);
    unlink(path);
    return failures;
}
