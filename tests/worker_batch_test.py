#!/usr/bin/env python3
"""A summarize worker sends the results it makes in a row as one batch
frame (a msgpack array of up to 16 results; docs/PROTOCOL.md, "Internal
messages"), a result alone as itself, and holds nothing when no more input
waits; a normalize worker does the same with the articles it normalizes:

  tests/worker_batch_test.py BIN_DIR

The test is the worker's ingest side and its sink: it binds both of the
worker's endpoints (ipc, in a directory of its own), starts one
precis-summarize, and
* sends 64 normalized articles at once: every one comes back once, as a
  summary of its own id, each message one frame (a batch frame of up to
  16 results, or a result alone), in fewer messages than results (the
  worker batched what waited), at least one of them a batch frame;
* sends 20 articles as one batch frame (a msgpack array of them): every
  one comes back once, as a summary;
* sends a batch frame whose second article is cut short: the first comes
  back, the worker logs the bad frame and goes on serving;
* then sends one article alone: its result comes alone (a map, not an
  array), within a second.
Then the same of a precis-normalize: 64 articles as ingest dispatches them
come back normalized, each once, in batch frames of up to 16; one alone
comes back alone.

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
FRAMES_MAX = 16  # PRECIS_RESULTS_PER_MESSAGE: results a batch frame, at most


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
    """Messages from the worker until want results came or seconds passed:
    a list of lists of decoded results, one list a message (a batch frame's
    elements, or the one result of a frame alone). Every message must be one
    frame; kinds gets "batch" or "alone" for each."""
    messages, count = [], 0
    deadline = time.monotonic() + seconds
    while count < want and time.monotonic() < deadline:
        if not results.poll(int(max(1, (deadline - time.monotonic()) * 1000))):
            break
        parts = results.recv_multipart()
        if len(parts) != 1:
            fail("a message of %d frames, not one (a batch frame)" % len(parts))
        value = msgpack.unpackb(parts[0])
        if isinstance(value, list):
            messages.append(value)
            receive.kinds.append("batch")
        else:
            messages.append([value])
            receive.kinds.append("alone")
        count += len(messages[-1])
    return messages


receive.kinds = []


def start(work, program, endpoint_options, suffix=""):
    """program with its input on ipc://WORK/inSUFFIX, its output on .../outSUFFIX."""
    with open(os.path.join(work, "log"), "a") as log:
        return subprocess.Popen(
            [os.path.join(sys.argv[1], program), endpoint_options[0],
             "ipc://%s/in%s" % (work, suffix), endpoint_options[1],
             "ipc://%s/out%s" % (work, suffix)] + endpoint_options[2:],
            stdin=subprocess.DEVNULL, stderr=log)


def stop(worker):
    if worker is None:
        return
    worker.terminate()
    try:
        worker.wait(10)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


def check_burst(messages, want_ids, want_type, what):
    """want_ids each once, of want_type, in batch frames of at most
    FRAMES_MAX, fewer messages than results, a batch frame among them."""
    ids = [item.get("id") for message in messages for item in message]
    if sorted(ids) != sorted(want_ids):
        fail("%s: the results are not each id once: %d results, %d distinct" %
             (what, len(ids), len(set(ids))))
    if any(item.get("type") != want_type for message in messages for item in message):
        fail("%s: a result is not a %s" % (what, want_type))
    sizes = [len(message) for message in messages]
    if max(sizes) > FRAMES_MAX:
        fail("%s: a batch frame carried %d results, over %d" % (what, max(sizes), FRAMES_MAX))
    if len(messages) >= len(want_ids) or "batch" not in receive.kinds:
        fail("%s: %d results came in %d messages (%s): none were sent together" %
             (what, len(want_ids), len(messages), ",".join(sorted(set(receive.kinds)))))
    return sizes


def check_alone(results, articles, data, want_id, what):
    """One article alone: its result comes alone, as a map, within a second."""
    del receive.kinds[:]
    started = time.monotonic()
    articles.send(data)
    alone = receive(results, 1, 5)
    took = time.monotonic() - started
    if (len(alone) != 1 or len(alone[0]) != 1 or alone[0][0].get("id") != want_id or
            receive.kinds != ["alone"]):
        fail("%s: the lone article's result did not come alone: %r (%r)" %
             (what, alone, receive.kinds))
    if took > 1.0:
        fail("%s: the lone article's result took %.2f s" % (what, took))
    return took


def dispatched(i):
    """An article as ingest dispatches it to normalize."""
    article = normalized_map(i)
    for name in ("normalized", "normalize_us", "sentences"):
        del article[name]
    article["text"] = "  " + article["text"].replace(" ", "  ") + "\u200b"
    return article


def normalize_part(work, ctx):
    """A normalize worker's output: batch frames of normalized articles."""
    articles = ctx.socket(zmq.PUSH)
    results = ctx.socket(zmq.PULL)
    articles.bind("ipc://%s/in-n" % work)
    results.bind("ipc://%s/out-n" % work)
    worker = start(work, "precis-normalize",
                   ["--normalize-endpoint", "--normalized-endpoint"], "-n")
    try:
        if not articles.poll(10000, zmq.POLLOUT):
            fail("the normalize worker did not connect within 10 s")
        del receive.kinds[:]
        for i in range(BURST):
            articles.send(msgpack.packb(dispatched(300 + i)))
        messages = receive(results, BURST, 30)
        sizes = check_burst(messages, ["batch-%d" % (300 + i) for i in range(BURST)],
                            "article", "normalize")
        if not all(item.get("normalized") is True and "  " not in item.get("text", "  ")
                   for message in messages for item in message):
            fail("normalize: an article came back not normalized")
        took = check_alone(results, articles, msgpack.packb(dispatched(400)), "batch-400",
                           "normalize")
        return "normalize: %d articles in %d messages (largest %d); one alone in %.0f ms" % (
            BURST, len(messages), max(sizes), took * 1000)
    finally:
        stop(worker)
        articles.close(0)
        results.close(0)


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
    worker = start(work, "precis-summarize",
                   ["--summarize-endpoint", "--results-endpoint", "--no-stories"])
    try:
        # A PUSH with no peer blocks: wait until the worker is there.
        if not articles.poll(10000, zmq.POLLOUT):
            fail("the worker did not connect within 10 s")
        for i in range(BURST):
            articles.send(normalized(i))
        messages = receive(results, BURST, 30)
        sizes = check_burst(messages, ["batch-%d" % i for i in range(BURST)], "summary",
                            "summarize")
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
        took = check_alone(results, articles, normalized(BURST), "batch-%d" % BURST,
                           "summarize")
        with open(os.path.join(work, "log")) as log:
            if "cut short or malformed" not in log.read():
                fail("the worker did not log the cut batch frame")
        stop(worker)
        worker = None
        normalized_line = normalize_part(work, ctx)
        print("worker_batch_test: ok: summarize: %d results in %d messages (largest %d); "
              "a lone result in %.0f ms; %s" %
              (BURST, len(messages), max(sizes), took * 1000, normalized_line))
        return 0
    finally:
        stop(worker)
        articles.close(0)
        results.close(0)
        ctx.term()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
