#!/usr/bin/env python3
"""Parallel branches and their constants, through both backends, exact outputs:
a Parallel of 20 branches (more than branch.c keeps on its stack) in order;
constants reused across rounds of a loop, inline on one thread (a scalar
constant is shared per thread): a ResultPath into a constant's value leaves
no trace in the next round's; the same on pool threads (Wait branches),
whose outputs leave the thread as copies.

  branches.py ASLC
"""
import json
import os
import subprocess
import sys
import tempfile

WIDE = 20


def machine():
    wide = [{"StartAt": "B%d" % i, "States": {"B%d" % i: {
        "Type": "Pass", "End": True,
        "Parameters": {"leaf": "L%d" % i, "n": 1.5, "t": True, "v.$": "$.x"}}}}
        for i in range(WIDE)]
    seed = {"StartAt": "Seed", "States": {
        "Seed": {"Type": "Pass", "Result": {"a": {"b": 1}}, "ResultPath": "$.seed",
                 "Next": "Snap"},
        "Snap": {"Type": "Pass", "Parameters": {
            "before.$": "States.JsonToString($.seed)", "seed.$": "$.seed",
            "round.$": "$.round"}, "Next": "Mut"},
        "Mut": {"Type": "Pass", "InputPath": "$.round", "ResultPath": "$.seed.a.r",
                "Next": "Out"},
        "Out": {"Type": "Pass", "Parameters": {"before.$": "$.before", "seed.$": "$.seed"},
                "End": True}}}
    same = {"StartAt": "Same", "States": {"Same": {
        "Type": "Pass", "Parameters": {"s": "same", "k.$": "$.round"}, "End": True}}}
    threads = [{"StartAt": "W%d" % i, "States": {
        "W%d" % i: {"Type": "Wait", "Seconds": 0, "Next": "P%d" % i},
        "P%d" % i: {"Type": "Pass", "Parameters": {"w": "W", "i": i, "o": {"c": "C"}},
                    "End": True}}} for i in range(3)]
    return {"StartAt": "Wide", "States": {
        "Wide": {"Type": "Parallel", "Branches": wide, "ResultPath": "$.wide",
                 "Next": "Loop"},
        "Loop": {"Type": "Parallel", "Branches": [seed, same], "ResultPath": "$.last",
                 "Next": "Bump"},
        "Bump": {"Type": "Pass", "Parameters": {
            "round.$": "States.MathAdd($.round, 1)", "x.$": "$.x", "wide.$": "$.wide",
            "last.$": "$.last"}, "Next": "More"},
        "More": {"Type": "Choice", "Choices": [
            {"Variable": "$.round", "NumericLessThan": 3, "Next": "Loop"}],
            "Default": "Threads"},
        "Threads": {"Type": "Parallel", "Branches": threads, "ResultPath": "$.threads",
                    "End": True}}}


def expected():
    return {
        "round": 3, "x": 7,
        "wide": [{"leaf": "L%d" % i, "n": 1.5, "t": True, "v": 7} for i in range(WIDE)],
        "last": [{"before": '{"a":{"b":1}}', "seed": {"a": {"b": 1, "r": 2}}},
                 {"s": "same", "k": 2}],
        "threads": [{"w": "W", "i": i, "o": {"c": "C"}} for i in range(3)]}


def main():
    aslc = sys.argv[1]
    bad = 0
    with tempfile.TemporaryDirectory() as work:
        src = os.path.join(work, "machine.asl.json")
        with open(src, "w") as f:
            json.dump(machine(), f)
        for backend in ("c", "llvm"):
            exe = os.path.join(work, "m-" + backend)
            subprocess.run([aslc, "build", src, "-o", exe, "--backend", backend, "-O0"],
                           check=True, timeout=300)
            p = subprocess.run([exe], input='{"x": 7, "round": 0}', capture_output=True,
                               text=True, timeout=60)
            try:
                got = json.loads(p.stdout)
            except ValueError:
                got = None
            # exact: the values and the key order AWS gives
            ok = (p.returncode == 0 and got == expected() and
                  json.dumps(got) == json.dumps(expected()))
            print("%s %s: %s %s" % ("PASS" if ok else "FAIL", backend, p.stdout.strip()[:300],
                                    p.stderr.strip()[-300:]))
            bad += not ok
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
