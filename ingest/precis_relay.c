/*  precis_relay - normalized articles from normalize to summarize workers,
    outside ingest. See precis_relay.h. */
#include "precis_relay.h"
#include "precis_batch.h"
#include "precis_control.h"

/* Send queue towards each summarize worker, in messages (as ingest's):
   normalize workers send batch frames of up to PRECIS_RESULTS_PER_MESSAGE
   articles, moved whole, so about 1,000 articles at full rate. */
#define RELAY_SNDHWM precis_results_hwm(PRECIS_RESULTS_PER_MESSAGE)
/* Articles moved per turn of the loop, so that control requests and
   signals are not starved by a flood. */
#define RELAY_BATCH 256

struct _precis_relay_t {
    zsock_t *normalized; /* PULL, bound: normalize workers push here */
    zsock_t *summarize;  /* PUSH, bound: summarize workers pull here */
    zmq_msg_t held;      /* an article the summarize workers could not take */
    bool holding;
    size_t held_articles; /* in held: a batch frame's (precis_batch.h), else 1 */
    int64_t held_since;   /* when the article in held was read, zclock_usecs() */
    precis_stats_t *stats;
    precis_control_t *control;
    int moved; /* counter in stats */
};

precis_relay_t *precis_relay_new(const precis_config_t *config)
{
    precis_relay_t *self = calloc(1, sizeof *self);
    assert(self);
    self->stats = precis_stats_new("relay");
    self->moved = precis_stats_counter(self->stats, "moved",
                                       "normalized articles moved to summarize workers");
    /* The relay's latency: how long an article stays in it, from its read
       to its send (microseconds without back-pressure; the wait for a
       worker that can take it otherwise). */
    precis_stats_describe_latency(self->stats, "held_seconds",
                                  "time an article spent in the relay, read to sent");
    self->control = precis_control_new(config, self->stats);
    /* Both queues bound articles (batch frames counted as frames), set
       before the bind: set after it, they would not reach the queues of
       workers that connect later (precis_socket_new_hwm). */
    self->normalized = precis_socket_new_hwm(ZMQ_PULL, config->normalized_endpoint, true,
                                             0, RELAY_SNDHWM);
    self->summarize = precis_socket_new_hwm(ZMQ_PUSH, config->summarize_endpoint, true,
                                            RELAY_SNDHWM, 0);
    if (!self->control || !self->normalized || !self->summarize) {
        precis_relay_destroy(&self);
        return NULL;
    }
    return self;
}

void precis_relay_destroy(precis_relay_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    precis_relay_t *self = *self_p;
    if (self->holding)
        zmq_msg_close(&self->held);
    zsock_destroy(&self->normalized);
    zsock_destroy(&self->summarize);
    precis_control_destroy(&self->control);
    precis_stats_destroy(&self->stats);
    free(self);
    *self_p = NULL;
}

/* The time the article in held spent in the relay, once for each article
   of a batch frame: the histogram times every article moved. */
static void held_time(precis_relay_t *self)
{
    int64_t usecs = zclock_usecs() - self->held_since;
    for (size_t i = 0; i < self->held_articles; i++)
        precis_stats_latency(self->stats, usecs);
}

size_t precis_relay_move(precis_relay_t *self, size_t max)
{
    void *from = zsock_resolve(self->normalized), *to = zsock_resolve(self->summarize);
    size_t moved = 0;
    if (self->holding) {
        if (zmq_msg_send(&self->held, to, ZMQ_DONTWAIT) == -1)
            return 0;
        self->holding = false;
        held_time(self);
        moved += self->held_articles;
    }
    while (moved < max) {
        zmq_msg_init(&self->held);
        if (zmq_msg_recv(&self->held, from, ZMQ_DONTWAIT) == -1) {
            zmq_msg_close(&self->held);
            break;
        }
        self->held_since = zclock_usecs();
        /* Counted in articles: a normalize worker sends batch frames. */
        self->held_articles =
            precis_batch_messages(zmq_msg_data(&self->held), zmq_msg_size(&self->held));
        if (zmq_msg_send(&self->held, to, ZMQ_DONTWAIT) == -1) {
            self->holding = true; /* no worker can take it: first next time */
            break;
        }
        held_time(self);
        moved += self->held_articles;
    }
    precis_stats_add(self->stats, self->moved, moved);
    return moved;
}

int precis_relay_run(precis_relay_t *self)
{
    zsys_info("relay ready: normalized articles from %s to summarize workers on %s",
              zsock_endpoint(self->normalized), zsock_endpoint(self->summarize));
    zsock_t *control = precis_control_socket(self->control);
    /* Waits for articles while a summarize worker can take more, else for
       the summarize socket to be writable (back-pressure): then nothing is
       read and the normalize workers' queues fill. */
    bool full = false;
    while (!zsys_interrupted) {
        zmq_pollitem_t items[2] = {
            full ? (zmq_pollitem_t){zsock_resolve(self->summarize), 0, ZMQ_POLLOUT, 0}
                 : (zmq_pollitem_t){zsock_resolve(self->normalized), 0, ZMQ_POLLIN, 0},
            {control ? zsock_resolve(control) : NULL, 0, ZMQ_POLLIN, 0}};
        if (zmq_poll(items, control ? 2 : 1, 1000) == -1 && zmq_errno() != EINTR)
            break;
        if (control && (items[1].revents & ZMQ_POLLIN))
            precis_control_handle(self->control);
        full = precis_relay_move(self, RELAY_BATCH) < RELAY_BATCH &&
               (self->holding || !(zsock_events(self->summarize) & ZMQ_POLLOUT));
    }
    zsys_info("relay stopping: %llu articles moved",
              (unsigned long long)precis_relay_moved(self));
    return 0;
}

uint64_t precis_relay_moved(precis_relay_t *self)
{
    return precis_stats_get(self->stats, self->moved);
}

#define CHECK(cond, what)                                                                \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            fprintf(stderr, "relay test: %s\n", what);                                   \
            failures++;                                                                  \
        }                                                                                \
    } while (0)

/* Reads what waits at sock into text (comma-separated), for at most
   timeout ms after the last one. */
static void read_all(zsock_t *sock, char *text, size_t size, int timeout)
{
    text[0] = 0;
    zsock_set_rcvtimeo(sock, timeout);
    char *got;
    while ((got = zstr_recv(sock))) {
        if (text[0])
            strncat(text, ",", size - strlen(text) - 1);
        strncat(text, got, size - strlen(text) - 1);
        zstr_free(&got);
    }
}

/* Articles pushed to the relay reach a summarize worker, in order and
   unchanged; with no summarize worker they wait (nothing dropped) and go
   on once one connects; the relay reads no more than the summarize
   side can take (a held article is sent first). */
int precis_relay_test(bool verbose)
{
    (void)verbose;
    int failures = 0;
    precis_config_t config;
    precis_config_defaults(&config, true);
    config.normalized_endpoint = "inproc://relay-test-normalized";
    config.summarize_endpoint = "inproc://relay-test-summarize";
    precis_relay_t *self = precis_relay_new(&config);
    CHECK(self, "the relay did not start");
    if (!self)
        return failures;
    zsock_t *normalize = zsock_new_push(">inproc://relay-test-normalized");
    /* No summarize worker yet: nothing can be sent, and nothing is lost. */
    zstr_send(normalize, "a1");
    zstr_send(normalize, "a2");
    zclock_sleep(20);
    size_t moved = precis_relay_move(self, 10);
    CHECK(moved == 0 && self->holding, "moved with no summarize worker");
    zsock_t *summarize = zsock_new_pull(">inproc://relay-test-summarize");
    zclock_sleep(20);
    zstr_send(normalize, "a3");
    zclock_sleep(20);
    moved = precis_relay_move(self, 10);
    char text[256];
    read_all(summarize, text, sizeof text, 100);
    CHECK(moved == 3 && streq(text, "a1,a2,a3"),
          "not every article came through in order");
    CHECK(precis_relay_moved(self) == 3, "the counter does not say 3");
    /* Each moved article is timed; a1 waited for a worker over 40 ms. */
    char metrics[8192];
    precis_stats_prometheus(self->stats, metrics, sizeof metrics);
    CHECK(strstr(metrics, "precis_relay_held_seconds_count 3\n") != NULL,
          "the held time was not recorded for each article");
    CHECK(precis_stats_quantile(self->stats, 0.99) >= 20000,
          "the article held back by no worker shows no wait");
    /* At most max a turn. */
    for (int i = 0; i < 5; i++)
        zstr_send(normalize, "b");
    zclock_sleep(20);
    CHECK(precis_relay_move(self, 2) == 2 && precis_relay_move(self, 10) == 3,
          "a turn moved more than asked");
    read_all(summarize, text, sizeof text, 100);
    CHECK(streq(text, "b,b,b,b,b"), "a batch was not passed on whole");
    /* A batch frame of 3 articles (a normalize worker's) moves whole, one
       frame, and counts 3, as the articles did one a frame. */
    uint64_t before = precis_relay_moved(self);
    zframe_t *batch = zframe_new("\x93\x01\x02\x03", 4);
    zframe_send(&batch, normalize, 0);
    zclock_sleep(20);
    CHECK(precis_relay_move(self, 10) == 3 && precis_relay_moved(self) == before + 3,
          "a batch frame of 3 articles was not counted as 3 moved");
    precis_stats_prometheus(self->stats, metrics, sizeof metrics);
    CHECK(strstr(metrics, "precis_relay_held_seconds_count 11\n") != NULL,
          "the held time of each article of the batch frame was not recorded");
    batch = zframe_recv(summarize);
    CHECK(batch && zframe_size(batch) == 4 &&
              memcmp(zframe_data(batch), "\x93\x01\x02\x03", 4) == 0 &&
              !zframe_more(batch),
          "the batch frame did not come through whole");
    zframe_destroy(&batch);
    /* A summarize worker that takes nothing fills up: the relay stops
       reading and the rest waits at the normalize side; once the worker
       reads, everything comes through. */
    zsock_destroy(&normalize);
    zsock_destroy(&summarize);
    normalize = zsock_new(ZMQ_PUSH);
    zsock_set_sndhwm(normalize, 10000);
    zsock_set_sndtimeo(normalize, 0);
    zsock_connect(normalize, "inproc://relay-test-normalized");
    summarize = zsock_new(ZMQ_PULL);
    zsock_set_rcvhwm(summarize, 1);
    zsock_connect(summarize, "inproc://relay-test-summarize");
    zclock_sleep(20);
    size_t sent = 0, total = 0;
    for (int i = 0; i < 5000; i++)
        sent += zstr_sendf(normalize, "c%d", i) == 0;
    for (int round = 0; round < 20; round++)
        total += precis_relay_move(self, RELAY_BATCH);
    CHECK(sent == 5000 && total < sent,
          "the relay read more than the summarize worker can take");
    size_t received = 0;
    zsock_set_rcvtimeo(summarize, 100);
    for (int round = 0; round < 100 && received < sent; round++) {
        precis_relay_move(self, RELAY_BATCH);
        char *got;
        while ((got = zstr_recv(summarize))) {
            received++;
            zstr_free(&got);
            if (received % 100 == 0)
                precis_relay_move(self, RELAY_BATCH);
        }
    }
    CHECK(received == sent, "articles were lost under back-pressure");
    zsock_destroy(&normalize);
    zsock_destroy(&summarize);
    precis_relay_destroy(&self);
    return failures;
}
