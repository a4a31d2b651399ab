#!/usr/bin/env python3
"""aslc report: golden-ish checks of the page for hand-written histories in
AWS's GetExecutionHistory shape (a failed-then-caught run, a Map run), clear
errors (exit 2) for histories that do not fit, and a 10,000-iteration Map.
usage: run.py ASLC"""
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import bighistory
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from checks import check, finish  # noqa: E402

ASLC = sys.argv[1]
HERE = os.path.dirname(os.path.abspath(__file__))
TMP = tempfile.mkdtemp()


def report(defn, hist, out):
    p = subprocess.run([ASLC, "report", defn, hist, "-o", out], capture_output=True, text=True,
                       timeout=300)
    return p.returncode, p.stderr


def data(page):
    m = re.search(r'<script type="application/json" id="run-data">(.*?)</script>', page, re.S)
    return json.loads(m.group(1))


def rows(d):
    return [(e[0], d["types"][e[1]], d["states"][e[2]]["name"] if e[2] >= 0 else "",
             d["res"][e[3]] if e[3] >= 0 else "", e[4]) for e in d["ev"]]


def state_rows(page):
    return re.findall(r'<tr class="st st-([a-z]+)" data-s="\d+"><td class="name">([^<]*)</td>'
                      r'<td>(\w+)</td><td><span class="badge">[^<]*</span></td>'
                      r'<td>(\d+)</td><td>(\d+)</td><td>(\d+)</td><td>(\d+)</td><td>(\d+)</td>'
                      r'<td>(\d+)</td>', page)


def nodes(page):
    return re.findall(r'class="node st st-([a-z]+)" data-s="\d+">\s*<title>([^<:]*):', page)


def self_contained(name, page):
    bad = [p for p in ("<link", " src=", "@import", "url(", "<iframe", "fetch(", "XMLHttpRequest")
           if p in page]
    urls = set(re.findall(r'https?://[^"\' )]+', page)) - {"http://www.w3.org/2000/svg",
                                                          "http://www.w3.org/1999/xlink"}
    check(name + ": self-contained", not bad and not urls, (bad, urls))


# --- a failed-then-caught run: ISO 8601 timestamps, data as JSON strings ---
out = os.path.join(TMP, "caught.html")
rc, err = report(os.path.join(HERE, "caught.asl.json"), os.path.join(HERE, "caught.history.json"),
                 out)
check("caught: exit 0", rc == 0, err)
page = open(out, encoding="utf-8").read()
self_contained("caught", page)
check("caught: execution status",
      '<span id="status" class="exec exec-FAILED">FAILED</span>' in page and
      '<dd id="exec-error">OrderDeclined</dd>' in page, re.findall(r"<header>.*?</dl>", page, re.S))
want = [("succeeded", "Validate", "Pass", "1", "1", "0", "0", "0", "0"),
        ("caught", "Charge", "Task", "1", "0", "1", "1", "0", "0"),
        ("notreached", "Ship", "Pass", "0", "0", "0", "0", "0", "0"),
        ("succeeded", "Refund", "Pass", "1", "1", "0", "0", "0", "0"),
        ("failed", "Declined", "Fail", "1", "0", "0", "0", "1", "0")]
check("caught: states table", state_rows(page) == want, state_rows(page))
check("caught: graph nodes", sorted(nodes(page)) == sorted((w[0], w[1]) for w in want), nodes(page))
check("caught: the graph notes durations and counts",
      re.search(r'<title>Charge: caught \(1 entered\)</title>.*?>1\.470 s</text>', page, re.S)
      is not None, re.findall(r"<text[^>]*>[^<]*</text>", page))
check("caught: durations", "<td>1.470 s</td><td>1.470 s</td>" in page)
d = data(page)
arn = "arn:aws:lambda:us-east-1:123456789012:function:charge"
want_ev = [(1, "ExecutionStarted", "", "", 0), (2, "PassStateEntered", "Validate", "", 12),
           (3, "PassStateExited", "Validate", "", 15), (4, "TaskStateEntered", "Charge", arn, 20),
           (5, "LambdaFunctionScheduled", "Charge", arn, 31),
           (6, "LambdaFunctionStarted", "Charge", arn, 40),
           (7, "LambdaFunctionFailed", "Charge", arn, 250),
           (8, "LambdaFunctionScheduled", "Charge", arn, 1251),
           (9, "LambdaFunctionStarted", "Charge", arn, 1260),
           (10, "LambdaFunctionFailed", "Charge", arn, 1480),
           (11, "TaskStateExited", "Charge", arn, 1490), (12, "PassStateEntered", "Refund", "", 1495),
           (13, "PassStateExited", "Refund", "", 1497), (14, "FailStateEntered", "Declined", "", 1500),
           (15, "ExecutionFailed", "", "", 1503)]
check("caught: event rows", rows(d) == want_ev, rows(d))
check("caught: start time", d["t0"] == 1796320800000, d["t0"])
charge = d["states"][1]
v = charge["visits"][0] if charge["visits"] else {}
check("caught: Charge's input, output and error",
      len(charge["visits"]) == 1 and v.get("status") == "caught" and v.get("retries") == 1 and
      v.get("error") == "Declined" and v.get("cause") == "card declined" and
      v.get("input") == '{"order":"A-17","amount":5}' and
      json.loads(v.get("output"))["error"] == {"Error": "Declined", "Cause": "card declined"}, v)
check("caught: execution input", d["input"] == '{"order":"A-17","amount":5}', d["input"])

# --- a Map run: one iteration retried, one failed, one aborted; the Map caught ---
out = os.path.join(TMP, "map.html")
rc, err = report(os.path.join(HERE, "map.asl.json"), os.path.join(HERE, "map.history.json"), out)
check("map: exit 0", rc == 0, err)
page = open(out, encoding="utf-8").read()
self_contained("map", page)
want = [("caught", "Each", "Map", "1", "0", "0", "1", "0", "0"),
        ("failed", "Work", "Task", "4", "2", "1", "0", "1", "1"),
        ("succeeded", "Save", "Pass", "2", "2", "0", "0", "0", "0"),
        ("succeeded", "Cleanup", "Pass", "1", "1", "0", "0", "0", "0"),
        ("notreached", "Done", "Succeed", "0", "0", "0", "0", "0", "0")]
check("map: states table", state_rows(page) == want, state_rows(page))
check("map: iterations summarised",
      '<b>4</b> iterations: <span class="c-ok">2 succeeded</span>, <span class="c-fail">1 failed'
      '</span>, <span class="c-abort">1 aborted</span>' in page and
      "<tr><td>2</td><td>Work</td><td>Boom</td><td>item 3 is broken</td></tr>" in page)
check("map: the graph notes counts",
      re.search(r'<title>Work: failed \(4 entered\)</title>.*?>\u00d74, 1 failed, 1 aborted, 1 retried</text>',
                page, re.S) is not None, re.findall(r"<text[^>]*>[^<]*</text>", page))
d = data(page)
steps = {}
for r in rows(d):
    steps.setdefault(r[2], []).append(r[1])
check("map: Map events belong to the Map",
      steps.get("Each") == ["MapStateEntered", "MapStateStarted"] + ["MapIterationStarted",
      "MapIterationSucceeded"] * 2 + ["MapIterationStarted", "MapIterationFailed",
      "MapIterationStarted", "MapIterationAborted", "MapStateFailed", "MapStateExited"],
      steps.get("Each"))
iters = [(d["types"][e[1]], e[6]) for e in d["ev"]
         if d["types"][e[1]] in ("MapIterationStarted", "TaskStateEntered", "PassStateEntered")]
check("map: events know their iteration",
      iters == [("MapIterationStarted", 0), ("TaskStateEntered", 0), ("PassStateEntered", 0),
                ("MapIterationStarted", 1), ("TaskStateEntered", 1), ("PassStateEntered", 1),
                ("MapIterationStarted", 2), ("TaskStateEntered", 2),
                ("MapIterationStarted", 3), ("TaskStateEntered", 3), ("PassStateEntered", -1)],
      iters)
each = d["states"][0]["visits"]
check("map: the Map's error is its failed iteration's",
      [(v["status"], v["error"], v["cause"]) for v in each] == [("caught", "Boom", "item 3 is broken")],
      each)
work = d["states"][1]
check("map: Work's kept visits",
      [(v["iter"], v["status"], v["retries"]) for v in work["visits"]] ==
      [(0, "succeeded", 0), (1, "retried", 1), (2, "failed", 0), (3, "aborted", 0)],
      work["visits"])

# --- what an aslc executable writes with --history (the journal branch's
# tests/history/golden/parallel_map): a Parallel, then a Map with a retry ---
out = os.path.join(TMP, "parallel-map.html")
rc, err = report(os.path.join(HERE, "parallel-map.asl.json"),
                 os.path.join(HERE, "parallel-map.history.json"), out)
page = open(out, encoding="utf-8").read() if rc == 0 else ""
check("parallel-map: states",
      [r[:4] for r in state_rows(page)] == [("succeeded", "Both", "Parallel", "1"),
                                            ("succeeded", "A", "Wait", "1"),
                                            ("succeeded", "B", "Pass", "1"),
                                            ("succeeded", "Each", "Map", "1"),
                                            ("retried", "Work", "Task", "3")],
      (rc, err, state_rows(page)))
d = data(page) if page else {"ev": [], "types": [], "states": []}
check("parallel-map: Parallel events belong to the Parallel",
      [r[1] for r in rows(d) if r[2] == "Both"] ==
      ["ParallelStateEntered", "ParallelStateStarted", "ParallelStateSucceeded",
       "ParallelStateExited"], rows(d))
check("parallel-map: iterations",
      '<b>3</b> iterations: <span class="c-ok">3 succeeded</span>' in page)

# --- previousEventId is optional in the API: an event then follows the one before ---
noprev = json.load(open(os.path.join(HERE, "caught.history.json")))
for e in noprev["events"]:
    del e["previousEventId"]
npath = os.path.join(TMP, "noprev.history.json")
json.dump(noprev, open(npath, "w"))
out = os.path.join(TMP, "noprev.html")
rc, err = report(os.path.join(HERE, "caught.asl.json"), npath, out)
page = open(out, encoding="utf-8").read() if rc == 0 else ""
check("no previousEventId: the same states", rc == 0 and
      [r[:2] for r in state_rows(page)] == [("succeeded", "Validate"), ("caught", "Charge"),
                                            ("notreached", "Ship"), ("succeeded", "Refund"),
                                            ("failed", "Declined")], (rc, err, state_rows(page)))

# --- a Parallel whose branch fails (the other one aborted), caught ---
par = {"StartAt": "Both", "States": {
    "Both": {"Type": "Parallel", "Branches": [
        {"StartAt": "Slow", "States": {"Slow": {"Type": "Wait", "Seconds": 9, "End": True}}},
        {"StartAt": "Call", "States": {"Call": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                                                "Parameters": {"FunctionName": "f"}, "End": True}}}],
        "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handle"}], "End": True},
    "Handle": {"Type": "Pass", "End": True}}}
lam = {"resourceType": "lambda", "resource": "invoke"}
pev = [(0, "ExecutionStarted", "executionStartedEventDetails", {"input": "{}"}),
       (0, "ParallelStateEntered", "stateEnteredEventDetails", {"name": "Both", "input": "{}"}),
       (2, "ParallelStateStarted", None, None),
       (3, "WaitStateEntered", "stateEnteredEventDetails", {"name": "Slow", "input": "{}"}),
       (3, "TaskStateEntered", "stateEnteredEventDetails", {"name": "Call", "input": "{}"}),
       (5, "TaskScheduled", "taskScheduledEventDetails", dict(lam, region="us-east-1", parameters="{}")),
       (6, "TaskStarted", "taskStartedEventDetails", lam),
       (7, "TaskFailed", "taskFailedEventDetails", dict(lam, error="Nope", cause="f failed")),
       (8, "ParallelStateFailed", None, None),
       (4, "WaitStateAborted", None, None),
       (9, "ParallelStateExited", "stateExitedEventDetails", {"name": "Both", "output": "{}"}),
       (11, "PassStateEntered", "stateEnteredEventDetails", {"name": "Handle", "input": "{}"}),
       (12, "PassStateExited", "stateExitedEventDetails", {"name": "Handle", "output": "{}"}),
       (13, "ExecutionSucceeded", "executionSucceededEventDetails", {"output": "{}"})]
hist = {"events": [dict({"id": i + 1, "previousEventId": p, "timestamp": 10 + i / 10, "type": t},
                        **({k: d} if k else {})) for i, (p, t, k, d) in enumerate(pev)]}
ppath, pdef = os.path.join(TMP, "par.history.json"), os.path.join(TMP, "par.asl.json")
json.dump(hist, open(ppath, "w"))
json.dump(par, open(pdef, "w"))
out = os.path.join(TMP, "par.html")
rc, err = report(pdef, ppath, out)
page = open(out, encoding="utf-8").read() if rc == 0 else ""
check("parallel: a failed branch, caught",
      [r[:2] for r in state_rows(page)] == [("caught", "Both"), ("aborted", "Slow"),
                                            ("failed", "Call"), ("succeeded", "Handle")],
      (rc, err, state_rows(page)))
d = data(page) if page else {"ev": [], "types": [], "states": [{"visits": [{}]}]}
check("parallel: the Parallel's events and error",
      [r[1] for r in rows(d) if r[2] == "Both"] == ["ParallelStateEntered", "ParallelStateStarted",
                                                    "ParallelStateFailed", "ParallelStateExited"] and
      d["states"][0]["visits"][0].get("error") == "Nope", (rows(d), d["states"][0]))

# --- a run still going: the history so far ---
running = json.load(open(os.path.join(HERE, "caught.history.json")))
running["events"] = running["events"][:8]
rpath = os.path.join(TMP, "running.history.json")
json.dump(running, open(rpath, "w"))
out = os.path.join(TMP, "running.html")
rc, err = report(os.path.join(HERE, "caught.asl.json"), rpath, out)
page = open(out, encoding="utf-8").read() if rc == 0 else ""
check("running: in progress",
      rc == 0 and '<span id="status" class="exec exec-RUNNING">RUNNING</span>' in page and
      [r[:2] for r in state_rows(page)] == [("succeeded", "Validate"), ("running", "Charge"),
                                            ("notreached", "Ship"), ("notreached", "Refund"),
                                            ("notreached", "Declined")],
      (rc, err, state_rows(page)))

# --- names that are HTML: escaped in the page, intact in the data ---
evil = ["</script><script>alert(1)</script>", "a & <b>\"b\"</b> \u2028"]
hdef, hhist = os.path.join(HERE, "hostile.asl.json"), os.path.join(HERE, "hostile.history.json")
out = os.path.join(TMP, "hostile.html")
rc, err = report(hdef, hhist, out)
page = open(out, encoding="utf-8").read() if rc == 0 else ""
check("hostile: exit 0", rc == 0, err)
check("hostile: names escaped", "alert(1)" in page and "<script>alert" not in page and
      "<b>" not in page and page.count("</script>") == 2 and "<!--\"" not in page)
d = data(page) if page else {"states": []}
check("hostile: names intact in the data", [s["name"] for s in d["states"]] == evil,
      [s.get("name") for s in d["states"]])

# --- histories that do not fit: exit 2 and a message naming the problem ---
caught = json.load(open(os.path.join(HERE, "caught.history.json")))


def bad(name, hist, want_msg, defn="caught.asl.json"):
    path = os.path.join(TMP, name + ".json")
    with open(path, "w") as f:
        f.write(hist if isinstance(hist, str) else json.dumps(hist))
    rc, err = report(os.path.join(HERE, defn), path, os.path.join(TMP, "bad.html"))
    check("bad: " + name, rc == 2 and want_msg in err and "Sanitizer" not in err, (rc, err))


def edit(fn):
    h = json.loads(json.dumps(caught))
    fn(h["events"])
    return h


bad("not-json", '{"events": [', "not JSON: unexpected end of the text at offset 12")
bad("trailing", '{"events": []} x', "not JSON: unexpected text after the JSON value at offset 15")
bad("nan", '{"events": [NaN]}', "not JSON: not a JSON value at offset 12")
bad("array", "[]", 'not a GetExecutionHistory result: expected an object with "events"')
bad("no-events", {"nextToken": "x"}, 'no "events" array')
bad("empty", {"events": []}, '"events" is empty')
bad("unknown-state", edit(lambda e: e[11]["stateEnteredEventDetails"].update(name="Nope")),
    "event 12 (PassStateEntered) names state 'Nope', which is not in the definition")
bad("wrong-type", edit(lambda e: e[3].update(type="PassStateEntered")),
    "event 4 (PassStateEntered) enters 'Charge', which the definition declares as a Task state")
bad("no-timestamp", edit(lambda e: e[5].pop("timestamp")),
    'event 6 (LambdaFunctionStarted): "timestamp" is missing or not a time')
bad("bad-timestamp", edit(lambda e: e[5].update(timestamp="yesterday")),
    'event 6 (LambdaFunctionStarted): "timestamp" is missing or not a time')
bad("no-id", edit(lambda e: e[2].pop("id")), 'events[2]: "id" is missing')
bad("no-type", edit(lambda e: e[2].pop("type")), 'event 3: "type" is missing')
bad("no-name", edit(lambda e: e[2]["stateExitedEventDetails"].pop("name")),
    "event 3 (PassStateExited) has no details.name")
bad("forward-prev", edit(lambda e: e[2].update(previousEventId=9)),
    '"previousEventId" is not an earlier event\'s id')
bad("missing-prev", edit(lambda e: e[2].update(previousEventId=100) or e[2].update(id=200)),
    "event 4 (TaskStateEntered): previousEventId 3 is not in the history")
bad("duplicate-id", edit(lambda e: e[3].update(id=5)), "two events have id 5")
bad("exit-not-entered", edit(lambda e: e[12]["stateExitedEventDetails"].update(name="Ship")),
    "event 13 (PassStateExited) leaves 'Ship', which was not entered")
bad("details-not-object", edit(lambda e: e[1].update(stateEnteredEventDetails=[1])),
    '"stateEnteredEventDetails" is not an object')
p = subprocess.run([ASLC, "report", os.path.join(HERE, "caught.asl.json"), "/nonexistent.json"],
                   capture_output=True, text=True)
check("bad: unreadable history", p.returncode == 2 and "cannot read it" in p.stderr, p.stderr)
p = subprocess.run([ASLC, "report", os.path.join(HERE, "caught.asl.json")], capture_output=True,
                   text=True)
check("bad: usage", p.returncode == 2 and "needs a definition and a history file" in p.stderr,
      p.stderr)
broken = os.path.join(TMP, "broken.asl.json")
open(broken, "w").write('{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}}}')
p = subprocess.run([ASLC, "report", broken, os.path.join(HERE, "caught.history.json")],
                   capture_output=True, text=True)
check("bad: invalid definition is exit 1", p.returncode == 1 and "error:" in p.stderr, p.stderr)

# --- a Map of 10,000 iterations: bounded page, states summarised ---
ev = bighistory.events(10000)
big = os.path.join(TMP, "big.history.json")
bighistory.write(big, ev)
out = os.environ.get("REPORT_BIG_HTML") or os.path.join(TMP, "big.html")
t = time.time()
rc, err = report(os.path.join(HERE, "map.asl.json"), big, out)
secs = time.time() - t
size = os.path.getsize(out) if rc == 0 else 0
print("10,000 iterations: %d events, report in %.2f s, page %d bytes" % (len(ev), secs, size))
check("big: exit 0", rc == 0, err)
page = open(out, encoding="utf-8").read() if rc == 0 else ""
check("big: page under 8 MB", 0 < size < 8 << 20, size)
check("big: iterations summarised",
      '<b>10000</b> iterations: <span class="c-ok">9990 succeeded</span>, '
      '<span class="c-fail">10 failed</span>' in page and
      "<tr><td>999</td><td>Work</td><td>Boom</td><td>item 999</td></tr>" in page and
      "<tr><td>4999</td><td>Work</td><td>Boom</td><td>item 4999</td></tr>" in page and
      "item 5999" not in page and "The first 5 failures" in page)
d = data(page) if page else {"ev": [], "states": [{}, {"visits": []}]}
check("big: every event in the table", len(d["ev"]) == len(ev), len(d["ev"]))
check("big: a few visits kept per state", len(d["states"][1]["visits"]) == 8,
      len(d["states"][1]["visits"]))
check("big: details beyond the budget omitted", d.get("omitted", 0) > 0, d.get("omitted"))

finish()
