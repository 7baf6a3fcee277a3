/*  precis_shards - endpoint lists and the shard a delivery key belongs to.

    Several ingest processes (shards) can run behind one public endpoint
    list (docs/DEPLOY.md, "Ingest shards"). Two things follow:

    * An endpoint option may name a list, "tcp://h:5555,tcp://h:5565": a
      connecting socket connects to each (a DEALER client then spreads its
      requests over the shards, a normalize worker pulls from every shard),
      a binding one binds each.
    * Each shard writes its number into the delivery keys it gives,
      "K:NONCE-NUMBER" (K from 1; no prefix without --shard), so that the
      sink sends a key's acknowledgement to the shard that owns it: the
      K-th endpoint of its --acks-endpoint list. A key without a shard (an
      ingest that is not a shard, or the records of its journal) belongs to
      the first.
*/
#ifndef PRECIS_SHARDS_H
#define PRECIS_SHARDS_H

#include <czmq.h>
#include <stdbool.h>
#include <stddef.h>

/* Most shards (and endpoints in one list). */
#define PRECIS_SHARDS_MAX 64

/* The endpoints in a comma-separated list: 1 for a plain endpoint, 0 for
   NULL or an empty string. Empty items ("a,,b") count as items. */
size_t precis_shards_count(const char *list);

/* The n-th endpoint (from 0) of list, malloc'd; NULL past the end. */
char *precis_shards_endpoint(const char *list, size_t n);

/* Binds or connects sock to every endpoint of list. 0, or -1 after a log
   line naming the endpoint that failed (those before it stay attached). */
int precis_shards_attach(zsock_t *sock, const char *list, bool bind);

/* The shard number written at the start of key ("3:..." is 3), 0 when it
   has none. Numbers above PRECIS_SHARDS_MAX count as none. */
unsigned precis_shards_of_key(const char *key);

int precis_shards_test(bool verbose);

#endif
