/*  precis_getpid - getpid() answered from memory in the stages' daemons (see
    precis_getpid.h for why and what it costs to be wrong).
*/
#include "precis_getpid.h"
#include <dlfcn.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* The process id; 0 until precis_getpid_keep (then the kernel is asked).
   Read by every thread, written before they start and in a fork's child
   (one thread then): relaxed atomics are enough. */
static _Atomic pid_t kept_pid;

static pid_t kernel_pid(void)
{
    return (pid_t)syscall(SYS_getpid);
}

/* In the child of a fork: its own id. */
static void renew(void)
{
    atomic_store_explicit(&kept_pid, kernel_pid(), memory_order_relaxed);
}

static void keep_once(void)
{
    renew();
    /* Only the child needs it; the parent keeps its id. */
    if (pthread_atfork(NULL, NULL, renew) != 0)
        atomic_store_explicit(&kept_pid, 0, memory_order_relaxed);
}

void precis_getpid_keep(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, keep_once);
}

bool precis_getpid_kept(void)
{
    return atomic_load_explicit(&kept_pid, memory_order_relaxed) != 0;
}

/* libc's getpid, for this program and the libraries it loads. */
pid_t getpid(void)
{
    pid_t pid = atomic_load_explicit(&kept_pid, memory_order_relaxed);
    return pid ? pid : kernel_pid();
}

/* ---- self test ----------------------------------------------------------- */

#define CHECK(cond)                                                                      \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            fprintf(stderr, "getpid test: %s:%d: %s\n", __FILE__, __LINE__, #cond);      \
            failures++;                                                                  \
        }                                                                                \
    } while (0)

int precis_getpid_test(bool verbose)
{
    int failures = 0;
    /* The name getpid, looked up as a library's call is bound, is this
       module's (not libc's): libzmq's calls come here. */
    void *bound = dlsym(RTLD_DEFAULT, "getpid");
    CHECK(bound == (void *)getpid);
    CHECK(getpid() == kernel_pid());
    precis_getpid_keep();
    precis_getpid_keep(); /* idempotent */
    CHECK(precis_getpid_kept());
    pid_t parent = getpid();
    CHECK(parent == kernel_pid());
    /* A child of fork() has its own id at once, and keeps it. The child
       says so through a pipe and ends by SIGKILL: an exit would run
       valgrind's leak check in it, which finds the blocks only the
       parent's other threads point to, and fails with its exit code. */
    int answer[2];
    CHECK(pipe(answer) == 0);
    pid_t child = fork();
    if (child == 0) {
        pid_t own = getpid();
        char ok =
            own == kernel_pid() && own != parent && precis_getpid_kept() ? 'y' : 'n';
        if (write(answer[1], &ok, 1) != 1)
            _exit(1);
        kill(kernel_pid(), SIGKILL);
    }
    CHECK(child > 0);
    close(answer[1]);
    char said = 0;
    CHECK(read(answer[0], &said, 1) == 1 && said == 'y');
    close(answer[0]);
    int status = -1;
    CHECK(waitpid(child, &status, 0) == child);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    CHECK(getpid() == parent && parent == kernel_pid());
    if (verbose)
        printf("getpid: %s\n", failures ? "FAILED" : "ok");
    return failures;
}
