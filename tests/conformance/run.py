#!/usr/bin/env python3
"""aslc's conformance runner: the cases in execution/ and validation/ (copied,
unchanged, from the project's shared conformance data; provenance and licenses
in SOURCE.md) through aslc, on each backend.

  run.py ASLC [--backend c|llvm|both] [--cases DIR ...] [--known FILE] [--jobs N]
         [--filter SUBSTR] [--write-known]

Execution cases are built with `aslc build`, run with `--clock virtual`, their
mocks (as an AWS Step Functions Local MockConfigFile) and context, and compared
as JSON with the expected output or error (its name, and its cause wherever the
recording holds no <placeholder>).  Validation cases run `aslc check`.
With both backends, the two executables' stdout and last stderr line must be
byte-identical.

Prints one `FAIL [backend] case: why` line per failure, a summary per
backend, and a closing `N passed, N failed` line (counts of case x backend).
Exit status 1 only for a regression: a failure not listed in the known
failures file, so each issue that fixes cases shrinks that list.
"""
import argparse
import concurrent.futures as cf
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def same_json(a, b):
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(same_json(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(map(same_json, a, b))
    return a == b


def last_line(text):
    lines = text.strip().splitlines()
    return lines[-1] if lines else ""


def first_line(text):
    lines = text.strip().splitlines()
    return lines[0] if lines else "?"


def run_validation(aslc, case, work):
    src = os.path.join(work, "machine.asl.json")
    with open(src, "w", encoding="utf-8") as f:
        if "definition_text" in case:
            f.write(case["definition_text"])
        else:
            json.dump(case["definition"], f)
    cmd = [aslc, "check", src]
    if case.get("state_machine_type") == "EXPRESS":
        cmd += ["--type", "express"]
    p = subprocess.run(cmd, capture_output=True, encoding="utf-8", errors="replace", timeout=60)
    if p.returncode < 0:
        return False, "crashed (signal %d)" % -p.returncode, None
    if p.returncode not in (0, 1):
        return False, "exit status %d: %s" % (p.returncode, last_line(p.stderr)[:120]), None
    if (p.returncode == 0) == case["valid"]:
        return True, "", None
    if case["valid"]:
        return False, "valid, reported invalid: " + first_line(p.stderr)[:140], None
    return False, "invalid (%s), reported valid" % case.get("reason", "")[:100], None


def run_execution(aslc, case, work, backend):
    src = os.path.join(work, "machine.asl.json")
    with open(src, "w", encoding="utf-8") as f:
        json.dump(case["definition"], f)
    exe = os.path.join(work, "machine-" + backend)
    # -O0: the cases check behaviour, which is the same at every level
    cmd = [aslc, "build", src, "-o", exe, "--backend", backend, "-O0"]
    if case.get("state_machine_type") == "EXPRESS":
        cmd += ["--type", "express"]
    p = subprocess.run(cmd, capture_output=True, encoding="utf-8", errors="replace", timeout=300)
    if p.returncode != 0:
        return False, "build failed: " + first_line(p.stderr)[:160], None
    args = [exe, "--clock", "virtual"]
    if case.get("mocks"):
        cfg = {"StateMachines": {"machine": {"TestCases": {"Case": {s: s for s in case["mocks"]}}}},
               "MockedResponses": case["mocks"]}
        path = os.path.join(work, "mocks.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(cfg, f)
        args += ["--mock-config", path, "--test-case", "Case"]
    if case.get("context"):
        path = os.path.join(work, "context.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(case["context"], f)
        args += ["--context", path]
    try:
        p = subprocess.run(args, input=json.dumps(case.get("input", {})), capture_output=True,
                           encoding="utf-8", errors="replace", timeout=60)
    except subprocess.TimeoutExpired:
        return False, "run timed out", None
    seen = (p.returncode, p.stdout, last_line(p.stderr))
    exp = case["expect"]
    if p.returncode < 0:
        return False, "crashed (signal %d)" % -p.returncode, seen
    if exp["status"] == "SUCCEEDED":
        if p.returncode != 0:
            return False, "expected SUCCEEDED, got: " + last_line(p.stderr)[:160], seen
        try:
            out = json.loads(p.stdout)
        except ValueError:
            return False, "output is not JSON: " + p.stdout[:120], seen
        if "output" in exp and not same_json(out, exp["output"]):
            return False, "output differs: got %s want %s" % (
                json.dumps(out)[:140], json.dumps(exp["output"])[:140]), seen
        return True, "", seen
    if p.returncode != 1:
        return False, "expected FAILED %s, got exit %d %s" % (
            exp.get("error"), p.returncode, p.stdout[:100]), seen
    try:
        err = json.loads(last_line(p.stderr))
    except ValueError:
        err = {}
    if "error" in exp and err.get("Error") != exp["error"]:
        return False, "error differs: got %r want %r" % (err.get("Error"), exp["error"]), seen
    # the Cause too, as AWS words it, wherever the recording holds no <placeholder>
    if "cause" in exp and "<" not in exp["cause"] and err.get("Cause") != exp["cause"]:
        return False, "cause differs: got %r want %r" % (
            str(err.get("Cause"))[:160], exp["cause"][:160]), seen
    return True, "", seen


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("aslc")
    ap.add_argument("--backend", default="both", choices=["c", "llvm", "both"])
    ap.add_argument("--cases", action="append")
    ap.add_argument("--known", default=os.path.join(HERE, "known-failures.txt"))
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--filter", default="")
    ap.add_argument("--write-known", action="store_true",
                    help="rewrite the known-failures file with this run's failures")
    a = ap.parse_args()
    aslc = os.path.abspath(a.aslc)
    dirs = a.cases or [os.path.join(HERE, "execution"), os.path.join(HERE, "validation")]
    backends = ["c", "llvm"] if a.backend == "both" else [a.backend]
    files = sorted(os.path.join(d, f) for d in dirs for f in os.listdir(d)
                   if f.endswith(".json") and a.filter in f)

    def one(path):
        with open(path, encoding="utf-8") as f:
            case = json.load(f)
        name = os.path.basename(path)[:-5]
        results = []
        with tempfile.TemporaryDirectory() as work:
            try:
                if "valid" in case:
                    ok, why, _ = run_validation(aslc, case, work)
                    results = [("check", ok, why)]
                else:
                    seen = {}
                    for b in backends:
                        ok, why, seen[b] = run_execution(aslc, case, work, b)
                        results.append((b, ok, why))
                    if len(backends) == 2 and seen["c"] and seen["llvm"] and seen["c"] != seen["llvm"]:
                        results[1] = ("llvm", False, "backends differ: c %r llvm %r" % (
                            seen["c"][1][:60] + seen["c"][2][:60], seen["llvm"][1][:60] + seen["llvm"][2][:60]))
            except Exception as e:  # a harness fault is a failure, visibly
                results = [(b, False, "harness: %s" % e) for b in backends]
        return name, results

    known = set()
    if os.path.exists(a.known):
        with open(a.known, encoding="utf-8") as f:
            known = {l.strip() for l in f if l.strip() and not l.startswith("#")}

    counts = {}
    failures, fixed = [], []
    with cf.ThreadPoolExecutor(a.jobs) as ex:
        for name, results in ex.map(one, files):
            for b, ok, why in results:
                c = counts.setdefault(b, [0, 0])
                key = "%s %s" % (b, name)
                if ok:
                    c[0] += 1
                    if key in known:
                        fixed.append(key)
                else:
                    c[1] += 1
                    failures.append((key, why))
    regressions = [k for k, _ in failures if k not in known]
    for key, why in failures:
        b, name = key.split(" ", 1)
        mark = "" if key in known else " (regression)"
        print("FAIL [%s] %s: %s%s" % (b, name, why.replace("\n", "\\n"), mark))
    for key in fixed:
        print("now passing (remove from %s): %s" % (os.path.basename(a.known), key))
    for b, (p, f) in sorted(counts.items()):
        print("%s: %d passed, %d failed" % (b, p, f))
    if a.write_known:
        with open(a.known, "w", encoding="utf-8") as f:
            f.write("# Conformance cases aslc fails today, as '<backend> <case>'.\n"
                    "# CI fails on any failure not listed here; each issue that fixes cases\n"
                    "# removes them (tests/conformance/run.py --write-known).\n")
            for key, _ in sorted(failures):
                f.write(key + "\n")
    if regressions:
        print("%d regression(s) against %s" % (len(regressions), os.path.basename(a.known)))
    total_p = sum(c[0] for c in counts.values())
    total_f = sum(c[1] for c in counts.values())
    print("%d passed, %d failed" % (total_p, total_f))
    return 1 if regressions else 0


if __name__ == "__main__":
    sys.exit(main())
