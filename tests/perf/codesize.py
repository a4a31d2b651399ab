#!/usr/bin/env python3
"""Generated code grows linearly with the definition: machines of N states
(a Pass chain), N Choice rules and N Parallel branches, for N = 10 ... 1000,
through `aslc emit --emit=c` (and --emit=ir); fails when lines per unit at
N=1000 exceed those at N=100 by more than 25% (a quadratic term shows as
10x).

  codesize.py ASLC
"""
import json
import os
import subprocess
import sys
import tempfile

SIZES = [10, 100, 1000]


def chain(n):
    states = {}
    for i in range(n):
        s = {"Type": "Pass", "Parameters": {"i": i, "v.$": "$.v"}, "ResultPath": "$.r%d" % (i % 7)}
        if i + 1 < n:
            s["Next"] = "S%d" % (i + 1)
        else:
            s["End"] = True
        states["S%d" % i] = s
    return {"StartAt": "S0", "States": states}


def choice(n):
    rules = []
    for i in range(n):
        rules.append({"And": [{"Variable": "$.a", "NumericGreaterThan": i},
                              {"Variable": "$.b.c", "StringEquals": "x%d" % i}],
                      "Next": "Done"})
    return {"StartAt": "C", "States": {
        "C": {"Type": "Choice", "Choices": rules, "Default": "Done", "OutputPath": "$.o"},
        "Done": {"Type": "Succeed"}}}


def parallel(n):
    branches = [{"StartAt": "B%d" % i,
                 "States": {"B%d" % i: {"Type": "Pass", "Parameters": {"b": i}, "End": True}}}
                for i in range(n)]
    return {"StartAt": "P", "States": {"P": {"Type": "Parallel", "Branches": branches, "End": True}}}


def lines(aslc, definition, kind, work):
    path = os.path.join(work, "m.asl.json")
    with open(path, "w") as f:
        json.dump(definition, f)
    p = subprocess.run([aslc, "emit", path, "--emit=" + kind], capture_output=True, text=True,
                       timeout=300)
    if p.returncode != 0:
        sys.exit("aslc emit failed: " + p.stderr[:300])
    return p.stdout.count("\n")


def main():
    aslc = sys.argv[1]
    bad = 0
    with tempfile.TemporaryDirectory() as work:
        for name, gen in (("chain", chain), ("choice", choice), ("parallel", parallel)):
            for kind in ("c", "ir"):
                n = [lines(aslc, gen(k), kind, work) for k in SIZES]
                # lines per unit between consecutive sizes (the fixed part cancels)
                small = (n[1] - n[0]) / (SIZES[1] - SIZES[0])
                big = (n[2] - n[1]) / (SIZES[2] - SIZES[1])
                ok = big <= 1.25 * small + 1
                print("%s %s %-8s lines %s per unit %.1f -> %.1f" % (
                    "PASS" if ok else "FAIL", kind, name, n, small, big))
                bad += not ok
    sys.exit(1 if bad else 0)


main()
