/*  precis_config - the options every precis program shares.

    The options live in one table: name, argument, the bit that enables
    it, and its help text. getopt_long is built from the rows a program
    enabled, so an option means the same thing in every program: the
    daemons, the network clients, and the offline commands (precis
    summarize, precis split) alike.
*/
#include "precis_config.h"
#include "precis_article.h"
#include "precis_utf8.h"
#include "precis_stories.h"
#include "precis_curve.h"
#include "precis.h"
#include "precis_service.h"
#include "precis_shards.h"
#include <ctype.h>
#include <czmq.h>
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

typedef enum {
    ARG_ENDPOINT,
    ARG_INT,
    ARG_SIZE,
    ARG_RATIO,
    ARG_SECONDS,
    ARG_STRING,
    ARG_NONE
} arg_kind_t;

typedef struct {
    const char *name;
    unsigned bit;
    arg_kind_t kind;
    size_t offset; /* of the field in precis_config_t */
    const char *metavar;
    const char *help; /* lines after the first start with a newline */
} option_row_t;

#define FIELD(f) offsetof(precis_config_t, f)

static const option_row_t option_table[] = {
    {"ingest", PRECIS_OPT_INGEST, ARG_ENDPOINT, FIELD(ingest_endpoint), "ENDPOINT",
     "ingest socket (public, ROUTER)"},
    {"normalize-endpoint", PRECIS_OPT_NORMALIZE, ARG_ENDPOINT, FIELD(normalize_endpoint),
     "ENDPOINT", "articles from ingest to normalize workers"},
    {"normalized-endpoint", PRECIS_OPT_NORMALIZED, ARG_ENDPOINT,
     FIELD(normalized_endpoint), "ENDPOINT",
     "articles from normalize workers back to the hub"},
    {"summarize-endpoint", PRECIS_OPT_SUMMARIZE, ARG_ENDPOINT, FIELD(summarize_endpoint),
     "ENDPOINT", "articles from the hub to summarize workers"},
    {"results-endpoint", PRECIS_OPT_RESULTS, ARG_ENDPOINT, FIELD(results_endpoint),
     "ENDPOINT", "results from summarize workers to the sink"},
    {"output", PRECIS_OPT_OUTPUT, ARG_ENDPOINT, FIELD(output_endpoint), "ENDPOINT",
     "summary output socket (public, PUB)"},
    {"acks-endpoint", PRECIS_OPT_ACKS, ARG_ENDPOINT, FIELD(acks_endpoint), "ENDPOINT",
     "acknowledgements of delivered results, from the sink to ingest"},
    {"replay", PRECIS_OPT_REPLAY, ARG_ENDPOINT, FIELD(replay_endpoint), "ENDPOINT",
     "replay socket of the sink's output log (public, ROUTER)"},
    {"journal", PRECIS_OPT_JOURNAL, ARG_STRING, FIELD(journal_dir), "DIR",
     "keep accepted articles in a journal in DIR until delivered (survives restarts)"},
    {"shard", PRECIS_OPT_JOURNAL, ARG_INT, FIELD(shard), "K",
     "run as shard K (1 to 64) of several ingests: delivery keys start 'K:', so\n"
     "that the sink acknowledges them to the K-th --acks-endpoint (docs/DEPLOY.md)"},
    {"no-forward", PRECIS_OPT_JOURNAL, ARG_NONE, FIELD(no_forward), NULL,
     "do not carry normalized articles to the summarize workers: precis-relay\n"
     "does (the default of deploy/pipeline); --normalized-endpoint and\n"
     "--summarize-endpoint are then not bound, nor taken on the command line\n"
     "(docs/DEPLOY.md)"},
    {"log", PRECIS_OPT_OUTLOG, ARG_STRING, FIELD(out_log), "PATH",
     "append every published result to the output log PATH (enables replay)"},
    {"log-max-bytes", PRECIS_OPT_OUTLOG, ARG_SIZE, FIELD(log_max_bytes), "N",
     "keep at most N bytes of output log (segments PATH, PATH.SEQ; oldest deleted)"},
    {"replay-max-bytes", PRECIS_OPT_OUTLOG, ARG_SIZE, FIELD(replay_max_bytes), "N",
     "replay answers held in memory, at most; beyond it requests are answered busy"},
    /* The offline commands' --jsonl is a flag (JSON Lines in and out); the
       sink's, below, names a file. No program takes both. */
    {"jsonl", PRECIS_OPT_OFFLINE | PRECIS_OPT_SPLIT, ARG_NONE, FIELD(jsonl_input), NULL,
     "input and output are JSON Lines, one object a line"},
    {"stories", PRECIS_OPT_OFFLINE, ARG_NONE, FIELD(stories), NULL,
     "with --jsonl, mark repeats across the input\n"
     "as the pipeline does (off by default: it costs\n"
     "about 14%)"},
    {"no-stories", PRECIS_OPT_NO_STORIES, ARG_NONE, FIELD(no_stories), NULL,
     "no near-duplicate detection: no signatures (worker), no story fields (sink)"},
    {"stories-max", PRECIS_OPT_STORIES, ARG_INT, FIELD(stories_max), "N",
     "near-duplicate index: the last N articles (about 600 bytes each)"},
    {"stories-days", PRECIS_OPT_STORIES, ARG_SECONDS, FIELD(stories_days), "DAYS",
     "near-duplicate index: articles of at most DAYS days"},
    {"stories-threshold", PRECIS_OPT_STORIES, ARG_RATIO, FIELD(stories_threshold), "R",
     "least estimated Jaccard similarity of a near copy (0 < R <= 1; default 0.5)"},
    {"unique", PRECIS_OPT_UNIQUE, ARG_NONE, FIELD(unique), NULL,
     "print only the first article of each story (results without duplicate_of)"},
    {"group-readable", PRECIS_OPT_FILES, ARG_NONE, FIELD(group_readable), NULL,
     "make data files (journal, log, JSON Lines) 0640, not 0600: the group may read"},
    {"max-inflight", PRECIS_OPT_DELIVERY, ARG_INT, FIELD(max_inflight), "N",
     "articles accepted and not yet delivered, at most; beyond it clients hear busy"},
    {"max-inflight-bytes", PRECIS_OPT_DELIVERY, ARG_SIZE, FIELD(max_inflight_bytes), "N",
     "bytes of articles in flight, at most (the first always fits); beyond it, busy"},
    {"retry-ms", PRECIS_OPT_DELIVERY, ARG_INT, FIELD(retry_ms), "MS",
     "send an article again when its result has not arrived after MS (doubling)"},
    {"max-attempts", PRECIS_OPT_DELIVERY, ARG_INT, FIELD(max_attempts), "N",
     "attempts before an article is given up and published as an error"},
    {"drain", PRECIS_OPT_DELIVERY, ARG_SECONDS, FIELD(drain), "SECONDS",
     "on SIGTERM, wait this long for work in flight to be delivered"},
    {"dedup-max-ids", PRECIS_OPT_DELIVERY, ARG_SIZE, FIELD(dedup_max_ids), "N",
     "a request with the id of an article delivered among the last N is a duplicate"},
    {"dedup-max-age", PRECIS_OPT_DELIVERY, ARG_SECONDS, FIELD(dedup_max_age), "SECONDS",
     "... and delivered at most SECONDS ago (answered accepted, duplicate: true)"},
    {"since", PRECIS_OPT_SINCE, ARG_INT, FIELD(since), "SEQ",
     "first replay the output log from sequence number SEQ, then follow live"},
    {"from-beginning", PRECIS_OPT_SINCE, ARG_NONE, FIELD(from_beginning), NULL,
     "first replay everything the output log keeps, then follow live"},
    {"last", PRECIS_OPT_SINCE, ARG_INT, FIELD(last), "N",
     "first replay the last N results of the output log, then follow live"},
    {"exit-at-end", PRECIS_OPT_SINCE, ARG_NONE, FIELD(exit_at_end), NULL,
     "exit 0 once caught up (up to the sink's next result when sub started)"},
    {"print-next", PRECIS_OPT_SINCE, ARG_NONE, FIELD(print_next), NULL,
     "print the number the sink's next result will get (for --since) and exit"},
    {"curve-cert", PRECIS_OPT_CURVE, ARG_STRING, FIELD(curve_cert), "PATH",
     "encrypt every socket with CURVE, with this certificate (precis keygen)"},
    {"curve-server", PRECIS_OPT_CURVE, ARG_STRING, FIELD(curve_server), "PATH",
     "public certificate of the server to connect to (default: --curve-cert)"},
    {"curve-allow", PRECIS_OPT_CURVE_ALLOW, ARG_STRING, FIELD(curve_allow), "DIR",
     "accept only clients whose public certificate is in DIR"},
    {"control", PRECIS_OPT_CONTROL, ARG_ENDPOINT, FIELD(control_endpoint), "ENDPOINT",
     "control socket answering PING and STATS (precis ping, precis stats)"},
    {"metrics-port", PRECIS_OPT_METRICS, ARG_INT, FIELD(metrics_port), "PORT",
     "serve Prometheus metrics on http://ADDRESS:PORT/metrics (default off)"},
    {"metrics-address", PRECIS_OPT_METRICS, ARG_STRING, FIELD(metrics_address), "ADDRESS",
     "the IPv4 or IPv6 address metrics listen on (default: every interface)"},
    {"rate", PRECIS_OPT_PUSH, ARG_INT, FIELD(rate), "N",
     "send at most N articles a second (default: as fast as ingest answers)"},
    {"batch", PRECIS_OPT_PUSH, ARG_INT, FIELD(batch), "N",
     "send up to N articles a message, as one batch frame\n"
     "(1 to 64, default 16; 1: one a request, as before 2026-12-01)"},
    {"sentences", PRECIS_OPT_LENGTH, ARG_INT, FIELD(sentences), "N",
     "summary length in sentences"},
    {"ratio", PRECIS_OPT_LENGTH, ARG_RATIO, FIELD(ratio), "R",
     "summary length as a share of the sentences (0 < R <= 1)"},
    {"words", PRECIS_OPT_LENGTH, ARG_INT, FIELD(words), "N", "summary budget in words"},
    {"lang", PRECIS_OPT_OFFLINE | PRECIS_OPT_SPLIT, ARG_STRING, FIELD(lang), "CODE",
     "the text's language, an ISO 639-1 code (default: detected)"},
    {"format", PRECIS_OPT_OFFLINE, ARG_STRING, FIELD(format), "F",
     "text, html, or auto (the default: HTML when\n"
     "the input starts with <!DOCTYPE html> or\n"
     "<html>, or has tags such as <p> or <div> in\n"
     "its first 4 KB; see docs/PROTOCOL.md); plain\n"
     "input given as text or html is never read as\n"
     "a feed"},
    {"title-line", PRECIS_OPT_OFFLINE, ARG_NONE, FIELD(title_line), NULL,
     "the first line of plain text is always the title"},
    {"no-title", PRECIS_OPT_OFFLINE, ARG_NONE, FIELD(no_title), NULL,
     "it never is: the whole input is the text"},
    {"explain", PRECIS_OPT_OFFLINE | PRECIS_OPT_PUSH, ARG_NONE, FIELD(explain), NULL,
     "say why each sentence was or was not chosen:\n"
     "plain output adds a table after the summary\n"
     "(one row per sentence: status, score and its\n"
     "parts); --jsonl adds \"explain\" to each line\n"
     "(also asked by a line's \"explain\": true; see\n"
     "docs/PROTOCOL.md)"},
    {"max-bytes", PRECIS_OPT_LIMITS, ARG_SIZE, FIELD(max_bytes), "N",
     "largest request accepted, in bytes"},
    {"max-text", PRECIS_OPT_LIMITS, ARG_SIZE, FIELD(max_text), "N",
     "largest article text accepted, in bytes"},
    {"max-sentences", PRECIS_OPT_LIMITS | PRECIS_OPT_OFFLINE, ARG_SIZE,
     FIELD(max_sentences), "N", "most sentences an article may have"},
    {"stats", PRECIS_OPT_OFFLINE, ARG_NONE, FIELD(stats), NULL,
     "at the end, print to stderr the articles\n"
     "summarized and the summarizer's own speed\n"
     "(JSON and I/O excluded), and the stories and\n"
     "repeats found"},
    {"skip-clean", PRECIS_OPT_SPLIT, ARG_NONE, FIELD(skip_clean), NULL,
     "skip cases whose pysbd_options.clean is true\n"
     "(pySBD's test sets mark the cases it splits\n"
     "after cleaning)"},
    {"jsonl", PRECIS_OPT_JSONL, ARG_STRING, FIELD(jsonl_path), "PATH",
     "also append each result as one JSON line to PATH"},
    {"pidfile", PRECIS_OPT_PIDFILE, ARG_STRING, FIELD(pidfile), "PATH",
     "write the process id to PATH once ready"},
    {"topic", PRECIS_OPT_TOPIC, ARG_STRING, FIELD(topic), "T",
     "topic prefix: summary, duplicate, error, summary.en, ... (default: all)"},
    {"json", PRECIS_OPT_JSON, ARG_NONE, FIELD(json), NULL, "print JSON Lines"},
    {"count", PRECIS_OPT_COUNT, ARG_INT, FIELD(count), "N", "stop after N messages"},
    {"timeout", PRECIS_OPT_COUNT | PRECIS_OPT_TIMEOUT, ARG_SECONDS, FIELD(timeout),
     "SECONDS", "stop after SECONDS without a message"},
};

#define OPTION_COUNT (sizeof option_table / sizeof option_table[0])

/* Headings --help prints before an option: the rows from there on are
   for another use than the program's daily one. */
static const struct {
    const char *option, *heading;
} option_headings[] = {
    {"skip-clean", "For evaluating the splitter (bench/segmentation), with --jsonl"},
};

static const char *heading_of(const option_row_t *row)
{
    for (size_t i = 0; i < sizeof option_headings / sizeof option_headings[0]; i++)
        if (strcmp(option_headings[i].option, row->name) == 0)
            return option_headings[i].heading;
    return NULL;
}

/* What a program says an option means when the table's text is another
   program's meaning (--timeout is "no answer" for push, "no message" for
   sub). Set before parsing; see precis_config_help. */
static struct {
    const char *name, *help;
} help_overrides[8];

void precis_config_help(const char *option, const char *help)
{
    for (size_t i = 0; i < sizeof help_overrides / sizeof help_overrides[0]; i++)
        if (!help_overrides[i].name || strcmp(help_overrides[i].name, option) == 0) {
            help_overrides[i].name = option;
            help_overrides[i].help = help;
            return;
        }
}

static const char *help_of(const option_row_t *row)
{
    for (size_t i = 0; i < sizeof help_overrides / sizeof help_overrides[0]; i++)
        if (help_overrides[i].name && strcmp(help_overrides[i].name, row->name) == 0)
            return help_overrides[i].help;
    return row->help;
}

/* The program's name in messages: "precis-ingest", or "precis push". */
static char program_name[64] = "precis";

static void set_program_name(const char *argv0)
{
    const char *slash = strrchr(argv0, '/'), *name = slash ? slash + 1 : argv0;
    snprintf(program_name, sizeof program_name, "%s%s",
             strncmp(name, "precis", 6) == 0 ? "" : "precis ", name);
}

/* A client's public endpoints from the environment (what `. run/env`
   exports), when set and not empty: PRECIS_INGEST, PRECIS_OUTPUT,
   PRECIS_REPLAY. A configuration file and the command line still win.
   PRECIS_REPLAY set and empty is what run/env says of a pipeline started
   with --no-replay: it has no replay socket, and a client must not guess
   one at the output's port + 2. */
static void apply_environment(precis_config_t *config)
{
    const char *value;
    if ((value = getenv("PRECIS_INGEST")) && *value)
        config->ingest_endpoint = value;
    if ((value = getenv("PRECIS_OUTPUT")) && *value)
        config->output_endpoint = value;
    if ((value = getenv("PRECIS_REPLAY")) && *value)
        config->replay_endpoint = value;
    else if (value)
        config->no_replay_socket = true;
}

void precis_config_defaults(precis_config_t *config, bool bind)
{
    memset(config, 0, sizeof *config);
    config->ingest_endpoint = bind ? PRECIS_INGEST_BIND : PRECIS_INGEST_CONNECT;
    config->normalize_endpoint = PRECIS_NORMALIZE_ENDPOINT;
    config->normalized_endpoint = PRECIS_NORMALIZED_ENDPOINT;
    config->summarize_endpoint = PRECIS_SUMMARIZE_ENDPOINT;
    config->results_endpoint = PRECIS_RESULTS_ENDPOINT;
    config->output_endpoint = bind ? PRECIS_OUTPUT_BIND : PRECIS_OUTPUT_CONNECT;
    config->max_bytes = PRECIS_MAX_BYTES;
    config->max_text = PRECIS_MAX_TEXT;
    config->max_sentences = PRECIS_MAX_SENTENCES;
    config->acks_endpoint = PRECIS_ACKS_ENDPOINT;
    config->replay_endpoint = bind ? PRECIS_REPLAY_BIND : PRECIS_REPLAY_CONNECT;
    config->max_inflight = PRECIS_MAX_INFLIGHT;
    config->max_inflight_bytes = PRECIS_MAX_INFLIGHT_BYTES;
    config->log_max_bytes = PRECIS_LOG_MAX_BYTES;
    config->replay_max_bytes = PRECIS_REPLAY_MAX_BYTES;
    config->retry_ms = PRECIS_RETRY_MS;
    config->max_attempts = PRECIS_MAX_ATTEMPTS;
    config->drain = 30;
    config->dedup_max_ids = PRECIS_DEDUP_MAX_IDS;
    config->dedup_max_age = PRECIS_DEDUP_MAX_AGE;
    config->stories_max = PRECIS_STORIES_MAX_ARTICLES;
    config->stories_days = (double)PRECIS_STORIES_MAX_AGE_US / (24 * 3600 * 1e6);
    config->stories_threshold = PRECIS_STORIES_THRESHOLD;
    if (!bind)
        apply_environment(config);
}

static void describe_default(const precis_config_t *config, const option_row_t *row,
                             char *buf, size_t size)
{
    const char *field = (const char *)config + row->offset;
    buf[0] = 0;
    switch (row->kind) {
    case ARG_ENDPOINT:
    case ARG_STRING:
        if (*(const char *const *)field)
            snprintf(buf, size, " (default %s)", *(const char *const *)field);
        break;
    case ARG_SIZE:
        snprintf(buf, size, " (default %zu)", *(const size_t *)field);
        break;
    case ARG_INT:
        if (row->offset != FIELD(count) && row->offset != FIELD(since) &&
            *(const int *)field)
            snprintf(buf, size, " (default %d)", *(const int *)field);
        break;
    case ARG_SECONDS:
        if (*(const double *)field > 0)
            snprintf(buf, size, " (default %g)", *(const double *)field);
        break;
    default:
        break;
    }
}

/* Prints "  FLAG  HELP", the help's further lines under its first. */
static void print_row(const char *flag, const char *help)
{
    const char *line = help;
    printf("  %-32s ", flag);
    for (;;) {
        const char *end = strchr(line, '\n');
        printf("%.*s", end ? (int)(end - line) : (int)strlen(line), line);
        if (!end)
            break;
        printf("\n  %-32s ", "");
        line = end + 1;
    }
}

static void print_help(const precis_config_t *config, unsigned mask, const char *usage)
{
    printf("%s\n\nOptions:\n", usage);
    const char *heading = NULL;
    for (size_t i = 0; i < OPTION_COUNT; i++) {
        const option_row_t *row = &option_table[i];
        if (!(mask & row->bit))
            continue;
        if (heading_of(row)) {
            heading = heading_of(row);
            printf("\n%s:\n", heading);
        }
        char flag[64], dflt[160];
        snprintf(flag, sizeof flag, "--%s%s%s", row->name, row->metavar ? " " : "",
                 row->metavar ? row->metavar : "");
        describe_default(config, row, dflt, sizeof dflt);
        print_row(flag, help_of(row));
        printf("%s\n", dflt);
    }
    if (heading)
        printf("\n");
    static const option_row_t verbose = {
        "verbose", 0, ARG_NONE, 0, NULL, "log more (debug lines on stderr)"};
    printf("  %-32s %s\n", "--config PATH",
           "read options from a ZPL file (section 'precis', or the program's own)");
    printf("  %-32s %s\n", "--check-config",
           "read the options and the --config file as a start would, bind nothing;\n"
           "                                   print \"configuration OK\" (exit 0) or "
           "the error (exit 2)");
    print_row("-v, --verbose", help_of(&verbose));
    printf("\n  %-32s %s\n", "-h, --help", "show this help and exit");
    printf("  %-32s %s\n", "--version", "print the version and exit");
}

static bool looks_like_endpoint(const char *text);

/* Reads a size: digits with an optional suffix, K M G T (x1000) or Ki Mi Gi
   Ti (x1024), any case, an optional B after them. false when not a size or
   above most. */
static bool parse_size(const char *text, unsigned long long most, unsigned long long *out)
{
    if (!isdigit((unsigned char)*text))
        return false;
    char *end = NULL;
    errno = 0;
    unsigned long long value = strtoull(text, &end, 10);
    if (errno)
        return false;
    static const char units[] = "kmgt";
    unsigned long long scale = 1;
    if (*end) {
        const char *unit = strchr(units, tolower((unsigned char)*end));
        if (!unit)
            return false;
        bool binary = end[1] == 'i' || end[1] == 'I';
        const char *rest = end + 1 + binary;
        if (*rest == 'b' || *rest == 'B')
            rest++;
        if (*rest)
            return false;
        for (long i = 0; i <= unit - units; i++)
            scale *= binary ? 1024 : 1000;
    }
    if (value > most / scale)
        return false;
    *out = value * scale;
    return *out >= 1;
}

/* True for the endpoint forms ZeroMQ takes: tcp://HOST:PORT, ipc://PATH,
   inproc://NAME, and the other transports' SCHEME://ADDRESS. */
bool precis_config_endpoint_ok(const char *text)
{
    return looks_like_endpoint(text);
}

static bool looks_like_one_endpoint(const char *text)
{
    const char *scheme_end = strstr(text, "://");
    if (!scheme_end || scheme_end == text || !scheme_end[3])
        return false;
    if (strncmp(text, "tcp://", 6) == 0) {
        const char *colon = strrchr(text + 6, ':');
        return colon && colon[1] && strspn(colon + 1, "0123456789*") == strlen(colon + 1);
    }
    return true;
}

/* One endpoint, or a comma-separated list of them (ingest shards: a client
   connects to each, precis_shards.h). */
static bool looks_like_endpoint(const char *text)
{
    size_t count = precis_shards_count(text);
    if (count == 0 || count > PRECIS_SHARDS_MAX)
        return false;
    for (size_t i = 0; i < count; i++) {
        char *one = precis_shards_endpoint(text, i);
        bool ok = looks_like_one_endpoint(one);
        free(one);
        if (!ok)
            return false;
    }
    return true;
}

_Static_assert(PRECIS_REQUESTS_PER_MESSAGE == 64, "--batch's message names 64");

/* Parses one option argument into its field; returns 0, or -1 after a
   message that names the program, the option, the value and what is
   allowed. */
static int parse_value(precis_config_t *config, const option_row_t *row, const char *text)
{
    char *field = (char *)config + row->offset;
    char *end = NULL;
    const char *wanted = "a value";
    errno = 0;
    switch (row->kind) {
    case ARG_ENDPOINT:
        wanted = "an endpoint such as tcp://HOST:PORT, tcp://*:PORT or ipc:///PATH (or "
                 "a comma-separated list of them)";
        if (!looks_like_endpoint(text))
            goto bad;
        *(const char **)field = text;
        if (row->offset == FIELD(replay_endpoint))
            config->no_replay_socket = false; /* named: there is one after all */
        return 0;
    case ARG_STRING:
        wanted = "a value that is not empty";
        if (!*text)
            goto bad;
        *(const char **)field = text;
        return 0;
    case ARG_INT: {
        /* --batch has a bound of its own (a request message's frames), so
           that 0 and 65 are refused with the same message. */
        long most = row->offset == FIELD(batch) ? PRECIS_REQUESTS_PER_MESSAGE : 100000000;
        wanted = most == 100000000 ? "a whole number from 1 to 100000000"
                                   : "a whole number from 1 to 64 (requests a message)";
        long value = strtol(text, &end, 10);
        if (errno || *end || end == text || value < 1 || value > most)
            goto bad;
        if (row->offset == FIELD(count))
            config->count = value;
        else if (row->offset == FIELD(since))
            config->since = value;
        else
            *(int *)field = (int)value;
        return 0;
    }
    case ARG_SIZE: {
        bool big = row->offset == FIELD(log_max_bytes);
        wanted =
            big ? "a size from 1 to 1 PiB: a number with an optional K, M, G or T "
                  "(x1000) or Ki, Mi, Gi or Ti (x1024) suffix"
                : "a size from 1 to 2Gi (2147483648): a number with an optional K, M "
                  "or G (x1000) or Ki, Mi or Gi (x1024) suffix";
        unsigned long long value = 0;
        if (!parse_size(text, big ? 1ull << 50 : 1ull << 31, &value))
            goto bad;
        *(size_t *)field = (size_t)value;
        return 0;
    }
    case ARG_RATIO:
    case ARG_SECONDS: {
        wanted = row->kind == ARG_RATIO ? "a number above 0 and at most 1"
                                        : "a number of seconds above 0, such as 2 or 0.5";
        double value = strtod(text, &end);
        if (errno || *end || end == text || !isfinite(value) || value <= 0 ||
            (row->kind == ARG_RATIO && value > 1))
            goto bad;
        *(double *)field = value;
        return 0;
    }
    case ARG_NONE:
        *(bool *)field = true;
        return 0;
    }
bad:
    fprintf(stderr, "%s: --%s '%s': expected %s\n", program_name, row->name, text,
            wanted);
    return -1;
}

/* The loaded configuration file; its strings back config fields until exit. */
static zconfig_t *config_file = NULL;

/* Where each option of the table got its value from the file, for the
   conflict check after the command line: the section (0 "precis", 1 the
   program's own, -1 not from the file) and the path. Reset by each parse. */
static int file_section[OPTION_COUNT];
static const char *file_path = NULL;

static void free_config_file(void)
{
    zconfig_destroy(&config_file);
}

/* The section of the file for this program: "ingest" for precis-ingest,
   "push" for `precis push`. */
static const char *program_section(const char *argv0)
{
    const char *base = strrchr(argv0, '/');
    base = base ? base + 1 : argv0;
    return strncmp(base, "precis-", 7) == 0 ? base + 7 : base;
}

/* The line of the file where `name =` (or a section `name`) first
   appears, for messages; 0 when not found. zconfig keeps no line numbers. */
static int line_of(const char *path, const char *name)
{
    FILE *file = fopen(path, "r");
    if (!file)
        return 0;
    char line[1024];
    int number = 0, found = 0;
    size_t len = strlen(name);
    while (!found && fgets(line, sizeof line, file)) {
        number++;
        const char *start = line + strspn(line, " \t");
        if (strncmp(start, name, len) == 0 &&
            (start[len] == '=' || start[len] == ' ' || start[len] == '\t' ||
             start[len] == '\n' || start[len] == '\r' || start[len] == '\0'))
            found = number;
    }
    fclose(file);
    return found;
}

/* Every section of a configuration file must be a program's (or "precis",
   shared) and every key an option of the table: a misspelled key would
   otherwise be ignored without a word. Returns 0 or -1 after a message
   naming the key and its line. */
static int check_config_keys(zconfig_t *root, const char *path)
{
    static const char *sections[] = {"precis", "ingest", "normalize", "summarize",
                                     "sink",   "push",   "sub",       "stats",
                                     "ping",   "split"};
    for (zconfig_t *section = zconfig_child(root); section;
         section = zconfig_next(section)) {
        const char *name = zconfig_name(section);
        bool known = false;
        for (size_t i = 0; i < sizeof sections / sizeof sections[0] && !known; i++)
            known = strcmp(name, sections[i]) == 0;
        if (!known) {
            fprintf(stderr,
                    "%s: %s, line %d: unknown section '%s' (sections: precis, or a "
                    "program: ingest, normalize, summarize, sink, push, sub, stats, "
                    "ping, split)\n",
                    program_name, path, line_of(path, name), name);
            return -1;
        }
        for (zconfig_t *key = zconfig_child(section); key; key = zconfig_next(key)) {
            const char *option = zconfig_name(key);
            bool valid = false;
            for (size_t i = 0; i < OPTION_COUNT && !valid; i++)
                valid = strcmp(option, option_table[i].name) == 0;
            if (!valid) {
                fprintf(stderr,
                        "%s: %s, line %d: unknown key '%s' in section '%s' (keys are the "
                        "long options, without --: see --help)\n",
                        program_name, path, line_of(path, option), option, name);
                return -1;
            }
        }
    }
    return 0;
}

/* The mistakes a newcomer makes writing ZPL (INI-style [brackets], keys
   indented by a tab or other than 4 spaces), found before zconfig, whose
   own message ("invalid syntax") does not say what ZPL wants. Writes a
   message into why and returns the line, or 0 when none is seen. */
static int zpl_mistake(const char *path, char *why, size_t size)
{
    static const char *rule =
        "sections are written without brackets, keys indented by 4 spaces (see README)";
    FILE *file = fopen(path, "r");
    if (!file)
        return 0;
    char line[1024];
    int number = 0, found = 0;
    bool whole = true; /* the last read ended its line */
    while (!found && fgets(line, sizeof line, file)) {
        bool start_of_line = whole;
        whole = strchr(line, '\n') != NULL;
        if (!start_of_line)
            continue; /* the rest of a line longer than the buffer */
        number++;
        line[strcspn(line, "\r\n")] = 0;
        size_t spaces = strspn(line, " ");
        const char *start = line + strspn(line, " \t");
        if (*start == 0 || *start == '#')
            continue;
        if (*start == '[') {
            snprintf(why, size, "'%.40s' is not ZPL: %s", start, rule);
            found = number;
        } else if (line[spaces] == '\t') {
            snprintf(why, size, "indented by a tab: %s", rule);
            found = number;
        } else if (spaces % 4) {
            snprintf(why, size, "indented by %zu spaces: %s", spaces, rule);
            found = number;
        }
    }
    fclose(file);
    return found;
}

/* Applies --config PATH, if argv has it, before the command line: the
   command line overrides the file, and the program's own section overrides
   the shared "precis" section. Returns 0 or -1 after a message. */
static int apply_config_file(precis_config_t *config, int argc, char **argv,
                             unsigned mask)
{
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
            path = argv[i + 1];
        else if (strncmp(argv[i], "--config=", 9) == 0)
            path = argv[i] + 9;
    }
    if (!path)
        return 0;
    zconfig_destroy(&config_file);
    if (access(path, R_OK) != 0) {
        fprintf(stderr, "%s: cannot read the configuration file %s: %s\n", program_name,
                path, strerror(errno));
        return -1;
    }
    char why[256];
    int line = zpl_mistake(path, why, sizeof why);
    if (line > 0) {
        fprintf(stderr, "%s: %s, line %d: %s\n", program_name, path, line, why);
        return -1;
    }
    config_file = zconfig_load(path);
    if (!config_file) {
        fprintf(stderr,
                "%s: cannot read the configuration file %s: not ZPL (sections without "
                "brackets, \"key = value\" lines under them indented by 4 spaces; see "
                "the README)\n",
                program_name, path);
        return -1;
    }
    static bool registered = false;
    if (!registered)
        registered = atexit(free_config_file) == 0;
    if (check_config_keys(config_file, path) != 0)
        return -1;
    const char *sections[] = {"precis", program_section(argv[0])};
    for (size_t s = 0; s < 2; s++)
        for (size_t i = 0; i < OPTION_COUNT; i++) {
            if (!(mask & option_table[i].bit))
                continue;
            char key[128];
            snprintf(key, sizeof key, "%s/%s", sections[s], option_table[i].name);
            char *value = zconfig_get(config_file, key, NULL);
            if (!value)
                continue;
            if (option_table[i].kind == ARG_NONE &&
                (strcmp(value, "0") == 0 || strcmp(value, "false") == 0))
                continue;
            if (parse_value(config, &option_table[i], value) != 0) {
                fprintf(stderr, "%s: in %s, line %d: %s\n", program_name, path,
                        line_of(path, option_table[i].name), key);
                return -1;
            }
            file_section[i] = (int)s;
        }
    file_path = path;
    return 0;
}

/* Options that exclude each other. Given on the command line, one of a
   group replaces the others that came from the --config file (the file is
   the standing choice, the command line this run's); two of a group both
   on the command line, or both in the file, stay a conflict for the
   program to refuse. */
static const char *const exclusive_groups[][5] = {
    {"sentences", "ratio", "words", NULL},
    {"since", "from-beginning", "last", "print-next", NULL},
    {"title-line", "no-title", NULL},
};

#define GROUP_COUNT (sizeof exclusive_groups / sizeof exclusive_groups[0])

/* The group the option name belongs to, or -1. */
static int group_of(const char *name)
{
    for (size_t g = 0; g < GROUP_COUNT; g++)
        for (size_t k = 0; exclusive_groups[g][k]; k++)
            if (strcmp(exclusive_groups[g][k], name) == 0)
                return (int)g;
    return -1;
}

/* Sets an option's field back to its unset value: every member of an
   exclusive group is unset at 0 (or false). */
static void unset_field(precis_config_t *config, const option_row_t *row)
{
    char *field = (char *)config + row->offset;
    if (row->offset == FIELD(since))
        config->since = 0;
    else if (row->kind == ARG_NONE)
        *(bool *)field = false;
    else if (row->kind == ARG_RATIO || row->kind == ARG_SECONDS)
        *(double *)field = 0;
    else if (row->kind == ARG_INT)
        *(int *)field = 0;
}

/* Before the command line's row takes its value: unsets the other members
   of its group that the command line did not give (so those from the
   file). given[i] says whether option_table[i] came on the command line. */
static void replace_file_choice(precis_config_t *config, const option_row_t *row,
                                const bool *given, unsigned mask)
{
    int group = group_of(row->name);
    if (group < 0)
        return;
    for (size_t i = 0; i < OPTION_COUNT; i++) {
        const option_row_t *other = &option_table[i];
        if (other != row && (mask & other->bit) && !given[i] &&
            group_of(other->name) == group)
            unset_field(config, other);
    }
}

/* Two of an exclusive group from the file, neither replaced by the command
   line: the program's own section beats the shared one; two left in one
   section are refused here, naming the file, the lines and the keys (the
   program's own "give one of" would not say they came from the file).
   Returns 0 or -1 after a message. */
static int check_file_conflicts(precis_config_t *config, const bool *given,
                                const char *section)
{
    for (size_t g = 0; g < GROUP_COUNT; g++) {
        bool own = false, settled = false; /* settled: the command line gave one */
        for (size_t i = 0; i < OPTION_COUNT; i++)
            settled |= given[i] && group_of(option_table[i].name) == (int)g;
        if (settled)
            continue;

        for (size_t i = 0; i < OPTION_COUNT; i++)
            own |= file_section[i] == 1 && !given[i] &&
                   group_of(option_table[i].name) == (int)g;
        size_t found[2], count = 0;
        for (size_t i = 0; i < OPTION_COUNT; i++) {
            if (file_section[i] < 0 || given[i] ||
                group_of(option_table[i].name) != (int)g)
                continue;
            if (own && file_section[i] == 0) {
                unset_field(config, &option_table[i]); /* the shared section's */
                continue;
            }
            if (count < 2)
                found[count] = i;
            count++;
        }
        if (count < 2)
            continue;
        const char *a = option_table[found[0]].name, *b = option_table[found[1]].name;
        fprintf(stderr,
                "%s: %s, lines %d and %d: '%s' and '%s' exclude each other (section "
                "'%s'): keep one of them\n",
                program_name, file_path, line_of(file_path, a), line_of(file_path, b), a,
                b, own ? section : "precis");
        return -1;
    }
    return 0;
}

/* Options that contradict each other on the command line: the first says
   the second will not be used. (In a --config file they may meet: the
   shared section names endpoints for every program, precis-relay too.) */
static const char *const contradicting_pairs[][2] = {
    {"no-forward", "normalized-endpoint"},
    {"no-forward", "summarize-endpoint"},
};

/* Returns 0, or -1 after a message naming both options. */
static int check_contradictions(const bool *given)
{
    for (size_t p = 0; p < sizeof contradicting_pairs / sizeof contradicting_pairs[0];
         p++) {
        bool both = true;
        for (size_t k = 0; k < 2; k++) {
            bool found = false;
            for (size_t i = 0; i < OPTION_COUNT; i++)
                found |= given[i] &&
                         strcmp(option_table[i].name, contradicting_pairs[p][k]) == 0;
            both &= found;
        }
        if (both) {
            fprintf(stderr, "%s: --%s: --%s would not be used; give one of them\n",
                    program_name, contradicting_pairs[p][0], contradicting_pairs[p][1]);
            return -1;
        }
    }
    return 0;
}

int precis_config_parse(precis_config_t *config, int argc, char **argv, unsigned mask,
                        const char *usage)
{
    set_program_name(argv[0]);
    for (size_t i = 0; i < OPTION_COUNT; i++)
        file_section[i] = -1;
    config->check_config = false;
    if (apply_config_file(config, argc, argv, mask) != 0)
        return 1;
    struct option longopts[OPTION_COUNT + 6];
    const option_row_t *rows[OPTION_COUNT];
    size_t used = 0;
    for (size_t i = 0; i < OPTION_COUNT; i++) {
        if (!(mask & option_table[i].bit))
            continue;
        for (size_t k = 0; k < used; k++)
            if (strcmp(rows[k]->name, option_table[i].name) == 0) {
                /* A mask enabling both rows of one name (--jsonl): a bug. */
                fprintf(stderr, "%s: two meanings of --%s enabled\n", program_name,
                        option_table[i].name);
                return 1;
            }
        rows[used] = &option_table[i];
        longopts[used] = (struct option){
            option_table[i].name,
            option_table[i].kind == ARG_NONE ? no_argument : required_argument, NULL,
            1000 + (int)used};
        used++;
    }
    longopts[used++] = (struct option){"help", no_argument, NULL, 'h'};
    longopts[used++] = (struct option){"version", no_argument, NULL, 'V'};
    longopts[used++] = (struct option){"config", required_argument, NULL, 'c'};
    longopts[used++] = (struct option){"verbose", no_argument, NULL, 'v'};
    longopts[used++] = (struct option){"check-config", no_argument, NULL, 'C'};
    longopts[used] = (struct option){NULL, 0, NULL, 0};

    bool given[OPTION_COUNT] = {false}; /* rows given on the command line */
    optind = 0; /* glibc: start over, ordering mode included (a test parses often) */
    opterr = 0;
    int c;
    /* The offline commands take options after their inputs too (precis
       summarize FILE --jsonl); the others stop at the first operand. */
    const char *optstring = mask & (PRECIS_OPT_OFFLINE | PRECIS_OPT_SPLIT) ? "hv" : "+hv";
    while ((c = getopt_long(argc, argv, optstring, longopts, NULL)) != -1) {
        if (c == 'h') {
            print_help(config, mask, usage);
            return -1;
        }
        if (c == 'V') {
            /* "precis-ingest 0.1.0", or "precis push 0.1.0" for a command. */
            const char *slash = strrchr(argv[0], '/'),
                       *name = slash ? slash + 1 : argv[0];
            printf("%s%s %s\n", strncmp(name, "precis", 6) == 0 ? "" : "precis ", name,
                   PRECIS_VERSION);
            return -1;
        }
        if (c == 'v')
            config->verbose++;
        else if (c == 'C')
            config->check_config = true;
        else if (c == 'c')
            continue; /* applied before the command line */
        else if (c >= 1000) {
            const option_row_t *row = rows[c - 1000];
            replace_file_choice(config, row, given, mask);
            given[row - option_table] = true;
            if (parse_value(config, row, optarg) != 0)
                return 1;
        } else {
            fprintf(stderr,
                    "%s: unknown option, or one without its value: '%s' (see --help)\n",
                    program_name, argv[optind - 1]);
            return 1;
        }
    }
    config->argc = argc - optind;
    config->argv = argv + optind;
    if (check_file_conflicts(config, given, program_section(argv[0])) != 0 ||
        check_contradictions(given) != 0)
        return 1;
    if (config->check_config) {
        /* Everything a start would read is read: nothing is bound. */
        printf("%s: configuration OK\n", program_name);
        return -1;
    }
    return 0;
}

bool precis_heap_keep(void)
{
    if (getenv("MALLOC_TRIM_THRESHOLD_") || getenv("MALLOC_TOP_PAD_") ||
        getenv("MALLOC_MMAP_THRESHOLD_"))
        return false;
    int trim = mallopt(M_TRIM_THRESHOLD, 256 << 20);
    int pad = mallopt(M_TOP_PAD, 64 << 20);
    /* Setting either turns off glibc's sliding mmap threshold, which would
       otherwise have risen after the first large free: fix it where it
       would end (32 MiB), so that a large buffer freed and asked again (a
       journal batch, an article of 1 MiB) comes from the heap, not from a
       new mapping faulted in page by page. */
    int map = mallopt(M_MMAP_THRESHOLD, 32 << 20);
    return trim == 1 && pad == 1 && map == 1;
}

int precis_program_start(precis_config_t *config, int argc, char **argv, unsigned mask,
                         const char *usage, const char *ident, bool bind)
{
    precis_config_defaults(config, bind);
    int rc = precis_config_parse(config, argc, argv, mask, usage);
    if (rc != 0)
        return rc < 0 ? 0 : 2;
    precis_log_init(ident, config->verbose);
    precis_set_file_mode(config->group_readable ? 0640 : 0600);
    return precis_curve_start(config) == 0 ? -1 : 3;
}

static int log_verbosity = 0;
static unsigned file_mode = 0600;

unsigned precis_file_mode(void)
{
    return file_mode;
}

void precis_set_file_mode(unsigned mode)
{
    file_mode = mode;
}

int precis_data_file_open(const char *path, int flags)
{
    int fd = open(path, flags | O_CREAT | O_CLOEXEC, (mode_t)file_mode);
    struct stat info;
    if (fd >= 0 && fstat(fd, &info) == 0 && S_ISREG(info.st_mode) &&
        (info.st_mode & 0777) != file_mode && fchmod(fd, (mode_t)file_mode) != 0)
        zsys_warning("cannot set the mode of %s to %o: %s", path, file_mode,
                     strerror(errno));
    return fd;
}

void precis_log_init(const char *ident, int verbose)
{
    zsys_set_logident(ident);
    /* Under systemd, stderr is the journal: lines sent through syslog keep
       their priority there (journalctl -p err), lines on stderr would all
       be "info". */
    if (precis_service_is_journal(STDERR_FILENO)) {
        zsys_set_logstream(NULL);
        zsys_set_logsystem(true);
    } else
        zsys_set_logstream(stderr);
    log_verbosity = verbose;
}

void precis_debug(const char *format, ...)
{
    if (log_verbosity < 1)
        return;
    char line[1024], shown[1024];
    va_list args;
    va_start(args, format);
    vsnprintf(line, sizeof line, format, args);
    va_end(args);
    /* One line each: a client's id with a line break in it stays in it. */
    zsys_debug("%s", precis_utf8_printable(shown, sizeof shown, line, strlen(line)));
}

int precis_pidfile_write(const char *path)
{
    /* The pid file is written once every socket is set up: the moment to
       tell systemd (Type=notify) too. */
    precis_service_ready();
    if (!path)
        return 0;
    char temp[4096];
    snprintf(temp, sizeof temp, "%s.tmp", path);
    FILE *file = fopen(temp, "w");
    if (!file)
        return -1;
    fprintf(file, "%d\n", (int)getpid());
    if (fclose(file) != 0)
        return -1;
    /* Renamed into place so a reader never sees a half-written file. */
    if (rename(temp, path) != 0)
        return -1;
    return 0;
}

void precis_pidfile_remove(const char *path)
{
    if (path)
        unlink(path);
}

int precis_config_test(bool verbose)
{
    int failures = 0;
#define CHECK(cond)                                                                      \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            fprintf(stderr, "config test failed: %s (line %d)\n", #cond, __LINE__);      \
            failures++;                                                                  \
        }                                                                                \
    } while (0)
    /* The heap keeps what was freed: 8 MiB in 1 KiB blocks, freed, stay in
       glibc's arena (with its defaults the top is trimmed back to the
       kernel). mallinfo2 says 0 under another allocator (ASan, valgrind):
       then there is nothing to check. */
    if (precis_heap_keep() && mallinfo2().arena > 0) {
        enum { BLOCKS = 8192 };
        void **blocks = malloc(BLOCKS * sizeof *blocks);
        CHECK(blocks);
        for (size_t i = 0; blocks && i < BLOCKS; i++) {
            blocks[i] = malloc(1024);
            CHECK(blocks[i]);
        }
        for (size_t i = BLOCKS; blocks && i-- > 0;)
            free(blocks[i]);
        free(blocks);
        CHECK(mallinfo2().arena >= (size_t)BLOCKS * 1024);
    }
    precis_config_t config;
    precis_config_defaults(&config, true);
    CHECK(strcmp(config.ingest_endpoint, PRECIS_INGEST_BIND) == 0);
    precis_config_defaults(&config, false);
    CHECK(strcmp(config.ingest_endpoint, PRECIS_INGEST_CONNECT) == 0);

    char *args1[] = {"prog", "--ingest", "tcp://1.2.3.4:9", "--ratio",
                     "0.25", "-v",       "file.txt",        NULL};
    CHECK(precis_config_parse(&config, 7, args1, PRECIS_OPT_INGEST | PRECIS_OPT_LENGTH,
                              "usage") == 0);
    CHECK(strcmp(config.ingest_endpoint, "tcp://1.2.3.4:9") == 0);
    CHECK(config.ratio == 0.25);
    CHECK(config.verbose == 1);
    CHECK(config.argc == 1 && strcmp(config.argv[0], "file.txt") == 0);

    /* A list of endpoints (ingest shards) is taken; one bad item is not. */
    precis_config_defaults(&config, false);
    char *list_ok[] = {"prog", "--ingest", "tcp://h:1,tcp://h:2,ipc:///x", NULL};
    CHECK(precis_config_parse(&config, 3, list_ok, PRECIS_OPT_INGEST, "usage") == 0);
    CHECK(strcmp(config.ingest_endpoint, "tcp://h:1,tcp://h:2,ipc:///x") == 0);
    char *list_bad[] = {"prog", "--ingest", "tcp://h:1,tcp://h", NULL};
    CHECK(precis_config_parse(&config, 3, list_bad, PRECIS_OPT_INGEST, "usage") == 1);
    char *list_empty[] = {"prog", "--ingest", "tcp://h:1,", NULL};
    CHECK(precis_config_parse(&config, 3, list_empty, PRECIS_OPT_INGEST, "usage") == 1);

    /* An option the program did not enable is a usage error. */
    precis_config_defaults(&config, false);
    char *args2[] = {"prog", "--jsonl", "x", NULL};
    CHECK(precis_config_parse(&config, 3, args2, PRECIS_OPT_INGEST, "usage") == 1);
    /* Bad values are refused. */
    char *args3[] = {"prog", "--ratio", "1.5", NULL};
    CHECK(precis_config_parse(&config, 3, args3, PRECIS_OPT_LENGTH, "usage") == 1);
    char *args4[] = {"prog", "--sentences", "0", NULL};
    CHECK(precis_config_parse(&config, 3, args4, PRECIS_OPT_LENGTH, "usage") == 1);
    char *args5[] = {"prog", "--max-text", "12x", NULL};
    CHECK(precis_config_parse(&config, 3, args5, PRECIS_OPT_LIMITS, "usage") == 1);
    char *args6[] = {"prog", "--count", "5", "--json", NULL};
    CHECK(precis_config_parse(&config, 4, args6, PRECIS_OPT_COUNT | PRECIS_OPT_JSON,
                              "usage") == 0);
    CHECK(config.count == 5 && config.json);

    /* A configuration file: the program's section beats the shared one,
       and the command line beats both. */
    char path[] = "/tmp/precis-config-test-XXXXXX";
    FILE *file = fdopen(mkstemp(path), "w");
    fprintf(file, "precis\n    retry-ms = 700\n    max-inflight = 9\n"
                  "ingest\n    max-inflight = 11\n    journal = \"/var/x\"\n"
                  "    no-forward = 1\n");
    fclose(file);
    precis_config_defaults(&config, true);
    char *args7[] = {
        "/usr/bin/precis-ingest", "--config", path, "--journal", "/tmp/j", NULL};
    CHECK(precis_config_parse(&config, 5, args7, PRECIS_OPT_DELIVERY | PRECIS_OPT_JOURNAL,
                              "usage") == 0);
    CHECK(config.retry_ms == 700 && config.max_inflight == 11);
    CHECK(strcmp(config.journal_dir, "/tmp/j") == 0);
    CHECK(config.no_forward); /* ingest's key, as --no-forward */
    /* --no-forward with an endpoint it leaves unbound is refused on the
       command line; from the shared section of the file it is not. */
    char *args21[] = {"/usr/bin/precis-ingest", "--no-forward", "--summarize-endpoint",
                      "tcp://127.0.0.1:9", NULL};
    unsigned ingest_mask =
        PRECIS_OPT_JOURNAL | PRECIS_OPT_NORMALIZED | PRECIS_OPT_SUMMARIZE;
    precis_config_defaults(&config, true);
    CHECK(precis_config_parse(&config, 4, args21, ingest_mask, "usage") == 1);
    args21[2] = "--normalized-endpoint";
    precis_config_defaults(&config, true);
    CHECK(precis_config_parse(&config, 4, args21, ingest_mask, "usage") == 1);
    file = fopen(path, "w");
    fprintf(file, "precis\n    summarize-endpoint = \"tcp://127.0.0.1:9\"\n");
    fclose(file);
    char *args22[] = {"/usr/bin/precis-ingest", "--config", path, "--no-forward", NULL};
    precis_config_defaults(&config, true);
    CHECK(precis_config_parse(&config, 4, args22, ingest_mask, "usage") == 0);
    CHECK(config.no_forward);
    unlink(path);
    /* --batch takes 1 to 64 (the frames of a request message): 0 and 65
       are refused alike, 64 is taken. */
    char *args23[] = {"precis push", "--batch", "0", NULL};
    precis_config_defaults(&config, false);
    CHECK(precis_config_parse(&config, 3, args23, PRECIS_OPT_PUSH, "usage") == 1);
    args23[2] = "65";
    precis_config_defaults(&config, false);
    CHECK(precis_config_parse(&config, 3, args23, PRECIS_OPT_PUSH, "usage") == 1);
    args23[2] = "64";
    precis_config_defaults(&config, false);
    CHECK(precis_config_parse(&config, 3, args23, PRECIS_OPT_PUSH, "usage") == 0);
    CHECK(config.batch == 64);
    /* One of an exclusive group on the command line replaces the file's
       choice (sentences = 2 there, --ratio here); two on the command line
       are both kept, for the program to refuse. */
    file = fopen(path, "w");
    fprintf(file, "summarize\n    sentences = 2\n    title-line = 1\n"
                  "sub\n    last = 5\n");
    fclose(file);
    precis_config_defaults(&config, false);
    char *args12[] = {"summarize", "--config",   path, "--ratio",
                      "0.5",       "--no-title", NULL};
    CHECK(precis_config_parse(&config, 6, args12, PRECIS_OPT_LENGTH | PRECIS_OPT_OFFLINE,
                              "usage") == 0);
    CHECK(config.ratio == 0.5 && config.sentences == 0);
    CHECK(config.no_title && !config.title_line);
    precis_config_defaults(&config, false);
    char *args13[] = {"summarize", "--config", path, "--ratio",
                      "0.5",       "--words",  "9",  NULL};
    CHECK(precis_config_parse(&config, 7, args13, PRECIS_OPT_LENGTH | PRECIS_OPT_OFFLINE,
                              "usage") == 0);
    CHECK(config.ratio == 0.5 && config.words == 9 && config.sentences == 0);
    precis_config_defaults(&config, false);
    char *args14[] = {"summarize", "--config", path, NULL};
    CHECK(precis_config_parse(&config, 3, args14, PRECIS_OPT_LENGTH | PRECIS_OPT_OFFLINE,
                              "usage") == 0);
    CHECK(config.sentences == 2 && config.title_line);
    precis_config_defaults(&config, false);
    char *args15[] = {"sub", "--config", path, "--since", "40", NULL};
    CHECK(precis_config_parse(&config, 5, args15, PRECIS_OPT_SINCE, "usage") == 0);
    CHECK(config.since == 40 && config.last == 0);
    precis_config_defaults(&config, false);
    char *args16[] = {"sub", "--config", path, "--from-beginning", NULL};
    CHECK(precis_config_parse(&config, 4, args16, PRECIS_OPT_SINCE, "usage") == 0);
    CHECK(config.from_beginning && config.last == 0);
    /* Two of a group in one section of the file are refused (the file is
       named, not just "give one of"); the program's section beats the
       shared one; one on the command line settles it. */
    file = fopen(path, "w");
    fprintf(file, "precis\n    words = 30\nsummarize\n    sentences = 2\n"
                  "    ratio = 0.3\n");
    fclose(file);
    precis_config_defaults(&config, false);
    char *args18[] = {"summarize", "--config", path, NULL};
    CHECK(precis_config_parse(&config, 3, args18, PRECIS_OPT_LENGTH, "usage") == 1);
    precis_config_defaults(&config, false);
    char *args19[] = {"summarize", "--config", path, "--words", "9", NULL};
    CHECK(precis_config_parse(&config, 5, args19, PRECIS_OPT_LENGTH, "usage") == 0);
    CHECK(config.words == 9 && config.sentences == 0 && config.ratio == 0);
    file = fopen(path, "w");
    fprintf(file, "precis\n    words = 30\nsummarize\n    ratio = 0.3\n");
    fclose(file);
    precis_config_defaults(&config, false);
    CHECK(precis_config_parse(&config, 3, args18, PRECIS_OPT_LENGTH, "usage") == 0);
    CHECK(config.ratio == 0.3 && config.words == 0);
    /* --check-config: parsed, then the caller exits (-1, as --help). */
    precis_config_defaults(&config, false);
    char *args20[] = {"summarize", "--config", path, "--check-config", NULL};
    CHECK(precis_config_parse(&config, 4, args20, PRECIS_OPT_LENGTH, "usage") == -1);
    CHECK(config.check_config);
    unlink(path);
    /* An empty PRECIS_REPLAY: no replay socket, until --replay names one. */
    const char *saved = getenv("PRECIS_REPLAY");
    char *saved_copy = saved ? strdup(saved) : NULL;
    setenv("PRECIS_REPLAY", "", 1);
    precis_config_defaults(&config, false);
    CHECK(config.no_replay_socket);
    char *args17[] = {"sub", "--replay", "tcp://127.0.0.1:7", NULL};
    CHECK(precis_config_parse(&config, 3, args17, PRECIS_OPT_REPLAY, "usage") == 0);
    CHECK(!config.no_replay_socket);
    setenv("PRECIS_REPLAY", "tcp://127.0.0.1:9", 1);
    precis_config_defaults(&config, false);
    CHECK(!config.no_replay_socket &&
          strcmp(config.replay_endpoint, "tcp://127.0.0.1:9") == 0);
    precis_config_defaults(&config, true); /* the daemons never read it */
    CHECK(!config.no_replay_socket);
    if (saved_copy)
        setenv("PRECIS_REPLAY", saved_copy, 1);
    else
        unsetenv("PRECIS_REPLAY");
    free(saved_copy);
    /* INI brackets and a 2-space indent are named with their line. */
    char why[256];
    file = fopen(path, "w");
    fprintf(file, "# options\n[summarize]\nsentences = 1\n");
    fclose(file);
    CHECK(zpl_mistake(path, why, sizeof why) == 2 && strstr(why, "without brackets"));
    file = fopen(path, "w");
    fprintf(file, "summarize\n  sentences = 1\n");
    fclose(file);
    CHECK(zpl_mistake(path, why, sizeof why) == 2 && strstr(why, "by 2 spaces"));
    file = fopen(path, "w");
    fprintf(file, "summarize\n\tsentences = 1\n");
    fclose(file);
    CHECK(zpl_mistake(path, why, sizeof why) == 2 && strstr(why, "a tab"));
    file = fopen(path, "w");
    fprintf(file, "summarize\n    sentences = 1\n\n");
    fclose(file);
    CHECK(zpl_mistake(path, why, sizeof why) == 0);
    unlink(path);
    char *args8[] = {"prog", "--config", "/nonexistent/precis.cfg", NULL};
    CHECK(precis_config_parse(&config, 3, args8, PRECIS_OPT_DELIVERY, "usage") == 1);

    /* --jsonl: the sink's names a file, the offline commands' is a flag.
       Two rows of one name never share a bit, so no program gets both. */
    for (size_t i = 0; i < OPTION_COUNT; i++)
        for (size_t j = i + 1; j < OPTION_COUNT; j++)
            if (strcmp(option_table[i].name, option_table[j].name) == 0)
                CHECK((option_table[i].bit & option_table[j].bit) == 0);
    precis_config_defaults(&config, false);
    char *args9[] = {"summarize", "in.jsonl", "--jsonl", "--max-sentences", "2K", NULL};
    CHECK(precis_config_parse(&config, 5, args9, PRECIS_OPT_OFFLINE, "usage") == 0);
    CHECK(config.jsonl_input && !config.jsonl_path && config.max_sentences == 2000);
    CHECK(config.argc == 1 && strcmp(config.argv[0], "in.jsonl") == 0);
    precis_config_defaults(&config, true);
    char *args10[] = {"precis-sink", "--jsonl", "/tmp/out.jsonl", NULL};
    CHECK(precis_config_parse(&config, 3, args10, PRECIS_OPT_JSONL, "usage") == 0);
    CHECK(!config.jsonl_input && config.jsonl_path &&
          strcmp(config.jsonl_path, "/tmp/out.jsonl") == 0);
    /* The others stop at the first operand: what follows is an operand. */
    precis_config_defaults(&config, true);
    char *args11[] = {"prog", "file", "--ratio", "0.5", NULL};
    CHECK(precis_config_parse(&config, 4, args11, PRECIS_OPT_LENGTH, "usage") == 0);
    CHECK(config.argc == 3 && config.ratio == 0);
    if (verbose && !failures)
        printf("config: all checks passed\n");
    return failures;
#undef CHECK
}
