/*  precis_summarize_cmd - the `precis summarize` command.

    Runs the summarizer offline on a file or stdin, with no sockets. Plain
    mode reads one article (first line the title, the rest the text) and
    prints the summary sentences one per line. JSON Lines mode reads one
    article per line ({"id", "title", "text", "lang", and optionally
    "sentences", "ratio" or "words" overriding the command's length}) and
    writes {"id", "summary", "lang", "keywords"} per line, plus "truncated"
    when a summary sentence was cut. A bad line (an empty text included) is
    reported on stderr with its number and skipped; the exit code is then 1.
    JSON strings may contain \u0000, as in the pipeline: the normalizer
    removes it. Input with no article at all is an error too.
    HTML input (--format html, a line's "format", or detected with the
    default "auto") is turned into text first, as the normalize stage does.
*/
#include "precis_summarize_cmd.h"
#include "precis_config.h"
#include "precis_html.h"
#include "precis_normalizer.h"
#include "precis_summarizer.h"
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char usage_text[] =
    "Usage: precis summarize [FILE|-] [--jsonl] [--sentences N | --ratio R | --words N]\n"
    "                        [--lang L] [--format text|html|auto] [--stats] [--help]\n"
    "\n"
    "Summarizes news articles by extracting their most central sentences.\n"
    "\n"
    "Plain input is one article: the first line is its title, the rest its text.\n"
    "The summary sentences are printed one per line, in article order.\n"
    "HTML input is one page: its text without markup, navigation and ads is\n"
    "summarized, and its title is the page's.\n"
    "\n"
    "  --jsonl          input has one JSON object per line: \"id\", \"title\", "
    "\"text\",\n"
    "                   optional \"lang\", \"format\", \"sentences\", \"ratio\",\n"
    "                   \"words\" (these\n"
    "                   override the options); output has one object per line:\n"
    "                   {\"id\", \"summary\": [sentences], \"lang\", \"keywords\"},\n"
    "                   and \"truncated\": [positions in \"summary\"] when sentences\n"
    "                   were cut short (over 80 words, or to fit --words)\n"
    "  --sentences N    summary length in sentences (default 3)\n"
    "  --ratio R        summary length as a share of the sentences, 0 < R <= 1\n"
    "  --words N        word budget, never exceeded (when no sentence fits, the\n"
    "                   best one is cut short)\n"
    "  --lang L         ISO 639-1 language code (default: detected)\n"
    "  --format F       text, html, or auto (the default: HTML when the input\n"
    "                   starts with <!DOCTYPE html> or <html>, or has tags such\n"
    "                   as <p> or <div> in its first 4 KB; see docs/PROTOCOL.md)\n"
    "  --stats          at the end, print to stderr the articles summarized and\n"
    "                   the summarizer's own speed (JSON and I/O excluded)\n"
    "  --help           this help\n"
    "\n"
    "Exit status: 0 ok, 1 bad input (no article, an empty text, a bad line),\n"
    "2 usage error.\n";

typedef struct {
    precis_summary_options_t options;
    bool jsonl;
    bool stats;
    precis_format_t format; /* --format, for articles that give none */
    const char *path;
    size_t articles; /* summarized, for --stats */
    double seconds;  /* CPU time spent in the summarizer */
    precis_normalizer_t *normalizer;
    char *clean_title, *clean_text; /* the last article, normalized */
} command_t;

/* Parses a positive integer option value; returns false when invalid. */
static bool parse_count(const char *value, int *out)
{
    char *end;
    errno = 0;
    long number = strtol(value, &end, 10);
    if (errno || *end || end == value || number <= 0 || number > 1000000)
        return false;
    *out = (int)number;
    return true;
}

static bool parse_ratio(const char *value, double *out)
{
    char *end;
    errno = 0;
    double number = strtod(value, &end);
    if (errno || *end || end == value || !(number > 0 && number <= 1))
        return false;
    *out = number;
    return true;
}

/* Returns -1 for --help, 2 on a usage error, 0 otherwise. */
static int parse_arguments(command_t *command, int argc, char **argv)
{
    static const struct option long_options[] = {
        {"jsonl", no_argument, NULL, 'j'},
        {"sentences", required_argument, NULL, 's'},
        {"ratio", required_argument, NULL, 'r'},
        {"words", required_argument, NULL, 'w'},
        {"lang", required_argument, NULL, 'l'},
        {"help", no_argument, NULL, 'h'},
        {"stats", no_argument, NULL, 'S'},
        {"format", required_argument, NULL, 'f'},
        {NULL, 0, NULL, 0},
    };
    memset(command, 0, sizeof *command);
    command->options.max_sentences = PRECIS_MAX_SENTENCES;
    optind = 1;
    opterr = 0;
    int option;
    while ((option = getopt_long(argc, argv, ":h", long_options, NULL)) != -1) {
        bool ok = true;
        switch (option) {
        case 'j':
            command->jsonl = true;
            break;
        case 's':
            ok = parse_count(optarg, &command->options.sentences);
            break;
        case 'r':
            ok = parse_ratio(optarg, &command->options.ratio);
            break;
        case 'w':
            ok = parse_count(optarg, &command->options.words);
            break;
        case 'l':
            command->options.lang = optarg;
            break;
        case 'S':
            command->stats = true;
            break;
        case 'f': {
            int format = precis_format_from_name(optarg, strlen(optarg));
            ok = format >= 0;
            command->format = ok ? (precis_format_t)format : PRECIS_FORMAT_AUTO;
            break;
        }
        case 'h':
            fputs(usage_text, stdout);
            return -1;
        case ':':
            fprintf(stderr, "precis summarize: %s needs a value\n", argv[optind - 1]);
            return 2;
        default:
            fprintf(stderr, "precis summarize: unknown option %s\n", argv[optind - 1]);
            return 2;
        }
        if (!ok) {
            fprintf(stderr, "precis summarize: bad value '%s' for %s\n", optarg,
                    argv[optind - 2 >= 0 ? optind - 2 : 0]);
            return 2;
        }
    }
    int given = (command->options.sentences > 0) + (command->options.ratio > 0) +
                (command->options.words > 0);
    if (given > 1) {
        fprintf(stderr, "precis summarize: give one of --sentences, --ratio, --words\n");
        return 2;
    }
    if (argc - optind > 1) {
        fprintf(stderr, "precis summarize: one input file at most\n");
        return 2;
    }
    if (argc - optind == 1 && strcmp(argv[optind], "-") != 0)
        command->path = argv[optind];
    return 0;
}

/* Writes text[0..len) with newlines and tabs replaced by spaces. */
static void put_line(const char *text, size_t len, FILE *out)
{
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        putc(c == '\n' || c == '\r' || c == '\t' ? ' ' : c, out);
    }
    putc('\n', out);
}

static double cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The pipeline normalizes an article before it summarizes it; so does the
   command, so that both give the same summary: HTML becomes text first (the
   page's title standing in for a missing one), then both are normalized.
   *text_p and *len_p are replaced by the normalized text, which lives until
   the next article. */
static void normalize_input(command_t *command, precis_format_t format,
                            const char **title_p, size_t title_len, const char **text_p,
                            size_t *len_p)
{
    free(command->clean_title);
    free(command->clean_text);
    command->clean_title = NULL;
    char *page_text = NULL, *page_title = NULL;
    if (precis_html_wanted(format, *text_p, *len_p) &&
        (page_text = precis_html_to_text(*text_p, *len_p, len_p, &page_title))) {
        *text_p = page_text;
        if ((!*title_p || !**title_p) && page_title) {
            *title_p = page_title;
            title_len = strlen(page_title);
        }
    }
    size_t len;
    if (*title_p) {
        command->clean_title =
            precis_normalizer_run(command->normalizer, *title_p, title_len, &len);
        *title_p = command->clean_title;
    }
    command->clean_text =
        precis_normalizer_run(command->normalizer, *text_p, *len_p, len_p);
    *text_p = command->clean_text;
    free(page_text);
    free(page_title);
}

/* precis_summarizer_run on the normalized article, timed for --stats.
   Returns -1 with the reason in *error_p when the article is refused,
   an empty text (nothing left after normalizing) included. */
static int run_timed(precis_summarizer_t *summarizer, command_t *command,
                     precis_format_t format, const char *title, size_t title_len,
                     const char **text_p, size_t len,
                     const precis_summary_options_t *options, precis_summary_t *summary,
                     const char **error_p)
{
    normalize_input(command, format, &title, title_len, text_p, &len);
    const char *text = *text_p;
    if (len == 0) { /* as ingest and normalize refuse it in the pipeline */
        memset(summary, 0, sizeof *summary);
        *error_p = "the text is empty or only white space";
        return -1;
    }
    double start = command->stats ? cpu_seconds() : 0;
    int rc =
        precis_summarizer_run(summarizer, title, text, len, options, summary, error_p);
    if (command->stats) {
        command->seconds += cpu_seconds() - start;
        command->articles++;
    }
    return rc;
}

/* Plain mode: the whole input is one article. */
static int summarize_plain(precis_summarizer_t *summarizer, command_t *command, FILE *in)
{
    size_t size = 0, capacity = 1 << 16;
    char *buffer = malloc(capacity);
    size_t got;
    while (buffer && (got = fread(buffer + size, 1, capacity - size, in)) > 0) {
        size += got;
        if (size == capacity)
            buffer = realloc(buffer, capacity *= 2);
    }
    if (!buffer) {
        fprintf(stderr, "precis summarize: out of memory\n");
        return 1;
    }
    size_t visible = 0;
    while (visible < size && (buffer[visible] == ' ' || buffer[visible] == '\t' ||
                              buffer[visible] == '\n' || buffer[visible] == '\r'))
        visible++;
    if (visible == size) {
        fprintf(stderr, "precis summarize: no article in the input\n");
        free(buffer);
        return 1;
    }
    /* An HTML page is one whole; plain text has its title on the first line. */
    bool html = precis_html_wanted(command->format, buffer, size);
    char *newline = html ? NULL : memchr(buffer, '\n', size);
    size_t title_len = newline ? (size_t)(newline - buffer) : html ? 0 : size;
    const char *text = newline ? newline + 1 : html ? buffer : buffer + size;
    size_t text_len = newline ? size - title_len - 1 : html ? size : 0;
    char *title = html ? NULL : buffer;
    if (!html)
        buffer[title_len] = '\0';
    precis_summary_t summary;
    const char *error = NULL;
    int rc = 0;
    if (run_timed(summarizer, command, html ? PRECIS_FORMAT_HTML : PRECIS_FORMAT_TEXT,
                  title, title_len, &text, text_len, &command->options, &summary,
                  &error) != 0) {
        fprintf(stderr, "precis summarize: article refused: %s\n", error);
        rc = 1;
    } else
        for (size_t i = 0; i < summary.selected_count; i++)
            put_line(text + summary.selected[i].start, summary.selected[i].len, stdout);
    precis_summary_clear(&summary);
    free(buffer);
    return rc;
}

/* Reads a positive length field of a JSON line into the options. Returns
   false when it is there but not a positive number. */
static bool length_field(json_t *object, const char *name,
                         precis_summary_options_t *options, bool *seen)
{
    json_t *value = json_object_get(object, name);
    if (!value || json_is_null(value))
        return true;
    if (!*seen) { /* a line's own length replaces the command's */
        options->sentences = 0;
        options->ratio = 0;
        options->words = 0;
        *seen = true;
    }
    if (strcmp(name, "ratio") == 0) {
        if (!json_is_number(value))
            return false;
        options->ratio = json_number_value(value);
        return options->ratio > 0 && options->ratio <= 1;
    }
    if (!json_is_integer(value) || json_integer_value(value) <= 0 ||
        json_integer_value(value) > 1000000)
        return false;
    *(strcmp(name, "words") == 0 ? &options->words : &options->sentences) =
        (int)json_integer_value(value);
    return true;
}

/* Writes text[0..len) as a JSON string. The text is valid UTF-8 (jansson
   checked it), so only quotes, backslashes and control bytes need escapes. */
static void put_json_text(const char *text, size_t len, bool flatten, FILE *out);

/* A JSON string of text[0..len), escaped as JSON requires. */
static void put_json_string(const char *text, size_t len, FILE *out)
{
    put_json_text(text, len, false, out);
}

/* A summary sentence as a JSON string: a line break inside it (hard-wrapped
   text) is written as a space, as the pipeline's results do. */
static void put_json_sentence(const char *text, size_t len, FILE *out)
{
    put_json_text(text, len, true, out);
}

static void put_json_text(const char *text, size_t len, bool flatten, FILE *out)
{
    static const char hex[] = "0123456789abcdef";
    putc_unlocked('"', out);
    size_t run = 0; /* start of the bytes not written yet */
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        fwrite_unlocked(text + run, 1, i - run, out);
        run = i + 1;
        if (flatten && (c == '\n' || c == '\r')) {
            putc_unlocked(' ', out);
            continue;
        }
        putc_unlocked('\\', out);
        switch (c) {
        case '"':
        case '\\':
            putc_unlocked((char)c, out);
            break;
        case '\n':
            putc_unlocked('n', out);
            break;
        case '\t':
            putc_unlocked('t', out);
            break;
        case '\r':
            putc_unlocked('r', out);
            break;
        default:
            fputs("u00", out);
            putc_unlocked(hex[c >> 4], out);
            putc_unlocked(hex[c & 15], out);
        }
    }
    fwrite_unlocked(text + run, 1, len - run, out);
    putc_unlocked('"', out);
}

/* Writes the output line of one summarized article:
   {"id": ..., "summary": [...], "lang": "..", "keywords": [...]}, and
   "truncated": [positions in "summary"] only when a sentence was cut, so
   that the lines of uncut summaries stay as they were. */
static void put_result(json_t *id, const char *text, const precis_summary_t *summary,
                       FILE *out)
{
    fputs("{\"id\":", out);
    if (id)
        json_dumpf(id, out, JSON_COMPACT | JSON_ENCODE_ANY);
    else
        fputs("null", out);
    fputs(",\"summary\":[", out);
    for (size_t i = 0; i < summary->selected_count; i++) {
        if (i)
            putc_unlocked(',', out);
        put_json_sentence(text + summary->selected[i].start, summary->selected[i].len,
                          out);
    }
    fputs("],\"lang\":", out);
    put_json_string(summary->lang, strlen(summary->lang), out);
    fputs(",\"keywords\":[", out);
    for (size_t i = 0; i < summary->keyword_count; i++) {
        if (i)
            putc_unlocked(',', out);
        put_json_string(summary->keywords[i], strlen(summary->keywords[i]), out);
    }
    putc_unlocked(']', out);
    bool first = true;
    for (size_t i = 0; i < summary->selected_count; i++)
        if (summary->selected[i].truncated) {
            fputs(first ? ",\"truncated\":[" : ",", out);
            fprintf(out, "%zu", i);
            first = false;
        }
    fputs(first ? "}\n" : "]}\n", out);
}

/* Summarizes one JSON line. Returns 0, or 1 after reporting a bad line. */
static int summarize_line(precis_summarizer_t *summarizer, command_t *command,
                          const char *line, size_t len, size_t number)
{
    json_error_t error;
    json_t *object = json_loadb(line, len, JSON_ALLOW_NUL, &error);
    const char *problem = NULL;
    json_t *title = NULL, *text = NULL, *lang = NULL, *format = NULL;
    int format_value = command->format;
    precis_summary_options_t options = command->options;
    bool seen = false;
    if (!object)
        problem = error.text;
    else if (!json_is_object(object))
        problem = "not a JSON object";
    else if (!json_is_string(text = json_object_get(object, "text")))
        problem = "\"text\" missing or not a string";
    else if ((title = json_object_get(object, "title")) && !json_is_null(title) &&
             !json_is_string(title))
        problem = "\"title\" is not a string";
    else if ((lang = json_object_get(object, "lang")) && !json_is_null(lang) &&
             !json_is_string(lang))
        problem = "\"lang\" is not a string";
    else if ((format = json_object_get(object, "format")) && !json_is_null(format) &&
             (!json_is_string(format) ||
              (format_value = precis_format_from_name(json_string_value(format),
                                                      json_string_length(format))) < 0))
        problem = "\"format\" must be \"text\", \"html\" or \"auto\"";
    else if (!length_field(object, "words", &options, &seen) ||
             !length_field(object, "sentences", &options, &seen) ||
             !length_field(object, "ratio", &options, &seen))
        problem = "bad \"sentences\", \"ratio\" or \"words\"";
    if (problem) {
        fprintf(stderr, "precis summarize: line %zu: %s\n", number, problem);
        json_decref(object);
        return 1;
    }
    if (json_is_string(lang) && json_string_length(lang) > 0)
        options.lang = json_string_value(lang);
    precis_summary_t summary;
    const char *reason = NULL;
    int rc = 0;
    const char *body = json_string_value(text);
    if (run_timed(summarizer, command, (precis_format_t)format_value,
                  json_is_string(title) ? json_string_value(title) : NULL,
                  json_is_string(title) ? json_string_length(title) : 0, &body,
                  json_string_length(text), &options, &summary, &reason) != 0) {
        fprintf(stderr, "precis summarize: line %zu: article refused: %s\n", number,
                reason);
        rc = 1;
    } else {
        put_result(json_object_get(object, "id"), body, &summary, stdout);
    }
    precis_summary_clear(&summary);
    json_decref(object);
    return rc;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* JSON Lines mode: one article per line. */
static int summarize_jsonl(precis_summarizer_t *summarizer, command_t *command, FILE *in)
{
    char *line = NULL;
    size_t capacity = 0, number = 0, done = 0;
    ssize_t len;
    int rc = 0;
    bool progress = isatty(STDERR_FILENO);
    double next_report = now_seconds() + 0.5;
    while ((len = getline(&line, &capacity, in)) != -1) {
        number++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            len--;
        size_t blank = 0;
        while (blank < (size_t)len && (line[blank] == ' ' || line[blank] == '\t'))
            blank++;
        if (blank == (size_t)len)
            continue; /* empty lines are allowed, and ignored */
        if (summarize_line(summarizer, command, line, (size_t)len, number) != 0)
            rc = 1;
        done++;
        if (progress && (done & 63) == 0 && now_seconds() >= next_report) {
            fprintf(stderr, "\r%zu lines", done);
            next_report = now_seconds() + 0.5;
        }
    }
    if (progress && done >= 64)
        fprintf(stderr, "\r%zu lines\n", done);
    free(line);
    if (done == 0) {
        fprintf(stderr, "precis summarize: no article in the input\n");
        rc = 1;
    }
    return rc;
}

int precis_cmd_summarize(int argc, char **argv)
{
    command_t command;
    int rc = parse_arguments(&command, argc, argv);
    if (rc != 0)
        return rc < 0 ? 0 : rc;
    FILE *in = command.path ? fopen(command.path, "rb") : stdin;
    if (!in) {
        fprintf(stderr, "precis summarize: cannot open %s: %s\n", command.path,
                strerror(errno));
        return 1;
    }
    precis_summarizer_t *summarizer = precis_summarizer_new();
    command.normalizer = precis_normalizer_new();
    rc = command.jsonl ? summarize_jsonl(summarizer, &command, in)
                       : summarize_plain(summarizer, &command, in);
    precis_summarizer_destroy(&summarizer);
    precis_normalizer_destroy(&command.normalizer);
    free(command.clean_title);
    free(command.clean_text);
    if (command.stats)
        fprintf(
            stderr,
            "precis summarize: %zu articles, %.3f s in the summarizer, %.0f articles/s\n",
            command.articles, command.seconds,
            command.seconds > 0 ? command.articles / command.seconds : 0.0);
    if (in != stdin)
        fclose(in);
    if (fflush(stdout) != 0) {
        fprintf(stderr, "precis summarize: cannot write: %s\n", strerror(errno));
        rc = 1;
    }
    return rc;
}
