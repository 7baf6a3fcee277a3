/*  precis_worker - the loop every pipeline worker runs. */
#include "precis_worker.h"
#include "precis_batch.h"
#include "precis_config.h"
#include "precis_control.h"
#include "precis_curve.h"
#include "precis_outbox.h"
#include "precis_shards.h"

/* A worker's receive queue, in messages: short, so that a busy worker
   does not hoard articles that an idle one could take (PUSH spreads
   round-robin over peers whose queues have room). Counted in frames by
   ZeroMQ: input_hwm makes it frames of as many messages. */
#define WORKER_RCVHWM 64
/* Articles taken from the input between two polls at most: the control
   socket (stats, ping) is still served within a burst's time (64 BBC
   articles summarized: about 3 ms). */
#define WORKER_BURST 64
/* How long the first result held in the outbox waits for others
   (precis_outbox.h; config->results_per_message of them leave at once),
   at most: 16 summaries of BBC articles are about 1.1 ms of work. The
   check comes as each result is added, so a result can also wait for the
   one article being worked on when this runs out. 0.5 ms, not 2: in
   bench/run at low load the pipeline's p99 at half rate was 15.5-16.1 ms
   without batching, 26.0-31.3 ms holding 2 ms, 22.3 ms holding 0.5 ms
   (one run; to be measured again). */
#define WORKER_HOLD_US 500
/* What a queue of results holds at most, in results (precis_results_hwm). */
#define QUEUED_RESULTS 1000

/* The receive queue in frames of up to per_frame messages each (0 or 1:
   one): 4 x WORKER_RCVHWM messages of full frames, and one frame more.
   For batch frames of 16 that is 17 frames, at most 272 articles: about
   3 ms of a normalize worker's work (about 10 us an article), so work
   still spreads. Not WORKER_RCVHWM messages (5 frames): libzmq's reader
   tells the writer's I/O thread every half queue that it has read, so at
   low load, where frames carry one article, a queue of 5 frames woke the
   I/O threads every 3 articles. A real precis-normalize fed BBC articles
   as fast as it took them (a throwaway driver queuing 16,000 at once; CPU
   an article of every thread, two runs each at load average 5.6-6.1): one
   a frame, 5 frames 41.7 / 25.0 us, 17 frames 15.8 / 19.2, main's 64
   frames 20.0 / 13.3; batch frames of 16, 5 frames 12.5 / 9.2, 17 frames
   11.7 / 12.5. */
static int input_hwm(size_t per_frame)
{
    return per_frame > 1 ? (int)(4 * WORKER_RCVHWM / per_frame) + 1 : WORKER_RCVHWM;
}

/* Written into the frame's own buffer: one allocation, no copy. */
zframe_t *precis_result_frame(const precis_result_t *result)
{
    size_t size = precis_result_encoded_size(result);
    zframe_t *frame = zframe_new(NULL, size);
    assert(frame);
    precis_result_encode_into(result, zframe_data(frame), size);
    return frame;
}

/* A peer whose host vanished (no FIN, no RST) is dropped by TCP itself:
   keepalive probes find it when the connection is idle, and TCP_USER_TIMEOUT
   (ZMQ_TCP_MAXRT) when data waits unacknowledged. ZeroMQ heartbeats would
   do it too, but a reader that stops reading under backpressure does not
   see them, so they cut healthy connections under load, and libzmq 4.3.4
   can then abort (stream_engine_base.cpp: !_io_error). */
#define KEEPALIVE_IDLE_S  5
#define KEEPALIVE_INTVL_S 1
#define KEEPALIVE_CNT     3
#define TCP_MAXRT_MS      5000

void precis_socket_tune(zsock_t *sock)
{
    zsock_set_tcp_keepalive(sock, 1);
    zsock_set_tcp_keepalive_idle(sock, KEEPALIVE_IDLE_S);
    zsock_set_tcp_keepalive_intvl(sock, KEEPALIVE_INTVL_S);
    zsock_set_tcp_keepalive_cnt(sock, KEEPALIVE_CNT);
    zsock_set_tcp_maxrt(sock, TCP_MAXRT_MS);
    /* Never hang on exit with undelivered messages to a dead peer. */
    zsock_set_linger(sock, 2000);
}

int precis_results_hwm(size_t per_message)
{
    return per_message > 1 ? (int)(QUEUED_RESULTS / per_message) + 1 : QUEUED_RESULTS;
}

zsock_t *precis_socket_new(int type, const char *endpoint, bool bind)
{
    return precis_socket_new_hwm(type, endpoint, bind, 0, 0);
}

zsock_t *precis_socket_new_hwm(int type, const char *endpoint, bool bind, int sndhwm,
                               int rcvhwm)
{
    zsock_t *sock = zsock_new(type);
    if (!sock) {
        zsys_error("cannot create socket: %s", zmq_strerror(zmq_errno()));
        return NULL;
    }
    precis_socket_tune(sock);
    if (sndhwm > 0)
        zsock_set_sndhwm(sock, sndhwm);
    if (rcvhwm > 0)
        zsock_set_rcvhwm(sock, rcvhwm);
    if (bind)
        precis_curve_server(sock);
    else
        precis_curve_client(sock);
    /* A list (ingest shards) is every endpoint of it. */
    if (precis_shards_attach(sock, endpoint, bind) == -1)
        zsock_destroy(&sock);
    return sock;
}

/* Waits until the input socket is connected (and, with CURVE, through its
   handshake), so that a worker that says it is ready gets work at once.
   A hub that is not up yet is not fatal: the worker keeps trying in the
   background, as ZeroMQ does, and says so. */
static void wait_connected(zactor_t *monitor, const precis_worker_config_t *config)
{
    zpoller_t *poller = zpoller_new(monitor, NULL);
    int64_t deadline = zclock_mono() + 5000;
    bool connected = false;
    while (!connected && !zsys_interrupted && zclock_mono() < deadline) {
        if (!zpoller_wait(poller, 100))
            continue;
        zmsg_t *event = zmsg_recv(monitor);
        char *name = event ? zmsg_popstr(event) : NULL;
        /* With CURVE the handshake is what proves the hub lets us in. */
        connected = name && (strcmp(name, "HANDSHAKE_SUCCEEDED") == 0 ||
                             (!precis_curve_enabled() && strcmp(name, "CONNECTED") == 0));
        zstr_free(&name);
        zmsg_destroy(&event);
    }
    zpoller_destroy(&poller);
    if (!connected)
        zsys_warning("%s worker: %s is not reachable yet; going on trying", config->name,
                     config->in_endpoint);
}

/* The worker's counters in its stats. */
typedef struct {
    int received, sent, dropped;
} worker_counters_t;

/* What the handler made of one message (NULL: nothing), which took it
   from start to end (zclock_usecs): into the outbox, which is sent on (a
   PUSH: it waits while every peer is full, which is the back-pressure)
   when due. */
static void handled(const precis_worker_config_t *config, precis_stats_t *stats,
                    worker_counters_t counters, zframe_t *result, int64_t start,
                    int64_t end, precis_outbox_t *outbox, zsock_t *output)
{
    precis_stats_latency(stats, end - start);
    if (!result)
        precis_stats_add(stats, counters.dropped, 1);
    else if (precis_outbox_add(outbox, &result, end))
        precis_stats_add(stats, counters.sent,
                         precis_outbox_flush(outbox, output, config->name));
}

/* Handles one message from the input, in its own frame. */
static void handle_frame(const precis_worker_config_t *config, precis_stats_t *stats,
                         worker_counters_t counters, zframe_t *frame,
                         precis_outbox_t *outbox, zsock_t *output)
{
    precis_stats_add(stats, counters.received, 1);
    int64_t start = zclock_usecs();
    zframe_t *result = config->handler(config->state, frame);
    int64_t end = zclock_usecs();
    zframe_destroy(&frame);
    handled(config, stats, counters, result, start, end, outbox, output);
}

/* Handles one frame from the input: a message, or a batch frame of them
   (precis_batch.h), each element handled as a frame of its own. Returns
   the number of messages handled. A batch that cannot be read to its end
   is logged: its messages up to the bad one are handled, the rest cannot
   be attributed to an article (ingest's ledger sends those again). */
typedef struct {
    const precis_worker_config_t *config;
    precis_stats_t *stats;
    worker_counters_t counters;
    precis_outbox_t *outbox;
    zsock_t *output;
} worker_input_t;

/* precis_batch_each's function: one element of a batch frame, handled as
   a frame of its own. */
static void handle_element(void *arg, const void *data, size_t size)
{
    worker_input_t *in = arg;
    if (!in->config->bytes_handler) {
        handle_frame(in->config, in->stats, in->counters, zframe_new(data, size),
                     in->outbox, in->output);
        return;
    }
    precis_stats_add(in->stats, in->counters.received, 1);
    int64_t start = zclock_usecs();
    zframe_t *result = in->config->bytes_handler(in->config->state, data, size);
    handled(in->config, in->stats, in->counters, result, start, zclock_usecs(),
            in->outbox, in->output);
}

static size_t handle_input(const precis_worker_config_t *config, precis_stats_t *stats,
                           worker_counters_t counters, zframe_t *frame,
                           precis_outbox_t *outbox, zsock_t *output)
{
    /* A message alone is handled in its own frame, without a copy. */
    if (!precis_batch_is(zframe_data(frame), zframe_size(frame))) {
        handle_frame(config, stats, counters, frame, outbox, output);
        return 1;
    }
    worker_input_t in = {config, stats, counters, outbox, output};
    const char *error;
    size_t handled = precis_batch_each(zframe_data(frame), zframe_size(frame),
                                       handle_element, &in, &error);
    if (error) {
        zsys_error("%s worker: %s (%zu byte frame; %zu of its messages handled)",
                   config->name, error, zframe_size(frame), handled);
        precis_stats_add(stats, counters.dropped, 1);
    }
    zframe_destroy(&frame);
    return handled ? handled : 1;
}

int precis_worker_run(const precis_worker_config_t *config)
{
    zsock_t *input = zsock_new(ZMQ_PULL);
    zsock_t *output = NULL;
    int exit_code = 3;
    precis_stats_t *stats = precis_stats_new(config->name);
    precis_control_t *control =
        config->options ? precis_control_new(config->options, stats) : NULL;
    if (!input || (config->options && !control))
        goto done;
    zsock_set_rcvhwm(input, input_hwm(config->input_per_frame));
    zsock_set_rcvtimeo(input, 0); /* the loop polls; a read never waits */
    precis_socket_tune(input);
    zsock_set_linger(input, 0);
    precis_curve_client(input);
    /* Ready means connected: watch the connection come up. */
    zactor_t *monitor = zactor_new(zmonitor, input);
    zstr_sendx(monitor, "LISTEN", "HANDSHAKE_SUCCEEDED", "CONNECTED", NULL);
    zstr_send(monitor, "START");
    zsock_wait(monitor);
    /* Every shard's dispatch endpoint, when ingest runs as shards. */
    if (precis_shards_attach(input, config->in_endpoint, false) == -1) {
        zactor_destroy(&monitor);
        goto done;
    }
    output = precis_socket_new_hwm(ZMQ_PUSH, config->out_endpoint, false,
                                   precis_results_hwm(config->results_per_message), 0);
    wait_connected(monitor, config);
    zactor_destroy(&monitor);
    if (!output)
        goto done;
    if (precis_pidfile_write(config->pidfile) != 0)
        zsys_warning("cannot write pid file %s", config->pidfile);
    zsys_info("%s worker ready: pulling from %s, pushing to %s", config->name,
              config->in_endpoint, config->out_endpoint);

    zpoller_t *poller = zpoller_new(input, NULL);
    if (precis_control_socket(control))
        zpoller_add(poller, precis_control_socket(control));
    worker_counters_t counters = {
        precis_stats_counter(stats, "received", "messages received"),
        precis_stats_counter(stats, "sent", "messages sent on"),
        precis_stats_counter(stats, "dropped", "frames no article could be found in")};
    if (config->stats_hook)
        config->stats_hook(config->state, stats);
    /* Results made in a row leave as one batch frame (precis_outbox.h). */
    precis_outbox_t *outbox =
        config->results_per_message > 1
            ? precis_outbox_new_batch(config->results_per_message, WORKER_HOLD_US)
            : precis_outbox_new(1, WORKER_HOLD_US);
    while (!zsys_interrupted) {
        void *ready = zpoller_wait(poller, 500);
        if (ready && ready == precis_control_socket(control)) {
            precis_control_handle(control);
            continue;
        }
        if (!ready) {
            if (zpoller_terminated(poller))
                break;
            continue;
        }
        /* Takes what waits, up to WORKER_BURST articles, before polling
           again: each zmq_poll is a poll and a getpid system call, which
           a busy worker (its queue full, as it is whenever it sets the
           pace) need not make for every article. The input's receive
           time-out is 0, so zframe_recv returns NULL once none waits.
           What the outbox holds leaves before polling again: a worker
           with nothing more to do sends at once. */
        for (size_t taken = 0; taken < WORKER_BURST && !zsys_interrupted;) {
            zframe_t *frame = zframe_recv(input);
            if (!frame)
                break;
            taken += handle_input(config, stats, counters, frame, outbox, output);
        }
        precis_stats_add(stats, counters.sent,
                         precis_outbox_flush(outbox, output, config->name));
    }
    /* Nothing done is left behind on a stop. */
    precis_stats_add(stats, counters.sent,
                     precis_outbox_flush(outbox, output, config->name));
    precis_outbox_destroy(&outbox);
    zpoller_destroy(&poller);
    zsys_info("%s worker stopping after %llu messages", config->name,
              (unsigned long long)precis_stats_get(stats, counters.received));
    precis_pidfile_remove(config->pidfile);
    exit_code = 0;
done:
    zsock_destroy(&input);
    zsock_destroy(&output);
    precis_control_destroy(&control);
    precis_stats_destroy(&stats);
    return exit_code;
}
