/*  precis_service - readiness for systemd (sd_notify) and journal detection. */
#include "precis_service.h"
#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

int precis_service_ready(void)
{
    /* MAINPID: a process started through setsid or a wrapper is still the
       one systemd should watch. */
    int rc = sd_pid_notifyf(0, 0, "READY=1\nMAINPID=%d", (int)getpid());
    return rc < 0 ? -1 : rc > 0;
}

int precis_service_stopping(void)
{
    int rc = sd_notify(0, "STOPPING=1");
    return rc < 0 ? -1 : rc > 0;
}

bool precis_service_is_journal(int fd)
{
    const char *stream = getenv("JOURNAL_STREAM");
    unsigned long long device = 0, inode = 0;
    struct stat info;
    if (!stream || sscanf(stream, "%llu:%llu", &device, &inode) != 2 || fstat(fd, &info) != 0)
        return false;
    return (unsigned long long)info.st_dev == device && (unsigned long long)info.st_ino == inode;
}

int precis_service_test(bool verbose)
{
    int failures = 0;
    char dir[] = "/tmp/precis-service-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    char path[96];
    snprintf(path, sizeof path, "%s/notify", dir);

    /* No NOTIFY_SOCKET: nothing to tell, not an error. */
    unsetenv("NOTIFY_SOCKET");
    if (precis_service_ready() != 0) {
        fprintf(stderr, "service test: told a manager that is not there\n");
        failures++;
    }
    /* A manager listening on a datagram socket hears READY=1 with our pid. */
    int listener = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un address = {.sun_family = AF_UNIX};
    snprintf(address.sun_path, sizeof address.sun_path, "%s", path);
    if (listener < 0 || bind(listener, (struct sockaddr *)&address, sizeof address) != 0) {
        fprintf(stderr, "service test: cannot bind %s\n", path);
        failures++;
    } else {
        setenv("NOTIFY_SOCKET", path, 1);
        char heard[256] = "", expected[64];
        snprintf(expected, sizeof expected, "READY=1\nMAINPID=%d", (int)getpid());
        int told = precis_service_ready();
        ssize_t got = recv(listener, heard, sizeof heard - 1, MSG_DONTWAIT);
        if (told != 1 || got <= 0 || strcmp(heard, expected) != 0) {
            fprintf(stderr, "service test: READY not heard (told %d, heard '%s')\n", told,
                    heard);
            failures++;
        }
        memset(heard, 0, sizeof heard);
        told = precis_service_stopping();
        got = recv(listener, heard, sizeof heard - 1, MSG_DONTWAIT);
        if (told != 1 || got <= 0 || strcmp(heard, "STOPPING=1") != 0) {
            fprintf(stderr, "service test: STOPPING not heard\n");
            failures++;
        }
        unsetenv("NOTIFY_SOCKET");
    }
    if (listener >= 0)
        close(listener);
    unlink(path);

    /* JOURNAL_STREAM names a device and inode: only that file is the journal. */
    snprintf(path, sizeof path, "%s/stream", dir);
    FILE *file = fopen(path, "w");
    struct stat info;
    if (!file || fstat(fileno(file), &info) != 0) {
        fprintf(stderr, "service test: cannot make %s\n", path);
        failures++;
    } else {
        char stream[64];
        snprintf(stream, sizeof stream, "%llu:%llu", (unsigned long long)info.st_dev,
                 (unsigned long long)info.st_ino);
        setenv("JOURNAL_STREAM", stream, 1);
        if (!precis_service_is_journal(fileno(file))) {
            fprintf(stderr, "service test: the journal stream was not recognised\n");
            failures++;
        }
        snprintf(stream, sizeof stream, "%llu:%llu", (unsigned long long)info.st_dev,
                 (unsigned long long)info.st_ino + 1);
        setenv("JOURNAL_STREAM", stream, 1);
        if (precis_service_is_journal(fileno(file))) {
            fprintf(stderr, "service test: another inode taken for the journal\n");
            failures++;
        }
        unsetenv("JOURNAL_STREAM");
        if (precis_service_is_journal(fileno(file))) {
            fprintf(stderr, "service test: journal without JOURNAL_STREAM\n");
            failures++;
        }
    }
    if (file)
        fclose(file);
    unlink(path);
    rmdir(dir);
    if (verbose)
        printf(" * precis_service: %s\n", failures ? "FAILED" : "OK");
    return failures;
}
