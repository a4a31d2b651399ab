#!/usr/bin/env python3
"""The journal's cost: tests/history/repeat/fanout.asl.json (a Parallel of 8,
two Maps of 100 mocked Tasks; about 1,300 history events) built once as
Standard and run with --store (SQLite, WAL, synchronous=FULL, then NORMAL)
and once as Express in memory; prints the times, the ratios, and the cost
per history event in microseconds.

  journal.py ASLC [RUNS]
"""
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
D = os.path.join(HERE, "..", "tests", "history", "repeat")


def main():
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
