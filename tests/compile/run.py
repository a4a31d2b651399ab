#!/usr/bin/env python3
"""Golden diagnostics tests for `aslc check`: the checker's (tests/compile/)
and the type checker's (tests/types/).

usage: run.py ASLC [DIR]        (DIR defaults to this script's folder)
       UPDATE=1 run.py ASLC     rewrite every NAME.err from aslc's output

For each NAME.asl.json in DIR, runs `aslc check NAME.asl.json` from DIR (so
file names in diagnostics are relative and goldens machine-independent), with
`--input-schema NAME.schema.json` when that file exists and the arguments of
NAME.args (e.g. `--type express`) when that one does, and compares stderr
with NAME.err, exactly.  The expected exit status is 1 when NAME.err holds an
`error:` line, else 0 (valid, possibly with warnings; an empty or absent
NAME.err means no output at all).  Prints [PASS]/[FAIL] NAME, a diff for
failures, and a closing `N passed, N failed` line; exits 1 on any failure.
"""
import difflib, glob, os, subprocess, sys


def main():
    if len(sys.argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    aslc = os.path.abspath(sys.argv[1])
    d = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else os.path.dirname(__file__))
    update = os.environ.get("UPDATE") == "1"
    passed = failed = 0
    for src in sorted(glob.glob(os.path.join(d, "*.asl.json"))):
        name = os.path.basename(src)[: -len(".asl.json")]
        errf = os.path.join(d, name + ".err")
        args = []
        if os.path.exists(os.path.join(d, name + ".schema.json")):
            args += ["--input-schema", name + ".schema.json"]
        argf = os.path.join(d, name + ".args")
        if os.path.exists(argf):
            args += open(argf).read().split()
        p = subprocess.run([aslc, "check", name + ".asl.json"] + args, cwd=d,
                           capture_output=True, encoding="utf-8", errors="replace", timeout=60)
        if update:
            with open(errf, "w", encoding="utf-8") as f:
                f.write(p.stderr)
        want = open(errf, encoding="utf-8").read() if os.path.exists(errf) else ""
        want_status = 1 if "error:" in want else 0
        ok = p.stderr == want and p.returncode == want_status
        if ok:
            passed += 1
            print(f"[PASS] {name}")
        else:
            failed += 1
            print(f"[FAIL] {name} (exit {p.returncode}, want {want_status})")
            sys.stdout.writelines(difflib.unified_diff(
                want.splitlines(True), p.stderr.splitlines(True), name + ".err", "stderr"))
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
