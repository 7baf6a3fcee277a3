/*  precis_ledger - accepted articles not yet delivered.

    A hash from key to entry for acknowledgements, and a list in order of
    due time for retries. Entries are re-queued at the tail when sent again;
    since every wait is at least retry_ms and grows, the list stays close to
    due order and the scan for due entries stops at the first one not due.
    Articles queued for the next batch frame are in neither list until the
    flush: they are not due before they have been sent or found unsendable.
*/
#include "precis_ledger.h"
#include "precis_batch.h"
#include "precis_uthash.h"
#include <czmq.h>
#include <stdatomic.h>

/* An entry and its article stay until the ledger has dropped the entry
   and ZeroMQ every message sent from it (precis_ledger_send): refs counts
   both, and the last to let go frees them, in whichever thread. */
typedef struct entry_s {
    precis_ledger_entry_t public; /* first: a public entry is the entry */
    void *data;
    int64_t due_ms;
    struct entry_s *prev, *next; /* in the due list */
    atomic_uint refs;
    bool queued;       /* in the ledger's queue, not in the due list */
    UT_hash_handle hh; /* in the ledger's entries, by key */
    size_t key_len;
    char key[]; /* one allocation with the entry */
} entry_t;

struct _precis_ledger_t {
    entry_t *entries; /* by key (uthash: the entries are the table) */
    /* Entries roughly by due time, linked through themselves (a zlistx
       node an article was one of ingest's allocations). */
    entry_t *due_first, *due_last;
    int64_t retry_ms;
    uint32_t max_attempts;
    size_t bytes; /* of the articles held */
    void *cursor; /* for first/next */
    /* Articles to go in the next batch frame, in the order taken. */
    entry_t *queue[PRECIS_LEDGER_BATCH];
    size_t queued;
    precis_batch_t *batch; /* the frame being built, while flushing */
};

static void entry_release(entry_t *entry)
{
    if (atomic_fetch_sub_explicit(&entry->refs, 1, memory_order_acq_rel) == 1) {
        free(entry->data);
        free(entry);
    }
}

/* ZeroMQ's free function of a message sent from an entry: called by its
   I/O thread once the message is written, or by the sender's when it is
   dropped. */
static void message_done(void *data, void *hint)
{
    (void)data;
    entry_release(hint);
}

precis_ledger_t *precis_ledger_new(int64_t retry_ms, uint32_t max_attempts)
{
    precis_ledger_t *self = calloc(1, sizeof *self);
    assert(self);
    self->retry_ms = retry_ms;
    self->max_attempts = max_attempts;
    self->batch = precis_batch_new();
    return self;
}

void precis_ledger_destroy(precis_ledger_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    precis_ledger_t *self = *self_p;
    entry_t *entry, *next;
    HASH_ITER(hh, self->entries, entry, next)
    {
        HASH_DELETE(hh, self->entries, entry);
        entry_release(entry);
    }
    precis_batch_destroy(&(*self_p)->batch);
    free(*self_p);
    *self_p = NULL;
}

/* The wait after the n-th send: retry, 2x, 4x, then 8x at most. */
static int64_t wait_after(const precis_ledger_t *self, uint32_t attempts)
{
    uint32_t shift = attempts > 1 ? attempts - 1 : 0;
    return self->retry_ms << (shift > 3 ? 3 : shift);
}

static entry_t *entry_new(const char *key, void *data, size_t size)
{
    size_t key_len = strlen(key);
    entry_t *entry = malloc(sizeof *entry + key_len + 1);
    assert(entry && data);
    memcpy(entry->key, key, key_len + 1);
    entry->key_len = key_len;
    entry->data = data;
    entry->public = (precis_ledger_entry_t){entry->key, data, size, 0, false};
    entry->prev = entry->next = NULL;
    entry->queued = false;
    atomic_init(&entry->refs, 1);
    return entry;
}

static void due_unlink(precis_ledger_t *self, entry_t *entry)
{
    if (entry->prev)
        entry->prev->next = entry->next;
    else
        self->due_first = entry->next;
    if (entry->next)
        entry->next->prev = entry->prev;
    else
        self->due_last = entry->prev;
    entry->prev = entry->next = NULL;
}

/* Takes a queued entry out of the queue (removed before its flush). */
static void queue_unlink(precis_ledger_t *self, entry_t *entry)
{
    size_t i = 0;
    while (i < self->queued && self->queue[i] != entry)
        i++;
    if (i == self->queued)
        return;
    memmove(&self->queue[i], &self->queue[i + 1],
            (self->queued - i - 1) * sizeof self->queue[0]);
    self->queued--;
    entry->queued = false;
}

static void due_add_end(precis_ledger_t *self, entry_t *entry)
{
    entry->prev = self->due_last;
    entry->next = NULL;
    if (self->due_last)
        self->due_last->next = entry;
    else
        self->due_first = entry;
    self->due_last = entry;
}

static void due_add_start(precis_ledger_t *self, entry_t *entry)
{
    entry->prev = NULL;
    entry->next = self->due_first;
    if (self->due_first)
        self->due_first->prev = entry;
    else
        self->due_last = entry;
    self->due_first = entry;
}

/* Takes entry out of the ledger: its table, its list, its bytes; let go
   (freed once ZeroMQ has let go of every message sent from it too). */
static void entry_remove(precis_ledger_t *self, entry_t *entry)
{
    self->bytes -= entry->public.size;
    if (entry->queued)
        queue_unlink(self, entry);
    else
        due_unlink(self, entry);
    HASH_DELETE(hh, self->entries, entry);
    entry_release(entry);
}

/* Puts entry in the table and counts its bytes; an entry of the same key
   goes first. The key is hashed once for both. */
static void table_put(precis_ledger_t *self, entry_t *entry)
{
    unsigned hash = precis_key_hash(entry->key, entry->key_len);
    entry_t *old;
    HASH_FIND_BYHASHVALUE(hh, self->entries, entry->key, entry->key_len, hash, old);
    if (old)
        entry_remove(self, old);
    self->bytes += entry->public.size;
    HASH_ADD_KEYPTR_BYHASHVALUE(hh, self->entries, entry->key, entry->key_len, hash,
                                entry);
}

/* Puts a new entry in: sent (attempts 1, due after the first wait) or due
   now; an entry of the same key goes. */
static void entry_insert(precis_ledger_t *self, entry_t *entry, bool sent, int64_t now_ms)
{
    entry->public.attempts = sent ? 1 : 0;
    entry->due_ms = sent ? now_ms + wait_after(self, 1) : now_ms;
    table_put(self, entry);
    /* Due now goes first, so that the list stays in due order. */
    if (sent)
        due_add_end(self, entry);
    else
        due_add_start(self, entry);
}

void precis_ledger_adopt(precis_ledger_t *self, const char *key, void *data, size_t size,
                         bool sent, int64_t now_ms)
{
    entry_insert(self, entry_new(key, data, size), sent, now_ms);
}

/* Sends entry's article on socket without copying it. */
static bool entry_send(entry_t *entry, void *socket)
{
    zmq_msg_t message;
    atomic_fetch_add_explicit(&entry->refs, 1, memory_order_relaxed);
    zmq_msg_init_data(&message, entry->data, entry->public.size, message_done, entry);
    if (zmq_msg_send(&message, socket, ZMQ_DONTWAIT) != -1)
        return true;
    zmq_msg_close(&message); /* not taken: message_done lets go at once */
    return false;
}

bool precis_ledger_adopt_queue(precis_ledger_t *self, const char *key, void *data,
                               size_t size, int64_t now_ms)
{
    assert(self->queued < PRECIS_LEDGER_BATCH);
    entry_t *entry = entry_new(key, data, size);
    entry->due_ms = now_ms;
    entry->queued = true;
    table_put(self, entry);
    self->queue[self->queued++] = entry;
    return self->queued == PRECIS_LEDGER_BATCH;
}

size_t precis_ledger_queued(precis_ledger_t *self)
{
    return self->queued;
}

/* Sends the articles of entries[0..count) as one batch frame, each
   copied in once; a lone one as a plain frame (entry_send). */
static bool batch_send(precis_ledger_t *self, entry_t **entries, size_t count,
                       void *socket)
{
    if (count == 1)
        return entry_send(entries[0], socket);
    for (size_t i = 0; i < count; i++)
        precis_batch_add(self->batch, entries[i]->data, entries[i]->public.size);
    zmq_msg_t message;
    precis_batch_msg(self->batch, &message);
    if (zmq_msg_send(&message, socket, ZMQ_DONTWAIT) != -1)
        return true;
    zmq_msg_close(&message); /* not taken: the batch's buffer is freed */
    return false;
}

size_t precis_ledger_flush(precis_ledger_t *self, void *socket, int64_t now_ms,
                           size_t *deferred)
{
    size_t count = self->queued;
    if (deferred)
        *deferred = 0;
    if (count == 0)
        return 0;
    bool sent = batch_send(self, self->queue, count, socket);
    self->queued = 0;
    /* Sent: due after the first wait, at the end; not: due now, first, in
       the order taken (hence backwards). */
    for (size_t i = 0; i < count; i++) {
        entry_t *entry = self->queue[sent ? i : count - 1 - i];
        entry->queued = false;
        entry->public.attempts = sent ? 1 : 0;
        entry->due_ms = sent ? now_ms + wait_after(self, 1) : now_ms;
        if (sent)
            due_add_end(self, entry);
        else
            due_add_start(self, entry);
    }
    if (deferred && !sent)
        *deferred = count;
    return sent ? count : 0;
}

bool precis_ledger_send(precis_ledger_t *self, precis_ledger_entry_t *entry, void *socket)
{
    (void)self;
    return entry_send((entry_t *)entry, socket);
}

void precis_ledger_add(precis_ledger_t *self, const char *key, const void *data,
                       size_t size, bool sent, int64_t now_ms)
{
    void *copy = malloc(size ? size : 1);
    assert(copy);
    memcpy(copy, data, size);
    precis_ledger_adopt(self, key, copy, size, sent, now_ms);
}

bool precis_ledger_remove(precis_ledger_t *self, const char *key)
{
    size_t key_len = strlen(key);
    entry_t *entry;
    HASH_FIND_BYHASHVALUE(hh, self->entries, key, key_len, precis_key_hash(key, key_len),
                          entry);
    if (!entry)
        return false;
    entry_remove(self, entry);
    return true;
}

size_t precis_ledger_size(precis_ledger_t *self)
{
    return HASH_COUNT(self->entries);
}

size_t precis_ledger_bytes(precis_ledger_t *self)
{
    return self->bytes;
}

bool precis_ledger_exhausted(precis_ledger_t *self, const precis_ledger_entry_t *entry)
{
    return entry->attempts >= self->max_attempts;
}

/* Marks entry sent once more now: its next wait starts, behind the rest. */
static void entry_sent(precis_ledger_t *self, entry_t *entry, int64_t now_ms)
{
    entry->public.attempts++;
    entry->due_ms = now_ms + wait_after(self, entry->public.attempts);
    due_unlink(self, entry);
    due_add_end(self, entry);
}

/* Whether entry has never been sent (taken when no worker could take it,
   or recovered) and is not to be given up: such entries go out together. */
static bool entry_fresh(const precis_ledger_t *self, const entry_t *entry)
{
    return entry->public.attempts == 0 && !entry->public.gave_up &&
           entry->public.attempts < self->max_attempts;
}

bool precis_ledger_resend_due(precis_ledger_t *self, int64_t now_ms, void *socket,
                              precis_ledger_fn *fn, void *arg)
{
    /* At most one pass over the entries due now: re-queued ones go behind. */
    size_t budget = HASH_COUNT(self->entries);
    entry_t *fresh[PRECIS_LEDGER_BATCH];
    size_t count = 0;
    entry_t *entry = self->due_first;
    while (true) {
        bool due = budget > 0 && entry && entry->due_ms <= now_ms;
        bool gather = due && entry_fresh(self, entry);
        /* The fresh ones gathered go when the batch is full or the run of
           them ends (sent in due order). */
        if (count > 0 && (!gather || count == PRECIS_LEDGER_BATCH)) {
            if (!batch_send(self, fresh, count, socket))
                return true; /* the workers are full: due still, first */
            for (size_t i = 0; i < count; i++)
                entry_sent(self, fresh[i], now_ms);
            count = 0;
        }
        if (!due)
            return false;
        budget--;
        entry_t *next = entry->next;
        if (gather)
            fresh[count++] = entry;
        else if (fn(arg, &entry->public))
            entry_sent(self, entry, now_ms);
        else
            return false; /* the workers are full: try again on the next tick */
        entry = next;
    }
}

precis_ledger_entry_t *precis_ledger_first(precis_ledger_t *self)
{
    entry_t *entry = self->entries;
    self->cursor = entry ? entry->hh.next : NULL;
    return entry ? &entry->public : NULL;
}

precis_ledger_entry_t *precis_ledger_next(precis_ledger_t *self)
{
    entry_t *entry = self->cursor;
    self->cursor = entry ? entry->hh.next : NULL;
    return entry ? &entry->public : NULL;
}

/* Test helper: counts resends, refusing after `accept` of them. */
typedef struct {
    int sent;
    int accept;
    bool saw_exhausted;
    precis_ledger_t *ledger;
} resend_log_t;

static bool count_resend(void *arg, precis_ledger_entry_t *entry)
{
    resend_log_t *log = arg;
    if (log->sent >= log->accept)
        return false;
    log->saw_exhausted |= precis_ledger_exhausted(log->ledger, entry);
    log->sent++;
    return true;
}

/* Reads one frame from pull (waiting up to a second) into message. */
static bool test_recv(zsock_t *pull, zmq_msg_t *message)
{
    zmq_msg_init(message);
    zsock_set_rcvtimeo(pull, 1000);
    return zmq_msg_recv(message, zsock_resolve(pull), 0) != -1;
}

/* Reads one batch frame from pull into got (size bytes), its elements
   joined by commas; returns its element count, -2 when no frame came. */
static int64_t test_recv_batch(zsock_t *pull, char *got, size_t size)
{
    zmq_msg_t message;
    int64_t count = -2;
    *got = 0;
    if (test_recv(pull, &message)) {
        precis_batch_reader_t reader;
        count =
            precis_batch_open(&reader, zmq_msg_data(&message), zmq_msg_size(&message));
        const void *data;
        size_t element;
        while (precis_batch_next(&reader, &data, &element))
            snprintf(got + strlen(got), size - strlen(got), "%s%.*s", *got ? "," : "",
                     (int)element, (const char *)data);
    }
    zmq_msg_close(&message);
    return count;
}

/* precis_ledger_resend_due on push, counting in log->sent the articles
   that reached pull as well as those fn took. */
static void resend_counted(precis_ledger_t *ledger, zsock_t *push, zsock_t *pull,
                           int64_t now_ms, precis_ledger_fn *fn, resend_log_t *log)
{
    precis_ledger_resend_due(ledger, now_ms, zsock_resolve(push), fn, log);
    zmq_msg_t message;
    zmq_msg_init(&message);
    zsock_set_rcvtimeo(pull, 20);
    while (zmq_msg_recv(&message, zsock_resolve(pull), 0) != -1) {
        precis_batch_reader_t reader;
        int64_t count =
            precis_batch_open(&reader, zmq_msg_data(&message), zmq_msg_size(&message));
        log->sent += count < 0 ? 1 : (int)count;
    }
    zmq_msg_close(&message);
}

/* A lone article flushed goes as a plain frame sharing the ledger's
   buffer, and outlives its entry: one sent, sent again, its entry removed
   (acknowledged) and the ledger destroyed before the worker reads either
   message, arrives whole both times, in the very buffer it was adopted
   in. */
static int test_send(void)
{
    int failures = 0;
    zsock_t *push = zsock_new_push("@inproc://precis-ledger-test");
    zsock_t *pull = zsock_new_pull(">inproc://precis-ledger-test");
    precis_ledger_t *ledger = precis_ledger_new(100, 3);
    size_t size = 3000;
    char *article = malloc(size);
    memset(article, 'x', size);
    bool full = precis_ledger_adopt_queue(ledger, "k1", article, size, 0);
    bool sent = !full && precis_ledger_flush(ledger, zsock_resolve(push), 0, NULL) == 1;
    precis_ledger_entry_t *entry = precis_ledger_first(ledger);
    sent = sent && entry && entry->attempts == 1 &&
           precis_ledger_send(ledger, entry, zsock_resolve(push));
    if (!sent || !precis_ledger_remove(ledger, "k1")) {
        fprintf(stderr, "ledger test failed: an article not sent twice\n");
        failures++;
    }
    precis_ledger_destroy(&ledger);
    for (int i = 0; i < 2 && sent; i++) {
        zmq_msg_t message;
        bool whole = test_recv(pull, &message) && zmq_msg_size(&message) == size;
        const char *data = zmq_msg_data(&message);
        for (size_t k = 0; whole && k < size; k++)
            whole = data[k] == 'x';
        if (!whole || data != article) {
            fprintf(stderr, "ledger test failed: message %d %s\n", i,
                    whole ? "a copy, not the ledger's buffer" : "not whole");
            failures++;
        }
        zmq_msg_close(&message);
    }
    zsock_destroy(&pull);
    zsock_destroy(&push);
    return failures;
}

/* Articles queued leave together as one batch frame, in the order taken,
   at most PRECIS_LEDGER_BATCH of them; one removed before the flush does
   not; a flush the socket cannot take leaves them due now, in order. */
static int test_batch(void)
{
    int failures = 0;
    zsock_t *push = zsock_new_push("@inproc://precis-ledger-batch-test");
    zsock_set_sndhwm(push, 1);
    precis_ledger_t *ledger = precis_ledger_new(100, 3);
    char key[16];
    /* No peer yet: the socket takes nothing. */
    for (int i = 0; i < 3; i++) {
        snprintf(key, sizeof key, "d%d", i);
        char *article = zsys_sprintf("\xa2%s", key); /* a msgpack string */
        precis_ledger_adopt_queue(ledger, key, article, strlen(article), 0);
    }
    size_t deferred = 0;
    size_t sent = precis_ledger_flush(ledger, zsock_resolve(push), 0, &deferred);
    resend_log_t log = {0, 100, false, ledger};
    /* Due now, never sent: they wait for the socket, not for fn. */
    bool blocked =
        precis_ledger_resend_due(ledger, 0, zsock_resolve(push), count_resend, &log);
    precis_ledger_entry_t *first = ledger->due_first ? &ledger->due_first->public : NULL;
    if (sent != 0 || deferred != 3 || !blocked || log.sent != 0 || !first ||
        !streq(first->key, "d0") || first->attempts != 0 ||
        precis_ledger_queued(ledger) != 0) {
        fprintf(stderr,
                "ledger test failed: a flush with no peer sent %zu, deferred %zu, then "
                "blocked %d, %d went to fn, the first due %s\n",
                sent, deferred, blocked, log.sent, first ? first->key : "none");
        failures++;
    }
    zsock_t *pull = zsock_new_pull(">inproc://precis-ledger-batch-test");
    zclock_sleep(20); /* the PUSH sees its peer when it next takes commands */
    /* 16 articles, one removed while queued: the batch says it is full at
       its 16th, and its flush sends the other 15, in order. */
    int full_at = -1;
    for (int i = 0; i < PRECIS_LEDGER_BATCH; i++) {
        snprintf(key, sizeof key, "k%d", i);
        char *article = zsys_sprintf("\xa3k%-2d", i); /* a msgpack string */
        if (precis_ledger_adopt_queue(ledger, key, article, strlen(article), 0) &&
            full_at < 0)
            full_at = i;
    }
    bool removed = precis_ledger_remove(ledger, "k3");
    sent = precis_ledger_flush(ledger, zsock_resolve(push), 0, &deferred);
    if (full_at != PRECIS_LEDGER_BATCH - 1 || !removed || sent != 15 || deferred != 0 ||
        precis_ledger_size(ledger) != 18) {
        fprintf(stderr,
                "ledger test failed: full at %d, removed %d, sent %zu, deferred %zu, "
                "%zu held\n",
                full_at, removed, sent, deferred, precis_ledger_size(ledger));
        failures++;
    }
    char got[256];
    int64_t count = test_recv_batch(pull, got, sizeof got);
    char expected[256] = "";
    for (int i = 0; i < PRECIS_LEDGER_BATCH; i++)
        if (i != 3)
            snprintf(expected + strlen(expected), sizeof expected - strlen(expected),
                     "%s\xa3k%-2d", *expected ? "," : "", i);
    if (count != 15 || !streq(got, expected)) {
        fprintf(stderr, "ledger test failed: the batch frame held %lld articles: %s\n",
                (long long)count, got);
        failures++;
    }
    /* The three never sent go now as one batch frame, in order (one a
       frame, they filled the workers' queue with frames of one); fn is not
       asked for them. */
    blocked =
        precis_ledger_resend_due(ledger, 0, zsock_resolve(push), count_resend, &log);
    count = test_recv_batch(pull, got, sizeof got);
    if (blocked || log.sent != 0 || count != 3 ||
        !streq(got, "\xa2"
                    "d0,\xa2"
                    "d1,\xa2"
                    "d2")) {
        fprintf(stderr,
                "ledger test failed: the articles due and never sent went as a frame "
                "of %lld (%s), blocked %d, %d through fn\n",
                (long long)count, got, blocked, log.sent);
        failures++;
    }
    /* Late, every one of them goes again through fn (alone, as ingest
       sends a retry), none as a batch frame. */
    blocked = precis_ledger_resend_due(ledger, 1000000, zsock_resolve(push), count_resend,
                                       &log);
    zsock_set_rcvtimeo(pull, 50);
    zmq_msg_t message;
    zmq_msg_init(&message);
    bool more = zmq_msg_recv(&message, zsock_resolve(pull), 0) != -1;
    zmq_msg_close(&message);
    if (blocked || log.sent != 18 || more) {
        fprintf(stderr,
                "ledger test failed: retries: %d through fn (not 18), %s, blocked %d\n",
                log.sent, more ? "a frame sent by the ledger" : "none by the ledger",
                blocked);
        failures++;
    }
    precis_ledger_destroy(&ledger);
    zsock_destroy(&pull);
    zsock_destroy(&push);
    return failures;
}

int precis_ledger_test(bool verbose)
{
    int failures = test_send() + test_batch();
#define CHECK(cond)                                                                      \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            fprintf(stderr, "ledger test failed: %s (line %d)\n", #cond, __LINE__);      \
            failures++;                                                                  \
        }                                                                                \
    } while (0)
    precis_ledger_t *ledger = precis_ledger_new(100, 3);
    precis_ledger_add(ledger, "a", "A", 1, true, 0);
    precis_ledger_add(ledger, "b", "B", 1, true, 0);
    precis_ledger_add(ledger, "c", "C", 1, false, 0); /* recovered: due at once */
    CHECK(precis_ledger_size(ledger) == 3);
    precis_ledger_add(ledger, "c", "CCCC", 4, false, 0); /* the same key replaces */
    CHECK(precis_ledger_size(ledger) == 3 && precis_ledger_bytes(ledger) == 6);
    /* Adopted: the very buffer is kept (and freed with the entry). */
    char *owned = strdup("DDD");
    precis_ledger_adopt(ledger, "d", owned, 3, true, 0);
    precis_ledger_entry_t *found = NULL;
    for (precis_ledger_entry_t *entry = precis_ledger_first(ledger); entry;
         entry = precis_ledger_next(ledger))
        if (streq(entry->key, "d"))
            found = entry;
    CHECK(found && found->data == owned && found->size == 3 &&
          precis_ledger_bytes(ledger) == 9);
    CHECK(precis_ledger_remove(ledger, "d") && precis_ledger_bytes(ledger) == 6);

    /* Articles never sent (c, recovered) go out on the socket, the rest
       through fn: log.sent counts both. */
    zsock_t *push = zsock_new_push("@inproc://precis-ledger-due-test");
    zsock_t *pull = zsock_new_pull(">inproc://precis-ledger-due-test");
    resend_log_t log = {0, 100, false, ledger};
    resend_counted(ledger, push, pull, 0, count_resend, &log);
    CHECK(log.sent == 1); /* only the recovered one is due */
    CHECK(precis_ledger_remove(ledger, "a"));
    CHECK(!precis_ledger_remove(ledger, "a"));
    CHECK(precis_ledger_bytes(ledger) == 5);
    log.sent = 0;
    resend_counted(ledger, push, pull, 100, count_resend, &log);
    CHECK(log.sent == 2); /* b after its first wait, c after its first send */

    /* Backoff doubles: b was sent at 0 and 100, so it is due at 300. */
    log.sent = 0;
    resend_counted(ledger, push, pull, 299, count_resend, &log);
    CHECK(log.sent == 0);
    resend_counted(ledger, push, pull, 300, count_resend, &log);
    CHECK(log.sent == 2);
    CHECK(!log.saw_exhausted);

    /* A refusal (workers full) leaves the entry due; once sent 3 times,
       an entry is exhausted. */
    log = (resend_log_t){0, 0, false, ledger};
    resend_counted(ledger, push, pull, 10000, count_resend, &log);
    log.accept = 100;
    resend_counted(ledger, push, pull, 10000, count_resend, &log);
    CHECK(log.sent == 2);
    CHECK(log.saw_exhausted);

    size_t walked = 0;
    for (precis_ledger_entry_t *entry = precis_ledger_first(ledger); entry;
         entry = precis_ledger_next(ledger))
        walked++;
    CHECK(walked == 2);
    precis_ledger_destroy(&ledger);
    zsock_destroy(&pull);
    zsock_destroy(&push);

    /* Many keys (the table grows its buckets several times): each found
       once, half removed, the walk sees each of the rest once, and the
       ledger destroyed with them in it frees them (ASan, valgrind). */
    ledger = precis_ledger_new(100, 3);
    enum { MANY = 5000 };
    char key[32];
    for (int i = 0; i < MANY; i++) {
        snprintf(key, sizeof key, "nonce-%d", i);
        precis_ledger_add(ledger, key, key, strlen(key), i % 2 == 0, 0);
    }
    size_t removed = 0, missing = 0;
    for (int i = 0; i < MANY; i += 2) {
        snprintf(key, sizeof key, "nonce-%d", i);
        removed += precis_ledger_remove(ledger, key);
        missing += !precis_ledger_remove(ledger, key);
    }
    CHECK(removed == MANY / 2 && missing == MANY / 2 &&
          precis_ledger_size(ledger) == MANY / 2);
    walked = 0;
    size_t odd = 0;
    for (precis_ledger_entry_t *entry = precis_ledger_first(ledger); entry;
         entry = precis_ledger_next(ledger)) {
        walked++;
        odd += entry->size == strlen(entry->key) &&
               memcmp(entry->data, entry->key, entry->size) == 0 &&
               atoi(entry->key + 6) % 2 == 1;
    }
    CHECK(walked == MANY / 2 && odd == MANY / 2);
    precis_ledger_destroy(&ledger);
    return failures;
#undef CHECK
}
