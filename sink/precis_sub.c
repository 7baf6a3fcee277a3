/*  precis_sub - the client side of the output socket: `precis sub`. */
#include "precis_sub.h"
#include <unistd.h>

void precis_sub_print(FILE *stream, const precis_result_t *result, const char *topic)
{
    const char *title = result->title && *result->title ? result->title : "(untitled)";
    fprintf(stream, "[%s] %s: %s\n", topic, result->id, title);
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

static const char *usage =
    "Usage: precis sub [OPTIONS]\n"
    "Subscribes to the output socket and prints each result as it comes: readable\n"
    "by default, one JSON object a line with --json.\n"
    "Exit codes: 0 stopped by --count or a signal, 1 --timeout passed first,\n"
    "2 usage error, 3 the socket could not be set up.";

int precis_cmd_sub(int argc, char **argv)
{
    precis_config_t config;
    precis_config_defaults(&config, false);
    int rc = precis_config_parse(&config, argc, argv,
                                 PRECIS_OPT_OUTPUT | PRECIS_OPT_TOPIC | PRECIS_OPT_JSON |
                                     PRECIS_OPT_COUNT,
                                 usage);
    if (rc != 0)
        return rc < 0 ? 0 : 2;
    precis_log_init("precis-sub", config.verbose);
    zsock_t *subscriber = precis_socket_new(ZMQ_SUB, config.output_endpoint, false);
    if (!subscriber)
        return 3;
    zsock_set_subscribe(subscriber, config.topic ? config.topic : "");
    zsock_set_maxmsgsize(subscriber, 64 << 20);
    zpoller_t *poller = zpoller_new(subscriber, NULL);
    long received = 0;
    int exit_code = 0;
    int64_t last = zclock_mono();
    /* Lines go out as they come, even into a pipe. */
    setvbuf(stdout, NULL, _IOLBF, 0);
    while (!zsys_interrupted && (config.count == 0 || received < config.count)) {
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
        char error[PRECIS_ERROR_SIZE];
        precis_result_t *result = precis_result_decode(zframe_data(body), zframe_size(body), error);
        if (!result)
            zsys_warning("skipping a message on %s that is not a result: %s", topic, error);
        else {
            if (config.json)
                print_json(result, topic);
            else
                precis_sub_print(stdout, result, topic);
            received++;
        }
        precis_result_destroy(&result);
        zstr_free(&topic);
        zframe_destroy(&body);
    }
    zpoller_destroy(&poller);
    zsock_set_linger(subscriber, 0);
    zsock_destroy(&subscriber);
    return exit_code;
}
