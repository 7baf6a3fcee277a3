/*  precis_worker - the loop every pipeline worker runs. */
#include "precis_worker.h"
#include "precis_config.h"
#include "precis_curve.h"

/* A worker's receive queue: short, so that a busy worker does not hoard
   articles that an idle one could take (PUSH spreads round-robin over
   peers whose queues have room). */
#define WORKER_RCVHWM 64

zsock_t *precis_socket_new(int type, const char *endpoint, bool bind)
{
    zsock_t *sock = zsock_new(type);
    if (!sock) {
        zsys_error("cannot create socket: %s", zmq_strerror(zmq_errno()));
        return NULL;
    }
    /* Never hang on exit with undelivered messages to a dead peer. */
    zsock_set_linger(sock, 2000);
    if (bind)
        precis_curve_server(sock);
    else
        precis_curve_client(sock);
    int rc =
        bind ? zsock_bind(sock, "%s", endpoint) : zsock_connect(sock, "%s", endpoint);
    if (rc == -1) {
        zsys_error("cannot %s %s: %s", bind ? "bind" : "connect to", endpoint,
                   zmq_strerror(zmq_errno()));
        zsock_destroy(&sock);
    }
    return sock;
}

int precis_worker_run(const precis_worker_config_t *config)
{
    zsock_t *input = zsock_new(ZMQ_PULL);
    zsock_t *output = NULL;
    int exit_code = 3;
    if (!input)
        return exit_code;
    zsock_set_rcvhwm(input, WORKER_RCVHWM);
    zsock_set_linger(input, 0);
    precis_curve_client(input);
    if (zsock_connect(input, "%s", config->in_endpoint) == -1) {
        zsys_error("cannot connect to %s: %s", config->in_endpoint,
                   zmq_strerror(zmq_errno()));
        goto done;
    }
    output = precis_socket_new(ZMQ_PUSH, config->out_endpoint, false);
    if (!output)
        goto done;
    if (precis_pidfile_write(config->pidfile) != 0)
        zsys_warning("cannot write pid file %s", config->pidfile);
    zsys_info("%s worker ready: pulling from %s, pushing to %s", config->name,
              config->in_endpoint, config->out_endpoint);

    zpoller_t *poller = zpoller_new(input, NULL);
    uint64_t handled = 0;
    while (!zsys_interrupted) {
        if (!zpoller_wait(poller, 500)) {
            if (zpoller_terminated(poller))
                break;
            continue;
        }
        zframe_t *frame = zframe_recv(input);
        if (!frame)
            continue;
        zframe_t *result = config->handler(config->state, frame);
        zframe_destroy(&frame);
        if (result && zframe_send(&result, output, 0) == -1) {
            zsys_error("cannot send to %s: %s", config->out_endpoint,
                       zmq_strerror(zmq_errno()));
            zframe_destroy(&result);
        }
        handled++;
    }
    zpoller_destroy(&poller);
    zsys_info("%s worker stopping after %llu messages", config->name,
              (unsigned long long)handled);
    precis_pidfile_remove(config->pidfile);
    exit_code = 0;
done:
    zsock_destroy(&input);
    zsock_destroy(&output);
    return exit_code;
}
