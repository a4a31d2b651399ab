#!/usr/bin/env python3
"""Event ids where nothing records the events: a run with no --history,
--trace, --log or --metrics takes only ids at a plain state's entry and exit
(exec.c, aslrt_op_enter_plain; history.c, aslrt_event_bare), and an error
cause's "entered at the event id #N" must still be the id that state's
StateEntered has in the recorded history, through both backends: a loop of
Pass and Choice states, a Parallel, then a failing Pass.

  quiet_ids.py ASLC
"""
import json
import os
import subprocess
import sys
import tempfile

MACHINE = {"StartAt": "A", "States": {
    "A": {"Type": "Pass", "Next": "C"},
    "C": {"Type": "Choice", "Default": "P", "Choices": [
        {"Variable": "$.n", "NumericLessThan": 3, "Next": "B"}]},
    "B": {"Type": "Pass", "Parameters": {"n.$": "States.MathAdd($.n, 1)"}, "Next": "C"},
    "P": {"Type": "Parallel", "ResultPath": "$.p", "Next": "Bad", "Branches": [
        {"StartAt": "X", "States": {"X": {"Type": "Pass", "End": True}}},
        {"StartAt": "Y", "States": {"Y": {"Type": "Pass", "End": True}}}]},
    "Bad": {"Type": "Pass", "Parameters": {"x.$": "$.nope"}, "End": True}}}
CAUSE = ("An error occurred while executing the state 'Bad' (entered at the event id #26). "
         "The JSONPath '$.nope' specified for the field 'x.$' could not be found in the "
         "input '{\"n\":3,\"p\":[{\"n\":3},{\"n\":3}]}'")


def main():
    aslc = sys.argv[1]
    failed = 0
    with tempfile.TemporaryDirectory(prefix="aslc-quiet-") as work:
        src = os.path.join(work, "ids.asl.json")
        with open(src, "w") as f:
            json.dump(MACHINE, f)
        for backend in ("c", "llvm"):
            exe = os.path.join(work, "ids-" + backend)
            subprocess.run([aslc, "build", src, "-o", exe, "--backend", backend, "--type",
                            "express"], check=True, timeout=300)
            hist = os.path.join(work, "h.json")
            errs = []
            for args in ([], ["--history", hist]):
                p = subprocess.run([exe, *args], input='{"n":0}', capture_output=True,
                                   text=True, timeout=60)
                errs.append((p.returncode, p.stderr.strip().splitlines()[-1]))
            with open(hist) as f:
                events = json.load(f)["events"]
            entered = [e["id"] for e in events if e["type"] == "PassStateEntered" and
                       e["stateEnteredEventDetails"]["name"] == "Bad"]
            want = (1, json.dumps({"Error": "States.Runtime", "Cause": CAUSE},
                                  separators=(",", ":")))
            ok = errs == [want, want] and entered == [26]
            failed += not ok
            print(f"testing quiet event ids ({backend}) ... " +
                  ("passed" if ok else f"FAILED {errs} {entered}"))
    sys.exit(1 if failed else 0)


main()
