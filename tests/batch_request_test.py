#!/usr/bin/env python3
"""Batch requests through a whole pipeline (docs/PROTOCOL.md, "Batch requests").

Run by tests/with_pipeline.sh. A pipelining DEALER sends 12 batches of 16
articles before reading any reply, one of them with a frame that is not
msgpack and the id of an article of another batch; a REQ sends a batch of
4 (after its delimiter); the Python example of the document runs as
written, with this pipeline's endpoint. Every reply message has one reply
per request frame, in order; busy articles are sent again (in batches)
until taken. Then the output log, read from the start with
`precis sub --from-beginning --exit-at-end --json`, must hold every
accepted id exactly once, and nothing else.

The same as batch frames (one frame, a msgpack array of requests, answered
by one array of replies): a pipelining DEALER sends 12 batch frames of 16,
one with an element that is not a map and the id of an article of another
batch; a REQ sends a batch frame after its delimiter; the document's
example for batch frames runs as written. Frames answered as a whole (65
requests, an element cut short, bytes after the last) get an array of one
rejection and none of their articles is published; an empty array gets an
empty array; an array among two request frames is rejected in its place.
"""
import json
import os
import re
import subprocess
import sys
import time

import msgpack
import zmq

INGEST = os.environ["PRECIS_INGEST"]
OUTPUT = os.environ["PRECIS_OUTPUT"]
REPLAY = os.environ["PRECIS_REPLAY"]
PRECIS = os.path.join(os.environ["PRECIS_BIN"], "precis")
REPO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")

BATCHES, PER_BATCH = 12, 16
SENT = {"messages": 0}  # request messages this test sent (ingest's request_messages)


def fail(message):
    print("FAIL: " + message, file=sys.stderr)
    sys.exit(1)


def article(article_id, n):
    return {"id": article_id,
            "text": "The harbour of Westmere reopened on day %d after repairs. "
                    "Ferries to the islands run again every hour. "
                    "The council paid for the new pier from its transport budget. "
                    "Fishermen said trade had suffered during the closure." % n}


def settle(requests, replies, accepted, busy):
    """Checks the replies of a message against its requests; sorts the ids."""
    if len(replies) != len(requests):
        fail("%d requests answered with %d replies" % (len(requests), len(replies)))
    for request, reply in zip(requests, replies):
        expected_id = request["id"] if isinstance(request, dict) else ""
        if reply.get("id") != expected_id:
            fail("reply out of order: id %r for %r" % (reply.get("id"), expected_id))
        if reply["status"] == "accepted":
            accepted.add(reply["id"])
        elif reply["status"] == "busy":
            busy.append(request)
        elif isinstance(request, dict):
            fail("%s rejected: %s" % (reply["id"], reply.get("error")))
        elif not re.search("malformed msgpack|must be a msgpack map, got array",
                           reply.get("error", "")):
            fail("the request that is not one: %r" % reply)


def encode(request):
    return request if isinstance(request, bytes) else msgpack.packb(request)


def send_batch(sock, batch, frame):
    """One message: the batch as one batch frame, or a frame a request."""
    if frame:
        sock.send(msgpack.packb(batch))
    else:
        sock.send_multipart([encode(r) for r in batch])
    SENT["messages"] += 1


def recv_replies(sock, frame):
    """The replies of one answer: a batch frame's elements, or its frames."""
    frames = sock.recv_multipart()
    if not frame:
        return [msgpack.unpackb(f, raw=False) for f in frames]
    if len(frames) != 1:
        fail("a batch frame was answered with %d frames, not one" % len(frames))
    replies = msgpack.unpackb(frames[0], raw=False)
    if not isinstance(replies, list):
        fail("a batch frame was answered with %r, not an array" % replies)
    return replies


def send_until_taken(sock, batches, accepted, frame=False):
    """Sends every batch before reading, then sends the busy ones again."""
    while batches:
        for batch in batches:
            send_batch(sock, batch, frame)
        by_first_id = {}
        for batch in batches:
            by_first_id.setdefault(next(r["id"] for r in batch if isinstance(r, dict)),
                                   []).append(batch)
        busy = []
        for _ in batches:
            replies = recv_replies(sock, frame)
            first = next((r["id"] for r in replies if r.get("id")), None)
            if first not in by_first_id or not by_first_id[first]:
                fail("a reply message for no batch sent: %r" % replies)
            settle(by_first_id[first].pop(0), replies, accepted, busy)
        # Only the busy ones again, in batches, after a backoff.
        batches = [busy[i:i + PER_BATCH] for i in range(0, len(busy), PER_BATCH)]
        if batches:
            time.sleep(0.1)


def python_example(context, accepted, marker="**Batch requests.**"):
    """The document's example after marker as written (only the endpoint is
    this one's)."""
    text = open(os.path.join(REPO, "docs", "PROTOCOL.md"), encoding="utf-8").read()
    section = text[text.index(marker):]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    code = code.replace('"tcp://127.0.0.1:5555"', repr(INGEST))
    scope = {}
    exec(compile(code, "PROTOCOL.md", "exec"), scope)
    SENT["messages"] += 1  # its one send_multipart
    scope["ingest"].setsockopt(zmq.LINGER, 0)
    for reply in scope["replies"]:
        if reply["status"] == "accepted":
            accepted.add(reply["id"])
    # Its "# ... send busy again": in one batch, until taken.
    busy = scope["busy"]
    while busy:
        time.sleep(0.1)
        scope["ingest"].send_multipart([msgpack.packb(a) for a in busy])
        SENT["messages"] += 1
        replies = [msgpack.unpackb(f) for f in scope["ingest"].recv_multipart()]
        again = []
        settle(busy, replies, accepted, again)
        busy = again
    scope["ingest"].close()
    scope["context"].term()
    if not {a["id"] for a in scope["articles"]} <= accepted:
        fail("the example of %s: its articles were not all accepted" % marker)
    return {a["id"] for a in scope["articles"]}


def whole_frames(context):
    """Batch frames answered as a whole, and an array among request frames.
    Returns the ids accepted (those that must be published)."""
    dealer = context.socket(zmq.DEALER)
    dealer.setsockopt(zmq.LINGER, 0)
    dealer.setsockopt(zmq.RCVTIMEO, 20000)
    dealer.connect(INGEST)
    over = msgpack.packb([article("over-%d" % i, i) for i in range(65)])
    two = msgpack.packb([article("cut-%d" % i, i) for i in range(2)])
    for frame, why in ((over, "at most 64 requests"), (two[:-5], "cut short"),
                       (two + b"\x00", "bytes follow")):
        dealer.send(frame)
        SENT["messages"] += 1
        replies = recv_replies(dealer, True)
        if (len(replies) != 1 or replies[0]["status"] != "rejected" or replies[0]["id"]
                or why not in replies[0]["error"]):
            fail("a batch frame (%s) was answered %r" % (why, replies))
    dealer.send(msgpack.packb([]))
    SENT["messages"] += 1
    if dealer.recv_multipart() != [b"\x90"]:
        fail("an empty batch frame was not answered with an empty array")
    while True:
        dealer.send_multipart([msgpack.packb(article("mixed-0", 0)),
                               msgpack.packb([article("mixed-1", 1)])])
        SENT["messages"] += 1
        replies = recv_replies(dealer, False)
        if len(replies) != 2 or replies[1]["status"] != "rejected" or replies[1]["id"]:
            fail("an array among request frames was answered %r" % replies)
        if replies[0]["status"] != "busy":
            break
        time.sleep(0.1)
    if replies[0]["status"] != "accepted":
        fail("the request beside an array was answered %r" % replies[0])
    dealer.close()
    return {"mixed-0"}


def published(expected, deadline):
    """Ids in the output log (each as often as it is there), once every
    expected one is (or at the deadline)."""
    while True:
        run = subprocess.run([PRECIS, "sub", "--output", OUTPUT, "--replay", REPLAY,
                              "--from-beginning", "--exit-at-end", "--json"],
                             capture_output=True, text=True, timeout=60)
        ids = [json.loads(line)["id"] for line in run.stdout.splitlines() if line.strip()]
        if set(ids) >= expected or time.monotonic() > deadline:
            return ids
        time.sleep(0.5)


def main():
    context = zmq.Context()
    dealer = context.socket(zmq.DEALER)
    dealer.setsockopt(zmq.LINGER, 0)
    dealer.setsockopt(zmq.RCVTIMEO, 20000)
    dealer.connect(INGEST)
    batches = [[article("batch-%d-%d" % (b, i), b * PER_BATCH + i) for i in range(PER_BATCH)]
               for b in range(BATCHES)]
    # A frame that is not msgpack, and another batch's article again (a
    # retry: accepted, published once), in the middle of batch 3.
    batches[3][5:5] = [b"\xc1", article("batch-0-0", 0)]
    accepted = set()
    send_until_taken(dealer, batches, accepted)
    dealer.close()

    # The same in batch frames, an element that is not a map in place of
    # the frame that is not msgpack.
    dealer = context.socket(zmq.DEALER)
    dealer.setsockopt(zmq.LINGER, 0)
    dealer.setsockopt(zmq.RCVTIMEO, 20000)
    dealer.connect(INGEST)
    frames = [[article("frame-%d-%d" % (b, i), 500 + b * PER_BATCH + i)
               for i in range(PER_BATCH)] for b in range(BATCHES)]
    frames[3][5:5] = [["not", "a map"], article("frame-0-0", 500)]
    send_until_taken(dealer, frames, accepted, frame=True)
    dealer.close()

    req = context.socket(zmq.REQ)
    req.setsockopt(zmq.LINGER, 0)
    req.setsockopt(zmq.RCVTIMEO, 20000)
    req.connect(INGEST)
    req_batch = [article("req-%d" % i, 1000 + i) for i in range(4)]
    while req_batch:
        req.send_multipart([msgpack.packb(a) for a in req_batch])
        SENT["messages"] += 1
        busy = []
        settle(req_batch, [msgpack.unpackb(f) for f in req.recv_multipart()], accepted,
               busy)
        req_batch = busy
        time.sleep(0.1 if busy else 0)
    req_batch = [article("req-frame-%d" % i, 1100 + i) for i in range(4)]
    while req_batch:
        send_batch(req, req_batch, True)
        busy = []
        settle(req_batch, recv_replies(req, True), accepted, busy)
        req_batch = busy
        time.sleep(0.1 if busy else 0)
    req.close()
    context.term()

    example_ids = python_example(zmq.Context(), accepted)
    example_ids |= python_example(zmq.Context(), accepted, "**Batch frames of requests.**")
    whole_context = zmq.Context()
    accepted |= whole_frames(whole_context)
    whole_context.term()
    expected = {"%s-%d-%d" % (kind, b, i) for kind in ("batch", "frame")
                for b in range(BATCHES) for i in range(PER_BATCH)}
    expected |= {"req-%d" % i for i in range(4)} | {"req-frame-%d" % i for i in range(4)}
    expected |= example_ids | {"mixed-0"}
    if accepted != expected:
        fail("accepted %d ids, expected %d: missing %s, extra %s"
             % (len(accepted), len(expected), sorted(expected - accepted)[:5],
                sorted(accepted - expected)[:5]))
    ids = published(expected, time.monotonic() + 90)
    twice = sorted({i for i in ids if ids.count(i) > 1})
    missing = sorted(expected - set(ids))
    extra = sorted(set(ids) - expected)
    if twice or missing or extra:
        fail("published twice %s, missing %s, not pushed %s"
             % (twice[:5], missing[:5], extra[:5]))
    # precis stats counts request messages, a batch as one, so that a user
    # sees how many requests a message carried.
    run = subprocess.run([PRECIS, "stats", "--json", "--run-dir", os.environ["PRECIS_RUN_DIR"]],
                         capture_output=True, text=True, timeout=30)
    rows = [json.loads(line) for line in run.stdout.splitlines() if line.strip()]
    counters = next((r["counters"] for r in rows if r["instance"].startswith("ingest")), {})
    if counters.get("request_messages") != SENT["messages"]:
        fail("ingest counted %r request messages, %d were sent"
             % (counters.get("request_messages"), SENT["messages"]))
    print("ok: %d articles in batches, each published once; %d request messages counted"
          % (len(expected), SENT["messages"]))


if __name__ == "__main__":
    main()
