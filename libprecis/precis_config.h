/*  precis_config - the options every precis program shares.

    One table of options (endpoints, length controls, limits, files, -v) and
    one parser, so that the daemons and the CLI spell and document each
    option the same way. A program names the options it takes with a mask;
    --help prints just those, with their defaults.
*/
#ifndef PRECIS_CONFIG_H
#define PRECIS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Default endpoints. Public sockets bind on every interface; the internal
   ones on loopback, so that a single-host pipeline exposes nothing else. */
#define PRECIS_INGEST_BIND         "tcp://*:5555"
#define PRECIS_INGEST_CONNECT      "tcp://127.0.0.1:5555"
#define PRECIS_NORMALIZE_ENDPOINT  "tcp://127.0.0.1:5556"
#define PRECIS_NORMALIZED_ENDPOINT "tcp://127.0.0.1:5557"
#define PRECIS_SUMMARIZE_ENDPOINT  "tcp://127.0.0.1:5558"
#define PRECIS_RESULTS_ENDPOINT    "tcp://127.0.0.1:5559"
#define PRECIS_OUTPUT_BIND         "tcp://*:5560"
#define PRECIS_OUTPUT_CONNECT      "tcp://127.0.0.1:5560"
#define PRECIS_ACKS_ENDPOINT       "tcp://127.0.0.1:5561"
#define PRECIS_REPLAY_BIND         "tcp://*:5562"
#define PRECIS_REPLAY_CONNECT      "tcp://127.0.0.1:5562"

/* Default delivery settings (see ingest/precis_ledger.h). */
#define PRECIS_MAX_INFLIGHT       10000
#define PRECIS_MAX_INFLIGHT_BYTES (256u << 20)
#define PRECIS_RETRY_MS           5000
#define PRECIS_MAX_ATTEMPTS       5
/* Idempotent ingest (ingest/precis_idwindow.h): delivered ids are known
   again for this many ids at most, and this many seconds at most. */
#define PRECIS_DEDUP_MAX_IDS 1000000
#define PRECIS_DEDUP_MAX_AGE (24 * 3600)

/* Budget of the sink's output log (--log-max-bytes): 1 GiB. */
#define PRECIS_LOG_MAX_BYTES (1u << 30)

/* Replay answers the sink holds in memory at most (--replay-max-bytes). */
#define PRECIS_REPLAY_MAX_BYTES (64u << 20)

/* Default limits (documented in docs/PROTOCOL.md). */
#define PRECIS_MAX_BYTES     (4u << 20)
#define PRECIS_MAX_TEXT      (1u << 20)
#define PRECIS_MAX_SENTENCES 5000u

/* Option bits: a program passes the ones it accepts. */
enum {
    PRECIS_OPT_INGEST = 1 << 0,     /* --ingest ENDPOINT */
    PRECIS_OPT_NORMALIZE = 1 << 1,  /* --normalize-endpoint ENDPOINT */
    PRECIS_OPT_NORMALIZED = 1 << 2, /* --normalized-endpoint ENDPOINT */
    PRECIS_OPT_SUMMARIZE = 1 << 3,  /* --summarize-endpoint ENDPOINT */
    PRECIS_OPT_RESULTS = 1 << 4,    /* --results-endpoint ENDPOINT */
    PRECIS_OPT_OUTPUT = 1 << 5,     /* --output ENDPOINT */
    PRECIS_OPT_LENGTH = 1 << 6,     /* --sentences N --ratio R --words N */
    PRECIS_OPT_LIMITS = 1 << 7,     /* --max-bytes --max-text --max-sentences */
    PRECIS_OPT_JSONL = 1 << 8,      /* --jsonl PATH */
    PRECIS_OPT_PIDFILE = 1 << 9,    /* --pidfile PATH */
    PRECIS_OPT_TOPIC = 1 << 10,     /* --topic T */
    PRECIS_OPT_JSON = 1 << 11,      /* --json */
    PRECIS_OPT_COUNT = 1 << 12,     /* --count N --timeout SECONDS */
    PRECIS_OPT_ACKS = 1 << 13,      /* --acks-endpoint ENDPOINT */
    PRECIS_OPT_REPLAY = 1 << 14,    /* --replay ENDPOINT */
    PRECIS_OPT_JOURNAL = 1 << 15,   /* ingest's: --journal DIR --shard K --no-forward */
    PRECIS_OPT_OUTLOG = 1 << 16,    /* --log PATH */
    PRECIS_OPT_DELIVERY =
        1 << 17, /* --max-inflight(-bytes) --retry-ms --max-attempts --drain */
    PRECIS_OPT_SINCE = 1 << 18,   /* --since --from-beginning --last ... */
    PRECIS_OPT_CURVE = 1 << 19,   /* --curve-cert --curve-server */
    PRECIS_OPT_CONTROL = 1 << 20, /* --control ENDPOINT */
    PRECIS_OPT_METRICS = 1 << 21, /* --metrics-port PORT */
    PRECIS_OPT_PUSH = 1 << 22,    /* precis push's: --rate N, --batch N, --explain */
    PRECIS_OPT_FILES = 1 << 23,   /* --group-readable */
    PRECIS_OPT_TIMEOUT =
        1 << 24, /* --timeout SECONDS alone (PRECIS_OPT_COUNT has both) */
    PRECIS_OPT_CURVE_ALLOW = 1 << 25, /* --curve-allow DIR: servers only */
    PRECIS_OPT_STORIES = 1 << 26, /* --stories-max --stories-days --stories-threshold */
    PRECIS_OPT_UNIQUE = 1 << 27,  /* --unique */
    PRECIS_OPT_NO_STORIES = 1 << 28, /* --no-stories: summarize worker and sink */
    /* Offline `precis summarize`: --jsonl (a flag: JSON Lines in and out),
       --lang --format --title-line --no-title --stories --explain --stats,
       and --max-sentences (also in PRECIS_OPT_LIMITS). */
    PRECIS_OPT_OFFLINE = 1 << 29,
    /* `precis split`: --jsonl (the flag), --lang, --skip-clean. */
    PRECIS_OPT_SPLIT = 1 << 30,
};

typedef struct {
    const char *ingest_endpoint;
    const char *normalize_endpoint;
    const char *normalized_endpoint;
    const char *summarize_endpoint;
    const char *results_endpoint;
    const char *output_endpoint;
    const char *acks_endpoint;
    const char *replay_endpoint;
    /* clients: PRECIS_REPLAY is set and empty (`. run/env` of a pipeline
       started with --no-replay): there is no replay socket; --replay, on
       the command line or in a --config file, gives one again */
    bool no_replay_socket;
    const char *journal_dir; /* ingest's journal; NULL: no journal */
    int shard;               /* ingest: its shard number (1..64); 0: not a shard */
    bool no_forward;         /* ingest: no normalized/summarize sockets (relay) */
    const char *out_log;     /* sink's output log; NULL: no replay */
    size_t log_max_bytes;    /* the output log's segments together, at most */
    size_t replay_max_bytes; /* replay answers in the sink's memory, at most */
    bool group_readable;     /* data files 0640 instead of 0600 */
    int max_inflight;
    size_t max_inflight_bytes;
    int retry_ms;
    int max_attempts;
    double drain;                 /* seconds to drain work in flight on SIGTERM */
    size_t dedup_max_ids;         /* delivered ids known again, at most */
    double dedup_max_age;         /* ... for this many seconds at most */
    long since;                   /* replay from this sequence number; 0: live only */
    bool from_beginning;          /* replay everything the output log keeps */
    int last;                     /* replay the last N results; 0: not asked */
    bool exit_at_end;             /* exit once caught up with the sink's next */
    bool print_next;              /* print the sink's next sequence number, exit */
    const char *curve_cert;       /* own certificate: CURVE on */
    const char *curve_server;     /* the server's public certificate, for connecting */
    const char *curve_allow;      /* directory of allowed client certificates */
    const char *control_endpoint; /* PING/STATS socket; NULL: none */
    int metrics_port;             /* Prometheus over HTTP; 0: off */
    const char *metrics_address;  /* numeric address to listen on; NULL: every one */
    int rate;  /* articles per second at most; 0: as fast as possible */
    int batch; /* precis push: requests per message (1 to 64); 0: the default */
    /* the sink's story index (precis_stories.h): its window and threshold */
    int stories_max;
    double stories_days;
    double stories_threshold;
    int sentences;
    double ratio;
    int words;
    size_t max_bytes;
    size_t max_text;
    size_t max_sentences;
    const char *jsonl_path;
    const char *pidfile;
    const char *topic;
    bool json;
    bool unique;     /* precis sub: new stories only (no duplicate_of) */
    bool no_stories; /* no near-duplicate detection (signatures, index) */
    /* the offline commands (PRECIS_OPT_OFFLINE, PRECIS_OPT_SPLIT) */
    bool jsonl_input;   /* --jsonl without a value: JSON Lines in and out */
    const char *lang;   /* --lang CODE; the command checks the code */
    const char *format; /* --format text|html|auto; the command checks it */
    bool title_line, no_title, stories, explain, stats, skip_clean;
    long count;     /* stop after this many messages; 0 = never */
    double timeout; /* give up after this many seconds; 0 = never */
    int verbose;
    bool check_config; /* --check-config: parse, print "configuration OK", exit */
    int argc;          /* operands left after the options */
    char **argv;
} precis_config_t;

/* Fills config with the defaults. bind: true for the daemons, which bind
   the public endpoints; false for clients, which connect to them. */
void precis_config_defaults(precis_config_t *config, bool bind);

/* Parses argv for the options in mask, after the environment (clients:
   PRECIS_INGEST, PRECIS_OUTPUT, PRECIS_REPLAY; an empty PRECIS_REPLAY sets
   no_replay_socket) and a --config file (an unknown section or key there is
   an error naming it and its line; so is a line that is not ZPL as written:
   [brackets], a tab or an indent other than 4 spaces). Options that exclude
   each other (--sentences --ratio --words; --since --last --from-beginning
   --print-next; --title-line --no-title): one given on the command line
   unsets the others the file set; two on the command line, or two in the
   file, are left for the program to refuse. usage is the synopsis line and
   description printed first by --help; the help lists the enabled rows of
   the table in its order, a row's heading (the split command's evaluation
   options) before it. One name may have two rows for two sets of programs,
   never both in one mask: --jsonl is the sink's "--jsonl PATH" and the
   offline commands' "--jsonl" flag. The daemons and the network clients stop
   at the first operand; the offline commands (PRECIS_OPT_OFFLINE,
   PRECIS_OPT_SPLIT) take options after their inputs too, as `precis
   summarize FILE --jsonl`. Values are checked: sizes take K/M/G/T (x1000)
   and Ki/Mi/Gi/Ti (x1024) suffixes, endpoints must look like tcp://HOST:PORT
   or ipc://PATH; an error names the program, the option and what is allowed.
   Returns -1 when the program should exit 0 (--help or --version was
   printed), 1 on a usage error (message on stderr, exit code 2 expected), 0
   otherwise. */
int precis_config_parse(precis_config_t *config, int argc, char **argv, unsigned mask,
                        const char *usage);

/* Gives --OPTION this program's own help text (before parsing): e.g. push's
   --timeout is "give up when ingest does not answer", not sub's "stop after
   SECONDS without a message". help must outlive the parse. */
void precis_config_help(const char *option, const char *help);

/* True for the endpoint forms ZeroMQ takes (tcp://HOST:PORT, ipc://PATH,
   inproc://NAME...): what --ingest and the other endpoint options accept. */
bool precis_config_endpoint_ok(const char *text);

/* What every program does before its own work: defaults (bind: true for
   the daemons), options, logging under ident, and CURVE. Returns -1 to go
   on, or the exit code to return at once: 0 after --help, 2 on a usage
   error, 3 when a certificate cannot be loaded. */
int precis_program_start(precis_config_t *config, int argc, char **argv, unsigned mask,
                         const char *usage, const char *ident, bool bind);

/* Keeps freed heap memory in the process instead of giving it back to the
   kernel at once (glibc's mallopt: M_TRIM_THRESHOLD 256 MiB, M_TOP_PAD
   64 MiB, and M_MMAP_THRESHOLD 32 MiB, where glibc's own sliding threshold
   ends, since setting the others turns it off), unless MALLOC_TRIM_THRESHOLD_,
   MALLOC_TOP_PAD_ or MALLOC_MMAP_THRESHOLD_ is set in the environment (the operator's
   choice wins). Why: a pipeline stage frees and allocates about an article's worth of
   memory per message; with glibc's defaults the top of the heap is trimmed and faulted
   back in over and over, and a page fault costs several microseconds on a virtual
   machine. Measured with bench/stories_pipeline (BBC, 2 summarize workers, 5 rounds): all
   stages' CPU per article 250 -> 200 us, the summarize workers' extra cost with story
   detection 20 -> 5.5 us (their summary cache then held 4,096 results, which is what kept
   the heap's top moving). The memory kept is at most the process's peak. Returns true
   when the allocator took all three settings (false under another allocator, e.g. a
   sanitizer's, or when the environment set them). Opt-in: the long-running daemons
   (precis-ingest, -normalize, -summarize, -sink, -relay) call it first thing in main. The
   command-line clients do not: they run briefly, and `precis summarize --jsonl` gains
   nothing from it (40,050 BBC articles, bench/offline_rate.py's input, six runs each way
   in turns: 3,328 minor page faults with glibc's defaults, 2,989 with the settings, 0.08
   an article either way; CPU seconds within the machine's noise, median 2.53
   against 2.63). */
bool precis_heap_keep(void);

/* Sets up logging: ident shown on each log line, verbosity. */
void precis_log_init(const char *ident, int verbose);

/* Logs at debug level when -v was given. */
void precis_debug(const char *format, ...) __attribute__((format(printf, 1, 2)));

/* Writes the process id to path (if not NULL), and tells a service manager
   the process is ready (precis_service_ready). Returns 0 on success. */
int precis_pidfile_write(const char *path);
void precis_pidfile_remove(const char *path);

/* The mode data files (journal, output log, JSON Lines) are created with
   and set to: 0600, or 0640 after --group-readable (precis_program_start
   sets it). Set exactly, whatever the umask (see precis_data_file_open). */
unsigned precis_file_mode(void);
void precis_set_file_mode(unsigned mode);

/* Opens (O_CREAT added) a data file with precis_file_mode(); a regular file
   made earlier with other permissions is set to that mode too, so that an
   upgrade or --group-readable takes effect on existing files. Returns the
   descriptor, or -1 with errno. */
int precis_data_file_open(const char *path, int flags);

int precis_config_test(bool verbose);

#endif
