/*  precis_journal - ingest's write-ahead journal of accepted articles. */
#include "precis_journal.h"
#include <czmq.h>
#include <fcntl.h>
#include <unistd.h>

#define JOURNAL_NAME "journal"
#define HEADER_SIZE  13
/* Rewrite once the file holds this many records per live article... */
#define COMPACT_RATIO 4
/* ...and is bigger than this, so that small journals are left alone. */
#define COMPACT_MIN_BYTES (1u << 20)

struct _precis_journal_t {
    char *dir;
    char *path;
    FILE *file;
    uint64_t size;    /* bytes in the file */
    uint64_t records; /* records in the file */
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
    self->file = fopen(self->path, "a+b");
    if (!self->file) {
        zsys_error("journal: cannot open %s: %s", self->path, strerror(errno));
        precis_journal_destroy(&self);
        return NULL;
    }
    fseeko(self->file, 0, SEEK_END);
    self->size = (uint64_t)ftello(self->file);
    return self;
}

void precis_journal_destroy(precis_journal_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    precis_journal_t *self = *self_p;
    if (self->file) {
        precis_journal_sync(self);
        fclose(self->file);
    }
    free(self->dir);
    zstr_free(&self->path);
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

int precis_journal_append(precis_journal_t *self, const char *key, const void *data,
                          size_t size)
{
    if (write_record(self->file, 'A', key, data, size) != 0)
        return -1;
    self->size += HEADER_SIZE + strlen(key) + size;
    self->records++;
    return 0;
}

int precis_journal_done(precis_journal_t *self, const char *key)
{
    if (write_record(self->file, 'D', key, NULL, 0) != 0)
        return -1;
    self->size += HEADER_SIZE + strlen(key);
    self->records++;
    return 0;
}

int precis_journal_sync(precis_journal_t *self)
{
    if (fflush(self->file) != 0 || fdatasync(fileno(self->file)) != 0) {
        zsys_error("journal: cannot sync %s: %s", self->path, strerror(errno));
        return -1;
    }
    return 0;
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
    self->size = (uint64_t)good_end;
    self->records = records;
    return recovered;
}

bool precis_journal_wants_compaction(precis_journal_t *self, size_t live_count)
{
    return self->size > COMPACT_MIN_BYTES &&
           self->records > COMPACT_RATIO * (live_count + 1);
}

int precis_journal_compact(precis_journal_t *self,
                           int (*next)(void *arg, const char **key, const void **data,
                                       size_t *size),
                           void *arg)
{
    char *temp = zsys_sprintf("%s.new", self->path);
    FILE *file = fopen(temp, "wb");
    int rc = -1;
    uint64_t size = 0, records = 0;
    if (!file)
        goto done;
    const char *key;
    const void *data;
    size_t data_size;
    while (next(arg, &key, &data, &data_size) == 0) {
        if (write_record(file, 'A', key, data, data_size) != 0)
            goto done;
        size += HEADER_SIZE + strlen(key) + data_size;
        records++;
    }
    if (fflush(file) != 0 || fdatasync(fileno(file)) != 0 ||
        rename(temp, self->path) != 0)
        goto done;
    /* The rename is durable once the directory is synced. */
    int dir_fd = open(self->dir, O_RDONLY | O_DIRECTORY);
    if (dir_fd >= 0) {
        fsync(dir_fd);
        close(dir_fd);
    }
    fclose(self->file);
    self->file = file;
    file = NULL;
    self->size = size;
    self->records = records;
    rc = 0;
done:
    if (rc != 0)
        zsys_error("journal: compaction of %s failed: %s", self->path, strerror(errno));
    if (file) {
        fclose(file);
        unlink(temp);
    }
    zstr_free(&temp);
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

int precis_journal_test(bool verbose)
{
    int failures = 0;
    char dir[] = "/tmp/precis-journal-test-XXXXXX";
    assert(mkdtemp(dir));
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
    unlink(path);
    zstr_free(&path);
    rmdir(dir);
    return failures;
}
