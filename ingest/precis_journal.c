/*  precis_journal - ingest's write-ahead journal of accepted articles. */
#include "precis_journal.h"
#include "precis_config.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <czmq.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio_ext.h>
#include <sys/resource.h>
#include <unistd.h>

#define JOURNAL_NAME "journal"
#define HEADER_SIZE  13
/* Rewrite once the file holds this many records per live article... */
#define COMPACT_RATIO 4
/* ...and is bigger than this, so that small journals are left alone. At
   10,000 articles/s of 2 KB the journal grows 20 MB/s: with 64 MB a
   compaction runs every few seconds rather than ten times a second, and
   recovery still reads the file in well under a second. */
#define COMPACT_MIN_BYTES (64u << 20)

struct _precis_journal_t {
    char *dir;
    char *path;
    char *temp; /* where compaction writes the new file */
    int dir_fd; /* to sync a rename; -1 when the directory cannot be opened */
    FILE *file;
    uint64_t size;    /* bytes in the file */
    uint64_t records; /* records in the file */
    /* The file as of the last flush that worked: after a failed write the
       file is cut back to it, so that no torn record is left in the middle
       for later records to hide behind (recovery stops at a torn record). */
    uint64_t good_size, good_records, next_good_size, next_good_records;
    int failed; /* errno of a write that failed since that flush; 0: none */
    /* A compaction in steps: the new file, written along with the old one
       until it has replaced it durably; renamed once it is at path. */
    FILE *next;
    uint64_t next_size, next_records;
    bool renamed;
};

static uint32_t checksum(const void *key, size_t key_len, const void *data, size_t size)
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
    /* Articles are the users' data: 0600 unless --group-readable. */
    int fd = precis_data_file_open(self->path, O_RDWR | O_APPEND);
    self->file = fd >= 0 ? fdopen(fd, "a+b") : NULL;
    if (!self->file && fd >= 0)
        close(fd);
    if (!self->file) {
        zsys_error("journal: cannot open %s: %s", self->path, strerror(errno));
        precis_journal_destroy(&self);
        return NULL;
    }
    fseeko(self->file, 0, SEEK_END);
    self->size = self->good_size = (uint64_t)ftello(self->file);
    return self;
}

void precis_journal_destroy(precis_journal_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    precis_journal_t *self = *self_p;
    if (self->next) {
        /* Once renamed, the new file is the journal: finish the job. */
        if (self->renamed && precis_journal_sync(self) == 0 && self->dir_fd >= 0)
            fsync(self->dir_fd);
        precis_journal_compact_end(self);
    }
    if (self->file) {
        precis_journal_sync(self);
        fclose(self->file);
    }
    if (self->dir_fd >= 0)
        close(self->dir_fd);
    free(self->dir);
    zstr_free(&self->path);
    zstr_free(&self->temp);
    free(self);
    *self_p = NULL;
}

static int write_record(FILE *file, char kind, const char *key, const void *data,
                        size_t size)
{
    size_t key_len = strlen(key);
    unsigned char header[HEADER_SIZE];
    header[0] = (unsigned char)kind;
    put_u32(header + 1, (uint32_t)key_len);
    put_u32(header + 5, (uint32_t)size);
    put_u32(header + 9, checksum(key, key_len, data, size));
    if (fwrite(header, 1, HEADER_SIZE, file) != HEADER_SIZE ||
        fwrite(key, 1, key_len, file) != key_len ||
        (size && fwrite(data, 1, size, file) != size))
        return -1;
    return 0;
}

/* Appends a record to the file, and to the new one during a compaction. */
static int append(precis_journal_t *self, char kind, const char *key, const void *data,
                  size_t size)
{
    /* Nothing goes after a failed write until the flush has cut it off. */
    if (self->failed || write_record(self->file, kind, key, data, size) != 0) {
        if (!self->failed)
            self->failed = errno ? errno : EIO;
        return -1;
    }
    self->size += HEADER_SIZE + strlen(key) + size;
    self->records++;
    if (self->next) {
        if (write_record(self->next, kind, key, data, size) != 0) {
            self->failed = errno ? errno : EIO;
            return -1;
        }
        self->next_size += HEADER_SIZE + strlen(key) + size;
        self->next_records++;
    }
    return 0;
}

int precis_journal_append(precis_journal_t *self, const char *key, const void *data,
                          size_t size)
{
    return append(self, 'A', key, data, size);
}

int precis_journal_done(precis_journal_t *self, const char *key)
{
    return append(self, 'D', key, NULL, 0);
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

/* Cuts file back to size bytes: what its buffer holds is dropped. */
static void cut_back(FILE *file, uint64_t size, const char *path)
{
    __fpurge(file);
    clearerr(file);
    if (ftruncate(fileno(file), (off_t)size) != 0 || fseeko(file, 0, SEEK_END) != 0)
        zsys_error("journal: cannot cut %s back after a failed write: %s", path,
                   strerror(errno));
}

int precis_journal_flush(precis_journal_t *self)
{
    if (!self->failed && fflush(self->file) == 0 &&
        (!self->next || fflush(self->next) == 0)) {
        self->good_size = self->size;
        self->good_records = self->records;
        self->next_good_size = self->next_size;
        self->next_good_records = self->next_records;
        return 0;
    }
    int error = self->failed ? self->failed : errno ? errno : EIO;
    zsys_error("journal: cannot write %s: %s; the records since the last flush are "
               "dropped from it",
               self->path, strerror(error));
    cut_back(self->file, self->good_size, self->path);
    self->size = self->good_size;
    self->records = self->good_records;
    if (self->next) {
        cut_back(self->next, self->next_good_size, self->temp);
        self->next_size = self->next_good_size;
        self->next_records = self->next_good_records;
    }
    self->failed = 0;
    errno = error;
    return -1;
}

int precis_journal_fds(precis_journal_t *self, int fds[2])
{
    fds[0] = fileno(self->file);
    if (!self->next)
        return 1;
    fds[1] = fileno(self->next);
    return 2;
}

/* One record read back: kind, key (NUL-terminated), data. */
typedef struct {
    char kind;
    char *key;
    void *data;
    size_t size;
} record_t;

/* Reads the next record; 1 when one was read, 0 at a clean end, -1 at a
   torn or corrupt tail. */
static int read_record(FILE *file, record_t *record)
{
    unsigned char header[HEADER_SIZE];
    size_t got = fread(header, 1, HEADER_SIZE, file);
    if (got == 0)
        return 0;
    if (got != HEADER_SIZE || (header[0] != 'A' && header[0] != 'D'))
        return -1;
    uint32_t key_len = get_u32(header + 1), size = get_u32(header + 5);
    if (key_len == 0 || key_len > 1024 || size > (64u << 20))
        return -1;
    record->kind = (char)header[0];
    record->key = malloc(key_len + 1);
    record->data = malloc(size + 1);
    assert(record->key && record->data);
    if (fread(record->key, 1, key_len, file) != key_len ||
        fread(record->data, 1, size, file) != size ||
        checksum(record->key, key_len, record->data, size) != get_u32(header + 9)) {
        free(record->key);
        free(record->data);
        return -1;
    }
    record->key[key_len] = 0;
    record->size = size;
    return 1;
}

long precis_journal_recover(precis_journal_t *self, precis_journal_fn *fn, void *arg)
{
    /* Articles in order of acceptance; done records remove them. */
    zhashx_t *live = zhashx_new();
    zlistx_t *order = zlistx_new();
    fseeko(self->file, 0, SEEK_SET);
    record_t record;
    int rc;
    off_t good_end = 0;
    uint64_t records = 0;
    while ((rc = read_record(self->file, &record)) == 1) {
        good_end = ftello(self->file);
        records++;
        if (record.kind == 'A') {
            zchunk_t *chunk = zchunk_new(record.data, record.size);
            zhashx_update(live, record.key, chunk);
            zlistx_add_end(order, strdup(record.key));
        } else {
            zchunk_t *chunk = zhashx_lookup(live, record.key);
            zchunk_destroy(&chunk);
            zhashx_delete(live, record.key);
        }
        free(record.key);
        free(record.data);
    }
    if (rc == -1) {
        zsys_warning("journal: cutting a torn record at byte %lld of %s",
                     (long long)good_end, self->path);
        if (ftruncate(fileno(self->file), good_end) != 0)
            zsys_error("journal: cannot truncate %s: %s", self->path, strerror(errno));
    }
    long recovered = 0;
    for (char *key = zlistx_first(order); key; key = zlistx_next(order)) {
        zchunk_t *chunk = zhashx_lookup(live, key);
        if (chunk) {
            fn(arg, key, zchunk_data(chunk), zchunk_size(chunk));
            zchunk_destroy(&chunk);
            zhashx_delete(live, key); /* a key is recovered once */
            recovered++;
        }
        free(key);
    }
    zlistx_destroy(&order);
    zhashx_destroy(&live);
    fseeko(self->file, 0, SEEK_END);
    self->size = self->good_size = (uint64_t)good_end;
    self->records = self->good_records = records;
    return recovered;
}

bool precis_journal_wants_compaction(precis_journal_t *self, size_t live_count)
{
    return !self->next && self->size > COMPACT_MIN_BYTES &&
           self->records > COMPACT_RATIO * (live_count + 1);
}

int precis_journal_compact_begin(precis_journal_t *self,
                                 int (*next)(void *arg, const char **key,
                                             const void **data, size_t *size),
                                 void *arg)
{
    if (self->next)
        return -1;
    int fd = precis_data_file_open(self->temp, O_WRONLY | O_TRUNC);
    FILE *file = fd >= 0 ? fdopen(fd, "wb") : NULL;
    if (!file && fd >= 0)
        close(fd);
    uint64_t size = 0, records = 0;
    if (!file)
        goto failed;
    const char *key;
    const void *data;
    size_t data_size;
    while (next(arg, &key, &data, &data_size) == 0) {
        if (write_record(file, 'A', key, data, data_size) != 0)
            goto failed;
        size += HEADER_SIZE + strlen(key) + data_size;
        records++;
    }
    if (fflush(file) != 0)
        goto failed;
    self->next = file;
    self->next_size = self->next_good_size = size;
    self->next_records = self->next_good_records = records;
    self->renamed = false;
    return 0;
failed:
    zsys_error("journal: cannot write %s: %s", self->temp, strerror(errno));
    if (file) {
        fclose(file);
        unlink(self->temp);
    }
    return -1;
}

int precis_journal_compact_fd(precis_journal_t *self)
{
    return self->next ? fileno(self->next) : -1;
}

int precis_journal_compact_rename(precis_journal_t *self)
{
    if (!self->next || self->renamed)
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
    if (!self->next)
        return;
    if (!self->renamed) {
        /* Given up: the old file never stopped being the journal. */
        fclose(self->next);
        unlink(self->temp);
    } else {
        fclose(self->file);
        self->file = self->next;
        self->size = self->next_size;
        self->records = self->next_records;
        self->good_size = self->next_good_size;
        self->good_records = self->next_good_records;
    }
    self->next = NULL;
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
    if (fdatasync(fileno(self->next)) != 0) {
        zsys_error("journal: cannot sync %s: %s", self->temp, strerror(errno));
        rc = -1;
    } else if (precis_journal_compact_rename(self) != 0)
        rc = -1;
    else if (self->dir_fd >= 0)
        fsync(self->dir_fd); /* the rename is durable once the directory is */
    precis_journal_compact_end(self);
    return rc;
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
   in for a full disk): the flush reports it and cuts the torn record off,
   so a record written once the disk has room again is recovered too. */
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
    precis_journal_append(journal, "f2", big, sizeof big);
    int appended_after = precis_journal_append(journal, "f3", "after", 5);
    int flushed = precis_journal_flush(journal);
    setrlimit(RLIMIT_FSIZE, &saved);
    signal(SIGXFSZ, saved_handler);
    if (flushed != -1 || appended_after != -1) {
        fprintf(stderr, "journal test: a failed write went unreported\n");
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

int precis_journal_test(bool verbose)
{
    int failures = 0;
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
    zstr_free(&temp);
    unlink(path);
    zstr_free(&path);
    rmdir(dir);
    return failures;
}
