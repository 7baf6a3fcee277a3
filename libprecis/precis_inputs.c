/*  precis_inputs - files to read articles from, directories expanded. */
#include "precis_inputs.h"
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *article_extensions[] = {".txt",  ".html", ".htm", ".jsonl",
                                           ".json", ".xml",  ".rss", ".atom"};

bool precis_inputs_has_extension(const char *path, const char *extension)
{
    size_t len = strlen(path), n = strlen(extension);
    return len > n && strcasecmp(path + len - n, extension) == 0;
}

bool precis_inputs_is_article_name(const char *path)
{
    for (size_t i = 0; i < sizeof article_extensions / sizeof article_extensions[0]; i++)
        if (precis_inputs_has_extension(path, article_extensions[i]))
            return true;
    return false;
}

bool precis_inputs_is_jsonl_name(const char *path)
{
    return precis_inputs_has_extension(path, ".jsonl") ||
           precis_inputs_has_extension(path, ".json");
}

static bool is_directory(const char *path)
{
    struct stat info;
    return strcmp(path, "-") != 0 && stat(path, &info) == 0 && S_ISDIR(info.st_mode);
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds path, or the article files under it (sorted, depth first). */
static void add_path(zlistx_t *paths, const char *path, bool named)
{
    if (!is_directory(path)) {
        if (named || precis_inputs_is_article_name(path))
            zlistx_add_end(paths, strdup(path));
        return;
    }
    DIR *dir = opendir(path);
    if (!dir) {
        zlistx_add_end(paths, strdup(path)); /* reported when opened */
        return;
    }
    size_t count = 0, capacity = 16;
    char **names = malloc(capacity * sizeof *names);
    struct dirent *entry;
    while (names && (entry = readdir(dir))) {
        if (entry->d_name[0] == '.')
            continue;
        if (count == capacity) {
            char **grown = realloc(names, 2 * capacity * sizeof *names);
            if (!grown)
                break;
            names = grown;
            capacity *= 2;
        }
        size_t len = strlen(path);
        while (len > 1 && path[len - 1] == '/')
            len--; /* "samples/" gives samples/a.txt, not samples//a.txt */
        names[count++] = zsys_sprintf("%.*s/%s", (int)len, path, entry->d_name);
    }
    closedir(dir);
    if (!names)
        return;
    qsort(names, count, sizeof *names, compare_names);
    for (size_t i = 0; i < count; i++) {
        add_path(paths, names[i], false);
        zstr_free(&names[i]);
    }
    free(names);
}

zlistx_t *precis_inputs_new(int count, char **paths)
{
    zlistx_t *list = zlistx_new();
    if (!list)
        return NULL;
    zlistx_set_destructor(list, (zlistx_destructor_fn *)zstr_free);
    for (int i = 0; i < count; i++)
        add_path(list, paths[i], true);
    if (count == 0)
        zlistx_add_end(list, strdup("-"));
    return list;
}

/* The length of argument without its trailing slashes (add_path's). */
static size_t trimmed_length(const char *argument)
{
    size_t len = strlen(argument);
    while (len > 1 && argument[len - 1] == '/')
        len--;
    return len;
}

char *precis_inputs_name(const char *path, int count, char **arguments)
{
    const char *name = path;
    bool found = false;
    for (int i = 0; i < count && !found; i++)
        found = strcmp(arguments[i], path) == 0; /* given by name */
    for (int i = 0; i < count && !found; i++) {
        size_t len = trimmed_length(arguments[i]);
        if (strcmp(arguments[i], "-") != 0 && strncmp(path, arguments[i], len) == 0 &&
            path[len] == '/' && path[len + 1]) {
            name = path + len + 1; /* under a directory argument */
            found = true;
        }
    }
    while (name[0] == '.' && name[1] == '/' && name[2])
        name += 2;
    return strdup(name);
}

/* Self test: a directory with articles, a README and a subdirectory. */
int precis_inputs_test(bool verbose)
{
    int failures = 0;
    char dir[] = "/tmp/precis-inputs-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    const char *files[] = {"b.txt", "a.html", "README.md", "sub/c.jsonl", ".hidden.txt"};
    char *sub = zsys_sprintf("%s/sub", dir);
    mkdir(sub, 0700);
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char *path = zsys_sprintf("%s/%s", dir, files[i]);
        FILE *file = fopen(path, "w");
        if (file)
            fclose(file);
        zstr_free(&path);
    }
    char *notes = zsys_sprintf("%s/README.md", dir);
    char *args[] = {dir, notes, "-"};
    zlistx_t *list = precis_inputs_new(3, args);
    const char *expected[] = {"a.html", "b.txt", "sub/c.jsonl", "README.md", "-"};
    size_t n = 0;
    for (char *path = zlistx_first(list); path; path = zlistx_next(list), n++) {
        const char *tail = strcmp(path, "-") == 0 ? path : path + strlen(dir) + 1;
        if (n >= 5 || strcmp(tail, expected[n]) != 0) {
            fprintf(stderr, "inputs test: item %zu is %s\n", n, path);
            failures++;
        }
    }
    if (n != 5) {
        fprintf(stderr, "inputs test: %zu paths, expected 5\n", n);
        failures++;
    }
    /* Names: relative to the directory argument, or as given. */
    char *html = zsys_sprintf("%s/a.html", dir);
    char *sub_c = zsys_sprintf("%s/sub/c.jsonl", dir);
    char *slashed = zsys_sprintf("%s//", dir);
    char *given[] = {"./b.txt", slashed, "sub"};
    struct {
        const char *path, *name;
    } names[] = {{html, "a.html"},
                 {sub_c, "sub/c.jsonl"},
                 {"./b.txt", "b.txt"},
                 {"sub/c.jsonl", "c.jsonl"},
                 {"elsewhere/b.txt", "elsewhere/b.txt"},
                 {"-", "-"}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char *name = precis_inputs_name(names[i].path, 3, given);
        if (strcmp(name, names[i].name) != 0) {
            fprintf(stderr, "inputs test: %s is named %s, expected %s\n", names[i].path,
                    name, names[i].name);
            failures++;
        }
        zstr_free(&name);
    }
    zstr_free(&html);
    zstr_free(&sub_c);
    zstr_free(&slashed);
    zlistx_destroy(&list);
    list = precis_inputs_new(0, NULL);
    if (zlistx_size(list) != 1 || strcmp(zlistx_first(list), "-") != 0) {
        fprintf(stderr, "inputs test: no path is not stdin\n");
        failures++;
    }
    zlistx_destroy(&list);
    if (!precis_inputs_is_jsonl_name("x.JSONL") || precis_inputs_is_jsonl_name("x.txt") ||
        !precis_inputs_is_article_name("page.HTM")) {
        fprintf(stderr, "inputs test: names\n");
        failures++;
    }
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char *path = zsys_sprintf("%s/%s", dir, files[i]);
        unlink(path);
        zstr_free(&path);
    }
    rmdir(sub);
    rmdir(dir);
    zstr_free(&sub);
    zstr_free(&notes);
    if (verbose)
        printf(" * precis_inputs: %s\n", failures ? "FAILED" : "OK");
    return failures;
}
