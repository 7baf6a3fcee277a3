/*  precis_outlog - the sink's append-only output log. */
#include "precis_outlog.h"
#include "precis_config.h"
#include <czmq.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <dirent.h>
#include <libgen.h>
#include <pthread.h>

#define INDEX_STRIDE 256
#define MAX_RECORD   (64u << 20)
/* A segment is closed when it would pass this share of the budget. */
#define SEGMENTS_PER_BUDGET 8
/* Segment size without a budget. */
#define UNLIMITED_SEGMENT (128ull << 20)
#define MAGIC             "PRCSLOG2"
#define MAGIC_SIZE        8
#define SEGMENT_HEADER    (MAGIC_SIZE + PRECIS_LOG_ID_SIZE - 1)
#define RECORD_HEADER     16 /* checksum, length, seq */
/* A resync candidate's seq must be within this of the last good one: a
   cheap filter before the checksum. */
#define RESYNC_SEQ_SPAN (1ull << 40)

typedef struct {
    uint64_t seq, offset;
} index_entry_t;

typedef struct {
    uint64_t from, to; /* bytes [from, to) of the damaged file are kept */
} range_t;

/* The state file's writer thread: the temp file, fsync, rename and
   directory fsync took 0.25-8.7 ms each on the sink's main thread (perf
   trace, issue 14), stalling publication; here they happen beside it. The
   owner asks for a state (the newest ask wins: reserved only grows) and
   gives out numbers only below the reserved of a state known written. */
typedef struct {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake, idle;
    bool running, stop;
    uint64_t next, reserved; /* the newest state asked for */
    uint64_t asked, written; /* asks made, asks covered by a finished write */
    uint64_t durable;        /* reserved of the last state written */
    int error;               /* errno of the last write, 0 when it worked */
} state_writer_t;

typedef struct {
    char *path;
    int fd;
    int version;          /* 1: no header, no checksums; 2: see the header file */
    bool bad_header;      /* version 2 whose header is damaged */
    uint64_t first;       /* from the file name: no record before it */
    uint64_t count;       /* whole records in it */
    uint64_t last_seq;    /* of its last record; 0 when none */
    uint64_t size;        /* bytes of the header and whole records */
    index_entry_t *index; /* every INDEX_STRIDE-th record, from the first */
    size_t index_count, index_cap;
} segment_t;

struct _precis_outlog_t {
    char *path, *state_path;
    /* The state file's temp file and its folder, made at open: the writer
       thread allocates nothing (see state_write_file). */
    char *state_temp, *state_dir;
    uint64_t max_bytes;   /* budget of all segments together */
    uint64_t segment_max; /* a segment is closed before it passes this */
    uint64_t next_seq;
    uint64_t reserved; /* the state file promises no seq at or above this was given */
    bool must_roll;    /* the newest segment is version 1: start a new one */
    char log_id[PRECIS_LOG_ID_SIZE];
    char boot_id[64];
    uint64_t bytes;      /* in all segments */
    segment_t *segments; /* oldest first; the last one is appended to */
    size_t segment_count, segment_cap;
    precis_outlog_damage_t damage;
    state_writer_t writer;
    uint64_t asked_reserved; /* the highest reserved asked of the writer */
    uint64_t state_stalls;   /* appends that waited for the state file */
};

/* CRC32C (Castagnoli), as in iSCSI and ext4: the SSE4.2 instruction where
   the CPU has it (a table-driven CRC was 13% of the sink's time at 90,000
   results/s), else a table, made once. Both are the same function:
   crc32c(0, "123456789", 9) == 0xE3069283. */
static uint32_t crc_table[256];

static uint32_t crc32c_table(uint32_t crc, const void *data, size_t size)
{
    if (!crc_table[1])
        for (uint32_t n = 0; n < 256; n++) {
            uint32_t c = n;
            for (int k = 0; k < 8; k++)
                c = c & 1 ? 0x82F63B78u ^ (c >> 1) : c >> 1;
            crc_table[n] = c;
        }
    const unsigned char *bytes = data;
    crc = ~crc;
    while (size--)
        crc = crc_table[(crc ^ *bytes++) & 0xff] ^ (crc >> 8);
    return ~crc;
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <nmmintrin.h>
__attribute__((target("sse4.2"))) static uint32_t
crc32c_sse(uint32_t crc, const void *data, size_t size)
{
    const unsigned char *bytes = data;
    uint64_t c = ~crc;
    for (; size >= 8; size -= 8, bytes += 8) {
        uint64_t word;
        memcpy(&word, bytes, 8);
        c = _mm_crc32_u64(c, word);
    }
    uint32_t c32 = (uint32_t)c;
    while (size--)
        c32 = _mm_crc32_u8(c32, *bytes++);
    return ~c32;
}
#endif

static uint32_t crc32c(uint32_t crc, const void *data, size_t size)
{
#if defined(__x86_64__) && defined(__GNUC__)
    static int sse = -1;
    if (sse < 0)
        sse = __builtin_cpu_supports("sse4.2") ? 1 : 0;
    if (sse)
        return crc32c_sse(crc, data, size);
#endif
    return crc32c_table(crc, data, size);
}

static uint32_t get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static uint64_t get_u64(const unsigned char *p)
{
    return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
}

static void put_u32(unsigned char *p, uint32_t value)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(value >> (8 * i));
}

static void put_u64(unsigned char *p, uint64_t value)
{
    put_u32(p, (uint32_t)value);
    put_u32(p + 4, (uint32_t)(value >> 32));
}

void precis_outlog_new_id(char *id)
{
    unsigned char random[8];
    if (getrandom(random, sizeof random, 0) != (ssize_t)sizeof random)
        for (size_t i = 0; i < sizeof random; i++) /* never in practice */
            random[i] = (unsigned char)(zclock_usecs() >> (i * 3) ^ (uint64_t)getpid());
    for (size_t i = 0; i < sizeof random; i++)
        snprintf(id + 2 * i, 3, "%02x", random[i]);
}

static void index_add(segment_t *segment, uint64_t seq, uint64_t offset)
{
    if (segment->count % INDEX_STRIDE)
        return;
    if (segment->index_count == segment->index_cap) {
        segment->index_cap = segment->index_cap ? segment->index_cap * 2 : 64;
        segment->index =
            realloc(segment->index, segment->index_cap * sizeof *segment->index);
        assert(segment->index);
    }
    segment->index[segment->index_count++] = (index_entry_t){seq, offset};
}

/* Reads the record at offset into buffer (topic length, topic, body) and,
   for version 2, its seq; returns its total size, 0 at a clean end, -2
   when the file ends inside it (torn), -1 when it is not a valid record. */
static ssize_t read_at(segment_t *segment, uint64_t offset, zchunk_t *buffer,
                       uint64_t *seq)
{
    unsigned char header[RECORD_HEADER];
    size_t header_size = segment->version == 1 ? 4 : RECORD_HEADER;
    ssize_t got = pread(segment->fd, header, header_size, (off_t)offset);
    if (got == 0)
        return 0;
    if (got != (ssize_t)header_size)
        return -2;
    uint32_t len = get_u32(segment->version == 1 ? header : header + 4);
    if (len < 1 || len > MAX_RECORD)
        return -1;
    zchunk_resize(buffer, len);
    got = pread(segment->fd, zchunk_data(buffer), len, (off_t)(offset + header_size));
    if (got != (ssize_t)len)
        return got >= 0 ? -2 : -1;
    zchunk_set(buffer, zchunk_data(buffer), len);
    if (zchunk_data(buffer)[0] >= len)
        return -1;
    if (segment->version == 2) {
        uint32_t crc =
            crc32c(crc32c(0, header + 4, RECORD_HEADER - 4), zchunk_data(buffer), len);
        if (crc != get_u32(header))
            return -1;
        *seq = get_u64(header + 8);
    }
    return (ssize_t)(header_size + len);
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
    segment->version = 2;
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

/* The seq of a segment's first record (version 1: from its name). */
static uint64_t segment_first_seq(const segment_t *segment)
{
    return segment->index_count ? segment->index[0].seq : segment->first;
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

/* Reads a segment's header: its version, and the log_id of a version 2
   one into id (when id is not NULL). A file shorter than the header that
   is a prefix of it (a header write cut short) counts as an empty one. */
static void read_header(segment_t *segment, uint64_t file_size, char *id)
{
    unsigned char header[SEGMENT_HEADER] = {0};
    ssize_t got = pread(segment->fd, header, SEGMENT_HEADER, 0);
    segment->version = 2;
    segment->bad_header = false;
    if (file_size == 0)
        return;
    size_t prefix = got > 0 ? (size_t)got : 0;
    if (prefix > MAGIC_SIZE)
        prefix = MAGIC_SIZE;
    if (memcmp(header, MAGIC, prefix) == 0) {
        char found[PRECIS_LOG_ID_SIZE];
        memcpy(found, header + MAGIC_SIZE, PRECIS_LOG_ID_SIZE - 1);
        found[PRECIS_LOG_ID_SIZE - 1] = 0;
        /* All zeros: written in place of a damaged one; no epoch to take. */
        if (got == SEGMENT_HEADER && id && strspn(found, "0123456789abcdef") == 16 &&
            strspn(found, "0") != 16)
            memcpy(id, found, PRECIS_LOG_ID_SIZE);
        return;
    }
    /* Not the magic. A version 1 file starts with the length of its first
       record (at most MAX_RECORD) and the topic length below it: one
       flipped bit in the magic never looks like that ("S" is 0x53). */
    uint32_t len = get_u32(header);
    if (got < 5 || (len >= 1 && len <= MAX_RECORD && header[4] < len))
        segment->version = 1;
    else
        segment->bad_header = true;
}

/* The offset of the next valid version 2 record after a bad one at from,
   with a seq in (after, before); 0 when there is none. */
static uint64_t resync(segment_t *segment, uint64_t from, uint64_t file_size,
                       uint64_t after, uint64_t before)
{
    if (file_size < from + RECORD_HEADER + 1)
        return 0;
    unsigned char *map = mmap(NULL, file_size, PROT_READ, MAP_PRIVATE, segment->fd, 0);
    if (map == MAP_FAILED)
        return 0;
    uint64_t found = 0;
    for (uint64_t at = from + 1; !found && at + RECORD_HEADER < file_size; at++) {
        const unsigned char *p = map + at;
        uint32_t len = get_u32(p + 4);
        uint64_t seq = get_u64(p + 8);
        if (len < 1 || len > MAX_RECORD || at + RECORD_HEADER + len > file_size ||
            seq <= after || seq >= before || seq - after > RESYNC_SEQ_SPAN ||
            p[RECORD_HEADER] >= len)
            continue;
        uint32_t crc = crc32c(0, p + 4, RECORD_HEADER - 4 + len);
        if (crc == get_u32(p))
            found = at;
    }
    munmap(map, file_size);
    return found;
}

/* What a scan of one segment found. */
typedef struct {
    range_t *kept; /* the good bytes of a damaged segment, header first */
    size_t kept_count, kept_cap;
    uint64_t removed; /* bytes of damage before the current offset */
} scan_t;

static void keep_range(scan_t *scan, uint64_t from, uint64_t to)
{
    if (from >= to)
        return;
    if (scan->kept_count == scan->kept_cap) {
        scan->kept_cap = scan->kept_cap ? scan->kept_cap * 2 : 8;
        scan->kept = realloc(scan->kept, scan->kept_cap * sizeof *scan->kept);
        assert(scan->kept);
    }
    scan->kept[scan->kept_count++] = (range_t){from, to};
}

/* Copies bytes [from, to) of a file to fd; 0 or -1. */
static int copy_bytes(int from_fd, uint64_t from, uint64_t to, int fd)
{
    char buffer[65536];
    while (from < to) {
        size_t want = to - from < sizeof buffer ? (size_t)(to - from) : sizeof buffer;
        ssize_t got = pread(from_fd, buffer, want, (off_t)from);
        if (got <= 0 || write(fd, buffer, (size_t)got) != got)
            return -1;
        from += (uint64_t)got;
    }
    return 0;
}

/* Keeps the damaged segment as it is under the name aside: a hard link
   (no copy, and the original inode stays untouched), or a copy where the
   file system has no links. */
static int keep_aside(segment_t *segment, const char *aside)
{
    if (link(segment->path, aside) == 0)
        return 0;
    struct stat info;
    int fd = precis_data_file_open(aside, O_WRONLY | O_EXCL);
    if (fd < 0)
        return -1;
    int rc = fstat(segment->fd, &info) == 0 &&
                     copy_bytes(segment->fd, 0, (uint64_t)info.st_size, fd) == 0 &&
                     fsync(fd) == 0
                 ? 0
                 : -1;
    close(fd);
    if (rc != 0)
        unlink(aside);
    return rc;
}

/* Copies the kept ranges of a damaged segment to a new file renamed over
   it, after a hard link PATH.corrupt-TIMESTAMP keeps the original. */
static int rewrite_segment(precis_outlog_t *self, segment_t *segment, scan_t *scan)
{
    char stamp[32];
    time_t now = time(NULL);
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", gmtime(&now));
    char *aside = zsys_sprintf("%s.corrupt-%s", segment->path, stamp);
    for (int n = 2; access(aside, F_OK) == 0; n++) {
        zstr_free(&aside);
        aside = zsys_sprintf("%s.corrupt-%s-%d", segment->path, stamp, n);
    }
    char *temp = zsys_sprintf("%s.repair", segment->path);
    int rc = -1, fd = -1;
    if (keep_aside(segment, aside) != 0)
        zsys_error("output log: cannot keep %s aside as %s: %s", segment->path, aside,
                   strerror(errno));
    else if ((fd = precis_data_file_open(temp, O_RDWR | O_TRUNC | O_APPEND)) < 0)
        zsys_error("output log: cannot make %s: %s", temp, strerror(errno));
    else {
        rc = 0;
        if (segment->bad_header) {
            /* The state's log_id when there is one (read before the scan),
               else zeros: "none". */
            char header[SEGMENT_HEADER + 1];
            snprintf(header, sizeof header, "%s%s", MAGIC,
                     *self->log_id ? self->log_id : "0000000000000000");
            if (write(fd, header, SEGMENT_HEADER) != SEGMENT_HEADER)
                rc = -1;
        }
        for (size_t i = 0; i < scan->kept_count && rc == 0; i++)
            rc = copy_bytes(segment->fd, scan->kept[i].from, scan->kept[i].to, fd);
        if (rc != 0 || fsync(fd) != 0 || rename(temp, segment->path) != 0) {
            zsys_error("output log: cannot write the repaired %s: %s", segment->path,
                       strerror(errno));
            unlink(temp);
            rc = -1;
        }
    }
    if (rc == 0) {
        zsys_warning("output log: kept the damaged %s as %s", segment->path, aside);
        close(segment->fd);
        segment->fd = fd;
        segment->bad_header = false;
        self->damage.kept++;
    } else if (fd >= 0)
        close(fd);
    zstr_free(&aside);
    zstr_free(&temp);
    return rc;
}

/* Reads a version 1 segment (records numbered by position; at most
   limit); the newest one loses a torn record at its end. */
static void scan_v1(segment_t *segment, uint64_t limit, bool newest, uint64_t file_size,
                    precis_outlog_fn *fn, void *arg)
{
    zchunk_t *record = zchunk_new(NULL, 4096);
    ssize_t size = 0;
    uint64_t unused;
    while (segment->count < limit &&
           (size = read_at(segment, segment->size, record, &unused)) > 0) {
        uint64_t seq = segment->first + segment->count;
        index_add(segment, seq, segment->size);
        if (fn)
            call_with(fn, arg, seq, record);
        segment->count++;
        segment->last_seq = seq;
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

/* Reports a stretch of damage [from, to) of a segment. */
static void report_damage(precis_outlog_t *self, segment_t *segment, uint64_t from,
                          uint64_t to, uint64_t before, uint64_t after)
{
    self->damage.regions++;
    self->damage.bytes += to - from;
    if (after)
        self->damage.lost += after - before - 1;
    if (after == before + 2)
        zsys_error("output log: %s is damaged at bytes %llu to %llu (%llu bytes): "
                   "skipped; result %llu is lost, the records after it are kept",
                   segment->path, (unsigned long long)from, (unsigned long long)to,
                   (unsigned long long)(to - from), (unsigned long long)(before + 1));
    else if (after)
        zsys_error("output log: %s is damaged at bytes %llu to %llu (%llu bytes): "
                   "skipped; results %llu to %llu are lost, the records after are kept",
                   segment->path, (unsigned long long)from, (unsigned long long)to,
                   (unsigned long long)(to - from), (unsigned long long)(before + 1),
                   (unsigned long long)(after - 1));
    else
        zsys_error("output log: %s is damaged from byte %llu to its end (%llu bytes) "
                   "after result %llu: skipped",
                   segment->path, (unsigned long long)from,
                   (unsigned long long)(to - from), (unsigned long long)before);
}

/* Reads a version 2 segment: records with seqs above the last one and
   below limit. Indexes are made for the file as it will be once the
   damage is taken out (offsets less the bytes removed before them). */
static int scan_v2(precis_outlog_t *self, segment_t *segment, uint64_t limit, bool newest,
                   uint64_t file_size, precis_outlog_fn *fn, void *arg)
{
    scan_t scan = {0};
    zchunk_t *record = zchunk_new(NULL, 4096);
    uint64_t offset = file_size < SEGMENT_HEADER ? file_size : SEGMENT_HEADER,
             kept_from = 0, last = segment->first - 1;
    if (file_size < SEGMENT_HEADER) {
        /* No record, at most a header cut short: the file starts again. */
        if (file_size && ftruncate(segment->fd, 0) != 0)
            zsys_error("output log: cannot truncate %s", segment->path);
        segment->size = 0;
        zchunk_destroy(&record);
        return 0;
    }
    segment->size = offset;
    if (segment->bad_header) {
        /* Only the magic and the log_id are lost: the records are read,
           and the file is rewritten with a new header. */
        zsys_error("output log: the header of %s is damaged (bytes 0 to %d): skipped",
                   segment->path, SEGMENT_HEADER);
        self->damage.regions++;
        self->damage.bytes += SEGMENT_HEADER;
        kept_from = SEGMENT_HEADER;
    }
    while (offset < file_size) {
        uint64_t seq = 0;
        ssize_t size = read_at(segment, offset, record, &seq);
        if (size > 0 && seq > last && seq < limit) {
            index_add(segment, seq, offset - scan.removed);
            if (fn)
                call_with(fn, arg, seq, record);
            segment->count++;
            segment->last_seq = last = seq;
            segment->size += (uint64_t)size;
            offset += (uint64_t)size;
            continue;
        }
        uint64_t next = resync(segment, offset, file_size, last, limit);
        if (!next && newest && size == -2) {
            /* A write cut short at the end: the only damage cut in place. */
            zsys_warning("output log: cutting a torn record (%llu bytes) at byte %llu "
                         "of %s",
                         (unsigned long long)(file_size - offset),
                         (unsigned long long)offset, segment->path);
            self->damage.torn += file_size - offset;
            file_size = offset;
            if (scan.removed == 0 && ftruncate(segment->fd, (off_t)offset) != 0)
                zsys_error("output log: cannot truncate %s", segment->path);
            break;
        }
        uint64_t to = next ? next : file_size;
        uint64_t after = 0;
        if (next) {
            unsigned char seq_bytes[8];
            after = pread(segment->fd, seq_bytes, 8, (off_t)next + 8) == 8
                        ? get_u64(seq_bytes)
                        : 0;
        }
        report_damage(self, segment, offset, to, last, after);
        keep_range(&scan, kept_from, offset);
        kept_from = to;
        scan.removed += to - offset;
        offset = to;
    }
    zchunk_destroy(&record);
    int rc = 0;
    if (scan.removed || segment->bad_header) {
        keep_range(&scan, kept_from, file_size);
        rc = rewrite_segment(self, segment, &scan);
    }
    free(scan.kept);
    return rc;
}

/* Reads the state file; false when there is none (or it is unreadable). */
static bool state_read(precis_outlog_t *self, char *id, uint64_t *next,
                       uint64_t *reserved, char *boot, size_t boot_size, bool quiet)
{
    FILE *file = fopen(self->state_path, "r");
    if (!file)
        return false;
    char line[256];
    int found = 0;
    unsigned long long number;
    char word[64];
    boot[0] = 0;
    while (fgets(line, sizeof line, file)) {
        if (sscanf(line, "log_id %16[0-9a-f]", word) == 1 && strlen(word) == 16) {
            memcpy(id, word, PRECIS_LOG_ID_SIZE);
            found |= 1;
        } else if (sscanf(line, "next %llu", &number) == 1) {
            *next = number;
            found |= 2;
        } else if (sscanf(line, "reserved %llu", &number) == 1) {
            *reserved = number;
            found |= 4;
        } else if (sscanf(line, "boot %63s", word) == 1)
            snprintf(boot, boot_size, "%s", word);
    }
    fclose(file);
    if (found != 7 || *reserved < *next) {
        if (!quiet)
            zsys_error("output log: %s is not a state file; ignoring it",
                       self->state_path);
        return false;
    }
    return true;
}

/* Writes the state file atomically and durably: a temp file, fsync,
   rename, fsync of the directory. 0 or -1 (errno set). Reads only what is
   fixed once the log is open (paths, log_id, boot_id): the writer thread
   calls it too, never at the same time as the owner (see state_wait).
   It allocates nothing (the text on the stack, the paths made at open):
   the writer thread's first malloc gave it an arena of its own, whose first
   2 MiB huge page (glibc.malloc.hugetlb=1, precis_heap_huge) cost about 6 ms
   of CPU on the development VM, where the host backs fresh memory as it
   is first touched (perf record of sink_bench --passes 4: 24 of the
   thread's 43 samples in clear_page_erms under alloc_new_heap), 1.2 us a
   result of its 8,900. */
static int state_write_file(precis_outlog_t *self, uint64_t next, uint64_t reserved)
{
    /* 96 bytes at most of words, numbers and line ends, the log_id and the
       boot id. */
    char text[128 + PRECIS_LOG_ID_SIZE + sizeof self->boot_id];
    int len = snprintf(text, sizeof text,
                       "precis output log state 1\nlog_id %s\nnext %llu\n"
                       "reserved %llu\nboot %s\n",
                       self->log_id, (unsigned long long)next,
                       (unsigned long long)reserved, self->boot_id);
    assert(len > 0 && (size_t)len < sizeof text);
    const char *temp = self->state_temp;
    int fd = precis_data_file_open(temp, O_WRONLY | O_TRUNC);
    int rc = -1, saved = 0;
    if (fd >= 0) {
        errno = 0;
        if (write(fd, text, (size_t)len) == len && fsync(fd) == 0 &&
            rename(temp, self->state_path) == 0)
            rc = 0;
        else if (errno == 0)
            errno = ENOSPC; /* a short write */
        saved = errno;
        close(fd);
    } else
        saved = errno;
    if (rc != 0)
        unlink(temp);
    else {
        int dir = open(self->state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir >= 0) {
            fsync(dir);
            close(dir);
        }
    }
    errno = saved;
    return rc;
}

/* The same in the owner's thread, with no write of the thread in flight. */
static int state_write(precis_outlog_t *self, uint64_t next, uint64_t reserved)
{
    if (state_write_file(self, next, reserved) != 0)
        return -1;
    self->reserved = reserved;
    if (self->asked_reserved < reserved)
        self->asked_reserved = reserved;
    return 0;
}

static void *state_writer_run(void *arg)
{
    precis_outlog_t *self = arg;
    state_writer_t *writer = &self->writer;
    pthread_mutex_lock(&writer->lock);
    while (true) {
        while (!writer->stop && writer->written == writer->asked)
            pthread_cond_wait(&writer->wake, &writer->lock);
        if (writer->written == writer->asked)
            break; /* stopping, nothing left to write */
        uint64_t next = writer->next, reserved = writer->reserved, asked = writer->asked;
        pthread_mutex_unlock(&writer->lock);
        int rc = state_write_file(self, next, reserved);
        int error = rc == 0 ? 0 : errno;
        if (rc != 0)
            zsys_error("output log: cannot write %s: %s", self->state_path,
                       strerror(error));
        pthread_mutex_lock(&writer->lock);
        if (rc == 0 && reserved > writer->durable)
            writer->durable = reserved;
        writer->error = error;
        writer->written = asked;
        pthread_cond_broadcast(&writer->idle);
    }
    pthread_mutex_unlock(&writer->lock);
    return NULL;
}

/* Starts the writer thread, once the log is open. */
static void state_writer_start(precis_outlog_t *self)
{
    state_writer_t *writer = &self->writer;
    pthread_mutex_init(&writer->lock, NULL);
    pthread_cond_init(&writer->wake, NULL);
    pthread_cond_init(&writer->idle, NULL);
    writer->durable = self->reserved;
    writer->running = pthread_create(&writer->thread, NULL, state_writer_run, self) == 0;
    if (!writer->running)
        zsys_error("output log: no thread for the state file: it is written inline");
}

/* Writes what was asked, then stops the thread. */
static void state_writer_stop(precis_outlog_t *self)
{
    state_writer_t *writer = &self->writer;
    if (!writer->running)
        return;
    pthread_mutex_lock(&writer->lock);
    writer->stop = true;
    pthread_cond_signal(&writer->wake);
    pthread_mutex_unlock(&writer->lock);
    pthread_join(writer->thread, NULL);
    writer->running = false;
    if (writer->durable > self->reserved)
        self->reserved = writer->durable;
    pthread_cond_destroy(&writer->idle);
    pthread_cond_destroy(&writer->wake);
    pthread_mutex_destroy(&writer->lock);
}

/* Asks the thread to write the state (next, reserved); returns at once.
   Without the thread, writes it here. */
static void state_ask(precis_outlog_t *self, uint64_t next, uint64_t reserved)
{
    state_writer_t *writer = &self->writer;
    if (reserved < self->asked_reserved)
        reserved = self->asked_reserved; /* a state file never takes a promise back */
    if (!writer->running) {
        if (state_write(self, next, reserved) != 0)
            zsys_error("output log: cannot write %s: %s", self->state_path,
                       strerror(errno));
        return;
    }
    self->asked_reserved = reserved;
    pthread_mutex_lock(&writer->lock);
    writer->next = next;
    writer->reserved = reserved;
    writer->asked++;
    pthread_cond_signal(&writer->wake);
    pthread_mutex_unlock(&writer->lock);
}

/* Takes what the thread has made durable; waits for the writes asked so
   far first when wait is true (then the thread is idle until the next ask,
   and the owner may write the file itself). */
static void state_collect(precis_outlog_t *self, bool wait)
{
    state_writer_t *writer = &self->writer;
    if (!writer->running)
        return;
    pthread_mutex_lock(&writer->lock);
    while (wait && writer->written != writer->asked)
        pthread_cond_wait(&writer->idle, &writer->lock);
    if (writer->durable > self->reserved)
        self->reserved = writer->durable;
    pthread_mutex_unlock(&writer->lock);
}

/* Makes sure next_seq is reserved in the state file before it is given:
   asks the thread for the next block when half of this one is used, so
   that the main thread waits only when the disk is slower than half a
   block of results (2,048: 60 ms at 35,000 results/s). 0, or -1 (errno
   set) when the state cannot be written. */
static int state_reserve(precis_outlog_t *self)
{
    if (self->next_seq + PRECIS_OUTLOG_RESERVE / 2 < self->reserved)
        return 0;
    state_collect(self, false);
    if (self->next_seq + PRECIS_OUTLOG_RESERVE / 2 >= self->reserved &&
        self->asked_reserved <= self->reserved)
        state_ask(self, self->next_seq, self->next_seq + PRECIS_OUTLOG_RESERVE);
    if (self->next_seq < self->reserved)
        return 0;
    /* The thread fell behind, or its write failed (a full disk): wait for
       it, then write here, which reports the error to the append. */
    self->state_stalls++;
    state_collect(self, true);
    if (self->next_seq < self->reserved)
        return 0;
    return state_write(self, self->next_seq, self->next_seq + PRECIS_OUTLOG_RESERVE);
}

/* Decides next_seq and log_id from the records and the state file. */
static void decide_numbering(precis_outlog_t *self, uint64_t log_next,
                             const char *header_id)
{
    char id[PRECIS_LOG_ID_SIZE] = "", boot[64];
    uint64_t next = 0, reserved = 0;
    FILE *file = fopen("/proc/sys/kernel/random/boot_id", "r");
    if (!file || !fgets(self->boot_id, sizeof self->boot_id, file))
        self->boot_id[0] = 0;
    if (file)
        fclose(file);
    self->boot_id[strcspn(self->boot_id, "\n")] = 0;
    if (!state_read(self, id, &next, &reserved, boot, sizeof boot, false)) {
        bool any = log_next > 1 || *header_id;
        if (*header_id)
            memcpy(self->log_id, header_id, PRECIS_LOG_ID_SIZE);
        else
            precis_outlog_new_id(self->log_id);
        self->next_seq = log_next;
        if (any)
            zsys_warning("output log: no state file %s; numbering goes on from the log, "
                         "at %llu",
                         self->state_path, (unsigned long long)log_next);
        return;
    }
    memcpy(self->log_id, id, PRECIS_LOG_ID_SIZE);
    if (*header_id && strcmp(header_id, id) != 0)
        zsys_warning("output log: the log's segments are of log_id %s, the state of %s: "
                     "numbering goes on from the state",
                     header_id, id);
    bool clean = next == reserved, same_boot = *boot && strcmp(boot, self->boot_id) == 0;
    if (log_next >= next && (clean || same_boot))
        self->next_seq = log_next;
    else {
        self->next_seq = log_next > reserved ? log_next : reserved;
        zsys_warning("output log: the log ends at result %llu, below numbers that may "
                     "have been given (%s); numbering goes on from %llu",
                     (unsigned long long)(log_next - 1),
                     log_next < next ? "the log was cut or replaced"
                                     : "the machine restarted after a crash",
                     (unsigned long long)self->next_seq);
    }
}

/* Opens each segment and reads its header; the log_id of the newest
   version 2 header goes into header_id. */
static int open_segments(precis_outlog_t *self, char *header_id)
{
    for (size_t i = 0; i < self->segment_count; i++) {
        segment_t *segment = &self->segments[i];
        segment->fd = precis_data_file_open(segment->path, O_RDWR | O_APPEND);
        struct stat info;
        if (segment->fd < 0 || fstat(segment->fd, &info) != 0) {
            zsys_error("output log: cannot open %s: %s", segment->path, strerror(errno));
            return -1;
        }
        segment->size = (uint64_t)info.st_size; /* until scanned */
        read_header(segment, segment->size, header_id);
        self->bytes += segment->size;
    }
    return 0;
}

precis_outlog_t *precis_outlog_new(const char *path, uint64_t max_bytes,
                                   precis_outlog_fn *fn, void *arg)
{
    precis_outlog_t *self = calloc(1, sizeof *self);
    assert(self);
    self->path = strdup(path);
    self->state_path = zsys_sprintf("%s.state", path);
    self->state_temp = zsys_sprintf("%s.tmp", self->state_path);
    char *copy = strdup(self->state_path);
    self->state_dir = strdup(dirname(copy));
    free(copy);
    self->max_bytes = max_bytes ? max_bytes : UINT64_MAX;
    self->segment_max = max_bytes ? max_bytes / SEGMENTS_PER_BUDGET : UNLIMITED_SEGMENT;
    if (self->segment_max < 1)
        self->segment_max = 1;
    char header_id[PRECIS_LOG_ID_SIZE] = "";
    if (find_segments(self) != 0 || open_segments(self, header_id) != 0) {
        precis_outlog_destroy(&self);
        return NULL;
    }
    /* The state's log_id, for a segment header that has to be rewritten;
       the numbering is decided once the records are read. */
    char boot[64];
    uint64_t next, reserved;
    if (!state_read(self, self->log_id, &next, &reserved, boot, sizeof boot, true))
        self->log_id[0] = 0;
    /* A smaller budget than last time: the oldest go before anything is read. */
    while (self->segment_count > 1 && self->bytes > self->max_bytes)
        drop_oldest(self);
    self->bytes = 0;
    uint64_t log_next = 1;
    for (size_t i = 0; i < self->segment_count; i++) {
        segment_t *segment = &self->segments[i];
        bool newest = i + 1 == self->segment_count;
        uint64_t file_size = segment->size;
        segment->size = 0;
        if (segment->version == 1)
            scan_v1(segment,
                    newest ? UINT64_MAX : self->segments[i + 1].first - segment->first,
                    newest, file_size, fn, arg);
        else if (scan_v2(self, segment, newest ? UINT64_MAX : self->segments[i + 1].first,
                         newest, file_size, fn, arg) != 0) {
            precis_outlog_destroy(&self);
            return NULL;
        }
        self->bytes += segment->size;
        if (segment->count && segment->last_seq + 1 > log_next)
            log_next = segment->last_seq + 1;
    }
    decide_numbering(self, log_next, header_id);
    if (self->segment_count == 0)
        segment_add(self, self->next_seq);
    segment_t *newest = &self->segments[self->segment_count - 1];
    if (newest->fd < 0) {
        newest->fd = precis_data_file_open(newest->path, O_RDWR | O_APPEND);
        if (newest->fd < 0) {
            zsys_error("output log: cannot make %s: %s", newest->path, strerror(errno));
            precis_outlog_destroy(&self);
            return NULL;
        }
    }
    /* Old records are kept as they are; new ones go to a segment of the
       new layout. */
    self->must_roll = newest->version == 1 && newest->size > 0;
    if (newest->version == 1 && newest->size == 0)
        newest->version = 2;
    /* Numbers up to a block ahead are promised before any is given; on a
       full disk the first append tries again. */
    if (state_write(self, self->next_seq, self->next_seq + PRECIS_OUTLOG_RESERVE) != 0) {
        zsys_error("output log: cannot write %s: %s", self->state_path, strerror(errno));
        self->reserved = self->next_seq;
    }
    state_writer_start(self);
    return self;
}

void precis_outlog_destroy(precis_outlog_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    precis_outlog_t *self = *self_p;
    state_writer_stop(self);
    /* A clean close: the state says exactly where the numbering is. */
    if (self->reserved && state_write(self, self->next_seq, self->next_seq) != 0)
        zsys_error("output log: cannot write %s: %s", self->state_path, strerror(errno));
    for (size_t i = 0; i < self->segment_count; i++)
        segment_free(&self->segments[i]);
    free(self->segments);
    free(self->path);
    zstr_free(&self->state_path);
    zstr_free(&self->state_temp);
    free(self->state_dir);
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
            return segment_first_seq(&self->segments[i]);
    return self->next_seq;
}

const char *precis_outlog_log_id(precis_outlog_t *self)
{
    return self->log_id;
}

precis_outlog_damage_t precis_outlog_damage(precis_outlog_t *self)
{
    return self->damage;
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
    if (fd < 0 && errno == EEXIST) {
        /* Left by a roll whose first append failed: empty, or torn. */
        struct stat info;
        fd = precis_data_file_open(path, O_RDWR | O_APPEND);
        if (fd >= 0 && (fstat(fd, &info) != 0 || info.st_size > SEGMENT_HEADER)) {
            close(fd);
            fd = -1;
            errno = EEXIST;
        } else if (fd >= 0 && ftruncate(fd, 0) != 0) {
            close(fd);
            fd = -1;
        }
    }
    if (fd < 0) {
        zsys_error("output log: cannot start segment %s: %s", path, strerror(errno));
        zstr_free(&path);
        return;
    }
    zstr_free(&path);
    segment_t *segment = segment_add(self, self->next_seq);
    segment->fd = fd;
    self->must_roll = false;
    /* Where the numbering is, once a segment: it narrows what a cut log
       can hide after a crash (a hint, not a promise: written by the thread). */
    state_ask(self, self->next_seq, self->reserved);
}

/* Records in one write at most: three iovecs each and one for a segment
   header, within IOV_MAX (1024). */
#define GROUP_MAX 256

static bool record_valid(const precis_outlog_record_t *record)
{
    return strlen(record->topic) <= 255 &&
           1 + strlen(record->topic) + record->size <= MAX_RECORD;
}

/* Appends the first records, as many as one write to the current segment
   takes: up to GROUP_MAX, within the segment's size and the numbers the
   state file reserves. Returns how many (at least 1), or -1 with errno set
   when the first cannot be appended (then nothing of it is in the file). */
static int append_group(precis_outlog_t *self, const precis_outlog_record_t *records,
                        size_t count)
{
    if (!record_valid(&records[0])) {
        errno = EINVAL;
        return -1;
    }
    /* The number must be promised in the state file before it is given. */
    if (state_reserve(self) != 0)
        return -1;
    uint64_t first_size = RECORD_HEADER + 1 + strlen(records[0].topic) + records[0].size;
    segment_t *segment = &self->segments[self->segment_count - 1];
    if (self->must_roll ||
        (segment->size > 0 && segment->size + first_size > self->segment_max))
        roll(self);
    if (self->must_roll) {
        errno = EIO;
        return -1; /* version 1 segments are never appended to */
    }
    segment = &self->segments[self->segment_count - 1];
    uint64_t header_size = segment->size == 0 ? SEGMENT_HEADER : 0, group_size = 0;
    size_t n = 0;
    while (n < count && n < GROUP_MAX && record_valid(&records[n])) {
        uint64_t record_size =
            RECORD_HEADER + 1 + strlen(records[n].topic) + records[n].size;
        if (n > 0 && (self->next_seq + n >= self->reserved ||
                      segment->size + group_size + record_size > self->segment_max))
            break;
        while (self->segment_count > 1 &&
               self->bytes + group_size + record_size > self->max_bytes)
            drop_oldest(self);
        segment = &self->segments[self->segment_count - 1];
        group_size += record_size;
        n++;
    }
    unsigned char segment_header[SEGMENT_HEADER], headers[GROUP_MAX][RECORD_HEADER + 1];
    struct iovec parts[1 + 3 * GROUP_MAX];
    memcpy(segment_header, MAGIC, MAGIC_SIZE);
    memcpy(segment_header + MAGIC_SIZE, self->log_id, PRECIS_LOG_ID_SIZE - 1);
    parts[0] = (struct iovec){segment_header, (size_t)header_size};
    for (size_t i = 0; i < n; i++) {
        const precis_outlog_record_t *record = &records[i];
        size_t topic_len = strlen(record->topic);
        unsigned char *header = headers[i];
        put_u32(header + 4, (uint32_t)(1 + topic_len + record->size));
        put_u64(header + 8, self->next_seq + i);
        header[RECORD_HEADER] = (unsigned char)topic_len;
        uint32_t crc = crc32c(0, header + 4, RECORD_HEADER - 4 + 1);
        crc = crc32c(crc32c(crc, record->topic, topic_len), record->body, record->size);
        put_u32(header, crc);
        parts[1 + 3 * i] = (struct iovec){header, RECORD_HEADER + 1};
        parts[2 + 3 * i] = (struct iovec){(void *)record->topic, topic_len};
        parts[3 + 3 * i] = (struct iovec){(void *)record->body, record->size};
    }
    /* One writev (with the segment header when the file is new), so the
       records are never interleaved; a short write is undone below. */
    errno = 0;
    ssize_t written = writev(segment->fd, parts, (int)(1 + 3 * n));
    if (written != (ssize_t)(header_size + group_size)) {
        int saved = written < 0 ? errno : errno ? errno : ENOSPC;
        if (written > 0 && ftruncate(segment->fd, (off_t)segment->size) != 0)
            zsys_error("output log: cannot undo a partial write to %s", segment->path);
        errno = saved;
        return -1;
    }
    segment->size += header_size;
    self->bytes += header_size;
    for (size_t i = 0; i < n; i++) {
        uint64_t record_size =
            RECORD_HEADER + 1 + strlen(records[i].topic) + records[i].size;
        index_add(segment, self->next_seq, segment->size);
        segment->size += record_size;
        segment->count++;
        segment->last_seq = self->next_seq;
        self->bytes += record_size;
        self->next_seq++;
    }
    return (int)n;
}

size_t precis_outlog_append_batch(precis_outlog_t *self,
                                  const precis_outlog_record_t *records, size_t count)
{
    size_t done = 0;
    while (done < count) {
        int n = append_group(self, records + done, count - done);
        if (n < 0)
            break;
        done += (size_t)n;
    }
    return done;
}

int precis_outlog_append(precis_outlog_t *self, const char *topic, const void *body,
                         size_t size)
{
    precis_outlog_record_t record = {topic, body, size};
    return precis_outlog_append_batch(self, &record, 1) == 1 ? 0 : -1;
}

/* The index entry to start reading a segment at for records from since on:
   the last one at or before since (the first when none is). */
static index_entry_t start_entry(const segment_t *segment, uint64_t since)
{
    size_t low = 0, high = segment->index_count; /* index[low].seq <= since */
    while (high - low > 1) {
        size_t middle = low + (high - low) / 2;
        if (segment->index[middle].seq <= since)
            low = middle;
        else
            high = middle;
    }
    return segment->index[low];
}

size_t precis_outlog_read(precis_outlog_t *self, uint64_t since, size_t max,
                          precis_outlog_fn *fn, void *arg)
{
    zchunk_t *record = zchunk_new(NULL, 4096);
    size_t count = 0;
    for (size_t i = 0; i < self->segment_count && count < max; i++) {
        segment_t *segment = &self->segments[i];
        if (!segment->count || since > segment->last_seq)
            continue;
        index_entry_t start = start_entry(segment, since);
        /* Version 1 records are numbered by position from the index entry. */
        uint64_t offset = start.offset, seq = start.seq;
        ssize_t size;
        while (count < max && offset < segment->size &&
               (size = read_at(segment, offset, record, &seq)) > 0) {
            if (seq >= since) {
                call_with(fn, arg, seq, record);
                count++;
            }
            offset += (uint64_t)size;
            if (segment->version == 1)
                seq++;
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

/* Bytes of the segment files the log has on disk (not its state file),
   and how many there are. */
static uint64_t bytes_on_disk(const char *dir, size_t *files_p)
{
    DIR *listing = opendir(dir);
    struct dirent *entry;
    uint64_t total = 0;
    *files_p = 0;
    while (listing && (entry = readdir(listing))) {
        struct stat info;
        char *file = zsys_sprintf("%s/%s", dir, entry->d_name);
        if (entry->d_name[0] != '.' && !strstr(entry->d_name, ".state") &&
            stat(file, &info) == 0) {
            total += (uint64_t)info.st_size;
            (*files_p)++;
        }
        zstr_free(&file);
    }
    if (listing)
        closedir(listing);
    return total;
}

static void remove_all(const char *dir)
{
    zdir_t *listing = zdir_new(dir, "-");
    if (listing)
        zdir_remove(listing, true);
    zdir_destroy(&listing);
    mkdir(dir, 0700);
}

/* The start of a record whose payload (64 bytes) the file ends inside. */
#define TORN_RECORD "\0\0\0\0\x40\0\0\0\x59\x02\0\0\0\0\0\0\x05summ"

#define CHECK(cond, ...)                                                                 \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            fprintf(stderr, "outlog test: " __VA_ARGS__);                                \
            fprintf(stderr, "\n");                                                       \
            failures++;                                                                  \
        }                                                                                \
    } while (0)

/* What a scan of the test records found: "body-N" for seq N. */
typedef struct {
    uint64_t count, first, last, bad, gaps;
} tally_t;

static void tally(void *arg, uint64_t seq, const char *topic, const void *body,
                  size_t size)
{
    tally_t *t = arg;
    char expected[32];
    snprintf(expected, sizeof expected, "body-%llu", (unsigned long long)seq);
    t->bad += strcmp(topic, "summary.en") != 0 || size != strlen(expected) ||
              memcmp(body, expected, size) != 0;
    if (t->count && seq <= t->last)
        t->bad++; /* out of order or a repeat */
    else if (t->count)
        t->gaps += seq - t->last - 1;
    if (!t->count)
        t->first = seq;
    t->last = seq;
    t->count++;
}

/* Appends n records "body-N", N their seq. */
static void append_n(precis_outlog_t *log, int n)
{
    char body[32];
    for (int i = 0; i < n; i++) {
        snprintf(body, sizeof body, "body-%llu",
                 (unsigned long long)precis_outlog_next_seq(log));
        if (precis_outlog_append(log, "summary.en", body, strlen(body)) != 0)
            fprintf(stderr, "outlog test: append failed: %s\n", strerror(errno));
    }
}

static uint64_t file_size(const char *path)
{
    struct stat info;
    return stat(path, &info) == 0 ? (uint64_t)info.st_size : 0;
}

static void flip_byte(const char *path, uint64_t offset)
{
    int fd = open(path, O_RDWR);
    unsigned char byte = 0;
    if (fd < 0 || pread(fd, &byte, 1, (off_t)offset) != 1)
        fprintf(stderr, "outlog test: cannot read %s\n", path);
    byte ^= 0x10;
    if (fd < 0 || pwrite(fd, &byte, 1, (off_t)offset) != 1)
        fprintf(stderr, "outlog test: cannot write %s\n", path);
    if (fd >= 0)
        close(fd);
}

/* The size of the one file in dir whose name holds part (0 when none), and
   how many such files there are. */
static uint64_t find_file(const char *dir, const char *part, size_t *count)
{
    DIR *listing = opendir(dir);
    struct dirent *entry;
    uint64_t size = 0;
    *count = 0;
    while (listing && (entry = readdir(listing)))
        if (strstr(entry->d_name, part)) {
            char *file = zsys_sprintf("%s/%s", dir, entry->d_name);
            size = file_size(file);
            (*count)++;
            zstr_free(&file);
        }
    if (listing)
        closedir(listing);
    return size;
}

/* Deletes the log's segments, not its state file. */
static void remove_segments(const char *dir)
{
    DIR *listing = opendir(dir);
    struct dirent *entry;
    while (listing && (entry = readdir(listing)))
        if (entry->d_name[0] != '.' && !strstr(entry->d_name, ".state")) {
            char *file = zsys_sprintf("%s/%s", dir, entry->d_name);
            unlink(file);
            zstr_free(&file);
        }
    if (listing)
        closedir(listing);
}

static char *read_text(const char *path)
{
    FILE *file = fopen(path, "r");
    char *text = calloc(1, 4096);
    assert(text);
    if (file) {
        if (fread(text, 1, 4095, file) == 0)
            text[0] = 0;
        fclose(file);
    }
    return text;
}

static void write_text(const char *path, const char *text, const char *more)
{
    FILE *file = fopen(path, "w");
    if (file) {
        fputs(text, file);
        fputs(more, file);
        fclose(file);
    }
}

/* A log of the version 1 layout (no header, no checksums) still opens;
   appending starts a version 2 segment and leaves the old file alone. */
static int test_old_layout(const char *dir, const char *path)
{
    int failures = 0;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    for (int seq = 1; seq <= 50; seq++) {
        char record[64];
        int body_len = snprintf(record + 15, 32, "body-%d", seq);
        uint32_t len = (uint32_t)(1 + 10 + body_len);
        put_u32((unsigned char *)record, len);
        record[4] = 10;
        memcpy(record + 5, "summary.en", 10);
        if (write(fd, record, 4 + len) != (ssize_t)(4 + len))
            failures++;
    }
    close(fd);
    uint64_t old_size = file_size(path);
    tally_t t = {0};
    precis_outlog_t *log = precis_outlog_new(path, 0, tally, &t);
    CHECK(log && t.count == 50 && t.first == 1 && t.last == 50 && !t.bad && !t.gaps &&
              precis_outlog_next_seq(log) == 51 &&
              strlen(precis_outlog_log_id(log)) == 16,
          "an old log opened with %llu records, next %llu", (unsigned long long)t.count,
          (unsigned long long)(log ? precis_outlog_next_seq(log) : 0));
    if (!log)
        return failures;
    append_n(log, 10);
    CHECK(precis_outlog_segments(log) == 2 && file_size(path) == old_size,
          "appending to an old log did not start a new segment");
    precis_outlog_destroy(&log);
    memset(&t, 0, sizeof t);
    log = precis_outlog_new(path, 0, tally, &t);
    CHECK(t.count == 60 && t.last == 60 && !t.bad && !t.gaps &&
              precis_outlog_next_seq(log) == 61,
          "old and new segments reopened with %llu records to %llu",
          (unsigned long long)t.count, (unsigned long long)t.last);
    memset(&t, 0, sizeof t);
    size_t read = precis_outlog_read(log, 45, 100, tally, &t);
    CHECK(read == 16 && t.first == 45 && t.last == 60 && !t.bad && !t.gaps,
          "a replay across the old and new layout read %zu from %llu", read,
          (unsigned long long)t.first);
    precis_outlog_destroy(&log);
    (void)dir;
    return failures;
}

/* A flipped byte loses its record only: the records after it are kept,
   the damaged file is kept aside, the numbering goes on above the highest. */
static int test_damage(const char *dir, const char *path)
{
    int failures = 0;
    precis_outlog_t *log = precis_outlog_new(path, 0, NULL, NULL);
    append_n(log, 1000);
    precis_outlog_destroy(&log);
    uint64_t size = file_size(path);
    flip_byte(path, size / 2);
    tally_t t = {0};
    log = precis_outlog_new(path, 0, tally, &t);
    precis_outlog_damage_t damage = precis_outlog_damage(log);
    CHECK(t.count == 999 && t.gaps == 1 && !t.bad && t.last == 1000 &&
              damage.regions == 1 && damage.lost == 1 && damage.kept == 1 &&
              damage.torn == 0 && damage.bytes > 16 && damage.bytes < 64 &&
              precis_outlog_next_seq(log) == 1001,
          "one flipped byte: %llu records, %llu gaps, %llu regions, %llu lost, next %llu",
          (unsigned long long)t.count, (unsigned long long)t.gaps,
          (unsigned long long)damage.regions, (unsigned long long)damage.lost,
          (unsigned long long)precis_outlog_next_seq(log));
    size_t copies;
    CHECK(find_file(dir, ".corrupt-", &copies) == size && copies == 1 &&
              file_size(path) == size - damage.bytes,
          "the damaged file was not kept aside whole (%zu copies)", copies);
    append_n(log, 5);
    memset(&t, 0, sizeof t);
    CHECK(precis_outlog_read(log, 495, 10, tally, &t) == 10 && t.gaps == 1 && !t.bad,
          "a replay across the lost record went wrong");
    precis_outlog_destroy(&log);

    /* Reopened, the repaired file is clean. Then two flipped bytes and a
       torn record at the end: two stretches skipped, the torn one cut. */
    memset(&t, 0, sizeof t);
    log = precis_outlog_new(path, 0, tally, &t);
    damage = precis_outlog_damage(log);
    CHECK(damage.regions == 0 && damage.kept == 0 && t.count == 1004 && t.last == 1005,
          "the repaired log is not clean");
    precis_outlog_destroy(&log);
    size = file_size(path);
    flip_byte(path, size / 4);
    flip_byte(path, size / 4 * 3);
    int fd = open(path, O_WRONLY | O_APPEND);
    if (write(fd, TORN_RECORD, sizeof TORN_RECORD - 1) != sizeof TORN_RECORD - 1)
        failures++;
    close(fd);
    memset(&t, 0, sizeof t);
    log = precis_outlog_new(path, 0, tally, &t);
    damage = precis_outlog_damage(log);
    CHECK(t.count == 1002 && t.last == 1005 && damage.regions == 2 && damage.lost == 2 &&
              damage.torn == sizeof TORN_RECORD - 1 && damage.kept == 1 &&
              precis_outlog_next_seq(log) == 1006,
          "two flipped bytes and a torn end: %llu records, %llu regions, %llu torn",
          (unsigned long long)t.count, (unsigned long long)damage.regions,
          (unsigned long long)damage.torn);
    precis_outlog_destroy(&log);

    /* The last record damaged (whole, but its checksum is wrong): dropped,
       kept aside, and its number is not given again. */
    flip_byte(path, file_size(path) - 2);
    memset(&t, 0, sizeof t);
    log = precis_outlog_new(path, 0, tally, &t);
    damage = precis_outlog_damage(log);
    CHECK(t.last == 1004 && damage.regions == 1 && damage.kept == 1 &&
              precis_outlog_next_seq(log) == 1006,
          "a damaged last record: last %llu, next %llu", (unsigned long long)t.last,
          (unsigned long long)precis_outlog_next_seq(log));
    find_file(dir, ".corrupt-", &copies);
    CHECK(copies == 3, "%zu damaged files kept, not 3", copies);
    precis_outlog_destroy(&log);
    return failures;
}

/* Bytes flipped anywhere, the segment header too: the log always opens,
   every record it gives is whole and in order, a flip costs at most one
   record (none in the header), the numbering never goes back, and the
   repaired log opens clean. */
static int test_random_damage(const char *dir, const char *path)
{
    int failures = 0;
    unsigned int seed = 11;
    for (int round = 0; round < 40 && !failures; round++) {
        remove_all(dir);
        precis_outlog_t *log = precis_outlog_new(path, 0, NULL, NULL);
        append_n(log, 200);
        precis_outlog_destroy(&log);
        uint64_t size = file_size(path);
        int flips = round < 2 ? 1 : 1 + round % 3;
        for (int i = 0; i < flips; i++)
            /* Round 0: in the magic; round 1: in the log_id. */
            flip_byte(path, round == 0   ? 2
                            : round == 1 ? 12
                                         : (uint64_t)rand_r(&seed) % size);
        tally_t t = {0};
        log = precis_outlog_new(path, 0, tally, &t);
        uint64_t least = round < 2 ? 200 : 200 - (uint64_t)flips;
        CHECK(log && !t.bad && t.count >= least && t.count <= 200 &&
                  t.count + t.gaps + (t.first - 1) + (200 - t.last) == 200 &&
                  precis_outlog_next_seq(log) == 201,
              "round %d, %d flips: %llu records, %llu bad, next %llu", round, flips,
              (unsigned long long)t.count, (unsigned long long)t.bad,
              (unsigned long long)(log ? precis_outlog_next_seq(log) : 0));
        uint64_t count = t.count;
        precis_outlog_destroy(&log);
        memset(&t, 0, sizeof t);
        log = precis_outlog_new(path, 0, tally, &t);
        precis_outlog_damage_t damage = precis_outlog_damage(log);
        CHECK(t.count == count && !damage.regions && !damage.torn,
              "round %d: the repaired log is not clean", round);
        precis_outlog_destroy(&log);
    }
    /* Garbage, with or without the magic: opens, gives nothing bad. */
    for (int round = 0; round < 20 && !failures; round++) {
        remove_all(dir);
        size_t size = (size_t)(rand_r(&seed) % 3000);
        unsigned char *bytes = malloc(size + SEGMENT_HEADER);
        assert(bytes);
        for (size_t i = 0; i < size + SEGMENT_HEADER; i++)
            bytes[i] = (unsigned char)rand_r(&seed);
        if (round % 2)
            memcpy(bytes, MAGIC "0123456789abcdef", SEGMENT_HEADER);
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (write(fd, bytes, size + SEGMENT_HEADER) != (ssize_t)(size + SEGMENT_HEADER))
            failures++;
        close(fd);
        free(bytes);
        tally_t t = {0};
        precis_outlog_t *log = precis_outlog_new(path, 0, tally, &t);
        CHECK(log && t.count == 0, "garbage round %d gave %llu records", round,
              (unsigned long long)t.count);
        if (log)
            append_n(log, 3);
        precis_outlog_destroy(&log);
        memset(&t, 0, sizeof t);
        log = precis_outlog_new(path, 0, tally, &t);
        CHECK(log && t.count == 3 && !t.bad && precis_outlog_next_seq(log) == 4,
              "after garbage round %d: %llu records", round, (unsigned long long)t.count);
        precis_outlog_destroy(&log);
    }
    return failures;
}

/* The state file keeps the numbering when the log is deleted or cut. */
static int test_state(const char *dir, const char *path)
{
    int failures = 0;
    char *state_path = zsys_sprintf("%s.state", path);
    precis_outlog_t *log = precis_outlog_new(path, 0, NULL, NULL);
    append_n(log, 100);
    char *first_id = strdup(precis_outlog_log_id(log));
    precis_outlog_destroy(&log);

    /* The log deleted after a clean stop: numbering goes on, same epoch. */
    remove_segments(dir);
    log = precis_outlog_new(path, 0, NULL, NULL);
    CHECK(precis_outlog_next_seq(log) == 101 &&
              strcmp(precis_outlog_log_id(log), first_id) == 0 &&
              precis_outlog_first_seq(log) == 101,
          "a deleted log restarted at %llu",
          (unsigned long long)precis_outlog_next_seq(log));
    append_n(log, 10);
    precis_outlog_destroy(&log);
    tally_t t = {0};
    log = precis_outlog_new(path, 0, tally, &t);
    CHECK(t.count == 10 && t.first == 101 && t.last == 110 && !t.bad &&
              precis_outlog_next_seq(log) == 111,
          "after the deleted log: %llu records from %llu", (unsigned long long)t.count,
          (unsigned long long)t.first);

    /* A crash (the state still says "reserved") with the log whole: no gap. */
    char *crashed = read_text(state_path);
    append_n(log, 5);
    precis_outlog_destroy(&log);
    write_text(state_path, crashed, "");
    log = precis_outlog_new(path, 0, NULL, NULL);
    CHECK(precis_outlog_next_seq(log) == 116,
          "after a crash the numbering went on at %llu",
          (unsigned long long)precis_outlog_next_seq(log));
    free(crashed);

    /* A crash and the log deleted: the numbers reserved are skipped. */
    crashed = read_text(state_path);
    append_n(log, 5);
    precis_outlog_destroy(&log);
    write_text(state_path, crashed, "");
    remove_segments(dir);
    log = precis_outlog_new(path, 0, NULL, NULL);
    CHECK(precis_outlog_next_seq(log) == 116 + PRECIS_OUTLOG_RESERVE,
          "after a crash and a deleted log the numbering went on at %llu",
          (unsigned long long)precis_outlog_next_seq(log));
    free(crashed);

    /* A crash and a reboot: unsynced records may be gone, skip the reserved. */
    uint64_t next = precis_outlog_next_seq(log);
    crashed = read_text(state_path);
    append_n(log, 3);
    precis_outlog_destroy(&log);
    write_text(state_path, crashed, "boot another-boot\n");
    log = precis_outlog_new(path, 0, NULL, NULL);
    CHECK(precis_outlog_next_seq(log) == next + PRECIS_OUTLOG_RESERVE,
          "after a reboot the numbering went on at %llu",
          (unsigned long long)precis_outlog_next_seq(log));
    free(crashed);
    CHECK(strcmp(precis_outlog_log_id(log), first_id) == 0, "the log_id changed");
    precis_outlog_destroy(&log);

    /* The state file lost: the log's own numbering and epoch. */
    unlink(state_path);
    log = precis_outlog_new(path, 0, NULL, NULL);
    CHECK(precis_outlog_next_seq(log) == next + 3 &&
              strcmp(precis_outlog_log_id(log), first_id) == 0,
          "without a state file: next %llu",
          (unsigned long long)precis_outlog_next_seq(log));
    precis_outlog_destroy(&log);

    /* Both lost: numbering starts over, in a new epoch. */
    remove_segments(dir);
    unlink(state_path);
    log = precis_outlog_new(path, 0, NULL, NULL);
    CHECK(precis_outlog_next_seq(log) == 1 &&
              strcmp(precis_outlog_log_id(log), first_id) != 0,
          "a new log kept the old epoch or numbering");
    precis_outlog_destroy(&log);
    free(first_id);
    zstr_free(&state_path);
    return failures;
}

/* Reads "reserved N" from the state file; 0 when there is none. */
static uint64_t state_reserved(const char *state_path)
{
    char *text = read_text(state_path);
    const char *line = text ? strstr(text, "reserved ") : NULL;
    uint64_t reserved = line ? strtoull(line + 9, NULL, 10) : 0;
    free(text);
    return reserved;
}

/* The thread extends the reservation when half a block is used, before the
   appends reach it, and the state it wrote is what a restart after a
   crash numbers from: no number given before the crash comes back. */
static int test_state_thread(const char *dir, const char *path)
{
    int failures = 0;
    (void)dir;
    char *state_path = zsys_sprintf("%s.state", path);
    precis_outlog_t *log = precis_outlog_new(path, 0, NULL, NULL);
    CHECK(state_reserved(state_path) == 1 + PRECIS_OUTLOG_RESERVE,
          "a new log reserved up to %llu",
          (unsigned long long)state_reserved(state_path));
    append_n(log, PRECIS_OUTLOG_RESERVE / 2 + 10);
    state_collect(log, true);
    uint64_t reserved = state_reserved(state_path);
    CHECK(reserved == PRECIS_OUTLOG_RESERVE / 2 + 1 + PRECIS_OUTLOG_RESERVE &&
              log->reserved == reserved && log->state_stalls == 0,
          "half a block used: the state file reserves up to %llu, the log %llu, "
          "%llu stalls",
          (unsigned long long)reserved, (unsigned long long)log->reserved,
          (unsigned long long)log->state_stalls);
    /* Past several blocks, a crash in another boot: the numbering goes on
       after every number given, from the thread's last state. */
    append_n(log, 3 * PRECIS_OUTLOG_RESERVE);
    uint64_t given = precis_outlog_next_seq(log) - 1;
    state_collect(log, true);
    char *crashed = read_text(state_path);
    reserved = state_reserved(state_path);
    CHECK(reserved > given && reserved <= given + 1 + PRECIS_OUTLOG_RESERVE,
          "after %llu results the state file reserves up to %llu",
          (unsigned long long)given, (unsigned long long)reserved);
    precis_outlog_destroy(&log);
    write_text(state_path, crashed, "boot another-boot\n");
    free(crashed);
    tally_t t = {0};
    log = precis_outlog_new(path, 0, tally, &t);
    CHECK(t.count == given && !t.bad && t.gaps == 0 &&
              precis_outlog_next_seq(log) == reserved,
          "after a crash: %llu records kept, numbering goes on at %llu, not %llu",
          (unsigned long long)t.count, (unsigned long long)precis_outlog_next_seq(log),
          (unsigned long long)reserved);
    precis_outlog_destroy(&log);
    zstr_free(&state_path);
    return failures;
}

/* A failed append (here: the file size limit, as ENOSPC would) leaves no
   part of the record and does not use its number. */
static int test_failed_append(const char *dir, const char *path)
{
    int failures = 0;
    precis_outlog_t *log = precis_outlog_new(path, 0, NULL, NULL);
    append_n(log, 10);
    uint64_t before = file_size(path);
    void (*handler)(int) = signal(SIGXFSZ, SIG_IGN);
    struct rlimit old_limit, limit;
    getrlimit(RLIMIT_FSIZE, &old_limit);
    limit = old_limit;
    int errors[2] = {0, 0}, rcs[2];
    for (int i = 0; i < 2; i++) {
        /* Room for part of the record, then for none of it. */
        limit.rlim_cur = before + (i == 0 ? 20 : 0);
        setrlimit(RLIMIT_FSIZE, &limit);
        rcs[i] = precis_outlog_append(log, "summary.en", "body-11", 7);
        errors[i] = errno;
        setrlimit(RLIMIT_FSIZE, &old_limit);
    }
    signal(SIGXFSZ, handler);
    CHECK(rcs[0] == -1 && rcs[1] == -1 && errors[0] != 0 && errors[1] == EFBIG &&
              file_size(path) == before && precis_outlog_next_seq(log) == 11,
          "a failed append: %d %d (%s), %llu bytes, next %llu", rcs[0], rcs[1],
          strerror(errors[0]), (unsigned long long)file_size(path),
          (unsigned long long)precis_outlog_next_seq(log));
    append_n(log, 5);
    precis_outlog_destroy(&log);
    tally_t t = {0};
    log = precis_outlog_new(path, 0, tally, &t);
    precis_outlog_damage_t damage = precis_outlog_damage(log);
    CHECK(t.count == 15 && t.last == 15 && !t.gaps && !t.bad && !damage.regions &&
              !damage.torn,
          "after failed appends: %llu records to %llu, %llu gaps",
          (unsigned long long)t.count, (unsigned long long)t.last,
          (unsigned long long)t.gaps);
    precis_outlog_destroy(&log);
    (void)dir;
    return failures;
}

/* Appends bodies from..to (body-N for seq N) as one batch, with a record
   whose topic is too long at bad (0: none); returns how many were appended. */
static size_t append_batch(precis_outlog_t *log, int from, int to, int bad)
{
    static char bodies[2000][16];
    precis_outlog_record_t records[2000];
    char long_topic[300];
    memset(long_topic, 'x', sizeof long_topic - 1);
    long_topic[sizeof long_topic - 1] = 0;
    size_t count = 0;
    for (int seq = from; seq <= to && count < 2000; seq++, count++) {
        snprintf(bodies[count], sizeof bodies[count], "body-%d", seq);
        records[count] = (precis_outlog_record_t){seq == bad ? long_topic : "summary.en",
                                                  bodies[count], strlen(bodies[count])};
    }
    return precis_outlog_append_batch(log, records, count);
}

/* A batch is appended as the records one by one would be: numbered in
   order across writes and segments; one that cannot be appended stops it,
   and neither it nor the rest are in the log or numbered. */
static int test_batch(const char *dir, const char *path)
{
    int failures = 0;
    (void)dir;
    /* 1,500 records (more than one write takes) in a budget of segments
       of about 4 KB: many segments, the oldest deleted. */
    precis_outlog_t *log = precis_outlog_new(path, 32000, NULL, NULL);
    append_bodies(log, 1, 10);
    size_t appended = append_batch(log, 11, 1510, 0);
    uint64_t state[4] = {0, 0, 0, 0};
    uint64_t first = precis_outlog_first_seq(log);
    precis_outlog_read(log, first, 2000, count_records, state);
    CHECK(appended == 1500 && precis_outlog_next_seq(log) == 1511 && state[1] == 1510 &&
              state[2] == 0 && state[3] == first && precis_outlog_segments(log) > 2 &&
              precis_outlog_bytes(log) <= 32000,
          "a batch of 1500: appended %zu, next %llu, last read %llu, bad %llu, %zu "
          "segments",
          appended, (unsigned long long)precis_outlog_next_seq(log),
          (unsigned long long)state[1], (unsigned long long)state[2],
          precis_outlog_segments(log));
    /* A record that cannot be appended in the middle: the ones before it are
       in, it and the rest are not, and the next append takes its number. */
    appended = append_batch(log, 1511, 1530, 1521);
    CHECK(appended == 10 && errno == EINVAL && precis_outlog_next_seq(log) == 1521,
          "a batch with a bad record at 11: appended %zu, next %llu", appended,
          (unsigned long long)precis_outlog_next_seq(log));
    append_bodies(log, 1521, 1525);
    precis_outlog_destroy(&log);
    /* All of it read back after a reopen, gap-free. */
    log = precis_outlog_new(path, 32000, NULL, NULL);
    memset(state, 0, sizeof state);
    first = precis_outlog_first_seq(log);
    precis_outlog_read(log, first, 2000, count_records, state);
    CHECK(state[1] == 1525 && state[2] == 0 && state[0] == 1525 - first + 1 &&
              precis_outlog_next_seq(log) == 1526,
          "after a reopen: read %llu records to %llu, bad %llu",
          (unsigned long long)state[0], (unsigned long long)state[1],
          (unsigned long long)state[2]);
    precis_outlog_destroy(&log);
    return failures;
}

int precis_outlog_test(bool verbose)
{
    int failures = 0;
    /* The standard check value, by both ways, in one piece and in parts. */
    CHECK(crc32c(0, "123456789", 9) == 0xE3069283u &&
              crc32c_table(0, "123456789", 9) == 0xE3069283u &&
              crc32c(crc32c(0, "1234", 4), "56789", 5) == 0xE3069283u &&
              crc32c_table(crc32c_table(0, "12345678", 8), "9", 1) == 0xE3069283u,
          "CRC32C of 123456789 is %08x, not e3069283", crc32c(0, "123456789", 9));
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
    if (write(fd, TORN_RECORD, sizeof TORN_RECORD - 1) != sizeof TORN_RECORD - 1)
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
    if (write(fd, TORN_RECORD, sizeof TORN_RECORD - 1) != sizeof TORN_RECORD - 1)
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
    failures += test_old_layout(dir, path);
    remove_all(dir);
    failures += test_damage(dir, path);
    remove_all(dir);
    failures += test_state(dir, path);
    remove_all(dir);
    failures += test_state_thread(dir, path);
    remove_all(dir);
    failures += test_failed_append(dir, path);
    remove_all(dir);
    failures += test_random_damage(dir, path);
    remove_all(dir);
    failures += test_batch(dir, path);
    remove_all(dir);
    rmdir(dir);
    zstr_free(&path);
    return failures;
}
