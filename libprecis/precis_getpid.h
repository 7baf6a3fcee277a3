/*  precis_getpid - getpid() answered from memory in the stages' daemons
    (precis-ingest, -relay, -normalize, -summarize and -sink: each calls
    precis_getpid_keep() first in main), so that libzmq's checks of the
    process id cost no system call. Measured in the sink (below), where it
    began; ingest and the workers make the same checks on every wake-up.

    libzmq (4.3.4, built with fork support as Debian builds it) calls
    getpid() whenever a socket's mailbox is checked or signalled
    (signaler_t::wait and send: a child made by fork() must not use its
    parent's sockets), in the sink's main thread and in ZeroMQ's I/O thread
    alike, and glibc makes every call a system call since 2.25. In the
    pipeline those were about a third of the sink's system calls
    (bench/sink_pipeline, main at 00171bb, BBC, full rate: getpid 0.20 of
    0.49 calls a result in the main thread, 0.15 of 1.09 in the I/O
    thread; at 3,000 results/s 0.64 of 1.51 and 0.49 of 2.42), at about
    1.7 us a call on the development VM (a Firecracker guest).

    This module defines getpid() in the program: the dynamic linker binds
    every library's call to an executable's definition before libc's. Once
    precis_getpid_keep() was called it answers from a copy of the id taken
    then, renewed in the child of every fork() (pthread_atfork), which is
    all libzmq's check needs; before, it asks the kernel as libc does. A
    child made without glibc's fork handlers (a raw clone(), _Fork()) would
    read its parent's id: none of these programs makes one (nor does
    libmicrohttpd, whose workers are threads). Any program that links this
    module gets the definition (an archive member is taken for any
    undefined getpid), but only one that calls precis_getpid_keep() gets
    the copy.
*/
#ifndef PRECIS_GETPID_H
#define PRECIS_GETPID_H

#include <stdbool.h>
#include <sys/types.h>

/* From now on getpid() answers from memory (idempotent; call it before
   the threads start, as the first thing in main). */
void precis_getpid_keep(void);

/* Whether getpid() answers from memory. */
bool precis_getpid_kept(void);

int precis_getpid_test(bool verbose);

#endif
