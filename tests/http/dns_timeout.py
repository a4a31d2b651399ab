#!/usr/bin/env python3
"""The built-in HTTP client (static executables) bounds name resolution by
the request's time limit: in a network and mount namespace of its own
(unshare -mn) /etc/resolv.conf names a DNS server on 127.0.0.1 that never
answers (timeout:30), and a Task calling a Url binding on a host name with
TimeoutSeconds 2 fails with States.Timeout within 2-5 s, where getaddrinfo
alone would wait 30 s.  Skipped (77) where unshare -mn is not allowed.
    dns_timeout.py ASLC SOURCE_DIR"""
import fcntl, json, os, shutil, socket, struct, subprocess, sys, tempfile, threading, time

if len(sys.argv) > 1 and sys.argv[1] == "--inside":
    exe, bindings, infile = sys.argv[2:5]
    try:
        # the namespace's loopback is down until raised (SIOCGIFFLAGS/SIOCSIFFLAGS)
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        ifr = fcntl.ioctl(s, 0x8913, struct.pack("16sH14x", b"lo", 0))
        flags = struct.unpack("16sH14x", ifr)[1]
        fcntl.ioctl(s, 0x8914, struct.pack("16sH14x", b"lo", flags | 1))
        conf = os.path.join(os.path.dirname(bindings), "resolv.conf")
        with open(conf, "w") as f:
            f.write("nameserver 127.0.0.1\noptions timeout:30 attempts:1\n")
        m = subprocess.run(["mount", "--bind", conf, "/etc/resolv.conf"], capture_output=True,
                           text=True)
        if m.returncode != 0:
            raise OSError("mount --bind: " + m.stderr.strip())
        hole = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        hole.bind(("127.0.0.1", 53))  # reads nothing, answers nothing
    except OSError as e:
        print(json.dumps({"skip": str(e)}))
        sys.exit(0)
    t0 = time.time()
    p = subprocess.run([exe, "--bindings", bindings, "--input", infile], capture_output=True,
                       text=True, timeout=60)
    print(json.dumps({"rc": p.returncode, "took": time.time() - t0,
                      "last": (p.stderr.strip().splitlines() or [""])[-1]}))
    sys.exit(0)

aslc, src = sys.argv[1], sys.argv[2]
if not shutil.which("unshare") or subprocess.run(
        ["unshare", "-mn", "true"], capture_output=True).returncode != 0:
    print("skipping: unshare -mn (a network and mount namespace) is not allowed here")
    sys.exit(77)
work = tempfile.mkdtemp()
env = dict(os.environ)
flags = ["--static"]
if os.environ.get("ASLC_SANITIZED") == "1":
    if not shutil.which("ld.lld"):
        print("skipping: sanitized, and ld.lld (to link the built-in client) is not installed")
        sys.exit(77)
    flags = []
    env["LDFLAGS"] = ("-Wl,--undefined=aslrt_builtin_libs -l:libmbedtls.a "
                      "-l:libmbedx509.a -l:libmbedcrypto.a")
with open(os.path.join(src, "samples/inventory-url/reserve.asl.json")) as f:
    m = json.load(f)
m["States"]["ReserveLines"]["ItemProcessor"]["States"]["Reserve"]["TimeoutSeconds"] = 2
with open(os.path.join(work, "m.asl.json"), "w") as f:
    json.dump(m, f)
exe = os.path.join(work, "m")
b = subprocess.run([aslc, "build", os.path.join(work, "m.asl.json"), "-o", exe] + flags,
                   env=env, capture_output=True, text=True)
if b.returncode != 0:
    print("FAIL: build: " + b.stderr)
    sys.exit(1)
bindings = os.path.join(work, "b.json")
with open(bindings, "w") as f:
    json.dump({"Bindings": {"reserve-stock": {"Url": "http://inventory.example/reserve"}}}, f)
infile = os.path.join(work, "in.json")
with open(infile, "w") as f:
    json.dump({"order": "A", "lines": [{"sku": "apple", "qty": 2}]}, f)
p = subprocess.run(["unshare", "-mn", sys.executable, os.path.abspath(__file__), "--inside",
                    exe, bindings, infile], capture_output=True, text=True, timeout=120)
shutil.rmtree(work)
try:
    got = json.loads(p.stdout)
except ValueError:
    print("FAIL: the run inside the namespace: %s %s" % (p.stdout, p.stderr))
    sys.exit(1)
if "skip" in got:
    print("skipping: the namespace could not be set up: " + got["skip"])
    sys.exit(77)
fails = 0
ok = got["rc"] == 1 and json.loads(got["last"]).get("Error") == "States.Timeout"
print("testing a hanging DNS server ends the Task with States.Timeout ... %s"
      % ("passed" if ok else "FAILED: %r" % got))
fails += not ok
ok = 1.5 <= got["took"] < 5
print("testing it ends at the Task's TimeoutSeconds (2 s): %.2f s ... %s"
      % (got["took"], "passed" if ok else "FAILED"))
fails += not ok
sys.exit(1 if fails else 0)
