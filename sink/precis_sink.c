/*  precis_sink - the pipeline's way out.

    For each result: drop it if its delivery key was already published (a
    retry whose first attempt did arrive), give it the next sequence number,
    append it to the output log, publish it, append it to the JSON Lines
    file, and acknowledge its key to ingest, which then forgets the article.
    The acknowledgement goes out after the log write, so an article is never
    forgotten before its result is kept. Duplicates are acknowledged again:
    ingest may have sent the article again after a restart.

    Ingest shards (docs/DEPLOY.md): given one acknowledgement endpoint per
    shard (--acks-endpoint A,B,...), the sink sends each key's
    acknowledgement to the endpoint of the shard in the key ("K:...", the
    K-th; a key without a shard to the first), and also drops a result whose
    id it published already under another key (a client's retry that
    another shard took), acknowledging it all the same. The ids are kept
    like the keys: the last SEEN_CAPACITY, rebuilt from the output log.

    Results are taken in batches of what is waiting (up to 256): each is
    spliced (precis_splice: the worker's map is not decoded, the published
    map is written from its bytes) and numbered, the batch is appended to
    the log with one write, and then each is published in order; the
    batch's keys go to ingest at its end, one message per shard
    (precis_acks). After a batch that was not full the sink waits BATCH_WAIT_US
    before it polls again, so that it wakes up for many results at a time.

    The output log decides the numbering: a result whose append fails (a
    full disk) gets no number, is not published and not acknowledged, so
    ingest sends it again after --retry-ms; the failure is logged once per
    burst and counted (log_append_errors). Numbering goes on without a gap
    once appends work again. Every result carries the log's epoch, log_id
    (a new one per start without --log, where numbering starts at 1 again).

    The JSON Lines file holds every seq of the log exactly once: its line is
    written after the log append and before the acknowledgement, and at
    start the file is brought up to date from the log (a torn last line
    dropped, the records after its seq appended). While a line cannot be
    written, nothing more is taken in (results are not acknowledged, so
    ingest sends them again); the missing lines come from the log as soon
    as writing works again.

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
#include "precis_acks.h"
#include "precis_batch.h"
#include "precis_utf8.h"
#include "precis_jsonl_start.h"
#include "precis_control.h"
#include "precis_credit.h"
#include "precis_msgpack.h"
#include "precis_outlog.h"
#include "precis_seen.h"
#include "precis_shards.h"
#include "precis_splice.h"
#include "precis_stories.h"
#include "precis_summary_cache.h"
#include "precis_waiter.h"
#include <malloc.h>
#include <pthread.h>
#include <sys/resource.h>
#include <xxhash.h>

/* Results taken at most before they are appended to the log together. */
#define BATCH_MAX 256
/* How long the sink lets results gather after a batch that was not full.
   A result that comes after an idle spell is taken at once; only the ones
   that come during the wait are held, at most this long. 1 ms until
   2026-12-02: in the pipeline (one worker a stage, about 7,500 results a
   second in batch frames of 16) the sink then woke up every 20 to 30
   results, and a wake-up costs its main thread about 19 system calls
   (libzmq's signalling and polls, about 12; the log and story writes; the
   sleep) and its I/O thread about 20 more, at about 2 us a call on the
   development VM. bench/sink_pipeline, 1 ms -> 4 ms, two alternating pairs
   at load 2.3-4.7: system calls a result 1.78, 1.35 -> 0.60, 0.54 (main
   thread) and 2.47, 1.78 -> 1.25, 1.15 (I/O thread); CPU a result 20.2,
   16.5 -> 17.1, 12.6 us (main) and 14.7, 11.9 -> 8.5, 6.6 us (I/O). The
   price is latency: at 3,000 results/s (two pairs at load 0.8-1.6) p50
   push to publish 6.2, 5.2 -> 7.7, 7.6 ms, p99 14.3, 9.8 -> 13.5, 13.5 ms. */
#define BATCH_WAIT_US 4000
/* An offset into the batch's bytes that is none. */
#define NONE SIZE_MAX

/* A result in the batch: where its published map and strings are in the
   batch's bytes, and what it needs once the log has it. */
typedef struct {
    size_t map, map_size;  /* the published map */
    size_t id, key, error; /* NUL-terminated; NONE when absent */
    size_t name;           /* what a repeat is known by: the key, or with shards the id */
    size_t record;         /* its record in the batch; NONE: a repeat of the key of */
    size_t original;       /* this earlier result of the batch */
    char topic[64];
    bool is_error;
    int64_t received_us, published_us;
} staged_t;

/* The results taken since the last commit: spliced and numbered, not yet
   in the log. */
typedef struct {
    staged_t items[BATCH_MAX];
    size_t count, records;
    char *bytes;
    size_t used, room;
    uint64_t key_hashes[BATCH_MAX];    /* of each item's key (0: none) */
    uint16_t key_slots[4 * BATCH_MAX]; /* item + 1 by key hash, 0: empty */
    precis_outlog_record_t log[BATCH_MAX];
} batch_t;

/* Delivery keys remembered for deduplication. */
#define SEEN_CAPACITY (1u << 20)
/* Most results in one replay answer. */
#define REPLAY_MAX 1000
/* Bytes of a replay request frame, at most: a larger one is refused by
   libzmq before it is read, and the connection dropped (docs/SECURITY.md). */
#define REPLAY_MAX_REQUEST 4096
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
    precis_acks_t *acks;     /* PUSH to ingest, one per shard; keys held per batch */
    size_t ack_count;        /* ingest shards */
    zsock_t *replay;         /* ROUTER, public; NULL without an output log */
    precis_credit_t *credit; /* replay answers in flight */
    size_t replay_peak;      /* bytes in flight at most since the last trim */
    precis_outlog_t *log;
    precis_seen_t *seen;
    /* With several ingest shards: the ids published, as a retry sent to
       another shard comes with another key. NULL with one ingest. */
    precis_seen_t *seen_ids;
    precis_splice_t *splice; /* reads and writes the result maps */
    batch_t batch;
    /* The loop's messages read (initialized, empty between batches): a
       message is a result, or a batch frame of up to PRECIS_BATCH_MAX
       (precis_batch.h), each element a result. The loop stops reading
       once BATCH_MAX results are in. */
    zmq_msg_t inbox[BATCH_MAX];
    char log_id[PRECIS_LOG_ID_SIZE];
    int jsonl;           /* file descriptor, -1 without --jsonl */
    uint64_t jsonl_size; /* bytes of whole lines */
    uint64_t jsonl_seq;  /* the seq of its last line */
    bool jsonl_behind;   /* lines of the log are missing from it */
    bool jsonl_stuck;    /* a write failed in the current catch-up */
    /* Where the file began (LOG.jsonl-start); unmarked: its first line is
       not recorded there yet. */
    precis_jsonl_start_t jsonl_start;
    bool jsonl_unmarked;
    uint64_t next_seq;
    /* Failures of appends in the current burst (0: appends work). */
    uint64_t log_failing, jsonl_failing;
    int64_t log_said_ms, log_failed_ms; /* when a failure was last said, last happened */
    precis_stats_t *stats;
    precis_control_t *control;
    int received, published, duplicates, invalid; /* counters in stats */
    int replay_requests, replayed, replay_busy, replay_dropped;
    precis_stories_t *stories;         /* the near-duplicate index */
    precis_summary_cache_t *summaries; /* for exact copies */
    int stories_new, exact_repeats, near_repeats, stories_index;
    uint64_t stories_failing;                   /* story file appends failed in a row */
    int64_t stories_said_ms, stories_failed_ms; /* when last said, last failed */
    int log_append_errors, jsonl_append_errors, log_damaged, log_damaged_bytes, log_lost;
};

/* Rebuilds the set of published keys from the output log. */
static void remember_key(void *arg, uint64_t seq, const char *topic, const void *body,
                         size_t size)
{
    precis_sink_t *self = arg;
    char error[PRECIS_ERROR_SIZE];
    if (precis_splice_read(self->splice, body, size, error) != 0)
        return;
    if (precis_splice_key(self->splice))
        precis_seen_add(self->seen, precis_splice_key(self->splice));
    if (self->seen_ids && precis_splice_id(self->splice))
        precis_seen_add(self->seen_ids, precis_splice_id(self->splice));
}

/* The state file that says where the JSON Lines file began. */
static char *jsonl_start_path(precis_sink_t *self)
{
    return zsys_sprintf("%s.jsonl-start", self->config->out_log);
}

/* Records in LOG.jsonl-start that the file has a line now: from then on an
   empty file of that inode was truncated (or is another file on a reused
   inode) and starts after the log's last seq. */
static void jsonl_mark_written(precis_sink_t *self)
{
    self->jsonl_unmarked = false;
    self->jsonl_start.written = true;
    char *path = jsonl_start_path(self);
    if (precis_jsonl_start_save(path, &self->jsonl_start) != 0)
        zsys_warning("cannot write %s: %s", path, strerror(errno));
    zstr_free(&path);
}

/* Appends one line for a result to the JSON Lines file, in one write (a
   reader tailing the file never sees half a result); a short write is
   undone. 0, or -1 with errno set. */
static int jsonl_write(precis_sink_t *self, const precis_result_t *result)
{
    json_t *json = precis_result_to_json(result);
    char *line = json_dumps(json, JSON_COMPACT);
    json_decref(json);
    if (!line) {
        errno = ENOMEM;
        return -1;
    }
    size_t len = strlen(line);
    line[len] = '\n'; /* json_dumps leaves room: its NUL */
    errno = 0;
    ssize_t written = write(self->jsonl, line, len + 1);
    int saved = errno ? errno : ENOSPC;
    free(line);
    if (written != (ssize_t)(len + 1)) {
        if (written > 0 && ftruncate(self->jsonl, (off_t)self->jsonl_size) != 0)
            zsys_error("cannot undo a partial line in %s", self->config->jsonl_path);
        errno = saved;
        return -1;
    }
    self->jsonl_size += len + 1;
    self->jsonl_seq = result->seq;
    if (self->jsonl_unmarked)
        jsonl_mark_written(self);
    return 0;
}

/* Writes a logged result to the JSON Lines file (catching up). */
static void jsonl_from_log(void *arg, uint64_t seq, const char *topic, const void *body,
                           size_t size)
{
    precis_sink_t *self = arg;
    char error[PRECIS_ERROR_SIZE];
    if (self->jsonl_stuck)
        return; /* a write failed in this catch-up: the rest waits */
    precis_result_t *result = precis_result_decode(body, size, error);
    if (!result) {
        zsys_error("output log: result %llu is not a result: %s", (unsigned long long)seq,
                   error);
        self->jsonl_seq = seq;
        return;
    }
    result->seq = seq;
    if (!result->log_id) /* written before results carried it */
        result->log_id = strdup(self->log_id);
    if (jsonl_write(self, result) != 0) {
        self->jsonl_stuck = true;
        if (!self->jsonl_failing)
            zsys_error("cannot append to %s: %s; results are held back until it works "
                       "again",
                       self->config->jsonl_path, strerror(errno));
        self->jsonl_failing++;
        precis_stats_add(self->stats, self->jsonl_append_errors, 1);
    }
    precis_result_destroy(&result);
}

/* Brings the JSON Lines file up to date from the output log: the records
   after the seq of its last line. 0 when it is. */
static int jsonl_catch_up(precis_sink_t *self)
{
    if (!self->log)
        return self->jsonl_behind ? -1 : 0;
    self->jsonl_behind = true;
    self->jsonl_stuck = false;
    uint64_t from = self->jsonl_seq;
    /* One line first: while the file cannot grow, each result that comes
       in costs one record read, not a batch. */
    size_t batch = 1;
    while (!self->jsonl_stuck && precis_outlog_read(self->log, self->jsonl_seq + 1, batch,
                                                    jsonl_from_log, self))
        batch = REPLAY_MAX;
    if (self->jsonl_stuck)
        return -1;
    if (self->jsonl_failing)
        zsys_notice("%s: appends work again; results %llu to %llu written from the "
                    "output log",
                    self->config->jsonl_path, (unsigned long long)(from + 1),
                    (unsigned long long)self->jsonl_seq);
    self->jsonl_failing = 0;
    self->jsonl_behind = false;
    return 0;
}

static char *last_newline(char *buffer, size_t size)
{
    while (size--)
        if (buffer[size] == '\n')
            return buffer + size;
    return NULL;
}

/* The seq and log_id of the JSON Lines file's last line, after dropping a
   torn line at its end (a write cut short by a kill); *seq is 0 when the
   file is empty, UINT64_MAX when its last line has no seq. */
static int jsonl_last_line(precis_sink_t *self, uint64_t *seq, char *log_id)
{
    struct stat info;
    if (fstat(self->jsonl, &info) != 0)
        return -1;
    uint64_t size = (uint64_t)info.st_size;
    *seq = 0;
    log_id[0] = 0;
    size_t window = 65536;
    char *buffer = NULL;
    for (;;) {
        size_t want = size < window ? (size_t)size : window;
        buffer = realloc(buffer, want + 1);
        assert(buffer);
        if (pread(self->jsonl, buffer, want, (off_t)(size - want)) != (ssize_t)want) {
            free(buffer);
            return -1;
        }
        buffer[want] = 0;
        /* end: after the last newline; start: after the one before it. */
        char *end = last_newline(buffer, want);
        char *start = end ? last_newline(buffer, (size_t)(end - buffer)) : NULL;
        bool whole = want == size;
        if (!end && !whole) {
            window *= 4;
            continue;
        }
        uint64_t keep = end ? size - want + (uint64_t)(end - buffer) + 1 : 0;
        if (keep < size) {
            zsys_warning("%s: dropping a torn last line (%llu bytes)",
                         self->config->jsonl_path, (unsigned long long)(size - keep));
            if (ftruncate(self->jsonl, (off_t)keep) != 0) {
                zsys_error("cannot truncate %s: %s", self->config->jsonl_path,
                           strerror(errno));
                free(buffer);
                return -1;
            }
        }
        self->jsonl_size = keep;
        if (!end)
            break;
        if (!start && !whole) {
            window *= 4;
            size = keep;
            continue;
        }
        *end = 0;
        json_error_t json_error;
        json_t *line = json_loads(start ? start + 1 : buffer, 0, &json_error);
        json_t *value = json_object_get(line, "seq");
        *seq = json_is_integer(value) && json_integer_value(value) > 0
                   ? (uint64_t)json_integer_value(value)
                   : UINT64_MAX;
        value = json_object_get(line, "log_id");
        if (json_is_string(value))
            snprintf(log_id, PRECIS_LOG_ID_SIZE, "%s", json_string_value(value));
        json_decref(line);
        break;
    }
    free(buffer);
    return 0;
}

/* An empty JSON Lines file: one this sink created and was killed before it
   wrote a line is caught up from where it began; any other (new, rotated,
   truncated) starts after the output log's last seq, and LOG.jsonl-start
   records it (precis issue 13). Sets the seq to catch up from. */
static int jsonl_begin(precis_sink_t *self)
{
    struct stat info;
    if (fstat(self->jsonl, &info) != 0) {
        zsys_error("cannot read %s: %s", self->config->jsonl_path, strerror(errno));
        return -1;
    }
    char *path = jsonl_start_path(self);
    precis_jsonl_start_t *start = &self->jsonl_start;
    uint64_t last = precis_outlog_next_seq(self->log) - 1;
    if (precis_jsonl_start_load(path, start) &&
        precis_jsonl_start_is_unwritten(start, (uint64_t)info.st_dev,
                                        (uint64_t)info.st_ino, self->log_id) &&
        start->after <= last) {
        zsys_notice("%s: the file this sink began after result %llu; catching it up",
                    self->config->jsonl_path, (unsigned long long)start->after);
    } else {
        *start = (precis_jsonl_start_t){.device = (uint64_t)info.st_dev,
                                        .inode = (uint64_t)info.st_ino,
                                        .after = last};
        snprintf(start->log_id, sizeof start->log_id, "%s", self->log_id);
        if (precis_jsonl_start_save(path, start) != 0) {
            zsys_error("cannot write %s: %s", path, strerror(errno));
            zstr_free(&path);
            return -1;
        }
        zsys_notice("%s: a new file: it starts after result %llu, the output log's last",
                    self->config->jsonl_path, (unsigned long long)last);
    }
    zstr_free(&path);
    self->jsonl_unmarked = true;
    self->jsonl_seq = start->after;
    return 0;
}

/* Opens the JSON Lines file where it stands and brings it up to date. */
static int jsonl_recover(precis_sink_t *self)
{
    char log_id[PRECIS_LOG_ID_SIZE];
    if (jsonl_last_line(self, &self->jsonl_seq, log_id) != 0) {
        zsys_error("cannot read %s: %s", self->config->jsonl_path, strerror(errno));
        return -1;
    }
    if (!self->log)
        return 0;
    if (self->jsonl_size == 0) {
        if (jsonl_begin(self) != 0)
            return -1;
    } else if (self->jsonl_seq == UINT64_MAX) {
        /* Not written by a sink: rather than append the whole log again,
           go on with new results only, and say so. */
        self->jsonl_seq = precis_outlog_next_seq(self->log) - 1;
        zsys_error("%s: the last line has no seq; results up to %llu are not "
                   "checked against it",
                   self->config->jsonl_path, (unsigned long long)self->jsonl_seq);
    } else if (*log_id && strcmp(log_id, self->log_id) != 0) {
        zsys_notice("%s: the last line is of log_id %s, the output log of %s: "
                    "appending the whole log",
                    self->config->jsonl_path, log_id, self->log_id);
        self->jsonl_seq = 0;
    }
    uint64_t from = self->jsonl_seq;
    if (jsonl_catch_up(self) != 0)
        zsys_error("%s: cannot bring it up to date from the output log yet",
                   self->config->jsonl_path);
    else if (self->jsonl_seq > from)
        zsys_notice("%s: appended results %llu to %llu from the output log",
                    self->config->jsonl_path, (unsigned long long)(from + 1),
                    (unsigned long long)self->jsonl_seq);
    return 0;
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
        snprintf(self->log_id, sizeof self->log_id, "%s",
                 precis_outlog_log_id(self->log));
        precis_outlog_damage_t damage = precis_outlog_damage(self->log);
        precis_stats_set(self->stats, self->log_damaged, damage.regions);
        precis_stats_set(self->stats, self->log_damaged_bytes, damage.bytes);
        precis_stats_set(self->stats, self->log_lost, damage.lost);
        /* The frame limit and the high-water mark are set before the bind:
           the listener copies the socket's options then, and a peer that
           connects later gets the copy's (set after the bind, a 10 KB
           request was read and answers queued to 1,000). */
        self->replay = zsock_new(ZMQ_ROUTER);
        if (!self->replay)
            return false;
        zsock_set_maxmsgsize(self->replay, REPLAY_MAX_REQUEST);
        /* Unsendable answers fail at once (EAGAIN, EHOSTUNREACH) instead of
           vanishing, so that they are counted. */
        zsock_set_sndhwm(self->replay, REPLAY_SNDHWM);
        zsock_set_router_mandatory(self->replay, 1);
        precis_socket_tune(self->replay);
        precis_curve_server(self->replay);
        if (precis_shards_attach(self->replay, config->replay_endpoint, true) == -1)
            return false;
        self->credit =
            precis_credit_new(config->replay_max_bytes ? config->replay_max_bytes
                                                       : PRECIS_REPLAY_MAX_BYTES);
    }
    if (!self->log)
        precis_outlog_new_id(self->log_id);
    if (config->jsonl_path) {
        self->jsonl = precis_data_file_open(config->jsonl_path, O_RDWR | O_APPEND);
        if (self->jsonl < 0) {
            zsys_error("cannot open %s: %s", config->jsonl_path, strerror(errno));
            return false;
        }
        if (jsonl_recover(self) != 0)
            return false;
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
        precis_stats_gauge(self->stats, "stories_index", "articles in the story index");
    if (self->stories)
        precis_stats_set(self->stats, self->stories_index,
                         precis_stories_size(self->stories));
    return self->stories != NULL;
}

precis_sink_t *precis_sink_new(const precis_config_t *config)
{
    precis_sink_t *self = calloc(1, sizeof *self);
    assert(self);
    for (size_t i = 0; i < BATCH_MAX; i++)
        zmq_msg_init(&self->inbox[i]);
    self->config = config;
    self->seen = precis_seen_new(SEEN_CAPACITY);
    /* Acknowledgements go to the shard that owns the key; with several
       shards a retry may come back from another one under another key,
       so the sink also knows what it published by id. */
    self->ack_count = precis_shards_count(config->acks_endpoint);
    if (self->ack_count > 1)
        self->seen_ids = precis_seen_new(SEEN_CAPACITY);
    self->splice = precis_splice_new();
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
    self->log_append_errors = precis_stats_counter(
        self->stats, "log_append_errors",
        "output log appends that failed (result held back, sent again by ingest)");
    self->jsonl_append_errors = precis_stats_counter(self->stats, "jsonl_append_errors",
                                                     "JSON Lines appends that failed");
    self->log_damaged =
        precis_stats_counter(self->stats, "log_damaged",
                             "damaged stretches skipped in the output log at start");
    self->log_damaged_bytes = precis_stats_counter(self->stats, "log_damaged_bytes",
                                                   "bytes in the damaged stretches");
    self->log_lost = precis_stats_counter(self->stats, "log_lost",
                                          "results lost to damage in the output log");
    precis_stats_describe_latency(self->stats, "delivery_latency_seconds",
                                  "time from ingest's receipt of an article to the "
                                  "publication of its result");
    self->next_seq = 1;
    self->jsonl = -1;
    /* A summarize worker sends up to PRECIS_RESULTS_PER_MESSAGE results a
       message: the queue from each worker holds about 1,000 results, as it
       did with one a message, and not 16 times that while the sink is
       slow. */
    self->results = precis_socket_new_hwm(ZMQ_PULL, config->results_endpoint, true, 0,
                                          precis_results_hwm(PRECIS_RESULTS_PER_MESSAGE));
    self->output =
        self->results ? precis_socket_new(ZMQ_PUB, config->output_endpoint, true) : NULL;
    self->acks = self->output ? precis_acks_new(config->acks_endpoint) : NULL;
    self->control = self->acks ? precis_control_new(config, self->stats) : NULL;
    if (!self->control || !open_files(self) || !open_stories(self)) {
        precis_sink_destroy(&self);
        return NULL;
    }
    /* Results come from our own workers; still, bound what one frame may cost. */
    zsock_set_maxmsgsize(self->results, 64 << 20);
    return self;
}

void precis_sink_destroy(precis_sink_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    precis_sink_t *self = *self_p;
    for (size_t i = 0; i < BATCH_MAX; i++)
        zmq_msg_close(&self->inbox[i]);
    zsock_destroy(&self->results);
    zsock_destroy(&self->output);
    precis_acks_destroy(&self->acks);
    zsock_destroy(&self->replay);
    precis_credit_destroy(&self->credit);
    precis_outlog_destroy(&self->log);
    precis_seen_destroy(&self->seen);
    precis_seen_destroy(&self->seen_ids);
    precis_splice_destroy(&self->splice);
    free(self->batch.bytes);
    precis_stories_destroy(&self->stories);
    precis_summary_cache_destroy(&self->summaries);
    precis_control_destroy(&self->control);
    precis_stats_destroy(&self->stats);
    if (self->jsonl >= 0)
        close(self->jsonl);
    free(self);
    *self_p = NULL;
}

/* Holds key's acknowledgement for the ingest shard that gave it; the
   batch's acknowledgements leave together at its end (precis_acks). */
static void acknowledge(precis_sink_t *self, const char *key)
{
    precis_acks_add(self->acks, key);
}

/* A failed output log append: counted, logged once per burst. */
static void log_append_failed(precis_sink_t *self, const char *id)
{
    precis_stats_add(self->stats, self->log_append_errors, 1);
    /* A nearly full disk takes a small record now and then: failures and
       successes alternate. Said once, again at most every 10 s. */
    int64_t now = zclock_mono();
    self->log_failed_ms = now;
    if (!self->log_failing++ || now - self->log_said_ms >= 10000) {
        self->log_said_ms = now;
        zsys_error("output log: cannot append (%s); results are held back (not "
                   "published, not acknowledged: ingest sends them again) until it "
                   "works again; first: %s",
                   strerror(errno), id);
    }
}

static void log_append_worked(precis_sink_t *self)
{
    /* Works again: once no append failed for a second. */
    if (!self->log_failing || zclock_mono() - self->log_failed_ms < 1000)
        return;
    zsys_notice("output log: appends work again after %llu failed; numbering goes "
                "on at %llu",
                (unsigned long long)self->log_failing,
                (unsigned long long)self->next_seq);
    self->log_failing = 0;
}

/* Whether the JSON Lines file is up to date (or absent), catching up from
   the log when a line was missing. */
static bool jsonl_ready(precis_sink_t *self)
{
    return self->jsonl < 0 || !self->jsonl_behind || jsonl_catch_up(self) == 0;
}

/* A story-file write failed: counted, said once and again at most every
   10 s (on a nearly full disk small writes pass and fail by turns). */
static void stories_write_failed(precis_sink_t *self)
{
    int64_t now = zclock_mono();
    if (!self->stories_failing++ || now - self->stories_said_ms >= 10000) {
        zsys_error("story file: cannot append (%s); the index goes on in memory",
                   strerror(errno));
        self->stories_said_ms = now;
    }
    self->stories_failed_ms = now;
}

/* Sets the story keys of a summary from the index and gives an exact copy
   the summary of the article it repeats (kept as encoded pairs, published
   as they are); the splice leaves the signature out when it writes. */
static void mark_story(precis_sink_t *self, int64_t now_us)
{
    precis_splice_t *splice = self->splice;
    uint64_t tag;
    const precis_minhash_t *signature = precis_splice_signature(splice, &tag);
    if (!signature || precis_splice_kind(splice) != PRECIS_RESULT_SUMMARY ||
        self->config->no_stories)
        return;
    precis_stories_match_t match;
    /* The story file shares the output log's disk: when it is full, say so
       once per burst, as for the log itself (the index in memory still
       answers; the file misses those articles after a restart). */
    if (precis_stories_add(self->stories, precis_splice_id(splice),
                           precis_splice_key(splice), signature, now_us, &match) != 0) {
        stories_write_failed(self); /* a flush inside add (256 KiB kept) */
    }
    precis_splice_set_story(splice, match.story, match.duplicate_of, match.similarity,
                            match.exact);
    size_t size;
    uint32_t count;
    const void *earlier =
        match.exact ? precis_summary_cache_get_pairs(
                          self->summaries, signature->text_hash, tag, &size, &count)
                    : NULL;
    if (earlier)
        precis_splice_set_summary(splice, earlier, size, count);
    else {
        void *pairs = precis_splice_copy_summary(splice, &size, &count);
        precis_summary_cache_put_pairs(self->summaries, signature->text_hash, tag, pairs,
                                       size, count);
    }
    precis_stats_add(self->stats,
                     !match.duplicate_of ? self->stories_new
                     : match.exact       ? self->exact_repeats
                                         : self->near_repeats,
                     1);
    precis_stats_set(self->stats, self->stories_index,
                     precis_stories_size(self->stories));
}

/* Writes the story records of the batch. On a nearly full disk small
   batches fail and pass by turns, so the failures are said at most once
   every 10 s, and "works again" only once no batch failed for a second. */
static void flush_stories(precis_sink_t *self)
{
    if (precis_stories_flush(self->stories) != 0)
        stories_write_failed(self);
    else if (self->stories_failing && zclock_mono() - self->stories_failed_ms >= 1000) {
        zsys_notice("story file: appends work again after %llu failed",
                    (unsigned long long)self->stories_failing);
        self->stories_failing = 0;
    }
}

/* The published map as a JSON line (the decoded map: --jsonl only). */
static int jsonl_write_map(precis_sink_t *self, const void *data, size_t size)
{
    char error[PRECIS_ERROR_SIZE];
    precis_result_t *result = precis_result_decode(data, size, error);
    assert(result); /* the splice wrote it from a result */
    int rc = jsonl_write(self, result);
    precis_result_destroy(&result);
    return rc;
}

/* PUB: [topic][map]. PUB never blocks; a subscriber that is full misses it
   (and replays it from the log). */
static void send_result(precis_sink_t *self, const char *topic, const void *data,
                        size_t size)
{
    void *socket = zsock_resolve(self->output);
    zmq_send(socket, topic, strlen(topic), ZMQ_SNDMORE);
    zmq_send(socket, data, size, 0);
}

/* Appends bytes to the batch; their offset. */
static size_t batch_put(batch_t *batch, const void *data, size_t size)
{
    if (batch->used + size > batch->room) {
        batch->room = (batch->used + size) * 2;
        batch->bytes = realloc(batch->bytes, batch->room);
        assert(batch->bytes);
    }
    memcpy(batch->bytes + batch->used, data, size);
    batch->used += size;
    return batch->used - size;
}

static size_t batch_string(batch_t *batch, const char *text)
{
    return text ? batch_put(batch, text, strlen(text) + 1) : NONE;
}

static const char *batch_text(const batch_t *batch, size_t at)
{
    return at == NONE ? NULL : batch->bytes + at;
}

/* The item of the batch with this key, or NONE; with add, the item given
   is recorded for it when there is none. */
static size_t batch_key(batch_t *batch, const char *key, uint64_t hash, size_t add)
{
    size_t mask = sizeof batch->key_slots / sizeof batch->key_slots[0] - 1;
    for (size_t slot = hash & mask;; slot = (slot + 1) & mask) {
        uint16_t item = batch->key_slots[slot];
        if (item == 0) {
            if (add != NONE)
                batch->key_slots[slot] = (uint16_t)(add + 1);
            return NONE;
        }
        if (batch->key_hashes[item - 1] == hash &&
            strcmp(batch_text(batch, batch->items[item - 1].name), key) == 0)
            return item - 1;
    }
}

static void batch_clear(batch_t *batch)
{
    batch->count = batch->records = batch->used = 0;
    memset(batch->key_slots, 0, sizeof batch->key_slots);
}

/* Takes one frame into the batch: spliced and numbered after the results
   before it, its story marked (the index answers in the order results are
   taken). 0: taken, or a duplicate of a published result (acknowledged
   again); -1: not a result, or not taken now (the JSON Lines file is
   behind: it is not acknowledged, so ingest sends it again). With used,
   the result is the map at the start of frame[0..frame_size) (a batch
   frame's element) and *used its length (precis_splice_read_prefix: 0
   when it cannot be read to its end). */
static int stage(precis_sink_t *self, const void *frame, size_t frame_size, size_t *used)
{
    char error[PRECIS_ERROR_SIZE];
    batch_t *batch = &self->batch;
    assert(batch->count < BATCH_MAX);
    precis_stats_add(self->stats, self->received, 1);
    /* The worker's map is not decoded: the splice reads the few values the
       sink needs and writes the published map from its bytes. */
    precis_splice_t *splice = self->splice;
    if ((used ? precis_splice_read_prefix(splice, frame, frame_size, used, error)
              : precis_splice_read(splice, frame, frame_size, error)) != 0) {
        precis_stats_add(self->stats, self->invalid, 1);
        zsys_error("sink: dropping a %s that is not a result: %s",
                   used ? "result of a batch frame" : "frame", error);
        return -1;
    }
    /* The JSON Lines file lacks lines it cannot be given yet: nothing is
       taken (nor acknowledged) until it has them. */
    if (!jsonl_ready(self))
        return -1;
    const char *id = precis_splice_id(splice), *key = precis_splice_key(splice);
    if ((key && precis_seen_contains(self->seen, key)) ||
        (self->seen_ids && id && precis_seen_contains(self->seen_ids, id))) {
        /* Acknowledged all the same, so that its shard stops sending it. */
        precis_stats_add(self->stats, self->duplicates, 1);
        precis_debug("dropping a duplicate result for %s (%s)", id, key);
        acknowledge(self, key);
        return 0;
    }
    staged_t *item = &batch->items[batch->count];
    /* A repeat within the batch: by key, or with shards by id (a key is
       one article's, so the same key is also the same id). */
    const char *name = self->seen_ids && id ? id : key;
    uint64_t hash = name ? XXH3_64bits(name, strlen(name)) | 1 : 0;
    batch->key_hashes[batch->count] = hash;
    item->key = batch_string(batch, key);
    item->name = self->seen_ids && id ? batch_string(batch, id) : item->key;
    item->original = name ? batch_key(batch, name, hash, batch->count) : NONE;
    if (item->original != NONE) {
        /* A retry of a result of this batch: acknowledged at the commit
           once the first is in the log (before, an acknowledgement could
           make ingest forget an article whose result the log refuses). */
        item->record = NONE;
        batch->count++;
        return 0;
    }
    /* The number is the log's next after the batch's; it is used only once
       the append worked. */
    int64_t published_us = precis_now_us();
    mark_story(self, published_us);
    size_t size;
    const void *data = precis_splice_write(splice, self->next_seq + batch->records,
                                           self->log_id, published_us, &size);
    precis_splice_topic(splice, item->topic, sizeof item->topic);
    item->map = batch_put(batch, data, size);
    item->map_size = size;
    item->id = batch_string(batch, id);
    item->is_error = precis_splice_kind(splice) == PRECIS_RESULT_ERROR;
    item->error =
        item->is_error ? batch_string(batch, precis_splice_error(splice)) : NONE;
    item->received_us = precis_splice_received_us(splice);
    item->published_us = published_us;
    item->record = batch->records++;
    batch->count++;
    return 0;
}

/* A result the log has: published, its JSON line written, its key
   remembered and acknowledged. */
static void publish_item(precis_sink_t *self, const staged_t *item)
{
    const batch_t *batch = &self->batch;
    const char *data = batch->bytes + item->map, *key = batch_text(batch, item->key),
               *id = batch_text(batch, item->id);
    send_result(self, item->topic, data, item->map_size);
    bool kept = true;
    if (self->jsonl >= 0 && self->jsonl_behind)
        kept = false; /* a line before it failed: its line comes from the log too */
    else if (self->jsonl >= 0 && jsonl_write_map(self, data, item->map_size) != 0) {
        /* In the log and published: the line comes from the log later;
           until then the key is not acknowledged. */
        precis_stats_add(self->stats, self->jsonl_append_errors, 1);
        if (!self->jsonl_failing++)
            zsys_error("cannot append to %s: %s; results are held back until it works "
                       "again",
                       self->config->jsonl_path, strerror(errno));
        self->jsonl_behind = true;
        kept = false;
    } else if (self->jsonl >= 0 && self->jsonl_failing) {
        zsys_notice("%s: appends work again", self->config->jsonl_path);
        self->jsonl_failing = 0;
    }
    /* Without a log a line that failed can only come from a retry: the key
       is not remembered, so the retry is published again. */
    if (key && (kept || self->log))
        precis_seen_add(self->seen, key);
    if (self->seen_ids && id && (kept || self->log))
        precis_seen_add(self->seen_ids, id);
    if (kept)
        acknowledge(self, key);
    char shown[PRECIS_PRINTABLE_ID];
    if (item->is_error)
        zsys_notice("published %s for %s: %s", item->topic,
                    precis_utf8_printable(shown, sizeof shown, id, id ? strlen(id) : 0),
                    item->error != NONE ? batch_text(batch, item->error) : "");
    else
        precis_debug("published %s for %s", item->topic, id);
    precis_stats_add(self->stats, self->published, 1);
    if (item->received_us)
        precis_stats_latency(self->stats, item->published_us - item->received_us);
}

/* Appends the batch to the output log in one write, then handles each
   result in order: the ones the log took are published (publish_item); a
   result it refused, and the ones after it, are held back: not published,
   not acknowledged (ingest sends them again), their numbers not used.
   Returns how many were held back. */
static size_t commit(precis_sink_t *self)
{
    batch_t *batch = &self->batch;
    size_t appended = batch->records;
    if (self->log && batch->records) {
        for (size_t i = 0; i < batch->count; i++) {
            const staged_t *item = &batch->items[i];
            if (item->record != NONE)
                batch->log[item->record] = (precis_outlog_record_t){
                    item->topic, batch->bytes + item->map, item->map_size};
        }
        appended = precis_outlog_append_batch(self->log, batch->log, batch->records);
    }
    int append_errno = errno;
    size_t held = 0;
    for (size_t i = 0; i < batch->count; i++) {
        const staged_t *item = &batch->items[i];
        if (item->record == NONE) { /* a repeat of a key of this batch */
            if (batch->items[item->original].record < appended) {
                precis_stats_add(self->stats, self->duplicates, 1);
                acknowledge(self, batch_text(batch, item->key));
            }
        } else if (item->record >= appended) {
            errno = append_errno;
            log_append_failed(self, batch_text(batch, item->id));
            held++;
        } else {
            self->next_seq++;
            publish_item(self, item);
        }
    }
    if (appended > 0)
        log_append_worked(self);
    batch_clear(batch);
    return held;
}

/* Commits the staged batch when it is full, so that one more result
   fits. -1 when one of it was held back (see commit). */
static int make_room(precis_sink_t *self)
{
    return self->batch.count < BATCH_MAX || commit(self) == 0 ? 0 : -1;
}

/* Stages the results of one frame: the frame, or each element of a batch
   frame, read where it lies (each walked once: precis_splice_read_prefix
   finds where it ends); a full batch is committed on the way. A batch
   frame that cannot be read to its end is logged and counted invalid: its
   results before the bad one are taken, the rest are lost with it (not
   acknowledged: ingest sends their articles again). -1 when a result was
   not taken or was held back. */
static int stage_frame(precis_sink_t *self, const void *data, size_t size)
{
    precis_batch_reader_t reader;
    int64_t count = precis_batch_open(&reader, data, size);
    int rc = make_room(self);
    if (count == -1 && !reader.error)
        return stage(self, data, size, NULL) != 0 ? -1 : rc;
    if (count == -1) {
        precis_stats_add(self->stats, self->invalid, 1);
        zsys_error("sink: dropping a batch frame of results: %s (%zu bytes)",
                   reader.error, size);
        return -1;
    }
    const unsigned char *at = reader.at;
    int64_t taken = 0;
    bool cut = false;
    for (; taken < count && !cut; taken++) {
        if (make_room(self) != 0)
            rc = -1;
        size_t used = 0;
        if (stage(self, at, (size_t)(reader.end - at), &used) != 0)
            rc = -1;
        cut = used == 0;
        at += used;
    }
    if (!cut && at == reader.end)
        return rc;
    /* Cut short or malformed (stage counted it), or bytes after the last. */
    if (!cut)
        precis_stats_add(self->stats, self->invalid, 1);
    zsys_error(
        "sink: a batch frame of %lld results (%zu bytes) %s; the %lld before it taken",
        (long long)count, size,
        cut ? "has one that cannot be read to its end"
            : "has bytes after its last result",
        (long long)(cut ? taken - 1 : taken));
    return -1;
}

int precis_sink_publish_batch(precis_sink_t *self, zframe_t **frames, size_t count)
{
    int rc = 0;
    for (size_t i = 0; i < count; i++)
        if (stage_frame(self, zframe_data(frames[i]), zframe_size(frames[i])) != 0)
            rc = -1;
    if (commit(self) > 0)
        rc = -1;
    /* Published and logged: their keys go to ingest, one message a shard
       for the whole batch (a wake-up of ZeroMQ's I/O thread, not one a
       result). */
    precis_acks_flush(self->acks);
    return rc;
}

int precis_sink_publish(precis_sink_t *self, zframe_t *frame)
{
    return precis_sink_publish_batch(self, &frame, 1);
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
static void *encode_replay_header(const char *status, const char *log_id, uint64_t first,
                                  size_t count, uint64_t head, uint64_t oldest,
                                  uint64_t trimmed, const char *error, size_t *size_p)
{
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init(&buffer);
    msgpack_packer packer;
    msgpack_packer_init(&packer, &buffer, msgpack_sbuffer_write);
    bool ok = strcmp(status, "ok") == 0, busy = strcmp(status, "busy") == 0;
    msgpack_pack_map(&packer, ok ? 9 : busy ? 7 : 5);
    precis_mp_pack_kv_int(&packer, "v", PRECIS_PROTOCOL_VERSION);
    precis_mp_pack_kv_str(&packer, "type", "replay", 6);
    precis_mp_pack_kv_str(&packer, "status", status, strlen(status));
    /* The epoch of the numbers in this answer (and of next). */
    precis_mp_pack_kv_str(&packer, "log_id", log_id, strlen(log_id));
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
    void *header = encode_replay_header(status, self->log_id, 0, 0, self->next_seq, 0, 0,
                                        reason, &size);
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
        void *header = encode_replay_header("ok", self->log_id, first, answer.count,
                                            self->next_seq, oldest, trimmed, NULL, &size);
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

/* Reads the messages waiting into the inbox's (without czmq's frame
   objects: no allocation of our own a result), until BATCH_MAX results
   are in (*results: as their batch frames' headers say) or a read fails
   (*stopped_by: its errno, 0 when the loop stopped at BATCH_MAX; EAGAIN:
   nothing waits, and the socket is quiet until its descriptor signals,
   precis_waiter.h); how many messages. */
static size_t take_waiting(precis_sink_t *self, size_t *results, int *stopped_by)
{
    void *socket = zsock_resolve(self->results);
    size_t taken = 0;
    *results = 0;
    *stopped_by = 0;
    while (taken < BATCH_MAX && *results < BATCH_MAX) {
        if (zmq_msg_recv(&self->inbox[taken], socket, ZMQ_DONTWAIT) < 0) {
            *stopped_by = errno;
            break;
        }
        *results += precis_batch_messages(zmq_msg_data(&self->inbox[taken]),
                                          zmq_msg_size(&self->inbox[taken]));
        taken++;
    }
    return taken;
}

/* A batch of the results waiting (about BATCH_MAX, so that replay and
   control are still served): one log write and one story-file write for
   all of them. Returns how many results its frames declared (a batch
   frame's header, else 1); *stopped_by (unless NULL) as take_waiting
   says. */
static size_t serve_results(precis_sink_t *self, int *stopped_by)
{
    int stopped;
    size_t results, taken = take_waiting(self, &results, &stopped);
    if (stopped_by)
        *stopped_by = stopped;
    for (size_t i = 0; i < taken; i++)
        stage_frame(self, zmq_msg_data(&self->inbox[i]), zmq_msg_size(&self->inbox[i]));
    commit(self);
    precis_acks_flush(self->acks);
    for (size_t i = 0; i < taken; i++) { /* ready for the next batch */
        zmq_msg_close(&self->inbox[i]);
        zmq_msg_init(&self->inbox[i]);
    }
    flush_stories(self);
    return results;
}

/* Whether a message waits on sock (ZMQ_EVENTS: a getpid and a poll system
   call when its mailbox is empty). */
static bool has_input(zsock_t *sock)
{
    return (zsock_events(sock) & ZMQ_POLLIN) != 0;
}

/* How long the loop waits for a socket at most (ms); each socket is read
   at least this often, whatever its descriptor said. */
#define LOOP_WAIT_MS 500

int precis_sink_run(precis_sink_t *self)
{
    zsys_info("sink ready: results on %s, publishing on %s from sequence number %llu "
              "(log_id %s)%s%s%s%s",
              self->config->results_endpoint, self->config->output_endpoint,
              (unsigned long long)self->next_seq, self->log_id,
              self->log ? ", replay on " : "",
              self->log ? self->config->replay_endpoint : "",
              self->jsonl >= 0 ? ", appending to " : "",
              self->jsonl >= 0 ? self->config->jsonl_path : "");
    /* One poll() on the sockets' descriptors (precis_waiter), not
       zmq_poll, which asks each socket for ZMQ_EVENTS before and after it
       sleeps (a getpid and a poll each: about 10 system calls a wake-up
       for the sink's three sockets, bench/sink_pipeline). A socket is read
       only when it is ready: its descriptor signalled, or its last read
       did not find it empty. Every socket that is ready is served once a
       round, so that a flood on one (replay requests) cannot starve the
       others (PING). */
    zsock_t *control = precis_control_socket(self->control);
    precis_waiter_t *waiter = precis_waiter_new();
    int results_at = precis_waiter_add(waiter, self->results);
    int replay_at = self->replay ? precis_waiter_add(waiter, self->replay) : -1;
    int control_at = control ? precis_waiter_add(waiter, control) : -1;
    assert(results_at >= 0 && (!self->replay || replay_at >= 0) &&
           (!control || control_at >= 0));
    while (!zsys_interrupted) {
        /* Nothing signalled for a while: every socket is read once all the
           same (a read that failed for another reason than EAGAIN cannot
           leave a message waiting longer than that). */
        if (precis_waiter_wait(waiter, LOOP_WAIT_MS) == 0 && !zsys_interrupted)
            precis_waiter_set_all_ready(waiter);
        if (precis_waiter_ready(waiter, results_at)) {
            int stopped_by;
            size_t results = serve_results(self, &stopped_by);
            if (stopped_by == ETERM)
                break;
            precis_waiter_set_ready(waiter, results_at, stopped_by != EAGAIN);
            /* Not a full batch: the next results are let gather for a
               moment instead of waking up for each few of them. A wake-up
               costs more than a result (two thirds of the sink's CPU went
               to the kernel, switching between it and ZeroMQ's I/O thread,
               with 3 results a poll); this adds at most BATCH_WAIT_US to a
               result's latency. */
            if (results > 0 && results < BATCH_MAX)
                nanosleep(&(struct timespec){0, BATCH_WAIT_US * 1000}, NULL);
        }
        /* One request a round; the answer was sent on the socket, so it
           stays ready until a look finds nothing. */
        if (replay_at >= 0 && precis_waiter_ready(waiter, replay_at)) {
            if (has_input(self->replay))
                serve_replay(self);
            else
                precis_waiter_set_ready(waiter, replay_at, false);
        }
        if (control_at >= 0 && precis_waiter_ready(waiter, control_at)) {
            if (has_input(control))
                precis_control_handle(self->control);
            else
                precis_waiter_set_ready(waiter, control_at, false);
        }
        trim_replay_memory(self);
    }
    precis_waiter_destroy(&waiter);
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

/* The seqs of a JSON Lines file, in order, as "1 2 3"; and whether every
   line had the log_id. */
static char *jsonl_seqs(const char *path, const char *log_id, bool *all_with_id)
{
    FILE *file = fopen(path, "r");
    char *seqs = calloc(1, 4096), line[4096];
    assert(seqs);
    *all_with_id = true;
    while (file && fgets(line, sizeof line, file)) {
        json_error_t error;
        json_t *json = json_loads(line, 0, &error);
        const char *id = json_string_value(json_object_get(json, "log_id"));
        *all_with_id &= id && strcmp(id, log_id) == 0;
        size_t used = strlen(seqs);
        snprintf(seqs + used, 4096 - used, "%s%lld", used ? " " : "",
                 (long long)json_integer_value(json_object_get(json, "seq")));
        json_decref(json);
    }
    if (file)
        fclose(file);
    return seqs;
}

/* Whether an acknowledgement is waiting (inproc: sent before publish returned). */
static char *ack_waiting(zsock_t *ingest)
{
    zsock_set_rcvtimeo(ingest, 100);
    return zstr_recv(ingest);
}

/* The acknowledgements waiting, as "a b c". */
static void acks_waiting(zsock_t *ingest, char *acks, size_t size)
{
    acks[0] = 0;
    char *ack;
    while ((ack = ack_waiting(ingest))) {
        size_t used = strlen(acks);
        snprintf(acks + used, size - used, "%s%s", used ? " " : "", ack);
        zstr_free(&ack);
    }
}

/* The ids and seqs published waiting at the subscriber, as "id:seq ...". */
static void published_waiting(zsock_t *subscriber, char *seen, size_t size)
{
    seen[0] = 0;
    char *topic = NULL, error[PRECIS_ERROR_SIZE];
    zframe_t *body = NULL;
    zsock_set_rcvtimeo(subscriber, 100);
    while (zsock_recv(subscriber, "sf", &topic, &body) == 0) {
        precis_result_t *result =
            precis_result_decode(zframe_data(body), zframe_size(body), error);
        size_t used = strlen(seen);
        snprintf(seen + used, size - used, "%s%s:%llu", used ? " " : "",
                 result ? result->id : "?", result ? (unsigned long long)result->seq : 0);
        precis_result_destroy(&result);
        zstr_free(&topic);
        zframe_destroy(&body);
    }
}

/* A sink under test and its peers: an ingest that takes its
   acknowledgements (with shards = 2, one ingest a shard: ingest and
   ingest2) and, when asked, a subscriber. Each sink a test starts gets
   inproc endpoints of its own, NAME-results, -output and -replay (closing
   is asynchronous: a name is not bound twice); the acknowledgements'
   endpoints stay with the ingest across restarts. test_sink_dir gives it a
   temporary directory for the output log, removed by the last stop. */
typedef struct {
    char results[64], output[64], replay[64], acks[144];
    char dir[64], *log_path;
    int shards;
    precis_sink_t *sink;
    zsock_t *ingest, *ingest2, *subscriber;
} test_sink_t;

/* Makes /tmp/precis-sink-NAME-XXXXXX and puts the config's output log in
   it (DIR/output.records, no retention) without a JSON Lines file.
   Returns 0, or -1 when the directory cannot be made. */
static int test_sink_dir(test_sink_t *t, precis_config_t *config, const char *name)
{
    snprintf(t->dir, sizeof t->dir, "/tmp/precis-sink-%s-XXXXXX", name);
    if (!mkdtemp(t->dir))
        return -1;
    t->log_path = zsys_sprintf("%s/output.records", t->dir);
    config->out_log = t->log_path;
    config->jsonl_path = NULL;
    config->log_max_bytes = 0;
    return 0;
}

/* Binds the acknowledgements' endpoint of each shard (NAME-acks, or
   NAME-acks-1 and -2) and sets t->acks to the list the sink is given. */
static void test_ingest_start(test_sink_t *t, const char *name)
{
    zsock_t **ingests[2] = {&t->ingest, &t->ingest2};
    int shards = t->shards == 2 ? 2 : 1;
    t->acks[0] = 0;
    for (int k = 1; k <= shards; k++) {
        char endpoint[64], bind[80];
        if (shards == 1)
            snprintf(endpoint, sizeof endpoint, "inproc://%s-acks", name);
        else
            snprintf(endpoint, sizeof endpoint, "inproc://%s-acks-%d", name, k);
        snprintf(bind, sizeof bind, "@%s", endpoint);
        *ingests[k - 1] = zsock_new_pull(bind);
        assert(*ingests[k - 1]);
        size_t used = strlen(t->acks);
        snprintf(t->acks + used, sizeof t->acks - used, "%s%s", k > 1 ? "," : "",
                 endpoint);
    }
}

/* A socket of type connected to endpoint: a peer of the sink under test;
   NULL when it cannot connect. */
static zsock_t *test_connect(int type, const char *endpoint)
{
    zsock_t *sock = zsock_new(type);
    if (sock && zsock_connect(sock, "%s", endpoint) != 0)
        zsock_destroy(&sock);
    return sock;
}

/* Starts a sink on the config with NAME's endpoints (the ingest first, when
   there is none yet) and, when filter is not NULL, a subscriber to filter.
   Returns the sink. */
static precis_sink_t *test_sink_start(test_sink_t *t, precis_config_t *config,
                                      const char *name, const char *filter)
{
    snprintf(t->results, sizeof t->results, "inproc://%s-results", name);
    snprintf(t->output, sizeof t->output, "inproc://%s-output", name);
    snprintf(t->replay, sizeof t->replay, "inproc://%s-replay", name);
    config->results_endpoint = t->results;
    config->output_endpoint = t->output;
    config->replay_endpoint = t->replay;
    if (!t->ingest)
        test_ingest_start(t, name);
    config->acks_endpoint = t->acks;
    t->sink = precis_sink_new(config);
    assert(t->sink);
    if (filter) {
        t->subscriber = test_connect(ZMQ_SUB, t->output);
        assert(t->subscriber);
        zsock_set_subscribe(t->subscriber, filter);
        zclock_sleep(50); /* the subscription reaches the sink */
    }
    return t->sink;
}

/* Stops the sink and its subscriber, and when all the ingest too and the
   directory of test_sink_dir. */
static void test_sink_stop(test_sink_t *t, bool all)
{
    zsock_destroy(&t->subscriber);
    precis_sink_destroy(&t->sink);
    if (!all)
        return;
    zsock_destroy(&t->ingest);
    zsock_destroy(&t->ingest2);
    if (t->log_path) {
        zdir_t *listing = zdir_new(t->dir, "-");
        zdir_remove(listing, true);
        zdir_destroy(&listing);
        zstr_free(&t->log_path);
    }
}

/* A batch: numbered in order with one log write; a repeat of a key of the
   same batch is acknowledged, not published, and only once the first is
   in the log; a log that refuses the batch holds all of it back. */
static int test_batch(precis_config_t *config)
{
    int failures = 0;
    test_sink_t t = {0};
    if (test_sink_dir(&t, config, "batch") != 0)
        return 1;
    precis_sink_t *self = test_sink_start(&t, config, "sink-test-9", "");
    zsock_t *ingest = t.ingest, *subscriber = t.subscriber;
    zframe_t *frames[4] = {summary_frame("b1", "kb1"), summary_frame("b2", "kb2"),
                           summary_frame("b1", "kb1"), summary_frame("b3", "kb3")};
    char acks[256], seen[256];
    int rc = precis_sink_publish_batch(self, frames, 4);
    acks_waiting(ingest, acks, sizeof acks);
    published_waiting(subscriber, seen, sizeof seen);
    if (rc != 0 || strcmp(seen, "b1:1 b2:2 b3:3") != 0 ||
        strcmp(acks, "kb1 kb2 kb1 kb3") != 0 ||
        precis_stats_get(self->stats, self->duplicates) != 1 || self->next_seq != 4) {
        fprintf(stderr, "sink test: a batch published %s, acknowledged %s\n", seen, acks);
        failures++;
    }
    for (int i = 0; i < 4; i++)
        zframe_destroy(&frames[i]);

    /* The log cannot grow: nothing of the batch is published or
       acknowledged, the repeat included, and no number is used. */
    struct stat info;
    stat(t.log_path, &info);
    void (*handler)(int) = signal(SIGXFSZ, SIG_IGN);
    struct rlimit old_limit, limit;
    getrlimit(RLIMIT_FSIZE, &old_limit);
    limit = old_limit;
    limit.rlim_cur = (rlim_t)info.st_size;
    zframe_t *more[3] = {summary_frame("c1", "kc1"), summary_frame("c2", "kc2"),
                         summary_frame("c1", "kc1")};
    setrlimit(RLIMIT_FSIZE, &limit);
    rc = precis_sink_publish_batch(self, more, 3);
    setrlimit(RLIMIT_FSIZE, &old_limit);
    signal(SIGXFSZ, handler);
    acks_waiting(ingest, acks, sizeof acks);
    published_waiting(subscriber, seen, sizeof seen);
    if (rc != -1 || *acks || *seen || self->next_seq != 4 ||
        precis_stats_get(self->stats, self->log_append_errors) != 2) {
        fprintf(stderr, "sink test: a refused batch published %s, acknowledged %s\n",
                seen, acks);
        failures++;
    }
    /* Sent again with room: the numbers the refused batch did not use. */
    rc = precis_sink_publish_batch(self, more, 3);
    acks_waiting(ingest, acks, sizeof acks);
    published_waiting(subscriber, seen, sizeof seen);
    if (rc != 0 || strcmp(seen, "c1:4 c2:5") != 0 || strcmp(acks, "kc1 kc2 kc1") != 0) {
        fprintf(stderr, "sink test: the batch sent again published %s, acknowledged %s\n",
                seen, acks);
        failures++;
    }
    for (int i = 0; i < 3; i++)
        zframe_destroy(&more[i]);
    test_sink_stop(&t, true);
    return failures;
}

/* A frame of several results as workers send them: a batch frame of
   result maps (precis_batch.h). */
static zframe_t *batch_of(const char *prefix, int first, int count)
{
    precis_batch_t *batch = precis_batch_new();
    for (int i = first; i < first + count; i++) {
        char id[32], key[32];
        snprintf(id, sizeof id, "%s%d", prefix, i);
        snprintf(key, sizeof key, "k%s%d", prefix, i);
        zframe_t *one = summary_frame(id, key);
        precis_batch_add(batch, zframe_data(one), zframe_size(one));
        zframe_destroy(&one);
    }
    zframe_t *frame = precis_batch_frame(batch);
    precis_batch_destroy(&batch);
    return frame;
}

/* The results published waiting at the subscriber: how many, and whether
   they were d1.. with seqs 1.. in order (*in_order). */
static int published_in_order(zsock_t *subscriber, const char *prefix, int first_seq,
                              bool *in_order)
{
    char *topic = NULL, error[PRECIS_ERROR_SIZE];
    zframe_t *body = NULL;
    int count = 0;
    *in_order = true;
    zsock_set_rcvtimeo(subscriber, 100);
    while (zsock_recv(subscriber, "sf", &topic, &body) == 0) {
        precis_result_t *result =
            precis_result_decode(zframe_data(body), zframe_size(body), error);
        char id[32];
        snprintf(id, sizeof id, "%s%d", prefix, count + 1);
        if (!result || !result->id || strcmp(result->id, id) != 0 ||
            result->seq != (uint64_t)(first_seq + count))
            *in_order = false;
        count++;
        precis_result_destroy(&result);
        zstr_free(&topic);
        zframe_destroy(&body);
    }
    return count;
}

/* Acknowledgements waiting at ingest: how many. */
static int acks_counted(zsock_t *ingest)
{
    int count = 0;
    char *ack;
    while ((ack = ack_waiting(ingest))) {
        count++;
        zstr_free(&ack);
    }
    return count;
}

/* Results as summarize workers send them, through the results socket:
   batch frames of results and results alone, mixed, each published once,
   in order; a batch frame of more than a sink batch (300) too; a batch
   frame cut inside its second result: the first is published, the frame
   is counted invalid and the sink serves on. */
static int test_batch_frames(precis_config_t *config)
{
    int failures = 0;
    test_sink_t t = {0};
    if (test_sink_dir(&t, config, "frames") != 0)
        return 1;
    precis_sink_t *self = test_sink_start(&t, config, "sink-test-f", "");
    zsock_t *worker = test_connect(ZMQ_PUSH, t.results);
    assert(worker);
    /* d1-d16 a batch, d17 alone, d18-d317 a batch of 300, d318-d320. */
    zframe_t *frames[4] = {batch_of("d", 1, 16), summary_frame("d17", "kd17"),
                           batch_of("d", 18, 300), batch_of("d", 318, 3)};
    for (int i = 0; i < 4; i++)
        zframe_send(&frames[i], worker, 0);
    size_t served = 0;
    for (int round = 0; round < 100 && served < 320; round++) {
        served += serve_results(self, NULL);
        if (served < 320)
            zclock_sleep(10);
    }
    bool in_order;
    int published = published_in_order(t.subscriber, "d", 1, &in_order);
    int acks = acks_counted(t.ingest);
    if (served != 320 || published != 320 || !in_order || acks != 320 ||
        precis_stats_get(self->stats, self->published) != 320 ||
        precis_stats_get(self->stats, self->invalid) != 0) {
        fprintf(stderr,
                "sink test: batch frames of 16, 1, 300 and 3 results: %zu taken, %d "
                "published (%s), %d acknowledged, %llu invalid\n",
                served, published, in_order ? "in order" : "not d1.. in order", acks,
                (unsigned long long)precis_stats_get(self->stats, self->invalid));
        failures++;
    }
    /* The same batch again: every result a duplicate, none published. */
    zframe_t *again = batch_of("d", 1, 16);
    zframe_send(&again, worker, 0);
    for (int round = 0; round < 100 && !serve_results(self, NULL); round++)
        zclock_sleep(10);
    published = published_in_order(t.subscriber, "d", 1, &in_order);
    if (published != 0 || precis_stats_get(self->stats, self->duplicates) != 16 ||
        acks_counted(t.ingest) != 16) {
        fprintf(stderr, "sink test: a batch frame sent twice was published again\n");
        failures++;
    }
    /* Cut inside its second result: e1 is published, the frame counted
       invalid; e2 alone afterwards is published too. */
    zframe_t *whole = summary_frame("e1", "ke1"), *second = summary_frame("x", "kx");
    size_t cut_size = 1 + zframe_size(whole) + 10;
    unsigned char *cut = malloc(cut_size);
    cut[0] = 0x92;
    memcpy(cut + 1, zframe_data(whole), zframe_size(whole));
    memcpy(cut + 1 + zframe_size(whole), zframe_data(second), 10);
    zframe_t *bad = zframe_new(cut, cut_size), *after = summary_frame("e2", "ke2");
    free(cut);
    zframe_destroy(&whole);
    zframe_destroy(&second);
    zframe_send(&bad, worker, 0);
    zframe_send(&after, worker, 0);
    served = 0; /* as declared: 2 in the cut frame, 1 alone */
    for (int round = 0; round < 100 && served < 3; round++) {
        served += serve_results(self, NULL);
        if (served < 3)
            zclock_sleep(10);
    }
    published = published_in_order(t.subscriber, "e", 321, &in_order);
    if (served != 3 || published != 2 || !in_order ||
        precis_stats_get(self->stats, self->invalid) != 1) {
        fprintf(stderr,
                "sink test: a cut batch frame and a result after it: %zu taken, %d "
                "published (%s), %llu invalid\n",
                served, published, in_order ? "e1, e2" : "not e1, e2",
                (unsigned long long)precis_stats_get(self->stats, self->invalid));
        failures++;
    }
    zsock_destroy(&worker);
    test_sink_stop(&t, true);
    return failures;
}

/* Ingest shards: each key's acknowledgement goes to its shard's endpoint;
   an id published once is not published again under another shard's key
   (a client's retry that another shard took), in a later batch, in the
   same batch, or after a restart, and every copy is acknowledged to its
   own shard. */
static int test_shards(precis_config_t *config)
{
    int failures = 0;
    test_sink_t t = {.shards = 2};
    if (test_sink_dir(&t, config, "shards") != 0)
        return 1;
    precis_sink_t *self = test_sink_start(&t, config, "sink-test-s", "");
    zsock_t *shard1 = t.ingest, *shard2 = t.ingest2, *subscriber = t.subscriber;
    char acks1[256], acks2[256], seen[256];
    /* a: shard 2 first, then shard 1's copy in a later batch; b: both
       copies in one batch; c: a key without shard goes to the first. */
    zframe_t *first[2] = {summary_frame("a", "2:N2-1"), summary_frame("c", "N0-1")};
    zframe_t *second[3] = {summary_frame("a", "1:N1-1"), summary_frame("b", "1:N1-2"),
                           summary_frame("b", "2:N2-2")};
    int rc = precis_sink_publish_batch(self, first, 2);
    rc |= precis_sink_publish_batch(self, second, 3);
    acks_waiting(shard1, acks1, sizeof acks1);
    acks_waiting(shard2, acks2, sizeof acks2);
    published_waiting(subscriber, seen, sizeof seen);
    if (rc != 0 || strcmp(seen, "a:1 c:2 b:3") != 0 ||
        strcmp(acks1, "N0-1 1:N1-1 1:N1-2") != 0 || strcmp(acks2, "2:N2-1 2:N2-2") != 0 ||
        precis_stats_get(self->stats, self->duplicates) != 2) {
        fprintf(stderr,
                "sink test: shards: published %s, acknowledged to 1: %s, to 2: %s\n",
                seen, acks1, acks2);
        failures++;
    }
    for (int i = 0; i < 2; i++)
        zframe_destroy(&first[i]);
    for (int i = 0; i < 3; i++)
        zframe_destroy(&second[i]);
    test_sink_stop(&t, false);

    /* Restarted: the ids come back from the output log. */
    self = test_sink_start(&t, config, "sink-test-s2", "");
    subscriber = t.subscriber;
    zframe_t *again = summary_frame("b", "2:M2-9");
    rc = precis_sink_publish(self, again);
    zframe_destroy(&again);
    acks_waiting(shard2, acks2, sizeof acks2);
    published_waiting(subscriber, seen, sizeof seen);
    if (rc != 0 || *seen || strcmp(acks2, "2:M2-9") != 0) {
        fprintf(stderr,
                "sink test: shards: after a restart published %s, acknowledged %s\n",
                seen, acks2);
        failures++;
    }
    test_sink_stop(&t, true);
    return failures;
}

/* The acknowledgements of a batch leave as one message per shard, its
   keys the frames in the order published, each key once; nothing more
   follows (ZeroMQ's I/O thread is woken once a batch, not once a result). */
static int test_ack_messages(precis_config_t *config)
{
    int failures = 0;
    test_sink_t t = {.shards = 2};
    if (test_sink_dir(&t, config, "ackmsg") != 0)
        return 1;
    precis_sink_t *self = test_sink_start(&t, config, "sink-test-am", NULL);
    zframe_t *frames[5] = {summary_frame("p", "1:P1"), summary_frame("q", "2:Q1"),
                           summary_frame("r", "1:P2"), summary_frame("s", "2:Q2"),
                           summary_frame("u", "1:P3")};
    int rc = precis_sink_publish_batch(self, frames, 5);
    char first1[256], first2[256], then1[256], then2[256];
    precis_acks_read_message(t.ingest, first1, sizeof first1);
    precis_acks_read_message(t.ingest2, first2, sizeof first2);
    precis_acks_read_message(t.ingest, then1, sizeof then1);
    precis_acks_read_message(t.ingest2, then2, sizeof then2);
    if (rc != 0 || strcmp(first1, "1:P1 1:P2 1:P3") != 0 ||
        strcmp(first2, "2:Q1 2:Q2") != 0 || *then1 || *then2) {
        fprintf(stderr,
                "sink test: a batch's acknowledgements came as \"%s\", \"%s\" to shard "
                "1 and \"%s\", \"%s\" to shard 2 (one message a shard expected)\n",
                first1, then1, first2, then2);
        failures++;
    }
    for (int i = 0; i < 5; i++)
        zframe_destroy(&frames[i]);
    test_sink_stop(&t, true);
    return failures;
}

/* A full disk under the output log or the JSON Lines file: the result is
   held back (not acknowledged, so ingest sends it again), no number is
   used, and the JSON Lines file ends up with every seq once. */
static int test_held_back(precis_config_t *config)
{
    int failures = 0;
    test_sink_t t = {0};
    if (test_sink_dir(&t, config, "held") != 0)
        return 1;
    char *jsonl_path = zsys_sprintf("%s/output.jsonl", t.dir);
    config->jsonl_path = jsonl_path;
    precis_sink_t *self = test_sink_start(&t, config, "sink-test-4", NULL);
    zsock_t *ingest = t.ingest;
    const char *log_id = self->log_id;
    char *ack = NULL;
    for (int i = 1; i <= 3; i++) {
        char key[16];
        snprintf(key, sizeof key, "held-%d", i);
        zframe_t *frame = summary_frame(key, key);
        precis_sink_publish(self, frame);
        zframe_destroy(&frame);
        ack = ack_waiting(ingest);
        zstr_free(&ack);
    }

    /* The log cannot grow (a file size limit fails the write as ENOSPC would). */
    struct stat info;
    stat(t.log_path, &info);
    void (*handler)(int) = signal(SIGXFSZ, SIG_IGN);
    struct rlimit old_limit, limit;
    getrlimit(RLIMIT_FSIZE, &old_limit);
    limit = old_limit;
    limit.rlim_cur = (rlim_t)info.st_size;
    zframe_t *frame = summary_frame("held-4", "held-4");
    setrlimit(RLIMIT_FSIZE, &limit);
    int rc = precis_sink_publish(self, frame);
    setrlimit(RLIMIT_FSIZE, &old_limit);
    signal(SIGXFSZ, handler);
    ack = ack_waiting(ingest);
    if (rc != -1 || ack || self->next_seq != 4 ||
        precis_stats_get(self->stats, self->log_append_errors) != 1 ||
        precis_stats_get(self->stats, self->published) != 3) {
        fprintf(stderr, "sink test: a failed log append was taken (ack %s, next %llu)\n",
                ack ? ack : "none", (unsigned long long)self->next_seq);
        failures++;
    }
    zstr_free(&ack);
    /* Sent again once there is room: the number the failed one did not get. */
    precis_sink_publish(self, frame);
    zframe_destroy(&frame);
    ack = ack_waiting(ingest);
    if (!ack || self->next_seq != 5) {
        fprintf(stderr, "sink test: the retry was not taken\n");
        failures++;
    }
    zstr_free(&ack);

    /* The JSON Lines file cannot grow: the result is in the log and
       published, but not acknowledged; its retry is held back until the
       line is written. */
    int saved = dup(self->jsonl), full = open("/dev/full", O_WRONLY);
    dup2(full, self->jsonl);
    frame = summary_frame("held-5", "held-5");
    rc = precis_sink_publish(self, frame);
    ack = ack_waiting(ingest);
    char *again = NULL;
    int rc_again = precis_sink_publish(self, frame);
    again = ack_waiting(ingest);
    if (rc != 0 || ack || rc_again != -1 || again || self->next_seq != 6) {
        fprintf(stderr, "sink test: a failed JSON Lines append was acknowledged\n");
        failures++;
    }
    zstr_free(&ack);
    zstr_free(&again);
    dup2(saved, self->jsonl);
    close(saved);
    close(full);
    precis_sink_publish(self, frame);
    zframe_destroy(&frame);
    ack = ack_waiting(ingest);
    if (!ack || strcmp(ack, "held-5") != 0 || self->next_seq != 6) {
        fprintf(stderr, "sink test: the retry after the JSON Lines file recovered was "
                        "not acknowledged\n");
        failures++;
    }
    zstr_free(&ack);
    bool with_id;
    char *seqs = jsonl_seqs(jsonl_path, log_id, &with_id);
    if (strcmp(seqs, "1 2 3 4 5") != 0 || !with_id) {
        fprintf(stderr, "sink test: JSON Lines seqs %s\n", seqs);
        failures++;
    }
    free(seqs);
    char *first_id = strdup(log_id);
    test_sink_stop(&t, false);

    /* Killed after the log append, before the line, with a line cut short
       too: at start the file is brought up to date from the log. */
    FILE *file = fopen(jsonl_path, "r+");
    char text[8192];
    size_t len = fread(text, 1, sizeof text - 1, file);
    text[len] = 0;
    char *cut = text + len - 1;
    while (cut > text && cut[-1] != '\n')
        cut--;
    fclose(file);
    if (truncate(jsonl_path, cut - text) != 0)
        failures++;
    file = fopen(jsonl_path, "a");
    fputs("{\"v\":1,\"type\":\"summ", file);
    fclose(file);
    self = test_sink_start(&t, config, "sink-test-5", NULL);
    seqs = jsonl_seqs(jsonl_path, first_id, &with_id);
    if (strcmp(seqs, "1 2 3 4 5") != 0 || !with_id ||
        strcmp(self->log_id, first_id) != 0) {
        fprintf(stderr, "sink test: after a kill the JSON Lines seqs are %s\n", seqs);
        failures++;
    }
    free(seqs);
    test_sink_stop(&t, false);

    /* A last line that is not a sink's (no seq): the log is not appended
       again; new results follow. */
    file = fopen(jsonl_path, "a");
    fputs("not a result\n", file);
    fclose(file);
    self = test_sink_start(&t, config, "sink-test-8", NULL);
    frame = summary_frame("held-6", "held-6");
    precis_sink_publish(self, frame);
    zframe_destroy(&frame);
    seqs = jsonl_seqs(jsonl_path, first_id, &with_id);
    if (strcmp(seqs, "1 2 3 4 5 0 6") != 0) {
        fprintf(stderr, "sink test: after a foreign last line the seqs are %s\n", seqs);
        failures++;
    }
    free(seqs);
    free(first_id);
    test_sink_stop(&t, true);
    zstr_free(&jsonl_path);
    return failures;
}

/* Without --log: numbering from 1 at every start, so a new log_id each time,
   in every result. */
static int test_without_log(precis_config_t *config)
{
    int failures = 0;
    test_sink_t t = {0};
    if (test_sink_dir(&t, config, "nolog") != 0)
        return 1;
    char *jsonl_path = zsys_sprintf("%s/output.jsonl", t.dir);
    config->out_log = NULL;
    config->jsonl_path = jsonl_path;
    char ids[2][PRECIS_LOG_ID_SIZE];
    for (int start = 0; start < 2; start++) {
        precis_sink_t *self =
            test_sink_start(&t, config, start ? "sink-test-7" : "sink-test-6", NULL);
        zframe_t *frame =
            summary_frame(start ? "n2" : "n1", start ? "nolog-2" : "nolog-1");
        precis_sink_publish(self, frame);
        zframe_destroy(&frame);
        snprintf(ids[start], sizeof ids[start], "%s", self->log_id);
        test_sink_stop(&t, false);
    }
    bool first_with_id, second_with_id;
    char *seqs = jsonl_seqs(jsonl_path, ids[0], &first_with_id);
    free(seqs);
    seqs = jsonl_seqs(jsonl_path, ids[1], &second_with_id);
    if (strcmp(seqs, "1 1") != 0 || strlen(ids[0]) != 16 || strcmp(ids[0], ids[1]) == 0 ||
        first_with_id || second_with_id) {
        fprintf(stderr, "sink test: without a log: seqs %s, log_ids %s %s\n", seqs,
                ids[0], ids[1]);
        failures++;
    }
    free(seqs);
    /* Each line carries the log_id of its start. */
    FILE *file = fopen(jsonl_path, "r");
    char lines[2][4096] = {"", ""};
    for (int i = 0; file && i < 2; i++)
        if (!fgets(lines[i], sizeof lines[i], file))
            lines[i][0] = 0;
    if (file)
        fclose(file);
    if (!strstr(lines[0], ids[0]) || !strstr(lines[1], ids[1])) {
        fprintf(stderr, "sink test: without a log the lines lack their log_id\n");
        failures++;
    }
    test_sink_stop(&t, true);
    zstr_free(&jsonl_path);
    return failures;
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
    config.out_log = log_path;
    test_sink_t t = {0};
    precis_sink_t *self = test_sink_start(&t, &config, "sink-stories", "");
    zsock_t *subscriber = t.subscriber;
    zsock_set_rcvtimeo(subscriber, 1000);

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
    test_sink_stop(&t, false);

    /* After a restart the index is back from LOG.stories. */
    self = test_sink_start(&t, &config, "sink-stories-2", "");
    subscriber = t.subscriber;
    zsock_set_rcvtimeo(subscriber, 1000);
    CHECK(precis_stats_get(self->stats, self->stories_index) == 4);
    result = publish_story(self, subscriber,
                           story_frame("e", text, strlen(text), "Later summary."), topic,
                           sizeof topic);
    CHECK(result && result->duplicate_of && strcmp(result->duplicate_of, "a") == 0 &&
          result->exact);
    precis_result_destroy(&result);
    test_sink_stop(&t, true);
    unlink(stories_path);
    unlink(log_path);
    char *state_path = zsys_sprintf("%s.state", log_path);
    unlink(state_path);
    zstr_free(&state_path);
    unlink(path);
    zstr_free(&stories_path);
    zstr_free(&log_path);
    return failures;
#undef CHECK
}

/* The sink's own loop (precis_sink_run) in a thread of the test. */
static void *run_sink(void *sink)
{
    precis_sink_run(sink);
    return NULL;
}

/* The loop waits on its sockets' descriptors (precis_waiter): results that
   come while it waits, after it read the socket to its end, are published;
   so are results that come during its wait after a batch that was not
   full; the replay socket answers each of several requests, also when the
   next comes only after the loop went back to waiting. */
static int test_run_loop(precis_config_t *config)
{
    int failures = 0;
    test_sink_t t = {0};
    if (test_sink_dir(&t, config, "run") != 0)
        return 1;
    precis_sink_t *self = test_sink_start(&t, config, "sink-test-run", "");
    zsock_t *worker = test_connect(ZMQ_PUSH, t.results);
    zsock_t *client = test_connect(ZMQ_DEALER, t.replay);
    assert(worker && client);
    zsock_set_rcvtimeo(client, 5000);
    pthread_t thread;
    if (pthread_create(&thread, NULL, run_sink, self) != 0) {
        test_sink_stop(&t, true);
        return 1;
    }
    /* Three rounds, each after the loop had nothing to read: a batch frame
       of 16 and a single result at once (the second comes during the
       loop's gathering wait, or with the first), then a replay. */
    int seq = 1;
    for (int round = 0; round < 3; round++) {
        zclock_sleep(50); /* the loop has read the socket to its end */
        char prefix[8];
        snprintf(prefix, sizeof prefix, "w%d-", round);
        zframe_t *batch = batch_of(prefix, 1, 16);
        zframe_send(&batch, worker, 0);
        char id[32], key[32];
        snprintf(id, sizeof id, "%s17", prefix);
        snprintf(key, sizeof key, "k%s17", prefix);
        zframe_t *one = summary_frame(id, key);
        zframe_send(&one, worker, 0);
        int published = 0;
        bool in_order = true;
        for (int tries = 0; tries < 50 && published < 17; tries++) {
            bool ordered;
            published += published_in_order(t.subscriber, prefix, seq, &ordered);
            in_order = in_order && ordered;
        }
        if (published != 17 || !in_order) {
            fprintf(stderr, "sink test: run loop round %d: %d of 17 published (%s)\n",
                    round, published, in_order ? "in order" : "not in order");
            failures++;
        }
        seq += 17;
        /* A replay request, after the loop went back to waiting. */
        zclock_sleep(20);
        zstr_send(client, "\x83\xa4type\xa6replay\xa5since\x01\xa3max\x02");
        zmsg_t *answer = zmsg_recv(client);
        char status[16];
        int64_t count;
        answer_status(&answer, status, sizeof status, &count);
        if (strcmp(status, "ok") != 0 || count != 2) {
            fprintf(stderr, "sink test: run loop round %d: replay answered '%s' %lld\n",
                    round, status, (long long)count);
            failures++;
        }
    }
    zsys_interrupted = 1; /* the loop ends within its wait (500 ms) */
    pthread_join(thread, NULL);
    zsys_interrupted = 0;
    if (precis_stats_get(self->stats, self->published) != 51) {
        fprintf(stderr, "sink test: run loop published %llu, not 51\n",
                (unsigned long long)precis_stats_get(self->stats, self->published));
        failures++;
    }
    zsock_destroy(&worker);
    zsock_destroy(&client);
    test_sink_stop(&t, true);
    return failures;
}

int precis_sink_test(bool verbose)
{
    int failures = 0;
    char path[] = "/tmp/precis-sink-test-XXXXXX";
    close(mkstemp(path));
    char *log_path = zsys_sprintf("%s.log", path);
    precis_config_t config;
    precis_config_defaults(&config, true);
    config.jsonl_path = path;
    config.out_log = log_path;
    test_sink_t t = {0};
    precis_sink_t *self = test_sink_start(&t, &config, "sink-test", "summary");
    zsock_t *ingest = t.ingest, *subscriber = t.subscriber;

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
    test_sink_stop(&t, false);

    /* A restarted sink goes on numbering after the log, remembers keys, and
       replays from a sequence number. */
    self = test_sink_start(&t, &config, "sink-test-2", NULL);
    frame = summary_frame("k2", "key-2");
    precis_sink_publish(self, frame);
    zframe_destroy(&frame);
    if (self->next_seq != 3 || precis_stats_get(self->stats, self->duplicates) != 1) {
        fprintf(stderr, "sink test: restart lost the numbering or the keys\n");
        failures++;
    }
    zsock_t *client = zsock_new_dealer(">inproc://sink-test-2-replay");
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
    test_sink_stop(&t, false);

    /* With a small log budget the oldest results are deleted; a replay from
       1 says so (oldest, trimmed) and starts at the oldest kept. */
    char *small_log = zsys_sprintf("%s.small", path);
    config.out_log = small_log;
    config.log_max_bytes = 16000;
    config.jsonl_path = NULL;
    self = test_sink_start(&t, &config, "sink-test-3", NULL);
    for (int i = 1; i <= 300; i++) {
        char id[16], key[16];
        snprintf(id, sizeof id, "s%d", i);
        snprintf(key, sizeof key, "small-%d", i);
        frame = summary_frame(id, key);
        precis_sink_publish(self, frame);
        zframe_destroy(&frame);
    }
    uint64_t oldest = precis_outlog_first_seq(self->log);
    client = zsock_new_dealer(">inproc://sink-test-3-replay");
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
    zsock_t *other = zsock_new_dealer(">inproc://sink-test-3-replay");
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
    test_sink_stop(&t, true);
    unlink(small_log);
    char *small_stories = zsys_sprintf("%s.stories", small_log);
    unlink(small_stories);
    zstr_free(&small_stories);
    char *small_state = zsys_sprintf("%s.state", small_log);
    unlink(small_state);
    zstr_free(&small_state);
    for (int seq = 2; seq <= 301; seq++) {
        char *segment = zsys_sprintf("%s.%d", small_log, seq);
        unlink(segment);
        zstr_free(&segment);
    }
    zstr_free(&small_log);

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
    /* The files the sink keeps beside its output log. */
    const char *beside[] = {"state", "stories", "jsonl-start"};
    for (size_t i = 0; i < sizeof beside / sizeof beside[0]; i++) {
        char *file = zsys_sprintf("%s.%s", log_path, beside[i]);
        unlink(file);
        zstr_free(&file);
    }
    zstr_free(&log_path);
    failures += test_held_back(&config);
    failures += test_batch(&config);
    failures += test_batch_frames(&config);
    failures += test_shards(&config);
    failures += test_ack_messages(&config);
    failures += test_without_log(&config);
    failures += test_run_loop(&config);
    failures += stories_test();
    return failures;
}
