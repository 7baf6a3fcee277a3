/*  precis_syncer - group commit: fdatasync in a thread of its own, and the
    work that must wait for it. See precis_syncer.h.

    The owner's side keeps the tickets: one per commit (committed), the one
    whose sync is in flight (requested) and the last one known durable
    (synced). The thread (a zactor) only runs requests: a request_t, the
    descriptors (dups, which it closes) to append to and fdatasync; it
    answers on the actor's pipe with the request's ticket and the first
    error.

    A request reaches the thread through a slot under a lock, where the
    thread sleeps on a condition when it has nothing to do (mailbox_t),
    not as a message on the pipe: a blocking read of a ZeroMQ socket cost
    the thread about six system calls a request (getpid on each of
    libzmq's command checks, a poll before it sleeps and after, a read of
    the eventfd) and the owner an eventfd write; the condition costs a
    futex wait and a wake. The report still comes on the pipe, whose
    ZMQ_FD the owner's loop polls.
*/
#include "precis_syncer.h"
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

/* Buffers per writev: Linux's limit (IOV_MAX, which limits.h declares
   only for some feature macros). */
#define WRITEV_MAX 1024

/* A file the thread is to append to and sync. */
typedef struct {
    int fd;            /* a dup, closed by the thread */
    struct iovec *iov; /* bytes to append first, in order (freed by the thread) */
    size_t iov_count;
} request_file_t;

/* What the thread is asked to sync. */
typedef struct {
    uint64_t ticket;    /* every commit up to this one is covered */
    int64_t spacing_us; /* least time since the last sync began; 0: none */
    int (*sync_fn)(int fd);
    size_t count;
    request_file_t files[];
} request_t;

/* A descriptor committed while a sync was in flight, with its file and
   the bytes to append to it. */
typedef struct {
    int fd;
    dev_t dev;
    ino_t ino;
    struct iovec *iov;
    size_t iov_count, iov_max;
} pending_t;

/* The thread's answer to a request: one frame, so that the owner can take
   it without waiting (precis_syncer_handle_ready) and without asking
   ZMQ_EVENTS first (a poll and a getpid system call). */
typedef struct {
    uint64_t ticket;
    int error;
    request_t *request; /* handed back: its buffers are freed (or reused) by
                           the owner, in the thread that allocated them */
} report_t;

typedef struct {
    precis_syncer_fn *fn;
    void *arg;
    uint64_t ticket;
} held_t;

/* Where the owner leaves the next request for the thread: one at a time
   (the next is sent once the report of the one before has been read). */
typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t wake; /* signalled when request or stop is set */
    request_t *request;  /* to run; NULL when none */
    bool stop;           /* the thread is to end */
} mailbox_t;

struct _precis_syncer_t {
    zactor_t *actor;
    mailbox_t mailbox;
    precis_syncer_release_fn *release; /* of written buffers; NULL: free */
    void *release_arg;
    int (*sync_fn)(int fd);
    int64_t spacing_us;
    uint64_t committed; /* tickets given out, one per commit */
    uint64_t sent;      /* the ticket of the last request sent */
    uint64_t requested; /* the ticket of the sync in flight, 0 when none */
    uint64_t synced;    /* every commit up to this ticket is synced */
    int error;          /* of the last sync that finished */
    pending_t *pending; /* files to sync once the sync in flight ends */
    size_t pending_count, pending_max;
    /* What waits for a sync, in order: a ring of held_t that grows by
       doubling (a malloc and a list node a hold were two of ingest's
       allocations an article). */
    held_t *held;
    size_t held_first, held_count, held_max;
    uint64_t syncs;
};

/* Takes the oldest callback held off the ring (before calling it: it may
   hold more). */
static held_t held_take(precis_syncer_t *self)
{
    held_t held = self->held[self->held_first];
    self->held_first = (self->held_first + 1) % self->held_max;
    self->held_count--;
    return held;
}

int precis_syncer_append(int fd, const struct iovec *iov, size_t count)
{
    size_t total = 0;
    for (size_t i = 0; i < count; i++)
        total += iov[i].iov_len;
    if (total == 0)
        return 0;
    off_t start = lseek(fd, 0, SEEK_END);
    if (start == -1)
        return -1;
    /* A copy to advance through on short writes. */
    struct iovec local[64], *left = count <= 64 ? local : malloc(count * sizeof *left);
    assert(left);
    memcpy(left, iov, count * sizeof *left);
    size_t first = 0, written = 0;
    int error = 0;
    while (written < total) {
        int n = count - first > WRITEV_MAX ? WRITEV_MAX : (int)(count - first);
        ssize_t done = writev(fd, left + first, n);
        if (done < 0 && errno == EINTR)
            continue;
        if (done <= 0) {
            error = done < 0 ? errno : EIO;
            break;
        }
        written += (size_t)done;
        while (first < count && (size_t)done >= left[first].iov_len)
            done -= (ssize_t)left[first++].iov_len;
        if (first < count) {
            left[first].iov_base = (char *)left[first].iov_base + done;
            left[first].iov_len -= (size_t)done;
        }
    }
    if (left != local)
        free(left);
    if (!error)
        return 0;
    if (written > 0 && ftruncate(fd, start) != 0)
        zsys_error("syncer: cannot cut descriptor %d back to %lld bytes after a "
                   "failed write: %s",
                   fd, (long long)start, strerror(errno));
    errno = error;
    return -1;
}

/* Appends every file's bytes, then (when all went in) syncs every file.
   Returns the first error, 0 when none. */
static int run_request(request_t *request)
{
    int error = 0;
    for (size_t i = 0; i < request->count; i++) {
        request_file_t *file = &request->files[i];
        if (!error && file->iov_count &&
            precis_syncer_append(file->fd, file->iov, file->iov_count) != 0)
            error = errno ? errno : EIO;
    }
    /* A failed append fails the request: its syncs are skipped (nothing
       they made durable would be answered). Otherwise every file is
       synced, also after one failed. */
    bool appended = !error;
    for (size_t i = 0; i < request->count; i++) {
        errno = 0;
        if (appended && request->sync_fn(request->files[i].fd) != 0 && !error)
            error = errno ? errno : EIO;
        close(request->files[i].fd);
    }
    return error;
}

/* Waits for the next request in the mailbox; NULL once the thread is to
   stop. */
static request_t *next_request(mailbox_t *mailbox)
{
    pthread_mutex_lock(&mailbox->lock);
    while (!mailbox->request && !mailbox->stop)
        pthread_cond_wait(&mailbox->wake, &mailbox->lock);
    request_t *request = mailbox->request;
    mailbox->request = NULL;
    pthread_mutex_unlock(&mailbox->lock);
    return request;
}

static void syncer_actor(zsock_t *pipe, void *args)
{
    mailbox_t *mailbox = args;
    /* Named, so that its CPU can be told from the others' (bench/run). */
    prctl(PR_SET_NAME, "precis-syncer", 0, 0, 0);
    zsock_signal(pipe, 0);
    int64_t last_start = 0;
    request_t *request;
    while ((request = next_request(mailbox)) != NULL) {
        int64_t wait_us = last_start + request->spacing_us - zclock_usecs();
        if (wait_us > 0)
            usleep((useconds_t)wait_us);
        last_start = zclock_usecs();
        int error = run_request(request);
        report_t report = {request->ticket, error, request};
        zmq_send(zsock_resolve(pipe), &report, sizeof report, 0);
    }
}

/* Gives the buffers of iov back to the owner (or frees them), and iov. */
static void release_iov(precis_syncer_t *self, struct iovec *iov, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        if (self->release)
            self->release(self->release_arg, iov[i].iov_base);
        else
            free(iov[i].iov_base);
    }
    free(iov);
}

static void release_request(precis_syncer_t *self, request_t *request)
{
    for (size_t i = 0; request && i < request->count; i++)
        release_iov(self, request->files[i].iov, request->files[i].iov_count);
    free(request);
}

/* Leaves request (or, with stop, the order to end) in the mailbox and
   wakes the thread: after the unlock, so that the thread does not wake
   only to wait for the lock (two futex calls more a request). */
static void post(mailbox_t *mailbox, request_t *request, bool stop)
{
    pthread_mutex_lock(&mailbox->lock);
    if (request)
        mailbox->request = request;
    mailbox->stop |= stop;
    pthread_mutex_unlock(&mailbox->lock);
    pthread_cond_signal(&mailbox->wake);
}

void precis_syncer_set_release(precis_syncer_t *self, precis_syncer_release_fn *fn,
                               void *arg)
{
    self->release = fn;
    self->release_arg = arg;
}

precis_syncer_t *precis_syncer_new(void)
{
    precis_syncer_t *self = calloc(1, sizeof *self);
    assert(self);
    self->sync_fn = fdatasync;
    self->spacing_us = PRECIS_SYNC_SPACING_US;
    pthread_mutex_init(&self->mailbox.lock, NULL);
    pthread_cond_init(&self->mailbox.wake, NULL);
    self->actor = zactor_new(syncer_actor, &self->mailbox);
    assert(self->actor);
    return self;
}

void precis_syncer_destroy(precis_syncer_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    precis_syncer_t *self = *self_p;
    precis_syncer_flush(self);
    /* Only when the thread could not be reached: nothing is known durable. */
    while (self->held_count > 0) {
        held_t held = held_take(self);
        held.fn(held.arg, ECANCELED);
    }
    free(self->held);
    for (size_t i = 0; i < self->pending_count; i++) {
        close(self->pending[i].fd);
        release_iov(self, self->pending[i].iov, self->pending[i].iov_count);
    }
    free(self->pending);
    /* The thread ends when told so in the mailbox (it reads nothing on the
       pipe, where zactor_destroy's $TERM goes unread), then signals the
       pipe, which zactor_destroy waits for. */
    post(&self->mailbox, NULL, true);
    zactor_destroy(&self->actor);
    /* A request the thread never took (it could not be reached). */
    for (size_t i = 0; self->mailbox.request && i < self->mailbox.request->count; i++)
        close(self->mailbox.request->files[i].fd);
    release_request(self, self->mailbox.request);
    pthread_cond_destroy(&self->mailbox.wake);
    pthread_mutex_destroy(&self->mailbox.lock);
    free(self);
    *self_p = NULL;
}

void precis_syncer_set_sync_fn(precis_syncer_t *self, int (*sync_fn)(int fd))
{
    self->sync_fn = sync_fn;
}

void precis_syncer_set_spacing(precis_syncer_t *self, int64_t spacing_us)
{
    self->spacing_us = spacing_us;
}

/* Hands the pending descriptors to the thread, covering every commit so
   far; spaced from the last sync when that is more than one commit. */
static void send_request(precis_syncer_t *self)
{
    request_t *request =
        malloc(sizeof *request + self->pending_count * sizeof(request_file_t));
    assert(request);
    request->ticket = self->committed;
    request->spacing_us = self->committed - self->sent > 1 ? self->spacing_us : 0;
    self->sent = self->committed;
    request->sync_fn = self->sync_fn;
    request->count = self->pending_count;
    for (size_t i = 0; i < self->pending_count; i++)
        request->files[i] = (request_file_t){self->pending[i].fd, self->pending[i].iov,
                                             self->pending[i].iov_count};
    self->pending_count = 0;
    self->requested = request->ticket;
    self->syncs += request->count;
    post(&self->mailbox, request, false);
}

/* Adds fd to the descriptors the next sync covers (a dup, unless one of
   the same file is there already). Returns its index in pending, or -1
   with errno. */
static ssize_t add_pending(precis_syncer_t *self, int fd)
{
    struct stat file;
    if (fstat(fd, &file) != 0) {
        int error = errno;
        zsys_error("syncer: cannot stat descriptor %d: %s", fd, strerror(error));
        errno = error;
        return -1;
    }
    /* A descriptor of the same file already waiting covers this commit too;
       one of another file (the journal was swapped) is synced as well. */
    for (size_t i = 0; i < self->pending_count; i++)
        if (self->pending[i].dev == file.st_dev && self->pending[i].ino == file.st_ino)
            return (ssize_t)i;
    int copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (copy == -1) {
        int error = errno;
        zsys_error("syncer: cannot duplicate descriptor %d: %s", fd, strerror(error));
        errno = error;
        return -1;
    }
    if (self->pending_count == self->pending_max) {
        self->pending_max = self->pending_max ? 2 * self->pending_max : 4;
        self->pending = realloc(self->pending, self->pending_max * sizeof(pending_t));
        assert(self->pending);
    }
    self->pending[self->pending_count] =
        (pending_t){copy, file.st_dev, file.st_ino, NULL, 0, 0};
    return (ssize_t)self->pending_count++;
}

/* Queues size bytes of data (taken) to be appended to a pending file. */
static void add_data(pending_t *pending, void *data, size_t size)
{
    if (pending->iov_count == pending->iov_max) {
        pending->iov_max = pending->iov_max ? 2 * pending->iov_max : 8;
        pending->iov = realloc(pending->iov, pending->iov_max * sizeof(struct iovec));
        assert(pending->iov);
    }
    pending->iov[pending->iov_count++] = (struct iovec){data, size};
}

int precis_syncer_commit_files(precis_syncer_t *self, precis_syncer_file_t *files,
                               size_t count)
{
    /* Every file first, then the data: a commit that fails queues none. */
    ssize_t local[8], *index = count <= 8 ? local : malloc(count * sizeof *index);
    assert(index);
    for (size_t i = 0; i < count; i++)
        /* Pieces of one file in a row (a journal batch of several
           buffers): one fstat. */
        if (i > 0 && files[i].fd == files[i - 1].fd)
            index[i] = index[i - 1];
        else if ((index[i] = add_pending(self, files[i].fd)) < 0) {
            int error = errno;
            for (size_t j = 0; j < count; j++)
                free(files[j].data);
            if (index != local)
                free(index);
            errno = error;
            return -1;
        }
    for (size_t i = 0; i < count; i++) {
        if (files[i].data && files[i].size)
            add_data(&self->pending[index[i]], files[i].data, files[i].size);
        else
            free(files[i].data);
    }
    if (index != local)
        free(index);
    self->committed++;
    if (!self->requested)
        send_request(self);
    return 0;
}

int precis_syncer_commit_many(precis_syncer_t *self, const int *fds, size_t count)
{
    precis_syncer_file_t local[8];
    precis_syncer_file_t *files = count <= 8 ? local : malloc(count * sizeof *files);
    assert(files);
    for (size_t i = 0; i < count; i++)
        files[i] = (precis_syncer_file_t){fds[i], NULL, 0};
    int rc = precis_syncer_commit_files(self, files, count);
    if (files != local)
        free(files);
    return rc;
}

int precis_syncer_commit(precis_syncer_t *self, int fd)
{
    return precis_syncer_commit_many(self, &fd, 1);
}

bool precis_syncer_idle(precis_syncer_t *self)
{
    return !self->requested && self->pending_count == 0;
}

void precis_syncer_hold(precis_syncer_t *self, precis_syncer_fn *fn, void *arg)
{
    if (self->synced == self->committed && self->held_count == 0) {
        fn(arg, self->error);
        return;
    }
    if (self->held_count == self->held_max) {
        /* Grown: the ring is unrolled into the new array, oldest first. */
        size_t max = self->held_max ? 2 * self->held_max : 64;
        held_t *ring = malloc(max * sizeof *ring);
        assert(ring);
        for (size_t i = 0; i < self->held_count; i++)
            ring[i] = self->held[(self->held_first + i) % self->held_max];
        free(self->held);
        self->held = ring;
        self->held_first = 0;
        self->held_max = max;
    }
    self->held[(self->held_first + self->held_count++) % self->held_max] =
        (held_t){fn, arg, self->committed};
}

zsock_t *precis_syncer_socket(precis_syncer_t *self)
{
    return zactor_sock(self->actor);
}

/* Reads the report of the sync in flight (flags: 0 or ZMQ_DONTWAIT). False
   when none has come (only with ZMQ_DONTWAIT). */
static bool read_report(precis_syncer_t *self, int flags, uint64_t *ticket, int *error)
{
    report_t report = {0, 0, NULL};
    while (zmq_recv(zsock_resolve(self->actor), &report, sizeof report, flags) !=
           (int)sizeof report) {
        if (zmq_errno() == EAGAIN && flags == ZMQ_DONTWAIT)
            return false;
        if (zmq_errno() != EINTR) {
            zsys_error("syncer: lost the sync thread: %s", zmq_strerror(zmq_errno()));
            report = (report_t){self->requested, ECANCELED, NULL};
            break;
        }
    }
    release_request(self, report.request);
    *ticket = report.ticket;
    *error = report.error;
    return true;
}

static int handle(precis_syncer_t *self, int flags)
{
    if (!self->requested)
        return -1;
    uint64_t ticket;
    int error;
    if (!read_report(self, flags, &ticket, &error))
        return -1;
    self->requested = 0;
    self->synced = ticket;
    self->error = error;
    /* The commits that came in meanwhile go to the disk at once... */
    if (self->pending_count)
        send_request(self);
    /* ...and what waited for this sync goes on (a callback may hold more:
       it comes after what is held now, with a later ticket). */
    while (self->held_count > 0 && self->held[self->held_first].ticket <= ticket) {
        held_t held = held_take(self);
        held.fn(held.arg, error);
    }
    return error;
}

int precis_syncer_handle(precis_syncer_t *self)
{
    return handle(self, 0);
}

int precis_syncer_handle_ready(precis_syncer_t *self)
{
    return handle(self, ZMQ_DONTWAIT);
}

int precis_syncer_flush(precis_syncer_t *self)
{
    int last_error = 0;
    while (self->requested) {
        int error = precis_syncer_handle(self);
        if (error > 0)
            last_error = error;
    }
    return last_error;
}

bool precis_syncer_in_flight(precis_syncer_t *self)
{
    return self->requested != 0;
}

size_t precis_syncer_held(precis_syncer_t *self)
{
    return self->held_count;
}

uint64_t precis_syncer_syncs(precis_syncer_t *self)
{
    return self->syncs;
}

/* ---- self test ----------------------------------------------------------- */

/* The test's sync: waits for a byte on the gate ('s': sync, 'f': fail with
   EIO), notes the file's inode, then really syncs. */
static int gate_fd = -1;
static ino_t gated_inodes[16];
static size_t gated_count;
static pthread_mutex_t gated_lock = PTHREAD_MUTEX_INITIALIZER;

static int gated_sync(int fd)
{
    char byte;
    if (read(gate_fd, &byte, 1) != 1) {
        errno = EIO;
        return -1;
    }
    struct stat file;
    int rc = fstat(fd, &file);
    pthread_mutex_lock(&gated_lock);
    if (gated_count < 16)
        gated_inodes[gated_count++] = rc == 0 ? file.st_ino : 0;
    pthread_mutex_unlock(&gated_lock);
    if (byte == 'f') {
        errno = EIO;
        return -1;
    }
    return fdatasync(fd);
}

/* Callbacks append "name," (or "name!," on an error) to the log. */
static char released[256];

static void record(void *arg, int error)
{
    size_t used = strlen(released);
    snprintf(released + used, sizeof released - used, "%s%s,", (const char *)arg,
             error ? "!" : "");
}

static int check_log(const char *expected, const char *when)
{
    if (streq(released, expected))
        return 0;
    fprintf(stderr, "syncer test: %s: released '%s', expected '%s'\n", when, released,
            expected);
    return 1;
}

static int open_file(const char *dir, const char *name)
{
    char *path = zsys_sprintf("%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || write(fd, "record", 6) != 6) {
        fprintf(stderr, "syncer test: cannot write %s: %s\n", path, strerror(errno));
        exit(1);
    }
    zstr_free(&path);
    return fd;
}

/* Lets the gated sync go on: one byte per file. */
static void open_gate(int fd, const char *bytes)
{
    if (write(fd, bytes, strlen(bytes)) != (ssize_t)strlen(bytes)) {
        fprintf(stderr, "syncer test: cannot open the gate: %s\n", strerror(errno));
        exit(1);
    }
}

static ino_t inode_of(int fd)
{
    struct stat file;
    return fstat(fd, &file) == 0 ? file.st_ino : 0;
}

static int instant_sync(int fd)
{
    (void)fd;
    return 0;
}

/* Spacing: a lone client, each commit synced before the next, never waits;
   commits that pile up during a sync are synced no sooner than the
   spacing after the sync before. */
/* Callbacks held are called in the order they were held, also when more
   wait than the ring had room for and it has wrapped around: 40 held and
   released, then 100 (the ring grows from 64 with its oldest in the
   middle), each after a commit of its own, with a sync in flight. */
static int held_order[140], held_seen;

static void note_held(void *arg, int error)
{
    if (held_seen < 140)
        held_order[held_seen] = error ? -1 : (int)(intptr_t)arg;
    held_seen++;
}

static int test_held_ring(int fd)
{
    int failures = 0;
    precis_syncer_t *syncer = precis_syncer_new();
    precis_syncer_set_sync_fn(syncer, instant_sync);
    precis_syncer_set_spacing(syncer, 0);
    held_seen = 0;
    for (int round = 0, next = 0; round < 2; round++) {
        for (int i = 0; i < (round ? 100 : 40); i++, next++) {
            failures += precis_syncer_commit(syncer, fd) != 0;
            precis_syncer_hold(syncer, note_held, (void *)(intptr_t)next);
        }
        failures += precis_syncer_flush(syncer) != 0;
    }
    for (int i = 0; i < 140 && i < held_seen; i++)
        if (held_order[i] != i) {
            fprintf(stderr, "syncer test: callback %d came %dth\n", held_order[i], i);
            failures++;
            break;
        }
    if (held_seen != 140 || precis_syncer_held(syncer) != 0) {
        fprintf(stderr, "syncer test: %d of 140 callbacks called\n", held_seen);
        failures++;
    }
    precis_syncer_destroy(&syncer);
    return failures;
}

/* The hand-over through the mailbox: 2,000 requests one after the other,
   each taken by the thread while it sleeps on the condition or is about
   to (a wake-up lost in between would leave a report missing: the wait
   for it fails after 5 s instead of hanging), and the callbacks in
   order. */
static int test_handoff(int fd)
{
    int failures = 0;
    precis_syncer_t *syncer = precis_syncer_new();
    precis_syncer_set_sync_fn(syncer, instant_sync);
    precis_syncer_set_spacing(syncer, 0);
    zpoller_t *poller = zpoller_new(precis_syncer_socket(syncer), NULL);
    held_seen = 0;
    int i;
    for (i = 0; i < 2000; i++) {
        if (precis_syncer_commit(syncer, fd) != 0)
            break;
        precis_syncer_hold(syncer, note_held, (void *)(intptr_t)(i % 140));
        /* The report may have come already (the ZMQ_FD is edge-like). */
        if (precis_syncer_handle_ready(syncer) == -1 &&
            (zpoller_wait(poller, 5000) == NULL || precis_syncer_handle(syncer) != 0))
            break;
    }
    if (i < 2000 || held_seen != 2000 || precis_syncer_syncs(syncer) != 2000) {
        fprintf(stderr,
                "syncer test: hand-over: %d of 2000 requests answered, %d callbacks, "
                "%llu syncs\n",
                i, held_seen, (unsigned long long)precis_syncer_syncs(syncer));
        failures++;
    }
    zpoller_destroy(&poller);
    precis_syncer_destroy(&syncer);
    return failures;
}

static int test_spacing(int fd)
{
    int failures = 0;
    precis_syncer_t *syncer = precis_syncer_new();
    precis_syncer_set_sync_fn(syncer, instant_sync);
    precis_syncer_set_spacing(syncer, 50000);
    int64_t start = zclock_usecs();
    for (int i = 0; i < 20; i++) {
        failures += precis_syncer_commit(syncer, fd) != 0;
        failures += precis_syncer_flush(syncer) != 0;
    }
    int64_t lone = zclock_usecs() - start;
    start = zclock_usecs();
    for (int i = 0; i < 3; i++) /* the first starts a sync, two pile up */
        failures += precis_syncer_commit(syncer, fd) != 0;
    failures += precis_syncer_flush(syncer) != 0;
    int64_t piled = zclock_usecs() - start;
    if (lone > 250000 || piled < 45000 || precis_syncer_syncs(syncer) != 22) {
        fprintf(stderr,
                "syncer test: spacing: 20 lone commits took %lld us (< 250000), 3 piled "
                "up %lld us (>= 45000), %llu syncs (22)\n",
                (long long)lone, (long long)piled,
                (unsigned long long)precis_syncer_syncs(syncer));
        failures++;
    }
    precis_syncer_destroy(&syncer);
    return failures;
}

/* Several files in one commit: one sync request covers them all, so the
   callbacks held after it go out with a single report. */
static int test_commit_many(const char *dir)
{
    int failures = 0;
    int fds[2] = {open_file(dir, "many-1"), open_file(dir, "many-2")};
    precis_syncer_t *syncer = precis_syncer_new();
    precis_syncer_set_sync_fn(syncer, instant_sync);
    released[0] = 0;
    failures += precis_syncer_commit_many(syncer, fds, 2) != 0;
    precis_syncer_hold(syncer, record, "both");
    if (precis_syncer_handle(syncer) != 0 || precis_syncer_syncs(syncer) != 2)
        failures++;
    failures += check_log("both,", "after one commit of two files");
    precis_syncer_destroy(&syncer);
    for (int i = 0; i < 2; i++) {
        close(fds[i]);
        char *path = zsys_sprintf("%s/many-%d", dir, i + 1);
        unlink(path);
        zstr_free(&path);
    }
    return failures;
}

/* A malloc'd copy of text, to commit. */
static precis_syncer_file_t file_with(int fd, const char *text)
{
    return (precis_syncer_file_t){fd, strdup(text), strlen(text)};
}

/* What the file at path holds (up to 63 bytes). */
static const char *contents(const char *path)
{
    static char text[64];
    FILE *file = fopen(path, "rb");
    size_t n = file ? fread(text, 1, sizeof text - 1, file) : 0;
    text[n] = 0;
    if (file)
        fclose(file);
    return text;
}

/* Counts (and frees) the buffers given back. */
static void count_release(void *arg, void *data)
{
    (*(int *)arg)++;
    free(data);
}

/* Appends: the thread writes a commit's bytes before the sync that covers
   it; commits made while a sync is in flight are written in order by the
   next one; an append that fails (the file size limit stands in for a full
   disk) cuts the file back to its size before that request, skips its
   syncs and reports the error to what was held; the next append goes on
   from there. Every buffer comes back to the owner, written or not. */
static int test_append(const char *dir, int gate)
{
    int failures = 0;
    char *path = zsys_sprintf("%s/appended", dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600);
    precis_syncer_t *syncer = precis_syncer_new();
    precis_syncer_set_sync_fn(syncer, gated_sync);
    int given_back = 0;
    precis_syncer_set_release(syncer, count_release, &given_back);
    released[0] = 0;
    precis_syncer_file_t one = file_with(fd, "one");
    failures += precis_syncer_commit_files(syncer, &one, 1) != 0;
    /* Written before its sync, which waits at the gate. */
    for (int i = 0; i < 500 && strlen(contents(path)) < 3; i++)
        zclock_sleep(10);
    failures += !streq(contents(path), "one");
    precis_syncer_file_t two = file_with(fd, "two"), three = file_with(fd, "three");
    failures += precis_syncer_commit_files(syncer, &two, 1) != 0;
    failures += precis_syncer_commit_files(syncer, &three, 1) != 0;
    precis_syncer_hold(syncer, record, "3");
    failures += !streq(contents(path), "one"); /* pending: not written */
    open_gate(gate, "ss");
    failures += precis_syncer_flush(syncer) != 0;
    failures += check_log("3,", "after the appends");
    if (!streq(contents(path), "onetwothree") || precis_syncer_syncs(syncer) != 2) {
        fprintf(stderr,
                "syncer test: appended '%s' in %llu syncs, not 'onetwothree' in 2\n",
                contents(path), (unsigned long long)precis_syncer_syncs(syncer));
        failures++;
    }

    struct rlimit saved, limit;
    getrlimit(RLIMIT_FSIZE, &saved);
    limit = saved;
    limit.rlim_cur = 13; /* two bytes of the next append go in */
    void (*saved_handler)(int) = signal(SIGXFSZ, SIG_IGN);
    setrlimit(RLIMIT_FSIZE, &limit);
    precis_syncer_file_t four = file_with(fd, "four");
    failures += precis_syncer_commit_files(syncer, &four, 1) != 0;
    precis_syncer_hold(syncer, record, "4");
    int error = precis_syncer_flush(syncer); /* no gate: its sync is skipped */
    setrlimit(RLIMIT_FSIZE, &saved);
    signal(SIGXFSZ, saved_handler);
    if (error != EFBIG || !streq(contents(path), "onetwothree")) {
        fprintf(stderr, "syncer test: a failed append reported %d, left '%s'\n", error,
                contents(path));
        failures++;
    }
    failures += check_log("3,4!,", "after a failed append");
    precis_syncer_file_t five = file_with(fd, "five");
    failures += precis_syncer_commit_files(syncer, &five, 1) != 0;
    open_gate(gate, "s");
    failures += precis_syncer_flush(syncer) != 0;
    failures += !streq(contents(path), "onetwothreefive");
    precis_syncer_destroy(&syncer);
    if (given_back != 5) {
        fprintf(stderr, "syncer test: %d buffers given back, not 5\n", given_back);
        failures++;
    }
    close(fd);
    unlink(path);
    zstr_free(&path);
    return failures;
}

int precis_syncer_test(bool verbose)
{
    (void)verbose;
    int failures = 0;
    char dir[] = "/tmp/precis-syncer-test-XXXXXX";
    int gate[2];
    if (!mkdtemp(dir) || pipe(gate) != 0) {
        fprintf(stderr, "syncer test: %s\n", strerror(errno));
        return 1;
    }
    gate_fd = gate[0];
    released[0] = 0;
    precis_syncer_t *syncer = precis_syncer_new();
    precis_syncer_set_sync_fn(syncer, gated_sync);

    /* Nothing committed: an item goes out at once. */
    precis_syncer_hold(syncer, record, "0");
    failures += check_log("0,", "with nothing committed");

    /* Items held after a commit wait for its sync: the thread is stuck at
       the gate, no report comes, nothing is released. */
    int fd_a = open_file(dir, "a");
    ino_t ino_a = inode_of(fd_a);
    failures += precis_syncer_commit(syncer, fd_a) != 0;
    precis_syncer_hold(syncer, record, "a1");
    precis_syncer_hold(syncer, record, "a2");
    zpoller_t *poller = zpoller_new(precis_syncer_socket(syncer), NULL);
    if (zpoller_wait(poller, 50) != NULL) {
        fprintf(stderr, "syncer test: a report came before the sync was done\n");
        failures++;
    }
    failures += check_log("0,", "during the first sync");

    /* Meanwhile: another commit on the same file, then the file is closed
       and a new one (probably with the same descriptor number) committed,
       as journal compaction does. Both wait for the next sync. */
    failures += precis_syncer_commit(syncer, fd_a) != 0;
    precis_syncer_hold(syncer, record, "b");
    close(fd_a);
    int fd_b = open_file(dir, "b");
    ino_t ino_b = inode_of(fd_b);
    failures += precis_syncer_commit(syncer, fd_b) != 0;
    precis_syncer_hold(syncer, record, "c");
    if (precis_syncer_held(syncer) != 4) {
        fprintf(stderr, "syncer test: %zu held, expected 4\n",
                precis_syncer_held(syncer));
        failures++;
    }

    /* The first sync ends: exactly its items go out, in order, and one sync
       starts for the three commits that came in meanwhile. */
    open_gate(gate[1], "s");
    if (zpoller_wait(poller, 5000) != precis_syncer_socket(syncer) ||
        precis_syncer_handle(syncer) != 0) {
        fprintf(stderr, "syncer test: the first sync did not report success\n");
        failures++;
    }
    failures += check_log("0,a1,a2,", "after the first sync");

    /* The group commit syncs both files, the closed one through its dup. */
    open_gate(gate[1], "ss");
    failures += precis_syncer_handle(syncer) != 0;
    failures += check_log("0,a1,a2,b,c,", "after the group commit");
    pthread_mutex_lock(&gated_lock);
    if (gated_count != 3 || gated_inodes[0] != ino_a || gated_inodes[1] != ino_a ||
        gated_inodes[2] != ino_b) {
        fprintf(stderr, "syncer test: synced %zu files, not a, a, then b\n", gated_count);
        failures++;
    }
    pthread_mutex_unlock(&gated_lock);
    if (precis_syncer_syncs(syncer) != 3 || precis_syncer_held(syncer) != 0) {
        fprintf(stderr, "syncer test: %llu syncs, %zu held\n",
                (unsigned long long)precis_syncer_syncs(syncer),
                precis_syncer_held(syncer));
        failures++;
    }

    /* A failed sync releases its items with the error. */
    failures += precis_syncer_commit(syncer, fd_b) != 0;
    precis_syncer_hold(syncer, record, "d");
    open_gate(gate[1], "f");
    if (precis_syncer_flush(syncer) != EIO) {
        fprintf(stderr, "syncer test: a failed sync was not reported\n");
        failures++;
    }
    failures += check_log("0,a1,a2,b,c,d!,", "after a failed sync");
    zpoller_destroy(&poller);
    precis_syncer_destroy(&syncer);

    /* The real fdatasync: a pipe cannot be synced (EINVAL); destroy waits
       for the sync in flight and releases what it held. */
    released[0] = 0;
    syncer = precis_syncer_new();
    failures += precis_syncer_commit(syncer, gate[1]) != 0;
    precis_syncer_hold(syncer, record, "pipe");
    if (precis_syncer_flush(syncer) != EINVAL) {
        fprintf(stderr, "syncer test: fdatasync of a pipe did not fail\n");
        failures++;
    }
    failures += precis_syncer_commit(syncer, fd_b) != 0;
    precis_syncer_hold(syncer, record, "file");
    close(fd_b);
    precis_syncer_destroy(&syncer);
    failures += check_log("pipe!,file,", "with fdatasync");
    failures += test_spacing(gate[1]);
    failures += test_handoff(gate[1]);
    failures += test_held_ring(gate[1]);
    failures += test_commit_many(dir);
    failures += test_append(dir, gate[1]);

    close(gate[0]);
    close(gate[1]);
    char *path = zsys_sprintf("%s/a", dir);
    unlink(path);
    zstr_free(&path);
    path = zsys_sprintf("%s/b", dir);
    unlink(path);
    zstr_free(&path);
    rmdir(dir);
    return failures;
}
