/*  precis_sub - the client side of the output socket: `precis sub`.
    Subscribes to a topic prefix and prints each result, readable by default
    or as JSON Lines with --json. */
#ifndef PRECIS_SUB_H
#define PRECIS_SUB_H

#include "precis.h"

/* argv[0] is "sub". Returns the exit code: 0 stopped (by --count or a
   signal), 1 --timeout passed before --count results, 2 usage error,
   3 the socket could not be set up. */
int precis_cmd_sub(int argc, char **argv);

/* Writes a result the way a person reads it. */
void precis_sub_print(FILE *stream, const precis_result_t *result, const char *topic);

#endif
