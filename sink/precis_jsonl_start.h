/*  precis_jsonl_start - where the sink's --jsonl file began: the small state
    file LOG.jsonl-start next to the output log (precis issue 13).

    The sink catches its JSON Lines file up from the output log after a kill
    (issue 11), but a new or rotated file (logrotate renames the old one and
    the sink is restarted) must start at the next result, not at seq 1. An
    empty file alone cannot tell the two apart, so when the sink creates or
    adopts an empty file it records the file's device and inode, the seq the
    file begins after, and later whether a line has been written to it. At
    the next start an empty file with the recorded inode and no line written
    yet is caught up from `after`; any other empty file starts after the
    output log's last seq.
*/
#ifndef PRECIS_JSONL_START_H
#define PRECIS_JSONL_START_H

#include "precis_outlog.h"
#include <stdbool.h>
#include <stdint.h>

typedef struct {
    uint64_t device, inode;          /* st_dev, st_ino of the JSON Lines file */
    uint64_t after;                  /* the seq its first line follows (0: from 1) */
    bool written;                    /* a line was written to it since */
    char log_id[PRECIS_LOG_ID_SIZE]; /* of the output log the seqs are of */
} precis_jsonl_start_t;

/* Reads the state file at path into start; false when it is missing or not
   such a file (then start is zeroed). */
bool precis_jsonl_start_load(const char *path, precis_jsonl_start_t *start);

/* Writes start to path atomically (a temp file, fsync, rename): 0, or -1
   with errno set. */
int precis_jsonl_start_save(const char *path, const precis_jsonl_start_t *start);

/* True when start describes the file of device and inode, of log_id, with
   no line written yet: an empty such file is one the sink made and must
   catch up. */
bool precis_jsonl_start_is_unwritten(const precis_jsonl_start_t *start, uint64_t device,
                                     uint64_t inode, const char *log_id);

int precis_jsonl_start_test(bool verbose);

#endif
