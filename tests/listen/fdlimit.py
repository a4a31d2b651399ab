#!/usr/bin/env python3
"""--listen under a low descriptor limit (256): the server's connections
(its limit and the 32 it answers 503) leave 64 descriptors for the rest of
the run, so it serves 256 - 64 - 32 = 160 connections and holds 160 - 16 =
144 GetActivityTask long polls; the 145th is answered 503.
    fdlimit.py ASLC"""
import json, os, resource, shutil, socket, subprocess, sys, tempfile, time
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from checks import eq, finish  # noqa: E402
from common import request, sockets  # noqa: E402

aslc = sys.argv[1]
work = tempfile.mkdtemp()
NOFILE, HELD = 256, 144
IDLE = "arn:aws:states:us-east-1:123456789012:activity:idle"


def low_limit():
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    resource.setrlimit(resource.RLIMIT_NOFILE, (NOFILE, hard))


hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
if hard != resource.RLIM_INFINITY and hard < NOFILE:
    print("skipping: the descriptor limit's hard limit (%d) is below %d" % (hard, NOFILE))
    sys.exit(77)
src = os.path.join(work, "idle.asl.json")
with open(src, "w") as f:
    json.dump({"StartAt": "Idle", "States": {
        "Idle": {"Type": "Task", "Resource": IDLE, "TimeoutSeconds": 60, "End": True}}}, f)
exe = os.path.join(work, "idle")
b = subprocess.run([aslc, "build", src, "-o", exe], capture_output=True, text=True)
if b.returncode != 0:
    print(b.stderr)
    sys.exit(1)
err = open(os.path.join(work, "err"), "w+")
p = subprocess.Popen([exe, "--listen", "127.0.0.1:0"], stdin=subprocess.PIPE,
                     stdout=subprocess.DEVNULL, stderr=err, preexec_fn=low_limit)
p.stdin.write(b"{}")
p.stdin.close()
port = None
for _ in range(300):
    err.seek(0)
    for line in err.read().splitlines():
        if line.startswith("listening on "):
            port = int(line.rsplit(":", 1)[1])
    if port:
        break
    time.sleep(0.1)
polls = []
try:
    eq("listening", port is not None, True)
    # the Task's own activity task is taken first: the polls after it wait
    s = socket.create_connection(("127.0.0.1", port), timeout=20)
    s.sendall(request("GetActivityTask", {"activityArn": IDLE}))
    eq("the first poll gets the task", b"taskToken" in s.recv(65536), True)
    s.close()
    end = time.time() + 10
    while sockets(p.pid) > 1 and time.time() < end:
        time.sleep(0.05)
    base = sockets(p.pid)
    for _ in range(HELD):
        s = socket.create_connection(("127.0.0.1", port), timeout=20)
        s.sendall(request("GetActivityTask", {"activityArn": IDLE}))
        polls.append(s)
    end = time.time() + 30
    while sockets(p.pid) < base + HELD and time.time() < end:
        time.sleep(0.05)
    time.sleep(0.3)  # the polls' threads reach their wait
    s = socket.create_connection(("127.0.0.1", port), timeout=20)
    s.sendall(request("GetActivityTask", {"activityArn": IDLE}))
    s.settimeout(5)  # a poll held (no answer) is the failure
    got = b""
    try:
        while b"}" not in got:
            k = s.recv(65536)
            if not k:
                break
            got += k
    except socket.timeout:
        pass
    s.close()
    eq("poll %d is answered 503" % (HELD + 1), got.split(b"\r\n", 1)[0],
       b"HTTP/1.1 503 Service Unavailable")
finally:
    for s in polls:
        s.close()
    p.kill()
    p.wait()
    shutil.rmtree(work, ignore_errors=True)
finish()
