"""Ingest's journal on a full disk (precis issue 11, item 2), run by
tests/journal_full_test.sh (ingest's journal on an 8 MiB tmpfs).

  1. 4,000 articles (about 6 MB of journal records) go through: the journal
     follows the live set, so it fits, and once idle it is small again.
  2. The tmpfs is filled: requests are answered busy (some may still fit),
     and no article answered busy is ever published.
  3. The space is freed: the same ids are accepted again, without a
     restart.
  4. The journal itself fills the disk (no summarize worker, so nothing is
     delivered): answers become busy; once the workers are back and the
     articles in flight delivered, the journal is emptied and ingest takes
     the busy ones again by itself.
Then accepted = delivered, each once, and the journal is small again.
"""
import os
import sys
import time

import msgpack
import zmq

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pipeline_lib import (INGEST, article, ctx, fail, kill9, published,  # noqa: E402
                          report, restart)

JOURNAL_DIR = os.environ["JOURNAL_DIR"]
JOURNAL = os.path.join(JOURNAL_DIR, "journal")
FLOOR = 1 << 20  # PRECIS_JOURNAL_COMPACT_FLOOR


# The reason of each busy answer, by id (the last one).
REASONS = {}


def push(sock, requests, retry_busy, deadline_s=60):
    """Sends requests (a window at a time); returns {id: status} of the
    final answers. With retry_busy, busy ones are sent again until taken."""
    answers = {}
    pending = list(requests)
    deadline = time.time() + deadline_s
    while pending:
        window, pending = pending[:200], pending[200:]
        for req in window:
            sock.send(msgpack.packb(req))
        again = []
        by_id = {r["id"]: r for r in window}
        for _ in window:
            if not sock.poll(15000):
                fail("no answer from ingest")
            reply = msgpack.unpackb(sock.recv())
            answers[reply["id"]] = reply["status"]
            if reply["status"] == "busy":
                REASONS[reply["id"]] = reply.get("error", "")
            if reply["status"] == "busy" and retry_busy:
                again.append(by_id[reply["id"]])
        if again:
            if time.time() > deadline:
                fail("%d articles still busy after %d s" % (len(again), deadline_s))
            time.sleep(0.05)
            pending = again + pending
    return answers


def wait_count(expected, timeout=90):
    deadline = time.time() + timeout
    while time.time() < deadline:
        ids = published()
        if len(ids) >= expected:
            return ids
        time.sleep(0.3)
    return published()


def journal_size():
    return os.path.getsize(JOURNAL)


def main():
    time.sleep(0.3)
    sock = ctx.socket(zmq.DEALER)
    sock.connect(INGEST)
    padding = " Harbour pilots guided the first ferry in under a clear sky." * 15

    # 1. Much more than fits if the journal only grew.
    first = [dict(article(i, "fill"), text=article(i, "fill")["text"] + padding)
             for i in range(4000)]
    answers = push(sock, first, retry_busy=True, deadline_s=120)
    if any(s != "accepted" for s in answers.values()):
        fail("phase 1: not all accepted")
    ids = wait_count(len(first))
    if len(ids) != len(first):
        fail("phase 1: %d of %d published" % (len(ids), len(first)))
    time.sleep(1)  # idle: the journal is compacted at the next ticks
    if journal_size() > FLOOR:
        fail("phase 1: the journal is %d bytes when idle (> %d)" % (journal_size(), FLOOR))
    print("phase 1: 4000 articles through an 8 MiB tmpfs; idle journal %d bytes"
          % journal_size())

    # 2. A full disk.
    # Unbuffered: a buffered file left holding bytes the disk refused
    # raised ENOSPC again when it was closed, outside the try.
    filler = os.path.join(JOURNAL_DIR, "..", "filler")
    for mode, block in (("wb", 65536), ("ab", 512)):
        with open(filler, mode, buffering=0) as f:
            try:
                while True:
                    f.write(b"\0" * block)
            except OSError:
                pass
    second = [dict(article(i, "full"), text=article(i, "full")["text"] + padding)
              for i in range(300)]
    answers = push(sock, second, retry_busy=False)
    busy = sorted(i for i, s in answers.items() if s == "busy")
    taken = sorted(i for i, s in answers.items() if s == "accepted")
    if len(busy) == 0:
        fail("phase 2: nothing was busy on a full disk")
    time.sleep(3)  # time for anything wrongly taken to come out
    ids = published()
    leaked = set(busy) & set(ids)
    if leaked:
        fail("phase 2: %d articles answered busy were published" % len(leaked))
    print("phase 2: full disk: %d busy, %d accepted, 0 busy published" % (len(busy), len(taken)))

    # 3. Room again: the busy ones are taken, no restart.
    os.unlink(filler)
    retry = [r for r in second if r["id"] in set(busy)]
    answers = push(sock, retry, retry_busy=True, deadline_s=30)
    if any(answers[i] != "accepted" for i in busy):
        fail("phase 3: not accepted again after the space came back")
    expected = [r["id"] for r in first + second]
    ids = wait_count(len(expected))
    time.sleep(1.5)
    ids = published()
    lost, dup = report("journal on a full tmpfs", len(expected), ids, expected)
    if lost or dup or len(ids) != len(expected):
        fail("%d results for %d accepted, %d lost, %d duplicated"
             % (len(ids), len(expected), lost, dup))
    if journal_size() > FLOOR:
        fail("the journal is %d bytes when idle at the end" % journal_size())
    print("phase 3: idle journal %d bytes" % journal_size())

    # 4. The journal fills the disk by itself.
    kill9("summarize-1")
    kill9("summarize-2")
    # Articles of about 11 KB: the tmpfs fills at some 700 of them, well
    # before the pipeline's queues (bounded in articles, about 1,200 here
    # whatever the workers) make ingest answer busy for want of a worker,
    # so that this phase is about a full disk (at 6 KB the two came within
    # 5% of each other, and a loaded machine saw the queues first).
    fourth = [dict(article(i, "self"), text=article(i, "self")["text"] + padding * 12)
              for i in range(3000)]
    answers = push(sock, fourth, retry_busy=False)
    busy = sorted(i for i, s in answers.items() if s == "busy")
    taken = [r["id"] for r in fourth if answers[r["id"]] == "accepted"]
    if not busy or not taken:
        fail("phase 4: %d busy, %d accepted (the disk never filled?)" % (len(busy), len(taken)))
    # What the phase is about: busy answers for the full disk, not only for
    # want of a worker (the pipeline's queues fill too, as the workers are
    # gone; which comes first depends on the machine's speed).
    disk = [i for i in busy if "disk is full" in REASONS[i] or
            "could not be written or synced" in REASONS[i]]
    if not disk:
        fail("phase 4: %d busy at a journal of %d bytes, none for the full disk: %s"
             % (len(busy), journal_size(), sorted(set(REASONS[i] for i in busy))))
    print("phase 4: the journal filled the disk at %d bytes: %d accepted, %d busy, "
          "%d of them for the full disk" % (journal_size(), len(taken), len(busy), len(disk)))
    restart("summarize-1")
    restart("summarize-2")
    retry = [r for r in fourth if r["id"] in set(busy)]
    answers = push(sock, retry, retry_busy=True, deadline_s=90)
    if any(answers[i] != "accepted" for i in busy):
        fail("phase 4: the busy ones were not accepted again")
    expected += [r["id"] for r in fourth]
    ids = wait_count(len(expected))
    time.sleep(1.5)
    ids = published()
    lost, dup = report("journal fills its own tmpfs", len(fourth), ids, expected)
    if lost or dup or len(ids) != len(expected):
        fail("phase 4: %d results for %d accepted, %d lost, %d duplicated"
             % (len(ids), len(expected), lost, dup))
    if journal_size() > FLOOR:
        fail("the journal is %d bytes when idle at the end" % journal_size())
    print("ok: idle journal %d bytes" % journal_size())


main()
