#!/usr/bin/env python3
"""`precis sub` and the log epoch, log_id (precis issue 11).

A fake sink (a PUB and a replay ROUTER written here from docs/PROTOCOL.md)
plays a sink whose numbering starts over three times while one `precis sub
--from-beginning` follows it:

  log A: results 1-3 in the log before sub starts, 4-5 published live;
  log B: the log replaced by 1-2, then 3 published live (a live result
         from another log_id shows the change);
  log C: the log replaced by 1-6, nothing published (the replay header's
         log_id shows it when sub asks from 4 after a quiet spell; the
         answer holds C4-C6, which must wait for C1-C3);
  then a live result of log A arrives late: it is skipped;
  log D: an older sink, no log_id: the log replaced by 1, nothing published
         (its `next` below sub's position shows it).

Asserts: sub prints A1-A5, B1-B3, C1-C6, D1 exactly once each, in that
order, and says on stderr three times that the numbering started over.

And ZeroMQ's slow joiner, made certain: a fake sink whose PUB socket is
bound only after sub has its start (the sink's next, 1) publishes 3 results
at once, before sub's subscription can have reached it, and nothing after.
sub (default start, live from when it is ready) must print all 3, fetched
from the replay socket once it has been quiet.

Usage: sub_log_id_test.py BIN_DIR
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

import msgpack
import zmq

BIN = sys.argv[1]


def free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def result(log_id, seq):
    body = {"v": 1, "type": "summary", "id": "%s%d" % (log_id or "old", seq), "seq": seq,
            "title": "Result %d" % seq, "lang": "en", "summary": ["One sentence."]}
    if log_id:
        body["log_id"] = log_id
    return [b"summary.en", msgpack.packb(body)]


class FakeSink:
    def __init__(self, context, output, replay, bind=True):
        self.pub = context.socket(zmq.PUB)
        self.output = output
        if bind:
            self.pub.bind(output)
        self.router = context.socket(zmq.ROUTER)
        self.router.bind(replay)
        self.log_id = None
        self.log = []  # frames of results 1, 2, ...
        self.asked = []  # since of each replay request

    def new_log(self, log_id, count):
        self.log_id = log_id
        self.log = [result(log_id, seq) for seq in range(1, count + 1)]

    def publish(self):
        frames = result(self.log_id, len(self.log) + 1)
        self.log.append(frames)
        self.pub.send_multipart(frames)

    def serve(self, seconds, done=lambda: False):
        """Answers replay requests for up to seconds, or until done()."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not done():
            if not self.router.poll(50):
                continue
            identity, body = self.router.recv_multipart()
            since = msgpack.unpackb(body)["since"]
            self.asked.append(since)
            page = self.log[since - 1:since - 1 + 1000]
            header = {"v": 1, "type": "replay", "status": "ok", "first": since,
                      "count": len(page), "next": len(self.log) + 1, "oldest": 1,
                      "trimmed": 0}
            if self.log_id:
                header["log_id"] = self.log_id
            frames = [identity, msgpack.packb(header)]
            for pair in page:
                frames += pair
            self.router.send_multipart(frames)


def run_sub(output, replay, *options):
    """Starts precis sub; returns it, a function reading what it printed
    so far, and one reading its stderr (the files go when both are read
    after it ended)."""
    work = tempfile.mkdtemp()
    out_path, err_path = os.path.join(work, "out.jsonl"), os.path.join(work, "err.txt")
    with open(out_path, "w") as out, open(err_path, "w") as err:
        sub = subprocess.Popen([BIN + "/precis", "sub", "--output", output, "--replay", replay,
                                "--json"] + list(options), stdout=out, stderr=err)

    def printed():
        with open(out_path) as lines:
            return [json.loads(line) for line in lines]

    def stderr():
        with open(err_path) as err:
            text = err.read()
        if sub.poll() is not None:
            shutil.rmtree(work, ignore_errors=True)
        return text
    return sub, printed, stderr


def slow_joiner(context):
    output_port, replay_port = free_ports(2)
    sink = FakeSink(context, "tcp://127.0.0.1:%d" % output_port,
                    "tcp://127.0.0.1:%d" % replay_port, bind=False)
    sink.new_log("eeeeeeeeeeeeeeee", 0)
    sub, printed, stderr = run_sub(sink.output, "tcp://127.0.0.1:%d" % replay_port, "-v")
    try:
        sink.serve(20, lambda: "ready" in stderr())  # sub has its start: next is 1
        sink.pub.bind(sink.output)
        for _ in range(3):
            sink.publish()  # no subscriber can be connected yet: dropped
        sink.serve(20, lambda: len(printed()) >= 3)
        sink.serve(1.5)  # nothing more may come
    finally:
        sub.terminate()
        status = sub.wait(10)
    seqs = [r["seq"] for r in printed()]
    text = stderr()
    print("slow joiner: 3 results published before the subscription arrived, "
          "%d printed (seqs %s)" % (len(seqs), seqs))
    assert status == 0, "precis sub exited %d: %s" % (status, text)
    assert seqs == [1, 2, 3], text
    assert "fetched from the replay socket" in text, text


def main():
    context = zmq.Context()
    slow_joiner(context)
    output_port, replay_port = free_ports(2)
    output = "tcp://127.0.0.1:%d" % output_port
    replay = "tcp://127.0.0.1:%d" % replay_port
    sink = FakeSink(context, output, replay)
    sink.new_log("aaaaaaaaaaaaaaaa", 3)
    sub, printed, read_stderr = run_sub(output, replay, "--from-beginning")
    try:
        # Log A: sub has caught up with 1-3 once it asks from 4.
        sink.serve(20, lambda: 4 in sink.asked)
        sink.serve(0.5)  # its subscription reaches the PUB (else replay fills in)
        sink.publish()
        sink.publish()
        sink.serve(20, lambda: len(printed()) >= 5)
        # Log B, shown by a live result.
        sink.new_log("bbbbbbbbbbbbbbbb", 2)
        sink.publish()
        sink.serve(20, lambda: len(printed()) >= 8)
        # Log C, shown by the replay header only.
        sink.new_log("cccccccccccccccc", 6)
        sink.serve(20, lambda: len(printed()) >= 14)
        # A live result of log A arriving late (queued at the subscription
        # while replay already spoke for log C): not a new numbering, not
        # printed, and log C not printed again.
        sink.pub.send_multipart(result("aaaaaaaaaaaaaaaa", 6))
        sink.serve(1.0)
        # Log D, an older sink: no log_id, its next below sub's position.
        sink.new_log(None, 1)
        sink.serve(20, lambda: len(printed()) >= 15)
        sink.serve(1.5)  # nothing more may come
    finally:
        sub.terminate()
        status = sub.wait(10)
    ids = [r["id"] for r in printed()]
    stderr = read_stderr()
    context.destroy(linger=0)
    want = ["aaaaaaaaaaaaaaaa%d" % k for k in range(1, 6)] + \
        ["bbbbbbbbbbbbbbbb%d" % k for k in range(1, 4)] + \
        ["cccccccccccccccc%d" % k for k in range(1, 7)] + ["old1"]
    started_over = stderr.count("numbering started over")
    print("log_id changes: %d results expected, %d printed, %d duplicated; "
          "'numbering started over' said %d times" %
          (len(want), len(ids), len(ids) - len(set(ids)), started_over))
    assert status == 0, "precis sub exited %d: %s" % (status, stderr)
    assert ids == want, "printed %s, expected %s; stderr: %s" % (ids, want, stderr)
    assert started_over == 3, stderr
    print("ok")


if __name__ == "__main__":
    main()
