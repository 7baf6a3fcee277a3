/*  precis_ingest - the front door of the pipeline, and the keeper of the
    delivery guarantee.

    A request arrives on the ROUTER as [identity][empty delimiter][body] from
    REQ clients or [identity][body] from DEALER clients; the reply goes back
    with the same envelope. An accepted article gets a delivery key, is
    recorded in the ledger (and first in the journal) and stays there until
    the sink acknowledges its result. When no worker can take an article,
    or the ledger is full, or the journal cannot take it, the client hears
    "busy" and nothing is kept or sent: busy and rejected always mean "not
    taken", so a flood cannot grow ingest's memory and a client that
    retries never gets its article published twice. Articles whose result
    is late are sent again; after --max-attempts they are published as
    errors instead (poison messages), and stay in the ledger and the
    journal until the sink acknowledges that error.

    Idempotent by id: a request whose client-given id is in flight, or was
    delivered within the dedup window (precis_idwindow), is answered
    "accepted" with "duplicate": true and is not processed again, so a
    client that heard nothing may send the same request again.

    With --journal, "accepted" means "on disk", and nothing reaches a
    worker before its record is on disk, yet the loop never waits for the
    disk: requests are served in batches (up to BATCH_MAX), each batch's
    journal records are committed to the syncer, which writes them and
    fdatasyncs in a thread of its own. The batch's articles wait
    (pending) with their answers until the sync that covers them has
    finished; then they enter the ledger, go to the workers and the
    answers go out together. Batches served while a sync is in flight are
    written together (one writev) and committed together by the next
    fdatasync (group commit). Meanwhile the
    loop goes on forwarding normalized articles and taking
    acknowledgements. Answers leave in the order the requests were handled,
    so a rejection queues behind held acceptances. When the journal cannot
    be written or synced (a full disk), the batch's articles are answered
    "busy" with the reason and dropped (a done record marks them in the
    journal); the next batch tries the disk again, so ingest recovers by
    itself once there is room. On shutdown the answers still held go out
    after the last sync. Journal compaction goes through the syncer as
    well, in steps (see compact).
*/
#include "precis_ingest.h"
#include "precis_batch.h"
#include "precis_control.h"
#include "precis_idwindow.h"
#include "precis_journal.h"
#include "precis_ledger.h"
#include "precis_msgpack.h"
#include "precis_syncer.h"
#include "precis_utf8.h"
#include "precis_waiter.h"
#include <signal.h>
#include <sys/resource.h>

struct _precis_ingest_t {
    const precis_config_t *config;
    zsock_t *frontend;   /* ROUTER, public */
    zsock_t *dispatch;   /* PUSH to normalize workers */
    zsock_t *acks;       /* PULL: keys of delivered results, from the sink */
    zsock_t *results;    /* PUSH to the sink, for articles given up */
    zsock_t *normalized; /* PULL: articles back from normalize workers; */
    zsock_t *summarize;  /* PUSH: ... on to summarize workers; both NULL with
                            --no-forward (precis-relay carries them) */
    precis_ledger_t *ledger;
    precis_journal_t *journal; /* NULL without --journal */
    precis_syncer_t *syncer;   /* syncs the journal, holds answers; with it */
    precis_idwindow_t *ids;    /* client ids in flight or delivered lately */
    /* The answers of articles waiting for their sync, in order: linked
       through the answers themselves (a zlistx node an article was one
       of its allocations). */
    struct answer_s *pending_first, *pending_last;
    size_t pending_count;
    size_t pending_bytes; /* of the articles pending */
    char nonce[16];       /* makes keys unique across restarts; "K:" first in shard K */
    uint64_t next_key;
    precis_stats_t *stats;
    precis_control_t *control;
    /* Counters in stats, by index. */
    int accepted, rejected, busy, retried, given_up, delivered, in_flight;
    int journal_syncs, journal_failed, duplicates, id_reused, journal_damaged,
        journal_damaged_bytes, journal_compactions, dedup_ids, dispatch_deferred,
        forwarded, request_messages;
    uint64_t journal_failing; /* syncs failed in a row (logged once) */
    /* Done records whose articles' ids are not durable yet (see
       take_acks): their keys, each NUL-terminated, in the order acknowledged;
       the first dones_syncing bytes are covered by the ids sync in flight
       (ids_syncing). The ids file is synced at most every IDS_SYNC_MS
       (ids_sync_at: when the last began), not with every commit. */
    char *dones;
    size_t dones_len, dones_max, dones_syncing;
    bool ids_syncing;
    int64_t ids_sync_at;
    /* The journal's rewrite failed for want of room: nothing new is taken
       until the file can be emptied in place, once every article in it is
       delivered (see compact). */
    bool journal_full;
    /* Journal compaction in steps (see compact): the step under way, and
       the outcome of its sync once the syncer has reported it. */
    enum { COMPACT_IDLE, COMPACT_WRITTEN, COMPACT_RENAMED } compaction;
    bool compaction_synced;
    int compaction_error;
    int64_t compact_after; /* after a failed compaction: not before (ms) */
    bool deferred;         /* taken articles wait in the ledger for a worker */
    bool dispatch_ready;   /* a worker could take articles when the batch began */
    zmq_msg_t held;        /* a normalized message the summarize workers could not take */
    bool forward_held;     /* held is one */
    size_t held_articles;  /* in held: a batch frame's (precis_batch.h), else 1 */
    /* Whether the last call on a socket was a read that found nothing
       (precis_waiter.h: only then may the loop wait for its descriptor). */
    bool frontend_quiet, normalized_quiet;
};

/* The answer to one request frame: its reply, and the article pending
   with it. */
typedef struct answer_s {
    zmq_msg_t reply;
    char *id; /* of an article accepted (or a duplicate) not yet answered */
    size_t id_len;
    /* The article pending: taken (ledger, workers) once its journal record
       is synced; NULL for a duplicate, which only waits for its turn. */
    char *key; /* NULL, or key_text */
    char key_text[64];
    void *data;
    size_t size;
    bool duplicate;
    int failed;                   /* errno: the batch's journal write failed; 0: none */
    struct answer_s *prev, *next; /* in self->pending_*, while pending */
} answer_t;

/* Puts answer at the end of the articles pending. */
static void pending_add(precis_ingest_t *self, answer_t *answer)
{
    answer->prev = self->pending_last;
    answer->next = NULL;
    if (self->pending_last)
        self->pending_last->next = answer;
    else
        self->pending_first = answer;
    self->pending_last = answer;
    self->pending_count++;
    self->pending_bytes += answer->size;
}

/* Takes answer off the articles pending. */
static void pending_remove(precis_ingest_t *self, answer_t *answer)
{
    if (answer->prev)
        answer->prev->next = answer->next;
    else
        self->pending_first = answer->next;
    if (answer->next)
        answer->next->prev = answer->prev;
    else
        self->pending_last = answer->prev;
    answer->prev = answer->next = NULL;
    self->pending_count--;
    self->pending_bytes -= answer->size;
}

/* The answer to one message from a client on its way back:
   [identity][delimiter?] and one reply frame per request frame, in their
   order (a batch request is several), kept as zmq_msg_t (the request's own
   envelope frames), not as a zmsg_t: czmq allocates a message, a list and
   a frame object for every frame. One allocation, the answers inside. */
typedef struct {
    precis_ingest_t *self;
    zmq_msg_t envelope[2];
    size_t envelope_count;
    bool batch_frame;   /* the requests came as a batch frame: so do the replies */
    size_t count;       /* answers */
    answer_t answers[]; /* count */
} response_t;

#define COUNT(self, counter)   precis_stats_add((self)->stats, (self)->counter, 1)
#define COUNTED(self, counter) precis_stats_get((self)->stats, (self)->counter)

/* Send queue towards the normalize workers, per worker, in messages: a
   message is a batch frame of up to PRECIS_LEDGER_BATCH (16) articles at
   full rate, so 64 of them are about the 1,000 articles one a frame held
   (a lone article a message at low load, where the queue does not fill). */
#define DISPATCH_SNDHWM 64
/* Send queue towards the summarize workers, per worker, in messages
   (whatever the normalize workers send, moved whole: batch frames of up
   to PRECIS_RESULTS_PER_MESSAGE articles), so about 1,000 articles. */
#define FORWARD_SNDHWM precis_results_hwm(PRECIS_RESULTS_PER_MESSAGE)
/* Answers queued towards one client, at most (ZeroMQ's ROUTER drops an
   answer beyond its high-water mark, and its default of 1,000 counts
   lazily, so that a pipelining DEALER with a few hundred requests
   unanswered lost answers under load: bench `pipeline_bench ingest`
   saw 200-1,200 lost in 4 s). The mark counts messages: a reply is
   about 100 bytes, so a client with this many lone requests unanswered
   costs ingest about 10 MB, but one that sends full batches and never
   reads can hold up to 64 times that (about 640 MB) before ZeroMQ drops
   its answers. */
#define ANSWERS_SNDHWM 100000
/* Messages, and requests, handled per batch, and so per journal commit. */
#define BATCH_MAX 256
/* How often retries are looked for, in ms. */
#define TICK_MS 100
/* Least time between two syncs of the ids file, in ms: each was a second
   fdatasync a group commit (about 100 us of system CPU and 0.3 ms on the
   development VM, as much as a third of the sync thread's time), and done
   records may wait (take_acks). */
#define IDS_SYNC_MS 50
/* The wait before a compaction that failed (a full disk) is tried again. */
#define COMPACT_RETRY_MS 1000

/* A reply is packed into a buffer on the stack, not a msgpack_sbuffer
   (whose first write allocates 8 KiB, a large allocation per request);
   one too big for it (a long error) goes to the heap. */
typedef struct {
    char *data;
    size_t size, alloc;
    char inline_data[512];
} reply_buffer_t;

static int reply_write(void *arg, const char *bytes, size_t len)
{
    reply_buffer_t *buffer = arg;
    if (buffer->size + len > buffer->alloc) {
        size_t alloc = 2 * (buffer->size + len);
        char *data = malloc(alloc);
        assert(data);
        memcpy(data, buffer->data, buffer->size);
        if (buffer->data != buffer->inline_data)
            free(buffer->data);
        buffer->data = data;
        buffer->alloc = alloc;
    }
    memcpy(buffer->data + buffer->size, bytes, len);
    buffer->size += len;
    return 0;
}

/* Packs the reply into reply (a zmq_msg_t not yet initialized) with
   msgpack's packer: any reply. */
static void encode_reply_packed(zmq_msg_t *reply, const char *id, size_t id_len,
                                const char *status, const char *error, bool duplicate)
{
    reply_buffer_t buffer;
    buffer.data = buffer.inline_data;
    buffer.size = 0;
    buffer.alloc = sizeof buffer.inline_data;
    msgpack_packer packer;
    msgpack_packer_init(&packer, &buffer, reply_write);
    msgpack_pack_map(&packer, 3 + (error != NULL) + duplicate);
    precis_mp_pack_kv_int(&packer, "v", PRECIS_PROTOCOL_VERSION);
    /* Every string of a reply is UTF-8: an id that is not (rejected for
       it) goes back empty, as one too long does. */
    if (id && !precis_utf8_valid(id, id_len))
        id = NULL;
    precis_mp_pack_kv_str(&packer, "id", id, id ? id_len : 0);
    precis_mp_pack_kv_str(&packer, "status", status, strlen(status));
    if (error)
        precis_mp_pack_kv_str(&packer, "error", error, strlen(error));
    if (duplicate) {
        msgpack_pack_str(&packer, 9);
        msgpack_pack_str_body(&packer, "duplicate", 9);
        msgpack_pack_true(&packer);
    }
    zmq_msg_init_size(reply, buffer.size);
    memcpy(zmq_msg_data(reply), buffer.data, buffer.size);
    if (buffer.data != buffer.inline_data)
        free(buffer.data);
}

/* Writes a msgpack string header for len bytes (the packer's shortest
   form, up to str16) at out; returns its length. */
static size_t put_str_header(unsigned char *out, size_t len)
{
    if (len < 32) {
        out[0] = (unsigned char)(0xa0 | len);
        return 1;
    }
    if (len < 256) {
        out[0] = 0xd9;
        out[1] = (unsigned char)len;
        return 2;
    }
    out[0] = 0xda;
    out[1] = (unsigned char)(len >> 8);
    out[2] = (unsigned char)len;
    return 3;
}

/* Writes key (under 32 bytes) and its header at out; returns the length. */
static size_t put_short(unsigned char *out, const char *key, size_t len)
{
    out[0] = (unsigned char)(0xa0 | len);
    memcpy(out + 1, key, len);
    return 1 + len;
}

/* The reply without an error (an accepted article, a duplicate), written
   straight into the frame: the same bytes as encode_reply_packed (unit.ingest
   compares them), for a fifth of the instructions (the packer called its
   writer a dozen times a reply, and the buffer was copied into the
   frame). */
static void encode_reply_plain(zmq_msg_t *reply, const char *id, size_t id_len,
                               const char *status, bool duplicate)
{
    if (!id || !precis_utf8_valid(id, id_len))
        id_len = 0;
    size_t status_len = strlen(status);
    unsigned char header[3];
    size_t id_header = put_str_header(header, id_len);
    /* The map's header, "v" and its value, "id" and its value, "status"
       and its value, "duplicate" and true. */
    size_t size = 1 + 2 + 1 + 3 + id_header + id_len + 7 + 1 + status_len +
                  (duplicate ? 10 + 1 : 0);
    zmq_msg_init_size(reply, size);
    unsigned char *out = zmq_msg_data(reply);
    *out++ = (unsigned char)(0x80 | (3 + duplicate)); /* fixmap */
    out += put_short(out, "v", 1);
    _Static_assert(PRECIS_PROTOCOL_VERSION < 128, "a positive fixint");
    *out++ = PRECIS_PROTOCOL_VERSION; /* positive fixint */
    out += put_short(out, "id", 2);
    memcpy(out, header, id_header);
    out += id_header;
    if (id_len)
        memcpy(out, id, id_len);
    out += id_len;
    out += put_short(out, "status", 6);
    out += put_short(out, status, status_len);
    if (duplicate) {
        out += put_short(out, "duplicate", 9);
        *out++ = 0xc3; /* true */
    }
    assert(out == (unsigned char *)zmq_msg_data(reply) + size);
}

/* Packs the reply into reply (a zmq_msg_t not yet initialized). */
static void encode_reply(zmq_msg_t *reply, const char *id, size_t id_len,
                         const char *status, const char *error, bool duplicate)
{
    if (!error && id_len < 65536 && strlen(status) < 32)
        encode_reply_plain(reply, id, id_len, status, duplicate);
    else
        encode_reply_packed(reply, id, id_len, status, error, duplicate);
}

/* Replaces the reply of an answer with "busy" for reason. */
static void answer_busy(precis_ingest_t *self, answer_t *answer, const char *reason)
{
    zmq_msg_close(&answer->reply);
    encode_reply(&answer->reply, answer->id, answer->id_len, "busy", reason, false);
    COUNT(self, busy);
    zstr_free(&answer->id);
}

/* Sends the articles taken since the last call to the workers, as one
   batch frame (a lone one as it is), without waiting: called when
   PRECIS_LEDGER_BATCH are queued and whenever the input that fed them is
   drained (the end of a batch of requests, of a journal sync's answers),
   so that no article waits for others at low load. Those no worker can
   take now wait in the ledger, due (sent by the loop as soon as one can). */
static void dispatch_flush(precis_ingest_t *self)
{
    size_t deferred;
    if (precis_ledger_queued(self->ledger) == 0)
        return;
    precis_ledger_flush(self->ledger, zsock_resolve(self->dispatch), zclock_mono(),
                        &deferred);
    if (deferred) {
        self->deferred = true;
        precis_stats_add(self->stats, self->dispatch_deferred, deferred);
    }
}

/* Takes an article whose record is durable (or that needs none): into the
   ledger, and queued for the workers (dispatch_flush). The ledger keeps
   data (malloc'd, the buffer the article was encoded into once). */
static void take_article(precis_ingest_t *self, const char *key, void *data, size_t size)
{
    if (precis_ledger_adopt_queue(self->ledger, key, data, size, zclock_mono()))
        dispatch_flush(self);
}

/* An article whose journal record could not be made durable (error, an
   errno): not taken. A done record keeps a later recovery from taking
   it (the article record may have reached the disk after all). */
static void drop_pending(precis_ingest_t *self, answer_t *answer, int error)
{
    char reason[PRECIS_ERROR_SIZE];
    snprintf(reason, sizeof reason,
             "the journal could not be written or synced (%s): the article was not "
             "taken; retry later",
             strerror(error));
    precis_journal_done(self->journal, answer->key);
    precis_idwindow_forget(self->ids, answer->key);
    answer_busy(self, answer, reason);
    COUNT(self, journal_failed);
}

/* The replies of a batch frame's requests as one frame, a msgpack array
   of the reply maps in their order, into frame (not yet initialized);
   closes each answer's reply. The array's header is the packer's
   shortest form: up to 64 replies fit a fixarray (15) or an array16. */
static void encode_reply_array(zmq_msg_t *frame, answer_t *answers, size_t count)
{
    size_t size = precis_batch_header_size(count);
    for (size_t i = 0; i < count; i++)
        size += zmq_msg_size(&answers[i].reply);
    zmq_msg_init_size(frame, size);
    unsigned char *out = zmq_msg_data(frame);
    out += precis_batch_header(out, count);
    for (size_t i = 0; i < count; i++) {
        size_t length = zmq_msg_size(&answers[i].reply);
        memcpy(out, zmq_msg_data(&answers[i].reply), length);
        out += length;
        zmq_msg_close(&answers[i].reply);
    }
}

/* Sends the response's frames (a ROUTER never blocks: a client whose queue
   is full loses the reply, see below) and closes them. */
static void send_response(precis_ingest_t *self, response_t *response)
{
    void *frontend = zsock_resolve(self->frontend);
    /* A send may take the commands of a request still unread. */
    self->frontend_quiet = false;
    for (size_t i = 0; i < response->envelope_count; i++)
        if (zmq_msg_send(&response->envelope[i], frontend, ZMQ_SNDMORE | ZMQ_DONTWAIT) ==
            -1)
            zmq_msg_close(&response->envelope[i]);
    if (response->batch_frame) {
        zmq_msg_t frame;
        encode_reply_array(&frame, response->answers, response->count);
        if (zmq_msg_send(&frame, frontend, ZMQ_DONTWAIT) == -1)
            zmq_msg_close(&frame);
        return;
    }
    for (size_t i = 0; i < response->count; i++)
        if (zmq_msg_send(&response->answers[i].reply, frontend,
                         (i + 1 < response->count ? ZMQ_SNDMORE : 0) | ZMQ_DONTWAIT) ==
            -1)
            zmq_msg_close(&response->answers[i].reply);
}

/* Settles one answer once the journal holds what it accepted (error 0) or
   could not be synced: the article pending with it is taken then, or
   dropped. Answers are settled in the order of the requests, so that a
   duplicate of an article earlier in the same batch finds it settled. */
static void settle_answer(precis_ingest_t *self, answer_t *answer, int error)
{
    if (answer->failed)
        error = answer->failed;
    if (answer->key) {
        pending_remove(self, answer);
        if (error)
            drop_pending(self, answer, error);
        else {
            take_article(self, answer->key, answer->data, answer->size);
            answer->data = NULL; /* the ledger's now */
        }
    } else if (answer->duplicate &&
               !precis_idwindow_contains(self->ids, answer->id, answer->id_len,
                                         zclock_time() / 1000))
        /* Its first copy, pending in the same or an earlier batch, was not
           taken after all. */
        answer_busy(self, answer,
                    "the first request with this id could not be made durable; "
                    "retry later");
    if (answer->id)
        precis_stats_add(self->stats,
                         answer->duplicate ? self->duplicates : self->accepted, 1);
    free(answer->id);
    free(answer->data);
}

/* Sends a response (and frees it): released by the syncer once the
   journal holds what its requests accepted, or could not be synced. A
   client that does not read its replies fills its own queue; the ROUTER
   then drops its replies instead of blocking everyone. */
static void release_response(void *arg, int error)
{
    response_t *response = arg;
    for (size_t i = 0; i < response->count; i++)
        settle_answer(response->self, &response->answers[i], error);
    send_response(response->self, response);
    free(response);
}

/* The article's content digest, kept with its id to tell a retry (same
   content) from a different article under a reused id. */
static uint64_t article_content(const precis_article_t *article)
{
    return precis_idwindow_content(article->title.ptr, article->title.len,
                                   article->text.ptr, article->text.len);
}

/* Puts a recovered article back in the ledger, due at once. */
static void recover_article(void *arg, const char *key, const void *data, size_t size)
{
    precis_ingest_t *self = arg;
    precis_ledger_add(self->ledger, key, data, size, false, zclock_mono());
    /* Its id is in flight again: a client retrying it hears "duplicate".
       (Generated ids are noted too: harmless, no client sends them.) */
    char error[PRECIS_ERROR_SIZE];
    precis_article_t *article = precis_article_new();
    if (precis_article_decode(article, data, size, 0, error) == 0 && article->id.ptr)
        precis_idwindow_taken(self->ids, article->id.ptr, article->id.len,
                              article_content(article), key);
    precis_article_destroy(&article);
}

static void recycle_buffer(void *journal, void *data)
{
    precis_journal_recycle(journal, data);
}

static bool bind_sockets(precis_ingest_t *self)
{
    const precis_config_t *config = self->config;
    self->frontend = zsock_new(ZMQ_ROUTER);
    /* Frames far over the request limit are refused by libzmq before they
       are read into memory; those in between get a rejection with a reason. */
    size_t socket_limit = config->max_bytes * 2 + 4096;
    zsock_set_maxmsgsize(self->frontend,
                         socket_limit > INT_MAX ? INT_MAX : (int)socket_limit);
    zsock_set_linger(self->frontend, 1000);
    zsock_set_sndhwm(self->frontend, ANSWERS_SNDHWM);
    precis_curve_server(self->frontend);
    if (zsock_bind(self->frontend, "%s", config->ingest_endpoint) == -1) {
        zsys_error("cannot bind %s: %s", config->ingest_endpoint,
                   zmq_strerror(zmq_errno()));
        return false;
    }
    self->dispatch = zsock_new(ZMQ_PUSH);
    zsock_set_sndhwm(self->dispatch, DISPATCH_SNDHWM);
    precis_socket_tune(self->dispatch);
    zsock_set_linger(self->dispatch, 0); /* the ledger, not the socket, keeps articles */
    precis_curve_server(self->dispatch);
    if (zsock_bind(self->dispatch, "%s", config->normalize_endpoint) == -1) {
        zsys_error("cannot bind %s: %s", config->normalize_endpoint,
                   zmq_strerror(zmq_errno()));
        return false;
    }
    self->acks = precis_socket_new(ZMQ_PULL, config->acks_endpoint, true);
    self->results = precis_socket_new(ZMQ_PUSH, config->results_endpoint, false);
    /* With --no-forward, precis-relay binds the normalized and summarize
       endpoints instead (it is started by default: deploy/pipeline,
       systemd, k8s), and ingest does not read the articles a second time:
       it needs only their keys, from the sink. */
    if (config->no_forward)
        return self->acks && self->results;
    /* Otherwise normalized articles pass through the hub on their way to
       the summarize workers, so that workers of both stages connect to one
       place. The hub forwards them itself rather than with a zproxy so that
       the sockets get the same tuning as every other (a vanished worker
       host is dropped in seconds) and so that it stops reading when no
       summarize worker can take more. */
    /* The queues both ways bound articles, set before the bind
       (precis_socket_new_hwm says why). */
    self->normalized = precis_socket_new_hwm(ZMQ_PULL, config->normalized_endpoint, true,
                                             0, FORWARD_SNDHWM);
    self->summarize = precis_socket_new_hwm(ZMQ_PUSH, config->summarize_endpoint, true,
                                            FORWARD_SNDHWM, 0);
    return self->acks && self->results && self->normalized && self->summarize;
}

precis_ingest_t *precis_ingest_new(const precis_config_t *config)
{
    precis_ingest_t *self = calloc(1, sizeof *self);
    assert(self);
    self->config = config;
    self->ledger = precis_ledger_new(config->retry_ms, (uint32_t)config->max_attempts);
    self->stats = precis_stats_new("ingest");
    self->accepted = precis_stats_counter(self->stats, "accepted", "articles accepted");
    self->rejected = precis_stats_counter(self->stats, "rejected", "requests rejected");
    self->busy = precis_stats_counter(self->stats, "busy", "requests answered busy");
    self->retried = precis_stats_counter(self->stats, "retried", "articles sent again");
    self->given_up = precis_stats_counter(self->stats, "given_up", "articles given up");
    self->delivered =
        precis_stats_counter(self->stats, "delivered", "results acknowledged");
    self->in_flight = precis_stats_gauge(self->stats, "in_flight", "articles in flight");
    self->journal_syncs =
        precis_stats_counter(self->stats, "journal_syncs", "fdatasyncs of the journal");
    self->journal_failed = precis_stats_counter(
        self->stats, "journal_failed",
        "articles answered busy as the journal could not be written or synced");
    self->duplicates = precis_stats_counter(
        self->stats, "duplicates",
        "requests for an id in flight or delivered lately, answered accepted, duplicate");
    self->id_reused = precis_stats_counter(
        self->stats, "id_reused",
        "requests rejected because their id was used for a different article within the "
        "dedup window (not in rejected)");
    self->dedup_ids =
        precis_stats_gauge(self->stats, "dedup_ids", "delivered ids in the dedup window");
    self->journal_damaged = precis_stats_counter(
        self->stats, "journal_damaged",
        "damaged regions of the journal skipped at the last start (file kept aside)");
    self->journal_damaged_bytes = precis_stats_counter(
        self->stats, "journal_damaged_bytes", "bytes in those damaged regions");
    self->journal_compactions =
        precis_stats_counter(self->stats, "journal_compactions", "journal rewrites");
    self->dispatch_deferred = precis_stats_counter(
        self->stats, "dispatch_deferred",
        "articles taken when no worker could take them at once (sent from the ledger)");
    self->forwarded = precis_stats_counter(
        self->stats, "forwarded",
        "normalized articles carried to the summarize workers (0 with --no-forward)");
    self->request_messages = precis_stats_counter(
        self->stats, "request_messages",
        "request messages read (a batch request is one: requests answered / this is "
        "the mean batch)");
    /* Prometheus: the answers are one family, by status. */
    precis_stats_label(self->stats, self->accepted, "requests",
                       "requests answered, by status", "status", "accepted");
    precis_stats_label(self->stats, self->rejected, "requests",
                       "requests answered, by status", "status", "rejected");
    precis_stats_label(self->stats, self->busy, "requests",
                       "requests answered, by status", "status", "busy");
    precis_stats_describe_latency(
        self->stats, "request_seconds",
        "time to handle one request, until its answer is ready");
    zuuid_t *uuid = zuuid_new();
    /* A shard's keys name it, so that the sink acknowledges them here. */
    if (config->shard > 0)
        snprintf(self->nonce, sizeof self->nonce, "%d:%.8s", config->shard,
                 zuuid_str(uuid));
    else
        snprintf(self->nonce, sizeof self->nonce, "%.8s", zuuid_str(uuid));
    zuuid_destroy(&uuid);
    self->control = precis_control_new(config, self->stats);
    if (!self->control || !bind_sockets(self)) {
        precis_ingest_destroy(&self);
        return NULL;
    }
    /* Delivered ids are kept next to the journal; without one, in memory. */
    char *ids_path =
        config->journal_dir ? zsys_sprintf("%s/ids", config->journal_dir) : NULL;
    if (config->journal_dir && zsys_dir_create("%s", config->journal_dir) != 0)
        zsys_error("cannot create %s: %s", config->journal_dir, strerror(errno));
    self->ids = precis_idwindow_new(ids_path, config->dedup_max_ids,
                                    (int64_t)config->dedup_max_age, zclock_time() / 1000);
    zstr_free(&ids_path);
    if (!self->ids) {
        precis_ingest_destroy(&self);
        return NULL;
    }
    if (config->journal_dir) {
        self->journal = precis_journal_new(config->journal_dir);
        if (!self->journal) {
            precis_ingest_destroy(&self);
            return NULL;
        }
        long recovered = precis_journal_recover(self->journal, recover_article, self);
        if (recovered > 0)
            zsys_info("recovered %ld undelivered articles from the journal in %s",
                      recovered, config->journal_dir);
        uint64_t regions, bytes;
        int64_t first;
        precis_journal_damage(self->journal, &regions, &bytes, &first);
        precis_stats_set(self->stats, self->journal_damaged, regions);
        precis_stats_set(self->stats, self->journal_damaged_bytes, bytes);
        self->syncer = precis_syncer_new();
        /* Written buffers go back to the journal for the next batches. */
        precis_syncer_set_release(self->syncer, recycle_buffer, self->journal);
    }
    return self;
}

static void journal_dones(precis_ingest_t *self, size_t len);

void precis_ingest_destroy(precis_ingest_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    precis_ingest_t *self = *self_p;
    /* First: the answers it still holds go out (after the last sync). */
    precis_syncer_destroy(&self->syncer);
    if (self->forward_held)
        zmq_msg_close(&self->held);
    zsock_destroy(&self->normalized);
    zsock_destroy(&self->summarize);
    zsock_destroy(&self->dispatch);
    zsock_destroy(&self->frontend);
    zsock_destroy(&self->acks);
    zsock_destroy(&self->results);
    /* The ids before the journal: a done record never goes without its id.
       The ids are synced on the way (precis_idwindow_destroy), so the done
       records still waiting for that may go now. */
    precis_idwindow_destroy(&self->ids);
    if (self->journal)
        journal_dones(self, self->dones_len);
    free(self->dones);
    precis_journal_destroy(&self->journal);
    precis_ledger_destroy(&self->ledger);
    precis_control_destroy(&self->control);
    precis_stats_destroy(&self->stats);
    free(self);
    *self_p = NULL;
}

/* Validates the body into article; returns NULL or the rejection reason. */
static const char *validate(precis_ingest_t *self, precis_article_t *article,
                            const void *data, size_t size, char *error)
{
    if (size > self->config->max_bytes) {
        snprintf(error, PRECIS_ERROR_SIZE,
                 "request is %zu bytes, over the limit of %zu bytes", size,
                 self->config->max_bytes);
        return error;
    }
    /* The text is not copied: the article is spliced or encoded at once
       (admit), while the request's frame is still there. */
    if (precis_article_decode_borrowing(article, data, size, self->config->max_text,
                                        error) != 0)
        return error;
    if (precis_article_check_utf8(article, precis_utf8_valid, error) != 0)
        return error;
    return NULL;
}

/* Writes NONCE-NUMBER into key (64 bytes) and returns its length: by
   hand, as snprintf was a tenth of the instructions of admitting one. */
static size_t format_key(char *key, const char *nonce, uint64_t number)
{
    size_t length = strlen(nonce);
    memcpy(key, nonce, length);
    key[length++] = '-';
    char digits[24];
    size_t count = 0;
    do
        digits[count++] = (char)('0' + number % 10);
    while ((number /= 10) > 0);
    while (count > 0)
        key[length++] = digits[--count];
    key[length] = 0;
    return length;
}

/* Why an article is busy while a journal that filled its disk waits for
   its articles to be delivered, to be emptied in place (compact). */
static const char journal_full_busy[] =
    "the journal's disk is full: it is emptied once the articles in it are delivered; "
    "retry later";

/* Why an article is busy whose journal record could not be written. */
static const char journal_write_failed[] =
    "the journal could not be written: the article was not taken; retry later";

/* Why a request is busy before it is read, or NULL: the pipeline is full
   (articles in flight), the journal's disk is, or no worker can take an
   article (asked once a batch when batched, else now). */
static const char *busy_now(precis_ingest_t *self, bool batched)
{
    if (precis_ledger_size(self->ledger) + self->pending_count >=
        (size_t)self->config->max_inflight)
        return "the pipeline is full (too many articles in flight); retry later";
    if (self->journal_full)
        return journal_full_busy;
    /* A PUSH socket with no worker connected, or all of them full. */
    if (batched ? !self->dispatch_ready : !(zsock_events(self->dispatch) & ZMQ_POLLOUT))
        return "no normalize worker can take the article now; retry later";
    return NULL;
}

/* The string under the first "id" key of the request map
   data[0..size), read without decoding the request: what a busy answer
   given before reading it carries (busy_early). False when there is none
   or the bytes cannot be read that far. */
static bool request_id(const void *data, size_t size, const char **id, size_t *len)
{
    const unsigned char *at = data, *end = at + size;
    uint32_t count;
    if (!precis_mp_read_map_header(&at, end, &count))
        return false;
    for (uint32_t i = 0; i < count; i++) {
        const unsigned char *key = at;
        if (!precis_mp_skip(&at, end, 0))
            return false;
        bool is_id = at - key == 3 && memcmp(key, "\xa2id", 3) == 0;
        const unsigned char *value = at;
        if (!precis_mp_skip(&at, end, PRECIS_BATCH_DEPTH))
            return false;
        if (!is_id)
            continue;
        size_t header = value[0] >= 0xa0 && value[0] <= 0xbf ? 1
                        : value[0] == 0xd9                   ? 2
                        : value[0] == 0xda                   ? 3
                        : value[0] == 0xdb                   ? 5
                                                             : 0;
        if (!header)
            return false; /* not a string: no id to give back */
        *id = (const char *)value + header;
        *len = (size_t)(at - value) - header;
        return true;
    }
    return false;
}

/* Answers a batched request busy before reading it when nothing can be
   taken now (busy_now): a busy answer is decided first, so a client that
   floods a full pipeline costs a scan for its id, not the decoding, UTF-8
   checks and id digests of a request that cannot be taken anyway (a
   third of the requests in ingest's bench at full rate, where the worker
   falls behind). Such a request is not checked: an invalid one hears
   "rejected", a retry of an article taken hears "duplicate", when it is
   sent again once ingest takes articles (as a busy answer asks). The
   reply carries the request's id as read: empty when it has none, or one
   that is too long or not UTF-8 (as a rejection's would be). */
static void busy_early(precis_ingest_t *self, const void *data, size_t size,
                       zmq_msg_t *reply, const char *reason)
{
    const char *id = NULL;
    size_t id_len = 0;
    if (size > self->config->max_bytes || !request_id(data, size, &id, &id_len) ||
        id_len > PRECIS_MAX_ID)
        id = NULL, id_len = 0;
    encode_reply(reply, id, id_len, "busy", reason, false);
    COUNT(self, busy);
}

/* Takes a valid article (decoded from request[0..request_size)), or
   returns why it is busy (then nothing is kept).
   content is its article_content (hashed once a request: XXH3 over the
   text, twice, was an eighth of the instructions of admitting one). With
   the journal and an answer, the article is written to the journal
   and waits in answer (pending) until its record is synced; without an
   answer (precis_ingest_handle) the journal is synced here. */
static const char *admit(precis_ingest_t *self, precis_article_t *article,
                         const void *request, size_t request_size, uint64_t content,
                         answer_t *answer)
{
    const char *busy = busy_now(self, answer != NULL);
    if (busy)
        return busy;
    bool client_id = article->id.ptr != NULL;
    if (!client_id)
        precis_article_generate_id(article);
    char key[64];
    size_t key_len = format_key(key, self->nonce, ++self->next_key);
    /* The article's key is this buffer while it is written (not a copy:
       a malloc and a free an article), and nothing after; a key the
       client sent (a copy) goes first. */
    free(article->key.ptr);
    article->key = (precis_str_t){key, key_len};
    article->received_us = precis_now_us();
    article->attempt = 1;
    /* The request's bytes with ingest's keys added; encoded again only
       when they cannot stand for the article (precis_article_splice). */
    size_t size;
    void *data = precis_article_splice(article, request, request_size, &size);
    if (!data)
        data = precis_article_encode(article, &size);
    article->key = (precis_str_t){NULL, 0};
    /* Memory is bounded in bytes too: an empty ledger takes any article
       within --max-bytes, so a large one is never refused for good. */
    size_t held = precis_ledger_bytes(self->ledger) + self->pending_bytes;
    if (held > 0 && held + size > self->config->max_inflight_bytes) {
        free(data);
        return "the pipeline is full (too many bytes in flight); retry later";
    }
    /* In memory: a full disk shows when the syncer writes (take_sync). */
    if (self->journal)
        precis_journal_append(self->journal, key, data, size);
    if (self->journal && !answer && precis_journal_sync(self->journal) != 0) {
        precis_journal_done(self->journal, key); /* not taken: not to be recovered */
        free(data);
        return journal_write_failed;
    }
    precis_debug("accepted %s as %s", article->id.ptr, key);
    if (client_id)
        precis_idwindow_taken(self->ids, article->id.ptr, article->id.len, content, key);
    if (self->journal && answer) {
        memcpy(answer->key_text, key, key_len + 1); /* format_key: under 64 */
        answer->key = answer->key_text;
        answer->data = data;
        answer->size = size;
        pending_add(self, answer);
        return NULL;
    }
    take_article(self, key, data, size);
    return NULL;
}

/* Handles one request body: returns the reply frame. With answer, an
   accepted article's id goes there and is counted when the answer is
   sent; without, it is counted here. */
static void handle(precis_ingest_t *self, const void *data, size_t size, zmq_msg_t *reply,
                   answer_t *answer)
{
    const char *busy = answer ? busy_now(self, true) : NULL;
    if (busy) {
        busy_early(self, data, size, reply, busy);
        return;
    }
    char error[PRECIS_ERROR_SIZE];
    /* On the stack, not calloc'd: its strings are freed at the end. */
    precis_article_t fresh = {0}, *article = &fresh;
    const char *reason = validate(self, article, data, size, error);
    const char *status = "accepted";
    bool duplicate = false;
    precis_idwindow_seen_t seen = PRECIS_ID_NEW;
    uint64_t content = 0; /* only a client's id is looked up */
    if (!reason && article->id.ptr) {
        content = article_content(article);
        seen = precis_idwindow_check(self->ids, article->id.ptr, article->id.len, content,
                                     zclock_time() / 1000);
    }
    /* The client's id as logs and error texts show it (only when needed:
       not on the way of an accepted article). */
    char shown[PRECIS_PRINTABLE_ID] = "(no id)";
    if ((reason || seen == PRECIS_ID_CHANGED) && article->id.ptr)
        precis_utf8_printable(shown, sizeof shown, article->id.ptr, article->id.len);
    if (reason) {
        status = "rejected";
        COUNT(self, rejected);
        zsys_notice("rejected %s: %s", shown, reason);
    } else if (seen == PRECIS_ID_CHANGED) {
        /* Not a retry: publishing it once as a duplicate would lose it. */
        status = "rejected";
        snprintf(error, sizeof error,
                 "id %s was used for a different article within the dedup window "
                 "(%.0f s); send it with a new id",
                 shown, self->config->dedup_max_age);
        reason = error;
        COUNT(self, id_reused);
        zsys_notice("rejected %s: %s", shown, reason);
    } else if (seen == PRECIS_ID_SAME) {
        /* A retry: answered like the first copy, nothing taken again. With
           the journal it waits behind the answers held before it (the first
           copy's among them), and is checked again when it goes out. */
        duplicate = true;
        precis_debug("duplicate %s", article->id.ptr);
        if (!answer)
            COUNT(self, duplicates);
    } else if ((reason = admit(self, article, data, size, content, answer))) {
        status = "busy";
        COUNT(self, busy);
        if (reason == journal_write_failed)
            COUNT(self, journal_failed);
        precis_debug("busy: %s", article->id.ptr ? article->id.ptr : "(no id)");
    } else if (!answer)
        COUNT(self, accepted);
    encode_reply(reply, article->id.ptr, article->id.len, status, reason, duplicate);
    if (answer && !reason) {
        /* The article's id is a copy of its own, NUL-terminated (even
           decoded borrowing): the answer takes it rather than another. */
        answer->id = article->id.ptr;
        answer->id_len = article->id.len;
        answer->duplicate = duplicate;
        article->id = (precis_str_t){NULL, 0};
    }
    precis_article_clear(article);
}

void *precis_ingest_handle(precis_ingest_t *self, const void *data, size_t size,
                           size_t *size_p)
{
    zmq_msg_t frame;
    /* The journal is written here: not while the syncer's thread does. */
    if (self->syncer)
        precis_syncer_flush(self->syncer);
    handle(self, data, size, &frame, NULL);
    dispatch_flush(self);
    *size_p = zmq_msg_size(&frame);
    void *reply = malloc(*size_p ? *size_p : 1);
    assert(reply);
    memcpy(reply, zmq_msg_data(&frame), *size_p);
    zmq_msg_close(&frame);
    return reply;
}

/* Frames of a message kept: the envelope (at most 2) and the requests, one
   a frame (a batch is several); more are counted, read and dropped. */
#define REQUEST_FRAMES (2 + PRECIS_REQUESTS_PER_MESSAGE)

/* Reads one message from the ROUTER without waiting: its first frames in
   frames (initialized), how many frames it had in *count. False when none
   is waiting. */
static bool recv_request(void *frontend, zmq_msg_t frames[REQUEST_FRAMES], size_t *count)
{
    zmq_msg_init(&frames[0]);
    if (zmq_msg_recv(&frames[0], frontend, ZMQ_DONTWAIT) == -1) {
        zmq_msg_close(&frames[0]);
        return false;
    }
    size_t n = 1;
    bool more = zmq_msg_more(&frames[0]);
    while (more) { /* a message arrives whole: the rest is there */
        zmq_msg_t extra, *frame = n < REQUEST_FRAMES ? &frames[n] : &extra;
        zmq_msg_init(frame);
        if (zmq_msg_recv(frame, frontend, 0) == -1) {
            zmq_msg_close(frame);
            break;
        }
        more = zmq_msg_more(frame);
        if (frame == &extra)
            zmq_msg_close(frame);
        n++;
    }
    *count = n;
    return true;
}

/* The requests of a batch frame as byte ranges of it (at most
   PRECIS_REQUESTS_PER_MESSAGE); returns their count, or -1 with the
   reason in error when the frame is answered as a whole: too many
   requests, or a frame that cannot be read whole (cut short, malformed,
   bytes after the last request), since the requests after a bad one
   cannot be told apart. */
static int64_t read_batch_frame(zmq_msg_t *frame, const void **data, size_t *size,
                                char *error)
{
    precis_batch_reader_t reader;
    int64_t count = precis_batch_open(&reader, zmq_msg_data(frame), zmq_msg_size(frame));
    /* Told whenever the header is whole, whatever else is wrong. */
    if (reader.declared > PRECIS_REQUESTS_PER_MESSAGE) {
        snprintf(error, PRECIS_ERROR_SIZE,
                 "a batch frame carries at most %d requests, got %llu: none was taken; "
                 "send them in several messages",
                 PRECIS_REQUESTS_PER_MESSAGE, (unsigned long long)reader.declared);
        return -1;
    }
    for (int64_t i = 0; i < count; i++)
        if (!precis_batch_next(&reader, &data[i], &size[i]))
            break;
    if (!reader.error && count >= 0) {
        const void *extra;
        size_t extra_size;
        precis_batch_next(&reader, &extra, &extra_size); /* sees trailing bytes */
    }
    if (reader.error) {
        snprintf(error, PRECIS_ERROR_SIZE,
                 "malformed batch frame (%s): none was taken; send each request whole",
                 reader.error);
        return -1;
    }
    return count;
}

/* A response for answers requests (their replies still to be written). */
static response_t *response_new(precis_ingest_t *self, size_t answers)
{
    response_t *response = calloc(1, sizeof *response + answers * sizeof(answer_t));
    assert(response);
    response->self = self;
    response->count = answers;
    return response;
}

/* A response of one answer, rejected for error, none of the message's
   requests taken. */
static response_t *reject_message(precis_ingest_t *self, const char *error)
{
    response_t *response = response_new(self, 1);
    zsys_notice("rejected a request message: %s", error);
    COUNT(self, rejected);
    encode_reply(&response->answers[0].reply, NULL, 0, "rejected", error, false);
    return response;
}

/* The response to a message whose one request frame is a batch frame:
   each request answered as it would be in a frame of its own, in order;
   the replies go back as one batch frame (send_response). */
static response_t *respond_batch_frame(precis_ingest_t *self, zmq_msg_t *frame)
{
    const void *data[PRECIS_REQUESTS_PER_MESSAGE];
    size_t size[PRECIS_REQUESTS_PER_MESSAGE];
    char error[PRECIS_ERROR_SIZE];
    int64_t count = read_batch_frame(frame, data, size, error);
    response_t *response =
        count < 0 ? reject_message(self, error) : response_new(self, (size_t)count);
    for (int64_t i = 0; i < count; i++)
        handle(self, data[i], size[i], &response->answers[i].reply,
               &response->answers[i]);
    response->batch_frame = true;
    return response;
}

/* Builds the response to one message from the ROUTER, [identity]
   [delimiter?][request]... (count frames, the first ones in frames), and
   takes the frames: the envelope goes back as it came, the requests are
   closed. Each request frame gets its own answer, in order; a message of
   more than PRECIS_REQUESTS_PER_MESSAGE requests gets one, rejected, and
   none of its requests is handled. A message whose only request frame is
   a msgpack array is a batch frame of requests (respond_batch_frame); an
   array among several request frames is an error of its own frame. */
static response_t *respond(precis_ingest_t *self, zmq_msg_t frames[REQUEST_FRAMES],
                           size_t count)
{
    /* [identity][request]..., or [identity][empty delimiter][request]...
       from a REQ client or a DEALER acting like one (an empty request is
       no request: the empty frame is the delimiter). */
    size_t envelope = 1 + (count > 2 && zmq_msg_size(&frames[1]) == 0);
    size_t requests = count - envelope;
    response_t *response;
    if (requests == 1 &&
        precis_batch_is(zmq_msg_data(&frames[envelope]), zmq_msg_size(&frames[envelope])))
        response = respond_batch_frame(self, &frames[envelope]);
    else if (requests > PRECIS_REQUESTS_PER_MESSAGE) {
        char error[PRECIS_ERROR_SIZE];
        snprintf(error, sizeof error,
                 "a request message carries at most %d requests (frames), got %zu: none "
                 "was taken; send them in several messages",
                 PRECIS_REQUESTS_PER_MESSAGE, requests);
        response = reject_message(self, error);
    } else {
        response = response_new(self, requests);
        for (size_t i = 0; i < requests; i++)
            handle(self, zmq_msg_data(&frames[envelope + i]),
                   zmq_msg_size(&frames[envelope + i]), &response->answers[i].reply,
                   &response->answers[i]);
    }
    size_t kept = count < REQUEST_FRAMES ? count : REQUEST_FRAMES;
    for (size_t i = 0; i < kept; i++) {
        if (i < envelope) {
            zmq_msg_init(&response->envelope[i]);
            zmq_msg_move(&response->envelope[i], &frames[i]);
        }
        zmq_msg_close(&frames[i]);
    }
    response->envelope_count = envelope;
    return response;
}

/* True when a message waits on sock (ZMQ_EVENTS: no system call). */
static bool has_input(zsock_t *sock)
{
    return (zsock_events(sock) & ZMQ_POLLIN) != 0;
}

/* Appends the done records of the first len bytes of dones to the journal
   (their ids are durable) and drops them from dones. */
static void journal_dones(precis_ingest_t *self, size_t len)
{
    if (len == 0)
        return;
    for (size_t at = 0; at < len; at += strlen(self->dones + at) + 1)
        precis_journal_done(self->journal, self->dones + at);
    memmove(self->dones, self->dones + len, self->dones_len - len);
    self->dones_len -= len;
}

/* Keeps the done record of key (len bytes) until its id is durable. */
static void defer_done(precis_ingest_t *self, const char *key, size_t len)
{
    if (self->dones_len + len + 1 > self->dones_max) {
        self->dones_max = 2 * (self->dones_len + len + 1) + 4096;
        self->dones = realloc(self->dones, self->dones_max);
        assert(self->dones);
    }
    memcpy(self->dones + self->dones_len, key, len + 1);
    self->dones_len += len + 1;
}

/* Called by the syncer when a sync of the ids file (commit_journal) has
   finished: the done records it covers go to the journal, to be written
   with the next commit. After a failed sync they wait for the next one. */
static void ids_synced(void *arg, int error)
{
    precis_ingest_t *self = arg;
    self->ids_syncing = false;
    if (!error)
        journal_dones(self, self->dones_syncing);
    self->dones_syncing = 0;
}

/* Whether the ids file is to be synced with the next commit: done records
   wait for it, none of its syncs is in flight, and the last began
   IDS_SYNC_MS ago or more. */
static bool ids_due(precis_ingest_t *self)
{
    return self->dones_len > 0 && !self->ids_syncing &&
           zclock_mono() - self->ids_sync_at >= IDS_SYNC_MS;
}

/* Commits what was appended to the journal since the last commit, and,
   when done records wait for it (ids_due), the ids file: the syncer's
   thread writes the journal's records (the main thread makes no system
   call for them: a write per batch was a quarter of its system calls) and
   syncs. The ids are written out here, before, and the done records
   waiting go to the journal once that sync is done (take_acks). Returns
   0, or an errno when nothing could be committed. */
static int commit_journal(precis_ingest_t *self)
{
    bool ids = ids_due(self) && precis_idwindow_fd(self->ids) >= 0;
    if (ids)
        precis_idwindow_flush(self->ids);
    precis_syncer_file_t files[PRECIS_JOURNAL_TAKE_MAX + 1];
    size_t count = precis_journal_take(self->journal, files);
    if (ids)
        files[count++] = (precis_syncer_file_t){precis_idwindow_fd(self->ids), NULL, 0};
    if (precis_syncer_commit_files(self->syncer, files, count) != 0)
        return errno ? errno : EIO;
    if (ids) {
        self->ids_syncing = true;
        self->ids_sync_at = zclock_mono();
        self->dones_syncing = self->dones_len;
        precis_syncer_hold(self->syncer, ids_synced, self);
    }
    return 0;
}

/* Handles the requests waiting on the frontend, up to a batch. With the
   journal, the batch's records are written out and committed to the
   syncer, and every answer is held until everything committed before it is
   on disk; the batch's articles wait with their answers and are taken
   (ledger, workers) only then, so that "accepted" always means "on disk",
   nothing reaches a worker before it is, and answers keep the order of the
   requests; the loop goes on meanwhile. */
static void serve_batch(precis_ingest_t *self)
{
    response_t *responses[BATCH_MAX];
    size_t count = 0, requests = 0;
    bool taken = false;
    void *frontend = zsock_resolve(self->frontend);
    zmq_msg_t frames[REQUEST_FRAMES];
    size_t frame_count;
    self->frontend_quiet = false; /* until a read finds nothing */
    /* Whether a worker can take articles is asked once a batch (each
       ZMQ_EVENTS costs a poll and a getpid system call); an article that
       finds the workers full after all waits in the ledger. A batch ends
       at BATCH_MAX messages or requests, whichever comes first. */
    while (count < BATCH_MAX && requests < BATCH_MAX) {
        if (!recv_request(frontend, frames, &frame_count)) {
            self->frontend_quiet = true;
            break;
        }
        int64_t start = zclock_usecs();
        if (count == 0)
            self->dispatch_ready = (zsock_events(self->dispatch) & ZMQ_POLLOUT) != 0;
        if (frame_count >= 2) {
            COUNT(self, request_messages);
            response_t *response = respond(self, frames, frame_count);
            for (size_t i = 0; i < response->count; i++)
                taken |= response->answers[i].key != NULL;
            requests += response->count;
            responses[count++] = response;
        } else
            zmq_msg_close(&frames[0]);
        precis_stats_latency(self->stats, zclock_usecs() - start);
    }
    if (count == 0)
        return;
    if (!self->syncer) {
        for (size_t i = 0; i < count; i++)
            release_response(responses[i], 0);
        dispatch_flush(self);
        return;
    }
    /* Done records alone wait for the next commit (or the tick). */
    int error = taken ? commit_journal(self) : 0;
    for (size_t i = 0; i < count; i++) {
        for (size_t k = 0; error && k < responses[i]->count; k++)
            if (responses[i]->answers[k].key)
                responses[i]->answers[k].failed = error;
        precis_syncer_hold(self->syncer, release_response, responses[i]);
    }
    /* Answers the syncer released at once (nothing was left to sync) have
       taken their articles: they go now. */
    dispatch_flush(self);
}

/* Takes the report of a finished journal sync: its answers go out. With
   wait, waits for one; without, takes one only when it has come (no
   ZMQ_EVENTS question first). Returns the sync's error, or -1 when none was
   taken. */
static int take_sync(precis_ingest_t *self, bool wait)
{
    int error = wait ? precis_syncer_handle(self->syncer)
                     : precis_syncer_handle_ready(self->syncer);
    /* The articles of the answers it released go out together. */
    dispatch_flush(self);
    /* Once per burst: a full disk fails every write until space returns,
       and a line each would flood the log (2,834 lines in 3 s in
       bench/chaos's disk-full phase). */
    if (error > 0 && !self->journal_failing++)
        zsys_error("journal: cannot write or sync %s: %s; the articles it held are "
                   "answered busy and dropped (not taken) until it works again",
                   self->config->journal_dir, strerror(error));
    else if (error == 0 && self->journal_failing) {
        zsys_notice("journal: writes and syncs work again after %llu failed",
                    (unsigned long long)self->journal_failing);
        self->journal_failing = 0;
    }
    precis_stats_set(self->stats, self->journal_syncs, precis_syncer_syncs(self->syncer));
    return error;
}

/* Waits for every sync the syncer holds, taking each (their answers go
   out); stops at one that cannot be taken. */
static void take_every_sync(precis_ingest_t *self)
{
    while (self->syncer && precis_syncer_held(self->syncer) > 0 &&
           take_sync(self, true) >= 0)
        ;
}

/* Moves normalized articles on to the summarize workers, as many as they
   can take now, as they came (a batch frame of several goes whole, not
   opened), without copying them (zmq_msg_t), reading until none is
   waiting (ZMQ_DONTWAIT) rather than asking ZMQ_EVENTS before each (a
   poll and a getpid system call each). An article the workers cannot take
   after all is held and goes first next time. Returns false when the
   workers are full, so that the caller stops polling for more. */
static bool forward_normalized(precis_ingest_t *self)
{
    void *from = zsock_resolve(self->normalized), *to = zsock_resolve(self->summarize);
    uint64_t sent = 0;
    self->normalized_quiet = false; /* until a read finds nothing */
    if (self->forward_held) {
        if (zmq_msg_send(&self->held, to, ZMQ_DONTWAIT) == -1)
            return false;
        self->forward_held = false;
        sent += self->held_articles;
    }
    bool more = true;
    for (int read = 0; read < BATCH_MAX; read++) {
        zmq_msg_init(&self->held);
        if (zmq_msg_recv(&self->held, from, ZMQ_DONTWAIT) == -1) {
            zmq_msg_close(&self->held);
            self->normalized_quiet = true;
            break;
        }
        /* Counted in articles: a normalize worker sends batch frames. */
        self->held_articles =
            precis_batch_messages(zmq_msg_data(&self->held), zmq_msg_size(&self->held));
        if (zmq_msg_send(&self->held, to, ZMQ_DONTWAIT) == -1) {
            self->forward_held = true;
            more = false;
            break;
        }
        sent += self->held_articles;
    }
    /* Counted once a batch, as sent (a held article when it goes). */
    precis_stats_add(self->stats, self->forwarded, sent);
    return more;
}

/* Drops delivered articles from the ledger and the journal. Reads until
   none is waiting (ZMQ_DONTWAIT), into a buffer on the stack: asking
   ZMQ_EVENTS before each would cost two system calls an acknowledgement.

   An article's done record must not be durable before its id's record in
   the ids file: else a crash in between forgets the id while the journal
   says the article was delivered, and a client's retry is taken as new
   and published twice. The ids file used to be synced with every group
   commit for that, a second fdatasync each; now a done record whose id
   went to the file waits in dones, outside the journal, until a sync of
   the ids file that began after the id was written has finished
   (ids_synced), and only then is appended to the journal. The ids file
   is synced with a group commit once IDS_SYNC_MS have passed since the
   last (or at the tick), so done records reach the journal up to about
   two ticks later than before. A done record that comes later only
   means that a crash meanwhile sends the article again under its key,
   which the sink drops as a duplicate (as for a done record whose commit
   was under way); the journal's compaction and reset, which drop
   delivered articles' records, sync the ids file first. */
static void take_acks(precis_ingest_t *self)
{
    void *acks = zsock_resolve(self->acks);
    char key[256];
    int size;
    while ((size = zmq_recv(acks, key, sizeof key - 1, ZMQ_DONTWAIT)) != -1) {
        if ((size_t)size > sizeof key - 1)
            continue; /* cut: longer than any key ingest gives */
        key[size] = 0;
        if (precis_ledger_remove(self->ledger, key)) {
            COUNT(self, delivered);
            bool id_written =
                precis_idwindow_delivered(self->ids, key, zclock_time() / 1000);
            if (self->journal && id_written)
                defer_done(self, key, (size_t)size);
            else if (self->journal)
                precis_journal_done(self->journal, key);
        }
    }
}

/* Publishes an error in place of an article that failed every attempt. */
static bool give_up(precis_ingest_t *self, precis_ledger_entry_t *entry)
{
    char error[PRECIS_ERROR_SIZE];
    precis_article_t *article = precis_article_new();
    precis_article_decode(article, entry->data, entry->size, 0, error);
    snprintf(error, sizeof error,
             "no result after %u attempts (the article may crash or stall the workers)",
             entry->attempts);
    precis_result_t *result = precis_result_new_error(article, "ingest", "poison", error);
    size_t size;
    void *data = precis_result_encode(result, &size);
    int rc = zmq_send(zsock_resolve(self->results), data, size, ZMQ_DONTWAIT);
    if (rc != -1 && !entry->gave_up) {
        char shown[PRECIS_PRINTABLE_ID];
        zsys_warning(
            "giving up on %s (%s): %s",
            precis_utf8_printable(shown, sizeof shown, article->id.ptr, article->id.len),
            entry->key, error);
        entry->gave_up = true;
        COUNT(self, given_up);
    }
    free(data);
    precis_result_destroy(&result);
    precis_article_destroy(&article);
    return rc != -1;
}

static bool resend(void *arg, precis_ledger_entry_t *entry)
{
    precis_ingest_t *self = arg;
    if (entry->gave_up || precis_ledger_exhausted(self->ledger, entry))
        return give_up(self, entry);
    if (!precis_ledger_send(self->ledger, entry, zsock_resolve(self->dispatch))) {
        self->deferred |= entry->attempts == 0; /* never sent yet: soon again */
        return false;
    }
    if (entry->attempts > 0) {
        COUNT(self, retried);
        precis_debug("sending %s again (attempt %u)", entry->key, entry->attempts + 1);
    }
    return true;
}

/* Walks the live articles for journal compaction: the ledger, then the
   articles pending (their records are in the journal, not yet synced, and
   must be in the new file too). */
typedef struct {
    precis_ingest_t *self;
    int stage;        /* 0: not started, 1: in the ledger, 2: in pending */
    answer_t *answer; /* the next pending one, in stage 2 */
} live_cursor_t;

static int next_live(void *arg, const char **key, const void **data, size_t *size)
{
    live_cursor_t *cursor = arg;
    precis_ingest_t *self = cursor->self;
    if (cursor->stage < 2) {
        precis_ledger_entry_t *entry = cursor->stage ? precis_ledger_next(self->ledger)
                                                     : precis_ledger_first(self->ledger);
        cursor->stage = 1;
        if (entry) {
            *key = entry->key;
            *data = entry->data;
            *size = entry->size;
            return 0;
        }
    }
    if (cursor->stage == 1)
        cursor->answer = self->pending_first;
    cursor->stage = 2;
    answer_t *answer = cursor->answer;
    if (!answer)
        return -1;
    cursor->answer = answer->next;
    *key = answer->key;
    *data = answer->data;
    *size = answer->size;
    return 0;
}

/* Called by the syncer when a compaction step's sync is done. */
static void compaction_synced(void *arg, int error)
{
    precis_ingest_t *self = arg;
    self->compaction_synced = true;
    self->compaction_error = error;
}

/* Has the syncer sync fd for the compaction step under way; with ids, the
   ids file too: the new file lacks the records of articles delivered
   whose done records wait for their ids (take_acks), so those ids must be
   durable before it is renamed into place. */
static void sync_compaction_step(precis_ingest_t *self, int fd, bool ids)
{
    self->compaction_synced = false;
    int fds[2] = {fd, precis_idwindow_fd(self->ids)};
    size_t count = ids && fds[1] >= 0 && precis_idwindow_flush(self->ids) == 0 ? 2 : 1;
    if (fd < 0) /* no directory to sync: the rename is as durable as it gets */
        compaction_synced(self, 0);
    else if (precis_syncer_commit_many(self->syncer, fds, count) != 0)
        compaction_synced(self, errno ? errno : EIO);
    else
        precis_syncer_hold(self->syncer, compaction_synced, self);
}

/* Rewrites the journal when it is mostly dead records, one step per tick
   and never waiting for the disk: the live articles go to a new file;
   once that is synced it is renamed into place; once the directory is
   synced the old file is dropped. Until then every record goes to both
   files (and both are synced before an answer), so the file at the
   journal's path holds every accepted article whatever the step. */
static void compact(precis_ingest_t *self)
{
    if (self->compaction == COMPACT_IDLE) {
        size_t live = precis_ledger_size(self->ledger) + self->pending_count;
        if (zclock_mono() < self->compact_after)
            return;
        if (!precis_journal_wants_compaction(self->journal, live,
                                             precis_ledger_bytes(self->ledger) +
                                                 self->pending_bytes)) {
            self->journal_full = false;
            return;
        }
        /* Nothing live: every record is dead, the file is emptied in place,
           which works on a full disk too (a rewrite needs room). The ids
           of the articles whose done records go with it are made durable
           first (the only sync in the loop's thread: rare and short). */
        if (live == 0) {
            /* Not while the syncer's thread may be writing to the file. */
            if (!precis_syncer_idle(self->syncer))
                return;
            if (precis_idwindow_flush(self->ids) == 0 &&
                precis_idwindow_fd(self->ids) >= 0)
                fdatasync(precis_idwindow_fd(self->ids));
            if (precis_journal_reset(self->journal) != 0)
                self->compact_after = zclock_mono() + COMPACT_RETRY_MS;
            else {
                COUNT(self, journal_compactions);
                if (self->journal_full)
                    zsys_notice("journal: emptied in place on a full disk; taking "
                                "articles again");
                self->journal_full = false;
            }
            return;
        }
        live_cursor_t cursor = {self, 0, NULL};
        if (precis_journal_compact_begin(self->journal, next_live, &cursor) != 0) {
            /* A full disk: tried again later, not every tick. A journal
               that filled the disk itself gets no room back by a rewrite,
               only by being emptied in place once nothing in it is live;
               articles taken meanwhile (each failing to be written, as
               the disk is full) would keep it live for ever while clients
               retry, so none is taken until then. */
            if (!self->journal_full)
                zsys_warning("journal: no room to rewrite it; taking no articles until "
                             "the %zu in it are delivered and it is emptied in place",
                             live);
            self->journal_full = true;
            self->compact_after = zclock_mono() + COMPACT_RETRY_MS;
            return;
        }
        self->journal_full = false;
        COUNT(self, journal_compactions);
        self->compaction = COMPACT_WRITTEN;
        sync_compaction_step(self, precis_journal_compact_fd(self->journal), true);
    } else if (!self->compaction_synced)
        return;
    else if (self->compaction == COMPACT_WRITTEN) {
        if (self->compaction_error)
            zsys_error("journal: compaction given up, the new file cannot be synced: %s",
                       strerror(self->compaction_error));
        if (self->compaction_error || precis_journal_compact_rename(self->journal) != 0) {
            precis_journal_compact_end(self->journal);
            self->compaction = COMPACT_IDLE;
            return;
        }
        self->compaction = COMPACT_RENAMED;
        sync_compaction_step(self, precis_journal_dir_fd(self->journal), false);
    } else {
        if (self->compaction_error)
            zsys_warning("journal: cannot sync the directory %s after compaction: %s",
                         self->config->journal_dir, strerror(self->compaction_error));
        precis_journal_compact_end(self->journal);
        self->compaction = COMPACT_IDLE;
    }
}

static void maintain(precis_ingest_t *self)
{
    precis_stats_set(self->stats, self->in_flight, precis_ledger_size(self->ledger));
    self->deferred |= precis_ledger_resend_due(
        self->ledger, zclock_mono(), zsock_resolve(self->dispatch), resend, self);
    precis_idwindow_maintain(self->ids, zclock_time() / 1000);
    precis_stats_set(self->stats, self->dedup_ids, precis_idwindow_size(self->ids));
    if (self->journal) {
        /* Done records (and ids) also reach the file when no request comes. */
        if (precis_journal_dirty(self->journal) || ids_due(self))
            commit_journal(self);
        compact(self);
    }
}

int precis_ingest_run(precis_ingest_t *self)
{
    char forward[600] = "normalized articles: not forwarded (--no-forward: precis-relay)";
    if (!self->config->no_forward)
        snprintf(forward, sizeof forward, "summarize workers on %s (from %s)",
                 self->config->summarize_endpoint, self->config->normalized_endpoint);
    zsys_info("ingest ready: clients on %s, normalize workers on %s, %s, "
              "acknowledgements on %s%s%s",
              self->config->ingest_endpoint, self->config->normalize_endpoint, forward,
              self->config->acks_endpoint, self->journal ? ", journal in " : "",
              self->journal ? self->config->journal_dir : "");
    /* The waiter only waits; the loop then serves every ready socket. */
    precis_waiter_t *waiter = precis_waiter_new();
    zsock_t *syncer = self->syncer ? precis_syncer_socket(self->syncer) : NULL;
    int syncer_at = syncer ? precis_waiter_add(waiter, syncer) : -1;
    int frontend_at = precis_waiter_add(waiter, self->frontend);
    int acks_at = precis_waiter_add(waiter, self->acks);
    /* false while the summarize workers are full, and with --no-forward */
    bool forwarding = self->normalized != NULL;
    int normalized_at = forwarding ? precis_waiter_add(waiter, self->normalized) : -1;
    zsock_t *control = precis_control_socket(self->control);
    int control_at = control ? precis_waiter_add(waiter, control) : -1;
    assert(frontend_at >= 0 && acks_at >= 0 && (!syncer || syncer_at >= 0) &&
           (!forwarding || normalized_at >= 0) && (!control || control_at >= 0));
    int64_t next_tick = zclock_mono() + TICK_MS, drain_until = 0;
    while (true) {
        if (zsys_interrupted && !drain_until) {
            /* Stop taking articles; wait for those in flight to be delivered. */
            precis_waiter_enable(waiter, frontend_at, false);
            drain_until = zclock_mono() + (int64_t)(self->config->drain * 1000);
            zsys_info("draining %zu articles in flight",
                      precis_ledger_size(self->ledger));
        }
        if (drain_until &&
            ((precis_ledger_size(self->ledger) == 0 && self->pending_count == 0) ||
             zclock_mono() >= drain_until))
            break;
        int64_t wait = next_tick - zclock_mono();
        /* Taken articles that no worker could take at once go out as soon
           as one can, not at the next tick. */
        if (self->deferred && wait > 1)
            wait = 1;
        /* SIGTERM ends the wait (EINTR): ingest drains before it exits. */
        precis_waiter_wait(waiter, wait > 0 ? (int)wait : 0);
        if (self->deferred && (zsock_events(self->dispatch) & ZMQ_POLLOUT)) {
            self->deferred = false;
            self->deferred |= precis_ledger_resend_due(
                self->ledger, zclock_mono(), zsock_resolve(self->dispatch), resend, self);
        }
        /* Every ready socket gets its turn here, so that a flood of
           requests cannot starve acknowledgements or the forwarding of
           normalized articles, and sync reports go first. A socket is
           read only when it is ready (its descriptor signalled, or the
           last call on it was not a read that found nothing): asking the
           others costs libzmq two system calls each (precis_waiter.h). */
        if (syncer && precis_waiter_ready(waiter, syncer_at)) {
            while (take_sync(self, false) >= 0)
                if (self->compaction != COMPACT_IDLE && self->compaction_synced)
                    /* A compaction's next step starts once its sync is
                       done, not at the next tick: while it runs every
                       record goes to two files. */
                    compact(self);
            /* With a sync in flight the last take read nothing; without,
               none was tried: ZMQ_EVENTS takes the socket's commands (and
               leaves the report pipe waiting for a signal). */
            if (!precis_syncer_in_flight(self->syncer))
                zsock_events(syncer);
            precis_waiter_set_ready(waiter, syncer_at, false);
        }
        /* Each reads until its socket has nothing waiting, or a batch. The
           frontend also when answers went out on it just now. */
        if (precis_waiter_ready(waiter, frontend_at))
            self->frontend_quiet = false;
        if (!drain_until && !self->frontend_quiet)
            serve_batch(self);
        if (precis_waiter_ready(waiter, acks_at)) {
            take_acks(self);
            precis_waiter_set_ready(waiter, acks_at, false);
        }
        if (forwarding && precis_waiter_ready(waiter, normalized_at) &&
            !forward_normalized(self)) {
            precis_waiter_enable(waiter, normalized_at, false);
            forwarding = false;
        }
        if (control && precis_waiter_ready(waiter, control_at)) {
            while (has_input(control))
                precis_control_handle(self->control);
            precis_waiter_set_ready(waiter, control_at, false);
        }
        /* Sends on the frontend (answers) come after its reads too. */
        precis_waiter_set_ready(waiter, frontend_at, !self->frontend_quiet);
        if (forwarding)
            precis_waiter_set_ready(waiter, normalized_at, !self->normalized_quiet);
        if (zclock_mono() >= next_tick) {
            if (!forwarding && self->summarize &&
                (zsock_events(self->summarize) & ZMQ_POLLOUT) &&
                forward_normalized(self)) {
                precis_waiter_enable(waiter, normalized_at, true);
                forwarding = true;
            }
            maintain(self);
            /* Every socket is read once a tick whatever its descriptor
               said: a read that failed for another reason than EAGAIN
               cannot leave a message waiting longer than that. */
            precis_waiter_set_all_ready(waiter);
            next_tick = zclock_mono() + TICK_MS;
        }
    }
    precis_waiter_destroy(&waiter);
    /* The answers still held go out once the last sync is done. */
    take_every_sync(self);
    zsys_info("ingest stopping: %llu accepted, %llu delivered, %llu rejected, %llu busy, "
              "%llu retried, %llu given up, %zu still in flight%s",
              (unsigned long long)COUNTED(self, accepted),
              (unsigned long long)COUNTED(self, delivered),
              (unsigned long long)COUNTED(self, rejected),
              (unsigned long long)COUNTED(self, busy),
              (unsigned long long)COUNTED(self, retried),
              (unsigned long long)COUNTED(self, given_up),
              precis_ledger_size(self->ledger),
              self->journal ? " (kept in the journal)" : " (lost: no journal)");
    return 0;
}

static void recover_none(void *arg, const char *key, const void *data, size_t size)
{
}

/* Decodes a reply for the test; returns the status, fills error. */
static bool reply_duplicate; /* of the last reply decoded */

static bool reply_utf8; /* every string value of the last reply read was UTF-8 */

static char *reply_status(const void *data, size_t size, char *error)
{
    msgpack_unpacked unpacked;
    msgpack_unpacked_init(&unpacked);
    char *status = NULL;
    error[0] = 0;
    reply_duplicate = false;
    reply_utf8 = true;
    if (precis_mp_unpack(&unpacked, data, size, 4)) {
        /* Every string of a reply is UTF-8, whatever the request was. */
        for (uint32_t i = 0;
             unpacked.data.type == MSGPACK_OBJECT_MAP && i < unpacked.data.via.map.size;
             i++) {
            const msgpack_object *value = &unpacked.data.via.map.ptr[i].val;
            if (value->type == MSGPACK_OBJECT_STR &&
                !precis_utf8_valid(value->via.str.ptr, value->via.str.size))
                reply_utf8 = false;
        }
        const msgpack_object *duplicate = precis_mp_lookup(&unpacked.data, "duplicate");
        reply_duplicate = duplicate && duplicate->type == MSGPACK_OBJECT_BOOLEAN &&
                          duplicate->via.boolean;
        const msgpack_object *value = precis_mp_lookup(&unpacked.data, "status");
        if (value && value->type == MSGPACK_OBJECT_STR)
            status = strndup(value->via.str.ptr, value->via.str.size);
        value = precis_mp_lookup(&unpacked.data, "error");
        if (value && value->type == MSGPACK_OBJECT_STR)
            snprintf(error, PRECIS_ERROR_SIZE, "%.*s", (int)value->via.str.size,
                     value->via.str.ptr);
    }
    msgpack_unpacked_destroy(&unpacked);
    return status;
}

static int expect_status(precis_ingest_t *self, const void *request, size_t size,
                         const char *expected, const char *reason_part)
{
    char error[PRECIS_ERROR_SIZE];
    size_t reply_size;
    void *reply = precis_ingest_handle(self, request, size, &reply_size);
    char *status = reply_status(reply, reply_size, error);
    int failed = !status || strcmp(status, expected) != 0 ||
                 (reason_part && !strstr(error, reason_part)) || !reply_utf8;
    if (failed)
        fprintf(stderr, "ingest test: expected %s (%s), got %s (%s)%s\n", expected,
                reason_part ? reason_part : "", status, error,
                reply_utf8 ? "" : ", with a string that is not UTF-8");
    free(status);
    free(reply);
    return failed;
}

/* The journal's sync in the test: waits for a byte on the gate, then
   syncs ('s') or fails with EIO ('f'). The ids file (test_ids_inode),
   synced now and then (IDS_SYNC_MS), passes without one; test_ids_syncs
   counts its syncs. */
static int test_gate = -1;
static ino_t test_ids_inode;
static int test_ids_syncs;

static int gated_sync(int fd)
{
    struct stat file;
    if (test_ids_inode && fstat(fd, &file) == 0 && file.st_ino == test_ids_inode) {
        __atomic_add_fetch(&test_ids_syncs, 1, __ATOMIC_SEQ_CST);
        return fdatasync(fd);
    }
    char byte;
    if (read(test_gate, &byte, 1) != 1 || byte == 'f') {
        errno = EIO;
        return -1;
    }
    return fdatasync(fd);
}

/* Opens the test's gate: gated_sync reads gate[0], the test lets each
   sync through by writing to gate[1] (gate_sync). */
static bool gate_open(int gate[2])
{
    if (pipe(gate) != 0)
        return false;
    test_gate = gate[0];
    return true;
}

static void gate_close(int gate[2])
{
    test_gate = -1;
    close(gate[0]);
    close(gate[1]);
}

/* Waits up to timeout ms for socket to be readable. */
static bool readable(zsock_t *socket, int timeout)
{
    zpoller_t *poller = zpoller_new(socket, NULL);
    bool ready = zpoller_wait(poller, timeout) == socket;
    zpoller_destroy(&poller);
    return ready;
}

/* Sends request from client and has ingest serve it. */
static void push_one(precis_ingest_t *self, zsock_t *client, const char *request,
                     size_t size)
{
    zmq_send(zsock_resolve(client), request, size, 0);
    readable(self->frontend, 1000);
    serve_batch(self);
}

/* The answer waiting at client: its status, or NULL (then error is empty). */
static char *answer_status(zsock_t *client, int timeout, char *error)
{
    error[0] = 0;
    if (!readable(client, timeout))
        return NULL;
    zframe_t *frame = zframe_recv(client);
    char *status =
        frame ? reply_status(zframe_data(frame), zframe_size(frame), error) : NULL;
    zframe_destroy(&frame);
    return status;
}

/* inproc endpoints for a test's ingest, named PREFIX and PREFIX-STAGE (the prefix
   cut at 48 bytes, so that every name fits its buffer). */
typedef struct {
    char ingest[64], normalize[80], normalized[80], summarize[80], acks[80], results[80];
} test_endpoints_t;

static void test_endpoints(precis_config_t *config, test_endpoints_t *ends,
                           const char *prefix)
{
    snprintf(ends->ingest, sizeof ends->ingest, "inproc://%.48s", prefix);
    snprintf(ends->normalize, sizeof ends->normalize, "inproc://%.48s-normalize", prefix);
    snprintf(ends->normalized, sizeof ends->normalized, "inproc://%.48s-normalized",
             prefix);
    snprintf(ends->summarize, sizeof ends->summarize, "inproc://%.48s-summarize", prefix);
    snprintf(ends->acks, sizeof ends->acks, "inproc://%.48s-acks", prefix);
    snprintf(ends->results, sizeof ends->results, "inproc://%.48s-results", prefix);
    config->ingest_endpoint = ends->ingest;
    config->normalize_endpoint = ends->normalize;
    config->normalized_endpoint = ends->normalized;
    config->summarize_endpoint = ends->summarize;
    config->acks_endpoint = ends->acks;
    config->results_endpoint = ends->results;
}
/* The answer waiting at client is status (with "duplicate": true when
   duplicate) and its error holds reason_part; else a message about what. */
static int expect_answer(zsock_t *client, const char *status_expected, bool duplicate,
                         const char *reason_part, const char *what)
{
    char error[PRECIS_ERROR_SIZE];
    char *status = answer_status(client, 1000, error);
    int failed = !status || !streq(status, status_expected) ||
                 reply_duplicate != duplicate ||
                 (reason_part && !strstr(error, reason_part));
    if (failed)
        fprintf(stderr, "ingest test: %s: answered %s%s (%s), expected %s%s\n", what,
                status, reply_duplicate ? " (duplicate)" : "", error, status_expected,
                duplicate ? " (duplicate)" : "");
    free(status);
    return failed;
}

/* The key of the article waiting at the worker, or NULL after timeout ms. */
static char *worker_key(zsock_t *worker, int timeout)
{
    if (!readable(worker, timeout))
        return NULL;
    char error[PRECIS_ERROR_SIZE];
    zframe_t *frame = zframe_recv(worker);
    precis_article_t *article = precis_article_new();
    char *key = NULL;
    if (frame &&
        precis_article_decode(article, zframe_data(frame), zframe_size(frame), 0,
                              error) == 0 &&
        article->key.ptr)
        key = strdup(article->key.ptr);
    precis_article_destroy(&article);
    zframe_destroy(&frame);
    return key;
}

/* Opens the gate of the test's sync ('s': sync, 'f': fail) for the
   journal, and takes the report; returns the sync's error. */
static int gate_sync(precis_ingest_t *self, int gate, const char *byte)
{
    if (write(gate, byte, 1) != 1)
        return -2;
    return take_sync(self, true);
}

/* The inode of the file behind fd, to tell the ids file in gated_sync. */
static ino_t inode_of(int fd)
{
    struct stat file;
    return fd >= 0 && fstat(fd, &file) == 0 ? file.st_ino : 0;
}

#define CHECK(cond, ...)                                                                 \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            fprintf(stderr, "ingest test: " __VA_ARGS__);                                \
            fprintf(stderr, "\n");                                                       \
            failures++;                                                                  \
        }                                                                                \
    } while (0)

/* Requests {"id": ID, "text": "Hello"} for two-character ids. */
#define REQUEST(id)  ("\x82\xa2id\xa2" id "\xa4text\xa5Hello")
#define REQUEST_SIZE (sizeof REQUEST("j1") - 1)

/* The journal tests' ingest configuration: base with inproc endpoints
   named prefix, the journal in dir, 1 MiB and 10 articles in flight. */
static void journal_test_config(precis_config_t *config, const precis_config_t *base,
                                test_endpoints_t *ends, const char *prefix,
                                const char *dir)
{
    *config = *base;
    test_endpoints(config, ends, prefix);
    config->journal_dir = dir;
    config->max_bytes = 1 << 20;
    config->max_inflight = 10;
}

/* The ingest's syncs wait for the test's gate (gated_sync), and its ids
   file is the one gated_sync lets through. */
static void gate_syncs(precis_ingest_t *self)
{
    precis_syncer_set_sync_fn(self->syncer, gated_sync);
    test_ids_inode = inode_of(precis_idwindow_fd(self->ids));
}

/* A socket of the given type connected to endpoint: a test's stand-in
   for a client, a worker or the sink. */
static zsock_t *test_peer(int type, const char *endpoint)
{
    char spec[96];
    snprintf(spec, sizeof spec, ">%s", endpoint);
    zsock_t *sock = zsock_new(type);
    if (sock && zsock_attach(sock, spec, false) != 0) {
        fprintf(stderr, "ingest test: cannot connect to %s\n", endpoint);
        zsock_destroy(&sock);
    }
    return sock;
}

/* With the journal: nothing reaches a worker before its record is synced,
   and then the answer goes out; a failed sync or write is "busy" and
   nothing is kept or sent; a client id in flight or delivered is answered
   "accepted", "duplicate", also after a restart; an article given up
   (poison) stays until the sink acknowledges its error. */
static int journal_test(const precis_config_t *base)
{
    int failures = 0;
    char dir[] = "/tmp/precis-ingest-test-XXXXXX";
    int gate[2];
    if (!mkdtemp(dir) || !gate_open(gate))
        return 1;
    precis_config_t config;
    test_endpoints_t ends;
    journal_test_config(&config, base, &ends, "ingest-journal-test", dir);
    config.max_attempts = 1;
    precis_ingest_t *self = precis_ingest_new(&config);
    assert(self && self->syncer);
    gate_syncs(self);
    zsock_t *worker = test_peer(ZMQ_PULL, ends.normalize);
    zsock_t *client = test_peer(ZMQ_DEALER, ends.ingest);
    zsock_t *sink = test_peer(ZMQ_PUSH, ends.acks);
    zsock_t *results = zsock_new_pull("@inproc://ingest-journal-test-results");
    zclock_sleep(50);
    char error[PRECIS_ERROR_SIZE];

    /* Before the sync: nothing at the worker, no answer, nothing in the
       ledger; after it, both. */
    push_one(self, client, REQUEST("j1"), REQUEST_SIZE);
    CHECK(!readable(worker, 100), "an article reached a worker before its journal sync");
    char *status = answer_status(client, 50, error);
    CHECK(!status && precis_syncer_held(self->syncer) == 1 &&
              precis_ledger_size(self->ledger) == 0,
          "answered %s, or took the article, before the journal sync", status);
    free(status);
    CHECK(gate_sync(self, gate[1], "s") == 0, "the journal sync failed");
    char *key1 = worker_key(worker, 1000);
    CHECK(key1, "the article did not reach the worker after the sync");
    failures += expect_answer(client, "accepted", false, NULL, "after the sync");
    CHECK(COUNTED(self, accepted) == 1 && precis_ledger_size(self->ledger) == 1,
          "after the sync, %llu accepted", (unsigned long long)COUNTED(self, accepted));

    /* The same id while in flight: accepted, duplicate, nothing sent again. */
    push_one(self, client, REQUEST("j1"), REQUEST_SIZE);
    failures += expect_answer(client, "accepted", true, NULL, "an id in flight again");
    CHECK(!readable(worker, 100) && precis_ledger_size(self->ledger) == 1 &&
              COUNTED(self, duplicates) == 1 && COUNTED(self, accepted) == 1,
          "a duplicate was taken again");

    /* The same id with another text: a different article, not a retry:
       rejected with the reason, not taken, counted on its own. */
    push_one(self, client, "\x82\xa2id\xa2j1\xa4text\xa5Howdy", REQUEST_SIZE);
    failures += expect_answer(client, "rejected", false,
                              "id j1 was used for a different article within the dedup "
                              "window (",
                              "an id in flight with another text");
    CHECK(!readable(worker, 100) && precis_ledger_size(self->ledger) == 1 &&
              COUNTED(self, id_reused) == 1 && COUNTED(self, duplicates) == 1 &&
              COUNTED(self, rejected) == 0,
          "a reused id was taken, or not counted as id_reused");

    /* A failed sync: busy, nothing kept, nothing sent; a second copy of the
       id in the same batch is busy too; sent again, the id is new. */
    zmq_send(zsock_resolve(client), REQUEST("j2"), REQUEST_SIZE, 0);
    zmq_send(zsock_resolve(client), REQUEST("j2"), REQUEST_SIZE, 0);
    for (int i = 0; i < 20 && precis_syncer_held(self->syncer) < 2; i++) {
        readable(self->frontend, 100);
        serve_batch(self);
    }
    /* A compaction now must keep both the article in the ledger and the
       one pending its sync (the duplicate behind it has no record). */
    live_cursor_t cursor = {self, 0, NULL};
    const char *live_key;
    const void *live_data;
    size_t live_size;
    int live = 0, live_j1 = 0;
    while (next_live(&cursor, &live_key, &live_data, &live_size) == 0) {
        live++;
        live_j1 += key1 && streq(live_key, key1);
    }
    CHECK(live == 2 && live_j1 == 1,
          "compaction would keep %d articles (%d of them j1), not j1 and the pending j2",
          live, live_j1);
    CHECK(gate_sync(self, gate[1], "f") == EIO, "a failed journal sync was not reported");
    failures +=
        expect_answer(client, "busy", false, "journal could not be", "failed sync");
    failures += expect_answer(client, "busy", false, "first request with this id",
                              "a copy behind a failed sync");
    CHECK(!readable(worker, 100) && precis_ledger_size(self->ledger) == 1 &&
              COUNTED(self, accepted) == 1 && COUNTED(self, journal_failed) == 1,
          "after a failed sync: %zu in the ledger, %llu accepted",
          precis_ledger_size(self->ledger), (unsigned long long)COUNTED(self, accepted));
    push_one(self, client, REQUEST("j2"), REQUEST_SIZE);
    CHECK(gate_sync(self, gate[1], "s") == 0, "the sync after a failed one failed");
    failures +=
        expect_answer(client, "accepted", false, NULL, "an id sent again after busy");
    char *key2 = worker_key(worker, 1000);
    CHECK(key2, "the article sent again did not reach the worker");

    /* A full disk (the file size limit stands in for it) fails the syncer's
       write of the batch's only article: the request's syncs are skipped,
       its report carries the error, the article is "busy", not taken.
       Once there is room again the next article is accepted. */
    enum { BIG = 10000 };
    char *big = malloc(BIG + 32);
    assert(big);
    size_t big_len =
        (size_t)sprintf(big, "\x82\xa2id\xa2j3\xa4text\xda%c%c", BIG >> 8, BIG & 0xff);
    memset(big + big_len, 'x', BIG);
    struct rlimit saved, limit;
    getrlimit(RLIMIT_FSIZE, &saved);
    limit = saved;
    limit.rlim_cur = (rlim_t)precis_journal_size(self->journal) + 20;
    void (*saved_handler)(int) = signal(SIGXFSZ, SIG_IGN);
    setrlimit(RLIMIT_FSIZE, &limit);
    push_one(self, client, big, big_len + BIG);
    CHECK(take_sync(self, true) == EFBIG, "a failed write was not reported");
    setrlimit(RLIMIT_FSIZE, &saved);
    signal(SIGXFSZ, saved_handler);
    free(big);
    failures +=
        expect_answer(client, "busy", false, "journal could not be", "a failed write");
    CHECK(!readable(worker, 100) && precis_ledger_size(self->ledger) == 2,
          "an article whose write failed was taken");
    push_one(self, client, REQUEST("j4"), REQUEST_SIZE);
    CHECK(gate_sync(self, gate[1], "s") == 0, "the sync after a failed write failed");
    failures += expect_answer(client, "accepted", false, NULL, "room again");
    char *key4 = worker_key(worker, 1000);

    /* Delivered: the id stays known. Its done record waits outside the
       journal until a sync of the ids file (after the id was written) has
       finished, then goes to the journal for the next commit. */
    zstr_send(sink, key1);
    readable(self->acks, 1000);
    take_acks(self);
    CHECK(self->dones_len > 0 && !precis_journal_dirty(self->journal),
          "a done record went to the journal before its id was synced");
    self->ids_sync_at = zclock_mono() - IDS_SYNC_MS;
    int ids_syncs = test_ids_syncs;
    CHECK(commit_journal(self) == 0 && self->ids_syncing, "the ids were not committed");
    CHECK(gate_sync(self, gate[1], "s") == 0, "the sync of the ids failed");
    CHECK(test_ids_syncs == ids_syncs + 1 && self->dones_len == 0 &&
              precis_journal_dirty(self->journal),
          "after the ids' sync (%d ids syncs, %zu bytes of done records waiting), "
          "the done record is not in the journal",
          test_ids_syncs - ids_syncs, self->dones_len);
    push_one(self, client, REQUEST("j1"), REQUEST_SIZE);
    failures += expect_answer(client, "accepted", true, NULL, "a delivered id again");
    CHECK(COUNTED(self, delivered) == 1 && precis_ledger_size(self->ledger) == 2,
          "the acknowledged article stayed");

    /* Poison: with every attempt used, an error is published in place of
       j2 and j4, which stay in the ledger (and the journal) until the sink
       acknowledges it. */
    precis_ledger_resend_due(self->ledger, zclock_mono() + 3600000,
                             zsock_resolve(self->dispatch), resend, self);
    int errors = 0;
    while (readable(results, 100)) {
        zframe_t *frame = zframe_recv(results);
        errors += frame && zframe_size(frame) > 0;
        zframe_destroy(&frame);
    }
    CHECK(errors == 2 && COUNTED(self, given_up) == 2 &&
              precis_ledger_size(self->ledger) == 2,
          "poison: %d errors published, %zu kept", errors,
          precis_ledger_size(self->ledger));
    precis_journal_sync(self->journal);
    zsock_destroy(&client);
    zsock_destroy(&worker);
    zsock_destroy(&sink);
    precis_ingest_destroy(&self);

    /* Across a restart: j2 and j4 come back (in flight again), j1 is known
       as delivered; all three are duplicates; j3 (busy) is new. The new
       ingest binds other inproc names: the old ones are released by
       ZeroMQ's reaper thread, later when the machine is busy ("Address
       already in use"). Results still go to the test's socket. */
    test_endpoints_t restarted;
    test_endpoints(&config, &restarted, "ingest-journal-test-restarted");
    config.results_endpoint = ends.results;
    self = precis_ingest_new(&config);
    if (!self) {
        fprintf(stderr, "ingest test: the restarted ingest could not start\n");
        zsock_destroy(&results);
        return failures + 1;
    }
    gate_syncs(self);
    /* inproc peers of the ingest that went do not reconnect: new ones. */
    worker = test_peer(ZMQ_PULL, restarted.normalize);
    client = test_peer(ZMQ_DEALER, restarted.ingest);
    sink = test_peer(ZMQ_PUSH, restarted.acks);
    zclock_sleep(50);
    CHECK(precis_ledger_size(self->ledger) == 2, "%zu articles recovered, not 2",
          precis_ledger_size(self->ledger));
    push_one(self, client, REQUEST("j1"), REQUEST_SIZE);
    failures +=
        expect_answer(client, "accepted", true, NULL, "delivered, after a restart");
    push_one(self, client, REQUEST("j2"), REQUEST_SIZE);
    failures +=
        expect_answer(client, "accepted", true, NULL, "in flight, after a restart");
    push_one(self, client, REQUEST("j3"), REQUEST_SIZE);
    CHECK(gate_sync(self, gate[1], "s") == 0, "the sync after the restart failed");
    failures +=
        expect_answer(client, "accepted", false, NULL, "busy before, after a restart");
    CHECK(COUNTED(self, duplicates) == 2 && COUNTED(self, accepted) == 1,
          "after a restart, %llu duplicates, %llu accepted",
          (unsigned long long)COUNTED(self, duplicates),
          (unsigned long long)COUNTED(self, accepted));
    /* The poison error acknowledged: j2 goes. */
    zstr_send(sink, key2);
    readable(self->acks, 1000);
    take_acks(self);
    CHECK(precis_ledger_size(self->ledger) == 2,
          "%zu in the ledger after the error's ack", precis_ledger_size(self->ledger));
    zsock_destroy(&client);
    zsock_destroy(&worker);
    zsock_destroy(&sink);
    zsock_destroy(&results);
    precis_ingest_destroy(&self);

    /* In the journal: j4 and j3; not j1 and j2 (acknowledged), nor the
       articles answered busy. */
    precis_journal_t *journal = precis_journal_new(dir);
    long recovered = journal ? precis_journal_recover(journal, recover_none, NULL) : -1;
    CHECK(recovered == 2, "%ld articles in the journal, not 2", recovered);
    precis_journal_destroy(&journal);
    free(key1);
    free(key2);
    free(key4);
    char *path = zsys_sprintf("%s/journal", dir);
    unlink(path);
    zstr_free(&path);
    path = zsys_sprintf("%s/ids", dir);
    unlink(path);
    zstr_free(&path);
    rmdir(dir);
    gate_close(gate);
    return failures;
}

/* The journal's rewrite syncs the ids file with the new file: the new
   file lacks the delivered articles whose done records still wait for
   their ids (take_acks), so those ids must be durable before it is put in
   place. Three articles of 400 KB are delivered (their done records
   waiting, the ids not due), a small one stays live: the rewrite's first
   sync covers the ids file too. */
static int compaction_ids_test(const precis_config_t *base)
{
    int failures = 0;
    char dir[] = "/tmp/precis-ingest-compact-test-XXXXXX";
    int gate[2];
    if (!mkdtemp(dir) || !gate_open(gate))
        return 1;
    precis_config_t config;
    test_endpoints_t ends;
    journal_test_config(&config, base, &ends, "ingest-compact-test", dir);
    precis_ingest_t *self = precis_ingest_new(&config);
    assert(self && self->syncer);
    gate_syncs(self);
    /* Three articles of 400 KB dead are worth a rewrite with the least
       floor, whatever room the disk has. */
    precis_journal_set_compact_floor_max(self->journal, PRECIS_JOURNAL_COMPACT_FLOOR);
    zsock_t *worker = test_peer(ZMQ_PULL, ends.normalize);
    zsock_t *client = test_peer(ZMQ_DEALER, ends.ingest);
    zsock_t *sink = test_peer(ZMQ_PUSH, ends.acks);
    zclock_sleep(50);
    enum { BIG = 400000 };
    char *big = malloc(BIG + 32);
    assert(big);
    char *keys[4] = {NULL};
    for (int i = 0; i < 4; i++) {
        unsigned size = i < 3 ? BIG : 1000; /* the live one is small */
        size_t len = (size_t)sprintf(big,
                                     "\x82\xa2id\xa2"
                                     "c%d\xa4text\xdb%c%c%c%c",
                                     i, (size >> 24) & 0xff, (size >> 16) & 0xff,
                                     (size >> 8) & 0xff, size & 0xff);
        memset(big + len, 'x', size);
        push_one(self, client, big, len + size);
        CHECK(gate_sync(self, gate[1], "s") == 0, "the sync of article %d failed", i);
        failures += expect_answer(client, "accepted", false, NULL, "a big article");
        keys[i] = worker_key(worker, 1000);
        CHECK(keys[i], "big article %d did not reach the worker", i);
    }
    free(big);
    /* The ids are not due: only the rewrite syncs them. */
    self->ids_sync_at = zclock_mono() + 3600000;
    for (int i = 0; i < 3 && keys[i]; i++)
        zstr_send(sink, keys[i]);
    for (int i = 0; i < 20 && COUNTED(self, delivered) < 3; i++) {
        readable(self->acks, 100);
        take_acks(self);
    }
    CHECK(COUNTED(self, delivered) == 3 && self->dones_len > 0,
          "%llu delivered, %zu bytes of done records waiting",
          (unsigned long long)COUNTED(self, delivered), self->dones_len);
    int ids_syncs = test_ids_syncs;
    compact(self);
    CHECK(self->compaction == COMPACT_WRITTEN, "the journal was not rewritten");
    CHECK(gate_sync(self, gate[1], "s") == 0 && self->compaction_synced &&
              test_ids_syncs == ids_syncs + 1,
          "the rewrite's first sync: %d syncs of the ids file, not 1",
          test_ids_syncs - ids_syncs);
    /* The rename and the directory's sync, then the end. */
    for (int step = 0; step < 4 && self->compaction != COMPACT_IDLE; step++) {
        compact(self);
        if (precis_syncer_in_flight(self->syncer))
            gate_sync(self, gate[1], "s");
    }
    CHECK(self->compaction == COMPACT_IDLE, "the rewrite did not finish");
    zsock_destroy(&client);
    zsock_destroy(&worker);
    zsock_destroy(&sink);
    precis_ingest_destroy(&self);
    /* After the rewrite and the done records: only the live article. */
    precis_journal_t *journal = precis_journal_new(dir);
    long recovered = journal ? precis_journal_recover(journal, recover_none, NULL) : -1;
    CHECK(recovered == 1, "%ld articles in the journal, not 1", recovered);
    precis_journal_destroy(&journal);
    for (int i = 0; i < 4; i++)
        free(keys[i]);
    const char *names[] = {"journal", "ids"};
    for (int i = 0; i < 2; i++) {
        char *path = zsys_sprintf("%s/%s", dir, names[i]);
        unlink(path);
        zstr_free(&path);
    }
    rmdir(dir);
    gate_close(gate);
    return failures;
}

/* Normalized articles go on to a summarize worker in order; one that no
   worker can take is held, not dropped, and goes first once one can. */
static int forward_test(const precis_config_t *base)
{
    int failures = 0;
    precis_config_t config = *base;
    test_endpoints_t ends;
    test_endpoints(&config, &ends, "ingest-forward-test");
    precis_ingest_t *self = precis_ingest_new(&config);
    if (!self)
        return 1;
    zsock_t *normalize = zsock_new_push(">inproc://ingest-forward-test-normalized");
    zstr_send(normalize, "n1");
    zstr_send(normalize, "n2");
    zclock_sleep(20);
    CHECK(!forward_normalized(self) && self->forward_held,
          "forwarded with no summarize worker, or dropped the article");
    zsock_t *summarize = zsock_new_pull(">inproc://ingest-forward-test-summarize");
    zsock_set_rcvtimeo(summarize, 1000); /* a lost article fails, not hangs */
    zclock_sleep(20);
    CHECK(forward_normalized(self) && !self->forward_held,
          "did not forward once a summarize worker came");
    CHECK(COUNTED(self, forwarded) == 2, "counted %llu forwarded, not 2",
          (unsigned long long)COUNTED(self, forwarded));
    char *first = zstr_recv(summarize), *second = zstr_recv(summarize);
    CHECK(first && second && streq(first, "n1") && streq(second, "n2"),
          "forwarded %s, %s, not n1, n2", first ? first : "nothing",
          second ? second : "nothing");
    zstr_free(&first);
    zstr_free(&second);
    /* A batch frame of 3 articles (a normalize worker's) goes on whole and
       counts 3. */
    zframe_t *batch = zframe_new("\x93\x01\x02\x03", 4);
    zframe_send(&batch, normalize, 0);
    zclock_sleep(20);
    forward_normalized(self);
    CHECK(COUNTED(self, forwarded) == 5,
          "counted %llu forwarded after a batch frame of 3, not 5",
          (unsigned long long)COUNTED(self, forwarded));
    batch = zframe_recv(summarize);
    CHECK(batch && zframe_size(batch) == 4 && !zframe_more(batch),
          "the batch frame did not go on whole");
    zframe_destroy(&batch);
    zsock_destroy(&normalize);
    zsock_destroy(&summarize);
    precis_ingest_destroy(&self);
    return failures;
}

/* A client that sends many requests before reading any answer gets every
   answer: far more than ZeroMQ's default high-water mark of 1,000 (and
   what the kernel's socket buffers hold) are kept for it, not dropped.
   Over ipc, as inproc sizes its queues another way. */
static int answers_test(const precis_config_t *base)
{
    int failures = 0;
    precis_config_t config = *base;
    config.journal_dir = NULL;
    test_endpoints_t ends;
    test_endpoints(&config, &ends, "ingest-answers-test");
    char dir[] = "/tmp/precis-ingest-answers-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    char endpoint[64];
    snprintf(endpoint, sizeof endpoint, "ipc://%s/ingest", dir);
    config.ingest_endpoint = endpoint;
    precis_ingest_t *self = precis_ingest_new(&config);
    if (!self)
        return 1;
    zsock_t *client = zsock_new(ZMQ_DEALER);
    zsock_set_sndhwm(client, 0);
    zsock_connect(client, "%s", endpoint);
    const char request[] = "\x81\xa4text\xa5Hello"; /* {"text": "Hello"} */
    enum { REQUESTS = 20000 };
    for (int i = 0; i < REQUESTS; i++)
        zmq_send(zsock_resolve(client), request, sizeof request - 1, 0);
    /* No worker: every one is answered busy at once, none read yet. */
    while (COUNTED(self, busy) < REQUESTS && readable(self->frontend, 1000))
        serve_batch(self);
    int answers = 0;
    while (readable(client, 500)) {
        zframe_t *frame = zframe_recv(client);
        answers += frame != NULL;
        zframe_destroy(&frame);
    }
    CHECK(answers == REQUESTS, "a client that read late got %d answers of %d", answers,
          REQUESTS);
    zsock_destroy(&client);
    precis_ingest_destroy(&self);
    char path[96];
    snprintf(path, sizeof path, "%s/ingest", dir);
    unlink(path);
    rmdir(dir);
    return failures;
}

/* With --no-forward ingest binds neither the normalized nor the summarize
   endpoint (the relay's, which can then bind them), yet takes requests on
   its ROUTER and hands the articles to the normalize workers as before. */
static int no_forward_test(const precis_config_t *base)
{
    int failures = 0;
    precis_config_t config = *base;
    test_endpoints_t ends;
    test_endpoints(&config, &ends, "ingest-no-forward-test");
    config.no_forward = true;
    precis_ingest_t *self = precis_ingest_new(&config);
    if (!self)
        return 1;
    CHECK(!self->normalized && !self->summarize, "--no-forward made forwarding sockets");
    /* A relay binds what ingest left alone (inproc refuses a second bind). */
    zsock_t *relay_in = zsock_new_pull("@inproc://ingest-no-forward-test-normalized");
    zsock_t *relay_out = zsock_new_push("@inproc://ingest-no-forward-test-summarize");
    CHECK(relay_in && relay_out, "with --no-forward, ingest still bound %s%s%s",
          relay_in ? "" : ends.normalized, !relay_in && !relay_out ? " and " : "",
          relay_out ? "" : ends.summarize);
    zsock_t *worker = zsock_new_pull(">inproc://ingest-no-forward-test-normalize");
    zsock_t *client = zsock_new_dealer(">inproc://ingest-no-forward-test");
    zclock_sleep(50);
    push_one(self, client, REQUEST("f1"), REQUEST_SIZE);
    failures += expect_answer(client, "accepted", false, NULL, "with --no-forward");
    char *key = worker_key(worker, 1000);
    CHECK(key, "with --no-forward, the article did not reach the normalize worker");
    free(key);
    CHECK(COUNTED(self, forwarded) == 0, "forwarded %llu with --no-forward",
          (unsigned long long)COUNTED(self, forwarded));
    zsock_destroy(&client);
    zsock_destroy(&worker);
    zsock_destroy(&relay_in);
    zsock_destroy(&relay_out);
    precis_ingest_destroy(&self);
    return failures;
}

/* Sends a request message of count frames from client (after an empty
   delimiter with delimiter) and has ingest serve it; with the journal,
   waits until its answer is released. */
static void push_message(precis_ingest_t *self, zsock_t *client, bool delimiter,
                         const char *const *frames, const size_t *sizes, size_t count)
{
    void *socket = zsock_resolve(client);
    if (delimiter)
        zmq_send(socket, "", 0, ZMQ_SNDMORE);
    for (size_t i = 0; i < count; i++)
        zmq_send(socket, frames[i], sizes[i], i + 1 < count ? ZMQ_SNDMORE : 0);
    readable(self->frontend, 1000);
    serve_batch(self);
    take_every_sync(self);
}

/* The answer message waiting at client, or NULL after a second. */
static zmsg_t *answer_message(zsock_t *client)
{
    return readable(client, 1000) ? zmsg_recv(client) : NULL;
}

/* The reply frame is status, for id, with "duplicate": true when duplicate,
   its error holding reason_part, every string UTF-8. */
static int expect_reply(zframe_t *frame, const char *id, const char *status_expected,
                        bool duplicate, const char *reason_part, const char *what)
{
    char error[PRECIS_ERROR_SIZE];
    char *status =
        frame ? reply_status(zframe_data(frame), zframe_size(frame), error) : NULL;
    char *got_id = NULL;
    msgpack_unpacked unpacked;
    msgpack_unpacked_init(&unpacked);
    if (frame && precis_mp_unpack(&unpacked, zframe_data(frame), zframe_size(frame), 4)) {
        const msgpack_object *value = precis_mp_lookup(&unpacked.data, "id");
        if (value && value->type == MSGPACK_OBJECT_STR)
            got_id = strndup(value->via.str.ptr, value->via.str.size);
    }
    msgpack_unpacked_destroy(&unpacked);
    int failed = !status || !streq(status, status_expected) ||
                 reply_duplicate != duplicate || !got_id || !streq(got_id, id) ||
                 (reason_part && !strstr(error, reason_part)) || !reply_utf8;
    if (failed)
        fprintf(
            stderr, "ingest test: %s: answered %s '%s'%s (%s)%s, expected %s '%s'%s\n",
            what, status, got_id ? got_id : "(no id)",
            reply_duplicate ? " (duplicate)" : "", error, reply_utf8 ? "" : " not UTF-8",
            status_expected, id, duplicate ? " (duplicate)" : "");
    free(status);
    free(got_id);
    return failed;
}

/* The ids of the articles waiting at the worker, in order, comma-separated
   (empty when none). */
/* Appends the id of the article data[0..size) to *ids (comma-separated). */
static void append_id(char **ids, const void *data, size_t size)
{
    char error[PRECIS_ERROR_SIZE];
    precis_article_t *article = precis_article_new();
    if (precis_article_decode(article, data, size, 0, error) == 0) {
        char *longer = zsys_sprintf("%s%s%s", *ids, **ids ? "," : "", article->id.ptr);
        free(*ids);
        *ids = longer;
    }
    precis_article_destroy(&article);
}

/* The ids of the articles waiting at the worker, in order, as a normalize
   worker reads them: a frame each, or batch frames of several. When
   sizes is given, the number of articles each frame carried is appended
   to it (comma-separated, "1" for a plain frame). */
static char *worker_ids_sized(zsock_t *worker, char **sizes)
{
    char *ids = strdup("");
    while (readable(worker, 100)) {
        zframe_t *frame = zframe_recv(worker);
        if (!frame)
            break;
        precis_batch_reader_t reader;
        int64_t count =
            precis_batch_open(&reader, zframe_data(frame), zframe_size(frame));
        if (count == -1)
            append_id(&ids, zframe_data(frame), zframe_size(frame));
        const void *data;
        size_t size;
        while (count >= 0 && precis_batch_next(&reader, &data, &size))
            append_id(&ids, data, size);
        if (sizes) {
            char *longer = zsys_sprintf("%s%s%lld", *sizes, **sizes ? "," : "",
                                        count == -1 ? 1LL : (long long)count);
            free(*sizes);
            *sizes = longer;
        }
        zframe_destroy(&frame);
    }
    return ids;
}

static char *worker_ids(zsock_t *worker)
{
    return worker_ids_sized(worker, NULL);
}

/* What the batch, dispatch and batch frame tests share: an ingest, with
   or without its journal (in a directory of its own), and a normalize
   worker's and a client's sockets connected to it. */
typedef struct {
    char dir[64];
    precis_config_t config;
    test_endpoints_t ends;
    precis_ingest_t *self;
    zsock_t *worker, *client;
    const char *mode;
} test_rig_t;

/* Fills rig->config from base for the test called name: the journal (when
   journal) in /tmp/precis-ingest-NAME-XXXXXX, inproc endpoints named
   ingest-NAME[-journal]-test (one name a mode: a closed socket's inproc
   name is freed later), at most 1,000 articles in flight. The caller may
   change the config before test_rig_start. False when no directory. */
static bool test_rig_init(test_rig_t *rig, const precis_config_t *base, bool journal,
                          const char *name)
{
    memset(rig, 0, sizeof *rig);
    snprintf(rig->dir, sizeof rig->dir, "/tmp/precis-ingest-%s-XXXXXX", name);
    if (!mkdtemp(rig->dir))
        return false;
    rig->config = *base;
    char prefix[64];
    snprintf(prefix, sizeof prefix, "ingest-%s%s-test", name, journal ? "-journal" : "");
    test_endpoints(&rig->config, &rig->ends, prefix);
    rig->config.journal_dir = journal ? rig->dir : NULL;
    rig->config.max_inflight = 1000;
    rig->mode = journal ? "with the journal" : "without the journal";
    return true;
}

/* Starts the ingest and connects the worker and the client. */
static bool test_rig_start(test_rig_t *rig)
{
    rig->self = precis_ingest_new(&rig->config);
    if (!rig->self)
        return false;
    rig->worker = zsock_new_pull(NULL);
    rig->client = zsock_new_dealer(NULL);
    zsock_connect(rig->worker, "%s", rig->ends.normalize);
    zsock_connect(rig->client, "%s", rig->ends.ingest);
    zclock_sleep(50);
    return true;
}

static void test_rig_stop(test_rig_t *rig)
{
    zsock_destroy(&rig->client);
    zsock_destroy(&rig->worker);
    precis_ingest_destroy(&rig->self);
    zdir_t *tmp = zdir_new(rig->dir, NULL);
    if (tmp)
        zdir_remove(tmp, true);
    zdir_destroy(&tmp);
}

/* count requests {"id": "PREFIXROUND-I", "text": "Hello"} written into
   texts (32 bytes each), many[i] pointing at each, sizes[i] its size. */
static void many_requests(char (*texts)[32], const char **many, size_t *sizes,
                          size_t count, const char *prefix, int round)
{
    for (size_t i = 0; i < count; i++) {
        char id[16];
        int id_len = snprintf(id, sizeof id, "%s%d-%zu", prefix, round, i);
        sizes[i] =
            (size_t)snprintf(texts[i], sizeof texts[i], "\x82\xa2id%c%s\xa4text\xa5Hello",
                             (char)(0xa0 | id_len), id);
        many[i] = texts[i];
    }
}

/* A batch request (several request frames in one message) is answered
   with one message, one reply per frame in order, each what the request
   alone would have had: with and without the journal. */
static int batch_test(const precis_config_t *base, bool journal)
{
    int failures = 0;
    test_rig_t rig;
    if (!test_rig_init(&rig, base, journal, "batch"))
        return 1;
    rig.config.max_bytes = 200;
    if (!test_rig_start(&rig))
        return 1;
    precis_ingest_t *self = rig.self;
    zsock_t *worker = rig.worker, *client = rig.client;
    const char *mode = rig.mode;

    /* b0 in flight first: the batch's copy of it is a duplicate. */
    push_one(self, client, REQUEST("b0"), REQUEST_SIZE);
    take_every_sync(self);
    failures += expect_answer(client, "accepted", false, NULL, "b0 alone");
    char *ids = worker_ids(worker);
    free(ids);

    /* New, duplicate, malformed, no text, over --max-bytes, new, and the
       new one again within the batch. */
    char big[260]; /* {"id": "b4", "text": 230 x's}: over the 200 bytes */
    const char big_head[] = "\x82\xa2id\xa2"
                            "b4\xa4text\xda\x00\xe6";
    size_t big_len = sizeof big_head - 1 + 230;
    memcpy(big, big_head, sizeof big_head - 1);
    memset(big + sizeof big_head - 1, 'x', 230);
    const char *frames[] = {REQUEST("b1"),
                            REQUEST("b0"),
                            "\xc1",
                            "\x81\xa2id\xa2"
                            "b3",
                            big,
                            REQUEST("b5"),
                            REQUEST("b1")};
    const size_t sizes[] = {REQUEST_SIZE, REQUEST_SIZE, 1,           7,
                            big_len,      REQUEST_SIZE, REQUEST_SIZE};
    push_message(self, client, false, frames, sizes, 7);
    zmsg_t *answer = answer_message(client);
    CHECK(answer && zmsg_size(answer) == 7,
          "%s: a batch of 7 was answered with %zu frames", mode,
          answer ? zmsg_size(answer) : 0);
    if (answer && zmsg_size(answer) == 7) {
        failures += expect_reply(zmsg_first(answer), "b1", "accepted", false, NULL,
                                 "batch, new article");
        failures += expect_reply(zmsg_next(answer), "b0", "accepted", true, NULL,
                                 "batch, an id in flight");
        failures += expect_reply(zmsg_next(answer), "", "rejected", false, "msgpack",
                                 "batch, malformed msgpack");
        failures += expect_reply(zmsg_next(answer), "b3", "rejected", false, "text",
                                 "batch, no text");
        failures += expect_reply(zmsg_next(answer), "", "rejected", false,
                                 "over the limit", "batch, over --max-bytes");
        failures += expect_reply(zmsg_next(answer), "b5", "accepted", false, NULL,
                                 "batch, another new article");
        failures += expect_reply(zmsg_next(answer), "b1", "accepted", true, NULL,
                                 "batch, its first article again");
    }
    zmsg_destroy(&answer);
    ids = worker_ids(worker);
    CHECK(streq(ids, "b1,b5"),
          "%s: the batch's articles at the worker were '%s', not b1,b5", mode, ids);
    free(ids);

    /* After an empty delimiter (REQ, or a DEALER acting like one): the
       answer too starts with one. */
    const char *two[] = {REQUEST("c1"), REQUEST("c2")};
    const size_t two_sizes[] = {REQUEST_SIZE, REQUEST_SIZE};
    push_message(self, client, true, two, two_sizes, 2);
    answer = answer_message(client);
    CHECK(answer && zmsg_size(answer) == 3 && zframe_size(zmsg_first(answer)) == 0,
          "%s: a batch after a delimiter was answered with %zu frames, not the delimiter "
          "and 2",
          mode, answer ? zmsg_size(answer) : 0);
    if (answer && zmsg_size(answer) == 3) {
        zmsg_first(answer);
        failures += expect_reply(zmsg_next(answer), "c1", "accepted", false, NULL,
                                 "batch after a delimiter, first");
        failures += expect_reply(zmsg_next(answer), "c2", "accepted", false, NULL,
                                 "batch after a delimiter, second");
    }
    zmsg_destroy(&answer);
    ids = worker_ids(worker);
    CHECK(streq(ids, "c1,c2"), "%s: after a delimiter the worker got '%s', not c1,c2",
          mode, ids);
    free(ids);

    /* At the limit every request is answered; over it, one rejection and
       nothing taken. */
    enum { LIMIT = PRECIS_REQUESTS_PER_MESSAGE };
    char requests[LIMIT + 1][32];
    const char *many[LIMIT + 1];
    size_t many_sizes[LIMIT + 1];
    for (int round = 0; round < 2; round++) {
        size_t count = LIMIT + (size_t)round;
        many_requests(requests, many, many_sizes, count, "", round);
        push_message(self, client, false, many, many_sizes, count);
        answer = answer_message(client);
        size_t expected = round == 0 ? LIMIT : 1;
        CHECK(answer && zmsg_size(answer) == expected,
              "%s: %zu requests in a message were answered with %zu frames, not %zu",
              mode, count, answer ? zmsg_size(answer) : 0, expected);
        if (answer && round == 0) {
            int accepted = 0;
            size_t i = 0;
            for (zframe_t *frame = zmsg_first(answer); frame;
                 frame = zmsg_next(answer), i++) {
                char id[16];
                snprintf(id, sizeof id, "0-%zu", i);
                accepted += !expect_reply(frame, id, "accepted", false, NULL,
                                          "the 64 requests of a full batch");
            }
            CHECK(accepted == LIMIT, "%s: %d of a full batch accepted", mode, accepted);
        } else if (answer)
            failures += expect_reply(zmsg_first(answer), "", "rejected", false,
                                     "at most 64 requests", "one request over the limit");
        zmsg_destroy(&answer);
        ids = worker_ids(worker);
        size_t taken = *ids ? 1 : 0;
        for (char *c = ids; *c; c++)
            taken += *c == ',';
        CHECK(taken == (round == 0 ? (size_t)LIMIT : 0),
              "%s: %zu of %zu requests in a message taken", mode, taken, count);
        free(ids);
    }
    test_rig_stop(&rig);
    return failures;
}

/* Articles leave for the workers as batch frames: 20 requests served
   together (one message each) reach a worker as a batch frame of 16 and
   one of 4 (with the journal: once their group commit is synced), each id
   once, in order; sent again when their results are late, each goes
   alone, once. */
static int dispatch_test(const precis_config_t *base, bool journal)
{
    int failures = 0;
    test_rig_t rig;
    if (!test_rig_init(&rig, base, journal, "dispatch"))
        return 1;
    rig.config.max_attempts = 3;
    if (!test_rig_start(&rig))
        return 1;
    precis_ingest_t *self = rig.self;
    zsock_t *worker = rig.worker, *client = rig.client;
    const char *mode = rig.mode;
    char expected[256] = "";
    for (int i = 0; i < 20; i++) {
        char request[64];
        int size = snprintf(request, sizeof request,
                            "\x82\xa2id\xa3"
                            "d%02d\xa4text\xa5Hello",
                            i);
        zmq_send(zsock_resolve(client), request, (size_t)size, 0);
        snprintf(expected + strlen(expected), sizeof expected - strlen(expected),
                 "%sd%02d", i ? "," : "", i);
    }
    zclock_sleep(50); /* all 20 wait at the ROUTER: one batch */
    serve_batch(self);
    take_every_sync(self);
    char *sizes = strdup("");
    char *ids = worker_ids_sized(worker, &sizes);
    CHECK(streq(ids, expected) && streq(sizes, "16,4"),
          "%s: 20 articles reached the worker as frames of %s: %s", mode, sizes, ids);
    CHECK(COUNTED(self, accepted) == 20 && COUNTED(self, dispatch_deferred) == 0,
          "%s: %llu accepted, %llu deferred", mode,
          (unsigned long long)COUNTED(self, accepted),
          (unsigned long long)COUNTED(self, dispatch_deferred));
    free(ids);
    free(sizes);
    /* Late: each is sent again, alone (a plain frame, which every worker
       reads), once. */
    precis_ledger_resend_due(self->ledger, zclock_mono() + 3600000,
                             zsock_resolve(self->dispatch), resend, self);
    sizes = strdup("");
    ids = worker_ids_sized(worker, &sizes);
    char singles[64] = "1";
    for (int i = 1; i < 20; i++)
        strcat(singles, ",1");
    CHECK(streq(ids, expected) && streq(sizes, singles) && COUNTED(self, retried) == 20 &&
              precis_ledger_size(self->ledger) == 20,
          "%s: sent again as %s (frames of %s), %llu retried", mode, ids, sizes,
          (unsigned long long)COUNTED(self, retried));
    free(ids);
    free(sizes);
    test_rig_stop(&rig);
    return failures;
}

/* The batch frame of count requests (frames[i], sizes[i] bytes) into
   out, a msgpack array; returns its size. */
static size_t batch_frame_of(char *out, size_t room, const char *const *frames,
                             const size_t *sizes, size_t count)
{
    precis_batch_t *batch = precis_batch_new();
    for (size_t i = 0; i < count; i++)
        precis_batch_add(batch, frames[i], sizes[i]);
    zframe_t *frame = precis_batch_frame(batch);
    size_t size = frame ? zframe_size(frame) : 1;
    assert(size <= room);
    if (frame)
        memcpy(out, zframe_data(frame), size);
    else
        out[0] = (char)0x90; /* an empty array */
    zframe_destroy(&frame);
    precis_batch_destroy(&batch);
    return size;
}

/* The replies of the batch frame answering a message (after its
   delimiter, when delimiter), each as a frame, in order; NULL when no
   answer came or it was not one batch frame. */
static zmsg_t *answer_batch_frame(zsock_t *client, bool delimiter)
{
    zmsg_t *answer = answer_message(client);
    if (!answer)
        return NULL;
    if (delimiter) {
        zframe_t *empty = zmsg_pop(answer);
        if (!empty || zframe_size(empty) != 0)
            zmsg_destroy(&answer);
        zframe_destroy(&empty);
    }
    zmsg_t *replies = NULL;
    zframe_t *frame = answer ? zmsg_first(answer) : NULL;
    precis_batch_reader_t reader;
    if (frame && zmsg_size(answer) == 1 &&
        precis_batch_open(&reader, zframe_data(frame), zframe_size(frame)) >= 0) {
        replies = zmsg_new();
        const void *data;
        size_t size;
        while (precis_batch_next(&reader, &data, &size))
            zmsg_addmem(replies, data, size);
        if (reader.error)
            zmsg_destroy(&replies);
    } else
        fprintf(stderr, "ingest test: the answer was %zu frames, not one batch frame\n",
                answer ? zmsg_size(answer) : 0);
    zmsg_destroy(&answer);
    return replies;
}

/* The number of articles waiting at the worker (their ids dropped). */
static size_t worker_count(zsock_t *worker)
{
    char *ids = worker_ids(worker);
    size_t taken = *ids ? 1 : 0;
    for (char *c = ids; *c; c++)
        taken += *c == ',';
    free(ids);
    return taken;
}

/* Sends one request message (one frame, after a delimiter when asked)
   and waits until ingest has answered it. */
static void push_frame(precis_ingest_t *self, zsock_t *client, bool delimiter,
                       const char *frame, size_t size)
{
    push_message(self, client, delimiter, &frame, &size, 1);
}

/* Whether data[0..size) holds the string text. */
static bool has_bytes(const char *data, size_t size, const char *text)
{
    size_t len = strlen(text);
    for (size_t i = 0; i + len <= size; i++)
        if (memcmp(data + i, text, len) == 0)
            return true;
    return false;
}

/* The articles of the frames waiting at the worker, decoded, in order
   (up to max), with the bytes of each in raw[i] (malloc'd); returns how
   many. */
static size_t worker_articles(zsock_t *worker, precis_article_t **articles, char **raw,
                              size_t *raw_size, size_t max)
{
    size_t count = 0;
    char error[PRECIS_ERROR_SIZE];
    while (count < max && readable(worker, 100)) {
        zframe_t *frame = zframe_recv(worker);
        if (!frame)
            break;
        precis_batch_reader_t reader;
        int64_t elements =
            precis_batch_open(&reader, zframe_data(frame), zframe_size(frame));
        const void *data = zframe_data(frame);
        size_t size = zframe_size(frame);
        for (int64_t i = 0; count < max && (elements == -1 ? i < 1 : i < elements); i++) {
            if (elements >= 0 && !precis_batch_next(&reader, &data, &size))
                break;
            articles[count] = precis_article_new();
            if (precis_article_decode(articles[count], data, size, 0, error) != 0)
                fprintf(stderr, "ingest test: a dispatched article: %s\n", error);
            raw[count] = malloc(size);
            memcpy(raw[count], data, size);
            raw_size[count++] = size;
        }
        zframe_destroy(&frame);
    }
    return count;
}

/* The articles a worker got (raw[i], size[i]), and how many of them a
   journal's recovery handed back byte for byte. */
typedef struct {
    char **raw;
    size_t *size, count, same;
} recovered_t;

static void recovered_same(void *arg, const char *key, const void *data, size_t size)
{
    (void)key;
    recovered_t *found = arg;
    for (size_t i = 0; i < found->count; i++)
        if (size == found->size[i] && memcmp(data, found->raw[i], size) == 0)
            found->same++;
}

/* What reaches a normalize worker is the request's bytes with ingest's
   keys added (precis_article_splice) where they can stand for the article,
   and the article encoded again where they cannot: either way the worker
   decodes every field the client gave, with ingest's key, received_us and
   attempt, and the journal gives the same back after a restart. */
static int splice_dispatch_test(const precis_config_t *base, bool journal)
{
    int failures = 0;
    test_rig_t rig;
    if (!test_rig_init(&rig, base, journal, "splice"))
        return 1;
    rig.config.max_bytes = 4096; /* the first request is over 200 bytes */
    if (!test_rig_start(&rig))
        return 1;
    const char *mode = rig.mode;
    /* Every optional key and an unknown one; text alone with an unknown
       key (the id is generated); a key ingest sets itself (encoded). */
    msgpack_sbuffer every, bare, fallback;
    msgpack_packer packer;
    msgpack_sbuffer_init(&every);
    msgpack_packer_init(&packer, &every, msgpack_sbuffer_write);
    msgpack_pack_map(&packer, 15);
    precis_mp_pack_kv_str(&packer, "type", "article", 7);
    precis_mp_pack_kv_int(&packer, "v", 1);
    precis_mp_pack_kv_str(&packer, "id", "sp-every", 8);
    precis_mp_pack_kv_str(&packer, "title", "Ferries return", 14);
    precis_mp_pack_kv_str(&packer, "text", "The ferry ran at dawn. It was late.", 35);
    precis_mp_pack_kv_str(&packer, "url", "https://example.com/f", 21);
    precis_mp_pack_kv_str(&packer, "source", "Harbour News", 12);
    precis_mp_pack_kv_str(&packer, "lang", "en", 2);
    precis_mp_pack_kv_str(&packer, "published", "2026-12-01", 10);
    precis_mp_pack_kv_int(&packer, "sentences", 2);
    precis_mp_pack_kv_int(&packer, "words", 30);
    precis_mp_pack_cstr(&packer, "ratio");
    msgpack_pack_double(&packer, 0.5);
    precis_mp_pack_kv_str(&packer, "format", "html", 4);
    precis_mp_pack_cstr(&packer, "explain");
    msgpack_pack_true(&packer);
    precis_mp_pack_cstr(&packer, "custom-key");
    msgpack_pack_array(&packer, 1);
    msgpack_pack_int(&packer, 7);
    msgpack_sbuffer_init(&bare);
    msgpack_packer_init(&packer, &bare, msgpack_sbuffer_write);
    msgpack_pack_map(&packer, 2);
    precis_mp_pack_kv_str(&packer, "text", "No id here. None.", 17);
    precis_mp_pack_kv_str(&packer, "custom-key", "x", 1);
    msgpack_sbuffer_init(&fallback);
    msgpack_packer_init(&packer, &fallback, msgpack_sbuffer_write);
    msgpack_pack_map(&packer, 5);
    precis_mp_pack_kv_str(&packer, "id", "sp-fallback", 11);
    precis_mp_pack_kv_str(&packer, "text", "Encoded again.", 14);
    precis_mp_pack_kv_int(&packer, "received_us", 5);
    precis_mp_pack_kv_str(&packer, "key", "client-key", 10); /* replaced, freed */
    precis_mp_pack_kv_str(&packer, "custom-key", "x", 1);
    const char *frames[3] = {every.data, bare.data, fallback.data};
    size_t sizes[3] = {every.size, bare.size, fallback.size};
    char batch[1024];
    size_t batch_size = batch_frame_of(batch, sizeof batch, frames, sizes, 3);
    int64_t before = precis_now_us();
    push_frame(rig.self, rig.client, false, batch, batch_size);
    zmsg_t *answer = answer_message(rig.client);
    zmsg_destroy(&answer);
    precis_article_t *got[4] = {NULL};
    char *raw[4] = {NULL};
    size_t raw_size[4];
    size_t count = worker_articles(rig.worker, got, raw, raw_size, 4);
    CHECK(count == 3, "%s: %zu articles reached the worker, not 3", mode, count);
    for (size_t i = 0; i < count; i++) {
        precis_article_t *a = got[i];
        CHECK(a->key.ptr &&
                  strncmp(a->key.ptr, rig.self->nonce, strlen(rig.self->nonce)) == 0 &&
                  a->received_us >= before && a->attempt == 1 && a->id.ptr &&
                  a->normalize_us == 0 && !a->normalized,
              "%s: article %zu lacks ingest's key, received_us or attempt", mode, i);
        /* The unknown key travels with the spliced ones only. */
        bool carried = has_bytes(raw[i], raw_size[i], "custom-key");
        CHECK(carried == (i < 2), "%s: article %zu %s the unknown key", mode, i,
              carried ? "carries" : "lost");
    }
    if (count == 3) {
        precis_article_t *a = got[0];
        CHECK(streq(a->id.ptr, "sp-every") && streq(a->title.ptr, "Ferries return") &&
                  a->text.len == 35 && streq(a->url.ptr, "https://example.com/f") &&
                  streq(a->source.ptr, "Harbour News") && streq(a->lang.ptr, "en") &&
                  streq(a->published.ptr, "2026-12-01") && a->sentences == 2 &&
                  a->words == 30 && a->ratio == 0.5 && a->format == PRECIS_FORMAT_HTML &&
                  a->explain,
              "%s: the article with every key lost one", mode);
        CHECK(got[1]->id.len == 32 && streq(got[1]->text.ptr, "No id here. None."),
              "%s: the article without an id came as '%s'", mode,
              got[1]->id.ptr ? got[1]->id.ptr : "(no id)");
        CHECK(streq(got[2]->id.ptr, "sp-fallback") && got[2]->received_us >= before,
              "%s: the client's received_us reached the worker", mode);
        CHECK(!has_bytes(raw[2], raw_size[2], "client-key"),
              "%s: the client's key reached the worker", mode);
    }
    if (journal && count == 3) {
        /* Recovered from the journal: the same bytes. */
        precis_ingest_destroy(&rig.self);
        precis_journal_t *recovered = precis_journal_new(rig.dir);
        recovered_t found = {raw, raw_size, count, 0};
        if (recovered)
            precis_journal_recover(recovered, recovered_same, &found);
        precis_journal_destroy(&recovered);
        CHECK(found.same == 3, "%s: %zu of 3 articles recovered from the journal as sent",
              mode, found.same);
    }
    for (size_t i = 0; i < count; i++) {
        precis_article_destroy(&got[i]);
        free(raw[i]);
    }
    msgpack_sbuffer_destroy(&every);
    msgpack_sbuffer_destroy(&bare);
    msgpack_sbuffer_destroy(&fallback);
    test_rig_stop(&rig);
    return failures;
}

/* A batch frame (a message's one request frame, a msgpack array of
   requests) is answered with one batch frame of replies, in order, each
   what the request alone would have had; frames that cannot be read
   whole, and more than 64 requests, with one rejection in such a frame;
   an array among several request frames is rejected in its place. With
   and without the journal. */
static int batch_frame_test(const precis_config_t *base, bool journal)
{
    int failures = 0;
    test_rig_t rig;
    if (!test_rig_init(&rig, base, journal, "frame"))
        return 1;
    rig.config.max_bytes = 200;
    if (!test_rig_start(&rig))
        return 1;
    precis_ingest_t *self = rig.self;
    zsock_t *worker = rig.worker, *client = rig.client;
    const char *mode = rig.mode;
    static char frame[64 * 300];
    size_t size;

    push_one(self, client, REQUEST("f0"), REQUEST_SIZE);
    take_every_sync(self);
    failures += expect_answer(client, "accepted", false, NULL, "f0 alone");
    worker_count(worker);

    /* New, an id in flight, not a map (a batch in a batch), no text, over
       --max-bytes (each request on its own: the frame is heavier), new,
       the first again. Sent twice: the second time a retry. */
    char big[260];
    const char big_head[] = "\x82\xa2id\xa2"
                            "f4\xa4text\xda\x00\xe6";
    size_t big_len = sizeof big_head - 1 + 230;
    memcpy(big, big_head, sizeof big_head - 1);
    memset(big + sizeof big_head - 1, 'x', 230);
    const char *requests[] = {REQUEST("f1"),
                              REQUEST("f0"),
                              "\x91\xa1x",
                              "\x81\xa2id\xa2"
                              "f3",
                              big,
                              REQUEST("f5"),
                              REQUEST("f1")};
    const size_t sizes[] = {REQUEST_SIZE, REQUEST_SIZE, 3,           7,
                            big_len,      REQUEST_SIZE, REQUEST_SIZE};
    for (int retry = 0; retry < 2; retry++) {
        size = batch_frame_of(frame, sizeof frame, requests, sizes, 7);
        push_frame(self, client, false, frame, size);
        zmsg_t *replies = answer_batch_frame(client, false);
        CHECK(replies && zmsg_size(replies) == 7,
              "%s: a batch frame of 7 was answered with %zu replies", mode,
              replies ? zmsg_size(replies) : 0);
        if (replies && zmsg_size(replies) == 7) {
            failures += expect_reply(zmsg_first(replies), "f1", "accepted", retry == 1,
                                     NULL, "batch frame, new article");
            failures += expect_reply(zmsg_next(replies), "f0", "accepted", true, NULL,
                                     "batch frame, an id in flight");
            failures += expect_reply(zmsg_next(replies), "", "rejected", false,
                                     "must be a msgpack map, got array",
                                     "batch frame, not a map");
            failures += expect_reply(zmsg_next(replies), "f3", "rejected", false, "text",
                                     "batch frame, no text");
            failures += expect_reply(zmsg_next(replies), "", "rejected", false,
                                     "over the limit", "batch frame, over --max-bytes");
            failures += expect_reply(zmsg_next(replies), "f5", "accepted", retry == 1,
                                     NULL, "batch frame, another new article");
            failures += expect_reply(zmsg_next(replies), "f1", "accepted", true, NULL,
                                     "batch frame, its first article again");
        }
        zmsg_destroy(&replies);
        char *ids = worker_ids(worker);
        CHECK(streq(ids, retry == 0 ? "f1,f5" : ""),
              "%s: a batch frame's articles at the worker were '%s' (send %d)", mode, ids,
              retry + 1);
        free(ids);
    }

    /* After a delimiter the answer starts with one too. */
    const char *two[] = {REQUEST("g1"), REQUEST("g2")};
    const size_t two_sizes[] = {REQUEST_SIZE, REQUEST_SIZE};
    size = batch_frame_of(frame, sizeof frame, two, two_sizes, 2);
    push_frame(self, client, true, frame, size);
    zmsg_t *replies = answer_batch_frame(client, true);
    CHECK(replies && zmsg_size(replies) == 2,
          "%s: a batch frame after a delimiter was answered with %zu replies", mode,
          replies ? zmsg_size(replies) : 0);
    if (replies && zmsg_size(replies) == 2) {
        failures += expect_reply(zmsg_first(replies), "g1", "accepted", false, NULL,
                                 "batch frame after a delimiter, first");
        failures += expect_reply(zmsg_next(replies), "g2", "accepted", false, NULL,
                                 "batch frame after a delimiter, second");
    }
    zmsg_destroy(&replies);
    CHECK(worker_count(worker) == 2, "%s: a batch frame after a delimiter not taken",
          mode);

    /* An empty array: an empty array back, and nothing taken. */
    push_frame(self, client, false, "\x90", 1);
    zmsg_t *answer = answer_message(client);
    CHECK(answer && zmsg_size(answer) == 1 && zframe_size(zmsg_first(answer)) == 1 &&
              *zframe_data(zmsg_first(answer)) == 0x90,
          "%s: an empty batch frame was not answered with an empty array", mode);
    zmsg_destroy(&answer);

    /* Busy part way: the pipeline takes two more. */
    rig.config.max_inflight =
        (int)(precis_ledger_size(self->ledger) + self->pending_count + 2);
    const char *four[] = {REQUEST("h1"), REQUEST("h2"), REQUEST("h3"), REQUEST("h4")};
    const size_t four_sizes[] = {REQUEST_SIZE, REQUEST_SIZE, REQUEST_SIZE, REQUEST_SIZE};
    size = batch_frame_of(frame, sizeof frame, four, four_sizes, 4);
    push_frame(self, client, false, frame, size);
    replies = answer_batch_frame(client, false);
    CHECK(replies && zmsg_size(replies) == 4, "%s: busy part way: %zu replies", mode,
          replies ? zmsg_size(replies) : 0);
    if (replies && zmsg_size(replies) == 4) {
        failures += expect_reply(zmsg_first(replies), "h1", "accepted", false, NULL,
                                 "batch frame, before the pipeline is full");
        failures += expect_reply(zmsg_next(replies), "h2", "accepted", false, NULL,
                                 "batch frame, the last the pipeline takes");
        failures += expect_reply(zmsg_next(replies), "h3", "busy", false, "full",
                                 "batch frame, the pipeline full");
        failures += expect_reply(zmsg_next(replies), "h4", "busy", false, "full",
                                 "batch frame, the pipeline still full");
    }
    zmsg_destroy(&replies);
    char *ids = worker_ids(worker);
    CHECK(streq(ids, "h1,h2"), "%s: busy part way, the worker got '%s', not h1,h2", mode,
          ids);
    free(ids);
    rig.config.max_inflight = 1000;

    /* An array among several request frames is an error of its own. */
    const char *mixed[] = {REQUEST("i1"), frame};
    size_t mixed_sizes[] = {REQUEST_SIZE, 0};
    mixed_sizes[1] = batch_frame_of(frame, sizeof frame, &two[0], two_sizes, 1);
    push_message(self, client, false, mixed, mixed_sizes, 2);
    answer = answer_message(client);
    CHECK(answer && zmsg_size(answer) == 2,
          "%s: an array among two request frames: %zu replies", mode,
          answer ? zmsg_size(answer) : 0);
    if (answer && zmsg_size(answer) == 2) {
        failures += expect_reply(zmsg_first(answer), "i1", "accepted", false, NULL,
                                 "a request beside an array");
        failures += expect_reply(zmsg_next(answer), "", "rejected", false,
                                 "must be a msgpack map, got array",
                                 "an array among request frames");
    }
    zmsg_destroy(&answer);
    ids = worker_ids(worker);
    CHECK(streq(ids, "i1"), "%s: beside an array the worker got '%s', not i1", mode, ids);
    free(ids);

    /* Frames that cannot be read whole: none of their requests taken. */
    const char *cut[] = {REQUEST("j1"), REQUEST("j2")};
    size = batch_frame_of(frame, sizeof frame, cut, two_sizes, 2);
    struct {
        size_t size;
        const char *why;
    } whole[] = {{size - 3, "cut short"},
                 {size + 1, "bytes follow"},
                 {1, "cut short or malformed"}};
    frame[size] = 'x';
    for (size_t w = 0; w < 3; w++) {
        char first = frame[0];
        if (w == 2)
            frame[0] = (char)0xdc; /* an array16 header cut */
        push_frame(self, client, false, frame, whole[w].size);
        frame[0] = first;
        replies = answer_batch_frame(client, false);
        CHECK(replies && zmsg_size(replies) == 1,
              "%s: a batch frame %s was answered with %zu replies, not 1", mode,
              whole[w].why, replies ? zmsg_size(replies) : 0);
        if (replies && zmsg_size(replies) == 1)
            failures += expect_reply(zmsg_first(replies), "", "rejected", false,
                                     w == 2 ? "malformed batch frame" : whole[w].why,
                                     "a batch frame that cannot be read whole");
        zmsg_destroy(&replies);
        CHECK(worker_count(worker) == 0, "%s: a batch frame %s was taken in part", mode,
              whole[w].why);
    }

    /* At the limit every request is answered; over it one rejection, in a
       batch frame, and nothing taken. */
    enum { LIMIT = PRECIS_REQUESTS_PER_MESSAGE };
    char texts[LIMIT + 1][32];
    const char *many[LIMIT + 1];
    size_t many_sizes[LIMIT + 1];
    for (int round = 0; round < 2; round++) {
        size_t count = LIMIT + (size_t)round;
        many_requests(texts, many, many_sizes, count, "k", round);
        size = batch_frame_of(frame, sizeof frame, many, many_sizes, count);
        push_frame(self, client, false, frame, size);
        replies = answer_batch_frame(client, false);
        size_t expected = round == 0 ? LIMIT : 1;
        CHECK(replies && zmsg_size(replies) == expected,
              "%s: a batch frame of %zu was answered with %zu replies, not %zu", mode,
              count, replies ? zmsg_size(replies) : 0, expected);
        if (replies && round == 0) {
            int accepted = 0;
            size_t i = 0;
            for (zframe_t *reply = zmsg_first(replies); reply;
                 reply = zmsg_next(replies), i++) {
                char id[16];
                snprintf(id, sizeof id, "k0-%zu", i);
                accepted += !expect_reply(reply, id, "accepted", false, NULL,
                                          "the 64 requests of a full batch frame");
            }
            CHECK(accepted == LIMIT, "%s: %d of a full batch frame accepted", mode,
                  accepted);
        } else if (replies)
            failures +=
                expect_reply(zmsg_first(replies), "", "rejected", false,
                             "at most 64 requests", "a batch frame over the limit");
        zmsg_destroy(&replies);
        size_t taken = worker_count(worker);
        CHECK(taken == (round == 0 ? (size_t)LIMIT : 0),
              "%s: %zu of a batch frame of %zu taken", mode, taken, count);
    }
    test_rig_stop(&rig);
    return failures;
}

/* While nothing can be taken (here: the ledger is full), the requests of
   a batch are answered busy before they are read, each with its id as
   read: a retry of an article taken (not "duplicate"), an invalid one
   (not "rejected"), one without an id, one whose id is too long or not
   UTF-8 (empty ids). Nothing is kept and nothing rejected. */
static int busy_early_test(const precis_config_t *base)
{
    int failures = 0;
    test_rig_t rig;
    if (!test_rig_init(&rig, base, false, "busy-early"))
        return 1;
    rig.config.max_inflight = 1;
    rig.config.max_bytes = 4096;
    if (!test_rig_start(&rig))
        return 1;
    precis_ingest_t *self = rig.self;
    static const char first[] = "\x82\xa2id\xa5"
                                "first\xa4text\xa5"
                                "Hello";
    const char *frames[5] = {first};
    size_t sizes[5] = {sizeof first - 1};
    char frame[2048];
    size_t size = batch_frame_of(frame, sizeof frame, frames, sizes, 1);
    push_frame(self, rig.client, false, frame, size);
    zmsg_t *replies = answer_batch_frame(rig.client, false);
    failures += expect_reply(replies ? zmsg_first(replies) : NULL, "first", "accepted",
                             false, NULL, "busy early: the first article");
    zmsg_destroy(&replies);
    static const char bad_text[] = "\x82\xa2id\xa5"
                                   "bad-1\xa4text\xa3\x61\xff\x62";
    static const char no_id[] = "\x81\xa4text\xa5"
                                "Hello";
    static const char bad_id[] = "\x82\xa2id\xa5"
                                 "bad-\xff\xa4text\xa1"
                                 "a";
    char long_id[400]; /* an id one byte over PRECIS_MAX_ID: a str16 */
    size_t long_len = 0, id_len = PRECIS_MAX_ID + 1;
    memcpy(long_id, "\x82\xa2id\xda", 5);
    long_id[5] = (char)(id_len >> 8), long_id[6] = (char)(id_len & 0xff);
    long_len = 7;
    memset(long_id + long_len, 'i', id_len);
    long_len += id_len;
    memcpy(long_id + long_len, "\xa4text\xa5Hello", 11);
    long_len += 11;
    frames[1] = bad_text, frames[2] = no_id, frames[3] = long_id, frames[4] = bad_id;
    sizes[1] = sizeof bad_text - 1, sizes[2] = sizeof no_id - 1, sizes[3] = long_len,
    sizes[4] = sizeof bad_id - 1;
    size = batch_frame_of(frame, sizeof frame, frames, sizes, 5);
    uint64_t busy = COUNTED(self, busy), rejected = COUNTED(self, rejected);
    push_frame(self, rig.client, false, frame, size);
    replies = answer_batch_frame(rig.client, false);
    const char *ids[5] = {"first", "bad-1", "", "", ""};
    zframe_t *reply = replies ? zmsg_first(replies) : NULL;
    for (size_t i = 0; i < 5; i++, reply = replies ? zmsg_next(replies) : NULL)
        failures +=
            expect_reply(reply, ids[i], "busy", false, "too many articles in flight",
                         "busy early: a request while the ledger is full");
    CHECK(COUNTED(self, busy) == busy + 5 && COUNTED(self, rejected) == rejected &&
              precis_ledger_size(self->ledger) == 1,
          "busy early: %llu busy, %llu rejected, %zu held",
          (unsigned long long)(COUNTED(self, busy) - busy),
          (unsigned long long)(COUNTED(self, rejected) - rejected),
          precis_ledger_size(self->ledger));
    zmsg_destroy(&replies);
    test_rig_stop(&rig);
    return failures;
}

/* The replies of a batch frame, written by hand, are the packer's array
   of the same replies: at every header form the sizes allow. */
static int test_reply_array(void)
{
    int failures = 0;
    const size_t counts[] = {0, 1, 15, 16, 64};
    for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
        answer_t answers[64];
        msgpack_sbuffer expected;
        msgpack_sbuffer_init(&expected);
        msgpack_packer packer;
        msgpack_packer_init(&packer, &expected, msgpack_sbuffer_write);
        msgpack_pack_array(&packer, counts[c]);
        for (size_t i = 0; i < counts[c]; i++) {
            char id[16];
            int len = snprintf(id, sizeof id, "r-%zu", i);
            encode_reply(&answers[i].reply, id, (size_t)len, i % 3 ? "accepted" : "busy",
                         i % 3 ? NULL : "full", i % 5 == 1);
            msgpack_sbuffer_write(&expected, zmq_msg_data(&answers[i].reply),
                                  zmq_msg_size(&answers[i].reply));
        }
        zmq_msg_t frame;
        encode_reply_array(&frame, answers, counts[c]);
        if (zmq_msg_size(&frame) != expected.size ||
            memcmp(zmq_msg_data(&frame), expected.data, expected.size) != 0) {
            fprintf(stderr, "ingest test: the batch frame of %zu replies differs\n",
                    counts[c]);
            failures++;
        }
        zmq_msg_close(&frame);
        msgpack_sbuffer_destroy(&expected);
    }
    return failures;
}

/* A reply written by hand is byte for byte the packer's: ids absent, not
   UTF-8, and of every header form (fixstr, str8, str16 and their
   edges), as a duplicate or not. */
static int test_reply_forms(void)
{
    int failures = 0;
    static char id[70000];
    memset(id, 'i', sizeof id);
    const size_t lengths[] = {0, 1, 31, 32, 255, 256, 65535, 65536, 69999};
    for (size_t l = 0; l < sizeof lengths / sizeof lengths[0] + 2; l++)
        for (int duplicate = 0; duplicate < 2; duplicate++) {
            size_t len = l < 9 ? lengths[l] : 3;
            const char *text = l == 9 ? NULL : id;
            if (l == 10)
                id[1] = (char)0xff; /* not UTF-8: goes back empty */
            zmq_msg_t plain, packed;
            if (len < 65536)
                encode_reply_plain(&plain, text, len, "accepted", duplicate);
            else
                encode_reply(&plain, text, len, "accepted", NULL, duplicate);
            encode_reply_packed(&packed, text, len, "accepted", NULL, duplicate);
            if (zmq_msg_size(&plain) != zmq_msg_size(&packed) ||
                memcmp(zmq_msg_data(&plain), zmq_msg_data(&packed),
                       zmq_msg_size(&plain)) != 0) {
                fprintf(stderr,
                        "ingest test: the reply for an id of %zu bytes%s differs\n", len,
                        duplicate ? " (duplicate)" : "");
                failures++;
            }
            zmq_msg_close(&plain);
            zmq_msg_close(&packed);
            id[1] = 'i';
        }
    return failures;
}

int precis_ingest_test(bool verbose)
{
    int failures = test_reply_forms() + test_reply_array();
    precis_config_t config;
    precis_config_defaults(&config, true);
    test_endpoints_t ends;
    test_endpoints(&config, &ends, "ingest-test");
    config.max_bytes = 200;
    config.max_inflight = 2;
    precis_ingest_t *self = precis_ingest_new(&config);
    assert(self);
    char error[PRECIS_ERROR_SIZE];
    const char request[] = "\x81\xa4text\xa5Hello"; /* {"text": "Hello"} */

    /* No normalize worker yet: busy, and nothing is kept. */
    failures +=
        expect_status(self, request, sizeof request - 1, "busy", "no normalize worker");
    if (precis_ledger_size(self->ledger) != 0) {
        fprintf(stderr, "ingest test: a busy article was kept\n");
        failures++;
    }

    /* With a worker connected the article is accepted, arrives there with a
       key, and stays in the ledger until its key is acknowledged. */
    zsock_t *worker = zsock_new_pull(">inproc://ingest-test-normalize");
    zclock_sleep(50);
    failures += expect_status(self, request, sizeof request - 1, "accepted", NULL);
    zframe_t *frame = zframe_recv(worker);
    precis_article_t *article = precis_article_new();
    if (!frame ||
        precis_article_decode(article, zframe_data(frame), zframe_size(frame), 0,
                              error) != 0 ||
        article->id.len != 32 || !article->key.ptr || article->received_us == 0) {
        fprintf(stderr, "ingest test: the worker did not get a complete article\n");
        failures++;
    }
    zframe_destroy(&frame);

    /* The ledger bounds what is in flight: the third article is busy. */
    failures += expect_status(self, request, sizeof request - 1, "accepted", NULL);
    failures +=
        expect_status(self, request, sizeof request - 1, "busy", "pipeline is full");
    zsock_t *sink = zsock_new_push(">inproc://ingest-test-acks");
    zstr_send(sink, article->key.ptr ? article->key.ptr : "");
    zclock_sleep(50);
    take_acks(self);
    if (precis_ledger_size(self->ledger) != 1 || COUNTED(self, delivered) != 1) {
        fprintf(stderr, "ingest test: an acknowledged article stayed in the ledger\n");
        failures++;
    }
    precis_article_destroy(&article);

    /* ... and so does its byte budget: with one article held, another that
       would pass --max-inflight-bytes is busy. */
    config.max_inflight_bytes = precis_ledger_bytes(self->ledger) + 10;
    failures +=
        expect_status(self, request, sizeof request - 1, "busy", "bytes in flight");
    config.max_inflight_bytes = PRECIS_MAX_INFLIGHT_BYTES;
    failures += expect_status(self, request, sizeof request - 1, "accepted", NULL);

    /* Invalid UTF-8 and oversize requests are rejected with reasons. */
    const char bad_utf8[] = "\x81\xa4text\xa3\x61\xff\x62";
    failures +=
        expect_status(self, bad_utf8, sizeof bad_utf8 - 1, "rejected", "not valid UTF-8");
    /* ... an id that is not UTF-8 too: it does not come back in the reply. */
    const char bad_id[] = "\x82\xa2id\xa5"
                          "bad-\xff"
                          "\xa4text\xa1"
                          "a";
    failures += expect_status(self, bad_id, sizeof bad_id - 1, "rejected",
                              "field 'id' is not valid UTF-8");
    char big[300];
    memset(big, 0xc0, sizeof big);
    failures += expect_status(self, big, sizeof big, "rejected", "over the limit");
    zsock_destroy(&sink);
    zsock_destroy(&worker);
    precis_ingest_destroy(&self);
    failures += journal_test(&config);
    failures += compaction_ids_test(&config);
    failures += forward_test(&config);
    failures += answers_test(&config);
    failures += no_forward_test(&config);
    failures += batch_test(&config, false);
    failures += batch_test(&config, true);
    failures += dispatch_test(&config, false);
    failures += dispatch_test(&config, true);
    failures += batch_frame_test(&config, false);
    failures += batch_frame_test(&config, true);
    failures += splice_dispatch_test(&config, false);
    failures += splice_dispatch_test(&config, true);
    failures += busy_early_test(&config);
    return failures;
}
