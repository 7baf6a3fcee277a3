#!/usr/bin/env python3
"""bench/predict.py - the pipeline's rate on a machine with more cores,
predicted from the CPU each stage spends on an article (a bottleneck model,
not a measurement).

bench/run measures, on the machine it runs on, the CPU per article of every
stage and of ingest's and the sink's threads. On a machine with C cores the
pipeline with W summarize workers (and ceil(W/4) normalize workers, as the
issue's table and deploy/pipeline's examples scale them) delivers at most
the least of:

  demand      W x the one-worker rate (1e6 / summarize us): what the workers
              can summarize, each on its own core;
  a thread    1e6 / (its CPU us an article), for each thread that sees
              every article once: ingest's main, ZeroMQ I/O and journal sync
              threads (x S with S ingest shards: each shard sees 1/S of the
              articles), the sink's main and I/O threads, the relay's
              main and I/O threads (or, when they are not given, its
              whole process as one thread, which underestimates it);
  normalize   N x 1e6 / (normalize us): its workers together;
  the cores   C x 1e6 / (the sum of every stage's us): all the CPU there is.

The share of linear is that least rate / demand. Contention (a shared
cache, memory bandwidth, two threads of one core) is left out, and the
figures measured on a loaded 2-core machine are higher than they would be on
idle cores: the model is a guide to where the ceiling lies, not a promise.

  bench/predict.py --summarize-us 63 --normalize-us 12 --relay-us 11 \\
      --ingest-main-us 17 --ingest-io-us 9 --ingest-sync-us 4 \\
      --sink-main-us 14 --sink-io-us 8 [--ingest-us 31 --sink-us 21] \\
      [--relay-main-us 7 --relay-io-us 5] \\
      [--cores 16] [--workers 1,2,4,8,12] [--shards 1,2]
  bench/predict.py --self-test

Prints a table on stdout; exit 0, 2 on bad options, 1 when the self-test
fails.
"""
import argparse
import math
import sys


def ceilings(f, workers, shards, cores):
    """The rate (articles/s) each limit allows for `workers` summarize
    workers and `shards` ingest shards, as a dict name -> rate. `f` holds
    the CPU us an article of each stage and thread (keys as the options)."""
    per = lambda us, copies=1: copies * 1e6 / us if us > 0 else math.inf
    normalize_workers = max(1, math.ceil(workers / 4))
    whole = (f["ingest_us"] + f["sink_us"] + f["normalize_us"] + f["summarize_us"] +
             f["relay_us"])
    return {
        "workers": per(f["summarize_us"], workers),
        "ingest main": per(f["ingest_main_us"], shards),
        "ingest I/O": per(f["ingest_io_us"], shards),
        "ingest sync": per(f["ingest_sync_us"], shards),
        "sink main": per(f["sink_main_us"]),
        "sink I/O": per(f["sink_io_us"]),
        **({"relay main": per(f["relay_main_us"]), "relay I/O": per(f["relay_io_us"])}
           if f.get("relay_main_us") else {"relay": per(f["relay_us"])}),
        "normalize": per(f["normalize_us"], normalize_workers),
        "cores": per(whole, cores),
    }


def predict(f, workers, shards, cores):
    """(rate, share of linear, the limit's name) for one configuration."""
    limits = ceilings(f, workers, shards, cores)
    name = min(limits, key=limits.get)
    return limits[name], limits[name] / limits["workers"], name


def complete(f):
    """Fills the process totals from the threads when they are not given."""
    if not f.get("ingest_us"):
        f["ingest_us"] = f["ingest_main_us"] + f["ingest_io_us"] + f["ingest_sync_us"]
    if not f.get("sink_us"):
        f["sink_us"] = f["sink_main_us"] + f["sink_io_us"]
    return f


def self_test():
    """Checks the model on figures whose answer is known by hand."""
    f = complete({"summarize_us": 100.0, "normalize_us": 10.0, "relay_us": 5.0,
                  "ingest_main_us": 20.0, "ingest_io_us": 5.0, "ingest_sync_us": 2.0,
                  "sink_main_us": 15.0, "sink_io_us": 5.0})
    failures = []

    def expect(what, got, want):
        if abs(got - want) > 1e-6 * max(1.0, abs(want)):
            failures.append("%s: %r, expected %r" % (what, got, want))

    rate, share, name = predict(f, 1, 1, 16)  # one worker: 10,000 a/s, linear
    expect("1 worker rate", rate, 10000.0)
    expect("1 worker share", share, 1.0)
    rate, share, name = predict(f, 8, 1, 64)  # ingest main: 50,000 < 80,000
    expect("8 workers rate", rate, 50000.0)
    expect("8 workers share", share, 50000.0 / 80000.0)
    if name != "ingest main":
        failures.append("8 workers, 1 shard: limit %s, expected ingest main" % name)
    rate, share, name = predict(f, 8, 2, 64)  # the sink's main thread: 66,667
    expect("8 workers, 2 shards", rate, 1e6 / 15.0)
    if name != "sink main":
        failures.append("8 workers, 2 shards: limit %s, expected sink main" % name)
    # The relay's threads apart: the busier one (8 us) caps at 125,000.
    g = dict(f, relay_us=12.0, relay_main_us=8.0, relay_io_us=4.0, sink_main_us=5.0,
             summarize_us=50.0)
    rate, share, name = predict(g, 12, 4, 64)
    expect("relay main", rate, 125000.0)
    if name != "relay main":
        failures.append("relay apart: limit %s, expected relay main" % name)
    rate, share, name = predict(dict(g, relay_main_us=None), 12, 4, 64)
    if name != "relay":
        failures.append("relay as one: limit %s, expected relay" % name)
    rate, share, name = predict(f, 12, 2, 2)  # 2 cores: 2e6 / 162 us
    expect("2 cores", rate, 2e6 / (27 + 20 + 10 + 100 + 5))
    if name != "cores":
        failures.append("2 cores: limit %s, expected cores" % name)
    for failure in failures:
        print("predict self-test: " + failure, file=sys.stderr)
    return 1 if failures else 0


def main():
    parser = argparse.ArgumentParser(
        description="The pipeline's rate on more cores, predicted from CPU per article "
        "(a bottleneck model; see the header of bench/predict.py).")
    for name in ("summarize", "normalize", "relay", "ingest-main", "ingest-io", "ingest-sync",
                 "sink-main", "sink-io"):
        parser.add_argument("--%s-us" % name, type=float, default=None,
                            help="CPU us an article of %s" % name.replace("-", " "))
    for name in ("relay-main", "relay-io"):
        parser.add_argument("--%s-us" % name, type=float, default=0.0,
                            help="CPU us an article of the %s thread (default: the relay "
                            "process as one)" % name.replace("-", " "))
    parser.add_argument("--ingest-us", type=float, default=0.0,
                        help="ingest's whole process (default: its threads' sum)")
    parser.add_argument("--sink-us", type=float, default=0.0,
                        help="the sink's whole process (default: its threads' sum)")
    parser.add_argument("--cores", type=int, default=16, help="cores of the machine (16)")
    parser.add_argument("--workers", default="1,2,4,8,12",
                        help="summarize worker counts, comma-separated (1,2,4,8,12)")
    parser.add_argument("--shards", default="1,2", help="ingest shard counts (1,2)")
    parser.add_argument("--no-title", action="store_true",
                        help="leave out the PREDICTION title line (for a second model under it)")
    parser.add_argument("--self-test", action="store_true", help="check the model and exit")
    args = parser.parse_args()
    if args.self_test:
        return self_test()
    f = {k: v for k, v in vars(args).items() if k.endswith("_us")}
    missing = [k for k, v in f.items() if v is None]
    if missing:
        parser.error("missing: " + ", ".join("--" + k.replace("_", "-") for k in missing))
    complete(f)
    try:
        workers = [int(w) for w in args.workers.split(",")]
        shards = [int(s) for s in args.shards.split(",")]
    except ValueError:
        parser.error("--workers and --shards take comma-separated counts")
    if not args.no_title:
        print("PREDICTION for %d cores (a bottleneck model from the CPU per article above, "
              "not a measurement; bench/predict.py)" % args.cores)
    print("  %-8s %-7s %12s %12s %8s  %s" % ("workers", "shards", "linear a/s", "a/s", "share",
                                            "limit"))
    for s in shards:
        for w in workers:
            rate, share, name = predict(f, w, s, args.cores)
            print("  %-8d %-7d %12.0f %12.0f %8.2f  %s" % (w, s, w * 1e6 / f["summarize_us"],
                                                           rate, share, name))
    return 0


if __name__ == "__main__":
    sys.exit(main())
