/*  pipeline_bench - the whole pipeline from a client's point of view, and
    the raw ZeroMQ ceiling to compare it with.

    `run`: a DEALER pushes articles to the ingest socket, pipelining up to
    --window requests and retrying "busy" answers with backoff (10 ms
    doubling to 1 s, as precis push); a SUB on the output socket receives
    the results. Each article has an id TAG-N; the client keeps the time it
    was first sent and the time its result arrived, so the latency is push
    to publish on one clock. --rate 0 sends as fast as the pipeline takes
    articles (throughput: results per second over the last three quarters of
    --duration); --rate R sends R articles a second on a fixed schedule
    (latency: p50, p99, p99.9). Then it stops sending and waits for the rest.
    --fresh ends every text with a word never sent before (the memory soak,
    bench/soak).

    With --replay (the sink's replay socket) the subscriber is gap-free, as
    `precis sub` is: results carry the sink's `seq`, and the numbers its SUB
    missed (dropped at the sink's PUB high-water mark under overload) are
    fetched from the output log when the results stop coming and at the end
    (docs/PROTOCOL.md, "Catching up"). It prints dropped_at_pub (recovered
    from the log), lost (accepted and in neither: never published) and
    duplicated (an article published under two numbers, or twice live).
    Without --replay, lost counts what the SUB did not receive, drops at
    the PUB included. PIPELINE_BENCH_DROP_EVERY=N in the environment throws
    every Nth live result away, as a drop at the PUB would (for its test).

    `ceiling`: a PUSH/PULL pair over tcp on loopback, in two threads with a
    context each, sending messages the size of the mean request: messages/s,
    and the CPU of the whole process per message (ceiling_cpu_us: the
    sending and the receiving thread and both contexts' ZeroMQ I/O threads,
    user + system, from getrusage): what one hop of an article between two
    processes costs at least, the floor under a stage that receives and
    sends every article.

    pipeline_bench run --ingest EP[,EP...] --output EP [--replay EP]
                       [--data PATH | --samples PATH]
                       [--duration S] [--rate R] [--window W] [--tag T] [--fresh]
                       [--batch B [--batch-frame]] [--timings FILE]
    pipeline_bench ceiling [--data PATH | --samples PATH] [--duration S]
    pipeline_bench ingest --ingest EP --normalize EP --acks EP --pid PID
                          [--data PATH | --samples PATH] [--duration S] [--window W]
                          [--batch B [--batch-frame]]
    pipeline_bench worker --normalize EP --acks EP --pid PID | --pid-file PATH
                          [--data PATH | --samples PATH] [--duration S] [--window W]
                          [--batch B]

    `worker`: a summarize worker alone at its own full rate. The bench binds
    --normalize (a PUSH: what the worker pulls) and --acks (a PULL: where it
    pushes its results), keeps --window articles unanswered, and sends the
    set's texts normalized once beforehand (as the normalize stage hands
    them on), each with a sentence of its own so that none is an exact copy
    the worker's cache would answer. Prints worker_rate (results a second)
    and worker_cpu_us (the process's CPU per result, from /proc/PID),
    counted after a quarter of the time: next to the library's one-core
    rate, what a worker costs beyond summarizing (decoding, encoding, story
    signature, sockets). Per result too: worker_main_us and worker_io_us
    (its main and ZeroMQ I/O threads), worker_main_preempted (involuntary
    context switches of the main thread) and worker_io_wakeups (times the
    I/O thread went to sleep, so woke up again), from /proc/PID/task.
    With --batch B the articles go in batch frames of B (precis_batch.h),
    as a normalize worker sends them since 2026-12-01 (bench/run: 16);
    1, the default, one a frame. Results are counted one a result, one a
    frame or a batch frame's elements.

    `ingest`: ingest alone at its own full rate. The bench is ingest's client
    (a DEALER keeping up to --window requests unanswered, halving that on a
    busy answer and growing it back by one a request taken), its normalize worker
    (a PULL on ingest's --normalize-endpoint) and its sink (a PUSH on its
    --acks-endpoint that acknowledges every dispatched article at once), so
    that nothing behind ingest limits it; ingest (process PID, started with
    or without its journal) is the only stage. Prints ingest_rate (articles
    acknowledged a second) and ingest_cpu_us with its main, ZeroMQ I/O and
    journal sync threads apart (ingest_main_us, ingest_io_us,
    ingest_sync_us: CPU per article from /proc/PID/task, user + system),
    counted after a quarter of the time to warm up.

    --batch B (run and ingest): the client sends up to B requests as the
    frames of one message (a batch request, docs/PROTOCOL.md), and reads
    each reply frame of the answers as before; 1 (the default) is one
    request a message. In run, the articles due at once (or the window's
    room) leave together; none waits for a batch to fill. With
    --batch-frame (run and ingest) a batch goes as one batch frame (a
    msgpack array of the requests, answered by one array of replies)
    instead of one frame a request, as precis push sends.

    --timings FILE (run): every result received live, a line each, with
    the times it was sent, accepted, published and received (and, from a
    build with -DPRECIS_HOP_TRACE, begun by normalize and by summarize):
    what bench/tail_latency reads to find where the slowest 1% waited.

    Prints key=value lines on stdout; progress on stderr when a terminal.
*/
#define _GNU_SOURCE
#include "bench_data.h"
#include "bench_gaps.h"
#include "bench_normalized.h"
#include "precis_article.h"
#include "precis_batch.h"
#include "precis_msgpack.h"
#include <assert.h>
#include <czmq.h>
#include <dirent.h>
#include <getopt.h>
#include <math.h>
#include <msgpack.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <zmq.h>

#define BACKOFF_FIRST 0.010
#define BACKOFF_MAX   1.0
/* Replay: results per request (the sink's maximum), how long to wait for an
   answer, and how long without a live result before the gaps are fetched. */
#define REPLAY_PAGE    1000
#define REPLAY_WAIT_MS 10000
#define REPLAY_QUIET   1.0
/* A timings value at or above this (2001-09-09 in Unix microseconds) is a
   time of day, not a duration: a PRECIS_HOP_TRACE build's stamps. */
#define TRACE_US_MIN INT64_C(1000000000000000)

typedef struct {
    const char *ingest, *output, *replay, *data, *samples, *tag;
    const char *timings;          /* run: every live result's times, one a line */
    const char *normalize, *acks; /* ingest alone: its dispatch and acknowledgements */
    long pid;                     /* ingest or a worker alone: its process */
    const char *pid_file;         /* ... or the file it writes its pid to */
    double duration, rate;
    int window;
    int batch;        /* requests a message (a batch request; 1: one a message) */
    bool fresh;       /* a word never seen before in every article */
    bool batch_frame; /* ingest: a batch as one batch frame, not a frame a request */
} options_t;

/* ---- requests ---------------------------------------------------------- */

static void pack_str(msgpack_packer *packer, const char *string, size_t len)
{
    msgpack_pack_str(packer, len);
    msgpack_pack_str_body(packer, string, len);
}

/* The request for article number index of the set, id TAG-index; with
   fresh, the text ends in a sentence holding a word of its own, so that
   the summarizers' vocabularies keep growing as they would on real news. */
static void encode_request(msgpack_sbuffer *buffer, const bench_set_t *set,
                           const char *tag, size_t index, bool fresh)
{
    const bench_article_t *article = &set->items[index % set->count];
    char id[128];
    int id_len = snprintf(id, sizeof id, "%s-%zu", tag, index);
    msgpack_sbuffer_clear(buffer);
    msgpack_packer packer;
    msgpack_packer_init(&packer, buffer, msgpack_sbuffer_write);
    msgpack_pack_map(&packer, 4);
    pack_str(&packer, "id", 2);
    pack_str(&packer, id, (size_t)id_len);
    pack_str(&packer, "title", 5);
    pack_str(&packer, article->title, strlen(article->title));
    pack_str(&packer, "text", 4);
    char extra[64] = "";
    int extra_len =
        fresh ? snprintf(extra, sizeof extra, "\n\nFiled as case k%zuz.", index) : 0;
    msgpack_pack_str(&packer, article->text_len + (size_t)extra_len);
    msgpack_pack_str_body(&packer, article->text, article->text_len);
    msgpack_pack_str_body(&packer, extra, (size_t)extra_len);
    pack_str(&packer, "sentences", 9);
    msgpack_pack_int(&packer, 3);
}

static double mean_request_size(const bench_set_t *set)
{
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init(&buffer);
    double total = 0;
    for (size_t i = 0; i < set->count; i++) {
        encode_request(&buffer, set, "bench-run", 100000 + i, false);
        total += (double)buffer.size;
    }
    msgpack_sbuffer_destroy(&buffer);
    return total / (double)set->count;
}

/* Finds the string value of key in a msgpack map; NULL when absent. */
static const char *map_string(const msgpack_object *map, const char *key, size_t *len_p)
{
    if (map->type != MSGPACK_OBJECT_MAP)
        return NULL;
    size_t key_len = strlen(key);
    for (uint32_t i = 0; i < map->via.map.size; i++) {
        const msgpack_object_kv *kv = &map->via.map.ptr[i];
        if (kv->key.type == MSGPACK_OBJECT_STR && kv->key.via.str.size == key_len &&
            memcmp(kv->key.via.str.ptr, key, key_len) == 0 &&
            kv->val.type == MSGPACK_OBJECT_STR) {
            *len_p = kv->val.via.str.size;
            return kv->val.via.str.ptr;
        }
    }
    return NULL;
}

/* Whether the len bytes at s (a msgpack string, not terminated; NULL for
   absent) are the word want: an answer's status. */
static bool string_is(const char *s, size_t len, const char *want)
{
    return s && len == strlen(want) && memcmp(s, want, len) == 0;
}

/* The unsigned integer value of key in a msgpack map; 0 when absent. */
static uint64_t map_uint(const msgpack_object *map, const char *key)
{
    const msgpack_object *value =
        map->type == MSGPACK_OBJECT_MAP ? precis_mp_lookup(map, key) : NULL;
    int64_t number = 0;
    return value && precis_mp_int(value, &number) && number > 0 ? (uint64_t)number : 0;
}

/* ---- run --------------------------------------------------------------- */

typedef struct {
    size_t index;
    double due, backoff;
} retry_t;

typedef struct {
    double *sent;     /* first send time per index, 0 when not sent */
    double *received; /* result time per index, 0 when none */
    double *backoff;  /* current backoff per index */
    /* From the live result's timings (docs/PROTOCOL.md), on the monotonic
       clock: when ingest accepted it and when the sink published it, and
       the seconds normalize and summarize worked on it; 0 when unknown. */
    double *accepted_at, *published_at, *stage_work;
    /* The timings map's normalize_us and summarize_us as they came (a
       stage's work in microseconds; with -DPRECIS_HOP_TRACE, the Unix
       time in microseconds when the stage began on the article). */
    int64_t *normalize_us, *summarize_us;
    unsigned char *state; /* 0 new, 1 awaiting answer, 2 accepted, 3 rejected, 4 busy */
    size_t capacity;
    retry_t *retries;
    size_t retry_count, retry_capacity;
} tracker_t;

static void tracker_reserve(tracker_t *tracker, size_t count)
{
    if (count <= tracker->capacity)
        return;
    size_t capacity = tracker->capacity ? tracker->capacity : 4096;
    while (capacity < count)
        capacity *= 2;
    tracker->sent = realloc(tracker->sent, capacity * sizeof(double));
    tracker->received = realloc(tracker->received, capacity * sizeof(double));
    tracker->backoff = realloc(tracker->backoff, capacity * sizeof(double));
    tracker->accepted_at = realloc(tracker->accepted_at, capacity * sizeof(double));
    tracker->published_at = realloc(tracker->published_at, capacity * sizeof(double));
    tracker->stage_work = realloc(tracker->stage_work, capacity * sizeof(double));
    tracker->normalize_us = realloc(tracker->normalize_us, capacity * sizeof(int64_t));
    tracker->summarize_us = realloc(tracker->summarize_us, capacity * sizeof(int64_t));
    tracker->state = realloc(tracker->state, capacity);
    size_t added = capacity - tracker->capacity;
    memset(tracker->sent + tracker->capacity, 0, added * sizeof(double));
    memset(tracker->received + tracker->capacity, 0, added * sizeof(double));
    memset(tracker->backoff + tracker->capacity, 0, added * sizeof(double));
    memset(tracker->accepted_at + tracker->capacity, 0, added * sizeof(double));
    memset(tracker->published_at + tracker->capacity, 0, added * sizeof(double));
    memset(tracker->stage_work + tracker->capacity, 0, added * sizeof(double));
    memset(tracker->normalize_us + tracker->capacity, 0, added * sizeof(int64_t));
    memset(tracker->summarize_us + tracker->capacity, 0, added * sizeof(int64_t));
    memset(tracker->state + tracker->capacity, 0, added);
    tracker->capacity = capacity;
}

static void tracker_retry(tracker_t *tracker, size_t index, double due)
{
    if (tracker->retry_count == tracker->retry_capacity) {
        tracker->retry_capacity =
            tracker->retry_capacity ? tracker->retry_capacity * 2 : 256;
        tracker->retries =
            realloc(tracker->retries, tracker->retry_capacity * sizeof *tracker->retries);
    }
    tracker->retries[tracker->retry_count++] = (retry_t){index, due, 0};
}

/* Parses "TAG-N"; returns N, or -1 when the id is not one of this run's. */
static long parse_id(const char *id, size_t len, const char *tag, size_t tag_len)
{
    if (len <= tag_len + 1 || memcmp(id, tag, tag_len) != 0 || id[tag_len] != '-')
        return -1;
    long index = 0;
    for (size_t i = tag_len + 1; i < len; i++) {
        if (id[i] < '0' || id[i] > '9')
            return -1;
        index = index * 10 + (id[i] - '0');
    }
    return index;
}

typedef struct {
    const options_t *options;
    const bench_set_t *set;
    void *dealer, *sub;
    tracker_t tracker;
    msgpack_sbuffer buffer;
    msgpack_unpacked unpacked;
    size_t tag_len;
    const char *tag; /* of the current phase */
    size_t next;     /* next new index */
    size_t awaiting; /* requests sent, answer not yet read */
    size_t accepted, rejected, busy, received, errors, duplicates, foreign;
    double last_receive;
    double realtime_offset; /* CLOCK_REALTIME - bench_now(), seconds */
    /* Gap-free (with --replay): */
    void *replay;          /* DEALER to the sink's replay socket, or NULL */
    bench_gaps_t *gaps;    /* the numbers seen, from the phase's start on */
    size_t dropped_at_pub; /* this run's results fetched from the log */
    uint64_t log_next;     /* the sink's next number at the last ask */
    /* For the test of this (bench.pipeline_gap_free): every Nth live result
       of the phase is thrown away as if the PUB had dropped it. */
    size_t drop_every, live_seen, thrown_away;
    bool measuring; /* in the measured phase (not the warm-up) */
    /* Requests gathered for the next message (--batch): sent when it is
       full, or by send_queued once the caller has sent what it can now. */
    size_t queued[PRECIS_REQUESTS_PER_MESSAGE];
    size_t queued_count;
    precis_batch_t *batch; /* --batch-frame: the message as one batch frame */
} run_t;

/* Sends the requests gathered as one message: a frame each, or with
   --batch-frame one batch frame of them (as precis push does). */
static void send_queued(run_t *run)
{
    for (size_t i = 0; i < run->queued_count; i++) {
        encode_request(&run->buffer, run->set, run->tag, run->queued[i],
                       run->options->fresh);
        if (run->options->batch_frame)
            precis_batch_add(run->batch, run->buffer.data, run->buffer.size);
        else if (zmq_send(run->dealer, run->buffer.data, run->buffer.size,
                          i + 1 < run->queued_count ? ZMQ_SNDMORE : 0) < 0) {
            perror("pipeline_bench: send");
            exit(1);
        }
    }
    zmq_msg_t frame;
    if (run->options->batch_frame && precis_batch_msg(run->batch, &frame) == 0 &&
        zmq_msg_send(&frame, run->dealer, 0) < 0) {
        perror("pipeline_bench: send");
        exit(1);
    }
    run->queued_count = 0;
}

/* Sends article index, in a message of --batch (see send_queued). */
static void send_index(run_t *run, size_t index)
{
    /* Stamped before it may leave: stamped after the send, a wait of
       this thread between the two went uncounted, and ingest accepted
       articles up to 1.8 ms "before" they were sent (--timings, at load
       average 6). */
    tracker_t *tracker = &run->tracker;
    if (tracker->sent[index] == 0)
        tracker->sent[index] = bench_now();
    tracker->state[index] = 1;
    run->awaiting++;
    run->queued[run->queued_count++] = index;
    if (run->queued_count == (size_t)run->options->batch)
        send_queued(run);
}

/* Takes one reply map, data[0..size) (precis_batch_each's function; arg
   the run). */
static void take_answer(void *arg, const void *data, size_t size)
{
    run_t *run = arg;
    size_t id_len = 0, status_len = 0;
    const char *id = NULL, *status = NULL;
    if (msgpack_unpack_next(&run->unpacked, data, size, NULL) == MSGPACK_UNPACK_SUCCESS) {
        id = map_string(&run->unpacked.data, "id", &id_len);
        status = map_string(&run->unpacked.data, "status", &status_len);
    }
    long index = id ? parse_id(id, id_len, run->tag, run->tag_len) : -1;
    if (index < 0 || !status) {
        run->foreign++;
        return;
    }
    tracker_t *tracker = &run->tracker;
    run->awaiting--;
    if (string_is(status, status_len, "accepted")) {
        tracker->state[index] = 2;
        run->accepted++;
    } else if (string_is(status, status_len, "busy")) {
        double backoff = tracker->backoff[index];
        backoff = backoff == 0 ? BACKOFF_FIRST : fmin(backoff * 2, BACKOFF_MAX);
        tracker->backoff[index] = backoff;
        tracker->state[index] = 4;
        tracker_retry(tracker, (size_t)index, bench_now() + backoff);
        run->busy++;
    } else {
        tracker->state[index] = 3;
        run->rejected++;
        if (run->rejected <= 3) {
            size_t error_len = 0;
            const char *error = map_string(&run->unpacked.data, "error", &error_len);
            fprintf(stderr, "pipeline_bench: rejected: %.*s\n", (int)error_len,
                    error ? error : "");
        }
    }
}

/* Reads one reply frame: a reply map, or a batch frame of them (the
   answer to a batch frame of requests). */
static void read_answer(run_t *run)
{
    zmq_msg_t message;
    zmq_msg_init(&message);
    if (zmq_msg_recv(&message, run->dealer, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&message);
        return;
    }
    if (zmq_msg_size(&message) > 0) /* an empty frame: a delimiter, not expected */
        precis_batch_each(zmq_msg_data(&message), zmq_msg_size(&message), take_answer,
                          run, NULL);
    zmq_msg_close(&message);
}

/* Keeps where a live result's time went, from its timings map (Unix
   microseconds, converted to this process's monotonic clock). */
static void take_timings(run_t *run, size_t index, const msgpack_object *map)
{
    const msgpack_object *timings =
        map->type == MSGPACK_OBJECT_MAP ? precis_mp_lookup(map, "timings") : NULL;
    if (!timings || timings->type != MSGPACK_OBJECT_MAP)
        return;
    uint64_t received_us = map_uint(timings, "received_us");
    uint64_t published_us = map_uint(timings, "published_us");
    if (!received_us || !published_us)
        return;
    run->tracker.accepted_at[index] = (double)received_us * 1e-6 - run->realtime_offset;
    run->tracker.published_at[index] = (double)published_us * 1e-6 - run->realtime_offset;
    uint64_t normalize_us = map_uint(timings, "normalize_us");
    uint64_t summarize_us = map_uint(timings, "summarize_us");
    run->tracker.normalize_us[index] = (int64_t)normalize_us;
    run->tracker.summarize_us[index] = (int64_t)summarize_us;
    /* Absolute times (a PRECIS_HOP_TRACE build) are no work done. */
    run->tracker.stage_work[index] =
        normalize_us < TRACE_US_MIN && summarize_us < TRACE_US_MIN
            ? (double)(normalize_us + summarize_us) * 1e-6
            : 0;
}

/* One result, live (now > 0: its arrival time) or from the replay socket
   (now 0). A number seen already is the same result again (a replay that
   overlapped the live stream): skipped. The same article under another
   number is a duplicate. */
static void take_result(run_t *run, const void *data, size_t size, bool error, double now)
{
    size_t id_len = 0;
    const char *id = NULL;
    uint64_t seq = 0;
    if (msgpack_unpack_next(&run->unpacked, data, size, NULL) == MSGPACK_UNPACK_SUCCESS) {
        id = map_string(&run->unpacked.data, "id", &id_len);
        seq = map_uint(&run->unpacked.data, "seq");
    }
    if (run->gaps && seq && !bench_gaps_add(run->gaps, seq) &&
        bench_gaps_has(run->gaps, seq))
        return;
    long index = id ? parse_id(id, id_len, run->tag, run->tag_len) : -1;
    if (index < 0 || (size_t)index >= run->tracker.capacity) {
        run->foreign++;
    } else if (run->tracker.received[index] != 0) {
        run->duplicates++;
    } else {
        /* Recovered results have no arrival time: -1, kept out of the
           latencies. */
        run->tracker.received[index] = now > 0 ? now : -1;
        if (now > 0)
            take_timings(run, (size_t)index, &run->unpacked.data);
        run->received++;
        run->errors += error;
        if (now > 0)
            run->last_receive = now;
        else
            run->dropped_at_pub++;
    }
}

static void read_result(run_t *run)
{
    zmq_msg_t topic, body;
    zmq_msg_init(&topic);
    zmq_msg_init(&body);
    if (zmq_msg_recv(&topic, run->sub, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&topic);
        zmq_msg_close(&body);
        return;
    }
    double now = bench_now();
    bool error =
        zmq_msg_size(&topic) >= 5 && memcmp(zmq_msg_data(&topic), "error", 5) == 0;
    if (!zmq_msg_more(&topic) || zmq_msg_recv(&body, run->sub, 0) < 0) {
        zmq_msg_close(&topic);
        zmq_msg_close(&body);
        return;
    }
    /* Frames beyond two would be a protocol change: drain them. */
    while (zmq_msg_more(&body)) {
        zmq_msg_close(&body);
        zmq_msg_init(&body);
        zmq_msg_recv(&body, run->sub, 0);
    }
    if (run->measuring && run->drop_every && ++run->live_seen % run->drop_every == 0)
        run->thrown_away++;
    else
        take_result(run, zmq_msg_data(&body), zmq_msg_size(&body), error, now);
    zmq_msg_close(&topic);
    zmq_msg_close(&body);
}

/* Asks the replay socket for at most max results from since on; waits up to
   REPLAY_WAIT_MS, and asks again while the sink answers busy. Returns the
   answer (header frame first) and the sink's next number in *next, or NULL
   when it did not answer or refused. */
static zmsg_t *replay_ask(run_t *run, uint64_t since, uint64_t max, uint64_t *next)
{
    for (int attempt = 0; attempt < 50; attempt++) {
        msgpack_sbuffer buffer;
        msgpack_sbuffer_init(&buffer);
        msgpack_packer packer;
        msgpack_packer_init(&packer, &buffer, msgpack_sbuffer_write);
        msgpack_pack_map(&packer, 3);
        pack_str(&packer, "type", 4);
        pack_str(&packer, "replay", 6);
        pack_str(&packer, "since", 5);
        msgpack_pack_uint64(&packer, since);
        pack_str(&packer, "max", 3);
        msgpack_pack_uint64(&packer, max);
        zmq_send(run->replay, buffer.data, buffer.size, 0);
        msgpack_sbuffer_destroy(&buffer);
        zmq_pollitem_t item = {run->replay, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&item, 1, REPLAY_WAIT_MS) <= 0) {
            fprintf(stderr, "pipeline_bench: the replay socket did not answer\n");
            return NULL;
        }
        zmsg_t *answer = zmsg_recv(run->replay);
        zframe_t *header = answer ? zmsg_first(answer) : NULL;
        if (!header ||
            msgpack_unpack_next(&run->unpacked, (const char *)zframe_data(header),
                                zframe_size(header), NULL) != MSGPACK_UNPACK_SUCCESS) {
            zmsg_destroy(&answer);
            return NULL;
        }
        const msgpack_object *map = &run->unpacked.data;
        size_t status_len = 0;
        const char *status = map_string(map, "status", &status_len);
        *next = map_uint(map, "next");
        uint64_t retry_ms = map_uint(map, "retry_ms");
        if (string_is(status, status_len, "busy")) {
            zmsg_destroy(&answer);
            zclock_sleep(retry_ms > 0 && retry_ms < 5000 ? (int)retry_ms : 200);
            continue;
        }
        if (map_string(map, "error", &status_len)) {
            fprintf(stderr, "pipeline_bench: replay refused\n");
            zmsg_destroy(&answer);
            return NULL;
        }
        return answer;
    }
    return NULL;
}

/* Fetches, from the sink's output log, every number from the phase's start
   to the sink's next that the subscription has not seen: results dropped
   at the PUB (or published while the SUB was not connected). */
static void recover(run_t *run)
{
    if (!run->replay || !run->gaps)
        return;
    uint64_t next = 0, first = 0, count = 0;
    zmsg_t *probe = replay_ask(run, 1, 1, &next);
    zmsg_destroy(&probe);
    if (!next)
        return;
    run->log_next = next;
    uint64_t from = 1;
    while (bench_gaps_next(run->gaps, from, next, &first, &count)) {
        uint64_t ignored = 0;
        zmsg_t *answer =
            replay_ask(run, first, count < REPLAY_PAGE ? count : REPLAY_PAGE, &ignored);
        if (!answer)
            return;
        zframe_t *topic = zmsg_first(answer); /* the header */
        while ((topic = zmsg_next(answer)) != NULL) {
            bool error =
                zframe_size(topic) >= 5 && memcmp(zframe_data(topic), "error", 5) == 0;
            zframe_t *body = zmsg_next(answer);
            if (!body)
                break;
            take_result(run, zframe_data(body), zframe_size(body), error, 0);
        }
        zmsg_destroy(&answer);
        /* A number the answer did not fill is not in the log (retention,
           damage): it stays missing, and the search goes on after it. */
        from = bench_gaps_has(run->gaps, first) ? first : first + 1;
    }
}

static void poll_once(run_t *run, double timeout)
{
    zmq_pollitem_t items[] = {{run->dealer, 0, ZMQ_POLLIN, 0},
                              {run->sub, 0, ZMQ_POLLIN, 0}};
    long ms = timeout <= 0 ? 0 : (long)ceil(timeout * 1000);
    if (zmq_poll(items, 2, ms) < 0)
        return;
    for (int burst = 0; burst < 256 && (items[1].revents & ZMQ_POLLIN); burst++) {
        read_result(run);
        int more = 0;
        size_t size = sizeof more;
        zmq_getsockopt(run->sub, ZMQ_EVENTS, &more, &size);
        if (!(more & ZMQ_POLLIN))
            break;
    }
    for (int burst = 0; burst < 256 && (items[0].revents & ZMQ_POLLIN); burst++) {
        read_answer(run);
        int more = 0;
        size_t size = sizeof more;
        zmq_getsockopt(run->dealer, ZMQ_EVENTS, &more, &size);
        if (!(more & ZMQ_POLLIN))
            break;
    }
}

/* Sends due retries; returns the earliest due time of those left (or +inf). */
static double send_retries(run_t *run, double now)
{
    tracker_t *tracker = &run->tracker;
    double earliest = INFINITY;
    size_t kept = 0;
    for (size_t i = 0; i < tracker->retry_count; i++) {
        retry_t retry = tracker->retries[i];
        if (retry.due <= now && run->awaiting < (size_t)run->options->window)
            send_index(run, retry.index);
        else {
            tracker->retries[kept++] = retry;
            if (retry.due < earliest)
                earliest = retry.due;
        }
    }
    tracker->retry_count = kept;
    send_queued(run);
    return earliest;
}

/* Sends articles for duration seconds at rate (0: as fast as taken).
   Records the number received at warm and at the end for the throughput. */
static void run_phase(run_t *run, double duration, double rate, double *throughput)
{
    const options_t *options = run->options;
    double start = bench_now(), warm = start + duration / 4, end = start + duration;
    size_t first = run->next, received_at_warm = 0;
    bool warm_seen = false;
    double last_progress = start;
    for (;;) {
        double now = bench_now();
        if (now >= end)
            break;
        if (!warm_seen && now >= warm) {
            received_at_warm = run->received;
            warm_seen = true;
        }
        double next_retry = send_retries(run, now);
        double wait = fmin(end, next_retry) - now;
        if (rate > 0) {
            /* Fixed schedule: article first + k is due at start + k / rate. */
            for (;;) {
                double due = start + (double)(run->next - first) / rate;
                if (due > now) {
                    wait = fmin(wait, due - now);
                    break;
                }
                if (run->awaiting >= (size_t)options->window) {
                    wait = 0.001;
                    break;
                }
                tracker_reserve(&run->tracker, run->next + 1);
                send_index(run, run->next++);
            }
        } else if (run->tracker.retry_count == 0) {
            /* As fast as taken: new articles only while nothing waits for a retry. */
            while (run->awaiting < (size_t)options->window) {
                tracker_reserve(&run->tracker, run->next + 1);
                send_index(run, run->next++);
            }
        }
        send_queued(run);
        poll_once(run, fmin(wait, 0.005));
        if (now - last_progress > 0.5) {
            last_progress = now;
            bench_progress("pipeline %s: %.1f/%.0f s, sent %zu, received %zu, busy %zu",
                           run->tag, now - start, duration, run->next - first,
                           run->received, run->busy);
        }
    }
    double now = bench_now();
    if (throughput)
        *throughput = (double)(run->received - received_at_warm) / (now - warm);
}

/* Waits until every accepted article has its result (retrying busy ones),
   or until nothing arrived for quiet seconds. */
static void drain(run_t *run, double quiet)
{
    double start = bench_now(), last_recover = 0;
    run->last_receive = start;
    for (;;) {
        double now = bench_now();
        double next_retry = send_retries(run, now);
        bool pending = run->awaiting > 0 || run->tracker.retry_count > 0 ||
                       run->received + run->rejected < run->next;
        if (pending && run->replay && now - run->last_receive > REPLAY_QUIET &&
            now - last_recover > REPLAY_QUIET) {
            /* Nothing live for a while: the missing ones may have been
               dropped at the PUB; the log has them. */
            recover(run);
            last_recover = bench_now();
            continue;
        }
        if (!pending || now - run->last_receive > quiet)
            break;
        poll_once(run, fmin(0.05, fmax(0, next_retry - now)));
        bench_progress("pipeline %s: draining, %zu of %zu received", run->tag,
                       run->received, run->next);
    }
    bench_progress_done();
}

static void *connect_socket(void *context, int type, const char *endpoint)
{
    void *socket = zmq_socket(context, type);
    int zero = 0, linger = 0;
    zmq_setsockopt(socket, ZMQ_RCVHWM, &zero, sizeof zero);
    zmq_setsockopt(socket, ZMQ_SNDHWM, &zero, sizeof zero);
    zmq_setsockopt(socket, ZMQ_LINGER, &linger, sizeof linger);
    if (type == ZMQ_SUB)
        zmq_setsockopt(socket, ZMQ_SUBSCRIBE, "", 0);
    /* A list (ingest shards): connected to each; a DEALER spreads its
       requests over them. */
    char *list = strdup(endpoint), *rest = list, *one;
    while ((one = strsep(&rest, ","))) {
        if (zmq_connect(socket, one) != 0) {
            fprintf(stderr, "pipeline_bench: cannot connect to %s: %s\n", one,
                    zmq_strerror(zmq_errno()));
            exit(1);
        }
    }
    free(list);
    return socket;
}

static void reset_counters(run_t *run, const char *tag)
{
    free(run->tracker.sent);
    free(run->tracker.received);
    free(run->tracker.backoff);
    free(run->tracker.accepted_at);
    free(run->tracker.published_at);
    free(run->tracker.stage_work);
    free(run->tracker.normalize_us);
    free(run->tracker.summarize_us);
    free(run->tracker.state);
    free(run->tracker.retries);
    memset(&run->tracker, 0, sizeof run->tracker);
    run->tag = tag;
    run->tag_len = strlen(tag);
    run->next = run->awaiting = 0;
    run->accepted = run->rejected = run->busy = run->received = 0;
    run->errors = run->duplicates = run->foreign = 0;
    run->dropped_at_pub = 0;
    bench_gaps_destroy(&run->gaps);
}

/* With --replay: counts the phase's numbers from the sink's next one on. */
static int start_gaps(run_t *run)
{
    if (!run->replay)
        return 0;
    uint64_t next = 0;
    zmsg_t *probe = replay_ask(run, 1, 1, &next);
    zmsg_destroy(&probe);
    if (!next) {
        fprintf(stderr, "pipeline_bench: no answer from the replay socket %s\n",
                run->options->replay);
        return 1;
    }
    run->gaps = bench_gaps_new(next);
    run->log_next = next;
    return 0;
}

/* --timings FILE: a line for every result received live, in the order sent:
   its index, then the times (ms after the first send, one clock) it was
   sent, accepted by ingest, begun by normalize and by summarize ("-"
   unless a PRECIS_HOP_TRACE build stamped them), published and received,
   and the stages' work in us ("-" in a trace build). For finding where
   the slowest results waited, and whether they come at a period. */
static int write_timings(const run_t *run, const char *path)
{
    FILE *file = fopen(path, "w");
    if (!file) {
        fprintf(stderr, "pipeline_bench: cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }
    const tracker_t *t = &run->tracker;
    double origin = 0;
    for (size_t i = 0; i < run->next && origin == 0; i++)
        origin = t->sent[i];
    fprintf(file,
            "index sent accepted normalize_start summarize_start published received "
            "normalize_us summarize_us\n");
    for (size_t i = 0; i < run->next; i++) {
        if (t->received[i] <= 0 || t->sent[i] == 0 || t->published_at[i] == 0)
            continue;
        fprintf(file, "%zu %.3f %.3f", i, (t->sent[i] - origin) * 1000,
                (t->accepted_at[i] - origin) * 1000);
        bool traced =
            t->normalize_us[i] >= TRACE_US_MIN && t->summarize_us[i] >= TRACE_US_MIN;
        for (int k = 0; k < 2; k++) {
            int64_t us = k ? t->summarize_us[i] : t->normalize_us[i];
            if (traced)
                fprintf(file, " %.3f",
                        ((double)us * 1e-6 - run->realtime_offset - origin) * 1000);
            else
                fprintf(file, " -");
        }
        fprintf(file, " %.3f %.3f", (t->published_at[i] - origin) * 1000,
                (t->received[i] - origin) * 1000);
        if (traced)
            fprintf(file, " - -\n");
        else
            fprintf(file, " %lld %lld\n", (long long)t->normalize_us[i],
                    (long long)t->summarize_us[i]);
    }
    return fclose(file) == 0 ? 0 : -1;
}

/* Where the latency went, from each result's timings: client to ingest's
   acceptance (batching in the client, the request's hop), ingest's
   acceptance to the sink's publication less the stages' own work (the
   journal's sync, queues, hops and holds), the work of normalize and
   summarize, and the publication's hop to the subscriber. Printed as the
   mean ms of each over the results at or above the p99 of the whole
   (split_p99_*: what the slowest 1% waited on) and over all (split_mean_*).
   Clocks: one host, CLOCK_REALTIME stamps converted to the monotonic one. */
static void print_latency_split(const tracker_t *tracker, size_t count, double p99_ms)
{
    static const char *names[4] = {"to_ingest", "ingest_to_publish_wait", "stage_work",
                                   "to_subscriber"};
    double all[4] = {0}, slow[4] = {0};
    size_t all_count = 0, slow_count = 0;
    for (size_t i = 0; i < count; i++) {
        if (tracker->received[i] <= 0 || tracker->sent[i] == 0 ||
            tracker->published_at[i] == 0)
            continue;
        double part[4] = {
            tracker->accepted_at[i] - tracker->sent[i],
            tracker->published_at[i] - tracker->accepted_at[i] - tracker->stage_work[i],
            tracker->stage_work[i], tracker->received[i] - tracker->published_at[i]};
        bool is_slow = (tracker->received[i] - tracker->sent[i]) * 1000 >= p99_ms;
        for (int k = 0; k < 4; k++) {
            all[k] += part[k] * 1000;
            if (is_slow)
                slow[k] += part[k] * 1000;
        }
        all_count++;
        slow_count += is_slow;
    }
    for (int k = 0; k < 4; k++)
        printf("split_mean_%s_ms=%.2f\n", names[k], all_count ? all[k] / all_count : NAN);
    for (int k = 0; k < 4; k++)
        printf("split_p99_%s_ms=%.2f\n", names[k],
               slow_count ? slow[k] / slow_count : NAN);
}

static int command_run(const options_t *options, const bench_set_t *set)
{
    if (!options->ingest || !options->output) {
        fprintf(stderr, "pipeline_bench run: --ingest and --output are required\n");
        return 2;
    }
    void *context = zmq_ctx_new();
    run_t run = {.options = options, .set = set, .batch = precis_batch_new()};
    struct timespec realtime;
    clock_gettime(CLOCK_REALTIME, &realtime);
    run.realtime_offset =
        (double)realtime.tv_sec + (double)realtime.tv_nsec * 1e-9 - bench_now();
    const char *drop_every = getenv("PIPELINE_BENCH_DROP_EVERY");
    run.drop_every = drop_every ? (size_t)atol(drop_every) : 0;
    msgpack_sbuffer_init(&run.buffer);
    msgpack_unpacked_init(&run.unpacked);
    run.sub = connect_socket(context, ZMQ_SUB, options->output);
    run.dealer = connect_socket(context, ZMQ_DEALER, options->ingest);
    if (options->replay)
        run.replay = connect_socket(context, ZMQ_DEALER, options->replay);

    /* Warm-up: one article every 50 ms until five results came back, so that
       the subscription is in place and every stage is connected. */
    char warm_tag[160];
    snprintf(warm_tag, sizeof warm_tag, "%s.warm", options->tag);
    reset_counters(&run, warm_tag);
    double start = bench_now();
    while (run.received < 5) {
        if (bench_now() - start > 20) {
            fprintf(stderr, "pipeline_bench: no results from the pipeline after 20 s\n");
            return 1;
        }
        tracker_reserve(&run.tracker, run.next + 1);
        send_index(&run, run.next++);
        poll_once(&run, 0.05);
        send_retries(&run, bench_now());
    }
    drain(&run, 2);

    reset_counters(&run, options->tag);
    run.measuring = true;
    if (start_gaps(&run) != 0)
        return 1;
    double throughput = 0;
    run_phase(&run, options->duration, options->rate, &throughput);
    size_t sent = run.next;
    drain(&run, 10);
    recover(&run); /* whatever is still missing, once more */

    /* Latency of every article with a result: first send to publish. */
    double *latencies = malloc((run.next + 1) * sizeof(double));
    size_t count = 0;
    for (size_t i = 0; i < run.next; i++)
        if (run.tracker.received[i] > 0 && run.tracker.sent[i] != 0)
            latencies[count++] = (run.tracker.received[i] - run.tracker.sent[i]) * 1000;
    bench_sort_doubles(latencies, count);
    size_t lost = run.accepted > run.received ? run.accepted - run.received : 0;
    printf("req_bytes=%.0f\n", mean_request_size(set));
    printf("offered_rate=%.0f\n", options->rate);
    printf("sent=%zu\n", sent);
    printf("accepted=%zu\n", run.accepted);
    printf("rejected=%zu\n", run.rejected);
    printf("busy=%zu\n", run.busy);
    printf("received=%zu\n", run.received);
    printf("received_live=%zu\n", run.received - run.dropped_at_pub);
    printf("error_results=%zu\n", run.errors);
    printf("duplicates=%zu\n", run.duplicates);
    printf("duplicated=%zu\n", run.duplicates);
    if (run.replay) {
        printf("dropped_at_pub=%zu\n", run.dropped_at_pub);
        /* Numbers of the phase neither received nor in the log. */
        printf("log_gaps=%llu\n",
               (unsigned long long)bench_gaps_missing(run.gaps, run.log_next));
    }
    printf("gap_free=%s\n", run.replay ? "yes" : "no");
    if (run.drop_every)
        printf("thrown_away=%zu\n", run.thrown_away);
    printf("lost=%zu\n", lost);
    printf("throughput=%.0f\n", throughput);
    printf("p50_ms=%.2f\n", bench_percentile(latencies, count, 0.50));
    printf("p99_ms=%.2f\n", bench_percentile(latencies, count, 0.99));
    printf("p999_ms=%.2f\n", bench_percentile(latencies, count, 0.999));
    printf("max_ms=%.2f\n", count ? latencies[count - 1] : NAN);
    print_latency_split(&run.tracker, run.next, bench_percentile(latencies, count, 0.99));
    if (options->timings && write_timings(&run, options->timings) != 0)
        return 1;
    free(latencies);
    reset_counters(&run, "done");
    msgpack_unpacked_destroy(&run.unpacked);
    msgpack_sbuffer_destroy(&run.buffer);
    precis_batch_destroy(&run.batch);
    zmq_close(run.dealer);
    zmq_close(run.sub);
    if (run.replay)
        zmq_close(run.replay);
    zmq_ctx_term(context);
    return 0;
}

/* ---- ceiling ----------------------------------------------------------- */

/* CPU seconds (user + system) of every thread of this process so far. */
static double process_cpu_s(void)
{
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return (double)usage.ru_utime.tv_sec + (double)usage.ru_stime.tv_sec +
           ((double)usage.ru_utime.tv_usec + (double)usage.ru_stime.tv_usec) / 1e6;
}

typedef struct {
    char endpoint[256];
    size_t size;
    double duration;
    atomic_bool stop;
    double rate;
} ceiling_t;

static void *ceiling_sender(void *arg)
{
    ceiling_t *ceiling = arg;
    void *context = zmq_ctx_new();
    void *push = zmq_socket(context, ZMQ_PUSH);
    int timeout = 100, linger = 0;
    zmq_setsockopt(push, ZMQ_SNDTIMEO, &timeout, sizeof timeout);
    zmq_setsockopt(push, ZMQ_LINGER, &linger, sizeof linger);
    zmq_connect(push, ceiling->endpoint);
    char *payload = malloc(ceiling->size);
    memset(payload, 'x', ceiling->size);
    while (!atomic_load(&ceiling->stop))
        zmq_send(push, payload, ceiling->size, 0);
    free(payload);
    zmq_close(push);
    zmq_ctx_term(context);
    return NULL;
}

static int command_ceiling(const options_t *options, const bench_set_t *set)
{
    ceiling_t ceiling = {.size = (size_t)mean_request_size(set),
                         .duration = options->duration};
    atomic_init(&ceiling.stop, false);
    void *context = zmq_ctx_new();
    void *pull = zmq_socket(context, ZMQ_PULL);
    int linger = 0, timeout = 100;
    zmq_setsockopt(pull, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(pull, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    if (zmq_bind(pull, "tcp://127.0.0.1:*") != 0) {
        perror("pipeline_bench: bind");
        return 1;
    }
    size_t len = sizeof ceiling.endpoint;
    zmq_getsockopt(pull, ZMQ_LAST_ENDPOINT, ceiling.endpoint, &len);
    pthread_t thread;
    pthread_create(&thread, NULL, ceiling_sender, &ceiling);
    zmq_msg_t message;
    zmq_msg_init(&message);
    /* The first message, then a quarter of the time to warm up, then count. */
    while (zmq_msg_recv(&message, pull, 0) < 0)
        ;
    double start = bench_now(), warm = start + options->duration / 4;
    double end = start + options->duration, counted_from = 0, cpu_from = 0;
    size_t count = 0;
    bool counting = false;
    for (;;) {
        if (zmq_msg_recv(&message, pull, 0) < 0)
            continue;
        if (counting)
            count++;
        if ((count & 1023) == 0) {
            double now = bench_now();
            if (!counting && now >= warm) {
                counting = true;
                counted_from = now;
                cpu_from = process_cpu_s();
                count = 0;
            }
            if (now >= end)
                break;
            bench_progress("ceiling: %.1f/%.0f s", now - start, options->duration);
        }
    }
    double rate = (double)count / (bench_now() - counted_from);
    double cpu_us = count ? 1e6 * (process_cpu_s() - cpu_from) / (double)count : 0;
    atomic_store(&ceiling.stop, true);
    pthread_join(thread, NULL);
    zmq_msg_close(&message);
    bench_progress_done();
    zmq_close(pull);
    zmq_ctx_term(context);
    printf("ceiling_bytes=%zu\n", ceiling.size);
    printf("ceiling_msgs_per_s=%.0f\n", rate);
    printf("ceiling_mb_per_s=%.1f\n", rate * (double)ceiling.size / 1e6);
    printf("ceiling_cpu_us=%.2f\n", cpu_us);
    return 0;
}

/* ---- ingest alone -------------------------------------------------------- */

typedef struct {
    double main, io, sync, other; /* CPU seconds by thread kind */
    /* Context switches so far: the main thread's involuntary ones (taken
       off the core while it could run: by its own I/O thread waking on
       the same core, or another process), and the voluntary ones of the
       ZeroMQ I/O threads (each a sleep, so each is one wake-up later). */
    unsigned long main_preempted, io_sleeps;
} thread_cpu_t;

/* The voluntary and involuntary context switches of the task whose
   /proc directory is task_dir (proc(5), "status"). */
static void read_switches(const char *task_dir, unsigned long *voluntary,
                          unsigned long *involuntary)
{
    char path[512], line[256];
    snprintf(path, sizeof path, "%s/status", task_dir);
    FILE *file = fopen(path, "r");
    if (!file)
        return;
    while (fgets(line, sizeof line, file)) {
        sscanf(line, "voluntary_ctxt_switches: %lu", voluntary);
        sscanf(line, "nonvoluntary_ctxt_switches: %lu", involuntary);
    }
    fclose(file);
}

/* CPU seconds (user + system) of process pid's threads by kind: its main
   thread (the task whose id is pid), ZeroMQ's I/O threads (ZMQbg/IO/N),
   the journal's sync thread (precis-syncer), the rest. */
static thread_cpu_t read_thread_cpu(long pid)
{
    thread_cpu_t cpu = {0, 0, 0, 0, 0, 0};
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/task", pid);
    DIR *tasks = opendir(path);
    if (!tasks)
        return cpu;
    double ticks = (double)sysconf(_SC_CLK_TCK);
    struct dirent *task;
    while ((task = readdir(tasks))) {
        if (task->d_name[0] == '.')
            continue;
        char stat_path[sizeof path + sizeof task->d_name + 8], line[1024];
        snprintf(stat_path, sizeof stat_path, "%s/%s/stat", path, task->d_name);
        FILE *file = fopen(stat_path, "r");
        if (!file)
            continue;
        size_t len = fread(line, 1, sizeof line - 1, file);
        fclose(file);
        line[len] = 0;
        /* "tid (comm) state ...": comm may hold spaces; utime and stime are
           the 12th and 13th fields after the last ')' (proc(5)). */
        char *open = strchr(line, '('), *close = strrchr(line, ')');
        if (!open || !close)
            continue;
        char comm[64];
        snprintf(comm, sizeof comm, "%.*s", (int)(close - open - 1), open + 1);
        unsigned long utime = 0, stime = 0;
        if (sscanf(close + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
                   &utime, &stime) != 2)
            continue;
        double seconds = (double)(utime + stime) / ticks;
        unsigned long voluntary = 0, involuntary = 0;
        stat_path[strlen(stat_path) - strlen("/stat")] = 0;
        read_switches(stat_path, &voluntary, &involuntary);
        if (atol(task->d_name) == pid) {
            cpu.main += seconds;
            cpu.main_preempted += involuntary;
        } else if (strncmp(comm, "ZMQbg/IO", 8) == 0) {
            cpu.io += seconds;
            cpu.io_sleeps += voluntary;
        } else if (strcmp(comm, "precis-syncer") == 0)
            cpu.sync += seconds;
        else
            cpu.other += seconds;
    }
    closedir(tasks);
    return cpu;
}

typedef struct {
    void *client;
    size_t outstanding, busy, rejected, lost;
    double window; /* requests kept unanswered: halved on busy answers */
    size_t window_max;
    bool busy_round; /* a busy answer in this round of reading */
} ingest_client_t;

typedef struct {
    void *context;
    const char *normalize, *acks;
    atomic_size_t acked;
    atomic_size_t frames; /* read from ingest: acked / frames is a frame's articles */
    atomic_bool stop;
} ingest_worker_t;

typedef struct {
    ingest_worker_t *worker;
    void *acks;
} ingest_acker_t;

/* Acknowledges one article, data[0..size): its key straight back
   (precis_batch_each's function; arg an ingest_acker_t). */
static void ingest_worker_ack(void *arg, const void *data, size_t size)
{
    ingest_worker_t *worker = ((ingest_acker_t *)arg)->worker;
    void *acks = ((ingest_acker_t *)arg)->acks;
    msgpack_unpacked unpacked;
    msgpack_unpacked_init(&unpacked);
    size_t key_len = 0;
    const char *key = NULL;
    if (msgpack_unpack_next(&unpacked, data, size, NULL) == MSGPACK_UNPACK_SUCCESS)
        key = map_string(&unpacked.data, "key", &key_len);
    if (key) {
        zmq_send(acks, key, key_len, 0);
        atomic_fetch_add(&worker->acked, 1);
    }
    msgpack_unpacked_destroy(&unpacked);
}

/* The worker's thread: takes what ingest dispatched (an article a frame,
   or a batch frame of them, as a normalize worker reads it), and sends
   each article's key straight back as its acknowledgement, as the sink
   would once the result is published. A thread of its own, so that the
   worker never waits behind the client (ingest's queue to its workers is
   short: a slow reader there makes ingest answer busy). */
static void *ingest_worker(void *arg)
{
    ingest_worker_t *worker = arg;
    void *work = connect_socket(worker->context, ZMQ_PULL, worker->normalize);
    void *acks = connect_socket(worker->context, ZMQ_PUSH, worker->acks);
    int timeout = 100;
    zmq_setsockopt(work, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    ingest_acker_t acker = {worker, acks};
    zmq_msg_t message;
    zmq_msg_init(&message);
    while (!atomic_load(&worker->stop)) {
        if (zmq_msg_recv(&message, work, 0) < 0)
            continue;
        atomic_fetch_add(&worker->frames, 1);
        precis_batch_each(zmq_msg_data(&message), zmq_msg_size(&message),
                          ingest_worker_ack, &acker, NULL);
    }
    zmq_msg_close(&message);
    zmq_close(work);
    zmq_close(acks);
    return NULL;
}

/* Counts one reply (data[0..size), a reply map). True when busy. */
static bool ingest_count_reply(ingest_client_t *client, const void *data, size_t size)
{
    msgpack_unpacked unpacked;
    msgpack_unpacked_init(&unpacked);
    size_t len = 0;
    const char *status = NULL;
    if (msgpack_unpack_next(&unpacked, data, size, NULL) == MSGPACK_UNPACK_SUCCESS)
        status = map_string(&unpacked.data, "status", &len);
    bool busy = string_is(status, len, "busy");
    if (busy)
        client->busy++;
    else if (string_is(status, len, "accepted")) {
        if (client->window < (double)client->window_max)
            client->window += 1;
    } else
        client->rejected++;
    msgpack_unpacked_destroy(&unpacked);
    if (client->outstanding > 0)
        client->outstanding--;
    return busy;
}

/* precis_batch_each's function: one reply, arg the client. */
static void ingest_take_reply(void *arg, const void *data, size_t size)
{
    ingest_client_t *client = arg;
    client->busy_round |= ingest_count_reply(client, data, size);
}

/* Reads ingest's answers (reply frames, or batch frames of replies): each
   reply frees a place in the window. */
static void ingest_take_answers(ingest_client_t *client)
{
    client->busy_round = false;
    zmq_msg_t message;
    zmq_msg_init(&message);
    while (zmq_msg_recv(&message, client->client, ZMQ_DONTWAIT) >= 0)
        precis_batch_each(zmq_msg_data(&message), zmq_msg_size(&message),
                          ingest_take_reply, client, NULL);
    bool busy = client->busy_round;
    zmq_msg_close(&message);
    /* A client that backs off when told busy, as a real one would (a busy
       answer costs ingest a decode and an answer for nothing): the window
       halves once a round that had busy answers, and grows back by one a
       request taken. */
    if (busy)
        client->window = client->window / 2 > 16 ? client->window / 2 : 16;
}

static int command_ingest(const options_t *options, const bench_set_t *set)
{
    if (!options->ingest || !options->normalize || !options->acks || options->pid <= 0) {
        fprintf(stderr, "pipeline_bench ingest: --ingest, --normalize, --acks and --pid "
                        "are required\n");
        return 2;
    }
    void *context = zmq_ctx_new();
    ingest_worker_t worker = {
        .context = context, .normalize = options->normalize, .acks = options->acks};
    atomic_init(&worker.acked, 0);
    atomic_init(&worker.frames, 0);
    atomic_init(&worker.stop, false);
    pthread_t thread;
    pthread_create(&thread, NULL, ingest_worker, &worker);
    ingest_client_t client = {.client =
                                  connect_socket(context, ZMQ_DEALER, options->ingest),
                              .window = options->window,
                              .window_max = (size_t)options->window};
    /* Connected before the first request (ZeroMQ connects in the
       background): else the first answers are busy, no worker yet. */
    zclock_sleep(300);
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init(&buffer);
    precis_batch_t *batch = precis_batch_new();
    zmq_pollitem_t items[] = {{client.client, 0, ZMQ_POLLIN, 0}};
    double start = bench_now(), warm = start + options->duration / 4;
    double end = start + options->duration, counted_from = 0, last_answer = start;
    size_t next = 0, acked_from = 0, frames_from = 0;
    thread_cpu_t cpu_from = {0, 0, 0, 0, 0, 0};
    bool counting = false;
    for (double now = start; now < end; now = bench_now()) {
        /* --batch requests a message (fewer when the window has less room). */
        while (client.outstanding < (size_t)client.window) {
            size_t room = (size_t)client.window - client.outstanding;
            size_t count = room < (size_t)options->batch ? room : (size_t)options->batch;
            for (size_t i = 0; i < count; i++) {
                encode_request(&buffer, set, options->tag, next++, false);
                if (options->batch_frame)
                    precis_batch_add(batch, buffer.data, buffer.size);
                else
                    zmq_send(client.client, buffer.data, buffer.size,
                             i + 1 < count ? ZMQ_SNDMORE : 0);
            }
            zmq_msg_t frame;
            if (options->batch_frame && precis_batch_msg(batch, &frame) == 0 &&
                zmq_msg_send(&frame, client.client, 0) < 0)
                zmq_msg_close(&frame);
            client.outstanding += count;
        }
        zmq_poll(items, 1, 100);
        size_t before = client.outstanding;
        ingest_take_answers(&client);
        /* ingest's ROUTER drops an answer when its queue to a client is
           full (ZeroMQ's high-water mark): answers missing for a second
           are taken as lost, as a client's time-out would. */
        if (client.outstanding != before || client.outstanding == 0)
            last_answer = bench_now();
        else if (bench_now() - last_answer > 1.0) {
            client.lost += client.outstanding;
            client.outstanding = 0;
        }
        if (!counting && now >= warm) {
            counting = true;
            counted_from = bench_now();
            cpu_from = read_thread_cpu(options->pid);
            acked_from = atomic_load(&worker.acked);
            frames_from = atomic_load(&worker.frames);
        }
        bench_progress("ingest: %.1f/%.0f s", now - start, options->duration);
    }
    thread_cpu_t cpu_to = read_thread_cpu(options->pid);
    double elapsed = bench_now() - counted_from;
    size_t articles = atomic_load(&worker.acked) - acked_from;
    size_t frames = atomic_load(&worker.frames) - frames_from;
    bench_progress_done();
    atomic_store(&worker.stop, true);
    pthread_join(thread, NULL);
    msgpack_sbuffer_destroy(&buffer);
    precis_batch_destroy(&batch);
    zmq_close(client.client);
    zmq_ctx_term(context);
    double n = articles ? (double)articles : 1;
    printf("ingest_articles=%zu\n", articles);
    printf("ingest_rate=%.0f\n", elapsed > 0 ? (double)articles / elapsed : 0);
    /* Articles a frame ingest dispatched (batch frames: up to 16). */
    printf("ingest_dispatch_per_frame=%.2f\n",
           frames ? (double)articles / (double)frames : 0);
    printf("ingest_busy=%zu\n", client.busy);
    printf("ingest_rejected=%zu\n", client.rejected);
    printf("ingest_answers_lost=%zu\n", client.lost);
    printf("ingest_main_us=%.1f\n", 1e6 * (cpu_to.main - cpu_from.main) / n);
    printf("ingest_io_us=%.1f\n", 1e6 * (cpu_to.io - cpu_from.io) / n);
    printf("ingest_sync_us=%.1f\n", 1e6 * (cpu_to.sync - cpu_from.sync) / n);
    printf("ingest_cpu_us=%.1f\n",
           1e6 *
               (cpu_to.main + cpu_to.io + cpu_to.sync + cpu_to.other - cpu_from.main -
                cpu_from.io - cpu_from.sync - cpu_from.other) /
               n);
    return articles > 0 && client.rejected == 0 ? 0 : 1;
}

/* ---- a summarize worker alone ----------------------------------------------- */

/* The normalized article number index of the set, as the worker pulls it. */
static void *encode_normalized(const bench_set_t *set, size_t index, size_t *size_p)
{
    char extra[64], *text;
    int extra_len = snprintf(extra, sizeof extra, "\n\nFiled as case k%zuz.", index);
    size_t len;
    precis_article_t *article = bench_normalized_article(
        &set->items[index % set->count], index, extra, (size_t)extra_len, &text, &len);
    void *data = precis_article_encode(article, size_p);
    precis_article_destroy(&article);
    free(text);
    return data;
}

/* Results in a message from the worker: a batch frame's elements, or 1
   (a result alone, or a frame of a message of several). */
static size_t results_in(zmq_msg_t *message)
{
    return precis_batch_messages(zmq_msg_data(message), zmq_msg_size(message));
}

/* Sends articles first.. first + count - 1, normalized: one a frame when
   count is 1, else as one batch frame (batch). Blocks until the worker
   has connected and has room. */
static void send_normalized(void *work, precis_batch_t *batch, const bench_set_t *set,
                            size_t first, size_t count)
{
    for (size_t index = first; index < first + count; index++) {
        size_t size;
        void *data = encode_normalized(set, index, &size);
        if (count == 1)
            zmq_send(work, data, size, 0);
        else
            precis_batch_add(batch, data, size);
        free(data);
    }
    zmq_msg_t message;
    if (count > 1 && precis_batch_msg(batch, &message) == 0 &&
        zmq_msg_send(&message, work, 0) < 0)
        zmq_msg_close(&message);
}

static int command_worker(const options_t *options, bench_set_t *set)
{
    if (!options->normalize || !options->acks ||
        (options->pid <= 0 && !options->pid_file)) {
        fprintf(stderr,
                "pipeline_bench worker: --normalize, --acks and --pid or --pid-file "
                "are required\n");
        return 2;
    }
    if (options->batch > options->window) {
        fprintf(stderr, "pipeline_bench worker: --batch is over --window\n");
        return 2;
    }
    long pid = options->pid;
    bench_set_normalize(set);
    void *context = zmq_ctx_new();
    void *work = zmq_socket(context, ZMQ_PUSH), *results = zmq_socket(context, ZMQ_PULL);
    int linger = 0;
    zmq_setsockopt(work, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(results, ZMQ_LINGER, &linger, sizeof linger);
    if (zmq_bind(work, options->normalize) != 0 ||
        zmq_bind(results, options->acks) != 0) {
        fprintf(stderr, "pipeline_bench worker: cannot bind: %s\n",
                zmq_strerror(zmq_errno()));
        return 1;
    }
    zmq_pollitem_t items[] = {{results, 0, ZMQ_POLLIN, 0}};
    precis_batch_t *batch = precis_batch_new();
    size_t next = 0, received = 0, outstanding = 0, counted_from_n = 0;
    double start = bench_now(), warm = start + options->duration / 4;
    double end = start + options->duration, counted_from = 0, cpu_from = 0;
    double cpu_main_from = 0, cpu_io_from = 0;
    thread_cpu_t switches_from = {0, 0, 0, 0, 0, 0};
    bool counting = false;
    zmq_msg_t message;
    zmq_msg_init(&message);
    for (double now = start; now < end; now = bench_now()) {
        while (outstanding + (size_t)options->batch <= (size_t)options->window) {
            send_normalized(work, batch, set, next, (size_t)options->batch);
            next += (size_t)options->batch;
            outstanding += (size_t)options->batch;
        }
        zmq_poll(items, 1, 100);
        while (zmq_msg_recv(&message, results, ZMQ_DONTWAIT) >= 0) {
            size_t taken = results_in(&message);
            received += taken;
            outstanding -= taken < outstanding ? taken : outstanding;
        }
        if (!counting && now >= warm && pid <= 0) {
            /* A worker writes its pid file once connected, which it is
               once results come back. */
            FILE *file = fopen(options->pid_file, "r");
            if (file) {
                if (fscanf(file, "%ld", &pid) != 1)
                    pid = 0;
                fclose(file);
            }
        }
        if (!counting && now >= warm && pid > 0) {
            counting = true;
            counted_from = bench_now();
            thread_cpu_t cpu = read_thread_cpu(pid);
            cpu_from = cpu.main + cpu.io + cpu.sync + cpu.other;
            cpu_main_from = cpu.main;
            cpu_io_from = cpu.io;
            switches_from = cpu;
            counted_from_n = received;
        }
        bench_progress("worker: %.1f/%.0f s", now - start, options->duration);
    }
    thread_cpu_t cpu = read_thread_cpu(pid);
    double elapsed = bench_now() - counted_from;
    size_t counted = received - counted_from_n;
    bench_progress_done();
    precis_batch_destroy(&batch);
    zmq_msg_close(&message);
    zmq_close(work);
    zmq_close(results);
    zmq_ctx_term(context);
    printf("worker_results=%zu\n", counted);
    printf("worker_results_all=%zu\n", received); /* warm-up included */
    printf("worker_rate=%.0f\n", elapsed > 0 ? (double)counted / elapsed : 0);
    if (counted) {
        printf("worker_main_us=%.1f\n",
               1e6 * (cpu.main - cpu_main_from) / (double)counted);
        printf("worker_io_us=%.1f\n", 1e6 * (cpu.io - cpu_io_from) / (double)counted);
        /* Each I/O thread wake-up costs both threads CPU (on a paravirtual
           VM a system call is about 1.2 us and a wake-up 5-10 us), and a
           main thread taken off its core refills its caches. */
        printf("worker_main_preempted=%.2f\n",
               (double)(cpu.main_preempted - switches_from.main_preempted) /
                   (double)counted);
        printf("worker_io_wakeups=%.2f\n",
               (double)(cpu.io_sleeps - switches_from.io_sleeps) / (double)counted);
    }
    printf("worker_cpu_us=%.1f\n",
           counted ? 1e6 * (cpu.main + cpu.io + cpu.sync + cpu.other - cpu_from) /
                         (double)counted
                   : 0);
    return counted > 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc < 2 || (strcmp(argv[1], "run") != 0 && strcmp(argv[1], "ceiling") != 0 &&
                     strcmp(argv[1], "ingest") != 0 && strcmp(argv[1], "worker") != 0)) {
        fprintf(stderr, "usage: pipeline_bench run|ceiling|ingest|worker [OPTIONS] (see "
                        "the source)\n");
        return 2;
    }
    const char *command = argv[1];
    options_t options = {.samples = "samples/articles.jsonl",
                         .tag = "bench",
                         .duration = 5,
                         .window = 256,
                         .batch = 1};
    static const struct option long_options[] = {
        {"ingest", required_argument, NULL, 'i'},
        {"output", required_argument, NULL, 'o'},
        {"replay", required_argument, NULL, 'p'},
        {"data", required_argument, NULL, 'd'},
        {"samples", required_argument, NULL, 's'},
        {"duration", required_argument, NULL, 't'},
        {"rate", required_argument, NULL, 'r'},
        {"window", required_argument, NULL, 'w'},
        {"tag", required_argument, NULL, 'g'},
        {"fresh", no_argument, NULL, 'f'},
        {"normalize", required_argument, NULL, 'n'},
        {"acks", required_argument, NULL, 'a'},
        {"pid", required_argument, NULL, 'P'},
        {"pid-file", required_argument, NULL, 'F'},
        {"batch", required_argument, NULL, 'b'},
        {"batch-frame", no_argument, NULL, 'B'},
        {"timings", required_argument, NULL, 'T'},
        {NULL, 0, NULL, 0}};
    int option;
    optind = 2;
    while ((option = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
        switch (option) {
        case 'i':
            options.ingest = optarg;
            break;
        case 'o':
            options.output = optarg;
            break;
        case 'p':
            options.replay = optarg;
            break;
        case 'd':
            options.data = optarg;
            break;
        case 's':
            options.samples = optarg;
            break;
        case 't':
            options.duration = atof(optarg);
            break;
        case 'r':
            options.rate = atof(optarg);
            break;
        case 'w':
            options.window = atoi(optarg);
            break;
        case 'g':
            options.tag = optarg;
            break;
        case 'f':
            options.fresh = true;
            break;
        case 'n':
            options.normalize = optarg;
            break;
        case 'a':
            options.acks = optarg;
            break;
        case 'P':
            options.pid = atol(optarg);
            break;
        case 'F':
            options.pid_file = optarg;
            break;
        case 'b':
            options.batch = atoi(optarg);
            break;
        case 'B':
            options.batch_frame = true;
            break;
        case 'T':
            options.timings = optarg;
            break;
        default:
            return 2;
        }
    }
    if (options.window < 1 || options.duration <= 0) {
        fprintf(stderr, "pipeline_bench: --window and --duration must be positive\n");
        return 2;
    }
    if (options.batch < 1 || options.batch > PRECIS_REQUESTS_PER_MESSAGE) {
        fprintf(stderr, "pipeline_bench: --batch takes 1 to %d\n",
                PRECIS_REQUESTS_PER_MESSAGE);
        return 2;
    }
    bench_set_t set;
    if (bench_set_load(&set, options.data, options.samples, BENCH_DEFAULT_ARTICLES) != 0)
        return 1;
    int status = strcmp(command, "run") == 0      ? command_run(&options, &set)
                 : strcmp(command, "ingest") == 0 ? command_ingest(&options, &set)
                 : strcmp(command, "worker") == 0 ? command_worker(&options, &set)
                                                  : command_ceiling(&options, &set);
    bench_set_free(&set);
    return status;
}
