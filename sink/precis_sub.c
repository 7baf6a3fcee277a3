/*  precis_sub - the client side of the output socket: `precis sub`.

    The subscriber keeps its position: the log it follows (`log_id`) and the
    next sequence number to print. Live results are printed when they are
    the next one; one ahead of it means results were missed (the PUB
    high-water mark, a late start, a reconnect), and the gap is fetched from
    the sink's replay socket before the live one is printed; one behind it
    was printed already (a replay overlapped the live stream). When nothing
    comes for a while the replay socket is asked whether results were
    published that the subscription missed (the tail of a burst, results
    published while the sink restarted). A result or a replay answer from
    another log means the sink's numbering started over: that is said on
    stderr and printing goes on from the new log's start.

    The default start (live from now) is the sink's `next`, asked after
    subscribing: results published while the subscription was still on its
    way to the sink (ZeroMQ's slow joiner) are then fetched by replay. */
#include "precis_sub.h"
#include "precis_msgpack.h"
#include <unistd.h>

/* Exit codes besides 0, 1 and 2 (see the usage). */
#define EXIT_NO_REPLAY   3
#define EXIT_SINCE_AHEAD 4

/* A log id is 16 hex characters; longer ones are cut to this. */
#define LOG_ID_SIZE 65
/* Logs left behind that are remembered, to tell a late live result of one
   from a new numbering. */
#define LEFT_LOGS 8

/* How long to wait for a replay answer: at the start and to fill a gap
   (the sink just published, so its replay socket is up), and when quiet
   or probing an endpoint guessed from --output (which may have none). */
#define ANSWER_MS       10000
#define QUICK_ANSWER_MS 2000

/* Ask the replay socket for missed results after this long without a
   live one. */
#define IDLE_CHECK_MS 500

/* Results a replay request asks for (the sink's maximum). */
#define REPLAY_PAGE 1000

void precis_sub_print(FILE *stream, const precis_result_t *result, const char *topic)
{
    const char *title = result->title && *result->title ? result->title : "(untitled)";
    fprintf(stream, "[%s #%llu] %s: %s", topic, (unsigned long long)result->seq,
            result->id, title);
    /* A repeat says of what, and how near: the reader sees the story's
       first article without --json. */
    if (result->duplicate_of && result->exact)
        fprintf(stream, " (repeats %s, exact copy)", result->duplicate_of);
    else if (result->duplicate_of)
        fprintf(stream, " (repeats %s, similarity %.2f)", result->duplicate_of,
                result->similarity);
    fputc('\n', stream);
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

/* A msgpack value as JSON; NULL for what JSON has no form of (binary,
   extensions, strings that are not UTF-8), left out by the caller. */
static json_t *mp_to_json(const msgpack_object *object)
{
    switch (object->type) {
    case MSGPACK_OBJECT_NIL:
        return json_null();
    case MSGPACK_OBJECT_BOOLEAN:
        return json_boolean(object->via.boolean);
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
        return object->via.u64 > INT64_MAX ? json_real((double)object->via.u64)
                                           : json_integer((json_int_t)object->via.u64);
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        return json_integer((json_int_t)object->via.i64);
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64:
        return json_real(object->via.f64);
    case MSGPACK_OBJECT_STR:
        return json_stringn(object->via.str.ptr, object->via.str.size);
    case MSGPACK_OBJECT_ARRAY: {
        json_t *array = json_array();
        for (uint32_t i = 0; i < object->via.array.size; i++) {
            json_t *item = mp_to_json(&object->via.array.ptr[i]);
            json_array_append_new(array, item ? item : json_null());
        }
        return array;
    }
    case MSGPACK_OBJECT_MAP: {
        json_t *map = json_object();
        for (uint32_t i = 0; i < object->via.map.size; i++) {
            const msgpack_object_kv *pair = &object->via.map.ptr[i];
            if (pair->key.type != MSGPACK_OBJECT_STR)
                continue;
            json_t *value = mp_to_json(&pair->val);
            if (value)
                json_object_setn_new(map, pair->key.via.str.ptr, pair->key.via.str.size,
                                     value);
        }
        return map;
    }
    default:
        return NULL;
    }
}

/* The published map as JSON with every key it has (docs/PROTOCOL.md: key,
   and fields newer than this program), not only those precis_result_t
   knows; the decoded result's form when the body cannot be read again. */
static json_t *body_to_json(const precis_result_t *result, zframe_t *body)
{
    json_t *json = NULL;
    msgpack_unpacked unpacked;
    msgpack_unpacked_init(&unpacked);
    if (body && precis_mp_unpack(&unpacked, zframe_data(body), zframe_size(body), 16) &&
        unpacked.data.type == MSGPACK_OBJECT_MAP)
        json = mp_to_json(&unpacked.data);
    msgpack_unpacked_destroy(&unpacked);
    return json ? json : precis_result_to_json(result);
}

static void print_json(const precis_result_t *result, zframe_t *body, const char *topic,
                       const char *log_id)
{
    json_t *json = body_to_json(result, body);
    json_object_set_new(json, "topic", json_string(topic));
    if (*log_id)
        json_object_set_new(json, "log_id", json_string(log_id));
    char *line = json_dumps(json, JSON_COMPACT);
    puts(line);
    free(line);
    json_decref(json);
}

precis_sub_step_t precis_sub_step(uint64_t next, const char *known_log, uint64_t seq,
                                  const char *log_id)
{
    if (log_id && *log_id && known_log && *known_log && strcmp(log_id, known_log) != 0)
        return PRECIS_SUB_NEW_LOG;
    if (next == 0 || seq == next)
        return PRECIS_SUB_PRINT;
    return seq < next ? PRECIS_SUB_DUPLICATE : PRECIS_SUB_GAP;
}

char *precis_sub_replay_endpoint(const char *output_endpoint)
{
    if (!output_endpoint || strncmp(output_endpoint, "tcp://", 6) != 0)
        return NULL;
    const char *colon = strrchr(output_endpoint, ':');
    char *end = NULL;
    long port = colon ? strtol(colon + 1, &end, 10) : 0;
    if (colon < output_endpoint + 6 || !end || *end || port < 1 || port > 65533)
        return NULL;
    return zsys_sprintf("%.*s:%ld", (int)(colon - output_endpoint), output_endpoint,
                        port + 2);
}

/* Copies the result's log_id into log_id ("" when it has none). */
static void read_log_id(const msgpack_object *map, char *log_id)
{
    const msgpack_object *value = precis_mp_lookup(map, "log_id");
    log_id[0] = 0;
    if (value && value->type == MSGPACK_OBJECT_STR) {
        size_t size =
            value->via.str.size < LOG_ID_SIZE - 1 ? value->via.str.size : LOG_ID_SIZE - 1;
        memcpy(log_id, value->via.str.ptr, size);
        log_id[size] = 0;
    }
}

/* The log_id of an encoded result ("" when it has none). */
static void body_log_id(const void *body, size_t size, char *log_id)
{
    msgpack_unpacked unpacked;
    msgpack_unpacked_init(&unpacked);
    log_id[0] = 0;
    if (precis_mp_unpack(&unpacked, body, size, 16))
        read_log_id(&unpacked.data, log_id);
    msgpack_unpacked_destroy(&unpacked);
}

/* A subscription and its position. */
typedef struct {
    const precis_config_t *config;
    zsock_t *replay;          /* DEALER to the sink's replay socket; NULL: none */
    char *replay_endpoint;    /* given, derived from --output, or NULL */
    char log_id[LOG_ID_SIZE]; /* the log next belongs to; "" not known */
    char left[LEFT_LOGS][LOG_ID_SIZE]; /* logs followed before, newest last */
    size_t left_count;
    uint64_t next; /* the next sequence number to print; 0 not known */
    uint64_t end;  /* with --exit-at-end: done once next reaches it */
    long printed;
    bool following;    /* the start is done: a --since ahead is no longer fatal */
    bool quiet_trim;   /* --from-beginning: retention is no news */
    bool told_missing; /* said once that a gap cannot be fetched */
} sub_t;

static bool wants_more(const sub_t *self)
{
    return self->config->count == 0 || self->printed < self->config->count;
}

/* True when log_id is a log this subscriber followed before and left. */
static bool left_behind(const sub_t *self, const char *log_id)
{
    for (size_t i = 0; i < self->left_count; i++)
        if (strcmp(self->left[i], log_id) == 0)
            return true;
    return false;
}

/* Remembers the log being left (the oldest forgotten past LEFT_LOGS), and
   forgets log_id, which is followed again. */
static void leave_log(sub_t *self, const char *log_id)
{
    size_t kept = 0;
    for (size_t i = 0; i < self->left_count; i++)
        if (strcmp(self->left[i], log_id) != 0 &&
            strcmp(self->left[i], self->log_id) != 0)
            memmove(self->left[kept++], self->left[i], LOG_ID_SIZE);
    if (kept == LEFT_LOGS) { /* the oldest goes */
        memmove(self->left[0], self->left[1], (LEFT_LOGS - 1) * LOG_ID_SIZE);
        kept--;
    }
    snprintf(self->left[kept++], LOG_ID_SIZE, "%s", self->log_id);
    self->left_count = kept;
}

/* Takes the log a result or an answer came from; says so when the sink's
   numbering started over. */
static void adopt_log(sub_t *self, const char *log_id)
{
    if (!*log_id || strcmp(log_id, self->log_id) == 0)
        return;
    if (*self->log_id) {
        leave_log(self, log_id);
        zsys_warning("the sink's numbering started over (log_id %s, was %s): results "
                     "are numbered from 1 again; going on from the new log's start",
                     log_id, self->log_id);
        /* With replay the new log is printed from its start; without it,
           from the result that showed it. */
        self->next = self->replay ? 1 : 0;
    }
    snprintf(self->log_id, sizeof self->log_id, "%s", log_id);
}

/* Prints a result (when its topic is wanted) and moves past it. */
static void print_result(sub_t *self, const precis_result_t *result, zframe_t *body,
                         const char *topic, const char *log_id)
{
    const char *prefix = self->config->topic ? self->config->topic : "";
    /* --unique: only the first article of each story. */
    bool repeat = self->config->unique && result->duplicate_of;
    if (!repeat && strncmp(topic, prefix, strlen(prefix)) == 0 && wants_more(self)) {
        if (self->config->json)
            print_json(result, body, topic, log_id);
        else
            precis_sub_print(stdout, result, topic);
        self->printed++;
    }
    if (result->seq)
        self->next = result->seq + 1;
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
    char log_id[LOG_ID_SIZE]; /* "" from an older sink */
} header_t;

static int64_t header_int(const msgpack_object *map, const char *key, int64_t absent)
{
    const msgpack_object *value = precis_mp_lookup(map, key);
    int64_t number = absent;
    if (value)
        precis_mp_int(value, &number);
    return number;
}

/* Reads a replay header; false when it is not one (not a map of type
   "replay": whatever answered is not a sink's replay socket). */
static bool read_header(zframe_t *frame, header_t *header)
{
    *header = (header_t){.next = -1};
    msgpack_unpacked unpacked;
    msgpack_unpacked_init(&unpacked);
    bool ok =
        frame && precis_mp_unpack(&unpacked, zframe_data(frame), zframe_size(frame), 4);
    const msgpack_object *map = &unpacked.data;
    const msgpack_object *type = ok ? precis_mp_lookup(map, "type") : NULL;
    ok = ok && type && precis_mp_key_is(type, "replay");
    if (ok) {
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
        read_log_id(map, header->log_id);
    }
    msgpack_unpacked_destroy(&unpacked);
    return ok;
}

static void send_request(sub_t *self, uint64_t since, int max)
{
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init(&buffer);
    msgpack_packer packer;
    msgpack_packer_init(&packer, &buffer, msgpack_sbuffer_write);
    msgpack_pack_map(&packer, 3);
    precis_mp_pack_kv_str(&packer, "type", "replay", 6);
    precis_mp_pack_kv_int(&packer, "since", (int64_t)since);
    precis_mp_pack_kv_int(&packer, "max", max);
    zmq_send(zsock_resolve(self->replay), buffer.data, buffer.size, 0);
    msgpack_sbuffer_destroy(&buffer);
}

typedef enum {
    ASK_OK,
    ASK_NO_ANSWER, /* nothing within the wait: the socket was made anew */
    ASK_FAILED,    /* refused, or not a replay socket */
} ask_t;

/* Sends one request and waits up to wait_ms for its answer, asking again
   while the sink is busy. The answer's header is in header, its result
   frames (topic, body pairs) left in *answer. */
static ask_t ask(sub_t *self, uint64_t since, int max, int wait_ms, header_t *header,
                 zmsg_t **answer)
{
    bool told_busy = false;
    while (!zsys_interrupted) {
        send_request(self, since, max);
        zpoller_t *poller = zpoller_new(self->replay, NULL);
        bool ready = zpoller_wait(poller, wait_ms) != NULL;
        zpoller_destroy(&poller);
        *answer = ready ? zmsg_recv(self->replay) : NULL;
        if (!*answer) {
            /* A late answer to this request must not be read as the
               answer to the next one: start over with a new socket. */
            zsock_set_linger(self->replay, 0);
            zsock_destroy(&self->replay);
            self->replay = precis_socket_new(ZMQ_DEALER, self->replay_endpoint, false);
            return self->replay ? ASK_NO_ANSWER : ASK_FAILED;
        }
        zframe_t *frame = zmsg_pop(*answer);
        bool valid = read_header(frame, header);
        zframe_destroy(&frame);
        if (!valid || header->refused) {
            zmsg_destroy(answer);
            return ASK_FAILED;
        }
        if (!header->busy)
            return ASK_OK;
        /* The sink holds as many replay answers as it allows: ask again. */
        zmsg_destroy(answer);
        if (!told_busy)
            zsys_notice("the sink's replay is busy; asking again");
        told_busy = true;
        zclock_sleep((int)(header->retry_ms > 0 && header->retry_ms < 5000
                               ? header->retry_ms
                               : 200));
    }
    return ASK_NO_ANSWER;
}

static void take(sub_t *self, const char *topic, zframe_t *body, bool live);

typedef enum {
    FETCH_OK,
    FETCH_NO_ANSWER, /* the replay socket did not answer */
    FETCH_FAILED,    /* refused, or not a replay socket */
    FETCH_AHEAD,     /* the start is beyond the sink's output */
} fetch_t;

/* What a replay header says about the position: a new log, a start
   beyond the output, results deleted by retention. False: stop. */
static bool check_header(sub_t *self, const header_t *header, fetch_t *status)
{
    adopt_log(self, header->log_id);
    if (header->next > 0 && self->next > (uint64_t)header->next) {
        if (!self->following) {
            zsys_error("--since %llu is beyond the sink's output: its next result will "
                       "be number %lld (was its output log deleted or replaced?)",
                       (unsigned long long)self->next, (long long)header->next);
            *status = FETCH_AHEAD;
            return false;
        }
        /* An older sink (no log_id) whose log was replaced. */
        zsys_warning("the sink's next result is number %lld, below %llu: its "
                     "numbering started over; going on from its start",
                     (long long)header->next, (unsigned long long)self->next);
        self->next = 1;
    }
    if (header->trimmed > 0 && header->first > 0 &&
        (uint64_t)header->first > self->next) {
        /* Deleted by the sink's retention (--log-max-bytes): say so, and go
           on from the oldest result kept. */
        if (!self->quiet_trim)
            zsys_warning("results %llu to %llu are no longer in the sink's output "
                         "log (deleted by retention); going on from %llu",
                         (unsigned long long)self->next,
                         (unsigned long long)header->first - 1,
                         (unsigned long long)header->first);
        self->next = (uint64_t)header->first;
    }
    return true;
}

/* Prints the log from self->next up to (not including) until, or to its
   end when until is 0, waiting up to wait_ms for each answer. */
static fetch_t fetch(sub_t *self, uint64_t until, int wait_ms)
{
    while (self->replay && wants_more(self) && !zsys_interrupted &&
           (until == 0 || self->next < until)) {
        header_t header;
        zmsg_t *answer = NULL;
        uint64_t since = self->next ? self->next : 1;
        ask_t asked = ask(self, since, REPLAY_PAGE, wait_ms, &header, &answer);
        if (asked != ASK_OK)
            return asked == ASK_NO_ANSWER ? FETCH_NO_ANSWER : FETCH_FAILED;
        fetch_t status = FETCH_OK;
        bool go_on = check_header(self, &header, &status);
        if (go_on && self->next < since) {
            /* The numbering started over: this answer is from the middle
               of the new log; ask again from its start. */
            zmsg_destroy(&answer);
            continue;
        }
        while (go_on && zmsg_size(answer) >= 2) {
            char *topic = zmsg_popstr(answer);
            zframe_t *body = zmsg_pop(answer);
            take(self, topic, body, false);
            zstr_free(&topic);
            zframe_destroy(&body);
        }
        zmsg_destroy(&answer);
        if (!go_on)
            return status;
        if (header.count == 0)
            return FETCH_OK; /* caught up with the log */
    }
    return FETCH_OK;
}

/* Says once that results were missed and cannot be fetched. */
static void tell_missing(sub_t *self, uint64_t seq)
{
    if (self->told_missing)
        return;
    self->told_missing = true;
    zsys_warning("results %llu to %llu were missed (the sink's high-water mark, a late "
                 "start or a reconnect) and cannot be fetched: %s (said once)",
                 (unsigned long long)self->next, (unsigned long long)seq - 1,
                 !self->replay ? "no replay socket (give --replay; the sink needs --log)"
                               : "the replay socket does not answer or lacks them");
}

/* Handles one result, live (from the subscription) or from a replay. */
static void take(sub_t *self, const char *topic, zframe_t *body, bool live)
{
    char error[PRECIS_ERROR_SIZE], log_id[LOG_ID_SIZE];
    precis_result_t *result =
        precis_result_decode(zframe_data(body), zframe_size(body), error);
    if (!result) {
        zsys_warning("skipping a message on %s that is not a result: %s", topic, error);
        return;
    }
    body_log_id(zframe_data(body), zframe_size(body), log_id);
    if (live && *log_id && left_behind(self, log_id)) {
        /* A live result of a log already left, queued at the subscription
           while replay answers showed the new one: not a new numbering
           (following it again printed the new log's results twice). The
           replay socket, which speaks for the sink now, can still lead
           back to it. */
        precis_debug("skipping live result %llu of log %s, left for %s",
                     (unsigned long long)result->seq, log_id, self->log_id);
        precis_result_destroy(&result);
        return;
    }
    adopt_log(self, log_id);
    precis_sub_step_t step = precis_sub_step(self->next, self->log_id, result->seq, NULL);
    if (live && step == PRECIS_SUB_GAP && self->replay) {
        uint64_t from = self->next;
        if (fetch(self, result->seq, ANSWER_MS) == FETCH_OK)
            step = precis_sub_step(self->next, self->log_id, result->seq, NULL);
        if (self->next > from)
            precis_debug("gap: results %llu to %llu fetched from the replay socket",
                         (unsigned long long)from, (unsigned long long)self->next - 1);
    }
    if (live && step == PRECIS_SUB_GAP) {
        /* No replay, or it does not answer, or its log stops short of this
           result: print it, the rest of the gap is lost. */
        tell_missing(self, result->seq);
        step = PRECIS_SUB_PRINT;
    }
    /* A duplicate is only known with replay; without it every live
       result is printed, as it comes. A gap inside a replay answer is
       what the log keeps. */
    if (step == PRECIS_SUB_PRINT || step == PRECIS_SUB_GAP ||
        (step == PRECIS_SUB_DUPLICATE && !self->replay))
        print_result(self, result, body, topic, log_id);
    precis_result_destroy(&result);
}

/* Where the options say to start, once the sink's next and log are known
   (from the probe). Returns 0 or an exit code. */
static int start(sub_t *self, const header_t *probe)
{
    const precis_config_t *config = self->config;
    uint64_t head = probe->next > 0 ? (uint64_t)probe->next : 1;
    if (config->exit_at_end)
        self->end = head;
    if (config->from_beginning) {
        self->next = 1;
        self->quiet_trim = true;
    } else if (config->last)
        self->next = head > (uint64_t)config->last ? head - (uint64_t)config->last : 1;
    else if (config->since)
        self->next = (uint64_t)config->since;
    else
        self->next = head;
    /* Beyond the output is said here too: with --exit-at-end there is
       nothing to fetch, and the replay header would never be read. */
    if (config->since && self->next > head) {
        zsys_error("--since %llu is beyond the sink's output: its next result will be "
                   "number %llu (was its output log deleted or replaced?)",
                   (unsigned long long)self->next, (unsigned long long)head);
        return EXIT_SINCE_AHEAD;
    }
    fetch_t fetched = fetch(self, self->end, ANSWER_MS);
    self->quiet_trim = false;
    self->following = true;
    if (fetched == FETCH_AHEAD)
        return EXIT_SINCE_AHEAD;
    if (fetched != FETCH_OK) {
        zsys_error("the replay socket %s did not answer", self->replay_endpoint);
        return EXIT_NO_REPLAY;
    }
    return 0;
}

/* Connects the replay socket and asks it for the sink's next result and
   log. Returns 0, or an exit code when the options need replay and there
   is none; without one, self->replay is left NULL (live only). */
static int connect_replay(sub_t *self, bool needed, bool given)
{
    if (!self->replay_endpoint) {
        if (!needed)
            return 0;
        if (self->config->no_replay_socket) {
            /* Said at once: asking a socket that is not there would only
               time out with "is the pipeline running?", which it is. */
            fprintf(
                stderr,
                "precis sub: the pipeline runs without a replay socket (PRECIS_REPLAY "
                "is empty: started with --no-replay), and --since, --from-beginning, "
                "--last, --exit-at-end and --print-next need one; plain `precis sub` "
                "follows live results\n");
            return EXIT_NO_REPLAY;
        }
        zsys_error("--since, --from-beginning, --last, --exit-at-end and --print-next "
                   "need the sink's replay socket: give --replay ENDPOINT");
        return 2;
    }
    self->replay = precis_socket_new(ZMQ_DEALER, self->replay_endpoint, false);
    if (!self->replay)
        return EXIT_NO_REPLAY;
    header_t probe;
    zmsg_t *answer = NULL;
    /* The oldest result is the cheapest thing to ask for; only the
       header is used. */
    ask_t asked =
        ask(self, 1, 1, given || needed ? ANSWER_MS : QUICK_ANSWER_MS, &probe, &answer);
    zmsg_destroy(&answer);
    if (asked == ASK_OK && self->config->print_next) {
        printf("%lld\n", (long long)(probe.next > 0 ? probe.next : 1));
        self->next = self->end = 1; /* done: nothing to follow */
        return 0;
    }
    if (asked == ASK_OK) {
        adopt_log(self, probe.log_id);
        return start(self, &probe);
    }
    zsock_destroy(&self->replay);
    if (needed || given) {
        zsys_error("no answer from the replay socket %s (is the pipeline running, and "
                   "with replay? `deploy/pipeline up --no-replay` starts none)",
                   self->replay_endpoint);
        return EXIT_NO_REPLAY;
    }
    /* Said without -v: a pipeline that is not there (other ports, not
       started) is otherwise a subscriber that waits without a word. */
    fprintf(stderr,
            "precis sub: no answer from the replay socket %s in %d s: following %s live "
            "only; is the pipeline running? (deploy/pipeline status)\n",
            self->replay_endpoint, QUICK_ANSWER_MS / 1000, self->config->output_endpoint);
    return 0;
}

/* The subscription: every topic when replay is on (a gap is only seen in
   the whole numbering; the topic is then filtered here). The receive
   high-water mark is ZeroMQ's unless PRECIS_SUB_RCVHWM sets it (for tests
   that make the subscription lose results). */
static zsock_t *subscribe(const precis_config_t *config, const char *prefix)
{
    zsock_t *subscriber = zsock_new(ZMQ_SUB);
    if (!subscriber)
        return NULL;
    precis_socket_tune(subscriber);
    precis_curve_client(subscriber);
    const char *hwm = getenv("PRECIS_SUB_RCVHWM");
    if (hwm && atoi(hwm) > 0) {
        zsock_set_rcvhwm(subscriber, atoi(hwm));
        zsock_set_rcvbuf(subscriber, 4096);
    }
    zsock_set_subscribe(subscriber, prefix);
    zsock_set_maxmsgsize(subscriber, 64 << 20);
    if (zsock_connect(subscriber, "%s", config->output_endpoint) == -1) {
        zsys_error("cannot connect to %s: %s", config->output_endpoint,
                   zmq_strerror(zmq_errno()));
        zsock_destroy(&subscriber);
    }
    return subscriber;
}

/* Follows the subscription until --count, --exit-at-end, --timeout or a
   signal. Returns the exit code. */
static int follow(sub_t *self, zsock_t *subscriber)
{
    const precis_config_t *config = self->config;
    zpoller_t *poller = zpoller_new(subscriber, NULL);
    int64_t last = zclock_mono();
    int exit_code = 0;
    bool heard = false; /* any result, live or replayed */
    while (!zsys_interrupted && wants_more(self)) {
        if (self->end && self->next >= self->end)
            break; /* --exit-at-end: caught up */
        if (!zpoller_wait(poller, IDLE_CHECK_MS)) {
            uint64_t from = self->next;
            /* Quiet: were results published that the subscription missed? */
            if (self->replay && fetch(self, self->end, QUICK_ANSWER_MS) == FETCH_FAILED) {
                exit_code = EXIT_NO_REPLAY;
                break;
            }
            if (self->next != from) {
                precis_debug("quiet: results %llu to %llu fetched from the replay socket",
                             (unsigned long long)from,
                             (unsigned long long)self->next - 1);
                last = zclock_mono();
            } else if (config->timeout > 0 &&
                       zclock_mono() - last > config->timeout * 1000) {
                if (!heard && self->next <= 1)
                    fprintf(stderr,
                            "precis sub: nothing from %s in %g s (--timeout); is the "
                            "pipeline running? (deploy/pipeline status)\n",
                            config->output_endpoint, config->timeout);
                exit_code = 1;
                break;
            }
            continue;
        }
        char *topic = NULL;
        zframe_t *body = NULL;
        if (zsock_recv(subscriber, "sf", &topic, &body) == 0 && body && topic) {
            last = zclock_mono();
            heard = true;
            take(self, topic, body, true);
        }
        zstr_free(&topic);
        zframe_destroy(&body);
    }
    zpoller_destroy(&poller);
    return exit_code;
}

static const char *usage =
    "Usage: precis sub [OPTIONS]\n"
    "Subscribes to the output socket and prints each result as it comes: readable\n"
    "by default, one JSON object a line with --json. With the sink's replay socket\n"
    "(--replay; without it, the output's port + 2 on the same host, as\n"
    "deploy/pipeline lays ports out) every result is printed exactly once, in\n"
    "sequence order: results the subscription missed (the sink's high-water mark,\n"
    "a late start, a reconnect, a sink restart) are fetched from the sink's output\n"
    "log. Where to start: live from the sink's next result when sub is ready (the\n"
    "default; results published after that are never lost), --since SEQ,\n"
    "--last N or --from-beginning (from the output log, then live). When the\n"
    "sink's numbering starts over (another log_id) it says so on stderr and goes\n"
    "on from the new log's start. Results the sink's retention (--log-max-bytes)\n"
    "already deleted are reported on stderr and skipped. Without a replay socket\n"
    "it prints live results only and says once on stderr when it missed some.\n"
    "-v says when it is ready and each gap it fetched. To print every result of\n"
    "a push started at the same time, whichever starts first, take the start\n"
    "before: from=$(precis sub --print-next); precis sub --since \"$from\" &\n"
    "PRECIS_SUB_RCVHWM=N in the environment sets the subscription's receive\n"
    "high-water mark (for tests; ZeroMQ's default otherwise). --unique prints\n"
    "only the first article of each story (docs/PROTOCOL.md \"Stories\").\n"
    "PRECIS_OUTPUT and PRECIS_REPLAY in the environment (`. run/env`) stand for\n"
    "--output and --replay; PRECIS_REPLAY set and empty (a pipeline started with\n"
    "--no-replay) means there is no replay socket: live results only, and the\n"
    "start options fail at once.\n"
    "Exit codes: 0 stopped by --count, --exit-at-end or a signal, 1 --timeout\n"
    "passed first, 2 usage error, 3 a socket could not be set up, the replay\n"
    "socket did not answer, or there is none (PRECIS_REPLAY empty), 4 --since SEQ is "
    "beyond the sink's output (SEQ above\n"
    "the number its next result will get: the sink's output log was deleted or\n"
    "replaced), said on stderr.";

/* Whether argv has the option name (--name VALUE or --name=VALUE). */
static bool option_given(int argc, char **argv, const char *name)
{
    size_t length = strlen(name);
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (strncmp(argv[i], name, length) == 0 &&
            (argv[i][length] == 0 || argv[i][length] == '='))
            return true;
    return false;
}

/* Start positions exclude each other. */
static bool check_options(const precis_config_t *config)
{
    int starts = (config->since > 0) + (config->last > 0) + config->from_beginning +
                 config->print_next;
    if (starts > 1) {
        fprintf(
            stderr,
            "precis sub: --since, --last, --from-beginning and --print-next exclude each "
            "other\n");
        return false;
    }
    return true;
}

int precis_cmd_sub(int argc, char **argv)
{
    precis_config_t config;
    /* Whether --replay and --output were given (on the command line or in
       the --config file): a guessed replay endpoint may have no socket. */
    bool given = option_given(argc, argv, "--replay");
    bool output_given = option_given(argc, argv, "--output");
    int rc = precis_program_start(
        &config, argc, argv,
        PRECIS_OPT_OUTPUT | PRECIS_OPT_TOPIC | PRECIS_OPT_JSON | PRECIS_OPT_COUNT |
            PRECIS_OPT_SINCE | PRECIS_OPT_REPLAY | PRECIS_OPT_CURVE | PRECIS_OPT_UNIQUE,
        usage, "precis-sub", false);
    if (rc >= 0)
        return rc;
    if (!check_options(&config))
        return 2;
    sub_t self = {.config = &config};
    given = given || strcmp(config.replay_endpoint, PRECIS_REPLAY_CONNECT) != 0;
    output_given =
        output_given || strcmp(config.output_endpoint, PRECIS_OUTPUT_CONNECT) != 0;
    if (config.no_replay_socket)
        self.replay_endpoint = NULL; /* live only: PRECIS_REPLAY says there is none */
    else if (given || !output_given)
        self.replay_endpoint = strdup(config.replay_endpoint);
    else
        self.replay_endpoint = precis_sub_replay_endpoint(config.output_endpoint);
    bool needed = config.since || config.last || config.from_beginning ||
                  config.exit_at_end || config.print_next;
    /* Subscribed before the replay socket is asked for the start, so that
       nothing published after that answer is missed for good. */
    zsock_t *subscriber =
        subscribe(&config, self.replay_endpoint || !config.topic ? "" : config.topic);
    int exit_code = subscriber ? 0 : EXIT_NO_REPLAY;
    /* Lines go out as they come, even into a pipe. */
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (exit_code == 0)
        exit_code = connect_replay(&self, needed, given);
    if (exit_code == 0 && !self.replay && self.replay_endpoint && config.topic) {
        /* Live only after all: the topic is filtered by the subscription. */
        zsock_set_subscribe(subscriber, config.topic);
        zsock_set_unsubscribe(subscriber, "");
    }
    if (exit_code == 0) {
        if (self.replay)
            precis_debug("ready: printing results from number %llu on (log_id %s)",
                         (unsigned long long)self.next, *self.log_id ? self.log_id : "-");
        else
            precis_debug("ready: printing live results as they come (no replay)");
        exit_code = follow(&self, subscriber);
    }
    if (subscriber)
        zsock_set_linger(subscriber, 0);
    zsock_destroy(&subscriber);
    if (self.replay)
        zsock_set_linger(self.replay, 0);
    zsock_destroy(&self.replay);
    zstr_free(&self.replay_endpoint);
    precis_curve_stop();
    return exit_code;
}

int precis_sub_test(bool verbose)
{
    int failures = 0;
#define CHECK(cond)                                                                      \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            fprintf(stderr, "sub test failed: %s (line %d)\n", #cond, __LINE__);         \
            failures++;                                                                  \
        }                                                                                \
    } while (0)
    if (verbose)
        printf(" * precis_sub: ");
    /* The position: in order, behind, ahead, another log, an older sink. */
    CHECK(precis_sub_step(0, "", 7, "a1") == PRECIS_SUB_PRINT);
    CHECK(precis_sub_step(5, "a1", 5, "a1") == PRECIS_SUB_PRINT);
    CHECK(precis_sub_step(5, "a1", 4, "a1") == PRECIS_SUB_DUPLICATE);
    CHECK(precis_sub_step(5, "a1", 9, "a1") == PRECIS_SUB_GAP);
    CHECK(precis_sub_step(5, "a1", 5, "b2") == PRECIS_SUB_NEW_LOG);
    CHECK(precis_sub_step(5, "a1", 1, "b2") == PRECIS_SUB_NEW_LOG);
    CHECK(precis_sub_step(5, "", 1, NULL) == PRECIS_SUB_DUPLICATE);
    CHECK(precis_sub_step(5, "a1", 6, "") == PRECIS_SUB_GAP);
    CHECK(precis_sub_step(5, NULL, 5, "a1") == PRECIS_SUB_PRINT);
    /* The replay endpoint guessed from --output. */
    char *endpoint = precis_sub_replay_endpoint("tcp://127.0.0.1:5560");
    CHECK(endpoint && strcmp(endpoint, "tcp://127.0.0.1:5562") == 0);
    zstr_free(&endpoint);
    endpoint = precis_sub_replay_endpoint("tcp://news.example:7005");
    CHECK(endpoint && strcmp(endpoint, "tcp://news.example:7007") == 0);
    zstr_free(&endpoint);
    endpoint = precis_sub_replay_endpoint("tcp://[::1]:6000");
    CHECK(endpoint && strcmp(endpoint, "tcp://[::1]:6002") == 0);
    zstr_free(&endpoint);
    CHECK(precis_sub_replay_endpoint("ipc:///tmp/output") == NULL);
    CHECK(precis_sub_replay_endpoint("tcp://host:65535") == NULL);
    CHECK(precis_sub_replay_endpoint("tcp://host:port") == NULL);
    CHECK(precis_sub_replay_endpoint("tcp://host") == NULL);
    CHECK(precis_sub_replay_endpoint(NULL) == NULL);

    /* A repeat, read by a person: what it repeats, and how near. */
    precis_result_t *result = precis_result_new(PRECIS_RESULT_SUMMARY);
    result->id = strdup("ferry-2");
    result->key = strdup("k-ferry-2");
    result->title = strdup("Ferry berth opens");
    result->lang = strdup("en");
    result->seq = 20;
    result->story = strdup("ferry-1");
    result->duplicate_of = strdup("ferry-1");
    result->similarity = 0.68;
    char *text = NULL;
    size_t text_size = 0;
    FILE *stream = open_memstream(&text, &text_size);
    precis_sub_print(stream, result, "duplicate.en");
    result->exact = true;
    result->similarity = 1;
    precis_sub_print(stream, result, "duplicate.en");
    fclose(stream);
    CHECK(strstr(text, "[duplicate.en #20] ferry-2: Ferry berth opens (repeats ferry-1, "
                       "similarity 0.68)\n"));
    CHECK(strstr(text, "(repeats ferry-1, exact copy)\n"));
    free(text);
    /* --json keeps every key of the published map: key, and one this
       version does not know. */
    size_t size = 0;
    void *encoded = precis_result_encode(result, &size);
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init(&buffer);
    msgpack_packer packer;
    msgpack_packer_init(&packer, &buffer, msgpack_sbuffer_write);
    msgpack_unpacked unpacked;
    msgpack_unpacked_init(&unpacked);
    CHECK(precis_mp_unpack(&unpacked, encoded, size, 16));
    msgpack_pack_map(&packer, unpacked.data.via.map.size + 1);
    for (uint32_t i = 0; i < unpacked.data.via.map.size; i++) {
        msgpack_pack_object(&packer, unpacked.data.via.map.ptr[i].key);
        msgpack_pack_object(&packer, unpacked.data.via.map.ptr[i].val);
    }
    precis_mp_pack_kv_str(&packer, "newer_field", "x", 1);
    msgpack_unpacked_destroy(&unpacked);
    zframe_t *body = zframe_new(buffer.data, buffer.size);
    json_t *json = body_to_json(result, body);
    const char *key = json_string_value(json_object_get(json, "key"));
    CHECK(key && strcmp(key, "k-ferry-2") == 0);
    CHECK(json_string_value(json_object_get(json, "newer_field")));
    CHECK(json_is_true(json_object_get(json, "exact")));
    CHECK(json_integer_value(json_object_get(json, "seq")) == 20);
    const char *of = json_string_value(json_object_get(json, "duplicate_of"));
    CHECK(of && strcmp(of, "ferry-1") == 0);
    json_decref(json);
    zframe_destroy(&body);
    msgpack_sbuffer_destroy(&buffer);
    free(encoded);
    precis_result_destroy(&result);
    if (verbose)
        printf("%s\n", failures ? "FAILED" : "OK");
    return failures;
#undef CHECK
}
