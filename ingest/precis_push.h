/*  precis_push - the client side of the ingest socket: `precis push`.

    Reads articles from plain-text files (first line is the title),
    directories of them, JSON Lines files or stdin, sends them to ingest
    over a DEALER socket with a bounded window of requests in flight, and
    retries "busy" answers with exponential backoff. Reports each answer,
    or a progress line on a terminal, and totals at the end.
*/
#ifndef PRECIS_PUSH_H
#define PRECIS_PUSH_H

#include "precis.h"

/* argv[0] is "push". Returns the exit code: 0 all accepted, 1 something was
   rejected or unreadable, 2 usage error, 3 ingest did not answer. */
int precis_cmd_push(int argc, char **argv);

/* Turns one JSON object into a request map; NULL with a reason when it
   cannot be one. Adds a generated id when it has none. Exposed for tests. */
void *precis_push_request_from_json(json_t *object, size_t *size_p, char *id_out,
                                    size_t id_size, char *error);

int precis_push_test(bool verbose);

#endif
