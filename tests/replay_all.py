#!/usr/bin/env python3
"""Reads the whole output log through the sink's replay socket and prints one
JSON line per result: {"seq", "id", "log_id", "type", "reason"} (log_id of the result, or of the
answer's header when the result has none). Used by the delivery tests.

    tests/replay_all.py REPLAY_ENDPOINT
"""
import json
import sys
import time

import msgpack
import zmq

endpoint = sys.argv[1]
ctx = zmq.Context()
dealer = ctx.socket(zmq.DEALER)
dealer.setsockopt(zmq.RCVTIMEO, 10000)
dealer.setsockopt(zmq.LINGER, 0)
dealer.connect(endpoint)
since = 1
while True:
    dealer.send(msgpack.packb({"type": "replay", "since": since, "max": 1000}))
    frames = dealer.recv_multipart()
    header = msgpack.unpackb(frames[0])
    if header.get("status") == "busy":
        time.sleep(header.get("retry_ms", 200) / 1000)
        continue
    assert header.get("status") == "ok", header
    if header["count"] == 0:
        break
    for body in frames[2::2]:
        result = msgpack.unpackb(body)
        print(json.dumps({"seq": result["seq"], "id": result["id"],
                          "log_id": result.get("log_id", header.get("log_id")),
                          "type": result["type"], "reason": result.get("reason")}))
        since = result["seq"] + 1
print(json.dumps({"next": header["next"], "log_id": header.get("log_id")}))
