/*  precis_summarize_cmd - the `precis summarize` command.

    Runs the summarizer offline on a file or stdin, with no sockets. Plain
    mode reads one article (its first line the title when precis_title_split
    says so, as `precis push` does, the rest the text) and prints the summary
    sentences one per line. JSON Lines mode reads one
    article per line ({"id", "title", "text", "lang", "url", "source",
    "published", and optionally "sentences", "ratio" or "words" overriding
    the command's length}) and writes the wire's result map per line (the
    same keys and values as `precis sub --json` for that article, less seq,
    log_id and timings), with "explain" with --explain or a
    line's "explain": true (every sentence's score parts and status). A bad line (an empty
   text included) is reported on stderr with its number and, with --jsonl, gets an
   error result line (one output line per input line); the exit code is then 1. JSON
   strings may contain \u0000, as in the pipeline: the normalizer removes it. Input with
   no article at all is an error too. HTML input (--format html, a line's "format", or
   detected with the default "auto") is turned into text first, as the normalize stage
   does. An RSS or Atom feed (by its file name, as push reads it, or sniffed) is
   summarized item by item: in plain mode a header line (the item's title, else its id)
   before each item's sentences, with JSON Lines one output line per item. With --jsonl
   --stories, repeats across the input are marked as the pipeline marks them
   (precis_stories, in process, over all the inputs: JSON Lines, text files, pages,
   feeds): every line gets "story", "similarity" and "exact" as the sink publishes them (a
   new story is its own, similarity 0), and the line of an article that repeats an earlier
   one (the same normalized text, or a near copy) "duplicate_of". Off by default: it
   costs 14% of the offline rate (callgrind: 28.7M of 281.6M instructions on 500 BBC
    articles), and batch summarizing keeps its one-core target.
*/
#include "precis_summarize_cmd.h"
#include "precis_config.h"
#include "precis_explain.h"
#include "precis_feed.h"
#include "precis_html.h"
#include "precis_inputs.h"
#include "precis_jsonl.h"
#include "precis_lang.h"
#include "precis.h"
#include "precis_minhash.h"
#include "precis_normalizer.h"
#include "precis_real.h"
#include "precis_stories.h"
#include "precis_summarizer.h"
#include <assert.h>
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* What --help prints before the options, which the shared table
   (precis_config) lists; the texts below are this command's meanings. */
static const char usage_text[] =
    "Usage: precis summarize [FILE|DIR|-]... [--jsonl]\n"
    "                        [--sentences N | --ratio R | --words N]\n"
    "                        [--lang L] [--format text|html|auto]\n"
    "                        [--title-line | --no-title] [--stories] [--explain]\n"
    "                        [--stats] [--config PATH]\n"
    "                        [--help]\n"
    "\n"
    "Summarizes news articles by extracting their most central sentences.\n"
    "Reads stdin when no input is given or for -; a directory gives its .txt\n"
    "(.html .htm .jsonl .json .xml .rss .atom) files, sorted, subdirectories\n"
    "too, as `precis push` takes them. With several inputs, plain output puts\n"
    "a line ==> PATH <== before each. Options may come after the inputs.\n"
    "\n"
    "Plain input is one article. Its first line is the title when it looks like\n"
    "one, as in `precis push`: followed by a line break, at most 20 words and\n"
    "200 bytes, no final . ! ? or ...; otherwise the whole input is the text.\n"
    "The summary sentences are printed one per line, in article order; plain\n"
    "output does not show which were cut short (--jsonl's \"truncated\" does).\n"
    "HTML input is one page: its text without markup, navigation and ads is\n"
    "summarized, and its title is the page's.\n"
    "An RSS or Atom feed (FILE named .xml, .rss or .atom, or content starting\n"
    "with <rss>, <rdf:RDF> or <feed>) is summarized item by item: each item's\n"
    "title (or id) on a line, then its summary sentences, a blank line between\n"
    "items; with --jsonl, one output object per item, its \"id\" the item's.\n"
    "A --config file's keys are these long options, in section [summarize]\n"
    "or [precis]; the command line wins.\n"
    "\n"
    "Exit status: 0 ok, 1 bad input, some of it refused (no article, an empty\n"
    "text, a bad line, a feed that is not well-formed or an item with no text;\n"
    "with --jsonl the others are still summarized),\n"
    "2 usage error.";

/* The option mask of this command in the shared table. */
#define SUMMARIZE_OPTIONS (PRECIS_OPT_OFFLINE | PRECIS_OPT_LENGTH | PRECIS_OPT_NO_STORIES)

/* This command's meanings of shared options, for --help. */
static void set_help_texts(void)
{
    precis_config_help("jsonl", "input has one JSON object per line: \"id\",\n"
                                "\"title\", \"text\", optional \"lang\", \"format\",\n"
                                "\"sentences\", \"ratio\", \"words\", \"explain\"\n"
                                "(these override the options); output has one\n"
                                "object per line in the pipeline's form\n"
                                "(docs/PROTOCOL.md, as `precis sub --json`\n"
                                "prints it, without seq, log_id and timings):\n"
                                "\"v\", \"type\", \"id\" (\"line-N\" when the line\n"
                                "has none), \"title\", \"lang\", \"summary\":\n"
                                "[sentences], \"sentences\": [{\"index\",\n"
                                "\"score\", \"truncated\" when cut short}],\n"
                                "\"sentence_count\", \"keywords\"; a refused\n"
                                "article gives a \"type\": \"error\" line\n"
                                "(\"reason\", \"error\") as well as the message;\n"
                                "so does a line that is not a JSON object or\n"
                                "has no string \"text\" (\"stage\": \"ingest\",\n"
                                "\"reason\": \"invalid\"): one output line per\n"
                                "input line; \"url\", \"source\", \"published\"\n"
                                "are passed through (a feed item's link and\n"
                                "date); stdin (or a file) not starting with {\n"
                                "is one article, or a feed;\n"
                                "with --stories, every line gets \"story\",\n"
                                "\"similarity\", \"exact\", and an article that\n"
                                "repeats an earlier one of the inputs (same text,\n"
                                "or a near copy: docs/PROTOCOL.md) \"duplicate_of\"");
    precis_config_help("sentences", "summary length in sentences (default 3)");
    precis_config_help("words", "word budget, never exceeded (when no sentence\n"
                                "fits, the best one is cut short)");
    precis_config_help("lang", "ISO 639-1 language code, one precis has stop\n"
                               "words for (an unknown one is a usage error\n"
                               "listing them), or und; default: detected");
    precis_config_help("max-sentences", "refuse an article of more than N sentences\n"
                                        "(as the pipeline's); the message gives the\n"
                                        "count");
    precis_config_help("no-stories", "the default: repeats are not marked (kept for\n"
                                     "scripts); --stories asks for --jsonl");
}

typedef struct {
    precis_summary_options_t options;
    bool jsonl;
    bool stats;
    bool stories_on;           /* --stories */
    precis_stories_t *stories; /* --jsonl: repeats across the input */
    size_t story_count, exact_repeats, near_repeats;
    size_t story_sequence; /* articles looked up, over all inputs: key and time */
    double story_seconds;  /* CPU time spent on signatures and the index */
    bool explain;
    precis_format_t format;         /* --format, for articles that give none */
    precis_title_rule_t title_rule; /* --title-line, --no-title */
    const char *path;               /* the input being read; NULL for stdin */
    int input_count;                /* FILE|DIR|- arguments */
    size_t plain_printed;           /* JSON Lines records printed in plain form */
    size_t lines_skipped;           /* blank lines starts_json read from a pipe */
    char **inputs;
    size_t articles; /* summarized, for --stats */
    double seconds;  /* CPU time spent in the summarizer */
    precis_normalizer_t *normalizer;
    char *clean_title, *clean_text; /* the last article, normalized */
    size_t clean_len;               /* of clean_text */
} command_t;

/* A usage error in the shared options' style: program, option, value and
   what is allowed. Returns 2, the exit code. */
static int usage_error(const char *option, const char *value, const char *wanted)
{
    fprintf(stderr, "precis summarize: --%s '%s': expected %s\n", option, value, wanted);
    return 2;
}

/* Parses the options with the shared table (precis_config), then checks
   what only this command knows: the language codes, the formats, and the
   options that exclude each other. Returns -1 for --help or --version, 2
   on a usage error, 0 otherwise. */
static int parse_arguments(command_t *command, int argc, char **argv)
{
    memset(command, 0, sizeof *command);
    precis_config_t config;
    precis_config_defaults(&config, false);
    set_help_texts();
    int rc = precis_config_parse(&config, argc, argv, SUMMARIZE_OPTIONS, usage_text);
    if (rc != 0)
        return rc < 0 ? -1 : 2;
    command->jsonl = config.jsonl_input;
    command->stats = config.stats;
    command->stories_on = config.stories && !config.no_stories;
    command->explain = config.explain;
    command->options.sentences = config.sentences;
    command->options.ratio = config.ratio;
    command->options.words = config.words;
    command->options.max_sentences = config.max_sentences;
    if (config.lang) {
        command->options.lang = config.lang;
        if (strcmp(config.lang, "und") != 0 &&
            precis_lang_from_code(config.lang) == PRECIS_LANG_UND) {
            fprintf(stderr,
                    "precis summarize: --lang '%s': expected und or a code precis has "
                    "stop words for:",
                    config.lang);
            for (size_t id = 1; id <= precis_lang_count(); id++)
                fprintf(stderr, " %s", precis_lang_code((precis_lang_id_t)id));
            fputc('\n', stderr);
            return 2;
        }
    }
    if (config.format) {
        int format = precis_format_from_name(config.format, strlen(config.format));
        if (format < 0)
            return usage_error("format", config.format, "text, html or auto");
        command->format = (precis_format_t)format;
    }
    if (config.title_line)
        command->title_rule = PRECIS_TITLE_ALWAYS;
    if (config.no_title)
        command->title_rule = PRECIS_TITLE_NEVER;
    int given = (command->options.sentences > 0) + (command->options.ratio > 0) +
                (command->options.words > 0);
    if (given > 1) {
        fprintf(stderr, "precis summarize: give one of --sentences, --ratio, --words\n");
        return 2;
    }
    if (config.title_line && config.no_title) {
        fprintf(stderr, "precis summarize: give one of --title-line and --no-title\n");
        return 2;
    }
    if (command->stories_on && !command->jsonl) {
        /* Plain output has nowhere to say that an article repeats one. */
        fprintf(stderr, "precis summarize: --stories marks repeats in --jsonl output; "
                        "add --jsonl\n");
        return 2;
    }
    command->input_count = config.argc;
    command->inputs = config.argv;
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
    command->clean_len = *len_p;
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

/* Reads the rest of the stream after head[0..head_len) (what was read of it
   already) into one malloc'd buffer; NULL when out of memory. */
static char *read_rest(FILE *in, const char *head, size_t head_len, size_t *size_p)
{
    size_t size = head_len, capacity = head_len + (1 << 16);
    char *buffer = malloc(capacity);
    if (buffer && head_len > 0) /* memcpy wants a pointer even for 0 bytes */
        memcpy(buffer, head, head_len);
    size_t got;
    while (buffer && (got = fread(buffer + size, 1, capacity - size, in)) > 0) {
        size += got;
        if (size == capacity) {
            char *bigger = realloc(buffer, capacity *= 2);
            if (!bigger)
                free(buffer);
            buffer = bigger;
        }
    }
    *size_p = size;
    return buffer;
}

/* True when the file's first byte that is not white space is '{' (JSON
   Lines); a file is left where it was, a pipe just before that byte, with
   *lines_skipped the line breaks read before it (so that line numbers
   stay those of the input). */
static bool starts_json(FILE *in, size_t *lines_skipped)
{
    int c;
    long start = ftell(in);
    *lines_skipped = 0;
    while ((c = fgetc(in)) != EOF && (c == ' ' || c == '\n' || c == '\t' || c == '\r'))
        *lines_skipped += c == '\n';
    if (start >= 0) {
        fseek(in, start, SEEK_SET);
        *lines_skipped = 0;
    } else if (c != EOF)
        ungetc(c, in); /* a pipe: the white space before it is gone, and
                          the lines it held are counted instead */
    return c == '{';
}

/* A file that push reads as a feed by its name. */
static bool feed_named(const char *path)
{
    static const char *const extensions[] = {".xml", ".rss", ".atom"};
    size_t len = path ? strlen(path) : 0;
    for (size_t i = 0; i < sizeof extensions / sizeof *extensions; i++) {
        size_t ext_len = strlen(extensions[i]);
        if (len > ext_len && strcasecmp(path + len - ext_len, extensions[i]) == 0)
            return true;
    }
    return false;
}

static int summarize_feed(precis_summarizer_t *summarizer, command_t *command,
                          const char *data, size_t size);

/* Writes up to width bytes of text[0..len) on one line, whole UTF-8
   characters only, line breaks and tabs as spaces. */
static void put_clipped(const char *text, size_t len, size_t width, FILE *out)
{
    size_t end = len < width ? len : width;
    while (end < len && end > 0 && ((unsigned char)text[end] & 0xC0) == 0x80)
        end--;
    for (size_t i = 0; i < end; i++)
        putc(text[i] == '\n' || text[i] == '\r' || text[i] == '\t' ? ' ' : text[i], out);
    fputs(end < len ? "...\n" : "\n", out);
}

/* --explain in plain mode: after a blank line, one row per sentence of the
   last run: its number, status ("like K" when redundant with sentence K),
   score, the score's parts (centrality, position, first, frequency, title,
   length), the penalty, the furniture kind, the redundancy and the start
   of the sentence. */
static void put_explain_table(const precis_summarizer_t *summarizer, const char *text,
                              FILE *out)
{
    precis_explained_t e;
    fprintf(out, "\n%4s %-13s %7s %6s %6s %5s %5s %5s %5s %7s %-6s %6s  %s\n", "#",
            "status", "score", "centr", "pos", "first", "freq", "title", "len", "penalty",
            "furn", "redund", "sentence");
    for (size_t i = 0; precis_summarizer_explain(summarizer, i, &e); i++) {
        char status[32];
        if (e.redundant_with >= 0)
            snprintf(status, sizeof status, "like %lld", (long long)e.redundant_with);
        else
            snprintf(status, sizeof status, "%s", e.status);
        fprintf(out,
                "%4zu %-13s %7.3f %6.3f %6.3f %5.2f %5.2f %5.2f %5.2f %7.3f %-6s %6.3f  ",
                i, status, e.score, e.centrality, e.position, e.first, e.frequency,
                e.title, e.length, e.penalty,
                strcmp(e.furniture_kind, "none") ? e.furniture_kind : "-", e.redundancy);
        put_clipped(text + e.start, e.len, 60, out);
    }
}

/* What a result line says of its article besides the summary, as the
   wire's result maps do (docs/PROTOCOL.md): the id (the input's string,
   else the JSON value it was, else fallback: "line-N", "item-N"), and the
   title, url, source and published as given (ptr NULL: written as ""). */
typedef struct {
    precis_jsonl_string_t id, id_json;
    const char *fallback;
    precis_jsonl_string_t title, url, source, published;
} result_head_t;

/* A C string (or NULL) as a field of result_head_t. */
static precis_jsonl_string_t field_of(const char *text)
{
    return (precis_jsonl_string_t){text, text ? strlen(text) : 0};
}

static void put_result(const result_head_t *head, const char *text,
                       const precis_summary_t *summary,
                       const precis_stories_match_t *match,
                       const precis_summarizer_t *explained, FILE *out);
static const precis_stories_match_t *
mark_story(command_t *command, precis_summarizer_t *summarizer, const char *id,
           size_t id_len, const char *text, size_t len, precis_stories_match_t *match);

/* Plain mode: the whole input is one article, or a feed of them. */
static int summarize_plain(precis_summarizer_t *summarizer, command_t *command, FILE *in)
{
    size_t size;
    char *buffer = read_rest(in, NULL, 0, &size);
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
    /* --format text or html says what the input is; auto looks for a feed
       first, as push does. */
    if (command->format == PRECIS_FORMAT_AUTO &&
        (feed_named(command->path) || precis_feed_sniff(buffer, size))) {
        int rc = summarize_feed(summarizer, command, buffer, size);
        free(buffer);
        return rc;
    }
    /* An HTML page is one whole; plain text may have a title line. */
    bool html = precis_html_wanted(command->format, buffer, size);
    size_t title_len = 0;
    size_t skip =
        html ? 0 : precis_title_split(buffer, size, command->title_rule, &title_len);
    const char *title = skip > 0 ? buffer : NULL;
    const char *text = buffer + skip;
    precis_summary_t summary;
    const char *error = NULL;
    int rc = 0;
    if (run_timed(summarizer, command, html ? PRECIS_FORMAT_HTML : PRECIS_FORMAT_TEXT,
                  title, title_len, &text, size - skip, &command->options, &summary,
                  &error) != 0) {
        fprintf(stderr, "precis summarize: article refused: %s\n", error);
        rc = 1;
    } else if (command->jsonl) {
        /* A page or a text file among JSON Lines inputs: one result line,
           its id the file's path as push gives it (precis_inputs_name:
           relative to its directory argument, extension kept). */
        char *name = precis_inputs_name(command->path ? command->path : "-",
                                        command->input_count, command->inputs);
        const char *base = name;
        size_t id_len = strlen(name);
        /* The title as the normalizer left it (an HTML page's own). */
        const char *clean = command->clean_title;
        bool has_clean = clean && *clean;
        result_head_t head = {.id = {base, id_len},
                              .fallback = "-",
                              .title = has_clean
                                           ? field_of(clean)
                                           : (precis_jsonl_string_t){title, title_len}};
        precis_stories_match_t match;
        const precis_stories_match_t *marked = mark_story(
            command, summarizer, base, id_len, text, command->clean_len, &match);
        put_result(&head, text, &summary, marked, command->explain ? summarizer : NULL,
                   stdout);
        free(name);
    } else {
        for (size_t i = 0; i < summary.selected_count; i++)
            put_line(text + summary.selected[i].start, summary.selected[i].len, stdout);
        if (command->explain)
            put_explain_table(summarizer, text, stdout);
    }
    precis_summary_clear(&summary);
    free(buffer);
    return rc;
}

/* Reads a positive length field of a JSON line into the options. Returns
   false when it is there but not a positive number. */
static bool length_field(const precis_jsonl_number_t *value, const char *name,
                         precis_summary_options_t *options, bool *seen)
{
    if (value->kind == PRECIS_JSONL_ABSENT)
        return true;
    if (!*seen) { /* a line's own length replaces the command's */
        options->sentences = 0;
        options->ratio = 0;
        options->words = 0;
        *seen = true;
    }
    if (strcmp(name, "ratio") == 0) {
        if (value->kind != PRECIS_JSONL_INTEGER && value->kind != PRECIS_JSONL_REAL)
            return false;
        options->ratio = value->real;
        return options->ratio > 0 && options->ratio <= 1;
    }
    if (value->kind != PRECIS_JSONL_INTEGER || value->integer <= 0 ||
        value->integer > 1000000)
        return false;
    *(strcmp(name, "words") == 0 ? &options->words : &options->sentences) =
        (int)value->integer;
    return true;
}

/* Writes text[0..len) as a JSON string. The text is valid UTF-8 (simdjson
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

/* Whether any of the 8 bytes in word is a control byte, '"' or '\\' (the
   bytes a JSON string escapes), tested all at once: the byte-wise form
   "has a zero byte" of Hacker's Delight 6-1. A false alarm only sends the
   word through the byte loop, which decides exactly. */
static bool word_needs_escape(uint64_t word)
{
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    uint64_t quote = word ^ (ones * '"'), backslash = word ^ (ones * '\\');
    uint64_t found = ((word - ones * 0x20) & ~word) | ((quote - ones) & ~quote) |
                     ((backslash - ones) & ~backslash);
    return (found & highs) != 0;
}

static void put_json_text(const char *text, size_t len, bool flatten, FILE *out)
{
    static const char hex[] = "0123456789abcdef";
    putc_unlocked('"', out);
    size_t run = 0; /* start of the bytes not written yet */
    for (size_t i = 0; i < len; i++) {
        /* Most text needs no escape: skip it 8 bytes at a time (the byte
           loop cost 11,000 instructions an article, callgrind, BBC). */
        while ((i & 7) == 0 && len - i >= 8) {
            uint64_t word;
            memcpy(&word, text + i, sizeof word);
            if (word_needs_escape(word))
                break;
            i += 8;
        }
        if (i == len)
            break;
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

/* The result's id and the article's fields, the wire's first keys. */
static void put_head(const result_head_t *head, FILE *out)
{
    fputs(",\"id\":", out);
    if (head->id.ptr)
        put_json_string(head->id.ptr, head->id.len, out);
    else if (head->id_json.ptr)
        fwrite(head->id_json.ptr, 1, head->id_json.len, out);
    else
        put_json_string(head->fallback, strlen(head->fallback), out);
    /* The keys with their punctuation, written whole (fprintf cost more
       than the values it framed). */
    const struct {
        const char *key;
        precis_jsonl_string_t value;
    } fields[] = {{",\"title\":", head->title},
                  {",\"url\":", head->url},
                  {",\"source\":", head->source},
                  {",\"published\":", head->published}};
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
        fputs(fields[i].key, out);
        put_json_string(fields[i].value.ptr ? fields[i].value.ptr : "",
                        fields[i].value.ptr ? fields[i].value.len : 0, out);
    }
}

/* A score as the wire writes it (jansson's real: 17 significant digits,
   and ".0" on an integral value), so that offline and pipeline lines
   compare equal as text. */
static void put_score(double score, FILE *out)
{
    char buffer[PRECIS_REAL_MAX];
    size_t len = precis_real_format(score, buffer);
    fwrite_unlocked(buffer, 1, len, out);
}

/* A count in decimal, as %zu writes it, without printf's parsing of a
   format for every sentence of every line. */
static void put_count(size_t value, FILE *out)
{
    char digits[24];
    size_t at = sizeof digits;
    do {
        digits[--at] = (char)('0' + value % 10);
        value /= 10;
    } while (value);
    fwrite_unlocked(digits + at, 1, sizeof digits - at, out);
}

/* Writes one result line in the wire's JSON form (docs/PROTOCOL.md
   "Summary map", as `precis sub --json` prints it), less what only the
   pipeline has (seq, log_id, timings). The id is the input's (a string, or
   the JSON value it was), else fallback ("line-N", "item-N"). */
static void put_result(const result_head_t *head, const char *text,
                       const precis_summary_t *summary,
                       const precis_stories_match_t *match,
                       const precis_summarizer_t *explained, FILE *out)
{
    fputs("{\"v\":1,\"type\":\"summary\"", out);
    put_head(head, out);
    fputs(",\"lang\":", out);
    put_json_string(summary->lang, strlen(summary->lang), out);
    fputs(",\"summary\":[", out);
    for (size_t i = 0; i < summary->selected_count; i++) {
        if (i)
            putc_unlocked(',', out);
        put_json_sentence(text + summary->selected[i].start, summary->selected[i].len,
                          out);
    }
    fputs("],\"sentences\":[", out);
    for (size_t i = 0; i < summary->selected_count; i++) {
        const precis_selected_t *chosen = &summary->selected[i];
        fputs(i ? ",{\"index\":" : "{\"index\":", out);
        put_count((size_t)chosen->index, out);
        fputs(",\"score\":", out);
        put_score(chosen->score, out);
        fputs(chosen->truncated ? ",\"truncated\":true}" : "}", out);
    }
    fputs("],\"sentence_count\":", out);
    put_count(summary->sentence_count, out);
    fputs(",\"keywords\":[", out);
    for (size_t i = 0; i < summary->keyword_count; i++) {
        if (i)
            putc_unlocked(',', out);
        put_json_string(summary->keywords[i], strlen(summary->keywords[i]), out);
    }
    putc_unlocked(']', out);
    if (match) { /* as the sink publishes them: a new story is its own */
        fputs(",\"story\":", out);
        put_json_string(match->story, strlen(match->story), out);
        if (match->duplicate_of) {
            fputs(",\"duplicate_of\":", out);
            put_json_string(match->duplicate_of, strlen(match->duplicate_of), out);
        }
        fputs(",\"similarity\":", out);
        put_score(match->similarity, out);
        fprintf(out, ",\"exact\":%s", match->exact ? "true" : "false");
    }
    json_t *explain = explained ? precis_explain_json(explained, text) : NULL;
    if (explain) {
        fputs(",\"explain\":", out);
        /* Full precision, as the wire's explain map (jansson's default). */
        json_dumpf(explain, out, JSON_COMPACT);
        json_decref(explain);
    }
    fputs("}\n", out);
}

/* The wire's reason for an offline refusal: "empty" (the normalized text
   is empty, as the normalize stage says it) or "too_long". */
static const char *reason_of(const char *error)
{
    return strncmp(error, "the text is empty", 17) == 0 ? "empty" : "too_long";
}

/* An article refused offline, in the wire's error form (stage summarize),
   so that a --jsonl output has a line for every input. */
static void put_error(const result_head_t *head, const char *stage, const char *reason,
                      const char *error, FILE *out)
{
    fputs("{\"v\":1,\"type\":\"error\"", out);
    put_head(head, out);
    fputs(",\"stage\":", out);
    put_json_string(stage, strlen(stage), out);
    fputs(",\"reason\":", out);
    put_json_string(reason, strlen(reason), out);
    fputs(",\"error\":", out);
    put_json_string(error, strlen(error), out);
    fputs("}\n", out);
}

/* Looks the normalized text up in the input's index and adds it; the
   answer is a repeat when match->duplicate_of is set. NULL without --jsonl
   or without --stories. key: the article's number over all inputs, so that a
   repeated id is still a repeat. */
static const precis_stories_match_t *
mark_story(command_t *command, precis_summarizer_t *summarizer, const char *id,
           size_t id_len, const char *text, size_t len, precis_stories_match_t *match)
{
    if (!command->stories)
        return NULL;
    double start = command->stats ? cpu_seconds() : 0;
    /* As a summarize worker makes it: the bins from the summarizer's
       tokens of the text it has just summarized. */
    precis_minhash_t signature;
    precis_minhash_text_hash(text, len, signature.text_hash);
    precis_summarizer_signature(summarizer, &signature);
    char key[32], *name = strndup(id ? id : "", id ? id_len : 0);
    assert(name);
    /* The articles' order over all inputs is their time: one microsecond
       apart, all in the window. Line numbers restart in each file, so they
       are not the key. */
    size_t number = ++command->story_sequence;
    snprintf(key, sizeof key, "#%zu", number);
    precis_stories_add(command->stories, name, key, &signature, (int64_t)number, match);
    free(name);
    if (match->duplicate_of)
        (*(match->exact ? &command->exact_repeats : &command->near_repeats))++;
    else
        command->story_count++;
    if (command->stats)
        command->story_seconds += cpu_seconds() - start;
    return match;
}

/* Summarizes one item of a feed: plain output is a header line (the title,
   else the id, else the item's number) and the sentences, after a blank line
   when items were printed before it; JSON Lines output is put_result's line
   with the item's id. Returns 0, or 1 after reporting the item. */
static int summarize_item(precis_summarizer_t *summarizer, command_t *command,
                          const precis_feed_item_t *item, size_t number, size_t *printed)
{
    const char *id = item->id ? item->id : "no id";
    char fallback[32];
    snprintf(fallback, sizeof fallback, "item-%zu", number);
    result_head_t head = {.id = field_of(item->id),
                          .fallback = fallback,
                          .title = field_of(item->title),
                          .url = field_of(item->url),
                          .published = field_of(item->published)};
    if (!item->text) {
        char error[PRECIS_ERROR_SIZE];
        snprintf(error, sizeof error,
                 "item %zu (%s) has no content, description or summary", number, id);
        fprintf(stderr, "precis summarize: %s: skipped\n", error);
        if (command->jsonl)
            put_error(&head, "ingest", "invalid", error, stdout);
        return 1;
    }
    precis_format_t format =
        item->format != PRECIS_FORMAT_AUTO ? item->format : command->format;
    const char *text = item->text;
    precis_summary_t summary;
    const char *reason = NULL;
    if (run_timed(summarizer, command, format, item->title,
                  item->title ? strlen(item->title) : 0, &text, strlen(item->text),
                  &command->options, &summary, &reason) != 0) {
        fprintf(stderr, "precis summarize: item %zu (%s): article refused: %s\n", number,
                id, reason);
        precis_summary_clear(&summary);
        if (command->clean_title)
            head.title = field_of(command->clean_title);
        if (command->jsonl)
            put_error(&head, "summarize", reason_of(reason), reason, stdout);
        return 1;
    }
    /* The title as the pipeline publishes it: normalized. */
    if (command->clean_title)
        head.title = field_of(command->clean_title);
    if (command->jsonl) {
        precis_stories_match_t match;
        const precis_stories_match_t *marked =
            mark_story(command, summarizer, item->id, item->id ? strlen(item->id) : 0,
                       text, command->clean_len, &match);
        put_result(&head, text, &summary, marked, command->explain ? summarizer : NULL,
                   stdout);
    } else {
        if (*printed > 0)
            putc('\n', stdout);
        const char *title = command->clean_title;
        if (title && *title)
            put_line(title, strlen(title), stdout);
        else if (item->id)
            put_line(item->id, strlen(item->id), stdout);
        else
            printf("item %zu\n", number);
        for (size_t i = 0; i < summary.selected_count; i++)
            put_line(text + summary.selected[i].start, summary.selected[i].len, stdout);
        if (command->explain)
            put_explain_table(summarizer, text, stdout);
    }
    (*printed)++;
    precis_summary_clear(&summary);
    return 0;
}

/* A feed document data[0..size): every item summarized in document order.
   Returns 1 when the feed cannot be read, has no items, or an item was
   skipped or refused (the others are still summarized). */
static int summarize_feed(precis_summarizer_t *summarizer, command_t *command,
                          const char *data, size_t size)
{
    char error[PRECIS_ERROR_SIZE];
    precis_feed_t *feed = precis_feed_new(data, size, error);
    if (!feed) {
        fprintf(stderr, "precis summarize: cannot read the feed: %s\n", error);
        return 1;
    }
    int rc = 0;
    size_t printed = 0;
    for (size_t i = 0; i < precis_feed_size(feed); i++)
        if (summarize_item(summarizer, command, precis_feed_item(feed, i), i + 1,
                           &printed) != 0)
            rc = 1;
    if (precis_feed_size(feed) == 0) {
        fprintf(stderr, "precis summarize: no article in the input (the feed has no "
                        "items)\n");
        rc = 1;
    }
    precis_feed_destroy(&feed);
    return rc;
}

/* A feed given to --jsonl, seen from its first line: the rest of the input
   is read and summarized item by item. */
static int summarize_jsonl_feed(precis_summarizer_t *summarizer, command_t *command,
                                FILE *in, const char *head, size_t head_len)
{
    size_t size;
    char *buffer = read_rest(in, head, head_len, &size);
    if (!buffer) {
        fprintf(stderr, "precis summarize: out of memory\n");
        return 1;
    }
    int rc = summarize_feed(summarizer, command, buffer, size);
    free(buffer);
    return rc;
}

/* True when a JSON Lines input's first line starts a markup document (a
   byte order mark and white space before it allowed): no JSON line does. */
static bool starts_markup(const char *line, size_t len)
{
    size_t i = len >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
    while (i < len && strchr(" \t\r\n", line[i]))
        i++;
    return i < len && line[i] == '<';
}

/* Says why a line is not a JSON object: precis_jsonl's reason, and for a
   line that does not even start like JSON, what is expected. Returns
   problem, or why[0..size) with it rewritten. */
static const char *readable_parse_error(const char *line, size_t len, const char *problem,
                                        char *why, size_t size)
{
    size_t i = 0;
    while (i < len && (line[i] == ' ' || line[i] == '\t'))
        i++;
    if (i < len && !strchr("{[\"-0123456789", line[i])) {
        snprintf(why, size, "not a JSON object (JSON Lines input has one {...} a line)");
        return why;
    }
    return problem;
}

/* Summarizes one JSON line. Returns 0, or 1 after reporting a bad line. */
static int summarize_line(precis_summarizer_t *summarizer, command_t *command,
                          precis_jsonl_t *reader, const char *line, size_t len,
                          size_t number)
{
    precis_jsonl_record_t record;
    char why[160];
    const char *problem = precis_jsonl_parse(reader, line, len, &record);
    int format_value = command->format;
    precis_summary_options_t options = command->options;
    bool seen = false;
    if (problem)
        problem = readable_parse_error(line, len, problem, why, sizeof why);
    else if (record.text_not_string || !record.text.ptr)
        problem = "\"text\" missing or not a string";
    else if (record.title_not_string)
        problem = "\"title\" is not a string";
    else if (record.meta_not_string)
        problem = "\"url\", \"source\" or \"published\" is not a string";
    else if (record.lang_not_string)
        problem = "\"lang\" is not a string";
    else if (record.format_not_string ||
             (record.format.ptr && (format_value = precis_format_from_name(
                                        record.format.ptr, record.format.len)) < 0))
        problem = "\"format\" must be \"text\", \"html\" or \"auto\"";
    else if (!length_field(&record.words, "words", &options, &seen) ||
             !length_field(&record.sentences, "sentences", &options, &seen) ||
             !length_field(&record.ratio, "ratio", &options, &seen))
        problem = "bad \"sentences\", \"ratio\" or \"words\"";
    else if (record.explain == 2)
        problem = "\"explain\" is not true or false";
    char fallback[32] = "";
    if (!record.id_string.ptr && !record.id_json.ptr) /* only then is it written */
        snprintf(fallback, sizeof fallback, "line-%zu", number);
    /* The record's fields as far as it was read (none when it is not JSON). */
    result_head_t head = {.id = record.id_string,
                          .id_json = record.id_json,
                          .fallback = fallback,
                          .title = record.title,
                          .url = record.url,
                          .source = record.source,
                          .published = record.published};
    if (problem) {
        char error[PRECIS_ERROR_SIZE];
        snprintf(error, sizeof error, "line %zu: %s", number, problem);
        fprintf(stderr, "precis summarize: %s\n", error);
        /* One output line for every input line, so that they join by
           number: the article as ingest would have rejected it. */
        if (command->jsonl)
            put_error(&head, "ingest", "invalid", error, stdout);
        return 1;
    }

    /* simdjson keeps its strings NUL-terminated, so lang is a C string. */
    if (record.lang.ptr && record.lang.len > 0)
        options.lang = record.lang.ptr;
    precis_summary_t summary;
    const char *reason = NULL;
    int rc = 0;
    const char *body = record.text.ptr;
    if (run_timed(summarizer, command, (precis_format_t)format_value, record.title.ptr,
                  record.title.len, &body, record.text.len, &options, &summary,
                  &reason) != 0) {
        fprintf(stderr, "precis summarize: line %zu: article refused: %s\n", number,
                reason);
        if (command->clean_title)
            head.title = field_of(command->clean_title);
        if (command->jsonl)
            put_error(&head, "summarize", reason_of(reason), reason, stdout);
        rc = 1;
    } else if (!command->jsonl) {
        /* A JSON Lines file read for plain output (a .jsonl among the
           inputs): each record as a feed item is, its title (or id) on a
           line, then its sentences, a blank line between records. */
        if (command->plain_printed++ > 0)
            putc('\n', stdout);
        if (record.title.ptr && record.title.len)
            put_line(record.title.ptr, record.title.len, stdout);
        else if (record.id_string.ptr)
            put_line(record.id_string.ptr, record.id_string.len, stdout);
        else
            printf("line %zu\n", number);
        for (size_t i = 0; i < summary.selected_count; i++)
            put_line(body + summary.selected[i].start, summary.selected[i].len, stdout);
    } else {
        precis_stories_match_t match;
        const char *id = record.id_string.ptr ? record.id_string.ptr : record.id_json.ptr;
        size_t id_len = record.id_string.ptr ? record.id_string.len : record.id_json.len;
        const precis_stories_match_t *marked =
            mark_story(command, summarizer, id, id_len, body, command->clean_len, &match);
        /* The title as the pipeline publishes it: normalized. */
        if (command->clean_title)
            head.title = field_of(command->clean_title);
        put_result(&head, body, &summary, marked,
                   (record.explain == -1 ? command->explain : record.explain == 1)
                       ? summarizer
                       : NULL,
                   stdout);
    }
    precis_summary_clear(&summary);
    return rc;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* JSON Lines mode: one article per line. */
/* True when in is read from something that delivers over time (a pipe, a
   socket, a terminal: `tail -f feed.jsonl | precis summarize --jsonl`), not
   a regular file. */
static bool input_is_streamed(FILE *in)
{
    struct stat status;
    return fstat(fileno(in), &status) != 0 || !S_ISREG(status.st_mode);
}

/* Results wait in stdout's 64 KB buffer (precis_cmd_summarize) for
   throughput; a streamed input must not hold them there while the command
   waits for its next line. So when nothing more is ready to read, what has
   been written goes out. A line already in stdio's buffer with none on the
   descriptor flushes once too many, which costs a write, not a result. */
static void flush_before_waiting(FILE *in)
{
    struct pollfd ready = {.fd = fileno(in), .events = POLLIN};
    if (poll(&ready, 1, 0) == 0)
        fflush(stdout);
}

static int summarize_jsonl(precis_summarizer_t *summarizer, command_t *command, FILE *in)
{
    char *line = NULL;
    size_t capacity = 0, number = command->lines_skipped, done = 0;
    command->lines_skipped = 0;
    ssize_t len;
    int rc = 0;
    bool progress = isatty(STDERR_FILENO);
    double next_report = now_seconds() + 0.5;
    bool streamed = input_is_streamed(in);
    if (feed_named(command->path))
        return summarize_jsonl_feed(summarizer, command, in, NULL, 0);
    precis_jsonl_t *reader = precis_jsonl_new();
    if (!reader) {
        fprintf(stderr, "precis summarize: out of memory\n");
        return 1;
    }
    while ((len = getline(&line, &capacity, in)) != -1) {
        number++;
        if (done == 0 && starts_markup(line, (size_t)len)) {
            rc = summarize_jsonl_feed(summarizer, command, in, line, (size_t)len);
            free(line);
            precis_jsonl_destroy(&reader);
            return rc;
        }
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            len--;
        size_t blank = 0;
        while (blank < (size_t)len && (line[blank] == ' ' || line[blank] == '\t'))
            blank++;
        if (blank == (size_t)len)
            continue; /* empty lines are allowed, and ignored */
        if (summarize_line(summarizer, command, reader, line, (size_t)len, number) != 0)
            rc = 1;
        if (streamed)
            flush_before_waiting(in);
        done++;
        if (progress && (done & 63) == 0 && now_seconds() >= next_report) {
            fprintf(stderr, "\r%zu lines", done);
            next_report = now_seconds() + 0.5;
        }
    }
    if (progress && done >= 64)
        fprintf(stderr, "\r%zu lines\n", done);
    free(line);
    precis_jsonl_destroy(&reader);
    if (done == 0) {
        fprintf(stderr, "precis summarize: no article in the input\n");
        rc = 1;
    }
    return rc;
}

/* The stdio buffer of an input file, in bytes. */
#define READ_BUFFER (1 << 20)

/* Summarizes every input in turn: JSON Lines (by --jsonl for stdin, by name
   or content for files) line by line, anything else as one article or a
   feed. Plain output puts a "==> PATH <==" line before each input when
   there are several. Returns 1 when any input failed, else 0. */
static int summarize_inputs(precis_summarizer_t *summarizer, command_t *command,
                            zlistx_t *inputs)
{
    int rc = 0;
    bool several = zlistx_size(inputs) > 1, first = true;
    for (char *path = zlistx_first(inputs); path; path = zlistx_next(inputs)) {
        bool is_stdin = strcmp(path, "-") == 0;
        command->path = is_stdin ? NULL : path;
        FILE *in = is_stdin ? stdin : fopen(path, "rb");
        if (!in) {
            fprintf(stderr, "precis summarize: cannot open %s: %s\n", path,
                    strerror(errno));
            rc = 1;
            continue;
        }
        /* Large reads: stdio's 4 KB made about two read calls a BBC
           article. glibc takes a size only with a buffer. */
        char *buffer = is_stdin ? NULL : malloc(READ_BUFFER);
        if (buffer)
            setvbuf(in, buffer, _IOFBF, READ_BUFFER);
        if (several && !command->jsonl) {
            printf("%s==> %s <==\n", first ? "" : "\n", path);
            first = false;
        }
        /* JSON Lines: a .jsonl/.json file always (one article a line, as
           push reads it); with --jsonl also stdin or a file whose first
           byte after white space is '{'. Anything else is one article (a
           page, plain text) or a feed, with one result line. */
        bool lines = (!is_stdin && precis_inputs_is_jsonl_name(path)) ||
                     (command->jsonl && starts_json(in, &command->lines_skipped));
        if ((lines ? summarize_jsonl(summarizer, command, in)
                   : summarize_plain(summarizer, command, in)) != 0)
            rc = 1;
        if (!is_stdin)
            fclose(in);
        free(buffer);
    }
    return rc;
}

int precis_cmd_summarize(int argc, char **argv)
{
    command_t command;
    int rc = parse_arguments(&command, argc, argv);
    if (rc != 0)
        return rc < 0 ? 0 : rc;
    zlistx_t *inputs = precis_inputs_new(command.input_count, command.inputs);
    if (!inputs) {
        fprintf(stderr, "precis summarize: out of memory\n");
        return 1;
    }
    precis_summarizer_t *summarizer = precis_summarizer_new();
    command.normalizer = precis_normalizer_new();
    if (command.jsonl && command.stories_on) {
        /* The whole input is one window: nothing is evicted by age. */
        precis_stories_options_t window = {.max_age_us = INT64_MAX / 4};
        command.stories = precis_stories_new(&window, NULL, 0);
    }
    /* Output to a file or a pipe in 64 KB writes, not stdio's 4 KB (0.23
       write calls a BBC article). Nothing has been written yet; a terminal
       keeps its line buffering. */
    static char out_buffer[1 << 16];
    if (!isatty(STDOUT_FILENO))
        setvbuf(stdout, out_buffer, _IOFBF, sizeof out_buffer);
    rc = summarize_inputs(summarizer, &command, inputs);
    zlistx_destroy(&inputs);
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
    if (command.stats && command.jsonl && command.stories_on)
        fprintf(stderr,
                "precis summarize: %zu stories, %zu exact repeats, %zu near repeats, "
                "%.3f s on signatures and the index; index: %zu articles, %zu bytes "
                "(%.0f an article)\n",
                command.story_count, command.exact_repeats, command.near_repeats,
                command.story_seconds, precis_stories_size(command.stories),
                precis_stories_bytes(command.stories),
                precis_stories_size(command.stories)
                    ? (double)precis_stories_bytes(command.stories) /
                          precis_stories_size(command.stories)
                    : 0.0);
    precis_stories_destroy(&command.stories);
    if (fflush(stdout) != 0) {
        fprintf(stderr, "precis summarize: cannot write: %s\n", strerror(errno));
        rc = 1;
    }
    return rc;
}
