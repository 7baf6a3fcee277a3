#!/usr/bin/env python3
"""bench/offline_rate.py PRECIS DATA [--min-articles N]

Times the offline command `precis summarize --jsonl` on DATA (JSON Lines
articles), repeated until the input holds at least N articles (default
6,000), and prints key=value lines: offline_articles, offline_cpu_s (user +
system CPU of the process, from getrusage), offline_wall_s and
offline_articles_per_cpu_s. CPU time rather than wall time, so that a busy
machine moves the figure less. Exit 1 when the command fails."""
import argparse, os, resource, subprocess, sys, tempfile, time

parser = argparse.ArgumentParser()
parser.add_argument("precis")
parser.add_argument("data")
parser.add_argument("--min-articles", type=int, default=6000)
args = parser.parse_args()

with open(args.data, "rb") as f:
    lines = [line for line in f if line.strip()]
if not lines:
    sys.exit("offline_rate: no articles in " + args.data)
copies = max(1, -(-args.min_articles // len(lines)))
with tempfile.NamedTemporaryFile(suffix=".jsonl", delete=False) as tmp:
    for _ in range(copies):
        tmp.writelines(lines)
    path = tmp.name
try:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    with open(os.devnull, "wb") as devnull:
        rc = subprocess.call([args.precis, "summarize", "--jsonl", path], stdout=devnull)
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
finally:
    os.unlink(path)
if rc != 0:
    sys.exit("offline_rate: precis summarize exited %d" % rc)
cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
articles = copies * len(lines)
print("offline_articles=%d" % articles)
print("offline_cpu_s=%.3f" % cpu)
print("offline_wall_s=%.3f" % wall)
print("offline_articles_per_cpu_s=%.0f" % (articles / cpu))
