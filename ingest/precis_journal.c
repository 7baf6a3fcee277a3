/*  precis_journal - ingest's write-ahead journal of accepted articles. */
#include "precis_journal.h"
#include "precis_config.h"
#include "precis_syncer.h"
#include <czmq.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>
#include "precis_xxh3.h"

#define JOURNAL_NAME "journal"
#define HEADER_SIZE  13
/* Longest key and data a record may declare; anything longer is damage. */
#define JOURNAL_MAX_KEY  1024u
#define JOURNAL_MAX_DATA (64u << 20)

/* Records appended and not yet written out: written by the caller
   (precis_journal_flush) or handed to precis_syncer (precis_journal_take),
   so that appends make no system call. */
typedef struct {
    char *data;
    size_t size, alloc;
} buffer_t;

/* What a buffer starts with: the last batch handed over, at least this. */
#define BUFFER_MIN (64u << 10)
/* Full buffers a batch may fill before the one it appends to: a record
   that does not fit goes to a new buffer, not into a realloc of the full
   one, which copied every record before it again (callgrind, BBC set at
   full rate: 1,700 instructions of ingest's 36,000 an article, the most
   of any copy). Beyond this many, the last one grows. */
#define SEALED_MAX (PRECIS_JOURNAL_TAKE_MAX / 2 - 1)

/* The records of one file not yet written out: full buffers (sealed), in
   order, then the one being filled (last). */
typedef struct {
    buffer_t sealed[SEALED_MAX];
    size_t sealed_count;
    buffer_t last;
} records_t;
/* Compaction and recovery write the live set out in pieces this big. */
#define BUFFER_PIECE (1u << 20)

struct _precis_journal_t {
    char *dir;
    char *path;
    char *temp;      /* where compaction writes the new file */
    int dir_fd;      /* to sync a rename; -1 when the directory cannot be opened */
    int fd;          /* the journal, opened O_APPEND */
    records_t out;   /* its records not yet written out */
    size_t out_hint; /* the size of the last batch handed over */
    buffer_t spare;  /* a buffer given back, for out once it is taken */
    uint64_t size;   /* bytes in the file, with those appended not yet written */
    /* A compaction in steps: the new file, written along with the old one
       until it has replaced it durably; renamed once it is at path. */
    int next_fd; /* -1: none */
    records_t next_out;
    uint64_t next_size;
    bool renamed;
    /* What recovery found damaged (skipped), and where the file went. */
    uint64_t damaged_regions, damaged_bytes;
    int64_t damaged_offset; /* of the first damaged byte; -1: none */
    char *aside;            /* PATH.corrupt-TIMESTAMP, or NULL */
    uint64_t floor_max;     /* of compaction's floor (precis_journal.h) */
};

/* The checksum of the records written before XXH3 ('A', 'D'): FNV-1a, a
   byte at a time, which was a third of ingest's instructions per article
   (3,800 bytes at full rate, callgrind). Kept to read old journals. */
static uint32_t checksum_fnv(const void *key, size_t key_len, const void *data,
                             size_t size)
{
    uint32_t hash = 2166136261u;
    const unsigned char *bytes = key;
    for (size_t i = 0; i < key_len; i++)
        hash = (hash ^ bytes[i]) * 16777619u;
    bytes = data;
    for (size_t i = 0; i < size; i++)
        hash = (hash ^ bytes[i]) * 16777619u;
    return hash;
}

/* The checksum of the records written now ('a', 'd'): the low 32 bits of
   XXH3-64 of the data, seeded with XXH3-64 of the key (tens of bytes a
   cycle instead of one every few cycles). */
static uint32_t checksum_xxh3(const void *key, size_t key_len, const void *data,
                              size_t size)
{
    return (uint32_t)precis_xxh3_seeded(data, size, XXH3_64bits(key, key_len));
}

/* The kinds of record: an article and a done record, each in the current
   form (XXH3) and in the old one (FNV-1a). */
#define KIND_ARTICLE 'a'
#define KIND_DONE    'd'

static bool known_kind(unsigned char kind)
{
    return kind == 'a' || kind == 'd' || kind == 'A' || kind == 'D';
}

static bool is_article(char kind)
{
    return kind == 'a' || kind == 'A';
}

static uint32_t checksum(char kind, const void *key, size_t key_len, const void *data,
                         size_t size)
{
    return kind == 'A' || kind == 'D' ? checksum_fnv(key, key_len, data, size)
                                      : checksum_xxh3(key, key_len, data, size);
}

static void put_u32(unsigned char *at, uint32_t value)
{
    for (int i = 0; i < 4; i++)
        at[i] = (unsigned char)(value >> (8 * i));
}

static uint32_t get_u32(const unsigned char *at)
{
    return (uint32_t)at[0] | (uint32_t)at[1] << 8 | (uint32_t)at[2] << 16 |
           (uint32_t)at[3] << 24;
}

/* Adds len bytes to buffer, growing it (to hint at first: the size of
   the batch before, so a batch seldom grows its buffer). */
static void buffer_put(buffer_t *buffer, const void *bytes, size_t len, size_t hint)
{
    if (buffer->size + len > buffer->alloc) {
        size_t alloc = buffer->alloc ? 2 * buffer->alloc : hint + hint / 4;
        if (alloc < BUFFER_MIN)
            alloc = BUFFER_MIN;
        while (alloc < buffer->size + len)
            alloc *= 2;
        if (buffer->size == 0) {
            /* Nothing to keep: a realloc would copy the whole old buffer. */
            free(buffer->data);
            buffer->data = malloc(alloc);
        } else
            buffer->data = realloc(buffer->data, alloc);
        assert(buffer->data);
        buffer->alloc = alloc;
    }
    memcpy(buffer->data + buffer->size, bytes, len);
    buffer->size += len;
}

static void buffer_free(buffer_t *buffer)
{
    free(buffer->data);
    *buffer = (buffer_t){NULL, 0, 0};
}

/* Writes the buffer out to fd and empties it: 0, or -1 with errno (then
   fd is as it was before: what the buffer held is dropped). */
static int buffer_write(int fd, buffer_t *buffer)
{
    struct iovec iov = {buffer->data, buffer->size};
    int rc = precis_syncer_append(fd, &iov, 1);
    buffer->size = 0;
    return rc;
}

/* The bytes of records waiting. */
static size_t records_size(const records_t *records)
{
    size_t size = records->last.size;
    for (size_t i = 0; i < records->sealed_count; i++)
        size += records->sealed[i].size;
    return size;
}

/* Drops the records waiting; keeps the last buffer for the next ones. */
static void records_clear(records_t *records)
{
    for (size_t i = 0; i < records->sealed_count; i++)
        buffer_free(&records->sealed[i]);
    records->sealed_count = 0;
    records->last.size = 0;
}

static void records_free(records_t *records)
{
    records_clear(records);
    buffer_free(&records->last);
}

/* Writes the records out to fd in one writev and drops them: 0, or -1
   with errno (then fd is cut back to its size before: they are lost). */
static int records_write(int fd, records_t *records)
{
    struct iovec iov[SEALED_MAX + 1];
    size_t count = 0;
    for (size_t i = 0; i < records->sealed_count; i++)
        iov[count++] = (struct iovec){records->sealed[i].data, records->sealed[i].size};
    iov[count++] = (struct iovec){records->last.data, records->last.size};
    int rc = precis_syncer_append(fd, iov, count);
    records_clear(records);
    return rc;
}

precis_journal_t *precis_journal_new(const char *dir)
{
    if (zsys_dir_create("%s", dir) != 0) {
        zsys_error("journal: cannot create directory %s: %s", dir, strerror(errno));
        return NULL;
    }
    precis_journal_t *self = calloc(1, sizeof *self);
    assert(self);
    self->dir = strdup(dir);
    self->path = zsys_sprintf("%s/%s", dir, JOURNAL_NAME);
    self->temp = zsys_sprintf("%s.new", self->path);
    self->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    self->next_fd = -1;
    self->damaged_offset = -1;
    self->floor_max = PRECIS_JOURNAL_COMPACT_FLOOR_MAX;
    /* Articles are the users' data: 0600 unless --group-readable. */
    self->fd = precis_data_file_open(self->path, O_RDWR | O_APPEND);
    off_t size = self->fd >= 0 ? lseek(self->fd, 0, SEEK_END) : -1;
    if (size < 0) {
        zsys_error("journal: cannot open %s: %s", self->path, strerror(errno));
        precis_journal_destroy(&self);
        return NULL;
    }
    self->size = (uint64_t)size;
    return self;
}

void precis_journal_destroy(precis_journal_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    precis_journal_t *self = *self_p;
    if (self->next_fd >= 0) {
        /* Once renamed, the new file is the journal: finish the job. */
        if (self->renamed && precis_journal_sync(self) == 0 && self->dir_fd >= 0)
            fsync(self->dir_fd);
        precis_journal_compact_end(self);
    }
    if (self->fd >= 0) {
        precis_journal_sync(self);
        close(self->fd);
    }
    if (self->dir_fd >= 0)
        close(self->dir_fd);
    records_free(&self->out);
    records_free(&self->next_out);
    buffer_free(&self->spare);
    free(self->dir);
    zstr_free(&self->aside);
    zstr_free(&self->path);
    zstr_free(&self->temp);
    free(self);
    *self_p = NULL;
}

/* Adds a record to buffer; returns its length. */
static size_t write_record(buffer_t *buffer, size_t hint, char kind, const char *key,
                           const void *data, size_t size)
{
    size_t key_len = strlen(key);
    unsigned char header[HEADER_SIZE];
    header[0] = (unsigned char)kind;
    put_u32(header + 1, (uint32_t)key_len);
    put_u32(header + 5, (uint32_t)size);
    put_u32(header + 9, checksum(kind, key, key_len, data, size));
    buffer_put(buffer, header, HEADER_SIZE, hint);
    buffer_put(buffer, key, key_len, hint);
    if (size)
        buffer_put(buffer, data, size, hint);
    return HEADER_SIZE + key_len + size;
}

/* Adds a record to records: to the last buffer, or, when that is full, to
   a new one (a buffer given back, when there is one). */
static size_t records_add(precis_journal_t *self, records_t *records, char kind,
                          const char *key, const void *data, size_t size)
{
    size_t length = HEADER_SIZE + strlen(key) + size;
    if (records->last.size > 0 && records->last.size + length > records->last.alloc &&
        records->sealed_count < SEALED_MAX) {
        records->sealed[records->sealed_count++] = records->last;
        records->last = (buffer_t){NULL, 0, 0};
    }
    if (!records->last.data && self->spare.data) {
        records->last = self->spare;
        self->spare = (buffer_t){NULL, 0, 0};
    }
    return write_record(&records->last, self->out_hint, kind, key, data, size);
}

/* Appends a record for the file, and for the new one during a compaction. */
static int append(precis_journal_t *self, char kind, const char *key, const void *data,
                  size_t size)
{
    self->size += records_add(self, &self->out, kind, key, data, size);
    if (self->next_fd >= 0)
        self->next_size += records_add(self, &self->next_out, kind, key, data, size);
    return 0;
}

int precis_journal_append(precis_journal_t *self, const char *key, const void *data,
                          size_t size)
{
    return append(self, KIND_ARTICLE, key, data, size);
}

int precis_journal_done(precis_journal_t *self, const char *key)
{
    return append(self, KIND_DONE, key, NULL, 0);
}

int precis_journal_sync(precis_journal_t *self)
{
    int fds[2];
    if (precis_journal_flush(self) != 0)
        return -1;
    for (int i = 0, count = precis_journal_fds(self, fds); i < count; i++)
        if (fdatasync(fds[i]) != 0) {
            zsys_error("journal: cannot sync %s: %s", self->path, strerror(errno));
            return -1;
        }
    return 0;
}

int precis_journal_flush(precis_journal_t *self)
{
    size_t lost = records_size(&self->out), next_lost = records_size(&self->next_out);
    int error = 0;
    /* One write of every piece: a failed one cuts the file back to its
       size before it. */
    if (lost && records_write(self->fd, &self->out) != 0) {
        error = errno ? errno : EIO;
        self->size -= lost;
    }
    if (next_lost && records_write(self->next_fd, &self->next_out) != 0) {
        if (!error)
            error = errno ? errno : EIO;
        self->next_size -= next_lost;
    }
    if (!error)
        return 0;
    zsys_error("journal: cannot write %s: %s; the records since the last flush are "
               "dropped from it",
               self->path, strerror(error));
    errno = error;
    return -1;
}

/* Hands the records over as files[count...] for fd (their data the
   taker's); with always, an entry without data when there are none (it
   names the descriptor to sync). Returns the new count. */
static size_t records_take(records_t *records, int fd, bool always,
                           precis_syncer_file_t *files, size_t count)
{
    for (size_t i = 0; i < records->sealed_count; i++)
        files[count++] =
            (precis_syncer_file_t){fd, records->sealed[i].data, records->sealed[i].size};
    bool sealed = records->sealed_count > 0;
    records->sealed_count = 0;
    if (records->last.size) {
        files[count++] =
            (precis_syncer_file_t){fd, records->last.data, records->last.size};
        records->last = (buffer_t){NULL, 0, 0};
    } else if (always && !sealed)
        files[count++] = (precis_syncer_file_t){fd, NULL, 0};
    return count;
}

size_t precis_journal_take(precis_journal_t *self,
                           precis_syncer_file_t files[PRECIS_JOURNAL_TAKE_MAX])
{
    size_t batch = records_size(&self->out);
    if (batch > self->out_hint || batch < self->out_hint / 2)
        self->out_hint = batch;
    size_t count = records_take(&self->out, self->fd, true, files, 0);
    if (self->next_fd >= 0)
        count = records_take(&self->next_out, self->next_fd, true, files, count);
    return count;
}

void precis_journal_recycle(precis_journal_t *self, void *data)
{
    size_t alloc = data ? malloc_usable_size(data) : 0;
    if (self->spare.data && self->spare.alloc >= alloc) {
        free(data);
        return;
    }
    free(self->spare.data);
    self->spare = (buffer_t){data, 0, alloc};
}

int precis_journal_fds(precis_journal_t *self, int fds[2])
{
    fds[0] = self->fd;
    if (self->next_fd < 0)
        return 1;
    fds[1] = self->next_fd;
    return 2;
}

/* One record found in the mapped file: kind, key and data point into it. */
typedef struct {
    char kind;
    const char *key;
    size_t key_len;
    const unsigned char *data;
    size_t size;
    size_t length; /* of the whole record */
} record_t;

/* True when a whole, intact record starts at offset at of map (length
   bytes): a known kind, sane lengths, inside the file, checksum right. */
static bool parse_record(const unsigned char *map, size_t length, size_t at,
                         record_t *record)
{
    if (length - at < HEADER_SIZE || !known_kind(map[at]))
        return false;
    uint32_t key_len = get_u32(map + at + 1), size = get_u32(map + at + 5);
    if (key_len == 0 || key_len > JOURNAL_MAX_KEY || size > JOURNAL_MAX_DATA ||
        length - at - HEADER_SIZE < (uint64_t)key_len + size)
        return false;
    const unsigned char *key = map + at + HEADER_SIZE;
    if (memchr(key, 0, key_len) || checksum((char)map[at], key, key_len, key + key_len,
                                            size) != get_u32(map + at + 9))
        return false;
    *record =
        (record_t){(char)map[at], (const char *)key,           key_len, key + key_len,
                   size,          HEADER_SIZE + key_len + size};
    return true;
}

/* The offset of the next intact record after a bad one at at, or length
   when none follows (then the bad bytes are a torn tail). A byte-by-byte
   scan: only after damage, and every candidate must pass the checksum. */
static size_t resync(const unsigned char *map, size_t length, size_t at)
{
    record_t record;
    for (size_t next = at + 1; next < length; next++)
        if (known_kind(map[next]) && parse_record(map, length, next, &record))
            return next;
    return length;
}

/* The live articles read back, in order of acceptance. */
typedef struct {
    zhashx_t *live;  /* key -> zchunk_t, articles without a done record */
    zlistx_t *order; /* keys, in order of acceptance (may repeat) */
} live_set_t;

static void live_apply(live_set_t *set, const record_t *record)
{
    char *key = strndup(record->key, record->key_len);
    assert(key);
    if (is_article(record->kind)) {
        zchunk_t *old = zhashx_lookup(set->live, key);
        zchunk_destroy(&old);
        zhashx_update(set->live, key, zchunk_new(record->data, record->size));
        zlistx_add_end(set->order, key);
        return;
    }
    zchunk_t *chunk = zhashx_lookup(set->live, key);
    zchunk_destroy(&chunk);
    zhashx_delete(set->live, key);
    free(key);
}

/* Keeps a damaged journal aside as PATH.corrupt-TIMESTAMP (a hard link, so
   that the damaged bytes stay exactly as found) and puts a new file with
   just the live articles at PATH. 0, or -1 (logged): the damaged file is
   then still the journal, which is safe, only not tidy. */
static int set_aside(precis_journal_t *self, live_set_t *set)
{
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", gmtime_r(&now, &tm));
    free(self->aside);
    self->aside = zsys_sprintf("%s.corrupt-%s", self->path, stamp);
    for (int n = 2; zsys_file_exists(self->aside) && n < 100; n++) {
        zstr_free(&self->aside);
        self->aside = zsys_sprintf("%s.corrupt-%s-%d", self->path, stamp, n);
    }
    if (link(self->path, self->aside) != 0) {
        zsys_error("journal: cannot keep the damaged %s as %s: %s", self->path,
                   self->aside, strerror(errno));
        return -1;
    }
    int fd = precis_data_file_open(self->temp, O_RDWR | O_TRUNC | O_APPEND);
    uint64_t size = 0;
    bool failed = fd < 0;
    buffer_t buffer = {NULL, 0, 0};
    zhashx_t *written = zhashx_new();
    for (char *key = zlistx_first(set->order); key && !failed;
         key = zlistx_next(set->order)) {
        zchunk_t *chunk = zhashx_lookup(set->live, key);
        /* Each key once, where recovery hands it back (its first place). */
        if (!chunk || zhashx_insert(written, key, "") != 0)
            continue;
        size += write_record(&buffer, BUFFER_PIECE, KIND_ARTICLE, key, zchunk_data(chunk),
                             zchunk_size(chunk));
        if (buffer.size >= BUFFER_PIECE)
            failed = buffer_write(fd, &buffer) != 0;
    }
    zhashx_destroy(&written);
    if (failed || buffer_write(fd, &buffer) != 0 || fdatasync(fd) != 0 ||
        rename(self->temp, self->path) != 0) {
        zsys_error("journal: cannot write a clean %s: %s; the damaged one stays in use",
                   self->temp, strerror(errno));
        buffer_free(&buffer);
        if (fd >= 0)
            close(fd);
        unlink(self->temp);
        return -1;
    }
    buffer_free(&buffer);
    if (self->dir_fd >= 0)
        fsync(self->dir_fd);
    close(self->fd);
    self->fd = fd;
    self->size = size;
    return 0;
}

long precis_journal_recover(precis_journal_t *self, precis_journal_fn *fn, void *arg)
{
    if (precis_journal_flush(self) != 0)
        return -1;
    struct stat info;
    if (fstat(self->fd, &info) != 0)
        return -1;
    size_t length = (size_t)info.st_size;
    const unsigned char *map = NULL;
    if (length > 0) {
        map = mmap(NULL, length, PROT_READ, MAP_PRIVATE, self->fd, 0);
        if (map == MAP_FAILED) {
            zsys_error("journal: cannot read %s: %s", self->path, strerror(errno));
            return -1;
        }
    }
    live_set_t set = {zhashx_new(), zlistx_new()};
    zlistx_set_destructor(set.order, (zlistx_destructor_fn *)zstr_free);
    zlistx_set_comparator(set.order, (zlistx_comparator_fn *)strcmp);
    size_t at = 0, good_end = 0;
    self->damaged_regions = self->damaged_bytes = 0;
    self->damaged_offset = -1;
    while (at < length) {
        record_t record;
        if (parse_record(map, length, at, &record)) {
            live_apply(&set, &record);
            at += record.length;
            good_end = at;
            continue;
        }
        /* A bad record with an intact one after it is damage in the middle
           (a flipped byte, a bad sector): skipped, reported, and every
           record after it is still read. With none after it, it is a
           record torn by a crash in mid-write, cut below. */
        size_t next = resync(map, length, at);
        if (next == length)
            break;
        zsys_error("journal: %zu damaged bytes at offset %zu of %s skipped (the "
                   "checksum or the lengths do not match); reading on at offset %zu",
                   next - at, at, self->path, next);
        if (self->damaged_offset < 0)
            self->damaged_offset = (int64_t)at;
        self->damaged_regions++;
        self->damaged_bytes += next - at;
        at = next;
    }
    if (map)
        munmap((void *)map, length);
    self->size = (uint64_t)good_end;
    if (self->damaged_regions > 0) {
        /* Never cut in place: the damaged file is kept for inspection. */
        if (set_aside(self, &set) == 0)
            zsys_error("journal: %llu damaged region(s), %llu bytes, first at offset "
                       "%lld; the damaged file is kept as %s",
                       (unsigned long long)self->damaged_regions,
                       (unsigned long long)self->damaged_bytes,
                       (long long)self->damaged_offset, self->aside);
    } else if (good_end < length) {
        zsys_warning("journal: cutting a torn record at byte %zu of %s", good_end,
                     self->path);
        if (ftruncate(self->fd, (off_t)good_end) != 0)
            zsys_error("journal: cannot truncate %s: %s", self->path, strerror(errno));
    }
    long recovered = 0;
    for (char *key = zlistx_first(set.order); key; key = zlistx_next(set.order)) {
        zchunk_t *chunk = zhashx_lookup(set.live, key);
        if (chunk) {
            fn(arg, key, zchunk_data(chunk), zchunk_size(chunk));
            zchunk_destroy(&chunk);
            zhashx_delete(set.live, key); /* a key is recovered once */
            recovered++;
        }
    }
    zlistx_destroy(&set.order);
    zhashx_destroy(&set.live);
    return recovered;
}

void precis_journal_damage(precis_journal_t *self, uint64_t *regions, uint64_t *bytes,
                           int64_t *first_offset)
{
    *regions = self->damaged_regions;
    *bytes = self->damaged_bytes;
    *first_offset = self->damaged_offset;
}

const char *precis_journal_aside(precis_journal_t *self)
{
    return self->aside;
}

/* The floor of compaction on a file system with room bytes left: an
   eighth of them, within PRECIS_JOURNAL_COMPACT_FLOOR and floor_max. */
static uint64_t floor_of_room(uint64_t room, uint64_t floor_max)
{
    uint64_t floor = room / 8;
    if (floor < PRECIS_JOURNAL_COMPACT_FLOOR)
        return PRECIS_JOURNAL_COMPACT_FLOOR;
    return floor > floor_max ? floor_max : floor;
}

void precis_journal_set_compact_floor_max(precis_journal_t *self, uint64_t floor_max)
{
    self->floor_max = floor_max;
}

/* Whether a file of size bytes is worth rewriting with the live
   articles (live_count of live_bytes) only, given the floor. */
static bool compaction_wanted(uint64_t size, size_t live_count, uint64_t live_bytes,
                              uint64_t floor)
{
    /* What the live articles take in a fresh file (keys are short). */
    uint64_t live = live_bytes + (uint64_t)live_count * (HEADER_SIZE + 32);
    return size > 2 * live + floor;
}

bool precis_journal_wants_compaction(precis_journal_t *self, size_t live_count,
                                     uint64_t live_bytes)
{
    if (self->next_fd >= 0 || !compaction_wanted(self->size, live_count, live_bytes,
                                                 PRECIS_JOURNAL_COMPACT_FLOOR))
        return false;
    /* The room left asked only then: a system call, at most once a tick. */
    struct statvfs info;
    uint64_t room = fstatvfs(self->fd, &info) == 0
                        ? (uint64_t)info.f_bavail * (uint64_t)info.f_frsize
                        : 0;
    return compaction_wanted(self->size, live_count, live_bytes,
                             floor_of_room(room, self->floor_max));
}

int precis_journal_compact_begin(precis_journal_t *self,
                                 int (*next)(void *arg, const char **key,
                                             const void **data, size_t *size),
                                 void *arg)
{
    if (self->next_fd >= 0)
        return -1;
    int fd = precis_data_file_open(self->temp, O_WRONLY | O_TRUNC | O_APPEND);
    uint64_t size = 0;
    buffer_t buffer = {NULL, 0, 0};
    if (fd < 0)
        goto failed;
    const char *key;
    const void *data;
    size_t data_size;
    while (next(arg, &key, &data, &data_size) == 0) {
        size += write_record(&buffer, BUFFER_PIECE, KIND_ARTICLE, key, data, data_size);
        if (buffer.size >= BUFFER_PIECE && buffer_write(fd, &buffer) != 0)
            goto failed;
    }
    if (buffer_write(fd, &buffer) != 0)
        goto failed;
    buffer_free(&buffer);
    self->next_fd = fd;
    self->next_size = size;
    self->renamed = false;
    return 0;
failed:
    zsys_error("journal: cannot write %s: %s", self->temp, strerror(errno));
    buffer_free(&buffer);
    if (fd >= 0) {
        close(fd);
        unlink(self->temp);
    }
    return -1;
}

int precis_journal_compact_fd(precis_journal_t *self)
{
    return self->next_fd;
}

int precis_journal_compact_rename(precis_journal_t *self)
{
    if (self->next_fd < 0 || self->renamed)
        return -1;
    if (rename(self->temp, self->path) != 0) {
        zsys_error("journal: cannot rename %s: %s", self->temp, strerror(errno));
        return -1;
    }
    self->renamed = true;
    return 0;
}

int precis_journal_dir_fd(precis_journal_t *self)
{
    return self->dir_fd;
}

void precis_journal_compact_end(precis_journal_t *self)
{
    if (self->next_fd < 0)
        return;
    if (!self->renamed) {
        /* Given up: the old file never stopped being the journal. */
        close(self->next_fd);
        unlink(self->temp);
        records_free(&self->next_out);
    } else {
        /* The records not yet written are in both buffers: the new file's
           are kept. */
        close(self->fd);
        self->fd = self->next_fd;
        self->size = self->next_size;
        records_free(&self->out);
        self->out = self->next_out;
        self->next_out = (records_t){{{NULL, 0, 0}}, 0, {NULL, 0, 0}};
    }
    self->next_fd = -1;
    self->next_size = 0;
    self->renamed = false;
}

int precis_journal_compact(precis_journal_t *self,
                           int (*next)(void *arg, const char **key, const void **data,
                                       size_t *size),
                           void *arg)
{
    if (precis_journal_compact_begin(self, next, arg) != 0)
        return -1;
    int rc = 0;
    if (fdatasync(self->next_fd) != 0) {
        zsys_error("journal: cannot sync %s: %s", self->temp, strerror(errno));
        rc = -1;
    } else if (precis_journal_compact_rename(self) != 0)
        rc = -1;
    else if (self->dir_fd >= 0)
        fsync(self->dir_fd); /* the rename is durable once the directory is */
    precis_journal_compact_end(self);
    return rc;
}

int precis_journal_reset(precis_journal_t *self)
{
    if (self->next_fd >= 0)
        return -1;
    records_clear(&self->out); /* what was not written out yet is dead too */
    if (ftruncate(self->fd, 0) != 0) {
        zsys_error("journal: cannot empty %s: %s", self->path, strerror(errno));
        return -1;
    }
    self->size = 0;
    fdatasync(self->fd);
    return 0;
}

bool precis_journal_dirty(precis_journal_t *self)
{
    return records_size(&self->out) > 0 || records_size(&self->next_out) > 0;
}

uint64_t precis_journal_size(precis_journal_t *self)
{
    return self->size;
}

/* Test helpers: collect recovered keys; iterate a fixed list for compaction. */
static void collect(void *arg, const char *key, const void *data, size_t size)
{
    zlistx_add_end((zlistx_t *)arg,
                   zsys_sprintf("%s=%.*s", key, (int)size, (const char *)data));
}

static void collect_none(void *arg, const char *key, const void *data, size_t size)
{
}

typedef struct {
    const char **keys;
    size_t index, count;
} key_cursor_t;

static int next_key(void *arg, const char **key, const void **data, size_t *size)
{
    key_cursor_t *cursor = arg;
    if (cursor->index == cursor->count)
        return -1;
    *key = cursor->keys[cursor->index++];
    *data = "body";
    *size = 4;
    return 0;
}

static char *recovered_as_string(const char *dir)
{
    precis_journal_t *journal = precis_journal_new(dir);
    zlistx_t *keys = zlistx_new();
    precis_journal_recover(journal, collect, keys);
    char text[1024] = "";
    for (char *key = zlistx_first(keys); key; key = zlistx_next(keys)) {
        strncat(text, key, sizeof text - strlen(text) - 2);
        strcat(text, ";");
        free(key);
    }
    zlistx_destroy(&keys);
    precis_journal_destroy(&journal);
    return strdup(text);
}

/* Compares (and frees) what recovery yielded. */
static int check_recovered(char *text, const char *expected, const char *when)
{
    int failed = strcmp(text, expected) != 0;
    if (failed)
        fprintf(stderr, "journal test: %s, recovered '%s', expected '%s'\n", when, text,
                expected);
    free(text);
    return failed;
}

/* A write that fails halfway through a record (the file size limit stands
   in for a full disk): the flush reports it and cuts the torn record off
   (with the others buffered since the last flush), so a record written
   once the disk has room again is recovered too. */
static int test_failed_write(const char *dir)
{
    precis_journal_t *journal = precis_journal_new(dir);
    zlistx_t *ignored = zlistx_new();
    zlistx_set_destructor(ignored, (zlistx_destructor_fn *)zstr_free);
    precis_journal_recover(journal, collect, ignored);
    zlistx_destroy(&ignored);
    precis_journal_append(journal, "f1", "before", 6);
    int failures = precis_journal_flush(journal) != 0;
    struct rlimit saved, limit;
    getrlimit(RLIMIT_FSIZE, &saved);
    limit = saved;
    limit.rlim_cur = (rlim_t)journal->size + 20; /* the next record gets 20 bytes */
    void (*saved_handler)(int) = signal(SIGXFSZ, SIG_IGN);
    setrlimit(RLIMIT_FSIZE, &limit);
    static char big[4096];
    memset(big, 'x', sizeof big);
    uint64_t before = journal->size;
    precis_journal_append(journal, "f2", big, sizeof big);
    precis_journal_append(journal, "f3", "after", 5);
    int flushed = precis_journal_flush(journal);
    setrlimit(RLIMIT_FSIZE, &saved);
    signal(SIGXFSZ, saved_handler);
    struct stat info;
    if (flushed != -1 || fstat(journal->fd, &info) != 0 ||
        (uint64_t)info.st_size != before || journal->size != before) {
        fprintf(stderr, "journal test: a failed write went unreported, or was not cut "
                        "back\n");
        failures++;
    }
    precis_journal_append(journal, "f4", "later", 5);
    failures += precis_journal_flush(journal) != 0;
    precis_journal_destroy(&journal);
    char *text = recovered_as_string(dir);
    return failures + check_recovered(text,
                                      "k10=ten;k11=eleven;k12=twelve;f1=before;f4=later;",
                                      "after a failed write");
}

/* Removes dir and every file in it (the test's own files only). */
static void remove_dir(const char *dir)
{
    zdir_t *tree = zdir_new(dir, NULL);
    zfile_t **files = tree ? zdir_flatten(tree) : NULL;
    for (size_t i = 0; files && files[i]; i++)
        unlink(zfile_filename(files[i], NULL));
    zdir_flatten_free(&files);
    zdir_destroy(&tree);
    rmdir(dir);
}

/* The first file in dir whose name starts with prefix, or NULL (freed by
   the caller). */
static char *find_file(const char *dir, const char *prefix)
{
    zdir_t *tree = zdir_new(dir, NULL);
    zfile_t **files = tree ? zdir_flatten(tree) : NULL;
    char *found = NULL;
    for (size_t i = 0; files && files[i] && !found; i++) {
        const char *name = strrchr(zfile_filename(files[i], NULL), '/');
        if (name && strncmp(name + 1, prefix, strlen(prefix)) == 0)
            found = strdup(zfile_filename(files[i], NULL));
    }
    zdir_flatten_free(&files);
    zdir_destroy(&tree);
    return found;
}

/* One flipped byte in the middle of the file is damage, not a torn tail:
   the damaged record is skipped and reported, every record after it is
   recovered, the damaged file is kept aside byte for byte and the journal
   goes on in a clean file (which then recovers the same, undamaged). A
   flipped byte in a done record brings its article back. */
static int test_damage(void)
{
    int failures = 0;
    char dir[] = "/tmp/precis-journal-damage-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    precis_journal_t *journal = precis_journal_new(dir);
    precis_journal_append(journal, "d1", "first", 5);
    precis_journal_append(journal, "d2", "second", 6);
    uint64_t third_at = journal->size;
    precis_journal_append(journal, "d3", "third", 5);
    precis_journal_append(journal, "d4", "fourth", 6);
    precis_journal_done(journal, "d4");
    uint64_t done_at = journal->size;
    precis_journal_done(journal, "d1");
    precis_journal_append(journal, "d5", "fifth", 5);
    precis_journal_sync(journal);
    uint64_t size = journal->size;
    precis_journal_destroy(&journal);

    char *path = zsys_sprintf("%s/%s", dir, JOURNAL_NAME);
    int fd = open(path, O_RDWR);
    unsigned char byte;
    /* A byte of d3's data, and the key length of the done record of d1. */
    off_t flips[] = {(off_t)third_at + HEADER_SIZE + 3, (off_t)done_at + 2};
    for (size_t i = 0; i < 2; i++)
        if (pread(fd, &byte, 1, flips[i]) != 1 || (byte ^= 0x20, 0) ||
            pwrite(fd, &byte, 1, flips[i]) != 1)
            failures++;
    close(fd);

    journal = precis_journal_new(dir);
    zlistx_t *keys = zlistx_new();
    zlistx_set_destructor(keys, (zlistx_destructor_fn *)zstr_free);
    long recovered = precis_journal_recover(journal, collect, keys);
    char text[256] = "";
    for (char *key = zlistx_first(keys); key; key = zlistx_next(keys))
        snprintf(text + strlen(text), sizeof text - strlen(text), "%s;", key);
    uint64_t regions, bytes;
    int64_t first;
    precis_journal_damage(journal, &regions, &bytes, &first);
    if (recovered != 3 || strcmp(text, "d1=first;d2=second;d5=fifth;") != 0 ||
        regions != 2 || first != (int64_t)third_at || bytes != 13 + 2 + 5 + 13 + 2) {
        fprintf(stderr,
                "journal test: damage: recovered %ld '%s', %llu regions of %llu bytes "
                "from %lld\n",
                recovered, text, (unsigned long long)regions, (unsigned long long)bytes,
                (long long)first);
        failures++;
    }
    zlistx_destroy(&keys);
    /* Kept aside whole; the journal itself is clean and goes on. */
    char *aside = find_file(dir, JOURNAL_NAME ".corrupt-");
    struct stat info;
    if (!aside || !precis_journal_aside(journal) ||
        strcmp(aside, precis_journal_aside(journal)) != 0 || stat(aside, &info) != 0 ||
        (uint64_t)info.st_size != size) {
        fprintf(stderr, "journal test: the damaged file was not kept aside whole\n");
        failures++;
    }
    precis_journal_append(journal, "d6", "sixth", 5);
    precis_journal_destroy(&journal);
    failures +=
        check_recovered(recovered_as_string(dir), "d1=first;d2=second;d5=fifth;d6=sixth;",
                        "in the clean file after damage");
    journal = precis_journal_new(dir);
    precis_journal_recover(journal, collect_none, NULL);
    precis_journal_damage(journal, &regions, &bytes, &first);
    if (regions != 0 || first != -1 || precis_journal_aside(journal)) {
        fprintf(stderr, "journal test: the clean file was found damaged\n");
        failures++;
    }
    precis_journal_destroy(&journal);
    zstr_free(&aside);
    zstr_free(&path);
    remove_dir(dir);
    return failures;
}

static int test_compaction_live(void);

/* Compaction follows the live set: a journal over twice its live bytes
   plus the floor wants rewriting, even with nothing live; one within
   that does not. The floor is an eighth of the room left, within 1 and
   64 MiB: on a large disk a journal of 10 MiB with nothing live is left
   alone (it was rewritten with a floor of 1 MiB, ten times a second at
   full rate), on a small one (8 MiB left) one of just over 1 MiB is not. */
static int test_compaction_rule(void)
{
    int failures = 0;
    uint64_t mib = 1u << 20;
    if (floor_of_room(0, 64 * mib) != mib || floor_of_room(8 * mib, 64 * mib) != mib ||
        floor_of_room(80 * mib, 64 * mib) != 10 * mib ||
        floor_of_room(1024 * 1024 * mib, 64 * mib) != 64 * mib ||
        compaction_wanted(10 * mib, 0, 0, floor_of_room(1024 * 1024 * mib, 64 * mib)) ||
        !compaction_wanted(mib + 1, 0, 0, floor_of_room(8 * mib, 64 * mib)) ||
        compaction_wanted(mib, 0, 0, floor_of_room(8 * mib, 64 * mib))) {
        fprintf(stderr,
                "journal test: the compaction floor does not follow the room "
                "left (%llu MiB for 80 MiB left)\n",
                (unsigned long long)(floor_of_room(80 * mib, 64 * mib) / mib));
        failures++;
    }
    return failures + test_compaction_live();
}

/* The rule on a journal: with the least floor (a journal within it is
   left alone whatever the room), the live set decides. */
static int test_compaction_live(void)
{
    int failures = 0;
    char dir[] = "/tmp/precis-journal-rule-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    precis_journal_t *journal = precis_journal_new(dir);
    static char body[4096];
    memset(body, 'b', sizeof body);
    char key[32];
    int n = 0;
    while (journal->size <= PRECIS_JOURNAL_COMPACT_FLOOR) {
        snprintf(key, sizeof key, "r%d", n++);
        precis_journal_append(journal, key, body, sizeof body);
    }
    uint64_t floor = PRECIS_JOURNAL_COMPACT_FLOOR;
    if (!compaction_wanted(journal->size, 0, 0, floor) ||
        compaction_wanted(journal->size, (size_t)n, (uint64_t)n * sizeof body, floor) ||
        compaction_wanted(journal->size, (size_t)n / 2, (uint64_t)n / 2 * sizeof body,
                          floor) ||
        precis_journal_wants_compaction(journal, (size_t)n, (uint64_t)n * sizeof body)) {
        fprintf(stderr,
                "journal test: the compaction rule does not follow the live set\n");
        failures++;
    }
    precis_journal_destroy(&journal);
    remove_dir(dir);
    return failures;
}

/* Writes one record in the form of journals before XXH3 ('A' or 'D',
   FNV-1a checksum), as an older ingest left it. */
static void write_old_record(FILE *file, char kind, const char *key, const char *data)
{
    size_t key_len = strlen(key), size = data ? strlen(data) : 0;
    unsigned char header[HEADER_SIZE];
    header[0] = (unsigned char)kind;
    put_u32(header + 1, (uint32_t)key_len);
    put_u32(header + 5, (uint32_t)size);
    put_u32(header + 9, checksum_fnv(key, key_len, data ? data : "", size));
    fwrite(header, 1, HEADER_SIZE, file);
    fwrite(key, 1, key_len, file);
    fwrite(data ? data : "", 1, size, file);
}

/* A journal left by an older ingest (FNV-1a records) is read as it was,
   records written now are in the new form ('a', 'd'), and the two mix: a
   new done record retires an old article. A byte flipped in the data of a
   new record is caught by its checksum. */
static int test_old_format(void)
{
    int failures = 0;
    char dir[] = "/tmp/precis-journal-old-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    char *path = zsys_sprintf("%s/%s", dir, JOURNAL_NAME);
    FILE *file = fopen(path, "wb");
    write_old_record(file, 'A', "o1", "old one");
    write_old_record(file, 'A', "o2", "old two");
    write_old_record(file, 'D', "o1", NULL);
    fclose(file);
    failures +=
        check_recovered(recovered_as_string(dir), "o2=old two;", "an old journal");
    precis_journal_t *journal = precis_journal_new(dir);
    precis_journal_recover(journal, collect_none, NULL);
    uint64_t start = precis_journal_size(journal);
    precis_journal_append(journal, "n1", "new one", 7);
    precis_journal_done(journal, "o2");
    precis_journal_sync(journal);
    precis_journal_destroy(&journal);
    failures += check_recovered(recovered_as_string(dir), "n1=new one;", "old and new");
    file = fopen(path, "r+b");
    int kind = -1;
    if (file && fseeko(file, (off_t)start, SEEK_SET) == 0)
        kind = fgetc(file);
    if (kind != KIND_ARTICLE) {
        fprintf(stderr, "journal test: a new record starts with %d, not 'a'\n", kind);
        failures++;
    }
    /* The last byte of "new one", flipped: the record is damage, skipped
       (the done record after it is intact), and n1 is not recovered. */
    if (file && fseeko(file, (off_t)start + HEADER_SIZE + 2 + 6, SEEK_SET) == 0)
        fputc('E', file);
    if (file)
        fclose(file);
    failures += check_recovered(recovered_as_string(dir), "", "a flipped byte");
    char *aside = find_file(dir, JOURNAL_NAME ".corrupt-");
    if (aside)
        unlink(aside);
    free(aside);
    unlink(path);
    zstr_free(&path);
    rmdir(dir);
    return failures;
}

/* A batch bigger than a buffer is handed over in pieces, in order, with
   nothing copied again: written as the syncer writes them (one writev),
   every record is recovered in order; the next batch starts in a buffer
   given back. */
static int test_take_pieces(void)
{
    int failures = 0;
    char dir[] = "/tmp/precis-journal-pieces-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    precis_journal_t *journal = precis_journal_new(dir);
    char data[5000], key[16];
    size_t pieces = 0;
    for (int batch = 0; batch < 2; batch++) {
        /* 40 records of 5 KB: 200 KB, over the first buffer's 64 KB. */
        size_t expected_bytes = 0;
        for (int i = 0; i < 40; i++) {
            snprintf(key, sizeof key, "k%d", 40 * batch + i);
            expected_bytes += HEADER_SIZE + strlen(key) + sizeof data;
            memset(data, 'a' + (40 * batch + i) % 26, sizeof data);
            precis_journal_append(journal, key, data, sizeof data);
        }
        precis_syncer_file_t files[PRECIS_JOURNAL_TAKE_MAX];
        size_t count = precis_journal_take(journal, files);
        struct iovec iov[PRECIS_JOURNAL_TAKE_MAX];
        size_t total = 0;
        for (size_t i = 0; i < count; i++) {
            if (files[i].fd != files[0].fd)
                failures++;
            iov[i] = (struct iovec){files[i].data, files[i].size};
            total += files[i].size;
        }
        pieces += count;
        if (total != expected_bytes ||
            precis_syncer_append(files[0].fd, iov, count) != 0 ||
            precis_journal_dirty(journal)) {
            fprintf(stderr, "journal test: batch %d taken as %zu bytes\n", batch, total);
            failures++;
        }
        for (size_t i = 0; i < count; i++)
            precis_journal_recycle(journal, files[i].data);
    }
    if (pieces < 4) {
        fprintf(stderr, "journal test: two batches of 200 KB taken in %zu pieces\n",
                pieces);
        failures++;
    }
    precis_journal_destroy(&journal);
    journal = precis_journal_new(dir);
    zlistx_t *keys = zlistx_new();
    zlistx_set_destructor(keys, (zlistx_destructor_fn *)zstr_free);
    precis_journal_recover(journal, collect, keys);
    int expected = 0;
    for (char *entry = zlistx_first(keys); entry; entry = zlistx_next(keys), expected++) {
        snprintf(key, sizeof key, "k%d=", expected);
        memset(data, 'a' + expected % 26, sizeof data);
        if (strncmp(entry, key, strlen(key)) != 0 ||
            strlen(entry) != strlen(key) + sizeof data ||
            memcmp(entry + strlen(key), data, sizeof data) != 0)
            break;
    }
    if (expected != 80 || zlistx_size(keys) != 80) {
        fprintf(stderr, "journal test: %zu records recovered from pieces, %d in order\n",
                zlistx_size(keys), expected);
        failures++;
    }
    zlistx_destroy(&keys);
    precis_journal_destroy(&journal);
    char *path = zsys_sprintf("%s/" JOURNAL_NAME, dir);
    unlink(path);
    zstr_free(&path);
    rmdir(dir);
    return failures;
}

/* The checksum of long records comes through XXH3's dispatcher: the same
   as the inline code's, or no journal written before would be read. */
static int test_checksum(void)
{
    int failures = 0;
    static char data[5000];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (char)(i * 31 % 251);
    for (size_t size = 0; size <= sizeof data; size += size < 300 ? 1 : 1171) {
        XXH64_hash_t seed = XXH3_64bits("key-1", 5);
        uint32_t expected = (uint32_t)XXH3_64bits_withSeed(size ? data : "", size, seed);
        if (checksum(KIND_ARTICLE, "key-1", 5, data, size) != expected) {
            fprintf(stderr, "journal test: the checksum of %zu bytes is not XXH3's\n",
                    size);
            failures++;
        }
    }
    return failures;
}

int precis_journal_test(bool verbose)
{
    int failures = test_take_pieces() + test_checksum();
    char dir[] = "/tmp/precis-journal-test-XXXXXX";
    if (!mkdtemp(dir)) /* not in an assert: Release builds drop those */
        return 1;
    precis_journal_t *journal = precis_journal_new(dir);
    assert(journal);
    precis_journal_append(journal, "k1", "one", 3);
    precis_journal_append(journal, "k2", "two", 3);
    precis_journal_append(journal, "k3", "three", 5);
    precis_journal_done(journal, "k2");
    precis_journal_sync(journal);
    precis_journal_destroy(&journal);

    /* Recovery yields the unfinished articles in order of acceptance. */
    char *text = recovered_as_string(dir);
    if (strcmp(text, "k1=one;k3=three;") != 0) {
        fprintf(stderr, "journal test: recovered '%s'\n", text);
        failures++;
    }
    free(text);

    /* A torn last record is cut off; what came before survives. */
    char *path = zsys_sprintf("%s/%s", dir, JOURNAL_NAME);
    /* The journal holds users' articles: 0600 by default. */
    struct stat info;
    if (stat(path, &info) != 0 || (info.st_mode & 0777) != 0600) {
        fprintf(stderr, "journal test: the journal has mode %o\n",
                (unsigned)(info.st_mode & 0777));
        failures++;
    }
    FILE *file = fopen(path, "ab");
    fwrite("A\x05\x00\x00\x00\x09", 1, 6, file);
    fclose(file);
    text = recovered_as_string(dir);
    if (strcmp(text, "k1=one;k3=three;") != 0) {
        fprintf(stderr, "journal test: after a torn record, recovered '%s'\n", text);
        failures++;
    }
    free(text);

    /* Compaction keeps exactly the live set. */
    journal = precis_journal_new(dir);
    zlistx_t *ignored = zlistx_new();
    zlistx_set_destructor(ignored, (zlistx_destructor_fn *)zstr_free);
    precis_journal_recover(journal, collect, ignored);
    zlistx_destroy(&ignored);
    const char *live[] = {"k3", "k9"};
    key_cursor_t cursor = {live, 0, 2};
    if (precis_journal_compact(journal, next_key, &cursor) != 0) {
        fprintf(stderr, "journal test: compaction failed\n");
        failures++;
    }
    precis_journal_destroy(&journal);
    text = recovered_as_string(dir);
    if (strcmp(text, "k3=body;k9=body;") != 0) {
        fprintf(stderr, "journal test: after compaction, recovered '%s'\n", text);
        failures++;
    }
    free(text);

    /* Compaction in steps: what is appended meanwhile goes to both files,
       so the file at the journal's path is whole before the rename, after
       it, and when the compaction is given up. */
    journal = precis_journal_new(dir);
    cursor = (key_cursor_t){live, 0, 2};
    int fds[2];
    char *temp = zsys_sprintf("%s.new", path);
    if (precis_journal_compact_begin(journal, next_key, &cursor) != 0 ||
        precis_journal_fds(journal, fds) != 2 || !zsys_file_exists(temp)) {
        fprintf(stderr, "journal test: a compaction in steps did not begin\n");
        failures++;
    }
    precis_journal_append(journal, "k10", "ten", 3);
    precis_journal_done(journal, "k9");
    precis_journal_flush(journal);
    text = recovered_as_string(dir);
    failures += check_recovered(text, "k3=body;k10=ten;", "before the rename");
    if (precis_journal_compact_rename(journal) != 0 || zsys_file_exists(temp)) {
        fprintf(stderr, "journal test: the new file was not renamed\n");
        failures++;
    }
    precis_journal_append(journal, "k11", "eleven", 6);
    precis_journal_flush(journal);
    text = recovered_as_string(dir);
    failures += check_recovered(text, "k3=body;k10=ten;k11=eleven;", "after the rename");
    precis_journal_compact_end(journal);
    if (precis_journal_fds(journal, fds) != 1) {
        fprintf(stderr, "journal test: two files after the compaction ended\n");
        failures++;
    }
    /* Given up before the rename: the new file goes, nothing is lost. */
    cursor = (key_cursor_t){live, 0, 1};
    precis_journal_compact_begin(journal, next_key, &cursor);
    precis_journal_done(journal, "k3");
    precis_journal_compact_end(journal);
    precis_journal_append(journal, "k12", "twelve", 6);
    precis_journal_destroy(&journal);
    text = recovered_as_string(dir);
    failures += check_recovered(text, "k10=ten;k11=eleven;k12=twelve;", "given up");
    if (zsys_file_exists(temp)) {
        fprintf(stderr, "journal test: a compaction given up left its file\n");
        failures++;
    }
    failures += test_failed_write(dir);
    failures += test_damage();
    failures += test_compaction_rule();
    failures += test_old_format();
    zstr_free(&temp);
    unlink(path);
    zstr_free(&path);
    rmdir(dir);
    return failures;
}
