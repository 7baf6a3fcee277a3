/*  precis_credit - bounds the memory of replay answers (docs/PROTOCOL.md,
    "Catching up").

    A replay answer can be megabytes, and ZeroMQ keeps every message queued
    for a peer that does not read. So each frame of an answer is handed to
    ZeroMQ without a copy (zmq_msg_init_data) with a free function, which
    ZeroMQ calls once the frame is written to the network or dropped with
    its peer: the bytes counted here are the bytes ZeroMQ still holds, as
    measured, not estimated. Two rules follow: a peer gets a new answer only
    when the previous one is gone (at most one answer outstanding a peer),
    and all answers together stay within max_bytes. A refused request is
    answered "busy".

    The free function runs in a ZeroMQ I/O thread: counters are atomic and
    the shared state lives until its last frame is gone, even after
    precis_credit_destroy.
*/
#ifndef PRECIS_CREDIT_H
#define PRECIS_CREDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <zmq.h>

typedef struct _precis_credit_t precis_credit_t;
typedef struct _precis_credit_answer_t precis_credit_answer_t;

/* Counts in flight per frame besides its data: ZeroMQ's own message record. */
#define PRECIS_CREDIT_FRAME_OVERHEAD 64

/* max_bytes: answers in flight, all peers together, at most (> 0). */
precis_credit_t *precis_credit_new(size_t max_bytes);
void precis_credit_destroy(precis_credit_t **self_p);

/* Why a request from peer (the ROUTER identity frame) must be answered
   busy now, or NULL when it may be answered. */
const char *precis_credit_refusal(precis_credit_t *self, const void *peer,
                                  size_t peer_size);

/* Bytes an answer may still take (max_bytes less the bytes in flight). */
size_t precis_credit_room(precis_credit_t *self);

/* Bytes ZeroMQ holds now for answers, overhead included. */
size_t precis_credit_bytes(precis_credit_t *self);

/* Starts an answer to peer; it is the peer's outstanding answer until all
   its frames are gone. End it with precis_credit_end once sent. */
precis_credit_answer_t *precis_credit_begin(precis_credit_t *self, const void *peer,
                                            size_t peer_size);

/* Fills msg with size bytes copied from data, counted against the credit
   until ZeroMQ frees it (zmq_msg_close on an unsent msg frees it too). */
void precis_credit_frame(precis_credit_answer_t *answer, zmq_msg_t *msg, const void *data,
                         size_t size);

/* The builder is done with the answer. */
void precis_credit_end(precis_credit_answer_t **answer_p);

/* Peers remembered (answers outstanding or recently sent). */
size_t precis_credit_peers(precis_credit_t *self);

int precis_credit_test(bool verbose);

#endif
