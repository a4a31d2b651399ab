#!/usr/bin/env python3
"""--listen under load: 1,004 GetActivityTask long polls held at once (the
server's 1,020 connections less 16 kept for other requests), one more poll
answered 503 ServiceUnavailable, a request on the 1,021st connection
answered 503 in AWS's error shape, and SendTaskSuccess still served, by
both servers (the built-in one of static executables, libmicrohttpd);
past 1,052 connections the built-in server still answers 503, where
libmicrohttpd closes the connection.  Prints the memory a held poll costs.
    caps.py ASLC"""
import json, os, resource, select, shutil, socket, subprocess, sys, tempfile, time
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from checks import eq, finish  # noqa: E402
from common import request, sockets  # noqa: E402

aslc = sys.argv[1]
work = tempfile.mkdtemp()
CONNS, SPARE, OVER = 1020, 16, 32
BUSY = (503, '{"__type":"ServiceUnavailable","message":"The server has too many '
        'connections open; try again"}')


def call(port, op, body, timeout=20):
    """(status, body) of one request, or (None, error) when the connection
    ended without an answer."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        s.sendall(request(op, body))
        got = b""
        while True:
            k = s.recv(65536)
            if not k:
                break
            got += k
            head, sep, rest = got.partition(b"\r\n\r\n")
            if sep:
                n = [int(l.split(b":")[1]) for l in head.split(b"\r\n")
                     if l.lower().startswith(b"content-length:")]
                if n and len(rest) >= n[0]:
                    break
    except OSError as e:
        return (None, str(e))
    finally:
        s.close()
    head, _, rest = got.partition(b"\r\n\r\n")
    if not head:
        return (None, "closed")
    return (int(head.split()[1]), rest.decode())


def threads(pid):
    return len(os.listdir("/proc/%d/task" % pid))


def rss_kib(pid):
    for line in open("/proc/%d/status" % pid):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def wait_sockets(pid, n, limit=30):
    """Whether the server holds n sockets within limit seconds."""
    end = time.time() + limit
    while sockets(pid) < n and time.time() < end:
        time.sleep(0.05)
    return sockets(pid) >= n


def wait_closed(pid, n, limit=10):
    """Wait until the server holds at most n sockets: a connection a client
    has closed may hold its place a moment longer."""
    end = time.time() + limit
    while sockets(pid) > n and time.time() < end:
        time.sleep(0.05)


def waiting(pid):
    """The server's threads asleep on a futex (a long poll waits on a
    condition variable), or None where the kernel does not say."""
    n, known = 0, False
    for t in os.listdir("/proc/%d/task" % pid):
        try:
            w = open("/proc/%d/task/%s/wchan" % (pid, t)).read()
        except OSError:
            continue
        known = known or w not in ("", "0")
        n += "futex" in w
    return n if known else None


def settle(pid, limit=10):
    """Wait until the server's thread count stays put for 0.3 s."""
    n, end = threads(pid), time.time() + limit
    while time.time() < end:
        time.sleep(0.3)
        if threads(pid) == n:
            break
        n = threads(pid)


WORK = "arn:aws:states:us-east-1:123456789012:activity:work"
IDLE = "arn:aws:states:us-east-1:123456789012:activity:idle"
src = os.path.join(work, "act.asl.json")
with open(src, "w") as f:
    json.dump({"StartAt": "Which", "States": {
        "Which": {"Type": "Choice", "Default": "Work", "Choices": [
            {"Variable": "$.never", "BooleanEquals": True, "Next": "Idle"}]},
        "Idle": {"Type": "Task", "Resource": IDLE, "End": True},
        "Work": {"Type": "Task", "Resource": WORK, "TimeoutSeconds": 120, "End": True}}}, f)

# the server's limit is 1,020 when the descriptor limit leaves room for it
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
want = 4096 if hard == resource.RLIM_INFINITY else min(hard, 4096)
if soft < want:
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
if want < CONNS + 100:
    print("skipping: the descriptor limit (%d) is too low for %d connections" % (want, CONNS))
    sys.exit(77)

# a server thread per connection: the pids limit (cgroup v1 or v2) must
# leave room for 1,020 of them beside the tests running alongside
def pids_max():
    for line in open("/proc/self/cgroup"):
        num, ctrl, path = line.rstrip("\n").split(":", 2)
        if ctrl in ("pids", ""):
            for f in ("/sys/fs/cgroup/pids%s/pids.max" % path, "/sys/fs/cgroup%s/pids.max" % path):
                try:
                    v = open(f).read().strip()
                    return None if v == "max" else int(v)
                except (OSError, ValueError):
                    pass
    return None


limit = pids_max()
nproc = resource.getrlimit(resource.RLIMIT_NPROC)[0]
if os.getuid() != 0 and nproc != resource.RLIM_INFINITY:
    limit = nproc if limit is None else min(limit, nproc)
if limit is not None and limit < 3 * CONNS:
    print("skipping: %d threads or processes allowed here, too few for %d connections and "
          "the tests running alongside" % (limit, CONNS))
    sys.exit(77)

variants = []
env = dict(os.environ)
if os.environ.get("ASLC_SANITIZED") == "1":
    # sanitized executables cannot be static: the built-in server linked
    # into a dynamic one, as tests/ship.sh does
    if shutil.which("ld.lld"):
        env["LDFLAGS"] = ("-Wl,--undefined=aslrt_builtin_libs -l:libmbedtls.a "
                          "-l:libmbedx509.a -l:libmbedcrypto.a")
        variants.append(("built-in", [], env))
    else:
        print("skipping the built-in server: sanitized, and ld.lld is not installed")
else:
    variants.append(("built-in", ["--static"], env))
variants.append(("libmicrohttpd", [], dict(os.environ)))

for name, flags, benv in variants:
    exe = os.path.join(work, "act-" + name)
    b = subprocess.run([aslc, "build", src, "-o", exe] + flags, env=benv,
                       capture_output=True, text=True)
    if b.returncode != 0:
        eq("%s: build" % name, b.stderr, "")
        continue
    err = open(os.path.join(work, name + ".err"), "w+")
    p = subprocess.Popen([exe, "--listen", "127.0.0.1:0"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=err, text=True)
    p.stdin.write('{"never": false}')
    p.stdin.close()
    p.stdin = None  # communicate() below must not flush it
    port = None
    for _ in range(300):
        err.seek(0)
        for line in err.read().splitlines():
            if line.startswith("listening on "):
                port = int(line.rsplit(":", 1)[1])
        if port:
            break
        time.sleep(0.1)
    if not port:
        err.seek(0)
        eq("%s: listening" % name, err.read(), "listening on ...")
        p.kill()
        continue
    status, body = call(port, "GetActivityTask", {"activityArn": WORK})
    token = json.loads(body).get("taskToken") if status == 200 else None
    eq("%s: GetActivityTask hands out the work" % name, bool(token), True)
    # the answered request's connection may still be ending
    settle(p.pid)
    base, rss0, sleeping = sockets(p.pid), rss_kib(p.pid), waiting(p.pid)
    polls = []
    for i in range(CONNS - SPARE):
        s = socket.create_connection(("127.0.0.1", port), timeout=20)
        s.sendall(request("GetActivityTask", {"activityArn": IDLE}))
        polls.append(s)
    held = wait_sockets(p.pid, base + CONNS - SPARE)
    # every poll taken in and waiting: seen asleep where the kernel says,
    # else the threads' count settled
    end = time.time() + 30
    while sleeping is not None and waiting(p.pid) < sleeping + CONNS - SPARE \
            and time.time() < end:
        time.sleep(0.1)
    settle(p.pid)
    unanswered = not select.select(polls, [], [], 0)[0]
    eq("%s: %d long polls held at once" % (name, CONNS - SPARE), held and unanswered, True)
    per = (rss_kib(p.pid) - rss0) / (CONNS - SPARE)
    print("%s: %.1f KiB of memory (RSS) per held long poll" % (name, per))
    eq("%s: one more poll is answered 503 ServiceUnavailable" % name,
       call(port, "GetActivityTask", {"activityArn": IDLE}),
       (503, '{"__type":"ServiceUnavailable","message":"Too many GetActivityTask polls '
                'are waiting; try again"}'))
    # the last 16 connections taken by clients sending nothing: the
    # 1,021st connection is answered, not closed
    wait_closed(p.pid, base + CONNS - SPARE)
    idle = [socket.create_connection(("127.0.0.1", port), timeout=20) for _ in range(SPARE)]
    eq("%s: %d connections open" % (name, CONNS), wait_sockets(p.pid, base + CONNS), True)
    settle(p.pid)
    eq("%s: connection %d is answered 503 in AWS's error shape" % (name, CONNS + 1),
       call(port, "SendTaskHeartbeat", {"taskToken": token}), BUSY)
    # and 32 more: past those the server itself is over its limit
    wait_closed(p.pid, base + CONNS)
    idle += [socket.create_connection(("127.0.0.1", port), timeout=20) for _ in range(OVER)]
    eq("%s: %d connections open" % (name, CONNS + OVER),
       wait_sockets(p.pid, base + CONNS + OVER), True)
    settle(p.pid)
    got = call(port, "SendTaskHeartbeat", {"taskToken": token})
    if name == "built-in":
        eq("%s: connection %d is answered 503 too" % (name, CONNS + OVER + 1), got, BUSY)
    else:
        eq("%s: connection %d is closed unanswered" % (name, CONNS + OVER + 1), got[0], None)
    for s in idle:
        s.close()
    end = time.time() + 10
    while sockets(p.pid) > base + CONNS - SPARE and time.time() < end:
        time.sleep(0.05)
    out = json.dumps({"taskToken": token, "output": '{"done": true}'})
    eq("%s: SendTaskSuccess is served while the polls wait" % name,
       call(port, "SendTaskSuccess", json.loads(out)), (200, "{}"))
    try:
        stdout, _ = p.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()
        stdout, _ = p.communicate()
    eq("%s: the execution ends with the activity's output" % name,
       (p.returncode, stdout.strip()), (0, '{"done":true}'))
    for s in polls:
        s.close()
    err.close()

shutil.rmtree(work)
finish("listen_caps")
