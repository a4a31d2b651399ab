#!/usr/bin/env python3
"""Stress: random mutations of the conformance cases' definitions and inputs,
built and run; any signal, sanitizer report or hang is a finding.

usage: stress.py ASLC N [SEED] [--backend c|llvm]   (by hand, not in CI: N
of 10,000 took 30 min with the LLVM backend on a loaded 2-core machine;
build aslc with -DASLC_SANITIZE=ON to run the executables under ASan/UBSan;
tests/hardening/README.md records the runs)

Mutations, at JSON level: a number becomes an extreme (0, -1, 2**63,
1e400, 99999999999999999999), a string gets hostile text (NUL, invalid
escapes kept valid JSON, 10,000 characters, "$$", "{% %}"), a value changes
type, a value is wrapped 50 levels deep, an array grows to 5,000 items, a
key is dropped.  Each run mutates one part of a case: its definition, its
input, or its mocks (passed as tests/conformance/run.py passes them) or
context.  Builds are -O0 (the fastest), EXPRESS cases --type express.
Definitions aslc rejects are skipped (the checker did its job); a build
that crashes aslc is a finding.  Findings go to stress-findings/ with the
definition, input, mocks, context and why; progress every 250.
"""
import glob, json, os, random, subprocess, sys, tempfile, time

EXTREME_NUMS = [0, -1, 2 ** 63, -(2 ** 63) - 1, 1e308, 99999999999999999999, 0.1, 99999999]
HOSTILE = ["\u0000", "a\"b\\c", "x" * 10000, "$$", "$", "{% $x %}", "{%%}", "States.Format('{}')",
           "\ud7ff\ue000", "2016-03-14T01:59:00Z", "9999-12-31T23:59:59Z", "-1"]


def mutate(v, rnd, depth=0):
    r = rnd.random()
    if isinstance(v, dict) and v:
        k = rnd.choice(list(v))
        if r < 0.1:
            v = dict(v)
            del v[k]
            return v
        v = dict(v)
        v[k] = mutate(v[k], rnd, depth + 1)
        return v
    if isinstance(v, list) and v:
        if r < 0.05:
            return v * (5000 // len(v) + 1)
        i = rnd.randrange(len(v))
        v = list(v)
        v[i] = mutate(v[i], rnd, depth + 1)
        return v
    if r < 0.1:
        w = v
        for _ in range(50):
            w = [w]
        return w
    if r < 0.3:
        return rnd.choice([None, True, [], {}, "", 1.5])
    if isinstance(v, bool):
        return not v
    if isinstance(v, (int, float)):
        return rnd.choice(EXTREME_NUMS)
    if isinstance(v, str):
        return rnd.choice(HOSTILE) if r < 0.7 else v + rnd.choice(HOSTILE)
    return v


def pick(c, rnd):
    """One case, one of its parts mutated: the definition, the input, or
    (where the case has them) its mocks or context."""
    parts = {"definition": c["definition"], "input": c.get("input", {}),
             "mocks": c.get("mocks"), "context": c.get("context")}
    r = rnd.random()
    which = "definition" if r < 0.55 else "input" if r < 0.8 else "mocks" if r < 0.9 else "context"
    if parts[which] is None:
        which = "input"
    parts[which] = mutate(parts[which], rnd)
    return parts


def run_one(aslc, tmp, c, parts, backend):
    """None, or why the case is a finding; "rejected" when the checker refused it."""
    src, exe = os.path.join(tmp, "m.asl.json"), os.path.join(tmp, "m")
    with open(src, "w") as f:
        json.dump(parts["definition"], f)
    # -O0: the fastest build; behaviour is the same at every level
    cmd = [aslc, "build", src, "-o", exe, "--backend", backend, "-O0"]
    if c.get("state_machine_type") == "EXPRESS":
        cmd += ["--type", "express"]
    try:
        b = subprocess.run(cmd, capture_output=True, timeout=120)
    except subprocess.TimeoutExpired:
        return "aslc build hang (120 s)"
    if b.returncode < 0 or b.returncode > 2 or b"Sanitizer" in b.stderr:
        return "aslc build exit %d: %s" % (b.returncode, b.stderr[-2000:].decode("utf-8", "replace"))
    if b.returncode != 0:
        return "rejected"
    args = [exe, "--clock", "virtual"]
    mocks = parts["mocks"]
    if mocks is not None:
        # as tests/conformance/run.py passes them: state -> responses
        names = list(mocks) if isinstance(mocks, dict) else []
        cfg = {"StateMachines": {"machine": {"TestCases": {"Case": {s: s for s in names}}}},
               "MockedResponses": mocks}
        with open(os.path.join(tmp, "mocks.json"), "w") as f:
            json.dump(cfg, f)
        args += ["--mock-config", os.path.join(tmp, "mocks.json"), "--test-case", "Case"]
    if parts["context"] is not None:
        with open(os.path.join(tmp, "context.json"), "w") as f:
            json.dump(parts["context"], f)
        args += ["--context", os.path.join(tmp, "context.json")]
    try:
        p = subprocess.run(args, input=json.dumps(parts["input"]).encode(), capture_output=True,
                           timeout=30)
    except subprocess.TimeoutExpired:
        return "hang (30 s)"
    if p.returncode not in (0, 1, 2) or b"Sanitizer" in p.stderr or b"runtime error" in p.stderr:
        return "exit %d: %s" % (p.returncode, p.stderr[-2000:].decode("utf-8", "replace"))
    return None


def main():
    args = sys.argv[1:]
    backend = "c"
    if "--backend" in args:
        i = args.index("--backend")
        backend = args[i + 1]
        del args[i:i + 2]
    if len(args) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    aslc, n = os.path.abspath(args[0]), int(args[1])
    seed = int(args[2]) if len(args) > 2 else 1
    rnd = random.Random(seed)
    here = os.path.dirname(os.path.abspath(__file__))
    cases = []
    for path in sorted(glob.glob(os.path.join(here, "../conformance/execution/*.json"))):
        try:
            c = json.load(open(path, encoding="utf-8"))
            cases.append(c)
        except ValueError:
            pass
    findings = os.path.join(os.getcwd(), "stress-findings")
    stats = {"run": 0, "rejected": 0, "findings": 0}
    t0 = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(n):
            c = rnd.choice(cases)
            parts = pick(c, rnd)
            why = run_one(aslc, tmp, c, parts, backend)
            if why == "rejected":
                stats["rejected"] += 1
            elif why is None:
                stats["run"] += 1
            else:
                stats["findings"] += 1
                os.makedirs(findings, exist_ok=True)
                with open(os.path.join(findings, "s%d-%05d.json" % (seed, k)), "w") as f:
                    json.dump(dict(parts, case=c.get("name"), why=why,
                                   state_machine_type=c.get("state_machine_type")), f)
                print("finding %d: %s" % (k, why[:300]), flush=True)
            if (k + 1) % 250 == 0:
                print("%d/%d after %.0f s: %d run, %d rejected, %d findings" % (
                    k + 1, n, time.time() - t0, stats["run"], stats["rejected"],
                    stats["findings"]), flush=True)
    print("seed %d, %s backend: %d run, %d rejected by the checker, %d findings in %.0f s" % (
        seed, backend, stats["run"], stats["rejected"], stats["findings"], time.time() - t0))
    return 1 if stats["findings"] else 0


if __name__ == "__main__":
    sys.exit(main())
