#!/usr/bin/env python3
"""Execution histories against AWS's: each case of CASES (a JSON object of
conformance case name -> the events AWS's GetExecutionHistory returned, from
LocalStack's snapshots recorded against AWS) is built, run under the virtual
clock with --history, and its events compared with AWS's: type, id,
previousEventId (a Distributed Map's MapStateExited recorded before AWS changed
it read as today's, SOURCE.md), and every detail AWS recorded, and no other (values LocalStack
redacted, "<...>", and the role ARN are skipped; JSON text compares as JSON,
since LocalStack's snapshots hold it parsed).  Also checks that every "event id #N"
in a failed execution's cause names a StateEntered event of that state.

  compare.py ASLC CASES CONFORMANCE_DIR [--filter SUBSTR] [--list-passing]
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.request

SKIP_KEYS = {"roleArn", "taskCredentials", "region"}
# what LocalStack's snapshots put for every timestamp and ISO 8601 date
# (transformer_utility.py), also as JSON text
LABELS = {"snf_role_arn", "timestamp", "date"}


def redacted(v):
    if isinstance(v, str):
        return "<" in v or v in LABELS or (v[1:-1] in LABELS and v[:1] == v[-1:] == '"')
    if isinstance(v, dict):
        return any(redacted(x) for x in v.values())
    if isinstance(v, list):
        return any(redacted(x) for x in v)
    return False


def same(ours, aws):
    if redacted(aws):
        return True
    if isinstance(aws, str) and isinstance(ours, str):
        if ours == aws:
            return True
        try:
            return json.loads(ours) == json.loads(aws)
        except ValueError:
            return False
    if isinstance(ours, str):
        try:
            return json.loads(ours) == aws
        except ValueError:
            return False
    if isinstance(aws, dict) and isinstance(ours, dict):
        return all(k in SKIP_KEYS or (k in ours and same(ours[k], aws[k])) for k in aws) and \
            all(k in SKIP_KEYS or k in aws for k in ours)  # and nothing AWS has not
    return ours == aws


def recorded(case):
    """The day AWS recorded the case's history, as YYYY-MM-DD ("" unknown)."""
    m = re.search(r"recorded against AWS (\d\d)-(\d\d)-(\d{4})", case.get("source", ""))
    return "%s-%s-%s" % (m.group(3), m.group(2), m.group(1)) if m else ""


# AWS changed where a Distributed Map's MapStateExited points between
# 2024-08-19 and 2024-11-13: at MapRunSucceeded in every LocalStack recording
# made before, at MapRunStarted (what MapRunSucceeded follows) in every one
# since, as aslc does (SOURCE.md).  An older recording is read as today's.
MAP_RUN_CHANGE = "2024-11-01"


def old_map_exit(a, aws, o):
    by_id = {e["id"]: e for e in aws if isinstance(e["id"], int)}
    succeeded = by_id.get(a.get("previousEventId"), {})
    return a["type"] == "MapStateExited" and succeeded.get("type") == "MapRunSucceeded" and \
        o.get("previousEventId") == succeeded.get("previousEventId")


def diff(ours, aws, day=""):
    # LocalStack masks the ids of concurrent branches' events ([0]) and drops
    # some events next to them; the ids it kept place every other event.
    ids = [a["id"] for a in aws if isinstance(a["id"], int)]
    want = max(ids) if ids else 0
    if len(ours) != want or (len(ids) == len(aws) and len(aws) != want):
        return "%d events, AWS has %d: %s vs %s" % (
            len(ours), want, [e["type"] for e in ours], [e["type"] for e in aws])
    masked = [a for a in aws if not isinstance(a["id"], int)]
    for a in masked:
        if not any(o["type"] == a["type"] and same(o.get("stateEnteredEventDetails", o.get(
                "stateExitedEventDetails", {})), a.get("stateEnteredEventDetails", a.get(
                "stateExitedEventDetails", {}))) for o in ours):
            return "no %s like AWS's %s" % (a["type"], json.dumps(a)[:160])
    for a in aws:
        if not isinstance(a["id"], int):
            continue
        o = ours[a["id"] - 1]
        for k in ("type", "id", "previousEventId"):
            if not isinstance(a.get(k), int if k != "type" else str):
                continue  # LocalStack masked it (concurrent branches)
            if o.get(k) != a.get(k) and not (k == "previousEventId" and day and
                                             day < MAP_RUN_CHANGE and old_map_exit(a, aws, o)):
                return "event %s: %s %r, AWS %r" % (a.get("id"), k, o.get(k), a.get(k))
        for k, v in a.items():
            if k.endswith("EventDetails"):
                if not same(o.get(k, {}), v):
                    return "event %s %s: %s, AWS %s" % (a["id"], k, json.dumps(o.get(k))[:200],
                                                        json.dumps(v)[:200])
    return None


def api(port, op, body):
    """One call of the executable's Step Functions API (--listen)."""
    req = urllib.request.Request("http://127.0.0.1:%d/" % port, json.dumps(body).encode(), {
        "X-Amz-Target": "AWSStepFunctions." + op,
        "Content-Type": "application/x-amz-json-1.0"})
    with urllib.request.urlopen(req, timeout=70) as r:
        return json.load(r)


def play_worker(p, worker, arn):
    """The activity worker of the LocalStack test (workers.json): takes the task
    with GetActivityTask (and its workerName), answers with the task's input."""
    line = p.stderr.readline()
    m = re.match(r"listening on 127\.0\.0\.1:(\d+)", line)
    if not m:
        raise RuntimeError("no listener: %r" % line)
    port = int(m.group(1))
    req = {"activityArn": arn}
    if "workerName" in worker:
        req["workerName"] = worker["workerName"]
    task = api(port, "GetActivityTask", req)
    if worker.get("heartbeat"):
        api(port, "SendTaskHeartbeat", {"taskToken": task["taskToken"]})
    api(port, "SendTaskSuccess", {"taskToken": task["taskToken"], "output": task["input"]})


def run(aslc, name, case, work, worker=None):
    src = os.path.join(work, "machine.asl.json")
    with open(src, "w", encoding="utf-8") as f:
        json.dump(case["definition"], f)
    exe = os.path.join(work, "machine")
    cmd = [aslc, "build", src, "-o", exe]
    if case.get("state_machine_type") == "EXPRESS":
        cmd += ["--type", "express"]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    if p.returncode:
        return None, "build failed: " + p.stderr[:200]
    hist = os.path.join(work, "history.json")
    args = [exe, "--clock", "virtual", "--history", hist]
    mocks = dict(case.get("mocks") or {})
    states = case["definition"].get("States", {})
    arn = None
    if worker is not None:
        # a worker on --listen takes the activity Tasks: no mock stands for it
        args += ["--listen", "127.0.0.1:0"]
        for s, st in states.items():
            if ":activity:" in st.get("Resource", ""):
                arn = st["Resource"]
                mocks.pop(s, None)
    if mocks:
        cfg = {"StateMachines": {"machine": {"TestCases": {"Case": {s: s for s in mocks}}}},
               "MockedResponses": mocks}
        with open(os.path.join(work, "mocks.json"), "w", encoding="utf-8") as f:
            json.dump(cfg, f)
        args += ["--mock-config", os.path.join(work, "mocks.json"), "--test-case", "Case"]
    if case.get("context"):
        with open(os.path.join(work, "context.json"), "w", encoding="utf-8") as f:
            json.dump(case["context"], f)
        args += ["--context", os.path.join(work, "context.json")]
    if worker is None:
        p = subprocess.run(args, input=json.dumps(case.get("input", {})), capture_output=True,
                           text=True, timeout=60)
    else:
        w = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        try:
            w.stdin.write(json.dumps(case.get("input", {})))
            w.stdin.close()
            w.stdin = None
            play_worker(w, worker, arn)
            out, err = w.communicate(timeout=60)
            p = subprocess.CompletedProcess(args, w.returncode, out, err)
        finally:
            if w.poll() is None:
                w.kill()
                w.wait()
    with open(hist, encoding="utf-8") as f:
        events = json.load(f)["events"]
    # the event ids in causes name the state entered there
    lines = p.stderr.strip().splitlines()
    if p.returncode == 1 and lines:
        err = json.loads(lines[-1])
        for state, n in re.findall(r"state '([^']*)' \(entered at the event id #(\d+)\)",
                                   err.get("Cause") or ""):
            e = events[int(n) - 1] if 0 < int(n) <= len(events) else {}
            if not e.get("type", "").endswith("StateEntered") or \
               e.get("stateEnteredEventDetails", {}).get("name") != state:
                return events, "cause cites event #%s for %s; the history has %s there" % (
                    n, state, json.dumps(e)[:160])
    return events, None


def main():
    aslc, cases_file, conf = os.path.abspath(sys.argv[1]), sys.argv[2], sys.argv[3]
    filt = sys.argv[sys.argv.index("--filter") + 1] if "--filter" in sys.argv else ""
    with open(cases_file, encoding="utf-8") as f:
        expected = json.load(f)
    # the activity workers of LocalStack's tests, played on --listen (SOURCE.md)
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "workers.json"),
              encoding="utf-8") as f:
        workers = json.load(f)
    failed = 0
    for name in sorted(expected):
        if filt not in name:
            continue
        with open(os.path.join(conf, name + ".json"), encoding="utf-8") as f:
            case = json.load(f)
        with tempfile.TemporaryDirectory() as work:
            try:
                events, why = run(aslc, name, case, work, workers.get(name))
                why = why or diff(events, expected[name], recorded(case))
            except Exception as e:  # a harness fault is a failure, visibly
                why = "harness: %s" % e
        if why:
            failed += 1
            print("FAIL %s: %s" % (name, why))
        elif "--list-passing" in sys.argv:
            print("PASS", name)
    print("%d passed, %d failed" % (sum(1 for n in expected if filt in n) - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
