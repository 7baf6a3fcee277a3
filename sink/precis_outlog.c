/*  precis_outlog - the sink's append-only output log. */
#include "precis_outlog.h"
#include "precis_config.h"
#include <czmq.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <dirent.h>
#include <libgen.h>

#define INDEX_STRIDE 256
#define MAX_RECORD   (64u << 20)
/* A segment is closed when it would pass this share of the budget. */
#define SEGMENTS_PER_BUDGET 8
/* Segment size without a budget. */
#define UNLIMITED_SEGMENT (128ull << 20)

typedef struct {
    char *path;
    int fd;
    uint64_t first;  /* sequence number of its first record */
    uint64_t count;  /* whole records in it */
    uint64_t size;   /* bytes of whole records */
    uint64_t *index; /* offset of records first, first + STRIDE, ... */
    size_t index_count, index_cap;
} segment_t;

struct _precis_outlog_t {
    char *path;
    uint64_t max_bytes;   /* budget of all segments together */
    uint64_t segment_max; /* a segment is closed before it passes this */
    uint64_t next_seq;
    uint64_t bytes;      /* in all segments */
    segment_t *segments; /* oldest first; the last one is appended to */
    size_t segment_count, segment_cap;
};

static void index_add(segment_t *segment, uint64_t seq, uint64_t offset)
{
    if ((seq - segment->first) % INDEX_STRIDE)
        return;
    if (segment->index_count == segment->index_cap) {
        segment->index_cap = segment->index_cap ? segment->index_cap * 2 : 64;
        segment->index =
            realloc(segment->index, segment->index_cap * sizeof *segment->index);
        assert(segment->index);
    }
    segment->index[segment->index_count++] = offset;
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

/* Adds a segment (not opened yet) at the end of the list. */
static segment_t *segment_add(precis_outlog_t *self, uint64_t first)
{
    if (self->segment_count == self->segment_cap) {
        self->segment_cap = self->segment_cap ? self->segment_cap * 2 : 16;
        self->segments =
            realloc(self->segments, self->segment_cap * sizeof *self->segments);
        assert(self->segments);
    }
    segment_t *segment = &self->segments[self->segment_count++];
    memset(segment, 0, sizeof *segment);
    segment->fd = -1;
    segment->first = first;
    segment->path = first == 1
                        ? strdup(self->path)
                        : zsys_sprintf("%s.%llu", self->path, (unsigned long long)first);
    assert(segment->path);
    return segment;
}

static void segment_free(segment_t *segment)
{
    if (segment->fd >= 0)
        close(segment->fd);
    free(segment->path);
    free(segment->index);
}

/* Deletes the oldest segment (there is a newer one). */
static void drop_oldest(precis_outlog_t *self)
{
    segment_t *oldest = &self->segments[0];
    if (unlink(oldest->path) != 0 && errno != ENOENT)
        zsys_error("output log: cannot delete %s: %s", oldest->path, strerror(errno));
    else
        zsys_info(
            "output log: deleted %s (results %llu to %llu) to stay within %llu bytes",
            oldest->path, (unsigned long long)oldest->first,
            (unsigned long long)(self->segments[1].first - 1),
            (unsigned long long)self->max_bytes);
    self->bytes -= oldest->size;
    segment_free(oldest);
    self->segment_count--;
    memmove(self->segments, self->segments + 1,
            self->segment_count * sizeof *self->segments);
}

static int compare_first(const void *a, const void *b)
{
    uint64_t x = ((const segment_t *)a)->first, y = ((const segment_t *)b)->first;
    return x < y ? -1 : x > y;
}

/* Finds the segments on disk: PATH (from 1) and PATH.N (from N). */
static int find_segments(precis_outlog_t *self)
{
    char *copy = strdup(self->path), *copy2 = strdup(self->path);
    assert(copy && copy2);
    const char *dir = dirname(copy), *base = basename(copy2);
    size_t base_len = strlen(base);
    DIR *listing = opendir(dir);
    if (!listing) {
        zsys_error("output log: cannot list %s: %s", dir, strerror(errno));
        free(copy);
        free(copy2);
        return -1;
    }
    struct dirent *entry;
    while ((entry = readdir(listing))) {
        const char *name = entry->d_name;
        if (strncmp(name, base, base_len) != 0)
            continue;
        if (name[base_len] == 0) {
            segment_add(self, 1);
            continue;
        }
        const char *digits = name + base_len + 1;
        if (name[base_len] != '.' || *digits < '1' || *digits > '9' ||
            strspn(digits, "0123456789") != strlen(digits) || strlen(digits) > 19)
            continue;
        uint64_t first = strtoull(digits, NULL, 10);
        if (first >= 2)
            segment_add(self, first);
    }
    closedir(listing);
    free(copy);
    free(copy2);
    if (self->segment_count > 1)
        qsort(self->segments, self->segment_count, sizeof *self->segments, compare_first);
    return 0;
}

/* Reads a segment's records (at most limit), building its index; the
   newest one loses a torn record at its end. */
static void scan_segment(segment_t *segment, uint64_t limit, bool newest,
                         precis_outlog_fn *fn, void *arg)
{
    uint64_t file_size = segment->size;
    segment->size = 0;
    zchunk_t *record = zchunk_new(NULL, 4096);
    ssize_t size = 0;
    while (segment->count < limit &&
           (size = read_at(segment->fd, segment->size, record)) > 0) {
        uint64_t seq = segment->first + segment->count;
        index_add(segment, seq, segment->size);
        if (fn)
            call_with(fn, arg, seq, record);
        segment->count++;
        segment->size += (uint64_t)size;
    }
    zchunk_destroy(&record);
    if (newest) {
        if (size < 0) {
            zsys_warning("output log: cutting a torn record at byte %llu of %s",
                         (unsigned long long)segment->size, segment->path);
            if (ftruncate(segment->fd, (off_t)segment->size) != 0)
                zsys_error("output log: cannot truncate %s", segment->path);
        }
    } else if (segment->count < limit)
        zsys_warning("output log: %s ends after result %llu; results up to %llu are lost",
                     segment->path,
                     (unsigned long long)(segment->first + segment->count - 1),
                     (unsigned long long)(segment->first + limit - 1));
    else if (segment->size < file_size)
        zsys_warning("output log: %s holds more than results %llu to %llu; "
                     "ignoring the rest",
                     segment->path, (unsigned long long)segment->first,
                     (unsigned long long)(segment->first + limit - 1));
}

precis_outlog_t *precis_outlog_new(const char *path, uint64_t max_bytes,
                                   precis_outlog_fn *fn, void *arg)
{
    precis_outlog_t *self = calloc(1, sizeof *self);
    assert(self);
    self->path = strdup(path);
    self->max_bytes = max_bytes ? max_bytes : UINT64_MAX;
    self->segment_max = max_bytes ? max_bytes / SEGMENTS_PER_BUDGET : UNLIMITED_SEGMENT;
    if (self->segment_max < 1)
        self->segment_max = 1;
    if (find_segments(self) != 0) {
        precis_outlog_destroy(&self);
        return NULL;
    }
    if (self->segment_count == 0)
        segment_add(self, 1);
    for (size_t i = 0; i < self->segment_count; i++) {
        segment_t *segment = &self->segments[i];
        segment->fd = precis_data_file_open(segment->path, O_RDWR | O_APPEND);
        struct stat info;
        if (segment->fd < 0 || fstat(segment->fd, &info) != 0) {
            zsys_error("output log: cannot open %s: %s", segment->path, strerror(errno));
            precis_outlog_destroy(&self);
            return NULL;
        }
        segment->size = (uint64_t)info.st_size; /* until scanned */
        self->bytes += segment->size;
    }
    /* A smaller budget than last time: the oldest go before anything is read. */
    while (self->segment_count > 1 && self->bytes > self->max_bytes)
        drop_oldest(self);
    self->bytes = 0;
    for (size_t i = 0; i < self->segment_count; i++) {
        segment_t *segment = &self->segments[i];
        bool newest = i + 1 == self->segment_count;
        scan_segment(segment,
                     newest ? UINT64_MAX : self->segments[i + 1].first - segment->first,
                     newest, fn, arg);
        self->bytes += segment->size;
    }
    segment_t *newest = &self->segments[self->segment_count - 1];
    self->next_seq = newest->first + newest->count;
    return self;
}

void precis_outlog_destroy(precis_outlog_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    precis_outlog_t *self = *self_p;
    for (size_t i = 0; i < self->segment_count; i++)
        segment_free(&self->segments[i]);
    free(self->segments);
    free(self->path);
    free(self);
    *self_p = NULL;
}

uint64_t precis_outlog_next_seq(precis_outlog_t *self)
{
    return self->next_seq;
}

uint64_t precis_outlog_first_seq(precis_outlog_t *self)
{
    for (size_t i = 0; i < self->segment_count; i++)
        if (self->segments[i].count)
            return self->segments[i].first;
    return self->next_seq;
}

uint64_t precis_outlog_bytes(precis_outlog_t *self)
{
    return self->bytes;
}

size_t precis_outlog_segments(precis_outlog_t *self)
{
    return self->segment_count;
}

/* Starts a new segment for the next record; stays in the current one when
   the new file cannot be made. */
static void roll(precis_outlog_t *self)
{
    char *path = zsys_sprintf("%s.%llu", self->path, (unsigned long long)self->next_seq);
    int fd = precis_data_file_open(path, O_RDWR | O_EXCL | O_APPEND);
    if (fd < 0) {
        zsys_error("output log: cannot start segment %s: %s", path, strerror(errno));
        zstr_free(&path);
        return;
    }
    zstr_free(&path);
    segment_t *segment = segment_add(self, self->next_seq);
    segment->fd = fd;
}

int precis_outlog_append(precis_outlog_t *self, const char *topic, const void *body,
                         size_t size)
{
    size_t topic_len = strlen(topic);
    if (topic_len > 255 || 1 + topic_len + size > MAX_RECORD)
        return -1;
    uint32_t len = (uint32_t)(1 + topic_len + size);
    uint64_t record_size = 4 + (uint64_t)len;
    segment_t *segment = &self->segments[self->segment_count - 1];
    if (segment->size > 0 && segment->size + record_size > self->segment_max)
        roll(self);
    while (self->segment_count > 1 && self->bytes + record_size > self->max_bytes)
        drop_oldest(self);
    segment = &self->segments[self->segment_count - 1];
    unsigned char header[5] = {(unsigned char)len, (unsigned char)(len >> 8),
                               (unsigned char)(len >> 16), (unsigned char)(len >> 24),
                               (unsigned char)topic_len};
    /* One writev, so a record is never interleaved or half-written by us. */
    struct iovec parts[3] = {
        {header, 5}, {(void *)topic, topic_len}, {(void *)body, size}};
    ssize_t written = writev(segment->fd, parts, 3);
    if (written != (ssize_t)record_size) {
        zsys_error("output log: cannot append to %s: %s", segment->path, strerror(errno));
        if (written > 0 && ftruncate(segment->fd, (off_t)segment->size) != 0)
            zsys_error("output log: cannot undo a partial write to %s", segment->path);
        return -1;
    }
    index_add(segment, self->next_seq, segment->size);
    segment->size += record_size;
    segment->count++;
    self->bytes += record_size;
    self->next_seq++;
    return 0;
}

size_t precis_outlog_read(precis_outlog_t *self, uint64_t since, size_t max,
                          precis_outlog_fn *fn, void *arg)
{
    zchunk_t *record = zchunk_new(NULL, 4096);
    size_t count = 0;
    for (size_t i = 0; i < self->segment_count && count < max; i++) {
        segment_t *segment = &self->segments[i];
        uint64_t end = segment->first + segment->count; /* after its last record */
        if (since >= end)
            continue;
        uint64_t start = since > segment->first ? since : segment->first;
        size_t slot = (size_t)((start - segment->first) / INDEX_STRIDE);
        uint64_t seq = segment->first + (uint64_t)slot * INDEX_STRIDE,
                 offset = segment->index[slot];
        ssize_t size;
        while (count < max && seq < end &&
               (size = read_at(segment->fd, offset, record)) > 0) {
            if (seq >= start) {
                call_with(fn, arg, seq, record);
                count++;
            }
            seq++;
            offset += (uint64_t)size;
        }
    }
    zchunk_destroy(&record);
    return count;
}

static void count_records(void *arg, uint64_t seq, const char *topic, const void *body,
                          size_t size)
{
    uint64_t *state = arg; /* [0] count, [1] last seq, [2] bad, [3] first seq */
    char expected[32];
    snprintf(expected, sizeof expected, "body-%llu", (unsigned long long)seq);
    state[0]++;
    state[2] += strcmp(topic, "summary.en") != 0 || size != strlen(expected) ||
                memcmp(body, expected, size) != 0 || (state[1] && seq != state[1] + 1);
    state[1] = seq;
    if (!state[3])
        state[3] = seq;
}

static void append_bodies(precis_outlog_t *log, int from, int to)
{
    char body[32];
    for (int seq = from; seq <= to; seq++) {
        snprintf(body, sizeof body, "body-%d", seq);
        if (precis_outlog_append(log, "summary.en", body, strlen(body)) != 0)
            fprintf(stderr, "outlog test: append %d failed\n", seq);
    }
}

/* Bytes of the files the log has on disk, and how many there are. */
static uint64_t bytes_on_disk(const char *dir, size_t *files_p)
{
    zdir_t *listing = zdir_new(dir, "-");
    *files_p = listing ? (size_t)zdir_count(listing) : 0;
    uint64_t total = listing ? (uint64_t)zdir_cursize(listing) : 0;
    zdir_destroy(&listing);
    return total;
}

static void remove_all(const char *dir)
{
    zdir_t *listing = zdir_new(dir, "-");
    if (listing)
        zdir_remove(listing, true);
    zdir_destroy(&listing);
}

#define CHECK(cond, ...)                                                                 \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            fprintf(stderr, "outlog test: " __VA_ARGS__);                                \
            fprintf(stderr, "\n");                                                       \
            failures++;                                                                  \
        }                                                                                \
    } while (0)

int precis_outlog_test(bool verbose)
{
    int failures = 0;
    char dir[] = "/tmp/precis-outlog-test-XXXXXX";
    if (!mkdtemp(dir)) {
        fprintf(stderr, "outlog test: cannot make %s\n", dir);
        return 1;
    }
    char *path = zsys_sprintf("%s/output.records", dir);

    /* A log without a budget is one file, as before segments. */
    precis_outlog_t *log = precis_outlog_new(path, 0, NULL, NULL);
    append_bodies(log, 1, 600);
    uint64_t state[4] = {0, 0, 0, 0};
    size_t read = precis_outlog_read(log, 300, 1000, count_records, state);
    CHECK(read == 301 && state[0] == 301 && state[1] == 600 && state[2] == 0,
          "replay from 300 read %zu, last %llu, bad %llu", read,
          (unsigned long long)state[1], (unsigned long long)state[2]);
    memset(state, 0, sizeof state);
    CHECK(precis_outlog_read(log, 10, 5, count_records, state) == 5 && state[1] == 14,
          "a bounded replay read the wrong records");
    CHECK(precis_outlog_segments(log) == 1 && precis_outlog_first_seq(log) == 1,
          "an unlimited log of 600 results is not one segment from 1");
    precis_outlog_destroy(&log);
    /* Results are the users' data: the log is 0600, or 0640 when asked,
       also when it was made earlier with other permissions. */
    struct stat info;
    CHECK(stat(path, &info) == 0 && (info.st_mode & 0777) == 0600,
          "the output log was made with mode %o", (unsigned)(info.st_mode & 0777));
    chmod(path, 0644);
    precis_set_file_mode(0640);
    log = precis_outlog_new(path, 0, NULL, NULL);
    precis_outlog_destroy(&log);
    precis_set_file_mode(0600);
    CHECK(stat(path, &info) == 0 && (info.st_mode & 0777) == 0640,
          "the output log was left with mode %o", (unsigned)(info.st_mode & 0777));

    /* Reopened after a torn write: the numbering goes on from the last whole record. */
    int fd = open(path, O_WRONLY | O_APPEND);
    if (write(fd, "\x40\x00\x00\x00\x05summ", 9) != 9)
        failures++;
    close(fd);
    memset(state, 0, sizeof state);
    log = precis_outlog_new(path, 0, count_records, state);
    CHECK(state[0] == 600 && state[2] == 0 && precis_outlog_next_seq(log) == 601,
          "reopening found %llu records, next seq %llu", (unsigned long long)state[0],
          (unsigned long long)precis_outlog_next_seq(log));
    precis_outlog_destroy(&log);

    /* The single file opens under a budget as the first segment; appending
       rolls segments and deletes the oldest, within the budget. Each record
       of "body-N" takes 5 + 10 + 9 or 10 bytes. */
    const uint64_t budget = 40000;
    memset(state, 0, sizeof state);
    log = precis_outlog_new(path, budget, count_records, state);
    CHECK(state[0] == 600 && state[3] == 1 && precis_outlog_next_seq(log) == 601 &&
              precis_outlog_segments(log) == 1,
          "the single-file log did not open as the first segment");
    append_bodies(log, 601, 5000);
    size_t files;
    uint64_t disk = bytes_on_disk(dir, &files);
    uint64_t first = precis_outlog_first_seq(log);
    CHECK(disk <= budget && disk == precis_outlog_bytes(log) && disk > budget / 2,
          "%llu bytes on disk, %llu counted, budget %llu", (unsigned long long)disk,
          (unsigned long long)precis_outlog_bytes(log), (unsigned long long)budget);
    CHECK(files == precis_outlog_segments(log) && files >= 7 && files <= 9,
          "%zu files, %zu segments", files, precis_outlog_segments(log));
    CHECK(first > 1000 && access(path, F_OK) != 0,
          "the oldest segment (PATH) was kept: first seq %llu",
          (unsigned long long)first);
    /* Replay from a trimmed seq starts at the oldest kept; replay starts
       anywhere (index per segment) and crosses segments. */
    memset(state, 0, sizeof state);
    read = precis_outlog_read(log, 1, 100000, count_records, state);
    CHECK(state[3] == first && state[1] == 5000 && state[2] == 0 && read == 5001 - first,
          "replay from 1 read %zu from %llu to %llu", read, (unsigned long long)state[3],
          (unsigned long long)state[1]);
    for (uint64_t seq = first; seq <= 5000; seq += 7) {
        memset(state, 0, sizeof state);
        if (precis_outlog_read(log, seq, 600, count_records, state) !=
                (5001 - seq < 600 ? 5001 - seq : 600) ||
            state[3] != seq || state[2] != 0) {
            CHECK(false, "replay from %llu started at %llu", (unsigned long long)seq,
                  (unsigned long long)state[3]);
            break;
        }
    }
    precis_outlog_destroy(&log);

    /* After a restart: the same records, the same next seq; a torn record
       at the end of the newest segment is cut off. */
    char *newest = NULL;
    log = precis_outlog_new(path, budget, NULL, NULL);
    newest = strdup(log->segments[log->segment_count - 1].path);
    precis_outlog_destroy(&log);
    fd = open(newest, O_WRONLY | O_APPEND);
    if (write(fd, "\x40\x00\x00\x00\x05summ", 9) != 9)
        failures++;
    close(fd);
    memset(state, 0, sizeof state);
    log = precis_outlog_new(path, budget, count_records, state);
    CHECK(state[3] == first && state[1] == 5000 && state[2] == 0 &&
              state[0] == 5001 - first && precis_outlog_next_seq(log) == 5001 &&
              precis_outlog_first_seq(log) == first,
          "reopening the segments found %llu to %llu, next seq %llu",
          (unsigned long long)state[3], (unsigned long long)state[1],
          (unsigned long long)precis_outlog_next_seq(log));
    append_bodies(log, 5001, 5010);
    memset(state, 0, sizeof state);
    CHECK(precis_outlog_read(log, 4990, 100, count_records, state) == 21 &&
              state[2] == 0 && state[1] == 5010,
          "appending after the torn record went wrong");
    precis_outlog_destroy(&log);
    free(newest);

    /* A smaller budget at the next start deletes the oldest segments first. */
    memset(state, 0, sizeof state);
    log = precis_outlog_new(path, budget / 4, count_records, state);
    disk = bytes_on_disk(dir, &files);
    CHECK(disk <= budget / 4 && precis_outlog_next_seq(log) == 5011 && state[1] == 5010 &&
              state[2] == 0 && state[3] == precis_outlog_first_seq(log) &&
              state[3] > first,
          "a smaller budget kept %llu bytes from %llu", (unsigned long long)disk,
          (unsigned long long)state[3]);
    precis_outlog_destroy(&log);

    remove_all(dir);
    zstr_free(&path);
    return failures;
}
