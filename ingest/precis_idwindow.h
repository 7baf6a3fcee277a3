/*  precis_idwindow - the article ids ingest has taken, so that a client
    that sends the same request again (its reply was lost, ingest died
    before answering) gets "accepted" with "duplicate": true and the
    article is published once (the promise of Kafka's idempotent producer,
    by the client's own id).

    An id is known while its article is in flight (taken, under its
    delivery key) and, once the sink has acknowledged it (delivered), for
    a window bounded by a count (max_ids, the oldest forgotten first) and
    an age (max_age_s). Only client-given ids are noted: a request without
    an id cannot be a retry.

    Ids are kept as 128-bit digests (the first 16 bytes of their SHA-1),
    never as text: two different ids are taken for one with a chance of
    about n^2 / 2^129 (none in practice). With each id goes an 8-byte
    digest of its article's content (precis_idwindow_content: XXH3 of the
    title and the text), so that the same id sent again with a different
    article is told apart from a retry (precis_idwindow_check: "changed";
    two different articles look the same with a chance of 2^-64). Memory
    per delivered id is fixed whatever its length: 32 bytes in a ring
    (digest, time, content digest) and 8 to 16 bytes of hash table (4-byte
    slots, a power of two of them, at least two per id), so at most 48
    bytes per id: 40.4 MB for the default 1,000,000 ids (32 MB of ring,
    8 MB of table), grown as ids come (the ring doubles; both arrays are
    held twice for a moment then). Ids in flight cost about 160 bytes
    each; there are at most --max-inflight of them.

    Delivered ids survive a restart in their own file (PATH, next to the
    journal): one 28-byte record per delivered id (digest, time in seconds,
    FNV-1a checksum), appended and written out by precis_idwindow_flush,
    durable once precis_idwindow_fd is synced (ingest syncs it with the
    journal). Loading skips records whose checksum is wrong and cuts a
    torn tail. The file is rewritten with just the window once it holds
    more than twice as many records plus 65,536. Ids in flight come back
    from the journal (ingest notes them again at recovery, with their
    content digests). The file keeps no content digest: an id loaded from
    it is taken for the same article whatever the content ("duplicate", as
    before content digests were kept).
*/
#ifndef PRECIS_IDWINDOW_H
#define PRECIS_IDWINDOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct _precis_idwindow_t precis_idwindow_t;

/* The defaults of --dedup-max-ids and --dedup-max-age (seconds) are
   PRECIS_DEDUP_MAX_IDS and PRECIS_DEDUP_MAX_AGE (precis_config.h). */

/* A window of at most max_ids delivered ids, each kept max_age_s seconds;
   path: the file that keeps them across restarts (loaded now, with now_s
   the current time in seconds), or NULL for memory only. NULL when the
   file cannot be opened (logged). max_ids 0 turns deduplication off:
   nothing is noted. */
precis_idwindow_t *precis_idwindow_new(const char *path, size_t max_ids,
                                       int64_t max_age_s, int64_t now_s);
void precis_idwindow_destroy(precis_idwindow_t **self_p);

/* The content digest of an article (title and text, either may be NULL):
   8 bytes of XXH3, never 0 (0 stands for "not known"). */
uint64_t precis_idwindow_content(const char *title, size_t title_len, const char *text,
                                 size_t text_len);

typedef enum {
    PRECIS_ID_NEW,    /* not in flight, not delivered within the window */
    PRECIS_ID_SAME,   /* known with this content (or content not known) */
    PRECIS_ID_CHANGED /* known with a different content digest */
} precis_idwindow_seen_t;

/* What the window knows of id (id_len bytes) sent with content (its
   precis_idwindow_content, or 0 when not known), at now_s. */
precis_idwindow_seen_t precis_idwindow_check(precis_idwindow_t *self, const char *id,
                                             size_t id_len, uint64_t content,
                                             int64_t now_s);

/* True when id (id_len bytes) is in flight, or was delivered no more than
   max_age_s before now_s and is still among the newest max_ids. */
bool precis_idwindow_contains(precis_idwindow_t *self, const char *id, size_t id_len,
                              int64_t now_s);

/* Notes id as in flight under the delivery key, with its article's content
   digest (0: not known). */
void precis_idwindow_taken(precis_idwindow_t *self, const char *id, size_t id_len,
                           uint64_t content, const char *key);
/* Forgets the id in flight under key: its article was not taken after
   all (its journal record could not be made durable). */
void precis_idwindow_forget(precis_idwindow_t *self, const char *key);
/* The article under key was delivered at now_s: its id (when one was
   noted) joins the window and is appended to the file. True when the
   window has a file and an id was noted under key: the id is durable only
   once precis_idwindow_flush has written it and precis_idwindow_fd is
   synced (ingest holds the article's done record until then). */
bool precis_idwindow_delivered(precis_idwindow_t *self, const char *key, int64_t now_s);

/* Drops the ids older than the window, and rewrites the file when it is
   mostly records of ids already dropped (blocking: at most max_ids * 28
   bytes). */
void precis_idwindow_maintain(precis_idwindow_t *self, int64_t now_s);

/* Writes out the records appended (fflush). 0, or -1 (logged once per
   run of failures; the ids stay known in memory). */
int precis_idwindow_flush(precis_idwindow_t *self);
/* The file's descriptor, to sync; -1 without a file. */
int precis_idwindow_fd(precis_idwindow_t *self);

/* Delivered ids in the window; ids in flight. */
size_t precis_idwindow_size(precis_idwindow_t *self);
size_t precis_idwindow_in_flight(precis_idwindow_t *self);

int precis_idwindow_test(bool verbose);

#endif
