/*  langid_bench - accuracy and speed of language identification.

    Reads labelled texts, one JSON object a line: {"lang": "ru", "text": ...}
    (bench/langid writes them), identifies each with one method, and prints
    per-language accuracy and the speed (texts/s, MB/s, best of three
    rounds of at least --min-time seconds, one core) as key=value lines.

    langid_bench --method precis|cld2|cld2-sure|vote|textcat [--prefix BYTES]
                 [--min-time S] FILE.jsonl

    precis:  precis_lang_detect, what the summarizer uses (CLD2 where it is
             sure, the stop-word vote where not), codes of 2 letters or und;
    cld2:    CLD2 alone on the first --prefix bytes (default: all), its best
             guess even when unsure;
    cld2-sure: precis_langid: CLD2 on the first 2 KB, und when unsure;
    vote:    the stop-word vote alone;
    textcat: libexttextcat with the Debian fingerprints (only when built
             with it), the first candidate.
*/
#define _GNU_SOURCE
#include "bench_data.h"
#include "precis_cld2.h"
#include "precis_lang.h"
#include "precis_langid.h"
#include "precis_stopwords.h"
#include "precis_tokenizer.h"
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef PRECIS_HAVE_TEXTCAT
#include <libexttextcat/textcat.h>
#endif

typedef struct {
    char lang[8];
    char *text;
    size_t len;
} sample_t;

typedef struct {
    const char *method;
    size_t prefix;
    precis_lang_t *lang;
    precis_stopwords_t *stopwords;
    precis_tokenizer_t *tokenizer;
    void *textcat;
} detector_t;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static sample_t *load(const char *path, size_t *count_p)
{
    FILE *file = fopen(path, "r");
    if (!file) {
        perror(path);
        exit(1);
    }
    sample_t *samples = NULL;
    size_t count = 0, cap = 0;
    char *line = NULL;
    size_t line_cap = 0;
    while (getline(&line, &line_cap, file) > 0) {
        json_t *object = json_loads(line, 0, NULL);
        const char *lang = json_string_value(json_object_get(object, "lang"));
        const char *text = json_string_value(json_object_get(object, "text"));
        if (lang && text) {
            if (count == cap) {
                cap = cap ? cap * 2 : 256;
                samples = realloc(samples, cap * sizeof *samples);
            }
            snprintf(samples[count].lang, sizeof samples[count].lang, "%s", lang);
            samples[count].text = strdup(text);
            samples[count].len = strlen(text);
            count++;
        }
        json_decref(object);
    }
    free(line);
    fclose(file);
    *count_p = count;
    return samples;
}

/* The code the method gives text[0..len), in code[8]. */
static void identify(detector_t *detector, const char *text, size_t len, char *code)
{
    const char *method = detector->method;
    if (strcmp(method, "precis") == 0)
        precis_lang_detect(detector->lang, detector->stopwords, detector->tokenizer, text,
                           len, code);
    else if (strcmp(method, "cld2") == 0) {
        precis_cld2_result_t result;
        precis_cld2_detect(text, len < detector->prefix ? len : detector->prefix,
                           &result);
        precis_langid_code(result.code, code);
    } else if (strcmp(method, "cld2-sure") == 0) {
        precis_langid_t result;
        precis_langid_identify(text, len, &result);
        strcpy(code, result.code);
    } else if (strcmp(method, "vote") == 0) {
        strcpy(code,
               precis_lang_code(precis_lang_vote(detector->lang, detector->stopwords,
                                                 detector->tokenizer, text, len)));
    }
#ifdef PRECIS_HAVE_TEXTCAT
    else if (strcmp(method, "textcat") == 0) {
        /* "[ru--utf8][uk--utf8]", "SHORT" or "UNKNOWN": the first name's
           language subtag. */
        const char *answer = textcat_Classify(detector->textcat, text, len);
        if (answer && answer[0] == '[') {
            char cld2_like[16];
            snprintf(cld2_like, sizeof cld2_like, "%.*s", (int)strcspn(answer + 1, "-]"),
                     answer + 1);
            precis_langid_code(cld2_like, code);
        } else
            strcpy(code, "und");
    }
#endif
    else {
        fprintf(stderr, "langid_bench: unknown method %s\n", method);
        exit(2);
    }
}

typedef struct {
    char lang[8];
    size_t texts, correct;
    char wrong[64]; /* the first wrong answers */
} tally_t;

static void report(const sample_t *samples, size_t count, const char *answers)
{
    tally_t tallies[128];
    size_t languages = 0, correct = 0;
    for (size_t i = 0; i < count; i++) {
        size_t t = 0;
        while (t < languages && strcmp(tallies[t].lang, samples[i].lang) != 0)
            t++;
        if (t == languages) {
            if (languages == 128)
                continue;
            memset(&tallies[t], 0, sizeof tallies[t]);
            strcpy(tallies[t].lang, samples[i].lang);
            languages++;
        }
        const char *answer = answers + i * 8;
        tallies[t].texts++;
        if (strcmp(answer, samples[i].lang) == 0) {
            tallies[t].correct++;
            correct++;
        } else if (strlen(tallies[t].wrong) + strlen(answer) + 2 <
                   sizeof tallies[t].wrong) {
            strcat(tallies[t].wrong, answer);
            strcat(tallies[t].wrong, " ");
        }
    }
    for (size_t t = 0; t < languages; t++)
        printf("lang=%s texts=%zu correct=%zu accuracy=%.1f wrong=%s\n", tallies[t].lang,
               tallies[t].texts, tallies[t].correct,
               100.0 * tallies[t].correct / tallies[t].texts,
               tallies[t].wrong[0] ? tallies[t].wrong : "-");
    printf("total_texts=%zu total_correct=%zu total_accuracy=%.2f\n", count, correct,
           count ? 100.0 * correct / count : 0);
}

int main(int argc, char **argv)
{
    detector_t detector = {.method = "precis", .prefix = SIZE_MAX};
    double min_time = 0.5;
    static const struct option longs[] = {{"method", required_argument, NULL, 'm'},
                                          {"prefix", required_argument, NULL, 'p'},
                                          {"min-time", required_argument, NULL, 't'},
                                          {NULL, 0, NULL, 0}};
    int option;
    while ((option = getopt_long(argc, argv, "", longs, NULL)) != -1) {
        if (option == 'm')
            detector.method = optarg;
        else if (option == 'p')
            detector.prefix = strtoul(optarg, NULL, 10);
        else if (option == 't')
            min_time = atof(optarg);
        else
            return 2;
    }
    if (optind != argc - 1) {
        fprintf(stderr, "usage: langid_bench --method precis|cld2|cld2-sure|vote|textcat "
                        "[--prefix BYTES] [--min-time S] FILE.jsonl\n");
        return 2;
    }
    size_t count;
    sample_t *samples = load(argv[optind], &count);
    detector.lang = precis_lang_new();
    detector.stopwords = precis_stopwords_new();
    detector.tokenizer = precis_tokenizer_new();
#ifdef PRECIS_HAVE_TEXTCAT
    detector.textcat = special_textcat_Init("/usr/share/libexttextcat/fpdb.conf",
                                            "/usr/share/libexttextcat/");
    if (!detector.textcat && strcmp(detector.method, "textcat") == 0) {
        fprintf(stderr,
                "langid_bench: no libexttextcat fingerprints (libexttextcat-data)\n");
        return 1;
    }
#endif
    char *answers = calloc(count ? count : 1, 8);
    size_t bytes = 0;
    for (size_t i = 0; i < count; i++) {
        identify(&detector, samples[i].text, samples[i].len, answers + i * 8);
        bytes += samples[i].len;
    }
    report(samples, count, answers);
    double best = 1e30;
    for (int round = 0; round < 3 && count; round++) {
        size_t passes = 0;
        double start = now(), elapsed;
        do {
            char code[8];
            for (size_t i = 0; i < count; i++)
                identify(&detector, samples[i].text, samples[i].len, code);
            passes++;
            elapsed = now() - start;
        } while (elapsed < min_time);
        if (elapsed / passes < best)
            best = elapsed / passes;
    }
    printf("method=%s texts_per_s=%.0f mb_per_s=%.2f us_per_text=%.1f mean_bytes=%.0f\n",
           detector.method, count / best, bytes / best / 1e6, best / count * 1e6,
           count ? (double)bytes / count : 0);
#ifdef PRECIS_HAVE_TEXTCAT
    if (detector.textcat)
        textcat_Done(detector.textcat);
#endif
    for (size_t i = 0; i < count; i++)
        free(samples[i].text);
    free(samples);
    free(answers);
    precis_tokenizer_destroy(&detector.tokenizer);
    precis_stopwords_destroy(&detector.stopwords);
    precis_lang_destroy(&detector.lang);
    return 0;
}
