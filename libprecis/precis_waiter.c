/*  precis_waiter - waits for ZeroMQ sockets with one poll() on their
    ZMQ_FD descriptors, and asks only the sockets that may have something
    (see precis_waiter.h for why and the rule the owner keeps).
*/
#include "precis_waiter.h"
#include <errno.h>
#include <poll.h>

struct _precis_waiter_t {
    struct pollfd fds[PRECIS_WAITER_MAX];
    bool enabled[PRECIS_WAITER_MAX];
    bool ready[PRECIS_WAITER_MAX];
    int count;
    uint64_t polls;
};

precis_waiter_t *precis_waiter_new(void)
{
    precis_waiter_t *self = calloc(1, sizeof *self);
    assert(self);
    return self;
}

void precis_waiter_destroy(precis_waiter_t **self_p)
{
    if (*self_p) {
        free(*self_p);
        *self_p = NULL;
    }
}

int precis_waiter_add(precis_waiter_t *self, zsock_t *sock)
{
    if (self->count >= PRECIS_WAITER_MAX)
        return -1;
    int fd = -1;
    size_t size = sizeof fd;
    if (zmq_getsockopt(zsock_resolve(sock), ZMQ_FD, &fd, &size) != 0)
        return -1;
    int index = self->count++;
    self->fds[index] = (struct pollfd){fd, POLLIN, 0};
    self->enabled[index] = true;
    self->ready[index] = true;
    return index;
}

void precis_waiter_enable(precis_waiter_t *self, int index, bool enabled)
{
    assert(index >= 0 && index < self->count);
    self->enabled[index] = enabled;
    self->ready[index] = enabled;
    /* poll() skips a negative descriptor: one disabled is not watched. */
    if (enabled != (self->fds[index].fd >= 0))
        self->fds[index].fd = ~self->fds[index].fd;
}

/* How many enabled sockets are ready. */
static int count_ready(precis_waiter_t *self)
{
    int ready = 0;
    for (int i = 0; i < self->count; i++)
        ready += self->enabled[i] && self->ready[i];
    return ready;
}

int precis_waiter_wait(precis_waiter_t *self, int timeout_ms)
{
    /* Polled also when a socket is ready already (without waiting), so
       that one always ready (a flood of requests) cannot hide the others. */
    int rc = poll(self->fds, (nfds_t)self->count, count_ready(self) ? 0 : timeout_ms);
    self->polls++;
    for (int i = 0; rc > 0 && i < self->count; i++)
        if (self->fds[i].fd >= 0 && (self->fds[i].revents & (POLLIN | POLLERR)))
            self->ready[i] = true;
    return count_ready(self);
}

bool precis_waiter_ready(precis_waiter_t *self, int index)
{
    assert(index >= 0 && index < self->count);
    return self->enabled[index] && self->ready[index];
}

void precis_waiter_set_ready(precis_waiter_t *self, int index, bool ready)
{
    assert(index >= 0 && index < self->count);
    self->ready[index] = ready;
}

void precis_waiter_set_all_ready(precis_waiter_t *self)
{
    for (int i = 0; i < self->count; i++)
        self->ready[i] = true;
}

uint64_t precis_waiter_polls(precis_waiter_t *self)
{
    return self->polls;
}

/* ---- self test ----------------------------------------------------------- */

#define CHECK(cond)                                                                      \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            fprintf(stderr, "waiter test: %s:%d: %s\n", __FILE__, __LINE__, #cond);      \
            failures++;                                                                  \
        }                                                                                \
    } while (0)

/* Reads sock until nothing waits; returns how many messages it read. */
static int drain(zsock_t *sock)
{
    int read = 0;
    char buffer[16];
    while (zmq_recv(zsock_resolve(sock), buffer, sizeof buffer, ZMQ_DONTWAIT) != -1)
        read++;
    return read;
}

int precis_waiter_test(bool verbose)
{
    (void)verbose;
    int failures = 0;
    char endpoint[64];
    snprintf(endpoint, sizeof endpoint, "@inproc://waiter-test-%p", (void *)&failures);
    zsock_t *a = zsock_new_pair(endpoint);
    char other[80];
    snprintf(other, sizeof other, ">%s", endpoint + 1);
    zsock_t *b = zsock_new_pair(other);
    snprintf(endpoint, sizeof endpoint, "@inproc://waiter-test2-%p", (void *)&failures);
    zsock_t *c = zsock_new_pair(endpoint);
    snprintf(other, sizeof other, ">%s", endpoint + 1);
    zsock_t *d = zsock_new_pair(other);
    assert(a && b && c && d);

    precis_waiter_t *waiter = precis_waiter_new();
    int ib = precis_waiter_add(waiter, b), id = precis_waiter_add(waiter, d);
    CHECK(ib == 0 && id == 1);
    /* Added: ready, nothing known yet. */
    CHECK(precis_waiter_ready(waiter, ib) && precis_waiter_ready(waiter, id));
    CHECK(drain(b) == 0 && drain(d) == 0);
    precis_waiter_set_ready(waiter, ib, false);
    precis_waiter_set_ready(waiter, id, false);
    /* Read empty: a wait finds nothing and marks nothing. */
    CHECK(precis_waiter_wait(waiter, 0) == 0);
    CHECK(!precis_waiter_ready(waiter, ib) && !precis_waiter_ready(waiter, id));

    /* A message for b: its descriptor signals, b is ready and d is not. */
    zstr_send(a, "x");
    CHECK(precis_waiter_wait(waiter, 5000) == 1);
    CHECK(precis_waiter_ready(waiter, ib) && !precis_waiter_ready(waiter, id));
    CHECK(drain(b) == 1);
    precis_waiter_set_ready(waiter, ib, false);
    CHECK(precis_waiter_wait(waiter, 0) == 0);

    /* Why a call other than a read to EAGAIN leaves a socket ready: asking
       ZMQ_EVENTS (as a send may, too) takes the commands that made the
       descriptor signal, and the message waits unseen by poll(). */
    zstr_send(a, "y");
    CHECK((zsock_events(b) & ZMQ_POLLIN) != 0);
    CHECK(precis_waiter_wait(waiter, 0) == 0);
    precis_waiter_set_ready(waiter, ib, true); /* the owner's mark */
    CHECK(precis_waiter_wait(waiter, 0) == 1 && precis_waiter_ready(waiter, ib));
    CHECK(drain(b) == 1);
    precis_waiter_set_ready(waiter, ib, false);

    /* With b ready, the wait does not sleep, and still sees d's signal. */
    precis_waiter_set_ready(waiter, ib, true);
    zstr_send(c, "z");
    uint64_t polls = precis_waiter_polls(waiter);
    CHECK(precis_waiter_wait(waiter, 60000) == 2);
    CHECK(precis_waiter_ready(waiter, id) && precis_waiter_polls(waiter) == polls + 1);
    CHECK(drain(d) == 1 && drain(b) == 0);
    precis_waiter_set_ready(waiter, ib, false);
    precis_waiter_set_ready(waiter, id, false);

    /* All ready: both, without a signal. */
    precis_waiter_set_all_ready(waiter);
    CHECK(precis_waiter_wait(waiter, 0) == 2);
    CHECK(drain(b) == 0 && drain(d) == 0);
    precis_waiter_set_ready(waiter, ib, false);
    precis_waiter_set_ready(waiter, id, false);

    /* Disabled: never ready, its signal not watched; enabled: ready. */
    precis_waiter_enable(waiter, id, false);
    zstr_send(c, "w");
    CHECK(precis_waiter_wait(waiter, 0) == 0 && !precis_waiter_ready(waiter, id));
    precis_waiter_enable(waiter, id, true);
    CHECK(precis_waiter_ready(waiter, id) && precis_waiter_wait(waiter, 0) == 1);
    CHECK(drain(d) == 1);
    precis_waiter_set_ready(waiter, id, false);
    CHECK(precis_waiter_wait(waiter, 0) == 0);

    precis_waiter_destroy(&waiter);
    CHECK(waiter == NULL);
    zsock_destroy(&a);
    zsock_destroy(&b);
    zsock_destroy(&c);
    zsock_destroy(&d);
    return failures;
}
