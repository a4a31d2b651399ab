#!/usr/bin/env python3
"""History goldens: each DIR/NAME.asl.json is built and run under the virtual
clock with DIR/context.json (a fixed execution name and start time),
NAME.input.json and, when present, NAME.mocks.json (state -> MockedResponses
entry), with --trace, --log-level ERROR and --metrics; its --history file, its
exit status, stdout and stderr (the trace lines, then the error), its log
lines and its metrics must equal NAME.history.json, NAME.out, NAME.log and
NAME.prom byte for byte (--update rewrites them).

  golden.py ASLC DIR [--update]
"""
import json
import os
import subprocess
import sys
import tempfile


def run(aslc, d, name, work):
    exe = os.path.join(work, "machine")
    p = subprocess.run([aslc, "build", os.path.join(d, name + ".asl.json"), "-o", exe],
                       capture_output=True, text=True, timeout=300)
    if p.returncode:
        raise RuntimeError("build failed: " + p.stderr)
    hist = os.path.join(work, "history.json")
    args = [exe, "--clock", "virtual", "--context", os.path.join(d, "context.json"),
            "--input", os.path.join(d, name + ".input.json"), "--history", hist, "--trace",
            "--log-level", "ERROR", "--log-file", os.path.join(work, "log"),
            "--metrics", os.path.join(work, "prom")]
    mocks = os.path.join(d, name + ".mocks.json")
    if os.path.exists(mocks):
        with open(mocks, encoding="utf-8") as f:
            m = json.load(f)
        cfg = {"StateMachines": {name: {"TestCases": {"T": {s: s for s in m}}}},
               "MockedResponses": m}
        with open(os.path.join(work, "mocks.json"), "w", encoding="utf-8") as f:
            json.dump(cfg, f)
        args += ["--mock-config", os.path.join(work, "mocks.json"), "--test-case", "T"]
    p = subprocess.run(args, capture_output=True, text=True, timeout=60)
    out = "exit %d\n%s%s" % (p.returncode, p.stdout, p.stderr)
    res = []
    for f in (hist, os.path.join(work, "log"), os.path.join(work, "prom")):
        with open(f, encoding="utf-8") as g:
            res.append(g.read())
    return res[0], out, res[1], res[2]


def main():
    aslc, d = os.path.abspath(sys.argv[1]), sys.argv[2]
    update = "--update" in sys.argv
    failed = 0
    for f in sorted(os.listdir(d)):
        if not f.endswith(".asl.json"):
            continue
        name = f[:-len(".asl.json")]
        with tempfile.TemporaryDirectory() as work:
            hist, out, log, prom = run(aslc, d, name, work)
        for suffix, got in ((".history.json", hist), (".out", out), (".log", log),
                            (".prom", prom)):
            path = os.path.join(d, name + suffix)
            if update:
                with open(path, "w", encoding="utf-8") as g:
                    g.write(got)
                continue
            with open(path, encoding="utf-8") as g:
                want = g.read()
            if got != want:
                failed += 1
                print("FAIL %s%s:\n got  %s\n want %s" % (name, suffix, got[:600], want[:600]))
    print("%s, %d failed" % ("updated" if update else "compared", failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
