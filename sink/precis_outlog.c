/*  precis_outlog - the sink's append-only output log. */
#include "precis_outlog.h"
#include <czmq.h>
#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>

#define INDEX_STRIDE 256
#define MAX_RECORD   (64u << 20)

struct _precis_outlog_t {
    char *path;
    int fd;
    uint64_t size; /* bytes of whole records */
    uint64_t next_seq;
    uint64_t *index; /* offset of records 1, 1 + STRIDE, 1 + 2 STRIDE, ... */
    size_t index_count, index_cap;
};

static void index_add(precis_outlog_t *self, uint64_t seq, uint64_t offset)
{
    if ((seq - 1) % INDEX_STRIDE)
        return;
    if (self->index_count == self->index_cap) {
        self->index_cap = self->index_cap ? self->index_cap * 2 : 64;
        self->index = realloc(self->index, self->index_cap * sizeof *self->index);
        assert(self->index);
    }
    self->index[self->index_count++] = offset;
}

/* Reads the record at offset into buffer; returns its total size, 0 at a
   clean end, -1 when torn or corrupt. */
static ssize_t read_at(int fd, uint64_t offset, zchunk_t *buffer)
{
    unsigned char header[5];
    ssize_t got = pread(fd, header, 5, (off_t)offset);
    if (got == 0)
        return 0;
    if (got != 5)
        return -1;
    uint32_t len = (uint32_t)header[0] | (uint32_t)header[1] << 8 |
                   (uint32_t)header[2] << 16 | (uint32_t)header[3] << 24;
    if (len < 1 || len > MAX_RECORD || header[4] >= len)
        return -1;
    zchunk_resize(buffer, len);
    if (pread(fd, zchunk_data(buffer), len, (off_t)offset + 4) != (ssize_t)len)
        return -1;
    zchunk_set(buffer, zchunk_data(buffer), len);
    return 4 + (ssize_t)len;
}

static void call_with(precis_outlog_fn *fn, void *arg, uint64_t seq, zchunk_t *record)
{
    const char *data = (const char *)zchunk_data(record);
    size_t topic_len = (unsigned char)data[0];
    char topic[256];
    memcpy(topic, data + 1, topic_len);
    topic[topic_len] = 0;
    fn(arg, seq, topic, data + 1 + topic_len, zchunk_size(record) - 1 - topic_len);
}

precis_outlog_t *precis_outlog_new(const char *path, precis_outlog_fn *fn, void *arg)
{
    precis_outlog_t *self = calloc(1, sizeof *self);
    assert(self);
    self->path = strdup(path);
    self->fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (self->fd < 0) {
        zsys_error("output log: cannot open %s: %s", path, strerror(errno));
        precis_outlog_destroy(&self);
        return NULL;
    }
    zchunk_t *record = zchunk_new(NULL, 4096);
    self->next_seq = 1;
    ssize_t size;
    while ((size = read_at(self->fd, self->size, record)) > 0) {
        index_add(self, self->next_seq, self->size);
        if (fn)
            call_with(fn, arg, self->next_seq, record);
        self->next_seq++;
        self->size += (uint64_t)size;
    }
    zchunk_destroy(&record);
    if (size < 0) {
        zsys_warning("output log: cutting a torn record at byte %llu of %s",
                     (unsigned long long)self->size, path);
        if (ftruncate(self->fd, (off_t)self->size) != 0)
            zsys_error("output log: cannot truncate %s", path);
    }
    return self;
}

void precis_outlog_destroy(precis_outlog_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    precis_outlog_t *self = *self_p;
    if (self->fd >= 0)
        close(self->fd);
    free(self->path);
    free(self->index);
    free(self);
    *self_p = NULL;
}

uint64_t precis_outlog_next_seq(precis_outlog_t *self)
{
    return self->next_seq;
}

int precis_outlog_append(precis_outlog_t *self, const char *topic, const void *body,
                         size_t size)
{
    size_t topic_len = strlen(topic);
    if (topic_len > 255 || 1 + topic_len + size > MAX_RECORD)
        return -1;
    uint32_t len = (uint32_t)(1 + topic_len + size);
    unsigned char header[5] = {(unsigned char)len, (unsigned char)(len >> 8),
                               (unsigned char)(len >> 16), (unsigned char)(len >> 24),
                               (unsigned char)topic_len};
    /* One writev, so a record is never interleaved or half-written by us. */
    struct iovec parts[3] = {
        {header, 5}, {(void *)topic, topic_len}, {(void *)body, size}};
    ssize_t written = writev(self->fd, parts, 3);
    if (written != (ssize_t)(4 + len)) {
        zsys_error("output log: cannot append to %s: %s", self->path, strerror(errno));
        if (written > 0 && ftruncate(self->fd, (off_t)self->size) != 0)
            zsys_error("output log: cannot undo a partial write to %s", self->path);
        return -1;
    }
    index_add(self, self->next_seq, self->size);
    self->size += (uint64_t)written;
    self->next_seq++;
    return 0;
}

size_t precis_outlog_read(precis_outlog_t *self, uint64_t since, size_t max,
                          precis_outlog_fn *fn, void *arg)
{
    if (since < 1)
        since = 1;
    if (since >= self->next_seq || max == 0)
        return 0;
    size_t slot = (size_t)((since - 1) / INDEX_STRIDE);
    uint64_t seq = 1 + (uint64_t)slot * INDEX_STRIDE, offset = self->index[slot];
    zchunk_t *record = zchunk_new(NULL, 4096);
    size_t count = 0;
    ssize_t size;
    while (count < max && seq < self->next_seq &&
           (size = read_at(self->fd, offset, record)) > 0) {
        if (seq >= since) {
            call_with(fn, arg, seq, record);
            count++;
        }
        seq++;
        offset += (uint64_t)size;
    }
    zchunk_destroy(&record);
    return count;
}

static void count_records(void *arg, uint64_t seq, const char *topic, const void *body,
                          size_t size)
{
    uint64_t *state = arg; /* [0] count, [1] last seq, [2] bad */
    char expected[32];
    snprintf(expected, sizeof expected, "body-%llu", (unsigned long long)seq);
    state[0]++;
    state[2] += strcmp(topic, "summary.en") != 0 || size != strlen(expected) ||
                memcmp(body, expected, size) != 0 || (state[1] && seq != state[1] + 1);
    state[1] = seq;
}

int precis_outlog_test(bool verbose)
{
    int failures = 0;
    char path[] = "/tmp/precis-outlog-test-XXXXXX";
    close(mkstemp(path));
    precis_outlog_t *log = precis_outlog_new(path, NULL, NULL);
    char body[32];
    for (int seq = 1; seq <= 600; seq++) {
        snprintf(body, sizeof body, "body-%d", seq);
        precis_outlog_append(log, "summary.en", body, strlen(body));
    }
    uint64_t state[3] = {0, 0, 0};
    size_t read = precis_outlog_read(log, 300, 1000, count_records, state);
    if (read != 301 || state[0] != 301 || state[1] != 600 || state[2] != 0) {
        fprintf(stderr, "outlog test: replay from 300 read %zu, last %llu, bad %llu\n",
                read, (unsigned long long)state[1], (unsigned long long)state[2]);
        failures++;
    }
    memset(state, 0, sizeof state);
    if (precis_outlog_read(log, 10, 5, count_records, state) != 5 || state[1] != 14) {
        fprintf(stderr, "outlog test: a bounded replay read the wrong records\n");
        failures++;
    }
    precis_outlog_destroy(&log);

    /* Reopened after a torn write: the numbering goes on from the last whole record. */
    int fd = open(path, O_WRONLY | O_APPEND);
    if (write(fd, "\x40\x00\x00\x00\x05summ", 9) != 9)
        failures++;
    close(fd);
    memset(state, 0, sizeof state);
    log = precis_outlog_new(path, count_records, state);
    if (state[0] != 600 || state[2] != 0 || precis_outlog_next_seq(log) != 601) {
        fprintf(stderr, "outlog test: reopening found %llu records, next seq %llu\n",
                (unsigned long long)state[0],
                (unsigned long long)precis_outlog_next_seq(log));
        failures++;
    }
    precis_outlog_destroy(&log);
    unlink(path);
    return failures;
}
