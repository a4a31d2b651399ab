#!/usr/bin/env python3
"""No fixed limit drops retriers: a Task with 20 retriers where only the 20th
matches its error retries (it used to keep the first 16 and fail), through
both backends.

  retriers.py ASLC
"""
import json
import os
import subprocess
import sys
import tempfile


def machine():
    retry = [{"ErrorEquals": ["Other%d" % i], "MaxAttempts": 1} for i in range(19)]
    retry.append({"ErrorEquals": ["E"], "MaxAttempts": 2, "IntervalSeconds": 1})
    return {"StartAt": "T", "States": {"T": {
        "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
        "Retry": retry, "ResultSelector": {"ok.$": "$.ok", "retries.$": "$$.State.RetryCount"},
        "End": True}}}


def main():
    aslc = sys.argv[1]
    mocks = {"StateMachines": {"machine": {"TestCases": {"Case": {"T": "T"}}}},
             "MockedResponses": {"T": {
                 "0-1": {"Throw": {"Error": "E", "Cause": "again"}},
                 "2": {"Return": {"ok": 1}}}}}
    bad = 0
    with tempfile.TemporaryDirectory() as work:
        src = os.path.join(work, "machine.asl.json")
        with open(src, "w") as f:
            json.dump(machine(), f)
        cfg = os.path.join(work, "mocks.json")
        with open(cfg, "w") as f:
            json.dump(mocks, f)
        for backend in ("c", "llvm"):
            exe = os.path.join(work, "m-" + backend)
            subprocess.run([aslc, "build", src, "-o", exe, "--backend", backend, "-O0"],
                           check=True, timeout=300)
            p = subprocess.run([exe, "--clock", "virtual", "--mock-config", cfg,
                                "--test-case", "Case"], input="{}", capture_output=True,
                               text=True, timeout=60)
            want = '{"ok":1,"retries":2}'
            ok = p.returncode == 0 and p.stdout.strip() == want
            print("%s %s: %s %s" % ("PASS" if ok else "FAIL", backend, p.stdout.strip(),
                                    p.stderr.strip()[-200:]))
            bad += not ok
    sys.exit(1 if bad else 0)


main()
