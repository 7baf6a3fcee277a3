/*  sink_bench - the sink's CPU per result at its own full rate: the
    CPU of a precis-sink process, its threads apart, and none of the
    bench's.

    The results are made first, outside the clock: each article of a set
    (bench_data.h) is summarized by a summarize worker, --passes times,
    pass p > 0 with a short line in front of the text, so that the later
    passes are near copies of the first (the worst case for the story
    index: every text is new, every one matches).

    Then (by default) a real precis-sink (--sink PATH; by default the one
    next to this program) is started on ipc endpoints in a temporary
    folder, with an output log there, and the bench, as the summarize
    workers would, pushes it every result in batch frames of
    PRECIS_RESULTS_PER_MESSAGE (precis_batch.h; since 2026-12-01, before
    as messages of that many frames), as fast as it takes them, while a thread of
    the bench (a ZeroMQ context of its own) subscribes to what it publishes
    and takes its acknowledgements, as ingest would. The sink's threads are
    read from /proc/PID/task (bench_threads.h) before the first result and
    after the last acknowledgement: CPU per result of its main thread, its
    ZeroMQ I/O thread and the rest, and all of them (sink_us), with
    context switches and page faults per result. The bench's own producer
    and subscriber are not in these figures (before, the in-process loop
    counted its subscriber's reads, about a quarter of the figure, and no
    socket I/O of the sink's: inproc has no I/O thread).

    --in-process: the old way, the sink in the bench's process, fed
    through precis_sink_publish_batch 256 at a time (16 batch frames of
    16), inproc sockets, the
    bench's reads in the same thread: for callgrind (count the sink's code
    alone with --toggle-collect=precis_sink_publish_batch).

    Prints key=value lines: results, stories, sink_us (CPU per result),
    sink_main_us, sink_io_us, sink_other_us (each with _user_us and
    _sys_us), sink_rate (results a second), published_at_sub, acks and
    ack_messages (the messages that carried them), faults_per_result.
    --save PATH writes every published message (topic, body) to PATH as
    length-prefixed frames (u32 little-endian each), for comparing builds.
    --rate R sends R results a second, one a message, instead of as fast as
    the sink takes them: the sink then handles a few results a wake-up, as
    in a pipeline that is not saturated, where what it costs per batch
    (polls, wake-ups of its I/O thread) weighs most.
    --warmup N sends N passes more first, as fast as the sink takes them,
    and starts counting once all of them are acknowledged: the sink's
    steady state, without the first touch of the memory a fresh process
    grows into (its heap, the story index, the summary cache: about 68 ms
    of the main thread and 33 ms of the I/O thread in all, measured on
    2026-12-01, which over 8,900 results is several us a result). Its
    results are the first passes, so the counted ones are near copies
    of them too. Not with --in-process.
    --attach CMD runs CMD (sh; %p: the sink's pid) over the counted part
    and stops it with SIGINT, e.g. --attach 'perf stat --per-thread -e
    raw_syscalls:sys_enter,context-switches -p %p -o FILE'.

    sink_bench [--data PATH] [--samples PATH] [--passes N] [--warmup N] [--no-stories]
               [--sink PATH] [--save PATH] [--attach CMD] [--rate R] [--in-process]
*/
#define _GNU_SOURCE
#include "bench_data.h"
#include "bench_normalized.h"
#include "bench_threads.h"
#include "precis_batch.h"
#include "precis_sink.h"
#include "precis_summarize_worker.h"
#include "precis_worker.h"
#include <assert.h>
#include <getopt.h>
#include <libgen.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zmq.h>

extern char **environ;

/* The worker's result frames: set->count articles, passes times. */
static zframe_t **result_frames(const bench_set_t *set, int passes, bool stories,
                                size_t *count_p)
{
    precis_summary_options_t defaults = {.sentences = 3,
                                         .max_sentences = PRECIS_MAX_SENTENCES};
    precis_summarize_worker_t *worker = precis_summarize_worker_new(&defaults);
    precis_summarize_worker_set_stories(worker, stories);
    zframe_t **frames = calloc(set->count * (size_t)passes, sizeof *frames);
    assert(frames);
    size_t count = 0;
    for (int pass = 0; pass < passes; pass++)
        for (size_t i = 0; i < set->count; i++) {
            precis_article_t *article = precis_article_new();
            char key[32], id[64];
            snprintf(key, sizeof key, "k%d-%zu", pass, i);
            snprintf(id, sizeof id, "%s#%d", set->items[i].id, pass);
            char *text = pass ? zsys_sprintf("Update %d from the wire desk. %s", pass,
                                             set->items[i].text)
                              : strdup(set->items[i].text);
            precis_str_set(&article->id, id, strlen(id));
            precis_str_set(&article->key, key, strlen(key));
            precis_str_set(&article->title, set->items[i].title,
                           strlen(set->items[i].title));
            precis_str_set(&article->text, text, strlen(text));
            article->sentences = 3;
            size_t size;
            void *data = precis_article_encode(article, &size);
            zframe_t *in = zframe_new(data, size);
            frames[count++] = precis_summarize_worker_handle(worker, in);
            zframe_destroy(&in);
            free(data);
            free(text);
            precis_article_destroy(&article);
        }
    precis_summarize_worker_destroy(&worker);
    *count_p = count;
    return frames;
}

/* ---- the sink in its own process (the default) -------------------------- */

typedef struct {
    void *subscriber, *acks;        /* the bench's SUB and PULL (their own context) */
    FILE *save;                     /* --save: the published messages, or NULL */
    atomic_size_t published, acked; /* results at the SUB, keys acknowledged */
    atomic_size_t ack_messages;     /* the messages that carried the keys */
    atomic_bool stop;
} reader_t;

/* Writes one frame to the --save file: u32 little-endian length, bytes. */
static void save_frame(FILE *file, zmq_msg_t *frame)
{
    uint32_t size = (uint32_t)zmq_msg_size(frame);
    unsigned char prefix[4] = {size & 255, (size >> 8) & 255, (size >> 16) & 255,
                               size >> 24};
    fwrite(prefix, 1, 4, file);
    fwrite(zmq_msg_data(frame), 1, size, file);
}

/* The reader's thread: what a subscriber and ingest would do with what
   the sink sends, counting it. */
static void *reader_run(void *arg)
{
    reader_t *reader = arg;
    zmq_pollitem_t items[] = {{reader->subscriber, 0, ZMQ_POLLIN, 0},
                              {reader->acks, 0, ZMQ_POLLIN, 0}};
    zmq_msg_t frame;
    zmq_msg_init(&frame);
    while (!atomic_load(&reader->stop)) {
        if (zmq_poll(items, 2, 50) <= 0)
            continue;
        while (zmq_msg_recv(&frame, reader->subscriber, ZMQ_DONTWAIT) >= 0) {
            if (reader->save)
                save_frame(reader->save, &frame);
            if (!zmq_msg_more(&frame))
                atomic_fetch_add(&reader->published, 1);
        }
        while (zmq_msg_recv(&frame, reader->acks, ZMQ_DONTWAIT) >= 0) {
            atomic_fetch_add(&reader->acked, 1);
            if (!zmq_msg_more(&frame))
                atomic_fetch_add(&reader->ack_messages, 1);
        }
    }
    zmq_msg_close(&frame);
    return NULL;
}

/* The precis-sink next to this program. */
static char *sink_next_to_me(void)
{
    char self[4096];
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    if (len <= 0)
        return strdup("precis-sink");
    self[len] = 0;
    char *path = zsys_sprintf("%s/precis-sink", dirname(self));
    char *copy = strdup(path);
    zstr_free(&path);
    return copy;
}

/* Starts sink_path on ipc endpoints in folder; its pid, or -1. */
static pid_t start_sink(const char *sink_path, const char *folder, bool stories)
{
    char results[300], output[300], acks[300], replay[300], log[300], log_err[300];
    snprintf(results, sizeof results, "ipc://%s/results", folder);
    snprintf(output, sizeof output, "ipc://%s/output", folder);
    snprintf(acks, sizeof acks, "ipc://%s/acks", folder);
    snprintf(replay, sizeof replay, "ipc://%s/replay", folder);
    snprintf(log, sizeof log, "%s/out.log", folder);
    snprintf(log_err, sizeof log_err, "%s/sink.err", folder);
    char *argv[] = {(char *)sink_path,
                    "--results-endpoint",
                    results,
                    "--output",
                    output,
                    "--acks-endpoint",
                    acks,
                    "--replay",
                    replay,
                    "--log",
                    log,
                    stories ? NULL : "--no-stories",
                    NULL};
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 2, log_err, O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    pid_t pid;
    int rc = posix_spawn(&pid, sink_path, &actions, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
        fprintf(stderr, "sink_bench: cannot start %s: %s\n", sink_path, strerror(rc));
        return -1;
    }
    /* Ready once its replay socket is bound (after the results and output
       sockets); the subscription then needs a moment to reach it. */
    char replay_file[300];
    snprintf(replay_file, sizeof replay_file, "%s/replay", folder);
    struct stat info;
    for (int tries = 0; stat(replay_file, &info) != 0; tries++) {
        if (tries > 1000 || waitpid(pid, NULL, WNOHANG) == pid) {
            fprintf(stderr, "sink_bench: %s did not start (see %s)\n", sink_path,
                    log_err);
            return -1;
        }
        usleep(10000);
    }
    usleep(300000);
    return pid;
}

/* Sends frames[from..to) as a summarize worker at full rate does: batch
   frames of PRECIS_RESULTS_PER_MESSAGE results (the last may be smaller;
   one alone as itself), each blocking while the sink's queue is full. */
static void send_batches(void *push, precis_batch_t *batch, zframe_t **frames,
                         size_t from, size_t to)
{
    for (size_t i = from; i < to; i++) {
        precis_batch_add(batch, zframe_data(frames[i]), zframe_size(frames[i]));
        if (precis_batch_count(batch) < PRECIS_RESULTS_PER_MESSAGE && i + 1 < to)
            continue;
        if (precis_batch_count(batch) == 1) {
            zmq_send(push, zframe_data(frames[i]), zframe_size(frames[i]), 0);
            zframe_t *taken = precis_batch_frame(batch); /* empties it */
            zframe_destroy(&taken);
            continue;
        }
        zmq_msg_t message;
        precis_batch_msg(batch, &message);
        if (zmq_msg_send(&message, push, 0) < 0)
            zmq_msg_close(&message);
    }
}

/* --attach: runs the command (through sh, %p replaced by the sink's pid)
   beside the sink, e.g. perf stat -p %p; its pid, or -1. */
static pid_t attach(const char *command, pid_t pid)
{
    char line[2048], number[32];
    snprintf(number, sizeof number, "%ld", (long)pid);
    size_t used = (size_t)snprintf(line, sizeof line, "exec ");
    for (const char *at = command; *at && used + sizeof number < sizeof line; at++) {
        if (at[0] == '%' && at[1] == 'p') {
            used += (size_t)snprintf(line + used, sizeof line - used, "%s", number);
            at++;
        } else
            line[used++] = *at;
    }
    line[used] = 0;
    char *argv[] = {"/bin/sh", "-c", line, NULL};
    pid_t child;
    if (posix_spawn(&child, "/bin/sh", NULL, NULL, argv, environ) != 0)
        return -1;
    usleep(500000); /* it has attached */
    return child;
}

static int run_process(zframe_t **frames, size_t count, size_t warm,
                       const char *sink_path, const char *folder, bool stories,
                       const char *save_path, const char *attach_command, double rate)
{
    void *producer_context = zmq_ctx_new(), *reader_context = zmq_ctx_new();
    reader_t reader = {.subscriber = zmq_socket(reader_context, ZMQ_SUB),
                       .acks = zmq_socket(reader_context, ZMQ_PULL)};
    void *push = zmq_socket(producer_context, ZMQ_PUSH);
    int zero = 0;
    /* The bench's queues never drop: what the sink publishes all arrives. */
    zmq_setsockopt(reader.subscriber, ZMQ_RCVHWM, &zero, sizeof zero);
    zmq_setsockopt(reader.acks, ZMQ_RCVHWM, &zero, sizeof zero);
    zmq_setsockopt(reader.subscriber, ZMQ_SUBSCRIBE, "", 0);
    for (void **sock = (void *[]){reader.subscriber, reader.acks, push, NULL}; *sock;
         sock++)
        zmq_setsockopt(*sock, ZMQ_LINGER, &zero, sizeof zero);
    char endpoint[300];
    snprintf(endpoint, sizeof endpoint, "ipc://%s/acks", folder);
    if (zmq_bind(reader.acks, endpoint) != 0)
        return 1;
    if (save_path && !(reader.save = fopen(save_path, "wb")))
        return 1;
    pid_t pid = start_sink(sink_path, folder, stories);
    if (pid < 0)
        return 1;
    snprintf(endpoint, sizeof endpoint, "ipc://%s/output", folder);
    zmq_connect(reader.subscriber, endpoint);
    snprintf(endpoint, sizeof endpoint, "ipc://%s/results", folder);
    zmq_connect(push, endpoint);
    usleep(200000); /* the subscription reaches the sink */
    pthread_t thread;
    pthread_create(&thread, NULL, reader_run, &reader);

    /* The warm-up: results sent as fast as the sink takes them, all
       acknowledged before the clock starts. */
    double deadline = bench_now() + 120;
    precis_batch_t *batch = precis_batch_new();
    send_batches(push, batch, frames, 0, warm);
    while (atomic_load(&reader.acked) < warm && bench_now() < deadline)
        usleep(200);

    pid_t attached = attach_command ? attach(attach_command, pid) : -1;
    bench_threads_t from, to;
    bench_threads_read(pid, &from);
    double start = bench_now();
    /* As a summarize worker sends them: up to PRECIS_RESULTS_PER_MESSAGE
       results a batch frame, blocking while the sink's queue is full; with
       a rate, one a message on a fixed schedule, as a worker that is not
       busy sends each result at once. */
    if (rate <= 0)
        send_batches(push, batch, frames, warm, count);
    for (size_t i = warm; rate > 0 && i < count; i++) {
        double due = start + (double)(i - warm) / rate, now = bench_now();
        if (due > now)
            usleep((useconds_t)(1e6 * (due - now)));
        zmq_send(push, zframe_data(frames[i]), zframe_size(frames[i]), 0);
    }
    precis_batch_destroy(&batch);
    deadline = bench_now() + 120;
    while (atomic_load(&reader.acked) < count && bench_now() < deadline)
        usleep(200);
    double elapsed = bench_now() - start;
    bench_threads_read(pid, &to);
    if (attached > 0) { /* perf stat prints its counts on SIGINT */
        kill(attached, SIGINT);
        waitpid(attached, NULL, 0);
    }
    usleep(100000); /* the last published results reach the subscriber */
    atomic_store(&reader.stop, true);
    pthread_join(thread, NULL);
    kill(pid, SIGTERM);
    int status = 0;
    waitpid(pid, &status, 0);

    size_t acked = atomic_load(&reader.acked);
    double counted = (double)(count - warm);
    printf("results=%zu\n", count - warm);
    printf("warmup_results=%zu\n", warm);
    printf("stories=%s\n", stories ? "on" : "off");
    bench_threads_print("sink", &from, &to, counted);
    printf("faults_per_result=%.3f\n", (to.faults - from.faults) / counted);
    printf("sink_rate=%.0f\n", counted / elapsed);
    printf("published_at_sub=%zu\n", atomic_load(&reader.published));
    printf("acks=%zu\n", acked);
    printf("ack_messages=%zu\n", atomic_load(&reader.ack_messages));
    if (reader.save)
        fclose(reader.save);
    zmq_close(push);
    zmq_close(reader.subscriber);
    zmq_close(reader.acks);
    zmq_ctx_term(producer_context);
    zmq_ctx_term(reader_context);
    if (acked < count)
        fprintf(stderr, "sink_bench: %zu of %zu results acknowledged\n", acked, count);
    return acked == count ? 0 : 1;
}

/* ---- the sink in the bench's process (--in-process) ---------------------- */

/* Reads what the sink sent (published results, acknowledgements), as a
   subscriber and ingest would, so that no queue fills. */
static void drain(zsock_t *subscriber, zsock_t *ingest)
{
    zmsg_t *msg;
    while ((msg = zmsg_recv_nowait(subscriber)))
        zmsg_destroy(&msg);
    while ((msg = zmsg_recv_nowait(ingest)))
        zmsg_destroy(&msg);
}

/* The timed part: a function of its own, for callgrind's toggle. frames:
   batch frames of PRECIS_RESULTS_PER_MESSAGE results. */
__attribute__((noinline)) void sink_bench_loop(precis_sink_t *sink, zframe_t **frames,
                                               size_t count, zsock_t *subscriber,
                                               zsock_t *ingest)
{
    /* 256 results at a time, as the sink's loop takes what is waiting. */
    size_t step = 256 / PRECIS_RESULTS_PER_MESSAGE;
    for (size_t i = 0; i < count; i += step) {
        precis_sink_publish_batch(sink, frames + i, count - i < step ? count - i : step);
        drain(subscriber, ingest);
    }
}

static int run_in_process(zframe_t **frames, size_t count, const char *folder,
                          bool stories)
{
    char *log_path = zsys_sprintf("%s/out.log", folder);
    precis_config_t config;
    precis_config_defaults(&config, true);
    config.results_endpoint = "inproc://sink-bench-results";
    config.output_endpoint = "inproc://sink-bench-output";
    config.acks_endpoint = "inproc://sink-bench-acks";
    config.replay_endpoint = "inproc://sink-bench-replay";
    config.out_log = log_path;
    config.no_stories = !stories;
    zsock_t *ingest = zsock_new_pull("@inproc://sink-bench-acks");
    precis_sink_t *sink = precis_sink_new(&config);
    if (!sink)
        return 1;
    zsock_t *subscriber = zsock_new_sub(">inproc://sink-bench-output", "");
    zclock_sleep(50);
    /* As workers send them: batch frames, made outside the clock. */
    size_t batches =
        (count + PRECIS_RESULTS_PER_MESSAGE - 1) / PRECIS_RESULTS_PER_MESSAGE;
    zframe_t **batch_frames = calloc(batches, sizeof *batch_frames);
    assert(batch_frames);
    precis_batch_t *batch = precis_batch_new();
    for (size_t i = 0; i < count; i++) {
        precis_batch_add(batch, zframe_data(frames[i]), zframe_size(frames[i]));
        if (precis_batch_count(batch) == PRECIS_RESULTS_PER_MESSAGE || i + 1 == count)
            batch_frames[i / PRECIS_RESULTS_PER_MESSAGE] = precis_batch_frame(batch);
    }
    precis_batch_destroy(&batch);
    long faults = bench_page_faults();
    double start = bench_cpu_now();
    sink_bench_loop(sink, batch_frames, batches, subscriber, ingest);
    double spent = bench_cpu_now() - start;
    faults = bench_page_faults() - faults;
    drain(subscriber, ingest);
    for (size_t i = 0; i < batches; i++)
        zframe_destroy(&batch_frames[i]);
    free(batch_frames);
    printf("results=%zu\n", count);
    printf("stories=%s\n", stories ? "on" : "off");
    printf("sink_us=%.2f\n", 1e6 * spent / (double)count);
    printf("faults_per_result=%.3f\n", (double)faults / (double)count);
    zsock_destroy(&subscriber);
    precis_sink_destroy(&sink);
    zsock_destroy(&ingest);
    zstr_free(&log_path);
    return 0;
}

int main(int argc, char **argv)
{
    const char *data = NULL, *samples = "samples/articles.jsonl", *save = NULL,
               *attach_command = NULL;
    char *sink_path = NULL;
    int passes = 2, warmup = 0;
    double rate = 0;
    bool stories = true, in_process = false;
    static const struct option options[] = {{"data", required_argument, NULL, 'd'},
                                            {"samples", required_argument, NULL, 's'},
                                            {"passes", required_argument, NULL, 'p'},
                                            {"no-stories", no_argument, NULL, 'n'},
                                            {"sink", required_argument, NULL, 'k'},
                                            {"save", required_argument, NULL, 'v'},
                                            {"in-process", no_argument, NULL, 'i'},
                                            {"attach", required_argument, NULL, 'a'},
                                            {"rate", required_argument, NULL, 'r'},
                                            {"warmup", required_argument, NULL, 'w'},
                                            {NULL, 0, NULL, 0}};
    int option;
    while ((option = getopt_long(argc, argv, "", options, NULL)) != -1) {
        if (option == 'd')
            data = optarg;
        else if (option == 's')
            samples = optarg;
        else if (option == 'p')
            passes = atoi(optarg) > 0 ? atoi(optarg) : 1;
        else if (option == 'n')
            stories = false;
        else if (option == 'k')
            sink_path = strdup(optarg);
        else if (option == 'v')
            save = optarg;
        else if (option == 'i')
            in_process = true;
        else if (option == 'a')
            attach_command = optarg;
        else if (option == 'r')
            rate = atof(optarg);
        else if (option == 'w')
            warmup = atoi(optarg) > 0 ? atoi(optarg) : 0;
        else
            return 2;
    }
    bench_set_t set;
    if (bench_set_load(&set, data, samples, BENCH_DEFAULT_ARTICLES) != 0)
        return 1;
    bench_set_normalize(&set);
    size_t count;
    if (in_process)
        warmup = 0;
    zframe_t **frames = result_frames(&set, warmup + passes, stories, &count);

    char folder[] = "/tmp/precis-sink-bench-XXXXXX";
    if (!mkdtemp(folder))
        return 1;
    if (!sink_path)
        sink_path = sink_next_to_me();
    int rc = in_process
                 ? run_in_process(frames, count, folder, stories)
                 : run_process(frames, count, set.count * (size_t)warmup, sink_path,
                               folder, stories, save, attach_command, rate);
    if (rc != 0 && !in_process) {
        char *command = zsys_sprintf("tail -n 20 '%s/sink.err' >&2", folder);
        if (system(command) != 0)
            fprintf(stderr, "sink_bench: no log from the sink\n");
        zstr_free(&command);
    }
    for (size_t i = 0; i < count; i++)
        zframe_destroy(&frames[i]);
    free(frames);
    char *command = zsys_sprintf("rm -rf '%s'", folder);
    if (system(command) != 0)
        fprintf(stderr, "sink_bench: cannot remove %s\n", folder);
    zstr_free(&command);
    free(sink_path);
    bench_set_free(&set);
    return rc;
}
