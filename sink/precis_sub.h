/*  precis_sub - the client side of the output socket: `precis sub`.
    Subscribes to a topic prefix and prints each result, readable by default
    or as JSON Lines with --json. With the sink's replay socket it prints
    every result exactly once and in `seq` order: a gap in the live stream
    (the PUB high-water mark, a late start, a reconnect) is fetched from the
    output log, and a changed `log_id` (the sink's numbering started over)
    is said on stderr. */
#ifndef PRECIS_SUB_H
#define PRECIS_SUB_H

#include "precis.h"

/* argv[0] is "sub". Returns the exit code: 0 stopped (by --count,
   --exit-at-end or a signal), 1 --timeout passed before --count results,
   2 usage error, 3 the socket could not be set up or the replay socket,
   which the options need, did not answer or is not there (PRECIS_REPLAY
   set and empty), 4 --since beyond the sink's
   output. */
int precis_cmd_sub(int argc, char **argv);

/* Writes a result the way a person reads it: "[TOPIC #SEQ] ID: TITLE", a
   repeat's followed by "(repeats FIRST_ID, similarity 0.68)" or "(repeats
   FIRST_ID, exact copy)", then the summary sentences and the keywords. */
void precis_sub_print(FILE *stream, const precis_result_t *result, const char *topic);

/* What a subscriber does with a result numbered seq in log log_id, having
   printed everything before next in the log known_log. */
typedef enum {
    PRECIS_SUB_PRINT,     /* the one expected next (or the first one) */
    PRECIS_SUB_DUPLICATE, /* printed already */
    PRECIS_SUB_GAP,       /* ahead: next to seq - 1 are missing */
    PRECIS_SUB_NEW_LOG,   /* another log: numbering started over */
} precis_sub_step_t;

/* next 0: nothing printed yet. An empty or NULL log id (an older sink) is
   compared by seq alone. */
precis_sub_step_t precis_sub_step(uint64_t next, const char *known_log, uint64_t seq,
                                  const char *log_id);

/* The replay endpoint that goes with an output endpoint when --replay is
   not given, the way deploy/pipeline lays ports out (output P+5, replay
   P+7): tcp://HOST:PORT gives tcp://HOST:PORT+2; NULL for other transports
   (ipc, inproc), whose replay socket cannot be guessed. Freed by the
   caller. */
char *precis_sub_replay_endpoint(const char *output_endpoint);

int precis_sub_test(bool verbose);

#endif
