#!/usr/bin/env python3
"""A summarize worker sends the results it makes in a row as the frames of
one message (docs/PROTOCOL.md, "Internal messages"), and holds nothing when
no more input waits:

  tests/worker_batch_test.py BIN_DIR

The test is the worker's ingest side and its sink: it binds both of the
worker's endpoints (ipc, in a directory of its own), starts one
precis-summarize, and
* sends 64 normalized articles at once: every one comes back once, as a
  summary of its own id, in messages of 1 to 16 frames, and fewer messages
  than results (the worker batched what waited);
* sends 20 articles as one batch frame (a msgpack array of them): every
  one comes back once, as a summary;
* sends a batch frame whose second article is cut short: the first comes
  back, the worker logs the bad frame and goes on serving;
* then sends one article alone: its result comes alone, within a second.

Exit code 0 when all holds, 1 otherwise (the reason on stderr). The worker
is stopped whatever happens."""
import os
import shutil
import subprocess
import sys
import tempfile
import time

import msgpack
import zmq

BURST = 64
FRAMES_MAX = 16  # PRECIS_RESULTS_PER_MESSAGE


def fail(message):
    print("worker_batch_test: FAIL: " + message, file=sys.stderr)
    sys.exit(1)


def normalized(i):
    """An article as normalize hands it on (PROTOCOL.md, "Internal messages")."""
    return msgpack.packb(normalized_map(i))


def normalized_map(i):
    return {
        "v": 1, "type": "article", "id": "batch-%d" % i, "key": "T-%d" % i,
        "received_us": int(time.time() * 1e6), "attempt": 0, "normalized": True,
        "normalize_us": 1, "sentences": 2,
        "text": "The council voted on Tuesday to rebuild bridge number %d over the river. "
                "Work starts in spring and takes %d months. Drivers will use the old "
                "ferry road until then. Shops near the bridge expect fewer visitors." %
                (i, 3 + i % 7),
    }


def receive(results, want, seconds):
    """Messages from the worker until want frames came or seconds passed:
    a list of lists of decoded frames."""
    messages, frames = [], 0
    deadline = time.monotonic() + seconds
    while frames < want and time.monotonic() < deadline:
        if not results.poll(int(max(1, (deadline - time.monotonic()) * 1000))):
            break
        parts = results.recv_multipart()
        messages.append([msgpack.unpackb(part) for part in parts])
        frames += len(parts)
    return messages


def main():
    if len(sys.argv) != 2:
        print("usage: worker_batch_test.py BIN_DIR", file=sys.stderr)
        return 2
    work = tempfile.mkdtemp(prefix="precis-worker-batch-")
    ctx = zmq.Context()
    articles = ctx.socket(zmq.PUSH)
    results = ctx.socket(zmq.PULL)
    articles.bind("ipc://%s/in" % work)
    results.bind("ipc://%s/out" % work)
    with open(os.path.join(work, "log"), "w") as log:
        worker = subprocess.Popen(
            [os.path.join(sys.argv[1], "precis-summarize"), "--summarize-endpoint",
             "ipc://%s/in" % work, "--results-endpoint", "ipc://%s/out" % work,
             "--no-stories"], stdin=subprocess.DEVNULL, stderr=log)
    try:
        # A PUSH with no peer blocks: wait until the worker is there.
        if not articles.poll(10000, zmq.POLLOUT):
            fail("the worker did not connect within 10 s")
        for i in range(BURST):
            articles.send(normalized(i))
        messages = receive(results, BURST, 30)
        ids = [frame.get("id") for message in messages for frame in message]
        if sorted(ids) != sorted("batch-%d" % i for i in range(BURST)):
            fail("the burst's results are not each id once: %d frames, %d distinct" %
                 (len(ids), len(set(ids))))
        if any(frame.get("type") != "summary" for message in messages for frame in message):
            fail("a result of the burst is not a summary")
        sizes = [len(message) for message in messages]
        if max(sizes) > FRAMES_MAX:
            fail("a message carried %d results, over %d" % (max(sizes), FRAMES_MAX))
        if len(messages) >= BURST:
            fail("%d results came in %d messages: none were sent together" %
                 (BURST, len(messages)))
        # A batch frame: one frame, an array of 20 articles.
        articles.send(msgpack.packb([normalized_map(100 + i) for i in range(20)]))
        batch = receive(results, 20, 30)
        ids = [frame.get("id") for message in batch for frame in message]
        if sorted(ids) != sorted("batch-%d" % (100 + i) for i in range(20)):
            fail("a batch frame of 20 articles came back as %r" % ids)
        # A batch frame cut inside its second article: the first is summarized.
        whole = msgpack.packb(normalized_map(200))
        articles.send(b"\x92" + whole + msgpack.packb(normalized_map(201))[:30])
        cut = receive(results, 1, 10)
        ids = [frame.get("id") for message in cut for frame in message]
        if ids != ["batch-200"]:
            fail("of a batch frame cut in its second article, %r came back" % ids)
        # Alone: nothing waits behind it, so nothing holds it back.
        started = time.monotonic()
        articles.send(normalized(BURST))
        alone = receive(results, 1, 5)
        took = time.monotonic() - started
        if len(alone) != 1 or len(alone[0]) != 1 or alone[0][0].get("id") != "batch-%d" % BURST:
            fail("the lone article's result did not come alone: %r" % alone)
        if took > 1.0:
            fail("the lone article's result took %.2f s" % took)
        with open(os.path.join(work, "log")) as log:
            if "cut short or malformed" not in log.read():
                fail("the worker did not log the cut batch frame")
        print("worker_batch_test: ok: %d results in %d messages (largest %d frames); "
              "a lone result in %.0f ms" % (BURST, len(messages), max(sizes), took * 1000))
        return 0
    finally:
        worker.terminate()
        try:
            worker.wait(10)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        articles.close(0)
        results.close(0)
        ctx.term()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
