/*  precis_jsonl_start - where the sink's --jsonl file began (see the header). */
#include "precis_jsonl_start.h"
#include "precis_config.h"
#include <czmq.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define START_HEADER "precis jsonl start 1\n"

bool precis_jsonl_start_load(const char *path, precis_jsonl_start_t *start)
{
    memset(start, 0, sizeof *start);
    FILE *file = fopen(path, "r");
    if (!file)
        return false;
    char header[64] = "", log_id[PRECIS_LOG_ID_SIZE + 1] = "";
    unsigned long long device, inode, after;
    int written;
    bool ok = fgets(header, sizeof header, file) && strcmp(header, START_HEADER) == 0 &&
              fscanf(file, "device %llu inode %llu after %llu written %d log_id %16s",
                     &device, &inode, &after, &written, log_id) == 5;
    fclose(file);
    if (!ok)
        return false;
    start->device = device;
    start->inode = inode;
    start->after = after;
    start->written = written != 0;
    snprintf(start->log_id, sizeof start->log_id, "%s", log_id);
    return true;
}

int precis_jsonl_start_save(const char *path, const precis_jsonl_start_t *start)
{
    char *temp = zsys_sprintf("%s.tmp", path);
    char *text =
        zsys_sprintf(START_HEADER "device %llu inode %llu after %llu "
                                  "written %d log_id %s\n",
                     (unsigned long long)start->device, (unsigned long long)start->inode,
                     (unsigned long long)start->after, start->written ? 1 : 0,
                     start->log_id[0] ? start->log_id : "-");
    int rc = -1, saved = 0;
    int fd = precis_data_file_open(temp, O_WRONLY | O_TRUNC);
    if (fd >= 0) {
        ssize_t len = (ssize_t)strlen(text);
        errno = 0;
        if (write(fd, text, (size_t)len) == len && fsync(fd) == 0 &&
            rename(temp, path) == 0)
            rc = 0;
        else if (errno == 0)
            errno = ENOSPC; /* a short write */
        saved = errno;
        close(fd);
    } else
        saved = errno;
    if (rc != 0)
        unlink(temp);
    zstr_free(&temp);
    zstr_free(&text);
    errno = saved;
    return rc;
}

bool precis_jsonl_start_is_unwritten(const precis_jsonl_start_t *start, uint64_t device,
                                     uint64_t inode, const char *log_id)
{
    return !start->written && start->device == device && start->inode == inode &&
           strcmp(start->log_id, log_id) == 0;
}

int precis_jsonl_start_test(bool verbose)
{
    if (verbose)
        printf(" * precis_jsonl_start: ");
    int failures = 0;
#define CHECK(cond)                                                                      \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            fprintf(stderr, "jsonl_start test failed: %s (line %d)\n", #cond, __LINE__); \
            failures++;                                                                  \
        }                                                                                \
    } while (0)
    char dir[] = "/tmp/precis-jsonl-start-XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    char *path = zsys_sprintf("%s/output.log.jsonl-start", dir);
    precis_jsonl_start_t start, back;

    /* Missing or foreign: not loaded, and zeroed. */
    memset(&back, 0x5a, sizeof back);
    CHECK(!precis_jsonl_start_load(path, &back));
    CHECK(back.after == 0 && !back.written && !back.log_id[0]);
    FILE *file = fopen(path, "w");
    CHECK(file);
    if (!file)
        return 1;
    fputs("precis output log state 1\nnext 5\n", file);
    fclose(file);
    CHECK(!precis_jsonl_start_load(path, &back));

    /* Round trip, over the old file. */
    start = (precis_jsonl_start_t){.device = 2049, .inode = 1234567, .after = 60};
    snprintf(start.log_id, sizeof start.log_id, "0123456789abcdef");
    CHECK(precis_jsonl_start_save(path, &start) == 0);
    CHECK(precis_jsonl_start_load(path, &back));
    CHECK(back.device == 2049 && back.inode == 1234567 && back.after == 60);
    CHECK(!back.written && strcmp(back.log_id, "0123456789abcdef") == 0);

    /* Only the same file of the same log, never written to, is caught up. */
    CHECK(precis_jsonl_start_is_unwritten(&back, 2049, 1234567, "0123456789abcdef"));
    CHECK(!precis_jsonl_start_is_unwritten(&back, 2049, 1234568, "0123456789abcdef"));
    CHECK(!precis_jsonl_start_is_unwritten(&back, 2050, 1234567, "0123456789abcdef"));
    CHECK(!precis_jsonl_start_is_unwritten(&back, 2049, 1234567, "fedcba9876543210"));
    start.written = true;
    CHECK(precis_jsonl_start_save(path, &start) == 0);
    CHECK(precis_jsonl_start_load(path, &back) && back.written);
    /* A truncated file (copytruncate) or a reused inode is a new file. */
    CHECK(!precis_jsonl_start_is_unwritten(&back, 2049, 1234567, "0123456789abcdef"));

    /* A save into a missing directory fails and leaves nothing. */
    char *bad = zsys_sprintf("%s/no/such.jsonl-start", dir);
    CHECK(precis_jsonl_start_save(bad, &start) == -1 && errno == ENOENT);
    zstr_free(&bad);

    unlink(path);
    zstr_free(&path);
    CHECK(rmdir(dir) == 0);
    if (verbose)
        printf(failures ? "FAILED\n" : "OK\n");
    return failures ? 1 : 0;
#undef CHECK
}
