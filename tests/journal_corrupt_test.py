"""One flipped byte in the middle of ingest's journal (precis issue 11,
item 6), run by tests/with_pipeline.sh.

With no summarize worker, 300 accepted articles stay in flight (in the
journal). The normalize worker (with any copy it holds) and ingest are
killed, one byte in the middle of the journal is
flipped, ingest starts again: the damaged record is skipped and reported,
every other article is delivered, each once, and the damaged file is kept
aside whole (journal.corrupt-TIMESTAMP), not cut.
"""
import glob
import os
import sys
import time

import msgpack
import zmq

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pipeline_lib import (INGEST, RUN, article, ctx, fail, kill9, published,  # noqa: E402
                          report, restart)

COUNT = 300
JOURNAL = os.path.join(RUN, "journal", "journal")


def main():
    time.sleep(0.3)
    kill9("summarize-1")
    kill9("summarize-2")
    sock = ctx.socket(zmq.DEALER)
    sock.connect(INGEST)
    requests = [article(i, "flip") for i in range(COUNT)]
    for req in requests:
        sock.send(msgpack.packb(req))
    statuses = []
    for _ in requests:
        if not sock.poll(15000):
            fail("no answer from ingest")
        statuses.append(msgpack.unpackb(sock.recv())["status"])
    if statuses.count("accepted") != COUNT:
        fail("only %d of %d accepted" % (statuses.count("accepted"), COUNT))
    sock.close(0)

    # The normalize worker goes too, with any copy it still holds, and the
    # relay (tests/with_pipeline.sh starts one unless --no-relay) with those
    # queued to it for the summarize workers, so that the journal is the
    # only place the articles are.
    relay = os.environ.get("PRECIS_RELAY", "yes") == "yes"
    kill9("normalize-1")
    if relay:
        kill9("relay")
    kill9("ingest")
    size = os.path.getsize(JOURNAL)
    with open(JOURNAL, "r+b") as f:
        f.seek(size // 2)
        byte = f.read(1)
        f.seek(size // 2)
        f.write(bytes([byte[0] ^ 0x40]))
    restart("ingest")
    if relay:
        restart("relay")
    restart("normalize-1")
    restart("summarize-1")
    restart("summarize-2")

    expected = [r["id"] for r in requests]
    deadline = time.time() + 60
    while time.time() < deadline and len(published()) < COUNT - 1:
        time.sleep(0.3)
    time.sleep(2)
    ids = published()
    lost, dup = report("one flipped byte in the journal", COUNT, ids, expected)
    if lost != 1 or dup or len(ids) != COUNT - 1:
        fail("%d of %d delivered (expected all but the damaged one), %d duplicated"
             % (len(ids), COUNT, dup))
    aside = glob.glob(JOURNAL + ".corrupt-*")
    if len(aside) != 1 or os.path.getsize(aside[0]) != size:
        fail("the damaged journal was not kept aside whole: %r" % aside)
    with open(os.path.join(RUN, "ingest.log")) as f:
        log = f.read()
    if "damaged region(s)" not in log or "offset" not in log:
        fail("the damage was not reported in ingest's log")
    if "cutting a torn record" in log:
        fail("the damage was taken for a torn tail")
    print("ok: the damaged file kept as %s (%d bytes)" % (os.path.basename(aside[0]), size))


main()
