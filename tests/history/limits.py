#!/usr/bin/env python3
"""AWS's execution limits, on the virtual clock: an Express execution ends
with States.Timeout at exactly 300 s (a smaller TimeoutSeconds wins,
--express-time-limit off lifts it), and Express refuses .sync and
.waitForTaskToken at check time; a Standard history stops at 25,000 events
(--history-limit), where only ExecutionSucceeded may be the last one.
    limits.py ASLC"""
import json, os, subprocess, sys, tempfile
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from checks import eq, finish  # noqa: E402

aslc = sys.argv[1]
work = tempfile.mkdtemp()


def machine(name, definition, kind):
    src = os.path.join(work, name + ".asl.json")
    with open(src, "w") as f:
        json.dump(definition, f)
    exe = os.path.join(work, name)
    subprocess.run([aslc, "build", src, "-o", exe, "--type", kind], check=True)
    return exe


def run(exe, *args):
    hist = os.path.join(work, "h.json")
    p = subprocess.run([exe, "--clock", "virtual", "--history", hist] + list(args),
                       input="{}", capture_output=True, text=True)
    with open(hist) as f:
        events = json.load(f)["events"]
    return p, events


def wait(seconds, timeout=None):
    d = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": seconds, "Next": "P"},
                                     "P": {"Type": "Pass", "End": True}}}
    if timeout:
        d["TimeoutSeconds"] = timeout
    return d


def elapsed(events):
    return round((events[-1]["timestamp"] - events[0]["timestamp"]) * 1000)


# Express: a Wait of 400 s fails at exactly 300 s
x = machine("x", wait(400), "express")
p, ev = run(x)
eq("express rc", p.returncode, 1)
eq("express last event", ev[-1]["type"], "ExecutionTimedOut")
eq("express details", ev[-1].get("executionTimedOutEventDetails"),
   {"error": "States.Timeout", "cause": "The execution ran past Express's limit of 300 seconds"})
eq("express elapsed ms", elapsed(ev), 300000)
eq("express stderr", p.stderr.strip().splitlines()[-1],
   '{"Error":"States.Timeout","Cause":"The execution ran past Express\'s limit of 300 seconds"}')

# the machine's smaller TimeoutSeconds wins
x100 = machine("x100", wait(400, 100), "express")
p, ev = run(x100)
eq("timeout 100 type", ev[-1]["type"], "ExecutionTimedOut")
eq("timeout 100 elapsed ms", elapsed(ev), 100000)
eq("timeout 100 cause", ev[-1]["executionTimedOutEventDetails"]["cause"],
   "The execution ran past the state machine's TimeoutSeconds (100)")

# a larger TimeoutSeconds does not lift Express's limit
x900 = machine("x900", wait(400, 900), "express")
p, ev = run(x900)
eq("timeout 900 elapsed ms", elapsed(ev), 300000)

# --express-time-limit off lifts it; Standard has no such limit
p, ev = run(x, "--express-time-limit", "off")
eq("limit off rc", (p.returncode, p.stdout), (0, "{}\n"))
eq("limit off elapsed ms", elapsed(ev), 400000)
s = machine("s", wait(400), "standard")
p, ev = run(s)
eq("standard rc", (p.returncode, ev[-1]["type"]), (0, "ExecutionSucceeded"))
p = subprocess.run([x, "--express-time-limit", "maybe"], input="{}", capture_output=True, text=True)
eq("bad option rc", p.returncode, 2)

# Express refuses .sync and .waitForTaskToken at check time, in AWS's words
for resource, msg in [
        ("arn:aws:states:::states:startExecution.sync",
         "Express state machine does not support '.sync' service integration"),
        ("arn:aws:states:::states:startExecution.sync:2",
         "Express state machine does not support '.sync' service integration"),
        ("arn:aws:states:::sqs:sendMessage.waitForTaskToken",
         "Express state machine does not support '.waitForTaskToken' service integration")]:
    d = {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": resource, "End": True}}}
    src = os.path.join(work, "t.asl.json")
    with open(src, "w") as f:
        json.dump(d, f)
    p = subprocess.run([aslc, "check", src, "--type", "express"], capture_output=True, text=True)
    eq("express check " + resource, (p.returncode != 0, msg in p.stderr,
                                        "[/States/T/Resource]" in p.stderr), (True, True, True))
    p = subprocess.run([aslc, "check", src, "--type", "standard"], capture_output=True, text=True)
    eq("standard check " + resource, p.returncode, 0)

# the history quota: a Map of mocked Tasks, 7 events per item and 6 more
mapdef = {"StartAt": "Fan", "States": {"Fan": {
    "Type": "Map", "ItemsPath": "$.items", "ResultSelector": {"n.$": "States.ArrayLength($)"},
    "ItemProcessor": {"StartAt": "Work", "States": {"Work": {
        "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": "work", "Payload.$": "$"}, "End": True}}},
    "End": True}}}
mocks = os.path.join(work, "mocks.json")
with open(mocks, "w") as f:
    json.dump({"StateMachines": {"map": {"TestCases": {"T": {"Work": "Ok"}}}},
               "MockedResponses": {"Ok": {"0-99999": {"Return": {"StatusCode": 200, "Payload": 1}}}}}, f)
QUOTA_CAUSE = "The execution reached the maximum execution history size of %d events"


def map_run(exe, items, *args):
    inp = os.path.join(work, "in.json")
    with open(inp, "w") as f:
        json.dump({"items": list(range(items))}, f)
    return run(exe, "--mock-config", mocks, "--test-case", "T", "--input", inp, *args)


for kind in ["standard", "express"]:
    m = machine("map", mapdef, kind)
    p, ev = map_run(m, 4000)  # 28,006 events
    if kind == "express":  # no history quota in Express
        eq("express 4000", (p.returncode, p.stdout, len(ev)), (0, '{"n":4000}\n', 28006))
        continue
    eq("quota rc", p.returncode, 1)
    eq("quota events", (len(ev), ev[-1]["id"], ev[-1]["type"]), (25000, 25000, "ExecutionFailed"))
    eq("quota details", ev[-1]["executionFailedEventDetails"],
       {"error": "States.Runtime", "cause": QUOTA_CAUSE % 25000})
    eq("quota ids", [e["id"] for e in ev], list(range(1, 25001)))
    p, ev = map_run(m, 4000, "--history-limit", "off")
    eq("quota off", (p.returncode, p.stdout, len(ev)), (0, '{"n":4000}\n', 28006))
    # the last event may be ExecutionSucceeded, nothing else
    p, ev = map_run(m, 100, "--history-limit", "706")
    eq("quota exact", (p.returncode, len(ev), ev[-1]["type"]), (0, 706, "ExecutionSucceeded"))
    p, ev = map_run(m, 100, "--history-limit", "705")
    eq("quota one less", (p.returncode, len(ev), ev[-1]["type"]), (1, 705, "ExecutionFailed"))
    eq("quota one less cause", ev[-1]["executionFailedEventDetails"]["cause"], QUOTA_CAUSE % 705)
    # the journal records the same end
    db = os.path.join(work, "s.db")
    p, ev = map_run(m, 100, "--history-limit", "300", "--store", db, "--name", "q")
    d = json.loads(subprocess.run([m, "--store", db, "--describe", "q"], capture_output=True,
                                  text=True).stdout)
    eq("quota journal", (p.returncode, d["status"], d.get("error")), (1, "FAILED", "States.Runtime"))
    for bad in ["0", "1", "x", "-5"]:
        p = subprocess.run([m, "--history-limit", bad], input="{}", capture_output=True, text=True)
        eq("bad --history-limit " + bad, p.returncode, 2)

finish()
