#!/usr/bin/env python3
"""The thread pool under ThreadSanitizer: machines whose Parallel branches and
Map iterations run on pool threads (each scope holds a Wait or a Task, so
none runs inline), built through both backends by an aslc configured with
-DASLC_SANITIZE=thread (its executables link TSan; the runtime is
instrumented), run with halt_on_error, outputs compared exactly:

  parallel  6 branches, each its own Wait (1 s: the run must take less than
            4 s, so they ran on threads), Choice and intrinsics; also under
            --clock virtual (vsched.c hands the turn between threads)
  map       MaxConcurrency 4 over 200 items, ItemSelector reading $$,
            ResultPath written in place in each iteration and on the Map
  cancel    a Map whose iterations 1 and 3 fail at once while the others
            wait 30 s: the first failure stops them, a Catch takes it
  tolerate  a Distributed Map's children failing one in five, within
            ToleratedFailurePercentage (errors in place) and past
            ToleratedFailureCount (States.ExceedToleratedFailureThreshold)
  nested    Maps inside Parallel branches, a Parallel inside a Map
  retry     Standard: mocked Tasks retried inside branches and called from
            Map iterations (the mock's shared counters), the journal
            (--store), history (--history), --metrics, --log-level and
            --trace written from branches

The LLVM backend's code is not instrumented: it touches only its own stack
frame and constant tables; its calls into json-c are wrapped as the C
backend's are (runtime/tsan.c).

  tsan.py ASLC   (exit 0 all passed, 1 a failure or a TSan report)
"""
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import check, finish  # noqa: E402

# exitcode 66: a report is never taken for a failed execution (exit 1)
TSAN = "halt_on_error=1 exitcode=66 second_deadlock_stack=1"


def wait(name, nxt, seconds=0):
    return {name: {"Type": "Wait", "Seconds": seconds, "Next": nxt}}


# each branch's intrinsic and its value on parallel_io's input
CALLS = [("States.MathAdd($.n, 3)", 6), ("States.Format('b{} n={}', 1, $.n)", "b1 n=3"),
         ("States.ArrayRange(1, 5, 1)", [1, 2, 3, 4, 5]),
         ("States.StringSplit('a,b,c', ',')", ["a", "b", "c"]),
         ("States.JsonToString($.o)", '{"k":[1,2]}'), ("States.ArrayGetItem($.a, 7)", "q")]


def parallel():
    """Six branches, each Wait -> Choice -> Pass with its own intrinsic."""
    branches = []
    for i, (expr, _) in enumerate(CALLS):
        states = wait("W%d" % i, "C%d" % i, 1)
        states["C%d" % i] = {"Type": "Choice", "Choices": [
            {"Variable": "$.n", "NumericGreaterThan": i, "Next": "Big%d" % i}],
            "Default": "Small%d" % i}
        for kind in ("Big", "Small"):
            states["%s%d" % (kind, i)] = {
                "Type": "Pass", "End": True,
                "Parameters": {"b": i, "kind": kind, "v.$": expr, "o.$": "$.o"}}
        branches.append({"StartAt": "W%d" % i, "States": states})
    return {"StartAt": "P", "States": {"P": {
        "Type": "Parallel", "Branches": branches, "ResultPath": "$.r", "End": True}}}


def parallel_io():
    inp = {"n": 3, "o": {"k": [1, 2]}, "a": ["x", "y", "z", "w", "u", "t", "s", "q"]}
    r = [{"b": i, "kind": "Big" if 3 > i else "Small", "v": v, "o": {"k": [1, 2]}}
         for i, (_, v) in enumerate(CALLS)]
    return inp, dict(inp, r=r)


def map200():
    """MaxConcurrency 4 over 200 items; ItemSelector from $$; in-place ResultPaths."""
    it = wait("MW", "Sq")
    it["Sq"] = {"Type": "Pass", "Parameters": {"s.$": "States.MathAdd($.v, $.i)"},
                "ResultPath": "$.sum", "Next": "Tag"}
    it["Tag"] = {"Type": "Pass", "Result": "done", "ResultPath": "$.sum.tag", "End": True}
    return {"StartAt": "M", "States": {"M": {
        "Type": "Map", "MaxConcurrency": 4, "ItemsPath": "$.items",
        "ItemSelector": {"v.$": "$$.Map.Item.Value", "i.$": "$$.Map.Item.Index",
                         "exec.$": "$$.Execution.Name", "tag.$": "$.tag"},
        "ItemProcessor": {"StartAt": "MW", "States": it},
        "ResultPath": "$.out", "End": True}}}


def map200_io():
    inp = {"items": [i * 10 for i in range(200)], "tag": "t"}
    out = [{"v": i * 10, "i": i, "exec": "tsan-run", "tag": "t",
            "sum": {"s": i * 11, "tag": "done"}} for i in range(200)]
    return inp, dict(inp, out=out)


def cancel():
    """Iterations 1 and 3 fail at once; the others' 30 s Waits are stopped."""
    it = {"Pick": {"Type": "Choice", "Choices": [
        {"Or": [{"Variable": "$", "NumericEquals": 1}, {"Variable": "$", "NumericEquals": 3}],
         "Next": "Boom"}], "Default": "Long"},
        "Boom": {"Type": "Fail", "Error": "Boom", "Cause": "bad item"},
        "Long": {"Type": "Wait", "Seconds": 30, "Next": "Never"},
        "Never": {"Type": "Pass", "End": True}}
    return {"StartAt": "M", "States": {
        "M": {"Type": "Map", "MaxConcurrency": 5, "ItemsPath": "$.items",
              "ItemProcessor": {"StartAt": "Pick", "States": it},
              "Catch": [{"ErrorEquals": ["Boom"], "ResultPath": "$.err", "Next": "Caught"}],
              "End": True},
        "Caught": {"Type": "Pass", "End": True}}}


def cancel_io():
    inp = {"items": list(range(50))}
    return inp, dict(inp, err={"Error": "Boom", "Cause": "bad item"})


def tolerate(setting):
    """A Distributed Map whose children fail one in five, tolerated or not."""
    it = wait("TW", "TC")
    it["TC"] = {"Type": "Choice", "Choices": [
        {"Variable": "$.bad", "BooleanEquals": True, "Next": "TF"}], "Default": "TP"}
    it["TF"] = {"Type": "Fail", "Error": "Bad", "Cause": "bad item"}
    it["TP"] = {"Type": "Pass", "Parameters": {"ok.$": "$.i"}, "End": True}
    m = {"Type": "Map", "MaxConcurrency": 6, "ItemsPath": "$.items", "End": True,
         "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
                           "StartAt": "TW", "States": it}}
    m.update(setting)
    return {"StartAt": "M", "States": {"M": m}}


def tolerate_io():
    inp = {"items": [{"i": i, "bad": i % 5 == 0} for i in range(60)]}
    return inp, [{"Error": "Bad", "Cause": "bad item"} if i % 5 == 0 else {"ok": i}
                 for i in range(60)]


def nested():
    """Two branches each with a Map (MaxConcurrency 3) and a Map of Parallels."""
    branches = []
    for b in range(2):
        it = wait("NW%d" % b, "NP%d" % b)
        it["NP%d" % b] = {"Type": "Pass", "Parameters": {"b": b, "x.$": "$"}, "End": True}
        inner = [{"StartAt": "IW%d%d" % (b, k), "States": dict(
            wait("IW%d%d" % (b, k), "IP%d%d" % (b, k)),
            **{"IP%d%d" % (b, k): {"Type": "Pass", "Parameters": {"k": k, "x.$": "$"},
                                   "End": True}})} for k in range(2)]
        branches.append({"StartAt": "NM%d" % b, "States": {
            "NM%d" % b: {"Type": "Map", "MaxConcurrency": 3, "ItemsPath": "$.items",
                         "ItemProcessor": {"StartAt": "NW%d" % b, "States": it},
                         "ResultPath": "$.m", "Next": "NQ%d" % b},
            "NQ%d" % b: {"Type": "Map", "ItemsPath": "$.items", "ResultPath": "$.q",
                         "ItemProcessor": {"StartAt": "NPar%d" % b, "States": {
                             "NPar%d" % b: {"Type": "Parallel", "Branches": inner,
                                            "End": True}}},
                         "OutputPath": "$.q", "End": True}}})
    return {"StartAt": "P", "States": {"P": {
        "Type": "Parallel", "Branches": branches, "End": True}}}


def nested_io():
    items = list(range(10))
    q = [[{"k": k, "x": x} for k in range(2)] for x in items]
    return {"items": items}, [q, q]


def retry():
    """Standard: Tasks retried in branches, a Map of mocked Tasks."""
    branches = []
    for b in range(3):
        branches.append({"StartAt": "RW%d" % b, "States": dict(wait("RW%d" % b, "T%d" % b), **{
            "T%d" % b: {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:"
                        "function:f%d" % b, "Parameters": {"b": b},
                        "Retry": [{"ErrorEquals": ["Flaky"], "IntervalSeconds": 1,
                                   "MaxAttempts": 2, "BackoffRate": 1}],
                        "ResultSelector": {"r.$": "$.Payload"}, "End": True}})})
    branches.append({"StartAt": "RM", "States": {"RM": {
        "Type": "Map", "MaxConcurrency": 4, "ItemsPath": "$.items", "End": True,
        "ItemProcessor": {"StartAt": "MT", "States": {"MT": {
            "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:g",
            "ResultSelector": {"r.$": "$.Payload"}, "End": True}}}}}})
    return {"StartAt": "P", "States": {"P": {
        "Type": "Parallel", "Branches": branches, "End": True}}}


def retry_mocks():
    cases = {"T%d" % b: "Flaky%d" % b for b in range(3)}
    cases["MT"] = "Same"
    responses = {"Flaky%d" % b: {
        "0": {"Throw": {"Error": "Flaky", "Cause": "try again"}},
        "1": {"Return": {"Payload": {"branch": b}}}} for b in range(3)}
    responses["Same"] = {"0-99": {"Return": {"Payload": "ok"}}}
    return {"StateMachines": {"retry": {"TestCases": {"t": cases}}},
            "MockedResponses": responses}


def retry_io():
    out = [{"r": {"branch": b}} for b in range(3)] + [[{"r": "ok"}] * 12]
    return {"items": list(range(12))}, out


def history_types(path):
    with open(path) as f:
        events = json.load(f)["events"]
    ids = [e["id"] for e in events]
    counts = {}
    for e in events:
        counts[e["type"]] = counts.get(e["type"], 0) + 1
    return ids == list(range(1, len(events) + 1)), counts


RETRY_EVENTS = {
    "ExecutionStarted": 1, "ParallelStateEntered": 1, "ParallelStateStarted": 1,
    "WaitStateEntered": 3, "WaitStateExited": 3,
    "TaskStateEntered": 15, "LambdaFunctionScheduled": 18, "LambdaFunctionStarted": 18,
    "LambdaFunctionFailed": 3, "LambdaFunctionSucceeded": 15, "TaskStateExited": 15,
    "MapStateEntered": 1, "MapStateStarted": 1, "MapIterationStarted": 12,
    "MapIterationSucceeded": 12, "MapStateSucceeded": 1, "MapStateExited": 1,
    "ParallelStateSucceeded": 1, "ParallelStateExited": 1, "ExecutionSucceeded": 1}


# what --metrics counts (durations vary): states entered, Task calls, failures
RETRY_METRICS = dict(
    [('aslc_state_entered_total{state="%s",type="%s"}' % (s, t), n) for s, t, n in [
        ("P", "Parallel", 1), ("RW0", "Wait", 1), ("T0", "Task", 1), ("RW1", "Wait", 1),
        ("T1", "Task", 1), ("RW2", "Wait", 1), ("T2", "Task", 1), ("RM", "Map", 1),
        ("MT", "Task", 12)]] +
    [('aslc_task_%s_total{resource="arn:aws:lambda:us-east-1:123456789012:function:%s"}'
      % (k, f), n) for k, f, n in [
        ("calls", "f0", 2), ("calls", "f1", 2), ("calls", "f2", 2), ("calls", "g", 12),
        ("failures", "f0", 1), ("failures", "f1", 1), ("failures", "f2", 1),
        ("failures", "g", 0)]] + [("aslc_execution_events_total", 124)])


def metric_counts(path):
    got = {}
    with open(path) as f:
        for line in f:
            name, _, val = line.strip().rpartition(" ")
            if name.startswith(("aslc_state_entered_total", "aslc_task_calls_total",
                                "aslc_task_failures_total", "aslc_execution_events")):
                got[name] = int(val)
    return got


def main():
    aslc = sys.argv[1]
    env = dict(os.environ, TSAN_OPTIONS=TSAN)

    def execute(what, exe, inp, want, rc_want=0, args=(), max_s=60, err_want=None):
        t0 = time.monotonic()
        p = subprocess.run([exe] + list(args), input=json.dumps(inp), capture_output=True,
                           text=True, env=env, timeout=120)
        took = time.monotonic() - t0
        try:
            got = json.loads(p.stdout) if p.stdout.strip() else None
        except ValueError:
            got = None
        last = (p.stderr.strip().splitlines() or [""])[-1]
        ok = (p.returncode == rc_want and "ThreadSanitizer" not in p.stderr and
              json.dumps(got) == json.dumps(want) and took < max_s and
              (err_want is None or last == json.dumps(err_want, separators=(",", ":"))))
        check(what, ok, "exit %d in %.1f s, stdout %s\nstderr %s" % (
            p.returncode, took, p.stdout[:300], p.stderr[-6000:]))

    with tempfile.TemporaryDirectory() as work:
        def build(name, machine, backend, kind="express"):
            src = os.path.join(work, name + ".asl.json")
            with open(src, "w") as f:
                json.dump(machine, f)
            exe = os.path.join(work, "%s-%s" % (name, backend))
            p = subprocess.run([aslc, "build", src, "-o", exe, "--backend", backend,
                                "--type", kind], capture_output=True, text=True, env=env,
                               timeout=300)
            if p.returncode != 0:
                check("build %s %s" % (name, backend), False, p.stderr[-3000:])
                return None
            # TSan linked and json-c's counts wrapped (runtime/tsan.c), or
            # this test would pass with nothing checked
            syms = subprocess.run(["nm", exe], capture_output=True, text=True).stdout
            if "__tsan_init" not in syms or "aslrt_tsan_json_object_get" not in syms:
                check("build %s %s" % (name, backend), False,
                      "not linked with TSan: configure aslc with -DASLC_SANITIZE=thread")
                return None
            return exe

        mocks = os.path.join(work, "mocks.json")
        with open(mocks, "w") as f:
            json.dump(retry_mocks(), f)
        for backend in ("c", "llvm"):
            exe = build("parallel", parallel(), backend)
            if exe:
                inp, want = parallel_io()
                # six 1 s Waits in 4 s at most: the branches ran on threads
                execute("parallel " + backend, exe, inp, want, max_s=4)
                execute("parallel --clock virtual " + backend, exe, inp, want,
                        args=["--clock", "virtual"])
            exe = build("map", map200(), backend)
            if exe:
                inp, want = map200_io()
                execute("map " + backend, exe, inp, want, args=["--name", "tsan-run"])
            exe = build("cancel", cancel(), backend)
            if exe:
                inp, want = cancel_io()
                # the 30 s Waits stop at the first failure; a few times, as
                # where the stop lands among starting jobs varies
                for k in range(4):
                    execute("cancel %s #%d" % (backend, k), exe, inp, want, max_s=20)
            exe = build("tolerate", tolerate({"ToleratedFailurePercentage": 50}), backend,
                        "standard")
            if exe:
                inp, want = tolerate_io()
                execute("tolerate " + backend, exe, inp, want)
            exe = build("intolerant", tolerate({"ToleratedFailureCount": 3}), backend,
                        "standard")
            if exe:
                inp, _ = tolerate_io()
                execute("intolerant " + backend, exe, inp, None, rc_want=1, err_want={
                    "Error": "States.ExceedToleratedFailureThreshold",
                    "Cause": "The specified tolerated failure threshold was exceeded"})
            exe = build("nested", nested(), backend)
            if exe:
                inp, want = nested_io()
                execute("nested " + backend, exe, inp, want)
            exe = build("retry", retry(), backend, "standard")
            if exe:
                inp, want = retry_io()
                hist = os.path.join(work, "h-%s.json" % backend)
                db = os.path.join(work, "j-%s.db" % backend)
                prom = os.path.join(work, "m-%s.prom" % backend)
                logs = os.path.join(work, "l-%s.jsonl" % backend)
                execute("retry --store --history " + backend, exe, inp, want,
                        args=["--mock-config", mocks, "--test-case", "t",
                              "--store", db, "--name", "r1", "--history", hist,
                              "--metrics", prom, "--log-level", "ALL",
                              "--include-execution-data", "--log-file", logs, "--trace"])
                ok, counts = history_types(hist)
                check("retry history " + backend, ok and counts == RETRY_EVENTS,
                      json.dumps(counts))
                with open(logs) as f:
                    lines = [json.loads(line)["type"] for line in f]
                check("retry log lines " + backend,
                      len(lines) == sum(RETRY_EVENTS.values()) and
                      set(lines) == set(RETRY_EVENTS), "%d lines" % len(lines))
                got = metric_counts(prom)
                check("retry metrics " + backend, got == RETRY_METRICS, json.dumps(got))
                # the journal's result, read back
                execute("retry journal " + backend, exe, inp, want,
                        args=["--mock-config", mocks, "--test-case", "t",
                              "--store", db, "--name", "r1"])
    finish("tsan")


if __name__ == "__main__":
    main()
