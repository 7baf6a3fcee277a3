/*  precis_config - the options every precis program shares.

    The options live in one table: name, argument, the bit that enables
    it, and its help text. getopt_long is built from the rows a program
    enabled, so an option means the same thing in every program.
*/
#include "precis_config.h"
#include "precis_curve.h"
#include <czmq.h>
#include <errno.h>
#include <getopt.h>
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
    const char *help;
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
    {"log", PRECIS_OPT_OUTLOG, ARG_STRING, FIELD(out_log), "PATH",
     "append every published result to the output log PATH (enables replay)"},
    {"log-max-bytes", PRECIS_OPT_OUTLOG, ARG_SIZE, FIELD(log_max_bytes), "N",
     "keep at most N bytes of output log (segments PATH, PATH.SEQ; oldest deleted)"},
    {"replay-max-bytes", PRECIS_OPT_OUTLOG, ARG_SIZE, FIELD(replay_max_bytes), "N",
     "replay answers held in memory, at most; beyond it requests are answered busy"},
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
    {"curve-cert", PRECIS_OPT_CURVE, ARG_STRING, FIELD(curve_cert), "PATH",
     "encrypt every socket with CURVE, with this certificate (precis keygen)"},
    {"curve-server", PRECIS_OPT_CURVE, ARG_STRING, FIELD(curve_server), "PATH",
     "public certificate of the server to connect to (default: --curve-cert)"},
    {"curve-allow", PRECIS_OPT_CURVE, ARG_STRING, FIELD(curve_allow), "DIR",
     "accept only clients whose public certificate is in DIR"},
    {"control", PRECIS_OPT_CONTROL, ARG_ENDPOINT, FIELD(control_endpoint), "ENDPOINT",
     "control socket answering PING and STATS (precis ping, precis stats)"},
    {"metrics-port", PRECIS_OPT_METRICS, ARG_INT, FIELD(metrics_port), "PORT",
     "serve Prometheus metrics on http://*:PORT/metrics (default off)"},
    {"rate", PRECIS_OPT_RATE, ARG_INT, FIELD(rate), "N",
     "send at most N articles a second (default: as fast as ingest answers)"},
    {"sentences", PRECIS_OPT_LENGTH, ARG_INT, FIELD(sentences), "N",
     "summary length in sentences"},
    {"ratio", PRECIS_OPT_LENGTH, ARG_RATIO, FIELD(ratio), "R",
     "summary length as a share of the sentences (0 < R <= 1)"},
    {"words", PRECIS_OPT_LENGTH, ARG_INT, FIELD(words), "N", "summary budget in words"},
    {"max-bytes", PRECIS_OPT_LIMITS, ARG_SIZE, FIELD(max_bytes), "N",
     "largest request accepted, in bytes"},
    {"max-text", PRECIS_OPT_LIMITS, ARG_SIZE, FIELD(max_text), "N",
     "largest article text accepted, in bytes"},
    {"max-sentences", PRECIS_OPT_LIMITS, ARG_SIZE, FIELD(max_sentences), "N",
     "most sentences an article may have"},
    {"jsonl", PRECIS_OPT_JSONL, ARG_STRING, FIELD(jsonl_path), "PATH",
     "also append each result as one JSON line to PATH"},
    {"pidfile", PRECIS_OPT_PIDFILE, ARG_STRING, FIELD(pidfile), "PATH",
     "write the process id to PATH once ready"},
    {"topic", PRECIS_OPT_TOPIC, ARG_STRING, FIELD(topic), "T",
     "topic prefix: summary, error, summary.en, ... (default: all)"},
    {"json", PRECIS_OPT_JSON, ARG_NONE, FIELD(json), NULL, "print JSON Lines"},
    {"count", PRECIS_OPT_COUNT, ARG_INT, FIELD(count), "N", "stop after N messages"},
    {"timeout", PRECIS_OPT_COUNT, ARG_SECONDS, FIELD(timeout), "SECONDS",
     "stop after SECONDS without a message"},
};

#define OPTION_COUNT (sizeof option_table / sizeof option_table[0])

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

static void print_help(const precis_config_t *config, unsigned mask, const char *usage)
{
    printf("%s\n\nOptions:\n", usage);
    for (size_t i = 0; i < OPTION_COUNT; i++) {
        const option_row_t *row = &option_table[i];
        if (!(mask & row->bit))
            continue;
        char flag[64], dflt[160];
        snprintf(flag, sizeof flag, "--%s%s%s", row->name, row->metavar ? " " : "",
                 row->metavar ? row->metavar : "");
        describe_default(config, row, dflt, sizeof dflt);
        printf("  %-32s %s%s\n", flag, row->help, dflt);
    }
    printf("  %-32s %s\n", "--config PATH",
           "read options from a ZPL file (section 'precis', or the program's own)");
    printf("  %-32s %s\n  %-32s %s\n", "-v, --verbose",
           "log more (debug lines on stderr)", "-h, --help", "show this help and exit");
}

/* Parses one option argument into its field; returns 0 or -1 with a message. */
static int parse_value(precis_config_t *config, const option_row_t *row, const char *text)
{
    char *field = (char *)config + row->offset;
    char *end = NULL;
    errno = 0;
    switch (row->kind) {
    case ARG_ENDPOINT:
    case ARG_STRING:
        if (!*text)
            goto bad;
        *(const char **)field = text;
        return 0;
    case ARG_INT: {
        long value = strtol(text, &end, 10);
        if (errno || *end || value < 1 || value > 100000000)
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
        unsigned long long value = strtoull(text, &end, 10);
        unsigned long long most =
            row->offset == FIELD(log_max_bytes) ? 1ull << 50 : 1ull << 31;
        if (errno || *end || value < 1 || value > most || *text == '-')
            goto bad;
        *(size_t *)field = (size_t)value;
        return 0;
    }
    case ARG_RATIO:
    case ARG_SECONDS: {
        double value = strtod(text, &end);
        if (errno || *end || !isfinite(value) || value <= 0 ||
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
    fprintf(stderr, "error: invalid value for --%s: '%s'\n", row->name, text);
    return -1;
}

/* The loaded configuration file; its strings back config fields until exit. */
static zconfig_t *config_file = NULL;

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
    config_file = zconfig_load(path);
    if (!config_file) {
        fprintf(stderr, "error: cannot read the configuration file %s\n", path);
        return -1;
    }
    static bool registered = false;
    if (!registered)
        registered = atexit(free_config_file) == 0;
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
                fprintf(stderr, "error: in %s, %s\n", path, key);
                return -1;
            }
        }
    return 0;
}

int precis_config_parse(precis_config_t *config, int argc, char **argv, unsigned mask,
                        const char *usage)
{
    if (apply_config_file(config, argc, argv, mask) != 0)
        return 1;
    struct option longopts[OPTION_COUNT + 4];
    const option_row_t *rows[OPTION_COUNT];
    size_t used = 0;
    for (size_t i = 0; i < OPTION_COUNT; i++) {
        if (!(mask & option_table[i].bit))
            continue;
        rows[used] = &option_table[i];
        longopts[used] = (struct option){
            option_table[i].name,
            option_table[i].kind == ARG_NONE ? no_argument : required_argument, NULL,
            1000 + (int)used};
        used++;
    }
    longopts[used++] = (struct option){"help", no_argument, NULL, 'h'};
    longopts[used++] = (struct option){"config", required_argument, NULL, 'c'};
    longopts[used++] = (struct option){"verbose", no_argument, NULL, 'v'};
    longopts[used] = (struct option){NULL, 0, NULL, 0};

    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "+hv", longopts, NULL)) != -1) {
        if (c == 'h') {
            print_help(config, mask, usage);
            return -1;
        }
        if (c == 'v')
            config->verbose++;
        else if (c == 'c')
            continue; /* applied before the command line */
        else if (c >= 1000) {
            if (parse_value(config, rows[c - 1000], optarg) != 0)
                return 1;
        } else {
            fprintf(stderr, "error: unknown or incomplete option '%s' (try --help)\n",
                    argv[optind - 1]);
            return 1;
        }
    }
    config->argc = argc - optind;
    config->argv = argv + optind;
    return 0;
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
    zsys_set_logstream(stderr);
    log_verbosity = verbose;
}

void precis_debug(const char *format, ...)
{
    if (log_verbosity < 1)
        return;
    char line[1024];
    va_list args;
    va_start(args, format);
    vsnprintf(line, sizeof line, format, args);
    va_end(args);
    zsys_debug("%s", line);
}

int precis_pidfile_write(const char *path)
{
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
    return rename(temp, path);
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
                  "ingest\n    max-inflight = 11\n    journal = \"/var/x\"\n");
    fclose(file);
    precis_config_defaults(&config, true);
    char *args7[] = {
        "/usr/bin/precis-ingest", "--config", path, "--journal", "/tmp/j", NULL};
    CHECK(precis_config_parse(&config, 5, args7, PRECIS_OPT_DELIVERY | PRECIS_OPT_JOURNAL,
                              "usage") == 0);
    CHECK(config.retry_ms == 700 && config.max_inflight == 11);
    CHECK(strcmp(config.journal_dir, "/tmp/j") == 0);
    unlink(path);
    char *args8[] = {"prog", "--config", "/nonexistent/precis.cfg", NULL};
    CHECK(precis_config_parse(&config, 3, args8, PRECIS_OPT_DELIVERY, "usage") == 1);
    if (verbose && !failures)
        printf("config: all checks passed\n");
    return failures;
#undef CHECK
}
