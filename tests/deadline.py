#!/usr/bin/env python3
"""tests/deadline.py [--timeout SECONDS] [--] COMMAND [ARG]...

Runs a test that starts processes, so that nothing it started outlives it.
ctest stops a test at its TIMEOUT with SIGKILL to the test's process group:
the test's cleanup trap never runs, and what it started in a session of its
own (deploy/pipeline up's daemons, setsid) stays behind. Here:

- this process is a child subreaper (prctl PR_SET_CHILD_SUBREAPER), so the
  processes the test starts stay its descendants even when their parent
  exits (a daemon is re-parented here, not to init), and are reaped here as
  soon as they exit (a zombie would still answer `kill -0`);
- COMMAND runs in a process group of its own;
- a deadline a little below the TIMEOUT (SECONDS, or PRECIS_TEST_TIMEOUT in
  the environment, which tests/CMakeLists.txt sets from each test's TIMEOUT;
  none when neither is given): SIGTERM to COMMAND's process group, so that
  its cleanup runs (a shell's trap runs once its foreground child is gone),
  up to a grace period for COMMAND to exit, then SIGTERM and, 2 s later,
  SIGKILL to every descendant left; exit 124 with the reason on stderr;
- SIGINT, SIGTERM or SIGHUP to this process: the same, with 128 + signal;
- COMMAND ended in time: whatever it left running is stopped the same way
  and named on stderr; the exit code is COMMAND's (128 + signal when a
  signal ended it).

The deadline is the timeout less a quarter of it, at most 20 s; the grace
period a tenth of the timeout, at most 10 s: a test of TIMEOUT 120 is
stopped at 100 s, and everything is gone by 112 s at the latest.
"""
import ctypes
import os
import signal
import subprocess
import sys
import time

PR_SET_CHILD_SUBREAPER = 36  # <linux/prctl.h>
STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}


def say(message):
    print("deadline: " + message, file=sys.stderr, flush=True)


def reap(main_pid):
    """Reaps every child that has exited; returns main_pid's wait status
    when it was among them, else None."""
    status = None
    while True:
        try:
            pid, wait_status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return status
        if pid == 0:
            return status
        if pid == main_pid:
            status = wait_status


def descendants():
    """The pids below this process, with their command lines, from /proc."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if fields[0] != "Z":
            children.setdefault(int(fields[1]), []).append(int(entry))
    found, todo = [], [os.getpid()]
    while todo:
        for pid in children.get(todo.pop(), []):
            found.append(pid)
            todo.append(pid)
    return found


def command_line(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return "?"


def wait_until(when, main_pid, main_status, gone):
    """Reaps children until the clock passes when or gone() holds; returns
    main_pid's wait status once known."""
    while True:
        status = reap(main_pid)
        if status is not None:
            main_status = status
        if gone(main_status) or time.monotonic() >= when:
            return main_status
        signal.sigtimedwait({signal.SIGCHLD}, min(0.1, max(0.0, when - time.monotonic())))


def stop_descendants(main_pid, main_status, why):
    """SIGTERM to every descendant, SIGKILL 2 s later to those left; names them."""
    left = descendants()
    if not left:
        return main_status
    say("%s: %s" % (why, "; ".join("pid %d (%s)" % (p, command_line(p)) for p in left)))
    for sig, wait in ((signal.SIGTERM, 2.0), (signal.SIGKILL, 2.0)):
        for pid in descendants():
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        main_status = wait_until(time.monotonic() + wait, main_pid, main_status,
                                 lambda _: not descendants())
        if not descendants():
            break
    left = descendants()
    if left:
        say("still running after SIGKILL: %s" % " ".join(map(str, left)))
    return main_status


def exit_code(wait_status):
    if os.WIFSIGNALED(wait_status):
        return 128 + os.WTERMSIG(wait_status)
    return os.WEXITSTATUS(wait_status)


def main(argv):
    timeout = float(os.environ.get("PRECIS_TEST_TIMEOUT") or 0)
    if argv[:1] == ["--timeout"]:
        timeout, argv = float(argv[1]), argv[2:]
    if argv[:1] == ["--"]:
        argv = argv[1:]
    if not argv:
        sys.exit(__doc__)
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        say("prctl(PR_SET_CHILD_SUBREAPER): %s" % os.strerror(ctypes.get_errno()))
    # Blocked, and waited for with sigtimedwait: no signal is lost between
    # a check and the wait. The child gets the default mask back.
    signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS | {signal.SIGCHLD})
    child = subprocess.Popen(argv, process_group=0,
                             preexec_fn=lambda: signal.pthread_sigmask(signal.SIG_SETMASK, []))
    name = " ".join(os.path.basename(a) for a in argv[:2])
    deadline = START + timeout - min(20.0, timeout / 4) if timeout > 0 else None
    grace = min(10.0, timeout / 10) if timeout > 0 else 10.0
    status, reason, code = None, None, 124
    while status is None:
        wait = 1.0 if deadline is None else min(1.0, deadline - time.monotonic())
        if wait <= 0:
            reason = "ran past its deadline, %g s (TIMEOUT %g s)" % (deadline - START, timeout)
            break
        got = signal.sigtimedwait(STOP_SIGNALS | {signal.SIGCHLD}, wait)
        if got is not None and got.si_signo in STOP_SIGNALS:
            reason = "stopped: this wrapper got %s" % signal.Signals(got.si_signo).name
            code = 128 + got.si_signo
            break
        status = reap(child.pid)
    if reason is None:
        stop_descendants(child.pid, status, "%s ended and left running" % name)
        return exit_code(status)
    say("%s %s: SIGTERM to its process group; what is left after %g s is stopped"
        % (name, reason, grace))
    try:
        os.killpg(child.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    status = wait_until(time.monotonic() + grace, child.pid, None,
                        lambda main_status: main_status is not None)
    stop_descendants(child.pid, status, "still running")
    reap(child.pid)
    return code


START = time.monotonic()
if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
