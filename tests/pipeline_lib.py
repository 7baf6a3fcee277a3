"""Helpers for the Python integration tests run by tests/with_pipeline.sh:
sample articles, the pipeline's processes (pid, peak RSS, kill, restart),
and the sink's output log read back through the replay socket."""
import os
import subprocess
import sys
import time

import msgpack
import zmq

BIN = os.environ["PRECIS_BIN"]
RUN = os.environ["PRECIS_RUN_DIR"]
INGEST = os.environ["PRECIS_INGEST"]
REPLAY = os.environ["PRECIS_REPLAY"]

ctx = zmq.Context()


def fail(message):
    print("FAIL: " + message, file=sys.stderr)
    sys.exit(1)


def article(i, prefix):
    return {
        "id": "%s-%d" % (prefix, i),
        "title": "Harbour works %d" % i,
        "text": "The harbour authority opened berth %d on Tuesday after two years of work. "
        "Ferries to the islands will use it from next month. The old berth closes "
        "for repairs in %d weeks. Local shops expect more visitors." % (i, 2 + i % 5),
    }


def pid_of(name):
    with open(os.path.join(RUN, name + ".pid")) as f:
        return int(f.read())


def peak_rss_kb(name):
    try:
        with open("/proc/%d/status" % pid_of(name)) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


# Processes are killed and started again through the launcher every other
# script uses (deploy/lib/pipeline.sh), not by logic of our own.
LAUNCHER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "deploy", "lib",
                        "pipeline.sh")


def launcher(command, name):
    result = subprocess.run([LAUNCHER, command, RUN, name], stdin=subprocess.DEVNULL)
    return result.returncode == 0


def kill9(name):
    """SIGKILL a pipeline process and wait until it is gone: its threads
    too, which hold its sockets a moment after the main one is a zombie."""
    if not launcher("kill9", name):
        fail("could not kill " + name)


def restart(name):
    """Start a pipeline process again from its launcher; wait until ready
    (started again when it exits first, e.g. a port not free yet)."""
    if not launcher("relaunch", name):
        fail(name + " did not start again")


def kill_ingest():
    kill9("ingest")


def start_ingest():
    restart("ingest")


def published():
    """Every result in the output log, from seq 1: a list of ids."""
    sock = ctx.socket(zmq.DEALER)
    sock.connect(REPLAY)
    ids, since = [], 1
    while True:
        sock.send(msgpack.packb({"type": "replay", "since": since, "max": 1000}))
        if not sock.poll(10000):
            fail("no answer from the replay socket")
        frames = sock.recv_multipart()
        header = msgpack.unpackb(frames[0])
        if header.get("status") == "busy":
            time.sleep(header.get("retry_ms", 100) / 1000)
            continue
        if header.get("status") != "ok":
            fail("replay answered %r" % header)
        for body in frames[2::2]:
            ids.append(msgpack.unpackb(body)["id"])
        if header["count"] == 0:
            break
        since = header["first"] + header["count"]
    sock.close(0)
    return ids


def wait_published(expected, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        ids = published()
        if len(ids) >= expected:
            time.sleep(1.5)  # a late duplicate would show up by now
            return published()
        time.sleep(0.2)
    return published()


def report(name, accepted, ids, expected_ids):
    counts = {}
    for i in ids:
        counts[i] = counts.get(i, 0) + 1
    delivered = len(set(ids) & set(expected_ids))
    lost = len(set(expected_ids) - set(ids))
    duplicated = sum(c - 1 for c in counts.values() if c > 1)
    print("%-40s accepted %5d  delivered %5d  lost %d  duplicated %d  ingest peak RSS %.1f MB"
          % (name, accepted, delivered, lost, duplicated, peak_rss_kb("ingest") / 1024))
    return lost, duplicated


