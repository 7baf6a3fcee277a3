"""Idempotent ingest (precis issue 11, item 8), run by tests/with_pipeline.sh.

Three clients that retry, each checked with exact counts against the sink's
output log (read back through the replay socket):
  1. a DEALER that sends every request twice, back to back: each id gets one
     "accepted" and one "accepted" + "duplicate": true, and is published once;
  2. the same ids again after ingest was killed (SIGKILL) and started again:
     every one is a duplicate (known from the ids file or the journal), and
     nothing more is published;
  3. `precis push` while ingest is killed before it answers and started
     again: push sends the unanswered requests again with the same ids, and
     every article is published exactly once.
Prints one line per scenario: accepted / delivered / lost / duplicated and
ingest's peak RSS.
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

import msgpack
import zmq

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pipeline_lib import (BIN, INGEST, article, ctx, fail, kill_ingest, pid_of,  # noqa: E402
                          report, start_ingest, wait_published)

COUNT = int(os.environ.get("IDEMPOTENT_ARTICLES", "300"))
def send_and_collect(sock, requests, copies):
    """Sends each request `copies` times back to back, a window of requests
    at a time (ingest drops the replies of a client that does not read
    them); returns the answers (status, duplicate) per id. Busy answers are
    sent again (all copies)."""
    answers = {}
    pending = list(requests)
    by_id = {r["id"]: r for r in requests}
    while pending:
        window, pending = pending[:200], pending[200:]
        for req in window:
            for _ in range(copies):
                sock.send(msgpack.packb(req))
        busy = []
        for _ in range(len(window) * copies):
            if not sock.poll(15000):
                fail("no answer from ingest")
            reply = msgpack.unpackb(sock.recv())
            if reply["status"] == "busy":
                busy.append(reply["id"])
                continue
            answers.setdefault(reply["id"], []).append(
                (reply["status"], bool(reply.get("duplicate", False))))
        again = [by_id[i] for i in sorted(set(busy)) if i not in answers]
        if again:
            time.sleep(0.1)
            pending = again + pending
    return answers


def main():
    time.sleep(0.3)
    # 1. Every request twice.
    requests = [article(i, "twice") for i in range(COUNT)]
    sock = ctx.socket(zmq.DEALER)
    sock.connect(INGEST)
    answers = send_and_collect(sock, requests, 2)
    firsts = sum(1 for a in answers.values() if ("accepted", False) in a)
    duplicates = sum(1 for a in answers.values() for s in a if s == ("accepted", True))
    if firsts != COUNT or duplicates != COUNT:
        fail("sent twice: %d accepted, %d duplicates (expected %d each)"
             % (firsts, duplicates, COUNT))
    twice_ids = [r["id"] for r in requests]
    ids = wait_published(COUNT)
    lost, dup = report("every request twice", firsts, ids, twice_ids)
    if lost or dup or len(ids) != COUNT:
        fail("sent twice: %d results for %d ids, %d lost, %d duplicated"
             % (len(ids), COUNT, lost, dup))

    # 2. The same ids after ingest was killed and started again.
    kill_ingest()
    start_ingest()
    sock.close(0)
    sock = ctx.socket(zmq.DEALER)
    sock.connect(INGEST)
    answers = send_and_collect(sock, requests, 1)
    duplicates = sum(1 for a in answers.values() if a == [("accepted", True)])
    if duplicates != COUNT:
        fail("after a restart: %d of %d ids answered duplicate: %r"
             % (duplicates, COUNT, [a for a in answers.values() if a != [("accepted", True)]][:3]))
    ids = wait_published(COUNT, timeout=5)
    lost, dup = report("the same ids after an ingest restart", 0, ids, twice_ids)
    if lost or dup or len(ids) != COUNT:
        fail("after a restart: %d results, %d duplicated" % (len(ids), dup))
    sock.close(0)

    # 3. precis push while ingest is killed before it answers.
    with tempfile.TemporaryDirectory() as work:
        path = os.path.join(work, "articles.jsonl")
        with open(path, "w") as f:
            for i in range(COUNT * 4):
                f.write(json.dumps(article(i, "push")) + "\n")
        out = open(os.path.join(work, "push.txt"), "w")
        # At 200 articles/s the push lasts long enough to be cut in the middle.
        push = subprocess.Popen([os.path.join(BIN, "precis"), "push", "--ingest", INGEST,
                                 "--rate", "200", "--timeout", "8", path],
                                stdout=out, stderr=subprocess.PIPE, text=True)
        time.sleep(1.5)
        # Stopped first, so that requests reach it and are never answered.
        os.kill(pid_of("ingest"), signal.SIGSTOP)
        time.sleep(0.5)
        kill_ingest()
        start_ingest()
        _, err = push.communicate(timeout=120)
        out.close()
        if push.returncode != 0:
            fail("push exited %d: %s" % (push.returncode, err))
        accepted = [line.split("\t")[1].strip() for line in open(os.path.join(work, "push.txt"))
                    if line.startswith("accepted")]
        push_ids = ["push-%d" % i for i in range(COUNT * 4)]
        if sorted(accepted) != sorted(push_ids):
            fail("push: %d accepted of %d" % (len(accepted), len(push_ids)))
        summary = err.strip().splitlines()[-1]
        resent = int(summary.split(" sent again")[0].split()[-1])
        if resent == 0:
            fail("push sent nothing again although ingest died before answering: "
                 + summary)
        ids = wait_published(COUNT + len(push_ids))
        lost, dup = report("push, ingest killed before answering", len(accepted), ids,
                           twice_ids + push_ids)
        if lost or dup or len(ids) != COUNT + len(push_ids):
            fail("push: %d results for %d ids, %d lost, %d duplicated"
                 % (len(ids), COUNT + len(push_ids), lost, dup))
        print("push: " + summary)
    print("ok")


main()
