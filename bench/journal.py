#!/usr/bin/env python3
"""The journal's cost: tests/history/repeat/fanout.asl.json (a Parallel of 8,
two Maps of 100 mocked Tasks; about 1,300 history events) built once as
Standard and run with --store (SQLite, WAL, synchronous=FULL, then NORMAL)
and once as Express in memory; prints the times, the ratios, and the cost
per history event in microseconds.  With --shared, the same on the shared
benchmark set's b1 (200,003 transitions) and b4 (a Map of 10,000 items),
/work/shared/bench (or $ASLC_BENCH), per state transition (payload quota and
history quota lifted: b1's history is 400,000 events).

  journal.py ASLC [RUNS]
  journal.py ASLC --shared [RUNS]
"""
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
D = os.path.join(HERE, "..", "tests", "history", "repeat")


def best_time(argv, runs, store):
    best = None
    for i in range(runs):
        extra = []
        if store:
            db = store + "%d.db" % i
            extra = ["--store", db, "--name", "bench"]
        t0 = time.perf_counter()
        subprocess.run(argv + extra, check=True, stdout=subprocess.DEVNULL)
        t = time.perf_counter() - t0
        best = t if best is None else min(best, t)
    return best


def shared(aslc, runs):
    bench = os.environ.get("ASLC_BENCH", "/work/shared/bench")
    trans = dict(l.split() for l in open(os.path.join(bench, "TRANSITIONS")))
    work = tempfile.mkdtemp()
    for w in ("b1-transitions", "b4-map"):
        exes = {}
        for kind in ("standard", "express"):
            exes[kind] = os.path.join(work, kind, w)
            os.makedirs(os.path.dirname(exes[kind]), exist_ok=True)
            subprocess.run([aslc, "build", os.path.join(bench, w + ".asl.json"), "-o",
                            exes[kind], "-O2", "--type", kind], check=True)
        base = ["--input", os.path.join(bench, w + ".input.json"), "--payload-limit", "off"]
        n = int(trans[w])
        tx = best_time([exes["express"]] + base, runs, None)
        print("%s: %d transitions; express in memory %.1f ms (%.2f us per transition)" % (
            w, n, tx * 1e3, tx / n * 1e6))
        for sync in ("FULL", "NORMAL"):
            ts = best_time([exes["standard"], "--history-limit", "off", "--store-sync", sync] + base,
                           runs, os.path.join(work, "%s-%s" % (w, sync)))
            print("  standard --store (%s): %.1f ms, ratio %.1f, journal %.1f us per transition" % (
                sync, ts * 1e3, ts / tx, (ts - tx) / n * 1e6))
        sys.stdout.flush()


def main():
    if len(sys.argv) > 2 and sys.argv[2] == "--shared":
        return shared(os.path.abspath(sys.argv[1]), int(sys.argv[3]) if len(sys.argv) > 3 else 1)
    aslc, runs = os.path.abspath(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 5
    work = tempfile.mkdtemp()
    exes = {}
    for kind in ("standard", "express"):
        exes[kind] = os.path.join(work, kind, "fanout")
        os.makedirs(os.path.dirname(exes[kind]))
        subprocess.run([aslc, "build", os.path.join(D, "fanout.asl.json"), "-o", exes[kind],
                        "-O2", "--type", kind], check=True)
    base = ["--mock-config", os.path.join(D, "fanout.mocks.json"), "--test-case", "T",
            "--input", os.path.join(D, "fanout.input.json"), "--clock", "virtual"]
    hist = os.path.join(work, "h.json")
    subprocess.run([exes["express"], "--history", hist] + base, check=True, stdout=subprocess.DEVNULL)
    with open(hist) as f:
        events = len(json.load(f)["events"])
    times = {}
    for kind in ("express", "standard", "standard-normal"):
        best = None
        for i in range(runs):
            extra = []
            if kind != "express":
                db = os.path.join(work, "%s%d.db" % (kind, i))
                extra = ["--store", db, "--name", "bench"]
                if kind == "standard-normal":
                    extra += ["--store-sync", "NORMAL"]
            t0 = time.perf_counter()
            subprocess.run([exes[kind.split("-")[0]]] + extra + base, check=True, stdout=subprocess.DEVNULL)
            t = time.perf_counter() - t0
            best = t if best is None else min(best, t)
        times[kind] = best
    print("%d events; express in memory %.1f ms" % (events, times["express"] * 1e3))
    for kind, what in (("standard", "--store (FULL)"), ("standard-normal", "--store-sync NORMAL")):
        print("standard %s: %.1f ms, ratio %.1f, %.0f us per event" % (
            what, times[kind] * 1e3, times[kind] / times["express"],
            (times[kind] - times["express"]) / events * 1e6))


if __name__ == "__main__":
    main()
