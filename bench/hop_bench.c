/*  hop_bench - what one ZeroMQ hop costs an article, by how articles are
    framed: one frame each, several frames a message (precis_outbox), or
    one batch frame of several (precis_batch).

    hop_bench [--size BYTES] [--per N] [--count N] [--transport tcp|ipc]

    A PUSH socket sends --count articles of --size bytes (2,310: a BBC
    article as the stages pass it) to a PULL socket in another thread of
    this process, each way of framing in turn, and prints the articles per
    second and the CPU per article of the whole process: both ends and
    their ZeroMQ I/O threads (getrusage, user and system). --per is the
    articles a message or a batch frame (16). The batch frame's bytes are
    copied once into the batch (precis_batch_add), as a stage would.

    Exit codes: 0 done, 2 bad options, 3 sockets could not be set up.
*/
#include "precis_batch.h"
#include <getopt.h>
#include <pthread.h>
#include <sys/resource.h>

typedef enum { ONE_A_FRAME, FRAMES_A_MESSAGE, BATCH_FRAME } framing_t;

static const char *framing_names[] = {"one article a frame", "N frames a message",
                                      "one batch frame of N"};

typedef struct {
    void *ctx;
    char endpoint[128];
    long articles; /* to receive */
    size_t size;   /* of an article */
} receiver_t;

/* Counts articles until all came: a frame of more than one article's
   bytes is a batch frame whose elements are counted. */
static void *receive(void *arg)
{
    receiver_t *r = arg;
    void *pull = zmq_socket(r->ctx, ZMQ_PULL);
    zmq_connect(pull, r->endpoint);
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    for (long got = 0; got < r->articles;) {
        if (zmq_msg_recv(&msg, pull, 0) == -1)
            break;
        got += (long)precis_batch_messages(zmq_msg_data(&msg), zmq_msg_size(&msg));
    }
    zmq_msg_close(&msg);
    zmq_close(pull);
    return NULL;
}

static double cpu_seconds(void)
{
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return (double)usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 +
           (double)usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
}

/* An article as a msgpack str of size bytes in all (a batch element must
   be one msgpack value). */
static unsigned char *article_new(size_t size)
{
    unsigned char *article = malloc(size);
    assert(article && size >= 5);
    article[0] = 0xdb; /* str 32 */
    uint32_t length = (uint32_t)(size - 5);
    for (int i = 0; i < 4; i++)
        article[1 + i] = (unsigned char)(length >> (24 - 8 * i));
    memset(article + 5, 'a', size - 5);
    return article;
}

static int run(framing_t framing, const char *transport, size_t size, int per, long count)
{
    receiver_t r = {zmq_ctx_new(), "", count, size};
    if (strcmp(transport, "ipc") == 0)
        snprintf(r.endpoint, sizeof r.endpoint, "ipc:///tmp/hop_bench-%d", (int)getpid());
    else
        snprintf(r.endpoint, sizeof r.endpoint, "tcp://127.0.0.1:*");
    void *push = zmq_socket(r.ctx, ZMQ_PUSH);
    if (zmq_bind(push, r.endpoint) == -1) {
        fprintf(stderr, "hop_bench: cannot bind %s: %s\n", r.endpoint,
                zmq_strerror(errno));
        return 3;
    }
    size_t length = sizeof r.endpoint;
    zmq_getsockopt(push, ZMQ_LAST_ENDPOINT, r.endpoint, &length);
    unsigned char *article = article_new(size);
    precis_batch_t *batch = precis_batch_new();
    pthread_t thread;
    double cpu_before = cpu_seconds();
    int64_t start = zclock_usecs();
    pthread_create(&thread, NULL, receive, &r);
    for (long sent = 0; sent < count;) {
        if (framing == ONE_A_FRAME) {
            zmq_send(push, article, size, 0);
            sent++;
        } else if (framing == FRAMES_A_MESSAGE) {
            for (int k = 0; k < per; k++)
                zmq_send(push, article, size, k + 1 < per ? ZMQ_SNDMORE : 0);
            sent += per;
        } else {
            for (int k = 0; k < per; k++)
                precis_batch_add(batch, article, size);
            zmq_msg_t msg;
            precis_batch_msg(batch, &msg);
            zmq_msg_send(&msg, push, 0);
            sent += per;
        }
    }
    pthread_join(thread, NULL);
    double wall_s = (zclock_usecs() - start) / 1e6, cpu_s = cpu_seconds() - cpu_before;
    printf("  %-24s %10.0f a/s   %6.2f us of CPU an article\n", framing_names[framing],
           count / wall_s, cpu_s / count * 1e6);
    precis_batch_destroy(&batch);
    free(article);
    zmq_close(push);
    zmq_ctx_term(r.ctx);
    return 0;
}

static void usage(FILE *out)
{
    fprintf(
        out,
        "usage: hop_bench [--size BYTES] [--per N] [--count N] [--transport tcp|ipc]\n"
        "The CPU one PUSH to PULL hop costs an article, by framing (see the\n"
        "header of bench/hop_bench.c).\n");
}

int main(int argc, char **argv)
{
    size_t size = 2310;
    int per = 16;
    long count = 800000;
    const char *transport = "tcp";
    static const struct option options[] = {{"size", required_argument, NULL, 's'},
                                            {"per", required_argument, NULL, 'p'},
                                            {"count", required_argument, NULL, 'c'},
                                            {"transport", required_argument, NULL, 't'},
                                            {"help", no_argument, NULL, 'h'},
                                            {NULL, 0, NULL, 0}};
    int option;
    while ((option = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (option) {
        case 's':
            size = strtoul(optarg, NULL, 10);
            break;
        case 'p':
            per = atoi(optarg);
            break;
        case 'c':
            count = atol(optarg);
            break;
        case 't':
            transport = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (size < 8 || per < 1 || per > PRECIS_BATCH_MAX || count < per ||
        (strcmp(transport, "tcp") != 0 && strcmp(transport, "ipc") != 0)) {
        usage(stderr);
        return 2;
    }
    count -= count % per;
    printf("one PUSH -> PULL hop, %s, %zu-byte articles, N = %d, %ld articles\n",
           transport, size, per, count);
    for (int framing = ONE_A_FRAME; framing <= BATCH_FRAME; framing++)
        if (run((framing_t)framing, transport, size, per, count) != 0)
            return 3;
    return 0;
}
