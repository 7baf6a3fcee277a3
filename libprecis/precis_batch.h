/*  precis_batch - several messages in one frame: a batch frame.

    A batch frame is a msgpack array whose elements are whole messages, each
    exactly the map a frame of its own would carry (an article, a result, a
    request). A reader that meets an array where it expects a map reads each
    element as it would read a frame; a single message stays a map, so one
    reader takes both.

    Why one frame and not one frame a message: libzmq's cost is per frame.
    A frame under its 8 KB I/O batch is copied through that buffer and
    costs a queue entry, an allocation and a wake-up check at each end; a
    larger frame is written from, and read into, the message itself, a
    system call for many articles. bench/hop_bench, 2,310-byte articles
    over one PUSH to PULL hop, CPU an article of both ends and their I/O
    threads, two runs each on this project's 2-core VM (2026-12-01):

      framing                 tcp loopback     ipc
      one article a frame     7.2 / 10.2 us    6.2 / 8.4 us
      16 frames a message     5.9 /  7.3       5.0 / 5.9
      one batch frame of 16   3.0 /  4.2       2.9 / 3.3

    Messages of several frames (precis_outbox) save the wake-ups only.

    Writing: add encoded messages (each copied once, behind room kept for
    the array header), then take the batch as one ZeroMQ message (no
    further copy). Reading: open a frame, then take its elements one by one
    as byte ranges of the frame (no copy).
*/
#ifndef PRECIS_BATCH_H
#define PRECIS_BATCH_H

#include <czmq.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Elements a reader takes from one batch frame at most: a frame declaring
   more is not read (precis_batch_open returns -1 and says why). */
#define PRECIS_BATCH_MAX 1024

/* Nesting a batch's elements may have, at most, below the array (what the
   stages' messages need: a summary's explain map is 4 deep). */
#define PRECIS_BATCH_DEPTH 16

/* Bytes a msgpack array header takes at most (array 32). */
#define PRECIS_BATCH_HEADER_MAX 5

typedef struct _precis_batch_t precis_batch_t;

/* The bytes of the msgpack array header of n elements in its shortest
   form (1, 3 or 5), as precis_batch_header writes it. */
size_t precis_batch_header_size(size_t n);

/* Writes that header at at (room for precis_batch_header_size(n) bytes);
   returns its length. For writers that build a batch frame in a buffer of
   their own (precis_outbox, ingest's replies, precis push). */
size_t precis_batch_header(unsigned char *at, size_t n);

/* True when data[0..size) starts with a msgpack array's type byte
   (fixarray, array 16, array 32): a batch frame, however short the rest,
   not a single message. */
bool precis_batch_is(const void *data, size_t size);

/* An empty batch. */
precis_batch_t *precis_batch_new(void);
void precis_batch_destroy(precis_batch_t **self_p);

/* Appends one message, data[0..size) (one msgpack value, copied). */
void precis_batch_add(precis_batch_t *self, const void *data, size_t size);

/* Messages added since the batch was last taken. */
size_t precis_batch_count(const precis_batch_t *self);

/* Bytes of the messages added (without the array header). */
size_t precis_batch_bytes(const precis_batch_t *self);

/* The batch as one message, a msgpack array of the messages in the order
   added, into msg (which the caller then sends or closes): the message
   owns the batch's buffer, no copy is made (zmq_msg_init_data). The batch
   is empty afterwards. Returns 0, or -1 when the batch is empty (msg is
   then not initialized). */
int precis_batch_msg(precis_batch_t *self, zmq_msg_t *msg);

/* The same as a czmq frame (its bytes copied once); NULL when empty. */
zframe_t *precis_batch_frame(precis_batch_t *self);

/* Messages a frame carries, for counting: the element count of a batch
   frame (precis_batch_open's: its elements are not read), else 1 (a
   message, or a frame precis_batch_open refuses). */
size_t precis_batch_messages(const void *data, size_t size);

/* Reading a frame: the elements of a batch frame one by one. */
typedef struct {
    const unsigned char *at, *end;
    uint32_t left;     /* elements not yet taken */
    const char *error; /* why the frame or an element could not be read */
    /* The elements its header declares, once the header is whole, also
       when precis_batch_open refuses the frame (too many, too few bytes):
       for an error that says how many. 0 otherwise. */
    uint64_t declared;
} precis_batch_reader_t;

/* Starts reading data[0..size). Returns the number of elements (0 for an
   empty array) when the bytes start with a msgpack array of at most
   PRECIS_BATCH_MAX elements; -1 when they do not: with reader->error NULL
   when the first byte is not an array's (a single message: read it
   whole), or set when it is an array too large or cut short. */
int64_t precis_batch_open(precis_batch_reader_t *reader, const void *data, size_t size);

/* The next element as a byte range of the frame. False when every
   element has been taken, or when the next cannot be read (cut short,
   malformed, nested deeper than PRECIS_BATCH_DEPTH: reader->error says
   so, and the elements after it are lost with it), or when bytes follow
   the last element (reader->error says so; the elements before were
   whole). */
bool precis_batch_next(precis_batch_reader_t *reader, const void **data, size_t *size);

/* What precis_batch_each hands each message to: its bytes. */
typedef void(precis_batch_fn)(void *arg, const void *data, size_t size);

/* Hands fn(arg, ...) the message data[0..size) is, or each element of a
   batch frame in order, as byte ranges of the frame (no copy). Returns how
   many messages fn was given. *error (when error is not NULL) says why a
   batch frame could not be read to its end, as precis_batch_next does (fn
   had the elements before the bad one), else NULL. For readers that take
   a plain message and a batch frame alike. */
size_t precis_batch_each(const void *data, size_t size, precis_batch_fn *fn, void *arg,
                         const char **error);

int precis_batch_test(bool verbose);

#endif
