#!/usr/bin/env python3
"""A resumed execution's history keeps the times its events first happened:
an execution parks at a Wait of 2 s (--park-after 1), is resumed after it,
and its journaled events before the park keep their timestamps in the
store's history and in the resumed run's --history file; the events after
come later.  A journal of schema version 1 (before Retry intervals were
journaled) is refused with a message saying why and what to do.
    resume_time.py ASLC"""
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from checks import eq, finish  # noqa: E402

aslc = sys.argv[1]
work = tempfile.mkdtemp()


src = os.path.join(work, "w.asl.json")
with open(src, "w") as f:
    json.dump({"StartAt": "A", "States": {
        "A": {"Type": "Pass", "Parameters": {"x.$": "$.x"}, "Next": "W"},
        "W": {"Type": "Wait", "Seconds": 2, "Next": "B"},
        "B": {"Type": "Pass", "End": True}}}, f)
exe = os.path.join(work, "w")
subprocess.run([aslc, "build", src, "-o", exe], check=True, timeout=300)
db = os.path.join(work, "s.db")


def run(*args, inp=None):
    return subprocess.run([exe, "--store", db] + list(args), input=inp, capture_output=True,
                          text=True, timeout=60)


def stored():
    return json.loads(run("--history", "e1").stdout)["events"]


p = run("--name", "e1", "--park-after", "1", inp='{"x": 1}')
eq("park rc", p.returncode, 3)
before = stored()
eq("events before the park",
   [e["type"] for e in before],
   ["ExecutionStarted", "PassStateEntered", "PassStateExited", "WaitStateEntered"])
time.sleep(2.5)  # the Wait is due; a replay now would be 2.5 s later
hist = os.path.join(work, "h.json")
p = run("--resume", "e1", "--history", hist)
eq("resume", (p.returncode, p.stdout), (0, '{"x":1}\n'))
after = stored()
eq("journaled events kept as they were", after[:len(before)], before)
with open(hist) as f:
    resumed = json.load(f)["events"]
eq("the resumed run's --history", resumed[:len(before)], before)
eq("the resumed run's events", [e["type"] for e in resumed],
   [e["type"] for e in after])
eq("events after the park come later",
   all(e["timestamp"] >= before[-1]["timestamp"] + 1.9 for e in after[len(before):]), True)

# a journal of schema version 1: refused, saying why
con = sqlite3.connect(db)
con.execute("UPDATE meta SET value='1' WHERE key='schema_version'")
con.commit()
con.close()
p = run("--name", "e2", inp='{"x": 2}')
eq("schema 1 rc", p.returncode, 2)
eq("schema 1 message", p.stderr.strip(),
   "%s: --store %s: the journal's schema version is '1', this executable's '2': it was "
   "written by an older aslc and cannot be resumed here; finish its executions with the "
   "executable that wrote it, or use another --store file" % (exe, db))
finish()
