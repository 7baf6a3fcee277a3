/*  precis_push - the client side of the ingest socket: `precis push`.

    Every request carries an id (generated here when the input has none),
    and answers are matched to the requests in flight by it. A request
    that gets no answer within the reply timeout (its reply was lost, or
    ingest died before answering) is sent again with the same id, a
    bounded number of times: ingest is idempotent by id, so the article is
    published once, and a copy already taken is answered "accepted" with
    "duplicate": true. An answer to a copy already settled is dropped. A
    "busy" request moves to a retry list with its own backoff; the window
    of requests in flight bounds memory whatever the size of the input.

    Requests leave --batch at a time (default 16) as one batch frame (a
    msgpack array of the requests), and the answer is one batch frame of
    replies, in order (docs/PROTOCOL.md, "Batch requests"): ingest then
    pays ZeroMQ's cost per frame once for 16 articles. Each reply settles
    its own request as before (busy ones are retried alone, or in a later
    batch); a reply without an id (a request ingest could not read) settles
    the request sent in its place of the same message. Requests sent again
    for want of an answer go one a message. An ingest older than batch
    frames rejects one as a whole ("must be a msgpack map, got array"):
    its requests are sent again, and batches go as the frames of one
    message (a batch request of several frames, which such an ingest
    reads) for the rest of the run, said once on stderr.
*/
#include "precis_push.h"
#include "precis_batch.h"
#include "precis_inputs.h"
#include "precis_feed.h"
#include "precis_html.h"
#include "precis_msgpack.h"
#include "precis_shards.h"
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <poll.h>
#include <unistd.h>

#define PUSH_WINDOW 128 /* requests in flight, at least 4 messages' worth */
#define PUSH_BATCH  16
/* A batch heavier than this goes as several frames, not one batch frame:
   ingest's socket refuses a frame over twice its --max-bytes (and 4 KiB)
   without a reply, and --max-bytes may be lower than its default of
   4 MiB (1 MiB in deploy/k8s). A frame this large gains little from
   batching anyway: libzmq reads a frame over 8 KB straight into its
   message. */
#define PUSH_FRAME_MAX (1 << 20)
/* A batch being gathered is sent once it is this old (ms), whatever its
   size: an input slow to read (large files, a loaded machine) does not
   hold articles read already. */
#define PUSH_BATCH_WAIT_MS 5
#define BACKOFF_FIRST_MS   10
#define BACKOFF_MAX_MS     1000
/* A request unanswered this long is sent again (at least; a quarter of
   --timeout when that is longer), at most MAX_RESENDS times. */
#define RESEND_MIN_MS 1000
#define MAX_RESENDS   5

typedef struct {
    char id[PRECIS_MAX_ID + 1];
    void *data;
    size_t size;
    int64_t due_ms; /* when to resend, for busy requests */
    int64_t backoff_ms;
    int64_t sent_ms;  /* when last sent, for the reply timeout */
    int resends;      /* sent again for want of an answer */
    bool framed;      /* in a batch frame (not yet answered) */
    uint64_t message; /* the message it was last sent in (numbered from 1) ... */
    size_t slot;      /* ... and its frame there, from 0 */
} request_t;

/* Where articles come from: a list of paths, walked one file at a time. A
   JSON Lines file is read a line at a time; any other file is read whole
   into the articles it holds (one, or a feed's items), which wait in
   pending. */
typedef struct {
    zlistx_t *paths; /* char *, directories already expanded */
    int argument_count;
    char **arguments; /* the paths as given, for the ids of files */
    FILE *file;
    char *path;
    bool jsonl;
    bool plain_done;
    long line;
    zlistx_t *pending; /* json_t *, articles read from the file, not sent yet */
    bool feed;         /* pending holds a feed's items */
    long item;         /* of the feed, from 1, for messages */
    precis_title_rule_t title_rule;
    const char *stdin_id; /* --id: the id of the article read from stdin */
} source_t;

typedef struct {
    precis_config_t *config;
    zsock_t *dealer;
    zlistx_t *in_flight; /* request_t *, in send order */
    zlistx_t *retry;     /* request_t *, waiting for their due time */
    source_t source;
    bool input_done;
    uint64_t accepted, rejected, unreadable, retries, resent, duplicates;
    int64_t resend_ms; /* the reply timeout */
    int64_t last_answer_ms;
    int64_t last_progress_ms;
    bool progress; /* a progress line on the terminal instead of one line per answer */
    int64_t started_ms;
    uint64_t sent_new;    /* new articles sent, for --rate */
    uint64_t total_bytes; /* of all inputs; 0 when unknown (stdin, a pipe) */
    uint64_t done_bytes;  /* of the inputs read to the end */
    bool said_unreachable;
    size_t batch;        /* requests a message, at most */
    size_t window;       /* requests in flight, at most */
    uint64_t messages;   /* sent so far */
    bool frames_refused; /* ingest does not read batch frames: several frames */
} push_t;

static void request_destroy(request_t **self_p)
{
    if (*self_p) {
        free((*self_p)->data);
        free(*self_p);
        *self_p = NULL;
    }
}

static void destroy_json(json_t **object_p)
{
    json_decref(*object_p);
    *object_p = NULL;
}

static bool looks_like_jsonl(const char *path, FILE *file)
{
    size_t len = strlen(path);
    if ((len > 6 && strcmp(path + len - 6, ".jsonl") == 0) ||
        (len > 5 && strcmp(path + len - 5, ".json") == 0))
        return true;
    int c;
    while ((c = fgetc(file)) != EOF && (c == ' ' || c == '\n' || c == '\t' || c == '\r'))
        ;
    if (c != EOF)
        ungetc(c, file);
    return c == '{';
}

/* Opens the next path; false when there is none left. */
static bool source_open_next(push_t *self)
{
    source_t *source = &self->source;
    while (true) {
        if (source->file && source->file != stdin) {
            struct stat info;
            if (fstat(fileno(source->file), &info) == 0 && S_ISREG(info.st_mode))
                self->done_bytes += (uint64_t)info.st_size;
            fclose(source->file);
        }
        source->file = NULL;
        zstr_free(&source->path);
        source->path = zlistx_detach(source->paths, NULL);
        if (!source->path)
            return false;
        source->file = strcmp(source->path, "-") == 0 ? stdin : fopen(source->path, "r");
        if (!source->file) {
            fprintf(stderr, "error: cannot read %s: %s\n", source->path, strerror(errno));
            self->unreadable++;
            continue;
        }
        source->jsonl = looks_like_jsonl(source->path, source->file);
        source->plain_done = false;
        source->line = 0;
        return true;
    }
}

static void generate_id(char *id, size_t size)
{
    zuuid_t *uuid = zuuid_new();
    snprintf(id, size, "%s", zuuid_str(uuid));
    for (char *c = id; *c; c++)
        *c = (char)tolower(*c);
    zuuid_destroy(&uuid);
}

void *precis_push_request_from_json(json_t *object, size_t *size_p, char *id_out,
                                    size_t id_size, char *error)
{
    if (!json_is_object(object)) {
        snprintf(error, PRECIS_ERROR_SIZE, "not a JSON object");
        return NULL;
    }
    json_t *id = json_object_get(object, "id");
    if (id && !json_is_string(id)) {
        snprintf(error, PRECIS_ERROR_SIZE, "\"id\" must be a string");
        return NULL;
    }
    if (id && (json_string_length(id) == 0 || json_string_length(id) > PRECIS_MAX_ID)) {
        snprintf(error, PRECIS_ERROR_SIZE, "\"id\" must be 1 to %d bytes", PRECIS_MAX_ID);
        return NULL;
    }
    if (id)
        snprintf(id_out, id_size, "%s", json_string_value(id));
    else {
        generate_id(id_out, id_size);
        json_object_set_new(object, "id", json_string(id_out));
    }
    /* Reference summaries in evaluation sets are not for the pipeline. */
    json_object_del(object, "summaries");
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init(&buffer);
    msgpack_packer packer;
    msgpack_packer_init(&packer, &buffer, msgpack_sbuffer_write);
    precis_mp_pack_json(&packer, object);
    *size_p = buffer.size;
    return buffer.data;
}

/* The length options of the command apply to articles that set none;
   --explain to those that do not say "explain" themselves. */
static void apply_options(const precis_config_t *config, json_t *object)
{
    if (config->explain && !json_object_get(object, "explain"))
        json_object_set_new(object, "explain", json_true());
    if (json_object_get(object, "sentences") || json_object_get(object, "ratio") ||
        json_object_get(object, "words"))
        return;
    if (config->words)
        json_object_set_new(object, "words", json_integer(config->words));
    else if (config->sentences)
        json_object_set_new(object, "sentences", json_integer(config->sentences));
    else if (config->ratio > 0)
        json_object_set_new(object, "ratio", json_real(config->ratio));
}

/* A file article's id: its path as given, or relative to the directory
   argument it was found under, extension kept (precis_inputs_name), so
   d1/index.html and d2/index.html, or a.txt and a.html, stay two articles. */
static json_t *id_from_path(const source_t *source, const char *path)
{
    char *name = precis_inputs_name(path, source->argument_count, source->arguments);
    json_t *id = json_string(name);
    free(name);
    return id;
}

/* A plain-text article: the first line is the title when the rule says so. */
static json_t *plain_article(const source_t *source, const char *data, size_t size)
{
    size_t title_len;
    size_t skip = precis_title_split(data, size, source->title_rule, &title_len);
    json_t *object = json_object();
    if (skip > 0)
        json_object_set_new(object, "title", json_stringn_nocheck(data, title_len));
    json_object_set_new(object, "text", json_stringn_nocheck(data + skip, size - skip));
    return object;
}

/* An HTML page: one article, its title the page's. */
static json_t *html_article(const char *data, size_t size)
{
    json_t *object = json_object();
    char *title = NULL;
    size_t len;
    free(precis_html_to_text(data, size, &len, &title));
    if (title)
        json_object_set_new(object, "title", json_string_nocheck(title));
    free(title);
    json_object_set_new(object, "text", json_stringn_nocheck(data, size));
    json_object_set_new(object, "format", json_string("html"));
    return object;
}

static void set_string(json_t *object, const char *key, const char *value)
{
    if (value)
        json_object_set_new(object, key, json_string_nocheck(value));
}

/* A feed: one article per item into pending; items without text are
   reported and skipped. Returns false when the file is not a feed. */
static bool read_feed(push_t *self, const char *data, size_t size)
{
    source_t *source = &self->source;
    char error[PRECIS_ERROR_SIZE];
    precis_feed_t *feed = precis_feed_new(data, size, error);
    if (!feed) {
        fprintf(stderr, "error: %s: %s\n", source->path, error);
        self->unreadable++;
        return false;
    }
    for (size_t i = 0; i < precis_feed_size(feed); i++) {
        const precis_feed_item_t *item = precis_feed_item(feed, i);
        if (!item->text) {
            fprintf(stderr,
                    "error: %s: item %zu (%s) has no content, description or summary: "
                    "skipped\n",
                    source->path, i + 1, item->id ? item->id : "no id");
            self->unreadable++;
            zlistx_add_end(source->pending, json_null()); /* keeps the numbering */
            continue;
        }
        json_t *object = json_object();
        set_string(object, "id", item->id);
        set_string(object, "title", item->title);
        set_string(object, "url", item->url);
        set_string(object, "published", item->published);
        set_string(object, "text", item->text);
        if (item->format != PRECIS_FORMAT_AUTO)
            json_object_set_new(object, "format",
                                json_string(precis_format_name(item->format)));
        zlistx_add_end(source->pending, object);
    }
    precis_feed_destroy(&feed);
    return true;
}

/* Reads a whole file that is not JSON Lines into pending: a feed (by its
   extension, or sniffed when it has none of ours), an HTML page (the same),
   or plain text. */
static void read_whole(push_t *self)
{
    source_t *source = &self->source;
    zchunk_t *chunk = zchunk_read(source->file, 1u << 30);
    source->plain_done = true;
    source->feed = false;
    source->item = 0;
    if (!chunk)
        return;
    const char *data = (const char *)zchunk_data(chunk);
    size_t size = zchunk_size(chunk);
    const char *path = source->path;
    bool named = strcmp(path, "-") != 0;
    bool known = named && precis_inputs_is_article_name(path);
    json_t *object = NULL;
    if (precis_inputs_has_extension(path, ".xml") ||
        precis_inputs_has_extension(path, ".rss") ||
        precis_inputs_has_extension(path, ".atom") ||
        (!known && precis_feed_sniff(data, size))) {
        source->feed = read_feed(self, data, size);
        zchunk_destroy(&chunk);
        return;
    }
    if (precis_inputs_has_extension(path, ".html") ||
        precis_inputs_has_extension(path, ".htm") ||
        (!known && precis_html_detect(data, size)))
        object = html_article(data, size);
    else
        object = plain_article(source, data, size);
    if (named)
        json_object_set_new(object, "id", id_from_path(source, path));
    else if (source->stdin_id)
        json_object_set_new(object, "id", json_string(source->stdin_id));
    zlistx_add_end(source->pending, object);
    zchunk_destroy(&chunk);
}

/* The next article object from the input, with where it comes from for
   messages; NULL when the input is exhausted. */
static json_t *next_object(push_t *self, char *where, size_t where_size)
{
    source_t *source = &self->source;
    while (true) {
        if (zlistx_size(source->pending) > 0) {
            json_t *object = zlistx_detach(source->pending, NULL);
            source->item++;
            if (source->feed)
                snprintf(where, where_size, "%s: item %ld", source->path, source->item);
            else
                snprintf(where, where_size, "%s", source->path);
            if (json_is_null(object)) /* an item already reported */
                continue;
            return object;
        }
        if (!source->file || (!source->jsonl && source->plain_done)) {
            if (!source_open_next(self))
                return NULL;
        }
        if (!source->jsonl) {
            read_whole(self);
            continue;
        }
        char *line = NULL;
        size_t cap = 0;
        ssize_t len = getline(&line, &cap, source->file);
        if (len < 0) {
            free(line);
            source->plain_done = true;
            source->jsonl = false;
            continue;
        }
        source->line++;
        snprintf(where, where_size, "%s:%ld", source->path, source->line);
        if (strspn(line, " \t\r\n") == (size_t)len) {
            free(line);
            continue;
        }
        json_error_t json_error;
        json_t *object = json_loadb(line, (size_t)len, 0, &json_error);
        free(line);
        if (!object) {
            fprintf(stderr, "error: %s: invalid JSON: %s\n", where, json_error.text);
            self->unreadable++;
            continue;
        }
        return object;
    }
}

/* The next request from the input; NULL when the input is exhausted. */
static request_t *next_request(push_t *self)
{
    char error[PRECIS_ERROR_SIZE];
    char where[4200];
    json_t *object;
    while ((object = next_object(self, where, sizeof where))) {
        apply_options(self->config, object);
        request_t *request = calloc(1, sizeof *request);
        request->data = precis_push_request_from_json(object, &request->size, request->id,
                                                      sizeof request->id, error);
        json_decref(object);
        if (!request->data) {
            fprintf(stderr, "error: %s: %s\n", where, error);
            self->unreadable++;
            request_destroy(&request);
            continue;
        }
        request->backoff_ms = BACKOFF_FIRST_MS;
        return request;
    }
    return NULL;
}

/* Sends count requests (2 to 64) as one batch frame, a msgpack array of
   them, written into the message once. False when ingest cannot take it
   now. */
static bool send_batch_frame(void *dealer, request_t **requests, size_t count)
{
    size_t size = precis_batch_header_size(count);
    for (size_t i = 0; i < count; i++)
        size += requests[i]->size;
    zmq_msg_t frame;
    zmq_msg_init_size(&frame, size);
    unsigned char *out = zmq_msg_data(&frame);
    out += precis_batch_header(out, count);
    for (size_t i = 0; i < count; i++) {
        memcpy(out, requests[i]->data, requests[i]->size);
        out += requests[i]->size;
    }
    if (zmq_msg_send(&frame, dealer, ZMQ_DONTWAIT) == -1) {
        zmq_msg_close(&frame);
        return false;
    }
    return true;
}

/* Sends count requests as the frames of one message and puts them in
   flight; false, leaving them to the caller, when no ingest can take it
   now: with several shards the socket queues only to those connected
   (ZMQ_IMMEDIATE), so none may be. Once the first frame is queued the
   rest are (ZeroMQ queues a message whole). */
static bool send_requests(push_t *self, request_t **requests, size_t count)
{
    void *dealer = zsock_resolve(self->dealer);
    size_t bytes = 0;
    for (size_t i = 0; i < count; i++)
        bytes += requests[i]->size;
    bool framed = count > 1 && !self->frames_refused && bytes <= PUSH_FRAME_MAX;
    if (framed && !send_batch_frame(dealer, requests, count))
        return false;
    for (size_t i = 0; !framed && i < count; i++)
        if (zmq_send(dealer, requests[i]->data, requests[i]->size,
                     (i + 1 < count ? ZMQ_SNDMORE : 0) | ZMQ_DONTWAIT) == -1) {
            assert(i == 0);
            return false;
        }
    self->messages++;
    int64_t now = zclock_mono();
    for (size_t i = 0; i < count; i++) {
        requests[i]->sent_ms = now;
        requests[i]->message = self->messages;
        requests[i]->slot = i;
        requests[i]->framed = framed;
        zlistx_add_end(self->in_flight, requests[i]);
    }
    return true;
}

/* A request that could not be sent: tried again a little later. */
static void send_later(push_t *self, request_t *request, int64_t now)
{
    request->due_ms = now + BACKOFF_FIRST_MS;
    zlistx_add_end(self->retry, request);
}

/* Sends again, with the same id, the requests in flight that got no answer
   within the reply timeout. */
static void resend_unanswered(push_t *self)
{
    int64_t now = zclock_mono();
    for (request_t *request = zlistx_first(self->in_flight); request;
         request = zlistx_next(self->in_flight)) {
        if (now - request->sent_ms < self->resend_ms || request->resends >= MAX_RESENDS)
            continue;
        if (zmq_send(zsock_resolve(self->dealer), request->data, request->size,
                     ZMQ_DONTWAIT) == -1)
            return; /* ingest cannot take more now: next time */
        request->sent_ms = now;
        request->message = ++self->messages;
        request->slot = 0;
        request->framed = false;
        request->resends++;
        self->resent++;
    }
}

/* The request in flight an answer is for: the first with its id; for an
   answer without one (a request ingest could not read), the one sent in
   its place (slot) of the same message, when another answer of the
   message named that (message, 0 when none did), else the oldest. */
static request_t *settle(push_t *self, const char *id, uint64_t message, size_t slot)
{
    for (request_t *request = zlistx_first(self->in_flight); request;
         request = zlistx_next(self->in_flight))
        if (*id ? strcmp(request->id, id) == 0
                : !message || (request->message == message && request->slot == slot)) {
            zlistx_detach_cur(self->in_flight);
            return request;
        }
    return *id || !message ? NULL : settle(self, id, 0, slot);
}

/* The bytes of all inputs when every one is a regular file; 0 (unknown)
   when one is stdin or a pipe. */
static uint64_t input_bytes(zlistx_t *paths)
{
    uint64_t total = 0;
    for (char *path = zlistx_first(paths); path; path = zlistx_next(paths)) {
        struct stat info;
        if (strcmp(path, "-") == 0 || stat(path, &info) != 0 || !S_ISREG(info.st_mode))
            return 0;
        total += (uint64_t)info.st_size;
    }
    return total;
}

/* The progress line on a terminal: with a known input size, the share
   read, the rate and the time left (from the bytes read so far). */
static void show_progress(push_t *self, bool final)
{
    int64_t now = zclock_mono();
    if (!self->progress || (!final && now - self->last_progress_ms < 200))
        return;
    self->last_progress_ms = now;
    double seconds = (double)(now - self->started_ms) / 1000.0;
    double rate = seconds > 0 ? (double)self->accepted / seconds : 0;
    char share[96] = "";
    if (self->total_bytes) {
        uint64_t done = self->done_bytes;
        if (self->source.file && self->source.file != stdin) {
            long position = ftell(self->source.file);
            done += position > 0 ? (uint64_t)position : 0;
        }
        double part = (double)done / (double)self->total_bytes;
        if (part > 1)
            part = 1;
        double left = part > 0 ? seconds * (1 - part) / part : 0;
        snprintf(share, sizeof share, "%3.0f%% of %.1f MB, ETA %d:%02d, ", 100 * part,
                 (double)self->total_bytes / 1e6, (int)left / 60, (int)left % 60);
    }
    fprintf(stderr,
            "\rpushing: %s%llu accepted (%.0f/s), %llu rejected, %zu in flight, %llu "
            "retries%s",
            share, (unsigned long long)self->accepted, rate,
            (unsigned long long)self->rejected,
            zlistx_size(self->in_flight) + zlistx_size(self->retry),
            (unsigned long long)self->retries, final ? "\n" : "   ");
}

/* One reply frame, decoded. */
typedef struct {
    char status[16], error[PRECIS_ERROR_SIZE], id[PRECIS_MAX_ID + 1];
    bool duplicate;
} reply_t;

static void decode_reply(reply_t *reply, const void *data, size_t size)
{
    memset(reply, 0, sizeof *reply);
    msgpack_unpacked unpacked;
    msgpack_unpacked_init(&unpacked);
    if (precis_mp_unpack(&unpacked, data, size, 4)) {
        const msgpack_object *value;
        if ((value = precis_mp_lookup(&unpacked.data, "duplicate")) &&
            value->type == MSGPACK_OBJECT_BOOLEAN)
            reply->duplicate = value->via.boolean;
        if ((value = precis_mp_lookup(&unpacked.data, "status")) &&
            value->type == MSGPACK_OBJECT_STR)
            snprintf(reply->status, sizeof reply->status, "%.*s",
                     (int)value->via.str.size, value->via.str.ptr);
        if ((value = precis_mp_lookup(&unpacked.data, "error")) &&
            value->type == MSGPACK_OBJECT_STR)
            snprintf(reply->error, sizeof reply->error, "%.*s", (int)value->via.str.size,
                     value->via.str.ptr);
        if ((value = precis_mp_lookup(&unpacked.data, "id")) &&
            value->type == MSGPACK_OBJECT_STR)
            snprintf(reply->id, sizeof reply->id, "%.*s", (int)value->via.str.size,
                     value->via.str.ptr);
    }
    msgpack_unpacked_destroy(&unpacked);
}

/* Settles request with its reply: done, or retried when busy. */
static void take_reply(push_t *self, request_t *request, const reply_t *reply)
{
    if (strcmp(reply->status, "busy") == 0) {
        self->retries++;
        request->due_ms = zclock_mono() + request->backoff_ms;
        request->backoff_ms = request->backoff_ms * 2 > BACKOFF_MAX_MS
                                  ? BACKOFF_MAX_MS
                                  : request->backoff_ms * 2;
        zlistx_add_end(self->retry, request);
        return;
    }
    if (strcmp(reply->status, "accepted") == 0) {
        self->accepted++;
        self->duplicates += reply->duplicate;
        /* A third column says when ingest already had the id (in flight or
           delivered): accepted, and published once. */
        if (!self->progress)
            printf("accepted\t%s%s\n", request->id,
                   reply->duplicate ? "\tduplicate" : "");
    } else {
        self->rejected++;
        if (self->progress)
            fprintf(stderr, "\r\033[K");
        printf("rejected\t%s\t%s\n", request->id,
               *reply->error ? reply->error : "(no reason given)");
    }
    request_destroy(&request);
}

/* The message an answer message is for: that of the first of its replies
   whose id is in flight; 0 when none is, or when every reply has an id
   (each then settles its request by id, and the search is not needed). */
static uint64_t answered_message(push_t *self, const reply_t *replies, size_t count)
{
    size_t without_id = 0;
    for (size_t i = 0; i < count; i++)
        without_id += !*replies[i].id;
    if (without_id == 0)
        return 0;
    for (size_t i = 0; i < count; i++) {
        if (!*replies[i].id)
            continue;
        for (request_t *request = zlistx_first(self->in_flight); request;
             request = zlistx_next(self->in_flight))
            if (strcmp(request->id, replies[i].id) == 0)
                return request->message;
    }
    return 0;
}

/* True when a reply says that ingest read a batch frame as one request
   that is not a map: an ingest older than batch frames. */
static bool frame_refused(const reply_t *reply)
{
    return !*reply->id && strcmp(reply->status, "rejected") == 0 &&
           strstr(reply->error, "msgpack map, got array");
}

/* An ingest that does not read batch frames rejected one: the requests of
   the oldest batch frame in flight (such an ingest answers in order) go
   again, and batches go as several frames from now on. False when no
   batch frame is in flight (the reply is then an answer like any). */
static bool take_refusal(push_t *self)
{
    uint64_t message = 0;
    for (request_t *request = zlistx_first(self->in_flight); request;
         request = zlistx_next(self->in_flight))
        if (request->framed && (!message || request->message < message))
            message = request->message;
    if (!message)
        return false;
    if (!self->frames_refused)
        fprintf(stderr,
                "%sprecis push: ingest at %s does not read batch frames (an older "
                "version): sending each batch as several frames of one message\n",
                self->progress ? "\n" : "", self->config->ingest_endpoint);
    self->frames_refused = true;
    int64_t now = zclock_mono();
    /* Detaching moves the cursor back: the walk goes on from there. */
    for (request_t *request = zlistx_first(self->in_flight); request;
         request = zlistx_next(self->in_flight))
        if (request->framed && request->message == message) {
            zlistx_detach_cur(self->in_flight);
            request->framed = false;
            request->due_ms = now; /* not busy: no backoff */
            zlistx_add_end(self->retry, request);
        }
    return true;
}

/* Reads one answer message, a reply per request (the frames of a batch
   frame, or of the message), and settles each reply's request. */
static void handle_answer(push_t *self)
{
    zmsg_t *answer = zmsg_recv(self->dealer);
    if (!answer)
        return;
    self->last_answer_ms = zclock_mono();
    static reply_t replies[PRECIS_REQUESTS_PER_MESSAGE];
    size_t count = 0;
    zframe_t *first = zmsg_first(answer);
    precis_batch_reader_t reader;
    if (zmsg_size(answer) == 1 &&
        precis_batch_open(&reader, zframe_data(first), zframe_size(first)) >= 0) {
        const void *data;
        size_t size;
        while (count < PRECIS_REQUESTS_PER_MESSAGE &&
               precis_batch_next(&reader, &data, &size))
            decode_reply(&replies[count++], data, size);
    } else
        for (zframe_t *frame = first; frame && count < PRECIS_REQUESTS_PER_MESSAGE;
             frame = zmsg_next(answer))
            decode_reply(&replies[count++], zframe_data(frame), zframe_size(frame));
    zmsg_destroy(&answer);
    if (count == 1 && frame_refused(&replies[0]) && take_refusal(self))
        return;
    uint64_t message = count > 1 ? answered_message(self, replies, count) : 0;
    for (size_t i = 0; i < count; i++) {
        request_t *request = settle(self, replies[i].id, message, i);
        if (request)
            take_reply(self, request, &replies[i]);
        else /* The answer to a copy sent again, after the first was settled. */
            precis_debug("a late answer for %s: %s", replies[i].id, replies[i].status);
    }
}

/* True when sending one more new article now would exceed --rate. */
static bool over_rate(const push_t *self, int64_t now)
{
    return self->config->rate > 0 && (int64_t)self->sent_new * 1000 >=
                                         (now - self->started_ms) * self->config->rate;
}

/* True when reading the next article may wait for input that has not come
   yet: stdin or a pipe with nothing to read now (or the next of such
   inputs). Regular files never wait. A stream's articles then leave as
   they come, never held for later ones to fill a batch. */
static bool input_may_wait(const push_t *self)
{
    if (self->total_bytes > 0) /* every input a regular file */
        return false;
    if (!self->source.file)
        return true;
    struct pollfd item = {.fd = fileno(self->source.file), .events = POLLIN};
    return poll(&item, 1, 0) <= 0;
}

/* Sends the count requests gathered as one message, or puts them back to
   be tried a little later; returns false then. */
static bool flush_requests(push_t *self, request_t **requests, size_t count, int64_t now)
{
    if (count == 0 || send_requests(self, requests, count))
        return true;
    for (size_t i = 0; i < count; i++)
        send_later(self, requests[i], now);
    return false;
}

/* Sends retries that are due, then new requests, up to the window, as
   messages of up to --batch requests. */
static void fill_window(push_t *self)
{
    int64_t now = zclock_mono();
    request_t *request, *batch[PRECIS_REQUESTS_PER_MESSAGE];
    size_t count = 0;
    bool sendable = true;
    /* Rebuilt each time: the retry list is at most one window long. */
    zlistx_t *retry = self->retry;
    self->retry = zlistx_new();
    while ((request = zlistx_detach(retry, NULL))) {
        if (!sendable || request->due_ms > now ||
            zlistx_size(self->in_flight) + count >= self->window) {
            if (request->due_ms <= now)
                request->due_ms = now + BACKOFF_FIRST_MS;
            zlistx_add_end(self->retry, request);
            continue;
        }
        batch[count++] = request;
        if (count == self->batch) {
            sendable = flush_requests(self, batch, count, now);
            count = 0;
        }
    }
    zlistx_destroy(&retry);
    int64_t gathering_since = 0;
    while (sendable && !self->input_done &&
           zlistx_size(self->in_flight) + count < self->window &&
           zlistx_size(self->retry) < self->window && !over_rate(self, now)) {
        /* What is gathered goes first when the next read may wait. */
        if (count > 0 && (zclock_mono() - gathering_since >= PUSH_BATCH_WAIT_MS ||
                          input_may_wait(self))) {
            sendable = flush_requests(self, batch, count, now);
            count = 0;
            if (!sendable)
                break;
        }
        request = next_request(self);
        if (!request) {
            self->input_done = true;
            break;
        }
        self->sent_new++;
        if (count == 0)
            gathering_since = zclock_mono();
        batch[count++] = request;
        if (count == self->batch) {
            sendable = flush_requests(self, batch, count, now);
            count = 0;
        }
    }
    if (sendable) /* else nothing was gathered since */
        flush_requests(self, batch, count, now);
}

static int push_all(push_t *self)
{
    zpoller_t *poller = zpoller_new(self->dealer, NULL);
    int exit_code = 0;
    self->last_answer_ms = self->started_ms = zclock_mono();
    while (!zsys_interrupted) {
        fill_window(self);
        if (self->input_done && zlistx_size(self->in_flight) == 0 &&
            zlistx_size(self->retry) == 0)
            break;
        if (zpoller_wait(poller, 20))
            handle_answer(self);
        else if (zlistx_size(self->in_flight) + zlistx_size(self->retry) > 0 &&
                 zclock_mono() - self->last_answer_ms >
                     (int64_t)(self->config->timeout * 1000)) {
            /* A progress line, when there is one, ends first. */
            fprintf(stderr,
                    "%sprecis push: no answer from ingest at %s for %.0f s; is the "
                    "pipeline running? (deploy/pipeline status)\n",
                    self->progress ? "\n" : "", self->config->ingest_endpoint,
                    self->config->timeout);
            exit_code = 3;
            break;
        }
        resend_unanswered(self);
        /* Nothing heard at all after 3 s: say so now, not only at --timeout. */
        if (!self->said_unreachable && self->accepted + self->rejected == 0 &&
            zlistx_size(self->in_flight) + zlistx_size(self->retry) > 0 &&
            zclock_mono() - self->started_ms > 3000 && self->config->timeout > 3) {
            fprintf(stderr,
                    "precis push: no answer from ingest at %s in 3 s; is the pipeline "
                    "running? (deploy/pipeline status) Waiting up to --timeout %.0f s.\n",
                    self->config->ingest_endpoint, self->config->timeout);
            self->said_unreachable = true;
        }
        show_progress(self, false);
    }
    if (zsys_interrupted && exit_code == 0)
        exit_code = 3;
    show_progress(self, true);
    zpoller_destroy(&poller);
    return exit_code;
}

static const char *usage =
    "Usage: precis push [OPTIONS] [FILE|DIR|-]...\n"
    "Pushes articles to the ingest socket. Reads stdin when no file is given or for\n"
    "'-'; a directory gives its .txt .html .htm .jsonl .json .xml .rss .atom files\n"
    "(sorted, subdirectories too); other files in it are skipped.\n"
    "A file's id is its path as given, or relative to the DIR it is under, with\n"
    "its extension (tree gives d1/index.html and d2/index.html, two articles);\n"
    "feed items and JSON Lines keep their own ids.\n"
    "  plain text  the first line is the title when it looks like one: followed\n"
    "              by a line break, at most 20 words and 200 bytes, no final\n"
    "              . ! ? or ...\n"
    "  .html .htm  one article in format html, the title from the page\n"
    "  .xml .rss .atom  an RSS or Atom feed: one article per item (id from guid\n"
    "              or id, title, link as url, date as published, content or\n"
    "              description as the text in format html)\n"
    "  JSON Lines  one {\"id\",\"title\",\"text\",...} object a line (.jsonl, .json,\n"
    "              or content starting with '{')\n"
    "A file of another name is sniffed: a feed, HTML, or plain text.\n"
    "  --title-line  the first line of a plain-text file is always the title\n"
    "  --no-title    it never is: the whole file is the text\n"
    "  --id ID       the id of the one plain-text or HTML article read from stdin;\n"
    "                without it ingest gives that article a 32-character hex id\n"
    "                (printed in its accepted line; a file's id is its path)\n"
    "Prints each answer (accepted/rejected, tab-separated) or, on a terminal, a\n"
    "progress line; 'busy' answers are retried with backoff. A request with no\n"
    "answer after a quarter of --timeout (at least 1 s) is sent again with the same\n"
    "id, up to 5 times: ingest publishes an id once (\"duplicate\" answers).\n"
    "Articles go --batch at a time (default 16) as one batch frame, answered with\n"
    "one (docs/PROTOCOL.md, \"Batch frames of requests\"); to an ingest older than\n"
    "batch frames as the frames of one message, said once on stderr.\n"
    "Exit codes: 0 all accepted, 1 something rejected or unreadable, 2 usage error,\n"
    "3 ingest did not answer (see --timeout, default 10 s).";

/* Takes the title options out of argv (the shared parser does not know
   them); returns the rule, or -1 when both are given. */
static int take_title_options(int *argc_p, char **argv)
{
    int rule = PRECIS_TITLE_GUESS, kept = 0;
    bool options_done = false;
    for (int i = 0; i < *argc_p; i++) {
        if (!options_done && strcmp(argv[i], "--title-line") == 0)
            rule = rule == PRECIS_TITLE_NEVER ? -1
                   : rule < 0                 ? rule
                                              : PRECIS_TITLE_ALWAYS;
        else if (!options_done && strcmp(argv[i], "--no-title") == 0)
            rule = rule == PRECIS_TITLE_ALWAYS ? -1
                   : rule < 0                  ? rule
                                               : PRECIS_TITLE_NEVER;
        else {
            options_done = options_done || strcmp(argv[i], "--") == 0;
            argv[kept++] = argv[i];
        }
    }
    argv[kept] = NULL;
    *argc_p = kept;
    return rule;
}

/* Takes --id ID (or --id=ID) out of argv, like the title options; *id is
   NULL when not given. Returns false when --id has no value. */
static bool take_id_option(int *argc_p, char **argv, const char **id)
{
    int kept = 0;
    bool options_done = false, ok = true;
    *id = NULL;
    for (int i = 0; i < *argc_p; i++) {
        if (!options_done && strcmp(argv[i], "--id") == 0) {
            if (i + 1 < *argc_p && *argv[i + 1])
                *id = argv[++i];
            else
                ok = false;
        } else if (!options_done && strncmp(argv[i], "--id=", 5) == 0) {
            *id = argv[i] + 5;
            ok = ok && **id;
        } else {
            options_done = options_done || strcmp(argv[i], "--") == 0;
            argv[kept++] = argv[i];
        }
    }
    argv[kept] = NULL;
    *argc_p = kept;
    return ok;
}

int precis_cmd_push(int argc, char **argv)
{
    precis_config_t config;
    const char *stdin_id = NULL;
    if (!take_id_option(&argc, argv, &stdin_id)) {
        fprintf(stderr,
                "precis push: --id needs a value: the id of the article on stdin\n");
        return 2;
    }
    int title_rule = take_title_options(&argc, argv);
    if (title_rule < 0) {
        fprintf(stderr, "precis push: give one of --title-line and --no-title\n");
        return 2;
    }
    precis_config_help("timeout", "give up (exit 3) when ingest does not answer within "
                                  "SECONDS (default 10)");
    precis_config_help("explain",
                       "ask every article's summary to say why each sentence\n"
                       "was or was not chosen (\"explain\": true, unless the\n"
                       "article says otherwise; read with 'precis sub --json';\n"
                       "docs/PROTOCOL.md, \"Explain\")");
    precis_config_help("ingest", "ingest socket to push to; with several ingest shards,\n"
                                 "their comma-separated list (requests are spread\n"
                                 "over them; PRECIS_INGEST the same)");
    int rc =
        precis_program_start(&config, argc, argv,
                             PRECIS_OPT_INGEST | PRECIS_OPT_LENGTH | PRECIS_OPT_TIMEOUT |
                                 PRECIS_OPT_CURVE | PRECIS_OPT_PUSH,
                             usage, "precis-push", false);
    if (rc >= 0)
        return rc;
    if (stdin_id &&
        (strlen(stdin_id) > 256 ||
         (config.argc > 0 && (config.argc > 1 || strcmp(config.argv[0], "-") != 0)))) {
        fprintf(stderr,
                "precis push: --id '%.300s': names the one article read from stdin "
                "(1 to 256 bytes; give no FILE, or '-')\n",
                stdin_id);
        return 2;
    }
    if (config.timeout == 0)
        config.timeout = 10;
    push_t self = {.config = &config};
    self.batch = config.batch ? (size_t)config.batch : PUSH_BATCH;
    self.window = 4 * self.batch > PUSH_WINDOW ? 4 * self.batch : PUSH_WINDOW;
    self.resend_ms = (int64_t)(config.timeout * 250);
    if (self.resend_ms < RESEND_MIN_MS)
        self.resend_ms = RESEND_MIN_MS;
    /* Several ingest shards: requests go round-robin to the connected
       ones only (ZMQ_IMMEDIATE), so that none waits in the queue of a
       shard that is down; one that got no answer is sent again and lands
       on another. */
    self.dealer = zsock_new(ZMQ_DEALER);
    if (self.dealer && precis_shards_count(config.ingest_endpoint) > 1)
        zsock_set_immediate(self.dealer, 1);
    if (self.dealer) {
        precis_socket_tune(self.dealer);
        precis_curve_client(self.dealer);
    }
    if (!self.dealer ||
        precis_shards_attach(self.dealer, config.ingest_endpoint, false) == -1) {
        zsock_destroy(&self.dealer);
        return 3;
    }
    self.in_flight = zlistx_new();
    self.retry = zlistx_new();
    self.source.title_rule = (precis_title_rule_t)title_rule;
    self.source.stdin_id = stdin_id;
    self.source.pending = zlistx_new();
    zlistx_set_destructor(self.source.pending, (zlistx_destructor_fn *)destroy_json);
    /* Files, directories (their article files, sorted) and stdin, as
       offline summarize takes them (precis_inputs). */
    self.source.paths = precis_inputs_new(config.argc, config.argv);
    self.source.argument_count = config.argc;
    self.source.arguments = config.argv;
    self.total_bytes = input_bytes(self.source.paths);
    self.progress = isatty(STDERR_FILENO) && isatty(STDOUT_FILENO);
    /* Each answer is a line as soon as it comes, even into a pipe or file. */
    setvbuf(stdout, NULL, _IOLBF, 0);

    int exit_code = push_all(&self);
    fprintf(
        stderr,
        "pushed %llu: %llu accepted, %llu rejected, %llu unreadable, %llu busy retries, "
        "%llu sent again for want of an answer (%llu duplicates)\n",
        (unsigned long long)(self.accepted + self.rejected),
        (unsigned long long)self.accepted, (unsigned long long)self.rejected,
        (unsigned long long)self.unreadable, (unsigned long long)self.retries,
        (unsigned long long)self.resent, (unsigned long long)self.duplicates);
    if (exit_code == 0 && (self.rejected || self.unreadable))
        exit_code = 1;

    request_t *request;
    while ((request = zlistx_detach(self.in_flight, NULL)))
        request_destroy(&request);
    while ((request = zlistx_detach(self.retry, NULL)))
        request_destroy(&request);
    zlistx_destroy(&self.in_flight);
    zlistx_destroy(&self.retry);
    if (self.source.file && self.source.file != stdin)
        fclose(self.source.file);
    zstr_free(&self.source.path);
    zlistx_destroy(&self.source.paths);
    zlistx_destroy(&self.source.pending);
    zsock_set_linger(self.dealer, 0);
    zsock_destroy(&self.dealer);
    precis_curve_stop();
    return exit_code;
}

/* Writes a file for the tests. */
static void write_file(const char *dir, const char *name, const char *content)
{
    char *path = zsys_sprintf("%s/%s", dir, name);
    FILE *file = fopen(path, "w");
    if (file) { /* else the reading that follows fails */
        fputs(content, file);
        fclose(file);
    }
    zstr_free(&path);
}

/* Reads every article object of paths, as push would send them. */
static json_t *read_all(const char *path, precis_title_rule_t rule, uint64_t *unreadable)
{
    push_t self = {0};
    self.source.title_rule = rule;
    self.source.pending = zlistx_new();
    zlistx_set_destructor(self.source.pending, (zlistx_destructor_fn *)destroy_json);
    char *one[] = {(char *)path};
    self.source.paths = precis_inputs_new(1, one);
    self.source.argument_count = 1;
    self.source.arguments = one;
    json_t *objects = json_array(), *object;
    char where[4200];
    while ((object = next_object(&self, where, sizeof where)))
        json_array_append_new(objects, object);
    zlistx_destroy(&self.source.paths);
    zlistx_destroy(&self.source.pending);
    *unreadable = self.unreadable;
    return objects;
}

static const char *field(json_t *objects, size_t index, const char *key)
{
    return json_string_value(json_object_get(json_array_get(objects, index), key));
}

static bool same(const char *value, const char *expected)
{
    return (!value && !expected) || (value && expected && strcmp(value, expected) == 0);
}

/* Two different pages named index.html in two folders, and a.txt beside
   a.html, are four articles with four ids (once they were two, "index"
   and "a", and the second of each was dropped as a duplicate). */
static int test_same_names(const char *dir)
{
    int failures = 0;
    char *tree = zsys_sprintf("%s/tree", dir);
    char *d1 = zsys_sprintf("%s/d1", tree), *d2 = zsys_sprintf("%s/d2", tree);
    mkdir(tree, 0700);
    mkdir(d1, 0700);
    mkdir(d2, 0700);
    write_file(d1, "index.html", "<title>Tide tables</title><p>High tide at noon.</p>");
    write_file(d2, "index.html", "<title>Fish market</title><p>Cod is cheap today.</p>");
    write_file(tree, "a.txt", "The pier is closed for repairs.\n");
    write_file(tree, "a.html", "<p>The pier is closed for repairs.</p>");
    uint64_t unreadable;
    json_t *objects = read_all(tree, PRECIS_TITLE_GUESS, &unreadable);
    if (json_array_size(objects) != 4 || !same(field(objects, 0, "id"), "a.html") ||
        !same(field(objects, 1, "id"), "a.txt") ||
        !same(field(objects, 2, "id"), "d1/index.html") ||
        !same(field(objects, 3, "id"), "d2/index.html")) {
        char *dump = json_dumps(objects, JSON_INDENT(1));
        fprintf(stderr, "push test: same file names gave ids %s\n", dump);
        free(dump);
        failures++;
    }
    json_decref(objects);
    zstr_free(&tree);
    zstr_free(&d1);
    zstr_free(&d2);
    return failures;
}

/* Files of a directory: only article files, each read by its kind. */
static int test_files(void)
{
    int failures = 0;
    char dir[] = "/tmp/precis-push-test-XXXXXX";
    if (!mkdtemp(dir)) {
        fprintf(stderr, "push test: cannot make a directory: %s\n", strerror(errno));
        return 1;
    }
    write_file(dir, "README.md", "# Not an article\n\nSkip me.\n");
    write_file(dir, "make.py", "print('skip me')\n");
    write_file(dir, "a-titled.txt", "Harbour bridge reopens\n\nThe bridge reopened.\n");
    write_file(dir, "b-untitled.txt",
               "The bridge reopened on Monday.\nCars came back.\n");
    write_file(dir, "c-page.html",
               "<html><head><title>Ferry &amp; harbour</title></head><body><p>The "
               "ferry is back.</p></body></html>");
    write_file(
        dir, "d-feed.rss",
        "<rss><channel><item><guid>g1</guid><title>One</title><link>https://e.org/1"
        "</link><pubDate>Mon, 30 Nov 2026 08:00:00 GMT</pubDate><description>&lt;p"
        "&gt;First.&lt;/p&gt;</description></item><item><guid>g2</guid><title>Empty"
        "</title></item><item><guid>g3</guid><description>Third.</description>"
        "</item></channel></rss>");
    write_file(dir, "e-broken.xml", "<rss><channel><item>");
    uint64_t unreadable;
    json_t *objects = read_all(dir, PRECIS_TITLE_GUESS, &unreadable);
    if (json_array_size(objects) != 5 || unreadable != 2) {
        fprintf(stderr, "push test: %zu articles and %llu unreadable, expected 5 and 2\n",
                json_array_size(objects), (unsigned long long)unreadable);
        failures++;
    }
    if (!same(field(objects, 0, "id"), "a-titled.txt") ||
        !same(field(objects, 0, "title"), "Harbour bridge reopens") ||
        !same(field(objects, 0, "text"), "\nThe bridge reopened.\n") ||
        !same(field(objects, 1, "title"), NULL) ||
        !same(field(objects, 1, "text"),
              "The bridge reopened on Monday.\nCars came back.\n") ||
        !same(field(objects, 2, "id"), "c-page.html") ||
        !same(field(objects, 2, "title"), "Ferry & harbour") ||
        !same(field(objects, 2, "format"), "html") ||
        !same(field(objects, 3, "id"), "g1") ||
        !same(field(objects, 3, "url"), "https://e.org/1") ||
        !same(field(objects, 3, "published"), "Mon, 30 Nov 2026 08:00:00 GMT") ||
        !same(field(objects, 3, "text"), "<p>First.</p>") ||
        !same(field(objects, 3, "format"), "html") ||
        !same(field(objects, 4, "id"), "g3")) {
        char *dump = json_dumps(objects, JSON_INDENT(1));
        fprintf(stderr, "push test: files read as %s\n", dump);
        free(dump);
        failures++;
    }
    json_decref(objects);

    /* --title-line and --no-title force the first line either way. */
    char *path = zsys_sprintf("%s/b-untitled.txt", dir);
    objects = read_all(path, PRECIS_TITLE_ALWAYS, &unreadable);
    if (!same(field(objects, 0, "title"), "The bridge reopened on Monday.")) {
        fprintf(stderr, "push test: --title-line did not take the first line\n");
        failures++;
    }
    json_decref(objects);
    zstr_free(&path);
    path = zsys_sprintf("%s/a-titled.txt", dir);
    objects = read_all(path, PRECIS_TITLE_NEVER, &unreadable);
    if (field(objects, 0, "title") ||
        !same(field(objects, 0, "text"),
              "Harbour bridge reopens\n\nThe bridge reopened.\n")) {
        fprintf(stderr, "push test: --no-title took a title\n");
        failures++;
    }
    json_decref(objects);
    zstr_free(&path);
    /* A file named on the command line is read whatever its name: sniffed. */
    path = zsys_sprintf("%s/README.md", dir);
    objects = read_all(path, PRECIS_TITLE_GUESS, &unreadable);
    if (json_array_size(objects) != 1 || !same(field(objects, 0, "id"), path)) {
        fprintf(stderr,
                "push test: a named file was not read, or not named by its path\n");
        failures++;
    }
    json_decref(objects);
    zstr_free(&path);
    failures += test_same_names(dir);
    zdir_t *tmp = zdir_new(dir, NULL);
    zdir_remove(tmp, true);
    zdir_destroy(&tmp);
    return failures;
}

/* A fake ingest for the resend and batch tests: the first copy of every
   request is lost (never answered), as when ingest dies before
   answering; a copy sent again is answered "accepted", "duplicate": true.
   With answer_first, every request is answered; then an id starting
   "busy" is busy the first time, and one starting "anon" is rejected
   without an id, as a request ingest could not read. A message of several
   requests is answered with one message, a reply per request frame; a
   batch frame with one batch frame of replies, or, with old, as an
   ingest older than batch frames does: one rejection ("not a map").
   Counts in fake_counts (read once the actor is gone). */
static struct {
    int lost, answered;
    bool answer_first; /* answer every request, first copies too */
    bool old;          /* refuse batch frames */
    size_t sizes[256]; /* requests in each message received, the first ones */
    size_t messages;   /* received */
    size_t batch_frames, several_frames; /* messages of each form received */
    size_t batch_frames_late;            /* batch frames after one of several frames */
} fake_counts;

/* The fake's reply to one request frame, into reply; false when lost. */
static bool fake_reply(zhashx_t *seen, zframe_t *body, zmsg_t *reply)
{
    precis_article_t *article = precis_article_new();
    char error[PRECIS_ERROR_SIZE];
    bool answered = false;
    if (precis_article_decode(article, zframe_data(body), zframe_size(body), 0, error) ==
        0) {
        bool again = zhashx_lookup(seen, article->id.ptr) != NULL;
        if (!again)
            zhashx_insert(seen, article->id.ptr, "seen");
        if (!again && !fake_counts.answer_first) {
            fake_counts.lost++;
        } else {
            /* A busy request was not taken: its next copy is not a duplicate. */
            bool busy_id = strncmp(article->id.ptr, "busy", 4) == 0,
                 busy = !again && busy_id;
            bool anon = strncmp(article->id.ptr, "anon", 4) == 0;
            msgpack_sbuffer buffer;
            msgpack_sbuffer_init(&buffer);
            msgpack_packer packer;
            msgpack_packer_init(&packer, &buffer, msgpack_sbuffer_write);
            msgpack_pack_map(&packer, 4);
            precis_mp_pack_kv_str(&packer, "id", article->id.ptr,
                                  anon ? 0 : article->id.len);
            const char *status = busy ? "busy" : anon ? "rejected" : "accepted";
            precis_mp_pack_kv_str(&packer, "status", status, strlen(status));
            precis_mp_pack_kv_str(&packer, "error", "unreadable", anon ? 10 : 0);
            msgpack_pack_str(&packer, 9);
            msgpack_pack_str_body(&packer, "duplicate", 9);
            if (again && !busy_id)
                msgpack_pack_true(&packer);
            else
                msgpack_pack_false(&packer);
            zmsg_addmem(reply, buffer.data, buffer.size);
            msgpack_sbuffer_destroy(&buffer);
            fake_counts.answered++;
            answered = true;
        }
    }
    precis_article_destroy(&article);
    return answered;
}

/* The fake's answer to a batch frame: one batch frame of the replies to
   its requests, or one rejection when old. */
static void fake_batch_frame(zhashx_t *seen, zframe_t *body, zmsg_t *reply)
{
    fake_counts.batch_frames++;
    if (fake_counts.old) {
        /* {"v": 1, "id": "", "status": "rejected", "error": ...} as such
           an ingest writes it. */
        const char error[] = "the message must be a msgpack map, got array";
        msgpack_sbuffer buffer;
        msgpack_sbuffer_init(&buffer);
        msgpack_packer packer;
        msgpack_packer_init(&packer, &buffer, msgpack_sbuffer_write);
        msgpack_pack_map(&packer, 4);
        precis_mp_pack_kv_int(&packer, "v", 1);
        precis_mp_pack_kv_str(&packer, "id", "", 0);
        precis_mp_pack_kv_str(&packer, "status", "rejected", 8);
        precis_mp_pack_kv_str(&packer, "error", error, sizeof error - 1);
        zmsg_addmem(reply, buffer.data, buffer.size);
        msgpack_sbuffer_destroy(&buffer);
        return;
    }
    precis_batch_reader_t reader;
    precis_batch_open(&reader, zframe_data(body), zframe_size(body));
    zmsg_t *replies = zmsg_new();
    const void *data;
    size_t size;
    while (precis_batch_next(&reader, &data, &size)) {
        zframe_t *request = zframe_new(data, size);
        fake_reply(seen, request, replies);
        zframe_destroy(&request);
    }
    precis_batch_t *batch = precis_batch_new();
    for (zframe_t *frame = zmsg_first(replies); frame; frame = zmsg_next(replies))
        precis_batch_add(batch, zframe_data(frame), zframe_size(frame));
    zframe_t *frame = precis_batch_frame(batch);
    if (frame)
        zmsg_append(reply, &frame);
    precis_batch_destroy(&batch);
    zmsg_destroy(&replies);
}

static void fake_ingest(zsock_t *pipe, void *args)
{
    zsock_t *router = zsock_new_router((const char *)args);
    zsock_signal(pipe, 0);
    zhashx_t *seen = zhashx_new();
    zpoller_t *poller = zpoller_new(pipe, router, NULL);
    while (zpoller_wait(poller, -1) == router) {
        zmsg_t *msg = zmsg_recv(router);
        zframe_t *identity = zmsg_pop(msg);
        if (fake_counts.messages < 256)
            fake_counts.sizes[fake_counts.messages] = zmsg_size(msg);
        fake_counts.messages++;
        zmsg_t *reply = zmsg_new();
        zmsg_append(reply, &identity);
        bool answered = false;
        zframe_t *first = zmsg_first(msg);
        precis_batch_reader_t reader;
        int64_t elements =
            zmsg_size(msg) == 1
                ? precis_batch_open(&reader, zframe_data(first), zframe_size(first))
                : -1;
        if (elements >= 0) {
            fake_counts.batch_frames_late += fake_counts.several_frames > 0;
            if (fake_counts.messages <= 256)
                fake_counts.sizes[fake_counts.messages - 1] = (size_t)elements;
            fake_batch_frame(seen, first, reply);
            answered = zmsg_size(reply) > 1;
        } else {
            fake_counts.several_frames += zmsg_size(msg) > 1;
            for (zframe_t *body = first; body; body = zmsg_next(msg))
                answered |= fake_reply(seen, body, reply);
        }
        if (answered)
            zmsg_send(&reply, router);
        zmsg_destroy(&reply);
        zmsg_destroy(&msg);
    }
    zpoller_destroy(&poller);
    zhashx_destroy(&seen);
    zsock_destroy(&router);
}

/* When no reply comes, push sends the same request again, with the same
   id, and counts the duplicate answer as the article's acceptance. */
static int test_resend(void)
{
    char dir[] = "/tmp/precis-push-resend-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    char *path = zsys_sprintf("%s/articles.jsonl", dir);
    FILE *file = fopen(path, "w");
    for (int i = 0; i < 3; i++)
        fprintf(file, "{\"id\": \"r%d\", \"text\": \"Ferries run again.\"}\n", i);
    fclose(file);
    const char *endpoint = "inproc://push-resend-test";
    fake_counts.lost = fake_counts.answered = 0;
    zactor_t *fake = zactor_new(fake_ingest, (void *)endpoint);
    /* --timeout 4: sent again after 1 s; stdout (the accepted lines) is
       the selftest's. */
    char *argv[] = {"push", "--ingest", (char *)endpoint, "--timeout", "4", path, NULL};
    int exit_code = precis_cmd_push(6, argv);
    zactor_destroy(&fake);
    int failures = 0;
    if (exit_code != 0 || fake_counts.lost != 3 || fake_counts.answered != 3) {
        fprintf(stderr,
                "push test: resend: exit %d, %d requests lost, %d answered (3 each)\n",
                exit_code, fake_counts.lost, fake_counts.answered);
        failures++;
    }
    unlink(path);
    zstr_free(&path);
    rmdir(dir);
    return failures;
}

/* Runs push with argv (argc of them), its stdout into the file out, and
   its stderr into the file err unless NULL. */
static int push_into(int argc, char **argv, const char *out, const char *err)
{
    fflush(stdout);
    fflush(stderr);
    int saved = dup(STDOUT_FILENO), into = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int saved_err = err ? dup(STDERR_FILENO) : -1,
        into_err = err ? open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600) : -1;
    dup2(into, STDOUT_FILENO);
    if (err)
        dup2(into_err, STDERR_FILENO);
    int exit_code = precis_cmd_push(argc, argv);
    fflush(stdout);
    fflush(stderr);
    dup2(saved, STDOUT_FILENO);
    close(saved);
    close(into);
    if (err) {
        dup2(saved_err, STDERR_FILENO);
        close(saved_err);
        close(into_err);
    }
    return exit_code;
}

/* How many lines of the file at path contain part. */
static int lines_with(const char *path, const char *part)
{
    FILE *file = fopen(path, "r");
    char buffer[1024];
    int count = 0;
    while (file && fgets(buffer, sizeof buffer, file))
        count += strstr(buffer, part) != NULL;
    if (file)
        fclose(file);
    return count;
}

/* How many times line occurs in the file at path. */
static int lines_in(const char *path, const char *line)
{
    FILE *file = fopen(path, "r");
    char buffer[1024];
    int count = 0;
    while (file && fgets(buffer, sizeof buffer, file))
        count += strcmp(buffer, line) == 0;
    if (file)
        fclose(file);
    return count;
}

/* --batch 16: 40 articles leave as batch frames of up to 16 requests (16,
   16 and 8 at full speed), and each reply of an answer settles its own
   request: a busy one is sent again (alone), a rejection without an id
   settles the request in its place of the batch. --batch 1 sends one a
   message. Against an ingest that refuses batch frames, the refused
   requests go again and batches go as several frames, said once: no
   batch frame comes after the first message of several frames (those in
   flight when the first refusal came arrive before it; how many depends
   on how fast the input is read, see PUSH_BATCH_WAIT_MS). */
static int test_batch(void)
{
    char dir[] = "/tmp/precis-push-batch-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    char *path = zsys_sprintf("%s/articles.jsonl", dir);
    char *out = zsys_sprintf("%s/stdout.txt", dir);
    char *err = zsys_sprintf("%s/stderr.txt", dir);
    FILE *file = fopen(path, "w");
    for (int i = 0; i < 40; i++)
        fprintf(file, "{\"id\": \"%s%d\", \"text\": \"Ferries run again.\"}\n",
                i == 5    ? "busy-"
                : i == 20 ? "anon-"
                          : "b",
                i);
    fclose(file);
    int failures = 0;
    const char *batches[] = {"16", "1", "16"};
    /* An endpoint a round: a closed socket's inproc name is freed later. */
    const char *endpoints[] = {"inproc://push-batch-16", "inproc://push-batch-1",
                               "inproc://push-batch-old"};
    for (int round = 0; round < 3; round++) {
        const char *endpoint = endpoints[round];
        memset(&fake_counts, 0, sizeof fake_counts);
        fake_counts.answer_first = true;
        fake_counts.old = round == 2;
        zactor_t *fake = zactor_new(fake_ingest, (void *)endpoint);
        char *argv[] = {
            "push", "--ingest", (char *)endpoint, "--batch", (char *)batches[round],
            path,   NULL};
        int exit_code = push_into(6, argv, out, err);
        zactor_destroy(&fake);
        size_t largest = 0, frames = 0;
        for (size_t i = 0; i < fake_counts.messages && i < 256; i++) {
            largest = fake_counts.sizes[i] > largest ? fake_counts.sizes[i] : largest;
            frames += fake_counts.sizes[i];
        }
        /* Read at full speed the 40 go as 16 + 16 + 8 (then the busy one
           alone); a batch is also sent once it is 5 ms old, so a slow
           machine (valgrind) may cut them smaller. */
        int said = lines_with(err, "does not read batch frames");
        bool shaped =
            round == 0 ? frames == 41 && largest <= 16 && fake_counts.messages <= 20 &&
                             fake_counts.batch_frames >= 1 &&
                             fake_counts.several_frames == 0 && said == 0
            : round == 1
                ? frames == 41 && fake_counts.messages == 41 && largest == 1 &&
                      fake_counts.batch_frames == 0 && said == 0
                : fake_counts.batch_frames >= 1 && fake_counts.batch_frames_late == 0 &&
                      fake_counts.several_frames >= 1 && said == 1;
        int accepted = lines_in(out, "accepted\tbusy-5\n") +
                       lines_in(out, "accepted\tb0\n") + lines_in(out, "accepted\tb39\n");
        int anon = lines_in(out, "rejected\tanon-20\tunreadable\n");
        if (exit_code != 1 || !shaped || fake_counts.answered != 41 || accepted != 3 ||
            anon != 1) {
            fprintf(
                stderr,
                "push test: --batch %s%s: exit %d (1), %zu messages (sizes %zu %zu %zu "
                "...; %zu batch frames, %zu of several frames, %zu batch frames after "
                "those), %d answered (41), "
                "busy-5/b0/b39 accepted %d (3), anon-20 rejected %d (1), the "
                "fallback said %d times\n",
                batches[round], round == 2 ? " to an older ingest" : "", exit_code,
                fake_counts.messages, fake_counts.sizes[0], fake_counts.sizes[1],
                fake_counts.sizes[2], fake_counts.batch_frames,
                fake_counts.several_frames, fake_counts.batch_frames_late,
                fake_counts.answered, accepted, anon, said);
            failures++;
        }
    }
    char *argv[] = {"push", "--ingest", "inproc://push-batch-none", "--batch", "65",
                    path,   NULL};
    if (push_into(6, argv, out, NULL) != 2) {
        fprintf(stderr, "push test: --batch 65 was not refused\n");
        failures++;
    }
    unlink(out);
    unlink(err);
    unlink(path);
    zstr_free(&out);
    zstr_free(&err);
    zstr_free(&path);
    rmdir(dir);
    return failures;
}

/* A batch heavier than PUSH_FRAME_MAX goes as the frames of one message:
   three articles of 600 KB (any two are over it; one alone is a plain
   frame). */
static int test_heavy_batch(void)
{
    char dir[] = "/tmp/precis-push-heavy-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    char *path = zsys_sprintf("%s/articles.jsonl", dir);
    char *out = zsys_sprintf("%s/stdout.txt", dir);
    FILE *file = fopen(path, "w");
    for (int i = 0; i < 3; i++) {
        fprintf(file, "{\"id\": \"h%d\", \"text\": \"", i);
        for (int k = 0; k < 600000 / 20; k++)
            fputs("Ferries run again. ", file);
        fputs("\"}\n", file);
    }
    fclose(file);
    memset(&fake_counts, 0, sizeof fake_counts);
    fake_counts.answer_first = true;
    const char *endpoint = "inproc://push-heavy";
    zactor_t *fake = zactor_new(fake_ingest, (void *)endpoint);
    char *argv[] = {"push", "--ingest", (char *)endpoint, path, NULL};
    int exit_code = push_into(4, argv, out, NULL);
    zactor_destroy(&fake);
    int failures = 0;
    if (exit_code != 0 || fake_counts.batch_frames != 0 ||
        fake_counts.several_frames < 1 || fake_counts.answered != 3) {
        fprintf(stderr,
                "push test: 1.8 MB of articles: exit %d (0), %zu batch frames (0), %zu "
                "messages of several frames, %d answered (3)\n",
                exit_code, fake_counts.batch_frames, fake_counts.several_frames,
                fake_counts.answered);
        failures++;
    }
    unlink(out);
    unlink(path);
    zstr_free(&out);
    zstr_free(&path);
    rmdir(dir);
    return failures;
}

/* A pipe with nothing in it may wait, one with a line does not; regular
   files never do. */
static int test_input_may_wait(void)
{
    int failures = 0, ends[2];
    if (pipe(ends) != 0)
        return 1;
    push_t self = {0};
    self.source.file = fdopen(ends[0], "r");
    bool empty = input_may_wait(&self);
    bool written = write(ends[1], "{}\n", 3) == 3;
    bool with_line = input_may_wait(&self);
    self.total_bytes = 100; /* regular files only */
    bool regular = input_may_wait(&self);
    if (!empty || !written || with_line || regular) {
        fprintf(stderr,
                "push test: may an input wait: empty pipe %d (1), with a line %d (0), "
                "regular files %d (0)\n",
                empty, with_line, regular);
        failures++;
    }
    fclose(self.source.file);
    close(ends[1]);
    return failures;
}

/* Ingest shards, one of them down: push connects to every endpoint of the
   list and sends only to the shards it is connected to (ZMQ_IMMEDIATE),
   so no request waits at the shard that is down and none needs sending
   again (without it, about half would, after a second). */
static int test_shards_down(void)
{
    char dir[] = "/tmp/precis-push-shards-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    char *path = zsys_sprintf("%s/articles.jsonl", dir);
    char *output = zsys_sprintf("%s/stderr.txt", dir);
    FILE *file = fopen(path, "w");
    for (int i = 0; i < 20; i++)
        fprintf(file, "{\"id\": \"s%d\", \"text\": \"Ferries run again.\"}\n", i);
    fclose(file);
    /* The shard that is down: a port nothing listens on (bound, never
       listening, so that no other process takes it meanwhile). */
    int down = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address = {.sin_family = AF_INET,
                                  .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t length = sizeof address;
    bind(down, (struct sockaddr *)&address, sizeof address);
    getsockname(down, (struct sockaddr *)&address, &length);
    char *endpoints = zsys_sprintf("inproc://push-shards-test,tcp://127.0.0.1:%d",
                                   ntohs(address.sin_port));
    fake_counts.lost = fake_counts.answered = 0;
    fake_counts.answer_first = true;
    zactor_t *fake = zactor_new(fake_ingest, (void *)"inproc://push-shards-test");
    /* --timeout 4: sent again after 1 s. push's summary line goes to a file. */
    char *argv[] = {"push", "--ingest", endpoints, "--timeout", "4", path, NULL};
    fflush(stderr);
    int saved = dup(STDERR_FILENO), into = open(output, O_WRONLY | O_CREAT, 0600);
    dup2(into, STDERR_FILENO);
    int exit_code = precis_cmd_push(6, argv);
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    close(into);
    zactor_destroy(&fake);
    fake_counts.answer_first = false;
    close(down);
    char *said = zsys_sprintf("%s", "");
    file = fopen(output, "r");
    char line[512];
    while (file && fgets(line, sizeof line, file))
        if (strstr(line, "pushed 20:")) {
            zstr_free(&said);
            said = strdup(line);
        }
    if (file)
        fclose(file);
    int failures = 0;
    if (exit_code != 0 || fake_counts.answered != 20 || !strstr(said, " 0 sent again")) {
        fprintf(stderr,
                "push test: one shard down: exit %d, %d answered (20), push said: %s\n",
                exit_code, fake_counts.answered, said);
        failures++;
    }
    zstr_free(&said);
    zstr_free(&endpoints);
    unlink(output);
    unlink(path);
    zstr_free(&output);
    zstr_free(&path);
    rmdir(dir);
    return failures;
}

/* --explain asks explain of every article that does not say otherwise;
   the length options of the command fill in only what an article leaves
   out. */
static int test_options(void)
{
    precis_config_t config;
    precis_config_defaults(&config, false);
    config.explain = true;
    config.sentences = 3;
    json_t *plain = json_pack("{s:s,s:s}", "id", "a", "text", "Ferries run again.");
    json_t *own = json_pack("{s:s,s:s,s:b,s:i}", "id", "b", "text", "Ferries run again.",
                            "explain", 0, "sentences", 1);
    apply_options(&config, plain);
    apply_options(&config, own);
    int failures = 0;
    char id[PRECIS_MAX_ID + 1], error[PRECIS_ERROR_SIZE];
    size_t size;
    json_t *objects[] = {plain, own};
    for (int i = 0; i < 2; i++) {
        void *data =
            precis_push_request_from_json(objects[i], &size, id, sizeof id, error);
        precis_article_t *article = precis_article_new();
        if (!data || precis_article_decode(article, data, size, 0, error) != 0 ||
            article->explain != (i == 0) || article->sentences != (i == 0 ? 3 : 1)) {
            fprintf(stderr,
                    "push test: --explain --sentences 3, article %s: explain %d, "
                    "sentences %d\n",
                    id, article->explain, article->sentences);
            failures++;
        }
        free(data);
        precis_article_destroy(&article);
        json_decref(objects[i]);
    }
    return failures;
}

int precis_push_test(bool verbose)
{
    int failures = test_files();
    failures += test_options();
    failures += test_resend();
    failures += test_shards_down();
    failures += test_batch();
    failures += test_heavy_batch();
    failures += test_input_may_wait();
    char id[PRECIS_MAX_ID + 1], error[PRECIS_ERROR_SIZE];
    size_t size;
    json_t *object = json_pack("{s:s,s:s,s:i,s:[s]}", "title", "T", "text", "Body.",
                               "sentences", 2, "summaries", "ref");
    void *data = precis_push_request_from_json(object, &size, id, sizeof id, error);
    precis_article_t *article = precis_article_new();
    if (!data || precis_article_decode(article, data, size, 0, error) != 0 ||
        strcmp(article->id.ptr, id) != 0 || strlen(id) != 32 || article->sentences != 2) {
        fprintf(stderr, "push test: JSON object did not become a request (%s)\n", error);
        failures++;
    }
    free(data);
    json_decref(object);
    precis_article_destroy(&article);
    object = json_pack("{s:i,s:s}", "id", 7, "text", "Body.");
    if (precis_push_request_from_json(object, &size, id, sizeof id, error) != NULL ||
        !strstr(error, "must be a string")) {
        fprintf(stderr, "push test: a numeric id was not refused\n");
        failures++;
    }
    json_decref(object);
    object = json_pack("[s]", "x");
    if (precis_push_request_from_json(object, &size, id, sizeof id, error) != NULL) {
        fprintf(stderr, "push test: an array was not refused\n");
        failures++;
    }
    json_decref(object);
    return failures;
}
