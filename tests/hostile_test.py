#!/usr/bin/env python3
"""Hostile clients must not stall or crash any stage.

Run by tests/with_pipeline.sh. Garbage frames, multipart messages (batches,
and one of 10,000 frames), a frame of
100 MB, and a client that sends requests and never reads its replies; after
each, an honest client still gets its article summarized.
"""
import os
import time
import unittest

import msgpack
import zmq

INGEST = os.environ["PRECIS_INGEST"]
OUTPUT = os.environ["PRECIS_OUTPUT"]
ARTICLE = ("The mountain railway reopened on Thursday after a month of repairs. "
           "Engineers replaced two bridges damaged by spring floods. "
           "The operator said trains would run every hour until October.")


class HostileClients(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.context = zmq.Context()
        cls.sub = cls.context.socket(zmq.SUB)
        cls.sub.setsockopt(zmq.SUBSCRIBE, b"summary")
        # The honest article's text repeats: its results after the first are
        # published as duplicates (docs/PROTOCOL.md, "Stories").
        cls.sub.setsockopt(zmq.SUBSCRIBE, b"duplicate")
        cls.sub.connect(OUTPUT)
        time.sleep(0.3)
        cls.counter = 0

    @classmethod
    def tearDownClass(cls):
        cls.sub.close(linger=0)
        cls.context.term()

    def socket(self, kind):
        sock = self.context.socket(kind)
        sock.setsockopt(zmq.LINGER, 0)
        sock.setsockopt(zmq.RCVTIMEO, 5000)
        sock.connect(INGEST)
        return sock

    def assert_still_serving(self):
        """An honest REQ client gets its article accepted and summarized."""
        HostileClients.counter += 1
        article_id = "honest-%d" % self.counter
        sock = self.socket(zmq.REQ)
        delay = 0.01
        while True:
            sock.send(msgpack.packb({"id": article_id, "text": ARTICLE}))
            reply = msgpack.unpackb(sock.recv(), raw=False)
            if reply["status"] != "busy" or delay > 2:
                break
            time.sleep(delay)
            delay *= 2
        sock.close()
        self.assertEqual(reply["status"], "accepted", reply)
        deadline = time.time() + 10
        while time.time() < deadline:
            if self.sub.poll(200):
                _, body = self.sub.recv_multipart()
                if msgpack.unpackb(body, raw=False)["id"] == article_id:
                    return
        self.fail("no summary for " + article_id)

    def test_garbage_frames(self):
        sock = self.socket(zmq.DEALER)
        for junk in (b"", b"\x00", os.urandom(64), b"\xdd\xff\xff\xff\xff", b"\x91" * 1000):
            sock.send(junk)
        replies = 0
        while sock.poll(2000):
            reply = msgpack.unpackb(sock.recv(), raw=False)
            # A frame starting as an array is a batch frame: answered with an
            # array of rejections (one when it cannot be read whole).
            if isinstance(reply, list):
                self.assertTrue(reply and all(r["status"] == "rejected" for r in reply),
                                reply)
                reply = reply[0]
            self.assertEqual(reply["status"], "rejected")
            replies += 1
        sock.close()
        self.assertGreaterEqual(replies, 4)  # an empty frame alone may be ignored
        self.assert_still_serving()

    def test_multipart(self):
        # Several frames are a batch (docs/PROTOCOL.md): one reply each ...
        sock = self.socket(zmq.DEALER)
        sock.send_multipart([msgpack.packb({"text": ARTICLE})] * 3)
        replies = [msgpack.unpackb(f, raw=False) for f in sock.recv_multipart()]
        self.assertEqual(len(replies), 3)
        self.assertTrue(all(r["status"] in ("accepted", "busy") for r in replies))
        # ... but a message of 10,000 frames gets one rejection, and none of
        # it is taken or answered frame by frame.
        sock.send_multipart([msgpack.packb({"text": ARTICLE})] * 10000)
        replies = [msgpack.unpackb(f, raw=False) for f in sock.recv_multipart()]
        self.assertEqual(len(replies), 1)
        self.assertEqual(replies[0]["status"], "rejected")
        self.assertIn("at most 64 requests", replies[0]["error"])
        sock.close()
        self.assert_still_serving()

    def test_huge_frame_is_refused_by_the_socket(self):
        sock = self.socket(zmq.DEALER)
        sock.send(b"\x81\xa4text\xdb" + (100 << 20).to_bytes(4, "big") + b"x" * (100 << 20))
        # libzmq drops the connection instead of reading 100 MB into memory.
        self.assertFalse(sock.poll(1000), "a 100 MB frame got an answer")
        sock.close()
        self.assert_still_serving()

    def test_client_that_never_reads(self):
        sock = self.socket(zmq.DEALER)
        sock.setsockopt(zmq.SNDHWM, 0)
        request = msgpack.packb({"text": ""})  # rejected at once, but answered
        for _ in range(20000):
            sock.send(request, zmq.NOBLOCK)
        self.assert_still_serving()  # its unread answers do not block anyone
        sock.close()
        self.assert_still_serving()


if __name__ == "__main__":
    unittest.main(verbosity=2)
