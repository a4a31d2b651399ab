#!/usr/bin/env python3
"""A Task's Command for tests/cancel/run.py: the Task's input (JSON on stdin)
says what to do.

{"do": "fail", "after": S, "waitfor": [F...]}: once the files F exist (the
siblings' Tasks are in flight), fail after S seconds with errorType "Boom".
{"do": "sleep", "pidfile": F}: write its pid to F, then sleep 30 s.
{"do": "fds"}: how many file descriptors the executable (its parent) holds.
{"do": "gone", "pidfiles": [F...]}: whether every pid in the files is gone
(killed and reaped: a zombie still answers kill 0); with "orphans": true, a
zombie counts as gone (a grandchild, which init reaps).
"""
import json
import os
import sys
import time

req = json.load(sys.stdin)
do = req["do"]
if do == "fail":
    end = time.monotonic() + 20
    while not all(os.path.exists(f) for f in req.get("waitfor", [])):
        if time.monotonic() > end:
            sys.exit("worker.py: the siblings never started")
        time.sleep(0.02)
    time.sleep(req["after"])
    print(json.dumps({"errorType": "Boom", "errorMessage": "branch A failed"}))
elif do == "sleep":
    with open(req["pidfile"] + ".tmp", "w") as f:
        f.write(str(os.getpid()))
    os.rename(req["pidfile"] + ".tmp", req["pidfile"])
    time.sleep(30)
    print(json.dumps("woke"))
elif do == "fds":
    print(json.dumps(len(os.listdir(f"/proc/{os.getppid()}/fd"))))
elif do == "gone":
    alive = []
    for f in req["pidfiles"]:
        pid = int(open(f).read())
        try:
            os.kill(pid, 0)
            # a grandchild is reaped by init, in its own time: killed is enough
            if req.get("orphans") and open(f"/proc/{pid}/stat").read().split(")")[1].split()[0] == "Z":
                continue
            alive.append(pid)
        except (ProcessLookupError, FileNotFoundError):
            pass
    print(json.dumps({"alive": alive}))
else:
    sys.exit(f"worker.py: unknown do {do!r}")
