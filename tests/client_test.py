#!/usr/bin/env python3
"""An outside client of precis, written from docs/PROTOCOL.md alone.

Pushes articles over REQ and DEALER sockets with pyzmq and msgpack, checks
that each comes out on the output socket, and that every kind of bad request
gets a rejection with a reason while the pipeline keeps serving.
Endpoints come from PRECIS_INGEST and PRECIS_OUTPUT (tests/with_pipeline.sh).
"""
import os
import sys
import time
import unittest

import msgpack
import zmq

INGEST = os.environ.get("PRECIS_INGEST", "tcp://127.0.0.1:5555")
OUTPUT = os.environ.get("PRECIS_OUTPUT", "tcp://127.0.0.1:5560")

ARTICLE = (
    "The city council of Westmere voted on Tuesday to open three new public libraries "
    "by the end of next year. The libraries will be built in the northern districts, "
    "where residents have waited a decade for a reading room. Council member Ana Ruiz "
    "said the vote was the best news the northern districts had heard in years. "
    "The plan costs 12.5 million euros, paid from the city's culture budget. "
    "Building work is expected to begin in March."
)


class PrecisClient(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.context = zmq.Context()
        cls.sub = cls.context.socket(zmq.SUB)
        cls.sub.setsockopt(zmq.SUBSCRIBE, b"")
        cls.sub.connect(OUTPUT)
        time.sleep(0.3)  # let the subscription reach the publisher
        cls.results = {}

    @classmethod
    def tearDownClass(cls):
        cls.sub.close(linger=0)
        cls.context.term()

    def request(self, frame, socket_type=zmq.REQ):
        sock = self.context.socket(socket_type)
        sock.setsockopt(zmq.LINGER, 0)
        sock.setsockopt(zmq.RCVTIMEO, 5000)
        sock.connect(INGEST)
        try:
            sock.send(frame)
            return msgpack.unpackb(sock.recv(), raw=False)
        finally:
            sock.close()

    def push(self, article, socket_type=zmq.REQ):
        reply = self.request(msgpack.packb(article), socket_type)
        # "busy" only while workers start; retry with backoff as documented.
        delay = 0.01
        while reply["status"] == "busy" and delay < 2:
            time.sleep(delay)
            delay *= 2
            reply = self.request(msgpack.packb(article), socket_type)
        return reply

    def wait_for(self, article_id, timeout=10.0):
        deadline = time.time() + timeout
        while article_id not in self.results and time.time() < deadline:
            if self.sub.poll(100):
                topic, body = self.sub.recv_multipart()
                message = msgpack.unpackb(body, raw=False)
                self.results[message["id"]] = (topic.decode(), message)
        return self.results.get(article_id)

    def assert_rejected(self, frame, reason_part):
        reply = self.request(frame)
        self.assertEqual(reply["status"], "rejected", reply)
        self.assertIn(reason_part, reply["error"])
        return reply

    def test_req_client(self):
        reply = self.push({"id": "py-req-1", "title": "Libraries", "text": ARTICLE,
                           "sentences": 2})
        self.assertEqual(reply, {"v": 1, "id": "py-req-1", "status": "accepted"})
        topic, summary = self.wait_for("py-req-1")
        # Other tests push the same text: then this one is a repeat of theirs.
        if "duplicate_of" in summary:
            self.assertEqual(topic, "duplicate.en")
            self.assertTrue(summary["exact"])
        else:
            self.assertEqual(topic, "summary.en")
        self.assertEqual(summary["type"], "summary")
        self.assertEqual(summary["title"], "Libraries")
        self.assertEqual(len(summary["summary"]), 2)
        self.assertEqual(len(summary["sentences"]), 2)
        indexes = [s["index"] for s in summary["sentences"]]
        self.assertEqual(indexes, sorted(indexes))  # document order
        for sentence in summary["summary"]:
            self.assertIn(sentence, ARTICLE)
        self.assertGreater(summary["timings"]["published_us"],
                           summary["timings"]["received_us"])

    def test_explain(self):
        """"explain": true gives every sentence's status and score parts."""
        reply = self.push({"id": "py-explain-1", "text": ARTICLE, "sentences": 2,
                           "explain": True})
        self.assertEqual(reply["status"], "accepted", reply)
        topic, summary = self.wait_for("py-explain-1")
        explain = summary["explain"]
        self.assertIn(explain["ranking"], ("lexrank", "centroid"))
        sentences = explain["sentences"]
        self.assertEqual(len(sentences), summary["sentence_count"])
        chosen = [s["index"] for s in sentences if s["status"] == "selected"]
        self.assertEqual(chosen, [s["index"] for s in summary["sentences"]])
        for entry in sentences:
            self.assertIn(entry["status"],
                          ("selected", "redundant", "over budget", "below others"))
            parts = sum(entry[k] for k in ("centrality", "position", "first",
                                           "frequency", "title", "length"))
            self.assertAlmostEqual(parts * entry["penalty"], entry["score"], places=9)
            self.assertIn(entry["text"], ARTICLE)
        # Not asked, not sent; not a boolean, rejected.
        self.push({"id": "py-explain-2", "text": ARTICLE})
        self.assertNotIn("explain", self.wait_for("py-explain-2")[1])
        self.assert_rejected(msgpack.packb({"text": ARTICLE, "explain": "yes"}),
                             "'explain' must be a boolean")

    def test_dealer_client_pipelines_requests(self):
        sock = self.context.socket(zmq.DEALER)
        sock.setsockopt(zmq.LINGER, 0)
        sock.setsockopt(zmq.RCVTIMEO, 5000)
        sock.connect(INGEST)
        ids = ["py-dealer-%d" % i for i in range(5)]
        for article_id in ids:
            sock.send(msgpack.packb({"id": article_id, "text": ARTICLE, "words": 40}))
        replies = [msgpack.unpackb(sock.recv(), raw=False) for _ in ids]
        sock.close()
        self.assertEqual([r["id"] for r in replies], ids)
        for reply in replies:
            if reply["status"] == "busy":  # retry the ones the workers could not take
                reply = self.push({"id": reply["id"], "text": ARTICLE, "words": 40})
            self.assertEqual(reply["status"], "accepted", reply)
        for article_id in ids:
            topic, summary = self.wait_for(article_id)
            words = sum(len(s.split()) for s in summary["summary"])
            self.assertTrue(0 < words <= 40, words)

    def test_generated_id(self):
        reply = self.push({"text": ARTICLE})
        self.assertEqual(reply["status"], "accepted")
        self.assertRegex(reply["id"], r"^[0-9a-f]{32}$")
        self.assertIsNotNone(self.wait_for(reply["id"]))

    def test_bad_requests_are_rejected_and_service_goes_on(self):
        self.assert_rejected(b"\xc1\x00garbage", "malformed msgpack")
        # An array is a batch frame (docs/PROTOCOL.md): each element that is
        # not a request map is rejected in its place, in one array of replies.
        replies = self.request(msgpack.packb([1, {"id": "no-text-2"}, [3]]))
        self.assertEqual([r["status"] for r in replies], ["rejected"] * 3, replies)
        self.assertIn("must be a msgpack map, got integer", replies[0]["error"])
        self.assertEqual(replies[1]["id"], "no-text-2")
        self.assertIn("must be a msgpack map, got array", replies[2]["error"])
        reply = self.assert_rejected(msgpack.packb({"id": "no-text"}),
                                     "missing required field 'text'")
        self.assertEqual(reply["id"], "no-text")
        # Bytes packed as a msgpack str (use_bin_type=False) that are not UTF-8.
        self.assert_rejected(msgpack.packb({"text": b"caf\xc3\xa9 \xff"}, use_bin_type=False),
                             "not valid UTF-8")
        self.assert_rejected(msgpack.packb({"text": "   \n "}), "'text' is empty")
        self.assert_rejected(msgpack.packb({"text": "x" * (1024 * 1024 + 1)}),
                             "over the limit")
        self.assert_rejected(msgpack.packb({"text": 42}), "must be a string, got integer")
        self.assert_rejected(msgpack.packb({"type": "ping", "text": "hi"}),
                             "unknown message type")
        self.assert_rejected(msgpack.packb({"v": 9, "text": "hi"}), "protocol version")
        self.assert_rejected(msgpack.packb({"text": "hi", "sentences": -1}), "'sentences'")
        self.assert_rejected(msgpack.packb({"text": "hi", "format": "markdown"}),
                             "'format' must be \"text\", \"html\" or \"auto\"")
        # A multipart request from a DEALER is a batch: each frame is
        # answered, in order, in one message (these are not msgpack) ...
        sock = self.context.socket(zmq.DEALER)
        sock.setsockopt(zmq.LINGER, 0)
        sock.setsockopt(zmq.RCVTIMEO, 5000)
        sock.connect(INGEST)
        sock.send_multipart([b"one", b"two", b"three"])
        replies = [msgpack.unpackb(f, raw=False) for f in sock.recv_multipart()]
        self.assertEqual([r["status"] for r in replies], ["rejected"] * 3)
        self.assertTrue(all("malformed msgpack" in r["error"] for r in replies))
        # ... and one of more than 64 frames gets a single rejection.
        sock.send_multipart([b"x"] * 65)
        replies = [msgpack.unpackb(f, raw=False) for f in sock.recv_multipart()]
        sock.close()
        self.assertEqual(len(replies), 1)
        self.assertEqual(replies[0]["status"], "rejected")
        self.assertIn("at most 64 requests", replies[0]["error"])
        # ... and the pipeline still works.
        reply = self.push({"id": "after-bad", "text": ARTICLE})
        self.assertEqual(reply["status"], "accepted")
        self.assertIsNotNone(self.wait_for("after-bad"))


if __name__ == "__main__":
    unittest.main(verbosity=2)
