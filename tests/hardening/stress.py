#!/usr/bin/env python3
"""Stress: random mutations of the conformance cases' definitions and inputs,
built and run; any signal, sanitizer report or hang is a finding.

usage: stress.py ASLC N [SEED] [--backend c|llvm]   (by hand, not in CI: N
of 10,000 takes hours; build aslc with -DASLC_SANITIZE=ON to run the
executables under ASan/UBSan)

Mutations, at JSON level: a number becomes an extreme (0, -1, 2**63,
1e400, 99999999999999999999), a string gets hostile text (NUL, invalid
escapes kept valid JSON, 10,000 characters, "$$", "{% %}"), a value changes
type, a value is wrapped 50 levels deep, an array grows to 5,000 items, a
key is dropped.  Definitions aslc rejects are skipped (the checker did its
job); a build that crashes aslc is a finding.  Findings go to
stress-findings/ with the definition, input and output.
"""
import glob, json, os, random, subprocess, sys, tempfile

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
    rnd = random.Random(int(args[2]) if len(args) > 2 else 1)
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
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(n):
            c = rnd.choice(cases)
            d, inp = c["definition"], c.get("input", {})
            if rnd.random() < 0.6:
                d = mutate(d, rnd)
            else:
                inp = mutate(inp, rnd)
            src, exe = os.path.join(tmp, "m.asl.json"), os.path.join(tmp, "m")
            json.dump(d, open(src, "w"))
            why = None
            try:
                b = subprocess.run([aslc, "build", src, "-o", exe, "--backend", backend],
                                   capture_output=True, timeout=120)
            except subprocess.TimeoutExpired:
                b = None
                why = "aslc build hang (120 s)"
            if b is None:
                pass
            elif b.returncode < 0 or b.returncode > 2:
                why = "aslc build exit %d" % b.returncode
            elif b.returncode != 0:
                stats["rejected"] += 1
                continue
            else:
                stats["run"] += 1
                try:
                    p = subprocess.run([exe, "--clock", "virtual"], input=json.dumps(inp).encode(),
                                       capture_output=True, timeout=30)
                    if p.returncode not in (0, 1, 2) or b"Sanitizer" in p.stderr or b"runtime error" in p.stderr:
                        why = "exit %d: %s" % (p.returncode, p.stderr[-2000:].decode("utf-8", "replace"))
                except subprocess.TimeoutExpired:
                    why = "hang (30 s)"
            if why:
                stats["findings"] += 1
                os.makedirs(findings, exist_ok=True)
                with open(os.path.join(findings, "f%05d.json" % k), "w") as f:
                    json.dump({"definition": d, "input": inp, "why": why}, f)
                print("finding %d: %s" % (k, why[:300]), flush=True)
    print("%(run)d run, %(rejected)d rejected by the checker, %(findings)d findings" % stats)
    return 1 if stats["findings"] else 0


if __name__ == "__main__":
    sys.exit(main())
