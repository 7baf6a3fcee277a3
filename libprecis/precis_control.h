/*  precis_control - how a running process is watched: a control socket that
    answers PING and STATS, and an optional Prometheus endpoint over HTTP.

    The control socket (--control ENDPOINT, a ROUTER the process binds; an
    ipc path in the run directory under deploy/pipeline) takes one-frame
    requests: "PING" is answered "PONG", "STATS" with the msgpack map of
    precis_stats_pack. The process polls it in its own loop, so an answer
    also proves the loop is alive. With --metrics-port PORT the process also
    serves GET /metrics in the Prometheus text format (libmicrohttpd, in its
    own thread; off by default).
*/
#ifndef PRECIS_CONTROL_H
#define PRECIS_CONTROL_H

#include "precis_config.h"
#include "precis_stats.h"
#include <czmq.h>

typedef struct _precis_control_t precis_control_t;

/* Binds what the configuration asks for (nothing without --control and
   --metrics-port). NULL (logged) when a bind fails. */
precis_control_t *precis_control_new(const precis_config_t *config,
                                     precis_stats_t *stats);
void precis_control_destroy(precis_control_t **self_p);

/* The control socket for the process's poller, or NULL when there is none. */
zsock_t *precis_control_socket(precis_control_t *self);

/* Answers one request waiting on the control socket. */
void precis_control_handle(precis_control_t *self);

/* `precis stats` and `precis ping` (argv[0] is the command). */
int precis_cmd_stats(int argc, char **argv);
int precis_cmd_ping(int argc, char **argv);

int precis_control_test(bool verbose);

#endif
