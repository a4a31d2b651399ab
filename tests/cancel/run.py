#!/usr/bin/env python3
"""A branch's failure interrupts what its siblings have in flight, on the
real clock, through both backends.

usage: run.py ASLC [--static]

Each machine is a Parallel or Map whose failing branch (worker.py, errorType
Boom) fails 0.2 s after its siblings' Tasks are in flight, while those would
take 30 s or more: subprocesses (their pids in files), a Retry interval, a
Wait, a nested Map, HTTP bindings, the HTTP Task and an AWS call against a
slow local server, a .waitForTaskToken and an activity Task waiting with
--listen; with --store, a stopped attempt replays as stopped.  Every run must end within LIMIT seconds with Boom, the sleeping
subprocesses killed and reaped (checked by a later state while the
executable runs) with no file descriptor left behind, and the history must
record the stopped states as aborted.  --static also builds static
executables (their own HTTP client, runtime/builtin_curl.c; under
ASLC_SANITIZED=1, dynamic ones linking it as tests/ship.sh does).
"""
import http.server
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from checks import check, finish  # noqa: E402

ASLC = sys.argv[1]
SANITIZED = os.environ.get("ASLC_SANITIZED") == "1"
# a sanitized build links the sanitizer runtimes: the built-in client needs lld then
STATIC = "--static" in sys.argv[2:] and (not SANITIZED or shutil.which("ld.lld"))
HERE = os.path.dirname(os.path.abspath(__file__))
WORKER = ["python3", os.path.join(HERE, "worker.py")]
TMP = tempfile.mkdtemp(prefix="aslc-cancel-")
LIMIT = 5.0
FAIL = "arn:aws:states:::sns:publish"
SLEEP = "arn:aws:states:::sqs:sendMessage"
CHECK = "arn:aws:states:::dynamodb:putItem"
FLAKY = "arn:aws:states:::events:putEvents"
BOOM = {"Error": "Boom", "Cause": "branch A failed"}


def task(resource, params, **kw):
    return {"Type": "Task", "Resource": resource, "Parameters": params, **kw}


def build(name, definition, backend, static=False):
    src = os.path.join(TMP, name + ".asl.json")
    with open(src, "w") as f:
        json.dump(definition, f)
    exe = os.path.join(TMP, f"{name}-{backend}{'-static' if static else ''}")
    cmd = [ASLC, "build", src, "-o", exe, "--backend", backend]
    env = None
    if static and SANITIZED:
        # the built-in client linked as --static links it (tests/ship.sh)
        env = dict(os.environ, LDFLAGS="-Wl,--undefined=aslrt_builtin_libs -l:libmbedtls.a "
                   "-l:libmbedx509.a -l:libmbedcrypto.a")
    elif static:
        cmd.append("--static")
    subprocess.run(cmd, check=True, env=env)
    return exe


def bindings(name, b):
    path = os.path.join(TMP, name + ".bindings.json")
    with open(path, "w") as f:
        json.dump({"Bindings": b}, f)
    return path


WORK = {FAIL: {"Command": WORKER}, SLEEP: {"Command": WORKER}, CHECK: {"Command": WORKER},
        FLAKY: {"Command": ["false"]}}


def run(exe, inp, *args, env=None):
    """(exit status, output or None, stderr's last line as JSON or None, seconds);
    stderr is shown unless the status is 0, 1 with an error or 3 (parked)."""
    t0 = time.monotonic()
    try:
        p = subprocess.run([exe, *args], input=json.dumps(inp), capture_output=True,
                           text=True, timeout=60, env=env)
    except subprocess.TimeoutExpired:
        return None, None, "did not end within 60 s", 60.0
    secs = time.monotonic() - t0
    out = json.loads(p.stdout) if p.returncode == 0 else None
    lines = p.stderr.strip().splitlines() or [""]
    try:
        err = json.loads(lines[-1]) if p.returncode == 1 else None
    except ValueError:
        err = None
    if p.returncode not in (0, 1, 3) or (p.returncode == 1 and err is None):
        print(" ".join([exe, *args]))
        print(p.stderr)
    return p.returncode, out, err, secs


def types(history):
    counts = {}
    if not os.path.exists(history):
        return counts
    for e in json.load(open(history))["events"]:
        counts[e["type"]] = counts.get(e["type"], 0) + 1
    return counts


def alive(pidfiles):
    """The pids of the files still running (the executable has exited: a
    zombie of it would have been reaped by init)."""
    pids = []
    for f in pidfiles:
        pid = int(open(f).read())
        try:
            os.kill(pid, 0)
            pids.append(pid)
        except ProcessLookupError:
            pass
    return pids


# --- a Parallel: a subprocess, a Retry interval, a Wait and a nested Map ---

PARALLEL = {
    "StartAt": "Fds0",
    "States": {
        "Fds0": task(CHECK, {"do": "fds"}, ResultPath="$.fds0", Next="All"),
        "All": {
            "Type": "Parallel", "ResultPath": None, "Next": "Fds1",
            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Gone"}],
            "Branches": [
                {"StartAt": "Fail", "States": {"Fail": task(
                    FAIL, {"do": "fail", "after": 0.2, "waitfor.$": "$.pidfiles"}, End=True)}},
                {"StartAt": "Sleep", "States": {"Sleep": task(
                    SLEEP, {"do": "sleep", "pidfile.$": "$.pidfiles[0]"}, End=True)}},
                {"StartAt": "Flaky", "States": {"Flaky": {
                    "Type": "Task", "Resource": FLAKY, "End": True,
                    "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 30}]}}},
                {"StartAt": "Nap", "States": {"Nap": {"Type": "Wait", "Seconds": 30,
                                                      "End": True}}},
                {"StartAt": "Each", "States": {"Each": {
                    "Type": "Map", "ItemsPath": "$.nested", "End": True,
                    "ItemProcessor": {"StartAt": "Doze", "States": {"Doze": task(
                        SLEEP, {"do": "sleep", "pidfile.$": "$"}, End=True)}}}}},
            ],
        },
        "Gone": task(CHECK, {"do": "gone", "pidfiles.$": "$.pidfiles"}, ResultPath="$.gone",
                     Next="Fds1"),
        "Fds1": task(CHECK, {"do": "fds"}, ResultPath="$.fds1", End=True),
    },
}


def test_parallel(backend):
    exe = build("parallel", PARALLEL, backend)
    pidfiles = [os.path.join(TMP, f"par-{backend}-{i}.pid") for i in range(3)]
    hist = os.path.join(TMP, f"par-{backend}.history.json")
    inp = {"pidfiles": pidfiles, "nested": pidfiles[1:]}
    rc, out, err, secs = run(exe, inp, "--bindings",
                             bindings("parallel", WORK), "--history", hist)
    name = f"Parallel: sibling subprocess, Retry interval, Wait, nested Map ({backend})"
    check(f"{name} stop in {secs:.2f} s < {LIMIT} s", rc == 0 and secs < LIMIT, f"rc {rc} {err}")
    if rc != 0:
        return
    check(f"{name}: the failure's error is the Parallel's", out["error"] == BOOM, out["error"])
    check(f"{name}: the children were killed and reaped before the next state",
          out["gone"] == {"alive": []}, out["gone"])
    check(f"{name}: no file descriptor left open", out["fds0"] == out["fds1"],
          f"{out['fds0']} before, {out['fds1']} after")
    t = types(hist)
    # Sleep, Flaky (in its Retry interval), the two Doze iterations, and
    # Fail (AWS records the Task a branch failed in as aborted); Nap; Each
    want = {"TaskStateAborted": 5, "WaitStateAborted": 1, "MapIterationAborted": 2,
            "MapStateAborted": 1, "ParallelStateFailed": 1, "TaskFailed": 2,
            "TaskSucceeded": 3, "ExecutionSucceeded": 1}
    got = {k: t.get(k, 0) for k in want}
    check(f"{name}: the history records the stopped states as aborted", got == want, got)


# --- a nested Map's iterations not yet started never start, even where its
# failures are tolerated (so only the stop closes it) ---

def test_queued(backend):
    exe = build("queued", {"StartAt": "All", "States": {"All": {
        "Type": "Parallel", "End": True, "Branches": [
            {"StartAt": "Fail", "States": {"Fail": task(
                FAIL, {"do": "fail", "after": 0.2, "waitfor.$": "$.pidfiles[0:1]"},
                End=True)}},
            {"StartAt": "Each", "States": {"Each": {
                "Type": "Map", "ItemsPath": "$.pidfiles", "MaxConcurrency": 1, "End": True,
                "ToleratedFailurePercentage": 100,
                "ItemProcessor": {"StartAt": "Doze", "States": {"Doze": task(
                    SLEEP, {"do": "sleep", "pidfile.$": "$"}, End=True)}}}}}]}}}, backend)
    pidfiles = [os.path.join(TMP, f"queued-{backend}-{i}.pid") for i in range(3)]
    hist = os.path.join(TMP, f"queued-{backend}.history.json")
    rc, out, err, secs = run(exe, {"pidfiles": pidfiles}, "--bindings", bindings("queued", WORK),
                             "--history", hist)
    name = f"a nested Map (MaxConcurrency 1, failures tolerated) in a stopped branch ({backend})"
    check(f"{name}: stops in {secs:.2f} s < {LIMIT} s", rc == 1 and err == BOOM and secs < LIMIT,
          f"rc {rc} {err}")
    check(f"{name}: the iterations queued never start",
          os.path.exists(pidfiles[0]) and not any(map(os.path.exists, pidfiles[1:])))
    t = types(hist)
    want = {"MapIterationStarted": 1, "MapIterationAborted": 1, "MapStateAborted": 1}
    got = {k: t.get(k, 0) for k in want}
    check(f"{name}: the history has only the started iteration", got == want, got)


# --- the journal: a stopped attempt replays as stopped ---

def test_journal(backend):
    exe = build("journal", {"StartAt": "All", "States": {
        "All": {"Type": "Parallel", "Next": "Nap", "ResultPath": None, "Catch": [
            {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Nap"}],
            "Branches": [
                {"StartAt": "Fail", "States": {"Fail": task(
                    FAIL, {"do": "fail", "after": 0.2, "waitfor.$": "$.pidfiles"},
                    End=True)}},
                {"StartAt": "Sleep", "States": {"Sleep": task(
                    SLEEP, {"do": "sleep", "pidfile.$": "$.pidfiles[0]"}, End=True)}}]},
        "Nap": {"Type": "Wait", "Seconds": 2, "End": True}}}, backend)
    store = os.path.join(TMP, f"journal-{backend}.db")
    pidfile = os.path.join(TMP, f"journal-{backend}.pid")
    b = bindings("journal", WORK)
    name = f"--store: a stopped attempt ({backend})"
    # parked at the Wait after the caught Parallel, then resumed: the Parallel
    # replays from the journal, its stopped attempt waiting for the failure
    rc1, _, _, _ = run(exe, {"pidfiles": [pidfile]}, "--bindings", b, "--store", store,
                       "--name", "n", "--park-after", "1")
    db = sqlite3.connect(store)
    statuses = sorted(r[0] for r in db.execute(
        "SELECT status FROM attempts WHERE key LIKE '%task%'"))
    db.close()
    check(f"{name} is journaled as stopped, not with an error",
          rc1 == 3 and statuses == ["error", "stopped"], f"rc {rc1} {statuses}")
    os.unlink(pidfile)
    rc, out, err, secs = run(exe, {}, "--bindings", b, "--store", store, "--resume", "n")
    check(f"{name}: the resumed run fails where the run did, calling nothing again",
          rc == 0 and out == {"pidfiles": [pidfile], "error": BOOM}
          and not os.path.exists(pidfile), f"rc {rc} {out} {err}")


# --- an Executable binding: the child execution's own Task ends too ---

CHILD_ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:child"


def test_child(backend):
    child = os.path.join(TMP, f"child-{backend}")
    src = os.path.join(TMP, "child.asl.json")
    with open(src, "w") as f:
        json.dump({"StartAt": "Sleep", "States": {"Sleep": {
            "Type": "Task", "Resource": SLEEP, "End": True}}}, f)
    subprocess.run([ASLC, "build", src, "-o", child, "--backend", backend, "--bindings",
                    bindings("child", {SLEEP: {"Command": WORKER}})], check=True)
    pidfile = os.path.join(TMP, f"grandchild-{backend}.pid")
    exe = build("parent", {"StartAt": "All", "States": {
        "All": {"Type": "Parallel", "Next": "Gone", "Catch": [
            {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Gone"}],
            "ResultPath": None, "Branches": [
                {"StartAt": "Fail", "States": {"Fail": task(
                    FAIL, {"do": "fail", "after": 0.2, "waitfor.$": "$.pidfiles"},
                    End=True)}},
                {"StartAt": "Run", "States": {"Run": task(
                    "arn:aws:states:::states:startExecution.sync:2",
                    {"StateMachineArn": CHILD_ARN,
                     "Input": {"do": "sleep", "pidfile.$": "$.pidfiles[0]"}}, End=True)}}]},
        "Gone": task(CHECK, {"do": "gone", "orphans": True, "pidfiles.$": "$.pidfiles"},
                     ResultPath="$.gone", End=True)}}, backend)
    b = bindings("parent", {FAIL: {"Command": WORKER}, CHECK: {"Command": WORKER},
                            CHILD_ARN: {"Executable": child}})
    rc, out, err, secs = run(exe, {"pidfiles": [pidfile]}, "--bindings", b)
    name = f"Executable: a child execution's Task ({backend})"
    check(f"{name}: stops in {secs:.2f} s < {LIMIT} s", rc == 0 and out["error"] == BOOM
          and secs < LIMIT, f"rc {rc} {err}")
    check(f"{name}: the child's own child was killed", rc == 0 and out["gone"] == {"alive": []},
          out and out.get("gone"))


# --- a Map: one iteration fails while the others sleep ---

MAP = {
    "StartAt": "Each",
    "States": {"Each": {
        "Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 0, "End": True,
        "ItemProcessor": {"StartAt": "Work", "States": {"Work": {
            "Type": "Task", "Resource": SLEEP, "End": True}}}}},
}


def test_map(backend):
    exe = build("map", MAP, backend)
    pidfiles = [os.path.join(TMP, f"map-{backend}-{i}.pid") for i in range(3)]
    items = [{"do": "sleep", "pidfile": f} for f in pidfiles]
    items.insert(1, {"do": "fail", "after": 0.2, "waitfor": pidfiles})
    hist = os.path.join(TMP, f"map-{backend}.history.json")
    rc, out, err, secs = run(exe, {"items": items}, "--bindings", bindings("map", WORK),
                             "--history", hist)
    name = f"Map: one iteration fails while three sleep ({backend})"
    check(f"{name}: stops in {secs:.2f} s < {LIMIT} s with its error",
          rc == 1 and err == BOOM and secs < LIMIT, f"rc {rc} {err}")
    check(f"{name}: no child left running", rc == 1 and alive(pidfiles) == [])
    t = types(hist)
    want = {"MapIterationAborted": 3, "MapIterationFailed": 1, "TaskStateAborted": 3,
            "MapStateFailed": 1, "TaskFailed": 1, "TaskSucceeded": 0}
    got = {k: t.get(k, 0) for k in want}
    check(f"{name}: the history records the stopped iterations as aborted", got == want, got)


# --- a Distributed Map: its child executions are aborted ---

def test_distributed(backend):
    exe = build("dmap", {"StartAt": "Each", "States": {"Each": {
        "Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 0, "End": True,
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                          "StartAt": "Work", "States": {"Work": {
                              "Type": "Task", "Resource": SLEEP, "End": True}}}}}}, backend)
    pidfiles = [os.path.join(TMP, f"dmap-{backend}-{i}.pid") for i in range(2)]
    items = [{"do": "sleep", "pidfile": f} for f in pidfiles]
    items.insert(1, {"do": "fail", "after": 0.2, "waitfor": pidfiles})
    hist = os.path.join(TMP, f"dmap-{backend}.history.json")
    rc, out, err, secs = run(exe, {"items": items}, "--bindings", bindings("dmap", WORK),
                             "--history", hist)
    name = f"Distributed Map: one child fails while two sleep ({backend})"
    check(f"{name}: stops in {secs:.2f} s < {LIMIT} s", rc == 1 and secs < LIMIT and err == {
        "Error": "States.ExceedToleratedFailureThreshold",
        "Cause": "The specified tolerated failure threshold was exceeded"}, f"rc {rc} {err}")
    check(f"{name}: no child left running", rc == 1 and alive(pidfiles) == [])
    ends = []
    with open(os.path.join(TMP, f"dmap-{backend}.history.children.jsonl")) as f:
        for line in f:
            ends.append([e["type"] for e in json.loads(line)["events"]][-2:])
    want = [["TaskFailed", "ExecutionFailed"]] + [["TaskStateAborted", "ExecutionAborted"]] * 2
    check(f"{name}: the stopped children's histories end aborted", sorted(ends) == sorted(want),
          ends)


# --- HTTP: a Url binding, the HTTP Task and an AWS call to a slow server ---

class Slow(http.server.BaseHTTPRequestHandler):
    """Answers after 30 s; each request arriving creates a file named by its
    path's first segment in TMP, so the failing branch knows it is in flight."""
    def handle_one(self):
        first = self.path.split("?")[0].split("/")[1]
        open(os.path.join(TMP, first + ".arrived"), "w").close()
        time.sleep(30)
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b"{}")
        except OSError:
            pass

    do_GET = do_POST = handle_one

    def log_message(self, *args):
        pass


def test_http(backend, static, port):
    base = f"http://127.0.0.1:{port}"
    arrived = [os.path.join(TMP, f"{n}.arrived") for n in ("url", "task", "aws")]
    definition = {"StartAt": "All", "States": {"All": {
        "Type": "Parallel", "End": True, "Branches": [
            {"StartAt": "Fail", "States": {"Fail": task(
                FAIL, {"do": "fail", "after": 0.2, "waitfor": arrived}, End=True)}},
            {"StartAt": "Post", "States": {"Post": task(SLEEP, {"a": 1}, End=True)}},
            {"StartAt": "Get", "States": {"Get": task(
                "arn:aws:states:::http:invoke",
                {"ApiEndpoint": f"{base}/task", "Method": "GET", "Authentication": {
                    "ConnectionArn":
                        "arn:aws:events:us-east-1:123456789012:connection/c/1"}},
                End=True)}},
            {"StartAt": "Aws", "States": {"Aws": task(
                "arn:aws:states:::lambda:invoke", {"FunctionName": "slow", "Payload": {}},
                End=True)}},
        ]}}}
    exe = build("http", definition, backend, static)
    for f in arrived:
        if os.path.exists(f):
            os.unlink(f)
    env = dict(os.environ, AWS_ACCESS_KEY_ID="AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY="secret",
               AWS_REGION="us-east-1", AWS_ENDPOINT_URL=f"{base}/aws", AWS_MAX_ATTEMPTS="1")
    env.pop("AWS_PROFILE", None)
    b = bindings("http", {FAIL: {"Command": WORKER}, SLEEP: {"Url": f"{base}/url"}})
    rc, out, err, secs = run(exe, {}, "--bindings", b, env=env)
    kind = f"{backend}{', static' if static else ''}"
    check(f"HTTP: a Url binding, http:invoke and an AWS call stop in {secs:.2f} s < {LIMIT} s "
          f"({kind})", rc == 1 and err == BOOM and secs < LIMIT, f"rc {rc} {err}")


# --- mocks: a mocked response's Duration ---

def test_mock(backend):
    exe = build("mock", {"StartAt": "All", "States": {"All": {
        "Type": "Parallel", "End": True, "Branches": [
            {"StartAt": "Fail", "States": {"Fail": {"Type": "Task", "Resource": FAIL,
                                                    "End": True}}},
            {"StartAt": "Slow", "States": {"Slow": {"Type": "Task", "Resource": SLEEP,
                                                    "End": True}}}]}}}, backend)
    mocks = os.path.join(TMP, "mocks.json")
    with open(mocks, "w") as f:
        json.dump({"StateMachines": {"mock": {"TestCases": {"T": {"Fail": "Boom",
                                                                   "Slow": "Slow"}}}},
                   "MockedResponses": {
                       "Boom": {"0": {"Throw": BOOM, "Duration": 0.2}},
                       "Slow": {"0": {"Return": {}, "Duration": 30}}}}, f)
    hist = os.path.join(TMP, f"mock-{backend}.history.json")
    rc, out, err, secs = run(exe, {}, "--mock-config", mocks, "--test-case", "T",
                             "--history", hist)
    name = f"mocks: a sibling's mocked Duration of 30 s ({backend})"
    check(f"{name}: stops in {secs:.2f} s < {LIMIT} s", rc == 1 and err == BOOM and secs < LIMIT,
          f"rc {rc} {err}")
    t = types(hist)
    want = {"TaskStateAborted": 2, "TaskFailed": 1, "TaskSucceeded": 0}
    got = {k: t.get(k, 0) for k in want}
    check(f"{name}: the history records it as aborted", got == want, got)


# --- callbacks: .waitForTaskToken and an activity, with --listen ---

def test_callbacks(backend):
    mark = os.path.join(TMP, f"sent-{backend}")
    definition = {"StartAt": "All", "States": {"All": {
        "Type": "Parallel", "End": True, "Branches": [
            {"StartAt": "Fail", "States": {"Fail": task(
                FAIL, {"do": "fail", "after": 0.2, "waitfor": [mark]}, End=True)}},
            {"StartAt": "Callback", "States": {"Callback": task(
                SLEEP + ".waitForTaskToken",
                {"QueueUrl": "q", "MessageBody": {"token.$": "$$.Task.Token"}}, End=True)}},
            {"StartAt": "Activity", "States": {"Activity": {
                "Type": "Task", "End": True,
                "Resource": "arn:aws:states:us-east-1:123456789012:activity:work"}}},
        ]}}}
    exe = build("callbacks", definition, backend)
    b = bindings("callbacks", {FAIL: {"Command": WORKER}, SLEEP + ".waitForTaskToken": {
        "Command": ["sh", "-c", 'touch "$0"; echo {}', mark]}})
    hist = os.path.join(TMP, f"cb-{backend}.history.json")
    env = None
    if SANITIZED:
        # libmicrohttpd's GnuTLS has dynamic TLS, whose block LeakSanitizer
        # can mistake for an older glibc's and crash on reading
        # (google/sanitizers#1322): it is left out of the leak scan
        env = dict(os.environ, ASAN_OPTIONS=os.environ.get("ASAN_OPTIONS", "") +
                   ":intercept_tls_get_addr=0")
    rc, out, err, secs = run(exe, {}, "--bindings", b, "--listen", "127.0.0.1:0",
                             "--history", hist, env=env)
    name = f"callbacks: .waitForTaskToken and an activity with --listen ({backend})"
    check(f"{name}: stop in {secs:.2f} s < {LIMIT} s", rc == 1 and err == BOOM and secs < LIMIT,
          f"rc {rc} {err}")
    t = types(hist)
    want = {"TaskStateAborted": 3, "ParallelStateFailed": 1, "TaskFailed": 1}
    got = {k: t.get(k, 0) for k in want}
    check(f"{name}: the history records them as aborted", got == want, got)


def main():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        for backend in os.environ.get("CANCEL_BACKENDS", "c llvm").split():
            for t in os.environ.get("CANCEL_TESTS", "parallel queued journal child map distributed http mock callbacks").split():
                if t == "http":
                    test_http(backend, False, server.server_address[1])
                else:
                    globals()["test_" + t](backend)
        if STATIC:
            test_http("c", True, server.server_address[1])
    finally:
        server.shutdown()
        if not os.environ.get("CANCEL_KEEP"):
            shutil.rmtree(TMP, ignore_errors=True)
    finish()


main()
