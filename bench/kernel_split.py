#!/usr/bin/env python3
"""bench/kernel_split.py - where a process's threads spend their CPU, from a
perf profile with kernel call chains: the share of samples in user code and
in the kernel, the kernel's by what it was doing (a page fault of a huge
page, of a 4 KiB page, a file write, a socket send or receive, a context
switch, waking another thread, polls and sleeps, interrupts), per thread
kind (the main thread, ZeroMQ's I/O threads, the rest).

Why: /proc's user and system times are sampled at the scheduler tick
(CONFIG_TICK_CPU_ACCOUNTING at 250 Hz on the development VM, without
CONFIG_IRQ_TIME_ACCOUNTING: interrupts and softirqs are charged to whatever
thread runs), so they say how much of a thread's time was in the kernel, not
on what. A thread that makes few system calls may still spend much of its
time there: first touches of memory (on the development VM the host backs a
page only when the guest first touches it, so a fresh 2 MiB huge page costs
4-6 ms of clearing), page cache work of its file writes, and being switched
in and out.

  perf record -g -F 2000 -p PID -o FILE   (for as long as the run lasts)
  perf script -i FILE -F comm,tid,ip,sym,dso | bench/kernel_split.py PID [NAME=US ...]

NAME=US (main, io, other) gives the thread kind's CPU microseconds per
result, to print each share in microseconds a result too (bench/sink_pipeline
--profile passes them). Reads perf script's output on stdin; prints a block a
thread kind. Not part of the tests.
"""
import collections
import re
import sys

# The first rule whose frame names appear in a kernel sample's call chain
# names it (the chain runs from the sampled function outwards).
RULES = [
    ("page fault, huge page (clearing fresh memory)",
     ("do_huge_pmd_anonymous_page",)),
    ("page fault, 4 KiB page", ("exc_page_fault",)),
    ("context switch", ("finish_task_switch.isra.0", "finish_task_switch")),
    ("waking another thread", ("eventfd_write", "try_to_wake_up", "futex_wake")),
    ("file write (page cache, file system)",
     ("vfs_write", "vfs_writev", "generic_perform_write", "ext4_buffered_write_iter")),
    ("file sync", ("vfs_fsync_range", "do_fsync")),
    ("socket send (with a loopback receiver's softirq)",
     ("tcp_sendmsg", "unix_stream_sendmsg", "__sys_sendto", "__sys_sendmsg")),
    ("socket receive", ("__sys_recvfrom", "__sys_recvmsg", "tcp_recvmsg",
                        "unix_stream_recvmsg")),
    ("epoll", ("do_epoll_wait", "do_epoll_ctl")),
    ("poll", ("do_sys_poll",)),
    ("sleep", ("do_nanosleep", "hrtimer_nanosleep")),
    ("eventfd read", ("eventfd_read",)),
    ("interrupts, softirqs", ("handle_softirqs", "irq_exit_rcu",
                              "asm_sysvec_apic_timer_interrupt",
                              "asm_sysvec_call_function_single",
                              "asm_sysvec_reschedule_ipi")),
]
OTHER = "other kernel (system call entry and exit, ...)"


def samples(lines):
    """(comm, tid, [(symbol, dso), ...]) a sample."""
    head, frames = None, []
    for line in lines:
        if not line.strip():
            if head:
                yield head[0], head[1], frames
            head, frames = None, []
        elif not line[0].isspace():
            # "comm tid" (comm may hold spaces: the tid is the last word)
            words = line.split()
            head, frames = (" ".join(words[:-1]), words[-1]), []
        else:
            parts = line.strip().split(None, 1)
            if len(parts) == 2:
                m = re.match(r"(.*?)(\+0x[0-9a-f]+)? \((.*)\)$", parts[1])
                frames.append((m.group(1), m.group(3)) if m else (parts[1], ""))
    if head:
        yield head[0], head[1], frames


def kind_of(pid, comm, tid):
    if tid == pid:
        return "main"
    return "io" if comm.startswith("ZMQbg/IO") else "other"


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    pid, per_result = sys.argv[1], {}
    for arg in sys.argv[2:]:
        name, _, value = arg.partition("=")
        per_result[name] = float(value)
    total = collections.Counter()
    user = collections.Counter()
    kernel = collections.defaultdict(collections.Counter)
    for comm, tid, frames in samples(sys.stdin):
        if not frames:
            continue
        kind = kind_of(pid, comm, tid)
        total[kind] += 1
        if "kernel" not in frames[0][1]:
            user[kind] += 1
            continue
        names = {f[0] for f in frames}
        rule = next((r[0] for r in RULES if names.intersection(r[1])), OTHER)
        kernel[kind][rule] += 1
    for kind in ("main", "io", "other"):
        n = total[kind]
        if not n:
            continue
        us = per_result.get(kind)

        def share(count):
            text = "%5.1f%%" % (100.0 * count / n)
            return text + (" %5.2f us a result" % (us * count / n) if us else "")

        print("    %-5s %d samples: user %s, kernel %s" %
              (kind, n, share(user[kind]), share(n - user[kind])))
        for rule, count in kernel[kind].most_common():
            if 100.0 * count / n >= 0.5:
                print("          %s  %s" % (share(count), rule))


if __name__ == "__main__":
    main()
