/*  bench_data - the article sets and small helpers the benchmarks share.
    See bench_data.h.
*/
#define _GNU_SOURCE
#include "bench_data.h"
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <unistd.h>

double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void bench_sort_doubles(double *values, size_t count)
{
    qsort(values, count, sizeof *values, compare_doubles);
}

double bench_percentile(const double *sorted, size_t count, double p)
{
    if (!count)
        return NAN;
    size_t rank = (size_t)ceil(p * (double)count);
    if (rank < 1)
        rank = 1;
    return sorted[rank - 1];
}

int bench_data_test(bool verbose)
{
    int failures = 0;
    double values[] = {5, 1, 4, 2, 3};
    bench_sort_doubles(values, 5);
    for (int i = 0; i < 5; i++)
        failures += values[i] != i + 1;
    /* Nearest rank: p50 of 5 is the 3rd, p20 the 1st, p99 the 5th. */
    failures += bench_percentile(values, 5, 0.50) != 3;
    failures += bench_percentile(values, 5, 0.20) != 1;
    failures += bench_percentile(values, 5, 0.99) != 5;
    failures += !isnan(bench_percentile(values, 0, 0.5));
    if (failures || verbose)
        fprintf(stderr, "bench_data test: %d failure(s)\n", failures);
    return failures;
}

double bench_cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

long bench_page_faults(void)
{
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_minflt + usage.ru_majflt;
}

static int progress_shown = -1;

void bench_progress(const char *format, ...)
{
    if (progress_shown < 0)
        progress_shown = isatty(STDERR_FILENO) ? 0 : -2;
    if (progress_shown == -2)
        return;
    va_list args;
    va_start(args, format);
    fputs("\r\033[K", stderr);
    vfprintf(stderr, format, args);
    va_end(args);
    fflush(stderr);
    progress_shown = 1;
}

void bench_progress_done(void)
{
    if (progress_shown == 1) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
        progress_shown = 0;
    }
}

static void push_article(bench_set_t *set, size_t *capacity, const char *id,
                         const char *title, const char *text, size_t len)
{
    if (set->count == *capacity) {
        *capacity = *capacity ? *capacity * 2 : 256;
        set->items = realloc(set->items, *capacity * sizeof *set->items);
        if (!set->items) {
            perror("bench");
            exit(1);
        }
    }
    bench_article_t *article = &set->items[set->count++];
    article->id = strdup(id);
    article->title = strdup(title ? title : "");
    article->text = strndup(text, len);
    article->text_len = len;
    set->text_bytes += len;
}

/* Reads a JSON Lines file into set; returns the number of articles read. */
static long load_jsonl(bench_set_t *set, size_t *capacity, const char *path)
{
    FILE *file = fopen(path, "r");
    if (!file)
        return -1;
    char *line = NULL;
    size_t line_size = 0;
    long read = 0, number = 0;
    while (getline(&line, &line_size, file) > 0) {
        number++;
        json_error_t error;
        json_t *object = json_loads(line, 0, &error);
        const char *text =
            object ? json_string_value(json_object_get(object, "text")) : NULL;
        if (!text) {
            fprintf(stderr, "bench: %s:%ld: no \"text\", skipped\n", path, number);
            json_decref(object);
            continue;
        }
        const char *id = json_string_value(json_object_get(object, "id"));
        char fallback[32];
        if (!id) {
            snprintf(fallback, sizeof fallback, "line-%ld", number);
            id = fallback;
        }
        push_article(set, capacity, id,
                     json_string_value(json_object_get(object, "title")), text,
                     json_string_length(json_object_get(object, "text")));
        json_decref(object);
        read++;
    }
    free(line);
    fclose(file);
    return read;
}

/* A small deterministic generator (xorshift32). */
static uint32_t next_random(uint32_t *state)
{
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *state = x;
}

static const char *const words[] = {
    "council",   "minister",   "government", "report",    "city",        "police",
    "officials", "budget",     "plan",       "vote",      "election",    "company",
    "market",    "shares",     "prices",     "workers",   "union",       "strike",
    "hospital",  "patients",   "school",     "teachers",  "students",    "river",
    "flood",     "storm",      "residents",  "bridge",    "road",        "traffic",
    "railway",   "station",    "airport",    "court",     "judge",       "trial",
    "evidence",  "witness",    "statement",  "spokesman", "chairman",    "director",
    "investors", "profits",    "losses",     "quarter",   "growth",      "inflation",
    "interest",  "rates",      "bank",       "economy",   "exports",     "energy",
    "climate",   "emissions",  "project",    "funding",   "million",     "billion",
    "season",    "team",       "match",      "coach",     "players",     "league",
    "festival",  "museum",     "library",    "orchestra", "concert",     "audience",
    "research",  "scientists", "study",      "results",   "data",        "survey",
    "region",    "province",   "village",    "district",  "authorities", "agency",
    "the",       "the",        "the",        "a",         "of",          "of",
    "in",        "in",         "to",         "to",        "and",         "and",
    "on",        "for",        "with",       "after",     "before",      "from",
    "said",      "says",       "announced",  "approved",  "rejected",    "expects",
    "will",      "would",      "could",      "has",       "have",        "was",
    "new",       "local",      "national",   "regional",  "public",      "annual",
    "first",     "last",       "next",       "early",     "late",        "major",
};
#define WORD_COUNT (sizeof words / sizeof words[0])

char *bench_synthetic_text(size_t bytes, uint32_t seed, size_t *len_p)
{
    uint32_t state = seed * 2654435761u + 12345u;
    if (!state)
        state = 1;
    size_t capacity = bytes + 512, len = 0;
    char *text = malloc(capacity);
    int sentence_in_paragraph = 0;
    while (len < bytes) {
        size_t sentence_words = 10 + next_random(&state) % 16;
        for (size_t i = 0; i < sentence_words; i++) {
            const char *word = words[next_random(&state) % WORD_COUNT];
            size_t word_len = strlen(word);
            if (len + word_len + 8 >= capacity) {
                capacity *= 2;
                text = realloc(text, capacity);
            }
            if (i > 0)
                text[len++] = ' ';
            memcpy(text + len, word, word_len);
            if (i == 0)
                text[len] = (char)(text[len] - 'a' + 'A');
            len += word_len;
            if (i == sentence_words / 2 && next_random(&state) % 4 == 0)
                len += (size_t)sprintf(text + len, " %u", next_random(&state) % 1000);
        }
        text[len++] = '.';
        if (++sentence_in_paragraph >= 2 + (int)(next_random(&state) % 2)) {
            memcpy(text + len, "\n\n", 2);
            len += 2;
            sentence_in_paragraph = 0;
        } else
            text[len++] = ' ';
    }
    while (len > 0 && (text[len - 1] == ' ' || text[len - 1] == '\n'))
        len--;
    text[len] = '\0';
    *len_p = len;
    return text;
}

int bench_set_load(bench_set_t *set, const char *data_path, const char *samples_path,
                   size_t target)
{
    memset(set, 0, sizeof *set);
    size_t capacity = 0;
    if (data_path) {
        long read = load_jsonl(set, &capacity, data_path);
        if (read <= 0) {
            fprintf(stderr, "bench: no articles in %s\n", data_path);
            return -1;
        }
        const char *base = strrchr(data_path, '/');
        snprintf(set->description, sizeof set->description, "%s, %zu articles",
                 base ? base + 1 : data_path, set->count);
        return 0;
    }
    long read = samples_path ? load_jsonl(set, &capacity, samples_path) : -1;
    if (read > 0) {
        size_t originals = set->count;
        char id[64];
        for (size_t copy = 1; set->count < target; copy++)
            for (size_t i = 0; i < originals && set->count < target; i++) {
                snprintf(id, sizeof id, "%s-%zu", set->items[i].id, copy);
                push_article(set, &capacity, id, set->items[i].title, set->items[i].text,
                             set->items[i].text_len);
            }
        const char *base = strrchr(samples_path, '/');
        snprintf(set->description, sizeof set->description,
                 "%s (%zu) repeated to %zu articles", base ? base + 1 : samples_path,
                 originals, set->count);
        return 0;
    }
    for (size_t i = 0; i < target; i++) {
        char id[32], title[64];
        size_t len;
        char *text = bench_synthetic_text(1800 + (i * 7919) % 500, (uint32_t)i + 1, &len);
        snprintf(id, sizeof id, "synthetic-%zu", i);
        snprintf(title, sizeof title, "Synthetic article %zu", i);
        push_article(set, &capacity, id, title, text, len);
        free(text);
    }
    snprintf(set->description, sizeof set->description,
             "%zu synthetic articles (samples/articles.jsonl not found)", set->count);
    return 0;
}

void bench_set_free(bench_set_t *set)
{
    for (size_t i = 0; i < set->count; i++) {
        free(set->items[i].id);
        free(set->items[i].title);
        free(set->items[i].text);
    }
    free(set->items);
    memset(set, 0, sizeof *set);
}
