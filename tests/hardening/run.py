#!/usr/bin/env python3
"""Hardening regressions: hostile inputs, configs and definitions, each with
its exact expected outcome (never a signal).

usage: run.py ASLC [CASES.json] [--backend c|llvm|both] [--filter SUBSTR]

Each case of cases.json: "name"; the definition ("asl", a JSON value,
"asl_text", raw text, or "asl_expr", a Python expression: see HELPERS); the execution input ("input", raw text; default "{}",
"input_big": a JSON string input of that many bytes, or "input_expr": a
Python expression making the input text); extra "files"
(name -> raw text, written beside the executable; "args" refer to them by
name); the executable's "args"; and what must happen: "status" (exit code),
"stdout" (exact, without the final newline) or "stdout_re" (a regex), "error" (the Error name of the
last stderr line), "cause_has" / "stderr_has" / "stderr_lacks" (substrings), "timeout"
(seconds, default 20); "max_rss_kb": the executable's peak RSS bound (a
benchmark, not a timing: memory must stay linear in the work).  "check": the definition goes to `aslc check` instead,
and "status"/"stderr_has" apply to it.
"""
import json, os, re, subprocess, sys, tempfile


def main():
    args = sys.argv[1:]
    if not args:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    aslc = os.path.abspath(args.pop(0))
    cases_file = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cases.json")
    backends, filt = ["c"], ""
    while args:
        a = args.pop(0)
        if a == "--backend":
            b = args.pop(0)
            backends = ["c", "llvm"] if b == "both" else [b]
        elif a == "--filter":
            filt = args.pop(0)
        else:
            cases_file = a
    cases = json.load(open(cases_file, encoding="utf-8"))
    passed = failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        built = {}
        for i, case in enumerate(cases):
            if filt not in case["name"]:
                continue
            for be in backends:
                why = run_case(aslc, tmp, i, case, be, built)
                label = "%s (%s)" % (case["name"], be)
                if why:
                    failed += 1
                    print("[FAIL] %s: %s" % (label, why))
                else:
                    passed += 1
                    print("[PASS] %s" % label)
                if case.get("check"):
                    break
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


def run_case(aslc, tmp, i, case, backend, built):
    d = os.path.join(tmp, "case%d" % i)
    os.makedirs(d, exist_ok=True)
    if "asl_expr" in case:
        text = json.dumps(eval(case["asl_expr"], dict(HELPERS)))
    else:
        text = case["asl_text"] if "asl_text" in case else json.dumps(case["asl"])
    src = os.path.join(d, "m.asl.json")
    with open(src, "w", encoding="utf-8") as f:
        f.write(text)
    for name, body in case.get("files", {}).items():
        with open(os.path.join(d, name), "w", encoding="utf-8", errors="surrogateescape") as f:
            f.write(body)
    if case.get("check"):
        try:
            p = subprocess.run([aslc, "check", src], capture_output=True, timeout=60,
                               encoding="utf-8", errors="replace")
        except subprocess.TimeoutExpired:
            return "aslc check took more than 60 s"
        return outcome(case, p)
    key = (text, backend)
    exe = built.get(key)
    if not exe:
        exe = os.path.join(d, "m-" + backend)
        try:
            p = subprocess.run([aslc, "build", src, "-o", exe, "--backend", backend, "--name", "m"],
                               capture_output=True, timeout=120, encoding="utf-8", errors="replace")
        except subprocess.TimeoutExpired:
            return "aslc build took more than 120 s"
        if p.returncode != 0:
            return "build failed: " + p.stderr.strip()[-500:]
        built[key] = exe
    if "input_expr" in case:
        inp = eval(case["input_expr"], dict(HELPERS)).encode("utf-8")
    elif "input_big" in case:
        inp = b'"' + b"x" * (case["input_big"] - 2) + b'"'
    else:
        inp = case.get("input", "{}").encode("utf-8", "surrogateescape")
    try:
        cmd = [exe] + case.get("args", [])
        if "max_rss_kb" in case:
            cmd = [sys.executable, "-c", WRAP, os.path.join(d, "rss")] + cmd
        p = subprocess.run(cmd, input=inp, cwd=d, capture_output=True,
                           timeout=case.get("timeout", 20),
                           env=dict(os.environ, **case.get("env", {})))
    except subprocess.TimeoutExpired:
        return "timed out"
    p.stdout = p.stdout.decode("utf-8", "replace")
    p.stderr = p.stderr.decode("utf-8", "replace")
    why = outcome(case, p)
    if not why and "max_rss_kb" in case:
        rss = int(open(os.path.join(d, "rss")).read())
        # sanitizers (ASan's shadow memory and quarantine) multiply memory
        bound = case["max_rss_kb"] * (8 if os.environ.get("ASLC_SANITIZED") else 1)
        print("  %s: peak RSS %d KB (bound %d KB)" % (case["name"], rss, bound))
        if rss > bound:
            why = "peak RSS %d KB, more than %d KB" % (rss, bound)
    return why


def nested_parallel(n):
    """A Parallel state holding a Parallel state ... n deep."""
    d = {"StartAt": "S", "States": {"S": {"Type": "Pass", "End": True}}}
    for i in range(1, n + 1):
        d = {"StartAt": "P%d" % i,
             "States": {"P%d" % i: {"Type": "Parallel", "Branches": [d], "End": True}}}
    return d


# What "asl_expr" and "input_expr" may use.
HELPERS = {"json": json, "nested_parallel": nested_parallel,
           "nested_array": lambda n: "[" * n + "1" + "]" * n}


# Runs argv[2:] and writes its peak RSS (KB) to argv[1]: only the executable
# is measured, not aslc or the C compiler.
WRAP = """
import resource, subprocess, sys
rc = subprocess.run(sys.argv[2:]).returncode
open(sys.argv[1], "w").write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
sys.exit(rc if rc >= 0 else 128 - rc)
"""


def outcome(case, p):
    if p.returncode < 0:
        return "killed by signal %d: %s" % (-p.returncode, p.stderr[-300:])
    want = case.get("status", 0)
    if p.returncode != want:
        return "exit %d, expected %d; stdout %r stderr %r" % (p.returncode, want, p.stdout[:300],
                                                              p.stderr[-300:])
    if "stdout" in case and p.stdout.rstrip("\n") != case["stdout"]:
        return "stdout %r, expected %r" % (p.stdout[:300], case["stdout"])
    if "stdout_re" in case and not re.fullmatch(case["stdout_re"], p.stdout.rstrip("\n")):
        return "stdout %r does not match %r" % (p.stdout[:300], case["stdout_re"])
    if "error" in case or "cause_has" in case:
        lines = p.stderr.strip().splitlines()
        try:
            err = json.loads(lines[-1])
        except (ValueError, IndexError):
            return "no {Error, Cause} line on stderr: %r" % p.stderr[-300:]
        if "error" in case and err.get("Error") != case["error"]:
            return "Error %r, expected %r (Cause %r)" % (err.get("Error"), case["error"],
                                                       err.get("Cause"))
        if "cause_has" in case and case["cause_has"] not in err.get("Cause", ""):
            return "Cause %r lacks %r" % (err.get("Cause"), case["cause_has"])
    if "stderr_has" in case and case["stderr_has"] not in p.stderr:
        return "stderr %r lacks %r" % (p.stderr[-400:], case["stderr_has"])
    if "stderr_lacks" in case and case["stderr_lacks"] in p.stderr:
        return "stderr %r has %r" % (p.stderr[-400:], case["stderr_lacks"])
    return None


if __name__ == "__main__":
    sys.exit(main())
