/*  precis_service - what a daemon tells its service manager.

    Readiness: under systemd with Type=notify, the manager waits for
    "READY=1" on $NOTIFY_SOCKET (sd_notify(3), libsystemd); precis sends it
    when the pid file is written, that is once every socket is bound, so
    units that order After= a precis unit start when it can take work.
    Without NOTIFY_SOCKET nothing is sent.

    Log priorities: when stderr is the journal (systemd sets JOURNAL_STREAM
    to its device:inode, see systemd.exec(5)), log lines go through syslog
    (zsys' system log mode) so that journald keeps each line's priority:
    `journalctl -p err` shows the errors. Elsewhere logs stay on stderr.
*/
#ifndef PRECIS_SERVICE_H
#define PRECIS_SERVICE_H

#include <stdbool.h>

/* Tells the service manager the process is ready (READY=1 and MAINPID).
   Returns 1 when a manager was told, 0 when there is none, -1 on error. */
int precis_service_ready(void);

/* Tells the service manager the process is stopping (STOPPING=1), so that
   `systemctl status` says so during a drain. Same returns. */
int precis_service_stopping(void);

/* True when file descriptor fd is the journal stream systemd set up
   ($JOURNAL_STREAM names its device and inode). */
bool precis_service_is_journal(int fd);

int precis_service_test(bool verbose);

#endif
