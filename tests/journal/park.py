#!/usr/bin/env python3
"""--park-after and --run-due on the real clock: an execution whose Wait of
10 s is longer than --park-after 5 journals its end and exits 3; --run-due
before the Wait is due resumes nothing, after it finishes the execution with
the output of an uninterrupted run; an execution another process is running
is left alone; a Retry interval parks and resumes the same way, its Task
called once per attempt.
    park.py ASLC"""
import json, os, subprocess, sys, tempfile, time
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from checks import eq, finish  # noqa: E402

aslc = sys.argv[1]
work = tempfile.mkdtemp()


src = os.path.join(work, "w.asl.json")
with open(src, "w") as f:
    json.dump({"StartAt": "A", "States": {
        "A": {"Type": "Pass", "Parameters": {"x.$": "$.x"}, "Next": "W"},
        "W": {"Type": "Wait", "Seconds": 10, "Next": "B"},
        "B": {"Type": "Pass", "Parameters": {"done.$": "$.x"}, "Next": "W2"},
        "W2": {"Type": "Wait", "Seconds": 10, "Next": "C"},
        "C": {"Type": "Pass", "End": True}}}, f)
exe = os.path.join(work, "w")
subprocess.run([aslc, "build", src, "-o", exe], check=True)
db = os.path.join(work, "s.db")


def run(*args, inp=None):
    return subprocess.run([exe, "--store", db] + list(args), input=inp, capture_output=True,
                          text=True)


def describe(name):
    return json.loads(run("--describe", name).stdout)


t0 = time.time()
p = run("--name", "e1", "--park-after", "5", inp='{"x": 1}')
eq("park rc", p.returncode, 3)
eq("park message", "execution 'e1' parked until " in p.stderr, True)
eq("parked status", describe("e1")["status"], "RUNNING")
p = run("--name", "e2", "--park-after", "5", inp='{"x": 2}')
eq("park e2 rc", p.returncode, 3)
eq("parking took < 3 s", time.time() - t0 < 3, True)

# not due yet: nothing resumed
p = run("--run-due", "--park-after", "5")
eq("early run-due", (p.returncode, p.stdout), (0, ""))
eq("still running", describe("e1")["status"], "RUNNING")

time.sleep(max(0, t0 + 10.5 - time.time()))
# e2 is being resumed by another process (its second Wait, not parked): left alone
other = subprocess.Popen([exe, "--store", db, "--resume", "e2"], stdout=subprocess.PIPE,
                         text=True)
time.sleep(1)
# due: e1 resumed, parks again at its second Wait
p = run("--run-due", "--park-after", "5")
eq("run-due 1", (p.returncode, p.stdout), (0, "e1 PARKED\n"))
time.sleep(max(0, t0 + 23 - time.time()))
p = run("--run-due", "--park-after", "5")
eq("run-due 2", (p.returncode, p.stdout), (0, "e1 SUCCEEDED\n"))
d = describe("e1")
eq("e1 result", (d["status"], d.get("output")), ("SUCCEEDED", '{"done":1}'))
out, _ = other.communicate(timeout=30)
eq("e2 by the other process", (other.returncode, out), (0, '{"done":2}\n'))
p = run("--run-due")
eq("nothing left", (p.returncode, p.stdout), (0, ""))
# the same name again prints the result, as for any ended execution
p = run("--name", "e1", inp='{"x": 1}')
eq("rerun", (p.returncode, p.stdout), (0, '{"done":1}\n'))
for args in [["--run-due", "--name", "x"], ["--park-after", "-1", "--name", "y"]]:
    eq("usage " + " ".join(args), run(*args, inp="{}").returncode, 2)
eq("no --store", subprocess.run([exe, "--run-due"], capture_output=True).returncode, 2)

# a Retry interval parks too: a Task bound to a command that fails once,
# retried after 6 s; each call appends to a file, so the effects are counted
calls = os.path.join(work, "calls")
cmd = os.path.join(work, "f.sh")
with open(cmd, "w") as f:
    f.write('#!/bin/sh\ncat >/dev/null\necho x >> "%s"\n'
            'if [ "$(wc -l < "%s")" -gt 1 ]; then echo \'{"ok":true}\'; '
            'else echo \'{"errorType":"Flaky","errorMessage":"once"}\'; fi\n' % (calls, calls))
os.chmod(cmd, 0o755)
bindings = os.path.join(work, "b.json")
with open(bindings, "w") as f:
    json.dump({"Bindings": {"f": {"Command": [cmd]}}}, f)
src = os.path.join(work, "r.asl.json")
with open(src, "w") as f:
    json.dump({"StartAt": "T", "States": {"T": {
        "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": "f", "Payload": {}}, "OutputPath": "$.Payload",
        "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 6, "MaxAttempts": 2}],
        "End": True}}}, f)
exe = os.path.join(work, "r")
db = os.path.join(work, "r.db")  # a journal belongs to one machine
subprocess.run([aslc, "build", src, "-o", exe], check=True)
t0 = time.time()
p = run("--name", "r1", "--park-after", "3", "--bindings", bindings, inp="{}")
eq("retry park rc", p.returncode, 3)
p = run("--run-due", "--park-after", "3", "--bindings", bindings)
eq("retry early run-due", (p.returncode, p.stdout), (0, ""))
time.sleep(max(0, t0 + 6.5 - time.time()))
p = run("--run-due", "--park-after", "3", "--bindings", bindings)
eq("retry run-due", (p.returncode, p.stdout), (0, "r1 SUCCEEDED\n"))
d = describe("r1")
eq("retry result", (d["status"], d.get("output")), ("SUCCEEDED", '{"ok":true}'))
with open(calls) as f:
    eq("retry calls", f.read(), "x\nx\n")

finish()
