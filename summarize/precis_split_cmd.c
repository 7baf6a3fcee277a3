/*  precis_split_cmd - the `precis split` command: runs the sentence splitter
    on a file or stdin and prints the sentences.

    Plain mode prints one sentence a line. --lang CODE picks the language's
    abbreviations and word lists. --jsonl reads one JSON object a line with
    "text" (and an optional "lang", which wins over --lang) and writes
    {"sentences": [...]} for each; when the input also has the expected
    "sentences", it counts the cases split exactly right, which is how the
    splitter is measured against test data.

    NUL characters (raw bytes, or \u0000 in a JSON string) are removed before
    splitting, as the pipeline's normalizer removes them before the splitter
    sees a text, so that split gives the sentences summarize works on. Input
    with no text at all (empty, only white space, or no JSON line) is bad
    input.
*/
#include "precis.h"
#include "precis_config.h"
#include "precis_splitter.h"
#include "precis_summarize_cmd.h"
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXIT_OK    0
#define EXIT_INPUT 1
#define EXIT_USAGE 2

typedef struct {
    const char *path; /* NULL or "-" for stdin */
    const char *lang; /* --lang CODE, NULL for language-neutral rules */
    bool jsonl;
    bool skip_clean;
    bool verbose;
} split_options_t;

/* Exact-match tally for --jsonl input that carries expected sentences. */
typedef struct {
    size_t cases;
    size_t right;
} split_score_t;

/* What --help prints before the options, which the shared table
   (precis_config) lists. */
static const char s_usage_text[] =
    "Usage: precis split [FILE|-] [--lang CODE] [--jsonl] [--config PATH] [--help]\n"
    "                    [--version]\n"
    "\n"
    "Splits text into sentences. Reads FILE, or stdin when it is absent or -.\n"
    "NUL characters (\\u0000 in JSON) are removed first, as the pipeline's\n"
    "normalizer removes them. By default prints one sentence a line; line\n"
    "breaks inside a sentence are printed as spaces. Options may come after\n"
    "FILE. A --config file's keys are these long options, in section [split]\n"
    "or [precis]; the command line wins.\n"
    "\n"
    "Exit status: 0 ok, 1 bad input (no text in the input, a bad JSON line),\n"
    "2 usage error.";

/* The option mask of this command in the shared table. */
#define SPLIT_OPTIONS PRECIS_OPT_SPLIT

/* This command's meanings of shared options, for --help. */
static void s_set_help_texts(void)
{
    precis_config_help("lang", "the text's language, an ISO 639-1 code (de,\n"
                               "es, ru, ar, ...): its abbreviations, sentence\n"
                               "starters and speech verbs are used; without it\n"
                               "(or with und, or a code the splitter does not\n"
                               "know) language-neutral rules apply");
    precis_config_help("jsonl", "read one JSON object a line with \"text\" and\n"
                                "an optional \"lang\" (an ISO 639-1 code that\n"
                                "wins over --lang); write {\"sentences\": [...]}\n"
                                "for each. When the object also has\n"
                                "\"sentences\" (the expected split), print to\n"
                                "stderr how many cases were split exactly right");
    precis_config_help("verbose",
                       "with --jsonl: print each wrongly split case to stderr");
}

/* Parses the options with the shared table (precis_config). Returns -1
   for --help or --version, EXIT_USAGE on a usage error, EXIT_OK otherwise. */
static int s_parse_args(int argc, char **argv, split_options_t *options)
{
    memset(options, 0, sizeof *options);
    precis_config_t config;
    precis_config_defaults(&config, false);
    s_set_help_texts();
    int rc = precis_config_parse(&config, argc, argv, SPLIT_OPTIONS, s_usage_text);
    if (rc != 0)
        return rc < 0 ? -1 : EXIT_USAGE;
    if (config.argc > 1) {
        fprintf(stderr, "precis split: one input file at most, not '%s' and '%s'\n",
                config.argv[0], config.argv[1]);
        return EXIT_USAGE;
    }
    options->path = config.argc ? config.argv[0] : NULL;
    options->lang = config.lang;
    options->jsonl = config.jsonl_input;
    options->skip_clean = config.skip_clean;
    options->verbose = config.verbose > 0;
    return EXIT_OK;
}

/* Reads the whole stream; returns NULL (errno set) on a read error. */
static char *s_read_all(FILE *in, size_t *len_p)
{
    size_t len = 0, cap = 1 << 16;
    char *data = malloc(cap);
    while (data) {
        len += fread(data + len, 1, cap - len, in);
        if (len < cap)
            break;
        char *bigger = realloc(data, cap *= 2);
        if (!bigger)
            free(data);
        data = bigger;
    }
    if (!data || ferror(in)) {
        free(data);
        return NULL;
    }
    *len_p = len;
    return data;
}

/* Writes a sentence on one line: line breaks become spaces. */
static void s_print_sentence(const char *text, size_t len, FILE *out)
{
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        fputc(c == '\n' || c == '\r' ? ' ' : c, out);
    }
    fputc('\n', out);
}

/* Removes the NUL bytes of text[0..len) in place; returns the new length. */
static size_t s_strip_nul(char *text, size_t len)
{
    size_t kept = 0;
    for (size_t i = 0; i < len; i++)
        if (text[i] != '\0')
            text[kept++] = text[i];
    return kept;
}

static int s_split_plain(FILE *in, FILE *out, const char *lang)
{
    size_t len;
    char *text = s_read_all(in, &len);
    if (!text) {
        fprintf(stderr, "split: cannot read input: %s\n", strerror(errno));
        return EXIT_INPUT;
    }
    len = s_strip_nul(text, len);
    precis_span_t *spans;
    size_t count = precis_split_lang(text, len, lang, &spans);
    if (count == 0) {
        fprintf(stderr, "split: no text in the input\n");
        free(spans);
        free(text);
        return EXIT_INPUT;
    }
    for (size_t i = 0; i < count; i++)
        s_print_sentence(text + spans[i].start, spans[i].len, out);
    free(spans);
    free(text);
    return EXIT_OK;
}

/* Compares an expected sentence, trimmed of ASCII white space, with a span. */
static bool s_same_sentence(const char *expected, const char *text,
                            const precis_span_t *span)
{
    const char *end = expected + strlen(expected);
    while (expected < end && strchr(" \t\r\n\f\v", *expected))
        expected++;
    while (end > expected && strchr(" \t\r\n\f\v", end[-1]))
        end--;
    return (size_t)(end - expected) == span->len &&
           memcmp(expected, text + span->start, span->len) == 0;
}

static bool s_split_matches(json_t *expected, const char *text,
                            const precis_span_t *spans, size_t count)
{
    if (json_array_size(expected) != count)
        return false;
    for (size_t i = 0; i < count; i++) {
        const char *sentence = json_string_value(json_array_get(expected, i));
        if (!sentence || !s_same_sentence(sentence, text, &spans[i]))
            return false;
    }
    return true;
}

static bool s_is_clean_case(json_t *object)
{
    json_t *options = json_object_get(object, "pysbd_options");
    return json_is_true(json_object_get(options, "clean"));
}

/* Splits one JSON object's text and writes the result; false on bad input. */
static bool s_split_json_line(const char *line, size_t len, size_t line_number,
                              const split_options_t *options, split_score_t *score,
                              FILE *out)
{
    json_error_t error;
    json_t *object = json_loadb(line, len, JSON_ALLOW_NUL, &error);
    if (!object) {
        fprintf(stderr, "split: line %zu: bad JSON: %s\n", line_number, error.text);
        return false;
    }
    json_t *text_json = json_object_get(object, "text");
    if (!json_is_object(object) || !json_is_string(text_json)) {
        fprintf(stderr, "split: line %zu: expected an object with a \"text\" string\n",
                line_number);
        json_decref(object);
        return false;
    }
    if (options->skip_clean && s_is_clean_case(object)) {
        json_decref(object);
        return true;
    }
    size_t text_len = json_string_length(text_json);
    char *text = malloc(text_len + 1);
    if (!text) {
        fprintf(stderr, "split: line %zu: out of memory\n", line_number);
        json_decref(object);
        return false;
    }
    memcpy(text, json_string_value(text_json), text_len + 1);
    text_len = s_strip_nul(text, text_len);
    text[text_len] = '\0';
    const char *lang = json_string_value(json_object_get(object, "lang"));
    precis_span_t *spans;
    size_t count = precis_split_lang(text, text_len, lang ? lang : options->lang, &spans);
    json_t *sentences = json_array();
    for (size_t i = 0; i < count; i++)
        json_array_append_new(sentences,
                              json_stringn(text + spans[i].start, spans[i].len));
    json_t *result = json_pack("{s:o}", "sentences", sentences);
    char *dumped = json_dumps(result, 0);
    fprintf(out, "%s\n", dumped);
    free(dumped);

    json_t *expected = json_object_get(object, "sentences");
    if (json_is_array(expected)) {
        score->cases++;
        if (s_split_matches(expected, text, spans, count))
            score->right++;
        else if (options->verbose) {
            char *want = json_dumps(expected, 0);
            char *got = json_dumps(sentences, 0);
            fprintf(stderr,
                    "split: line %zu: wrong split\n  expected: %s\n  got:      %s\n",
                    line_number, want, got);
            free(want);
            free(got);
        }
    }
    json_decref(result);
    json_decref(object);
    free(spans);
    free(text);
    return true;
}

static bool s_is_blank(const char *line, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!strchr(" \t\r\n\f\v", line[i]))
            return false;
    return true;
}

static int s_split_jsonl(FILE *in, FILE *out, const split_options_t *options)
{
    split_score_t score = {0, 0};
    char *line = NULL;
    size_t cap = 0, line_number = 0, texts = 0;
    ssize_t len;
    bool bad = false;
    while ((len = getline(&line, &cap, in)) >= 0) {
        line_number++;
        if (s_is_blank(line, (size_t)len))
            continue;
        texts++;
        if (!s_split_json_line(line, (size_t)len, line_number, options, &score, out))
            bad = true;
    }
    if (ferror(in)) {
        fprintf(stderr, "split: cannot read input: %s\n", strerror(errno));
        bad = true;
    }
    free(line);
    if (texts == 0 && !bad) {
        fprintf(stderr, "split: no text in the input\n");
        bad = true;
    }
    if (score.cases > 0)
        fprintf(stderr, "split: %zu/%zu cases exactly right (%.1f%%)\n", score.right,
                score.cases, 100.0 * (double)score.right / (double)score.cases);
    return bad ? EXIT_INPUT : EXIT_OK;
}

int precis_cmd_split(int argc, char **argv)
{
    split_options_t options;
    int rc = s_parse_args(argc, argv, &options);
    if (rc != EXIT_OK)
        return rc < 0 ? EXIT_OK : rc;
    FILE *in = stdin;
    if (options.path && strcmp(options.path, "-") != 0) {
        in = fopen(options.path, "rb");
        if (!in) {
            fprintf(stderr, "split: cannot open %s: %s\n", options.path, strerror(errno));
            return EXIT_INPUT;
        }
    }
    rc = options.jsonl ? s_split_jsonl(in, stdout, &options)
                       : s_split_plain(in, stdout, options.lang);
    if (in != stdin)
        fclose(in);
    if (fflush(stdout) != 0) {
        fprintf(stderr, "split: cannot write output: %s\n", strerror(errno));
        rc = EXIT_INPUT;
    }
    return rc;
}
