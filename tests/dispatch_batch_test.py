#!/usr/bin/env python3
"""Ingest hands accepted articles to the normalize workers as batch frames
(docs/PROTOCOL.md, "Internal messages"), and a real normalize worker turns
every article of them out once:

  tests/dispatch_batch_test.py BIN_DIR

The test starts precis-ingest (with its journal, --no-forward) and one
precis-normalize, each on ipc endpoints in a directory of its own, and
stands between them: it is the only peer on ingest's dispatch endpoint,
reads each frame ingest sends (noting how many articles it carries) and
passes it on unchanged to the normalize worker, whose output it reads.
* 40 requests in one batch request are accepted together (one journal
  commit): they reach the dispatch endpoint as batch frames of 16, 16
  and 8, and come out of normalize each once, normalized, with its key;
* then one request alone: it leaves ingest at once, as a plain frame (a
  map), and comes out of normalize.

Exit code 0 when all holds, 1 otherwise (the reason on stderr). Both
daemons are stopped whatever happens."""
import os
import shutil
import subprocess
import sys
import tempfile
import time

import msgpack
import zmq

COUNT = 40
EXPECTED_FRAMES = [16, 16, 8]  # PRECIS_DISPATCH_BATCH articles a frame at most


def fail(message):
    print("dispatch_batch_test: FAIL: " + message, file=sys.stderr)
    sys.exit(1)


def request(i):
    return msgpack.packb({
        "id": "dispatch-%d" % i,
        "text": "The council voted on Tuesday to rebuild bridge number %d over the river. "
                "Work starts in spring and takes %d months. Drivers will use the old "
                "ferry road until then." % (i, 3 + i % 7)})


def articles_of(frame):
    """The articles a dispatched frame carries: a batch frame's elements, or
    the frame itself when it is a single map."""
    value = msgpack.unpackb(frame, raw=False)
    return value if isinstance(value, list) else [value]


def tap(dispatch, onward, want, seconds):
    """Reads frames from ingest until want articles came or seconds passed,
    passing each on unchanged; returns the articles each frame carried,
    and whether it was a batch frame (an array)."""
    frames, articles = [], 0
    deadline = time.monotonic() + seconds
    while articles < want and time.monotonic() < deadline:
        if not dispatch.poll(int(max(1, (deadline - time.monotonic()) * 1000))):
            break
        frame = dispatch.recv()
        carried = articles_of(frame)
        frames.append((len(carried), frame[0] & 0xf0 == 0x90 or frame[0] in (0xdc, 0xdd)))
        articles += len(carried)
        onward.send(frame)
    return frames


def normalized(out, want, seconds):
    """The normalized articles normalize sends, until want came."""
    found = []
    deadline = time.monotonic() + seconds
    while len(found) < want and time.monotonic() < deadline:
        if not out.poll(int(max(1, (deadline - time.monotonic()) * 1000))):
            break
        for part in out.recv_multipart():
            found.extend(articles_of(part))
    return found


def wait_for(path, seconds):
    deadline = time.monotonic() + seconds
    while not os.path.exists(path) and time.monotonic() < deadline:
        time.sleep(0.05)
    return os.path.exists(path)


def main():
    if len(sys.argv) != 2:
        print("usage: dispatch_batch_test.py BIN_DIR", file=sys.stderr)
        return 2
    work = tempfile.mkdtemp(prefix="precis-dispatch-batch-")
    ep = lambda name: "ipc://%s/%s" % (work, name)
    ctx = zmq.Context()
    procs = []
    log = open(os.path.join(work, "log"), "w")
    try:
        os.mkdir(os.path.join(work, "journal"))
        procs.append(subprocess.Popen(
            [os.path.join(sys.argv[1], "precis-ingest"), "--ingest", ep("ingest"),
             "--normalize-endpoint", ep("normalize"), "--acks-endpoint", ep("acks"),
             "--results-endpoint", ep("results"), "--no-forward",
             "--journal", os.path.join(work, "journal"), "--retry-ms", "60000", "--drain", "0.1",
             "--pidfile", os.path.join(work, "ingest.pid")],
            stdin=subprocess.DEVNULL, stderr=log))
        if not wait_for(os.path.join(work, "ingest.pid"), 10):
            fail("precis-ingest did not start within 10 s")
        dispatch = ctx.socket(zmq.PULL)
        dispatch.connect(ep("normalize"))
        onward = ctx.socket(zmq.PUSH)
        onward.bind(ep("onward"))
        out = ctx.socket(zmq.PULL)
        out.bind(ep("normalized"))
        procs.append(subprocess.Popen(
            [os.path.join(sys.argv[1], "precis-normalize"), "--normalize-endpoint",
             ep("onward"), "--normalized-endpoint", ep("normalized")],
            stdin=subprocess.DEVNULL, stderr=log))
        if not onward.poll(10000, zmq.POLLOUT):
            fail("the normalize worker did not connect within 10 s")
        client = ctx.socket(zmq.DEALER)
        client.connect(ep("ingest"))
        # Ingest answers busy while no worker is connected: until the tap is.
        deadline = time.monotonic() + 10
        while True:
            client.send_multipart([request(i) for i in range(COUNT)])
            if not client.poll(10000):
                fail("ingest did not answer the batch request")
            replies = [msgpack.unpackb(f, raw=False) for f in client.recv_multipart()]
            statuses = {reply["status"] for reply in replies}
            if statuses == {"accepted"} and len(replies) == COUNT:
                break
            if statuses != {"busy"} or time.monotonic() > deadline:
                fail("the batch request was answered %r" % sorted(statuses))
            time.sleep(0.1)
        frames = tap(dispatch, onward, COUNT, 10)
        if [count for count, _ in frames] != EXPECTED_FRAMES or not all(
                batch for _, batch in frames):
            fail("ingest dispatched %d accepted articles as frames of %r (batch frame: %r), "
                 "not batch frames of %r" % (COUNT, [c for c, _ in frames],
                                             [b for _, b in frames], EXPECTED_FRAMES))
        found = normalized(out, COUNT, 30)
        ids = sorted(article.get("id") for article in found)
        if ids != sorted("dispatch-%d" % i for i in range(COUNT)):
            fail("normalize turned out %d articles, %d distinct, not each of the %d once" %
                 (len(ids), len(set(ids)), COUNT))
        if not all(a.get("normalized") and a.get("key") for a in found):
            fail("an article came out of normalize without its key or not normalized")
        # Alone: it leaves at once, as a plain frame.
        started = time.monotonic()
        client.send(request(COUNT))
        if not client.poll(10000) or msgpack.unpackb(
                client.recv(), raw=False)["status"] != "accepted":
            fail("the lone request was not accepted")
        alone = tap(dispatch, onward, 1, 5)
        took = time.monotonic() - started
        if alone != [(1, False)]:
            fail("a lone article was dispatched as %r, not one plain frame" % alone)
        found = normalized(out, 1, 10)
        if [a.get("id") for a in found] != ["dispatch-%d" % COUNT]:
            fail("the lone article came out of normalize as %r" % found)
        print("dispatch_batch_test: ok: %d articles in frames of %r, each out of normalize "
              "once; a lone one in a plain frame in %.0f ms" %
              (COUNT, EXPECTED_FRAMES, took * 1000))
        return 0
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        log.close()
        ctx.destroy(linger=0)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
