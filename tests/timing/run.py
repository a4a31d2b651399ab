#!/usr/bin/env python3
"""Timeouts, heartbeats, the machine's TimeoutSeconds, callbacks and
activities, end to end through compiled executables.

usage: run.py ASLC [virtual|real|callbacks ...]

virtual: Task, heartbeat and machine timeouts on the virtual clock fire
exactly at their deadlines (EnteredTime - StartTime in the output), caught by
Retry/Catch as AWS does; bad TimeoutSecondsPath/HeartbeatSecondsPath values.
real: the machine's TimeoutSeconds on the real clock (seconds, bounded).
callbacks: --listen on a free port, driven by curl: SendTaskSuccess,
SendTaskFailure caught by a Catch, SendTaskHeartbeat keeping a Task alive,
TaskDoesNotExist/InvalidToken/InvalidOutput, GetActivityTask.
"""
import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from checks import check, summary  # noqa: E402

ASLC = sys.argv[1]
GROUPS = sys.argv[2:] or ["virtual", "real", "callbacks"]
HERE = os.path.dirname(os.path.abspath(__file__))
TMP = tempfile.mkdtemp(prefix="aslc-timing-")


def build(name, definition, handlers=False, backend="c", kind=None):
    src = os.path.join(TMP, name + ".asl.json")
    with open(src, "w") as f:
        json.dump(definition, f)
    exe = os.path.join(TMP, name + "-" + backend)
    cmd = [ASLC, "build", src, "-o", exe, "--backend", backend]
    if kind:
        cmd += ["--type", kind]
    if handlers:
        cmd += ["--handlers", os.path.join(HERE, "handlers.c")]
    subprocess.run(cmd, check=True)
    return exe


def run(exe, inp, *args, timeout=60):
    p = subprocess.run([exe, *args], input=json.dumps(inp), capture_output=True, text=True,
                       timeout=timeout)
    out = json.loads(p.stdout) if p.returncode == 0 else None
    err = json.loads(p.stderr.strip().splitlines()[-1]) if p.returncode == 1 else None
    return p.returncode, out, err


def ms(iso):
    t = datetime.datetime.strptime(iso, "%Y-%m-%dT%H:%M:%S.%fZ")
    return round(t.replace(tzinfo=datetime.timezone.utc).timestamp() * 1000)


def elapsed(out):
    """EnteredTime - StartTime of the state that recorded them, in ms."""
    return ms(out["entered"]) - ms(out["start"])


RECORD = {"Type": "Pass", "End": True,
          "Parameters": {"result.$": "$", "entered.$": "$$.State.EnteredTime",
                         "start.$": "$$.Execution.StartTime"}}


def mocks(machine, responses):
    path = os.path.join(TMP, machine + ".mocks.json")
    cfg = {"StateMachines": {machine: {"TestCases": {
        case: {"T": case} for case in responses}}},
        "MockedResponses": responses}
    with open(path, "w") as f:
        json.dump(cfg, f)
    return path


def virtual():
    lam = "arn:aws:lambda:us-east-1:123456789012:function:slow"
    # Task TimeoutSeconds: a mocked call taking 10 s times out at 5 s, is
    # retried after 2 s, times out again at 5 s and is caught: 12 s.
    for backend in ("c", "llvm"):
        exe = build("task_timeout", {"StartAt": "T", "States": {
            "T": {"Type": "Task", "Resource": lam, "TimeoutSeconds": 5,
                  "Retry": [{"ErrorEquals": ["States.Timeout"], "MaxAttempts": 1,
                             "IntervalSeconds": 2}],
                  "Catch": [{"ErrorEquals": ["States.TaskFailed"], "Next": "Wrong"},
                            {"ErrorEquals": ["States.Timeout"], "Next": "After"}],
                  "End": True},
            "Wrong": {"Type": "Fail", "Error": "TaskFailedMatchedTimeout"},
            "After": RECORD}}, backend=backend)
        m = mocks("task_timeout", {
            "slow": {"0-1": {"Return": {"ok": 1}, "Duration": 10}},
            "quick": {"0": {"Return": {"ok": 1}, "Duration": 4.999}},
            "edge": {"0": {"Return": {"ok": 1}, "Duration": 5}, "1": {"Return": {"ok": 2}}}})
        rc, out, err = run(exe, {}, "--clock", "virtual", "--mock-config", m, "--test-case", "slow")
        check(f"Task timeout at 5 s, retried after 2 s, caught at 12 s ({backend})",
              rc == 0 and out["result"] == {"Error": "States.Timeout", "Cause": ""}
              and elapsed(out) == 12000, (rc, out, err))
        rc, out, err = run(exe, {}, "--clock", "virtual", "--mock-config", m, "--test-case", "quick")
        check(f"a Task done 1 ms before its deadline succeeds ({backend})",
              rc == 0 and out == {"ok": 1}, (rc, out, err))
        rc, out, err = run(exe, {}, "--clock", "virtual", "--mock-config", m, "--test-case", "edge")
        check(f"a Task done at its deadline has timed out; the retry gets the next response ({backend})",
              rc == 0 and out == {"ok": 2}, (rc, out, err))

    # TimeoutSecondsPath and the JSONata form
    exe = build("timeout_path", {"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": lam, "TimeoutSecondsPath": "$.t",
              "Catch": [{"ErrorEquals": ["States.Timeout"], "Next": "After"}], "End": True},
        "After": RECORD}})
    m = mocks("timeout_path", {"slow": {"0": {"Return": {"ok": 1}, "Duration": 10}}})
    rc, out, err = run(exe, {"t": 3}, "--clock", "virtual", "--mock-config", m, "--test-case", "slow")
    check("TimeoutSecondsPath 3 fires at 3 s", rc == 0 and elapsed(out) == 3000, (rc, out, err))
    prefix = "An error occurred while executing the state 'T' (entered at the event id #2). "
    for value, cause in [
            (0, "The TimeoutSecondsPath parameter references a non-positive value: $.t == 0"),
            (-4, "The TimeoutSecondsPath parameter references a non-positive value: $.t == -4"),
            (1.5, "The TimeoutSecondsPath parameter cannot be parsed as a long value: $.t == 1.5"),
            ("9", "The TimeoutSecondsPath parameter cannot be parsed as a long value: $.t == \"9\""),
            (100000000, "The TimeoutSecondsPath parameter references a value greater than "
                        "99999999: $.t == 100000000")]:
        rc, out, err = run(exe, {"t": value}, "--clock", "virtual", "--mock-config", m,
                           "--test-case", "slow")
        check(f"TimeoutSecondsPath {json.dumps(value)} is States.Runtime",
              rc == 1 and err == {"Error": "States.Runtime", "Cause": prefix + cause}, (rc, err))
    rc, out, err = run(exe, {}, "--clock", "virtual", "--mock-config", m, "--test-case", "slow")
    check("a missing TimeoutSecondsPath is States.Runtime",
          rc == 1 and err == {"Error": "States.Runtime", "Cause": prefix +
                              "Invalid path '$.t' : No results for path: $['t']"}, (rc, err))

    exe = build("timeout_jsonata", {"QueryLanguage": "JSONata", "StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": lam, "TimeoutSeconds": "{% $states.input.t * 2 %}",
              "Catch": [{"ErrorEquals": ["States.Timeout"], "Next": "After",
                         "Output": {"result": "{% $states.errorOutput %}",
                                    "entered": "{% $states.context.State.EnteredTime %}",
                                    "start": "{% $states.context.Execution.StartTime %}"}}],
              "End": True},
        "After": {"Type": "Pass", "End": True,
                  "Output": {"result": "{% $states.input.result %}", "start": "{% $states.input.start %}",
                             "entered": "{% $states.context.State.EnteredTime %}"}}}})
    m = mocks("timeout_jsonata", {"slow": {"0": {"Return": {"ok": 1}, "Duration": 10}}})
    rc, out, err = run(exe, {"t": 2}, "--clock", "virtual", "--mock-config", m, "--test-case", "slow")
    check("JSONata TimeoutSeconds {% $states.input.t * 2 %} fires at 4 s",
          rc == 0 and elapsed(out) == 4000, (rc, out, err))
    rc, out, err = run(exe, {"t": "x"}, "--clock", "virtual", "--mock-config", m, "--test-case", "slow")
    check("a JSONata TimeoutSeconds that fails is States.QueryEvaluationError",
          rc == 1 and err["Error"] == "States.QueryEvaluationError", (rc, err))
    rc, out, err = run(exe, {"t": 0}, "--clock", "virtual", "--mock-config", m, "--test-case", "slow")
    check("a JSONata TimeoutSeconds of 0 is States.QueryEvaluationError",
          rc == 1 and err == {"Error": "States.QueryEvaluationError", "Cause": prefix +
                              "The TimeoutSeconds field must be a positive integer no greater "
                              "than 99999999: 0"}, (rc, err))

    # Heartbeats: a callback Task that hears nothing (no --listen) misses its
    # heartbeat at 7 s; retried 3 s later, missed again: caught at 17 s.
    exe = build("heartbeat", {"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
              "HeartbeatSecondsPath": "$.hb", "TimeoutSeconds": 100,
              "Parameters": {"QueueUrl": "q", "MessageBody": {"TaskToken.$": "$$.Task.Token"}},
              "Retry": [{"ErrorEquals": ["States.HeartbeatTimeout"], "MaxAttempts": 1,
                         "IntervalSeconds": 3}],
              "Catch": [{"ErrorEquals": ["States.HeartbeatTimeout"], "Next": "After"}],
              "End": True},
        "After": RECORD}}, handlers=True)
    env = dict(os.environ, TOKEN_FILE=os.path.join(TMP, "hb.token"))
    os.environ.update(env)
    rc, out, err = run(exe, {"hb": 7}, "--clock", "virtual")
    check("heartbeat missed at 7 s, retried after 3 s, caught at 17 s",
          rc == 0 and out["result"] == {"Error": "States.Timeout", "Cause": ""}
          and elapsed(out) == 17000, (rc, out, err))
    rc, out, err = run(exe, {"hb": 700}, "--clock", "virtual")
    check("a heartbeat longer than the Task's timeout: the timeout (100 s) fires, not caught "
          "as a heartbeat", rc == 1 and err == {"Error": "States.Timeout", "Cause": ""}, (rc, err))

    # The machine's TimeoutSeconds: a 10 s Wait in a Parallel branch ends at
    # 5 s and nothing catches the timeout; a Task's deadline is the machine's.
    exe = build("machine_timeout", {"TimeoutSeconds": 5, "StartAt": "P", "States": {
        "P": {"Type": "Parallel", "Branches": [
            {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 10, "End": True}}},
            {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": lam, "End": True,
                                              "Catch": [{"ErrorEquals": ["States.ALL"],
                                                         "Next": "Inner"}]},
                                        "Inner": {"Type": "Pass", "End": True}}}],
              "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}], "End": True},
        "Caught": {"Type": "Pass", "End": True}}})
    m = mocks("machine_timeout", {"slow": {"0": {"Return": {"ok": 1}, "Duration": 60}}})
    start = time.monotonic()
    rc, out, err = run(exe, {}, "--clock", "virtual", "--mock-config", m, "--test-case", "slow")
    check("machine TimeoutSeconds: States.Timeout, neither caught nor waited for in real time",
          rc == 1 and err == {"Error": "States.Timeout", "Cause":
                              "The execution ran past the state machine's TimeoutSeconds (5)"}
          and time.monotonic() - start < 2, (rc, err))
    # ... and a Wait that ends before the deadline lets the execution finish
    exe = build("machine_in_time", {"TimeoutSeconds": 5, "StartAt": "W", "States": {
        "W": {"Type": "Wait", "Seconds": 4, "Next": "R"}, "R": RECORD}})
    rc, out, err = run(exe, {}, "--clock", "virtual")
    check("machine TimeoutSeconds 5: a 4 s Wait finishes in time",
          rc == 0 and elapsed(out) == 4000, (rc, out, err))


def real():
    # Concurrent Map iterations of one mocked state: each call waits for the
    # Duration of the response it gets (calls 0-3: 2 s, past the 1 s
    # timeout; calls 4-7: none), whichever iteration gets which.
    lam = "arn:aws:lambda:us-east-1:123456789012:function:slow"
    exe = build("map_mock", {"StartAt": "Each", "States": {"Each": {
        "Type": "Map", "MaxConcurrency": 0, "End": True,
        "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "T", "States": {
            "T": {"Type": "Task", "Resource": lam, "TimeoutSeconds": 1, "End": True,
                  "Catch": [{"ErrorEquals": ["States.Timeout"], "Next": "Late"}]},
            "Late": {"Type": "Pass", "Result": "late", "End": True}}}}}})
    m = mocks("map_mock", {"mixed": {"0-3": {"Return": "slow", "Duration": 2},
                                     "4-7": {"Return": "quick"}}})
    rc, out, err = run(exe, list(range(8)), "--mock-config", m, "--test-case", "mixed",
                       timeout=30)
    check("real clock: concurrent calls of a mocked state each wait their own response's "
          "Duration", rc == 0 and sorted(out) == ["late"] * 4 + ["quick"] * 4, (rc, out, err))

    exe = build("machine_real", {"TimeoutSeconds": 2, "StartAt": "W", "States": {
        "W": {"Type": "Wait", "Seconds": 30, "End": True}}})
    start = time.monotonic()
    rc, out, err = run(exe, {}, timeout=20)
    took = time.monotonic() - start
    check("real clock: a 30 s Wait ends at the 2 s machine timeout",
          rc == 1 and err["Error"] == "States.Timeout" and 1.9 <= took < 4, (rc, err, took))
    # An endless loop of plain states (no Retry, Resource or timeout) that
    # nothing records: their entries read only the coarse clock, the precise
    # one near the deadline (exec.c, aslrt_op_enter_plain).  Alone, and in
    # Parallel branches; the execution still ends at 1 s.
    def loop(n=""):
        return {"StartAt": "Step" + n, "States": {
            "Step" + n: {"Type": "Pass", "Parameters": {"i.$": "States.MathAdd($.i, 1)"},
                         "Next": "Loop" + n},
            "Loop" + n: {"Type": "Choice", "Default": "Step" + n, "Choices": [
                {"Variable": "$.i", "NumericLessThan": 0, "Next": "Done" + n}]},
            "Done" + n: {"Type": "Succeed"}}}
    par = {"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": True,
                                            "Branches": [loop("1"), loop("2")]}}}
    for name, d in (("loop", loop()), ("loop_parallel", par)):
        for backend in ("c", "llvm"):
            exe = build(name, {"TimeoutSeconds": 1, **d}, backend=backend, kind="express")
            start = time.monotonic()
            rc, out, err = run(exe, {"i": 0}, timeout=20)
            took = time.monotonic() - start
            check(f"real clock: an endless loop of plain states ({name}, {backend}) ends at "
                  "the 1 s machine timeout",
                  rc == 1 and err == {"Error": "States.Timeout", "Cause": "The execution ran "
                                      "past the state machine's TimeoutSeconds (1)"} and 0.95 <= took < 3,
                  (rc, err, took))
    # an in-process handler cannot be interrupted: its late result is dropped
    exe = build("handler_real", {"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:sleepy",
              "TimeoutSeconds": 1,
              "Catch": [{"ErrorEquals": ["States.Timeout"], "Next": "Late"}], "End": True},
        "Late": {"Type": "Pass", "End": True}}}, handlers=True)
    rc, out, err = run(exe, {"ms": 1300}, timeout=20)
    check("real clock: a handler taking 1.3 s past TimeoutSeconds 1 is States.Timeout",
          rc == 0 and out == {"Error": "States.Timeout", "Cause": ""}, (rc, out, err))
    rc, out, err = run(exe, {"ms": 100}, timeout=20)
    check("real clock: a handler taking 0.1 s is in time", rc == 0 and out == "woke", (rc, out, err))

    # A branch that fails stops its sibling in a 30 s Wait (AWS aborts it):
    # the Parallel fails with the failure's error a second in.
    exe = build("abort_real", {"StartAt": "P", "States": {"P": {
        "Type": "Parallel", "End": True, "Branches": [
            {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 1, "Next": "F"},
                                        "F": {"Type": "Fail", "Error": "Oops"}}},
            {"StartAt": "Nap", "States": {"Nap": {"Type": "Wait", "Seconds": 30,
                                                  "End": True}}}]}}})
    hist = os.path.join(TMP, "abort_real.json")
    start = time.monotonic()
    rc, out, err = run(exe, {}, "--history", hist, timeout=20)
    took = time.monotonic() - start
    with open(hist) as f:
        types = [e["type"] for e in json.load(f)["events"]]
    check("real clock: a failed branch stops its sibling's 30 s Wait, which is aborted",
          rc == 1 and err["Error"] == "Oops" and 0.9 <= took < 5 and
          "WaitStateAborted" in types and types[-2:] == ["ParallelStateFailed",
                                                         "ExecutionFailed"], (rc, err, took, types))


def curl(port, op, body):
    p = subprocess.run(["curl", "-s", "-w", "\n%{http_code}", "-X", "POST",
                        f"http://127.0.0.1:{port}/",
                        "-H", f"X-Amz-Target: AWSStepFunctions.{op}",
                        "-H", "Content-Type: application/x-amz-json-1.0",
                        "--data-binary", json.dumps(body)],
                       capture_output=True, text=True, timeout=90)
    text, _, code = p.stdout.rpartition("\n")
    return int(code), json.loads(text) if text else None


def start_listening(exe, inp, *args):
    err = open(os.path.join(TMP, "listen.err"), "w+")
    p = subprocess.Popen([exe, "--listen", "127.0.0.1:0", *args], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=err, text=True)
    p.stdin.write(json.dumps(inp))
    p.stdin.close()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        err.seek(0)
        for line in err.read().splitlines():
            if line.startswith("listening on 127.0.0.1:"):
                return p, int(line.rsplit(":", 1)[1]), err
        time.sleep(0.05)
    p.kill()
    raise RuntimeError("the executable did not say where it listens")


def wait_token(path, old=None):
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with open(path) as f:
                t = f.read().strip()
            if t and t != old:
                return t
        except FileNotFoundError:
            pass
        time.sleep(0.05)
    raise RuntimeError("no task token written")


def finish(p, err):
    out = p.stdout.read()
    rc = p.wait(timeout=30)
    err.seek(0)
    lines = err.read().strip().splitlines()
    return rc, json.loads(out) if rc == 0 else None, json.loads(lines[-1]) if rc == 1 else None


def callbacks():
    token_file = os.path.join(TMP, "cb.token")
    os.environ["TOKEN_FILE"] = token_file
    send = {"QueueUrl": "q", "MessageBody": {"TaskToken.$": "$$.Task.Token"}}
    exe = build("callbacks", {"StartAt": "First", "States": {
        "First": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                  "Parameters": send, "HeartbeatSeconds": 3, "TimeoutSeconds": 60,
                  "ResultPath": "$.first", "Next": "Second"},
        "Second": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                   "Parameters": send, "TimeoutSeconds": 60, "ResultPath": "$.second",
                   "Catch": [{"ErrorEquals": ["Boom"], "ResultPath": "$.caught", "Next": "Done"}],
                   "End": True},
        "Done": {"Type": "Pass", "End": True}}}, handlers=True)
    hist = os.path.join(TMP, "callbacks.history.json")
    p, port, err = start_listening(exe, {"in": 1}, "--history", hist)
    try:
        first = wait_token(token_file)
        code, body = curl(port, "SendTaskSuccess", {"taskToken": "0" * 32 + "-0-0", "output": "{}"})
        check("an unknown token: HTTP 400 TaskDoesNotExist",
              code == 400 and body["__type"].endswith("#TaskDoesNotExist"), (code, body))
        code, body = curl(port, "SendTaskSuccess", {"taskToken": "not-a-token", "output": "{}"})
        check("a malformed token: HTTP 400 InvalidToken",
              code == 400 and body["__type"].endswith("#InvalidToken"), (code, body))
        code, body = curl(port, "SendTaskSuccess", {"taskToken": first, "output": "{nope"})
        check("output that is not JSON: HTTP 400 InvalidOutput",
              code == 400 and body["__type"].endswith("#InvalidOutput"), (code, body))
        beats = []
        for _ in range(5):  # 5 s of heartbeats every second keep a 3 s heartbeat alive
            time.sleep(1)
            beats.append(curl(port, "SendTaskHeartbeat", {"taskToken": first}))
        check("SendTaskHeartbeat answers {}", all(b == (200, {}) for b in beats), beats)
        code, body = curl(port, "SendTaskSuccess",
                          {"taskToken": first, "output": json.dumps({"a": [1, 2]})})
        check("SendTaskSuccess answers {}", (code, body) == (200, {}), (code, body))
        second = wait_token(token_file, first)
        code, body = curl(port, "SendTaskSuccess", {"taskToken": first, "output": "{}"})
        check("a used token: HTTP 400 TaskDoesNotExist",
              code == 400 and body["__type"].endswith("#TaskDoesNotExist"), (code, body))
        code, body = curl(port, "SendTaskFailure",
                          {"taskToken": second, "error": "Boom", "cause": "it broke"})
        check("SendTaskFailure answers {}", (code, body) == (200, {}), (code, body))
    finally:
        rc, out, errline = finish(p, err)
    check("the heartbeat kept the first Task alive; the failure was caught",
          rc == 0 and out == {"in": 1, "first": {"a": [1, 2]},
                              "caught": {"Error": "Boom", "Cause": "it broke"}}, (rc, out, errline))
    # TaskSubmitted as the message was sent (5 s before the answer), with the
    # sender's response, as AWS records it; then TaskSucceeded / TaskFailed
    with open(hist) as f:
        events = json.load(f)["events"]
    subs = [(e, events[e["id"]]) for e in events if e["type"] == "TaskSubmitted"]
    check("TaskSubmitted: the response to the send, recorded as it was sent",
          [(json.loads(e["taskSubmittedEventDetails"]["output"]), e["previousEventId"],
            n["type"]) for e, n in subs] == [({"MessageId": first}, 4, "TaskSucceeded"),
                                             ({"MessageId": second}, 10, "TaskFailed")] and
          subs[0][1]["timestamp"] - subs[0][0]["timestamp"] >= 4.5,
          [(e, n["type"], n["timestamp"]) for e, n in subs])

    # A missed heartbeat on the real clock with a listener: caught after 1 s;
    # a late answer then gets TaskTimedOut.
    exe = build("callback_heartbeat", {"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
              "Parameters": send, "HeartbeatSeconds": 1, "TimeoutSeconds": 60,
              "Catch": [{"ErrorEquals": ["States.Timeout"], "Next": "Late"}], "End": True},
        "Late": {"Type": "Wait", "Seconds": 2, "End": True}}}, handlers=True)
    os.unlink(token_file)
    start = time.monotonic()
    p, port, err = start_listening(exe, {})
    try:
        token = wait_token(token_file)
        time.sleep(1.5)
        code, body = curl(port, "SendTaskSuccess", {"taskToken": token, "output": "{}"})
        check("an answer after the missed heartbeat: HTTP 400 TaskTimedOut",
              code == 400 and body["__type"].endswith("#TaskTimedOut"), (code, body))
    finally:
        rc, out, errline = finish(p, err)
    check("a missed heartbeat (1 s) is caught as States.Timeout",
          rc == 0 and out == {"Error": "States.Timeout", "Cause": ""}
          and time.monotonic() - start < 8, (rc, out, errline))

    # The virtual clock with a listener follows real time while a Task waits,
    # and the missed heartbeat still fires exactly at its virtual deadline.
    exe = build("callback_virtual", {"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
              "Parameters": send, "HeartbeatSeconds": 1, "TimeoutSeconds": 60,
              "Catch": [{"ErrorEquals": ["States.HeartbeatTimeout"], "Next": "After"}],
              "End": True},
        "After": RECORD}}, handlers=True)
    p, port, err = start_listening(exe, {}, "--clock", "virtual")
    rc, out, errline = finish(p, err)
    check("virtual clock with --listen: the missed heartbeat fires at exactly 1 s",
          rc == 0 and elapsed(out) == 1000, (rc, out, errline))

    for bad in ["localhost", "127.0.0.1:99999", "example.com:80", ":80"]:
        p = subprocess.run([exe, "--listen", bad], input="{}", capture_output=True, text=True,
                           timeout=10)
        check(f"--listen {bad} is a usage error naming it",
              p.returncode == 2 and f"not '{bad}'" in p.stderr, (p.returncode, p.stderr))

    # 20 concurrent Map iterations wait for callbacks; a Command binding
    # writes each token to a file; the answers (a heartbeat, then success)
    # come concurrently; then each token again, used: TaskDoesNotExist.
    tokdir = os.path.join(TMP, "tokens")
    os.mkdir(tokdir)
    bfile = os.path.join(TMP, "map_bindings.json")
    with open(bfile, "w") as f:
        json.dump({"Bindings": {"arn:aws:states:::sqs:sendMessage.waitForTaskToken": {"Command": [
            "python3", "-c",
            "import json,os,sys; m=json.load(sys.stdin)['MessageBody']; "
            "open(os.path.join(sys.argv[1], m['TaskToken']), 'w').write(json.dumps(m['n']))",
            tokdir]}}}, f)
    exe = build("callback_map", {"StartAt": "Each", "States": {"Each": {
        "Type": "Map", "MaxConcurrency": 0, "ItemsPath": "$.items", "Next": "Hold",
        "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "T", "States": {
            "T": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                  "Parameters": {"QueueUrl": "q", "MessageBody": {
                      "TaskToken.$": "$$.Task.Token", "n.$": "$"}},
                  "TimeoutSeconds": 60, "End": True}}}},
        "Hold": {"Type": "Wait", "Seconds": 3, "End": True}}})
    p, port, err = start_listening(exe, {"items": list(range(20))}, "--bindings", bfile)
    answers = []
    try:
        deadline = time.monotonic() + 30
        while len(os.listdir(tokdir)) < 20 and time.monotonic() < deadline:
            time.sleep(0.05)
        toks = {}
        for t in os.listdir(tokdir):
            with open(os.path.join(tokdir, t)) as f:
                toks[t] = json.load(f)

        def answer(t, n, out):
            out.append(curl(port, "SendTaskHeartbeat", {"taskToken": t}))
            out.append(curl(port, "SendTaskSuccess",
                            {"taskToken": t, "output": json.dumps(n * 10)}))

        def all_at_once(out):
            threads = [threading.Thread(target=answer, args=(t, n, out))
                       for t, n in toks.items()]
            for th in threads:
                th.start()
            for th in threads:
                th.join()
        all_at_once(answers)
        again = []
        all_at_once(again)
    finally:
        rc, out, errline = finish(p, err)
    check("20 concurrent callbacks in a Map: 20 tokens, each answered",
          len(toks) == 20 and answers == [(200, {})] * 40, (len(toks), answers))
    check("20 concurrent callbacks in a Map: a used token does not exist",
          len(again) == 40 and all(a[0] == 400 and a[1]["__type"].endswith("#TaskDoesNotExist")
                                   for a in again), again)
    check("20 concurrent callbacks in a Map: the results in order",
          rc == 0 and out == [n * 10 for n in range(20)], (rc, out, errline))

    # Activities: a worker polls GetActivityTask, then answers.
    arn = "arn:aws:states:us-east-1:123456789012:activity:greet"
    exe = build("activity", {"StartAt": "A", "States": {
        "A": {"Type": "Task", "Resource": arn, "TimeoutSeconds": 30, "End": True}}})
    hist = os.path.join(TMP, "activity.history.json")
    p, port, err = start_listening(exe, {"who": "world"}, "--history", hist, "--trace")
    try:
        code, body = curl(port, "GetActivityTask", {"activityArn": arn + "x"})
        check("GetActivityTask for an activity no state runs: HTTP 400 ActivityDoesNotExist",
              code == 400 and body["__type"].endswith("#ActivityDoesNotExist"), (code, body))
        code, body = curl(port, "GetActivityTask", {"activityArn": arn, "workerName": 7})
        check("GetActivityTask with a workerName not a string: SerializationException",
              code == 400 and body["__type"].endswith("#SerializationException"), (code, body))
        code, body = curl(port, "GetActivityTask", {"activityArn": arn, "workerName": "w" * 257})
        check("GetActivityTask with a workerName of 257 characters: ValidationException",
              code == 400 and body["__type"].endswith("#ValidationException"), (code, body))
        # 256 characters, 512 bytes in UTF-8: AWS counts characters
        code, body = curl(port, "GetActivityTask",
                          {"activityArn": arn + "x", "workerName": "\u00e9" * 256})
        check("GetActivityTask with a workerName of 256 characters (512 bytes) is valid",
              code == 400 and body["__type"].endswith("#ActivityDoesNotExist"), (code, body))
        code, task = curl(port, "GetActivityTask", {"activityArn": arn, "workerName": "w1"})
        check("GetActivityTask hands out the token and the input",
              code == 200 and json.loads(task["input"]) == {"who": "world"}, (code, task))
        code, body = curl(port, "SendTaskSuccess",
                          {"taskToken": task["taskToken"], "output": "\"hello world\""})
        check("the worker's SendTaskSuccess answers {}", (code, body) == (200, {}), (code, body))
    finally:
        rc, out, errline = finish(p, err)
    check("the activity's output is the Task's result", rc == 0 and out == "hello world",
          (rc, out, errline))
    err.seek(0)
    traced = [line.split(" ", 2)[2] for line in err.read().splitlines() if " #4 " in line]
    check("--trace names the worker that took the activity",
          traced == ["ActivityStarted A attempt 1 by w1"], traced)
    # AWS records ActivityStarted when a worker takes the task, with its workerName
    with open(hist) as f:
        events = json.load(f)["events"]
    check("the history: ActivityStarted when the worker took it, with its workerName",
          [(e["id"], e["previousEventId"], e["type"]) for e in events] == [
              (1, 0, "ExecutionStarted"), (2, 0, "TaskStateEntered"), (3, 2, "ActivityScheduled"),
              (4, 3, "ActivityStarted"), (5, 4, "ActivitySucceeded"), (6, 5, "TaskStateExited"),
              (7, 6, "ExecutionSucceeded")] and
          events[3]["activityStartedEventDetails"] == {"workerName": "w1"},
          [(e["type"], e.get("activityStartedEventDetails")) for e in events])

    # No worker takes it: the Task times out with no ActivityStarted.
    exe = build("activity_untaken", {"StartAt": "A", "States": {
        "A": {"Type": "Task", "Resource": arn, "TimeoutSeconds": 1, "End": True}}})
    p, port, err = start_listening(exe, {}, "--history", hist)
    rc, out, errline = finish(p, err)
    with open(hist) as f:
        types = [e["type"] for e in json.load(f)["events"]]
    check("an activity no worker takes times out, never started",
          rc == 1 and errline["Error"] == "States.Timeout" and types == [
              "ExecutionStarted", "TaskStateEntered", "ActivityScheduled", "ActivityTimedOut",
              "ExecutionFailed"], (rc, errline, types))

    # Taken, then the process is killed: resumed, the worker is lost (its
    # ActivityStarted replayed from the journal, workerName and all).
    exe = build("activity_lost", {"StartAt": "A", "States": {
        "A": {"Type": "Task", "Resource": arn, "TimeoutSeconds": 30, "End": True}}})
    db = os.path.join(TMP, "activity.db")
    p, port, err = start_listening(exe, {}, "--store", db, "--name", "n1")
    try:
        code, task = curl(port, "GetActivityTask", {"activityArn": arn, "workerName": "w2"})
        deadline = time.monotonic() + 20  # until its ActivityStarted is journaled
        while time.monotonic() < deadline and "ActivityStarted" not in subprocess.run(
                [exe, "--store", db, "--history", "n1"], capture_output=True, text=True,
                timeout=60).stdout:
            time.sleep(0.1)
    finally:
        p.kill()
        p.wait()
        err.close()
    r = subprocess.run([exe, "--store", db, "--resume", "n1", "--listen", "127.0.0.1:0"],
                       capture_output=True, text=True, timeout=60)
    h = subprocess.run([exe, "--store", db, "--history", "n1"], capture_output=True, text=True,
                       timeout=60)
    events = json.loads(h.stdout)["events"] if h.returncode == 0 else []
    check("a resumed activity's worker is lost; its ActivityStarted stays in the history",
          r.returncode == 1 and [e["type"] for e in events] == [
              "ExecutionStarted", "TaskStateEntered", "ActivityScheduled", "ActivityStarted",
              "ActivityTimedOut", "ExecutionFailed"] and
          events[3]["activityStartedEventDetails"] == {"workerName": "w2"},
          (code, r.returncode, r.stderr[-300:], h.stdout[-600:]))

    # A callback Task's message was sent, then the process was killed: resumed,
    # the callback is lost; its TaskSubmitted (the send's answer) stays.
    bfile = os.path.join(TMP, "send_bindings.json")
    with open(bfile, "w") as f:
        json.dump({"Bindings": {"arn:aws:states:::sqs:sendMessage.waitForTaskToken": {
            "Command": ["echo", "{\"MessageId\": \"m1\"}"]}}}, f)
    exe = build("callback_lost", {"StartAt": "T", "States": {"T": {
        "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "Parameters": {"QueueUrl": "q", "MessageBody": {"T.$": "$$.Task.Token"}},
        "TimeoutSeconds": 30, "End": True}}})
    db = os.path.join(TMP, "callback.db")
    p, port, err = start_listening(exe, {}, "--store", db, "--name", "n1", "--bindings", bfile)
    try:
        deadline = time.monotonic() + 20  # until its TaskSubmitted is journaled
        while time.monotonic() < deadline and "TaskSubmitted" not in subprocess.run(
                [exe, "--store", db, "--history", "n1"], capture_output=True, text=True,
                timeout=60).stdout:
            time.sleep(0.1)
    finally:
        p.kill()
        p.wait()
        err.close()
    r = subprocess.run([exe, "--store", db, "--resume", "n1", "--listen", "127.0.0.1:0",
                        "--bindings", bfile], capture_output=True, text=True, timeout=60)
    h = subprocess.run([exe, "--store", db, "--history", "n1"], capture_output=True, text=True,
                       timeout=60)
    events = json.loads(h.stdout)["events"] if h.returncode == 0 else []
    check("a resumed callback's TaskSubmitted stays in the history, with its output",
          r.returncode == 1 and [e["type"] for e in events] == [
              "ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted",
              "TaskSubmitted", "TaskTimedOut", "ExecutionFailed"] and
          json.loads(events[4]["taskSubmittedEventDetails"]["output"]) == {"MessageId": "m1"},
          (r.returncode, r.stderr[-300:], h.stdout[-600:]))


try:
    for g in GROUPS:
        globals()[g]()
finally:
    shutil.rmtree(TMP, ignore_errors=True)
sys.exit(summary())
