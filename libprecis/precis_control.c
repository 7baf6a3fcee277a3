/*  precis_control - control socket (PING, STATS) and Prometheus endpoint. */
#include "precis_control.h"
#include "precis_msgpack.h"
#include <errno.h>
#include <glob.h>
#include <netdb.h>
#include <jansson.h>
#include <sys/stat.h>
#include <microhttpd.h>

struct _precis_control_t {
    zsock_t *socket;
    struct MHD_Daemon *http;
    precis_stats_t *stats;
};

/* libmicrohttpd calls this in its own thread: counters are atomics. */
static enum MHD_Result serve_metrics(void *arg, struct MHD_Connection *connection,
                                     const char *url, const char *method,
                                     const char *version, const char *upload,
                                     size_t *upload_size, void **state)
{
    precis_control_t *self = arg;
    bool found = strcmp(url, "/metrics") == 0 && strcmp(method, "GET") == 0;
    enum { TEXT_SIZE = 65536 };
    char *text = malloc(TEXT_SIZE);
    if (!text)
        return MHD_NO;
    size_t len = found
                     ? precis_stats_prometheus(self->stats, text, TEXT_SIZE)
                     : (size_t)snprintf(text, TEXT_SIZE, "not found: try GET /metrics\n");
    struct MHD_Response *response =
        MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(response, "Content-Type", "text/plain; version=0.0.4");
    enum MHD_Result rc = MHD_queue_response(
        connection, found ? MHD_HTTP_OK : MHD_HTTP_NOT_FOUND, response);
    MHD_destroy_response(response);
    return rc;
}

/* Starts the HTTP server for /metrics on --metrics-address (numeric IPv4
   or IPv6; every interface when not given) and --metrics-port. 0 or -1,
   with the reason logged. */
static int start_metrics(precis_control_t *self, const precis_config_t *config)
{
    const char *address = config->metrics_address;
    struct addrinfo *found = NULL;
    if (address) {
        struct addrinfo hints = {.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
                                 .ai_socktype = SOCK_STREAM};
        char port[16];
        snprintf(port, sizeof port, "%d", config->metrics_port);
        int rc = getaddrinfo(address, port, &hints, &found);
        if (rc != 0) {
            zsys_error("cannot serve metrics: --metrics-address %s is not a numeric IPv4 "
                       "or IPv6 address (%s)",
                       address, gai_strerror(rc));
            return -1;
        }
    }
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD;
    if (found && found->ai_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    errno = 0;
    /* Without an address, libmicrohttpd listens on every IPv4 interface. */
    self->http = found ? MHD_start_daemon(flags, (uint16_t)config->metrics_port, NULL,
                                          NULL, serve_metrics, self, MHD_OPTION_SOCK_ADDR,
                                          found->ai_addr, MHD_OPTION_END)
                       : MHD_start_daemon(flags, (uint16_t)config->metrics_port, NULL,
                                          NULL, serve_metrics, self, MHD_OPTION_END);
    int error = errno;
    if (found)
        freeaddrinfo(found);
    if (!self->http) {
        zsys_error(
            "cannot serve metrics on %s port %d: %s (another process on that port? "
            "give each process its own --metrics-port)",
            address ? address : "every interface", config->metrics_port,
            error ? strerror(error) : "libmicrohttpd refused");
        return -1;
    }
    zsys_info("Prometheus metrics on http://%s:%d/metrics", address ? address : "*",
              config->metrics_port);
    return 0;
}

precis_control_t *precis_control_new(const precis_config_t *config, precis_stats_t *stats)
{
    precis_control_t *self = calloc(1, sizeof *self);
    assert(self);
    self->stats = stats;
    if (config->control_endpoint) {
        self->socket = zsock_new(ZMQ_ROUTER);
        zsock_set_linger(self->socket, 0);
        zsock_set_maxmsgsize(self->socket, 1024);
        if (zsock_bind(self->socket, "%s", config->control_endpoint) == -1) {
            zsys_error("cannot bind the control socket %s: %s", config->control_endpoint,
                       zmq_strerror(zmq_errno()));
            precis_control_destroy(&self);
            return NULL;
        }
    }
    if (config->metrics_port && start_metrics(self, config) != 0) {
        precis_control_destroy(&self);
        return NULL;
    }
    return self;
}

void precis_control_destroy(precis_control_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    precis_control_t *self = *self_p;
    if (self->http)
        MHD_stop_daemon(self->http);
    zsock_destroy(&self->socket);
    free(self);
    *self_p = NULL;
}

zsock_t *precis_control_socket(precis_control_t *self)
{
    return self ? self->socket : NULL;
}

void precis_control_handle(precis_control_t *self)
{
    zmsg_t *request = zmsg_recv(self->socket);
    if (!request)
        return;
    zframe_t *identity = zmsg_pop(request);
    char *command = zmsg_popstr(request);
    zmsg_t *answer = zmsg_new();
    zmsg_append(answer, &identity);
    if (command && strcmp(command, "PING") == 0)
        zmsg_addstr(answer, "PONG");
    else if (command && strcmp(command, "STATS") == 0) {
        msgpack_sbuffer buffer;
        msgpack_sbuffer_init(&buffer);
        msgpack_packer packer;
        msgpack_packer_init(&packer, &buffer, msgpack_sbuffer_write);
        precis_stats_pack(self->stats, &packer);
        zmsg_addmem(answer, buffer.data, buffer.size);
        msgpack_sbuffer_destroy(&buffer);
    } else
        zmsg_addstr(answer, "ERROR unknown command (PING or STATS)");
    zstr_free(&command);
    zmsg_destroy(&request);
    zmsg_send(&answer, self->socket);
}

/* Sends command to a control endpoint; the answer frame, or NULL on timeout. */
static zframe_t *ask(const char *endpoint, const char *command, int timeout_ms)
{
    zsock_t *sock = zsock_new(ZMQ_DEALER);
    zsock_set_linger(sock, 0);
    zsock_set_rcvtimeo(sock, timeout_ms);
    zframe_t *answer = NULL;
    if (zsock_connect(sock, "%s", endpoint) == 0) {
        zstr_send(sock, command);
        answer = zframe_recv(sock);
    }
    zsock_destroy(&sock);
    return answer;
}

/* The control endpoints: those given, or every NAME.ctl in the run dir. */
static zlistx_t *control_endpoints(const precis_config_t *config, const char *run_dir)
{
    zlistx_t *endpoints = zlistx_new();
    zlistx_set_destructor(endpoints, (zlistx_destructor_fn *)zstr_free);
    if (config->control_endpoint)
        zlistx_add_end(endpoints, strdup(config->control_endpoint));
    for (int i = 0; i < config->argc; i++)
        zlistx_add_end(endpoints, strdup(config->argv[i]));
    if (run_dir) {
        char *pattern = zsys_sprintf("%s/*.ctl", run_dir);
        glob_t found;
        if (glob(pattern, 0, NULL, &found) == 0)
            for (size_t i = 0; i < found.gl_pathc; i++)
                zlistx_add_end(endpoints, zsys_sprintf("ipc://%s", found.gl_pathv[i]));
        globfree(&found);
        zstr_free(&pattern);
    }
    return endpoints;
}

/* The instance a control endpoint belongs to: NAME for the run dir's
   ipc://DIR/NAME.ctl (e.g. "summarize-2"), else the endpoint itself. */
static char *instance_of(const char *endpoint)
{
    const char *slash = strrchr(endpoint, '/');
    size_t len = strlen(endpoint);
    if (strncmp(endpoint, "ipc://", 6) == 0 && slash && len > 4 &&
        strcmp(endpoint + len - 4, ".ctl") == 0)
        return zsys_sprintf("%.*s", (int)(endpoint + len - 4 - slash - 1), slash + 1);
    return strdup(endpoint);
}

/* A msgpack map of integers as a JSON object (NULL when not a map). */
static json_t *json_of_int_map(const msgpack_object *map)
{
    if (!map || map->type != MSGPACK_OBJECT_MAP)
        return NULL;
    json_t *object = json_object();
    for (uint32_t i = 0; i < map->via.map.size; i++) {
        const msgpack_object *key = &map->via.map.ptr[i].key;
        int64_t number = 0;
        if (key->type != MSGPACK_OBJECT_STR ||
            !precis_mp_int(&map->via.map.ptr[i].val, &number))
            continue;
        char *name = zsys_sprintf("%.*s", (int)key->via.str.size, key->via.str.ptr);
        json_object_set_new(object, name, json_integer(number));
        zstr_free(&name);
    }
    return object;
}

/* Prints one process's figures: one line of text, or with json one JSON
   object on a line (instance, endpoint, name, pid, uptime_s, counters,
   latency_us). Returns false when the answer is not a stats map. */
static bool print_stats(const char *endpoint, zframe_t *answer, bool json)
{
    msgpack_unpacked unpacked;
    msgpack_unpacked_init(&unpacked);
    bool ok = precis_mp_unpack(&unpacked, zframe_data(answer), zframe_size(answer), 4) &&
              unpacked.data.type == MSGPACK_OBJECT_MAP;
    char *instance = instance_of(endpoint);
    if (ok) {
        const msgpack_object *map = &unpacked.data, *value;
        int64_t pid = 0, uptime = 0;
        if ((value = precis_mp_lookup(map, "pid")))
            precis_mp_int(value, &pid);
        if ((value = precis_mp_lookup(map, "uptime_s")))
            precis_mp_int(value, &uptime);
        value = precis_mp_lookup(map, "name");
        bool named = value && value->type == MSGPACK_OBJECT_STR;
        const msgpack_object *counters = precis_mp_lookup(map, "counters");
        const msgpack_object *latency = precis_mp_lookup(map, "latency_us");
        if (json) {
            json_t *row = json_object();
            json_object_set_new(row, "instance", json_string(instance));
            json_object_set_new(row, "endpoint", json_string(endpoint));
            json_object_set_new(
                row, "name",
                named ? json_stringn(value->via.str.ptr, value->via.str.size)
                      : json_null());
            json_object_set_new(row, "pid", json_integer(pid));
            json_object_set_new(row, "uptime_s", json_integer(uptime));
            json_t *c = json_of_int_map(counters), *l = json_of_int_map(latency);
            json_object_set_new(row, "counters", c ? c : json_object());
            json_object_set_new(row, "latency_us", l ? l : json_object());
            char *text = json_dumps(row, JSON_COMPACT);
            if (text)
                puts(text);
            free(text);
            json_decref(row);
        } else {
            printf("%-12s %-10.*s pid %-7lld up %5llds ", instance,
                   named ? (int)value->via.str.size : 1, named ? value->via.str.ptr : "?",
                   (long long)pid, (long long)uptime);
            for (uint32_t i = 0; counters && i < counters->via.map.size; i++) {
                int64_t number = 0;
                precis_mp_int(&counters->via.map.ptr[i].val, &number);
                printf(" %.*s=%lld", (int)counters->via.map.ptr[i].key.via.str.size,
                       counters->via.map.ptr[i].key.via.str.ptr, (long long)number);
            }
            int64_t p50 = 0, p99 = 0;
            if (latency && (value = precis_mp_lookup(latency, "p50")))
                precis_mp_int(value, &p50);
            if (latency && (value = precis_mp_lookup(latency, "p99")))
                precis_mp_int(value, &p99);
            printf("  latency p50<=%lldus p99<=%lldus\n", (long long)p50, (long long)p99);
        }
    }
    zstr_free(&instance);
    msgpack_unpacked_destroy(&unpacked);
    if (!ok)
        fprintf(stderr, "%s: not a stats answer\n", endpoint);
    return ok;
}

static const char *stats_usage =
    "Usage: precis stats [--json] [--run-dir DIR] [--control ENDPOINT] [ENDPOINT...]\n"
    "Prints the live figures of every process, one row each, named by its instance\n"
    "(ingest, sink, normalize-1, summarize-2...): those whose control endpoints are\n"
    "given, and every NAME.ctl socket in the run directory of deploy/pipeline.\n"
    "  --run-dir DIR   the run directory (default: $PRECIS_RUN_DIR, else ./run,\n"
    "                  when no endpoint is given)\n"
    "  --json          one JSON object a line: instance, endpoint, name, pid,\n"
    "                  uptime_s, counters, latency_us (for jq and scripts)\n"
    "Exit codes: 0 every process answered, 1 one did not, 2 usage error or no\n"
    "such run directory.";

static const char *ping_usage =
    "Usage: precis ping [--timeout SECONDS] [--run-dir DIR] [--control ENDPOINT] "
    "[ENDPOINT...]\n"
    "Asks each process whether it is alive (its control socket answers PONG).\n"
    "  --run-dir DIR   the run directory (default: $PRECIS_RUN_DIR, else ./run,\n"
    "                  when no endpoint is given)\n"
    "Exit codes: 0 every process answered, 1 one did not, 2 usage error.";

static bool is_directory(const char *path)
{
    struct stat info;
    return stat(path, &info) == 0 && S_ISDIR(info.st_mode);
}

/* Shared by stats and ping: ask every endpoint, report, count failures. */
static int ask_all(int argc, char **argv, const char *usage, const char *command)
{
    precis_config_t config;
    precis_config_defaults(&config, false);
    /* --run-dir and --json are only for these commands, so they are taken
       here. */
    const char *run_dir = NULL;
    bool json = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        int take = strcmp(argv[i], "--run-dir") == 0 && i + 1 < argc                 ? 2
                   : strcmp(argv[i], "--json") == 0 && strcmp(command, "STATS") == 0 ? 1
                                                                                     : 0;
        if (take == 2)
            run_dir = argv[i + 1];
        else if (take == 1)
            json = true;
        if (take) {
            memmove(argv + i, argv + i + take, (size_t)(argc - i - take) * sizeof *argv);
            argc -= take;
            i--;
        }
    }
    precis_config_help("timeout", "wait at most SECONDS for each answer (default 2)");
    int rc = precis_config_parse(&config, argc, argv,
                                 PRECIS_OPT_CONTROL | PRECIS_OPT_TIMEOUT, usage);
    if (rc != 0)
        return rc < 0 ? 0 : 2;
    for (int i = 0; i < config.argc; i++)
        if (!precis_config_endpoint_ok(config.argv[i])) {
            fprintf(
                stderr,
                "precis %s: '%s': expected an endpoint such as ipc:///PATH/NAME.ctl or "
                "tcp://HOST:PORT\n",
                command[0] == 'S' ? "stats" : "ping", config.argv[i]);
            return 2;
        }
    if (run_dir && !is_directory(run_dir)) {
        fprintf(stderr,
                "precis %s: the run directory %s does not exist (deploy/pipeline up "
                "makes it; see --run-dir)\n",
                command[0] == 'S' ? "stats" : "ping", run_dir);
        return 2;
    }
    /* Nothing named: the pipeline of this shell (run/env exports
       PRECIS_RUN_DIR), else ./run. */
    if (!run_dir && !config.control_endpoint && config.argc == 0) {
        const char *env = getenv("PRECIS_RUN_DIR");
        run_dir = env && *env ? env : "run";
    }
    zlistx_t *endpoints = control_endpoints(&config, run_dir);
    if (zlistx_size(endpoints) == 0) {
        /* Not a usage error: the pipeline is not running, so nothing
           answers (exit 1, as when one process does not answer). */
        fprintf(stderr,
                "precis %s: nothing answered: no NAME.ctl socket in %s (is the pipeline "
                "running? deploy/pipeline status)\n",
                command[0] == 'S' ? "stats" : "ping",
                run_dir ? run_dir : "the run directory");
        zlistx_destroy(&endpoints);
        return 1;
    }
    int timeout_ms = config.timeout > 0 ? (int)(config.timeout * 1000) : 2000,
        failures = 0;
    for (char *endpoint = zlistx_first(endpoints); endpoint;
         endpoint = zlistx_next(endpoints)) {
        zframe_t *answer = ask(endpoint, command, timeout_ms);
        if (!answer) {
            char *instance = instance_of(endpoint);
            if (json) {
                json_t *row = json_pack("{s:s, s:s, s:s}", "instance", instance,
                                        "endpoint", endpoint, "error", "no answer");
                char *text = row ? json_dumps(row, JSON_COMPACT) : NULL;
                if (text)
                    puts(text);
                free(text);
                json_decref(row);
            } else
                printf("%s: no answer (%s)\n", instance, endpoint);
            zstr_free(&instance);
            failures++;
        } else if (strcmp(command, "PING") == 0) {
            bool pong = zframe_streq(answer, "PONG");
            printf("%s: %s\n", endpoint, pong ? "alive" : "wrong answer");
            failures += !pong;
        } else
            failures += !print_stats(endpoint, answer, json);
        zframe_destroy(&answer);
    }
    zlistx_destroy(&endpoints);
    return failures ? 1 : 0;
}

int precis_cmd_stats(int argc, char **argv)
{
    return ask_all(argc, argv, stats_usage, "STATS");
}

int precis_cmd_ping(int argc, char **argv)
{
    return ask_all(argc, argv, ping_usage, "PING");
}

int precis_control_test(bool verbose)
{
    int failures = 0;
    precis_config_t config;
    precis_config_defaults(&config, true);
    config.control_endpoint = "inproc://control-test";
    precis_stats_t *stats = precis_stats_new("sink");
    int published = precis_stats_counter(stats, "published", "results published");
    precis_stats_add(stats, published, 42);
    precis_control_t *control = precis_control_new(&config, stats);
    assert(control);
    zsock_t *client = zsock_new_dealer(">inproc://control-test");
    zsock_set_rcvtimeo(client, 1000);
    zstr_send(client, "PING");
    precis_control_handle(control);
    char *pong = zstr_recv(client);
    if (!pong || strcmp(pong, "PONG") != 0) {
        fprintf(stderr, "control test: PING not answered\n");
        failures++;
    }
    zstr_free(&pong);
    zstr_send(client, "STATS");
    precis_control_handle(control);
    zframe_t *answer = zframe_recv(client);
    msgpack_unpacked unpacked;
    msgpack_unpacked_init(&unpacked);
    int64_t value = 0;
    if (answer &&
        precis_mp_unpack(&unpacked, zframe_data(answer), zframe_size(answer), 4)) {
        const msgpack_object *counters = precis_mp_lookup(&unpacked.data, "counters");
        const msgpack_object *count =
            counters ? precis_mp_lookup(counters, "published") : NULL;
        if (count)
            precis_mp_int(count, &value);
    }
    if (value != 42) {
        fprintf(stderr, "control test: STATS did not carry the counter\n");
        failures++;
    }
    msgpack_unpacked_destroy(&unpacked);
    zframe_destroy(&answer);
    zsock_destroy(&client);
    precis_control_destroy(&control);
    precis_stats_destroy(&stats);
    return failures;
}
