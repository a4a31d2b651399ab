#!/usr/bin/env python3
"""aslc report in a browser: opens run.html of a failed-then-caught run in
headless Chromium (Debian's `chromium`), asserts on the DOM after the page's
script ran (the failed and the caught state are marked, the event table has
the right rows), saves a screenshot, and checks that the page of a Map of
10,000 iterations is ready in under a second.  Exit 77 (skipped) when
Chromium is not installed or cannot start here.
usage: chromium.py ASLC [SCREENSHOT.png]"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

import bighistory
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from checks import check, finish  # noqa: E402

ASLC = sys.argv[1]
HERE = os.path.dirname(os.path.abspath(__file__))
TMP = tempfile.mkdtemp()
SHOT = sys.argv[2] if len(sys.argv) > 2 else os.path.join(TMP, "run.png")

chromium = shutil.which("chromium") or shutil.which("chromium-browser")
if not chromium:
    print("SKIP: chromium is not installed (apt-get install chromium); the browser test did not run")
    sys.exit(77)


def browse(page, *args):
    """Run headless Chromium on a file, offline; stdout, or None when it cannot start."""
    cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
           "--no-first-run", "--disable-background-networking", "--disable-component-update",
           "--disable-sync", "--user-data-dir=" + tempfile.mkdtemp(dir=TMP)] + list(args) + \
          ["file://" + page]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        return None
    return p.stdout if p.returncode == 0 else None


def report(defn, hist, out):
    p = subprocess.run([ASLC, "report", os.path.join(HERE, defn), hist, "-o", out],
                       capture_output=True, text=True, timeout=300)
    if p.returncode != 0:
        print(p.stderr)
        sys.exit(1)


run = os.path.join(TMP, "run.html")
report("caught.asl.json", os.path.join(HERE, "caught.history.json"), run)
dom = browse(run, "--dump-dom")
if not dom:
    print("SKIP: chromium is installed but could not load a page here; the browser test did not run")
    sys.exit(77)
check("the script ran", re.search(r'<body data-ready-ms="\d+"', dom) is not None)
marks = dict((name, cls) for cls, name in re.findall(
    r'<g id="node\d+" class="node st st-([a-z]+)[^"]*" data-s="\d+">\s*<title>([^<:]+):', dom))
check("the failed state is marked", marks.get("Declined") == "failed", marks)
check("the caught state is marked", marks.get("Charge") == "caught", marks)
check("the state not reached is marked", marks.get("Ship") == "notreached", marks)
body = re.search(r'<table id="events">.*?<tbody>(.*?)</tbody>', dom, re.S)
rows = re.findall(r'<tr class="ev( fail)?" data-id="(\d+)"><td>\d+</td><td>([A-Za-z]+)</td>'
                  r'<td(?: class="step")?>([^<]*)</td><td>([^<]*)</td><td>(\d+) ms</td><td>([^<]*)</td></tr>',
                  body.group(1) if body else "")
got = [(int(r[1]), r[2], r[3], r[5], bool(r[0])) for r in rows]
want = [(1, "ExecutionStarted", "", "0", False), (2, "PassStateEntered", "Validate", "12", False),
        (3, "PassStateExited", "Validate", "15", False), (4, "TaskStateEntered", "Charge", "20", False),
        (5, "LambdaFunctionScheduled", "Charge", "31", False),
        (6, "LambdaFunctionStarted", "Charge", "40", False),
        (7, "LambdaFunctionFailed", "Charge", "250", True),
        (8, "LambdaFunctionScheduled", "Charge", "1251", False),
        (9, "LambdaFunctionStarted", "Charge", "1260", False),
        (10, "LambdaFunctionFailed", "Charge", "1480", True),
        (11, "TaskStateExited", "Charge", "1490", False), (12, "PassStateEntered", "Refund", "1495", False),
        (13, "PassStateExited", "Refund", "1497", False),
        (14, "FailStateEntered", "Declined", "1500", False), (15, "ExecutionFailed", "", "1503", True)]
check("the event table has the right rows", got == want, got)
check("timestamps in the table", rows and rows[0][6] == "2026-12-03 18:00:00.000 UTC" and
      rows[-1][6] == "2026-12-03 18:00:01.503 UTC", rows and (rows[0][6], rows[-1][6]))
check("one page of events", 'id="page">page 1 of 1 (15 events)<' in dom)

# Names that are HTML stay text: no third script, the panel shows the name.
hostile = os.path.join(TMP, "hostile.html")
report("hostile.asl.json", os.path.join(HERE, "hostile.history.json"), hostile)
dom = browse(hostile + "#state=" + "%3C%2Fscript%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E",
             "--dump-dom") or ""
check("names that are HTML stay text",
      re.search(r'<body data-ready-ms="\d+"', dom) is not None and dom.count("<script") == 2 and
      '<h2 class="st st-succeeded">&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt; <span' in dom,
      re.findall(r'<aside id="detail">.{0,200}', dom, re.S))

# A state's panel (what a click shows), opened through run.html#state=NAME.
dom = browse(run + "#state=Charge", "--dump-dom") or ""
panel = re.search(r'<aside id="detail">(.*?)</aside>', dom, re.S)
panel = panel.group(1) if panel else ""
check("a state's input, output and error on click",
      '<h2 class="st st-caught">Charge <span class="badge">caught</span></h2>' in panel and
      "<b>Error</b><pre>Declined</pre><b>Cause</b><pre>card declined</pre>" in panel and
      '<b>Input</b><pre>{\n  "order": "A-17",\n  "amount": 5\n}</pre>' in panel and
      '"Cause": "card declined"' in panel and 'g id="node' in dom and
      re.search(r'class="node st st-caught sel" data-s="1"', dom), panel)

if browse(run, "--screenshot=" + SHOT, "--window-size=1280,900", "--hide-scrollbars") is None or \
        not os.path.exists(SHOT):
    check("screenshot", False, "no screenshot")
else:
    with open(SHOT, "rb") as f:
        png = f.read()
    check("screenshot", png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10000, len(png))
    print("screenshot: %s (%d bytes)" % (SHOT, len(png)))

# A Map of 10,000 iterations: the page's script is done in under a second.
big_hist = os.path.join(TMP, "big.history.json")
bighistory.write(big_hist, bighistory.events(10000))
big = os.path.join(TMP, "big.html")
report("map.asl.json", big_hist, big)
# The best of three loads: other tests share the machine.
times = []
for _ in range(3):
    dom = browse(big, "--dump-dom") or ""
    m = re.search(r'<body data-ready-ms="(\d+)"', dom)
    times.append(int(m.group(1)) if m else -1)
    if 0 <= times[-1] < 1000:
        break
ms = min(t for t in times if t >= 0) if any(t >= 0 for t in times) else -1
print("10,000 iterations: page ready after %s ms (%d bytes)" % (times, os.path.getsize(big)))
check("big page ready in under a second", 0 <= ms < 1000, ms)
check("big page shows the first 100 events",
      len(re.findall(r'<tr class="ev', dom)) == 100 and "page 1 of 900 (89978 events)" in dom)

finish()
