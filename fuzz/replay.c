/*  replay - runs a fuzz target's LLVMFuzzerTestOneInput over files, without
    libFuzzer, so that any compiler and sanitizer can replay a corpus.

    Usage: fuzz_<target>_replay PATH...
    Each PATH is a file or a directory; a directory stands for the regular
    files in it (sorted by name, dot files skipped, not recursive). Each input
    is read into a buffer of exactly its size, as libFuzzer does, so that a
    read past the end shows under AddressSanitizer. A failed invariant aborts
    in the target; a clean run exits 0 and says how many inputs it ran.
*/
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t s_inputs;

/* Runs the target on one file; returns -1 when the file cannot be read. */
static int replay_file(const char *path)
{
    FILE *file = fopen(path, "rb");
    if (!file) {
        perror(path);
        return -1;
    }
    size_t cap = 4096, size = 0;
    uint8_t *data = malloc(cap);
    if (!data)
        abort();
    size_t got;
    while ((got = fread(data + size, 1, cap - size, file)) > 0) {
        size += got;
        if (size == cap) {
            cap *= 2;
            data = realloc(data, cap);
            if (!data)
                abort();
        }
    }
    int failed = ferror(file);
    fclose(file);
    if (failed) {
        perror(path);
        free(data);
        return -1;
    }
    /* Exactly size bytes (one for an empty input), so overreads are caught. */
    uint8_t *exact = malloc(size ? size : 1);
    if (!exact)
        abort();
    memcpy(exact, data, size);
    free(data);
    fprintf(stderr, "replay: %s (%zu bytes)\n", path, size);
    LLVMFuzzerTestOneInput(exact, size);
    free(exact);
    s_inputs++;
    return 0;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int replay_directory(const char *path)
{
    DIR *dir = opendir(path);
    if (!dir) {
        perror(path);
        return -1;
    }
    char **names = NULL;
    size_t count = 0;
    struct dirent *entry;
    while ((entry = readdir(dir))) {
        if (entry->d_name[0] == '.')
            continue;
        names = realloc(names, (count + 1) * sizeof *names);
        if (!names)
            abort();
        size_t len = strlen(path) + 1 + strlen(entry->d_name) + 1;
        names[count] = malloc(len);
        if (!names[count])
            abort();
        snprintf(names[count], len, "%s/%s", path, entry->d_name);
        count++;
    }
    closedir(dir);
    if (count)
        qsort(names, count, sizeof *names, compare_names);
    int rc = 0;
    for (size_t i = 0; i < count; i++) {
        struct stat info;
        if (stat(names[i], &info) == 0 && S_ISREG(info.st_mode) &&
            replay_file(names[i]) != 0)
            rc = -1;
        free(names[i]);
    }
    free(names);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE-OR-DIRECTORY...\n", argv[0]);
        return 2;
    }
    int rc = 0;
    for (int i = 1; i < argc; i++) {
        struct stat info;
        if (stat(argv[i], &info) != 0) {
            perror(argv[i]);
            rc = 1;
        } else if (S_ISDIR(info.st_mode) ? replay_directory(argv[i]) != 0
                                         : replay_file(argv[i]) != 0)
            rc = 1;
    }
    if (rc)
        fprintf(stderr, "replay: %zu inputs ran, some paths could not be read\n",
                s_inputs);
    else
        printf("replay: %zu inputs, no failure\n", s_inputs);
    return rc;
}
