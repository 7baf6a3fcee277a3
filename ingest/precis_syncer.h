/*  precis_syncer - group commit: fdatasync in a thread of its own, and the
    work (ingest's answers, journal compaction steps) that must wait for it.

    The owner commits a file, with bytes to append to it or after writing
    them itself: the syncer appends the bytes and makes everything written
    to that file so far durable with an fdatasync in its own thread, so
    that the owner's loop never blocks on the disk, nor makes a system call
    per write (the appends of a group commit go in one writev per file). Callbacks held
   after a commit are called, in the order they were held, only once a sync that started
   after that commit has finished. While a sync is in flight, commits accumulate and the
   next fdatasync covers all of them at once. A directory can be committed too (after a
   rename).

    Under load, when a sync would cover several commits, syncs start at
    most every PRECIS_SYNC_SPACING_US: each fdatasync of a file that grew
    also commits the file system's own journal, and that CPU is taken from
    the workers on the same cores; spaced syncs gather more commits each. A
    lone client, one commit per sync, never waits.

    Each commit syncs a dup() of the file descriptor it was given, so the
    owner may close the file or swap it for another (journal compaction)
    while a sync is in flight; a commit on a different file (another inode)
    syncs that file too.

    Single-threaded API: every call, and every release callback, happens in
    the owner's thread. Poll precis_syncer_socket and call
    precis_syncer_handle when it is readable, or precis_syncer_handle_ready
    when it may be.
*/
#ifndef PRECIS_SYNCER_H
#define PRECIS_SYNCER_H

#include <czmq.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

typedef struct _precis_syncer_t precis_syncer_t;

/* Least time between the starts of two syncs under load, in microseconds. */
#define PRECIS_SYNC_SPACING_US 2000

/* Called once per hold: error is 0 when everything committed before the
   hold is durable, the errno of the failed sync otherwise. It may commit
   and hold again. */
typedef void(precis_syncer_fn)(void *arg, int error);

/* Starts the sync thread. */
precis_syncer_t *precis_syncer_new(void);
/* Waits for the syncs in flight or asked for (precis_syncer_flush), which
   calls every held callback, then stops the thread. */
void precis_syncer_destroy(precis_syncer_t **self_p);

/* Asks for everything written to fd so far to be made durable: a sync
   starts at once when none is in flight, else when the one in flight ends.
   Returns 0, or -1 when fd cannot be duplicated (nothing is committed). */
int precis_syncer_commit(precis_syncer_t *self, int fd);
/* The same for several files at once: one sync covers them all (ingest's
   journal and its ids file). */
int precis_syncer_commit_many(precis_syncer_t *self, const int *fds, size_t count);

/* A file to commit, and bytes to append to it first (data: malloc'd, or
   NULL when size is 0). */
typedef struct {
    int fd;
    void *data;
    size_t size;
} precis_syncer_file_t;

/* Commits files with bytes to append: the sync thread appends each file's
   bytes in the order they were committed (one writev per file and sync),
   then syncs. The data is the syncer's from the call on, also when it
   fails (then nothing is committed: -1); once written it is freed or given
   back (precis_syncer_set_release). When an append fails (a full
   disk), the file is cut back to its size before that append (no torn
   record stays for later ones to follow), nothing of that request is
   synced and its report carries the error: callbacks held before it get
   the error, and the owner answers for those bytes. The owner must not
   write to such a file itself meanwhile: it would interleave. A file may
   come several times in files (pieces of its bytes, appended in order). */
int precis_syncer_commit_files(precis_syncer_t *self, precis_syncer_file_t *files,
                               size_t count);

/* Called in the owner's thread, from precis_syncer_handle, with each
   buffer committed with precis_syncer_commit_files once it is written (or
   its write failed, or the syncer is destroyed): to reuse it. Without one
   the buffers are freed, also in the owner's thread (a buffer freed in the
   sync thread takes the lock of the owner's malloc arena). */
typedef void(precis_syncer_release_fn)(void *arg, void *data);
void precis_syncer_set_release(precis_syncer_t *self, precis_syncer_release_fn *fn,
                               void *arg);

/* Appends every byte of iov (count buffers) to fd, resuming after short
   writes; when a write fails, cuts fd back to the size it had before the
   call. 0, or -1 with errno. The sync thread's append, for owners that
   write a file themselves too (precis_journal_flush). */
int precis_syncer_append(int fd, const struct iovec *iov, size_t count);

/* True when no sync is in flight or waiting to start (nothing committed
   is unsynced): the owner's own writes cannot meet the thread's. */
bool precis_syncer_idle(precis_syncer_t *self);

/* Calls fn(arg, error) once everything committed so far is durable (or
   its sync failed): at once when that is already so and nothing is held
   before it. */
void precis_syncer_hold(precis_syncer_t *self, precis_syncer_fn *fn, void *arg);

/* Readable when a sync has finished. */
zsock_t *precis_syncer_socket(precis_syncer_t *self);

/* Takes the report of a finished sync (waiting for one when none is ready),
   starts the next sync when commits came in meanwhile and calls the
   callbacks it covers. Returns the sync's error (0 or an errno), -1 when
   there was no sync to wait for. */
int precis_syncer_handle(precis_syncer_t *self);
/* The same without waiting: -1 also when no report has come yet. Cheaper
   than asking whether the socket is readable first (zsock_events: a poll
   and a getpid system call). */
int precis_syncer_handle_ready(precis_syncer_t *self);

/* Waits until everything committed so far is synced and every callback
   called. Returns 0, or the errno of the last sync that failed on the way. */
int precis_syncer_flush(precis_syncer_t *self);

/* True when a sync is in flight: its report will come on the socket. */
bool precis_syncer_in_flight(precis_syncer_t *self);

/* Callbacks held and not yet called. */
size_t precis_syncer_held(precis_syncer_t *self);
/* fdatasync calls asked of the thread so far (one per file per group
   commit). */
uint64_t precis_syncer_syncs(precis_syncer_t *self);

/* For tests: replaces fdatasync (called in the sync thread; 0 or -1 with
   errno set). Set it before the first commit. */
void precis_syncer_set_sync_fn(precis_syncer_t *self, int (*sync_fn)(int fd));
/* For tests: the spacing under load, in microseconds (0: none). */
void precis_syncer_set_spacing(precis_syncer_t *self, int64_t spacing_us);

int precis_syncer_test(bool verbose);

#endif
